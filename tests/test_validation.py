"""Bad input raises ValueError, and the message names the offending argument."""

from __future__ import annotations

import re

import numpy as np
import pytest

import yuma
from yuma import YumaParams

W = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
S = np.array([1.0, 2.0, 3.0])
B = np.zeros((3, 3))
NAN, INF = float("nan"), float("inf")


def raises_naming(name: str):
    """pytest.raises(ValueError) whose message names ``name`` as a whole word."""
    return pytest.raises(ValueError, match=rf"(?<![\w.]){re.escape(name)}(?!\w)")


def with_entry(x: np.ndarray, index, value) -> np.ndarray:
    y = np.array(x, dtype=np.float64)
    y[index] = value
    return y


# --------------------------------------------------------------------------------------
# epoch()
# --------------------------------------------------------------------------------------

EPOCH_CASES = {
    # shapes
    "weights 1-D": ("weights", dict(weights=np.ones(3))),
    "weights 3-D": ("weights", dict(weights=np.ones((3, 3, 1)))),
    "weights not numbers": ("weights", dict(weights=[["a", "b"]], stake=[1.0])),
    "stake too short": ("stake", dict(stake=np.ones(2))),
    "stake too long": ("stake", dict(stake=np.ones(4))),
    "stake 2-D": ("stake", dict(stake=np.ones((3, 1)))),
    "bonds wrong shape": ("bonds", dict(bonds=np.zeros((3, 2)))),
    "bonds transposed": ("bonds", dict(weights=np.ones((3, 4)), bonds=np.zeros((4, 3)))),
    "bonds 1-D": ("bonds", dict(bonds=np.zeros(9))),
    "active too short": ("active", dict(active=np.ones(2, dtype=bool))),
    "active 2-D": ("active", dict(active=np.ones((3, 1), dtype=bool))),
    "active not boolean": ("active", dict(active=np.array([0, 1, 2]))),
    "validator_permit too long": ("validator_permit", dict(validator_permit=np.ones(4, bool))),
    "reset_bonds too short": ("reset_bonds", dict(reset_bonds=np.ones(2, dtype=bool))),
    "listed wrong shape": ("listed", dict(listed=np.ones((3, 2), dtype=bool))),
    "last_update too short": (
        "last_update",
        dict(last_update=np.ones(2, dtype=int), block_at_registration=np.ones(3, dtype=int)),
    ),
    "block_at_registration too short": (
        "block_at_registration",
        dict(block_at_registration=np.ones(2, dtype=int)),
    ),
    "block_at_registration negative": (
        "block_at_registration",
        dict(block_at_registration=-np.ones(3, dtype=int)),
    ),
    "block_at_registration fractional": (
        "block_at_registration",
        dict(block_at_registration=np.array([0.5, 1.0, 2.0])),
    ),
    "commit_block too short": (
        "commit_block",
        dict(commit_block=np.ones(2, dtype=int), block_at_registration=np.ones(3, dtype=int)),
    ),
    # non-finite and negative values
    "weights NaN": ("weights", dict(weights=with_entry(W, (0, 1), NAN))),
    "weights inf": ("weights", dict(weights=with_entry(W, (2, 0), INF))),
    "weights -inf": ("weights", dict(weights=with_entry(W, (2, 0), -INF))),
    "weights negative": ("weights", dict(weights=with_entry(W, (1, 2), -1.0))),
    "stake NaN": ("stake", dict(stake=with_entry(S, 1, NAN))),
    "stake inf": ("stake", dict(stake=with_entry(S, 1, INF))),
    "stake negative": ("stake", dict(stake=with_entry(S, 0, -1.0))),
    "bonds NaN": ("bonds", dict(bonds=with_entry(B, (1, 2), NAN))),
    "bonds inf": ("bonds", dict(bonds=with_entry(B, (1, 2), INF))),
    "bonds negative": ("bonds", dict(bonds=with_entry(B, (1, 2), -0.5))),
    # other arguments
    "variant unknown": ("variant", dict(variant="yuma4")),
    "variant not a name": ("variant", dict(variant=3)),
    "params not YumaParams": ("params", dict(params="yuma3")),
    "owner_uid out of range": ("owner_uid", dict(owner_uid=3)),
    "owner_uid negative": ("owner_uid", dict(owner_uid=-1)),
    "owner_uid not an integer": ("owner_uid", dict(owner_uid=1.0)),
    "stake_threshold negative": ("stake_threshold", dict(stake_threshold=-1.0)),
    "stake_threshold NaN": ("stake_threshold", dict(stake_threshold=NAN)),
    "last_tempo without block_at_registration": ("last_tempo", dict(last_tempo=3)),
    "last_tempo not an integer": (
        "last_tempo",
        dict(last_tempo=3.5, block_at_registration=np.ones(3, dtype=int)),
    ),
}


@pytest.mark.parametrize("case", sorted(EPOCH_CASES))
def test_epoch_rejects(case):
    name, overrides = EPOCH_CASES[case]
    kwargs = {"weights": W, "stake": S, **overrides}
    with raises_naming(name):
        yuma.epoch(**kwargs)


def test_epoch_accepts_the_valid_baseline():
    # The cases above differ from this call only in the argument they break.
    r = yuma.epoch(W, S, B)
    assert r.consensus.shape == (3,)


# --------------------------------------------------------------------------------------
# YumaParams
# --------------------------------------------------------------------------------------

UNIT_PARAMS = ("kappa", "bonds_moving_average", "bonds_penalty", "alpha_low", "alpha_high")


@pytest.mark.parametrize("name", UNIT_PARAMS)
@pytest.mark.parametrize("bad", [-0.1, -1e-300, 1.0000000000000002, 2.0, NAN, INF, -INF])
def test_params_out_of_range(name, bad):
    kwargs = {name: bad}
    if name == "alpha_low" and bad > 1.0:
        kwargs["alpha_high"] = 1.0  # only the range is wrong, not the order
    with raises_naming(name):
        YumaParams(**kwargs)


@pytest.mark.parametrize("name", UNIT_PARAMS)
@pytest.mark.parametrize("bad", ["0.5", None, True, [0.5]])
def test_params_not_a_number(name, bad):
    with raises_naming(name):
        YumaParams(**{name: bad})


def test_params_alpha_low_above_alpha_high():
    with raises_naming("alpha_low"):
        YumaParams(alpha_low=0.9, alpha_high=0.8)


@pytest.mark.parametrize("bad", [NAN, INF, "10", None])
def test_params_steepness(bad):
    with raises_naming("alpha_sigmoid_steepness"):
        YumaParams(alpha_sigmoid_steepness=bad)


@pytest.mark.parametrize("bad", [-1, 65536, 1.5, None])
def test_params_max_allowed_validators(bad):
    with raises_naming("max_allowed_validators"):
        YumaParams(max_allowed_validators=bad)


@pytest.mark.parametrize("bad", [1, "yes", None])
def test_params_liquid_alpha_must_be_bool(bad):
    with raises_naming("liquid_alpha"):
        YumaParams(liquid_alpha=bad)


@pytest.mark.parametrize("bad", ["yuma4", "YUMA3", "", None])
def test_params_unknown_variant(bad):
    with raises_naming("variant"):
        YumaParams(variant=bad)


FROM_CHAIN_CASES = [
    ("kappa", 65536),
    ("kappa", -1),
    ("kappa", 0.5),
    ("kappa", True),
    ("bonds_moving_average", 1_000_001),
    ("bonds_moving_average", -1),
    ("bonds_moving_average", 0.9),
    ("bonds_penalty", 65536),
    ("bonds_penalty", -1),
    ("alpha_sigmoid_steepness", 32768),
    ("alpha_sigmoid_steepness", -32769),
    ("alpha_sigmoid_steepness", 10.5),
    ("max_allowed_validators", 65536),
    ("max_allowed_validators", -1),
    ("alpha_values", (65536, 65535)),
    ("alpha_values", (0, 65536)),
    ("alpha_values", (-1, 5)),
    ("alpha_values", (1, 2, 3)),
    ("alpha_values", (1,)),
]


@pytest.mark.parametrize(("name", "bad"), FROM_CHAIN_CASES)
def test_from_chain_out_of_range(name, bad):
    with raises_naming(name):
        YumaParams.from_chain(**{name: bad})


def test_from_chain_alpha_values_in_wrong_order():
    with pytest.raises(ValueError, match=r"alpha_values|alpha_low"):
        YumaParams.from_chain(alpha_values=(60000, 50000))


# --------------------------------------------------------------------------------------
# Public steps
# --------------------------------------------------------------------------------------

SA = np.array([0.5, 0.3, 0.2])
WN = np.full((3, 2), 0.5)
BN = np.zeros((3, 2))
C = np.array([0.5, 0.25])
M = np.ones((3, 2), dtype=bool)

STEP_CASES = {
    # consensus
    "weighted_median_col weights 1-D": ("weights", yuma.weighted_median_col, (SA, np.ones(3), 0.5)),
    "weighted_median_col stake length": ("stake", yuma.weighted_median_col, (SA[:2], WN, 0.5)),
    "weighted_median_col kappa > 1": ("kappa", yuma.weighted_median_col, (SA, WN, 1.5)),
    "weighted_median_col kappa < 0": ("kappa", yuma.weighted_median_col, (SA, WN, -0.5)),
    "weighted_median_col kappa NaN": ("kappa", yuma.weighted_median_col, (SA, WN, NAN)),
    "weighted_median_col weights NaN": (
        "weights",
        yuma.weighted_median_col,
        (SA, with_entry(WN, (0, 0), NAN), 0.5),
    ),
    "weighted_median_col weights negative": ("weights", yuma.weighted_median_col, (SA, -WN, 0.5)),
    "weighted_median_col stake inf": (
        "stake",
        yuma.weighted_median_col,
        (with_entry(SA, 0, INF), WN, 0.5),
    ),
    "weighted_median_col stake negative": ("stake", yuma.weighted_median_col, (-SA, WN, 0.5)),
    "consensus kappa > 1": ("kappa", yuma.consensus, (SA, WN, 2.0)),
    "weighted_median score length": ("score", yuma.weighted_median, (SA, np.ones(2), 0.5)),
    "weighted_median score NaN": (
        "score",
        yuma.weighted_median,
        (SA, np.array([NAN, 1.0, 1.0]), 0.5),
    ),
    "weighted_median kappa": ("kappa", yuma.weighted_median, (SA, np.ones(3), -1.0)),
    # clipping, trust, rank, incentive
    "col_clip consensus length": ("consensus", yuma.col_clip, (WN, np.ones(3))),
    "col_clip consensus NaN": ("consensus", yuma.col_clip, (WN, np.array([NAN, 1.0]))),
    "col_clip weights 1-D": ("weights", yuma.col_clip, (np.ones(2), C)),
    "col_clip weights inf": ("weights", yuma.col_clip, (with_entry(WN, (1, 1), INF), C)),
    "validator_trust 1-D": ("clipped_weights", yuma.validator_trust, (np.ones(3),)),
    "rank stake length": ("active_stake", yuma.rank, (SA[:2], WN)),
    "rank clipped NaN": ("clipped_weights", yuma.rank, (SA, with_entry(WN, (0, 0), NAN))),
    "incentive NaN": ("rank", yuma.incentive, (np.array([NAN, 1.0]),)),
    "incentive negative": ("rank", yuma.incentive, (np.array([-1.0, 1.0]),)),
    "trust clipped shape": ("clipped_weights", yuma.trust, (SA, WN, np.ones((2, 2)))),
    # stake and masks
    "stake_weights NaN": ("stake", yuma.stake_weights, (np.array([NAN, 1.0]),)),
    "validator_permits max_allowed_validators < 0": (
        "max_allowed_validators",
        yuma.validator_permits,
        (SA, -1),
    ),
    "validator_permits max_allowed_validators NaN": (
        "max_allowed_validators",
        yuma.validator_permits,
        (SA, NAN),
    ),
    "active_stake active length": (
        "active",
        yuma.active_stake,
        (SA, np.ones(2, bool), np.ones(3, bool)),
    ),
    "active_stake validator_permit length": (
        "validator_permit",
        yuma.active_stake,
        (SA, np.ones(3, bool), np.ones(2, bool)),
    ),
    "activity_mask last_update negative": (
        "last_update",
        yuma.activity_mask,
        (-np.ones(3, dtype=int), 5, 1),
    ),
    "activity_mask block negative": ("block", yuma.activity_mask, (np.ones(3, int), -1, 3)),
    "weight_mask validator_permit length": (
        "validator_permit",
        yuma.weight_mask,
        ((3, 2), np.ones(2, bool)),
    ),
    "mask_weights mask shape": ("mask", yuma.mask_weights, (WN, np.ones((2, 2), bool))),
    "mask_weights weights negative": ("weights", yuma.mask_weights, (-WN, M)),
    # bonds
    "weights_for_bonds bonds_penalty > 1": ("bonds_penalty", yuma.weights_for_bonds, (WN, WN, 2.0)),
    "weights_for_bonds clipped shape": (
        "clipped_weights",
        yuma.weights_for_bonds,
        (WN, np.ones((2, 2)), 0.5),
    ),
    "bond_entries listed shape": (
        "listed",
        yuma.bond_entries,
        (np.ones((2, 2), bool), WN, C, WN, 0.5),
    ),
    "bond_entries bonds_penalty < 0": ("bonds_penalty", yuma.bond_entries, (M, WN, C, WN, -1.0)),
    "bonds_reset_mask negative": (
        "block_at_registration",
        yuma.bonds_reset_mask,
        (-np.ones(3, dtype=int), 2),
    ),
    "alpha_sigmoid alpha_low > alpha_high": (
        "alpha_low",
        yuma.alpha_sigmoid,
        (C, WN, BN, 0.9, 0.8, 10.0),
    ),
    "alpha_sigmoid alpha_low > 1": ("alpha_low", yuma.alpha_sigmoid, (C, WN, BN, 1.5, 0.8, 10.0)),
    "alpha_sigmoid alpha_high < 0": (
        "alpha_high",
        yuma.alpha_sigmoid,
        (C, WN, BN, 0.1, -1.0, 10.0),
    ),
    "alpha_sigmoid steepness inf": ("steepness", yuma.alpha_sigmoid, (C, WN, BN, 0.7, 0.9, INF)),
    "alpha_sigmoid bonds shape": (
        "bonds",
        yuma.alpha_sigmoid,
        (C, WN, np.zeros((2, 2)), 0.7, 0.9, 10.0),
    ),
    "alpha_sigmoid consensus length": (
        "consensus",
        yuma.alpha_sigmoid,
        (np.ones(3), WN, BN, 0.7, 0.9, 10.0),
    ),
    "alpha_sigmoid weights_for_bonds NaN": (
        "weights_for_bonds",
        yuma.alpha_sigmoid,
        (C, with_entry(WN, (0, 0), NAN), BN, 0.7, 0.9, 10.0),
    ),
    "liquid_alpha_v1 alpha_low > alpha_high": ("alpha_low", yuma.liquid_alpha_v1, (C, 0.9, 0.8)),
    "liquid_alpha_v1 alpha_high > 1": ("alpha_high", yuma.liquid_alpha_v1, (C, 0.7, 2.0)),
    "liquid_alpha_v1 consensus NaN": (
        "consensus",
        yuma.liquid_alpha_v1,
        (np.array([NAN]), 0.7, 0.8),
    ),
    "load_bonds_yuma2 NaN": ("stored_bonds", yuma.load_bonds_yuma2, (np.full((2, 2), NAN),)),
    "store_bonds_yuma2 negative": ("ema_bonds", yuma.store_bonds_yuma2, (-np.ones((2, 2)),)),
    "bonds_ema_yuma2 alpha > 1": ("alpha", yuma.bonds_ema_yuma2, (BN, WN, SA, 2.0)),
    "bonds_ema_yuma2 alpha vector > 1": (
        "alpha",
        yuma.bonds_ema_yuma2,
        (BN, WN, SA, np.full(2, 2.0)),
    ),
    "bonds_ema_yuma2 alpha length": ("alpha", yuma.bonds_ema_yuma2, (BN, WN, SA, np.ones(3))),
    "bonds_ema_yuma2 active_stake length": (
        "active_stake",
        yuma.bonds_ema_yuma2,
        (BN, WN, SA[:2], 0.1),
    ),
    "bonds_ema_yuma2 bonds shape": ("bonds", yuma.bonds_ema_yuma2, (np.zeros((3, 3)), WN, SA, 0.1)),
    "mat_ema alpha > 1": ("alpha", yuma.mat_ema, (BN, WN, 2.0)),
    "mat_ema bonds shape": ("bonds", yuma.mat_ema, (np.zeros((2, 2)), WN, 0.1)),
    "mat_ema_alpha alpha > 1": ("alpha", yuma.mat_ema_alpha, (BN, WN, np.full((3, 2), 2.0))),
    "mat_ema_alpha alpha shape": ("alpha", yuma.mat_ema_alpha, (BN, WN, np.full((3, 3), 0.5))),
    "mat_ema_alpha entries shape": (
        "entries",
        yuma.mat_ema_alpha,
        (BN, WN, np.full((3, 2), 0.5), np.ones((2, 2), bool)),
    ),
    # dividends and emission
    "dividends_yuma2 incentive length": ("incentive", yuma.dividends_yuma2, (BN, np.ones(3))),
    "dividends_yuma3 active_stake length": (
        "active_stake",
        yuma.dividends_yuma3,
        (BN, np.ones(2), np.ones(2)),
    ),
    "dividends_yuma3 ema_bonds NaN": (
        "ema_bonds",
        yuma.dividends_yuma3,
        (np.full((3, 2), NAN), np.ones(2), SA),
    ),
    "emission_split stake_weights length": (
        "stake_weights",
        yuma.emission_split,
        (np.ones(3), np.ones(3), SA[:2], SA),
    ),
    "emission_split active_stake length": (
        "active_stake",
        yuma.emission_split,
        (np.ones(3), np.ones(3), SA, SA[:2]),
    ),
    "emission_split incentive NaN": (
        "incentive",
        yuma.emission_split,
        (np.array([NAN, 1.0, 1.0]), np.ones(3), SA, SA),
    ),
    # ops
    "normalize 2-D": ("x", yuma.normalize, (np.ones((2, 2)),)),
    "row_normalize 1-D": ("x", yuma.row_normalize, (np.ones(2),)),
    "col_normalize 1-D": ("x", yuma.col_normalize, (np.ones(2),)),
    "col_max_upscale 3-D": ("x", yuma.col_max_upscale, (np.ones((2, 2, 2)),)),
    "is_topk k < 0": ("k", yuma.is_topk, (SA, -1)),
    "is_topk k not an integer": ("k", yuma.is_topk, (SA, 1.5)),
    "is_topk_nonzero k < 0": ("k", yuma.is_topk_nonzero, (SA, -1)),
    # variants
    "register_variant not a Variant": ("variant", yuma.register_variant, ("mine",)),
}


@pytest.mark.parametrize("case", sorted(STEP_CASES))
def test_step_rejects(case):
    name, fn, args = STEP_CASES[case]
    with raises_naming(name):
        fn(*args)


def test_vecdiv_shape_mismatch_names_both():
    with pytest.raises(ValueError, match=r"\bx\b.*\by\b"):
        yuma.vecdiv(np.ones(2), np.ones(3))


def test_emission_split_square_needs_equal_lengths():
    with pytest.raises(ValueError, match=r"incentive.*dividends|dividends.*incentive"):
        yuma.emission_split(np.ones(2), np.ones(3), SA, SA, square=True)


def test_register_variant_refuses_builtin_names():
    with pytest.raises(ValueError, match="yuma3"):
        yuma.register_variant(yuma.YUMA3)


def test_yuma3_bonds_must_be_proportions():
    w, s = np.ones((2, 3)), np.ones(2)
    with pytest.raises(ValueError, match="bonds must hold proportions in \\[0, 1\\]"):
        yuma.epoch(w, s, np.full((2, 3), 1.5), variant="yuma3")
    yuma.epoch(w, s, np.full((2, 3), 1.0), variant="yuma3")  # 1 itself is a proportion
    # Yuma 2 reads its bonds column-normalized, so any non-negative scale is accepted.
    r = yuma.epoch(w, s, np.full((2, 3), 1.5), variant="yuma2")
    assert np.isfinite(r.dividends).all()

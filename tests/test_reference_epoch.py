"""yuma.epoch against yuma.reference.epoch, field by field, plus a brute-force median.

The epochs are compared on Hypothesis inputs for every built-in variant, square and
rectangular, with masks, ``listed``, the owner, registration and update blocks,
``last_tempo``, commit blocks, bond resets and the stake threshold. Consensus is compared
within tolerance across whole epochs (the weights it selects from are row sums that both
sides may round differently) and exactly on the same weights and stake.

The hand-worked epochs state their expected values as fractions worked out on paper.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma.core import reference
from yuma.testing import step_strategies as ss
from yuma.testing.comparisons import assert_matches

VARIANTS = ("yuma2", "yuma2_liquid_alpha_v1", "yuma3")


def compare_epochs(kw):
    ref = reference.epoch(**kw)
    fast = yuma.epoch(**kw)
    assert_matches("epoch", fast, ref)
    # Consensus exactly, on the weights and stake this epoch used.
    params = kw["params"]
    exact = reference.weighted_median_col(fast.active_stake, fast.weights, params.kappa)
    np.testing.assert_array_equal(fast.consensus, exact)
    return fast, ref


@pytest.mark.parametrize("square", [True, False], ids=["square", "rectangular"])
@pytest.mark.parametrize("variant", VARIANTS)
@given(data=st.data())
def test_epoch_matches_reference(variant, square, data):
    kw = data.draw(ss.full_epoch_inputs(square=square, variants=(variant,)))
    fast, _ = compare_epochs(kw)
    assert fast.variant == variant


@given(ss.full_epoch_inputs())
def test_epoch_matches_reference_any_form(kw):
    compare_epochs(kw)


@pytest.mark.parametrize("variant", VARIANTS)
def test_epoch_defaults_and_variant_argument(variant):
    # params=None on both sides means the same defaults; the variant string overrides.
    w = np.array([[0.0, 0.6, 0.4], [0.3, 0.0, 0.7], [0.5, 0.5, 0.0]])
    stake = np.array([5.0, 3.0, 2.0])
    bonds = np.array([[0.0, 0.2, 0.1], [0.3, 0.0, 0.05], [0.1, 0.1, 0.0]])
    ref = reference.epoch(w, stake, bonds, variant=variant)
    fast = yuma.epoch(w, stake, bonds, variant=variant)
    assert_matches("epoch", fast, ref)
    assert ref["variant"] == variant


def test_epoch_liquid_alpha_paths():
    # Liquid alpha with previous bonds, every variant and bonds penalty, owner and masks in
    # play; `listed` is drawn independently of the weights, so the rule "positive weights
    # always count as listed" decides which bonds Yuma 3 keeps.
    rng = np.random.default_rng(3)
    for variant in VARIANTS:
        for beta in (0.0, 0.4, 1.0):
            for n_rows, n_cols in [(6, 6), (4, 9)]:
                w = rng.random((n_rows, n_cols)) * (rng.random((n_rows, n_cols)) > 0.3)
                params = yuma.YumaParams(
                    liquid_alpha=True,
                    alpha_low=0.6,
                    alpha_high=0.95,
                    bonds_penalty=beta,
                    variant=variant,
                    alpha_sigmoid_steepness=25.0,
                )
                kw = {
                    "weights": w,
                    "stake": rng.random(n_rows) * 100,
                    "bonds": rng.random((n_rows, n_cols)),
                    "params": params,
                    "owner_uid": 1,
                    "listed": rng.random((n_rows, n_cols)) > 0.5,
                    "validator_permit": np.arange(n_rows) != 2,
                }
                compare_epochs(kw)


def test_epoch_result_keys():
    assert reference.EPOCH_FIELDS == tuple(f.name for f in fields(yuma.EpochResult))
    out = reference.epoch(np.zeros((2, 2)), np.ones(2))
    assert tuple(out) == reference.EPOCH_FIELDS


# --------------------------------------------------------------------------------------
# Hand-worked epochs (both implementations)
# --------------------------------------------------------------------------------------

W_HAND = np.array([[0.5, 0.5, 0.0], [0.8, 0.2, 0.0]])
S_HAND = np.array([3.0, 1.0])


def _as_dict(out):
    return out if isinstance(out, dict) else out.to_dict()


@pytest.mark.parametrize("impl", [reference.epoch, yuma.epoch], ids=["reference", "fast"])
def test_hand_epoch_yuma3(impl):
    # Two validators (stake 3:1, S = [3/4, 1/4]), three miners; default params (kappa just
    # under 1/2, beta = 1, ema rate 0.1, no liquid alpha).
    r = _as_dict(impl(W_HAND, S_HAND, params=yuma.YumaParams(variant="yuma3")))
    # Consensus: column 0 from the top: 0.8 (1/4) short of kappa, 0.5 and above hold 1 ->
    # 0.5; column 1: 0.5 held by 3/4 -> 0.5; column 2: 0.
    assert r["consensus"].tolist() == [0.5, 0.5, 0.0]
    assert r["clipped_weights"].tolist() == [[0.5, 0.5, 0.0], [0.5, 0.2, 0.0]]
    np.testing.assert_allclose(r["validator_trust"], [1.0, 0.7], rtol=1e-15)
    # R = [3/8 + 1/8, 3/8 + 1/20, 0] = [1/2, 17/40, 0]; I = R / (37/40) = [20/37, 17/37, 0].
    np.testing.assert_allclose(r["rank"], [0.5, 0.425, 0.0], rtol=1e-15)
    np.testing.assert_allclose(r["incentive"], [20 / 37, 17 / 37, 0.0], rtol=1e-15)
    # P = [3/8 + 1/5, 17/40, 0] = [23/40, 17/40, 0]; T = R / P = [20/23, 1, 0].
    np.testing.assert_allclose(r["trust"], [20 / 23, 1.0, 0.0], rtol=1e-15)
    # B' = 0.1 W_clipped (no previous bonds).
    np.testing.assert_allclose(r["ema_bonds"], [[0.05, 0.05, 0.0], [0.05, 0.02, 0.0]])
    np.testing.assert_allclose(r["bonds"], r["ema_bonds"], rtol=0)
    # colnorm B' = [[1/2, 5/7, 0], [1/2, 2/7, 0]]; times I: [155/259, 104/259];
    # times S: [465/1036, 104/1036]; normalized: D = [465/569, 104/569].
    np.testing.assert_allclose(r["dividends"], [465 / 569, 104 / 569], rtol=1e-14)
    # Rectangular: E = [D, I] sums to 2.
    np.testing.assert_allclose(r["validator_emission"], [465 / 1138, 104 / 1138], rtol=1e-14)
    np.testing.assert_allclose(r["server_emission"], [10 / 37, 17 / 74, 0.0], rtol=1e-14)
    np.testing.assert_allclose(
        r["emission"], [465 / 1138, 104 / 1138, 10 / 37, 17 / 74, 0.0], rtol=1e-14
    )
    assert r["validator_permit"].tolist() == [True, True]


@pytest.mark.parametrize("impl", [reference.epoch, yuma.epoch], ids=["reference", "fast"])
def test_hand_epoch_yuma2(impl):
    r = _as_dict(impl(W_HAND, S_HAND, params=yuma.YumaParams(variant="yuma2")))
    # W_b * S = [[3/8, 3/8, 0], [1/8, 1/20, 0]]; column sums [1/2, 17/40, 0];
    # delta = [[3/4, 15/17, 0], [1/4, 2/17, 0]]. No previous bonds: B_ema = delta.
    np.testing.assert_allclose(
        r["ema_bonds"], [[0.75, 15 / 17, 0.0], [0.25, 2 / 17, 0.0]], rtol=1e-14
    )
    # D = N(B_ema I): [3/4 * 20/37 + 15/17 * 17/37, 1/4 * 20/37 + 2/17 * 17/37]
    #   = [30/37, 7/37] (already sums to 1).
    np.testing.assert_allclose(r["dividends"], [30 / 37, 7 / 37], rtol=1e-14)
    # Stored: each column's maximum becomes 1.
    np.testing.assert_allclose(
        r["bonds"], [[1.0, 1.0, 0.0], [1 / 3, 2 / 15, 0.0]], rtol=1e-14
    )


@pytest.mark.parametrize("impl", [reference.epoch, yuma.epoch], ids=["reference", "fast"])
def test_hand_epoch_masks_and_storage(impl):
    # Square, 3 UIDs. UID 2 has no (previous) permit: its weights are dropped and its
    # stake is not active. Stake threshold 2 drops UID 1's stake (1), so only UID 0 and
    # UID 2 have S > 0: S = [3/5, 0, 2/5]. One new permit (k = 1) goes to UID 0.
    w = np.array([[0.0, 1.0, 3.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    prev = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]])
    params = yuma.YumaParams(variant="yuma3", max_allowed_validators=1)
    r = _as_dict(
        impl(w, np.array([3.0, 1.0, 2.0]), prev, params=params,
             validator_permit=np.array([True, True, False]), stake_threshold=2.0)
    )
    np.testing.assert_allclose(r["stake"], [0.6, 0.0, 0.4], rtol=1e-15)
    assert r["validator_permit"].tolist() == [True, False, False]
    # Active stake: UID 0 only (UID 1 has none, UID 2 no permit).
    assert r["active_stake"].tolist() == [1.0, 0.0, 0.0]
    # Self-weights and row 2 dropped; row 0 = [0, 1/4, 3/4], row 1 = [1/2, 0, 1/2].
    np.testing.assert_allclose(
        r["weights"], [[0.0, 0.25, 0.75], [0.5, 0.0, 0.5], [0.0, 0.0, 0.0]], rtol=1e-15
    )
    # UID 0 holds all the active stake: consensus = its row.
    np.testing.assert_allclose(r["consensus"], [0.0, 0.25, 0.75], rtol=1e-15)
    # Bonds: B' = 0.9 B + 0.1 W_clipped. Storage: row 0 (new permit) gets B'; rows 1 and 2
    # have no new permit -> cleared (the chain writes every UID's row, empty without one).
    clipped = np.array([[0.0, 0.25, 0.75], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(r["ema_bonds"], 0.9 * prev + 0.1 * clipped, rtol=1e-14)
    np.testing.assert_allclose(
        r["bonds"], [0.9 * prev[0] + 0.1 * clipped[0], [0.0] * 3, [0.0] * 3], rtol=1e-14
    )


# --------------------------------------------------------------------------------------
# A second, brute-force look at the weighted median
# --------------------------------------------------------------------------------------


def brute_force_median_col(stake, weights, kappa):
    """Try every participant's score as the candidate; keep the largest that qualifies.

    Units computed here from the definition: q_i = rint(2**52 s_i / T), T = fsum of the
    positive stakes, K = ceil(kappa 2**52); a score v qualifies if the participants with
    score >= v hold >= K units.
    """
    stake = [float(s) for s in stake]
    part = [i for i, s in enumerate(stake) if s > 0]
    total = math.fsum(stake[i] for i in part)
    q = {i: int(np.rint(stake[i] / total * 2.0**52)) for i in part}
    need = math.ceil(kappa * 2.0**52)
    out = []
    for j in range(weights.shape[1]):
        scores = {i: float(weights[i, j]) for i in part}
        best = None
        for v in scores.values():
            held = sum(q[i] for i, x in scores.items() if x >= v)
            if held >= need and (best is None or v > best):
                best = v
        if best is None:
            best = min(scores.values()) if scores else 0.0
        out.append(best)
    return np.array(out, dtype=np.float64)


@given(ss.median_inputs(max_rows=8, max_cols=6))
def test_brute_force_median_agrees_with_reference(kw):
    expected = brute_force_median_col(kw["stake"], kw["weights"], kw["kappa"])
    np.testing.assert_array_equal(reference.weighted_median_col(**kw), expected)
    np.testing.assert_array_equal(yuma.weighted_median_col(**kw), expected)


@given(st.data())
def test_brute_force_median_on_integer_stakes_at_kappa_boundary(data):
    # Integer stakes and kappa = a / b with small a, b: the stake meeting a score often
    # equals kappa exactly, so the >= boundary is exercised on every draw.
    n = data.draw(st.integers(1, 6))
    stake = np.array(data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), float)
    b = data.draw(st.integers(1, 8))
    kappa = data.draw(st.integers(0, b)) / b
    weights = data.draw(ss.matrices(n, 4)).astype(float)
    expected = brute_force_median_col(stake, weights, kappa)
    np.testing.assert_array_equal(reference.weighted_median_col(stake, weights, kappa), expected)

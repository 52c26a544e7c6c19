"""Fuzz: every public entry point with one argument replaced by a hostile value.

Each entry point is called with good arguments except one, which becomes None, a string,
a complex number, NaN, a negative or huge integer, a ragged list, an object, an array of
strings, datetimes or complex numbers, an empty or 3-D array, or an 8 TB broadcast view.
The call may succeed (the value happened to be acceptable: then no NaN comes out) or raise
a ``ValueError`` / ``TypeError`` whose message names the argument. Nothing else: no
AttributeError, IndexError, OverflowError, MemoryError, RuntimeWarning (warnings are
errors in this suite), and the good arguments are never modified.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import warnings

import numpy as np
import pytest
from fuzz_support import (
    U64_MAX,
    assert_names,
    assert_no_nan,
    assert_untouched,
    budget,
    hostile,
    hostile_scalars,
    snapshot_args,
)
from hypothesis import assume, given

import yuma
from yuma import chain, economics
from yuma.analysis import guarantees as g
from yuma.analysis import weight_setting as ws
from yuma.analysis.compare import resolve_candidate
from yuma.analysis.sweep import sweep
from yuma.chain import null
from yuma.core import mechanisms
from yuma.io import chain_hyperparameters, rao_to_tao, read_metagraph10, tao_to_rao
from yuma.io.snapshot import save_snapshot
from yuma.io.subnet import SubnetSnapshot
from yuma.sim import metrics
from yuma.testing import check_variant

_TMP = tempfile.mkdtemp(prefix="yuma-fuzz-")

W3 = [[0.0, 0.6, 0.4], [0.5, 0.0, 0.5], [0.2, 0.8, 0.0]]
U16 = [[0, 65535, 30000], [65535, 0, 65535], [100, 65535, 0]]


def _w():
    return np.array(W3)


def _s():
    return np.array([3.0, 2.0, 1.0])


def _state():
    s = chain.new_subnet(3, block=10, tempo=1)
    s = chain.set_stake(s, [10**9, 5 * 10**8, 0])
    s = chain.set_validator_permit(s, 0)
    s = chain.set_validator_permit(s, 1)
    return chain.set_weights(s, 0, [1, 2], [65535, 30000])


def _sim():
    return yuma.simulate(yuma.get_scenario("weight_copier"), epochs=2)


def _square(x):
    return {"y": x * x}


class _Metagraph10:
    """Duck type of a bittensor 10.x metagraph (arrays as attributes)."""

    def __init__(self):
        self.netuid, self.n, self.block = 1, 3, 100
        self.S = np.array([10.0, 5.0, 0.0])
        self.W = _w()
        self.B = np.zeros((3, 3))
        self.uids = np.arange(3)
        self.validator_permit = np.array([True, True, False])
        self.active = np.array([True, True, True])
        self.last_update = np.array([99, 98, 0])
        self.block_at_registration = np.array([0, 0, 0])


# name -> (callable, good keyword arguments, {argument: words its message may use})
ENTRY_POINTS = {
    # --- the float epoch and its inputs
    "epoch": (yuma.epoch, lambda: {
        "weights": _w(), "stake": _s(), "bonds": np.zeros((3, 3)), "params": yuma.YumaParams(),
        "variant": "yuma3", "active": [True] * 3, "validator_permit": [True] * 3,
        "last_update": [5, 5, 5], "block_at_registration": [1, 1, 1], "commit_block": [5] * 3,
        "last_tempo": 3, "reset_bonds": [False] * 3, "listed": np.ones((3, 3), bool),
        "owner_uid": 0, "stake_threshold": 0.0, "previous_consensus": [0.1, 0.2, 0.3],
        "arithmetic": "float"}, {"owner_uid": ("owner_uid", "UIDs")}),
    "epoch_fixed": (yuma.epoch, lambda: {
        "weights": _w(), "stake": _s(), "bonds": np.zeros((3, 3)), "owner_uid": 1,
        "last_update": [5, 5, 5], "block_at_registration": [1, 1, 1], "last_tempo": 3,
        "stake_threshold": 1.0, "arithmetic": "fixed"}, {}),
    "chain_epoch_from_float": (yuma.chain_epoch_from_float, lambda: {
        "weights": _w(), "stake": _s(), "bonds": None}, {}),
    "YumaParams": (yuma.YumaParams, lambda: {
        "kappa": 0.5, "bonds_moving_average": 0.9, "bonds_penalty": 1.0, "liquid_alpha": True,
        "alpha_low": 0.7, "alpha_high": 0.9, "alpha_sigmoid_steepness": 10.0,
        "variant": "yuma2", "max_allowed_validators": 64,
        "liquid_alpha_consensus_mode": "auto"}, {"alpha_low": ("alpha_low", "alpha_high"),
                                                 "alpha_high": ("alpha_low", "alpha_high")}),
    "YumaParams.from_chain": (yuma.YumaParams.from_chain, lambda: {
        "kappa": 32767, "bonds_moving_average": 900_000, "bonds_penalty": 65535,
        "alpha_values": (45875, 58982), "alpha_sigmoid_steepness": 1000,
        "liquid_alpha_on": True, "yuma3_on": True, "max_allowed_validators": 64,
        "liquid_alpha_consensus_mode": 2}, {}),
    # --- steps
    "stake_weights": (yuma.stake_weights, lambda: {
        "stake": _s(), "stake_threshold": 1.0, "owner_uid": 2}, {}),
    "validator_permits": (yuma.validator_permits, lambda: {
        "stake_weights": _s(), "max_allowed_validators": 2, "owner_uid": 2}, {}),
    "activity_mask": (yuma.activity_mask, lambda: {
        "last_update": [1, 2**63, U64_MAX], "block": 2**63, "activity_cutoff": 10}, {}),
    "active_stake": (yuma.active_stake, lambda: {
        "stake_weights": _s(), "active": [True, False, True],
        "validator_permit": [True, True, False]}, {}),
    "weight_mask": (yuma.weight_mask, lambda: {
        "shape": (3, 3), "validator_permit": [True] * 3, "owner_uid": 1,
        "last_update": [5, 5, 5], "block_at_registration": [1, 1, 1],
        "commit_block": [5, 5, 5]}, {}),
    "mask_weights": (yuma.mask_weights, lambda: {
        "weights": _w(), "mask": np.ones((3, 3), bool)}, {}),
    "weighted_median": (yuma.weighted_median, lambda: {
        "stake": _s(), "score": [0.1, 0.5, 0.2], "kappa": 0.5}, {}),
    "weighted_median_col": (yuma.weighted_median_col, lambda: {
        "stake": _s(), "weights": _w(), "kappa": 0.5}, {}),
    "consensus": (yuma.consensus, lambda: {"stake": _s(), "weights": _w(), "kappa": 0.5}, {}),
    "col_clip": (yuma.col_clip, lambda: {"weights": _w(), "consensus": [0.3, 0.5, 0.4]}, {}),
    "validator_trust": (yuma.validator_trust, lambda: {"clipped_weights": _w()}, {}),
    "rank": (yuma.rank, lambda: {"active_stake": _s() / 6, "clipped_weights": _w()}, {}),
    "incentive": (yuma.incentive, lambda: {"rank": [0.2, 0.3, 0.5]}, {}),
    "trust": (yuma.trust, lambda: {
        "active_stake": _s() / 6, "weights": _w(), "clipped_weights": _w() / 2}, {}),
    "weights_for_bonds": (yuma.weights_for_bonds, lambda: {
        "weights": _w(), "clipped_weights": _w() / 2, "bonds_penalty": 0.5}, {}),
    "bond_entries": (yuma.bond_entries, lambda: {
        "listed": np.ones((3, 3), bool), "weights": _w(), "consensus": [0.3, 0.5, 0.4],
        "weights_for_bonds": _w(), "bonds_penalty": 1.0}, {}),
    "bonds_reset_mask": (yuma.bonds_reset_mask, lambda: {
        "block_at_registration": [1, 2**63, U64_MAX], "last_tempo": 2**63}, {}),
    "alpha_sigmoid": (yuma.alpha_sigmoid, lambda: {
        "consensus": [0.3, 0.5, 0.4], "weights_for_bonds": _w(), "bonds": _w() / 2,
        "alpha_low": 0.7, "alpha_high": 0.9, "steepness": 10.0},
        {"alpha_low": ("alpha_low", "alpha_high"), "alpha_high": ("alpha_low", "alpha_high")}),
    "liquid_alpha_v1": (yuma.liquid_alpha_v1, lambda: {
        "consensus": [0.3, 0.5, 0.4], "alpha_low": 0.7, "alpha_high": 0.9},
        {"alpha_low": ("alpha_low", "alpha_high"), "alpha_high": ("alpha_low", "alpha_high")}),
    "load_bonds_yuma2": (yuma.load_bonds_yuma2, lambda: {"stored_bonds": _w()}, {}),
    "store_bonds_yuma2": (yuma.store_bonds_yuma2, lambda: {"ema_bonds": _w()}, {}),
    "bonds_ema_yuma2": (yuma.bonds_ema_yuma2, lambda: {
        "bonds": _w() / 2, "weights_for_bonds": _w(), "active_stake": _s() / 6,
        "alpha": 0.1}, {}),
    "mat_ema": (yuma.mat_ema, lambda: {
        "bonds": _w() / 2, "weights_for_bonds": _w(), "alpha": 0.1}, {}),
    "mat_ema_alpha": (yuma.mat_ema_alpha, lambda: {
        "bonds": _w() / 2, "weights_for_bonds": _w(), "alpha": np.full((3, 3), 0.1),
        "entries": np.ones((3, 3), bool)}, {}),
    "dividends_yuma2": (yuma.dividends_yuma2, lambda: {
        "ema_bonds": _w(), "incentive": [0.2, 0.3, 0.5]}, {}),
    "dividends_yuma3": (yuma.dividends_yuma3, lambda: {
        "ema_bonds": _w(), "incentive": [0.2, 0.3, 0.5], "active_stake": _s() / 6}, {}),
    "emission_split": (yuma.emission_split, lambda: {
        "incentive": [0.2, 0.3, 0.5], "dividends": [0.5, 0.5, 0.0],
        "stake_weights": _s() / 6, "active_stake": _s() / 6, "square": True}, {}),
    # --- ops
    "normalize": (yuma.normalize, lambda: {"x": _s()}, {}),
    "row_normalize": (yuma.row_normalize, lambda: {"x": _w()}, {}),
    "col_normalize": (yuma.col_normalize, lambda: {"x": _w()}, {}),
    "col_max_upscale": (yuma.col_max_upscale, lambda: {"x": _w()}, {}),
    "vecdiv": (yuma.vecdiv, lambda: {"x": _s(), "y": [1.0, 0.0, 2.0]}, {}),
    "is_topk": (yuma.is_topk, lambda: {"x": _s(), "k": 2}, {}),
    "is_topk_nonzero": (yuma.is_topk_nonzero, lambda: {"x": _s(), "k": 2}, {}),
    # --- scenarios and simulation
    "get_scenario": (yuma.get_scenario, lambda: {"name": "weight_copier"}, {}),
    "simulate": (yuma.simulate, lambda: {
        "scenario": yuma.get_scenario("weight_copier"), "params": yuma.YumaParams(),
        "variant": "yuma3", "epochs": 2}, {}),
    "Scenario": (yuma.Scenario, lambda: {
        "name": "mine", "weights": np.array([[[0.0, 1.0], [1.0, 0.0]]]),
        "stakes": np.array([[1.0, 1.0]])}, {}),
    "metrics.copier_ratio": (metrics.copier_ratio, lambda: {"sim": _sim()}, {}),
    "metrics.dividends_per_1000": (metrics.dividends_per_1000, lambda: {
        "sim": _sim(), "emission_per_epoch": 1.0}, {}),
    "metrics.validator_trust_history": (metrics.validator_trust_history, lambda: {
        "sim": _sim(), "uids": [0, 1]}, {}),
    # --- the chain's epoch and state
    "new_subnet": (chain.new_subnet, lambda: {"n": 3, "block": 2**63, "tempo": 360}, {}),
    "register": (chain.register, lambda: {
        "state": _state(), "uid": None, "stake": 10**9, "tao_stake": 0, "at_block": 11}, {}),
    "set_weights": (chain.set_weights, lambda: {
        "state": _state(), "uid": 1, "uids": [0, 2], "values": [1, 65535]}, {}),
    "set_stake": (chain.set_stake, lambda: {
        "state": _state(), "stake": [U64_MAX, 0, 1], "tao_stake": None}, {}),
    "set_validator_permit": (chain.set_validator_permit, lambda: {
        "state": _state(), "uid": 2, "permit": True}, {}),
    "reset_bonds": (chain.reset_bonds, lambda: {"state": _state(), "uid": 2}, {}),
    "advance": (chain.advance, lambda: {"state": _state(), "blocks": 2**63}, {}),
    "activity_cutoff_blocks": (chain.activity_cutoff_blocks, lambda: {
        "tempo": 360, "factor_milli": 13889}, {}),
    "bond_cutoff_block": (chain.bond_cutoff_block, lambda: {
        "block": 2**63, "tempo": 360, "last_mechanism_step_block": 5,
        "last_yuma_step_block": 7}, {}),
    "set_epoch_consensus": (chain.set_epoch_consensus, lambda: {
        "state": _state(), "mode": "null"}, {}),
    "chain_epoch": (chain.chain_epoch, lambda: {
        "state": _state(), "rao_emission": U64_MAX, "record_step": True,
        "active": [True, True, False], "bonds_reset": [False, False, True]}, {}),
    "apportion_units": (null.apportion_units, lambda: {
        "shares": [1, 2, 3], "budget": U64_MAX}, {}),
    "null_epoch": (null.null_epoch, lambda: {
        "weights": np.array(U16), "stake": [10**9, 5, 0], "budget": 10**9}, {}),
    "null_epoch_with_budgets": (null.null_epoch_with_budgets, lambda: {
        "weights": np.array(U16), "stake": [10**9, 5, 0], "server_budget": 10**9,
        "validator_budget": 10**9, "root_budget": 7}, {}),
    "chain_null_epoch": (null.chain_null_epoch, lambda: {
        "state": _state(), "rao_emission": 10**9}, {}),
    "split_emissions": (mechanisms.split_emissions, lambda: {
        "rao_emission": U64_MAX, "count": 2, "split": [30000, 35535]}, {}),
    "epoch_with_mechanisms": (mechanisms.epoch_with_mechanisms, lambda: {
        "weights": [_w(), _w().T], "stake": _s(), "rao_emission": U64_MAX}, {}),
    "null_epoch_with_mechanisms": (mechanisms.null_epoch_with_mechanisms, lambda: {
        "weights": [np.array(U16), np.array(U16).T], "stake": [10**9, 5, 0],
        "rao_emission": 10**9}, {}),
    # --- economics
    "block_emission": (economics.block_emission, lambda: {"issuance": [0, 10**17]}, {}),
    "project_issuance": (economics.project_issuance, lambda: {
        "blocks": [0, 10, 100], "initial_issuance": 0}, {}),
    "root_proportion": (economics.root_proportion, lambda: {
        "alpha_issuance": 10**12, "root_tao": 10**15}, {}),
    "price_shares": (economics.price_shares, lambda: {"moving_prices": [0.5, 1.5]}, {}),
    "subnet_block_emissions": (economics.subnet_block_emissions, lambda: {
        "block_emission": 10**9, "moving_prices": [0.5, 1.5]}, {}),
    "subnet_block_split": (economics.subnet_block_split, lambda: {
        "alpha_out": 10**9, "root_proportion_bits": 1 << 31, "blocks": 360}, {}),
    "split_dividends": (economics.split_dividends, lambda: {
        "dividends": [1, 2], "alpha_stakes": [10**9, 10**9], "root_stakes": [0, 10**9],
        "pending_alpha": 10**9, "pending_root_alpha": 10**6}, {}),
    "hotkey_take": (economics.hotkey_take, lambda: {"amount": U64_MAX, "take": 11796}, {}),
    "nominator_split": (economics.nominator_split, lambda: {
        "amount": 10**9, "stakes": [1, 2, 3], "take": 11796}, {}),
    "root_epoch": (economics.root_epoch, lambda: {
        "stakes": [10**9, 10**9], "weights": [[30000, 65535], [65535, 0]]}, {}),
    "network_lock_cost": (economics.network_lock_cost, lambda: {
        "last_lock": 10**12, "last_lock_block": 0, "current_block": 100}, {}),
    "neuron_is_immune": (economics.neuron_is_immune, lambda: {
        "block_at_registration": [0, 50], "current_block": 100}, {}),
    "neuron_to_prune": (economics.neuron_to_prune, lambda: {
        "emission": [5, 1, 3], "block_at_registration": [0, 0, 0], "current_block": 10**6},
        {}),
    # --- io
    "tao_to_rao": (tao_to_rao, lambda: {"tao": [1.5, 0.0]}, {"tao": ("stake",)}),
    "rao_to_tao": (rao_to_tao, lambda: {"rao": [10**9, U64_MAX]}, {}),
    "chain_hyperparameters": (chain_hyperparameters, lambda: {
        "hparams": {"kappa": 32767, "tempo": 360}}, {}),
    "read_metagraph10": (read_metagraph10, lambda: {"metagraph": _Metagraph10()}, {}),
    "SubnetSnapshot.from_arrays": (SubnetSnapshot.from_arrays, lambda: {
        "stake": [10**9, 0, 5], "weights": _w()}, {}),
    # --- analysis
    "sweep": (sweep, lambda: {
        "fn": _square, "grid": {"x": [1.0, 2.0]}, "seed": 0, "scheduler": "serial",
        "n_workers": 1, "progress": False, "chunksize": 1}, {}),
    "team_sizes": (g.team_sizes, lambda: {"s_h": 0.6, "n_uids": 16, "n_validators": 4}, {}),
    "honest_emission": (g.honest_emission, lambda: {
        "s_h": 0.6, "w_h": 0.5, "w_c": 0.5, "n_uids": 16, "n_validators": 4}, {}),
    "grid_frame": (g.grid_frame, lambda: {
        "stakes": [0.6], "grid": 2, "seed": 0, "noise": "common", "scheduler": "serial",
        "n_workers": 1, "n_uids": 8, "n_validators": 4}, {}),
    "check_variant": (check_variant, lambda: {
        "variant": "yuma3", "invariants": ["emission_conserved"], "max_examples": 2,
        "params": yuma.YumaParams(), "vary_params": False, "seed": 0, "max_shrinks": 5},
        {"variant": ("candidate", "variant"), "invariants": ("invariant",)}),
    "resolve_candidate": (resolve_candidate, lambda: {"spec": "yuma3+la",
                                                      "liquid_alpha": None},
                          {"spec": ("candidate", "variant")}),
    "variant": (yuma.variant, lambda: {"name": "mine", "base": "yuma2"}, {}),
    "save_snapshot": (save_snapshot, lambda: {
        "path": os.path.join(_TMP, "s.json"), "weights": _w(), "stake": _s(),
        "owner_uid": 1, "params": yuma.YumaParams()},
        {"path": ("path", "snapshot format")}),
    "sdk10_process_weights": (ws.sdk10_process_weights, lambda: {
        "uids": [0, 1, 2], "scores": [0.2, 0.5, 0.3], "n": 3, "min_allowed_weights": 1,
        "max_weight_limit": 65535}, {}),
    "sdk11_conform": (ws.sdk11_conform, lambda: {
        "uids": [0, 1, 2], "scores": [0.2, 0.5, 0.3], "validator_uid": 0,
        "min_allowed_weights": 1, "max_weight_limit": 65535}, {}),
    "chain_set_weights_row": (ws.chain_set_weights_row, lambda: {
        "uids": [1, 2], "values": [30000, 65535], "n": 3, "validator_uid": 0}, {}),
    "scores_to_weights": (ws.scores_to_weights, lambda: {
        "uids": [0, 1, 2], "scores": [0.2, 0.5, 0.3], "sdk": "11", "n": 3,
        "validator_uid": 0}, {}),
}


# Entry points that run Hypothesis themselves (no @given around them): every hostile
# value is tried in a plain loop instead.
NESTED = {"check_variant"}


def _cases(nested: bool):
    for name, (_, good, _) in ENTRY_POINTS.items():
        if (name in NESTED) == nested:
            for arg in good():
                yield pytest.param(name, arg, id=f"{name}-{arg}")


def _names(arg: str, value, kwargs: dict, aliases: dict) -> tuple[str, ...]:
    """Words the error must use: the argument's name; for a well-formed array of numbers
    whose shape disagrees with another argument, that argument's name will do too."""
    own = aliases.get(arg, (arg,))
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return own
    if isinstance(value, (np.ndarray, list, tuple)) and arr.dtype.kind in "biuf":
        return own + tuple(kwargs)
    return own


# Counts where a huge valid value means a huge (valid) amount of work.
WORK = {("check_variant", "max_examples"), ("check_variant", "max_shrinks"),
        ("grid_frame", "grid"), ("simulate", "epochs"), ("sweep", "chunksize")}


def _huge_work(entry: str, arg: str, value) -> bool:
    return (entry, arg) in WORK and isinstance(value, int) and value > 1000


# Arguments that accept nearly anything by design.
FREE = {("sweep", "fn"), ("Scenario", "name"), ("sweep", "grid")}


def _call_with(entry: str, arg: str, value) -> None:
    """Call ``entry`` with ``arg`` replaced by ``value``; assert the table's promise."""
    fn, good, aliases = ENTRY_POINTS[entry]
    kwargs = good()
    kwargs[arg] = value
    kept = snapshot_args(v for k, v in kwargs.items() if k != arg)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = fn(**kwargs)
        except (ValueError, TypeError) as exc:
            if (entry, arg) not in FREE:
                assert_names(exc, _names(arg, value, kwargs, aliases))
            return
        finally:
            assert_untouched(kept)
    if dataclasses.is_dataclass(out) or isinstance(out, (np.ndarray, tuple, dict)):
        assert_no_nan(out)


@pytest.mark.parametrize(("entry", "arg"), list(_cases(nested=False)))
@budget(6)
@given(value=hostile())
def test_a_hostile_argument_is_named(entry, arg, value):
    assume(not _huge_work(entry, arg, value))
    _call_with(entry, arg, value)


@pytest.mark.parametrize(("entry", "arg"), list(_cases(nested=True)))
def test_a_hostile_argument_is_named_without_given(entry, arg):
    for value in hostile_scalars():
        if not _huge_work(entry, arg, value):
            _call_with(entry, arg, value)


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_the_good_arguments_work(entry):
    # The hostile test means something only if the good call itself succeeds.
    fn, good, _ = ENTRY_POINTS[entry]
    kwargs = good()
    kept = snapshot_args(kwargs.values())
    out = fn(**kwargs)
    assert_untouched(kept)
    if dataclasses.is_dataclass(out) or isinstance(out, (np.ndarray, tuple, dict)):
        assert_no_nan(out)

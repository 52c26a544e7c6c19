"""Liquid-alpha consensus modes (LiquidAlphaConsensusMode): current, previous, auto.

The addendum's indicative vectors (from the chain's unmerged #2568 tests), the
"current == core" and "auto == previous iff bonds_penalty == 1" rules on both the float
and the fixed-point path, the rule for a stored vector of another length, and the carry
through simulate.
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma.chain import ChainState, fixed
from yuma.chain.run_epoch import _liquid_alpha_consensus
from yuma.core.steps import liquid_alpha_consensus

CURRENT = np.array([0.2, 0.3, 0.4, 0.1])
PREVIOUS_U16 = np.asarray(fixed.fixed_proportion_to_u16(fixed.from_float([0.1, 0.2, 0.3, 0.4])))


@pytest.mark.parametrize(
    ("mode", "beta", "expect_previous"),
    [("current", 1.0, False), ("previous", 1.0, True), ("previous", 0.5, True),
     ("auto", 0.5, False), ("auto", 1.0, True)],
)
def test_indicative_vectors_float(mode, beta, expect_previous):
    params = yuma.YumaParams(liquid_alpha_consensus_mode=mode, bonds_penalty=beta)
    got = liquid_alpha_consensus(CURRENT, PREVIOUS_U16 / 65535, params)
    if expect_previous:
        np.testing.assert_allclose(got, [0.1, 0.2, 0.3, 0.4], atol=1e-3)
    else:
        np.testing.assert_array_equal(got, CURRENT)


@pytest.mark.parametrize(
    ("mode", "penalty", "expect_previous"),
    [("current", 65535, False), ("previous", 65535, True), ("auto", 65535 // 2, False),
     ("auto", 65535, True)],
)
def test_indicative_vectors_fixed(mode, penalty, expect_previous):
    state = ChainState(n=4, liquid_alpha_consensus_mode=mode, bonds_penalty=penalty,
                       consensus=PREVIOUS_U16)
    current_bits = fixed.from_float(CURRENT)
    got = _liquid_alpha_consensus(state, current_bits)
    if expect_previous:
        np.testing.assert_allclose(fixed.to_float(got), [0.1, 0.2, 0.3, 0.4], atol=1e-3)
        np.testing.assert_array_equal(got, fixed.u16_proportion_to_fixed(PREVIOUS_U16))
    else:
        np.testing.assert_array_equal(got, current_bits)


def test_default_mode_is_auto():
    assert yuma.YumaParams().liquid_alpha_consensus_mode == "auto"
    assert ChainState(n=1).liquid_alpha_consensus_mode == "auto"
    assert yuma.YumaParams.from_chain(liquid_alpha_consensus_mode=1).liquid_alpha_consensus_mode \
        == "previous"


def test_missing_or_resized_previous_vector():
    p = yuma.YumaParams(liquid_alpha_consensus_mode="previous")
    np.testing.assert_array_equal(liquid_alpha_consensus(CURRENT, None, p), CURRENT)
    np.testing.assert_array_equal(liquid_alpha_consensus(CURRENT, np.array([]), p), CURRENT)
    short = liquid_alpha_consensus(CURRENT, np.array([0.9, 0.8]), p)
    np.testing.assert_array_equal(short, [0.9, 0.8, 0.4, 0.1])
    long = liquid_alpha_consensus(CURRENT, np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4]), p)
    np.testing.assert_array_equal(long, [0.9, 0.8, 0.7, 0.6])


@st.composite
def liquid_inputs(draw):
    n_val = draw(st.integers(1, 5))
    n_min = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = np.round(rng.random((n_val, n_min)), 2)
    stake = rng.integers(1, 100, n_val).astype(float)
    bonds = np.round(rng.random((n_val, n_min)) * 0.5, 3)
    prev = np.round(rng.random(draw(st.integers(0, n_min + 2))), 3)
    beta = draw(st.sampled_from([0, 16384, 65535]))
    params = yuma.YumaParams.from_chain(liquid_alpha_on=True, bonds_penalty=beta,
                                        alpha_values=(6553, 19660))
    return w, stake, bonds, prev, params


@pytest.mark.parametrize("arithmetic", ["float", "fixed"])
@given(case=liquid_inputs())
def test_current_mode_reproduces_the_core(arithmetic, case):
    w, stake, bonds, prev, params = case
    base = yuma.epoch(w, stake, bonds, params=dataclasses.replace(params), arithmetic=arithmetic)
    current = dataclasses.replace(params, liquid_alpha_consensus_mode="current")
    r = yuma.epoch(w, stake, bonds, params=current, previous_consensus=prev,
                   arithmetic=arithmetic)
    for name in ("ema_bonds", "bonds", "dividends", "incentive", "emission"):
        np.testing.assert_array_equal(getattr(r, name), getattr(base, name), err_msg=name)


@pytest.mark.parametrize("arithmetic", ["float", "fixed"])
@given(case=liquid_inputs())
def test_auto_equals_previous_iff_bonds_penalty_is_one(arithmetic, case):
    w, stake, bonds, prev, params = case
    runs = {
        mode: yuma.epoch(
            w, stake, bonds, params=dataclasses.replace(params, liquid_alpha_consensus_mode=mode),
            previous_consensus=prev, arithmetic=arithmetic,
        )
        for mode in ("auto", "previous", "current")
    }
    target = "previous" if params.bonds_penalty == 1.0 else "current"
    np.testing.assert_array_equal(runs["auto"].ema_bonds, runs[target].ema_bonds)
    np.testing.assert_array_equal(runs["auto"].dividends, runs[target].dividends)


def test_previous_consensus_changes_liquid_bonds_and_only_them():
    rng = np.random.default_rng(7)
    w, stake, bonds = rng.random((3, 4)), np.array([5.0, 3.0, 2.0]), rng.random((3, 4)) * 0.3
    params = yuma.YumaParams(liquid_alpha=True, liquid_alpha_consensus_mode="previous")
    base = yuma.epoch(w, stake, bonds, params=params)
    # At beta = 1, W_b <= C: the buy gap W_b - C is 0 for the current C, not for a lower one.
    moved = yuma.epoch(w, stake, bonds, params=params, previous_consensus=np.full(4, 0.01))
    assert not np.array_equal(base.ema_bonds, moved.ema_bonds)
    for name in ("consensus", "incentive", "clipped_weights", "validator_trust"):
        np.testing.assert_array_equal(getattr(base, name), getattr(moved, name))
    # Without liquid alpha the stored consensus is not read at all.
    flat = dataclasses.replace(params, liquid_alpha=False)
    np.testing.assert_array_equal(
        yuma.epoch(w, stake, bonds, params=flat).ema_bonds,
        yuma.epoch(w, stake, bonds, params=flat, previous_consensus=np.ones(4)).ema_bonds,
    )


def test_previous_consensus_validation():
    with pytest.raises(ValueError, match="previous_consensus"):
        yuma.epoch(np.ones((2, 3)), np.ones(2), previous_consensus=[0.5, 1.5])
    with pytest.raises(ValueError, match="previous_consensus"):
        yuma.epoch(np.ones((2, 3)), np.ones(2), previous_consensus=[0.5, np.nan])
    with pytest.raises(ValueError, match="liquid_alpha_consensus_mode"):
        yuma.YumaParams(liquid_alpha_consensus_mode="max")
    with pytest.raises(ValueError, match="arithmetic"):
        yuma.epoch(np.ones((2, 3)), np.ones(2), arithmetic="decimal")


def test_chain_epoch_stores_consensus_for_the_next_epoch():
    from yuma import chain_epoch_from_float

    w = np.array([[0.0, 0.7, 0.3], [0.0, 0.2, 0.8], [0.0, 0.0, 0.0]])
    r, out, state = chain_epoch_from_float(w, np.array([3.0, 1.0, 0.0]), return_chain=True)
    assert out.consensus.dtype == np.uint16
    np.testing.assert_array_equal(
        out.consensus, fixed.fixed_proportion_to_u16(fixed.from_float(r.consensus))
    )


@pytest.mark.parametrize("arithmetic", ["float", "fixed"])
def test_simulate_carries_the_stored_consensus(arithmetic):
    sc = yuma.get_scenario("one_epoch_deviation")
    params = yuma.YumaParams.from_chain(liquid_alpha_on=True)  # auto + beta = 1: previous
    sim = yuma.simulate(sc, params, epochs=6, arithmetic=arithmetic)
    bonds, permit, prev = None, None, None
    for t in range(6):
        r = yuma.epoch(sc.weights[t], sc.stake_schedule()[t], bonds, params=params,
                       validator_permit=permit, previous_consensus=prev, arithmetic=arithmetic)
        np.testing.assert_array_equal(sim.dividends[t], r.dividends)
        stored = arithmetic == "float" and sim.u16_bonds
        bonds = np.floor(r.bonds * 65535) / 65535 if stored else r.bonds
        prev = np.floor(r.consensus * 65535) / 65535 if stored else r.consensus
        permit = r.validator_permit

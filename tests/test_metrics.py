"""yuma.metrics over simulations."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yuma
from yuma.sim import metrics


@pytest.fixture(scope="module")
def copier_sims():
    sc = yuma.get_scenario("weight_copier")
    base = yuma.YumaParams()
    return {
        "yuma2": yuma.simulate(sc, dataclasses.replace(base, variant="yuma2")),
        "yuma3": yuma.simulate(sc, base),
        "yuma3+la": yuma.simulate(sc, dataclasses.replace(base, liquid_alpha=True)),
    }


def test_relative_dividends_is_one_when_everyone_agrees():
    sim = yuma.simulate(yuma.get_scenario("all_validators_switch"))
    rd = metrics.relative_dividends(sim)
    assert rd.shape == (40, 3)
    np.testing.assert_allclose(rd, 1.0, rtol=1e-12)


def test_relative_dividends_nan_without_stake():
    sim = yuma.simulate(yuma.get_scenario("small_validators_merged"))
    rd = metrics.relative_dividends(sim)
    assert np.all(np.isnan(rd[20:, 2])) and not np.isnan(rd[:20]).any()
    np.testing.assert_allclose(rd[20:, :2], sim.dividends[20:, :2] / sim.stake[20:, :2])


def test_dividends_per_1000():
    sim = yuma.simulate(yuma.get_scenario("all_validators_switch"))
    # Everyone agrees: validators share half of the emission in proportion to stake, and
    # the raw stakes sum to 1, so 1000 staked earn 500 * emission per epoch.
    d = metrics.dividends_per_1000(sim, 2.0)
    np.testing.assert_allclose(d, 1000.0, rtol=1e-12)
    cum = metrics.dividends_per_1000(sim, 2.0, cumulative=True)
    np.testing.assert_allclose(cum[-1], 40 * 1000.0, rtol=1e-12)
    np.testing.assert_allclose(cum, np.cumsum(d, axis=0))
    merged = yuma.simulate(yuma.get_scenario("small_validators_merged"))
    d = metrics.dividends_per_1000(merged)
    assert np.all(np.isnan(d[20:, 2]))
    np.testing.assert_allclose(
        d[:20], 1000.0 * merged.validator_emission[:20] / merged.raw_stake[:20]
    )
    assert np.all(np.isfinite(metrics.dividends_per_1000(merged, cumulative=True)))


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), True, "1"])
def test_dividends_per_1000_rejects_bad_emission(bad):
    sim = yuma.simulate(yuma.get_scenario("all_validators_switch"), epochs=2)
    with pytest.raises(ValueError, match="emission_per_epoch"):
        metrics.dividends_per_1000(sim, bad)


def test_copier_ratio_by_hand(copier_sims):
    for label, sim in copier_sims.items():
        d = sim.dividends.sum(axis=0)
        s = sim.stake.sum(axis=0)
        rel = d / s
        want = rel[3] / np.median(rel[:3])
        g = metrics.copier_ratio(sim)
        assert isinstance(g, float) and math.isfinite(g), label
        assert g == pytest.approx(want, rel=1e-12), label
        assert metrics.copier_ratio(sim, 3, [0, 1, 2]) == g
        late = metrics.copier_ratio(sim, start=10)
        rel10 = sim.dividends[10:].sum(0) / sim.stake[10:].sum(0)
        assert late == pytest.approx(rel10[3] / np.median(rel10[:3]), rel=1e-12)


def test_copier_ratio_per_epoch(copier_sims):
    sim = copier_sims["yuma3"]
    g = metrics.copier_ratio(sim, per_epoch=True)
    assert g.shape == (40,)
    assert g[0] == 0.0  # no weights, no bonds: no dividends in the first epoch
    rel = sim.dividends / sim.stake
    np.testing.assert_allclose(g, rel[:, 3] / np.median(rel[:, :3], axis=1), rtol=1e-12)
    assert np.all(np.isfinite(g))


def test_copier_ratio_of_a_perfect_copy_tends_to_one():
    # Constant, agreeing weights: after the first epoch the copier sets exactly the
    # consensus, and its bonds catch up with the others' at the EMA rate.
    w = np.zeros((60, 4, 2))
    w[:, :, 0] = 1.0
    sc = yuma.Scenario(
        name="still",
        weights=w,
        stakes=[0.4, 0.3, 0.2, 0.3],
        copiers=(yuma.WeightCopier(3),),
    )
    sim = yuma.simulate(sc)
    g = metrics.copier_ratio(sim, per_epoch=True)
    assert g[-1] == pytest.approx(1.0, abs=1e-2)
    assert metrics.copier_ratio(sim) < 1.0


def test_copier_ratio_errors(copier_sims):
    sim = copier_sims["yuma3"]
    no_copier = yuma.simulate(yuma.get_scenario("kappa_delayed"), epochs=3)
    with pytest.raises(ValueError, match="copier must be given"):
        metrics.copier_ratio(no_copier)
    with pytest.raises(ValueError, match="honest must not include the copier"):
        metrics.copier_ratio(sim, honest=[0, 3])
    with pytest.raises(ValueError, match="honest must name"):
        metrics.copier_ratio(sim, honest=[])
    with pytest.raises(ValueError, match="copier"):
        metrics.copier_ratio(sim, copier=9)
    with pytest.raises(ValueError, match="honest"):
        metrics.copier_ratio(sim, honest=[0.5])
    with pytest.raises(ValueError, match="start"):
        metrics.copier_ratio(sim, start=40)
    with pytest.raises(ValueError, match="sim must be a Simulation"):
        metrics.copier_ratio("sim")
    # A copier named explicitly, without a WeightCopier role, also works.
    assert math.isfinite(metrics.copier_ratio(no_copier, copier=1, honest=[0, 2]))


def test_validator_trust_history():
    sim = yuma.simulate(yuma.get_scenario("kappa_delayed"))
    vt = metrics.validator_trust_history(sim)
    np.testing.assert_array_equal(vt, sim.validator_trust)
    np.testing.assert_array_equal(metrics.validator_trust_history(sim, [1]), vt[:, [1]])
    cabal = yuma.simulate(yuma.get_scenario("cabal"))
    np.testing.assert_array_equal(metrics.validator_rows(cabal), np.arange(5))
    assert metrics.validator_trust_history(cabal).shape == (40, 5)
    with pytest.raises(ValueError, match="uids"):
        metrics.validator_trust_history(sim, [3])


@settings(max_examples=20)
@given(scale=st.floats(1e-3, 1e3), data=st.data())
def test_metrics_do_not_depend_on_the_stake_unit(scale, data):
    """Scaling every raw stake leaves the stake shares, hence RD and G, unchanged."""
    name = data.draw(st.sampled_from(["weight_copier", "shifted_validator"]))
    sc = yuma.get_scenario(name)
    scaled = dataclasses.replace(sc, stakes=sc.stakes * scale)
    a, b = yuma.simulate(sc, epochs=12), yuma.simulate(scaled, epochs=12)
    np.testing.assert_allclose(
        metrics.relative_dividends(a), metrics.relative_dividends(b), rtol=1e-6, atol=1e-9
    )
    np.testing.assert_allclose(
        metrics.dividends_per_1000(a), scale * metrics.dividends_per_1000(b), rtol=1e-6
    )
    if a.copiers:
        assert metrics.copier_ratio(a) == pytest.approx(metrics.copier_ratio(b), rel=1e-6)

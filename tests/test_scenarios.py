"""yuma.scenarios: the catalogue, event semantics, dynamic roles and validation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import yuma
from yuma.sim import metrics

TOL = 1e-9
NAMES = yuma.list_scenarios()


def variant_params(scenario: yuma.Scenario) -> dict[str, yuma.YumaParams]:
    """yuma2, yuma3 and yuma3 + liquid alpha, on top of the scenario's params hint."""
    base = scenario.params or yuma.YumaParams()
    return {
        "yuma2": dataclasses.replace(base, variant="yuma2", liquid_alpha=False),
        "yuma3": dataclasses.replace(base, variant="yuma3", liquid_alpha=False),
        "yuma3+la": dataclasses.replace(base, variant="yuma3", liquid_alpha=True),
    }


def run_all(name: str, **kwargs) -> dict[str, yuma.Simulation]:
    sc = yuma.get_scenario(name)
    return {k: yuma.simulate(sc, p, **kwargs) for k, p in variant_params(sc).items()}


# --------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------


def test_catalogue_lists_and_gets():
    assert NAMES == list(yuma.CATALOGUE)
    assert len(NAMES) == len(set(NAMES)) >= 20
    for name in NAMES:
        sc = yuma.get_scenario(name)
        assert sc.name == name
        assert len(sc.description) > 80, name
    for name in (
        "yuma3_kappa_moves_first", "yuma3_kappa_moves_second", "yuma3_kappa_moves_last",
        "yuma3_one_epoch_switch", "yuma3_stable_miner", "yuma3_bonds_reset",
        "all_validators_switch", "kappa_delayed", "clipping_demo", "small_validators_merged",
        "one_epoch_deviation", "client_side_wta", "server_side_wta", "stable_miner_25",
        "stable_miner_50", "stable_miner_75", "stable_miner_90", "weight_copier",
        "shifted_validator", "cabal", "yuma2_frozen_bonds",
    ):
        assert name in yuma.CATALOGUE, name
    with pytest.raises(ValueError, match="name must be one of"):
        yuma.get_scenario("no_such_case")
    with pytest.raises(TypeError):
        yuma.CATALOGUE["mine"] = yuma.get_scenario("cabal")  # read-only


def test_scenarios_are_read_only_data():
    sc = yuma.get_scenario("kappa_delayed")
    with pytest.raises(ValueError):
        sc.weights[0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        sc.stakes[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.name = "other"


@pytest.mark.parametrize("name", NAMES)
def test_every_scenario_runs_under_every_variant(name):
    sc = yuma.get_scenario(name)
    for label, sim in run_all(name).items():
        assert sim.n_epochs == sc.n_epochs
        for field in ("dividends", "incentive", "consensus", "validator_trust", "emission",
                      "server_emission", "validator_emission", "active_stake", "rank"):
            assert np.all(np.isfinite(getattr(sim, field))), f"{label}: {field}"
        for t in range(sim.n_epochs):
            assert abs(math.fsum(sim.emission[t]) - 1.0) <= TOL, f"{label}: epoch {t}"
            assert abs(math.fsum(sim.dividends[t]) - 1.0) <= TOL, f"{label}: epoch {t}"
        assert np.all((sim.final_bonds >= 0) & (sim.final_bonds <= 1)), label


# --------------------------------------------------------------------------------------
# What the scenarios show
# --------------------------------------------------------------------------------------


def test_yuma2_frozen_bonds():
    sims = run_all("yuma2_frozen_bonds", keep=("bonds",))
    # Nobody weights UID 4 (column 1) in epochs 10..29.
    sc = yuma.get_scenario("yuma2_frozen_bonds")
    assert np.all(sc.weights[10:30, :, 1] == 0)
    frozen = sims["yuma2"].bonds[:, :, 1]
    assert np.all(frozen[9, :2] > 0.5)
    np.testing.assert_allclose(frozen[10:30], np.broadcast_to(frozen[9], (20, 3)), atol=1e-12)
    # Yuma 3: the same bonds decay at the EMA rate every epoch.
    decayed = sims["yuma3"].bonds[:, :, 1]
    keep = sims["yuma3"].params.bonds_moving_average
    for t in range(10, 30):
        np.testing.assert_allclose(decayed[t], keep * decayed[t - 1], rtol=1e-12)
    assert np.all(decayed[29, :2] < 0.2 * decayed[9, :2])
    assert np.all(sims["yuma3+la"].bonds[29, :, 1] < 1e-3)
    # On UID 4's return, Yuma 2 pays its frozen bond holders A and B above their stake.
    rd = metrics.relative_dividends(sims["yuma2"])
    assert rd[30, 0] > 1.05 and rd[30, 1] > 1.05 and rd[30, 2] < 0.6


def test_weight_copier_copies_the_lagged_consensus():
    sc = yuma.get_scenario("weight_copier")
    (copier,) = sc.copiers
    assert copier.lag == 1 and copier.uid == 3
    assert sc.stakes[0, 3] == np.median(sc.stakes[0, :3])
    for label, sim in run_all("weight_copier", keep=("input_weights", "weights")).items():
        assert sim.copiers == (3,)
        assert np.all(sim.input_weights[0, 3] == 0.0), label
        for t in range(1, sim.n_epochs):
            np.testing.assert_array_equal(sim.input_weights[t, 3], sim.consensus[t - 1])
            c = sim.consensus[t - 1]
            np.testing.assert_allclose(sim.weights[t, 3], c / c.sum(), rtol=1e-12)
        # The honest rows are the scenario's.
        np.testing.assert_array_equal(sim.input_weights[:, :3], sc.weights[:, :3])


def test_weight_copier_ratio_is_finite_and_below_one():
    g = {label: metrics.copier_ratio(sim) for label, sim in run_all("weight_copier").items()}
    for label, value in g.items():
        assert math.isfinite(value) and 0.0 < value < 1.0, (label, value)


@pytest.mark.parametrize("warmup", ["first", "none"])
def test_copier_lag_and_warmup(warmup):
    base = yuma.get_scenario("weight_copier")
    sc = dataclasses.replace(base, copiers=(yuma.WeightCopier(uid=3, lag=3, warmup=warmup),))
    sim = yuma.simulate(sc, keep=("input_weights",))
    copied = sim.input_weights[:, 3]
    assert np.all(copied[0] == 0.0)
    for t in (1, 2):
        want = sim.consensus[0] if warmup == "first" else np.zeros(sim.n_cols)
        np.testing.assert_array_equal(copied[t], want)
    for t in range(3, sim.n_epochs):
        np.testing.assert_array_equal(copied[t], sim.consensus[t - 3])


def test_copier_in_square_form():
    sc = yuma.get_scenario("weight_copier").to_square()
    sim = yuma.simulate(sc, keep=("input_weights",))
    assert sim.square and sim.roles[3] == "copier"
    for t in range(1, sim.n_epochs):
        np.testing.assert_array_equal(sim.input_weights[t, 3], sim.consensus[t - 1])


def test_shifted_validator_is_late():
    sc = yuma.get_scenario("shifted_validator")
    w = sc.weights
    np.testing.assert_array_equal(w[2:, 2], w[:-2, 0])
    np.testing.assert_array_equal(w[:, 0], w[:, 1])
    for sim in run_all("shifted_validator").values():
        rd = metrics.relative_dividends(sim)
        assert rd[:, 2].mean() < 0.95 < rd[:, 0].mean()


def test_cabal_is_clipped_until_it_passes_kappa():
    sims = run_all("cabal")
    for label, sim in sims.items():
        assert sim.square
        assert sim.roles == ("validator",) * 5 + ("miner",) * 3
        assert np.all(sim.consensus[:20, 7] == 0.0) and np.all(sim.consensus[20:, 7] > 0), label
        assert np.all(sim.consensus[:, 3:5] == 0.0), label  # weights on each other: clipped
        vt = metrics.validator_trust_history(sim)
        np.testing.assert_allclose(vt[:20, :3], 1.0)
        np.testing.assert_allclose(vt[:20, 3:], 0.0)
        np.testing.assert_allclose(vt[20:, :3], 0.0)
        assert np.all(sim.incentive[:20, 7] == 0.0) and np.all(sim.incentive[20:, 7] == 1.0)


def test_clipping_demo_consensus():
    sim = yuma.simulate(yuma.get_scenario("clipping_demo"))
    np.testing.assert_allclose(sim.consensus[:20], np.tile([0.65, 0.35], (20, 1)))
    np.testing.assert_allclose(sim.consensus[20:], np.tile([0.25, 0.75], (20, 1)))
    np.testing.assert_allclose(sim.validator_trust[0], [0.6, 1.0, 0.95])


def test_kappa_delayed_clips_the_early_movers():
    for label, sim in run_all("kappa_delayed").items():
        np.testing.assert_allclose(sim.validator_trust[10:20, 1:], 0.0, err_msg=label)
        assert np.all(sim.dividends[10:20, 1:] < 0.1), label
        np.testing.assert_allclose(sim.dividends[25:], np.tile([0.8, 0.1, 0.1], (15, 1)))


def test_small_validators_merged():
    sims = run_all("small_validators_merged", keep=("bonds",))
    for label, sim in sims.items():
        np.testing.assert_array_equal(sim.raw_stake[20:], np.tile([0.6, 0.4, 0.0], (20, 1)))
        assert not sim.validator_permit[20:, 2].any(), label
        assert np.all(sim.bonds[20:, 2] == 0.0), label  # C's row cleared with its permit
    np.testing.assert_allclose(sims["yuma3"].dividends[20:, :2], np.tile([0.6, 0.4], (20, 1)))
    assert sims["yuma2"].dividends[21, 1] < 0.3


def test_stable_miner_cushions_the_switch():
    lazy_worst = {label: [] for label in ("yuma2", "yuma3", "yuma3+la")}
    for pct in (25, 50, 75, 90):
        sc = yuma.get_scenario(f"stable_miner_{pct}")
        assert sc.square and sc.n_rows == 6
        np.testing.assert_allclose(sc.weights[:, :3, 5], pct / 100)
        for label, sim in run_all(f"stable_miner_{pct}").items():
            lazy_worst[label].append(metrics.relative_dividends(sim)[:, 2].min())
    for label, worst in lazy_worst.items():
        assert worst == sorted(worst), (label, worst)  # the larger the share, the milder


def test_server_side_wta_averages_out_noise():
    client = run_all("client_side_wta")
    server = run_all("server_side_wta")
    for label in client:
        spread_client = np.abs(metrics.relative_dividends(client[label]).mean(axis=0) - 1).max()
        spread_server = np.abs(metrics.relative_dividends(server[label]).mean(axis=0) - 1).max()
        assert spread_server < spread_client, label
    sc = yuma.get_scenario("client_side_wta")
    np.testing.assert_array_equal(sc.weights.sum(axis=2), 1.0)  # one-hot rows


def test_one_epoch_deviation_costs_then_recovers():
    for label, sim in run_all("one_epoch_deviation").items():
        rd = metrics.relative_dividends(sim)[:, 2]
        assert rd[19] == pytest.approx(1.0) and rd[20] < 0.95, label
        assert rd[39] > rd[21], label


# --------------------------------------------------------------------------------------
# Event semantics
# --------------------------------------------------------------------------------------


def test_miner_churn_events():
    sc = yuma.get_scenario("miner_churn")
    sim = yuma.simulate(sc, keep=("input_weights", "bonds", "ema_bonds"))
    w = sim.input_weights
    assert np.all(w[:10, :, 5] == 0) and np.all(w[10:, :3, 5] > 0)  # joins at 10
    assert np.all(w[25:32, :, 3] == 0) and np.all(w[32:, :3, 3] > 0)  # leaves 25, back 32
    assert np.all(w[:25, :3, 3] > 0)
    np.testing.assert_array_equal(sim.active[30:35, 2], False)
    assert sim.active[:30].all() and sim.active[35:].all()
    assert np.all(sim.active_stake[30:35, 2] == 0.0)
    assert np.all(sim.dividends[30:35, 2] == 0.0)  # Yuma 3 pays by active stake
    # Bonds of UID 3 are reset at 25: no bond survives while it is away (weights zero)...
    assert np.all(sim.ema_bonds[25:32, :, 3] == 0.0)
    # ... and the new UID 3 at 32 starts from zero: its bond is alpha * W_b.
    alpha = sim.params.ema_alpha
    clipped = yuma.simulate(sc, keep=("weights_for_bonds",)).weights_for_bonds
    np.testing.assert_allclose(sim.ema_bonds[32][:3, 3], alpha * clipped[32][:3, 3])


def test_stake_change_and_inactive_in_schedules():
    w = np.ones((4, 2, 3))
    sc = yuma.Scenario(
        name="s",
        weights=w,
        stakes=[1.0, 2.0],
        events=(
            yuma.StakeChange(1, 0, 5.0),
            yuma.StakeChange(3, 0, 0.0),
            yuma.Inactive(2, 1, until=3),
            yuma.BondReset(2, 4),
            yuma.MinerLeave(1, 2),
        ),
    )
    np.testing.assert_array_equal(sc.stake_schedule()[:, 0], [1.0, 5.0, 5.0, 0.0])
    np.testing.assert_array_equal(sc.active_schedule()[:, 1], [True, True, False, True])
    np.testing.assert_array_equal(sc.presence_schedule()[:, 0], [True, False, False, False])
    reset = sc.reset_schedule()
    assert reset[1, 0] and reset[2, 2] and reset.sum() == 2
    sim = yuma.simulate(sc)
    np.testing.assert_array_equal(sim.raw_stake[:, 0], [1.0, 5.0, 5.0, 0.0])
    none = yuma.Scenario(name="n", weights=w, stakes=[1.0, 2.0])
    assert none.active_schedule() is None and none.presence_schedule() is None
    assert none.reset_schedule() is None


def test_square_form_matches_rectangular():
    for name in ("kappa_delayed", "weight_copier", "yuma3_bonds_reset"):
        sc = yuma.get_scenario(name)
        rect = yuma.simulate(sc)
        sq = yuma.simulate(sc.to_square())
        assert sq.square and not rect.square and sq.n_uids == rect.n_uids
        for field in ("dividends", "incentive", "emission", "consensus"):
            np.testing.assert_allclose(
                sq.per_uid()[field], rect.per_uid()[field], atol=1e-9, err_msg=field
            )
    sq = yuma.get_scenario("cabal")
    assert sq.to_square() is sq


def test_from_rectangular_numbers_uids_like_the_rectangular_form():
    w = np.zeros((2, 2, 3))
    w[:, 0, 0] = 1.0
    w[:, 1, 2] = 1.0
    sc = yuma.Scenario.from_rectangular("r", w, [3.0, 1.0], events=(yuma.BondReset(1, 4),))
    assert sc.square and sc.weights.shape == (2, 5, 5)
    np.testing.assert_array_equal(sc.weights[:, :2, 2:], w)
    np.testing.assert_array_equal(sc.stakes[0], [3.0, 1.0, 0.0, 0.0, 0.0])
    assert sc.col_of(4) == 4 and sc.row_of(1) == 1
    rect = yuma.Scenario(name="r", weights=np.zeros((2, 2, 3)), stakes=[1.0, 1.0])
    assert rect.col_of(4) == 2
    with pytest.raises(ValueError, match="miner"):
        rect.col_of(1)
    with pytest.raises(ValueError, match="validator"):
        rect.row_of(2)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------

W = np.ones((3, 2, 3))  # 3 epochs, 2 validators (UIDs 0, 1), 3 miners (UIDs 2, 3, 4)


def make(**kwargs):
    base = {"name": "x", "weights": W, "stakes": [1.0, 1.0]}
    base.update(kwargs)
    return yuma.Scenario(**base)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weights": np.ones((2, 3))}, "weights must be 3-dimensional"),
        ({"weights": np.ones((0, 2, 3))}, "weights must have at least one"),
        ({"weights": -W}, "weights must be non-negative"),
        ({"weights": W * np.nan}, "weights must be finite"),
        ({"weights": "abc"}, "weights"),
        ({"stakes": [1.0, 1.0, 1.0]}, "stakes must have shape"),
        ({"stakes": np.ones((2, 2))}, "stakes must have shape"),
        ({"stakes": [1.0, -1.0]}, "stakes must be non-negative"),
        ({"stakes": [1.0, np.inf]}, "stakes must be finite"),
        ({"name": ""}, "name"),
        ({"params": {"kappa": 0.5}}, "params"),
        ({"u16_bonds": 1}, "u16_bonds"),
        ({"events": yuma.BondReset(0, 2)}, "events must be a tuple"),
        ({"events": ("reset",)}, r"events\[0\] must be one of"),
        ({"events": (yuma.BondReset(3, 2),)}, r"events\[0\] \(BondReset\): epoch 3 out of range"),
        ({"events": (yuma.BondReset(0, 1),)}, r"events\[0\] \(BondReset\): uid 1 is not a miner"),
        ({"events": (yuma.BondReset(0, 5),)}, r"events\[0\] \(BondReset\): uid 5"),
        ({"events": (yuma.StakeChange(0, 2, 1.0),)}, r"events\[0\] \(StakeChange\): uid 2 is not"),
        ({"events": (yuma.Inactive(0, 0, until=4),)}, r"events\[0\] \(Inactive\): until 4"),
        ({"events": (yuma.MinerLeave(0, 2), yuma.MinerLeave(1, 2))}, r"events\[1\].*already"),
        ({"events": (yuma.MinerJoin(0, 2), yuma.MinerLeave(0, 2))}, r"two join/leave events"),
        ({"copiers": (yuma.WeightCopier(2),)}, r"copiers\[0\]: uid 2 is not a validator"),
        ({"copiers": (yuma.WeightCopier(0), yuma.WeightCopier(0))}, r"copiers\[1\]"),
        ({"copiers": ("copier",)}, r"copiers\[0\] must be a WeightCopier"),
    ],
)
def test_scenario_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: yuma.BondReset(-1, 0), "BondReset.epoch"),
        (lambda: yuma.BondReset(0, 1.5), "BondReset.uid"),
        (lambda: yuma.StakeChange(0, 0, -1.0), "StakeChange.stake"),
        (lambda: yuma.StakeChange(0, 0, float("nan")), "StakeChange.stake"),
        (lambda: yuma.StakeChange(0, 0, "1"), "StakeChange.stake"),
        (lambda: yuma.Inactive(2, 0, until=2), "Inactive.until"),
        (lambda: yuma.MinerJoin(True, 0), "MinerJoin.epoch"),
        (lambda: yuma.MinerLeave(0, -2), "MinerLeave.uid"),
        (lambda: yuma.WeightCopier(0, lag=0), "WeightCopier.lag"),
        (lambda: yuma.WeightCopier(0, warmup="last"), "WeightCopier.warmup"),
    ],
)
def test_event_validation(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_square_validation_uses_uids():
    sq = yuma.Scenario(name="sq", weights=np.ones((2, 3, 3)), stakes=[1.0, 1.0, 0.0])
    assert sq.square and sq.n_uids == 3
    make_sq = dataclasses.replace  # re-validates
    make_sq(sq, events=(yuma.BondReset(1, 0), yuma.StakeChange(0, 2, 1.0)))
    with pytest.raises(ValueError, match="uid 3"):
        make_sq(sq, events=(yuma.BondReset(1, 3),))

"""The copy-risk sweep: a hand loop of the copier protocol, G's one definition, SN15."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import yuma
from yuma.io import read_simulator_dump
from yuma.io.snapshot import EpochSnapshot
from yuma.sim import metrics
from yuma.sim.copy_risk import STOPS_PAYING, copy_risk, drifted_series, verdict

SN15_PT = Path(__file__).parent / "data" / "real" / "sn15_block4769998.pt"


def stored(x):
    return np.floor(np.clip(np.asarray(x) * 65535.0, 0, 65535)) / 65535.0


def random_series(n=7, epochs=9, seed=0, n_validators=3):
    rng = np.random.default_rng(seed)
    stake = np.zeros(n)
    stake[:n_validators] = rng.uniform(1, 10, n_validators)
    series = []
    for t in range(epochs):
        w = np.zeros((n, n))
        w[:n_validators, n_validators:] = rng.random((n_validators, n - n_validators))
        series.append(EpochSnapshot({"weights": w, "stake": stake,
                                     "params": yuma.YumaParams(max_allowed_validators=5)},
                                    block=100 + 360 * t, netuid=9))
    return series


def hand_g(series, delay, alpha_low, alpha_high, start, variant_params):
    """The copier protocol written out: base run, copier run, G by its formula."""
    n = series[0].n
    T = len(series)
    params = [dataclasses.replace(variant_params(s.params), alpha_low=alpha_low,
                                  alpha_high=alpha_high) for s in series]
    trust = yuma.epoch(**dict(series[0].inputs, params=params[0])).validator_trust
    honest = np.flatnonzero(trust > 0)
    median = [float(np.median(np.asarray(s.inputs["stake"])[honest])) for s in series]

    def expand(t, row):
        kw = dict(series[t].inputs)
        w = np.zeros((n + 1, n + 1))
        w[:n, :n] = kw["weights"]
        w[n] = row
        stake = np.append(kw["stake"], median[t])
        permits = yuma.validator_permits(stake / stake.sum(), 5)  # derived, copier included
        return {"weights": w, "stake": stake, "params": params[t],
                "validator_permit": permits}

    def run(row_of):
        consensus, dividends, stake = [], [], []
        bonds = permit = prev = None
        for t in range(T):
            kw = expand(t, row_of(t, consensus))
            if t > 0:
                kw.update(bonds=bonds, validator_permit=permit, previous_consensus=prev)
            r = yuma.epoch(**kw)
            consensus.append(np.array(r.consensus))
            dividends.append(r.dividends)
            stake.append(r.stake)
            bonds, prev, permit = stored(r.bonds), stored(r.consensus), r.validator_permit
        return consensus, np.array(dividends), np.array(stake)

    base, _, _ = run(lambda t, c: np.full(n + 1, 1.0 / (n + 1)))
    if delay == 0:
        _, d, s = run(lambda t, c: base[t])
    else:
        _, d, s = run(lambda t, c: c[t - delay] if t >= delay else base[0])
    staked = list(honest) + [n]
    rel = d[start:, staked].sum(axis=0) / s[start:, staked].sum(axis=0)
    return rel[-1] / np.median(rel[:-1]), honest


@pytest.mark.parametrize("seed", [0, 1])
def test_sweep_is_the_copier_protocol_by_hand(seed):
    series = random_series(seed=seed)
    risk = copy_risk(series, delays=[0, 1, 3], alpha_lows=[0.3, 0.8], alpha_highs=[0.9])
    assert risk.delays == (0, 1, 3) and risk.alpha_pairs == ((0.3, 0.9), (0.8, 0.9))
    assert risk.first_epoch == 3 and risk.n_epochs == 9 and risk.label == "yuma3+la"

    def la(p):
        return dataclasses.replace(p, liquid_alpha=True)

    for a, delay in enumerate(risk.delays):
        for b, (lo, hi) in enumerate(risk.alpha_pairs):
            want, honest = hand_g(series, delay, lo, hi, 3, la)
            assert risk.g[a, b] == pytest.approx(want, rel=1e-12, abs=0), (delay, lo, hi)
    assert risk.honest == tuple(honest.tolist()) == (0, 1, 2)


def test_sweep_under_another_variant_and_start():
    series = random_series(seed=3)
    risk = copy_risk(series, delays=[2], alpha_lows=[0.5], alpha_highs=[0.7],
                     variant="yuma2_liquid_alpha_v1", start=5)
    want, _ = hand_g(series, 2, 0.5, 0.7, 5,
                     lambda p: dataclasses.replace(p, variant="yuma2_liquid_alpha_v1",
                                                   liquid_alpha=True))
    assert risk.g[0, 0] == pytest.approx(want, rel=1e-12, abs=0)
    assert risk.g_per_epoch.shape == (1, 1, 4)
    assert risk.g_last[0, 0] == risk.g_per_epoch[0, 0, -1]


def test_copier_ratio_has_one_definition():
    sim = yuma.simulate(yuma.get_scenario("weight_copier"), variant="yuma2")
    c = sim.copiers[0]
    honest = [i for i in metrics.validator_rows(sim) if i != c]
    assert metrics.copier_ratio(sim) == metrics.copier_ratio_of(sim.dividends, sim.stake, c,
                                                                honest)
    np.testing.assert_array_equal(
        metrics.copier_ratio(sim, start=3, per_epoch=True),
        metrics.copier_ratio_of(sim.dividends[3:], sim.stake[3:], c, honest, per_epoch=True))
    d = np.array([[0.5, 0.3, 0.2]])
    s = np.array([[0.5, 0.25, 0.25]])
    # by hand: ratios 1.0, 1.2, 0.8; median of the honest two is 1.1
    assert metrics.copier_ratio_of(d, s, 2, [0, 1]) == pytest.approx(0.8 / 1.1)
    with pytest.raises(ValueError, match="must not include the copier"):
        metrics.copier_ratio_of(d, s, 2, [1, 2])
    with pytest.raises(ValueError, match="one shape"):
        metrics.copier_ratio_of(d, s[:, :2], 2, [0])


def test_drifted_series():
    snap = random_series(epochs=1)[0]
    still = drifted_series(snap, 3, 0.0)
    assert [s.block for s in still] == [100, 460, 820]
    for s in still:
        np.testing.assert_array_equal(s.inputs["weights"], snap.inputs["weights"])
    moved = drifted_series(snap, 4, 0.3, seed=5)
    again = drifted_series(snap, 4, 0.3, seed=5)
    w0 = np.asarray(snap.inputs["weights"])
    for a, b in zip(moved, again, strict=True):
        np.testing.assert_array_equal(a.inputs["weights"], b.inputs["weights"])
    ratio = moved[3].inputs["weights"][:3, 3:] / w0[:3, 3:]
    np.testing.assert_allclose(ratio, np.tile(ratio[0], (3, 1)), rtol=1e-12)  # one per miner
    assert not np.allclose(ratio, 1.0)
    np.testing.assert_array_equal(moved[2].inputs["stake"], snap.inputs["stake"])
    with pytest.raises(ValueError, match="drift must be"):
        drifted_series(snap, 3, -1.0)
    with pytest.raises(ValueError, match="epochs must be"):
        drifted_series(snap, 0, 0.1)


def test_bad_arguments():
    series = random_series(epochs=4)
    with pytest.raises(ValueError, match="one snapshot has no history; give drift="):
        copy_risk(series[0])
    with pytest.raises(ValueError, match="drift= is for a single snapshot"):
        copy_risk(series, drift=0.1)
    with pytest.raises(ValueError, match="delays must be distinct integers >= 0"):
        copy_risk(series, delays=[-1])
    with pytest.raises(ValueError, match=r"alpha_lows must be numbers in \[0, 1\]"):
        copy_risk(series, alpha_lows=[1.5])
    with pytest.raises(ValueError, match="no .alpha_low, alpha_high. pair"):
        copy_risk(series, alpha_lows=[0.9], alpha_highs=[0.1])
    with pytest.raises(ValueError, match="4 epoch.s. leave nothing to measure from epoch 8"):
        copy_risk(series, delays=[0, 8])
    nobody = EpochSnapshot({"weights": np.zeros((3, 3)), "stake": [1.0, 0, 0]}, source="z")
    with pytest.raises(ValueError, match=r"z \(drift 0, tempo 0\): validator_trust: no valid"):
        copy_risk(nobody, drift=0.0, epochs=3, delays=[0])
    shuffled = [series[1], series[0]] + series[2:]
    with pytest.raises(ValueError, match="block: is 100, not after"):
        copy_risk(shuffled)


def test_stored_validator_trust_picks_the_validators():
    series = random_series(seed=6)
    trust = np.zeros(7)
    trust[[0, 2]] = 0.9  # the chain says UID 1 did not validate
    first = dataclasses.replace(series[0], outputs={"validator_trust": trust})
    risk = copy_risk([first] + series[1:], delays=[1], alpha_lows=[0.7], alpha_highs=[0.9])
    assert risk.honest == (0, 2)
    np.testing.assert_array_equal(risk.copier_stake,
                                  [np.median(np.asarray(s.inputs["stake"])[[0, 2]])
                                   for s in series])


def test_sn15_delay_hides_drifting_weights_and_not_still_ones():
    snap = read_simulator_dump(SN15_PT)
    kwargs = {"delays": [0, 4], "alpha_lows": [0.7], "alpha_highs": [0.9], "epochs": 16}
    still = copy_risk(snap, drift=0.0, **kwargs)
    moving = copy_risk(snap, drift=0.15, **kwargs)
    assert len(still.honest) == 12 and still.netuid == 15
    # still weights: the consensus of 4 tempos ago is today's, the delay hides nothing
    assert still.g[0, 0] == pytest.approx(still.g[1, 0], rel=2e-3)
    # drifting weights: the copier falls behind
    assert moving.g[1, 0] < moving.g[0, 0] - 0.02
    assert np.isfinite(moving.g).all()
    text = moving.format()
    assert "netuid 15" in text and "synthetic drift 0.15" in text and "delay 4" in text


def test_verdicts_and_table():
    assert verdict(0.5) == "copying stops paying"
    assert verdict(0.9) == "nominators leave"
    assert verdict(1.1) == "copying pays"
    assert verdict(float("nan")) == "undefined"
    series = random_series(seed=7)
    risk = copy_risk(series, delays=[0, 2], alpha_lows=[0.1, 0.9], alpha_highs=[0.9])
    rows = risk.rows()
    assert len(rows) == 4 and rows[0]["delay"] == 0 and rows[-1]["alpha_low"] == 0.9
    assert all(r["verdict"] == verdict(r["G"]) for r in rows)
    safe = risk.safe_settings()
    for s, a in zip(safe, range(2), strict=True):
        assert s["alpha_pairs"] == [p for b, p in enumerate(risk.alpha_pairs)
                                    if risk.g[a, b] < STOPS_PAYING]
    frame = risk.to_frame()
    assert list(frame.columns) == ["delay", "alpha_low", "alpha_high", "G", "G_last",
                                   "verdict"]


def test_progress_bar_counts_the_epochs_and_changes_nothing(capsys):
    series = random_series(seed=5)
    kwargs = {"delays": [0, 2], "alpha_lows": [0.5], "alpha_highs": [0.7, 0.9]}
    quiet = copy_risk(series, **kwargs)
    assert capsys.readouterr().err == ""
    loud = copy_risk(series, **kwargs, progress=True)
    err = capsys.readouterr().err
    n = 2 * len(series)  # the base run (delay 0 asked for) and the copier runs
    assert "copy risk" in err and f"{n}/{n} epochs" in err and err.endswith("\n")
    np.testing.assert_array_equal(loud.g_per_epoch, quiet.g_per_epoch)
    with pytest.raises(ValueError, match="progress must be a bool"):
        copy_risk(series, **kwargs, progress=1)

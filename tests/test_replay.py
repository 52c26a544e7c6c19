"""Replay of a subnet's snapshots: a hand loop of epochs, hotkey churn, the chain's outputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import yuma
from yuma import chain
from yuma.io import SubnetSnapshot, read_simulator_dump
from yuma.io.snapshot import EpochSnapshot, read_snapshot
from yuma.sim.replay import check_series, replay

REAL = Path(__file__).parent / "data" / "real"
SN15_PT = REAL / "sn15_block4769998.pt"
FIELDS = ("stake", "active_stake", "validator_permit", "validator_trust", "dividends",
          "validator_emission", "consensus", "incentive", "server_emission", "emission")


def stored(x):
    """The chain's u16 storage, written here from its definition: floor(65535 x) / 65535."""
    return np.floor(np.clip(np.asarray(x) * 65535.0, 0, 65535)) / 65535.0


def random_series(n=8, epochs=5, seed=0, **labels):
    rng = np.random.default_rng(seed)
    series = []
    stake = np.zeros(n)
    stake[:3] = rng.uniform(1, 10, 3)
    for t in range(epochs):
        w = np.zeros((n, n))
        w[:3, 3:] = rng.random((3, n - 3)) * (rng.random((3, n - 3)) < 0.8)
        series.append(EpochSnapshot({"weights": w, "stake": stake * rng.uniform(0.9, 1.1, n),
                                     "params": yuma.YumaParams(max_allowed_validators=4)},
                                    block=1000 + 360 * t, netuid=3, **labels))
    return series


def hand_loop(series, params_of, *, u16=True, variant=None):
    """Epochs one by one: bonds, permits and consensus carried by hand."""
    results = []
    bonds = permit = consensus = None
    for t, snap in enumerate(series):
        kw = {k: (np.array(v) if isinstance(v, np.ndarray) else v) for k, v in snap.inputs.items()}
        kw["params"] = params_of(snap.params)
        if variant is not None:
            kw["variant"] = variant
        if t > 0:
            kw["bonds"], kw["validator_permit"] = bonds, permit
            kw["previous_consensus"] = consensus
        r = yuma.epoch(**kw)
        results.append(r)
        bonds = stored(r.bonds) if u16 else np.array(r.bonds)
        consensus = stored(r.consensus) if u16 else np.array(r.consensus)
        permit = np.array(r.validator_permit)
    return results


# --------------------------------------------------------------------------------------
# Replay == a hand loop of epochs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("u16", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_replay_is_a_hand_loop_of_epochs(seed, u16):
    series = random_series(seed=seed)
    rep = replay(series, [None, "yuma2", "yuma3+la"], u16_bonds=u16)
    assert rep.labels == ("snapshot", "yuma2", "yuma3+la")
    by_label = {
        "snapshot": lambda p: p,
        "yuma2": lambda p: dataclasses.replace(p, variant="yuma2", liquid_alpha=False),
        "yuma3+la": lambda p: dataclasses.replace(p, variant="yuma3", liquid_alpha=True),
    }
    for label, params_of in by_label.items():
        want = hand_loop(series, params_of, u16=u16)
        run = rep.runs[label]
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(run, name),
                                          np.stack([getattr(r, name) for r in want]),
                                          err_msg=f"{label} {name}")
        last_bonds = stored(want[-1].bonds) if u16 else want[-1].bonds
        np.testing.assert_array_equal(run.final_bonds, last_bonds)


def test_candidate_labels_and_yumaparams_candidate():
    series = random_series(seed=4, epochs=3)
    params = yuma.YumaParams(kappa=0.6, variant="yuma2", max_allowed_validators=4)
    rep = replay(series, [None, params])
    assert rep.labels == ("snapshot", "yuma2")
    want = hand_loop(series, lambda p: params)
    np.testing.assert_array_equal(rep.runs["yuma2"].dividends,
                                  np.stack([r.dividends for r in want]))
    with pytest.raises(ValueError, match="labels must differ"):
        replay(series, ["yuma2", "yuma2"])
    with pytest.raises(ValueError, match="unknown variant 'yuma9'"):
        replay(series, ["yuma9"])


def test_replay_does_not_touch_its_inputs():
    series = random_series(seed=5, epochs=3)
    before = [{k: np.array(v) for k, v in s.inputs.items() if isinstance(v, np.ndarray)}
              for s in series]
    replay(series, ["yuma2", "yuma3+la"])
    for snap, saved in zip(series, before, strict=True):
        for k, v in saved.items():
            np.testing.assert_array_equal(snap.inputs[k], v)


def test_first_snapshot_state_starts_the_run():
    series = random_series(seed=6, epochs=3)
    rng = np.random.default_rng(0)
    bonds = np.zeros((8, 8))
    bonds[:3, 3:] = stored(rng.random((3, 5)) * 0.2)
    permit = np.array([True, True, False, False, False, False, False, False])
    first = dataclasses.replace(series[0], inputs={**series[0].inputs, "bonds": bonds,
                                                   "validator_permit": permit})
    series = [first] + series[1:]
    rep = replay(series)
    want = hand_loop(series, lambda p: p)
    np.testing.assert_array_equal(rep.runs["snapshot"].dividends,
                                  np.stack([r.dividends for r in want]))
    # the stored permit of UID 2 was off: its weights did not count in the first epoch
    assert rep.runs["snapshot"].validator_trust[0, 2] == 0.0


# --------------------------------------------------------------------------------------
# Hotkey churn
# --------------------------------------------------------------------------------------


def _churned(series, uid, at, **extra):
    out = []
    for t, snap in enumerate(series):
        keys = [f"5Key{i}" for i in range(snap.n)]
        if t >= at:
            keys[uid] = "5NewNeuron"
        inputs = {**snap.inputs, **{k: v[t] for k, v in extra.items()}}
        out.append(dataclasses.replace(snap, inputs=inputs, hotkeys=tuple(keys)))
    return out


def test_hotkey_change_resets_bonds_and_drops_weights_to_the_uid():
    series = _churned(random_series(seed=7, epochs=5), uid=5, at=3)
    rep = replay(series)
    assert [(c.epoch, c.uid, c.new) for c in rep.changes] == [(3, 5, "5NewNeuron")]

    def params_of(p):
        return p

    # by hand: at epoch 3 the bond column 5 is reset and every row's weight to 5 dropped
    results, bonds, permit, consensus = [], None, None, None
    for t, snap in enumerate(series):
        kw = {k: (np.array(v) if isinstance(v, np.ndarray) else v)
              for k, v in snap.inputs.items()}
        if t > 0:
            kw.update(bonds=bonds, validator_permit=permit, previous_consensus=consensus)
        if t == 3:
            kw["bonds"] = np.array(bonds)
            kw["bonds"][:, 5] = 0.0
            kw["weights"][:, 5] = 0.0
        r = yuma.epoch(**kw)
        results.append(r)
        bonds, consensus = stored(r.bonds), stored(r.consensus)
        permit = np.array(r.validator_permit)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(rep.runs["snapshot"], name),
                                      np.stack([getattr(r, name) for r in results]), name)
    np.testing.assert_array_equal(rep.runs["snapshot"].final_bonds, bonds)
    assert results[2].bonds[:3, 5].any()  # there was a bond to reset
    assert rep.runs["snapshot"].incentive[3, 5] == 0.0


def test_hotkey_change_keeps_weights_set_after_the_previous_snapshot():
    base = random_series(seed=8, epochs=4)
    # validator 0 set weights after the previous snapshot's block; 1 and 2 did not
    last_update = [np.array([b, b - 400, b - 500, 0, 0, 0, 0, 0]) for b in
                   (s.block for s in base)]
    series = _churned(base, uid=4, at=2, last_update=last_update)
    rep = replay(series)
    # the epoch at 2 with the chain's treatment by hand: only rows 1 and 2 lose column 4
    state = replay(series[:2])
    kw = {k: (np.array(v) if isinstance(v, np.ndarray) else v)
          for k, v in series[2].inputs.items()}
    bonds = np.array(state.runs["snapshot"].final_bonds)
    bonds[:, 4] = 0.0
    kw["weights"][[1, 2], 4] = 0.0
    r = yuma.epoch(**kw, bonds=bonds,
                   validator_permit=state.runs["snapshot"].final_validator_permit,
                   previous_consensus=stored(state.runs["snapshot"].consensus[-1]))
    np.testing.assert_array_equal(rep.runs["snapshot"].dividends[2], r.dividends)
    np.testing.assert_array_equal(rep.runs["snapshot"].incentive[2], r.incentive)


def test_hotkey_change_with_registration_blocks_uses_the_epochs_own_masks():
    base = random_series(seed=9, epochs=4)
    blocks = [s.block for s in base]
    bar = [np.zeros(8, np.int64) for _ in blocks]
    for t in (2, 3):
        bar[t][6] = blocks[1] + 100  # registered between snapshots 1 and 2
    last_update = [np.full(8, b, np.int64) for b in blocks]
    last_update[2][:3] = blocks[1] + 50  # weights set before the registration: outdated
    series = _churned(base, uid=6, at=2, block_at_registration=bar, last_update=last_update)
    rep = replay(series)
    state = replay(series[:2])
    kw = {k: (np.array(v) if isinstance(v, np.ndarray) else v)
          for k, v in series[2].inputs.items()}
    r = yuma.epoch(**kw, bonds=state.runs["snapshot"].final_bonds,
                   validator_permit=state.runs["snapshot"].final_validator_permit,
                   previous_consensus=stored(state.runs["snapshot"].consensus[-1]),
                   last_tempo=blocks[1] + 1, reset_bonds=np.arange(8) == 6)
    np.testing.assert_array_equal(rep.runs["snapshot"].dividends[2], r.dividends)
    assert rep.runs["snapshot"].incentive[2, 6] == 0.0  # outdated by the epoch's own mask


def test_sn15_replay_with_churn_against_a_hand_loop():
    snap = read_simulator_dump(SN15_PT)
    base = EpochSnapshot.from_subnet(snap)
    top_miner = int(np.argmax(yuma.epoch(**snap.epoch_kwargs()).incentive))
    series = []
    for t in range(3):
        keys = list(snap.hotkeys)
        if t == 2:
            keys[top_miner] = "5NewNeuronOnTheTopMinersUID"
        series.append(dataclasses.replace(base, block=snap.block + 360 * t,
                                          hotkeys=tuple(keys)))
    rep = replay(series, ["yuma2", "yuma3+la"])
    assert rep.runs["yuma3+la"].incentive[2, top_miner] == 0.0
    assert rep.runs["yuma3+la"].incentive[1, top_miner] > 0.5
    # epochs 0 and 1 are a plain hand loop
    want = hand_loop(series[:2], lambda p: dataclasses.replace(p, liquid_alpha=True))
    np.testing.assert_array_equal(rep.runs["yuma3+la"].dividends[:2],
                                  np.stack([r.dividends for r in want]))
    text = rep.format()
    assert f"uid {top_miner} at epoch 2" in text
    assert snap.hotkeys[2][:10] in text  # the largest validator's hotkey


# --------------------------------------------------------------------------------------
# The chain's own outputs
# --------------------------------------------------------------------------------------


def test_agreement_with_the_chains_fixed_point_epoch_on_sn15():
    snap = read_simulator_dump(SN15_PT)
    out, _ = chain.chain_epoch(snap.to_chain_state(), record_step=False)
    with_outputs = dataclasses.replace(snap, outputs={
        "consensus": out.consensus, "incentive": out.incentive, "dividends": out.dividends,
        "validator_trust": out.validator_trust})
    rep = replay([with_outputs])
    rows = {r["field"]: r for r in rep.agreement()}
    assert set(rows) == {"consensus", "incentive", "dividends", "validator_trust"}
    for row in rows.values():
        assert row["max_abs"] < 1e-4, row  # float64 against the chain's fixed point
        assert row["mean_abs"] <= row["max_abs"]
    assert "agreement with the chain's stored outputs" in rep.format()
    # an output that is off is found, at its UID
    bad = np.array(out.incentive)
    bad[7] = 65535
    off = replay([dataclasses.replace(snap, outputs={"incentive": bad})]).agreement()
    assert off[0]["worst_uid"] == 7 and off[0]["max_abs"] > 0.9


def test_emission_from_the_chains_outputs_gives_dividends_per_1000_tao():
    series = random_series(seed=10, epochs=3)
    emission = np.zeros(8)
    emission[:] = 1e9  # 8 TAO per epoch in all
    series = [dataclasses.replace(s, stake_unit="tao", outputs={"emission": emission})
              for s in series]
    rep = replay(series)
    np.testing.assert_array_equal(rep.emission_per_epoch, [8.0, 8.0, 8.0])
    run = rep.runs["snapshot"]
    assert (run.raw_stake[:, :3] > 0).all()
    by_hand = (1000 * 8.0 * run.validator_emission[:, :3] / run.raw_stake[:, :3]).mean(axis=0)
    got = rep.dividends_per_1000("snapshot")
    np.testing.assert_allclose(got[:3], by_hand, rtol=1e-14)
    assert np.isnan(got[3:]).all()
    table = rep.validator_table()
    assert [r["uid"] for r in table] == sorted(range(3), key=lambda u: -run.raw_stake[:, u]
                                               .mean())
    assert table[0]["snapshot RD"] == pytest.approx(
        run.dividends[:, table[0]["uid"]].sum() / run.stake[:, table[0]["uid"]].sum())


# --------------------------------------------------------------------------------------
# Series that are not one subnet's history
# --------------------------------------------------------------------------------------


def test_series_errors_name_the_snapshot_and_the_field(tmp_path):
    series = random_series(seed=11, epochs=3)
    paths = [s.save(tmp_path / f"s{t}.npz") for t, s in enumerate(series)]
    assert replay(paths).n_epochs == 3
    with pytest.raises(ValueError, match=r"s1\.npz: block: is 1360, not after .*s2\.npz"):
        replay([paths[0], paths[2], paths[1]])
    other = dataclasses.replace(series[1], netuid=4, source="other.npz")
    with pytest.raises(ValueError, match=r"other\.npz: netuid: is 4, but .* netuid 3"):
        replay([series[0], other])
    with pytest.raises(ValueError, match="empty"):
        replay([])
    rect = EpochSnapshot({"weights": np.ones((2, 3)), "stake": [1.0, 2.0]}, source="rect")
    with pytest.raises(ValueError, match="rect: weights: .*square form"):
        replay([rect])
    small = EpochSnapshot({"weights": np.zeros((4, 4)), "stake": [1.0, 0, 0, 0]},
                          block=99999, source="small")
    with pytest.raises(ValueError, match="small: stake: has 4 UIDs, fewer than the 8"):
        check_series([series[0], small])
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"bad\.npz: not a readable \.npz"):
        replay([paths[0], tmp_path / "bad.npz"])
    with pytest.raises(ValueError, match="EpochSnapshot, a SubnetSnapshot or a file path"):
        replay([42])


def test_growing_subnets_are_padded():
    small = random_series(n=6, seed=12, epochs=2)
    big = random_series(n=8, seed=13, epochs=2)
    series = small + [dataclasses.replace(s, block=s.block + 5000) for s in big]
    rep = replay(series)
    assert rep.runs["snapshot"].dividends.shape == (4, 8)
    assert (rep.runs["snapshot"].emission[:2, 6:] == 0).all()


def test_subnet_snapshots_and_files_replay_alike(tmp_path):
    snap = read_simulator_dump(SN15_PT)
    later = dataclasses.replace(snap, block=snap.block + 360)
    assert isinstance(later, SubnetSnapshot)
    from_objects = replay([snap, later])
    path = EpochSnapshot.from_subnet(later).save(tmp_path / "later.json")
    from_files = replay([SN15_PT, path])
    np.testing.assert_array_equal(from_objects.runs["snapshot"].dividends,
                                  from_files.runs["snapshot"].dividends)
    assert read_snapshot(path).block == snap.block + 360


def test_progress_bar_counts_snapshots_and_changes_nothing(capsys):
    series = random_series(epochs=4)
    quiet = replay(series, ["yuma2", "yuma3"])
    assert capsys.readouterr().err == ""
    loud = replay(series, ["yuma2", "yuma3"], progress=True)
    err = capsys.readouterr().err
    assert "replay" in err and "4/4 snapshots" in err and err.endswith("\n")
    for label in quiet.labels:
        for field in FIELDS:
            np.testing.assert_array_equal(getattr(loud.runs[label], field),
                                          getattr(quiet.runs[label], field))
    with pytest.raises(ValueError, match="progress must be a bool"):
        replay(series, progress="yes")

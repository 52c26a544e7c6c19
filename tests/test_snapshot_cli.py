"""Snapshots on disk and the ``yuma epoch FILE`` command, on good and bad files."""

import json

import numpy as np
import pytest

import yuma
from yuma.cli.commands import demo_inputs, main
from yuma.cli.epoch_table import format_epoch
from yuma.io.snapshot import load_snapshot, read_snapshot, save_snapshot


@pytest.fixture
def inputs():
    w, s = demo_inputs(3, 5, seed=1)
    rng = np.random.default_rng(2)
    bonds = np.zeros_like(w)
    bonds[:3] = rng.random((3, w.shape[1])) * 0.3
    return {
        "weights": w,
        "stake": s,
        "bonds": bonds,
        "params": yuma.YumaParams(kappa=0.5, liquid_alpha=True, variant="yuma3"),
        "owner_uid": 1,
        "active": np.array([True] * 7 + [False]),
    }


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_snapshot_round_trip_gives_the_same_epoch(tmp_path, inputs, suffix):
    path = save_snapshot(tmp_path / f"snap{suffix}", **inputs)
    loaded = load_snapshot(path)
    assert loaded["params"] == inputs["params"]
    assert loaded["owner_uid"] == 1
    want, got = yuma.epoch(**inputs), yuma.epoch(**loaded)
    for name, value in want.to_dict().items():
        np.testing.assert_array_equal(getattr(got, name), value, err_msg=name)


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_cli_epoch_prints_the_table_of_the_snapshot(tmp_path, inputs, suffix, capsys):
    path = save_snapshot(tmp_path / f"snap{suffix}", **inputs)
    assert main(["epoch", str(path), "--top", "0"]) == 0
    out = capsys.readouterr().out
    # the file has no permits: derived from stake, which here gives what "all permitted"
    # gives (only the three staked validators set weights)
    assert format_epoch(read_snapshot(path), yuma.epoch(**inputs), top=0) in out
    assert "variant=yuma3" in out and "validator_permit: the file has none" in out


def test_cli_epoch_variant_override(tmp_path, inputs, capsys):
    path = save_snapshot(tmp_path / "snap.json", **inputs)
    assert main(["epoch", str(path), "--variant", "yuma2", "--top", "0"]) == 0
    out = capsys.readouterr().out
    want = yuma.epoch(**{**inputs, "variant": "yuma2"})
    assert format_epoch(read_snapshot(path), want, top=0) in out
    assert format_epoch(read_snapshot(path), yuma.epoch(**inputs), top=0) not in out


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


BAD_FILES = {
    "missing.npz": (None, "no such file"),
    "bad.json": ("{not json", "not valid JSON"),
    "list.json": ("[1, 2]", "top level must be an object"),
    "ragged.json": ('{"weights": [[1, 2], [3]], "stake": [1, 1]}', "not a rectangular"),
    "nostake.json": ('{"weights": [[1, 2], [3, 4]]}', "stake: missing"),
    "extra.json": ('{"weights": [[0]], "stake": [1], "wieghts": 1}', "unknown keys"),
    "param.json": ('{"weights": [[0]], "stake": [1], "params": {"kapa": 1}}', "unknown params"),
    "range.json": ('{"weights": [[0]], "stake": [1], "params": {"kappa": 2}}', "kappa"),
    "shape.json": ('{"weights": [[0, 1], [1, 0]], "stake": [1, 2, 3]}', "stake"),
    "negative.json": ('{"weights": [[0, 1], [1, 0]], "stake": [1, -2]}', "stake"),
    "nan.json": ('{"weights": [[0, NaN], [1, 0]], "stake": [1, 2]}', "weights"),
    "text.txt": ("weights", "unknown snapshot format"),
    "broken.npz": ("not a zip", "not a readable .npz"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_cli_epoch_bad_files_fail_clearly(tmp_path, capsys, name):
    text, message = BAD_FILES[name]
    path = tmp_path / name if text is None else _write(tmp_path, name, text)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["epoch", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "yuma epoch: error:" in captured.err and message in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_npz_params_must_be_json(tmp_path, capsys):
    path = tmp_path / "p.npz"
    np.savez(path, weights=np.zeros((2, 2)), stake=np.ones(2), params=np.asarray("{oops"))
    assert main(["epoch", str(path)]) == 2
    assert "params: must be a JSON string" in capsys.readouterr().err


def test_save_snapshot_rejects_unknown_keys_and_formats(tmp_path):
    with pytest.raises(ValueError, match="unknown snapshot keys"):
        save_snapshot(tmp_path / "a.npz", weights=np.zeros((1, 1)), stake=[1], foo=1)
    with pytest.raises(ValueError, match="needs 'stake'"):
        save_snapshot(tmp_path / "a.npz", weights=np.zeros((1, 1)))
    with pytest.raises(ValueError, match="unknown snapshot format"):
        save_snapshot(tmp_path / "a.csv", weights=np.zeros((1, 1)), stake=[1])
    assert not any(tmp_path.iterdir())


def test_json_snapshot_is_plain_json(tmp_path, inputs):
    doc = json.loads(save_snapshot(tmp_path / "s.json", **inputs).read_text())
    assert doc["params"]["kappa"] == 0.5 and doc["owner_uid"] == 1
    assert np.asarray(doc["weights"]).shape == inputs["weights"].shape


# --------------------------------------------------------------------------------------
# Labels (hotkeys, netuid, block, stake unit, the chain's outputs), atomic writes, permits
# --------------------------------------------------------------------------------------

from pathlib import Path  # noqa: E402

from yuma.io import read_simulator_dump  # noqa: E402
from yuma.io.snapshot import EpochSnapshot  # noqa: E402

SN15_PT = Path(__file__).parent / "data" / "real" / "sn15_block4769998.pt"


def _labels(n):
    return {"hotkeys": [f"5Hot{i}" for i in range(n)], "netuid": 7, "block": 123,
            "stake_unit": "tao",
            "outputs": {"incentive": np.linspace(0, 1, n), "emission": np.arange(n) * 1e9}}


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_labels_round_trip(tmp_path, inputs, suffix):
    labels = _labels(len(inputs["stake"]))
    path = save_snapshot(tmp_path / f"s{suffix}", **inputs, **labels)
    snap = read_snapshot(path)
    assert snap.hotkeys == tuple(labels["hotkeys"])
    assert (snap.netuid, snap.block, snap.stake_unit) == (7, 123, "tao")
    assert np.array_equal(snap.outputs["incentive"], labels["outputs"]["incentive"])
    assert np.array_equal(snap.outputs["emission"], labels["outputs"]["emission"])
    assert np.array_equal(snap.stake_tao, inputs["stake"])
    assert snap.permits_derived  # the fixture has no validator_permit
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_sn15_dump_saved_and_read_back_runs_the_same_epoch(tmp_path):
    subnet = read_simulator_dump(SN15_PT)
    snap = EpochSnapshot.from_subnet(subnet)
    assert snap.stake_unit == "rao" and snap.permits_derived and snap.n == 256
    assert read_snapshot(SN15_PT).hotkeys == subnet.hotkeys
    for suffix in (".npz", ".json"):
        back = read_snapshot(snap.save(tmp_path / f"sn15{suffix}"))
        assert back.hotkeys == subnet.hotkeys and (back.netuid, back.block) == (15, 4769998)
        assert not back.permits_derived  # the file now holds the permits
        want = yuma.epoch(**subnet.epoch_kwargs())
        got = yuma.epoch(**back.epoch_kwargs())
        np.testing.assert_array_equal(got.emission, want.emission)
        np.testing.assert_allclose(back.stake_tao, subnet.stake_tao, rtol=0, atol=0)


BAD_LABELS = [
    ({"hotkeys": ["a", "b"]}, r"hotkeys: has 2 entries, expected 8"),
    ({"hotkeys": "abc"}, "hotkeys: must be a list of strings"),
    ({"outputs": {"incentive": np.zeros(3)}}, r"outputs.incentive: has shape \(3,\)"),
    ({"outputs": {"incentve": np.zeros(8)}}, "outputs.incentve: unknown output"),
    ({"outputs": {"consensus": np.full(8, 2.0)}}, r"outputs.consensus: must be proportions"),
    ({"stake_unit": "alpha"}, "stake_unit: must be one of"),
    ({"block": -1}, "block: must be non-negative"),
    ({"netuid": 1.5}, "netuid: must be an integer"),
]


@pytest.mark.parametrize("labels, problem", BAD_LABELS)
def test_bad_labels_are_refused_and_nothing_is_written(tmp_path, inputs, labels, problem):
    with pytest.raises(ValueError, match=problem):
        save_snapshot(tmp_path / "s.npz", **inputs, **labels)
    assert not any(tmp_path.iterdir())
    # the same labels in a hand-written JSON file: the error names the file
    doc = {k: np.asarray(v).tolist() for k, v in inputs.items() if k != "params"}
    doc.update({k: (v if not isinstance(v, dict) else {a: np.asarray(b).tolist()
                                                       for a, b in v.items()})
                for k, v in labels.items()})
    path = _write(tmp_path, "hand.json", json.dumps(doc))
    with pytest.raises(ValueError, match=rf"hand\.json: {problem}"):
        read_snapshot(path)


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"stake": [1.0, float("nan"), 0, 0]}, r"stake: entry 1 is nan"),
        ({"weights": [[0, -1, 0, 0]] + [[0, 0, 0, 0]] * 3}, "weights"),
        ({"bonds": np.zeros((3, 4)).tolist()}, "bonds"),
        ({"last_update": [1, 2]}, "last_update"),
    ],
)
def test_bad_inputs_name_the_file_and_the_field(tmp_path, change, problem):
    doc = {"weights": (np.ones((4, 4)) - np.eye(4)).tolist(), "stake": [1.0, 2.0, 0, 0]}
    doc.update(change)
    path = _write(tmp_path, "bad.json", json.dumps(doc))
    with pytest.raises(ValueError, match=rf"bad\.json: .*{problem}"):
        read_snapshot(path)


def test_unknown_keys_say_which_keys_a_snapshot_holds(tmp_path):
    path = _write(tmp_path, "x.json", '{"weights": [[0]], "stake": [1], "S": [1]}')
    with pytest.raises(ValueError, match=r"unknown keys \['S'\]; a snapshot holds required: "
                                         r"weights, stake; optional inputs: bonds"):
        read_snapshot(path)


def test_a_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path, inputs, monkeypatch):
    path = save_snapshot(tmp_path / "s.npz", **inputs)
    before = path.read_bytes()

    def broken_savez(fh, **arrays):
        fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save_snapshot(path, **inputs)
    assert [p.name for p in tmp_path.iterdir()] == ["s.npz"]
    assert path.read_bytes() == before


def test_permits_in_the_file_are_kept_and_missing_ones_derived(tmp_path):
    w = np.ones((5, 5)) - np.eye(5)
    stake = np.array([5.0, 4.0, 3.0, 0.0, 1.0])
    params = yuma.YumaParams(max_allowed_validators=2)
    derived = read_snapshot(save_snapshot(tmp_path / "a.json", weights=w, stake=stake,
                                          params=params))
    assert derived.permits_derived
    assert derived.inputs["validator_permit"].tolist() == [True, True, False, False, False]
    kept = read_snapshot(save_snapshot(tmp_path / "b.json", weights=w, stake=stake,
                                       params=params, validator_permit=np.ones(5, bool)))
    assert not kept.permits_derived
    assert kept.inputs["validator_permit"].all()

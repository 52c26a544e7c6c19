"""Snapshots on disk and the ``yuma epoch FILE`` command, on good and bad files."""

import json

import numpy as np
import pytest

import yuma
from yuma.cli.commands import demo_inputs, format_table, main
from yuma.io.snapshot import load_snapshot, save_snapshot


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
    assert main(["epoch", str(path)]) == 0
    out = capsys.readouterr().out
    assert format_table(yuma.epoch(**inputs)) in out
    assert "variant=yuma3" in out


def test_cli_epoch_variant_override(tmp_path, inputs, capsys):
    path = save_snapshot(tmp_path / "snap.json", **inputs)
    assert main(["epoch", str(path), "--variant", "yuma2"]) == 0
    out = capsys.readouterr().out
    want = yuma.epoch(**{**inputs, "variant": "yuma2"})
    assert format_table(want) in out


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


BAD_FILES = {
    "missing.npz": (None, "no such file"),
    "bad.json": ("{not json", "not valid JSON"),
    "list.json": ("[1, 2]", "top level must be an object"),
    "ragged.json": ('{"weights": [[1, 2], [3]], "stake": [1, 1]}', "not a rectangular"),
    "nostake.json": ('{"weights": [[1, 2], [3, 4]]}', "missing 'stake'"),
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
    assert "'params' must be a JSON string" in capsys.readouterr().err


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

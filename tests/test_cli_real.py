"""The ``yuma`` command on real data: epoch, replay and diagnose; bad files refused."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import yuma
from yuma.cli.commands import main
from yuma.io import read_simulator_dump
from yuma.io.snapshot import EpochSnapshot, save_snapshot
from yuma.sim.copy_risk import copy_risk
from yuma.sim.replay import replay

SN15_PT = Path(__file__).parent / "data" / "real" / "sn15_block4769998.pt"


@pytest.fixture(scope="module")
def sn15():
    return read_simulator_dump(SN15_PT)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def table_rows(out: str) -> list[list[str]]:
    """The data rows of ``yuma epoch``'s table (between the two rules)."""
    lines = out.splitlines()
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"-"}]
    return [line.split() for line in lines[rules[0] + 1: rules[1]]]


# --------------------------------------------------------------------------------------
# yuma epoch
# --------------------------------------------------------------------------------------


def test_epoch_on_the_sn15_dump(sn15, capsys, tmp_path):
    csv_path, json_path = tmp_path / "t.csv", tmp_path / "t.json"
    assert main(["epoch", str(SN15_PT), "--top", "12", "--csv", str(csv_path),
                 "--json", str(json_path)]) == 0
    out = capsys.readouterr().out
    assert "netuid 15, block 4769998, 256 UIDs" in out
    assert "validator_permit: the file has none; derived from stake" in out
    assert "244 more UIDs" in out and "stake (TAO)" in out
    result = yuma.epoch(**sn15.epoch_kwargs())
    rows = table_rows(out)
    assert len(rows) == 12
    uids = [int(r[0]) for r in rows]
    emission = result.emission
    # sorted by emission, the largest first, and these are the 12 largest
    assert [emission[u] for u in uids] == sorted(emission[uids], reverse=True)
    assert min(emission[uids]) >= np.sort(emission)[-12]
    for r in rows:
        uid = int(r[0])
        assert sn15.hotkeys[uid].startswith(r[1].rstrip("."))
        assert float(r[3]) == pytest.approx(sn15.stake_tao[uid], abs=1e-4)
        assert r[2] == ("validator" if result.dividends[uid] > 0 else "miner")
    # the files hold every UID, in UID order
    with open(csv_path) as fh:
        written = list(csv.DictReader(fh))
    assert [int(r["uid"]) for r in written] == list(range(256))
    assert [float(r["emission"]) for r in written] == result.emission.tolist()
    assert [r["hotkey"] for r in written] == list(sn15.hotkeys)
    assert [float(r["stake"]) for r in written] == sn15.stake_tao.tolist()
    doc = json.loads(json_path.read_text())
    assert doc["netuid"] == 15 and doc["permits_derived"] is True
    assert [u["dividends"] for u in doc["uids"]] == result.dividends.tolist()
    assert listing(tmp_path) == ["t.csv", "t.json"]


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_epoch_reads_saved_snapshots_of_real_data(sn15, tmp_path, capsys, suffix):
    path = EpochSnapshot.from_subnet(sn15).save(tmp_path / f"sn15{suffix}")
    assert main(["epoch", str(path), "--top", "0"]) == 0
    out = capsys.readouterr().out
    assert "validator_permit: from the file" in out
    assert len(table_rows(out)) == 256


def test_epoch_refuses_a_pickle_with_a_foreign_global(tmp_path, capsys):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo hacked",))

    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"S": np.ones(2), "W": Evil()},
                                                    protocol=2))
    before = listing(tmp_path)
    assert main(["epoch", str(path), "--csv", str(tmp_path / "out.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "yuma epoch: error:" in captured.err and "evil.pt" in captured.err
    assert "system" in captured.err
    assert listing(tmp_path) == before


@pytest.mark.parametrize(
    "doc, field",
    [
        ({"weights": [[0, 1], [1, 0]], "stake": [1, 2], "hotkeys": ["a"]}, "hotkeys: has 1"),
        ({"weights": [[0, 1], [1, 0]], "stake": [1, float("nan")]}, "stake: entry 1 is nan"),
        ({"weights": [[0, -1], [1, 0]], "stake": [1, 2]}, "weights"),
        ({"weights": [[0, 1], [1, 0]], "stake": [1, 2, 3]}, "stake"),
        ({"weights": [[0, 1], [1, 0]], "stake": [1, 2], "S": [1, 2]},
         r"unknown keys \['S'\]; a snapshot holds required: weights, stake"),
    ],
)
def test_epoch_bad_json_names_the_file_and_field(tmp_path, capsys, doc, field):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    assert main(["epoch", str(path), "--json", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err
    import re

    assert re.search(field, err), err
    assert listing(tmp_path) == ["bad.json"]


def test_epoch_bad_output_options(tmp_path, capsys):
    assert main(["epoch", str(SN15_PT), "--csv", str(tmp_path / "t.txt")]) == 2
    assert "--csv must name a .csv file" in capsys.readouterr().err
    assert main(["epoch", str(SN15_PT), "--json", str(tmp_path / "no" / "t.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["epoch", str(SN15_PT), "--top", "-1"]) == 2
    assert not any(tmp_path.iterdir())


# --------------------------------------------------------------------------------------
# yuma replay
# --------------------------------------------------------------------------------------


def _history(sn15, tmp_path, epochs=3):
    paths = []
    for t in range(epochs):
        later = dataclasses.replace(sn15, block=sn15.block + 360 * t)
        paths.append(str(save_snapshot(tmp_path / f"sn15_{t}.npz",
                                       **EpochSnapshot.from_subnet(later).inputs,
                                       hotkeys=later.hotkeys, netuid=15, block=later.block,
                                       stake_unit="rao")))
    return paths


def test_replay_command(sn15, tmp_path, capsys):
    paths = _history(sn15, tmp_path)
    plot = tmp_path / "replay.png"
    assert main(["replay", *paths, "--variant", "yuma2", "--variant", "yuma3+la",
                 "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    rep = replay(paths, ["yuma2", "yuma3+la"])
    assert rep.format() in out
    assert "3 snapshot(s) of netuid 15, blocks 4769998..4770718" in out
    assert plot.stat().st_size > 1000
    table = rep.validator_table()
    assert table[0]["uid"] == 2  # the largest stake
    assert table[0]["yuma2 RD"] != table[0]["yuma3+la RD"]


def test_replay_command_refuses_a_bad_series(sn15, tmp_path, capsys):
    paths = _history(sn15, tmp_path)
    other = dataclasses.replace(sn15, netuid=16, block=sn15.block + 5000)
    other_path = str(EpochSnapshot.from_subnet(other).save(tmp_path / "sn16.json"))
    before = listing(tmp_path)
    assert main(["replay", paths[1], paths[0], "--plot", str(tmp_path / "r.png")]) == 2
    err = capsys.readouterr().err
    assert "sn15_0.npz: block: is 4769998, not after" in err
    assert main(["replay", paths[0], other_path]) == 2
    assert "sn16.json: netuid: is 16, but" in capsys.readouterr().err
    assert main(["replay", paths[0], "--variant", "nope"]) == 2
    assert "unknown variant 'nope'" in capsys.readouterr().err
    assert listing(tmp_path) == before


# --------------------------------------------------------------------------------------
# yuma diagnose
# --------------------------------------------------------------------------------------


def test_diagnose_command(tmp_path, capsys):
    plot, table = tmp_path / "g.png", tmp_path / "g.csv"
    args = ["--drift", "0.1", "--delays", "0,3", "--alpha-lows", "0.3,0.7",
            "--alpha-highs", "0.9", "--epochs", "10"]
    assert main(["diagnose", str(SN15_PT), *args, "--plot", str(plot),
                 "--csv", str(table)]) == 0
    out = capsys.readouterr().out
    risk = copy_risk(str(SN15_PT), drift=0.1, delays=[0, 3], alpha_lows=[0.3, 0.7],
                     alpha_highs=[0.9], epochs=10)
    assert risk.format() in out
    with open(table) as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["G"]) for r in rows] == [r["G"] for r in risk.rows()]
    assert plot.stat().st_size > 1000


def test_diagnose_refusals(sn15, tmp_path, capsys):
    assert main(["diagnose", str(SN15_PT)]) == 2
    assert "one snapshot has no history; give drift=" in capsys.readouterr().err
    paths = _history(sn15, tmp_path, epochs=2)
    assert main(["diagnose", *paths, "--drift", "0.1"]) == 2
    assert "--drift is for one file" in capsys.readouterr().err
    assert main(["diagnose", *paths, "--delays", "0,a"]) == 2
    assert "--delays must be comma-separated numbers" in capsys.readouterr().err
    assert main(["diagnose", *paths, "--plot", str(tmp_path / "g.gif")]) == 2
    assert "--plot must name a .png, .pdf or .svg file" in capsys.readouterr().err
    assert main(["diagnose", *paths, "--delays", "4"]) == 2
    assert "leave nothing to measure" in capsys.readouterr().err
    assert listing(tmp_path) == ["sn15_0.npz", "sn15_1.npz"]

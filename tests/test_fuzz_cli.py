"""Fuzz: the ``yuma`` command, in-process, with hostile option values and output paths.

Every run ends with an exit status: 0, 1 (a documented failure such as ``--strict``), or
2 for a bad argument, with one line on stderr naming the option (argparse's own
refusals included). No traceback, and a bad output path is refused before any work: nothing is
printed on stdout first.
"""

from __future__ import annotations

import contextlib
import io
import os

import pytest
from fuzz_support import budget
from hypothesis import given
from hypothesis import strategies as st

from yuma.cli.commands import main

NUMBERS = ["-1", "0", "-0", "nan", "inf", "-inf", "x", "", "1e400", "0x10", "1.5", "2"]
PATH_KINDS = ["dir", "missing_folder", "proc", "bad_suffix", "ok"]

# Each subcommand with small, fast settings; the fuzz replaces one option's value.
COMMANDS = {
    "demo": (["demo", "--validators", "2", "--miners", "2", "--epochs", "1"],
             {"--validators": NUMBERS, "--miners": NUMBERS, "--epochs": NUMBERS,
              "--seed": NUMBERS, "--variant": ["x", "", "yuma3"]}),
    "simulate": (["simulate", "weight_copier", "--epochs", "2", "--variant", "yuma3",
                  "--no-progress"],
                 {"--epochs": NUMBERS, "--variant": ["x", "", "nosuch:attr", "yuma3+la"],
                  "--plot": PATH_KINDS}),
    "guarantees": (["guarantees", "--grid", "2", "--stakes", "0.6", "--uids", "8",
                    "--validators", "4", "--workers", "1", "--no-progress"],
                   {"--grid": NUMBERS, "--stakes": NUMBERS + ["0.6,x", "0.6,,0.7", ","],
                    "--uids": NUMBERS, "--validators": NUMBERS, "--epochs": NUMBERS,
                    "--kappa": NUMBERS, "--beta": NUMBERS, "--xi": NUMBERS,
                    "--sigma": NUMBERS, "--sigma-stake": NUMBERS, "--seed": NUMBERS,
                    "--workers": NUMBERS, "--highlight": NUMBERS,
                    "--scheduler": ["bogus", "tcp://", "x://y:1", "tcp://h:99999"],
                    "--noise": ["x"], "--out": PATH_KINDS, "--plot": PATH_KINDS}),
    "compare": (["compare", "yuma2", "--no-invariants", "--scenario", "weight_copier",
                 "--epochs", "1"],
                {"--epochs": NUMBERS, "--max-examples": NUMBERS, "--seed": NUMBERS,
                 "--scenario": ["x", ""], "--against": ["x", "", "yuma2"],
                 "--invariant": ["x"], "--plot": PATH_KINDS}),
    "epoch": (["epoch", "FILE"], {"--variant": ["x", "yuma2"]}),
}

SUFFIX = {"--plot": ".png", "--out": ".parquet"}


def _path(kind: str, option: str, tmp: str) -> str:
    suffix = "" if option == "--plot" and "compare" in tmp else SUFFIX.get(option, "")
    if kind == "dir":
        path = os.path.join(tmp, f"folder{suffix}")
        os.makedirs(path, exist_ok=True)
        return path
    if kind == "missing_folder":
        return os.path.join(tmp, "no", "such", f"f{suffix}")
    if kind == "proc":
        return f"/proc/yuma-fuzz{suffix}"
    if kind == "bad_suffix":
        return os.path.join(tmp, "f.txt")
    return os.path.join(tmp, f"out{suffix}")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's refusals
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", sorted(COMMANDS))
@budget(6, tmp_path=True)
@given(data=st.data())
def test_cli_exits_cleanly_on_hostile_options(command, data, tmp_path):
    base, options = COMMANDS[command]
    tmp = str(tmp_path / command)
    os.makedirs(tmp, exist_ok=True)
    argv = list(base)
    if command == "epoch":
        snap = os.path.join(tmp, "s.json")
        with open(snap, "w") as f:
            f.write('{"weights": [[0, 1], [1, 0]], "stake": [1, 2]}')
        argv[1] = data.draw(st.sampled_from([snap, tmp, "/dev/null", snap + ".missing"]))
    option = data.draw(st.sampled_from(sorted(options)))
    value = data.draw(st.sampled_from(options[option]))
    if value in PATH_KINDS:
        value = _path(value, option, tmp)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    code, out, err = run_cli(argv)
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err, err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and ": error: " in lines[0], f"{argv}: {err!r}"
        assert out == "", f"{argv}: printed before refusing: {out!r}"


def test_cli_refuses_every_bad_output_path_before_working(tmp_path):
    runs = [
        ["guarantees", "--grid", "2", "--stakes", "0.6", "--uids", "8", "--validators", "4",
         "--workers", "1", "--out", "/proc/x.parquet"],
        ["guarantees", "--grid", "2", "--stakes", "0.6", "--uids", "8", "--validators", "4",
         "--workers", "1", "--plot", str(tmp_path)],
        ["simulate", "weight_copier", "--epochs", "2", "--plot", str(tmp_path / "a/b.png")],
        ["compare", "yuma2", "--no-invariants", "--epochs", "1", "--plot", "/proc/x"],
    ]
    for argv in runs:
        code, out, err = run_cli(argv)
        assert code == 2 and out == "", (argv, out, err)
        assert ("--out" in err or "--plot" in err) and len(err.strip().splitlines()) == 1

"""The ``yuma`` command as a new user meets it: --version, help texts, missing extras."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import yuma
from yuma.cli import main
from yuma.cli.commands import _parser

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the test extra installs tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["demo", "epoch", "replay", "diagnose", "scenarios", "simulate", "guarantees",
            "compare", "influence"]
LONG_RUNNING = ["replay", "diagnose", "simulate", "guarantees", "compare", "influence"]
"""Subcommands whose runs can take more than a few seconds: --progress / --no-progress."""


def test_version_flag_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"yuma {yuma.__version__} (yuma-consensus)"


def test_version_has_one_source_and_a_changelog_section():
    from yuma._version import __version__

    assert yuma.__version__ == __version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["name"] == "yuma-consensus"
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "yuma._version.__version__"}
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{__version__}]" in changelog


def test_the_package_ships_its_type_marker():
    # Run against the installed wheel (CI), this fails when py.typed is left out of it.
    assert (Path(yuma.__file__).parent / "py.typed").is_file()


def _help(argv, capsys) -> str:
    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


MARKUP = re.compile(r"``|:(mod|func|class|meth|data|attr):`|\*\s")


def test_main_help_is_plain_words_with_examples(capsys):
    text = _help([], capsys)
    assert not MARKUP.search(text), text
    assert "examples:" in text and "--version" in text
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\b", text, flags=re.M), command
        assert f"yuma {command}" in text, command  # an example of each
    assert 'pip install "yuma-consensus[all]"' in text


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _options(command: str) -> set[str]:
    return {s for a in _subcommands()[command]._actions for s in a.option_strings}


def test_every_subcommand_is_covered_here():
    assert sorted(_subcommands()) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_a_description_an_example_and_option_help(command, capsys):
    text = _help([command], capsys)
    assert not MARKUP.search(text), text
    assert re.search(rf"^example:\n  yuma {command}\b", text, flags=re.M), text
    description = text.split("\n\n")[1]  # after the usage
    assert len(description.split()) >= 10, description
    for action in _subcommands()[command]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help and action.help.strip(), f"{command} {action.option_strings}"


@pytest.mark.parametrize("command", COMMANDS)
def test_long_runs_take_the_progress_options(command):
    has = {"--progress", "--no-progress"} <= _options(command)
    assert has == (command in LONG_RUNNING), command


@pytest.mark.parametrize("command", COMMANDS)
def test_help_names_the_extra_of_every_option_that_needs_one(command, capsys):
    # Words are never split at a hyphen, so the command can be copied from the help.
    text = " ".join(_help([command], capsys).split())
    if "--plot" in _options(command):
        assert 'pip install "yuma-consensus[plot]"' in text, text


# ---------------------------------------------------------------- missing extras

# Each case: the blocked modules, the command, the install command it must print, and the
# function that would start the work (replaced by one that exits 99, so reaching it fails).
MISSING = [
    (["matplotlib"], ["simulate", "cabal", "--plot", "fig.png"], "plot",
     "yuma.analysis.compare:run_candidates"),
    (["pandas"], ["guarantees", "--grid", "3", "--workers", "1"], "sweep",
     "yuma.analysis.guarantees:grid_frame"),
    (["pyarrow"], ["guarantees", "--grid", "3", "--workers", "1", "--out", "t.parquet"],
     "sweep", "yuma.analysis.guarantees:grid_frame"),
    (["matplotlib"], ["guarantees", "--grid", "3", "--workers", "1", "--plot", "m.png"],
     "plot", "yuma.analysis.guarantees:grid_frame"),
    (["distributed"], ["guarantees", "--grid", "3", "--scheduler", "tcp://127.0.0.1:1"],
     "sweep", "yuma.analysis.guarantees:grid_frame"),
    (["hypothesis"], ["compare", "yuma2", "--no-scenarios"], "check",
     "yuma.cli.compare:compare"),
    (["matplotlib"], ["compare", "yuma2", "--no-invariants", "--plot", "figs"], "plot",
     "yuma.cli.compare:compare"),
    # Files that do not exist: the extra is checked before any file is read.
    (["matplotlib"], ["replay", "a.npz", "b.npz", "--plot", "r.png"], "plot",
     "yuma.sim.replay:replay"),
    (["matplotlib"], ["diagnose", "s.npz", "--drift", "0.1", "--plot", "g.png"], "plot",
     "yuma.sim.copy_risk:copy_risk"),
]


def test_every_plot_option_has_a_missing_extra_case():
    with_plot = {c for c in COMMANDS if "--plot" in _options(c)}
    covered = {argv[0] for blocked, argv, _, _ in MISSING
               if blocked == ["matplotlib"] and "--plot" in argv}
    assert with_plot == covered

_RUNNER = """
import contextlib, importlib, io, json, sys
blocked, argv, target = json.loads(sys.argv[1])
for name in blocked:
    sys.modules[name] = None  # as if not installed: importing it raises ImportError
from yuma.cli import main
module, _, attr = target.partition(":")
def started(*args, **kwargs):
    sys.exit(99)
setattr(importlib.import_module(module), attr, started)
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    rc = main(argv)
print(json.dumps({"rc": rc, "out": out.getvalue(), "err": err.getvalue()}))
"""


def _run_blocked(blocked, argv, target, cwd):
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps([blocked, argv, target])],
        capture_output=True, text=True, cwd=cwd, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr  # 99: the work started
    return json.loads(done.stdout)


@pytest.mark.parametrize(("blocked", "argv", "extra", "target"), MISSING,
                         ids=[" ".join(m[1][:1] + m[0]) for m in MISSING])
def test_missing_extra_exits_2_with_the_install_command_before_any_work(
    blocked, argv, extra, target, tmp_path
):
    result = _run_blocked(blocked, argv, target, tmp_path)
    assert result["rc"] == 2 and result["out"] == ""
    err = result["err"]
    assert err.startswith(f"yuma {argv[0]}: error: ")
    assert f"needs {blocked[0]}: pip install \"yuma-consensus[{extra}]\"" in err
    assert "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_core_install_runs_every_command_that_needs_no_extra(tmp_path):
    """Without any extra (every optional package blocked), the core commands work."""
    from yuma.io.snapshot import save_snapshot

    weights, stake = yuma.cli.commands.demo_inputs(2, 3)
    save_snapshot(tmp_path / "s.npz", weights=weights, stake=stake)
    save_snapshot(tmp_path / "later.npz", weights=weights, stake=stake, block=360)
    script = """
import contextlib, io, json, sys
for name in ("matplotlib", "pandas", "pyarrow", "dask", "distributed", "hypothesis",
             "tqdm", "scipy"):
    sys.modules[name] = None
from yuma.cli import main
results = []
for argv in (["demo"], ["epoch", "s.npz"], ["scenarios"],
             ["simulate", "kappa_delayed", "--epochs", "5", "--progress"],
             ["replay", "s.npz", "later.npz"],
             ["diagnose", "s.npz", "--drift", "0.1", "--epochs", "4", "--delays", "0,1",
              "--alpha-lows", "0.5", "--alpha-highs", "0.9", "--progress"],
             ["influence", "s.npz", "--progress"]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    results.append({"argv": argv, "rc": rc, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps(results))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    for result in json.loads(done.stdout):
        assert result["rc"] == 0, result
        assert result["out"].strip(), result
    demo, epoch, _, simulate, replay, diagnose, influence = json.loads(done.stdout)
    assert "sum" in demo["out"].splitlines()[-1]
    assert "variant=yuma3" in epoch["out"]
    assert "5/5 epochs" in simulate["err"]  # the plain progress bar, without tqdm
    assert "2 snapshot(s)" in replay["out"]
    assert "copy risk" in diagnose["out"] and "8/8 epochs" in diagnose["err"]
    assert "exact over 4 coalitions" in influence["out"] and "4/4 coalitions" in influence["err"]


def test_readme_quickstart_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quickstart.*?```bash\n(.*?)```", readme, flags=re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    install_and_demo, tests = commands
    assert "pip install" in install_and_demo and "yuma demo" in install_and_demo
    assert "python -m pytest -q" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python -m pytest -q\n" in ci

"""The shared helpers: optional dependencies, the progress bar, the table formatter."""

from __future__ import annotations

import io
import math
import sys

import numpy as np
import pytest

from yuma import _extras
from yuma._extras import MissingExtraError, import_optional, install_command, require
from yuma._progress import Progress, progress_default
from yuma._table import format_cell, format_table

# ---------------------------------------------------------------- optional dependencies


def test_install_command_names_the_distribution_not_the_import_name():
    assert install_command("plot") == 'pip install "yuma-consensus[plot]"'
    assert _extras.DISTRIBUTION == "yuma-consensus"


def test_require_names_what_is_missing_and_the_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError) as info:
        require("--plot", "numpy", "matplotlib")
    assert str(info.value) == '--plot needs matplotlib: pip install "yuma-consensus[plot]"'
    assert info.value.modules == ("matplotlib",) and info.value.extra == "plot"
    assert isinstance(info.value, ImportError)
    require("--plot", "numpy")  # present: nothing happens


def test_require_of_a_module_never_installed():
    name = "no_such_module_for_yuma_tests"
    with pytest.raises(MissingExtraError, match=r'needs no_such_module_for_yuma_tests: pip '
                       r'install "yuma-consensus\[sweep\]"'):
        require("this", name, extra="sweep")
    assert _extras.missing_modules("numpy", name) == (name,)


def test_import_optional(monkeypatch):
    assert import_optional("numpy.linalg", "x") is np.linalg
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r'to_frame needs pandas: pip install '
                       r'"yuma-consensus\[pandas\]"'):
        import_optional("pandas", "to_frame")


def test_every_extra_named_in_a_hint_exists_in_pyproject():
    from pathlib import Path

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the test extra installs tomli
        import tomli as tomllib

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    for module, extra in _extras.EXTRA_OF.items():
        assert extra in extras, (module, extra)
        assert any(req.split("[")[0].split(">")[0].strip() in (module, "dask")
                   for req in extras[extra]), (module, extra)


def test_to_frame_says_which_extra(monkeypatch):
    import yuma

    r = yuma.epoch(np.array([[1.0, 0.0]]), np.array([1.0]))
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r'pip install "yuma-consensus\[pandas\]"'):
        r.to_frame()
    sim = yuma.simulate(yuma.get_scenario("kappa_delayed"), epochs=2)
    with pytest.raises(ImportError, match=r'pip install "yuma-consensus\[pandas\]"'):
        sim.to_frame()


# ---------------------------------------------------------------- progress


def _fallback(total, steps, **kwargs):
    out = io.StringIO()
    with Progress(total, "run", unit="epochs", stream=out, use_tqdm=False, **kwargs) as bar:
        for n in steps:
            bar.update(n)
    return out.getvalue()


def test_fallback_bar_draws_once_per_percent_and_ends_its_line():
    text = _fallback(400, [1] * 400)
    frames = text.split("\r")[1:]
    assert len(frames) == 101  # 0%, 1%, ..., 100%: not 400 redraws
    assert frames[-1] == "run [##############################] 400/400 epochs\n"
    assert frames[0] == "run [..............................] 1/400 epochs"
    assert frames[1].endswith(" 4/400 epochs")


def test_fallback_bar_stopped_early_ends_its_line_and_disabled_bar_is_silent():
    text = _fallback(10, [3])
    assert text.endswith("3/10 epochs\n")
    assert _fallback(10, [3] * 4, enabled=False) == ""
    assert _fallback(0, []) == ""


def test_tqdm_bar_shows_label_count_and_unit():
    pytest.importorskip("tqdm")
    out = io.StringIO()
    with Progress(5, "weight_copier", unit="epochs", stream=out) as bar:
        for _ in range(5):
            bar.update()
    text = out.getvalue()
    assert "weight_copier" in text and "5/5 epochs" in text and text.endswith("\n")


class _Terminal(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.mark.parametrize(
    ("requested", "large", "tty", "shown"),
    [
        (True, False, False, True),
        (False, True, True, False),
        (None, True, True, True),
        (None, True, False, False),
        (None, False, True, False),
    ],
)
def test_progress_default(requested, large, tty, shown):
    assert progress_default(requested, large, _Terminal(tty)) is shown


# ---------------------------------------------------------------- tables


def test_format_cell():
    assert format_cell(None) == ""
    assert format_cell(True) == "yes" and format_cell(np.bool_(False)) == "no"
    assert format_cell(math.nan) == "-" and format_cell(np.float64("nan"), na="n/a") == "n/a"
    assert format_cell(0.5, ".3f") == "0.500" and format_cell("x", ".3f") == "x"
    assert format_cell(2, lambda v: f"<{v}>") == "<2>"


TABLES = [
    ({"uid": [0, 1, 12], "share": [0.25, math.nan, 0.125]}, {"share": ".4f"}, (), None),
    ({"name": ["a long name", "b"], "ok": [True, False], "n": [3, 22]}, {}, ("name",),
     {"name": "sum", "n": 25}),
    ({"x": [1.5]}, {"x": "8.3f"}, (), {"x": 1.5}),
    ({"a": [], "b": []}, {}, (), None),
]


@pytest.mark.parametrize(("columns", "formats", "left", "footer"), TABLES)
@pytest.mark.parametrize("header", [True, False])
def test_pandas_and_plain_alignment_agree(columns, formats, left, footer, header):
    pytest.importorskip("pandas")
    kwargs = {"formats": formats, "left": left, "footer": footer, "header": header}
    assert format_table(columns, use_pandas=True, **kwargs) == format_table(
        columns, use_pandas=False, **kwargs
    )


def test_table_layout():
    text = format_table(
        {"uid": [0, 10], "role": ["validator", "miner"], "D": [0.5, math.nan]},
        formats={"D": ".3f"}, left=["role"], footer={"uid": "sum", "D": 0.5},
        use_pandas=False,
    )
    assert text.splitlines() == [
        "uid role          D",
        "-------------------",
        "  0 validator 0.500",
        " 10 miner         -",
        "-------------------",
        "sum           0.500",
    ]


def test_table_errors():
    with pytest.raises(ValueError, match="one length"):
        format_table({"a": [1], "b": [1, 2]})
    with pytest.raises(ValueError, match="unknown columns"):
        format_table({"a": [1]}, footer={"b": 1})


class _TerminalStream(io.StringIO):
    def isatty(self):
        return True


def test_slow_start_notice_speaks_only_on_a_slow_start_in_a_terminal():
    import time

    from yuma._progress import slow_start_notice

    slow = _TerminalStream()
    with slow_start_notice("compiling", after=0.05, stream=slow):
        time.sleep(0.3)
    assert slow.getvalue() == "compiling\n"
    quick = _TerminalStream()
    with slow_start_notice("compiling", after=5.0, stream=quick):
        pass
    assert quick.getvalue() == ""
    piped = io.StringIO()  # not a terminal: CI logs and pipes stay silent
    with slow_start_notice("compiling", after=0.0, stream=piped):
        time.sleep(0.1)
    assert piped.getvalue() == ""

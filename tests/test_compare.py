"""A user-defined variant runs wherever a built-in does; ``yuma compare``; yuma.variant.

The helper variants live at module level in ``tests/variant_helpers.py``, as a user's own
module would hold them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import variant_helpers as vh

import yuma
from yuma.analysis import compare as cmp
from yuma.analysis.compare import Candidate, resolve_candidate, run_candidates
from yuma.analysis.sweep import sweep
from yuma.sim.plot import run_variants
from yuma.testing.comparisons import ATOL, RTOL

ROOT = Path(__file__).resolve().parents[1]
FIELDS = [f.name for f in dataclasses.fields(yuma.EpochResult) if f.name != "variant"]
SIM_FIELDS = ("dividends", "incentive", "consensus", "emission", "final_bonds")


def assert_results_equal(a, b, fields=FIELDS):
    for name in fields:
        x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
        if x.dtype == np.bool_:
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL, err_msg=name)


@pytest.fixture
def at_root(monkeypatch):
    """Run from the repository root, where ``tests.variant_helpers`` is importable."""
    monkeypatch.chdir(ROOT)


# --------------------------------------------------------------------------------------
# yuma.variant: the constructor
# --------------------------------------------------------------------------------------


def test_variant_replaces_steps_and_keeps_the_rest():
    v = yuma.variant("mine", base=yuma.YUMA2, weights_for_bonds=vh.raw_weights)
    assert isinstance(v, yuma.Variant) and v.name == "mine"
    assert v.weights_for_bonds is vh.raw_weights
    assert v.dividends is yuma.YUMA2.dividends and v.load_bonds is yuma.YUMA2.load_bonds
    assert yuma.variant("by_name", base="yuma2_liquid_alpha_v1").update_bonds is (
        yuma.YUMA2_LIQUID_ALPHA_V1.update_bonds
    )
    assert yuma.variant("twin") == dataclasses.replace(yuma.YUMA3, name="twin")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "x", "update_bond": vh.raw_weights}, r"unknown step\(s\) \['update_bond'\]"),
        ({"name": "x", "clip": 3}, "step 'clip' must be callable"),
        ({"name": "yuma3"}, "is a built-in"),
        ({"name": ""}, "non-empty string"),
        ({"name": "x", "base": "yuma4"}, "base must be"),
        ({"name": "x", "base": 7}, "base must be a yuma.Variant"),
    ],
)
def test_variant_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        yuma.variant(**kwargs)


# --------------------------------------------------------------------------------------
# A user's variant runs like a built-in: epoch, simulate, scenarios, sweeps
# --------------------------------------------------------------------------------------


def _inputs(seed: int, square: bool):
    rng = np.random.default_rng(seed)
    n_rows, n_cols = (5, 5) if square else (4, 6)
    w = rng.choice([0.0, 0.25, 0.5, 1.0], size=(n_rows, n_cols))
    stake = rng.integers(0, 5, n_rows).astype(float)
    bonds = rng.choice([0.0, 0.3, 1.0], size=(n_rows, n_cols))
    return w, stake, bonds


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("liquid_alpha", [False, True])
def test_twin_of_a_builtin_gives_the_builtins_epoch(seed, liquid_alpha):
    # Same steps, another object: the step-by-step path, the same results as the fused one.
    w, stake, bonds = _inputs(seed, square=seed % 2 == 0)
    for builtin, twin in ((yuma.YUMA3, vh.YUMA3_TWIN), (yuma.YUMA2, vh.YUMA2_TWIN)):
        params = yuma.YumaParams(liquid_alpha=liquid_alpha, kappa=0.4)
        a = yuma.epoch(w, stake, bonds, params=params, variant=builtin)
        b = yuma.epoch(w, stake, bonds, params=params, variant=twin)
        assert b.variant == twin.name
        assert_results_equal(a, b)


def test_no_penalty_variant_equals_yuma3_with_bonds_penalty_zero():
    w, stake, bonds = _inputs(7, square=False)
    a = yuma.epoch(w, stake, bonds, params=yuma.YumaParams(bonds_penalty=0.0))
    b = yuma.epoch(w, stake, bonds, variant=vh.NO_PENALTY)
    assert_results_equal(a, b)
    c = yuma.epoch(w, stake, bonds)  # with the penalty, something differs
    assert not np.allclose(c.weights_for_bonds, b.weights_for_bonds)


@pytest.mark.parametrize(
    "scenario", ["weight_copier", "yuma3_bonds_reset", "server_side_wta", "miner_churn"]
)
def test_twin_runs_through_simulate_and_scenarios_like_the_builtin(scenario):
    sc = yuma.get_scenario(scenario)
    for builtin, twin in ((yuma.YUMA3, vh.YUMA3_TWIN), (yuma.YUMA2, vh.YUMA2_TWIN)):
        a = yuma.simulate(sc, variant=builtin, epochs=15)
        b = yuma.simulate(sc, variant=twin, epochs=15)
        expected = twin.name + ("+wta" if sc.winner_takes_all else "")
        assert b.variant == expected
        assert_results_equal(a, b, SIM_FIELDS)


def test_run_candidates_matches_run_variants_for_presets():
    sc = yuma.get_scenario("yuma3_kappa_moves_second")  # params hint with liquid alpha
    presets = ["yuma2", "yuma3", "yuma3+la", "yuma2_liquid_alpha_v1"]
    ours = run_candidates(sc, presets)
    theirs = run_variants(sc, presets)
    for name in presets:
        assert ours[name].params == theirs[name].params
        assert_results_equal(ours[name], theirs[name], SIM_FIELDS + ("bonds",))
    # A bare variant runs with liquid alpha off, like the yuma3 preset.
    mixed = run_candidates(sc, ["yuma3", vh.YUMA3_TWIN])
    assert not mixed["yuma3_twin"].params.liquid_alpha
    assert_results_equal(mixed["yuma3"], mixed["yuma3_twin"], SIM_FIELDS)


def test_user_variant_from_a_helper_module_runs_through_sweep_in_processes():
    grid = {"variant": [yuma.YUMA3, vh.NO_PENALTY], "scenario": ["kappa_delayed"]}
    table = sweep(vh.total_dividends, grid, n_workers=2)
    assert table["variant"].tolist() == ["yuma3", "yuma3_no_penalty"]
    for _, row in table.iterrows():
        v = yuma.YUMA3 if row["variant"] == "yuma3" else vh.NO_PENALTY
        here = vh.total_dividends(v, "kappa_delayed")
        assert [row[k] for k in here] == pytest.approx(list(here.values()), abs=1e-12)


# --------------------------------------------------------------------------------------
# Naming candidates
# --------------------------------------------------------------------------------------


def test_resolve_presets_names_and_objects(at_root):
    la = resolve_candidate("yuma3+la")
    assert la.variant is yuma.YUMA3 and la.overrides == {"variant": "yuma3", "liquid_alpha": True}
    assert la.params().liquid_alpha
    v1 = resolve_candidate(yuma.YUMA2_LIQUID_ALPHA_V1)
    assert v1.label == "yuma2_liquid_alpha_v1" and v1.overrides["liquid_alpha"]
    bare = resolve_candidate(vh.NO_PENALTY)
    assert bare.label == "yuma3_no_penalty" and bare.overrides == {}
    on = resolve_candidate(vh.NO_PENALTY, liquid_alpha=True)
    assert on.label == "yuma3_no_penalty+la" and on.params().liquid_alpha
    imported = resolve_candidate("tests.variant_helpers:NO_PENALTY")
    assert imported.label == "yuma3_no_penalty"
    assert imported.variant.weights_for_bonds.__name__ == "raw_weights"
    cand = resolve_candidate("tests.variant_helpers:NO_PENALTY_LA")
    assert cand.label == "yuma3_no_penalty+la" and cand.params().liquid_alpha
    params = resolve_candidate("tests.variant_helpers:PARAMS_PRESET")
    assert params.label == "yuma3+la" and params.params().kappa == 0.6
    by_file = resolve_candidate("tests/variant_helpers.py:YUMA3_TWIN")
    assert by_file.label == "yuma3_twin"
    registered = yuma.register_variant(yuma.variant("registered_for_test"))
    try:
        assert resolve_candidate("registered_for_test").variant is registered
        assert resolve_candidate(registered).params().variant == "registered_for_test"
    finally:
        yuma.VARIANTS.pop("registered_for_test")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("yuma4", "unknown variant 'yuma4'"),
        ("no_such_module_xyz:V", "cannot import module 'no_such_module_xyz'"),
        ("tests.variant_helpers:MISSING", "has no attribute 'MISSING'"),
        ("tests.variant_helpers:NOT_A_VARIANT", "must be a yuma.Variant.*got int"),
        ("tests.variant_helpers:BAD_STEP", "step 'dividends' must be callable"),
        ("tests/no_such_file.py:V", "no file"),
        (":V", "not of the form module:attribute"),
        (3.5, "got float"),
    ],
)
def test_resolve_rejects_bad_candidates(at_root, spec, message):
    with pytest.raises(ValueError, match=message):
        resolve_candidate(spec)


def test_candidate_checks_its_fields():
    with pytest.raises(ValueError, match="not YumaParams fields"):
        Candidate("x", yuma.YUMA3, {"kapa": 0.5})
    with pytest.raises(ValueError, match="label"):
        Candidate("", yuma.YUMA3)


# --------------------------------------------------------------------------------------
# compare(): the Python side
# --------------------------------------------------------------------------------------


def test_compare_yuma3_against_yuma2():
    result = cmp.compare(
        "yuma3", against="yuma2", scenarios=["kappa_delayed", "weight_copier"], epochs=20,
        invariants=["zero_stake_no_dividends", "split_invariance", "bonds_decay"],
        max_examples=30,
    )
    assert result.regressions == ["split_invariance"]
    assert result.fixes == ["zero_stake_no_dividends", "bonds_decay"]
    text = str(result)
    assert "candidate yuma3 against yuma2" in text
    assert "<- new failure" in text and "<- fixed" in text
    assert "new failures of yuma3" in text and "Minimal counterexample" in text
    rows = {r["scenario"]: r for r in result.scenario_rows()}
    assert set(rows) == {"kappa_delayed", "weight_copier"}
    assert np.isfinite(rows["weight_copier"]["yuma3 G"])
    assert np.isnan(rows["kappa_delayed"]["yuma3 G"])
    frame = result.to_frame()
    assert frame["scenario"].tolist() == ["kappa_delayed", "weight_copier"]
    inv = result.invariant_frame()
    assert inv.loc["bonds_decay", "yuma2"] == "FAILS frozen_bonds"


def test_progress_counts_each_check_and_scenario_and_changes_nothing(capsys):
    from yuma.testing import check_variant

    kwargs = {"scenarios": ["kappa_delayed", "cabal"], "epochs": 4,
              "invariants": ["emission_conserved", "bonds_decay"], "max_examples": 5}
    quiet = cmp.compare("yuma3", against="yuma2", **kwargs)
    assert capsys.readouterr().err == ""
    loud = cmp.compare("yuma3", against="yuma2", progress=True, **kwargs)
    err = capsys.readouterr().err
    assert "4/4 checks" in err and "2/2 scenarios" in err
    assert str(loud) == str(quiet)
    # One invariant at a time gives the report of all at once.
    whole = check_variant("yuma2", kwargs["invariants"], max_examples=5)
    assert [(r.name, r.held, r.kind) for r in loud.reports["yuma2"].results] == [
        (r.name, r.held, r.kind) for r in whole.results
    ]
    with pytest.raises(ValueError, match="unknown invariant 'nope'"):
        cmp.compare("yuma3", against="yuma2", invariants=["nope"], simulate=False)


def test_compare_rejects_same_labels_and_crashing_candidates():
    with pytest.raises(ValueError, match="both labelled 'yuma3'"):
        cmp.compare("yuma3", "yuma3", check=False)
    with pytest.raises(ValueError, match="fails on a small epoch: RuntimeError: boom"):
        cmp.compare(vh.CRASHES, check=False, scenarios=["kappa_delayed"])


# --------------------------------------------------------------------------------------
# The command line: yuma compare
# --------------------------------------------------------------------------------------


def cli(argv: list[str]) -> int:
    """``yuma compare ...`` through the ``yuma`` command."""
    from yuma.cli import commands as yuma_cli

    return yuma_cli.main(argv)


QUICK = ["--max-examples", "5", "--invariant", "emission_conserved",
         "--invariant", "bonds_decay"]


def test_cli_twin_against_builtin_is_identical(at_root, capsys):
    rc = cli(["compare", "tests.variant_helpers:YUMA3_TWIN", "--against", "yuma3",
              "--scenario", "kappa_delayed", "--scenario", "weight_copier", *QUICK])
    out = capsys.readouterr().out
    assert rc == 0
    assert "candidate yuma3_twin against yuma3" in out
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.strip()}
    for name in ("kappa_delayed", "weight_copier"):
        assert lines[name].endswith("0.0000")  # max |dD| = 0: same dividends
    assert "emission_conserved" in lines and "bonds_decay" in lines
    assert "yuma3_twin: 2/2 hold; yuma3: 2/2" in out


def test_cli_presets_liquid_alpha_and_plots(at_root, tmp_path, capsys):
    folder = tmp_path / "figs"
    rc = cli(["compare", "tests.variant_helpers:NO_PENALTY", "--liquid-alpha",
              "--against", "yuma3+la", "--scenario", "kappa_delayed", "--epochs", "10",
              "--no-invariants", "--plot", str(folder)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "candidate yuma3_no_penalty+la against yuma3+la" in out
    assert "invariants (" not in out
    assert (folder / "kappa_delayed.png").stat().st_size > 0
    assert "1 figures written" in out


def test_cli_strict_exits_1_on_a_regression(capsys):
    argv = ["compare", "yuma3", "--against", "yuma2", "--no-scenarios",
            "--invariant", "split_invariance", "--max-examples", "30"]
    assert cli(argv) == 0
    assert cli([*argv, "--strict"]) == 1
    err = capsys.readouterr().err
    assert "fails ['split_invariance'] that yuma2 holds" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["yuma4"], "unknown variant 'yuma4'"),
        (["no_such_module_xyz:V"], "cannot import module"),
        (["tests.variant_helpers:MISSING"], "has no attribute 'MISSING'"),
        (["tests.variant_helpers:NOT_A_VARIANT"], "must be a yuma.Variant"),
        (["tests.variant_helpers:BAD_STEP"], "step 'dividends' must be callable"),
        (["tests.variant_helpers:CRASHES"], "fails on a small epoch: RuntimeError: boom"),
        (["yuma3", "--against", "nope"], "unknown variant 'nope'"),
        (["yuma3"], "both labelled 'yuma3'"),
        (["yuma2", "--scenario", "no_such"], "unknown scenario 'no_such'"),
        (["yuma2", "--epochs", "0"], "--epochs must be >= 1"),
        (["yuma2", "--max-examples", "0"], "--max-examples must be >= 1"),
        (["yuma2", "--invariant", "nope"], "unknown invariant 'nope'"),
        (["yuma2", "--no-invariants", "--no-scenarios"], "nothing to compare"),
        (["yuma2", "--no-scenarios", "--plot", "x"], "drop --no-scenarios"),
    ],
)
def test_cli_bad_inputs_exit_2(at_root, capsys, argv, message):
    assert cli(["compare", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("yuma compare: error: ")
    assert message in err


def test_cli_plot_path_that_is_a_file_exits_2(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert cli(["compare", "yuma2", "--no-invariants", "--plot", str(target)]) == 2
    assert "is not a folder" in capsys.readouterr().err

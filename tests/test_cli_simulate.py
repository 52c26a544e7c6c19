"""``yuma scenarios``, ``yuma simulate`` and :mod:`yuma.plot`."""

from pathlib import Path

import numpy as np
import pytest

import yuma
from yuma.cli.commands import main
from yuma.sim import metrics
from yuma.sim.plot import VARIANT_PRESETS, plot_simulations, preset_params, run_variants

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_scenarios_lists_the_catalogue(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == yuma.list_scenarios()


def test_simulate_prints_shares_and_copier_ratio(capsys):
    assert main(["simulate", "weight_copier", "--variant", "yuma3", "--epochs", "12"]) == 0
    out = capsys.readouterr().out
    sim = yuma.simulate(
        yuma.get_scenario("weight_copier"),
        preset_params("yuma3", yuma.get_scenario("weight_copier").params),
        epochs=12,
    )
    assert f"yuma3: {metrics.copier_ratio(sim):.4f}" in out
    paid = sim.dividends.sum(axis=0)
    rows = [line.split() for line in out.splitlines() if line[:3].strip().isdigit()]
    assert len(rows) == 4
    for uid, _role, share, _ in rows:
        assert float(share) == pytest.approx(paid[int(uid)] / paid.sum(), abs=1e-4)
    assert rows[3][1] == "copier"


def test_simulate_writes_a_figure(tmp_path, capsys):
    out = tmp_path / "fig.png"
    assert main(["simulate", "kappa_delayed", "--epochs", "15", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", "no_such_scenario"], "name must be one of"),
        (["simulate", "cabal", "--variant", "yuma4"], "unknown variant"),
        (["simulate", "cabal", "--epochs", "0"], "epochs must be"),
        (["simulate", "cabal", "--plot", "out.txt"], "--plot must name"),
    ],
)
def test_simulate_bad_arguments(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert not any(tmp_path.iterdir())


def test_progress_bar_goes_to_stderr_only(capsys):
    assert main(["simulate", "cabal", "--variant", "yuma3", "--no-progress"]) == 0
    quiet = capsys.readouterr()
    assert main(["simulate", "cabal", "--variant", "yuma3", "--progress"]) == 0
    loud = capsys.readouterr()
    assert loud.out == quiet.out and quiet.err == "" and loud.err != ""


def test_presets_and_run_variants():
    scenario = yuma.get_scenario("yuma3_kappa_moves_first")
    sims = run_variants(scenario, ["yuma2", "yuma3+la"])
    assert list(sims) == ["yuma2", "yuma3+la"]
    assert sims["yuma3+la"].params.liquid_alpha and sims["yuma2"].variant == "yuma2"
    direct = yuma.simulate(scenario, preset_params("yuma3+la", scenario.params))
    np.testing.assert_array_equal(sims["yuma3+la"].dividends, direct.dividends)
    assert set(VARIANT_PRESETS) >= {"yuma2", "yuma3", "yuma3+la"}
    with pytest.raises(ValueError, match="variant must be one of"):
        preset_params("yuma9")


def test_plot_simulations_layout_and_errors():
    scenario = yuma.get_scenario("yuma2_frozen_bonds")
    sims = run_variants(scenario, ["yuma2", "yuma3"], epochs=12)
    fig = plot_simulations(sims, fields=("dividends", "bonds"))
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes[:2]] == ["yuma2", "yuma3"]
    with pytest.raises(ValueError, match="keep=\\('bonds',\\)"):
        plot_simulations({"x": yuma.simulate(scenario, epochs=3)}, fields=("bonds",))
    with pytest.raises(ValueError, match="fields must be among"):
        plot_simulations(sims, fields=("stake",))
    with pytest.raises(ValueError, match="at least one"):
        plot_simulations({})
    import matplotlib.pyplot as plt

    plt.close("all")


def test_simulate_takes_a_user_variant_as_module_attribute(monkeypatch, capsys):
    # A variant equal to Yuma 3, given as module:attribute, prints what the preset prints.
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    assert main(["simulate", "kappa_delayed", "--epochs", "12", "--variant", "yuma3"]) == 0
    builtin = capsys.readouterr().out
    args = ["simulate", "kappa_delayed", "--epochs", "12", "--variant",
            "tests.variant_helpers:YUMA3_TWIN"]
    assert main(args) == 0
    user = capsys.readouterr().out
    rows = [line.split()[2:] for line in builtin.splitlines() if line[:3].strip().isdigit()]
    rows_user = [line.split()[2:] for line in user.splitlines() if line[:3].strip().isdigit()]
    assert rows and rows == rows_user

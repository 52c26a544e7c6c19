"""Figures of simulations: roles in the labels, nothing dropped unseen, one y scale per row."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

import yuma  # noqa: E402
from yuma.sim import metrics  # noqa: E402
from yuma.sim.plot import plot_simulations, run_variants  # noqa: E402


@pytest.fixture(scope="module")
def copier_sims():
    return run_variants(yuma.get_scenario("weight_copier"), ["yuma2", "yuma3"], epochs=15)


@pytest.fixture(scope="module")
def cabal_sims():
    return run_variants(yuma.get_scenario("cabal"), ["yuma2", "yuma3"], epochs=25)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def lines_by_label(ax) -> dict[str, np.ndarray]:
    return {line.get_label(): np.asarray(line.get_ydata()) for line in ax.get_lines()}


def test_lines_are_named_by_role_rectangular(copier_sims):
    fig = plot_simulations(copier_sims, ("dividends", "incentive"))
    axes = np.array(fig.axes).reshape(2, 2)
    sim = copier_sims["yuma3"]
    assert legend_texts(axes[0, 1]) == ["validator 0", "validator 1", "validator 2", "copier 3"]
    assert legend_texts(axes[1, 1]) == [f"miner {u}" for u in range(4, 9)]
    for c, label in enumerate(copier_sims):
        dividends, incentive = lines_by_label(axes[0, c]), lines_by_label(axes[1, c])
        np.testing.assert_array_equal(dividends["copier 3"], copier_sims[label].dividends[:, 3])
        np.testing.assert_array_equal(incentive["miner 6"], copier_sims[label].incentive[:, 2])
    assert sim.roles[3] == "copier"


def test_square_form_names_each_uid_once(cabal_sims):
    sim = cabal_sims["yuma3"]
    assert sim.square
    fig = plot_simulations(cabal_sims, ("dividends", "incentive"), max_lines=20)
    axes = np.array(fig.axes).reshape(2, 2)
    validators = legend_texts(axes[0, 1])
    miners = legend_texts(axes[1, 1])
    assert validators == [f"validator {u}" for u in metrics.validator_rows(sim)]
    assert all(t.startswith("miner ") for t in miners)
    assert not {t.split()[1] for t in validators} & {t.split()[1] for t in miners}


def test_series_beyond_max_lines_are_summed_and_counted(copier_sims):
    fig = plot_simulations(copier_sims, ("dividends",), max_lines=3)
    axes = fig.axes
    for ax, sim in zip(axes, copier_sims.values(), strict=True):
        drawn = lines_by_label(ax)
        assert len(drawn) == 3
        others = [k for k in drawn if k.startswith("other ")]
        assert others == ["other 2 validators (sum)"]
        named = [int(k.split()[1]) for k in drawn if not k.startswith("other ")]
        rest = sorted(set(range(4)) - set(named))
        np.testing.assert_allclose(drawn[others[0]], sim.dividends[:, rest].sum(axis=1))
    # The same two validators are drawn by name in every column (the largest peaks).
    assert legend_texts(axes[-1])[:2] == [k for k in lines_by_label(axes[0]) if "other" not in k]
    peaks = np.max([s.dividends.max(axis=0) for s in copier_sims.values()], axis=0)
    expected = sorted(np.argsort(-peaks, kind="stable")[:2])
    assert legend_texts(axes[-1])[:2] == [
        f"{copier_sims['yuma2'].roles[u]} {u}" for u in expected
    ]


def test_bonds_beyond_max_lines_are_a_band(copier_sims):
    fig = plot_simulations(copier_sims, ("bonds",), max_lines=4)
    for ax, sim in zip(fig.axes, copier_sims.values(), strict=True):
        n_bonds = int(np.any(sim.bonds != 0, axis=0).sum())
        texts = legend_texts(fig.axes[-1])
        assert texts[-1] == f"other {n_bonds - 3} bonds (range)"
        assert len(ax.get_lines()) == 3
        assert any(isinstance(c, PolyCollection) for c in ax.collections)
        assert all("->" in t for t in texts[:-1])


def test_rows_share_one_y_scale_that_holds_every_column(copier_sims):
    fig = plot_simulations(copier_sims)
    axes = np.array(fig.axes).reshape(3, 2)
    fields = ("dividends", "incentive", "bonds")
    for r, field in enumerate(fields):
        limits = {axes[r, c].get_ylim() for c in range(2)}
        assert len(limits) == 1, field
        low, high = limits.pop()
        for sim in copier_sims.values():
            values = getattr(sim, field)
            assert low <= values.min() and values.max() <= high, field
        unit = axes[r, 0].get_ylabel()
        assert unit.startswith(field) and "(" in unit
    assert all(axes[-1, c].get_xlabel() == "epoch" for c in range(2))
    assert "share of the epoch's dividends" in axes[0, 0].get_ylabel()


def test_colours_do_not_repeat_and_follow_the_series(copier_sims):
    fig = plot_simulations(copier_sims, ("bonds",), max_lines=20)
    first, second = fig.axes
    styles = [(tuple(line.get_color()), line.get_linestyle()) for line in first.get_lines()]
    assert len(styles) == len(set(styles)) >= 11
    colors = [tuple(line.get_color()) for line in first.get_lines()]
    assert len(colors) == len(set(colors))
    in_second = {line.get_label(): tuple(line.get_color()) for line in second.get_lines()}
    for line in first.get_lines():
        if line.get_label() in in_second:
            assert in_second[line.get_label()] == tuple(line.get_color())


def test_draws_on_given_axes_and_returns_their_figure(copier_sims):
    fig, axes = plt.subplots(2, 2)
    assert plot_simulations(copier_sims, ("dividends", "incentive"), ax=axes) is fig
    assert [ax.get_title() for ax in axes[0]] == ["yuma2", "yuma3"]
    one = {"yuma3": copier_sims["yuma3"]}
    fig2, ax = plt.subplots()
    assert plot_simulations(one, ("dividends",), ax=ax) is fig2
    fig3, row = plt.subplots(1, 2)
    assert plot_simulations(copier_sims, ("incentive",), ax=row) is fig3
    with pytest.raises(ValueError, match="ax must hold 2 x 2 axes"):
        plot_simulations(copier_sims, ("dividends", "incentive"), ax=row)
    with pytest.raises(ValueError, match="max_lines"):
        plot_simulations(copier_sims, max_lines=1)

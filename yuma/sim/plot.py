"""Figures of simulations: dividends, incentive and bonds over epochs, variants side by side.

Needs matplotlib (``pip install "yuma-consensus[plot]"``); nothing else in :mod:`yuma`
imports it.

Each series is named by its UID's role (``validator 0``, ``copier 3``, ``miner 5``, a bond
``validator 0 -> miner 5``) and keeps its colour in every column. A panel draws at most
``max_lines`` series: the largest ones one by one, and the rest together, labelled with how
many they are (shares as their sum, bonds as the band they span): nothing is dropped
unseen. The columns of one row share their y axis, so variants compare at a glance.

>>> import yuma; from yuma.sim import plot                   # doctest: +SKIP
>>> sims = plot.run_variants(yuma.get_scenario("kappa_delayed"))
>>> fig = plot.plot_simulations(sims)
>>> fig.savefig("kappa_delayed.png")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._extras import import_optional
from ..core.presets import VARIANT_PRESETS, preset_params
from .scenarios import Scenario
from .simulation import Simulation, simulate

__all__ = ["VARIANT_PRESETS", "preset_params", "run_variants", "plot_simulations"]

_FIELDS = {
    "dividends": "share of the epoch's dividends",
    "incentive": "share of the epoch's incentive",
    "bonds": "stored bond, 0 to 1",
}
"""Field -> the unit of its y axis."""

_NOUNS = {"dividends": "validators", "incentive": "miners", "bonds": "bonds"}

_LINESTYLES = ("-", "--", ":", "-.")


def run_variants(
    scenario: Scenario,
    variants=("yuma2", "yuma3", "yuma3+la"),
    *,
    epochs: int | None = None,
    progress: bool = False,
) -> dict[str, Simulation]:
    """Simulate one scenario under several variant presets, keeping the bonds.

    Parameters
    ----------
    scenario : Scenario
        What to run (its ``params``, if any, are the base of every preset).
    variants : sequence of str
        Keys of :data:`VARIANT_PRESETS`.
    epochs : int, optional
        Number of epochs (default: all).
    progress : bool
        Progress bar on stderr.

    Returns
    -------
    dict of str to Simulation
        By preset name, in the order given.
    """
    return {
        name: simulate(
            scenario,
            preset_params(name, scenario.params),
            epochs=epochs,
            keep=("bonds",),
            progress=progress,
        )
        for name in variants
    }


@dataclass(frozen=True)
class _Series:
    """One line: a key that is the same in every column, its label and its values."""

    key: tuple[int, ...]
    label: str
    values: np.ndarray


def _uid_label(sim: Simulation, uid: int) -> str:
    return f"{sim.roles[uid]} {uid}"


def _series(sim: Simulation, field: str) -> list[_Series]:
    """The series of one field in one simulation, by UID.

    Dividends: every validator (or copier) row, and any other row paid dividends.
    Incentive: every miner column, and any other column paid incentive (in the square
    form a UID is a validator or a miner, never both). Bonds: every bond that is not
    zero in all epochs.
    """
    offset = 0 if sim.square else sim.n_rows
    if field == "dividends":
        return [
            _Series((i,), _uid_label(sim, i), sim.dividends[:, i])
            for i in range(sim.n_rows)
            if sim.roles[i] != "miner" or np.any(sim.dividends[:, i] != 0.0)
        ]
    if field == "incentive":
        return [
            _Series((offset + j,), _uid_label(sim, offset + j), sim.incentive[:, j])
            for j in range(sim.n_cols)
            if sim.roles[offset + j] == "miner" or np.any(sim.incentive[:, j] != 0.0)
        ]
    if sim.bonds is None:
        raise ValueError("plotting bonds needs simulate(..., keep=('bonds',))")
    rows, cols = np.nonzero(np.any(sim.bonds != 0.0, axis=0))
    return [
        _Series(
            (int(i), offset + int(j)),
            f"{_uid_label(sim, int(i))} -> {_uid_label(sim, offset + int(j))}",
            sim.bonds[:, i, j],
        )
        for i, j in zip(rows, cols, strict=True)
    ]


def _choose(per_sim: list[list[_Series]], max_lines: int) -> tuple[list[tuple[int, ...]], int]:
    """The keys drawn one by one (the largest peaks over all columns) and how many are summed.

    Returns the drawn keys in key (UID) order, and the number of other keys.
    """
    peak: dict[tuple[int, ...], float] = {}
    for series in per_sim:
        for s in series:
            top = float(np.max(np.abs(s.values))) if s.values.size else 0.0
            peak[s.key] = max(peak.get(s.key, 0.0), top)
    keys = sorted(peak)
    if len(keys) <= max_lines:
        return keys, 0
    ranked = sorted(keys, key=lambda k: (-peak[k], k))
    shown = sorted(ranked[: max_lines - 1])
    return shown, len(keys) - len(shown)


def _style(index: int, plt) -> dict:
    """Colour and line style of the index-th drawn series; no two of the first 40 alike.

    The first ten take tab10's colours, solid; the next ten their light twins (tab20),
    dashed; then the same with dotted and dash-dot lines.
    """
    cmap = plt.get_cmap("tab20")
    round_, k = divmod(index, 10)
    return {
        "color": cmap(2 * k + round_ % 2),
        "linestyle": _LINESTYLES[round_ % len(_LINESTYLES)],
    }


def _axes_grid(ax, n_rows: int, n_cols: int, plt):
    """The axes to draw on: ``ax`` checked against the grid's shape, or a new figure."""
    if ax is None:
        fig, axes = plt.subplots(
            n_rows,
            n_cols,
            figsize=(4.2 * n_cols + 1.6, 2.7 * n_rows),
            sharex=True,
            sharey="row",
            squeeze=False,
            constrained_layout=True,
        )
        return fig, axes
    axes = np.asarray(ax, dtype=object)
    if axes.size == n_rows * n_cols and (axes.ndim < 2 or 1 in (n_rows, n_cols)):
        axes = axes.reshape(n_rows, n_cols)
    if axes.shape != (n_rows, n_cols):
        raise ValueError(
            f"ax must hold {n_rows} x {n_cols} axes (fields x simulations), "
            f"got shape {axes.shape}"
        )
    return axes[0, 0].figure, axes


def plot_simulations(
    sims: dict[str, Simulation],
    fields: Sequence[str] = ("dividends", "incentive", "bonds"),
    *,
    title: str | None = None,
    max_lines: int = 10,
    ax=None,
):
    """One column per simulation (variant), one row per field, one y scale per row.

    Parameters
    ----------
    sims : dict of str to Simulation
        Simulations by label (e.g. from :func:`run_variants`), usually of one scenario.
    fields : sequence of str
        Among ``"dividends"`` (per validator, as a share of the epoch's dividends),
        ``"incentive"`` (per miner, as a share of the epoch's incentive) and ``"bonds"``
        (each stored bond that is ever non-zero; needs ``keep=("bonds",)``).
    title : str, optional
        Figure title (default: the scenario's name).
    max_lines : int
        Most series per panel (at least 2): beyond it, the ``max_lines - 1`` series with
        the highest peaks are drawn one by one, and the rest together: validators' or
        miners' shares as their sum (``other k validators (sum)``), bonds as the band
        from the smallest to the largest (``other k bonds (range)``).
    ax : array of matplotlib.axes.Axes, optional
        Where to draw: ``len(fields) x len(sims)`` axes (a flat sequence when one of the
        two is 1, or one Axes for one panel). Default: a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    ValueError
        For no simulations, an unknown field, bonds not kept, a bad ``max_lines`` or
        axes of the wrong shape.
    """
    plt = import_optional("matplotlib.pyplot", "yuma.sim.plot", extra="plot")
    if not sims:
        raise ValueError("sims must hold at least one Simulation")
    fields = tuple(fields)
    for name in fields:
        if name not in _FIELDS:
            raise ValueError(f"fields must be among {sorted(_FIELDS)}, got {name!r}")
    if isinstance(max_lines, bool) or not isinstance(max_lines, int) or max_lines < 2:
        raise ValueError(f"max_lines must be an integer >= 2, got {max_lines!r}")
    labels = list(sims)
    per_field = {field: [_series(sims[label], field) for label in labels] for field in fields}
    fig, axes = _axes_grid(ax, len(fields), len(labels), plt)
    for r, field in enumerate(fields):
        n_epochs = [sims[label].n_epochs for label in labels]
        _draw_row(axes[r], field, per_field[field], n_epochs, max_lines, plt)
    for c, label in enumerate(labels):
        axes[0, c].set_title(label)
        axes[-1, c].set_xlabel("epoch")
    fig.suptitle(title or next(iter(sims.values())).scenario)
    return fig


def _draw_row(row_axes, field: str, per_sim, n_epochs: list[int], max_lines: int, plt) -> None:
    """One field across the simulations: same series, colours and y limits per column."""
    shown, n_other = _choose(per_sim, max_lines)
    index = {key: k for k, key in enumerate(shown)}
    drawn: dict[tuple[int, ...], tuple[str, object]] = {}
    # Shares add up, so the rest of the validators or miners is drawn as its sum; bonds
    # are drawn as the band between the smallest and the largest of the rest.
    as_band = field == "bonds"
    other_text = f"other {n_other} {_NOUNS[field]} ({'range' if as_band else 'sum'})"
    other_line = None
    low, high = 0.0, 0.0
    for ax, series, n in zip(row_axes, per_sim, n_epochs, strict=True):
        rest = [s.values for s in series if s.key not in index] or [np.zeros(n)]
        for s in series:
            if s.key not in index:
                continue
            (line,) = ax.plot(s.values, label=s.label, lw=1.4,
                              **_style(index[s.key], plt))
            drawn.setdefault(s.key, (s.label, line))
            low, high = min(low, float(s.values.min())), max(high, float(s.values.max()))
        if n_other and as_band:
            bottom, top = np.min(rest, axis=0), np.max(rest, axis=0)
            band = ax.fill_between(np.arange(n), bottom, top, color="0.6", alpha=0.35, lw=0,
                                   label=other_text)
            other_line = other_line or band
            low, high = min(low, float(bottom.min())), max(high, float(top.max()))
        elif n_other:
            total = np.sum(rest, axis=0)
            (line,) = ax.plot(total, color="0.45", lw=1.2, linestyle="--", label=other_text)
            other_line = other_line or line
            low, high = min(low, float(total.min())), max(high, float(total.max()))
        ax.grid(alpha=0.3)
    pad = 0.05 * (high - low) or 0.05
    for ax in row_axes:
        ax.set_ylim(low - (pad if low < 0 else 0.0), high + pad)
    row_axes[0].set_ylabel(f"{field}\n({_FIELDS[field]})")
    entries = [drawn[key] for key in shown if key in drawn]
    if other_line is not None:
        entries.append((other_text, other_line))
    if entries:
        row_axes[-1].legend(
            [line for _, line in entries], [text for text, _ in entries], fontsize=7,
            loc="center left", bbox_to_anchor=(1.0, 0.5),
        )

"""Figures of simulations: dividends, incentive and bonds over epochs, variants side by side.

Needs matplotlib (``pip install "yuma[plot]"``); nothing else in :mod:`yuma` imports it.

>>> import yuma; from yuma.sim import plot                   # doctest: +SKIP
>>> sims = plot.run_variants(yuma.get_scenario("kappa_delayed"))
>>> fig = plot.plot_simulations(sims)
>>> fig.savefig("kappa_delayed.png")
"""

from __future__ import annotations

import numpy as np

from ..core.presets import VARIANT_PRESETS, preset_params
from .scenarios import Scenario
from .simulation import Simulation, simulate

__all__ = ["VARIANT_PRESETS", "preset_params", "run_variants", "plot_simulations"]

_FIELDS = {
    "dividends": ("dividends", "validator"),
    "incentive": ("incentive", "miner"),
    "bonds": ("bonds", "validator"),
}


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


def _lines(sim: Simulation, field: str) -> tuple[np.ndarray, list[str]]:
    """Series to draw for one field: (epochs x k) values and k labels."""
    if field == "dividends":
        return sim.dividends, [f"validator {u}" for u in range(sim.n_rows)]
    if field == "incentive":
        offset = 0 if sim.square else sim.n_rows
        return sim.incentive, [f"miner {offset + j}" for j in range(sim.n_cols)]
    if field == "bonds":
        if sim.bonds is None:
            raise ValueError("plotting bonds needs simulate(..., keep=('bonds',))")
        offset = 0 if sim.square else sim.n_rows
        values, labels = [], []
        for i in range(sim.n_rows):
            for j in range(sim.n_cols):
                series = sim.bonds[:, i, j]
                if np.any(series != 0.0):
                    values.append(series)
                    labels.append(f"B[{i}, {offset + j}]")
        if not values:
            return np.zeros((sim.n_epochs, 0)), []
        return np.stack(values, axis=1), labels
    raise ValueError(f"field must be one of {sorted(_FIELDS)}, got {field!r}")


def plot_simulations(
    sims: dict[str, Simulation],
    fields=("dividends", "incentive", "bonds"),
    *,
    title: str | None = None,
    max_lines: int = 12,
):
    """One column per simulation (variant), one row per field, shared y axes per row.

    Parameters
    ----------
    sims : dict of str to Simulation
        Simulations by label (e.g. from :func:`run_variants`).
    fields : sequence of str
        Among ``"dividends"`` (per validator), ``"incentive"`` (per miner) and
        ``"bonds"`` (each non-zero stored bond; needs ``keep=("bonds",)``).
    title : str, optional
        Figure title (default: the scenario's name).
    max_lines : int
        Largest number of series drawn per panel (the rest are summarized in the
        legend).

    Returns
    -------
    matplotlib.figure.Figure
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib only
        raise ImportError('yuma.plot needs matplotlib: pip install "yuma[plot]"') from exc
    if not sims:
        raise ValueError("sims must hold at least one Simulation")
    for name in fields:
        if name not in _FIELDS:
            raise ValueError(f"fields must be among {sorted(_FIELDS)}, got {name!r}")
    labels = list(sims)
    fig, axes = plt.subplots(
        len(fields),
        len(labels),
        figsize=(4.2 * len(labels), 2.6 * len(fields)),
        sharex=True,
        sharey="row",
        squeeze=False,
        constrained_layout=True,
    )
    for c, label in enumerate(labels):
        sim = sims[label]
        epochs = np.arange(sim.n_epochs)
        for r, field in enumerate(fields):
            ax = axes[r, c]
            values, names = _lines(sim, field)
            for k in range(min(values.shape[1], max_lines)):
                ax.plot(epochs, values[:, k], label=names[k], lw=1.4)
            if values.shape[1] > max_lines:
                ax.plot([], [], " ", label=f"(+{values.shape[1] - max_lines} more)")
            if r == 0:
                ax.set_title(label)
            if c == 0:
                ax.set_ylabel(field)
            if r == len(fields) - 1:
                ax.set_xlabel("epoch")
            if c == len(labels) - 1 and names:
                ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
            ax.grid(alpha=0.3)
    fig.suptitle(title or next(iter(sims.values())).scenario)
    return fig

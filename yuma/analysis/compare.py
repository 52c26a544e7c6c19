r"""Validating a consensus change: define a candidate, check it, compare it with a baseline.

A change to Yuma is a :class:`yuma.Variant` (the steps that differ) plus, optionally, the
hyperparameters it fixes. This module gives the three pieces of the workflow:

1. **Define**: :func:`variant` builds a variant from a base with some steps swapped
   (``yuma.variant("no_penalty", base=yuma.YUMA3, weights_for_bonds=my_rule)``), checking
   the step names and that each is callable. It is ``dataclasses.replace`` with checks:
   the result is an ordinary :class:`yuma.Variant`, accepted wherever a built-in is
   (:func:`yuma.epoch`, :func:`yuma.simulate`, :func:`yuma.analysis.sweep.sweep` grids, ``yuma
   compare``).
2. **Check**: :func:`yuma.testing.check_variant` runs the invariant catalogue
   (:mod:`yuma.testing.invariants`) on it with Hypothesis.
3. **Compare**: :func:`compare` (and ``yuma compare CANDIDATE --against yuma3``) runs the
   invariants and the scenario catalogue on the candidate and on a baseline, side by side.

Variants and presets
    A *variant* is code: which step functions run. A *preset* is a variant plus the
    hyperparameters it fixes: ``"yuma3+la"`` is :data:`yuma.YUMA3` with
    ``liquid_alpha=True``, not a variant of its own (:data:`yuma.sim.plot.VARIANT_PRESETS`).
    :class:`Candidate` is the general form: a label, a :class:`yuma.Variant` and the
    :class:`yuma.YumaParams` fields it sets on top of whatever hyperparameters a run
    starts from (a scenario's hint, or ``YumaParams()``). Every preset is a candidate;
    a bare variant is a candidate that fixes nothing, except that :func:`compare` runs
    it with liquid alpha off unless told otherwise (as the ``yuma3`` preset does), so
    that a candidate and its baseline see the same hyperparameters.

Naming a candidate (:func:`resolve_candidate`, and the command line)
    * a preset: ``yuma2``, ``yuma3``, ``yuma3+la``, ``yuma2_liquid_alpha_v1``;
    * a registered variant's name (:func:`yuma.register_variant`);
    * ``module:attribute`` (``mypkg.variants:NO_PENALTY``; dotted attributes allowed) or
      ``path/to/file.py:attribute``, naming a :class:`yuma.Variant`, a :class:`Candidate`
      or a :class:`yuma.YumaParams` (a preset written as parameters). The current
      directory is importable, as with ``python -m``.

Example
-------
>>> import numpy as np, yuma
>>> def raw_weights(weights, clipped_weights, bonds_penalty):
...     return weights                      # bonds from unclipped weights: no penalty
>>> mine = yuma.variant("yuma3_no_penalty", base=yuma.YUMA3, weights_for_bonds=raw_weights)
>>> r = yuma.epoch(np.array([[0.5, 0.5], [0.9, 0.1]]), np.array([3.0, 1.0]), variant=mine)
>>> r.variant
'yuma3_no_penalty'
"""

from __future__ import annotations

import dataclasses
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._extras import import_optional
from .._progress import Progress
from .._table import format_table
from .._validation import is_integer
from ..core.presets import Candidate, resolve_candidate, smoke_test
from ..core.variants import (
    STEP_NAMES,
    validate_variant,
    variant,
)
from ..params import YumaParams

if TYPE_CHECKING:
    import pandas as pd

    from ..sim.simulation import Simulation
    from ..testing.check import InvariantResult, VariantReport

__all__ = [
    "STEP_NAMES",
    "Candidate",
    "Comparison",
    "variant",
    "validate_variant",
    "resolve_candidate",
    "smoke_test",
    "run_candidates",
    "run_scenarios",
    "compare",
]

def _scenario_names(scenarios: Sequence[str] | str | None) -> list[str]:
    from ..sim.scenarios import CATALOGUE

    if scenarios is None:
        return list(CATALOGUE)
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    names = []
    for name in scenarios:
        if not isinstance(name, str) or name not in CATALOGUE:
            raise ValueError(f"unknown scenario {name!r}; see `yuma scenarios`")
        names.append(name)
    return names


def run_candidates(
    scenario: Any,
    candidates: Sequence[Any],
    *,
    epochs: int | None = None,
    keep_bonds: bool = True,
    progress: bool = False,
) -> dict[str, Any]:
    """Simulate one scenario under several candidates (what ``yuma simulate`` runs).

    Each run starts from the scenario's hyperparameter hint (or ``YumaParams()``) with
    liquid alpha off, then applies the candidate's overrides (:meth:`Candidate.params`):
    presets run exactly as :func:`yuma.sim.plot.run_variants` runs them, and a bare variant
    runs with liquid alpha off, like the ``yuma3`` preset.

    Parameters
    ----------
    scenario : Scenario or str
        A :class:`yuma.Scenario` or a catalogue name.
    candidates : sequence
        Candidates as :func:`resolve_candidate` takes them (names, ``module:attribute``,
        Variants, ...); their labels must differ.
    epochs : int, optional
        Run only the first ``epochs`` epochs (default: all; more than the scenario has
        is an error, as in :func:`yuma.simulate`).
    keep_bonds : bool
        Keep the bonds of every epoch (needed by :func:`yuma.sim.plot.plot_simulations`).
    progress : bool
        Progress bar on stderr.

    Returns
    -------
    dict of str to Simulation
        By candidate label, in the order given.

    Raises
    ------
    ValueError
        For an unknown scenario or candidate, duplicate labels, or bad ``epochs``.
    """
    from ..sim.scenarios import Scenario, get_scenario
    from ..sim.simulation import simulate

    sc = get_scenario(scenario) if isinstance(scenario, str) else scenario
    if not isinstance(sc, Scenario):
        raise ValueError(f"scenario must be a Scenario or a name, got {type(scenario).__name__}")
    cands = [resolve_candidate(c) for c in candidates]
    labels = [c.label for c in cands]
    if len(set(labels)) != len(labels):
        raise ValueError(f"candidates must have different labels, got {labels}")
    base = dataclasses.replace(sc.params or YumaParams(), liquid_alpha=False)
    return {
        c.label: simulate(
            sc, c.params(base), variant=c.variant, epochs=epochs,
            keep=("bonds",) if keep_bonds else (), progress=progress,
        )
        for c in cands
    }


def run_scenarios(
    candidates: Sequence[Any],
    scenarios: Sequence[str] | str | None = None,
    *,
    epochs: int | None = None,
    keep_bonds: bool = False,
    progress: bool = False,
) -> dict[str, dict[str, Any]]:
    """Simulate catalogue scenarios under several candidates (:func:`run_candidates` each).

    Parameters
    ----------
    candidates : sequence
        Candidates as :func:`resolve_candidate` takes them; labels must differ.
    scenarios : sequence of str or str, optional
        Names from :func:`yuma.list_scenarios` (default: the whole catalogue).
    epochs : int, optional
        Run at most this many epochs of each scenario (default: all).
    keep_bonds : bool
        Keep the bonds of every epoch (for plots).
    progress : bool
        Progress bar on stderr, one step per scenario.

    Returns
    -------
    dict
        ``{scenario: {label: Simulation}}``, in the order given.

    Raises
    ------
    ValueError
        For an unknown scenario or candidate, duplicate labels, or bad ``epochs``.
    """
    from ..sim.scenarios import get_scenario

    cands = [resolve_candidate(c) for c in candidates]
    if epochs is not None and (
        isinstance(epochs, bool) or not is_integer(epochs) or epochs < 1
    ):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    names = _scenario_names(scenarios)
    out = {}
    with Progress(len(names), "scenarios", unit="scenarios", enabled=progress) as bar:
        for name in names:
            sc = get_scenario(name)
            n = None if epochs is None else min(int(epochs), sc.n_epochs)
            out[name] = run_candidates(sc, cands, epochs=n, keep_bonds=keep_bonds)
            bar.update()
    return out


def _dividend_summary(sim: Simulation) -> dict[str, float]:
    from ..sim import metrics

    rows = metrics.validator_rows(sim)
    paid = sim.dividends.sum(axis=0)[rows]
    staked = sim.stake.sum(axis=0)[rows]
    share = paid / paid.sum() if paid.sum() > 0 else paid
    with np.errstate(all="ignore"):
        rel = np.where(staked > 0, share / (staked / staked.sum()), np.nan)
    out = {
        "ds_min": float(np.nanmin(rel)) if np.any(np.isfinite(rel)) else float("nan"),
        "ds_max": float(np.nanmax(rel)) if np.any(np.isfinite(rel)) else float("nan"),
        "g": float("nan"),
    }
    if sim.copiers:
        out["g"] = float(metrics.copier_ratio(sim))
    return out


@dataclass(frozen=True)
class Comparison:
    """A candidate and a baseline, side by side: invariants and scenarios.

    Parameters
    ----------
    candidate, against : Candidate
        What was compared.
    reports : dict
        Label -> :class:`yuma.testing.VariantReport` (empty when invariants were skipped).
    sims : dict
        ``{scenario: {label: Simulation}}`` (empty when scenarios were skipped).
    """

    candidate: Candidate
    against: Candidate
    reports: dict[str, VariantReport]
    sims: dict[str, dict[str, Simulation]]

    @property
    def regressions(self) -> list[str]:
        """Invariants the baseline holds and the candidate fails."""
        if not self.reports:
            return []
        c, b = self.reports[self.candidate.label], self.reports[self.against.label]
        return [r.name for r in c.results if not r.held and b[r.name].held]

    @property
    def fixes(self) -> list[str]:
        """Invariants the baseline fails and the candidate holds."""
        if not self.reports:
            return []
        c, b = self.reports[self.candidate.label], self.reports[self.against.label]
        return [r.name for r in c.results if r.held and not b[r.name].held]

    def scenario_rows(self) -> list[dict[str, Any]]:
        """Per scenario: each label's dividend summary and the largest share difference.

        Returns
        -------
        list of dict
            Keys ``scenario``, ``{label} D/S min``, ``{label} D/S max``, ``{label} G``
            (NaN without a copier) for both labels, and ``max |dD|``: the largest change
            of a validator's share of all dividends over the run.
        """
        return [_scenario_row(name, sims) for name, sims in self.sims.items()]

    def to_frame(self) -> pd.DataFrame:
        """The scenario table (:meth:`scenario_rows`) as a DataFrame.

        Returns
        -------
        pandas.DataFrame
        """
        pd = import_optional("pandas", "Comparison.to_frame", extra="pandas")

        return pd.DataFrame(self.scenario_rows())

    def invariant_frame(self) -> pd.DataFrame:
        """The invariant table: one row per invariant, one column per label.

        Returns
        -------
        pandas.DataFrame
            Cells ``"holds"`` or ``"FAILS <kind>"``.
        """
        pd = import_optional("pandas", "Comparison.invariant_frame", extra="pandas")

        data = {
            label: ["holds" if r.held else f"FAILS {r.kind}" for r in rep.results]
            for label, rep in self.reports.items()
        }
        names = [r.name for r in next(iter(self.reports.values())).results] if data else []
        return pd.DataFrame(data, index=pd.Index(names, name="invariant"))

    def format_invariants(self) -> str:
        """The invariant table as text, regressions and fixes marked.

        Returns
        -------
        str
        """
        if not self.reports:
            return ""
        c, b = self.candidate.label, self.against.label
        return _invariant_table(c, self.reports[c], b, self.reports[b])

    def format_scenarios(self) -> str:
        """The scenario table as text.

        Returns
        -------
        str
        """
        if not self.sims:
            return ""
        return _scenario_table(self.scenario_rows(), self.candidate.label, self.against.label)

    def __str__(self) -> str:
        parts = [f"candidate {self.candidate.label} against {self.against.label}"]
        for text in (self.format_invariants(), self.format_scenarios()):
            if text:
                parts.append(text)
        if self.reports:
            rc = self.reports[self.candidate.label]
            new = [rc[name].explain() for name in self.regressions]
            if new:
                parts.append("new failures of " + self.candidate.label + ":\n\n" + "\n\n".join(new))
        return "\n\n".join(parts)

    def plot(self, folder: str) -> list[str]:
        """Write one figure per scenario (dividends, incentive, bonds; both labels).

        Parameters
        ----------
        folder : str
            Existing or new folder (its parent must exist).

        Returns
        -------
        list of str
            The files written, ``<folder>/<scenario>.png``.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .._outputs import save_figure
        from ..sim.plot import plot_simulations

        os.makedirs(folder, exist_ok=True)
        written = []
        for name, sims in self.sims.items():
            fields = ("dividends", "incentive") + (
                ("bonds",) if all(s.bonds is not None for s in sims.values()) else ()
            )
            fig = plot_simulations(sims, fields, title=f"{name}: {' vs '.join(sims)}")
            path = os.path.join(folder, f"{name}.png")
            save_figure(fig, path, dpi=90)
            plt.close(fig)
            written.append(path)
        return written


def _scenario_row(name: str, sims: dict[str, Simulation]) -> dict[str, Any]:
    """One scenario's row of :meth:`Comparison.scenario_rows` (two labels' simulations)."""
    from ..sim import metrics

    row: dict[str, Any] = {"scenario": name}
    shares = []
    for label, sim in sims.items():
        s = _dividend_summary(sim)
        row[f"{label} D/S min"] = s["ds_min"]
        row[f"{label} D/S max"] = s["ds_max"]
        row[f"{label} G"] = s["g"]
        paid = sim.dividends.sum(axis=0)[metrics.validator_rows(sim)]
        shares.append(paid / paid.sum() if paid.sum() > 0 else paid)
    diff = np.abs(shares[0] - shares[1])
    row["max |dD|"] = float(diff.max()) if diff.size else 0.0
    return row


def _invariant_table(c: str, rc: VariantReport, b: str, rb: VariantReport) -> str:
    """The invariant table of candidate ``c`` (report ``rc``) against ``b`` (``rb``)."""

    def shown(result: InvariantResult) -> str:
        return "holds" if result.held else f"FAILS {result.kind}"

    columns: dict[str, list[str]] = {"invariant": [], c: [], b: [], "": []}
    for r in rc.results:
        other = rb[r.name]
        columns["invariant"].append(r.name)
        columns[c].append(shown(r))
        columns[b].append(shown(other))
        mark = ""
        if not r.held and other.held:
            mark = "<- new failure"
        elif r.held and not other.held:
            mark = "<- fixed"
        columns[""].append(mark)
    title = (
        f"invariants ({rc.max_examples} examples each, seed {rc.seed}"
        f"{', hyperparameters drawn' if rc.vary_params else ''})"
    )
    summary = (
        f"{c}: {len(rc.held)}/{len(rc.results)} hold; {b}: {len(rb.held)}/{len(rb.results)}"
    )
    table = format_table(columns, left=list(columns))
    return "\n".join([title, table, summary])


def _scenario_table(rows: list[dict[str, Any]], c: str, b: str) -> str:
    """The scenario table of candidate ``c`` against ``b``, from the scenario rows."""

    def ds_range(row: dict[str, Any], label: str) -> str:
        lo, hi = row[f"{label} D/S min"], row[f"{label} D/S max"]
        return f"{lo:.2f}-{hi:.2f}" if np.isfinite(lo) else "-"

    columns: dict[str, list[Any]] = {"scenario": [row["scenario"] for row in rows]}
    for label in (c, b):
        columns[f"{label} D/S range"] = [ds_range(row, label) for row in rows]
        columns[f"{label} G"] = [row[f"{label} G"] for row in rows]
    columns["max |dD|"] = [row["max |dD|"] for row in rows]
    formats = {f"{c} G": ".3f", f"{b} G": ".3f", "max |dD|": ".4f"}
    title = (
        "scenarios (D/S: a validator's share of the run's dividends over its stake share; "
        "G: copier ratio, - without a copier; max |dD|: largest change of a validator's "
        "dividend share)"
    )
    table = format_table(columns, formats=formats, left=["scenario"], na="-")
    return textwrap.fill(title, width=88) + "\n" + table


def compare(
    candidate: Any,
    against: Any = "yuma3",
    *,
    scenarios: Sequence[str] | str | None = None,
    epochs: int | None = None,
    invariants: Sequence[str] | None = None,
    check: bool = True,
    simulate: bool = True,
    max_examples: int | None = None,
    seed: int = 0,
    keep_bonds: bool = False,
    progress: bool = False,
) -> Comparison:
    """Run the invariant suite and the scenario catalogue on a candidate and a baseline.

    Parameters
    ----------
    candidate : str, Variant, Candidate or YumaParams
        The change (see :func:`resolve_candidate`).
    against : str, Variant, Candidate or YumaParams
        The baseline (default the ``yuma3`` preset).
    scenarios : sequence of str or str, optional
        Catalogue scenarios (default: all).
    epochs : int, optional
        At most this many epochs per scenario.
    invariants : sequence of str, optional
        Invariants to check (default: all).
    check : bool
        Run the invariants (needs ``hypothesis``).
    simulate : bool
        Run the scenarios.
    max_examples : int, optional
        Examples per invariant (default :data:`yuma.testing.check.DEFAULT_MAX_EXAMPLES`).
    seed : int
        Seed of the invariant checks.
    keep_bonds : bool
        Keep the bonds per epoch (for :meth:`Comparison.plot`).
    progress : bool
        Progress bars on stderr: one step per invariant checked (of either variant), then
        one per scenario run.

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        For a bad candidate, baseline, scenario or argument; or when both carry the
        same label.
    """
    cand = resolve_candidate(candidate)
    base = resolve_candidate(against)
    if cand.label == base.label:
        raise ValueError(f"candidate and baseline are both labelled {cand.label!r}")
    smoke_test(cand)
    smoke_test(base)
    names = _scenario_names(scenarios) if simulate else []
    reports = _check_both(cand, base, invariants, max_examples, seed, progress) if check else {}
    sims = (
        run_scenarios([cand, base], names, epochs=epochs, keep_bonds=keep_bonds,
                      progress=progress)
        if names else {}
    )
    return Comparison(cand, base, reports, sims)


def _check_both(
    cand: Candidate, base: Candidate, invariants: Sequence[str] | str | None,
    max_examples: int | None, seed: int, progress: bool,
) -> dict[str, VariantReport]:
    """The invariant reports of both candidates, one invariant at a time (for the bar).

    Each invariant draws from its own seed (derived from ``seed`` and its name), so
    checking them one at a time gives the same reports as checking them all at once.
    """
    from ..testing.check import DEFAULT_MAX_EXAMPLES, check_variant
    from ..testing.invariants import INVARIANTS

    n = DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples
    chosen: list[Any]  # invariant names, or what the caller gave (check_variant refuses it)
    if invariants is None:
        chosen = list(INVARIANTS)
    elif isinstance(invariants, (list, tuple)):
        chosen = list(invariants)
    else:
        chosen = [invariants]
    for inv in chosen:
        if isinstance(inv, str) and inv not in INVARIANTS:
            raise ValueError(f"unknown invariant {inv!r}; known: {list(INVARIANTS)}")
    reports: dict[str, VariantReport] = {}
    with Progress(2 * len(chosen), "invariants", unit="checks", enabled=progress) as bar:
        for c in (cand, base):
            parts = [check_variant(c, [], max_examples=n, seed=seed)]  # settings, no checks
            for inv in chosen:
                parts.append(check_variant(c, [inv], max_examples=n, seed=seed))
                bar.update()
            reports[c.label] = dataclasses.replace(
                parts[0], results=tuple(r for part in parts for r in part.results)
            )
    return reports

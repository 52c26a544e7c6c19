r"""Validating a consensus change: define a candidate, check it, compare it with a baseline.

A change to Yuma is a :class:`yuma.Variant` (the steps that differ) plus, optionally, the
hyperparameters it fixes. This module gives the three pieces of the workflow:

1. **Define**: :func:`variant` builds a variant from a base with some steps swapped
   (``yuma.variant("no_penalty", base=yuma.YUMA3, weights_for_bonds=my_rule)``), checking
   the step names and that each is callable. It is ``dataclasses.replace`` with checks:
   the result is an ordinary :class:`yuma.Variant`, accepted wherever a built-in is
   (:func:`yuma.epoch`, :func:`yuma.simulate`, :func:`yuma.sweep.sweep` grids, ``yuma
   compare``).
2. **Check**: :func:`yuma.testing.check_variant` runs the invariant catalogue
   (:mod:`yuma.testing.invariants`) on it with Hypothesis.
3. **Compare**: :func:`compare` (and ``yuma compare CANDIDATE --against yuma3``) runs the
   invariants and the scenario catalogue on the candidate and on a baseline, side by side.

Variants and presets
    A *variant* is code: which step functions run. A *preset* is a variant plus the
    hyperparameters it fixes: ``"yuma3+la"`` is :data:`yuma.YUMA3` with
    ``liquid_alpha=True``, not a variant of its own (:data:`yuma.plot.VARIANT_PRESETS`).
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

import argparse
import dataclasses
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .params import YumaParams
from .variants import VARIANTS, YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3, Variant

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
    "add_parser",
    "run",
]

STEP_NAMES = (
    "consensus",
    "clip",
    "weights_for_bonds",
    "load_bonds",
    "update_bonds",
    "store_bonds",
    "dividends",
    "emission_split",
)
"""The step fields of :class:`yuma.Variant`, in chain order."""

_BUILTINS = {v.name: v for v in (YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3)}


def validate_variant(value: Any, what: str = "variant") -> Variant:
    """Check that a value is a usable :class:`yuma.Variant`: a name and callable steps.

    Parameters
    ----------
    value : Any
        The object to check.
    what : str
        How to name it in error messages.

    Returns
    -------
    Variant
        ``value`` itself.

    Raises
    ------
    ValueError
        If it is not a Variant, its name is not a non-empty string, or a step is not
        callable.
    """
    if not isinstance(value, Variant):
        raise ValueError(f"{what} must be a yuma.Variant, got {type(value).__name__}")
    if not isinstance(value.name, str) or not value.name:
        raise ValueError(f"{what}: name must be a non-empty string, got {value.name!r}")
    for step in STEP_NAMES:
        fn = getattr(value, step)
        if not callable(fn):
            raise ValueError(
                f"{what} {value.name!r}: step {step!r} must be callable, got {type(fn).__name__}"
            )
    return value


def variant(name: str, base: Variant | str = YUMA3, **steps: Callable) -> Variant:
    """A new variant: ``base`` with some steps replaced, under a new name.

    ``yuma.variant("mine", base=yuma.YUMA3, update_bonds=f)`` is
    ``dataclasses.replace(yuma.YUMA3, name="mine", update_bonds=f)`` with checks: the step
    names are the fields of :class:`yuma.Variant` (:data:`STEP_NAMES`), each value is
    callable, and the name does not pose as a built-in. The result runs wherever a
    built-in does; its steps have the signatures listed in :mod:`yuma.variants`.

    Parameters
    ----------
    name : str
        Name of the new variant (shown in results and tables).
    base : Variant or str
        The variant whose other steps are kept: a :class:`yuma.Variant` or a registered
        name (default :data:`yuma.YUMA3`).
    **steps : callable
        Replacement steps by field name (``consensus``, ``clip``, ``weights_for_bonds``,
        ``load_bonds``, ``update_bonds``, ``store_bonds``, ``dividends``,
        ``emission_split``).

    Returns
    -------
    Variant

    Raises
    ------
    ValueError
        For an unknown step name, a step that is not callable, an empty name, a name of
        a built-in variant, or an unknown base.

    Examples
    --------
    >>> import yuma
    >>> def half_rate(bonds, weights_for_bonds, active_stake, consensus, entries, params):
    ...     return yuma.mat_ema(bonds, weights_for_bonds, 0.5)
    >>> fast = yuma.variant("yuma3_fast_bonds", update_bonds=half_rate)
    >>> fast.name, fast.dividends is yuma.YUMA3.dividends
    ('yuma3_fast_bonds', True)
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if name in _BUILTINS:
        raise ValueError(f"name {name!r} is a built-in variant; choose another name")
    if isinstance(base, str):
        if base not in VARIANTS:
            raise ValueError(f"base must be a Variant or one of {sorted(VARIANTS)}, got {base!r}")
        base = VARIANTS[base]
    validate_variant(base, "base")
    unknown = sorted(set(steps) - set(STEP_NAMES))
    if unknown:
        raise ValueError(f"unknown step(s) {unknown}; the steps are {list(STEP_NAMES)}")
    for step, fn in steps.items():
        if not callable(fn):
            raise ValueError(f"step {step!r} must be callable, got {type(fn).__name__}")
    return dataclasses.replace(base, name=name, **steps)


@dataclass(frozen=True)
class Candidate:
    """A variant and the hyperparameters it fixes: what ``yuma compare`` runs.

    Parameters
    ----------
    label : str
        Name shown in tables (a preset's name, or the variant's).
    variant : Variant
        The steps.
    overrides : Mapping
        :class:`yuma.YumaParams` fields set on top of a run's hyperparameters (the
        presets set ``liquid_alpha``; a :class:`yuma.YumaParams` candidate sets all).
    """

    label: str
    variant: Variant
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.label, str) or not self.label:
            raise ValueError(f"label must be a non-empty string, got {self.label!r}")
        validate_variant(self.variant, f"candidate {self.label!r}")
        names = {f.name for f in dataclasses.fields(YumaParams)}
        unknown = sorted(set(self.overrides) - names)
        if unknown:
            raise ValueError(f"overrides: {unknown} are not YumaParams fields")
        object.__setattr__(self, "overrides", dict(self.overrides))

    def params(self, base: YumaParams | None = None) -> YumaParams:
        """The hyperparameters of a run: ``base`` with this candidate's overrides.

        Parameters
        ----------
        base : YumaParams, optional
            What the run starts from (default ``YumaParams()``).

        Returns
        -------
        YumaParams
            ``variant`` names this candidate's variant when it is registered.
        """
        out = dataclasses.replace(base or YumaParams(), **self.overrides)
        if VARIANTS.get(self.variant.name) is self.variant and out.variant != self.variant.name:
            out = dataclasses.replace(out, variant=self.variant.name)
        return out


def _presets() -> dict[str, dict]:
    from .plot import VARIANT_PRESETS

    return VARIANT_PRESETS


def _import_object(spec: str) -> Any:
    """The object named by ``module:attribute`` or ``path/file.py:attribute``."""
    module_name, _, attr = spec.rpartition(":")
    if not module_name or not attr:
        raise ValueError(f"{spec!r} is not of the form module:attribute")
    if module_name.endswith(".py"):
        path = os.path.abspath(module_name)
        if not os.path.isfile(path):
            raise ValueError(f"{spec!r}: no file {module_name!r}")
        mod_name = "_yuma_candidate_" + os.path.splitext(os.path.basename(path))[0]
        loader_spec = importlib.util.spec_from_file_location(mod_name, path)
        if loader_spec is None or loader_spec.loader is None:  # pragma: no cover
            raise ValueError(f"{spec!r}: cannot load {module_name!r}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[mod_name] = module
        try:
            loader_spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(mod_name, None)
            raise ValueError(f"{spec!r}: loading {module_name!r} raised {exc!r}") from exc
    else:
        cwd = os.getcwd()
        if cwd not in sys.path and "" not in sys.path:
            sys.path.insert(0, cwd)  # as `python -m` does: the current folder is importable
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            raise ValueError(f"{spec!r}: cannot import module {module_name!r} ({exc})") from exc
        except Exception as exc:
            raise ValueError(f"{spec!r}: importing {module_name!r} raised {exc!r}") from exc
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"{spec!r}: {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def resolve_candidate(spec: Any, *, liquid_alpha: bool | None = None) -> Candidate:
    """Turn a candidate as given (name, ``module:attribute``, object) into a :class:`Candidate`.

    Parameters
    ----------
    spec : str, Variant, Candidate or YumaParams
        A preset name (``yuma3+la``), a registered variant name, ``module:attribute`` or
        ``file.py:attribute`` naming one of the objects below, a :class:`yuma.Variant`
        (a built-in object stands for its preset: ``YUMA2_LIQUID_ALPHA_V1`` runs with
        liquid alpha on), a :class:`Candidate`, or a :class:`yuma.YumaParams` (its
        variant with every field fixed).
    liquid_alpha : bool, optional
        Fix ``liquid_alpha`` on top of what ``spec`` fixes; the label gains ``+la`` when
        it turns it on.

    Returns
    -------
    Candidate

    Raises
    ------
    ValueError
        For an unknown name, a module or attribute that cannot be imported, or an object
        that is not a Variant, Candidate or YumaParams (the message says which).
    """
    presets = _presets()
    if isinstance(spec, str):
        text = spec.strip()
        if text in presets:
            overrides = dict(presets[text])
            cand = Candidate(text, VARIANTS[overrides["variant"]], overrides)
        elif text in VARIANTS:
            cand = Candidate(text, VARIANTS[text], {})
        elif ":" in text:
            obj = _import_object(text)
            if isinstance(obj, str):
                raise ValueError(f"{spec!r} names a string, not a Variant")
            try:
                cand = resolve_candidate(obj)
            except ValueError as exc:
                raise ValueError(f"{spec!r}: {exc}") from None
        else:
            known = sorted(set(presets) | set(VARIANTS))
            raise ValueError(
                f"unknown variant {spec!r}; use one of {known} or module:attribute "
                "(naming a yuma.Variant, yuma.compare.Candidate or yuma.YumaParams)"
            )
    elif isinstance(spec, Candidate):
        cand = spec
    elif isinstance(spec, Variant):
        validate_variant(spec)
        builtin = _BUILTINS.get(spec.name) is spec and spec.name in presets
        cand = Candidate(spec.name, spec, dict(presets[spec.name]) if builtin else {})
    elif isinstance(spec, YumaParams):
        fields = {f.name: getattr(spec, f.name) for f in dataclasses.fields(YumaParams)}
        label = spec.variant + ("+la" if spec.liquid_alpha and spec.variant == "yuma3" else "")
        cand = Candidate(label, VARIANTS[spec.variant], fields)
    else:
        raise ValueError(
            "a candidate must be a yuma.Variant, yuma.compare.Candidate, yuma.YumaParams or "
            f"a name, got {type(spec).__name__}"
        )
    if liquid_alpha is not None:
        if not isinstance(liquid_alpha, (bool, np.bool_)):
            raise ValueError(f"liquid_alpha must be a bool or None, got {liquid_alpha!r}")
        on = bool(liquid_alpha)
        label = cand.label
        if on and not cand.overrides.get("liquid_alpha", False) and not label.endswith("+la"):
            label += "+la"
        cand = Candidate(label, cand.variant, {**cand.overrides, "liquid_alpha": on})
    return cand


def smoke_test(candidate: Candidate) -> None:
    """Run a candidate on two tiny epochs (square and rectangular); fail early and clearly.

    Parameters
    ----------
    candidate : Candidate
        What to run.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If an epoch raises; the message names the candidate and the error.
    """
    from .epoch import epoch

    params = candidate.params()
    square = np.array([[0.0, 0.6, 0.4], [0.5, 0.0, 0.5], [0.2, 0.8, 0.0]])
    rect = np.array([[0.5, 0.5, 0.0], [0.9, 0.1, 0.0]])
    try:
        with np.errstate(all="ignore"):
            r = epoch(square, np.array([3.0, 1.0, 0.0]), params=params, variant=candidate.variant)
            epoch(square, np.array([3.0, 1.0, 0.0]), r.bonds, params=params,
                  variant=candidate.variant, validator_permit=r.validator_permit)
            epoch(rect, np.array([3.0, 1.0]), np.full((2, 3), 0.5), params=params,
                  variant=candidate.variant)
    except Exception as exc:
        raise ValueError(
            f"candidate {candidate.label!r} fails on a small epoch: {type(exc).__name__}: {exc}"
        ) from exc


def _scenario_names(scenarios) -> list[str]:
    from .scenarios import CATALOGUE

    if scenarios is None:
        return list(CATALOGUE)
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    names = []
    for name in scenarios:
        if name not in CATALOGUE:
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
    presets run exactly as :func:`yuma.plot.run_variants` runs them, and a bare variant
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
        Keep the bonds of every epoch (needed by :func:`yuma.plot.plot_simulations`).
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
    from .scenarios import Scenario, get_scenario
    from .simulate import simulate

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

    Returns
    -------
    dict
        ``{scenario: {label: Simulation}}``, in the order given.

    Raises
    ------
    ValueError
        For an unknown scenario or candidate, duplicate labels, or bad ``epochs``.
    """
    from .scenarios import get_scenario

    cands = [resolve_candidate(c) for c in candidates]
    if epochs is not None and (
        isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1
    ):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    out = {}
    for name in _scenario_names(scenarios):
        sc = get_scenario(name)
        n = None if epochs is None else min(int(epochs), sc.n_epochs)
        out[name] = run_candidates(sc, cands, epochs=n, keep_bonds=keep_bonds)
    return out


def _dividend_summary(sim) -> dict[str, float]:
    from . import metrics

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
    reports: dict
    sims: dict

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

    def scenario_rows(self) -> list[dict]:
        """Per scenario: each label's dividend summary and the largest share difference.

        Returns
        -------
        list of dict
            Keys ``scenario``, ``{label} D/S min``, ``{label} D/S max``, ``{label} G``
            (NaN without a copier) for both labels, and ``max |dD|``: the largest change
            of a validator's share of all dividends over the run.
        """
        from . import metrics

        rows = []
        for name, sims in self.sims.items():
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
            rows.append(row)
        return rows

    def to_frame(self):
        """The scenario table (:meth:`scenario_rows`) as a DataFrame.

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        return pd.DataFrame(self.scenario_rows())

    def invariant_frame(self):
        """The invariant table: one row per invariant, one column per label.

        Returns
        -------
        pandas.DataFrame
            Cells ``"holds"`` or ``"FAILS <kind>"``.
        """
        import pandas as pd

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
        rc, rb = self.reports[c], self.reports[b]
        width = max(len(r.name) for r in rc.results) + 2
        cells = [len(f"FAILS {r.kind}") for r in rc.results if not r.held]
        cw = max([len(c), len("holds")] + cells)
        head = f"{'invariant':<{width}}{c:<{cw}}  {b}"
        lines = [
            f"invariants ({rc.max_examples} examples each, seed {rc.seed}"
            f"{', hyperparameters drawn' if rc.vary_params else ''})",
            head,
            "-" * len(head),
        ]
        for r in rc.results:
            other = rb[r.name]
            left = "holds" if r.held else f"FAILS {r.kind}"
            right = "holds" if other.held else f"FAILS {other.kind}"
            mark = ""
            if not r.held and other.held:
                mark = "   <- new failure"
            elif r.held and not other.held:
                mark = "   <- fixed"
            lines.append(f"{r.name:<{width}}{left:<{cw}}  {right}{mark}")
        lines.append(
            f"{c}: {len(rc.held)}/{len(rc.results)} hold; {b}: {len(rb.held)}/{len(rb.results)}"
        )
        return "\n".join(lines)

    def format_scenarios(self) -> str:
        """The scenario table as text.

        Returns
        -------
        str
        """
        if not self.sims:
            return ""
        c, b = self.candidate.label, self.against.label
        rows = self.scenario_rows()
        width = max(len(r["scenario"]) for r in rows) + 2

        def cell(row, label):
            lo, hi = row[f"{label} D/S min"], row[f"{label} D/S max"]
            g = row[f"{label} G"]
            ds = f"{lo:.2f}-{hi:.2f}" if np.isfinite(lo) else "-"
            shown = f"{g:.3f}" if np.isfinite(g) else ""
            return f"{ds:>11} {shown:>6}"

        cw = max(len(c), len(b), 18)
        head = f"{'scenario':<{width}}{c:>{cw}} {b:>{cw}}  {'max |dD|':>8}"
        sub_cell = f"{'D/S range':>11} {'G':>6}"
        sub = f"{'':<{width}}{sub_cell:>{cw}} {sub_cell:>{cw}}"
        lines = [
            "scenarios (D/S: a validator's share of the run's dividends over its stake share; "
            "G: copier ratio; max |dD|: largest change of a validator's dividend share)",
            head,
            sub,
            "-" * len(head),
        ]
        for row in rows:
            lines.append(
                f"{row['scenario']:<{width}}{cell(row, c):>{cw}} {cell(row, b):>{cw}}  "
                f"{row['max |dD|']:8.4f}"
            )
        return "\n".join(lines)

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

        from .plot import plot_simulations

        os.makedirs(folder, exist_ok=True)
        written = []
        for name, sims in self.sims.items():
            fields = ("dividends", "incentive") + (
                ("bonds",) if all(s.bonds is not None for s in sims.values()) else ()
            )
            fig = plot_simulations(sims, fields, title=f"{name}: {' vs '.join(sims)}")
            path = os.path.join(folder, f"{name}.png")
            fig.savefig(path, dpi=90)
            plt.close(fig)
            written.append(path)
        return written


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
    reports = {}
    if check:
        from .testing.check import DEFAULT_MAX_EXAMPLES, check_variant

        n = DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples
        for c in (cand, base):
            reports[c.label] = check_variant(c, invariants, max_examples=n, seed=seed)
    sims = run_scenarios([cand, base], names, epochs=epochs, keep_bonds=keep_bonds) if names else {}
    return Comparison(cand, base, reports, sims)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``compare`` subcommand to the ``yuma`` command's subparsers.

    Parameters
    ----------
    subparsers
        What ``argparse.ArgumentParser.add_subparsers`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser.
    """
    p = subparsers.add_parser(
        "compare",
        help="check a candidate variant against the invariants and the scenario catalogue, "
        "side by side with a baseline",
        description="Run the invariant suite (yuma.testing.invariants) and the scenario "
        "catalogue on CANDIDATE and on a baseline, and print them side by side. CANDIDATE "
        "is a preset (yuma2, yuma3, yuma3+la, yuma2_liquid_alpha_v1), a registered variant, "
        "or module:attribute / file.py:attribute naming a yuma.Variant, a "
        "yuma.compare.Candidate or a yuma.YumaParams.",
    )
    p.add_argument("candidate", help="preset, variant name, or module:attribute")
    p.add_argument("--against", default="yuma3", help="baseline (default yuma3)")
    p.add_argument("--liquid-alpha", action="store_true",
                   help="run the candidate with liquid alpha on")
    p.add_argument("--scenario", action="append",
                   help="a scenario of `yuma scenarios`; repeat for several (default: all)")
    p.add_argument("--epochs", type=int, help="run at most EPOCHS epochs of each scenario")
    p.add_argument("--invariant", action="append",
                   help="an invariant to check; repeat for several (default: all)")
    p.add_argument("--max-examples", type=int, help="Hypothesis examples per invariant")
    p.add_argument("--seed", type=int, default=0, help="seed of the invariant checks (0)")
    p.add_argument("--no-invariants", action="store_true", help="skip the invariant suite")
    p.add_argument("--no-scenarios", action="store_true", help="skip the scenario catalogue")
    p.add_argument("--plot", metavar="DIR", help="write one figure per scenario into DIR")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when the candidate fails an invariant the baseline holds")
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``yuma compare`` from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        From the parser of :func:`add_parser`.

    Returns
    -------
    int
        0; 1 with ``--strict`` when the candidate fails an invariant the baseline holds;
        2 for a bad candidate, baseline or option (the message says which).
    """

    def fail(message: str) -> int:
        print(f"yuma compare: error: {message}", file=sys.stderr)
        return 2

    try:
        from .testing.invariants import INVARIANTS  # noqa: F401  (hypothesis present?)
    except ImportError:
        if not args.no_invariants:
            return fail("the invariant suite needs hypothesis (pip install hypothesis); "
                        "or pass --no-invariants")
    try:
        cand = resolve_candidate(args.candidate, liquid_alpha=True if args.liquid_alpha else None)
        base = resolve_candidate(args.against)
        if args.epochs is not None and args.epochs < 1:
            raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
        if args.max_examples is not None and args.max_examples < 1:
            raise ValueError(f"--max-examples must be >= 1, got {args.max_examples}")
        if args.no_invariants and args.no_scenarios:
            raise ValueError("--no-invariants and --no-scenarios leave nothing to compare")
        if args.invariant:
            from .testing.invariants import INVARIANTS

            unknown = [n for n in args.invariant if n not in INVARIANTS]
            if unknown:
                raise ValueError(f"unknown invariant {unknown[0]!r}; use one of {list(INVARIANTS)}")
        scenarios = None if args.no_scenarios else _scenario_names(args.scenario)
        if args.plot is not None:
            if args.no_scenarios:
                raise ValueError("--plot draws the scenarios; drop --no-scenarios")
            folder = os.path.abspath(args.plot)
            if os.path.exists(folder) and not os.path.isdir(folder):
                raise ValueError(f"--plot: {args.plot!r} exists and is not a folder")
            if not os.path.isdir(os.path.dirname(folder)):
                raise ValueError(f"--plot: parent folder of {args.plot!r} does not exist")
            import matplotlib  # noqa: F401
        result = compare(
            cand, base, scenarios=scenarios, epochs=args.epochs, invariants=args.invariant,
            check=not args.no_invariants, simulate=not args.no_scenarios,
            max_examples=args.max_examples, seed=args.seed, keep_bonds=args.plot is not None,
        )
    except (ValueError, ImportError) as exc:
        return fail(str(exc))
    print(result)
    if args.plot is not None:
        files = result.plot(args.plot)
        print(f"{len(files)} figures written to {args.plot}")
    if args.strict and result.regressions:
        print(f"yuma compare: {cand.label} fails {result.regressions} that {base.label} holds",
              file=sys.stderr)
        return 1
    return 0

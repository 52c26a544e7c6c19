"""Check a variant against the invariant catalogue with Hypothesis.

:func:`~yuma.testing.check.check_variant` runs the checks and returns a report:

>>> import yuma
>>> from yuma.testing import check_variant
>>> report = check_variant("yuma3", ["emission_conserved", "bonds_decay"], max_examples=10)
>>> report.held
['emission_conserved', 'bonds_decay']

In a pytest suite::

    def test_my_variant_keeps_the_invariants():
        check_variant(MY_VARIANT).assert_all(allow=["split_invariance"])
"""

from __future__ import annotations

import pickle
import random
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis.errors import NoSuchExample

from ..core.presets import resolve_candidate
from ..params import YumaParams
from .invariants import INVARIANTS, Invariant, InvariantViolation, format_case, hyperparameters
from .simplify import simplify

__all__ = [
    "InvariantResult",
    "VariantReport",
    "check_variant",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_MAX_SHRINKS",
]

DEFAULT_MAX_EXAMPLES = 40
"""Examples tried per invariant by default (a few seconds per variant)."""

DEFAULT_MAX_SHRINKS = 200
"""Simpler cases tried while shrinking a counterexample, by default."""


@dataclass(frozen=True)
class InvariantResult:
    """The outcome of one invariant on one variant.

    Parameters
    ----------
    name : str
        The invariant.
    held : bool
        No counterexample was found.
    kind : str or None
        Failure kind of the counterexample (``"error:ValueError"`` when the variant
        raised).
    message : str or None
        The explanation, on the minimal counterexample.
    counterexample : dict or None
        The minimal failing case found (Hypothesis shrinks it).
    seconds : float
        Time taken.
    """

    name: str
    held: bool
    kind: str | None = None
    message: str | None = None
    counterexample: dict | None = None
    seconds: float = 0.0

    def explain(self, variant_expr: str = "variant") -> str:
        """A readable account: the verdict, the explanation and code that reproduces it.

        Parameters
        ----------
        variant_expr : str
            How the reproduction code names the variant.

        Returns
        -------
        str
        """
        if self.held:
            return f"{self.name}: holds"
        code = format_case(self.counterexample or {})
        return (
            f"{self.name}: FAILS [{self.kind}]\n  {self.message}\n"
            f"Minimal counterexample (reproduce with "
            f"yuma.testing.invariants.INVARIANTS[{self.name!r}].check({variant_expr}, case)):\n"
            f"{code}"
        )


@dataclass(frozen=True)
class VariantReport:
    """Which invariants a variant holds, with a minimal counterexample for each failure.

    Parameters
    ----------
    label : str
        The candidate checked (variant name, or preset such as ``yuma3+la``).
    params : YumaParams
        Base hyperparameters (drawn around when ``vary_params``).
    vary_params : bool
        Whether hyperparameters were drawn.
    max_examples : int
        Examples per invariant.
    seed : int
        Seed of the run.
    results : tuple of InvariantResult
        In catalogue order.
    """

    label: str
    params: YumaParams
    vary_params: bool
    max_examples: int
    seed: int
    results: tuple[InvariantResult, ...]

    def __getitem__(self, name: str) -> InvariantResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def __iter__(self):
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def held(self) -> list[str]:
        """Names of the invariants that held."""
        return [r.name for r in self.results if r.held]

    @property
    def failed(self) -> list[str]:
        """Names of the invariants that failed."""
        return [r.name for r in self.results if not r.held]

    @property
    def kinds(self) -> dict[str, str | None]:
        """Failure kind per failed invariant."""
        return {r.name: r.kind for r in self.results if not r.held}

    @property
    def ok(self) -> bool:
        """Whether every invariant held."""
        return not self.failed

    def to_frame(self):
        """One row per invariant: ``invariant``, ``holds``, ``kind``, ``message``, ``seconds``.

        Returns
        -------
        pandas.DataFrame
        """
        from .._extras import import_optional

        pd = import_optional("pandas", "VariantReport.to_frame", extra="pandas")
        return pd.DataFrame(
            {
                "invariant": [r.name for r in self.results],
                "holds": [r.held for r in self.results],
                "kind": [r.kind for r in self.results],
                "message": [r.message for r in self.results],
                "seconds": [round(r.seconds, 3) for r in self.results],
            }
        )

    def __str__(self) -> str:
        from .._table import format_table

        head = (
            f"{self.label}: {len(self.held)}/{len(self.results)} invariants hold "
            f"({self.max_examples} examples each, seed {self.seed})"
        )
        columns = {
            "invariant": [r.name for r in self.results],
            "result": ["holds" if r.held else f"FAILS {r.kind}" for r in self.results],
        }
        return head + "\n" + format_table(columns, left=list(columns), rule=False)

    def explain(self) -> str:
        """The table, then each failure with its explanation and minimal counterexample.

        Returns
        -------
        str
        """
        parts = [str(self)]
        parts += [r.explain() for r in self.results if not r.held]
        return "\n\n".join(parts)

    def assert_all(self, allow: Iterable[str] = ()) -> VariantReport:
        """Raise ``AssertionError`` unless every invariant held (``allow``: known failures).

        Parameters
        ----------
        allow : iterable of str
            Invariants allowed to fail (a known, accepted property of the variant).

        Returns
        -------
        VariantReport
            ``self``, to chain.

        Raises
        ------
        AssertionError
            Listing each unexpected failure with its explanation and counterexample.
        """
        allowed = set(allow)
        unknown = sorted(allowed - set(INVARIANTS))
        if unknown:
            raise ValueError(f"allow: unknown invariants {unknown}")
        bad = [r for r in self.results if not r.held and r.name not in allowed]
        if bad:
            raise AssertionError(
                f"{self.label} fails {len(bad)} invariant(s):\n\n"
                + "\n\n".join(r.explain() for r in bad)
            )
        return self


def _select(invariants) -> list[Invariant]:
    if invariants is None:
        return list(INVARIANTS.values())
    if isinstance(invariants, (str, Invariant)):
        invariants = [invariants]
    if not isinstance(invariants, (list, tuple)):
        raise ValueError(f"invariants must be a list of invariant names, got "
                         f"{type(invariants).__name__}")
    out = []
    for inv in invariants:
        if isinstance(inv, Invariant):
            out.append(inv)
        elif isinstance(inv, str) and inv in INVARIANTS:
            out.append(INVARIANTS[inv])
        else:
            raise ValueError(f"unknown invariant {inv!r}; known: {list(INVARIANTS)}")
    return out


def _settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=(Phase.generate,),  # shrinking: yuma.testing.simplify (cheaper, readable)
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
        report_multiple_bugs=False,
    )


def _outcome(inv: Invariant, variant, case) -> tuple[str, str] | None:
    """(kind, message) if the case fails the invariant, else None."""
    try:
        inv.check(variant, case)
    except InvariantViolation as exc:
        return exc.kind, exc.message
    except Exception as exc:  # the variant (or the invariant on its output) raised
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return (
            f"error:{type(exc).__name__}",
            f"raised {exc!r} at {where.filename}:{where.lineno} ({where.name})",
        )
    return None


def _run_one(
    inv: Invariant,
    variant,
    pstrat,
    max_examples: int,
    seed: int,
    max_shrinks: int,
    base: YumaParams,
) -> InvariantResult:
    start = time.perf_counter()
    seen: dict[bytes, tuple[str, str] | None] = {}

    def outcome(case) -> tuple[str, str] | None:
        key = pickle.dumps(case)
        if key not in seen:  # Hypothesis may replay a case: answer the same way
            seen[key] = _outcome(inv, variant, case)
        return seen[key]

    try:
        case = find(
            inv.cases(pstrat),
            lambda c: outcome(c) is not None,
            settings=_settings(max_examples),
            random=random.Random(f"{seed}:{inv.name}"),
        )
    except NoSuchExample:
        return InvariantResult(inv.name, True, seconds=time.perf_counter() - start)
    kind = outcome(case)[0]  # type: ignore[index]
    # Shrink within the kind found, so that the small case explains the same failure.
    case, _ = simplify(
        dict(case), lambda c: (outcome(c) or ("",))[0] == kind, budget=max_shrinks, base=base
    )
    kind, message = outcome(case)  # type: ignore[misc]
    return InvariantResult(
        inv.name, False, kind, message, case, seconds=time.perf_counter() - start
    )


def check_variant(
    variant: Any,
    invariants: Sequence[str | Invariant] | str | None = None,
    *,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    params: YumaParams | None = None,
    vary_params: bool = True,
    seed: int = 0,
    max_shrinks: int = DEFAULT_MAX_SHRINKS,
) -> VariantReport:
    """Run invariants of :mod:`yuma.testing.invariants` on a variant, with Hypothesis.

    Each invariant draws up to ``max_examples`` cases (random inputs with ties, zero
    stake, zero rows, masks and bonds, plus the adversarial constructions of the
    invariant) and, on failure, shrinks to a minimal counterexample of the first failure
    kind found. The run is deterministic for a given ``seed`` (no example database).
    Do not call it from inside a Hypothesis test.

    Parameters
    ----------
    variant : Variant, str or Candidate
        A :class:`yuma.Variant`, a preset or registered name (``"yuma3+la"``), a
        ``module:attribute`` string or a :class:`yuma.analysis.compare.Candidate`.
    invariants : sequence of str or Invariant, optional
        Which invariants (default: the whole catalogue, :data:`INVARIANTS`).
    max_examples : int
        Cases tried per invariant.
    params : YumaParams, optional
        Base hyperparameters (default ``YumaParams()``); a preset's own settings
        (``liquid_alpha``) are applied on top.
    vary_params : bool
        Draw kappa, the bonds moving average and penalty, the liquid-alpha range and the
        number of permits around ``params`` (liquid alpha on/off stays as set). False:
        exactly ``params``.
    seed : int
        Seed; each invariant derives its own from it and its name.
    max_shrinks : int
        Simpler cases tried while shrinking a counterexample (:mod:`yuma.testing.simplify`;
        more: smaller counterexamples).

    Returns
    -------
    VariantReport

    Raises
    ------
    ValueError
        For an unknown invariant or candidate, or a bad argument.
    """
    cand = resolve_candidate(variant)
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise ValueError(f"max_examples must be a positive integer, got {max_examples!r}")
    if isinstance(max_shrinks, bool) or not isinstance(max_shrinks, int) or max_shrinks < 0:
        raise ValueError(f"max_shrinks must be a non-negative integer, got {max_shrinks!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if params is not None and not isinstance(params, YumaParams):
        raise ValueError(f"params must be a YumaParams, got {type(params).__name__}")
    if not isinstance(vary_params, (bool, np.bool_)):
        raise ValueError(f"vary_params must be a bool, got {vary_params!r:.60}")
    base = cand.params(params)
    pstrat = hyperparameters(base, vary=bool(vary_params))
    results = tuple(
        _run_one(inv, cand.variant, pstrat, max_examples, seed, max_shrinks, base)
        for inv in _select(invariants)
    )
    return VariantReport(cand.label, base, bool(vary_params), max_examples, seed, results)


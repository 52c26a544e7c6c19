"""``yuma compare``: a candidate variant against a baseline, from the command line."""

from __future__ import annotations

import argparse
import sys

from .._extras import install_command, require
from .._outputs import check_output_path
from .._progress import progress_default
from ..analysis.compare import _scenario_names, compare
from ..core.presets import resolve_candidate
from ._options import add_progress_options, subparser

__all__ = ["add_parser", "run"]


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
    p = subparser(
        subparsers,
        "compare",
        "check a variant against the invariants and the scenarios, beside a baseline",
        "Check CANDIDATE and a baseline against the invariants (emission conserved, "
        "ranges, scale invariance, bonds that decay, ...) and run both on the scenario "
        "catalogue, then print the two side by side. CANDIDATE is a preset (yuma2, yuma3, "
        "yuma3+la, yuma2_liquid_alpha_v1), a registered variant, or module:attribute or "
        "file.py:attribute naming a yuma.Variant, a yuma.core.presets.Candidate or a "
        "yuma.YumaParams. The invariants need "
        f"{install_command('check')}; --plot needs {install_command('plot')}.",
        "yuma compare mymodule:MINE --against yuma3 --plot figs/ --strict",
    )
    p.add_argument("candidate", help="a preset, a variant's name, or module:attribute")
    p.add_argument("--against", default="yuma3", help="the baseline (default: yuma3)")
    p.add_argument("--liquid-alpha", action="store_true",
                   help="run the candidate with liquid alpha on")
    p.add_argument("--scenario", action="append",
                   help="a scenario of `yuma scenarios`; repeat for several (default: all)")
    p.add_argument("--epochs", type=int, help="run at most EPOCHS epochs of each scenario")
    p.add_argument("--invariant", action="append",
                   help="an invariant to check; repeat for several (default: all)")
    p.add_argument("--max-examples", type=int, help="Hypothesis examples per invariant")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the invariant checks (default: 0)")
    p.add_argument("--no-invariants", action="store_true", help="skip the invariant suite")
    p.add_argument("--no-scenarios", action="store_true", help="skip the scenario catalogue")
    p.add_argument("--plot", metavar="DIR", help="write one figure per scenario into DIR")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when the candidate fails an invariant the baseline holds")
    add_progress_options(p)
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
        if not args.no_invariants:
            require("the invariant suite", "hypothesis", extra="check")
        if args.plot is not None:
            require("--plot", "matplotlib", extra="plot")
    except ImportError as exc:
        hint = "; or pass --no-invariants" if "hypothesis" in str(exc) else ""
        return fail(f"{exc}{hint}")
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
            from ..testing.invariants import INVARIANTS

            unknown = [n for n in args.invariant if n not in INVARIANTS]
            if unknown:
                raise ValueError(f"unknown invariant {unknown[0]!r}; use one of {list(INVARIANTS)}")
        scenarios = None if args.no_scenarios else _scenario_names(args.scenario)
        if args.plot is not None:
            if args.no_scenarios:
                raise ValueError("--plot draws the scenarios; drop --no-scenarios")
            check_output_path(args.plot, "--plot", folder=True)
        result = compare(
            cand, base, scenarios=scenarios, epochs=args.epochs, invariants=args.invariant,
            check=not args.no_invariants, simulate=not args.no_scenarios,
            max_examples=args.max_examples, seed=args.seed, keep_bonds=args.plot is not None,
            progress=progress_default(args.progress, True),
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

"""``yuma diagnose FILE...``: copy risk, commit-reveal delay x liquid-alpha range.

Adds a weight copier with the median validator's stake that sets the consensus of DELAY
tempos ago, and reports its ratio G to the median validator's dividends per stake for every
delay and (alpha_low, alpha_high) pair (:func:`yuma.sim.copy_risk.copy_risk`): G < 1,
nominators leave the copier; G < 0.82, copying stops paying. Several files are one
subnet's history, one per tempo in block order; a single file needs --drift (a synthetic
drift of the weights; 0 keeps them still).
"""

from __future__ import annotations

import argparse
import sys

from .._extras import MissingExtraError, install_command
from .._outputs import check_output_path, write_atomic
from .._progress import progress_default
from ._options import add_progress_options, check_plot_file, subparser, write_plot

__all__ = ["add_parser", "run"]


def _numbers(text: str, option: str, kind=float) -> list:
    try:
        values = [kind(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{option} must be comma-separated numbers, got {text!r}") from None
    if not values:
        raise ValueError(f"{option} must list at least one value")
    return values


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``diagnose`` subcommand to the ``yuma`` command's subparsers.

    Parameters
    ----------
    subparsers
        What ``argparse.ArgumentParser.add_subparsers`` returned.

    Returns
    -------
    argparse.ArgumentParser
    """
    p = subparser(
        subparsers, "diagnose",
        "copy risk: what a weight copier earns by commit-reveal delay and alpha",
        "Add a weight copier with the median validator's stake that copies the consensus "
        "of DELAY tempos ago, and print its dividends per stake over the median "
        "validator's (the ratio G) for every delay and every liquid-alpha pair with "
        "alpha_low <= alpha_high. Below 1, nominators do better elsewhere; below 0.82, "
        "copying stops paying. Several files are one subnet's history, one snapshot per "
        "tempo in block order (.npz, .json or .pt); a single file needs --drift, a "
        "made-up drift of the miners' standing (0 keeps the weights still). --plot needs "
        f"{install_command('plot')}.",
        "yuma diagnose snapshot.npz --drift 0.1 --delays 0,2,4 --csv risk.csv --plot risk.png",
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="snapshots of one subnet, one per tempo, in block order (or one file "
                   "with --drift)")
    p.add_argument("--delays", default="0,1,2,4,8",
                   help="commit-reveal delays in tempos, comma-separated (default: 0,1,2,4,8)")
    p.add_argument("--alpha-lows", default="0.1,0.3,0.5,0.7,0.9",
                   help="alpha_low values, comma-separated (default: 0.1,0.3,0.5,0.7,0.9)")
    p.add_argument("--alpha-highs", default="0.1,0.3,0.5,0.7,0.9",
                   help="alpha_high values, comma-separated (default: 0.1,0.3,0.5,0.7,0.9); "
                   "only pairs with low <= high run")
    p.add_argument("--variant", help="a preset or your own variant as module:attribute, run "
                   "with liquid alpha on (default: the files' own settings)")
    p.add_argument("--drift", type=float, help="one file: made-up drift of each miner's "
                   "standing per tempo (e.g. 0.1; 0 keeps the weights still)")
    p.add_argument("--epochs", type=int, default=40,
                   help="one file: tempos simulated (default: 40)")
    p.add_argument("--seed", type=int, default=0, help="one file: seed of the drift (default: 0)")
    p.add_argument("--start", type=int, help="first epoch measured (default: the largest "
                   "delay)")
    p.add_argument("--csv", metavar="FILE", help="write the table to FILE (.csv)")
    p.add_argument("--plot", metavar="FILE",
                   help="write a figure of G to FILE (.png, .pdf or .svg)")
    add_progress_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``yuma diagnose`` from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        0, or 2 on a bad file, series or option, or a missing extra (nothing written).
    """
    from ..sim.copy_risk import copy_risk

    try:
        check_plot_file(args.plot)
        check_output_path(args.csv, "--csv", suffixes=(".csv",))
        delays = _numbers(args.delays, "--delays", int)
        lows = _numbers(args.alpha_lows, "--alpha-lows")
        highs = _numbers(args.alpha_highs, "--alpha-highs")
        snapshots = args.files[0] if len(args.files) == 1 else args.files
        if len(args.files) > 1 and args.drift is not None:
            raise ValueError("--drift is for one file; several files are the real history")
        result = copy_risk(snapshots, delays=delays, alpha_lows=lows, alpha_highs=highs,
                           variant=args.variant, drift=args.drift, epochs=args.epochs,
                           seed=args.seed, start=args.start,
                           progress=progress_default(args.progress, True))
    except (ValueError, MissingExtraError) as exc:
        print(f"yuma diagnose: error: {exc}", file=sys.stderr)
        return 2
    print(result.format())
    if args.csv is not None:
        rows = result.rows()
        keys = list(rows[0])
        lines = [",".join(keys)] + [",".join(repr(r[k]) if isinstance(r[k], float) else
                                             str(r[k]) for k in keys) for r in rows]
        write_atomic(args.csv, "\n".join(lines) + "\n")
        print(f"table written to {args.csv}")
    if args.plot is not None:
        write_plot(result.plot, args.plot)
    return 0

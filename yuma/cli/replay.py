"""``yuma replay FILE...``: a subnet's snapshots through the epoch, variants side by side.

Each file is one snapshot of the same subnet (``.npz``, ``.json`` or a simulator dump
``.pt``), given in block order. The epoch runs once per snapshot with bonds, permits and
consensus carried (:func:`yuma.sim.replay.replay`); the output compares the variants per
validator (dividends per 1000 TAO staked, relative dividends) and per miner (incentive),
and reports how closely the epochs match the chain's stored outputs where the files carry
them.
"""

from __future__ import annotations

import argparse
import sys

from .._extras import MissingExtraError, install_command
from .._progress import progress_default
from ._options import add_progress_options, check_plot_file, subparser, write_plot

__all__ = ["add_parser", "run"]

LONG_SERIES = 50
"""From this many snapshots a replay counts as long (a progress bar on a terminal)."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``replay`` subcommand to the ``yuma`` command's subparsers.

    Parameters
    ----------
    subparsers
        What ``argparse.ArgumentParser.add_subparsers`` returned.

    Returns
    -------
    argparse.ArgumentParser
    """
    p = subparser(
        subparsers, "replay", "run a subnet's saved epochs under several variants, side by side",
        "Run the snapshots of one subnet through the epoch in block order, carrying bonds, "
        "permits and consensus from each epoch to the next, once per variant. Prints per "
        "validator the dividends per 1000 TAO staked and the dividends relative to stake, "
        "per miner the incentive, and how closely the epochs match what the chain stored "
        "where the files carry it. Each FILE is a .npz or .json snapshot or a simulator "
        "dump (.pt). A bad file fails with a message naming the file and the field, exit "
        f"status 2, and nothing written. --plot needs {install_command('plot')}.",
        "yuma replay day1.npz day2.npz day3.npz --variant yuma2 --variant yuma3 "
        "--plot replay.png",
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="snapshots of one subnet (.npz, .json or .pt), in block order")
    p.add_argument("--variant", action="append",
                   help="a preset (yuma2, yuma3, yuma3+la, yuma2_liquid_alpha_v1) or your own "
                   "variant as module:attribute; repeat for several (default: the files' own "
                   "settings)")
    p.add_argument("--emission", type=float,
                   help="emission of one epoch in TAO, for dividends per 1000 TAO (default: "
                   "the chain's stored emission when the files carry it)")
    p.add_argument("--top", type=int, default=10, help="miners shown (default: 10)")
    p.add_argument("--plot", metavar="FILE",
                   help="write a figure of the runs to FILE (.png, .pdf or .svg)")
    add_progress_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``yuma replay`` from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        0, or 2 on a bad file, series or option, or a missing extra (nothing written).
    """
    from ..sim.replay import replay

    try:
        check_plot_file(args.plot)
        if args.top < 0:
            raise ValueError(f"--top must be >= 0, got {args.top}")
        progress = progress_default(args.progress, len(args.files) >= LONG_SERIES)
        result = replay(args.files, args.variant, emission_per_epoch=args.emission,
                        progress=progress)
    except (ValueError, MissingExtraError) as exc:
        print(f"yuma replay: error: {exc}", file=sys.stderr)
        return 2
    print(result.format(top=args.top))
    if args.plot is not None:
        write_plot(result.plot, args.plot)
    return 0

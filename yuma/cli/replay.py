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

from ._outputs import FIGURE_SUFFIXES, check_output, save_figure

__all__ = ["add_parser", "run"]


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
    p = subparsers.add_parser(
        "replay",
        help="run a subnet's snapshots through the epoch, state carried, variants side by side",
        description=__doc__.split("\n\n", 1)[1],
    )
    p.add_argument("files", nargs="+", help="snapshots of one subnet, in block order")
    p.add_argument("--variant", action="append",
                   help="a preset (yuma2, yuma3, yuma3+la, yuma2_liquid_alpha_v1) or "
                   "module:attribute; repeat for several (default: the files' own settings)")
    p.add_argument("--emission", type=float,
                   help="emission of one epoch in TAO, for dividends per 1000 TAO (default: "
                   "the chain's stored emission when the files carry it)")
    p.add_argument("--top", type=int, default=10, help="miners shown (10)")
    p.add_argument("--plot", help="write a figure (.png, .pdf or .svg)")
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``yuma replay`` from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        0, or 2 on a bad file, series or option (nothing written).
    """
    from ..sim.replay import replay

    try:
        check_output(args.plot, "--plot", FIGURE_SUFFIXES)
        if args.top < 0:
            raise ValueError(f"--top must be >= 0, got {args.top}")
        result = replay(args.files, args.variant, emission_per_epoch=args.emission)
    except ValueError as exc:
        print(f"yuma replay: error: {exc}", file=sys.stderr)
        return 2
    print(result.format(top=args.top))
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        save_figure(result.plot(), args.plot)
        print(f"figure written to {args.plot}")
    return 0

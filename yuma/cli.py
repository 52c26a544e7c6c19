"""The ``yuma`` command.

* ``yuma demo``: run a small subnet's epochs and print a per-UID table;
* ``yuma epoch FILE``: run one epoch on a snapshot (``.npz`` or JSON, see
  :mod:`yuma.snapshot`) and print its per-UID table.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

import numpy as np

from .epoch import epoch
from .params import YumaParams
from .result import EpochResult
from .snapshot import load_snapshot
from .variants import VARIANTS

__all__ = ["main", "demo_inputs", "format_table"]

_COLUMNS = (
    ("stake", "stake"),
    ("validator_permit", "permit"),
    ("validator_trust", "v_trust"),
    ("consensus", "consensus"),
    ("incentive", "incentive"),
    ("dividends", "dividends"),
    ("emission", "emission"),
)


def demo_inputs(
    n_validators: int = 4, n_miners: int = 8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A small subnet in the chain's square form: validators first, then miners.

    Validators share a noisy view of the miners' quality; the last validator favours
    the last miner (a would-be cabal) and is clipped by consensus.

    Parameters
    ----------
    n_validators, n_miners : int
        Sizes (``n_validators >= 1``).
    seed : int
        Seed of the weight noise.

    Returns
    -------
    weights, stake : numpy.ndarray
        ``weights`` is (n, n) with ``n = n_validators + n_miners``; ``stake`` has length n.
    """
    rng = np.random.default_rng(seed)
    n = n_validators + n_miners
    quality = np.linspace(1.0, 2.0, n_miners)
    weights = np.zeros((n, n))
    for i in range(n_validators):
        weights[i, n_validators:] = quality * rng.uniform(0.9, 1.1, n_miners)
    weights[n_validators - 1, n_validators:] = 0.0
    weights[n_validators - 1, -1] = 1.0
    stake = np.zeros(n)
    stake[:n_validators] = np.geomspace(4000.0, 500.0, n_validators)
    return weights, stake


def format_table(result: EpochResult) -> str:
    """Format an epoch result as a fixed-width per-UID table.

    Parameters
    ----------
    result : EpochResult
        The epoch to show.

    Returns
    -------
    str
    """
    cols = result.per_uid()
    header = "uid " + " ".join(f"{label:>10}" for _, label in _COLUMNS)
    lines = [header, "-" * len(header)]
    for uid in range(result.n_uids):
        cells = []
        for key, _ in _COLUMNS:
            value = cols[key][uid]
            if key == "validator_permit":
                cells.append(f"{'yes' if value else 'no':>10}")
            else:
                cells.append(f"{value:10.6f}")
        lines.append(f"{uid:>3} " + " ".join(cells))
    totals = (
        f"sum {'':>10} {'':>10} {'':>10} {'':>10} {cols['incentive'].sum():10.6f} "
        f"{cols['dividends'].sum():10.6f} {cols['emission'].sum():10.6f}"
    )
    lines += ["-" * len(header), totals]
    return "\n".join(lines)


def _demo(args: argparse.Namespace) -> int:
    weights, stake = demo_inputs(args.validators, args.miners, args.seed)
    params = YumaParams(variant=args.variant, liquid_alpha=args.liquid_alpha)
    bonds = None
    permits = None
    for _ in range(args.epochs):
        result = epoch(weights, stake, bonds, params=params, validator_permit=permits)
        bonds, permits = result.bonds, result.validator_permit
    print(
        f"yuma demo: {args.validators} validators + {args.miners} miners, "
        f"variant={params.variant}, liquid_alpha={params.liquid_alpha}, "
        f"epoch {args.epochs} of {args.epochs} (bonds carried)"
    )
    print(format_table(result))
    return 0


def _epoch_file(args: argparse.Namespace) -> int:
    try:
        inputs = load_snapshot(args.file)
        if args.variant is not None:
            inputs["params"] = dataclasses.replace(inputs["params"], variant=args.variant)
        result = epoch(**inputs)
    except ValueError as exc:
        print(f"yuma epoch: error: {exc}", file=sys.stderr)
        return 2
    params = inputs["params"]
    print(
        f"yuma epoch {args.file}: {result.n_uids} UIDs, variant={result.variant}, "
        f"liquid_alpha={params.liquid_alpha}, kappa={params.kappa:.6g}"
    )
    print(format_table(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``yuma`` command.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    parser = argparse.ArgumentParser(prog="yuma", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run a small subnet's epoch and print a per-UID table")
    demo.add_argument("--variant", default="yuma3", choices=sorted(VARIANTS))
    demo.add_argument("--liquid-alpha", action="store_true", help="turn liquid alpha on")
    demo.add_argument("--validators", type=int, default=4)
    demo.add_argument("--miners", type=int, default=8)
    demo.add_argument("--epochs", type=int, default=3, help="epochs to run, carrying bonds")
    demo.add_argument("--seed", type=int, default=0)
    one = sub.add_parser("epoch", help="run one epoch on a snapshot file (.npz or .json)")
    one.add_argument("file", help="snapshot: weights, stake, optional bonds and params")
    one.add_argument("--variant", choices=sorted(VARIANTS), help="override params.variant")
    args = parser.parse_args(argv)
    if args.command == "epoch":
        return _epoch_file(args)
    if args.command == "demo":
        if args.validators < 1 or args.miners < 0 or args.epochs < 1:
            parser.error("need --validators >= 1, --miners >= 0 and --epochs >= 1")
        return _demo(args)
    return 2  # pragma: no cover - argparse enforces a command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

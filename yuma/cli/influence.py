"""``yuma influence FILE``: the most influential validators by Shapley value and by removal.

FILE is an epoch snapshot (``.npz`` / ``.json``, :mod:`yuma.io.snapshot`) or a simulator
dump (``.pt``, :func:`yuma.io.read_simulator_dump`). With ``--sdk 10`` or ``--sdk 11``
each validator's row is first taken as its scores and sent through that SDK and the
chain's ``set_weights`` (:func:`yuma.analysis.weight_setting.scores_to_weights`): the epoch
then runs on the rows as the chain would store them (a refused payload leaves the row as
it was, as on the chain).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np

from .._outputs import check_output_path, write_atomic
from .._progress import progress_default
from ..analysis import influence
from ..analysis.weight_setting import SDK_GENERATIONS, WeightSettingError, scores_to_weights
from ..core.inputs import check_inputs
from ..core.variants import VARIANTS
from ..io.snapshot import read_snapshot
from ._options import add_progress_options, subparser

__all__ = ["add_parser", "run", "load_epoch_file", "resend_rows"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``influence`` subcommand to the ``yuma`` command's subparsers.

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
        subparsers, "influence",
        "rank one epoch's validators by Shapley value and by removal",
        "Rank the validators of one epoch by their Shapley value for one outcome (how far "
        "the incentive moves from the full epoch's, or one UID's incentive, dividends or "
        "emission) and by how much that outcome changes when each is removed alone, and "
        "show where the two rankings differ. FILE is a .npz or .json snapshot or a "
        "simulator dump (.pt). With --sdk 10 or 11 each validator's row is first sent "
        "through that bittensor SDK and the chain's set_weights, so the epoch runs on the "
        "rows as the chain would store them (a refused payload leaves the row as it was). "
        f"Up to {influence.AUTO_EXACT} validators every coalition is run (2 to the power "
        "of their number); beyond, permutations are sampled.",
        "yuma influence snapshot.npz --value incentive-l1 --top 8 --out influence.json",
    )
    p.add_argument("file", metavar="FILE",
                   help="the snapshot: a .npz, .json or simulator dump .pt file")
    p.add_argument("--variant", choices=sorted(VARIANTS),
                   help="run this Yuma instead of the one in the file's params")
    p.add_argument("--value", default="incentive-l1",
                   help="the outcome: incentive-l1 or incentive-l2 (distance to the full "
                   "epoch's incentive), incentive:UID, dividends:UID or emission:UID "
                   "(default: incentive-l1)")
    p.add_argument("--players", help="validator UIDs, comma-separated (default: permitted "
                   "validators holding stake and weights)")
    p.add_argument("--top", type=int, help="keep only the TOP players by stake")
    p.add_argument("--method", choices=["auto", "exact", "sampled"], default="auto",
                   help="exact runs every coalition, sampled draws permutations (default: "
                   f"auto, exact up to {influence.AUTO_EXACT} players)")
    p.add_argument("--permutations", type=int, default=256,
                   help="sampled: most permutations, an even number (default: 256)")
    p.add_argument("--tolerance", type=float,
                   help="sampled: stop once every standard error is at most this")
    p.add_argument("--seed", type=int, default=0,
                   help="sampled: seed of the permutations (default: 0)")
    p.add_argument("--permits", choices=list(influence.PERMIT_RULES), default="recompute",
                   help="permits of the epochs run: recomputed from the stake left "
                   "(recompute, the default) or as given")
    p.add_argument("--sdk", choices=list(SDK_GENERATIONS),
                   help="first send each validator's row through this bittensor SDK and the "
                   "chain's set_weights")
    p.add_argument("--min-allowed-weights", type=int, default=0,
                   help="with --sdk: the subnet's min_allowed_weights (default: 0)")
    p.add_argument("--max-weight-limit", type=int, default=65535,
                   help="with --sdk: the subnet's max_weight_limit (default: 65535)")
    p.add_argument("--rows", type=int, default=10, help="table rows printed (default: 10)")
    p.add_argument("--out", metavar="FILE", help="write the report to FILE (.json)")
    add_progress_options(p)
    return p


def load_epoch_file(path: str, variant: str | None = None) -> dict:
    """:func:`yuma.epoch` keyword arguments from a snapshot or a simulator dump.

    Parameters
    ----------
    path : str
        ``.npz`` / ``.json`` snapshot or ``.pt`` simulator dump
        (:func:`yuma.io.read_snapshot`).
    variant : str, optional
        Overrides the variant.

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        As :func:`yuma.io.read_snapshot`: the message names the file.
    """
    kwargs = read_snapshot(path).epoch_kwargs()
    if variant is not None:
        kwargs["variant"] = variant
    return kwargs


def resend_rows(
    kwargs: dict, sdk: str, permit: np.ndarray, min_allowed_weights: int,
    max_weight_limit: int,
) -> tuple[dict, dict[int, str], int]:
    """Each validator's row as scores, through the SDK and ``set_weights``, back as a row.

    Parameters
    ----------
    kwargs : dict
        :func:`yuma.epoch` arguments in the square form.
    sdk : {"10", "11"}
        The SDK generation.
    permit : numpy.ndarray of bool
        Validator permits (the chain refuses weights on others without one).
    min_allowed_weights, max_weight_limit : int
        The subnet's hyperparameters.

    Returns
    -------
    kwargs : dict
        A copy with ``weights`` and ``listed`` replaced.
    refused : dict of int to str
        Validators whose payload the SDK or the chain refused, with the reason (rows kept).
    changed : int
        Entries whose stored u16 differs from the row's own max-upscaled u16.
    """
    weights = np.array(kwargs["weights"], dtype=np.float64)
    n_rows, n_cols = weights.shape
    if n_rows != n_cols:
        raise ValueError("--sdk needs the chain's square form (row i and column i: UID i)")
    listed = (np.array(kwargs["listed"], dtype=bool) if kwargs.get("listed") is not None
              else weights > 0.0)
    refused: dict[int, str] = {}
    changed = 0
    for uid in np.flatnonzero(weights.sum(axis=1) > 0.0).tolist():
        row = weights[uid]
        uids = np.flatnonzero(row > 0.0)
        try:
            stored = scores_to_weights(
                uids, row[uids], sdk=sdk, n=n_cols, validator_uid=uid,
                min_allowed_weights=min_allowed_weights, max_weight_limit=max_weight_limit,
                has_permit=bool(permit[uid]), is_owner=uid == kwargs.get("owner_uid"),
            )
        except WeightSettingError as exc:
            refused[uid] = exc.reason
            continue
        own = np.round(row / row.max() * 65535.0)
        changed += int(np.count_nonzero(np.round(stored.row * 65535.0) != own))
        weights[uid] = stored.row
        listed[uid] = stored.listed
    out = dict(kwargs)
    out["weights"], out["listed"] = weights, listed
    return out, refused, changed


def _players(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"--players must be comma-separated UIDs, got {text!r}") from None


def _check_options(args: argparse.Namespace) -> None:
    if args.rows < 1:
        raise ValueError(f"--rows must be >= 1, got {args.rows}")
    if args.permutations < 4 or args.permutations % 2:
        raise ValueError(f"--permutations must be an even number >= 4, got {args.permutations}")
    if args.top is not None and args.top < 1:
        raise ValueError(f"--top must be >= 1, got {args.top}")
    if args.tolerance is not None and not (math.isfinite(args.tolerance) and args.tolerance > 0):
        raise ValueError(f"--tolerance must be a finite number > 0, got {args.tolerance}")
    check_output_path(args.out, "--out", suffixes=(".json",))


def run(args: argparse.Namespace) -> int:
    """Run ``yuma influence`` from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        From the parser of :func:`add_parser`.

    Returns
    -------
    int
        0, or 2 for a bad file or option (the message says which; nothing is written).
    """
    start = time.perf_counter()
    try:
        _check_options(args)
        kwargs = load_epoch_file(args.file, args.variant)
        weights, stake = kwargs.pop("weights"), kwargs.pop("stake")
        bonds = kwargs.pop("bonds", None)
        inputs = check_inputs(weights, stake, bonds, **kwargs)
        refused: dict[int, str] = {}
        changed = None
        if args.sdk is not None:
            resent, refused, changed = resend_rows(
                {"weights": weights, "owner_uid": kwargs.get("owner_uid"),
                 "listed": kwargs.get("listed")},
                args.sdk, influence.permits_used(inputs, args.permits), args.min_allowed_weights,
                args.max_weight_limit)
            weights, kwargs["listed"] = resent["weights"], resent["listed"]
            inputs = check_inputs(weights, stake, bonds, **kwargs)
        players: list[int] | np.ndarray | None = _players(args.players)
        if players is None:
            players = influence.default_players(inputs, args.permits)
        if args.top is not None:
            players = sorted(sorted(players, key=lambda u: (-inputs.stake[u], u))[:args.top])
        values = influence.shapley(
            weights, stake, bonds, value=args.value, players=players, method=args.method,
            max_permutations=args.permutations, tolerance=args.tolerance, seed=args.seed,
            permits=args.permits, progress=progress_default(args.progress, True), **kwargs)
        impact = influence.removal_impact(weights, stake, bonds, uids=values.players,
                                          value=args.value, permits=args.permits, **kwargs)
        comparison = influence.compare_influence(values, impact)
    except (ValueError, OSError) as exc:
        print(f"yuma influence: error: {exc}", file=sys.stderr)
        return 2
    share = inputs.stake / inputs.stake.sum() if inputs.stake.sum() > 0 else inputs.stake
    _print_report(args, values, impact, comparison, share, refused, changed,
                  time.perf_counter() - start)
    if args.out is not None:
        _write_json(args, values, comparison, share, refused)
        print(f"report written to {args.out}")
    return 0


def _print_report(args, values, impact, comparison, share, refused, changed, seconds) -> None:
    p = values.players.size
    how = (f"exact over {2**p} coalitions" if values.method == "exact" else
           f"sampled, {values.permutations} permutations in antithetic pairs"
           f"{', converged' if values.converged else ''}")
    print(f"yuma influence {args.file}: value {values.value_name}, {p} validators, {how}; "
          f"{values.evaluations} epochs + {impact.uids.size} removals in {seconds:.1f} s")
    if args.sdk is not None:
        by_reason: dict[str, list[int]] = {}
        for uid, reason in refused.items():
            by_reason.setdefault(reason, []).append(uid)
        kept = "; ".join(f"{reason}: {uids}" for reason, uids in sorted(by_reason.items()))
        print(f"rows sent through bittensor {args.sdk}.x and set_weights: {changed} stored "
              f"entries differ from the rows' own u16; refused (row kept as stored): "
              f"{kept if kept else 'none'}")
    print(f"v(all) = {values.value_all:.6g}, v(none) = {values.value_none:.6g}, "
          f"sum of Shapley values = {values.values.sum():.6g}")
    header = (f"{'uid':>5} {'stake':>8} {'shapley':>11} {'+-':>9} {'rank':>5} "
              f"{'leave-1-out':>12} {'rank':>5} {'I shift':>9}")
    print(header)
    print("-" * len(header))
    where = {int(u): r for r, u in enumerate(impact.uids.tolist())}
    shift = impact.shift("incentive")
    order = np.argsort(comparison.shapley_rank)[: args.rows]
    for k in order.tolist():
        uid = int(comparison.uids[k])
        print(f"{uid:>5} {share[uid]:8.4f} {comparison.shapley[k]:11.4g} "
              f"{comparison.standard_errors[k]:9.2g} {comparison.shapley_rank[k]:>5} "
              f"{comparison.leave_one_out[k]:12.4g} {comparison.removal_rank[k]:>5} "
              f"{shift[where[uid]]:9.4f}")
    k = min(5, p)
    print(f"top {k} by Shapley: {comparison.top(k).tolist()}; by removal: "
          f"{comparison.top(k, 'removal').tolist()}; shared: {comparison.top_overlap(k)}; "
          f"Spearman rank correlation {comparison.spearman:.3f}")


def _write_json(args, values, comparison, share, refused) -> None:
    doc = {
        "file": str(args.file),
        "value": values.value_name,
        "method": values.method,
        "permits": values.permits,
        "permutations": values.permutations,
        "evaluations": values.evaluations,
        "converged": values.converged,
        "value_all": values.value_all,
        "value_none": values.value_none,
        "spearman": comparison.spearman,
        "refused": {str(k): v for k, v in refused.items()},
        "validators": [
            {"uid": int(u), "stake_share": float(share[int(u)]),
             "shapley": float(comparison.shapley[k]),
             "standard_error": float(comparison.standard_errors[k]),
             "shapley_rank": int(comparison.shapley_rank[k]),
             "leave_one_out": float(comparison.leave_one_out[k]),
             "removal_rank": int(comparison.removal_rank[k])}
            for k, u in enumerate(comparison.uids.tolist())
        ],
    }
    write_atomic(args.out, json.dumps(doc, indent=1))

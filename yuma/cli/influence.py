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
from pathlib import Path

import numpy as np

from ..analysis import influence
from ..analysis.weight_setting import SDK_GENERATIONS, WeightSettingError, scores_to_weights
from ..core.inputs import check_inputs
from ..core.variants import VARIANTS

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
    p = subparsers.add_parser(
        "influence",
        help="rank validators by Shapley value and by removal impact on one epoch",
        description="Shapley values of the validators for an outcome of one epoch, their "
        "leave-one-out removal impact for the same outcome, and how the two rankings "
        "differ (yuma.analysis.influence).",
    )
    p.add_argument("file", help="epoch snapshot (.npz, .json) or simulator dump (.pt)")
    p.add_argument("--variant", choices=sorted(VARIANTS), help="override the variant")
    p.add_argument("--value", default="incentive-l1",
                   help="outcome: incentive-l1 / incentive-l2 (distance to the full epoch's "
                   "incentive), incentive:UID, dividends:UID or emission:UID "
                   "(default incentive-l1)")
    p.add_argument("--players", help="validator UIDs, comma-separated (default: permitted "
                   "validators holding stake and weights)")
    p.add_argument("--top", type=int, help="keep only the TOP players by stake")
    p.add_argument("--method", choices=["auto", "exact", "sampled"], default="auto",
                   help=f"exact enumerates 2**p epochs (auto: exact up to "
                   f"{influence.AUTO_EXACT} players)")
    p.add_argument("--permutations", type=int, default=256,
                   help="sampled: most permutations, even (256)")
    p.add_argument("--tolerance", type=float,
                   help="sampled: stop once every standard error is at most this")
    p.add_argument("--seed", type=int, default=0, help="sampled: seed (0)")
    p.add_argument("--permits", choices=list(influence.PERMIT_RULES), default="recompute",
                   help="permits of the epochs run: recomputed from stake (default) or as given")
    p.add_argument("--sdk", choices=list(SDK_GENERATIONS),
                   help="first send each validator's row through this bittensor SDK and the "
                   "chain's set_weights")
    p.add_argument("--min-allowed-weights", type=int, default=0, help="with --sdk (0)")
    p.add_argument("--max-weight-limit", type=int, default=65535, help="with --sdk (65535)")
    p.add_argument("--rows", type=int, default=10, help="table rows to print (10)")
    p.add_argument("--out", help="write the report as JSON")
    return p


def load_epoch_file(path: str, variant: str | None = None) -> dict:
    """:func:`yuma.epoch` keyword arguments from a snapshot or a simulator dump.

    Parameters
    ----------
    path : str
        ``.npz`` / ``.json`` snapshot or ``.pt`` simulator dump.
    variant : str, optional
        Overrides the variant.

    Returns
    -------
    dict
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".pt":
        from ..io import read_simulator_dump

        kwargs = read_simulator_dump(path).epoch_kwargs(variant=variant)
    else:
        from ..io.snapshot import load_snapshot

        kwargs = load_snapshot(path)
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
    if args.out is not None:
        out = Path(args.out)
        if out.suffix.lower() != ".json":
            raise ValueError(f"--out must name a .json file, got {args.out!r}")
        if not out.resolve().parent.is_dir():
            raise ValueError(f"--out: the folder of {args.out!r} does not exist")
    if not Path(args.file).is_file():
        raise ValueError(f"{args.file}: no such file")


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
            permits=args.permits, **kwargs)
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
    Path(args.out).write_text(json.dumps(doc, indent=1))

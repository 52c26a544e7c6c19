"""``yuma epoch FILE``: one epoch on any supported file, its top rows and its full table.

The file is read by :func:`yuma.io.read_snapshot` (``.npz`` / ``.json`` snapshots, ``.pt``
simulator dumps). The printed table shows the UIDs with the largest emission first, with
hotkeys, roles and stake in TAO when the file knows its unit; ``--csv`` and ``--json``
write every UID.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import sys

import numpy as np

from .._outputs import check_output_path, write_atomic
from ..core.run_epoch import epoch
from ..io.snapshot import EpochSnapshot, read_snapshot
from ..result import EpochResult
from ..sim.replay import uid_roles

__all__ = ["epoch_rows", "format_epoch", "run"]

_COLUMNS = ("validator_permit", "validator_trust", "consensus", "incentive", "dividends",
            "emission")


def epoch_rows(snapshot: EpochSnapshot, result: EpochResult) -> list[dict]:
    """One row per UID, in UID order: labels, stake and the epoch's per-UID outputs.

    Parameters
    ----------
    snapshot : EpochSnapshot
        What the epoch ran on (hotkeys, stake unit, owner).
    result : EpochResult
        The epoch.

    Returns
    -------
    list of dict
        ``uid``, ``hotkey``, ``role``, ``stake`` (TAO when the unit is known, else as
        given), ``stake_share``, then ``validator_permit`` (the new permits),
        ``validator_trust``, ``consensus``, ``incentive``, ``dividends``, ``emission``.
    """
    cols = result.per_uid()
    n = result.n_uids
    stake = snapshot.stake_tao
    if stake is None:
        stake = np.asarray(snapshot.inputs["stake"], dtype=np.float64)
    if stake.shape[0] < n:  # rectangular: miners hold no stake
        stake = np.concatenate([stake, np.zeros(n - stake.shape[0])])
    roles = uid_roles(result, snapshot.inputs.get("owner_uid"))
    hotkeys = snapshot.hotkeys or ("",) * n
    rows = []
    for uid in range(n):
        row = {"uid": uid, "hotkey": hotkeys[uid], "role": roles[uid],
               "stake": float(stake[uid]), "stake_share": float(cols["stake"][uid])}
        for name in _COLUMNS:
            value = cols[name][uid]
            row[name] = bool(value) if name == "validator_permit" else float(value)
        rows.append(row)
    return rows


def format_epoch(snapshot: EpochSnapshot, result: EpochResult, top: int = 20) -> str:
    """The header and the top rows by emission of one epoch, as text.

    Parameters
    ----------
    snapshot : EpochSnapshot
    result : EpochResult
    top : int
        Rows shown, largest emission first (ties by UID); 0 shows every UID.

    Returns
    -------
    str
    """
    rows = epoch_rows(snapshot, result)
    params = snapshot.params
    where = []
    if snapshot.netuid is not None:
        where.append(f"netuid {snapshot.netuid}")
    if snapshot.block is not None:
        where.append(f"block {snapshot.block}")
    unit = {"tao": "TAO", "rao": "TAO"}.get(snapshot.stake_unit or "", "as given")
    lines = [
        f"yuma epoch {snapshot.source}: {', '.join(where + [f'{result.n_uids} UIDs'])}",
        f"variant={result.variant}, liquid_alpha={params.liquid_alpha}, "
        f"kappa={params.kappa:.6g}, max_allowed_validators={params.max_allowed_validators}",
        ("validator_permit: the file has none; derived from stake as the chain hands them "
         f"out (the {params.max_allowed_validators} largest non-zero stakes)"
         if snapshot.permits_derived else "validator_permit: from the file"),
    ]
    order = sorted(range(len(rows)), key=lambda u: (-rows[u]["emission"], u))
    shown = order if top == 0 else order[:top]
    width = max([len("hotkey")] + [min(len(rows[u]["hotkey"]), 16) for u in shown])
    head = (f"{'uid':>5}  {'hotkey':<{width}}  {'role':<15} {f'stake ({unit})':>15} "
            f"{'permit':>6} {'v_trust':>8} {'consensus':>9} {'incentive':>9} "
            f"{'dividends':>9} {'emission':>9}")
    lines += ["", head, "-" * len(head)]
    for u in shown:
        r = rows[u]
        hotkey = r["hotkey"] if len(r["hotkey"]) <= 16 else r["hotkey"][:13] + "..."
        lines.append(
            f"{u:>5}  {hotkey:<{width}}  {r['role']:<15} {r['stake']:>15.4f} "
            f"{'yes' if r['validator_permit'] else 'no':>6} {r['validator_trust']:>8.4f} "
            f"{r['consensus']:>9.4f} {r['incentive']:>9.4f} {r['dividends']:>9.4f} "
            f"{r['emission']:>9.6f}"
        )
    lines.append("-" * len(head))
    rest = len(rows) - len(shown)
    more = f"{rest} more UIDs (--top 0 shows all); " if rest else ""
    lines.append(
        f"{more}sums: incentive {sum(r['incentive'] for r in rows):.6f}, dividends "
        f"{sum(r['dividends'] for r in rows):.6f}, emission {sum(r['emission'] for r in rows):.6f}"
    )
    return "\n".join(lines)


def _csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["uid"])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()


def _json_text(snapshot: EpochSnapshot, result: EpochResult, rows: list[dict]) -> str:
    doc = {
        "file": snapshot.source, "netuid": snapshot.netuid, "block": snapshot.block,
        "stake_unit": "TAO" if snapshot.stake_unit else None,
        "variant": result.variant, "params": dataclasses.asdict(snapshot.params),
        "permits_derived": snapshot.permits_derived, "uids": rows,
    }
    return json.dumps(doc, indent=1)


def run(args: argparse.Namespace) -> int:
    """Run ``yuma epoch`` from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        ``file``, ``variant``, ``top``, ``csv``, ``json``.

    Returns
    -------
    int
        0, or 2 on a bad file or option (nothing written).
    """
    try:
        if args.top < 0:
            raise ValueError(f"--top must be >= 0, got {args.top}")
        check_output_path(args.csv, "--csv", suffixes=(".csv",))
        check_output_path(args.json, "--json", suffixes=(".json",))
        snapshot = read_snapshot(args.file)
        kwargs = snapshot.epoch_kwargs()
        if args.variant is not None:
            kwargs["params"] = dataclasses.replace(kwargs["params"], variant=args.variant)
        result = epoch(**kwargs)
    except ValueError as exc:
        print(f"yuma epoch: error: {exc}", file=sys.stderr)
        return 2
    print(format_epoch(snapshot, result, top=args.top))
    rows = epoch_rows(snapshot, result)
    if args.csv is not None:
        write_atomic(args.csv, _csv_text(rows))
        print(f"table written to {args.csv}")
    if args.json is not None:
        write_atomic(args.json, _json_text(snapshot, result, rows))
        print(f"table written to {args.json}")
    return 0

r"""Replay a subnet's history: its snapshots through the epoch, our state carried.

Given snapshots of one subnet at increasing blocks (each the inputs of one epoch: weights,
stake, hyperparameters, and whatever else the source had), :func:`replay` runs one epoch
per snapshot and carries from each epoch to the next what the chain stores:

* the bonds (:attr:`yuma.EpochResult.bonds`, through the chain's u16 storage by default);
* the validator permits (:attr:`yuma.EpochResult.validator_permit`);
* the consensus (what liquid alpha reads as the previous consensus).

The first snapshot's own bonds, permits (stored, or derived from the stake as the chain
hands them out: :func:`yuma.io.subnet.derived_permits`) and stored consensus start the
run; later snapshots contribute their weights, stake and activity, not their bonds.

**Hotkey churn.** A UID whose hotkey differs from the previous snapshot's was deregistered
and taken by a new neuron in between. The chain then starts the new neuron clean: every
validator's bond to it is reset (the chain's bond reset for UIDs registered since the last
epoch), and weights set to the UID before the registration are outdated (the chain's
``last_update[i] <= block_at_registration[j]`` mask). When a snapshot carries
``block_at_registration`` (and ``last_update``), the epoch applies both rules itself; when
it does not (a simulator dump), the replay resets the bond column and drops the weights to
the UID from every row whose ``last_update`` is not after the previous snapshot's block (from
every row when ``last_update`` is unknown).

**Candidates.** The same history runs under several candidates side by side: the
snapshots' own hyperparameters (``None``), a preset (``"yuma2"``, ``"yuma3+la"``), a
:class:`yuma.Variant`, a :class:`yuma.YumaParams` or a
:class:`yuma.core.presets.Candidate` (overrides on top of each snapshot's
hyperparameters). :class:`Replay` compares them per validator (dividends per 1000 TAO
staked, relative dividends) and per miner (incentive), and, where the snapshots carry the
chain's own outputs, reports how closely each candidate's epoch matches them, per field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np

from .._progress import Progress
from ..core.presets import Candidate, resolve_candidate
from ..io.snapshot import EpochSnapshot, read_snapshot
from ..io.subnet import SubnetSnapshot
from ..params import YumaParams
from ..result import EpochResult
from ._batch import evaluate_epochs
from .metrics import _ratio
from .simulation import u16_round_trip

__all__ = [
    "HotkeyChange",
    "Replay",
    "ReplayRun",
    "as_epoch_snapshot",
    "check_series",
    "replay",
    "uid_roles",
    "AGREEMENT_FIELDS",
]

AGREEMENT_FIELDS = ("consensus", "incentive", "dividends", "validator_trust", "emission")
"""Chain outputs the replay compares with its own epoch (``emission`` as shares)."""

_ROW_FIELDS = ("stake", "active_stake", "validator_permit", "validator_trust", "dividends",
               "validator_emission")
_COL_FIELDS = ("consensus", "incentive", "server_emission", "emission")


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def as_epoch_snapshot(item, *, hyperparameters=None) -> EpochSnapshot:
    """An :class:`yuma.io.EpochSnapshot` of a snapshot, a subnet snapshot or a file.

    Parameters
    ----------
    item : EpochSnapshot, SubnetSnapshot, str or Path
        A file is read by :func:`yuma.io.read_snapshot` (``.npz``, ``.json``, ``.pt``).
    hyperparameters : mapping or object, optional
        For ``.pt`` dumps only (see :func:`yuma.io.read_snapshot`).

    Returns
    -------
    EpochSnapshot

    Raises
    ------
    ValueError
        For another type, or a file that cannot be read (the message names it).
    """
    if isinstance(item, EpochSnapshot):
        return item
    if isinstance(item, SubnetSnapshot):
        return EpochSnapshot.from_subnet(item)
    if isinstance(item, (str, Path)):
        suffix = Path(item).suffix.lower()
        return read_snapshot(item, hyperparameters=hyperparameters if suffix == ".pt" else None)
    raise ValueError("a snapshot must be an EpochSnapshot, a SubnetSnapshot or a file path, "
                     f"got {type(item).__name__}")


def check_series(snapshots: Sequence[EpochSnapshot]) -> None:
    """Check that snapshots form one subnet's history: one netuid, blocks in order.

    Parameters
    ----------
    snapshots : sequence of EpochSnapshot

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If the series is empty, a snapshot is not in the chain's square form, its netuid
        differs from the first's, its block is not after the previous one's, or it has
        fewer UIDs than the previous one; the message names the snapshot and the field.
    """
    if len(snapshots) == 0:
        raise ValueError("snapshots: the series is empty")
    first = snapshots[0]
    for t, snap in enumerate(snapshots):
        w = np.shape(snap.inputs["weights"])
        if w[0] != w[1]:
            raise ValueError(f"{snap.source}: weights: has shape {w}; a replay needs the "
                             "chain's square form (one row and one column per UID)")
        if t == 0:
            continue
        prev = snapshots[t - 1]
        if first.netuid is not None and snap.netuid is not None and snap.netuid != first.netuid:
            raise ValueError(f"{snap.source}: netuid: is {snap.netuid}, but {first.source} is "
                             f"netuid {first.netuid}: a series is one subnet's history")
        if prev.block is not None and snap.block is not None and snap.block <= prev.block:
            raise ValueError(f"{snap.source}: block: is {snap.block}, not after "
                             f"{prev.source}'s block {prev.block}: give the snapshots in "
                             "block order, each block once")
        if snap.n < prev.n:
            raise ValueError(f"{snap.source}: stake: has {snap.n} UIDs, fewer than the "
                             f"{prev.n} of {prev.source} (a subnet's UIDs do not go away)")


def _candidates(candidates) -> list[tuple[str, Candidate | None]]:
    """``[(label, candidate or None)]``: None runs each snapshot's own hyperparameters."""
    if candidates is None:
        candidates = [None]
    elif isinstance(candidates, (str, Candidate, YumaParams)) or not isinstance(
        candidates, Sequence
    ):
        candidates = [candidates]
    out: list[tuple[str, Candidate | None]] = []
    for spec in candidates:
        if spec is None:
            out.append(("snapshot", None))
        else:
            cand = resolve_candidate(spec)
            out.append((cand.label, cand))
    labels = [label for label, _ in out]
    if len(set(labels)) != len(labels):
        raise ValueError(f"candidates: labels must differ, got {labels}")
    return out


# --------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotkeyChange:
    """A UID that changed hotkey between two snapshots (a new neuron took it).

    Attributes
    ----------
    epoch : int
        Index of the snapshot where the new hotkey first appears.
    uid : int
    old, new : str
        Hotkeys before and after.
    """

    epoch: int
    uid: int
    old: str
    new: str


@dataclass(frozen=True, eq=False)
class ReplayRun:
    r"""One candidate's epochs over the series, stacked per epoch and UID.

    Attributes
    ----------
    label : str
        The candidate's label.
    params : tuple of YumaParams
        Hyperparameters of each epoch.
    raw_stake : numpy.ndarray, shape (epochs, n)
        Stake given to each epoch, in the snapshots' unit.
    stake, active_stake, validator_trust : numpy.ndarray, shape (epochs, n)
        As :class:`yuma.EpochResult` (shares).
    dividends, validator_emission : numpy.ndarray, shape (epochs, n)
        As :class:`yuma.EpochResult` (shares).
    validator_permit : numpy.ndarray of bool, shape (epochs, n)
        The new permits of each epoch.
    consensus, incentive, server_emission, emission : numpy.ndarray, shape (epochs, n)
        As :class:`yuma.EpochResult`.
    final_bonds : numpy.ndarray, shape (n, n)
        Bonds carried out of the last epoch.
    final_validator_permit : numpy.ndarray of bool, shape (n,)
        Permits carried out of the last epoch.
    """

    label: str
    params: tuple
    raw_stake: np.ndarray
    stake: np.ndarray
    active_stake: np.ndarray
    validator_permit: np.ndarray
    validator_trust: np.ndarray
    dividends: np.ndarray
    validator_emission: np.ndarray
    consensus: np.ndarray
    incentive: np.ndarray
    server_emission: np.ndarray
    emission: np.ndarray
    final_bonds: np.ndarray
    final_validator_permit: np.ndarray

    @property
    def n_epochs(self) -> int:
        """Number of epochs replayed."""
        return self.dividends.shape[0]

    def relative_dividends(self) -> np.ndarray:
        r"""``D_i / S_i`` over the whole replay: ``sum_t D_i(t) / sum_t S_i(t)``.

        Returns
        -------
        numpy.ndarray, shape (n,)
            NaN where the UID never held stake.
        """
        return _ratio(self.dividends.sum(axis=0), self.stake.sum(axis=0))


@dataclass(frozen=True, eq=False)
class Replay:
    """Candidates replayed over one subnet's snapshots, side by side.

    Attributes
    ----------
    runs : mapping of str to ReplayRun
        By candidate label, in the order given.
    blocks : tuple of int or None
        Block of each snapshot.
    netuid : int or None
    hotkeys : tuple of str or None
        Hotkeys of the last snapshot.
    changes : tuple of HotkeyChange
        UIDs that changed hotkey along the series.
    stake_unit : str or None
        ``"tao"`` or ``"rao"`` when every snapshot knows it.
    emission_per_epoch : numpy.ndarray, shape (epochs,), or None
        Emission of each epoch in TAO (or alpha), when given or known from the chain's
        stored emission; None when unknown.
    chain_outputs : tuple of mapping
        Per snapshot, the chain's stored outputs (proportions; ``emission`` in rao).
    sources : tuple of str
    permits_derived : tuple of bool
        Per snapshot, whether its permits were derived from stake (only the first
        snapshot's are used; later epochs carry their own).
    """

    runs: Mapping[str, ReplayRun]
    blocks: tuple
    netuid: int | None
    hotkeys: tuple | None
    changes: tuple
    stake_unit: str | None
    emission_per_epoch: np.ndarray | None
    chain_outputs: tuple
    sources: tuple
    permits_derived: tuple

    @property
    def n_epochs(self) -> int:
        """Number of snapshots replayed."""
        return len(self.blocks)

    @property
    def labels(self) -> tuple[str, ...]:
        """Candidate labels, in order."""
        return tuple(self.runs)

    @property
    def n_uids(self) -> int:
        """UIDs of the last snapshot."""
        return next(iter(self.runs.values())).emission.shape[1]

    def validators(self) -> np.ndarray:
        """UIDs that validate in some epoch of some candidate (dividends or trust > 0).

        Returns
        -------
        numpy.ndarray of int
            Ascending.
        """
        mask = np.zeros(self.n_uids, dtype=bool)
        for run in self.runs.values():
            mask |= (run.dividends > 0).any(axis=0) | (run.validator_trust > 0).any(axis=0)
        return np.flatnonzero(mask)

    def miners(self) -> np.ndarray:
        """UIDs with incentive in some epoch of some candidate.

        Returns
        -------
        numpy.ndarray of int
            Ascending.
        """
        mask = np.zeros(self.n_uids, dtype=bool)
        for run in self.runs.values():
            mask |= (run.incentive > 0).any(axis=0)
        return np.flatnonzero(mask)

    def stake_tao(self) -> np.ndarray | None:
        """Stake per epoch and UID in TAO, when the unit is known.

        Returns
        -------
        numpy.ndarray, shape (epochs, n), or None
        """
        raw = next(iter(self.runs.values())).raw_stake
        if self.stake_unit == "tao":
            return raw.copy()
        if self.stake_unit == "rao":
            return raw / 1e9
        return None

    def dividends_per_1000(self, label: str) -> np.ndarray:
        r"""Mean dividends per epoch per 1000 staked, per UID.

        ``mean_t 1000 E_t e_i(t) / s_i(t)`` with ``E_t`` the epoch's emission
        (:attr:`emission_per_epoch`; 1 when unknown, then the figure is per unit of
        emission), ``e_i(t)`` the UID's share of it as dividends
        (``validator_emission``) and ``s_i(t)`` its stake in TAO (in the snapshots' unit
        when that is unknown). Epochs where the UID holds no stake are left out.

        Parameters
        ----------
        label : str
            A candidate.

        Returns
        -------
        numpy.ndarray, shape (n,)
            NaN for UIDs that never held stake.
        """
        run = self.runs[label]
        stake = self.stake_tao()
        if stake is None:
            stake = run.raw_stake
        per_epoch = np.ones(self.n_epochs) if self.emission_per_epoch is None else \
            self.emission_per_epoch
        earned = _ratio(1000.0 * per_epoch[:, None] * run.validator_emission, stake)
        counted = np.isfinite(earned)
        total = np.where(counted, earned, 0.0).sum(axis=0)
        return _ratio(total, counted.sum(axis=0).astype(np.float64))

    def agreement(self, label: str | None = None) -> list[dict]:
        r"""How closely a candidate's epochs match the chain's stored outputs, per field.

        For each snapshot carrying an output of :data:`AGREEMENT_FIELDS`, the largest and
        the mean absolute difference between the chain's value (u16 / 65535; emission
        as each UID's share of the total) and ours, over the UIDs. The chain's outputs in
        a snapshot were computed by its epoch at ``last_step`` from the inputs then; ours
        use the inputs at the snapshot's block and our carried bonds, so they match
        closely when nothing changed in between (1 / 65535 is one u16 step).

        Parameters
        ----------
        label : str, optional
            A candidate (default the first).

        Returns
        -------
        list of dict
            ``epoch``, ``block``, ``field``, ``max_abs``, ``mean_abs``, ``worst_uid``;
            empty when no snapshot carries outputs.
        """
        run = self.runs[self.labels[0] if label is None else label]
        rows = []
        for t, outputs in enumerate(self.chain_outputs):
            for name in AGREEMENT_FIELDS:
                if name not in outputs:
                    continue
                chain_value = np.asarray(outputs[name], dtype=np.float64)
                ours = getattr(run, name)[t][: chain_value.shape[0]]
                if name == "emission":
                    total = chain_value.sum()
                    chain_value = chain_value / total if total > 0 else chain_value
                diff = np.abs(ours - chain_value)
                rows.append({"epoch": t, "block": self.blocks[t], "field": name,
                             "max_abs": float(diff.max()) if diff.size else 0.0,
                             "mean_abs": float(diff.mean()) if diff.size else 0.0,
                             "worst_uid": int(np.argmax(diff)) if diff.size else -1})
        return rows

    def validator_table(self) -> list[dict]:
        """Per validator, each candidate side by side: dividends per 1000 staked and RD.

        Returns
        -------
        list of dict
            One row per UID of :meth:`validators`, largest mean stake first: ``uid``,
            ``hotkey``, ``stake`` (mean, in TAO when known), then per candidate label
            ``"<label> D/1000"`` (:meth:`dividends_per_1000`) and ``"<label> RD"``
            (:meth:`ReplayRun.relative_dividends`).
        """
        stake = self.stake_tao()
        if stake is None:
            stake = next(iter(self.runs.values())).raw_stake
        mean_stake = stake.mean(axis=0)
        per_1000 = {lb: self.dividends_per_1000(lb) for lb in self.labels}
        relative = {lb: run.relative_dividends() for lb, run in self.runs.items()}
        uids = sorted(self.validators().tolist(), key=lambda u: (-mean_stake[u], u))
        rows = []
        for uid in uids:
            row = {"uid": uid, "hotkey": self._hotkey(uid), "stake": float(mean_stake[uid])}
            for lb in self.labels:
                row[f"{lb} D/1000"] = float(per_1000[lb][uid])
                row[f"{lb} RD"] = float(relative[lb][uid])
            rows.append(row)
        return rows

    def miner_table(self) -> list[dict]:
        """Per miner, each candidate's mean incentive side by side.

        Returns
        -------
        list of dict
            One row per UID of :meth:`miners`, largest first (by the first candidate):
            ``uid``, ``hotkey``, then ``"<label> incentive"`` per candidate.
        """
        means = {lb: run.incentive.mean(axis=0) for lb, run in self.runs.items()}
        first = means[self.labels[0]]
        uids = sorted(self.miners().tolist(), key=lambda u: (-first[u], u))
        return [{"uid": uid, "hotkey": self._hotkey(uid),
                 **{f"{lb} incentive": float(means[lb][uid]) for lb in self.labels}}
                for uid in uids]

    def _hotkey(self, uid: int) -> str:
        if self.hotkeys is None or uid >= len(self.hotkeys):
            return ""
        return self.hotkeys[uid]

    def format(self, top: int = 10) -> str:
        """The replay as text: settings, chain agreement, validators and top miners.

        Parameters
        ----------
        top : int
            Miners shown (largest incentive first); validators are all shown.

        Returns
        -------
        str
        """
        lines = [self._header()]
        agree = self.agreement()
        if agree:
            lines.append("")
            lines.append(f"agreement with the chain's stored outputs ({self.labels[0]}; "
                         "largest |ours - chain| over UIDs, 1 u16 step = 1.5e-5):")
            by_field: dict[str, list] = {}
            for row in agree:
                by_field.setdefault(row["field"], []).append(row)
            for name, rows in by_field.items():
                worst = max(rows, key=lambda r: r["max_abs"])
                lines.append(f"  {name:<16} max {worst['max_abs']:.2e} (epoch "
                             f"{worst['epoch']}, uid {worst['worst_uid']}), mean "
                             f"{np.mean([r['mean_abs'] for r in rows]):.2e}")
        unit = "TAO" if self.stake_unit in ("tao", "rao") else "units"
        per = "TAO" if self.emission_per_epoch is not None else "emission shares"
        lines.append("")
        lines.append(f"validators: dividends per 1000 {unit} staked per epoch (D/1000, in {per})"
                     ", relative dividends (RD = dividend share / stake share)")
        lines.append(_format_rows(self.validator_table(), {"stake": ".1f"}))
        miners = self.miner_table()
        lines.append("")
        lines.append(f"miners: mean incentive, top {min(top, len(miners))} of {len(miners)}")
        lines.append(_format_rows(miners[:top], {}))
        return "\n".join(lines)

    def _header(self) -> str:
        blocks = [b for b in self.blocks if b is not None]
        span = f"blocks {blocks[0]}..{blocks[-1]}" if blocks else "blocks unknown"
        net = f"netuid {self.netuid}" if self.netuid is not None else "netuid unknown"
        text = (f"replay: {self.n_epochs} snapshot(s) of {net}, {span}, {self.n_uids} UIDs; "
                f"candidates: {', '.join(self.labels)}")
        if self.permits_derived and self.permits_derived[0]:
            text += ("\npermits: the first snapshot has none; derived from its stake as the "
                     "chain hands them out (top max_allowed_validators non-zero stakes)")
        if self.changes:
            shown = ", ".join(f"uid {c.uid} at epoch {c.epoch}" for c in self.changes[:8])
            more = "" if len(self.changes) <= 8 else f" and {len(self.changes) - 8} more"
            text += f"\nhotkey changes (bonds reset, old weights dropped): {shown}{more}"
        return text

    def to_frame(self):
        """Tidy table: one row per (candidate, epoch, UID).

        Returns
        -------
        pandas.DataFrame
            ``candidate``, ``epoch``, ``block``, ``uid``, ``hotkey``, ``raw_stake`` and the
            per-UID fields of :class:`ReplayRun`.

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        import pandas as pd

        frames = []
        n = self.n_uids
        hotkeys = [self._hotkey(u) for u in range(n)]
        for label, run in self.runs.items():
            data = {"candidate": label,
                    "epoch": np.repeat(np.arange(self.n_epochs), n),
                    "block": np.repeat(np.array([-1 if b is None else b for b in self.blocks]),
                                       n),
                    "uid": np.tile(np.arange(n), self.n_epochs),
                    "hotkey": np.tile(np.array(hotkeys, dtype=object), self.n_epochs),
                    "raw_stake": run.raw_stake.reshape(-1)}
            for name in _ROW_FIELDS + _COL_FIELDS:
                data[name] = getattr(run, name).reshape(-1)
            frames.append(pd.DataFrame(data))
        return pd.concat(frames, ignore_index=True)

    def plot(self, top: int = 8):
        """Dividends per 1000 staked of the largest validators, one panel per candidate.

        Parameters
        ----------
        top : int
            Validators drawn (largest mean stake first).

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        table = self.validator_table()[:top]
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
        x = np.arange(len(table))
        width = 0.8 / max(len(self.labels), 1)
        for k, label in enumerate(self.labels):
            axes[0].bar(x + k * width, [r[f"{label} D/1000"] for r in table], width,
                        label=label)
            axes[1].bar(x + k * width, [r[f"{label} RD"] for r in table], width, label=label)
        for ax, title in zip(axes, ("dividends per 1000 staked", "relative dividends"),
                             strict=True):
            ax.set_xticks(x + width * (len(self.labels) - 1) / 2)
            ax.set_xticklabels([str(r["uid"]) for r in table])
            ax.set_xlabel("validator UID (largest stake first)")
            ax.set_title(title)
        axes[1].axhline(1.0, color="grey", lw=0.8)
        axes[0].legend(fontsize=8)
        net = f"SN{self.netuid}" if self.netuid is not None else "subnet"
        fig.suptitle(f"{net} replay, {self.n_epochs} epoch(s)")
        fig.tight_layout()
        return fig


def _format_rows(rows: list[dict], formats: Mapping[str, str]) -> str:
    """A fixed-width text table of dict rows (hotkeys shortened)."""
    if not rows:
        return "  (none)"
    keys = list(rows[0])
    cells = []
    for row in rows:
        line = []
        for key in keys:
            value = row[key]
            if key == "hotkey":
                line.append(value[:10] + ("..." if len(value) > 10 else ""))
            elif isinstance(value, float):
                spec = formats.get(key, ".4g" if key.endswith("D/1000") else ".4f")
                line.append("nan" if not np.isfinite(value) else format(value, spec))
            else:
                line.append(str(value))
        cells.append(line)
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    head = "  ".join(k.rjust(w) if k != "hotkey" else k.ljust(w) for k, w in zip(keys, widths,
                                                                                    strict=True))
    out = [head, "-" * len(head)]
    for c in cells:
        out.append("  ".join(v.ljust(w) if k == "hotkey" else v.rjust(w)
                             for k, v, w in zip(keys, c, widths, strict=True)))
    return "\n".join(out)


def uid_roles(result: EpochResult, owner_uid: int | None = None) -> list[str]:
    """Each UID's role in an epoch: validator, miner, both, owner, or none.

    A validator earned dividends or validator trust (it held a permit and its weights
    counted); a miner earned incentive. In the rectangular form rows are validators and
    columns miners.

    Parameters
    ----------
    result : EpochResult
    owner_uid : int, optional
        Marked ``"owner"`` (with its other roles).

    Returns
    -------
    list of str
        ``"validator"``, ``"miner"``, ``"validator+miner"``, ``"owner"``, ``"-"``, ...
    """
    cols = result.per_uid()
    roles = []
    for uid in range(result.n_uids):
        parts = []
        if uid == owner_uid:
            parts.append("owner")
        if cols["dividends"][uid] > 0 or cols["validator_trust"][uid] > 0:
            parts.append("validator")
        if cols["incentive"][uid] > 0:
            parts.append("miner")
        roles.append("+".join(parts) if parts else "-")
    return roles


# --------------------------------------------------------------------------------------
# The fold
# --------------------------------------------------------------------------------------


def _hotkey_changes(snapshots: Sequence[EpochSnapshot]) -> list[HotkeyChange]:
    changes = []
    for t in range(1, len(snapshots)):
        old, new = snapshots[t - 1].hotkeys, snapshots[t].hotkeys
        if old is None or new is None:
            continue
        for uid, (a, b) in enumerate(zip(old, new[: len(old)], strict=True)):
            if a != b:
                changes.append(HotkeyChange(epoch=t, uid=uid, old=a, new=b))
    return changes


def _pad_vector(x: np.ndarray | None, n: int, fill=0):
    if x is None or x.shape[0] == n:
        return x
    out = np.full(n, fill, dtype=x.dtype)
    out[: x.shape[0]] = x
    return out


def _pad_matrix(x: np.ndarray | None, n: int):
    if x is None or x.shape[0] == n:
        return x
    out = np.zeros((n, n), dtype=x.dtype)
    out[: x.shape[0], : x.shape[1]] = x
    return out


def _churn_inputs(kw: dict, churned: list[int], prev_block: int | None) -> dict:
    """Reset the bond columns of churned UIDs; drop outdated weights to them.

    With ``block_at_registration`` and ``last_update`` the epoch's own masks drop the
    outdated weights; without them, rows whose ``last_update`` is not after the previous
    snapshot (all rows when unknown) lose their weight to the UID.
    """
    if not churned:
        return kw
    n = kw["weights"].shape[0]
    reset = np.zeros(n, dtype=bool) if kw.get("reset_bonds") is None else \
        np.array(kw["reset_bonds"], dtype=bool)
    reset[churned] = True
    kw["reset_bonds"] = reset
    if kw.get("block_at_registration") is not None and kw.get("last_update") is not None:
        return kw
    lu = kw.get("last_update")
    if lu is not None and prev_block is not None:
        stale = np.asarray(lu).astype(np.float64) <= prev_block
    else:
        stale = np.ones(n, dtype=bool)
    weights = np.array(kw["weights"], dtype=np.float64)
    for uid in churned:
        weights[stale, uid] = 0.0
    kw["weights"] = weights
    if kw.get("listed") is not None:
        listed = np.array(kw["listed"], dtype=bool)
        for uid in churned:
            listed[stale, uid] = False
        kw["listed"] = listed
    return kw


@dataclass
class _State:
    bonds: np.ndarray | None
    validator_permit: np.ndarray | None
    consensus: np.ndarray | None


def _epoch_inputs(snap: EpochSnapshot, t: int, cand: Candidate | None, state: _State,
                  churned: list[int], prev_block: int | None) -> dict:
    """The :func:`yuma.epoch` arguments of snapshot ``t`` under a candidate, state carried."""
    kw = snap.epoch_kwargs()
    if cand is not None:
        kw["params"] = cand.params(snap.params)
        kw["variant"] = cand.variant
    n = snap.n
    if t > 0:
        kw["bonds"] = _pad_matrix(state.bonds, n)
        kw["validator_permit"] = _pad_vector(state.validator_permit, n, False)
        if state.consensus is not None:
            kw["previous_consensus"] = state.consensus
        if (kw.get("block_at_registration") is not None and kw.get("last_tempo") is None
                and prev_block is not None):
            kw["last_tempo"] = prev_block + 1
        kw = _churn_inputs(kw, churned, prev_block)
    return kw


def _stack(results: list[EpochResult], field: str, n: int) -> np.ndarray:
    rows = [_pad_vector(np.asarray(getattr(r, field)), n) for r in results]
    return np.stack(rows) if rows else np.zeros((0, n))


def replay(
    snapshots: Sequence,
    candidates=None,
    *,
    emission_per_epoch: float | None = None,
    u16_bonds: bool = True,
    hyperparameters=None,
    progress: bool = False,
) -> Replay:
    r"""Run a subnet's snapshots through the epoch, state carried, under candidates.

    For each candidate, with ``B``, ``P``, ``C`` the state carried (the first snapshot's
    own to start):

    1. the snapshot's inputs, hyperparameters replaced by the candidate's;
    2. UIDs whose hotkey changed since the previous snapshot: bond column reset, outdated
       weights to them dropped (see the module notes);
    3. ``r_t = epoch(W_t, S_t, B, validator_permit=P, previous_consensus=C, ...)``;
    4. ``B, P, C = r_t.bonds, r_t.validator_permit, r_t.consensus`` (bonds and consensus
       through the chain's u16 storage when ``u16_bonds``,
       :func:`yuma.sim.simulation.u16_round_trip`).

    Parameters
    ----------
    snapshots : sequence
        :class:`yuma.io.EpochSnapshot`, :class:`yuma.io.SubnetSnapshot` or file paths,
        one subnet, blocks in increasing order.
    candidates : optional
        One candidate or a list (see the module notes); None runs the snapshots'
        own hyperparameters, labelled ``"snapshot"``.
    emission_per_epoch : float, optional
        Emission of one epoch in TAO (or alpha) for the dividends per 1000 staked;
        default: the chain's stored emission of each snapshot when every snapshot has
        it, else unknown (figures are then per unit of emission).
    u16_bonds : bool
        Carry bonds and consensus through the chain's u16 storage.
    hyperparameters : mapping or object, optional
        For ``.pt`` dumps given as paths (they hold none).
    progress : bool
        Draw a progress bar on stderr, one step per snapshot run.

    Returns
    -------
    Replay

    Raises
    ------
    ValueError
        On an unreadable snapshot, a series that is not one subnet's history in block
        order (:func:`check_series`), an unknown candidate or a bad argument; the message
        names the snapshot and the field.

    Examples
    --------
    >>> import numpy as np
    >>> from yuma.io.snapshot import EpochSnapshot
    >>> w = np.array([[0, 0, 0.6, 0.4], [0, 0, 0.5, 0.5], [0] * 4, [0] * 4])
    >>> snaps = [EpochSnapshot({"weights": w, "stake": [3.0, 1.0, 0, 0]}, block=b)
    ...          for b in (100, 460, 820)]
    >>> r = replay(snaps, ["yuma2", "yuma3"])
    >>> r.labels, r.runs["yuma3"].dividends.shape
    (('yuma2', 'yuma3'), (3, 4))
    """
    if isinstance(snapshots, (str, Path, EpochSnapshot, SubnetSnapshot)):
        snapshots = [snapshots]
    series = [as_epoch_snapshot(s, hyperparameters=hyperparameters) for s in snapshots]
    check_series(series)
    cands = _candidates(candidates)
    if not isinstance(u16_bonds, (bool, np.bool_)):
        raise ValueError(f"u16_bonds must be a bool, got {u16_bonds!r}")
    if not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool, got {progress!r}")
    per_epoch = _emission_per_epoch(series, emission_per_epoch)
    changes = _hotkey_changes(series)
    churn_at: dict[int, list[int]] = {}
    for change in changes:
        churn_at.setdefault(change.epoch, []).append(change.uid)
    n_final = series[-1].n
    states = [_State(None, None, None) for _ in cands]
    results: list[list[EpochResult]] = [[] for _ in cands]
    params: list[list[YumaParams]] = [[] for _ in cands]
    raw_stake = []
    with Progress(len(series), "replay", unit="snapshots", enabled=bool(progress)) as bar:
        for t, snap in enumerate(series):
            prev_block = series[t - 1].block if t > 0 else None
            batch = [_epoch_inputs(snap, t, cand, state, churn_at.get(t, []), prev_block)
                     for (_, cand), state in zip(cands, states, strict=True)]
            outs = evaluate_epochs(batch, keep=("bonds",))
            raw_stake.append(_pad_vector(np.asarray(snap.inputs["stake"], dtype=np.float64),
                                         n_final))
            for k, (kw, out) in enumerate(zip(batch, outs, strict=True)):
                results[k].append(out)
                params[k].append(kw["params"])
                bonds, consensus = out.bonds, out.consensus
                if u16_bonds:
                    bonds, consensus = u16_round_trip(bonds), u16_round_trip(consensus)
                states[k] = _State(np.array(bonds), np.array(out.validator_permit),
                                   np.array(consensus))
            bar.update()
    runs = {}
    for k, (label, _) in enumerate(cands):
        fields = {f: _stack(results[k], f, n_final) for f in _ROW_FIELDS + _COL_FIELDS}
        runs[label] = ReplayRun(
            label=label, params=tuple(params[k]), raw_stake=np.stack(raw_stake),
            # every candidate ran at least one epoch, so its carried state is set
            final_bonds=cast(np.ndarray, states[k].bonds),
            final_validator_permit=cast(np.ndarray, states[k].validator_permit),
            **fields,
        )
    units = {s.stake_unit for s in series}
    netuids = [s.netuid for s in series if s.netuid is not None]
    return Replay(
        runs=runs,
        blocks=tuple(s.block for s in series),
        netuid=netuids[0] if netuids else None,
        hotkeys=series[-1].hotkeys,
        changes=tuple(changes),
        stake_unit=units.pop() if len(units) == 1 else None,
        emission_per_epoch=per_epoch,
        chain_outputs=tuple(dict(s.outputs) for s in series),
        sources=tuple(s.source for s in series),
        permits_derived=tuple(s.permits_derived for s in series),
    )


def _emission_per_epoch(series: list[EpochSnapshot], given) -> np.ndarray | None:
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, (int, float, np.integer,
                                                             np.floating)):
            raise ValueError(f"emission_per_epoch must be a number, got {given!r}")
        if not np.isfinite(given) or given < 0:
            raise ValueError(f"emission_per_epoch must be finite and >= 0, got {given!r}")
        return np.full(len(series), float(given))
    if all("emission" in s.outputs for s in series):
        return np.array([float(np.sum(s.outputs["emission"])) / 1e9 for s in series])
    return None

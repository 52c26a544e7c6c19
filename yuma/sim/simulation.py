r"""Multi-epoch simulation: :func:`yuma.epoch` folded over the epochs of a :class:`Scenario`.

The state carried from one epoch to the next is what the chain stores: the bonds
(:attr:`yuma.EpochResult.bonds`, optionally through the chain's u16 storage), the
validator permits (:attr:`yuma.EpochResult.validator_permit`) and the consensus.
Everything else comes from the scenario: weights, stakes, events and dynamic roles.

Two loops give the same bits: ``_python_fold`` calls :func:`yuma.epoch` once per
epoch (the reference, and the path of user variants and of the fixed-point epoch);
``_compiled_fold`` runs the built-in variants' epochs in one compiled loop
(``yuma.sim._fold_kernel``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import pandas as pd

    from ..result import EpochResult

from .._extras import import_optional
from .._progress import Progress
from .._validation import as_mask, as_matrix, as_vector, is_integer
from ..core import _epoch_kernel as _ek
from ..core.builtin_epoch import VARIANT_CODES, int_params, real_params, use_parallel
from ..core.run_epoch import epoch
from ..core.variants import YUMA2, YUMA3, Variant, get_variant
from ..params import U16_MAX, YumaParams
from . import _fold_kernel as fk
from .scenarios import Scenario, WeightCopier

__all__ = ["Simulation", "simulate", "u16_round_trip", "winner_takes_all"]

ROW_FIELDS = (
    "stake",
    "active",
    "active_stake",
    "validator_permit",
    "validator_trust",
    "dividends",
    "validator_emission",
)
"""Per-row (validator) fields of :class:`yuma.EpochResult` that a simulation stacks."""

COLUMN_FIELDS = ("consensus", "rank", "trust", "incentive", "server_emission")
"""Per-column (miner) fields of :class:`yuma.EpochResult` that a simulation stacks."""

MATRIX_FIELDS = (
    "input_weights",
    "weights",
    "clipped_weights",
    "weights_for_bonds",
    "ema_bonds",
    "bonds",
)
"""Matrices a simulation can keep per epoch (``keep=``): ``input_weights`` is what the epoch
was given (after the copiers and the join/leave masks), the others are the
:class:`yuma.EpochResult` fields of the same names."""

_BOOL_FIELDS = ("active", "validator_permit")
_YUMA3_CODE = _ek.YUMA3_CODE


def u16_round_trip(bonds: np.ndarray) -> np.ndarray:
    r"""Bonds as the chain stores them in u16 and reads them back.

    ``floor(clip(b, 0, 1) * 65535) / 65535``. The same rule serves both bond forms: Yuma 2
    stores column max-upscaled bonds (:attr:`yuma.EpochResult.bonds` already is), as u16
    integers ``floor(x * 65535)``, and reads them column-normalized, so dividing by 65535
    changes nothing; Yuma 3 stores absolute proportions ``floor(b * 65535)`` and reads
    ``v / 65535``.

    Parameters
    ----------
    bonds : numpy.ndarray
        Bonds in [0, 1] (:attr:`yuma.EpochResult.bonds`).

    Returns
    -------
    numpy.ndarray
        A new array of multiples of 1/65535.
    """
    return np.floor(np.clip(np.asarray(bonds, dtype=np.float64) * U16_MAX, 0.0, U16_MAX)) / U16_MAX


def winner_takes_all(variant: Variant) -> Variant:
    r"""A variant with server-side winner-takes-all (this library's model).

    The clip step becomes: clip as ``variant`` does, then keep only the column with the
    largest consensus ``j* = argmax_j C_j`` (the first on a tie), zeroing the others
    (nothing changes when every ``C_j = 0``). So the winner takes all the incentive, and
    with ``bonds_penalty = 1`` bonds form on it only. Not a chain feature.

    Parameters
    ----------
    variant : Variant
        The variant to modify.

    Returns
    -------
    Variant
        Named ``variant.name + "+wta"``.
    """
    base_clip = variant.clip

    def clip(weights: np.ndarray, consensus: np.ndarray) -> np.ndarray:
        clipped = np.array(base_clip(weights, consensus), dtype=np.float64)
        if consensus.size and np.max(consensus) > 0.0:
            winner = int(np.argmax(consensus))
            clipped[:, :winner] = 0.0
            clipped[:, winner + 1:] = 0.0
        return clipped

    return dataclasses.replace(variant, name=f"{variant.name}+wta", clip=clip)


@dataclass(frozen=True, eq=False)
class Simulation:
    r"""Per-epoch outputs of a simulation, stacked over epochs.

    Field names follow :class:`yuma.EpochResult`; each holds one row per epoch. Rows are
    validators (weight setters, ``V``), columns weight receivers (``n``); UIDs are numbered
    as in :meth:`yuma.EpochResult.per_uid` (rectangular: validators then miners).

    Attributes
    ----------
    scenario : str
        Name of the scenario.
    variant : str
        Name of the variant that ran.
    params : YumaParams
        Hyperparameters used.
    square : bool
        The chain's square form.
    u16_bonds : bool
        Whether bonds went through the u16 storage between epochs.
    copiers : tuple of int
        UIDs of the weight copiers.
    roles : tuple of str
        Per UID: ``"validator"``, ``"miner"`` or ``"copier"`` (square form: a UID is a
        validator when it holds stake in some epoch).
    raw_stake : numpy.ndarray, shape (epochs, V)
        Raw stakes given to each epoch (after the stake events).
    stake, active_stake, validator_trust : numpy.ndarray, shape (epochs, V)
        As :class:`yuma.EpochResult`, per epoch.
    dividends, validator_emission : numpy.ndarray, shape (epochs, V)
        As :class:`yuma.EpochResult`, per epoch.
    active, validator_permit : numpy.ndarray of bool, shape (epochs, V)
        Activity mask used, and the new permits of each epoch.
    consensus, rank, trust, incentive, server_emission : numpy.ndarray, shape (epochs, n)
        As :class:`yuma.EpochResult`, per epoch.
    emission : numpy.ndarray, shape (epochs, n_uids)
        Emission share per UID.
    input_weights, weights, clipped_weights : numpy.ndarray, shape (epochs, V, n), or None
        Kept only when asked for (``simulate(..., keep=...)``).
    weights_for_bonds, ema_bonds, bonds : numpy.ndarray, shape (epochs, V, n), or None
        Kept only when asked for (``simulate(..., keep=...)``).
    final_bonds : numpy.ndarray, shape (V, n)
        Bonds carried out of the last epoch (after the u16 round trip, when on): pass it
        as ``bonds`` to continue the simulation.
    final_validator_permit : numpy.ndarray of bool, shape (V,)
        Permits carried out of the last epoch.
    """

    scenario: str
    variant: str
    params: YumaParams
    square: bool
    u16_bonds: bool
    copiers: tuple[int, ...]
    roles: tuple[str, ...]
    raw_stake: np.ndarray
    stake: np.ndarray
    active: np.ndarray
    active_stake: np.ndarray
    validator_permit: np.ndarray
    validator_trust: np.ndarray
    dividends: np.ndarray
    validator_emission: np.ndarray
    consensus: np.ndarray
    rank: np.ndarray
    trust: np.ndarray
    incentive: np.ndarray
    server_emission: np.ndarray
    emission: np.ndarray
    final_bonds: np.ndarray
    final_validator_permit: np.ndarray
    input_weights: np.ndarray | None = None
    weights: np.ndarray | None = None
    clipped_weights: np.ndarray | None = None
    weights_for_bonds: np.ndarray | None = None
    ema_bonds: np.ndarray | None = None
    bonds: np.ndarray | None = None

    @property
    def n_epochs(self) -> int:
        """Number of epochs simulated."""
        result: int = self.dividends.shape[0]
        return result

    @property
    def n_rows(self) -> int:
        """Number of weight rows (validators)."""
        result: int = self.dividends.shape[1]
        return result

    @property
    def n_cols(self) -> int:
        """Number of weight columns."""
        result: int = self.incentive.shape[1]
        return result

    @property
    def n_uids(self) -> int:
        """Number of UIDs: ``n`` (square) or ``V + n`` (rectangular)."""
        result: int = self.emission.shape[1]
        return result

    @property
    def kept(self) -> tuple[str, ...]:
        """Names of the matrices kept per epoch."""
        return tuple(f for f in MATRIX_FIELDS if getattr(self, f) is not None)

    def __len__(self) -> int:
        return self.n_epochs

    def at(self, t: int) -> dict[str, np.ndarray]:
        """Everything recorded for one epoch.

        Parameters
        ----------
        t : int
            Epoch index (negative counts from the end).

        Returns
        -------
        dict of str to numpy.ndarray
            ``raw_stake``, the row and column fields, ``emission`` and the kept matrices,
            each for epoch ``t`` (views, not copies).

        Raises
        ------
        IndexError
            If ``t`` is out of range.
        """
        if not -self.n_epochs <= t < self.n_epochs:
            raise IndexError(f"epoch {t} out of range for {self.n_epochs} epochs")
        names = ("raw_stake",) + ROW_FIELDS + COLUMN_FIELDS + ("emission",) + self.kept
        return {name: getattr(self, name)[t] for name in names}

    def __getitem__(self, t: int) -> dict[str, np.ndarray]:
        return self.at(t)

    def per_uid(self) -> dict[str, np.ndarray]:
        """Per-UID quantities of every epoch, as :meth:`yuma.EpochResult.per_uid` stacked.

        In the rectangular form, row quantities are 0 for miners and column quantities 0
        for validators.

        Returns
        -------
        dict of str to numpy.ndarray
            Arrays of shape (epochs, n_uids).
        """
        n_epochs, n_rows, n_cols = self.n_epochs, self.n_rows, self.n_cols
        if self.square:
            def rows(x: np.ndarray) -> np.ndarray:
                return x

            cols = rows
        else:
            def rows(x: np.ndarray) -> np.ndarray:
                return np.concatenate([x, np.zeros((n_epochs, n_cols), dtype=x.dtype)], axis=1)

            def cols(x: np.ndarray) -> np.ndarray:
                return np.concatenate([np.zeros((n_epochs, n_rows), dtype=x.dtype), x], axis=1)

        out: dict[str, np.ndarray] = {"raw_stake": rows(self.raw_stake)}
        out.update({f: rows(getattr(self, f)) for f in ROW_FIELDS})
        out.update({f: cols(getattr(self, f)) for f in COLUMN_FIELDS})
        out["emission"] = self.emission
        return out

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per (epoch, UID).

        Returns
        -------
        pandas.DataFrame
            Columns ``epoch``, ``uid``, ``role``, then the per-UID fields of
            :meth:`per_uid`.

        Raises
        ------
        ImportError
            If pandas is not installed (the message gives the command:
            ``pip install "yuma-consensus[pandas]"``).
        """
        pd = import_optional("pandas", "Simulation.to_frame", extra="pandas")
        per_uid = self.per_uid()
        n_epochs, n_uids = self.n_epochs, self.n_uids
        data = {
            "epoch": np.repeat(np.arange(n_epochs), n_uids),
            "uid": np.tile(np.arange(n_uids), n_epochs),
            "role": np.tile(np.array(self.roles, dtype=object), n_epochs),
        }
        data.update({name: x.reshape(-1) for name, x in per_uid.items()})
        return pd.DataFrame(data)


def _copier_source(copier: WeightCopier, t: int) -> int | None:
    """Epoch whose consensus the copier sets at epoch t, or None (no weights)."""
    if t >= copier.lag:
        return t - copier.lag
    if copier.warmup == "first" and t >= 1:
        return 0
    return None


def _check_keep(keep: str | Iterable[str]) -> tuple[str, ...]:
    """The names of the matrices to keep, each one of :data:`MATRIX_FIELDS`."""
    if isinstance(keep, str):
        keep = (keep,)
    try:
        keep = tuple(keep)
    except TypeError:
        raise ValueError(f"keep must be a tuple of field names, got {keep!r}") from None
    for name in keep:
        if name not in MATRIX_FIELDS:
            raise ValueError(f"keep: {name!r} is not one of {list(MATRIX_FIELDS)}")
    return keep


# --------------------------------------------------------------------------------------
# The pieces of one run: its settings, the state carried, the schedules, the record
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """The checked settings of one :func:`simulate` call."""

    params: YumaParams
    variant: Variant
    n_epochs: int
    u16_bonds: bool
    keep: tuple[str, ...]
    arithmetic: str
    progress: bool

    @property
    def stored_form(self) -> bool:
        """Whether the float path carries bonds and consensus through u16 storage."""
        return self.u16_bonds and self.arithmetic == "float"


@dataclass(frozen=True)
class _Carried:
    """What the chain stores from one epoch to the next: bonds, permits, consensus."""

    bonds: np.ndarray | None
    validator_permit: np.ndarray | None
    consensus: np.ndarray | None


@dataclass(frozen=True)
class _Schedules:
    """The scenario's events as per-epoch arrays (None: the event kind never occurs)."""

    stakes: np.ndarray
    active: np.ndarray | None
    present: np.ndarray | None
    reset: np.ndarray | None

    @classmethod
    def of(cls, scenario: Scenario) -> _Schedules:
        """Stakes, activity, presence and bond resets of every epoch of ``scenario``."""
        return cls(
            stakes=scenario.stake_schedule(),
            active=scenario.active_schedule(),
            present=scenario.presence_schedule(),
            reset=scenario.reset_schedule(),
        )


class _Record:
    """The per-epoch outputs of a run, filled in epoch by epoch."""

    def __init__(self, scenario: Scenario, n_epochs: int, keep: tuple[str, ...]):
        shape_rows, shape_cols = (n_epochs, scenario.n_rows), (n_epochs, scenario.n_cols)
        self.keep = keep
        self.rows = {f: _zeros(shape_rows, f) for f in ROW_FIELDS}
        self.cols = {f: _zeros(shape_cols, f) for f in COLUMN_FIELDS}
        self.emission = np.zeros((n_epochs, scenario.n_uids))
        self.mats = {f: np.zeros((n_epochs, scenario.n_rows, scenario.n_cols)) for f in keep}

    def store(self, t: int, weights: np.ndarray, result: EpochResult) -> None:
        """Record epoch ``t``: the result's fields and the kept matrices."""
        for f in ROW_FIELDS:
            self.rows[f][t] = getattr(result, f)
        for f in COLUMN_FIELDS:
            self.cols[f][t] = getattr(result, f)
        self.emission[t] = result.emission
        for f in self.keep:
            self.mats[f][t] = weights if f == "input_weights" else getattr(result, f)


def _zeros(shape: tuple[int, ...], name: str) -> np.ndarray:
    """A zero array for the stacked field ``name`` (bool for the masks)."""
    return np.zeros(shape, dtype=np.bool_ if name in _BOOL_FIELDS else np.float64)


# --------------------------------------------------------------------------------------
# Checking the arguments
# --------------------------------------------------------------------------------------


def _check_run(
    scenario: object, params: YumaParams | None, variant: str | Variant | None, epochs: int | None,
    u16_bonds: bool | None, keep: str | Iterable[str], arithmetic: str, progress: bool
) -> _Run:
    """Check the settings of a run; fill the defaults from the scenario's hints."""
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    if params is None:
        params = scenario.params if scenario.params is not None else YumaParams()
    elif not isinstance(params, YumaParams):
        raise ValueError(f"params must be a YumaParams, got {type(params).__name__}")
    var = get_variant(variant, params)
    if scenario.winner_takes_all:
        var = winner_takes_all(var)
    n_epochs = _check_epochs(epochs, scenario.n_epochs)
    if u16_bonds is None:
        u16 = scenario.u16_bonds
    elif isinstance(u16_bonds, (bool, np.bool_)):
        u16 = bool(u16_bonds)
    else:
        raise ValueError(f"u16_bonds must be a bool or None, got {u16_bonds!r}")
    keep = _check_keep(keep)
    if not isinstance(arithmetic, str) or arithmetic not in ("float", "fixed"):
        raise ValueError(f"arithmetic must be 'float' or 'fixed', got {arithmetic!r}")
    if arithmetic == "fixed" and not any(var is v for v in (YUMA2, YUMA3)):
        raise ValueError("arithmetic='fixed' runs the chain's yuma2 or yuma3 only")
    if not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool, got {progress!r}")
    return _Run(params, var, n_epochs, u16, keep, arithmetic, bool(progress))


def _check_epochs(epochs: int | None, available: int) -> int:
    """How many epochs to run: all of them by default, else ``epochs`` in [1, available]."""
    if epochs is None:
        return available
    if (
        isinstance(epochs, bool)
        or not is_integer(epochs)
        or not 1 <= epochs <= available
    ):
        raise ValueError(f"epochs must be an integer in [1, {available}], got {epochs!r}")
    return int(epochs)


def _initial_state(
    scenario: Scenario, bonds: ArrayLike | None, validator_permit: ArrayLike | None,
    previous_consensus: ArrayLike | None
) -> _Carried:
    """The state before the first epoch, checked (None: nothing stored yet)."""
    consensus = None if previous_consensus is None else as_vector(
        previous_consensus, "previous_consensus"
    )
    n_rows, n_cols = scenario.n_rows, scenario.n_cols
    carried = None if bonds is None else as_matrix(bonds, "bonds", shape=(n_rows, n_cols))
    permit = None if validator_permit is None else as_mask(
        validator_permit, "validator_permit", length=n_rows
    )
    return _Carried(bonds=carried, validator_permit=permit, consensus=consensus)


# --------------------------------------------------------------------------------------
# The steps of one epoch of the loop
# --------------------------------------------------------------------------------------


def _epoch_weights(
    scenario: Scenario, t: int, present: np.ndarray | None, consensus: np.ndarray
) -> np.ndarray:
    """``W_t``: the scenario's weights, copier rows set, absent miners' columns zeroed.

    ``consensus`` holds the consensus of the epochs run so far (row ``s`` for epoch ``s``).
    """
    w = scenario.weights[t]
    if scenario.copiers or (present is not None and not present[t].all()):
        w = np.array(w)
        for c in scenario.copiers:
            src = _copier_source(c, t)
            w[c.uid] = 0.0 if src is None else consensus[src]
        if present is not None:
            w[:, ~present[t]] = 0.0
    result: np.ndarray = w
    return result


def _reset_bonds(bonds: np.ndarray | None, reset: np.ndarray | None, t: int) -> np.ndarray | None:
    """``B_t`` with the columns reset before epoch ``t`` zeroed (a new array if any)."""
    if bonds is not None and reset is not None and reset[t].any():
        bonds = np.array(bonds)
        bonds[:, reset[t]] = 0.0
    return bonds


def _carry(result: EpochResult, stored_form: bool) -> _Carried:
    """The state stored by an epoch: bonds, new permits and consensus.

    In the stored form, bonds and consensus go through the chain's u16 storage (the chain
    stores Consensus as u16 too: the same ``floor(65535 x) / 65535`` rule).
    """
    if stored_form:
        return _Carried(
            u16_round_trip(result.bonds), result.validator_permit,
            u16_round_trip(result.consensus),
        )
    return _Carried(result.bonds, result.validator_permit, result.consensus)


def _python_fold(
    scenario: Scenario, run: _Run, schedules: _Schedules, start: _Carried
) -> tuple[_Record, _Carried]:
    """Fold :func:`yuma.epoch` over the epochs, in Python: the reference loop.

    Returns the record of every epoch and the state carried out of the last one.
    """
    record = _Record(scenario, run.n_epochs, run.keep)
    state = start
    bar = Progress(run.n_epochs, scenario.name, unit="epochs", enabled=run.progress)
    for t in range(run.n_epochs):
        weights = _epoch_weights(scenario, t, schedules.present, record.cols["consensus"])
        result = epoch(
            weights,
            schedules.stakes[t],
            _reset_bonds(state.bonds, schedules.reset, t),
            params=run.params,
            variant=run.variant,
            active=None if schedules.active is None else schedules.active[t],
            validator_permit=state.validator_permit,
            previous_consensus=state.consensus,
            arithmetic=run.arithmetic,
        )
        record.store(t, weights, result)
        state = _carry(result, run.stored_form)
        bar.update()
    bar.close()
    return record, state


def _compiled_fold(
    scenario: Scenario, run: _Run, schedules: _Schedules, start: _Carried
) -> tuple[_Record, _Carried] | None:
    """The fold of ``_python_fold`` in one compiled loop, or None where it does not apply.

    It applies to the float path of the built-in variants (the kernel :func:`yuma.epoch`
    runs for them); user variants (``winner_takes_all`` included) and the fixed-point path
    return None. Every epoch has the bits of the Python fold's (see
    ``yuma.sim._fold_kernel``). An epoch whose inputs fail a check (initial bonds of
    Yuma 3 above 1, a stored consensus outside [0, 1], ...) hands the run to the Python
    fold, which raises that check's error.
    """
    code = VARIANT_CODES.get(id(run.variant))
    if code is None or run.arithmetic != "float":
        return None
    n_epochs, n_rows, n_cols = run.n_epochs, scenario.n_rows, scenario.n_cols
    params = run.params
    beta = params.bonds_penalty
    yuma3 = code == _YUMA3_CODE
    keep = run.keep
    flags = np.zeros(fk.N_FLAGS, dtype=np.int64)
    flags[fk.F_HAS_ACTIVE] = schedules.active is not None
    flags[fk.F_HAS_PRESENT] = schedules.present is not None
    flags[fk.F_HAS_RESET] = schedules.reset is not None
    flags[fk.F_U16] = run.stored_form
    flags[fk.F_YUMA3] = yuma3
    fill_wb = "weights_for_bonds" in keep and beta in (0.0, 1.0)
    flags[fk.F_WB_OWN] = beta not in (0.0, 1.0) or fill_wb
    has = (
        start.bonds is not None, schedules.active is not None,
        start.validator_permit is not None, False, False, False, False, False,
        start.consensus is not None,
    )
    record = _Record(scenario, n_epochs, keep)
    no_matrix = np.zeros((1, 1, 1))
    kept_names = ("input_weights", "weights", "clipped_weights", "weights_for_bonds",
                  "ema_bonds", "bonds")
    kept = np.array([name in keep for name in kept_names], dtype=np.int64)
    # The matrices not kept go to scratch matrices reused epoch after epoch: dirty.
    dirty = sum(1 << k for k, name in enumerate(kept_names[1:]) if name not in keep)
    ints = np.array(int_params(code, params, None, has, None, 0, int(fill_wb), dirty),
                    dtype=np.int64)
    reals = np.array(real_params(params, 0.0))

    carried = np.zeros((n_rows, n_cols))
    if start.bonds is not None:
        carried[:] = start.bonds
    permit = np.ones(n_rows, dtype=np.bool_)
    if start.validator_permit is not None:
        permit[:] = start.validator_permit
    first_cons = np.zeros(1) if start.consensus is None else np.array(
        start.consensus, dtype=np.float64
    )
    cons_state = np.zeros(n_cols)
    copier_rows = np.array([c.uid for c in scenario.copiers], dtype=np.int64)
    copier_src = np.array(
        [[-1 if (s := _copier_source(c, t)) is None else s for c in scenario.copiers]
         for t in range(n_epochs)], dtype=np.int64,
    ).reshape(n_epochs, len(scenario.copiers))
    no_mask = np.zeros((1, 1), dtype=np.bool_)
    mats = [record.mats.get(name, no_matrix) for name in kept_names]
    rows, cols = record.rows, record.cols
    parallel = use_parallel(n_rows * n_cols)

    def fold(t0: int, t1: int) -> int:
        return fk.fold(
            t0, t1, scenario.weights, schedules.stakes,
            no_mask if schedules.active is None else schedules.active,
            no_mask if schedules.present is None else schedules.present,
            no_mask if schedules.reset is None else schedules.reset,
            copier_rows, copier_src, flags, ints, reals, carried, permit, first_cons,
            cons_state, rows["stake"], rows["active"], rows["active_stake"],
            rows["validator_permit"], rows["validator_trust"], rows["dividends"],
            rows["validator_emission"], cols["consensus"], cols["rank"], cols["trust"],
            cols["incentive"], cols["server_emission"], record.emission, kept, *mats,
            parallel,
        )

    bar = Progress(n_epochs, scenario.name, unit="epochs", enabled=run.progress)
    step = max(1, n_epochs // 100) if run.progress else n_epochs
    for t0 in range(0, n_epochs, step):
        t1 = min(t0 + step, n_epochs)
        failed = fold(t0, t1)
        if failed >= 0:
            bar.close()
            return _python_fold(scenario, run, schedules, start)  # raises the check's error
        bar.update(t1 - t0)
    bar.close()
    final = _Carried(bonds=carried, validator_permit=permit, consensus=cons_state)
    return record, final


def simulate(
    scenario: Scenario,
    params: YumaParams | None = None,
    *,
    variant: str | Variant | None = None,
    epochs: int | None = None,
    u16_bonds: bool | None = None,
    keep: tuple[str, ...] = (),
    bonds: np.ndarray | None = None,
    validator_permit: np.ndarray | None = None,
    progress: bool = False,
    previous_consensus: np.ndarray | None = None,
    arithmetic: str = "float",
) -> Simulation:
    r"""Run a scenario: :func:`yuma.epoch` folded over its epochs.

    For ``t = 0, 1, ...`` (state ``B_0 = bonds``, ``P_0 = validator_permit``):

    1. events naming epoch ``t`` apply first: columns reset by :class:`BondReset`,
       :class:`MinerJoin` or :class:`MinerLeave` are zeroed in ``B_t`` (for every row);
       stakes follow :class:`StakeChange`; :class:`Inactive` validators get
       ``active = False``;
    2. the weights ``W_t`` are the scenario's, with each :class:`WeightCopier` row set to
       the consensus ``C_{t-lag}`` of an earlier epoch of this run, and the columns of
       absent miners zeroed;
    3. ``r_t = epoch(W_t, S_t, B_t, params=params, variant=variant, active=A_t,
       validator_permit=P_t)``;
    4. ``B_{t+1} = r_t.bonds`` (through :func:`u16_round_trip` when ``u16_bonds``),
       ``P_{t+1} = r_t.validator_permit`` and the stored consensus
       ``C^{prev}_{t+1} = r_t.consensus`` (as the chain stores it, ``floor(65535 C) /
       65535``, when ``u16_bonds``), which the next epoch's liquid alpha reads under
       ``params.liquid_alpha_consensus_mode``.

    The built-in variants (float path) run this loop in compiled code
    (``yuma.sim._fold_kernel``), with the state in arrays: every epoch has the bits of
    the loop of :func:`yuma.epoch` written above. User variants (a
    :class:`yuma.Variant` value, ``scenario.winner_takes_all``) and
    ``arithmetic="fixed"`` run that loop in Python.

    Parameters
    ----------
    scenario : Scenario
        What to run.
    params : YumaParams, optional
        Hyperparameters; default ``scenario.params``, else ``YumaParams()``.
    variant : str or Variant, optional
        Overrides ``params.variant``; a :class:`yuma.Variant` value runs a custom variant
        exactly as :func:`yuma.epoch` does. With ``scenario.winner_takes_all`` it is
        wrapped by :func:`winner_takes_all`.
    epochs : int, optional
        Run only the first ``epochs`` epochs (default: all of them).
    u16_bonds : bool, optional
        Round-trip the carried bonds through the chain's u16 storage between epochs
        (default: ``scenario.u16_bonds``).
    keep : tuple of str
        Matrices to record per epoch, among :data:`MATRIX_FIELDS` (each costs
        ``epochs * V * n`` floats).
    bonds : array_like, shape (V, n), optional
        Bonds before the first epoch (as an epoch returns them); None means none.
    validator_permit : array_like of bool, shape (V,), optional
        Permits before the first epoch; None means all permitted.
    progress : bool
        Draw a progress bar on stderr.
    previous_consensus : array_like, optional
        Consensus stored before the first epoch; None means none (the first epoch falls
        back to its own consensus).
    arithmetic : {"float", "fixed"}
        ``"fixed"`` runs every epoch through the chain's fixed-point path
        (``yuma.epoch(..., arithmetic="fixed")``): bonds, permits and consensus are then
        carried in the chain's stored form, so ``u16_bonds`` is not needed.

    Returns
    -------
    Simulation

    Raises
    ------
    ValueError
        On a bad argument; the message names it.

    Examples
    --------
    >>> import yuma
    >>> sim = yuma.simulate(yuma.get_scenario("yuma3_kappa_moves_first"))
    >>> sim.dividends.shape
    (6, 3)
    >>> sim.dividends[1].round(4).tolist()
    [1.0, 0.0, 0.0]
    """
    run = _check_run(scenario, params, variant, epochs, u16_bonds, keep, arithmetic, progress)
    start = _initial_state(scenario, bonds, validator_permit, previous_consensus)
    schedules = _Schedules.of(scenario)
    folded = _compiled_fold(scenario, run, schedules, start)
    record, final = folded if folded is not None else _python_fold(
        scenario, run, schedules, start
    )
    return _simulation(scenario, run, schedules.stakes[: run.n_epochs], record, final)


def _simulation(
    scenario: Scenario, run: _Run, stakes: np.ndarray, record: _Record, final: _Carried
) -> Simulation:
    """The :class:`Simulation` of a finished run."""
    copier_uids = tuple(c.uid for c in scenario.copiers)
    return Simulation(
        scenario=scenario.name,
        variant=run.variant.name,
        params=run.params,
        square=scenario.square,
        u16_bonds=run.u16_bonds,
        copiers=copier_uids,
        roles=_roles(scenario, stakes, copier_uids),
        raw_stake=stakes,
        **record.rows,
        **record.cols,
        emission=record.emission,
        final_bonds=np.array(final.bonds),
        final_validator_permit=np.array(final.validator_permit),
        **record.mats,
    )


def _roles(scenario: Scenario, stakes: np.ndarray, copiers: tuple[int, ...]) -> tuple[str, ...]:
    """Per UID: validator, miner or copier (square form: a validator holds some stake)."""
    if scenario.square:
        roles = ["validator" if s > 0 else "miner" for s in stakes.max(axis=0)]
    else:
        roles = ["validator"] * scenario.n_rows + ["miner"] * scenario.n_cols
    for uid in copiers:
        roles[uid] = "copier"
    return tuple(roles)

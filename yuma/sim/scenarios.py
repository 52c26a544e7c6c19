r"""Multi-epoch scenarios as plain data, and a catalogue of well-known ones.

A :class:`Scenario` is what :func:`yuma.simulate` folds :func:`yuma.epoch` over: the weights
every validator sets in every epoch, the stakes, a tuple of events (bond resets, stake
changes, inactive validators, miners joining and leaving) and optional dynamic roles (a
:class:`WeightCopier`, whose weights the simulation fills in as it runs).

UIDs
----
Events and roles name **UIDs** the way :meth:`yuma.EpochResult.per_uid` numbers them:

* rectangular form (``weights`` of shape ``(epochs, V, n)`` with ``V != n``): validators are
  UIDs ``0 .. V-1`` (the rows) and miners are UIDs ``V .. V+n-1`` (column ``j`` is UID
  ``V + j``);
* square form (``V == n``, the chain's form): row ``i`` and column ``i`` are UID ``i``, and
  self-weights are masked.

An input with as many validators as miners is therefore read in the square form; write
such a subnet with :meth:`Scenario.from_rectangular`, which embeds it in the chain's square
form without changing any UID.

The catalogue
-------------
:data:`CATALOGUE` maps a name to a scenario; :func:`list_scenarios` and
:func:`get_scenario` read it. It holds

* the chain's own Yuma 3 trajectories (``opentensor/subtensor``,
  ``pallets/subtensor/src/tests/epoch.rs``: ``test_yuma_3_*``), with the chain test's
  hyperparameters as the params hint and the u16 bond storage on (names ``yuma3_*``);
* the research simulators' classic synthetic cases, with numbers chosen here (3 validators,
  2 or 3 miners, 40 epochs, a switch at epoch 10 or 20);
* dynamic and adversarial cases: a weight copier, a late validator, a cabal, miner churn,
  and Yuma 2's frozen bonds.

Each scenario's ``description`` says what it shows.

Examples
--------
>>> import numpy as np, yuma
>>> sc = yuma.get_scenario("kappa_delayed")
>>> sc.weights.shape, sc.square, sc.n_uids
((40, 3, 2), False, 5)
>>> mine = yuma.Scenario(
...     name="reset_demo",
...     weights=np.tile([[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]], (10, 1, 1)),
...     stakes=[0.5, 0.3, 0.2],
...     events=(yuma.BondReset(epoch=5, uid=3), yuma.Inactive(epoch=7, uid=2, until=9)),
... )
>>> yuma.simulate(mine).dividends.shape
(10, 3)
"""

from __future__ import annotations

import dataclasses
import math
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._validation import as_float64, is_integer, is_real_number
from ..params import U16_MAX, YumaParams

__all__ = [
    "BondReset",
    "StakeChange",
    "Inactive",
    "MinerJoin",
    "MinerLeave",
    "WeightCopier",
    "Scenario",
    "CATALOGUE",
    "get_scenario",
    "list_scenarios",
]


# --------------------------------------------------------------------------------------
# Events and roles
# --------------------------------------------------------------------------------------


def _check_int(value: object, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not is_integer(value) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


@dataclass(frozen=True, slots=True)
class BondReset:
    """Reset the bonds column of a UID before an epoch (re-registration, hotkey swap).

    Before epoch ``epoch`` runs, column ``uid`` of the carried bonds is zeroed for every
    validator (the chain's ``do_reset_bonds`` clears the stored column), so that epoch's
    EMA starts that column from 0.

    Parameters
    ----------
    epoch : int
        Epoch (0-based) before which the reset applies.
    uid : int
        The UID whose incoming bonds are reset (a miner UID in the rectangular form).
    """

    epoch: int
    uid: int

    def __post_init__(self) -> None:
        _check_int(self.epoch, "BondReset.epoch")
        _check_int(self.uid, "BondReset.uid")


@dataclass(frozen=True, slots=True)
class StakeChange:
    """Set a validator's raw stake from an epoch on.

    From epoch ``epoch`` until the next :class:`StakeChange` of the same UID, the stake of
    ``uid`` is ``stake`` (same unit as :attr:`Scenario.stakes`), whatever the scenario's
    stakes say.

    Parameters
    ----------
    epoch : int
        First epoch with the new stake.
    uid : int
        The validator (a row of the weights).
    stake : float
        New raw stake, finite and non-negative.
    """

    epoch: int
    uid: int
    stake: float

    def __post_init__(self) -> None:
        _check_int(self.epoch, "StakeChange.epoch")
        _check_int(self.uid, "StakeChange.uid")
        s = self.stake
        if isinstance(s, bool) or not is_real_number(s):
            raise ValueError(f"StakeChange.stake must be a real number, got {s!r}")
        if not math.isfinite(s) or s < 0:
            raise ValueError(f"StakeChange.stake must be finite and >= 0, got {s!r}")


@dataclass(frozen=True, slots=True)
class Inactive:
    """Mark a validator inactive for a run of epochs (the epoch's ``active`` mask).

    As on chain, an inactive validator's stake leaves the active stake (so its weights count
    neither in consensus nor in ranks and it earns no Yuma 3 dividends); its stored weights
    and bonds stay where they are.

    Parameters
    ----------
    epoch : int
        First inactive epoch.
    uid : int
        The validator (a row of the weights).
    until : int, optional
        First epoch at which it is active again (exclusive end); None means to the end.
    """

    epoch: int
    uid: int
    until: int | None = None

    def __post_init__(self) -> None:
        _check_int(self.epoch, "Inactive.epoch")
        _check_int(self.uid, "Inactive.uid")
        if self.until is not None:
            _check_int(self.until, "Inactive.until", minimum=self.epoch + 1)


@dataclass(frozen=True, slots=True)
class MinerJoin:
    """A miner UID registers at an epoch.

    If a UID's first join/leave event is a :class:`MinerJoin`, the UID is absent before it.
    While absent, every weight on its column is zeroed. At the join epoch its bonds column
    is reset (a new registration), then the scenario's weights on it apply.

    Parameters
    ----------
    epoch : int
        Epoch of the registration (weights on the UID apply from this epoch on).
    uid : int
        The miner UID (a column of the weights).
    """

    epoch: int
    uid: int

    def __post_init__(self) -> None:
        _check_int(self.epoch, "MinerJoin.epoch")
        _check_int(self.uid, "MinerJoin.uid")


@dataclass(frozen=True, slots=True)
class MinerLeave:
    """A miner UID is deregistered at an epoch.

    From epoch ``epoch`` until a later :class:`MinerJoin` of the same UID, every weight on
    its column is zeroed; its bonds column is reset at ``epoch``.

    Parameters
    ----------
    epoch : int
        First epoch without the miner.
    uid : int
        The miner UID (a column of the weights).
    """

    epoch: int
    uid: int

    def __post_init__(self) -> None:
        _check_int(self.epoch, "MinerLeave.epoch")
        _check_int(self.uid, "MinerLeave.uid")


Event = BondReset | StakeChange | Inactive | MinerJoin | MinerLeave
_EVENT_TYPES = (BondReset, StakeChange, Inactive, MinerJoin, MinerLeave)
_ROW_EVENTS = (StakeChange, Inactive)
_COLUMN_EVENTS = (BondReset, MinerJoin, MinerLeave)


@dataclass(frozen=True, slots=True)
class WeightCopier:
    r"""A validator that sets the consensus of ``lag`` epochs earlier as its weights.

    At epoch ``t >= lag`` its weights row is ``C(t - lag)``, the consensus vector the
    simulation computed at epoch ``t - lag`` (the chain publishes it; a copier needs no
    evaluation of its own). Its row of the scenario's weights is ignored.

    Warm-up (``t < lag``), a choice of this library: with ``warmup="first"`` (default) the
    copier sets no weights at epoch 0 (no consensus exists yet) and copies ``C(0)``, the
    earliest consensus, at ``0 < t < lag``; with ``warmup="none"`` it sets no weights
    until epoch ``lag``. With ``lag = 1`` both are the same.

    Parameters
    ----------
    uid : int
        The copier (a validator row).
    lag : int
        How many epochs old the copied consensus is, ``>= 1``.
    warmup : {"first", "none"}
        What the copier sets before epoch ``lag``.
    """

    uid: int
    lag: int = 1
    warmup: str = "first"

    def __post_init__(self) -> None:
        _check_int(self.uid, "WeightCopier.uid")
        _check_int(self.lag, "WeightCopier.lag", minimum=1)
        if not isinstance(self.warmup, str) or self.warmup not in ("first", "none"):
            raise ValueError(f"WeightCopier.warmup must be 'first' or 'none', got {self.warmup!r}")


# --------------------------------------------------------------------------------------
# Scenario
# --------------------------------------------------------------------------------------


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class Scenario:
    r"""A multi-epoch scenario: weights and stakes per epoch, events and dynamic roles.

    Plain data: :func:`yuma.simulate` runs it. Arrays are copied to read-only float64 on
    construction.

    Parameters
    ----------
    name : str
        Short identifier.
    weights : array_like, shape (epochs, V, n)
        Weights set by each validator (row) on each UID (column) in each epoch, any
        non-negative scale per row (the epoch row-normalizes). ``V != n`` is the rectangular
        form (validators x miners); ``V == n`` is the chain's square form (see the module
        docstring for the UID numbering, and :meth:`from_rectangular`).
    stakes : array_like, shape (epochs, V) or (V,)
        Raw stake of each row in each epoch, or one vector for every epoch; finite and
        non-negative. :class:`StakeChange` events override it.
    description : str
        What the scenario shows.
    events : tuple
        :class:`BondReset`, :class:`StakeChange`, :class:`Inactive`, :class:`MinerJoin` and
        :class:`MinerLeave` values; each applies before the epoch it names.
    copiers : tuple of WeightCopier
        Validators whose weights the simulation fills in as it runs.
    params : YumaParams, optional
        Hyperparameters hint, used by :func:`yuma.simulate` when it is given none.
    u16_bonds : bool
        Hint: carry bonds between epochs through the chain's u16 storage (used by
        :func:`yuma.simulate` when its ``u16_bonds`` is None).
    winner_takes_all : bool
        Server-side winner-takes-all, a model of this library (not a chain feature): after
        the consensus, only the column with the largest consensus (the first one on a tie)
        keeps its clipped weights, so it takes all the incentive and bonds form on it only.

    Raises
    ------
    ValueError
        On a wrong shape, NaN/inf, negative weights or stakes, an event or role out of
        range, or inconsistent join/leave events; the message names the argument.
    """

    name: str
    weights: np.ndarray
    stakes: np.ndarray
    description: str = ""
    events: tuple[Event, ...] = ()
    copiers: tuple[WeightCopier, ...] = ()
    params: YumaParams | None = None
    u16_bonds: bool = False
    winner_takes_all: bool = False

    def __post_init__(self) -> None:
        _check_text(self.name, self.description)
        weights = _check_weights(self.weights)
        n_epochs, n_rows, _ = weights.shape
        stakes = _stake_matrix(self.stakes, n_epochs, n_rows)
        object.__setattr__(self, "weights", _readonly(weights))
        object.__setattr__(self, "stakes", _readonly(stakes))
        if self.params is not None and not isinstance(self.params, YumaParams):
            raise ValueError(
                f"params must be a YumaParams or None, got {type(self.params).__name__}"
            )
        for flag in ("u16_bonds", "winner_takes_all"):
            object.__setattr__(self, flag, _check_flag(getattr(self, flag), flag))
        object.__setattr__(self, "events", _check_events(self, self.events))
        object.__setattr__(self, "copiers", _check_copiers(self, self.copiers))

    # --- shape --------------------------------------------------------------------------

    @property
    def n_epochs(self) -> int:
        """Number of epochs."""
        result: int = self.weights.shape[0]
        return result

    @property
    def n_rows(self) -> int:
        """Number of weight rows (validators)."""
        result: int = self.weights.shape[1]
        return result

    @property
    def n_cols(self) -> int:
        """Number of weight columns (miners in the rectangular form, UIDs in the square)."""
        result: int = self.weights.shape[2]
        return result

    @property
    def square(self) -> bool:
        """True for the chain's square form (rows and columns are the same UIDs)."""
        return self.n_rows == self.n_cols

    @property
    def n_uids(self) -> int:
        """Number of UIDs: ``n`` (square) or ``V + n`` (rectangular)."""
        return self.n_rows if self.square else self.n_rows + self.n_cols

    def row_of(self, uid: int) -> int:
        """Weight row of a validator UID.

        Parameters
        ----------
        uid : int
            The UID.

        Returns
        -------
        int

        Raises
        ------
        ValueError
            If the UID has no row.
        """
        if not 0 <= uid < self.n_rows:
            raise ValueError(
                f"uid {uid} is not a validator (row) UID; rows are 0..{self.n_rows - 1}"
            )
        return int(uid)

    def col_of(self, uid: int) -> int:
        """Weight column of a UID (``uid - V`` in the rectangular form).

        Parameters
        ----------
        uid : int
            The UID.

        Returns
        -------
        int

        Raises
        ------
        ValueError
            If the UID has no column.
        """
        first = 0 if self.square else self.n_rows
        if not first <= uid < first + self.n_cols:
            raise ValueError(
                f"uid {uid} is not a miner (column) UID; columns are UIDs "
                f"{first}..{first + self.n_cols - 1}"
            )
        return int(uid) - first

    # --- derived inputs ---------------------------------------------------------------------

    def stake_schedule(self) -> np.ndarray:
        """Raw stakes per epoch after the :class:`StakeChange` events.

        Returns
        -------
        numpy.ndarray, shape (epochs, V)
            A fresh array.
        """
        s = np.array(self.stakes)
        for ev in sorted((e for e in self.events if isinstance(e, StakeChange)),
                         key=lambda e: e.epoch):
            s[ev.epoch:, ev.uid] = float(ev.stake)
        return s

    def active_schedule(self) -> np.ndarray | None:
        """Activity mask per epoch from the :class:`Inactive` events.

        Returns
        -------
        numpy.ndarray of bool, shape (epochs, V), or None
            None when no validator is ever inactive.
        """
        evs = [e for e in self.events if isinstance(e, Inactive)]
        if not evs:
            return None
        active = np.ones((self.n_epochs, self.n_rows), dtype=np.bool_)
        for ev in evs:
            active[ev.epoch:ev.until, ev.uid] = False
        return active

    def presence_schedule(self) -> np.ndarray | None:
        """Which columns are registered in each epoch, from the join/leave events.

        Returns
        -------
        numpy.ndarray of bool, shape (epochs, n), or None
            None when no miner joins or leaves.
        """
        evs = sorted(
            (e for e in self.events if isinstance(e, (MinerJoin, MinerLeave))),
            key=lambda e: e.epoch,
        )
        if not evs:
            return None
        present = np.ones((self.n_epochs, self.n_cols), dtype=np.bool_)
        first: dict[int, MinerJoin | MinerLeave] = {}
        for ev in evs:
            first.setdefault(ev.uid, ev)
        for uid, ev in first.items():
            if isinstance(ev, MinerJoin):
                present[:, self.col_of(uid)] = False
        for ev in evs:
            present[ev.epoch:, self.col_of(ev.uid)] = isinstance(ev, MinerJoin)
        return present

    def reset_schedule(self) -> np.ndarray | None:
        """Which bond columns are reset before each epoch (resets, joins and leaves).

        Returns
        -------
        numpy.ndarray of bool, shape (epochs, n), or None
            None when no column is ever reset.
        """
        evs = [e for e in self.events if isinstance(e, _COLUMN_EVENTS)]
        if not evs:
            return None
        reset = np.zeros((self.n_epochs, self.n_cols), dtype=np.bool_)
        for ev in evs:
            reset[ev.epoch, self.col_of(ev.uid)] = True
        return reset

    # --- conversions --------------------------------------------------------------------

    @classmethod
    def from_rectangular(
        cls, name: str, weights: ArrayLike, stakes: ArrayLike, **kwargs: Any
    ) -> Scenario:
        """Build a scenario in the chain's square form from validators x miners data.

        Validators keep UIDs ``0 .. V-1`` and miners get ``V .. V+n-1`` (the same numbering
        as the rectangular form), so events and roles need no change. Miners hold no
        stake. Use it when ``V == n``, which the rectangular form cannot express.

        Parameters
        ----------
        name : str
            Short identifier.
        weights : array_like, shape (epochs, V, n)
            Validators' weights on the miners.
        stakes : array_like, shape (epochs, V) or (V,)
            Validators' raw stakes.
        **kwargs
            The other :class:`Scenario` fields.

        Returns
        -------
        Scenario
        """
        w = _float_array(weights, "weights")
        if w.ndim != 3:
            raise ValueError(f"weights must be 3-dimensional, got shape {w.shape}")
        n_epochs, n_rows, n_cols = w.shape
        s = _stake_matrix(stakes, n_epochs, n_rows)
        n = n_rows + n_cols
        sq = np.zeros((n_epochs, n, n))
        sq[:, :n_rows, n_rows:] = w
        st = np.zeros((n_epochs, n))
        st[:, :n_rows] = s
        return cls(name=name, weights=sq, stakes=st, **kwargs)

    def to_square(self) -> Scenario:
        """The same scenario in the chain's square form (UIDs unchanged).

        Returns
        -------
        Scenario
            ``self`` if it already is square.
        """
        if self.square:
            return self
        kwargs = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("name", "weights", "stakes")
        }
        return Scenario.from_rectangular(self.name, self.weights, self.stakes, **kwargs)


# --- Scenario's checks -------------------------------------------------------------------


def _check_text(name: object, description: object) -> None:
    """The name is a non-empty string and the description a string."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if not isinstance(description, str):
        raise ValueError("description must be a string")


def _check_weights(weights: object) -> np.ndarray:
    """Weights as a fresh float64 array of shape (epochs, V, n), none empty, all >= 0."""
    w = _float_array(weights, "weights")
    if w.ndim != 3:
        raise ValueError(
            f"weights must be 3-dimensional (epochs, validators, uids), got shape {w.shape}"
        )
    if 0 in w.shape:
        raise ValueError(f"weights must have at least one epoch, row and column, got {w.shape}")
    if w.min() < 0:
        raise ValueError("weights must be non-negative")
    return w


def _stake_matrix(stakes: object, n_epochs: int, n_rows: int) -> np.ndarray:
    """Stakes as a fresh (epochs, V) float64 array; one vector is repeated for every epoch."""
    s = _float_array(stakes, "stakes")
    if s.shape not in ((n_rows,), (n_epochs, n_rows)):
        raise ValueError(
            f"stakes must have shape ({n_rows},) or ({n_epochs}, {n_rows}), got {s.shape}"
        )
    if s.ndim == 1:
        s = np.repeat(s[None, :], n_epochs, axis=0)
    if s.min() < 0:
        raise ValueError("stakes must be non-negative")
    return np.ascontiguousarray(s)


def _check_flag(value: object, name: str) -> bool:
    """A bool (NumPy's included), as a Python bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _check_events(scenario: Scenario, events: object) -> tuple[Event, ...]:
    """The events as a tuple, each in range, joins and leaves alternating per UID."""
    if not isinstance(events, (tuple, list)):
        raise ValueError(f"events must be a tuple of events, got {type(events).__name__}")
    events = tuple(events)
    presence: dict[int, list[tuple[int, int, MinerJoin | MinerLeave]]] = {}
    for k, ev in enumerate(events):
        _check_event(scenario, k, ev)
        if isinstance(ev, (MinerJoin, MinerLeave)):
            presence.setdefault(ev.uid, []).append((ev.epoch, k, ev))
    for uid, evs in presence.items():
        _check_join_leave_order(uid, evs)
    return events


def _check_event(scenario: Scenario, k: int, ev: object) -> None:
    """One event: a known type, its epoch, UID and end (``until``) in range."""
    where = f"events[{k}]"
    if not isinstance(ev, _EVENT_TYPES):
        raise ValueError(
            f"{where} must be one of BondReset, StakeChange, Inactive, MinerJoin, "
            f"MinerLeave, got {type(ev).__name__}"
        )
    kind = type(ev).__name__
    if ev.epoch >= scenario.n_epochs:
        raise ValueError(
            f"{where} ({kind}): epoch {ev.epoch} out of range [0, {scenario.n_epochs})"
        )
    try:
        if isinstance(ev, _ROW_EVENTS):
            scenario.row_of(ev.uid)
        else:
            scenario.col_of(ev.uid)
    except ValueError as exc:
        raise ValueError(f"{where} ({kind}): {exc}") from None
    if isinstance(ev, Inactive) and ev.until is not None and ev.until > scenario.n_epochs:
        raise ValueError(
            f"{where} (Inactive): until {ev.until} out of range "
            f"({ev.epoch}, {scenario.n_epochs}]"
        )


def _check_join_leave_order(
    uid: int, evs: list[tuple[int, int, MinerJoin | MinerLeave]]
) -> None:
    """One UID's (epoch, index, event) joins and leaves: one per epoch, alternating."""
    evs.sort(key=lambda e: e[0])
    present = not isinstance(evs[0][2], MinerJoin)
    last_epoch = -1
    for epoch, k, ev in evs:
        if epoch == last_epoch:
            raise ValueError(
                f"events[{k}]: two join/leave events for uid {uid} at epoch {epoch}"
            )
        joining = isinstance(ev, MinerJoin)
        if joining == present:
            state = "present" if present else "absent"
            raise ValueError(
                f"events[{k}] ({type(ev).__name__}): uid {uid} is already {state} "
                f"at epoch {epoch}"
            )
        present = joining
        last_epoch = epoch


def _check_copiers(scenario: Scenario, copiers: object) -> tuple[WeightCopier, ...]:
    """The copiers as a tuple of WeightCopier on distinct validator rows."""
    if not isinstance(copiers, (tuple, list)):
        raise ValueError(
            f"copiers must be a tuple of WeightCopier, got {type(copiers).__name__}"
        )
    copiers = tuple(copiers)
    seen = set()
    for k, c in enumerate(copiers):
        if not isinstance(c, WeightCopier):
            raise ValueError(f"copiers[{k}] must be a WeightCopier, got {type(c).__name__}")
        try:
            scenario.row_of(c.uid)
        except ValueError as exc:
            raise ValueError(f"copiers[{k}]: {exc}") from None
        if c.uid in seen:
            raise ValueError(f"copiers[{k}]: uid {c.uid} is already a copier")
        seen.add(c.uid)
    return copiers


def _float_array(x: object, name: str) -> np.ndarray:
    arr = as_float64(x, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


# --------------------------------------------------------------------------------------
# The chain's Yuma 3 trajectories (opentensor/subtensor, tests/epoch.rs)
# --------------------------------------------------------------------------------------

# setup_yuma_3_scenario: tempo 1, BondsPenalty 0, AlphaSigmoidSteepness 1000,
# BondsMovingAverage 975_000, Kappa u16::MAX / 2, liquid alpha on with AlphaValues
# (6553, 19660), Yuma3 on, MaxAllowedValidators 3. Its setup epoch (no weights) only hands
# out the permits, which is what a first epoch without stored permits does here too.
CHAIN_YUMA3_PARAMS = YumaParams.from_chain(
    kappa=32767,
    bonds_moving_average=975_000,
    bonds_penalty=0,
    alpha_values=(6553, 19660),
    alpha_sigmoid_steepness=1000,
    liquid_alpha_on=True,
    yuma3_on=True,
    max_allowed_validators=3,
)
"""The hyperparameters of the chain's Yuma 3 scenario tests (``setup_yuma_3_scenario``)."""

_S1 = [U16_MAX, 0]  # all of a validator's weight on server 1
_S2 = [0, U16_MAX]  # all on server 2
_HALF = U16_MAX // 2


def _hold(rows_per_epoch: Sequence[Sequence[Sequence[int]] | None]) -> np.ndarray:
    """Weights per epoch where None means "no new set_weights": the stored rows stay."""
    out: list[np.ndarray] = []
    last: np.ndarray | None = None
    for rows in rows_per_epoch:
        if rows is not None:
            last = np.array(rows, dtype=np.float64)
        if last is None:
            raise ValueError("the first epoch sets weights")
        out.append(last)
    return np.stack(out)


def _chain(
    name: str, description: str, rows_per_epoch: Sequence[Sequence[Sequence[int]] | None],
    stakes: ArrayLike, *, liquid_alpha: bool = True, events: Iterable[Event] = ()
) -> Scenario:
    w = _hold(rows_per_epoch)
    params = dataclasses.replace(CHAIN_YUMA3_PARAMS, liquid_alpha=liquid_alpha)
    kwargs: dict[str, Any] = dict(description=description, events=tuple(events), params=params,
                                  u16_bonds=True)
    if w.shape[1] == w.shape[2]:
        return Scenario.from_rectangular(name, w, stakes, **kwargs)
    return Scenario(name=name, weights=w, stakes=np.array(stakes, dtype=np.float64), **kwargs)


def _chain_scenarios() -> list[Scenario]:
    big_small = [8.0, 1.0, 1.0]
    equal = [33.0, 33.0, 34.0]
    one_epoch_switch = [[_S1] * 3, [_S1] * 3, [_S1, _S1, _S2], [_S1] * 3, [_S1] * 3, [_S1] * 3]
    stable = [[_HALF, 0, _HALF]]
    moved = [[0, _HALF, _HALF]]
    return [
        _chain(
            "yuma3_kappa_moves_first",
            "Chain test test_yuma_3_kappa_moves_first. Validators A (stake 8, holds kappa), "
            "B and C (1 each) all weight server 1 (UID 3); A moves to server 2 (UID 4) at e1, "
            "B at e2, C at e3. Shows that under Yuma 3 the validator that moves first with "
            "consensus is not punished for it once the others follow.",
            [[_S1] * 3, [_S2, _S1, _S1], [_S2, _S2, _S1], [_S2] * 3, None, None],
            big_small,
        ),
        _chain(
            "yuma3_kappa_moves_second",
            "Chain test test_yuma_3_kappa_moves_second. As yuma3_kappa_moves_first, but the "
            "small validator B moves first (e1), A second (e2) and C last (e3). Shows that "
            "B, clipped at e1 for moving before consensus, is paid back through its early "
            "bonds on the new server once A moves.",
            [[_S1] * 3, [_S1, _S2, _S1], [_S2, _S2, _S1], [_S2] * 3, None, None],
            big_small,
        ),
        _chain(
            "yuma3_kappa_moves_last",
            "Chain test test_yuma_3_kappa_moves_last. B moves first (e1), C second (e2) and "
            "A, holding kappa, last (e3). Shows the early movers' bonds on server 2 paying "
            "off when consensus finally moves.",
            [[_S1] * 3, [_S1, _S2, _S1], [_S1, _S2, _S2], [_S2] * 3, None, None],
            big_small,
        ),
        _chain(
            "yuma3_one_epoch_switch",
            "Chain test test_yuma_3_one_epoch_switch. Three validators of about equal stake "
            "(33, 33, 34) weight server 1; C weights server 2 for one epoch (e2). Shows "
            "the dividend cost of a one-epoch deviation and how it fades.",
            one_epoch_switch,
            equal,
        ),
        _chain(
            "yuma3_liquid_alpha_disabled",
            "Chain test test_yuma_3_liquid_alpha_disabled: yuma3_one_epoch_switch with liquid "
            "alpha off (fixed EMA rate 0.025). Shows the slower, uniform bond EMA.",
            one_epoch_switch,
            equal,
            liquid_alpha=False,
        ),
        _chain(
            "yuma3_stable_miner",
            "Chain test test_yuma_3_stable_miner, in the square form (3 validators, 3 "
            "servers, UIDs 3..5). All validators give half of their weight to a stable "
            "server (UID 5) throughout; the other half moves from UID 3 to UID 4: B at e1, A "
            "at e2, C at e3. Shows that bonds on the stable server keep growing through the "
            "switch.",
            [stable * 3, [stable[0], moved[0], stable[0]], [moved[0], moved[0], stable[0]],
             moved * 3, None, None],
            big_small,
        ),
        _chain(
            "yuma3_bonds_reset",
            "Chain test test_yuma_3_bonds_reset (41 epochs, bonds reset on). All weight "
            "server 1 at e0; B and C move to server 2 at e1, A follows at e2; before e20 "
            "server 1's (UID 3) bonds column is reset; at e21 B and C move back to server 1 "
            "and A follows at e22. Shows a BondReset zeroing a column before the EMA.",
            [[_S1] * 3, [_S1, _S2, _S2]] + [[_S2] * 3] * 19 + [[_S2, _S1, _S1]]
            + [[_S1] * 3] * 19,
            big_small,
            events=[BondReset(epoch=20, uid=3)],
        ),
    ]


# --------------------------------------------------------------------------------------
# Synthetic cases (numbers chosen here)
# --------------------------------------------------------------------------------------

_EPOCHS = 40
_BIG_SMALL = np.array([0.8, 0.1, 0.1])  # the big validator alone holds kappa


def _one_hot(n_cols: int, j: int) -> np.ndarray:
    v = np.zeros(n_cols)
    v[j] = 1.0
    return v


def _piecewise(n_rows: int, n_cols: int, rule: Callable[[int, int], np.ndarray]) -> np.ndarray:
    """Weights (epochs, rows, cols) from rule(t, i) -> row vector."""
    w = np.zeros((_EPOCHS, n_rows, n_cols))
    for t in range(_EPOCHS):
        for i in range(n_rows):
            w[t, i] = rule(t, i)
    return w


def _switch_times(times: list[int]) -> np.ndarray:
    """3 x 2: validator i weights miner 0 before times[i], miner 1 from then on."""
    return _piecewise(3, 2, lambda t, i: _one_hot(2, int(t >= times[i])))


def _noisy_weights(seed: int) -> np.ndarray:
    """Noisy measurements of two miners of quality 0.6 and 0.55 (clipped at 0).

    Validator 0 measures with noise 0.05, validators 1 and 2 with noise 0.15.
    """
    rng = np.random.default_rng(seed)
    quality = np.array([0.6, 0.55])
    sigma = np.array([0.05, 0.15, 0.15])
    w = quality[None, None, :] + sigma[None, :, None] * rng.standard_normal((_EPOCHS, 3, 2))
    return np.clip(w, 0.0, None)


def _stable_miner(pct: int) -> Scenario:
    p = pct / 100.0
    moves = {1: 10, 0: 12, 2: 15}  # eager small B, big A, lazy small C

    def rule(t: int, i: int) -> np.ndarray:
        return np.array([0.0, 1.0 - p, p]) if t >= moves[i] else np.array([1.0 - p, 0.0, p])

    return Scenario.from_rectangular(
        f"stable_miner_{pct}",
        _piecewise(3, 3, rule),
        _BIG_SMALL,
        description=(
            f"Three validators (stakes 0.8, 0.1, 0.1; square form, miners UIDs 3..5) give "
            f"{pct} % of their weight to a stable miner (UID 5) for all 40 epochs; the "
            f"other {100 - pct} % moves from UID 3 to UID 4: the eager small validator at "
            "epoch 10, the big one at 12, the lazy small one at 15. Shows how a stable "
            "miner's bonds cushion the dividends through a switch: the larger its share, "
            "the smaller the disruption."
        ),
    )


def _copier_honest_weights(n_honest: int, n_miners: int) -> np.ndarray:
    """Honest validators follow drifting miner qualities (deterministic, no RNG)."""
    t = np.arange(_EPOCHS)[:, None, None]
    i = np.arange(n_honest)[None, :, None]
    j = np.arange(n_miners)[None, None, :]
    quality = 1.0 + np.sin(2 * np.pi * t / (9.0 + 3.0 * j) + 1.3 * j)
    view = 0.08 * np.cos(1.7 * (i + 1) * (j + 1) + 0.9 * t)  # each validator's own error
    result: np.ndarray = np.clip(quality + view, 0.0, None)
    return result


def _synthetic_scenarios() -> list[Scenario]:
    out = []
    out.append(Scenario(
        name="all_validators_switch",
        weights=_switch_times([10, 10, 10]),
        stakes=_BIG_SMALL,
        description=(
            "Validators with stakes 0.8, 0.1, 0.1 all weight miner UID 3, then all switch to "
            "UID 4 at epoch 10. Shows bonds and dividends following a coordinated switch: "
            "no validator is clipped, dividends stay proportional to stake."
        ),
    ))
    out.append(Scenario(
        name="kappa_delayed",
        weights=_switch_times([20, 10, 10]),
        stakes=_BIG_SMALL,
        description=(
            "The small validators (0.1 each) switch from UID 3 to UID 4 at epoch 10; the "
            "big one (0.8, holding kappa) follows only at epoch 20. Between 10 and 20 "
            "consensus stays on UID 3: the small validators are clipped (validator trust "
            "0) and lose dividends, most of all under Yuma 3 with liquid alpha. With the "
            "default bonds_penalty = 1 their early weight on UID 4 builds no bonds, so "
            "nothing is paid back after epoch 20; with bonds_penalty = 0 (the chain tests' "
            "setting) their early bonds on UID 4 pay off once consensus moves."
        ),
    ))

    def clipping(t: int, i: int) -> np.ndarray:
        before = [[0.25, 0.75], [0.65, 0.35], [0.7, 0.3]]
        after = [[0.25, 0.75], [0.65, 0.35], [0.25, 0.75]]
        return np.array((before if t < 20 else after)[i])

    out.append(Scenario(
        name="clipping_demo",
        weights=_piecewise(3, 2, clipping),
        stakes=np.array([0.49, 0.49, 0.02]),
        description=(
            "Two 49 % validators disagree: A weights (0.25, 0.75), B (0.65, 0.35); the 2 % "
            "validator C sides with B, (0.7, 0.3), until epoch 20, then with A. Consensus "
            "is (0.65, 0.35) then (0.25, 0.75): the small validator decides which big one "
            "is clipped. Shows clipping at the kappa-majority value."
        ),
    ))
    out.append(Scenario(
        name="small_validators_merged",
        weights=np.broadcast_to(np.array([0.6, 0.4]), (_EPOCHS, 3, 2)),
        stakes=np.array([0.6, 0.2, 0.2]),
        events=(StakeChange(20, 1, 0.4), StakeChange(20, 2, 0.0)),
        description=(
            "Three validators (0.6, 0.2, 0.2) agree on (0.6, 0.4) throughout; at epoch 20 "
            "the two small ones merge: C's stake moves to B and C's bond row is cleared "
            "with its permit. Shows that under Yuma 3 (dividends scale with stake) the "
            "merged validator keeps the pair's 40 % at once, while under Yuma 2 (dividends "
            "from bonds alone) it drops to about 28 % and recovers only as its bonds grow."
        ),
    ))
    out.append(Scenario(
        name="one_epoch_deviation",
        weights=_piecewise(3, 2, lambda t, i: _one_hot(2, int(i == 2 and t == 20))),
        stakes=np.array([0.4, 0.3, 0.3]),
        description=(
            "Validators (0.4, 0.3, 0.3) all weight UID 3; validator C weights UID 4 for one "
            "epoch (20). Shows the dividend cost of a single deviation and how long its "
            "bonds take to recover."
        ),
    ))
    noisy = _noisy_weights(seed=20240615)
    wta_stakes = np.array([0.45, 0.45, 0.1])
    client = np.zeros_like(noisy)
    best = np.argmax(noisy, axis=2)
    np.put_along_axis(client, best[:, :, None], 1.0, axis=2)
    out.append(Scenario(
        name="client_side_wta",
        weights=client,
        stakes=wta_stakes,
        description=(
            "Two miners of close quality (0.6 vs 0.55); validator A (0.45) measures them "
            "with little noise, B (0.45) and C (0.1) with a lot. Each validator puts all "
            "its weight on the miner it measured best (client-side winner-takes-all). "
            "Shows noisy validators being clipped whenever their pick loses."
        ),
    ))
    out.append(Scenario(
        name="server_side_wta",
        weights=noisy,
        stakes=wta_stakes,
        winner_takes_all=True,
        description=(
            "The same noisy measurements as client_side_wta, set as proportional weights; "
            "the winner-takes-all is applied after consensus (the winner_takes_all model: "
            "only the top-consensus miner keeps its clipped weights). Shows that taking "
            "the winner from the stake-weighted consensus averages out the noise."
        ),
    ))
    for pct in (25, 50, 75, 90):
        out.append(_stable_miner(pct))
    return out


def _dynamic_scenarios() -> list[Scenario]:
    out = []
    honest = _copier_honest_weights(3, 5)
    w = np.concatenate([honest, np.zeros((_EPOCHS, 1, 5))], axis=1)
    honest_stake = np.array([0.4, 0.3, 0.2])
    stakes = np.append(honest_stake, np.median(honest_stake))
    out.append(Scenario(
        name="weight_copier",
        weights=w,
        stakes=stakes,
        copiers=(WeightCopier(uid=3, lag=1),),
        description=(
            "Three honest validators (0.4, 0.3, 0.2) follow five miners whose quality "
            "drifts, each with its own small error; validator UID 3, with the median "
            "honest stake (0.3), copies the consensus of the previous epoch instead of "
            "evaluating miners. Shows the copier's profitability: compare "
            "yuma.sim.metrics.copier_ratio (G < 1: copying does not pay)."
        ),
    ))

    def base(t: int) -> np.ndarray:
        return np.roll(np.array([0.7, 0.2, 0.1, 0.0]), t // 8)

    shift = 2
    out.append(Scenario(
        name="shifted_validator",
        weights=_piecewise(3, 4, lambda t, i: base(max(t - shift, 0) if i == 2 else t)),
        stakes=np.array([0.4, 0.3, 0.3]),
        description=(
            "Validators A and B (0.4, 0.3) weight four miners (0.7, 0.2, 0.1, 0) and rotate "
            "that ranking every 8 epochs; C (0.3) sets the same weights 2 epochs late. "
            "Shows what lateness costs: C is clipped for 2 epochs after each change and "
            "holds bonds on yesterday's best miner."
        ),
    ))
    n = 8  # honest 0..2, cabal 3..4, miners 5..7
    cabal = np.zeros((_EPOCHS, n, n))
    cabal[:, 0:3, 5] = 0.5
    cabal[:, 0:3, 6] = 0.5
    cabal[:, 3, 4] = 0.5
    cabal[:, 4, 3] = 0.5
    cabal[:, 3:5, 7] = 0.5
    out.append(Scenario(
        name="cabal",
        weights=cabal,
        stakes=np.array([0.3, 0.2, 0.15, 0.2, 0.15, 0.0, 0.0, 0.0]),
        events=(StakeChange(20, 3, 0.45), StakeChange(20, 4, 0.35)),
        description=(
            "Square form, 8 UIDs. Honest validators 0..2 (0.3, 0.2, 0.15) weight miners 5 "
            "and 6; a cabal of validators 3 and 4 (0.2, 0.15) weights itself (each other) "
            "and its own miner 7. With 35 % of the stake the cabal is clipped to nothing "
            "(validator trust 0); at epoch 20 it buys stake (0.45, 0.35: 55 % of the "
            "total), passes kappa and the consensus flips to its miner 7 while the honest "
            "validators are clipped to nothing. Its weights on each other stay clipped "
            "(each cabal UID is weighted by one member only, less than kappa). Shows kappa "
            "as the security threshold."
        ),
    ))
    churn = np.empty((_EPOCHS, 3, 3))
    churn[:] = np.array([[0.5, 0.3, 0.2], [0.4, 0.4, 0.2], [0.5, 0.2, 0.3]])
    out.append(Scenario.from_rectangular(
        "miner_churn",
        churn,
        np.array([0.5, 0.3, 0.2]),
        events=(
            MinerJoin(10, 5),
            MinerLeave(25, 3),
            MinerJoin(32, 3),
            Inactive(30, 2, until=35),
        ),
        description=(
            "Square form: validators 0..2 (0.5, 0.3, 0.2), miners 3..5. Miner 5 registers "
            "at epoch 10 (no weight on it before); miner 3 is deregistered at 25 and a new "
            "miner takes UID 3 at 32 (its bonds column is reset both times); validator 2 is "
            "inactive from 30 to 34. Shows the join, leave and inactivity events."
        ),
    ))

    def frozen(t: int, i: int) -> np.ndarray:
        if 10 <= t < 30:
            return np.array([1.0, 0.0])
        return np.array([1.0, 0.0]) if (i == 2 and t < 10) else np.array([0.5, 0.5])

    out.append(Scenario(
        name="yuma2_frozen_bonds",
        weights=_piecewise(3, 2, frozen),
        stakes=np.array([0.5, 0.3, 0.2]),
        description=(
            "Validators A and B (0.5, 0.3) weight miners UID 3 and UID 4 equally for 10 "
            "epochs while C (0.2) weights only UID 3; then nobody weights UID 4 for 20 "
            "epochs; from epoch 30 everyone weights both again. Under Yuma 2 the bonds on "
            "UID 4 stay frozen at their epoch-9 values (its bond column is renormalized "
            "every epoch), so A and B collect its dividends at once on its return; under "
            "Yuma 3 they decay at the EMA rate."
        ),
    ))
    return out


def _build_catalogue() -> Mapping[str, Scenario]:
    scenarios = _chain_scenarios() + _synthetic_scenarios() + _dynamic_scenarios()
    names = [s.name for s in scenarios]
    assert len(names) == len(set(names))
    return types.MappingProxyType({s.name: s for s in scenarios})


CATALOGUE: Mapping[str, Scenario] = _build_catalogue()
"""The built-in scenarios by name (read-only; see the module docstring)."""


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios, in catalogue order.

    Returns
    -------
    list of str
    """
    return list(CATALOGUE)


def get_scenario(name: str) -> Scenario:
    """A built-in scenario by name.

    Parameters
    ----------
    name : str
        One of :func:`list_scenarios`.

    Returns
    -------
    Scenario

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if not isinstance(name, str) or name not in CATALOGUE:
        raise ValueError(f"name must be one of {list_scenarios()}, got {name!r}")
    return CATALOGUE[name]

r"""Who moves the epoch: removing a UID, a validator moving toward consensus, Shapley values.

Three questions about one epoch, each answered by running the epoch again on changed
inputs:

* :func:`removal_impact`: how consensus, incentive, dividends and emission change when one
  UID is removed (every UID in turn);
* :func:`consensus_sensitivity`: how they change as one validator's weights move toward
  the consensus;
* :func:`shapley`: the Shapley value of each validator for a chosen outcome of the epoch
  (a value function ``v(EpochResult) -> float``), exact by enumerating coalitions or
  estimated from random permutations.

Removing a UID
--------------
Removing UID ``u`` means the epoch is run as if ``u`` were not registered:

* **square form** (the chain's: row ``i`` and column ``i`` are UID ``i``): row ``u`` and
  column ``u`` of ``weights``, ``bonds`` and ``listed`` are dropped, with entry ``u`` of
  every per-UID input (``stake``, ``active``, ``validator_permit``, ``last_update``,
  ``commit_block``, ``block_at_registration``, ``reset_bonds``, ``previous_consensus``);
  the other validators' weights are row-normalized again by the epoch, so what they gave
  ``u`` is spread over the UIDs left;
* **rectangular form** (rows are validators, columns miners; UIDs are the validators
  ``0 .. n_rows - 1`` then the miners, as in :meth:`yuma.EpochResult.per_uid`): a
  validator's row of ``weights``/``bonds``/``listed`` and its per-row inputs are dropped;
  a miner's column and its per-column inputs are dropped;
* the stake is renormalized by the epoch itself (``S = N(s)`` over the UIDs left); the
  owner keeps its role if it stays (and there is none if it is removed);
* **validator permits** (``permits`` argument): ``"recompute"`` (default) gives every
  epoch run here, the unchanged one included, the permits the chain computes from its
  own stake (top-``max_allowed_validators`` of ``S``, the owner always): the state the
  chain settles in one epoch after the removal, when the freed permit has gone to the
  next validator by stake. ``"given"`` keeps the ``validator_permit`` passed in (default:
  all permitted) for the UIDs left: the very next epoch.

The results of an epoch with removed UIDs are put back on the full UID index: a removed
UID reads 0 in every vector and matrix (``False`` in the masks), so a value function sees
the same indices whichever UIDs took part.

Coalitions and the value of nobody
----------------------------------
The players of the Shapley game are validator UIDs (rows). A coalition ``T`` is the set of
players whose weights and stake take part; every other player is removed as above, and
every UID that is not a player always takes part. ``v(T)`` is the value function on that
epoch. ``v(all)`` is the epoch with every player, and ``v(none)`` the epoch with every
player removed: when every validator is a player it is the epoch with no stake, which the
library defines (all consensus, incentive, dividends and emission zero). The Shapley value

.. math:: \phi_i = \sum_{T \subseteq P \setminus \{i\}}
          \frac{|T|!\,(p - |T| - 1)!}{p!}\,\bigl(v(T \cup \{i\}) - v(T)\bigr)

has efficiency (:math:`\sum_i \phi_i = v(P) - v(\emptyset)`), symmetry, the null player
(0 for a player that changes no coalition's value) and linearity in ``v``.

Evaluation
----------
Every epoch is run through one internal function, ``_evaluate`` (a list of checked
inputs to a list of results), which runs the epochs of one shape as one batch
(:func:`yuma.epoch_batch`), each with the bits of the epoch run alone.
Results are reduced to numbers chunk by chunk, so memory stays bounded.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import ArrayLike

from .._progress import Progress
from ..core.batch import run_grouped
from ..core.inputs import EpochInputs, check_inputs
from ..core.run_epoch import run_float
from ..core.steps import stake_weights, validator_permits
from ..result import EpochResult

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "PERMIT_RULES",
    "REMOVAL_FIELDS",
    "VALUE_SPECS",
    "UidValue",
    "IncentiveDistance",
    "miner_incentive",
    "validator_dividends",
    "uid_emission",
    "incentive_distance",
    "value_function",
    "RemovalImpact",
    "removal_impact",
    "ConsensusSensitivity",
    "consensus_sensitivity",
    "ShapleyValues",
    "shapley",
    "coalition_values",
    "default_players",
    "permits_used",
    "InfluenceComparison",
    "compare_influence",
]

PERMIT_RULES = ("recompute", "given")
"""How the epochs run here take ``validator_permit`` (see the module's notes)."""

REMOVAL_FIELDS = ("consensus", "incentive", "dividends", "emission")
"""Per-UID outputs that :func:`removal_impact` and :func:`consensus_sensitivity` record."""

VALUE_SPECS = ("incentive:UID", "dividends:UID", "emission:UID", "incentive-l1", "incentive-l2")
"""Value functions by name (:func:`value_function`)."""

EXACT_LIMIT = 16
"""Most players :func:`shapley` enumerates exactly (``2**16`` epochs)."""

AUTO_EXACT = 12
"""``method="auto"`` enumerates exactly up to this many players, and samples beyond."""

_CHUNK_BYTES = 256 * 2**20  # results held at once: about this much of their matrices
_EPOCH_KEYWORDS = frozenset(inspect.signature(check_inputs).parameters) - {
    "weights", "stake", "bonds"
}


# --------------------------------------------------------------------------------------
# Value functions
# --------------------------------------------------------------------------------------

_UID_FIELDS = ("consensus", "incentive", "dividends", "emission", "validator_trust",
               "validator_emission", "server_emission", "rank")


@dataclass(frozen=True)
class UidValue:
    """One UID's entry of a per-UID output: ``result.per_uid()[field][uid]``.

    Parameters
    ----------
    field : str
        A per-UID output of :meth:`yuma.EpochResult.per_uid` (``"incentive"``,
        ``"dividends"``, ``"emission"``, ...).
    uid : int
        The UID, on the full index (rectangular form: validators, then miners).
    """

    field: str
    uid: int

    def __post_init__(self) -> None:
        if self.field not in _UID_FIELDS:
            raise ValueError(f"field must be one of {list(_UID_FIELDS)}, got {self.field!r}")
        if isinstance(self.uid, bool) or not isinstance(self.uid, (int, np.integer)) or (
            self.uid < 0
        ):
            raise ValueError(f"uid must be a non-negative integer, got {self.uid!r}")
        object.__setattr__(self, "uid", int(self.uid))

    @property
    def name(self) -> str:
        """``field[uid]``."""
        return f"{self.field}[{self.uid}]"

    def __call__(self, result: EpochResult) -> float:
        """``result.per_uid()[field][uid]``; a UID past the subnet's end is an error."""
        n_uids = result.n_uids
        if self.uid >= n_uids:
            raise ValueError(f"uid {self.uid} is out of range: the subnet has {n_uids} UIDs")
        return float(result.per_uid()[self.field][self.uid])


@dataclass(frozen=True, eq=False)
class IncentiveDistance:
    r"""Distance of the incentive vector to a reference: ``||I - reference||_1`` or ``_2``.

    Parameters
    ----------
    reference : numpy.ndarray, shape (n_cols,)
        The incentive to compare with (e.g. the full epoch's, or an honest one), finite.
    norm : {"l1", "l2"}
        Which distance.
    """

    reference: np.ndarray
    norm: str = "l1"

    def __post_init__(self) -> None:
        try:
            ref = np.array(self.reference, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"reference must be a vector of real numbers: {exc}") from None
        if ref.ndim != 1 or not np.all(np.isfinite(ref)):
            raise ValueError("reference must be a finite 1-dimensional vector")
        if self.norm not in ("l1", "l2"):
            raise ValueError(f"norm must be 'l1' or 'l2', got {self.norm!r}")
        ref.flags.writeable = False
        object.__setattr__(self, "reference", ref)

    @property
    def name(self) -> str:
        """``incentive-l1`` or ``incentive-l2``."""
        return f"incentive-{self.norm}"

    def __call__(self, result: EpochResult) -> float:
        """The distance; an incentive of another length than the reference is an error."""
        inc = result.incentive
        if inc.shape != self.reference.shape:
            raise ValueError(f"reference has length {self.reference.shape[0]}, the incentive "
                             f"{inc.shape[0]}")
        diff = inc - self.reference
        return float(np.abs(diff).sum() if self.norm == "l1" else math.sqrt(diff @ diff))


def miner_incentive(uid: int) -> UidValue:
    """Value function: the incentive of one UID (a miner).

    Parameters
    ----------
    uid : int
        The UID (rectangular form: a miner's UID is ``n_rows + column``).

    Returns
    -------
    UidValue
    """
    return UidValue("incentive", uid)


def validator_dividends(uid: int) -> UidValue:
    """Value function: the dividends of one UID (a validator).

    Parameters
    ----------
    uid : int
        The validator's UID.

    Returns
    -------
    UidValue
    """
    return UidValue("dividends", uid)


def uid_emission(uid: int) -> UidValue:
    """Value function: the share of the epoch's emission paid to one UID.

    Parameters
    ----------
    uid : int
        The UID.

    Returns
    -------
    UidValue
    """
    return UidValue("emission", uid)


def incentive_distance(reference: ArrayLike, norm: str = "l1") -> IncentiveDistance:
    """Value function: the L1 or L2 distance of the incentive vector to a reference.

    Parameters
    ----------
    reference : array_like, shape (n_cols,)
        The reference incentive.
    norm : {"l1", "l2"}
        Which distance.

    Returns
    -------
    IncentiveDistance
    """
    return IncentiveDistance(np.asarray(reference), norm)


def value_function(spec: str, reference: ArrayLike | None = None) -> UidValue | IncentiveDistance:
    """A value function from its name (one of :data:`VALUE_SPECS`).

    ``"incentive:UID"``, ``"dividends:UID"``, ``"emission:UID"``: that UID's entry;
    ``"incentive-l1"``, ``"incentive-l2"``: the distance of the incentive vector to
    ``reference``.

    Parameters
    ----------
    spec : str
        The name.
    reference : array_like, optional
        The reference incentive of the distances (required by them).

    Returns
    -------
    UidValue or IncentiveDistance

    Raises
    ------
    ValueError
        For an unknown name, a bad UID or a distance without a reference.
    """
    if not isinstance(spec, str):
        raise ValueError(f"value must be one of {list(VALUE_SPECS)} or a callable, got {spec!r}")
    if spec in ("incentive-l1", "incentive-l2"):
        if reference is None:
            raise ValueError(f"value {spec!r} needs a reference incentive")
        return IncentiveDistance(np.asarray(reference), spec.rsplit("-", 1)[1])
    field, sep, uid = spec.partition(":")
    if sep and field in ("incentive", "dividends", "emission"):
        try:
            number = int(uid)
        except ValueError:
            raise ValueError(f"value {spec!r}: {uid!r} is not a UID") from None
        return UidValue(field, number)
    raise ValueError(f"value must be one of {list(VALUE_SPECS)} or a callable, got {spec!r}")


def _value_name(value: object) -> str:
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    name = getattr(value, "__name__", None)
    return name if isinstance(name, str) else repr(value)


def _reads_matrices(fn: object) -> bool:
    """Whether a value function may read matrix fields (any but the built-ins)."""
    return fn is not None and not isinstance(fn, (UidValue, IncentiveDistance))


def _resolve_value(value: object, base: EpochResult) -> tuple[Callable[[EpochResult], float], str]:
    """A callable and its name; a name string resolved against the unchanged epoch."""
    if isinstance(value, str):
        value = value_function(value, reference=base.incentive)
    if not callable(value):
        raise ValueError(f"value must be one of {list(VALUE_SPECS)} or a callable "
                         f"f(EpochResult) -> float, got {type(value).__name__}")
    return value, _value_name(value)


def _call_value(value: Callable[[EpochResult], object], name: str, result: EpochResult) -> float:
    """``value(result)`` as a finite float, or a ValueError naming the value function."""
    try:
        out = value(result)
    except Exception as exc:
        raise ValueError(f"value function {name!r} raised {type(exc).__name__}: {exc}") from exc
    if isinstance(out, np.ndarray) and out.ndim == 0:
        out = out[()]
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, float, np.integer,
                                                                  np.floating)):
        raise ValueError(f"value function {name!r} must return a real number, got "
                         f"{type(out).__name__}")
    out = float(out)
    if not math.isfinite(out):
        raise ValueError(f"value function {name!r} returned {out!r}: it must be finite")
    return out


# --------------------------------------------------------------------------------------
# Inputs, removals, evaluation
# --------------------------------------------------------------------------------------


def _checked(
    weights: ArrayLike, stake: ArrayLike, bonds: ArrayLike | None, epoch_kwargs: dict[str, Any],
    permits: str
) -> EpochInputs:
    """The full epoch's inputs, checked once; the permit rule and keywords checked."""
    unknown = sorted(set(epoch_kwargs) - _EPOCH_KEYWORDS)
    if unknown:
        raise ValueError(f"unknown epoch argument {unknown[0]!r}; known: "
                         f"{sorted(_EPOCH_KEYWORDS - {'arithmetic'})}")
    arithmetic = epoch_kwargs.get("arithmetic", "float")
    if arithmetic != "float":
        raise ValueError(f"arithmetic must be 'float' here (the float epoch), got {arithmetic!r}")
    if permits not in PERMIT_RULES:
        raise ValueError(f"permits must be one of {list(PERMIT_RULES)}, got {permits!r}")
    return check_inputs(weights, stake, bonds, **epoch_kwargs)


def _n_uids(inputs: EpochInputs) -> int:
    n_rows, n_cols = inputs.shape
    return n_rows if inputs.square else n_rows + n_cols


def _kept(inputs: EpochInputs, removed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns left (ascending indices) after removing the UIDs ``removed``."""
    n_rows, n_cols = inputs.shape
    rows = np.ones(n_rows, dtype=bool)
    cols = np.ones(n_cols, dtype=bool)
    if inputs.square:
        rows[removed] = False
        cols[removed] = False
    else:
        rows[removed[removed < n_rows]] = False
        cols[removed[removed >= n_rows] - n_rows] = False
    return np.flatnonzero(rows), np.flatnonzero(cols)


def _recomputed_permits(inputs: EpochInputs) -> np.ndarray:
    s = stake_weights(inputs.stake, stake_threshold=inputs.stake_threshold,
                      owner_uid=inputs.owner_uid)
    return validator_permits(s, inputs.params.max_allowed_validators,
                             owner_uid=inputs.owner_uid)


def _restrict(
    inputs: EpochInputs, rows: np.ndarray, cols: np.ndarray, permits: str
) -> EpochInputs:
    """The inputs with only ``rows`` and ``cols`` left (see the module's notes)."""
    n_rows, n_cols = inputs.shape
    if rows.size == n_rows and cols.size == n_cols:
        out = inputs
    else:
        def take(x: np.ndarray | None, index: np.ndarray) -> np.ndarray | None:
            return None if x is None else x[index]

        weights = inputs.weights[np.ix_(rows, cols)]
        bonds = None if inputs.bonds is None else inputs.bonds[np.ix_(rows, cols)]
        owner = inputs.owner_uid
        if owner is not None:
            at = int(np.searchsorted(rows, owner))
            owner = at if at < rows.size and rows[at] == owner else None
        prev = inputs.previous_consensus
        if prev is not None:
            prev = prev[cols[cols < prev.shape[0]]]  # aligned by UID, as the epoch reads it
        out = replace(
            inputs,
            weights=weights,
            weight_rows=(weights != 0.0).any(axis=1),
            stake=inputs.stake[rows],
            bonds=bonds,
            bond_rows=(np.zeros(rows.size, dtype=bool) if bonds is None
                       else (bonds != 0.0).any(axis=1)),
            active=inputs.active[rows],
            validator_permit=inputs.validator_permit[rows],
            owner_uid=owner,
            last_update=take(inputs.last_update, rows),
            block_at_registration=take(inputs.block_at_registration, cols),
            commit_block=take(inputs.commit_block, rows),
            listed=None if inputs.listed is None else inputs.listed[np.ix_(rows, cols)],
            reset_bonds=inputs.reset_bonds[cols],
            previous_consensus=prev,
        )
    if not inputs.square and out.square:
        out = _with_empty_column(out)
    if permits == "recompute":
        out = replace(out, validator_permit=_recomputed_permits(out))
    return out


def _with_empty_column(inputs: EpochInputs) -> EpochInputs:
    """Append a miner nobody weights, so that a rectangular epoch stays rectangular.

    The epoch tells the forms apart by shape: a rectangular subnet cut down to as many
    miners as validators would be read as the square form (self-weights masked, emission
    laid out per UID). The empty column receives no weight, bond, consensus or incentive;
    :func:`_expand` drops it again.
    """
    n_rows = inputs.shape[0]

    @overload
    def extra(x: np.ndarray, fill: float | bool) -> np.ndarray: ...
    @overload
    def extra(x: None, fill: float | bool) -> None: ...
    def extra(x: np.ndarray | None, fill: float | bool) -> np.ndarray | None:
        if x is None:
            return None
        return np.concatenate([x, np.full((n_rows, 1) if x.ndim == 2 else 1, fill, x.dtype)],
                              axis=x.ndim - 1)

    return replace(
        inputs,
        weights=extra(inputs.weights, 0.0),
        bonds=extra(inputs.bonds, 0.0),
        listed=extra(inputs.listed, False),
        block_at_registration=extra(inputs.block_at_registration, 0),
        reset_bonds=extra(inputs.reset_bonds, False),
    )


def _evaluate(batch: Sequence[EpochInputs], matrices: bool = True) -> list[EpochResult]:
    """Run the epoch on each checked input: the one place every epoch of this module runs.

    Each result is :func:`yuma.core.run_epoch.run_float`'s (what :func:`yuma.epoch` runs
    after its checks), bit for bit: inputs of one built-in variant, one shape and the same
    optional arrays are stacked and run as one :func:`yuma.epoch_batch`
    (:func:`yuma.core.batch.run_grouped`); the others, and user variants, run one by one.
    ``matrices=False`` (readers of the vectors only) keeps no matrix in batched results.
    """
    return run_grouped(batch, _epoch_arguments, run_float, keep="all" if matrices else ())


def _epoch_arguments(inputs: EpochInputs) -> dict[str, Any]:
    """:func:`yuma.epoch`'s keyword arguments for checked inputs (the same epoch)."""
    return {
        "weights": inputs.weights, "stake": inputs.stake, "bonds": inputs.bonds,
        "params": inputs.params, "variant": inputs.variant, "active": inputs.active,
        "validator_permit": inputs.validator_permit, "last_update": inputs.last_update,
        "block_at_registration": inputs.block_at_registration,
        "commit_block": inputs.commit_block, "reset_bonds": inputs.reset_bonds,
        "listed": inputs.listed, "owner_uid": inputs.owner_uid,
        "stake_threshold": inputs.stake_threshold,
        "previous_consensus": inputs.previous_consensus,
    }


def _scatter(x: np.ndarray, index: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros(length, dtype=x.dtype)
    out[index] = x
    return out


def _expand(
    result: EpochResult, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int],
    matrices: bool = True,
) -> EpochResult:
    """The result of a smaller epoch on the full index: removed UIDs read 0 (False).

    ``matrices=False`` (for readers of the vectors only: the built-in value functions and
    the recorded fields) leaves every matrix field a read-only broadcast zero, which costs
    nothing; such a result never leaves this module.
    """
    n_rows, n_cols = shape
    if rows.size == n_rows and cols.size == n_cols:
        return result
    m_cols = cols.size  # the results' own columns: an appended empty one comes last

    def row(x: np.ndarray) -> np.ndarray:
        return _scatter(x, rows, n_rows)

    def col(x: np.ndarray) -> np.ndarray:
        return _scatter(x[:m_cols], cols, n_cols)

    def mat(x: np.ndarray) -> np.ndarray:
        if not matrices:
            return np.broadcast_to(np.zeros((), dtype=x.dtype), shape)
        out = np.zeros(shape, dtype=x.dtype)
        out[np.ix_(rows, cols)] = x[:, :m_cols]
        return out

    if n_rows == n_cols:  # the square form stays square
        emission = row(result.emission)
    else:  # rectangular: validators, then miners
        m = rows.size
        emission = np.concatenate([row(result.emission[:m]),
                                   col(result.emission[m:m + m_cols])])
    return EpochResult(
        variant=result.variant,
        stake=row(result.stake),
        active=row(result.active),
        active_stake=row(result.active_stake),
        weights=mat(result.weights),
        consensus=col(result.consensus),
        clipped_weights=mat(result.clipped_weights),
        validator_trust=row(result.validator_trust),
        rank=col(result.rank),
        trust=col(result.trust),
        incentive=col(result.incentive),
        weights_for_bonds=mat(result.weights_for_bonds),
        ema_bonds=mat(result.ema_bonds),
        bonds=mat(result.bonds),
        dividends=row(result.dividends),
        server_emission=col(result.server_emission),
        validator_emission=row(result.validator_emission),
        emission=emission,
        validator_permit=row(result.validator_permit),
    )


def _chunk_size(shape: tuple[int, int]) -> int:
    per_result = 8 * 8 * max(1, shape[0] * shape[1])  # about eight matrices each
    return int(max(1, min(256, _CHUNK_BYTES // per_result)))


def _run_removals(
    inputs: EpochInputs, removals: Sequence[np.ndarray], permits: str,
    reduce: Callable[[int, EpochResult], None], *, matrices: bool,
    changed: Callable[[int, EpochInputs], EpochInputs] | None = None,
) -> None:
    """Run one epoch per removal (the UIDs given removed), chunk by chunk.

    Each result, on the full index (matrices expanded only when ``matrices``), goes to
    ``reduce(position, result)``. ``changed(position, inputs)``, when given, alters the
    restricted inputs first.
    """
    shape = inputs.shape
    step = _chunk_size(shape)
    for start in range(0, len(removals), step):
        kept = [_kept(inputs, np.asarray(r, dtype=np.int64))
                for r in removals[start:start + step]]
        batch = [_restrict(inputs, rows, cols, permits) for rows, cols in kept]
        if changed is not None:
            batch = [changed(start + k, item) for k, item in enumerate(batch)]
        results = _evaluate(batch, matrices)
        for k, (res, (rows, cols)) in enumerate(zip(results, kept, strict=True)):
            reduce(start + k, _expand(res, rows, cols, shape, matrices))


def _uid_list(uids: ArrayLike | None, name: str, n: int, *, default: np.ndarray) -> np.ndarray:
    if uids is None:
        return default
    try:
        arr = np.asarray(uids)
    except (TypeError, ValueError) as exc:  # pragma: no cover - numpy takes nearly anything
        raise ValueError(f"{name} must be a list of UIDs: {exc}") from None
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise ValueError(f"{name} must be a 1-dimensional list of integer UIDs, got {uids!r}")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ValueError(f"{name} must be UIDs in [0, {n}), got {arr.tolist()}")
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} must not repeat a UID, got {arr.tolist()}")
    return arr


def _per_uid(result: EpochResult) -> dict[str, np.ndarray]:
    cols = result.per_uid()
    return {f: cols[f] for f in REMOVAL_FIELDS}


# --------------------------------------------------------------------------------------
# Removal impact
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RemovalImpact:
    """What removing each UID in turn does to the epoch (:func:`removal_impact`).

    Vectors are on the full UID index (:meth:`yuma.EpochResult.per_uid`); a removed UID
    reads 0 after its removal.

    Attributes
    ----------
    uids : numpy.ndarray of int, shape (k,)
        The UIDs removed, one per epoch.
    base : dict of str to numpy.ndarray, shape (n_uids,)
        :data:`REMOVAL_FIELDS` of the epoch with every UID.
    after : dict of str to numpy.ndarray, shape (k, n_uids)
        The same after each removal (row ``r``: ``uids[r]`` removed).
    value_name : str or None
        The value function's name, when one was given.
    value_all : float or None
        ``v`` of the epoch with every UID.
    value_after : numpy.ndarray, shape (k,), or None
        ``v`` after each removal.
    permits : str
        The permit rule used.
    """

    uids: np.ndarray
    base: dict[str, np.ndarray]
    after: dict[str, np.ndarray]
    value_name: str | None
    value_all: float | None
    value_after: np.ndarray | None
    permits: str

    def delta(self, field: str) -> np.ndarray:
        """``after - base`` of one field, shape (k, n_uids).

        Parameters
        ----------
        field : str
            One of :data:`REMOVAL_FIELDS`.

        Returns
        -------
        numpy.ndarray
        """
        if field not in REMOVAL_FIELDS:
            raise ValueError(f"field must be one of {list(REMOVAL_FIELDS)}, got {field!r}")
        result: np.ndarray = self.after[field] - self.base[field][None, :]
        return result

    def shift(self, field: str) -> np.ndarray:
        r"""How far each removal moves everyone else: :math:`\sum_{j \ne u} |\Delta_j|`.

        Parameters
        ----------
        field : str
            One of :data:`REMOVAL_FIELDS`.

        Returns
        -------
        numpy.ndarray, shape (k,)
        """
        d = np.abs(self.delta(field))
        d[np.arange(self.uids.size), self.uids] = 0.0
        result: np.ndarray = d.sum(axis=1)
        return result

    @property
    def marginal(self) -> np.ndarray | None:
        """Leave-one-out contribution ``v(all) - v(all without u)``, shape (k,), or None."""
        if self.value_after is None:
            return None
        return self.value_all - self.value_after

    def to_frame(self) -> pd.DataFrame:
        """One row per removed UID: its own base values and the shift it causes.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``uid``: ``<field>`` (the UID's own value before removal),
            ``<field>_shift`` (:meth:`shift`), and ``value_after``, ``marginal`` when a
            value function was given.
        """
        import pandas as pd

        data: dict[str, Any] = {}
        for f in REMOVAL_FIELDS:
            data[f] = self.base[f][self.uids]
            data[f"{f}_shift"] = self.shift(f)
        if self.value_after is not None:
            data["value_after"] = self.value_after
            data["marginal"] = self.marginal
        frame = pd.DataFrame(data, index=pd.Index(self.uids, name="uid"))
        return frame


def removal_impact(
    weights: ArrayLike,
    stake: ArrayLike,
    bonds: ArrayLike | None = None,
    *,
    uids: ArrayLike | None = None,
    value: Callable[[EpochResult], float] | str | None = None,
    permits: str = "recompute",
    **epoch_kwargs: Any,
) -> RemovalImpact:
    """Remove each UID in turn and record how the epoch's outputs change.

    One epoch with every UID, then one per UID of ``uids`` with that UID removed as the
    chain would (see the module's notes: row and column dropped in the square form, the
    row or the column in the rectangular form, stake renormalized, permits by
    ``permits``). All epochs go through one batched evaluation.

    Parameters
    ----------
    weights, stake, bonds
        As :func:`yuma.epoch`.
    uids : array_like of int, optional
        UIDs to remove, one at a time, on the full index (rectangular form: validators
        ``0 .. n_rows - 1``, then the miners). Default: every UID.
    value : callable or str, optional
        Also record ``v`` of each epoch: ``f(EpochResult) -> float`` or a name of
        :data:`VALUE_SPECS` (distances are to the unchanged epoch's incentive).
    permits : {"recompute", "given"}
        The permit rule (module notes).
    **epoch_kwargs
        The other keyword arguments of :func:`yuma.epoch` (``params``, ``variant``,
        ``active``, ``validator_permit``, ``owner_uid``, ...); float arithmetic only.

    Returns
    -------
    RemovalImpact

    Raises
    ------
    ValueError
        Bad epoch inputs, UIDs out of range or repeated, an unknown permit rule, or a
        value function that raises or returns a non-finite number; the message names the
        argument. Nothing is returned half computed.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])
    >>> impact = removal_impact(w, [3.0, 1.0], uids=[0])
    >>> impact.after["dividends"][0].tolist()   # the other validator takes all dividends
    [0.0, 1.0, 0.0, 0.0, 0.0]
    """
    inputs = _checked(weights, stake, bonds, epoch_kwargs, permits)
    n = _n_uids(inputs)
    removed = _uid_list(uids, "uids", n, default=np.arange(n, dtype=np.int64))
    base = run_float(_restrict(inputs, *_kept(inputs, removed[:0]), permits))
    fn: Callable[[EpochResult], float] | None = None
    name = ""
    if value is not None:
        fn, name = _resolve_value(value, base)
    value_all = None if fn is None else _call_value(fn, name, base)
    after = {f: np.zeros((removed.size, n)) for f in REMOVAL_FIELDS}
    values = None if fn is None else np.zeros(removed.size)

    def reduce(position: int, result: EpochResult) -> None:
        for f, vec in _per_uid(result).items():
            after[f][position] = vec
        if fn is not None and values is not None:  # both or neither
            values[position] = _call_value(fn, name, result)

    _run_removals(inputs, [removed[k:k + 1] for k in range(removed.size)], permits, reduce,
                  matrices=_reads_matrices(fn))
    return RemovalImpact(
        uids=removed, base=_per_uid(base), after=after, value_name=name, value_all=value_all,
        value_after=values, permits=permits,
    )


# --------------------------------------------------------------------------------------
# Moving toward the consensus
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ConsensusSensitivity:
    """Each validator's weights moved toward the consensus (:func:`consensus_sensitivity`).

    Attributes
    ----------
    uids : numpy.ndarray of int, shape (k,)
        The validators moved, one at a time.
    fractions : numpy.ndarray, shape (m,)
        How far: ``t`` in ``w(t) = (1 - t) w + t c``.
    target : numpy.ndarray, shape (n_cols,)
        The consensus of the unchanged epoch.
    base : dict of str to numpy.ndarray, shape (n_uids,)
        :data:`REMOVAL_FIELDS` of the unchanged epoch.
    after : dict of str to numpy.ndarray, shape (k, m, n_uids)
        The same with validator ``uids[r]`` moved by ``fractions[s]``.
    value_name : str or None
        The value function's name, when one was given.
    value_all : float or None
        ``v`` of the unchanged epoch.
    value_after : numpy.ndarray, shape (k, m), or None
        ``v`` of each moved epoch.
    permits : str
        The permit rule used.
    """

    uids: np.ndarray
    fractions: np.ndarray
    target: np.ndarray
    base: dict[str, np.ndarray]
    after: dict[str, np.ndarray]
    value_name: str | None
    value_all: float | None
    value_after: np.ndarray | None
    permits: str

    def delta(self, field: str) -> np.ndarray:
        """``after - base`` of one field, shape (k, m, n_uids).

        Parameters
        ----------
        field : str
            One of :data:`REMOVAL_FIELDS`.

        Returns
        -------
        numpy.ndarray
        """
        if field not in REMOVAL_FIELDS:
            raise ValueError(f"field must be one of {list(REMOVAL_FIELDS)}, got {field!r}")
        result: np.ndarray = self.after[field] - self.base[field][None, None, :]
        return result

    def own(self, field: str) -> np.ndarray:
        """The moved validator's own change in one field, shape (k, m).

        Parameters
        ----------
        field : str
            One of :data:`REMOVAL_FIELDS`.

        Returns
        -------
        numpy.ndarray
        """
        d = self.delta(field)
        return d[np.arange(self.uids.size), :, self.uids]

    def shift(self, field: str) -> np.ndarray:
        r"""How far each move shifts the whole field: :math:`\sum_j |\Delta_j|`, (k, m).

        Parameters
        ----------
        field : str
            One of :data:`REMOVAL_FIELDS`.

        Returns
        -------
        numpy.ndarray
        """
        result: np.ndarray = np.abs(self.delta(field)).sum(axis=2)
        return result


def consensus_sensitivity(
    weights: ArrayLike,
    stake: ArrayLike,
    bonds: ArrayLike | None = None,
    *,
    uids: ArrayLike | None = None,
    fractions: ArrayLike = (0.25, 0.5, 0.75, 1.0),
    value: Callable[[EpochResult], float] | str | None = None,
    permits: str = "recompute",
    **epoch_kwargs: Any,
) -> ConsensusSensitivity:
    r"""Move one validator's weights toward the consensus and record how the epoch changes.

    For validator ``u`` and fraction ``t``, row ``u`` of ``weights`` becomes

    .. math:: w_u(t) = (1 - t)\,\frac{w_u}{\sum_j w_{uj}} + t\,\frac{c}{\sum_j c_j}

    where ``c`` is the consensus of the unchanged epoch (with ``c_u = 0`` in the square
    form, where a self-weight is masked); an empty row starts from zeros. Every other input
    is unchanged; the epoch masks and row-normalizes the new row as any other.

    Parameters
    ----------
    weights, stake, bonds
        As :func:`yuma.epoch`.
    uids : array_like of int, optional
        Validators (rows) to move, one at a time. Default: every row holding a weight.
    fractions : array_like of float
        Values of ``t`` in [0, 1].
    value : callable or str, optional
        Also record ``v`` of each epoch (as :func:`removal_impact`).
    permits : {"recompute", "given"}
        The permit rule (module notes).
    **epoch_kwargs
        The other keyword arguments of :func:`yuma.epoch`; float arithmetic only.

    Returns
    -------
    ConsensusSensitivity

    Raises
    ------
    ValueError
        Bad epoch inputs, a UID that is not a validator row, a fraction outside [0, 1] or
        not finite, or a value function that raises or returns a non-finite number.
    """
    inputs = _checked(weights, stake, bonds, epoch_kwargs, permits)
    n_rows, n_cols = inputs.shape
    moved = _uid_list(uids, "uids", n_rows,
                      default=np.flatnonzero(inputs.weight_rows).astype(np.int64))
    try:
        ts = np.array(fractions, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"fractions must be real numbers in [0, 1]: {exc}") from None
    if ts.size == 0 or not np.all(np.isfinite(ts)) or ts.min() < 0.0 or ts.max() > 1.0:
        raise ValueError(f"fractions must be finite values in [0, 1], got {ts.tolist()}")
    full = _restrict(inputs, *_kept(inputs, moved[:0]), permits)
    base = run_float(full)
    fn: Callable[[EpochResult], float] | None = None
    name = ""
    if value is not None:
        fn, name = _resolve_value(value, base)
    value_all = None if fn is None else _call_value(fn, name, base)
    target = base.consensus.copy()
    n = _n_uids(inputs)
    jobs = [(u, t) for u in moved.tolist() for t in ts.tolist()]
    after = {f: np.zeros((moved.size, ts.size, n)) for f in REMOVAL_FIELDS}
    values = None if fn is None else np.zeros((moved.size, ts.size))

    def changed(position: int, item: EpochInputs) -> EpochInputs:
        u, t = jobs[position]
        return _moved_row(item, u, t, target)

    def reduce(position: int, result: EpochResult) -> None:
        r, s = divmod(position, ts.size)
        for f, vec in _per_uid(result).items():
            after[f][r, s] = vec
        if fn is not None and values is not None:  # both or neither
            values[r, s] = _call_value(fn, name, result)

    no_removal = np.zeros(0, dtype=np.int64)
    _run_removals(inputs, [no_removal] * len(jobs), permits, reduce,
                  matrices=_reads_matrices(fn), changed=changed)
    return ConsensusSensitivity(
        uids=moved, fractions=ts, target=target, base=_per_uid(base), after=after,
        value_name=name, value_all=value_all, value_after=values, permits=permits,
    )


def _moved_row(inputs: EpochInputs, uid: int, t: float, consensus: np.ndarray) -> EpochInputs:
    row = inputs.weights[uid]
    total = row.sum()
    start = row / total if total > 0.0 else np.zeros_like(row)
    target = consensus.copy()
    if inputs.square:
        target[uid] = 0.0
    c_total = target.sum()
    target = target / c_total if c_total > 0.0 else np.zeros_like(target)
    weights = np.array(inputs.weights)
    weights[uid] = (1.0 - t) * start + t * target
    weight_rows = inputs.weight_rows.copy()
    weight_rows[uid] = bool((weights[uid] != 0.0).any())
    return replace(inputs, weights=weights, weight_rows=weight_rows)


# --------------------------------------------------------------------------------------
# Shapley values
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ShapleyValues:
    r"""Shapley values of validators for one value function (:func:`shapley`).

    Attributes
    ----------
    players : numpy.ndarray of int, shape (p,)
        The validator UIDs (rows) playing.
    values : numpy.ndarray, shape (p,)
        :math:`\phi_i`.
    standard_errors : numpy.ndarray, shape (p,)
        Standard error of each sampled value (0 when exact).
    method : str
        ``"exact"`` or ``"sampled"``.
    value_name : str
        The value function's name.
    value_all, value_none : float
        ``v(all players)`` and ``v(no player)``.
    permutations : int
        Permutations drawn (0 when exact).
    evaluations : int
        Epochs run.
    converged : bool
        Exact, or the largest standard error met ``tolerance``.
    permits : str
        The permit rule used.
    """

    players: np.ndarray
    values: np.ndarray
    standard_errors: np.ndarray
    method: str
    value_name: str
    value_all: float
    value_none: float
    permutations: int
    evaluations: int
    converged: bool
    permits: str

    @property
    def efficiency_gap(self) -> float:
        """``sum(values) - (value_all - value_none)``: 0 up to rounding."""
        return float(self.values.sum() - (self.value_all - self.value_none))

    def ranking(self) -> np.ndarray:
        """Players from the largest ``|value|`` down (ties: lower UID first).

        Returns
        -------
        numpy.ndarray of int
        """
        order = np.lexsort((self.players, -np.abs(self.values)))
        return self.players[order]

    def to_frame(self) -> pd.DataFrame:
        """One row per player: ``shapley``, ``standard_error``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``uid``.
        """
        import pandas as pd

        return pd.DataFrame(
            {"shapley": self.values, "standard_error": self.standard_errors},
            index=pd.Index(self.players, name="uid"),
        )


def permits_used(inputs: EpochInputs, permits: str = "recompute") -> np.ndarray:
    """The validator permits the unchanged epoch runs with under a permit rule.

    Parameters
    ----------
    inputs : EpochInputs
        Checked inputs (:func:`yuma.core.inputs.check_inputs`).
    permits : {"recompute", "given"}
        ``"recompute"``: top-``max_allowed_validators`` of the stake share, the owner
        always; ``"given"``: ``inputs.validator_permit`` with the owner's forced.

    Returns
    -------
    numpy.ndarray of bool, shape (n_rows,)
    """
    if permits not in PERMIT_RULES:
        raise ValueError(f"permits must be one of {list(PERMIT_RULES)}, got {permits!r}")
    full = _restrict(inputs, *_kept(inputs, np.zeros(0, dtype=np.int64)), permits)
    permit = full.validator_permit.copy()
    if full.owner_uid is not None:
        permit[full.owner_uid] = True
    result: np.ndarray = permit
    return result


def default_players(inputs: EpochInputs, permits: str = "recompute") -> np.ndarray:
    """The validators that can move the epoch: permitted, with stake and a weight row.

    Rows holding a permit under the permit rule (``validator_permit`` as given, or
    recomputed from stake), a positive stake share after the threshold, and a non-zero
    weight row.

    Parameters
    ----------
    inputs : EpochInputs
        Checked inputs (:func:`yuma.core.inputs.check_inputs`).
    permits : {"recompute", "given"}
        The permit rule.

    Returns
    -------
    numpy.ndarray of int
        Ascending row indices.
    """
    permit = permits_used(inputs, permits)
    s = stake_weights(inputs.stake, stake_threshold=inputs.stake_threshold,
                      owner_uid=inputs.owner_uid)
    return np.flatnonzero(permit & (s > 0.0) & inputs.weight_rows).astype(np.int64)


class _Game:
    """``v(T)`` for coalitions ``T`` of players given as boolean masks."""

    def __init__(
        self, inputs: EpochInputs, players: np.ndarray, permits: str,
        fn: Callable[[EpochResult], float], name: str, bar: Progress | None = None
    ):
        self.inputs, self.players, self.permits = inputs, players, permits
        self.fn, self.name = fn, name
        self.evaluations = 0
        self.bar = bar  # advanced by one per coalition run

    def values(self, masks: np.ndarray) -> np.ndarray:
        out = np.zeros(masks.shape[0])

        def reduce(position: int, result: EpochResult) -> None:
            out[position] = _call_value(self.fn, self.name, result)
            if self.bar is not None:
                self.bar.update()

        removals = [self.players[~mask] for mask in masks]
        _run_removals(self.inputs, removals, self.permits, reduce,
                      matrices=_reads_matrices(self.fn))
        self.evaluations += masks.shape[0]
        return out


def _check_int(x: object, name: str, low: int) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {x!r}")
    return int(x)


def shapley(
    weights: ArrayLike,
    stake: ArrayLike,
    bonds: ArrayLike | None = None,
    *,
    value: Callable[[EpochResult], float] | str,
    players: ArrayLike | None = None,
    method: str = "auto",
    max_permutations: int = 256,
    tolerance: float | None = None,
    batch_permutations: int = 32,
    seed: int = 0,
    permits: str = "recompute",
    progress: bool = False,
    **epoch_kwargs: Any,
) -> ShapleyValues:
    r"""Shapley value of each validator for one outcome of the epoch.

    The game: players are validator UIDs; coalition ``T`` runs the epoch with the players
    outside ``T`` removed as the chain would (module notes); ``v(T)`` is ``value`` of that
    epoch.

    ``method="exact"`` enumerates all :math:`2^p` coalitions (at most
    :data:`EXACT_LIMIT` players) and sums
    :math:`\phi_i = \sum_T \frac{|T|!(p-|T|-1)!}{p!}(v(T \cup i) - v(T))`.

    ``method="sampled"`` draws permutations ``pi`` (seeded: ``numpy.random.default_rng
    (seed)``) in antithetic pairs, ``pi`` and its reverse; a pair gives each player the mean
    of its two marginal contributions :math:`v(\text{before}_\pi(i) \cup i) -
    v(\text{before}_\pi(i))`, the estimate is the mean over pairs and its standard error
    the pairs' standard deviation over :math:`\sqrt{\text{pairs}}`. After every
    ``batch_permutations`` it stops when the largest standard error is at most
    ``tolerance``, and at ``max_permutations`` in any case. Every permutation's
    contributions sum to ``v(all) - v(none)``, so the estimate is efficient exactly too.

    ``method="auto"``: exact up to :data:`AUTO_EXACT` players, sampled beyond.

    Parameters
    ----------
    weights, stake, bonds
        As :func:`yuma.epoch`.
    value : callable or str
        ``f(EpochResult) -> float`` (a finite real number; results are on the full UID
        index, removed UIDs reading 0), or a name of :data:`VALUE_SPECS`
        (``"incentive-l1"``: distance to the incentive of the epoch with every UID).
    players : array_like of int, optional
        Validator UIDs (rows) playing; default :func:`default_players`.
    method : {"auto", "exact", "sampled"}
        How to compute.
    max_permutations : int
        Sampled: most permutations drawn (even, >= 4).
    tolerance : float, optional
        Sampled: stop once every standard error is at most this (> 0). None: run
        ``max_permutations``.
    batch_permutations : int
        Sampled: permutations between two checks of the stopping rule (even, >= 2).
    seed : int
        Sampled: seed of the permutations.
    permits : {"recompute", "given"}
        The permit rule (module notes).
    progress : bool
        Draw a progress bar on stderr: one step per coalition (``2**p``) when exact, per
        permutation (at most ``max_permutations``; a run that converges early ends its
        bar there) when sampled.
    **epoch_kwargs
        The other keyword arguments of :func:`yuma.epoch`; float arithmetic only.

    Returns
    -------
    ShapleyValues

    Raises
    ------
    ValueError
        Bad epoch inputs; ``players`` not validator rows or repeated; too many players for
        ``method="exact"``; a bad ``method``, ``max_permutations``, ``tolerance``,
        ``batch_permutations`` or ``seed``; a value function that raises or returns a
        non-finite number. The message names the argument; nothing is returned half
        computed.

    Examples
    --------
    Two validators (rows) of equal stake and equal weights share the incentive of the first
    miner (UID 2: the validators are UIDs 0 and 1) equally:

    >>> import numpy as np
    >>> w = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> sv = shapley(w, [1.0, 1.0], value=miner_incentive(2))
    >>> sv.values.tolist(), sv.value_all, sv.value_none
    ([0.5, 0.5], 1.0, 0.0)
    """
    inputs = _checked(weights, stake, bonds, epoch_kwargs, permits)
    n_rows = inputs.shape[0]
    if method not in ("auto", "exact", "sampled"):
        raise ValueError(f"method must be 'auto', 'exact' or 'sampled', got {method!r}")
    max_perm = _check_int(max_permutations, "max_permutations", 4)
    batch = _check_int(batch_permutations, "batch_permutations", 2)
    if max_perm % 2 or batch % 2:
        raise ValueError("max_permutations and batch_permutations must be even (antithetic "
                         f"pairs), got {max_perm} and {batch}")
    if tolerance is not None and (
        isinstance(tolerance, bool) or not isinstance(tolerance, (int, float))
        or not math.isfinite(tolerance) or tolerance <= 0
    ):
        raise ValueError(f"tolerance must be a finite number > 0 or None, got {tolerance!r}")
    _check_int(seed, "seed", 0)
    if not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool, got {progress!r}")
    chosen = _uid_list(players, "players", n_rows, default=default_players(inputs, permits))
    p = chosen.size
    if method == "exact" and p > EXACT_LIMIT:
        raise ValueError(f"method='exact' enumerates 2**p epochs: at most {EXACT_LIMIT} "
                         f"players, got {p} (use method='sampled' or fewer players)")
    exact = method == "exact" or (method == "auto" and p <= AUTO_EXACT)
    base = run_float(_restrict(inputs, *_kept(inputs, chosen[:0]), permits))
    fn, name = _resolve_value(value, base)
    total, unit = (2**p, "coalitions") if exact else (max_perm, "permutations")
    with Progress(total, "shapley", unit=unit, enabled=bool(progress)) as bar:
        game = _Game(inputs, chosen, permits, fn, name, bar if exact else None)
        ends = game.values(np.array([np.ones(p, dtype=bool), np.zeros(p, dtype=bool)]))
        v_all, v_none = float(ends[0]), float(ends[1])
        if exact:
            phi, se, n_perm, converged = _exact(game, p, v_all, v_none), np.zeros(p), 0, True
        else:
            phi, se, n_perm, converged = _sampled(game, p, v_all, v_none, max_perm,
                                                  tolerance, batch, seed, bar)
    return ShapleyValues(
        players=chosen, values=phi, standard_errors=se, method="exact" if exact else "sampled",
        value_name=name, value_all=v_all, value_none=v_none, permutations=n_perm,
        evaluations=game.evaluations, converged=converged, permits=permits,
    )


def coalition_values(
    weights: ArrayLike,
    stake: ArrayLike,
    bonds: ArrayLike | None = None,
    *,
    value: Callable[[EpochResult], float] | str,
    players: ArrayLike,
    coalitions: ArrayLike,
    permits: str = "recompute",
    **epoch_kwargs: Any,
) -> np.ndarray:
    """The value ``v(T)`` of given coalitions of the game :func:`shapley` plays.

    Parameters
    ----------
    weights, stake, bonds
        As :func:`yuma.epoch`.
    value : callable or str
        As :func:`shapley`.
    players : array_like of int, shape (p,)
        Validator UIDs (rows).
    coalitions : array_like of bool, shape (m, p)
        Row ``k``: which players take part in coalition ``k``.
    permits : {"recompute", "given"}
        The permit rule (module notes).
    **epoch_kwargs
        The other keyword arguments of :func:`yuma.epoch`; float arithmetic only.

    Returns
    -------
    numpy.ndarray, shape (m,)

    Raises
    ------
    ValueError
        As :func:`shapley`, and for ``coalitions`` not a boolean (m, p) array.
    """
    inputs = _checked(weights, stake, bonds, epoch_kwargs, permits)
    chosen = _uid_list(players, "players", inputs.shape[0], default=np.zeros(0, np.int64))
    masks = np.asarray(coalitions)
    if masks.ndim != 2 or masks.shape[1] != chosen.size or masks.dtype != np.bool_:
        raise ValueError(f"coalitions must be a boolean array of shape (m, {chosen.size}), "
                         f"got {masks.dtype} {masks.shape}")
    base = run_float(_restrict(inputs, *_kept(inputs, chosen[:0]), permits))
    fn, name = _resolve_value(value, base)
    return _Game(inputs, chosen, permits, fn, name).values(masks)


def _exact(game: _Game, p: int, v_all: float, v_none: float) -> np.ndarray:
    """Shapley values by enumerating every coalition (bit ``i`` of a code: player ``i``)."""
    codes = np.arange(2**p, dtype=np.int64)
    masks = ((codes[:, None] >> np.arange(p)) & 1).astype(bool)
    v = np.zeros(codes.size)
    inner = codes[1:-1]
    if inner.size:
        v[inner] = game.values(masks[inner])
    v[-1] = v_all
    v[0] = v_none
    size = masks.sum(axis=1)
    weight = np.array([math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p)
                       for s in range(p)])
    phi = np.zeros(p)
    for i in range(p):
        without = codes[(codes >> i) & 1 == 0]
        phi[i] = np.sum(weight[size[without]] * (v[without | (1 << i)] - v[without]))
    return phi


def _sampled(
    game: _Game, p: int, v_all: float, v_none: float, max_perm: int, tolerance: float | None,
    batch: int, seed: int, bar: Progress,
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Antithetic permutation sampling with a standard-error stopping rule."""
    rng = np.random.default_rng(seed)
    cache = {np.ones(p, dtype=bool).tobytes(): v_all, np.zeros(p, dtype=bool).tobytes(): v_none}
    samples: list[np.ndarray] = []
    se = np.full(p, np.inf)
    converged = False
    while 2 * len(samples) < max_perm and p > 0:
        pairs = min(batch, max_perm - 2 * len(samples)) // 2
        orders = [rng.permutation(p) for _ in range(pairs)]
        prefix_masks = []
        for order in orders:
            for walk in (order, order[::-1]):
                mask = np.zeros(p, dtype=bool)
                for player in walk[:-1]:
                    mask = mask.copy()
                    mask[player] = True
                    prefix_masks.append(mask)
        fresh: dict[bytes, np.ndarray] = {}
        for mask in prefix_masks:
            key = mask.tobytes()
            if key not in cache and key not in fresh:
                fresh[key] = mask
        if fresh:
            found = game.values(np.array(list(fresh.values())))
            cache.update(zip(fresh.keys(), found.tolist(), strict=True))
        for order in orders:
            marginal = np.zeros(p)
            for walk in (order, order[::-1]):
                mask = np.zeros(p, dtype=bool)
                before = v_none
                for player in walk:
                    mask[player] = True
                    now = cache[mask.tobytes()]
                    marginal[player] += now - before
                    before = now
            samples.append(marginal / 2.0)
        bar.update(2 * len(orders))
        if len(samples) >= 2:
            stacked = np.array(samples)
            se = stacked.std(axis=0, ddof=1) / math.sqrt(len(samples))
            if tolerance is not None and se.max() <= tolerance:
                converged = True
                break
    if p == 0:
        return np.zeros(0), np.zeros(0), 0, True
    phi = np.array(samples).mean(axis=0)
    return phi, se, 2 * len(samples), converged


# --------------------------------------------------------------------------------------
# Shapley value against removal impact
# --------------------------------------------------------------------------------------


def _ranks(values: np.ndarray, uids: np.ndarray) -> np.ndarray:
    """Rank 1 for the largest ``|value|``; ties go to the lower UID first."""
    order = np.lexsort((uids, -np.abs(values)))
    ranks = np.empty(values.size, dtype=np.int64)
    ranks[order] = np.arange(1, values.size + 1)
    return ranks


@dataclass(frozen=True, eq=False)
class InfluenceComparison:
    """Validators ranked by Shapley value and by leave-one-out removal (:func:`compare_influence`).

    Attributes
    ----------
    uids : numpy.ndarray of int, shape (p,)
        The players.
    shapley : numpy.ndarray, shape (p,)
        Shapley values.
    standard_errors : numpy.ndarray, shape (p,)
        Their standard errors (0 when exact).
    leave_one_out : numpy.ndarray, shape (p,)
        ``v(all) - v(all without u)`` for the same value function.
    shapley_rank, removal_rank : numpy.ndarray of int, shape (p,)
        1 for the largest ``|value|`` of each measure.
    spearman : float
        Spearman's rank correlation of the two rankings (1 with fewer than two players).
    value_name : str
        The value function.
    """

    uids: np.ndarray
    shapley: np.ndarray
    standard_errors: np.ndarray
    leave_one_out: np.ndarray
    shapley_rank: np.ndarray
    removal_rank: np.ndarray
    spearman: float
    value_name: str

    def top(self, k: int, by: str = "shapley") -> np.ndarray:
        """The ``k`` most influential UIDs by one measure, most influential first.

        Parameters
        ----------
        k : int
            How many (at most the number of players).
        by : {"shapley", "removal"}
            Which ranking.

        Returns
        -------
        numpy.ndarray of int
        """
        if by not in ("shapley", "removal"):
            raise ValueError(f"by must be 'shapley' or 'removal', got {by!r}")
        k = _check_int(k, "k", 0)
        ranks = self.shapley_rank if by == "shapley" else self.removal_rank
        return self.uids[np.argsort(ranks)][:k]

    def top_overlap(self, k: int) -> int:
        """How many UIDs the two top-``k`` lists share.

        Parameters
        ----------
        k : int
            List length.

        Returns
        -------
        int
        """
        return len(set(self.top(k).tolist()) & set(self.top(k, "removal").tolist()))

    def to_frame(self) -> pd.DataFrame:
        """One row per player, sorted by Shapley rank.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``uid``: ``shapley``, ``standard_error``, ``leave_one_out``,
            ``shapley_rank``, ``removal_rank``.
        """
        import pandas as pd

        frame = pd.DataFrame(
            {"shapley": self.shapley, "standard_error": self.standard_errors,
             "leave_one_out": self.leave_one_out, "shapley_rank": self.shapley_rank,
             "removal_rank": self.removal_rank},
            index=pd.Index(self.uids, name="uid"),
        )
        return frame.sort_values("shapley_rank")


def compare_influence(values: ShapleyValues, impact: RemovalImpact) -> InfluenceComparison:
    r"""Rank the players by Shapley value and by leave-one-out removal, side by side.

    The leave-one-out contribution of ``u`` is its marginal contribution as the last
    player, :math:`v(P) - v(P \setminus \{u\})`; the Shapley value averages the marginal
    contributions over every position. They differ when validators overlap (two that
    agree each look dispensable alone) or complement each other.

    Parameters
    ----------
    values : ShapleyValues
        From :func:`shapley`.
    impact : RemovalImpact
        From :func:`removal_impact` with the same value function, covering every player.

    Returns
    -------
    InfluenceComparison

    Raises
    ------
    ValueError
        If ``impact`` has no value, another value function, or misses a player.
    """
    marginal = impact.marginal  # None exactly when the impact has no value
    if marginal is None or impact.value_name != values.value_name:
        raise ValueError(f"impact must record the same value function as values "
                         f"({values.value_name!r}), got {impact.value_name!r}")
    where = {int(u): r for r, u in enumerate(impact.uids.tolist())}
    missing = [int(u) for u in values.players.tolist() if int(u) not in where]
    if missing:
        raise ValueError(f"impact must remove every player; missing {missing}")
    loo = marginal[[where[int(u)] for u in values.players.tolist()]]
    uids = values.players
    shapley_rank = _ranks(values.values, uids)
    removal_rank = _ranks(loo, uids)
    p = uids.size
    if p < 2:
        rho = 1.0
    else:
        d = (shapley_rank - removal_rank).astype(np.float64)
        rho = float(1.0 - 6.0 * (d @ d) / (p * (p * p - 1)))
    return InfluenceComparison(
        uids=uids, shapley=values.values, standard_errors=values.standard_errors,
        leave_one_out=loo, shapley_rank=shapley_rank, removal_rank=removal_rank,
        spearman=rho, value_name=values.value_name,
    )

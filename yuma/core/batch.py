r"""Many independent epochs of one shape in one call: :func:`epoch_batch`.

Sweeps, guarantee maps, variant checks and replays run thousands of small epochs; called one
by one, each pays Python's argument handling. :func:`epoch_batch` takes B epochs stacked on
a leading axis and runs the built-in variants' compiled epoch (the one :func:`yuma.epoch`
runs) on every item in one call, spread over threads; every item gets exactly the bits
:func:`yuma.epoch` gives it. User-defined variants run :func:`yuma.epoch` item by item.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import numba
import numpy as np
from numpy.typing import ArrayLike

from .._validation import _as_bool, as_block, as_block_vector, is_sparse
from ..params import YumaParams
from ..result import EpochResult
from . import _epoch_kernel as ek
from ._threads import parallel_allowed
from .builtin_epoch import PARALLEL_MIN_ELEMENTS, VARIANT_CODES, int_params, real_params
from .inputs import check_inputs
from .run_epoch import epoch
from .variants import Variant, get_variant

_T = TypeVar("_T")

__all__ = [
    "EpochBatchResult", "epoch_batch", "run_grouped", "BATCH_PARALLEL_MIN_ELEMENTS",
    "ITEM_OVERHEAD_ELEMENTS",
]

BATCH_PARALLEL_MIN_ELEMENTS = 1 << 21
"""A batch whose work is smaller runs on one thread (see
``yuma.core._threads.parallel_allowed``); the work of an item is its weight
entries plus :data:`ITEM_OVERHEAD_ELEMENTS`, about 40 ms in all at the switch.

Measured on a 2-CPU machine (8 x 16 and 64 x 256 epochs with liquid alpha, vectors only).
With the second CPU idle the parallel batch took 0.93x the serial time for 2 items, 0.76x
for 8, 0.4x to 0.5x from 64 on; with it busy with other jobs, the batch's one parallel
region waited 4-8 ms for its second thread (3.5x the serial time for 128 small items, on
a par from about 100 ms of work)."""

ITEM_OVERHEAD_ELEMENTS = 256
"""The fixed cost of one item, in weight entries (an 8 x 16 epoch costs about 380)."""


@dataclass(frozen=True, eq=False)
class EpochBatchResult:
    """The results of B epochs stacked on a leading axis (see :func:`epoch_batch`).

    Every field of :class:`yuma.EpochResult` (but ``variant``, which is one for all) with a
    leading axis of length B: ``weights[b]`` is item b's ``weights``, and so on. Matrices
    are read-only. ``item(b)`` gives one item as an :class:`yuma.EpochResult` (views, not
    copies) when every matrix was kept.

    Attributes
    ----------
    variant : str
        Name of the variant that produced every item.
    stake, active, active_stake, validator_trust, dividends, validator_emission, \
validator_permit : numpy.ndarray, shape (B, n_rows)
        Row quantities.
    consensus, rank, trust, incentive, server_emission : numpy.ndarray, shape (B, n_cols)
        Column quantities.
    weights, clipped_weights, weights_for_bonds, ema_bonds, bonds : numpy.ndarray, \
shape (B, n_rows, n_cols), or None
        Matrices; None when not kept (see ``keep`` of :func:`epoch_batch`).
    emission : numpy.ndarray, shape (B, n_uids)
        Share per UID (``n_uids`` is ``n`` square, ``n_rows + n_cols`` rectangular).
    """

    variant: str
    stake: np.ndarray
    active: np.ndarray
    active_stake: np.ndarray
    weights: np.ndarray | None
    consensus: np.ndarray
    clipped_weights: np.ndarray | None
    validator_trust: np.ndarray
    rank: np.ndarray
    trust: np.ndarray
    incentive: np.ndarray
    weights_for_bonds: np.ndarray | None
    ema_bonds: np.ndarray | None
    bonds: np.ndarray | None
    dividends: np.ndarray
    server_emission: np.ndarray
    validator_emission: np.ndarray
    emission: np.ndarray
    validator_permit: np.ndarray

    def __len__(self) -> int:
        result: int = self.stake.shape[0]
        return result

    def item(self, b: int) -> EpochResult:
        """Item ``b`` as an :class:`yuma.EpochResult` (its arrays are views of this batch).

        Parameters
        ----------
        b : int
            Index in ``[-B, B)``.

        Returns
        -------
        EpochResult
        """
        n = len(self)
        if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or not -n <= b < n:
            raise IndexError(f"item index must be an integer in [{-n}, {n}), got {b!r}")
        missing = [name for name in _MATRICES if getattr(self, name) is None]
        if missing:
            raise ValueError(
                f"item() needs every matrix; this batch did not keep {missing} "
                "(run epoch_batch with keep='all')"
            )
        return EpochResult(**{name: getattr(self, name)[b] for name in _ARRAY_FIELDS},
                           variant=self.variant)


_ARRAY_FIELDS = tuple(f.name for f in fields(EpochResult) if f.name != "variant")
_MATRICES = ("weights", "clipped_weights", "weights_for_bonds", "ema_bonds", "bonds")


def _float_stack(
    x: object, name: str, item_shape: tuple[int | None, ...], n_items: int | None
) -> tuple[np.ndarray, bool]:
    """A float64 C-ordered array: per item (leading axis) or shared (the item's shape).

    Returns the array with a leading axis (length ``n_items``, or 1 when shared) and
    whether it is per item. ``item_shape`` entries of None take any length.
    """
    try:
        arr = np.ascontiguousarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers: {exc}") from None
    return _split_leading(arr, name, item_shape, n_items)


def _split_leading(
    arr: np.ndarray, name: str, item_shape: tuple[int | None, ...], n_items: int | None
) -> tuple[np.ndarray, bool]:
    def fits(shape: tuple[int, ...]) -> bool:
        return len(shape) == len(item_shape) and all(
            want is None or got == want for got, want in zip(shape, item_shape, strict=True)
        )

    if arr.ndim == len(item_shape) + 1 and arr.shape[0] == n_items and fits(arr.shape[1:]):
        return arr, True
    if fits(arr.shape):
        return arr[None], False
    shown = tuple("m" if s is None else s for s in item_shape)
    raise ValueError(
        f"{name} must have shape {(n_items, *shown)} (one per item) or {shown} (shared), "
        f"got {arr.shape}"
    )


def _bool_stack(
    x: object, name: str, item_shape: tuple[int | None, ...], n_items: int
) -> tuple[np.ndarray, bool]:
    arr = np.asarray(x)
    return _split_leading(_as_bool(arr, name, max(arr.ndim, 1)), name, item_shape, n_items)


def _block_stack(
    x: Any, name: str, item_shape: tuple[int], n_items: int  # x: an array or nested lists
) -> tuple[np.ndarray, bool]:
    """Block numbers (the chain's u64), per item or shared, as uint64 with a leading axis."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "iu":
        out, per_item = _split_leading(x, name, item_shape, n_items)
        if x.dtype.kind == "i" and out.size and out.min() < 0:
            raise ValueError(f"{name} must be non-negative")
        return np.ascontiguousarray(out, dtype=np.uint64), per_item
    # Anything else (floats, lists, Python ints past int64): each vector checked exactly.
    (length,) = item_shape
    if np.ndim(x) == 2 and len(x) == n_items:
        vectors = [as_block_vector(v, name, length=length) for v in x]
        return np.array(vectors, dtype=np.uint64).reshape(n_items, length), True
    if np.ndim(x) == 1:
        return as_block_vector(x, name, length=length)[None], False
    raise ValueError(
        f"{name} must have shape {(n_items, length)} (one per item) or {(length,)} (shared), "
        f"got {np.shape(x)}"
    )


def _fits_int64(arrays: dict[str, np.ndarray], tempos: list[int | None]) -> bool:
    """Whether every block (and last_tempo) fits the kernel's int64."""
    for name in ("last_update", "block_at_registration", "commit_block"):
        if name in arrays and arrays[name].size and int(arrays[name].max()) >= _INT64_LIMIT:
            return False
    return all(t is None or t < _INT64_LIMIT for t in tempos)


_INT64_LIMIT = 1 << 63


def _check_keep(keep: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(keep, str):
        if keep == "all":
            return _MATRICES
        keep = (keep,)
    try:
        names = tuple(keep)
    except TypeError:
        raise ValueError(
            f"keep must be 'all' or a sequence of matrix names, got {keep!r}"
        ) from None
    for name in names:
        if name not in _MATRICES:
            raise ValueError(f"keep: {name!r} is not one of {list(_MATRICES)}")
    return names


def _per_item(value: object, name: str, n_items: int, check: Callable[[Any, str], _T]) -> list[_T]:
    """A scalar argument as one checked value per item (a sequence of B values, or one).

    ``check(value, where)`` checks one value; ``where`` names the item in its message.
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        values = list(value)
        if len(values) != n_items:
            raise ValueError(f"{name} must be one value or a sequence of {n_items} values, "
                             f"got {len(values)}")
        return [check(v, f" (item {b})") for b, v in enumerate(values)]
    return [check(value, "")] * n_items


def _check_owner(owner: object, n_rows: int, where: str) -> int | None:
    if owner is None:
        return None
    if isinstance(owner, (bool, np.bool_)) or not isinstance(owner, (int, np.integer)):
        raise ValueError(f"owner_uid must be an integer UID, got {owner!r}{where}")
    if not 0 <= int(owner) < n_rows:
        raise ValueError(f"owner_uid must be in [0, {n_rows}), got {owner!r}{where}")
    return int(owner)


def _check_threshold(value: Any, where: str) -> float:  # any user value: float() decides
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"stake_threshold must be a number, got {value!r}{where}") from None
    if isinstance(value, (bool, np.bool_)) or not math.isfinite(threshold) or threshold < 0:
        raise ValueError(f"stake_threshold must be finite and >= 0, got {value!r}{where}")
    return threshold


def _check_last_tempo(value: object, has_bar: bool, where: str) -> int | None:
    if value is None:
        return None
    if not has_bar:
        raise ValueError("last_tempo needs block_at_registration")
    try:
        return as_block(value, "last_tempo")
    except ValueError as exc:
        raise ValueError(f"{exc}{where}") from None


def _params_list(
    params: YumaParams | Sequence[YumaParams] | None, n_items: int
) -> list[YumaParams]:
    if params is None:
        return [YumaParams()] * n_items
    if isinstance(params, YumaParams):
        return [params] * n_items
    if isinstance(params, Sequence) and not isinstance(params, str):
        items = list(params)
        if len(items) != n_items:
            raise ValueError(
                f"params must be a YumaParams or a sequence of {n_items} YumaParams (one per "
                f"item), got {len(items)}"
            )
        for b, p in enumerate(items):
            if not isinstance(p, YumaParams):
                raise ValueError(f"params[{b}] must be a YumaParams, got {type(p).__name__}")
        return items
    raise ValueError(
        f"params must be a YumaParams or a sequence of YumaParams, got {type(params).__name__}"
    )


def _first_params(params: object) -> YumaParams:
    if isinstance(params, YumaParams):
        return params
    return YumaParams()


def epoch_batch(
    weights: ArrayLike,
    stake: ArrayLike,
    bonds: ArrayLike | None = None,
    *,
    params: YumaParams | Sequence[YumaParams] | None = None,
    variant: str | Variant | None = None,
    active: ArrayLike | None = None,
    validator_permit: ArrayLike | None = None,
    last_update: ArrayLike | None = None,
    block_at_registration: ArrayLike | None = None,
    commit_block: ArrayLike | None = None,
    last_tempo: int | Sequence[int | None] | None = None,
    reset_bonds: ArrayLike | None = None,
    listed: ArrayLike | None = None,
    owner_uid: int | Sequence[int | None] | None = None,
    stake_threshold: float | Sequence[float] = 0.0,
    previous_consensus: ArrayLike | None = None,
    keep: str | Sequence[str] = "all",
) -> EpochBatchResult:
    r"""Run B independent epochs of one shape; item b equals :func:`yuma.epoch` on item b.

    ``weights`` carries the batch axis: ``(B, n_rows, n_cols)``. Every other array is
    either per item, with a leading axis of length B, or shared by all items, with the
    shape :func:`yuma.epoch` takes. Scalars (``owner_uid``, ``stake_threshold``,
    ``last_tempo``) are one value or a sequence of B values; ``params`` is one
    :class:`yuma.YumaParams` or a sequence of B (kappa, bonds penalty, alpha range, ...
    may vary by item; the variant may not).

    For the built-in variants the whole batch is one compiled call: the items run in
    parallel when the batch is large enough, each one serially inside, so each item has
    the bits of the single epoch whatever the thread count. A user-defined variant runs
    :func:`yuma.epoch` on each item in turn.

    Parameters
    ----------
    weights : array_like, shape (B, n_rows, n_cols)
        Weights of each item (see :func:`yuma.epoch`).
    stake : array_like, shape (B, n_rows) or (n_rows,)
        Raw stake.
    bonds : array_like, shape (B, n_rows, n_cols) or (n_rows, n_cols), optional
        Previous bonds; None means none for every item.
    params : YumaParams or sequence of B YumaParams, optional
        Hyperparameters (default ``YumaParams()``).
    variant : str or Variant, optional
        Overrides every item's ``params.variant``.
    active, validator_permit : array_like of bool, shape (B, n_rows) or (n_rows,), optional
        As in :func:`yuma.epoch`.
    last_update : array_like of int, shape (B, n_rows) or (n_rows,), optional
        As in :func:`yuma.epoch`.
    block_at_registration : array_like of int, shape (B, n_cols) or (n_cols,), optional
        As in :func:`yuma.epoch`.
    commit_block : array_like of int, shape (B, n_rows) or (n_rows,), optional
        As in :func:`yuma.epoch`.
    last_tempo : int or sequence of B (int or None), optional
        As in :func:`yuma.epoch`.
    reset_bonds : array_like of bool, shape (B, n_cols) or (n_cols,), optional
        As in :func:`yuma.epoch`.
    listed : array_like of bool, shape (B, n_rows, n_cols) or (n_rows, n_cols), optional
        As in :func:`yuma.epoch`.
    owner_uid : int or sequence of B (int or None), optional
        As in :func:`yuma.epoch`.
    stake_threshold : float or sequence of B floats
        As in :func:`yuma.epoch`.
    previous_consensus : array_like, shape (B, m) or (m,), optional
        As in :func:`yuma.epoch` (``m`` may differ from ``n_cols``).
    keep : "all" or sequence of str
        The matrices to return, among ``weights``, ``clipped_weights``,
        ``weights_for_bonds``, ``ema_bonds`` and ``bonds``; the others are None. Each
        kept one costs ``B * n_rows * n_cols`` floats (new memory: for small epochs,
        writing it costs more than the epoch's arithmetic). ``()`` keeps the vectors only;
        ``("bonds",)`` is what the next epoch needs.

    Returns
    -------
    EpochBatchResult
        Stacked fields; ``result.item(b)`` is item b's :class:`yuma.EpochResult`.

    Raises
    ------
    ValueError
        On a wrong shape or type (the message names the argument), on parameters whose
        variants differ, or when an item fails :func:`yuma.epoch`'s checks (the message is
        that check's, with the item's index); on sparse matrices (the batch is dense: run
        :func:`yuma.epoch` on each sparse item).

    Examples
    --------
    Three kappas over the same two-validator epoch:

    >>> import numpy as np, yuma
    >>> w = np.array([[0.5, 0.5, 0.0], [0.8, 0.2, 0.0]])
    >>> kappas = [yuma.YumaParams(kappa=k) for k in (0.25, 0.5, 0.75)]
    >>> r = yuma.epoch_batch(np.stack([w] * 3), np.array([3.0, 1.0]), params=kappas)
    >>> r.consensus[:, 0].tolist()
    [0.8, 0.5, 0.5]
    >>> np.array_equal(r.item(1).dividends, yuma.epoch(w, [3.0, 1.0]).dividends)
    True
    """
    w = _stacked_weights(weights, bonds, listed)
    n_items, n_rows, n_cols = w.shape
    plist = _params_list(params, n_items)
    var = _shared_variant(params, plist, variant)

    row, col, mat = (n_rows,), (n_cols,), (n_rows, n_cols)
    s, _ = _float_stack(stake, "stake", row, n_items)
    arrays = {"stake": s}
    if bonds is not None:
        arrays["bonds"] = _float_stack(bonds, "bonds", mat, n_items)[0]
    for name, value, shape in (("active", active, row), ("validator_permit", validator_permit, row),
                               ("reset_bonds", reset_bonds, col), ("listed", listed, mat)):
        if value is not None:
            arrays[name] = _bool_stack(value, name, shape, n_items)[0]
    for name, value, shape in (("last_update", last_update, row),
                               ("block_at_registration", block_at_registration, col),
                               ("commit_block", commit_block, row)):
        if value is not None:
            arrays[name] = _block_stack(value, name, shape, n_items)[0]
    if previous_consensus is not None:
        arrays["previous_consensus"] = _float_stack(
            previous_consensus, "previous_consensus", (None,), n_items
        )[0]
    has_bar = block_at_registration is not None
    owners = _per_item(owner_uid, "owner_uid", n_items,
                       lambda v, where: _check_owner(v, n_rows, where))
    thresholds = _per_item(stake_threshold, "stake_threshold", n_items, _check_threshold)
    tempos = _per_item(last_tempo, "last_tempo", n_items,
                       lambda v, where: _check_last_tempo(v, has_bar, where))
    scalars: dict[str, list[Any]] = {
        "owner_uid": owners, "stake_threshold": thresholds, "last_tempo": tempos,
    }

    keep_set = _check_keep(keep)
    code = VARIANT_CODES.get(id(var))
    if code is None or not _fits_int64(arrays, tempos):
        # A user variant, or blocks past 2**63 (yuma.epoch ranks them): item by item.
        return _loop_of_epochs(w, arrays, scalars, plist, var, keep_set)
    for name in ("last_update", "block_at_registration", "commit_block"):
        if name in arrays:
            arrays[name] = arrays[name].astype(np.int64)
    return _compiled_batch(w, arrays, scalars, plist, var, code, keep_set)


def _stacked_weights(weights: ArrayLike, bonds: object, listed: object) -> np.ndarray:
    """The weights as a C-ordered float64 (batch, n_rows, n_cols) array; no sparse input.

    Raises
    ------
    ValueError
        On a sparse matrix among ``weights``, ``bonds`` and ``listed`` (naming it), on
        weights that are not real numbers or not 3-dimensional.
    """
    for name, x in (("weights", weights), ("bonds", bonds), ("listed", listed)):
        if _holds_sparse(x):
            raise ValueError(
                f"{name}: epoch_batch takes dense arrays; run yuma.epoch on each item for "
                "sparse weights and bonds (or stack their .toarray())"
            )
    try:
        w = np.ascontiguousarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"weights must be an array of real numbers: {exc}") from None
    if w.ndim != 3:
        raise ValueError(
            f"weights must be 3-dimensional (batch, n_rows, n_cols), got shape {w.shape}"
        )
    return w


def _shared_variant(
    params: YumaParams | Sequence[YumaParams] | None, plist: list[YumaParams],
    variant: str | Variant | None,
) -> Variant:
    """The one variant every item runs (``variant``, else each item's ``params.variant``).

    Raises
    ------
    ValueError
        When the items' params name different variants, or on an unknown variant.
    """
    distinct = {id(p): p for p in plist} if plist else {0: _first_params(params)}
    variants = {}
    for p in distinct.values():
        v = get_variant(variant, p)
        variants[id(v)] = v
    if len(variants) > 1:
        names = sorted({v.name for v in variants.values()})
        raise ValueError(f"params: every item must use the same variant, got {names}")
    return next(iter(variants.values()))


def _holds_sparse(x: object) -> bool:
    """A sparse matrix, or a sequence holding one (the batch axis as a list)."""
    if is_sparse(x):
        return True
    return isinstance(x, (list, tuple)) and any(is_sparse(item) for item in x)


def _item_arguments(
    w: np.ndarray, arrays: dict[str, np.ndarray], scalars: dict[str, list[Any]],
    plist: list[YumaParams], var: Variant, b: int
) -> dict[str, Any]:
    kw = {"weights": w[b], "params": plist[b], "variant": var}
    for name, arr in arrays.items():
        kw[name] = arr[b if arr.shape[0] != 1 else 0]
    for name, values in scalars.items():
        kw[name] = values[b]
    return kw


def _loop_of_epochs(
    w: np.ndarray, arrays: dict[str, np.ndarray], scalars: dict[str, list[Any]],
    plist: list[YumaParams], var: Variant, keep: tuple[str, ...]
) -> EpochBatchResult:
    n_items, n_rows, n_cols = w.shape
    results = []
    for b in range(n_items):
        r = epoch(**_item_arguments(w, arrays, scalars, plist, var, b))
        # Keep only what is asked for, so that the matrices are not all held at once.
        results.append({name: getattr(r, name) for name in _ARRAY_FIELDS
                        if name not in _MATRICES or name in keep})
    stacked: dict[str, Any] = {}  # EpochBatchResult's fields, by name
    n_uids = n_rows if n_rows == n_cols else n_rows + n_cols
    shapes = _field_shapes(n_rows, n_cols, n_uids)
    for name in _ARRAY_FIELDS:
        if name in _MATRICES and name not in keep:
            stacked[name] = None
            continue
        dtype = np.bool_ if name in ("active", "validator_permit") else np.float64
        if results:
            stacked[name] = np.stack([np.asarray(r[name]) for r in results])
        else:
            stacked[name] = np.zeros((0, *shapes[name]), dtype=dtype)
        if name in _MATRICES:
            stacked[name].flags.writeable = False
    return EpochBatchResult(variant=var.name, **stacked)


def _field_shapes(n_rows: int, n_cols: int, n_uids: int) -> dict[str, tuple[int, ...]]:
    row, col, mat = (n_rows,), (n_cols,), (n_rows, n_cols)
    return {
        "stake": row, "active": row, "active_stake": row, "weights": mat, "consensus": col,
        "clipped_weights": mat, "validator_trust": row, "rank": col, "trust": col,
        "incentive": col, "weights_for_bonds": mat, "ema_bonds": mat, "bonds": mat,
        "dividends": row, "server_emission": col, "validator_emission": row,
        "emission": (n_uids,), "validator_permit": row,
    }


_NO_F = np.zeros((1, 1, 1))
_NO_F.flags.writeable = False
_NO_F2 = np.zeros((1, 1))
_NO_F2.flags.writeable = False
_NO_B2 = np.zeros((1, 1), dtype=np.bool_)
_NO_B2.flags.writeable = False
_NO_B3 = np.zeros((1, 1, 1), dtype=np.bool_)
_NO_B3.flags.writeable = False
_NO_I2 = np.zeros((1, 1), dtype=np.int64)
_NO_I2.flags.writeable = False
_NO_OUT = np.zeros((1, 1, 1))  # an output the kernel is told not to write


def _compiled_batch(
    w: np.ndarray, arrays: dict[str, np.ndarray], scalars: dict[str, list[Any]],
    plist: list[YumaParams], var: Variant, code: int, keep: tuple[str, ...]
) -> EpochBatchResult:
    """The batch through the compiled epoch of a built-in variant, in named steps."""
    n_items, n_rows, n_cols = w.shape
    own, wb_is, lazy_bonds, write_bonds, fill_wb = _matrix_plan(plist, code, keep)
    # Matrices without a stack are scratch, reused item after item: dirty.
    dirty = sum(1 << k for k, name in enumerate(_MATRICES) if not own[name])
    ints, reals = _parameter_rows(arrays, scalars, plist, code, write_bonds, fill_wb, dirty,
                                  n_items)
    out = _output_stacks(arrays, own, n_items, n_rows, n_cols)
    statuses = np.zeros(n_items, dtype=np.int64)
    if n_items:
        _run_on_stacks(w, arrays, ints, reals, out, own, statuses)
    bad = np.flatnonzero(statuses < 0)
    if bad.size:
        _raise_for_item(w, arrays, scalars, plist, var, int(bad[0]))
    _finish_matrices(out, statuses, lazy_bonds, wb_is, keep)
    return EpochBatchResult(variant=var.name, **out)


def _matrix_plan(
    plist: list[YumaParams], code: int, keep: tuple[str, ...]
) -> tuple[dict[str, bool], str | None, bool, int, int]:
    """Which matrices get a stack of their own, and what the kernel is told to write.

    ``weights_for_bonds`` shares the stack of ``clipped_weights`` (every beta 1) or of
    ``weights`` (every beta 0), and Yuma 3's stored bonds share the EMA's when both are
    kept (the storage rule is applied afterwards, :func:`_finish_matrices`).

    Parameters
    ----------
    plist : list of YumaParams
    code : int
        The built-in variant's code.
    keep : set of str
        Matrices asked for.

    Returns
    -------
    own : dict of str to bool
        Per matrix: whether the kernel writes a stack of its own.
    wb_is : str or None
        The matrix that ``weights_for_bonds`` equals in every item, if any.
    lazy_bonds : bool
        Whether ``bonds`` is derived from ``ema_bonds`` after the run.
    write_bonds, fill_wb : int
        The kernel's flags for writing ``bonds`` and ``weights_for_bonds``.
    """
    betas = {p.bonds_penalty for p in plist}
    wb_is = "clipped_weights" if betas <= {1.0} else ("weights" if betas <= {0.0} else None)
    yuma3 = code == ek.YUMA3_CODE
    own = {name: name in keep for name in _MATRICES}
    if wb_is is not None and own["weights_for_bonds"]:
        own[wb_is], own["weights_for_bonds"] = True, False
    lazy_bonds = yuma3 and own["bonds"] and own["ema_bonds"]
    if lazy_bonds:
        own["bonds"] = False
    write_bonds = 2 if (own["bonds"] or not yuma3) else 0
    fill_wb = int(own["weights_for_bonds"])
    return own, wb_is, lazy_bonds, write_bonds, fill_wb


def _parameter_rows(
    arrays: dict[str, np.ndarray], scalars: dict[str, list[Any]], plist: list[YumaParams],
    code: int, write_bonds: int, fill_wb: int, dirty: int, n_items: int
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's integer and real parameter rows: one when every item shares them.

    Parameters
    ----------
    arrays : dict
        The batch's arrays (which optional inputs are given).
    scalars : dict
        Per-item ``owner_uid``, ``last_tempo`` and ``stake_threshold``.
    plist : list of YumaParams
    code : int
        The built-in variant's code.
    write_bonds, fill_wb : int
        From :func:`_matrix_plan`.
    dirty : int
        The ``I_DIRTY`` bits: the matrices written to scratch.
    n_items : int

    Returns
    -------
    ints : numpy.ndarray of int64, shape (1 or n_items, N_INTS)
    reals : numpy.ndarray of float64, shape (1 or n_items, N_REALS)
    """
    has = tuple(name in arrays for name in (
        "bonds", "active", "validator_permit", "last_update", "commit_block",
        "block_at_registration", "listed", "reset_bonds", "previous_consensus",
    ))
    owners, tempos, thresholds = (scalars[k] for k in ("owner_uid", "last_tempo",
                                                       "stake_threshold"))
    shared = n_items > 0 and all(
        p is plist[0] for p in plist
    ) and len({*owners}) == 1 and len({*tempos}) == 1 and len({*thresholds}) == 1
    items = range(1 if shared else n_items)
    ints = np.array(
        [int_params(code, plist[b], owners[b], has, tempos[b], write_bonds, fill_wb, dirty)
         for b in items], dtype=np.int64,
    ).reshape(len(items), ek.N_INTS)
    reals = np.array(
        [real_params(plist[b], thresholds[b]) for b in items], dtype=np.float64,
    ).reshape(len(items), ek.N_REALS)
    return ints, reals


def _output_stacks(
    arrays: dict[str, np.ndarray], own: dict[str, bool], n_items: int, n_rows: int,
    n_cols: int
) -> dict[str, Any]:
    """The stacks the kernel writes into: a matrix's only when it has its own (else None).

    ``active`` starts as the given flags (the kernel updates them), else all True.

    Parameters
    ----------
    arrays : dict
        The batch's arrays.
    own : dict of str to bool
        From :func:`_matrix_plan`.
    n_items, n_rows, n_cols : int

    Returns
    -------
    dict
        One entry per field of :class:`EpochBatchResult` but ``variant``.
    """
    n_uids = n_rows if n_rows == n_cols else n_rows + n_cols
    out = {}
    for name, shape in _field_shapes(n_rows, n_cols, n_uids).items():
        if name in _MATRICES:
            out[name] = np.zeros((n_items, *shape)) if own[name] else None
        elif name != "active":
            dtype = np.bool_ if name == "validator_permit" else np.float64
            out[name] = np.empty((n_items, *shape), dtype=dtype)
    if "active" in arrays:
        out["active"] = np.array(np.broadcast_to(arrays["active"], (n_items, n_rows)))
    else:
        out["active"] = np.ones((n_items, n_rows), dtype=np.bool_)
    return out


def _run_on_stacks(
    w: np.ndarray, arrays: dict[str, np.ndarray], ints: np.ndarray, reals: np.ndarray,
    out: dict[str, Any], own: dict[str, bool], statuses: np.ndarray
) -> None:
    """Run the compiled epoch over the batch, writing ``out`` and ``statuses`` in place.

    Inputs not given are passed as read-only placeholders, matrices without a stack of
    their own as ``_NO_OUT`` (the kernel is told not to write them).

    Parameters
    ----------
    w : numpy.ndarray, shape (n_items, n_rows, n_cols)
    arrays : dict
    ints, reals : numpy.ndarray
        From :func:`_parameter_rows`.
    out : dict
        From :func:`_output_stacks`.
    own : dict of str to bool
        From :func:`_matrix_plan`.
    statuses : numpy.ndarray of int64, shape (n_items,)
        Each item's kernel status (negative: rejected).
    """
    n_items, n_rows, n_cols = w.shape
    inputs = (
        w, arrays["stake"], arrays.get("bonds", _NO_F), arrays.get("active", _NO_B2),
        arrays.get("validator_permit", _NO_B2), arrays.get("last_update", _NO_I2),
        arrays.get("commit_block", _NO_I2), arrays.get("block_at_registration", _NO_I2),
        arrays.get("listed", _NO_B3), arrays.get("reset_bonds", _NO_B2),
        arrays.get("previous_consensus", _NO_F2), ints, reals,
    )
    mats = {name: _NO_OUT if out[name] is None else out[name] for name in _MATRICES}
    outputs = (
        out["stake"], out["active_stake"], out["validator_permit"], mats["weights"],
        out["consensus"], mats["clipped_weights"], out["validator_trust"], out["rank"],
        out["trust"], out["incentive"], mats["weights_for_bonds"], mats["ema_bonds"],
        mats["bonds"], out["dividends"], out["server_emission"],
        out["validator_emission"], out["emission"],
    )
    kept = np.array([own[name] for name in _MATRICES], dtype=np.int64)
    _run(inputs, outputs, statuses, kept, n_items, n_rows * n_cols)


def _finish_matrices(
    out: dict[str, Any], statuses: np.ndarray, lazy_bonds: bool, wb_is: str | None,
    keep: tuple[str, ...]
) -> None:
    """Fill the shared matrices, drop those not asked for, make the rest read-only.

    Parameters
    ----------
    out : dict
        The written stacks (updated in place).
    statuses : numpy.ndarray of int64
        The kernel's statuses (``ek.BONDS_DIFFER`` marks an item whose storage rule
        cleared a bond row).
    lazy_bonds : bool
        Whether ``bonds`` is derived from ``ema_bonds`` (:func:`_matrix_plan`).
    wb_is : str or None
        The matrix ``weights_for_bonds`` equals, if any.
    keep : set of str
        Matrices asked for.
    """
    if lazy_bonds:
        if np.any(statuses & ek.BONDS_DIFFER):
            # The storage rule: rows with a new permit keep their bonds, others are cleared.
            out["bonds"] = np.where(out["validator_permit"][:, :, None], out["ema_bonds"], 0.0)
        else:
            out["bonds"] = out["ema_bonds"]
    if wb_is is not None and "weights_for_bonds" in keep:
        out["weights_for_bonds"] = out[wb_is]
    for name in _MATRICES:
        if name not in keep:
            out[name] = None
        else:
            out[name].flags.writeable = False


def _run(
    inputs: tuple[np.ndarray, ...], outputs: tuple[np.ndarray, ...], statuses: np.ndarray,
    kept: np.ndarray, n_items: int, item_size: int
) -> None:
    threads = numba.get_num_threads()
    if n_items < threads and parallel_allowed(item_size, PARALLEL_MIN_ELEMENTS):
        # Few large items: one at a time, each over all threads.
        one = ek.epoch_one()
        for b in range(n_items):
            item_in = [x[b if x.shape[0] != 1 else 0] for x in inputs]
            item_out = [x[b] for x in outputs]
            for k, slot in enumerate(_MATRIX_SLOTS):
                if not kept[k]:  # scratch: the kernel writes every entry
                    item_out[slot] = np.empty(inputs[0].shape[1:])
            statuses[b] = one(*item_in, *item_out, True)
        return
    work = n_items * (item_size + ITEM_OVERHEAD_ELEMENTS)
    parallel = n_items > 1 and parallel_allowed(work, BATCH_PARALLEL_MIN_ELEMENTS)
    n_chunks = min(n_items, 4 * threads) if parallel else 1
    ek.epoch_many()(*inputs, *outputs, statuses, kept, n_chunks, parallel)


_MATRIX_SLOTS = (3, 5, 10, 11, 12)
"""Positions of the five matrices (in :data:`_MATRICES` order) among the kernel's outputs."""


def _raise_for_item(
    w: np.ndarray, arrays: dict[str, np.ndarray], scalars: dict[str, list[Any]],
    plist: list[YumaParams], var: Variant, b: int
) -> None:
    kw = _item_arguments(w, arrays, scalars, plist, var, b)
    try:
        check_inputs(**kw)
    except ValueError as exc:
        raise ValueError(f"item {b}: {exc}") from None
    raise RuntimeError(f"the epoch kernel rejected item {b}, which passes the checks")


# --------------------------------------------------------------------------------------
# Independent epochs of any shapes: those that can share a batch run as one
# --------------------------------------------------------------------------------------

_GROUP_ARRAYS = {
    "stake": 1, "bonds": 2, "active": 1, "validator_permit": 1, "last_update": 1,
    "block_at_registration": 1, "commit_block": 1, "reset_bonds": 1, "listed": 2,
    "previous_consensus": 1,
}
"""The arrays an item of a group may give, with their number of dimensions."""
_GROUP_SCALARS = ("owner_uid", "stake_threshold", "last_tempo")
_GROUP_KEYS = frozenset(("weights", "params", "variant", "arithmetic", *_GROUP_ARRAYS,
                         *_GROUP_SCALARS))


def _group_key(kw: dict[str, Any]) -> tuple[tuple[Any, ...], Variant] | None:
    """The batch an item of :func:`run_grouped` can join, or None (it runs alone).

    Items of one batch have one built-in variant, the float path, weights of one shape,
    the same optional arrays given (as NumPy arrays of one dtype and shape each) and the
    same scalars' presence.
    """
    if not set(kw) <= _GROUP_KEYS or kw.get("arithmetic", "float") != "float":
        return None
    params = kw.get("params")
    if params is not None and not isinstance(params, YumaParams):
        return None
    variant = kw.get("variant")
    if variant is not None and not isinstance(variant, (str, Variant)):
        return None
    try:
        var = get_variant(variant, params if params is not None else _DEFAULT_PARAMS)
    except ValueError:
        return None
    w = kw.get("weights")
    if VARIANT_CODES.get(id(var)) is None or type(w) is not np.ndarray or w.ndim != 2:
        return None
    key: list[Any] = [id(var), w.shape, w.dtype.str]
    for name, ndim in _GROUP_ARRAYS.items():
        x = kw.get(name)
        if x is not None and (type(x) is not np.ndarray or x.ndim != ndim):
            return None
        key.append(None if x is None else (x.shape, x.dtype.str))
    key.extend(kw.get(name) is None for name in _GROUP_SCALARS)
    return tuple(key), var


_DEFAULT_PARAMS = YumaParams()
_Item = TypeVar("_Item")


def run_grouped(
    items: Sequence[_Item], arguments: Callable[[_Item], dict[str, Any]],
    single: Callable[[_Item], EpochResult], *, keep: str | Sequence[str] = "all"
) -> list[EpochResult]:
    """Independent epochs; those that can share a batch run as one :func:`epoch_batch`.

    Each item is what ``single`` runs (the reference path: ``single(item)`` is its
    :class:`yuma.EpochResult`); ``arguments(item)`` gives its :func:`yuma.epoch` keyword
    arguments. Items of one built-in variant, one shape and the same optional arrays
    (see ``_group_key``) are stacked and run in one batch, whose items have the bits
    of :func:`yuma.epoch` on their arguments; every other item runs alone. If anything
    fails, every item runs through ``single`` in order, so the error is the one the loop
    raises.

    Parameters
    ----------
    items : sequence
        The epochs.
    arguments : callable
        ``item -> dict`` of :func:`yuma.epoch` keyword arguments.
    single : callable
        ``item -> EpochResult``, the loop's path.
    keep : "all" or sequence of str
        The matrices the caller reads (as :func:`epoch_batch`'s ``keep``); in batched
        results the others are read-only zeros. Items run alone keep everything.

    Returns
    -------
    list of EpochResult
        In the order of ``items``.
    """
    items = list(items)
    try:
        return _run_grouped(items, arguments, single, keep)
    except ValueError:
        return [single(item) for item in items]


def _run_grouped(
    items: list[_Item], arguments: Callable[[_Item], dict[str, Any]],
    single: Callable[[_Item], EpochResult], keep: str | Sequence[str]
) -> list[EpochResult]:
    results: list[Any] = [None] * len(items)
    groups: dict[tuple[Any, ...], tuple[Variant, list[int]]] = {}
    kwargs = []
    for k, item in enumerate(items):
        kw = arguments(item)
        kwargs.append(kw)
        found = _group_key(kw)
        if found is None:
            results[k] = single(item)
        else:
            groups.setdefault(found[0], (found[1], []))[1].append(k)
    for var, members in groups.values():
        if len(members) == 1:
            results[members[0]] = single(items[members[0]])
            continue
        group = [kwargs[k] for k in members]
        stacked: dict[str, Any] = {
            name: np.stack([kw[name] for kw in group]) for name in _GROUP_ARRAYS
            if group[0].get(name) is not None
        }
        scalars: dict[str, Any] = {
            name: [kw[name] for kw in group] for name in _GROUP_SCALARS
            if group[0].get(name) is not None
        }
        params = [kw.get("params") or _DEFAULT_PARAMS for kw in group]
        batch = epoch_batch(np.stack([kw["weights"] for kw in group]), params=params,
                            variant=var, keep=keep, **stacked, **scalars)
        for b, k in enumerate(members):
            results[k] = _item_result(batch, b)
    return results


def _item_result(batch: EpochBatchResult, b: int) -> EpochResult:
    """Item b of a batch; a matrix the batch did not keep reads as read-only zeros."""
    shape = (batch.stake.shape[1], batch.consensus.shape[1])
    zeros = np.broadcast_to(np.zeros(()), shape)
    fields = {}
    for name in _ARRAY_FIELDS:
        x = getattr(batch, name)
        fields[name] = zeros if x is None else x[b]
    return EpochResult(variant=batch.variant, **fields)

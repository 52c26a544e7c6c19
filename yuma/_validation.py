"""Input checks and conversions at the public boundary.

This is the only place where caller arrays are converted: every function returns a fresh,
C-ordered copy, so nothing downstream can modify what the caller passed in. Errors are
``ValueError`` and name the argument.
"""

from __future__ import annotations

import decimal
import math
import numbers
from typing import Any, TypeGuard

import numpy as np

__all__ = [
    "is_integer",
    "is_sparse",
    "is_real_number",
    "as_real_scalar",
    "as_real_array",
    "as_matrix",
    "as_vector",
    "as_mask",
    "as_mask_matrix",
    "as_block_vector",
    "as_block",
    "as_unit_interval",
    "as_uid",
    "as_shape",
]


def is_integer(x: object) -> TypeGuard[int | np.integer[Any]]:
    """An integer scalar: Python or NumPy, not a bool, not a ``timedelta64``.

    NumPy makes ``timedelta64`` a subclass of ``np.signedinteger``, so
    ``isinstance(x, np.integer)`` admits a time span that ``int()`` then refuses.
    """
    return (isinstance(x, (int, np.integer))
            and not isinstance(x, (bool, np.bool_, np.timedelta64)))


def is_sparse(x: object) -> bool:
    """A sparse matrix, by duck typing: it converts itself to CSR (``scipy.sparse`` does).

    Nothing here imports scipy: any object with ``tocsr``, ``nnz`` and ``shape`` that is
    not a NumPy array counts (scipy's matrices and arrays of every format).
    """
    return (x is not None and not isinstance(x, np.ndarray) and callable(getattr(x, "tocsr", None))
            and hasattr(x, "nnz") and hasattr(x, "shape"))


def is_real_number(x: object) -> TypeGuard[int | float | np.integer[Any] | np.floating[Any]]:
    """A real scalar: an integer as :func:`is_integer`, or a Python / NumPy float."""
    return is_integer(x) or isinstance(x, (float, np.floating))


def as_real_scalar(x: object, name: str, *, finite: bool = True) -> float:
    """Return ``x`` as a Python float after checking it is one real number.

    Parameters
    ----------
    x : int or float
        The caller's value (a bool, a string or an array is refused).
    name : str
        Argument name used in error messages.
    finite : bool
        Also refuse NaN and infinities.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``x`` is not a real number, does not fit a float64, or is not finite.
    """
    if not is_real_number(x):
        raise ValueError(f"{name} must be a real number, got {x!r:.60}")
    try:
        value = float(x)
    except OverflowError:
        raise ValueError(f"{name} must fit a float64, got an integer of "
                         f"{int(x).bit_length()} bits") from None
    if finite and not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return value


_NOT_REAL = {
    "c": "complex numbers (the imaginary part would be dropped)",
    "U": "strings",
    "S": "bytes",
    "M": "datetimes",
    "m": "time deltas",
    "V": "structured records",
}


def _is_real_scalar(v: object) -> bool:
    # NumPy registers timedelta64 as a numbers.Real; a time span is no weight or stake.
    return isinstance(v, (numbers.Real, decimal.Decimal, np.bool_)) and not isinstance(
        v, np.timedelta64
    )


def as_real_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a NumPy array of real numbers, refusing what float64 would misread.

    NumPy's float conversion silently parses strings (``"0.5"``), drops the imaginary part
    of complex numbers and turns datetimes into day counts; here each is a ``ValueError``
    naming the argument. Booleans, integers and floats of any width pass, as do object
    arrays whose every entry is a real number. An ndarray comes back as it is (no copy).

    Parameters
    ----------
    x : array_like
        The caller's array.
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        ``numpy.asarray(x)``; its dtype is bool, integer, float or object (of reals).

    Raises
    ------
    ValueError
        For None, a string, a ragged nesting, or entries that are not real numbers.
    """
    if x is None:
        raise ValueError(f"{name} must be an array of real numbers, got None")
    if isinstance(x, (str, bytes)):
        raise ValueError(f"{name} must be an array of real numbers, got the string {x!r:.40}")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"{name} must be a rectangular array of real numbers: {exc}") from None
    kind = arr.dtype.kind
    if kind in "biuf":
        return arr
    if kind == "O":
        bad = [v for v in arr.flat if not _is_real_scalar(v)][:1]
        if bad:
            raise ValueError(
                f"{name} must hold real numbers, got an entry of type {type(bad[0]).__name__}"
            )
        return arr
    what = _NOT_REAL.get(kind, "values of another kind")
    raise ValueError(f"{name} must hold real numbers, got {what} (dtype {arr.dtype})")


def as_float64(x: object, name: str, *, copy: bool = True) -> np.ndarray:
    """``x`` as a C-ordered float64 array after :func:`as_real_array`.

    Parameters
    ----------
    x : array_like
        The caller's array.
    name : str
        Argument name used in error messages.
    copy : bool
        Always return a fresh array (else the input itself when it already is C-ordered
        float64).

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        As :func:`as_real_array`; also for an integer too large for a float64 and for an
        array whose float64 copy does not fit in memory.
    """
    arr = as_real_array(x, name)
    try:
        if copy:
            return np.array(arr, dtype=np.float64, order="C", copy=True)
        return np.ascontiguousarray(arr, dtype=np.float64)
    except OverflowError:
        raise ValueError(f"{name} holds an integer too large for a float64") from None
    except (TypeError, ValueError, decimal.InvalidOperation) as exc:
        raise ValueError(f"{name} must be an array of real numbers: {exc}") from None
    except MemoryError:
        raise ValueError(
            f"{name} of shape {arr.shape} does not fit in memory as float64"
        ) from None


def _as_float_array(x: object, name: str, ndim: int) -> np.ndarray:
    arr = as_float64(x, name)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_matrix(
    x: object, name: str, *, shape: tuple[int, int] | None = None, nonnegative: bool = True
) -> np.ndarray:
    """Return a C-ordered float64 copy of a 2-D array, checked for finiteness and sign.

    Parameters
    ----------
    x : array_like
        The caller's matrix.
    name : str
        Argument name used in error messages.
    shape : tuple of int, optional
        Required shape.
    nonnegative : bool
        Reject negative entries.

    Returns
    -------
    numpy.ndarray
        A fresh float64 array.

    Raises
    ------
    ValueError
        On a wrong shape, NaN/inf or a negative entry.
    """
    arr = _as_float_array(x, name, 2)
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    if nonnegative and arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be non-negative")
    return arr


def as_vector(
    x: object, name: str, *, length: int | None = None, nonnegative: bool = True
) -> np.ndarray:
    """Return a float64 copy of a 1-D array, checked for length, finiteness and sign.

    Parameters
    ----------
    x : array_like
        The caller's vector.
    name : str
        Argument name used in error messages.
    length : int, optional
        Required length.
    nonnegative : bool
        Reject negative entries.

    Returns
    -------
    numpy.ndarray
        A fresh float64 array.

    Raises
    ------
    ValueError
        On a wrong length, NaN/inf or a negative entry.
    """
    arr = _as_float_array(x, name, 1)
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {arr.shape[0]}")
    if nonnegative and arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be non-negative")
    return arr


def _as_bool(x: object, name: str, ndim: int, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A fresh bool array; its shape is checked before any value is read."""
    if x is None or isinstance(x, (str, bytes)):
        raise ValueError(f"{name} must be a boolean mask, got {x!r:.40}")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"{name} must be a rectangular boolean mask: {exc}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if shape is not None and arr.shape != tuple(shape):
        expected = f"length {shape[0]}" if ndim == 1 else f"shape {tuple(shape)}"
        got = arr.shape[0] if ndim == 1 else arr.shape
        raise ValueError(f"{name} must have {expected}, got {got}")
    if arr.dtype == np.bool_:
        return np.array(arr, dtype=np.bool_, order="C", copy=True)
    if arr.dtype.kind in "iuf":
        if not np.all(np.isfinite(arr)) or not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must be a boolean mask (only 0/1 or True/False)")
        return np.array(arr != 0, dtype=np.bool_, order="C")
    raise ValueError(f"{name} must be a boolean mask, got dtype {arr.dtype}")


def as_mask(x: object, name: str, *, length: int, default: bool = True) -> np.ndarray:
    """Return a boolean vector of the given length; ``None`` means all ``default``.

    Parameters
    ----------
    x : array_like or None
        The caller's mask.
    name : str
        Argument name used in error messages.
    length : int
        Required length.
    default : bool
        Value of every entry when ``x`` is None.

    Returns
    -------
    numpy.ndarray
        A fresh boolean array.

    Raises
    ------
    ValueError
        On a wrong length or a non-boolean value.
    """
    if x is None:
        return np.full(length, default, dtype=np.bool_)
    return _as_bool(x, name, 1, (length,))


def as_mask_matrix(x: object, name: str, *, shape: tuple[int, int]) -> np.ndarray:
    """Return a boolean matrix of the given shape.

    Parameters
    ----------
    x : array_like
        The caller's mask.
    name : str
        Argument name used in error messages.
    shape : tuple of int
        Required shape.

    Returns
    -------
    numpy.ndarray
        A fresh boolean array.

    Raises
    ------
    ValueError
        On a wrong shape or a non-boolean value.
    """
    return _as_bool(x, name, 2, tuple(shape))


U64_MAX = (1 << 64) - 1
"""Largest block number: the chain's blocks are ``u64``."""


def _exact_ints(x: object) -> list[int] | None:
    """The entries of a (nested) Python sequence as ints when every one is an int, else None.

    NumPy turns a list holding an int at or above 2**63 into float64 (or object), which
    would round block numbers; Python ints stay exact.
    """
    try:
        flat = np.array(x, dtype=object).reshape(-1).tolist()
    except (ValueError, TypeError, RecursionError):
        return None
    if all(is_integer(v) for v in flat):
        return [int(v) for v in flat]
    return None


def as_block_vector(x: object, name: str, *, length: int | None) -> np.ndarray:
    """Return a uint64 copy of a vector of block numbers (the chain's ``u64`` blocks).

    Every value in ``[0, 2**64 - 1]`` is accepted and kept exactly (Python ints above
    2**63 included); comparisons between the returned vectors are the chain's.

    Parameters
    ----------
    x : array_like
        The caller's block numbers.
    name : str
        Argument name used in error messages.
    length : int or None
        Required length (None: any).

    Returns
    -------
    numpy.ndarray
        A fresh uint64 array.

    Raises
    ------
    ValueError
        On a wrong length, a non-integer, a negative value or one above ``2**64 - 1``.
    """
    if x is None or isinstance(x, (str, bytes)):
        raise ValueError(f"{name} must be a vector of integer block numbers, got {x!r:.40}")
    arr = np.asarray(x) if isinstance(x, np.ndarray) else None
    exact = None if arr is not None else _exact_ints(x)
    if exact is not None:
        shape = np.shape(np.array(x, dtype=object))
        values = exact
    else:
        if arr is None:
            try:
                arr = np.asarray(x)
            except (TypeError, ValueError, RecursionError):
                raise ValueError(f"{name} must be a vector of integer block numbers") from None
        if arr.dtype.kind not in "iufO":
            raise ValueError(f"{name} must hold integer block numbers, got dtype {arr.dtype}")
        shape = arr.shape
        if len(shape) != 1 or (length is not None and shape[0] != length):
            size = "a vector" if length is None else f"a vector of length {length}"
            raise ValueError(f"{name} must be {size}, got shape {shape}")
        if arr.dtype == object:
            exact = _exact_ints(arr)
            if exact is None:
                raise ValueError(f"{name} must hold integer block numbers")
            values = exact
        elif np.issubdtype(arr.dtype, np.floating):
            if not np.all(np.isfinite(arr) & (arr == np.floor(arr))):
                raise ValueError(f"{name} must hold integer block numbers")
            values = [int(v) for v in arr.reshape(-1).tolist()]  # exact: integral floats
        else:
            values = [int(v) for v in arr.reshape(-1).tolist()]
    if len(shape) != 1 or (length is not None and shape[0] != length):
        size = "a vector" if length is None else f"a vector of length {length}"
        raise ValueError(f"{name} must be {size}, got shape {shape}")
    if values and min(values) < 0:
        raise ValueError(f"{name} must be non-negative")
    if values and max(values) > U64_MAX:
        raise ValueError(f"{name} must be at most 2**64 - 1 (blocks are u64), got {max(values)}")
    return np.array(values, dtype=np.uint64)


def as_block(x: object, name: str) -> int:
    """Return one block number (or block count) as a Python int in ``[0, 2**64 - 1]``.

    Parameters
    ----------
    x : int
        The caller's value.
    name : str
        Argument name used in error messages.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``x`` is not an integer in ``[0, 2**64 - 1]``.
    """
    if not is_integer(x):
        raise ValueError(f"{name} must be an integer block number, got {x!r:.60}")
    if not 0 <= int(x) <= U64_MAX:
        raise ValueError(f"{name} must be in [0, 2**64 - 1] (blocks are u64), got {x!r}")
    return int(x)


def as_unit_interval(x: object, name: str) -> float:
    """Return ``x`` as a float after checking ``0 <= x <= 1``.

    Parameters
    ----------
    x : float
        The caller's value.
    name : str
        Argument name used in error messages.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``x`` is not a finite number in [0, 1].
    """
    if not is_real_number(x):
        raise ValueError(f"{name} must be a number in [0, 1], got {x!r:.60}")
    try:
        value = float(x)
    except OverflowError:  # an int too large for a float is far outside [0, 1]
        value = math.inf
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {x!r}")
    return value


def as_uid(x: object, name: str, *, n: int) -> int | None:
    """Return ``x`` as a UID in ``[0, n)``, or None.

    Parameters
    ----------
    x : int or None
        The caller's UID.
    name : str
        Argument name used in error messages.
    n : int
        Number of UIDs.

    Returns
    -------
    int or None

    Raises
    ------
    ValueError
        If ``x`` is not an integer in ``[0, n)``.
    """
    if x is None:
        return None
    if not is_integer(x):
        raise ValueError(f"{name} must be an integer UID, got {x!r:.60}")
    if not 0 <= int(x) < n:
        raise ValueError(f"{name} must be in [0, {n}), got {x!r}")
    return int(x)


def as_shape(x: tuple[int, int], name: str) -> tuple[int, int]:
    """Return a matrix shape ``(n_rows, n_cols)`` of non-negative Python ints.

    Parameters
    ----------
    x : tuple of int
        The caller's shape.
    name : str
        Argument name used in error messages.

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        If ``x`` is not a pair of non-negative integers.
    """
    try:
        n_rows, n_cols = x
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (n_rows, n_cols), got {x!r:.60}") from None
    for v in (n_rows, n_cols):
        if not is_integer(v) or v < 0:
            raise ValueError(f"{name} must hold two non-negative integers, got {x!r:.60}")
    return int(n_rows), int(n_cols)

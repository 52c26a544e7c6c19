"""Input checks and conversions at the public boundary.

This is the only place where caller arrays are converted: every function returns a fresh,
C-ordered copy, so nothing downstream can modify what the caller passed in. Errors are
``ValueError`` and name the argument.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "as_matrix",
    "as_vector",
    "as_mask",
    "as_mask_matrix",
    "as_block_vector",
    "as_block",
    "as_unit_interval",
    "as_uid",
]


def _as_float_array(x, name: str, ndim: int) -> np.ndarray:
    try:
        arr = np.array(x, dtype=np.float64, order="C", copy=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers: {exc}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_matrix(
    x, name: str, *, shape: tuple[int, int] | None = None, nonnegative: bool = True
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


def as_vector(x, name: str, *, length: int | None = None, nonnegative: bool = True) -> np.ndarray:
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


def _as_bool(x, name: str, ndim: int) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == np.bool_:
        out = np.array(arr, dtype=np.bool_, order="C", copy=True)
    elif np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must be a boolean mask (only 0/1 or True/False)")
        out = np.array(arr != 0, dtype=np.bool_, order="C")
    else:
        raise ValueError(f"{name} must be a boolean mask, got dtype {arr.dtype}")
    if out.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {out.shape}")
    return out


def as_mask(x, name: str, *, length: int, default: bool = True) -> np.ndarray:
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
    out = _as_bool(x, name, 1)
    if out.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {out.shape[0]}")
    return out


def as_mask_matrix(x, name: str, *, shape: tuple[int, int]) -> np.ndarray:
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
    out = _as_bool(x, name, 2)
    if out.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {out.shape}")
    return out


U64_MAX = (1 << 64) - 1
"""Largest block number: the chain's blocks are ``u64``."""


def _exact_ints(x) -> list[int] | None:
    """The entries of a (nested) Python sequence as ints when every one is an int, else None.

    NumPy turns a list holding an int at or above 2**63 into float64 (or object), which
    would round block numbers; Python ints stay exact.
    """
    try:
        flat = np.array(x, dtype=object).reshape(-1).tolist()
    except ValueError:
        return None
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
           for v in flat):
        return [int(v) for v in flat]
    return None


def as_block_vector(x, name: str, *, length: int) -> np.ndarray:
    """Return a uint64 copy of a vector of block numbers (the chain's ``u64`` blocks).

    Every value in ``[0, 2**64 - 1]`` is accepted and kept exactly (Python ints above
    2**63 included); comparisons between the returned vectors are the chain's.

    Parameters
    ----------
    x : array_like
        The caller's block numbers.
    name : str
        Argument name used in error messages.
    length : int
        Required length.

    Returns
    -------
    numpy.ndarray
        A fresh uint64 array.

    Raises
    ------
    ValueError
        On a wrong length, a non-integer, a negative value or one above ``2**64 - 1``.
    """
    arr = np.asarray(x) if isinstance(x, np.ndarray) else None
    exact = None if arr is not None else _exact_ints(x)
    if exact is not None:
        shape = np.shape(np.array(x, dtype=object))
        values = exact
    else:
        if arr is None:
            arr = np.asarray(x)
        if arr.dtype == np.bool_ or not (
            np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
            or arr.dtype == object
        ):
            raise ValueError(f"{name} must hold integer block numbers, got dtype {arr.dtype}")
        shape = arr.shape
        if arr.dtype == object:
            values = _exact_ints(arr)
            if values is None:
                raise ValueError(f"{name} must hold integer block numbers")
        elif np.issubdtype(arr.dtype, np.floating):
            if not np.all(np.isfinite(arr) & (arr == np.floor(arr))):
                raise ValueError(f"{name} must hold integer block numbers")
            values = [int(v) for v in arr.reshape(-1).tolist()]  # exact: integral floats
        else:
            values = [int(v) for v in arr.reshape(-1).tolist()]
    if len(shape) != 1 or shape[0] != length:
        raise ValueError(f"{name} must be a vector of length {length}, got shape {shape}")
    if values and min(values) < 0:
        raise ValueError(f"{name} must be non-negative")
    if values and max(values) > U64_MAX:
        raise ValueError(f"{name} must be at most 2**64 - 1 (blocks are u64), got {max(values)}")
    return np.array(values, dtype=np.uint64)


def as_block(x, name: str) -> int:
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
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise ValueError(f"{name} must be an integer block number, got {x!r}")
    if not 0 <= int(x) <= U64_MAX:
        raise ValueError(f"{name} must be in [0, 2**64 - 1] (blocks are u64), got {x!r}")
    return int(x)


def as_unit_interval(x, name: str) -> float:
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
    if isinstance(x, (bool, np.bool_)):
        raise ValueError(f"{name} must be a number in [0, 1], got {x!r}")
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [0, 1], got {x!r}") from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {x!r}")
    return value


def as_uid(x, name: str, *, n: int) -> int | None:
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
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise ValueError(f"{name} must be an integer UID, got {x!r}")
    if not 0 <= int(x) < n:
        raise ValueError(f"{name} must be in [0, {n}), got {x!r}")
    return int(x)

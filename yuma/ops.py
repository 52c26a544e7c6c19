"""Small pure-NumPy blocks with the chain's zero-sum rules.

Every function returns a new array and leaves its input untouched. A normalization whose
sum is zero leaves the vector (or that row or column) unchanged, as the chain's
``inplace_normalize`` family does.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float64, is_integer

__all__ = [
    "normalize",
    "row_normalize",
    "col_normalize",
    "col_max_upscale",
    "vecdiv",
    "is_topk",
    "is_topk_nonzero",
    "prescale_power_of_two",
]

_SAFE_MAX = 2.0**1000  # sums of up to 2**23 entries below this cannot overflow float64


def _as_count(k: object, name: str) -> int:
    if isinstance(k, (bool, np.bool_)) or not is_integer(k) or k < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {k!r}")
    return int(k)


def _float_copy(x: ArrayLike, ndim: int, name: str) -> NDArray[np.float64]:
    arr = as_float64(x, name)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    # A finite sum means every entry is finite (NaN and inf propagate): one pass, no
    # temporary; only an overflowing sum needs the entry-wise check.
    with np.errstate(over="ignore", invalid="ignore"):
        total = arr.sum()
    if not np.isfinite(total) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def prescale_power_of_two(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """Scale by a power of two where entries are so large that a sum could overflow.

    Exact: scaling by a power of two changes no ratio, so normalizing the result gives the
    same bits as normalizing in exact-range arithmetic. Only vectors (or rows / columns,
    with ``axis``) whose largest magnitude is at least ``2**1000`` are scaled.

    Parameters
    ----------
    x : numpy.ndarray
        Values.
    axis : int, optional
        Scale each slice along this axis separately (1: rows, 0: columns).

    Returns
    -------
    numpy.ndarray
        ``x`` itself when nothing needs scaling, else a scaled copy.
    """
    if x.size == 0:
        return x
    # max |x| without an |x| temporary: the larger of max(x) and -min(x)
    keep = axis is not None
    biggest = np.maximum(np.max(x, axis=axis, keepdims=keep), -np.min(x, axis=axis, keepdims=keep))
    if not np.any(biggest >= _SAFE_MAX):
        return x
    _, exponent = np.frexp(biggest)
    scaled: np.ndarray = np.ldexp(x, np.where(biggest >= _SAFE_MAX, -exponent, 0))
    return scaled


def normalize(x: np.ndarray) -> np.ndarray:
    r"""Divide a vector by its sum, unless the sum is zero.

    .. math:: N(x)_i = x_i / \sum_k x_k \quad (\text{or } x \text{ if } \sum_k x_k = 0)

    Parameters
    ----------
    x : array_like, shape (n,)
        Vector to normalize (negative entries are allowed, as on chain).

    Returns
    -------
    numpy.ndarray
        The normalized copy. Chain: ``inplace_normalize``.

    Examples
    --------
    >>> normalize([1.0, 3.0]).tolist()
    [0.25, 0.75]
    >>> normalize([0.0, 0.0]).tolist()
    [0.0, 0.0]
    """
    out = _float_copy(x, 1, "x")
    scaled = prescale_power_of_two(out)
    total = scaled.sum()
    return scaled / total if total != 0.0 else out


def row_normalize(x: np.ndarray) -> np.ndarray:
    """Divide each row by its sum; rows summing to zero are left as they are.

    Parameters
    ----------
    x : array_like, shape (m, n)
        Matrix.

    Returns
    -------
    numpy.ndarray
        Normalized copy. Chain: ``inplace_row_normalize``.
    """
    return _row_normalize_inplace(_float_copy(x, 2, "x"))


def _row_normalize_inplace(out: np.ndarray) -> np.ndarray:
    scaled = prescale_power_of_two(out, axis=1)
    sums = scaled.sum(axis=1)
    nz = sums != 0.0
    if scaled is out:  # common case: dividing zero-sum rows by 1 leaves them unchanged
        out /= np.where(nz, sums, 1.0)[:, None]
    else:
        out[nz] = scaled[nz] / sums[nz, None]
    return out


def col_normalize(x: np.ndarray) -> np.ndarray:
    """Divide each column by its sum; columns summing to zero are left as they are.

    Parameters
    ----------
    x : array_like, shape (m, n)
        Matrix.

    Returns
    -------
    numpy.ndarray
        Normalized copy. Chain: ``inplace_col_normalize``.
    """
    out = _float_copy(x, 2, "x")
    scaled = prescale_power_of_two(out, axis=0)
    sums = scaled.sum(axis=0)
    nz = sums != 0.0
    if scaled is out:  # common case: dividing zero-sum columns by 1 leaves them unchanged
        out /= np.where(nz, sums, 1.0)[None, :]
    else:
        out[:, nz] = scaled[:, nz] / sums[None, nz]
    return out


def col_max_upscale(x: np.ndarray) -> np.ndarray:
    """Divide each column by its maximum; columns whose maximum is zero are left as they are.

    Parameters
    ----------
    x : array_like, shape (m, n)
        Matrix.

    Returns
    -------
    numpy.ndarray
        Upscaled copy (each non-zero column's maximum becomes 1).
        Chain: ``inplace_col_max_upscale``.
    """
    out = _float_copy(x, 2, "x")
    if out.shape[0] == 0:
        return out
    maxima = out.max(axis=0)
    safe = np.where(maxima != 0.0, maxima, 1.0)
    out /= safe[None, :]
    return out


def vecdiv(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Divide element-wise, with ``x / 0 = 0``.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Numerator and denominator.

    Returns
    -------
    numpy.ndarray
        ``x_i / y_i`` where ``y_i != 0``, else 0 (``inf`` where the quotient exceeds the
        float64 range). Chain: ``vecdiv`` (``safe_div``).

    Examples
    --------
    >>> vecdiv([0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]).tolist()
    [0.0, 1.0, 0.0, 0.0]
    """
    num = _float_copy(x, 1, "x")
    den = _float_copy(y, 1, "y")
    if num.shape != den.shape:
        raise ValueError(f"x and y must have the same shape, got {num.shape} and {den.shape}")
    out = np.zeros_like(num)
    nz = den != 0.0
    with np.errstate(over="ignore"):  # a quotient beyond the float64 range is inf
        out[nz] = num[nz] / den[nz]
    return out


def is_topk(x: np.ndarray, k: int) -> np.ndarray:
    """Mark the ``k`` largest entries; ties at the cut favour the higher index.

    The chain sorts the indices by value with a stable ascending sort and clears the first
    ``n - k``; equal values therefore keep index order and the lower indices drop out first.

    Parameters
    ----------
    x : array_like, shape (n,)
        Values.
    k : int
        How many to keep (``k >= n`` keeps all, ``k = 0`` none).

    Returns
    -------
    numpy.ndarray of bool
        Chain: ``is_topk``.
    """
    vals = _float_copy(x, 1, "x")
    k = _as_count(k, "k")
    n = vals.shape[0]
    out = np.ones(n, dtype=np.bool_)
    if n <= k:
        return out
    order = np.argsort(vals, kind="stable")
    out[order[: n - k]] = False
    return out


def is_topk_nonzero(x: np.ndarray, k: int) -> np.ndarray:
    """Mark the ``k`` largest non-zero entries (chain tie rule as in :func:`is_topk`).

    Parameters
    ----------
    x : array_like, shape (n,)
        Values.
    k : int
        How many to keep at most.

    Returns
    -------
    numpy.ndarray of bool
        ``x_i != 0`` and, if ``n >= k``, among the top ``k``. Chain: ``is_topk_nonzero``.
    """
    vals = _float_copy(x, 1, "x")
    k = _as_count(k, "k")
    out: np.ndarray = vals != 0.0
    n = vals.shape[0]
    if n < k:
        return out
    order = np.argsort(vals, kind="stable")
    out[order[: n - k]] = False
    return out

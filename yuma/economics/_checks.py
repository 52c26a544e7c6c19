"""Input checks for :mod:`yuma.economics`: each failure is a ``ValueError`` naming the argument."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

from .._validation import as_float64

U16_MAX = 65_535
U64_MAX = (1 << 64) - 1


def as_int(value, name: str, lo: int = 0, hi: int = U64_MAX) -> int:
    """An integer in ``[lo, hi]`` (bool, float and other non-integers are refused)."""
    if isinstance(value, (bool, np.bool_, np.timedelta64)) or not isinstance(
        value, numbers.Integral
    ):
        raise ValueError(f"{name} must be an integer, got {value!r:.60}")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {v}")
    return v


def u64(value, name: str) -> int:
    """A ``u64`` (rao, blocks)."""
    return as_int(value, name, 0, U64_MAX)


def u16(value, name: str, lo: int = 0, hi: int = U16_MAX) -> int:
    """A ``u16`` (a proportion ``v / 65535``), optionally within ``[lo, hi]``."""
    return as_int(value, name, lo, hi)


def int_list(values, name: str, lo: int = 0, hi: int = U64_MAX) -> list[int]:
    """A 1-D sequence of integers in ``[lo, hi]``, as Python ints (exact for u64)."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"{name} must be 1-dimensional, got shape {values.shape}")
        if values.size and not (values.dtype.kind in "iu" or values.dtype == object):
            raise ValueError(f"{name} must hold integers, got dtype {values.dtype}")
        items = values.tolist()
    elif isinstance(values, Iterable) and not isinstance(values, (str, bytes)):
        items = list(values)
    else:
        raise ValueError(f"{name} must be a 1-D sequence of integers, got {values!r}")
    out = []
    for i, v in enumerate(items):
        if isinstance(v, (list, tuple, np.ndarray)):
            raise ValueError(f"{name} must be 1-dimensional")
        out.append(as_int(v, f"{name}[{i}]", lo, hi))
    return out


def bool_list(values, name: str, n: int, default: bool) -> list[bool]:
    """A 1-D sequence of ``n`` booleans, or ``n`` copies of ``default`` for ``None``."""
    if values is None:
        return [default] * n
    arr = as_array(values, name)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must have length {n}, got shape {arr.shape}")
    if arr.size and arr.dtype != np.bool_:
        raise ValueError(f"{name} must hold booleans, got dtype {arr.dtype}")
    return [bool(v) for v in arr]


def same_length(name_a: str, a: list, name_b: str, b: list) -> None:
    if len(a) != len(b):
        raise ValueError(f"{name_b} must have the length of {name_a} ({len(a)}), got {len(b)}")


def float_list(values, name: str, lo: float = 0.0) -> list[float]:
    """A 1-D sequence of finite floats ``>= lo``."""
    arr = as_float64(values, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    if arr.size and arr.min() < lo:
        raise ValueError(f"{name} must be >= {lo}")
    return [float(v) for v in arr]


def as_array(values, name: str) -> np.ndarray:
    """``np.asarray(values)``, a ragged or too deep nesting being a ValueError naming it."""
    try:
        return np.asarray(values)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"{name} must be a rectangular array: {exc}") from None


def u64_array(values: list[int]) -> np.ndarray:
    """Python ints (each in u64) as a ``uint64`` array."""
    return np.array(values, dtype=np.uint64)

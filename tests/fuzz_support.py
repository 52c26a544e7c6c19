"""Shared pieces of the fuzz suite (``tests/test_fuzz_*.py``).

The suite calls every public entry point at the extremes and asserts what the README's
"Bad input" table promises: the only exceptions are ``ValueError`` / ``TypeError`` whose
message names the offending argument; outputs hold no NaN; inputs are never modified.

Budget: under the ``ci`` profile each test runs the few examples given to :func:`budget`
(the whole suite well under a minute); ``HYPOTHESIS_PROFILE=fuzz`` runs each test with the
``fuzz`` profile's many examples (tests/conftest.py), for long local runs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

U64_MAX = (1 << 64) - 1
I64_MAX = (1 << 63) - 1
F53 = 1 << 53


def budget(ci_examples: int, *, tmp_path: bool = False):
    """Settings of one fuzz test: ``ci_examples`` examples, or the fuzz profile's many.

    ``tmp_path``: the test uses pytest's ``tmp_path`` (shared by its examples, which write
    their own file names into it).
    """
    extra = {}
    if tmp_path:
        extra["suppress_health_check"] = [*settings.default.suppress_health_check,
                                          HealthCheck.function_scoped_fixture]
    if PROFILE == "fuzz":
        return settings(**extra)
    return settings(max_examples=ci_examples, **extra)


# --------------------------------------------------------------------------------------
# Hostile values
# --------------------------------------------------------------------------------------

SUBNORMALS = (5e-324, 1e-310, 2.2250738585072004e-308)
FLOAT_EXTREMES = (0.0, *SUBNORMALS, 2.2250738585072014e-308, 1e-300, 0.5, 1.0,
                  float(F53), float(F53 + 2), 2.0**63, 2.0**64, 1e300, 1.7976931348623157e308)
INT_EXTREMES = (0, 1, F53 - 1, F53, F53 + 1, I64_MAX, I64_MAX + 1, U64_MAX)


class _Opaque:
    """An object no function should accept as data."""

    def __repr__(self) -> str:
        return "<opaque>"


def hostile_scalars() -> list:
    """Values that are wrong for almost any argument (each function must say which)."""
    return [
        None, "x", "0.5", "", b"1", object(), _Opaque(), 1 + 1j, float("nan"),
        float("inf"), -float("inf"), -1, -1.0, -(1 << 70), 1 << 70, U64_MAX + 1, 1e-310,
        True, [], [[]], [1, 2], [[1], [1, 2]], {}, {"a": 1}, (), np.datetime64("2020-01-01"),
        np.timedelta64(3, "D"), np.float64("nan"), np.array("x"),
        np.array([1 + 2j, 0]), np.array(["0.5", "1"]), np.array([1, 2], dtype="M8[D]"),
        np.array([1, 2], dtype="m8[D]"), np.array([1.0, float("nan")]),
        np.array([[1.0, float("inf")], [0.0, 0.0]]), np.array([[-1.0, 0.0], [0.0, 0.0]]),
        np.zeros((0,)), np.zeros((0, 0)), np.zeros((2, 2, 2)), np.array([None, None]),
        np.broadcast_to(0.0, (10**6, 10**6)),
    ]


def hostile() -> st.SearchStrategy:
    """One hostile value (drawn by index, so that shrinking stays cheap)."""
    values = hostile_scalars()
    return st.integers(0, len(values) - 1).map(lambda i: hostile_scalars()[i])


# --------------------------------------------------------------------------------------
# Arrays at the extremes, in every dtype and layout
# --------------------------------------------------------------------------------------

REAL_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
               "uint64", "float16", "float32", "float64", "longdouble")


def _fits(values: np.ndarray, dtype: str) -> np.ndarray:
    """``values`` (non-negative float64) cast to ``dtype`` without overflow or wrap."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return values > 0
    if dt.kind in "iu":
        top = int(np.iinfo(dt).max)
        ints = [min(int(v), top) for v in values.reshape(-1).tolist()]
        return np.array(ints, dtype=dt).reshape(values.shape)
    if dt == np.float16 or dt == np.float32:
        top = float(np.finfo(dt).max)
        return np.minimum(values, top).astype(dt)
    return values.astype(dt)


@st.composite
def layouts(draw, arr: np.ndarray) -> np.ndarray:
    """The same values as C order, Fortran order, a strided view, read-only or as a list."""
    kind = draw(st.sampled_from(["c", "fortran", "strided", "readonly", "list", "broadcast"]))
    if kind == "fortran":
        return np.asfortranarray(arr)
    if kind == "strided":
        big = np.zeros(tuple(2 * d for d in arr.shape), dtype=arr.dtype)
        view = big[tuple(slice(None, None, 2) for _ in arr.shape)]
        view[...] = arr
        return view
    if kind == "readonly":
        out = arr.copy()
        out.flags.writeable = False
        return out
    if kind == "list" and (arr.ndim == 1 or arr.shape[0] > 0):  # [] cannot say (0, n)
        return arr.tolist()
    if kind == "broadcast" and arr.size and np.all(arr == arr.flat[0]):
        return np.broadcast_to(arr.flat[0], arr.shape)
    return np.ascontiguousarray(arr)


@st.composite
def extreme_values(draw, shape: tuple[int, ...], *, top: float = 1.7976931348623157e308
                   ) -> np.ndarray:
    """Non-negative float64 values at the extremes: subnormals, 2**53, huge, zeros."""
    pool = st.one_of(
        st.sampled_from([v for v in FLOAT_EXTREMES if v <= top]),
        st.floats(0.0, top, allow_nan=False, allow_infinity=False),
        st.integers(0, 10).map(float).filter(lambda v: v <= top),
    )
    size = int(np.prod(shape))
    kind = draw(st.sampled_from(["mixed", "zeros", "one_value"]))
    if kind == "zeros" or size == 0:
        return np.zeros(shape)
    if kind == "one_value":
        return np.full(shape, draw(pool))
    return np.array(draw(st.lists(pool, min_size=size, max_size=size)),
                    dtype=np.float64).reshape(shape)


@st.composite
def extreme_arrays(draw, shape: tuple[int, ...], *, top: float = 1.7976931348623157e308):
    """``(value, as_float64)``: an array at the extremes in some dtype and layout, and the
    float64 array NumPy makes of it (what the library must compute with)."""
    values = draw(extreme_values(shape, top=top))
    dtype = draw(st.sampled_from(REAL_DTYPES))
    typed = _fits(values, dtype)
    as_float = np.asarray(typed, dtype=np.float64)
    return draw(layouts(typed)), as_float


# --------------------------------------------------------------------------------------
# What the suite asserts
# --------------------------------------------------------------------------------------


def assert_names(exc: BaseException, names: Iterable[str]) -> None:
    """A ValueError/TypeError whose message names one of ``names``."""
    assert isinstance(exc, (ValueError, TypeError)), f"{type(exc).__name__}: {exc}"
    text = str(exc)
    assert "\n" not in text.strip() or len(text) < 2000, text
    assert any(n in text for n in names), f"message does not name {list(names)}: {text!r}"


def snapshot_args(values: Iterable) -> list:
    """Copies (and write flags) of the ndarray arguments, to check nothing was modified."""
    return [(v, v.copy(), v.flags.writeable) for v in values if isinstance(v, np.ndarray)]


def assert_untouched(snapshots: list) -> None:
    for original, copy, writeable in snapshots:
        assert original.flags.writeable == writeable, "an input's write flag changed"
        assert original.dtype == copy.dtype and original.shape == copy.shape
        assert np.array_equal(original, copy, equal_nan=original.dtype.kind in "fc"), (
            "an input array was modified"
        )


def float_arrays(obj, depth: int = 0) -> list[tuple[str, np.ndarray]]:
    """Every float array inside a result (dataclass fields, tuples, dicts), with its path."""
    if depth > 4:
        return []
    if isinstance(obj, np.ndarray):
        return [("", obj)] if obj.dtype.kind == "f" else []
    if isinstance(obj, float):
        return [("", np.array([obj]))]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]
    elif isinstance(obj, dict):
        items = list(obj.items())
    elif isinstance(obj, (tuple, list)) and len(obj) < 64:
        items = list(enumerate(obj))
    else:
        return []
    out = []
    for key, value in items:
        out += [(f"{key}.{p}" if p else str(key), a) for p, a in float_arrays(value, depth + 1)]
    return out


def assert_no_nan(result) -> None:
    for path, arr in float_arrays(result):
        assert not np.isnan(arr).any(), f"NaN in {path or 'the result'}: {arr!r}"

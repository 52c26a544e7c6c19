r"""The chain's fixed-point arithmetic, bit for bit: ``I32F32`` (and ``I64F64`` for stake).

The chain (``opentensor/subtensor``, ``pallets/subtensor/src/epoch/math.rs``) computes the
epoch in the ``substrate_fixed`` type ``I32F32``: a two's-complement 64-bit integer with
32 fractional bits. Here such values are **raw bits** held in ``int64`` NumPy arrays:

.. math:: \text{value} = \text{bits} / 2^{32}, \qquad
          \text{bits} \in [-2^{63},\, 2^{63} - 1]

so ``ONE = 2**32`` is 1.0 and ``from_float(0.5) == 2**31``. Every function takes and
returns such bits (use :func:`from_float` / :func:`from_f32` / :func:`to_float` at the
edges). All arithmetic is exact integer arithmetic; no float is ever rounded into a
result, except in :func:`from_float` (the chain's ``from_num``) and :func:`to_float`.

Rounding rules of ``substrate_fixed`` v0.6.0 (``src/arith.rs``, ``src/macros_frac.rs``,
``src/float_helper.rs``, ``src/macros_round.rs``), all reproduced here:

* ``a * b``: the exact 128-bit product of the bits, shifted right arithmetically by 32,
  i.e. :math:`\lfloor ab / 2^{32} \rfloor` on the bits (toward :math:`-\infty`).
  ``saturating_mul`` clamps to MIN when exactly one operand is negative, else to MAX.
* ``a / b``: :math:`\operatorname{trunc}(2^{32} a / b)` on the bits (toward zero).
  ``checked_div`` fails on a zero divisor or a quotient out of range; the chain's
  ``safe_div`` (crate ``safe-math``) turns that failure into 0.
* float to fixed (``from_num``): round to nearest, ties to even, saturating.
* fixed to integer (``to_num``/``saturating_to_num``): floor, then clamp.
* ``round()``: to nearest, ties away from zero.
* ``Sum`` (``iter().sum()``) uses the plain ``+``, which wraps in the release runtime (no
  overflow checks); the epoch's sums of values in [0, 1] never get near the limit.

NumPy ``int64`` arithmetic wraps silently, so no product is ever formed in ``int64``:
:func:`mul` splits magnitudes into 32-bit halves in ``uint64``, :func:`checked_div` does
a long division with an exactly corrected float estimate. Both are checked against
Python's unbounded integers in ``tests/test_fixed.py``.

Dense matrices stand for the chain's sparse rows: an absent entry is a 0, which adds
nothing to any sum and has the same median score. Where the sparse functions keep or drop
entries (``*_sparse``), the functions here return 0 for a dropped entry and say which
entries the chain would keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, overload

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FRAC_BITS",
    "ONE",
    "HALF",
    "I32F32_MAX",
    "I32F32_MIN",
    "U16_MAX",
    "U16_MAX_FIXED",
    "E_BITS",
    "EXP_SAFE_MIN",
    "EXP_SAFE_MAX",
    "I64F64_FRAC_BITS",
    "I64F64_ONE",
    "I64F64_MAX",
    "I64F64_MIN",
    # conversions
    "from_float",
    "from_f32",
    "from_int",
    "to_float",
    "fixed_to_u16",
    "fixed_to_u64",
    "round_fixed",
    "u16_to_fixed",
    "u16_proportion_to_fixed",
    "fixed_to_fixed_u16_proportion",
    "fixed_proportion_to_u16",
    "vec_max_upscale_to_u16",
    "vec_u16_max_upscale_to_u16",
    "emission_to_rao",
    # scalar arithmetic, element-wise
    "saturating_add",
    "saturating_sub",
    "saturating_neg",
    "mul",
    "saturating_mul",
    "checked_mul",
    "checked_div",
    "safe_div",
    "saturating_div",
    "div",
    "clamp_value",
    "wrapping_sum",
    # vectors and matrices
    "normalize",
    "normalize_using_sum",
    "row_normalize",
    "col_normalize",
    "col_max_upscale",
    "row_sum",
    "vecdiv",
    "vec_mul",
    "is_topk",
    "is_topk_nonzero",
    "matmul",
    "matmul_transpose",
    "row_hadamard",
    "mat_vec_mul",
    "mat_vec_mul_sparse",
    "col_clip",
    "col_clip_sparse",
    "interpolate",
    "interpolate_sparse",
    "mat_ema",
    "mat_ema_sparse",
    "mat_ema_alpha",
    "mat_ema_alpha_sparse",
    "weighted_median",
    "weighted_median_col",
    # transcendental
    "exp",
    "exp_checked",
    "exp_safe",
    "sigmoid_safe",
    "alpha_sigmoid",
    # I64F64 (Python ints)
    "i64f64_from_int",
    "i64f64_from_float",
    "i64f64_mul",
    "i64f64_checked_div",
    "i64f64_safe_div",
    "normalize_64",
    "fixed64_to_fixed32",
    "fixed64_to_u64",
    "tao_weight_64",
    "total_stake_64",
    "stake_weights",
    "bonds_ema_alpha",
]

Bits = NDArray[np.int64]
"""Raw ``I32F32`` bits (value = bits / 2**32)."""

FRAC_BITS = 32
"""Fractional bits of ``I32F32``."""
ONE = 1 << FRAC_BITS
"""Bits of 1.0."""
HALF = 1 << (FRAC_BITS - 1)
"""Bits of 0.5."""
I32F32_MAX = (1 << 63) - 1
"""Bits of ``I32F32::MAX`` (about 2147483648 - 2.3e-10)."""
I32F32_MIN = -(1 << 63)
"""Bits of ``I32F32::MIN`` (-2147483648)."""
U16_MAX = 65535
"""``u16::MAX``."""
U16_MAX_FIXED = U16_MAX << FRAC_BITS
"""Bits of ``I32F32::from_num(u16::MAX)``."""

# substrate_fixed::consts::E is a U2F126; transcendental::E keeps its top 25 bits as an
# I9F23 (shift right by 103), and exp(1) returns that constant widened to I32F32.
_E_U2F126 = 0xADF8_5458_A2BB_4A9A_AFDC_5620_273D_3CF1
E_BITS = (_E_U2F126 >> 103) << (FRAC_BITS - 23)
"""Bits of ``exp(1)`` on chain: e truncated to 23 fractional bits (2.7182817459...)."""
EXP_SAFE_MIN = -20 << FRAC_BITS
"""Lower clamp of :func:`exp_safe` (-20)."""
EXP_SAFE_MAX = 20 << FRAC_BITS
"""Upper clamp of :func:`exp_safe` (20)."""

I64F64_FRAC_BITS = 64
"""Fractional bits of ``I64F64``."""
I64F64_ONE = 1 << 64
"""Bits of 1.0 in ``I64F64``."""
I64F64_MAX = (1 << 127) - 1
"""Bits of ``I64F64::MAX``."""
I64F64_MIN = -(1 << 127)
"""Bits of ``I64F64::MIN``."""

_U64_MAX = (1 << 64) - 1
_M32 = np.uint64(0xFFFF_FFFF)
_ZERO_U64 = np.uint64(0)
_TWO32_F = 4294967296.0
# A corrected remainder below 2**64 - 2**62 is non-negative; above, it wrapped (see _divmod)
_NEG_REMAINDER = (1 << 64) - (1 << 62)


# --------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------


def _bits(x: ArrayLike, name: str = "x") -> Bits:
    """Raw bits as an int64 array (no copy when already int64)."""
    arr = np.asarray(x)
    if arr.dtype == np.int64:
        return arr
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype == object:
        try:
            return np.array(arr.tolist(), dtype=np.int64)
        except OverflowError:
            raise OverflowError(f"{name}: raw I32F32 bits must fit in int64") from None
    if arr.dtype.kind == "u":
        if arr.dtype.itemsize == 8 and np.any(arr > I32F32_MAX):
            raise OverflowError(f"{name}: raw I32F32 bits must fit in int64")
        return arr.astype(np.int64)
    if arr.dtype.kind == "i":
        return arr.astype(np.int64)
    raise TypeError(
        f"{name} must hold raw I32F32 bits as integers, got dtype {arr.dtype} "
        "(convert floats with from_float or from_f32)"
    )


def _flat(*xs: ArrayLike) -> tuple[list[Bits], tuple[int, ...]]:
    """Broadcast to one shape and return flat 1-d int64 copies (never 0-d: no scalar ops)."""
    arrs = np.broadcast_arrays(*[_bits(x) for x in xs])
    shape = arrs[0].shape
    return [np.ascontiguousarray(a).reshape(-1) for a in arrs], shape


def _shaped(arr: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return arr.reshape(shape)


def _magnitude(a: Bits) -> NDArray[np.uint64]:
    """|a| as uint64 (exact, including |MIN| = 2**63)."""
    u = a.astype(np.uint64)
    return np.where(a < 0, _ZERO_U64 - u, u)


def _signed(mag: NDArray[np.integer[Any]], neg: NDArray[np.bool_]) -> Bits:
    """Two's-complement bits of +-mag (mod 2**64)."""
    return np.where(neg, _ZERO_U64 - mag, mag).astype(np.int64)


# --------------------------------------------------------------------------------------
# Conversions
# --------------------------------------------------------------------------------------


def from_float(x: ArrayLike) -> Bits:
    r"""Float64 to ``I32F32``: the chain's ``I32F32::saturating_from_num(f64)``.

    .. math:: \text{bits} = \operatorname{clamp}\bigl(\operatorname{rne}(2^{32} x),
              -2^{63}, 2^{63} - 1\bigr)

    where ``rne`` rounds to the nearest integer, ties to even (``float_helper.rs``). The
    scaling by ``2**32`` is exact in float64, so this is the correctly rounded value.

    Parameters
    ----------
    x : array_like of float
        Values (infinities saturate).

    Returns
    -------
    numpy.ndarray of int64
        Bits, same shape as ``x``.

    Raises
    ------
    ValueError
        If any value is NaN (the chain panics).
    """
    arr = np.asarray(x, dtype=np.float64)
    if np.isnan(arr).any():
        raise ValueError("cannot convert NaN to I32F32")
    with np.errstate(over="ignore"):
        scaled = np.rint(arr * _TWO32_F)
    out = np.empty(arr.shape, dtype=np.int64)
    high = scaled >= 2.0**63
    low = scaled < -(2.0**63)
    mid = ~(high | low)
    out[mid] = scaled[mid].astype(np.int64)
    out[high] = I32F32_MAX
    out[low] = I32F32_MIN
    return out


def from_f32(x: ArrayLike) -> Bits:
    """Through float32 to ``I32F32``: ``I32F32::from_num(x as f32)``.

    This is how the chain's tests build their inputs (``fixed(f32)``, ``vec_to_fixed``,
    ``vec_to_mat_fixed``): the value is first rounded to the nearest float32 (ties to
    even, as Rust's ``as f32``), then converted exactly as :func:`from_float`.

    Parameters
    ----------
    x : array_like of float
        Values.

    Returns
    -------
    numpy.ndarray of int64
        Bits.
    """
    arr = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        single = arr.astype(np.float32)
    return from_float(single.astype(np.float64))


def from_int(x: ArrayLike) -> Bits:
    r"""Integer to ``I32F32``: ``I32F32::saturating_from_num(int)``.

    .. math:: \text{bits} = 2^{32} \operatorname{clamp}(x, -2^{31}, 2^{31} - 1)

    Parameters
    ----------
    x : array_like of int
        Integers of any size (Python ints, or any NumPy integer dtype).

    Returns
    -------
    numpy.ndarray of int64
        Bits.
    """
    arr = np.asarray(x)
    lo, hi = -(1 << 31), (1 << 31) - 1
    if arr.size == 0:
        return np.zeros(arr.shape, dtype=np.int64)
    if arr.dtype == object:
        flat = [max(lo, min(hi, int(v))) for v in arr.reshape(-1).tolist()]
        clipped = np.array(flat, dtype=np.int64).reshape(arr.shape)
    elif arr.dtype.kind == "u":
        clipped = np.minimum(arr.astype(np.uint64), hi).astype(np.int64)
    elif arr.dtype.kind == "i":
        clipped = np.clip(arr.astype(np.int64), lo, hi)
    else:
        raise TypeError(f"from_int takes integers, got dtype {arr.dtype}")
    return clipped << FRAC_BITS


def to_float(x: ArrayLike) -> NDArray[np.float64]:
    """``I32F32`` to float64 (nearest float64; exact for ``|bits| < 2**53``).

    Parameters
    ----------
    x : array_like of int
        Bits.

    Returns
    -------
    numpy.ndarray of float64
    """
    return _bits(x).astype(np.float64) / _TWO32_F


def fixed_to_u16(x: ArrayLike) -> NDArray[np.uint16]:
    r"""``I32F32`` to ``u16``: the chain's ``fixed_to_u16`` (``saturating_to_num::<u16>``).

    .. math:: \operatorname{clamp}(\lfloor x \rfloor, 0, 65535)

    Parameters
    ----------
    x : array_like of int
        Bits.

    Returns
    -------
    numpy.ndarray of uint16
    """
    return np.clip(_bits(x) >> FRAC_BITS, 0, U16_MAX).astype(np.uint16)


def fixed_to_u64(x: ArrayLike) -> NDArray[np.uint64]:
    r"""``I32F32`` to ``u64``: the chain's ``fixed_to_u64`` (``saturating_to_num::<u64>``).

    .. math:: \max(\lfloor x \rfloor, 0)

    (the integer part of an ``I32F32`` never exceeds ``u64::MAX``).

    Parameters
    ----------
    x : array_like of int
        Bits.

    Returns
    -------
    numpy.ndarray of uint64
    """
    return np.maximum(_bits(x) >> FRAC_BITS, 0).astype(np.uint64)


def round_fixed(x: ArrayLike) -> Bits:
    """Round to the nearest integer, ties away from zero: ``I32F32::round``.

    On overflow (only for values above ``2**31 - 0.5``) the result wraps to MIN, as the
    release runtime does (``overflowing_round`` without a debug assertion).

    Parameters
    ----------
    x : array_like of int
        Bits.

    Returns
    -------
    numpy.ndarray of int64
        Bits of an integer value.
    """
    (a,), shape = _flat(x)
    floor = (a >> FRAC_BITS) << FRAC_BITS
    frac = a & (ONE - 1)
    up = (frac >= HALF) & ~((frac == HALF) & (a < 0))
    return _shaped(floor + np.where(up, ONE, 0), shape)


def u16_to_fixed(x: ArrayLike) -> Bits:
    """``u16`` to ``I32F32`` as an integer value (not divided): the chain's ``u16_to_fixed``.

    Parameters
    ----------
    x : array_like of int
        Integers in [0, 65535].

    Returns
    -------
    numpy.ndarray of int64
        ``x << 32``.
    """
    return from_int(x)


def u16_proportion_to_fixed(x: ArrayLike) -> Bits:
    r"""``u16`` proportion to ``I32F32``: the chain's ``u16_proportion_to_fixed``.

    .. math:: \operatorname{safe\_div}(x, 65535)
              = \lfloor 2^{32} x / 65535 \rfloor \text{ (bits)}

    A round trip through :func:`fixed_proportion_to_u16` loses one unit for every
    ``0 < x < 65535`` (the division truncates).

    Parameters
    ----------
    x : array_like of int
        ``u16`` values.

    Returns
    -------
    numpy.ndarray of int64
        Bits.
    """
    return safe_div(from_int(x), U16_MAX_FIXED)


def fixed_to_fixed_u16_proportion(x: ArrayLike) -> Bits:
    """Divide by 65535: the chain's ``fixed_to_fixed_u16_proportion`` (``safe_div``).

    Parameters
    ----------
    x : array_like of int
        Bits (typically a u16 integer value from :func:`u16_to_fixed`).

    Returns
    -------
    numpy.ndarray of int64
        Bits of ``x / 65535`` (truncated).
    """
    return safe_div(x, U16_MAX_FIXED)


def fixed_proportion_to_u16(x: ArrayLike) -> NDArray[np.uint16]:
    r"""Proportion to stored ``u16``: the chain's ``fixed_proportion_to_u16``.

    .. math:: \operatorname{clamp}(\lfloor \operatorname{sat}(x \cdot 65535) \rfloor,
              0, 65535)

    Negative values give 0. Every stored per-neuron ``u16`` vector and the Yuma3 bonds
    use this.

    Parameters
    ----------
    x : array_like of int
        Bits.

    Returns
    -------
    numpy.ndarray of uint16
    """
    return fixed_to_u16(mul(x, U16_MAX_FIXED))


def vec_max_upscale_to_u16(vec: ArrayLike) -> NDArray[np.uint16]:
    r"""Scale so the largest entry becomes 65535: the chain's ``vec_max_upscale_to_u16``.

    With :math:`m = \max_i x_i`:

    * :math:`m = 0`: :math:`\lfloor x_i \cdot 65535 \rfloor`;
    * :math:`m > 32768`: :math:`\operatorname{round}(x_i \cdot (65535 / m))`
      (the quotient first, so that :math:`x_i \cdot 65535` cannot saturate);
    * otherwise: :math:`\operatorname{round}((x_i \cdot 65535) / m)`.

    Products saturate, divisions are ``safe_div``, ``round`` is ties-away-from-zero, and
    the result is clamped to [0, 65535].

    Parameters
    ----------
    vec : array_like of int, shape (n,)
        Bits (assumed non-negative).

    Returns
    -------
    numpy.ndarray of uint16, shape (n,)
    """
    v = _bits(vec, "vec").reshape(-1)
    if v.size == 0:
        return np.zeros(0, dtype=np.uint16)
    m = int(v.max())
    if m == 0:
        return fixed_to_u16(mul(v, U16_MAX_FIXED))
    if m > (32768 << FRAC_BITS):
        return fixed_to_u16(round_fixed(mul(v, safe_div(U16_MAX_FIXED, m))))
    return fixed_to_u16(round_fixed(safe_div(mul(v, U16_MAX_FIXED), m)))


def vec_u16_max_upscale_to_u16(vec: ArrayLike) -> NDArray[np.uint16]:
    """Max-upscale ``u16`` weights: the chain's ``vec_u16_max_upscale_to_u16``.

    ``set_weights`` stores weights through this: each ``u16`` becomes an ``I32F32``
    integer and :func:`vec_max_upscale_to_u16` runs on them.

    Parameters
    ----------
    vec : array_like of int, shape (n,)
        ``u16`` values.

    Returns
    -------
    numpy.ndarray of uint16, shape (n,)
    """
    return vec_max_upscale_to_u16(from_int(np.asarray(vec).reshape(-1)))


def emission_to_rao(x: ArrayLike, rao_emission: int) -> NDArray[np.uint64]:
    r"""Normalized emission to token units: ``I96F32(x).saturating_mul(I96F32(rao))``.

    .. math:: \operatorname{clamp}\bigl(\lfloor \text{bits}(x) \cdot \text{rao} / 2^{32}
              \rfloor, 0, 2^{64} - 1\bigr)

    (The ``I96F32`` product of an ``I32F32`` and a ``u64`` is exact; ``saturating_to_num``
    floors and clamps.)

    Parameters
    ----------
    x : array_like of int
        Bits of the normalized emission.
    rao_emission : int
        Emission to distribute, a ``u64``.

    Returns
    -------
    numpy.ndarray of uint64
    """
    rao = int(rao_emission)
    if not 0 <= rao <= _U64_MAX:
        raise ValueError("rao_emission must be a u64")
    a = _bits(x)
    out = [min(max((int(v) * rao) >> FRAC_BITS, 0), _U64_MAX) for v in a.reshape(-1).tolist()]
    return np.array(out, dtype=np.uint64).reshape(a.shape)


# --------------------------------------------------------------------------------------
# Element-wise arithmetic
# --------------------------------------------------------------------------------------


def saturating_add(a: ArrayLike, b: ArrayLike) -> Bits:
    """``a.saturating_add(b)``: exact sum clamped to [MIN, MAX].

    Parameters
    ----------
    a, b : array_like of int
        Bits (broadcast together).

    Returns
    -------
    numpy.ndarray of int64
    """
    (x, y), shape = _flat(a, b)
    s = x + y  # wraps
    over = ((x >= 0) == (y >= 0)) & ((s >= 0) != (x >= 0))
    return _shaped(np.where(over, np.where(x < 0, I32F32_MIN, I32F32_MAX), s), shape)


def saturating_sub(a: ArrayLike, b: ArrayLike) -> Bits:
    """``a.saturating_sub(b)``: exact difference clamped to [MIN, MAX].

    Parameters
    ----------
    a, b : array_like of int
        Bits (broadcast together).

    Returns
    -------
    numpy.ndarray of int64
    """
    (x, y), shape = _flat(a, b)
    s = x - y  # wraps
    over = ((x >= 0) != (y >= 0)) & ((s >= 0) != (x >= 0))
    return _shaped(np.where(over, np.where(x < 0, I32F32_MIN, I32F32_MAX), s), shape)


def saturating_neg(a: ArrayLike) -> Bits:
    """``a.saturating_neg()``: ``-a``, with ``-MIN`` clamped to MAX.

    Parameters
    ----------
    a : array_like of int
        Bits.

    Returns
    -------
    numpy.ndarray of int64
    """
    return saturating_sub(0, a)


def _mul_core(a: ArrayLike, b: ArrayLike):
    """Exact floor(a*b / 2**32) on flat arrays: (bits, overflow, negative, shape).

    Magnitudes are split into 32-bit halves, ``|a| = ah 2^32 + al``; then
    ``floor(|a||b| / 2^32) = hh 2^32 + mid`` with ``hh = ah bh`` and
    ``mid = al bh + ah bl + floor(al bl / 2^32)`` (each fits in uint64, since ah, bh <=
    2**31). A negative product needs the ceiling of the magnitude, so the remainder
    ``al bl mod 2^32`` is tracked.
    """
    (x, y), shape = _flat(a, b)
    neg = (x < 0) != (y < 0)
    ux, uy = _magnitude(x), _magnitude(y)
    xh, xl = ux >> 32, ux & _M32
    yh, yl = uy >> 32, uy & _M32
    ll = xl * yl
    mid = xl * yh + xh * yl + (ll >> 32)
    rem = (ll & _M32) != 0
    hh = xh * yh
    top = hh << 32
    s = top + mid
    wrapped = (hh >= (1 << 32)) | (s < top)
    limit = np.uint64(1 << 63)
    over_pos = wrapped | (s >= limit)
    over_neg = wrapped | (s > limit) | ((s == limit) & rem)
    ceil = s + rem.astype(np.uint64)
    res = np.where(neg, _signed(ceil, np.ones_like(neg)), s.astype(np.int64))
    over = np.where(neg, over_neg, over_pos)
    return res, over, neg, shape


def mul(a: ArrayLike, b: ArrayLike) -> Bits:
    r"""Saturating product: ``a.saturating_mul(b)``.

    .. math:: \text{bits} = \operatorname{clamp}\bigl(\lfloor a b / 2^{32} \rfloor,
              \text{MIN}, \text{MAX}\bigr)

    on the raw bits (floor toward :math:`-\infty`, as ``substrate_fixed``'s
    ``mul_overflow`` shifts the 128-bit product arithmetically). On overflow the result is
    MIN when exactly one operand is negative, else MAX.

    Parameters
    ----------
    a, b : array_like of int
        Bits (broadcast together).

    Returns
    -------
    numpy.ndarray of int64
    """
    res, over, neg, shape = _mul_core(a, b)
    sat = np.where(neg, I32F32_MIN, I32F32_MAX)
    return _shaped(np.where(over, sat, res), shape)


saturating_mul = mul


def checked_mul(a: ArrayLike, b: ArrayLike) -> tuple[Bits, NDArray[np.bool_]]:
    """Product with an overflow flag: ``a.checked_mul(b)``.

    Parameters
    ----------
    a, b : array_like of int
        Bits (broadcast together).

    Returns
    -------
    bits : numpy.ndarray of int64
        ``floor(a*b / 2**32)`` where it fits, else 0.
    ok : numpy.ndarray of bool
        False where the chain returns ``None``.
    """
    res, over, _, shape = _mul_core(a, b)
    return _shaped(np.where(over, 0, res), shape), _shaped(~over, shape)


def _div_core(a: ArrayLike, b: ArrayLike):
    """Exact trunc(a * 2**32 / b) on flat arrays: (bits, bad, negative, zero, shape).

    With magnitudes ``ua, ub``: ``q1 = ua // ub``, ``r = ua % ub``; the low 32 quotient
    bits ``q2 = floor(r 2^32 / ub)`` come from a float64 estimate (off by at most one,
    since the estimate's relative error is below 2**-50 and ``q2 < 2**32``), corrected
    with the exact remainder ``r 2^32 - q2 ub``, computed mod 2**64: its true value lies in
    ``(-ub/2**16, ub (1 + 2**-16))``, so the wrapped value tells the sign.
    """
    (x, y), shape = _flat(a, b)
    neg = (x < 0) != (y < 0)
    ux, uy = _magnitude(x), _magnitude(y)
    zero = uy == 0
    uy = np.where(zero, np.uint64(1), uy)
    q1 = ux // uy
    r = ux - q1 * uy
    est = np.floor(r.astype(np.float64) / uy.astype(np.float64) * _TWO32_F)
    q2 = est.astype(np.uint64)
    rem = (r << 32) - q2 * uy  # exact mod 2**64
    low = rem >= np.uint64(_NEG_REMAINDER)
    q2 = np.where(low, q2 - np.uint64(1), q2)
    rem = np.where(low, rem + uy, rem)
    q2 = np.where(rem >= uy, q2 + np.uint64(1), q2)
    wide = q1 >= np.uint64(1 << 32)
    q = (q1 << 32) + q2
    limit = np.uint64(1 << 63)
    over = wide | np.where(neg, q > limit, q >= limit)
    res = _signed(q, neg)
    bad = zero | over
    return np.where(bad, 0, res), bad, neg, zero, shape


def checked_div(a: ArrayLike, b: ArrayLike) -> tuple[Bits, NDArray[np.bool_]]:
    r"""Quotient with a failure flag: ``a.checked_div(b)``.

    .. math:: \text{bits} = \operatorname{trunc}(2^{32} a / b)

    on the raw bits (toward zero). Fails where ``b == 0`` or the quotient does not fit.

    Parameters
    ----------
    a, b : array_like of int
        Bits (broadcast together).

    Returns
    -------
    bits : numpy.ndarray of int64
        The quotient, 0 where it failed.
    ok : numpy.ndarray of bool
        False where the chain returns ``None``.
    """
    res, bad, _, _, shape = _div_core(a, b)
    return _shaped(res, shape), _shaped(~bad, shape)


def safe_div(a: ArrayLike, b: ArrayLike) -> Bits:
    """``a.safe_div(b)`` (crate ``safe-math``): :func:`checked_div`, or 0 where it fails.

    Every division of the epoch (normalizations, ``vecdiv``) is this one: a zero divisor
    **or an overflowing quotient** gives 0.

    Parameters
    ----------
    a, b : array_like of int
        Bits (broadcast together).

    Returns
    -------
    numpy.ndarray of int64
    """
    res, _, _, _, shape = _div_core(a, b)
    return _shaped(res, shape)


def saturating_div(a: ArrayLike, b: ArrayLike) -> Bits:
    """``a.saturating_div(b)``: the quotient clamped to [MIN, MAX] on overflow.

    On overflow the result is MIN when exactly one operand is negative, else MAX. Used
    by ``alpha_sigmoid``.

    Parameters
    ----------
    a, b : array_like of int
        Bits (broadcast together).

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    ZeroDivisionError
        If any divisor is 0 (the chain panics).
    """
    res, bad, neg, zero, shape = _div_core(a, b)
    if zero.any():
        raise ZeroDivisionError("I32F32 saturating_div by zero")
    return _shaped(np.where(bad, np.where(neg, I32F32_MIN, I32F32_MAX), res), shape)


def div(a: ArrayLike, b: ArrayLike) -> Bits:
    """The plain ``a / b``: the quotient, raising where the chain would panic.

    Parameters
    ----------
    a, b : array_like of int
        Bits (broadcast together).

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    ZeroDivisionError
        If any divisor is 0.
    OverflowError
        If any quotient does not fit.
    """
    res, bad, _, zero, shape = _div_core(a, b)
    if zero.any():
        raise ZeroDivisionError("I32F32 division by zero")
    if bad.any():
        raise OverflowError("I32F32 division overflow")
    return _shaped(res, shape)


def clamp_value(value: ArrayLike, low: ArrayLike, high: ArrayLike) -> Bits:
    """``value.min(high).max(low)``: the chain's ``clamp_value`` (high first, then low).

    Parameters
    ----------
    value, low, high : array_like of int
        Bits (broadcast together).

    Returns
    -------
    numpy.ndarray of int64
    """
    return np.maximum(np.minimum(_bits(value), _bits(high)), _bits(low))


@overload
def wrapping_sum(x: ArrayLike, axis: None = None) -> np.int64: ...
@overload
def wrapping_sum(x: ArrayLike, axis: int) -> Bits: ...
def wrapping_sum(x: ArrayLike, axis: int | None = None) -> Bits | np.int64:
    """The chain's ``iter().sum()``: plain ``+``, wrapping modulo 2**64 on overflow.

    Integer addition modulo 2**64 is associative, so the order does not matter.

    Parameters
    ----------
    x : array_like of int
        Bits.
    axis : int, optional
        Sum along this axis; all entries when omitted.

    Returns
    -------
    numpy.ndarray of int64
    """
    return np.sum(_bits(x), axis=axis, dtype=np.int64)


def _saturating_sum(t: Bits, axis: int) -> Bits:
    """Sequential ``saturating_add`` along ``axis``, in index order, starting at 0.

    When the sum of magnitudes is provably below 2**63, no partial sum can saturate and
    the plain integer sum is the same number; otherwise the sum runs step by step.
    """
    t = _bits(t)
    if t.shape[axis] == 0:
        return np.zeros(np.delete(t.shape, axis), dtype=np.int64)
    bound = np.abs(t.astype(np.float64)).sum(axis=axis)
    if np.all(bound < 2.0**62):
        return t.sum(axis=axis, dtype=np.int64)
    moved = np.moveaxis(t, axis, 0)
    acc = np.zeros(moved.shape[1:], dtype=np.int64)
    for row in moved:
        acc = saturating_add(acc, row)
    return acc


# --------------------------------------------------------------------------------------
# Vectors and matrices (dense; a sparse row's absent entry is a 0)
# --------------------------------------------------------------------------------------


def _vector(x: ArrayLike, name: str) -> Bits:
    v = _bits(x, name)
    if v.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {v.shape}")
    return v


def _matrix(x: ArrayLike, name: str) -> Bits:
    m = _bits(x, name)
    if m.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional, got shape {m.shape}")
    return m


def _matrix_and_vector(matrix: ArrayLike, vector: ArrayLike, axis: int) -> tuple[Bits, Bits]:
    """Check a matrix and a vector as long as its rows (``axis=0``) or columns (``axis=1``)."""
    m, v = _matrix(matrix, "matrix"), _vector(vector, "vector")
    if v.shape[0] != m.shape[axis]:
        side = "rows" if axis == 0 else "columns"
        raise ValueError(f"vector length {v.shape[0]} != matrix {side} {m.shape[axis]}")
    return m, v


def normalize(x: ArrayLike) -> Bits:
    r"""Divide by the sum unless it is 0: the chain's ``normalize`` / ``inplace_normalize``.

    .. math:: x_i \leftarrow \operatorname{safe\_div}(x_i, \textstyle\sum_k x_k)

    The sum uses the plain (wrapping) ``+``; a zero sum leaves ``x`` unchanged. The result
    usually sums to slightly less than 1 (every quotient truncates).

    Parameters
    ----------
    x : array_like of int, shape (n,)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    v = _vector(x, "x")
    s = int(wrapping_sum(v))
    if s == 0:
        return v.copy()
    return safe_div(v, s)


def normalize_using_sum(x: ArrayLike, x_sum: int) -> Bits:
    """Divide by a given sum unless it is 0: the chain's ``inplace_normalize_using_sum``.

    Parameters
    ----------
    x : array_like of int, shape (n,)
        Bits.
    x_sum : int
        Bits of the divisor.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    v = _vector(x, "x")
    if int(x_sum) == 0:
        return v.copy()
    return safe_div(v, int(x_sum))


def row_normalize(x: ArrayLike) -> Bits:
    r"""Normalize each row with a positive sum: ``inplace_row_normalize`` (and ``_sparse``).

    .. math:: x_{ij} \leftarrow \operatorname{safe\_div}(x_{ij}, \textstyle\sum_k x_{ik})
              \quad \text{if } \textstyle\sum_k x_{ik} > 0

    Row sums use the plain (wrapping) ``+``; rows with a sum ``<= 0`` are unchanged.

    Parameters
    ----------
    x : array_like of int, shape (n_rows, n_cols)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    m = _matrix(x, "x")
    out = m.copy()
    sums = wrapping_sum(m, axis=1)
    pos = sums > 0
    if pos.any():
        out[pos] = safe_div(m[pos], sums[pos][:, None])
    return out


def col_normalize(x: ArrayLike) -> Bits:
    r"""Normalize each column with a non-zero sum: ``inplace_col_normalize`` (and ``_sparse``).

    .. math:: x_{ij} \leftarrow \operatorname{safe\_div}(x_{ij}, \textstyle\sum_k x_{kj})
              \quad \text{if } \textstyle\sum_k x_{kj} \ne 0

    Column sums use ``saturating_add`` in row order.

    Parameters
    ----------
    x : array_like of int, shape (n_rows, n_cols)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    m = _matrix(x, "x")
    out = m.copy()
    sums = _saturating_sum(m, 0)
    nz = sums != 0
    if nz.any():
        out[:, nz] = safe_div(m[:, nz], sums[nz][None, :])
    return out


def col_max_upscale(x: ArrayLike) -> Bits:
    r"""Divide each column by its maximum: ``inplace_col_max_upscale`` (and ``_sparse``).

    .. math:: m_j = \max(0, \max_i x_{ij}), \qquad
              x_{ij} \leftarrow \operatorname{safe\_div}(x_{ij}, m_j) \quad (m_j \ne 0)

    Parameters
    ----------
    x : array_like of int, shape (n_rows, n_cols)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    m = _matrix(x, "x")
    out = m.copy()
    if m.shape[0] == 0:
        return out
    peaks = np.maximum(m.max(axis=0), 0)
    nz = peaks != 0
    if nz.any():
        out[:, nz] = safe_div(m[:, nz], peaks[nz][None, :])
    return out


def row_sum(x: ArrayLike) -> Bits:
    """Sum of each row with the plain (wrapping) ``+``: ``row_sum`` / ``row_sum_sparse``.

    Parameters
    ----------
    x : array_like of int, shape (n_rows, n_cols)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows,)
    """
    return wrapping_sum(_matrix(x, "x"), axis=1)


def vecdiv(x: ArrayLike, y: ArrayLike) -> Bits:
    """Element-wise ``x.safe_div(y)``: the chain's ``vecdiv`` (``x / 0 = 0``).

    Parameters
    ----------
    x, y : array_like of int, shape (n,)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    a, b = _vector(x, "x"), _vector(y, "y")
    if a.shape != b.shape:
        raise ValueError(f"x and y must have the same length, got {a.shape} and {b.shape}")
    return safe_div(a, b)


def vec_mul(a: ArrayLike, b: ArrayLike) -> Bits:
    """Element-wise ``checked_mul``, 0 on overflow: the chain's ``vec_mul``.

    Used for the Yuma3 dividends ``D_i = S_i * sum_j B_ij I_j``.

    Parameters
    ----------
    a, b : array_like of int
        Bits (broadcast together).

    Returns
    -------
    numpy.ndarray of int64
    """
    return checked_mul(a, b)[0]


def is_topk(x: ArrayLike, k: int) -> NDArray[np.bool_]:
    """Which entries are among the ``k`` largest: the chain's ``is_topk``.

    All true when ``n < k``. Otherwise the indices are sorted by value with a **stable**
    ascending sort and the first ``n - k`` are false, so ties at the cut favour the
    higher index.

    Parameters
    ----------
    x : array_like of int, shape (n,)
        Bits.
    k : int
        Number kept.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    v = _vector(x, "x")
    return _topk(v, int(k), np.ones(v.shape[0], dtype=bool))


def is_topk_nonzero(x: ArrayLike, k: int) -> NDArray[np.bool_]:
    """As :func:`is_topk`, starting from ``x != 0``: the chain's ``is_topk_nonzero``.

    Parameters
    ----------
    x : array_like of int, shape (n,)
        Bits.
    k : int
        Number kept.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    v = _vector(x, "x")
    return _topk(v, int(k), v != 0)


def _topk(v: Bits, k: int, result: NDArray[np.bool_]) -> NDArray[np.bool_]:
    if k < 0:
        raise ValueError("k must be non-negative")
    n = v.shape[0]
    if n < k:
        return result
    order = np.argsort(v, kind="stable")
    result[order[: n - k]] = False
    return result


def matmul(matrix: ArrayLike, vector: ArrayLike) -> Bits:
    r"""Stake-weighted column sums: the chain's ``matmul`` / ``matmul_sparse``.

    .. math:: r_j = \bigoplus_{i=0}^{n-1} \operatorname{sat}(v_i \cdot M_{ij})

    where :math:`\oplus` is ``saturating_add`` taken in row order (ranks:
    ``matmul(clipped_weights, active_stake)``).

    Parameters
    ----------
    matrix : array_like of int, shape (n_rows, n_cols)
        Bits.
    vector : array_like of int, shape (n_rows,)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n_cols,)
    """
    m, v = _matrix_and_vector(matrix, vector, axis=0)
    return _saturating_sum(mul(v[:, None], m), 0)


def matmul_transpose(matrix: ArrayLike, vector: ArrayLike) -> Bits:
    r"""Row sums weighted by a column vector: ``matmul_transpose`` (and ``_sparse``).

    .. math:: r_i = \bigoplus_{j=0}^{m-1} \operatorname{sat}(M_{ij} \cdot v_j)

    (``saturating_add`` in column order; Yuma2 dividends
    ``matmul_transpose(ema_bonds, incentive)``).

    Parameters
    ----------
    matrix : array_like of int, shape (n_rows, n_cols)
        Bits.
    vector : array_like of int, shape (n_cols,)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows,)
    """
    m, v = _matrix_and_vector(matrix, vector, axis=1)
    return _saturating_sum(mul(m, v[None, :]), 1)


def row_hadamard(matrix: ArrayLike, vector: ArrayLike) -> Bits:
    r"""Scale each row: the chain's ``row_hadamard`` (and ``_sparse``).

    .. math:: M_{ij} \leftarrow \operatorname{sat}(v_i \cdot M_{ij})

    Parameters
    ----------
    matrix : array_like of int, shape (n_rows, n_cols)
        Bits.
    vector : array_like of int, shape (n_rows,)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    m, v = _matrix_and_vector(matrix, vector, axis=0)
    return mul(v[:, None], m)


def mat_vec_mul(matrix: ArrayLike, vector: ArrayLike) -> Bits:
    """Scale each column with ``checked_mul`` (0 on overflow): the chain's dense ``mat_vec_mul``.

    Parameters
    ----------
    matrix : array_like of int, shape (n_rows, n_cols)
        Bits.
    vector : array_like of int, shape (n_cols,)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    m, v = _matrix_and_vector(matrix, vector, axis=1)
    return vec_mul(m, v[None, :])


def mat_vec_mul_sparse(matrix: ArrayLike, vector: ArrayLike) -> Bits:
    """Scale each column with ``saturating_mul``: the chain's ``mat_vec_mul_sparse``.

    The chain keeps only the non-zero products; here they are the non-zero entries.
    (Yuma3: ``row_sum_sparse(mat_vec_mul_sparse(bonds_norm, incentive))``.)

    Parameters
    ----------
    matrix : array_like of int, shape (n_rows, n_cols)
        Bits.
    vector : array_like of int, shape (n_cols,)
        Bits.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    m, v = _matrix_and_vector(matrix, vector, axis=1)
    return mul(m, v[None, :])


def col_clip(x: ArrayLike, col_threshold: ArrayLike) -> Bits:
    r"""Clip each column at its threshold: the chain's dense ``inplace_col_clip``.

    .. math:: x_{ij} \leftarrow \min(x_{ij}, c_j)

    Parameters
    ----------
    x : array_like of int, shape (n_rows, n_cols)
        Bits.
    col_threshold : array_like of int, shape (n_cols,)
        Bits (consensus).

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    m, c = _matrix(x, "x"), _vector(col_threshold, "col_threshold")
    if c.shape[0] != m.shape[1]:
        raise ValueError(f"threshold length {c.shape[0]} != columns {m.shape[1]}")
    return np.minimum(m, c[None, :])


def col_clip_sparse(
    x: ArrayLike, col_threshold: ArrayLike, present: ArrayLike | None = None
) -> tuple[Bits, NDArray[np.bool_]]:
    """Clip each column, dropping clipped entries with a threshold <= 0: ``col_clip_sparse``.

    For a stored entry: if ``c_j < x_ij`` it becomes ``c_j`` when ``c_j > 0`` and is
    **removed** otherwise; if ``x_ij <= c_j`` it is kept as is (stored zeros included).

    Parameters
    ----------
    x : array_like of int, shape (n_rows, n_cols)
        Bits.
    col_threshold : array_like of int, shape (n_cols,)
        Bits (consensus).
    present : array_like of bool, shape (n_rows, n_cols), optional
        Which entries are stored (default: all).

    Returns
    -------
    values : numpy.ndarray of int64
        Clipped values, 0 where absent or removed.
    kept : numpy.ndarray of bool
        Which entries the chain's sparse row still holds.
    """
    m, c = _matrix(x, "x"), _vector(col_threshold, "col_threshold")
    if c.shape[0] != m.shape[1]:
        raise ValueError(f"threshold length {c.shape[0]} != columns {m.shape[1]}")
    p = np.ones(m.shape, dtype=bool) if present is None else np.asarray(present, dtype=bool)
    cc = np.broadcast_to(c[None, :], m.shape)
    clipped = cc < m
    kept = p & (~clipped | (cc > 0))
    values = np.where(clipped, cc, m)
    return np.where(kept, values, 0), kept


def interpolate(mat1: ArrayLike, mat2: ArrayLike, ratio: int) -> Bits:
    r"""``A + ratio (B - A)``: the chain's dense ``interpolate`` (bonds penalty).

    .. math:: r_{ij} = a_{ij} \oplus \operatorname{sat}(\rho \cdot (b_{ij} \ominus a_{ij}))

    with saturating :math:`\oplus, \ominus`. ``ratio == 0`` returns ``A`` and
    ``ratio == 1`` returns ``B`` unchanged.

    Parameters
    ----------
    mat1, mat2 : array_like of int, shape (n_rows, n_cols)
        Bits (``W`` and the clipped ``W``).
    ratio : int
        Bits of beta.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    a, b = _matrix(mat1, "mat1"), _matrix(mat2, "mat2")
    if a.shape != b.shape:
        raise ValueError(f"mat1 and mat2 shapes differ: {a.shape} != {b.shape}")
    r = int(ratio)
    if r == 0:
        return a.copy()
    if r == ONE:
        return b.copy()
    return saturating_add(a, mul(r, saturating_sub(b, a)))


def interpolate_sparse(mat1: ArrayLike, mat2: ArrayLike, ratio: int) -> Bits:
    """As :func:`interpolate`, keeping only entries > 0: the chain's ``interpolate_sparse``.

    ``ratio`` 0 or 1 returns a copy of ``mat1`` or ``mat2`` (whose stored entries,
    explicit zeros included, the chain keeps); otherwise only positive results remain
    (non-positive ones are returned as 0 and are not stored).

    Parameters
    ----------
    mat1, mat2 : array_like of int, shape (n_rows, n_cols)
        Bits.
    ratio : int
        Bits of beta.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    out = interpolate(mat1, mat2, ratio)
    if int(ratio) in (0, ONE):
        return out
    return np.where(out > 0, out, 0)


def mat_ema(new: ArrayLike, old: ArrayLike, alpha: int) -> Bits:
    r"""Bond EMA with one rate: the chain's ``mat_ema``.

    .. math:: r_{ij} = \operatorname{sat}(\alpha \cdot n_{ij}) \oplus
              \operatorname{sat}((1 \ominus \alpha) \cdot o_{ij})

    in that order (new term first), all saturating.

    Parameters
    ----------
    new : array_like of int, shape (n_rows, n_cols)
        Bits (weights for bonds, or the bond delta).
    old : array_like of int, shape (n_rows, n_cols)
        Bits (previous bonds).
    alpha : int
        Bits of the rate.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    n, o = _matrix(new, "new"), _matrix(old, "old")
    if n.shape != o.shape:
        raise ValueError(f"new and old shapes differ: {n.shape} != {o.shape}")
    a = int(alpha)
    keep = saturating_sub(ONE, a)
    return saturating_add(mul(a, n), mul(keep, o))


def mat_ema_sparse(new: ArrayLike, old: ArrayLike, alpha: int) -> Bits:
    """As :func:`mat_ema`, keeping only entries > 0: the chain's ``mat_ema_sparse``.

    Every column of both matrices enters (absent = 0); non-positive results are not
    stored (returned as 0).

    Parameters
    ----------
    new, old : array_like of int, shape (n_rows, n_cols)
        Bits.
    alpha : int
        Bits of the rate.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    out = mat_ema(new, old, alpha)
    return np.where(out > 0, out, 0)


def mat_ema_alpha(new: ArrayLike, old: ArrayLike, alpha: ArrayLike) -> Bits:
    r"""Bond EMA with a rate per entry, capped at 1: the chain's ``mat_ema_alpha``.

    .. math:: r_{ij} = \min\bigl(1,\; \operatorname{sat}((1 \ominus \alpha_{ij}) \cdot
              o_{ij}) \oplus \max(0, \operatorname{sat}(\alpha_{ij} \cdot n_{ij}))\bigr)

    (decayed old term first, then the non-negative increment).

    Parameters
    ----------
    new : array_like of int, shape (n_rows, n_cols)
        Bits (weights for bonds).
    old : array_like of int, shape (n_rows, n_cols)
        Bits (previous bonds).
    alpha : array_like of int
        Bits of the rates, broadcastable to the matrix shape.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    n, o = _matrix(new, "new"), _matrix(old, "old")
    if n.shape != o.shape:
        raise ValueError(f"new and old shapes differ: {n.shape} != {o.shape}")
    a = np.broadcast_to(_bits(alpha, "alpha"), n.shape)
    decayed = mul(saturating_sub(ONE, a), o)
    inc = np.maximum(mul(a, n), 0)
    return np.minimum(saturating_add(decayed, inc), ONE)


def mat_ema_alpha_sparse(
    new: ArrayLike, old: ArrayLike, alpha: ArrayLike, new_present: ArrayLike | None = None
) -> Bits:
    """As :func:`mat_ema_alpha`, on the stored entries of ``new`` only: ``mat_ema_alpha_sparse``.

    An output exists only where row i of ``new`` stores column j (an explicit 0 counts);
    a previous bond in a column absent from ``new``'s row is **dropped**, not decayed.
    Only results > 0 are kept. Dropped entries are returned as 0.

    Parameters
    ----------
    new, old : array_like of int, shape (n_rows, n_cols)
        Bits.
    alpha : array_like of int
        Bits of the rates, broadcastable to the matrix shape.
    new_present : array_like of bool, shape (n_rows, n_cols), optional
        Which entries of ``new`` are stored (default: ``new != 0``).

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)
    """
    n = _matrix(new, "new")
    out = mat_ema_alpha(n, old, alpha)
    present = n != 0 if new_present is None else np.asarray(new_present, dtype=bool)
    return np.where(present & (out > 0), out, 0)


# --------------------------------------------------------------------------------------
# Weighted median (numba: int64 comparisons and saturating adds only)
# --------------------------------------------------------------------------------------

_jit = numba.njit(cache=True, nogil=True)

_NB_MAX = I32F32_MAX
_NB_MIN = I32F32_MIN


@_jit
def _nb_sat_add(a, b):
    if b > 0 and a > _NB_MAX - b:
        return _NB_MAX
    if b < 0 and a < _NB_MIN - b:
        return _NB_MIN
    return a + b


@_jit
def _nb_sat_sub(a, b):
    if b < 0 and a > _NB_MAX + b:
        return _NB_MAX
    if b > 0 and a < _NB_MIN + b:
        return _NB_MIN
    return a - b


@_jit
def _nb_weighted_median(stake, score, partition, minority, lo, hi):
    n0 = partition.shape[0]
    cur = partition.copy()
    lower = np.empty(n0, dtype=np.int64)
    upper = np.empty(n0, dtype=np.int64)
    m = n0
    counter = 0
    while True:
        if m == 0:
            return np.int64(0)
        if m == 1:
            return score[cur[0]]
        pivot = score[cur[m // 2]]
        lo_stake = np.int64(0)
        hi_stake = np.int64(0)
        n_lo = 0
        n_hi = 0
        for k in range(m):
            idx = cur[k]
            s = score[idx]
            if s == pivot:
                continue
            if s < pivot:
                lo_stake = _nb_sat_add(lo_stake, stake[idx])
                lower[n_lo] = idx
                n_lo += 1
            else:
                hi_stake = _nb_sat_add(hi_stake, stake[idx])
                upper[n_hi] = idx
                n_hi += 1
        if minority < _nb_sat_add(lo, lo_stake) and n_lo > 0:
            for k in range(n_lo):
                cur[k] = lower[k]
            m = n_lo
            hi = _nb_sat_add(lo, lo_stake)
        elif _nb_sat_sub(hi, hi_stake) <= minority and n_hi > 0:
            for k in range(n_hi):
                cur[k] = upper[k]
            m = n_hi
            lo = _nb_sat_sub(hi, hi_stake)
        else:
            return pivot
        counter += 1
        if counter > n0:
            break
    return np.int64(0)


@_jit
def _nb_weighted_median_cols(stake, scores, minority, stake_sum, out):
    m, n_cols = scores.shape
    idx = np.arange(m, dtype=np.int64)
    col = np.empty(m, dtype=np.int64)
    for j in range(n_cols):
        for i in range(m):
            col[i] = scores[i, j]
        out[j] = _nb_weighted_median(stake, col, idx, minority, np.int64(0), stake_sum)


def weighted_median(
    stake: ArrayLike,
    score: ArrayLike,
    partition_idx: ArrayLike,
    minority: int,
    partition_lo: int,
    partition_hi: int,
) -> int:
    r"""The chain's ``weighted_median``: a mid-pivot partition search over fixed-point stake.

    Starting from the indices ``partition_idx`` (in that order) and the stake segment
    ``[lo, hi]``::

        loop:
            |P| == 0: return 0;  |P| == 1: return score of its element
            pivot = score[P[|P| // 2]]
            L = [p in P: score < pivot], U = [p in P: score > pivot]   (order kept)
            Ls, Us = saturating sums of their stake
            if minority < lo + Ls and L non-empty:    P = L; hi = lo + Ls
            elif hi - Us <= minority and U non-empty: P = U; lo = hi - Us
            else: return pivot

    (saturating ``+``/``-``; entries equal to the pivot are in neither set; after more
    than ``len(partition_idx)`` steps it returns 0, which cannot happen since every step
    shrinks ``P``). The result is the smallest score whose stake at or below it exceeds
    ``minority``.

    Parameters
    ----------
    stake, score : array_like of int, shape (n,)
        Bits.
    partition_idx : array_like of int
        Indices to search, in order.
    minority : int
        Bits of ``stake_sum - majority`` (may be negative).
    partition_lo, partition_hi : int
        Bits of the segment ends (``0`` and the stake sum).

    Returns
    -------
    int
        Bits of the median score.
    """
    s, x = _vector(stake, "stake"), _vector(score, "score")
    if s.shape != x.shape:
        return 0
    idx = np.asarray(partition_idx, dtype=np.int64).reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= s.shape[0]):
        raise IndexError("partition_idx out of range")
    return int(
        _nb_weighted_median(
            np.ascontiguousarray(s),
            np.ascontiguousarray(x),
            np.ascontiguousarray(idx),
            np.int64(int(minority)),
            np.int64(int(partition_lo)),
            np.int64(int(partition_hi)),
        )
    )


def weighted_median_col(stake: ArrayLike, weights: ArrayLike, majority: int) -> Bits:
    r"""Consensus per column: ``weighted_median_col`` / ``weighted_median_col_sparse``.

    Participants are the rows with ``stake > 0``, in row order. Their stakes are
    normalized (:func:`normalize`) to ``s``; ``stake_sum`` is their (wrapping) sum and
    ``minority = stake_sum - majority`` (saturating, possibly negative). Then for each
    column j

    .. math:: C_j = \text{weighted\_median}(s, W_{\cdot j}, [0..m), \text{minority},
              0, \text{stake\_sum})

    (:func:`weighted_median`). With no participant every ``C_j`` is 0. A participant
    without an entry in column j scores 0.

    Parameters
    ----------
    stake : array_like of int, shape (n_rows,)
        Bits of the active stake.
    weights : array_like of int, shape (n_rows, n_cols)
        Bits of the row-normalized weights.
    majority : int
        Bits of kappa (``u16_proportion_to_fixed(Kappa)``).

    Returns
    -------
    numpy.ndarray of int64, shape (n_cols,)
    """
    w = _matrix(weights, "weights")
    s = _vector(stake, "stake")
    if s.shape[0] != w.shape[0]:
        raise ValueError(f"stake length {s.shape[0]} != weight rows {w.shape[0]}")
    out = np.zeros(w.shape[1], dtype=np.int64)
    rows = np.flatnonzero(s > 0)
    if rows.size == 0 or w.shape[1] == 0:
        return out
    use_stake = normalize(s[rows])
    stake_sum = int(wrapping_sum(use_stake))
    minority = int(saturating_sub(stake_sum, int(majority)))
    _nb_weighted_median_cols(
        np.ascontiguousarray(use_stake),
        np.ascontiguousarray(w[rows]),
        np.int64(minority),
        np.int64(stake_sum),
        out,
    )
    return out


# --------------------------------------------------------------------------------------
# exp, sigmoid, liquid alpha
# --------------------------------------------------------------------------------------


_U32_MASK = np.uint64(0xFFFF_FFFF)
_U32_SHIFT = np.uint64(32)
_U2_32 = np.uint64(1 << 32)
_U2_63 = np.uint64(1 << 63)
_U64_ALL = np.uint64(_U64_MAX)
_NB_ONE = ONE
_NB_E_BITS = E_BITS


@_jit
def _nb_mul_nonneg(a, b):
    """floor(a*b / 2**32) for 0 <= a, b <= MAX, all in uint64; returns (bits, overflow)."""
    ua = np.uint64(a)
    ub = np.uint64(b)
    ah = ua >> _U32_SHIFT
    al = ua & _U32_MASK
    bh = ub >> _U32_SHIFT
    bl = ub & _U32_MASK
    ll = al * bl
    mid = al * bh + ah * bl + (ll >> _U32_SHIFT)
    hh = ah * bh
    if hh >= _U2_32:
        return np.int64(0), True
    top = hh << _U32_SHIFT
    total = top + mid
    if total < top or total >= _U2_63:
        return np.int64(0), True
    return np.int64(total), False


@_jit
def _nb_exp(x, out, ok):
    for k in range(x.shape[0]):
        a = x[k]
        out[k] = 0
        ok[k] = False
        if a == 0:
            out[k] = _NB_ONE
            ok[k] = True
            continue
        if a == _NB_ONE:
            out[k] = _NB_E_BITS
            ok[k] = True
            continue
        if a == _NB_MIN:
            continue  # checked_neg fails
        y = -a if a < 0 else a
        if y > _NB_MAX - _NB_ONE:
            continue
        result = y + _NB_ONE
        term = y
        good = True
        for i in range(2, 32):
            term, over = _nb_mul_nonneg(term, y)
            if over:
                good = False
                break
            term = term // i
            if result > _NB_MAX - term:
                good = False
                break
            result += term
        if not good:
            continue
        if a < 0:
            # checked_div(1, R) = floor(2**64 / R) with R >= 2**32: fits
            r = np.uint64(result)
            q = _U64_ALL // r
            if _U64_ALL - q * r == r - np.uint64(1):
                q += np.uint64(1)
            result = np.int64(q)
        out[k] = result
        ok[k] = True


def exp_checked(x: ArrayLike) -> tuple[Bits, NDArray[np.bool_]]:
    r"""``substrate_fixed::transcendental::exp`` in ``I32F32``, with its failure flag.

    * ``x == 0`` gives 1 and ``x == 1`` gives :data:`E_BITS` (e truncated to 23
      fractional bits; the series is not used).
    * Otherwise, with :math:`y = |x|` (``checked_neg``; fails for MIN):

      .. math:: t_1 = y, \quad t_i = \operatorname{trunc}\bigl(\lfloor t_{i-1} y
                \rfloor / i\bigr) \ (i = 2, \dots, 31), \quad
                R = (y + 1) + t_2 + \dots + t_{31}

      each product floored, each division by the fixed-point ``i`` truncated, each step
      ``checked`` (any overflow fails).
    * For ``x < 0`` the result is ``checked_div(1, R)``.

    The polynomial stops at degree 31, so for large ``|x|`` it falls short of
    :math:`e^{|x|}` (0.81% at ``|x| = 20``, 2.5e-8 at 10, 2e-9 at 9).

    Parameters
    ----------
    x : array_like of int
        Bits.

    Returns
    -------
    bits : numpy.ndarray of int64
        ``exp(x)``, 0 where it failed.
    ok : numpy.ndarray of bool
        False where the chain returns ``Err``.
    """
    (a,), shape = _flat(x)
    out = np.empty(a.shape, dtype=np.int64)
    ok = np.empty(a.shape, dtype=np.bool_)
    _nb_exp(a, out, ok)
    return _shaped(out, shape), _shaped(ok, shape)


def _exp_checked_numpy(x: ArrayLike) -> tuple[Bits, NDArray[np.bool_]]:
    """:func:`exp_checked` with the vectorized :func:`checked_mul` (a cross-check)."""
    (a,), shape = _flat(x)
    neg = a < 0
    ok = a != I32F32_MIN
    y = np.where(neg, np.where(ok, -a, 0), a)  # -MIN would wrap; it fails anyway
    result = y + ONE
    add_ok = y <= I32F32_MAX - ONE
    ok &= add_ok
    term = y
    for i in range(2, FRAC_BITS):
        term, mul_ok = checked_mul(term, y)
        ok &= mul_ok
        term = term // i  # term >= 0: (t << 32) / (i << 32) truncates to floor(t / i)
        total = result + term
        sum_ok = result <= I32F32_MAX - term
        ok &= sum_ok
        result = np.where(sum_ok, total, 0)
    if neg.any():
        inv, inv_ok = checked_div(ONE, np.where(neg & ok, result, ONE))
        result = np.where(neg, inv, result)
        ok &= ~neg | inv_ok
    result = np.where(a == 0, ONE, result)
    result = np.where(a == ONE, E_BITS, result)
    ok |= (a == 0) | (a == ONE)
    result = np.where(ok, result, 0)
    return _shaped(result, shape), _shaped(ok, shape)


def exp(x: ArrayLike) -> Bits:
    """``transcendental::exp`` in ``I32F32`` (see :func:`exp_checked`).

    Parameters
    ----------
    x : array_like of int
        Bits.

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    OverflowError
        Where the chain returns ``Err`` (result or a series term out of range).
    """
    res, ok = exp_checked(x)
    if not np.all(ok):
        raise OverflowError("I32F32 exp overflow")
    return res


def exp_safe(x: ArrayLike) -> Bits:
    r"""The chain's ``exp_safe``: :func:`exp` of the input clamped to [-20, 20].

    .. math:: \exp(\operatorname{clamp}(x, -20, 20))

    On an ``Err`` (which cannot occur after the clamp) it returns 0 for a clamped input
    ``<= 0`` and MAX otherwise. Large arrays are evaluated once per distinct input.

    Parameters
    ----------
    x : array_like of int
        Bits.

    Returns
    -------
    numpy.ndarray of int64
    """
    a = _bits(x)
    clamped = np.clip(a, EXP_SAFE_MIN, EXP_SAFE_MAX)
    if clamped.size > 4096:
        uniq, inverse = np.unique(clamped, return_inverse=True)
        return _exp_safe_clamped(uniq)[inverse].reshape(a.shape)
    return _exp_safe_clamped(clamped)


def _exp_safe_clamped(c: Bits) -> Bits:
    res, ok = exp_checked(c)
    fallback = np.where(c <= 0, 0, I32F32_MAX)
    return np.where(ok, res, fallback)


def sigmoid_safe(x: ArrayLike, rho: ArrayLike, kappa: ArrayLike) -> Bits:
    r"""The chain's ``sigmoid_safe``: a logistic with offset ``kappa`` and slope ``rho``.

    .. math:: \sigma = \operatorname{safe\_div}\bigl(1,\; 1 \oplus
              \operatorname{exp\_safe}(\operatorname{sat}(\operatorname{sat}(\rho \cdot
              (-1)) \cdot (x \ominus \kappa)))\bigr)

    in exactly that order of saturating operations.

    Parameters
    ----------
    x, rho, kappa : array_like of int
        Bits (broadcast together).

    Returns
    -------
    numpy.ndarray of int64
    """
    offset = saturating_sub(x, kappa)
    neg_rho = mul(rho, saturating_neg(ONE))
    exp_input = mul(neg_rho, offset)
    denominator = saturating_add(exp_safe(exp_input), ONE)
    return safe_div(ONE, denominator)


def alpha_sigmoid(
    consensus: ArrayLike,
    weight: ArrayLike,
    bond: ArrayLike,
    alpha_low: int,
    alpha_high: int,
    steepness: int,
) -> Bits:
    r"""Liquid alpha per (validator, miner): the chain's ``alpha_sigmoid`` (Yuma3).

    .. math::
        d_{buy} &= \operatorname{clamp}(w \ominus c, 0, 1), \quad
        d_{sell} = \operatorname{clamp}(b \ominus w, 0, 1), \quad
        d = d_{buy} \text{ if } w \ge b \text{ else } d_{sell} \\
        \sigma &= \operatorname{sat\_div}\bigl(1,\; 1 \oplus \operatorname{exp\_safe}(
                  \operatorname{sat}(\operatorname{sat\_div}(k, -100) \cdot
                  (d \ominus \tfrac12)))\bigr) \\
        \alpha &= \operatorname{clamp}(\alpha_{lo} \oplus \operatorname{sat}(\sigma \cdot
                  (\alpha_{hi} \ominus \alpha_{lo})), \alpha_{lo}, \alpha_{hi})

    (``clamp_value``: the upper bound first.)

    Parameters
    ----------
    consensus : array_like of int
        Bits of ``C_j`` (shape ``(n_cols,)`` broadcasts along rows).
    weight : array_like of int
        Bits of ``W_b``.
    bond : array_like of int
        Bits of the previous bonds ``B`` (proportions).
    alpha_low, alpha_high : int
        Bits (``u16_proportion_to_fixed`` of ``AlphaValues``).
    steepness : int
        Bits of ``I32F32(AlphaSigmoidSteepness)``, e.g. ``from_int(1000)``.

    Returns
    -------
    numpy.ndarray of int64
    """
    c, w, b = np.broadcast_arrays(_bits(consensus), _bits(weight), _bits(bond))
    diff_buy = clamp_value(saturating_sub(w, c), 0, ONE)
    diff_sell = clamp_value(saturating_sub(b, w), 0, ONE)
    combined = np.where(w >= b, diff_buy, diff_sell)
    slope = saturating_div(int(steepness), -100 << FRAC_BITS)
    arg = mul(slope, saturating_sub(combined, HALF))
    sigmoid = saturating_div(ONE, saturating_add(ONE, exp_safe(arg)))
    lo, hi = int(alpha_low), int(alpha_high)
    alpha = saturating_add(lo, mul(sigmoid, saturating_sub(hi, lo)))
    return clamp_value(alpha, lo, hi)


# --------------------------------------------------------------------------------------
# I64F64 (stake): Python ints, value = bits / 2**64
# --------------------------------------------------------------------------------------


def _clamp128(v: int) -> int:
    return max(I64F64_MIN, min(I64F64_MAX, v))


def _wrap128(v: int) -> int:
    return ((v + (1 << 127)) % (1 << 128)) - (1 << 127)


def i64f64_from_int(v: int) -> int:
    r"""``I64F64::saturating_from_num(int)``: ``clamp(v << 64, I64F64::MIN, I64F64::MAX)``.

    An integer that does not fit saturates to the type's extreme *bits*, as
    ``substrate-fixed`` does (``saturating_from_fixed`` returns ``max_value()``): a ``u64``
    at or above :math:`2^{63}` becomes ``I64F64::MAX`` (bits :math:`2^{127} - 1`, the value
    :math:`2^{63} - 2^{-64}`), not :math:`(2^{63} - 1) \cdot 2^{64}`.

    Parameters
    ----------
    v : int
        Any integer (``u64`` stake in rao, for example).

    Returns
    -------
    int
        ``I64F64`` bits.
    """
    return _clamp128(int(v) << I64F64_FRAC_BITS)


def i64f64_from_float(x: float) -> int:
    """``I64F64::saturating_from_num(f64)``: round to nearest, ties to even, saturating.

    Parameters
    ----------
    x : float
        Value (not NaN).

    Returns
    -------
    int
        ``I64F64`` bits.
    """
    x = float(x)
    if x != x:
        raise ValueError("cannot convert NaN to I64F64")
    if x in (float("inf"), float("-inf")):
        return I64F64_MAX if x > 0 else I64F64_MIN
    return _clamp128(round(x * 2.0**64))  # exact scaling; round() ties to even


def i64f64_mul(a: int, b: int) -> int:
    """``I64F64::saturating_mul``: ``floor(a*b / 2**64)`` on the bits, clamped.

    Parameters
    ----------
    a, b : int
        ``I64F64`` bits.

    Returns
    -------
    int
    """
    return _clamp128((int(a) * int(b)) >> I64F64_FRAC_BITS)


def i64f64_checked_div(a: int, b: int) -> int | None:
    """``I64F64::checked_div``: ``trunc(a * 2**64 / b)`` on the bits, ``None`` on failure.

    Parameters
    ----------
    a, b : int
        ``I64F64`` bits.

    Returns
    -------
    int or None
        ``None`` for a zero divisor or a quotient out of range.
    """
    a, b = int(a), int(b)
    if b == 0:
        return None
    q = (abs(a) << I64F64_FRAC_BITS) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    if not I64F64_MIN <= q <= I64F64_MAX:
        return None
    return q


def i64f64_safe_div(a: int, b: int) -> int:
    """``I64F64::safe_div``: :func:`i64f64_checked_div`, or 0 on failure.

    Parameters
    ----------
    a, b : int
        ``I64F64`` bits.

    Returns
    -------
    int
    """
    q = i64f64_checked_div(a, b)
    return 0 if q is None else q


def normalize_64(x: Iterable[int]) -> list[int]:
    r"""The chain's ``inplace_normalize_64``: divide ``I64F64`` values by their sum.

    .. math:: x_i \leftarrow \operatorname{safe\_div}(x_i, \textstyle\sum_k x_k)

    The sum uses the plain (wrapping) ``+``; a zero sum leaves the values unchanged.

    Parameters
    ----------
    x : iterable of int
        ``I64F64`` bits.

    Returns
    -------
    list of int
    """
    vals = [int(v) for v in x]
    s = _wrap128(sum(vals))
    if s == 0:
        return vals
    return [i64f64_safe_div(v, s) for v in vals]


def fixed64_to_fixed32(x: int | Iterable[int]) -> Bits:
    """``I32F32::saturating_from_num(I64F64)``: drop 32 fractional bits (floor), clamp.

    Parameters
    ----------
    x : int or iterable of int
        ``I64F64`` bits.

    Returns
    -------
    numpy.ndarray of int64
        ``I32F32`` bits (0-d for a scalar input).
    """
    if isinstance(x, (int, np.integer)):
        return np.array(max(I32F32_MIN, min(I32F32_MAX, int(x) >> 32)), dtype=np.int64)
    return np.array([max(I32F32_MIN, min(I32F32_MAX, int(v) >> 32)) for v in x], dtype=np.int64)


def fixed64_to_u64(x: int) -> int:
    """``I64F64::saturating_to_num::<u64>``: floor, clamped to [0, u64::MAX].

    Parameters
    ----------
    x : int
        ``I64F64`` bits.

    Returns
    -------
    int
    """
    return max(0, min(_U64_MAX, int(x) >> I64F64_FRAC_BITS))


def tao_weight_64(tao_weight: int) -> int:
    r"""The chain's ``TaoWeight / u64::MAX`` (a ``U96F32``) as ``I64F64`` bits.

    .. math:: \lfloor 2^{32}\, T / (2^{64} - 1) \rfloor \cdot 2^{32}

    (``get_tao_weight`` divides in ``U96F32``, 32 fractional bits;
    ``get_stake_weights_for_network`` widens it to ``I64F64`` exactly.)

    Parameters
    ----------
    tao_weight : int
        ``TaoWeight`` storage value (``u64``).

    Returns
    -------
    int
        ``I64F64`` bits.
    """
    t = int(tao_weight)
    if not 0 <= t <= _U64_MAX:
        raise ValueError("tao_weight must be a u64")
    return ((t << 32) // _U64_MAX) << 32


def total_stake_64(alpha: int, tao: int, tao_weight: int) -> int:
    """Stake of one neuron: ``alpha.saturating_add(tao.saturating_mul(tao_weight))``.

    Parameters
    ----------
    alpha, tao : int
        Inherited alpha and root TAO stake in rao (``u64``; saturated into ``I64F64``).
    tao_weight : int
        ``I64F64`` bits of the TAO weight (:func:`tao_weight_64`).

    Returns
    -------
    int
        ``I64F64`` bits.
    """
    weighted = i64f64_mul(i64f64_from_int(tao), int(tao_weight))
    return _clamp128(i64f64_from_int(alpha) + weighted)


def stake_weights(
    total_stake: Iterable[int], stake_threshold: int = 0, owner_uid: int | None = None
) -> Bits:
    """The epoch's normalized stake ``S`` in ``I32F32`` (spec 3.2).

    Entries whose floored raw stake is below ``stake_threshold`` become 0 (except the
    owner's), the vector is normalized in ``I64F64`` (:func:`normalize_64`) and each
    value is truncated to ``I32F32`` (:func:`fixed64_to_fixed32`).

    Parameters
    ----------
    total_stake : iterable of int
        ``I64F64`` bits of the raw stake per UID (:func:`total_stake_64`).
    stake_threshold : int
        ``StakeThreshold`` in rao.
    owner_uid : int, optional
        The subnet owner's UID (exempt from the threshold).

    Returns
    -------
    numpy.ndarray of int64
    """
    threshold = int(stake_threshold)
    kept = [
        0 if (uid != owner_uid and fixed64_to_u64(s) < threshold) else int(s)
        for uid, s in enumerate(total_stake)
    ]
    return fixed64_to_fixed32(normalize_64(kept))


def bonds_ema_alpha(bonds_moving_average: int) -> int:
    r"""EMA rate from ``BondsMovingAverage``: the chain's ``compute_disabled_liquid_alpha``.

    .. math:: \alpha = 1 \ominus \operatorname{I32F32}\bigl(\operatorname{I64F64}(B)
              / 10^6\bigr)

    (the ``I64F64`` quotient truncates, its conversion to ``I32F32`` floors). With the
    default ``900_000`` this is exactly ``from_float(0.1)``.

    Parameters
    ----------
    bonds_moving_average : int
        ``BondsMovingAverage`` (``u64``, per million).

    Returns
    -------
    int
        ``I32F32`` bits.
    """
    ratio = i64f64_safe_div(i64f64_from_int(bonds_moving_average), i64f64_from_int(1_000_000))
    return int(saturating_sub(ONE, fixed64_to_fixed32(ratio)))

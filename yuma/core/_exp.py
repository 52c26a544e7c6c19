r"""A deterministic, vectorizable ``exp`` for the float path's liquid-alpha sigmoids.

``np.exp`` and ``math.exp`` call the machine's math library (glibc, musl, SVML, Apple's
libm ...), whose last bit differs between libraries and versions, and numba compiles them
to a scalar call that no loop around it can vectorize. :func:`exp` below is written from
IEEE-754 float64 operations alone (``+ - *``, in a fixed order, no fused multiply-add, no
``fastmath``) and two bit casts, so it gives the same bits on every machine (in the default
floating-point environment: round to nearest, subnormals not flushed to zero), compiled
or interpreted, and a loop that calls it compiles to packed SIMD instructions.

Method
------
Cody-Waite range reduction, then a fixed polynomial, then a scaling by :math:`2^k`:

.. math::
    k &= \operatorname{rint}(x / \ln 2), \qquad
    r = (x - k\,L_{hi}) - k\,L_{lo}, \quad |r| \le \tfrac12 \ln 2 + 2^{-40}\\
    e^r &\approx 1 + \bigl(r + r^2 P(r)\bigr), \qquad
    P(r) = \sum_{i=0}^{11} \frac{r^i}{(i+2)!} \text{ (Estrin's scheme)}\\
    e^x &= \bigl(e^r \cdot 2^{\lfloor k/2 \rfloor}\bigr) \cdot 2^{k - \lfloor k/2 \rfloor}

* ``rint`` is the add-and-subtract of :math:`1.5 \cdot 2^{52}` (round half to even); the
  integer ``k`` is read from the low bits of that sum.
* :math:`L_{hi} + L_{lo} = \ln 2`, with :math:`L_{hi}` holding 32 significant bits so that
  :math:`k L_{hi}` is exact for :math:`|k| < 2^{21}` and :math:`x - k L_{hi}` is exact
  (Sterbenz); only the :math:`k L_{lo}` term rounds.
* The polynomial is the Taylor series of degree 13; its truncation error on the reduced
  range is below :math:`0.35^{14}/14! < 5 \cdot 10^{-18}` (0.05 ulp).
* :math:`2^j` is built from its bit pattern; splitting :math:`k` in two halves keeps both
  factors normal for every :math:`k \in [-1076, 1024]`, so the first product is exact
  and the second rounds once, straight into the subnormal range where the result is
  subnormal.

Special values and range: the argument is clamped to [-746, 710] first (beyond that
``exp`` is 0 or inf in float64 anyway), so the polynomial never sees inf or NaN.

* ``x > 709.782712893384`` (``log(DBL_MAX)``) gives ``inf``; ``x = +inf`` gives ``inf``;
* ``-745.13321910194122 < x < -708.39641853226408`` gives the correctly scaled subnormal
  (``exp(-745) = 5e-324``, the smallest one); below, ``0.0``; ``x = -inf`` gives ``0.0``;
* ``NaN`` gives ``NaN``.

Accuracy (measured; tests/test_exp.py checks the bounds)
---------------------------------------------------------
Against the exact value (Python's ``decimal`` at 60 digits), the largest error seen over
120 000 random points (the whole range, [-20, 20] and the reduced range; subnormal results
included) is 0.93 ulp: the result is one of the two float64 values around :math:`e^x`
(faithful rounding; 10 % of the sample differ from the correctly rounded value by that
ulp), and ``exp(0) == 1``. The
tests check :data:`MAX_ULP_ERROR` = 1 ulp against the exact value (Hypothesis and a
sample), at most 2 ulps against ``np.exp`` (numpy's own SIMD routine or the C library's,
itself within about 1 ulp) over a dense sweep of [-745, 709] (1 ulp seen), and a relative
error below :data:`MAX_REL_ERROR` over the liquid-alpha sigmoid's exponent range [-20, 20].
"""

from __future__ import annotations

import math
from fractions import Fraction

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["exp", "exp_normal", "exp_array", "MAX_ULP_ERROR", "MAX_REL_ERROR"]

MAX_ULP_ERROR = 1
"""Largest error of :func:`exp` in units in the last place of the exact result."""

MAX_REL_ERROR = 2.3e-16
"""Largest relative error of :func:`exp` over [-20, 20] (below ``2**-52 = 2.22e-16``)."""

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
# Inlined into the caller's numba IR, so that the loop around a call vectorizes (LLVM's own
# inliner leaves a function of this size out of a larger loop body).
_ijit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy", inline="always")

# ln 2 = _LN2_HI + _LN2_LO: _LN2_HI is ln 2 rounded to 32 significant bits (its low 21
# mantissa bits are zero), _LN2_LO the float64 nearest to the rest.
_LN2_HI = float.fromhex("0x1.62e42fee00000p-1")
_LN2_LO = float.fromhex("0x1.a39ef35793c76p-33")
_INV_LN2 = float.fromhex("0x1.71547652b82fep+0")
_SHIFTER = float.fromhex("0x1.8p52")  # x + 1.5 * 2**52 - 1.5 * 2**52 == rint(x), |x| < 2**51
_SHIFTER_BITS = 0x4338000000000000
_ARG_MIN = -746.0  # exp(-746) < 2**-1075: rounds to 0
_ARG_MAX = 710.0  # exp(710) > DBL_MAX: rounds to inf

# 1 / n! for n = 2 .. 13, each correctly rounded (Fraction -> float rounds to nearest).
_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13 = (
    float(Fraction(1, math.factorial(n))) for n in range(2, 14)
)


# numba.config sets its attributes from the environment at import; its hints omit them.
if numba.config.DISABLE_JIT:  # type: ignore[attr-defined]

    def _float_bits(x):
        return int(np.float64(x).view(np.int64))

    def _bits_float(bits):
        return float(np.int64(bits).view(np.float64))

else:

    @intrinsic
    def _float_bits(typingctx, x):
        """The IEEE-754 bit pattern of a float64, as an int64 (a register move)."""
        if not isinstance(x, types.Float) or x.bitwidth != 64:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))

        return types.int64(types.float64), codegen

    @intrinsic
    def _bits_float(typingctx, bits):
        """The float64 with the IEEE-754 bit pattern ``bits`` (an int64)."""
        # Integer types carry their width at run time; numba's hints omit the attribute.
        if not isinstance(bits, types.Integer) or bits.bitwidth != 64:  # type: ignore[attr-defined]
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.DoubleType())

        return types.float64(bits), codegen


@_ijit
def exp(x):
    """:math:`e^x` in float64, the same bits on every machine; see the module docstring.

    Parameters
    ----------
    x : float

    Returns
    -------
    float
        Within 1 ulp of the exact value; ``inf`` above ``log(DBL_MAX)``, a subnormal or 0
        below ``log(DBL_MIN)``, NaN for NaN.
    """
    # float(): a no-op when compiled; interpreted, it turns a NumPy scalar into a Python
    # float, whose overflow to inf raises no warning (as the compiled code raises none).
    x = float(x)
    # Clamp with selects (NaN goes to _ARG_MAX here and is restored at the end).
    xc = x if x > _ARG_MIN else _ARG_MIN
    xc = xc if xc < _ARG_MAX else _ARG_MAX
    er, k = _reduced_exp(xc)
    k_half = k >> 1
    scale_a = _bits_float((k_half + 1023) << 52)
    scale_b = _bits_float((k - k_half + 1023) << 52)
    y = (er * scale_a) * scale_b
    return y if x == x else x


@_ijit
def exp_normal(x):
    """:func:`exp` for ``-708 <= x <= 709`` (results normal), the same bits, fewer steps.

    Without the clamps, the NaN test and the split scaling: :math:`e^r 2^k` is normal
    there, so one product by :math:`2^k` is exact, as both of :func:`exp`'s are. The
    liquid-alpha sigmoid calls it on its exponent, clamped to [-20, 20].

    Parameters
    ----------
    x : float
        Finite, in [-708, 709] (not checked).

    Returns
    -------
    float
    """
    er, k = _reduced_exp(x)
    return er * _bits_float((k + 1023) << 52)


@_ijit
def _reduced_exp(x):
    r"""``(e^r, k)`` with :math:`x = k \ln 2 + r` (Cody-Waite), :math:`|x| \le 746`."""
    shifted = x * _INV_LN2 + _SHIFTER
    kf = shifted - _SHIFTER
    k = _float_bits(shifted) - _SHIFTER_BITS
    r = (x - kf * _LN2_HI) - kf * _LN2_LO
    # P(r) by Estrin's scheme: pairs, then pairs of pairs; the chain of dependent
    # operations is 6 deep instead of Horner's 22.
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    q0 = (_C2 + _C3 * r) + (_C4 + _C5 * r) * r2
    q1 = (_C6 + _C7 * r) + (_C8 + _C9 * r) * r2
    q2 = (_C10 + _C11 * r) + (_C12 + _C13 * r) * r2
    p = (q0 + q1 * r4) + q2 * r8
    return 1.0 + (r + r2 * p), k


@_jit
def exp_array(x, out):
    """``out[i] = exp(x[i])`` for 1-D float64 arrays (a vectorized loop)."""
    for i in range(x.shape[0]):
        out[i] = exp(x[i])

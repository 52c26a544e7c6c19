"""Numba kernels for the chain-exact epoch (:mod:`yuma.chain`): ``I32F32`` bits, row by row.

Scalar helpers (:func:`fx_mul`, :func:`fx_div`, ...) are the one-element forms of
:func:`yuma.chain.fixed.mul`, :func:`yuma.chain.fixed.checked_div` etc. and give the same
bits (checked in ``tests/test_chain.py``). The matrix kernels walk dense ``n x n`` arrays
that stand for the chain's sparse rows (an absent entry is 0 and a separate ``keep`` mask
says which entries the chain's row holds). Column accumulations run in row order, as the
chain's loops do, so saturating sums are reproduced exactly. The only parallel kernel
(:func:`mat_ema_alpha_sparse_parallel`) splits independent rows, so the results are the same
for any ``NUMBA_NUM_THREADS``.
"""

from __future__ import annotations

import numba
import numpy as np

from .fixed import _nb_mul_nonneg, _nb_sat_add, _nb_sat_sub, _nb_weighted_median

_jit = numba.njit(cache=True, nogil=True, fastmath=False)
_pjit = numba.njit(cache=True, nogil=True, fastmath=False, parallel=True)

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_M32 = np.uint64(0xFFFF_FFFF)
_S32 = np.uint64(32)
_U2_32 = np.uint64(1 << 32)
_U2_63 = np.uint64(1 << 63)
_NEG_REM = np.uint64((1 << 64) - (1 << 62))
_MAX = np.int64((1 << 63) - 1)
_MIN = np.int64(-(1 << 63))
_ONE = np.int64(1 << 32)
_HALF = np.int64(1 << 31)
_E_BITS = np.int64((0xADF8_5458_A2BB_4A9A_AFDC_5620_273D_3CF1 >> 103) << 9)
_EXP_LO = np.int64(-20 << 32)
_EXP_HI = np.int64(20 << 32)
_U16_MAX_FIXED = np.int64(65535 << 32)
_TWO32_F = 4294967296.0


# --------------------------------------------------------------------------------------
# Scalars
# --------------------------------------------------------------------------------------


@_jit
def _umag(a):
    """|a| as uint64 (exact for MIN)."""
    if a < 0:
        return _U0 - np.uint64(a)
    return np.uint64(a)


@_jit
def fx_mul_checked(a, b):
    """floor(a*b / 2**32) on the bits: (value, ok); value 0 when it does not fit."""
    neg = (a < 0) != (b < 0)
    ux = _umag(a)
    uy = _umag(b)
    xh = ux >> _S32
    xl = ux & _M32
    yh = uy >> _S32
    yl = uy & _M32
    ll = xl * yl
    mid = xl * yh + xh * yl + (ll >> _S32)
    rem = (ll & _M32) != _U0
    hh = xh * yh
    top = hh << _S32
    s = top + mid
    wrapped = hh >= _U2_32 or s < top
    if not neg:
        if wrapped or s >= _U2_63:
            return np.int64(0), False
        return np.int64(s), True
    if wrapped or s > _U2_63 or (s == _U2_63 and rem):
        return np.int64(0), False
    c = s + _U1 if rem else s
    return np.int64(_U0 - c), True


@_jit
def fx_mul(a, b):
    """``a.saturating_mul(b)``."""
    v, ok = fx_mul_checked(a, b)
    if ok:
        return v
    if (a < 0) != (b < 0):
        return _MIN
    return _MAX


@_jit
def fx_div_checked(a, b):
    """trunc(a * 2**32 / b) on the bits: (value, ok); fails for b == 0 or overflow."""
    if b == 0:
        return np.int64(0), False
    neg = (a < 0) != (b < 0)
    ux = _umag(a)
    uy = _umag(b)
    q1 = ux // uy
    r = ux - q1 * uy
    est = np.floor(np.float64(r) / np.float64(uy) * _TWO32_F)
    q2 = np.uint64(est)
    rem = (r << _S32) - q2 * uy
    if rem >= _NEG_REM:
        q2 = q2 - _U1
        rem = rem + uy
    if rem >= uy:
        q2 = q2 + _U1
    if q1 >= _U2_32:
        return np.int64(0), False
    q = (q1 << _S32) + q2
    if neg:
        if q > _U2_63:
            return np.int64(0), False
        return np.int64(_U0 - q), True
    if q >= _U2_63:
        return np.int64(0), False
    return np.int64(q), True


@_jit
def fx_safe_div(a, b):
    """``a.safe_div(b)``: the quotient, or 0 on a zero divisor or overflow."""
    v, ok = fx_div_checked(a, b)
    return v if ok else np.int64(0)


@_jit
def fx_sat_div(a, b):
    """``a.saturating_div(b)`` for b != 0 (the callers never divide by 0)."""
    v, ok = fx_div_checked(a, b)
    if ok:
        return v
    if (a < 0) != (b < 0):
        return _MIN
    return _MAX


@_jit
def fx_exp_safe(x):
    """``exp_safe``: the 31-term ``transcendental::exp`` of x clamped to [-20, 20].

    The series stops early once a term is 0: every later term is then 0 as well
    (``checked_mul(0, y) = 0``, ``0 / i = 0``) and adds nothing, so the bits are unchanged.
    """
    a = x
    if a < _EXP_LO:
        a = _EXP_LO
    elif a > _EXP_HI:
        a = _EXP_HI
    if a == 0:
        return _ONE
    if a == _ONE:
        return _E_BITS
    y = -a if a < 0 else a
    if y > _MAX - _ONE:
        return np.int64(0) if a <= 0 else _MAX
    result = y + _ONE
    term = y
    for i in range(2, 32):
        if term == 0:
            break
        term, over = _nb_mul_nonneg(term, y)
        if over:
            return np.int64(0) if a <= 0 else _MAX
        term = term // i
        if result > _MAX - term:
            return np.int64(0) if a <= 0 else _MAX
        result += term
    if a < 0:
        q, ok = fx_div_checked(_ONE, result)
        if not ok:
            return np.int64(0)
        return q
    return result


@_jit
def fx_sigmoid_of_diff(comb, slope):
    """``1 / (1 + exp_safe(slope * (comb - 0.5)))`` as in ``alpha_sigmoid``."""
    arg = fx_mul(slope, _nb_sat_sub(comb, _HALF))
    return fx_sat_div(_ONE, _nb_sat_add(_ONE, fx_exp_safe(arg)))


@_jit
def _alpha_from(c, w, b, lo, hi, slope, sig0, sig1):
    """``alpha_sigmoid``, given the sigmoid at ``comb = 0`` and at ``comb = 1``.

    Those are the common values (a weight at or below consensus, a full swing), computed
    once per call instead of once per entry.
    """
    buy = _nb_sat_sub(w, c)
    buy = min(buy, _ONE)
    buy = max(buy, np.int64(0))
    sell = _nb_sat_sub(b, w)
    sell = min(sell, _ONE)
    sell = max(sell, np.int64(0))
    comb = buy if w >= b else sell
    if comb == 0:
        sig = sig0
    elif comb == _ONE:
        sig = sig1
    else:
        sig = fx_sigmoid_of_diff(comb, slope)
    alpha = _nb_sat_add(lo, fx_mul(sig, _nb_sat_sub(hi, lo)))
    alpha = min(alpha, hi)
    return max(alpha, lo)


@_jit
def fx_alpha_sigmoid(c, w, b, lo, hi, slope):
    """The chain's ``alpha_sigmoid`` with ``slope = saturating_div(steepness, -100)``."""
    return _alpha_from(c, w, b, lo, hi, slope, fx_sigmoid_of_diff(np.int64(0), slope),
                       fx_sigmoid_of_diff(_ONE, slope))


# --------------------------------------------------------------------------------------
# Element-wise wrappers (used by the tests to compare with yuma.fixed)
# --------------------------------------------------------------------------------------


@_jit
def vec_mul(a, b, out):
    for k in range(a.shape[0]):
        out[k] = fx_mul(a[k], b[k])


@_jit
def vec_checked_mul(a, b, out, ok):
    for k in range(a.shape[0]):
        out[k], ok[k] = fx_mul_checked(a[k], b[k])


@_jit
def vec_div(a, b, out, ok):
    for k in range(a.shape[0]):
        out[k], ok[k] = fx_div_checked(a[k], b[k])


@_jit
def vec_exp_safe(x, out):
    for k in range(x.shape[0]):
        out[k] = fx_exp_safe(x[k])


@_jit
def vec_alpha_sigmoid(c, w, b, lo, hi, slope, out):
    for k in range(c.shape[0]):
        out[k] = fx_alpha_sigmoid(c[k], w[k], b[k], lo, hi, slope)


# --------------------------------------------------------------------------------------
# Matrix kernels
# --------------------------------------------------------------------------------------


@_jit
def mask_normalize_weights(w16, present, rows, permit, owner, lu, bar, cb, use_cr, out, keep):
    """Weights masks and ``inplace_row_normalize_sparse`` (epoch steps 3.5.1-3.5.5).

    Row k of ``w16``/``present`` is UID ``i = rows[k]``. Entry (i, j) survives when it is
    stored, UID i holds a permit, it is not on the diagonal (except the owner's),
    ``lu[i] > bar[j]`` and, with commit-reveal, ``cb[i] >= bar[j]``. Row sums use the
    wrapping ``+``; rows with a sum > 0 are divided.
    """
    n_rows, n_cols = w16.shape
    for r in range(n_rows):
        i = rows[r]
        acc = _U0
        for j in range(n_cols):
            k = (
                present[r, j]
                and permit[i]
                and (i != j or i == owner)
                and not (lu[i] <= bar[j])
                and not (use_cr and cb[i] < bar[j])
            )
            keep[r, j] = k
            if k:
                v = np.int64(w16[r, j]) << np.int64(32)
                out[r, j] = v
                acc += np.uint64(v)
            else:
                out[r, j] = 0
        s = np.int64(acc)
        if s > 0:
            for j in range(n_cols):
                if keep[r, j]:
                    out[r, j] = fx_safe_div(out[r, j], s)


@_jit
def load_bonds(b16, keep, proportion, out):
    """Stored u16 bonds as ``I32F32``, 0 where ``keep`` is false.

    ``u16_to_fixed`` (Yuma 2) or, with ``proportion``,
    ``fixed_to_fixed_u16_proportion(u16_to_fixed(b))`` = ``floor(b * 2**32 / 65535)``
    (Yuma 3).
    """
    n_rows, n_cols = b16.shape
    for i in range(n_rows):
        for j in range(n_cols):
            if keep[i, j]:
                v = np.int64(b16[i, j]) << np.int64(32)
                out[i, j] = v // np.int64(65535) if proportion else v
            else:
                out[i, j] = 0


@_jit
def col_clip_sparse(w, keep, c, out, out_keep):
    """``col_clip_sparse``: clip at ``c_j``; a clipped entry with ``c_j <= 0`` is removed."""
    n_rows, n_cols = w.shape
    for i in range(n_rows):
        for j in range(n_cols):
            if not keep[i, j]:
                out[i, j] = 0
                out_keep[i, j] = False
                continue
            v = w[i, j]
            t = c[j]
            if t < v:
                if t > 0:
                    out[i, j] = t
                    out_keep[i, j] = True
                else:
                    out[i, j] = 0
                    out_keep[i, j] = False
            else:
                out[i, j] = v
                out_keep[i, j] = True


@_jit
def row_sum_wrapping(x, out):
    """``row_sum_sparse``: plain (wrapping) ``+`` along each row."""
    n_rows, n_cols = x.shape
    for i in range(n_rows):
        acc = _U0
        for j in range(n_cols):
            acc += np.uint64(x[i, j])
        out[i] = np.int64(acc)


@_jit
def matmul_sparse(x, v, out):
    """``matmul_sparse``: ``r_j = sat-sum over rows i (in order) of v_i * x_ij``."""
    n_rows, n_cols = x.shape
    for j in range(n_cols):
        out[j] = 0
    for i in range(n_rows):
        s = v[i]
        if s == 0:
            continue
        for j in range(n_cols):
            e = x[i, j]
            if e != 0:
                out[j] = _nb_sat_add(out[j], fx_mul(s, e))


@_jit
def interpolate_sparse(a, b, ratio, out, keep):
    """``interpolate_sparse`` for ``0 < ratio < 1``: ``a + ratio (b - a)``, kept if > 0."""
    n_rows, n_cols = a.shape
    for i in range(n_rows):
        for j in range(n_cols):
            x = a[i, j]
            y = b[i, j]
            v = _nb_sat_add(x, fx_mul(ratio, _nb_sat_sub(y, x)))
            if v > 0:
                out[i, j] = v
                keep[i, j] = True
            else:
                out[i, j] = 0
                keep[i, j] = False


@_jit
def col_normalize(x, out):
    """``inplace_col_normalize_sparse``: column sums saturating in row order, ``safe_div``."""
    n_rows, n_cols = x.shape
    sums = np.zeros(n_cols, dtype=np.int64)
    for i in range(n_rows):
        for j in range(n_cols):
            e = x[i, j]
            if e != 0:
                sums[j] = _nb_sat_add(sums[j], e)
    for i in range(n_rows):
        for j in range(n_cols):
            e = x[i, j]
            d = sums[j]
            if d != 0 and e != 0:
                out[i, j] = fx_safe_div(e, d)
            else:
                out[i, j] = e


@_jit
def col_max_upscale(x, out):
    """``inplace_col_max_upscale_sparse``: divide each column by ``max(0, max_i x_ij)``."""
    n_rows, n_cols = x.shape
    peaks = np.zeros(n_cols, dtype=np.int64)
    for i in range(n_rows):
        for j in range(n_cols):
            if peaks[j] < x[i, j]:
                peaks[j] = x[i, j]
    for i in range(n_rows):
        for j in range(n_cols):
            e = x[i, j]
            m = peaks[j]
            if m != 0 and e != 0:
                out[i, j] = fx_safe_div(e, m)
            else:
                out[i, j] = e


@_jit
def row_scale(x, v, out):
    """``row_hadamard_sparse``: ``x_ij * v_i`` (saturating)."""
    n_rows, n_cols = x.shape
    for i in range(n_rows):
        s = v[i]
        for j in range(n_cols):
            e = x[i, j]
            out[i, j] = fx_mul(e, s) if e != 0 else np.int64(0)


@_jit
def mat_ema_sparse(new, old, alpha, out, keep):
    """``mat_ema_sparse``: ``alpha*new + (1 - alpha)*old`` on dense rows, kept if > 0."""
    n_rows, n_cols = new.shape
    one_minus = _nb_sat_sub(_ONE, alpha)
    for i in range(n_rows):
        for j in range(n_cols):
            a = new[i, j]
            b = old[i, j]
            v = np.int64(0)
            if a != 0:
                v = fx_mul(alpha, a)
            if b != 0:
                v = _nb_sat_add(v, fx_mul(one_minus, b))
            if v > 0:
                out[i, j] = v
                keep[i, j] = True
            else:
                out[i, j] = 0
                keep[i, j] = False


@_jit
def _ema_alpha_row(i, new, new_keep, new_rec, old, old_rec, c, lo, hi, slope, out, keep):
    n_cols = new.shape[1]
    sig0 = fx_sigmoid_of_diff(np.int64(0), slope)
    sig1 = fx_sigmoid_of_diff(_ONE, slope)
    for j in range(n_cols):
        if not new_keep[i, j]:
            out[i, j] = 0
            keep[i, j] = False
            continue
        nv = new[i, j]
        ov = old[i, j]
        wl = nv if new_rec[i, j] else np.int64(0)
        bl = ov if old_rec[i, j] else np.int64(0)
        a = _alpha_from(c[j], wl, bl, lo, hi, slope, sig0, sig1)
        decayed = fx_mul(_nb_sat_sub(_ONE, a), ov) if ov != 0 else np.int64(0)
        inc = fx_mul(a, nv)
        if inc < 0:
            inc = np.int64(0)
        v = _nb_sat_add(decayed, inc)
        if v > _ONE:
            v = _ONE
        if v > 0:
            out[i, j] = v
            keep[i, j] = True
        else:
            out[i, j] = 0
            keep[i, j] = False


@_jit
def mat_ema_alpha_sparse(new, new_keep, new_rec, old, old_rec, c, lo, hi, slope, out, keep):
    """Liquid-alpha bonds: ``compute_liquid_alpha_values_sparse`` + ``mat_ema_alpha_sparse``.

    For each stored entry (i, j) of ``new`` (the weights for bonds):
    ``a = alpha_sigmoid(c_j, w, b)`` where ``w`` and ``b`` are what the chain's merged
    walk over the sparse rows finds (the entry's value where it is a record of its row,
    ``*_rec``, else 0), then ``min(1, (1 - a) old_ij + max(0, a new_ij))``, kept if > 0.
    """
    for i in range(new.shape[0]):
        _ema_alpha_row(i, new, new_keep, new_rec, old, old_rec, c, lo, hi, slope, out, keep)


@_pjit
def mat_ema_alpha_sparse_parallel(new, new_keep, new_rec, old, old_rec, c, lo, hi, slope, out,
                                  keep):
    """:func:`mat_ema_alpha_sparse` with its rows spread over threads.

    Rows are independent, so the bits do not depend on the thread count.
    """
    for i in numba.prange(new.shape[0]):
        _ema_alpha_row(i, new, new_keep, new_rec, old, old_rec, c, lo, hi, slope, out, keep)


@_jit
def row_dot_wrapping(x, v, out):
    """``row_sum_sparse(mat_vec_mul_sparse(x, v))``: wrapping sums of ``x_ij * v_j``."""
    n_rows, n_cols = x.shape
    for i in range(n_rows):
        acc = _U0
        for j in range(n_cols):
            e = x[i, j]
            if e != 0:
                acc += np.uint64(fx_mul(e, v[j]))
        out[i] = np.int64(acc)


@_jit
def row_dot_saturating(x, v, out):
    """``matmul_transpose_sparse``: per row, saturating sums of ``v_j * x_ij`` in j order."""
    n_rows, n_cols = x.shape
    for i in range(n_rows):
        acc = np.int64(0)
        for j in range(n_cols):
            e = x[i, j]
            if e != 0:
                acc = _nb_sat_add(acc, fx_mul(v[j], e))
        out[i] = acc


@_jit
def proportion_to_u16(x, out):
    """``fixed_proportion_to_u16``: ``clamp(floor(sat(x * 65535)), 0, 65535)``."""
    n_rows, n_cols = x.shape
    for i in range(n_rows):
        for j in range(n_cols):
            e = x[i, j]
            if e <= 0:
                out[i, j] = 0
                continue
            v = fx_mul(e, _U16_MAX_FIXED) >> np.int64(32)
            out[i, j] = 65535 if v > 65535 else v


@_jit
def row_records(present, order, out):
    """Which stored entries the chain's merged walk over a sparse row finds.

    ``compute_liquid_alpha_values_sparse`` walks each row with a peekable iterator while
    ``j`` counts up, so an entry is found only if every entry stored before it has a
    smaller column (a strict running maximum in stored order, ``order[i, j]`` being the
    entry's position in the row). Sorted rows find every entry.
    """
    n_rows, n_cols = present.shape
    cols = np.empty(n_cols, dtype=np.int64)
    keys = np.empty(n_cols, dtype=np.int64)
    for i in range(n_rows):
        m = 0
        for j in range(n_cols):
            out[i, j] = False
            if present[i, j]:
                cols[m] = j
                keys[m] = order[i, j]
                m += 1
        if m == 0:
            continue
        idx = np.argsort(keys[:m], kind="mergesort")
        best = np.int64(-1)
        for p in range(m):
            j = cols[idx[p]]
            if j > best:
                out[i, j] = True
                best = j


@_jit
def emission_to_rao(x, rao, out):
    """``I96F32(x).saturating_mul(I96F32(rao)).saturating_to_num::<u64>()``.

    ``floor(x * rao / 2**32)`` on the bits, 0 for ``x <= 0``, clamped to ``u64::MAX``;
    the 128-bit product is formed from 32-bit limbs.
    """
    rh = rao >> _S32
    rl = rao & _M32
    for k in range(x.shape[0]):
        v = x[k]
        if v <= 0:
            out[k] = _U0
            continue
        ux = np.uint64(v)
        xh = ux >> _S32
        xl = ux & _M32
        hh = xh * rh
        if hh >= _U2_32:
            out[k] = ~_U0
            continue
        top = hh << _S32
        a = xh * rl
        b = xl * rh
        mid = a + b
        carry = mid < a
        low = (xl * rl) >> _S32
        t = top + mid
        over = carry or t < top
        t2 = t + low
        over = over or t2 < t
        out[k] = ~_U0 if over else t2


@_jit
def weighted_median_cols_t(stake, scores_t, minority, stake_sum, out):
    """``weighted_median`` of each column, the columns given as the rows of ``scores_t``.

    The per-column search is :func:`yuma.chain.fixed.weighted_median`'s kernel; reading each
    column as a contiguous row avoids a strided walk over the participants' matrix.
    """
    m = stake.shape[0]
    idx = np.arange(m, dtype=np.int64)
    for j in range(scores_t.shape[0]):
        out[j] = _nb_weighted_median(stake, scores_t[j], idx, minority, np.int64(0), stake_sum)

r"""The float epoch of the built-in variants on CSR weights and bonds, as one compiled call.

:func:`sparse_epoch` runs the epoch of :mod:`yuma.core._epoch_kernel` on the chain's sparse
storage: weight and bond rows as CSR (``indptr``, ``indices``, ``data``; indices sorted and
unique in each row), where an absent entry is not listed and an explicit zero is. Work and
memory are O(nnz + n): no n x n array is ever formed.

It computes the bits of the dense compiled epoch on the same data with ``listed`` = the
weights' sparsity structure. Every sum runs over the same terms in the same order, less
terms that are ``+0.0`` (an absent entry adds ``s * 0``), which change no sum that starts at
``+0.0``; the consensus is exact (a function of each column's values and stake units), and
the column sums of the rank, prerank and bond EMA are summed per chunk of the rows that
matter and then over the chunks in order, as the dense row pass does.

Order of one epoch (the chain's ``epoch_mechanism``):

1. mask and row-normalize each weight row (permits, self-weight, outdated, commit-reveal);
   the kept entries, explicit zeros included, are the masked weights' entries;
2. stake terms (:func:`yuma.core._epoch_kernel._stake_terms`);
3. consensus: per column, the participants' entries (a CSC copy of their rows) plus one
   value 0 holding the stake of every participant without an entry in that column, and
   the weighted kappa-value of those (:func:`yuma.core._kernels._select_kappa_value`,
   exact integer stake units);
4. one pass over the rows: clip (``col_clip_sparse`` removes an entry when
   ``C_j < W_ij`` and ``C_j <= 0``), validator trust, rank and prerank terms, the bond
   weights (``interpolate_sparse`` keeps the positive values when ``0 < beta < 1``) and
   Yuma 3's bond EMA: with liquid alpha on the entries of ``W_b`` only (a bond without a
   ``W_b`` entry is dropped), else on the union of ``W_b`` and the stored bonds;
5. Yuma 3 dividends, or Yuma 2's column-normalized EMA on the union of ``W_b`` and the
   stored bonds (column sums in row order, as the dense blocks of columns);
6. the emission split.

Bond EMA outputs keep their positive values only (``mat_ema_sparse``,
``mat_ema_alpha_sparse``). Row outputs are written at *capacity* offsets: the entries of
row ``r`` of the weights, clipped weights and bond weights start at ``w_ptr[r]`` (each is a
subset of the weight row), those of the EMA bonds at ``w_ptr[r] + b_ptr[r]``; ``counts``
says how many each row holds, and :func:`compact` packs them.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from . import _epoch_kernel as ek
from . import _kernels

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")

# Bits of the scan's flags.
SCAN_BAD_INDEX = 1
SCAN_NOT_FINITE = 2
SCAN_NEGATIVE = 4
SCAN_ABOVE = 8
SCAN_NOT_CANONICAL = 16

# Rows of ``counts``.
COUNT_WEIGHTS = 0
COUNT_CLIPPED = 1
COUNT_WEIGHTS_FOR_BONDS = 2
COUNT_EMA = 3
N_COUNTS = 4

_SAFE_MAX = 2.0**1000
_NO_COLUMN = np.iinfo(np.int64).max


# --------------------------------------------------------------------------------------
# Input scan and canonical form
# --------------------------------------------------------------------------------------


@_jit
def scan_csr(indptr, indices, data, n_cols, upper, row_nonzero):
    """Check a CSR matrix in one pass; fill ``row_nonzero``; return the ``SCAN_*`` flags.

    ``indptr`` must already be valid (starts at 0, non-decreasing, within the arrays).
    A value above ``upper`` sets :data:`SCAN_ABOVE`; a row whose indices are not strictly
    increasing sets :data:`SCAN_NOT_CANONICAL`.
    """
    flags = 0
    for r in range(indptr.shape[0] - 1):
        previous = -1
        nonzero = False
        for k in range(indptr[r], indptr[r + 1]):
            j = indices[k]
            if j < 0 or j >= n_cols:
                flags |= SCAN_BAD_INDEX
            if j <= previous:
                flags |= SCAN_NOT_CANONICAL
            previous = j
            v = data[k]
            if not np.isfinite(v):
                flags |= SCAN_NOT_FINITE
            elif v < 0.0:
                flags |= SCAN_NEGATIVE
            elif v > upper:
                flags |= SCAN_ABOVE
            nonzero |= v != 0.0
        row_nonzero[r] = nonzero
    return flags


@_jit
def canonical_csr(indptr, indices, data):
    """A copy with each row's indices sorted and duplicates summed (in their stored order).

    Returns ``(indptr, indices, data)`` as int64, int32 and float64 arrays.
    """
    n_rows = indptr.shape[0] - 1
    nnz = indptr[n_rows]
    out_ptr = np.zeros(n_rows + 1, dtype=np.int64)
    out_idx = np.empty(nnz, dtype=np.int32)
    out_val = np.empty(nnz)
    q = 0
    for r in range(n_rows):
        lo = indptr[r]
        order = np.argsort(indices[lo:indptr[r + 1]], kind="mergesort")
        last = -1
        for t in range(order.shape[0]):
            k = lo + order[t]
            j = indices[k]
            if j == last:
                out_val[q - 1] += data[k]
            else:
                out_idx[q] = j
                out_val[q] = data[k]
                q += 1
                last = j
        out_ptr[r + 1] = q
    return out_ptr, out_idx[:q].copy(), out_val[:q].copy()


@_jit
def compact(cap_ptr, counts, indices, data, extra, has_extra):
    """Pack rows written at capacity offsets: ``(indptr, indices, data, extra)``.

    Row ``r`` holds ``counts[r]`` entries from ``cap_ptr[r]``; ``extra`` is a second value
    array aligned with ``data`` (packed too when ``has_extra``).
    """
    n_rows = counts.shape[0]
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    for r in range(n_rows):
        ptr[r + 1] = ptr[r] + counts[r]
    nnz = ptr[n_rows]
    out_idx = np.empty(nnz, dtype=np.int32)
    out_val = np.empty(nnz)
    out_extra = np.empty(nnz if has_extra else 0)
    for r in range(n_rows):
        src = cap_ptr[r]
        dst = ptr[r]
        for t in range(counts[r]):
            out_idx[dst + t] = indices[src + t]
            out_val[dst + t] = data[src + t]
            if has_extra:
                out_extra[dst + t] = extra[src + t]
    return ptr, out_idx, out_val, out_extra


@_jit
def keep_rows(indptr, indices, data, keep):
    """The rows of a CSR matrix where ``keep``; the others emptied."""
    n_rows = indptr.shape[0] - 1
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    for r in range(n_rows):
        ptr[r + 1] = ptr[r] + (indptr[r + 1] - indptr[r] if keep[r] else 0)
    out_idx = np.empty(ptr[n_rows], dtype=np.int32)
    out_val = np.empty(ptr[n_rows])
    for r in range(n_rows):
        if keep[r]:
            dst = ptr[r]
            for k in range(indptr[r], indptr[r + 1]):
                out_idx[dst] = indices[k]
                out_val[dst] = data[k]
                dst += 1
    return ptr, out_idx, out_val


@_jit
def from_dense(x):
    """The non-zero entries of a dense matrix as CSR ``(indptr, indices, data)``."""
    n_rows, n_cols = x.shape
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    for r in range(n_rows):
        count = 0
        for j in range(n_cols):
            count += x[r, j] != 0.0
        ptr[r + 1] = ptr[r] + count
    out_idx = np.empty(ptr[n_rows], dtype=np.int32)
    out_val = np.empty(ptr[n_rows])
    q = 0
    for r in range(n_rows):
        for j in range(n_cols):
            v = x[r, j]
            if v != 0.0:
                out_idx[q] = j
                out_val[q] = v
                q += 1
    return ptr, out_idx, out_val


@_jit
def to_dense(indptr, indices, data, n_cols, out):
    """``out[r, indices[k]] = data[k]`` (``out`` arrives zeroed)."""
    for r in range(indptr.shape[0] - 1):
        for k in range(indptr[r], indptr[r + 1]):
            out[r, indices[k]] = data[k]


# --------------------------------------------------------------------------------------
# 1. Mask and row-normalize
# --------------------------------------------------------------------------------------


@_jit
def _mask_normalize_row(w_ptr, w_idx, w_val, permit, mask_ints, lu, cb, bar, out_idx, out_val,
                        counts, r):
    """Row r's kept entries, divided by their sum, from ``w_ptr[r]`` (as the dense row)."""
    lo = w_ptr[r]
    row_kept, self_col, lu_r, cb_r = _kernels._row_mask(r, permit, mask_ints, lu, cb)
    if not row_kept:
        counts[COUNT_WEIGHTS, r] = 0
        return
    q = lo
    total = 0.0
    for k in range(lo, w_ptr[r + 1]):
        j = w_idx[k]
        if _kernels._col_kept(j, self_col, lu_r, cb_r, bar):
            out_idx[q] = j
            out_val[q] = w_val[k]
            total += w_val[k]
            q += 1
    counts[COUNT_WEIGHTS, r] = q - lo
    if total == 0.0:
        for k in range(lo, q):
            out_val[k] = 0.0
    elif np.isfinite(total):
        for k in range(lo, q):
            out_val[k] = out_val[k] / total
    else:  # overflow: scale by a power of two first, as the dense row
        biggest = 0.0
        for k in range(lo, q):
            biggest = max(biggest, out_val[k])
        shift = -math.frexp(biggest)[1]
        total = 0.0
        for k in range(lo, q):
            total += math.ldexp(out_val[k], shift)
        for k in range(lo, q):
            out_val[k] = math.ldexp(out_val[k], shift) / total


# --------------------------------------------------------------------------------------
# 3. Consensus
# --------------------------------------------------------------------------------------


@_jit
def sparse_consensus(ptr, counts, indices, values, n_cols, rows, units, need, cons):
    """``cons[j]``: the weighted kappa-value of column j over the participants ``rows``.

    Row ``rows[p]`` holds ``counts[rows[p]]`` entries from ``ptr[rows[p]]`` and stake
    ``units[p]``; a participant without an entry in a column scores 0 there. The
    participants' entries are copied column by column (with one slot per column for the
    value 0 of the participants without an entry), then each column is searched.
    """
    m = rows.shape[0]
    for j in range(n_cols):
        cons[j] = 0.0
    if m == 0:
        return
    total = 0
    for p in range(m):
        total += units[p]
    per_col = np.zeros(n_cols + 1, dtype=np.int64)
    for p in range(m):
        r = rows[p]
        for k in range(ptr[r], ptr[r] + counts[r]):
            per_col[indices[k] + 1] += 1
    # Column j's values from start[j]; its last slot is kept for the implicit zeros.
    start = np.empty(n_cols + 1, dtype=np.int64)
    start[0] = 0
    longest = 0
    for j in range(n_cols):
        start[j + 1] = start[j] + per_col[j + 1] + 1
        longest = max(longest, per_col[j + 1] + 1)
    fill = start[:n_cols].copy()
    col_vals = np.empty(start[n_cols])
    col_units = np.empty(start[n_cols], dtype=np.int64)
    held = np.zeros(n_cols, dtype=np.int64)
    for p in range(m):
        r = rows[p]
        u = units[p]
        for k in range(ptr[r], ptr[r] + counts[r]):
            j = indices[k]
            q = fill[j]
            col_vals[q] = values[k]
            col_units[q] = u
            fill[j] = q + 1
            held[j] += u
    buf_vals = np.empty((2, longest))
    buf_units = np.empty((2, longest), dtype=np.int64)
    for j in range(n_cols):
        end = fill[j]
        if end - start[j] < m:  # some participant scores 0 here
            col_vals[end] = 0.0
            col_units[end] = total - held[j]
            end += 1
        value = _kernels._select_kappa_value(col_vals[start[j]:end], col_units[start[j]:end],
                                             total, need, buf_vals, buf_units)
        cons[j] = value + 0.0  # +0.0: a zero consensus is +0.0, as the dense kernels give


# --------------------------------------------------------------------------------------
# 4. The row pass
# --------------------------------------------------------------------------------------


@_jit
def _clip_row(w_ptr, counts, w_idx, w_val, cons, beta, write_wb, c_idx, c_val, wb_idx,
              wb_val, v_trust, s, ranks, preranks, add, r):
    """Row r: clipped weights, validator trust, bond weights; rank terms when ``add``."""
    lo = w_ptr[r]
    qc = lo
    qb = lo
    row_trust = 0.0
    for k in range(lo, lo + counts[COUNT_WEIGHTS, r]):
        j = w_idx[k]
        x = w_val[k]
        c = cons[j]
        cl = x if x < c else c
        row_trust += cl
        if not (c < x and c <= 0.0):  # col_clip_sparse removes the entry
            c_idx[qc] = j
            c_val[qc] = cl
            qc += 1
        if add:
            ranks[j] += s * cl
            preranks[j] += s * x
        if write_wb:
            v = x + beta * (cl - x)
            if v > 0.0:  # interpolate_sparse keeps the positive values
                wb_idx[qb] = j
                wb_val[qb] = v
                qb += 1
    v_trust[r] = row_trust
    counts[COUNT_CLIPPED, r] = qc - lo
    counts[COUNT_WEIGHTS_FOR_BONDS, r] = qb - lo


@_jit
def _ema_row_fixed(lo, count, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset, rate,
                   e_lo, e_idx, e_val, ema_sums, r):
    """Yuma 3 without liquid alpha: ``rate W_b + (1 - rate) B`` on the union of both rows.

    Returns the number of positive bonds written from ``e_lo``.
    """
    ka = lo
    ha = lo + count
    kb = b_ptr[r] if has_prev else 0
    hb = b_ptr[r + 1] if has_prev else 0
    q = e_lo
    while ka < ha or kb < hb:
        ja = np.int64(wb_idx[ka]) if ka < ha else _NO_COLUMN
        jb = np.int64(b_idx[kb]) if kb < hb else _NO_COLUMN
        w = 0.0
        b = 0.0
        if ja <= jb:
            j = ja
            w = wb_val[ka]
            ka += 1
        else:
            j = jb
        if jb == j:
            b = b_val[kb]
            kb += 1
        if reset[j]:
            b = 0.0
        e = rate * w + (1.0 - rate) * b
        if e > 0.0:
            e_idx[q] = j
            e_val[q] = e
            ema_sums[j] += e
            q += 1
    return q - e_lo


@_jit
def _ema_row_liquid(lo, count, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset,
                    alpha_cons, low, high, steepness, e_lo, e_idx, e_val, ema_sums, scratch,
                    r):
    """Yuma 3 with liquid alpha: the EMA on the entries of ``W_b`` (other bonds dropped).

    The rates are computed in one loop without branches over gathered operands, so that
    it vectorizes as the dense one does. Returns the number of positive bonds written.
    """
    kb = b_ptr[r] if has_prev else 0
    hb = b_ptr[r + 1] if has_prev else 0
    for t in range(count):
        j = wb_idx[lo + t]
        while kb < hb and b_idx[kb] < j:
            kb += 1
        b = b_val[kb] if kb < hb and b_idx[kb] == j else 0.0
        scratch[0, t] = wb_val[lo + t]
        scratch[1, t] = 0.0 if reset[j] else b
        scratch[2, t] = alpha_cons[j]
    for t in range(count):
        scratch[3, t] = _kernels._liquid_ema_entry(scratch[0, t], scratch[1, t], scratch[2, t],
                                                   low, high, steepness)
    q = e_lo
    for t in range(count):
        e = scratch[3, t]
        if e > 0.0:
            j = wb_idx[lo + t]
            e_idx[q] = j
            e_val[q] = e
            ema_sums[j] += e
            q += 1
    return q - e_lo


@_jit
def _close_chunk(parts, totals, n_cols):
    """Add a chunk's column sums to the totals (chunks in order, as the dense pass)."""
    for t in range(parts.shape[0]):
        for j in range(n_cols):
            totals[t, j] += parts[t, j]
            parts[t, j] = 0.0


# --------------------------------------------------------------------------------------
# 5. Yuma 2 bonds on the union of W_b and the stored bonds
# --------------------------------------------------------------------------------------


@_jit
def _col_normalize_entries(rows, cap_ptr, counts, idx, val, n_cols):
    """``yuma.ops.col_normalize`` of the entries (absent entries are 0), in place.

    Column sums run over the rows in order; a column whose largest value could overflow a
    sum is prescaled by a power of two; a zero-sum column is left as it is.
    """
    big = np.zeros(n_cols)
    total = np.zeros(n_cols)
    for p in range(rows.shape[0]):
        r = rows[p]
        for k in range(cap_ptr[r], cap_ptr[r] + counts[r]):
            j = idx[k]
            v = val[k]
            big[j] = v if v > big[j] else big[j]
            total[j] += v
    scaled_any = False
    for j in range(n_cols):
        scaled_any |= big[j] >= _SAFE_MAX
    shift = np.zeros(n_cols, dtype=np.int64)
    if scaled_any:
        for j in range(n_cols):
            if big[j] >= _SAFE_MAX:
                shift[j] = -math.frexp(big[j])[1]
                total[j] = 0.0
        for p in range(rows.shape[0]):
            r = rows[p]
            for k in range(cap_ptr[r], cap_ptr[r] + counts[r]):
                j = idx[k]
                if big[j] >= _SAFE_MAX:
                    total[j] += math.ldexp(val[k], shift[j])
    for p in range(rows.shape[0]):
        r = rows[p]
        for k in range(cap_ptr[r], cap_ptr[r] + counts[r]):
            j = idx[k]
            if big[j] >= _SAFE_MAX:
                if total[j] != 0.0:
                    val[k] = math.ldexp(val[k], shift[j]) / total[j]
            elif total[j] != 0.0:
                val[k] = val[k] / total[j]


@_jit
def _yuma2_union(rows, wb_ptr, wb_count, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset,
                 act, u_ptr, u_count, u_idx, loaded, delta):
    """Per row of ``rows``: the union of its ``W_b`` and stored bond entries.

    ``loaded`` holds the stored bond (0 where reset or absent), ``delta`` ``W_b * S_act``.
    """
    for p in range(rows.shape[0]):
        r = rows[p]
        s = act[r]
        ka = wb_ptr[r]
        ha = ka + wb_count[r]
        kb = b_ptr[r] if has_prev else 0
        hb = b_ptr[r + 1] if has_prev else 0
        q = u_ptr[r]
        while ka < ha or kb < hb:
            ja = np.int64(wb_idx[ka]) if ka < ha else _NO_COLUMN
            jb = np.int64(b_idx[kb]) if kb < hb else _NO_COLUMN
            w = 0.0
            b = 0.0
            if ja <= jb:
                j = ja
                w = wb_val[ka]
                ka += 1
            else:
                j = jb
            if jb == j:
                b = b_val[kb]
                kb += 1
            u_idx[q] = j
            loaded[q] = 0.0 if reset[j] else b
            delta[q] = w * s
            q += 1
        u_count[r] = q - u_ptr[r]


@_jit
def _yuma2_sparse(rows, wb_ptr, wb_count, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset,
                  act, rates, use_rates, alpha, permit_new, inc, e_ptr, counts, e_idx, e_val,
                  s_val, divs):
    """Yuma 2 bonds and dividends on the union of entries (``n_cols > 1``)."""
    n_cols = inc.shape[0]
    u_count = np.zeros(permit_new.shape[0], dtype=np.int64)
    u_idx = np.empty(e_idx.shape[0], dtype=np.int32)
    loaded = np.empty(e_idx.shape[0])
    delta = np.empty(e_idx.shape[0])
    _yuma2_union(rows, wb_ptr, wb_count, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset,
                 act, e_ptr, u_count, u_idx, loaded, delta)
    _col_normalize_entries(rows, e_ptr, u_count, u_idx, loaded, n_cols)
    _col_normalize_entries(rows, e_ptr, u_count, u_idx, delta, n_cols)
    for p in range(rows.shape[0]):
        r = rows[p]
        for k in range(e_ptr[r], e_ptr[r] + u_count[r]):
            rate = rates[u_idx[k]] if use_rates else alpha
            loaded[k] = rate * delta[k] + (1.0 - rate) * loaded[k]
    _col_normalize_entries(rows, e_ptr, u_count, u_idx, loaded, n_cols)
    top = np.zeros(n_cols)
    for p in range(rows.shape[0]):
        r = rows[p]
        for k in range(e_ptr[r], e_ptr[r] + u_count[r]):
            j = u_idx[k]
            top[j] = loaded[k] if loaded[k] > top[j] else top[j]
    for j in range(n_cols):
        if top[j] == 0.0:
            top[j] = 1.0
    dots = np.zeros(permit_new.shape[0])
    for p in range(rows.shape[0]):
        r = rows[p]
        new = permit_new[r]
        q = e_ptr[r]
        acc = 0.0
        for k in range(e_ptr[r], e_ptr[r] + u_count[r]):
            v = loaded[k]
            if v > 0.0:
                j = u_idx[k]
                e_idx[q] = j
                e_val[q] = v
                s_val[q] = v / top[j] if new else 0.0
                if inc[j] != 0.0:
                    acc += v * inc[j]
                q += 1
        counts[COUNT_EMA, r] = q - e_ptr[r]
        dots[r] = acc
    _yuma2_dividends(rows, dots, divs)


@_jit
def _yuma2_dividends(rows, dots, divs):
    """Dividends ``N(B I)`` over the rows that matter, normalized as a vector of those rows."""
    m = rows.shape[0]
    compact_dots = np.empty(m)
    for p in range(m):
        compact_dots[p] = dots[rows[p]]
    shares = np.empty(m)
    ek._normalize(compact_dots, shares)
    for i in range(divs.shape[0]):
        divs[i] = 0.0
    for p in range(m):
        divs[rows[p]] = shares[p]


@_jit
def _yuma2_one_column(rows, wb_ptr, wb_count, wb_val, b_ptr, b_val, has_prev, reset, act, cons,
                      variant, liquid_alpha, rate, low, high, inc, permit_new, e_ptr, counts,
                      e_idx, e_val, s_val, divs):
    """Yuma 2 with one column: the dense kernel on one column (its sums are pairwise)."""
    n_rows = permit_new.shape[0]
    prev = np.zeros((n_rows, 1))
    wb = np.zeros((n_rows, 1))
    for r in range(n_rows):
        if has_prev and b_ptr[r + 1] > b_ptr[r]:
            prev[r, 0] = b_val[b_ptr[r]]
        if wb_count[r]:
            wb[r, 0] = wb_val[wb_ptr[r]]
    ema = np.zeros((n_rows, 1))
    stored = np.zeros((n_rows, 1))
    ek._yuma2_bonds(prev, has_prev, reset, wb, act, rows, cons, variant, liquid_alpha, rate,
                    low, high, inc, permit_new, ema, stored, divs, False)
    for r in range(n_rows):
        q = e_ptr[r]
        if ema[r, 0] > 0.0:
            e_idx[q] = 0
            e_val[q] = ema[r, 0]
            s_val[q] = stored[r, 0]
            q += 1
        counts[COUNT_EMA, r] = q - e_ptr[r]


# --------------------------------------------------------------------------------------
# One epoch
# --------------------------------------------------------------------------------------


def _sparse_epoch(
    w_ptr, w_idx, w_val, w_nonzero, n_cols, b_ptr, b_idx, b_val, b_nonzero,
    stake_raw, active, permit, last_update, commit_block, bar, reset_in, prev_cons, ints, reals,
    s_out, act_out, permit_new, cons, v_trust, ranks, trust, inc, divs, server, validator,
    emission, counts, wo_idx, wo_val, c_idx, c_val, wb_idx, wb_val, e_idx, e_val, s_val,
):
    """One epoch on CSR inputs (see the module docstring); returns the status bits."""
    n_rows = w_ptr.shape[0] - 1
    variant = ints[ek.I_VARIANT]
    owner = ints[ek.I_OWNER]
    has_prev = ints[ek.I_HAS_BONDS] != 0
    last_tempo = ints[ek.I_LAST_TEMPO]
    beta = reals[ek.R_BONDS_PENALTY]
    square = n_rows == n_cols

    # 1. Masked, row-normalized weights.
    permit_old = np.empty(n_rows, dtype=np.bool_)
    for i in range(n_rows):
        permit_old[i] = permit[i] if ints[ek.I_HAS_PERMIT] else True
    if owner >= 0:
        permit_old[owner] = True
    mask_ints = np.array([owner, int(square), ints[ek.I_HAS_LAST_UPDATE],
                          ints[ek.I_HAS_COMMIT_BLOCK], ints[ek.I_HAS_REGISTRATION]],
                         dtype=np.int64)
    for r in range(n_rows):
        _mask_normalize_row(w_ptr, w_idx, w_val, permit_old, mask_ints, last_update,
                            commit_block, bar, wo_idx, wo_val, counts, r)

    # 2. Stake terms.
    ek._stake_terms(stake_raw, reals[ek.R_STAKE_THRESHOLD], owner, ints[ek.I_MAX_VALIDATORS],
                    active, ints[ek.I_HAS_ACTIVE] != 0, permit_old, s_out, act_out, permit_new)

    # The rows that can matter (as the dense epoch): in the square form those with stake,
    # non-zero weights or bonds, and the owner's; every row otherwise.
    count = 0
    for i in range(n_rows):
        count += (not square) or stake_raw[i] > 0.0 or w_nonzero[i] or (
            has_prev and b_nonzero[i]) or i == owner
    rows = np.empty(count, dtype=np.int64)
    in_rows = np.zeros(n_rows, dtype=np.bool_)
    p = 0
    for i in range(n_rows):
        if (not square) or stake_raw[i] > 0.0 or w_nonzero[i] or (
                has_prev and b_nonzero[i]) or i == owner:
            rows[p] = i
            in_rows[i] = True
            p += 1

    # 3. Consensus, and the consensus that liquid alpha reads.
    part_rows, units, need = ek.participant_units(act_out, reals[ek.R_KAPPA])
    sparse_consensus(w_ptr, counts[COUNT_WEIGHTS], wo_idx, wo_val, n_cols, part_rows, units,
                     need, cons)
    alpha_cons = cons
    if (variant == ek.YUMA3_CODE and ints[ek.I_HAS_PREVIOUS_CONSENSUS]
            and prev_cons.shape[0] > 0 and ints[ek.I_USES_PREVIOUS]):
        alpha_cons = cons.copy()
        for j in range(min(prev_cons.shape[0], n_cols)):
            alpha_cons[j] = prev_cons[j]
    reset = np.zeros(n_cols, dtype=np.bool_)
    for j in range(n_cols):
        if ints[ek.I_HAS_RESET]:
            reset[j] = reset_in[j]
        if last_tempo >= 0 and last_tempo <= bar[j]:
            reset[j] = True

    # 4. The row pass: clip, trust, rank terms, bond weights, Yuma 3's EMA.
    mode = 0
    if variant == ek.YUMA3_CODE:
        mode = 1
        if ints[ek.I_LIQUID_ALPHA]:
            for j in range(n_cols):
                if alpha_cons[j] != 0.0:
                    mode = 2
                    break
    write_wb = beta != 0.0 and beta != 1.0
    rate = 1.0 - reals[ek.R_BONDS_MOVING_AVERAGE]
    low = reals[ek.R_ALPHA_LOW]
    high = reals[ek.R_ALPHA_HIGH]
    steepness = reals[ek.R_STEEPNESS]
    m = rows.shape[0]
    n_chunks = 0
    if m:
        n_chunks = -(-m // max(_kernels.MIN_ROW_CHUNK, -(-m // _kernels.MAX_ROW_CHUNKS)))
    size = -(-m // n_chunks) if n_chunks else 1
    parts = np.zeros((3, n_cols))  # this chunk's sums of S*W_clipped, S*W and B'
    col_sums = np.zeros((3, n_cols))
    # W_b: W at beta = 0, W_clipped at beta = 1, else its own rows.
    wb_row = COUNT_WEIGHTS if beta == 0.0 else (COUNT_CLIPPED if beta == 1.0
                                                else COUNT_WEIGHTS_FOR_BONDS)
    wbi = wo_idx if beta == 0.0 else (c_idx if beta == 1.0 else wb_idx)
    wbv = wo_val if beta == 0.0 else (c_val if beta == 1.0 else wb_val)
    longest = 0
    for r in range(n_rows):
        longest = max(longest, w_ptr[r + 1] - w_ptr[r])
    scratch = np.empty((4, longest if mode == 2 else 0))
    p = 0
    for r in range(n_rows):
        if not in_rows[r]:
            # A row that cannot matter holds only zero weights: its clipped weights are
            # those zeros, it has no positive bond weight and no bond.
            _clip_row(w_ptr, counts, wo_idx, wo_val, cons, beta, write_wb, c_idx, c_val,
                      wb_idx, wb_val, v_trust, 0.0, parts[0], parts[1], False, r)
            counts[COUNT_EMA, r] = 0
            continue
        s = act_out[r]
        _clip_row(w_ptr, counts, wo_idx, wo_val, cons, beta, write_wb, c_idx, c_val, wb_idx,
                  wb_val, v_trust, s, parts[0], parts[1], s != 0.0, r)
        e_lo = w_ptr[r] + (b_ptr[r] if has_prev else 0)
        if mode == 1:
            counts[COUNT_EMA, r] = _ema_row_fixed(
                w_ptr[r], counts[wb_row, r], wbi, wbv, b_ptr, b_idx, b_val, has_prev, reset,
                rate, e_lo, e_idx, e_val, parts[2], r)
        elif mode == 2:
            counts[COUNT_EMA, r] = _ema_row_liquid(
                w_ptr[r], counts[wb_row, r], wbi, wbv, b_ptr, b_idx, b_val, has_prev, reset,
                alpha_cons, low, high, steepness, e_lo, e_idx, e_val, parts[2], scratch, r)
        else:
            counts[COUNT_EMA, r] = 0
        p += 1
        if p % size == 0 or p == m:
            _close_chunk(parts, col_sums, n_cols)

    # 5. Incentive, trust, bonds, dividends.
    for j in range(n_cols):
        ranks[j] = col_sums[0, j]
        trust[j] = col_sums[0, j] / col_sums[1, j] if col_sums[1, j] != 0.0 else 0.0
    ek._normalize(ranks, inc)
    status = 0
    if variant == ek.YUMA3_CODE:
        ema_sums = col_sums[2]
        scaled = np.empty(n_cols)
        for j in range(n_cols):
            scaled[j] = inc[j] / ema_sums[j] if ema_sums[j] != 0.0 else inc[j]
        dots = np.zeros(n_rows)
        for p in range(m):
            r = rows[p]
            e_lo = w_ptr[r] + (b_ptr[r] if has_prev else 0)
            acc = 0.0
            for k in range(e_lo, e_lo + counts[COUNT_EMA, r]):
                v = scaled[e_idx[k]]
                if v != 0.0:
                    acc += e_val[k] * v
            dots[r] = act_out[r] * acc
        ek._normalize(dots, divs)
        for p in range(m):
            if not permit_new[rows[p]]:
                status |= ek.BONDS_DIFFER
    else:
        e_ptr = np.empty(n_rows + 1, dtype=np.int64)
        for r in range(n_rows + 1):
            e_ptr[r] = w_ptr[r] + (b_ptr[r] if has_prev else 0)
        rates, use_rates = ek.yuma2_rates(cons, variant, ints[ek.I_LIQUID_ALPHA] != 0, low,
                                          high)
        if n_cols == 1:
            _yuma2_one_column(rows, w_ptr, counts[wb_row], wbv, b_ptr, b_val, has_prev, reset,
                              act_out, cons, variant, ints[ek.I_LIQUID_ALPHA] != 0, rate, low,
                              high, inc, permit_new, e_ptr, counts, e_idx, e_val, s_val, divs)
        else:
            _yuma2_sparse(rows, w_ptr, counts[wb_row], wbi, wbv, b_ptr, b_idx, b_val, has_prev,
                          reset, act_out, rates, use_rates, rate, permit_new, inc, e_ptr,
                          counts, e_idx, e_val, s_val, divs)
        status |= ek.BONDS_DIFFER

    # 6. Emission.
    ek._emission_split(inc, divs, s_out, act_out, square, server, validator, emission)
    return status


def _array(dtype, readonly):
    return numba.types.Array(dtype, 1, "C", readonly=readonly)


def _signature():
    """The driver's signature: inputs read-only (writable arrays convert), outputs not."""
    f8, b1, i8, i4 = numba.types.float64, numba.types.boolean, numba.types.int64, numba.types.int32
    inputs = [
        _array(i8, True), _array(i4, True), _array(f8, True), _array(b1, True), i8,  # weights
        _array(i8, True), _array(i4, True), _array(f8, True), _array(b1, True),  # bonds
        _array(f8, True), _array(b1, True), _array(b1, True),  # stake, active, permit
        _array(i8, True), _array(i8, True), _array(i8, True),  # blocks
        _array(b1, True), _array(f8, True),  # reset_bonds, previous_consensus
        _array(i8, True), _array(f8, True),  # parameters
    ]
    vec = _array(f8, False)
    outputs = [
        vec, vec, _array(b1, False),  # stake, active_stake, validator_permit
        vec, vec, vec, vec, vec,  # consensus, validator_trust, rank, trust, incentive
        vec, vec, vec, vec,  # dividends, server, validator, emission
        numba.types.Array(i8, 2, "C"),  # counts
        _array(i4, False), vec, _array(i4, False), vec,  # weights, clipped
        _array(i4, False), vec, _array(i4, False), vec, vec,  # W_b, EMA (+ stored values)
    ]
    return i8(*(inputs + outputs))


_compiled: dict = {}


def sparse_epoch():
    """The compiled driver (built on first use; loaded from numba's cache).

    Arguments: weights ``(indptr, indices, data, row_nonzero, n_cols)``, bonds
    ``(indptr, indices, data, row_nonzero)`` (placeholders when absent), the vectors and
    parameter slots of :func:`yuma.core._epoch_kernel.epoch_one`, the twelve output
    vectors, ``counts`` (:data:`N_COUNTS` x n_rows) and the row outputs at capacity
    offsets (see the module docstring). Returns the status bits
    (:data:`yuma.core._epoch_kernel.BONDS_DIFFER`).
    """
    fn = _compiled.get("one")
    if fn is None:
        fn = _compiled["one"] = numba.njit(
            [_signature()], cache=True, nogil=True, fastmath=False, error_model="numpy"
        )(_sparse_epoch)
    return fn

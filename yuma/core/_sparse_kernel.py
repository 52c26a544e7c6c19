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
# Per-entry functions inlined into the loops that call them (in numba's IR).
_ijit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy", inline="always")

# Bits of the scan's flags.
SCAN_BAD_INDEX = 1
SCAN_NOT_FINITE = 2
SCAN_NEGATIVE = 4
SCAN_ABOVE = 8
SCAN_NOT_CANONICAL = 16

# Rows of ``ptrs``: the row pointers of the outputs.
P_WEIGHTS = 0
P_CLIPPED = 1
P_WEIGHTS_FOR_BONDS = 2
P_EMA = 3
N_PTRS = 4

INVALID = -1
"""Status: a value or index of the weights or bonds fails a check."""
NOT_CANONICAL = -2
"""Status: a row's indices are not strictly increasing (unsorted or duplicated)."""

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
def narrow_indices(indices, n_cols, out):
    """``out = indices`` as int32; False if an index is outside ``[0, n_cols)``."""
    bad = False
    for k in range(indices.shape[0]):
        j = indices[k]
        bad |= (j < 0) | (j >= n_cols)
        out[k] = j
    return not bad


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
# 1. Checks, mask and row-normalize
# --------------------------------------------------------------------------------------


@_jit
def _check_row(ptr, idx, val, n_cols, upper, r):
    """Check row r: :data:`INVALID`, :data:`NOT_CANONICAL`, else 1 if a value is non-zero.

    Invalid: a column index out of range, NaN/inf, a negative value or one above
    ``upper``. Not canonical: indices not strictly increasing (unsorted or duplicated).
    """
    bad = False
    unsorted = False
    nonzero = False
    previous = -1
    for k in range(ptr[r], ptr[r + 1]):  # flags without branches: the loop stays cheap
        j = np.int64(idx[k])
        v = val[k]
        bad |= (j < 0) | (j >= n_cols) | (v < 0.0) | (v != v) | (v > upper)
        unsorted |= j <= previous
        previous = j
        nonzero |= v != 0.0
    if bad:
        return INVALID
    if unsorted:
        return NOT_CANONICAL
    return 1 if nonzero else 0


@_jit
def _first_pass_row(w_ptr, w_idx, w_val, n_cols, permit, mask_ints, lu, cb, bar, counted,
                    per_col, wo_ptr, wo_idx, wo_val, r):
    """Check row r, and append its kept entries divided by their sum from ``wo_ptr[r]``.

    As the dense row: the sum runs over the kept entries in column order (a masked entry
    adds ``+0.0``). ``per_col`` counts the kept entries when ``counted`` (the row takes part
    in consensus). Returns the check of :func:`_check_row`; when it fails, what was written
    is meaningless.
    """
    lo = w_ptr[r]
    hi = w_ptr[r + 1]
    q0 = wo_ptr[r]
    q = q0
    wo_ptr[r + 1] = q0
    if hi > lo and n_cols == 0:
        return INVALID
    row_kept, self_col, lu_r, cb_r = _kernels._row_mask(r, permit, mask_ints, lu, cb)
    total = 0.0
    if row_kept and lu_r < 0 and cb_r < 0:
        # Separate short loops, each compiled to tight (mostly vector) code: the checks,
        # the sum, the copies around the self-weight, then the division below.
        bad = False
        nonzero = False
        for k in range(lo, hi):
            v = w_val[k]
            bad |= (v < 0.0) | (v != v) | (v > ek._MAX_FINITE)
            nonzero |= v != 0.0
        unsorted = False
        for k in range(lo + 1, hi):
            unsorted |= w_idx[k] <= w_idx[k - 1]
        if hi > lo and not unsorted:  # sorted: the first and last index bound them all
            bad |= (w_idx[lo] < 0) | (w_idx[hi - 1] >= n_cols)
        if bad:
            return INVALID
        if unsorted:
            return _check_row(w_ptr, w_idx, w_val, n_cols, ek._MAX_FINITE, r)
        seen = 1 if nonzero else 0
        cut = hi  # the self-weight's position (hi: none)
        if self_col >= 0 and hi > lo:
            at = lo + np.searchsorted(w_idx[lo:hi], self_col)
            if at < hi and w_idx[at] == self_col:
                cut = at
        for k in range(lo, cut):
            total += w_val[k]
        for k in range(cut + 1, hi):
            total += w_val[k]
        for k in range(lo, cut):
            wo_idx[q + k - lo] = w_idx[k]
            wo_val[q + k - lo] = w_val[k]
        q += cut - lo
        for k in range(cut + 1, hi):
            wo_idx[q + k - cut - 1] = w_idx[k]
            wo_val[q + k - cut - 1] = w_val[k]
        q += max(hi - cut - 1, 0)
        if counted:
            for k in range(q0, q):
                per_col[wo_idx[k]] += 1
    else:
        seen = _check_row(w_ptr, w_idx, w_val, n_cols, ek._MAX_FINITE, r)
        if seen < 0 or not row_kept:
            return seen
        for k in range(lo, hi):
            j = np.int64(w_idx[k])
            v = w_val[k]
            kept = _kernels._col_kept(j, self_col, lu_r, cb_r, bar)
            wo_idx[q] = j
            wo_val[q] = v
            total += v if kept else 0.0
            q += kept
            if counted:
                per_col[j] += kept
    if total == 0.0:
        for k in range(q0, q):
            wo_val[k] = 0.0
    elif np.isfinite(total):
        for k in range(q0, q):
            wo_val[k] = wo_val[k] / total
    else:  # overflow: scale by a power of two first, as the dense row
        biggest = 0.0
        for k in range(q0, q):
            biggest = max(biggest, wo_val[k])
        shift = -math.frexp(biggest)[1]
        total = 0.0
        for k in range(q0, q):
            total += math.ldexp(wo_val[k], shift)
        for k in range(q0, q):
            wo_val[k] = math.ldexp(wo_val[k], shift) / total
    wo_ptr[r + 1] = q
    return seen


# --------------------------------------------------------------------------------------
# 3. Consensus
# --------------------------------------------------------------------------------------

_BLOCK_ENTRIES = 32768
"""Columns are searched in blocks of about this many participant entries: one block's
values and units (512 KiB) stay in the L2 cache while its columns are filled and searched,
and a row is read in few segments (each segment's start is a cache miss). On the
chain-like 4096-UID case 32768 took 0.8x the time of 8192 and of 262144."""


@_jit
def sparse_consensus(ptr, indices, values, n_cols, per_col, rows, units, need, cons):
    """``cons[j]``: the weighted kappa-value of column j over the participants ``rows``.

    Row ``rows[p]`` (stake ``units[p]``) holds the entries ``ptr[rows[p]]`` to
    ``ptr[rows[p] + 1]``, at most ``per_col[j]`` of them in column j; a participant
    without an entry in a column scores 0 there. Columns are taken in blocks of
    consecutive columns: each participant waits in the bucket of the block of its next
    entry, so a block reads just the row segments that fall in it and fills its columns in
    cache. Only positive values are placed: where they hold fewer units than ``need`` the
    value is 0 (0 is met by every participant: some scores 0 there), unless every
    participant scores above 0 there (then the smallest value, as no value qualifies);
    otherwise the value is the kappa-value of the positive values alone
    (:func:`yuma.core._kernels._select_kappa_value`; the value is a function of the
    column's values and units, in whatever order they come).
    """
    m = rows.shape[0]
    for j in range(n_cols):
        cons[j] = 0.0
    if m == 0 or n_cols == 0:
        return
    total = 0
    for p in range(m):
        total += units[p]
    # Blocks of consecutive columns, each with about _BLOCK_ENTRIES slots.
    block_of = np.empty(n_cols, dtype=np.int64)
    starts = np.empty(n_cols + 1, dtype=np.int64)
    n_blocks = 0
    filled = 0
    largest = 1
    longest = 1
    for j in range(n_cols):
        if j == 0 or filled + per_col[j] > _BLOCK_ENTRIES:
            starts[n_blocks] = j
            n_blocks += 1
            filled = 0
        block_of[j] = n_blocks - 1
        filled += per_col[j]
        largest = max(largest, filled)
        longest = max(longest, per_col[j])
    starts[n_blocks] = n_cols
    widest = 1
    for b in range(n_blocks):
        widest = max(widest, starts[b + 1] - starts[b])
    block_vals = np.empty(largest)
    block_units = np.empty(largest, dtype=np.int64)
    offset = np.empty(widest + 1, dtype=np.int64)
    fill = np.empty(widest, dtype=np.int64)
    held = np.empty(widest, dtype=np.int64)
    buf_vals = np.empty((2, longest))
    buf_units = np.empty((2, longest), dtype=np.int64)
    # Buckets: head[b] is the first participant waiting for block b, nxt the next one.
    head = np.full(n_blocks, -1, dtype=np.int64)
    nxt = np.empty(m, dtype=np.int64)
    cursor = np.empty(m, dtype=np.int64)
    for p in range(m):
        r = rows[p]
        cursor[p] = ptr[r]
        if ptr[r] < ptr[r + 1]:
            b = block_of[indices[ptr[r]]]
            nxt[p] = head[b]
            head[b] = p
    for b in range(n_blocks):
        j0 = starts[b]
        width = starts[b + 1] - j0
        offset[0] = 0
        for jj in range(width):
            offset[jj + 1] = offset[jj] + per_col[j0 + jj]
            fill[jj] = offset[jj]
            held[jj] = 0
        j1 = j0 + width
        p = head[b]
        while p >= 0:
            following = nxt[p]
            r = rows[p]
            u = units[p]
            k = cursor[p]
            end = ptr[r + 1]
            while k < end and indices[k] < j1:
                jj = indices[k] - j0
                q = fill[jj]
                v = values[k]
                positive = v > 0.0
                block_vals[q] = v
                block_units[q] = u
                fill[jj] = q + positive
                held[jj] += u if positive else 0
                k += 1
            cursor[p] = k
            if k < end:
                later = block_of[indices[k]]
                nxt[p] = head[later]
                head[later] = p
            p = following
        for jj in range(width):
            lo = offset[jj]
            hi = fill[jj]
            if held[jj] < need and hi - lo < m:
                continue  # 0 (cons is already +0.0)
            value = _kernels._select_kappa_value(block_vals[lo:hi], block_units[lo:hi],
                                                 held[jj], need, buf_vals, buf_units)
            cons[j0 + jj] = value + 0.0  # a zero consensus is +0.0, as the dense kernels give


# --------------------------------------------------------------------------------------
# 4. The row pass
# --------------------------------------------------------------------------------------


@_jit
def _clip_row(wo_ptr, wo_idx, wo_val, cons, beta, write_wb, ptrs, c_idx, c_val, wb_idx, wb_val,
              v_trust, s, ranks, preranks, add, r):
    """Row r: clipped weights, validator trust, bond weights; rank terms when ``add``."""
    qc = ptrs[P_CLIPPED, r]
    qb = ptrs[P_WEIGHTS_FOR_BONDS, r]
    row_trust = 0.0
    for k in range(wo_ptr[r], wo_ptr[r + 1]):
        j = wo_idx[k]
        x = wo_val[k]
        c = cons[j]
        cl = x if x < c else c
        row_trust += cl
        c_idx[qc] = j
        c_val[qc] = cl
        qc += not (c < x and c <= 0.0)  # col_clip_sparse removes the entry
        if add:
            ranks[j] += s * cl
            preranks[j] += s * x
        if write_wb:
            v = x + beta * (cl - x)
            wb_idx[qb] = j
            wb_val[qb] = v
            qb += v > 0.0  # interpolate_sparse keeps the positive values
    v_trust[r] = row_trust
    ptrs[P_CLIPPED, r + 1] = qc
    ptrs[P_WEIGHTS_FOR_BONDS, r + 1] = qb


@_ijit
def _ema_entry_fixed(j, w, b, reset, rate, q, e_idx, e_val, ema_sums):
    b = 0.0 if reset[j] else b
    e = rate * w + (1.0 - rate) * b
    e_idx[q] = j
    e_val[q] = e
    ema_sums[j] += e  # a zero adds nothing
    return q + (e > 0.0)


@_jit
def _ema_row_fixed(lo, hi, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset, rate, q,
                   e_idx, e_val, ema_sums, r):
    """Yuma 3 without liquid alpha: ``rate W_b + (1 - rate) B`` on the union of both rows.

    The positive bonds are appended from ``q``; returns the end.
    """
    kb = b_ptr[r] if has_prev else 0
    hb = b_ptr[r + 1] if has_prev else 0
    if kb == hb:
        for k in range(lo, hi):
            q = _ema_entry_fixed(np.int64(wb_idx[k]), wb_val[k], 0.0, reset, rate, q, e_idx,
                                 e_val, ema_sums)
    elif lo == hi:
        for k in range(kb, hb):
            q = _ema_entry_fixed(np.int64(b_idx[k]), 0.0, b_val[k], reset, rate, q, e_idx,
                                 e_val, ema_sums)
    else:
        ka = lo
        while ka < hi or kb < hb:  # the merge of the two sorted rows, without branches
            ia = min(ka, hi - 1)
            ib = min(kb, hb - 1)
            ja = np.int64(wb_idx[ia]) if ka < hi else _NO_COLUMN
            jb = np.int64(b_idx[ib]) if kb < hb else _NO_COLUMN
            j = min(ja, jb)
            in_a = ja == j
            in_b = jb == j
            w = wb_val[ia] * in_a  # the value, or 0 where the row has no entry
            b = b_val[ib] * in_b
            ka += in_a
            kb += in_b
            q = _ema_entry_fixed(j, w, b, reset, rate, q, e_idx, e_val, ema_sums)
    return q


@_jit
def _ema_row_liquid(lo, hi, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset, alpha_cons,
                    low, high, steepness, q, e_idx, e_val, ema_sums, scratch, r):
    """Yuma 3 with liquid alpha: the EMA on the entries of ``W_b`` (other bonds dropped).

    The positive bonds are appended from ``q``; returns the end. The bonds are computed
    in a loop without branches over gathered operands, so that it vectorizes as the dense
    one does.
    """
    kb = b_ptr[r] if has_prev else 0
    hb = b_ptr[r + 1] if has_prev else 0
    count = hi - lo
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
    for t in range(count):
        e = scratch[3, t]
        j = wb_idx[lo + t]
        e_idx[q] = j
        e_val[q] = e
        ema_sums[j] += e  # a zero adds nothing
        q += e > 0.0
    return q


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
def _col_normalize_entries(rows, ptr, idx, val, n_cols):
    """``yuma.ops.col_normalize`` of the entries of ``rows`` (absent entries 0), in place.

    Column sums run over the rows in order; a column whose largest value could overflow a
    sum is prescaled by a power of two; a zero-sum column is left as it is.
    """
    big = np.zeros(n_cols)
    total = np.zeros(n_cols)
    for p in range(rows.shape[0]):
        r = rows[p]
        for k in range(ptr[r], ptr[r + 1]):
            j = idx[k]
            v = val[k]
            big[j] = v if v > big[j] else big[j]
            total[j] += v
    scaled_any = False
    for j in range(n_cols):
        scaled_any |= big[j] >= _SAFE_MAX
    if scaled_any:
        shift = np.zeros(n_cols, dtype=np.int64)
        for j in range(n_cols):
            if big[j] >= _SAFE_MAX:
                shift[j] = -math.frexp(big[j])[1]
                total[j] = 0.0
        for p in range(rows.shape[0]):
            r = rows[p]
            for k in range(ptr[r], ptr[r + 1]):
                j = idx[k]
                if big[j] >= _SAFE_MAX:
                    total[j] += math.ldexp(val[k], shift[j])
        for p in range(rows.shape[0]):
            r = rows[p]
            for k in range(ptr[r], ptr[r + 1]):
                j = idx[k]
                if big[j] >= _SAFE_MAX:
                    if total[j] != 0.0:
                        val[k] = math.ldexp(val[k], shift[j]) / total[j]
                elif total[j] != 0.0:
                    val[k] = val[k] / total[j]
        return
    for p in range(rows.shape[0]):
        r = rows[p]
        for k in range(ptr[r], ptr[r + 1]):
            t = total[idx[k]]
            val[k] = val[k] / t if t != 0.0 else val[k]


@_jit
def _yuma2_union(rows, wb_ptr, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset, act, u_ptr,
                 u_idx, loaded, delta):
    """Per row of ``rows``, the union of its ``W_b`` and stored bond entries.

    ``u_ptr`` covers every row (the other rows empty); ``loaded`` holds the stored bond (0
    where reset or absent), ``delta`` ``W_b * S_act``.
    """
    n_rows = u_ptr.shape[0] - 1
    q = 0
    p = 0
    for r in range(n_rows):
        u_ptr[r] = q
        if p >= rows.shape[0] or rows[p] != r:
            continue
        p += 1
        s = act[r]
        ka = wb_ptr[r]
        ha = wb_ptr[r + 1]
        kb = b_ptr[r] if has_prev else 0
        hb = b_ptr[r + 1] if has_prev else 0
        if ka == ha or kb == hb:  # one row empty: the other one as it is
            for k in range(ka, ha):
                u_idx[q] = wb_idx[k]
                loaded[q] = 0.0
                delta[q] = wb_val[k] * s
                q += 1
            for k in range(kb, hb):
                j = b_idx[k]
                u_idx[q] = j
                loaded[q] = 0.0 if reset[j] else b_val[k]
                delta[q] = 0.0 * s
                q += 1
            continue
        while ka < ha or kb < hb:  # the merge of the two sorted rows, without branches
            ia = min(ka, ha - 1)
            ib = min(kb, hb - 1)
            ja = np.int64(wb_idx[ia]) if ka < ha else _NO_COLUMN
            jb = np.int64(b_idx[ib]) if kb < hb else _NO_COLUMN
            j = min(ja, jb)
            in_a = ja == j
            in_b = jb == j
            w = wb_val[ia] * in_a
            b = b_val[ib] * in_b
            ka += in_a
            kb += in_b
            u_idx[q] = j
            loaded[q] = 0.0 if reset[j] else b
            delta[q] = w * s
            q += 1
    u_ptr[n_rows] = q


@_jit
def _ones_for_zeros(x):
    for j in range(x.shape[0]):
        x[j] = 1.0 if x[j] == 0.0 else x[j]


@_jit
def _yuma2_sparse(rows, wb_ptr, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset, act,
                  rates, use_rates, alpha, permit_new, inc, e_ptr, e_idx, e_val, s_val, divs):
    """Yuma 2 bonds and dividends on the union of entries (``n_cols > 1``).

    The dense blocks' column normalizations, fused into passes over the entries (every
    column sum still runs over the rows in order; a zero-sum column is divided by 1, left
    as it is): the union with the sums of the loaded bonds and of ``W_b * S_act``; the EMA
    of the normalized two with its sums; its normalization with the column maxima; the
    stored bonds and the dividends, packed. Loaded bonds that could overflow a column sum
    are normalized apart, prescaled as the dense path (``W_b * S_act`` and the EMA are at
    most 1). The union is built in the output arrays (``e_val`` holds the loaded bonds,
    then the EMA; ``s_val`` ``W_b * S_act``, then the stored bonds): no scratch the size
    of the entries is allocated.
    """
    n_rows = permit_new.shape[0]
    n_cols = inc.shape[0]
    u_ptr = np.empty(n_rows + 1, dtype=np.int64)
    _yuma2_union(rows, wb_ptr, wb_idx, wb_val, b_ptr, b_idx, b_val, has_prev, reset, act, u_ptr,
                 e_idx, e_val, s_val)
    nnz = u_ptr[n_rows]
    big = np.zeros(n_cols)
    total_loaded = np.zeros(n_cols)
    total_delta = np.zeros(n_cols)
    for k in range(nnz):  # the entries are in row order: each column summed in row order
        j = e_idx[k]
        v = e_val[k]
        big[j] = v if v > big[j] else big[j]
        total_loaded[j] += v
        total_delta[j] += s_val[k]
    prescaled = False
    for j in range(n_cols):
        prescaled |= big[j] >= _SAFE_MAX
    if prescaled:  # normalized apart; then divided by 1 below
        _col_normalize_entries(rows, u_ptr, e_idx, e_val, n_cols)
        for j in range(n_cols):
            total_loaded[j] = 1.0
    _ones_for_zeros(total_loaded)
    _ones_for_zeros(total_delta)
    total_ema = np.zeros(n_cols)
    for k in range(nnz):
        j = e_idx[k]
        rate = rates[j] if use_rates else alpha
        e = rate * (s_val[k] / total_delta[j]) + (1.0 - rate) * (e_val[k] / total_loaded[j])
        e_val[k] = e
        total_ema[j] += e
    _ones_for_zeros(total_ema)
    top = np.zeros(n_cols)
    for k in range(nnz):
        j = e_idx[k]
        e = e_val[k] / total_ema[j]
        e_val[k] = e
        top[j] = e if e > top[j] else top[j]
    _ones_for_zeros(top)
    dots = np.zeros(n_rows)
    q = 0
    for r in range(n_rows):  # packed in place: the positive bonds
        e_ptr[r] = q
        new = permit_new[r]
        acc = 0.0
        for k in range(u_ptr[r], u_ptr[r + 1]):
            v = e_val[k]
            j = e_idx[k]
            e_idx[q] = j
            e_val[q] = v
            s_val[q] = v / top[j] if new else 0.0
            if inc[j] != 0.0:
                acc += v * inc[j]
            q += v > 0.0
        dots[r] = acc
    e_ptr[n_rows] = q
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
def _yuma2_one_column(rows, wb_ptr, wb_val, b_ptr, b_val, has_prev, reset, act, cons, variant,
                      liquid_alpha, rate, low, high, inc, permit_new, e_ptr, e_idx, e_val,
                      s_val, divs):
    """Yuma 2 with one column: the dense kernel on that column (its sums are pairwise)."""
    n_rows = permit_new.shape[0]
    prev = np.zeros((n_rows, 1))
    wb = np.zeros((n_rows, 1))
    for r in range(n_rows):
        if has_prev and b_ptr[r + 1] > b_ptr[r]:
            prev[r, 0] = b_val[b_ptr[r]]
        if wb_ptr[r + 1] > wb_ptr[r]:
            wb[r, 0] = wb_val[wb_ptr[r]]
    ema = np.zeros((n_rows, 1))
    stored = np.zeros((n_rows, 1))
    ek._yuma2_bonds(prev, has_prev, reset, wb, act, rows, cons, variant, liquid_alpha, rate,
                    low, high, inc, permit_new, ema, stored, divs, False)
    q = 0
    for r in range(n_rows):
        e_ptr[r] = q
        if ema[r, 0] > 0.0:
            e_idx[q] = 0
            e_val[q] = ema[r, 0]
            s_val[q] = stored[r, 0]
            q += 1
    e_ptr[n_rows] = q


# --------------------------------------------------------------------------------------
# One epoch
# --------------------------------------------------------------------------------------


def _sparse_epoch(
    w_ptr, w_idx, w_val, n_cols, b_ptr, b_idx, b_val,
    stake_raw, active, permit, last_update, commit_block, bar, reset_in, prev_cons, ints, reals,
    s_out, act_out, permit_new, cons, v_trust, ranks, trust, inc, divs, server, validator,
    emission, ptrs, wo_idx, wo_val, c_idx, c_val, wb_idx, wb_val, e_idx, e_val, s_val,
):
    """One epoch on CSR inputs (see the module docstring).

    Returns :data:`INVALID` or :data:`NOT_CANONICAL` before any output is meaningful, else
    the status bits.
    """
    n_rows = w_ptr.shape[0] - 1
    variant = ints[ek.I_VARIANT]
    owner = ints[ek.I_OWNER]
    has_prev = ints[ek.I_HAS_BONDS] != 0
    last_tempo = ints[ek.I_LAST_TEMPO]
    beta = reals[ek.R_BONDS_PENALTY]
    square = n_rows == n_cols

    # Checks of the bonds; stake terms (they need no weights).
    b_nonzero = np.zeros(n_rows, dtype=np.bool_)
    if has_prev:
        upper = 1.0 if variant == ek.YUMA3_CODE else ek._MAX_FINITE
        for r in range(n_rows):
            seen = _check_row(b_ptr, b_idx, b_val, n_cols, upper, r)
            if seen < 0:
                return seen
            b_nonzero[r] = seen != 0
    permit_old = np.empty(n_rows, dtype=np.bool_)
    for i in range(n_rows):
        permit_old[i] = permit[i] if ints[ek.I_HAS_PERMIT] else True
    if owner >= 0:
        permit_old[owner] = True
    ek._stake_terms(stake_raw, reals[ek.R_STAKE_THRESHOLD], owner, ints[ek.I_MAX_VALIDATORS],
                    active, ints[ek.I_HAS_ACTIVE] != 0, permit_old, s_out, act_out, permit_new)

    # 1. Each weight row checked, masked and row-normalized; the participants' entries
    # counted per column.
    mask_ints = np.array([owner, int(square), ints[ek.I_HAS_LAST_UPDATE],
                          ints[ek.I_HAS_COMMIT_BLOCK], ints[ek.I_HAS_REGISTRATION]],
                         dtype=np.int64)
    per_col = np.zeros(n_cols, dtype=np.int64)
    w_nonzero = np.zeros(n_rows, dtype=np.bool_)
    wo_ptr = ptrs[P_WEIGHTS]
    wo_ptr[0] = 0
    for r in range(n_rows):
        seen = _first_pass_row(w_ptr, w_idx, w_val, n_cols, permit_old, mask_ints, last_update,
                               commit_block, bar, act_out[r] > 0.0, per_col, wo_ptr, wo_idx,
                               wo_val, r)
        if seen < 0:
            return seen
        w_nonzero[r] = seen != 0

    # The rows that can matter (as the dense epoch): in the square form those with stake,
    # non-zero weights or bonds, and the owner's; every row otherwise.
    in_rows = np.empty(n_rows, dtype=np.bool_)
    count = 0
    for i in range(n_rows):
        in_rows[i] = ((not square) or stake_raw[i] > 0.0 or w_nonzero[i] or b_nonzero[i]
                      or i == owner)
        count += in_rows[i]
    rows = np.empty(count, dtype=np.int64)
    p = 0
    for i in range(n_rows):
        if in_rows[i]:
            rows[p] = i
            p += 1

    # 3. Consensus, and the consensus that liquid alpha reads.
    part_rows, units, need = ek.participant_units(act_out, reals[ek.R_KAPPA])
    sparse_consensus(wo_ptr, wo_idx, wo_val, n_cols, per_col, part_rows, units, need, cons)
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
    wb_p = P_WEIGHTS if beta == 0.0 else (P_CLIPPED if beta == 1.0 else P_WEIGHTS_FOR_BONDS)
    wbi = wo_idx if beta == 0.0 else (c_idx if beta == 1.0 else wb_idx)
    wbv = wo_val if beta == 0.0 else (c_val if beta == 1.0 else wb_val)
    longest = 0
    for r in range(n_rows):
        longest = max(longest, wo_ptr[r + 1] - wo_ptr[r])
    scratch = np.empty((4, longest if mode == 2 else 0))
    ptrs[P_CLIPPED, 0] = 0
    ptrs[P_WEIGHTS_FOR_BONDS, 0] = 0
    ptrs[P_EMA, 0] = 0
    p = 0
    for r in range(n_rows):
        s = act_out[r]
        # A row that cannot matter holds only zero weights: its clipped weights are those
        # zeros, it has no positive bond weight and no bond.
        _clip_row(wo_ptr, wo_idx, wo_val, cons, beta, write_wb, ptrs, c_idx, c_val, wb_idx,
                  wb_val, v_trust, s, parts[0], parts[1], in_rows[r] and s != 0.0, r)
        q = ptrs[P_EMA, r]
        if in_rows[r]:
            lo = ptrs[wb_p, r]
            hi = ptrs[wb_p, r + 1]
            if mode == 1:
                q = _ema_row_fixed(lo, hi, wbi, wbv, b_ptr, b_idx, b_val, has_prev, reset,
                                   rate, q, e_idx, e_val, parts[2], r)
            elif mode == 2:
                q = _ema_row_liquid(lo, hi, wbi, wbv, b_ptr, b_idx, b_val, has_prev, reset,
                                    alpha_cons, low, high, steepness, q, e_idx, e_val,
                                    parts[2], scratch, r)
            p += 1
            if p % size == 0 or p == m:
                _close_chunk(parts, col_sums, n_cols)
        ptrs[P_EMA, r + 1] = q

    # 5. Incentive, trust, bonds, dividends.
    for j in range(n_cols):
        ranks[j] = col_sums[0, j]
        trust[j] = col_sums[0, j] / col_sums[1, j] if col_sums[1, j] != 0.0 else 0.0
    ek._normalize(ranks, inc)
    status = 0
    e_ptr = ptrs[P_EMA]
    if variant == ek.YUMA3_CODE:
        ema_sums = col_sums[2]
        scaled = np.empty(n_cols)
        for j in range(n_cols):
            scaled[j] = inc[j] / ema_sums[j] if ema_sums[j] != 0.0 else inc[j]
        dots = np.zeros(n_rows)
        for r in range(n_rows):
            acc = 0.0
            for k in range(e_ptr[r], e_ptr[r + 1]):
                v = scaled[e_idx[k]]
                if v != 0.0:
                    acc += e_val[k] * v
            dots[r] = act_out[r] * acc
        ek._normalize(dots, divs)
        for p in range(m):
            if not permit_new[rows[p]]:
                status |= ek.BONDS_DIFFER
    else:
        rates, use_rates = ek.yuma2_rates(cons, variant, ints[ek.I_LIQUID_ALPHA] != 0, low,
                                          high)
        wb_ptr = ptrs[wb_p]
        if n_cols == 1:
            _yuma2_one_column(rows, wb_ptr, wbv, b_ptr, b_val, has_prev, reset, act_out, cons,
                              variant, ints[ek.I_LIQUID_ALPHA] != 0, rate, low, high, inc,
                              permit_new, e_ptr, e_idx, e_val, s_val, divs)
        else:
            _yuma2_sparse(rows, wb_ptr, wbi, wbv, b_ptr, b_idx, b_val, has_prev, reset,
                          act_out, rates, use_rates, rate, permit_new, inc, e_ptr, e_idx,
                          e_val, s_val, divs)
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
        _array(i8, True), _array(i4, True), _array(f8, True), i8,  # weights, n_cols
        _array(i8, True), _array(i4, True), _array(f8, True),  # bonds
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
        numba.types.Array(i8, 2, "C"),  # ptrs
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

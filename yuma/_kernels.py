"""Private numba kernels for the hot steps.

Policy (one place): no ``fastmath``; ``prange`` only over independent columns or rows, never
across a floating-point accumulation, so every output is bit-identical whatever the thread
count. Kernels only loop: they receive C-contiguous float64 / int64 arrays validated and
allocated by their public wrappers in :mod:`yuma.steps` and fill an ``out`` array.
"""

from __future__ import annotations

import numba
import numpy as np

_COL_BLOCK = 256  # columns handled together when reading rows, so reads stay contiguous

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
_pjit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy", parallel=True)


@_jit
def _select_kappa_value(vals, units, total, need):
    """Largest value v of ``vals`` with ``sum(units[vals >= v]) >= need``.

    ``vals`` and ``units`` are scratch rows (permuted in place, pairwise). Falls back to the
    smallest value when ``total < need``. Weighted three-way quickselect, middle pivot.
    """
    m = vals.shape[0]
    if m == 0:
        return 0.0
    if total < need:
        smallest = vals[0]
        for k in range(1, m):
            if vals[k] < smallest:
                smallest = vals[k]
        return smallest
    lo = 0
    hi = m
    while True:
        pivot = vals[lo + (hi - lo) // 2]
        # Dutch-flag partition of [lo, hi) into (> pivot | == pivot | < pivot).
        gt_end = lo
        i = lo
        lt_start = hi
        above = 0
        equal = 0
        while i < lt_start:
            v = vals[i]
            if v > pivot:
                vals[i] = vals[gt_end]
                vals[gt_end] = v
                u = units[i]
                units[i] = units[gt_end]
                units[gt_end] = u
                above += u
                gt_end += 1
                i += 1
            elif v < pivot:
                lt_start -= 1
                vals[i] = vals[lt_start]
                vals[lt_start] = v
                u = units[i]
                units[i] = units[lt_start]
                units[lt_start] = u
            else:
                equal += units[i]
                i += 1
        if above >= need and gt_end > lo:
            hi = gt_end
        elif above + equal >= need:
            return pivot
        else:
            need -= above + equal
            lo = lt_start


@_pjit
def weighted_median_col(weights, rows, units, need, out):
    """Fill ``out[j]`` with the kappa-value of column j over the participating ``rows``.

    ``units[p]`` is the integer stake of participant ``rows[p]``; ``need`` the integer stake
    that must meet or exceed the value. Columns are independent (``prange``).
    """
    n_cols = weights.shape[1]
    m = rows.shape[0]
    if m == 0:
        for j in range(n_cols):
            out[j] = 0.0
        return
    total = 0
    for p in range(m):
        total += units[p]
    # Column-major scratch copy of the participating rows: one row of `vals` per column.
    vals = np.empty((n_cols, m), dtype=np.float64)
    n_blocks = (n_cols + _COL_BLOCK - 1) // _COL_BLOCK
    for b in numba.prange(n_blocks):
        j0 = b * _COL_BLOCK
        j1 = min(j0 + _COL_BLOCK, n_cols)
        for p in range(m):
            r = rows[p]
            for j in range(j0, j1):
                vals[j, p] = weights[r, j]
    for j in numba.prange(n_cols):
        col_units = units.copy()
        out[j] = _select_kappa_value(vals[j], col_units, total, need)


@_pjit
def col_clip(weights, consensus, out):
    """``out[i, j] = min(weights[i, j], consensus[j])``, rows in parallel."""
    n_rows, n_cols = weights.shape
    for i in numba.prange(n_rows):
        for j in range(n_cols):
            w = weights[i, j]
            c = consensus[j]
            out[i, j] = w if w < c else c


@_pjit
def stake_weighted_col_sums(matrix, stake, out):
    """``out[j] = sum_i stake[i] * matrix[i, j]`` in row order, skipping zero-stake rows.

    Parallel over blocks of columns; each column sums its rows in increasing order.
    """
    n_rows, n_cols = matrix.shape
    n_blocks = (n_cols + _COL_BLOCK - 1) // _COL_BLOCK
    for b in numba.prange(n_blocks):
        j0 = b * _COL_BLOCK
        j1 = min(j0 + _COL_BLOCK, n_cols)
        for j in range(j0, j1):
            out[j] = 0.0
        for i in range(n_rows):
            s = stake[i]
            if s == 0.0:
                continue
            for j in range(j0, j1):
                out[j] += s * matrix[i, j]

"""Private numba kernels for the hot steps.

Policy (one place): no ``fastmath``; work is split only over independent columns or rows,
never across a floating-point accumulation, so every output is bit-identical whatever the
thread count. Kernels only loop: they receive C-contiguous float64 / int64 arrays validated
and allocated by their wrappers in :mod:`yuma.core.steps` and fill an ``out`` array.

Each kernel is a serial block function plus two drivers: ``*_serial`` runs the blocks in
order, ``*_parallel`` runs them with ``prange``. The wrappers pick the parallel driver only
for inputs large enough to repay the thread start-up (:data:`PARALLEL_MIN_ELEMENTS`); both
give the same bits.
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np

from . import _threads
from ._exp import exp, exp_normal

PARALLEL_MIN_ELEMENTS = 1 << 21
"""Matrices with fewer elements run single-threaded (one parallel region over 2 M entries
is several ms of work: a wait for a busy CPU costs a fraction of it; see
:func:`yuma.core._threads.parallel_allowed`)."""

_COL_BLOCK = 32  # columns per block: a row segment of 32 float64 spans 4 cache lines

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
_pjit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy", parallel=True)
# Per-element functions inlined into the loops that call them (in numba's IR, before LLVM
# sees the loop), so that those loops vectorize.
_ijit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy", inline="always")


def use_parallel(n_elements: int) -> bool:
    """Whether a kernel over ``n_elements`` should run on several threads."""
    return _threads.parallel_allowed(n_elements, PARALLEL_MIN_ELEMENTS)


# --------------------------------------------------------------------------------------
# Stake units (steps.stake_units): the two passes around the exact sum
# --------------------------------------------------------------------------------------


@_jit
def largest_magnitude(x):
    """``max |x[i]|`` (0 for no entries)."""
    biggest = 0.0
    for i in range(x.shape[0]):
        v = abs(x[i])
        biggest = v if v > biggest else biggest
    return biggest


@_jit
def units_from_shares(stake, total, scale, out):
    """``out[i] = rint(stake[i] / total * scale)`` (round half to even), as int64."""
    for i in range(stake.shape[0]):
        out[i] = np.int64(np.rint(stake[i] / total * scale))


@_jit
def positive_rows(stake):
    """Indices of the entries of ``stake`` above 0, in order, and those entries."""
    count = 0
    for i in range(stake.shape[0]):
        count += stake[i] > 0.0
    rows = np.empty(count, dtype=np.int64)
    values = np.empty(count, dtype=np.float64)
    k = 0
    for i in range(stake.shape[0]):
        if stake[i] > 0.0:
            rows[k] = i
            values[k] = stake[i]
            k += 1
    return rows, values


# --------------------------------------------------------------------------------------
# Weighted median (kappa-value) per column: the quickselect baseline and its building block
# --------------------------------------------------------------------------------------


@_jit
def _select_kappa_value(vals, units, total, need, buf_vals, buf_units):
    """Largest value v of ``vals`` with ``sum(units[vals >= v]) >= need``.

    Falls back to the smallest value when ``total < need``; 0 for no values. ``vals`` and
    ``units`` are read only; ``buf_*`` (two rows each, as long as ``vals``) are scratch.
    Weighted quickselect with a middle pivot; each round counts the stake above and at
    the pivot, then compacts the side that holds the answer, both without branches on the
    data, so the loops run at memory speed rather than at branch-misprediction speed.
    """
    m = vals.shape[0]
    if m == 0:
        return 0.0
    if total < need:
        smallest = vals[0]
        for k in range(1, m):
            smallest = min(smallest, vals[k])
        return smallest
    src_v = vals
    src_u = units
    side = 0
    while True:
        pivot = src_v[m // 2]
        above = 0
        equal = 0
        n_above = 0
        for k in range(m):
            v = src_v[k]
            u = src_u[k]
            is_above = v > pivot
            above += u * is_above
            equal += u * (v == pivot)
            n_above += is_above
        if above >= need and n_above > 0:
            keep_above = True
        elif above + equal >= need:
            return pivot
        else:
            need -= above + equal
            keep_above = False
        dst_v = buf_vals[side]
        dst_u = buf_units[side]
        c = 0
        for k in range(m):
            v = src_v[k]
            dst_v[c] = v
            dst_u[c] = src_u[k]
            c += (v > pivot) if keep_above else (v < pivot)
        m = c
        src_v = dst_v[:m]
        src_u = dst_u[:m]
        side = 1 - side


@_jit
def _median_block(weights, rows, units, total, need, out, block):
    n_cols = weights.shape[1]
    m = rows.shape[0]
    j0 = block * _COL_BLOCK
    j1 = min(j0 + _COL_BLOCK, n_cols)
    # Transpose the block's participating row segments into a column-major tile, reading
    # each row segment contiguously (a column walk would touch one page per row).
    tile = np.empty((j1 - j0, m), dtype=np.float64)
    for p in range(m):
        r = rows[p]
        for j in range(j0, j1):
            tile[j - j0, p] = weights[r, j]
    buf_vals = np.empty((2, m), dtype=np.float64)
    buf_units = np.empty((2, m), dtype=np.int64)
    for j in range(j0, j1):
        out[j] = _select_kappa_value(tile[j - j0], units, total, need, buf_vals, buf_units)


@_jit
def weighted_median_col_quickselect_serial(weights, rows, units, need, out):
    """Fill ``out[j]`` with the kappa-value of column j over the participating ``rows``.

    The first implementation (a transposed tile, then a weighted quickselect per column),
    kept as the baseline that the tests hold :func:`weighted_median_col_serial` to.
    ``units[p]`` is the integer stake of participant ``rows[p]``; ``need`` the integer stake
    that must meet or exceed the value.
    """
    total = 0
    for p in range(units.shape[0]):
        total += units[p]
    n_blocks = (weights.shape[1] + _COL_BLOCK - 1) // _COL_BLOCK
    for b in range(n_blocks):
        _median_block(weights, rows, units, total, need, out, b)


@_pjit
def weighted_median_col_quickselect_parallel(weights, rows, units, need, out):
    """Parallel driver of :func:`weighted_median_col_quickselect_serial`."""
    total = 0
    for p in range(units.shape[0]):
        total += units[p]
    n_blocks = (weights.shape[1] + _COL_BLOCK - 1) // _COL_BLOCK
    for b in numba.prange(n_blocks):
        _median_block(weights, rows, units, total, need, out, b)


# --------------------------------------------------------------------------------------
# Weighted median: the kernels in use
#
# Any exact method gives the same value (the kappa-value is a function of the column's
# values and units), so the two methods below differ from the quickselect baseline only in
# speed, and in the sign of a zero: a zero consensus is always +0.0 here.
#
# * Few participants (m <= MEDIAN_NETWORK_MAX_ROWS): a block of columns is copied row by
#   row into two tiles (rows x columns); one is sorted by a fixed sorting network (values
#   only: a compare-exchange is a min and a max), and each compare-exchange is one loop
#   over the block's columns, so it runs as SIMD instructions across columns. A binary
#   search over the sorted positions then finds the value, all columns in step: each probe
#   counts, in one vectorized pass over the unsorted tile, the units at or above the probed
#   values. The value is the highest sorted one whose units at or above reach ``need``.
# * Many participants: a block of columns is transposed (eight rows at a time, so each
#   cache line of the tile is written whole) and each column is searched with the help of
#   a sample: MEDIAN_SAMPLE_SIZES rows drawn in proportion to stake (the same rows for every
#   column, sorted by a network across the block's columns) say about where the value is.
#   Each round counts, in one vectorized pass, the units above and at or above two sample
#   values near the guess, which decides exactly on which side of each the value lies, and
#   compacts the values still in play; the rounds end between two neighbouring sample
#   values, and a direct search finishes on the few values left. The sample changes the
#   speed, never the result.
#
# Per entry, against the baseline in the same run (2-core x86-64 VM, one thread): about
# 1.7 vs 18 ns at 8 validators, 3.4 vs 7.5 ns at 64, 4.9 vs 6.7 ns at 128 (the sample
# method: about 5.0), 3-4 vs 7-9 ns from 256 to 4096. The
# parallel driver took 0.50-0.56 of the serial time from 16 K entries up on a quiet machine;
# the shared threshold PARALLEL_MIN_ELEMENTS applies.
# --------------------------------------------------------------------------------------

MEDIAN_NETWORK_MAX_ROWS = 128
"""Up to this many participants the weighted median sorts with a network."""

MEDIAN_SAMPLE_SIZES = ((256, 32), (1 << 62, 64))
"""Rows in the stake-proportional sample that guides the search of each column:
``(fewer than this many participants, sample size)``, in order."""

_NET_TILE_ITEMS = 8192  # a network block's two tiles hold this many values (64 KiB)
_TILE_BYTES = 1 << 19  # a transposed block of columns fills about this much (half an L2)


@functools.cache
def sorting_network(size: int) -> np.ndarray:
    """Comparator pairs ``(i, j)``, ``i < j``, that sort ``size`` items ascending.

    Batcher's odd-even merge sort for the next power of two, without the comparators that
    touch an index ``>= size``: in that network every comparator puts the larger item at
    the higher index, so items padded at the top as +inf would never move, and the
    comparators that reach them do nothing. Applying ``(min, max)`` to ``(i, j)`` in order
    sorts any ``size`` items.

    Parameters
    ----------
    size : int

    Returns
    -------
    numpy.ndarray of int64, shape (n_comparators, 2), read-only
    """
    padded = 1
    while padded < size:
        padded *= 2
    pairs = []
    p = 1
    while p < padded:
        k = p
        while k >= 1:
            for j in range(k % p, padded - k, 2 * k):
                for i in range(min(k, padded - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p) and i + j + k < size:
                        pairs.append((i + j, i + j + k))
            k //= 2
        p *= 2
    out = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    out.flags.writeable = False
    return out


def stake_sample(units: np.ndarray, size: int) -> np.ndarray:
    """Positions of ``size`` participants drawn in proportion to their units, in order.

    Systematic sampling: position k is the participant whose share of the cumulative
    units holds the point ``(k + 1/2) / size`` of the total. A participant with a large
    stake appears several times; one with no units never. Only the speed of the weighted
    median depends on this sample.

    Parameters
    ----------
    units : numpy.ndarray of int64
        Units of the participants (total > 0).
    size : int

    Returns
    -------
    numpy.ndarray of int64, shape (size,)
    """
    cumulative = np.cumsum(units)
    total = int(cumulative[-1])
    points = np.array([((2 * k + 1) * total) // (2 * size) for k in range(size)], dtype=np.int64)
    return np.searchsorted(cumulative, points, side="right").astype(np.int64)


@_jit
def _network_sort_values(tile, pairs, width):
    """Sort each of the first ``width`` columns of ``tile`` ascending."""
    for k in range(pairs.shape[0]):
        a = pairs[k, 0]
        b = pairs[k, 1]
        for jj in range(width):
            va = tile[a, jj]
            vb = tile[b, jj]
            swap = va > vb
            tile[a, jj] = vb if swap else va
            tile[b, jj] = va if swap else vb


@_jit
def _network_cols(m):
    """Columns per network block for ``m`` participants (a power of two, 16 to 512)."""
    cols = 16
    while cols < 512 and 2 * cols * m <= _NET_TILE_ITEMS:
        cols *= 2
    return cols


@_jit
def _median_block_network(weights, rows, units, need, pairs, cols, out, block):
    n_cols = weights.shape[1]
    m = rows.shape[0]
    j0 = block * cols
    width = min(cols, n_cols - j0)
    values = np.empty((m, cols))
    ordered = np.empty((m, cols))
    total = 0
    for p in range(m):
        r = rows[p]
        total += units[p]
        for jj in range(width):
            v = weights[r, j0 + jj]
            values[p, jj] = v
            ordered[p, jj] = v
    _network_sort_values(ordered, pairs, width)
    if total < need:  # no value has ``need`` units at or above it: the smallest
        for jj in range(width):
            out[j0 + jj] = ordered[0, jj] + 0.0
        return
    # Binary search for the highest sorted position whose value has ``need`` units at or
    # above it (position 0 has them all), every column in step: each probe counts the
    # units at or above the probed values in one pass over the block.
    pos = np.zeros(cols, dtype=np.int64)
    probe = np.empty(cols)
    held = np.empty(cols, dtype=np.int64)
    step = 1
    while 2 * step < m:
        step *= 2
    while step >= 1:
        for jj in range(width):
            probe[jj] = ordered[min(pos[jj] + step, m - 1), jj]
            held[jj] = 0
        for p in range(m):
            u = units[p]
            for jj in range(width):
                held[jj] += u if values[p, jj] >= probe[jj] else 0
        for jj in range(width):
            up = (pos[jj] + step < m) & (held[jj] >= need)
            pos[jj] = pos[jj] + step if up else pos[jj]
        step //= 2
    for jj in range(width):
        out[j0 + jj] = ordered[pos[jj], jj] + 0.0  # +0.0: a zero is returned as +0.0


@_jit
def _transpose_block(weights, rows, j0, width, tile):
    """``tile[jj, p] = weights[rows[p], j0 + jj]``, eight rows at a time."""
    m = rows.shape[0]
    p0 = 0
    while p0 + 8 <= m:
        r0 = rows[p0]
        r1 = rows[p0 + 1]
        r2 = rows[p0 + 2]
        r3 = rows[p0 + 3]
        r4 = rows[p0 + 4]
        r5 = rows[p0 + 5]
        r6 = rows[p0 + 6]
        r7 = rows[p0 + 7]
        for jj in range(width):
            j = j0 + jj
            line = tile[jj]
            line[p0] = weights[r0, j]
            line[p0 + 1] = weights[r1, j]
            line[p0 + 2] = weights[r2, j]
            line[p0 + 3] = weights[r3, j]
            line[p0 + 4] = weights[r4, j]
            line[p0 + 5] = weights[r5, j]
            line[p0 + 6] = weights[r6, j]
            line[p0 + 7] = weights[r7, j]
        p0 += 8
    for p in range(p0, m):
        r = rows[p]
        for jj in range(width):
            tile[jj, p] = weights[r, j0 + jj]


_SMALL_SET = 16  # below this many values, the walk over distinct values beats quickselect


@_jit
def _small_kappa_value(vals, units, need):
    """Kappa-value of a few values (``0 < need``): distinct values from the top.

    Each step finds the largest value below the last one and adds the units of every
    value equal to it; the first value whose units at or above reach ``need`` is it (the
    smallest value if none does; 0 for no values).
    """
    held = 0
    bound = np.inf
    v = 0.0
    for _ in range(vals.shape[0]):  # at most one step per value
        v = -np.inf
        for p in range(vals.shape[0]):
            x = vals[p]
            v = x if (x < bound) & (x > v) else v
        if v == -np.inf:
            return bound  # every value visited: the smallest
        for p in range(vals.shape[0]):
            held += units[p] if vals[p] == v else 0
        if held >= need:
            return v
        bound = v
    return v


@_jit
def _sample_select(vals, units, total, need, sorted_sample, column, guess, margin, cand_vals,
                   cand_units, buf_vals, buf_units):
    """:func:`_select_kappa_value` of ``vals`` (``0 < need <= total``), guided by a sample.

    ``sorted_sample[:, column]`` holds sample values of the column in ascending order, of
    which about ``guess`` lie below the kappa-value ``a``, give or take ``margin``. Each
    round counts, over the values still in play, the units above a pivot ``h`` and at or
    above a pivot ``l`` (sample values near the guess), which decides exactly whether
    ``a > h``, ``a < l`` or ``l <= a <= h`` (``a >= t`` exactly when the units at or above
    ``t`` reach ``need``); the values outside the new bracket ``[L, H]`` are then dropped,
    ``need`` less the units above ``H``. The rounds narrow the bracket to two neighbouring
    sample values, and a direct search finishes on the few values left between them.
    """
    size = sorted_sample.shape[0]
    m = vals.shape[0]
    cur_vals = vals
    cur_units = units
    side = 0
    first = 0  # sample indices that may still lie inside the bracket: first .. last
    last = size - 1
    while first <= last and m > _SMALL_SET:
        g = min(max(guess, first), last)
        k_lo = max(g - margin, first)
        k_hi = min(g + margin, last)
        low = sorted_sample[k_lo, column]
        high = sorted_sample[k_hi, column]
        above = 0
        at_least = 0
        for p in range(m):
            v = cur_vals[p]
            u = cur_units[p]
            above += u if v > high else 0
            at_least += u if v >= low else 0
        if above >= need:  # a > high
            lo_b = np.nextafter(high, np.inf)
            hi_b = np.inf
            first = k_hi + 1
            while first <= last and sorted_sample[first, column] <= high:
                first += 1
            kept_above = 0
            kept_total = above
        elif at_least < need:  # a < low
            lo_b = -np.inf
            hi_b = np.nextafter(low, -np.inf)
            last = k_lo - 1
            while last >= first and sorted_sample[last, column] >= low:
                last -= 1
            kept_above = at_least
            kept_total = total
        else:  # low <= a <= high
            if margin == 0:
                first = last + 1  # a == low == high: nothing left to split on
            else:
                first = k_lo
                last = k_hi
                margin //= 3  # at 0, the next round splits at one sample value
            lo_b = low
            hi_b = high
            kept_above = above
            kept_total = at_least
        dst_vals = cand_vals[side]
        dst_units = cand_units[side]
        c = 0
        for p in range(m):
            v = cur_vals[p]
            dst_vals[c] = v
            dst_units[c] = cur_units[p]
            c += (v >= lo_b) & (v <= hi_b)
        m = c
        cur_vals = dst_vals[:m]
        cur_units = dst_units[:m]
        need -= kept_above
        total = kept_total - kept_above
        side = 1 - side
    if m <= _SMALL_SET:
        return _small_kappa_value(cur_vals, cur_units, need)
    return _select_kappa_value(cur_vals, cur_units, total, need, buf_vals, buf_units)


@_jit
def _median_block_bracket(weights, rows, units, total, need, sample, pairs, guess, cols, out,
                          block):
    n_cols = weights.shape[1]
    m = rows.shape[0]
    j0 = block * cols
    width = min(cols, n_cols - j0)
    tile = np.empty((cols, m), dtype=np.float64)
    _transpose_block(weights, rows, j0, width, tile)
    sample_tile = np.empty((sample.shape[0], cols), dtype=np.float64)
    for k in range(sample.shape[0]):
        r = rows[sample[k]]
        for jj in range(width):
            sample_tile[k, jj] = weights[r, j0 + jj]
    if sample.shape[0] > 0:  # no sample when every value or none qualifies
        _network_sort_values(sample_tile, pairs, width)
    cand_vals = np.empty((2, m), dtype=np.float64)
    cand_units = np.empty((2, m), dtype=np.int64)
    buf_vals = np.empty((2, m), dtype=np.float64)
    buf_units = np.empty((2, m), dtype=np.int64)
    for jj in range(width):
        vals = tile[jj]
        if need <= 0 or total < need:
            # Every value qualifies (the largest wins), or none does (the smallest).
            best = vals[0]
            for p in range(1, m):
                v = vals[p]
                best = (v if v > best else best) if need <= 0 else (v if v < best else best)
        else:
            best = _sample_select(vals, units, total, need, sample_tile, jj, guess[0],
                                  guess[1], cand_vals, cand_units, buf_vals, buf_units)
        out[j0 + jj] = best + 0.0  # +0.0: a zero is returned as +0.0


def sample_guess(total: int, need: int, size: int) -> np.ndarray:
    """Where the kappa-value falls in a sorted stake-proportional sample of ``size``.

    About ``need / total`` of the sample lies at or above the kappa-value, so about
    ``size - ceil(size * need / total)`` sample values lie below it, give or take a
    binomial standard deviation ``sd``. Only the speed of the median depends on this.

    Returns
    -------
    numpy.ndarray of int64
        ``[guess, margin]`` with ``margin = 1 + int(2.5 * sd)``.
    """
    at_or_above = -(-need * size // total)
    share = at_or_above / size
    sd = math.sqrt(size * share * (1.0 - share))
    return np.array([size - at_or_above, 1 + int(2.5 * sd)], dtype=np.int64)


def median_plan(units: np.ndarray, need: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``pairs``, ``sample`` and ``guess`` arguments of the median kernels.

    Parameters
    ----------
    units : numpy.ndarray of int64
        Units of the participants.
    need : int
        Units that must meet or exceed the kappa-value.

    Returns
    -------
    tuple of numpy.ndarray
        With ``m`` participants: the network for ``m`` and no sample up to
        :data:`MEDIAN_NETWORK_MAX_ROWS`; else the network for the sample, the sample
        (:func:`stake_sample`) and the guess (:func:`sample_guess`).
    """
    m = units.shape[0]
    if m <= MEDIAN_NETWORK_MAX_ROWS:
        return sorting_network(m), _NO_SAMPLE, _NO_GUESS
    size = next(size for limit, size in MEDIAN_SAMPLE_SIZES if m < limit)
    total = int(units.sum())
    if need <= 0 or total < need:
        return _NO_PAIRS, _NO_SAMPLE, _NO_GUESS
    return sorting_network(size), stake_sample(units, size), sample_guess(total, need, size)


_NO_PAIRS = np.zeros((0, 2), dtype=np.int64)
_NO_SAMPLE = np.zeros(0, dtype=np.int64)
_NO_GUESS = np.zeros(2, dtype=np.int64)


@_jit
def _median_cols(m):
    """Columns per transposed block for ``m`` participants (the tile about _TILE_BYTES)."""
    cols = 16
    while cols < 128 and 2 * cols * m * 8 <= _TILE_BYTES:
        cols *= 2
    return cols


@_jit
def weighted_median_col_serial(weights, rows, units, need, pairs, sample, guess, out):
    """Fill ``out[j]`` with the kappa-value of column j over the participating ``rows``.

    ``units[p]`` is the integer stake of participant ``rows[p]``; ``need`` the integer stake
    that must meet or exceed the value; ``pairs, sample, guess = median_plan(units, need)``.
    """
    m = rows.shape[0]
    n_cols = weights.shape[1]
    if m == 0:
        for j in range(n_cols):
            out[j] = 0.0
        return
    if m <= MEDIAN_NETWORK_MAX_ROWS:
        cols = _network_cols(m)
        for b in range((n_cols + cols - 1) // cols):
            _median_block_network(weights, rows, units, need, pairs, cols, out, b)
        return
    total = 0
    for p in range(m):
        total += units[p]
    cols = _median_cols(m)
    for b in range((n_cols + cols - 1) // cols):
        _median_block_bracket(weights, rows, units, total, need, sample, pairs, guess, cols,
                              out, b)


@_pjit
def weighted_median_col_parallel(weights, rows, units, need, pairs, sample, guess, out):
    """Parallel driver of :func:`weighted_median_col_serial` (blocks of columns).

    Blocks are narrowed (never below 16 columns) until there are at least four of them;
    each column's value does not depend on its block.
    """
    m = rows.shape[0]
    n_cols = weights.shape[1]
    if m == 0:
        for j in range(n_cols):
            out[j] = 0.0
        return
    if m <= MEDIAN_NETWORK_MAX_ROWS:
        cols = _network_cols(m)
        while cols > 16 and (n_cols + cols - 1) // cols < 4:
            cols //= 2
        for b in numba.prange((n_cols + cols - 1) // cols):
            _median_block_network(weights, rows, units, need, pairs, cols, out, b)
        return
    total = 0
    for p in range(m):
        total += units[p]
    cols = _median_cols(m)
    while cols > 16 and (n_cols + cols - 1) // cols < 4:
        cols //= 2
    for b in numba.prange((n_cols + cols - 1) // cols):
        _median_block_bracket(weights, rows, units, total, need, sample, pairs, guess, cols,
                              out, b)


# --------------------------------------------------------------------------------------
# Column clip
# --------------------------------------------------------------------------------------


@_jit
def _clip_row(weights, consensus, out, i):
    for j in range(weights.shape[1]):
        w = weights[i, j]
        c = consensus[j]
        out[i, j] = w if w < c else c


@_jit
def col_clip_serial(weights, consensus, out):
    """``out[i, j] = min(weights[i, j], consensus[j])``."""
    for i in range(weights.shape[0]):
        _clip_row(weights, consensus, out, i)


@_pjit
def col_clip_parallel(weights, consensus, out):
    """Parallel driver of :func:`col_clip_serial` (rows)."""
    for i in numba.prange(weights.shape[0]):
        _clip_row(weights, consensus, out, i)


# --------------------------------------------------------------------------------------
# Stake-weighted column sums
# --------------------------------------------------------------------------------------


@_jit
def _col_sums_block(matrix, stake, out, block):
    n_rows, n_cols = matrix.shape
    j0 = block * _COL_BLOCK
    j1 = min(j0 + _COL_BLOCK, n_cols)
    for j in range(j0, j1):
        out[j] = 0.0
    for i in range(n_rows):
        s = stake[i]
        if s == 0.0:
            continue
        for j in range(j0, j1):
            out[j] += s * matrix[i, j]


@_jit
def stake_weighted_col_sums_serial(matrix, stake, out):
    """``out[j] = sum_i stake[i] * matrix[i, j]`` in row order, skipping zero-stake rows."""
    n_blocks = (matrix.shape[1] + _COL_BLOCK - 1) // _COL_BLOCK
    for b in range(n_blocks):
        _col_sums_block(matrix, stake, out, b)


@_pjit
def stake_weighted_col_sums_parallel(matrix, stake, out):
    """Parallel driver of :func:`stake_weighted_col_sums_serial` (blocks of columns)."""
    n_blocks = (matrix.shape[1] + _COL_BLOCK - 1) // _COL_BLOCK
    for b in numba.prange(n_blocks):
        _col_sums_block(matrix, stake, out, b)


# --------------------------------------------------------------------------------------
# Yuma 3 liquid-alpha bond EMA, fused: alpha_sigmoid + mat_ema_alpha in one pass
# --------------------------------------------------------------------------------------


@_ijit
def _alpha_sigmoid_value(w, b, c, low, high, steepness):
    """One rate of ``alpha_sigmoid``, with the libm-free :func:`yuma.core._exp.exp`.

    The exponent is clamped to [-20, 20] (the chain's ``exp_safe`` range), where
    :func:`yuma.core._exp.exp_normal` gives ``exp``'s bits with fewer steps.
    """
    d = w - c if w >= b else b - w
    d = min(max(d, 0.0), 1.0)
    exponent = min(max(-steepness * (d - 0.5), -20.0), 20.0)
    sigma = 1.0 / (1.0 + exp_normal(exponent))
    return min(max(low + sigma * (high - low), low), high)


@_ijit
def _liquid_ema_entry(w, b, c, low, high, steepness):
    """One bond of the liquid-alpha EMA: ``alpha_sigmoid`` then ``mat_ema_alpha``."""
    alpha = _alpha_sigmoid_value(w, b, c, low, high, steepness)
    return min(1.0, (1.0 - alpha) * b + max(0.0, alpha * w))


@_jit
def _liquid_ema_row(bonds, wb, consensus, entries, use_entries, params, out, i):
    low = params[0]
    high = params[1]
    steepness = params[2]
    # Every bond first (a loop without data-dependent branches, so it vectorizes), then
    # the dropped ones cleared.
    for j in range(wb.shape[1]):
        out[i, j] = _liquid_ema_entry(wb[i, j], bonds[i, j], consensus[j], low, high, steepness)
    if use_entries:
        for j in range(wb.shape[1]):
            if not entries[i, j]:
                out[i, j] = 0.0


@_jit
def liquid_alpha_ema_serial(bonds, wb, consensus, entries, use_entries, params, out):
    """``mat_ema_alpha(bonds, wb, alpha_sigmoid(consensus, wb, bonds, ...), entries)``.

    ``params`` is ``[alpha_low, alpha_high, steepness]``; ``entries`` is ignored unless
    ``use_entries``. No alpha matrix is materialized.
    """
    for i in range(wb.shape[0]):
        _liquid_ema_row(bonds, wb, consensus, entries, use_entries, params, out, i)


@_pjit
def liquid_alpha_ema_parallel(bonds, wb, consensus, entries, use_entries, params, out):
    """Parallel driver of :func:`liquid_alpha_ema_serial` (rows)."""
    for i in numba.prange(wb.shape[0]):
        _liquid_ema_row(bonds, wb, consensus, entries, use_entries, params, out, i)


@_jit
def _alpha_sigmoid_row(consensus, wb, bonds, params, out, i):
    low = params[0]
    high = params[1]
    steepness = params[2]
    for j in range(wb.shape[1]):
        out[i, j] = _alpha_sigmoid_value(wb[i, j], bonds[i, j], consensus[j], low, high,
                                         steepness)


@_jit
def alpha_sigmoid_serial(consensus, wb, bonds, params, out):
    """``out = alpha_sigmoid(consensus, wb, bonds, *params)``, the same bits as the EMA."""
    for i in range(wb.shape[0]):
        _alpha_sigmoid_row(consensus, wb, bonds, params, out, i)


@_pjit
def alpha_sigmoid_parallel(consensus, wb, bonds, params, out):
    """Parallel driver of :func:`alpha_sigmoid_serial` (rows)."""
    for i in numba.prange(wb.shape[0]):
        _alpha_sigmoid_row(consensus, wb, bonds, params, out, i)


@_jit
def logistic_rates(consensus, a, b, low, high, out):
    """``out[j] = clamp(1 / (1 + exp(b - a * consensus[j])), low, high)`` (liquid alpha 1).

    ``exp`` overflows to inf for a large exponent, giving the rate 0 before the clamp.
    """
    for j in range(consensus.shape[0]):
        rate = 1.0 / (1.0 + exp(b - a * consensus[j]))
        out[j] = min(max(rate, low), high)


# --------------------------------------------------------------------------------------
# Input scan: finiteness, sign and non-zero rows in one read pass, no temporaries
# --------------------------------------------------------------------------------------


@_jit
def _scan_row(x, flags, nonzero, i):
    bad = 0
    any_nonzero = False
    for j in range(x.shape[1]):
        v = x[i, j]
        if not np.isfinite(v):
            bad |= 1
        elif v < 0.0:
            bad |= 2
        elif v != 0.0:
            any_nonzero = True
            if v > 1.0:
                bad |= 4
    flags[i] = bad
    nonzero[i] = any_nonzero


@_jit
def scan_rows_serial(x, flags, nonzero):
    """``flags[i]``: bit 1 if row i holds NaN/inf, 2 a negative, 4 a value above 1."""
    for i in range(x.shape[0]):
        _scan_row(x, flags, nonzero, i)


@_pjit
def scan_rows_parallel(x, flags, nonzero):
    """Parallel driver of :func:`scan_rows_serial` (rows)."""
    for i in numba.prange(x.shape[0]):
        _scan_row(x, flags, nonzero, i)


# --------------------------------------------------------------------------------------
# Fused epoch passes (built-in variants)
#
# The epoch's matrix work in three reads of W: (1) mask + row-normalize, (2) the weighted
# median, (3) clip + validator trust + rank + prerank + bond weights + bond EMA + bond
# column sums, then one read of the new bonds for the dividends. Full-size n x n arrays
# this allocates: W, W_clipped, the EMA bonds, and the stored bonds (W_b shares W_clipped
# at beta = 1 and W at beta = 0; otherwise one more).
# Rows are visited through ``rows`` (the UIDs that can matter); other rows stay zero.
# ``mask_ints`` = [owner (-1: none), square, has_last_update, has_commit_block, has_bar].
# --------------------------------------------------------------------------------------


@_jit
def _row_mask(r, permit, mask_ints, last_update, commit_block):
    """Row r's part of the weight mask (see ``steps.weight_mask``).

    Returns (row kept, masked self column or -1, last update or -1, commit block or -1).
    """
    self_col = r if mask_ints[1] and r != mask_ints[0] else -1
    lu_r = last_update[r] if mask_ints[4] and mask_ints[2] else -1
    cb_r = commit_block[r] if mask_ints[4] and mask_ints[3] else -1
    return permit[r], self_col, lu_r, cb_r


@_jit
def _col_kept(j, self_col, lu_r, cb_r, bar):
    if j == self_col:
        return False
    if lu_r >= 0 and not lu_r > bar[j]:
        return False
    if cb_r >= 0 and not cb_r >= bar[j]:
        return False
    return True


@_jit
def _mask_normalize_row(raw, rows, permit, mask_ints, lu, cb, bar, out, k):
    r = rows[k]
    row_kept, self_col, lu_r, cb_r = _row_mask(r, permit, mask_ints, lu, cb)
    if not row_kept:
        return
    simple = lu_r < 0 and cb_r < 0
    total = 0.0
    for j in range(raw.shape[1]):
        if simple:
            if j != self_col:
                total += raw[r, j]
        elif _col_kept(j, self_col, lu_r, cb_r, bar):
            total += raw[r, j]
    if total == 0.0:
        return
    if np.isfinite(total):
        for j in range(raw.shape[1]):
            if simple:
                if j != self_col:
                    out[r, j] = raw[r, j] / total
            elif _col_kept(j, self_col, lu_r, cb_r, bar):
                out[r, j] = raw[r, j] / total
        return
    # Overflow: scale by a power of two first, as ops.prescale_power_of_two does.
    biggest = 0.0
    for j in range(raw.shape[1]):
        if _col_kept(j, self_col, lu_r, cb_r, bar):
            biggest = max(biggest, raw[r, j])
    shift = -math.frexp(biggest)[1]
    total = 0.0
    for j in range(raw.shape[1]):
        if _col_kept(j, self_col, lu_r, cb_r, bar):
            total += math.ldexp(raw[r, j], shift)
    for j in range(raw.shape[1]):
        if _col_kept(j, self_col, lu_r, cb_r, bar):
            out[r, j] = math.ldexp(raw[r, j], shift) / total


@_jit
def mask_normalize_serial(raw, rows, permit, mask_ints, lu, cb, bar, out):
    """``out[r] = N(raw[r] * keep[r])`` for ``r`` in ``rows``; ``out`` arrives zeroed."""
    for k in range(rows.shape[0]):
        _mask_normalize_row(raw, rows, permit, mask_ints, lu, cb, bar, out, k)


@_pjit
def mask_normalize_parallel(raw, rows, permit, mask_ints, lu, cb, bar, out):
    """Parallel driver of :func:`mask_normalize_serial` (rows)."""
    for k in numba.prange(rows.shape[0]):
        _mask_normalize_row(raw, rows, permit, mask_ints, lu, cb, bar, out, k)


MAX_ROW_CHUNKS = 16
"""The fused pass splits its rows into at most this many chunks (of at least
:data:`MIN_ROW_CHUNK` rows). Column sums are summed per chunk, then over the chunks in
order: the chunks depend on the number of rows only, so the bits do not depend on how
they are spread over threads, and the per-chunk sums cost at most 16 vectors."""

MIN_ROW_CHUNK = 32


def row_chunk(n_rows: int) -> int:
    """Rows per chunk of the fused pass for ``n_rows`` rows."""
    return max(MIN_ROW_CHUNK, -(-n_rows // MAX_ROW_CHUNKS))


@_jit
def _clip_bonds_chunk(
    w, consensus, alpha_consensus, rows, stake, raw, listed, prev, reset, permit, mask_ints,
    lu, cb, bar,
    real_params, int_params, clipped, wb_out, ema, v_trust, col_parts, chunk,
):
    # real_params = [beta, ema_alpha, alpha_low, alpha_high, steepness]
    # int_params = [bond_mode (0 none, 1 fixed rate, 2 liquid alpha), write_wb, has_prev,
    #               has_listed]
    # col_parts[0 | 1 | 2, chunk, j]: this chunk's sums of S*W_clipped, S*W and B'.
    n_cols = w.shape[1]
    beta = real_params[0]
    rate = real_params[1]
    low = real_params[2]
    high = real_params[3]
    steepness = real_params[4]
    mode = int_params[0]
    write_wb = int_params[1]
    no_prev = int_params[2] == 0
    has_listed = int_params[3]
    ranks = col_parts[0, chunk]
    preranks = col_parts[1, chunk]
    ema_sums = col_parts[2, chunk]
    for j in range(n_cols):
        ranks[j] = 0.0
        preranks[j] = 0.0
        ema_sums[j] = 0.0
    size = -(-rows.shape[0] // col_parts.shape[1])
    k1 = min((chunk + 1) * size, rows.shape[0])
    for k in range(chunk * size, k1):
        r = rows[k]
        s = stake[r]
        row_trust = 0.0
        for j in range(n_cols):
            x = w[r, j]
            c = consensus[j]
            cl = x if x < c else c
            clipped[r, j] = cl
            row_trust += cl
        v_trust[r] = row_trust
        if s != 0.0:
            for j in range(n_cols):
                ranks[j] += s * clipped[r, j]
                preranks[j] += s * w[r, j]
        if write_wb:
            for j in range(n_cols):
                x = w[r, j]
                wb_out[r, j] = x + beta * (clipped[r, j] - x)
        if mode == 0:
            continue
        # Bond weights W_b: W at beta = 0, W_clipped at beta = 1, else the interpolation.
        wb = w if beta == 0.0 else (clipped if beta == 1.0 else wb_out)
        if mode == 1:
            for j in range(n_cols):
                b = 0.0 if no_prev or reset[j] else prev[r, j]
                e = rate * wb[r, j] + (1.0 - rate) * b
                ema[r, j] = e
                ema_sums[j] += e
            continue
        row_kept, self_col, lu_r, cb_r = _row_mask(r, permit, mask_ints, lu, cb)
        if not row_kept:  # no stored entry: every bond of the row is dropped
            zero_row(ema, r)
            continue
        if lu_r < 0 and cb_r < 0 and not has_listed:
            _liquid_ema_row_simple(w, consensus, alpha_consensus, wb, prev, reset, no_prev,
                                   beta, low, high, steepness, self_col, ema, ema_sums, r)
            continue
        # Every bond of the row first, in loops without data-dependent branches (they
        # vectorize); then the bonds without a stored entry are cleared and the rest summed.
        if no_prev:
            for j in range(n_cols):
                ema[r, j] = _liquid_ema_entry(wb[r, j], 0.0, alpha_consensus[j], low, high,
                                              steepness)
        else:
            for j in range(n_cols):
                b = prev[r, j]
                b = 0.0 if reset[j] else b
                ema[r, j] = _liquid_ema_entry(wb[r, j], b, alpha_consensus[j], low, high,
                                              steepness)
        for j in range(n_cols):
            entry = _col_kept(j, self_col, lu_r, cb_r, bar)
            if entry and has_listed:
                entry = listed[r, j] or raw[r, j] > 0.0
            if beta == 1.0:
                c = consensus[j]
                entry = entry and not (c < w[r, j] and c <= 0.0)
            elif beta != 0.0:
                entry = entry and wb[r, j] > 0.0
            # Adding +0.0 for a dropped bond leaves the (non-negative) sum's bits unchanged.
            e = ema[r, j] if entry else 0.0
            ema[r, j] = e
            ema_sums[j] += e


@_jit
def zero_row(x, r):
    """``x[r, :] = 0``."""
    for j in range(x.shape[1]):
        x[r, j] = 0.0


@_jit
def _liquid_ema_row_simple(w, consensus, alpha_consensus, wb, prev, reset, no_prev, beta, low,
                           high, steepness, self_col, ema, ema_sums, r):
    """Row r of the liquid-alpha EMA when only the self-bond lacks a stored entry.

    One pass (the general case's two: every bond, then the dropped ones cleared), with the
    storage test as integer flags so that the loop vectorizes; the same bits.
    """
    beta_one = beta == 1.0
    beta_mid = beta != 0.0 and not beta_one
    if no_prev:
        for j in range(w.shape[1]):
            x = wb[r, j]
            e = _liquid_ema_entry(x, 0.0, alpha_consensus[j], low, high, steepness)
            c = consensus[j]
            dropped = ((c < w[r, j]) & (c <= 0.0) & beta_one) | ((x <= 0.0) & beta_mid)
            e = 0.0 if (j == self_col) | dropped else e
            ema[r, j] = e
            ema_sums[j] += e
    else:
        for j in range(w.shape[1]):
            x = wb[r, j]
            b = prev[r, j]
            b = 0.0 if reset[j] else b
            e = _liquid_ema_entry(x, b, alpha_consensus[j], low, high, steepness)
            c = consensus[j]
            dropped = ((c < w[r, j]) & (c <= 0.0) & beta_one) | ((x <= 0.0) & beta_mid)
            e = 0.0 if (j == self_col) | dropped else e
            ema[r, j] = e
            ema_sums[j] += e


@_jit
def clip_bonds_serial(
    w, consensus, alpha_consensus, rows, stake, raw, listed, prev, reset, permit, mask_ints,
    lu, cb, bar,
    real_params, int_params, clipped, wb_out, ema, v_trust, col_parts,
):
    """Clip, validator trust, rank and prerank terms and the bond EMA in one row pass.

    Outputs arrive zeroed; only rows in ``rows`` are written. Column sums are left per
    chunk of rows in ``col_parts`` (``col_parts.shape[1]`` equal chunks, the last one
    shorter; see :func:`sum_chunks_serial`).
    """
    for chunk in range(col_parts.shape[1]):
        _clip_bonds_chunk(
            w, consensus, alpha_consensus, rows, stake, raw, listed, prev, reset, permit,
            mask_ints, lu, cb, bar, real_params, int_params, clipped, wb_out, ema, v_trust,
            col_parts, chunk,
        )


@_pjit
def clip_bonds_parallel(
    w, consensus, alpha_consensus, rows, stake, raw, listed, prev, reset, permit, mask_ints,
    lu, cb, bar,
    real_params, int_params, clipped, wb_out, ema, v_trust, col_parts,
):
    """Parallel driver of :func:`clip_bonds_serial` (chunks of rows)."""
    for chunk in numba.prange(col_parts.shape[1]):
        _clip_bonds_chunk(
            w, consensus, alpha_consensus, rows, stake, raw, listed, prev, reset, permit,
            mask_ints, lu, cb, bar, real_params, int_params, clipped, wb_out, ema, v_trust,
            col_parts, chunk,
        )


@_jit
def sum_chunks_serial(col_parts, out):
    """``out[q, j] = sum_c col_parts[q, c, j]`` over chunks c in order."""
    for q in range(col_parts.shape[0]):
        for j in range(col_parts.shape[2]):
            out[q, j] = 0.0
        for c in range(col_parts.shape[1]):
            for j in range(col_parts.shape[2]):
                out[q, j] += col_parts[q, c, j]


@_jit
def _rows_dot(matrix, rows, vector, out, k):
    r = rows[k]
    acc = 0.0
    for j in range(matrix.shape[1]):
        v = vector[j]
        if v != 0.0:
            acc += matrix[r, j] * v
    out[r] = acc


@_jit
def rows_dot_serial(matrix, rows, vector, out):
    """``out[r] = sum_j matrix[r, j] * vector[j]`` for ``r`` in ``rows``."""
    for k in range(rows.shape[0]):
        _rows_dot(matrix, rows, vector, out, k)


@_pjit
def rows_dot_parallel(matrix, rows, vector, out):
    """Parallel driver of :func:`rows_dot_serial` (rows)."""
    for k in numba.prange(rows.shape[0]):
        _rows_dot(matrix, rows, vector, out, k)


@_jit
def copy_rows_serial(src, rows, dst):
    """``dst[r] = src[r]`` for ``r`` in ``rows``."""
    for k in range(rows.shape[0]):
        r = rows[k]
        for j in range(src.shape[1]):
            dst[r, j] = src[r, j]


@_pjit
def copy_rows_parallel(src, rows, dst):
    """Parallel driver of :func:`copy_rows_serial` (rows)."""
    for k in numba.prange(rows.shape[0]):
        r = rows[k]
        for j in range(src.shape[1]):
            dst[r, j] = src[r, j]

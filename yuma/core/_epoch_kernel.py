r"""The whole float epoch of the built-in variants as one compiled function.

:func:`epoch_one` runs one epoch of ``yuma2``, ``yuma2_liquid_alpha_v1`` or ``yuma3`` from
the raw arrays to every field of :class:`yuma.EpochResult`; :func:`epoch_many` runs B
independent epochs of one shape, the items spread over threads. Both call the same item
function (:func:`_epoch_item`), serial inside an item of a batch, so an item of a batch
has the bits of the single epoch by construction.

Order of one item (the chain's, as :mod:`yuma.core.steps` spells each step out):

1. checks: stake, blocks and the stored consensus; each weight row (finite, non-negative)
   is checked and, if its row keeps a permit, masked and row-normalized in the same read;
   each bond row is checked (and in [0, 1] under Yuma 3). A failed check returns
   :data:`INVALID` before any output is meaningful: the caller then runs the Python checks,
   which raise the argument's own message;
2. stake terms: ``S``, the permits stored (owner forced), the new permits (top-k, the
   chain's tie rule), ``S_act``;
3. consensus: exact integer stake units (``math.fsum`` and ``rint`` as
   :func:`yuma.core.steps.stake_units`) and the weighted-median kernel;
4. one pass over the rows that matter (the row-pass kernel of :mod:`yuma.core._kernels`):
   clip, validator trust, rank and prerank terms, bond weights, Yuma 3's bond EMA;
5. incentive, trust; Yuma 3 dividends by one row dot and the storage rule; Yuma 2's
   column-normalized bonds by blocks of columns (no n x n temporaries);
6. the emission split.

Every normalization follows :func:`yuma.ops.normalize`: NumPy's pairwise summation order
(replicated by :func:`_np_sum`), a power-of-two prescale for sums that could overflow, and
a zero sum leaving the vector as it is; column sums run over rows in order, as NumPy's
``sum(axis=0)`` does. So the results are the bits of the step-by-step NumPy composition
wherever that composition's order is fixed.

Integer and real parameters travel in two small arrays (slots ``I_*`` and ``R_*``;
:func:`yuma.core.builtin_epoch.int_params` and ``real_params`` fill them); absent optional
arrays are passed as 1-element placeholders with their ``I_HAS_*`` flag off. Outputs
arrive allocated by the caller. A matrix output arrives zeroed unless its bit
(``1 << KEEP_*``) is set in the ``I_DIRTY`` slot: the kernel then writes every entry of it
(zeros in the rows outside the rows that matter and for Yuma 3's dropped bonds), so that
scratch matrices are reused as they are and small outputs need no zeroing. Zeroed outputs
keep the pages of rows that never matter untouched (in the chain's square form most rows
of a large subnet). Vectors need no initial values.

A compiled loop over epochs (a simulation) calls :func:`_epoch_item` once per epoch with
``parallel=False`` (or ``True`` outside any ``prange``), feeding each epoch's ``bonds``,
``validator_permit`` and ``consensus`` to the next as ``prev``, ``permit`` and
``prev_cons``, and reusing its scratch matrices as they are (marked in ``I_DIRTY``);
every epoch then has the bits of :func:`yuma.epoch`. With ``I_WRITE_BONDS`` at 0, Yuma 3's
stored bonds are the EMA bonds unless the returned status has :data:`BONDS_DIFFER` (rows
without a new permit cleared).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from .._progress import slow_start_notice
from . import _kernels

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
_pjit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy", parallel=True)

YUMA3_CODE = 0
YUMA2_CODE = 1
YUMA2_LIQUID_ALPHA_V1_CODE = 2

# Integer parameter slots.
I_VARIANT = 0
I_OWNER = 1  # -1: none
I_MAX_VALIDATORS = 2
I_HAS_BONDS = 3
I_HAS_ACTIVE = 4
I_HAS_PERMIT = 5
I_HAS_LAST_UPDATE = 6
I_HAS_COMMIT_BLOCK = 7
I_HAS_REGISTRATION = 8
I_HAS_LISTED = 9
I_HAS_RESET = 10
I_HAS_PREVIOUS_CONSENSUS = 11
I_LIQUID_ALPHA = 12
I_USES_PREVIOUS = 13  # liquid_alpha_consensus_mode resolved
I_LAST_TEMPO = 14  # -1: none
I_WRITE_BONDS = 15  # Yuma 3 storage rule: 0 never, 1 when it differs from the EMA, 2 always
I_FILL_WB = 16  # write weights_for_bonds even at beta 0 or 1 (batches)
I_DIRTY = 17  # bits 1 << KEEP_*: matrix outputs that may arrive holding old values

# The five matrix outputs, as bit positions (I_DIRTY) and batch keep slots.
KEEP_WEIGHTS = 0
KEEP_CLIPPED = 1
KEEP_WEIGHTS_FOR_BONDS = 2
KEEP_EMA = 3
KEEP_BONDS = 4

N_INTS = 18

# Real parameter slots.
R_KAPPA = 0
R_BONDS_MOVING_AVERAGE = 1
R_BONDS_PENALTY = 2
R_ALPHA_LOW = 3
R_ALPHA_HIGH = 4
R_STEEPNESS = 5
R_STAKE_THRESHOLD = 6
N_REALS = 7

INVALID = -1
"""Status of an item whose inputs fail a check."""
BONDS_DIFFER = 1
"""Status bit: the storage rule cleared a row, so the stored bonds are not the EMA bonds."""

_SAFE_MAX = 2.0**1000  # as yuma.ops: sums below this cannot overflow
_MAX_FINITE = np.finfo(np.float64).max
_STAKE_SCALE = 2.0**52  # yuma.core.steps.STAKE_UNIT_BITS
_I32F32_LIMIT = 2.0**31
_Y2_COL_BLOCK = 32


# --------------------------------------------------------------------------------------
# NumPy's reductions, bit for bit
# --------------------------------------------------------------------------------------


@_jit
def _np_sum_leaf(x, lo, n):
    """NumPy's pairwise sum of at most 128 values: 8 lanes, then the rest in order."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += x[i]
        return res
    r0 = x[lo]
    r1 = x[lo + 1]
    r2 = x[lo + 2]
    r3 = x[lo + 3]
    r4 = x[lo + 4]
    r5 = x[lo + 5]
    r6 = x[lo + 6]
    r7 = x[lo + 7]
    i = 8
    stop = n - n % 8
    while i < stop:
        r0 += x[lo + i]
        r1 += x[lo + i + 1]
        r2 += x[lo + i + 2]
        r3 += x[lo + i + 3]
        r4 += x[lo + i + 4]
        r5 += x[lo + i + 5]
        r6 += x[lo + i + 6]
        r7 += x[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += x[lo + i]
        i += 1
    return res


@_jit
def _np_sum(x, lo, n):
    """``np.sum(x[lo:lo + n])`` in NumPy's order.

    NumPy halves a run longer than 128 (the first half a multiple of 8) and adds the two
    halves' sums; this walks the same tree with explicit stacks (numba cannot cache a
    recursive function).
    """
    if n <= 128:
        return _np_sum_leaf(x, lo, n)
    node_lo = np.empty(192, dtype=np.int64)
    node_n = np.empty(192, dtype=np.int64)
    node_done = np.empty(192, dtype=np.bool_)  # both halves summed: add them
    values = np.empty(96)
    top = 0
    n_values = 0
    node_lo[0] = lo
    node_n[0] = n
    node_done[0] = False
    while top >= 0:
        start = node_lo[top]
        length = node_n[top]
        done = node_done[top]
        top -= 1
        if done:
            n_values -= 1
            values[n_values - 1] = values[n_values - 1] + values[n_values]
        elif length <= 128:
            values[n_values] = _np_sum_leaf(x, start, length)
            n_values += 1
        else:
            half = length // 2
            half -= half % 8
            node_lo[top + 1] = start
            node_n[top + 1] = length
            node_done[top + 1] = True
            node_lo[top + 2] = start + half
            node_n[top + 2] = length - half
            node_done[top + 2] = False
            node_lo[top + 3] = start
            node_n[top + 3] = half
            node_done[top + 3] = False
            top += 3
    return values[0]


@_jit
def _normalize(x, out):
    """``out = yuma.ops.normalize(x)`` (``out`` is not ``x``)."""
    n = x.shape[0]
    if n == 0:
        return
    big = x[0]
    small = x[0]
    for i in range(1, n):
        big = max(big, x[i])
        small = min(small, x[i])
    biggest = max(big, -small)
    if biggest >= _SAFE_MAX:
        shift = -math.frexp(biggest)[1]
        for i in range(n):
            out[i] = math.ldexp(x[i], shift)
        total = _np_sum(out, 0, n)
        if total != 0.0:
            for i in range(n):
                out[i] = out[i] / total
        else:
            for i in range(n):
                out[i] = x[i]
        return
    total = _np_sum(x, 0, n)
    if total != 0.0:
        for i in range(n):
            out[i] = x[i] / total
    else:
        for i in range(n):
            out[i] = x[i]


@_jit
def _fsum(x):
    """``math.fsum`` of finite values: Shewchuk's partials, then CPython's final rounding."""
    partials = np.empty(x.shape[0] + 2)
    n_partials = 0
    for k in range(x.shape[0]):
        v = x[k]
        i = 0
        for p in range(n_partials):
            y = partials[p]
            if abs(v) < abs(y):
                v, y = y, v
            hi = v + y
            lo = y - (hi - v)
            if lo != 0.0:
                partials[i] = lo
                i += 1
            v = hi
        partials[i] = v
        n_partials = i + 1
    hi = 0.0
    if n_partials > 0:
        n_partials -= 1
        hi = partials[n_partials]
        lo = 0.0
        while n_partials > 0:
            v = hi
            n_partials -= 1
            y = partials[n_partials]
            hi = v + y
            yr = hi - v
            lo = y - yr
            if lo != 0.0:
                break
        if n_partials > 0 and (
            (lo < 0.0 and partials[n_partials - 1] < 0.0)
            or (lo > 0.0 and partials[n_partials - 1] > 0.0)
        ):
            y = lo * 2.0
            v = hi + y
            yr = v - hi
            if y == yr:
                hi = v
    return hi


@_jit
def _quantile_sorted(sorted_values, q):
    """``np.quantile(values, q)`` (method "linear") from the values sorted ascending."""
    n = sorted_values.shape[0]
    virtual = (n - 1) * q
    if virtual >= n - 1:
        return sorted_values[n - 1]
    below = math.floor(virtual)
    a = sorted_values[int(below)]
    b = sorted_values[int(below) + 1]
    t = virtual - below
    diff = b - a
    if t >= 0.5:
        return b - diff * (1.0 - t)
    return a + diff * t


@_jit
def liquid_alpha_v1_rates(consensus, low, high, out):
    """Historic per-miner EMA rates (see :func:`yuma.liquid_alpha_v1`) into ``out``."""
    n = consensus.shape[0]
    if n == 0:
        return
    ordered = np.sort(consensus)
    c_high = _quantile_sorted(ordered, 0.75)
    c_low = _quantile_sorted(ordered, 0.25)
    a = 0.0
    b = 0.0
    if not (c_high <= c_low or low == 0.0 or high == 0.0):
        x_high = 1.0 / high - 1.0
        x_low = 1.0 / low - 1.0
        ln_high = math.log(x_high) if x_high > 0.0 else 0.0
        ln_low = math.log(x_low) if x_low > 0.0 else 0.0
        a = min(max((ln_high - ln_low) / (c_low - c_high), -_I32F32_LIMIT), _I32F32_LIMIT)
        b = min(max(ln_low + a * c_low, -_I32F32_LIMIT), _I32F32_LIMIT)
    _kernels.logistic_rates(consensus, a, b, low, high, out)


# --------------------------------------------------------------------------------------
# Checks and the first pass over W
# --------------------------------------------------------------------------------------


@_jit
def _scan_row(x, r, upper):
    """Row r: -1 if an entry is NaN, negative or above ``upper``; else 1 if any is non-zero."""
    bad = 0
    nonzero = 0
    for j in range(x.shape[1]):  # integer flags, no branch: the loop vectorizes
        v = x[r, j]
        bad |= (v < 0.0) | (v != v) | (v > upper)
        nonzero |= v != 0.0
    if bad:
        return -1
    return 1 if nonzero else 0


@_jit
def _first_pass_row(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu, cb,
                    bar, w_out, row_state, r):
    # row_state[r]: bit 1 weights non-zero, bit 2 bonds non-zero, bit 4 a failed check.
    # A dirty row is zeroed first: the masked normalization writes the kept entries only.
    if mask_ints[5]:
        _kernels.zero_row(w_out, r)
    state = 0
    seen = _scan_row(raw, r, _MAX_FINITE)
    if seen < 0:
        state |= 4
    elif seen > 0:
        state |= 1
        _kernels._mask_normalize_row(raw, all_rows, permit, mask_ints, lu, cb, bar, w_out, r)
    if has_prev:
        seen = _scan_row(prev, r, bonds_upper)
        if seen < 0:
            state |= 4
        elif seen > 0:
            state |= 2
    row_state[r] = state


_GROUP = 4  # rows summed side by side: four independent sums hide the add latency


@_jit
def _first_pass_group(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu, cb,
                      bar, w_out, row_state, group):
    """Rows ``4 group ..``: the masked row sums of four rows side by side, then each row.

    Each row's sum still runs over its columns in order (a masked entry adds +0.0, which
    changes no sum that starts at +0.0), so the bits are those of ``_mask_normalize_row``.
    """
    n_rows, n_cols = raw.shape
    r0 = group * _GROUP
    blocks = mask_ints[4] and (mask_ints[2] or mask_ints[3])
    if r0 + _GROUP > n_rows or blocks:
        for r in range(r0, min(r0 + _GROUP, n_rows)):
            _first_pass_row(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu,
                            cb, bar, w_out, row_state, r)
        return
    square = mask_ints[1] != 0
    owner = mask_ints[0]
    s0 = r0 if square and r0 != owner else -1
    s1 = r0 + 1 if square and r0 + 1 != owner else -1
    s2 = r0 + 2 if square and r0 + 2 != owner else -1
    s3 = r0 + 3 if square and r0 + 3 != owner else -1
    t0 = 0.0
    t1 = 0.0
    t2 = 0.0
    t3 = 0.0
    for j in range(n_cols):
        t0 += raw[r0, j] if j != s0 else 0.0
        t1 += raw[r0 + 1, j] if j != s1 else 0.0
        t2 += raw[r0 + 2, j] if j != s2 else 0.0
        t3 += raw[r0 + 3, j] if j != s3 else 0.0
    _group_row(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu, cb, bar,
               w_out, row_state, r0, s0, t0)
    _group_row(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu, cb, bar,
               w_out, row_state, r0 + 1, s1, t1)
    _group_row(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu, cb, bar,
               w_out, row_state, r0 + 2, s2, t2)
    _group_row(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu, cb, bar,
               w_out, row_state, r0 + 3, s3, t3)


@_jit
def _group_row(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu, cb, bar,
               w_out, row_state, r, self_col, total):
    """Row r of a group: its checks, then ``raw / total`` (self column 0) into W."""
    seen = _scan_row(raw, r, _MAX_FINITE)
    state = 4 if seen < 0 else seen
    if has_prev:
        seen = _scan_row(prev, r, bonds_upper)
        if seen < 0:
            state |= 4
        elif seen > 0:
            state |= 2
    row_state[r] = state
    if state != 1 and state != 3 or not permit[r] or total == 0.0:
        if mask_ints[5]:
            _kernels.zero_row(w_out, r)
        return
    if not np.isfinite(total):  # overflow: the prescaled path
        if mask_ints[5]:
            _kernels.zero_row(w_out, r)
        _kernels._mask_normalize_row(raw, all_rows, permit, mask_ints, lu, cb, bar, w_out, r)
        return
    for j in range(raw.shape[1]):
        w_out[r, j] = raw[r, j] / total
    if self_col >= 0:
        w_out[r, self_col] = 0.0


@_jit
def _zero_other_rows(x, rows):
    """Zero every row of ``x`` not in ``rows`` (ascending)."""
    p = 0
    for i in range(x.shape[0]):
        if p < rows.shape[0] and rows[p] == i:
            p += 1
        else:
            _kernels.zero_row(x, i)


@_jit
def _first_pass_serial(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu, cb,
                       bar, w_out, row_state):
    for group in range((raw.shape[0] + _GROUP - 1) // _GROUP):
        _first_pass_group(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu,
                          cb, bar, w_out, row_state, group)


@_pjit
def _first_pass_parallel(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu, cb,
                         bar, w_out, row_state):
    for group in numba.prange((raw.shape[0] + _GROUP - 1) // _GROUP):
        _first_pass_group(raw, prev, has_prev, bonds_upper, all_rows, permit, mask_ints, lu,
                          cb, bar, w_out, row_state, group)


@_jit
def _vector_ok(x, upper):
    for i in range(x.shape[0]):
        v = x[i]
        if not (v >= 0.0 and v <= upper):
            return False
    return True


@_jit
def _blocks_ok(x):
    for i in range(x.shape[0]):
        if x[i] < 0:
            return False
    return True


# --------------------------------------------------------------------------------------
# Stake terms and consensus
# --------------------------------------------------------------------------------------


@_jit
def _stake_terms(stake_raw, threshold, owner, k, active, has_active, permit_old, s_out, act_out,
                 permit_new):
    """``S``, new permits (top-k, the owner's forced) and ``S_act``."""
    n = stake_raw.shape[0]
    scratch = np.empty(n)
    for i in range(n):
        kept = stake_raw[i] >= threshold or i == owner
        scratch[i] = stake_raw[i] if kept else 0.0
    _normalize(scratch, s_out)
    # is_topk_nonzero: the n - k smallest (stable ascending order) lose their permit.
    n_nonzero = 0
    for i in range(n):
        permit_new[i] = s_out[i] != 0.0
        n_nonzero += permit_new[i]
    if n >= k and n_nonzero > k:
        order = np.argsort(s_out, kind="mergesort")
        for t in range(n - k):
            permit_new[order[t]] = False
    if owner >= 0:
        permit_new[owner] = True
    for i in range(n):
        on = permit_old[i] and (active[i] if has_active else True)
        scratch[i] = s_out[i] if on else 0.0
    _normalize(scratch, act_out)


@_jit
def participant_units(act, kappa):
    """The consensus participants (rows with active stake), their units and ``need``.

    ``units`` are :func:`yuma.core.steps.stake_units` of their active stake (``math.fsum``
    and ``rint``, exact integers), ``need`` is :func:`yuma.core.steps.kappa_units`.
    """
    n = act.shape[0]
    count = 0
    for i in range(n):
        count += act[i] > 0.0
    rows = np.empty(count, dtype=np.int64)
    values = np.empty(count)
    p = 0
    for i in range(n):
        if act[i] > 0.0:
            rows[p] = i
            values[p] = act[i]
            p += 1
    units = np.zeros(count, dtype=np.int64)
    if count:
        big = values[0]
        small = values[0]
        for q in range(1, count):
            big = max(big, values[q])
            small = min(small, values[q])
        biggest = max(big, -small)
        if biggest >= _SAFE_MAX:
            shift = -math.frexp(biggest)[1]
            for q in range(count):
                values[q] = math.ldexp(values[q], shift)
        total = _fsum(values)
        if total > 0.0:
            for q in range(count):
                units[q] = np.int64(np.rint(values[q] / total * _STAKE_SCALE))
    need = np.int64(math.ceil(kappa * _STAKE_SCALE))
    return rows, units, need


@_jit
def _consensus(w, act, kappa, cons, parallel):
    """Weighted median per column over the rows with active stake, in exact stake units."""
    rows, units, need = participant_units(act, kappa)
    pairs, sample, guess = _median_plan(units, need)
    if parallel:
        _kernels.weighted_median_col_parallel(w, rows, units, need, pairs, sample, guess, cons)
    else:
        _kernels.weighted_median_col_serial(w, rows, units, need, pairs, sample, guess, cons)


def _network_table(largest: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorting networks for 0 .. ``largest`` items, stacked: pairs and offsets.

    The pairs are int16: numba embeds a global array in the machine code only below 1 MB
    (a larger one cannot be cached), and the int64 table for 128 items is 1.3 MB.
    """
    if largest >= 1 << 15:
        raise ValueError("largest must be below 2**15")
    networks = [_kernels.sorting_network(size) for size in range(largest + 1)]
    offsets = np.zeros(largest + 2, dtype=np.int64)
    offsets[1:] = np.cumsum([len(net) for net in networks])
    return np.concatenate(networks).reshape(-1, 2).astype(np.int16), offsets


_NETWORK_PAIRS, _NETWORK_OFFSETS = _network_table(
    max(_kernels.MEDIAN_NETWORK_MAX_ROWS, *(size for _, size in _kernels.MEDIAN_SAMPLE_SIZES))
)
_SAMPLE_LIMIT = _kernels.MEDIAN_SAMPLE_SIZES[0][0]
_SMALL_SAMPLE = _kernels.MEDIAN_SAMPLE_SIZES[0][1]
_LARGE_SAMPLE = _kernels.MEDIAN_SAMPLE_SIZES[1][1]
_NO_SAMPLE = np.zeros(0, dtype=np.int64)
_NO_GUESS = np.zeros(2, dtype=np.int64)


@_jit
def _median_plan(units, need):
    """:func:`yuma.core._kernels.median_plan` in compiled code (networks from a table).

    Only the median's speed depends on the plan, never its value.
    """
    m = units.shape[0]
    if m <= _kernels.MEDIAN_NETWORK_MAX_ROWS:
        return (_network_pairs(m), _NO_SAMPLE.copy(), _NO_GUESS.copy())
    size = _SMALL_SAMPLE if m < _SAMPLE_LIMIT else _LARGE_SAMPLE
    cumulative = np.cumsum(units)
    total = cumulative[m - 1]
    if need <= 0 or total < need:
        return _network_pairs(0), _NO_SAMPLE.copy(), _NO_GUESS.copy()  # no pairs
    points = np.empty(size, dtype=np.int64)
    for k in range(size):
        points[k] = ((2 * k + 1) * total) // (2 * size)
    sample = np.searchsorted(cumulative, points, side="right").astype(np.int64)
    at_or_above = -((-need * size) // total)
    share = at_or_above / size
    sd = math.sqrt(size * share * (1.0 - share))
    guess = np.empty(2, dtype=np.int64)
    guess[0] = size - at_or_above
    guess[1] = 1 + int(2.5 * sd)
    return _network_pairs(size), sample, guess


@_jit
def _network_pairs(size):
    """:func:`yuma.core._kernels.sorting_network` for ``size`` items, from the table (int64)."""
    return _NETWORK_PAIRS[_NETWORK_OFFSETS[size]:_NETWORK_OFFSETS[size + 1]].astype(np.int64)


# --------------------------------------------------------------------------------------
# Row pass, Yuma 3 dividends and storage
# --------------------------------------------------------------------------------------


@_pjit
def _row_pass_parallel(w, cons, alpha_cons, rows, act, raw, listed, prev, reset, permit,
                       mask_ints, lu, cb, bar, real_params, int_params, clipped, wb, ema,
                       v_trust, col_parts):
    for chunk in numba.prange(col_parts.shape[1]):
        _kernels._clip_bonds_chunk(
            w, cons, alpha_cons, rows, act, raw, listed, prev, reset, permit, mask_ints, lu,
            cb, bar, real_params, int_params, clipped, wb, ema, v_trust, col_parts, chunk,
        )


@_jit
def _row_pass(w, cons, alpha_cons, rows, act, raw, listed, prev, reset, permit, mask_ints, lu,
              cb, bar, real_params, int_params, clipped, wb, ema, v_trust, col_parts, parallel):
    if parallel:
        _row_pass_parallel(w, cons, alpha_cons, rows, act, raw, listed, prev, reset, permit,
                           mask_ints, lu, cb, bar, real_params, int_params, clipped, wb, ema,
                           v_trust, col_parts)
        return
    for chunk in range(col_parts.shape[1]):
        _kernels._clip_bonds_chunk(
            w, cons, alpha_cons, rows, act, raw, listed, prev, reset, permit, mask_ints, lu,
            cb, bar, real_params, int_params, clipped, wb, ema, v_trust, col_parts, chunk,
        )


@_jit
def _copy_rows(src, rows, dst, parallel):
    if parallel:
        _kernels.copy_rows_parallel(src, rows, dst)
    else:
        _kernels.copy_rows_serial(src, rows, dst)


@_jit
def _yuma3_dividends(ema, col_sums, inc, rows, act, divs, parallel):
    """``D = N(S_act * (B' (I / colsum B')))``: one row dot, as ``steps._colnorm_dot``.

    A column whose ``I_j / colsum_j`` overflows (subnormal bonds) is left out of the dot
    and normalized instead: ``sum_j (B'_rj / colsum_j) I_j`` over those columns, in
    NumPy's order, added to each row's dot (no ``inf * 0`` NaN).
    """
    n_cols = inc.shape[0]
    scaled = np.empty(n_cols)
    tiny = np.empty(n_cols, dtype=np.int64)  # the overflowing columns, in order
    n_tiny = 0
    for j in range(n_cols):
        scaled[j] = inc[j] / col_sums[j] if col_sums[j] != 0.0 else inc[j]
        if not math.isfinite(scaled[j]):
            scaled[j] = 0.0
            tiny[n_tiny] = j
            n_tiny += 1
    dots = np.zeros(act.shape[0])
    if parallel:
        _kernels.rows_dot_parallel(ema, rows, scaled, dots)
    else:
        _kernels.rows_dot_serial(ema, rows, scaled, dots)
    if n_tiny:
        terms = np.empty(n_tiny)
        for p in range(rows.shape[0]):
            r = rows[p]
            for t in range(n_tiny):
                j = tiny[t]
                terms[t] = (ema[r, j] / col_sums[j]) * inc[j]
            dots[r] += _np_sum(terms, 0, n_tiny)
    for i in range(act.shape[0]):
        dots[i] = act[i] * dots[i]
    _normalize(dots, divs)


# --------------------------------------------------------------------------------------
# Yuma 2: column-normalized bonds, by blocks of columns
# --------------------------------------------------------------------------------------


@_jit
def _col_normalize_tile(tile, pairwise):
    """``yuma.ops.col_normalize`` of each column of a row-major tile (rows by columns).

    A column's sum runs over the rows in order, as NumPy's ``sum(axis=0)`` does, or pairwise
    (``pairwise``) when the column is the matrix's only one. The columns of the tile are
    summed side by side, so the loops vectorize across columns.
    """
    m, width = tile.shape
    if m == 0:
        return
    big = tile[0].copy()
    small = tile[0].copy()
    for p in range(1, m):
        for jj in range(width):
            v = tile[p, jj]
            big[jj] = v if v > big[jj] else big[jj]
            small[jj] = v if v < small[jj] else small[jj]
    total = np.zeros(width)
    if pairwise:
        column = np.empty(m)
        for jj in range(width):
            for p in range(m):
                column[p] = tile[p, jj]
            total[jj] = _np_sum(column, 0, m)
    else:
        for p in range(m):
            for jj in range(width):
                total[jj] += tile[p, jj]
    for jj in range(width):
        if max(big[jj], -small[jj]) >= _SAFE_MAX:
            _col_normalize_scaled(tile, jj, max(big[jj], -small[jj]), pairwise)
            total[jj] = 1.0  # done: divide by one below
        elif total[jj] == 0.0:
            total[jj] = 1.0  # a zero-sum column is left as it is
    for p in range(m):
        for jj in range(width):
            tile[p, jj] = tile[p, jj] / total[jj]


@_jit
def _col_normalize_scaled(tile, jj, biggest, pairwise):
    """Column jj of a tile whose entries could overflow a sum: prescaled by a power of two."""
    m = tile.shape[0]
    shift = -math.frexp(biggest)[1]
    scaled = np.empty(m)
    for p in range(m):
        scaled[p] = math.ldexp(tile[p, jj], shift)
    if pairwise:
        total = _np_sum(scaled, 0, m)
    else:
        total = 0.0
        for p in range(m):
            total += scaled[p]
    if total != 0.0:
        for p in range(m):
            tile[p, jj] = scaled[p] / total


@_jit
def _yuma2_block(prev, has_prev, reset, wb, act, rows, alpha, rates, use_rates, permit_new,
                 ema, stored, block):
    n_cols = wb.shape[1]
    m = rows.shape[0]
    j0 = block * _Y2_COL_BLOCK
    j1 = min(j0 + _Y2_COL_BLOCK, n_cols)
    width = j1 - j0
    pairwise = n_cols == 1
    # Row-major tiles of the block: row segments read and written contiguously.
    loaded = np.zeros((m, width))
    delta = np.empty((m, width))
    for p in range(m):
        r = rows[p]
        s = act[r]
        for jj in range(width):
            j = j0 + jj
            if has_prev and not reset[j]:
                loaded[p, jj] = prev[r, j]
            delta[p, jj] = wb[r, j] * s
    _col_normalize_tile(loaded, pairwise)
    _col_normalize_tile(delta, pairwise)
    rate = np.empty(width)
    keep = np.empty(width)
    for jj in range(width):
        rate[jj] = rates[j0 + jj] if use_rates else alpha
        keep[jj] = 1.0 - rate[jj]
    for p in range(m):
        for jj in range(width):
            loaded[p, jj] = rate[jj] * delta[p, jj] + keep[jj] * loaded[p, jj]
    _col_normalize_tile(loaded, pairwise)
    top = np.zeros(width)
    if m:
        for jj in range(width):
            top[jj] = loaded[0, jj]
        for p in range(1, m):
            for jj in range(width):
                v = loaded[p, jj]
                top[jj] = v if v > top[jj] else top[jj]
    for jj in range(width):
        if top[jj] == 0.0:
            top[jj] = 1.0
    for p in range(m):
        r = rows[p]
        new = permit_new[r]
        for jj in range(width):
            v = loaded[p, jj]
            ema[r, j0 + jj] = v
            stored[r, j0 + jj] = v / top[jj] if new else 0.0


@_pjit
def _yuma2_blocks_parallel(prev, has_prev, reset, wb, act, rows, alpha, rates, use_rates,
                           permit_new, ema, stored):
    n_blocks = (wb.shape[1] + _Y2_COL_BLOCK - 1) // _Y2_COL_BLOCK
    for block in numba.prange(n_blocks):
        _yuma2_block(prev, has_prev, reset, wb, act, rows, alpha, rates, use_rates,
                     permit_new, ema, stored, block)


@_jit
def yuma2_rates(cons, variant, liquid_alpha, low, high):
    """The per-column EMA rates of the historic liquid alpha, and whether they apply."""
    n_cols = cons.shape[0]
    rates = np.empty(n_cols)
    use_rates = False
    if variant == YUMA2_LIQUID_ALPHA_V1_CODE and liquid_alpha:
        any_nonzero = False
        for j in range(n_cols):
            any_nonzero |= cons[j] != 0.0
        if any_nonzero:
            ordered = np.sort(cons)
            c_high = _quantile_sorted(ordered, 0.75)
            c_low = _quantile_sorted(ordered, 0.25)
            if c_high > c_low or c_high != 0.0 or c_low < 0.0:  # the chain's condition
                liquid_alpha_v1_rates(cons, low, high, rates)
                use_rates = True
    return rates, use_rates


@_jit
def _yuma2_bonds(prev, has_prev, reset, wb, act, rows, cons, variant, liquid_alpha, rate,
                 low, high, inc, permit_new, ema, stored, divs, parallel):
    """Yuma 2 bonds, dividends ``N(B I)`` and storage (column max-upscaled, rows cleared)."""
    n_cols = wb.shape[1]
    rates, use_rates = yuma2_rates(cons, variant, liquid_alpha, low, high)
    if parallel:
        _yuma2_blocks_parallel(prev, has_prev, reset, wb, act, rows, rate, rates, use_rates,
                               permit_new, ema, stored)
    else:
        n_blocks = (n_cols + _Y2_COL_BLOCK - 1) // _Y2_COL_BLOCK
        for block in range(n_blocks):
            _yuma2_block(prev, has_prev, reset, wb, act, rows, rate, rates, use_rates,
                         permit_new, ema, stored, block)
    # Dividends over the rows that matter, normalized as a vector of those rows.
    m = rows.shape[0]
    dots = np.zeros(act.shape[0])
    if parallel:
        _kernels.rows_dot_parallel(ema, rows, inc, dots)
    else:
        _kernels.rows_dot_serial(ema, rows, inc, dots)
    compact = np.empty(m)
    for p in range(m):
        compact[p] = dots[rows[p]]
    shares = np.empty(m)
    _normalize(compact, shares)
    for i in range(divs.shape[0]):
        divs[i] = 0.0
    for p in range(m):
        divs[rows[p]] = shares[p]


# --------------------------------------------------------------------------------------
# Emission
# --------------------------------------------------------------------------------------


@_jit
def _emission_split(inc, divs, s, act, square, server, validator, emission):
    n_rows = divs.shape[0]
    n_cols = inc.shape[0]
    if square:
        for i in range(n_rows):
            emission[i] = inc[i] + divs[i]
    else:
        for i in range(n_rows):
            emission[i] = divs[i]
        for j in range(n_cols):
            emission[n_rows + j] = inc[j]
    total = _np_sum(emission, 0, emission.shape[0])
    if total > 0.0:
        for j in range(n_cols):
            server[j] = inc[j] / total
        for i in range(n_rows):
            validator[i] = divs[i] / total
        for k in range(emission.shape[0]):
            emission[k] = emission[k] / total
        return
    any_active = False
    for i in range(n_rows):
        any_active |= act[i] > 0.0
    for i in range(n_rows):
        validator[i] = act[i] if any_active else s[i]
        emission[i] = validator[i]
    for j in range(n_cols):
        server[j] = inc[j]
        if not square:
            emission[n_rows + j] = inc[j]


# --------------------------------------------------------------------------------------
# One epoch
# --------------------------------------------------------------------------------------


@_jit
def _epoch_item(
    raw, stake_raw, prev, active, permit, last_update, commit_block, bar, listed, reset_in,
    prev_cons, ints, reals,
    s_out, act_out, permit_new, w_out, cons, clipped, v_trust, ranks, trust, inc, wb_out, ema,
    bonds_out, divs, server, validator, emission,
    parallel,
):
    """One epoch of a built-in variant; returns :data:`INVALID` or the status bits."""
    n_rows, n_cols = raw.shape
    variant = ints[I_VARIANT]
    owner = ints[I_OWNER]
    has_prev = ints[I_HAS_BONDS] != 0
    has_lu = ints[I_HAS_LAST_UPDATE] != 0
    has_cb = ints[I_HAS_COMMIT_BLOCK] != 0
    has_bar = ints[I_HAS_REGISTRATION] != 0
    has_listed = ints[I_HAS_LISTED] != 0
    last_tempo = ints[I_LAST_TEMPO]
    beta = reals[R_BONDS_PENALTY]
    square = n_rows == n_cols

    # 1. Checks of the vectors, then of every row while W is masked and normalized.
    if not _vector_ok(stake_raw, _MAX_FINITE):
        return INVALID
    if (has_lu and not _blocks_ok(last_update)) or (has_cb and not _blocks_ok(commit_block)):
        return INVALID
    if has_bar and not _blocks_ok(bar):
        return INVALID
    if ints[I_HAS_PREVIOUS_CONSENSUS] and not _vector_ok(prev_cons, 1.0):
        return INVALID
    permit_old = np.empty(n_rows, dtype=np.bool_)
    for i in range(n_rows):
        permit_old[i] = permit[i] if ints[I_HAS_PERMIT] else True
    if owner >= 0:
        permit_old[owner] = True
    dirty = ints[I_DIRTY]
    mask_ints = np.array([owner, int(square), int(has_lu), int(has_cb), int(has_bar),
                          dirty >> KEEP_WEIGHTS & 1], dtype=np.int64)
    all_rows = np.arange(n_rows)
    row_state = np.zeros(n_rows, dtype=np.int64)
    bonds_upper = 1.0 if variant == YUMA3_CODE else _MAX_FINITE
    if parallel:
        _first_pass_parallel(raw, prev, has_prev, bonds_upper, all_rows, permit_old, mask_ints,
                             last_update, commit_block, bar, w_out, row_state)
    else:
        _first_pass_serial(raw, prev, has_prev, bonds_upper, all_rows, permit_old, mask_ints,
                           last_update, commit_block, bar, w_out, row_state)
    for i in range(n_rows):
        if row_state[i] & 4:
            return INVALID

    # 2. Stake terms.
    _stake_terms(stake_raw, reals[R_STAKE_THRESHOLD], owner, ints[I_MAX_VALIDATORS], active,
                 ints[I_HAS_ACTIVE] != 0, permit_old, s_out, act_out, permit_new)

    # The rows that can matter: in the square form, those with stake, weights or bonds (and
    # the owner's); every row otherwise. Other rows have all-zero row outputs.
    if square and n_rows:
        count = 0
        for i in range(n_rows):
            used = stake_raw[i] > 0.0 or row_state[i] != 0 or i == owner
            row_state[i] = used
            count += used
        rows = np.empty(count, dtype=np.int64)
        p = 0
        for i in range(n_rows):
            if row_state[i]:
                rows[p] = i
                p += 1
    else:
        rows = all_rows

    # 3. Consensus, and the consensus that liquid alpha reads.
    _consensus(w_out, act_out, reals[R_KAPPA], cons, parallel)
    alpha_cons = cons
    if (variant == YUMA3_CODE and ints[I_HAS_PREVIOUS_CONSENSUS] and prev_cons.shape[0] > 0
            and ints[I_USES_PREVIOUS]):
        alpha_cons = cons.copy()
        for j in range(min(prev_cons.shape[0], n_cols)):
            alpha_cons[j] = prev_cons[j]

    # Bond resets: the given columns and those registered since the last epoch.
    reset = np.zeros(n_cols, dtype=np.bool_)
    for j in range(n_cols):
        if ints[I_HAS_RESET]:
            reset[j] = reset_in[j]
        if last_tempo >= 0 and last_tempo <= bar[j]:
            reset[j] = True

    # 4. The row pass: clip, trust, rank terms, bond weights, Yuma 3's EMA.
    mode = 0
    if variant == YUMA3_CODE:
        mode = 1
        if ints[I_LIQUID_ALPHA]:
            for j in range(n_cols):
                if alpha_cons[j] != 0.0:
                    mode = 2
                    break
    write_wb = beta != 0.0 and beta != 1.0
    rate = 1.0 - reals[R_BONDS_MOVING_AVERAGE]
    real_params = np.array([beta, rate, reals[R_ALPHA_LOW], reals[R_ALPHA_HIGH],
                            reals[R_STEEPNESS]])
    int_params = np.array([mode, int(write_wb), int(has_prev), int(has_listed)],
                          dtype=np.int64)
    m = rows.shape[0]
    n_chunks = 0
    if m:
        n_chunks = -(-m // max(_kernels.MIN_ROW_CHUNK, -(-m // _kernels.MAX_ROW_CHUNKS)))
    col_parts = np.empty((3, n_chunks, n_cols))
    for i in range(n_rows):  # the row pass writes the rows that matter only
        v_trust[i] = 0.0
    _row_pass(w_out, cons, alpha_cons, rows, act_out, raw, listed, prev, reset, permit_old,
              mask_ints, last_update, commit_block, bar, real_params, int_params, clipped,
              wb_out, ema, v_trust, col_parts, parallel)
    col_sums = np.empty((3, n_cols))
    _kernels.sum_chunks_serial(col_parts, col_sums)
    wb = wb_out if write_wb else (clipped if beta == 1.0 else w_out)
    if ints[I_FILL_WB] and not write_wb:
        _copy_rows(wb, rows, wb_out, parallel)

    # 5. Incentive, trust, bonds, dividends.
    for j in range(n_cols):
        ranks[j] = col_sums[0, j]
        trust[j] = col_sums[0, j] / col_sums[1, j] if col_sums[1, j] != 0.0 else 0.0
    _normalize(ranks, inc)
    status = 0
    if variant == YUMA3_CODE:
        _yuma3_dividends(ema, col_sums[2], inc, rows, act_out, divs, parallel)
        differ = False
        for p in range(m):
            differ |= not permit_new[rows[p]]
        write = ints[I_WRITE_BONDS]
        if differ:
            status |= BONDS_DIFFER
        if write == 2 or (write == 1 and differ):
            count = 0
            for p in range(m):
                count += permit_new[rows[p]]
            kept = np.empty(count, dtype=np.int64)
            q = 0
            for p in range(m):
                if permit_new[rows[p]]:
                    kept[q] = rows[p]
                    q += 1
            _copy_rows(ema, kept, bonds_out, parallel)
            if dirty >> KEEP_BONDS & 1:
                _zero_other_rows(bonds_out, kept)
    else:
        _yuma2_bonds(prev, has_prev, reset, wb, act_out, rows, cons, variant,
                     ints[I_LIQUID_ALPHA] != 0, rate, reals[R_ALPHA_LOW], reals[R_ALPHA_HIGH],
                     inc, permit_new, ema, bonds_out, divs, parallel)
        status |= BONDS_DIFFER
        if dirty >> KEEP_BONDS & 1:
            _zero_other_rows(bonds_out, rows)
    if m < n_rows:  # the rows that cannot matter: never written above
        if dirty >> KEEP_CLIPPED & 1:
            _zero_other_rows(clipped, rows)
        if dirty >> KEEP_EMA & 1:
            _zero_other_rows(ema, rows)
        if (write_wb or ints[I_FILL_WB]) and dirty >> KEEP_WEIGHTS_FOR_BONDS & 1:
            _zero_other_rows(wb_out, rows)

    # 6. Emission.
    _emission_split(inc, divs, s_out, act_out, square, server, validator, emission)
    return status


# --------------------------------------------------------------------------------------
# Drivers: one epoch, and a batch of independent epochs
# --------------------------------------------------------------------------------------


def _array(dtype, ndim, readonly):
    return numba.types.Array(dtype, ndim, "C", readonly=readonly)


def _signature(ndim_extra):
    """The drivers' signature; inputs read-only (writable arrays convert), outputs not."""
    f8, b1, i8 = numba.types.float64, numba.types.boolean, numba.types.int64
    k = ndim_extra
    inputs = [
        _array(f8, 2 + k, True),  # weights
        _array(f8, 1 + k, True),  # stake
        _array(f8, 2 + k, True),  # bonds
        _array(b1, 1 + k, True),  # active
        _array(b1, 1 + k, True),  # validator_permit
        _array(i8, 1 + k, True),  # last_update
        _array(i8, 1 + k, True),  # commit_block
        _array(i8, 1 + k, True),  # block_at_registration
        _array(b1, 2 + k, True),  # listed
        _array(b1, 1 + k, True),  # reset_bonds
        _array(f8, 1 + k, True),  # previous_consensus
        _array(i8, 1 + k, True),  # integer parameters
        _array(f8, 1 + k, True),  # real parameters
    ]
    vec, mat = _array(f8, 1 + k, False), _array(f8, 2 + k, False)
    outputs = [
        vec, vec, _array(b1, 1 + k, False),  # stake, active_stake, validator_permit
        mat, vec, mat, vec, vec, vec, vec,  # weights .. incentive
        mat, mat, mat,  # weights_for_bonds, ema_bonds, bonds
        vec, vec, vec, vec,  # dividends, server, validator, emission
    ]
    # statuses, kept matrices (weights, clipped, weights_for_bonds, ema, bonds), chunks
    extra = [_array(i8, 1, False), _array(i8, 1, True), i8] if k else []
    args = inputs + outputs + extra + [b1]
    return (numba.types.void if k else i8)(*args)


def _epoch_one(
    raw, stake_raw, prev, active, permit, last_update, commit_block, bar, listed, reset_in,
    prev_cons, ints, reals,
    s_out, act_out, permit_new, w_out, cons, clipped, v_trust, ranks, trust, inc, wb_out, ema,
    bonds_out, divs, server, validator, emission,
    parallel,
):
    return _epoch_item(
        raw, stake_raw, prev, active, permit, last_update, commit_block, bar, listed, reset_in,
        prev_cons, ints, reals,
        s_out, act_out, permit_new, w_out, cons, clipped, v_trust, ranks, trust, inc, wb_out,
        ema, bonds_out, divs, server, validator, emission,
        parallel,
    )


@_jit
def _at(x, b):
    """Item b of a batched input, or the shared input (leading axis of length 1)."""
    return x[np.int64(b) if x.shape[0] != 1 else np.int64(0)]


@_jit
def _matrix_of(stacked, kept, scratch, b):
    """Item b's matrix: its slice of the batch's stack, else the chunk's scratch (dirty)."""
    if kept:
        return stacked[b]
    return scratch


@_jit
def _batch_chunk(
    chunk, n_chunks, raw, stake_raw, prev, active, permit, last_update, commit_block, bar,
    listed, reset_in, prev_cons, ints, reals,
    s_out, act_out, permit_new, w_out, cons, clipped, v_trust, ranks, trust, inc, wb_out, ema,
    bonds_out, divs, server, validator, emission, statuses, keep,
):
    """Items ``[lo, hi)`` of the batch, in order; matrices not kept go to scratch."""
    n_items, n_rows, n_cols = raw.shape
    lo = chunk * n_items // n_chunks
    hi = (chunk + 1) * n_items // n_chunks
    shape = (n_rows, n_cols)
    w_scratch = np.empty(shape if not keep[KEEP_WEIGHTS] else (1, 1))
    c_scratch = np.empty(shape if not keep[KEEP_CLIPPED] else (1, 1))
    wb_scratch = np.empty(shape if not keep[KEEP_WEIGHTS_FOR_BONDS] else (1, 1))
    e_scratch = np.empty(shape if not keep[KEEP_EMA] else (1, 1))
    b_scratch = np.empty(shape if not keep[KEEP_BONDS] else (1, 1))
    for b in range(lo, hi):
        b = np.int64(b)
        statuses[b] = _epoch_item(
            raw[b], _at(stake_raw, b), _at(prev, b), _at(active, b), _at(permit, b),
            _at(last_update, b), _at(commit_block, b), _at(bar, b), _at(listed, b),
            _at(reset_in, b), _at(prev_cons, b), _at(ints, b), _at(reals, b),
            s_out[b], act_out[b], permit_new[b],
            _matrix_of(w_out, keep[KEEP_WEIGHTS], w_scratch, b), cons[b],
            _matrix_of(clipped, keep[KEEP_CLIPPED], c_scratch, b), v_trust[b], ranks[b],
            trust[b], inc[b], _matrix_of(wb_out, keep[KEEP_WEIGHTS_FOR_BONDS], wb_scratch, b),
            _matrix_of(ema, keep[KEEP_EMA], e_scratch, b),
            _matrix_of(bonds_out, keep[KEEP_BONDS], b_scratch, b), divs[b], server[b],
            validator[b], emission[b],
            False,
        )


def _epoch_many(
    raw, stake_raw, prev, active, permit, last_update, commit_block, bar, listed, reset_in,
    prev_cons, ints, reals,
    s_out, act_out, permit_new, w_out, cons, clipped, v_trust, ranks, trust, inc, wb_out, ema,
    bonds_out, divs, server, validator, emission, statuses, keep, n_chunks,
    parallel,
):
    if parallel:
        for chunk in numba.prange(n_chunks):
            _batch_chunk(
                chunk, n_chunks, raw, stake_raw, prev, active, permit, last_update,
                commit_block, bar, listed, reset_in, prev_cons, ints, reals, s_out, act_out,
                permit_new, w_out, cons, clipped, v_trust, ranks, trust, inc, wb_out, ema,
                bonds_out, divs, server, validator, emission, statuses, keep,
            )
    else:
        for chunk in range(n_chunks):
            _batch_chunk(
                chunk, n_chunks, raw, stake_raw, prev, active, permit, last_update,
                commit_block, bar, listed, reset_in, prev_cons, ints, reals, s_out, act_out,
                permit_new, w_out, cons, clipped, v_trust, ranks, trust, inc, wb_out, ema,
                bonds_out, divs, server, validator, emission, statuses, keep,
            )


_compiled: dict = {}
_COMPILE_NOTICE = "yuma: compiling the epoch kernels (first use only; cached afterwards) ..."


def epoch_one() -> Callable[..., Any]:
    """The compiled single-epoch driver (built on first use; loaded from numba's cache).

    Arguments: the 13 inputs, the 17 outputs (see :func:`_signature`) and ``parallel``;
    returns :data:`INVALID` or the status bits (:data:`BONDS_DIFFER`).
    """
    fn = _compiled.get("one")
    if fn is None:
        # Start numba's threading layer before the first call: the driver links parallel
        # kernels, and a copy loaded from numba's cache that was compiled against cached
        # callees does not start it itself (numba issue #8578: a call to a null address).
        numba.get_num_threads()
        with slow_start_notice(_COMPILE_NOTICE):
            fn = _compiled["one"] = numba.njit(
                [_signature(0)], cache=True, nogil=True, fastmath=False, error_model="numpy"
            )(_epoch_one)
    return fn


def epoch_many() -> Callable[..., Any]:
    """The compiled batch driver (built on first use).

    Inputs with a leading batch axis (length B, or 1 when shared), outputs with a leading
    B (a matrix not kept: a 1 x 1 x 1 placeholder), a status per item, the kept flags
    (``KEEP_*``), the number of chunks (contiguous runs of items, each on one thread with
    its own scratch matrices) and ``parallel`` (chunks over threads).
    """
    fn = _compiled.get("many")
    if fn is None:
        with slow_start_notice(_COMPILE_NOTICE):
            fn = _compiled["many"] = numba.njit(
                [_signature(1)], cache=True, nogil=True, fastmath=False, error_model="numpy",
                parallel=True,
            )(_epoch_many)
    return fn

r"""Slow, obviously-correct twin of the fast library: slow on purpose.

Every public function of :mod:`yuma.ops` and :mod:`yuma.core.steps`, and :func:`yuma.epoch`,
is written again here, name for name and with the same signature, as plain Python loops
over rows and columns, straight from the docstrings (the contract). Nothing is imported
from :mod:`yuma`: a bug in a shared helper would otherwise pass both sides of a
comparison. Only NumPy (for array containers) and the standard library are used.

Sums run in a simple fixed order (first index to last). Inputs are not validated beyond
conversion to float64 arrays: this module is for comparisons on valid inputs.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "STAKE_UNIT_BITS",
    "EPOCH_FIELDS",
    "normalize",
    "row_normalize",
    "col_normalize",
    "col_max_upscale",
    "vecdiv",
    "is_topk",
    "is_topk_nonzero",
    "prescale_power_of_two",
    "stake_units",
    "kappa_units",
    "stake_weights",
    "validator_permits",
    "activity_mask",
    "active_stake",
    "weight_mask",
    "mask_weights",
    "weighted_median",
    "weighted_median_col",
    "consensus",
    "col_clip",
    "validator_trust",
    "rank",
    "incentive",
    "trust",
    "weights_for_bonds",
    "bond_entries",
    "bonds_reset_mask",
    "alpha_sigmoid",
    "liquid_alpha_v1",
    "load_bonds_yuma2",
    "bonds_ema_yuma2",
    "store_bonds_yuma2",
    "mat_ema",
    "mat_ema_alpha",
    "dividends_yuma2",
    "dividends_yuma3",
    "emission_split",
    "epoch",
]

STAKE_UNIT_BITS = 52
"""Consensus counts stake in integer units of ``2**-52`` of the participating stake."""

EPOCH_FIELDS = (
    "variant",
    "stake",
    "active",
    "active_stake",
    "weights",
    "consensus",
    "clipped_weights",
    "validator_trust",
    "rank",
    "trust",
    "incentive",
    "weights_for_bonds",
    "ema_bonds",
    "bonds",
    "dividends",
    "server_emission",
    "validator_emission",
    "emission",
    "validator_permit",
)
"""Keys of the dict returned by :func:`epoch` (the fields of ``yuma.EpochResult``)."""


# --------------------------------------------------------------------------------------
# Plain helpers (private, local to this module)
# --------------------------------------------------------------------------------------


def _vec(x) -> np.ndarray:
    return np.array(x, dtype=np.float64).reshape(-1)


def _mat(x) -> np.ndarray:
    arr = np.array(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-dimensional array, got shape {arr.shape}")
    return arr


def _bools(x, n: int, default: bool) -> list[bool]:
    if x is None:
        return [default] * n
    return [bool(v) for v in np.asarray(x).reshape(-1)]


def _ints(x) -> list[int]:
    return [int(v) for v in np.asarray(x).reshape(-1)]


def _sum(values) -> float:
    total = 0.0
    for v in values:
        total += v
    return total


def _clamp(x: float, low: float, high: float) -> float:
    if x < low:
        return low
    if x > high:
        return high
    return x


# --------------------------------------------------------------------------------------
# Ops: the chain's zero-sum rules
# --------------------------------------------------------------------------------------

_SAFE_MAX = 2.0**1000


def _prescale_list(values: list[float]) -> tuple[list[float], bool]:
    # One slice: if its largest magnitude m = f 2**e (1/2 <= f < 1) is >= 2**1000,
    # multiply every entry by 2**-e. Returns the values and whether they were scaled.
    biggest = 0.0
    for v in values:
        if abs(v) > biggest:
            biggest = abs(v)
    if biggest < _SAFE_MAX:
        return list(values), False
    exponent = math.frexp(biggest)[1]
    return [math.ldexp(v, -exponent) for v in values], True


def prescale_power_of_two(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """Scale by ``2**-e`` each slice whose largest magnitude ``f 2**e`` is ``>= 2**1000``.

    Parameters
    ----------
    x : numpy.ndarray
        Values.
    axis : int, optional
        None: the whole array is one slice; 1: each row; 0: each column.

    Returns
    -------
    numpy.ndarray
        ``x`` itself when no slice needs scaling, else a scaled copy.
    """
    a = np.array(x, dtype=np.float64)
    if axis is None:
        scaled, changed = _prescale_list([float(v) for v in a.reshape(-1)])
        return np.array(scaled, dtype=np.float64).reshape(a.shape) if changed else x
    any_changed = False
    if axis == 1:
        for i in range(a.shape[0]):
            scaled, changed = _prescale_list([float(v) for v in a[i, :]])
            if changed:
                a[i, :] = scaled
                any_changed = True
    else:
        for j in range(a.shape[1]):
            scaled, changed = _prescale_list([float(v) for v in a[:, j]])
            if changed:
                a[:, j] = scaled
                any_changed = True
    return a if any_changed else x


def normalize(x: ArrayLike) -> np.ndarray:
    """Divide a vector by its sum, unless the sum is zero (then return it unchanged).

    The division is done after :func:`prescale_power_of_two` (exact), so sums of huge
    entries do not overflow.

    Parameters
    ----------
    x : array_like, shape (n,)
        Vector.

    Returns
    -------
    numpy.ndarray
    """
    v = _vec(x)
    scaled, _ = _prescale_list([float(e) for e in v])  # ratios unchanged, no overflow
    total = _sum(scaled)
    out = v.copy()
    if total != 0.0:
        for i in range(v.shape[0]):
            out[i] = scaled[i] / total
    return out


def row_normalize(x: ArrayLike) -> np.ndarray:
    """Divide each row by its sum; rows summing to zero are unchanged.

    Parameters
    ----------
    x : array_like, shape (m, n)
        Matrix.

    Returns
    -------
    numpy.ndarray
    """
    a = _mat(x)
    out = a.copy()
    n_rows, n_cols = a.shape
    for i in range(n_rows):
        row, _ = _prescale_list([float(a[i, j]) for j in range(n_cols)])
        total = _sum(row)
        if total != 0.0:
            for j in range(n_cols):
                out[i, j] = row[j] / total
    return out


def col_normalize(x: ArrayLike) -> np.ndarray:
    """Divide each column by its sum; columns summing to zero are unchanged.

    Parameters
    ----------
    x : array_like, shape (m, n)
        Matrix.

    Returns
    -------
    numpy.ndarray
    """
    a = _mat(x)
    out = a.copy()
    n_rows, n_cols = a.shape
    for j in range(n_cols):
        col, _ = _prescale_list([float(a[i, j]) for i in range(n_rows)])
        total = _sum(col)
        if total != 0.0:
            for i in range(n_rows):
                out[i, j] = col[i] / total
    return out


def col_max_upscale(x: ArrayLike) -> np.ndarray:
    """Divide each column by its maximum; columns whose maximum is zero are unchanged.

    Parameters
    ----------
    x : array_like, shape (m, n)
        Matrix.

    Returns
    -------
    numpy.ndarray
    """
    a = _mat(x)
    out = a.copy()
    n_rows, n_cols = a.shape
    for j in range(n_cols):
        if n_rows == 0:
            continue
        largest = a[0, j]
        for i in range(1, n_rows):
            if a[i, j] > largest:
                largest = a[i, j]
        if largest != 0.0:
            for i in range(n_rows):
                out[i, j] = a[i, j] / largest
    return out


def vecdiv(x: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Divide element-wise with ``x / 0 = 0``.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Numerator and denominator.

    Returns
    -------
    numpy.ndarray
    """
    num = _vec(x)
    den = _vec(y)
    if num.shape != den.shape:
        raise ValueError("x and y must have the same shape")
    out = np.zeros(num.shape[0])
    for i in range(num.shape[0]):
        if den[i] != 0.0:
            out[i] = num[i] / den[i]
    return out


def _ascending_order(values: list[float]) -> list[int]:
    # Indices sorted by value, equal values in index order (Python's sort is stable).
    return sorted(range(len(values)), key=lambda i: values[i])


def is_topk(x: ArrayLike, k: int) -> np.ndarray:
    """Mark the ``k`` largest entries; ties at the cut favour the higher index.

    Parameters
    ----------
    x : array_like, shape (n,)
        Values.
    k : int
        How many to keep.

    Returns
    -------
    numpy.ndarray of bool
    """
    if k < 0:
        raise ValueError(f"k must be non-negative, got {k}")
    values = [float(v) for v in _vec(x)]
    n = len(values)
    out = np.ones(n, dtype=np.bool_)
    if n <= k:
        return out
    order = _ascending_order(values)
    for i in order[: n - k]:
        out[i] = False
    return out


def is_topk_nonzero(x: ArrayLike, k: int) -> np.ndarray:
    """Mark the ``k`` largest non-zero entries (when ``n < k``: every non-zero entry).

    Parameters
    ----------
    x : array_like, shape (n,)
        Values.
    k : int
        How many to keep at most.

    Returns
    -------
    numpy.ndarray of bool
    """
    if k < 0:
        raise ValueError(f"k must be non-negative, got {k}")
    values = [float(v) for v in _vec(x)]
    n = len(values)
    out = np.array([v != 0.0 for v in values], dtype=np.bool_)
    if n < k:
        return out
    order = _ascending_order(values)
    for i in order[: n - k]:
        out[i] = False
    return out


# --------------------------------------------------------------------------------------
# Stake
# --------------------------------------------------------------------------------------


def stake_units(stake: ArrayLike) -> np.ndarray:
    """Integer stake per entry: ``rint(2**52 fl(s_i / T))``, ``T = fsum(s)`` (zeros if T = 0).

    Stakes whose sum would overflow are first scaled by a power of two (no unit changes).

    Parameters
    ----------
    stake : array_like, shape (m,)
        Stake.

    Returns
    -------
    numpy.ndarray of int64
    """
    s, _ = _prescale_list([float(v) for v in _vec(stake)])
    total = math.fsum(s)
    if total <= 0.0:
        return np.zeros(len(s), dtype=np.int64)
    # One IEEE division, then an exact scaling by 2**52; round() rounds half to even, as
    # numpy's rint does.
    return np.array([round((v / total) * 2.0**STAKE_UNIT_BITS) for v in s], dtype=np.int64)


def kappa_units(kappa: float) -> int:
    """Stake units needed to reach ``kappa``: ``ceil(kappa * 2**52)``.

    Parameters
    ----------
    kappa : float
        Majority fraction in [0, 1].

    Returns
    -------
    int
    """
    return math.ceil(float(kappa) * 2.0**STAKE_UNIT_BITS)


def stake_weights(
    stake: ArrayLike, *, stake_threshold: float = 0.0, owner_uid: int | None = None
) -> np.ndarray:
    """Normalized stake, counting only stake ``>= stake_threshold`` (the owner is exempt).

    Parameters
    ----------
    stake : array_like, shape (n,)
        Raw stake.
    stake_threshold : float
        Minimum raw stake counted.
    owner_uid : int, optional
        The subnet owner's UID.

    Returns
    -------
    numpy.ndarray
    """
    s = _vec(stake)
    kept = np.zeros(s.shape[0])
    for i in range(s.shape[0]):
        if s[i] >= stake_threshold or (owner_uid is not None and i == owner_uid):
            kept[i] = s[i]
    return normalize(kept)


def validator_permits(
    stake_weights: ArrayLike, max_allowed_validators: int, *, owner_uid: int | None = None
) -> np.ndarray:
    """Top-k non-zero stakes get a permit; the owner always gets one.

    Parameters
    ----------
    stake_weights : array_like, shape (n,)
        ``S``.
    max_allowed_validators : int
        ``k``.
    owner_uid : int, optional
        The subnet owner's UID.

    Returns
    -------
    numpy.ndarray of bool
    """
    permits = is_topk_nonzero(stake_weights, int(max_allowed_validators))
    if owner_uid is not None:
        permits[int(owner_uid)] = True
    return permits


def activity_mask(last_update: ArrayLike, block: int, activity_cutoff: int) -> np.ndarray:
    """Active validators: ``last_update + activity_cutoff >= block``.

    Parameters
    ----------
    last_update : array_like of int, shape (n,)
        Last weight-update block per validator.
    block : int
        Current block.
    activity_cutoff : int
        Cutoff in blocks.

    Returns
    -------
    numpy.ndarray of bool
    """
    lu = _ints(last_update)
    return np.array(
        [lu[i] + int(activity_cutoff) >= int(block) for i in range(len(lu))], dtype=np.bool_
    )


def active_stake(
    stake_weights: ArrayLike, active: ArrayLike, validator_permit: ArrayLike
) -> np.ndarray:
    """Normalized stake of the rows that are both active and permitted.

    Parameters
    ----------
    stake_weights : array_like, shape (n,)
        ``S``.
    active, validator_permit : array_like of bool, shape (n,)
        Masks.

    Returns
    -------
    numpy.ndarray
    """
    s = _vec(stake_weights)
    n = s.shape[0]
    act = _bools(active, n, True)
    permit = _bools(validator_permit, n, True)
    kept = np.zeros(n)
    for i in range(n):
        if act[i] and permit[i]:
            kept[i] = s[i]
    return normalize(kept)


# --------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------


def weight_mask(
    shape: tuple[int, int],
    validator_permit: ArrayLike,
    *,
    owner_uid: int | None = None,
    last_update: ArrayLike | None = None,
    block_at_registration: ArrayLike | None = None,
    commit_block: ArrayLike | None = None,
) -> np.ndarray:
    """Which weight entries an epoch keeps (permit, self-weight, outdated, commit rules).

    Parameters
    ----------
    shape : tuple of int
        ``(n_rows, n_cols)``.
    validator_permit : array_like of bool, shape (n_rows,)
        Previous permits.
    owner_uid : int, optional
        The owner keeps its self-weight.
    last_update : array_like of int, shape (n_rows,), optional
        Last weight-update block per row.
    block_at_registration : array_like of int, shape (n_cols,), optional
        Registration block per column; the block rules apply only when given.
    commit_block : array_like of int, shape (n_rows,), optional
        Smallest commit block per row.

    Returns
    -------
    numpy.ndarray of bool, shape (n_rows, n_cols)
    """
    n_rows, n_cols = int(shape[0]), int(shape[1])
    permit = _bools(validator_permit, n_rows, True)
    lu = None if last_update is None else _ints(last_update)
    bar = None if block_at_registration is None else _ints(block_at_registration)
    cb = None if commit_block is None else _ints(commit_block)
    keep = np.zeros((n_rows, n_cols), dtype=np.bool_)
    for i in range(n_rows):
        for j in range(n_cols):
            ok = permit[i]
            if n_rows == n_cols and i == j:
                is_owner = owner_uid is not None and i == int(owner_uid)
                ok = ok and is_owner
            if bar is not None:
                if lu is not None and lu[i] <= bar[j]:
                    ok = False
                if cb is not None and cb[i] < bar[j]:
                    ok = False
            keep[i, j] = ok
    return keep


def mask_weights(weights: ArrayLike, mask: ArrayLike) -> np.ndarray:
    """Zero the masked-out entries, then row-normalize.

    Parameters
    ----------
    weights : array_like, shape (n_rows, n_cols)
        Raw weights.
    mask : array_like of bool, shape (n_rows, n_cols)
        Entries to keep.

    Returns
    -------
    numpy.ndarray
    """
    w = _mat(weights)
    m = np.asarray(mask)
    kept = np.zeros(w.shape)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            if m[i, j]:
                kept[i, j] = w[i, j]
    return row_normalize(kept)


# --------------------------------------------------------------------------------------
# Consensus
# --------------------------------------------------------------------------------------


def _kappa_value(units: list[int], scores: list[float], need: int) -> float:
    # The largest score v such that the participants scoring >= v hold >= need units;
    # the smallest score if none does; 0 with no participant. Sort the participants by
    # score, highest first, and walk down one distinct score at a time, adding the units
    # of every participant with that score.
    if not scores:
        return 0.0
    ranked = sorted(zip(scores, units, strict=True), key=lambda p: p[0], reverse=True)
    held = 0
    k = 0
    while k < len(ranked):
        v = ranked[k][0]
        while k < len(ranked) and ranked[k][0] == v:
            held += ranked[k][1]
            k += 1
        if held >= need:
            return v
    return ranked[-1][0]


def weighted_median(stake: ArrayLike, score: ArrayLike, kappa: float) -> float:
    """Stake-weighted kappa-value of one vector of scores (positive stake only).

    Parameters
    ----------
    stake : array_like, shape (m,)
        Stake per entry.
    score : array_like, shape (m,)
        Values.
    kappa : float
        Majority fraction in [0, 1].

    Returns
    -------
    float
    """
    s = _vec(stake)
    x = _vec(score)
    rows = [i for i in range(s.shape[0]) if s[i] > 0.0]
    units = [int(q) for q in stake_units([s[i] for i in rows])]
    return float(_kappa_value(units, [float(x[i]) for i in rows], kappa_units(kappa)))


def weighted_median_col(stake: ArrayLike, weights: ArrayLike, kappa: float) -> np.ndarray:
    """Stake-weighted kappa-value of every column (the consensus ``C``).

    Parameters
    ----------
    stake : array_like, shape (n_rows,)
        Active stake.
    weights : array_like, shape (n_rows, n_cols)
        Weights.
    kappa : float
        Majority fraction in [0, 1].

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
    """
    s = _vec(stake)
    w = _mat(weights)
    rows = [i for i in range(w.shape[0]) if s[i] > 0.0]
    units = [int(q) for q in stake_units([s[i] for i in rows])]
    need = kappa_units(kappa)
    out = np.zeros(w.shape[1])
    for j in range(w.shape[1]):
        out[j] = _kappa_value(units, [float(w[i, j]) for i in rows], need)
    return out


consensus = weighted_median_col
"""Alias: the epoch's consensus step is :func:`weighted_median_col`."""


# --------------------------------------------------------------------------------------
# Clipping, trust, rank, incentive
# --------------------------------------------------------------------------------------


def col_clip(weights: ArrayLike, consensus: ArrayLike) -> np.ndarray:
    """Clip each column at its consensus: ``min(W_ij, C_j)``.

    Parameters
    ----------
    weights : array_like, shape (n_rows, n_cols)
        Weights.
    consensus : array_like, shape (n_cols,)
        ``C``.

    Returns
    -------
    numpy.ndarray
    """
    w = _mat(weights)
    c = _vec(consensus)
    out = np.zeros(w.shape)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            out[i, j] = w[i, j] if w[i, j] < c[j] else c[j]
    return out


def validator_trust(clipped_weights: ArrayLike) -> np.ndarray:
    """Row sums of the clipped weights.

    Parameters
    ----------
    clipped_weights : array_like, shape (n_rows, n_cols)
        ``W_clipped``.

    Returns
    -------
    numpy.ndarray, shape (n_rows,)
    """
    w = _mat(clipped_weights)
    return np.array(
        [_sum(w[i, j] for j in range(w.shape[1])) for i in range(w.shape[0])], dtype=np.float64
    )


def _stake_col_sums(stake, matrix) -> np.ndarray:
    s = _vec(stake)
    m = _mat(matrix)
    out = np.zeros(m.shape[1])
    for j in range(m.shape[1]):
        out[j] = _sum(s[i] * m[i, j] for i in range(m.shape[0]))
    return out


def rank(active_stake: ArrayLike, clipped_weights: ArrayLike) -> np.ndarray:
    """Stake-weighted column sums of the clipped weights: ``R_j = sum_i S_i W_ij``.

    Parameters
    ----------
    active_stake : array_like, shape (n_rows,)
        ``S_act``.
    clipped_weights : array_like, shape (n_rows, n_cols)
        ``W_clipped``.

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
    """
    return _stake_col_sums(active_stake, clipped_weights)


def incentive(rank: ArrayLike) -> np.ndarray:
    """Normalized rank.

    Parameters
    ----------
    rank : array_like, shape (n_cols,)
        ``R``.

    Returns
    -------
    numpy.ndarray
    """
    return normalize(rank)


def trust(active_stake: ArrayLike, weights: ArrayLike, clipped_weights: ArrayLike) -> np.ndarray:
    """Historic trust ``R_j / P_j`` with ``P_j = sum_i S_i W_ij`` (0 where ``P_j = 0``).

    Parameters
    ----------
    active_stake : array_like, shape (n_rows,)
        ``S_act``.
    weights, clipped_weights : array_like, shape (n_rows, n_cols)
        ``W`` and ``W_clipped``.

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
    """
    ranks = _stake_col_sums(active_stake, clipped_weights)
    preranks = _stake_col_sums(active_stake, weights)
    return vecdiv(ranks, preranks)


# --------------------------------------------------------------------------------------
# Bonds
# --------------------------------------------------------------------------------------


def weights_for_bonds(
    weights: ArrayLike, clipped_weights: ArrayLike, bonds_penalty: float
) -> np.ndarray:
    """``W + beta (W_clipped - W)``; exactly ``W`` at beta 0 and ``W_clipped`` at beta 1.

    Parameters
    ----------
    weights, clipped_weights : array_like, shape (n_rows, n_cols)
        ``W`` and ``W_clipped``.
    bonds_penalty : float
        ``beta``.

    Returns
    -------
    numpy.ndarray
    """
    w = _mat(weights)
    c = _mat(clipped_weights)
    beta = float(bonds_penalty)
    out = np.zeros(w.shape)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            if beta == 0.0:
                out[i, j] = w[i, j]
            elif beta == 1.0:
                out[i, j] = c[i, j]
            else:
                out[i, j] = w[i, j] + beta * (c[i, j] - w[i, j])
    return out


def bond_entries(
    listed: ArrayLike,
    weights: ArrayLike,
    consensus: ArrayLike,
    weights_for_bonds: ArrayLike,
    bonds_penalty: float,
) -> np.ndarray:
    """Entries of ``W_b`` held in the chain's sparse storage, starting from the listed ones.

    Parameters
    ----------
    listed : array_like of bool, shape (n_rows, n_cols)
        Listed, unmasked weight entries.
    weights : array_like, shape (n_rows, n_cols)
        ``W``.
    consensus : array_like, shape (n_cols,)
        ``C``.
    weights_for_bonds : array_like, shape (n_rows, n_cols)
        ``W_b``.
    bonds_penalty : float
        ``beta``.

    Returns
    -------
    numpy.ndarray of bool
    """
    lst = np.asarray(listed)
    w = _mat(weights)
    c = _vec(consensus)
    wb = _mat(weights_for_bonds)
    beta = float(bonds_penalty)
    out = np.zeros(w.shape, dtype=np.bool_)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            keep = bool(lst[i, j])
            if beta == 1.0:
                # col_clip_sparse drops an entry clipped to a non-positive consensus.
                if c[j] < w[i, j] and c[j] <= 0.0:
                    keep = False
            elif beta != 0.0:
                # interpolate_sparse keeps only positive values.
                keep = keep and wb[i, j] > 0.0
            out[i, j] = keep
    return out


def bonds_reset_mask(block_at_registration: ArrayLike, last_tempo: int) -> np.ndarray:
    """Columns registered since the last epoch: ``last_tempo <= block_at_registration``.

    Parameters
    ----------
    block_at_registration : array_like of int, shape (n_cols,)
        Registration blocks.
    last_tempo : int
        First block of the current epoch's window.

    Returns
    -------
    numpy.ndarray of bool
    """
    return np.array([int(last_tempo) <= b for b in _ints(block_at_registration)], dtype=np.bool_)


def alpha_sigmoid(
    consensus: ArrayLike,
    weights_for_bonds: ArrayLike,
    bonds: ArrayLike,
    alpha_low: float,
    alpha_high: float,
    steepness: float,
) -> np.ndarray:
    """Liquid alpha 2: a logistic EMA rate per (validator, miner), exponent clamped to +-20.

    Parameters
    ----------
    consensus : array_like, shape (n_cols,)
        ``C``.
    weights_for_bonds, bonds : array_like, shape (n_rows, n_cols)
        ``W_b`` and previous bonds.
    alpha_low, alpha_high : float
        Clamp range.
    steepness : float
        Slope ``k``.

    Returns
    -------
    numpy.ndarray, shape (n_rows, n_cols)
    """
    c = _vec(consensus)
    wb = _mat(weights_for_bonds)
    b = _mat(bonds)
    low, high, k = float(alpha_low), float(alpha_high), float(steepness)
    out = np.zeros(wb.shape)
    for i in range(wb.shape[0]):
        for j in range(wb.shape[1]):
            if wb[i, j] >= b[i, j]:
                d = _clamp(wb[i, j] - c[j], 0.0, 1.0)  # buying above consensus
            else:
                d = _clamp(b[i, j] - wb[i, j], 0.0, 1.0)  # selling below the bond
            exponent = _clamp(-k * (d - 0.5), -20.0, 20.0)
            sigma = 1.0 / (1.0 + math.exp(exponent))
            out[i, j] = _clamp(low + sigma * (high - low), low, high)
    return out


def _quantile_linear(values: list[float], q: float) -> float:
    # numpy's default 'linear' quantile (Hyndman & Fan 7): position h = (n - 1) q in the
    # sorted values, interpolated between its neighbours; numpy evaluates the
    # interpolation from the nearer end (b - (b - a)(1 - t) when t >= 1/2), and so do we.
    xs = sorted(values)
    n = len(xs)
    h = (n - 1) * q
    lo = math.floor(h)
    if h >= n - 1:
        return xs[-1]
    a, b = xs[lo], xs[lo + 1]
    t = h - lo
    if t >= 0.5:
        return b - (b - a) * (1.0 - t)
    return a + (b - a) * t


_I32F32_LIMIT = 2.0**31


def _safe_ln(x: float) -> float:
    # The chain's safe_ln: the logarithm of a non-positive number counts as 0.
    return math.log(x) if x > 0.0 else 0.0


def _ln_odds(alpha: float) -> float:
    """``safe_ln(1 / alpha - 1)``, also for a subnormal alpha.

    Where ``1 / alpha`` overflows, ``ln(1 / alpha - 1) = -ln(alpha)`` to the last bit
    (``1 - alpha`` rounds to 1).
    """
    inverse = 1.0 / alpha
    if math.isinf(inverse):
        return -math.log(alpha)
    return _safe_ln(inverse - 1.0)


def liquid_alpha_v1(consensus: ArrayLike, alpha_low: float, alpha_high: float) -> np.ndarray:
    """Historic liquid alpha: one logistic EMA rate per miner from its consensus.

    Quartiles ``c_hi, c_lo`` of ``C`` (numpy's linear method); ``a = b = 0`` when
    ``c_hi <= c_lo`` or a bound is 0; ``ln`` of a non-positive number is 0; ``a`` and ``b``
    saturate at ``+-2**31``; the rate is ``clamp(1 / (1 + e**(b - a C_j)), low, high)``.

    Parameters
    ----------
    consensus : array_like, shape (n_cols,)
        ``C``.
    alpha_low, alpha_high : float
        Clamp range.

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
    """
    c = [float(v) for v in _vec(consensus)]
    low, high = float(alpha_low), float(alpha_high)
    if not c:
        return np.zeros(0)
    c_high = _quantile_linear(c, 0.75)
    c_low = _quantile_linear(c, 0.25)
    if c_high <= c_low or low == 0.0 or high == 0.0:
        a = b = 0.0
    else:
        ln_high = _ln_odds(high)
        ln_low = _ln_odds(low)
        # a and b saturate at the I32F32 range, as on the chain.
        a = _clamp((ln_high - ln_low) / (c_low - c_high), -_I32F32_LIMIT, _I32F32_LIMIT)
        b = _clamp(ln_low + a * c_low, -_I32F32_LIMIT, _I32F32_LIMIT)
    out = np.zeros(len(c))
    for j, cj in enumerate(c):
        try:
            sigma = 1.0 / (1.0 + math.exp(b - a * cj))
        except OverflowError:  # e^x beyond the float range: 1 / (1 + e^x) is 0
            sigma = 0.0
        out[j] = _clamp(sigma, low, high)
    return out


def load_bonds_yuma2(stored_bonds: ArrayLike) -> np.ndarray:
    """Yuma 2 reads its stored bonds column-normalized.

    Parameters
    ----------
    stored_bonds : array_like, shape (n_rows, n_cols)
        Stored bonds.

    Returns
    -------
    numpy.ndarray
    """
    return col_normalize(stored_bonds)


def store_bonds_yuma2(ema_bonds: ArrayLike) -> np.ndarray:
    """Yuma 2 stores its bonds column max-upscaled.

    Parameters
    ----------
    ema_bonds : array_like, shape (n_rows, n_cols)
        EMA bonds.

    Returns
    -------
    numpy.ndarray
    """
    return col_max_upscale(ema_bonds)


def bonds_ema_yuma2(
    bonds: ArrayLike,
    weights_for_bonds: ArrayLike,
    active_stake: ArrayLike,
    alpha: float | np.ndarray,
) -> np.ndarray:
    """Yuma 2 bonds: ``colnorm(alpha colnorm(W_b * S) + (1 - alpha) B)``.

    Parameters
    ----------
    bonds : array_like, shape (n_rows, n_cols)
        Previous bonds, column-normalized.
    weights_for_bonds : array_like, shape (n_rows, n_cols)
        ``W_b``.
    active_stake : array_like, shape (n_rows,)
        ``S_act``.
    alpha : float or array_like, shape (n_cols,)
        EMA rate, scalar or per column.

    Returns
    -------
    numpy.ndarray
    """
    b = _mat(bonds)
    wb = _mat(weights_for_bonds)
    s = _vec(active_stake)
    n_rows, n_cols = wb.shape
    if np.ndim(alpha) == 0:
        rates = [float(alpha)] * n_cols
    else:
        rates = [float(v) for v in _vec(alpha)]
    scaled = np.zeros(wb.shape)
    for i in range(n_rows):
        for j in range(n_cols):
            scaled[i, j] = wb[i, j] * s[i]
    delta = col_normalize(scaled)
    mixed = np.zeros(wb.shape)
    for i in range(n_rows):
        for j in range(n_cols):
            mixed[i, j] = rates[j] * delta[i, j] + (1.0 - rates[j]) * b[i, j]
    return col_normalize(mixed)


def mat_ema(bonds: ArrayLike, weights_for_bonds: ArrayLike, alpha: float) -> np.ndarray:
    """Plain bonds EMA: ``alpha W_b + (1 - alpha) B``.

    Parameters
    ----------
    bonds, weights_for_bonds : array_like, shape (n_rows, n_cols)
        Previous bonds and ``W_b``.
    alpha : float
        EMA rate.

    Returns
    -------
    numpy.ndarray
    """
    b = _mat(bonds)
    wb = _mat(weights_for_bonds)
    a = float(alpha)
    out = np.zeros(wb.shape)
    for i in range(wb.shape[0]):
        for j in range(wb.shape[1]):
            out[i, j] = a * wb[i, j] + (1.0 - a) * b[i, j]
    return out


def mat_ema_alpha(
    bonds: ArrayLike,
    weights_for_bonds: ArrayLike,
    alpha: ArrayLike,
    entries: ArrayLike | None = None,
) -> np.ndarray:
    """Per-element EMA clamped to 1 on the stored entries; other bonds become 0.

    Parameters
    ----------
    bonds, weights_for_bonds, alpha : array_like, shape (n_rows, n_cols)
        Previous bonds, ``W_b`` and the rates.
    entries : array_like of bool, shape (n_rows, n_cols), optional
        Stored entries of ``W_b``; None means every cell.

    Returns
    -------
    numpy.ndarray
    """
    b = _mat(bonds)
    wb = _mat(weights_for_bonds)
    a = _mat(alpha)
    e = None if entries is None else np.asarray(entries)
    out = np.zeros(wb.shape)
    for i in range(wb.shape[0]):
        for j in range(wb.shape[1]):
            if e is not None and not e[i, j]:
                continue
            value = (1.0 - a[i, j]) * b[i, j] + max(0.0, a[i, j] * wb[i, j])
            out[i, j] = min(1.0, value)
    return out


def _row_dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    return np.array(
        [
            _sum(matrix[i, j] * vector[j] for j in range(matrix.shape[1]))
            for i in range(matrix.shape[0])
        ],
        dtype=np.float64,
    )


def dividends_yuma2(ema_bonds: ArrayLike, incentive: ArrayLike) -> np.ndarray:
    """Yuma 2 dividends ``N(B_ema I)``.

    Parameters
    ----------
    ema_bonds : array_like, shape (n_rows, n_cols)
        EMA bonds.
    incentive : array_like, shape (n_cols,)
        ``I``.

    Returns
    -------
    numpy.ndarray, shape (n_rows,)
    """
    return normalize(_row_dot(_mat(ema_bonds), _vec(incentive)))


def dividends_yuma3(
    ema_bonds: ArrayLike, incentive: ArrayLike, active_stake: ArrayLike
) -> np.ndarray:
    """Yuma 3 dividends ``N(S_act * (colnorm(B) I))``.

    Parameters
    ----------
    ema_bonds : array_like, shape (n_rows, n_cols)
        Bonds.
    incentive : array_like, shape (n_cols,)
        ``I``.
    active_stake : array_like, shape (n_rows,)
        ``S_act``.

    Returns
    -------
    numpy.ndarray, shape (n_rows,)
    """
    per_row = _row_dot(col_normalize(ema_bonds), _vec(incentive))
    s = _vec(active_stake)
    return normalize(np.array([s[i] * per_row[i] for i in range(s.shape[0])], dtype=np.float64))


# --------------------------------------------------------------------------------------
# Emission
# --------------------------------------------------------------------------------------


def emission_split(
    incentive: ArrayLike,
    dividends: ArrayLike,
    stake_weights: ArrayLike,
    active_stake: ArrayLike,
    *,
    square: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Server, validator and per-UID emission shares, with the zero-emission fallback.

    Parameters
    ----------
    incentive : array_like, shape (n_cols,)
        ``I``.
    dividends, stake_weights, active_stake : array_like, shape (n_rows,)
        ``D``, ``S`` and ``S_act``.
    square : bool
        Square form (``E = I + D``) or rectangular (validators, then miners).

    Returns
    -------
    server_emission, validator_emission, emission : numpy.ndarray
    """
    inc = [float(v) for v in _vec(incentive)]
    div = [float(v) for v in _vec(dividends)]
    if square:
        if len(inc) != len(div):
            raise ValueError("incentive and dividends must have the same length when square")
        combined = [inc[k] + div[k] for k in range(len(inc))]
    else:
        combined = div + inc
    total = _sum(combined)
    if total > 0.0:
        return (
            np.array([v / total for v in inc], dtype=np.float64),
            np.array([v / total for v in div], dtype=np.float64),
            np.array([v / total for v in combined], dtype=np.float64),
        )
    act = [float(v) for v in _vec(active_stake)]
    any_active = False
    for v in act:
        if v > 0.0:
            any_active = True
    validator = act if any_active else [float(v) for v in _vec(stake_weights)]
    server = [0.0] * len(inc)
    emission = validator if square else validator + server
    return (
        np.array(server, dtype=np.float64),
        np.array(validator, dtype=np.float64),
        np.array(emission, dtype=np.float64),
    )


# --------------------------------------------------------------------------------------
# Epoch
# --------------------------------------------------------------------------------------

_DEFAULTS = {
    "kappa": 32767 / 65535,
    "bonds_moving_average": 0.9,
    "bonds_penalty": 1.0,
    "liquid_alpha": False,
    "alpha_low": 0.7,
    "alpha_high": 0.9,
    "alpha_sigmoid_steepness": 10.0,
    "variant": "yuma3",
    "max_allowed_validators": 64,
    "liquid_alpha_consensus_mode": "auto",
}
_VARIANTS = ("yuma2", "yuma2_liquid_alpha_v1", "yuma3")


def epoch(
    weights: ArrayLike,
    stake: ArrayLike,
    bonds: ArrayLike | None = None,
    *,
    params=None,
    variant: str | None = None,
    active: ArrayLike | None = None,
    validator_permit: ArrayLike | None = None,
    last_update: ArrayLike | None = None,
    block_at_registration: ArrayLike | None = None,
    commit_block: ArrayLike | None = None,
    last_tempo: int | None = None,
    reset_bonds: ArrayLike | None = None,
    listed: ArrayLike | None = None,
    owner_uid: int | None = None,
    stake_threshold: float = 0.0,
    previous_consensus: ArrayLike | None = None,
    arithmetic: str = "float",
) -> dict:
    """Run one epoch of a built-in variant, step by step, the slow way.

    Parameters
    ----------
    weights : array_like, shape (n_rows, n_cols)
        Raw weights (square: the chain's form).
    stake : array_like, shape (n_rows,)
        Raw stake.
    bonds : array_like, shape (n_rows, n_cols), optional
        Bonds the previous epoch returned.
    params : object, optional
        Anything with the attributes of ``yuma.YumaParams`` (defaults when None).
    variant : str, optional
        ``"yuma2"``, ``"yuma2_liquid_alpha_v1"`` or ``"yuma3"``; overrides
        ``params.variant``.
    active, validator_permit : array_like of bool, shape (n_rows,), optional
        Activity mask and previous permits (None: all true).
    last_update, commit_block : array_like of int, shape (n_rows,), optional
        Block rules of :func:`weight_mask`.
    block_at_registration : array_like of int, shape (n_cols,), optional
        Registration blocks.
    last_tempo : int, optional
        Bonds of columns with ``last_tempo <= block_at_registration`` are reset.
    reset_bonds : array_like of bool, shape (n_cols,), optional
        Columns whose previous bonds are reset.
    listed : array_like of bool, shape (n_rows, n_cols), optional
        Listed weight entries (None: all); positive weights always count as listed.
    owner_uid : int, optional
        The subnet owner.
    stake_threshold : float
        Minimum raw stake counted.
    previous_consensus : array_like, optional
        Consensus stored by the previous epoch; the Yuma 3 liquid-alpha sigmoid reads it
        when the consensus mode says so (``"previous"``, or ``"auto"`` with
        ``bonds_penalty == 1``). Entries past its end take the current consensus.
    arithmetic : {"float"}
        The reference is the float path only (the fixed-point path has its own twin in
        ``tests/test_chain.py``).

    Returns
    -------
    dict
        One key per field of ``yuma.EpochResult``.
    """
    if arithmetic != "float":
        raise ValueError(f"the reference runs arithmetic='float' only, got {arithmetic!r}")
    p = _epoch_settings(params, variant)
    w_raw = _mat(weights)
    n_rows, n_cols = w_raw.shape
    is_active = _bools(active, n_rows, True)
    permit_old = _bools(validator_permit, n_rows, True)
    owner = None if owner_uid is None else int(owner_uid)
    reset = _columns_to_reset(reset_bonds, n_cols, last_tempo, block_at_registration)

    # Stake, permits, active stake.
    if owner is not None:
        permit_old[owner] = True
    stake_w = stake_weights(_vec(stake), stake_threshold=stake_threshold, owner_uid=owner)
    permit_new = validator_permits(stake_w, p["max_allowed_validators"], owner_uid=owner)
    act_stake = active_stake(stake_w, is_active, permit_old)

    # Weights, consensus, clipping, rank, incentive.
    keep = weight_mask(
        (n_rows, n_cols), permit_old, owner_uid=owner, last_update=last_update,
        block_at_registration=block_at_registration, commit_block=commit_block,
    )
    w = mask_weights(w_raw, keep)
    cons = weighted_median_col(act_stake, w, p["kappa"])
    clipped = col_clip(w, cons)
    ranks = rank(act_stake, clipped)
    inc = incentive(ranks)

    # Bonds (the stored ones, reset columns zeroed) and dividends.
    w_bonds = weights_for_bonds(w, clipped, p["bonds_penalty"])
    stored = _zero_columns(np.zeros((n_rows, n_cols)) if bonds is None else _mat(bonds), reset)
    if p["variant"] == "yuma3":
        entries = bond_entries(
            _listed_and_kept(listed, w_raw, keep), w, cons, w_bonds, p["bonds_penalty"]
        )
        ema, divs, to_store = _bonds_yuma3(
            stored, w_bonds, entries, cons, previous_consensus, inc, act_stake, p
        )
    else:
        ema, divs, to_store = _bonds_yuma2(stored, w_bonds, cons, inc, act_stake, p)
    server, validator, emission = emission_split(
        inc, divs, stake_w, act_stake, square=n_rows == n_cols
    )

    out = {
        "variant": p["variant"], "stake": stake_w, "active": np.array(is_active, dtype=np.bool_),
        "active_stake": act_stake, "weights": w, "consensus": cons, "clipped_weights": clipped,
        "validator_trust": validator_trust(clipped), "rank": ranks,
        "trust": trust(act_stake, w, clipped), "incentive": inc, "weights_for_bonds": w_bonds,
        "ema_bonds": ema, "bonds": _rows_with_permit(to_store, permit_new), "dividends": divs,
        "server_emission": server, "validator_emission": validator, "emission": emission,
        "validator_permit": permit_new,
    }
    return {name: out[name] for name in EPOCH_FIELDS}


def _epoch_settings(params, variant: str | None) -> dict:
    """The hyperparameters an epoch reads (defaults when ``params`` is None), and the variant.

    ``ema_rate`` is ``1 - bonds_moving_average``, the weight of the new bonds.
    """
    def param(name):
        return _DEFAULTS[name] if params is None else getattr(params, name)

    name = param("variant") if variant is None else variant
    if name not in _VARIANTS:
        raise ValueError(f"variant must be one of {_VARIANTS}, got {name!r}")
    return {
        "variant": name,
        "kappa": float(param("kappa")),
        "ema_rate": 1.0 - float(param("bonds_moving_average")),
        "bonds_penalty": float(param("bonds_penalty")),
        "liquid_alpha": bool(param("liquid_alpha")),
        "alpha_low": float(param("alpha_low")),
        "alpha_high": float(param("alpha_high")),
        "alpha_sigmoid_steepness": float(param("alpha_sigmoid_steepness")),
        "max_allowed_validators": int(param("max_allowed_validators")),
        "liquid_alpha_consensus_mode": param("liquid_alpha_consensus_mode"),
    }


def _columns_to_reset(reset_bonds, n_cols: int, last_tempo, block_at_registration) -> list[bool]:
    """Columns whose bonds are reset: those given, and those registered since ``last_tempo``."""
    reset = _bools(reset_bonds, n_cols, False)
    if last_tempo is not None:
        if block_at_registration is None:
            raise ValueError("last_tempo needs block_at_registration")
        newly = bonds_reset_mask(block_at_registration, last_tempo)
        reset = [reset[j] or bool(newly[j]) for j in range(n_cols)]
    return reset


def _zero_columns(matrix: np.ndarray, columns: list[bool]) -> np.ndarray:
    """A copy of ``matrix`` with the marked columns set to 0 (bonds reset)."""
    out = matrix.copy()
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            if columns[j]:
                out[i, j] = 0.0
    return out


def _listed_and_kept(listed, w_raw: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Entries listed (given, or with a positive raw weight) that the weight mask kept."""
    n_rows, n_cols = w_raw.shape
    listed_given = None if listed is None else np.asarray(listed)
    out = np.zeros((n_rows, n_cols), dtype=np.bool_)
    for i in range(n_rows):
        for j in range(n_cols):
            was_listed = listed_given is None or bool(listed_given[i, j]) or w_raw[i, j] > 0.0
            out[i, j] = was_listed and bool(keep[i, j])
    return out


def _alpha_consensus(cons: np.ndarray, previous_consensus, p: dict) -> list[float]:
    """The consensus Yuma 3's liquid alpha reads: this epoch's, or the stored one.

    The stored (previous) consensus is read under mode ``"previous"``, or ``"auto"`` with
    ``bonds_penalty == 1``; entries past its end take this epoch's.
    """
    mode = p["liquid_alpha_consensus_mode"]
    use_previous = mode == "previous" or (mode == "auto" and p["bonds_penalty"] == 1.0)
    alpha_cons = [float(c) for c in cons]
    if use_previous and previous_consensus is not None:
        prev = [float(v) for v in np.asarray(previous_consensus).reshape(-1)]
        for j in range(min(len(prev), len(alpha_cons))):
            alpha_cons[j] = prev[j]
    return alpha_cons


def _bonds_yuma3(stored, w_bonds, entries, cons, previous_consensus, inc, act_stake, p: dict):
    """Yuma 3: EMA of the stored bonds (liquid alpha per entry when on), dividends.

    Returns the EMA bonds, the dividends and the bonds to store (the EMA bonds).
    """
    b = stored.copy()
    alpha_cons = _alpha_consensus(cons, previous_consensus, p)
    any_consensus = False
    for c in alpha_cons:
        if c != 0.0:
            any_consensus = True
    if p["liquid_alpha"] and any_consensus:
        rates = alpha_sigmoid(
            np.array(alpha_cons), w_bonds, b, p["alpha_low"], p["alpha_high"],
            p["alpha_sigmoid_steepness"],
        )
        ema = mat_ema_alpha(b, w_bonds, rates, entries)
    else:
        ema = mat_ema(b, w_bonds, p["ema_rate"])
    divs = dividends_yuma3(ema, inc, act_stake)
    return ema, divs, ema.copy()


def _bonds_yuma2(stored, w_bonds, cons, inc, act_stake, p: dict):
    """Yuma 2: load, stake-weighted EMA (liquid alpha v1 per column when on), dividends.

    Returns the EMA bonds, the dividends and the bonds to store (column max-upscaled).
    """
    b = load_bonds_yuma2(stored)
    rate = p["ema_rate"]
    if p["variant"] == "yuma2_liquid_alpha_v1" and p["liquid_alpha"] and any(
        v != 0.0 for v in cons
    ):
        c_high = _quantile_linear([float(v) for v in cons], 0.75)
        c_low = _quantile_linear([float(v) for v in cons], 0.25)
        if c_high > c_low or c_high != 0.0 or c_low < 0.0:  # the chain's condition
            rate = liquid_alpha_v1(cons, p["alpha_low"], p["alpha_high"])
    ema = bonds_ema_yuma2(b, w_bonds, act_stake, rate)
    divs = dividends_yuma2(ema, inc)
    return ema, divs, store_bonds_yuma2(ema)


def _rows_with_permit(to_store: np.ndarray, permit_new) -> np.ndarray:
    """The storage rule: a row with a new permit stores its new bonds, every other row 0.

    The chain writes every UID's row, empty when there is no new permit.
    """
    n_rows, n_cols = to_store.shape
    out = np.zeros((n_rows, n_cols))
    for i in range(n_rows):
        for j in range(n_cols):
            if permit_new[i]:
                out[i, j] = to_store[i, j]
    return out

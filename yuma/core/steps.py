r"""One pure function per step of a Yuma epoch, in the chain's order.

Each public function validates its arguments, works on fresh copies and returns new
arrays; a private twin (leading underscore) does the work on already validated data and
is what :func:`yuma.epoch` calls. :mod:`yuma.core.reference` mirrors every public name here
with a slow, obviously-correct implementation.

Shapes: ``weights`` is (n_rows, n_cols). Rows are weight setters (validators), columns are
weight receivers. A square matrix is the chain's form (row i and column i are the same UID).

Chain references are to ``opentensor/subtensor``, ``pallets/subtensor/src/epoch/``
(``run_epoch.rs``: ``epoch_mechanism``; ``math.rs``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .._validation import (
    U64_MAX,
    as_block,
    as_block_vector,
    as_mask,
    as_mask_matrix,
    as_matrix,
    as_real_scalar,
    as_shape,
    as_uid,
    as_unit_interval,
    as_vector,
)
from ..ops import (
    _SAFE_MAX,
    _as_count,
    col_max_upscale,
    col_normalize,
    is_topk_nonzero,
    normalize,
    prescale_power_of_two,
    row_normalize,
)
from . import _kernels

if TYPE_CHECKING:
    from ..params import YumaParams

__all__ = [
    "STAKE_UNIT_BITS",
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
]

STAKE_UNIT_BITS = 52
"""Consensus counts stake in integer units of ``2**-52`` of the participating stake.

Sums of stake in the weighted median are therefore exact integers, independent of the
order of summation, so ties and the kappa boundary are decided exactly and identically by
the kernel and the reference. (The chain counts in units of ``2**-32``: I32F32.)
"""
_STAKE_SCALE = float(2**STAKE_UNIT_BITS)

# --------------------------------------------------------------------------------------
# Stake
# --------------------------------------------------------------------------------------


def stake_units(stake: ArrayLike) -> np.ndarray:
    r"""Integer stake of each participant, in units of ``2**-52`` of their total.

    .. math:: q_i = \operatorname{rint}\left(2^{52} \operatorname{fl}(s_i / T)\right),
       \quad T = \operatorname{fl}\bigl(\textstyle\sum_k s_k\bigr)

    where ``fl`` rounds to the nearest float64: ``T`` is the correctly rounded sum
    (``math.fsum``), so the units do not depend on the order of the entries, and
    ``s_i / T`` is one IEEE division. Stakes so large that their sum overflows are first
    scaled by a power of two, which changes no unit.

    Parameters
    ----------
    stake : array_like, shape (m,)
        Stake of the participants (all > 0 in consensus; zeros give 0 units).

    Returns
    -------
    numpy.ndarray of int64
        Zeros when the total is 0.
    """
    return _stake_units(np.ascontiguousarray(stake, dtype=np.float64))


def _stake_units(s: np.ndarray) -> np.ndarray:
    if _kernels.largest_magnitude(s) >= _SAFE_MAX:
        s = prescale_power_of_two(s)
    total = math.fsum(s.tolist())
    units = np.zeros(s.shape[0], dtype=np.int64)
    if total > 0.0:
        _kernels.units_from_shares(s, total, _STAKE_SCALE, units)
    return units


def kappa_units(kappa: float) -> int:
    r"""Stake (in :func:`stake_units`) that must meet a value for it to be consensus.

    .. math:: K = \lceil 2^{52} \kappa \rceil

    (exact: ``kappa * 2**52`` is a float product by a power of two).

    Parameters
    ----------
    kappa : float
        Majority fraction in [0, 1].

    Returns
    -------
    int
    """
    return int(math.ceil(kappa * _STAKE_SCALE))


def stake_weights(
    stake: ArrayLike, *, stake_threshold: float = 0.0, owner_uid: int | None = None
) -> np.ndarray:
    r"""Normalized stake after the stake threshold: the chain's ``S``.

    .. math:: S = N(\tilde s), \quad \tilde s_i = s_i \,[s_i \ge \theta \lor i = \text{owner}]

    Parameters
    ----------
    stake : array_like, shape (n,)
        Raw stake per row (any unit; chain: alpha + tao_weight * tao).
    stake_threshold : float
        Minimum raw stake counted (chain: ``StakeThreshold``); the subnet owner is exempt.
    owner_uid : int, optional
        The subnet owner's UID.

    Returns
    -------
    numpy.ndarray
        ``S``, summing to 1 (all zeros when no stake passes).
    """
    s = as_vector(stake, "stake")
    threshold = as_real_scalar(stake_threshold, "stake_threshold")
    if threshold < 0:
        raise ValueError(
            f"stake_threshold must be a finite non-negative number, got {stake_threshold!r}"
        )
    owner = as_uid(owner_uid, "owner_uid", n=s.shape[0])
    return _stake_weights(s, threshold, owner)


def _stake_weights(stake: np.ndarray, stake_threshold: float, owner: int | None) -> np.ndarray:
    kept = stake >= stake_threshold
    if owner is not None:
        kept[owner] = True
    return normalize(np.where(kept, stake, 0.0))


def validator_permits(
    stake_weights: ArrayLike, max_allowed_validators: int, *, owner_uid: int | None = None
) -> np.ndarray:
    """New validator permits: the top-k non-zero stakes, plus the subnet owner.

    Ties at the cut favour the higher UID (a stable ascending sort drops the lowest UIDs
    first). A zero stake never gets a permit, except the owner's.

    Parameters
    ----------
    stake_weights : array_like, shape (n,)
        ``S`` from :func:`stake_weights`.
    max_allowed_validators : int
        ``k`` (chain: ``MaxAllowedValidators``).
    owner_uid : int, optional
        The subnet owner's UID (always permitted).

    Returns
    -------
    numpy.ndarray of bool
        Chain: ``is_topk_nonzero`` then ``new_validator_permits[owner] = true``.
    """
    s = as_vector(stake_weights, "stake_weights")
    owner = as_uid(owner_uid, "owner_uid", n=s.shape[0])
    k = _as_count(max_allowed_validators, "max_allowed_validators")
    return _validator_permits(s, k, owner)


def _validator_permits(stake_weights: np.ndarray, k: int, owner: int | None) -> np.ndarray:
    permits = is_topk_nonzero(stake_weights, k)
    if owner is not None:
        permits[owner] = True
    return permits


def activity_mask(last_update: ArrayLike, block: int, activity_cutoff: int) -> np.ndarray:
    """Which validators are active: ``last_update + activity_cutoff >= block``.

    Parameters
    ----------
    last_update : array_like of int, shape (n,)
        Block of each validator's last weight update (chain: ``LastUpdate``).
    block : int
        Current block.
    activity_cutoff : int
        Chain: ``max(1, ActivityCutoffFactorMilli * tempo / 1000)`` at HEAD.

    Returns
    -------
    numpy.ndarray of bool
        Chain: ``inactive = last_update + activity_cutoff < block`` (strict), negated.
    """
    lu = as_block_vector(last_update, "last_update", length=None)
    block = as_block(block, "block")
    cutoff = np.uint64(as_block(activity_cutoff, "activity_cutoff"))
    # last_update.saturating_add(activity_cutoff), as the chain's u64 arithmetic
    reach = np.where(lu > np.uint64(U64_MAX) - cutoff, np.uint64(U64_MAX), lu + cutoff)
    result: np.ndarray = reach >= np.uint64(block)
    return result


def active_stake(
    stake_weights: ArrayLike, active: ArrayLike, validator_permit: ArrayLike
) -> np.ndarray:
    r"""Stake of the active, permitted validators, normalized: the chain's ``active_stake``.

    .. math:: S^{act} = N(S \odot a \odot p)

    Parameters
    ----------
    stake_weights : array_like, shape (n,)
        ``S``.
    active : array_like of bool, shape (n,)
        Activity mask.
    validator_permit : array_like of bool, shape (n,)
        Permits stored by the previous epoch (they mask the current one).

    Returns
    -------
    numpy.ndarray
        Zeros where masked; sums to 1 unless everything is masked.
    """
    s = as_vector(stake_weights, "stake_weights")
    n = s.shape[0]
    a = as_mask(active, "active", length=n)
    p = as_mask(validator_permit, "validator_permit", length=n)
    return _active_stake(s, a, p)


def _active_stake(stake_weights: np.ndarray, active: np.ndarray, permit: np.ndarray) -> np.ndarray:
    return normalize(np.where(active & permit, stake_weights, 0.0))


class StakeTerms(NamedTuple):
    """The stake side of one epoch, in the chain's order (see :func:`stake_terms`)."""

    stake: np.ndarray
    """``S``: stake weights (threshold applied, normalized)."""
    permit_old: np.ndarray
    """Permits stored by the previous epoch, the owner's forced on."""
    permit_new: np.ndarray
    """New permits: top-k of ``S`` plus the owner."""
    active_stake: np.ndarray
    """``S_act = N(S * active * permit_old)``."""


def stake_terms(
    raw_stake: np.ndarray, stake_threshold: float, owner: int | None,
    max_allowed_validators: int, active: np.ndarray, validator_permit: np.ndarray,
) -> StakeTerms:
    r"""Stake weights, old and new permits, and active stake of one epoch (checked inputs).

    .. math:: S = N(s \odot [s \ge \theta]), \quad p' = \mathrm{topk}(S), \quad
              S^{act} = N(S \odot a \odot p)

    The owner is exempt from the threshold and always permitted (old and new).

    Parameters
    ----------
    raw_stake : numpy.ndarray
        Raw stake ``s``.
    stake_threshold : float
        ``theta``, in the unit of ``raw_stake``.
    owner : int or None
        The subnet owner's UID.
    max_allowed_validators : int
        ``k``.
    active, validator_permit : numpy.ndarray of bool
        Activity and the previous epoch's permits.

    Returns
    -------
    StakeTerms
    """
    permit_old = validator_permit.copy()
    if owner is not None:
        permit_old[owner] = True
    stake = _stake_weights(raw_stake, stake_threshold, owner)
    permit_new = _validator_permits(stake, max_allowed_validators, owner)
    return StakeTerms(stake, permit_old, permit_new, _active_stake(stake, active, permit_old))


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
    """Which weight entries the epoch keeps.

    An entry (i, j) is dropped when (chain order):

    1. row i has no (previous-epoch) validator permit;
    2. it is a self-weight (square form only; the subnet owner keeps its own);
    3. ``last_update[i] <= block_at_registration[j]``: the validator has not set weights
       since UID j (re)registered (chain: ``vec_mask_sparse_matrix`` on outdated weights);
    4. ``commit_block[i] < block_at_registration[j]`` (commit-reveal subnets only).

    Parameters
    ----------
    shape : tuple of int
        ``(n_rows, n_cols)`` of the weight matrix.
    validator_permit : array_like of bool, shape (n_rows,)
        Permits stored by the previous epoch.
    owner_uid : int, optional
        The subnet owner's UID (keeps its self-weight).
    last_update : array_like of int, shape (n_rows,), optional
        Block of each validator's last weight update.
    block_at_registration : array_like of int, shape (n_cols,), optional
        Registration block of each UID. Rules 3 and 4 apply only when it is given.
    commit_block : array_like of int, shape (n_rows,), optional
        Smallest non-expired commit block per validator (chain: u64::MAX if none).

    Returns
    -------
    numpy.ndarray of bool, shape (n_rows, n_cols)
    """
    n_rows, n_cols = as_shape(shape, "shape")
    permit = as_mask(validator_permit, "validator_permit", length=n_rows)
    owner = as_uid(owner_uid, "owner_uid", n=max(n_rows, 1)) if owner_uid is not None else None
    lu = None if last_update is None else as_block_vector(last_update, "last_update", length=n_rows)
    bar = (
        None
        if block_at_registration is None
        else as_block_vector(block_at_registration, "block_at_registration", length=n_cols)
    )
    cb = (
        None
        if commit_block is None
        else as_block_vector(commit_block, "commit_block", length=n_rows)
    )
    return _weight_mask(n_rows, n_cols, permit, owner, lu, bar, cb)


def _weight_mask(
    n_rows: int, n_cols: int, permit: np.ndarray, owner: int | None, last_update: np.ndarray | None,
    bar: np.ndarray | None, commit_block: np.ndarray | None, row_uids: np.ndarray | None = None
) -> np.ndarray:
    # row_uids: the UIDs of the rows when only some rows of a square matrix are passed
    # (the epoch drops rows that cannot matter); the diagonal is then (k, row_uids[k]).
    keep = np.repeat(permit[:, None], n_cols, axis=1)
    if row_uids is None and n_rows == n_cols:
        row_uids = np.arange(n_rows)
    if row_uids is not None:
        idx = np.arange(n_rows)
        keep[idx, row_uids] = False
        if owner is not None:
            own = np.flatnonzero(row_uids == owner)
            keep[own, owner] = permit[own]
    if bar is not None:
        if last_update is not None:
            keep &= last_update[:, None] > bar[None, :]
        if commit_block is not None:
            keep &= commit_block[:, None] >= bar[None, :]
    return keep


def mask_weights(weights: ArrayLike, mask: ArrayLike) -> np.ndarray:
    r"""Apply a :func:`weight_mask` and row-normalize: the epoch's ``weights``.

    .. math:: W_{ij} \leftarrow \frac{m_{ij} W_{ij}}{\sum_k m_{ik} W_{ik}}
       \quad \text{(rows summing to 0 stay 0)}

    Parameters
    ----------
    weights : array_like, shape (n_rows, n_cols)
        Raw weights (any non-negative scale per row, e.g. the chain's u16).
    mask : array_like of bool, shape (n_rows, n_cols)
        Entries to keep.

    Returns
    -------
    numpy.ndarray
        Chain: ``inplace_row_normalize_sparse`` after the masks.
    """
    w = as_matrix(weights, "weights")
    m = as_mask_matrix(mask, "mask", shape=w.shape)
    return row_normalize(np.where(m, w, 0.0))


# --------------------------------------------------------------------------------------
# Consensus
# --------------------------------------------------------------------------------------


def weighted_median(stake: ArrayLike, score: ArrayLike, kappa: float) -> float:
    r"""Stake-weighted kappa-value of one column: the chain's ``weighted_median``.

    Only entries with positive stake take part. With :func:`stake_units` ``q`` and
    :func:`kappa_units` ``K``:

    .. math:: C = \max\{ v \in \text{scores} : \textstyle\sum_{i:\, x_i \ge v} q_i \ge K \}

    i.e. the largest score that validators holding at least ``kappa`` of the stake meet or
    exceed. If no score qualifies (``kappa`` above the counted stake) the smallest score is
    returned; with no participant, 0. (Chain: ``minority = stake_sum - kappa``, the
    smallest ``v`` whose stake at or below it exceeds ``minority``: the same value.)

    Parameters
    ----------
    stake : array_like, shape (m,)
        Stake per entry (normalized internally over the positive entries).
    score : array_like, shape (m,)
        Values.
    kappa : float
        Majority fraction in [0, 1].

    Returns
    -------
    float
    """
    s = as_vector(stake, "stake")
    x = as_vector(score, "score", length=s.shape[0], nonnegative=False)
    k = as_unit_interval(kappa, "kappa")
    out = np.empty(1)
    _weighted_median_col(s, x[:, None], k, out)
    return float(out[0])


def weighted_median_col(stake: ArrayLike, weights: ArrayLike, kappa: float) -> np.ndarray:
    r"""Stake-weighted kappa-value of every column: the chain's ``weighted_median_col``.

    For each column j, over the rows with positive stake (a row with no entry counts as
    weight 0), :math:`C_j = \max\{v : \sum_{i: W_{ij} \ge v} q_i \ge K\}` as in
    :func:`weighted_median`. Rows with zero stake take no part and cost nothing.

    Parameters
    ----------
    stake : array_like, shape (n_rows,)
        Active stake per row.
    weights : array_like, shape (n_rows, n_cols)
        Row-normalized weights.
    kappa : float
        Majority fraction in [0, 1] (chain: ``Kappa / 65535``).

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
        Consensus ``C`` (all 0 when no row has stake).

    Examples
    --------
    In the second column the validator with half the stake alone meets 0.9, and half is
    enough for ``kappa = 0.5``:

    >>> w = np.array([[0.1, 0.9], [0.5, 0.5], [0.3, 0.7]])
    >>> weighted_median_col([0.5, 0.3, 0.2], w, 0.5).tolist()
    [0.3, 0.9]
    """
    w = as_matrix(weights, "weights")
    s = as_vector(stake, "stake", length=w.shape[0])
    k = as_unit_interval(kappa, "kappa")
    out = np.empty(w.shape[1])
    _weighted_median_col(s, w, k, out)
    return out


def _weighted_median_col(
    stake: np.ndarray, weights: np.ndarray, kappa: float, out: np.ndarray
) -> None:
    rows, staked = _kernels.positive_rows(stake)
    units = _stake_units(staked)
    need = kappa_units(kappa)
    kernel = (
        _kernels.weighted_median_col_parallel
        if _kernels.use_parallel(rows.shape[0] * weights.shape[1])
        else _kernels.weighted_median_col_serial
    )
    kernel(weights, rows, units, np.int64(need), *_kernels.median_plan(units, need), out)


consensus = weighted_median_col
"""Alias: the epoch's consensus step is :func:`weighted_median_col`."""


# --------------------------------------------------------------------------------------
# Clipping, trust, rank, incentive
# --------------------------------------------------------------------------------------


def col_clip(weights: ArrayLike, consensus: ArrayLike) -> np.ndarray:
    r"""Clip each column at its consensus: :math:`\bar W_{ij} = \min(W_{ij}, C_j)`.

    Parameters
    ----------
    weights : array_like, shape (n_rows, n_cols)
        Weights.
    consensus : array_like, shape (n_cols,)
        Consensus ``C``.

    Returns
    -------
    numpy.ndarray
        Chain: ``col_clip_sparse`` (which removes an entry clipped to 0; the value is the
        same).
    """
    w = as_matrix(weights, "weights", nonnegative=False)
    c = as_vector(consensus, "consensus", length=w.shape[1], nonnegative=False)
    return _col_clip(w, c)


def _col_clip(weights: np.ndarray, consensus: np.ndarray) -> np.ndarray:
    clipped = np.empty_like(weights)
    kernel = (
        _kernels.col_clip_parallel
        if _kernels.use_parallel(weights.size)
        else _kernels.col_clip_serial
    )
    kernel(weights, consensus, clipped)
    return clipped


def validator_trust(clipped_weights: ArrayLike) -> np.ndarray:
    r"""Validator trust: the weight a validator keeps after clipping, :math:`\sum_j \bar W_{ij}`.

    Parameters
    ----------
    clipped_weights : array_like, shape (n_rows, n_cols)
        ``W_clipped``.

    Returns
    -------
    numpy.ndarray, shape (n_rows,)
        Chain: ``validator_trust = row_sum_sparse(clipped_weights)``; stored as
        ``ValidatorTrust`` (u16).
    """
    return _validator_trust(as_matrix(clipped_weights, "clipped_weights", nonnegative=False))


def _validator_trust(clipped: np.ndarray) -> np.ndarray:
    result: np.ndarray = clipped.sum(axis=1)
    return result


def rank(active_stake: ArrayLike, clipped_weights: ArrayLike) -> np.ndarray:
    r"""Stake-weighted column sums of the clipped weights.

    .. math:: R_j = \sum_i S^{act}_i \bar W_{ij}

    Parameters
    ----------
    active_stake : array_like, shape (n_rows,)
        ``S_act``.
    clipped_weights : array_like, shape (n_rows, n_cols)
        ``W_clipped``.

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
        Chain: ``ranks = matmul_sparse(clipped_weights, active_stake)``. Sums run over rows
        in UID order.
    """
    w = as_matrix(clipped_weights, "clipped_weights", nonnegative=False)
    s = as_vector(active_stake, "active_stake", length=w.shape[0])
    return _stake_weighted_col_sums(w, s)


def _stake_weighted_col_sums(matrix: np.ndarray, stake: np.ndarray) -> np.ndarray:
    out = np.empty(matrix.shape[1])
    kernel = (
        _kernels.stake_weighted_col_sums_parallel
        if _kernels.use_parallel(int(np.count_nonzero(stake)) * matrix.shape[1])
        else _kernels.stake_weighted_col_sums_serial
    )
    kernel(matrix, stake, out)
    return out


def incentive(rank: ArrayLike) -> np.ndarray:
    """Incentive: the normalized rank, ``I = N(R)``.

    Parameters
    ----------
    rank : array_like, shape (n_cols,)
        ``R``.

    Returns
    -------
    numpy.ndarray
        Chain: ``incentive = ranks; inplace_normalize(incentive)``; stored as ``Incentive``.
    """
    return normalize(as_vector(rank, "rank"))


def trust(active_stake: ArrayLike, weights: ArrayLike, clipped_weights: ArrayLike) -> np.ndarray:
    r"""Historic trust: the share of a miner's stake-weighted support that survives clipping.

    .. math::
        T_j = R_j / P_j, \quad P_j = \sum_i S^{act}_i W_{ij}, \quad T_j = 0 \text{ if } P_j = 0

    Removed from the chain on 2025-10-29; kept here for analysis and older data.

    Parameters
    ----------
    active_stake : array_like, shape (n_rows,)
        ``S_act``.
    weights : array_like, shape (n_rows, n_cols)
        ``W`` (masked, row-normalized).
    clipped_weights : array_like, shape (n_rows, n_cols)
        ``W_clipped``.

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
        Chain (historic): ``trust = vecdiv(ranks, preranks)``.
    """
    w = as_matrix(weights, "weights")
    c = as_matrix(clipped_weights, "clipped_weights", shape=w.shape)
    s = as_vector(active_stake, "active_stake", length=w.shape[0])
    return _trust(_stake_weighted_col_sums(c, s), _stake_weighted_col_sums(w, s))


def _trust(ranks: np.ndarray, preranks: np.ndarray) -> np.ndarray:
    out = np.zeros_like(ranks)
    nz = preranks != 0.0
    with np.errstate(over="ignore"):  # as vecdiv: inf past the float64 range (never in an
        out[nz] = ranks[nz] / preranks[nz]  # epoch, where clipped weights <= weights)
    return out


# --------------------------------------------------------------------------------------
# Bonds
# --------------------------------------------------------------------------------------


def weights_for_bonds(
    weights: ArrayLike, clipped_weights: ArrayLike, bonds_penalty: float
) -> np.ndarray:
    r"""Weights that bonds are built from: :math:`W_b = W + \beta (\bar W - W)`.

    ``beta = 0`` returns ``W`` and ``beta = 1`` returns ``W_clipped`` exactly.

    Parameters
    ----------
    weights : array_like, shape (n_rows, n_cols)
        ``W``.
    clipped_weights : array_like, shape (n_rows, n_cols)
        ``W_clipped``.
    bonds_penalty : float
        ``beta`` in [0, 1] (chain: ``BondsPenalty / 65535``).

    Returns
    -------
    numpy.ndarray
        Chain: ``interpolate_sparse(weights, clipped_weights, bonds_penalty)``.
    """
    w = as_matrix(weights, "weights")
    c = as_matrix(clipped_weights, "clipped_weights", shape=w.shape)
    beta = as_unit_interval(bonds_penalty, "bonds_penalty")
    return _weights_for_bonds(w, c, beta)


def _weights_for_bonds(weights: np.ndarray, clipped: np.ndarray, beta: float) -> np.ndarray:
    if beta == 0.0:
        result: np.ndarray = weights.copy()
        return result
    if beta == 1.0:
        result = clipped.copy()
        return result
    result = weights + beta * (clipped - weights)
    return result


def bond_entries(
    listed: ArrayLike,
    weights: ArrayLike,
    consensus: ArrayLike,
    weights_for_bonds: ArrayLike,
    bonds_penalty: float,
) -> np.ndarray:
    """Entries of ``W_b`` that the chain's sparse storage holds.

    Only these carry a bond under Yuma 3 with liquid alpha (chain: ``mat_ema_alpha_sparse``
    emits only the columns present in row i of ``W_b``). Starting from the listed,
    unmasked weight entries (explicit zeros included):

    * clipping removes (i, j) when ``C_j < W_ij`` and ``C_j <= 0`` (``col_clip_sparse``);
    * ``beta = 0`` keeps the unclipped entries, ``beta = 1`` the clipped ones, and any
      other ``beta`` keeps only the positive values of ``W_b`` (``interpolate_sparse``).

    Parameters
    ----------
    listed : array_like of bool, shape (n_rows, n_cols)
        Entries the validators listed, after :func:`weight_mask`.
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
    w = as_matrix(weights, "weights")
    lst = as_mask_matrix(listed, "listed", shape=w.shape)
    c = as_vector(consensus, "consensus", length=w.shape[1])
    wb = as_matrix(weights_for_bonds, "weights_for_bonds", shape=w.shape)
    beta = as_unit_interval(bonds_penalty, "bonds_penalty")
    return _bond_entries(lst, w, c, wb, beta)


def _bond_entries(
    listed: np.ndarray, weights: np.ndarray, consensus: np.ndarray, wb: np.ndarray, beta: float
) -> np.ndarray:
    if beta == 0.0:
        result: np.ndarray = listed.copy()
        return result
    if beta == 1.0:
        return listed & ~((consensus[None, :] < weights) & (consensus[None, :] <= 0.0))
    return listed & (wb > 0.0)


def bonds_reset_mask(block_at_registration: ArrayLike, last_tempo: int) -> np.ndarray:
    """Columns whose bonds are reset: UIDs registered since the last epoch.

    Parameters
    ----------
    block_at_registration : array_like of int, shape (n_cols,)
        Registration block of each UID.
    last_tempo : int
        Chain: ``LastMechansimStepBlock + 1``, or ``block - tempo`` if it never stepped.

    Returns
    -------
    numpy.ndarray of bool
        ``last_tempo <= block_at_registration`` (chain: ``get_bonds_sparse`` masking).
    """
    bar = as_block_vector(block_at_registration, "block_at_registration", length=None)
    result: np.ndarray = np.uint64(as_block(last_tempo, "last_tempo")) <= bar
    return result


def liquid_alpha_consensus(
    consensus: np.ndarray, previous_consensus: np.ndarray | None, params: YumaParams
) -> np.ndarray:
    r"""The consensus that the liquid-alpha sigmoid reads (``LiquidAlphaConsensusMode``).

    .. math:: \tilde C_j = \begin{cases} P_j & \text{previous mode, } j < |P| \\
              C_j & \text{otherwise} \end{cases}

    The mode is ``params.liquid_alpha_consensus_mode`` resolved by
    :attr:`yuma.YumaParams.uses_previous_consensus` (``"auto"``: previous exactly when
    ``bonds_penalty == 1``). With no stored vector (None or empty) the current consensus
    is used, as on the chain. A stored vector of another length (UIDs added or removed
    since) is aligned by UID: entries past its end take the current ``C_j``, extra entries
    are ignored. (The chain's PR says only that shorter and longer vectors are "safely
    handled"; this is our rule.)

    Parameters
    ----------
    consensus : numpy.ndarray, shape (n_cols,)
        ``C``, this epoch's consensus.
    previous_consensus : numpy.ndarray or None
        ``P``, the consensus the previous epoch stored (proportions in [0, 1]).
    params : YumaParams
        Gives the mode and ``bonds_penalty``.

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
        ``C`` itself when the current consensus applies, else a new array.
    """
    if previous_consensus is None or len(previous_consensus) == 0:
        return consensus
    if not params.uses_previous_consensus:
        return consensus
    out = consensus.copy()
    m = min(len(previous_consensus), len(out))
    out[:m] = previous_consensus[:m]
    result: np.ndarray = out
    return result


def alpha_sigmoid(
    consensus: ArrayLike,
    weights_for_bonds: ArrayLike,
    bonds: ArrayLike,
    alpha_low: float,
    alpha_high: float,
    steepness: float,
) -> np.ndarray:
    r"""Liquid alpha 2: an EMA rate per (validator, miner) from a logistic of the gap.

    .. math::
        d_{ij} &= \begin{cases} \operatorname{clamp}(w_{ij} - c_j, 0, 1) & w_{ij} \ge b_{ij}
                  \\ \operatorname{clamp}(b_{ij} - w_{ij}, 0, 1) & \text{otherwise} \end{cases}\\
        \sigma_{ij} &= 1 / (1 + e^{\operatorname{clamp}(-k (d_{ij} - 1/2), -20, 20)})\\
        \alpha_{ij} &= \operatorname{clamp}(\alpha_{lo} + \sigma_{ij}(\alpha_{hi} - \alpha_{lo}),
                       \alpha_{lo}, \alpha_{hi})

    A validator buying above consensus, or selling faster than its bond, moves its bond at
    a higher rate. The exponent is clamped to +-20 as the chain's ``exp_safe`` does.
    :math:`e^x` is ``yuma.core._exp.exp`` (within 1 ulp, the same bits on every machine,
    no math library), as in the fused bond EMA, so both give the same rates.

    Parameters
    ----------
    consensus : array_like, shape (n_cols,)
        ``C``.
    weights_for_bonds : array_like, shape (n_rows, n_cols)
        ``W_b``.
    bonds : array_like, shape (n_rows, n_cols)
        Previous bonds ``B`` (proportions).
    alpha_low, alpha_high : float
        Clamp range.
    steepness : float
        Effective slope ``k`` (chain: ``AlphaSigmoidSteepness / 100``).

    Returns
    -------
    numpy.ndarray, shape (n_rows, n_cols)
        Chain: ``alpha_sigmoid`` inside ``compute_liquid_alpha_values_sparse``.
    """
    wb = as_matrix(weights_for_bonds, "weights_for_bonds")
    b = as_matrix(bonds, "bonds", shape=wb.shape)
    c = as_vector(consensus, "consensus", length=wb.shape[1])
    lo = as_unit_interval(alpha_low, "alpha_low")
    hi = as_unit_interval(alpha_high, "alpha_high")
    if lo > hi:
        raise ValueError("alpha_low must not exceed alpha_high")
    return _alpha_sigmoid(c, wb, b, lo, hi, as_real_scalar(steepness, "steepness"))


def _alpha_sigmoid(
    consensus: np.ndarray, wb: np.ndarray, bonds: np.ndarray, low: float, high: float,
    steepness: float
) -> np.ndarray:
    # The kernel shares its per-element function with the fused EMA (the same bits).
    out = np.empty_like(wb)
    kernel = (
        _kernels.alpha_sigmoid_parallel
        if _kernels.use_parallel(wb.size)
        else _kernels.alpha_sigmoid_serial
    )
    kernel(consensus, wb, bonds, np.array([low, high, steepness]), out)
    return out


def liquid_alpha_v1(consensus: ArrayLike, alpha_low: float, alpha_high: float) -> np.ndarray:
    r"""Historic liquid alpha (2024-07 to 2025-05): one EMA rate per miner from its consensus.

    With :math:`c_{hi}, c_{lo}` the 0.75 and 0.25 quantiles of ``C`` (linear interpolation):

    .. math::
        a &= \frac{\ln(1/\alpha_{hi} - 1) - \ln(1/\alpha_{lo} - 1)}{c_{lo} - c_{hi}}, \quad
        b = \ln(1/\alpha_{lo} - 1) + a\, c_{lo}\\
        \alpha_j &= \operatorname{clamp}\left(\frac{1}{1 + e^{b - a C_j}},
                   \alpha_{lo}, \alpha_{hi}\right)

    When :math:`c_{hi} \le c_{lo}` or an alpha bound is 0, ``a = b = 0`` and every rate is
    ``clamp(1/2, alpha_low, alpha_high)``. A logarithm of a non-positive number (an alpha
    bound of 1) counts as 0, as the chain's ``safe_ln`` does, and ``a`` and ``b`` saturate
    at :math:`\pm 2^{31}` (the I32F32 range) when the quantile gap is tiny. :math:`e^x` is
    ``yuma.core._exp.exp`` (within 1 ulp, machine-independent; inf above 709.78).

    Parameters
    ----------
    consensus : array_like, shape (n_cols,)
        ``C``.
    alpha_low, alpha_high : float
        Clamp range.

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
        Chain (historic): ``compute_alpha_values`` / ``calculate_logistic_params``.
    """
    c = as_vector(consensus, "consensus", nonnegative=False)
    lo = as_unit_interval(alpha_low, "alpha_low")
    hi = as_unit_interval(alpha_high, "alpha_high")
    if lo > hi:
        raise ValueError("alpha_low must not exceed alpha_high")
    return _liquid_alpha_v1(c, lo, hi)


def _liquid_alpha_v1(consensus: np.ndarray, low: float, high: float) -> np.ndarray:
    if consensus.shape[0] == 0:
        result: np.ndarray = consensus.copy()
        return result
    c_high = float(np.quantile(consensus, 0.75))
    c_low = float(np.quantile(consensus, 0.25))
    if c_high <= c_low or low == 0.0 or high == 0.0:
        a = b = 0.0
    else:
        ln_high = _ln_odds(high)
        ln_low = _ln_odds(low)
        # Saturate at the I32F32 range as the chain does (a tiny quantile gap would overflow).
        a = min(max((ln_high - ln_low) / (c_low - c_high), -_I32F32_LIMIT), _I32F32_LIMIT)
        b = min(max(ln_low + a * c_low, -_I32F32_LIMIT), _I32F32_LIMIT)
    out = np.empty_like(consensus)
    _kernels.logistic_rates(consensus, a, b, low, high, out)  # exp overflow: rate 0
    return out


_I32F32_LIMIT = float(2**31)


def _safe_ln(x: float) -> float:
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


def load_bonds_yuma2(stored_bonds: ArrayLike) -> np.ndarray:
    """Yuma 2 reads its stored (column max-upscaled) bonds column-normalized.

    Parameters
    ----------
    stored_bonds : array_like, shape (n_rows, n_cols)
        Bonds as the previous epoch stored them.

    Returns
    -------
    numpy.ndarray
        Chain: ``inplace_col_normalize_sparse(bonds)`` after ``get_bonds_sparse``.
    """
    return col_normalize(as_matrix(stored_bonds, "stored_bonds"))


def store_bonds_yuma2(ema_bonds: ArrayLike) -> np.ndarray:
    """Yuma 2 stores its bonds column max-upscaled (each column's maximum becomes 1).

    Parameters
    ----------
    ema_bonds : array_like, shape (n_rows, n_cols)
        Column-normalized EMA bonds.

    Returns
    -------
    numpy.ndarray
        Chain: ``inplace_col_max_upscale_sparse`` before ``fixed_proportion_to_u16``.
    """
    return col_max_upscale(as_matrix(ema_bonds, "ema_bonds"))


def bonds_ema_yuma2(
    bonds: ArrayLike,
    weights_for_bonds: ArrayLike,
    active_stake: ArrayLike,
    alpha: float | np.ndarray,
) -> np.ndarray:
    r"""Yuma 2 bonds: a column-normalized EMA of the stake-weighted bond weights.

    .. math::
        \Delta B &= \operatorname{colnorm}(W_b \odot S^{act}), \\
        B^{ema} &= \operatorname{colnorm}(\alpha \Delta B + (1 - \alpha) B)

    ``B`` is the loaded (column-normalized) previous bonds. ``alpha`` is a scalar
    (``1 - bonds_moving_average``) or one rate per column (historic liquid alpha).

    Parameters
    ----------
    bonds : array_like, shape (n_rows, n_cols)
        Previous bonds, column-normalized.
    weights_for_bonds : array_like, shape (n_rows, n_cols)
        ``W_b``.
    active_stake : array_like, shape (n_rows,)
        ``S_act``.
    alpha : float or array_like, shape (n_cols,)
        EMA learning rate(s) in [0, 1].

    Returns
    -------
    numpy.ndarray
        Chain: ``row_hadamard_sparse``, ``inplace_col_normalize_sparse``,
        ``compute_ema_bonds_normal_sparse``, ``inplace_col_normalize_sparse``.
    """
    wb = as_matrix(weights_for_bonds, "weights_for_bonds")
    b = as_matrix(bonds, "bonds", shape=wb.shape)
    s = as_vector(active_stake, "active_stake", length=wb.shape[0])
    a = _as_alpha(alpha, wb.shape[1])
    return _bonds_ema_yuma2(b, wb, s, a)


def _as_alpha(alpha: object, n_cols: int) -> float | np.ndarray:
    if isinstance(alpha, np.ndarray) and alpha.ndim == 0:
        alpha = alpha[()]
    if not isinstance(alpha, (list, tuple, np.ndarray)):
        return as_unit_interval(alpha, "alpha")
    a = as_vector(alpha, "alpha", length=n_cols)
    if a.size and a.max() > 1.0:
        raise ValueError("alpha must be in [0, 1]")
    return a


def _bonds_ema_yuma2(
    bonds: np.ndarray, wb: np.ndarray, active_stake: np.ndarray, alpha: float | np.ndarray
) -> np.ndarray:
    delta = col_normalize(wb * active_stake[:, None])
    return col_normalize(alpha * delta + (1.0 - alpha) * bonds)


def mat_ema(bonds: ArrayLike, weights_for_bonds: ArrayLike, alpha: float) -> np.ndarray:
    r"""Plain bonds EMA (Yuma 3 without liquid alpha): :math:`B' = \alpha W_b + (1-\alpha) B`.

    Parameters
    ----------
    bonds : array_like, shape (n_rows, n_cols)
        Previous bonds (proportions in [0, 1]).
    weights_for_bonds : array_like, shape (n_rows, n_cols)
        ``W_b``.
    alpha : float
        ``1 - bonds_moving_average``.

    Returns
    -------
    numpy.ndarray
        Chain: ``mat_ema_sparse``.
    """
    wb = as_matrix(weights_for_bonds, "weights_for_bonds")
    b = as_matrix(bonds, "bonds", shape=wb.shape)
    return _mat_ema(b, wb, as_unit_interval(alpha, "alpha"))


def _mat_ema(bonds: np.ndarray, wb: np.ndarray, alpha: float) -> np.ndarray:
    return alpha * wb + (1.0 - alpha) * bonds


def mat_ema_alpha(
    bonds: ArrayLike,
    weights_for_bonds: ArrayLike,
    alpha: ArrayLike,
    entries: ArrayLike | None = None,
) -> np.ndarray:
    r"""Bonds EMA with a rate per element, clamped to 1 (Yuma 3 with liquid alpha).

    .. math:: B'_{ij} = \min\bigl(1, (1 - \alpha_{ij}) B_{ij} + \max(0, \alpha_{ij} W_{b,ij})\bigr)

    on the stored entries of ``W_b``; every other bond is dropped (0). With
    ``entries=None`` every cell is an entry (the chain's dense ``mat_ema_alpha``, which
    decays instead of dropping).

    Parameters
    ----------
    bonds : array_like, shape (n_rows, n_cols)
        Previous bonds.
    weights_for_bonds : array_like, shape (n_rows, n_cols)
        ``W_b``.
    alpha : array_like, shape (n_rows, n_cols)
        Rates in [0, 1] (from :func:`alpha_sigmoid`).
    entries : array_like of bool, shape (n_rows, n_cols), optional
        Entries of ``W_b`` in sparse storage (from :func:`bond_entries`).

    Returns
    -------
    numpy.ndarray
        Chain: ``mat_ema_alpha_sparse``.
    """
    wb = as_matrix(weights_for_bonds, "weights_for_bonds")
    b = as_matrix(bonds, "bonds", shape=wb.shape)
    a = as_matrix(alpha, "alpha", shape=wb.shape)
    if a.size and a.max() > 1.0:
        raise ValueError("alpha must be in [0, 1]")
    e = None if entries is None else as_mask_matrix(entries, "entries", shape=wb.shape)
    return _mat_ema_alpha(b, wb, a, e)


def _mat_ema_alpha(
    bonds: np.ndarray, wb: np.ndarray, alpha: np.ndarray, entries: np.ndarray | None
) -> np.ndarray:
    out = np.minimum(1.0, (1.0 - alpha) * bonds + np.maximum(0.0, alpha * wb))
    if entries is not None:
        out[~entries] = 0.0
    result: np.ndarray = out
    return result


def dividends_yuma2(ema_bonds: ArrayLike, incentive: ArrayLike) -> np.ndarray:
    r"""Yuma 2 dividends: :math:`D = N(B^{ema} I)`.

    Parameters
    ----------
    ema_bonds : array_like, shape (n_rows, n_cols)
        Column-normalized EMA bonds.
    incentive : array_like, shape (n_cols,)
        ``I``.

    Returns
    -------
    numpy.ndarray, shape (n_rows,)
        Chain: ``matmul_transpose_sparse(ema_bonds, incentive)``, ``inplace_normalize``.
    """
    b = as_matrix(ema_bonds, "ema_bonds")
    i = as_vector(incentive, "incentive", length=b.shape[1])
    return _dividends_yuma2(b, i)


def _row_dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    # Row sums of a product, left to right, in a kernel: deterministic (no BLAS threading).
    out = np.empty(matrix.shape[0])
    kernel = (
        _kernels.rows_dot_parallel
        if _kernels.use_parallel(matrix.size)
        else _kernels.rows_dot_serial
    )
    kernel(matrix, np.arange(matrix.shape[0]), vector, out)
    return out


def _dividends_yuma2(ema_bonds: np.ndarray, incentive: np.ndarray) -> np.ndarray:
    return normalize(_row_dot(ema_bonds, incentive))


def dividends_yuma3(
    ema_bonds: ArrayLike, incentive: ArrayLike, active_stake: ArrayLike
) -> np.ndarray:
    r"""Yuma 3 dividends: :math:`D = N\bigl(S^{act} \odot (\operatorname{colnorm}(B') I)\bigr)`.

    Parameters
    ----------
    ema_bonds : array_like, shape (n_rows, n_cols)
        Bonds ``B'`` as proportions.
    incentive : array_like, shape (n_cols,)
        ``I``.
    active_stake : array_like, shape (n_rows,)
        ``S_act``.

    Returns
    -------
    numpy.ndarray, shape (n_rows,)
        Chain: ``compute_dividends`` in the Yuma 3 branch of ``epoch_mechanism``.
    """
    b = as_matrix(ema_bonds, "ema_bonds")
    i = as_vector(incentive, "incentive", length=b.shape[1])
    s = as_vector(active_stake, "active_stake", length=b.shape[0])
    return _dividends_yuma3(b, i, s)


def _dividends_yuma3(
    ema_bonds: np.ndarray, incentive: np.ndarray, active_stake: np.ndarray
) -> np.ndarray:
    rows = np.arange(ema_bonds.shape[0])
    return normalize(active_stake * _colnorm_dot(ema_bonds, ema_bonds.sum(axis=0), incentive, rows))


def _colnorm_dot(
    bonds: np.ndarray, col_sums: np.ndarray, incentive: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    r"""``(colnorm(B) I)_r = sum_j B_rj (I_j / colsum_j)`` for ``r`` in ``rows`` (0 elsewhere).

    No normalized matrix is formed: the incentive is divided by the column sums once. A
    zero-sum column is left as it is. Where a column sum is so small (subnormal bonds, from
    a subnormal EMA rate) that ``I_j / colsum_j`` overflows, that column is normalized
    instead (``B_rj / colsum_j`` cannot overflow), so no ``inf * 0`` or ``inf / inf``
    turns the dividends into NaN.
    """
    scaled = incentive.copy()
    nz = col_sums != 0.0
    with np.errstate(over="ignore"):
        scaled[nz] = incentive[nz] / col_sums[nz]
    tiny = ~np.isfinite(scaled)
    scaled[tiny] = 0.0
    out = np.zeros(bonds.shape[0])
    kernel = (
        _kernels.rows_dot_parallel
        if _kernels.use_parallel(rows.shape[0] * bonds.shape[1])
        else _kernels.rows_dot_serial
    )
    kernel(bonds, rows, scaled, out)
    if tiny.any():
        shares = bonds[np.ix_(rows, np.flatnonzero(tiny))] / col_sums[tiny]
        out[rows] += np.sum(shares * incentive[tiny], axis=1)
    return out


def _liquid_alpha_ema(
    bonds: np.ndarray, wb: np.ndarray, consensus: np.ndarray, low: float, high: float,
    steepness: float, entries: np.ndarray | None
) -> np.ndarray:
    # Fused alpha_sigmoid + mat_ema_alpha: no alpha matrix.
    out = np.empty_like(wb)
    use_entries = entries is not None
    mask = entries if use_entries else np.ones((1, 1), dtype=np.bool_)
    kernel = (
        _kernels.liquid_alpha_ema_parallel
        if _kernels.use_parallel(wb.size)
        else _kernels.liquid_alpha_ema_serial
    )
    kernel(bonds, wb, consensus, mask, use_entries, np.array([low, high, steepness]), out)
    return out


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
    r"""Shares of the epoch's emission for servers, validators and each UID.

    With :math:`E = I + D` per UID and :math:`E_\Sigma = \sum E`:
    ``server = I / E_sum``, ``validator = D / E_sum``, ``emission = N(E)``.
    If :math:`E_\Sigma = 0` (no weights, only self-weights, ...), validators are paid by
    active stake (by ``S`` if no active stake exists) and servers get nothing.

    In the rectangular form (validators and miners are distinct UIDs) the per-UID
    ``emission`` lists the validators first, then the miners.

    Parameters
    ----------
    incentive : array_like, shape (n_cols,)
        ``I``.
    dividends : array_like, shape (n_rows,)
        ``D``.
    stake_weights : array_like, shape (n_rows,)
        ``S``.
    active_stake : array_like, shape (n_rows,)
        ``S_act``.
    square : bool
        The chain's square form (rows and columns are the same UIDs).

    Returns
    -------
    server_emission, validator_emission, emission : numpy.ndarray
        Chain: ``normalized_server_emission``, ``normalized_validator_emission``,
        ``normalized_combined_emission``.
    """
    i = as_vector(incentive, "incentive")
    d = as_vector(dividends, "dividends")
    s = as_vector(stake_weights, "stake_weights", length=d.shape[0])
    sa = as_vector(active_stake, "active_stake", length=d.shape[0])
    if not isinstance(square, (bool, np.bool_)):
        raise ValueError(f"square must be a bool, got {square!r:.60}")
    if square and i.shape[0] != d.shape[0]:
        raise ValueError("incentive and dividends must have the same length when square=True")
    return _emission_split(i, d, s, sa, square)


def _emission_split(
    incentive: np.ndarray, dividends: np.ndarray, stake_weights: np.ndarray,
    active_stake: np.ndarray, square: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    combined = incentive + dividends if square else np.concatenate([dividends, incentive])
    total = combined.sum()
    if total > 0.0:
        return incentive / total, dividends / total, combined / total
    validator = active_stake.copy() if np.any(active_stake > 0.0) else stake_weights.copy()
    server = incentive.copy()
    emission = validator.copy() if square else np.concatenate([validator, server])
    return server, validator, emission

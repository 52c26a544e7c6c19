r"""The chain's epoch, bit for bit: ``epoch_mechanism`` in fixed point over a chain state.

:func:`chain_epoch` reproduces ``Pallet::epoch_mechanism`` of ``opentensor/subtensor``
(``pallets/subtensor/src/epoch/run_epoch.rs``, the sparse epoch that runs on chain) in the
chain's own arithmetic (``I32F32``, ``I64F64`` for stake, ``I96F32`` for token amounts; see
:mod:`yuma.chain.fixed`): every stored ``u16``/``u64`` output and every stored bond comes out
exactly as the chain stores it.

The chain's storage is modelled by :class:`ChainState`, an immutable value: the stake of
each UID in rao, the ``u16`` weight and bond rows (dense ``n x n`` arrays plus a mask of
the entries the chain's ``Vec<(uid, u16)>`` rows hold, explicit zeros included),
``LastUpdate``, ``BlockAtRegistration``, the permits stored by the previous epoch and the
hyperparameters as the chain's integers. Helpers evolve it the way the chain's tests do
(:func:`new_subnet`, :func:`register`, :func:`set_weights`, :func:`advance`,
:func:`set_stake`, :func:`set_hyperparameters`, :func:`reset_bonds`).

:func:`yuma.chain_epoch_from_float` (``yuma/core/fixed_path.py``) runs the same epoch on
the inputs of :func:`yuma.epoch` and returns float views of the fixed-point results.

Example: the chain's ``test_1_graph`` (one neuron, a self-weight only):

>>> from yuma import chain
>>> s = chain.new_subnet(0, block=1, yuma3_on=False)
>>> s = chain.register(s, stake=1_000_000_000)
>>> s = chain.set_weights(s, 0, [0], [65535])
>>> out, s = chain.chain_epoch(s, 1_000_000_000, record_step=False)
>>> out.consensus.tolist(), out.incentive.tolist(), out.dividends.tolist()
([0], [0], [0])
>>> out.validator_emission.tolist()
[1000000000]
"""


from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from .._validation import as_mask
from . import _kernels as fk
from . import fixed
from .state import (
    _PARALLEL_MIN,
    _U16_MAX,
    U64_MAX,
    ChainState,
    _bool,
    _frozen,
    _u64,
    check_state,
)

__all__ = ["ChainEpochOutput", "ChainIntermediates", "chain_epoch"]

# --------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ChainIntermediates:
    """The epoch's ``I32F32`` intermediates as raw bits (``int64``; value = bits / 2**32).

    Matrices are dense ``n x n`` with 0 for absent entries; the ``*_kept`` masks say which
    entries the chain's sparse rows hold. Names follow ``epoch_mechanism``.

    Attributes
    ----------
    stake : numpy.ndarray, shape (n,)
        ``stake``: thresholded, ``inplace_normalize_64``, truncated to ``I32F32``.
    active_stake : numpy.ndarray, shape (n,)
    weights, weights_kept : numpy.ndarray, shape (n, n)
        After the masks and ``inplace_row_normalize_sparse``.
    consensus : numpy.ndarray, shape (n,)
    clipped_weights, clipped_weights_kept : numpy.ndarray, shape (n, n)
    validator_trust : numpy.ndarray, shape (n,)
    ranks : numpy.ndarray, shape (n,)
        ``matmul_sparse(clipped_weights, active_stake)`` before normalization.
    incentive : numpy.ndarray, shape (n,)
    weights_for_bonds, weights_for_bonds_kept : numpy.ndarray, shape (n, n)
    bonds, bonds_kept : numpy.ndarray, shape (n, n)
        The bonds the EMA reads: Yuma 3 ``u16 / 65535`` proportions, Yuma 2 the u16
        integers column-normalized; both after the ``last_tempo`` column mask.
    ema_bonds, ema_bonds_kept : numpy.ndarray, shape (n, n)
        Yuma 3: the new bonds (proportions); Yuma 2: column-normalized EMA bonds.
    dividends : numpy.ndarray, shape (n,)
    normalized_server_emission : numpy.ndarray, shape (n,)
        Incentive divided by the emission sum (or the fallback).
    normalized_validator_emission : numpy.ndarray, shape (n,)
        Dividends divided by the emission sum (or the fallback).
    normalized_combined_emission : numpy.ndarray, shape (n,)
        ``N(I + D)`` (or the fallback).
    kappa, bonds_penalty, ema_alpha : int
        Bits of ``kappa``, ``beta`` and the fixed EMA rate (``1 - BMA/1e6``).
    liquid_alpha_used : bool
        Whether the liquid-alpha EMA ran (Yuma 3, ``LiquidAlphaOn`` and some C != 0).
    """

    stake: NDArray[np.int64]
    active_stake: NDArray[np.int64]
    weights: NDArray[np.int64]
    weights_kept: NDArray[np.bool_]
    consensus: NDArray[np.int64]
    clipped_weights: NDArray[np.int64]
    clipped_weights_kept: NDArray[np.bool_]
    validator_trust: NDArray[np.int64]
    ranks: NDArray[np.int64]
    incentive: NDArray[np.int64]
    weights_for_bonds: NDArray[np.int64]
    weights_for_bonds_kept: NDArray[np.bool_]
    bonds: NDArray[np.int64]
    bonds_kept: NDArray[np.bool_]
    ema_bonds: NDArray[np.int64]
    ema_bonds_kept: NDArray[np.bool_]
    dividends: NDArray[np.int64]
    normalized_server_emission: NDArray[np.int64]
    normalized_validator_emission: NDArray[np.int64]
    normalized_combined_emission: NDArray[np.int64]
    kappa: int
    bonds_penalty: int
    ema_alpha: int
    liquid_alpha_used: bool

    def to_float(self) -> dict[str, Any]:
        """Every ``I32F32`` field as float64 (:func:`yuma.chain.fixed.to_float`); masks as is.

        Returns
        -------
        dict of str to numpy.ndarray or float or bool
        """
        out: dict[str, Any] = {}  # arrays, and the scalar fields as floats or bools
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, (bool, np.bool_)) or (isinstance(v, np.ndarray)
                                                   and v.dtype == np.bool_):
                out[f.name] = v
            else:
                out[f.name] = fixed.to_float(v) if isinstance(v, np.ndarray) else v / 2.0**32
        return out


@dataclass(frozen=True, eq=False)
class ChainEpochOutput:
    """What the epoch stores, in the chain's integer types (``EpochTerms`` per UID).

    Attributes
    ----------
    stake : numpy.ndarray of uint64
        Raw stake, floored (``EpochTerms.stake``).
    stake_weight, consensus, incentive, dividends, validator_trust : numpy.ndarray of uint16
        ``StakeWeight``, ``Consensus``, ``Incentive``, ``Dividends``, ``ValidatorTrust``
        (``fixed_proportion_to_u16``).
    server_emission, validator_emission, emission : numpy.ndarray of uint64
        Token amounts (``floor(I96F32(x) * rao_emission)``); ``emission`` is the
        combined one stored as ``Emission``.
    active : numpy.ndarray of bool
        ``Active``.
    validator_permit : numpy.ndarray of bool
        New permits (stored as ``ValidatorPermit``).
    bonds, bonds_present : numpy.ndarray, shape (n, n)
        The bond rows the epoch writes (``EpochTerms.bond``; empty rows for UIDs without
        a new permit).
    intermediates : ChainIntermediates
        The ``I32F32`` intermediates (raw bits).
    """

    stake: NDArray[np.uint64]
    stake_weight: NDArray[np.uint16]
    consensus: NDArray[np.uint16]
    incentive: NDArray[np.uint16]
    dividends: NDArray[np.uint16]
    validator_trust: NDArray[np.uint16]
    server_emission: NDArray[np.uint64]
    validator_emission: NDArray[np.uint64]
    emission: NDArray[np.uint64]
    active: NDArray[np.bool_]
    validator_permit: NDArray[np.bool_]
    bonds: NDArray[np.uint16]
    bonds_present: NDArray[np.bool_]
    intermediates: ChainIntermediates = field(repr=False)


# --------------------------------------------------------------------------------------
# The epoch
# --------------------------------------------------------------------------------------


def _yuma3_fixed_alpha(bma: int) -> int:
    """``compute_disabled_liquid_alpha``: ``1 - I32F32::from_num(I64F64::from_num(B) / 1e6)``.

    ``from_num`` (not ``saturating_from_num``) wraps in the release runtime; the result
    equals :func:`yuma.chain.fixed.bonds_ema_alpha` for every ``B < 2**31 * 10**6``.
    """
    v = bma << 64
    if v >= 1 << 127:
        v -= 1 << 128
    q = abs(v) // 1_000_000
    q = -q if v < 0 else q
    bits = q >> 32
    bits = ((bits + (1 << 63)) % (1 << 64)) - (1 << 63)
    return int(fixed.saturating_sub(fixed.ONE, bits))


def _empty(shape: int | tuple[int, ...], dtype: DTypeLike = np.int64) -> np.ndarray:
    return np.empty(shape, dtype=dtype)


def _dense(compact: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Scatter compacted rows into an ``n x n`` array of zeros (read-only)."""
    out = np.zeros((n, n), dtype=compact.dtype)
    if rows.size:
        out[rows] = compact
    return _frozen(out)


@dataclass(frozen=True, eq=False)
class _Core:
    """Everything one epoch computes; matrices hold only the rows ``rows`` (in order).

    Every other row is empty at every step (no stored weight reaches it and it holds no
    bond), so dropping it changes no sum: the kernels run on the used rows only.
    """

    n: int
    rows: np.ndarray
    act: np.ndarray
    stake: np.ndarray
    raw_stake: np.ndarray
    permit_new: np.ndarray
    active_stake: np.ndarray
    weights: np.ndarray
    w_keep: np.ndarray
    consensus: np.ndarray
    clipped: np.ndarray
    c_keep: np.ndarray
    vtrust: np.ndarray
    ranks: np.ndarray
    incentive: np.ndarray
    wb: np.ndarray
    wb_keep: np.ndarray
    bonds: np.ndarray
    b_keep: np.ndarray
    ema: np.ndarray
    e_keep: np.ndarray
    stored: np.ndarray
    ema_order: np.ndarray | None
    dividends: np.ndarray
    n_server: np.ndarray
    n_validator: np.ndarray
    n_combined: np.ndarray
    kappa: int
    beta: int
    ema_alpha: int
    liquid: bool


def _stake_weights(state: ChainState) -> tuple[np.ndarray, np.ndarray]:
    """``stake`` (``I32F32`` bits) and the floored raw stake (u64) of the epoch.

    Without TAO stake the raw stake is the integer ``alpha << 64`` in ``I64F64`` and, when
    the kept stakes sum below 2**63, ``inplace_normalize_64`` then the truncation to
    ``I32F32`` is ``floor(2**32 alpha_i / sum)``, which is ``safe_div`` on the integers.
    Otherwise the ``I64F64`` values are worked out with Python integers.
    """
    n = state.n
    alpha = state.stake
    no_tao = state.tao_weight == 0 or not state.tao_stake.any()
    if no_tao and (n == 0 or int(alpha.max()) < (1 << 63)):
        kept = alpha >= np.uint64(state.stake_threshold)
        if state.owner_uid is not None:
            kept[state.owner_uid] = True
        a = np.where(kept, alpha, np.uint64(0)).astype(np.int64)
        total = sum(a.tolist())
        if total < (1 << 63):
            stake = fixed.safe_div(a, total) if total else a
            return np.asarray(stake, dtype=np.int64).reshape(n), np.array(alpha)
    total = state.total_stake
    stake = np.asarray(fixed.stake_weights(total, state.stake_threshold, state.owner_uid),
                       dtype=np.int64).reshape(n)
    raw = np.array([fixed.fixed64_to_u64(s) for s in total], dtype=np.uint64)
    return stake, raw


def _to_rao(x: np.ndarray, rao: int) -> np.ndarray:
    out = np.empty(x.shape[0], dtype=np.uint64)
    fk.emission_to_rao(np.ascontiguousarray(x, dtype=np.int64), np.uint64(rao), out)
    return out


def _consensus(active_stake: np.ndarray, weights: np.ndarray, rows: np.ndarray,
               kappa: int) -> np.ndarray:
    """``weighted_median_col_sparse(active_stake, weights, n, kappa)``.

    Participants are the UIDs with ``active_stake > 0`` in UID order, their stakes
    normalized; one without a stored row scores 0 in every column (as
    :func:`yuma.chain.fixed.weighted_median_col`, with the columns laid out contiguously).
    """
    n = active_stake.shape[0]
    out = np.zeros(n, dtype=np.int64)
    part = np.flatnonzero(active_stake > 0)
    if part.size == 0 or n == 0:
        return out
    use_stake = fixed.normalize(active_stake[part])
    stake_sum = int(fixed.wrapping_sum(use_stake))
    minority = int(fixed.saturating_sub(stake_sum, kappa))
    pos = np.full(n, -1, dtype=np.int64)
    pos[rows] = np.arange(rows.size)
    scores_t = np.zeros((n, part.size), dtype=np.int64)
    have = np.flatnonzero(pos[part] >= 0)
    if have.size:
        scores_t[:, have] = weights[pos[part[have]]].T
    fk.weighted_median_cols_t(use_stake, scores_t, np.int64(minority), np.int64(stake_sum), out)
    return out


class _Bonds(NamedTuple):
    """What the bond step (``compute_bonds_sparse`` and the dividends) returns."""

    bonds: np.ndarray
    ema: np.ndarray
    e_keep: np.ndarray
    ema_order: np.ndarray | None
    stored: np.ndarray
    dividends: np.ndarray
    ema_alpha: int
    liquid: bool


def _activity(state: ChainState, active: ArrayLike | None) -> np.ndarray:
    """Step 1: ``inactive = last_update.saturating_add(activity_cutoff) < block``, negated."""
    if active is not None:
        return as_mask(active, "active", length=state.n)
    lu = state.last_update
    cutoff = np.uint64(state.activity_cutoff)
    reach = np.where(lu > np.uint64(U64_MAX) - cutoff, np.uint64(U64_MAX), lu + cutoff)
    result: np.ndarray = reach >= np.uint64(state.block)
    return result


def _validator_permits(state: ChainState, stake: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 3: stored permits and ``is_topk_nonzero(stake, MaxAllowedValidators)``, owner forced."""
    permit_old = np.array(state.validator_permit)
    permit_new = fixed.is_topk_nonzero(stake, state.max_allowed_validators)
    if state.owner_uid is not None:
        permit_old[state.owner_uid] = True
        permit_new[state.owner_uid] = True
    return permit_old, permit_new


def _masked_weights(
    state: ChainState, rows: np.ndarray, permit_old: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Step 5: the stored weight rows ``rows``, masked and row-normalized.

    ``get_weights_sparse``, ``mask_rows_sparse`` (no old permit),
    ``mask_diag_sparse[_except_index]``, ``vec_mask_sparse_matrix`` (outdated), the
    commit-reveal mask, ``inplace_row_normalize_sparse``.
    """
    m, n = rows.size, state.n
    weights = _empty((m, n))
    w_keep = _empty((m, n), np.bool_)
    fk.mask_normalize_weights(
        state.weights[rows], state.weights_present[rows], rows, permit_old,
        -1 if state.owner_uid is None else state.owner_uid,
        state.last_update, state.block_at_registration, state.commit_block,
        state.commit_reveal_enabled, weights, w_keep,
    )
    return weights, w_keep


def _consensus_step(
    state: ChainState, active_stake: np.ndarray, weights: np.ndarray, w_keep: np.ndarray,
    rows: np.ndarray
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Step 6: consensus, clipping, validator trust, ranks and incentive.

    ``weighted_median_col_sparse``, ``col_clip_sparse``, ``row_sum_sparse``,
    ``matmul_sparse``, ``inplace_normalize``.
    """
    m, n = rows.size, state.n
    kappa = int(fixed.u16_proportion_to_fixed(state.kappa))
    consensus = _consensus(active_stake, weights, rows, kappa)
    clipped = _empty((m, n))
    c_keep = _empty((m, n), np.bool_)
    fk.col_clip_sparse(weights, w_keep, consensus, clipped, c_keep)
    vtrust_c = _empty(m)
    fk.row_sum_wrapping(clipped, vtrust_c)
    vtrust = np.zeros(n, dtype=np.int64)
    vtrust[rows] = vtrust_c
    ranks = _empty(n)
    fk.matmul_sparse(clipped, np.ascontiguousarray(active_stake[rows]), ranks)
    return kappa, consensus, clipped, c_keep, vtrust, ranks, fixed.normalize(ranks)


def _weights_for_bonds(
    state: ChainState, rows: np.ndarray, weights: np.ndarray, w_keep: np.ndarray,
    clipped: np.ndarray, c_keep: np.ndarray
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray | None]:
    """Step 7a: ``interpolate_sparse(weights, clipped_weights, BondsPenalty / 65535)``.

    Returns the bits of beta, the rows, their kept entries and the rows' stored order
    (None when sorted: ``interpolate_sparse`` emits sorted rows).
    """
    m, n = rows.size, state.n
    beta = int(fixed.u16_proportion_to_fixed(state.bonds_penalty))
    order = None if state.weights_order is None else state.weights_order[rows]
    if beta == 0:
        return beta, weights, w_keep, order
    if beta == fixed.ONE:
        return beta, clipped, c_keep, order
    wb = _empty((m, n))
    wb_keep = _empty((m, n), np.bool_)
    fk.interpolate_sparse(weights, clipped, beta, wb, wb_keep)
    return beta, wb, wb_keep, None


def _bond_mask(state: ChainState, rows: np.ndarray, bonds_reset: ArrayLike | None) -> np.ndarray:
    """Stored bond entries kept: ``scalar_vec_mask_sparse_matrix(cutoff <= registered)``."""
    if bonds_reset is None:
        reset = np.uint64(state.last_tempo) <= state.block_at_registration
    else:
        reset = as_mask(bonds_reset, "bonds_reset", length=state.n)
    result: np.ndarray = state.bonds_present[rows] & ~reset[None, :]
    return result


def _yuma3_bonds(
    state: ChainState, rows: np.ndarray, wb: np.ndarray, wb_keep: np.ndarray,
    wb_order: np.ndarray | None, b_keep: np.ndarray, consensus: np.ndarray,
    incentive: np.ndarray, active_stake: np.ndarray,
) -> _Bonds:
    """Step 7b (Yuma 3): the bond EMA and the dividends.

    ``get_bonds_sparse_fixed_proportion``, ``compute_bonds_sparse`` (liquid alpha per
    entry, or ``mat_ema_sparse`` with ``1 - BMA/1e6``), then
    ``row_sum_sparse(mat_vec_mul_sparse(col_normalize(B), I))``, ``vec_mul`` with the
    active stake, ``inplace_normalize``.
    """
    m, n = rows.size, state.n
    ema_alpha = _yuma3_fixed_alpha(state.bonds_moving_average)
    bonds = _empty((m, n))
    fk.load_bonds(state.bonds[rows], b_keep, True, bonds)
    alpha_consensus = _liquid_alpha_consensus(state, consensus)
    liquid = state.liquid_alpha_on and bool(np.any(alpha_consensus != 0))
    ema = _empty((m, n))
    e_keep = _empty((m, n), np.bool_)
    ema_order = None
    if liquid:
        if wb_order is None:
            new_rec = wb_keep
        else:
            new_rec = _empty((m, n), np.bool_)
            fk.row_records(wb_keep, wb_order, new_rec)
            ema_order = wb_order  # mat_ema_alpha_sparse keeps the new rows' order
        if state.bonds_order is None:
            old_rec = b_keep
        else:
            old_rec = _empty((m, n), np.bool_)
            fk.row_records(b_keep, state.bonds_order[rows], old_rec)
        lo = int(fixed.u16_proportion_to_fixed(state.alpha_low))
        hi = int(fixed.u16_proportion_to_fixed(state.alpha_high))
        slope = int(fixed.saturating_div(fixed.from_int(state.alpha_sigmoid_steepness),
                                         -100 << 32))
        kernel = (fk.mat_ema_alpha_sparse_parallel if int(wb_keep.sum()) > _PARALLEL_MIN
                  else fk.mat_ema_alpha_sparse)
        kernel(wb, wb_keep, new_rec, bonds, old_rec, alpha_consensus, lo, hi, slope, ema,
               e_keep)
    else:
        fk.mat_ema_sparse(wb, bonds, ema_alpha, ema, e_keep)
    ema_norm = _empty((m, n))
    fk.col_normalize(ema, ema_norm)
    total_c = _empty(m)
    fk.row_dot_wrapping(ema_norm, incentive, total_c)
    total_bonds = np.zeros(n, dtype=np.int64)
    total_bonds[rows] = total_c
    dividends = fixed.normalize(fixed.vec_mul(total_bonds, active_stake))
    return _Bonds(bonds, ema, e_keep, ema_order, ema, dividends, int(ema_alpha), liquid)


def _yuma2_bonds(
    state: ChainState, rows: np.ndarray, wb: np.ndarray, b_keep: np.ndarray, incentive: np.ndarray,
    active_stake: np.ndarray
) -> _Bonds:
    """Step 7b (Yuma 2): the bond EMA and the dividends.

    ``get_bonds_sparse``, mask, column normalize, ``row_hadamard_sparse``, column
    normalize, ``mat_ema_sparse``, column normalize, ``matmul_transpose_sparse``,
    normalize; ``inplace_col_max_upscale_sparse`` for storage.
    """
    m, n = rows.size, state.n
    ema_alpha = fixed.bonds_ema_alpha(state.bonds_moving_average)
    bonds = _empty((m, n))
    fk.load_bonds(state.bonds[rows], b_keep, False, bonds)
    fk.col_normalize(bonds, bonds)
    delta = _empty((m, n))
    fk.row_scale(wb, np.ascontiguousarray(active_stake[rows]), delta)
    fk.col_normalize(delta, delta)
    ema = _empty((m, n))
    e_keep = _empty((m, n), np.bool_)
    fk.mat_ema_sparse(delta, bonds, ema_alpha, ema, e_keep)
    fk.col_normalize(ema, ema)
    div_c = _empty(m)
    fk.row_dot_saturating(ema, incentive, div_c)
    div = np.zeros(n, dtype=np.int64)
    div[rows] = div_c
    stored = _empty((m, n))
    fk.col_max_upscale(ema, stored)
    return _Bonds(bonds, ema, e_keep, None, stored, fixed.normalize(div), int(ema_alpha),
                  False)


def _emission_shares(
    incentive: np.ndarray, dividends: np.ndarray, stake: np.ndarray, active_stake: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 8: normalized server, validator and combined emission.

    Saturating ``I + D``, ``inplace_normalize_using_sum``, and the zero-emission fallback
    (validators get ``active_stake``, or ``stake`` when none is active).
    """
    combined = fixed.saturating_add(incentive, dividends)
    emission_sum = int(fixed.wrapping_sum(combined))
    n_server = fixed.normalize_using_sum(incentive, emission_sum)
    n_validator = fixed.normalize_using_sum(dividends, emission_sum)
    n_combined = fixed.normalize(combined)
    if emission_sum == 0:
        fallback = stake if int(fixed.wrapping_sum(active_stake)) == 0 else active_stake
        n_validator, n_combined = fallback.copy(), fallback.copy()
    return n_server, n_validator, n_combined


def _epoch_core(
    state: ChainState, active: ArrayLike | None, bonds_reset: ArrayLike | None
) -> _Core:
    """Steps 1 to 8 of :func:`chain_epoch` on the rows that can hold anything."""
    act = _activity(state, active)
    stake, raw_stake = _stake_weights(state)
    permit_old, permit_new = _validator_permits(state, stake)
    # 4. Active stake: inplace_mask_vector (inactive, forbids), inplace_normalize
    active_stake = fixed.normalize(np.where(act & permit_old, stake, 0))
    # Rows that can hold anything: permitted weight rows and stored bond rows.
    used = (permit_old & state.weights_present.any(axis=1)) | state.bonds_present.any(axis=1)
    rows = np.flatnonzero(used).astype(np.int64)
    weights, w_keep = _masked_weights(state, rows, permit_old)
    kappa, consensus, clipped, c_keep, vtrust, ranks, incentive = _consensus_step(
        state, active_stake, weights, w_keep, rows)
    beta, wb, wb_keep, wb_order = _weights_for_bonds(state, rows, weights, w_keep, clipped,
                                                     c_keep)
    b_keep = _bond_mask(state, rows, bonds_reset)
    if state.yuma3_on:
        bond = _yuma3_bonds(state, rows, wb, wb_keep, wb_order, b_keep, consensus, incentive,
                            active_stake)
    else:
        bond = _yuma2_bonds(state, rows, wb, b_keep, incentive, active_stake)
    n_server, n_validator, n_combined = _emission_shares(incentive, bond.dividends, stake,
                                                         active_stake)
    return _Core(
        n=state.n, rows=rows, act=act, stake=stake, raw_stake=raw_stake,
        permit_new=permit_new, active_stake=active_stake, weights=weights, w_keep=w_keep,
        consensus=consensus, clipped=clipped, c_keep=c_keep, vtrust=vtrust, ranks=ranks,
        incentive=incentive, wb=wb, wb_keep=wb_keep, bonds=bond.bonds, b_keep=b_keep,
        ema=bond.ema, e_keep=bond.e_keep, stored=bond.stored, ema_order=bond.ema_order,
        dividends=bond.dividends, n_server=n_server, n_validator=n_validator,
        n_combined=n_combined, kappa=kappa, beta=beta, ema_alpha=bond.ema_alpha,
        liquid=bond.liquid,
    )


def _new_bonds(core: _Core) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Bond rows the epoch writes: the new bonds for new permits, empty otherwise."""
    n, rows = core.n, core.rows
    u16 = np.zeros(core.stored.shape, dtype=np.uint16)
    fk.proportion_to_u16(core.stored, u16)
    write = core.permit_new[rows][:, None] & core.e_keep
    bonds = np.zeros((n, n), dtype=np.uint16)
    present = np.zeros((n, n), dtype=bool)
    if rows.size:
        bonds[rows] = np.where(write, u16, 0)
        present[rows] = write
    # Every row is rewritten (or emptied): sorted unless mat_ema_alpha_sparse kept the
    # order of unsorted weight rows.
    order = None
    if core.ema_order is not None:
        order = np.broadcast_to(np.arange(n, dtype=np.int64), (n, n)).copy()
        order[rows] = core.ema_order
        order = _frozen(order)
    return _frozen(bonds), _frozen(present), order


def _liquid_alpha_consensus(state: ChainState, consensus: np.ndarray) -> np.ndarray:
    """The consensus (I32F32 bits) the liquid-alpha sigmoid reads (consensus mode)."""
    mode = state.liquid_alpha_consensus_mode
    previous = mode == "previous" or (mode == "auto" and state.bonds_penalty == _U16_MAX)
    stored = state.consensus
    if not previous or stored is None or stored.shape[0] == 0:
        return consensus
    out = np.array(consensus, dtype=np.int64)
    m = min(stored.shape[0], out.shape[0])
    out[:m] = fixed.u16_proportion_to_fixed(stored[:m])
    return out


def chain_epoch(
    state: ChainState,
    rao_emission: int = 1_000_000_000,
    *,
    record_step: bool = True,
    active: ArrayLike | None = None,
    bonds_reset: ArrayLike | None = None,
) -> tuple[ChainEpochOutput, ChainState]:
    r"""One epoch of ``epoch_mechanism`` (sparse, mechanism 0), bit for bit.

    Steps, with the chain's names (``run_epoch.rs``):

    1. **Activity**: ``inactive = last_update.saturating_add(activity_cutoff) < block``.
    2. **Stake**: raw ``I64F64`` stake (``get_stake_weights_for_network``); entries whose
       floor is below ``StakeThreshold`` become 0 except the owner's;
       ``inplace_normalize_64``; ``vec_fixed64_to_fixed32``.
    3. **Permits**: stored ``ValidatorPermit`` with the owner forced; new permits
       ``is_topk_nonzero(stake, MaxAllowedValidators)`` with the owner forced.
    4. **Active stake**: ``inplace_mask_vector`` (inactive, no permit),
       ``inplace_normalize``.
    5. **Weights**: ``get_weights_sparse``, ``mask_rows_sparse`` (no old permit),
       ``mask_diag_sparse[_except_index]`` (owner keeps its self-weight),
       ``vec_mask_sparse_matrix`` (``last_update <= block_at_registration``), the
       commit-reveal mask (``commit_block < block_at_registration``),
       ``inplace_row_normalize_sparse``.
    6. **Consensus**: ``weighted_median_col_sparse`` with
       ``kappa = I32F32(Kappa) / 65535``; ``col_clip_sparse``; validator trust
       ``row_sum_sparse``; ranks ``matmul_sparse``; incentive ``inplace_normalize``.
    7. **Bonds**: ``interpolate_sparse(weights, clipped, BondsPenalty / 65535)``, then
       Yuma 3 (``get_bonds_sparse_fixed_proportion``, the :func:`bond_cutoff_block` column
       mask,
       ``compute_bonds_sparse``: liquid alpha per entry with the sparse drop rule or
       ``mat_ema_sparse`` with ``1 - BMA/1e6``; ``inplace_col_normalize_sparse`` copy;
       ``row_sum_sparse(mat_vec_mul_sparse)``, ``vec_mul`` (checked), ``inplace_normalize``)
       or Yuma 2 (``get_bonds_sparse``, mask, column normalize, ``row_hadamard_sparse``,
       column normalize, ``mat_ema_sparse``, column normalize, ``matmul_transpose_sparse``,
       normalize, ``inplace_col_max_upscale_sparse`` for storage).
    8. **Emission**: ``I + D`` (saturating), ``inplace_normalize_using_sum``, the
       zero-emission fallback (validators get ``active_stake``, or ``stake`` when no
       stake is active), ``I96F32 * rao_emission`` floored to ``u64``.
    9. **Storage**: ``fixed_proportion_to_u16`` outputs; bond rows of UIDs with a new
       permit become the new bonds, every other row is written empty (``EpochTerms.bond``
       defaults to empty and ``persist_mechanism_epoch_terms`` writes every UID's row);
       ``ValidatorPermit`` = new permits.

    Stakes are taken as the chain takes them, overflow included: each raw stake is
    ``I64F64::saturating_from_num`` of its u64 rao (``I64F64::MAX`` from 2**63 on) and
    ``inplace_normalize_64`` adds them with the release runtime's wrapping ``+``. A
    total at or above 2**63 rao (about 400 times the whole alpha supply; no real subnet
    gets there) therefore wraps exactly as on chain: two stakes of 2**63 rao normalize to
    0 (no permits, nothing paid), and ``[10**9, 2**63 - 1, 2**63 - 1]`` saturates
    ``I32F32`` and pays each large UID about 2.1e18 rao from a budget of 1e9. This
    function reproduces that bit for bit rather than refusing it;
    :func:`yuma.chain_epoch_from_float` keeps the total below 2**63.

    Parameters
    ----------
    state : ChainState
        Storage before the epoch.
    rao_emission : int
        Alpha to distribute (u64).
    record_step : bool
        Write ``LastMechansimStepBlock = block`` (and ``LastYumaStepBlock = block`` when
        ``block > 0``) into the new state, as the coinbase does after
        ``distribute_emission``. The chain tests call the ``epoch`` wrapper directly,
        which does not: pass False to replay them.
    active : array_like of bool, shape (n,), optional
        Use this activity mask instead of step 1 (for inputs that are not chain state).
    bonds_reset : array_like of bool, shape (n,), optional
        Columns whose bonds are dropped, instead of ``last_tempo <= block_at_registration``.

    Returns
    -------
    output : ChainEpochOutput
        Stored values and the intermediates.
    new_state : ChainState
        The state after the epoch (bonds, permits, consensus and, with ``record_step``,
        the step blocks).
    """
    check_state(state)
    record_step = _bool(record_step, "record_step")
    if not isinstance(state, ChainState):
        raise ValueError(f"state must be a ChainState, got {type(state).__name__}")
    rao = _u64(rao_emission, "rao_emission")
    core = _epoch_core(state, active, bonds_reset)
    out, order = _output(core, state, rao)
    return out, _persist(state, out, order, record_step)


def _persist(
    state: ChainState, out: ChainEpochOutput, bonds_order: np.ndarray | None, record_step: bool
) -> ChainState:
    """``persist_mechanism_epoch_terms`` and the coinbase's step blocks, as a new state.

    Bonds, permits and ``Consensus`` are the epoch's; with ``record_step``
    ``LastMechansimStepBlock = block`` and, as ``distribute_emissions_to_subnets`` does
    for a Yuma epoch at a block above 0, ``LastYumaStepBlock = block``.
    """
    steps: dict[str, Any] = {}  # step blocks, for dataclasses.replace
    if record_step:
        steps["last_mechanism_step_block"] = state.block
        if state.block > 0:
            steps["last_yuma_step_block"] = state.block
    return dataclasses.replace(
        state,
        bonds=out.bonds,
        bonds_present=out.bonds_present,
        bonds_order=bonds_order,
        validator_permit=_frozen(np.array(out.validator_permit)),
        consensus=out.consensus,
        **steps,
    )


def _output(core: _Core, state: ChainState, rao: int) -> tuple[ChainEpochOutput, np.ndarray | None]:
    n, rows = core.n, core.rows
    bonds, present, order = _new_bonds(core)
    p16 = fixed.fixed_proportion_to_u16
    out = ChainEpochOutput(
        stake=core.raw_stake,
        stake_weight=p16(core.stake),
        consensus=p16(core.consensus),
        incentive=p16(core.incentive),
        dividends=p16(core.dividends),
        validator_trust=p16(core.vtrust),
        server_emission=_to_rao(core.n_server, rao),
        validator_emission=_to_rao(core.n_validator, rao),
        emission=_to_rao(core.n_combined, rao),
        active=core.act,
        validator_permit=core.permit_new,
        bonds=bonds,
        bonds_present=present,
        intermediates=ChainIntermediates(
            stake=core.stake, active_stake=core.active_stake,
            weights=_dense(core.weights, rows, n), weights_kept=_dense(core.w_keep, rows, n),
            consensus=core.consensus,
            clipped_weights=_dense(core.clipped, rows, n),
            clipped_weights_kept=_dense(core.c_keep, rows, n),
            validator_trust=core.vtrust, ranks=core.ranks, incentive=core.incentive,
            weights_for_bonds=_dense(core.wb, rows, n),
            weights_for_bonds_kept=_dense(core.wb_keep, rows, n),
            bonds=_dense(core.bonds, rows, n), bonds_kept=_dense(core.b_keep, rows, n),
            ema_bonds=_dense(core.ema, rows, n), ema_bonds_kept=_dense(core.e_keep, rows, n),
            dividends=core.dividends,
            normalized_server_emission=core.n_server,
            normalized_validator_emission=core.n_validator,
            normalized_combined_emission=core.n_combined,
            kappa=core.kappa, bonds_penalty=core.beta, ema_alpha=core.ema_alpha,
            liquid_alpha_used=core.liquid,
        ),
    )
    return out, order

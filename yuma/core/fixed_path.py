r"""The float epoch's ``arithmetic="fixed"`` mode: the chain's own epoch on float inputs.

:func:`chain_epoch_from_float` stores the inputs of :func:`yuma.epoch` as the chain stores
them (u16 weight and bond rows, stake in rao, hyperparameters as the chain's integers),
runs :func:`yuma.chain.chain_epoch` on that state and returns a :class:`yuma.EpochResult`
of float views of the fixed-point results.
"""

from __future__ import annotations

import math
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike

from ..chain import _kernels as fk
from ..chain import fixed
from ..chain.run_epoch import ChainEpochOutput, _Core, _empty, _epoch_core, _output
from ..chain.state import _I16_MAX, _I16_MIN, _U16_MAX, U64_MAX, ChainState, _frozen, _u64
from ..params import YumaParams
from ..result import EpochResult
from .builtin_epoch import block_ranks as _block_ranks
from .inputs import EpochInputs, check_inputs
from .variants import YUMA3

__all__ = ["chain_epoch_from_float", "run_fixed"]

# --------------------------------------------------------------------------------------
# Entry point on the float path's inputs
# --------------------------------------------------------------------------------------


def _round_u16(x: np.ndarray, nonzero_rows: np.ndarray) -> np.ndarray:
    """``rint(65535 * x)`` as u16 (``x`` in [0, 1]), computed on the non-zero rows only."""
    out = np.zeros(x.shape, dtype=np.uint16)
    live = np.flatnonzero(nonzero_rows)
    if live.size:
        out[live] = np.clip(np.rint(x[live] * _U16_MAX), 0, _U16_MAX).astype(np.uint16)
    return out


def _max_upscale_rows(w: np.ndarray, nonzero_rows: np.ndarray) -> np.ndarray:
    """``rint(65535 * w / max(w))`` per row (0 for rows without a positive weight)."""
    out = np.zeros(w.shape, dtype=np.uint16)
    live = np.flatnonzero(nonzero_rows)
    if live.size:
        rows = w[live]
        out[live] = np.rint(rows / rows.max(axis=1)[:, None] * _U16_MAX).astype(np.uint16)
    return out


def _chain_int(value: float, scale: float, name: str, lo: int, hi: int) -> int:
    v = round(float(value) * scale)
    if not lo <= v <= hi:
        raise ValueError(f"{name}={value!r} does not fit the chain's integer range")
    return int(v)


_RAO_SUM_TARGET = 2**62
"""Total rao the default scale aims at when stakes must be scaled down (half the limit)."""
_RAO_SUM_LIMIT = 2**63
"""The chain adds stakes as ``I64F64`` with the wrapping ``+``: totals must stay below it."""


def _default_rao_per_unit(stake: np.ndarray) -> float:
    """1 for integer stakes summing below 2**63, else 1e9 when that fits, else a fit.

    The total is summed in units of 2**64 (an exact power-of-two scaling), so stakes near
    the float64 maximum cannot overflow the sum; the scale is the same bits as from the
    unscaled total.
    """
    unit = 2.0**-64
    total = math.fsum((stake * unit).tolist())  # total stake / 2**64
    if np.all(stake == np.floor(stake)) and total < _RAO_SUM_LIMIT * unit:
        return 1.0
    if total * 1e9 < _RAO_SUM_TARGET * unit:
        return 1e9
    return (_RAO_SUM_TARGET * unit) / total


def _stake_to_rao(stake: np.ndarray, rao_per_unit: float | None) -> tuple[np.ndarray, float]:
    """Stake in rao, ``rint(stake * rao_per_unit)``, with a total below 2**63.

    The scale is chosen from the *sum* of the stakes: the chain's ``inplace_normalize_64``
    adds the ``I64F64`` stakes with the wrapping ``+``, so a total at or above 2**63 rao
    would wrap (negative stake, lost permits). An explicit ``rao_per_unit`` that leads
    there is refused.
    """
    if rao_per_unit is None:
        rao_per_unit = _default_rao_per_unit(stake)
    elif isinstance(rao_per_unit, bool) or not isinstance(rao_per_unit, (int, float)) or not (
        math.isfinite(rao_per_unit) and rao_per_unit > 0
    ):
        raise ValueError(f"rao_per_unit must be a positive finite number, got {rao_per_unit!r}")
    rao_per_unit = float(rao_per_unit)
    scaled = np.rint(stake * rao_per_unit)
    rao = [int(v) for v in scaled.tolist()] if np.all(np.isfinite(scaled)) else None
    if rao is None or sum(rao) >= _RAO_SUM_LIMIT:
        raise ValueError(
            f"rao_per_unit={rao_per_unit!r}: stake * rao_per_unit must sum below 2**63 rao "
            "(the chain adds stakes in I64F64, whose integer part is an i64); use a smaller "
            "rao_per_unit or leave it None"
        )
    return np.array(rao, dtype=np.uint64), rao_per_unit


def _threshold_to_rao(threshold: float, scale: float) -> int:
    """``rint(threshold * scale)`` as a u64, saturating (a threshold above every u64)."""
    scaled = threshold * scale
    if not math.isfinite(scaled) or scaled >= 2.0**64:
        return U64_MAX
    return min(round(scaled), U64_MAX)


def chain_epoch_from_float(
    weights: ArrayLike,
    stake: ArrayLike,
    bonds: ArrayLike | None = None,
    *,
    params: YumaParams | None = None,
    variant=None,
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
    rao_per_unit: float | None = None,
    rao_emission: int = 1_000_000_000,
    return_chain: bool = False,
    previous_consensus: ArrayLike | None = None,
):
    r"""Run the chain's epoch on the inputs of :func:`yuma.epoch`; return an EpochResult.

    The float inputs become chain storage as the chain would hold them:

    * each weight row is max-upscaled to u16 as ``set_weights`` stores it:
      ``rint(65535 * w / max(w))`` (rows with no positive weight are all 0; the stored
      row is a fixed point of ``vec_u16_max_upscale_to_u16``). Stored entries are the
      ``listed`` ones plus the positive weights; with ``listed`` None every entry is
      stored (the dense model of :func:`yuma.epoch`);
    * stake becomes rao: ``rint(stake * rao_per_unit)``. By default ``rao_per_unit`` is
      1 for integer stakes summing below 2**63, else 1e9 (TAO to rao) when the total
      stays below 2**62 rao, else ``2**62 / sum(stake)``; ``stake_threshold`` is scaled
      the same way (saturating at ``u64::MAX``). The total is kept below 2**63 rao
      because the chain adds the ``I64F64`` stakes with the wrapping ``+``
      (``inplace_normalize_64``): a larger total wraps, which :func:`yuma.chain.chain_epoch`
      reproduces but this conversion refuses (an explicit ``rao_per_unit`` that gets
      there raises);
    * bonds (as the previous epoch returned them: Yuma 3 proportions, Yuma 2 column
      max-upscaled) become ``rint(65535 * b)``; entries are the non-zero ones;
    * ``params`` become the chain's integers (``Kappa = rint(65535 kappa)``,
      ``BondsMovingAverage = rint(1e6 bma)``, ``BondsPenalty``, ``AlphaValues``,
      ``AlphaSigmoidSteepness = rint(100 * steepness)``); variant ``"yuma3"`` or
      ``"yuma2"`` (``Yuma3On``); the historic ``yuma2_liquid_alpha_v1`` is not on chain.
    * ``active``, ``last_tempo``/``reset_bonds`` are applied as given (see
      :func:`yuma.chain.chain_epoch`'s ``active`` and ``bonds_reset``); the outdated-weights mask
      needs both ``last_update`` and ``block_at_registration``, the commit-reveal mask
      ``commit_block`` and ``block_at_registration``, as in :func:`yuma.epoch`.

    A rectangular ``weights`` (validators x miners) runs as the square subnet whose UIDs
    are the validators followed by the miners; results are cut back to
    :func:`yuma.epoch`'s shapes.

    Parameters
    ----------
    weights : array_like, shape (n_validators, n_uids)
        Weights per validator row (any non-negative scale), as in :func:`yuma.epoch`.
    stake : array_like, shape (n_validators,)
        Raw stake per row (any unit; see ``rao_per_unit``).
    bonds : array_like, shape (n_validators, n_uids), optional
        Bonds as the previous epoch returned them (``EpochResult.bonds``), in [0, 1].
    params : YumaParams, optional
        Hyperparameters (default ``YumaParams()``), converted to the chain's integers.
    variant : str or Variant, optional
        ``"yuma3"``/:data:`yuma.YUMA3` or ``"yuma2"``/:data:`yuma.YUMA2`; overrides
        ``params.variant``.
    active : array_like of bool, shape (n_validators,), optional
        Activity mask; None means all active.
    validator_permit : array_like of bool, shape (n_validators,), optional
        Permits stored by the previous epoch; None means all permitted.
    last_update : array_like of int, shape (n_validators,), optional
        With ``block_at_registration``: the outdated-weights mask.
    block_at_registration : array_like of int, shape (n_uids,), optional
        Registration block per UID (column).
    commit_block : array_like of int, shape (n_validators,), optional
        Commit-reveal: smallest non-expired commit block per validator.
    last_tempo : int, optional
        With ``block_at_registration``: bonds of UIDs with
        ``last_tempo <= block_at_registration`` are dropped.
    reset_bonds : array_like of bool, shape (n_uids,), optional
        Columns whose bonds are dropped.
    listed : array_like of bool, shape (n_validators, n_uids), optional
        Entries the validators listed (stored explicitly, zeros included).
    owner_uid : int, optional
        The subnet owner's row.
    stake_threshold : float
        Minimum raw stake, in the unit of ``stake``.
    rao_per_unit : float, optional
        Rao per unit of ``stake`` (see above); ``stake * rao_per_unit`` must sum below
        2**63.
    rao_emission : int
        Emission handed to the epoch (only the token amounts of the chain output depend
        on it).
    return_chain : bool
        Also return the :class:`yuma.chain.ChainEpochOutput` and the
        :class:`yuma.chain.ChainState` that ran.
    previous_consensus : array_like, shape (m,), optional
        Consensus the previous epoch stored, as proportions (one per column, like
        ``EpochResult.consensus``); stored as the chain's u16
        (``fixed_proportion_to_u16(from_num(x))``) and read by the liquid-alpha sigmoid
        under ``params.liquid_alpha_consensus_mode`` (see :class:`yuma.chain.ChainState`).

    Returns
    -------
    EpochResult
        Float views (``value = bits / 2**32``) of the fixed-point results, with the
        fields of :func:`yuma.epoch`: ``emission`` and the server/validator emissions are
        the normalized shares, ``bonds`` the stored u16 bonds / 65535 (rows without a new
        permit are empty, as on chain), ``trust`` the historic ``ranks / preranks``
        (``vecdiv``, removed from the chain in 2025-10).
    (EpochResult, ChainEpochOutput, ChainState)
        With ``return_chain``.

    Raises
    ------
    ValueError
        On invalid inputs (as :func:`yuma.epoch`), a parameter outside the chain's
        integer ranges, a variant the chain does not have, or a ``rao_per_unit`` that
        puts the total stake at or above 2**63 rao.
    """
    inputs = check_inputs(
        weights, stake, bonds, params=params, variant=variant, active=active,
        validator_permit=validator_permit, last_update=last_update,
        block_at_registration=block_at_registration, commit_block=commit_block,
        last_tempo=last_tempo, reset_bonds=reset_bonds, listed=listed, owner_uid=owner_uid,
        stake_threshold=stake_threshold, previous_consensus=previous_consensus,
        arithmetic="fixed",
    )
    return run_fixed(inputs, rao_per_unit=rao_per_unit, rao_emission=rao_emission,
                     return_chain=return_chain)


@overload
def run_fixed(inputs: EpochInputs, *, rao_per_unit: float | None = ...,
              rao_emission: int = ..., return_chain: Literal[False] = ...) -> EpochResult: ...
@overload
def run_fixed(inputs: EpochInputs, *, rao_per_unit: float | None = ..., rao_emission: int = ...,
              return_chain: Literal[True]) -> tuple[EpochResult, ChainEpochOutput, ChainState]: ...
@overload
def run_fixed(inputs: EpochInputs, *, rao_per_unit: float | None = ..., rao_emission: int = ...,
              return_chain: bool) -> EpochResult | tuple[EpochResult, ChainEpochOutput, ChainState]:
    ...
def run_fixed(inputs: EpochInputs, *, rao_per_unit: float | None = None,
              rao_emission: int = 1_000_000_000, return_chain: bool = False
              ) -> EpochResult | tuple[EpochResult, ChainEpochOutput, ChainState]:
    """The chain's fixed-point epoch on checked inputs (see :func:`chain_epoch_from_float`).

    Parameters
    ----------
    inputs : EpochInputs
        From :func:`yuma.core.inputs.check_inputs` with ``arithmetic="fixed"``.
    rao_per_unit, rao_emission, return_chain
        As :func:`chain_epoch_from_float`.

    Returns
    -------
    EpochResult, or (EpochResult, ChainEpochOutput, ChainState) with ``return_chain``.
    """
    state, active, reset = _chain_state(inputs, rao_per_unit)
    rao = _u64(rao_emission, "rao_emission")
    core = _epoch_core(state, active, reset)
    result = _float_result(core, inputs)
    if return_chain:
        out, _ = _output(core, state, rao)
        return result, out, state
    return result


def _stored_rows(inputs: EpochInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The u16 weight rows, the entries they list, and the u16 bond rows."""
    w = inputs.weights
    u16 = _max_upscale_rows(w, inputs.weight_rows)
    b16 = None if inputs.bonds is None else _round_u16(inputs.bonds, inputs.bond_rows)
    if inputs.listed is None:
        # Dense model: rows that set weights (or hold bonds) list every column.
        full_row = u16.any(axis=1) | (False if b16 is None else b16.any(axis=1))
        present = np.broadcast_to(np.asarray(full_row)[:, None], w.shape)
    else:
        present = inputs.listed | (w > 0)
    return u16, present, b16


def _chain_state(inputs: EpochInputs, rao_per_unit: float | None):
    """The square chain state the inputs describe, with the activity and reset vectors.

    Square embedding: UIDs are the rows, then (rectangular form) the columns.
    """
    n_rows, n_cols = inputs.shape
    n = n_rows if inputs.square else n_rows + n_cols
    off = 0 if inputs.square else n_rows
    if n > _U16_MAX:
        raise ValueError(f"a subnet holds at most 65535 UIDs, got {n}")
    cols = slice(off, off + n_cols)

    def embed(values, fill, dtype, where):
        full = np.full(n, fill, dtype)
        full[where] = values
        return full

    u16, present, b16 = _stored_rows(inputs)
    W = np.zeros((n, n), np.uint16)
    WP = np.zeros((n, n), bool)
    W[:n_rows, cols] = u16
    WP[:n_rows, cols] = present
    B = np.zeros((n, n), np.uint16)
    if b16 is not None:
        B[:n_rows, cols] = b16
    rao_stake, scale = _stake_to_rao(inputs.stake, rao_per_unit)
    bar, lu, cb = inputs.block_at_registration, inputs.last_update, inputs.commit_block
    use_cr = cb is not None and bar is not None
    if bar is not None and lu is None:
        # No outdated-weights mask: every last_update must exceed every registration,
        # which u64 blocks up to 2**64 - 1 may not allow. Only the order of the blocks
        # matters here (activity and bond resets are passed as masks): store ranks.
        bar, cb = _block_ranks(bar, cb if use_cr else None)
    full_bar = embed(0 if bar is None else bar, 0, np.uint64, cols)
    if lu is not None and bar is not None:
        full_lu = embed(lu, 0, np.uint64, slice(0, n_rows))
    else:
        full_lu = np.full(n, int(full_bar.max()) + 1 if n else 1, np.uint64)
    full_cb = embed(cb if use_cr else U64_MAX, U64_MAX, np.uint64, slice(0, n_rows))
    prev16 = None
    if inputs.previous_consensus is not None:
        pc = fixed.from_float(inputs.previous_consensus)
        prev16 = np.asarray(fixed.fixed_proportion_to_u16(pc), np.uint16)
        if not inputs.square:
            prev16 = np.concatenate([np.zeros(off, np.uint16), prev16])
    state = ChainState(
        n=n,
        stake=_frozen(embed(rao_stake, 0, np.uint64, slice(0, n_rows))),
        weights=_frozen(W),
        weights_present=_frozen(WP),
        bonds=_frozen(B),
        bonds_present=_frozen(B != 0),
        last_update=_frozen(full_lu),
        block_at_registration=_frozen(full_bar),
        validator_permit=_frozen(embed(inputs.validator_permit, False, bool, slice(0, n_rows))),
        owner_uid=inputs.owner_uid,
        stake_threshold=_threshold_to_rao(inputs.stake_threshold, scale),
        commit_reveal_enabled=use_cr,
        commit_block=_frozen(full_cb),
        consensus=None if prev16 is None else _frozen(prev16),
        **_chain_hyperparameters(inputs),
    )
    active = embed(inputs.active, True, bool, slice(0, n_rows))
    reset = embed(inputs.reset_bonds, False, bool, cols)
    return state, active, reset


def _chain_hyperparameters(inputs: EpochInputs) -> dict:
    """``YumaParams`` as the chain's integers (``Kappa = rint(65535 kappa)``, ...)."""
    params = inputs.params
    return dict(
        kappa=_chain_int(params.kappa, _U16_MAX, "kappa", 0, _U16_MAX),
        bonds_penalty=_chain_int(params.bonds_penalty, _U16_MAX, "bonds_penalty", 0, _U16_MAX),
        bonds_moving_average=_chain_int(params.bonds_moving_average, 1e6,
                                        "bonds_moving_average", 0, U64_MAX),
        liquid_alpha_on=params.liquid_alpha,
        alpha_low=_chain_int(params.alpha_low, _U16_MAX, "alpha_low", 0, _U16_MAX),
        alpha_high=_chain_int(params.alpha_high, _U16_MAX, "alpha_high", 0, _U16_MAX),
        alpha_sigmoid_steepness=_chain_int(params.alpha_sigmoid_steepness, 100,
                                           "alpha_sigmoid_steepness", _I16_MIN, _I16_MAX),
        yuma3_on=inputs.variant is YUMA3,
        max_allowed_validators=params.max_allowed_validators,
        liquid_alpha_consensus_mode=params.liquid_alpha_consensus_mode,
    )


def _float_result(core: _Core, inputs: EpochInputs) -> EpochResult:
    """Float views (``bits / 2**32``) of the fixed-point results, cut to the inputs' shape."""
    n_rows, n_cols = inputs.shape
    off = 0 if inputs.square else n_rows
    rows = core.rows
    sel = rows < n_rows  # in the rectangular form only validators hold rows
    r_ids = rows[sel]

    def mat(compact, scale_bits=True):
        out = np.zeros((n_rows, n_cols))
        if r_ids.size:
            part = compact[sel][:, off:off + n_cols]
            out[r_ids] = part * 2.0**-32 if scale_bits else part
        return out

    weights_f = mat(core.weights)
    clipped_f = mat(core.clipped)
    if core.wb is core.weights:
        wb_f = weights_f
    elif core.wb is core.clipped:
        wb_f = clipped_f
    else:
        wb_f = mat(core.wb)
    preranks = _empty(core.n)
    fk.matmul_sparse(core.weights, np.ascontiguousarray(core.active_stake[rows]), preranks)
    trust = fixed.vecdiv(core.ranks, preranks)
    u16_new = np.zeros(core.stored.shape, dtype=np.uint16)
    fk.proportion_to_u16(core.stored, u16_new)
    written = np.where(core.permit_new[rows][:, None] & core.e_keep, u16_new, 0)

    f = fixed.to_float
    r, c = slice(0, n_rows), slice(off, off + n_cols)
    return EpochResult(
        variant=inputs.variant.name,
        stake=f(core.stake[r]),
        active=inputs.active,
        active_stake=f(core.active_stake[r]),
        weights=weights_f,
        consensus=f(core.consensus[c]),
        clipped_weights=clipped_f,
        validator_trust=f(core.vtrust[r]),
        rank=f(core.ranks[c]),
        trust=f(trust[c]),
        incentive=f(core.incentive[c]),
        weights_for_bonds=wb_f,
        ema_bonds=mat(core.ema),
        bonds=mat(written, scale_bits=False) / _U16_MAX,
        dividends=f(core.dividends[r]),
        server_emission=f(core.n_server[c]),
        validator_emission=f(core.n_validator[r]),
        emission=f(core.n_combined),
        validator_permit=np.array(core.permit_new[r]),
    )

"""One Yuma epoch: the steps of :mod:`yuma.steps` composed in the chain's order."""

from __future__ import annotations

import math

import numpy as np

from . import steps
from ._fused import fused_core
from ._validation import (
    as_block_vector,
    as_mask,
    as_mask_matrix,
    as_matrix_readonly,
    as_uid,
    as_vector,
)
from .ops import _row_normalize_inplace, normalize
from .params import YumaParams
from .result import EpochResult
from .variants import YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3, Variant, get_variant

_BUILTIN_VARIANTS = (YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3)

__all__ = ["epoch"]


def epoch(
    weights: np.ndarray,
    stake: np.ndarray,
    bonds: np.ndarray | None = None,
    *,
    params: YumaParams | None = None,
    variant: str | Variant | None = None,
    active: np.ndarray | None = None,
    validator_permit: np.ndarray | None = None,
    last_update: np.ndarray | None = None,
    block_at_registration: np.ndarray | None = None,
    commit_block: np.ndarray | None = None,
    last_tempo: int | None = None,
    reset_bonds: np.ndarray | None = None,
    listed: np.ndarray | None = None,
    owner_uid: int | None = None,
    stake_threshold: float = 0.0,
    previous_consensus: np.ndarray | None = None,
    arithmetic: str = "float",
) -> EpochResult:
    r"""Run one Yuma consensus epoch as the chain does (sparse ``epoch_mechanism``), in float64.

    Steps (chain order): stake ``S = N(stake >= threshold)``; new permits = top-k of ``S``;
    active stake ``S_act = N(S * active * validator_permit)``; weights masked (no permit,
    self-weights, outdated, commit-reveal) and row-normalized; consensus ``C`` = stake-
    weighted kappa-value per column; clipped weights ``min(W, C)``; validator trust, rank,
    incentive ``N(R)``; bond weights ``W + beta (W_clipped - W)``; bonds and dividends by
    the variant; emission shares.

    Parameters
    ----------
    weights : array_like, shape (n_validators, n_uids)
        Weights set by each validator (any non-negative scale per row: u16 or
        proportions). Square means the chain's form: row i and column i are the same UID
        and self-weights are masked. Rectangular means validators and miners are distinct.
    stake : array_like, shape (n_validators,)
        Raw stake per row (any unit).
    bonds : array_like, shape (n_validators, n_uids), optional
        Bonds as the previous epoch returned them (``EpochResult.bonds``); None means none.
        Under Yuma 3 they are proportions in [0, 1] (the chain stores u16 / 65535).
    params : YumaParams, optional
        Hyperparameters (defaults: ``YumaParams()``).
    variant : str or Variant, optional
        Overrides ``params.variant``; a :class:`yuma.Variant` value runs a custom variant.
    active : array_like of bool, shape (n_validators,), optional
        Activity mask (see :func:`yuma.activity_mask`); None means all active.
    validator_permit : array_like of bool, shape (n_validators,), optional
        Permits stored by the previous epoch; None means all permitted.
    last_update : array_like of int, shape (n_validators,), optional
        With ``block_at_registration``: drop weights set before a UID registered
        (``last_update[i] <= block_at_registration[j]``).
    block_at_registration : array_like of int, shape (n_uids,), optional
        Registration block per UID.
    commit_block : array_like of int, shape (n_validators,), optional
        Commit-reveal: smallest non-expired commit block per validator; drops
        ``(i, j)`` where ``commit_block[i] < block_at_registration[j]``.
    last_tempo : int, optional
        With ``block_at_registration``: bonds of UIDs with
        ``last_tempo <= block_at_registration[j]`` are reset (chain: registered since the
        last epoch).
    reset_bonds : array_like of bool, shape (n_uids,), optional
        Columns whose previous bonds are reset (re-registration, hotkey swap).
    listed : array_like of bool, shape (n_validators, n_uids), optional
        Entries the validators listed when setting weights, explicit zeros included (the
        chain stores them). Matters only for Yuma 3 with liquid alpha, where a bond to a
        miner the validator did not list is dropped instead of decayed. Default: every
        entry listed (the dense model; bonds decay). Positive weights always count as
        listed; pass ``weights > 0`` for validators that omit zero weights.
    owner_uid : int, optional
        The subnet owner: always permitted, exempt from the stake threshold, keeps its
        self-weight.
    stake_threshold : float
        Minimum raw stake (same unit as ``stake``) counted in the epoch.
    previous_consensus : array_like, shape (m,), optional
        The consensus the previous epoch stored (proportions in [0, 1]; e.g. the previous
        ``EpochResult.consensus``, or the chain's u16 ``Consensus`` / 65535). Read by the
        Yuma 3 liquid-alpha sigmoid when ``params.liquid_alpha_consensus_mode`` resolves
        to "previous" (see :func:`yuma.steps.liquid_alpha_consensus`, which also gives
        the rule for ``m != n_uids``); ignored otherwise, and by the historic
        ``yuma2_liquid_alpha_v1``.
    arithmetic : {"float", "fixed"}
        ``"float"``: this path, in float64. ``"fixed"``: the chain's own fixed-point epoch
        (:func:`yuma.chain_epoch_from_float`), bit for bit what the chain computes from
        these inputs stored as it stores them (u16 weights and bonds, stake in rao,
        hyperparameters as the chain's integers); its results are float views of the
        fixed-point values.

    Returns
    -------
    EpochResult

    Raises
    ------
    ValueError
        On wrong shapes, NaN/inf, negative stake or weights, or out-of-range values; the
        message names the argument.

    Examples
    --------
    Two validators (rows, stake 3:1) weight three miners (columns). Only the larger
    validator holds kappa of the stake, so consensus follows it and the smaller
    validator's 0.8 on the first miner is clipped to 0.5:

    >>> import numpy as np, yuma
    >>> w = np.array([[0.5, 0.5, 0.0], [0.8, 0.2, 0.0]])
    >>> r = yuma.epoch(w, np.array([3.0, 1.0]))
    >>> r.consensus.tolist(), r.rank.tolist()
    ([0.5, 0.5, 0.0], [0.5, 0.425, 0.0])
    >>> np.round(r.incentive, 4).tolist(), np.round(r.dividends, 4).tolist()
    ([0.5405, 0.4595, 0.0], [0.8172, 0.1828])
    """
    if arithmetic == "fixed":
        from .chain import chain_epoch_from_float

        return chain_epoch_from_float(
            weights, stake, bonds, params=params, variant=variant, active=active,
            validator_permit=validator_permit, last_update=last_update,
            block_at_registration=block_at_registration, commit_block=commit_block,
            last_tempo=last_tempo, reset_bonds=reset_bonds, listed=listed,
            owner_uid=owner_uid, stake_threshold=stake_threshold,
            previous_consensus=previous_consensus,
        )
    if arithmetic != "float":
        raise ValueError(f"arithmetic must be 'float' or 'fixed', got {arithmetic!r}")
    if params is None:
        params = YumaParams()
    elif not isinstance(params, YumaParams):
        raise ValueError(f"params must be a YumaParams, got {type(params).__name__}")
    var = get_variant(variant, params)
    # Large matrices are checked in place, never copied whole: no step writes into them.
    w_raw, weight_rows = as_matrix_readonly(weights, "weights")
    n_rows, n_cols = w_raw.shape
    square = n_rows == n_cols
    raw_stake = as_vector(stake, "stake", length=n_rows)
    if bonds is None:
        prev_bonds, bond_rows = None, np.zeros(n_rows, dtype=np.bool_)
    else:
        # Yuma 3 bonds are absolute proportions (the chain stores u16 / 65535).
        prev_bonds, bond_rows = as_matrix_readonly(
            bonds, "bonds", shape=w_raw.shape, at_most_one=var is YUMA3
        )
    active_mask = as_mask(active, "active", length=n_rows)
    permit_old = as_mask(validator_permit, "validator_permit", length=n_rows)
    owner = as_uid(owner_uid, "owner_uid", n=n_rows) if n_rows else None
    if owner_uid is not None and n_rows == 0:
        raise ValueError("owner_uid given but there are no UIDs")
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
    listed_mask = None if listed is None else as_mask_matrix(listed, "listed", shape=w_raw.shape)
    reset = as_mask(reset_bonds, "reset_bonds", length=n_cols, default=False)
    if last_tempo is not None:
        if bar is None:
            raise ValueError("last_tempo needs block_at_registration")
        if (
            isinstance(last_tempo, bool)
            or not isinstance(last_tempo, (int, np.integer))
            or last_tempo < 0
        ):
            raise ValueError(f"last_tempo must be a non-negative integer block, got {last_tempo!r}")
        reset |= int(last_tempo) <= bar
    prev_cons = None
    if previous_consensus is not None:
        prev_cons = as_vector(previous_consensus, "previous_consensus")
        if prev_cons.size and prev_cons.max() > 1.0:
            raise ValueError("previous_consensus must hold proportions in [0, 1]")
        if var is YUMA2_LIQUID_ALPHA_V1:
            prev_cons = None  # the historic rule predates consensus modes
    if not math.isfinite(stake_threshold) or stake_threshold < 0:
        raise ValueError(f"stake_threshold must be finite and >= 0, got {stake_threshold!r}")

    if owner is not None:
        permit_old[owner] = True
    stake_w = steps._stake_weights(raw_stake, stake_threshold, owner)
    permit_new = steps._validator_permits(stake_w, params.max_allowed_validators, owner)
    act_stake = normalize(np.where(active_mask & permit_old, stake_w, 0.0))

    # Rows with no stake, no weights and no bonds (the miners of a square subnet) have
    # all-zero row outputs under the built-in variants: run the steps on the other rows only.
    builtin = any(var is v for v in _BUILTIN_VARIANTS)
    if builtin:
        rows = np.arange(n_rows)
        if square and n_rows:
            used = (raw_stake > 0.0) | weight_rows | bond_rows
            if owner is not None:
                used[owner] = True
            rows = np.flatnonzero(used)
        fields = fused_core(
            var, params, w_raw, prev_bonds, listed_mask, reset, rows, act_stake, stake_w,
            permit_old, permit_new, owner, lu, cb, bar, square, prev_cons,
        )
    else:
        if prev_bonds is None:
            prev_bonds = np.zeros_like(w_raw)
        if listed_mask is not None:
            listed_mask |= w_raw > 0.0  # positive weights are always listed
        fields = _stepwise_core(
            var, params, w_raw, prev_bonds, listed_mask, reset, act_stake, stake_w,
            permit_old, permit_new, owner, lu, cb, bar, square, prev_cons,
        )
    return EpochResult(
        variant=var.name,
        stake=stake_w,
        active=active_mask,
        active_stake=act_stake,
        validator_permit=permit_new,
        **fields,
    )


def _stepwise_core(
    var, params, w_raw, prev_bonds, listed_mask, reset, act_stake, stake_w,
    permit_old, permit_new, owner, lu, cb, bar, square, prev_cons,
):
    """Weights to dividends by calling the variant's steps one by one (any variant)."""
    n_rows, n_cols = w_raw.shape
    keep = steps._weight_mask(n_rows, n_cols, permit_old, owner, lu, bar, cb)
    w = _row_normalize_inplace(np.where(keep, w_raw, 0.0))
    cons = var.consensus(act_stake, w, params.kappa)
    clipped = var.clip(w, cons)
    ranks = steps._stake_weighted_col_sums(clipped, act_stake)
    preranks = steps._stake_weighted_col_sums(w, act_stake)
    inc = normalize(ranks)

    beta = params.bonds_penalty
    w_bonds = var.weights_for_bonds(w, clipped, beta)
    present = keep if listed_mask is None else listed_mask & keep
    entries = steps._bond_entries(present, w, cons, w_bonds, beta)
    # Never hand the caller's own array to a user's step.
    stored = np.where(reset[None, :], 0.0, prev_bonds)
    alpha_cons = steps.liquid_alpha_consensus(cons, prev_cons, params)
    ema = var.update_bonds(
        var.load_bonds(stored), w_bonds, act_stake, alpha_cons, entries, params
    )
    divs = var.dividends(ema, inc, act_stake)
    server, validator, emission = var.emission_split(inc, divs, stake_w, act_stake, square)

    # Storage rule: a row with a new permit stores its new bonds, every other row is
    # cleared. A user's store_bonds may hand back an array it still uses: copy it.
    next_bonds = np.array(var.store_bonds(ema), dtype=np.float64)
    next_bonds[~permit_new] = 0.0
    return {
        "weights": w,
        "consensus": cons,
        "clipped_weights": clipped,
        "validator_trust": steps._validator_trust(clipped),
        "rank": ranks,
        "trust": steps._trust(ranks, preranks),
        "incentive": inc,
        "weights_for_bonds": w_bonds,
        "ema_bonds": ema,
        "bonds": next_bonds,
        "dividends": divs,
        "server_emission": server,
        "validator_emission": validator,
        "emission": emission,
    }

"""The epoch's matrix work for the built-in variants, fused into few passes over W.

:func:`yuma.epoch` composes a :class:`yuma.Variant`'s steps one by one for any variant.
For the built-ins it runs this instead: the same formulas, in the same order per element,
through the fused kernels of :mod:`yuma.core._kernels`, so W is read about four times rather
than a dozen and no boolean n x n masks are built. The tests check it against the
step-by-step path and against :mod:`yuma.core.reference`.

Full-size matrices allocated: ``weights``, ``clipped_weights``, the EMA bonds and the
stored bonds; ``weights_for_bonds`` is ``clipped_weights`` at ``beta = 1`` and ``weights``
at ``beta = 0`` (a fifth matrix otherwise); the stored bonds are the EMA bonds themselves
when every row takes them. These arrays are returned read-only.
"""

from __future__ import annotations

import numpy as np

from ..ops import normalize
from . import _kernels, steps
from .inputs import EpochInputs
from .steps import StakeTerms, liquid_alpha_consensus

_EMPTY_F = np.zeros((1, 1))
_EMPTY_B = np.zeros((1, 1), dtype=np.bool_)
_EMPTY_I = np.zeros(1, dtype=np.int64)


def _pick(serial, parallel, n_elements):
    return parallel if _kernels.use_parallel(n_elements) else serial


def _mask_arrays(inputs: EpochInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The weight-mask arguments of the kernels: flags, then the three block vectors."""
    owner, lu, cb, bar = (inputs.owner_uid, inputs.last_update, inputs.commit_block,
                          inputs.block_at_registration)
    flags = np.array(
        [-1 if owner is None else owner, int(inputs.square), int(lu is not None),
         int(cb is not None), int(bar is not None)],
        dtype=np.int64,
    )
    blocks = [_EMPTY_I if b is None else b for b in _block_ranks(lu, cb, bar)]
    return flags, blocks[0], blocks[1], blocks[2]


def _block_ranks(*vectors):
    """Each block vector as int64 ranks among all the given blocks (None stays None).

    Blocks are u64 (up to 2**64 - 1) and the kernels take int64; they only compare blocks
    with each other (``lu > bar``, ``cb >= bar``), so ranks in the union keep every
    comparison and fit.
    """
    given = [v for v in vectors if v is not None]
    if not given:
        return list(vectors)
    sizes = np.cumsum([v.shape[0] for v in given])[:-1]
    _, ranks = np.unique(np.concatenate(given), return_inverse=True)
    parts = iter(np.split(ranks.astype(np.int64).reshape(-1), sizes))
    return [None if v is None else next(parts) for v in vectors]


def fused_core(inputs: EpochInputs, terms: StakeTerms, rows: np.ndarray) -> dict:
    """Weights to dividends for a built-in variant; returns the fields as a dict.

    ``rows``: the row UIDs that can matter (others have no stake, weights or bonds and
    get all-zero rows).
    """
    var, params, w_raw = inputs.variant, inputs.params, inputs.weights
    n_rows, n_cols = w_raw.shape
    work = rows.shape[0] * n_cols
    mask = _mask_arrays(inputs)

    # Pass 1: mask and row-normalize. Pass 2: the weighted median, per column.
    w = np.zeros((n_rows, n_cols))
    _pick(_kernels.mask_normalize_serial, _kernels.mask_normalize_parallel, work)(
        w_raw, rows, terms.permit_old, *mask, w
    )
    cons = var.consensus(terms.active_stake, w, params.kappa)
    alpha_cons = liquid_alpha_consensus(cons, inputs.previous_consensus, params)

    # Pass 3: clip, validator trust, rank terms, bond weights and the bond EMA.
    clipped, wb_out, ema, v_trust, col_sums = _row_pass(
        inputs, terms, rows, w, cons, alpha_cons, mask, work
    )
    ranks, preranks, ema_col_sums = col_sums
    inc = normalize(ranks)
    beta = params.bonds_penalty
    w_bonds = clipped if beta == 1.0 else (w if beta == 0.0 else wb_out)

    # Pass 4: dividends (one row dot), then the storage rule.
    row_new = terms.permit_new[rows]
    if var.name == "yuma3":
        divs, next_bonds = _yuma3_dividends(ema, ema_col_sums, inc, rows, row_new,
                                            terms.active_stake, work)
    else:
        ema, divs, next_bonds = _yuma2_bonds(
            var, params, w_bonds, inputs.bonds, inputs.reset_bonds, rows, terms.active_stake,
            cons, inc, row_new,
        )
    server, validator, emission = var.emission_split(
        inc, divs, terms.stake, terms.active_stake, inputs.square
    )
    for matrix in (w, clipped, w_bonds, ema, next_bonds):
        matrix.flags.writeable = False
    return {
        "weights": w,
        "consensus": cons,
        "clipped_weights": clipped,
        "validator_trust": v_trust,
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


def _row_pass(inputs: EpochInputs, terms: StakeTerms, rows, w, cons, alpha_cons, mask, work):
    """Clip, validator trust, rank/prerank terms, bond weights and EMA in one row pass.

    Column sums are summed per row chunk, then over the chunks in order, so the result does
    not depend on the thread count.
    """
    params, listed, prev_bonds = inputs.params, inputs.listed, inputs.bonds
    n_rows, n_cols = w.shape
    beta = params.bonds_penalty
    mode = 0
    if inputs.variant.name == "yuma3":
        mode = 2 if params.liquid_alpha and np.any(alpha_cons != 0.0) else 1
    write_wb = beta not in (0.0, 1.0)
    clipped = np.zeros((n_rows, n_cols))
    wb_out = np.zeros((n_rows, n_cols)) if write_wb else _EMPTY_F
    ema = np.zeros((n_rows, n_cols)) if mode else _EMPTY_F
    n_chunks = -(-rows.shape[0] // _kernels.row_chunk(rows.shape[0]))
    col_parts = np.empty((3, n_chunks, n_cols))
    v_trust = np.zeros(n_rows)
    real_params = np.array(
        [beta, params.ema_alpha, params.alpha_low, params.alpha_high,
         params.alpha_sigmoid_steepness]
    )
    int_params = np.array(
        [mode, int(write_wb), int(prev_bonds is not None), int(listed is not None)],
        dtype=np.int64,
    )
    flags, lu, cb, bar = mask
    _pick(_kernels.clip_bonds_serial, _kernels.clip_bonds_parallel, work)(
        w, cons, alpha_cons, rows, terms.active_stake, inputs.weights,
        _EMPTY_B if listed is None else listed, _EMPTY_F if prev_bonds is None else prev_bonds,
        inputs.reset_bonds, terms.permit_old, flags, lu, cb, bar, real_params, int_params,
        clipped, wb_out, ema, v_trust, col_parts,
    )
    col_sums = np.empty((3, n_cols))
    _kernels.sum_chunks_serial(col_parts, col_sums)
    return clipped, wb_out, ema, v_trust, col_sums


def _yuma3_dividends(ema, ema_col_sums, inc, rows, row_new, act_stake, work):
    """Yuma 3 dividends ``N(S_act * (B_colnorm I))`` by one row dot; then the storage rule."""
    n_rows, n_cols = ema.shape
    divs = normalize(act_stake * steps._colnorm_dot(ema, ema_col_sums, inc, rows))
    # Storage rule: a row with a new permit stores its new bonds, every other row is
    # cleared (rows outside ``rows`` hold no bonds to begin with).
    if row_new.all():
        return divs, ema
    next_bonds = np.zeros((n_rows, n_cols))
    copy = _pick(_kernels.copy_rows_serial, _kernels.copy_rows_parallel, work)
    copy(ema, rows[row_new], next_bonds)
    return divs, next_bonds


def _yuma2_bonds(var, params, w_bonds, prev_bonds, reset, rows, act_stake, cons, inc, row_new):
    # Column-normalized bonds need whole-column passes: the variant's own steps, on the
    # rows that matter.
    n_rows, n_cols = w_bonds.shape
    sub = None if rows.shape[0] == n_rows else rows

    def take(x):
        return x if sub is None else x[sub]

    def expand(x):
        if sub is None:
            return x
        out = np.zeros((n_rows,) + x.shape[1:], dtype=x.dtype)
        out[sub] = x
        return out

    if prev_bonds is None:
        stored = np.zeros((rows.shape[0], n_cols))
    else:
        stored = take(prev_bonds)
        if reset.any():
            stored = np.where(reset[None, :], 0.0, stored)
    ema = var.update_bonds(var.load_bonds(stored), take(w_bonds), take(act_stake), cons,
                           None, params)
    divs = expand(var.dividends(ema, inc, take(act_stake)))
    next_bonds = var.store_bonds(ema)
    next_bonds[~row_new] = 0.0
    return expand(ema), divs, expand(next_bonds)

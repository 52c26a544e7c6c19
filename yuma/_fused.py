"""The epoch's matrix work for the built-in variants, fused into few passes over W.

:func:`yuma.epoch` composes a :class:`yuma.Variant`'s steps one by one for any variant.
For the built-ins it runs this instead: the same formulas, in the same order per element,
through the fused kernels of :mod:`yuma._kernels`, so W is read about four times rather
than a dozen and no boolean n x n masks are built. The tests check it against the
step-by-step path and against :mod:`yuma.reference`.

Full-size matrices allocated: ``weights``, ``clipped_weights``, the EMA bonds and the
stored bonds; ``weights_for_bonds`` is ``clipped_weights`` at ``beta = 1`` and ``weights``
at ``beta = 0`` (a fifth matrix otherwise); the stored bonds are the EMA bonds themselves
when every row takes them. These arrays are returned read-only.
"""

from __future__ import annotations

import numpy as np

from . import _kernels, steps
from .ops import normalize
from .steps import liquid_alpha_consensus

_EMPTY_F = np.zeros((1, 1))
_EMPTY_B = np.zeros((1, 1), dtype=np.bool_)
_EMPTY_I = np.zeros(1, dtype=np.int64)


def _pick(serial, parallel, n_elements):
    return parallel if _kernels.use_parallel(n_elements) else serial


def fused_core(
    var, params, w_raw, prev_bonds, listed, reset, rows, act_stake, stake_w,
    permit_old, permit_new, owner, last_update, commit_block, bar, square,
    previous_consensus=None,
):
    """Weights to dividends for a built-in variant; returns the fields as a dict.

    ``rows``: the row UIDs that can matter (others have no stake, weights or bonds and
    get all-zero rows); ``prev_bonds``/``listed``/``previous_consensus`` may be None.
    """
    n_rows, n_cols = w_raw.shape
    work = rows.shape[0] * n_cols
    mask_ints = np.array(
        [
            -1 if owner is None else owner,
            int(square),
            int(last_update is not None),
            int(commit_block is not None),
            int(bar is not None),
        ],
        dtype=np.int64,
    )
    lu = _EMPTY_I if last_update is None else last_update.astype(np.int64)
    cb = _EMPTY_I if commit_block is None else commit_block.astype(np.int64)
    br = _EMPTY_I if bar is None else bar.astype(np.int64)

    w = np.zeros((n_rows, n_cols))
    _pick(_kernels.mask_normalize_serial, _kernels.mask_normalize_parallel, work)(
        w_raw, rows, permit_old, mask_ints, lu, cb, br, w
    )
    cons = var.consensus(act_stake, w, params.kappa)
    alpha_cons = liquid_alpha_consensus(cons, previous_consensus, params)

    beta = params.bonds_penalty
    yuma3 = var.name == "yuma3"
    mode = 0
    if yuma3:
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
    _pick(_kernels.clip_bonds_serial, _kernels.clip_bonds_parallel, work)(
        w, cons, alpha_cons, rows, act_stake, w_raw, _EMPTY_B if listed is None else listed,
        _EMPTY_F if prev_bonds is None else prev_bonds, reset, permit_old, mask_ints,
        lu, cb, br, real_params, int_params, clipped, wb_out, ema, v_trust, col_parts,
    )
    col_sums = np.empty((3, n_cols))
    _kernels.sum_chunks_serial(col_parts, col_sums)
    ranks, preranks, ema_col_sums = col_sums
    inc = normalize(ranks)
    w_bonds = clipped if beta == 1.0 else (w if beta == 0.0 else wb_out)

    row_new = permit_new[rows]
    if yuma3:
        scaled_incentive = inc.copy()
        nz = ema_col_sums != 0.0
        scaled_incentive[nz] = inc[nz] / ema_col_sums[nz]
        row_dots = np.zeros(n_rows)
        _pick(_kernels.rows_dot_serial, _kernels.rows_dot_parallel, work)(
            ema, rows, scaled_incentive, row_dots
        )
        divs = normalize(act_stake * row_dots)
        # Storage rule: a row with a new permit stores its new bonds, every other row is
        # cleared (rows outside ``rows`` hold no bonds to begin with).
        if row_new.all():
            next_bonds = ema
        else:
            next_bonds = np.zeros((n_rows, n_cols))
            copy = _pick(_kernels.copy_rows_serial, _kernels.copy_rows_parallel, work)
            copy(ema, rows[row_new], next_bonds)
    else:
        ema, divs, next_bonds = _yuma2_bonds(
            var, params, w_bonds, prev_bonds, reset, rows, act_stake, cons, inc, row_new
        )
    server, validator, emission = var.emission_split(inc, divs, stake_w, act_stake, square)
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

r"""A simulation's epochs in one compiled loop (the built-in variants, float path).

:func:`fold_epochs` runs epochs ``t0 .. t1 - 1`` of :func:`yuma.simulate`: each epoch is
the whole-epoch kernel (:func:`yuma.core._epoch_kernel._epoch_item`, the one
:func:`yuma.epoch` runs), and between epochs the loop does what
:func:`yuma.sim.simulation._python_fold` does, in the same order:

1. the carried bonds lose the columns reset before epoch ``t`` (``B[:, j] = 0``);
2. the epoch's weights are the scenario's, each copier's row set to an earlier epoch's
   consensus (or zero before it has one), then the absent miners' columns zeroed;
3. the epoch runs on the stake schedule's row, the activity mask, the carried bonds, the
   permits and the stored consensus;
4. the state carried out: bonds (Yuma 2: the stored column max-upscaled bonds; Yuma 3: the
   EMA bonds of the rows with a new permit, the others cleared, which is the kernel's
   storage rule), the new permits and the consensus, the bonds and the consensus through
   the chain's u16 storage ``floor(clip(65535 x, 0, 65535)) / 65535`` when asked.

:func:`fold` is the entry point: it starts numba's threading layer before the first call.
The loop links the epoch's parallel kernels; when it is loaded from numba's cache after
being compiled against cached callees, the cache does not know that it needs the
threading layer, and calling it before the layer starts jumps to a null address (numba
issue #8578).

Every epoch's vectors are written straight into the record (one row per epoch); a matrix
is written into the record when kept, else into a scratch matrix reused as it is (the
kernel writes every entry). So every epoch has the bits of
:func:`yuma.epoch` on the fold's inputs, and the state is bit for bit the fold's.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba.core import cgutils
from numba.core.imputils import impl_ret_borrowed
from numba.extending import intrinsic
from numba.np.arrayobj import make_array

from ..core import _epoch_kernel as ek

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")

_U16 = 65535.0

# Slots of the loop's flags.
F_HAS_ACTIVE = 0
F_HAS_PRESENT = 1
F_HAS_RESET = 2
F_U16 = 3
F_YUMA3 = 4
F_WB_OWN = 5  # the kernel writes weights_for_bonds (beta not 0 or 1, or kept)
N_FLAGS = 6

# Slots of the kept flags (the record holds that matrix for every epoch).
K_INPUT = 0
K_WEIGHTS = 1
K_CLIPPED = 2
K_WEIGHTS_FOR_BONDS = 3
K_EMA = 4
K_BONDS = 5
N_KEPT = 6


def _readonly_view(typingctx, array):
    """The same array (same memory, no copy) typed read-only.

    The loop writes its state between epochs and hands the epoch read-only views of it.
    The view never returns to Python, so it carries no parent object.
    """
    viewed = array.copy(readonly=True)

    def codegen(context, builder, signature, args):
        view = make_array(signature.args[0])(context, builder, args[0])
        view.parent = cgutils.get_null_value(view.parent.type)
        return impl_ret_borrowed(context, builder, signature.return_type, view._getvalue())

    return viewed(array), codegen


# Called with the array alone inside compiled code (numba supplies the typing context).
_as_readonly: Any = intrinsic(_readonly_view)


@_jit
def _u16(x):
    """``u16_round_trip`` of one value: ``floor(clip(65535 x, 0, 65535)) / 65535``."""
    return math.floor(min(max(x * _U16, 0.0), _U16)) / _U16


@_jit
def _slot(stack, kept, scratch, t):
    """Epoch t's matrix: the record's slot when kept, else the scratch (as it is)."""
    if kept:
        return stack[t]
    return scratch


@_jit
def _epoch_weights(weights, present, has_present, copier_rows, copier_src, cons, t, out):
    """``W_t`` into ``out``: the scenario's, copier rows set, absent columns zeroed."""
    n_rows, n_cols = out.shape
    for i in range(n_rows):
        for j in range(n_cols):
            out[i, j] = weights[t, i, j]
    for k in range(copier_rows.shape[0]):
        row = copier_rows[k]
        src = copier_src[t, k]
        for j in range(n_cols):
            out[row, j] = 0.0 if src < 0 else cons[src, j]
    if has_present:
        for j in range(n_cols):
            if not present[t, j]:
                for i in range(n_rows):
                    out[i, j] = 0.0


def fold(*args) -> int:
    """:func:`fold_epochs` on ``args``, with numba's threading layer started first."""
    numba.get_num_threads()  # starts the layer (once): see the module docstring
    return fold_epochs(*args)


@_jit
def fold_epochs(
    t0, t1, weights, stakes, active, present, reset, copier_rows, copier_src, flags, ints,
    reals, carried, permit_state, first_cons, cons_state,
    rec_stake, rec_active, rec_active_stake, rec_permit, rec_trust_v, rec_dividends,
    rec_validator, rec_consensus, rec_rank, rec_trust, rec_incentive, rec_server,
    rec_emission, kept, kept_input, kept_weights, kept_clipped, kept_wb, kept_ema,
    kept_bonds, parallel,
):
    """Epochs ``t0 .. t1 - 1``; returns -1, or the first epoch whose inputs fail a check.

    ``carried``, ``permit_state`` and ``cons_state`` hold the state between epochs (and
    between calls); ``ints`` its ``I_HAS_BONDS``, ``I_HAS_PERMIT`` and
    ``I_HAS_PREVIOUS_CONSENSUS`` flags, set once an epoch has stored them. ``first_cons``
    is the consensus stored before epoch 0. ``rec_*`` are the record's per-epoch rows;
    ``kept_*`` the record's matrices (``kept[K_*]``; a 1 x 1 x 1 placeholder otherwise).

    The epoch's inputs are handed over as read-only views (:func:`_as_readonly`), so the
    loop calls the very compiled epoch that :func:`yuma.core._epoch_kernel.epoch_one`
    calls (one compilation, one cache entry).
    """
    n_rows, n_cols = weights.shape[1], weights.shape[2]
    shape = (n_rows, n_cols)
    build = copier_rows.shape[0] > 0 or flags[F_HAS_PRESENT] != 0
    w_in = np.empty(shape if build else (1, 1))
    w_scratch = np.zeros(shape if not kept[K_WEIGHTS] else (1, 1))
    c_scratch = np.zeros(shape if not kept[K_CLIPPED] else (1, 1))
    wb_scratch = np.zeros(shape if flags[F_WB_OWN] and not kept[K_WEIGHTS_FOR_BONDS]
                          else (1, 1))
    e_scratch = np.zeros(shape if not kept[K_EMA] else (1, 1))
    yuma3 = flags[F_YUMA3] != 0
    b_scratch = np.zeros(shape if not yuma3 and not kept[K_BONDS] else (1, 1))
    no_wb = np.zeros((1, 1))
    no_active = _as_readonly(np.zeros(1, dtype=np.bool_))
    no_blocks = _as_readonly(np.zeros(1, dtype=np.int64))
    no_listed = _as_readonly(np.zeros((1, 1), dtype=np.bool_))
    no_reset = _as_readonly(np.zeros(1, dtype=np.bool_))
    for t in range(t0, t1):
        # 1. Bond resets, on the carried bonds.
        if flags[F_HAS_RESET] and ints[ek.I_HAS_BONDS]:
            for j in range(n_cols):
                if reset[t, j]:
                    for i in range(n_rows):
                        carried[i, j] = 0.0
        # 2. The epoch's weights: the scenario's as they are, or built.
        if build:
            _epoch_weights(weights, present, flags[F_HAS_PRESENT], copier_rows, copier_src,
                           rec_consensus, t, w_in)
            w = _as_readonly(w_in)
        else:
            w = weights[t]
        if kept[K_INPUT]:
            kept_input[t, :, :] = w
        # 3. The epoch.
        w_out = _slot(kept_weights, kept[K_WEIGHTS], w_scratch, t)
        clipped = _slot(kept_clipped, kept[K_CLIPPED], c_scratch, t)
        if flags[F_WB_OWN]:
            wb = _slot(kept_wb, kept[K_WEIGHTS_FOR_BONDS], wb_scratch, t)
        else:
            wb = no_wb
        ema = _slot(kept_ema, kept[K_EMA], e_scratch, t)
        if yuma3:
            stored = no_wb  # the storage rule is applied below
        else:
            stored = _slot(kept_bonds, kept[K_BONDS], b_scratch, t)
        has_active = flags[F_HAS_ACTIVE] != 0
        act = _as_readonly(active[t]) if has_active else no_active
        for i in range(n_rows):
            rec_active[t, i] = active[t, i] if has_active else True
        stored_cons = _as_readonly(first_cons if t == 0 else cons_state)
        status = ek._epoch_item(
            w, _as_readonly(stakes[t]), _as_readonly(carried), act,
            _as_readonly(permit_state), no_blocks, no_blocks, no_blocks, no_listed, no_reset,
            stored_cons, _as_readonly(ints), _as_readonly(reals),
            rec_stake[t], rec_active_stake[t], rec_permit[t], w_out, rec_consensus[t],
            clipped, rec_trust_v[t], rec_rank[t], rec_trust[t], rec_incentive[t], wb, ema,
            stored, rec_dividends[t], rec_server[t], rec_validator[t], rec_emission[t],
            parallel,
        )
        if status < 0:
            return t
        # 4. The state stored for the next epoch.
        u16 = flags[F_U16] != 0
        permit = rec_permit[t]
        if yuma3:
            bonds = kept_bonds[t] if kept[K_BONDS] else no_wb
            for i in range(n_rows):
                keep_row = permit[i]
                for j in range(n_cols):
                    v = ema[i, j] if keep_row else 0.0
                    if kept[K_BONDS]:
                        bonds[i, j] = v
                    carried[i, j] = _u16(v) if u16 else v
        else:
            for i in range(n_rows):
                for j in range(n_cols):
                    v = stored[i, j]
                    carried[i, j] = _u16(v) if u16 else v
        for i in range(n_rows):
            permit_state[i] = permit[i]
        for j in range(n_cols):
            v = rec_consensus[t, j]
            cons_state[j] = _u16(v) if u16 else v
        ints[ek.I_HAS_BONDS] = 1
        ints[ek.I_HAS_PERMIT] = 1
        ints[ek.I_HAS_PREVIOUS_CONSENSUS] = 1
    return -1

"""The float epoch of the built-in variants through one compiled call.

:func:`fast_epoch` is :func:`yuma.epoch`'s path for the common call: float64 C-ordered
arrays, bool masks, int64 blocks, a built-in variant. It checks only what costs nothing in
Python (types, shapes, scalars), allocates the outputs and hands everything to
``yuma.core._epoch_kernel.epoch_one``, which checks the values while it reads them.
Anything else, and any failed check, goes to :func:`yuma.core.inputs.check_inputs`, so
every error is the one it raises. :func:`run_builtin` runs the same kernel on checked
:class:`~yuma.core.inputs.EpochInputs`.
"""

from __future__ import annotations

import sys

import numpy as np

from ..params import YumaParams
from ..result import EpochResult
from . import _epoch_kernel as ek
from . import _kernels
from ._threads import parallel_allowed
from .variants import VARIANTS, YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3, Variant

__all__ = [
    "VARIANT_CODES", "block_ranks", "fast_epoch", "run_builtin", "use_parallel", "LAZY_BONDS_MIN",
]

VARIANT_CODES = {
    id(YUMA3): ek.YUMA3_CODE,
    id(YUMA2): ek.YUMA2_CODE,
    id(YUMA2_LIQUID_ALPHA_V1): ek.YUMA2_LIQUID_ALPHA_V1_CODE,
}
"""Kernel code of each built-in variant, by object identity (a copy is a user variant)."""

PARALLEL_MIN_ELEMENTS = 1 << 22
"""Epochs with fewer weight entries run on one thread (see
``yuma.core._threads.parallel_allowed``).

Measured on a 2-CPU machine (Yuma 3 with liquid alpha, square epochs). With the second CPU
idle, the parallel epoch took 1.35x the serial time at 16 x 16, 0.88x at 64 x 64 and about
0.6x from 256 x 256 on. With the second CPU busy with other jobs, each of the epoch's
parallel regions waited 4-8 ms for its second thread: 2.9x the serial time at 512 x 512,
2.1x at 1024 x 1024. The load average sees such jobs only seconds later, so the switch
sits where those waits cost at most about a third of a serial epoch (about 100 ms:
2048 x 2048)."""

LAZY_BONDS_MIN = 1 << 16
"""From this many entries the stored bonds of Yuma 3 are allocated only when the storage
rule makes them differ from the EMA bonds (they are the EMA bonds otherwise): peak memory
stays at four matrices."""

_F64 = np.dtype(np.float64)
_BOOL = np.dtype(np.bool_)
_I64 = np.dtype(np.int64)


def _placeholder(shape, dtype):
    x = np.zeros(shape, dtype=dtype)
    x.flags.writeable = False
    return x


_NO_F2 = _placeholder((1, 1), np.float64)
_NO_F1 = _placeholder(1, np.float64)
_NO_B1 = _placeholder(1, np.bool_)
_NO_B2 = _placeholder((1, 1), np.bool_)
_NO_I1 = _placeholder(1, np.int64)
_NO_OUT = np.zeros((1, 1))  # an output the kernel is told not to write
ALL_MATRICES = (1 << 5) - 1
"""``I_DIRTY`` with every matrix output's bit set."""


def use_parallel(n_elements: int) -> bool:
    """Whether one epoch over ``n_elements`` weight entries should run on several threads."""
    return parallel_allowed(n_elements, PARALLEL_MIN_ELEMENTS)


def dirty_outputs(n_rows: int, n_cols: int) -> int:
    """The ``I_DIRTY`` bits of one epoch: which matrix outputs come as ``np.empty``.

    The square form's outputs come zeroed: the pages of rows that never matter (most rows
    of a large subnet) stay untouched. Otherwise every row can matter, the kernel writes
    every entry itself and zeroing first would write each matrix twice.
    """
    return 0 if n_rows == n_cols else ALL_MATRICES


def int_params(code, params, owner, has, last_tempo, write_bonds, fill_wb, dirty=0) -> list:
    """The kernel's integer slots.

    ``has``: flags of the optional arrays, in slot order bonds, active, validator_permit,
    last_update, commit_block, block_at_registration, listed, reset_bonds,
    previous_consensus. ``dirty``: bits ``1 << ek.KEEP_*`` of the matrix outputs that do
    not arrive zeroed.
    """
    return [
        code, -1 if owner is None else owner, params.max_allowed_validators, *has,
        int(params.liquid_alpha), int(params.uses_previous_consensus),
        -1 if last_tempo is None else last_tempo, write_bonds, fill_wb, dirty,
    ]


def real_params(params, stake_threshold) -> list:
    """The kernel's real slots."""
    return [
        params.kappa, params.bonds_moving_average, params.bonds_penalty, params.alpha_low,
        params.alpha_high, params.alpha_sigmoid_steepness, stake_threshold,
    ]


_PARAMETER_CACHE: dict = {}


def _parameter_arrays(code, params, owner, has, last_tempo, write_bonds, stake_threshold,
                      dirty):
    """The kernel's parameter arrays (read-only), cached: loops call with the same values.

    The cache holds each ``params`` it keys by ``id``, so no other object can take its id.
    """
    key = (id(params), code, owner, has, last_tempo, write_bonds, stake_threshold, dirty)
    hit = _PARAMETER_CACHE.get(key)
    if hit is not None:
        return hit[1], hit[2]
    ints = np.array(int_params(code, params, owner, has, last_tempo, write_bonds, 0, dirty),
                    dtype=np.int64)
    reals = np.array(real_params(params, stake_threshold))
    ints.setflags(write=False)
    reals.setflags(write=False)
    if len(_PARAMETER_CACHE) >= 256:
        _PARAMETER_CACHE.clear()
    _PARAMETER_CACHE[key] = (params, ints, reals)
    return ints, reals


def run_builtin(
    code, name, params, w, stake, bonds, active, permit, owner, last_update, commit_block,
    bar, listed, reset, last_tempo, prev_cons, stake_threshold, active_out,
) -> EpochResult | None:
    """One epoch of a built-in variant on arrays in the kernel's form; None if a check fails.

    Optional arrays are None when absent; ``active_out`` is the result's ``active`` (a
    fresh array).
    """
    n_rows, n_cols = w.shape
    size = n_rows * n_cols
    beta = params.bonds_penalty
    yuma3 = code == ek.YUMA3_CODE
    lazy = yuma3 and size >= LAZY_BONDS_MIN
    has = (
        bonds is not None, active is not None, permit is not None, last_update is not None,
        commit_block is not None, bar is not None, listed is not None, reset is not None,
        prev_cons is not None,
    )
    dirty = dirty_outputs(n_rows, n_cols)
    ints, reals = _parameter_arrays(code, params, owner, has, last_tempo, 0 if lazy else 1,
                                    stake_threshold, dirty)
    new_matrix = np.empty if dirty else np.zeros
    s_out = np.empty(n_rows)
    act_out = np.empty(n_rows)
    permit_new = np.empty(n_rows, dtype=np.bool_)
    w_out = new_matrix((n_rows, n_cols))
    cons = np.empty(n_cols)
    clipped = new_matrix((n_rows, n_cols))
    v_trust = np.empty(n_rows)
    ranks = np.empty(n_cols)
    trust = np.empty(n_cols)
    inc = np.empty(n_cols)
    wb_out = _NO_OUT if beta in (0.0, 1.0) else new_matrix((n_rows, n_cols))
    ema = new_matrix((n_rows, n_cols))
    bonds_out = _NO_OUT if lazy else new_matrix((n_rows, n_cols))
    divs = np.empty(n_rows)
    server = np.empty(n_cols)
    validator = np.empty(n_rows)
    emission = np.empty(n_rows if n_rows == n_cols else n_rows + n_cols)
    parallel = use_parallel(size)
    status = ek.epoch_one()(
        w, stake, _NO_F2 if bonds is None else bonds, _NO_B1 if active is None else active,
        _NO_B1 if permit is None else permit, _NO_I1 if last_update is None else last_update,
        _NO_I1 if commit_block is None else commit_block, _NO_I1 if bar is None else bar,
        _NO_B2 if listed is None else listed, _NO_B1 if reset is None else reset,
        _NO_F1 if prev_cons is None else prev_cons, ints, reals,
        s_out, act_out, permit_new, w_out, cons, clipped, v_trust, ranks, trust, inc, wb_out,
        ema, bonds_out, divs, server, validator, emission, parallel,
    )
    if status < 0:
        return None
    if not status & ek.BONDS_DIFFER:
        bonds_out = ema
    elif lazy:
        bonds_out = np.zeros((n_rows, n_cols))
        copy = _kernels.copy_rows_parallel if parallel else _kernels.copy_rows_serial
        copy(ema, np.flatnonzero(permit_new), bonds_out)
    w_out.setflags(write=False)
    clipped.setflags(write=False)
    ema.setflags(write=False)
    if wb_out is _NO_OUT:
        w_bonds = clipped if beta == 1.0 else w_out
    else:
        w_bonds = wb_out
        wb_out.setflags(write=False)
    if bonds_out is not ema:
        bonds_out.setflags(write=False)
    return EpochResult(
        variant=name, stake=s_out, active=active_out, active_stake=act_out, weights=w_out,
        consensus=cons, clipped_weights=clipped, validator_trust=v_trust, rank=ranks,
        trust=trust, incentive=inc, weights_for_bonds=w_bonds, ema_bonds=ema, bonds=bonds_out,
        dividends=divs, server_emission=server, validator_emission=validator,
        emission=emission, validator_permit=permit_new,
    )


def block_ranks(*vectors: np.ndarray | None) -> list[np.ndarray | None]:
    """Each block vector as int64 ranks among all the given blocks (None stays None).

    Blocks are u64 (up to 2**64 - 1) and the kernel takes int64; it only compares blocks
    with each other (``last_update > bar``, ``commit_block >= bar``; ``last_tempo`` is
    folded into the resets before), so ranks in the union keep every comparison and fit.
    """
    given = [v for v in vectors if v is not None]
    if not given:
        return list(vectors)
    sizes = np.cumsum([v.shape[0] for v in given])[:-1]
    _, ranks = np.unique(np.concatenate(given), return_inverse=True)
    parts = iter(np.split(ranks.astype(np.int64).reshape(-1), sizes))
    return [None if v is None else next(parts) for v in vectors]


def _matrix(x):
    return type(x) is np.ndarray and x.dtype is _F64 and x.ndim == 2 and x.flags.c_contiguous


def _vector(x, dtype, length):
    return (
        type(x) is np.ndarray and x.dtype is dtype and x.ndim == 1
        and x.shape[0] == length and x.flags.c_contiguous
    )


def fast_epoch(
    weights, stake, bonds, params, variant, active, validator_permit, last_update,
    block_at_registration, commit_block, last_tempo, reset_bonds, listed, owner_uid,
    stake_threshold, previous_consensus,
) -> EpochResult | None:
    """:func:`yuma.epoch` (``arithmetic="float"``) for the common call, or None.

    None means: not the common call (a list, another dtype, a strided view, a user
    variant, ...) or a check failed; the caller then runs the full checks.
    """
    if params is None:
        params = _DEFAULT_PARAMS
    elif not isinstance(params, YumaParams):
        return None
    if variant is None:
        var = VARIANTS.get(params.variant)
    elif isinstance(variant, Variant):
        var = variant
    else:
        var = VARIANTS.get(variant) if isinstance(variant, str) else None
    code = VARIANT_CODES.get(id(var))  # the built-ins live for good: an equal id is them
    if var is None or code is None or not _matrix(weights):
        return None
    n_rows, n_cols = weights.shape
    if not _vector(stake, _F64, n_rows):
        return None
    if bonds is not None and not (_matrix(bonds) and bonds.shape == weights.shape):
        return None
    if active is not None and not _vector(active, _BOOL, n_rows):
        return None
    if validator_permit is not None and not _vector(validator_permit, _BOOL, n_rows):
        return None
    if owner_uid is not None and not (type(owner_uid) is int and 0 <= owner_uid < n_rows):
        return None
    if last_update is not None and not _vector(last_update, _I64, n_rows):
        return None
    if commit_block is not None and not _vector(commit_block, _I64, n_rows):
        return None
    if block_at_registration is not None and not _vector(block_at_registration, _I64, n_cols):
        return None
    if last_tempo is not None and not (
        type(last_tempo) is int and 0 <= last_tempo < _INT64_LIMIT
        and block_at_registration is not None
    ):
        return None
    if reset_bonds is not None and not _vector(reset_bonds, _BOOL, n_cols):
        return None
    if listed is not None and not (
        type(listed) is np.ndarray and listed.dtype is _BOOL and listed.shape == weights.shape
        and listed.flags.c_contiguous
    ):
        return None
    if previous_consensus is not None and not (
        type(previous_consensus) is np.ndarray and previous_consensus.dtype is _F64
        and previous_consensus.ndim == 1 and previous_consensus.flags.c_contiguous
    ):
        return None
    if type(stake_threshold) is int and 0 <= stake_threshold <= 2**53:
        stake_threshold = float(stake_threshold)
    elif type(stake_threshold) is not float or not 0.0 <= stake_threshold <= _MAX_FINITE:
        return None
    active_out = np.ones(n_rows, dtype=np.bool_) if active is None else active.copy()
    return run_builtin(
        code, var.name, params, weights, stake, bonds, active, validator_permit, owner_uid,
        last_update, commit_block, block_at_registration, listed, reset_bonds, last_tempo,
        previous_consensus, stake_threshold, active_out,
    )


_DEFAULT_PARAMS = YumaParams()
_INT64_LIMIT = 1 << 63
_MAX_FINITE = sys.float_info.max

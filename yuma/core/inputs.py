r"""The inputs of one epoch, checked once: :class:`.EpochInputs` and :func:`.check_inputs`.

Every path of the epoch (the float steps, the compiled epoch, the chain's fixed point)
starts from the same frozen :class:`EpochInputs`, built by :func:`check_inputs` from the
public arguments of :func:`yuma.epoch`. It holds what the steps need in the form they need
it: the weights and bonds as C-ordered float64 read in place (never copied), the masks as
bool vectors, blocks as integers, the bond resets with ``last_tempo`` folded in, and the
variant resolved to its :class:`yuma.Variant` value. Paths never re-check an argument.

The one shortcut: :func:`yuma.epoch` hands arguments already in the kernel's form (float64
C-ordered arrays, bool masks, int64 blocks, a built-in variant) straight to the compiled
epoch (:func:`yuma.core.builtin_epoch.fast_epoch`), which checks the values as it reads
them; any other call, and any failed check, comes here, so every error is raised here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._validation import (
    as_block,
    as_block_vector,
    as_float64,
    as_mask,
    as_mask_matrix,
    as_uid,
    as_vector,
    is_real_number,
    is_sparse,
)
from ..params import YumaParams
from . import _kernels
from .variants import YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3, Variant, get_variant

__all__ = [
    "EpochInputs", "check_inputs", "check_variant", "check_vectors", "bonds_at_most_one",
    "as_matrix_readonly", "CHAIN_VARIANTS",
]

CHAIN_VARIANTS = {"yuma3": YUMA3, "yuma2": YUMA2}
"""The variants the chain's fixed-point epoch has (``Yuma3On`` on / off)."""


@dataclass(frozen=True, eq=False)
class EpochInputs:
    """One epoch's inputs after :func:`check_inputs`: shapes, dtypes and masks settled.

    Arrays are read-only by contract: ``weights`` and ``bonds`` may be the caller's own
    arrays (checked in place), so no path writes into any field.

    Attributes
    ----------
    variant : Variant
        The resolved variant (``variant`` argument, else ``params.variant``).
    params : YumaParams
        Hyperparameters.
    weights : numpy.ndarray or CSRMatrix, shape (n_rows, n_cols)
        Raw weights, C-ordered float64, non-negative and finite; on the sparse path of
        :func:`yuma.epoch` a :class:`yuma.core.sparse.CSRMatrix` (its structure is what
        is listed, and ``listed`` is None).
    weight_rows : numpy.ndarray of bool, shape (n_rows,)
        Rows holding a non-zero weight.
    stake : numpy.ndarray, shape (n_rows,)
        Raw stake, non-negative and finite.
    bonds : numpy.ndarray or CSRMatrix or None
        Previous bonds (shape of ``weights``; a CSRMatrix on the sparse path), or None.
    bond_rows : numpy.ndarray of bool, shape (n_rows,)
        Rows holding a non-zero bond.
    active : numpy.ndarray of bool, shape (n_rows,)
        Activity mask (default all true).
    validator_permit : numpy.ndarray of bool, shape (n_rows,)
        Permits stored by the previous epoch, as given (default all true); the owner's
        permit is forced by the paths that model it.
    owner_uid : int or None
        The subnet owner's UID.
    last_update, commit_block : numpy.ndarray of uint64 or None, shape (n_rows,)
        Blocks per weight row (the chain's u64 blocks, exact).
    block_at_registration : numpy.ndarray of uint64 or None, shape (n_cols,)
        Registration block per column.
    listed : numpy.ndarray of bool or None, shape (n_rows, n_cols)
        Entries listed when the weights were set (None: the dense model, every entry).
    reset_bonds : numpy.ndarray of bool, shape (n_cols,)
        Columns whose previous bonds are reset (``last_tempo`` already folded in).
    stake_threshold : float
        Minimum raw stake counted.
    previous_consensus : numpy.ndarray or None
        The stored consensus of the previous epoch (None for the historic liquid alpha v1,
        which predates consensus modes).
    """

    variant: Variant
    params: YumaParams
    weights: np.ndarray
    weight_rows: np.ndarray
    stake: np.ndarray
    bonds: np.ndarray | None
    bond_rows: np.ndarray
    active: np.ndarray
    validator_permit: np.ndarray
    owner_uid: int | None
    last_update: np.ndarray | None
    block_at_registration: np.ndarray | None
    commit_block: np.ndarray | None
    listed: np.ndarray | None
    reset_bonds: np.ndarray
    stake_threshold: float
    previous_consensus: np.ndarray | None

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_cols)``: weight setters by weight receivers."""
        return self.weights.shape

    @property
    def square(self) -> bool:
        """The chain's form: row i and column i are the same UID."""
        result: bool = self.weights.shape[0] == self.weights.shape[1]
        return result


def as_matrix_readonly(
    x: object, name: str, *, shape: tuple[int, int] | None = None, at_most_one: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Check a non-negative finite matrix without copying it; also report non-zero rows.

    For large inputs the copy is the cost: this checks in one read pass (a numba kernel, no
    temporaries) and returns the caller's array itself when it already is C-ordered
    float64. The caller must never write into the result.

    Parameters
    ----------
    x : array_like
        The caller's matrix.
    name : str
        Argument name used in error messages.
    shape : tuple of int, optional
        Required shape.
    at_most_one : bool
        Also reject entries above 1 (proportions).

    Returns
    -------
    matrix : numpy.ndarray
        C-ordered float64 (the input itself when possible); read-only by contract.
    row_nonzero : numpy.ndarray of bool
        Rows holding any non-zero entry.

    Raises
    ------
    ValueError
        On a wrong shape, NaN/inf or a negative entry.
    """
    arr = as_float64(x, name, copy=False)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional, got shape {arr.shape}")
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    flags = np.zeros(arr.shape[0], dtype=np.int64)
    nonzero = np.zeros(arr.shape[0], dtype=np.bool_)
    kernel = (
        _kernels.scan_rows_parallel
        if _kernels.use_parallel(arr.size)
        else _kernels.scan_rows_serial
    )
    kernel(arr, flags, nonzero)
    if np.any(flags & 1):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    if np.any(flags & 2):
        raise ValueError(f"{name} must be non-negative")
    if at_most_one and np.any(flags & 4):
        raise ValueError(f"{name} must hold proportions in [0, 1]")
    return arr, nonzero


def _resolve_variant(variant: str | Variant | None, params: YumaParams, arithmetic: str) -> Variant:
    if arithmetic == "float":
        return get_variant(variant, params)
    name = variant if variant is not None else params.variant
    if isinstance(name, Variant):
        name = {id(YUMA3): "yuma3", id(YUMA2): "yuma2"}.get(id(name), f"custom {name.name!r}")
    if not isinstance(name, str) or name not in CHAIN_VARIANTS:
        raise ValueError(f"variant must be 'yuma3' or 'yuma2' (the chain's paths), got {name!r}")
    return CHAIN_VARIANTS[name]


def _check_last_tempo(last_tempo: object, block_at_registration: np.ndarray | None) -> int:
    if block_at_registration is None:
        raise ValueError("last_tempo needs block_at_registration")
    return as_block(last_tempo, "last_tempo")


def _check_stake_threshold(stake_threshold: object) -> float:
    """A finite float >= 0; a number too large for a float is refused, not an OverflowError."""
    if not is_real_number(stake_threshold):
        raise ValueError(f"stake_threshold must be a number >= 0, got {stake_threshold!r}")
    try:
        value = float(stake_threshold)
    except OverflowError:
        raise ValueError("stake_threshold must be a finite number >= 0 that fits a float64, "
                         f"got an integer of {int(stake_threshold).bit_length()} bits") from None
    except (TypeError, ValueError):
        raise ValueError(
            f"stake_threshold must be a number >= 0, got {stake_threshold!r}"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"stake_threshold must be finite and >= 0, got {stake_threshold!r}")
    return value


def check_inputs(
    weights: ArrayLike,
    stake: ArrayLike,
    bonds: ArrayLike | None = None,
    *,
    params: YumaParams | None = None,
    variant: str | Variant | None = None,
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
) -> EpochInputs:
    """Check the arguments of :func:`yuma.epoch` once and return them as :class:`EpochInputs`.

    Parameters
    ----------
    weights, stake, bonds, params, variant, active, validator_permit, last_update, \
block_at_registration, commit_block, last_tempo, reset_bonds, listed, owner_uid, \
stake_threshold, previous_consensus
        As :func:`yuma.epoch`.
    arithmetic : {"float", "fixed"}
        The path that will run: ``"fixed"`` admits only the chain's variants (yuma3,
        yuma2) and requires bonds in [0, 1] whatever the variant (the chain stores u16 /
        65535); ``"float"`` requires it of Yuma 3 only.

    Returns
    -------
    EpochInputs

    Raises
    ------
    ValueError
        On wrong shapes, NaN/inf, negative stake or weights, or out-of-range values; the
        message names the argument.
    """
    params, var = check_variant(params, variant, arithmetic)
    for name, x in (("weights", weights), ("bonds", bonds)):
        if is_sparse(x):
            raise ValueError(
                f"{name} is a sparse matrix: sparse weights and bonds are taken by yuma.epoch "
                f"only; pass {name}.toarray() here (and listed= its structure)"
            )
    # Large matrices are checked in place, never copied whole: no step writes into them.
    w, weight_rows = as_matrix_readonly(weights, "weights")
    n_rows, n_cols = w.shape
    raw_stake = as_vector(stake, "stake", length=n_rows)
    if bonds is None:
        prev_bonds, bond_rows = None, np.zeros(n_rows, dtype=np.bool_)
    else:
        prev_bonds, bond_rows = as_matrix_readonly(
            bonds, "bonds", shape=w.shape, at_most_one=bonds_at_most_one(var, arithmetic)
        )
    return check_vectors(
        var, params, w, weight_rows, raw_stake, prev_bonds, bond_rows, active=active,
        validator_permit=validator_permit, last_update=last_update,
        block_at_registration=block_at_registration, commit_block=commit_block,
        last_tempo=last_tempo, reset_bonds=reset_bonds, listed=listed, owner_uid=owner_uid,
        stake_threshold=stake_threshold, previous_consensus=previous_consensus,
    )


def check_variant(
    params: YumaParams | None, variant: str | Variant | None, arithmetic: str
) -> tuple[YumaParams, Variant]:
    """Check ``arithmetic`` and ``params``; return the params and the resolved variant.

    Raises
    ------
    ValueError
        On an unknown arithmetic, params that are not a :class:`yuma.YumaParams`, or a
        variant the arithmetic does not run.
    """
    if not isinstance(arithmetic, str) or arithmetic not in ("float", "fixed"):
        raise ValueError(f"arithmetic must be 'float' or 'fixed', got {arithmetic!r}")
    if params is None:
        params = YumaParams()
    elif not isinstance(params, YumaParams):
        raise ValueError(f"params must be a YumaParams, got {type(params).__name__}")
    return params, _resolve_variant(variant, params, arithmetic)


def bonds_at_most_one(var: Variant, arithmetic: str) -> bool:
    """Whether bonds must be proportions in [0, 1].

    Yuma 3 bonds are absolute proportions (the chain stores u16 / 65535), and so are the
    bonds the fixed path stores whatever the variant.
    """
    return var is YUMA3 or arithmetic == "fixed"


def check_vectors(
    var: Variant, params: YumaParams, w: Any, weight_rows: Any, raw_stake: np.ndarray,
    prev_bonds: Any, bond_rows: Any, *, active: Any, validator_permit: Any,
    last_update: Any, block_at_registration: Any, commit_block: Any, last_tempo: Any,
    reset_bonds: Any, listed: Any, owner_uid: Any, stake_threshold: Any,
    previous_consensus: Any,
) -> EpochInputs:
    """Check every argument but the matrices and the stake; return the :class:`EpochInputs`.

    ``w`` and ``prev_bonds`` are the checked matrices (dense arrays, or
    :class:`yuma.core.sparse.CSRMatrix` on the sparse path, which passes ``listed=None``).
    """
    n_rows, n_cols = w.shape
    active_mask = as_mask(active, "active", length=n_rows)
    permit = as_mask(validator_permit, "validator_permit", length=n_rows)
    owner = as_uid(owner_uid, "owner_uid", n=n_rows) if n_rows else None
    if owner_uid is not None and n_rows == 0:
        raise ValueError("owner_uid given but there are no UIDs")
    lu = None if last_update is None else as_block_vector(last_update, "last_update",
                                                          length=n_rows)
    bar = (None if block_at_registration is None
           else as_block_vector(block_at_registration, "block_at_registration", length=n_cols))
    cb = None if commit_block is None else as_block_vector(commit_block, "commit_block",
                                                          length=n_rows)
    listed_mask = (None if listed is None
                   else as_mask_matrix(listed, "listed", shape=(n_rows, n_cols)))
    reset = as_mask(reset_bonds, "reset_bonds", length=n_cols, default=False)
    if last_tempo is not None:
        reset |= np.uint64(_check_last_tempo(last_tempo, bar)) <= bar
    prev_cons = None
    if previous_consensus is not None:
        prev_cons = as_vector(previous_consensus, "previous_consensus")
        if prev_cons.size and prev_cons.max() > 1.0:
            raise ValueError("previous_consensus must hold proportions in [0, 1]")
        if var is YUMA2_LIQUID_ALPHA_V1:
            prev_cons = None  # the historic rule predates consensus modes
    threshold = _check_stake_threshold(stake_threshold)
    return EpochInputs(
        variant=var, params=params, weights=w, weight_rows=weight_rows, stake=raw_stake,
        bonds=prev_bonds, bond_rows=bond_rows, active=active_mask, validator_permit=permit,
        owner_uid=owner, last_update=lu, block_at_registration=bar, commit_block=cb,
        listed=listed_mask, reset_bonds=reset, stake_threshold=threshold,
        previous_consensus=prev_cons,
    )

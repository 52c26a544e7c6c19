"""One Yuma epoch: :func:`epoch` composes the steps in the chain's order.

inputs (``inputs.py``) -> stake, permits, active stake (``steps.stake_terms``) -> the
variant's steps -> EpochResult; for the built-ins, one compiled call does it all
(``builtin_epoch.py``).
``arithmetic="fixed"`` runs the chain's own fixed-point epoch instead (``fixed_path.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._validation import is_sparse
from ..ops import _row_normalize_inplace, normalize
from ..params import YumaParams
from ..result import EpochResult
from . import steps
from .builtin_epoch import VARIANT_CODES, block_ranks, fast_epoch, run_builtin
from .fixed_path import run_fixed
from .inputs import EpochInputs, check_inputs
from .sparse import check_sparse_inputs, densify, run_sparse, sparsified
from .steps import StakeTerms, stake_terms
from .variants import Variant

__all__ = ["epoch", "run_float"]


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
    weights : array_like or sparse matrix, shape (n_validators, n_uids)
        Weights set by each validator (any non-negative scale per row: u16 or
        proportions). Square means the chain's form: row i and column i are the same UID
        and self-weights are masked. Rectangular means validators and miners are distinct.
        A sparse matrix (``scipy.sparse``, any format) is the chain's storage: its stored
        entries, explicit zeros included, are what each validator listed; see Notes.
    stake : array_like, shape (n_validators,)
        Raw stake per row (any unit).
    bonds : array_like or sparse matrix, shape (n_validators, n_uids), optional
        Bonds as the previous epoch returned them (``EpochResult.bonds``); None means none.
        Under Yuma 3 they are proportions in [0, 1] (the chain stores u16 / 65535).
        Sparse exactly when ``weights`` is.
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
        last Yuma epoch). The chain's value is :func:`yuma.chain.bond_cutoff_block`
        (``LastYumaStepBlock + 1``, falling back to ``LastMechansimStepBlock + 1``, or
        ``block - tempo`` if never stepped). Blocks are u64: any integer in
        ``[0, 2**64 - 1]``, here and in the block vectors.
    reset_bonds : array_like of bool, shape (n_uids,), optional
        Columns whose previous bonds are reset (re-registration, hotkey swap).
    listed : array_like of bool, shape (n_validators, n_uids), optional
        Entries the validators listed when setting weights, explicit zeros included (the
        chain stores them). Matters only for Yuma 3 with liquid alpha, where a bond to a
        miner the validator did not list is dropped instead of decayed. Default: every
        entry listed (the dense model; bonds decay). Positive weights always count as
        listed; pass ``weights > 0`` for validators that omit zero weights. Must be None
        when ``weights`` is sparse (its structure is what is listed).
    owner_uid : int, optional
        The subnet owner: always permitted, exempt from the stake threshold, keeps its
        self-weight.
    stake_threshold : float
        Minimum raw stake (same unit as ``stake``) counted in the epoch.
    previous_consensus : array_like, shape (m,), optional
        The consensus the previous epoch stored (proportions in [0, 1]; e.g. the previous
        ``EpochResult.consensus``, or the chain's u16 ``Consensus`` / 65535). Read by the
        Yuma 3 liquid-alpha sigmoid when ``params.liquid_alpha_consensus_mode`` resolves
        to "previous" (see :func:`yuma.core.steps.liquid_alpha_consensus`, which also gives
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
        With sparse weights, its n x n fields are CSR (see Notes).

    Raises
    ------
    ValueError
        On wrong shapes, NaN/inf, negative stake or weights, or out-of-range values; the
        message names the argument. With sparse matrices also on a malformed structure
        (``indptr``, a column index out of range), a sparse ``bonds`` beside dense
        ``weights`` (or the reverse) and a ``listed`` beside sparse weights.

    Notes
    -----
    **Sparse weights** (:mod:`yuma.core.sparse`). Any object with ``tocsr()``
    (``scipy.sparse`` matrices and arrays) is read as the chain stores weight rows: an
    absent entry is not listed (under Yuma 3 with liquid alpha its bond is dropped, not
    decayed), an explicit zero is. Rows are read with sorted indices and duplicates summed
    (as ``toarray()`` sums them); the caller's matrix is never modified. For the built-in
    variants a compiled sparse epoch runs in O(nnz + n) time and memory, never forming an
    n x n array, and gives the bits of this function on ``weights.toarray()``,
    ``bonds.toarray()`` and ``listed=`` the stored entries (up to the sign of a zero:
    ``toarray()`` turns a stored ``-0.0`` into ``+0.0``). The n x n results (``weights``,
    ``clipped_weights``, ``weights_for_bonds``, ``ema_bonds``, ``bonds``) come back as
    read-only CSR (``csr_matrix`` for a ``spmatrix`` argument, else ``csr_array``; scipy is
    imported for them) holding the entries the chain's sparse rows hold: the listed weights
    that survive the masks, explicit zeros included; the clipped weights less those
    ``col_clip_sparse`` removes (``C_j < W_ij`` and ``C_j <= 0``); the bond weights as
    ``interpolate_sparse`` keeps them (every entry at ``bonds_penalty`` 0 or 1, the
    positive ones between); the EMA bonds' positive values, and those of the rows with a
    new permit in ``bonds``. A user-defined variant, whose steps take dense arrays, and
    ``arithmetic="fixed"`` (the chain's state is dense) run on the densified inputs, in
    n x n memory; their n x n results are CSR of their non-zero entries.
    :func:`yuma.epoch_batch` takes dense arrays only.

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
    if (type(weights) is not np.ndarray and is_sparse(weights)) or (
            bonds is not None and type(bonds) is not np.ndarray and is_sparse(bonds)):
        return _sparse_epoch(
            weights, stake, bonds, params=params, variant=variant, active=active,
            validator_permit=validator_permit, last_update=last_update,
            block_at_registration=block_at_registration, commit_block=commit_block,
            last_tempo=last_tempo, reset_bonds=reset_bonds, listed=listed,
            owner_uid=owner_uid, stake_threshold=stake_threshold,
            previous_consensus=previous_consensus, arithmetic=arithmetic,
        )
    if type(arithmetic) is str and arithmetic == "float":  # anything else: check_inputs
        result = fast_epoch(
            weights, stake, bonds, params, variant, active, validator_permit, last_update,
            block_at_registration, commit_block, last_tempo, reset_bonds, listed, owner_uid,
            stake_threshold, previous_consensus,
        )
        if result is not None:
            return result
    inputs = check_inputs(
        weights, stake, bonds, params=params, variant=variant, active=active,
        validator_permit=validator_permit, last_update=last_update,
        block_at_registration=block_at_registration, commit_block=commit_block,
        last_tempo=last_tempo, reset_bonds=reset_bonds, listed=listed, owner_uid=owner_uid,
        stake_threshold=stake_threshold, previous_consensus=previous_consensus,
        arithmetic=arithmetic,
    )
    if arithmetic == "fixed":
        return run_fixed(inputs)
    return run_float(inputs)


def _sparse_epoch(
    weights: Any, stake: ArrayLike, bonds: Any, *, arithmetic: str, **kwargs: Any
) -> EpochResult:
    """:func:`epoch` when ``weights`` or ``bonds`` is a sparse matrix.

    The compiled sparse epoch for the built-in variants; the densified inputs for a
    user's variant and for the fixed path (see :mod:`yuma.core.sparse`).
    """
    if type(arithmetic) is str and arithmetic == "float":
        # The compiled epoch checks the values as it reads them; on a failed check (or
        # rows to sort) the full checks below raise the argument's own message (or sort).
        inputs = check_sparse_inputs(weights, stake, bonds, values=False, **kwargs)
        code = VARIANT_CODES.get(id(inputs.variant))
        if code is not None:
            result = run_sparse(code, inputs, weights)
            if result is not None:
                return result
    inputs = check_sparse_inputs(weights, stake, bonds, arithmetic=arithmetic, **kwargs)
    if arithmetic == "fixed":  # the chain's epoch runs on a dense n x n state
        return sparsified(run_fixed(densify(inputs)), weights)
    code = VARIANT_CODES.get(id(inputs.variant))
    if code is None:  # a user's variant: its steps take dense matrices
        return sparsified(run_float(densify(inputs)), weights)
    result = run_sparse(code, inputs, weights)
    if result is None:  # checked inputs pass the kernel's checks
        raise RuntimeError("the sparse epoch kernel rejected checked inputs")
    return result


def run_float(inputs: EpochInputs) -> EpochResult:
    """The float64 epoch on checked inputs: stake terms, then the variant's steps.

    Parameters
    ----------
    inputs : EpochInputs
        From :func:`yuma.core.inputs.check_inputs`.

    Returns
    -------
    EpochResult
    """
    code = VARIANT_CODES.get(id(inputs.variant))
    if code is not None:
        lu, cb, bar = block_ranks(inputs.last_update, inputs.commit_block,
                                  inputs.block_at_registration)
        result = run_builtin(
            code, inputs.variant.name, inputs.params, inputs.weights, inputs.stake,
            inputs.bonds, inputs.active, inputs.validator_permit, inputs.owner_uid, lu, cb,
            bar, inputs.listed, inputs.reset_bonds, None, inputs.previous_consensus,
            inputs.stake_threshold, inputs.active,
        )
        if result is None:  # checked inputs pass the kernel's checks
            raise RuntimeError("the epoch kernel rejected checked inputs")
        return result
    terms = stake_terms(
        inputs.stake, inputs.stake_threshold, inputs.owner_uid,
        inputs.params.max_allowed_validators, inputs.active, inputs.validator_permit,
    )
    fields = _stepwise_core(inputs, terms)
    return EpochResult(
        variant=inputs.variant.name,
        stake=terms.stake,
        active=inputs.active,
        active_stake=terms.active_stake,
        validator_permit=terms.permit_new,
        **fields,
    )


def _frozen(x: np.ndarray) -> np.ndarray:
    """A read-only view: a user's step cannot write into an array the epoch still uses."""
    view = x.view()
    view.flags.writeable = False
    result: np.ndarray = view
    return result


def _own(x: object) -> np.ndarray:
    """A step's output as an array the result may hold (a copy when it is a read-only view)."""
    if isinstance(x, np.ndarray) and x.flags.writeable:
        return x
    return np.array(x, dtype=np.float64)


def _call_step(var: Variant, step: str, *args: object) -> Any:  # the step's own result type
    """Call one of the variant's steps on read-only views of its array arguments.

    A step that writes into an argument (NumPy: "assignment destination is read-only")
    is reported by name instead of silently changing what later steps and the result see.
    """
    frozen = [_frozen(a) if isinstance(a, np.ndarray) else a for a in args]
    try:
        return getattr(var, step)(*frozen)
    except ValueError as exc:
        if "read-only" not in str(exc):
            raise
        raise ValueError(
            f"variant {var.name!r}: its {step} step wrote into one of its input arrays "
            f"({exc}); steps must leave their inputs untouched and return new arrays"
        ) from exc


def _stepwise_core(inputs: EpochInputs, terms: StakeTerms) -> dict[str, np.ndarray]:
    """Weights to dividends by calling the variant's steps one by one (any variant).

    Every step gets read-only views of its array arguments (see :func:`_call_step`).
    """
    var, params, w_raw = inputs.variant, inputs.params, inputs.weights
    n_rows, n_cols = w_raw.shape
    act_stake = terms.active_stake
    keep = steps._weight_mask(
        n_rows, n_cols, terms.permit_old, inputs.owner_uid, inputs.last_update,
        inputs.block_at_registration, inputs.commit_block,
    )
    w = _row_normalize_inplace(np.where(keep, w_raw, 0.0))
    cons = _own(_call_step(var, "consensus", act_stake, w, params.kappa))
    clipped = _own(_call_step(var, "clip", w, cons))
    ranks = steps._stake_weighted_col_sums(clipped, act_stake)
    preranks = steps._stake_weighted_col_sums(w, act_stake)
    inc = normalize(ranks)

    beta = params.bonds_penalty
    w_bonds = _own(_call_step(var, "weights_for_bonds", w, clipped, beta))
    # Positive weights are always listed.
    present = keep if inputs.listed is None else (inputs.listed | (w_raw > 0.0)) & keep
    entries = steps._bond_entries(present, w, cons, w_bonds, beta)
    # Never hand the caller's own array to a user's step.
    prev = np.zeros_like(w_raw) if inputs.bonds is None else inputs.bonds
    stored = np.where(inputs.reset_bonds[None, :], 0.0, prev)
    alpha_cons = steps.liquid_alpha_consensus(cons, inputs.previous_consensus, params)
    loaded = _call_step(var, "load_bonds", stored)
    ema = _own(_call_step(var, "update_bonds", loaded, w_bonds, act_stake, alpha_cons,
                          entries, params))
    divs = _own(_call_step(var, "dividends", ema, inc, act_stake))
    server, validator, emission = (
        _own(x) for x in _call_step(
            var, "emission_split", inc, divs, terms.stake, act_stake, inputs.square
        )
    )

    # Storage rule: a row with a new permit stores its new bonds, every other row is
    # cleared. A user's store_bonds may hand back an array it still uses: copy it.
    next_bonds = np.array(_call_step(var, "store_bonds", ema), dtype=np.float64)
    next_bonds[~terms.permit_new] = 0.0
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

r"""Sparse weights and bonds, as the chain stores them: the CSR path of :func:`yuma.epoch`.

The chain stores each validator's weights as a list of ``(uid, u16)`` pairs: an entry that
is not in the list is not *listed* (under Yuma 3 with liquid alpha its bond is dropped,
not decayed), and an explicit zero is. :func:`yuma.epoch` takes the same form as a sparse
matrix (``scipy.sparse``, any format, read by duck typing: nothing here imports scipy
until results are built): the sparsity structure is what is listed, explicit zeros
included, so ``listed`` must be None. Bonds are sparse too (or None); their structure is
the stored bond entries.

Any format is converted with its own ``tocsr()``; the caller's matrix is never modified.
Rows are read in canonical form: indices sorted, duplicates summed in their stored order
(as ``toarray()`` does), explicit zeros kept. Values are checked as the dense path checks
them (finite, non-negative, bonds of Yuma 3 in [0, 1]), and the structure too (``indptr``
from 0, never decreasing; column indices in range), each failure a ``ValueError`` naming
the argument.

Which path runs:

* the built-in variants (``arithmetic="float"``): the compiled sparse epoch
  (``yuma.core._sparse_kernel``): O(nnz + n) time and memory, no n x n array. Its
  results are the bits of the dense epoch on ``weights.toarray()``, ``bonds.toarray()``
  and ``listed=`` the weights' structure (the sign of a zero aside: ``toarray()`` turns a
  stored ``-0.0`` into ``+0.0``);
* a user-defined variant: its steps work on dense matrices, so the inputs are densified
  (``toarray()``, ``listed`` = the structure) and the stepwise path runs, n x n memory;
* ``arithmetic="fixed"``: the chain's fixed-point epoch, which is dense n x n today, on the
  same densified inputs.

The n x n outputs (``weights``, ``clipped_weights``, ``weights_for_bonds``, ``ema_bonds``,
``bonds``) come back as CSR (``csr_matrix`` for a ``spmatrix`` input, else ``csr_array``),
read-only, sharing memory as the dense results do (``weights_for_bonds`` *is*
``clipped_weights`` at ``bonds_penalty = 1``). On the compiled path their structures are
the chain's: the masked weights keep the listed entries that survive the masks (explicit
zeros included); clipping removes an entry where ``C_j < W_ij`` and ``C_j <= 0``
(``col_clip_sparse``); the bond weights are the weights at ``bonds_penalty = 0``, the
clipped weights at 1, else their positive interpolations (``interpolate_sparse``); the
EMA bonds hold their positive values, and the stored bonds those of the rows holding a
new permit. On the densified paths they hold the non-zero entries.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from .._extras import import_optional
from .._validation import as_float64, as_vector, is_sparse
from ..params import YumaParams
from ..result import EpochResult
from . import _epoch_kernel as ek
from . import _sparse_kernel as sk
from .builtin_epoch import block_ranks, int_params, real_params
from .inputs import EpochInputs, bonds_at_most_one, check_variant, check_vectors
from .variants import Variant

__all__ = ["CSRMatrix", "MATRIX_FIELDS", "as_csr", "check_sparse_inputs", "densify",
           "run_sparse", "sparsified"]

_INT32_MAX = np.iinfo(np.int32).max
MATRIX_FIELDS = ("weights", "clipped_weights", "weights_for_bonds", "ema_bonds", "bonds")
"""The n x n fields of :class:`yuma.EpochResult`, CSR on the sparse path."""


@dataclass(frozen=True, eq=False)
class CSRMatrix:
    """A checked sparse matrix in canonical CSR form (read-only by contract).

    Attributes
    ----------
    indptr : numpy.ndarray of int64, shape (n_rows + 1,)
        Row ``r`` holds the entries ``indptr[r]`` to ``indptr[r + 1]``.
    indices : numpy.ndarray of int32, shape (nnz,)
        Column of each entry, strictly increasing within a row.
    data : numpy.ndarray of float64, shape (nnz,)
        Value of each entry: finite, non-negative (explicit zeros are entries).
    shape : tuple of int
        ``(n_rows, n_cols)``.
    row_nonzero : numpy.ndarray of bool, shape (n_rows,), or None
        Rows holding a non-zero value (None when the values are not checked yet, see
        :func:`as_csr`).
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]
    row_nonzero: np.ndarray | None

    @property
    def nnz(self) -> int:
        """Number of stored entries."""
        return int(self.data.shape[0])

    def toarray(self) -> np.ndarray:
        """The dense matrix (absent entries 0).

        Returns
        -------
        numpy.ndarray, shape (n_rows, n_cols)
        """
        out = np.zeros(self.shape)
        sk.to_dense(self.indptr, self.indices, self.data, self.shape[1], out)
        return out

    def structure(self) -> np.ndarray:
        """The stored entries as a dense mask (what the validators listed).

        Returns
        -------
        numpy.ndarray of bool, shape (n_rows, n_cols)
        """
        out = np.zeros(self.shape, dtype=np.bool_)
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        out[rows, self.indices] = True
        return out


def _raise_for(flags: int, name: str, n_cols: int) -> None:
    if flags & sk.SCAN_BAD_INDEX:
        raise ValueError(f"{name} has a column index outside [0, {n_cols})")
    if flags & sk.SCAN_NOT_FINITE:
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    if flags & sk.SCAN_NEGATIVE:
        raise ValueError(f"{name} must be non-negative")
    if flags & sk.SCAN_ABOVE:
        raise ValueError(f"{name} must hold proportions in [0, 1]")


def as_csr(x, name: str, *, shape: tuple[int, int] | None = None,
           at_most_one: bool = False, values: bool = True) -> CSRMatrix:
    """Check a sparse matrix and read it in canonical CSR form, without modifying it.

    Parameters
    ----------
    x : sparse matrix
        Any object with ``tocsr()`` (``scipy.sparse`` matrices and arrays of any format).
    name : str
        Argument name used in error messages.
    shape : tuple of int, optional
        Required shape.
    at_most_one : bool
        Also reject values above 1 (proportions).
    values : bool
        Check the values and the column indices, and sort and deduplicate the rows. With
        False only the shape and ``indptr`` are checked (the compiled epoch checks the
        rest as it reads the rows, and reports a failure so that this runs again);
        ``row_nonzero`` is then None.

    Returns
    -------
    CSRMatrix
        The caller's own index and value arrays where they already are int32 / float64
        (never written to), else fresh ones.

    Raises
    ------
    ValueError
        On a conversion that fails, a wrong shape, a malformed structure (``indptr`` not
        starting at 0, decreasing or past the arrays; a column index out of range), values
        that are not real numbers, NaN/inf, a negative value or (``at_most_one``) a value
        above 1.
    """
    try:
        csr = x.tocsr()
        got = tuple(int(v) for v in csr.shape)
        indptr, indices, raw_data = csr.indptr, csr.indices, csr.data
    except (AttributeError, TypeError, ValueError) as exc:
        raise ValueError(f"{name} could not be read as a CSR matrix: {exc}") from None
    if len(got) != 2:
        raise ValueError(f"{name} must be 2-dimensional, got shape {got}")
    if shape is not None and got != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {got}")
    n_rows, n_cols = got
    if n_cols > _INT32_MAX:
        raise ValueError(f"{name} has {n_cols} columns; the sparse path takes at most 2**31 - 1")
    indptr = np.asarray(indptr)
    indices = np.asarray(indices)
    if indptr.dtype.kind not in "iu" or indices.dtype.kind not in "iu":
        raise ValueError(f"{name} is not a valid CSR matrix: its indices must be integers")
    data = as_float64(raw_data, name, copy=False)
    if indptr.ndim != 1 or indptr.shape[0] != n_rows + 1 or indices.ndim != 1 or data.ndim != 1:
        raise ValueError(f"{name} is not a valid CSR matrix: indptr must have length "
                         f"{n_rows + 1}, indices and data must be 1-dimensional")
    if indptr.dtype.kind == "u" and indptr.size and indptr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} is not a valid CSR matrix: indptr past the int64 range")
    ptr = indptr.astype(np.int64)
    if ptr[0] != 0 or np.any(ptr[1:] < ptr[:-1]) or ptr[-1] > min(indices.size, data.size):
        raise ValueError(f"{name} is not a valid CSR matrix: indptr must start at 0, never "
                         "decrease and end within its indices and data")
    nnz = int(ptr[-1])
    indices, data = indices[:nnz], data[:nnz]
    if indices.dtype != np.int32:  # checked first: an index out of range must not wrap
        narrow = np.empty(nnz, dtype=np.int32)
        wide = np.ascontiguousarray(indices, dtype=np.int64)  # a u64 past 2**63 turns < 0
        if not sk.narrow_indices(wide, n_cols, narrow):
            raise ValueError(f"{name} has a column index outside [0, {n_cols})")
        indices = narrow
    indices = np.ascontiguousarray(indices)
    data = np.ascontiguousarray(data)
    if not values:
        return CSRMatrix(ptr, indices, data, (n_rows, n_cols), None)
    row_nonzero = np.empty(n_rows, dtype=np.bool_)
    upper = 1.0 if at_most_one else np.inf
    flags = sk.scan_csr(ptr, indices, data, n_cols, upper, row_nonzero)
    _raise_for(flags, name, n_cols)
    if flags & sk.SCAN_NOT_CANONICAL:
        ptr, indices, data = sk.canonical_csr(ptr, indices, data)
        # Duplicates summed: a sum may overflow, or pass 1.
        _raise_for(sk.scan_csr(ptr, indices, data, n_cols, upper, row_nonzero), name, n_cols)
    return CSRMatrix(ptr, indices, data, (n_rows, n_cols), row_nonzero)


def check_sparse_inputs(
    weights, stake, bonds=None, *, params: YumaParams | None = None,
    variant: str | Variant | None = None, active=None, validator_permit=None,
    last_update=None, block_at_registration=None, commit_block=None,
    last_tempo: int | None = None, reset_bonds=None, listed=None,
    owner_uid: int | None = None, stake_threshold: float = 0.0, previous_consensus=None,
    arithmetic: str = "float", values: bool = True,
) -> EpochInputs:
    """:func:`yuma.core.inputs.check_inputs` for sparse weights (and bonds).

    ``values=False`` leaves the matrices' values and column indices to the compiled epoch
    (see :func:`as_csr`).

    Returns
    -------
    EpochInputs
        With :class:`CSRMatrix` weights and bonds and ``listed`` None.

    Raises
    ------
    ValueError
        As :func:`yuma.core.inputs.check_inputs`; also when only one of ``weights`` and
        ``bonds`` is sparse, and when ``listed`` is given (the structure is what is
        listed).
    """
    params, var = check_variant(params, variant, arithmetic)
    if not is_sparse(weights):
        raise ValueError("bonds is a sparse matrix but weights is not: pass both as sparse "
                         "matrices, or both dense")
    w = as_csr(weights, "weights", values=values)
    n_rows = w.shape[0]
    raw_stake = as_vector(stake, "stake", length=n_rows)
    b: CSRMatrix | None
    bond_rows: np.ndarray | None
    if bonds is None:
        b, bond_rows = None, np.zeros(n_rows, dtype=np.bool_)
    elif not is_sparse(bonds):
        raise ValueError("bonds must be a sparse matrix (or None) when weights are sparse, "
                         "e.g. the bonds of the previous sparse epoch")
    else:
        b = as_csr(bonds, "bonds", shape=w.shape, values=values,
                   at_most_one=bonds_at_most_one(var, arithmetic))
        bond_rows = b.row_nonzero
    if listed is not None:
        raise ValueError("listed must be None when weights are sparse: the weights' sparsity "
                         "structure is what each validator listed (explicit zeros included)")
    return check_vectors(
        var, params, w, w.row_nonzero, raw_stake, b, bond_rows, active=active,
        validator_permit=validator_permit, last_update=last_update,
        block_at_registration=block_at_registration, commit_block=commit_block,
        last_tempo=last_tempo, reset_bonds=reset_bonds, listed=None, owner_uid=owner_uid,
        stake_threshold=stake_threshold, previous_consensus=previous_consensus,
    )


def densify(inputs: EpochInputs) -> EpochInputs:
    """The same inputs with dense matrices and ``listed`` = the weights' structure.

    Parameters
    ----------
    inputs : EpochInputs
        From :func:`check_sparse_inputs`.

    Returns
    -------
    EpochInputs
    """
    w = cast(CSRMatrix, inputs.weights)  # the sparse path's inputs hold CSRMatrix
    b = cast("CSRMatrix | None", inputs.bonds)
    return dataclasses.replace(
        inputs, weights=w.toarray(), listed=w.structure(),
        bonds=None if b is None else b.toarray(),
    )


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


def _csr_class(like):
    """``csr_matrix`` for a ``spmatrix`` argument, else ``csr_array``."""
    sparse = import_optional("scipy.sparse", "an epoch on sparse weights (its sparse results)",
                             extra="sparse")
    return sparse.csr_matrix if isinstance(like, sparse.spmatrix) else sparse.csr_array


def _to_scipy(
    cls: Any, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
    shape: tuple[int, int]
) -> Any:
    """A read-only CSR of ``cls`` on these arrays (int32 indices when they fit)."""
    if indptr[-1] <= _INT32_MAX:
        indptr = indptr.astype(np.int32)
    else:
        indices = indices.astype(np.int64)
    for a in (indptr, indices, data):
        a.flags.writeable = False
    out = cls((data, indices, indptr), shape=shape, copy=False)
    out.has_canonical_format = True  # sorted, no duplicates
    return out


def sparsified(result: EpochResult, like) -> EpochResult:
    """A dense result with its n x n fields as CSR of their non-zero entries.

    Parameters
    ----------
    result : EpochResult
        A result of the densified inputs (user variant, fixed path).
    like : object
        The caller's sparse weights (see :func:`run_sparse`).

    Returns
    -------
    EpochResult
        Fields that shared memory share one CSR.
    """
    cls = _csr_class(like)
    made: dict[int, object] = {}
    fields: dict[str, Any] = {}
    for name in MATRIX_FIELDS:
        dense = np.ascontiguousarray(getattr(result, name), dtype=np.float64)
        key = id(getattr(result, name))
        if key not in made:
            ptr, idx, val = sk.from_dense(dense)
            made[key] = _to_scipy(cls, ptr, idx, val, (dense.shape[0], dense.shape[1]))
        fields[name] = made[key]
    return dataclasses.replace(result, **fields)


def run_sparse(code: int, inputs: EpochInputs, like) -> EpochResult | None:
    """The compiled sparse epoch of a built-in variant on checked inputs, or None.

    Parameters
    ----------
    code : int
        The variant's kernel code (:data:`yuma.core.builtin_epoch.VARIANT_CODES`).
    inputs : EpochInputs
        From :func:`check_sparse_inputs` (``arithmetic="float"``).
    like : object
        The caller's weights: the results are ``csr_matrix`` if it is a ``spmatrix``,
        else ``csr_array``.

    Returns
    -------
    EpochResult or None
        None when a value or column index of the matrices fails a check, or a row is not
        in canonical form: the caller then checks them in full (``values=True``), which
        raises or canonicalizes, and runs this again.
    """
    w = cast(CSRMatrix, inputs.weights)  # the sparse path's inputs hold CSRMatrix
    b = cast("CSRMatrix | None", inputs.bonds)
    params = inputs.params
    n_rows, n_cols = w.shape
    lu, cb, bar = block_ranks(inputs.last_update, inputs.commit_block,
                              inputs.block_at_registration)
    has = (
        b is not None, True, True, lu is not None, cb is not None, bar is not None, False,
        True, inputs.previous_consensus is not None,
    )
    ints = np.array(int_params(code, params, inputs.owner_uid, has, None, 0, 0),
                    dtype=np.int64)
    reals = np.array(real_params(params, inputs.stake_threshold))
    no_i8, no_f8, no_i4 = np.zeros(1, np.int64), np.zeros(1), np.zeros(1, np.int32)
    b_ptr, b_idx, b_val = ((b.indptr, b.indices, b.data) if b is not None
                           else (np.zeros(n_rows + 1, np.int64), no_i4, no_f8))
    cap_w = max(w.nnz, 1)
    cap_e = max(w.nnz + (0 if b is None else b.nnz), 1)
    beta = params.bonds_penalty
    write_wb = beta not in (0.0, 1.0)
    yuma2 = code != ek.YUMA3_CODE
    vectors = {k: np.empty(n_rows) for k in ("stake", "active_stake", "validator_trust",
                                              "dividends", "validator_emission")}
    vectors.update({k: np.empty(n_cols) for k in ("consensus", "rank", "trust", "incentive",
                                                   "server_emission")})
    vectors["validator_permit"] = np.empty(n_rows, dtype=np.bool_)
    emission = np.empty(n_rows if n_rows == n_cols else n_rows + n_cols)
    ptrs = np.zeros((sk.N_PTRS, n_rows + 1), dtype=np.int64)
    wo = (np.empty(cap_w, np.int32), np.empty(cap_w))
    co = (np.empty(cap_w, np.int32), np.empty(cap_w))
    wbo = (np.empty(cap_w, np.int32), np.empty(cap_w)) if write_wb else (no_i4, no_f8)
    eo = (np.empty(cap_e, np.int32), np.empty(cap_e))
    s_val = np.empty(cap_e) if yuma2 else no_f8
    status = sk.sparse_epoch()(
        w.indptr, w.indices, w.data, n_cols, b_ptr, b_idx, b_val,
        inputs.stake, inputs.active, inputs.validator_permit,
        no_i8 if lu is None else lu, no_i8 if cb is None else cb, no_i8 if bar is None else bar,
        inputs.reset_bonds, no_f8 if inputs.previous_consensus is None
        else inputs.previous_consensus, ints, reals,
        vectors["stake"], vectors["active_stake"], vectors["validator_permit"],
        vectors["consensus"], vectors["validator_trust"], vectors["rank"], vectors["trust"],
        vectors["incentive"], vectors["dividends"], vectors["server_emission"],
        vectors["validator_emission"], emission, ptrs, *wo, *co, *wbo, *eo, s_val,
    )
    if status < 0:
        return None
    cls = _csr_class(like)
    shape = (n_rows, n_cols)

    def made(
        row: int, idx: np.ndarray, val: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # (scipy copies a view that uses less than half of its buffer.)
        ptr = ptrs[row]
        return ptr, idx[:ptr[-1]], val[:ptr[-1]]

    weights = _to_scipy(cls, *made(sk.P_WEIGHTS, *wo), shape)
    clipped = _to_scipy(cls, *made(sk.P_CLIPPED, *co), shape)
    w_bonds = (weights if beta == 0.0 else clipped if beta == 1.0
               else _to_scipy(cls, *made(sk.P_WEIGHTS_FOR_BONDS, *wbo), shape))
    e_ptr, e_idx, e_val = made(sk.P_EMA, *eo)
    permit_new = vectors["validator_permit"]
    if yuma2:
        stored = sk.keep_rows(e_ptr, e_idx, s_val[:e_ptr[-1]], permit_new)
    elif status & ek.BONDS_DIFFER:
        stored = sk.keep_rows(e_ptr, e_idx, e_val, permit_new)
    else:
        stored = None
    ema = _to_scipy(cls, e_ptr, e_idx, e_val, shape)
    bonds = ema if stored is None else _to_scipy(cls, stored[0], stored[1], stored[2], shape)
    return EpochResult(
        variant=inputs.variant.name, active=inputs.active, emission=emission,
        weights=weights, clipped_weights=clipped, weights_for_bonds=w_bonds, ema_bonds=ema,
        bonds=bonds, **vectors,
    )

"""Sparse (CSR) weights and bonds in yuma.epoch, as the chain stores them.

The sparse path must give the dense path's results on the same data, with ``listed`` = the
weights' sparsity structure (explicit zeros included), bit for bit; its n x n outputs are
CSR whose structures follow the chain's sparse rules.
"""

import dataclasses
import re
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma.core import _kernels, steps
from yuma.core.inputs import check_inputs
from yuma.testing import step_strategies as ss

sp = pytest.importorskip("scipy.sparse")

FIELDS = [f.name for f in dataclasses.fields(yuma.EpochResult) if f.name != "variant"]
MATRICES = ("weights", "clipped_weights", "weights_for_bonds", "ema_bonds", "bonds")
FORMATS = ("csr_array", "csr_matrix", "coo_array", "csc_matrix", "unsorted_csr")
REAL = Path(__file__).parent / "data" / "real" / "sn15_block4769998_weights_stakes.npz"


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def sparse_of(values, structure, fmt, seed=0):
    """``values`` at the entries of ``structure`` (explicit zeros kept) in format ``fmt``."""
    rows, cols = np.nonzero(structure)
    vals = values[rows, cols]
    shape = values.shape
    if fmt == "csr_array":
        return sp.csr_array((vals, (rows, cols)), shape=shape)
    if fmt == "csr_matrix":
        return sp.csr_matrix((vals, (rows, cols)), shape=shape)
    if fmt == "coo_array":
        return sp.coo_array((vals, (rows, cols)), shape=shape)
    if fmt == "csc_matrix":
        return sp.csc_matrix((vals, (rows, cols)), shape=shape)
    assert fmt == "unsorted_csr"
    # Each row's entries in a random order: a valid CSR that is not in canonical form.
    rng = np.random.default_rng(seed)
    indptr = np.zeros(shape[0] + 1, dtype=np.int32)
    np.add.at(indptr, rows + 1, 1)
    indptr = np.cumsum(indptr).astype(np.int32)
    order = np.concatenate([rng.permutation(np.arange(indptr[r], indptr[r + 1]))
                            for r in range(shape[0])] or [np.zeros(0, dtype=np.int64)])
    out = sp.csr_array((vals[order], cols[order].astype(np.int32), indptr), shape=shape)
    out.has_sorted_indices = False
    return out


def structure_of(x):
    """The stored entries of a sparse matrix (explicit zeros included) as a dense mask."""
    coo = sp.coo_array(x)
    mask = np.zeros(x.shape, dtype=bool)
    mask[coo.row, coo.col] = True
    return mask


def dense_twin(kw):
    """The dense call on the same data: toarray(), listed = the weights' structure."""
    out = dict(kw)
    w = kw["weights"]
    out["weights"] = w.toarray()
    out["listed"] = structure_of(w)
    if sp.issparse(kw.get("bonds")):
        out["bonds"] = kw["bonds"].toarray()
    return out


def assert_same_bits(sparse_result, dense_result):
    assert sparse_result.variant == dense_result.variant
    for name in FIELDS:
        got, want = getattr(sparse_result, name), getattr(dense_result, name)
        if name in MATRICES:
            assert sp.issparse(got), name
            got = got.toarray()
        assert got.shape == np.shape(want), name
        assert got.dtype == np.asarray(want).dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)


def permits_old(kw):
    n_rows = kw["weights"].shape[0]
    permit = kw.get("validator_permit")
    permit = np.ones(n_rows, bool) if permit is None else np.array(permit, bool)
    if kw.get("owner_uid") is not None:
        permit[kw["owner_uid"]] = True
    return permit


def assert_chain_structures(kw, r):
    """The outputs' structures follow the chain's sparse rules (spec 3.5 to 3.10)."""
    n_rows, n_cols = kw["weights"].shape
    listed = structure_of(kw["weights"])
    keep = yuma.weight_mask(
        (n_rows, n_cols), permits_old(kw), owner_uid=kw.get("owner_uid"),
        last_update=kw.get("last_update"),
        block_at_registration=kw.get("block_at_registration"),
        commit_block=kw.get("commit_block"),
    )
    w_entries = listed & keep  # masked rows and entries removed, explicit zeros kept
    np.testing.assert_array_equal(structure_of(r.weights), w_entries)
    w = r.weights.toarray()
    c = r.consensus[None, :]
    clipped_entries = w_entries & ~((c < w) & (c <= 0.0))  # col_clip_sparse
    np.testing.assert_array_equal(structure_of(r.clipped_weights), clipped_entries)
    beta = (kw.get("params") or yuma.YumaParams()).bonds_penalty
    wb_entries = (w_entries if beta == 0.0 else clipped_entries if beta == 1.0
                  else r.weights_for_bonds.toarray() > 0.0)  # interpolate_sparse
    np.testing.assert_array_equal(structure_of(r.weights_for_bonds), wb_entries)
    # Bonds keep their positive values only; the stored bonds in rows with a new permit.
    ema = r.ema_bonds.toarray()
    np.testing.assert_array_equal(structure_of(r.ema_bonds), ema > 0.0)
    stored = r.bonds.toarray()
    np.testing.assert_array_equal(structure_of(r.bonds),
                                  (ema > 0.0) & r.validator_permit[:, None])
    assert np.all(stored[~r.validator_permit] == 0.0)


@st.composite
def sparse_epoch_inputs(draw, **kwargs):
    """:func:`yuma.testing.step_strategies.full_epoch_inputs` with sparse matrices.

    The weights' structure is ``listed`` when drawn (else a random mask) plus every
    positive weight; the bonds' a random mask plus every positive bond.
    """
    kw = draw(ss.full_epoch_inputs(**kwargs))
    w = kw["weights"]
    n_rows, n_cols = w.shape
    listed = kw.pop("listed", None)
    if listed is None:
        listed = draw(ss.mask_matrices(n_rows, n_cols))
    fmt = draw(st.sampled_from(FORMATS))
    seed = draw(st.integers(0, 2**32 - 1))
    kw["weights"] = sparse_of(w, listed | (w > 0.0), fmt, seed)
    bonds = kw.get("bonds")
    if bonds is not None:
        extra = draw(ss.mask_matrices(n_rows, n_cols))
        kw["bonds"] = sparse_of(bonds, extra | (bonds > 0.0), draw(st.sampled_from(FORMATS)),
                                seed + 1)
    return kw


def run_both(kw):
    sparse_result = yuma.epoch(**kw)
    dense_result = yuma.epoch(**dense_twin(kw))
    assert_same_bits(sparse_result, dense_result)
    return sparse_result


# --------------------------------------------------------------------------------------
# The sparse path gives the dense path's bits
# --------------------------------------------------------------------------------------


@given(sparse_epoch_inputs())
def test_sparse_epoch_equals_the_dense_epoch_with_the_structure_listed(kw):
    r = run_both(kw)
    assert_chain_structures(kw, r)


@given(sparse_epoch_inputs(square=True, variants=("yuma3",)))
def test_sparse_yuma3_liquid_alpha_equals_dense(kw):
    kw["params"] = dataclasses.replace(kw["params"], liquid_alpha=True)
    r = run_both(kw)
    assert_chain_structures(kw, r)


@st.composite
def many_row_inputs(draw):
    # More rows than one chunk of the row pass (its column sums are per chunk), sparse rows.
    n_rows = draw(st.sampled_from([_kernels.MIN_ROW_CHUNK + 3, 17 * _kernels.MIN_ROW_CHUNK + 5]))
    square = draw(st.booleans())
    n_cols = n_rows if square else draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    density = draw(st.sampled_from([0.02, 0.1, 0.5]))
    w = np.round(rng.random((n_rows, n_cols)), 2) * (rng.random((n_rows, n_cols)) < density)
    listed = (w > 0) | (rng.random((n_rows, n_cols)) < density / 4)
    bonds = rng.random((n_rows, n_cols)) * (rng.random((n_rows, n_cols)) < density)
    kw = {
        "weights": sparse_of(w, listed, draw(st.sampled_from(FORMATS))),
        "stake": rng.pareto(1.5, n_rows) * (rng.random(n_rows) < 0.7),
        "bonds": sparse_of(bonds, bonds > 0, "csr_array"),
        "params": yuma.YumaParams(
            variant=draw(st.sampled_from(["yuma2", "yuma3", "yuma2_liquid_alpha_v1"])),
            liquid_alpha=draw(st.booleans()),
            bonds_penalty=draw(st.sampled_from([0.0, 0.25, 1.0])),
            max_allowed_validators=draw(st.integers(1, n_rows)),
            kappa=draw(st.sampled_from([0.25, 0.5, 0.75])),
        ),
        "validator_permit": rng.random(n_rows) < 0.9,
        "active": rng.random(n_rows) < 0.9,
        "reset_bonds": rng.random(n_cols) < 0.1,
    }
    if draw(st.booleans()):
        kw["block_at_registration"] = rng.integers(0, 10, n_cols)
        kw["last_update"] = rng.integers(0, 12, n_rows)
        kw["commit_block"] = rng.integers(0, 12, n_rows)
    if square and draw(st.booleans()):
        kw["owner_uid"] = draw(st.integers(0, n_rows - 1))
    return kw


@given(many_row_inputs())
def test_sparse_epoch_equals_dense_over_several_chunks(kw):
    r = run_both(kw)
    assert_chain_structures(kw, r)


def test_consensus_when_no_value_holds_kappa_of_the_stake():
    # kappa = 1 and three equal stakes: the units, rint(2**52 / 3) each, sum to one less
    # than the 2**52 needed, so no value qualifies and the consensus is the column's
    # smallest value: positive where every participant weights the column, else 0.
    w = np.array([[0.0, 0.2, 0.3, 0.5], [0.0, 0.1, 0.0, 0.9], [0.0, 0.4, 0.6, 0.0]])
    stake = np.array([1.0, 1.0, 1.0])  # rectangular: no self-weight is masked
    kw = {"weights": sparse_of(w, w > 0, "csr_array"), "stake": stake,
          "params": yuma.YumaParams(kappa=1.0)}
    r = run_both(kw)
    units = steps.stake_units(r.active_stake[:3])
    assert units.sum() < steps.kappa_units(1.0)
    assert r.consensus[1] == pytest.approx(0.1) and r.consensus[2] == 0.0


@pytest.mark.parametrize("variant", ["yuma2", "yuma3", "yuma2_liquid_alpha_v1"])
def test_huge_values_are_prescaled_as_the_dense_path(variant):
    # Row sums of the weights (and, under Yuma 2, column sums of the bonds) overflow.
    big = np.finfo(np.float64).max
    w = np.array([[0.0, big, big, 1.0], [1.0, 0.0, 2.0, 0.0], [big, 1e300, 0.0, 3.0],
                  [1.0, 1.0, 1.0, 0.0]])
    b = np.array([[0.0, big, 1.0, 0.0], [big, 0.0, big, 0.0], [0.0, 0.0, 0.0, 0.0],
                  [1.0, 0.0, big, 0.0]])
    if variant == "yuma3":
        b = np.minimum(b, 1.0)
    kw = {"weights": sparse_of(w, w > 0, "csr_array"), "stake": np.array([1.0, 2.0, 3.0, 4.0]),
          "bonds": sparse_of(b, b > 0, "csr_array"), "variant": variant}
    r = run_both(kw)
    assert np.all(np.isfinite(r.weights.data)) and np.all(np.isfinite(r.ema_bonds.data))


@pytest.mark.parametrize("variant", ["yuma2", "yuma2_liquid_alpha_v1"])
def test_one_column_yuma2(variant):
    # One column: the dense Yuma 2 sums that column pairwise; the sparse path does too.
    rng = np.random.default_rng(5)
    w = np.round(rng.random((300, 1)), 2) * (rng.random((300, 1)) < 0.5)
    b = rng.random((300, 1)) * (rng.random((300, 1)) < 0.5) * 1e5
    kw = {"weights": sparse_of(w, w > 0, "csr_array"), "stake": rng.random(300),
          "bonds": sparse_of(b, b > 0, "csr_array"),
          "params": yuma.YumaParams(variant=variant, liquid_alpha=True)}
    run_both(kw)


@pytest.mark.parametrize("n", [0, 1, 2])
@pytest.mark.parametrize("variant", ["yuma2", "yuma3"])
def test_tiny_and_empty_epochs(n, variant):
    for weights in (np.zeros((n, n)), np.ones((n, n)), np.eye(n)):
        for stake in (np.zeros(n), np.ones(n)):
            kw = {"weights": sparse_of(weights, weights >= 0, "csr_array"), "stake": stake,
                  "variant": variant}
            r = run_both(kw)
            for name in FIELDS:
                value = getattr(r, name)
                values = value.data if sp.issparse(value) else value
                assert not np.any(np.isnan(values.astype(float))), name
    r = yuma.epoch(sp.csr_array((3, 5)), np.ones(3))  # rectangular, no entries
    assert r.weights.nnz == 0 and np.allclose(r.emission.sum(), 1.0)


# --------------------------------------------------------------------------------------
# Real data and a run of epochs
# --------------------------------------------------------------------------------------


def sn15():
    data = np.load(REAL)
    w = data["W_u16_reconstructed"].astype(np.float64)
    stake = data["S_stake_tao_f32"].astype(np.float64)
    return sp.csr_array(w), stake


@pytest.mark.parametrize("params", [
    yuma.YumaParams(variant="yuma3"),
    yuma.YumaParams(variant="yuma3", liquid_alpha=True),
    yuma.YumaParams(variant="yuma3", liquid_alpha=True, bonds_penalty=0.5),
    yuma.YumaParams(variant="yuma2"),
    yuma.YumaParams(variant="yuma2_liquid_alpha_v1", liquid_alpha=True),
], ids=["yuma3", "yuma3+la", "yuma3+la beta 0.5", "yuma2", "yuma2 la v1"])
def test_sn15_real_weights_over_epochs(params):
    w, stake = sn15()
    assert 0.02 < w.nnz / np.prod(w.shape) < 0.03  # the chain's sparsity: 1,687 entries
    sparse_bonds = dense_bonds = previous = None
    permit = None
    for _ in range(4):
        kw = {"weights": w, "stake": stake, "bonds": sparse_bonds, "params": params,
              "validator_permit": permit, "previous_consensus": previous}
        twin = dense_twin(kw)
        twin["bonds"] = dense_bonds
        r = yuma.epoch(**kw)
        d = yuma.epoch(**twin)
        assert_same_bits(r, d)
        assert_chain_structures(kw, r)
        sparse_bonds, dense_bonds = r.bonds, d.bonds
        permit, previous = r.validator_permit, r.consensus
    assert r.incentive.sum() == pytest.approx(1.0) and r.dividends.sum() == pytest.approx(1.0)
    assert r.bonds.nnz > 0


# --------------------------------------------------------------------------------------
# The chain's semantics: what is listed
# --------------------------------------------------------------------------------------


def test_an_explicit_zero_keeps_a_decaying_bond_and_an_absent_entry_drops_it():
    # Yuma 3 with liquid alpha: validator 0 lists miner 2 with weight 0 (an entry), and
    # does not list miner 3 at all; it holds a bond to both.
    w = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0], [0.0] * 4, [0.0] * 4])
    listed = np.zeros((4, 4), bool)
    listed[0, 1] = listed[0, 2] = True
    listed[1, 2] = listed[1, 3] = True
    b = np.zeros((4, 4))
    b[0, 2] = b[0, 3] = 0.5
    params = yuma.YumaParams(variant="yuma3", liquid_alpha=True, bonds_penalty=0.0)
    stake = np.array([1.0, 1.0, 0.0, 0.0])
    r = yuma.epoch(sparse_of(w, listed, "csr_array"), stake, sparse_of(b, b > 0, "csr_array"),
                   params=params)
    ema = r.ema_bonds.toarray()
    assert 0.0 < ema[0, 2] < 0.5  # listed with 0: decays
    assert ema[0, 3] == 0.0 and not structure_of(r.ema_bonds)[0, 3]  # unlisted: dropped
    # The dense path with every entry listed decays both.
    dense = yuma.epoch(w, stake, b, params=params)
    assert dense.ema_bonds[0, 3] > 0.0


def test_listed_is_refused_with_sparse_weights():
    w = sp.csr_array(np.eye(3))
    with pytest.raises(ValueError, match="listed must be None when weights are sparse"):
        yuma.epoch(w, np.ones(3), listed=np.ones((3, 3), bool))


# --------------------------------------------------------------------------------------
# Formats, the caller's matrices, the results' form
# --------------------------------------------------------------------------------------


def test_duplicates_are_summed_and_rows_sorted_without_touching_the_callers_matrix():
    rng = np.random.default_rng(0)
    w = np.round(rng.random((6, 6)), 2)
    w[w < 0.3] = 0.0  # explicit zeros: every entry is stored
    stake = rng.random(6)
    # Row by row, every entry twice (two halves), columns in reverse order.
    data, idx, ptr = [], [], [0]
    for r in range(6):
        for j in reversed(range(6)):
            data += [w[r, j] / 2, w[r, j] / 2]
            idx += [j, j]
        ptr.append(len(data))
    messy = sp.csr_array((np.array(data), np.array(idx, np.int32), np.array(ptr, np.int32)),
                         shape=(6, 6))
    messy.has_sorted_indices = False
    before = (messy.data.copy(), messy.indices.copy(), messy.indptr.copy())
    params = yuma.YumaParams(liquid_alpha=True)
    got = yuma.epoch(messy, stake, params=params)
    want = yuma.epoch(w, stake, listed=np.ones((6, 6), bool), params=params)
    assert_same_bits(got, want)
    for now, then in zip((messy.data, messy.indices, messy.indptr), before, strict=True):
        np.testing.assert_array_equal(now, then)
    assert not messy.has_sorted_indices


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_result(fmt):
    rng = np.random.default_rng(1)
    w = np.round(rng.random((7, 9)), 1)
    listed = (w > 0.3) | (rng.random((7, 9)) < 0.2)
    stake = rng.random(7)
    base = yuma.epoch(sparse_of(w, listed, "csr_array"), stake)
    other = yuma.epoch(sparse_of(w, listed, fmt, seed=3), stake)
    assert_same_bits(other, dataclasses.replace(base, **{m: getattr(base, m).toarray()
                                                         for m in MATRICES}))


def test_results_follow_the_callers_kind_are_read_only_and_share_as_dense():
    rng = np.random.default_rng(2)
    w = rng.random((5, 5))
    stake = rng.random(5)
    r = yuma.epoch(sp.csr_matrix(w), stake)
    assert all(isinstance(getattr(r, m), sp.csr_matrix) for m in MATRICES)
    r = yuma.epoch(sp.csr_array(w), stake, params=yuma.YumaParams(bonds_penalty=1.0))
    assert all(isinstance(getattr(r, m), sp.csr_array) for m in MATRICES)
    assert r.weights_for_bonds is r.clipped_weights
    assert r.bonds is r.ema_bonds  # every row holds a new permit
    r0 = yuma.epoch(sp.csr_array(w), stake, params=yuma.YumaParams(bonds_penalty=0.0))
    assert r0.weights_for_bonds is r0.weights
    for m in MATRICES:
        with pytest.raises(ValueError, match="read-only"):
            getattr(r, m).data[0] = 1.0
    assert r.square and r.n_uids == 5


def test_int64_indices_and_integer_values_are_read():
    w = np.array([[0, 3, 0], [1, 0, 2], [0, 0, 0]])
    coo = sp.coo_array(w)
    m = sp.csr_array((coo.data, (coo.row.astype(np.int64), coo.col.astype(np.int64))),
                     shape=(3, 3))
    assert m.data.dtype.kind == "i"
    run_both({"weights": m, "stake": np.array([1.0, 2.0, 0.0])})


class DuckCSR:
    """The least a sparse matrix needs to be read: ``tocsr()`` and the CSR arrays."""

    def __init__(self, data, indices, indptr, shape):
        self.data, self.indices, self.indptr = (np.asarray(a) for a in (data, indices, indptr))
        self.shape = shape
        self.nnz = len(self.data)

    def tocsr(self):
        return self


def test_duck_typed_sparse_matrices_are_read_without_scipy_types():
    m = DuckCSR([0.5, 0.5, 1.0], [1, 2, 0], [0, 2, 3, 3], (3, 3))
    r = yuma.epoch(m, np.array([1.0, 1.0, 0.0]))
    d = yuma.epoch(np.array([[0, 0.5, 0.5], [1, 0, 0], [0, 0, 0]]), np.array([1.0, 1.0, 0.0]),
                   listed=np.array([[0, 1, 1], [1, 0, 0], [0, 0, 0]], bool))
    assert isinstance(r.weights, sp.csr_array)
    np.testing.assert_array_equal(r.incentive, d.incentive)


def test_without_scipy_the_results_say_which_extra(monkeypatch):
    m = DuckCSR([1.0], [1], [0, 1, 1], (2, 2))
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.sparse", None)
    with pytest.raises(ImportError, match=r'pip install "yuma-consensus\[sparse\]"'):
        yuma.epoch(m, np.ones(2))


# --------------------------------------------------------------------------------------
# Checks: clear errors naming the argument
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "message"), [
    (np.nan, "weights must be finite"), (np.inf, "weights must be finite"),
    (-1.0, "weights must be non-negative"),
])
def test_bad_weight_values_are_refused(value, message):
    m = sp.csr_array(np.array([[0.0, 1.0], [value, 0.0]]))
    with pytest.raises(ValueError, match=message):
        yuma.epoch(m, np.ones(2))


@pytest.mark.parametrize(("value", "message", "variant"), [
    (np.nan, "bonds must be finite", "yuma2"), (-0.5, "bonds must be non-negative", "yuma2"),
    (1.5, r"bonds must hold proportions in \[0, 1\]", "yuma3"),
])
def test_bad_bond_values_are_refused(value, message, variant):
    w = sp.csr_array(np.array([[0.0, 1.0], [1.0, 0.0]]))
    b = sp.csr_array(np.array([[0.0, value], [0.0, 0.0]]))
    with pytest.raises(ValueError, match=message):
        yuma.epoch(w, np.ones(2), b, variant=variant)


def test_yuma2_bonds_may_exceed_one():
    w = sp.csr_array(np.array([[0.0, 1.0], [1.0, 0.0]]))
    b = sp.csr_array(np.array([[0.0, 7.0], [0.0, 0.0]]))
    run_both({"weights": w, "stake": np.ones(2), "bonds": b, "variant": "yuma2"})


def test_duplicates_summing_past_the_limits_are_refused():
    big = np.finfo(np.float64).max
    w = sp.csr_array(([big, big], ([0, 0], [1, 1])), shape=(2, 2))  # coo sums: inf
    with pytest.raises(ValueError, match="weights must be finite"):
        yuma.epoch(w, np.ones(2))
    halves = DuckCSR([0.6, 0.6], [1, 1], [0, 2, 2], (2, 2))  # duplicates in one row
    with pytest.raises(ValueError, match=r"bonds must hold proportions in \[0, 1\]"):
        yuma.epoch(sp.csr_array(np.ones((2, 2))), np.ones(2), halves, variant="yuma3")


@pytest.mark.parametrize(("matrix", "message"), [
    (DuckCSR([1.0], [5], [0, 1, 1], (2, 2)), r"weights has a column index outside \[0, 2\)"),
    (DuckCSR([1.0], [-1], [0, 1, 1], (2, 2)), r"weights has a column index outside"),
    (DuckCSR(np.array([1.0]), np.array([2**32 + 1], np.int64), [0, 1, 1], (2, 2)),
     "column index outside"),
    (DuckCSR([1.0, 1.0], [0, 1], [0, 2, 1], (2, 2)), "indptr must start at 0, never decrease"),
    (DuckCSR([1.0], [0], [1, 1, 1], (2, 2)), "indptr must start at 0"),
    (DuckCSR([1.0], [0], [0, 1, 5], (2, 2)), "end within its indices and data"),
    (DuckCSR([1.0], [0], [0, 1], (2, 2)), "indptr must have length 3"),
    (DuckCSR([1.0], [0.5], [0, 1, 1], (2, 2)), "indices must be integers"),
    (DuckCSR(["a"], [0], [0, 1, 1], (2, 2)), "weights must hold real numbers"),
    (DuckCSR([1j], [0], [0, 1, 1], (2, 2)), "weights must hold real numbers"),
])
def test_malformed_sparse_weights_are_refused(matrix, message):
    with pytest.raises(ValueError, match=message):
        yuma.epoch(matrix, np.ones(2))


def test_shapes_and_mixtures_are_refused():
    w = sp.csr_array(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"bonds must have shape \(2, 3\), got \(3, 2\)"):
        yuma.epoch(w, np.ones(2), sp.csr_array(np.ones((3, 2))) * 0.5)
    with pytest.raises(ValueError, match="stake must have length 2"):
        yuma.epoch(w, np.ones(3))
    with pytest.raises(ValueError, match="bonds must be a sparse matrix"):
        yuma.epoch(w, np.ones(2), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="bonds is a sparse matrix but weights is not"):
        yuma.epoch(np.ones((2, 3)), np.ones(2), sp.csr_array((2, 3)))
    with pytest.raises(ValueError, match="could not be read as a CSR matrix"):
        yuma.epoch(Unreadable(), np.ones(2))


class Unreadable:
    nnz = 0
    shape = (2, 2)

    def tocsr(self):
        raise TypeError("no CSR form")


def test_the_other_entry_points_say_what_to_do_with_sparse_matrices():
    w = sp.csr_array(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"weights is a sparse matrix.*toarray\(\)"):
        check_inputs(w, np.ones(2))
    with pytest.raises(ValueError, match=r"epoch_batch takes dense arrays"):
        yuma.epoch_batch(w, np.ones(2))
    with pytest.raises(ValueError, match=r"epoch_batch takes dense arrays"):
        yuma.epoch_batch([w, w], np.ones(2))
    with pytest.raises(ValueError, match=r"epoch_batch takes dense arrays"):
        yuma.epoch_batch(np.ones((2, 2, 2)), np.ones(2), [w, w])
    with pytest.raises(ValueError, match=r"weights is a sparse matrix"):
        yuma.chain_epoch_from_float(w, np.ones(2))


# --------------------------------------------------------------------------------------
# User variants and the fixed path: densified
# --------------------------------------------------------------------------------------


@given(sparse_epoch_inputs(max_validators=5, max_miners=6))
def test_a_user_variant_runs_on_the_densified_inputs(kw):
    name = kw.pop("variant", None) or (kw.get("params") or yuma.YumaParams()).variant
    twin_variant = dataclasses.replace(yuma.VARIANTS[name], name=f"copy of {name}")
    got = yuma.epoch(**kw, variant=twin_variant)
    want = yuma.epoch(**dense_twin(kw), variant=twin_variant)
    assert_same_bits(got, want)
    for m in MATRICES:  # the non-zero entries
        np.testing.assert_array_equal(structure_of(getattr(got, m)), getattr(want, m) != 0)


@given(sparse_epoch_inputs(max_validators=5, max_miners=6, variants=("yuma2", "yuma3")))
def test_the_fixed_path_runs_on_the_densified_inputs(kw):
    kw.pop("variant", None)
    try:
        want = yuma.epoch(**dense_twin(kw), arithmetic="fixed")
    except ValueError as exc:  # parameters the chain refuses: refused alike
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            yuma.epoch(**kw, arithmetic="fixed")
        return
    assert_same_bits(yuma.epoch(**kw, arithmetic="fixed"), want)


# --------------------------------------------------------------------------------------
# Memory: no n x n array
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [yuma.YumaParams(variant="yuma3", liquid_alpha=True),
                                    yuma.YumaParams(variant="yuma2")], ids=["yuma3+la", "yuma2"])
def test_a_sparse_epoch_allocates_no_n_by_n_array(params):
    # 300,000 UIDs: one n x n float64 array would take 720 GB.
    n, n_validators, per_row = 300_000, 40, 50
    rng = np.random.default_rng(4)
    rows = np.repeat(np.arange(n_validators), per_row)
    cols = np.tile(np.sort(rng.choice(n, per_row, replace=False)), n_validators)  # agreed
    w = sp.csr_array((rng.random(rows.size), (rows, cols)), shape=(n, n))
    b = sp.csr_array((rng.random(rows.size) * 0.5, (rows, cols)), shape=(n, n))
    stake = np.zeros(n)
    stake[:n_validators] = rng.random(n_validators) + 0.1
    yuma.epoch(w, stake, b, params=params)  # compiled, warm
    tracemalloc.start()
    r = yuma.epoch(w, stake, b, params=params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * n * 8  # vectors of n, never n x n
    assert r.weights.shape == (n, n) and r.incentive.sum() == pytest.approx(1.0)

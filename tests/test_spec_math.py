"""Spec section 7, group A: the chain's math tests (``tests/math.rs``) run on ``yuma``.

The chain computes in I32F32 fixed point; ``yuma`` in float64. Where the chain compares
exactly, the values here are exact in float64 too (the weighted median returns one of its
inputs); otherwise the chain's epsilon is used, plus a 1e-12 slack for the decimal
literals' own rounding.

Not expressible here (no float64 counterpart in ``yuma``): A5 ``vec_max_upscale_to_u16``,
A7 ``sigmoid_safe`` and A8 ``exp_safe`` (fixed-point conversions and the Taylor ``exp``).
"""

from __future__ import annotations

import numpy as np
import pytest
from data import spec_vectors as sv

import yuma

LITERAL_SLACK = 1e-12


def assert_close(got, expected, eps):
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape
    err = np.abs(got - expected)
    assert np.all(err <= eps + LITERAL_SLACK), f"got {got.tolist()}, expected {expected.tolist()}"


def reshape(flat, rows, transpose=False):
    """Mirror the chain helper ``vec_to_mat_fixed(vector, rows, transpose)``."""
    mat = np.asarray(flat, dtype=np.float64).reshape(rows, -1)
    return mat.T.copy() if transpose else mat


# --------------------------------------------------------------------------------------
# A1 weighted_median, A2 weighted_median_col
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stake", "score", "expected"),
    sv.WEIGHTED_MEDIAN_CASES,
    ids=[f"case{i}" for i in range(len(sv.WEIGHTED_MEDIAN_CASES))],
)
def test_a1_weighted_median(stake, score, expected):
    got = yuma.weighted_median(
        np.array(stake, dtype=np.float64),
        np.array(score, dtype=np.float64),
        sv.WEIGHTED_MEDIAN_MAJORITY,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("stake", "weights", "kappa", "expected"),
    sv.WEIGHTED_MEDIAN_COL_CASES,
    ids=["zero-stake", "kappa0.24", "kappa0.26", "kappa0.76", "kappa0.51"],
)
def test_a2_weighted_median_col(stake, weights, kappa, expected):
    got = yuma.weighted_median_col(np.array(stake), np.array(weights), kappa)
    assert got.tolist() == expected
    # The alias used by the epoch is the same function.
    assert yuma.consensus(np.array(stake), np.array(weights), kappa).tolist() == expected


def test_a2_weighted_median_col_empty():
    # Chain: stake [] with weights [[]] (one row of width 0). A float matrix with no rows
    # and no columns is the closest shape; the result is empty as on chain.
    kappa = sv.WEIGHTED_MEDIAN_COL_EMPTY_KAPPA
    got = yuma.weighted_median_col(np.zeros(0), np.zeros((0, 0)), kappa)
    assert got.shape == (0,)


# --------------------------------------------------------------------------------------
# A3 col_clip
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "expected"), sv.COL_CLIP_CASES, ids=["dense", "sparse-empty-row", "all-zero"]
)
def test_a3_col_clip(weights, expected):
    got = yuma.col_clip(np.array(weights), np.array(sv.COL_CLIP_THRESHOLDS))
    assert got.tolist() == expected


# --------------------------------------------------------------------------------------
# A4 normalize, row/col normalize, col max upscale
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "expected"), sv.NORMALIZE_CASES, ids=["positive", "negative"])
def test_a4_normalize(x, expected):
    got = yuma.normalize(np.array(x))
    assert_close(got, expected, sv.NORMALIZE_EPSILON)
    assert_close(got.sum(), 1.0, sv.NORMALIZE_EPSILON)


def test_a4_normalize_empty():
    assert yuma.normalize(np.zeros(0)).shape == (0,)


def test_a4_row_normalize():
    mat = reshape(sv.NORMALIZE_MAT_FLAT, sv.NORMALIZE_MAT_ROWS)
    target = reshape(sv.ROW_NORMALIZE_TARGET_FLAT, sv.NORMALIZE_MAT_ROWS)
    assert_close(yuma.row_normalize(mat), target, sv.NORMALIZE_EPSILON)


def test_a4_col_normalize():
    mat = reshape(sv.NORMALIZE_MAT_FLAT, sv.NORMALIZE_MAT_ROWS, transpose=True)
    target = reshape(sv.ROW_NORMALIZE_TARGET_FLAT, sv.NORMALIZE_MAT_ROWS, transpose=True)
    assert_close(yuma.col_normalize(mat), target, sv.NORMALIZE_EPSILON)


def test_a4_col_max_upscale():
    mat = reshape(sv.NORMALIZE_MAT_FLAT, sv.NORMALIZE_MAT_ROWS, transpose=True)
    target = reshape(sv.COL_MAX_UPSCALE_TARGET_FLAT, sv.NORMALIZE_MAT_ROWS, transpose=True)
    assert_close(yuma.col_max_upscale(mat), target, sv.NORMALIZE_EPSILON)


def test_a4_col_max_upscale_trivial():
    # test_math_inplace_col_max_upscale: [[]] -> [[]] and [[0]] -> [[0]] (exact).
    assert yuma.col_max_upscale(np.zeros((1, 0))).shape == (1, 0)
    assert yuma.col_max_upscale(np.zeros((1, 1))).tolist() == [[0.0]]


def test_a4_row_normalize_sparse():
    mat = reshape(sv.NORMALIZE_SPARSE_FLAT, sv.NORMALIZE_SPARSE_ROWS)
    target = reshape(sv.NORMALIZE_SPARSE_TARGET_FLAT, sv.NORMALIZE_SPARSE_ROWS)
    assert_close(yuma.row_normalize(mat), target, sv.NORMALIZE_EPSILON)
    # all-zero 3 x 4: unchanged (exact)
    assert yuma.row_normalize(np.zeros((3, 4))).tolist() == np.zeros((3, 4)).tolist()


def test_a4_col_normalize_sparse():
    mat = reshape(sv.NORMALIZE_SPARSE_FLAT, sv.NORMALIZE_SPARSE_ROWS, transpose=True)
    target = reshape(sv.NORMALIZE_SPARSE_TARGET_FLAT, sv.NORMALIZE_SPARSE_ROWS, transpose=True)
    assert_close(yuma.col_normalize(mat), target, sv.NORMALIZE_EPSILON)
    assert yuma.col_normalize(np.zeros((3, 4))).tolist() == np.zeros((3, 4)).tolist()


def test_a4_col_max_upscale_sparse():
    mat = reshape(sv.NORMALIZE_SPARSE_FLAT, sv.NORMALIZE_SPARSE_ROWS, transpose=True)
    target = reshape(
        sv.COL_MAX_UPSCALE_SPARSE_TARGET_FLAT, sv.NORMALIZE_SPARSE_ROWS, transpose=True
    )
    assert_close(yuma.col_max_upscale(mat), target, sv.NORMALIZE_EPSILON)
    assert yuma.col_max_upscale(np.zeros((3, 4))).tolist() == np.zeros((3, 4)).tolist()


# --------------------------------------------------------------------------------------
# A6 is_topk, is_topk_nonzero
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "k", "expected"),
    sv.IS_TOPK_CASES,
    ids=[f"case{i}" for i in range(len(sv.IS_TOPK_CASES))],
)
def test_a6_is_topk(x, k, expected):
    assert yuma.is_topk(np.array(x, dtype=np.float64), k).tolist() == expected


@pytest.mark.parametrize(
    ("x", "k", "expected"),
    sv.IS_TOPK_NONZERO_CASES,
    ids=[f"case{i}" for i in range(len(sv.IS_TOPK_NONZERO_CASES))],
)
def test_a6_is_topk_nonzero(x, k, expected):
    assert yuma.is_topk_nonzero(np.array(x, dtype=np.float64), k).tolist() == expected


# --------------------------------------------------------------------------------------
# A9 matmul via rank (and matmul_transpose via the normalized Yuma 2 dividends)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matrix", "expected"), sv.MATMUL_CASES, ids=["dense", "sparse", "zero"]
)
def test_a9_matmul_as_rank(matrix, expected):
    # rank(s, W)_j = sum_i s_i W_ij is the chain's matmul(W, s) / matmul_sparse (exact).
    got = yuma.rank(np.array(sv.MATMUL_VECTOR), np.array(matrix))
    assert got.tolist() == expected


@pytest.mark.parametrize(
    ("matrix", "expected"), sv.MATMUL_TRANSPOSE_CASES, ids=["dense", "sparse"]
)
def test_a9_matmul_transpose_as_yuma2_dividends(matrix, expected):
    # dividends_yuma2(B, I) = N(matmul_transpose(B, I)): only the normalized product is
    # exposed, so compare with N(expected).
    got = yuma.dividends_yuma2(np.array(matrix), np.array(sv.MATMUL_TRANSPOSE_VECTOR))
    target = np.array(expected) / sum(expected)
    assert_close(got, target, 1e-15)


# --------------------------------------------------------------------------------------
# A10 mat_ema_alpha (dense), A11 sparse, C8
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "alpha", "target"),
    sv.MAT_EMA_ALPHA_DENSE_CASES,
    ids=["alpha0.1", "alpha0", "alpha1"],
)
def test_a10_mat_ema_alpha_dense(old, new, alpha, target):
    rows = sv.MAT_EMA_ALPHA_ROWS
    old_m, new_m = reshape(old, rows), reshape(new, rows)
    alphas = np.full(old_m.shape, alpha)
    got = yuma.mat_ema_alpha(old_m, new_m, alphas)  # entries=None: dense, decays
    assert_close(got, reshape(target, rows), sv.MAT_EMA_ALPHA_EPSILON)


@pytest.mark.parametrize(
    ("new", "old", "alpha_row", "expected", "eps"),
    sv.MAT_EMA_ALPHA_SMALL_CASES,
    ids=["basic", "varying-alpha", "single-element"],
)
def test_a10_mat_ema_alpha_small(new, old, alpha_row, expected, eps):
    new_m, old_m = np.array(new), np.array(old)
    alphas = np.tile(np.array(alpha_row), (new_m.shape[0], 1))
    got = yuma.mat_ema_alpha(old_m, new_m, alphas)
    if eps == 0.0:
        assert got.tolist() == expected
    else:
        assert_close(got, expected, eps)


@pytest.mark.parametrize(
    ("old", "new", "target", "eps"),
    sv.SPARSE_MAT_EMA_ALPHA_CASES,
    ids=["case1", "case2", "zero-old", "all-zero", "drop"],
)
def test_a11_sparse_mat_ema_alpha(old, new, target, eps):
    rows = sv.SPARSE_MAT_EMA_ALPHA_ROWS
    old_m, new_m = reshape(old, rows), reshape(new, rows)
    alphas = np.full(old_m.shape, sv.SPARSE_MAT_EMA_ALPHA)
    entries = new_m > 0.0  # the sparsity pattern of `new` (vec_to_sparse_mat_fixed keeps > 0)
    got = yuma.mat_ema_alpha(old_m, new_m, alphas, entries)
    assert_close(got, reshape(target, rows), eps)
    # Cells absent from `new` carry no bond at all (the drop case: (0, 0) is 0, not 0.9).
    assert np.all(got[~entries] == 0.0)


def test_a11_drop_differs_from_dense():
    # The same drop case through the dense function decays instead: (0, 0) = 0.9.
    old, new, _, _ = sv.SPARSE_MAT_EMA_ALPHA_CASES[-1]
    rows = sv.SPARSE_MAT_EMA_ALPHA_ROWS
    old_m, new_m = reshape(old, rows), reshape(new, rows)
    dense = yuma.mat_ema_alpha(old_m, new_m, np.full(old_m.shape, sv.SPARSE_MAT_EMA_ALPHA))
    assert_close(dense[0, 0], 0.9, 1e-15)


@pytest.mark.parametrize(
    ("new", "old", "alpha", "expected", "eps"),
    sv.SPARSE_MAT_EMA_ALPHA_MORE_CASES,
    ids=["varying-alpha", "single-element", "multiple-elements", "mixed-alpha", "sparse"],
)
def test_a11_sparse_mat_ema_alpha_more(new, old, alpha, expected, eps):
    new_m, old_m = np.array(new), np.array(old)
    got = yuma.mat_ema_alpha(old_m, new_m, np.array(alpha), new_m > 0.0)
    if eps == 0.0:
        assert got.tolist() == expected
    else:
        assert_close(got, expected, eps)


def test_c8_liquid_alpha_equal_values_against_itself():
    u16 = sv.LIQUID_ALPHA_EQUAL_U16
    params_on = yuma.YumaParams.from_chain(
        bonds_moving_average=sv.LIQUID_ALPHA_EQUAL_BMA,
        alpha_values=(u16, u16),
        liquid_alpha_on=True,
    )
    w = np.array(sv.LIQUID_ALPHA_EQUAL_WEIGHTS)
    b = np.array(sv.LIQUID_ALPHA_EQUAL_BONDS)
    c = np.array(sv.LIQUID_ALPHA_EQUAL_CONSENSUS[: w.shape[1]])  # the chain zips: 3 used

    alphas = yuma.alpha_sigmoid(
        c, w, b, params_on.alpha_low, params_on.alpha_high, params_on.alpha_sigmoid_steepness
    )
    assert np.all(alphas == params_on.alpha_low)
    on = yuma.mat_ema_alpha(b, w, alphas)  # compute_bonds (dense) with liquid alpha
    off = yuma.mat_ema(b, w, params_on.ema_alpha)  # compute_bonds without
    assert_close(on, off, sv.LIQUID_ALPHA_EQUAL_EPSILON)

    # The same through the Yuma 3 bond step (liquid alpha applies: some C_j != 0).
    update = yuma.YUMA3.update_bonds
    entries = np.ones(w.shape, dtype=bool)
    params_off = yuma.YumaParams.from_chain(bonds_moving_average=sv.LIQUID_ALPHA_EQUAL_BMA)
    got_on = update(b, w, np.ones(4) / 4, c, entries, params_on)
    got_off = update(b, w, np.ones(4) / 4, c, entries, params_off)
    assert_close(got_on, got_off, sv.LIQUID_ALPHA_EQUAL_EPSILON)


# --------------------------------------------------------------------------------------
# A12 vecdiv
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "y", "expected"), sv.VECDIV_CASES, ids=["empty", "zeros", "ratios"])
def test_a12_vecdiv(x, y, expected):
    got = yuma.vecdiv(np.array(x, dtype=np.float64), np.array(y, dtype=np.float64))
    assert_close(got, expected, 0.0)

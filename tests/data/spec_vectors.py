"""Test vectors of the on-chain Yuma implementation (YUMA-SPEC section 7), as plain literals.

Every number below comes from the tests of ``opentensor/subtensor`` at HEAD 14bc6f9
(``pallets/subtensor/src/tests/math.rs`` and ``pallets/subtensor/src/tests/epoch.rs``); the
comment above each block names the chain test. Nothing here was produced by running ``yuma``.

Conventions
-----------
* The chain builds its inputs with ``I32F32::from_num(x as f32)``; here they are the plain
  decimal floats.
* ``FLAT`` + ``ROWS`` + ``TRANSPOSE`` mirror the chain helper ``vec_to_mat_fixed(v, rows,
  transpose)``: reshape row-major to ``rows`` rows, then transpose if asked.
* u16 weights are given as the chain stores them after ``set_weights`` (max-upscaled, the
  largest becomes 65535).
"""

U16_MAX = 65535
RAO_PER_ALPHA = 1_000_000_000

# ======================================================================================
# Group A: pallets/subtensor/src/tests/math.rs
# ======================================================================================

# --- A1: test_math_weighted_median -----------------------------------------------------
# weighted_median(stake, score, minority = 1 - majority, lo = 0, hi = sum(stake)) with
# majority = fixed(0.51). Every stake vector sums to 1, so majority acts as kappa.
WEIGHTED_MEDIAN_MAJORITY = 0.51
WEIGHTED_MEDIAN_CASES = [
    # (stake, score, expected)
    ([], [], 0.0),
    ([1.0], [1.0], 1.0),  # stake = normalize([0.51])
    ([0.49, 0.51], [0.5, 1.0], 1.0),
    ([0.51, 0.49], [0.5, 1.0], 0.5),
    ([0.49, 0.0, 0.51], [0.5, 0.7, 1.0], 1.0),
    ([0.49, 0.01, 0.5], [0.5, 0.7, 1.0], 0.7),
    ([0.49, 0.51, 0.0], [0.5, 0.7, 1.0], 0.7),
    ([0.0, 0.49, 0.51], [0.5, 0.7, 1.0], 1.0),
    ([0.0, 0.49, 0.0, 0.51], [0.5, 0.5, 1.0, 1.0], 1.0),
    ([0.0, 0.49, 0.0, 0.51, 0.0], [0.5, 0.5, 1.0, 1.0, 0.5], 1.0),
    ([0.2, 0.2, 0.2, 0.2, 0.2], [0.8, 0.2, 1.0, 0.6, 0.4], 0.6),
    ([0.1] * 10, [0.8, 0.8, 0.2, 0.2, 1.0, 1.0, 0.6, 0.6, 0.4, 0.4], 0.6),
]

# --- A2: test_math_weighted_median_col / test_math_weighted_median_col_sparse -----------
WEIGHTED_MEDIAN_COL_W1 = [
    [0.0, 0.1, 0.0],
    [0.0, 0.2, 0.4],
    [0.0, 0.3, 0.1],
    [0.0, 0.4, 0.5],
]
WEIGHTED_MEDIAN_COL_W2 = [
    [0.0, 0.1, 0.0],
    [0.0, 0.2, 0.4],
    [0.0, 0.3, 0.1],
    [0.0, 0.0, 0.5],
]
WEIGHTED_MEDIAN_COL_CASES = [
    # (stake, weights, kappa, expected)
    ([0.0, 0.0], [[0.0, 0.0], [0.0, 0.0]], 0.5, [0.0, 0.0]),
    ([0.0, 0.75, 0.25, 0.0], WEIGHTED_MEDIAN_COL_W1, 0.24, [0.0, 0.3, 0.4]),
    ([0.0, 0.75, 0.25, 0.0], WEIGHTED_MEDIAN_COL_W1, 0.26, [0.0, 0.2, 0.4]),
    ([0.0, 0.75, 0.25, 0.0], WEIGHTED_MEDIAN_COL_W1, 0.76, [0.0, 0.2, 0.1]),
    ([0.0, 0.3, 0.2, 0.5], WEIGHTED_MEDIAN_COL_W2, 0.51, [0.0, 0.0, 0.4]),
]
# The empty case (stake [], weights [[]], kappa 0.5) gives [].
WEIGHTED_MEDIAN_COL_EMPTY_KAPPA = 0.5

# --- A3: test_math_inplace_col_clip / test_math_col_clip_sparse -------------------------
COL_CLIP_THRESHOLDS = [0.0, 5.0, 12.0]
COL_CLIP_CASES = [
    # (weights, expected); a removed sparse entry reads as 0
    (
        [[0.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
        [[0.0, 2.0, 3.0], [0.0, 5.0, 6.0], [0.0, 5.0, 9.0], [0.0, 5.0, 12.0]],
    ),
    (  # test_math_col_clip_sparse, second case (row 2 is empty)
        [[0.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.0, 0.0, 0.0], [10.0, 11.0, 12.0]],
        [[0.0, 2.0, 3.0], [0.0, 5.0, 6.0], [0.0, 0.0, 0.0], [0.0, 5.0, 12.0]],
    ),
    (  # test_math_col_clip_sparse, third case (all empty)
        [[0.0] * 3] * 4,
        [[0.0] * 3] * 4,
    ),
]

# --- A4: normalization ------------------------------------------------------------------
# test_math_normalize / test_math_inplace_normalize (epsilon 1e-4)
NORMALIZE_EPSILON = 1e-4
NORMALIZE_CASES = [
    ([1.0, 10.0, 30.0], [0.0243902437, 0.243902439, 0.7317073171]),
    ([-1.0, 10.0, 30.0], [-0.0256410255, 0.2564102563, 0.769230769]),
]

# test_math_inplace_row_normalize / _col_normalize / _col_max_upscale (epsilon 1e-4);
# the same 4 x 5 data, transposed (TRANSPOSE = True) for the column versions.
NORMALIZE_MAT_FLAT = [
    0.0, 1.0, 2.0, 3.0, 4.0,
    0.0, 10.0, 100.0, 1000.0, 10000.0,
    0.0, 0.0, 0.0, 0.0, 0.0,
    1.0, 1.0, 1.0, 1.0, 1.0,
]  # fmt: skip
NORMALIZE_MAT_ROWS = 4
ROW_NORMALIZE_TARGET_FLAT = [
    0.0, 0.1, 0.2, 0.3, 0.4,
    0.0, 0.0009, 0.009, 0.09, 0.9,
    0.0, 0.0, 0.0, 0.0, 0.0,
    0.2, 0.2, 0.2, 0.2, 0.2,
]  # fmt: skip
COL_MAX_UPSCALE_TARGET_FLAT = [
    0.0, 0.25, 0.5, 0.75, 1.0,
    0.0, 0.001, 0.01, 0.1, 1.0,
    0.0, 0.0, 0.0, 0.0, 0.0,
    1.0, 1.0, 1.0, 1.0, 1.0,
]  # fmt: skip

# test_math_inplace_row_normalize_sparse / _col_normalize_sparse /
# _col_max_upscale_sparse (epsilon 1e-4): 6 rows (x 7), transposed for the column versions.
NORMALIZE_SPARSE_FLAT = [
    0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 4.0,
    0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 0.0,
    1.0, 0.0, 0.0, 2.0, 0.0, 3.0, 4.0,
    0.0, 10.0, 0.0, 100.0, 1000.0, 0.0, 10000.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
]  # fmt: skip
NORMALIZE_SPARSE_ROWS = 6
NORMALIZE_SPARSE_TARGET_FLAT = [
    0.0, 0.1, 0.0, 0.2, 0.0, 0.3, 0.4,
    0.0, 0.166666, 0.0, 0.333333, 0.0, 0.5, 0.0,
    0.1, 0.0, 0.0, 0.2, 0.0, 0.3, 0.4,
    0.0, 0.0009, 0.0, 0.009, 0.09, 0.0, 0.9,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.142857, 0.142857, 0.142857, 0.142857, 0.142857, 0.142857, 0.142857,
]  # fmt: skip
COL_MAX_UPSCALE_SPARSE_TARGET_FLAT = [
    0.0, 0.25, 0.0, 0.5, 0.0, 0.75, 1.0,
    0.0, 0.333333, 0.0, 0.666666, 0.0, 1.0, 0.0,
    0.25, 0.0, 0.0, 0.5, 0.0, 0.75, 1.0,
    0.0, 0.001, 0.0, 0.01, 0.1, 0.0, 1.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
]  # fmt: skip

# --- A6: test_math_is_topk -------------------------------------------------------------
_T, _F = True, False
IS_TOPK_CASES = [
    # (vector, k, expected)
    ([], 5, []),
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 0, [_F] * 10),
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 5, [_F] * 5 + [_T] * 5),
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 10, [_T] * 10),
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 100, [_T] * 10),
    ([9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0], 5, [_T] * 5 + [_F] * 5),
    ([9.0, 0.0, 8.0, 1.0, 7.0, 2.0, 6.0, 3.0, 5.0, 4.0], 5, [_T, _F] * 5),
    ([0.9, 0.0, 0.8, 0.1, 0.7, 0.2, 0.6, 0.3, 0.5, 0.4], 5, [_T, _F] * 5),
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0, 6.0], 5, [_F] * 5 + [_T] * 5),
]

# is_topk_nonzero has no test of its own on chain; these follow the rule of spec 3.3
# (math.rs `is_topk_nonzero`): start from x != 0; if n < k stop; otherwise a stable
# ascending sort clears the first n - k (ties at the cut favour the higher uid).
IS_TOPK_NONZERO_CASES = [
    ([0.0, 1.0, 2.0, 0.0, 3.0], 10, [_F, _T, _T, _F, _T]),  # n < k: all non-zero
    ([0.0, 1.0, 2.0, 0.0, 3.0], 5, [_F, _T, _T, _F, _T]),  # n == k
    ([0.0, 1.0, 2.0, 0.0, 3.0], 2, [_F, _F, _T, _F, _T]),
    ([0.0, 1.0, 2.0, 0.0, 3.0], 0, [_F] * 5),
    ([1.0, 1.0, 1.0], 2, [_F, _T, _T]),  # tie at the cut: the lowest uid drops out
    ([0.0, 0.0, 5.0], 2, [_F, _F, _T]),  # zero never counts, even inside the top k
    ([0.1, 0.2, 0.3, 0.4, 0.0, 0.0, 0.0, 0.0], 8, [_T, _T, _T, _T, _F, _F, _F, _F]),
]

# --- A9: test_math_matmul / _matmul_transpose / _sparse_matmul / _sparse_matmul_transpose
MATMUL_VECTOR = [1.0, 2.0, 3.0, 4.0]
MATMUL_CASES = [
    # (matrix 4 x 3, matmul(matrix, vector) = sum_i vector_i matrix_ij)
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]], [70.0, 80.0, 90.0]),
    ([[0.0, 2.0, 3.0], [4.0, 0.0, 6.0], [7.0, 8.0, 0.0], [10.0, 11.0, 12.0]], [69.0, 70.0, 63.0]),
    ([[0.0] * 3] * 4, [0.0, 0.0, 0.0]),
]
MATMUL_TRANSPOSE_VECTOR = [1.0, 2.0, 3.0]
MATMUL_TRANSPOSE_CASES = [
    # (matrix 4 x 3, matmul_transpose(matrix, vector) = sum_j matrix_ij vector_j)
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
     [14.0, 32.0, 50.0, 68.0]),
    ([[0.0, 2.0, 3.0], [4.0, 0.0, 6.0], [7.0, 8.0, 0.0], [10.0, 11.0, 12.0]],
     [13.0, 22.0, 23.0, 68.0]),
]  # fmt: skip

# --- A10: test_math_mat_ema_alpha (dense, epsilon 1e-4) ---------------------------------
# result = min(1, (1 - alpha) * old + alpha * new), one alpha for all 12 cells.
MAT_EMA_ALPHA_EPSILON = 1e-4
MAT_EMA_ALPHA_DENSE_CASES = [
    # (old, new, alpha, target), each matrix 4 x 3 flat row-major
    (
        [0.1, 0.2, 3.0, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12],
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0],
        0.1,
        [0.19, 0.38, 1.0, 0.436, 0.545, 0.6539, 0.763, 0.8719, 0.981, 1.0, 1.0, 1.0],
    ),
    (
        [0.1, 0.2, 3.0, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12],
        [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 110.0, 120.0],
        0.0,
        [0.10, 0.2, 1.0, 0.0399, 0.05, 0.0599, 0.07, 0.07999, 0.09, 0.1, 0.10999, 0.11999],
    ),
    (
        [0.001, 0.002, 0.003, 0.004, 0.05, 0.006, 0.007, 0.008, 0.009, 0.010, 0.011, 0.012],
        [0.1, 0.2, 3.0, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12],
        1.0,
        [0.10, 0.2, 1.0, 0.0399, 0.05, 0.0599, 0.07, 0.07999, 0.09, 0.1, 0.10999, 0.11999],
    ),
]
MAT_EMA_ALPHA_ROWS = 4

# test_mat_ema_alpha_basic (exact), test_mat_ema_alpha_varying_alpha (epsilon 1e-6),
# test_mat_ema_alpha_single_element (exact). alpha is one row repeated for every row.
MAT_EMA_ALPHA_SMALL_CASES = [
    # (new, old, alpha row, expected, epsilon)
    (
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        [[0.5, 1.5, 2.5], [3.5, 4.5, 5.5]],
        [0.5, 0.5, 0.5],
        [[0.75, 1.0, 1.0], [1.0, 1.0, 1.0]],
        0.0,
    ),
    (
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        [[0.5, 1.5, 2.5], [3.5, 4.5, 5.5]],
        [0.2, 0.5, 0.8],
        [[0.6, 1.0, 1.0], [1.0, 1.0, 1.0]],
        1e-6,
    ),
    ([[1.0]], [[0.5]], [0.5], [[0.75]], 0.0),
]

# --- A11: test_math_sparse_mat_ema_alpha (sparse, alpha = 0.1 everywhere) ---------------
# The sparse version keeps only the cells present in `new` (its entries > 0): a previous
# bond whose cell is not in `new` is dropped.
SPARSE_MAT_EMA_ALPHA = 0.1
SPARSE_MAT_EMA_ALPHA_CASES = [
    # (old, new, target, epsilon), each 4 x 3 flat row-major
    (
        [0.1, 0.2, 3.0, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12],
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0],
        [0.19, 0.38, 1.0, 0.43599, 0.545, 0.65399, 0.763, 0.87199, 0.981, 1.0, 1.0, 1.0],
        1e-4,
    ),
    (  # "Case 2" of the spec
        [0.001, 0.002, 0.003, 0.004, 0.05, 0.006, 0.007, 0.008, 0.009, 0.010, 0.011, 0.012],
        [0.1, 0.2, 3.0, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12],
        [0.0109, 0.0218, 0.30270, 0.007599, 0.05, 0.01139,
         0.0133, 0.01519, 0.017, 0.01899, 0.02089, 0.0227],
        1e-4,
    ),
    (
        [0.0] * 12,
        [0.1, 0.2, 3.0, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12],
        [0.01, 0.02, 0.3, 0.00399, 0.005, 0.00599, 0.007, 0.00799, 0.009, 0.01, 0.011, 0.01199],
        1e-4,
    ),
    ([0.0] * 12, [0.0] * 12, [0.0] * 12, 1e-4),
    (  # the DROP case: old {(0, 0): 1}, new {(1, 1): 2} -> row 0 empty, row 1 {(1, 0.2)}
        [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        1e-1,
    ),
]  # fmt: skip
SPARSE_MAT_EMA_ALPHA_ROWS = 4

# test_mat_ema_alpha_sparse_varying_alpha (epsilon 1e-6) and, from the same file,
# test_mat_ema_alpha_sparse_{single_element, multiple_elements, mixed_alpha, sparse_matrix}
# (epsilon 1e-6 or exact). Matrices are dense here: a 0 is a cell absent from `new`.
SPARSE_MAT_EMA_ALPHA_MORE_CASES = [
    # (new, old, alpha, expected, epsilon)
    (
        [[0.1, 0.2], [0.3, 0.4]],
        [[0.5, 0.6], [0.7, 0.8]],
        [[0.9, 0.8], [0.5, 0.7]],
        [[0.14, 0.28], [0.499999, 0.519999]],
        1e-6,
    ),
    ([[1.0]], [[2.0]], [[0.5]], [[1.0]], 0.0),
    (
        [[1.0, 2.0], [3.0, 4.0]],
        [[5.0, 6.0], [7.0, 8.0]],
        [[0.1, 0.2], [0.1, 0.2]],
        [[1.0, 1.0], [1.0, 1.0]],
        1e-6,
    ),
    (
        [[1.0, 2.0], [3.0, 4.0]],
        [[5.0, 6.0], [7.0, 8.0]],
        [[0.3, 0.7], [0.3, 0.7]],
        [[1.0, 1.0], [1.0, 1.0]],
        1e-6,
    ),
    (
        [[1.0, 0.0], [0.0, 4.0]],
        [[5.0, 0.0], [0.0, 8.0]],
        [[0.5, 0.5], [0.5, 0.5]],
        [[1.0, 0.0], [0.0, 1.0]],
        0.0,
    ),
]

# --- A12: test_math_vecdiv ----------------------------------------------------------------
VECDIV_CASES = [
    # (x, y, x / y with x / 0 = 0)
    ([], [], []),
    ([0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0]),
    ([1.0, 1.0, 10.0], [2.0, 3.0, 2.0], [0.5, 1.0 / 3.0, 5.0]),
]

# ======================================================================================
# Group B: pallets/subtensor/src/tests/epoch.rs, Yuma3 off (mock defaults: Kappa 32767,
# BondsMovingAverage 900_000, BondsPenalty 65535; commit-reveal off)
# ======================================================================================

MOCK_KAPPA = 32767
MOCK_BONDS_MOVING_AVERAGE = 900_000
MOCK_BONDS_PENALTY = 65535
EPOCH_EMISSION_RAO = 1_000_000_000
# init_new_network (called by the mock's add_network) sets MaxAllowedValidators to 64.
NEW_NETWORK_MAX_ALLOWED_VALIDATORS = 64
# Activity cutoff at HEAD: max(1, ActivityCutoffFactorMilli * tempo / 1000) blocks, with
# the default factor INITIAL_ACTIVITY_CUTOFF_FACTOR_MILLI (pallets/subtensor/src/lib.rs).
ACTIVITY_CUTOFF_FACTOR_MILLI = 13_889
# test_active_stake moves to block get_activity_cutoff() + 2, the legacy ActivityCutoff
# (mock InitialActivityCutoff).
LEGACY_ACTIVITY_CUTOFF = 5000
# A tempo that keeps on_initialize from running epochs (u16::MAX - 1).
HIGH_TEMPO = 65534

# --- B1: test_bonds (sparse; n = 8, tempo 1, stakes [1, 2, 3, 4, 0, 0, 0, 0]) ------------
BONDS_N = 8
BONDS_STAKES = [1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0]
BONDS_MAX_ALLOWED_VALIDATORS = 8
# u16::MAX/4, u16::MAX/2, (u16::MAX/4)*3, u16::MAX on uids 4..7
BONDS_WEIGHTS_U16 = [16383, 32767, 49149, 65535]
# Expected stored bonds (u16) of validators 0..3 after each step: (column, values).
BONDS_STEPS = [
    (4, [16383, 32767, 49151, 65535]),  # 1. all four validators weight uids 4..7
    (4, [14582, 32767, 49151, 65535]),  # 2. validator 0 sets only a self-weight
    (4, [12603, 28321, 49151, 65535]),  # 3. validator 1 self-weight
    (7, [12602, 28320, 49150, 65535]),  # 4. validator 2 self-weight (only 3 remains)
    (7, [10951, 24609, 49150, 65535]),  # 5. validator 2 sets {7: MAX}
    (7, [9559, 21482, 49150, 65535]),  # 6. next epoch
    (7, [8376, 18824, 49150, 65535]),  # 7. next epoch
]
# In-code trace of step 1 (comments in the chain test, not assertions; I32F32 values
# printed to 10 digits).
BONDS_STEP1_TRACE_STAKE = [0.0999999999, 0.2, 0.2999999998, 0.4, 0.0, 0.0, 0.0, 0.0]
BONDS_STEP1_TRACE_CONSENSUS = [
    0.0, 0.0, 0.0, 0.0, 0.0999975584, 0.2000012207, 0.2999926754, 0.400008545,
]
BONDS_STEP1_TRACE_EMISSION_RAO = [
    49_999_998, 99_999_999, 150_000_000, 200_000_001,
    49_998_779, 100_000_610, 149_996_337, 200_004_272,
]  # fmt: skip

# --- B2: test_active_stake (n = 4, stake 1 each, tempo 1) -------------------------------
ACTIVE_STAKE_N = 4
# validators 0 and 1 set u16::MAX/2 on uids 2 and 3; max-upscaled this is 65535 on both.
ACTIVE_STAKE_WEIGHT_U16 = 65535
ACTIVE_STAKE_EPOCH1 = {
    "dividends_u16": [32767, 32767],  # validators 0, 1
    "emission_rao": [250_000_000, 250_000_000, 250_000_000, 250_000_000],
    "bonds_u16_to_servers": [65535, 65535],  # bonds[i][2..3] for i = 0, 1
}
# At block activity_cutoff + 2 only validator 0 re-sets its weights (1 is inactive).
ACTIVE_STAKE_EPOCH2 = {
    "dividends_u16": [36044, 29490],
    "emission_rao": [274_999_999, 224_999_999],
    "bonds_u16_to_servers": [65535, 53619],
}
# Validator 1 re-sets its weights too; epoch at activity_cutoff + 3.
ACTIVE_STAKE_EPOCH3 = {
    "dividends_u16": [35716, 29818],
    "emission_rao": [272_501_132, 227_498_866],
    "bonds_u16_to_servers": [65535, 54712],
}

# --- B3: test_outdated_weights (n = 4, stake 1 each, tempo 0) ---------------------------
OUTDATED_N = 4
# validators 0, 1 set [2 * (u16::MAX / 3), u16::MAX / 3] on uids [2, 3]: max-upscaled
# (vec_max_upscale_to_u16, round(x * 65535 / 43690)) this is [65535, 32768].
OUTDATED_WEIGHTS_U16 = [65535, 32768]
# Epoch 1 (in-code trace): C and emission (not assertions on chain).
OUTDATED_EPOCH1_CONSENSUS = [0.0, 0.0, 0.6666632756, 0.3333367242]
OUTDATED_EPOCH1_EMISSION_RAO = [250_000_000, 250_000_000, 333_331_637, 166_668_361]
# After uid 3 is replaced by a new key and only uid 0 re-sets its weights:
OUTDATED_EPOCH2 = {
    "dividend_u16_uid0": 32767,
    "emission_rao_uid0": 250_000_000,
    "bond_u16_0_2": 65535,
    "bond_u16_0_3": 65535,
}

# --- B4: test_zero_weights (n = 2: validator uid 0 with stake 1, server uid 1) ----------
ZERO_WEIGHTS_NO_EFFECT_EMISSION_RAO = [1_000_000_000, 0]
ZERO_WEIGHTS_FINAL_EMISSION_RAO = [500_000_000, 500_000_000]

# --- B5: test_10_graph (10 uids, stake 1 each, self-weights only) -----------------------
GRAPH10_N = 10
GRAPH10_EMISSION_RAO = 99_999_999  # each uid; consensus = incentive = dividends = 0

# --- B8: test_epoch_outputs_single_staker_registered_no_weights -------------------------
SINGLE_STAKER_PENDING_RAO = 1_000_000_000
SINGLE_STAKER_EPSILON_RAO = 1_000  # |sum incentive + sum dividends - pending| <= 1000

# ======================================================================================
# Group C: pallets/subtensor/src/tests/epoch.rs, Yuma3 scenarios (setup_yuma_3_scenario)
# ======================================================================================
# The trajectories C1..C5 (with the stable-miner and bonds-reset ones) are in
# yuma3_trajectories.py, the one source of every Yuma 3 trajectory.

# --- C8: test_liquid_alpha_equal_values_against_itself ----------------------------------
# alpha_low = alpha_high = u16::MAX / 10 = 6553, BondsMovingAverage 900_000 (alpha 0.1):
# compute_bonds with liquid alpha on must match liquid alpha off within 1e-3.
LIQUID_ALPHA_EQUAL_U16 = 6553
LIQUID_ALPHA_EQUAL_BMA = 900_000
LIQUID_ALPHA_EQUAL_EPSILON = 1e-3
LIQUID_ALPHA_EQUAL_WEIGHTS = [
    [0.0, 0.1, 0.0],
    [0.0, 0.2, 0.4],
    [0.0, 0.3, 0.1],
    [0.0, 0.4, 0.5],
]
LIQUID_ALPHA_EQUAL_BONDS = [
    [0.1, 0.1, 0.5],
    [0.0, 0.0, 0.4],
    [0.5, 0.1, 0.1],
    [0.0, 0.4, 0.2],
]
# The test passes 4 consensus values for 3 columns; the chain zips them, so only the
# first 3 are used.
LIQUID_ALPHA_EQUAL_CONSENSUS = [0.3, 0.2, 0.1, 0.4]

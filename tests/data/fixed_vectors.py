"""Fixed-point (``I32F32``) test vectors of the chain's math tests, as plain literals.

Every number comes from ``opentensor/subtensor`` at HEAD 14bc6f9,
``pallets/subtensor/src/tests/math.rs`` (the comment above each block names the test), or
from ``encointer/substrate-fixed`` v0.6.0 (``src/consts.rs``). Nothing here was produced
by running ``yuma``.

How the chain builds each value matters for bit-exactness, so every input or expectation
is a pair ``(kind, values)``:

* ``"f32"``: ``I32F32::from_num(x as f32)`` -- the helpers ``fixed``, ``vec_to_fixed``,
  ``vec_to_mat_fixed``, ``mat_to_fixed`` and ``vec_to_sparse_mat_fixed`` take ``f32``;
* ``"f64"``: ``I32F32::from_num(x)`` with an untyped float literal or a ``Vec<f64>``,
  which Rust types as ``f64``;
* ``"int"``: ``I32F32::from_num(integer)``;
* the strings ``"MIN"`` / ``"MAX"`` inside a list are ``I32F32::min_value()`` /
  ``max_value()``.

Matrices are given row-major as nested lists. Chain comparisons are exact
(``assert_eq!``) unless an ``epsilon`` is given (``|a - b| <= from_num(epsilon)`` with an
``f64`` epsilon).
"""

# --- substrate-fixed v0.6.0 src/consts.rs: E as U2F126 bits --------------------------------
# transcendental.rs keeps `E >> 103` as an I9F23; exp(1) returns it.
E_U2F126 = 0xADF8_5458_A2BB_4A9A_AFDC_5620_273D_3CF1
# ... which is e truncated to 23 fractional bits:
E_I9F23_VALUE = 22802600 / 2**23

# --- A1: test_math_weighted_median --------------------------------------------------------
# weighted_median(stake, score, 0..n, minority = one - fixed(0.51), zero, stake.iter().sum())
# (stake NOT normalized, except case 2 = normalize(vec_to_fixed([0.51]))).
WEIGHTED_MEDIAN_MAJORITY = ("f32", 0.51)
WEIGHTED_MEDIAN_CASES = [
    # (stake f32, normalize stake first?, score f32, expected f32)
    ([], False, [], 0.0),
    ([0.51], True, [1.0], 1.0),
    ([0.49, 0.51], False, [0.5, 1.0], 1.0),
    ([0.51, 0.49], False, [0.5, 1.0], 0.5),
    ([0.49, 0.0, 0.51], False, [0.5, 0.7, 1.0], 1.0),
    ([0.49, 0.01, 0.5], False, [0.5, 0.7, 1.0], 0.7),
    ([0.49, 0.51, 0.0], False, [0.5, 0.7, 1.0], 0.7),
    ([0.0, 0.49, 0.51], False, [0.5, 0.7, 1.0], 1.0),
    ([0.0, 0.49, 0.0, 0.51], False, [0.5, 0.5, 1.0, 1.0], 1.0),
    ([0.0, 0.49, 0.0, 0.51, 0.0], False, [0.5, 0.5, 1.0, 1.0, 0.5], 1.0),
    ([0.2, 0.2, 0.2, 0.2, 0.2], False, [0.8, 0.2, 1.0, 0.6, 0.4], 0.6),
    ([0.1] * 10, False, [0.8, 0.8, 0.2, 0.2, 1.0, 1.0, 0.6, 0.6, 0.4, 0.4], 0.6),
]
# The randomized part: n = 100, these majorities (f32), with and without ties.
WEIGHTED_MEDIAN_RANDOM_N = 100
WEIGHTED_MEDIAN_RANDOM_MAJORITIES = [
    0.0, 0.0000001, 0.25, 0.49, 0.49, 0.49, 0.5, 0.51, 0.51, 0.51, 0.9999999, 1.0,
]  # fmt: skip

# --- A2: test_math_weighted_median_col / _sparse (all f32) -------------------------------
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
    # (stake, weights, majority, expected)
    ([0.0, 0.0], [[0.0, 0.0], [0.0, 0.0]], 0.5, [0.0, 0.0]),
    ([0.0, 0.75, 0.25, 0.0], WEIGHTED_MEDIAN_COL_W1, 0.24, [0.0, 0.3, 0.4]),
    ([0.0, 0.75, 0.25, 0.0], WEIGHTED_MEDIAN_COL_W1, 0.26, [0.0, 0.2, 0.4]),
    ([0.0, 0.75, 0.25, 0.0], WEIGHTED_MEDIAN_COL_W1, 0.76, [0.0, 0.2, 0.1]),
    ([0.0, 0.3, 0.2, 0.5], WEIGHTED_MEDIAN_COL_W2, 0.51, [0.0, 0.0, 0.4]),
]

# --- A3: test_math_inplace_col_clip / test_math_col_clip_sparse (f32, exact) -------------
COL_CLIP_THRESHOLDS = [0.0, 5.0, 12.0]
COL_CLIP_DENSE = (
    [[0.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
    [[0.0, 2.0, 3.0], [0.0, 5.0, 6.0], [0.0, 5.0, 9.0], [0.0, 5.0, 12.0]],
)
# Sparse: inputs and targets are built with vec_to_sparse_mat_fixed (entries > 0 stored),
# so a target 0 is an entry that must be absent.
COL_CLIP_SPARSE_CASES = [
    (
        [[0.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
        [[0.0, 2.0, 3.0], [0.0, 5.0, 6.0], [0.0, 5.0, 9.0], [0.0, 5.0, 12.0]],
    ),
    (
        [[0.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.0, 0.0, 0.0], [10.0, 11.0, 12.0]],
        [[0.0, 2.0, 3.0], [0.0, 5.0, 6.0], [0.0, 0.0, 0.0], [0.0, 5.0, 12.0]],
    ),
    ([[0.0] * 3] * 4, [[0.0] * 3] * 4),
]

# --- A4: normalization ---------------------------------------------------------------------
# test_math_normalize / test_math_inplace_normalize: inputs and targets f64, epsilon 1e-4;
# test_math_normalize also checks sum(y) == 1 within epsilon.
NORMALIZE_EPSILON = 1e-4
NORMALIZE_CASES = [
    ([1.0, 10.0, 30.0], [0.0243902437, 0.243902439, 0.7317073171]),
    ([-1.0, 10.0, 30.0], [-0.0256410255, 0.2564102563, 0.769230769]),
]
# test_math_sum (f64 inputs, int expectations, exact)
SUM_CASES = [
    ([], 0),
    ([1.0, 10.0, 30.0], 41),
    ([-1.0, 10.0, 30.0], 39),
]
# test_math_inplace_row_normalize / _col_normalize / _col_max_upscale: f32, epsilon 1e-4.
# Row version: this 4 x 5 matrix; column versions: its transpose (and the target's).
NORMALIZE_MAT = [
    [0.0, 1.0, 2.0, 3.0, 4.0],
    [0.0, 10.0, 100.0, 1000.0, 10000.0],
    [0.0, 0.0, 0.0, 0.0, 0.0],
    [1.0, 1.0, 1.0, 1.0, 1.0],
]
ROW_NORMALIZE_TARGET = [
    [0.0, 0.1, 0.2, 0.3, 0.4],
    [0.0, 0.0009, 0.009, 0.09, 0.9],
    [0.0, 0.0, 0.0, 0.0, 0.0],
    [0.2, 0.2, 0.2, 0.2, 0.2],
]
COL_MAX_UPSCALE_TARGET = [
    [0.0, 0.25, 0.5, 0.75, 1.0],
    [0.0, 0.001, 0.01, 0.1, 1.0],
    [0.0, 0.0, 0.0, 0.0, 0.0],
    [1.0, 1.0, 1.0, 1.0, 1.0],
]
# _sparse versions (f32, epsilon 1e-4): 6 x 7 rows (column versions: transposed).
NORMALIZE_SPARSE_MAT = [
    [0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 4.0],
    [0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 0.0],
    [1.0, 0.0, 0.0, 2.0, 0.0, 3.0, 4.0],
    [0.0, 10.0, 0.0, 100.0, 1000.0, 0.0, 10000.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
]
NORMALIZE_SPARSE_TARGET = [
    [0.0, 0.1, 0.0, 0.2, 0.0, 0.3, 0.4],
    [0.0, 0.166666, 0.0, 0.333333, 0.0, 0.5, 0.0],
    [0.1, 0.0, 0.0, 0.2, 0.0, 0.3, 0.4],
    [0.0, 0.0009, 0.0, 0.009, 0.09, 0.0, 0.9],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.142857] * 7,
]
COL_MAX_UPSCALE_SPARSE_TARGET = [
    [0.0, 0.25, 0.0, 0.5, 0.0, 0.75, 1.0],
    [0.0, 0.333333, 0.0, 0.666666, 0.0, 1.0, 0.0],
    [0.25, 0.0, 0.0, 0.5, 0.0, 0.75, 1.0],
    [0.0, 0.001, 0.0, 0.01, 0.1, 0.0, 1.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [1.0] * 7,
]

# --- A5: test_vec_max_upscale_to_u16 (exact u16) ------------------------------------------
VEC_MAX_UPSCALE_CASES = [
    # ((kind, input), expected u16)
    (("f32", []), []),
    (("f32", [0.0]), [0]),
    (("f32", [0.0, 0.0]), [0, 0]),
    (("f32", [0.0, 1.0]), [0, 65535]),
    (("f32", [0.0, 0.000000001]), [0, 65535]),
    (("f32", [0.0, 0.000016, 1.0]), [0, 1, 65535]),
    (("f32", [0.000000001, 0.000000001]), [65535, 65535]),
    (
        ("f32", [0.000001, 0.000006, 0.000007, 0.0001, 0.001, 0.01, 0.1, 0.2, 0.3, 0.4]),
        [0, 1, 1, 16, 164, 1638, 16384, 32768, 49151, 65535],
    ),
    (("int", [16384]), [65535]),
    (("int", [32768]), [65535]),
    (("int", [32769]), [65535]),
    (("int", [65535]), [65535]),
    (("int", ["MAX"]), [65535]),
    (("f32", [0.0, 1.0, 65535.0]), [0, 1, 65535]),
    (("f32", [0.0, 0.5, 1.0, 1.5, 2.0, 32768.0]), [0, 1, 2, 3, 4, 65535]),
    (("f32", [0.0, 0.5, 1.0, 1.5, 2.0, 32768.0, 32769.0]), [0, 1, 2, 3, 4, 65533, 65535]),
    (("int", [0, 1, 32768, 32769, "MAX"]), [0, 0, 1, 1, 65535]),
]

# --- test_vec_u16_max_upscale_to_u16 (exact) -----------------------------------------------
VEC_U16_MAX_UPSCALE_CASES = [
    ([], []),
    ([0], [0]),
    ([0, 0], [0, 0]),
    ([1], [65535]),
    ([0, 1], [0, 65535]),
    ([65534], [65535]),
    ([65535], [65535]),
    ([65535, 65535], [65535, 65535]),
    ([0, 1, 65534], [0, 1, 65535]),
    ([0, 1, 2, 3, 4, 65533, 65535], [0, 1, 2, 3, 4, 65533, 65535]),
]

# --- A6: test_math_is_topk (f32, exact) ---------------------------------------------------
_T, _F = True, False
IS_TOPK_CASES = [
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

# --- A7: test_math_sigmoid_safe (exact) ---------------------------------------------------
# (rho, kappa, trust, expected): the first two expectations are vec_to_fixed (f32), the
# other two `I32F32::from_num(c)` over a Vec<f64>. Trust of the first three is
# [min, from_num(0), from_num(0.4), from_num(0.5), from_num(0.6), from_num(1), max]
# (f64 literals); of the last, vec_to_fixed (f32).
_TRUST7 = ("f64", ["MIN", 0.0, 0.4, 0.5, 0.6, 1.0, "MAX"])
SIGMOID_SAFE_CASES = [
    (
        ("int", ["MAX"]),
        ("int", ["MAX"]),
        _TRUST7,
        ("f32", [0.0000000019] * 6 + [0.5]),
    ),
    (
        ("int", ["MIN"]),
        ("int", ["MIN"]),
        _TRUST7,
        ("f32", [0.5] + [0.0000000019] * 6),
    ),
    (
        ("int", [30]),
        ("f64", [0.5]),
        _TRUST7,
        (
            "f64",
            [0.0000000019, 0.0000003057, 0.0474258729, 0.5, 0.952574127, 0.9999996943,
             0.9999999981],
        ),
    ),
    (
        ("int", [40]),
        ("f64", [0.5]),
        ("f32", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
        (
            "f64",
            [0.0000000019, 0.0000001125, 0.0000061442, 0.0003353502, 0.017986214, 0.5,
             0.9820138067, 0.9996646498, 0.9999938558, 0.9999998875, 0.9999999981],
        ),
    ),
]  # fmt: skip

# --- A8: test_math_exp_safe (exact) -------------------------------------------------------
# exp_safe(x) == exp(x) for x in {0, 1, -20, 20}; exp_safe(-21) == exp_safe(MIN) == exp(-20);
# exp_safe(21) == exp_safe(MAX) == exp(20). All from_num of integers.
EXP_SAFE_IDENTITIES = [
    # (input of exp_safe, input of exp)
    (("int", [0]), ("int", [0])),
    (("int", [1]), ("int", [1])),
    (("int", [-20]), ("int", [-20])),
    (("int", [-21]), ("int", [-20])),
    (("int", ["MIN"]), ("int", [-20])),
    (("int", [20]), ("int", [20])),
    (("int", [21]), ("int", [20])),
    (("int", ["MAX"]), ("int", [20])),
]

# --- A9: test_math_matmul / _matmul_transpose / _sparse_matmul / _sparse_matmul_transpose
# (f32, exact)
MATMUL_VECTOR = [1.0, 2.0, 3.0, 4.0]
MATMUL_CASES = [
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]], [70.0, 80.0, 90.0]),
    ([[0.0, 2.0, 3.0], [4.0, 0.0, 6.0], [7.0, 8.0, 0.0], [10.0, 11.0, 12.0]], [69.0, 70.0, 63.0]),
    ([[0.0] * 3] * 4, [0.0, 0.0, 0.0]),
]
MATMUL_TRANSPOSE_VECTOR = [1.0, 2.0, 3.0]
MATMUL_TRANSPOSE_CASES = [
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
     [14.0, 32.0, 50.0, 68.0]),
    ([[0.0, 2.0, 3.0], [4.0, 0.0, 6.0], [7.0, 8.0, 0.0], [10.0, 11.0, 12.0]],
     [13.0, 22.0, 23.0, 68.0]),
    ([[0.0] * 3] * 4, [0.0, 0.0, 0.0, 0.0]),
]  # fmt: skip
# test_math_matmul2 (f64 ones, epsilon 1e-4): w = 3 x 3 ones; matmul(w, [1, 1, 1]) = [3, 3, 3]
# test_math_row_hadamard / _sparse, test_math_row_sum / _sparse, test_math_vec_mul,
# test_math_mat_vec_mul / _sparse (f32, exact)
HADAMARD_VECTOR = [1.0, 2.0, 3.0, 4.0]
HADAMARD_MATRIX = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]
HADAMARD_TARGET = [[1.0, 2.0, 3.0], [8.0, 10.0, 12.0], [21.0, 24.0, 27.0], [40.0, 44.0, 48.0]]
ROW_SUM_CASES = [
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
     [6.0, 15.0, 24.0, 33.0]),
    ([[0.0, 2.0, 3.0], [4.0, 0.0, 6.0], [7.0, 8.0, 0.0], [10.0, 11.0, 12.0]],
     [5.0, 10.0, 15.0, 33.0]),
    ([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
     [6.0, 0.0, 24.0, 33.0]),
]  # fmt: skip
VEC_MUL_CASE = ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 4.0, 9.0, 16.0])
MAT_VEC_MUL_CASES = [
    # (vector, target), matrix = HADAMARD_MATRIX
    ([1.0, 2.0, 3.0], [[1.0, 4.0, 9.0], [4.0, 10.0, 18.0], [7.0, 16.0, 27.0],
                       [10.0, 22.0, 36.0]]),
    ([1.0, 0.0, 0.0], [[1.0, 0.0, 0.0], [4.0, 0.0, 0.0], [7.0, 0.0, 0.0], [10.0, 0.0, 0.0]]),
]  # fmt: skip

# --- A10: test_math_mat_ema_alpha (dense; all matrices and alphas f32; epsilon 1e-4) -----
MAT_EMA_ALPHA_EPSILON = 1e-4
MAT_EMA_ALPHA_DENSE_CASES = [
    # (old, new, alpha for every cell, target), 4 x 3
    (
        [[0.1, 0.2, 3.0], [0.04, 0.05, 0.06], [0.07, 0.08, 0.09], [0.10, 0.11, 0.12]],
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
        0.1,
        [[0.19, 0.38, 1.0], [0.436, 0.545, 0.6539], [0.763, 0.8719, 0.981], [1.0, 1.0, 1.0]],
    ),
    (
        [[0.1, 0.2, 3.0], [0.04, 0.05, 0.06], [0.07, 0.08, 0.09], [0.10, 0.11, 0.12]],
        [[10.0, 20.0, 30.0], [40.0, 50.0, 60.0], [70.0, 80.0, 90.0], [100.0, 110.0, 120.0]],
        0.0,
        [[0.10, 0.2, 1.0], [0.0399, 0.05, 0.0599], [0.07, 0.07999, 0.09],
         [0.1, 0.10999, 0.11999]],
    ),
    (
        [[0.001, 0.002, 0.003], [0.004, 0.05, 0.006], [0.007, 0.008, 0.009],
         [0.010, 0.011, 0.012]],
        [[0.1, 0.2, 3.0], [0.04, 0.05, 0.06], [0.07, 0.08, 0.09], [0.10, 0.11, 0.12]],
        1.0,
        [[0.10, 0.2, 1.0], [0.0399, 0.05, 0.0599], [0.07, 0.07999, 0.09],
         [0.1, 0.10999, 0.11999]],
    ),
]  # fmt: skip
# test_mat_ema_alpha_basic (exact), _varying_alpha (epsilon 1e-6), _single_element (exact):
# matrices mat_to_fixed (f32), alpha from_num (f64), one alpha row for every row.
MAT_EMA_ALPHA_SMALL_CASES = [
    # (new, old, alpha row, expected, epsilon or None for exact)
    (
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        [[0.5, 1.5, 2.5], [3.5, 4.5, 5.5]],
        [0.5, 0.5, 0.5],
        [[0.75, 1.0, 1.0], [1.0, 1.0, 1.0]],
        None,
    ),
    (
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        [[0.5, 1.5, 2.5], [3.5, 4.5, 5.5]],
        [0.2, 0.5, 0.8],
        [[0.6, 1.0, 1.0], [1.0, 1.0, 1.0]],
        1e-6,
    ),
    ([[1.0]], [[0.5]], [0.5], [[0.75]], None),
]

# --- A11: test_math_sparse_mat_ema_alpha (f32 via vec_to_sparse_mat_fixed, entries > 0;
# alpha vec_to_mat_fixed([0.1; 12]) f32). The target's stored entries (> 0) must match the
# result's exactly; values within epsilon.
SPARSE_MAT_EMA_ALPHA = 0.1
SPARSE_MAT_EMA_ALPHA_CASES = [
    # (old, new, target, epsilon), 4 x 3
    (
        [[0.1, 0.2, 3.0], [0.04, 0.05, 0.06], [0.07, 0.08, 0.09], [0.10, 0.11, 0.12]],
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
        [[0.19, 0.38, 1.0], [0.43599, 0.545, 0.65399], [0.763, 0.87199, 0.981],
         [1.0, 1.0, 1.0]],
        1e-4,
    ),
    (
        [[0.001, 0.002, 0.003], [0.004, 0.05, 0.006], [0.007, 0.008, 0.009],
         [0.010, 0.011, 0.012]],
        [[0.1, 0.2, 3.0], [0.04, 0.05, 0.06], [0.07, 0.08, 0.09], [0.10, 0.11, 0.12]],
        [[0.0109, 0.0218, 0.30270], [0.007599, 0.05, 0.01139], [0.0133, 0.01519, 0.017],
         [0.01899, 0.02089, 0.0227]],
        1e-4,
    ),
    (
        [[0.0] * 3] * 4,
        [[0.1, 0.2, 3.0], [0.04, 0.05, 0.06], [0.07, 0.08, 0.09], [0.10, 0.11, 0.12]],
        [[0.01, 0.02, 0.3], [0.00399, 0.005, 0.00599], [0.007, 0.00799, 0.009],
         [0.01, 0.011, 0.01199]],
        1e-4,
    ),
    ([[0.0] * 3] * 4, [[0.0] * 3] * 4, [[0.0] * 3] * 4, 1e-4),
    (  # the drop case: the old bond (0, 0) is not in `new`, so it disappears
        [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        [[0.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        [[0.0, 0.0, 0.0], [0.0, 0.2, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        1e-1,
    ),
]  # fmt: skip
# test_mat_ema_alpha_sparse_{single_element, zero_alpha, one_alpha, multiple_elements,
# mixed_alpha, sparse_matrix, varying_alpha}: everything from_num (f64). A 0 in `new` is an
# absent entry. Alpha rows may be longer than the matrix (chain: extra columns ignored).
SPARSE_MAT_EMA_ALPHA_MORE_CASES = [
    # (new, old, alpha, expected, epsilon or None for exact)
    ([[1.0]], [[2.0]], [[0.5]], [[1.0]], None),
    ([[1.0]], [[2.0]], [[0.1]], [[1.0]], None),  # zero_alpha: alpha row [0.1, 0.0]
    ([[1.0]], [[2.0]], [[1.0]], [[1.0]], None),  # one_alpha: alpha row [1.0, 0.0]
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
        None,
    ),
    (
        [[0.1, 0.2], [0.3, 0.4]],
        [[0.5, 0.6], [0.7, 0.8]],
        [[0.9, 0.8], [0.5, 0.7]],
        [[0.14, 0.28], [0.499999, 0.519999]],
        1e-6,
    ),
]

# --- A12: test_math_vecdiv (f32 inputs, exact) --------------------------------------------
VECDIV_CASES = [
    ([], [], ("f32", [])),
    ([0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0], ("f32", [0.0, 1.0, 0.0, 0.0])),
]
# [1, 1, 10] / [2, 3, 2] == [fixed(1.) / fixed(2.), fixed(1.) / fixed(3.), fixed(5.)], the
# quotients by the chain's `/`: trunc(2**32 / 2), trunc(2**32 / 3), 5 * 2**32 as raw bits.
VECDIV_EXACT = ([1.0, 1.0, 10.0], [2.0, 3.0, 2.0], [2147483648, 1431655765, 21474836480])

# --- test_math_fixed_overflow (exact) -----------------------------------------------------
# alpha = from_num(1) - I32F32(I64F64(900_000) / I64F64(1_000_000)) == from_num(0.1) (f64)
BONDS_MOVING_AVERAGE_CASE = (900_000, 0.1)

# --- test_math_u64_normalization (exact, I64F64) ------------------------------------------
# x / max_sum in I64F64 with max_sum = 21_000_000_000_000_000; then to I32F32.
U64_NORMALIZATION_MAX = 21_000_000_000_000_000
U64_NORMALIZATION_CASES = [
    # (x, I64F64::from_num(f64) of the quotient, I32F32::from_num(f64) after the cast)
    (1, 0.0000000000000000476, 0.0),
    (4_889_444, 0.00000000023283066664, 0.0000000002),
    (10_500_000_000_000_000, 0.5, 0.5),
    (21_000_000_000_000_000, 1.0, 1.0),
]

# --- test_math_inplace_normalize_64 (f64 inputs and targets, epsilon 1e-4, I64F64) -------
NORMALIZE_64_CASES = NORMALIZE_CASES

# --- conversions: test_math_fixed_to_u16, test_fixed_proportion_to_u16(_saturates),
# test_math_u16_proportion_to_fixed, test_math_fixed64_to_fixed32(_saturates),
# test_vec_fixed64_to_fixed32(_saturates), test_math_fixed_to_u64_saturates -------------
FIXED_TO_U16_CASES = [0, 32767, 65535]  # from_num(u16) -> the same u16
FIXED_PROPORTION_TO_U16_CASES = [(0, 0), (65535, 65535)]  # (from_num(int), u16)
FIXED64_TO_FIXED32_CASES = [
    # (I64F64::from_num(int), expected I32F32 as ("int", value))
    (0, ("int", [0])),
    (2147483647, ("int", [2147483647])),  # u32::MAX / 2
    (-2147483648, ("int", [-2147483648])),  # i32::MIN
    (4294967295, ("int", ["MAX"])),  # u32::MAX saturates
    (9223372036854775807, ("int", ["MAX"])),  # i64::MAX saturates
]

"""``yuma.fixed``: the chain's I32F32 arithmetic, bit for bit.

Two kinds of checks:

* the chain's own math tests (spec section 7, group A, ``tests/math.rs``) run in fixed
  point, with inputs built exactly as the chain builds them (``from_num`` of ``f32`` or
  ``f64``, see ``tests/data/fixed_vectors.py``) and compared as the chain compares them
  (exactly, or within its epsilon);
* properties against references written with Python's unbounded integers: every
  vectorized operation must equal a scalar loop of the exact definition.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from data import fixed_vectors as fv
from hypothesis import given, settings
from hypothesis import strategies as st

import yuma.chain.fixed as fx

MIN, MAX, ONE = fx.I32F32_MIN, fx.I32F32_MAX, fx.ONE


# --------------------------------------------------------------------------------------
# Building values as the chain does
# --------------------------------------------------------------------------------------


def build(kind: str, values) -> np.ndarray:
    """Bits of ``(kind, values)`` from the data file ("MIN"/"MAX" allowed)."""
    out = []
    for v in values:
        if isinstance(v, str):
            out.append({"MAX": MAX, "MIN": MIN}[v])
        elif kind == "f32":
            out.append(int(fx.from_f32(v)))
        elif kind == "f64":
            out.append(int(fx.from_float(v)))
        else:
            out.append(int(fx.from_int(v)))
    return np.array(out, dtype=np.int64)


def f32(x) -> np.ndarray:
    """``vec_to_fixed`` / ``vec_to_mat_fixed`` / ``mat_to_fixed``."""
    return fx.from_f32(np.asarray(x, dtype=np.float64))


def f64(x) -> np.ndarray:
    return fx.from_float(np.asarray(x, dtype=np.float64))


def assert_within(got, expected, epsilon: float) -> None:
    """The chain's ``assert_float_compare``: ``|a - b| <= from_num(epsilon)`` on the bits."""
    got, expected = np.asarray(got, dtype=np.int64), np.asarray(expected, dtype=np.int64)
    assert got.shape == expected.shape
    eps = int(fx.from_float(epsilon))
    diff = [abs(int(a) - int(b)) for a, b in zip(got.ravel(), expected.ravel(), strict=True)]
    assert max(diff, default=0) <= eps, (fx.to_float(got).tolist(), fx.to_float(expected).tolist())


# --------------------------------------------------------------------------------------
# Python-int references (the definitions, one scalar at a time)
# --------------------------------------------------------------------------------------


def r_clamp(v: int) -> int:
    return max(MIN, min(MAX, v))


def r_wrap(v: int) -> int:
    return ((v + (1 << 63)) % (1 << 64)) - (1 << 63)


def r_checked_mul(a: int, b: int) -> int | None:
    p = (a * b) >> 32
    return p if MIN <= p <= MAX else None


def r_mul(a: int, b: int) -> int:
    p = r_checked_mul(a, b)
    if p is None:
        return MIN if (a < 0) != (b < 0) else MAX
    return p


def r_checked_div(a: int, b: int) -> int | None:
    if b == 0:
        return None
    q = (abs(a) << 32) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q if MIN <= q <= MAX else None


def r_safe_div(a: int, b: int) -> int:
    q = r_checked_div(a, b)
    return 0 if q is None else q


def r_sat_add(a: int, b: int) -> int:
    return r_clamp(a + b)


def r_sat_sub(a: int, b: int) -> int:
    return r_clamp(a - b)


def r_normalize(x: list[int]) -> list[int]:
    s = r_wrap(sum(x))
    return list(x) if s == 0 else [r_safe_div(v, s) for v in x]


def r_weighted_median(stake, score, idx, minority, lo, hi) -> int:
    """Straight port of the chain's loop, on Python ints."""
    part = list(idx)
    limit, steps = len(idx), 0
    while True:
        if not part:
            return 0
        if len(part) == 1:
            return score[part[0]]
        pivot = score[part[len(part) // 2]]
        lower = [i for i in part if score[i] < pivot]
        upper = [i for i in part if score[i] > pivot]
        lo_stake = hi_stake = 0
        for i in lower:
            lo_stake = r_sat_add(lo_stake, stake[i])
        for i in upper:
            hi_stake = r_sat_add(hi_stake, stake[i])
        if minority < r_sat_add(lo, lo_stake) and lower:
            part, hi = lower, r_sat_add(lo, lo_stake)
        elif r_sat_sub(hi, hi_stake) <= minority and upper:
            part, lo = upper, r_sat_sub(hi, hi_stake)
        else:
            return pivot
        steps += 1
        if steps > limit:
            return 0


def r_exp(x: int) -> int | None:
    """``transcendental::exp`` on Python ints (None for Err)."""
    if x == 0:
        return ONE
    if x == ONE:
        return fx.E_BITS
    if x == MIN:
        return None
    y = abs(x)
    result = y + ONE
    if result > MAX:
        return None
    term = y
    for i in range(2, 32):
        term = r_checked_mul(term, y)
        if term is None:
            return None
        term = term // i
        result += term
        if result > MAX:
            return None
    return r_checked_div(ONE, result) if x < 0 else result


def taylor31(x: Fraction) -> Fraction:
    """The polynomial the chain's exp evaluates: sum_{i=0}^{31} |x|^i / i!."""
    y = abs(x)
    total, term = Fraction(1), Fraction(1)
    for i in range(1, 32):
        term = term * y / i
        total += term
    return total if x >= 0 else 1 / total


EDGES = [
    0, 1, -1, 2, ONE, -ONE, ONE - 1, ONE + 1, fx.HALF, -fx.HALF, MAX, MIN, MAX - 1, MIN + 1,
    1 << 62, -(1 << 62), (1 << 47) + 12345, -(1 << 47), 65535 << 32, 3 << 31, -(3 << 31),
    (1 << 32) * 46341, -(1 << 32) * 46341, 1 << 31, (1 << 31) + 1,
]  # fmt: skip
bits = st.one_of(
    st.sampled_from(EDGES),
    st.integers(MIN, MAX),
    st.integers(-(1 << 40), 1 << 40),
    st.integers(0, 2 * ONE),
)
bit_pairs = st.lists(st.tuples(bits, bits), min_size=1, max_size=40)
unit = st.integers(0, ONE)


# ======================================================================================
# Constants
# ======================================================================================


def test_constants():
    assert ONE == 2**32 and MAX == 2**63 - 1 and MIN == -(2**63)
    assert fx.E_BITS == (fv.E_U2F126 >> 103) << 9
    assert fx.E_BITS / 2**32 == fv.E_I9F23_VALUE
    assert fx.U16_MAX_FIXED == 65535 * ONE
    assert int(fx.from_int(-20)) == fx.EXP_SAFE_MIN and int(fx.from_int(20)) == fx.EXP_SAFE_MAX


def _f32_literals():
    out = []

    def walk(obj):
        if isinstance(obj, float):
            out.append(obj)
        elif isinstance(obj, (list, tuple)):
            for o in obj:
                walk(o)

    for case in fv.WEIGHTED_MEDIAN_CASES + fv.WEIGHTED_MEDIAN_COL_CASES:
        walk(case)
    walk(fv.WEIGHTED_MEDIAN_RANDOM_MAJORITIES)
    walk(fv.WEIGHTED_MEDIAN_MAJORITY)
    walk([fv.MAT_EMA_ALPHA_DENSE_CASES, fv.SPARSE_MAT_EMA_ALPHA_CASES, fv.IS_TOPK_CASES])
    walk([fv.NORMALIZE_MAT, fv.ROW_NORMALIZE_TARGET, fv.COL_MAX_UPSCALE_TARGET])
    walk([fv.NORMALIZE_SPARSE_TARGET, fv.COL_MAX_UPSCALE_SPARSE_TARGET])
    walk([c[0][1] for c in fv.VEC_MAX_UPSCALE_CASES if c[0][0] == "f32"])
    walk([c[3][1] for c in fv.SIGMOID_SAFE_CASES if c[3][0] == "f32"])
    walk(fv.SIGMOID_SAFE_CASES[3][2][1])
    return sorted(set(out))


def test_f32_literals_have_no_double_rounding():
    """Python float -> float32 equals Rust's decimal literal -> f32 for every f32 input."""
    for lit in _f32_literals():
        exact = Fraction(repr(lit))
        got = np.float32(lit)
        cands = [np.nextafter(got, np.float32(-np.inf)), got, np.nextafter(got, np.float32(np.inf))]
        dists = [abs(Fraction(float(c)) - exact) for c in cands]
        assert dists[1] <= min(dists), lit
        if dists[1] == min(dists[0], dists[2]):  # a tie: the even mantissa wins
            assert int(got.view(np.uint32)) % 2 == 0, lit


# ======================================================================================
# Group A, exact: A1 weighted_median, A2 weighted_median_col
# ======================================================================================


@pytest.mark.parametrize(
    ("stake", "normalize_first", "score", "expected"),
    fv.WEIGHTED_MEDIAN_CASES,
    ids=[f"case{i}" for i in range(len(fv.WEIGHTED_MEDIAN_CASES))],
)
def test_a1_weighted_median(stake, normalize_first, score, expected):
    s = f32(stake)
    if normalize_first:
        s = fx.normalize(s)
    majority = int(fx.from_f32(fv.WEIGHTED_MEDIAN_MAJORITY[1]))
    got = fx.weighted_median(
        s, f32(score), np.arange(len(stake)), ONE - majority, 0, int(fx.wrapping_sum(s))
    )
    assert got == int(fx.from_f32(expected))


def _valid_medians(stake, score, minority):
    """The chain test's oracle (tests/math.rs, test_math_weighted_median)."""
    medians, median_stake, median_set, stake_sum = [], 0, False, 0
    for i in range(len(stake)):
        stake_sum += stake[i]
        if not median_set and stake_sum >= minority:
            median_stake, median_set = stake_sum, True
        if median_set:
            if median_stake < stake_sum:
                if median_stake == minority and score[i] not in medians:
                    medians.append(score[i])
                break
            if score[i] not in medians:
                medians.append(score[i])
    return medians or [0]


@pytest.mark.parametrize("allow_equal", [False, True])
def test_a1_weighted_median_random(allow_equal):
    rng = np.random.default_rng(20260630 + allow_equal)
    n = fv.WEIGHTED_MEDIAN_RANDOM_N
    for majority in fv.WEIGHTED_MEDIAN_RANDOM_MAJORITIES:
        maj = int(fx.from_f32(majority))
        for _ in range(3):
            if allow_equal:
                stake = [ONE if rng.integers(2) else 0 for _ in range(n)]
                score, last = [], 0
                for _ in range(n):
                    last += ONE if rng.integers(2) else 0
                    score.append(last)
            else:
                stake, score = [ONE] * n, [i * ONE for i in range(n)]
            s = fx.normalize(stake)
            total = int(fx.wrapping_sum(s))
            minority = max(total - maj, 0)
            medians = _valid_medians(s.tolist(), score, minority)
            idx = np.arange(n)
            sc = np.array(score, dtype=np.int64)
            assert fx.weighted_median(s, sc, idx, minority, 0, total) in medians
            for _ in range(10):  # the chain permutes cumulatively
                perm = rng.permutation(n)
                s, sc = s[perm], sc[perm]
                assert fx.weighted_median(s, sc, idx, minority, 0, total) in medians


@pytest.mark.parametrize(
    ("stake", "weights", "majority", "expected"),
    fv.WEIGHTED_MEDIAN_COL_CASES,
    ids=["zero-stake", "kappa0.24", "kappa0.26", "kappa0.76", "kappa0.51"],
)
def test_a2_weighted_median_col(stake, weights, majority, expected):
    got = fx.weighted_median_col(f32(stake), f32(weights), int(fx.from_f32(majority)))
    np.testing.assert_array_equal(got, f32(expected))


def test_a2_weighted_median_col_empty():
    got = fx.weighted_median_col(np.zeros(0, np.int64), np.zeros((0, 0), np.int64), ONE // 2)
    assert got.shape == (0,)


# ======================================================================================
# A3 col_clip, A6 is_topk, A9 matmul family, A12 vecdiv: exact
# ======================================================================================


def test_a3_col_clip_dense():
    w, target = fv.COL_CLIP_DENSE
    got = fx.col_clip(f32(w), f32(fv.COL_CLIP_THRESHOLDS))
    np.testing.assert_array_equal(got, f32(target))


@pytest.mark.parametrize(("weights", "target"), fv.COL_CLIP_SPARSE_CASES)
def test_a3_col_clip_sparse(weights, target):
    w = f32(weights)
    values, kept = fx.col_clip_sparse(w, f32(fv.COL_CLIP_THRESHOLDS), present=w > 0)
    t = f32(target)
    np.testing.assert_array_equal(kept, t > 0)  # same stored entries as the target
    np.testing.assert_array_equal(values, t)


@pytest.mark.parametrize(("vector", "k", "expected"), fv.IS_TOPK_CASES)
def test_a6_is_topk(vector, k, expected):
    np.testing.assert_array_equal(fx.is_topk(f32(vector), k), np.array(expected, dtype=bool))


@pytest.mark.parametrize(("matrix", "expected"), fv.MATMUL_CASES)
def test_a9_matmul(matrix, expected):
    got = fx.matmul(f32(matrix), f32(fv.MATMUL_VECTOR))
    np.testing.assert_array_equal(got, f32(expected))


@pytest.mark.parametrize(("matrix", "expected"), fv.MATMUL_TRANSPOSE_CASES)
def test_a9_matmul_transpose(matrix, expected):
    got = fx.matmul_transpose(f32(matrix), f32(fv.MATMUL_TRANSPOSE_VECTOR))
    np.testing.assert_array_equal(got, f32(expected))


def test_a9_matmul2():
    w = f64(np.ones((3, 3)))
    assert_within(fx.matmul(w, f64([1.0, 1.0, 1.0])), f64([3.0, 3.0, 3.0]), 1e-4)


def test_hadamard_row_sum_vec_mul():
    m = f32(fv.HADAMARD_MATRIX)
    np.testing.assert_array_equal(
        fx.row_hadamard(m, f32(fv.HADAMARD_VECTOR)), f32(fv.HADAMARD_TARGET)
    )
    for matrix, expected in fv.ROW_SUM_CASES:
        np.testing.assert_array_equal(fx.row_sum(f32(matrix)), f32(expected))
    a, b, expected = fv.VEC_MUL_CASE
    np.testing.assert_array_equal(fx.vec_mul(f32(a), f32(b)), f32(expected))
    for vector, target in fv.MAT_VEC_MUL_CASES:
        np.testing.assert_array_equal(fx.mat_vec_mul(m, f32(vector)), f32(target))
        np.testing.assert_array_equal(fx.mat_vec_mul_sparse(m, f32(vector)), f32(target))


@pytest.mark.parametrize(("x", "y", "expected"), fv.VECDIV_CASES)
def test_a12_vecdiv(x, y, expected):
    np.testing.assert_array_equal(fx.vecdiv(f32(x), f32(y)), build(*expected))


def test_a12_vecdiv_quotients():
    x, y, expected = fv.VECDIV_EXACT
    np.testing.assert_array_equal(fx.vecdiv(f32(x), f32(y)), np.array(expected))
    np.testing.assert_array_equal(fx.div(f32(x), f32(y)), np.array(expected))


# ======================================================================================
# A4 normalization (epsilon 1e-4)
# ======================================================================================


@pytest.mark.parametrize(("x", "expected"), fv.NORMALIZE_CASES)
def test_a4_normalize(x, expected):
    y = fx.normalize(f64(x))
    assert_within(y, f64(expected), fv.NORMALIZE_EPSILON)
    assert_within(fx.wrapping_sum(y), fx.from_float(1.0), fv.NORMALIZE_EPSILON)
    np.testing.assert_array_equal(fx.normalize_using_sum(f64(x), int(fx.wrapping_sum(f64(x)))), y)


def test_a4_normalize_empty_and_zero():
    assert fx.normalize(np.zeros(0, np.int64)).shape == (0,)
    np.testing.assert_array_equal(fx.normalize([0, 0, 0]), [0, 0, 0])
    np.testing.assert_array_equal(fx.normalize([ONE, -ONE]), [ONE, -ONE])  # sum 0: unchanged


@pytest.mark.parametrize(("x", "expected"), fv.SUM_CASES)
def test_a4_sum(x, expected):
    assert int(fx.wrapping_sum(f64(x))) == int(fx.from_int(expected))


def test_a4_row_col_normalize_and_max_upscale():
    eps = fv.NORMALIZE_EPSILON
    mat = f32(fv.NORMALIZE_MAT)
    assert_within(fx.row_normalize(mat), f32(fv.ROW_NORMALIZE_TARGET), eps)
    assert_within(fx.col_normalize(mat.T.copy()), f32(fv.ROW_NORMALIZE_TARGET).T, eps)
    assert_within(fx.col_max_upscale(mat.T.copy()), f32(fv.COL_MAX_UPSCALE_TARGET).T, eps)


def test_a4_sparse_normalizations():
    eps = fv.NORMALIZE_EPSILON
    mat = f32(fv.NORMALIZE_SPARSE_MAT)
    assert_within(fx.row_normalize(mat), f32(fv.NORMALIZE_SPARSE_TARGET), eps)
    assert_within(fx.col_normalize(mat.T.copy()), f32(fv.NORMALIZE_SPARSE_TARGET).T, eps)
    assert_within(fx.col_max_upscale(mat.T.copy()), f32(fv.COL_MAX_UPSCALE_SPARSE_TARGET).T, eps)
    # the chain's exact corner cases
    np.testing.assert_array_equal(fx.col_max_upscale(np.zeros((1, 0), np.int64)), np.zeros((1, 0)))
    np.testing.assert_array_equal(fx.col_max_upscale([[0]]), [[0]])
    np.testing.assert_array_equal(fx.row_normalize(np.zeros((3, 4), np.int64)), np.zeros((3, 4)))
    np.testing.assert_array_equal(fx.col_normalize(np.zeros((3, 4), np.int64)), np.zeros((3, 4)))


# ======================================================================================
# A5 vec_max_upscale_to_u16, A7 sigmoid_safe, A8 exp_safe: bit-exact
# ======================================================================================


@pytest.mark.parametrize(
    ("vector", "expected"),
    fv.VEC_MAX_UPSCALE_CASES,
    ids=[f"case{i}" for i in range(len(fv.VEC_MAX_UPSCALE_CASES))],
)
def test_a5_vec_max_upscale_to_u16(vector, expected):
    got = fx.vec_max_upscale_to_u16(build(*vector))
    assert got.dtype == np.uint16
    assert got.tolist() == expected


@pytest.mark.parametrize(("vector", "expected"), fv.VEC_U16_MAX_UPSCALE_CASES)
def test_vec_u16_max_upscale_to_u16(vector, expected):
    got = fx.vec_u16_max_upscale_to_u16(np.array(vector, dtype=np.uint16))
    assert got.tolist() == expected


@pytest.mark.parametrize(
    ("rho", "kappa", "trust", "expected"),
    fv.SIGMOID_SAFE_CASES,
    ids=["rho-kappa-max", "rho-kappa-min", "rho30", "rho40"],
)
def test_a7_sigmoid_safe(rho, kappa, trust, expected):
    got = fx.sigmoid_safe(build(*trust), int(build(*rho)[0]), int(build(*kappa)[0]))
    np.testing.assert_array_equal(got, build(*expected))


@pytest.mark.parametrize(("safe_input", "exp_input"), fv.EXP_SAFE_IDENTITIES)
def test_a8_exp_safe(safe_input, exp_input):
    np.testing.assert_array_equal(fx.exp_safe(build(*safe_input)), fx.exp(build(*exp_input)))


def test_a8_exp_special_values():
    assert int(fx.exp(0)) == ONE
    assert int(fx.exp(ONE)) == fx.E_BITS  # the I9F23 constant, not the series
    # exp(-1) is not special-cased: 1 / series(1)
    assert int(fx.exp(-ONE)) == r_exp(-ONE)
    # the series falls short of e**20 by 0.81%: exp(20) matches the degree-31 polynomial
    got = fx.to_float(fx.exp(20 * ONE))
    assert abs(got / float(taylor31(Fraction(20))) - 1) < 1e-12
    assert abs(got / math.exp(20) - 1) > 8e-3
    # Err cases: MIN (checked_neg), and a first term that overflows
    assert fx.exp_checked(MIN)[1].tolist() is False
    assert fx.exp_checked(MAX)[1].tolist() is False
    with pytest.raises(OverflowError):
        fx.exp(25 * ONE)
    assert int(fx.exp_safe(25 * ONE)) == int(fx.exp(20 * ONE))


# ======================================================================================
# A10 / A11 EMA (epsilon as the chain's)
# ======================================================================================


@pytest.mark.parametrize(("old", "new", "alpha", "target"), fv.MAT_EMA_ALPHA_DENSE_CASES)
def test_a10_mat_ema_alpha(old, new, alpha, target):
    alphas = f32(np.full((4, 3), alpha))
    got = fx.mat_ema_alpha(f32(new), f32(old), alphas)
    assert_within(got, f32(target), fv.MAT_EMA_ALPHA_EPSILON)


@pytest.mark.parametrize(("new", "old", "alpha", "expected", "eps"), fv.MAT_EMA_ALPHA_SMALL_CASES)
def test_a10_mat_ema_alpha_small(new, old, alpha, expected, eps):
    n = f32(new)
    alphas = np.broadcast_to(f64(alpha), n.shape)
    got = fx.mat_ema_alpha(n, f32(old), alphas)
    if eps is None:
        np.testing.assert_array_equal(got, f32(expected))
    else:
        assert_within(got, f32(expected), eps)


@pytest.mark.parametrize(("old", "new", "target", "eps"), fv.SPARSE_MAT_EMA_ALPHA_CASES)
def test_a11_sparse_mat_ema_alpha(old, new, target, eps):
    n, o = f32(new), f32(old)
    alphas = f32(np.full(n.shape, fv.SPARSE_MAT_EMA_ALPHA))
    got = fx.mat_ema_alpha_sparse(n, o, alphas, new_present=n > 0)
    t = f32(target)
    np.testing.assert_array_equal(got > 0, t > 0)  # the same stored entries
    assert_within(got, t, eps)


@pytest.mark.parametrize(
    ("new", "old", "alpha", "expected", "eps"), fv.SPARSE_MAT_EMA_ALPHA_MORE_CASES
)
def test_a11_sparse_mat_ema_alpha_more(new, old, alpha, expected, eps):
    n = f64(new)
    got = fx.mat_ema_alpha_sparse(n, f64(old), f64(alpha), new_present=n > 0)
    e = f64(expected)
    np.testing.assert_array_equal(got > 0, e > 0)
    if eps is None:
        np.testing.assert_array_equal(got, e)
    else:
        assert_within(got, e, eps)


def test_sparse_ema_keeps_listed_zero_weight():
    """An explicit 0 in ``new`` keeps a decaying bond; an absent entry drops it."""
    new = np.array([[0, ONE]], dtype=np.int64)
    old = np.array([[ONE // 2, 0]], dtype=np.int64)
    alpha = fx.from_float(0.25)
    listed = fx.mat_ema_alpha_sparse(new, old, alpha, new_present=[[True, True]])
    unlisted = fx.mat_ema_alpha_sparse(new, old, alpha, new_present=[[False, True]])
    assert listed[0, 0] == r_mul(ONE - int(alpha), ONE // 2) and unlisted[0, 0] == 0


# ======================================================================================
# Other chain tests: BMA alpha, I64F64 stake, conversions
# ======================================================================================


def test_fixed_overflow_bonds_alpha():
    bma, expected = fv.BONDS_MOVING_AVERAGE_CASE
    assert fx.bonds_ema_alpha(bma) == int(fx.from_float(expected))
    # I64F64(max_32) / I64F64(max_32) = 1, so alpha = 0
    max32 = MAX << 32  # I64F64::from_num(I32F32::max_value()), exact
    assert int(fx.saturating_sub(ONE, fx.fixed64_to_fixed32(fx.i64f64_safe_div(max32, max32)))) == 0


@pytest.mark.parametrize(("x", "frac64", "frac32"), fv.U64_NORMALIZATION_CASES)
def test_u64_normalization(x, frac64, frac32):
    total = fx.i64f64_from_int(fv.U64_NORMALIZATION_MAX)
    q = fx.i64f64_checked_div(fx.i64f64_from_int(x), total)
    assert q == fx.i64f64_from_float(frac64)
    assert int(fx.fixed64_to_fixed32(q)) == int(fx.from_float(frac32))


@pytest.mark.parametrize(("x", "expected"), fv.NORMALIZE_64_CASES)
def test_inplace_normalize_64(x, expected):
    got = fx.normalize_64([fx.i64f64_from_float(v) for v in x])
    eps = fx.i64f64_from_float(fv.NORMALIZE_EPSILON)
    for g, e in zip(got, expected, strict=True):
        assert abs(g - fx.i64f64_from_float(e)) <= eps


def test_conversions_from_chain_tests():
    for v in fv.FIXED_TO_U16_CASES:
        assert int(fx.fixed_to_u16(fx.from_int(v))) == v
    for v, expected in fv.FIXED_PROPORTION_TO_U16_CASES:
        assert int(fx.fixed_proportion_to_u16(fx.from_int(v))) == expected
    assert int(fx.u16_proportion_to_fixed(0)) == 0
    assert int(fx.fixed_to_u64(fx.from_int(-1))) == 0  # saturates
    for v, expected in fv.FIXED64_TO_FIXED32_CASES:
        assert int(fx.fixed64_to_fixed32(fx.i64f64_from_int(v))) == int(build(*expected)[0])
    assert fx.fixed64_to_u64(fx.i64f64_from_int(-1)) == 0
    assert fx.fixed64_to_u64(fx.i64f64_from_int(2**63 - 1)) == 2**63 - 1


def test_stake_helpers():
    tw = fx.tao_weight_64(971_718_665_099_567_868)  # runtime default TaoWeight
    assert abs(tw / 2**64 - 971_718_665_099_567_868 / (2**64 - 1)) < 2**-31
    assert tw % (1 << 32) == 0  # a U96F32 widened: 32 fractional bits only
    stake = [fx.total_stake_64(a, t, tw) for a, t in [(10**9, 0), (0, 10**9), (5, 7), (0, 0)]]
    assert stake[0] == 10**9 << 64 and stake[3] == 0
    s = fx.stake_weights(stake, stake_threshold=6, owner_uid=2)
    total = sum(v for v in stake)
    assert int(s[0]) == ((stake[0] << 64) // total) >> 32
    assert int(s[3]) == 0
    assert int(fx.stake_weights(stake, stake_threshold=6)[2]) == 0  # below threshold
    np.testing.assert_array_equal(fx.stake_weights([0, 0]), [0, 0])


def test_emission_to_rao():
    got = fx.emission_to_rao([ONE // 4, ONE, 0, -ONE], 10**9)
    assert got.tolist() == [250_000_000, 10**9, 0, 0]
    assert fx.emission_to_rao([MAX], 2**64 - 1).tolist() == [2**64 - 1]


# ======================================================================================
# Properties: element-wise arithmetic against Python ints
# ======================================================================================


@given(bit_pairs)
def test_mul_is_floor_of_exact_product(pairs):
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    assert fx.mul(a, b).tolist() == [r_mul(x, y) for x, y in pairs]
    vals, ok = fx.checked_mul(a, b)
    ref = [r_checked_mul(x, y) for x, y in pairs]
    assert ok.tolist() == [r is not None for r in ref]
    assert vals.tolist() == [0 if r is None else r for r in ref]


@given(bit_pairs)
def test_div_is_truncated_exact_quotient(pairs):
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    ref = [r_checked_div(x, y) for x, y in pairs]
    vals, ok = fx.checked_div(a, b)
    assert ok.tolist() == [r is not None for r in ref]
    assert vals.tolist() == [0 if r is None else r for r in ref]
    assert fx.safe_div(a, b).tolist() == [0 if r is None else r for r in ref]
    nz = b != 0
    sat = fx.saturating_div(a[nz], b[nz]).tolist()
    exp_sat = [
        r if r is not None else (MIN if (x < 0) != (y < 0) else MAX)
        for (x, y), r in zip(pairs, ref, strict=True)
        if y != 0
    ]
    assert sat == exp_sat


@given(st.lists(st.integers(1, 1 << 63), min_size=1, max_size=30), st.data())
def test_div_large_divisors(divisors, data):
    """Divisors above 2**32 (values above 1.0) and remainders near them."""
    b = np.array([min(d, MAX) for d in divisors], dtype=np.int64)
    a = np.array([data.draw(st.integers(MIN, MAX)) for _ in divisors], dtype=np.int64)
    a[::3] = b[::3] - 1
    ref = [r_safe_div(int(x), int(y)) for x, y in zip(a, b, strict=True)]
    assert fx.safe_div(a, b).tolist() == ref


@given(bits)
def test_safe_div_by_zero_is_zero(x):
    assert int(fx.safe_div(x, 0)) == 0
    assert fx.checked_div(x, 0)[1].tolist() is False
    with pytest.raises(ZeroDivisionError):
        fx.div(x, 0)
    with pytest.raises(ZeroDivisionError):
        fx.saturating_div(x, 0)


def test_div_overflow_raises():
    with pytest.raises(OverflowError):
        fx.div(MAX, ONE // 2)
    assert int(fx.safe_div(MAX, ONE // 2)) == 0
    assert int(fx.saturating_div(MAX, ONE // 2)) == MAX
    assert int(fx.saturating_div(MIN, ONE // 2)) == MIN
    assert int(fx.div(MIN, ONE)) == MIN
    assert int(fx.mul(MIN, ONE)) == MIN  # |product| exactly 2**63, negative: fits
    assert int(fx.mul(MIN, -ONE)) == MAX  # saturates


@given(bit_pairs)
def test_saturating_add_sub(pairs):
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    assert fx.saturating_add(a, b).tolist() == [r_sat_add(x, y) for x, y in pairs]
    assert fx.saturating_sub(a, b).tolist() == [r_sat_sub(x, y) for x, y in pairs]
    assert fx.saturating_neg(a).tolist() == [r_clamp(-x) for x, _ in pairs]


@given(st.lists(bits, min_size=1, max_size=40))
def test_round_and_integer_conversions(xs):
    a = np.array(xs, dtype=np.int64)

    def r_round(x):
        floor, frac = (x >> 32) << 32, x & (ONE - 1)
        up = frac > fx.HALF or (frac == fx.HALF and x >= 0)
        return r_wrap(floor + ONE) if up else floor

    assert fx.round_fixed(a).tolist() == [r_round(x) for x in xs]
    assert fx.fixed_to_u16(a).tolist() == [min(max(x >> 32, 0), 65535) for x in xs]
    assert fx.fixed_to_u64(a).tolist() == [max(x >> 32, 0) for x in xs]
    assert fx.fixed_proportion_to_u16(a).tolist() == [
        min(max(r_mul(x, 65535 << 32) >> 32, 0), 65535) for x in xs
    ]
    assert fx.fixed_to_fixed_u16_proportion(a).tolist() == [r_safe_div(x, 65535 << 32) for x in xs]


@given(st.lists(st.integers(0, 65535), min_size=1, max_size=50))
def test_u16_proportion_round_trip_loses_one_unit(vs):
    """``floor(2**32 v / 65535)`` truncates, so the u16 round trip gives ``v - 1``."""
    v = np.array(vs, dtype=np.uint16)
    back = fx.fixed_proportion_to_u16(fx.u16_proportion_to_fixed(v)).tolist()
    assert back == [x if x in (0, 65535) else x - 1 for x in vs]
    assert fx.u16_to_fixed(v).tolist() == [x << 32 for x in vs]


@given(st.lists(st.integers(-(2**70), 2**70), min_size=1, max_size=20))
def test_from_int_saturates(vs):
    got = fx.from_int(np.array(vs, dtype=object)).tolist()
    assert got == [max(-(2**31), min(2**31 - 1, v)) << 32 for v in vs]


def _rne(q: Fraction) -> int:
    return round(q)  # Fraction.__round__ rounds half to even


@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=False, width=64),
            st.floats(-(2.0**31), 2.0**31),
            st.integers(-(2**40), 2**40).map(lambda k: k / 2**33),  # exact ties
        ),
        min_size=1,
        max_size=30,
    )
)
def test_from_float_rounds_to_nearest_even_and_saturates(xs):
    got = fx.from_float(xs).tolist()
    for x, g in zip(xs, got, strict=True):
        if math.isinf(x):
            assert g == (MAX if x > 0 else MIN)
        else:
            assert g == r_clamp(_rne(Fraction(x) * 2**32))
    # f32 route: Rust's `as f32` rounds to nearest (and overflows to infinity)
    with np.errstate(over="ignore"):
        single = np.array(xs, dtype=np.float64).astype(np.float32)
    assert fx.from_f32(xs).tolist() == fx.from_float(single.astype(np.float64)).tolist()


@given(st.lists(st.integers(-(2**53), 2**53), min_size=1, max_size=30))
def test_float_round_trip(xs):
    a = np.array(xs, dtype=np.int64)
    np.testing.assert_array_equal(fx.from_float(fx.to_float(a)), a)


def test_from_float_rejects_nan_and_float_bits():
    with pytest.raises(ValueError):
        fx.from_float([0.5, float("nan")])
    with pytest.raises(TypeError):
        fx.mul([0.5], [ONE])
    with pytest.raises(OverflowError):
        fx.mul([2**63], [ONE])


# ======================================================================================
# Properties: exp against the exact series and against math.exp
# ======================================================================================

exp_input = st.one_of(
    st.integers(-20 * ONE, 20 * ONE),
    st.sampled_from([0, ONE, -ONE, 20 * ONE, -20 * ONE, 1, -1, ONE + 1, 5 * ONE, -5 * ONE]),
)


@given(st.lists(exp_input, min_size=1, max_size=20))
def test_exp_matches_python_int_series(xs):
    assert fx.exp(np.array(xs, dtype=np.int64)).tolist() == [r_exp(x) for x in xs]


@given(st.lists(st.one_of(bits, st.integers(-(40 * ONE), 40 * ONE)), min_size=1, max_size=20))
def test_exp_checked_errors_as_python_int_series(xs):
    vals, ok = fx.exp_checked(np.array(xs, dtype=np.int64))
    ref = [r_exp(x) for x in xs]
    assert ok.tolist() == [r is not None for r in ref]
    assert vals.tolist() == [0 if r is None else r for r in ref]


@settings(max_examples=40)
@given(exp_input)
def test_exp_close_to_degree_31_polynomial_and_to_math_exp(x):
    got = Fraction(int(fx.exp(x)), 2**32)
    xv = Fraction(x, 2**32)
    if x == ONE:
        assert abs(got - Fraction(fv.E_I9F23_VALUE)) == 0
        return
    poly = taylor31(xv)
    # floor/trunc errors of the 31 steps: a few units of 2**-32, plus a relative part (an
    # early term's rounding error is carried, relatively, into every later term)
    assert abs(got - poly) <= Fraction(64, 2**32) + poly * Fraction(1, 10**10)
    # the polynomial is e**x to 1e-8 (relative) for |x| <= 9.5; beyond, it falls short
    if abs(xv) <= Fraction(19, 2):
        true = math.exp(float(xv))
        assert abs(float(got) - true) <= 1e-8 * true + 2 * 2**-32


@settings(max_examples=30)
@given(st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=20))
def test_exp_safe_clamps(xs):
    a = np.array(xs, dtype=np.int64) * 64
    clamped = np.clip(a, -20 * ONE, 20 * ONE)
    np.testing.assert_array_equal(fx.exp_safe(a), fx.exp(clamped))


# ======================================================================================
# Properties: vectors and matrices against scalar loops
# ======================================================================================

small_vec = st.lists(st.integers(-(3 * ONE), 3 * ONE), min_size=1, max_size=12)


def _matrix_strategy(lo, hi, max_side=6):
    return st.integers(1, max_side).flatmap(
        lambda r: st.integers(1, max_side).flatmap(
            lambda c: st.lists(
                st.lists(st.integers(lo, hi), min_size=c, max_size=c), min_size=r, max_size=r
            )
        )
    )


weight_matrix = _matrix_strategy(0, 2 * ONE)
big_matrix = _matrix_strategy(-(1 << 62), 1 << 62, max_side=5)


@given(small_vec)
def test_normalize_matches_loop(xs):
    assert fx.normalize(xs).tolist() == r_normalize(xs)


@given(weight_matrix)
def test_row_col_normalize_and_upscale_match_loops(m):
    arr = np.array(m, dtype=np.int64)
    rows = []
    for row in m:
        s = r_wrap(sum(row))
        rows.append([r_safe_div(v, s) for v in row] if s > 0 else list(row))
    assert fx.row_normalize(arr).tolist() == rows
    cols = list(zip(*m, strict=True))
    col_sums = []
    for c in cols:
        acc = 0
        for v in c:
            acc = r_sat_add(acc, v)
        col_sums.append(acc)
    expected = [
        [r_safe_div(v, col_sums[j]) if col_sums[j] != 0 else v for j, v in enumerate(row)]
        for row in m
    ]
    assert fx.col_normalize(arr).tolist() == expected
    peaks = [max(0, *c) for c in cols]
    expected = [
        [r_safe_div(v, peaks[j]) if peaks[j] != 0 else v for j, v in enumerate(row)] for row in m
    ]
    assert fx.col_max_upscale(arr).tolist() == expected


def _r_matmul(m, v):
    out = []
    for j in range(len(m[0])):
        acc = 0
        for i in range(len(m)):
            acc = r_sat_add(acc, r_mul(v[i], m[i][j]))
        out.append(acc)
    return out


def _r_matmul_transpose(m, v):
    out = []
    for row in m:
        acc = 0
        for j, x in enumerate(row):
            acc = r_sat_add(acc, r_mul(x, v[j]))
        out.append(acc)
    return out


@given(st.one_of(weight_matrix, big_matrix), st.data())
def test_matmul_family_matches_loops(m, data):
    """Including huge entries, where the saturating sum must run in row order."""
    arr = np.array(m, dtype=np.int64)
    v_rows = data.draw(st.lists(bits, min_size=len(m), max_size=len(m)))
    v_cols = data.draw(st.lists(bits, min_size=len(m[0]), max_size=len(m[0])))
    assert fx.matmul(arr, v_rows).tolist() == _r_matmul(m, v_rows)
    assert fx.matmul_transpose(arr, v_cols).tolist() == _r_matmul_transpose(m, v_cols)
    assert fx.row_hadamard(arr, v_rows).tolist() == [
        [r_mul(v_rows[i], x) for x in row] for i, row in enumerate(m)
    ]
    assert fx.mat_vec_mul(arr, v_cols).tolist() == [
        [(r_checked_mul(x, v_cols[j]) or 0) for j, x in enumerate(row)] for row in m
    ]


def test_saturating_sum_order_matters():
    """(MAX + MAX) + MIN saturates first: MAX + MIN = -1, unlike the exact sum MAX - 1."""
    m = np.array([[MAX], [MAX], [MIN]], dtype=np.int64)
    assert fx.matmul(m, [ONE, ONE, ONE]).tolist() == [-1]
    assert fx.matmul(m[::-1].copy(), [ONE, ONE, ONE]).tolist() == [MAX - 1]


@given(weight_matrix, st.data())
def test_weighted_median_col_matches_loop(m, data):
    n_rows = len(m)
    stake = data.draw(
        st.lists(st.one_of(st.just(0), st.integers(1, ONE)), min_size=n_rows, max_size=n_rows)
    )
    # few distinct scores, so ties are common
    m = [[(v // (ONE // 4)) * (ONE // 4) for v in row] for row in m]
    majority = data.draw(st.one_of(unit, st.sampled_from([0, ONE // 2, 32767 * ONE // 65535])))
    got = fx.weighted_median_col(stake, np.array(m, dtype=np.int64), majority)
    rows = [i for i in range(n_rows) if stake[i] > 0]
    if not rows:
        assert got.tolist() == [0] * len(m[0])
        return
    s = r_normalize([stake[i] for i in rows])
    total = r_wrap(sum(s))
    minority = r_sat_sub(total, majority)
    expected = [
        r_weighted_median(s, [m[i][j] for i in rows], range(len(rows)), minority, 0, total)
        for j in range(len(m[0]))
    ]
    assert got.tolist() == expected


@given(st.lists(st.integers(0, 5 * ONE), min_size=1, max_size=12), st.integers(0, 14))
def test_is_topk_matches_stable_sort(xs, k):
    order = sorted(range(len(xs)), key=lambda i: xs[i])  # Python's sort is stable
    expected = [True] * len(xs)
    if len(xs) >= k:
        for i in order[: len(xs) - k]:
            expected[i] = False
    assert fx.is_topk(xs, k).tolist() == expected
    nz = [x != 0 for x in xs]
    if len(xs) >= k:
        for i in order[: len(xs) - k]:
            nz[i] = False
    assert fx.is_topk_nonzero(xs, k).tolist() == nz


@given(
    st.integers(1, 6).flatmap(
        lambda r: st.integers(1, 6).flatmap(
            lambda c: st.tuples(
                *[
                    st.lists(st.lists(vals, min_size=c, max_size=c), min_size=r, max_size=r)
                    for vals in (st.integers(0, 2 * ONE), st.integers(0, ONE), unit)
                ]
            )
        )
    )
)
def test_ema_family_matches_loops(mats):
    m, old, alpha = mats
    new_a, old_a, alpha_a = (np.array(x, dtype=np.int64) for x in (m, old, alpha))
    expected = [
        [
            min(r_sat_add(r_mul(r_sat_sub(ONE, a), o), max(r_mul(a, n), 0)), ONE)
            for n, o, a in zip(nr, orow, ar, strict=True)
        ]
        for nr, orow, ar in zip(m, old, alpha, strict=True)
    ]
    assert fx.mat_ema_alpha(new_a, old_a, alpha_a).tolist() == expected
    a0 = alpha[0][0]
    expected = [
        [
            r_sat_add(r_mul(a0, n), r_mul(r_sat_sub(ONE, a0), o))
            for n, o in zip(nr, orow, strict=True)
        ]
        for nr, orow in zip(m, old, strict=True)
    ]
    assert fx.mat_ema(new_a, old_a, a0).tolist() == expected
    assert fx.mat_ema_sparse(new_a, old_a, a0).tolist() == [
        [max(v, 0) for v in row] for row in expected
    ]
    expected = [
        [r_sat_add(o, r_mul(a0, r_sat_sub(n, o))) for n, o in zip(nr, orow, strict=True)]
        for nr, orow in zip(m, old, strict=True)
    ]
    if a0 not in (0, ONE):
        assert fx.interpolate(old_a, new_a, a0).tolist() == expected


@settings(max_examples=30)
@given(st.lists(st.tuples(unit, unit, unit), min_size=1, max_size=20), st.data())
def test_alpha_sigmoid_matches_scalar_composition(cells, data):
    low = data.draw(st.integers(1638, 65535))
    high = data.draw(st.integers(low, 65535))
    steep = data.draw(st.integers(-(2**15), 2**15 - 1))
    lo, hi = int(fx.u16_proportion_to_fixed(low)), int(fx.u16_proportion_to_fixed(high))
    k = steep << 32
    c, w, b = (np.array(col, dtype=np.int64) for col in zip(*cells, strict=True))
    got = fx.alpha_sigmoid(c, w, b, lo, hi, k).tolist()
    slope = r_checked_div(k, -100 << 32)
    for (ci, wi, bi), g in zip(cells, got, strict=True):
        buy = max(min(r_sat_sub(wi, ci), ONE), 0)
        sell = max(min(r_sat_sub(bi, wi), ONE), 0)
        d = buy if wi >= bi else sell
        e = r_exp(max(min(r_mul(slope, r_sat_sub(d, fx.HALF)), 20 * ONE), -20 * ONE))
        sig = r_checked_div(ONE, r_sat_add(ONE, e))
        alpha = r_sat_add(lo, r_mul(sig, r_sat_sub(hi, lo)))
        assert g == max(min(alpha, hi), lo)


def test_alpha_sigmoid_first_epoch_bond():
    """Spec 7.D: w = c = 1, b = 0, slope 10, alpha in [0.1, 0.3]: alpha = 0.1013..."""
    lo, hi = fx.u16_proportion_to_fixed([6553, 19660]).tolist()
    got = fx.alpha_sigmoid(ONE, ONE, 0, lo, hi, int(fx.from_int(1000)))
    sigma = 1 / (1 + math.exp(5))
    assert abs(fx.to_float(got) - (lo + sigma * (hi - lo)) / 2**32) < 1e-8


@given(st.lists(st.integers(0, 40 * ONE), min_size=1, max_size=10))
def test_vec_max_upscale_matches_definition(xs):
    m = max(xs)
    u16 = 65535 << 32

    def r_round(x):
        floor, frac = (x >> 32) << 32, x & (ONE - 1)
        return floor + ONE if frac >= fx.HALF else floor

    if m == 0:
        ref = [r_mul(x, u16) >> 32 for x in xs]
    elif m > 32768 << 32:
        ref = [r_round(r_mul(x, r_safe_div(u16, m))) >> 32 for x in xs]
    else:
        ref = [r_round(r_safe_div(r_mul(x, u16), m)) >> 32 for x in xs]
    assert fx.vec_max_upscale_to_u16(xs).tolist() == [min(max(v, 0), 65535) for v in ref]


# ======================================================================================
# Determinism and shapes
# ======================================================================================


def test_deterministic_and_shape_independent():
    rng = np.random.default_rng(7)
    a = rng.integers(MIN, MAX, size=(40, 30), dtype=np.int64, endpoint=True)
    b = rng.integers(-(4 * ONE), 4 * ONE, size=(40, 30), dtype=np.int64)
    for f in (fx.mul, fx.safe_div, fx.saturating_add):
        first, second = f(a, b), f(a, b)
        np.testing.assert_array_equal(first, second)
        np.testing.assert_array_equal(f(a.ravel(), b.ravel()).reshape(a.shape), first)
        assert int(f(int(a[3, 4]), int(b[3, 4]))) == int(first[3, 4])
    stake = rng.integers(0, ONE, size=40, dtype=np.int64)
    w = fx.row_normalize(np.abs(b))
    c1 = fx.weighted_median_col(stake, w, ONE // 2)
    np.testing.assert_array_equal(c1, fx.weighted_median_col(stake.copy(), w.copy(), ONE // 2))
    x = rng.integers(-(20 * ONE), 20 * ONE, size=5000, dtype=np.int64)  # the np.unique path
    np.testing.assert_array_equal(fx.exp_safe(x), fx.exp(x))


@given(st.lists(st.one_of(bits, exp_input), min_size=1, max_size=30))
def test_exp_kernel_equals_vectorized_numpy_path(xs):
    a = np.array(xs, dtype=np.int64)
    got, ok = fx.exp_checked(a)
    ref, ref_ok = fx._exp_checked_numpy(a)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(ok, ref_ok)


def test_docstrings_document_every_parameter():
    import inspect

    from test_docs import documented_parameters, signature_parameters

    for name in fx.__all__:
        obj = getattr(fx, name)
        if inspect.isfunction(obj):
            assert obj.__doc__, name
            assert documented_parameters(inspect.getdoc(obj)) == signature_parameters(obj), name

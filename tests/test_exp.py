"""The libm-free exp of the liquid-alpha sigmoids against exact values and ``np.exp``."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from decimal import Decimal, localcontext

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yuma.core import _exp, _kernels

SMALLEST_SUBNORMAL = 2.0**-1074
LOG_MAX = math.log(np.finfo(np.float64).max)  # 709.782712893384


def exact_exp(x: float) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return Decimal(x).exp()


def ulp_error(x: float, got: float) -> float:
    """|got - e^x| in units in the last place of e^x (subnormal spacing below 2**-1022)."""
    exact = exact_exp(x)
    nearest = float(exact)
    if math.isinf(nearest):
        return 0.0 if got == math.inf else math.inf
    spacing = max(math.ulp(nearest), SMALLEST_SUBNORMAL) if nearest else SMALLEST_SUBNORMAL
    # math.ulp of a power of two is the spacing above it; the one below is half that.
    if nearest and Decimal(nearest) > exact and math.frexp(nearest)[0] == 0.5:
        spacing = max(spacing / 2, SMALLEST_SUBNORMAL)
    return float(abs(Decimal(got) - exact) / Decimal(spacing))


def exp_of(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    _exp.exp_array(np.ascontiguousarray(x, dtype=np.float64), out)
    return out


@given(st.floats(-745.2, 709.9))
def test_error_against_the_exact_value_is_at_most_one_ulp(x):
    assert ulp_error(x, float(_exp.exp(x))) <= _exp.MAX_ULP_ERROR


@given(st.floats(-20.0, 20.0))
def test_relative_error_over_the_sigmoid_range(x):
    exact = exact_exp(x)
    got = float(_exp.exp(x))
    assert float(abs(Decimal(got) - exact) / exact) <= _exp.MAX_REL_ERROR


def test_random_sample_against_the_exact_value():
    rng = np.random.default_rng(11)
    xs = np.concatenate([
        rng.uniform(-745.2, 709.8, 3000),
        rng.uniform(-20.0, 20.0, 2000),
        rng.uniform(-0.4, 0.4, 500),  # the reduced range itself (k = 0)
        rng.uniform(-745.2, -708.3, 500),  # subnormal results
        rng.uniform(-1e-9, 1e-9, 100),
    ])
    got = exp_of(xs)
    worst = max(ulp_error(float(x), float(y)) for x, y in zip(xs, got, strict=True))
    assert worst <= _exp.MAX_ULP_ERROR


def test_dense_sweep_against_np_exp():
    # np.exp is itself within about 1 ulp (numpy's SIMD routine or libm): two ulps of room.
    x = np.linspace(-745.0, 709.0, 2_000_001)
    got = exp_of(x)
    want = np.exp(x)
    gap = np.abs(got.view(np.int64) - want.view(np.int64))  # ulps: both positive floats
    assert gap.max() <= 2
    normal = want > np.finfo(np.float64).tiny
    rel = np.abs(got[normal] - want[normal]) / want[normal]
    assert rel.max() <= 2 * _exp.MAX_REL_ERROR


@pytest.mark.parametrize(
    ("x", "want"),
    [
        (0.0, 1.0),
        (-0.0, 1.0),
        (math.inf, math.inf),
        (-math.inf, 0.0),
        (710.0, math.inf),
        (1e308, math.inf),
        (np.nextafter(LOG_MAX, math.inf), math.inf),
        (-746.0, 0.0),
        (-1e308, 0.0),
        (-745.1332191019412, 0.0),  # just below log(2**-1075): rounds to 0
        (-745.1332191019411, SMALLEST_SUBNORMAL),
    ],
)
def test_special_values_and_range_ends(x, want):
    assert _exp.exp(x) == want
    assert exp_of(np.array([x]))[0] == want


def test_nan_and_the_largest_finite_result():
    assert math.isnan(_exp.exp(math.nan))
    top = _exp.exp(LOG_MAX)
    assert math.isfinite(top) and ulp_error(LOG_MAX, top) <= _exp.MAX_ULP_ERROR


def test_subnormal_results_are_the_nearest_or_next_subnormal():
    xs = np.linspace(-745.13, -708.4, 20_001)
    got = exp_of(xs)
    assert np.all(got > 0.0) and np.all(got < np.finfo(np.float64).tiny * 1.0001)
    for x, y in zip(xs[::200], got[::200], strict=True):
        assert ulp_error(float(x), float(y)) <= _exp.MAX_ULP_ERROR


def test_compiled_and_interpreted_give_the_same_bits(tmp_path):
    # The interpreter runs the same float64 operations one by one: equal bits show that the
    # compiled, vectorized loop neither fuses nor reorders them.
    rng = np.random.default_rng(5)
    xs = np.concatenate([rng.uniform(-746.0, 710.0, 400), rng.uniform(-20.0, 20.0, 400),
                         [0.0, -0.0, math.inf, -math.inf, 709.78, -745.1]])
    np.save(tmp_path / "x.npy", xs)
    script = (
        "import sys, numpy as np\n"
        "from yuma.core import _exp\n"
        "x = np.load(sys.argv[1])\n"
        "np.save(sys.argv[2], np.array([_exp.exp(float(v)) for v in x]))\n"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "x.npy"),
                    str(tmp_path / "y.npy")], env=env, check=True, timeout=120)
    interpreted = np.load(tmp_path / "y.npy")
    np.testing.assert_array_equal(exp_of(xs).view(np.int64), interpreted.view(np.int64))


def _optimized_ir(dispatcher, *args) -> str:
    fresh = numba.njit(fastmath=False, error_model="numpy")(dispatcher.py_func)
    fresh(*args)
    return "\n".join(fresh.inspect_llvm().values())


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="inspects compiled code")
def test_loops_calling_exp_vectorize_and_fuse_nothing():
    x = np.zeros(8)
    ir = _optimized_ir(_exp.exp_array, x, x.copy())
    assert "x double>" in ir  # a SIMD vector of doubles: the loop is vectorized
    m = np.zeros((4, 8))
    bond_ir = _optimized_ir(_kernels.liquid_alpha_ema_serial, m, m, np.zeros(8),
                            m > 0, False, np.zeros(3), m.copy())
    assert "fdiv <" in bond_ir  # the sigmoid's 1 / (1 + e) on a vector
    n = 8
    w, c, rows = np.full((n, n), 0.5), np.full(n, 0.25), np.arange(n)
    none_i, none_b = np.zeros(1, dtype=np.int64), np.zeros((1, 1), dtype=np.bool_)
    fused_ir = _optimized_ir(
        _kernels.clip_bonds_serial, w, c, c, rows, np.ones(n), w, none_b, w,
        np.zeros(n, dtype=np.bool_), np.ones(n, dtype=np.bool_),
        np.array([-1, 1, 0, 0, 0], dtype=np.int64), none_i, none_i, none_i,
        np.array([1.0, 0.1, 0.1, 0.3, 10.0]), np.array([2, 0, 1, 0], dtype=np.int64),
        np.zeros((n, n)), np.zeros((1, 1)), np.zeros((n, n)), np.zeros(n), np.zeros((3, 1, n)),
    )
    # The liquid-alpha loops of the fused pass: one-pass rows and general rows, each with
    # and without previous bonds.
    assert fused_ir.count("fdiv <") >= 4
    for text in (ir, bond_ir, fused_ir):
        assert "llvm.fma" not in text and "fmuladd" not in text
        assert "@exp(" not in text and "llvm.exp" not in text


@numba.njit(cache=False)
def _exp_normal_array(x, out):
    for i in range(x.shape[0]):
        out[i] = _exp.exp_normal(x[i])


def test_exp_normal_gives_the_bits_of_exp_over_its_range():
    # Dense over the sigmoid's [-20, 20], coarser over the rest of [-708, 709], and the ends.
    rng = np.random.default_rng(17)
    x = np.concatenate([np.linspace(-20.0, 20.0, 1_000_001), np.linspace(-708.0, 709.0, 200_001),
                        rng.uniform(-708.0, 709.0, 100_000), [-708.0, 709.0, 0.0, -0.0]])
    fast = np.empty_like(x)
    _exp_normal_array(x, fast)
    np.testing.assert_array_equal(fast.view(np.int64), exp_of(x).view(np.int64))


@given(st.floats(-708.0, 709.0))
def test_exp_normal_equals_exp(x):
    assert _exp.exp_normal(x) == _exp.exp(x)

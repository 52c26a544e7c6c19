"""Fused kernels against the composition of the reference steps they replace."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from yuma.core import _kernels, reference, steps
from yuma.testing.comparisons import ATOL, RTOL


@st.composite
def bond_cases(draw):
    n_rows = draw(st.integers(0, 7))
    n_cols = draw(st.integers(0, 9))
    unit = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 1.0]), st.floats(0.0, 1.0))

    def matrix():
        vals = draw(st.lists(unit, min_size=n_rows * n_cols, max_size=n_rows * n_cols))
        return np.array(vals, dtype=np.float64).reshape(n_rows, n_cols)

    bonds, wb = matrix(), matrix()
    consensus = np.array(draw(st.lists(unit, min_size=n_cols, max_size=n_cols)), dtype=float)
    low = draw(unit)
    high = draw(st.floats(low, 1.0))
    steepness = draw(st.sampled_from([10.0, 0.0, 1000.0, -3.0]))
    flags = draw(st.lists(st.booleans(), min_size=n_rows * n_cols, max_size=n_rows * n_cols))
    entries = np.array(flags, dtype=np.bool_).reshape(n_rows, n_cols)
    use_entries = draw(st.booleans())
    return bonds, wb, consensus, low, high, steepness, entries if use_entries else None


@given(bond_cases())
def test_liquid_alpha_ema_equals_alpha_sigmoid_then_mat_ema_alpha(case):
    bonds, wb, consensus, low, high, steepness, entries = case
    alpha = reference.alpha_sigmoid(consensus, wb, bonds, low, high, steepness)
    ref = reference.mat_ema_alpha(bonds, wb, alpha, entries)
    comp = steps._liquid_alpha_ema(bonds, wb, consensus, low, high, steepness, entries)
    np.testing.assert_allclose(comp, ref, rtol=RTOL, atol=ATOL)


@given(bond_cases(), st.lists(st.floats(0.0, 1.0), min_size=9, max_size=9))
def test_yuma3_dividends_without_the_normalized_matrix(case, incentive):
    bonds, _, _, _, _, _, _ = case
    inc = np.array(incentive[: bonds.shape[1]])
    stake = np.linspace(0.0, 1.0, bonds.shape[0])
    ref = reference.dividends_yuma3(bonds, inc, stake)
    np.testing.assert_allclose(steps._dividends_yuma3(bonds, inc, stake), ref, rtol=RTOL, atol=ATOL)


def test_parallel_and_serial_drivers_give_the_same_bits():
    rng = np.random.default_rng(7)
    bonds, wb = rng.random((300, 400)), rng.random((300, 400))
    wb[wb < 0.3] = 0.0
    consensus = np.round(rng.random(400), 2)
    entries = wb > 0.0
    params = np.array([0.1, 0.3, 10.0])
    a, b = np.empty_like(wb), np.empty_like(wb)
    _kernels.liquid_alpha_ema_serial(bonds, wb, consensus, entries, True, params, a)
    _kernels.liquid_alpha_ema_parallel(bonds, wb, consensus, entries, True, params, b)
    np.testing.assert_array_equal(a, b)
    vec = rng.random(400)
    x, y = np.empty(300), np.empty(300)
    rows = np.arange(300)
    _kernels.rows_dot_serial(wb, rows, vec, x)
    _kernels.rows_dot_parallel(wb, rows, vec, y)
    np.testing.assert_array_equal(x, y)


def test_large_inputs_are_checked_without_copying():
    import pytest

    import yuma

    rng = np.random.default_rng(3)
    w = rng.random((300, 300))
    stake = rng.random(300)
    for name, value in (("weights", np.nan), ("weights", -1e-9), ("bonds", np.inf)):
        bad_w = w.copy()
        bonds = np.zeros_like(w)
        target = bad_w if name == "weights" else bonds
        target[123, 77] = value
        with pytest.raises(ValueError, match=name):
            yuma.epoch(bad_w, stake, bonds)
    before = w.copy()
    yuma.epoch(w, stake, w)  # the same array as weights and bonds: neither is written
    np.testing.assert_array_equal(w, before)

"""The weighted-median kernels against the quickselect baseline, bit for bit.

The kappa-value of a column is a function of its values and units, so every exact method
returns the same value; the baseline (the first kernel, a weighted quickselect per column)
is kept to hold the faster ones to that. The only difference allowed is the sign of a zero:
the kernels in use return +0.0, the baseline whichever zero its pivot met. The reference
twin (``yuma.core.reference``) is compared in tests/test_reference_steps.py.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma.core import _kernels, steps
from yuma.testing import step_strategies as ss

NET = _kernels.MEDIAN_NETWORK_MAX_ROWS
SAMPLE_LIMIT = _kernels.MEDIAN_SAMPLE_SIZES[0][0]
ROW_COUNTS = sorted({0, 1, 2, 3, 7, 8, 9, 16, NET - 1, NET, NET + 1, 64, 65, 100,
                     SAMPLE_LIMIT - 1, SAMPLE_LIMIT, SAMPLE_LIMIT + 1, 300})


def _bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64).view(np.int64)


def baseline(stake, weights, kappa):
    rows = np.flatnonzero(stake > 0.0).astype(np.int64)
    units = steps.stake_units(stake[rows])
    out = np.empty(weights.shape[1])
    _kernels.weighted_median_col_quickselect_serial(
        weights, rows, units, np.int64(steps.kappa_units(kappa)), out
    )
    return out + 0.0  # the baseline's zero may be -0.0


def both_drivers(stake, weights, kappa):
    rows = np.flatnonzero(stake > 0.0).astype(np.int64)
    units = steps.stake_units(stake[rows])
    need = steps.kappa_units(kappa)
    plan = _kernels.median_plan(units, need)
    serial, parallel = np.empty(weights.shape[1]), np.empty(weights.shape[1])
    _kernels.weighted_median_col_serial(weights, rows, units, np.int64(need), *plan, serial)
    _kernels.weighted_median_col_parallel(weights, rows, units, np.int64(need), *plan, parallel)
    return serial, parallel


def assert_same_as_baseline(stake, weights, kappa):
    want = baseline(stake, weights, kappa)
    serial, parallel = both_drivers(stake, weights, kappa)
    np.testing.assert_array_equal(_bits(serial), _bits(want))
    np.testing.assert_array_equal(_bits(parallel), _bits(want))
    if not (weights < 0.0).any():  # the public function takes non-negative weights only
        public = steps.weighted_median_col(stake, weights, kappa)
        np.testing.assert_array_equal(_bits(public), _bits(want))


@st.composite
def generated_columns(draw):
    """Larger inputs from a seed: many ties, duplicate values, zero stake, skewed stake."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    m = draw(st.sampled_from(ROW_COUNTS))
    n = draw(st.integers(0, 70))
    kind = draw(st.sampled_from(["grid", "smooth", "few", "tiny", "skewed", "zeros", "signed"]))
    if kind == "grid":
        w = np.round(rng.random((m, n)), 2)
    elif kind == "smooth":
        w = rng.random((m, n))
    elif kind == "few":
        w = rng.choice([0.0, 0.25, 0.5, 1.0], size=(m, n))
    elif kind == "tiny":
        w = rng.random((m, n)) * 1e-300
    elif kind == "skewed":
        w = rng.random((m, n)) ** 12
    elif kind == "zeros":
        w = np.zeros((m, n))
    else:  # weighted_median accepts negative scores
        w = rng.normal(size=(m, n))
    w[rng.random((m, n)) < draw(st.sampled_from([0.0, 0.3, 0.9]))] = 0.0
    if n and m and draw(st.booleans()):
        w[:, rng.integers(0, n)] = w[rng.integers(0, m), 0]  # one column of equal values
    stake_kind = draw(st.sampled_from(["pareto", "equal", "whale", "dust", "zeros"]))
    if stake_kind == "pareto":
        stake = rng.pareto(1.5, m)
    elif stake_kind == "equal":
        stake = np.ones(m)
    elif stake_kind == "whale":
        stake = rng.random(m)
        stake[: min(m, 1)] = 1e6
    elif stake_kind == "dust":  # some participants round to 0 units
        stake = np.where(rng.random(m) < 0.5, 1e-300, rng.random(m))
    else:
        stake = np.zeros(m)
    stake = stake * (rng.random(m) < 0.9)
    return stake, w, draw(ss.KAPPAS)


@given(generated_columns())
def test_kernels_equal_the_quickselect_baseline(case):
    assert_same_as_baseline(*case)


@given(ss.median_inputs(max_rows=12, max_cols=8))
def test_kernels_equal_the_quickselect_baseline_on_drawn_matrices(kw):
    w = np.asarray(kw["weights"], dtype=np.float64)
    assert_same_as_baseline(np.asarray(kw["stake"], dtype=np.float64), w, kw["kappa"])


@pytest.mark.parametrize("m", ROW_COUNTS)
@pytest.mark.parametrize("kappa", [0.0, 0.5, 1.0])
def test_every_row_count_and_the_kappa_ends(m, kappa):
    rng = np.random.default_rng(m)
    w = np.round(rng.random((m, 37)), 1)
    assert_same_as_baseline(rng.pareto(1.5, m) + 1e-3, w, kappa)


@pytest.mark.parametrize("m", [1, 5, 8, 33, 64, NET - 1, NET])
def test_network_blocks_across_many_columns(m):
    # Several full column blocks and a partial one, ties, zero-unit rows and dust stake.
    n = 2 * int(_kernels._network_cols(m)) + 5
    rng = np.random.default_rng(1000 + m)
    w = np.round(rng.random((m, n)), 1) * (rng.random((m, n)) < 0.8)
    stake = np.where(rng.random(m) < 0.2, 0.0, rng.pareto(1.5, m) + 1e-3)
    stake[rng.random(m) < 0.1] = 1e-300
    for kappa in (0.0, 0.3, 0.5, 1.0):
        assert_same_as_baseline(stake, w, kappa)


def test_the_kappa_boundary_exactly():
    # Three equal stakes: ``need`` exactly the units of two validators, one unit more, all.
    w = np.array([[0.1], [0.2], [0.3]])
    stake = np.ones(3)
    units = steps.stake_units(stake)
    for need in (int(units[1:].sum()), int(units[1:].sum()) + 1, int(units.sum())):
        kappa = need / 2.0**52
        assert steps.kappa_units(kappa) == need
        assert_same_as_baseline(stake, w, kappa)


@pytest.mark.parametrize("m", [3, NET + 5, 300])
def test_a_zero_consensus_is_positive_zero(m):
    w = np.full((m, 3), -0.0)
    w[0] = [0.0, 0.5, -0.0]
    for kappa in (0.0, 0.5, 0.9, 1.0):
        got = steps.weighted_median_col(np.ones(m), w, kappa)
        assert got[0] == 0.0 and got[2] == 0.0
        assert not np.signbit(got).any()


@pytest.mark.parametrize("m", [NET + 20, 400])
def test_a_wrong_sample_guess_changes_nothing(m):
    # The sample only guides the search: any guess and margin give the same value.
    rng = np.random.default_rng(m)
    vals = np.round(rng.random(m), 2)
    units = steps.stake_units(rng.pareto(1.2, m))
    total = int(units.sum())
    size = 32
    sample = np.sort(vals[_kernels.stake_sample(units, size)])[:, None]
    cand_vals, cand_units = np.empty((2, m)), np.empty((2, m), dtype=np.int64)
    buf_vals, buf_units = np.empty((2, m)), np.empty((2, m), dtype=np.int64)
    for need in (1, total // 3, total // 2, total - 5, total):
        want = _kernels._select_kappa_value(vals, units, total, need, buf_vals, buf_units)
        for guess, margin in itertools.product([0, 5, 16, 31], [0, 1, 3, 40]):
            got = _kernels._sample_select(vals, units, total, need, sample, 0, guess, margin,
                                          cand_vals, cand_units, buf_vals, buf_units)
            assert got == want, (need, guess, margin)


@pytest.mark.parametrize("size", list(range(1, 13)))
def test_sorting_network_sorts_every_zero_one_input(size):
    # The 0-1 principle: a comparator network that sorts every 0/1 input sorts everything.
    pairs = _kernels.sorting_network(size)
    assert np.all(pairs[:, 0] < pairs[:, 1]) and np.all(pairs < max(size, 1))
    inputs = np.array(list(itertools.product([0, 1], repeat=size)), dtype=np.int64)
    x = inputs.reshape(-1, size).T.copy()  # one input per column
    for a, b in pairs:
        lo, hi = np.minimum(x[a], x[b]), np.maximum(x[a], x[b])
        x[a], x[b] = lo, hi
    assert np.all(np.diff(x, axis=0) >= 0)


@pytest.mark.parametrize("size", [13, 17, 31, 32, 33, 48, 64, 100, 127, 128])
def test_sorting_network_sorts_columns_with_ties(size):
    rng = np.random.default_rng(size)
    vals = np.round(rng.random((size, 50)), 1)
    vals[:, 7] = -vals[:, 7]
    v = np.zeros((size, 64))
    v[:, :50] = vals
    _kernels._network_sort_values(v, _kernels.sorting_network(size), 50)
    np.testing.assert_array_equal(v[:, :50], np.sort(vals, axis=0))
    assert not v[:, 50:].any()  # columns past the width are left alone


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=80), st.integers(1, 64))
def test_stake_sample_draws_in_proportion_to_units(units, size):
    units = np.array(units, dtype=np.int64)
    if units.sum() == 0:
        units[0] = 1
    pos = _kernels.stake_sample(units, size)
    assert pos.shape == (size,) and np.all(np.diff(pos) >= 0)
    assert np.all((pos >= 0) & (pos < units.shape[0]))
    assert np.all(units[pos] > 0)  # no unit, never drawn
    counts = np.bincount(pos, minlength=units.shape[0])
    expected = units / units.sum() * size
    assert np.all(np.abs(counts - expected) <= 1.0 + 1e-9)


def test_edge_shapes():
    assert yuma.weighted_median_col(np.zeros(0), np.zeros((0, 3)), 0.5).tolist() == [0.0] * 3
    assert yuma.weighted_median_col([1.0], np.zeros((1, 0)), 0.5).shape == (0,)
    assert yuma.weighted_median_col([0.0, 0.0], np.ones((2, 2)), 0.5).tolist() == [0.0, 0.0]
    assert yuma.weighted_median_col([2.0], [[0.3, 0.0]], 0.5).tolist() == [0.3, 0.0]
    assert yuma.weighted_median([1.0, 1.0, 1.0], [-1.0, 2.0, -3.0], 0.5) == -1.0


def test_units_exactly_at_need_and_zero_unit_tops():
    # The top value's own units exactly meet ``need``; and at kappa 0 the largest value
    # wins even when its validator's stake rounds to 0 units.
    units = steps.stake_units(np.array([3.0, 1.0]))
    kappa_top = int(units[0]) / 2.0**52
    for m_extra in (0, NET + 10):
        stake = np.concatenate([[3.0, 1.0], np.full(m_extra, 1e-300)])
        w = np.concatenate([[[0.9, 0.2], [0.1, 0.8]], np.full((m_extra, 2), 0.05)])
        assert_same_as_baseline(stake, w, kappa_top)
        assert_same_as_baseline(stake, w, np.nextafter(kappa_top, 1.0))
        dust_top = np.concatenate([[1.0, 1e-300], np.ones(m_extra)])
        w_top = np.concatenate([[[0.1, 0.2], [0.95, 0.99]], np.full((m_extra, 2), 0.05)])
        assert_same_as_baseline(dust_top, w_top, 0.0)
        assert steps.weighted_median_col(dust_top, w_top, 0.0).tolist() == [0.95, 0.99]


@pytest.mark.parametrize("m", [3, 20])
def test_small_search_returns_the_smallest_when_need_is_out_of_reach(m):
    rng = np.random.default_rng(m)
    vals = rng.random(m)
    units = rng.integers(1, 5, m)
    assert _kernels._small_kappa_value(vals, units, int(units.sum()) + 1) == vals.min()
    assert _kernels._small_kappa_value(vals, units, 1) == vals.max()
    assert _kernels._small_kappa_value(vals[:0], units[:0], 1) == 0.0  # no values


def _units_numpy(stake):
    # The formula of stake_units' docstring, in numpy (its first implementation).
    s = yuma.ops.prescale_power_of_two(np.asarray(stake, dtype=np.float64))
    total = math.fsum(s.tolist())
    if total <= 0.0:
        return np.zeros(s.shape[0], dtype=np.int64)
    return np.rint(s / total * 2.0**52).astype(np.int64)


@given(st.lists(st.one_of(st.floats(0.0, 1e6), st.sampled_from([0.0, 1.0, 3.0, 2.0**1020]),
                          st.floats(0.0, 1.7e308)), max_size=40))
def test_stake_units_equal_the_numpy_formula(stake):
    np.testing.assert_array_equal(steps.stake_units(np.array(stake)), _units_numpy(stake))


@pytest.mark.parametrize(("stake", "want"), [
    ([1.0, 2.0**53 - 1.0], [0, 2**52]),  # shares 2**-53 and 1 - 2**-53: halves, to even
    ([3.0, 2.0**53 - 3.0], [2, 2**52 - 2]),  # 1.5 rounds up to 2, 2**52 - 1.5 down
])
def test_stake_units_round_half_to_even(stake, want):
    assert steps.stake_units(np.array(stake)).tolist() == want

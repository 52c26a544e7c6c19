"""The fast steps against their slow twins in yuma.reference, and the twins by hand.

Every public function of yuma.ops and yuma.steps is called with the same Hypothesis
inputs on both sides; floats must agree within RTOL/ATOL, booleans, integers and the
consensus exactly. The hand-worked cases at the end state their expected values as
numbers worked out on paper (in the comments), and run against both implementations, so
that a mistake shared by both is caught too.
"""

from __future__ import annotations

import ast
import inspect
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma import ops
from yuma.core import reference, steps
from yuma.testing import step_strategies as ss
from yuma.testing.comparisons import (
    ATOL,
    BY_NAME,
    COMPARISONS,
    RTOL,
    assert_matches,
    make_inputs,
)
from yuma.testing.strategies import stakes, weight_matrices

# The fast public functions, by name (yuma.ops and yuma.steps together).
FAST = SimpleNamespace(
    **{n: getattr(ops, n) for n in ops.__all__}, **{n: getattr(steps, n) for n in steps.__all__}
)
IMPLS = pytest.mark.parametrize("impl", [reference, FAST], ids=["reference", "fast"])


def check(name, **kwargs):
    """Call the fast and the reference function ``name`` on the same inputs and compare."""
    ref = getattr(reference, name)(**kwargs)
    fast = getattr(FAST, name)(**kwargs)
    assert_matches(name, fast, ref)
    return ref


# --------------------------------------------------------------------------------------
# The reference mirrors the library, and stands alone
# --------------------------------------------------------------------------------------


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", sorted(set(ops.__all__) | set(steps.__all__) | {"epoch"}))
def test_reference_mirrors_public_name(name):
    fast = getattr(yuma, name, None) or getattr(steps, name)
    assert hasattr(reference, name), f"yuma.reference lacks {name}"
    twin = getattr(reference, name)
    if callable(fast):
        assert _params(twin) == _params(fast)
    else:
        assert twin == fast


def test_reference_imports_only_numpy_and_stdlib_math():
    tree = ast.parse(Path(reference.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in yuma.reference"
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "math", "numpy"}, imported


def test_registry_names_resolve_and_agree_on_realistic_inputs():
    rng = np.random.default_rng(7)
    assert {"weighted_median_col", "col_clip", "rank", "validator_trust", "alpha_sigmoid",
            "mat_ema_alpha", "bonds_ema_yuma2", "dividends_yuma2", "dividends_yuma3",
            "epoch"} <= set(BY_NAME)
    for comp in COMPARISONS:
        for n_rows, n_cols in [(0, 0), (1, 1), (5, 5), (4, 9), (13, 13)]:
            kw = make_inputs(comp.name, rng, n_rows, n_cols)
            assert_matches(comp.name, comp.fast(**kw), comp.reference(**kw))


@pytest.mark.parametrize("name", ["weighted_median_col", "col_clip", "rank", "trust", "epoch"])
def test_registry_large_inputs(name):
    # Big enough (>= 2**16 elements) for the kernels' multi-threaded path.
    rng = np.random.default_rng(11)
    comp = BY_NAME[name]
    for n_rows, n_cols in [(260, 260), (64, 1100)]:
        kw = make_inputs(name, rng, n_rows, n_cols)
        assert_matches(name, comp.fast(**kw), comp.reference(**kw))


# --------------------------------------------------------------------------------------
# Ops
# --------------------------------------------------------------------------------------


@given(
    st.integers(0, 12).flatmap(
        lambda n: ss.vectors(n, signed=True) | ss.vectors(n, huge=True)
    )
)
def test_normalize(x):
    check("normalize", x=x)
    check("prescale_power_of_two", x=x)


@given(ss.shapes(max_rows=9, max_cols=10).flatmap(lambda s: ss.matrices(*s, huge=True)))
def test_row_col_normalize_and_upscale(x):
    check("row_normalize", x=x)
    check("col_normalize", x=x)
    check("col_max_upscale", x=x)
    for axis in (None, 0, 1):
        check("prescale_power_of_two", x=x, axis=axis)


@given(st.integers(0, 9).flatmap(lambda n: st.tuples(ss.vectors(n), ss.vectors(n))))
def test_vecdiv(xy):
    check("vecdiv", x=xy[0], y=xy[1])


@given(
    st.integers(0, 9).flatmap(lambda n: ss.vectors(n, signed=True)),
    st.integers(0, 11),
)
def test_is_topk_and_nonzero(x, k):
    check("is_topk", x=x, k=k)
    check("is_topk_nonzero", x=x, k=k)


# --------------------------------------------------------------------------------------
# Stake
# --------------------------------------------------------------------------------------


@given(st.integers(0, 9).flatmap(lambda n: stakes(n) | ss.vectors(n, huge=True)), ss.KAPPAS)
def test_stake_and_kappa_units(stake, kappa):
    check("stake_units", stake=stake)
    assert steps.kappa_units(kappa) == reference.kappa_units(kappa)


@given(st.data())
def test_stake_weights_and_permits(data):
    n = data.draw(st.integers(0, 9))
    stake = data.draw(stakes(n))
    owner = data.draw(st.none() | st.integers(0, n - 1)) if n else None
    threshold = data.draw(st.sampled_from([0.0, 1.0, 3.0, 1e3]))
    s = check("stake_weights", stake=stake, stake_threshold=threshold, owner_uid=owner)
    k = data.draw(st.integers(0, n + 2))
    check("validator_permits", stake_weights=s, max_allowed_validators=k, owner_uid=owner)
    active, permit = data.draw(ss.masks(n)), data.draw(ss.masks(n))
    check("active_stake", stake_weights=s, active=active, validator_permit=permit)


@given(st.data())
def test_activity_mask(data):
    n = data.draw(st.integers(0, 8))
    last_update = data.draw(ss.block_vectors(n, max_block=30))
    block = data.draw(st.integers(0, 40))
    cutoff = data.draw(st.integers(0, 15))
    check("activity_mask", last_update=last_update, block=block, activity_cutoff=cutoff)


# --------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------


@given(st.data())
def test_weight_mask_and_mask_weights(data):
    n_rows, n_cols = data.draw(ss.shapes())
    permit = data.draw(ss.masks(n_rows))
    kw = {}
    if n_rows and data.draw(st.booleans()):
        kw["owner_uid"] = data.draw(st.integers(0, n_rows - 1))
    if data.draw(st.booleans()):
        kw["last_update"] = data.draw(ss.block_vectors(n_rows))
    if data.draw(st.booleans()):
        kw["block_at_registration"] = data.draw(ss.block_vectors(n_cols))
    if data.draw(st.booleans()):
        kw["commit_block"] = data.draw(ss.block_vectors(n_rows))
    mask = check("weight_mask", shape=(n_rows, n_cols), validator_permit=permit, **kw)
    weights = data.draw(weight_matrices(n_rows, n_cols))
    check("mask_weights", weights=weights, mask=mask)


# --------------------------------------------------------------------------------------
# Consensus: exact equality
# --------------------------------------------------------------------------------------


@given(ss.median_inputs())
def test_weighted_median_col_exact(kw):
    ref = check("weighted_median_col", **kw)
    np.testing.assert_array_equal(steps.consensus(**kw), ref)
    np.testing.assert_array_equal(reference.consensus(**kw), ref)


@given(st.data())
def test_weighted_median_vector_exact(data):
    n = data.draw(st.integers(0, 8))
    stake = data.draw(stakes(n))
    score = data.draw(ss.vectors(n, signed=True))
    kappa = data.draw(ss.KAPPAS)
    ref = reference.weighted_median(stake, score, kappa)
    got = steps.weighted_median(stake, score, kappa)
    assert isinstance(got, float) and isinstance(ref, float)
    assert got == ref


# --------------------------------------------------------------------------------------
# Clipping, trust, rank, incentive
# --------------------------------------------------------------------------------------


@given(st.data())
def test_clip_trust_rank_incentive(data):
    kw = data.draw(ss.median_inputs(max_rows=9, max_cols=10))
    w = kw["weights"]
    n_rows, n_cols = w.shape
    consensus = data.draw(st.sampled_from(["median", "any"]))
    if consensus == "median":
        c = reference.weighted_median_col(**kw)
    else:
        c = data.draw(ss.vectors(n_cols, unit=True))
    clipped = check("col_clip", weights=w, consensus=c)
    s = reference.normalize(data.draw(stakes(n_rows)))
    check("validator_trust", clipped_weights=clipped)
    r = check("rank", active_stake=s, clipped_weights=clipped)
    check("incentive", rank=r)
    check("trust", active_stake=s, weights=w, clipped_weights=clipped)


# --------------------------------------------------------------------------------------
# Bonds
# --------------------------------------------------------------------------------------


@given(st.data())
def test_weights_for_bonds_and_entries(data):
    n_rows, n_cols = data.draw(ss.shapes(max_rows=7, max_cols=8))
    w = reference.row_normalize(data.draw(weight_matrices(n_rows, n_cols)))
    c = data.draw(ss.vectors(n_cols, unit=True))
    clipped = reference.col_clip(w, c)
    beta = data.draw(ss.UNIT)
    wb = check("weights_for_bonds", weights=w, clipped_weights=clipped, bonds_penalty=beta)
    # Listed entries include every positive weight (and maybe explicit zeros).
    listed = data.draw(ss.mask_matrices(n_rows, n_cols)) | (w > 0)
    check(
        "bond_entries",
        listed=listed,
        weights=w,
        consensus=c,
        weights_for_bonds=wb,
        bonds_penalty=beta,
    )


@given(st.data())
def test_bonds_reset_mask(data):
    n = data.draw(st.integers(0, 8))
    bar = data.draw(ss.block_vectors(n))
    check("bonds_reset_mask", block_at_registration=bar, last_tempo=data.draw(st.integers(0, 13)))


@given(st.data())
def test_alpha_sigmoid(data):
    n_rows, n_cols = data.draw(ss.shapes(max_rows=7, max_cols=8))
    low, high = data.draw(ss.alpha_bounds())
    check(
        "alpha_sigmoid",
        consensus=data.draw(ss.vectors(n_cols, unit=True)),
        weights_for_bonds=data.draw(ss.matrices(n_rows, n_cols, unit=True)),
        bonds=data.draw(ss.matrices(n_rows, n_cols, unit=True)),
        alpha_low=low,
        alpha_high=high,
        steepness=data.draw(ss.steepness),
    )


@given(st.data())
def test_liquid_alpha_v1(data):
    n = data.draw(st.integers(0, 10))
    low, high = data.draw(ss.alpha_bounds())
    check("liquid_alpha_v1", consensus=data.draw(ss.vectors(n, unit=True)), alpha_low=low,
          alpha_high=high)


def test_liquid_alpha_v1_steep_logistic_close_quantiles():
    # Quartiles c_lo = 0.5 and c_hi = 0.5 + 2**-53 (positions 1 and 3 of 5): the slope
    # a = 2 ln 9 / 2**-53 saturates at 2**31, b = ln 9 + 2**30. At C = 0, b - a C is about
    # 1e9, beyond the range of exp: 1 / (1 + inf) = 0, clamped to 0.1 (and no overflow
    # warning: warnings are errors under this project's pytest config). At C = 0.5 and
    # 0.5 + 2**-53 the exponent is ln 9 (up to 2**-22): rates 1/10, clamped at or near 0.1.
    u = np.nextafter(0.5, 1.0)
    c = np.array([0.0, 0.5, 0.5, u, u])
    ref = check("liquid_alpha_v1", consensus=c, alpha_low=0.1, alpha_high=0.9)
    assert ref[0] == 0.1
    np.testing.assert_allclose(ref, 0.1, atol=1e-6)


@given(st.data())
def test_load_store_bonds_yuma2(data):
    n_rows, n_cols = data.draw(ss.shapes())
    b = data.draw(ss.matrices(n_rows, n_cols, unit=True))
    check("load_bonds_yuma2", stored_bonds=b)
    check("store_bonds_yuma2", ema_bonds=b)


@given(st.data())
def test_bonds_ema_yuma2(data):
    n_rows, n_cols = data.draw(ss.shapes(max_rows=7, max_cols=8))
    b = reference.col_normalize(data.draw(ss.matrices(n_rows, n_cols, unit=True)))
    wb = data.draw(ss.matrices(n_rows, n_cols, unit=True))
    s = reference.normalize(data.draw(stakes(n_rows)))
    if data.draw(st.booleans()):
        alpha = data.draw(ss.UNIT)
    else:
        alpha = data.draw(ss.vectors(n_cols, unit=True))
    check("bonds_ema_yuma2", bonds=b, weights_for_bonds=wb, active_stake=s, alpha=alpha)


@given(st.data())
def test_mat_ema_and_mat_ema_alpha(data):
    n_rows, n_cols = data.draw(ss.shapes(max_rows=7, max_cols=8))
    b = data.draw(ss.matrices(n_rows, n_cols, unit=True))
    wb = data.draw(ss.matrices(n_rows, n_cols, unit=True))
    check("mat_ema", bonds=b, weights_for_bonds=wb, alpha=data.draw(ss.UNIT))
    alpha = data.draw(ss.matrices(n_rows, n_cols, unit=True))
    entries = data.draw(st.none() | ss.mask_matrices(n_rows, n_cols))
    check("mat_ema_alpha", bonds=b, weights_for_bonds=wb, alpha=alpha, entries=entries)


@given(st.data())
def test_dividends(data):
    n_rows, n_cols = data.draw(ss.shapes(max_rows=9, max_cols=10))
    b = data.draw(ss.matrices(n_rows, n_cols, unit=True))
    inc = reference.normalize(data.draw(ss.vectors(n_cols, unit=True)))
    s = reference.normalize(data.draw(stakes(n_rows)))
    check("dividends_yuma2", ema_bonds=b, incentive=inc)
    check("dividends_yuma3", ema_bonds=b, incentive=inc, active_stake=s)


@given(st.data())
def test_emission_split(data):
    n_rows, n_cols = data.draw(ss.shapes(max_rows=8, max_cols=9))
    square = n_rows == n_cols
    check(
        "emission_split",
        incentive=reference.normalize(data.draw(ss.vectors(n_cols, unit=True))),
        dividends=reference.normalize(data.draw(ss.vectors(n_rows, unit=True))),
        stake_weights=reference.normalize(data.draw(stakes(n_rows))),
        active_stake=reference.normalize(data.draw(stakes(n_rows))),
        square=square,
    )


# --------------------------------------------------------------------------------------
# Hand-worked cases (expected values computed on paper), for both implementations
# --------------------------------------------------------------------------------------

Q = 2**50  # a quarter of the 2**52 stake units


@IMPLS
def test_hand_zero_sum_rules(impl):
    assert impl.normalize([1.0, 3.0]).tolist() == [0.25, 0.75]
    assert impl.normalize([0.0, 0.0]).tolist() == [0.0, 0.0]
    assert impl.normalize([2.0, -2.0]).tolist() == [2.0, -2.0]  # zero sum: unchanged
    assert impl.row_normalize([[1.0, 3.0], [0.0, 0.0]]).tolist() == [[0.25, 0.75], [0.0, 0.0]]
    assert impl.col_normalize([[1.0, 0.0], [3.0, 0.0]]).tolist() == [[0.25, 0.0], [0.75, 0.0]]
    assert impl.col_max_upscale([[1.0, 0.0], [4.0, 0.0]]).tolist() == [[0.25, 0.0], [1.0, 0.0]]
    assert impl.col_max_upscale(np.zeros((0, 3))).shape == (0, 3)
    assert impl.vecdiv([0.0, 1.0, 0.0, 3.0], [0.0, 2.0, 1.0, 0.0]).tolist() == [0, 0.5, 0, 0]


@IMPLS
def test_hand_huge_values(impl):
    # 2**1023 + 2**1023 overflows float64; normalizing must not: [1/2, 1/2].
    assert impl.normalize([2.0**1023, 2.0**1023]).tolist() == [0.5, 0.5]
    assert impl.row_normalize([[2.0**1023, 2.0**1023], [1.0, 3.0]]).tolist() == [
        [0.5, 0.5], [0.25, 0.75]]
    assert impl.col_normalize([[2.0**1023, 1.0], [2.0**1023, 3.0]]).tolist() == [
        [0.5, 0.25], [0.5, 0.75]]
    # Units of two equal huge stakes: 2**51 each.
    assert impl.stake_units([2.0**1023, 2.0**1023]).tolist() == [2 * Q, 2 * Q]
    # 2**1020 = 0.5 * 2**1021: the slice is scaled by 2**-1021; below 2**1000 nothing is.
    got = impl.prescale_power_of_two(np.array([2.0**1020, 1.0]))
    assert got.tolist() == [0.5, 2.0**-1021]
    x = np.array([[2.0**1020, 2.0**1019], [1.0, 2.0]])
    assert impl.prescale_power_of_two(x, axis=1).tolist() == [[0.5, 0.25], [1.0, 2.0]]
    assert impl.prescale_power_of_two(x, axis=0).tolist() == [[0.5, 0.5], [2.0**-1021, 2.0**-1019]]
    small = np.array([1.0, 2.0**999])
    assert impl.prescale_power_of_two(small) is small


@IMPLS
def test_hand_zero_sum_huge_unchanged(impl):
    # The zero-sum rule holds at any magnitude: a vector (row, column) whose sum is zero
    # is returned unchanged, not rescaled.
    x = [2.0**1020, -(2.0**1020)]
    assert impl.normalize(x).tolist() == x
    assert impl.row_normalize([x]).tolist() == [x]
    assert impl.col_normalize([[x[0]], [x[1]]]).tolist() == [[x[0]], [x[1]]]


@IMPLS
def test_hand_topk_ties(impl):
    # Stable ascending order of [1, 2, 2, 0] is idx 3, 0, 1, 2: the first n - k = 2
    # (idx 3 and 0) are cleared.
    assert impl.is_topk([1.0, 2.0, 2.0, 0.0], 2).tolist() == [False, True, True, False]
    # Three-way tie, keep 1: the highest index wins.
    assert impl.is_topk([5.0, 5.0, 5.0], 1).tolist() == [False, False, True]
    assert impl.is_topk([5.0, 5.0], 0).tolist() == [False, False]
    assert impl.is_topk([5.0, 1.0], 7).tolist() == [True, True]
    # n < k: only the non-zero rule applies.
    assert impl.is_topk_nonzero([0.0, 0.0, 3.0], 5).tolist() == [False, False, True]
    # n >= k: order 0(idx0), 1(idx1), 1(idx2); clear idx 0; and non-zero.
    assert impl.is_topk_nonzero([0.0, 1.0, 1.0], 2).tolist() == [False, True, True]
    # Zeros tie at the cut: [0, 0, 1], k = 2 clears idx 0; idx 1 is zero anyway.
    assert impl.is_topk_nonzero([0.0, 0.0, 1.0], 2).tolist() == [False, False, True]
    # Owner gets a permit even with zero stake.
    assert impl.validator_permits([0.0, 0.5, 0.5], 1, owner_uid=0).tolist() == [
        True, False, True]


@IMPLS
def test_hand_stake_units(impl):
    # T = 4: units are s_i / 4 * 2**52.
    assert impl.stake_units([1.0, 1.0, 2.0]).tolist() == [Q, Q, 2 * Q]
    # 2**52 / 3 = 1501199875790165.33... rounds to 1501199875790165.
    assert impl.stake_units([1.0, 1.0, 1.0]).tolist() == [1501199875790165] * 3
    assert impl.stake_units([0.0, 0.0]).tolist() == [0, 0]
    assert impl.kappa_units(0.5) == 2 * Q
    assert impl.kappa_units(1.0) == 4 * Q
    assert impl.kappa_units(0.0) == 0
    # float(2/3) = 6004799503160661 / 2**53; times 2**52 is ...330.5, ceil ...331.
    assert impl.kappa_units(2 / 3) == 3002399751580331


@IMPLS
def test_hand_weighted_median(impl):
    wm = impl.weighted_median
    # Stakes 1:1:2 (units Q, Q, 2Q), scores 0.2, 0.6, 0.4. From the top:
    # 0.6 holds Q; 0.4 and above hold 3Q; 0.2 and above 4Q.
    s, x = [1.0, 1.0, 2.0], [0.2, 0.6, 0.4]
    assert wm(s, x, 0.0) == 0.6  # K = 0: the largest score
    assert wm(s, x, 0.25) == 0.6  # K = Q, held exactly by 0.6
    assert wm(s, x, 0.5) == 0.4  # K = 2Q
    assert wm(s, x, 0.75) == 0.4  # K = 3Q, met exactly (>=)
    assert wm(s, x, 0.76) == 0.2  # K > 3Q
    assert wm(s, x, 1.0) == 0.2
    # A zero-stake row does not take part: only the 0.1 of row 1 counts.
    assert wm([0.0, 1.0], [0.9, 0.1], 0.5) == 0.1
    # No participant at all: 0.
    assert wm([0.0, 0.0], [0.9, 0.1], 0.5) == 0.0
    assert wm([], [], 0.5) == 0.0
    # Tied scores pool their stake: 0.5 and above hold 2 of 4 equal stakes = kappa 0.5.
    assert wm([1.0, 1.0, 1.0, 1.0], [0.5, 0.2, 0.5, 0.2], 0.5) == 0.5
    # Three equal stakes, kappa = 2/3: two of them hold 2 * 1501199875790165 =
    # 3002399751580330 units, short of K = 3002399751580331, so the value is the one
    # all three meet.
    assert wm([1.0, 1.0, 1.0], [0.3, 0.6, 0.9], 2 / 3) == 0.3
    # ... while with kappa = 0.6 two of them suffice.
    assert wm([1.0, 1.0, 1.0], [0.3, 0.6, 0.9], 0.6) == 0.6
    # Stake 1e-17 next to 1 takes part but holds rint(2**52 * 1e-17) = rint(0.045) = 0
    # units (T = fsum = 1.0): at kappa = 1 the other row's 2**52 units meet K = 2**52
    # alone, so its 0.5 is the value (not the smallest participant score 0.1).
    assert wm([1.0, 1e-17], [0.5, 0.1], 1.0) == 0.5
    # Negative scores are ordinary values.
    assert wm([1.0, 3.0], [-1.0, -2.0], 0.5) == -2.0


@IMPLS
def test_hand_weighted_median_col(impl):
    # Stakes 0.5, 0.3, 0.2 and kappa 0.5 (docstring example). Column 0 from the top:
    # 0.5 (stake 0.3), 0.3 (0.2): 0.3 + 0.2 = 0.5 >= kappa -> 0.3. Column 1: 0.9 is held
    # by stake 0.5 alone -> 0.9.
    w = np.array([[0.1, 0.9], [0.5, 0.5], [0.3, 0.7]])
    assert impl.weighted_median_col([0.5, 0.3, 0.2], w, 0.5).tolist() == [0.3, 0.9]
    assert impl.weighted_median_col([0.0, 0.0, 0.0], w, 0.5).tolist() == [0.0, 0.0]
    assert impl.weighted_median_col(np.zeros(0), np.zeros((0, 2)), 0.5).tolist() == [0.0, 0.0]
    assert impl.weighted_median_col([1.0], np.zeros((1, 0)), 0.5).shape == (0,)


@IMPLS
def test_hand_weight_mask(impl):
    # Square 3x3, row 2 without permit, owner 1, last_update 5 everywhere and
    # registration blocks [1, 5, 2]: column 1 re-registered at 5 >= last_update -> out.
    # Row 0: (0,0) self -> out, (0,1) outdated, (0,2) kept.
    # Row 1: (1,0) kept, (1,1) owner's self-weight but outdated -> out, (1,2) kept.
    keep = impl.weight_mask(
        (3, 3),
        [True, True, False],
        owner_uid=1,
        last_update=[5, 5, 5],
        block_at_registration=[1, 5, 2],
    )
    assert keep.tolist() == [[False, False, True], [True, False, True], [False] * 3]
    # Without the block rules the owner keeps its self-weight.
    keep = impl.weight_mask((2, 2), [True, True], owner_uid=1)
    assert keep.tolist() == [[False, True], [True, True]]
    # Rectangular: no self-weight rule; commit block 3 < registration 4 drops column 1.
    keep = impl.weight_mask(
        (1, 2), [True], block_at_registration=[0, 4], commit_block=[3]
    )
    assert keep.tolist() == [[True, False]]
    # activity: 3 + 2 >= 5 active, 2 + 2 < 5 inactive.
    assert impl.activity_mask([3, 2], 5, 2).tolist() == [True, False]
    assert impl.bonds_reset_mask([3, 4, 5], 4).tolist() == [False, True, True]


@IMPLS
def test_hand_alpha_sigmoid(impl):
    c = np.array([0.5])
    # Buying: W_b = 0.5 >= B = 0, d = clamp(0.5 - 0.5) = 0. Slope 0: sigma = 1/2,
    # alpha = 0.7 + 0.5 * 0.2 = 0.8.
    a = impl.alpha_sigmoid(c, [[0.5]], [[0.0]], 0.7, 0.9, 0.0)
    assert a[0, 0] == pytest.approx(0.8, abs=1e-15)
    # Slope 100: exponent -100 * (0 - 0.5) = 50, clamped to 20;
    # sigma = 1 / (1 + e**20) = 2.0611536181902037e-09.
    a = impl.alpha_sigmoid(c, [[0.5]], [[0.0]], 0.7, 0.9, 100.0)
    assert a[0, 0] == pytest.approx(0.7 + 0.2 * 2.0611536181902037e-09, rel=1e-15)
    # Selling: W_b = 0.2 < B = 0.9, d = 0.7; slope 10: exponent -10 * 0.2 = -2;
    # sigma = 1 / (1 + e**-2) = 0.8807970779778823; alpha = 0.7 + 0.2 sigma.
    a = impl.alpha_sigmoid(c, [[0.2]], [[0.9]], 0.7, 0.9, 10.0)
    assert a[0, 0] == pytest.approx(0.8761594155955765, rel=1e-14)


@IMPLS
def test_hand_liquid_alpha_v1(impl):
    # C = [0, 0.5, 1]: quartiles 0.25 and 0.75. With (low, high) = (0.1, 0.9):
    # ln(1/0.9 - 1) = -ln 9, ln(1/0.1 - 1) = ln 9, a = -2 ln 9 / -0.5 = 4 ln 9,
    # b = ln 9 + 4 ln 9 * 0.25 = 2 ln 9. alpha(C) = 1 / (1 + 81**(1 - 2C)):
    # 1/82 -> clamped 0.1; 1/2; 81/82 -> clamped 0.9.
    got = impl.liquid_alpha_v1([0.0, 0.5, 1.0], 0.1, 0.9)
    np.testing.assert_allclose(got, [0.1, 0.5, 0.9], rtol=1e-14)
    # C = [0, 0.375, 0.5, 1]: quartiles at positions 0.75 and 2.25 of the sorted values,
    # c_lo = 0.75 * 0.375 = 0.28125 and c_hi = 0.5 + 0.25 * 0.5 = 0.625.
    # a = 2 ln 9 / 0.34375, b = ln 9 + a * 0.28125; at C = 0.375 the exponent is
    # ln 9 (1 - 2 * 0.09375 / 0.34375) = ln 9 * 5/11.
    got = impl.liquid_alpha_v1([0.0, 0.375, 0.5, 1.0], 0.1, 0.9)
    expected = 1.0 / (1.0 + math.exp(math.log(9.0) * 5.0 / 11.0))
    assert got[1] == pytest.approx(expected, rel=1e-12)
    # All equal: c_high <= c_low, so a = b = 0 and every rate is clamp(1/2) = 0.7.
    assert impl.liquid_alpha_v1([0.3, 0.3], 0.7, 0.9).tolist() == [0.7, 0.7]
    # A bound at 0: the same fallback.
    assert impl.liquid_alpha_v1([0.0, 1.0], 0.0, 1.0).tolist() == [0.5, 0.5]
    # A bound at 1: ln(1/1 - 1) = ln 0 counts as 0 (safe_ln). C = [0, 0.5, 1], (0.1, 1):
    # a = (0 - ln 9) / (0.25 - 0.75) = 2 ln 9, b = ln 9 + 2 ln 9 / 4 = 1.5 ln 9;
    # alpha(C) = 1 / (1 + 9**(1.5 - 2C)): 1/28 -> clamped 0.1; 1/4; 3/4.
    got = impl.liquid_alpha_v1([0.0, 0.5, 1.0], 0.1, 1.0)
    np.testing.assert_allclose(got, [0.1, 0.25, 0.75], rtol=1e-14)
    # Both bounds 1: a = b = 0 from the logarithms, 1/2 clamped to 1.
    assert impl.liquid_alpha_v1([0.0, 1.0], 1.0, 1.0).tolist() == [1.0, 1.0]
    assert impl.liquid_alpha_v1(np.zeros(0), 0.1, 0.9).shape == (0,)


@IMPLS
def test_hand_bonds(impl):
    b = np.array([[0.5, 0.9]])
    wb = np.array([[1.0, 0.0]])
    rates = np.array([[0.2, 0.5]])
    # (1 - 0.2) 0.5 + 0.2 * 1 = 0.6; (1 - 0.5) 0.9 + 0 = 0.45 (dropped if not an entry).
    np.testing.assert_allclose(impl.mat_ema_alpha(b, wb, rates), [[0.6, 0.45]], rtol=1e-15)
    got = impl.mat_ema_alpha(b, wb, rates, [[True, False]])
    np.testing.assert_allclose(got, [[0.6, 0.0]], rtol=1e-15)
    # Clamp to 1: (1 - 0.5) 1 + 0.5 * 1.2 = 1.1 -> 1.
    assert impl.mat_ema_alpha([[1.0]], [[1.2]], [[0.5]]).tolist() == [[1.0]]
    np.testing.assert_allclose(impl.mat_ema(b, wb, 0.25), [[0.625, 0.675]], rtol=1e-15)
    # Yuma 2: W_b * S = [[0.75, 0], [0.25, 0.25]], column-normalized [[0.75, 0], [0.25, 1]].
    # With B = [[0.5, 0], [0.5, 1]] and alpha 0.1: [[0.525, 0], [0.475, 1]] (columns
    # already sum to 1).
    got = impl.bonds_ema_yuma2(
        [[0.5, 0.0], [0.5, 1.0]], [[1.0, 0.0], [1.0, 1.0]], [0.75, 0.25], 0.1
    )
    np.testing.assert_allclose(got, [[0.525, 0.0], [0.475, 1.0]], rtol=1e-14)
    # Per-column alpha (0.1, 1): column 1 becomes delta itself.
    got = impl.bonds_ema_yuma2(
        [[0.5, 0.0], [0.5, 1.0]], [[1.0, 0.0], [1.0, 1.0]], [0.75, 0.25], [0.1, 1.0]
    )
    np.testing.assert_allclose(got, [[0.525, 0.0], [0.475, 1.0]], rtol=1e-14)
    # Bond weights: beta 0.5 halfway; 0 and 1 exactly the ends.
    np.testing.assert_allclose(impl.weights_for_bonds([[0.8]], [[0.4]], 0.5), [[0.6]])
    assert impl.weights_for_bonds([[0.8]], [[0.4]], 1.0).tolist() == [[0.4]]
    assert impl.weights_for_bonds([[0.8]], [[0.4]], 0.0).tolist() == [[0.8]]
    # Entries: beta 1 drops (0, 1) (clipped to consensus 0); beta 0 keeps every listed
    # entry; 0.5 keeps only positive W_b (the listed explicit zero (0, 2) goes).
    listed = np.array([[True, True, True]])
    w = np.array([[0.5, 0.5, 0.0]])
    c = np.array([0.5, 0.0, 0.0])
    wb_half = np.array([[0.5, 0.25, 0.0]])
    assert impl.bond_entries(listed, w, c, w, 0.0).tolist() == [[True, True, True]]
    assert impl.bond_entries(listed, w, c, [[0.5, 0.0, 0.0]], 1.0).tolist() == [
        [True, False, True]]
    assert impl.bond_entries(listed, w, c, wb_half, 0.5).tolist() == [[True, True, False]]


@IMPLS
def test_hand_dividends_and_emission(impl):
    # B I = [0.5 * 0.25 + 1 * 0.75, 0.5 * 0.25] = [0.875, 0.125], sum 1.
    got = impl.dividends_yuma2([[0.5, 1.0], [0.5, 0.0]], [0.25, 0.75])
    np.testing.assert_allclose(got, [0.875, 0.125], rtol=1e-15)
    # colnorm B = [[0.5, 0.75], [0.5, 0.25]], times I = [0.625, 0.375], times S =
    # [0.15625, 0.28125], normalized: [5/14, 9/14].
    got = impl.dividends_yuma3([[0.2, 0.3], [0.2, 0.1]], [0.5, 0.5], [0.25, 0.75])
    np.testing.assert_allclose(got, [5 / 14, 9 / 14], rtol=1e-15)
    # E = I + D = [1.5, 0.5], sum 2.
    srv, val, emi = impl.emission_split([0.5, 0.5], [1.0, 0.0], [0.5, 0.5], [0.5, 0.5])
    assert (srv.tolist(), val.tolist(), emi.tolist()) == ([0.25, 0.25], [0.5, 0.0], [0.75, 0.25])
    # Nothing to pay: validators by active stake, else by stake; servers get nothing.
    srv, val, emi = impl.emission_split([0.0, 0.0], [0.0, 0.0], [0.6, 0.4], [0.0, 1.0])
    assert (srv.tolist(), val.tolist(), emi.tolist()) == ([0.0, 0.0], [0.0, 1.0], [0.0, 1.0])
    srv, val, emi = impl.emission_split(
        [0.0, 0.0, 0.0], [0.0, 0.0], [0.6, 0.4], [0.0, 0.0], square=False
    )
    assert (srv.tolist(), val.tolist()) == ([0.0, 0.0, 0.0], [0.6, 0.4])
    assert emi.tolist() == [0.6, 0.4, 0.0, 0.0, 0.0]
    # Rectangular, validators first: D = [1, 0], I = [0.5, 0.5]; total 2.
    srv, val, emi = impl.emission_split([0.5, 0.5], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0],
                                        square=False)
    assert emi.tolist() == [0.5, 0.0, 0.25, 0.25]


@IMPLS
def test_hand_trust_and_rank(impl):
    s = np.array([0.75, 0.25])
    w = np.array([[0.5, 0.5, 0.0], [0.8, 0.2, 0.0]])
    clipped = np.array([[0.5, 0.5, 0.0], [0.5, 0.2, 0.0]])
    # R = [0.375 + 0.125, 0.375 + 0.05, 0]; P = [0.375 + 0.2, 0.425, 0].
    np.testing.assert_allclose(impl.rank(s, clipped), [0.5, 0.425, 0.0], rtol=1e-15)
    np.testing.assert_allclose(impl.trust(s, w, clipped), [0.5 / 0.575, 1.0, 0.0], rtol=1e-15)
    np.testing.assert_allclose(impl.validator_trust(clipped), [1.0, 0.7], rtol=1e-15)
    np.testing.assert_allclose(impl.incentive([0.5, 0.425, 0.0]), [20 / 37, 17 / 37, 0.0])


def test_tolerances_are_tight():
    # The comparison rule must not be so loose that a one-in-a-million error passes.
    assert RTOL <= 1e-12 and ATOL <= 1e-12
    with pytest.raises(AssertionError):
        assert_matches("rank", np.array([1.0 + 1e-9]), np.array([1.0]))
    with pytest.raises(AssertionError):
        assert_matches("weighted_median_col", np.array([np.nextafter(0.5, 1)]), np.array([0.5]))

"""Property tests of the epoch and its steps: definitions, conservation, ranges, symmetries.

Every expected value here is computed by the test from the inputs (never taken from the
output of the code under test). Inputs come from :mod:`yuma.testing.strategies` (ties, zero
stake, zero rows, empty masks on purpose) and :mod:`yuma.testing.invariant_strategies`.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import yuma
from yuma import ops
from yuma.core import steps, variants
from yuma.testing.invariant_strategies import (
    epoch_extras,
    extreme_epoch_inputs,
    power_of_two_exponents,
    scale_factors,
)
from yuma.testing.strategies import epoch_inputs, stakes, weight_matrices

VARIANT_NAMES = ("yuma2", "yuma2_liquid_alpha_v1", "yuma3")

ROW_VECTORS = ("stake", "active_stake", "validator_trust", "dividends", "validator_emission")
COL_VECTORS = ("consensus", "rank", "trust", "incentive", "server_emission")
MATRICES = ("weights", "clipped_weights", "weights_for_bonds", "ema_bonds", "bonds")
FLOAT_FIELDS = ROW_VECTORS + COL_VECTORS + MATRICES + ("emission",)
BOOL_FIELDS = ("active", "validator_permit")

# Fields that do not depend on the consensus (nor on anything computed after it).
PRE_CONSENSUS_FIELDS = ("stake", "active", "active_stake", "weights")

UNIT_BITS = 52  # yuma.core.steps.stake_units docstring: units of 2**-52 of the participating stake
TOL = 1e-12


# --------------------------------------------------------------------------------------
# Helpers: running the epoch and recomputing its inputs-side quantities independently
# --------------------------------------------------------------------------------------


def run(inputs: dict, variant: str, **overrides) -> yuma.EpochResult:
    kwargs = {**inputs, **overrides}
    kwargs["params"] = dataclasses.replace(kwargs["params"], variant=variant)
    return yuma.epoch(**kwargs)


def _mask(x, n: int) -> np.ndarray:
    return np.ones(n, dtype=bool) if x is None else np.asarray(x, dtype=bool)


def my_normalize(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    total = x.sum()
    return x / total if total != 0.0 else x


def my_active_stake(inputs: dict) -> np.ndarray:
    """S_act = N(N(stake) * active * permit), as documented (no threshold, no owner)."""
    n = len(inputs["stake"])
    keep = _mask(inputs.get("active"), n) & _mask(inputs.get("validator_permit"), n)
    return my_normalize(np.where(keep, my_normalize(inputs["stake"]), 0.0))


def my_weights(inputs: dict) -> np.ndarray:
    """Masked (no permit -> empty row; square: no self-weight), row-normalized weights."""
    w = np.array(inputs["weights"], dtype=np.float64)
    n_rows, n_cols = w.shape
    keep = np.repeat(_mask(inputs.get("validator_permit"), n_rows)[:, None], n_cols, axis=1)
    if n_rows == n_cols:
        keep[np.arange(n_rows), np.arange(n_rows)] = False
    w = np.where(keep, w, 0.0)
    sums = w.sum(axis=1)
    nz = sums != 0.0
    w[nz] /= sums[nz, None]
    return w


def exact_shares(inputs: dict) -> list[Fraction]:
    """Exact active-stake shares from the raw inputs (the quantity S_act approximates)."""
    n = len(inputs["stake"])
    keep = _mask(inputs.get("active"), n) & _mask(inputs.get("validator_permit"), n)
    raw = [
        Fraction(float(s)) if k else Fraction(0) for s, k in zip(inputs["stake"], keep, strict=True)
    ]
    total = sum(raw)
    return [x / total for x in raw] if total else raw


def near_kappa_tie(inputs: dict, rel: float = 1e-9) -> bool:
    """Whether some column's consensus sits on the kappa boundary (exact arithmetic).

    For each column, the holders of at least ``v`` (v a participant's weight, excluding the
    smallest, whose holders are everyone) hold an exact stake share; if one is within
    ``rel`` of kappa, a one-unit change of the quantized stake (from a different rounding
    of the float normalizations) can move the consensus from one weight value to the next.
    """
    shares = exact_shares(inputs)
    part = [i for i, a in enumerate(shares) if a > 0]
    if not part:
        return False
    kappa = Fraction(inputs["params"].kappa)
    w = my_weights(inputs)
    for j in range(w.shape[1]):
        col = w[part, j]
        for v in np.unique(col)[1:]:
            held = sum(shares[i] for i, x in zip(part, col, strict=True) if x >= v)
            if abs(held - kappa) <= rel:
                return True
    return False


def permit_cut_tie(stake: np.ndarray, k: int, rel: float = 1e-9) -> bool:
    """Whether the top-k permit cut falls between two (nearly) equal non-zero stakes.

    The chain breaks such ties by UID order, so permuting UIDs legitimately changes which
    of the tied validators gets the permit.
    """
    n = len(stake)
    if k == 0 or n <= k:
        return False
    v = np.sort(np.asarray(stake, dtype=np.float64))
    lo, hi = v[n - k - 1], v[n - k]
    return hi != 0.0 and hi - lo <= rel * hi


def stake_units_by_definition(stake: list[float]) -> list[int]:
    """q_i = rint(2**52 * fl(s_i / T)), T = fsum(s): one IEEE division, then an exact
    scaling and round half to even (like rint)."""
    total = math.fsum(stake)
    if total <= 0.0:
        return [0] * len(stake)
    return [round(Fraction(s / total) * 2**UNIT_BITS) for s in stake]


def kappa_units_by_definition(kappa: float) -> int:
    return math.ceil(Fraction(kappa) * 2**UNIT_BITS)


def kappa_value(stake, column, kappa: float) -> float:
    """Largest value that participants holding >= kappa of the stake meet or exceed.

    Participants are the entries with positive stake. If no value qualifies, the smallest
    value; with no participant, 0 (yuma.weighted_median docstring).
    """
    part = [i for i, s in enumerate(stake) if s > 0.0]
    if not part:
        return 0.0
    q = stake_units_by_definition([float(stake[i]) for i in part])
    need = kappa_units_by_definition(kappa)
    vals = [float(column[i]) for i in part]
    qualifying = [
        v for v in set(vals) if sum(u for u, x in zip(q, vals, strict=True) if x >= v) >= need
    ]
    return max(qualifying) if qualifying else min(vals)


def kappa_values(stake, weights, kappa: float) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return np.array([kappa_value(stake, w[:, j], kappa) for j in range(w.shape[1])])


def permute_inputs(inputs: dict, p: np.ndarray) -> dict:
    out = dict(inputs)
    out["weights"] = inputs["weights"][np.ix_(p, p)]
    out["stake"] = inputs["stake"][p]
    for key in ("bonds", "listed"):
        if inputs.get(key) is not None:
            out[key] = inputs[key][np.ix_(p, p)]
    for key in ("active", "validator_permit"):
        if inputs.get(key) is not None:
            out[key] = inputs[key][p]
    return out


def assert_fields_close(a: yuma.EpochResult, b: yuma.EpochResult, fields, what: str) -> None:
    for name in fields:
        x, y = getattr(a, name), getattr(b, name)
        if x.dtype == np.bool_:
            np.testing.assert_array_equal(x, y, err_msg=f"{what}: {name}")
        else:
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=TOL, err_msg=f"{what}: {name}")


def all_fields():
    return FLOAT_FIELDS + BOOL_FIELDS


# --------------------------------------------------------------------------------------
# Consensus: the documented kappa-value, with exact stake units
# --------------------------------------------------------------------------------------


@st.composite
def consensus_cases(draw, *, boundary: bool):
    """Stake, weights and a list of kappas; with ``boundary``, kappas on the stake units.

    A boundary kappa is the stake units (by the definition) held by the participants that
    meet some value of some column, divided by 2**52 (exact), or one unit more: the cases
    where the quantization of the stake decides the result.
    """
    if boundary:
        n_rows = draw(st.integers(1, 8))
        n_cols = draw(st.integers(1, 6))
        ints = st.lists(st.integers(0, 10), min_size=n_rows, max_size=n_rows)
        stake = np.array(draw(ints), dtype=np.float64)
    else:
        n_rows = draw(st.integers(0, 8))
        n_cols = draw(st.integers(0, 6))
        stake = draw(stakes(n_rows))
    w = draw(weight_matrices(n_rows, n_cols))
    if not boundary:
        kappa = draw(
            st.one_of(st.sampled_from([0.0, 0.5, 32767 / 65535, 1.0]), st.floats(0.0, 1.0))
        )
        return stake, w, [kappa]
    part = [i for i in range(n_rows) if stake[i] > 0]
    q = stake_units_by_definition([float(stake[i]) for i in part])
    kappas = set()
    for j in range(n_cols):
        for v in {float(w[i, j]) for i in part}:
            held = sum(u for u, i in zip(q, part, strict=True) if w[i, j] >= v)
            for off in (0, 1):
                # exact: an integer < 2**53 times a power of two
                kappas.add(min(held + off, 2**UNIT_BITS) / 2**UNIT_BITS)
    kappas = sorted(kappas)
    if len(kappas) > 6:
        kappas = draw(st.lists(st.sampled_from(kappas), min_size=6, max_size=6, unique=True))
    return stake, w, kappas


def test_stake_units_follow_their_definition():
    """The units of yuma.steps.stake_units are rint(2**52 fl(s_i / fsum(s))) (its docstring)."""
    for stake in ([1.0, 2.0], [1.0, 1.0, 1.0], [3.0, 5.0, 7.0], [0.1, 0.2, 0.7]):
        np.testing.assert_array_equal(
            steps.stake_units(np.array(stake)), stake_units_by_definition(stake), err_msg=stake
        )


def _check_kappa_values(stake, w, kappas, j):
    for kappa in kappas:
        expected = kappa_values(stake, w, kappa)
        got = yuma.weighted_median_col(stake, w, kappa)
        np.testing.assert_array_equal(got, expected, err_msg=f"kappa={kappa!r}")
        if w.shape[1]:
            col = j % w.shape[1]
            assert yuma.weighted_median(stake, w[:, col], kappa) == expected[col], col


@given(case=consensus_cases(boundary=False), j=st.integers(0, 5))
def test_weighted_median_col_is_the_kappa_value(case, j):
    _check_kappa_values(*case, j)


@given(case=consensus_cases(boundary=True), j=st.integers(0, 5))
def test_weighted_median_col_at_the_kappa_boundary(case, j):
    _check_kappa_values(*case, j)


def test_weighted_median_at_the_kappa_boundary_hand_case():
    """Stake 1:2. fl(2/3) = 6004799503160661 / 2**53, so by the stake_units definition
    validator 1 holds q_1 = rint(3002399751580330.5) = 3002399751580330 units (half to
    even). With kappa = q_1 / 2**52 (K = q_1) validator 1 alone meets K, so its 1.0 is the
    consensus; one unit more and validator 0 (weight 0.0) is needed too.
    """
    assert Fraction(2.0 / 3.0) == Fraction(6004799503160661, 2**53)
    w = np.array([[0.0], [1.0]])
    kappa = 3002399751580330 / 2**52
    assert kappa_units_by_definition(kappa) == 3002399751580330
    assert yuma.weighted_median_col([1.0, 2.0], w, kappa).tolist() == [1.0]
    above = 3002399751580331 / 2**52
    assert yuma.weighted_median_col([1.0, 2.0], w, above).tolist() == [0.0]


def test_weighted_median_hand_cases():
    # Stake 1:1:2, kappa 1/2: validators 2 alone hold exactly half.
    w = np.array([[0.1], [0.2], [0.3]])
    assert yuma.weighted_median_col([1.0, 1.0, 2.0], w, 0.5).tolist() == [0.3]
    # Just above one half: validator 2 is not enough; with validator 1: 0.2.
    assert yuma.weighted_median_col([1.0, 1.0, 2.0], w, 0.5 + 2**-52).tolist() == [0.2]
    # Everyone is needed.
    assert yuma.weighted_median_col([1.0, 1.0, 2.0], w, 1.0).tolist() == [0.1]
    # kappa 0: the largest value.
    assert yuma.weighted_median_col([1.0, 1.0, 2.0], w, 0.0).tolist() == [0.3]
    # Zero stake takes no part (its 0.9 is ignored), no participant gives 0.
    w2 = np.array([[0.9], [0.2]])
    assert yuma.weighted_median_col([0.0, 5.0], w2, 0.5).tolist() == [0.2]
    assert yuma.weighted_median_col([0.0, 0.0], w2, 0.5).tolist() == [0.0]


@pytest.mark.parametrize("square", [True, False])
@given(data=st.data())
def test_epoch_consensus_is_the_kappa_value(square, data):
    # The epoch's row sums may run in another order than NumPy's, so its W can differ
    # from ours in the last bit: W within rounding, then consensus exactly on its own W.
    inputs = data.draw(epoch_inputs(square=square))
    stake, kappa = my_active_stake(inputs), inputs["params"].kappa
    for variant in VARIANT_NAMES:
        r = run(inputs, variant)
        np.testing.assert_allclose(r.weights, my_weights(inputs), rtol=1e-14, atol=0)
        np.testing.assert_array_equal(r.consensus, kappa_values(stake, r.weights, kappa))


# --------------------------------------------------------------------------------------
# Sums, conservation, ranges, finiteness
# --------------------------------------------------------------------------------------


def _sums_to_one_or_zero(x: np.ndarray, name: str) -> None:
    assert np.all(x == 0.0) or abs(math.fsum(x) - 1.0) <= TOL, f"{name}: sum {math.fsum(x)!r}"


@pytest.mark.parametrize("square", [True, False])
@given(data=st.data())
def test_sums_conservation_ranges_finiteness(square, data):
    inputs = data.draw(epoch_inputs(square=square))
    has_stake = float(np.sum(inputs["stake"])) > 0.0
    for variant in VARIANT_NAMES:
        r = run(inputs, variant)
        for name in FLOAT_FIELDS:
            x = getattr(r, name)
            assert x.dtype == np.float64, name
            assert np.all(np.isfinite(x)), f"{variant}: {name} not finite"
        _sums_to_one_or_zero(r.incentive, f"{variant} incentive")
        _sums_to_one_or_zero(r.dividends, f"{variant} dividends")
        _sums_to_one_or_zero(r.stake, f"{variant} stake")
        _sums_to_one_or_zero(r.active_stake, f"{variant} active_stake")
        total = math.fsum(r.emission)
        if has_stake:
            assert abs(total - 1.0) <= TOL, f"{variant}: emission sums to {total!r}"
        else:
            assert np.all(r.emission == 0.0), variant
        parts = math.fsum(r.server_emission) + math.fsum(r.validator_emission)
        assert abs(parts - total) <= TOL, f"{variant}: server + validator {parts!r} != {total!r}"
        for name in (
            "consensus",
            "incentive",
            "dividends",
            "trust",
            "server_emission",
            "validator_emission",
            "emission",
            "active_stake",
            "stake",
            "weights",
            "clipped_weights",
            "weights_for_bonds",
            "ema_bonds",
            "bonds",
        ):
            x = getattr(r, name)
            assert np.all((x >= 0.0) & (x <= 1.0)), f"{variant}: {name} outside [0, 1]: {x}"
        # Row sums of row-normalized weights may exceed 1 by rounding only.
        vt = r.validator_trust
        assert np.all((vt >= 0.0) & (vt <= 1.0 + TOL)), f"{variant}: validator_trust {vt}"


@given(inputs=epoch_inputs(variants=("yuma3",)))
def test_yuma3_bonds_stay_proportions_over_epochs(inputs):
    """Feeding Yuma 3's bonds back for a few epochs keeps them in [0, 1] (liquid alpha on/off)."""
    for liquid in (False, True):
        params = dataclasses.replace(inputs["params"], liquid_alpha=liquid)
        bonds = inputs["bonds"]
        permit = inputs["validator_permit"]
        for _ in range(3):
            r = yuma.epoch(
                inputs["weights"],
                inputs["stake"],
                bonds,
                params=params,
                active=inputs["active"],
                validator_permit=permit,
            )
            for name in ("ema_bonds", "bonds"):
                x = getattr(r, name)
                assert np.all((x >= 0.0) & (x <= 1.0)), f"{name} outside [0, 1]: {x}"
            bonds, permit = r.bonds, r.validator_permit


@given(inputs=extreme_epoch_inputs())
def test_extreme_magnitudes_stay_finite(inputs):
    """Valid inputs anywhere in float64's range (subnormal to near max): no NaN or inf."""
    for variant in VARIANT_NAMES:
        for liquid in (False, True):
            params = dataclasses.replace(inputs["params"], liquid_alpha=liquid)
            with np.errstate(all="ignore"):
                r = run({**inputs, "params": params}, variant)
            for name in FLOAT_FIELDS:
                x = getattr(r, name)
                assert np.all(np.isfinite(x)), f"{variant}, liquid_alpha={liquid}: {name} {x}"


@settings(report_multiple_bugs=False)
@given(inputs=extreme_epoch_inputs(any_float=False))
def test_extreme_magnitudes_conserve(inputs):
    """Huge stakes or weights still count: stake and emission sum to 1, weight rows too."""
    stake = inputs["stake"]
    w = np.array(inputs["weights"])
    if w.shape[0] == w.shape[1]:
        np.fill_diagonal(w, 0.0)
    for variant in VARIANT_NAMES:
        with np.errstate(all="ignore"):
            r = run(inputs, variant)
        if np.any(stake > 0.0):
            assert abs(math.fsum(r.stake) - 1.0) <= TOL, f"{variant}: stake {r.stake}"
            assert abs(math.fsum(r.emission) - 1.0) <= TOL, f"{variant}: emission {r.emission}"
        # A (permitted) validator's row with a positive weight off the diagonal is kept.
        for i in np.flatnonzero(w.max(axis=1, initial=0.0) > 0.0):
            assert abs(math.fsum(r.weights[i]) - 1.0) <= TOL, f"{variant}: row {i} {r.weights[i]}"


_unit_floats = st.one_of(
    st.just(0.0), st.sampled_from([5e-324, 1e-310, 1e-300, 0.5, 1.0]), st.floats(0.0, 1.0)
)


@given(
    c=st.lists(_unit_floats, max_size=8),
    bounds=st.lists(_unit_floats, min_size=2, max_size=2).map(sorted),
    steepness=st.sampled_from([10.0, 0.0, -5.0, 1e6]),
)
def test_liquid_alpha_rates_are_finite_and_clamped(c, bounds, steepness):
    """Both liquid-alpha rules give finite rates in [alpha_low, alpha_high] for any C."""
    lo, hi = bounds
    c = np.array(c, dtype=np.float64)
    with np.errstate(all="ignore"):
        v1 = yuma.liquid_alpha_v1(c, lo, hi)
        wb = np.tile(c, (2, 1))
        sig = yuma.alpha_sigmoid(c, wb, wb[::-1] * 0.5, lo, hi, steepness)
    for name, a in (("liquid_alpha_v1", v1), ("alpha_sigmoid", sig)):
        assert np.all(np.isfinite(a)), f"{name}: {a}"
        assert np.all((a >= lo) & (a <= hi)), f"{name}: {a}"


def test_liquid_alpha_v1_finite_for_subnormal_consensus_gap():
    """Quantiles 1e-310 apart: the historic logistic's slope must not become inf/NaN."""
    with np.errstate(all="ignore"):
        alpha = yuma.liquid_alpha_v1(np.array([0.0, 0.0, 0.0, 1e-310, 1.0]), 0.7, 0.9)
    assert np.all(np.isfinite(alpha)) and np.all((alpha >= 0.7) & (alpha <= 0.9)), alpha
    params = yuma.YumaParams(variant="yuma2_liquid_alpha_v1", liquid_alpha=True)
    with np.errstate(all="ignore"):
        r = yuma.epoch(np.array([[1e-310, 1.0, 0.0, 0.0, 0.0]]), np.array([1.0]), params=params)
    assert r.dividends.tolist() == [1.0], r.dividends


def test_huge_stake_is_still_stake():
    """Two validators with stake 1e308 each (finite): each holds half, emission sums to 1."""
    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    with np.errstate(all="ignore"):
        r = yuma.epoch(w, np.array([1e308, 1e308]))
    assert r.stake.tolist() == [0.5, 0.5]
    assert abs(math.fsum(r.emission) - 1.0) <= TOL, r.emission


def test_huge_weights_are_still_weights():
    """A weight row [0, 1e308, 1e308] (finite) normalizes to [0, 0.5, 0.5]."""
    w = np.array([[0.0, 1e308, 1e308], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    with np.errstate(all="ignore"):
        r = yuma.epoch(w, np.ones(3))
    assert r.weights[0].tolist() == [0.0, 0.5, 0.5]


# --------------------------------------------------------------------------------------
# Symmetries
# --------------------------------------------------------------------------------------


@given(data=st.data())
def test_uid_permutation_equivariance(data):
    """Permuting UIDs (rows and columns together, masks and bonds too) permutes the outputs.

    Restrictions, both from rules that legitimately depend on UID order or on rounding:

    * the top-k permit rule breaks ties at the cut by UID order, so ``validator_permit``
      and ``bonds`` (whose rows follow the new permits) are compared only when the cut does
      not fall between two equal stakes;
    * the stake normalizations round differently when summed in another order, which can
      move a quantized stake by one unit; where some column's consensus sits exactly on
      the kappa boundary this moves the consensus, so for such inputs only the fields
      computed before the consensus are compared.

    Everything else is compared to 1e-12 (sums run in UID order, so bits may differ).
    """
    inputs = data.draw(epoch_inputs(square=True))
    n = len(inputs["stake"])
    p = np.array(data.draw(st.permutations(range(n))), dtype=np.int64)
    permuted = permute_inputs(inputs, p)
    fields = list(all_fields())
    if near_kappa_tie(inputs):
        event("kappa boundary: only pre-consensus fields compared")
        fields = list(PRE_CONSENSUS_FIELDS) + ["validator_permit"]
    if permit_cut_tie(inputs["stake"], inputs["params"].max_allowed_validators):
        event("tie at the permit cut: permits and bonds not compared")
        fields = [f for f in fields if f not in ("validator_permit", "bonds")]
    for variant in VARIANT_NAMES:
        r = run(inputs, variant)
        rp = run(permuted, variant)
        for name in fields:
            x, y = getattr(r, name), getattr(rp, name)
            expected = x[np.ix_(p, p)] if x.ndim == 2 else x[p]
            if y.dtype == np.bool_:
                np.testing.assert_array_equal(y, expected, err_msg=f"{variant}: {name}")
            else:
                np.testing.assert_allclose(
                    y, expected, rtol=1e-9, atol=TOL, err_msg=f"{variant}: {name}"
                )


def test_uid_permutation_hand_case():
    # Three validators with distinct stakes, a cyclic relabeling.
    w = np.array([[0.0, 0.6, 0.4], [0.5, 0.0, 0.5], [0.9, 0.1, 0.0]])
    s = np.array([5.0, 3.0, 2.0])
    p = np.array([2, 0, 1])
    for variant in VARIANT_NAMES:
        r = yuma.epoch(w, s, variant=variant)
        rp = yuma.epoch(w[np.ix_(p, p)], s[p], variant=variant)
        np.testing.assert_allclose(rp.incentive, r.incentive[p], atol=TOL)
        np.testing.assert_allclose(rp.dividends, r.dividends[p], atol=TOL)
        np.testing.assert_array_equal(rp.consensus, r.consensus[p])


@pytest.mark.parametrize("square", [True, False])
@given(data=st.data())
def test_stake_scaling_by_power_of_two_is_bit_exact(square, data):
    inputs = data.draw(epoch_inputs(square=square))
    k = data.draw(power_of_two_exponents())
    scaled = {**inputs, "stake": inputs["stake"] * 2.0**k}
    for variant in VARIANT_NAMES:
        r = run(inputs, variant)
        rs = run(scaled, variant)
        for name in all_fields():
            x, y = getattr(r, name), getattr(rs, name)
            assert x.tobytes() == y.tobytes(), f"{variant}: {name} differs for 2**{k}"


@pytest.mark.parametrize("square", [True, False])
@given(data=st.data())
def test_stake_scaling_by_any_factor(square, data):
    """Scaling stake by c > 0 changes nothing, up to rounding.

    The normalized stake is the same number but rounds differently, so a quantized stake
    may move by one unit: inputs with a consensus on the kappa boundary (exact arithmetic)
    compare only the fields computed before the consensus. Permits are compared unless two
    stakes at the top-k cut are nearly equal (scaling may make adjacent floats equal).
    """
    inputs = data.draw(epoch_inputs(square=square))
    c = data.draw(scale_factors())
    scaled = {**inputs, "stake": inputs["stake"] * c}
    fields = list(all_fields())
    if near_kappa_tie(inputs):
        event("kappa boundary: only pre-consensus fields compared")
        fields = list(PRE_CONSENSUS_FIELDS) + ["validator_permit"]
    if permit_cut_tie(inputs["stake"], inputs["params"].max_allowed_validators):
        event("tie at the permit cut: permits and bonds not compared")
        fields = [f for f in fields if f not in ("validator_permit", "bonds")]
    for variant in VARIANT_NAMES:
        assert_fields_close(run(inputs, variant), run(scaled, variant), fields, variant)


@pytest.mark.parametrize("square", [True, False])
@given(data=st.data())
def test_weight_row_scaling(square, data):
    """Scaling one validator's weight row by c > 0 changes nothing, up to rounding.

    (The consensus is a weighted quantile, which moves by at most the change of the
    values, so no near-tie exclusion is needed.) The factor is kept >= 1 on rows holding
    subnormal weights so that no weight underflows to zero.
    """
    inputs = data.draw(epoch_inputs(square=square))
    n_rows = inputs["weights"].shape[0]
    if n_rows == 0:
        return
    i = data.draw(st.integers(0, n_rows - 1))
    c = data.draw(scale_factors())
    row = inputs["weights"][i]
    if np.any((row > 0.0) & (row * min(c, 1.0) < 1e-300)):
        c = max(c, 1.0 / c)
    w = inputs["weights"].copy()
    w[i] *= c
    scaled = {**inputs, "weights": w}
    for variant in VARIANT_NAMES:
        assert_fields_close(run(inputs, variant), run(scaled, variant), all_fields(), variant)


# --------------------------------------------------------------------------------------
# Inputs are never modified (nor aliased by outputs)
# --------------------------------------------------------------------------------------


def _arrays(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for x in obj:
            yield from _arrays(x)
    elif isinstance(obj, dict):
        for x in obj.values():
            yield from _arrays(x)


def _check_untouched(label, fn, args, kwargs=None):
    kwargs = kwargs or {}
    before = copy.deepcopy((args, kwargs))
    out = fn(*args, **kwargs)
    for a, b in zip(_arrays((args, kwargs)), _arrays(before), strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape, label
        assert a.tobytes() == b.tobytes(), f"{label} modified an input"
        for o in _arrays(out if isinstance(out, (tuple, list)) else [out]):
            assert not np.shares_memory(o, a), f"{label} returned a view of an input"
    return out


@given(data=st.data())
def test_epoch_leaves_inputs_untouched(data):
    inputs = data.draw(epoch_inputs())
    n_rows, n_cols = inputs["weights"].shape
    extras = data.draw(epoch_extras(n_rows, n_cols))
    kwargs = {**inputs, **extras}
    for variant in VARIANT_NAMES:
        kw = {**kwargs, "params": dataclasses.replace(inputs["params"], variant=variant)}
        weights = kw.pop("weights")
        stake = kw.pop("stake")
        r = _check_untouched(f"epoch[{variant}]", yuma.epoch, (weights, stake), kw)
        for name in all_fields():
            for a in _arrays((weights, stake, kw)):
                assert not np.shares_memory(getattr(r, name), a), f"{name} aliases an input"


@given(data=st.data())
def test_epoch_batch_leaves_inputs_untouched(data):
    # Two items: the drawn epoch and the same weights halved; the other arrays shared.
    inputs = data.draw(epoch_inputs())
    n_rows, n_cols = inputs["weights"].shape
    extras = data.draw(epoch_extras(n_rows, n_cols))
    kwargs = {**inputs, **extras}
    for variant in VARIANT_NAMES:
        kw = {**kwargs, "params": dataclasses.replace(inputs["params"], variant=variant)}
        weights = np.stack([kw.pop("weights"), inputs["weights"] * 0.5])
        stake = kw.pop("stake")
        r = _check_untouched(f"epoch_batch[{variant}]", yuma.epoch_batch, (weights, stake), kw)
        for name in all_fields():
            for a in _arrays((weights, stake, kw)):
                assert not np.shares_memory(getattr(r, name), a), f"{name} aliases an input"


def _step_calls(inputs: dict):
    """(label, function, args, kwargs) for every public step, on valid arrays."""
    w_raw = np.array(inputs["weights"], dtype=np.float64)
    n, m = w_raw.shape
    square = n == m
    s = np.array(inputs["stake"], dtype=np.float64)
    b = np.zeros((n, m)) if inputs["bonds"] is None else np.array(inputs["bonds"], dtype=float)
    act = _mask(inputs.get("active"), n)
    perm = _mask(inputs.get("validator_permit"), n)
    p = inputs["params"]
    sw = my_normalize(s)
    sa = my_active_stake(inputs)
    w = my_weights(inputs)
    c = w.max(axis=0, initial=0.0)
    clipped = np.minimum(w, c[None, :])
    wb = w + p.bonds_penalty * (clipped - w)
    listed = w_raw > 0.0
    inc = my_normalize(c)
    div = my_normalize(sa)
    alpha = np.full((n, m), 0.5)
    blocks_r = np.arange(n, dtype=np.int64)
    blocks_c = np.arange(m, dtype=np.int64)[::-1].copy()
    calls = [
        ("normalize", ops.normalize, (s,), {}),
        ("row_normalize", ops.row_normalize, (w_raw,), {}),
        ("col_normalize", ops.col_normalize, (w_raw,), {}),
        ("col_max_upscale", ops.col_max_upscale, (w_raw,), {}),
        ("vecdiv", ops.vecdiv, (s, sw), {}),
        ("is_topk", ops.is_topk, (s, 2), {}),
        ("is_topk_nonzero", ops.is_topk_nonzero, (s, 2), {}),
        ("stake_units", steps.stake_units, (sa,), {}),
        ("stake_weights", yuma.stake_weights, (s,), {"stake_threshold": 1.0}),
        ("validator_permits", yuma.validator_permits, (sw, 3), {}),
        ("activity_mask", yuma.activity_mask, (blocks_r, 3, 2), {}),
        ("active_stake", yuma.active_stake, (sw, act, perm), {}),
        (
            "weight_mask",
            yuma.weight_mask,
            ((n, m), perm),
            {"last_update": blocks_r, "block_at_registration": blocks_c, "commit_block": blocks_r},
        ),
        ("mask_weights", yuma.mask_weights, (w_raw, listed), {}),
        ("weighted_median_col", yuma.weighted_median_col, (sa, w, p.kappa), {}),
        ("consensus", yuma.consensus, (sa, w, p.kappa), {}),
        ("col_clip", yuma.col_clip, (w, c), {}),
        ("validator_trust", yuma.validator_trust, (clipped,), {}),
        ("rank", yuma.rank, (sa, clipped), {}),
        ("incentive", yuma.incentive, (c,), {}),
        ("trust", yuma.trust, (sa, w, clipped), {}),
        ("weights_for_bonds", yuma.weights_for_bonds, (w, clipped, p.bonds_penalty), {}),
        ("bond_entries", yuma.bond_entries, (listed, w, c, wb, p.bonds_penalty), {}),
        ("bonds_reset_mask", yuma.bonds_reset_mask, (blocks_c, 2), {}),
        (
            "alpha_sigmoid",
            yuma.alpha_sigmoid,
            (c, wb, b, p.alpha_low, p.alpha_high, p.alpha_sigmoid_steepness),
            {},
        ),
        ("liquid_alpha_v1", yuma.liquid_alpha_v1, (c, p.alpha_low, p.alpha_high), {}),
        ("load_bonds_yuma2", yuma.load_bonds_yuma2, (b,), {}),
        ("store_bonds_yuma2", yuma.store_bonds_yuma2, (b,), {}),
        ("bonds_ema_yuma2", yuma.bonds_ema_yuma2, (b, wb, sa, p.ema_alpha), {}),
        ("bonds_ema_yuma2[vector]", yuma.bonds_ema_yuma2, (b, wb, sa, np.full(m, 0.3)), {}),
        ("mat_ema", yuma.mat_ema, (b, wb, p.ema_alpha), {}),
        ("mat_ema_alpha", yuma.mat_ema_alpha, (b, wb, alpha, listed), {}),
        ("mat_ema_alpha[dense]", yuma.mat_ema_alpha, (b, wb, alpha), {}),
        ("dividends_yuma2", yuma.dividends_yuma2, (b, inc), {}),
        ("dividends_yuma3", yuma.dividends_yuma3, (b, inc, sa), {}),
        ("emission_split", yuma.emission_split, (inc, div, sw, sa), {"square": square}),
    ]
    if m:
        calls.append(("weighted_median", yuma.weighted_median, (sa, w[:, 0], p.kappa), {}))
    for name, var in variants.VARIANTS.items():
        calls += [
            (f"{name}.consensus", var.consensus, (sa, w, p.kappa), {}),
            (f"{name}.clip", var.clip, (w, c), {}),
            (f"{name}.weights_for_bonds", var.weights_for_bonds, (w, clipped, p.bonds_penalty), {}),
            (f"{name}.load_bonds", var.load_bonds, (b,), {}),
            (
                f"{name}.update_bonds",
                var.update_bonds,
                (b, wb, sa, c, listed, dataclasses.replace(p, liquid_alpha=True)),
                {},
            ),
            (f"{name}.update_bonds[off]", var.update_bonds, (b, wb, sa, c, listed, p), {}),
            (f"{name}.store_bonds", var.store_bonds, (b,), {}),
            (f"{name}.dividends", var.dividends, (b, inc, sa), {}),
            (f"{name}.emission_split", var.emission_split, (inc, div, sw, sa, square), {}),
        ]
    return calls


@given(inputs=epoch_inputs())
def test_steps_leave_inputs_untouched(inputs):
    for label, fn, args, kwargs in _step_calls(inputs):
        _check_untouched(label, fn, args, kwargs)


def test_step_calls_cover_every_public_step():
    inputs = {
        "weights": np.ones((3, 3)),
        "stake": np.ones(3),
        "bonds": None,
        "params": yuma.YumaParams(),
    }
    covered = {label.split("[")[0] for label, *_ in _step_calls(inputs)}
    public = {
        name
        for name in yuma.__all__ + steps.__all__
        if callable(getattr(yuma, name, None) or getattr(steps, name, None))
        and not isinstance(getattr(yuma, name, None) or getattr(steps, name), type)
        and name not in (
            "epoch", "epoch_batch", "register_variant", "kappa_units", "simulate",
            "get_scenario", "list_scenarios", "chain_epoch", "chain_epoch_from_float", "variant",
            "replay", "copy_risk",
        )
    }
    assert public <= covered, sorted(public - covered)


# --------------------------------------------------------------------------------------
# Edge cases with exact expected values
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_empty_network(variant):
    r = yuma.epoch(np.zeros((0, 0)), np.zeros(0), variant=variant)
    for name in ROW_VECTORS + COL_VECTORS + ("emission",) + BOOL_FIELDS:
        assert getattr(r, name).shape == (0,), name
    for name in MATRICES:
        assert getattr(r, name).shape == (0, 0), name


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_no_validators_rectangular(variant):
    """Zero validators and three miners: nothing to pay, all zeros of the right shapes."""
    r = yuma.epoch(np.zeros((0, 3)), np.zeros(0), variant=variant)
    for name in ("consensus", "incentive", "server_emission", "rank", "trust", "emission"):
        assert getattr(r, name).tolist() == [0.0, 0.0, 0.0], name
    for name in ("dividends", "validator_emission", "stake", "active_stake"):
        assert getattr(r, name).shape == (0,), name
    assert r.bonds.shape == (0, 3)


@pytest.mark.parametrize("variant", VARIANT_NAMES)
@pytest.mark.parametrize("stake", [[2.0], [0.0]])
def test_single_uid(variant, stake):
    """n = 1: the self-weight is masked, so all emission goes to the validator by stake."""
    r = yuma.epoch(np.array([[7.0]]), np.array(stake), variant=variant)
    paid = 1.0 if stake[0] > 0 else 0.0
    assert r.weights.tolist() == [[0.0]]
    assert r.consensus.tolist() == [0.0]
    assert r.incentive.tolist() == [0.0]
    assert r.dividends.tolist() == [0.0]
    assert r.server_emission.tolist() == [0.0]
    assert r.validator_emission.tolist() == [paid]
    assert r.emission.tolist() == [paid]
    assert r.validator_permit.tolist() == [stake[0] > 0]


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_single_validator_rectangular(variant):
    """One validator, two miners: consensus = its weights; half to it, half to the miners."""
    r = yuma.epoch(np.array([[1.0, 3.0]]), np.array([4.0]), variant=variant)
    assert r.consensus.tolist() == [0.25, 0.75]
    assert r.incentive.tolist() == [0.25, 0.75]
    assert r.dividends.tolist() == [1.0]
    assert r.validator_emission.tolist() == [0.5]
    assert r.server_emission.tolist() == [0.125, 0.375]
    assert r.emission.tolist() == [0.5, 0.125, 0.375]


@pytest.mark.parametrize("variant", VARIANT_NAMES)
@pytest.mark.parametrize("square", [True, False])
def test_all_zero_weights(variant, square):
    """No weights: incentive and dividends 0, validators paid by active stake."""
    n_cols = 3 if square else 4
    r = yuma.epoch(
        np.zeros((3, n_cols)),
        np.array([1.0, 3.0, 4.0]),
        np.full((3, n_cols), 0.5),
        variant=variant,
        active=np.array([True, True, False]),
    )
    assert r.consensus.tolist() == [0.0] * n_cols
    assert r.incentive.tolist() == [0.0] * n_cols
    assert r.server_emission.tolist() == [0.0] * n_cols
    assert r.dividends.tolist() == [0.0, 0.0, 0.0]
    assert r.active_stake.tolist() == [0.25, 0.75, 0.0]
    assert r.validator_emission.tolist() == [0.25, 0.75, 0.0]
    expected = [0.25, 0.75, 0.0] + ([] if square else [0.0] * n_cols)
    assert r.emission.tolist() == expected


@pytest.mark.parametrize("square", [True, False])
@given(data=st.data())
def test_all_zero_weights_property(square, data):
    inputs = data.draw(epoch_inputs(square=square))
    inputs = {**inputs, "weights": np.zeros_like(inputs["weights"])}
    sa = my_active_stake(inputs)
    pay = sa if np.any(sa > 0.0) else my_normalize(inputs["stake"])
    for variant in VARIANT_NAMES:
        r = run(inputs, variant)
        assert np.all(r.consensus == 0.0) and np.all(r.incentive == 0.0), variant
        assert np.all(r.dividends == 0.0) and np.all(r.server_emission == 0.0), variant
        np.testing.assert_allclose(r.validator_emission, pay, rtol=1e-12, atol=0, err_msg=variant)


@pytest.mark.parametrize("variant", VARIANT_NAMES)
@pytest.mark.parametrize("square", [True, False])
def test_zero_stake(variant, square):
    """No stake anywhere: nothing is computed and nothing is paid."""
    n_cols = 3 if square else 2
    w = np.arange(1.0, 1.0 + 3 * n_cols).reshape(3, n_cols)
    r = yuma.epoch(w, np.zeros(3), np.full((3, n_cols), 0.5), variant=variant)
    for name in ("stake", "active_stake", "dividends", "validator_emission"):
        assert getattr(r, name).tolist() == [0.0, 0.0, 0.0], name
    for name in ("consensus", "rank", "incentive", "server_emission"):
        assert getattr(r, name).tolist() == [0.0] * n_cols, name
    assert r.emission.tolist() == [0.0] * r.n_uids
    assert r.validator_permit.tolist() == [False, False, False]


@pytest.mark.parametrize("variant", VARIANT_NAMES)
@pytest.mark.parametrize("mask", ["active", "validator_permit"])
def test_no_active_validator(variant, mask):
    """Stake exists but no validator counts: consensus 0, validators paid by stake."""
    w = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    r = yuma.epoch(w, np.array([1.0, 1.0, 2.0]), variant=variant, **{mask: np.zeros(3, bool)})
    assert r.active_stake.tolist() == [0.0, 0.0, 0.0]
    assert r.consensus.tolist() == [0.0, 0.0, 0.0]
    assert r.incentive.tolist() == [0.0, 0.0, 0.0]
    assert r.dividends.tolist() == [0.0, 0.0, 0.0]
    assert r.validator_emission.tolist() == [0.25, 0.25, 0.5]
    assert r.emission.tolist() == [0.25, 0.25, 0.5]
    assert r.server_emission.tolist() == [0.0, 0.0, 0.0]

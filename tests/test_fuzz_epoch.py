"""Fuzz: the epoch and its public steps on valid inputs at the extremes.

Values from subnormals to 1.8e308 and at the 2**53 / 2**63 / 2**64 boundaries, in every
real dtype, as C / Fortran / strided / read-only / broadcast arrays or lists, with empty and
degenerate shapes. A valid input never raises, gives finite outputs with the sums the
epoch promises, leaves its inputs untouched, and gives the same bits as its float64 copy.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from fuzz_support import (
    FLOAT_EXTREMES,
    U64_MAX,
    assert_names,
    assert_no_nan,
    assert_untouched,
    budget,
    extreme_arrays,
    extreme_values,
    snapshot_args,
)
from hypothesis import assume, given
from hypothesis import strategies as st

import yuma
from yuma.testing.invariants import near_kappa_tie

FIELDS = [f for f in yuma.EpochResult.__dataclass_fields__]

UNIT = st.sampled_from([0.0, 5e-324, 1e-310, 1e-300, 1e-16, 0.5, 1.0 - 1e-16, 1.0])


@st.composite
def params(draw, variant: str) -> yuma.YumaParams:
    low = draw(UNIT)
    high = draw(UNIT.filter(lambda h: h >= low))
    return yuma.YumaParams(
        kappa=draw(UNIT), bonds_moving_average=draw(UNIT), bonds_penalty=draw(UNIT),
        liquid_alpha=draw(st.booleans()), alpha_low=low, alpha_high=high,
        alpha_sigmoid_steepness=draw(st.sampled_from([0.0, 10.0, -10.0, 1e-300, 1e300,
                                                      -1e300])),
        variant=variant, max_allowed_validators=draw(st.sampled_from([0, 1, 2, 64, 65535])),
        liquid_alpha_consensus_mode=draw(st.sampled_from(["auto", "current", "previous"])),
    )


@st.composite
def epoch_case(draw, *, realistic_rao: bool = False):
    n_rows = draw(st.integers(0, 5))
    n_cols = n_rows if draw(st.booleans()) else draw(st.integers(0, 6))
    variant = draw(st.sampled_from(["yuma3", "yuma2", "yuma2_liquid_alpha_v1"]))
    weights, weights64 = draw(extreme_arrays((n_rows, n_cols)))
    stake, stake64 = draw(extreme_arrays((n_rows,)))
    kwargs = {"weights": weights, "stake": stake, "params": draw(params(variant))}
    plain = {"weights": weights64, "stake": stake64, "params": kwargs["params"]}
    if draw(st.booleans()):
        # Yuma 3 (and the chain's storage) bonds are proportions in [0, 1].
        top = 1.0 if variant == "yuma3" else 1.7976931348623157e308
        bonds, bonds64 = draw(extreme_arrays((n_rows, n_cols), top=top))
        kwargs["bonds"], plain["bonds"] = bonds, bonds64
    for name in ("active", "validator_permit"):
        if draw(st.booleans()):
            mask = np.array(draw(st.lists(st.booleans(), min_size=n_rows, max_size=n_rows)),
                            dtype=bool)
            kwargs[name] = plain[name] = mask
    if n_rows and draw(st.booleans()):
        kwargs["owner_uid"] = plain["owner_uid"] = draw(st.integers(0, n_rows - 1))
    if draw(st.booleans()):
        blocks = st.sampled_from([0, 1, 2**53, 2**63, U64_MAX])
        kwargs["last_update"] = plain["last_update"] = draw(
            st.lists(blocks, min_size=n_rows, max_size=n_rows))
        kwargs["block_at_registration"] = plain["block_at_registration"] = draw(
            st.lists(blocks, min_size=n_cols, max_size=n_cols))
        kwargs["last_tempo"] = plain["last_tempo"] = draw(blocks)
    if draw(st.booleans()):
        kwargs["stake_threshold"] = plain["stake_threshold"] = draw(
            st.sampled_from(FLOAT_EXTREMES))
    if draw(st.booleans()):
        prev = draw(extreme_values((n_cols,), top=1.0))
        kwargs["previous_consensus"] = plain["previous_consensus"] = prev
    return kwargs, plain


def _same(a: yuma.EpochResult, b: yuma.EpochResult) -> None:
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, name
            assert x.tobytes() == y.tobytes(), f"{name}: {x!r} != {y!r}"
        else:
            assert x == y, name


def _check_result(r: yuma.EpochResult, slack: float) -> None:
    assert_no_nan(r)
    for name in FIELDS:
        x = getattr(r, name)
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            assert np.all(np.isfinite(x)), name
            assert np.all(x >= 0.0) and np.all(x <= 1.0 + slack), f"{name}: {x!r}"
    total = math.fsum(r.emission.tolist())
    for name in ("incentive", "dividends"):
        s = math.fsum(getattr(r, name).tolist())
        assert s == 0.0 or abs(s - 1.0) <= slack, f"{name} sums to {s!r}"
    if r.stake.any():
        assert abs(total - 1.0) <= slack, f"emission sums to {total!r}"
    else:
        assert total == 0.0 or abs(total - 1.0) <= slack, f"emission sums to {total!r}"


@budget(60)
@given(epoch_case())
def test_float_epoch_at_the_extremes(case):
    kwargs, plain = case
    kept = snapshot_args(kwargs.values())
    r = yuma.epoch(**kwargs)
    assert_untouched(kept)
    _check_result(r, 1e-9)
    # Any dtype or layout computes as its float64 copy, bit for bit.
    _same(r, yuma.epoch(**plain))


@budget(40)
@given(epoch_case())
def test_fixed_epoch_at_the_extremes(case):
    kwargs, plain = case
    p = kwargs["params"]
    if p.variant == "yuma2_liquid_alpha_v1":
        kwargs["params"] = plain["params"] = yuma.YumaParams(variant="yuma2")
    kept = snapshot_args(kwargs.values())
    try:
        r = yuma.epoch(**kwargs, arithmetic="fixed")
    except ValueError as exc:
        # Refusals the fixed path documents: a value the chain's integers cannot hold.
        assert_names(exc, ("bonds must hold proportions", "stake", "stake_threshold",
                           "rao_per_unit", "alpha", "kappa", "bonds_moving_average",
                           "bonds_penalty", "steepness"))
        return
    finally:
        assert_untouched(kept)
    _check_result(r, 1e-6)


# --------------------------------------------------------------------------------------
# Float against fixed point on realistic inputs: the README's "about 1e-6"
# --------------------------------------------------------------------------------------

M = 65535


@budget(30)
@given(
    n=st.integers(1, 10),
    seed=st.integers(0, 2**32 - 1),
    variant=st.sampled_from(["yuma3", "yuma2"]),
    liquid=st.booleans(),
    kappa=st.sampled_from([32767, 16384, 49151, 6553, 60000, 0, 65535]),
    beta=st.sampled_from([M, 0, 32768, 13107]),
    bma=st.sampled_from([900_000, 975_000, 500_000, 0, 1_000_000]),
    stake_scale=st.sampled_from([1, 10**3, 10**9, 10**15, 2**53]),
)
def test_float_and_fixed_agree_on_realistic_inputs(n, seed, variant, liquid, kappa, beta,
                                                   bma, stake_scale):
    rng = np.random.default_rng(seed)
    w = rng.integers(0, M + 1, (n, n)) * (rng.random((n, n)) < 0.7)
    w = np.array([row * M // row.max() if row.max() else row for row in w], dtype=np.float64)
    bonds = (rng.integers(0, M + 1, (n, n)) * (rng.random((n, n)) < 0.5)) / M
    stake = (rng.integers(0, 1000, n) * (stake_scale // 1000 + 1)).astype(np.float64)
    p = yuma.YumaParams.from_chain(kappa=kappa, bonds_moving_average=bma, bonds_penalty=beta,
                                   alpha_values=(6553, 19660), liquid_alpha_on=liquid,
                                   yuma3_on=variant == "yuma3",
                                   max_allowed_validators=max(1, n // 2))
    rf = yuma.epoch(w, stake, bonds, params=p)
    assume(not near_kappa_tie({"stake": stake, "params": p}, rf.weights, rel=1e-6))
    rx = yuma.epoch(w, stake, bonds, params=p, arithmetic="fixed")
    for name in ("incentive", "dividends", "consensus", "emission", "validator_trust", "rank"):
        np.testing.assert_allclose(getattr(rx, name), getattr(rf, name), rtol=0, atol=1e-6,
                                   err_msg=name)
    np.testing.assert_array_equal(rx.validator_permit, rf.validator_permit)


# --------------------------------------------------------------------------------------
# Every public step on extreme arrays
# --------------------------------------------------------------------------------------


def _vec(draw, n, top=1.7976931348623157e308):
    return draw(extreme_arrays((n,), top=top))[0]


def _mat(draw, n, m, top=1.7976931348623157e308):
    return draw(extreme_arrays((n, m), top=top))[0]


def _mask(draw, shape):
    size = int(np.prod(shape))
    return np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)),
                    dtype=bool).reshape(shape)


def _u64s(draw, n):
    return draw(st.lists(st.sampled_from([0, 1, 2**53 + 1, 2**63, U64_MAX]), min_size=n,
                         max_size=n))


def _alpha_pair(draw):
    low = draw(UNIT)
    return low, draw(UNIT.filter(lambda h: h >= low))


def _sigmoid_args(draw, n, m):
    steepness = draw(st.sampled_from([0.0, 10.0, 1e300, -1e300]))
    return (_vec(draw, m, top=1.0), _mat(draw, n, m, top=1.0), _mat(draw, n, m, top=1.0),
            *_alpha_pair(draw), steepness)


STEP_CALLS = {
    "normalize": lambda d, n, m: (yuma.normalize, (_vec(d, n),)),
    "row_normalize": lambda d, n, m: (yuma.row_normalize, (_mat(d, n, m),)),
    "col_normalize": lambda d, n, m: (yuma.col_normalize, (_mat(d, n, m),)),
    "col_max_upscale": lambda d, n, m: (yuma.col_max_upscale, (_mat(d, n, m),)),
    "vecdiv": lambda d, n, m: (yuma.vecdiv, (_vec(d, n), _vec(d, n, top=1.0))),
    "is_topk": lambda d, n, m: (yuma.is_topk, (_vec(d, n), d(st.integers(0, 8)))),
    "is_topk_nonzero": lambda d, n, m: (yuma.is_topk_nonzero, (_vec(d, n), d(st.integers(0, 8)))),
    "stake_weights": lambda d, n, m: (yuma.stake_weights, (_vec(d, n),)),
    "validator_permits": lambda d, n, m: (yuma.validator_permits,
                                          (_vec(d, n), d(st.integers(0, 65535)))),
    "activity_mask": lambda d, n, m: (yuma.activity_mask,
                                      (_u64s(d, n), d(st.sampled_from([0, 2**63, U64_MAX])),
                                       d(st.sampled_from([0, 1, U64_MAX])))),
    "active_stake": lambda d, n, m: (yuma.active_stake, (_vec(d, n), _mask(d, n), _mask(d, n))),
    "weight_mask": lambda d, n, m: (yuma.weight_mask, ((n, m), _mask(d, n))),
    "mask_weights": lambda d, n, m: (yuma.mask_weights, (_mat(d, n, m), _mask(d, (n, m)))),
    "weighted_median": lambda d, n, m: (yuma.weighted_median,
                                        (_vec(d, n), _vec(d, n), d(UNIT))),
    "weighted_median_col": lambda d, n, m: (yuma.weighted_median_col,
                                            (_vec(d, n), _mat(d, n, m), d(UNIT))),
    "consensus": lambda d, n, m: (yuma.consensus, (_vec(d, n), _mat(d, n, m), d(UNIT))),
    "col_clip": lambda d, n, m: (yuma.col_clip, (_mat(d, n, m), _vec(d, m))),
    "validator_trust": lambda d, n, m: (yuma.validator_trust, (_mat(d, n, m, top=1.0),)),
    "rank": lambda d, n, m: (yuma.rank, (_vec(d, n, top=1.0), _mat(d, n, m, top=1.0))),
    "incentive": lambda d, n, m: (yuma.incentive, (_vec(d, n),)),
    "trust": lambda d, n, m: (yuma.trust, (_vec(d, n, top=1.0), _mat(d, n, m, top=1.0),
                                           _mat(d, n, m, top=1.0))),
    "weights_for_bonds": lambda d, n, m: (yuma.weights_for_bonds,
                                          (_mat(d, n, m), _mat(d, n, m), d(UNIT))),
    "bond_entries": lambda d, n, m: (yuma.bond_entries,
                                     (_mask(d, (n, m)), _mat(d, n, m), _vec(d, m),
                                      _mat(d, n, m), d(UNIT))),
    "bonds_reset_mask": lambda d, n, m: (yuma.bonds_reset_mask,
                                         (_u64s(d, m), d(st.sampled_from([0, 2**63, U64_MAX])))),
    "alpha_sigmoid": lambda d, n, m: (yuma.alpha_sigmoid, _sigmoid_args(d, n, m)),
    "liquid_alpha_v1": lambda d, n, m: (yuma.liquid_alpha_v1,
                                        (_vec(d, m, top=1.0), *_alpha_pair(d))),
    "load_bonds_yuma2": lambda d, n, m: (yuma.load_bonds_yuma2, (_mat(d, n, m),)),
    "store_bonds_yuma2": lambda d, n, m: (yuma.store_bonds_yuma2, (_mat(d, n, m),)),
    "bonds_ema_yuma2": lambda d, n, m: (yuma.bonds_ema_yuma2,
                                        (_mat(d, n, m, top=1.0), _mat(d, n, m, top=1.0),
                                         _vec(d, n, top=1.0), d(UNIT))),
    "mat_ema": lambda d, n, m: (yuma.mat_ema, (_mat(d, n, m, top=1.0), _mat(d, n, m, top=1.0),
                                               d(UNIT))),
    "mat_ema_alpha": lambda d, n, m: (yuma.mat_ema_alpha,
                                      (_mat(d, n, m, top=1.0), _mat(d, n, m, top=1.0),
                                       _mat(d, n, m, top=1.0))),
    "dividends_yuma2": lambda d, n, m: (yuma.dividends_yuma2,
                                        (_mat(d, n, m, top=1.0), _vec(d, m, top=1.0))),
    "dividends_yuma3": lambda d, n, m: (yuma.dividends_yuma3,
                                        (_mat(d, n, m, top=1.0), _vec(d, m, top=1.0),
                                         _vec(d, n, top=1.0))),
    "emission_split": lambda d, n, m: (functools.partial(yuma.emission_split, square=False),
                                       (_vec(d, m, top=1.0), _vec(d, n, top=1.0),
                                        _vec(d, n, top=1.0), _vec(d, n, top=1.0))),
}


@pytest.mark.parametrize("step", sorted(STEP_CALLS))
@budget(8)
@given(data=st.data(), n=st.integers(0, 4), m=st.integers(0, 5))
def test_public_steps_at_the_extremes(step, data, n, m):
    fn, args = STEP_CALLS[step](data.draw, n, m)
    kept = snapshot_args(args)
    try:
        out = fn(*args)
    except ValueError as exc:
        # Only documented refusals: proportions above 1 where the step needs them.
        assert_names(exc, ("must hold proportions", "must be in [0, 1]"))
        return
    finally:
        assert_untouched(kept)
    assert_no_nan(out)

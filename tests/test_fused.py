"""The fused passes that run the built-in variants against the step-by-step composition.

A Variant equal to a built-in but not the same object runs the generic path (each step
called in turn), so the two paths can be compared on the same inputs.
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma.core import _kernels, reference
from yuma.testing import step_strategies as ss
from yuma.testing.comparisons import ATOL, RTOL

FIELDS = [f.name for f in dataclasses.fields(yuma.EpochResult) if f.name != "variant"]
BUILTINS = {v.name: v for v in (yuma.YUMA2, yuma.YUMA2_LIQUID_ALPHA_V1, yuma.YUMA3)}


def _twin(variant):
    return dataclasses.replace(variant, name=variant.name)


def _assert_same(fused, stepwise, kappa):
    # Row sums run in another order on the two paths, so W (and the consensus, one of its
    # entries per column) may differ in the last bit; the consensus must still be exactly
    # the kappa-value of the weights the fused path used.
    assert fused.variant == stepwise.variant
    exact = reference.weighted_median_col(fused.active_stake, fused.weights, kappa)
    np.testing.assert_array_equal(fused.consensus, exact)
    for name in FIELDS:
        got, want = getattr(fused, name), getattr(stepwise, name)
        assert np.shape(got) == np.shape(want), name
        if np.asarray(got).dtype == np.bool_:
            np.testing.assert_array_equal(got, want, err_msg=name)
        else:
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=name)


def _run_both(kw):
    kw = dict(kw)
    params = kw.get("params") or yuma.YumaParams()
    variant = BUILTINS[kw.pop("variant", None) or params.variant]
    fused = yuma.epoch(**kw, variant=variant)
    stepwise = yuma.epoch(**kw, variant=_twin(variant))
    _assert_same(fused, stepwise, params.kappa)
    return fused


@given(ss.full_epoch_inputs(variants=tuple(BUILTINS)))
def test_fused_matches_stepwise(kw):
    _run_both(kw)


@st.composite
def many_row_inputs(draw):
    # More rows than one chunk of the fused pass, with every mask in play.
    n_rows = draw(st.sampled_from([_kernels.MIN_ROW_CHUNK + 3, 17 * _kernels.MIN_ROW_CHUNK + 5]))
    square = draw(st.booleans())
    n_cols = n_rows if square else draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = np.round(rng.random((n_rows, n_cols)), 2)
    w[rng.random((n_rows, n_cols)) < 0.3] = 0.0
    stake = rng.pareto(1.5, n_rows) * (rng.random(n_rows) < 0.7)
    kw = {
        "weights": w,
        "stake": stake,
        "bonds": rng.random((n_rows, n_cols)) * (rng.random((n_rows, 1)) < 0.5),
        "params": yuma.YumaParams(
            variant=draw(st.sampled_from(sorted(BUILTINS))),
            liquid_alpha=draw(st.booleans()),
            bonds_penalty=draw(st.sampled_from([0.0, 0.25, 1.0])),
            max_allowed_validators=draw(st.integers(1, n_rows)),
            kappa=draw(st.sampled_from([0.25, 0.5, 0.75])),
        ),
        "validator_permit": rng.random(n_rows) < 0.9,
        "active": rng.random(n_rows) < 0.9,
        "reset_bonds": rng.random(n_cols) < 0.1,
    }
    if draw(st.booleans()):
        kw["listed"] = rng.random((n_rows, n_cols)) < 0.5
    if draw(st.booleans()):
        kw["block_at_registration"] = rng.integers(0, 10, n_cols)
        kw["last_update"] = rng.integers(0, 12, n_rows)
        kw["commit_block"] = rng.integers(0, 12, n_rows)
    if square and draw(st.booleans()):
        kw["owner_uid"] = draw(st.integers(0, n_rows - 1))
    return kw


@given(many_row_inputs())
def test_fused_matches_stepwise_over_several_chunks(kw):
    _run_both(kw)


@pytest.mark.parametrize("variant", sorted(BUILTINS))
def test_fused_row_sum_overflow_is_prescaled(variant):
    w = np.array([[1e308, 1e308, 3.0, 0.0], [1.0, 2.0, 0.0, 1.0], [1e300, 0.0, 1e308, 0.0]])
    stake = np.array([1.0, 2.0, 3.0])
    fused = _run_both({"weights": w, "stake": stake, "variant": variant})
    assert np.all(np.isfinite(fused.weights))
    np.testing.assert_allclose(fused.weights[0], [0.5, 0.5, 0.0, 0.0], atol=1e-300)


@pytest.mark.parametrize(("beta", "shared_with"), [(1.0, "clipped_weights"), (0.0, "weights")])
def test_bond_weights_share_memory_at_the_interpolation_ends(beta, shared_with):
    rng = np.random.default_rng(3)
    w = rng.random((5, 7))
    r = yuma.epoch(w, rng.random(5), params=yuma.YumaParams(variant="yuma3", bonds_penalty=beta))
    assert r.weights_for_bonds is getattr(r, shared_with)


def test_fused_matrices_are_read_only():
    rng = np.random.default_rng(4)
    r = yuma.epoch(rng.random((6, 6)), rng.random(6), rng.random((6, 6)) * 0.1)
    for name in ("weights", "clipped_weights", "weights_for_bonds", "ema_bonds", "bonds"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(r, name)[0, 0] = 1.0


@pytest.mark.parametrize("beta", [0.0, 0.25, 1.0])
@pytest.mark.parametrize("with_bonds", [False, True])
@pytest.mark.parametrize("square", [False, True])
def test_liquid_alpha_one_pass_rows_drop_the_bonds_the_chain_drops(beta, with_bonds, square):
    # Rows without block or listed masks take the one-pass liquid-alpha EMA. Zero weights
    # with earlier bonds (dropped at 0 < beta < 1) and columns of zero consensus that a
    # validator still weights (dropped at beta = 1) must be cleared as the steps clear them.
    rng = np.random.default_rng(31)
    n_rows, n_cols = 12, (12 if square else 20)
    w = np.round(rng.random((n_rows, n_cols)), 2)
    w[rng.random(w.shape) < 0.35] = 0.0
    w[: n_rows // 2, 3] = 0.0  # the staked half leaves column 3 alone: consensus 0 there
    w[n_rows // 2:, 3] = 0.7
    stake = np.concatenate([np.full(n_rows // 2, 10.0), np.full(n_rows - n_rows // 2, 1.0)])
    kw = {
        "weights": w, "stake": stake,
        "params": yuma.YumaParams(variant="yuma3", liquid_alpha=True, bonds_penalty=beta,
                                  kappa=0.5),
    }
    if with_bonds:
        kw["bonds"] = np.round(rng.random((n_rows, n_cols)) * 0.5, 3)
        if square:
            np.fill_diagonal(kw["bonds"], 0.0)
    if square:
        kw["owner_uid"] = 2
    fused = _run_both(kw)
    assert fused.consensus[3] == 0.0

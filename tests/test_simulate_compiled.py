"""The compiled simulation loop is the Python fold of yuma.epoch, bit for bit.

``yuma.simulate`` runs the built-in variants' epochs in one compiled loop
(:mod:`yuma.sim._fold_kernel`); :func:`yuma.sim.simulation._python_fold` is the reference
loop (one :func:`yuma.epoch` call per epoch). Every recorded field, every kept matrix and
the final state must have the same bits, over every scenario mask (bond resets, stake
changes, inactivity, joins and leaves, weight copiers), every option (``u16_bonds``,
``keep``, ``epochs``, initial bonds, permits and stored consensus) and every built-in
variant and hyperparameter that changes the path.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yuma
from yuma.sim import simulation as sm
from yuma.testing.scenario_strategies import scenarios

ROW_AND_COLUMN_FIELDS = sm.ROW_FIELDS + sm.COLUMN_FIELDS


def same_bits(a, b) -> bool:
    """Same dtype, shape and bytes (so -0.0 differs from 0.0, as it should here)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@st.composite
def all_params(draw, n_rows: int) -> yuma.YumaParams:
    """Every built-in variant with the hyperparameters that choose a path in the kernel."""
    low = draw(st.sampled_from([0.0, 0.1, 0.7]))
    return yuma.YumaParams(
        variant=draw(st.sampled_from(["yuma2", "yuma2_liquid_alpha_v1", "yuma3"])),
        liquid_alpha=draw(st.booleans()),
        bonds_penalty=draw(st.sampled_from([0.0, 0.5, 1.0])),
        bonds_moving_average=draw(st.sampled_from([0.0, 0.5, 0.9, 0.975, 1.0])),
        kappa=draw(st.sampled_from([0.0, 0.25, 32767 / 65535, 0.75, 1.0])),
        max_allowed_validators=draw(st.integers(0, n_rows + 1)),
        alpha_low=low,
        alpha_high=draw(st.sampled_from([low, 0.9, 1.0])),
        alpha_sigmoid_steepness=draw(st.sampled_from([-5.0, 0.0, 10.0, 1000.0])),
        liquid_alpha_consensus_mode=draw(st.sampled_from(["auto", "current", "previous"])),
    )


@st.composite
def runs(draw):
    """A scenario and every argument of simulate that the compiled loop handles."""
    sc = draw(scenarios(max_epochs=6, max_rows=5, max_cols=5))
    params = draw(all_params(sc.n_rows))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kwargs = {
        "keep": tuple(f for f in sm.MATRIX_FIELDS if draw(st.booleans())),
        "u16_bonds": draw(st.sampled_from([None, False, True, True])),
        "epochs": draw(st.integers(1, sc.n_epochs)),
    }
    if draw(st.booleans()):
        bonds = rng.random((sc.n_rows, sc.n_cols)) * (rng.random((sc.n_rows, sc.n_cols)) < 0.7)
        kwargs["bonds"] = bonds
    if draw(st.booleans()):
        kwargs["validator_permit"] = rng.random(sc.n_rows) < 0.6
    if draw(st.booleans()):
        length = draw(st.sampled_from([0, sc.n_cols, sc.n_cols + 2, max(sc.n_cols - 1, 0)]))
        kwargs["previous_consensus"] = np.floor(rng.random(length) * 4) / 4
    return sc, params, kwargs


def python_fold(sc, params, *, variant=None, epochs=None, u16_bonds=None, keep=(),
                bonds=None, validator_permit=None, previous_consensus=None):
    """The reference: the Python fold, through simulate's own argument handling."""
    run = sm._check_run(sc, params, variant, epochs, u16_bonds, keep, "float", False)
    start = sm._initial_state(sc, bonds, validator_permit, previous_consensus)
    schedules = sm._Schedules.of(sc)
    record, final = sm._python_fold(sc, run, schedules, start)
    return sm._simulation(sc, run, schedules.stakes[: run.n_epochs], record, final)


def assert_same_simulation(got: yuma.Simulation, want: yuma.Simulation) -> None:
    assert got.kept == want.kept
    assert (got.variant, got.square, got.u16_bonds, got.roles) == (
        want.variant, want.square, want.u16_bonds, want.roles
    )
    names = ("raw_stake", *ROW_AND_COLUMN_FIELDS, "emission", "final_bonds",
             "final_validator_permit", *want.kept)
    differing = [n for n in names if not same_bits(getattr(got, n), getattr(want, n))]
    assert not differing, f"not bit-identical: {differing}"


@settings(max_examples=150)
@given(case=runs())
def test_compiled_loop_is_the_python_fold(case):
    sc, params, kwargs = case
    want = python_fold(sc, params, **kwargs)
    got = yuma.simulate(sc, params, **kwargs)
    assert_same_simulation(got, want)


@settings(max_examples=40)
@given(case=runs())
def test_compiled_loop_over_threads_is_the_python_fold(case):
    """The epochs' parallel regions (forced on) give the same bits."""
    sc, params, kwargs = case
    want = python_fold(sc, params, **kwargs)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sm, "use_parallel", lambda n_elements: True)
        got = yuma.simulate(sc, params, **kwargs)
    assert_same_simulation(got, want)


def test_the_compiled_loop_runs_for_builtins_only(monkeypatch):
    """Built-in variants on the float path run compiled; the others fold in Python."""
    calls = []
    real = sm._python_fold
    monkeypatch.setattr(sm, "_python_fold", lambda *a: calls.append(a) or real(*a))
    sc = yuma.get_scenario("kappa_delayed")
    for variant in ("yuma2", "yuma2_liquid_alpha_v1", "yuma3"):
        yuma.simulate(sc, variant=variant)
    assert calls == []
    user = dataclasses.replace(yuma.VARIANTS["yuma3"], name="user-yuma3")
    yuma.simulate(sc, variant=user)
    yuma.simulate(dataclasses.replace(sc, winner_takes_all=True))
    yuma.simulate(sc, variant="yuma3", arithmetic="fixed")
    assert len(calls) == 3


CATALOGUE_PARAMS = {
    "yuma2": {"variant": "yuma2"},
    "yuma2_liquid_alpha_v1": {"variant": "yuma2_liquid_alpha_v1", "liquid_alpha": True},
    "yuma3": {"variant": "yuma3"},
    # Liquid alpha reading the stored consensus (u16 when the bonds are): the state read.
    "yuma3+la previous": {"variant": "yuma3", "liquid_alpha": True, "bonds_penalty": 0.0,
                          "liquid_alpha_consensus_mode": "previous"},
    "yuma3+la beta 1/2": {"variant": "yuma3", "liquid_alpha": True, "bonds_penalty": 0.5},
}


@pytest.mark.parametrize("u16", [False, True])
@pytest.mark.parametrize("setting", sorted(CATALOGUE_PARAMS))
def test_catalogue_scenarios_bit_for_bit(setting, u16):
    for name in yuma.list_scenarios():
        sc = yuma.get_scenario(name)
        base = sc.params if sc.params is not None else yuma.YumaParams()
        params = dataclasses.replace(base, **CATALOGUE_PARAMS[setting])
        want = python_fold(sc, params, keep=sm.MATRIX_FIELDS, u16_bonds=u16)
        got = yuma.simulate(sc, params, keep=sm.MATRIX_FIELDS, u16_bonds=u16)
        assert_same_simulation(got, want)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bonds": np.full((3, 3), 1.5)},  # Yuma 3 bonds are proportions in [0, 1]
        {"previous_consensus": np.array([0.5, 2.0, 0.0])},
    ],
)
def test_failed_checks_raise_the_epoch_error(kwargs):
    sc = yuma.get_scenario("yuma3_kappa_moves_first")
    params = yuma.YumaParams(variant="yuma3", liquid_alpha=True,
                             liquid_alpha_consensus_mode="previous")
    with pytest.raises(ValueError) as want:
        python_fold(sc, params, **kwargs)
    with pytest.raises(ValueError) as got:
        yuma.simulate(sc, params, **kwargs)
    assert str(got.value) == str(want.value)


def test_progress_chunks_do_not_change_bits(capsys):
    sc = yuma.get_scenario("all_validators_switch")
    params = yuma.YumaParams(liquid_alpha=True)
    a = yuma.simulate(sc, params, keep=("bonds",), progress=True)
    b = yuma.simulate(sc, params, keep=("bonds",))
    assert_same_simulation(a, b)
    assert "epochs" in capsys.readouterr().err


def test_inputs_are_not_modified():
    sc = yuma.get_scenario("kappa_delayed")
    rng = np.random.default_rng(1)
    bonds = rng.random((sc.n_rows, sc.n_cols))
    permit = rng.random(sc.n_rows) < 0.5
    cons = rng.random(sc.n_cols)
    copies = [np.array(x) for x in (bonds, permit, cons)]
    weights = np.array(sc.weights)
    yuma.simulate(sc, bonds=bonds, validator_permit=permit, previous_consensus=cons,
                  u16_bonds=True)
    for before, after in zip(copies, (bonds, permit, cons), strict=True):
        assert same_bits(before, after)
    assert same_bits(weights, sc.weights)


def test_run_variants_and_candidates_run_compiled_and_bit_for_bit(monkeypatch):
    """plot.run_variants and compare.run_candidates (yuma simulate, yuma compare)."""
    from yuma.analysis import compare
    from yuma.sim import plot

    sc = yuma.get_scenario("kappa_delayed")
    folds = []
    real = sm._python_fold
    monkeypatch.setattr(sm, "_python_fold", lambda *a: folds.append(a) or real(*a))
    sims = plot.run_variants(sc, ("yuma2", "yuma3", "yuma3+la", "yuma2_liquid_alpha_v1"))
    cands = compare.run_candidates(sc, ["yuma2", "yuma3+la"])
    assert folds == []
    for name, sim in sims.items():
        want = python_fold(sc, plot.preset_params(name, sc.params), keep=("bonds",))
        assert_same_simulation(sim, want)
    base = dataclasses.replace(sc.params or yuma.YumaParams(), liquid_alpha=False)
    for label, sim in cands.items():
        cand = compare.resolve_candidate(label)
        want = python_fold(sc, cand.params(base), variant=cand.variant, keep=("bonds",))
        assert_same_simulation(sim, want)

"""yuma.simulate: the chain's Yuma 3 trajectories, a hand loop of epoch(), properties."""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import inspect
import math
import sys

import numpy as np
import pytest
from data import yuma3_trajectories as tv
from hypothesis import given, settings
from hypothesis import strategies as st

import yuma
from yuma.sim.simulation import MATRIX_FIELDS, u16_round_trip, winner_takes_all
from yuma.testing.scenario_strategies import scenario_params, scenarios

TOL = 1e-9
N_VALIDATORS = 3

# The catalogue's copies of the chain's trajectories, by their name in spec_vectors.
CHAIN = {
    "C1_kappa_moves_first": "yuma3_kappa_moves_first",
    "C2_kappa_moves_second": "yuma3_kappa_moves_second",
    "C3_kappa_moves_last": "yuma3_kappa_moves_last",
    "C4_one_epoch_switch": "yuma3_one_epoch_switch",
    "C5_liquid_alpha_disabled": "yuma3_liquid_alpha_disabled",
}


def chain_params(liquid_alpha: bool) -> yuma.YumaParams:
    """As tests/test_spec_yuma3.py builds them, from the chain's integers."""
    return yuma.YumaParams.from_chain(
        kappa=tv.YUMA3_KAPPA_U16,
        bonds_moving_average=tv.YUMA3_BONDS_MOVING_AVERAGE,
        bonds_penalty=0,
        alpha_values=(tv.YUMA3_ALPHA_LOW_U16, tv.YUMA3_ALPHA_HIGH_U16),
        alpha_sigmoid_steepness=tv.YUMA3_STEEPNESS,
        liquid_alpha_on=liquid_alpha,
        yuma3_on=True,
        max_allowed_validators=tv.YUMA3_MAX_ALLOWED_VALIDATORS,
    )


def server_bonds(sim: yuma.Simulation, e: int) -> np.ndarray:
    """Bonds of the validators on the servers after epoch e (either form)."""
    b = sim.bonds[e]
    return b[:N_VALIDATORS, N_VALIDATORS:] if sim.square else b


def assert_within(got, want, eps, label):
    err = np.abs(np.asarray(got) - np.asarray(want))
    assert np.all(err <= eps), f"{label}: {np.round(got, 4).tolist()} vs {want}"


# --------------------------------------------------------------------------------------
# The chain's trajectories
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CHAIN))
def test_catalogue_holds_the_spec_vectors_inputs(name):
    spec = tv.YUMA3_SCENARIOS[name]
    sc = yuma.get_scenario(CHAIN[name])
    assert sc.params == chain_params(spec["liquid_alpha"])
    assert sc.u16_bonds
    np.testing.assert_array_equal(sc.stakes, np.tile(spec["stakes"][:N_VALIDATORS], (6, 1)))
    rows = None
    for e, given_rows in enumerate(spec["weights"]):
        rows = rows if given_rows is None else np.array(given_rows, dtype=np.float64)
        np.testing.assert_array_equal(sc.weights[e], rows, err_msg=f"e{e}")


@pytest.mark.parametrize("round_trip", [True, False], ids=["u16-round-trip", "float"])
@pytest.mark.parametrize("square", [False, True], ids=["rectangular", "square"])
@pytest.mark.parametrize("name", list(CHAIN))
def test_chain_yuma3_trajectory(name, square, round_trip):
    spec = tv.YUMA3_SCENARIOS[name]
    sc = yuma.get_scenario(CHAIN[name])
    if square:
        sc = sc.to_square()
    sim = yuma.simulate(sc, u16_bonds=round_trip, keep=("bonds",))
    assert sim.n_epochs == len(spec["dividends"]) == len(spec["bonds"])
    dividends = sim.per_uid()["dividends"]
    for e in range(sim.n_epochs):
        assert_within(dividends[e], spec["dividends"][e], tv.YUMA3_EPSILON, f"e{e} dividends")
        assert_within(server_bonds(sim, e), spec["bonds"][e], tv.YUMA3_EPSILON, f"e{e} bonds")


@pytest.mark.parametrize("round_trip", [True, False], ids=["u16-round-trip", "float"])
def test_chain_yuma3_stable_miner(round_trip):
    sim = yuma.simulate(
        yuma.get_scenario("yuma3_stable_miner"), u16_bonds=round_trip, keep=("bonds",)
    )
    assert sim.square and sim.n_epochs == len(tv.STABLE_MINER_DIVIDENDS)
    for e in range(sim.n_epochs):
        assert_within(sim.dividends[e], tv.STABLE_MINER_DIVIDENDS[e], tv.YUMA3_EPSILON, f"e{e}")
        assert_within(server_bonds(sim, e), tv.STABLE_MINER_BONDS[e], tv.YUMA3_EPSILON, f"e{e}")


@pytest.mark.parametrize("square", [False, True], ids=["rectangular", "square"])
def test_chain_yuma3_bonds_reset(square):
    sc = yuma.get_scenario("yuma3_bonds_reset")
    assert sc.n_epochs == tv.BONDS_RESET_EPOCHS
    assert sc.events == (yuma.BondReset(epoch=20, uid=3),)
    sim = yuma.simulate(sc.to_square() if square else sc, keep=("bonds",))
    dividends = sim.per_uid()["dividends"]
    for e, want in tv.BONDS_RESET_DIVIDENDS.items():
        assert_within(dividends[e], want, tv.YUMA3_EPSILON, f"e{e} dividends")
    for e, want in tv.BONDS_RESET_BONDS.items():
        assert_within(server_bonds(sim, e), want, tv.YUMA3_EPSILON, f"e{e} bonds")


def test_chain_bonds_reset_needs_the_reset():
    # Without the reset the bonds on server 1 at e20 would still be positive.
    sc = yuma.get_scenario("yuma3_bonds_reset")
    sim = yuma.simulate(dataclasses.replace(sc, events=()), keep=("bonds",))
    assert np.all(sim.bonds[20][:, 0] > 0.01)


# --------------------------------------------------------------------------------------
# simulate is a fold of epoch(): a hand loop, written out independently
# --------------------------------------------------------------------------------------


def hand_loop(sc: yuma.Scenario, params, variant, u16: bool):
    """The documented semantics, step by step, without the library's schedules."""
    n_epochs, n_rows, n_cols = sc.weights.shape
    first_col_uid = 0 if n_rows == n_cols else n_rows
    stake = np.array(sc.stakes)
    active = np.ones((n_epochs, n_rows), dtype=bool)
    present = np.ones((n_epochs, n_cols), dtype=bool)
    reset = [set() for _ in range(n_epochs)]
    for ev in sorted(sc.events, key=lambda e: e.epoch):
        if isinstance(ev, yuma.StakeChange):
            stake[ev.epoch:, ev.uid] = ev.stake
        elif isinstance(ev, yuma.Inactive):
            active[ev.epoch:(n_epochs if ev.until is None else ev.until), ev.uid] = False
        else:
            reset[ev.epoch].add(ev.uid - first_col_uid)
    churn = {}
    for ev in sorted(sc.events, key=lambda e: e.epoch):
        if isinstance(ev, (yuma.MinerJoin, yuma.MinerLeave)):
            churn.setdefault(ev.uid - first_col_uid, []).append(ev)
    for col, evs in churn.items():
        state = not isinstance(evs[0], yuma.MinerJoin)
        k = 0
        for t in range(n_epochs):
            while k < len(evs) and evs[k].epoch == t:
                state = isinstance(evs[k], yuma.MinerJoin)
                k += 1
            present[t, col] = state

    bonds, permit, stored_consensus, results, inputs = None, None, None, [], []
    for t in range(n_epochs):
        w = np.array(sc.weights[t])
        for c in sc.copiers:
            if t >= c.lag:
                w[c.uid] = results[t - c.lag].consensus
            elif c.warmup == "first" and t >= 1:
                w[c.uid] = results[0].consensus
            else:
                w[c.uid] = 0.0
        w[:, ~present[t]] = 0.0
        if bonds is not None and reset[t]:
            bonds = np.array(bonds)
            bonds[:, sorted(reset[t])] = 0.0
        r = yuma.epoch(
            w, stake[t], bonds, params=params, variant=variant, active=active[t],
            validator_permit=permit, previous_consensus=stored_consensus,
        )
        results.append(r)
        inputs.append(w)
        bonds = np.floor(r.bonds * 65535) / 65535 if u16 else r.bonds
        permit = r.validator_permit
        # The chain stores floor(65535 C) as u16; the next epoch's liquid alpha may read it.
        stored_consensus = np.floor(r.consensus * 65535) / 65535 if u16 else r.consensus
    return results, inputs, stake, bonds


def twin(params: yuma.YumaParams) -> yuma.Variant:
    """A user Variant equal to the params' built-in (runs epoch's generic path)."""
    return dataclasses.replace(yuma.VARIANTS[params.variant], name="user-" + params.variant)


ALL_FIELDS = (
    "stake", "active", "active_stake", "validator_permit", "validator_trust", "dividends",
    "validator_emission", "consensus", "rank", "trust", "incentive", "server_emission",
    "emission",
)


@settings(max_examples=30)
@given(sc=scenarios(), params=scenario_params(), user=st.booleans())
def test_simulate_is_a_hand_loop_of_epoch(sc, params, user):
    variant = twin(params) if user else None
    sim = yuma.simulate(sc, params, variant=variant, keep=MATRIX_FIELDS)
    results, inputs, stake, final = hand_loop(sc, params, variant, sc.u16_bonds)
    assert sim.variant == results[0].variant
    np.testing.assert_array_equal(sim.raw_stake, stake)
    for name in ALL_FIELDS + MATRIX_FIELDS[1:]:
        want = np.stack([getattr(r, name) for r in results])
        np.testing.assert_array_equal(getattr(sim, name), want, err_msg=name)
    np.testing.assert_array_equal(sim.input_weights, np.stack(inputs))
    np.testing.assert_array_equal(sim.final_bonds, final)
    np.testing.assert_array_equal(sim.final_validator_permit, results[-1].validator_permit)


@settings(max_examples=30)
@given(sc=scenarios(), params=scenario_params())
def test_emission_conserved_and_bonds_bounded(sc, params):
    sim = yuma.simulate(sc, params, keep=("bonds", "ema_bonds"))
    for t in range(sim.n_epochs):
        total = math.fsum(sim.emission[t])
        if sim.raw_stake[t].sum() > 0:
            assert abs(total - 1.0) <= TOL, f"epoch {t}: emission sums to {total!r}"
            parts = math.fsum(sim.server_emission[t]) + math.fsum(sim.validator_emission[t])
            assert abs(parts - 1.0) <= TOL, f"epoch {t}: server + validator {parts!r}"
        else:
            assert np.all(sim.emission[t] == 0.0)
        for name in ("bonds", "ema_bonds"):
            b = getattr(sim, name)[t]
            assert np.all((b >= 0.0) & (b <= 1.0 + TOL)), f"epoch {t}: {name} {b}"
    if sim.u16_bonds:
        units = sim.final_bonds * 65535
        np.testing.assert_array_equal(units, np.round(units))
    for name in ALL_FIELDS:
        assert np.all(np.isfinite(getattr(sim, name))), name


@settings(max_examples=25)
@given(
    sc=scenarios(max_epochs=5, copiers=False).filter(lambda s: s.n_epochs >= 2),
    params=scenario_params(),
    data=st.data(),
)
def test_bond_reset_zeroes_exactly_that_column(sc, params, data):
    """A BondReset at epoch t: that epoch's EMA starts column c from 0; nothing else moves."""
    t = data.draw(st.integers(1, sc.n_epochs - 1), label="epoch")
    col = data.draw(st.integers(0, sc.n_cols - 1), label="column")
    uid = col if sc.square else sc.n_rows + col
    with_reset = dataclasses.replace(sc, events=sc.events + (yuma.BondReset(t, uid),))
    keep = ("input_weights", "ema_bonds", "bonds")
    a = yuma.simulate(with_reset, params, keep=keep)
    b = yuma.simulate(sc, params, keep=keep)
    for name in ("dividends", "bonds", "ema_bonds"):
        np.testing.assert_array_equal(getattr(a, name)[:t], getattr(b, name)[:t], err_msg=name)
    other = np.arange(sc.n_cols) != col
    # The bond EMA of every built-in variant works column by column.
    np.testing.assert_array_equal(a.ema_bonds[t][:, other], b.ema_bonds[t][:, other])
    # Column c (and any column the scenario's own events reset at t): as if the carried
    # bonds had been zero.
    carried = np.array(a.bonds[t - 1])
    if a.u16_bonds:
        carried = u16_round_trip(carried)
    carried[:, with_reset.reset_schedule()[t]] = 0.0
    prev_cons = a.consensus[t - 1]
    if a.u16_bonds:
        prev_cons = np.floor(prev_cons * 65535) / 65535
    r = yuma.epoch(
        a.input_weights[t], a.raw_stake[t], carried, params=params, active=a.active[t],
        validator_permit=a.validator_permit[t - 1], previous_consensus=prev_cons,
    )
    np.testing.assert_array_equal(a.ema_bonds[t], r.ema_bonds)
    zero = yuma.epoch(
        a.input_weights[t], a.raw_stake[t], np.zeros_like(carried), params=params,
        active=a.active[t], validator_permit=a.validator_permit[t - 1],
        previous_consensus=prev_cons,
    )
    np.testing.assert_array_equal(a.ema_bonds[t][:, col], zero.ema_bonds[:, col])


def test_bond_reset_by_hand_yuma3():
    # Yuma 3 without liquid alpha: the reset column restarts at alpha * W_b.
    sc = yuma.get_scenario("all_validators_switch")
    sc = dataclasses.replace(sc, events=(yuma.BondReset(15, 3),))
    sim = yuma.simulate(sc, keep=("ema_bonds", "weights_for_bonds", "bonds"))
    alpha = sim.params.ema_alpha
    np.testing.assert_array_equal(sim.bonds[14][:, 0] > 0, [True, True, True])
    np.testing.assert_allclose(sim.ema_bonds[15][:, 0], alpha * sim.weights_for_bonds[15][:, 0])
    assert np.all(sim.ema_bonds[15][:, 0] == 0.0)  # nobody weights UID 3 after epoch 10
    np.testing.assert_array_equal(sim.ema_bonds[15][:, 1] > 0, [True, True, True])


@settings(max_examples=20)
@given(sc=scenarios(max_epochs=5), params=scenario_params())
def test_user_variant_runs_like_the_builtin(sc, params):
    sc = dataclasses.replace(sc, u16_bonds=False)  # a floor could turn a last-bit difference
    builtin = yuma.simulate(sc, params)
    user = yuma.simulate(sc, params, variant=twin(params))
    assert user.variant == "user-" + params.variant
    for name in ALL_FIELDS:
        got, want = getattr(user, name), getattr(builtin, name)
        if got.dtype == np.bool_:
            np.testing.assert_array_equal(got, want, err_msg=name)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("name", ["yuma3_kappa_moves_first", "weight_copier", "miner_churn"])
@pytest.mark.parametrize("variant", ["yuma2", "yuma3"])
def test_user_variant_on_catalogue(name, variant):
    sc = yuma.get_scenario(name)
    builtin = yuma.simulate(sc, variant=variant)
    user = yuma.simulate(sc, variant=dataclasses.replace(yuma.VARIANTS[variant], name="mine"))
    assert user.variant == "mine"
    for field in ALL_FIELDS:
        np.testing.assert_allclose(
            getattr(user, field), getattr(builtin, field), rtol=1e-7, atol=1e-9, err_msg=field
        )


def test_registered_user_variant_by_name(monkeypatch):
    mine = dataclasses.replace(yuma.YUMA3, name="mine-registered")
    monkeypatch.setitem(yuma.VARIANTS, mine.name, mine)
    sc = yuma.get_scenario("kappa_delayed")
    by_name = yuma.simulate(sc, variant="mine-registered")
    by_params = yuma.simulate(sc, yuma.YumaParams(variant="mine-registered"))
    by_value = yuma.simulate(sc, variant=mine)
    for field in ALL_FIELDS:
        np.testing.assert_array_equal(getattr(by_name, field), getattr(by_value, field))
        np.testing.assert_array_equal(getattr(by_params, field), getattr(by_value, field))


def test_a_custom_bond_rule_changes_the_trajectory():
    def fast_bonds(bonds, weights_for_bonds, active_stake, consensus, entries, params):
        return yuma.mat_ema(bonds, weights_for_bonds, 0.5)

    fast = dataclasses.replace(yuma.YUMA3, name="fast", update_bonds=fast_bonds)
    sc = yuma.get_scenario("all_validators_switch")
    sim = yuma.simulate(sc, variant=fast, keep=("bonds",))
    np.testing.assert_allclose(sim.bonds[0][:, 0], 0.5)
    np.testing.assert_allclose(sim.bonds[1][:, 0], 0.75)


# --------------------------------------------------------------------------------------
# Progress, accessors, frames, state
# --------------------------------------------------------------------------------------


def test_progress_bar_does_not_change_results(capsys):
    sc = yuma.get_scenario("weight_copier")
    quiet = yuma.simulate(sc)
    assert capsys.readouterr().err == ""
    loud = yuma.simulate(sc, progress=True)
    err = capsys.readouterr().err
    assert "weight_copier" in err and f"{sc.n_epochs}/{sc.n_epochs} epochs" in err
    assert err.endswith("\n")
    for field in ALL_FIELDS + ("raw_stake", "final_bonds", "final_validator_permit"):
        np.testing.assert_array_equal(getattr(loud, field), getattr(quiet, field))


def test_epochs_runs_a_prefix():
    sc = yuma.get_scenario("kappa_delayed")
    full = yuma.simulate(sc, keep=("bonds",))
    part = yuma.simulate(sc, epochs=12, keep=("bonds",))
    assert part.n_epochs == len(part) == 12
    for field in ALL_FIELDS + ("bonds",):
        np.testing.assert_array_equal(getattr(part, field), getattr(full, field)[:12])
    np.testing.assert_array_equal(part.final_bonds, full.bonds[11])


def test_continuing_from_the_final_state():
    # Two halves of a constant-weights run give the same as one run.
    sc = yuma.get_scenario("one_epoch_deviation")
    full = yuma.simulate(sc)
    head = yuma.simulate(sc, epochs=25)
    tail_sc = yuma.Scenario(name="tail", weights=sc.weights[25:], stakes=sc.stakes[25:])
    tail = yuma.simulate(
        tail_sc, bonds=head.final_bonds, validator_permit=head.final_validator_permit
    )
    np.testing.assert_array_equal(tail.dividends, full.dividends[25:])
    np.testing.assert_array_equal(tail.final_bonds, full.final_bonds)


def test_accessors():
    sc = yuma.get_scenario("miner_churn")
    sim = yuma.simulate(sc, keep=("bonds",))
    assert (sim.n_epochs, sim.n_rows, sim.n_cols, sim.n_uids) == (40, 6, 6, 6)
    assert sim.kept == ("bonds",)
    assert sim.roles == ("validator",) * 3 + ("miner",) * 3
    e = sim.at(7)
    assert set(e) >= {"dividends", "incentive", "emission", "raw_stake", "bonds"}
    np.testing.assert_array_equal(e["dividends"], sim.dividends[7])
    np.testing.assert_array_equal(sim[-1]["bonds"], sim.bonds[39])
    with pytest.raises(IndexError):
        sim.at(40)
    assert sim.weights is None and "weights" not in e


def test_per_uid_and_frame_rectangular():
    sc = yuma.get_scenario("weight_copier")
    sim = yuma.simulate(sc)
    per_uid = sim.per_uid()
    assert per_uid["dividends"].shape == (40, 9)
    np.testing.assert_array_equal(per_uid["dividends"][:, :4], sim.dividends)
    np.testing.assert_array_equal(per_uid["dividends"][:, 4:], 0.0)
    np.testing.assert_array_equal(per_uid["incentive"][:, 4:], sim.incentive)
    frame = sim.to_frame()
    assert list(frame.columns[:3]) == ["epoch", "uid", "role"]
    assert len(frame) == 40 * 9
    assert set(frame["role"]) == {"validator", "copier", "miner"}
    assert frame.loc[frame.uid == 3, "role"].eq("copier").all()
    row = frame[(frame.epoch == 5) & (frame.uid == 6)].iloc[0]
    assert row["incentive"] == sim.incentive[5, 2]
    np.testing.assert_allclose(frame.groupby("epoch")["emission"].sum(), 1.0, atol=TOL)


def test_frame_needs_pandas(monkeypatch):
    sim = yuma.simulate(yuma.get_scenario("all_validators_switch"), epochs=2)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pandas"):
        sim.to_frame()


def test_keep_every_matrix_and_copies():
    sc = yuma.get_scenario("cabal")
    sim = yuma.simulate(sc, keep=MATRIX_FIELDS)
    for name in MATRIX_FIELDS:
        assert getattr(sim, name).shape == (40, 8, 8), name
    np.testing.assert_array_equal(sim.input_weights, sc.weights)  # no copier, no churn


# --------------------------------------------------------------------------------------
# u16 storage, winner-takes-all
# --------------------------------------------------------------------------------------


def test_u16_round_trip_is_the_chain_rule():
    b = np.array([[0.0, 0.1013, 1.0], [0.5, 1e-6, 0.99999]])
    np.testing.assert_array_equal(u16_round_trip(b), np.floor(b * 65535) / 65535)
    # Yuma 2 stores column max-upscaled u16 ints and reads them column-normalized: dividing
    # the ints by 65535 first changes nothing.
    stored = yuma.col_max_upscale(np.array([[0.3, 0.0], [0.7, 0.2]]))
    ints = np.floor(stored * 65535)
    np.testing.assert_allclose(
        yuma.col_normalize(u16_round_trip(stored)), yuma.col_normalize(ints), rtol=1e-15
    )


@pytest.mark.parametrize("variant", ["yuma2", "yuma3"])
def test_u16_bonds_option(variant):
    sc = yuma.get_scenario("kappa_delayed")
    on = yuma.simulate(sc, variant=variant, u16_bonds=True, keep=("bonds",))
    off = yuma.simulate(sc, variant=variant, u16_bonds=False)
    assert on.u16_bonds and not off.u16_bonds
    np.testing.assert_array_equal(on.final_bonds, u16_round_trip(on.bonds[-1]))
    assert not np.array_equal(on.dividends, off.dividends)
    np.testing.assert_allclose(on.dividends, off.dividends, atol=1e-3)


def test_winner_takes_all_keeps_only_the_top_column():
    sc = yuma.get_scenario("server_side_wta")
    sim = yuma.simulate(sc, keep=("clipped_weights",))
    assert sim.variant == "yuma3+wta"
    winners = np.argmax(sim.consensus, axis=1)
    for t in range(sim.n_epochs):
        assert np.count_nonzero(sim.incentive[t]) == 1
        assert sim.incentive[t, winners[t]] == 1.0
        losers = np.arange(sim.n_cols) != winners[t]
        assert np.all(sim.clipped_weights[t][:, losers] == 0.0)
    plain = yuma.simulate(dataclasses.replace(sc, winner_takes_all=False))
    assert plain.variant == "yuma3"
    assert np.all(np.count_nonzero(plain.incentive, axis=1) == 2)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 41}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"keep": ("bond",)}, "keep"),
        ({"keep": 3}, "keep"),
        ({"u16_bonds": "yes"}, "u16_bonds"),
        ({"variant": "yuma4"}, "variant"),
        ({"bonds": np.zeros((2, 2))}, "bonds"),
        ({"bonds": -np.ones((3, 2))}, "bonds"),
        ({"validator_permit": [True]}, "validator_permit"),
        ({"progress": "no"}, "progress"),
    ],
)
def test_simulate_rejects_bad_arguments(kwargs, match):
    sc = yuma.get_scenario("all_validators_switch")
    with pytest.raises(ValueError, match=match):
        yuma.simulate(sc, **kwargs)


def test_simulate_rejects_bad_scenario_and_params():
    with pytest.raises(ValueError, match="scenario"):
        yuma.simulate({"weights": np.zeros((1, 2, 3))})
    with pytest.raises(ValueError, match="params"):
        yuma.simulate(yuma.get_scenario("all_validators_switch"), {"kappa": 0.5})


@pytest.mark.parametrize("module", ["yuma.simulate", "yuma.scenarios", "yuma.metrics"])
def test_doctests(module):
    mod = importlib.import_module(module)  # the module, not the function yuma.simulate
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0 and result.attempted > 0, module


PUBLIC_FUNCTIONS = {
    "simulate": yuma.simulate,
    "get_scenario": yuma.get_scenario,
    "list_scenarios": yuma.list_scenarios,
    "u16_round_trip": u16_round_trip,
    "winner_takes_all": winner_takes_all,
    "Scenario.from_rectangular": yuma.Scenario.from_rectangular,
    "Scenario.to_square": yuma.Scenario.to_square,
    "Simulation.at": yuma.Simulation.at,
    "Simulation.per_uid": yuma.Simulation.per_uid,
    "Simulation.to_frame": yuma.Simulation.to_frame,
    **{f"metrics.{n}": getattr(yuma.metrics, n) for n in yuma.sim.metrics.__all__},
}


@pytest.mark.parametrize("qualname", sorted(PUBLIC_FUNCTIONS))
def test_public_api_numpydoc(qualname):
    from test_docs import documented_parameters, numpydoc_sections, signature_parameters

    fn = PUBLIC_FUNCTIONS[qualname]
    doc = inspect.getdoc(fn)
    assert doc and "\n" not in doc.split("\n\n", 1)[0].strip(), qualname
    assert documented_parameters(doc) == signature_parameters(fn), qualname
    assert "Returns" in numpydoc_sections(doc), qualname


@pytest.mark.parametrize(
    "cls",
    [yuma.Scenario, yuma.BondReset, yuma.StakeChange, yuma.Inactive, yuma.MinerJoin,
     yuma.MinerLeave, yuma.WeightCopier],
)
def test_data_classes_document_their_fields(cls):
    from test_docs import documented_parameters

    fields = [f.name for f in dataclasses.fields(cls)]
    assert documented_parameters(inspect.getdoc(cls)) == fields, cls.__name__

"""yuma.analysis.influence: removal impact, moving toward consensus, Shapley values.

Every epoch the module runs is checked against an explicit loop of ``yuma.epoch`` on arrays
cut by hand (``np.delete``), and the Shapley values against the average over all
permutations (another formula than the module's subset weights).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yuma
from yuma.analysis import influence
from yuma.analysis.influence import (
    consensus_sensitivity,
    incentive_distance,
    miner_incentive,
    removal_impact,
    shapley,
    uid_emission,
    validator_dividends,
    value_function,
)
from yuma.testing.strategies import epoch_inputs

SN15 = Path(__file__).parent / "data" / "real" / "sn15_block4769998.pt"

# --------------------------------------------------------------------------------------
# The explicit reference: cut the arrays by hand, run yuma.epoch, put the UIDs back
# --------------------------------------------------------------------------------------

_ROW_KEYS = ("stake", "active", "validator_permit", "last_update", "commit_block")
_COL_KEYS = ("block_at_registration", "reset_bonds")


def cut(kwargs: dict, removed: list[int], permits: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """yuma.epoch arguments with the UIDs ``removed`` taken out; the rows and cols kept."""
    w = np.asarray(kwargs["weights"], dtype=np.float64)
    n_rows, n_cols = w.shape
    square = n_rows == n_cols
    removed = sorted(removed)
    if square:
        drop_rows, drop_cols = removed, removed
    else:
        drop_rows = [u for u in removed if u < n_rows]
        drop_cols = [u - n_rows for u in removed if u >= n_rows]
    out = dict(kwargs)
    for key in ("weights", "bonds", "listed"):
        if out.get(key) is not None:
            out[key] = np.delete(np.delete(np.asarray(out[key]), drop_rows, 0), drop_cols, 1)
    for key in _ROW_KEYS:
        if out.get(key) is not None:
            out[key] = np.delete(np.asarray(out[key]), drop_rows)
    for key in _COL_KEYS:
        if out.get(key) is not None:
            out[key] = np.delete(np.asarray(out[key]), drop_cols)
    if out.get("previous_consensus") is not None:  # aligned by UID: drop the removed ones
        pc = np.asarray(out["previous_consensus"])
        out["previous_consensus"] = np.delete(pc, [j for j in drop_cols if j < pc.size])
    owner = out.get("owner_uid")
    if owner is not None:
        out["owner_uid"] = None if owner in drop_rows else owner - sum(r < owner for r in drop_rows)
    params = out.get("params") or yuma.YumaParams()
    if permits == "recompute":
        s = yuma.stake_weights(out["stake"], stake_threshold=out.get("stake_threshold", 0.0),
                               owner_uid=out.get("owner_uid"))
        out["validator_permit"] = yuma.validator_permits(
            s, params.max_allowed_validators, owner_uid=out.get("owner_uid"))
    if not square and out["weights"].shape[0] == out["weights"].shape[1]:
        # the module's rule: a rectangular subnet cut to a square shape gets an empty miner
        for key, fill in (("weights", 0.0), ("bonds", 0.0), ("listed", False)):
            if out.get(key) is not None:
                m = out[key]
                out[key] = np.concatenate([m, np.full((m.shape[0], 1), fill, m.dtype)], axis=1)
        for key, fill in (("block_at_registration", 0), ("reset_bonds", False)):
            if out.get(key) is not None:
                out[key] = np.append(out[key], np.asarray(fill, dtype=out[key].dtype))
    rows = np.setdiff1d(np.arange(n_rows), drop_rows)
    cols = np.setdiff1d(np.arange(n_cols), drop_cols)
    return out, rows, cols


def put_back(vec: np.ndarray, keep: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=vec.dtype)
    out[keep] = vec
    return out


def per_uid_after(kwargs: dict, removed: list[int], permits: str) -> dict:
    """Per-UID fields of the epoch without ``removed``, on the full UID index."""
    small, rows, cols = cut(kwargs, removed, permits)
    n_rows, n_cols = np.shape(kwargs["weights"])
    square = n_rows == n_cols
    keep = rows if square else np.concatenate([rows, n_rows + cols])
    n = n_rows if square else n_rows + n_cols
    r = yuma.epoch(**small)
    vectors = r.per_uid()
    assert r.square == square  # the empty miner keeps a rectangular subnet rectangular
    if not square and r.weights.shape[1] > cols.size:  # drop the empty miner
        vectors = {f: v[: rows.size + cols.size] for f, v in vectors.items()}
    return {f: put_back(v, keep, n) for f, v in vectors.items()}


def explicit_shapley(kwargs: dict, players: list[int], value, permits: str) -> np.ndarray:
    """Average of the marginal contributions over all p! orders (explicit epochs)."""
    p = len(players)
    cache: dict[frozenset, float] = {}

    def v(coalition: frozenset) -> float:
        if coalition not in cache:
            removed = [u for u in players if u not in coalition]
            cache[coalition] = value(per_uid_after(kwargs, removed, permits))
        return cache[coalition]

    phi = np.zeros(p)
    orders = list(itertools.permutations(range(p)))
    for order in orders:
        present: frozenset = frozenset()
        for k in order:
            phi[k] += v(present | {players[k]}) - v(present)
            present = present | {players[k]}
    return phi / len(orders)


def small_subnet(seed: int = 0, n_val: int = 4, n_min: int = 5, square: bool = True) -> dict:
    rng = np.random.default_rng(seed)
    if square:
        n = n_val + n_min
        w = np.zeros((n, n))
        w[:n_val, n_val:] = rng.choice([0.0, 0.2, 0.5, 1.0], size=(n_val, n_min))
        stake = np.concatenate([rng.uniform(1.0, 10.0, n_val), np.zeros(n_min)])
    else:
        w = rng.choice([0.0, 0.2, 0.5, 1.0], size=(n_val, n_min))
        stake = rng.uniform(1.0, 10.0, n_val)
    return {"weights": w, "stake": stake}


# --------------------------------------------------------------------------------------
# Removal impact == an explicit loop
# --------------------------------------------------------------------------------------


@st.composite
def inputs_with_extras(draw):
    kw = draw(epoch_inputs(max_validators=6, max_miners=6))
    n_rows, n_cols = kw["weights"].shape
    if n_rows and draw(st.booleans()):
        kw["owner_uid"] = draw(st.integers(0, n_rows - 1))
    if draw(st.booleans()):
        kw["last_update"] = np.array(draw(st.lists(st.integers(0, 20), min_size=n_rows,
                                                   max_size=n_rows)), dtype=np.int64)
        kw["block_at_registration"] = np.array(
            draw(st.lists(st.integers(0, 20), min_size=n_cols, max_size=n_cols)),
            dtype=np.int64)
    if draw(st.booleans()):
        kw["reset_bonds"] = np.array(draw(st.lists(st.booleans(), min_size=n_cols,
                                                   max_size=n_cols)))
    if draw(st.booleans()):
        kw["stake_threshold"] = draw(st.sampled_from([0.0, 1.0, 5.0]))
    if draw(st.booleans()):
        m = draw(st.integers(0, n_cols + 1))
        kw["previous_consensus"] = np.array(draw(st.lists(st.sampled_from([0.0, 0.3, 1.0]),
                                                         min_size=m, max_size=m)))
        if draw(st.booleans()):  # where the previous consensus is read
            kw["params"] = yuma.YumaParams(variant="yuma3", liquid_alpha=True,
                                           liquid_alpha_consensus_mode="previous")
    return kw


@settings(max_examples=40)
@given(kw=inputs_with_extras(), permits=st.sampled_from(influence.PERMIT_RULES))
def test_removal_impact_is_the_explicit_loop(kw, permits):
    extra = {k: v for k, v in kw.items() if k not in ("weights", "stake", "bonds")}
    impact = removal_impact(kw["weights"], kw["stake"], kw["bonds"], permits=permits, **extra)
    n_rows, n_cols = kw["weights"].shape
    n = n_rows if n_rows == n_cols else n_rows + n_cols
    assert impact.uids.tolist() == list(range(n))
    base = per_uid_after(kw, [], permits)
    for f in influence.REMOVAL_FIELDS:
        assert np.array_equal(impact.base[f], base[f]), f
    for r, uid in enumerate(impact.uids.tolist()):
        expected = per_uid_after(kw, [uid], permits)
        for f in influence.REMOVAL_FIELDS:
            assert np.array_equal(impact.after[f][r], expected[f]), (uid, f)
            assert impact.after[f][r][uid] == 0.0


def test_removal_impact_value_shift_and_marginal():
    kw = small_subnet(1)
    value = validator_dividends(1)
    impact = removal_impact(**kw, uids=[0, 2, 5], value=value)
    for r, uid in enumerate([0, 2, 5]):
        after = per_uid_after(kw, [uid], "recompute")
        assert impact.value_after[r] == after["dividends"][1]
        d = np.abs(after["incentive"] - impact.base["incentive"])
        d[uid] = 0.0
        assert impact.shift("incentive")[r] == pytest.approx(d.sum(), abs=1e-15)
    assert impact.value_all == per_uid_after(kw, [], "recompute")["dividends"][1]
    assert np.array_equal(impact.marginal, impact.value_all - impact.value_after)
    frame = impact.to_frame()
    assert frame.index.tolist() == [0, 2, 5]
    assert np.allclose(frame["marginal"], impact.marginal)


def test_removal_in_the_rectangular_form_drops_a_miner_column():
    kw = small_subnet(2, square=False)
    impact = removal_impact(**kw, uids=[4 + 2])  # the third miner
    expected = per_uid_after(kw, [6], "recompute")
    assert np.array_equal(impact.after["incentive"][0], expected["incentive"])
    assert impact.after["incentive"][0][6] == 0.0
    assert impact.after["incentive"][0].sum() == pytest.approx(1.0)


def test_removing_the_owner_and_given_permits():
    kw = small_subnet(3)
    kw["owner_uid"] = 2
    kw["validator_permit"] = np.array([True, False, True, True] + [False] * 5)
    for permits in influence.PERMIT_RULES:
        impact = removal_impact(**kw, uids=[2, 1], permits=permits)
        for r, uid in enumerate([2, 1]):
            expected = per_uid_after(kw, [uid], permits)
            assert np.array_equal(impact.after["dividends"][r], expected["dividends"])
    # the rule matters: validator 1 loses its permit under "given" only
    given_ = removal_impact(**kw, uids=[0], permits="given")
    recomputed = removal_impact(**kw, uids=[0], permits="recompute")
    assert given_.base["dividends"][1] == 0.0 < recomputed.base["dividends"][1]


def test_removal_never_writes_into_the_callers_arrays():
    kw = small_subnet(4)
    kw["bonds"] = np.full_like(kw["weights"], 0.1)
    frozen = {k: np.array(v) for k, v in kw.items()}
    for v in kw.values():
        v.flags.writeable = False
    removal_impact(**kw)
    shapley(**kw, value="incentive-l1")
    consensus_sensitivity(**kw)
    for k, v in kw.items():
        assert np.array_equal(v, frozen[k])


# --------------------------------------------------------------------------------------
# Moving toward the consensus
# --------------------------------------------------------------------------------------


def test_consensus_sensitivity_is_the_explicit_loop():
    kw = small_subnet(5)
    sens = consensus_sensitivity(**kw, uids=[0, 3], fractions=[0.0, 0.5, 1.0], value="incentive-l1")
    base = yuma.epoch(**kw, validator_permit=yuma.validator_permits(
        yuma.stake_weights(kw["stake"]), 64))
    assert np.array_equal(sens.target, base.consensus)
    for r, uid in enumerate([0, 3]):
        for s, t in enumerate([0.0, 0.5, 1.0]):
            w = np.array(kw["weights"])
            start = w[uid] / w[uid].sum()
            c = base.consensus.copy()
            c[uid] = 0.0
            w[uid] = (1 - t) * start + t * c / c.sum()
            moved = yuma.epoch(w, kw["stake"], validator_permit=yuma.validator_permits(
                yuma.stake_weights(kw["stake"]), 64))
            assert np.array_equal(sens.after["incentive"][r, s], moved.incentive)
            assert sens.value_after[r, s] == pytest.approx(
                np.abs(moved.incentive - base.incentive).sum(), abs=1e-15)
    # t = 0 is the unchanged epoch up to the row's renormalization
    assert np.allclose(sens.after["dividends"][:, 0], sens.base["dividends"], atol=1e-12)
    assert sens.own("dividends").shape == (2, 3)
    assert sens.shift("incentive").shape == (2, 3)


def test_a_validator_already_at_consensus_moves_nothing():
    w = np.zeros((3, 5))
    w[0, 3:] = [0.5, 0.5]
    w[1, 3:] = [0.5, 0.5]
    w[2, 3:] = [0.9, 0.1]
    kw = {"weights": w, "stake": np.array([4.0, 4.0, 1.0])}
    sens = consensus_sensitivity(**kw, uids=[0], fractions=[1.0])
    assert np.allclose(sens.delta("incentive"), 0.0, atol=1e-15)
    moved = consensus_sensitivity(**kw, uids=[2], fractions=[1.0])
    assert moved.own("dividends")[0, 0] > 0.0  # the clipped validator gains by agreeing


# --------------------------------------------------------------------------------------
# Shapley values
# --------------------------------------------------------------------------------------


def uid_value(field: str, uid: int):
    return lambda per_uid: per_uid[field][uid]


@pytest.mark.parametrize("square", [True, False])
def test_exact_shapley_is_the_average_over_all_orders(square):
    kw = small_subnet(6, n_val=4, square=square)
    miner = 4 + 1  # the second miner, in both forms
    for spec, ref_value in [
        (miner_incentive(miner), uid_value("incentive", miner)),
        (validator_dividends(0), uid_value("dividends", 0)),
        (uid_emission(2), uid_value("emission", 2)),
    ]:
        sv = shapley(**kw, value=spec, method="exact")
        assert sv.players.tolist() == [0, 1, 2, 3]
        expected = explicit_shapley(kw, [0, 1, 2, 3], ref_value, "recompute")
        assert np.allclose(sv.values, expected, atol=1e-14, rtol=0), spec
        assert sv.evaluations == 16 and sv.method == "exact" and sv.converged


@settings(max_examples=30)
@given(kw=epoch_inputs(max_validators=5, max_miners=5),
       method=st.sampled_from(["exact", "sampled"]),
       permits=st.sampled_from(influence.PERMIT_RULES))
def test_efficiency(kw, method, permits):
    extra = {k: v for k, v in kw.items() if k not in ("weights", "stake", "bonds")}
    n_rows = kw["weights"].shape[0]
    sv = shapley(kw["weights"], kw["stake"], kw["bonds"], value="incentive-l2",
                 players=list(range(n_rows)), method=method, max_permutations=8,
                 permits=permits, **extra)
    assert abs(sv.efficiency_gap) <= 1e-12
    assert np.all(np.isfinite(sv.values)) and np.all(np.isfinite(sv.standard_errors))
    # v(none): every validator removed, the library's zero-stake epoch
    assert sv.value_none == pytest.approx(np.linalg.norm(per_uid_after(
        kw, [], permits)["incentive"]), abs=1e-12)


def test_symmetry_two_identical_validators():
    rng = np.random.default_rng(7)
    w = rng.uniform(0.0, 1.0, size=(5, 6))
    w[3] = w[1]
    stake = np.array([5.0, 3.0, 2.0, 3.0, 1.0])
    for value in ["incentive-l1", miner_incentive(5 + 2), uid_emission(5)]:
        sv = shapley(w, stake, value=value, method="exact")
        assert sv.values[1] == pytest.approx(sv.values[3], rel=1e-12, abs=1e-15)
        assert sv.values[0] != pytest.approx(sv.values[1], rel=1e-6)


def test_symmetry_in_the_square_form():
    n_val, n_min = 4, 4
    n = n_val + n_min
    w = np.zeros((n, n))
    w[:n_val, n_val:] = [[1, 2, 3, 4], [4, 3, 2, 1], [1, 1, 0, 5], [4, 3, 2, 1]]
    stake = np.array([3.0, 2.0, 4.0, 2.0] + [0.0] * n_min)
    sv = shapley(w, stake, value=validator_dividends(0), method="exact")
    assert sv.values[1] == pytest.approx(sv.values[3], rel=1e-12, abs=1e-15)


def test_null_player_gets_zero():
    kw = small_subnet(8, n_val=4)
    kw["stake"][2] = 0.0  # stake zero: no permit, no weight counted, no dividends
    for value in ["incentive-l1", validator_dividends(0), uid_emission(6)]:
        sv = shapley(**kw, value=value, players=[0, 1, 2, 3], method="exact")
        assert sv.values[2] == pytest.approx(0.0, abs=1e-15)
        assert np.any(np.abs(sv.values) > 1e-6)
    # a validator whose weights are empty and whose stake is zero: also null
    kw["weights"][2] = 0.0
    sv = shapley(**kw, value="incentive-l1", players=[0, 1, 2, 3], method="sampled",
                 max_permutations=16)
    assert sv.values[2] == pytest.approx(0.0, abs=1e-15)


def test_linearity():
    kw = small_subnet(9, n_val=4)
    v1, v2 = miner_incentive(5), validator_dividends(1)

    def combined(result):
        return 2.0 * v1(result) - 0.5 * v2(result)

    phi1 = shapley(**kw, value=v1, method="exact").values
    phi2 = shapley(**kw, value=v2, method="exact").values
    phi = shapley(**kw, value=combined, method="exact").values
    assert np.allclose(phi, 2.0 * phi1 - 0.5 * phi2, atol=1e-14, rtol=0)


def test_two_players_antithetic_pairs_are_exact():
    kw = small_subnet(10, n_val=2)
    exact = shapley(**kw, value="incentive-l1", method="exact")
    for seed in (0, 1, 2):
        sampled = shapley(**kw, value="incentive-l1", method="sampled", seed=seed,
                          max_permutations=4)
        assert np.allclose(sampled.values, exact.values, atol=1e-15)
        assert np.all(sampled.standard_errors == 0.0)


def test_sampled_converges_to_exact():
    kw = small_subnet(11, n_val=6, n_min=6)
    exact = shapley(**kw, value="incentive-l1", method="exact")
    assert exact.evaluations == 64
    short = shapley(**kw, value="incentive-l1", method="sampled", max_permutations=16)
    long = shapley(**kw, value="incentive-l1", method="sampled", max_permutations=1024)
    for est in (short, long):
        assert abs(est.efficiency_gap) < 1e-12
        assert np.all(np.abs(est.values - exact.values) <= 4.0 * est.standard_errors + 1e-12)
    assert long.standard_errors.max() < short.standard_errors.max() / 4.0
    assert np.abs(long.values - exact.values).max() < np.abs(exact.values).max() / 20.0
    # each coalition is run once, whatever the number of permutations
    assert long.evaluations <= 64


def test_stopping_rule_and_determinism():
    kw = small_subnet(12, n_val=7, n_min=6)
    a = shapley(**kw, value=miner_incentive(8), method="sampled", tolerance=0.01,
                max_permutations=2000, batch_permutations=8, seed=3)
    assert a.converged and a.permutations < 2000 and a.permutations % 8 == 0
    assert a.standard_errors.max() <= 0.01
    b = shapley(**kw, value=miner_incentive(8), method="sampled", tolerance=0.01,
                max_permutations=2000, batch_permutations=8, seed=3)
    assert np.array_equal(a.values, b.values) and a.permutations == b.permutations
    c = shapley(**kw, value=miner_incentive(8), method="sampled", tolerance=1e-9,
                max_permutations=16, seed=4)
    assert not c.converged and c.permutations == 16
    assert not np.array_equal(c.values, a.values)


def test_auto_method_and_default_players():
    kw = small_subnet(13, n_val=5)
    kw["weights"][4] = 0.0  # no weights: not a default player
    sv = shapley(**kw, value="incentive-l1")
    assert sv.players.tolist() == [0, 1, 2, 3] and sv.method == "exact"
    inputs = yuma.core.check_inputs(kw["weights"], kw["stake"],
                                    params=yuma.YumaParams(max_allowed_validators=2))
    top2 = np.argsort(kw["stake"], kind="stable")[-2:]
    assert influence.default_players(inputs).tolist() == sorted(int(u) for u in top2 if u < 4)
    many = np.zeros((14, 15))
    many[:, 0] = 1.0
    big = shapley(many, np.arange(1.0, 15.0), value=miner_incentive(14), max_permutations=4)
    assert big.method == "sampled" and big.players.size == 14


def test_user_value_sees_the_full_index():
    kw = small_subnet(14, n_val=3)
    seen = []

    def probe(result):
        seen.append((result.weights.shape, result.incentive.shape, result.emission.shape,
                     bool(result.validator_permit[1]), float(result.stake[1])))
        return float(result.incentive[5])

    shapley(**kw, value=probe, players=[1], method="exact")
    assert [s[:3] for s in seen] == [((8, 8), (8,), (8,))] * 2
    assert seen[0][3:] == (True, pytest.approx(kw["stake"][1] / kw["stake"].sum()))
    assert seen[1][3:] == (False, 0.0)


def test_sn15_shapley_and_removal_agree_with_explicit_epochs():
    snap = yuma.io.read_simulator_dump(SN15)
    kw = snap.epoch_kwargs()
    players = [2, 52, 56]  # the three largest weight-setting stakes
    sv = shapley(**kw, value="incentive-l1", players=players, method="exact")
    base = per_uid_after(kw, [], "recompute")["incentive"]
    expected = explicit_shapley(
        kw, players, lambda per_uid: float(np.abs(per_uid["incentive"] - base).sum()),
        "recompute")
    assert np.allclose(sv.values, expected, atol=1e-14, rtol=0)
    assert abs(sv.efficiency_gap) < 1e-14
    impact = removal_impact(**kw, uids=players, value="incentive-l1")
    for r, uid in enumerate(players):
        after = per_uid_after(kw, [uid], "recompute")
        assert np.array_equal(impact.after["emission"][r], after["emission"])


# --------------------------------------------------------------------------------------
# Value functions and bad input
# --------------------------------------------------------------------------------------


def test_value_function_names():
    assert value_function("incentive:3") == miner_incentive(3)
    assert value_function("dividends:0").name == "dividends[0]"
    assert value_function("emission:7") == uid_emission(7)
    dist = value_function("incentive-l2", reference=[0.5, 0.5])
    assert dist.name == "incentive-l2" and dist.norm == "l2"
    assert incentive_distance([0.5, 0.5]).norm == "l1"


@pytest.mark.parametrize("spec, match", [
    ("incentive", "value must be one of"),
    ("bonds:3", "value must be one of"),
    ("incentive:x", "'x' is not a UID"),
    ("incentive:-1", "uid must be a non-negative integer"),
    ("incentive-l1", "needs a reference"),
    (3, "value must be one of"),
])
def test_bad_value_specs(spec, match):
    with pytest.raises(ValueError, match=match):
        value_function(spec)


def test_bad_built_in_arguments():
    with pytest.raises(ValueError, match="uid"):
        miner_incentive(True)
    with pytest.raises(ValueError, match="field"):
        influence.UidValue("bonds", 0)
    with pytest.raises(ValueError, match="reference"):
        incentive_distance([[0.1]])
    with pytest.raises(ValueError, match="reference"):
        incentive_distance([np.nan])
    with pytest.raises(ValueError, match="norm"):
        incentive_distance([0.1], norm="linf")


def _raises(result):
    raise ZeroDivisionError("boom")


@pytest.mark.parametrize("value, match", [
    (_raises, r"value function '_raises' raised ZeroDivisionError: boom"),
    (lambda r: float("nan"), r"value function '<lambda>' returned nan: it must be finite"),
    (lambda r: np.inf, r"returned inf"),
    (lambda r: r.incentive, r"must return a real number, got ndarray"),
    (lambda r: "1.0", r"must return a real number, got str"),
    (lambda r: True, r"must return a real number, got bool"),
    (miner_incentive(99), r"value function 'incentive\[99\]' raised ValueError: uid 99"),
    ("incentive:x", r"'x' is not a UID"),
    (42, r"value must be one of .* or a callable"),
])
def test_bad_value_functions(value, match):
    kw = small_subnet(15, n_val=3)
    with pytest.raises(ValueError, match=match):
        shapley(**kw, value=value)
    with pytest.raises(ValueError, match=match):
        removal_impact(**kw, value=value)
    with pytest.raises(ValueError, match=match):
        consensus_sensitivity(**kw, value=value)


def test_a_raising_value_function_is_chained():
    kw = small_subnet(15, n_val=3)
    with pytest.raises(ValueError) as info:
        shapley(**kw, value=_raises)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_a_value_function_failing_midway_returns_nothing():
    kw = small_subnet(16, n_val=4)
    calls = []

    def flaky(result):
        calls.append(1)
        if len(calls) == 7:
            return float("inf")
        return float(result.incentive.sum())

    with pytest.raises(ValueError, match="returned inf"):
        shapley(**kw, value=flaky, method="exact")
    assert len(calls) == 7


@pytest.mark.parametrize("kwargs, match", [
    ({"players": [0, 9]}, r"players must be UIDs in \[0, 8\)"),
    ({"players": [0, 0]}, "players must not repeat"),
    ({"players": [0.5]}, "players must be a 1-dimensional list of integer"),
    ({"players": [[0]]}, "players must be a 1-dimensional"),
    ({"method": "fast"}, "method must be"),
    ({"max_permutations": 3}, "max_permutations must be an integer >= 4"),
    ({"max_permutations": 7}, "must be even"),
    ({"batch_permutations": 3}, "must be even"),
    ({"batch_permutations": 0}, "batch_permutations must be an integer >= 2"),
    ({"tolerance": -1.0}, "tolerance must be"),
    ({"tolerance": float("nan")}, "tolerance must be"),
    ({"seed": -1}, "seed must be"),
    ({"permits": "all"}, "permits must be one of"),
    ({"arithmetic": "fixed"}, "arithmetic must be 'float'"),
    ({"kapa": 0.5}, "unknown epoch argument 'kapa'"),
    ({"owner_uid": 99}, "owner_uid"),
])
def test_bad_shapley_arguments(kwargs, match):
    kw = small_subnet(17, n_val=3)
    with pytest.raises(ValueError, match=match):
        shapley(**kw, value="incentive-l1", **kwargs)


def test_too_many_players_for_exact():
    w = np.ones((17, 18))
    with pytest.raises(ValueError, match=r"at most 16 players, got 17"):
        shapley(w, np.ones(17), value="incentive-l1", method="exact")


@pytest.mark.parametrize("kwargs, match", [
    ({"uids": [0, 9]}, r"uids must be UIDs in \[0, 8\)"),
    ({"uids": [1, 1]}, "uids must not repeat"),
    ({"permits": "none"}, "permits must be one of"),
])
def test_bad_removal_arguments(kwargs, match):
    kw = small_subnet(18, n_val=3)
    with pytest.raises(ValueError, match=match):
        removal_impact(**kw, **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"uids": [5]}, r"uids must be UIDs in \[0, 3\)"),
    ({"fractions": [0.5, 1.5]}, "fractions must be finite values in"),
    ({"fractions": [np.nan]}, "fractions must be finite values in"),
    ({"fractions": []}, "fractions must be finite values in"),
    ({"fractions": ["a"]}, "fractions must be real numbers"),
])
def test_bad_sensitivity_arguments(kwargs, match):
    kw = small_subnet(19, n_val=3, square=False)
    with pytest.raises(ValueError, match=match):
        consensus_sensitivity(**kw, **kwargs)


def test_bad_epoch_inputs_name_the_argument():
    kw = small_subnet(20, n_val=3)
    kw["weights"][0, 4] = np.nan
    for fn in (removal_impact, consensus_sensitivity):
        with pytest.raises(ValueError, match="weights must be finite"):
            fn(**kw)
    with pytest.raises(ValueError, match="stake must be non-negative"):
        shapley(np.ones((2, 3)), [1.0, -1.0], value="incentive-l1")


def test_no_validators():
    w = np.zeros((0, 3))
    sv = shapley(w, np.zeros(0), value="incentive-l1")
    assert sv.players.size == 0 and sv.values.size == 0 and sv.value_all == sv.value_none == 0.0
    sampled = shapley(w, np.zeros(0), value="incentive-l1", method="sampled")
    assert sampled.values.size == 0
    impact = removal_impact(w, np.zeros(0))
    assert impact.after["incentive"].shape == (3, 3)
    assert not math.isnan(float(impact.after["incentive"].sum()))


# --------------------------------------------------------------------------------------
# Rankings side by side, and the `yuma influence` command
# --------------------------------------------------------------------------------------


def test_compare_influence_ranks_and_spearman():
    kw = small_subnet(21, n_val=5)
    sv = shapley(**kw, value="incentive-l1")
    impact = removal_impact(**kw, uids=[4, 3, 2, 1, 0], value="incentive-l1")
    cmp_ = influence.compare_influence(sv, impact)
    loo = {int(u): impact.value_all - v for u, v in zip(impact.uids, impact.value_after,
                                                         strict=True)}
    assert np.array_equal(cmp_.leave_one_out, [loo[u] for u in sv.players.tolist()])
    by_shapley = sorted(sv.players.tolist(), key=lambda u: -abs(sv.values[u]))
    by_removal = sorted(sv.players.tolist(), key=lambda u: -abs(loo[u]))
    assert cmp_.top(5).tolist() == by_shapley
    assert cmp_.top(5, "removal").tolist() == by_removal
    d = np.array([by_shapley.index(u) - by_removal.index(u) for u in range(5)], dtype=float)
    assert cmp_.spearman == pytest.approx(1 - 6 * (d @ d) / (5 * 24))
    assert cmp_.top_overlap(2) == len(set(by_shapley[:2]) & set(by_removal[:2]))
    assert cmp_.to_frame().index.tolist() == by_shapley
    with pytest.raises(ValueError, match="same value function"):
        influence.compare_influence(sv, removal_impact(**kw, value="incentive-l2"))
    with pytest.raises(ValueError, match=r"missing \[3, 4\]"):
        influence.compare_influence(sv, removal_impact(**kw, uids=[0, 1, 2],
                                                       value="incentive-l1"))
    with pytest.raises(ValueError, match="by must be"):
        cmp_.top(2, by="stake")


def _snapshot(tmp_path, square=True) -> Path:
    from yuma.io.snapshot import save_snapshot

    kw = small_subnet(22, n_val=4, square=square)
    return save_snapshot(tmp_path / "snap.npz", **kw)


def test_cli_influence_prints_the_api_results(tmp_path, capsys):
    from yuma.cli.commands import main

    path = _snapshot(tmp_path)
    out = tmp_path / "report.json"
    assert main(["influence", str(path), "--value", "dividends:0", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    kw = small_subnet(22, n_val=4)
    sv = shapley(**kw, value="dividends:0")
    assert "value dividends[0], 4 validators, exact over 16 coalitions" in text
    import json

    doc = json.loads(out.read_text())
    assert doc["method"] == "exact" and doc["value"] == "dividends[0]"
    got = {v["uid"]: v["shapley"] for v in doc["validators"]}
    assert got == {int(u): float(x) for u, x in zip(sv.players, sv.values, strict=True)}
    row = next(line for line in text.splitlines() if line.split()[:1] == ["0"])
    assert float(row.split()[2]) == pytest.approx(sv.values[0], rel=1e-3)


def test_cli_influence_on_sn15_with_the_sdk_round_trip(capsys):
    from yuma.cli.commands import main

    assert main(["influence", str(SN15), "--top", "3", "--sdk", "10", "--value",
                 "incentive-l1", "--method", "sampled", "--permutations", "8"]) == 0
    text = capsys.readouterr().out
    assert "3 validators, sampled, 8 permutations" in text
    # SN15's rows were u16 on the chain: the SDK round trip stores them unchanged, and
    # validators without a permit are refused by set_weights
    assert "0 stored entries differ" in text and "NeuronNoValidatorPermit: [1, 10" in text
    assert "top 3 by Shapley: [" in text


@pytest.mark.parametrize("options, match", [
    (["--players", "0,x"], "--players must be comma-separated UIDs"),
    (["--players", "0,99"], "players must be UIDs in"),
    (["--top", "0"], "--top must be >= 1"),
    (["--rows", "0"], "--rows must be >= 1"),
    (["--tolerance", "-1"], "--tolerance must be"),
    (["--value", "bonds:1"], "value must be one of"),
    (["--permutations", "5", "--method", "sampled"], "--permutations must be an even number"),
    (["--sdk", "10", "--max-weight-limit", "70000"], "max_weight_limit must be in [0, 65535]"),
    (["--sdk", "11", "--min-allowed-weights", "-1"], "min_allowed_weights must be"),
    (["--out", "report.csv"], "--out must name a .json file"),
    (["--out", "no/such/folder/r.json"], "does not exist"),
])
def test_cli_influence_bad_options(tmp_path, capsys, monkeypatch, options, match):
    from yuma.cli.commands import main

    path = _snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["influence", str(path), *options]) == 2
    err = capsys.readouterr().err
    assert "yuma influence: error:" in err and match in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap.npz"]


def test_cli_influence_sdk_needs_the_square_form(tmp_path, capsys):
    from yuma.cli.commands import main

    path = _snapshot(tmp_path, square=False)
    assert main(["influence", str(path), "--sdk", "11"]) == 2
    assert "--sdk needs the chain's square form" in capsys.readouterr().err


def test_coalition_values_are_explicit_epochs():
    kw = small_subnet(23, n_val=4)
    coalitions = np.array([[True, False, True, False], [False] * 4, [True] * 4])
    got = influence.coalition_values(**kw, value=validator_dividends(2), players=[0, 1, 2, 3],
                                     coalitions=coalitions)
    for k, mask in enumerate(coalitions):
        removed = [u for u, present in zip([0, 1, 2, 3], mask, strict=True) if not present]
        assert got[k] == per_uid_after(kw, removed, "recompute")["dividends"][2]
    with pytest.raises(ValueError, match=r"coalitions must be a boolean array of shape \(m, 4\)"):
        influence.coalition_values(**kw, value="incentive-l1", players=[0, 1, 2, 3],
                                   coalitions=np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="coalitions must be a boolean"):
        influence.coalition_values(**kw, value="incentive-l1", players=[0, 1, 2, 3],
                                   coalitions=np.ones((2, 4)))


@pytest.mark.parametrize(("method", "counted"), [("exact", "16/16 coalitions"),
                                                 ("sampled", "8/8 permutations")])
def test_shapley_progress_bar_counts_and_changes_nothing(method, counted, capsys):
    kw = small_subnet(6, n_val=4, square=True)
    quiet = shapley(**kw, value="incentive-l1", method=method, max_permutations=8)
    assert capsys.readouterr().err == ""
    loud = shapley(**kw, value="incentive-l1", method=method, max_permutations=8,
                   progress=True)
    err = capsys.readouterr().err
    assert "shapley" in err and counted in err and err.endswith("\n")
    np.testing.assert_array_equal(loud.values, quiet.values)
    with pytest.raises(ValueError, match="progress must be a bool"):
        shapley(**kw, value="incentive-l1", progress=None)

"""The chain-exact epoch (yuma.chain): the chain's epoch tests replayed bit for bit, Yuma 3
scenarios, a literal sparse re-implementation as an oracle, float-vs-fixed agreement,
extremes and determinism."""

from __future__ import annotations

import dataclasses
import doctest
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from data import chain_vectors as V
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import yuma
from yuma import chain
from yuma.chain import U64_MAX, ChainState, fixed, run_epoch
from yuma.chain import _kernels as fk
from yuma.core import fixed_path

M = 65535
E9 = 1_000_000_000
ONE = 1 << 32
I64_MAX, I64_MIN = (1 << 63) - 1, -(1 << 63)


def run(s, rao=E9):
    """The chain tests' ``SubtensorModule::epoch``: no LastMechansimStepBlock update."""
    return chain.chain_epoch(s, rao, record_step=False)


# ======================================================================================
# Kernels against yuma.fixed (which tests/test_fixed.py checks against Python integers)
# ======================================================================================


def _random_bits(rng, n):
    kind = rng.integers(0, 4, n)
    full = rng.integers(I64_MIN, I64_MAX, n, dtype=np.int64, endpoint=True)
    small = rng.integers(-(1 << 40), 1 << 40, n)
    special = rng.choice(
        np.array([0, 1, -1, ONE, -ONE, I64_MAX, I64_MIN, 1 << 31, -(1 << 31), 1 << 62],
                 dtype=np.int64), n)
    unit = rng.integers(0, 2 * ONE, n)
    return np.where(kind == 0, full, np.where(kind == 1, small,
                                              np.where(kind == 2, special, unit)))


def test_scalar_kernels_match_fixed():
    rng = np.random.default_rng(7)
    n = 50_000
    a, b = _random_bits(rng, n), _random_bits(rng, n)
    out = np.empty(n, np.int64)
    ok = np.empty(n, bool)
    fk.vec_mul(a, b, out)
    np.testing.assert_array_equal(out, fixed.mul(a, b))
    fk.vec_checked_mul(a, b, out, ok)
    ref, ref_ok = fixed.checked_mul(a, b)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(ok, ref_ok)
    fk.vec_div(a, b, out, ok)
    ref, ref_ok = fixed.checked_div(a, b)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(ok, ref_ok)
    x = np.concatenate([a, rng.integers(-25 * ONE, 25 * ONE, n)])
    out2 = np.empty(x.size, np.int64)
    fk.vec_exp_safe(x, out2)
    np.testing.assert_array_equal(out2, fixed.exp_safe(x))
    for rao in (0, 1, E9, 12_345_678_901, (1 << 63) + 5, U64_MAX):
        got = np.empty(2000, np.uint64)
        fk.emission_to_rao(a[:2000], np.uint64(rao), got)
        np.testing.assert_array_equal(got, fixed.emission_to_rao(a[:2000], rao))


@pytest.mark.parametrize("steepness", [1000, -1000, 1, 0, 32767, -32768])
def test_alpha_sigmoid_kernel_matches_fixed(steepness):
    rng = np.random.default_rng(steepness & 0xFFFF)
    n = 20_000
    c, w, b = (rng.integers(0, ONE + 1, n) for _ in range(3))
    w[:2000] = c[:2000]  # comb == 0 and ties
    b[2000:4000] = w[2000:4000]
    c[4000:5000], w[4000:5000] = 0, ONE  # comb == 1
    lo = int(fixed.u16_proportion_to_fixed(6553))
    hi = int(fixed.u16_proportion_to_fixed(19660))
    slope = int(fixed.saturating_div(fixed.from_int(steepness), -100 << 32))
    out = np.empty(n, np.int64)
    fk.vec_alpha_sigmoid(c, w, b, lo, hi, slope, out)
    ref = fixed.alpha_sigmoid(c, w, b, lo, hi, int(fixed.from_int(steepness)))
    np.testing.assert_array_equal(out, ref)


def test_yuma3_fixed_alpha():
    for bma in (0, 1, 900_000, 975_000, 1_000_000, 10**12, (1 << 31) * 10**6 - 1):
        assert run_epoch._yuma3_fixed_alpha(bma) == fixed.bonds_ema_alpha(bma)
    # I64F64::from_num of a u64 above i64::MAX wraps in the release runtime
    big = U64_MAX
    v = (big << 64) - (1 << 128)
    q = -((-v) // 10**6)
    bits = ((q >> 32) + (1 << 63)) % (1 << 64) - (1 << 63)
    assert run_epoch._yuma3_fixed_alpha(big) == int(fixed.saturating_sub(ONE, bits))


# ======================================================================================
# Group B: the chain's old-Yuma epoch tests, replayed exactly
# ======================================================================================


def test_bonds():
    """``test_bonds``: every asserted bond of the 7 steps, and the in-code emission traces."""
    s = chain.new_subnet(0, block=1, tempo=1, yuma3_on=False, max_allowed_validators=8)
    for stake in V.BONDS_STAKES:
        s = chain.register(s, stake=stake)
    assert s.activity_cutoff == 13  # 13_889 * tempo 1 / 1000
    _, s = run(s)  # first epoch: permits
    s = chain.advance(s)  # next_block_no_epoch
    for uid in range(4):
        s = chain.set_weights(s, uid, [4, 5, 6, 7], V.BONDS_WEIGHTS)
    for step, (change, (col, expected)) in enumerate(
        zip(V.BONDS_STEPS, V.BONDS_EXPECTED, strict=True)
    ):
        if step > 0:
            if change is not None:
                s = chain.set_weights(s, *change)
            s = chain.advance(s)
        out, s = run(s)
        assert s.bonds[:4, col].tolist() == expected, f"step {step + 1}"
        assert out.emission.tolist() == V.BONDS_TRACE_EMISSION[step], f"step {step + 1}"
        if step in V.BONDS_TRACE_STORED:
            assert s.bonds[:4, 4:].tolist() == V.BONDS_TRACE_STORED[step]


def test_active_stake():
    s = chain.new_subnet(0, block=0, tempo=1, yuma3_on=False, max_allowed_validators=4)
    for _ in range(4):
        s = chain.register(s, stake=1)
    _, s = run(s)
    s = chain.advance(s)
    for uid in range(2):
        s = chain.set_weights(s, uid, [2, 3], [M // 2, M // 2])
    out, s = run(s)
    exp = V.ACTIVE_STAKE_EPOCH1
    for uid, d in exp["dividends"].items():
        assert out.dividends[uid] == d
    assert out.emission.tolist() == exp["emission"]
    assert s.bonds[:2, :2].tolist() == [[exp["bonds_validator_cols"]] * 2] * 2
    assert s.bonds[:2, 2:].tolist() == [[exp["bonds_server_cols"]] * 2] * 2

    # run_to_block_no_epoch(activity_cutoff + 2): the test's cutoff is the legacy u16 5000
    s = chain.advance(s, V.ACTIVE_STAKE_LEGACY_CUTOFF + 2 - s.block)
    s = chain.set_weights(s, 0, [2, 3], [M // 2, M // 2])
    out, s = run(s)
    assert out.active.tolist() == [True, False, False, False]
    for epoch_exp in (V.ACTIVE_STAKE_EPOCH2,):
        for uid in (0, 1):
            assert out.dividends[uid] == epoch_exp["dividends"][uid]
            assert out.emission[uid] == epoch_exp["emission"][uid]
            assert s.bonds[uid, 2:].tolist() == [epoch_exp["bonds"][uid]] * 2

    s = chain.set_weights(s, 1, [2, 3], [M // 2, M // 2])
    s = chain.advance(s, V.ACTIVE_STAKE_LEGACY_CUTOFF + 3 - s.block)
    out, s = run(s)
    exp = V.ACTIVE_STAKE_EPOCH3
    for uid in (0, 1):
        assert out.dividends[uid] == exp["dividends"][uid]
        assert out.emission[uid] == exp["emission"][uid]
        assert s.bonds[uid, 2:].tolist() == [exp["bonds"][uid]] * 2


def test_outdated_weights():
    s = chain.new_subnet(0, block=1, tempo=0, yuma3_on=False, max_allowed_validators=4)
    assert s.activity_cutoff == 1
    for _ in range(4):
        s = chain.register(s, stake=1)
    _, s = run(s)
    s = chain.advance(s)
    for uid in range(2):
        s = chain.set_weights(s, uid, [2, 3], V.OUTDATED_WEIGHTS)
    for uid in range(2, 4):
        s = chain.set_weights(s, uid, [uid], [M])
    out, s = run(s)
    assert out.emission.tolist() == V.OUTDATED_TRACE_EPOCH1["emission"]
    # A new key registers at the same block and replaces uid 3 (the test asserts the UID)
    s = chain.register(s, 3)
    assert s.weights_present[1, 3] and s.weights[1, 3] == 0  # explicit zero remains
    s = chain.advance(s)
    s = chain.set_weights(s, 0, [2, 3], V.OUTDATED_WEIGHTS)
    out, s = run(s)
    exp = V.OUTDATED_EXPECTED
    assert out.dividends[0] == exp["dividends0"]
    assert out.emission[0] == exp["emission0"]
    assert s.bonds[0, 2] == exp["bond02"]
    assert s.bonds[0, 3] == exp["bond03"]


def test_zero_weights():
    s = chain.new_subnet(0, block=1, tempo=M - 1, yuma3_on=False)
    s = chain.register(s, stake=1)
    s = chain.register(s)
    emissions = []
    out, s = run(s)  # no weights
    emissions.append(out.emission.tolist())
    s = chain.set_weights(s, 1, [1], [M])  # run_to_block(1) is a no-op: still block 1
    out, s = run(s)
    emissions.append(out.emission.tolist())
    s = chain.advance(s)  # block 2
    s = chain.set_weights(s, 0, [1], [M])
    # a new key registers at block 2 into the full subnet; get_neuron_to_prune picks
    # uid 1 (lowest emission)
    s = chain.register(s, 1)
    out, s = run(s)
    emissions.append(out.emission.tolist())
    s = chain.advance(s)  # block 3
    s = chain.set_weights(s, 0, [1], [M])
    out, s = run(s)
    emissions.append(out.emission.tolist())
    assert emissions == V.ZERO_WEIGHTS_EMISSION


def test_10_graph():
    s = chain.new_subnet(0, block=1, tempo=M - 1, yuma3_on=False)
    for _ in range(10):
        s = chain.register(s, stake=1, at_block=0)  # append_neuron(netuid, hotkey, 0)
    for i in range(10):
        s = chain.set_weights(s, i, [i], [M])
    out, s = run(s)
    assert out.consensus.tolist() == [0] * 10
    assert out.incentive.tolist() == [0] * 10
    assert out.dividends.tolist() == [0] * 10
    assert out.emission.tolist() == [V.GRAPH10_EMISSION] * 10


def test_1_graph():
    s = chain.new_subnet(0, block=1, tempo=M - 1, yuma3_on=False)
    s = chain.register(s, stake=E9)
    s = chain.set_weights(s, 0, [0], [M])
    out, s = run(s)
    assert (out.consensus[0], out.incentive[0], out.dividends[0]) == (0, 0, 0)


def test_single_staker_registered_no_weights():
    # add_network (not ..._disable_commit_reveal): Yuma 3 on, commit-reveal on
    s = chain.new_subnet(0, block=1, tempo=M - 1, commit_reveal_enabled=True)
    s = chain.register(s, stake=1)
    out, s = run(s, V.SINGLE_STAKER_PENDING)
    total = int(out.server_emission.sum()) + int(out.validator_emission.sum())
    assert abs(total - V.SINGLE_STAKER_PENDING) <= V.SINGLE_STAKER_EPSILON
    assert total == V.SINGLE_STAKER_PENDING  # exactly: the whole budget by stake


# ======================================================================================
# Group C: Yuma 3 scenarios
# ======================================================================================

C_RESULTS: dict[str, tuple[float, float]] = {}


def _yuma3_setup(stakes):
    """``setup_yuma_3_scenario``: block 1, tempo 1, beta 0, BMA 975_000, ... + one epoch."""
    s = chain.new_subnet(0, block=1, tempo=1, yuma3_on=False, bonds_penalty=0,
                         alpha_sigmoid_steepness=1000, bonds_moving_average=975_000)
    for stake in stakes:
        s = chain.register(s, stake=stake)
    # set_alpha_values_32(0.1, 0.3) stores floor(from_num(x) * 65535)
    lo = int(fixed.fixed_to_u16(fixed.mul(fixed.from_float(0.1), fixed.U16_MAX_FIXED)))
    hi = int(fixed.fixed_to_u16(fixed.mul(fixed.from_float(0.3), fixed.U16_MAX_FIXED)))
    assert (lo, hi) == (6553, 19660)
    s = chain.set_hyperparameters(s, kappa=M // 2, liquid_alpha_on=True, alpha_low=lo,
                                  alpha_high=hi, yuma3_on=True, max_allowed_validators=3)
    s = chain.advance(s)
    _, s = run(s)
    return s


@pytest.mark.parametrize("name", sorted(V.YUMA3_SCENARIOS))
def test_yuma3_scenario(name):
    sc = V.YUMA3_SCENARIOS[name]
    s = _yuma3_setup(sc["stakes"])
    if sc.get("liquid_alpha_off"):
        s = chain.set_hyperparameters(s, liquid_alpha_on=False)
    idx = sc.get("indices", [3, 4])
    worst_div = worst_bond = 0.0
    for e, (target_div, target_bonds) in enumerate(
        zip(sc["dividends"], sc["bonds"], strict=True)
    ):
        for uid, row in enumerate(sc["weights"].get(e, [])):
            s = chain.set_weights(s, uid, idx, row)
        s = chain.advance(s)
        out, s = run(s)
        # the chain compares u16_proportion_to_fixed(Dividends) with fixed(f32 target)
        div = fixed.to_float(fixed.u16_proportion_to_fixed(out.dividends))
        worst_div = max(worst_div, float(np.max(np.abs(div - np.float32(target_div)))))
        bonds = fixed.to_float(fixed.u16_proportion_to_fixed(s.bonds[:3][:, idx]))
        worst_bond = max(worst_bond, float(np.max(np.abs(bonds - np.array(target_bonds)))))
    C_RESULTS[name] = (worst_div, worst_bond)
    assert worst_div <= V.YUMA3_EPSILON
    assert worst_bond <= V.YUMA3_EPSILON  # not asserted by the chain test (see data file)


def test_yuma3_bonds_reset():
    sc = V.BONDS_RESET
    s = _yuma3_setup(sc["stakes"])
    s = chain.set_hyperparameters(s, bonds_reset_on=True)
    worst_div = worst_bond = 0.0
    for e in range(41):
        if e == 0:
            w = [V.S1] * 3
        elif e == 1:
            w = [V.S1, V.S2, V.S2]
        elif e <= 20:
            w = [V.S2] * 3
        elif e == 21:
            w = [V.S2, V.S1, V.S1]
        else:
            w = [V.S1] * 3
        for uid, row in enumerate(w):
            s = chain.set_weights(s, uid, [3, 4], row)
        if e == 20:
            s = chain.reset_bonds(s, 3)
        s = chain.advance(s)
        out, s = run(s)
        if e in sc["dividends"]:
            div = fixed.to_float(fixed.u16_proportion_to_fixed(out.dividends))
            worst_div = max(worst_div, float(np.max(np.abs(div - sc["dividends"][e]))))
            bonds = fixed.to_float(fixed.u16_proportion_to_fixed(s.bonds[:3][:, [3, 4]]))
            worst_bond = max(worst_bond,
                             float(np.max(np.abs(bonds - np.array(sc["bonds"][e])))))
    C_RESULTS["bonds_reset"] = (worst_div, worst_bond)
    assert worst_div <= V.YUMA3_EPSILON
    assert worst_bond <= V.YUMA3_EPSILON


# ======================================================================================
# A literal sparse re-implementation of epoch_mechanism (pure Python integers)
# ======================================================================================


def _clamp(v):
    return max(I64_MIN, min(I64_MAX, v))


def _sadd(a, b):
    return _clamp(a + b)


def _ssub(a, b):
    return _clamp(a - b)


def _smul(a, b):
    return _clamp((a * b) >> 32)


def _cmul(a, b):
    v = (a * b) >> 32
    return v if I64_MIN <= v <= I64_MAX else None


def _cdiv(a, b):
    if b == 0:
        return None
    q = (abs(a) << 32) // abs(b)
    q = -q if (a < 0) != (b < 0) else q
    return q if I64_MIN <= q <= I64_MAX else None


def _sdiv0(a, b):  # safe_div
    q = _cdiv(a, b)
    return 0 if q is None else q


def _satdiv(a, b):
    q = _cdiv(a, b)
    if q is None:
        return I64_MIN if (a < 0) != (b < 0) else I64_MAX
    return q


def _wsum(xs):
    return ((sum(xs) + (1 << 63)) % (1 << 64)) - (1 << 63)


_E = (0xADF8_5458_A2BB_4A9A_AFDC_5620_273D_3CF1 >> 103) << 9


def _exp(x):
    """substrate_fixed transcendental::exp: None on error."""
    if x == 0:
        return ONE
    if x == ONE:
        return _E
    if x == I64_MIN:
        return None
    y = -x if x < 0 else x
    result = y + ONE
    if result > I64_MAX:
        return None
    term = y
    for i in range(2, 32):
        term = _cmul(term, y)
        if term is None:
            return None
        term = _cdiv(term, i << 32)
        result += term
        if result > I64_MAX:
            return None
    return _cdiv(ONE, result) if x < 0 else result


def _exp_safe(x):
    x = min(max(x, -20 * ONE), 20 * ONE)
    v = _exp(x)
    if v is None:
        return 0 if x <= 0 else I64_MAX
    return v


def _normalize(xs):
    s = _wsum(xs)
    return list(xs) if s == 0 else [_sdiv0(x, s) for x in xs]


def _weighted_median(stake, score, minority, lo, hi):
    part = list(range(len(stake)))
    limit, count = len(part), 0
    while True:
        if not part:
            return 0
        if len(part) == 1:
            return score[part[0]]
        pivot = score[part[len(part) // 2]]
        lower = [i for i in part if score[i] < pivot]
        upper = [i for i in part if score[i] > pivot]
        ls = hs = 0
        for i in lower:
            ls = _sadd(ls, stake[i])
        for i in upper:
            hs = _sadd(hs, stake[i])
        if minority < _sadd(lo, ls) and lower:
            part, hi = lower, _sadd(lo, ls)
        elif _ssub(hi, hs) <= minority and upper:
            part, lo = upper, _ssub(hi, hs)
        else:
            return pivot
        count += 1
        if count > limit:
            return 0


def _col_normalize(rows, n):
    sums = [0] * n
    for row in rows:
        for j, v in row:
            sums[j] = _sadd(sums[j], v)
    return [[(j, _sdiv0(v, sums[j]) if sums[j] != 0 else v) for j, v in row] for row in rows]


def _stored_rows(values, present, order):
    n = values.shape[0]
    rows = []
    for i in range(n):
        js = [j for j in range(n) if present[i, j]]
        if order is not None:
            js.sort(key=lambda j: order[i, j])
        rows.append([(j, int(values[i, j])) for j in js])
    return rows


def reference_epoch(s: ChainState, rao: int):
    """epoch_mechanism translated line by line over sparse rows of Python integers."""
    n = s.n
    owner = s.owner_uid
    lu = [int(v) for v in s.last_update]
    bar = [int(v) for v in s.block_at_registration]
    inactive = [min(u + s.activity_cutoff, U64_MAX) < s.block for u in lu]
    total = s.total_stake
    filt = [0 if (owner != i and fixed.fixed64_to_u64(x) < s.stake_threshold) else x
            for i, x in enumerate(total)]
    tsum = ((sum(filt) + (1 << 127)) % (1 << 128)) - (1 << 127)
    if tsum != 0:
        filt = [fixed.i64f64_safe_div(x, tsum) for x in filt]
    stake = [max(I64_MIN, min(I64_MAX, x >> 32)) for x in filt]
    permits = [bool(p) for p in s.validator_permit]
    if owner is not None:
        permits[owner] = True
    forbids = [not p for p in permits]
    k = s.max_allowed_validators
    new_permits = [x != 0 for x in stake]
    if not n < k:
        for idx in sorted(range(n), key=lambda i: stake[i])[: n - k]:
            new_permits[idx] = False
    if owner is not None:
        new_permits[owner] = True
    active_stake = [0 if (inactive[i] or forbids[i]) else stake[i] for i in range(n)]
    active_stake = _normalize(active_stake)

    weights = [[(j, v << 32) for j, v in row]
               for row in _stored_rows(s.weights, s.weights_present, s.weights_order)]
    weights = [[] if forbids[i] else row for i, row in enumerate(weights)]
    weights = [[(j, v) for j, v in row if i != j or (i == owner and j == owner)]
               for i, row in enumerate(weights)]
    weights = [[(j, v) for j, v in row if not lu[i] <= bar[j]] for i, row in enumerate(weights)]
    if s.commit_reveal_enabled:
        cb = [int(v) for v in s.commit_block]
        weights = [[(j, v) for j, v in row if not cb[i] < bar[j]]
                   for i, row in enumerate(weights)]
    for i, row in enumerate(weights):
        rs = _wsum([v for _, v in row])
        if rs > 0:
            weights[i] = [(j, _sdiv0(v, rs)) for j, v in row]

    kappa = _sdiv0(s.kappa << 32, M << 32)
    use_stake = _normalize([x for x in active_stake if x > 0])
    stake_sum = _wsum(use_stake)
    minority = _ssub(stake_sum, kappa)
    use_score = [[0] * len(use_stake) for _ in range(n)]
    kk = 0
    for i, row in enumerate(weights):
        if active_stake[i] > 0:
            for j, v in row:
                use_score[j][kk] = v
            kk += 1
    consensus = [_weighted_median(use_stake, col, minority, 0, stake_sum) for col in use_score]

    clipped = []
    for row in weights:
        out = []
        for j, v in row:
            th = consensus[j]
            if th < v:
                if th > 0:
                    out.append((j, th))
            else:
                out.append((j, v))
        clipped.append(out)
    vtrust = [_wsum([v for _, v in row]) for row in clipped]
    ranks = [0] * n
    for i, row in enumerate(clipped):
        for j, v in row:
            ranks[j] = _sadd(ranks[j], _smul(active_stake[i], v))
    incentive = _normalize(ranks)

    beta = _sdiv0(s.bonds_penalty << 32, M << 32)
    if beta == 0:
        wfb = [list(r) for r in weights]
    elif beta == ONE:
        wfb = [list(r) for r in clipped]
    else:
        wfb = []
        for i in range(n):
            r1, r2 = [0] * n, [0] * n
            for j, v in weights[i]:
                r1[j] = v
            for j, v in clipped[i]:
                r2[j] = v
            row = []
            for j in range(n):
                x = _sadd(r1[j], _smul(beta, _ssub(r2[j], r1[j])))
                if x > 0:
                    row.append((j, x))
            wfb.append(row)

    lt = s.last_tempo
    bond_rows = _stored_rows(s.bonds, s.bonds_present, s.bonds_order)
    if s.yuma3_on:
        bonds = [[(j, _sdiv0(b << 32, M << 32)) for j, b in row if not lt <= bar[j]]
                 for row in bond_rows]
        if s.liquid_alpha_on and any(c != 0 for c in consensus):
            lo = _sdiv0(s.alpha_low << 32, M << 32)
            hi = _sdiv0(s.alpha_high << 32, M << 32)
            steep = s.alpha_sigmoid_steepness << 32
            alphas = []
            for wr, br in zip(wfb, bonds, strict=True):
                wi = bi = 0
                ra = []
                for j in range(n):
                    weight = bond = 0
                    while wi < len(wr):
                        if wr[wi][0] < j:
                            wi += 1
                        else:
                            if wr[wi][0] == j:
                                weight = wr[wi][1]
                            break
                    while bi < len(br):
                        if br[bi][0] < j:
                            bi += 1
                        else:
                            if br[bi][0] == j:
                                bond = br[bi][1]
                            break
                    c = consensus[j]
                    buy = max(min(_ssub(weight, c), ONE), 0)
                    sell = max(min(_ssub(bond, weight), ONE), 0)
                    comb = buy if weight >= bond else sell
                    arg = _smul(_satdiv(steep, -100 << 32), _ssub(comb, ONE // 2))
                    sig = _satdiv(ONE, _sadd(ONE, _exp_safe(arg)))
                    a = _sadd(lo, _smul(sig, _ssub(hi, lo)))
                    ra.append(max(min(a, hi), lo))
                alphas.append(ra)
            ema = []
            for new_row, old_row, arow in zip(wfb, bonds, alphas, strict=True):
                decayed = [0] * n
                for j, ov in old_row:
                    decayed[j] = _smul(_ssub(ONE, arow[j]), ov)
                out = []
                for j, nv in new_row:
                    val = min(_sadd(decayed[j], max(_smul(arow[j], nv), 0)), ONE)
                    if val > 0:
                        out.append((j, val))
                ema.append(out)
        else:
            alpha = run_epoch._yuma3_fixed_alpha(s.bonds_moving_average)
            ema = _mat_ema_sparse(wfb, bonds, alpha, n)
        ema_norm = _col_normalize(ema, n)
        tot = []
        for row in ema_norm:
            prods = [_smul(v, incentive[j]) for j, v in row]
            tot.append(_wsum([p for p in prods if p != 0]))
        dividends = _normalize([_cmul(t, a) or 0 for t, a in zip(tot, active_stake, strict=True)])
        stored = ema
    else:
        bonds = [[(j, b << 32) for j, b in row if not lt <= bar[j]] for row in bond_rows]
        bonds = _col_normalize(bonds, n)
        delta = [[(j, _smul(v, active_stake[i])) for j, v in row] for i, row in enumerate(wfb)]
        delta = _col_normalize(delta, n)
        alpha = int(fixed.bonds_ema_alpha(s.bonds_moving_average))
        ema = _col_normalize(_mat_ema_sparse(delta, bonds, alpha, n), n)
        div = []
        for row in ema:
            acc = 0
            for j, v in row:
                acc = _sadd(acc, _smul(incentive[j], v))
            div.append(acc)
        dividends = _normalize(div)
        peaks = [0] * n
        for row in ema:
            for j, v in row:
                peaks[j] = max(peaks[j], v)
        stored = [[(j, _sdiv0(v, peaks[j]) if peaks[j] != 0 else v) for j, v in row]
                  for row in ema]

    comb = [_sadd(a, b) for a, b in zip(incentive, dividends, strict=True)]
    esum = _wsum(comb)
    ns = list(incentive) if esum == 0 else [_sdiv0(x, esum) for x in incentive]
    nv = list(dividends) if esum == 0 else [_sdiv0(x, esum) for x in dividends]
    nc = _normalize(comb)
    if esum == 0:
        nv = list(stake) if _wsum(active_stake) == 0 else list(active_stake)
        nc = list(nv)

    def u16(x):
        return max(0, min(M, _smul(x, M << 32) >> 32))

    def rao_of(x):
        return max(0, min(U64_MAX, (x * rao) >> 32))

    bond_out = [[(j, u16(v)) for j, v in stored[i]] if new_permits[i] else [] for i in range(n)]
    return {
        "stake_weight": [u16(x) for x in stake],
        "consensus": [u16(x) for x in consensus],
        "incentive": [u16(x) for x in incentive],
        "dividends": [u16(x) for x in dividends],
        "validator_trust": [u16(x) for x in vtrust],
        "server_emission": [rao_of(x) for x in ns],
        "validator_emission": [rao_of(x) for x in nv],
        "emission": [rao_of(x) for x in nc],
        "active": [not x for x in inactive],
        "validator_permit": new_permits,
        "bonds": bond_out,
    }


def _mat_ema_sparse(new, old, alpha, n):
    one_minus = _ssub(ONE, alpha)
    out = []
    for new_row, old_row in zip(new, old, strict=True):
        acc = [0] * n
        for j, v in new_row:
            acc[j] = _sadd(acc[j], _smul(alpha, v))
        for j, v in old_row:
            acc[j] = _sadd(acc[j], _smul(one_minus, v))
        out.append([(j, v) for j, v in enumerate(acc) if v > 0])
    return out


def _compare_with_reference(s: ChainState, rao: int = E9):
    out, new = chain.chain_epoch(s, rao)
    ref = reference_epoch(s, rao)
    for name in ("stake_weight", "consensus", "incentive", "dividends", "validator_trust",
                 "server_emission", "validator_emission", "emission", "active",
                 "validator_permit"):
        assert getattr(out, name).tolist() == ref[name], name
    assert _stored_rows(new.bonds, new.bonds_present, new.bonds_order) == ref["bonds"]
    assert new.last_mechanism_step_block == s.block


def test_reference_on_the_chain_tests():
    """The oracle itself reproduces test_bonds' first assertions."""
    s = chain.new_subnet(0, block=1, tempo=1, yuma3_on=False, max_allowed_validators=8)
    for stake in V.BONDS_STAKES:
        s = chain.register(s, stake=stake)
    _, s = run(s)
    s = chain.advance(s)
    for uid in range(4):
        s = chain.set_weights(s, uid, [4, 5, 6, 7], V.BONDS_WEIGHTS)
    ref = reference_epoch(s, E9)
    assert ref["emission"] == V.BONDS_TRACE_EMISSION[0]
    assert [dict(r).get(4) for r in ref["bonds"][:4]] == V.BONDS_EXPECTED[0][1]
    _compare_with_reference(s)


@st.composite
def chain_states(draw, max_n=6):
    n = draw(st.integers(1, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    block = draw(st.integers(0, 40))
    u16 = st.integers(0, M)
    weights = rng.integers(0, M + 1, (n, n)) * (rng.random((n, n)) < 0.7)
    weights = np.where(rng.random((n, n)) < 0.1, M, weights)
    wp = (weights != 0) | (rng.random((n, n)) < 0.3)
    bonds = rng.integers(0, M + 1, (n, n)) * (rng.random((n, n)) < 0.6)
    bp = (bonds != 0) | (rng.random((n, n)) < 0.2)
    orders = draw(st.booleans())
    stake_kind = draw(st.sampled_from(["small", "large", "zeros", "ties"]))
    if stake_kind == "small":
        stake = rng.integers(0, 10, n)
    elif stake_kind == "large":
        stake = rng.integers(0, 10**15, n)
    elif stake_kind == "zeros":
        stake = np.zeros(n, np.int64)
    else:
        stake = np.full(n, 7) * (rng.random(n) < 0.8)
    steep = draw(st.sampled_from([1000, -1000, 0, 1, 32767, -32768, 250]))
    return ChainState(
        n=n,
        block=block,
        tempo=draw(st.integers(0, 5)),
        activity_cutoff=draw(st.integers(0, 20)),
        stake=stake,
        tao_stake=rng.integers(0, 10**9, n) * (rng.random(n) < 0.3),
        tao_weight=draw(st.sampled_from([0, 971_718_665_099_567_868, U64_MAX])),
        weights=weights,
        weights_present=wp,
        weights_order=np.argsort(rng.random((n, n)), axis=1) if orders else None,
        bonds=bonds,
        bonds_present=bp,
        bonds_order=np.argsort(rng.random((n, n)), axis=1) if draw(st.booleans()) else None,
        last_update=rng.integers(0, 30, n),
        block_at_registration=rng.integers(0, 30, n),
        validator_permit=rng.random(n) < 0.7,
        owner_uid=draw(st.none() | st.integers(0, n - 1)),
        last_mechanism_step_block=draw(st.sampled_from([0, 0, 5, 25])),
        kappa=draw(st.sampled_from([32767, 0, M, 16384, 50000]) | u16),
        bonds_penalty=draw(st.sampled_from([M, 0, 32768]) | u16),
        bonds_moving_average=draw(st.sampled_from([900_000, 975_000, 0, 1_000_000, 10**7])),
        liquid_alpha_on=draw(st.booleans()),
        # AlphaValues the chain accepts: 1638 <= alpha_low <= alpha_high
        **dict(zip(("alpha_low", "alpha_high"), draw(st.sampled_from(
            [(6553, 19660), (45875, 58982), (1638, M), (6553, 6553), (45875, M)]
        )), strict=True)),
        alpha_sigmoid_steepness=steep,
        yuma3_on=draw(st.booleans()),
        max_allowed_validators=draw(st.integers(0, n + 1)),
        stake_threshold=draw(st.sampled_from([0, 0, 3, 10**12])),
        commit_reveal_enabled=draw(st.booleans()),
        commit_block=np.where(rng.random(n) < 0.5, rng.integers(0, 30, n), U64_MAX).astype(
            np.uint64),
    )


@settings(max_examples=60)
@given(chain_states())
def test_chain_epoch_matches_sparse_reference(s):
    _compare_with_reference(s)


def test_unsorted_rows_and_liquid_alpha_follow_the_merged_walk():
    """Unsorted stored rows: the liquid-alpha lookup only finds running-maximum entries."""
    s = chain.new_subnet(0, block=5, tempo=1, liquid_alpha_on=True, bonds_penalty=0,
                         max_allowed_validators=2)
    for stake in (5, 3, 0, 0, 0):
        s = chain.register(s, stake=stake)
    _, s = run(s)
    s = chain.advance(s)
    s = chain.set_weights(s, 0, [4, 2, 3], [M, 100, 40000])  # stored in this order
    s = chain.set_weights(s, 1, [2, 3, 4], [100, 40000, M])
    assert s.weights_order is not None
    for _ in range(3):
        _compare_with_reference(s)
        _, s = chain.chain_epoch(s, E9)
        s = chain.advance(s)
    rows = _stored_rows(s.bonds, s.bonds_present, s.bonds_order)
    assert [j for j, _ in rows[0]] == [4, 2, 3]  # mat_ema_alpha_sparse keeps the row order
    rec = np.empty((1, 5), bool)
    fk.row_records(s.weights_present[:1], np.asarray(s.weights_order[:1]), rec)
    assert rec[0].tolist() == [False, False, False, False, True]


# ======================================================================================
# Float path agreement (same u16 inputs)
# ======================================================================================


def _near_kappa_tie(w_u16, stake, active, permit, kappa):
    """True when a column's stake-weighted cumulative sum sits within 1e-9 of 1 - kappa
    (the fixed and float medians may then legitimately differ)."""
    s = np.where(active & permit, stake, 0.0)
    if s.sum() == 0:
        return False
    s = s / s.sum()
    rowsum = w_u16.sum(axis=1, keepdims=True)
    w = np.divide(w_u16, rowsum, out=np.zeros_like(w_u16), where=rowsum > 0)
    part = s > 0
    minority = 1.0 - kappa / M
    for j in range(w.shape[1]):
        scores = w[part, j]
        order = np.argsort(scores)
        cum = np.cumsum(s[part][order])
        if np.any(np.abs(cum - minority) < 1e-9):
            return True
    return False


@settings(max_examples=50)
@given(
    n=st.integers(1, 9),
    seed=st.integers(0, 2**32 - 1),
    yuma3=st.booleans(),
    liquid=st.booleans(),
    kappa=st.sampled_from([32767, 16384, 49151, 6553, 60000]),
    beta=st.sampled_from([M, 0, 32768, 13107]),
    bma=st.sampled_from([900_000, 975_000, 500_000]),
    square=st.booleans(),
)
def test_fixed_agrees_with_float_path(n, seed, yuma3, liquid, kappa, beta, bma, square):
    rng = np.random.default_rng(seed)
    n_rows = n
    n_cols = n if square else int(rng.integers(1, 9))
    w = rng.integers(0, M + 1, (n_rows, n_cols)) * (rng.random((n_rows, n_cols)) < 0.7)
    w = fixed_path._max_upscale_rows(w.astype(np.float64), w.any(axis=1)).astype(np.float64)
    bonds = (rng.integers(0, M + 1, (n_rows, n_cols)) * (rng.random((n_rows, n_cols)) < 0.5)
             ) / M
    stake = rng.integers(0, 1000, n_rows).astype(np.float64)
    active = rng.random(n_rows) < 0.85
    permit = rng.random(n_rows) < 0.85
    listed = (rng.random((n_rows, n_cols)) < 0.8) | (w > 0)
    p = yuma.YumaParams.from_chain(kappa=kappa, bonds_moving_average=bma, bonds_penalty=beta,
                                   alpha_values=(6553, 19660), liquid_alpha_on=liquid,
                                   yuma3_on=yuma3, max_allowed_validators=max(1, n // 2))
    assume(not _near_kappa_tie(w, stake, active, permit, kappa))
    kw = dict(params=p, active=active, validator_permit=permit, listed=listed)
    rf = yuma.epoch(w, stake, bonds, **kw)
    rx = chain.chain_epoch_from_float(w, stake, bonds, **kw)
    for name in ("incentive", "dividends", "consensus", "emission", "validator_trust",
                 "rank"):
        np.testing.assert_allclose(getattr(rx, name), getattr(rf, name), rtol=0, atol=1e-6,
                                   err_msg=name)
    np.testing.assert_array_equal(rx.validator_permit, rf.validator_permit)


def test_from_float_result_shapes_and_chain_output():
    w = np.array([[0.5, 0.5, 0.0], [0.8, 0.2, 0.0]])
    r, out, state = chain.chain_epoch_from_float(w, np.array([3.0, 1.0]), return_chain=True)
    ref = yuma.epoch(w, np.array([3.0, 1.0]))
    assert isinstance(r, yuma.EpochResult)
    for f in dataclasses.fields(yuma.EpochResult):
        a, b = getattr(r, f.name), getattr(ref, f.name)
        if isinstance(b, np.ndarray):
            assert a.shape == b.shape, f.name
    np.testing.assert_allclose(r.incentive, ref.incentive, atol=1e-4)
    assert state.n == 5 and out.emission.shape == (5,)
    with pytest.raises(ValueError, match="variant"):
        chain.chain_epoch_from_float(w, [1.0, 1.0], variant="yuma2_liquid_alpha_v1")
    with pytest.raises(ValueError, match="weights"):
        chain.chain_epoch_from_float([1.0, 2.0], [1.0])


# ======================================================================================
# Extremes, determinism, validation, helpers
# ======================================================================================


def _assert_sensible(out, s, rao, conserving=True):
    for name in ("stake_weight", "consensus", "incentive", "dividends", "validator_trust"):
        assert getattr(out, name).dtype == np.uint16
    for name in ("server_emission", "validator_emission", "emission"):
        v = getattr(out, name)
        assert v.dtype == np.uint64 and v.shape == (s.n,)
        if conserving:
            assert int(v.sum()) <= rao


@pytest.mark.parametrize("yuma3", [True, False])
@pytest.mark.parametrize("liquid", [True, False])
def test_extremes(yuma3, liquid):
    hyper = dict(yuma3_on=yuma3, liquid_alpha_on=liquid)
    # n = 0 and n = 1
    out, s = chain.chain_epoch(ChainState(n=0, **hyper))
    assert out.emission.shape == (0,)
    s = ChainState(n=1, stake=[5], weights=[[M]], validator_permit=[True], **hyper)
    out, _ = chain.chain_epoch(s)
    assert out.validator_emission.tolist() == [E9] and out.incentive.tolist() == [0]
    # u16::MAX weights everywhere, stakes near the I64F64 integer range (no overflow of
    # the sum), zero stake, all-zero weights
    n = 6
    full = np.full((n, n), M)
    cases = [
        dict(stake=[(1 << 63) // n - 1] * n, weights=full),
        dict(stake=[U64_MAX, 0, 0, 0, 0, 0], weights=full),
        dict(stake=[0] * n, weights=full),
        dict(stake=[1, 2, 3, 0, 0, 0], weights=np.zeros((n, n)), weights_present=np.ones((n, n))),
        dict(stake=[1] * n, weights=full, bonds=full, tao_stake=[U64_MAX] * n,
             tao_weight=U64_MAX // 2),
    ]
    for kw in cases:
        s = ChainState(n=n, validator_permit=[True] * n, max_allowed_validators=n, **kw,
                       **hyper)
        for _ in range(2):
            out, s = chain.chain_epoch(s, U64_MAX)
            _assert_sensible(out, s, U64_MAX)
    # stake sum past the I64F64 range wraps on chain: no exception, values as the chain's
    s = ChainState(n=3, stake=[U64_MAX] * 3, weights=np.full((3, 3), M),
                   validator_permit=[True] * 3, **hyper)
    out, _ = chain.chain_epoch(s, E9)
    _assert_sensible(out, s, E9, conserving=False)
    _compare_with_reference(s)


def test_bit_identical_across_runs():
    rng = np.random.default_rng(3)
    n = 40
    w = rng.integers(0, M + 1, (n, n)) * (rng.random((n, n)) < 0.5)
    s = ChainState(n=n, stake=rng.integers(0, 10**12, n), weights=w,
                   bonds=rng.integers(0, M + 1, (n, n)), validator_permit=rng.random(n) < 0.5,
                   liquid_alpha_on=True, bonds_penalty=30000)
    a, sa = chain.chain_epoch(s)
    b, sb = chain.chain_epoch(s)
    for f in dataclasses.fields(a):
        if f.name != "intermediates":
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name))
    for f in dataclasses.fields(a.intermediates):
        np.testing.assert_array_equal(getattr(a.intermediates, f.name),
                                      getattr(b.intermediates, f.name))
    np.testing.assert_array_equal(sa.bonds, sb.bonds)


_WORKER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import numba
    from yuma import chain, YumaParams
    rng = np.random.default_rng(11)
    n = 320
    w = rng.integers(0, 65536, (n, n)) * (rng.random((n, n)) < 0.6)
    stake = rng.integers(0, 10**6, n).astype(float)
    bonds = rng.integers(0, 65536, (n, n)) / 65535
    out = {"threads": numba.get_num_threads()}
    for liquid in (True, False):
        p = YumaParams.from_chain(liquid_alpha_on=liquid, bonds_penalty=40000,
                                  max_allowed_validators=200)
        _, o, s = chain.chain_epoch_from_float(w.astype(float), stake, bonds, params=p,
                                               return_chain=True)
        o2, s2 = chain.chain_epoch(s)
        out[str(liquid)] = [o.dividends.tolist(), o.emission.tolist(), o.bonds.tolist(),
                            o2.dividends.tolist(), s2.bonds.tolist(),
                            o.intermediates.ema_bonds.tolist()]
    json.dump(out, open(sys.argv[1], "w"))
    """
)


def test_numba_threads_do_not_change_bits(tmp_path):
    results = []
    for threads in (1, 2):
        path = tmp_path / f"out{threads}.json"
        env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
        subprocess.run([sys.executable, "-c", _WORKER, str(path)], check=True, env=env,
                       cwd=Path(__file__).resolve().parents[1])
        results.append(json.loads(path.read_text()))
    assert [r.pop("threads") for r in results] == [1, 2]
    assert results[0] == results[1]


def test_validation_errors_name_the_argument():
    with pytest.raises(ValueError, match="weights"):
        ChainState(n=2, weights=[[0, 70000], [0, 0]])
    with pytest.raises(ValueError, match="stake"):
        ChainState(n=2, stake=[-1, 0])
    with pytest.raises(ValueError, match="kappa"):
        ChainState(n=2, kappa=65536)
    with pytest.raises(ValueError, match="alpha_sigmoid_steepness"):
        ChainState(n=2, alpha_sigmoid_steepness=40000)
    with pytest.raises(ValueError, match="owner_uid"):
        ChainState(n=2, owner_uid=2)
    with pytest.raises(ValueError, match="bonds_present"):
        ChainState(n=2, bonds_present=np.ones((3, 3)))
    with pytest.raises(ValueError, match="liquid_alpha_on"):
        ChainState(n=2, liquid_alpha_on=1)
    with pytest.raises(ValueError, match="rao_emission"):
        chain.chain_epoch(ChainState(n=1), -1)
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        chain.set_hyperparameters(ChainState(n=1), rho=3)
    s = chain.new_subnet(3)
    with pytest.raises(ValueError, match="NeuronNoValidatorPermit"):
        chain.set_weights(s, 0, [1, 2], [1, 2])
    with pytest.raises(ValueError, match="DuplicateUids"):
        chain.set_weights(s, 0, [0, 0], [1, 2], check_permit=False)
    with pytest.raises(ValueError, match="uids"):
        chain.set_weights(s, 0, [5], [1])


def test_helpers():
    s = chain.new_subnet(2, block=7, tempo=360)
    assert s.activity_cutoff == 5000 and s.last_update.tolist() == [7, 7]
    s = chain.register(s, stake=3)
    assert s.n == 3 and s.block_at_registration.tolist() == [7, 7, 7]
    s = chain.set_validator_permit(s, 0)
    s = chain.set_weights(s, 0, [2, 1], [10, 20])  # max-upscaled, stored in this order
    assert s.weights[0].tolist() == [0, 65535, 32768] and s.weights_order[0, 2] == 0
    s = chain.set_weights(s, 1, [1], [0])  # a self-weight needs no permit
    assert s.weights_present[1, 1] and s.weights[1, 1] == 0
    s = chain.advance(s, 3)
    s = chain.register(s, 2, stake=9)  # replace_neuron
    assert s.weights_present[0, 2] and s.weights[0, 2] == 0
    assert s.block_at_registration[2] == 10 and s.stake.tolist() == [0, 0, 9]
    s = chain.set_stake(s, 4, uid=0)
    assert s.stake.tolist() == [4, 0, 9]
    assert chain.reset_bonds(s, 1) is s  # BondsResetOn off: nothing happens
    with pytest.raises(ValueError, match="owner"):
        chain.register(chain.set_hyperparameters(s, owner_uid=1), 1)
    cr = chain.set_hyperparameters(s, commit_reveal_enabled=True)
    assert chain.set_weights(cr, 2, [2], [1]).last_update[2] == cr.last_update[2]
    with pytest.raises(AttributeError):
        s.block = 3
    assert not s.weights.flags.writeable
    assert chain.activity_cutoff_blocks(360) == 5000
    assert chain.activity_cutoff_blocks(0) == 1


def test_record_step_sets_last_mechanism_step_block():
    s = chain.new_subnet(3, block=12, stake=[1, 1, 0], tempo=5)
    _, s1 = chain.chain_epoch(s)
    assert s1.last_mechanism_step_block == 12 and s1.last_tempo == 13
    _, s2 = chain.chain_epoch(s, record_step=False)
    assert s2.last_mechanism_step_block == 0 and s2.last_tempo == 7


def test_doctests():
    result = doctest.testmod(chain, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0 and result.attempted > 0


def test_exports():
    assert yuma.chain_epoch is chain.chain_epoch
    assert yuma.ChainState is chain.ChainState
    assert yuma.chain_epoch_from_float is chain.chain_epoch_from_float

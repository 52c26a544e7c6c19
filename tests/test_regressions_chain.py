"""Regressions on the chain side: integer ranges at the u64 / 2**63 / 2**53 boundaries.

Each reproducer of the hardening issue is a test here. Where a test states what the chain
computes, the expected value is worked out in this file from the chain's rules with plain
Python integers (``substrate-fixed`` semantics: ``saturating_from_num`` clamps the bits,
the release runtime's ``+`` wraps, ``safe_div`` is 0 on overflow), never by the code under
test.
"""

import dataclasses

import numpy as np
import pytest
from data import null_mechanism_vectors as nv
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma import chain
from yuma.chain import fixed as fx
from yuma.chain.null import null_epoch, null_epoch_with_budgets
from yuma.chain.run_epoch import _liquid_alpha_consensus
from yuma.core.mechanisms import (
    chain_null_epoch_with_mechanisms,
    epoch_with_mechanisms,
    null_epoch_with_mechanisms,
)

U64_MAX = (1 << 64) - 1
I64F64_MAX = (1 << 127) - 1
I64F64_MIN = -(1 << 127)
I32F32_MAX = (1 << 63) - 1
SWAP = np.array([[0.0, 1.0], [1.0, 0.0]])


# --------------------------------------------------------------------------------------
# The chain's rules, written out with Python ints (independent of yuma.chain.fixed)
# --------------------------------------------------------------------------------------


def _wrap(bits: int, width: int) -> int:
    """Two's-complement wrap, as the release runtime's ``+`` on fixed-point bits."""
    half = 1 << (width - 1)
    return ((bits + half) % (1 << width)) - half


def _i64f64_saturating_from_u64(v: int) -> int:
    return min(v << 64, I64F64_MAX)


def _checked_div(a: int, b: int, frac: int, lo: int, hi: int) -> int:
    """``safe_div``: truncating quotient of the bits, 0 on a zero divisor or overflow."""
    if b == 0:
        return 0
    q = (abs(a) << frac) // abs(b)
    q = -q if (a < 0) != (b < 0) else q
    return q if lo <= q <= hi else 0


def _chain_stake_i32f32(stakes_rao: list[int]) -> list[int]:
    """``get_stake_weights_for_network`` (alpha only), ``inplace_normalize_64``, to I32F32."""
    raw = [_i64f64_saturating_from_u64(s) for s in stakes_rao]
    total = _wrap(sum(raw), 128)
    if total != 0:
        raw = [_checked_div(v, total, 64, I64F64_MIN, I64F64_MAX) for v in raw]
    return [max(-(1 << 63), min(I32F32_MAX, v >> 32)) for v in raw]


def _chain_normalize_i32f32(x: list[int]) -> list[int]:
    total = _wrap(sum(x), 64)
    if total == 0:
        return x
    return [_checked_div(v, total, 32, -(1 << 63), I32F32_MAX) for v in x]


def _chain_rao(share_bits: int, rao: int) -> int:
    """``I96F32(share).saturating_mul(I96F32(rao)).saturating_to_num::<u64>()``."""
    return max(0, min(U64_MAX, (share_bits * rao) >> 32))


# --------------------------------------------------------------------------------------
# Item 2: I64F64 saturation and the chain's wrapping stake sum
# --------------------------------------------------------------------------------------


def test_i64f64_saturating_from_num_gives_the_type_max_bits():
    assert fx.i64f64_from_int(2**63) == I64F64_MAX
    assert fx.i64f64_from_int(U64_MAX) == I64F64_MAX
    assert fx.i64f64_from_int(2**63 - 1) == (2**63 - 1) << 64
    assert fx.i64f64_from_int(-(2**63)) == -(2**63) << 64
    assert fx.i64f64_from_int(-(2**63) - 1) == I64F64_MIN
    # EpochTerms.stake of such a UID: saturating_to_num::<u64> floors MAX to 2**63 - 1
    assert fx.fixed64_to_u64(fx.i64f64_from_int(2**63)) == 2**63 - 1


def test_two_stakes_of_2_pow_63_rao_wrap_to_zero_stake_as_on_chain():
    # MAX + MAX wraps to -2 bits; MAX / -2 overflows I64F64, so safe_div gives 0.
    assert _chain_stake_i32f32([2**63, 2**63]) == [0, 0]
    out, new = chain.chain_epoch(chain.new_subnet(2, block=1, stake=[2**63, 2**63]), 10**9)
    assert out.intermediates.stake.tolist() == [0, 0]
    assert not out.validator_permit.any()
    assert out.emission.tolist() == [0, 0]  # the chain pays nobody: the budget is lost
    assert out.stake.tolist() == [2**63 - 1, 2**63 - 1]


@pytest.mark.parametrize("stored_permits", [False, True])
def test_stakes_just_below_2_pow_63_overpay_as_the_chain_does(stored_permits):
    stakes = [10**9, 2**63 - 1, 2**63 - 1]
    rao = 10**9
    stake = _chain_stake_i32f32(stakes)
    # The I64F64 sum wraps to 999_999_998 rao; each large stake then saturates I32F32.
    assert stake[1:] == [I32F32_MAX, I32F32_MAX]
    # No weights: emission_sum is 0, so validators get active_stake, or stake when no
    # active stake (no stored permit masks every UID out of active_stake).
    share = _chain_normalize_i32f32(stake) if stored_permits else stake
    expected = [_chain_rao(s, rao) for s in share]
    assert expected[1] == (2147483645000000003 if stored_permits else 2147483647999999999)
    s = chain.new_subnet(3, block=1, stake=stakes, validator_permit=[stored_permits] * 3)
    out, _ = chain.chain_epoch(s, rao)
    assert out.intermediates.stake.tolist() == stake
    assert out.validator_emission.tolist() == expected
    assert out.emission.tolist() == expected
    assert sum(expected) > rao  # the chain's own overpayment, reproduced


_stake_rao = (st.integers(0, U64_MAX) | st.integers(2**63 - 2, 2**63 + 2)
              | st.integers(0, 10**12) | st.sampled_from([0, U64_MAX]))


@given(st.lists(_stake_rao, min_size=1, max_size=5),
       st.sampled_from([0, 10**9, 2**63 - 1, 2**63, U64_MAX]))
def test_chain_stake_at_the_u64_boundaries_follows_the_chain_rules(stakes, threshold):
    # Both stake paths of chain_epoch (the integer fast path below 2**63 and the I64F64
    # path above it) against the chain's rules written out above.
    # fixed64_to_u64(s) < StakeThreshold drops s; s saturated floors to at most 2**63 - 1
    kept = [v if min(v, 2**63 - 1) >= threshold else 0 for v in stakes]
    want = _chain_stake_i32f32(kept)
    s = chain.new_subnet(len(stakes), block=1, stake=stakes, stake_threshold=threshold)
    out, _ = chain.chain_epoch(s, 10**9)
    assert out.intermediates.stake.tolist() == want
    assert out.stake.tolist() == [min(v, 2**63 - 1) for v in stakes]


# --------------------------------------------------------------------------------------
# Item 1: epoch(arithmetic="fixed") converts stake to rao with a total below 2**63
# --------------------------------------------------------------------------------------


def test_fixed_path_stake_does_not_wrap_at_rao_magnitudes():
    r = yuma.epoch(SWAP, [5e9 + 0.5] * 2, arithmetic="fixed")
    np.testing.assert_allclose(r.stake, [0.5, 0.5], atol=1e-9)
    f = yuma.epoch(SWAP, [1e19] * 2, active=[False, False])
    x = yuma.epoch(SWAP, [1e19] * 2, active=[False, False], arithmetic="fixed")
    assert np.all(x.emission >= 0)
    np.testing.assert_allclose(x.emission, f.emission, atol=1e-6)


def test_explicit_rao_per_unit_past_2_pow_63_is_refused():
    with pytest.raises(ValueError, match="rao_per_unit"):
        yuma.chain_epoch_from_float(SWAP, [2.0**62, 2.0**62], rao_per_unit=1.0)
    with pytest.raises(ValueError, match="rao_per_unit"):
        yuma.chain_epoch_from_float(SWAP, [1.0, 1.0], rao_per_unit=float("inf"))
    # just below the limit is accepted and exact
    r = yuma.chain_epoch_from_float(SWAP, [2.0**61, 2.0**61], rao_per_unit=1.0)
    np.testing.assert_array_equal(r.stake, [0.5, 0.5])


@given(
    st.lists(st.floats(1e15, 1e19), min_size=2, max_size=6),
    st.floats(0.0, 1.0),
)
def test_fixed_stake_matches_float_at_rao_magnitudes(stakes, frac):
    stakes = [s + frac for s in stakes]  # non-integers in rao-like magnitudes
    n = len(stakes)
    w = np.ones((n, n)) - np.eye(n)
    f = yuma.epoch(w, stakes)
    x = yuma.epoch(w, stakes, arithmetic="fixed")
    assert np.all(x.stake >= 0)
    np.testing.assert_allclose(x.stake, f.stake, atol=1e-6)
    np.testing.assert_array_equal(x.validator_permit, f.validator_permit)
    np.testing.assert_allclose(x.emission, f.emission, atol=1e-5)


@given(st.lists(st.integers(0, 2**62), min_size=1, max_size=5))
def test_integer_stakes_below_2_pow_63_stay_exact_rao(stakes):
    n = len(stakes)
    _, out, _ = yuma.chain_epoch_from_float(np.zeros((n, n)), [float(s) for s in stakes],
                                            return_chain=True)
    total = sum(int(float(s)) for s in stakes)
    if total < 2**63:  # scale 1: the chain state holds the stakes themselves
        assert out.stake.tolist() == [int(float(s)) for s in stakes]
    assert sum(out.stake.tolist()) < 2**63


# --------------------------------------------------------------------------------------
# stake_threshold too large for a float, or for u64 rao
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("arithmetic", ["float", "fixed"])
def test_huge_stake_threshold_is_a_value_error_naming_it(arithmetic):
    with pytest.raises(ValueError, match="stake_threshold"):
        yuma.epoch(SWAP, [1.0, 1.0], stake_threshold=10**400, arithmetic=arithmetic)


@pytest.mark.parametrize("stake", [[1.0, 1.0], [0.5, 2.5]])
def test_float_threshold_above_u64_rao_saturates(stake):
    f = yuma.epoch(SWAP, stake, stake_threshold=1e300)
    x = yuma.epoch(SWAP, stake, stake_threshold=1e300, arithmetic="fixed")
    np.testing.assert_array_equal(x.stake, f.stake)  # every stake below the threshold
    np.testing.assert_array_equal(x.validator_permit, f.validator_permit)


# --------------------------------------------------------------------------------------
# Item 3: blocks are u64 on both paths
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("bar", [2**63, U64_MAX])
def test_blocks_above_2_pow_63_agree_on_both_paths(bar):
    kw = dict(block_at_registration=[bar] * 2, last_update=[5, 5])
    f = yuma.epoch(SWAP, [1.0, 1.0], **kw)
    x = yuma.epoch(SWAP, [1.0, 1.0], arithmetic="fixed", **kw)
    # last_update (5) <= block_at_registration: every weight is outdated on chain
    np.testing.assert_array_equal(f.incentive, [0.0, 0.0])
    np.testing.assert_array_equal(x.incentive, [0.0, 0.0])
    fresh = dict(block_at_registration=[bar - 1] * 2, last_update=[bar, bar])
    np.testing.assert_allclose(yuma.epoch(SWAP, [1.0, 1.0], **fresh).incentive, [0.5, 0.5])
    np.testing.assert_allclose(
        yuma.epoch(SWAP, [1.0, 1.0], arithmetic="fixed", **fresh).incentive, [0.5, 0.5]
    )


@pytest.mark.parametrize("arithmetic", ["float", "fixed"])
def test_u64_max_registration_without_last_update_runs(arithmetic):
    r = yuma.epoch(SWAP, [1.0, 1.0], block_at_registration=[U64_MAX] * 2, last_tempo=U64_MAX,
                   arithmetic=arithmetic)
    np.testing.assert_allclose(r.incentive, [0.5, 0.5], atol=1e-9)


@pytest.mark.parametrize("arithmetic", ["float", "fixed"])
@pytest.mark.parametrize(
    ("name", "value"),
    [("block_at_registration", [2**64, 0]), ("last_update", [-1, 0]),
     ("commit_block", [2**65, 0]), ("last_update", [1.5, 0])],
)
def test_blocks_outside_u64_are_refused_on_both_paths(arithmetic, name, value):
    kw = {"block_at_registration": [0, 0], name: value}
    with pytest.raises(ValueError, match=name):
        yuma.epoch(SWAP, [1.0, 1.0], arithmetic=arithmetic, **kw)


@pytest.mark.parametrize("arithmetic", ["float", "fixed"])
def test_last_tempo_outside_u64_is_refused(arithmetic):
    with pytest.raises(ValueError, match="last_tempo"):
        yuma.epoch(SWAP, [1.0, 1.0], block_at_registration=[0, 0], last_tempo=2**64,
                   arithmetic=arithmetic)


_u64_blocks = st.integers(0, U64_MAX) | st.integers(2**63 - 3, 2**63 + 3) | st.integers(0, 4)


@given(st.data())
def test_weight_mask_on_u64_blocks_matches_the_chain_rule(data):
    n = data.draw(st.integers(1, 4))
    lu = data.draw(st.lists(_u64_blocks, min_size=n, max_size=n))
    bar = data.draw(st.lists(_u64_blocks, min_size=n, max_size=n))
    cb = data.draw(st.none() | st.lists(_u64_blocks, min_size=n, max_size=n))
    w = np.ones((n, n))
    kw = dict(last_update=lu, block_at_registration=bar, commit_block=cb, owner_uid=0)
    # chain: keep (i, j) unless i == j (owner excepted), lu[i] <= bar[j] or cb[i] < bar[j]
    keep = np.array([[(i != j or i == 0) and lu[i] > bar[j] and (cb is None or cb[i] >= bar[j])
                      for j in range(n)] for i in range(n)])
    for arithmetic in ("float", "fixed"):
        r = yuma.epoch(w, [1.0] * n, arithmetic=arithmetic, **kw)
        np.testing.assert_array_equal(r.weights > 0, keep, err_msg=arithmetic)


# --------------------------------------------------------------------------------------
# Item 5: clear_neuron zeroes the replaced UID's stored Consensus
# --------------------------------------------------------------------------------------


def test_replacing_a_uid_zeroes_its_stored_consensus():
    s = chain.new_subnet(3, block=1, consensus=[100, 200, 300])
    r = chain.register(s, uid=1, stake=5)
    assert r.consensus.tolist() == [100, 0, 300]  # clear_neuron: Consensus[uid] = 0
    assert s.consensus.tolist() == [100, 200, 300]  # the caller's state is untouched
    # set_element_at leaves a shorter vector alone
    short = chain.register(chain.new_subnet(3, block=1, consensus=[7]), uid=2)
    assert short.consensus.tolist() == [7]
    # append_neuron pushes a 0 onto the stored vector
    assert chain.register(s).consensus.tolist() == [100, 200, 300, 0]
    assert chain.register(chain.new_subnet(2)).consensus is None


def test_previous_consensus_of_a_replaced_uid_is_zero_in_the_sigmoid():
    # "previous" mode reads the stored consensus: a replaced UID's entry is 0, not stale.
    s = chain.new_subnet(3, block=1, liquid_alpha_on=True, consensus=[0, 40000, 40000],
                         liquid_alpha_consensus_mode="previous")
    r = chain.register(s, uid=2)
    cons = np.zeros(3, dtype=np.int64)  # this epoch's consensus
    assert _liquid_alpha_consensus(r, cons)[2] == 0
    assert _liquid_alpha_consensus(s, cons)[2] == int(fx.u16_proportion_to_fixed(40000))


# --------------------------------------------------------------------------------------
# AlphaValues: the chain holds 1638 <= alpha_low <= alpha_high (do_set_alpha_values)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "name"),
    [(60000, 100, "alpha_high"), (50000, 40000, "alpha_low"), (1637, 40000, "alpha_low"),
     (1638, 1637, "alpha_high"), (0, 0, "alpha_high")],
)
def test_alpha_values_the_chain_refuses_are_refused(low, high, name):
    with pytest.raises(ValueError, match=name):
        chain.ChainState(n=1, alpha_low=low, alpha_high=high)
    with pytest.raises(ValueError, match=name):
        chain.set_hyperparameters(chain.new_subnet(1), alpha_low=low, alpha_high=high)


def test_alpha_values_the_chain_accepts_are_kept():
    for low, high in [(1638, 1638), (45875, 58982), (1638, 65535)]:
        s = chain.ChainState(n=1, alpha_low=low, alpha_high=high)
        assert (s.alpha_low, s.alpha_high) == (low, high)


# --------------------------------------------------------------------------------------
# Item 6: budgets above 2**53 and the empty Null subnet
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("budget", [2**53 + 1, 2**63 - 1, U64_MAX])
def test_float_mechanisms_never_pay_more_than_the_budget(budget):
    out = epoch_with_mechanisms([SWAP], [1.0, 1.0], rao_emission=budget)
    assert sum(out.server_emission) + sum(out.validator_emission) <= budget
    assert sum(out.emission) <= budget
    # exact: each share is 1/4 of the budget, floored (no float rounding up)
    assert list(out.validator_emission) == [budget // 4, budget // 4]
    assert list(out.server_emission) == [budget // 4, budget // 4]


@given(st.integers(0, U64_MAX), st.integers(1, 3), st.integers(0, 2**32))
def test_float_mechanisms_conserve_to_the_rao_bound(budget, count, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.random((3, 3)) for _ in range(count)]
    out = epoch_with_mechanisms(ws, rng.random(3) + 0.1, rao_emission=budget)
    assert sum(out.budgets) == budget
    assert sum(out.server_emission) + sum(out.validator_emission) <= budget
    assert sum(out.emission) <= budget


def test_null_epoch_on_an_empty_subnet_reports_the_budget_unpaid():
    r = null_epoch(np.zeros((0, 0), dtype=np.int64), [], 1_000)
    assert r.emission.shape == (0,) and r.unpaid == 1_000
    full = null_epoch([[0, 1], [0, 0]], [1, 0], 1_000)
    assert full.unpaid == 0 and sum(full.emission) == 1_000


# --------------------------------------------------------------------------------------
# Item 12: Null consensus over several mechanisms (the chain's per-mechanism budgets)
# --------------------------------------------------------------------------------------


def _null_subnet(stakes, *, mechanisms=1):
    """The chain test's setup(): 4 UIDs registered at block 0, UIDs 0 and 1 staked."""
    s = chain.new_subnet(4, tempo=nv.SETUP_TEMPO, max_allowed_validators=2,
                         stake=list(stakes) + [0, 0], validator_permit=[True, True, False, False])
    return [chain.advance(s, 1)] * mechanisms


@pytest.mark.parametrize("miner_budget", nv.MINER_BUDGETS)
def test_null_mechanisms_pay_each_budget_once(miner_budget):
    states = _null_subnet(nv.STAKES, mechanisms=nv.MECHANISM_COUNT)
    out, news = chain_null_epoch_with_mechanisms(
        states, server_budget=miner_budget, validator_budget=nv.VALIDATOR_BUDGET,
        root_budget=nv.ROOT_BUDGET)
    assert sum(out.server_emission) == miner_budget
    assert sum(out.validator_emission) == nv.DIVIDEND_TOTAL
    assert sum(out.emission) == miner_budget + nv.DIVIDEND_TOTAL
    assert out.unpaid == 0 and out.winner == 0
    assert all(s.validator_permit.tolist() == [True, False, False, False] for s in news)


def test_null_mechanisms_split_the_epoch_budget_once():
    states = _null_subnet(nv.STAKES, mechanisms=nv.MECHANISM_COUNT)
    out, _ = chain_null_epoch_with_mechanisms(states, nv.EPOCH_BUDGET)
    assert sum(out.server_emission) == nv.EPOCH_MINERS
    assert sum(out.validator_emission) == nv.EPOCH_DIVIDENDS
    # Rounding each mechanism's budget on its own would pay more miners:
    naive = sum(b - b // 2 for b in [-(-nv.EPOCH_BUDGET // nv.MECHANISM_COUNT)] * 4)
    assert naive > nv.EPOCH_MINERS


@pytest.mark.parametrize("local", nv.FALLBACK_LOCAL_BUDGETS)
def test_null_mechanisms_without_stake_pay_only_the_local_budget(local):
    states = _null_subnet([0, 0], mechanisms=nv.MECHANISM_COUNT)
    states = [chain.set_validator_permit(chain.set_validator_permit(s, 0, False), 1, False)
              for s in states]
    out, _ = chain_null_epoch_with_mechanisms(
        states, server_budget=local, validator_budget=0, root_budget=nv.FALLBACK_ROOT_BUDGET)
    assert sum(out.server_emission) == local
    assert all(v == 0 for v in out.validator_emission)
    assert sum(out.emission) == local and out.unpaid == nv.FALLBACK_ROOT_BUDGET


def test_null_without_a_validator_excludes_the_root_budget():
    r = null_epoch_with_budgets(np.zeros((4, 4), dtype=np.int64), [0] * 4,
                                *nv.NO_VALIDATOR_BUDGETS)
    assert sum(r.emission) == nv.NO_VALIDATOR_PAID
    assert r.unpaid == nv.NO_VALIDATOR_BUDGETS[2]


@given(st.integers(0, U64_MAX), st.integers(1, 5), st.data())
def test_null_mechanisms_conserve_every_unit(budget, count, data):
    n = data.draw(st.integers(1, 5))
    stake = data.draw(st.lists(st.integers(0, 2**64), min_size=n, max_size=n))
    rows = st.lists(st.lists(st.integers(0, 65535), min_size=n, max_size=n), min_size=n,
                    max_size=n)
    ws = [np.array(data.draw(rows)) for _ in range(count)]
    out = null_epoch_with_mechanisms(ws, stake, budget)
    assert sum(out.emission) + out.unpaid == budget
    assert out.unpaid == 0  # n >= 1: every unit is paid
    assert sum(out.validator_emission) == (budget // 2 if any(stake) else 0)


# --------------------------------------------------------------------------------------
# Item 12: the bond cutoff tracks the last Yuma step (LastYumaStepBlock)
# --------------------------------------------------------------------------------------


def test_bond_cutoff_steps_of_the_chain_test():
    s = _null_subnet(nv.STAKES)[0]
    for action, value, args, expected in nv.BOND_CUTOFF_STEPS:
        if action == "lms":
            s = dataclasses.replace(s, last_mechanism_step_block=value)
        elif action == "lysb":
            s = dataclasses.replace(s, last_yuma_step_block=value)
        else:
            s = chain.set_epoch_consensus(s, value)
        if args is not None:
            block, tempo = args
            got = chain.bond_cutoff_block(block, tempo, s.last_mechanism_step_block,
                                          s.last_yuma_step_block)
            assert got == expected, (action, value)
            at = dataclasses.replace(s, block=block, tempo=tempo)
            assert at.last_tempo == expected


def _replaced_miner_run(stale: bool, yuma3: bool, *, record_switch: bool = True):
    s = _null_subnet(nv.REPLACED_STAKES)[0]
    s = chain.set_hyperparameters(s, yuma3_on=yuma3)
    s = dataclasses.replace(s, last_mechanism_step_block=nv.REPLACED_LMS_BEFORE)
    bonds = np.zeros((4, 4), dtype=np.uint16)
    for i, row in (nv.STALE_BONDS if stale else nv.CLEAN_BONDS).items():
        for j, v in row.items():
            bonds[i, j] = v
    s = dataclasses.replace(s, bonds=bonds, bonds_present=bonds != 0)
    if record_switch:
        s = chain.set_epoch_consensus(s, "null")
    s = dataclasses.replace(s, block=nv.REPLACED_AT)
    s = chain.register(s, uid=nv.REPLACED_UID)
    s = dataclasses.replace(s, last_mechanism_step_block=nv.REPLACED_LMS_AFTER,
                            block=nv.WEIGHTS_BLOCK)
    s = chain.set_weights(s, 0, [2], [65535])
    s = chain.set_weights(s, 1, [2], [65535])
    s = chain.advance(chain.set_epoch_consensus(s, "yuma"),
                      nv.EPOCH_BLOCK - nv.WEIGHTS_BLOCK)
    out, _ = chain.chain_epoch(s, nv.REPLACED_BUDGET, record_step=False)
    return out.bonds.tolist(), out.dividends.tolist(), out.validator_emission.tolist()


@pytest.mark.parametrize("yuma3", [False, True])
def test_replaced_miner_bonds_match_a_clean_baseline_after_null(yuma3):
    assert _replaced_miner_run(True, yuma3) == _replaced_miner_run(False, yuma3)
    # Without the recorded Yuma step the cutoff is lms + 1 = 101 > 50: stale bonds leak.
    assert (_replaced_miner_run(True, yuma3, record_switch=False)
            != _replaced_miner_run(False, yuma3, record_switch=False))


@pytest.mark.parametrize("variant", ["yuma3", "yuma2"])
def test_float_path_bond_cutoff_by_the_last_yuma_step(variant):
    # The same scenario on yuma.epoch: last_tempo = bond_cutoff_block(...).
    w = np.zeros((4, 4))
    w[0, 2] = w[1, 2] = 1.0
    bar = [0, 0, 0, nv.REPLACED_AT]
    kw = dict(variant=variant, validator_permit=[True, True, False, False],
              block_at_registration=bar, last_update=[nv.WEIGHTS_BLOCK] * 2 + [0, nv.REPLACED_AT])

    def bonds(rows):
        b = np.zeros((4, 4))
        for i, row in rows.items():
            for j, v in row.items():
                b[i, j] = v / 65535
        return b

    stake = [float(v) for v in nv.REPLACED_STAKES] + [0.0, 0.0]
    for arithmetic in ("float", "fixed"):
        cutoff = chain.bond_cutoff_block(nv.EPOCH_BLOCK, nv.SETUP_TEMPO, nv.REPLACED_LMS_AFTER,
                                         nv.REPLACED_LMS_BEFORE)
        assert cutoff == nv.REPLACED_LMS_BEFORE + 1
        stale = yuma.epoch(w, stake, bonds(nv.STALE_BONDS), last_tempo=cutoff,
                           arithmetic=arithmetic, **kw)
        clean = yuma.epoch(w, stake, bonds(nv.CLEAN_BONDS), last_tempo=cutoff,
                           arithmetic=arithmetic, **kw)
        np.testing.assert_array_equal(stale.dividends, clean.dividends)
        np.testing.assert_array_equal(stale.bonds, clean.bonds)
        old = chain.bond_cutoff_block(nv.EPOCH_BLOCK, nv.SETUP_TEMPO, nv.REPLACED_LMS_AFTER)
        leaky = yuma.epoch(w, stake, bonds(nv.STALE_BONDS), last_tempo=old,
                           arithmetic=arithmetic, **kw)
        assert not np.array_equal(leaky.bonds, clean.bonds)

"""yuma.economics: emission, splits, delegation, root network and registration.

Chain test vectors are cited by file and test name (opentensor/subtensor); every split is
property-tested to hand out exactly what came in, to the rao.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yuma import economics as ec
from yuma.economics.emission import _halvings, _log2_i96f32

U64_MAX = 2**64 - 1
TAO = ec.RAO_PER_TAO
T = ec.TOTAL_SUPPLY

u64s = st.one_of(
    st.integers(0, U64_MAX),
    st.sampled_from([0, 1, 2, 3, 10**9, 2**32, 2**63 - 1, 2**63, U64_MAX - 1, U64_MAX]),
)
u16s = st.integers(0, 65535)
bools = st.booleans()


# --------------------------------------------------------------------------------------
# Block emission and halvings
# --------------------------------------------------------------------------------------

# (k, issuance in rao where the k-th halving starts, emission in rao per block from there)
HALVINGS = [
    (0, 0, 1_000_000_000),
    (1, 10_500_000 * TAO, 500_000_000),
    (2, 15_750_000 * TAO, 250_000_000),
    (3, 18_375_000 * TAO, 125_000_000),
    (4, 19_687_500 * TAO, 62_500_000),
    (5, 20_343_750 * TAO, 31_250_000),
    (6, 20_671_875 * TAO, 15_625_000),
    (7, 20_835_937_500_000_000, 7_812_500),
    (8, 20_917_968_750_000_000, 3_906_250),
    (9, 20_958_984_375_000_000, 1_953_125),
    (10, 20_979_492_187_500_000, 976_562),
]


def test_first_block_emissions_exact():
    assert ec.block_emission(0) == 1_000_000_000
    assert ec.block_emission(1) == 1_000_000_000
    assert ec.block_emission(7_200 * TAO) == 1_000_000_000
    assert ec.block_emission(10_500_000 * TAO - 1) == 1_000_000_000
    assert ec.block_emission(10_500_000 * TAO) == 500_000_000
    assert ec.block_emission(15_750_000 * TAO - 1) == 500_000_000
    assert ec.block_emission(15_750_000 * TAO) == 250_000_000
    assert ec.block_emission(18_375_000 * TAO) == 125_000_000
    assert ec.block_emission(T - 1) == 0
    assert ec.block_emission(T) == 0
    assert ec.block_emission(U64_MAX) == 0
    assert ec.block_emission(np.uint64(0)) == 1_000_000_000


@pytest.mark.parametrize(("k", "issuance", "emission"), HALVINGS)
def test_halving_table(k, issuance, emission):
    h = ec.halving_schedule()[k]
    assert (h.k, h.issuance, h.emission) == (k, issuance, emission)
    assert ec.block_emission(issuance) == emission
    if k:
        assert ec.block_emission(issuance - 1) == 2 * emission or emission == 976_562


def test_halving_schedule_closed_form():
    sched = ec.halving_schedule()
    assert [h.k for h in sched] == list(range(31))
    for h in sched:
        # ceil(21M * (1 - 2**-k)) TAO in rao, and floor(1e9 / 2**k) rao per block
        assert h.issuance == T - (T >> h.k)
        assert h.emission == 1_000_000_000 >> h.k
        if h.k:
            assert _halvings(h.issuance - 1) == h.k - 1 and _halvings(h.issuance) == h.k
    assert sched[-1].emission == 0 and T - sched[-1].issuance == 19_557_774


def test_log2_fixed_point():
    one = 1 << 32
    for p in range(0, 40):
        assert _log2_i96f32(one << p) == p << 32
    for p in range(1, 20):
        assert _log2_i96f32(one >> p) == -(p << 32)
    rng = np.random.default_rng(0)
    for v in rng.integers(one, 2**62, size=50):
        assert abs(_log2_i96f32(int(v)) / 2**32 - math.log2(v / 2**32)) < 1e-8
    with pytest.raises(ValueError):
        _log2_i96f32(0)


@given(
    st.lists(
        st.one_of(u64s, st.sampled_from([h.issuance for h in ec.halving_schedule()])),
        min_size=1,
        max_size=20,
    )
)
def test_block_emission_vectorized_matches_scalar(xs):
    out = ec.block_emission(np.array(xs, dtype=np.uint64))
    assert out.dtype == np.uint64
    assert out.tolist() == [ec.block_emission(x) for x in xs]


@given(st.integers(0, T + 10))
def test_block_emission_monotone_step(x):
    e = ec.block_emission(x)
    assert e >= ec.block_emission(x + 1)
    assert e in {h.emission for h in ec.halving_schedule()}


def test_block_emission_validation():
    for bad in (-1, 2**64, 1.5, True, "1"):
        with pytest.raises(ValueError, match="issuance"):
            ec.block_emission(bad)
    with pytest.raises(ValueError, match="issuance"):
        ec.block_emission(np.array([1.0]))


def test_projection_first_halvings_in_blocks():
    p = ec.project_issuance([0, 1, 10_500_000, 21_000_000, 31_500_000])
    assert p.issuance.tolist() == [
        0,
        1_000_000_000,
        10_500_000 * TAO,
        15_750_000 * TAO,
        18_375_000 * TAO,
    ]
    assert p.emission.tolist() == [10**9, 10**9, 5 * 10**8, 25 * 10**7, 125 * 10**6]


def test_projection_matches_block_by_block_loop():
    start = 10_500_000 * TAO - 3_500_000_000  # 3.5 blocks before the first halving
    p = ec.project_issuance(np.arange(12), initial_issuance=start)
    x, xs, es = start, [], []
    for _ in range(12):
        e = ec.block_emission(x)
        xs.append(x)
        es.append(e)
        x += e
    assert p.issuance.tolist() == xs and p.emission.tolist() == es
    # Near the end of the schedule the steps are a few rao.
    start = ec.halving_schedule()[28].issuance - 7
    p = ec.project_issuance(np.arange(30), initial_issuance=start)
    x = start
    for i in range(30):
        assert p.issuance[i] == x and p.emission[i] == ec.block_emission(x)
        x += ec.block_emission(x)


def test_projection_fifty_years_fast_and_capped():
    blocks = np.arange(0, int(50 * ec.BLOCKS_PER_YEAR), 600)
    p = ec.project_issuance(blocks)
    assert p.issuance.dtype == np.uint64 and len(p.issuance) == len(blocks)
    assert np.all(np.diff(p.issuance.astype(np.int64)) >= 0)
    assert np.all(np.diff(p.emission.astype(np.int64)) <= 0)
    assert p.issuance[-1] < T and p.years[-1] == pytest.approx(50, abs=0.01)
    # every halving (10.5M blocks apart, about 4 years) is hit on its exact block
    k4 = ec.project_issuance([4 * 10_500_000 - 1, 4 * 10_500_000])
    assert k4.emission.tolist() == [125_000_000, 62_500_000]
    end = ec.project_issuance([10**12])
    assert end.issuance[0] == ec.halving_schedule()[-1].issuance and end.emission[0] == 0
    with pytest.raises(ValueError, match="blocks"):
        ec.project_issuance([-1])
    with pytest.raises(ValueError, match="initial_issuance"):
        ec.project_issuance([0], initial_issuance=-5)


# --------------------------------------------------------------------------------------
# Subnet shares, injection, per-block split
# --------------------------------------------------------------------------------------


def test_root_proportion():
    assert ec.root_proportion(1_000, 1_000, U64_MAX) == 2**31
    assert ec.root_proportion(0, 0) == 0
    assert ec.root_proportion(5, 0) == 0
    assert ec.root_proportion(0, 5) == 2**32
    p = ec.root_proportion(10**15, 4 * 10**15) / 2**32
    w = ec.DEFAULT_TAO_WEIGHT / U64_MAX
    assert p == pytest.approx(4 * w / (4 * w + 1), rel=1e-8)


def test_subnet_block_split_default_owner_cut_and_halves():
    s = ec.subnet_block_split(1_000_000_000)
    assert s.owner_cut == 179_995_422  # floor(1e9 * 11796/65535) in U96F32
    assert (s.server, s.validator, s.root, s.root_recycled) == (410_002_288, 410_002_288, 0, 0)
    assert s.remainder == 2 and s.epoch_budget == 820_004_576
    s = ec.subnet_block_split(1_000_000_000, root_proportion_bits=2**31)
    assert s.server == 410_002_288 and s.root == 205_001_144 and s.validator == 205_001_144
    s = ec.subnet_block_split(1_000_000_000, root_proportion_bits=2**31, root_sell=False)
    assert s.root == 0 and s.root_recycled == 205_001_144
    s = ec.subnet_block_split(1_000_000_000, owner_cut_enabled=False, blocks=360)
    assert s.owner_cut == 0 and s.server == s.validator == 180_000_000_000 and s.remainder == 0


@given(u64s, st.integers(0, 2**32), u16s, bools, bools, st.integers(1, 7200))
def test_subnet_block_split_conserves(alpha_out, rp, cut, enabled, root_sell, blocks):
    s = ec.subnet_block_split(alpha_out, rp, cut, enabled, root_sell, blocks)
    total = s.owner_cut + s.server + s.validator + s.root + s.root_recycled + s.remainder
    assert total == s.alpha_out == alpha_out * blocks
    assert 0 <= s.remainder <= 4 * blocks
    assert min(s.owner_cut, s.server, s.validator, s.root, s.root_recycled) >= 0


def test_price_shares_and_block_emissions():
    assert [s / 2**64 for s in ec.price_shares([1.0, 3.0])] == [0.25, 0.75]
    # MinerBurned lowers a subnet's share: weights 0.25*1 and 0.75*(1-2/3) = 0.25
    shares = ec.price_shares([1.0, 3.0], miner_burned=[0.0, 2 / 3])
    assert [round(s / 2**64, 9) for s in shares] == [0.5, 0.5]
    # every subnet burns everything: fall back to price shares
    assert ec.price_shares([1.0, 3.0], [1.0, 1.0]) == ec.price_shares([1.0, 3.0])
    r = ec.subnet_block_emissions(10**9, [1.0, 1.0, 2.0], emission_enabled=[True, False, True])
    assert r.emission.tolist() == [333_333_333, 0, 666_666_666] and r.remainder == 1
    assert ec.root_sell_flag([0.5, 0.5]) is False and ec.root_sell_flag([0.5, 0.6]) is True
    with pytest.raises(ValueError, match="moving_prices"):
        ec.price_shares([1.0, float("nan")])
    with pytest.raises(ValueError, match="miner_burned"):
        ec.price_shares([1.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="emission_enabled"):
        ec.subnet_block_emissions(1, [1.0], emission_enabled=[True, False])


prices = st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)


@given(
    u64s,
    st.lists(st.tuples(prices, st.floats(0, 1), bools), min_size=1, max_size=12),
)
def test_subnet_block_emissions_conserve(e, subnets):
    p, b, on = (list(x) for x in zip(*subnets, strict=True))
    r = ec.subnet_block_emissions(e, p, b, on)
    assert int(sum(int(v) for v in r.emission)) + r.remainder == e
    assert r.remainder >= 0 and sum(r.shares) <= 2**64
    if sum(r.shares) > 0:  # truncation loses at most one unit per subnet and step
        assert sum(r.shares) >= 2**64 - 4 * len(p)
    assert all(s == 0 for s, enabled in zip(r.shares, on, strict=True) if not enabled)


@given(st.integers(0, 2**96 - 1), u64s, st.floats(1e-9, 1e9), st.integers(0, 2**32))
def test_subnet_injection_conserves(t_bits, alpha, price, rp):
    inj = ec.subnet_injection(t_bits, alpha, price, rp)
    assert inj.tao_in + inj.excess_tao + inj.remainder == t_bits >> 32
    assert 0 <= inj.remainder <= 1
    assert inj.alpha_in <= (rp * (alpha << 32) >> 32) >> 32


def test_subnet_injection_cap():
    # 100 TAO at price 1, alpha_out 1 alpha, root proportion 0.5: cap 0.5 alpha
    inj = ec.subnet_injection(100 * TAO << 32, TAO, 1.0, 2**31)
    assert (inj.alpha_in, inj.tao_in, inj.excess_tao) == (TAO // 2, TAO // 2, 99_500_000_000)
    inj = ec.subnet_injection(TAO << 32, 10 * TAO, 2.0, 2**32)
    assert (inj.alpha_in, inj.tao_in, inj.excess_tao) == (TAO // 2, TAO, 0)


# --------------------------------------------------------------------------------------
# Distribution at the epoch
# --------------------------------------------------------------------------------------


def _conserved(d: ec.EmissionDistribution) -> bool:
    parts = (
        d.incentive,
        d.incentive_withheld,
        d.alpha_take,
        d.alpha_nominators,
        d.root_take,
        d.root_claimable,
    )
    paid = d.owner_cut + sum(int(v) for arr in parts for v in arr)
    return paid + d.remainder == d.total_in and paid == d.paid


def test_distribute_emission_toy_by_hand():
    # one miner (uid 0) and two validators (uids 1, 2) with dividends 3:1; TaoWeight 0,
    # take 0 for uid 1 and the maximum 11_796 for uid 2.
    d = ec.distribute_emission(
        pending_server=500,
        pending_validator=400,
        pending_root=0,
        pending_owner_cut=100,
        incentive=[500, 0, 0],
        dividends=[0, 300, 100],
        alpha_stakes=[0, 3_000, 1_000],
        root_stakes=[0, 0, 0],
        takes=[0, 0, 11_796],
        tao_weight=0,
    )
    assert d.incentive.tolist() == [500, 0, 0] and d.owner_cut == 100
    # pot 400 split 3:1 = 300 and 100; uid 2's take is 100 * 11796/65535 = 17.9995...,
    # so the take floors to 17, the rest (82.0004...) to 82, and 1 rao is lost.
    assert d.alpha_nominators.tolist() == [0, 300, 82]
    assert d.alpha_take.tolist() == [0, 0, 17]
    assert d.remainder == 1 and not d.fallback and _conserved(d)


def test_distribute_emission_fallback_and_owner_burn():
    d = ec.distribute_emission(500, 400, 0, 0, [0, 0], [1, 1], [5, 5], [0, 0], takes=0)
    assert d.fallback and d.validator_alpha == 900
    assert d.alpha_nominators.tolist() == [450, 450] and d.remainder == 0
    d = ec.distribute_emission(
        500, 400, 0, 0, [300, 200], [0, 0], [0, 0], [0, 0], owner_hotkeys=[True, False]
    )
    assert d.incentive.tolist() == [0, 200] and d.incentive_withheld.tolist() == [300, 0]
    assert d.miner_burned == pytest.approx(0.6)
    assert d.remainder == 400  # nobody earned dividends: the validator pot stays unowned
    assert _conserved(d)


def test_distribute_emission_root_dividends():
    w = U64_MAX  # TaoWeight 1: root stake counts one for one
    d = ec.distribute_emission(
        0, 1_000, 1_000, 0, [1, 0], [1_000, 1_000], [500, 0], [500, 1_000], takes=0, tao_weight=w
    )
    # hotkey 0: half its dividend is root; hotkey 1: all root. Alpha parts 500:0,
    # root parts 500:1000.
    assert d.alpha_nominators.tolist() == [1_000, 0]
    assert d.root_claimable.tolist() == [333, 666]
    assert _conserved(d)
    # no root stake among the earners: the root pot is not handed out
    d = ec.distribute_emission(0, 1_000, 700, 0, [1], [10], [10], [0])
    assert d.root_claimable.tolist() == [0]
    # 700 root rao unowned, +1 rao lost to the take's floor, -1 for the incentive paid
    # beyond pending_server (0)
    assert d.remainder == 700 and _conserved(d)


@settings(max_examples=40)
@given(
    st.tuples(u64s, u64s, u64s, u64s),
    st.lists(st.tuples(u64s, u64s, u64s, u64s, u16s, bools), min_size=0, max_size=8),
    u64s,
)
def test_distribute_emission_conserves(pending, hotkeys, tao_weight):
    inc, div, a, r, t, own = (
        (list(x) for x in zip(*hotkeys, strict=True)) if hotkeys else ([], [], [], [], [], [])
    )
    d = ec.distribute_emission(*pending, inc, div, a, r, t, tao_weight, own)
    assert _conserved(d)
    assert d.total_in == sum(pending)


def test_distribute_emission_validation():
    with pytest.raises(ValueError, match="dividends"):
        ec.distribute_emission(1, 1, 1, 1, [1, 2], [1], [1, 2], [1, 2])
    with pytest.raises(ValueError, match="pending_server"):
        ec.distribute_emission(-1, 1, 1, 1, [1], [1], [1], [1])
    with pytest.raises(ValueError, match="takes"):
        ec.distribute_emission(1, 1, 1, 1, [1], [1], [1], [1], takes=70_000)
    with pytest.raises(ValueError, match="owner_hotkeys"):
        ec.distribute_emission(1, 1, 1, 1, [1], [1], [1], [1], owner_hotkeys=[True, False])


# --------------------------------------------------------------------------------------
# Take, nominators, childkeys
# --------------------------------------------------------------------------------------


def test_hotkey_take_at_bounds():
    assert ec.hotkey_take(10**9, 0) == ec.TakeSplit(0, 10**9, 0)
    s = ec.hotkey_take(10**9, ec.MAX_DELEGATE_TAKE)
    assert s == ec.TakeSplit(179_995_422, 820_004_577, 1)
    assert s.take == 10**9 * 11_796 // 65_535
    assert ec.hotkey_take(0) == ec.TakeSplit(0, 0, 0)
    full = ec.hotkey_take(U64_MAX, 65_535, max_take=65_535)
    assert full.take + full.rest + full.remainder == U64_MAX and full.rest <= 1
    with pytest.raises(ValueError, match="take"):
        ec.hotkey_take(100, ec.MAX_DELEGATE_TAKE + 1)
    with pytest.raises(ValueError, match="take"):
        ec.hotkey_take(100, 1_000, min_take=5_898)
    with pytest.raises(ValueError, match="amount"):
        ec.hotkey_take(2**64)


@given(u64s, u16s)
def test_hotkey_take_conserves(amount, take):
    s = ec.hotkey_take(amount, take, max_take=65_535)
    assert s.take + s.rest + s.remainder == amount and s.remainder in (0, 1)
    assert abs(s.take - amount * take / 65_535) <= 1 + amount * 2**-32


@pytest.mark.parametrize("rule", ["head", "pre_dtao"])
def test_nominator_split_cases(rule):
    # single nominator: everything after the take
    s = ec.nominator_split(10**9, [5 * TAO], rule=rule)
    assert s.nominators.tolist() == [10**9 - s.take - s.remainder]
    # zero stake: nobody is paid, the rest is the remainder
    s = ec.nominator_split(10**9, [0, 0], rule=rule)
    assert s.nominators.tolist() == [0, 0] and s.take + s.remainder == 10**9
    s = ec.nominator_split(10**9, [], rule=rule)
    assert s.take + s.remainder == 10**9
    # take bounds: 0 and 18%
    s = ec.nominator_split(1_000, [3, 1], take=0, rule=rule)
    assert s.take == 0 and s.nominators.tolist() == [750, 250] and s.remainder == 0
    s = ec.nominator_split(10**9, [3, 1], take=ec.MAX_DELEGATE_TAKE, rule=rule)
    assert s.take in (179_995_422, 179_995_423)
    assert abs(int(s.nominators[0]) - 3 * int(s.nominators[1])) <= 3
    with pytest.raises(ValueError, match="take"):
        ec.nominator_split(10, [1], take=ec.MAX_DELEGATE_TAKE + 1, rule=rule)


def test_nominator_split_pre_dtao_chain_numbers():
    # drain_hotkey_emission: take = floor(I64F64(11796/65535) * 1e9)
    s = ec.nominator_split(10**9, [2, 1], rule="pre_dtao")
    assert s.take == 179_995_422
    assert s.nominators.tolist() == [546_669_718, 273_334_859] and s.remainder == 1
    with pytest.raises(ValueError, match="amount"):
        ec.nominator_split(2**63, [1], rule="pre_dtao")
    with pytest.raises(ValueError, match="rule"):
        ec.nominator_split(1, [1], rule="dtao")


@given(u64s, st.lists(u64s, max_size=10), u16s)
def test_nominator_split_head_conserves(amount, stakes, take):
    s = ec.nominator_split(amount, stakes, take, max_take=65_535)
    assert s.take + sum(int(v) for v in s.nominators) + s.remainder == amount
    assert 0 <= s.remainder <= len(stakes) + 1 or sum(stakes) == 0


@given(st.integers(0, 2**63 - 1), st.lists(st.integers(0, 2**59), max_size=10), u16s)
def test_nominator_split_pre_dtao_conserves(amount, stakes, take):
    s = ec.nominator_split(amount, stakes, take, "pre_dtao", max_take=65_535)
    assert s.take + sum(int(v) for v in s.nominators) + s.remainder == amount
    assert s.remainder >= 0


def test_childkey_split_no_parents_keeps_all():
    s = ec.childkey_split(123_456, 10, 20, [], [], [])
    assert s.child == 123_456 and s.parents.size == 0 and s.remainder == 0


def test_childkey_split_worked_example():
    # tests/children.rs::test_dividend_distribution_with_children, hotkey B: B keeps half of
    # its 100k stake (it lends half to C), A lends half of its 300k to B; TaoWeight 0; the
    # childkey take is floor(65535/9) = 7281.
    d = 1_000_000
    s = ec.childkey_split(
        d,
        100_000,
        0,
        [U64_MAX // 2],
        [300_000],
        [0],
        child_proportions=[U64_MAX // 2],
        childkey_take=7_281,
        tao_weight=0,
    )
    share_a = Fraction(150_000, 200_000) * d  # A's contribution over the total
    take = share_a * Fraction(7_281, 65_535)
    assert abs(int(s.parents[0]) - (share_a - take)) <= 2
    assert abs(s.child - (d - share_a + take)) <= 2
    assert int(s.child_take[0]) == math.floor(take) or int(s.child_take[0]) == math.floor(take) - 1
    assert int(s.parents[0]) + s.child + s.remainder == d
    # the same coldkey: no take
    same = ec.childkey_split(
        d,
        100_000,
        0,
        [U64_MAX // 2],
        [300_000],
        [0],
        parent_same_coldkey=[True],
        child_proportions=[U64_MAX // 2],
        childkey_take=7_281,
        tao_weight=0,
    )
    assert abs(int(same.parents[0]) - 750_000) <= 1 and same.child_take.tolist() == [0]
    # CKBurn: half of a cross-coldkey parent's part is recycled
    burn = ec.childkey_split(d, 0, 0, [U64_MAX], [1_000], [0], ck_burn=U64_MAX // 2, tao_weight=0)
    assert abs(int(burn.burned[0]) - 500_000) <= 1 and abs(int(burn.parents[0]) - 500_000) <= 1


@settings(max_examples=50)
@given(
    u64s,
    u64s,
    u64s,
    st.lists(st.tuples(u64s, u64s, u64s, bools), max_size=5),
    st.lists(st.integers(0, U64_MAX // 4), max_size=3),
    st.integers(0, ec.MAX_CHILDKEY_TAKE),
    st.integers(0, U64_MAX // 2),
    u64s,
)
def test_childkey_split_conserves(d, alpha, root, parents, children, take, burn, w):
    props, pa, pr, same = (
        (list(x) for x in zip(*parents, strict=True)) if parents else ([], [], [], [])
    )
    s = ec.childkey_split(d, alpha, root, props, pa, pr, same, children, take, burn, w)
    assert (
        sum(int(v) for v in s.parents) + s.child + sum(int(v) for v in s.burned) + (s.remainder)
        == d
    )
    assert s.remainder >= 0  # burn + take <= 68% here, so no over-crediting


def test_childkey_split_validation():
    with pytest.raises(ValueError, match="childkey_take"):
        ec.childkey_split(1, 1, 1, [], [], [], childkey_take=ec.MAX_CHILDKEY_TAKE + 1)
    with pytest.raises(ValueError, match="parent_root_stakes"):
        ec.childkey_split(1, 1, 1, [1], [1], [])
    with pytest.raises(ValueError, match="parent_same_coldkey"):
        ec.childkey_split(1, 1, 1, [1], [1], [1], parent_same_coldkey=[True, True])


# --------------------------------------------------------------------------------------
# Root network (Revolution era)
# --------------------------------------------------------------------------------------


def test_root_epoch_chain_vectors():
    # tests/root.rs at e2b8367b8^ (mock: Rho 30, Kappa 32767), 10 validators of equal stake.
    # test_root_set_weights_out_of_order_netuids: a diagonal weight matrix.
    r = ec.root_epoch([1_000] * 10, np.eye(10, dtype=int), rho=30, kappa=32_767)
    assert r.emission.tolist() == [99_999_999] * 10 and r.remainder == 10
    # test_network_pruning: validator i weights subnets 0..i-1 equally.
    w = np.tril(np.ones((10, 11), dtype=int), k=-1)
    r = ec.root_epoch([1_000] * 10, w, rho=30, kappa=32_767)
    assert r.emission.tolist()[:6] == [
        385_861_815,
        249_435_914,
        180_819_837,
        129_362_980,
        50_857_187,
        3_530_356,
    ]


def test_root_epoch_toy_by_hand():
    # stakes 3:1; validator 0 backs subnet 0 only, validator 1 both equally.
    r = ec.root_epoch([3_000, 1_000], [[65_535, 0], [1, 1]], 10**9, rho=10, kappa=32_767)
    np.testing.assert_allclose(r.stake, [0.75, 0.25], atol=1e-15)
    np.testing.assert_allclose(r.ranks, [0.875, 0.125], atol=1e-15)
    np.testing.assert_allclose(r.trust, [1.0, 0.25], atol=1e-15)
    kappa = 32_767 / 65_535
    c = 1 / (1 + np.exp(-10 * (np.array([1.0, 0.25]) - kappa)))
    # kappa is truncated to I32F32 on chain (an error below 2.4e-10, times rho)
    np.testing.assert_allclose(r.consensus, c, rtol=0, atol=1e-9)
    shares = c * [0.875, 0.125] / (c * [0.875, 0.125]).sum()
    np.testing.assert_allclose(r.shares, shares, rtol=0, atol=1e-9)
    assert np.all(np.abs(r.emission.astype(float) - shares * 1e9) <= 2)
    assert int(r.emission.sum()) + r.remainder == 10**9


@settings(max_examples=30)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 2**40), min_size=n, max_size=n).filter(any),
            st.integers(1, 5).flatmap(
                lambda k: st.lists(st.lists(u16s, min_size=k, max_size=k), min_size=n, max_size=n)
            ),
        )
    ),
    st.integers(0, 2 * 10**9),
    st.integers(0, 30),
    u16s,
)
def test_root_epoch_shares_sum_to_one(sw, e, rho, kappa):
    stakes, weights = sw
    r = ec.root_epoch(stakes, weights, e, rho, kappa)
    k = len(weights[0])
    total = sum(r.shares_bits)
    assert total <= 2**64 and (total == 0 or total >= 2**64 - 2 * k)
    assert int(r.emission.sum()) + r.remainder == e
    assert 0 <= r.remainder <= k if total else r.remainder == e


def test_root_epoch_validation():
    with pytest.raises(ValueError, match="stakes"):
        ec.root_epoch([0, 0], [[1], [1]])
    with pytest.raises(ValueError, match="weights"):
        ec.root_epoch([1, 1], [[1, 2]])
    with pytest.raises(ValueError, match="weights"):
        ec.root_epoch([1], [[70_000]])
    with pytest.raises(ValueError, match="stakes"):
        ec.root_epoch([2**63], [[1]])


# --------------------------------------------------------------------------------------
# Registration: lock cost, immunity, pruning
# --------------------------------------------------------------------------------------


def test_lock_cost_chain_vector_pre_dtao():
    # tests/root.rs::test_network_lock_cost at e2b8367b8^: mock min lock 100 TAO,
    # reduction interval 2 blocks; last lock 1350 TAO at block 7.
    kw = dict(min_lock=100 * TAO, interval=2)
    L = 1_350_000_000_000
    costs = [ec.network_lock_cost(L, 7, b, **kw) for b in range(7, 12)]
    assert costs == [2_700 * TAO, 2_025 * TAO, 1_350 * TAO, 675 * TAO, 100 * TAO]


def test_lock_cost_doubling_and_decay():
    # the first registration ever (last-lock block 0) pays the last lock once, then doubling
    r = ec.simulate_lock_costs([5, 5, 5, 5])
    assert (r.costs // TAO).tolist() == [1_000, 2_000, 4_000, 8_000]
    assert (r.last_lock, r.last_lock_block) == (8_000 * TAO, 5)
    again = ec.simulate_lock_costs([5], last_lock_block=1, last_lock=ec.NETWORK_MIN_LOCK_COST)
    assert again.costs.tolist() == [2_000 * TAO - 4 * (ec.NETWORK_MIN_LOCK_COST // 100_800)]
    assert ec.network_lock_cost(10**12, 0, 10**6) == 10**12  # never registered: mult 1
    L, b0 = 4_000 * TAO, 1_000
    interval = ec.NETWORK_LOCK_REDUCTION_INTERVAL
    step = L // interval
    assert ec.network_lock_cost(L, b0, b0) == 2 * L
    assert ec.network_lock_cost(L, b0, b0 + 1) == 2 * L - step
    assert ec.network_lock_cost(L, b0, b0 + interval) == 2 * L - step * interval  # ~ L
    assert ec.network_lock_cost(L, b0, b0 + 10 * interval) == ec.NETWORK_MIN_LOCK_COST
    assert ec.network_lock_cost(L, b0, b0 - 5) == 2 * L  # a last-lock block in the future
    # tests/migration.rs::test_migrate_network_lock_cost_2500_sets_price_and_decay
    assert ec.network_lock_cost(1_250 * TAO, 9, 9) == 2_500 * TAO


def test_lock_interval_scales_with_halvings():
    assert ec.lock_reduction_interval(100_800, 10**9) == 100_800
    assert ec.lock_reduction_interval(100_800, 5 * 10**8) == 50_400
    assert ec.lock_reduction_interval(100_800, 0) == 0
    L = 2_000 * TAO
    assert ec.network_lock_cost(L, 1, 1 + 50_400, block_emission=5 * 10**8) == (
        2 * L - (L // 50_400) * 50_400
    )
    assert ec.network_lock_cost(L, 1, 10**9, interval=0) == 2 * L  # no decay


def test_neuron_is_immune():
    imm = ec.neuron_is_immune([0, 100, 4_999, 5_000, 6_000], 5_000, 5_000)
    assert imm.tolist() == [False, True, True, True, True]
    assert ec.neuron_is_immune([0], 5_001, 5_000).tolist() == [False]


def test_pruning_chain_vectors():
    # tests/registration.rs (HEAD)
    # ..._all_in_immunity_period: both immune, lowest emission
    assert ec.neuron_to_prune([100, 110], [0, 1], 1, 2, min_non_immune_uids=0) == 0
    # ..._none_in_immunity_period
    assert ec.neuron_to_prune([100, 110], [0, 1], 4, 2, min_non_immune_uids=0) == 0
    # test_registration_pruning_1: a tie on emission goes to the older registration (uid 1);
    # uid 2 has the lowest emission but is immune.
    assert ec.neuron_to_prune([10, 10, 1], [850, 800, 990], 1_000, 100, min_non_immune_uids=0) == 1
    # ..._owner_immortality: limit 1 prunes the other owner hotkey, limit 2 the non-owner
    for limit, expected in ((1, 1), (2, 2)):
        immortal_uids = ec.immune_owner_uids([0, 1], [0, 1], owner_hotkey_uid=0, limit=limit)
        mask = [u in immortal_uids for u in range(3)]
        assert ec.neuron_to_prune([0, 0, 1], [0, 1, 2], 11, 1, mask, 0) == expected
    # ..._owner_immortality_all_immune
    immortal_uids = ec.immune_owner_uids([0, 1], [12, 11], owner_hotkey_uid=0, limit=2)
    assert sorted(immortal_uids) == [0, 1]
    mask = [u in immortal_uids for u in range(3)]
    assert ec.neuron_to_prune([0, 0, 1], [12, 11, 10], 20, 100, mask, 0) == 2


def test_pruning_ties_and_immunity_floor():
    # equal emission and registration block: lowest uid
    assert ec.neuron_to_prune([5, 5, 5], [7, 7, 7], 10**6, 10, min_non_immune_uids=0) == 0
    assert ec.neuron_to_prune([5, 4, 4], [7, 7, 7], 10**6, 10, min_non_immune_uids=0) == 1
    # immune uid 0 has the lowest emission but non-immune ones are preferred
    assert ec.neuron_to_prune([0, 9, 8], [995, 0, 0], 1_000, 100, min_non_immune_uids=0) == 2
    # ...unless the non-immune count is at the MinNonImmuneUids floor (default 10)
    assert ec.neuron_to_prune([0, 9, 8], [995, 0, 0], 1_000, 100) == 0
    assert ec.neuron_to_prune([0, 9, 8], [995, 0, 0], 1_000, 100, min_non_immune_uids=2) == 0
    assert ec.neuron_to_prune([0, 9, 8], [995, 0, 0], 1_000, 100, min_non_immune_uids=1) == 2
    # everyone immortal, or nobody: None
    assert ec.neuron_to_prune([1, 2], [0, 0], 10, 1, [True, True]) is None
    assert ec.neuron_to_prune([], [], 10) is None


@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 20), bools), max_size=12),
    st.integers(0, 30),
    st.integers(0, 15),
    st.integers(0, 4),
)
def test_pruning_picks_lexicographic_minimum(rows, block, period, floor):
    em = [r[0] for r in rows]
    reg = [r[1] for r in rows]
    immortal = [r[2] for r in rows]
    uid = ec.neuron_to_prune(em, reg, block, period, immortal, floor)
    immune = ec.neuron_is_immune(reg, block, period)
    free = [u for u in range(len(rows)) if not immortal[u] and not immune[u]]
    imm = [u for u in range(len(rows)) if not immortal[u] and immune[u]]
    pool = free if free and len(free) > floor else imm
    expected = min(pool, key=lambda u: (em[u], reg[u], u)) if pool else None
    assert uid == expected


def test_registration_validation():
    with pytest.raises(ValueError, match="block_at_registration"):
        ec.neuron_to_prune([1, 2], [1], 5)
    with pytest.raises(ValueError, match="immunity_period"):
        ec.neuron_is_immune([1], 5, 70_000)
    with pytest.raises(ValueError, match="blocks"):
        ec.simulate_lock_costs([5, 4])
    with pytest.raises(ValueError, match="last_lock"):
        ec.network_lock_cost(-1, 0, 0)


# --------------------------------------------------------------------------------------
# Documentation: doctests pass, numpydoc Parameters match the signatures
# --------------------------------------------------------------------------------------

ECON_MODULES = [
    "yuma.economics",
    "yuma.economics.emission",
    "yuma.economics.coinbase",
    "yuma.economics.delegation",
    "yuma.economics.root",
    "yuma.economics.registration",
]


@pytest.mark.parametrize("module", ECON_MODULES)
def test_economics_doctests(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def _documented(doc: str) -> list[str]:
    lines = doc.splitlines()
    try:
        start = lines.index("Parameters") + 2
    except ValueError:
        return []
    names = []
    for i in range(start, len(lines)):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line and not line.startswith(" ") and nxt and set(nxt) == {"-"}:
            break  # the next section
        if line and not line.startswith(" "):
            names += [n.strip() for n in line.split(" : ")[0].split(",")]
    return names


@pytest.mark.parametrize("name", [n for n in ec.__all__ if callable(getattr(ec, n))])
def test_economics_docstrings(name):
    import inspect

    obj = getattr(ec, name)
    doc = inspect.getdoc(obj)
    assert doc and "\n" not in doc.split("\n\n")[0].strip(), name
    if inspect.isfunction(obj):
        assert "Returns" in doc, name
        assert _documented(doc) == list(inspect.signature(obj).parameters), name

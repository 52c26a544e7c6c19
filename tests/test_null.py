"""Null consensus and exact apportionment: the chain's Null tests (addendum 2.2) and properties.

The chain's tests build a 4-UID subnet (UIDs 0 and 1 staked validators, 2 and 3 miners)
and set weights as raw u16 rows; the expected values below are the chain test's.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yuma.chain.null import U64_MAX, apportion_units, null_epoch

U128_MAX = (1 << 128) - 1


def subnet(rows: dict, n: int = 4) -> np.ndarray:
    w = np.zeros((n, n), dtype=np.int64)
    for i, row in rows.items():
        for j, v in row.items():
            w[i, j] = v
    return w


def test_winner_incentives_and_stake_dividends_ignore_activity():
    w = subnet({0: {2: 3, 3: 1}, 1: {3: 65535}})
    r = null_epoch(w, [300_000_000, 100_000_000, 0, 0], 1_000_000)
    assert r.winner == 0
    np.testing.assert_allclose(r.validator_emission[:2].astype(float), [375_000, 125_000], atol=5)
    np.testing.assert_allclose(r.server_emission[2:].astype(float), [375_000, 125_000], atol=5)
    assert list(r.server_emission[:2]) == [0, 0]


def test_tie_selects_the_first_uid():
    w = subnet({0: {2: 65535}, 1: {3: 65535}})
    r = null_epoch(w, [100_000_000, 100_000_000, 0, 0], 1_000_000)
    assert r.winner == 0 and abs(r.server_emission[2] - 500_000) <= 1
    assert r.server_emission[3] == 0


def test_empty_winner_row_shares_across_every_uid():
    w = subnet({1: {3: 65535}})
    r = null_epoch(w, [300_000_000, 100_000_000, 0, 0], 1_000_000)
    assert r.equal_split
    assert all(abs(v - 125_000) <= 1 for v in r.server_emission)
    assert abs(r.validator_emission[0] - 375_000) <= 1
    assert abs(r.validator_emission[1] - 125_000) <= 1


def test_winner_is_chosen_on_raw_stake_before_normalization():
    w = subnet({0: {2: 65535}, 1: {3: 65535}})
    r = null_epoch(w, [1_000_000_000, 1_000_000_001, 0, 0], 1_000_000)
    assert r.winner == 1
    assert r.server_emission[2] == 0 and abs(r.server_emission[3] - 500_000) <= 1


def test_stale_winner_row_uses_the_equal_fallback():
    w = subnet({0: {2: 65535}, 1: {3: 65535}})
    r = null_epoch(
        w, [300_000_000, 100_000_000, 0, 0], 1_000_000,
        last_update=[1, 1, 0, 0], block_at_registration=[0, 0, 2, 0],
    )
    assert r.equal_split and all(abs(v - 125_000) <= 1 for v in r.server_emission)
    fresh = null_epoch(
        w, [300_000_000, 100_000_000, 0, 0], 1_000_000,
        last_update=[3, 1, 0, 0], block_at_registration=[0, 0, 2, 0],
    )
    assert not fresh.equal_split and fresh.server_emission[2] == 500_000


def test_no_stake_pays_only_equal_miner_emissions():
    r = null_epoch(subnet({0: {2: 1}}), [0, 0, 0, 0], 1_000_000)
    assert r.winner is None and not r.validator_permit.any()
    assert list(r.server_emission) == [250_000] * 4
    assert list(r.validator_emission) == [0] * 4


@pytest.mark.parametrize("budget", [0, 1, 3, 131_071, U64_MAX])
def test_raw_weights_and_the_epoch_budget(budget):
    w = subnet({0: {2: 65_534, 3: 1}})
    r = null_epoch(w, [300_000_000, 100_000_000, 0, 0], budget)
    assert sum(r.server_emission) == budget - budget // 2
    assert sum(r.validator_emission) == budget // 2
    pairs = zip(r.server_emission, r.validator_emission, strict=True)
    assert list(r.emission) == [a + b for a, b in pairs]


def test_election_replaces_the_permit_and_dividends_include_nonpermit_stake():
    w = subnet({0: {2: 65535}, 1: {3: 65535}})
    first = null_epoch(w, [300_000_000, 100_000_000, 0, 0], 700)
    assert first.validator_permit.tolist() == [True, False, False, False]
    second = null_epoch(w, [300_000_000, 400_000_000, 0, 0], 700)
    assert second.validator_permit.tolist() == [False, True, False, False]
    assert list(second.validator_emission[:2]) == [150, 200]


def test_small_winner_row():
    r = null_epoch(subnet({0: {2: 1}}), [300_000_000, 100_000_000, 0, 0], 100)
    assert r.server_emission[2] == 50


def test_empty_subnet():
    r = null_epoch(np.zeros((0, 0), dtype=np.int64), [], 1_000)
    assert r.winner is None and r.emission.shape == (0,)


@pytest.mark.parametrize("budget", [0, 1, 7, 4_097, 1_000_003, U64_MAX])
def test_apportionment_of_large_and_subatomic_budgets(budget):
    shares = [65535] * 2500
    shares[0], shares[100] = 1, 0
    pay = apportion_units(shares, budget)
    assert sum(pay) == budget and pay[100] == 0
    total = sum(shares)
    for p, s in zip(pay, shares, strict=True):
        assert budget * s // total <= p <= budget * s // total + 1
    assert list(apportion_units(shares, budget)) == list(pay)


def test_apportionment_at_the_u128_limit():
    pay = apportion_units([U128_MAX] * 2500, U64_MAX)
    assert sum(pay) == U64_MAX and max(pay) - min(pay) <= 1


@given(
    st.lists(st.integers(0, U128_MAX), min_size=1, max_size=40).filter(any),
    st.integers(0, U64_MAX),
)
def test_apportionment_properties(shares, budget):
    pay = apportion_units(shares, budget)
    total = sum(shares)
    assert sum(pay) == budget
    for p, s in zip(pay, shares, strict=True):
        floor = budget * s // total
        assert p in (floor, floor + 1)
        if s == 0:
            assert p == 0
    assert list(apportion_units(shares, budget)) == list(pay)


@given(
    st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.integers(0, 65535), min_size=n, max_size=n), min_size=n,
                     max_size=n),
            st.lists(st.integers(0, 10**12), min_size=n, max_size=n),
            st.integers(0, U64_MAX),
        )
    )
)
def test_null_epoch_pays_the_budget_exactly(case):
    weights, stake, budget = case
    r = null_epoch(np.array(weights), stake, budget)
    paid = sum(r.emission)
    assert paid == budget
    if any(stake):
        assert sum(r.validator_emission) == budget // 2
        assert r.validator_permit.sum() == 1 and stake[r.winner] == max(stake)
        assert all(v == 0 for v, s in zip(r.validator_emission, stake, strict=True) if s == 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": [[0, 1], [0, 0]], "stake": [1, -1], "budget": 5}, "stake"),
        ({"weights": [[0, 1], [0, 0]], "stake": [1.5, 1], "budget": 5}, "stake"),
        ({"weights": [[0, 70000], [0, 0]], "stake": [1, 1], "budget": 5}, "weights"),
        ({"weights": [[0, 1]], "stake": [1, 1], "budget": 5}, "weights"),
        ({"weights": [[0, 1], [0, 0]], "stake": [1, 1], "budget": -1}, "budget"),
        ({"weights": [[0, 1], [0, 0]], "stake": [1, 1], "budget": 2**64}, "budget"),
    ],
)
def test_null_epoch_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        null_epoch(**kwargs)


def test_apportion_validation():
    with pytest.raises(ValueError, match="all zero"):
        apportion_units([0, 0], 3)
    assert list(apportion_units([0, 0], 0)) == [0, 0]
    with pytest.raises(ValueError, match="shares"):
        apportion_units([1, -2], 3)

"""Several mechanisms per subnet: the split, the combination, conservation to the rao."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma import chain
from yuma.core.mechanisms import (
    chain_epoch_with_mechanisms,
    epoch_with_mechanisms,
    mechanism_weights,
    split_emissions,
    weighted_acc,
)

U64_MAX = 2**64 - 1


def test_split_even_and_remainder_to_mechanism_zero():
    assert split_emissions(1_000, 3) == [334, 333, 333]
    assert split_emissions(7, 1) == [7]
    assert split_emissions(0, 4) == [0, 0, 0, 0]


def test_split_by_u16_shares():
    # floor(1000 * 21845 / 65535) = 333 each; the 1 left goes to mechanism 0.
    assert split_emissions(1_000, 3, [21845, 21845, 21845]) == [334, 333, 333]
    assert split_emissions(10**9, 2, [65535, 0]) == [10**9, 0]
    assert split_emissions(10**9, 3, [65535]) == [10**9, 0, 0]  # padded


@given(st.integers(0, U64_MAX), st.integers(1, 8), st.data())
def test_split_conserves_every_rao(rao, count, data):
    if data.draw(st.booleans()):
        cuts = sorted(data.draw(st.lists(st.integers(0, 65535), min_size=count - 1,
                                         max_size=count - 1)))
        split = np.diff([0, *cuts, 65535]).tolist()
    else:
        split = None
    budgets = split_emissions(rao, count, split)
    assert len(budgets) == count and sum(budgets) == rao and min(budgets) >= 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"count": 0}, "count"), ({"count": 2, "split": [1, 2]}, "sum to 65535"),
     ({"count": 1, "split": [70000]}, "u16")],
)
def test_split_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        split_emissions(100, **kwargs)
    with pytest.raises(ValueError, match="rao_emission"):
        split_emissions(-1, 1)


def test_weights_and_weighted_acc_by_hand():
    assert mechanism_weights([1, 2], 3) == [(1 << 64) // 3, (2 << 64) // 3]
    assert mechanism_weights([0, 0], 0) == [1 << 64, 0]
    w = mechanism_weights([1, 2], 3)
    acc = weighted_acc(np.zeros(2, dtype=object), np.array([65535, 3]), w[0], 65535)
    assert acc.tolist() == [21844, 0]  # floor(65535 / 3 - ulp), floor(1)
    acc = weighted_acc(acc, np.array([65535, 3]), w[1], 65535)
    assert acc.tolist() == [21844 + 43689, 1]


def _subnet(seed=0, n=6, validators=3):
    rng = np.random.default_rng(seed)
    s = chain.new_subnet(n, block=10, tempo=1)
    s = dataclasses.replace(
        s, stake=np.r_[rng.integers(10**9, 10**10, validators), np.zeros(n - validators)]
        .astype(np.uint64), validator_permit=np.r_[np.ones(validators), np.zeros(n - validators)]
        .astype(bool), last_update=np.full(n, 10, np.uint64),
    )
    for v in range(validators):
        uids = list(range(validators, n))
        s = chain.set_weights(s, v, uids, rng.integers(1, 65535, len(uids)).tolist())
    return s


def test_one_mechanism_equals_the_plain_epoch():
    state = _subnet()
    single, _ = chain.chain_epoch(state, 10**9)
    combined, news = chain_epoch_with_mechanisms([state], 10**9)
    assert combined.budgets == [10**9]
    for name in ("server_emission", "validator_emission", "emission", "dividends", "consensus",
                 "validator_trust", "stake_weight"):
        assert [int(v) for v in getattr(combined, name)] == getattr(single, name).tolist(), name
    np.testing.assert_array_equal(combined.validator_permit, single.validator_permit)
    np.testing.assert_array_equal(news[0].bonds, chain.chain_epoch(state, 10**9)[1].bonds)


@given(st.integers(0, 10**12), st.integers(1, 4), st.integers(0, 2**16))
def test_emission_is_conserved_across_mechanisms(rao, count, seed):
    states = [_subnet(seed + m) for m in range(count)]
    states = [dataclasses.replace(s, stake=states[0].stake) for s in states]
    out, news = chain_epoch_with_mechanisms(states, rao)
    assert sum(out.budgets) == rao
    paid = [int(o.server_emission.sum()) + int(o.validator_emission.sum()) for o in out.outputs]
    assert all(p <= b for p, b in zip(paid, out.budgets, strict=True))  # flooring only loses
    assert sum(out.server_emission) + sum(out.validator_emission) == sum(paid)
    assert len(news) == count and all(n.validator_permit.tolist() == out.validator_permit.tolist()
                                      for n in news)


def test_identical_mechanisms_add_up():
    state = _subnet(3)
    single, _ = chain.chain_epoch(state, 500)
    out, _ = chain_epoch_with_mechanisms([state, state], 1_000)
    assert out.budgets == [500, 500]
    assert out.server_emission.tolist() == (2 * single.server_emission.astype(object)).tolist()
    # Each u16 output is the sum of two halves, floored twice: within 1 of the single value.
    assert np.all(np.abs(out.dividends.astype(int) - single.dividends.astype(int)) <= 1)


def test_states_must_be_one_subnet():
    a, b = _subnet(1), _subnet(2, n=7)
    with pytest.raises(ValueError, match="share n"):
        chain_epoch_with_mechanisms([a, b], 10)
    with pytest.raises(ValueError, match="non-empty"):
        chain_epoch_with_mechanisms([], 10)


def test_float_path_one_mechanism_floors_the_shares():
    rng = np.random.default_rng(5)
    w = rng.random((5, 5))
    stake = np.array([3.0, 2.0, 1.0, 0.0, 0.0])
    out = epoch_with_mechanisms([w], stake, rao_emission=10**9)
    r = yuma.epoch(w, stake)
    assert [int(v) for v in out.server_emission] == np.floor(r.server_emission * 1e9).astype(
        int).tolist()
    assert [int(v) for v in out.dividends] == np.floor(r.dividends * 65535).astype(int).tolist()


def test_float_path_two_mechanisms_split_and_sum():
    rng = np.random.default_rng(6)
    ws = [rng.random((4, 4)), rng.random((4, 4))]
    stake = np.array([3.0, 2.0, 0.0, 0.0])
    out = epoch_with_mechanisms(ws, stake, rao_emission=1_001, split=[45875, 19660])
    assert out.budgets == [701, 300] and sum(out.budgets) == 1_001
    per = [yuma.epoch(w, stake) for w in ws]
    want = [int(np.floor(per[0].server_emission[j] * 701)) +
            int(np.floor(per[1].server_emission[j] * 300)) for j in range(4)]
    assert [int(v) for v in out.server_emission] == want
    with pytest.raises(ValueError, match="square"):
        epoch_with_mechanisms([np.ones((2, 3))], np.ones(2))

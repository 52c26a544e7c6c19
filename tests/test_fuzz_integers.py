"""Fuzz: the integer paths at the u64 / 2**63 / 2**53 boundaries conserve rao exactly.

Every split the library documents as exact adds up to its input to the rao, whatever the
amounts (0, 1, 2**53 +- 1, 2**63 +- 1, u64::MAX); the chain's epoch never pays more than
its budget while the total stake stays below 2**63 rao (above, the chain itself wraps:
tests/test_regressions_chain.py).
"""

from __future__ import annotations

import numpy as np
from fuzz_support import INT_EXTREMES, U64_MAX, budget
from hypothesis import given
from hypothesis import strategies as st

from yuma import chain, economics
from yuma.chain import null
from yuma.core import mechanisms

U64 = st.one_of(st.sampled_from(INT_EXTREMES), st.integers(0, U64_MAX))
U16 = st.one_of(st.sampled_from([0, 1, 32767, 65534, 65535]), st.integers(0, 65535))


@st.composite
def u16_square(draw, n):
    rows = draw(st.lists(st.lists(U16, min_size=n, max_size=n), min_size=n, max_size=n))
    return np.array(rows, dtype=np.int64).reshape(n, n)


@budget(40)
@given(e=U64, count=st.integers(1, 255), data=st.data())
def test_split_emissions_sum_to_the_emission(e, count, data):
    split = None
    if data.draw(st.booleans()):
        cuts = sorted(data.draw(st.lists(st.integers(0, 65535), min_size=count - 1,
                                         max_size=count - 1)))
        split = [b - a for a, b in zip([0, *cuts], [*cuts, 65535], strict=True)]
    budgets = mechanisms.split_emissions(e, count, split)
    assert len(budgets) == count and sum(budgets) == e and min(budgets) >= 0


@budget(40)
@given(shares=st.lists(U64, min_size=1, max_size=8), total=U64)
def test_apportion_units_hands_out_the_budget_exactly(shares, total):
    if not any(shares) and total:
        try:
            null.apportion_units(shares, total)
        except ValueError as exc:  # documented: nothing to apportion by
            assert "shares" in str(exc)
            return
        raise AssertionError("all-zero shares apportioned a budget")
    out = null.apportion_units(shares, total)
    assert sum(int(v) for v in out) == total
    assert all(int(v) >= 0 for v in out)


@budget(30)
@given(n=st.integers(0, 5), data=st.data(), budgets=st.tuples(U64, U64, U64))
def test_null_epoch_with_budgets_pays_or_reports_every_rao(n, data, budgets):
    w = data.draw(u16_square(n))
    stake = data.draw(st.lists(U64, min_size=n, max_size=n))
    server, validator, root = budgets
    if server + validator + root > U64_MAX:
        try:
            null.null_epoch_with_budgets(w, stake, server, validator, root)
        except ValueError as exc:
            assert "budget" in str(exc)
            return
        raise AssertionError("budgets above u64::MAX accepted")
    r = null.null_epoch_with_budgets(w, stake, server, validator, root)
    paid = sum(int(v) for v in r.emission)
    assert paid + int(r.unpaid) == server + validator + root
    assert sum(int(v) for v in r.server_emission) + sum(
        int(v) for v in r.validator_emission) == paid


@budget(20)
@given(n=st.integers(1, 4), k=st.integers(1, 3), data=st.data(), e=U64)
def test_null_mechanisms_pay_or_report_every_rao(n, k, data, e):
    ws = [data.draw(u16_square(n)) for _ in range(k)]
    stake = data.draw(st.lists(U64, min_size=n, max_size=n))
    out = mechanisms.null_epoch_with_mechanisms(ws, stake, e)
    paid = sum(int(v) for v in out.emission)
    unpaid = sum(int(o.unpaid) for o in out.outputs)
    assert paid + unpaid == e


@budget(20)
@given(n=st.integers(1, 4), k=st.integers(1, 3), data=st.data(), e=U64)
def test_float_mechanisms_never_pay_more_than_the_budget(n, k, data, e):
    ws = [data.draw(u16_square(n)).astype(np.float64) for _ in range(k)]
    stake = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0, 2.0**53, 1e300]),
                                        min_size=n, max_size=n)))
    out = mechanisms.epoch_with_mechanisms(ws, stake, rao_emission=e)
    assert sum(out.budgets) == e
    assert 0 <= sum(int(v) for v in out.emission) <= e


@budget(25)
@given(n=st.integers(1, 5), data=st.data(), e=U64)
def test_chain_epoch_never_pays_more_than_its_budget_below_2_pow_63(n, data, e):
    stake = data.draw(st.lists(st.sampled_from([0, 1, 2**53 + 1, 10**9, 2**62 // 8]),
                               min_size=n, max_size=n))
    s = chain.new_subnet(n, block=data.draw(st.sampled_from([1, 2**63, U64_MAX - 1])),
                         tempo=1, stake=stake, validator_permit=[True] * n)
    w = data.draw(u16_square(n))
    for uid in range(n):
        if w[uid].any():
            row = np.flatnonzero(w[uid])
            s = chain.set_weights(s, uid, row.tolist(), w[uid, row].tolist())
    out, _ = chain.chain_epoch(s, e)
    paid = sum(int(v) for v in out.emission)
    assert paid <= e
    assert all(int(v) >= 0 for v in out.emission)


@budget(40)
@given(alpha_out=U64, blocks=st.sampled_from([1, 2, 360, 7200]),
       root_bits=st.integers(0, 1 << 32), owner_cut=U16, enabled=st.booleans(),
       root_sell=st.booleans())
def test_subnet_block_split_adds_up(alpha_out, blocks, root_bits, owner_cut, enabled,
                                    root_sell):
    try:
        s = economics.subnet_block_split(alpha_out, root_bits, owner_cut, enabled, root_sell,
                                         blocks)
    except ValueError as exc:  # alpha_out * blocks beyond u64
        assert "u64" in str(exc) or "alpha_out" in str(exc) or "blocks" in str(exc)
        return
    parts = (s.owner_cut + s.server + s.validator + s.root + s.root_recycled + s.remainder)
    assert parts == alpha_out * blocks


@budget(40)
@given(amount=U64, take=U16, stakes=st.lists(U64, min_size=1, max_size=6),
       rule=st.sampled_from(["head", "proportional"]))
def test_take_and_nominator_splits_add_up(amount, take, stakes, rule):
    t = economics.hotkey_take(amount, take, max_take=65535)
    assert t.take + t.rest + t.remainder == amount
    try:
        ns = economics.nominator_split(amount, stakes, take, rule=rule, max_take=65535)
    except ValueError as exc:
        assert "rule" in str(exc) or "stakes" in str(exc)
        return
    assert ns.take + sum(int(v) for v in ns.nominators) + ns.remainder == amount

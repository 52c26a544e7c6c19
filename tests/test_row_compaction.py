"""The epoch skips rows with no stake, weights or bonds; results must not change."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma.core import reference
from yuma.testing.comparisons import ATOL, RTOL

FIELDS = [f.name for f in dataclasses.fields(yuma.EpochResult) if f.name != "variant"]


@st.composite
def subnet_with_miners(draw):
    n_val = draw(st.integers(1, 4))
    n = n_val + draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = np.zeros((n, n))
    w[:n_val] = np.round(rng.random((n_val, n)), 1)
    stake = np.zeros(n)
    stake[:n_val] = rng.integers(1, 5, n_val)
    bonds = np.zeros((n, n))
    if draw(st.booleans()):
        bonds[:n_val] = rng.random((n_val, n))
    if draw(st.booleans()):  # a miner row that only holds old bonds still counts
        bonds[n - 1] = rng.random(n)
    kwargs = {
        "params": yuma.YumaParams(
            variant=draw(st.sampled_from(["yuma2", "yuma3", "yuma2_liquid_alpha_v1"])),
            liquid_alpha=draw(st.booleans()),
            bonds_penalty=draw(st.sampled_from([0.0, 0.5, 1.0])),
            max_allowed_validators=draw(st.integers(1, n)),
        ),
        "owner_uid": draw(st.one_of(st.none(), st.integers(0, n - 1))),
        "validator_permit": rng.random(n) < 0.8,
    }
    if draw(st.booleans()):
        kwargs["last_update"] = rng.integers(0, 10, n)
        kwargs["block_at_registration"] = rng.integers(0, 10, n)
        kwargs["commit_block"] = rng.integers(0, 12, n)
    if draw(st.booleans()):
        kwargs["listed"] = w > 0.0
    # Scatter the validators among the UIDs (rows and columns together).
    perm = rng.permutation(n)
    w, bonds, stake = w[np.ix_(perm, perm)], bonds[np.ix_(perm, perm)], stake[perm]
    for key in ("validator_permit", "last_update", "block_at_registration", "commit_block"):
        if key in kwargs:
            kwargs[key] = kwargs[key][perm]
    if "listed" in kwargs:
        kwargs["listed"] = kwargs["listed"][np.ix_(perm, perm)]
    return w, stake, bonds, kwargs


def _compare(fast, ref):
    for name in FIELDS:
        got, want = getattr(fast, name), ref[name] if isinstance(ref, dict) else getattr(ref, name)
        if np.asarray(got).dtype == np.bool_:
            np.testing.assert_array_equal(got, want, err_msg=name)
        else:
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=name)


@given(subnet_with_miners())
def test_compacted_epoch_matches_reference(case):
    w, stake, bonds, kwargs = case
    _compare(yuma.epoch(w, stake, bonds, **kwargs), reference.epoch(w, stake, bonds, **kwargs))


@pytest.mark.parametrize("base", [yuma.YUMA2, yuma.YUMA3])
@given(case=subnet_with_miners())
def test_compacted_epoch_matches_uncompacted_copy_of_the_variant(base, case):
    # A Variant that equals a built-in but is not the same object runs on every row.
    w, stake, bonds, kwargs = case
    twin = dataclasses.replace(base, name=base.name + "-copy")
    _compare(
        yuma.epoch(w, stake, bonds, variant=base, **kwargs),
        yuma.epoch(w, stake, bonds, variant=twin, **kwargs),
    )

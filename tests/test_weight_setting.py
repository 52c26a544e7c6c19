"""yuma.analysis.weight_setting: scores to the stored weight row, bit for bit.

The SDK vectors in ``tests/data/sdk_weights/`` were produced by the real ``bittensor``
packages (10.5.0 and 11.3.0; see the README there); the chain's checks are tested against
the cases of ``opentensor/subtensor``'s own tests and an exact rational reference.
"""

from __future__ import annotations

import inspect
import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_docs import documented_parameters, numpydoc_sections

import yuma
from yuma import chain as ychain
from yuma.analysis import weight_setting as ws
from yuma.analysis.weight_setting import WeightSettingError

DATA = Path(__file__).parent / "data" / "sdk_weights"


def _load(name: str) -> dict:
    with open(DATA / name) as f:
        return json.load(f)


V10 = _load("bittensor-10.5.0.json")
V11 = _load("bittensor-11.3.0.json")
V11_PY312 = _load("bittensor-11.3.0-py3.12.json")


def _floats(hexes) -> np.ndarray:
    return np.array([float.fromhex(h) for h in hexes], dtype=np.float64)


def _bits(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def _assert_same_floats(actual: np.ndarray, expected: dict | list, dtype=None) -> None:
    if isinstance(expected, dict):
        dtype = np.dtype(expected["dtype"])
        hexes = expected["hex"]
    else:
        hexes = expected
    want = _floats(hexes).astype(dtype)
    actual = np.asarray(actual)
    assert actual.dtype == want.dtype
    np.testing.assert_array_equal(_bits(actual), _bits(want))


def _sdk_reason(err: dict) -> str:
    """The WeightSettingError reason that stands for an SDK exception."""
    kind, msg = err["type"], err["message"]
    if kind == "IndexError":
        return "fallback_index_out_of_range"
    table = [
        ("empty sequence", "empty"),
        ("weight is negative", "negative_weight"),
        ("uid is negative", "negative_uid"),
        ("same length", "length_mismatch"),
        ("equal length", "length_mismatch"),
        ("All weights are zero", "all_zero"),
        ("requires at least", "too_few_weights"),
        ("Duplicate UIDs", "duplicate_uids"),
        ("finite and non-negative", "not_finite_or_negative"),
        ("UIDs must be in", "uid_out_of_range"),
    ]
    for needle, reason in table:
        if needle in msg:
            return reason
    raise AssertionError(f"an SDK error this test does not know: {err}")


def _bad_scores(scores: np.ndarray) -> bool:
    return bool(np.any(~np.isfinite(scores)) or np.any(scores < 0))


def _cases(doc: dict, kind: str) -> list[dict]:
    out = [c for c in doc["cases"] if c["kind"] == kind]
    assert out, f"no {kind} cases"
    return out


def _ids(cases):
    return [c["name"] for c in cases]


# --------------------------------------------------------------------------------------
# The stored vectors themselves
# --------------------------------------------------------------------------------------


def test_vector_files_name_their_sources():
    assert V10["bittensor"] == "10.5.0" and V10["generation"] == "10"
    assert V11["bittensor"] == "11.3.0" and V11["generation"] == "11"
    assert V11["python"].startswith("3.11.")
    assert V11_PY312["bittensor"] == "11.3.0" and V11_PY312["python"].startswith("3.12.")
    assert V10["numpy"].startswith("2.")
    assert len(V10["cases"]) >= 150 and len(V11["cases"]) >= 140
    names = {c["name"] for c in V10["cases"]}
    for edge in (
        "all_zero_scores",
        "one_uid",
        "shuffled_uids",
        "non_contiguous_uids",
        "ties_at_quantile",
        "cap_below_one_over_n",
        "fallback_below_min_allowed_shuffled",
        "rounding_drops_uid",
    ):
        assert edge in names
    assert any(c["name"] == "emit_exact_halves" for c in V10["cases"])


def test_the_python_312_vectors_differ_where_the_sum_is_compensated():
    a = {c["name"]: c for c in V11["cases"]}
    b = {c["name"]: c for c in V11_PY312["cases"]}
    assert a.keys() == b.keys()
    assert any(a[k] != b[k] for k in a), "the two Python versions should disagree somewhere"


def test_exact_halves_round_to_even():
    case = next(c for c in V10["cases"] if c["name"] == "emit_exact_halves")
    w = _floats(case["weights"])
    exact = w / w[0] * 65535
    assert np.all(exact[1:] % 1 == 0.5)
    assert all(v % 2 == 0 for v in case["emitted_values"][1:])


# --------------------------------------------------------------------------------------
# bittensor 10.x
# --------------------------------------------------------------------------------------

PROCESS10 = _cases(V10, "process_and_emit")


@pytest.mark.parametrize("case", PROCESS10, ids=_ids(PROCESS10))
def test_sdk10_process_and_emit_match_bittensor_10(case):
    uids = np.array(case["uids"], dtype=np.int64)
    scores = _floats(case["scores"])
    params = dict(
        n=case["n"],
        min_allowed_weights=case["min_allowed_weights"],
        max_weight_limit=case["max_weight_limit"],
        exclude_quantile=case["exclude_quantile"],
    )
    if _bad_scores(scores):
        # The SDK drops negative scores silently; here they are refused.
        with pytest.raises(ValueError, match="scores") as info:
            ws.sdk10_process_weights(uids, scores, **params)
        assert not isinstance(info.value, WeightSettingError)
        return
    if "process_error" in case:
        with pytest.raises(WeightSettingError) as info:
            ws.sdk10_process_weights(uids, scores, **params)
        assert info.value.reason == _sdk_reason(case["process_error"])
        with pytest.raises(WeightSettingError):
            ws.sdk_payload(uids, scores, sdk="10", **params)
        return
    pu, pw = ws.sdk10_process_weights(uids, scores, **params)
    assert pu.dtype == np.int64
    assert pu.tolist() == case["processed_uids"]
    _assert_same_floats(pw, case["processed_weights"])
    if "emit_error" in case:
        with pytest.raises(WeightSettingError) as info:
            ws.sdk10_emit(pu, pw)
        assert info.value.reason == _sdk_reason(case["emit_error"])
        with pytest.raises(WeightSettingError):
            ws.sdk_payload(uids, scores, sdk="10", **params)
        return
    eu, ev = ws.sdk10_emit(pu, pw)
    assert (eu, ev) == (case["emitted_uids"], case["emitted_values"])
    assert ws.sdk_payload(uids, scores, sdk="10", **params) == (eu, ev)
    pu2, pw2 = ws.process_weights(uids, scores, sdk="10", **params)
    assert pu2.tolist() == pu.tolist() and np.array_equal(_bits(pw2), _bits(pw))
    assert ws.emit_u16(pu, pw, sdk="10") == (eu, ev)


NMW10 = _cases(V10, "normalize_max_weight")


@pytest.mark.parametrize("case", NMW10, ids=_ids(NMW10))
def test_sdk10_normalize_max_weight_matches_bittensor_10(case):
    x = _floats(case["x"]).astype(np.float32)
    out = ws.sdk10_normalize_max_weight(x, case["max_weight_limit"] / 65535)
    _assert_same_floats(out, case["output"])


EMIT10 = _cases(V10, "emit") + _cases(V10, "emit_list")


@pytest.mark.parametrize("case", EMIT10, ids=_ids(EMIT10))
def test_sdk10_emit_matches_bittensor_10(case):
    if case["kind"] == "emit":
        uids = np.array(case["uids"], dtype=np.int64)
        weights = _floats(case["weights"]).astype(case["weights_dtype"])
    else:  # Python lists: the SDK casts the weights to float32 first
        uids = list(case["uids"])
        weights = _floats(case["weights"]).tolist()
    if "error" in case:
        with pytest.raises(WeightSettingError) as info:
            ws.sdk10_emit(uids, weights)
        assert info.value.reason == _sdk_reason(case["error"])
        assert isinstance(info.value, ValueError)
        return
    assert ws.sdk10_emit(uids, weights) == (case["emitted_uids"], case["emitted_values"])


def test_sdk10_list_weights_are_cast_to_float32_first():
    # 0.1 and 0.30000000000000004 differ as float64, not as float32.
    a = ws.sdk10_emit([0, 1], [0.1, 1.0])
    b = ws.sdk10_emit([0, 1], np.array([0.1, 1.0]))
    c = ws.sdk10_emit([0, 1], np.array([0.1, 1.0], dtype=np.float32))
    assert a == c
    assert a[1][0] == round(float(np.float32(0.1)) * 65535)
    assert b[1][0] == round(0.1 * 65535)


# --------------------------------------------------------------------------------------
# bittensor 11.x
# --------------------------------------------------------------------------------------


def _bad_11(case) -> bool:
    if len(case["uids"]) != len(case["weights"]):
        return True
    if len(set(case["uids"])) != len(case["uids"]):
        return True
    if any(u < 0 or u > 65535 for u in case["uids"]):
        return True
    return _bad_scores(_floats(case["weights"]))


def _rule(doc) -> str:
    return "neumaier" if doc is V11_PY312 else "sequential"


CONFORM11 = [(doc, c) for doc in (V11, V11_PY312) for c in _cases(doc, "conform")]


@pytest.mark.parametrize(
    ("doc", "case"), CONFORM11, ids=[f"py{d['python'][:4]}-{c['name']}" for d, c in CONFORM11]
)
def test_sdk11_conform_matches_bittensor_11(doc, case):
    uids = list(case["uids"])
    scores = _floats(case["weights"])
    params = dict(
        validator_uid=case["validator_uid"],
        min_allowed_weights=case["min_allowed_weights"],
        max_weight_limit=case["max_weight_limit"],
        python_sum=_rule(doc),
    )
    if _bad_11(case):
        # Bad input is refused at the boundary, naming the argument (also where 11.x
        # lets a negative weight through its clip and sends it as 65535).
        with pytest.raises(ValueError, match="uids|scores") as info:
            ws.sdk11_conform(uids, scores, **params)
        assert not isinstance(info.value, WeightSettingError)
        return
    if "error" in case:
        with pytest.raises(WeightSettingError) as info:
            ws.sdk11_conform(uids, scores, **params)
        assert info.value.reason == _sdk_reason(case["error"])
        with pytest.raises(WeightSettingError):
            ws.sdk_payload(uids, scores, sdk="11", **params)
        return
    got = ws.sdk11_conform(uids, scores, **params)
    assert got == (case["emitted_uids"], case["emitted_values"])
    assert ws.sdk_payload(uids, scores, sdk="11", **params) == got
    pu, pw = ws.process_weights(uids, scores, sdk="11", **params)
    assert ws.emit_u16(pu, pw, sdk="11") == got


CLIP11 = [(doc, c) for doc in (V11, V11_PY312) for c in _cases(doc, "clip_to_max_weight")]


@pytest.mark.parametrize(
    ("doc", "case"), CLIP11, ids=[f"py{d['python'][:4]}-{c['name']}" for d, c in CLIP11]
)
def test_sdk11_clip_to_max_weight_matches_bittensor_11(doc, case):
    w = _floats(case["weights"])
    limit = case["max_weight_limit"] / 65535
    if "error" in case:
        with pytest.raises(WeightSettingError) as info:
            ws.sdk11_clip_to_max_weight(w, limit, python_sum=_rule(doc))
        assert info.value.reason == _sdk_reason(case["error"])
        return
    out = ws.sdk11_clip_to_max_weight(w, limit, python_sum=_rule(doc))
    _assert_same_floats(out, case["output"], np.float64)


NORM11 = _cases(V11, "normalize")


@pytest.mark.parametrize("case", NORM11, ids=_ids(NORM11))
def test_sdk11_normalize_matches_bittensor_11(case):
    uids, w = list(case["uids"]), _floats(case["weights"])
    if "error" in case:
        with pytest.raises(WeightSettingError) as info:
            ws.sdk11_normalize(uids, w)
        assert info.value.reason == _sdk_reason(case["error"])
        return
    assert ws.sdk11_normalize(uids, w) == (case["emitted_uids"], case["emitted_values"])


@pytest.mark.parametrize(
    ("uids", "weights", "reason"),
    [
        ([0, 1, 2], [0.5, 0.1], "length_mismatch"),
        ([0, 1], [0.5, float("nan")], "not_finite_or_negative"),
        ([0, 1], [0.5, -0.1], "not_finite_or_negative"),
        ([0, 70000], [0.5, 0.1], "uid_out_of_range"),
        ([0, -1], [0.5, 0.1], "uid_out_of_range"),
    ],
)
def test_sdk11_normalize_refuses_with_the_sdk_reason(uids, weights, reason):
    with pytest.raises(WeightSettingError, match="uids|weights") as info:
        ws.sdk11_normalize(uids, weights)
    assert info.value.reason == reason


# --------------------------------------------------------------------------------------
# Building blocks against independent references
# --------------------------------------------------------------------------------------


@given(st.lists(st.floats(0, 1e6, width=64), max_size=50))
def test_python_sum_matches_this_interpreter(xs):
    rule = "neumaier" if sys.version_info >= (3, 12) else "sequential"
    assert ws._python_sum(np.array(xs, dtype=np.float64), rule) == sum(xs)


def test_neumaier_sum_compensates():
    xs = np.array([1e16, 1.0, -1e16])
    assert ws._python_sum(xs, "sequential") == 0.0
    assert ws._python_sum(xs, "neumaier") == 1.0


@given(
    st.lists(st.floats(0, 1e3, width=32), min_size=1, max_size=40),
    st.integers(0, 65535),
)
def test_quantile_matches_numpy(xs, q_u16):
    x = np.array(xs, dtype=np.float32)
    q = q_u16 / 65535
    ours = ws._np2_quantile_linear(x, q)
    theirs = np.quantile(x, q)
    assert np.float32(theirs) == ours and ours.dtype == np.float32


# --------------------------------------------------------------------------------------
# The chain's set_weights
# --------------------------------------------------------------------------------------


def _chain(uids, values, **kw):
    base = dict(n=4, validator_uid=0, has_permit=True, min_allowed_weights=0)
    base.update(kw)
    return ws.chain_set_weights_row(uids, values, **base)


def _reason(uids, values, **kw) -> str:
    with pytest.raises(WeightSettingError) as info:
        _chain(uids, values, **kw)
    assert info.value.stage == "chain"
    return info.value.reason


# opentensor/subtensor pallets/subtensor/src/tests/math.rs, test_check_vec_max_limited.
CHECK_VEC_MAX_LIMITED = [
    ([], 0, True),
    ([], 65535, True),
    ([65535], 65535, True),
    ([65535], 65534, False),
    ([65535], 0, False),
    ([0], 65535, True),
    ([0, 65535], 65535, True),
    ([0, 65535, 65535], 32767, False),
    ([0, 65535, 65535], 32768, True),
    ([0, 65535, 65535, 65535], 21844, False),
    ([0, 65535, 65535, 65535], 21845, True),
]


@pytest.mark.parametrize(("values", "limit", "expected"), CHECK_VEC_MAX_LIMITED)
def test_check_vec_max_limited_matches_subtensor(values, limit, expected):
    assert ws.check_vec_max_limited(values, limit) is expected


def test_chain_refusals_from_subtensor_tests():
    # tests/weights.rs: test_weights_err_no_validator_permit (n=3, min allowed 0)
    assert _reason([1, 2], [1, 2], n=3, has_permit=False) == "NeuronNoValidatorPermit"
    assert _chain([1, 2], [1, 2], n=3)[1].tolist() == [32768, 65535]
    # test_weights_err_has_duplicate_ids (n=4)
    assert _reason([1, 1, 1], [1, 2, 3]) == "DuplicateUids"
    # test_set_weights_err_invalid_uid (one neuron)
    assert _reason([9999], [88], n=1) == "UidVecContainInvalidOne"
    # test_set_weight_not_enough_values (n=2, min allowed 2): one non-self value is too
    # few, the self-weight alone passes
    assert _reason([1], [88], n=2, min_allowed_weights=2) == "WeightVecLengthIsLow"
    assert _chain([0], [88], n=2, min_allowed_weights=2)[1].tolist() == [65535]
    # test_set_weight_too_many_uids (n=2)
    assert _reason([0, 1, 2, 3, 4], [88, 102, 303, 1212, 11], n=2) == (
        "UidsLengthExceedUidsInSubNet"
    )
    # test_weights_err_weights_vec_not_equal_size
    assert _reason([1, 2, 3], [1, 2]) == "WeightVecNotEqualSize"
    # test_set_weights_sum_larger_than_u16_max: stored as they are
    assert _chain([0, 1], [65535, 65535], n=2, min_allowed_weights=2)[1].tolist() == [
        65535,
        65535,
    ]


def test_chain_checks_run_in_the_chain_order():
    # length before everything; too many uids before the permit; permit before duplicates;
    # duplicates before invalid uids; invalid uids before the count; count before the cap
    assert _reason([1, 1, 9], [1, 2], has_permit=False) == "WeightVecNotEqualSize"
    assert _reason([1, 1, 9, 9, 9], [1] * 5, has_permit=False) == "UidsLengthExceedUidsInSubNet"
    assert _reason([1, 1, 9], [1, 2, 3], has_permit=False) == "NeuronNoValidatorPermit"
    assert _reason([1, 1, 9], [1, 2, 3]) == "DuplicateUids"
    assert _reason([1, 9], [1, 2], min_allowed_weights=3) == "UidVecContainInvalidOne"
    assert _reason([1, 2], [1, 65535], min_allowed_weights=3, max_weight_limit=1) == (
        "WeightVecLengthIsLow"
    )
    assert _reason([1, 2], [1, 65535], max_weight_limit=40000) == "MaxWeightExceeded"


def test_self_weight_and_owner_exemptions():
    # A single self-weight passes without a permit, below min allowed, above the cap.
    u, v = _chain([0], [7], has_permit=False, min_allowed_weights=4, max_weight_limit=1)
    assert (u.tolist(), v.tolist()) == ([0], [65535])
    # Two entries including the self-weight are not a self-weight.
    assert _reason([0, 1], [7, 7], has_permit=False) == "NeuronNoValidatorPermit"
    # The owner acts as a validator without a permit (but meets the other checks).
    assert _chain([1, 2], [1, 2], has_permit=False, is_owner=True)[1].tolist() == [32768, 65535]
    assert _reason([1], [5], has_permit=False, is_owner=True, min_allowed_weights=2) == (
        "WeightVecLengthIsLow"
    )
    # min(n, min_allowed_weights): a subnet smaller than the hyperparameter needs n.
    assert _chain([0, 1, 2, 3], [1, 1, 1, 1], min_allowed_weights=1024)[1].tolist() == [
        65535
    ] * 4


def test_chain_stores_zeros_and_the_order_sent():
    u, v = _chain([3, 1, 2], [0, 100, 50])
    assert (u.tolist(), v.tolist()) == ([3, 1, 2], [0, 65535, 32768])
    assert u.dtype == np.uint16 and v.dtype == np.uint16
    u, v = _chain([2, 1], [0, 0])
    assert v.tolist() == [0, 0]
    u, v = _chain([], [])
    assert u.size == 0 and v.size == 0


def _upscale_reference(values: list[int]) -> list[int]:
    """``vec_u16_max_upscale_to_u16`` in exact rationals: I32F32 quotients, round half up."""
    m = max(values)
    one = 2**32
    out = []
    for v in values:
        if m == 0:
            out.append(0)
            continue
        if m > 32768:
            q = (65535 * one) // m  # u16_max.safe_div(max), truncated
            x = Fraction(v * q, one)
        else:
            x = Fraction((v * 65535 * one) // m, one)
        out.append(min(65535, int(x + Fraction(1, 2))))
    return out


@given(st.lists(st.integers(0, 65535), min_size=1, max_size=30))
def test_chain_upscale_matches_an_exact_reference(values):
    k = len(values)
    u, v = ws.chain_set_weights_row(list(range(k)), values, n=k, validator_uid=0)
    assert v.tolist() == _upscale_reference(values)
    if max(values) > 0:
        assert v.max() == 65535


@given(st.lists(st.integers(0, 65535), min_size=1, max_size=12), st.integers(0, 65535))
def test_check_vec_max_limited_matches_an_exact_reference(values, limit):
    one = 2**32
    total = sum(v * one for v in values)
    normalized = [(v * one * one) // total if total else v * one for v in values]
    limit_bits = (limit * one * one) // (65535 * one)
    assert ws.check_vec_max_limited(values, limit) is (max(normalized) <= limit_bits)


@given(st.lists(st.integers(0, 65535), min_size=1, max_size=8, unique=True), st.data())
def test_chain_row_agrees_with_yuma_chain_set_weights(targets, data):
    n = max(targets) + 1
    values = data.draw(st.lists(st.integers(0, 65535), min_size=len(targets),
                                max_size=len(targets)))
    if n > 64:
        targets = [t % 64 for t in targets]
        if len(set(targets)) != len(targets):
            return
        n = max(targets) + 1
    u, v = ws.chain_set_weights_row(targets, values, n=n, validator_uid=0)
    state = ychain.new_subnet(n)
    state = ychain.set_weights(state, 0, targets, values, check_permit=False)
    assert np.asarray(state.weights)[0, u.astype(int)].tolist() == v.tolist()


# --------------------------------------------------------------------------------------
# Scores to the epoch in one call
# --------------------------------------------------------------------------------------


def test_scores_to_weights_composes_the_steps():
    uids, scores = [5, 1, 3], [0.5, 0.25, 0.125]
    r = ws.scores_to_weights(uids, scores, sdk="10", n=6, validator_uid=0)
    assert (r.sent_uids.tolist(), r.sent_values.tolist()) == ws.sdk_payload(
        uids, scores, sdk="10", n=6
    )
    assert r.values.tolist() == [65535, 32768, 16384]
    assert r.row.tolist() == [0.0, 32768 / 65535, 0.0, 16384 / 65535, 0.0, 1.0]
    assert r.listed.tolist() == [False, True, False, True, False, True]


def test_scores_to_weights_10x_fallback_weights_every_uid():
    # All-zero scores: 10.x sends 1/n to every uid, 11.x refuses.
    r = ws.scores_to_weights([2], [0.0], sdk="10", n=3, validator_uid=0)
    assert r.listed.all() and r.values.tolist() == [65535] * 3
    with pytest.raises(WeightSettingError) as info:
        ws.scores_to_weights([2], [0.0], sdk="11", n=3, validator_uid=0)
    assert (info.value.stage, info.value.reason) == ("sdk11", "all_zero")


def test_scores_to_weights_reports_the_chain_refusal():
    with pytest.raises(WeightSettingError) as info:
        ws.scores_to_weights([1, 2], [0.5, 0.5], sdk="11", n=3, validator_uid=0,
                             has_permit=False)
    assert (info.value.stage, info.value.reason) == ("chain", "NeuronNoValidatorPermit")
    # 11.x counts against min_allowed_weights itself; the chain against min(n, ...).
    with pytest.raises(WeightSettingError) as info:
        ws.scores_to_weights([1, 2], [0.5, 0.5], sdk="11", n=3, validator_uid=0,
                             min_allowed_weights=3)
    assert info.value.reason == "too_few_weights"
    u, v = ws.chain_set_weights_row([0, 1, 2], [1, 1, 1], n=3, validator_uid=0,
                                    min_allowed_weights=8)
    assert v.tolist() == [65535] * 3


def test_scores_to_epoch_round_trip_is_exact():
    n = 6
    stake = np.array([4.0, 3.0, 2.0, 1.0, 0.0, 0.0])
    rng = np.random.default_rng(7)
    rows = {}
    for i, sdk in enumerate(["10", "11", "10", "11"]):
        uids = rng.permutation(n)[:4]
        scores = rng.random(4)
        rows[i] = ws.scores_to_weights(uids, scores, sdk=sdk, n=n, validator_uid=i,
                                       min_allowed_weights=2, max_weight_limit=40000)
    w, listed = ws.weights_matrix(rows, n)
    stored = np.zeros((n, n), dtype=np.int64)
    for i, r in rows.items():
        stored[i, r.uids.astype(int)] = r.values
    assert np.array_equal(np.rint(w * 65535).astype(np.int64), stored)
    assert np.array_equal(listed[:4].sum(axis=1), [4, 4, 4, 4])
    # The fixed-point epoch stores float rows as u16 by max-upscaling: the same integers.
    a = yuma.epoch(w, stake, listed=listed, arithmetic="fixed")
    b = yuma.epoch(stored.astype(np.float64), stake, listed=listed, arithmetic="fixed")
    for field in ("consensus", "incentive", "dividends", "bonds"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert np.all(np.isfinite(yuma.epoch(w, stake, listed=listed).incentive))


def test_a_capped_10x_payload_can_exceed_the_cap_after_rounding():
    # 10.x puts the largest weight just under the cap; rounding the others down to u16
    # pushes its share over, so a chain that enforced the cap would refuse the payload.
    uids = [0, 1, 2, 3]
    scores = [0.22520719, 0.30016628, 0.87355345, 0.0052653]
    kw = dict(sdk="10", n=4, validator_uid=0, max_weight_limit=40000)
    _, pw = ws.process_weights(uids, scores, **kw)
    assert pw.max() <= 40000 / 65535
    _, values = ws.sdk_payload(uids, scores, **kw)
    assert max(values) / sum(values) > 40000 / 65535
    assert not ws.check_vec_max_limited(values, 40000)
    assert ws.scores_to_weights(uids, scores, **kw).values.max() == 65535
    with pytest.raises(WeightSettingError) as info:
        ws.scores_to_weights(uids, scores, **kw, chain_max_weight_limit=40000)
    assert info.value.reason == "MaxWeightExceeded"


def test_weights_matrix_checks_rows():
    r = ws.scores_to_weights([1], [1.0], sdk="10", n=3, validator_uid=0)
    w, listed = ws.weights_matrix([r, None], 3)
    assert w[0].tolist() == r.row.tolist() and not listed[1:].any()
    with pytest.raises(ValueError, match="length"):
        ws.weights_matrix({0: r}, 4)
    with pytest.raises(ValueError, match="rows"):
        ws.weights_matrix({5: r}, 3)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


@st.composite
def scored(draw, max_n=24):
    n = draw(st.integers(1, max_n))
    k = draw(st.integers(1, n))
    uids = draw(st.permutations(range(n)))[:k]
    scores = draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1e3)), min_size=k,
                           max_size=k))
    return n, np.array(uids, dtype=np.int64), np.array(scores, dtype=np.float64)


@given(
    scored(),
    st.sampled_from(["10", "11"]),
    st.integers(0, 5),
    st.sampled_from([65535, 40000, 20000, 5000]),
    st.sampled_from([0, 6553, 32768]),
)
def test_stored_rows_are_max_upscaled_and_inputs_untouched(data, sdk, maw, mwl, quantile):
    n, uids, scores = data
    uids_before, scores_before = uids.copy(), scores.copy()
    uids.setflags(write=False)
    scores.setflags(write=False)
    try:
        r = ws.scores_to_weights(uids, scores, sdk=sdk, n=n, validator_uid=n - 1,
                                 min_allowed_weights=maw, max_weight_limit=mwl,
                                 exclude_quantile=quantile if sdk == "10" else 0)
    except WeightSettingError as e:
        assert e.stage in ("sdk10", "sdk11", "chain")
        return
    finally:
        assert np.array_equal(uids, uids_before) and np.array_equal(scores, scores_before)
    assert r.values.size > 0 and int(r.values.max()) == 65535
    assert 0 not in r.sent_values.tolist()
    assert np.array_equal(r.listed, r.row > 0)
    assert r.row.max() == 1.0
    assert np.array_equal(np.rint(r.row * 65535)[r.listed], r.values[np.argsort(r.uids)])


@given(scored(), st.integers(0, 5), st.sampled_from([65535, 40000, 20000, 5000]),
       st.integers(0, 65535))
def test_sdk10_processed_weights_sum_to_one(data, maw, mwl, quantile):
    n, uids, scores = data
    pu, pw = ws.sdk10_process_weights(uids, scores, n=n, min_allowed_weights=maw,
                                      max_weight_limit=mwl, exclude_quantile=quantile)
    assert pu.shape == pw.shape and pw.size > 0
    assert np.all(pw >= 0)
    assert abs(float(pw.astype(np.float64).sum()) - 1.0) < 1e-5
    assert set(pu.tolist()) <= set(range(n)) | set(uids.tolist())


@given(scored(), st.integers(1, 65535))
def test_sdk11_clip_sums_to_one(data, mwl):
    _, _, scores = data
    if not np.any(scores > 0):
        return
    out = ws.sdk11_clip_to_max_weight(scores, mwl / 65535)
    assert abs(out.sum() - 1.0) < 1e-9 and np.all(out >= 0)


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------

OK = dict(sdk="10", n=4, validator_uid=0)


@pytest.mark.parametrize(
    ("uids", "scores", "kw", "name"),
    [
        ([0, 1], [0.5, float("nan")], {}, "scores"),
        ([0, 1], [0.5, float("inf")], {}, "scores"),
        ([0, 1], [0.5, -0.1], {}, "scores"),
        ([0, 1, 2], [0.5, 0.1], {}, "uids and scores"),
        ([1, 1], [0.5, 0.1], {}, "uids"),
        ([0, 70000], [0.5, 0.1], {}, "uids"),
        ([0, 1.5], [0.5, 0.1], {}, "uids"),
        ([[0, 1]], [[0.5, 0.1]], {}, "uids"),
        ([0, 1], [0.5, 1e39], {}, "scores"),
        ([0, 1], [0.5, 0.1], {"exclude_quantile": 65536}, "exclude_quantile"),
        ([0, 1], [0.5, 0.1], {"exclude_quantile": -1}, "exclude_quantile"),
        ([0, 1], [0.5, 0.1], {"exclude_quantile": 0.5}, "exclude_quantile"),
        ([0, 1], [0.5, 0.1], {"max_weight_limit": 70000}, "max_weight_limit"),
        ([0, 1], [0.5, 0.1], {"max_weight_limit": 0.5}, "max_weight_limit"),
        ([0, 1], [0.5, 0.1], {"min_allowed_weights": -1}, "min_allowed_weights"),
        ([0, 1], [0.5, 0.1], {"n": 0}, "n"),
        ([0, 1], [0.5, 0.1], {"n": 70000}, "n"),
        ([0, 1], [0.5, 0.1], {"validator_uid": 4}, "validator_uid"),
        ([0, 1], [0.5, 0.1], {"sdk": "12"}, "sdk"),
        ([0, 1], [0.5, 0.1], {"sdk": "11", "exclude_quantile": 5}, "exclude_quantile"),
        ([0, 1], [0.5, 0.1], {"sdk": "11", "python_sum": "kahan"}, "python_sum"),
        ([0, 1], [0.5, 0.1], {"has_permit": True, "validator_uid": True}, "validator_uid"),
    ],
)
def test_bad_input_names_the_argument(uids, scores, kw, name):
    args = {**OK, **kw}
    with pytest.raises(ValueError, match=name) as info:
        ws.scores_to_weights(uids, scores, **args)
    assert not isinstance(info.value, WeightSettingError)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: ws.sdk10_normalize_max_weight([0.5, 0.5], 1.5), "limit"),
        (lambda: ws.sdk10_normalize_max_weight([0.5, float("nan")], 0.5), "x"),
        (lambda: ws.sdk11_clip_to_max_weight([0.5, -0.5], 0.5), "weights"),
        (lambda: ws.sdk11_clip_to_max_weight([0.5, 0.5], -0.1), "limit"),
        (lambda: ws.sdk10_emit([0, 1], [0.5, float("nan")]), "weights"),
        (lambda: ws.sdk10_emit([0, 70000], [0.5, 0.1]), "uids"),
        (lambda: ws.chain_set_weights_row([0], [70000], n=2, validator_uid=0), "values"),
        (lambda: ws.chain_set_weights_row([0], [1], n=2, validator_uid=2), "validator_uid"),
        (lambda: ws.chain_set_weights_row([0], [1], n=0, validator_uid=0), "n"),
        (lambda: ws.check_vec_max_limited([1], 65536), "max_weight_limit"),
        (lambda: ws.process_weights([0], [1.0], sdk="10"), "n"),
    ],
)
def test_bad_input_to_the_building_blocks(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_sdk10_fallback_by_position_refuses_positions_past_n():
    # The SDK raises IndexError; here a WeightSettingError says why.
    with pytest.raises(WeightSettingError, match="position 3") as info:
        ws.sdk10_process_weights([0, 1, 2, 3], [0, 0, 0, 1.0], n=3, min_allowed_weights=2,
                                 max_weight_limit=65535)
    assert info.value.reason == "fallback_index_out_of_range"


# --------------------------------------------------------------------------------------
# Documentation
# --------------------------------------------------------------------------------------

PUBLIC = [
    getattr(ws, name) for name in ws.__all__ if inspect.isfunction(getattr(ws, name))
]


@pytest.mark.parametrize("fn", PUBLIC, ids=[f.__name__ for f in PUBLIC])
def test_docstrings_follow_numpydoc(fn):
    doc = inspect.getdoc(fn)
    assert doc and "\n" not in doc.split("\n\n", 1)[0].strip()
    params = [p for p in inspect.signature(fn).parameters]
    assert documented_parameters(doc) == params
    assert "Returns" in numpydoc_sections(doc)


def test_doctests():
    import doctest

    result = doctest.testmod(ws, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0

"""Consumers of many independent epochs run them batched, with the loop's bits.

:func:`yuma.core.batch.run_grouped` stacks epochs of one built-in variant, shape and set
of optional arrays into one :func:`yuma.epoch_batch`; influence's ``_evaluate``, replay
and the copy-risk sweep (:func:`yuma.sim._batch.evaluate_epochs`) go through it. Every
result must be the loop's (``yuma.epoch`` or ``run_float`` item by item) bit for bit, and
a failing item must raise the loop's error.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yuma
from yuma.analysis import influence
from yuma.core.batch import run_grouped
from yuma.core.run_epoch import run_float
from yuma.sim import _batch, copy_risk, replay

FIELDS = [f.name for f in dataclasses.fields(yuma.EpochResult) if f.name != "variant"]
MATRICES = ("weights", "clipped_weights", "weights_for_bonds", "ema_bonds", "bonds")
TWIN_YUMA2 = dataclasses.replace(yuma.VARIANTS["yuma2"], name="twin-yuma2")


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_results(got, want, keep=MATRICES):
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.variant == w.variant
        for name in FIELDS:
            if name in MATRICES and name not in keep:  # zeros, or kept by an item run alone
                value = getattr(g, name)
                assert not np.any(value) or same_bits(value, getattr(w, name)), (k, name)
                continue
            assert same_bits(getattr(g, name), getattr(w, name)), (k, name)


def random_item(rng, shape, options) -> dict:
    """yuma.epoch keyword arguments of one shape with the optional arrays in ``options``."""
    n_rows, n_cols = shape
    w = rng.choice([0.0, 0.25, 0.5, 1.0, 0.3], size=shape) * (rng.random(shape) < 0.8)
    kw = {"weights": w, "stake": rng.pareto(1.5, n_rows) * (rng.random(n_rows) < 0.9)}
    variant = options["variant"]
    kw["params"] = yuma.YumaParams(
        variant=variant if isinstance(variant, str) else "yuma3",
        liquid_alpha=bool(rng.random() < 0.5), kappa=float(rng.choice([0.25, 0.5, 0.75])),
        bonds_penalty=float(rng.choice([0.0, 0.5, 1.0])),
        max_allowed_validators=int(rng.integers(1, n_rows + 2)),
        liquid_alpha_consensus_mode=str(rng.choice(["auto", "current", "previous"])),
    )
    if not isinstance(variant, str):
        kw["variant"] = variant
    if options["bonds"]:
        kw["bonds"] = rng.random(shape) * (rng.random(shape) < 0.6)
    if options["masks"]:
        kw["active"] = rng.random(n_rows) < 0.8
        kw["validator_permit"] = rng.random(n_rows) < 0.7
        kw["reset_bonds"] = rng.random(n_cols) < 0.2
        kw["listed"] = (w > 0) | (rng.random(shape) < 0.3)
    if options["blocks"]:
        dtype = options["blocks"]
        top = 2**64 - 40 if dtype == np.uint64 and rng.random() < 0.3 else 1000
        def blocks(n):
            return np.array([top - int(d) for d in rng.integers(0, 30, n)], dtype=dtype)

        kw["last_update"] = blocks(n_rows)
        kw["block_at_registration"] = blocks(n_cols)
        kw["commit_block"] = blocks(n_rows)
        kw["last_tempo"] = int(top) - int(rng.integers(0, 30))
    if options["scalars"]:
        kw["owner_uid"] = int(rng.integers(0, n_rows))
        kw["stake_threshold"] = float(rng.choice([0.0, 0.5, 2.0]))
    if options["consensus"] is not None:
        kw["previous_consensus"] = np.floor(rng.random(options["consensus"]) * 8) / 8
    return kw


@st.composite
def item_lists(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shapes = draw(st.lists(st.sampled_from([(3, 5), (4, 4), (5, 3), (1, 2), (6, 9)]),
                           min_size=1, max_size=2, unique=True))
    kinds = []
    for _ in range(draw(st.integers(1, 3))):
        shape = draw(st.sampled_from(shapes))
        kinds.append((shape, {
            "variant": draw(st.sampled_from(["yuma2", "yuma2_liquid_alpha_v1", "yuma3",
                                             TWIN_YUMA2])),
            "bonds": draw(st.booleans()),
            "masks": draw(st.booleans()),
            "blocks": draw(st.sampled_from([None, np.int64, np.uint64])),
            "scalars": draw(st.booleans()),
            "consensus": draw(st.sampled_from([None, 0, shape[1], shape[1] + 1])),
        }))
    picks = draw(st.lists(st.integers(0, len(kinds) - 1), min_size=1, max_size=10))
    return [random_item(rng, *kinds[k]) for k in picks]


@settings(max_examples=120)
@given(items=item_lists(), keep=st.sampled_from(["all", (), ("bonds",), ("ema_bonds",)]))
def test_run_grouped_is_the_loop_of_epochs(items, keep):
    want = [yuma.epoch(**kw) for kw in items]
    got = run_grouped(items, dict, lambda kw: yuma.epoch(**kw), keep=keep)
    assert_same_results(got, want, MATRICES if keep == "all" else keep)


def test_run_grouped_batches_what_it_can():
    rng = np.random.default_rng(0)
    options = {"variant": "yuma3", "bonds": True, "masks": True, "blocks": np.uint64,
               "scalars": True, "consensus": 5}
    items = [random_item(rng, (3, 5), options) for _ in range(4)]
    alone = []
    got = run_grouped(items, dict, lambda kw: alone.append(kw) or yuma.epoch(**kw))
    assert alone == []  # one batch
    assert_same_results(got, [yuma.epoch(**kw) for kw in items])


def test_run_grouped_raises_the_loops_error():
    rng = np.random.default_rng(1)
    options = {"variant": "yuma3", "bonds": True, "masks": False, "blocks": None,
               "scalars": False, "consensus": None}
    items = [random_item(rng, (3, 5), options) for _ in range(4)]
    items[2]["bonds"] = np.full((3, 5), 1.5)  # Yuma 3 bonds are proportions
    items[3]["stake"] = -items[3]["stake"] - 1.0
    with pytest.raises(ValueError) as want:
        [yuma.epoch(**kw) for kw in items]
    with pytest.raises(ValueError) as got:
        _batch.evaluate_epochs(items)
    assert str(got.value) == str(want.value)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(2)
    options = {"variant": "yuma2", "bonds": True, "masks": True, "blocks": np.int64,
               "scalars": True, "consensus": 5}
    items = [random_item(rng, (3, 5), options) for _ in range(3)]
    before = [{k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
              for kw in items]
    _batch.evaluate_epochs(items)
    for kw, old in zip(items, before, strict=True):
        for k, v in kw.items():
            if isinstance(v, np.ndarray):
                assert same_bits(v, old[k]), k


# --------------------------------------------------------------------------------------
# The consumers, against their loop paths
# --------------------------------------------------------------------------------------


def loop_evaluate(batch, matrices=True):
    return [run_float(item) for item in batch]


def loop_epochs(batch, keep="all"):
    return [yuma.epoch(**kw) for kw in batch]


def assert_same_tree(got, want, path="result"):
    """Dataclasses, dicts, tuples and arrays compared bit for bit, floats by their bits."""
    if dataclasses.is_dataclass(want) and not isinstance(want, type):
        for f in dataclasses.fields(want):
            assert_same_tree(getattr(got, f.name), getattr(want, f.name), f"{path}.{f.name}")
    elif isinstance(want, dict):
        assert list(got) == list(want), path
        for k in want:
            assert_same_tree(got[k], want[k], f"{path}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), path
        for k, (a, b) in enumerate(zip(got, want, strict=True)):
            assert_same_tree(a, b, f"{path}[{k}]")
    elif isinstance(want, (np.ndarray, float, np.floating)):
        assert same_bits(got, want), path
    else:
        assert got == want, path


@pytest.mark.parametrize("square", [True, False])
@pytest.mark.parametrize("variant", ["yuma2", "yuma3", TWIN_YUMA2])
def test_influence_batched_is_the_loop(monkeypatch, square, variant):
    rng = np.random.default_rng(3)
    shape = (7, 7) if square else (4, 9)
    options = {"variant": variant, "bonds": True, "masks": True, "blocks": np.uint64,
               "scalars": True, "consensus": shape[1]}
    kw = random_item(rng, shape, options)
    kw.pop("last_tempo")
    kw["params"] = dataclasses.replace(kw["params"], liquid_alpha=True, max_allowed_validators=5)
    calls = [
        lambda: influence.removal_impact(**kw),
        lambda: influence.removal_impact(**kw, value="incentive-l1", permits="given"),
        lambda: influence.removal_impact(**kw, uids=[0, 2], value=lambda r: r.bonds.sum()),
        lambda: influence.consensus_sensitivity(**kw, fractions=[0.0, 0.5, 1.0]),
        lambda: influence.shapley(**kw, value="incentive-l1"),
        lambda: influence.shapley(**kw, value="incentive-l1", method="sampled",
                                  max_permutations=8, seed=1),
    ]
    got = [call() for call in calls]
    monkeypatch.setattr(influence, "_evaluate", loop_evaluate)
    want = [call() for call in calls]
    assert_same_tree(got, want)


def test_copy_risk_batched_is_the_loop(monkeypatch):
    series = copy_risk.drifted_series(
        yuma.io.snapshot.EpochSnapshot({
            "weights": np.random.default_rng(4).random((9, 9)) * (np.arange(9) >= 4),
            "stake": [5.0, 3.0, 2.0, 1.0, 0, 0, 0, 0, 0],
        }), 8, 0.2, seed=1,
    )
    args = dict(delays=[0, 1, 3], alpha_lows=[0.3, 0.8], alpha_highs=[0.9])
    got = copy_risk.copy_risk(series, **args)
    got_u16 = copy_risk.copy_risk(series, **args, u16_bonds=True, variant="yuma2_liquid_alpha_v1")
    monkeypatch.setattr(copy_risk, "evaluate_epochs", loop_epochs)
    want = copy_risk.copy_risk(series, **args)
    want_u16 = copy_risk.copy_risk(series, **args, u16_bonds=True,
                                   variant="yuma2_liquid_alpha_v1")
    assert_same_tree(got, want)
    assert_same_tree(got_u16, want_u16)


@pytest.mark.parametrize("u16", [False, True])
def test_replay_batched_is_the_loop(monkeypatch, u16):
    rng = np.random.default_rng(5)
    snaps = []
    for t in range(5):
        w = rng.random((8, 8)) * (rng.random((8, 8)) < 0.7)
        w[4:] = 0.0
        snaps.append(yuma.io.snapshot.EpochSnapshot(
            {"weights": w, "stake": [4.0, 3.0, 2.0, 1.0, 0, 0, 0, 0]}, block=100 + 360 * t))
    cands = ["yuma2", "yuma3", "yuma3+la", "yuma2_liquid_alpha_v1"]
    got = replay.replay(snaps, cands, u16_bonds=u16)
    monkeypatch.setattr(replay, "evaluate_epochs", loop_epochs)
    want = replay.replay(snaps, cands, u16_bonds=u16)
    assert_same_tree(got.runs, want.runs)

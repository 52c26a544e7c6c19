"""yuma.epoch_batch: every item has the bits of yuma.epoch on it; bad inputs are named."""

from __future__ import annotations

import dataclasses

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma.core import _threads
from yuma.testing import step_strategies as ss
from yuma.testing.strategies import stakes, weight_matrices, yuma_params

FIELDS = [f.name for f in dataclasses.fields(yuma.EpochResult) if f.name != "variant"]
BUILTIN_NAMES = ("yuma2", "yuma2_liquid_alpha_v1", "yuma3")


def assert_same_bits(got: yuma.EpochResult, want: yuma.EpochResult, what: str) -> None:
    assert got.variant == want.variant, what
    for name in FIELDS:
        a, b = np.asarray(getattr(got, name)), np.asarray(getattr(want, name))
        assert a.dtype == b.dtype and a.shape == b.shape, (what, name, a.shape, b.shape)
        assert a.tobytes() == b.tobytes(), (what, name, a, b)


def item_kwargs(kw: dict, b: int) -> dict:
    """The yuma.epoch arguments of item b of an epoch_batch call."""
    out = {}
    n_items = kw["weights"].shape[0]
    per_item_ndim = {
        "stake": 1, "bonds": 2, "active": 1, "validator_permit": 1, "last_update": 1,
        "block_at_registration": 1, "commit_block": 1, "reset_bonds": 1, "listed": 2,
        "previous_consensus": 1,
    }
    for name, value in kw.items():
        if name == "weights":
            out[name] = value[b]
        elif name in per_item_ndim:
            out[name] = value if value is None or value.ndim == per_item_ndim[name] else value[b]
        elif name in ("params", "owner_uid", "stake_threshold", "last_tempo") and isinstance(
            value, list
        ):
            assert len(value) == n_items
            out[name] = value[b]
        else:
            out[name] = value
    return out


def assert_batch_is_loop(kw: dict) -> yuma.EpochBatchResult:
    result = yuma.epoch_batch(**kw)
    n_items, n_rows, n_cols = kw["weights"].shape
    assert len(result) == n_items
    assert result.weights.shape == (n_items, n_rows, n_cols)
    n_uids = n_rows if n_rows == n_cols else n_rows + n_cols
    assert result.emission.shape == (n_items, n_uids)
    for b in range(n_items):
        assert_same_bits(result.item(b), yuma.epoch(**item_kwargs(kw, b)), f"item {b}")
    return result


@st.composite
def batches(draw, *, variants=BUILTIN_NAMES, max_items: int = 4, max_rows: int = 7,
            max_cols: int = 9) -> dict:
    """epoch_batch arguments: each array per item or shared, each scalar per item or one."""
    n_items = draw(st.integers(0, max_items))
    square = draw(st.booleans())
    n_rows = draw(st.integers(0, max_rows))
    n_cols = n_rows if square else draw(st.integers(0, max_cols))
    variant = draw(st.sampled_from(variants))

    def per_item(strategy):
        if n_items and draw(st.booleans()):
            return np.stack([draw(strategy) for _ in range(n_items)])
        return draw(strategy)

    def maybe(strategy):
        return per_item(strategy) if draw(st.booleans()) else None

    def unit_matrix():
        size = n_rows * n_cols
        return st.lists(ss.UNIT, min_size=size, max_size=size).map(
            lambda v: np.array(v, dtype=np.float64).reshape(n_rows, n_cols)
        )

    weights = [draw(weight_matrices(n_rows, n_cols)) for _ in range(n_items)]
    kw = {"weights": np.array(weights).reshape(n_items, n_rows, n_cols)}
    kw["stake"] = per_item(stakes(n_rows))
    if draw(st.booleans()):
        kw["bonds"] = per_item(unit_matrix())
    if draw(st.booleans()):
        kw["params"] = draw(yuma_params(variants=(variant,)))
    else:
        mode = st.sampled_from(["auto", "current", "previous"])
        kw["params"] = [
            dataclasses.replace(draw(yuma_params(variants=(variant,))),
                                liquid_alpha_consensus_mode=draw(mode))
            for _ in range(n_items)
        ]
    kw["active"] = maybe(ss.masks(n_rows))
    kw["validator_permit"] = maybe(ss.masks(n_rows))
    if draw(st.booleans()):
        kw["block_at_registration"] = per_item(ss.block_vectors(n_cols))
        kw["last_update"] = maybe(ss.block_vectors(n_rows))
        kw["commit_block"] = maybe(ss.block_vectors(n_rows))
        if draw(st.booleans()):
            tempo = st.one_of(st.none(), st.integers(0, 13))
            kw["last_tempo"] = (draw(tempo) if draw(st.booleans())
                                else [draw(tempo) for _ in range(n_items)])
    kw["reset_bonds"] = maybe(ss.masks(n_cols))
    kw["listed"] = maybe(ss.mask_matrices(n_rows, n_cols))
    if n_rows and draw(st.booleans()):
        owner = st.one_of(st.none(), st.integers(0, n_rows - 1))
        kw["owner_uid"] = (draw(owner) if draw(st.booleans())
                           else [draw(owner) for _ in range(n_items)])
    if draw(st.booleans()):
        threshold = st.sampled_from([0.0, 1.0, 3.0, 1e3])
        kw["stake_threshold"] = (draw(threshold) if draw(st.booleans())
                                 else [draw(threshold) for _ in range(n_items)])
    if draw(st.booleans()):
        length = draw(st.sampled_from([0, n_cols, n_cols + 2, max(n_cols - 1, 0)]))
        vec = st.lists(ss.UNIT, min_size=length, max_size=length).map(np.array)
        kw["previous_consensus"] = per_item(vec)
    if draw(st.booleans()):
        kw["variant"] = variant
    return {k: v for k, v in kw.items() if v is not None}


@given(batches())
def test_batch_items_equal_single_epochs_bit_for_bit(kw):
    assert_batch_is_loop(kw)


@given(batches(max_items=2, max_rows=3, max_cols=4))
def test_user_variant_runs_a_loop_of_epochs(kw):
    base = yuma.VARIANTS[kw.pop("variant", None) or _variant_name(kw["params"])]
    kw["variant"] = dataclasses.replace(base, name=base.name + "_copy")
    result = assert_batch_is_loop(kw)
    assert result.variant == base.name + "_copy"


def _variant_name(params) -> str:
    if isinstance(params, list):
        return params[0].variant if params else "yuma3"
    return params.variant


@pytest.fixture
def threads_always(monkeypatch):
    """Take the parallel paths whenever numba has several threads (even on a busy machine)."""
    monkeypatch.setattr(_threads, "PARALLEL_MODE", "always")


@pytest.mark.usefixtures("threads_always")
@pytest.mark.parametrize("variant", BUILTIN_NAMES)
def test_many_items_over_threads_equal_single_epochs(variant):
    # Items over threads (when numba has several).
    rng = np.random.default_rng(11)
    n_items, n_rows, n_cols = 24, 20, 40
    w = np.round(rng.random((n_items, n_rows, n_cols)), 1)
    w[rng.random(w.shape) < 0.3] = 0.0
    params = [yuma.YumaParams(variant=variant, liquid_alpha=True, kappa=k,
                              bonds_penalty=rng.choice([0.0, 0.5, 1.0]))
              for k in rng.choice([0.25, 0.5, 0.75], n_items)]
    assert_batch_is_loop({
        "weights": w, "stake": rng.pareto(1.5, (n_items, n_rows)),
        "bonds": rng.random((n_items, n_rows, n_cols)) * 0.5, "params": params,
        "validator_permit": rng.random(n_rows) < 0.8,
    })


@pytest.mark.usefixtures("threads_always")
@pytest.mark.parametrize("keep", ["all", ("bonds",)])
@pytest.mark.parametrize("n_items", [1, 24])
def test_large_items_equal_single_epochs(keep, n_items):
    # One item (over all threads inside it) or many (items over threads).
    rng = np.random.default_rng(12)
    n = 260
    w = rng.random((n_items, n, n))
    w[rng.random(w.shape) < 0.5] = 0.0
    stake, bonds = rng.random(n), rng.random((n, n)) * 0.5
    params = yuma.YumaParams(liquid_alpha=True, bonds_penalty=0.5, max_allowed_validators=200)
    r = yuma.epoch_batch(w, stake, bonds, params=params, owner_uid=3, keep=keep)
    for b in (0, n_items - 1):
        want = yuma.epoch(w[b], stake, bonds, params=params, owner_uid=3)
        if keep == "all":
            assert_same_bits(r.item(b), want, f"item {b}")
        else:
            assert r.weights is None
            for name in ("bonds", "dividends", "incentive", "validator_permit"):
                assert getattr(r, name)[b].tobytes() == getattr(want, name).tobytes(), name


MATRICES = ("weights", "clipped_weights", "weights_for_bonds", "ema_bonds", "bonds")


@pytest.mark.parametrize("variant", BUILTIN_NAMES + ("twin",))
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0])
@pytest.mark.parametrize(
    "keep", [(), ("bonds",), ("weights_for_bonds",), ("ema_bonds", "bonds"), "weights", MATRICES]
)
def test_kept_matrices_equal_the_epochs_and_the_rest_are_none(variant, beta, keep):
    rng = np.random.default_rng(21)
    n_items, n_rows, n_cols = 5, 6, 6
    w = np.round(rng.random((n_items, n_rows, n_cols)), 1)
    stake = rng.random((n_items, n_rows)) * (rng.random((n_items, n_rows)) < 0.8)
    bonds = rng.random((n_items, n_rows, n_cols)) * 0.5
    params = yuma.YumaParams(variant="yuma3" if variant == "twin" else variant,
                             bonds_penalty=beta, liquid_alpha=True, max_allowed_validators=4)
    var = dataclasses.replace(yuma.YUMA3, name="twin") if variant == "twin" else None
    r = yuma.epoch_batch(w, stake, bonds, params=params, variant=var, keep=keep)
    kept = (keep,) if isinstance(keep, str) else keep
    for b in range(n_items):
        want = yuma.epoch(w[b], stake[b], bonds[b], params=params, variant=var)
        for name in FIELDS:
            got = getattr(r, name)
            if name in MATRICES and name not in kept:
                assert got is None, name
                continue
            assert got[b].tobytes() == np.asarray(getattr(want, name)).tobytes(), (b, name)
    if len(kept) < len(MATRICES):
        with pytest.raises(ValueError, match="did not keep"):
            r.item(0)


def test_empty_batch_has_the_item_shapes():
    r = yuma.epoch_batch(np.zeros((0, 3, 5)), np.zeros((0, 3)))
    assert len(r) == 0 and r.variant == "yuma3"
    assert r.weights.shape == (0, 3, 5) and r.emission.shape == (0, 8)
    assert r.validator_permit.dtype == np.bool_
    r = yuma.epoch_batch(np.zeros((0, 4, 4)), np.zeros(4), params=[])
    assert r.emission.shape == (0, 4)


def test_inputs_are_not_modified_and_matrices_are_read_only():
    rng = np.random.default_rng(5)
    w, s, b = rng.random((3, 4, 4)), rng.random((3, 4)), rng.random((3, 4, 4)) * 0.5
    copies = [x.copy() for x in (w, s, b)]
    r = yuma.epoch_batch(w, s, b)
    for x, y in zip((w, s, b), copies, strict=True):
        np.testing.assert_array_equal(x, y)
    for name in ("weights", "clipped_weights", "weights_for_bonds", "ema_bonds", "bonds"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(r, name)[0, 0, 0] = 1.0
    assert np.shares_memory(r.weights_for_bonds, r.clipped_weights)  # bonds_penalty = 1


def test_item_index_is_checked():
    r = yuma.epoch_batch(np.ones((2, 2, 3)), np.ones((2, 2)))
    assert_same_bits(r.item(-1), r.item(1), "negative index")
    for bad in (2, -3, 1.0, True):
        with pytest.raises(IndexError):
            r.item(bad)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"weights": np.ones((2, 3))}, "weights must be 3-dimensional"),
        ({"weights": [["a"]]}, "weights must be an array of real numbers"),
        ({"stake": np.ones((3, 2))}, "stake must have shape"),
        ({"stake": np.ones(3)}, "stake must have shape"),
        ({"bonds": np.ones((2, 2, 4))}, "bonds must have shape"),
        ({"active": np.ones((2, 2)) * 0.5}, "active must be a boolean mask"),
        ({"listed": np.ones((3, 3), dtype=bool)}, "listed must have shape"),
        ({"last_update": np.array([1.5, 2.0])}, "last_update must hold integer block numbers"),
        ({"last_update": np.array([-1, 2])}, "last_update must be non-negative"),
        ({"last_tempo": 3}, "last_tempo needs block_at_registration"),
        ({"owner_uid": 2}, r"owner_uid must be in \[0, 2\)"),
        ({"owner_uid": [0, 1, 0]}, "owner_uid must be one value or a sequence of 2"),
        ({"stake_threshold": -1.0}, "stake_threshold must be finite"),
        ({"params": [yuma.YumaParams()]}, "sequence of 2 YumaParams"),
        ({"params": "yuma3"}, "params must be a YumaParams"),
        ({"params": [yuma.YumaParams(), yuma.YumaParams(variant="yuma2")]},
         "every item must use the same variant"),
        ({"variant": "nope"}, "variant must be"),
        ({"keep": ("weights", "trust")}, "keep: 'trust' is not one of"),
        ({"keep": 3}, "keep must be 'all' or a sequence"),
    ],
)
def test_bad_arguments_are_named(change, match):
    kw = {"weights": np.ones((2, 2, 3)), "stake": np.ones((2, 2))}
    kw.update(change)
    with pytest.raises(ValueError, match=match):
        yuma.epoch_batch(**kw)


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("weights", np.nan, "item 1: weights must be finite"),
        ("weights", -1.0, "item 1: weights must be non-negative"),
        ("stake", np.inf, "item 1: stake must be finite"),
        ("bonds", 2.0, "item 1: bonds must hold proportions in"),
        ("previous_consensus", 1.5, "item 1: previous_consensus must hold proportions"),
    ],
)
def test_a_bad_item_raises_its_epoch_error(name, value, match):
    rng = np.random.default_rng(2)
    kw = {
        "weights": rng.random((3, 4, 5)), "stake": rng.random((3, 4)),
        "bonds": rng.random((3, 4, 5)) * 0.5, "previous_consensus": rng.random((3, 5)),
    }
    kw[name][(1,) + (0,) * (kw[name].ndim - 1)] = value
    with pytest.raises(ValueError, match=match):
        yuma.epoch_batch(**kw)


def test_a_bad_item_of_a_user_variant_raises_too():
    w = np.ones((2, 2, 3))
    w[1, 0, 0] = np.nan
    twin = dataclasses.replace(yuma.YUMA3, name="twin")
    with pytest.raises(ValueError, match="weights must be finite"):
        yuma.epoch_batch(w, np.ones(2), variant=twin)


@pytest.mark.usefixtures("threads_always")
def test_thread_choice_does_not_change_bits():
    # The batch driver over threads and serially give the same bits.
    rng = np.random.default_rng(9)
    w = rng.random((8, 30, 30))
    args = {"weights": w, "stake": rng.random((8, 30)), "bonds": rng.random((8, 30, 30)) * 0.3,
            "params": yuma.YumaParams(liquid_alpha=True)}
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = yuma.epoch_batch(**args)
        numba.set_num_threads(threads)
        many = yuma.epoch_batch(**args)
    finally:
        numba.set_num_threads(threads)
    for b in range(8):
        assert_same_bits(one.item(b), many.item(b), f"item {b}")


@pytest.mark.parametrize(
    ("mode", "work", "threads", "idle", "expected"),
    [
        ("auto", 10**6, 2, 2.0, True),
        ("auto", 10, 2, 2.0, False),  # too small
        ("auto", 10**6, 1, 2.0, False),  # one thread
        ("auto", 10**6, 2, 1.0, False),  # the other CPU is busy
        ("always", 10, 2, 0.0, True),
        ("always", 10, 1, 2.0, False),
        ("never", 10**6, 2, 2.0, False),
    ],
)
def test_parallel_choice(monkeypatch, mode, work, threads, idle, expected):
    monkeypatch.setattr(_threads, "PARALLEL_MODE", mode)
    monkeypatch.setattr(_threads, "_idle_cpus", lambda: idle)
    monkeypatch.setattr(_threads.numba, "get_num_threads", lambda: threads)
    assert _threads.parallel_allowed(work, 1000) is expected


def test_idle_cpus_discount_this_process(monkeypatch):
    # Load 3 on 4 CPUs, of which this process used 2 CPUs since the last look: 3 idle.
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (3.0, 3.0, 3.0))
    monkeypatch.setattr(_threads.os, "sched_getaffinity", lambda pid: set(range(4)),
                        raising=False)
    clock = {"wall": 100.0, "cpu": 50.0}
    monkeypatch.setattr(_threads.time, "monotonic", lambda: clock["wall"])
    monkeypatch.setattr(_threads.time, "process_time", lambda: clock["cpu"])
    monkeypatch.setattr(_threads, "_OWN_CPU", {"wall": 90.0, "cpu": 30.0, "rate": 0.0})
    assert _threads._idle_cpus() == pytest.approx(3.0)
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    assert _threads._idle_cpus() < 1.5  # others keep every CPU busy


@pytest.mark.parametrize("big", [False, True])
def test_u64_blocks_equal_single_epochs(big):
    # Blocks are the chain's u64: past 2**63 the batch runs item by item, as yuma.epoch ranks.
    rng = np.random.default_rng(4)
    base = 2**64 - 100 if big else 10**12
    lu = np.array([base + k for k in (5, 1, 9, 3)], dtype=np.uint64)
    bar = np.array([base + k for k in (2, 6, 0, 8, 4)], dtype=np.uint64)
    kw = {
        "weights": rng.random((3, 4, 5)), "stake": rng.random(4),
        "bonds": rng.random((3, 4, 5)) * 0.5, "last_update": lu,
        "block_at_registration": [int(b) for b in bar], "last_tempo": int(base + 3),
        "params": yuma.YumaParams(liquid_alpha=True),
    }
    r = yuma.epoch_batch(**kw)
    for b in range(3):
        want = yuma.epoch(kw["weights"][b], kw["stake"], kw["bonds"][b], last_update=lu,
                          block_at_registration=bar, last_tempo=int(base + 3),
                          params=kw["params"])
        assert_same_bits(r.item(b), want, f"item {b}")
    assert np.count_nonzero(r.weights == 0.0) > np.count_nonzero(kw["weights"] == 0.0)


class _DirtyNumpy:
    """numpy, except that ``empty`` returns arrays full of NaN (True, -7 for bool, int).

    Patched into the modules that allocate the kernel's outputs, it shows that the kernel
    writes every entry: an entry left unwritten would come back as NaN.
    """

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def empty(shape, dtype=np.float64):
        x = np.empty(shape, dtype=dtype)
        kind = np.dtype(dtype).kind
        x.fill(np.nan if kind == "f" else (True if kind == "b" else -7))
        return x


def _dirty_outputs(mp: pytest.MonkeyPatch) -> None:
    """Every matrix output of the compiled epoch arrives dirty (NaN), square form included."""
    from yuma.core import batch, builtin_epoch

    mp.setattr(builtin_epoch, "np", _DirtyNumpy())
    mp.setattr(builtin_epoch, "dirty_outputs", lambda n_rows, n_cols: builtin_epoch.ALL_MATRICES)
    mp.setattr(batch, "np", _DirtyNumpy())


@given(batches())
def test_every_output_entry_is_written_whatever_the_memory_held(kw):
    clean_items = [yuma.epoch(**item_kwargs(kw, b)) for b in range(kw["weights"].shape[0])]
    clean_batch = yuma.epoch_batch(**kw)
    with pytest.MonkeyPatch.context() as mp:
        _dirty_outputs(mp)
        dirty_items = [yuma.epoch(**item_kwargs(kw, b)) for b in range(len(clean_items))]
        dirty_batch = yuma.epoch_batch(**kw)
    for b, (dirty, clean) in enumerate(zip(dirty_items, clean_items, strict=True)):
        assert_same_bits(dirty, clean, f"epoch {b}")
        assert_same_bits(dirty_batch.item(b), clean, f"batch item {b}")
        assert_same_bits(clean_batch.item(b), clean, f"clean batch item {b}")


@pytest.mark.parametrize("variant", BUILTIN_NAMES)
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0])
def test_large_square_epochs_write_every_entry(variant, beta):
    # The square form with rows that cannot matter (no stake, weights or bonds), rows
    # without a permit, and a size where Yuma 3's stored bonds are allocated lazily.
    rng = np.random.default_rng(21)
    n = 300
    w = np.round(rng.random((n, n)), 2)
    w[rng.random(w.shape) < 0.7] = 0.0
    stake = rng.pareto(1.5, n) * (rng.random(n) < 0.3)
    idle = (stake == 0.0) & (rng.random(n) < 0.8)
    w[idle] = 0.0
    bonds = rng.random((n, n)) * 0.5 * (stake > 0.0)[:, None]
    kw = {"weights": w, "stake": stake, "bonds": bonds,
          "params": yuma.YumaParams(variant=variant, liquid_alpha=True, bonds_penalty=beta,
                                    max_allowed_validators=64),
          "validator_permit": rng.random(n) < 0.5, "owner_uid": 5}
    clean = yuma.epoch(**kw)
    with pytest.MonkeyPatch.context() as mp:
        _dirty_outputs(mp)
        dirty = yuma.epoch(**kw)
        dirty_batch = yuma.epoch_batch(**{**kw, "weights": w[None]})
    assert_same_bits(dirty, clean, "epoch")
    assert_same_bits(dirty_batch.item(0), clean, "batch item")

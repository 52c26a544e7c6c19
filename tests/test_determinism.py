"""Bit-identical results whatever the numba thread count, and across repeated calls."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import yuma
from yuma import YumaParams

CONFIGS = {
    "yuma2": YumaParams(variant="yuma2"),
    "yuma2_liquid_alpha_v1": YumaParams(variant="yuma2_liquid_alpha_v1", liquid_alpha=True),
    "yuma3": YumaParams(variant="yuma3"),
    "yuma3_liquid_alpha": YumaParams(variant="yuma3", liquid_alpha=True),
    "yuma3_liquid_alpha_beta_half": YumaParams(
        variant="yuma3", liquid_alpha=True, bonds_penalty=0.5, kappa=0.5
    ),
}
SHAPES = {"rect_200x300": (200, 300), "square_300x300": (300, 300)}

_FIELDS = [f.name for f in dataclasses.fields(yuma.EpochResult) if f.name != "variant"]

_WORKER = textwrap.dedent(
    """
    import dataclasses
    import json
    import sys

    import numpy as np

    import yuma
    from yuma import YumaParams

    FIELDS = [f.name for f in dataclasses.fields(yuma.EpochResult) if f.name != "variant"]
    SIM_FIELDS = ("dividends", "incentive", "consensus", "emission", "validator_permit",
                  "bonds", "ema_bonds", "final_bonds")
    inputs = np.load(sys.argv[1])
    configs = {k: YumaParams(**v) for k, v in json.loads(sys.argv[3]).items()}
    out = {}
    shapes = sorted({key.split("__")[0] for key in inputs.files})
    for shape in shapes:
        kw = {k.split("__")[1]: inputs[k] for k in inputs.files if k.startswith(shape + "__")}
        for name, params in configs.items():
            r = yuma.epoch(
                kw["weights"],
                kw["stake"],
                kw["bonds"],
                params=params,
                active=kw["active"],
                validator_permit=kw["validator_permit"],
                listed=kw["listed"],
            )
            for field, value in r.to_dict().items():
                if field != "variant":
                    out[f"{shape}__{name}__{field}"] = value
            # A batch of four (over threads) and a batch of one (threads inside the item).
            stacked = np.stack([np.roll(kw["weights"], k, axis=1) for k in range(4)])
            kappas = [dataclasses.replace(params, kappa=k) for k in (0.3, 0.5, 0.6, 0.8)]
            for label, w, p in (("batch4", stacked, kappas), ("batch1", stacked[:1], params)):
                rb = yuma.epoch_batch(
                    w, kw["stake"], kw["bonds"], params=p, active=kw["active"],
                    validator_permit=kw["validator_permit"], listed=kw["listed"],
                )
                for field in FIELDS:
                    out[f"{label}__{shape}__{name}__{field}"] = getattr(rb, field)
            # A short simulation (the compiled loop): copier, resets, u16 storage.
            steps = np.stack([np.roll(kw["weights"], k, axis=1) for k in range(3)])
            n_rows, n_cols = kw["weights"].shape
            column_uid = 5 if n_rows == n_cols else n_rows + 5
            sc = yuma.Scenario(
                name="threads", weights=steps, stakes=kw["stake"], u16_bonds=True,
                events=(yuma.BondReset(1, column_uid),), copiers=(yuma.WeightCopier(uid=3),),
            )
            sim = yuma.simulate(sc, params, keep=("bonds", "ema_bonds"))
            for field in SIM_FIELDS:
                out[f"sim__{shape}__{name}__{field}"] = getattr(sim, field)
    import numba

    out["__threads"] = np.array(numba.get_num_threads())
    np.savez(sys.argv[2], **out)
    """
)


def make_inputs(n_rows: int, n_cols: int, seed: int) -> dict[str, np.ndarray]:
    """Random epoch inputs with many ties (grid weights, repeated stakes) and zeros."""
    rng = np.random.default_rng(seed)
    grid = rng.choice([0.0, 0.25, 0.5, 1.0], size=(n_rows, n_cols))
    smooth = rng.random((n_rows, n_cols))
    u16 = rng.integers(0, 65536, size=(n_rows, n_cols)).astype(np.float64)
    kind = rng.integers(0, 3, size=n_rows)[:, None]
    weights = np.where(kind == 0, grid, np.where(kind == 1, smooth, u16))
    weights[rng.random((n_rows, n_cols)) < 0.3] = 0.0
    weights[rng.choice(n_rows, size=n_rows // 20, replace=False)] = 0.0
    stake = rng.choice([0.0, 1.0, 2.0, 1000.0, 12345.678], size=n_rows)
    stake[: n_rows // 2] = rng.random(n_rows // 2) * 1e6
    bonds = rng.random((n_rows, n_cols))
    bonds[rng.random((n_rows, n_cols)) < 0.5] = 0.0
    return {
        "weights": weights,
        "stake": stake,
        "bonds": bonds,
        "active": rng.random(n_rows) < 0.9,
        "validator_permit": rng.random(n_rows) < 0.8,
        "listed": (weights > 0.0) | (rng.random((n_rows, n_cols)) < 0.1),
    }


@pytest.fixture(scope="module")
def inputs() -> dict[str, dict[str, np.ndarray]]:
    return {name: make_inputs(*shape, seed=i) for i, (name, shape) in enumerate(SHAPES.items())}


def run_in_subprocess(tmp: Path, inputs: dict, threads: int) -> dict[str, np.ndarray]:
    in_path = tmp / "inputs.npz"
    out_path = tmp / f"out_{threads}.npz"
    script = tmp / "worker.py"
    script.write_text(_WORKER)
    flat = {f"{shape}__{k}": v for shape, kw in inputs.items() for k, v in kw.items()}
    np.savez(in_path, **flat)
    configs = {name: dataclasses.asdict(p) for name, p in CONFIGS.items()}
    # YUMA_PARALLEL=always: the parallel paths run even on a busy machine.
    env = {**os.environ, "NUMBA_NUM_THREADS": str(threads), "YUMA_PARALLEL": "always"}
    proc = subprocess.run(
        [sys.executable, str(script), str(in_path), str(out_path), json.dumps(configs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    with np.load(out_path) as data:
        out = {k: data[k] for k in data.files}
    assert int(out.pop("__threads")) == threads
    return out


def in_process(inputs: dict) -> dict[str, np.ndarray]:
    out = {}
    for shape, kw in inputs.items():
        for name, params in CONFIGS.items():
            r = yuma.epoch(
                kw["weights"],
                kw["stake"],
                kw["bonds"],
                params=params,
                active=kw["active"],
                validator_permit=kw["validator_permit"],
                listed=kw["listed"],
            )
            for field in _FIELDS:
                out[f"{shape}__{name}__{field}"] = getattr(r, field)
    return out


def assert_bit_identical(a: dict, b: dict, what: str) -> None:
    assert sorted(a) == sorted(b), what
    differing = [
        k
        for k in sorted(a)
        if a[k].dtype != b[k].dtype or a[k].shape != b[k].shape or a[k].tobytes() != b[k].tobytes()
    ]
    assert not differing, f"{what}: not bit-identical: {differing}"


def test_inputs_exercise_ties_and_parallel_blocks(inputs):
    for kw in inputs.values():
        w = kw["weights"]
        assert w.shape[1] > 256  # more than one column block of the kernels
        assert len(np.unique(kw["stake"])) < len(kw["stake"])  # tied stakes
        assert np.any(w == 0.25) and np.any(w == 0.5)  # tied weights


def test_thread_count_does_not_change_any_bit(inputs, tmp_path):
    one = run_in_subprocess(tmp_path, inputs, threads=1)
    two = run_in_subprocess(tmp_path, inputs, threads=2)
    assert len(one) == (3 * len(_FIELDS) + 8) * len(SHAPES) * len(CONFIGS)
    assert_bit_identical(one, two, "NUMBA_NUM_THREADS=1 vs 2")
    single = {k: v for k, v in one.items() if not k.startswith(("batch", "sim"))}
    assert_bit_identical(single, in_process(inputs), "subprocess vs this process")
    # Item k of the batch is the epoch of its own arguments.
    for shape, kw in inputs.items():
        for name, params in CONFIGS.items():
            r = yuma.epoch(
                np.roll(kw["weights"], 2, axis=1), kw["stake"], kw["bonds"],
                params=dataclasses.replace(params, kappa=0.6), active=kw["active"],
                validator_permit=kw["validator_permit"], listed=kw["listed"],
            )
            for field in _FIELDS:
                got = two[f"batch4__{shape}__{name}__{field}"][2]
                assert got.tobytes() == np.asarray(getattr(r, field)).tobytes(), field
                assert_bit_identical(
                    {field: two[f"batch1__{shape}__{name}__{field}"][0]},
                    {field: one[f"{shape}__{name}__{field}"]}, "batch of one vs epoch",
                )


def test_repeated_calls_are_bit_identical(inputs):
    first = in_process(inputs)
    second = in_process(inputs)
    assert_bit_identical(first, second, "first vs second call")


def test_outputs_are_not_trivial(inputs):
    # The comparison above is meaningful only if the epochs do real work.
    out = in_process(inputs)
    for shape in SHAPES:
        for name in CONFIGS:
            assert np.count_nonzero(out[f"{shape}__{name}__consensus"]) > 10, (shape, name)
            assert np.count_nonzero(out[f"{shape}__{name}__dividends"]) > 10, (shape, name)

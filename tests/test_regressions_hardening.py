"""Regressions on the float side and at the boundaries: items 4, 7-11 of the hardening issue.

Each reproducer of the issue is a test here (items 1-3, 5, 6 and 12 are in
tests/test_regressions_chain.py). Expected values are worked out in this file (symmetry,
the documented messages), never taken from the code under test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import zipfile

import numpy as np
import pytest

import yuma
from yuma.analysis.sweep import SweepError, sweep
from yuma.cli.commands import main
from yuma.core import reference
from yuma.io.snapshot import load_snapshot, read_snapshot, save_snapshot
from yuma.testing import check_variant

SWAP = np.array([[0.0, 1.0], [1.0, 0.0]])


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------------------
# Item 4: subnormal liquid alpha gave NaN dividends
# --------------------------------------------------------------------------------------

SUBNORMAL = yuma.YumaParams(liquid_alpha=True, alpha_low=1e-310, alpha_high=1e-310)


def test_subnormal_liquid_alpha_gives_finite_dividends():
    r = yuma.epoch(SWAP, [1.0, 1.0], params=SUBNORMAL)
    # Two validators in exactly symmetric positions: half the dividends each.
    assert r.dividends.tolist() == [0.5, 0.5]
    assert sum(r.emission.tolist()) == 1.0
    assert r.ema_bonds[0, 1] > 0.0  # the bond is subnormal, not flushed to zero


@pytest.mark.parametrize("bonds_value", [1e-310, 5e-324])
def test_subnormal_bonds_with_a_frozen_ema_give_finite_dividends(bonds_value):
    # bonds_moving_average = 1: the EMA keeps the previous (subnormal) bonds as they are.
    p = yuma.YumaParams(bonds_moving_average=1.0)
    r = yuma.epoch(SWAP, [1.0, 3.0], np.full((2, 2), bonds_value), params=p)
    assert np.all(np.isfinite(r.dividends)) and abs(r.dividends.sum() - 1.0) < 1e-15


def test_subnormal_alpha_fused_equals_stepwise_and_reference():
    w = np.array([[0.0, 0.7, 0.3], [0.5, 0.0, 0.5], [0.2, 0.8, 0.0]])
    s, b = np.array([3.0, 2.0, 1.0]), np.full((3, 3), 1e-310)
    stepwise = dataclasses.replace(yuma.YUMA3, name="yuma3_copy")  # not a built-in: stepwise
    fused = yuma.epoch(w, s, b, params=SUBNORMAL)
    steps = yuma.epoch(w, s, b, params=SUBNORMAL, variant=stepwise)
    assert fused.dividends.tobytes() == steps.dividends.tobytes()
    ref = reference.epoch(w, s, b, params=SUBNORMAL)
    np.testing.assert_allclose(fused.dividends, ref["dividends"], rtol=1e-12, atol=0)


@pytest.mark.parametrize("n_tiny", [1, 9, 140])  # NumPy's sum: in order, 8 lanes, halves
@pytest.mark.parametrize("parallel", ["never", "always"])
def test_subnormal_bond_columns_compiled_equal_stepwise_bit_for_bit(n_tiny, parallel,
                                                                    monkeypatch):
    # Columns whose I_j / colsum_j overflows, mixed with ordinary columns: the compiled
    # epoch, its batch and the steps share one rule and its order of sums.
    from yuma.core import _threads

    monkeypatch.setattr(_threads, "PARALLEL_MODE", parallel)
    rng = np.random.default_rng(n_tiny)
    n_rows, n_cols = 12, n_tiny + 20
    w = rng.integers(0, 8, (n_rows, n_cols)).astype(np.float64)  # row sums exact in any order
    s = rng.random(n_rows) + 0.1
    b = rng.random((n_rows, n_cols))
    b[:, rng.permutation(n_cols)[:n_tiny]] *= 1e-310
    p = yuma.YumaParams(bonds_moving_average=1.0)  # the EMA keeps the subnormal bonds
    stepwise = dataclasses.replace(yuma.YUMA3, name="yuma3_copy")
    compiled = yuma.epoch(w, s, b, params=p)
    steps = yuma.epoch(w, s, b, params=p, variant=stepwise)
    assert np.all(np.isfinite(compiled.dividends)) and compiled.dividends.sum() > 0.99
    assert compiled.dividends.tobytes() == steps.dividends.tobytes()
    batch = yuma.epoch_batch(np.stack([w, w[::-1]]), s, b, params=p)
    assert batch.dividends[0].tobytes() == compiled.dividends.tobytes()
    flipped = yuma.epoch(np.ascontiguousarray(w[::-1]), s, b, params=p)
    assert batch.dividends[1].tobytes() == flipped.dividends.tobytes()
    ref = reference.epoch(w, s, b, params=p)
    np.testing.assert_allclose(compiled.dividends, ref["dividends"], rtol=1e-12, atol=0)


def test_subnormal_liquid_alpha_simulation_runs_to_the_end():
    sim = yuma.simulate(yuma.get_scenario("weight_copier"), SUBNORMAL, epochs=6)
    assert sim.dividends.shape[0] == 6 and np.all(np.isfinite(sim.dividends))


def test_liquid_alpha_v1_with_subnormal_bounds_is_finite():
    c = [0.0, 0.2, 0.5, 1.0]
    out = yuma.liquid_alpha_v1(c, 5e-324, 5e-324)
    assert out.tolist() == [5e-324] * 4  # clamped to the (equal) bounds
    np.testing.assert_array_equal(out, reference.liquid_alpha_v1(np.array(c), 5e-324, 5e-324))


# --------------------------------------------------------------------------------------
# Item 7: crashes other than a clear ValueError
# --------------------------------------------------------------------------------------


BAD_ARGUMENTS = [(arg, bad) for arg in ("weights", "stake", "bonds", "active", "listed")
                 for bad in ("x", None, [1, 2, 3], object())
                 if bad is not None or arg in ("weights", "stake")]  # None: "not given"


@pytest.mark.parametrize(("arg", "bad"), BAD_ARGUMENTS)
def test_a_bad_argument_is_a_value_error_naming_it(arg, bad):
    kwargs = {"weights": SWAP, "stake": [1.0, 2.0], arg: bad}
    with pytest.raises(ValueError, match=arg):
        yuma.epoch(**kwargs)


@pytest.mark.parametrize("call", [
    lambda: yuma.normalize(object()),
    lambda: yuma.activity_mask(None, 1, 1),
    lambda: yuma.weight_mask(None, [True]),
    lambda: yuma.bonds_reset_mask(None, 1),
    lambda: yuma.chain.register(None),
    lambda: yuma.stake_weights([1.0], stake_threshold=None),
])
def test_public_steps_name_what_is_wrong(call):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert any(n in str(info.value) for n in
               ("x", "last_update", "shape", "block_at_registration", "state",
                "stake_threshold"))


def _npz_declaring(path, shape):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights.npy", header.getvalue())
        archive.writestr("stake.npy", header.getvalue())


def test_npz_declaring_a_huge_shape_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.npz"
    _npz_declaring(path, (10**6, 10**6))
    assert path.stat().st_size < 600
    with pytest.raises(ValueError, match=r"huge\.npz.*declares shape \(1000000, 1000000\)"):
        load_snapshot(path)


def test_json_nested_100000_deep_is_a_value_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"weights": ' + "[" * 100_000 + "]" * 100_000 + ', "stake": [1]}')
    with pytest.raises(ValueError, match="nested too deeply"):
        load_snapshot(path)


def test_a_folder_is_not_reported_as_missing(tmp_path):
    folder = tmp_path / "snap.json"
    folder.mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        load_snapshot(folder)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        load_snapshot(fifo)


@pytest.mark.parametrize("suffix", [".json", ".npz", ".pt"])
def test_read_snapshot_refuses_folders_fifos_and_non_paths(tmp_path, suffix):
    folder = tmp_path / f"snap{suffix}"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"snap\.\w+: is a folder"):
        read_snapshot(folder)
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"pipe\.\w+: not a regular file"):
        read_snapshot(fifo)
    for bad in (None, 3, b"x.json"):
        with pytest.raises(ValueError, match="path must be a file path"):
            read_snapshot(bad)


def test_npz_label_members_that_lie_are_refused_before_allocating(tmp_path):
    # The size check covers every member, labels (outputs.<name>, hotkeys) included.
    path = tmp_path / "labels.npz"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**7, 10**6)})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights.npy", _npy_bytes(SWAP))
        archive.writestr("stake.npy", _npy_bytes(np.array([1.0, 2.0])))
        archive.writestr("outputs.incentive.npy", header.getvalue())
    with pytest.raises(ValueError, match=r"labels\.npz.*outputs\.incentive: declares shape"):
        read_snapshot(path)


def _npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


@pytest.mark.parametrize("hotkeys", [5, "5F3sa2TJ", {"a": 1}, [1, 2], None])
def test_hostile_hotkeys_are_a_value_error_naming_them(tmp_path, hotkeys):
    path = tmp_path / "hot.json"
    path.write_text(json.dumps({"weights": SWAP.tolist(), "stake": [1, 2],
                                "hotkeys": hotkeys}))
    if hotkeys is None:  # absent
        assert read_snapshot(path).hotkeys is None
        return
    with pytest.raises(ValueError, match=r"hot\.json: hotkeys: must be a list of strings"):
        read_snapshot(path)


def test_save_snapshot_into_a_folder_is_refused(tmp_path):
    target = tmp_path / "snap.json"
    target.mkdir()
    with pytest.raises(ValueError, match=r"snap\.json: is a folder, not a file"):
        save_snapshot(target, weights=SWAP, stake=[1.0, 2.0])
    assert list(target.iterdir()) == []


# --------------------------------------------------------------------------------------
# Item 8: the CLI's tracebacks and late failures
# --------------------------------------------------------------------------------------

GUARANTEES = ["guarantees", "--grid", "2", "--stakes", "0.6", "--uids", "8", "--validators",
              "4", "--workers", "1", "--no-progress"]


@pytest.mark.parametrize(("option", "target", "message"), [
    ("--out", "/proc/yuma.parquet", "cannot create a file in '/proc'"),
    ("--out", "DIR.parquet", "is a folder, not a file"),
    ("--plot", "/proc/yuma.png", "cannot create a file in '/proc'"),
    ("--plot", "DIR.png", "is a folder, not a file"),
])
def test_guarantees_outputs_are_checked_before_the_computation(tmp_path, option, target,
                                                               message):
    if target.startswith("DIR"):
        target = str(tmp_path / target.replace("DIR", "out"))
        os.mkdir(target)
    code, out, err = run_cli([*GUARANTEES, option, target])
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [err.strip()] and option in err and message in err


def test_simulate_plot_into_a_missing_folder_fails_before_printing(tmp_path):
    code, out, err = run_cli(["simulate", "weight_copier", "--epochs", "2", "--plot",
                              str(tmp_path / "no" / "fig.png")])
    assert code == 2 and out == "" and "--plot" in err and "does not exist" in err


def test_compare_plot_into_proc_fails_before_running():
    code, out, err = run_cli(["compare", "yuma2", "--no-invariants", "--epochs", "1",
                              "--plot", "/proc/x"])
    assert code == 2 and out == "" and err.startswith("yuma compare: error: --plot")


def test_demo_negative_seed_exits_2_with_one_line():
    code, out, err = run_cli(["demo", "--seed", "-1"])
    assert (code, out, err) == (2, "", "yuma demo: error: --seed must be >= 0, got -1\n")


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_string_stake_threshold_in_a_snapshot_exits_2(tmp_path, suffix):
    path = tmp_path / f"snap{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps({"weights": SWAP.tolist(), "stake": [1, 2],
                                    "stake_threshold": "10"}))
    else:
        np.savez(path, weights=SWAP, stake=np.array([1.0, 2.0]),
                 stake_threshold=np.array("10"))
    code, out, err = run_cli(["epoch", str(path)])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "stake_threshold: must be a number" in err


def test_epoch_refuses_a_string_stake_threshold():
    with pytest.raises(ValueError, match="stake_threshold"):
        yuma.epoch(SWAP, [1.0, 1.0], stake_threshold="10")


# --------------------------------------------------------------------------------------
# Item 9: sweeps
# --------------------------------------------------------------------------------------

CALLS: list = []


def counted(x):
    CALLS.append(x)
    return {"y": x}


def dies_at_three(x):
    if x == 3:
        os._exit(7)
    return {"y": x}


def dies_once(x, marker):
    if x == 3 and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(7)
    return {"y": 10 * x}


def test_sweep_checks_out_before_computing_any_point():
    CALLS.clear()
    with pytest.raises(ValueError, match="out: cannot create a file in '/proc'"):
        sweep(counted, {"x": [1, 2]}, n_workers=1, out="/proc/table.parquet")
    assert CALLS == []


@pytest.mark.parametrize("scheduler", ["inproc://nope", "bogus", "tcp://host:99999"])
def test_a_bogus_scheduler_is_a_value_error_naming_it(scheduler):
    with pytest.raises(ValueError, match="scheduler"):
        sweep(counted, {"x": [1]}, scheduler=scheduler)


def test_a_client_that_is_no_client_is_refused():
    with pytest.raises(ValueError, match="client must be a distributed.Client"):
        sweep(counted, {"x": [1]}, client=object())


def test_a_dead_worker_is_retried_once(tmp_path):
    marker = str(tmp_path / "died")
    table = sweep(dies_once, {"x": [0, 1, 2, 3, 4, 5], "marker": [marker]}, n_workers=2)
    assert os.path.exists(marker)  # the worker did die once
    assert table["y"].tolist() == [0, 10, 20, 30, 40, 50]


def test_a_point_that_always_kills_its_worker_is_reported_by_index():
    with pytest.raises(SweepError, match=r"worker process died .* point\(s\) \[3\]"):
        sweep(dies_at_three, {"x": [0, 1, 2, 3, 4, 5]}, n_workers=2)


# --------------------------------------------------------------------------------------
# Item 10: a variant writing into its inputs
# --------------------------------------------------------------------------------------


def _zeroes_active_stake(ema_bonds, incentive, active_stake):
    active_stake[:] = 0.0
    return yuma.YUMA3.dividends(ema_bonds, incentive, active_stake)


def _writes_weights(active_stake, weights, kappa):
    weights *= 2.0
    return yuma.YUMA3.consensus(active_stake, weights, kappa)


WRITES_ACTIVE_STAKE = dataclasses.replace(yuma.YUMA3, name="writes_active_stake",
                                          dividends=_zeroes_active_stake)
WRITES_WEIGHTS = dataclasses.replace(yuma.YUMA3, name="writes_weights",
                                     consensus=_writes_weights)


@pytest.mark.parametrize(("variant", "step"), [(WRITES_ACTIVE_STAKE, "dividends"),
                                               (WRITES_WEIGHTS, "consensus")])
def test_a_step_writing_into_its_input_is_reported(variant, step):
    with pytest.raises(ValueError, match=f"its {step} step wrote into one of its input"):
        yuma.epoch(SWAP, [1.0, 2.0], variant=variant)


def test_check_variant_fails_a_variant_that_writes_into_active_stake():
    report = check_variant(WRITES_ACTIVE_STAKE, ["emission_conserved", "determinism"],
                           max_examples=5)
    assert report.held == []
    for result in report.results:
        assert result.kind == "error:ValueError"
        assert "dividends step wrote into one of its input arrays" in result.message


def test_a_well_behaved_custom_variant_still_runs_and_matches_the_builtin():
    copy = dataclasses.replace(yuma.YUMA3, name="copy")
    w = np.array([[0.0, 0.7, 0.3], [0.5, 0.0, 0.5], [0.2, 0.8, 0.0]])
    a = yuma.epoch(w, [1.0, 2.0, 0.5], variant=copy)  # steps on read-only views
    b = yuma.epoch(w, [1.0, 2.0, 0.5])  # the fused kernels
    for f in dataclasses.fields(yuma.EpochResult):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.tobytes() == y.tobytes(), f.name


# --------------------------------------------------------------------------------------
# Item 11: silently accepted input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "arg", "what"), [
    ({"weights": [["0", "0.5"], ["0.5", "0"]]}, "weights", "strings"),
    ({"weights": SWAP + 1j}, "weights", "complex"),
    ({"stake": np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]")}, "stake",
     "datetimes"),
    ({"stake": np.array([1, 2], dtype="timedelta64[D]")}, "stake", "time deltas"),
    ({"stake": ["1", "2"]}, "stake", "strings"),
    ({"stake": [1 + 0j, 2]}, "stake", "complex"),
    ({"bonds": np.zeros((2, 2), dtype=complex)}, "bonds", "complex"),
])
def test_strings_complex_numbers_and_datetimes_are_refused(kwargs, arg, what):
    args = {"weights": SWAP, "stake": [1.0, 2.0], **kwargs}
    with pytest.raises(ValueError, match=f"{arg} must hold real numbers, got {what}"):
        yuma.epoch(**args)


def test_timedelta_scalars_are_not_integers():
    with pytest.raises(ValueError, match="owner_uid"):
        yuma.epoch(SWAP, [1.0, 2.0], owner_uid=np.timedelta64(1, "D"))
    with pytest.raises(ValueError, match="last_tempo"):
        yuma.epoch(SWAP, [1.0, 2.0], block_at_registration=[0, 0],
                   last_tempo=np.timedelta64(1, "D"))

"""The side-by-side benchmark table (``benchmarks.table``) without the torch simulator.

Nothing here is timed: these check that the table's inputs compute the epoch the
simulator computes, and that the table runs, and falls back, without torch.
"""

from __future__ import annotations

import ast
import sys

import numba
import numpy as np
import pytest

import yuma
from benchmarks import table


@pytest.mark.parametrize("shape", [(1, 1), (8, 16), (16, 16), (33, 100), (40, 7)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_torch_case_consensus_is_the_coalition_row(shape, seed):
    # The simulator renormalizes the consensus to sum 1 before clipping; on these inputs
    # our (unnormalized) consensus already is a normalized weight row, so that is a no-op.
    w, stake, bonds = table.make_torch_case(*shape, seed=seed)
    n_validators, n_miners = shape
    assert w.shape == bonds.shape == shape and stake.shape == (n_validators,)
    assert np.all(w == np.floor(w)) and w.max() <= 65535.0
    assert np.all((bonds >= 0.0) & (bonds < 1.0))
    top = int(np.argmax(stake))
    coalition = np.flatnonzero(np.all(w == w[top], axis=1))
    assert stake[coalition].sum() / stake.sum() > table.KAPPA_COALITION
    if n_validators == n_miners:
        assert np.all(np.diag(w) == 0.0) and np.all(np.diag(bonds) == 0.0)
    result = yuma.epoch(w, stake, bonds, params=table.torch_params())
    row_sum = w[top].sum()
    expected = w[top] / row_sum if row_sum > 0 else np.zeros(n_miners)
    np.testing.assert_allclose(result.consensus, expected, rtol=1e-12, atol=1e-15)


def test_comparison_without_torch_times_our_side_only():
    threads = numba.get_num_threads()
    rows, sim_row, answer = table.run_torch_comparison(
        ["4x6", "5x5"], repeats=1, torch_python=None, sim_epochs=2, sim_shape="3x4"
    )
    assert answer is None
    assert numba.get_num_threads() == threads  # one thread only while timing
    assert [r["V x n"] for r in rows] == ["4x6", "5x5"]
    for r in rows:
        assert r["yuma_ms"] > 0.0 and r["yuma/floor"] > 0.0
        assert not any(k.startswith("torch") or k.startswith("max") for k in r)
    assert sim_row["epochs"] == 2 and sim_row["yuma_s"] > 0.0 and "torch_s" not in sim_row
    assert sim_row["fold_s"] > 0.0 and sim_row["fold/(epochs*floor)"] > 0.0
    text = table.format_rows(rows)
    assert text.splitlines()[0].startswith("| V x n | floor_ms | yuma_ms |")


def test_broken_torch_python_prints_the_table_as_before(capsys):
    # This interpreter has no torch simulator: the runner fails and only the usual table
    # is printed, with a note on stderr.
    table.main([
        "--sizes", "16", "--shapes", "chain-like", "--repeats", "1",
        "--torch-python", sys.executable, "--torch-shapes", "2x3", "--sim-epochs", "1",
        "--batch-shapes", "3x4", "--batch", "3",
    ])
    out, err = capsys.readouterr()
    assert "torch simulator not run" in err
    assert "| shape | V | n | floor_ms |" in out
    assert "torch" not in out and "| V x n | floor_ms | yuma_ms |" not in out
    assert "| V x n | epochs | yuma_s | fold_s | fold/yuma |" in out  # the simulation row


def test_python_fold_of_the_table_is_simulate():
    w, stake, bonds = table.make_torch_case(4, 6)
    scenario = table._steady_scenario(w, stake, 3)
    record, final = table.python_fold(scenario, table.torch_params(), bonds)()
    sim = yuma.simulate(scenario, table.torch_params(), bonds=bonds)
    assert np.array_equal(record.cols["incentive"], sim.incentive)
    assert np.array_equal(final.bonds, sim.final_bonds)


def test_batch_table_times_epochs_alone_and_in_batches():
    threads = numba.get_num_threads()
    rows = table.run_batch_table(["3x4", "2x2"], batch=4, repeats=1)
    assert numba.get_num_threads() == threads
    assert [(r["V x n"], r["B"]) for r in rows] == [("3x4", 4), ("2x2", 4)]
    for r in rows:
        assert r["epoch/floor"] > 0.0 and r["batch/floor"] > 0.0 and r["epoch/batch"] > 0.0
        assert r["vectors/floor"] > 0.0


@pytest.mark.parametrize("bad", ["64", "0x5", "ax3", "3x-1"])
def test_bad_torch_shape_is_refused(bad):
    with pytest.raises(SystemExit):
        table.main(["--torch-shapes", bad, "--torch-python", sys.executable, "--torch-only"])


def test_torch_runner_imports_neither_yuma_nor_this_repository():
    # It runs in the simulator's environment, where yuma is not installed.
    tree = ast.parse(table.TORCH_RUNNER.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            roots.add(node.module.split(".")[0])
    assert roots <= {"__future__", "json", "sys", "time", "numpy", "torch", "yuma_simulation"}
    assert "yuma_simulation" in roots


def test_sparse_case_is_the_chain_like_shape_as_csr():
    from benchmarks.suite.common import SPARSE_DENSITY, make_sparse_case

    w, stake, bonds, staked = make_sparse_case(512, seed=1)
    assert w.shape == bonds.shape == (512, 512) and staked.shape == (256, 512)
    assert abs(w.nnz / 512**2 - SPARSE_DENSITY) < 0.005
    assert np.all(np.diff(w.indptr)[256:] == 0)  # miners set no weights
    np.testing.assert_array_equal(w.toarray()[:256], staked)
    assert np.all(stake[:256] > 0) and np.all(stake[256:] == 0)
    # The CSR epoch and the dense one (the structure listed) agree.
    r = yuma.epoch(w, stake, bonds)
    d = yuma.epoch(w.toarray(), stake, bonds.toarray(), listed=table_structure(w))
    np.testing.assert_array_equal(r.dividends, d.dividends)


def table_structure(w):
    mask = np.zeros(w.shape, dtype=bool)
    rows = np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))
    mask[rows, w.indices] = True
    return mask


def test_sparse_table_runs(capsys):
    rows = table.run_sparse_table([64], repeats=1)
    assert rows[0]["n"] == 64 and rows[0]["nnz"] > 0
    assert all(rows[0][f"{name}/floor"] > 0 for name in ("yuma2", "yuma3", "yuma3+la"))
    assert rows[0]["dense/csr"] > 0
    table.main(["--sparse-only", "--sparse-sizes", "64", "--repeats", "1"])
    out = capsys.readouterr().out
    assert "CSR weights and bonds" in out and "| 64 |" in out


def test_epoch_profile_runs_every_step(capsys):
    from benchmarks import profile_epoch

    profile_epoch.main(["--shapes", "8x16", "--repeats", "1", "--batch-shape", "8x16",
                        "--batch", "3"])
    out = capsys.readouterr().out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ")]
    names = [r[0].lstrip("| ").strip() for r in rows]
    for step in ("yuma.epoch", "3. consensus (weighted median)", "6. dividends (row dot)",
                 "epoch_batch keep=()"):
        assert step in names, step
    ratios = [float(r[2]) for r in rows if r[2].strip() not in ("/floor", "---")]
    assert ratios and all(x > 0 for x in ratios)

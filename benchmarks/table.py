"""Print same-run timing ratios: ``python -m benchmarks.table [--sizes ...] [--reference]``.

Every figure comes from this one run on this machine: medians over repetitions, reported as
ratios to a baseline measured in the same run (machines are shared and noisy).

* ``floor_ms``: one ``np.sum`` pass over the staked rows (``V x n``), the memory floor;
* ``median/floor``, ``<variant>/floor``: the weighted median and one epoch, over the floor;
* ``<variant> numba/ref`` (with ``--reference``): the fast path over :mod:`yuma.reference`;
* ``peak/W``: peak memory allocated during one epoch (numpy, via ``tracemalloc``) over the
  size of the input weight matrix;
* ``growth``: time(n) / time(n/2) of the yuma3+la epoch, for consecutive sizes;

then small epochs (default 8 x 16 and 64 x 256) alone and in :func:`yuma.epoch_batch`,
per epoch over one pass over W (see :func:`run_batch_table`); then the chain-like shape as
the chain stores it, CSR weights and bonds about 3 % dense (default 4096 UIDs, 256
validators), against the same floor, one ``np.sum`` pass over the validators' dense rows
(see :func:`run_sparse_table`; ``--sparse-only`` prints this table alone).

With ``--torch-python PATH`` (or ``YUMA_TORCH_PYTHON``), the interpreter of a separate
environment where the torch simulator ``yuma_simulation`` (bactensor/yuma-simulation) is
installed, a second table sets us beside it, both on one thread, on the same arrays
(written to a temporary ``.npz`` and timed by ``benchmarks/torch_sim.py`` in that
interpreter): per ``validators x miners`` shape, one Yuma 3 epoch with liquid alpha in
steady state (previous bonds given),

* ``torch_ms``, ``yuma_ms``: median time of the simulator's ``Yuma3`` and of
  :func:`yuma.epoch` (numba on one thread);
* ``torch/yuma``: how many times longer the simulator takes;
* ``yuma/floor``, ``torch/floor``: each over one ``np.sum`` pass over the weights;
* ``max|dI|``, ``max|dD|``: the largest difference of incentive and dividends between the
  two, which shows that both computed the same epoch (see :func:`make_torch_case`). The
  simulator rounds the consensus down to a multiple of 1/65535 before clipping, so
  incentives differ by up to about 2e-5; it divides dividends by ``sum + 1e-6``, so they
  sum to ``1 / (1 + 1e-6 / sum)`` (about ``1 - 1e-6 V``): its dividends are divided by
  their sum before the comparison;

then a multi-epoch simulation (default 1000 epochs at 64 x 256; printed without the
simulator too, its columns aside): :func:`yuma.simulate` (``yuma_s``, the compiled loop)
beside its Python fold (``fold_s``: one :func:`yuma.epoch`
call per epoch, the reference the compiled loop replaces) and a plain Python loop over the
simulator's epoch that carries the bonds (``torch_s``); ``*/(epochs*floor)`` is the time
of one epoch over one ``np.sum`` pass over the weights.

Compile time is excluded: every function is called once before it is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from functools import partial
from pathlib import Path

import numba
import numpy as np

import yuma
from yuma.core import reference

from .suite.common import SHAPES, SPARSE_DENSITY, VARIANTS, make_case, make_sparse_case


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up: compile and caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def peak_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run(sizes, repeats: int, with_reference: bool, shapes=tuple(SHAPES)) -> list[dict]:
    rows = []
    for shape in shapes:
        previous = None
        for n in sizes:
            w, stake, bonds, staked = make_case(shape, n)
            floor = median_time(partial(np.sum, w[:staked]), max(repeats, 5))
            t_med = median_time(partial(yuma.weighted_median_col, stake, w, 0.5), repeats)
            row = {
                "shape": shape,
                "V": staked,
                "n": n,
                "floor_ms": floor * 1e3,
                "median/floor": t_med / floor,
            }
            if with_reference:
                t_ref = median_time(partial(reference.weighted_median_col, stake, w, 0.5), 1)
                row["median numba/ref"] = t_med / t_ref
            for name, params in VARIANTS.items():
                call = partial(yuma.epoch, w, stake, bonds, params=params)
                t_ep = median_time(call, repeats)
                row[f"{name}/floor"] = t_ep / floor
                if with_reference:
                    t_ref = median_time(
                        partial(reference.epoch, w, stake, bonds, params=params), 1
                    )
                    row[f"{name} numba/ref"] = t_ep / t_ref
            row["peak/W"] = peak_bytes(call) / w.nbytes
            if previous is not None and n == 2 * previous[0]:
                row["growth"] = t_ep / previous[1]
            previous = (n, t_ep)
            rows.append(row)
    return rows


def format_rows(rows: list[dict]) -> str:
    keys = list(rows[0])
    for r in rows[1:]:
        keys += [k for k in r if k not in keys]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        cells = []
        for k in keys:
            v = r.get(k, "")
            cells.append(f"{v:.3g}" if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


TORCH_SHAPES = ["8x16", "64x256", "64x1024", "256x1024", "256x4096", "1024x4096", "4096x4096"]
QUICK_TORCH_SHAPES = ["8x16", "64x256", "256x1024"]
SIM_SHAPE = "64x256"
SIM_EPOCHS = 1000
TORCH_RUNNER = Path(__file__).with_name("torch_sim.py")
KAPPA_COALITION = 0.6
"""Stake share of the validators that set one common weight row in :func:`make_torch_case`."""


def torch_params() -> yuma.YumaParams:
    """Hyperparameters under which :func:`yuma.epoch` computes the simulator's ``Yuma3``.

    Kappa 1/2; bonds penalty 0 (the simulator buys Yuma 3 bonds with the raw weights);
    liquid alpha on, reading the current consensus (the simulator's default mode) with the
    chain's default range (0.7, 0.9) and slope 10; every validator permitted (the
    simulator has no permits).
    """
    return yuma.YumaParams(
        kappa=0.5,
        bonds_penalty=0.0,
        liquid_alpha=True,
        alpha_low=0.7,
        alpha_high=0.9,
        alpha_sigmoid_steepness=10.0,
        variant="yuma3",
        max_allowed_validators=65535,
        liquid_alpha_consensus_mode="current",
    )


def parse_shape(text: str) -> tuple[int, int]:
    """``"64x256"`` -> ``(64, 256)`` (validators, miners)."""
    try:
        v, n = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"shape must look like 64x256, got {text!r}") from None
    if v < 1 or n < 1:
        raise argparse.ArgumentTypeError(f"shape must be positive, got {text!r}")
    return v, n


def make_torch_case(n_validators: int, n_miners: int, seed: int = 0):
    """Return ``(weights, stake, bonds)``: one steady-state epoch, validators x miners.

    Weights are u16-scale integers (the chain's storage) with about 20 % zeros, stake is
    heavy-tailed (Pareto), previous bonds are proportions in [0, 1). The validators
    holding the top ``KAPPA_COALITION`` of the stake set one common weight row, so the
    consensus is that row, which sums to 1: the simulator's renormalization of the
    consensus to sum 1 then changes nothing and both sides compute the same epoch.

    When ``n_validators == n_miners``, :func:`yuma.epoch` reads the matrix in the chain's
    square form and masks self-weights (and drops self-bonds), so the diagonal of the
    weights and of the bonds is left at 0 (and the common row is 0 on the coalition's own
    columns): both forms then give the same epoch.
    """
    rng = np.random.default_rng(seed)
    weights = np.floor(rng.random((n_validators, n_miners)) * 65536.0)
    weights[rng.random(weights.shape) < 0.2] = 0.0
    stake = rng.pareto(1.5, n_validators) + 1e-3
    by_stake = np.argsort(-stake, kind="stable")
    share = np.cumsum(stake[by_stake]) / stake.sum()
    coalition = by_stake[: int(np.searchsorted(share, KAPPA_COALITION)) + 1]
    common = weights[coalition[0]].copy()
    square = n_validators == n_miners
    if square:
        common[coalition] = 0.0
    weights[coalition] = common
    if square:
        np.fill_diagonal(weights, 0.0)
    bonds = rng.random((n_validators, n_miners))
    if square:
        np.fill_diagonal(bonds, 0.0)  # the square form drops a bond to oneself
    return weights, stake, bonds


def run_torch_runner(torch_python: str, cases: list[tuple], sim_epochs: list[int],
                     repeats: int, params: yuma.YumaParams) -> dict:
    """Time ``cases`` with the simulator in ``torch_python``; return its JSON answer.

    Raises
    ------
    RuntimeError
        If the runner fails (the message holds the tail of its stderr).
    """
    with tempfile.TemporaryDirectory(prefix="yuma-torch-") as tmp:
        in_path, out_path = Path(tmp, "in.npz"), Path(tmp, "out.json")
        arrays = {
            "n_cases": len(cases),
            "repeats": repeats,
            "kappa": params.kappa,
            "alpha_low": params.alpha_low,
            "alpha_high": params.alpha_high,
            "alpha_sigmoid_steepness": params.alpha_sigmoid_steepness,
            "bond_moving_avg": params.bonds_moving_average,
        }
        for k, ((w, stake, bonds), epochs) in enumerate(zip(cases, sim_epochs, strict=True)):
            arrays.update({f"weights_{k}": w, f"stake_{k}": stake, f"bonds_{k}": bonds,
                           f"epochs_{k}": epochs})
        np.savez(in_path, **arrays)
        one_thread = {k: "1" for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                       "OPENBLAS_NUM_THREADS")}
        proc = subprocess.run(
            [torch_python, str(TORCH_RUNNER), str(in_path), str(out_path)],
            capture_output=True, text=True, cwd=tmp, env={**os.environ, **one_thread},
        )
        if proc.returncode != 0 or not out_path.exists():
            raise RuntimeError(proc.stderr.strip()[-2000:] or f"exit status {proc.returncode}")
        return json.loads(out_path.read_text())


def run_torch_comparison(shapes, repeats: int, torch_python: str | None = None,
                         sim_epochs: int = SIM_EPOCHS, sim_shape: str = SIM_SHAPE):
    """Rows of the side-by-side table and the simulation row (see the module docstring).

    Without ``torch_python`` only our side is timed (no torch columns).

    Raises
    ------
    RuntimeError
        If ``torch_python`` is given and its runner fails.
    """
    params = torch_params()
    cases = [make_torch_case(*parse_shape(s)) for s in shapes]
    sim_case = make_torch_case(*parse_shape(sim_shape))
    loop_repeats = max(1, min(repeats, 3))
    answer = None
    if torch_python is not None:
        # The simulator first, so a broken environment fails before anything is timed.
        answer = run_torch_runner(
            torch_python, [*cases, sim_case], [0] * len(cases) + [sim_epochs], repeats, params
        )
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        rows = []
        for k, (shape, (w, stake, bonds)) in enumerate(zip(shapes, cases, strict=True)):
            floor = median_time(partial(np.sum, w), max(repeats, 5))
            call = partial(yuma.epoch, w, stake, bonds, params=params)
            t_ep = median_time(call, repeats)
            row = {"V x n": shape, "floor_ms": floor * 1e3, "yuma_ms": t_ep * 1e3}
            if answer is not None:
                theirs = answer["cases"][k]
                ours = call()
                row["torch_ms"] = theirs["epoch_s"] * 1e3
                row["torch/yuma"] = theirs["epoch_s"] / t_ep
                row["torch/floor"] = theirs["epoch_s"] / floor
                row["max|dI|"] = _max_abs_diff(ours.incentive, theirs["incentive"])
                row["max|dD|"] = _max_abs_diff(ours.dividends, _renormalized(theirs["dividends"]))
            row["yuma/floor"] = t_ep / floor
            rows.append(row)

        sim_row = simulation_row(sim_case, sim_shape, sim_epochs, loop_repeats, params)
        if answer is not None:
            theirs = answer["cases"][-1]
            w, stake, bonds = sim_case
            sim = yuma.simulate(_steady_scenario(w, stake, sim_epochs), params, bonds=bonds)
            sim_row["torch_s"] = theirs["loop_s"]
            sim_row["torch/yuma"] = theirs["loop_s"] / sim_row["yuma_s"]
            sim_row["max|dI| last"] = _max_abs_diff(sim.incentive[-1], theirs["loop_incentive"])
            sim_row["max|dD| last"] = _max_abs_diff(
                sim.dividends[-1], _renormalized(theirs["loop_dividends"])
            )
    finally:
        numba.set_num_threads(threads)
    return rows, sim_row, answer


def _steady_scenario(w, stake, epochs: int) -> yuma.Scenario:
    return yuma.Scenario(name="torch-compare", weights=np.broadcast_to(w, (epochs, *w.shape)),
                         stakes=stake)


def simulation_row(case, shape: str, epochs: int, repeats: int, params) -> dict:
    """One simulation of ``epochs`` steady epochs: compiled loop, Python fold, floor.

    ``yuma_s`` is :func:`yuma.simulate` (the compiled loop), ``fold_s`` its Python fold
    (one :func:`yuma.epoch` per epoch); ``*/(epochs*floor)`` is one epoch over one
    ``np.sum`` pass over the weights. Call on one numba thread for the table's figures.
    """
    w, stake, bonds = case
    floor = median_time(partial(np.sum, w), max(repeats, 5) * 10)
    scenario = _steady_scenario(w, stake, epochs)
    t_sim = median_time(partial(yuma.simulate, scenario, params, bonds=bonds), repeats)
    t_fold = median_time(python_fold(scenario, params, bonds), repeats)
    return {
        "V x n": shape, "epochs": epochs, "yuma_s": t_sim, "fold_s": t_fold,
        "fold/yuma": t_fold / t_sim, "yuma/(epochs*floor)": t_sim / (epochs * floor),
        "fold/(epochs*floor)": t_fold / (epochs * floor),
    }


def python_fold(scenario: yuma.Scenario, params: yuma.YumaParams, bonds: np.ndarray):
    """A call of the Python fold of :func:`yuma.simulate` (one :func:`yuma.epoch` per
    epoch), the reference that the compiled loop replaces."""
    from yuma.sim import simulation

    run = simulation._check_run(scenario, params, None, None, None, (), "float", False)
    schedules = simulation._Schedules.of(scenario)

    def fold():
        start = simulation._initial_state(scenario, bonds, None, None)
        return simulation._python_fold(scenario, run, schedules, start)

    return fold


BATCH_SHAPES = ["8x16", "64x256"]
BATCH_SIZE = 256


def run_batch_table(shapes, batch: int, repeats: int) -> list[dict]:
    """Small epochs one by one and in batches: time per epoch over one pass over W.

    Per ``validators x miners`` shape, Yuma 3 with liquid alpha in steady state (the
    arrays of :func:`make_torch_case`, one seed per item):

    * ``epoch/floor``: one :func:`yuma.epoch` call (one thread);
    * ``batch/floor``: :func:`yuma.epoch_batch` over ``batch`` items, divided by the
      items (one thread), and ``batch/floor Nt`` the same on all N threads;
    * ``vectors/floor``: the same batch with ``keep=()`` (no matrix kept; one thread);
    * ``epoch/batch``: how many times longer an epoch takes alone than in the batch.
    """
    params = torch_params()
    threads = numba.get_num_threads()
    rows = []
    for shape in shapes:
        cases = [make_torch_case(*parse_shape(shape), seed=k) for k in range(batch)]
        w, stake, bonds = (np.stack(x) for x in zip(*cases, strict=True))
        floor = median_time(partial(np.sum, w[0]), max(repeats, 5) * 10)
        call_batch = partial(yuma.epoch_batch, w, stake, bonds, params=params)
        call_vectors = partial(call_batch, keep=())
        numba.set_num_threads(1)
        try:
            t_one = median_time(partial(yuma.epoch, w[0], stake[0], bonds[0], params=params),
                                max(repeats, 5) * 10)
            t_batch = median_time(call_batch, repeats) / batch
            t_vectors = median_time(call_vectors, repeats) / batch
        finally:
            numba.set_num_threads(threads)
        row = {"V x n": shape, "B": batch, "floor_ms": floor * 1e3,
               "epoch/floor": t_one / floor, "batch/floor": t_batch / floor,
               "vectors/floor": t_vectors / floor}
        if threads > 1:
            row[f"batch/floor {threads}t"] = median_time(call_batch, repeats) / batch / floor
        row["epoch/batch"] = t_one / t_batch
        rows.append(row)
    return rows


def run_sparse_table(sizes, repeats: int, dense_max: int = 4096) -> list[dict]:
    """Rows of the CSR table: one epoch per variant on sparse weights and bonds.

    Per size ``n`` (chain-like, ``V = min(256, n)`` validators, about
    :data:`benchmarks.suite.common.SPARSE_DENSITY` of the ``n x n`` entries stored):

    * ``floor_ms``: one ``np.sum`` pass over the validators' dense rows (``V x n``);
    * ``<variant>/floor``: one :func:`yuma.epoch` on the CSR matrices over the floor;
    * ``dense/csr``: the default variant on the same data as dense arrays (with
      ``listed`` = the structure, the same results) over the CSR epoch, up to
      ``dense_max`` UIDs.
    """
    rows = []
    for n in sizes:
        w, stake, bonds, staked = make_sparse_case(n)
        floor = median_time(partial(np.sum, staked), max(repeats, 5) * 10)
        row = {"n": n, "V": staked.shape[0], "nnz": w.nnz, "density": w.nnz / (n * n),
               "floor_ms": floor * 1e3}
        times = {}
        for name, params in VARIANTS.items():
            times[name] = median_time(partial(yuma.epoch, w, stake, bonds, params=params),
                                      repeats)
            row[f"{name}/floor"] = times[name] / floor
        if n <= dense_max:
            listed = np.zeros(w.shape, dtype=bool)  # the stored entries, explicit zeros too
            listed[np.repeat(np.arange(n), np.diff(w.indptr)), w.indices] = True
            dense = partial(yuma.epoch, w.toarray(), stake, bonds.toarray(), listed=listed)
            row["dense/csr"] = median_time(dense, repeats) / times["yuma3"]
        rows.append(row)
    return rows


def _renormalized(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    total = values.sum()
    return values / total if total > 0 else values


def _max_abs_diff(ours, theirs) -> float:
    return float(np.max(np.abs(np.asarray(ours) - np.asarray(theirs)), initial=0.0))


def _print_sparse(sizes, repeats: int) -> None:
    print(f"\nCSR weights and bonds (chain-like, about {SPARSE_DENSITY:.0%} of n x n stored; "
          "over one np.sum pass over the validators' dense rows):")
    print(format_rows(run_sparse_table(sizes, repeats)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="UIDs per case (default 256 1024 4096 8192; --quick: 256 1024)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference", action="store_true", help="also time yuma.reference")
    parser.add_argument("--shapes", nargs="+", default=SHAPES, choices=SHAPES)
    parser.add_argument(
        "--torch-python", default=os.environ.get("YUMA_TORCH_PYTHON") or None,
        help="python of an environment with the torch simulator yuma_simulation: adds the "
             "side-by-side table (default: $YUMA_TORCH_PYTHON)",
    )
    parser.add_argument("--torch-shapes", nargs="+", default=None, type=str,
                        help=f"validators x miners shapes (default {' '.join(TORCH_SHAPES)})")
    parser.add_argument("--sim-epochs", type=int, default=None,
                        help=f"epochs of the simulation row (default {SIM_EPOCHS}; --quick: 100)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and shapes only, for a first look")
    parser.add_argument("--torch-only", action="store_true",
                        help="print only the side-by-side table")
    parser.add_argument("--batch-shapes", nargs="*", default=BATCH_SHAPES, type=str,
                        help="validators x miners shapes of the batch table (none: skip it)")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE,
                        help=f"epochs per yuma.epoch_batch call (default {BATCH_SIZE})")
    parser.add_argument("--sparse-sizes", type=int, nargs="*", default=None,
                        help="UIDs of the CSR table's cases (default 4096; --quick: 1024; "
                             "none: skip it)")
    parser.add_argument("--sparse-only", action="store_true",
                        help="print only the CSR table")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([256, 1024] if args.quick else [256, 1024, 4096, 8192])
    torch_shapes = args.torch_shapes or (QUICK_TORCH_SHAPES if args.quick else TORCH_SHAPES)
    for s in [*torch_shapes, *args.batch_shapes]:
        try:
            parse_shape(s)
        except argparse.ArgumentTypeError as exc:
            parser.error(str(exc))
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    sim_epochs = args.sim_epochs or (100 if args.quick else SIM_EPOCHS)
    sparse_sizes = (args.sparse_sizes if args.sparse_sizes is not None
                    else [1024] if args.quick else [4096])
    if any(n < 1 for n in sparse_sizes):
        parser.error("--sparse-sizes must be positive")
    if args.sparse_only:
        print(
            f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
            f"python {platform.python_version()}, numpy {np.__version__}, "
            f"numba threads {numba.get_num_threads()}"
        )
        _print_sparse(sparse_sizes, args.repeats)
        return
    if args.torch_only and args.torch_python is None:
        parser.error("--torch-only needs --torch-python (or YUMA_TORCH_PYTHON)")

    comparison = None
    if args.torch_python is not None:
        try:
            comparison = run_torch_comparison(
                torch_shapes, args.repeats, args.torch_python, sim_epochs
            )
        except (OSError, RuntimeError, KeyError, ValueError) as exc:
            print(f"torch simulator not run ({args.torch_python}): {exc}", file=sys.stderr)
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"numba threads {numba.get_num_threads()}"
    )
    if not args.torch_only:
        rows = run(sizes, args.repeats, args.reference, tuple(args.shapes))
        print(format_rows(rows))
        if args.batch_shapes:
            print("\nsmall epochs alone and in yuma.epoch_batch (Yuma 3 + liquid alpha, "
                  "steady state; per epoch, over one pass over W):")
            print(format_rows(run_batch_table(args.batch_shapes, args.batch, args.repeats)))
        if sparse_sizes:
            _print_sparse(sparse_sizes, args.repeats)
    if comparison is None and not args.torch_only and sim_epochs > 0:
        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            sim_row = simulation_row(make_torch_case(*parse_shape(SIM_SHAPE)), SIM_SHAPE,
                                     sim_epochs, max(1, min(args.repeats, 3)), torch_params())
        finally:
            numba.set_num_threads(threads)
        print(f"\nsimulation of {sim_epochs} steady epochs (Yuma 3 + liquid alpha, one "
              "thread): yuma.simulate (compiled loop) beside its Python fold")
        print(format_rows([sim_row]))
    if comparison is not None:
        rows, sim_row, answer = comparison
        print(
            f"\nyuma.epoch beside the torch simulator (torch {answer['torch']}, "
            f"{answer['threads']} thread; numba 1 thread): Yuma 3 + liquid alpha, "
            "steady state, float64"
        )
        print(format_rows(rows))
        print("\nsimulation: yuma.simulate (compiled loop) beside its Python fold and a "
              "Python loop over the simulator's epoch")
        print(format_rows([sim_row]))


if __name__ == "__main__":
    main()

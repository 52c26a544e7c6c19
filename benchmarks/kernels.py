"""Same-run ratios for the hot kernels: ``python -m benchmarks.kernels [--against REF]``.

For each shape ``V x n`` (V staked validators weighting n columns; weights rounded to 3
decimals with about 20 % zeros, Pareto stake, bonds in [0, 0.2]), every time is the median
over repetitions, divided by one ``np.sum`` pass over W measured in the same process:

* ``median/floor``: the weighted median alone (``steps._weighted_median_col``, the call the
  epoch makes: no input checks);
* ``public/floor``: ``yuma.weighted_median_col`` (checks and copies its input);
* ``ema/floor``: the liquid-alpha bond EMA alone (``steps._liquid_alpha_ema``: the
  sigmoid's ``exp`` and the EMA per bond, as the fused pass runs them);
* ``yuma3+la/floor``: one epoch of ``YumaParams(variant="yuma3", liquid_alpha=True)``.

``--against REF`` also runs the same measurements on the git revision REF of this
repository (exported to a temporary folder and imported from there in a subprocess), in
alternation with the working tree, and prints both with their ratio ``REF / this``. Each
figure is the smallest over ``--rounds`` alternations (machines are shared and noisy).
Compile time is excluded: every call is made once before it is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SHAPES = ((8, 16), (64, 256), (256, 4096), (4096, 4096))
_ROOT = Path(__file__).resolve().parent.parent


def make_case(n_rows: int, n_cols: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    w = np.round(rng.random((n_rows, n_cols)), 3)
    w[w < 0.2] = 0.0
    stake = rng.pareto(1.5, n_rows) + 1e-3
    bonds = rng.random((n_rows, n_cols)) * 0.2
    return w, stake, bonds


def median_time(fn, budget_s: float = 0.5, max_repeats: int = 200) -> float:
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_repeats and (len(times) < 3 or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def measure(shapes) -> dict:
    """Ratios for each shape, from the ``yuma`` that is importable here."""
    import yuma
    from yuma.core import steps

    params = yuma.YumaParams(variant="yuma3", liquid_alpha=True)
    out = {}
    for n_rows, n_cols in shapes:
        w, stake, bonds = make_case(n_rows, n_cols)
        floor = median_time(lambda w=w: np.sum(w))
        cons = np.empty(n_cols)
        row = {"floor_ms": floor * 1e3}
        row["median"] = median_time(
            lambda s=stake, w=w, c=cons: steps._weighted_median_col(s, w, 0.5, c)) / floor
        row["public"] = median_time(
            lambda s=stake, w=w: yuma.weighted_median_col(s, w, 0.5)) / floor
        steps._weighted_median_col(stake, w, 0.5, cons)
        row["ema"] = median_time(
            lambda w=w, b=bonds, c=cons: steps._liquid_alpha_ema(b, w, c, 0.1, 0.3, 10.0, None)
        ) / floor
        row["yuma3+la"] = median_time(
            lambda s=stake, w=w, b=bonds: yuma.epoch(w, s, b, params=params)) / floor
        out[f"{n_rows}x{n_cols}"] = row
    return out


def _run_child(pythonpath: Path, shapes) -> dict:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(shapes)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _export(ref: str, dest: Path) -> None:
    archive = subprocess.run(["git", "-C", str(_ROOT), "archive", ref, "yuma"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def _best(runs: list[dict]) -> dict:
    best = {}
    for run in runs:
        for shape, row in run.items():
            cur = best.setdefault(shape, dict(row))
            for key, value in row.items():
                cur[key] = min(cur[key], value)
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REF", help="also measure this git revision")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure([tuple(s) for s in json.loads(args.child)])))
        return
    shapes = [list(s) for s in SHAPES]
    import numba

    print(f"numpy {np.__version__}, numba {numba.__version__}, "
          f"threads {numba.get_num_threads()}, rounds {args.rounds}")
    keys = ("median", "public", "ema", "yuma3+la")
    with tempfile.TemporaryDirectory() as tmp:
        if args.against:
            _export(args.against, Path(tmp))
        this, ref = [], []
        for _ in range(args.rounds):
            this.append(_run_child(_ROOT, shapes))
            if args.against:
                ref.append(_run_child(Path(tmp), shapes))
    this_best = _best(this)
    ref_best = _best(ref) if ref else None
    header = ["shape", "floor_ms"] + [f"{k}/floor" for k in keys]
    if ref_best:
        header += [f"{k}/floor @{args.against}" for k in keys]
        header += [f"{k} {args.against}/this" for k in keys]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for shape, row in this_best.items():
        cells = [shape, f"{row['floor_ms']:.3g}"] + [f"{row[k]:.3g}" for k in keys]
        if ref_best:
            old = ref_best[shape]
            cells += [f"{old[k]:.3g}" for k in keys]
            cells += [f"{old[k] / row[k]:.2f}" for k in keys]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

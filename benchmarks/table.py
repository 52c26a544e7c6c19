"""Print same-run timing ratios: ``python -m benchmarks.table [--sizes 1024 4096] [--reference]``.

Every figure is a median over repetitions measured in this one run, reported as a ratio to a
baseline measured in the same run (machines are shared and noisy):

* ``epoch / sum``: one epoch against one ``np.sum`` pass over the same weight matrix (the
  memory floor);
* ``numba / reference``: the fast path against :mod:`yuma.reference` (with ``--reference``).

Compile time is excluded: every function is called once before it is timed.
"""

from __future__ import annotations

import argparse
import platform
import time
from functools import partial

import numpy as np

import yuma
from yuma import reference

VARIANTS = {
    "yuma2": yuma.YumaParams(variant="yuma2"),
    "yuma3": yuma.YumaParams(variant="yuma3"),
    "yuma3+la": yuma.YumaParams(variant="yuma3", liquid_alpha=True),
}


def make_inputs(n_validators: int, n_uids: int, seed: int = 0):
    """Seeded inputs: row-normalized weights with ties and zeros, stake, previous bonds."""
    rng = np.random.default_rng(seed)
    w = rng.random((n_validators, n_uids))
    w[w < 0.2] = 0.0
    w = np.round(w, 3)  # ties in every column
    stake = rng.pareto(1.5, n_validators) + 1e-3
    bonds = rng.random((n_validators, n_uids)) * 0.2
    return w, stake, bonds


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up: compile and caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def run(sizes, repeats: int, with_reference: bool, shapes=("chain-like", "dense")) -> list[dict]:
    rows = []
    for shape in shapes:
        for n in sizes:
            n_val = min(256, n) if shape == "chain-like" else n
            w, stake, bonds = make_inputs(n_val, n)
            floor = median_time(partial(np.sum, w), max(repeats, 5))
            t_med = median_time(partial(yuma.weighted_median_col, stake, w, 0.5), repeats)
            row = {
                "shape": shape,
                "V": n_val,
                "n": n,
                "sum_ms": floor * 1e3,
                "median/sum": t_med / floor,
            }
            if with_reference:
                t_ref = median_time(partial(reference.weighted_median_col, stake, w, 0.5), 1)
                row["median numba/ref"] = t_med / t_ref
            for name, params in VARIANTS.items():
                t_ep = median_time(partial(yuma.epoch, w, stake, bonds, params=params), repeats)
                row[f"{name} epoch/sum"] = t_ep / floor
                if with_reference:
                    t_ref = median_time(
                        partial(reference.epoch, w, stake, bonds, params=params), 1
                    )
                    row[f"{name} numba/ref"] = t_ep / t_ref
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference", action="store_true", help="also time yuma.reference")
    parser.add_argument(
        "--shapes", nargs="+", default=["chain-like", "dense"], choices=["chain-like", "dense"]
    )
    args = parser.parse_args(argv)
    rows = run(args.sizes, args.repeats, args.reference, tuple(args.shapes))
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"python {platform.python_version()}, numpy {np.__version__}"
    )
    print(format_rows(rows))


if __name__ == "__main__":
    main()

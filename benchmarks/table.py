"""Print same-run timing ratios: ``python -m benchmarks.table [--sizes ...] [--reference]``.

Every figure comes from this one run on this machine: medians over repetitions, reported as
ratios to a baseline measured in the same run (machines are shared and noisy).

* ``floor_ms``: one ``np.sum`` pass over the staked rows (``V x n``), the memory floor;
* ``median/floor``, ``<variant>/floor``: the weighted median and one epoch, over the floor;
* ``<variant> numba/ref`` (with ``--reference``): the fast path over :mod:`yuma.reference`;
* ``peak/W``: peak memory allocated during one epoch (numpy, via ``tracemalloc``) over the
  size of the input weight matrix;
* ``growth``: time(n) / time(n/2) of the yuma3+la epoch, for consecutive sizes.

Compile time is excluded: every function is called once before it is timed.
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
from functools import partial

import numba
import numpy as np

import yuma
from yuma.core import reference

from .suite.common import SHAPES, VARIANTS, make_case


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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 4096, 8192])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference", action="store_true", help="also time yuma.reference")
    parser.add_argument("--shapes", nargs="+", default=SHAPES, choices=SHAPES)
    args = parser.parse_args(argv)
    rows = run(args.sizes, args.repeats, args.reference, tuple(args.shapes))
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"numba threads {numba.get_num_threads()}"
    )
    print(format_rows(rows))


if __name__ == "__main__":
    main()

"""Where one epoch's time goes: ``python -m benchmarks.profile_epoch [--shapes ...]``.

Yuma 3 with liquid alpha in steady state (the arrays of
:func:`benchmarks.table.make_torch_case` and the hyperparameters of
:func:`benchmarks.table.torch_params`, as the table's side-by-side rows), on one numba
thread. For each ``validators x miners`` shape, every component is timed in alternation
with one ``np.sum`` pass over W (the memory floor): each sample of a component is followed
by a sample of the floor, and a component's ratio is the median of its samples over the
median of the floor samples taken beside them. Components:

* ``yuma.epoch``: the whole public call;
* ``python side``: :func:`yuma.epoch` with the compiled driver replaced by a no-op (argument
  checks, parameter arrays, the outputs' ``np.zeros``/``np.empty``, the result object);
* ``driver, fresh outputs``: the compiled driver on newly allocated outputs (what the epoch
  runs); ``driver, warm outputs``: the same on outputs already written once (no page
  faults); their difference is the first touch of the freshly allocated matrices;
* the driver's passes, each by calling the step kernel it calls, serially: the first pass
  (checks, mask and row normalization of W, checks of the bonds), the stake terms, the
  consensus (participant units and median plan, then the weighted median), the row pass
  (clip, validator trust, rank sums; then the fixed-rate bond EMA; then the liquid-alpha
  EMA with its sigmoid), the chunk sums, the dividends' row dot;

On several threads (``--threads 2``; with ``YUMA_PARALLEL=always`` so that
:func:`yuma.epoch` takes them whatever the load) the driver and the steps run their parallel
drivers.

Then :func:`yuma.epoch_batch` (``--batch`` items of ``--batch-shape``) with ``keep="all"``
and ``keep=()``, per item: the whole call, the compiled batch driver alone on outputs
already written, and the allocation and first touch of the kept stacks.
"""

from __future__ import annotations

import argparse
import math
import time
from contextlib import contextmanager

import numba
import numpy as np

import yuma
from yuma.core import _epoch_kernel as ek
from yuma.core import _kernels, batch, builtin_epoch

from .table import make_torch_case, parse_shape, torch_params

SHAPES = ("64x256", "256x4096", "4096x4096")
SAMPLE_S = 2e-3  # a sample of a fast call repeats it for about this long


def _per_call(fn, number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def _number(fn) -> int:
    fn()
    once = _per_call(fn, 1)
    return max(1, math.ceil(SAMPLE_S / max(once, 1e-9)))


def interleaved(fn, floor, repeats: int) -> tuple[float, float]:
    """Median seconds per call of ``fn`` and of ``floor``, sampled in alternation."""
    n_fn, n_floor = _number(fn), _number(floor)
    times, floors = [], []
    for _ in range(repeats):
        floors.append(_per_call(floor, n_floor))
        times.append(_per_call(fn, n_fn))
    return float(np.median(times)), float(np.median(floors))


@contextmanager
def null_driver():
    """:func:`yuma.epoch` with a compiled driver that does nothing (returns status 0)."""
    real = ek.epoch_one
    ek.epoch_one = lambda: (lambda *args: 0)
    try:
        yield
    finally:
        ek.epoch_one = real


def driver_arguments(w, stake, bonds, params, parallel=False):
    """The single-epoch driver's arguments as :func:`run_builtin` builds them (fresh)."""
    n_rows, n_cols = w.shape
    lazy = w.size >= builtin_epoch.LAZY_BONDS_MIN
    has = (True,) + (False,) * 8
    dirty = builtin_epoch.dirty_outputs(n_rows, n_cols)
    ints, reals = builtin_epoch._parameter_arrays(
        ek.YUMA3_CODE, params, None, has, None, 0 if lazy else 1, 0.0, dirty)
    matrix = np.empty if dirty else np.zeros
    no_f1, no_b1, no_i1 = builtin_epoch._NO_F1, builtin_epoch._NO_B1, builtin_epoch._NO_I1
    inputs = (w, stake, bonds, no_b1, no_b1, no_i1, no_i1, no_i1, builtin_epoch._NO_B2, no_b1,
              no_f1, ints, reals)
    emission = n_rows if n_rows == n_cols else n_rows + n_cols
    no_out = builtin_epoch._NO_OUT
    outputs = (
        np.empty(n_rows), np.empty(n_rows), np.empty(n_rows, dtype=np.bool_),
        matrix((n_rows, n_cols)), np.empty(n_cols), matrix((n_rows, n_cols)),
        np.empty(n_rows), np.empty(n_cols), np.empty(n_cols), np.empty(n_cols), no_out,
        matrix((n_rows, n_cols)), no_out if lazy else matrix((n_rows, n_cols)),
        np.empty(n_rows), np.empty(n_cols), np.empty(n_rows), np.empty(emission),
    )
    return inputs + outputs + (parallel,)


def epoch_components(w, stake, bonds, params) -> dict:
    """``{component: callable}`` for one epoch (see the module docstring)."""
    n_rows, n_cols = w.shape
    square = n_rows == n_cols
    parallel = numba.get_num_threads() > 1  # run with YUMA_PARALLEL=always to match
    driver = ek.epoch_one()
    warm = driver_arguments(w, stake, bonds, params, parallel)
    assert driver(*warm) >= 0
    comps = {
        "yuma.epoch": lambda: yuma.epoch(w, stake, bonds, params=params),
        "driver, fresh outputs": lambda: driver(
            *driver_arguments(w, stake, bonds, params, parallel)),
        "driver, warm outputs": lambda: driver(*warm),
    }

    # The driver's steps on its own intermediate arrays (ek._epoch_item, in order).
    no_b1, no_i1 = builtin_epoch._NO_B1, builtin_epoch._NO_I1
    permit_old = np.ones(n_rows, dtype=np.bool_)
    dirty_w = builtin_epoch.dirty_outputs(n_rows, n_cols) >> ek.KEEP_WEIGHTS & 1
    mask_ints = np.array([-1, int(square), 0, 0, 0, dirty_w], dtype=np.int64)
    all_rows = np.arange(n_rows)
    row_state = np.zeros(n_rows, dtype=np.int64)
    w_out = np.zeros((n_rows, n_cols))
    s_out, act_out = np.empty(n_rows), np.empty(n_rows)
    permit_new = np.empty(n_rows, dtype=np.bool_)
    cons = np.empty(n_cols)

    first = ek._first_pass_parallel if parallel else ek._first_pass_serial

    def first_pass(has_prev):
        return lambda: first(w, bonds, has_prev, 1.0, all_rows, permit_old,
                                             mask_ints, no_i1, no_i1, no_i1, w_out, row_state)

    comps["1. checks + mask/normalize W, check B"] = first_pass(True)
    comps["1a. of which W alone (no B check)"] = first_pass(False)
    first_pass(True)()
    assert not np.any(row_state & 4)

    def stake_terms():
        ek._stake_terms(stake, 0.0, -1, params.max_allowed_validators, no_b1, False,
                        permit_old, s_out, act_out, permit_new)

    comps["2. stake terms"] = stake_terms
    stake_terms()
    rows = all_rows  # every row has stake in these cases
    comps["3. consensus (weighted median)"] = lambda: ek._consensus(
        w_out, act_out, params.kappa, cons, parallel)
    p_rows, units, need = ek.participant_units(act_out, params.kappa)
    pairs, sample, guess = ek._median_plan(units, need)
    comps["3a. of which units + plan"] = lambda: ek._median_plan(
        *ek.participant_units(act_out, params.kappa)[1:])
    median = (_kernels.weighted_median_col_parallel if parallel
              else _kernels.weighted_median_col_serial)
    comps["3b. of which median kernel"] = lambda: median(
        w_out, p_rows, units, need, pairs, sample, guess, cons)
    ek._consensus(w_out, act_out, params.kappa, cons, False)

    reset = np.zeros(n_cols, dtype=np.bool_)
    m = rows.shape[0]
    n_chunks = -(-m // max(_kernels.MIN_ROW_CHUNK, -(-m // _kernels.MAX_ROW_CHUNKS)))
    col_parts = np.empty((3, n_chunks, n_cols))
    clipped, ema = np.zeros((n_rows, n_cols)), np.zeros((n_rows, n_cols))
    v_trust = np.zeros(n_rows)
    real_params = np.array([params.bonds_penalty, 1.0 - params.bonds_moving_average,
                            params.alpha_low, params.alpha_high,
                            params.alpha_sigmoid_steepness])

    def row_pass(mode):
        int_params = np.array([mode, 0, 1, 0], dtype=np.int64)
        return lambda: ek._row_pass(
            w_out, cons, cons, rows, act_out, w, builtin_epoch._NO_B2, bonds, reset,
            permit_old, mask_ints, no_i1, no_i1, no_i1, real_params, int_params, clipped,
            builtin_epoch._NO_OUT, ema, v_trust, col_parts, parallel)

    comps["4. row pass: clip + trust + ranks + liquid-alpha EMA"] = row_pass(2)
    comps["4a. row pass with a fixed-rate EMA"] = row_pass(1)
    comps["4b. row pass without EMA (clip + trust + ranks)"] = row_pass(0)
    row_pass(2)()
    col_sums = np.empty((3, n_cols))
    comps["5. chunk sums"] = lambda: _kernels.sum_chunks_serial(col_parts, col_sums)
    _kernels.sum_chunks_serial(col_parts, col_sums)
    inc, divs = np.empty(n_cols), np.empty(n_rows)
    ek._normalize(col_sums[0].copy(), inc)
    comps["6. dividends (row dot)"] = lambda: ek._yuma3_dividends(
        ema, col_sums[2], inc, rows, act_out, divs, parallel)
    comps["alloc: np.zeros x 3 + np.empty vectors (untouched)"] = lambda: (
        np.zeros((n_rows, n_cols)), np.zeros((n_rows, n_cols)), np.zeros((n_rows, n_cols)),
        [np.empty(n_cols) for _ in range(6)], [np.empty(n_rows) for _ in range(6)])
    comps["alloc + first touch: np.ones x 3"] = lambda: (
        np.ones((n_rows, n_cols)), np.ones((n_rows, n_cols)), np.ones((n_rows, n_cols)))
    return comps


def measure_epoch(shape: str, repeats: int) -> tuple[float, list[tuple[str, float]]]:
    """Floor seconds and ``(component, seconds)`` for one shape."""
    w, stake, bonds = make_torch_case(*parse_shape(shape))
    params = torch_params()
    floor_fn = lambda: np.sum(w)  # noqa: E731
    rows, floors = [], []
    for name, fn in epoch_components(w, stake, bonds, params).items():
        t, f = interleaved(fn, floor_fn, repeats)
        rows.append((name, t))
        floors.append(f)
    with null_driver():
        t, f = interleaved(lambda: yuma.epoch(w, stake, bonds, params=params), floor_fn,
                           repeats)
    rows.insert(1, ("python side (driver a no-op; incl. alloc)", t))
    floors.append(f)
    return float(np.median(floors)), rows


def measure_batch(shape: str, n_items: int, repeats: int):
    """Floor seconds and ``(component, seconds per item)`` of :func:`yuma.epoch_batch`."""
    params = torch_params()
    cases = [make_torch_case(*parse_shape(shape), seed=k) for k in range(n_items)]
    w, stake, bonds = (np.stack(x) for x in zip(*cases, strict=True))
    floor_fn = lambda: np.sum(w[0])  # noqa: E731
    captured = []
    real_run = batch._run

    def capture(inputs, outputs, statuses, kept, n, item_size):
        captured.append((inputs, outputs, statuses, kept))
        real_run(inputs, outputs, statuses, kept, n, item_size)

    rows, floors = [], []
    many = ek.epoch_many()
    for keep in ("all", ()):
        call = lambda keep=keep: yuma.epoch_batch(w, stake, bonds, params=params, keep=keep)  # noqa: E731
        batch._run = capture
        try:
            call()
        finally:
            batch._run = real_run
        inputs, outputs, statuses, kept = captured.pop()
        for x in outputs:  # the batch hands its matrices back read-only
            x.flags.writeable = True
        label = f"keep={keep!r}"
        t, f = interleaved(call, floor_fn, repeats)
        rows.append((f"epoch_batch {label}", t / n_items))
        floors.append(f)
        t, f = interleaved(lambda i=inputs, o=outputs, s=statuses, k=kept: many(
            *i, *o, s, k, 1, False), floor_fn, repeats)
        rows.append((f"  driver alone, warm outputs ({label}, kept {kept.tolist()})",
                     t / n_items))
        floors.append(f)
        n_kept = int(kept.sum())
        if n_kept:
            t, f = interleaved(lambda k=n_kept: [np.ones(w.shape) for _ in range(k)],
                               floor_fn, repeats)
            rows.append((f"  alloc + first touch of {n_kept} kept stacks (np.ones)",
                         t / n_items))
            floors.append(f)
    t, f = interleaved(lambda: yuma.epoch(w[0], stake[0], bonds[0], params=params), floor_fn,
                       repeats)
    rows.append(("yuma.epoch alone (item 0)", t))
    floors.append(f)
    return float(np.median(floors)), rows


def format_table(floor: float, rows, entries: int, total: float) -> str:
    lines = ["| component | ms | /floor | ns/entry | share |", "|---|---|---|---|---|",
             f"| floor: np.sum(W) | {floor * 1e3:.4g} | 1 | {floor / entries * 1e9:.3g} | |"]
    for name, t in rows:
        lines.append(f"| {name} | {t * 1e3:.4g} | {t / floor:.3g} | "
                     f"{t / entries * 1e9:.3g} | {t / total:.0%} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-shape", default="64x256", help="none: skip the batch")
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args(argv)
    numba.set_num_threads(args.threads)
    print(f"numpy {np.__version__}, numba {numba.__version__}, threads "
          f"{numba.get_num_threads()}, repeats {args.repeats}")
    for shape in args.shapes:
        floor, rows = measure_epoch(shape, args.repeats)
        v, n = parse_shape(shape)
        print(f"\n{shape} (Yuma 3 + liquid alpha, steady state)")
        print(format_table(floor, rows, v * n, rows[0][1]))
    if args.batch_shape != "none":
        floor, rows = measure_batch(args.batch_shape, args.batch, args.repeats)
        v, n = parse_shape(args.batch_shape)
        print(f"\nepoch_batch {args.batch_shape}, B={args.batch} (per item)")
        print(format_table(floor, rows, v * n, rows[0][1]))


if __name__ == "__main__":
    main()

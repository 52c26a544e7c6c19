"""When to run on several threads: one rule for every kernel of the float path.

Every choice gives the same bits (work is split over independent rows, columns or epochs
only), so the rule decides speed alone: several threads only for enough work, and only
when the machine has CPUs to spare (:func:`parallel_allowed`).
"""

from __future__ import annotations

import os
import time

import numba

__all__ = ["PARALLEL_MODE", "parallel_allowed"]

PARALLEL_MODE = os.environ.get("YUMA_PARALLEL", "auto")
"""``auto`` (the default: see :func:`parallel_allowed`), ``always`` (several threads
whenever numba has them, whatever the size: for tests) or ``never``; read from the
environment variable ``YUMA_PARALLEL`` when yuma is imported."""


def parallel_allowed(work: int, minimum: int) -> bool:
    """Whether a run over ``work`` (weight entries, or their equivalent) may use threads.

    Only with several numba threads, at least ``minimum`` work, and CPUs to spare: a
    parallel region ends when its slowest thread does, so a thread that shares its CPU with
    another process makes the whole run wait for the scheduler (measured on a shared 2-CPU
    machine: 4-8 ms per region whenever the other CPU was busy, every parallel run then
    slower than the serial one). The run stays on one thread unless at least 1.5 CPUs are
    idle: the CPUs less the 1-minute load average of the other processes (the load average
    less this process's own CPU use, measured between calls). :data:`PARALLEL_MODE`
    overrides the choice.
    """
    mode = PARALLEL_MODE
    if mode == "never" or (work < minimum and mode != "always"):
        return False
    if numba.get_num_threads() < 2:
        return False
    return mode == "always" or _idle_cpus() >= 1.5


_OWN_CPU = {"wall": time.monotonic(), "cpu": time.process_time(), "rate": 0.0}


def _idle_cpus() -> float:
    """CPUs not used by other processes: the CPUs less (load average - own CPU rate)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("inf")
    now, cpu = time.monotonic(), time.process_time()
    elapsed = now - _OWN_CPU["wall"]
    if elapsed >= 1.0:  # this process's CPU rate since the last look (all its threads)
        _OWN_CPU.update(wall=now, cpu=cpu, rate=(cpu - _OWN_CPU["cpu"]) / elapsed)
    affinity = getattr(os, "sched_getaffinity", None)
    cpus = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return cpus - max(load - _OWN_CPU["rate"], 0.0)

"""asv benchmarks: the memory floor, the weighted median, the whole epoch, small epochs, batches.

Sizes 256 .. 16384 UIDs, chain-like and dense shapes (see :mod:`common`). The dense
16384 case needs ``YUMA_BENCH_XL=1``. ``setup`` calls each function once, so numba's
compile time is never timed. ``track_max_abs_error`` compares against
:mod:`yuma.reference` where the reference finishes in reasonable time (n <= 1024).
"""

import numpy as np

import yuma
from yuma.core import reference

from .common import (
    SHAPES,
    SIZES,
    SMALL_SHAPES,
    SPARSE_SIZES,
    VARIANTS,
    make_case,
    make_small_case,
    make_sparse_case,
    xl_enabled,
)

_REFERENCE_MAX_N = 1024


def _skip_unless_feasible(shape, n):
    if shape == "dense" and n >= 16384 and not xl_enabled():
        raise NotImplementedError("set YUMA_BENCH_XL=1 for the dense 16384 case")


class MemoryFloor:
    """One ``np.sum`` pass over the staked rows: the baseline of every ratio."""

    params = [SIZES, SHAPES]
    param_names = ["n", "shape"]

    def setup(self, n, shape):
        _skip_unless_feasible(shape, n)
        w, _, _, staked = make_case(shape, n)
        self.rows = w[:staked]

    def time_sum(self, n, shape):
        self.rows.sum()


class WeightedMedian:
    """Consensus: the stake-weighted kappa-value of every column."""

    params = [SIZES, SHAPES]
    param_names = ["n", "shape"]

    def setup(self, n, shape):
        _skip_unless_feasible(shape, n)
        self.w, self.s, _, _ = make_case(shape, n)
        self.out = yuma.weighted_median_col(self.s, self.w, 0.5)

    def time_weighted_median_col(self, n, shape):
        yuma.weighted_median_col(self.s, self.w, 0.5)

    def peakmem_weighted_median_col(self, n, shape):
        yuma.weighted_median_col(self.s, self.w, 0.5)

    def track_max_abs_error(self, n, shape):
        if n > _REFERENCE_MAX_N:
            return float("nan")
        ref = reference.weighted_median_col(self.s, self.w, 0.5)
        return float(np.max(np.abs(self.out - ref), initial=0.0))


class Epoch:
    """One whole epoch per variant."""

    params = [SIZES, SHAPES, list(VARIANTS)]
    param_names = ["n", "shape", "variant"]
    timeout = 600

    def setup(self, n, shape, variant):
        _skip_unless_feasible(shape, n)
        self.w, self.s, self.b, _ = make_case(shape, n)
        self.params_ = VARIANTS[variant]
        self.result = yuma.epoch(self.w, self.s, self.b, params=self.params_)

    def time_epoch(self, n, shape, variant):
        yuma.epoch(self.w, self.s, self.b, params=self.params_)

    def peakmem_epoch(self, n, shape, variant):
        yuma.epoch(self.w, self.s, self.b, params=self.params_)

    def track_max_abs_error(self, n, shape, variant):
        if n > _REFERENCE_MAX_N:
            return float("nan")
        ref = reference.epoch(self.w, self.s, self.b, params=self.params_)
        return max(
            float(
                np.max(
                    np.abs(np.asarray(getattr(self.result, k), float) - np.asarray(v, float)),
                    initial=0.0,
                )
            )
            for k, v in ref.items()
            if k != "variant"
        )


class Steps:
    """The fused steps after consensus, on the epoch's own intermediates."""

    params = [SIZES, SHAPES]
    param_names = ["n", "shape"]

    def setup(self, n, shape):
        _skip_unless_feasible(shape, n)
        w, s, b, _ = make_case(shape, n)
        r = yuma.epoch(w, s, b, params=VARIANTS["yuma3+la"])
        self.r, self.b = r, b

    def time_col_clip(self, n, shape):
        yuma.col_clip(self.r.weights, self.r.consensus)

    def time_rank(self, n, shape):
        yuma.rank(self.r.active_stake, self.r.clipped_weights)

    def time_liquid_alpha_bonds(self, n, shape):
        p = VARIANTS["yuma3+la"]
        yuma.YUMA3.update_bonds(
            self.b, self.r.weights_for_bonds, self.r.active_stake, self.r.consensus, None, p
        )


class SmallEpoch:
    """One small epoch (validators x miners), the unit of sweeps and simulations."""

    params = [SMALL_SHAPES, list(VARIANTS)]
    param_names = ["shape", "variant"]

    def setup(self, shape, variant):
        self.w, self.s, self.b = make_small_case(shape)
        self.params_ = VARIANTS[variant]
        yuma.epoch(self.w, self.s, self.b, params=self.params_)

    def time_epoch(self, shape, variant):
        yuma.epoch(self.w, self.s, self.b, params=self.params_)


class EpochBatch:
    """B small epochs in one :func:`yuma.epoch_batch` call (divide by B for one epoch)."""

    params = [SMALL_SHAPES, [1, 64, 1024], list(VARIANTS)]
    param_names = ["shape", "batch", "variant"]

    def setup(self, shape, batch, variant):
        cases = [make_small_case(shape, seed=k) for k in range(batch)]
        self.w, self.s, self.b = (np.stack(x) for x in zip(*cases, strict=True))
        self.params_ = VARIANTS[variant]
        yuma.epoch_batch(self.w, self.s, self.b, params=self.params_)

    def time_epoch_batch(self, shape, batch, variant):
        yuma.epoch_batch(self.w, self.s, self.b, params=self.params_)

    def time_loop_of_epochs(self, shape, batch, variant):
        for k in range(batch):
            yuma.epoch(self.w[k], self.s[k], self.b[k], params=self.params_)

    def peakmem_epoch_batch(self, shape, batch, variant):
        yuma.epoch_batch(self.w, self.s, self.b, params=self.params_)


class Simulation:
    """A 1000-epoch simulation at 64 x 256 (Yuma 3 + liquid alpha, steady weights).

    ``time_simulate`` is :func:`yuma.simulate` (the compiled loop), ``time_python_fold``
    the reference loop it replaces (one :func:`yuma.epoch` call per epoch), and
    ``time_sum`` one ``np.sum`` pass over the weights: divide by 1000 for one epoch.
    """

    params = [[1000]]
    param_names = ["epochs"]
    timeout = 600

    def setup(self, epochs):
        from yuma.sim import simulation

        w, s, b = make_small_case("64x256")
        self.w, self.bonds = w, b
        self.scenario = yuma.Scenario(
            name="bench", weights=np.broadcast_to(w, (epochs, *w.shape)), stakes=s
        )
        self.params_ = VARIANTS["yuma3+la"]
        run = simulation._check_run(self.scenario, self.params_, None, None, None, (),
                                    "float", False)
        schedules = simulation._Schedules.of(self.scenario)

        def fold():
            start = simulation._initial_state(self.scenario, b, None, None)
            simulation._python_fold(self.scenario, run, schedules, start)

        self.fold = fold
        yuma.simulate(self.scenario, self.params_, bonds=b)

    def time_simulate(self, epochs):
        yuma.simulate(self.scenario, self.params_, bonds=self.bonds)

    def time_python_fold(self, epochs):
        self.fold()

    def time_sum(self, epochs):
        self.w.sum()

    def peakmem_simulate(self, epochs):
        yuma.simulate(self.scenario, self.params_, bonds=self.bonds)
class SparseEpoch:
    """One epoch on CSR weights and bonds (chain-like, about 3 % dense), and its floor.

    ``time_floor`` is one ``np.sum`` pass over the staked validators' dense rows, the
    baseline of the ratio in ``python -m benchmarks.table``.
    """

    params = [SPARSE_SIZES, list(VARIANTS)]
    param_names = ["n", "variant"]
    timeout = 600

    def setup(self, n, variant):
        self.w, self.s, self.b, self.rows = make_sparse_case(n)
        self.params_ = VARIANTS[variant]
        yuma.epoch(self.w, self.s, self.b, params=self.params_)

    def time_floor(self, n, variant):
        self.rows.sum()

    def time_epoch(self, n, variant):
        yuma.epoch(self.w, self.s, self.b, params=self.params_)

    def peakmem_epoch(self, n, variant):
        yuma.epoch(self.w, self.s, self.b, params=self.params_)

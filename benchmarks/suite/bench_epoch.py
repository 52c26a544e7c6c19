"""asv benchmarks: the memory floor, the weighted median and the whole epoch.

Sizes 256 .. 16384 UIDs, chain-like and dense shapes (see :mod:`common`). The dense
16384 case needs ``YUMA_BENCH_XL=1``. ``setup`` calls each function once, so numba's
compile time is never timed. ``track_max_abs_error`` compares against
:mod:`yuma.reference` where the reference finishes in reasonable time (n <= 1024).
"""

import numpy as np

import yuma
from yuma.core import reference

from .common import SHAPES, SIZES, VARIANTS, make_case, xl_enabled

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


class FusedPasses:
    """The built-in variants' fused matrix work (weights to dividends), input checks excluded.

    This is what :func:`yuma.epoch` runs after validating its inputs: mask + row-normalize,
    the weighted median, clip + trust + rank + bond EMA in one pass, the dividends' row dot.
    """

    params = [SIZES, SHAPES, list(VARIANTS)]
    param_names = ["n", "shape", "variant"]

    def setup(self, n, shape, variant):
        from yuma.core.fused import fused_core
        from yuma.core.variants import get_variant

        _skip_unless_feasible(shape, n)
        w, s, b, staked = make_case(shape, n)
        params = VARIANTS[variant]
        stake = s / s.sum()
        permit = np.ones(n, dtype=np.bool_)
        rows = np.arange(staked if shape == "chain-like" else n)
        self.call = lambda: fused_core(
            get_variant(None, params), params, w, b, None, np.zeros(n, dtype=np.bool_),
            rows, stake, stake, permit, permit, None, None, None, None, True,
        )
        self.call()

    def time_fused_core(self, n, shape, variant):
        self.call()

    def peakmem_fused_core(self, n, shape, variant):
        self.call()

"""Registry of fast functions and their slow references, with the tolerance to compare them.

:data:`COMPARISONS` pairs each hot step of the library (and :func:`yuma.epoch`) with its
twin in :mod:`yuma.core.reference`. The tests compare every pair on Hypothesis inputs; the
benchmarks time both sides on the inputs of :func:`make_inputs`. :func:`assert_matches`
is the single comparison rule (exact for integer, boolean and consensus outputs; within
:data:`RTOL` / :data:`ATOL` for the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import NamedTuple

import numpy as np

from .. import ops
from ..core import reference, steps
from ..core.run_epoch import epoch
from ..params import YumaParams
from ..result import EpochResult

__all__ = [
    "RTOL",
    "ATOL",
    "Comparison",
    "COMPARISONS",
    "BY_NAME",
    "EXACT",
    "make_inputs",
    "assert_matches",
]

# Both sides evaluate the same formulas in float64, but not in the same order: NumPy
# sums with pairwise (blocked) summation, the kernels and the reference with plain
# loops, and exp / division may differ in the last bit. Those differences are a few ulps
# (1e-16 relative) per operation and stay far below 1e-12 over an epoch's few dozen
# operations on bounded data, while any real mistake in a formula moves results by far
# more. ATOL covers outputs that are 0 on one side and 1e-17-ish after cancellation on
# the other. Consensus needs no tolerance: it is one of the input weights, selected by
# comparing integer stake sums, so both sides must pick exactly the same value.
RTOL = 1e-12
"""Relative tolerance of a float output against the reference: far above the few ulps that
the order of summation moves, far below what a wrong formula moves."""

ATOL = 1e-12
"""Absolute tolerance of a float output against the reference."""


class Comparison(NamedTuple):
    """A fast function and its reference twin, called with the same keyword arguments."""

    name: str
    fast: Callable
    reference: Callable


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("row_normalize", ops.row_normalize, reference.row_normalize),
    Comparison("col_normalize", ops.col_normalize, reference.col_normalize),
    Comparison("col_max_upscale", ops.col_max_upscale, reference.col_max_upscale),
    Comparison("mask_weights", steps.mask_weights, reference.mask_weights),
    Comparison("weighted_median_col", steps.weighted_median_col, reference.weighted_median_col),
    Comparison("col_clip", steps.col_clip, reference.col_clip),
    Comparison("validator_trust", steps.validator_trust, reference.validator_trust),
    Comparison("rank", steps.rank, reference.rank),
    Comparison("trust", steps.trust, reference.trust),
    Comparison("weights_for_bonds", steps.weights_for_bonds, reference.weights_for_bonds),
    Comparison("alpha_sigmoid", steps.alpha_sigmoid, reference.alpha_sigmoid),
    Comparison("liquid_alpha_v1", steps.liquid_alpha_v1, reference.liquid_alpha_v1),
    Comparison("mat_ema", steps.mat_ema, reference.mat_ema),
    Comparison("mat_ema_alpha", steps.mat_ema_alpha, reference.mat_ema_alpha),
    Comparison("bonds_ema_yuma2", steps.bonds_ema_yuma2, reference.bonds_ema_yuma2),
    Comparison("dividends_yuma2", steps.dividends_yuma2, reference.dividends_yuma2),
    Comparison("dividends_yuma3", steps.dividends_yuma3, reference.dividends_yuma3),
    Comparison("emission_split", steps.emission_split, reference.emission_split),
    Comparison("epoch", epoch, reference.epoch),
)
"""The hot steps and the epoch, fast and reference, by name."""

BY_NAME: dict[str, Comparison] = {c.name: c for c in COMPARISONS}
""":data:`COMPARISONS` indexed by name."""

EXACT = frozenset({"weighted_median_col", "col_clip"})
"""Comparisons whose float outputs must be bit-identical (a selection or a minimum)."""


def _row_normalized(rng: np.random.Generator, n_rows: int, n_cols: int) -> np.ndarray:
    w = rng.random((n_rows, n_cols))
    w[w < 0.3] = 0.0  # sparse-ish, as real weights are
    sums = w.sum(axis=1, keepdims=True)
    return np.where(sums > 0, w / np.where(sums > 0, sums, 1.0), 0.0)


def make_inputs(
    name: str, rng: np.random.Generator, n_rows: int, n_cols: int, **params
) -> dict:
    """Keyword arguments for the comparison ``name``, at the given size.

    Realistic rather than adversarial (the tests use Hypothesis for that): sparse-ish
    row-normalized weights, positive stakes of varied size, bonds in [0, 1].

    Parameters
    ----------
    name : str
        A name in :data:`BY_NAME`.
    rng : numpy.random.Generator
        Source of randomness.
    n_rows, n_cols : int
        Validators and miners (``n_rows == n_cols`` is the chain's square form).
    **params
        For ``"epoch"``: overrides of :class:`yuma.YumaParams` fields.

    Returns
    -------
    dict
        Keyword arguments accepted by both ``fast`` and ``reference``.
    """
    w = _row_normalized(rng, n_rows, n_cols)
    stake = rng.pareto(1.5, n_rows) + 1e-3
    s = stake / stake.sum() if n_rows else stake
    cons = np.quantile(w, 0.5, axis=0) if n_rows else np.zeros(n_cols)
    clipped = np.minimum(w, cons[None, :])
    bonds = rng.random((n_rows, n_cols))
    inc = rng.random(n_cols)
    inc = inc / inc.sum() if n_cols else inc
    if name in ("row_normalize", "col_normalize", "col_max_upscale"):
        return {"x": rng.random((n_rows, n_cols))}
    if name == "mask_weights":
        return {"weights": rng.random((n_rows, n_cols)), "mask": rng.random((n_rows, n_cols)) > 0.2}
    if name == "weighted_median_col":
        return {"stake": s, "weights": w, "kappa": 32767 / 65535}
    if name == "col_clip":
        return {"weights": w, "consensus": cons}
    if name == "validator_trust":
        return {"clipped_weights": clipped}
    if name == "rank":
        return {"active_stake": s, "clipped_weights": clipped}
    if name == "trust":
        return {"active_stake": s, "weights": w, "clipped_weights": clipped}
    if name == "weights_for_bonds":
        return {"weights": w, "clipped_weights": clipped, "bonds_penalty": 0.5}
    if name == "alpha_sigmoid":
        return {
            "consensus": cons,
            "weights_for_bonds": clipped,
            "bonds": bonds,
            "alpha_low": 0.7,
            "alpha_high": 0.9,
            "steepness": 10.0,
        }
    if name == "liquid_alpha_v1":
        return {"consensus": cons, "alpha_low": 0.7, "alpha_high": 0.9}
    if name == "mat_ema":
        return {"bonds": bonds, "weights_for_bonds": clipped, "alpha": 0.1}
    if name == "mat_ema_alpha":
        return {
            "bonds": bonds,
            "weights_for_bonds": clipped,
            "alpha": 0.7 + 0.2 * rng.random((n_rows, n_cols)),
            "entries": clipped > 0,
        }
    if name == "bonds_ema_yuma2":
        return {
            "bonds": ops.col_normalize(bonds),
            "weights_for_bonds": clipped,
            "active_stake": s,
            "alpha": 0.1,
        }
    if name == "dividends_yuma2":
        return {"ema_bonds": ops.col_normalize(bonds), "incentive": inc}
    if name == "dividends_yuma3":
        return {"ema_bonds": bonds, "incentive": inc, "active_stake": s}
    if name == "emission_split":
        div = rng.random(n_rows)
        div = div / div.sum() if n_rows else div
        return {
            "incentive": inc,
            "dividends": div,
            "stake_weights": s,
            "active_stake": s,
            "square": n_rows == n_cols,
        }
    if name == "epoch":
        return {
            "weights": w,
            "stake": stake,
            "bonds": bonds,
            "params": YumaParams(**params),
        }
    raise ValueError(f"unknown comparison {name!r}; known: {sorted(BY_NAME)}")


def _assert_arrays(fast, ref, *, exact: bool, label: str) -> None:
    fast = np.asarray(fast)
    ref = np.asarray(ref)
    assert fast.shape == ref.shape, f"{label}: shape {fast.shape} != reference {ref.shape}"
    if ref.dtype == np.bool_ or fast.dtype == np.bool_:
        assert fast.dtype == ref.dtype, f"{label}: dtype {fast.dtype} != reference {ref.dtype}"
        np.testing.assert_array_equal(fast, ref, err_msg=label)
    elif np.issubdtype(ref.dtype, np.integer) or exact:
        np.testing.assert_array_equal(fast, ref, err_msg=label)
    else:
        np.testing.assert_allclose(fast, ref, rtol=RTOL, atol=ATOL, err_msg=label)


def assert_matches(name: str, fast_out, ref_out, *, exact: bool | None = None) -> None:
    """Assert that a fast output equals its reference output under the comparison rule.

    Booleans and integers must be equal; floats within :data:`RTOL` / :data:`ATOL`, or
    bit-identical when ``exact`` (default: ``name in EXACT``). An :class:`yuma.EpochResult`
    is compared field by field with the reference's dict (same keys required).

    Parameters
    ----------
    name : str
        Comparison name (used for the default of ``exact`` and in messages).
    fast_out, ref_out
        Outputs: arrays, scalars, tuples of arrays, or an EpochResult and a dict.
    exact : bool, optional
        Require bit-identical floats.

    Raises
    ------
    AssertionError
        On any difference beyond the rule.
    """
    if exact is None:
        exact = name in EXACT
    if isinstance(fast_out, EpochResult):
        expected_keys = [f.name for f in fields(EpochResult)]
        assert list(ref_out) == expected_keys, f"{name}: reference keys {list(ref_out)}"
        for key in expected_keys:
            got, want = getattr(fast_out, key), ref_out[key]
            if isinstance(want, str):
                assert got == want, f"{name}.{key}: {got!r} != reference {want!r}"
            else:
                _assert_arrays(got, want, exact=exact, label=f"{name}.{key}")
        return
    if isinstance(ref_out, tuple):
        assert isinstance(fast_out, tuple) and len(fast_out) == len(ref_out), name
        for k, (got, want) in enumerate(zip(fast_out, ref_out, strict=True)):
            _assert_arrays(got, want, exact=exact, label=f"{name}[{k}]")
        return
    if isinstance(ref_out, float):
        assert isinstance(fast_out, float), f"{name}: {type(fast_out).__name__} is not float"
    _assert_arrays(fast_out, ref_out, exact=exact, label=name)

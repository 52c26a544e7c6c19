"""Hypothesis strategies for the inputs of single epoch steps and of a full epoch.

Like :mod:`yuma.testing.strategies`, these draw small, bounded arrays and produce the
degenerate cases on purpose: empty shapes, ties (values from a small grid), zeros, zero
rows and columns, the kappa boundary (integer stakes with kappa values such as 1/2 or
2/3), and the block numbers that sit exactly on the masking rules' boundaries.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .strategies import epoch_inputs, stakes, weight_matrices

__all__ = [
    "KAPPAS",
    "UNIT",
    "shapes",
    "vectors",
    "matrices",
    "masks",
    "mask_matrices",
    "block_vectors",
    "alpha_bounds",
    "steepness",
    "median_inputs",
    "full_epoch_inputs",
]

KAPPAS = st.one_of(
    st.sampled_from([0.0, 0.25, 1 / 3, 0.5, 32767 / 65535, 2 / 3, 0.75, 1.0]),
    st.floats(0.0, 1.0),
)
"""Kappa values: the boundaries of small integer stake splits, the chain default, any."""

UNIT = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), st.floats(0.0, 1.0))
"""A number in [0, 1], often a round one."""

_GRID = (0.0, 0.25, 0.5, 1.0)
_HUGE = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0**1000, 2.0**1023, float(np.finfo(np.float64).max)]),
    st.floats(0.0, float(np.finfo(np.float64).max), allow_infinity=False),
)


@st.composite
def shapes(draw, *, max_rows: int = 6, max_cols: int = 7, square: bool | None = None):
    """Draw ``(n_rows, n_cols)``, zero allowed; ``square`` forces or forbids equal sizes.

    Parameters
    ----------
    max_rows, max_cols : int
        Upper bounds.
    square : bool, optional
        True: ``n_rows == n_cols``; False: different; None: either.

    Returns
    -------
    tuple of int
    """
    n_rows = draw(st.integers(0, max_rows))
    if square is None:
        square = draw(st.booleans())
    if square:
        return n_rows, n_rows
    n_cols = draw(st.integers(0, max_cols))
    if n_cols == n_rows:
        n_cols += 1
    return n_rows, n_cols


@st.composite
def vectors(
    draw, n: int, *, signed: bool = False, unit: bool = False, huge: bool = False
) -> np.ndarray:
    """Draw a float vector of length ``n``: grid values, small integers, floats or zeros.

    Parameters
    ----------
    n : int
        Length.
    signed : bool
        Allow negative small integers (zero sums happen).
    unit : bool
        Keep values in [0, 1].
    huge : bool
        Also draw non-negative values up to the float64 maximum (sums overflow).

    Returns
    -------
    numpy.ndarray
    """
    kinds = ["grid", "float", "zero"] + ([] if unit else ["int"]) + (["huge"] if huge else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "zero":
        return np.zeros(n)
    if kind == "huge":
        return np.array(draw(st.lists(_HUGE, min_size=n, max_size=n)), dtype=np.float64)
    if kind == "grid":
        elem = st.sampled_from(_GRID)
    elif kind == "int":
        elem = st.integers(-3 if signed else 0, 3).map(float)
    else:
        hi = 1.0 if unit else 1e3
        elem = st.one_of(st.just(0.0), st.floats(0.0, hi, allow_nan=False, allow_infinity=False))
    return np.array(draw(st.lists(elem, min_size=n, max_size=n)), dtype=np.float64)


@st.composite
def matrices(
    draw, n_rows: int, n_cols: int, *, unit: bool = False, huge: bool = False
) -> np.ndarray:
    """Draw a non-negative matrix; with ``unit`` every entry is in [0, 1].

    Parameters
    ----------
    n_rows, n_cols : int
        Shape.
    unit : bool
        Keep values in [0, 1] (bonds, rates, normalized weights).
    huge : bool
        Sometimes draw entries up to the float64 maximum (row and column sums overflow).

    Returns
    -------
    numpy.ndarray
    """
    if huge and draw(st.booleans()):
        size = n_rows * n_cols
        vals = draw(st.lists(_HUGE, min_size=size, max_size=size))
        return np.array(vals, dtype=np.float64).reshape(n_rows, n_cols)
    if unit:
        size = n_rows * n_cols
        elem = st.one_of(st.sampled_from(_GRID), st.floats(0.0, 1.0))
        vals = draw(st.lists(elem, min_size=size, max_size=size))
        return np.array(vals, dtype=np.float64).reshape(n_rows, n_cols)
    return draw(weight_matrices(n_rows, n_cols))


def masks(n: int):
    """Boolean vectors of length ``n``.

    Parameters
    ----------
    n : int
        Length.

    Returns
    -------
    SearchStrategy of numpy.ndarray of bool
    """
    return st.lists(st.booleans(), min_size=n, max_size=n).map(lambda v: np.array(v, dtype=bool))


def mask_matrices(n_rows: int, n_cols: int):
    """Boolean matrices of the given shape.

    Parameters
    ----------
    n_rows, n_cols : int
        Shape.

    Returns
    -------
    SearchStrategy of numpy.ndarray of bool
    """
    size = n_rows * n_cols
    return st.lists(st.booleans(), min_size=size, max_size=size).map(
        lambda v: np.array(v, dtype=bool).reshape(n_rows, n_cols)
    )


def block_vectors(n: int, *, max_block: int = 12):
    """Vectors of small block numbers (collisions, hence boundary cases, are frequent).

    Parameters
    ----------
    n : int
        Length.
    max_block : int
        Largest block.

    Returns
    -------
    SearchStrategy of numpy.ndarray of int64
    """
    return st.lists(st.integers(0, max_block), min_size=n, max_size=n).map(
        lambda v: np.array(v, dtype=np.int64)
    )


@st.composite
def alpha_bounds(draw) -> tuple[float, float]:
    """Draw ``(alpha_low, alpha_high)`` with ``0 <= low <= high <= 1``, bounds included.

    Returns
    -------
    tuple of float
    """
    low = draw(st.one_of(st.sampled_from([0.0, 0.1, 0.7, 0.5, 1.0]), st.floats(0.0, 1.0)))
    high = draw(st.one_of(st.sampled_from([low, 0.9, 1.0]), st.floats(low, 1.0)))
    return low, max(low, high)


steepness = st.one_of(
    st.sampled_from([10.0, 0.0, 1.0, 100.0, -5.0, 1000.0]), st.floats(-100.0, 1000.0)
)
"""Slopes of the liquid-alpha logistic, including 0, negative and very steep ones."""


@st.composite
def median_inputs(draw, *, max_rows: int = 7, max_cols: int = 6) -> dict:
    """Draw ``stake``, ``weights`` and ``kappa`` for :func:`yuma.weighted_median_col`.

    Parameters
    ----------
    max_rows, max_cols : int
        Upper bounds on the shape (0 allowed).

    Returns
    -------
    dict
    """
    n_rows = draw(st.integers(0, max_rows))
    n_cols = draw(st.integers(0, max_cols))
    weights = draw(weight_matrices(n_rows, n_cols))
    if draw(st.booleans()):  # row-normalized, as in the epoch
        sums = weights.sum(axis=1, keepdims=True)
        weights = np.where(sums > 0, weights / np.where(sums > 0, sums, 1.0), 0.0)
    return {"stake": draw(stakes(n_rows)), "weights": weights, "kappa": draw(KAPPAS)}


@st.composite
def full_epoch_inputs(
    draw,
    *,
    square: bool | None = None,
    variants=("yuma2", "yuma3", "yuma2_liquid_alpha_v1"),
    max_validators: int = 8,
    max_miners: int = 10,
) -> dict:
    """Draw :func:`yuma.epoch` keyword arguments with every optional input in play.

    Starts from :func:`yuma.testing.strategies.epoch_inputs` and adds, each sometimes:
    ``owner_uid``, ``last_update`` with ``block_at_registration`` (and then ``last_tempo``
    and ``commit_block``), ``reset_bonds``, ``listed`` (explicit zeros included),
    ``stake_threshold`` and a ``variant`` string overriding ``params.variant``.

    Parameters
    ----------
    square : bool, optional
        Force the square (True) or rectangular (False) form.
    variants : sequence of str
        Variant names to choose from.
    max_validators, max_miners : int
        Upper bounds on the sizes.

    Returns
    -------
    dict
    """
    kw = draw(
        epoch_inputs(
            square=square,
            variants=variants,
            max_validators=max_validators,
            max_miners=max_miners,
        )
    )
    n_rows, n_cols = kw["weights"].shape
    if n_rows and draw(st.booleans()):
        kw["owner_uid"] = draw(st.integers(0, n_rows - 1))
    if draw(st.booleans()):
        kw["block_at_registration"] = draw(block_vectors(n_cols))
        if draw(st.booleans()):
            kw["last_update"] = draw(block_vectors(n_rows))
        if draw(st.booleans()):
            kw["last_tempo"] = draw(st.integers(0, 13))
        if draw(st.booleans()):
            kw["commit_block"] = draw(block_vectors(n_rows))
    if draw(st.booleans()):
        kw["reset_bonds"] = draw(masks(n_cols))
    if draw(st.booleans()):
        kw["listed"] = draw(mask_matrices(n_rows, n_cols))
    if draw(st.booleans()):
        kw["stake_threshold"] = draw(st.sampled_from([0.0, 1.0, 3.0, 1e3]))
    if draw(st.booleans()):
        kw["variant"] = draw(st.sampled_from(list(variants)))
    return kw

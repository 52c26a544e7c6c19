"""Hypothesis strategies for epoch inputs: bounded, with degenerate cases on purpose.

Sizes are drawn first, then arrays that fit. Values are finite and bounded. On purpose,
the strategies produce ties (weights from a small grid), zero stake, all-zero weight rows,
a single validator and empty masks.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..params import YumaParams

__all__ = [
    "stakes",
    "weight_matrices",
    "epoch_inputs",
    "yuma_params",
]

_GRID = (0.0, 0.25, 0.5, 1.0)  # few distinct values: ties in the median and at kappa


@st.composite
def stakes(draw, n: int, *, allow_all_zero: bool = True) -> np.ndarray:
    """Draw a stake vector of length ``n``: positive, integer-like, zero or all zero.

    Parameters
    ----------
    n : int
        Length.
    allow_all_zero : bool
        Allow the all-zero vector.

    Returns
    -------
    numpy.ndarray
    """
    kind = draw(st.sampled_from(["float", "int", "zero"] if allow_all_zero else ["float", "int"]))
    if kind == "zero":
        return np.zeros(n)
    if kind == "int":
        vals = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))
        return np.array(vals, dtype=np.float64)
    elem = st.one_of(st.just(0.0), st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False))
    return np.array(draw(st.lists(elem, min_size=n, max_size=n)), dtype=np.float64)


@st.composite
def weight_matrices(draw, n_rows: int, n_cols: int) -> np.ndarray:
    """Draw a non-negative weight matrix; some rows zero, values often tied.

    Parameters
    ----------
    n_rows, n_cols : int
        Shape.

    Returns
    -------
    numpy.ndarray
    """
    kind = draw(st.sampled_from(["grid", "float", "u16"]))
    size = n_rows * n_cols
    if kind == "grid":
        elem = st.sampled_from(_GRID)
    elif kind == "u16":
        elem = st.integers(0, 65535).map(float)
    else:
        elem = st.one_of(st.just(0.0), st.floats(0.0, 1.0, allow_nan=False))
    vals = np.array(draw(st.lists(elem, min_size=size, max_size=size)), dtype=np.float64)
    w = vals.reshape(n_rows, n_cols)
    if n_rows and draw(st.booleans()):
        zero_rows = draw(st.lists(st.integers(0, n_rows - 1), max_size=n_rows))
        w[zero_rows, :] = 0.0
    return w


@st.composite
def yuma_params(draw, *, variants=("yuma2", "yuma3", "yuma2_liquid_alpha_v1")) -> YumaParams:
    """Draw hyperparameters, including the boundary values 0 and 1.

    Parameters
    ----------
    variants : sequence of str
        Variant names to choose from.

    Returns
    -------
    YumaParams
    """
    unit = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0))
    low = draw(unit)
    high = draw(st.floats(low, 1.0))
    return YumaParams(
        kappa=draw(st.one_of(st.just(32767 / 65535), unit)),
        bonds_moving_average=draw(st.one_of(st.just(0.9), unit)),
        bonds_penalty=draw(st.one_of(st.sampled_from([0.0, 1.0]), unit)),
        liquid_alpha=draw(st.booleans()),
        alpha_low=low,
        alpha_high=high,
        alpha_sigmoid_steepness=draw(st.sampled_from([10.0, 0.0, 1.0, 100.0, -5.0])),
        variant=draw(st.sampled_from(list(variants))),
        max_allowed_validators=draw(st.integers(0, 12)),
    )


@st.composite
def epoch_inputs(
    draw,
    *,
    max_validators: int = 8,
    max_miners: int = 10,
    square: bool | None = None,
    variants=("yuma2", "yuma3", "yuma2_liquid_alpha_v1"),
) -> dict:
    """Draw keyword arguments for :func:`yuma.epoch`.

    Parameters
    ----------
    max_validators, max_miners : int
        Upper bounds on the sizes (0 is allowed).
    square : bool, optional
        Force the chain's square form (True) or the rectangular form (False).
    variants : sequence of str
        Variant names for ``params``.

    Returns
    -------
    dict
        ``weights``, ``stake``, ``bonds``, ``params``, ``active``, ``validator_permit``
        and sometimes ``listed``.
    """
    is_square = draw(st.booleans()) if square is None else square
    n_rows = draw(st.integers(0, max_validators))
    n_cols = n_rows if is_square else draw(st.integers(0, max_miners))
    if not is_square and n_rows == n_cols:
        n_cols += 1
    weights = draw(weight_matrices(n_rows, n_cols))
    stake = draw(stakes(n_rows))
    params = draw(yuma_params(variants=variants))
    bonds_kind = draw(st.sampled_from(["none", "zero", "random"]))
    if bonds_kind == "none":
        bonds = None
    elif bonds_kind == "zero":
        bonds = np.zeros((n_rows, n_cols))
    else:
        vals = draw(
            st.lists(st.floats(0.0, 1.0), min_size=n_rows * n_cols, max_size=n_rows * n_cols)
        )
        bonds = np.array(vals, dtype=np.float64).reshape(n_rows, n_cols)
    mask = st.lists(st.booleans(), min_size=n_rows, max_size=n_rows).map(np.array)
    active = draw(st.one_of(st.none(), mask))
    permit = draw(st.one_of(st.none(), mask))
    out = {
        "weights": weights,
        "stake": stake,
        "bonds": bonds,
        "params": params,
        "active": None if active is None else active.astype(np.bool_),
        "validator_permit": None if permit is None else permit.astype(np.bool_),
    }
    if draw(st.booleans()):
        out["listed"] = weights > 0.0
    return out

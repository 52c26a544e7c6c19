"""Extra Hypothesis strategies for invariant tests: scale factors, extreme magnitudes, masks.

These complement :mod:`yuma.testing.strategies`. They draw only valid inputs (finite,
non-negative), including magnitudes at both ends of the float64 range.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..params import YumaParams

__all__ = [
    "power_of_two_exponents",
    "scale_factors",
    "extreme_floats",
    "extreme_epoch_inputs",
    "epoch_extras",
]


def power_of_two_exponents(max_exponent: int = 40):
    """Draw an integer ``k`` with ``|k| <= max_exponent`` (scale by ``2.0**k``).

    Parameters
    ----------
    max_exponent : int
        Largest absolute exponent.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of int
    """
    return st.integers(-max_exponent, max_exponent)


def scale_factors(low: float = 1e-3, high: float = 1e3):
    """Draw a positive factor in ``[low, high]``, often one that is not a power of two.

    Parameters
    ----------
    low, high : float
        Range of the factor (both positive).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float
    """
    return st.one_of(
        st.sampled_from([3.0, 0.1, 7.0 / 3.0, 1e3, 1e-3]),
        st.floats(low, high, allow_nan=False, allow_infinity=False),
    ).filter(lambda c: low <= c <= high)


_MAGNITUDES = (
    0.0,
    5e-324,
    1e-310,
    2.2250738585072014e-308,
    1e-300,
    1e-150,
    0.1,
    1.0,
    3.0,
    65535.0,
    1e150,
    1e300,
    1e308,
    1.7976931348623157e308,
)


def extreme_floats(*, any_float: bool = True):
    """Draw a non-negative finite float anywhere in float64's range, subnormals included.

    Parameters
    ----------
    any_float : bool
        Also draw arbitrary floats; otherwise only a fixed list of magnitudes from the
        smallest subnormal to the largest finite float (faster to shrink).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float
    """
    fixed = st.one_of(st.just(0.0), st.sampled_from(_MAGNITUDES))
    if not any_float:
        return fixed
    return st.one_of(
        fixed, st.floats(0.0, 1.7976931348623157e308, allow_nan=False, allow_infinity=False)
    )


@st.composite
def extreme_epoch_inputs(
    draw, *, max_validators: int = 5, max_miners: int = 6, any_float: bool = True
) -> dict:
    """Draw epoch keyword arguments whose weights and stake span the whole float64 range.

    Parameters
    ----------
    max_validators, max_miners : int
        Upper bounds on the sizes (at least one validator).
    any_float : bool
        See :func:`extreme_floats`.

    Returns
    -------
    dict
        ``weights``, ``stake`` and ``params`` for :func:`yuma.epoch`.
    """
    square = draw(st.booleans())
    n_rows = draw(st.integers(1, max_validators))
    n_cols = n_rows if square else draw(st.integers(1, max_miners))
    if not square and n_cols == n_rows:
        n_cols += 1
    size = n_rows * n_cols
    weights = np.array(
        draw(st.lists(extreme_floats(any_float=any_float), min_size=size, max_size=size)),
        dtype=np.float64,
    ).reshape(n_rows, n_cols)
    stake = np.array(
        draw(st.lists(extreme_floats(any_float=any_float), min_size=n_rows, max_size=n_rows)),
        dtype=np.float64,
    )
    variant = draw(st.sampled_from(["yuma2", "yuma2_liquid_alpha_v1", "yuma3"]))
    params = YumaParams(variant=variant, liquid_alpha=draw(st.booleans()))
    return {"weights": weights, "stake": stake, "params": params}


@st.composite
def epoch_extras(draw, n_rows: int, n_cols: int) -> dict:
    """Draw the optional epoch arguments: block numbers, reset mask, owner, threshold.

    Parameters
    ----------
    n_rows, n_cols : int
        Shape of the weight matrix.

    Returns
    -------
    dict
        A subset of ``last_update``, ``block_at_registration``, ``commit_block``,
        ``last_tempo``, ``reset_bonds``, ``owner_uid`` and ``stake_threshold``.
    """
    blocks = st.integers(0, 20)
    out: dict = {}
    if draw(st.booleans()):
        out["block_at_registration"] = np.array(
            draw(st.lists(blocks, min_size=n_cols, max_size=n_cols)), dtype=np.int64
        )
        if draw(st.booleans()):
            out["last_update"] = np.array(
                draw(st.lists(blocks, min_size=n_rows, max_size=n_rows)), dtype=np.int64
            )
        if draw(st.booleans()):
            out["commit_block"] = np.array(
                draw(st.lists(blocks, min_size=n_rows, max_size=n_rows)), dtype=np.int64
            )
        if draw(st.booleans()):
            out["last_tempo"] = draw(blocks)
    if draw(st.booleans()):
        out["reset_bonds"] = np.array(
            draw(st.lists(st.booleans(), min_size=n_cols, max_size=n_cols)), dtype=np.bool_
        )
    if n_rows and draw(st.booleans()):
        out["owner_uid"] = draw(st.integers(0, n_rows - 1))
    if draw(st.booleans()):
        out["stake_threshold"] = draw(st.sampled_from([0.5, 1.0, 3.0]))
    return out

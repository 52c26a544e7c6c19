"""Hypothesis strategies for multi-epoch scenarios (:class:`yuma.Scenario`).

Small subnets over a few epochs, with every kind of event and, sometimes, a weight copier.
Weights come from a small grid (ties in the median and at kappa), rows are sometimes all
zero, stakes sometimes zero, and weights sometimes persist from one epoch to the next.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..params import YumaParams
from ..sim.scenarios import (
    BondReset,
    Inactive,
    MinerJoin,
    MinerLeave,
    Scenario,
    StakeChange,
    WeightCopier,
)

__all__ = ["scenarios", "scenario_params"]

_GRID = np.array([0.0, 0.1, 0.25, 0.5, 1.0])


@st.composite
def scenario_params(draw, *, n_rows: int = 4) -> YumaParams:
    """Draw hyperparameters for a scenario (any built-in variant, liquid alpha on or off).

    Parameters
    ----------
    n_rows : int
        Number of validators (bounds ``max_allowed_validators``).

    Returns
    -------
    YumaParams
    """
    return YumaParams(
        variant=draw(st.sampled_from(["yuma2", "yuma2_liquid_alpha_v1", "yuma3"])),
        liquid_alpha=draw(st.booleans()),
        bonds_penalty=draw(st.sampled_from([0.0, 0.5, 1.0])),
        bonds_moving_average=draw(st.sampled_from([0.5, 0.9, 0.975])),
        kappa=draw(st.sampled_from([0.25, 32767 / 65535, 0.75])),
        max_allowed_validators=draw(st.integers(1, max(1, n_rows))),
    )


@st.composite
def scenarios(
    draw,
    *,
    max_epochs: int = 6,
    max_rows: int = 4,
    max_cols: int = 4,
    square: bool | None = None,
    events: bool = True,
    copiers: bool = True,
) -> Scenario:
    """Draw a small scenario.

    Parameters
    ----------
    max_epochs, max_rows, max_cols : int
        Size bounds (rectangular: ``V != n``; square: ``n = V``).
    square : bool, optional
        Force the form; None draws it.
    events : bool
        Draw events (bond resets, stake changes, inactivity, joins and leaves).
    copiers : bool
        Sometimes make one validator a :class:`yuma.WeightCopier`.

    Returns
    -------
    Scenario
    """
    sq = draw(st.booleans()) if square is None else square
    n_epochs = draw(st.integers(1, max_epochs))
    n_rows = draw(st.integers(1 if not sq else 2, max_rows))
    if sq:
        n_cols = n_rows
    else:
        n_cols = draw(st.integers(1, max_cols).filter(lambda k: k != n_rows))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = _GRID[rng.integers(0, len(_GRID), (n_epochs, n_rows, n_cols))]
    for t in range(1, n_epochs):
        if rng.random() < 0.4:
            w[t] = w[t - 1]  # no new weights this epoch
    w[rng.random((n_epochs, n_rows)) < 0.1] = 0.0
    if rng.random() < 0.5:
        stakes = rng.pareto(1.5, n_rows) * (rng.random(n_rows) < 0.8)
    else:
        stakes = rng.pareto(1.5, (n_epochs, n_rows)) * (rng.random((n_epochs, n_rows)) < 0.85)
    first_col_uid = 0 if sq else n_rows
    evs: list = []
    if events:
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(["reset", "stake", "inactive", "churn"]))
            epoch = draw(st.integers(0, n_epochs - 1))
            row = draw(st.integers(0, n_rows - 1))
            col_uid = first_col_uid + draw(st.integers(0, n_cols - 1))
            if kind == "reset":
                evs.append(BondReset(epoch, col_uid))
            elif kind == "stake":
                evs.append(StakeChange(epoch, row, draw(st.sampled_from([0.0, 0.5, 3.0]))))
            elif kind == "inactive":
                until = draw(st.one_of(st.none(), st.integers(epoch + 1, n_epochs)))
                evs.append(Inactive(epoch, row, until))
            elif not any(isinstance(e, (MinerJoin, MinerLeave)) and e.uid == col_uid for e in evs):
                times = sorted(draw(st.sets(st.integers(0, n_epochs - 1), min_size=1, max_size=3)))
                joining = draw(st.booleans())
                for t in times:
                    evs.append((MinerJoin if joining else MinerLeave)(t, col_uid))
                    joining = not joining
    cps: tuple[WeightCopier, ...] = ()
    if copiers and draw(st.integers(0, 2)) == 0:
        cps = (
            WeightCopier(
                uid=draw(st.integers(0, n_rows - 1)),
                lag=draw(st.integers(1, 3)),
                warmup=draw(st.sampled_from(["first", "none"])),
            ),
        )
    return Scenario(
        name="drawn",
        weights=w,
        stakes=stakes,
        events=tuple(evs),
        copiers=cps,
        u16_bonds=draw(st.booleans()),
    )

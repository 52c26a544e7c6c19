"""User-defined variants at module level, as a user's own module would hold them.

Importable as ``tests.variant_helpers`` from the repository root (``yuma compare
tests.variant_helpers:NO_PENALTY``) and as ``variant_helpers`` from the tests (pytest puts
``tests/`` on the path), and picklable for the worker processes of
:func:`yuma.analysis.sweep.sweep`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

import yuma
from yuma.analysis.compare import Candidate


def raw_weights(weights, clipped_weights, bonds_penalty):
    """Bonds from the unclipped weights: no bonds penalty, whatever ``bonds_penalty`` says."""
    return np.array(weights, dtype=np.float64)


def explode(active_stake, weights, kappa):
    """A consensus step that always raises."""
    raise RuntimeError("boom")


YUMA3_TWIN = yuma.variant("yuma3_twin", base=yuma.YUMA3)
"""Yuma 3's steps under another name: runs the step-by-step path, same results."""

YUMA2_TWIN = dataclasses.replace(yuma.YUMA2, name="yuma2_twin")

NO_PENALTY = yuma.variant("yuma3_no_penalty", base=yuma.YUMA3, weights_for_bonds=raw_weights)
"""Yuma 3 whose bonds ignore clipping (as ``bonds_penalty = 0``)."""

NO_PENALTY_LA = Candidate("yuma3_no_penalty+la", NO_PENALTY, {"liquid_alpha": True})

PARAMS_PRESET = yuma.YumaParams(liquid_alpha=True, kappa=0.6)

NOT_A_VARIANT = 42

BAD_STEP = dataclasses.replace(yuma.YUMA3, name="bad_step", dividends="not a function")

CRASHES = yuma.variant("crashes", consensus=explode)


def total_dividends(variant, scenario: str = "kappa_delayed", epochs: int = 12) -> dict:
    """A sweep point: each validator's total dividends over a scenario's first epochs."""
    sim = yuma.simulate(yuma.get_scenario(scenario), variant=variant, epochs=epochs)
    return {f"d{i}": float(x) for i, x in enumerate(sim.dividends.sum(axis=0))}

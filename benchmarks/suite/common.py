"""Inputs shared by the asv suite and ``python -m benchmarks.table``.

Two shapes, as users run them:

* ``chain-like``: the chain's square form with ``n`` UIDs, of which the first
  ``V = min(256, n)`` are staked validators that weight every UID; the other rows are
  miners (no stake, no weights). The memory floor is one pass over the ``V x n`` rows.
* ``dense``: every one of the ``n`` rows is staked and sets weights (``n x n``).

and the chain-like shape as the chain stores it (:func:`make_sparse_case`): CSR weights and
bonds about :data:`SPARSE_DENSITY` dense.
"""

from __future__ import annotations

import os

import numpy as np

import yuma

SIZES = [256, 1024, 4096, 16384]
SMALL_SHAPES = ["8x16", "64x256"]
"""``validators x miners`` of the small epochs that sweeps and simulations run by thousands."""
SHAPES = ["chain-like", "dense"]
CHAIN_VALIDATORS = 256
SPARSE_SIZES = [1024, 4096, 16384]
SPARSE_DENSITY = 0.03
"""Stored entries over ``n * n`` of the sparse cases: a real subnet's weight matrix is about
3 % dense (SN15 at block 4769998: 1,687 of 65,536 entries)."""
VARIANTS = {
    "yuma2": yuma.YumaParams(variant="yuma2"),
    "yuma3": yuma.YumaParams(variant="yuma3"),
    "yuma3+la": yuma.YumaParams(variant="yuma3", liquid_alpha=True),
}


def xl_enabled() -> bool:
    """Whether the largest case (dense 16384, 2 GiB per matrix) should run."""
    return os.environ.get("YUMA_BENCH_XL", "") not in ("", "0")


def make_case(shape: str, n: int, seed: int = 0):
    """Return ``(weights, stake, bonds, staked_rows)`` for one benchmark case.

    Weights are rounded to 3 decimals (ties in every column) with about 20 % zeros; stake
    is heavy-tailed (Pareto); bonds are in [0, 0.2]. ``staked_rows`` is the number of
    leading rows that hold stake (the memory floor is one pass over them).
    """
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    rng = np.random.default_rng(seed)
    n_staked = min(CHAIN_VALIDATORS, n) if shape == "chain-like" else n
    weights = np.zeros((n, n))
    block = rng.random((n_staked, n))
    block[block < 0.2] = 0.0
    weights[:n_staked] = np.round(block, 3)
    stake = np.zeros(n)
    stake[:n_staked] = rng.pareto(1.5, n_staked) + 1e-3
    bonds = np.zeros((n, n))
    bonds[:n_staked] = rng.random((n_staked, n)) * 0.2
    return weights, stake, bonds, n_staked


def make_small_case(shape: str, seed: int = 0):
    """Return ``(weights, stake, bonds)`` of a ``validators x miners`` subnet (``"8x16"``).

    Weights on the chain's u16 scale with about 20 % zeros, heavy-tailed (Pareto) stake,
    bonds in [0, 0.2].
    """
    n_validators, n_miners = (int(x) for x in shape.split("x"))
    rng = np.random.default_rng(seed)
    weights = np.floor(rng.random((n_validators, n_miners)) * 65536.0)
    weights[rng.random(weights.shape) < 0.2] = 0.0
    stake = rng.pareto(1.5, n_validators) + 1e-3
    bonds = rng.random((n_validators, n_miners)) * 0.2
    return weights, stake, bonds


def make_sparse_case(n: int, density: float = SPARSE_DENSITY, seed: int = 0):
    """Return ``(weights, stake, bonds, staked_rows)``: the chain-like shape as CSR.

    The first ``V = min(256, n)`` UIDs are staked validators; each lists each UID with
    probability ``density * n / V`` (capped at 1), so that the ``n x n`` matrix holds about
    ``density * n * n`` entries, with weights rounded to 3 decimals (ties in every column;
    about 0.1 % explicit zeros). The bonds are in [0, 0.2] on the weights' entries (steady
    state: a validator holds bonds where it sets weights); stake is heavy-tailed (Pareto).
    ``staked_rows`` is the dense ``V x n`` block of the weights (the memory floor).
    ``scipy`` must be installed (the bench and test extras bring it).
    """
    from scipy import sparse

    rng = np.random.default_rng(seed)
    n_staked = min(CHAIN_VALIDATORS, n)
    listed = rng.random((n_staked, n)) < min(1.0, density * n / n_staked)
    values = np.round(rng.random((n_staked, n)), 3)
    rows, cols = np.nonzero(listed)
    weights = sparse.csr_array((values[rows, cols], (rows, cols)), shape=(n, n))
    bonds = sparse.csr_array((rng.random(rows.size) * 0.2, (rows, cols)), shape=(n, n))
    stake = np.zeros(n)
    stake[:n_staked] = rng.pareto(1.5, n_staked) + 1e-3
    staked_rows = np.where(listed, values, 0.0)
    return weights, stake, bonds, staked_rows

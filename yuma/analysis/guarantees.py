r"""Consensus guarantees at scale: Monte Carlo maps of honest emission against a cabal.

The model of the chain's document (``opentensor/subtensor``, ``docs/consensus.md``:
"Game-theoretic framework", "Monte Carlo simulations", "Consensus guarantees"), with this
library's epoch math.

Network
    ``n_uids`` UIDs (512), of which ``n_validators`` (64) are validators and the rest
    servers. For an honest stake share :math:`S_H` the honest team has
    :math:`|H_V| = \lfloor S_H n_V \rfloor` validators and
    :math:`|H_S| = \lfloor S_H n_S \rfloor` servers, both kept within ``[1, n - 1]`` so
    that each team has at least one of each (the document's "modifying extremes"); the
    cabal has the rest. Honest UIDs come first.

Stake
    :math:`S'_i = \max(0, 1 + \sigma_S z_i)`, :math:`z_i \sim N(0, 1)`, :math:`\sigma_S = 0.3`;
    then :math:`S_i = S_H S'_i / \sum_{k \in H_V} S'_k` for honest validators and
    :math:`S_i = (1 - S_H) S'_i / \sum_{k \in C_V} S'_k` for the cabal's.

Weights
    :math:`W'_{ij} = \max(0, 1 + \sigma_W z_{ij})`, normalized within each of the four
    quadrants of a row and scaled by the quadrant's share: honest validators put
    :math:`W_H` on honest servers and :math:`1 - W_H` on the cabal's; cabal validators put
    :math:`W_C` on cabal servers and :math:`1 - W_C` on honest ones, e.g.
    :math:`W_{ij} = W_H W'_{ij} / \sum_{k \in H_S} W'_{ik}` for :math:`i \in H_V, j \in H_S`.

Emission
    :func:`yuma.epoch` runs ``epochs`` times on these weights (rectangular form:
    validators' rows, servers' columns; bonds and permits carried; first epoch from zero
    bonds, as the chain's test ``map_consensus_guarantees`` does), giving incentive
    :math:`I` (servers) and dividends :math:`D` (validators). With the validator emission
    ratio :math:`\xi` (eq. 7 of the document),

    .. math:: E_H = \frac{\xi \sum_{i \in H_V} D_i + (1 - \xi) \sum_{j \in H_S} I_j}
              {\xi \sum_i D_i + (1 - \xi) \sum_j I_j},\qquad E_C = 1 - E_H

    (both computed from their own sums). When the denominator is 0 (no incentive), the
    validators are paid by active stake, as the chain's emission split does.

Retention
    For each :math:`S_H` and :math:`W_C`, the honest utility that keeps the stake share is
    :math:`W_H^*(S_H, W_C)`, where :math:`E_H(W_H) = S_H` on the uppermost crossing (linear
    interpolation between grid points; 0 when :math:`E_H \ge S_H` on the whole grid, NaN
    when :math:`E_H < S_H` even at :math:`W_H = 1`). The honest utility needed against the
    cabal's best self-weight is :math:`\max_{W_C} W_H^*` (infinite if some :math:`W_C`
    cannot be answered), reached at the cabal's optimal :math:`W_C`.

Noise
    ``noise="common"`` (default): one draw of all the :math:`z` per seed, shared by every
    grid point (common random numbers, as the chain's test that reseeds its generator at
    every point), so the maps are smooth and differences between parameters are not
    sampling noise. ``noise="independent"``: a fresh draw per point, from the point's
    seed sequence (:func:`yuma.analysis.sweep.point_seed` of the grid index).

Speed: the grid runs as one sweep point per (S_H, W_C) (and value of any further axis),
whose W_H values are one :func:`yuma.epoch_batch` call per epoch (:func:`honest_emissions`,
vectors and the last epoch's weights only); each point has the bits of
:func:`honest_emission`, the point-by-point reference. The noise and the quadrant patterns
are computed once per (seed, S_H, sigma) and cached in each process, then scaled by the
four quadrant shares. The sweep spreads the blocks over processes or a Dask cluster
(:func:`yuma.analysis.sweep.sweep`).

The document's epoch is Yuma 2 (bonds from stake-weighted, column-normalized clipped
weights; ``variant="yuma2"``, the default here). With constant weights and no liquid
alpha, E_H does not depend on ``epochs`` (the bonds' EMA is column-normalized, or scaled
uniformly under Yuma 3), so one epoch is the converged value; liquid alpha needs more.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, overload

import numba
import numpy as np
from numpy.typing import ArrayLike

from .._extras import import_optional
from .._outputs import check_output_path
from .._validation import as_float64, is_integer, is_real_number
from ..core.batch import epoch_batch
from ..core.run_epoch import epoch
from ..core.variants import VARIANTS, Variant
from ..params import YumaParams

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

_Seed = int | np.random.SeedSequence | None
"""One point's seed: an integer (common random numbers), a SeedSequence or None."""

__all__ = [
    "DEFAULT_STAKES",
    "BASELINE",
    "PANELS",
    "DOC_REQUIRED_UTILITY",
    "team_sizes",
    "Network",
    "sample_network",
    "honest_emission",
    "honest_emissions",
    "retention_line",
    "RetentionMap",
    "emission_map",
    "panel",
    "grid_frame",
    "plot_emission_map",
    "plot_retention_lines",
    "plot_panel",
]

DEFAULT_STAKES = (0.51, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99)
"""Honest stake shares of the document's maps."""

BASELINE = {"kappa": 0.5, "bonds_penalty": 1.0, "xi": 0.5, "sigma_w": 0.4}
"""The document's setting when another hyperparameter varies (its 73% at S_H = 0.6)."""

PANELS = {
    "kappa": (0.4, 0.5, 0.6),
    "bonds_penalty": (0.0, 0.5, 1.0),
    "xi": (0.0, 0.25, 0.5),
    "sigma_w": (0.0, 0.2, 0.4),
}
"""The document's panels: the hyperparameter and its three values."""

DOC_REQUIRED_UTILITY = {
    ("kappa", 0.4): (0.51, 0.93, 1.0),
    ("kappa", 0.5): (0.51, 0.88, 1.0),
    ("kappa", 0.6): (0.51, 1.00, 1.0),
    ("bonds_penalty", 0.0): (0.6, 0.78, 1.0),
    ("bonds_penalty", 0.5): (0.6, 0.76, 1.0),
    ("bonds_penalty", 1.0): (0.6, 0.73, 0.8),
    ("xi", 0.0): (0.6, 0.82, 1.0),
    ("xi", 0.25): (0.6, 0.78, 1.0),
    ("xi", 0.5): (0.6, 0.73, 0.8),
    ("sigma_w", 0.0): (0.6, 0.60, 0.4),
    ("sigma_w", 0.2): (0.6, 0.67, 0.6),
    ("sigma_w", 0.4): (0.6, 0.73, 0.8),
}
"""The document's readings per panel: ``(S_H, W_H needed, cabal's optimal W_C)``, from
``docs/consensus.md`` and its figures' labels ("60% stake + 73% utility", "optimal cabal
weight = 80%"); the kappa figures highlight S_H = 0.51 ("51% stake + 88% utility"; at
kappa 0.6 "no protection for S_H < 0.6 even with W_H = 1")."""

_PARAM_NAMES = (
    "n_uids", "n_validators", "kappa", "bonds_penalty", "xi", "sigma_w", "sigma_s",
    "epochs", "variant", "liquid_alpha",
)


def _non_extreme(ratio: float, total: int) -> int:
    subset = int(math.floor(ratio * total))
    return min(max(subset, 1), total - 1)


def team_sizes(s_h: float, n_uids: int = 512, n_validators: int = 64) -> tuple[int, int]:
    """Honest validators and honest servers for an honest stake share.

    Parameters
    ----------
    s_h : float
        Honest stake share in (0, 1).
    n_uids : int
        UIDs in the network.
    n_validators : int
        Validators among them (the rest are servers).

    Returns
    -------
    (int, int)
        ``floor(s_h * n_validators)`` and ``floor(s_h * n_servers)``, each kept in
        ``[1, n - 1]``.
    """
    s_h = _check_unit("s_h", s_h, open_=True)
    _check_sizes(n_uids, n_validators)
    return _non_extreme(s_h, n_validators), _non_extreme(s_h, n_uids - n_validators)


def _check_sizes(n_uids: int, n_validators: int) -> None:
    for name, value in (("n_uids", n_uids), ("n_validators", n_validators)):
        if isinstance(value, bool) or not is_integer(value):
            raise ValueError(f"{name} must be an integer, got {value!r}")
    if n_uids > 65535:  # the chain's UIDs are u16
        raise ValueError(f"n_uids must be at most 65535 (UIDs are u16), got {n_uids}")
    if n_validators < 2 or n_uids - n_validators < 2:
        raise ValueError(
            "need n_validators >= 2 and n_uids - n_validators >= 2 (each team needs a "
            f"validator and a server), got n_uids={n_uids}, n_validators={n_validators}"
        )


def _check_unit(name: str, value: float, *, open_: bool = False) -> float:
    if isinstance(value, bool) or not is_real_number(value):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    value = float(value)
    ok = 0.0 < value < 1.0 if open_ else 0.0 <= value <= 1.0
    if not math.isfinite(value) or not ok:
        interval = "(0, 1)" if open_ else "[0, 1]"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def _check_sigma(name: str, value: float) -> float:
    if isinstance(value, bool) or not is_real_number(value):
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return float(value)


@dataclass(frozen=True, eq=False)
class Network:
    r"""A sampled honest-vs-cabal network, rectangular (validators x servers).

    Parameters
    ----------
    stake : numpy.ndarray, shape (n_validators,)
        Normalized stake; the first ``n_honest_validators`` are honest and hold ``S_H``.
    weights : numpy.ndarray, shape (n_validators, n_servers)
        Weights; the first ``n_honest_servers`` columns are the honest servers.
    n_honest_validators : int
        :math:`|H_V|`.
    n_honest_servers : int
        :math:`|H_S|`.
    """

    stake: np.ndarray
    weights: np.ndarray
    n_honest_validators: int
    n_honest_servers: int


def _draws(
    seed: int | np.random.SeedSequence | None, n_validators: int, n_servers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal draws for the stake (V,) and the weights (V, n_servers)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss)
    return rng.standard_normal(n_validators), rng.standard_normal((n_validators, n_servers))


def _quadrant_normalize(x: np.ndarray) -> np.ndarray:
    sums = x.sum(axis=1, keepdims=True)
    result: np.ndarray = np.divide(x, sums, out=np.zeros_like(x), where=sums > 0)
    return result


def _patterns(
    z_stake: np.ndarray, z_w: np.ndarray, s_h: float, sigma_w: float, sigma_s: float, n_hv: int,
    n_hs: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stake (V,) and quadrant-normalized weight patterns (V, n_servers)."""
    raw = np.maximum(0.0, 1.0 + sigma_s * z_stake)
    stake = np.empty_like(raw)
    for sl, share in ((slice(0, n_hv), s_h), (slice(n_hv, None), 1.0 - s_h)):
        part = raw[sl]
        total = part.sum()
        stake[sl] = share * (part / total if total > 0 else np.full(part.shape, 1.0 / part.size))
    w = np.maximum(0.0, 1.0 + sigma_w * z_w)
    pattern = np.empty_like(w)
    pattern[:, :n_hs] = _quadrant_normalize(w[:, :n_hs])
    pattern[:, n_hs:] = _quadrant_normalize(w[:, n_hs:])
    return stake, pattern


@functools.lru_cache(maxsize=16)
def _common_patterns(
    seed: int, n_uids: int, n_validators: int, s_h: float, sigma_w: float, sigma_s: float
) -> tuple[np.ndarray, np.ndarray]:
    n_hv, n_hs = team_sizes(s_h, n_uids, n_validators)
    z_stake, z_w = _draws(seed, n_validators, n_uids - n_validators)
    stake, pattern = _patterns(z_stake, z_w, s_h, sigma_w, sigma_s, n_hv, n_hs)
    stake.setflags(write=False)
    pattern.setflags(write=False)
    return stake, pattern


def _assemble(
    stake: np.ndarray, pattern: np.ndarray, w_h: float, w_c: float, n_hv: int, n_hs: int
) -> Network:
    scale = np.empty_like(pattern)
    scale[:n_hv, :n_hs] = w_h
    scale[:n_hv, n_hs:] = 1.0 - w_h
    scale[n_hv:, :n_hs] = 1.0 - w_c
    scale[n_hv:, n_hs:] = w_c
    return Network(stake, pattern * scale, n_hv, n_hs)


def sample_network(
    s_h: float,
    w_h: float,
    w_c: float,
    *,
    n_uids: int = 512,
    n_validators: int = 64,
    sigma_w: float = 0.4,
    sigma_s: float = 0.3,
    seed: int | np.random.SeedSequence | None = 0,
) -> Network:
    r"""Sample the document's honest-vs-cabal network.

    Parameters
    ----------
    s_h : float
        Honest stake share, in (0, 1).
    w_h : float
        Honest self-weight (utility) :math:`W_H`, in [0, 1].
    w_c : float
        Cabal self-weight :math:`W_C`, in [0, 1].
    n_uids : int
        UIDs (validators and servers).
    n_validators : int
        Validators.
    sigma_w : float
        Standard deviation of the weight noise :math:`\sigma_W` (relative to the mean).
    sigma_s : float
        Standard deviation of the stake noise :math:`\sigma_S`.
    seed : int or numpy.random.SeedSequence
        Seed of the noise; the same seed gives the same draws whatever ``s_h``, ``w_h``
        and ``w_c`` (common random numbers).

    Returns
    -------
    Network
    """
    s_h = _check_unit("s_h", s_h, open_=True)
    w_h, w_c = _check_unit("w_h", w_h), _check_unit("w_c", w_c)
    sigma_w, sigma_s = _check_sigma("sigma_w", sigma_w), _check_sigma("sigma_s", sigma_s)
    n_hv, n_hs = team_sizes(s_h, n_uids, n_validators)
    if is_integer(seed) and not isinstance(seed, bool):
        stake, pattern = _common_patterns(int(seed), n_uids, n_validators, s_h, sigma_w, sigma_s)
    else:
        z_stake, z_w = _draws(seed, n_validators, n_uids - n_validators)
        stake, pattern = _patterns(z_stake, z_w, s_h, sigma_w, sigma_s, n_hv, n_hs)
    return _assemble(stake, pattern, w_h, w_c, n_hv, n_hs)


def _params_and_variant(
    kappa: float, bonds_penalty: float, liquid_alpha: bool, variant: str | Variant,
    n_validators: int
) -> tuple[YumaParams, Variant | None]:
    if isinstance(variant, Variant):
        var, name = variant, "yuma3"
    elif isinstance(variant, str) and variant in VARIANTS:
        var, name = None, variant
    else:
        raise ValueError(f"variant must be a Variant or one of {sorted(VARIANTS)}, got {variant!r}")
    params = YumaParams(
        kappa=float(kappa),
        bonds_penalty=float(bonds_penalty),
        liquid_alpha=bool(liquid_alpha),
        variant=name,
        max_allowed_validators=int(n_validators),
    )
    return params, var


def honest_emission(
    s_h: float,
    w_h: float,
    w_c: float,
    *,
    n_uids: int = 512,
    n_validators: int = 64,
    kappa: float = 0.5,
    bonds_penalty: float = 1.0,
    xi: float = 0.5,
    sigma_w: float = 0.4,
    sigma_s: float = 0.3,
    epochs: int = 1,
    variant: str | Variant = "yuma2",
    liquid_alpha: bool = False,
    seed: int | np.random.SeedSequence | None = 0,
) -> dict[str, float]:
    r"""Honest emission share :math:`E_H` of one sampled network (one grid point).

    Parameters
    ----------
    s_h : float
        Honest stake share :math:`S_H`, in (0, 1).
    w_h : float
        Honest self-weight :math:`W_H`.
    w_c : float
        Cabal self-weight :math:`W_C`.
    n_uids : int
        UIDs.
    n_validators : int
        Validators (also the number of validator permits).
    kappa : float
        Consensus majority :math:`\kappa`.
    bonds_penalty : float
        Bonds penalty :math:`\beta`.
    xi : float
        Validator emission ratio :math:`\xi` (servers get :math:`1 - \xi`).
    sigma_w : float
        Weight noise :math:`\sigma_W`.
    sigma_s : float
        Stake noise :math:`\sigma_S`.
    epochs : int
        Epochs run on the same weights, carrying bonds and permits.
    variant : str or Variant
        ``"yuma2"`` (the document's), ``"yuma3"``, ``"yuma2_liquid_alpha_v1"`` or a
        :class:`yuma.Variant` (with ``liquid_alpha`` read from its params as usual).
    liquid_alpha : bool
        Liquid alpha on.
    seed : int or numpy.random.SeedSequence
        Seed of the network's noise (see :func:`sample_network`).

    Returns
    -------
    dict
        ``e_h`` and ``e_c`` (emission shares, summing to 1), ``i_h`` (honest servers'
        incentive share), ``d_h`` (honest validators' dividend share) and ``weight_dev``
        (the chain test's stake-weighted mean absolute deviation of the weights over
        their mean, :math:`\sum_j \sum_i S_i |\bar W_j - W_{ij}| / \sum_j \bar W_j`).
    """
    xi = _check_unit("xi", xi)
    _check_sizes(n_uids, n_validators)
    if isinstance(epochs, bool) or not is_integer(epochs) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    params, var = _params_and_variant(kappa, bonds_penalty, liquid_alpha, variant, n_validators)
    net = sample_network(
        s_h, w_h, w_c, n_uids=n_uids, n_validators=n_validators, sigma_w=sigma_w,
        sigma_s=sigma_s, seed=seed,
    )
    bonds = permit = None
    for _ in range(int(epochs)):
        r = epoch(net.weights, net.stake, bonds, params=params, variant=var,
                  validator_permit=permit)
        bonds, permit = r.bonds, r.validator_permit
    return _point_result(
        r.incentive, r.dividends, r.active_stake, r.stake, r.weights,
        net.n_honest_validators, net.n_honest_servers, xi,
    )


def _numpy_deviation_sums(stake: np.ndarray, mean: np.ndarray, w: np.ndarray) -> np.ndarray:
    out: np.ndarray = (stake[:, None] * np.abs(mean[None, :] - w)).sum(axis=0)
    return out


def _point_result(
    inc: np.ndarray, div: np.ndarray, active_stake: np.ndarray, stake: np.ndarray,
    w: np.ndarray, hv: int, hs: int, xi: float,
    deviation: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    = _numpy_deviation_sums,
) -> dict[str, float]:
    """The results of one point from its last epoch's fields (see :func:`honest_emission`).

    ``deviation(stake, mean, w)``: the per-column stake-weighted absolute deviations.
    """
    total = xi * div.sum() + (1.0 - xi) * inc.sum()
    if total > 0.0:
        e_h = (xi * div[:hv].sum() + (1.0 - xi) * inc[:hs].sum()) / total
        e_c = (xi * div[hv:].sum() + (1.0 - xi) * inc[hs:].sum()) / total
    else:  # no incentive and no dividends: validators are paid by active stake
        pay = active_stake if active_stake.sum() > 0 else stake
        pay = pay / pay.sum()
        e_h, e_c = pay[:hv].sum(), pay[hv:].sum()
    mean = stake @ w
    dev = deviation(stake, mean, w)
    return {
        "e_h": float(e_h),
        "e_c": float(e_c),
        "i_h": float(inc[:hs].sum()),
        "d_h": float(div[:hv].sum()),
        "weight_dev": float(dev.sum() / mean.sum()) if mean.sum() > 0 else 0.0,
    }


def _grid_point(
    s_h: float, w_h: float, w_c: float, seed: np.random.SeedSequence | None = None, *,
    base_seed: int, noise: str, **params: Any
) -> dict[str, float]:
    """Module-level (picklable) point function for :func:`yuma.analysis.sweep.sweep`."""
    return honest_emission(
        s_h, w_h, w_c, seed=base_seed if noise == "common" else seed, **params
    )


def honest_emissions(
    s_h: float,
    w_h: Sequence[float],
    w_c: float,
    *,
    n_uids: int = 512,
    n_validators: int = 64,
    kappa: float = 0.5,
    bonds_penalty: float = 1.0,
    xi: float = 0.5,
    sigma_w: float = 0.4,
    sigma_s: float = 0.3,
    epochs: int = 1,
    variant: str | Variant = "yuma2",
    liquid_alpha: bool = False,
    seed: _Seed | Sequence[_Seed] = 0,
) -> list[dict[str, float]]:
    r""":func:`honest_emission` at several honest utilities :math:`W_H` at once.

    The points share :math:`S_H` and :math:`W_C`; their epochs run as one
    :func:`yuma.epoch_batch` (vectors and the last epoch's weights only), so each point's
    results are those of :func:`honest_emission`, bit for bit.

    Parameters
    ----------
    s_h : float
        Honest stake share :math:`S_H`, in (0, 1).
    w_h : sequence of float
        Honest self-weights :math:`W_H`, one per point.
    w_c : float
        Cabal self-weight :math:`W_C`.
    n_uids, n_validators, kappa, bonds_penalty, xi
        As in :func:`honest_emission`.
    sigma_w, sigma_s, epochs, variant, liquid_alpha
        As in :func:`honest_emission`.
    seed : int, numpy.random.SeedSequence or sequence of them
        One seed for every point (an int: common random numbers), or one per point.

    Returns
    -------
    list of dict
        Per point, :func:`honest_emission`'s dict.
    """
    xi = _check_unit("xi", xi)
    _check_sizes(n_uids, n_validators)
    if isinstance(epochs, bool) or not is_integer(epochs) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    params, var = _params_and_variant(kappa, bonds_penalty, liquid_alpha, variant, n_validators)
    w_h = [_check_unit("w_h", v) for v in w_h]
    seeds: list[Any] = list(seed) if isinstance(seed, (list, tuple)) else [seed] * len(w_h)
    if len(seeds) != len(w_h):
        raise ValueError(f"seed must be one seed or one per point ({len(w_h)}), "
                         f"got {len(seeds)}")
    if not w_h:
        return []
    stake, weights, n_hv, n_hs = _networks(s_h, w_h, w_c, seeds, n_uids, n_validators,
                                           sigma_w, sigma_s)
    bonds: np.ndarray | None = None
    permit: np.ndarray | None = None
    for e in range(int(epochs)):
        last = e == int(epochs) - 1
        r = epoch_batch(weights, stake, bonds, params=params, variant=var,
                        validator_permit=permit, keep=("weights",) if last else ("bonds",))
        bonds, permit = r.bonds, r.validator_permit
    last_weights = r.weights
    assert last_weights is not None  # kept on the last epoch
    return [
        _point_result(r.incentive[b], r.dividends[b], r.active_stake[b], r.stake[b],
                      last_weights[b], n_hv, n_hs, xi, deviation=_deviation_sums)
        for b in range(len(w_h))
    ]


@numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def _deviation_sums_kernel(
    stake: np.ndarray, mean: np.ndarray, w: np.ndarray, out: np.ndarray
) -> None:
    n_rows, n_cols = w.shape
    for j in range(n_cols):
        out[j] = 0.0
    for i in range(n_rows):
        s = stake[i]
        for j in range(n_cols):
            out[j] += s * abs(mean[j] - w[i, j])


def _deviation_sums(stake: np.ndarray, mean: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``(stake[:, None] * np.abs(mean[None, :] - w)).sum(axis=0)`` in one pass.

    The same products, summed over the rows in order as NumPy's reduction over the first
    axis of a C-ordered matrix with several columns does (the terms are never -0, so
    starting the sums from +0 changes no bit). NumPy sums a single column pairwise: that
    case is left to NumPy.
    """
    if w.ndim != 2 or w.shape[1] < 2:
        return _numpy_deviation_sums(stake, mean, w)
    out = np.empty(w.shape[1])
    _deviation_sums_kernel(stake, mean, np.ascontiguousarray(w), out)
    return out


def _networks(
    s_h: float, w_h: list[float], w_c: float, seeds: list[_Seed], n_uids: int,
    n_validators: int, sigma_w: float, sigma_s: float
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Stake (shared, or one per point) and the stacked weights of :func:`sample_network`.

    With one integer seed the points share the cached noise patterns, and each point's
    weights are the pattern times its quadrant's share, as :func:`_assemble` makes them.
    """
    s_h = _check_unit("s_h", s_h, open_=True)
    w_c = _check_unit("w_c", w_c)
    sigma_w, sigma_s = _check_sigma("sigma_w", sigma_w), _check_sigma("sigma_s", sigma_s)
    n_hv, n_hs = team_sizes(s_h, n_uids, n_validators)
    first = seeds[0]
    if not (is_integer(first) and all(x is first or x == first for x in seeds)):
        nets = [
            sample_network(s_h, h, w_c, n_uids=n_uids, n_validators=n_validators,
                           sigma_w=sigma_w, sigma_s=sigma_s, seed=sd)
            for h, sd in zip(w_h, seeds, strict=True)
        ]
        return (np.stack([n.stake for n in nets]), np.stack([n.weights for n in nets]),
                n_hv, n_hs)
    stake, pattern = _common_patterns(int(first), n_uids, n_validators, s_h, sigma_w, sigma_s)
    honest = np.array(w_h)[:, None, None]
    weights = np.empty((len(w_h), *pattern.shape))
    np.multiply(pattern[:n_hv, :n_hs], honest, out=weights[:, :n_hv, :n_hs])
    np.multiply(pattern[:n_hv, n_hs:], 1.0 - honest, out=weights[:, :n_hv, n_hs:])
    np.multiply(pattern[n_hv:, :n_hs], 1.0 - w_c, out=weights[:, n_hv:, :n_hs])
    np.multiply(pattern[n_hv:, n_hs:], w_c, out=weights[:, n_hv:, n_hs:])
    return stake, weights, n_hv, n_hs


def _grid_block(
    s_h: float, w_c: float, seed: np.random.SeedSequence | None = None, *,
    w_h: list[float], base_seed: int, noise: str, **params: Any
) -> dict[str, list[float]]:
    """Every :math:`W_H` of one (:math:`S_H`, :math:`W_C`) of the grid, for the sweep.

    Returns the columns ``w_h``, ``e_h``, ... as lists. Point ``k`` has the seed
    :func:`yuma.analysis.sweep.point_seed` gives it in the full grid (the block's index
    followed by ``k``) under independent noise, so each point is :func:`_grid_point`'s.
    """
    seeds: _Seed | list[_Seed]
    if noise == "common":
        seeds = base_seed
    else:
        assert seed is not None  # the sweep gives every point its seed
        seeds = [np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, k))
                 for k in range(len(w_h))]
    rows = honest_emissions(s_h, w_h, w_c, seed=seeds, **params)
    columns = {"w_h": list(w_h)}
    for name in _RESULT_COLUMNS:
        columns[name] = [row[name] for row in rows]
    return columns


_RESULT_COLUMNS = ("e_h", "e_c", "i_h", "d_h", "weight_dev")


def retention_line(e_h: np.ndarray, w_h: np.ndarray, s_h: float) -> np.ndarray:
    r"""Honest utility :math:`W_H^*` that keeps the stake share, per cabal self-weight.

    Parameters
    ----------
    e_h : numpy.ndarray, shape (n_w_h, n_w_c)
        Honest emission on the grid, rows along :math:`W_H` (increasing), columns along
        :math:`W_C`.
    w_h : numpy.ndarray, shape (n_w_h,)
        The :math:`W_H` grid, increasing.
    s_h : float
        Honest stake share.

    Returns
    -------
    numpy.ndarray, shape (n_w_c,)
        Per :math:`W_C`: the uppermost :math:`W_H` where :math:`E_H` crosses :math:`S_H`
        (linear interpolation), so that :math:`E_H \ge S_H` on the grid above it;
        ``w_h[0]`` when :math:`E_H \ge S_H` everywhere; NaN when :math:`E_H < S_H` at the
        largest :math:`W_H`.
    """
    e_h = np.asarray(e_h, dtype=np.float64)
    w_h = np.asarray(w_h, dtype=np.float64)
    if e_h.ndim != 2 or e_h.shape[0] != w_h.shape[0]:
        raise ValueError(f"e_h must be (len(w_h), n_w_c), got {e_h.shape} for {w_h.shape}")
    if w_h.size > 1 and np.any(np.diff(w_h) <= 0):
        raise ValueError("w_h must be increasing")
    f = e_h - s_h
    out = np.full(e_h.shape[1], np.nan)
    for c in range(e_h.shape[1]):
        col = f[:, c]
        if col[-1] < 0:
            continue
        below = np.flatnonzero(col < 0)
        if below.size == 0:
            out[c] = w_h[0]
            continue
        k = below[-1]
        f0, f1 = col[k], col[k + 1]
        out[c] = w_h[k] + (w_h[k + 1] - w_h[k]) * (-f0) / (f1 - f0)
    return out


@dataclass(frozen=True, eq=False)
class RetentionMap:
    r"""Honest emission over (S_H, W_H, W_C) for one setting, and its retention lines.

    Parameters
    ----------
    stakes : numpy.ndarray, shape (k,)
        Honest stake shares.
    w_h : numpy.ndarray, shape (g,)
        Honest self-weights (increasing).
    w_c : numpy.ndarray, shape (g_c,)
        Cabal self-weights.
    e_h : numpy.ndarray, shape (k, g, g_c)
        Honest emission ``e_h[s, i, j]`` at ``stakes[s], w_h[i], w_c[j]``.
    params : dict
        The model's other parameters (kappa, bonds_penalty, xi, sigma_w, ...).
    """

    stakes: np.ndarray
    w_h: np.ndarray
    w_c: np.ndarray
    e_h: np.ndarray
    params: dict[str, Any]

    def retention(self) -> np.ndarray:
        """Retention lines: :math:`W_H^*` per (S_H, W_C), shape (k, g_c).

        See :func:`retention_line`.
        """
        return np.stack(
            [retention_line(self.e_h[s], self.w_h, v) for s, v in enumerate(self.stakes)]
        )

    def _stake_index(self, s_h: float) -> int:
        hits = np.flatnonzero(np.isclose(self.stakes, s_h, rtol=0, atol=1e-9))
        if hits.size == 0:
            raise ValueError(f"s_h={s_h} is not among the map's stakes {self.stakes.tolist()}")
        return int(hits[0])

    def required_utility(self, s_h: float) -> tuple[float, float]:
        """Honest utility needed to keep ``s_h`` against the cabal's best self-weight.

        Returns ``(max over W_C of W_H*, the W_C that attains it)``; ``inf`` when some
        cabal self-weight leaves the honest side below ``s_h`` even at ``W_H = 1``.
        """
        line = retention_line(self.e_h[self._stake_index(s_h)], self.w_h, s_h)
        if np.isnan(line).any():
            return math.inf, float(self.w_c[int(np.flatnonzero(np.isnan(line))[0])])
        k = int(np.argmax(line))
        return float(line[k]), float(self.w_c[k])

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per (s_h, w_h, w_c) with ``e_h``, plus the params as columns."""
        pd = import_optional("pandas", "RetentionMap.to_frame", extra="pandas")

        s, h, c = np.meshgrid(self.stakes, self.w_h, self.w_c, indexing="ij")
        data = {"s_h": s.ravel(), "w_h": h.ravel(), "w_c": c.ravel(), "e_h": self.e_h.ravel()}
        for k, v in self.params.items():
            data[k] = [v.name if isinstance(v, Variant) else v] * s.size
        return pd.DataFrame(data)

    @classmethod
    def from_frame(cls, table: pd.DataFrame, **selection: Any) -> RetentionMap:
        """Rebuild a map from a tidy table (e.g. read back from Parquet).

        ``selection`` picks one setting when the table holds several (``kappa=0.4``);
        the table must then hold each (s_h, w_h, w_c) once.
        """
        t = table
        for k, v in selection.items():
            t = t[np.isclose(t[k], v)] if isinstance(v, float) else t[t[k] == v]
        if t.empty:
            raise ValueError(f"no rows match {selection}")
        stakes = np.unique(t["s_h"].to_numpy(float))
        w_h = np.unique(t["w_h"].to_numpy(float))
        w_c = np.unique(t["w_c"].to_numpy(float))
        if len(t) != stakes.size * w_h.size * w_c.size:
            raise ValueError(
                "the table does not hold one full (s_h, w_h, w_c) grid; select one setting"
            )
        e = np.full((stakes.size, w_h.size, w_c.size), np.nan)
        si = np.searchsorted(stakes, t["s_h"].to_numpy(float))
        hi = np.searchsorted(w_h, t["w_h"].to_numpy(float))
        ci = np.searchsorted(w_c, t["w_c"].to_numpy(float))
        e[si, hi, ci] = t["e_h"].to_numpy(float)
        params = {}
        for k in _PARAM_NAMES:
            if k in t.columns and t[k].nunique() == 1:
                v = t[k].iloc[0]
                params[k] = v.item() if isinstance(v, np.generic) else v
        return cls(stakes, w_h, w_c, e, params)


def _settings(
    n_uids: int, n_validators: int, kappa: float, bonds_penalty: float, xi: float,
    sigma_w: float, sigma_s: float, epochs: int, variant: str | Variant, liquid_alpha: bool,
) -> dict[str, Any]:
    _check_sizes(n_uids, n_validators)
    _check_unit("kappa", kappa)
    _check_unit("bonds_penalty", bonds_penalty)
    _check_unit("xi", xi)
    _check_sigma("sigma_w", sigma_w)
    _check_sigma("sigma_s", sigma_s)
    if isinstance(epochs, bool) or not is_integer(epochs) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    _params_and_variant(kappa, bonds_penalty, liquid_alpha, variant, n_validators)
    return {
        "n_uids": int(n_uids), "n_validators": int(n_validators), "kappa": float(kappa),
        "bonds_penalty": float(bonds_penalty), "xi": float(xi), "sigma_w": float(sigma_w),
        "sigma_s": float(sigma_s), "epochs": int(epochs), "variant": variant,
        "liquid_alpha": bool(liquid_alpha),
    }


def _axis(grid: int | ArrayLike) -> np.ndarray:
    if is_integer(grid) and not isinstance(grid, bool):
        if grid < 2:
            raise ValueError(f"grid must be >= 2 points per axis, got {grid}")
        return np.arange(int(grid)) / (int(grid) - 1)  # k / (g - 1), correctly rounded
    values = as_float64(grid, "grid")
    if values.ndim != 1 or values.size < 2 or not np.all(np.diff(values) > 0):
        raise ValueError("grid must be an int >= 2 or an increasing list of >= 2 weights")
    if values[0] < 0 or values[-1] > 1:
        raise ValueError("grid weights must lie in [0, 1]")
    return values


def _stakes(stakes: ArrayLike) -> np.ndarray:
    values = np.atleast_1d(as_float64(stakes, "stakes"))
    if values.ndim != 1 or values.size == 0:
        raise ValueError("stakes must be a non-empty list of honest stake shares")
    for v in values:
        _check_unit("stakes", float(v), open_=True)
    return values


def grid_frame(
    stakes: ArrayLike = DEFAULT_STAKES,
    grid: int | ArrayLike = 51,
    *,
    axes: dict[str, Sequence[Any]] | None = None,
    seed: int = 0,
    noise: str = "common",
    n_workers: int | None = None,
    scheduler: str | None = None,
    client: Client | None = None,
    progress: bool = False,
    out: str | os.PathLike[str] | None = None,
    **params: Any,
) -> pd.DataFrame:
    """Honest emission on a grid, as a tidy table (the sweep behind the maps).

    Parameters
    ----------
    stakes : sequence of float
        Honest stake shares.
    grid : int or sequence of float
        Points per weight axis (``linspace(0, 1, grid)``) or the weights themselves; the
        same for :math:`W_H` and :math:`W_C`.
    axes : dict of str to list, optional
        Further axes swept over, outermost (e.g. ``{"kappa": [0.4, 0.5, 0.6]}``); the keys
        are parameters of :func:`honest_emission`.
    seed : int
        Seed (see the module docstring, "Noise").
    noise : str
        ``"common"`` or ``"independent"``.
    n_workers : int, optional
        Local worker processes (see :func:`yuma.analysis.sweep.sweep`).
    scheduler : str, optional
        Dask scheduler address (or ``"serial"``).
    client : distributed.Client, optional
        Dask client.
    progress : bool
        Progress bar.
    out : str or path-like, optional
        Parquet file to write (checked before any point runs: its folder must exist and
        take a new file).
    **params
        Fixed parameters of :func:`honest_emission` (``kappa``, ``bonds_penalty``, ``xi``,
        ``sigma_w``, ``sigma_s``, ``epochs``, ``variant``, ``liquid_alpha``, ``n_uids``,
        ``n_validators``).

    Returns
    -------
    pandas.DataFrame
        Columns: the ``axes`` keys, ``s_h``, ``w_c``, ``w_h``, then the results of
        :func:`honest_emission`, then the fixed parameters.
    """
    from .sweep import _qualname, sweep

    if not isinstance(noise, str) or noise not in ("common", "independent"):
        raise ValueError(f"noise must be 'common' or 'independent', got {noise!r}")
    unknown = sorted(set(params) - set(_PARAM_NAMES))
    if unknown:
        raise ValueError(f"unknown parameters {unknown}; use {list(_PARAM_NAMES)}")
    axes = dict(axes or {})
    bad = sorted(set(axes) - set(_PARAM_NAMES))
    if bad:
        raise ValueError(f"axes must be parameters among {list(_PARAM_NAMES)}, got {bad}")
    defaults = {
        "n_uids": 512, "n_validators": 64, "kappa": BASELINE["kappa"],
        "bonds_penalty": BASELINE["bonds_penalty"], "xi": BASELINE["xi"],
        "sigma_w": BASELINE["sigma_w"], "sigma_s": 0.3, "epochs": 1, "variant": "yuma2",
        "liquid_alpha": False,
    }
    fixed = {**defaults, **params}
    for k in axes:
        fixed.pop(k)
    for name, values in axes.items():  # check every value of every axis up front
        for v in values:
            _settings(**{**defaults, **fixed, name: v})
    if not axes:
        _settings(**fixed)
    w = _axis(grid)
    s = _stakes(stakes)
    seed = int(seed) if is_integer(seed) and not isinstance(seed, bool) else seed
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if out is not None:  # before the sweep, not after it
        from .sweep import _require_pyarrow

        out = check_output_path(out, "out")
        _require_pyarrow()
    # One sweep point per (axes, S_H, W_C): its W_H run as one batch of epochs. The table
    # is the one of a sweep of _grid_point over the full grid, bit for bit.
    block_fn = functools.partial(_grid_block, w_h=w.tolist(), base_seed=seed, noise=noise,
                                 **fixed)
    blocks = {**axes, "s_h": s.tolist(), "w_c": w.tolist()}
    block_table = sweep(
        block_fn, blocks, seed=seed, scheduler=scheduler, client=client, n_workers=n_workers,
        progress=progress,
    )
    table = _points_table(block_table, list(blocks), w.size)
    table.attrs.update({"seed": seed, "fn": _qualname(_grid_point)})
    for k, v in fixed.items():
        table[k] = v.name if isinstance(v, Variant) else v
    table.attrs.update({"model": "yuma.guarantees", "noise": noise, "seed": seed})
    if out is not None:
        from .sweep import to_parquet

        to_parquet(table, out)
    return table


def _points_table(block_table: pd.DataFrame, grid_columns: list[str], n_points: int
                  ) -> pd.DataFrame:
    """The blocks' table spread to one row per point: grid columns, ``w_h``, results."""
    pandas = import_optional("pandas", "yuma.analysis.guarantees", extra="sweep")
    data = {k: np.repeat(block_table[k].to_numpy(), n_points) for k in grid_columns}
    for name in ("w_h", *_RESULT_COLUMNS):
        data[name] = np.array([v for values in block_table[name] for v in values],
                              dtype=np.float64)
    return pandas.DataFrame(data)


def emission_map(
    stakes: ArrayLike = DEFAULT_STAKES,
    grid: int | ArrayLike = 51,
    *,
    seed: int = 0,
    noise: str = "common",
    n_workers: int | None = None,
    scheduler: str | None = None,
    client: Client | None = None,
    progress: bool = False,
    **params: Any,
) -> RetentionMap:
    """Honest emission over (S_H, W_H, W_C) for one setting: one of the document's figures.

    Parameters
    ----------
    stakes : sequence of float
        Honest stake shares (default: the document's eleven, 0.51 to 0.99).
    grid : int or sequence of float
        Points per weight axis (51 in the document) or the weights.
    seed : int
        Seed of the noise.
    noise : str
        ``"common"`` (default) or ``"independent"``.
    n_workers : int, optional
        Local worker processes.
    scheduler : str, optional
        Dask scheduler address (or ``"serial"``).
    client : distributed.Client, optional
        Dask client.
    progress : bool
        Progress bar.
    **params
        Parameters of :func:`honest_emission` (defaults: :data:`BASELINE`, 512 UIDs, 64
        validators, one epoch, ``variant="yuma2"``).

    Returns
    -------
    RetentionMap
    """
    table = grid_frame(
        stakes, grid, seed=seed, noise=noise, n_workers=n_workers, scheduler=scheduler,
        client=client, progress=progress, **params,
    )
    return RetentionMap.from_frame(table)


def panel(
    parameter: str,
    values: Sequence[Any] | None = None,
    stakes: ArrayLike = DEFAULT_STAKES,
    grid: int | ArrayLike = 51,
    *,
    seed: int = 0,
    noise: str = "common",
    n_workers: int | None = None,
    scheduler: str | None = None,
    client: Client | None = None,
    progress: bool = False,
    **params: Any,
) -> dict[Any, RetentionMap]:
    """The maps of one of the document's panels: one hyperparameter at several values.

    Parameters
    ----------
    parameter : str
        ``"kappa"``, ``"bonds_penalty"``, ``"xi"``, ``"sigma_w"`` (or any parameter of
        :func:`honest_emission`).
    values : sequence, optional
        Its values (default: the document's, :data:`PANELS`).
    stakes : sequence of float
        Honest stake shares.
    grid : int or sequence of float
        Points per weight axis, or the weights.
    seed : int
        Seed of the noise (the same draws at every value: common random numbers).
    noise : str
        ``"common"`` or ``"independent"``.
    n_workers : int, optional
        Local worker processes.
    scheduler : str, optional
        Dask scheduler address (or ``"serial"``).
    client : distributed.Client, optional
        Dask client.
    progress : bool
        Progress bar.
    **params
        The other parameters (defaults: :data:`BASELINE`).

    Returns
    -------
    dict
        ``{value: RetentionMap}`` in the order given.
    """
    if values is None:
        if not isinstance(parameter, str) or parameter not in PANELS:
            raise ValueError(f"give values for {parameter!r} (panels: {sorted(PANELS)})")
        values = PANELS[parameter]
    values = list(values)
    if not values:
        raise ValueError("values must not be empty")
    if parameter in params:
        raise ValueError(f"{parameter!r} is the panel's axis; do not also fix it")
    table = grid_frame(
        stakes, grid, axes={parameter: values}, seed=seed, noise=noise, n_workers=n_workers,
        scheduler=scheduler, client=client, progress=progress, **params,
    )
    maps = {}
    for v in values:
        shown = v.name if isinstance(v, Variant) else v
        sub = table[table[parameter] == shown]
        m = RetentionMap.from_frame(sub)
        maps[v] = dataclasses.replace(m, params={**m.params, parameter: v})
    return maps


# ---------------------------------------------------------------- figures (matplotlib)


def _plt() -> ModuleType:
    return import_optional("matplotlib.pyplot", "yuma.analysis.guarantees figures", extra="plot")


def plot_emission_map(
    rmap: RetentionMap, s_h: float = 0.6, *, ax: Axes | None = None
) -> Figure | SubFigure:
    """Contours of honest emission over (W_H, W_C) at one stake, with the E_H = S_H line.

    Parameters
    ----------
    rmap : RetentionMap
        The map.
    s_h : float
        Which honest stake share (must be among ``rmap.stakes``).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (``ax.figure`` when ``ax`` is given).
    """
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.0), constrained_layout=True)
    e = rmap.e_h[rmap._stake_index(s_h)]
    x, y = np.meshgrid(rmap.w_h, rmap.w_c, indexing="ij")
    levels = np.linspace(0.0, 1.0, 21)
    filled = ax.contourf(x, y, e, levels=levels, cmap="viridis", vmin=0, vmax=1)
    ax.contour(x, y, e, levels=levels[::2], colors="white", linewidths=0.4, alpha=0.6)
    line = rmap.retention()[rmap._stake_index(s_h)]
    ax.plot(line, rmap.w_c, color="red", lw=2.2, label=f"$E_H = S_H = {s_h:g}$")
    need, wc = rmap.required_utility(s_h)
    if math.isfinite(need):
        ax.plot([need], [wc], "o", color="red", ms=6)
        ax.set_title(f"$S_H={s_h:g}$: needs $W_H \\geq {need:.2f}$ (cabal $W_C={wc:.2f}$)",
                     fontsize=9)
    else:
        ax.set_title(f"$S_H={s_h:g}$: not retained even at $W_H=1$", fontsize=9)
    ax.figure.colorbar(filled, ax=ax, label="honest emission $E_H$", shrink=0.85)
    ax.set_xlabel("honest self-weight $W_H$ (utility)")
    ax.set_ylabel("cabal self-weight $W_C$")
    ax.set_xlim(rmap.w_h[0], rmap.w_h[-1])
    ax.set_ylim(rmap.w_c[0], rmap.w_c[-1])
    ax.legend(loc="lower left", fontsize=7)
    return ax.figure


def plot_retention_lines(
    rmap: RetentionMap, *, highlight: float | None = 0.6, ax: Axes | None = None
) -> Figure | SubFigure:
    """Retention lines E_H = S_H for every stake of the map (the document's compound plot).

    Parameters
    ----------
    rmap : RetentionMap
        The map.
    highlight : float, optional
        A stake whose line is drawn thicker, with its required utility in the title.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (``ax.figure`` when ``ax`` is given).
    """
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.0), constrained_layout=True)
    lines = rmap.retention()
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.95, len(rmap.stakes)))
    for k, s in enumerate(rmap.stakes):
        bold = highlight is not None and np.isclose(s, highlight)
        ax.plot(lines[k], rmap.w_c, color=colors[k], lw=3 if bold else 1.3, label=f"{s:.2f}")
    if highlight is not None and np.isclose(rmap.stakes, highlight).any():
        need, wc = rmap.required_utility(highlight)
        text = f"{need:.2f}" if math.isfinite(need) else "> 1"
        ax.set_title(f"retention lines; $S_H={highlight:g}$ needs $W_H$ {text}", fontsize=9)
    else:
        ax.set_title("retention lines $E_H = S_H$", fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(rmap.w_c[0], rmap.w_c[-1])
    ax.set_xlabel("honest self-weight $W_H$ (utility)")
    ax.set_ylabel("cabal self-weight $W_C$")
    ax.grid(alpha=0.3, ls=":")
    ax.legend(title="$S_H$", fontsize=6, title_fontsize=7, loc="lower left", ncol=2)
    return ax.figure


_LABELS = {"kappa": r"\kappa", "bonds_penalty": r"\beta", "xi": r"\xi", "sigma_w": r"\sigma_W"}


@overload
def plot_panel(
    maps: Mapping[Any, RetentionMap], parameter: str = ..., *, s_h: float = ..., ax: None = ...
) -> Figure: ...
@overload
def plot_panel(
    maps: Mapping[Any, RetentionMap], parameter: str = ..., *, s_h: float = ...,
    ax: np.ndarray,
) -> Figure | SubFigure: ...
def plot_panel(
    maps: Mapping[Any, RetentionMap], parameter: str = "", *, s_h: float = 0.6,
    ax: np.ndarray | None = None
) -> Figure | SubFigure:
    """One column per value: the emission map at ``s_h`` above, the retention lines below.

    Parameters
    ----------
    maps : dict
        ``{value: RetentionMap}`` (from :func:`panel`), or ``{label: RetentionMap}``.
    parameter : str
        Name of the panel's hyperparameter, for the titles.
    s_h : float
        Honest stake share of the emission maps (and the highlighted retention line).
    ax : array of matplotlib.axes.Axes, optional
        Where to draw: 2 x ``len(maps)`` axes, or 1 x 2 for one map (side by side).
        Default: a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    plt = _plt()
    if not maps:
        raise ValueError("maps must hold at least one RetentionMap")
    one = len(maps) == 1
    shape, size = ((1, 2), (9.0, 4.2)) if one else ((2, len(maps)), (4.4 * len(maps), 8.0))
    fig: Figure | SubFigure
    if ax is None:
        fig, axes = plt.subplots(*shape, figsize=size, squeeze=False, constrained_layout=True)
    else:
        axes = np.asarray(ax, dtype=object)
        if axes.size == shape[0] * shape[1]:
            axes = axes.reshape(shape)
        if axes.shape != shape:
            raise ValueError(f"ax must hold {shape[0]} x {shape[1]} axes, got {axes.shape}")
        fig = axes[0, 0].figure
    label = _LABELS.get(parameter, parameter)
    for c, (value, rmap) in enumerate(maps.items()):
        shown = value.name if isinstance(value, Variant) else value
        top, bottom = (axes[0, 0], axes[0, 1]) if one else (axes[0, c], axes[1, c])
        plot_emission_map(rmap, s_h, ax=top)
        plot_retention_lines(rmap, highlight=s_h, ax=bottom)
        head = f"${label} = {shown}$" if parameter else str(shown)
        top.set_title(f"{head}\n" + top.get_title(), fontsize=9)
    return fig

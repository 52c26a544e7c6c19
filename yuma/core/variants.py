"""Variants of the epoch as values: named bundles of step functions.

A :class:`Variant` holds the steps that differ between Yuma versions, each a plain
function with a fixed signature. :func:`yuma.epoch` composes whichever bundle it is given.
The built-ins (``yuma2``, ``yuma2_liquid_alpha_v1``, ``yuma3``) are defined exactly the way
a user defines their own::

    import dataclasses, yuma
    def my_bonds(bonds, weights_for_bonds, active_stake, consensus, entries, params):
        return yuma.mat_ema(bonds, weights_for_bonds, 0.5)
    mine = dataclasses.replace(yuma.YUMA3, name="mine", update_bonds=my_bonds)
    yuma.epoch(w, s, variant=mine)

Step signatures (arrays are float64 NumPy arrays; steps must not modify their inputs:
:func:`yuma.epoch` hands a custom variant's steps read-only views, and a step that writes
into one is a ``ValueError`` naming the step):

* ``consensus(active_stake, weights, kappa) -> consensus``
* ``clip(weights, consensus) -> clipped_weights``
* ``weights_for_bonds(weights, clipped_weights, bonds_penalty) -> weights_for_bonds``
* ``load_bonds(stored_bonds) -> bonds``: what the previous epoch stored, as used now
* ``update_bonds(bonds, weights_for_bonds, active_stake, consensus, entries, params)
  -> ema_bonds``; ``entries`` marks the cells of ``weights_for_bonds`` that the chain's
  sparse storage holds
* ``store_bonds(ema_bonds) -> stored_bonds``: what the next epoch receives
* ``dividends(ema_bonds, incentive, active_stake) -> dividends``
* ``emission_split(incentive, dividends, stake, active_stake, square)
  -> (server_emission, validator_emission, emission)``
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from .._registry import VARIANTS
from . import steps

if TYPE_CHECKING:
    from ..params import YumaParams

# The signatures of the steps (see the module docstring).
ConsensusStep = Callable[[np.ndarray, np.ndarray, float], np.ndarray]
ClipStep = Callable[[np.ndarray, np.ndarray], np.ndarray]
WeightsForBondsStep = Callable[[np.ndarray, np.ndarray, float], np.ndarray]
BondsStorageStep = Callable[[np.ndarray], np.ndarray]
UpdateBondsStep = Callable[
    [np.ndarray, np.ndarray, np.ndarray, np.ndarray, "np.ndarray | None", "YumaParams"], np.ndarray
]
DividendsStep = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
EmissionSplitStep = Callable[
    [np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool],
    tuple[np.ndarray, np.ndarray, np.ndarray],
]

__all__ = [
    "Variant",
    "VARIANTS",
    "YUMA2",
    "YUMA2_LIQUID_ALPHA_V1",
    "YUMA3",
    "get_variant",
    "register_variant",
    "variant",
    "validate_variant",
    "STEP_NAMES",
]


@dataclass(frozen=True)
class Variant:
    """A Yuma variant: a name and the step functions that define it.

    Parameters
    ----------
    name : str
        Name shown in results.
    consensus, clip, weights_for_bonds, load_bonds, update_bonds, store_bonds, dividends, \
emission_split : callable
        The steps; see the module docstring for their signatures.
    """

    name: str
    consensus: ConsensusStep
    clip: ClipStep
    weights_for_bonds: WeightsForBondsStep
    load_bonds: BondsStorageStep
    update_bonds: UpdateBondsStep
    store_bonds: BondsStorageStep
    dividends: DividendsStep
    emission_split: EmissionSplitStep


def stake_weighted_median(
    active_stake: np.ndarray, weights: np.ndarray, kappa: float
) -> np.ndarray:
    """Consensus by the chain's stake-weighted kappa-value per column.

    Parameters
    ----------
    active_stake : numpy.ndarray, shape (n_rows,)
        ``S_act``.
    weights : numpy.ndarray, shape (n_rows, n_cols)
        ``W``.
    kappa : float
        Majority fraction.

    Returns
    -------
    numpy.ndarray, shape (n_cols,)
        See :func:`yuma.weighted_median_col`.
    """
    out = np.empty(weights.shape[1])
    steps._weighted_median_col(active_stake, weights, kappa, out)
    return out


def clip_at_consensus(weights: np.ndarray, consensus: np.ndarray) -> np.ndarray:
    """Clip each column at its consensus (see :func:`yuma.col_clip`).

    Parameters
    ----------
    weights : numpy.ndarray, shape (n_rows, n_cols)
        ``W``.
    consensus : numpy.ndarray, shape (n_cols,)
        ``C``.

    Returns
    -------
    numpy.ndarray
        ``min(W, C)``.
    """
    return steps._col_clip(weights, consensus)


def interpolate_bond_weights(
    weights: np.ndarray, clipped_weights: np.ndarray, bonds_penalty: float
) -> np.ndarray:
    """``W_b = W + beta (W_clipped - W)`` (see :func:`yuma.weights_for_bonds`).

    Parameters
    ----------
    weights, clipped_weights : numpy.ndarray
        ``W`` and ``W_clipped``.
    bonds_penalty : float
        ``beta``.

    Returns
    -------
    numpy.ndarray
    """
    return steps._weights_for_bonds(weights, clipped_weights, bonds_penalty)


def identity_bonds(stored_bonds: np.ndarray) -> np.ndarray:
    """Yuma 3 uses its stored bonds as they are (absolute proportions).

    Parameters
    ----------
    stored_bonds : numpy.ndarray
        Bonds the previous epoch stored.

    Returns
    -------
    numpy.ndarray
        The same values (a copy).
    """
    result: np.ndarray = stored_bonds.copy()
    return result


def yuma2_update_bonds(
    bonds: np.ndarray, weights_for_bonds: np.ndarray, active_stake: np.ndarray,
    consensus: np.ndarray, entries: np.ndarray | None, params: YumaParams
) -> np.ndarray:
    """Yuma 2 bond EMA with the fixed rate ``1 - bonds_moving_average``.

    Liquid alpha is ignored on this path, as on the chain at HEAD.

    Parameters
    ----------
    bonds, weights_for_bonds, active_stake, consensus, entries, params
        See the module docstring.

    Returns
    -------
    numpy.ndarray
        Column-normalized EMA bonds (:func:`yuma.bonds_ema_yuma2`).
    """
    return steps._bonds_ema_yuma2(bonds, weights_for_bonds, active_stake, params.ema_alpha)


def yuma2_liquid_alpha_v1_update_bonds(
    bonds: np.ndarray, weights_for_bonds: np.ndarray, active_stake: np.ndarray,
    consensus: np.ndarray, entries: np.ndarray | None, params: YumaParams
) -> np.ndarray:
    """Yuma 2 bond EMA with the historic per-miner liquid alpha (when ``liquid_alpha``).

    As on the chain then: liquid alpha applies when some ``C_j != 0`` and the 0.75 and 0.25
    quantiles of ``C`` are not both 0; otherwise the fixed rate ``1 - bonds_moving_average``.

    Parameters
    ----------
    bonds, weights_for_bonds, active_stake, consensus, entries, params
        See the module docstring.

    Returns
    -------
    numpy.ndarray
        Column-normalized EMA bonds.
    """
    alpha: float | np.ndarray = params.ema_alpha
    if params.liquid_alpha and np.any(consensus != 0.0):
        c_high = float(np.quantile(consensus, 0.75))
        c_low = float(np.quantile(consensus, 0.25))
        if c_high > c_low or c_high != 0.0 or c_low < 0.0:  # the chain's condition
            alpha = steps._liquid_alpha_v1(consensus, params.alpha_low, params.alpha_high)
    return steps._bonds_ema_yuma2(bonds, weights_for_bonds, active_stake, alpha)


def yuma3_update_bonds(
    bonds: np.ndarray, weights_for_bonds: np.ndarray, active_stake: np.ndarray,
    consensus: np.ndarray, entries: np.ndarray | None, params: YumaParams
) -> np.ndarray:
    """Yuma 3 bond EMA: per-element liquid alpha 2 when on and some ``C_j != 0``.

    With liquid alpha: :func:`yuma.alpha_sigmoid` then :func:`yuma.mat_ema_alpha` over the
    stored ``entries`` (other bonds are dropped, as in the chain's sparse path). Otherwise
    :func:`yuma.mat_ema` with rate ``1 - bonds_moving_average``.

    Parameters
    ----------
    bonds, weights_for_bonds, active_stake, consensus, entries, params
        See the module docstring.

    Returns
    -------
    numpy.ndarray
        Bonds ``B'`` as proportions in [0, 1].
    """
    if params.liquid_alpha and np.any(consensus != 0.0):
        return steps._liquid_alpha_ema(
            bonds,
            weights_for_bonds,
            consensus,
            params.alpha_low,
            params.alpha_high,
            params.alpha_sigmoid_steepness,
            entries,
        )
    return steps._mat_ema(bonds, weights_for_bonds, params.ema_alpha)


def yuma2_dividends(
    ema_bonds: np.ndarray, incentive: np.ndarray, active_stake: np.ndarray
) -> np.ndarray:
    """Yuma 2 dividends ``N(B_ema I)`` (see :func:`yuma.dividends_yuma2`).

    Parameters
    ----------
    ema_bonds, incentive, active_stake : numpy.ndarray
        See the module docstring.

    Returns
    -------
    numpy.ndarray
    """
    return steps._dividends_yuma2(ema_bonds, incentive)


def yuma3_dividends(
    ema_bonds: np.ndarray, incentive: np.ndarray, active_stake: np.ndarray
) -> np.ndarray:
    """Yuma 3 dividends ``N(S_act * (colnorm(B') I))`` (see :func:`yuma.dividends_yuma3`).

    Parameters
    ----------
    ema_bonds, incentive, active_stake : numpy.ndarray
        See the module docstring.

    Returns
    -------
    numpy.ndarray
    """
    return steps._dividends_yuma3(ema_bonds, incentive, active_stake)


def chain_emission_split(
    incentive: np.ndarray, dividends: np.ndarray, stake: np.ndarray, active_stake: np.ndarray,
    square: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Emission shares with the chain's zero-emission fallback (:func:`yuma.emission_split`).

    Parameters
    ----------
    incentive, dividends, stake, active_stake : numpy.ndarray
        See the module docstring.
    square : bool
        Chain form (rows and columns are the same UIDs).

    Returns
    -------
    tuple of numpy.ndarray
    """
    return steps._emission_split(incentive, dividends, stake, active_stake, square)


def yuma2_load_bonds(stored_bonds: np.ndarray) -> np.ndarray:
    """Yuma 2 reads its stored bonds column-normalized (see :func:`yuma.load_bonds_yuma2`).

    Parameters
    ----------
    stored_bonds : numpy.ndarray
        Bonds the previous epoch stored (column max-upscaled).

    Returns
    -------
    numpy.ndarray
    """
    return ops.col_normalize(stored_bonds)


def yuma2_store_bonds(ema_bonds: np.ndarray) -> np.ndarray:
    """Yuma 2 stores its bonds column max-upscaled (see :func:`yuma.store_bonds_yuma2`).

    Parameters
    ----------
    ema_bonds : numpy.ndarray
        Column-normalized EMA bonds.

    Returns
    -------
    numpy.ndarray
    """
    return ops.col_max_upscale(ema_bonds)


YUMA2 = Variant(
    name="yuma2",
    consensus=stake_weighted_median,
    clip=clip_at_consensus,
    weights_for_bonds=interpolate_bond_weights,
    load_bonds=yuma2_load_bonds,
    update_bonds=yuma2_update_bonds,
    store_bonds=yuma2_store_bonds,
    dividends=yuma2_dividends,
    emission_split=chain_emission_split,
)
"""The chain's epoch with ``Yuma3On`` off: column-normalized bonds, ``D = N(B I)``."""

YUMA2_LIQUID_ALPHA_V1 = Variant(
    name="yuma2_liquid_alpha_v1",
    consensus=stake_weighted_median,
    clip=clip_at_consensus,
    weights_for_bonds=interpolate_bond_weights,
    load_bonds=yuma2_load_bonds,
    update_bonds=yuma2_liquid_alpha_v1_update_bonds,
    store_bonds=yuma2_store_bonds,
    dividends=yuma2_dividends,
    emission_split=chain_emission_split,
)
"""Yuma 2 with the historic (2024-07 to 2025-05) per-miner liquid alpha."""

YUMA3 = Variant(
    name="yuma3",
    consensus=stake_weighted_median,
    clip=clip_at_consensus,
    weights_for_bonds=interpolate_bond_weights,
    load_bonds=identity_bonds,
    update_bonds=yuma3_update_bonds,
    store_bonds=identity_bonds,
    dividends=yuma3_dividends,
    emission_split=chain_emission_split,
)
"""The chain's epoch with ``Yuma3On``: absolute bonds, liquid alpha 2, stake-scaled dividends."""

VARIANTS.update({v.name: v for v in (YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3)})
_BUILTINS = {v.name: v for v in (YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3)}


def register_variant(variant: Variant) -> Variant:
    """Register a variant so that :class:`yuma.YumaParams` can name it.

    Parameters
    ----------
    variant : Variant
        The bundle; its ``name`` must not clash with a built-in.

    Returns
    -------
    Variant
        The same object.

    Raises
    ------
    ValueError
        If the name is taken by a built-in variant.
    """
    if not isinstance(variant, Variant):
        raise ValueError(f"variant must be a Variant, got {type(variant).__name__}")
    if variant.name in ("yuma2", "yuma2_liquid_alpha_v1", "yuma3"):
        raise ValueError(f"variant name {variant.name!r} is a built-in")
    VARIANTS[variant.name] = variant
    return variant


def get_variant(variant: str | Variant | None, params: YumaParams) -> Variant:
    """Resolve a variant argument: a :class:`Variant`, a registered name, or the params' one.

    Parameters
    ----------
    variant : str, Variant or None
        What the caller passed.
    params : YumaParams
        Used when ``variant`` is None.

    Returns
    -------
    Variant

    Raises
    ------
    ValueError
        For an unknown name.
    """
    # The registry holds Variants; it is typed dict[str, Any] because it sits below them.
    if variant is None:
        named: Variant = VARIANTS[params.variant]
        return named
    if isinstance(variant, Variant):
        return variant
    if isinstance(variant, str) and variant in VARIANTS:
        named = VARIANTS[variant]
        return named
    raise ValueError(f"variant must be a Variant or one of {sorted(VARIANTS)}, got {variant!r}")


STEP_NAMES = (
    "consensus",
    "clip",
    "weights_for_bonds",
    "load_bonds",
    "update_bonds",
    "store_bonds",
    "dividends",
    "emission_split",
)
"""The step fields of :class:`yuma.Variant`, in chain order."""

def validate_variant(value: Any, what: str = "variant") -> Variant:
    """Check that a value is a usable :class:`yuma.Variant`: a name and callable steps.

    Parameters
    ----------
    value : Any
        The object to check.
    what : str
        How to name it in error messages.

    Returns
    -------
    Variant
        ``value`` itself.

    Raises
    ------
    ValueError
        If it is not a Variant, its name is not a non-empty string, or a step is not
        callable.
    """
    if not isinstance(value, Variant):
        raise ValueError(f"{what} must be a yuma.Variant, got {type(value).__name__}")
    if not isinstance(value.name, str) or not value.name:
        raise ValueError(f"{what}: name must be a non-empty string, got {value.name!r}")
    for step in STEP_NAMES:
        fn = getattr(value, step)
        if not callable(fn):
            raise ValueError(
                f"{what} {value.name!r}: step {step!r} must be callable, got {type(fn).__name__}"
            )
    return value


def variant(name: str, base: Variant | str = YUMA3, **steps: Callable[..., Any]) -> Variant:
    """A new variant: ``base`` with some steps replaced, under a new name.

    ``yuma.variant("mine", base=yuma.YUMA3, update_bonds=f)`` is
    ``dataclasses.replace(yuma.YUMA3, name="mine", update_bonds=f)`` with checks: the step
    names are the fields of :class:`yuma.Variant` (:data:`STEP_NAMES`), each value is
    callable, and the name does not pose as a built-in. The result runs wherever a
    built-in does; its steps have the signatures listed in :mod:`yuma.core.variants`.

    Parameters
    ----------
    name : str
        Name of the new variant (shown in results and tables).
    base : Variant or str
        The variant whose other steps are kept: a :class:`yuma.Variant` or a registered
        name (default :data:`yuma.YUMA3`).
    **steps : callable
        Replacement steps by field name (``consensus``, ``clip``, ``weights_for_bonds``,
        ``load_bonds``, ``update_bonds``, ``store_bonds``, ``dividends``,
        ``emission_split``).

    Returns
    -------
    Variant

    Raises
    ------
    ValueError
        For an unknown step name, a step that is not callable, an empty name, a name of
        a built-in variant, or an unknown base.

    Examples
    --------
    >>> import yuma
    >>> def half_rate(bonds, weights_for_bonds, active_stake, consensus, entries, params):
    ...     return yuma.mat_ema(bonds, weights_for_bonds, 0.5)
    >>> fast = yuma.variant("yuma3_fast_bonds", update_bonds=half_rate)
    >>> fast.name, fast.dividends is yuma.YUMA3.dividends
    ('yuma3_fast_bonds', True)
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if name in _BUILTINS:
        raise ValueError(f"name {name!r} is a built-in variant; choose another name")
    if isinstance(base, str):
        if base not in VARIANTS:
            raise ValueError(f"base must be a Variant or one of {sorted(VARIANTS)}, got {base!r}")
        registered: Variant = VARIANTS[base]
        base = registered
    validate_variant(base, "base")
    unknown = sorted(set(steps) - set(STEP_NAMES))
    if unknown:
        raise ValueError(f"unknown step(s) {unknown}; the steps are {list(STEP_NAMES)}")
    for step, fn in steps.items():
        if not callable(fn):
            raise ValueError(f"step {step!r} must be callable, got {type(fn).__name__}")
    return dataclasses.replace(base, name=name, **steps)

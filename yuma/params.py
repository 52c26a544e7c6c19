"""Hyperparameters of one Yuma epoch, in natural units."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ._registry import VARIANTS
from ._validation import is_integer

_T = TypeVar("_T")

__all__ = ["YumaParams", "U16_MAX", "SDK_NAMES", "chain_names"]

U16_MAX = 65535
"""The chain's unit for u16 proportions: a stored value v means v / 65535."""

_MILLION = 1_000_000


def _check_unit_interval(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a real number in [0, 1], got {value!r}")
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")


@dataclass(frozen=True, slots=True)
class YumaParams:
    """Hyperparameters of one Yuma epoch, in natural units, range-checked.

    Parameters
    ----------
    kappa : float
        Consensus majority fraction: the consensus of a miner is the largest weight that
        validators holding at least ``kappa`` of the active stake meet or exceed.
        Chain: ``Kappa`` (u16, ``kappa = Kappa / 65535``; default 32767).
    bonds_moving_average : float
        Keep-rate of the bonds EMA; the EMA learning rate is ``1 - bonds_moving_average``.
        Chain: ``BondsMovingAverage`` (per million; default 900_000).
    bonds_penalty : float
        Bonds penalty ``beta`` in ``W_b = W + beta (W_clipped - W)``: 1 builds bonds from
        clipped weights, 0 from raw weights. Chain: ``BondsPenalty`` (u16; default 65535).
    liquid_alpha : bool
        Use liquid alpha: a per-(validator, miner) EMA rate from ``alpha_sigmoid`` (Yuma 3)
        or the historic per-miner rate (``yuma2_liquid_alpha_v1``). Chain: ``LiquidAlphaOn``.
    alpha_low, alpha_high : float
        Clamp range of the liquid alpha, ``0 <= alpha_low <= alpha_high <= 1``.
        Chain: ``AlphaValues`` (u16 pair; default (45875, 58982), about (0.7, 0.9)).
    alpha_sigmoid_steepness : float
        Effective slope of the liquid-alpha logistic. Chain: ``AlphaSigmoidSteepness``
        divided by 100 (default 1000, slope 10).
    variant : str
        Name of a registered variant (see :data:`yuma.VARIANTS`): ``"yuma3"`` (the chain's
        default for new subnets), ``"yuma2"`` (the chain's path with ``Yuma3On`` off) or
        ``"yuma2_liquid_alpha_v1"`` (the historic 2024-07 .. 2025-05 rule).
    max_allowed_validators : int
        Number of validator permits handed out by top-k stake. Chain:
        ``MaxAllowedValidators`` (u16; new subnets get 64).
    liquid_alpha_consensus_mode : {"auto", "current", "previous"}
        Which consensus the liquid-alpha sigmoid of Yuma 3 reads: this epoch's
        (``"current"``), the one the previous epoch stored (``"previous"``, given to
        :func:`yuma.epoch` as ``previous_consensus``; the current one when it is missing),
        or ``"auto"``: previous when ``bonds_penalty`` is exactly 1, else current. Chain:
        ``LiquidAlphaConsensusMode`` (default ``Auto``; runtime 446 and later).

    Examples
    --------
    >>> p = YumaParams.from_chain(kappa=32767, bonds_moving_average=975_000)
    >>> round(p.ema_alpha, 6)
    0.025
    """

    kappa: float = 32767 / U16_MAX
    bonds_moving_average: float = 0.9
    bonds_penalty: float = 1.0
    liquid_alpha: bool = False
    alpha_low: float = 0.7
    alpha_high: float = 0.9
    alpha_sigmoid_steepness: float = 10.0
    variant: str = "yuma3"
    max_allowed_validators: int = 64
    liquid_alpha_consensus_mode: str = "auto"

    def __post_init__(self) -> None:
        _check_unit_interval("kappa", self.kappa)
        _check_unit_interval("bonds_moving_average", self.bonds_moving_average)
        _check_unit_interval("bonds_penalty", self.bonds_penalty)
        _check_unit_interval("alpha_low", self.alpha_low)
        _check_unit_interval("alpha_high", self.alpha_high)
        if self.alpha_low > self.alpha_high:
            raise ValueError(
                f"alpha_low must not exceed alpha_high, got alpha_low={self.alpha_low!r} "
                f"> alpha_high={self.alpha_high!r}"
            )
        if not isinstance(self.liquid_alpha, bool):
            raise ValueError(f"liquid_alpha must be a bool, got {self.liquid_alpha!r}")
        steep = self.alpha_sigmoid_steepness
        if isinstance(steep, bool) or not isinstance(steep, (int, float)) or not math.isfinite(
            steep
        ):
            raise ValueError(f"alpha_sigmoid_steepness must be a finite number, got {steep!r}")
        mav = self.max_allowed_validators
        if isinstance(mav, bool) or not isinstance(mav, int) or not 0 <= mav <= U16_MAX:
            raise ValueError(
                f"max_allowed_validators must be an integer in [0, 65535], got {mav!r}"
            )
        mode = self.liquid_alpha_consensus_mode
        if not isinstance(mode, str) or mode not in CONSENSUS_MODES:
            raise ValueError(
                f"liquid_alpha_consensus_mode must be one of {list(CONSENSUS_MODES)}, "
                f"got {self.liquid_alpha_consensus_mode!r}"
            )
        if not isinstance(self.variant, str) or self.variant not in VARIANTS:
            raise ValueError(
                f"variant must be one of {sorted(VARIANTS)}, got {self.variant!r}"
            )

    @property
    def uses_previous_consensus(self) -> bool:
        """Whether liquid alpha reads the previous epoch's consensus (mode resolved)."""
        mode = self.liquid_alpha_consensus_mode
        return mode == "previous" or (mode == "auto" and self.bonds_penalty == 1.0)

    @property
    def ema_alpha(self) -> float:
        """EMA learning rate ``1 - bonds_moving_average`` (the chain's ``alpha``)."""
        return 1.0 - self.bonds_moving_average

    @classmethod
    def from_chain(
        cls,
        *,
        kappa: int = 32767,
        bonds_moving_average: int | None = None,
        bonds_penalty: int = U16_MAX,
        alpha_values: tuple[int, int] | None = None,
        alpha_sigmoid_steepness: int = 1000,
        liquid_alpha_on: bool | None = None,
        yuma3_on: bool | None = None,
        max_allowed_validators: int | None = None,
        liquid_alpha_consensus_mode: int | str = "auto",
        bonds_moving_avg: int | None = None,
        liquid_alpha_enabled: bool | None = None,
        alpha_low: int | None = None,
        alpha_high: int | None = None,
        yuma3_enabled: bool | None = None,
        yuma_version: int | None = None,
        max_validators: int | None = None,
    ) -> YumaParams:
        """Build parameters from the chain's integer hyperparameters.

        Each hyperparameter is accepted under the chain's storage name or under the name
        the Bittensor SDKs give it (``subnet_hyperparameters``, ``SubnetHyperparameters``;
        :data:`SDK_NAMES`); giving both with different values is an error. Values are the
        chain's integers either way (for an SDK object whose units vary, such as 10.x's
        ``MetagraphInfoParams``, use :func:`yuma.io.chain_hyperparameters`, which infers
        them and ignores hyperparameters the epoch does not read).

        Parameters
        ----------
        kappa : int
            ``Kappa``, u16; ``kappa = Kappa / 65535``.
        bonds_moving_average : int, optional
            ``BondsMovingAverage``, per million, in ``[0, 1_000_000]`` (default 900_000).
        bonds_penalty : int
            ``BondsPenalty``, u16; ``beta = BondsPenalty / 65535``.
        alpha_values : tuple of int, optional
            ``AlphaValues`` ``(alpha_low, alpha_high)``, u16 each (default
            (45875, 58982)).
        alpha_sigmoid_steepness : int
            ``AlphaSigmoidSteepness``, i16; the effective slope is this divided by 100.
        liquid_alpha_on : bool, optional
            ``LiquidAlphaOn`` (default False).
        yuma3_on : bool, optional
            ``Yuma3On``: ``"yuma3"`` when true (the default), else ``"yuma2"``.
        max_allowed_validators : int, optional
            ``MaxAllowedValidators``, u16 (default 64).
        liquid_alpha_consensus_mode : int or str
            ``LiquidAlphaConsensusMode``: 0 / ``"current"``, 1 / ``"previous"``,
            2 / ``"auto"`` (the chain's wire encoding).
        bonds_moving_avg : int, optional
            SDK name of ``bonds_moving_average``.
        liquid_alpha_enabled : bool, optional
            SDK name of ``liquid_alpha_on``.
        alpha_low, alpha_high : int, optional
            SDK names of the two halves of ``alpha_values`` (u16 each; the other half
            keeps its default when only one is given).
        yuma3_enabled : bool, optional
            SDK name of ``yuma3_on``.
        yuma_version : int, optional
            SDK (11.x): 3 sets ``yuma3_on``, 2 clears it.
        max_validators : int, optional
            SDK name of ``max_allowed_validators``.

        Returns
        -------
        YumaParams

        Raises
        ------
        ValueError
            If an integer is outside its chain type's range, or a hyperparameter is given
            under two names with different values (the message names both).

        Examples
        --------
        >>> hp = {"kappa": 32767, "bonds_moving_avg": 975_000, "liquid_alpha_enabled": True,
        ...       "alpha_low": 45875, "alpha_high": 58982, "max_validators": 128}
        >>> p = YumaParams.from_chain(**hp)
        >>> (round(p.ema_alpha, 6), p.liquid_alpha, p.max_allowed_validators)
        (0.025, True, 128)
        """
        bonds_moving_average, liquid_alpha_on, yuma3_on, max_allowed_validators = (
            _merge_sdk_names(bonds_moving_average, bonds_moving_avg, liquid_alpha_on,
                             liquid_alpha_enabled, yuma3_on, yuma3_enabled, yuma_version,
                             max_allowed_validators, max_validators))
        alpha_values = _merge_alpha_halves(alpha_values, alpha_low, alpha_high)
        low, high = _check_chain_integers(kappa, bonds_penalty, bonds_moving_average,
                                          alpha_values, alpha_sigmoid_steepness,
                                          liquid_alpha_on, yuma3_on)
        return cls(
            kappa=kappa / U16_MAX,
            bonds_moving_average=bonds_moving_average / _MILLION,
            bonds_penalty=bonds_penalty / U16_MAX,
            liquid_alpha=bool(liquid_alpha_on),
            alpha_low=low / U16_MAX,
            alpha_high=high / U16_MAX,
            alpha_sigmoid_steepness=alpha_sigmoid_steepness / 100.0,
            variant="yuma3" if yuma3_on else "yuma2",
            max_allowed_validators=_check_u16("max_allowed_validators", max_allowed_validators),
            liquid_alpha_consensus_mode=_consensus_mode(liquid_alpha_consensus_mode),
        )


def _merge_sdk_names(
    bonds_moving_average: int | None, bonds_moving_avg: int | None,
    liquid_alpha_on: bool | None, liquid_alpha_enabled: bool | None, yuma3_on: bool | None,
    yuma3_enabled: bool | None, yuma_version: int | None,
    max_allowed_validators: int | None, max_validators: int | None,
) -> tuple[Any, Any, Any, Any]:
    """Merge the hyperparameters :meth:`YumaParams.from_chain` takes under two names.

    Parameters
    ----------
    bonds_moving_average, bonds_moving_avg : int or None
        Chain and SDK names of ``BondsMovingAverage``.
    liquid_alpha_on, liquid_alpha_enabled : bool or None
        Chain and SDK names of ``LiquidAlphaOn``.
    yuma3_on, yuma3_enabled, yuma_version : bool, bool, int or None
        Chain and SDK names of ``Yuma3On`` (``yuma_version`` 3 sets it, 2 clears it).
    max_allowed_validators, max_validators : int or None
        Chain and SDK names of ``MaxAllowedValidators``.

    Returns
    -------
    tuple
        ``(bonds_moving_average, liquid_alpha_on, yuma3_on, max_allowed_validators)``,
        the chain's default where neither name was given (not yet range-checked).
    """
    if yuma_version is not None:
        if isinstance(yuma_version, bool) or yuma_version not in (2, 3):
            raise ValueError(f"yuma_version must be 2 or 3, got {yuma_version!r}")
    bonds_moving_average = _one_of("bonds_moving_average", bonds_moving_average,
                                   "bonds_moving_avg", bonds_moving_avg, 900_000)
    liquid_alpha_on = _one_of("liquid_alpha_on", liquid_alpha_on,
                              "liquid_alpha_enabled", liquid_alpha_enabled, False)
    yuma3_on = _one_of("yuma3_on", yuma3_on, "yuma3_enabled", yuma3_enabled, None)
    yuma3_on = _one_of("yuma3_on", yuma3_on, "yuma_version",
                       None if yuma_version is None else yuma_version == 3, True)
    max_allowed_validators = _one_of("max_allowed_validators", max_allowed_validators,
                                     "max_validators", max_validators, 64)
    return bonds_moving_average, liquid_alpha_on, yuma3_on, max_allowed_validators


def _merge_alpha_halves(
    alpha_values: Any, alpha_low: int | None, alpha_high: int | None
) -> Any:
    """``AlphaValues`` from the pair or its SDK halves; the halves must agree with a pair.

    Parameters
    ----------
    alpha_values : tuple of int or None
        ``(alpha_low, alpha_high)``.
    alpha_low, alpha_high : int or None
        The SDK's halves; a missing half keeps its default (45875, 58982).

    Returns
    -------
    tuple or the given ``alpha_values``
        Not yet range-checked.
    """
    if alpha_values is None:
        return (45875 if alpha_low is None else alpha_low,
                58982 if alpha_high is None else alpha_high)
    try:
        pair = tuple(alpha_values)
    except TypeError:
        raise ValueError(
            f"alpha_values must be a (low, high) pair, got {alpha_values!r}"
        ) from None
    for name, half, given in (("alpha_low", 0, alpha_low), ("alpha_high", 1, alpha_high)):
        if given is not None and len(pair) == 2 and pair[half] != given:
            raise ValueError(f"alpha_values[{half}] = {pair[half]!r} and {name} = "
                             f"{given!r} disagree; give one of them")
    return alpha_values


def _check_u16(name: str, v: int) -> int:
    """``v`` if it is a u16 integer (not a bool), else a ValueError naming ``name``."""
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= U16_MAX:
        raise ValueError(f"{name} must be a u16 integer in [0, 65535], got {v!r}")
    return v


def _check_chain_integers(
    kappa: Any, bonds_penalty: Any, bonds_moving_average: Any, alpha_values: Any,
    alpha_sigmoid_steepness: Any, liquid_alpha_on: Any, yuma3_on: Any,
) -> tuple[int, int]:
    """Check each hyperparameter of :meth:`YumaParams.from_chain` against its chain type.

    Parameters
    ----------
    kappa, bonds_penalty : int
        u16.
    bonds_moving_average : int
        Per million, in ``[0, 1_000_000]``.
    alpha_values : pair of int
        u16 each.
    alpha_sigmoid_steepness : int
        i16.
    liquid_alpha_on, yuma3_on : bool

    Returns
    -------
    tuple of int
        ``(alpha_low, alpha_high)``.
    """
    _check_u16("kappa", kappa)
    _check_u16("bonds_penalty", bonds_penalty)
    if (
        isinstance(bonds_moving_average, bool)
        or not isinstance(bonds_moving_average, int)
        or not 0 <= bonds_moving_average <= _MILLION
    ):
        raise ValueError(
            "bonds_moving_average must be an integer in [0, 1_000_000] (per million), "
            f"got {bonds_moving_average!r}"
        )
    if not isinstance(alpha_values, (tuple, list)) or len(alpha_values) != 2:
        raise ValueError(f"alpha_values must be a (low, high) pair, got {alpha_values!r}")
    low = _check_u16("alpha_values[0]", alpha_values[0])
    high = _check_u16("alpha_values[1]", alpha_values[1])
    if (
        isinstance(alpha_sigmoid_steepness, bool)
        or not isinstance(alpha_sigmoid_steepness, int)
        or not -32768 <= alpha_sigmoid_steepness <= 32767
    ):
        raise ValueError(
            "alpha_sigmoid_steepness must be an i16 integer, "
            f"got {alpha_sigmoid_steepness!r}"
        )
    for name, flag in (("liquid_alpha_on", liquid_alpha_on), ("yuma3_on", yuma3_on)):
        if not isinstance(flag, (bool, np.bool_)):
            raise ValueError(f"{name} must be a bool, got {flag!r}")
    return low, high


def _one_of(chain_name: str, chain_value: _T | None, sdk_name: str, sdk_value: _T | None,
            default: _T) -> _T:
    """The value of a hyperparameter given under its chain name, its SDK name, or neither."""
    if chain_value is None:
        return default if sdk_value is None else sdk_value
    if sdk_value is not None and sdk_value != chain_value:
        raise ValueError(f"{chain_name} = {chain_value!r} and {sdk_name} = {sdk_value!r} "
                         "disagree (the same hyperparameter under its chain and SDK names)")
    return chain_value


SDK_NAMES = {
    "bonds_moving_avg": "bonds_moving_average",
    "liquid_alpha_enabled": "liquid_alpha_on",
    "yuma3_enabled": "yuma3_on",
    "max_validators": "max_allowed_validators",
    "commit_reveal_weights_enabled": "commit_reveal_enabled",
    "bonds_reset_enabled": "bonds_reset_on",
}
"""The Bittensor SDKs' names of hyperparameters whose chain name differs (SDK -> chain).

``yuma_version`` (11.x: 2 or 3) stands for ``yuma3_on``; ``alpha_low`` and ``alpha_high``
are the halves of the chain's ``AlphaValues``. Both names are accepted by
:meth:`YumaParams.from_chain`, :func:`yuma.chain.new_subnet` and
:func:`yuma.chain.set_hyperparameters`.
"""


def chain_names(values: Mapping[str, Any]) -> dict[str, Any]:
    """Hyperparameters keyed by the chain's names: SDK names (:data:`SDK_NAMES`) translated.

    ``yuma_version`` becomes ``yuma3_on`` (3: True, 2: False). Other names pass unchanged.

    Parameters
    ----------
    values : dict
        Hyperparameters under chain or SDK names.

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        If a hyperparameter is given under both names with different values, or
        ``yuma_version`` is not 2 or 3.
    """
    out = {k: v for k, v in values.items() if k not in SDK_NAMES and k != "yuma_version"}
    sdk = {k: v for k, v in values.items() if k in SDK_NAMES}
    if "yuma_version" in values:
        version = values["yuma_version"]
        if isinstance(version, bool) or version not in (2, 3):
            raise ValueError(f"yuma_version must be 2 or 3, got {version!r}")
        if "yuma3_enabled" in sdk and bool(sdk["yuma3_enabled"]) != (version == 3):
            raise ValueError(f"yuma3_enabled = {sdk['yuma3_enabled']!r} and yuma_version = "
                             f"{version!r} disagree")
        sdk.setdefault("yuma3_enabled", version == 3)
    for sdk_name, value in sdk.items():
        name = SDK_NAMES[sdk_name]
        out[name] = _one_of(name, out.get(name), sdk_name, value, None)
    return out


CONSENSUS_MODES = ("auto", "current", "previous")
"""Values of :attr:`YumaParams.liquid_alpha_consensus_mode`."""

_MODE_CODES = {0: "current", 1: "previous", 2: "auto"}


def _consensus_mode(mode: int | str) -> str:
    if isinstance(mode, str) and mode in CONSENSUS_MODES:
        return mode
    integer = is_integer(mode) and not isinstance(mode, bool)
    if integer and int(mode) in _MODE_CODES:
        return _MODE_CODES[int(mode)]
    raise ValueError(
        "liquid_alpha_consensus_mode must be 0/'current', 1/'previous' or 2/'auto', "
        f"got {mode!r}"
    )

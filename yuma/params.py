"""Hyperparameters of one Yuma epoch, in natural units."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._registry import VARIANTS
from ._validation import is_integer

__all__ = ["YumaParams", "U16_MAX"]

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
        bonds_moving_average: int = 900_000,
        bonds_penalty: int = U16_MAX,
        alpha_values: tuple[int, int] = (45875, 58982),
        alpha_sigmoid_steepness: int = 1000,
        liquid_alpha_on: bool = False,
        yuma3_on: bool = True,
        max_allowed_validators: int = 64,
        liquid_alpha_consensus_mode: int | str = "auto",
    ) -> YumaParams:
        """Build parameters from the chain's integer hyperparameters.

        Parameters
        ----------
        kappa : int
            ``Kappa``, u16; ``kappa = Kappa / 65535``.
        bonds_moving_average : int
            ``BondsMovingAverage``, per million, in ``[0, 1_000_000]``.
        bonds_penalty : int
            ``BondsPenalty``, u16; ``beta = BondsPenalty / 65535``.
        alpha_values : tuple of int
            ``AlphaValues`` ``(alpha_low, alpha_high)``, u16 each.
        alpha_sigmoid_steepness : int
            ``AlphaSigmoidSteepness``, i16; the effective slope is this divided by 100.
        liquid_alpha_on : bool
            ``LiquidAlphaOn``.
        yuma3_on : bool
            ``Yuma3On``: ``"yuma3"`` when true, else ``"yuma2"``.
        max_allowed_validators : int
            ``MaxAllowedValidators``, u16.
        liquid_alpha_consensus_mode : int or str
            ``LiquidAlphaConsensusMode``: 0 / ``"current"``, 1 / ``"previous"``,
            2 / ``"auto"`` (the chain's wire encoding).

        Returns
        -------
        YumaParams

        Raises
        ------
        ValueError
            If an integer is outside its chain type's range.
        """

        def _u16(name: str, v: int) -> int:
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= U16_MAX:
                raise ValueError(f"{name} must be a u16 integer in [0, 65535], got {v!r}")
            return v

        _u16("kappa", kappa)
        _u16("bonds_penalty", bonds_penalty)
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
        low = _u16("alpha_values[0]", alpha_values[0])
        high = _u16("alpha_values[1]", alpha_values[1])
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
        return cls(
            kappa=kappa / U16_MAX,
            bonds_moving_average=bonds_moving_average / _MILLION,
            bonds_penalty=bonds_penalty / U16_MAX,
            liquid_alpha=bool(liquid_alpha_on),
            alpha_low=low / U16_MAX,
            alpha_high=high / U16_MAX,
            alpha_sigmoid_steepness=alpha_sigmoid_steepness / 100.0,
            variant="yuma3" if yuma3_on else "yuma2",
            max_allowed_validators=_u16("max_allowed_validators", max_allowed_validators),
            liquid_alpha_consensus_mode=_consensus_mode(liquid_alpha_consensus_mode),
        )


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

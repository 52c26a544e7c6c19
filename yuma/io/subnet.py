r"""One subnet at one block, with its units explicit: :class:`.SubnetSnapshot`.

The SDKs hand out the same chain storage in several units: stake in TAO as float32 (10.x)
or as integer rao (11.x ``Balance.rao``), weights as row proportions (both), bonds as raw
u16 (10.x) or u16 / 65535 (11.x), hyperparameters as the chain's integers, as proportions,
or (10.x's ``bonds_moving_avg``) divided by ``u64::MAX``. A :class:`SubnetSnapshot` holds
one canonical form of each and derives the others:

============================  ===================================  =========================
quantity                      stored                               views
============================  ===================================  =========================
stake                         ``stake_rao`` (uint64, rao)          ``stake_tao`` (float64)
weights                       ``weights`` (float64 row             ``weights_u16`` (the
                              proportions: each non-empty row      chain's stored rows;
                              sums to 1)                           exact when the source
                                                                   gave u16, else the
                                                                   chain's max-upscale)
bonds                         ``bonds_u16`` (uint16)               ``bonds`` (u16 / 65535)
hyperparameters               :class:`ChainHyperparameters`        :class:`yuma.YumaParams`
                              (the chain's integers)
chain outputs                 ``outputs`` (u16 scores, emission    (as stored)
                              in rao)
============================  ===================================  =========================

1 TAO is :data:`RAO_PER_TAO` = 10**9 rao. :func:`tao_to_rao` converts a float's exact
binary value to the nearest rao (ties to even), so a float32 stake read from an SDK becomes
the rao nearest to what that float32 holds, not a product rounded twice;
:func:`rao_to_tao` is the correctly rounded quotient.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from .._validation import as_float64, as_real_array, is_integer
from ..params import U16_MAX, YumaParams

if TYPE_CHECKING:
    from ..chain import ChainState

__all__ = [
    "ChainHyperparameters",
    "SubnetSnapshot",
    "RAO_PER_TAO",
    "U64_MAX",
    "tao_to_rao",
    "rao_to_tao",
    "proportions_to_u16_rows",
    "OUTPUT_NAMES",
    "derived_permits",
]

RAO_PER_TAO = 10**9
"""Rao in one TAO (or in one unit of a subnet's alpha)."""

U64_MAX = (1 << 64) - 1
_MILLION = 1_000_000

OUTPUT_NAMES = (
    "consensus",
    "incentive",
    "dividends",
    "validator_trust",
    "rank",
    "trust",
    "emission",
)
"""Chain outputs a snapshot may carry: u16 scores (65535 = 1.0), ``emission`` in rao."""


# --------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------


def _fail(source: str, name: str, problem: str) -> ValueError:
    return ValueError(f"{source}: {name}: {problem}")


def tao_to_rao(
    tao: ArrayLike, *, name: str = "stake", source: str = "<input>"
) -> NDArray[np.uint64]:
    r"""Convert TAO amounts to integer rao: ``rao = round(tao * 10**9)``, exactly.

    The product is taken on the exact binary value of each float (a float32 ``0.1`` is
    ``0.100000001490116...``), then rounded to the nearest integer, ties to even. Integer
    inputs are whole TAO.

    Parameters
    ----------
    tao : array_like of real
        Amounts in TAO (or alpha), any shape.
    name, source : str
        Field and source named in errors.

    Returns
    -------
    numpy.ndarray of uint64
        Rao, same shape.

    Raises
    ------
    ValueError
        On NaN, inf, a negative amount or one above ``u64::MAX`` rao.

    Examples
    --------
    >>> tao_to_rao([1.5, 0.000000001]).tolist()
    [1500000000, 1]
    """
    arr = _asarray(tao, name, source)
    try:
        return _tao_to_rao(arr, name, source)
    except MemoryError:
        raise _fail(source, name, f"of shape {arr.shape} does not fit in memory") from None


def _tao_to_rao(arr: np.ndarray, name: str, source: str) -> NDArray[np.uint64]:
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise _fail(source, name, f"must hold real numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "b":
        raise _fail(source, name, "must hold amounts, got booleans")
    if arr.dtype.kind == "f" and arr.size and not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr.reshape(-1)))[0])
        raise _fail(source, name, f"entry {bad} is {arr.reshape(-1)[bad]} (NaN or inf)")
    if arr.size and (arr < 0).any():
        bad = int(np.flatnonzero(arr.reshape(-1) < 0)[0])
        raise _fail(source, name, f"entry {bad} is negative ({arr.reshape(-1)[bad]})")
    if arr.dtype.kind == "f":
        values = [round(Fraction(float(v)) * RAO_PER_TAO) for v in arr.reshape(-1).tolist()]
    else:
        values = [int(v) * RAO_PER_TAO for v in arr.reshape(-1).tolist()]
    if values and max(values) > U64_MAX:
        raise _fail(source, name, "an amount exceeds u64::MAX rao")
    return np.array(values, dtype=np.uint64).reshape(arr.shape)


def rao_to_tao(rao: ArrayLike) -> NDArray[np.float64]:
    """Convert integer rao to TAO: ``rao / 10**9``, correctly rounded to float64.

    Parameters
    ----------
    rao : array_like of int
        Non-negative integer amounts.

    Returns
    -------
    numpy.ndarray of float64

    Raises
    ------
    ValueError
        On an amount that is not an integer in ``[0, 2**64 - 1]``.

    Examples
    --------
    >>> rao_to_tao([1_500_000_000, 1]).tolist()
    [1.5, 1e-09]
    """
    arr = _asarray(rao, "rao", "<input>")
    if not isinstance(rao, np.ndarray) and arr.dtype.kind == "f":
        # NumPy makes a list holding an int above 2**63 float64: keep the Python ints exact
        arr = _asarray(np.array(rao, dtype=object), "rao", "<input>")
    if arr.size > 2**32:  # one Python int per entry: refuse what cannot be listed
        raise _fail("<input>", "rao", f"of shape {arr.shape} is too large")
    if arr.dtype.kind not in "iufO":
        raise _fail("<input>", "rao", f"must hold integers, got dtype {arr.dtype}")
    values = arr.reshape(-1).tolist()
    for v in values:
        whole = is_integer(v) or (isinstance(v, float) and math.isfinite(v) and v == int(v))
        if not whole or not 0 <= int(v) <= U64_MAX:
            raise _fail("<input>", "rao", f"must hold integers in [0, 2**64 - 1], got {v!r:.40}")
    return np.array([int(v) / RAO_PER_TAO for v in values],
                    dtype=np.float64).reshape(arr.shape)


def proportions_to_u16_rows(weights: ArrayLike) -> NDArray[np.uint16]:
    r"""The u16 rows the chain stores for weight rows given as proportions.

    A client sets weights max-upscaled (``rint(65535 * w / max(w))`` per row: the largest
    entry becomes 65535) and the chain stores those integers; the SDKs hand back each row
    divided by its sum. From proportions alone the stored integers come back up to
    rounding: exact when the proportions were computed in float64 from the integers, and
    within 1 of them from float32 proportions. Rows with no positive entry are all 0.

    Parameters
    ----------
    weights : array_like, shape (m, n)
        Non-negative rows.

    Returns
    -------
    numpy.ndarray of uint16, shape (m, n)

    Examples
    --------
    >>> proportions_to_u16_rows([[0.25, 0.75], [0.0, 0.0]]).tolist()
    [[21845, 65535], [0, 0]]
    """
    w = np.asarray(weights, dtype=np.float64)
    top = w.max(axis=1, keepdims=True) if w.size else np.zeros((w.shape[0], 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(top > 0, w / np.where(top > 0, top, 1.0) * U16_MAX, 0.0)
    return np.rint(scaled).astype(np.uint16)


def derived_permits(stake: ArrayLike, max_allowed_validators: int,
                    owner_uid: int | None = None) -> NDArray[np.bool_]:
    r"""The validator permits the chain would store for this stake: top-k, non-zero, owner.

    The chain's epoch hands out ``ValidatorPermit`` as :func:`yuma.validator_permits` does:
    the ``k = MaxAllowedValidators`` largest non-zero stakes (ties at the cut favour the
    higher UID), plus the subnet owner. An epoch reads the permits the *previous* epoch
    stored; when a source does not carry them (a simulator dump, a file written without
    them), the permits of the current stake are the closest reading, and a far better one
    than "every UID permitted" (on SN15 at block 4769998, 8 of its 20 weight setters
    hold no permit by stake).

    Parameters
    ----------
    stake : array_like, shape (n,)
        Stake per UID (any unit).
    max_allowed_validators : int
        ``k``.
    owner_uid : int, optional
        Always permitted.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)

    Examples
    --------
    >>> derived_permits([5.0, 0.0, 3.0, 9.0], 2).tolist()
    [True, False, False, True]
    """
    from ..core.steps import validator_permits

    return validator_permits(np.asarray(stake, dtype=np.float64), max_allowed_validators,
                             owner_uid=owner_uid)
def _asarray(x: object, name: str, source: str) -> np.ndarray:
    """``np.asarray(x)``; None, a string or a ragged nesting is an error naming the field."""
    if x is None or isinstance(x, (str, bytes)):
        raise _fail(source, name, f"must be an array, got {x!r:.40}")
    try:
        return np.asarray(x)
    except (TypeError, ValueError, RecursionError) as exc:
        raise _fail(source, name, f"is not a rectangular array ({exc})") from None


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr)
    arr.flags.writeable = False
    return arr


def _int_vector(
    x: object, name: str, source: str, n: int | None, lo: int, hi: int, dtype: DTypeLike
) -> np.ndarray:
    arr = _asarray(x, name, source)
    if arr.ndim != 1:
        raise _fail(source, name, f"must be 1-dimensional, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise _fail(source, name, f"has length {arr.shape[0]}, expected {n} (one per UID)")
    if arr.dtype.kind == "f":
        if arr.size and not np.all(np.isfinite(arr)):
            raise _fail(source, name, "holds NaN or inf")
        if arr.size and not np.all(arr == np.floor(arr)):
            raise _fail(source, name, "must hold integers")
    elif arr.dtype.kind not in "iu" and not (arr.dtype == object and arr.size == 0):
        if arr.dtype == object and all(
            is_integer(v) and not isinstance(v, (bool, np.bool_))
            for v in arr.tolist()
        ):
            pass
        else:
            raise _fail(source, name, f"must hold integers, got dtype {arr.dtype}")
    values = [int(v) for v in arr.tolist()]
    if any(not lo <= v <= hi for v in values):
        bad = next(i for i, v in enumerate(values) if not lo <= v <= hi)
        raise _fail(source, name, f"entry {bad} is {values[bad]}, outside [{lo}, {hi}]")
    return _frozen(np.array(values, dtype=dtype))


def _bool_vector(x: object, name: str, source: str, n: int) -> NDArray[np.bool_]:
    arr = _asarray(x, name, source)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise _fail(source, name, f"has shape {arr.shape}, expected ({n},) (one per UID)")
    if arr.dtype != np.bool_:
        if arr.dtype.kind not in "iuf" or (arr.size and not np.all((arr == 0) | (arr == 1))):
            raise _fail(source, name, "must be a boolean mask (True/False or 0/1)")
    return _frozen(arr.astype(np.bool_))


def _u16_matrix(x: object, name: str, source: str, n: int) -> NDArray[np.uint16]:
    arr = _asarray(x, name, source)
    if arr.shape != (n, n):
        raise _fail(source, name, f"has shape {arr.shape}, expected ({n}, {n})")
    if arr.dtype.kind == "f":
        if arr.size and not np.all(np.isfinite(arr)):
            raise _fail(source, name, "holds NaN or inf")
        if arr.size and not np.all(arr == np.floor(arr)):
            raise _fail(source, name, "must hold u16 integers")
    elif arr.dtype.kind not in "iu":
        raise _fail(source, name, f"must hold u16 integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > U16_MAX):
        row = int(np.flatnonzero(((arr < 0) | (arr > U16_MAX)).any(axis=1))[0])
        raise _fail(source, name, f"row {row} holds values outside [0, 65535]")
    return _frozen(arr.astype(np.uint16))


def _weight_matrix(x: object, name: str, source: str, n: int) -> NDArray[np.float64]:
    try:
        raw = as_real_array(x, name)
        if raw.shape != (n, n):
            raise _fail(source, name, f"has shape {raw.shape}, expected ({n}, {n})")
        arr = as_float64(raw, name)
    except ValueError as exc:
        if str(exc).startswith(source):
            raise
        raise _fail(source, name, f"is not a matrix of real numbers ({exc})") from None
    finite = np.isfinite(arr)
    if not finite.all():
        row = int(np.flatnonzero(~finite.all(axis=1))[0])
        raise _fail(source, name, f"row {row} holds NaN or inf")
    if arr.size and arr.min() < 0:
        row = int(np.flatnonzero((arr < 0).any(axis=1))[0])
        raise _fail(source, name, f"row {row} has negative entries")
    return arr


def _row_proportions(w: np.ndarray) -> np.ndarray:
    sums = w.sum(axis=1, keepdims=True)
    result: np.ndarray = np.divide(w, sums, out=np.zeros_like(w), where=sums > 0)
    return result


# --------------------------------------------------------------------------------------
# Hyperparameters
# --------------------------------------------------------------------------------------


_CHAIN_DEFAULTS = {
    "tempo": 360,
    "activity_cutoff": None,  # from tempo: yuma.chain.activity_cutoff_blocks
    "activity_cutoff_factor": None,
    "kappa": 32767,
    "bonds_penalty": U16_MAX,
    "bonds_moving_average": 900_000,
    "liquid_alpha_on": False,
    "alpha_low": 45875,
    "alpha_high": 58982,
    "alpha_sigmoid_steepness": 1000,
    "yuma3_on": True,
    "max_allowed_validators": 64,
    "commit_reveal_enabled": False,
    "commit_reveal_period": 1,
    "bonds_reset_on": False,
    "epoch_consensus": "yuma",
    "liquid_alpha_consensus_mode": "auto",
}


@dataclass(frozen=True)
class ChainHyperparameters:
    r"""A subnet's epoch hyperparameters as the chain's integers; None where unknown.

    Every field is the chain's storage value and unit (the name in parentheses). A field
    left None was not given by the source; :meth:`resolved` fills it with the chain's
    default for a new subnet and :attr:`missing` lists it.

    Parameters
    ----------
    tempo : int, optional
        ``Tempo`` (u16, blocks between epochs).
    activity_cutoff : int, optional
        ``ActivityCutoff`` in blocks (what the SDKs report as ``activity_cutoff``).
    activity_cutoff_factor : int, optional
        ``ActivityCutoffFactorMilli`` (per mille of tempo); when given, the epoch's cutoff
        is ``max(1, factor * tempo // 1000)`` (11.x notes that ``activity_cutoff`` is then
        derived, read-only).
    kappa : int, optional
        ``Kappa`` (u16; 32767 is 0.5).
    bonds_penalty : int, optional
        ``BondsPenalty`` (u16).
    bonds_moving_average : int, optional
        ``BondsMovingAverage`` (per million; SDK name ``bonds_moving_avg``).
    liquid_alpha_on : bool, optional
        ``LiquidAlphaOn`` (SDK ``liquid_alpha_enabled``).
    alpha_low, alpha_high : int, optional
        ``AlphaValues`` (u16 each).
    alpha_sigmoid_steepness : int, optional
        ``AlphaSigmoidSteepness`` (i16; the effective slope is this / 100).
    yuma3_on : bool, optional
        ``Yuma3On`` (SDK ``yuma3_enabled``, or ``yuma_version`` 3).
    max_allowed_validators : int, optional
        ``MaxAllowedValidators`` (u16; SDK ``max_validators``).
    commit_reveal_enabled : bool, optional
        ``CommitRevealWeightsEnabled``.
    commit_reveal_period : int, optional
        ``RevealPeriodEpochs`` (tempos between commit and reveal).
    bonds_reset_on : bool, optional
        ``BondsResetOn`` (SDK ``bonds_reset_enabled``).
    epoch_consensus : {"yuma", "null"}, optional
        ``SubnetEpochConsensus``: 0 / ``Yuma`` runs Yuma, 1 / ``Null`` the Null epoch
        (:func:`yuma.null.null_epoch`).
    liquid_alpha_consensus_mode : {"auto", "current", "previous"}, optional
        ``LiquidAlphaConsensusMode``.

    Raises
    ------
    ValueError
        If a value is outside its chain type.
    """

    tempo: int | None = None
    activity_cutoff: int | None = None
    activity_cutoff_factor: int | None = None
    kappa: int | None = None
    bonds_penalty: int | None = None
    bonds_moving_average: int | None = None
    liquid_alpha_on: bool | None = None
    alpha_low: int | None = None
    alpha_high: int | None = None
    alpha_sigmoid_steepness: int | None = None
    yuma3_on: bool | None = None
    max_allowed_validators: int | None = None
    commit_reveal_enabled: bool | None = None
    commit_reveal_period: int | None = None
    bonds_reset_on: bool | None = None
    epoch_consensus: str | None = None
    liquid_alpha_consensus_mode: str | None = None

    def __post_init__(self) -> None:
        ranges = {
            "tempo": (0, U16_MAX),
            "activity_cutoff": (0, U64_MAX),
            "activity_cutoff_factor": (0, (1 << 32) - 1),
            "kappa": (0, U16_MAX),
            "bonds_penalty": (0, U16_MAX),
            "bonds_moving_average": (0, _MILLION),
            "alpha_low": (0, U16_MAX),
            "alpha_high": (0, U16_MAX),
            "alpha_sigmoid_steepness": (-(1 << 15), (1 << 15) - 1),
            "max_allowed_validators": (0, U16_MAX),
            "commit_reveal_period": (0, U64_MAX),
        }
        for name, (lo, hi) in ranges.items():
            v = getattr(self, name)
            if v is None:
                continue
            if isinstance(v, (bool, np.bool_)) or not is_integer(v):
                raise ValueError(f"{name} must be an integer, got {v!r}")
            if not lo <= int(v) <= hi:
                raise ValueError(f"{name} must be in [{lo}, {hi}], got {v}")
            object.__setattr__(self, name, int(v))
        for name in ("liquid_alpha_on", "yuma3_on", "commit_reveal_enabled", "bonds_reset_on"):
            v = getattr(self, name)
            if v is not None:
                if not isinstance(v, (bool, np.bool_)):
                    raise ValueError(f"{name} must be a bool, got {v!r}")
                object.__setattr__(self, name, bool(v))
        if self.epoch_consensus is not None and (not isinstance(self.epoch_consensus, str)
                                                 or self.epoch_consensus not in ("yuma", "null")):
            raise ValueError(f"epoch_consensus must be 'yuma' or 'null', got "
                             f"{self.epoch_consensus!r}")
        mode = self.liquid_alpha_consensus_mode
        if mode is not None and (not isinstance(mode, str)
                                 or mode not in ("auto", "current", "previous")):
            raise ValueError("liquid_alpha_consensus_mode must be 'auto', 'current' or "
                             f"'previous', got {self.liquid_alpha_consensus_mode!r}")

    @property
    def missing(self) -> tuple[str, ...]:
        """Names of the fields the source did not give (None)."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) is None)

    def resolved(self) -> dict[str, Any]:
        """Every field, the chain's new-subnet default where the source gave none.

        ``activity_cutoff`` is resolved to the epoch's cutoff in blocks: from
        ``activity_cutoff_factor`` and ``tempo`` when the factor is known, else the
        given ``activity_cutoff``, else the chain's default factor (13_889 per mille).

        Returns
        -------
        dict
        """
        from ..chain import activity_cutoff_blocks

        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, default in _CHAIN_DEFAULTS.items():
            if out[name] is None:
                out[name] = default
        if self.activity_cutoff_factor is not None:
            out["activity_cutoff"] = activity_cutoff_blocks(out["tempo"],
                                                            self.activity_cutoff_factor)
        elif out["activity_cutoff"] is None:
            out["activity_cutoff"] = activity_cutoff_blocks(out["tempo"])
        return out

    def to_yuma_params(self, variant: str | None = None) -> YumaParams:
        """The :class:`yuma.YumaParams` of these integers (defaults where unknown).

        Parameters
        ----------
        variant : str, optional
            Overrides the variant that ``yuma3_on`` selects.

        Returns
        -------
        YumaParams
        """
        r = self.resolved()
        params = YumaParams.from_chain(
            kappa=r["kappa"],
            bonds_moving_average=r["bonds_moving_average"],
            bonds_penalty=r["bonds_penalty"],
            alpha_values=(r["alpha_low"], r["alpha_high"]),
            alpha_sigmoid_steepness=r["alpha_sigmoid_steepness"],
            liquid_alpha_on=r["liquid_alpha_on"],
            yuma3_on=r["yuma3_on"],
            max_allowed_validators=r["max_allowed_validators"],
            liquid_alpha_consensus_mode=r["liquid_alpha_consensus_mode"],
        )
        if variant is not None:
            from dataclasses import replace

            params = replace(params, variant=variant)
        return params

    def chain_state_fields(self) -> dict[str, Any]:
        """The :class:`yuma.chain.ChainState` keyword arguments of these integers.

        Returns
        -------
        dict
        """
        r = self.resolved()
        keys = ("tempo", "activity_cutoff", "kappa", "bonds_penalty", "bonds_moving_average",
                "liquid_alpha_on", "alpha_low", "alpha_high", "alpha_sigmoid_steepness",
                "yuma3_on", "max_allowed_validators", "commit_reveal_enabled",
                "bonds_reset_on", "liquid_alpha_consensus_mode")
        return {k: r[k] for k in keys}


# --------------------------------------------------------------------------------------
# Snapshot validation (each step normalises its fields in place on the frozen snapshot)
# --------------------------------------------------------------------------------------


def _check_uid_vectors(snap: SubnetSnapshot, src: str) -> int:
    """Validate and freeze the per-UID vectors and hotkeys of a new snapshot.

    Parameters
    ----------
    snap : SubnetSnapshot
        The snapshot under construction.
    src : str
        Its source, named in errors.

    Returns
    -------
    int
        ``n``, the number of UIDs (the length of ``stake_rao``).
    """
    set_ = object.__setattr__
    stake = _int_vector(snap.stake_rao, "stake_rao", src, None, 0, U64_MAX, np.uint64)
    n = int(stake.shape[0])
    if n > U16_MAX:
        raise _fail(src, "stake_rao", f"{n} UIDs, more than a subnet holds (65535)")
    set_(snap, "stake_rao", stake)
    for name in ("alpha_stake_rao", "tao_stake_rao"):
        v = getattr(snap, name)
        if v is not None:
            set_(snap, name, _int_vector(v, name, src, n, 0, U64_MAX, np.uint64))
    for name in ("last_update", "block_at_registration"):
        v = getattr(snap, name)
        if v is not None:
            set_(snap, name, _int_vector(v, name, src, n, 0, U64_MAX, np.uint64))
    for name in ("validator_permit", "active"):
        v = getattr(snap, name)
        if v is not None:
            set_(snap, name, _bool_vector(v, name, src, n))
    if snap.hotkeys is not None:
        keys = tuple(snap.hotkeys) if not isinstance(snap.hotkeys, str) else None
        if keys is None or len(keys) != n:
            got = "a string" if keys is None else f"{len(keys)} entries"
            raise _fail(src, "hotkeys", f"has {got}, expected {n} (one per UID)")
        if not all(isinstance(k, str) for k in keys):
            raise _fail(src, "hotkeys", "must hold strings (ss58 addresses)")
        set_(snap, "hotkeys", keys)
    return n


def _check_scalar_fields(snap: SubnetSnapshot, src: str) -> None:
    """Validate the scalar fields: block numbers, ``mechid``, owner, hyperparameters.

    Parameters
    ----------
    snap : SubnetSnapshot
        The snapshot under construction.
    src : str
        Its source, named in errors.
    """
    set_ = object.__setattr__
    for name in ("netuid", "block", "last_step"):
        v = getattr(snap, name)
        if v is not None:
            if isinstance(v, (bool, np.bool_)) or not is_integer(v) \
                    or not 0 <= int(v) <= U64_MAX:
                raise _fail(src, name, f"must be a non-negative integer, got {v!r}")
            set_(snap, name, int(v))
    if isinstance(snap.mechid, (bool, np.bool_)) or not isinstance(
        snap.mechid, (int, np.integer)
    ) or snap.mechid < 0:
        raise _fail(src, "mechid", f"must be a non-negative integer, got {snap.mechid!r}")
    set_(snap, "mechid", int(snap.mechid))
    if snap.owner_hotkey is not None and not isinstance(snap.owner_hotkey, str):
        raise _fail(src, "owner_hotkey", "must be a string")
    if not isinstance(snap.hyperparameters, ChainHyperparameters):
        raise _fail(src, "hyperparameters", "must be a ChainHyperparameters")


def _check_matrices(snap: SubnetSnapshot, src: str, n: int) -> None:
    """Validate the weight and bond matrices; derive proportions or u16 rows from the other.

    Parameters
    ----------
    snap : SubnetSnapshot
        The snapshot under construction.
    src : str
        Its source, named in errors.
    n : int
        Number of UIDs.
    """
    set_ = object.__setattr__
    if snap.weights is None and snap.weights_u16 is not None:
        set_(snap, "weights_u16_exact", True)
    if snap.weights is not None:
        w = _weight_matrix(snap.weights, "weights", src, n)
        set_(snap, "weights", _frozen(_row_proportions(w)))
    if snap.weights_u16 is not None:
        set_(snap, "weights_u16", _u16_matrix(snap.weights_u16, "weights_u16", src, n))
        if snap.weights is None:
            set_(snap, "weights", _frozen(_row_proportions(
                snap.weights_u16.astype(np.float64))))
    elif snap.weights is not None:
        set_(snap, "weights_u16", _frozen(proportions_to_u16_rows(snap.weights)))
        set_(snap, "weights_u16_exact", False)
    set_(snap, "weights_u16_exact", bool(snap.weights_u16_exact))
    if snap.weights_listed is not None:
        listed = np.asarray(snap.weights_listed)
        if listed.shape != (n, n) or listed.dtype != np.bool_:
            raise _fail(src, "weights_listed", f"must be a boolean ({n}, {n}) mask")
        if snap.weights is not None and np.any((snap.weights > 0) & ~listed):
            raise _fail(src, "weights_listed", "misses entries with positive weight")
        set_(snap, "weights_listed", _frozen(listed.copy()))
    if snap.bonds_u16 is not None:
        set_(snap, "bonds_u16", _u16_matrix(snap.bonds_u16, "bonds_u16", src, n))


def _check_outputs(snap: SubnetSnapshot, src: str, n: int) -> None:
    """Validate the chain outputs (u16 scores, ``emission`` in rao) into a read-only mapping.

    Parameters
    ----------
    snap : SubnetSnapshot
        The snapshot under construction.
    src : str
        Its source, named in errors.
    n : int
        Number of UIDs.
    """
    outputs = {}
    for name, values in dict(snap.outputs).items():
        if name not in OUTPUT_NAMES:
            raise _fail(src, "outputs", f"unknown output {name!r}; known: {OUTPUT_NAMES}")
        hi, dtype = (U64_MAX, np.uint64) if name == "emission" else (U16_MAX, np.uint16)
        outputs[name] = _int_vector(values, f"outputs[{name!r}]", src, n, 0, hi, dtype)
    object.__setattr__(snap, "outputs", MappingProxyType(outputs))


# --------------------------------------------------------------------------------------
# Snapshot conversions
# --------------------------------------------------------------------------------------


def _permits_from_stake(snap: SubnetSnapshot) -> NDArray[np.bool_]:
    """The permits the chain would hand out for the snapshot's stake (:func:`derived_permits`).

    Parameters
    ----------
    snap : SubnetSnapshot

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    return derived_permits(snap.stake_rao.astype(np.float64),
                           snap.hyperparameters.resolved()["max_allowed_validators"],
                           snap.owner_uid)


def _epoch_state_kwargs(snap: SubnetSnapshot, hp: dict[str, Any]) -> dict[str, Any]:
    """The per-UID state arguments of :meth:`SubnetSnapshot.epoch_kwargs`, when known.

    ``active`` (``last_update + activity_cutoff >= block``, else the stored flags),
    ``validator_permit`` (stored, else derived from stake), ``last_update``,
    ``block_at_registration``, ``listed``, ``owner_uid``, ``previous_consensus`` and
    ``last_tempo``.

    Parameters
    ----------
    snap : SubnetSnapshot
    hp : dict
        ``snap.hyperparameters.resolved()``.

    Returns
    -------
    dict
    """
    kw: dict[str, Any] = {}
    if snap.last_update is not None and snap.block is not None:
        cutoff = hp["activity_cutoff"]
        kw["active"] = np.array(
            [int(lu) + cutoff >= snap.block for lu in snap.last_update.tolist()],
            dtype=bool,
        )
    elif snap.active is not None:
        kw["active"] = np.array(snap.active)
    for name in ("validator_permit", "last_update", "block_at_registration"):
        v = getattr(snap, name)
        if v is not None:
            kw[name] = np.array(v)
    if snap.validator_permit is None:
        kw["validator_permit"] = _permits_from_stake(snap)
    if snap.weights_listed is not None:
        kw["listed"] = np.array(snap.weights_listed)
    if snap.owner_uid is not None:
        kw["owner_uid"] = snap.owner_uid
    if "consensus" in snap.outputs:
        kw["previous_consensus"] = snap.outputs["consensus"] / U16_MAX
    if snap.last_step is not None and snap.block_at_registration is not None:
        kw["last_tempo"] = snap.last_step + 1
    return kw


# --------------------------------------------------------------------------------------
# Snapshot
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SubnetSnapshot:
    r"""One subnet at one block, as read from an SDK metagraph or a dump; units explicit.

    Construct it with :meth:`from_arrays` (units named by arguments) or with the readers
    of :mod:`yuma.io.metagraph`. Every array is a read-only copy; the value never changes.

    Parameters
    ----------
    stake_rao : array_like of int, shape (n,)
        Stake per UID in rao, as the epoch reads it (the SDKs' ``total_stake``).
    weights : array_like, shape (n, n), optional
        Row proportions: row i is what UID i set, each non-empty row sums to 1.
    weights_u16 : array_like of int, shape (n, n), optional
        The chain's stored u16 rows when the source gave them (then
        ``weights_u16_exact``); else derived from ``weights`` by
        :func:`proportions_to_u16_rows`.
    weights_u16_exact : bool
        Whether ``weights_u16`` is what the chain stores (not reconstructed).
    weights_listed : array_like of bool, shape (n, n), optional
        Entries the stored rows hold, explicit zeros included (11.x weight rows keep
        them); None means unknown (the positive entries).
    bonds_u16 : array_like of int, shape (n, n), optional
        ``Bonds`` as stored (u16; 65535 = 1.0).
    hotkeys : sequence of str, shape (n,), optional
    netuid, mechid, block : int, optional
    validator_permit, active : array_like of bool, shape (n,), optional
        ``ValidatorPermit`` and ``Active`` as the last epoch stored them.
    last_update, block_at_registration : array_like of int, shape (n,), optional
        Blocks (u64).
    alpha_stake_rao, tao_stake_rao : array_like of int, shape (n,), optional
        Parts of the stake, for reference (10.x scales its ``TS`` by 0.18 and reports
        TAO: see :func:`yuma.io.read_metagraph10`).
    hyperparameters : ChainHyperparameters
    outputs : mapping of str to array, optional
        Chain outputs stored by the last epoch: any of :data:`OUTPUT_NAMES`; scores as
        u16, ``emission`` in rao.
    last_step : int, optional
        Block of the last epoch (``LastMechansimStepBlock``).
    owner_hotkey : str, optional
        The subnet owner's hotkey (its UID keeps its self-weight and a permit).
    source : str
        Where the snapshot came from; every error message starts with it.

    Raises
    ------
    ValueError
        On mismatched lengths, a hotkey list of the wrong length, values outside their
        chain type, NaN, negative weights; the message names the source and the field.
    """

    stake_rao: NDArray[np.uint64]
    weights: NDArray[np.float64] | None = None
    weights_u16: NDArray[np.uint16] | None = None
    weights_u16_exact: bool = False
    weights_listed: NDArray[np.bool_] | None = None
    bonds_u16: NDArray[np.uint16] | None = None
    hotkeys: tuple[str, ...] | None = None
    netuid: int | None = None
    mechid: int = 0
    block: int | None = None
    validator_permit: NDArray[np.bool_] | None = None
    active: NDArray[np.bool_] | None = None
    last_update: NDArray[np.uint64] | None = None
    block_at_registration: NDArray[np.uint64] | None = None
    alpha_stake_rao: NDArray[np.uint64] | None = None
    tao_stake_rao: NDArray[np.uint64] | None = None
    hyperparameters: ChainHyperparameters = field(default_factory=ChainHyperparameters)
    outputs: Mapping[str, np.ndarray] = field(default_factory=dict)
    last_step: int | None = None
    owner_hotkey: str | None = None
    source: str = "<snapshot>"

    def __post_init__(self) -> None:
        src = str(self.source)
        object.__setattr__(self, "source", src)
        n = _check_uid_vectors(self, src)
        _check_scalar_fields(self, src)
        _check_matrices(self, src, n)
        _check_outputs(self, src, n)

    # ----------------------------------------------------------------------------------
    # Construction with units named
    # ----------------------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        *,
        stake: ArrayLike,
        stake_unit: str = "rao",
        weights: ArrayLike | None = None,
        weights_unit: str = "proportion",
        bonds: ArrayLike | None = None,
        bonds_unit: str = "u16",
        source: str = "<arrays>",
        **fields: Any,
    ) -> SubnetSnapshot:
        """Build a snapshot from arrays whose units are named.

        Parameters
        ----------
        stake : array_like, shape (n,)
            Stake per UID.
        stake_unit : {"rao", "tao"}
            ``"tao"`` converts with :func:`tao_to_rao` (exact).
        weights : array_like, shape (n, n), optional
            Weight rows.
        weights_unit : {"proportion", "u16"}
            ``"proportion"``: any non-negative scale per row (normalised); ``"u16"``: the
            chain's stored integers.
        bonds : array_like, shape (n, n), optional
            Bond rows.
        bonds_unit : {"u16", "proportion"}
            ``"proportion"``: u16 / 65535 (rounded to the nearest u16).
        source : str
            Named in errors.
        **fields
            Any other :class:`SubnetSnapshot` field.

        Returns
        -------
        SubnetSnapshot
        """
        if stake_unit == "tao":
            stake_rao: ArrayLike = tao_to_rao(stake, name="stake", source=source)
        elif stake_unit == "rao":
            stake_rao = stake
        else:
            raise ValueError(f"stake_unit must be 'rao' or 'tao', got {stake_unit!r}")
        if weights_unit == "proportion":
            fields["weights"] = weights
        elif weights_unit == "u16":
            fields["weights_u16"] = weights
        else:
            raise ValueError(f"weights_unit must be 'proportion' or 'u16', got {weights_unit!r}")
        if bonds is not None:
            if bonds_unit == "proportion":
                n = np.shape(stake)[0] if np.ndim(stake) == 1 else 0
                b = _weight_matrix(bonds, "bonds", source, n)
                if b.size and b.max() > 1:
                    raise _fail(source, "bonds", "proportions must be in [0, 1]")
                bonds = np.rint(b * U16_MAX)
            elif bonds_unit != "u16":
                raise ValueError(f"bonds_unit must be 'u16' or 'proportion', got {bonds_unit!r}")
            fields["bonds_u16"] = bonds
        # __post_init__ checks and converts stake_rao to the uint64 array the field holds
        return cls(stake_rao=cast(NDArray[np.uint64], stake_rao), source=source, **fields)

    # ----------------------------------------------------------------------------------
    # Views
    # ----------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of UIDs."""
        return int(self.stake_rao.shape[0])

    @property
    def permits_derived(self) -> bool:
        """Whether the permits are derived from stake (the source carried none).

        See :func:`derived_permits`.
        """
        return self.validator_permit is None

    @property
    def stake_tao(self) -> NDArray[np.float64]:
        """Stake per UID in TAO (:func:`rao_to_tao` of ``stake_rao``)."""
        return rao_to_tao(self.stake_rao)

    @property
    def bonds(self) -> NDArray[np.float64] | None:
        """Bonds as proportions, ``bonds_u16 / 65535`` (None when not known)."""
        return None if self.bonds_u16 is None else self.bonds_u16 / U16_MAX

    @property
    def owner_uid(self) -> int | None:
        """UID of ``owner_hotkey`` (the lowest, if registered more than once), or None."""
        if self.owner_hotkey is None or self.hotkeys is None:
            return None
        try:
            return self.hotkeys.index(self.owner_hotkey)
        except ValueError:
            return None

    @property
    def epoch_consensus(self) -> str:
        """``"yuma"`` or ``"null"`` (``SubnetEpochConsensus``; ``"yuma"`` when unknown)."""
        return self.hyperparameters.epoch_consensus or "yuma"

    def _need_weights(self, what: str) -> None:
        if self.weights is None:
            raise ValueError(f"{self.source}: weights: the snapshot has none (a lite "
                             f"metagraph?), so it cannot give {what}")

    # ----------------------------------------------------------------------------------
    # Conversions
    # ----------------------------------------------------------------------------------

    def epoch_kwargs(self, *, variant: str | None = None) -> dict[str, Any]:
        r"""Keyword arguments of :func:`yuma.epoch` for the next epoch of this subnet.

        * ``weights``: the row proportions; ``stake``: ``stake_rao`` as float64 (rao;
          exact below 2**53 rao, about 9e6 TAO);
        * ``bonds``: ``bonds_u16 / 65535`` (how both variants take stored bonds);
        * ``params``: :meth:`ChainHyperparameters.to_yuma_params`;
        * ``active``: recomputed as the chain does,
          ``last_update + activity_cutoff >= block``, when ``last_update`` and ``block``
          are known; else the stored ``active``;
        * ``validator_permit``: the stored permits when known; else derived as the chain
          hands them out from this stake (:func:`derived_permits`: top
          ``max_allowed_validators`` non-zero stakes plus the owner), never "all
          permitted" (:attr:`permits_derived` says which);
        * ``last_update``, ``block_at_registration``, ``listed`` (``weights_listed``),
          ``owner_uid`` and ``previous_consensus`` (``outputs["consensus"] / 65535``) when
          known; ``last_tempo = last_step + 1`` (the chain's
          ``LastMechansimStepBlock + 1``) when ``last_step`` is known.

        For the chain's exact fixed-point epoch use :meth:`to_chain_state`.

        Parameters
        ----------
        variant : str, optional
            Overrides the variant of the hyperparameters.

        Returns
        -------
        dict
            ``yuma.epoch(**snapshot.epoch_kwargs())`` runs it.

        Raises
        ------
        ValueError
            If the snapshot has no weights, or the subnet runs Null consensus (use
            :meth:`null_epoch_kwargs`).
        """
        self._need_weights("epoch arguments")
        if self.epoch_consensus == "null":
            raise ValueError(f"{self.source}: epoch_consensus: the subnet runs Null "
                             "consensus; use null_epoch_kwargs() with yuma.null.null_epoch")
        hp = self.hyperparameters.resolved()
        kw: dict[str, Any] = {
            "weights": np.array(self.weights),
            "stake": self.stake_rao.astype(np.float64),
            "params": self.hyperparameters.to_yuma_params(variant),
        }
        if self.bonds_u16 is not None:
            kw["bonds"] = self.bonds_u16 / U16_MAX
        kw.update(_epoch_state_kwargs(self, hp))
        return kw

    def null_epoch_kwargs(self, budget: int) -> dict[str, Any]:
        """Arguments of :func:`yuma.null.null_epoch` (the Null consensus epoch).

        Parameters
        ----------
        budget : int
            The epoch's emission in rao.

        Returns
        -------
        dict
            ``weights`` (the stored u16 rows), ``stake`` (rao, Python ints), ``budget``,
            and ``last_update`` / ``block_at_registration`` when known.
        """
        self._need_weights("Null epoch arguments")
        kw: dict[str, Any] = {
            "weights": np.array(self.weights_u16, dtype=np.int64),
            "stake": [int(s) for s in self.stake_rao.tolist()],
            "budget": budget,
        }
        for name in ("last_update", "block_at_registration"):
            v = getattr(self, name)
            if v is not None:
                kw[name] = [int(x) for x in v.tolist()]
        return kw

    def to_chain_state(self) -> ChainState:
        r"""The subnet as a :class:`yuma.chain.ChainState` (the chain's storage).

        ``stake`` is ``stake_rao`` with ``tao_stake`` 0 and ``tao_weight`` 0 (the stake
        read is already the epoch's total), ``weights`` the u16 rows (``weights_listed``
        marks the stored entries when known), ``bonds`` ``bonds_u16`` (0 when unknown),
        the hyperparameters as integers (new-subnet defaults where unknown),
        ``last_mechanism_step_block`` ``last_step`` (0 when unknown), ``consensus`` the
        stored consensus, ``owner_uid`` from ``owner_hotkey``. Unknown ``last_update``
        is ``block`` (everyone active), unknown ``block_at_registration`` 0, unknown
        permits derived from the stake as the chain hands them out
        (:func:`derived_permits`, as :meth:`epoch_kwargs` does), unknown ``block`` 0.

        Returns
        -------
        yuma.chain.ChainState

        Raises
        ------
        ValueError
            If the snapshot has no weights.
        """
        from ..chain import ChainState

        self._need_weights("a chain state")
        n = self.n
        block = 0 if self.block is None else self.block
        # None (unknown) takes the chain's initial value in ChainState.__post_init__.
        stored: dict[str, Any] = {"weights": self.weights_u16,
                                  "weights_present": self.weights_listed,
                                  "bonds": self.bonds_u16}
        return ChainState(
            n=n,
            block=block,
            stake=self.stake_rao,
            **stored,
            last_update=(np.full(n, block, np.uint64) if self.last_update is None
                         else self.last_update),
            block_at_registration=(np.zeros(n, np.uint64) if self.block_at_registration
                                   is None else self.block_at_registration),
            validator_permit=(_permits_from_stake(self) if self.validator_permit is None
                              else self.validator_permit),
            owner_uid=self.owner_uid,
            last_mechanism_step_block=0 if self.last_step is None else self.last_step,
            consensus=self.outputs.get("consensus"),
            **self.hyperparameters.chain_state_fields(),
        )

r"""The chain's storage as an immutable value, and the helpers that evolve it.

:class:`ChainState` models what ``opentensor/subtensor`` stores for one subnet mechanism:
the stake of each UID in rao, the ``u16`` weight and bond rows (dense ``n x n`` arrays plus
a mask of the entries the chain's ``Vec<(uid, u16)>`` rows hold, explicit zeros included),
``LastUpdate``, ``BlockAtRegistration``, the permits stored by the previous epoch and the
hyperparameters as the chain's integers. Helpers evolve it the way the chain's tests do
(:func:`new_subnet`, :func:`register`, :func:`set_weights`, :func:`advance`,
:func:`set_stake`, :func:`set_hyperparameters`, :func:`reset_bonds`); the epoch itself is
:func:`yuma.chain.chain_epoch` (``run_epoch.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .._validation import is_integer
from ..params import chain_names
from . import fixed

__all__ = [
    "ChainState",
    "new_subnet",
    "register",
    "set_weights",
    "set_stake",
    "set_hyperparameters",
    "set_validator_permit",
    "reset_bonds",
    "advance",
    "activity_cutoff_blocks",
    "bond_cutoff_block",
    "set_epoch_consensus",
    "U64_MAX",
    "MIN_ALPHA_VALUE",
]

U64_MAX = (1 << 64) - 1
"""``u64::MAX`` (also the "no commit" marker of ``commit_block``)."""

_U16_MAX = 65535
MIN_ALPHA_VALUE = _U16_MAX // 40
"""Smallest ``AlphaValues`` entry ``do_set_alpha_values`` accepts (1638)."""
_I16_MIN, _I16_MAX = -(1 << 15), (1 << 15) - 1
_INITIAL_ACTIVITY_CUTOFF_FACTOR_MILLI = 13_889
_PARALLEL_MIN = 1 << 16  # liquid-alpha entries above which the EMA kernel uses threads

_HYPERPARAMETERS = (
    "tempo",
    "activity_cutoff",
    "kappa",
    "bonds_penalty",
    "bonds_moving_average",
    "liquid_alpha_on",
    "alpha_low",
    "alpha_high",
    "alpha_sigmoid_steepness",
    "yuma3_on",
    "max_allowed_validators",
    "stake_threshold",
    "tao_weight",
    "commit_reveal_enabled",
    "bonds_reset_on",
    "owner_uid",
    "liquid_alpha_consensus_mode",
)


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------


def check_state(state: object, name: str = "state") -> None:
    """Refuse anything but a :class:`ChainState` (a clear error instead of an AttributeError).

    Parameters
    ----------
    state : ChainState
        The caller's value.
    name : str
        Argument name used in error messages.

    Raises
    ------
    TypeError
        If ``state`` is not a ChainState.
    """
    if not isinstance(state, ChainState):
        raise TypeError(f"{name} must be a yuma.chain.ChainState, got {type(state).__name__}")


def _listed(x: object, name: str) -> list[Any]:
    """The entries of a flat sequence (a 1-D array, list or tuple) as a list."""
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"{name} must be a flat list, got an array of shape {x.shape}")
        items: list[Any] = x.tolist()
        return items
    if not isinstance(x, (list, tuple, range)):
        raise ValueError(f"{name} must be a list of integers, got {type(x).__name__}")
    return list(x)


def _int_in(value: object, name: str, lo: int, hi: int, kind: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not is_integer(value):
        raise ValueError(f"{name} must be an integer ({kind}), got {value!r}")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be a {kind} in [{lo}, {hi}], got {v}")
    return v


def _u16(value: object, name: str) -> int:
    return _int_in(value, name, 0, _U16_MAX, "u16")


def _u64(value: object, name: str) -> int:
    return _int_in(value, name, 0, U64_MAX, "u64")


def _bool(value: object, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _shared(x: object, dtype: np.dtype[Any], shape: tuple[int, ...]) -> np.ndarray | None:
    """The array itself when it already is a frozen array of this dtype and shape."""
    if (
        isinstance(x, np.ndarray)
        and x.dtype == dtype
        and x.shape == shape
        and not x.flags.writeable
        and x.flags.c_contiguous
    ):
        return x
    return None


def _int_array(
    x: object, name: str, shape: tuple[int, ...], dtype: DTypeLike, lo: int, hi: int
) -> np.ndarray:
    """A frozen integer array of ``shape`` with values in ``[lo, hi]``."""
    same = _shared(x, np.dtype(dtype), shape)
    if same is not None:
        return same
    if not isinstance(x, np.ndarray):
        # Python ints stay exact (NumPy would turn a list with ints above int64 into floats)
        try:
            obj = np.array(x, dtype=object)
        except (ValueError, TypeError, RecursionError):
            raise ValueError(f"{name} must be a rectangular array of integers") from None
        if obj.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {obj.shape}")
        flat = obj.reshape(-1).tolist()
        if all(is_integer(v) and not isinstance(v, (bool, np.bool_))
               for v in flat):
            vals = [int(v) for v in flat]
            if any(not lo <= v <= hi for v in vals):
                raise ValueError(f"{name} values must be in [{lo}, {hi}]")
            out = np.array(vals, dtype=dtype).reshape(obj.shape)
            if out.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {out.shape}")
            return _frozen(np.ascontiguousarray(out))
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError, RecursionError):
        raise ValueError(f"{name} must be a rectangular array of integers") from None
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if arr.dtype == np.bool_:
        raise ValueError(f"{name} must hold integers, got booleans")
    if arr.dtype.kind in "iu":
        if arr.size and (int(arr.max()) > hi or int(arr.min()) < lo):
            raise ValueError(f"{name} values must be in [{lo}, {hi}]")
        out = np.array(arr, dtype=dtype, order="C")
    elif np.issubdtype(arr.dtype, np.floating):
        if arr.size and not np.all(np.isfinite(arr) & (arr == np.floor(arr))):
            raise ValueError(f"{name} must hold integer values")
        if arr.size and max(abs(float(arr.min())), abs(float(arr.max()))) >= 2.0**53:
            vals = [int(v) for v in arr.reshape(-1).tolist()]  # exact comparisons
            if any(not lo <= v <= hi for v in vals):
                raise ValueError(f"{name} values must be in [{lo}, {hi}]")
            out = np.array(vals, dtype=dtype).reshape(arr.shape)
        else:
            if arr.size and (arr.min() < lo or arr.max() > hi):
                raise ValueError(f"{name} values must be in [{lo}, {hi}]")
            out = np.array(arr, dtype=dtype, order="C")
    else:
        raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    if out.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {out.shape}")
    return _frozen(np.ascontiguousarray(out))


def _bool_array(x: object, name: str, shape: tuple[int, ...]) -> np.ndarray:
    same = _shared(x, np.dtype(np.bool_), shape)
    if same is not None:
        return same
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError, RecursionError):
        raise ValueError(f"{name} must be a rectangular boolean mask") from None
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if arr.dtype != np.bool_:
        if arr.dtype.kind not in "iuf":
            raise ValueError(f"{name} must be a boolean mask, got dtype {arr.dtype}")
        if arr.size and not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must be a boolean mask (only 0/1 or True/False)")
    out = np.array(arr != 0 if arr.dtype != np.bool_ else arr, dtype=np.bool_, order="C")
    if out.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {out.shape}")
    return _frozen(out)


def _check_alpha_values(alpha_low: int, alpha_high: int) -> None:
    """``do_set_alpha_values``' rules: ``1638 <= alpha_low <= alpha_high``.

    The chain refuses ``alpha_high < u16::MAX / 40`` (``AlphaHighTooLow``) and
    ``alpha_low`` below that or above ``alpha_high`` (``AlphaLowOutOfRange``), so
    ``AlphaValues`` never holds such a pair.
    """
    if alpha_high < MIN_ALPHA_VALUE:
        raise ValueError(f"alpha_high must be >= {MIN_ALPHA_VALUE} (u16::MAX / 40), got "
                         f"{alpha_high} (the chain refuses it: AlphaHighTooLow)")
    if not MIN_ALPHA_VALUE <= alpha_low <= alpha_high:
        raise ValueError(f"alpha_low must be in [{MIN_ALPHA_VALUE}, alpha_high={alpha_high}], "
                         f"got {alpha_low} (the chain refuses it: AlphaLowOutOfRange)")


_U64_FIELDS = ("block", "activity_cutoff", "last_mechanism_step_block", "tao_weight",
               "stake_threshold", "bonds_moving_average")
_U16_FIELDS = ("n", "tempo", "kappa", "bonds_penalty", "alpha_low", "alpha_high",
               "max_allowed_validators")
_BOOL_FIELDS = ("liquid_alpha_on", "yuma3_on", "commit_reveal_enabled", "bonds_reset_on")


def _checked_scalars(state: ChainState) -> dict[str, Any]:
    """The scalar fields of a :class:`ChainState` as the chain's integer types."""
    out = {name: _u16(getattr(state, name), name) for name in _U16_FIELDS}
    out.update({name: _u64(getattr(state, name), name) for name in _U64_FIELDS})
    out.update({name: _bool(getattr(state, name), name) for name in _BOOL_FIELDS})
    out["alpha_sigmoid_steepness"] = _int_in(state.alpha_sigmoid_steepness,
                                             "alpha_sigmoid_steepness", _I16_MIN, _I16_MAX, "i16")
    if state.last_yuma_step_block is not None:
        out["last_yuma_step_block"] = _u64(state.last_yuma_step_block, "last_yuma_step_block")
    if state.liquid_alpha_consensus_mode not in ("auto", "current", "previous"):
        raise ValueError("liquid_alpha_consensus_mode must be 'auto', 'current' or 'previous', "
                         f"got {state.liquid_alpha_consensus_mode!r}")
    if state.owner_uid is not None:
        out["owner_uid"] = _int_in(state.owner_uid, "owner_uid", 0, max(out["n"] - 1, -1),
                                   "UID below n")
    _check_alpha_values(out["alpha_low"], out["alpha_high"])
    return out


def _checked_arrays(state: ChainState, n: int) -> dict[str, np.ndarray]:
    """The per-UID vectors and ``n x n`` rows of a :class:`ChainState`, frozen, defaults filled."""
    vec, mat = (n,), (n, n)
    out: dict[str, np.ndarray] = {}

    def ints(
        name: str, shape: tuple[int, ...], dtype: DTypeLike, hi: int,
        default: Callable[[], np.ndarray] | None
    ) -> None:
        x = getattr(state, name)
        if x is None and default is not None:
            x = default()
        out[name] = _int_array(x, name, shape, dtype, 0, hi)

    for name in ("stake", "tao_stake", "last_update", "block_at_registration"):
        ints(name, vec, np.uint64, U64_MAX, lambda: np.zeros(vec, np.uint64))
    ints("commit_block", vec, np.uint64, U64_MAX, lambda: np.full(vec, U64_MAX, np.uint64))
    for name in ("weights", "bonds"):
        ints(name, mat, np.uint16, _U16_MAX, lambda: np.zeros(mat, np.uint16))
    for name, values in (("weights_present", out["weights"]), ("bonds_present", out["bonds"])):
        x = getattr(state, name)
        out[name] = _bool_array(values != 0 if x is None else x, name, mat)
    perm = state.validator_permit
    out["validator_permit"] = _bool_array(np.zeros(vec, bool) if perm is None else perm,
                                          "validator_permit", vec)
    for name in ("weights_order", "bonds_order"):
        if getattr(state, name) is not None:
            ints(name, mat, np.int64, (1 << 31) - 1, None)
    if state.consensus is not None:
        size = np.shape(state.consensus)
        if len(size) != 1:
            raise ValueError(f"consensus must be 1-dimensional, got shape {size}")
        ints("consensus", size, np.uint16, _U16_MAX, None)
    return out


def bond_cutoff_block(block: int, tempo: int, last_mechanism_step_block: int = 0,
                      last_yuma_step_block: int | None = None) -> int:
    r"""The chain's ``bond_cutoff_block``: bonds to UIDs registered at or after it are dropped.

    .. math:: \text{cutoff} = \begin{cases}
              \mathrm{LYSB} + 1 & \text{if LastYumaStepBlock is stored} \\
              \mathrm{LMSB} + 1 & \text{if } \mathrm{LMSB} > 0 \\
              \max(\text{block} - \text{tempo}, 0) & \text{otherwise}
              \end{cases}

    (additions saturate at ``u64::MAX``). ``LastYumaStepBlock`` (runtime 474 and later)
    is written by every Yuma epoch and, per the chain's test, recorded when a subnet
    switches to Null consensus, whose epochs advance ``LastMechansimStepBlock`` but
    leave bonds frozen: so the cutoff tracks the last *Yuma* epoch. The spec's rule
    (``lms + 1``, or ``block - tempo`` if never stepped) is the fallback while
    ``LastYumaStepBlock`` is absent; a subnet never in Null mode gets the spec's value.

    Pass the result as :func:`yuma.epoch`'s ``last_tempo``; :class:`ChainState`
    applies it itself (:attr:`ChainState.last_tempo`).

    Parameters
    ----------
    block : int
        Current block (u64).
    tempo : int
        ``Tempo`` (u16).
    last_mechanism_step_block : int
        ``LastMechansimStepBlock`` (0: never stepped).
    last_yuma_step_block : int, optional
        ``LastYumaStepBlock``; None when not stored.

    Returns
    -------
    int

    Examples
    --------
    The chain's ``null_bond_cutoff_tracks_last_yuma_epoch_not_null_epochs``:

    >>> bond_cutoff_block(20, 5, 10), bond_cutoff_block(100, 5, 100, 10)
    (11, 11)
    >>> bond_cutoff_block(102, 5, 100, 101)
    102
    """
    block, lms = _u64(block, "block"), _u64(last_mechanism_step_block, "last_mechanism_step_block")
    tempo = _u16(tempo, "tempo")
    if last_yuma_step_block is not None:
        return min(_u64(last_yuma_step_block, "last_yuma_step_block") + 1, U64_MAX)
    if lms == 0:
        return max(block - tempo, 0)
    return min(lms + 1, U64_MAX)


# --------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------

# The default of the array fields that __post_init__ always fills (the chain's initial
# values): None at run time, typed as the array the field holds once the state exists.
_INITIAL: np.ndarray = cast(np.ndarray, None)


@dataclass(frozen=True, eq=False)
class ChainState:
    r"""The storage one epoch of one subnet (mechanism 0) reads, as the chain holds it.

    Treat it as immutable: every array is read-only and the helpers (and
    :func:`dataclasses.replace`) return new states. Arrays omitted at construction get
    the chain's initial values.

    Parameters
    ----------
    n : int
        ``SubnetworkN``: the number of UIDs (u16).
    block : int
        Current block (u64).
    tempo : int
        ``Tempo`` (u16). Used for ``last_tempo = block - tempo`` while
        ``last_mechanism_step_block`` is 0.
    activity_cutoff : int
        Activity cutoff in blocks: a validator is inactive when
        ``last_update + activity_cutoff < block`` (chain:
        ``get_activity_cutoff_blocks = max(1, ActivityCutoffFactorMilli * tempo / 1000)``,
        see :func:`activity_cutoff_blocks`).
    stake : array_like of int, shape (n,)
        Alpha stake per UID in rao (``get_inherited_for_hotkey_on_subnet``, u64).
    tao_stake : array_like of int, shape (n,), optional
        Root TAO stake per UID in rao (``get_tao_inherited_for_hotkey_on_subnet``).
    tao_weight : int
        ``TaoWeight`` storage value (u64; the weight is ``TaoWeight / u64::MAX``). The
        epoch's raw stake is ``alpha + tao * tao_weight`` in ``I64F64``
        (:func:`yuma.chain.fixed.total_stake_64`).
    weights : array_like of int, shape (n, n)
        ``Weights`` rows as ``u16`` (row i: what UID i set; absent entries 0).
    weights_present : array_like of bool, shape (n, n), optional
        Which entries the stored rows hold (explicit zeros included). Default:
        ``weights != 0``.
    weights_order : array_like of int, shape (n, n), optional
        Position of each stored entry in its row's ``Vec`` (``set_weights`` stores the
        caller's order). None means every row is sorted by UID. Only the liquid-alpha
        lookup of Yuma 3 depends on it.
    bonds : array_like of int, shape (n, n)
        ``Bonds`` rows as ``u16``.
    bonds_present : array_like of bool, shape (n, n), optional
        Which entries the stored bond rows hold. Default: ``bonds != 0``.
    bonds_order : array_like of int, shape (n, n), optional
        As ``weights_order``, for the bond rows.
    last_update : array_like of int, shape (n,)
        ``LastUpdate`` (u64): block of each UID's last weight update.
    block_at_registration : array_like of int, shape (n,)
        ``BlockAtRegistration`` (u64).
    validator_permit : array_like of bool, shape (n,)
        ``ValidatorPermit`` as stored by the previous epoch.
    owner_uid : int, optional
        UID of ``SubnetOwnerHotkey``: always permitted, exempt from the stake threshold,
        keeps its self-weight.
    last_mechanism_step_block : int
        ``LastMechansimStepBlock`` (lms, u64): block of the last distributed epoch, 0 for
        never.
    last_yuma_step_block : int, optional
        ``LastYumaStepBlock`` (runtime 474 and later; None: not stored). The bond mask
        drops bonds to UIDs registered at or after :func:`bond_cutoff_block`: this + 1
        when stored, else ``lms + 1`` (or ``block - tempo`` if lms is 0).
    kappa : int
        ``Kappa`` (u16; ``kappa = I32F32(Kappa) / 65535``).
    bonds_penalty : int
        ``BondsPenalty`` (u16).
    bonds_moving_average : int
        ``BondsMovingAverage`` (u64, per million).
    liquid_alpha_on : bool
        ``LiquidAlphaOn`` (used by Yuma 3 only).
    alpha_low, alpha_high : int
        ``AlphaValues`` (u16 each; the chain holds ``1638 <= alpha_low <= alpha_high``).
    alpha_sigmoid_steepness : int
        ``AlphaSigmoidSteepness`` (i16).
    yuma3_on : bool
        ``Yuma3On`` (new subnets: true; the test mock's
        ``add_network_disable_commit_reveal``: false).
    max_allowed_validators : int
        ``MaxAllowedValidators`` (u16; ``init_new_network`` sets 64).
    stake_threshold : int
        ``StakeThreshold`` in rao (u64).
    commit_reveal_enabled : bool
        ``CommitRevealWeightsEnabled``: applies the commit-reveal column mask, and
        :func:`set_weights` then leaves ``last_update`` alone (as the chain does).
    commit_block : array_like of int, shape (n,), optional
        Per validator, the smallest ``commit_block`` among its non-expired commits
        (``WeightCommits`` and ``TimelockedWeightCommits``); ``U64_MAX`` for none
        (the default).
    bonds_reset_on : bool
        ``BondsResetOn`` (only :func:`reset_bonds` reads it).
    liquid_alpha_consensus_mode : {"auto", "current", "previous"}
        ``LiquidAlphaConsensusMode`` (runtime 446 and later; default ``Auto``): which
        consensus the Yuma 3 liquid-alpha sigmoid reads. ``"auto"`` is ``"previous"``
        exactly when ``BondsPenalty == 65535``.
    consensus : array_like of int, shape (m,), optional
        The ``Consensus`` (u16) the previous epoch stored: what ``"previous"`` reads,
        ``u16_proportion_to_fixed`` per entry. None (never stored) or empty means the
        current consensus is used; a vector of another length is aligned by UID (entries
        past its end take the current consensus; extra entries are ignored). Every epoch
        stores its own.

    Raises
    ------
    ValueError
        On a wrong shape, a value outside its chain type, an ``owner_uid`` outside
        ``[0, n)``, or ``AlphaValues`` the chain refuses; the message names the argument.
    """

    n: int
    block: int = 0
    tempo: int = 360
    activity_cutoff: int = 5000
    stake: np.ndarray = _INITIAL
    tao_stake: np.ndarray = _INITIAL
    tao_weight: int = 0
    weights: np.ndarray = _INITIAL
    weights_present: np.ndarray = _INITIAL
    weights_order: np.ndarray | None = None
    bonds: np.ndarray = _INITIAL
    bonds_present: np.ndarray = _INITIAL
    bonds_order: np.ndarray | None = None
    last_update: np.ndarray = _INITIAL
    block_at_registration: np.ndarray = _INITIAL
    validator_permit: np.ndarray = _INITIAL
    owner_uid: int | None = None
    last_mechanism_step_block: int = 0
    kappa: int = 32767
    bonds_penalty: int = _U16_MAX
    bonds_moving_average: int = 900_000
    liquid_alpha_on: bool = False
    alpha_low: int = 45875
    alpha_high: int = 58982
    alpha_sigmoid_steepness: int = 1000
    yuma3_on: bool = True
    max_allowed_validators: int = 64
    stake_threshold: int = 0
    commit_reveal_enabled: bool = False
    commit_block: np.ndarray = _INITIAL
    bonds_reset_on: bool = False
    liquid_alpha_consensus_mode: str = "auto"
    consensus: np.ndarray | None = None
    last_yuma_step_block: int | None = None

    def __post_init__(self) -> None:
        scalars = _checked_scalars(self)
        for name, value in {**scalars, **_checked_arrays(self, scalars["n"])}.items():
            object.__setattr__(self, name, value)

    @property
    def total_stake(self) -> list[int]:
        """Raw stake per UID as ``I64F64`` bits: ``alpha + tao * tao_weight`` (Python ints).

        Returns
        -------
        list of int
        """
        tw = fixed.tao_weight_64(self.tao_weight)
        return [
            fixed.total_stake_64(int(a), int(t), tw)
            for a, t in zip(self.stake.tolist(), self.tao_stake.tolist(), strict=True)
        ]

    @property
    def last_tempo(self) -> int:
        """Bond-mask block: :func:`bond_cutoff_block` of this state."""
        return bond_cutoff_block(self.block, self.tempo, self.last_mechanism_step_block,
                                 self.last_yuma_step_block)


def activity_cutoff_blocks(
    tempo: int, factor_milli: int = _INITIAL_ACTIVITY_CUTOFF_FACTOR_MILLI
) -> int:
    """The chain's ``get_activity_cutoff_blocks``: ``max(1, factor_milli * tempo // 1000)``.

    Parameters
    ----------
    tempo : int
        ``Tempo`` (u16).
    factor_milli : int
        ``ActivityCutoffFactorMilli`` (default 13_889: 5000 blocks at tempo 360).

    Returns
    -------
    int
        Blocks.
    """
    t = _u16(tempo, "tempo")
    f = _int_in(factor_milli, "factor_milli", 0, (1 << 32) - 1, "u32")
    return max(1, f * t // 1000)


# --------------------------------------------------------------------------------------
# State helpers (the chain's extrinsics and test utilities)
# --------------------------------------------------------------------------------------


def new_subnet(n: int = 0, *, block: int = 0, tempo: int = 360,
               activity_cutoff: int | None = None, **fields: Any) -> ChainState:
    """A new subnet with ``n`` neurons registered at ``block`` (no stake, weights or bonds).

    Parameters
    ----------
    n : int
        Number of neurons (``append_neuron`` at ``block``: ``BlockAtRegistration`` and
        ``LastUpdate`` are ``block``).
    block : int
        Current block.
    tempo : int
        ``Tempo``.
    activity_cutoff : int, optional
        In blocks; default :func:`activity_cutoff_blocks` of ``tempo``.
    **fields
        Any other :class:`ChainState` field (hyperparameters, ``stake``, ...);
        hyperparameters may also go by their SDK names (:data:`yuma.params.SDK_NAMES`,
        e.g. ``max_validators``, ``bonds_moving_avg``, ``yuma_version``).

    Returns
    -------
    ChainState

    Raises
    ------
    ValueError
        For a value outside its chain type, or a hyperparameter given under its chain and
        its SDK name with different values.
    """
    fields = chain_names(fields)
    n = _u16(n, "n")
    block = _u64(block, "block")
    if activity_cutoff is None:
        activity_cutoff = activity_cutoff_blocks(tempo)
    fields.setdefault("last_update", np.full(n, block, np.uint64))
    fields.setdefault("block_at_registration", np.full(n, block, np.uint64))
    return ChainState(n=n, block=block, tempo=tempo, activity_cutoff=activity_cutoff, **fields)


def _grow(arr: np.ndarray, n: int, fill: object) -> np.ndarray:
    """Append one entry (vector) or one row and column (matrix)."""
    if arr.ndim == 1:
        return np.concatenate([arr, np.array([fill], dtype=arr.dtype)])
    out = np.full((n + 1, n + 1), fill, dtype=arr.dtype)
    out[:n, :n] = arr
    return out


def register(state: ChainState, uid: int | None = None, *, stake: int = 0,
             tao_stake: int = 0, at_block: int | None = None) -> ChainState:
    """Register a neuron at the current block: ``append_neuron`` or ``replace_neuron``.

    With ``uid`` None (or ``uid == n``) the neuron is appended (``n`` grows by one). With
    ``uid < n`` it replaces that UID as ``replace_neuron`` does (the chain picks the UID
    with ``get_neuron_to_prune``; name it here): ``clear_neuron`` removes the UID's weight
    row and bond row, sets every stored weight *to* it to 0 (the entries stay, as explicit
    zeros), drops its permit and zeroes its stored ``Consensus``; ``BlockAtRegistration``
    and ``LastUpdate`` become the current block. ``append_neuron`` pushes a 0 onto a
    stored ``Consensus``. Registration itself adds no stake; ``stake``/``tao_stake`` are
    the new hotkey's (as a following ``increase_stake`` would give).

    Parameters
    ----------
    state : ChainState
    uid : int, optional
        UID to replace; None appends.
    stake, tao_stake : int
        The new neuron's alpha and root stake in rao.
    at_block : int, optional
        Registration block (default: the current block; the chain tests' direct
        ``append_neuron(netuid, hotkey, 0)`` passes 0).

    Returns
    -------
    ChainState

    Raises
    ------
    ValueError
        If ``uid`` is out of range, is the subnet owner (the chain never replaces the
        owner hotkey), or the subnet is full (65535 UIDs).
    """
    check_state(state)
    b = state.block if at_block is None else _u64(at_block, "at_block")
    stake, tao_stake = _u64(stake, "stake"), _u64(tao_stake, "tao_stake")
    if uid is None or (is_integer(uid) and uid == state.n):
        return _append_neuron(state, b, stake, tao_stake)
    uid = _int_in(uid, "uid", 0, state.n - 1, "UID below n")
    if state.owner_uid is not None and uid == state.owner_uid:
        raise ValueError("uid: replace_neuron never replaces the subnet owner's hotkey")
    return _replace_neuron(state, uid, b, stake, tao_stake)


def _append_neuron(state: ChainState, b: int, stake: int, tao_stake: int) -> ChainState:
    """``append_neuron``: every per-UID vector grows by one entry, every matrix by one UID."""
    n = state.n
    if n == _U16_MAX:
        raise ValueError("n: the subnet already has 65535 UIDs")
    kw: dict[str, Any] = {
        "n": n + 1,
        "stake": _grow(state.stake, n, stake),
        "tao_stake": _grow(state.tao_stake, n, tao_stake),
        "weights": _grow(state.weights, n, 0),
        "weights_present": _grow(state.weights_present, n, False),
        "bonds": _grow(state.bonds, n, 0),
        "bonds_present": _grow(state.bonds_present, n, False),
        "last_update": _grow(state.last_update, n, b),
        "block_at_registration": _grow(state.block_at_registration, n, b),
        "validator_permit": _grow(state.validator_permit, n, False),
        "commit_block": _grow(state.commit_block, n, U64_MAX),
    }
    if state.consensus is not None:  # Consensus::mutate(|v| v.push(0))
        kw["consensus"] = _grow(state.consensus, state.consensus.shape[0], 0)
    for name in ("weights_order", "bonds_order"):
        order = getattr(state, name)
        if order is not None:
            grown = _grow(order, n, 0)
            grown[n, :] = np.arange(n + 1)
            grown[:, n] = n
            kw[name] = grown
    return dataclasses.replace(state, **kw)


def _replace_neuron(state: ChainState, uid: int, b: int, stake: int,
                    tao_stake: int) -> ChainState:
    """``replace_neuron``: ``clear_neuron``, then the new hotkey's registration block."""
    kw = _clear_neuron(state, uid)
    for name, value in (("stake", stake), ("tao_stake", tao_stake), ("last_update", b),
                        ("block_at_registration", b), ("commit_block", U64_MAX)):
        arr = np.array(getattr(state, name))
        arr[uid] = value
        kw[name] = arr
    return dataclasses.replace(state, **kw)


def _clear_neuron(state: ChainState, uid: int) -> dict[str, Any]:
    """``clear_neuron``'s writes to what the state holds, as new field values.

    Its weight and bond rows are removed, stored weights to it become explicit zeros, its
    ``ValidatorPermit`` and ``Consensus`` entries become false and 0 (``set_element_at``
    leaves a ``Consensus`` shorter than ``uid`` unchanged).
    """
    weights, wp = np.array(state.weights), np.array(state.weights_present)
    weights[uid, :] = 0
    wp[uid, :] = False
    weights[:, uid] = 0  # the entries stay, as explicit zeros
    bonds, bp = np.array(state.bonds), np.array(state.bonds_present)
    bonds[uid, :] = 0
    bp[uid, :] = False
    permit = np.array(state.validator_permit)
    permit[uid] = False
    kw = {"weights": weights, "weights_present": wp, "bonds": bonds, "bonds_present": bp,
          "validator_permit": permit}
    if state.consensus is not None and uid < state.consensus.shape[0]:
        consensus = np.array(state.consensus)
        consensus[uid] = 0
        kw["consensus"] = consensus
    return kw


def set_weights(
    state: ChainState, uid: int, uids: ArrayLike, values: ArrayLike, *, check_permit: bool = True,
    upscale: bool = True,
) -> ChainState:
    """``set_weights`` from ``uid``: store ``values`` max-upscaled to u16, in the given order.

    The row becomes ``zip(uids, vec_u16_max_upscale_to_u16(values))`` (zeros stored
    explicitly; with ``upscale`` False the raw values, as a Null-consensus subnet stores
    them); ``LastUpdate[uid]`` becomes the current block. With commit-reveal
    enabled the chain's ``set_weights`` extrinsic is refused; this then models a reveal
    (``internal_set_weights`` stores the row and leaves ``LastUpdate``, which the commit
    set).

    Parameters
    ----------
    state : ChainState
    uid : int
        The setter.
    uids : sequence of int
        Target UIDs (no duplicates, each below ``n``).
    values : sequence of int
        ``u16`` weights.
    check_permit : bool
        Refuse non-self weights from a UID without a stored permit (unless it is the
        owner), as the chain's ``check_validator_permit`` does.
    upscale : bool
        Max-upscale the row (Yuma subnets); False stores the values as given (Null).

    Returns
    -------
    ChainState

    Raises
    ------
    ValueError
        On the chain's refusals: unequal lengths, duplicate or invalid UIDs, values that
        are not u16, or no validator permit.
    """
    check_state(state)
    n = state.n
    uid = _int_in(uid, "uid", 0, n - 1, "UID below n")
    targets = [_int_in(j, "uids", 0, n - 1, "UID below n") for j in _listed(uids, "uids")]
    vals = [_u16(v, "values") for v in _listed(values, "values")]
    if len(targets) != len(vals):
        raise ValueError(f"uids and values must have equal lengths, got {len(targets)} "
                         f"and {len(vals)} (WeightVecNotEqualSize)")
    if len(set(targets)) != len(targets):
        raise ValueError("uids must not contain duplicates (DuplicateUids)")
    self_weight = len(vals) == 1 and targets[0] == uid
    if check_permit and not (self_weight or uid == state.owner_uid
                             or bool(state.validator_permit[uid])):
        raise ValueError(f"uid {uid} has no validator permit (NeuronNoValidatorPermit)")
    up = (fixed.vec_u16_max_upscale_to_u16(np.array(vals, dtype=np.int64))
          if vals and _bool(upscale, "upscale") else vals)
    weights = np.array(state.weights)
    wp = np.array(state.weights_present)
    weights[uid, :] = 0
    wp[uid, :] = False
    for j, v in zip(targets, up, strict=True):
        weights[uid, j] = v
        wp[uid, j] = True
    kw: dict[str, Any] = {"weights": weights, "weights_present": wp}
    if targets != sorted(targets) or state.weights_order is not None:
        order = (np.broadcast_to(np.arange(n, dtype=np.int64), (n, n)).copy()
                 if state.weights_order is None else np.array(state.weights_order))
        for p, j in enumerate(targets):
            order[uid, j] = p
        kw["weights_order"] = order
    if not state.commit_reveal_enabled:
        lu = np.array(state.last_update)
        lu[uid] = state.block
        kw["last_update"] = lu
    return dataclasses.replace(state, **kw)


def set_stake(
    state: ChainState, stake: ArrayLike | int, tao_stake: ArrayLike | int | None = None, *,
    uid: int | None = None
) -> ChainState:
    """Set the alpha (and optionally root TAO) stake in rao: one UID or the whole vector.

    Parameters
    ----------
    state : ChainState
    stake : int or array_like of int
        Alpha stake (a vector of length ``n`` when ``uid`` is None).
    tao_stake : int or array_like of int, optional
        Root TAO stake; unchanged when None.
    uid : int, optional
        Set only this UID.

    Returns
    -------
    ChainState
    """
    check_state(state)
    if uid is None:
        kw: dict[str, Any] = {"stake": stake}
        if tao_stake is not None:
            kw["tao_stake"] = tao_stake
        return dataclasses.replace(state, **kw)
    uid = _int_in(uid, "uid", 0, state.n - 1, "UID below n")
    s = np.array(state.stake)
    s[uid] = _u64(stake, "stake")
    kw = {"stake": s}
    if tao_stake is not None:
        t = np.array(state.tao_stake)
        t[uid] = _u64(tao_stake, "tao_stake")
        kw["tao_stake"] = t
    return dataclasses.replace(state, **kw)


def set_hyperparameters(state: ChainState, **values: Any) -> ChainState:
    """Set hyperparameters, as the chain's integers.

    Any of ``tempo``, ``activity_cutoff``, ``kappa``, ``bonds_penalty``,
    ``bonds_moving_average``, ``liquid_alpha_on``, ``alpha_low``, ``alpha_high``,
    ``alpha_sigmoid_steepness``, ``yuma3_on``, ``max_allowed_validators``,
    ``stake_threshold``, ``tao_weight``, ``commit_reveal_enabled``, ``bonds_reset_on``,
    ``owner_uid``; or the SDK's names of them (:data:`yuma.params.SDK_NAMES`:
    ``bonds_moving_avg``, ``liquid_alpha_enabled``, ``yuma3_enabled`` or ``yuma_version``,
    ``max_validators``, ``commit_reveal_weights_enabled``, ``bonds_reset_enabled``).

    ``tempo`` does not change ``activity_cutoff`` (give both, see
    :func:`activity_cutoff_blocks`).

    Parameters
    ----------
    state : ChainState
    **values
        New values.

    Returns
    -------
    ChainState

    Raises
    ------
    ValueError
        For an unknown name, a value outside its chain type, or a hyperparameter given
        under its chain and its SDK name with different values.
    """
    values = chain_names(values)
    check_state(state)
    unknown = sorted(set(values) - set(_HYPERPARAMETERS))
    if unknown:
        raise ValueError(f"unknown hyperparameter(s): {', '.join(unknown)}; known: "
                         f"{', '.join(_HYPERPARAMETERS)} (or their SDK names)")
    return dataclasses.replace(state, **values)


def set_validator_permit(state: ChainState, uid: int, permit: bool = True) -> ChainState:
    """Write one entry of the stored ``ValidatorPermit`` (``set_validator_permit_for_uid``).

    Parameters
    ----------
    state : ChainState
    uid : int
    permit : bool

    Returns
    -------
    ChainState
    """
    check_state(state)
    uid = _int_in(uid, "uid", 0, state.n - 1, "UID below n")
    p = np.array(state.validator_permit)
    p[uid] = _bool(permit, "permit")
    return dataclasses.replace(state, validator_permit=p)


def reset_bonds(state: ChainState, uid: int) -> ChainState:
    """``do_reset_bonds``: with ``bonds_reset_on``, remove column ``uid`` from every bond row.

    Parameters
    ----------
    state : ChainState
    uid : int

    Returns
    -------
    ChainState
        Unchanged when ``bonds_reset_on`` is false.
    """
    check_state(state)
    uid = _int_in(uid, "uid", 0, state.n - 1, "UID below n")
    if not state.bonds_reset_on:
        return state
    bonds = np.array(state.bonds)
    bp = np.array(state.bonds_present)
    bonds[:, uid] = 0
    bp[:, uid] = False
    return dataclasses.replace(state, bonds=bonds, bonds_present=bp)


def advance(state: ChainState, blocks: int = 1) -> ChainState:
    """Move to a later block without an epoch (the chain tests' ``next_block_no_epoch``).

    Parameters
    ----------
    state : ChainState
    blocks : int
        Number of blocks (>= 0).

    Returns
    -------
    ChainState
    """
    check_state(state)
    blocks = _u64(blocks, "blocks")
    return dataclasses.replace(state, block=_u64(state.block + blocks, "block"))


def set_epoch_consensus(state: ChainState, mode: str) -> ChainState:
    """``do_set_epoch_consensus``' storage write the epoch reads: ``LastYumaStepBlock``.

    Switching to ``"null"`` records the last Yuma step: ``LastYumaStepBlock`` becomes
    ``LastMechansimStepBlock`` when it is not stored yet and the subnet has stepped
    (inferred from the chain's test ``null_bond_cutoff_tracks_last_yuma_epoch_not_null_epochs``;
    the switch's own code was not seen). Switching to ``"yuma"`` writes nothing the
    epoch reads. The state does not hold the mode: run :func:`yuma.chain.chain_epoch`
    (Yuma) or :func:`yuma.null.chain_null_epoch` (Null) accordingly.

    Parameters
    ----------
    state : ChainState
    mode : {"yuma", "null"}

    Returns
    -------
    ChainState
    """
    check_state(state)
    if not isinstance(mode, str) or mode not in ("yuma", "null"):
        raise ValueError(f"mode must be 'yuma' or 'null', got {mode!r:.60}")
    if mode == "null" and state.last_yuma_step_block is None \
            and state.last_mechanism_step_block > 0:
        return dataclasses.replace(state, last_yuma_step_block=state.last_mechanism_step_block)
    return state

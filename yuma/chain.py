r"""The chain's epoch, bit for bit: ``epoch_mechanism`` in fixed point over a chain state.

:func:`chain_epoch` reproduces ``Pallet::epoch_mechanism`` of ``opentensor/subtensor``
(``pallets/subtensor/src/epoch/run_epoch.rs``, the sparse epoch that runs on chain) in the
chain's own arithmetic (``I32F32``, ``I64F64`` for stake, ``I96F32`` for token amounts; see
:mod:`yuma.fixed`): every stored ``u16``/``u64`` output and every stored bond comes out
exactly as the chain stores it.

The chain's storage is modelled by :class:`ChainState`, an immutable value: the stake of
each UID in rao, the ``u16`` weight and bond rows (dense ``n x n`` arrays plus a mask of
the entries the chain's ``Vec<(uid, u16)>`` rows hold, explicit zeros included),
``LastUpdate``, ``BlockAtRegistration``, the permits stored by the previous epoch and the
hyperparameters as the chain's integers. Helpers evolve it the way the chain's tests do
(:func:`new_subnet`, :func:`register`, :func:`set_weights`, :func:`advance`,
:func:`set_stake`, :func:`set_hyperparameters`, :func:`reset_bonds`).

:func:`chain_epoch_from_float` runs the same epoch on the inputs of :func:`yuma.epoch`
(float weights, stake and bonds, :class:`yuma.YumaParams`) and returns a
:class:`yuma.EpochResult` of float views of the fixed-point results.

Example: the chain's ``test_1_graph`` (one neuron, a self-weight only):

>>> from yuma import chain
>>> s = chain.new_subnet(0, block=1, yuma3_on=False)
>>> s = chain.register(s, stake=1_000_000_000)
>>> s = chain.set_weights(s, 0, [0], [65535])
>>> out, s = chain.chain_epoch(s, 1_000_000_000, record_step=False)
>>> out.consensus.tolist(), out.incentive.tolist(), out.dividends.tolist()
([0], [0], [0])
>>> out.validator_emission.tolist()
[1000000000]
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _fixed_kernels as fk
from . import fixed
from ._validation import (
    as_block_vector,
    as_mask,
    as_mask_matrix,
    as_matrix_readonly,
    as_uid,
    as_vector,
)
from .params import YumaParams
from .result import EpochResult
from .variants import YUMA2, YUMA3, Variant

__all__ = [
    "ChainState",
    "ChainEpochOutput",
    "ChainIntermediates",
    "chain_epoch",
    "chain_epoch_from_float",
    "new_subnet",
    "register",
    "set_weights",
    "set_stake",
    "set_hyperparameters",
    "set_validator_permit",
    "reset_bonds",
    "advance",
    "activity_cutoff_blocks",
    "U64_MAX",
]

U64_MAX = (1 << 64) - 1
"""``u64::MAX`` (also the "no commit" marker of ``commit_block``)."""

_U16_MAX = 65535
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
)


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------


def _int_in(value, name: str, lo: int, hi: int, kind: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer ({kind}), got {value!r}")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be a {kind} in [{lo}, {hi}], got {v}")
    return v


def _u16(value, name: str) -> int:
    return _int_in(value, name, 0, _U16_MAX, "u16")


def _u64(value, name: str) -> int:
    return _int_in(value, name, 0, U64_MAX, "u64")


def _bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _shared(x, dtype, shape) -> np.ndarray | None:
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


def _int_array(x, name: str, shape: tuple[int, ...], dtype, lo: int, hi: int) -> np.ndarray:
    """A frozen integer array of ``shape`` with values in ``[lo, hi]``."""
    same = _shared(x, np.dtype(dtype), shape)
    if same is not None:
        return same
    if not isinstance(x, np.ndarray):
        # Python ints stay exact (NumPy would turn a list with ints above int64 into floats)
        try:
            obj = np.array(x, dtype=object)
        except ValueError:
            raise ValueError(f"{name} must be a rectangular array of integers") from None
        flat = obj.reshape(-1).tolist()
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
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
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of integers") from None
    if arr.dtype == np.bool_:
        raise ValueError(f"{name} must hold integers, got booleans")
    if np.issubdtype(arr.dtype, np.integer):
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


def _bool_array(x, name: str, shape: tuple[int, ...]) -> np.ndarray:
    same = _shared(x, np.dtype(np.bool_), shape)
    if same is not None:
        return same
    arr = np.asarray(x)
    if arr.dtype != np.bool_:
        if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
            raise ValueError(f"{name} must be a boolean mask, got dtype {arr.dtype}")
        if arr.size and not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must be a boolean mask (only 0/1 or True/False)")
    out = np.array(arr != 0 if arr.dtype != np.bool_ else arr, dtype=np.bool_, order="C")
    if out.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {out.shape}")
    return _frozen(out)


# --------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------


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
        (:func:`yuma.fixed.total_stake_64`).
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
        never. The bond mask uses ``last_tempo = lms + 1`` (or ``block - tempo`` if 0).
    kappa : int
        ``Kappa`` (u16; ``kappa = I32F32(Kappa) / 65535``).
    bonds_penalty : int
        ``BondsPenalty`` (u16).
    bonds_moving_average : int
        ``BondsMovingAverage`` (u64, per million).
    liquid_alpha_on : bool
        ``LiquidAlphaOn`` (used by Yuma 3 only).
    alpha_low, alpha_high : int
        ``AlphaValues`` (u16 each).
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
        On a wrong shape, a value outside its chain type, or an ``owner_uid`` outside
        ``[0, n)``; the message names the argument.
    """

    n: int
    block: int = 0
    tempo: int = 360
    activity_cutoff: int = 5000
    stake: ArrayLike | None = None
    tao_stake: ArrayLike | None = None
    tao_weight: int = 0
    weights: ArrayLike | None = None
    weights_present: ArrayLike | None = None
    weights_order: ArrayLike | None = None
    bonds: ArrayLike | None = None
    bonds_present: ArrayLike | None = None
    bonds_order: ArrayLike | None = None
    last_update: ArrayLike | None = None
    block_at_registration: ArrayLike | None = None
    validator_permit: ArrayLike | None = None
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
    commit_block: ArrayLike | None = None
    bonds_reset_on: bool = False
    liquid_alpha_consensus_mode: str = "auto"
    consensus: ArrayLike | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n = _u16(self.n, "n")
        set_(self, "n", n)
        for name in ("block", "activity_cutoff", "last_mechanism_step_block"):
            set_(self, name, _u64(getattr(self, name), name))
        set_(self, "tempo", _u16(self.tempo, "tempo"))
        set_(self, "tao_weight", _u64(self.tao_weight, "tao_weight"))
        set_(self, "stake_threshold", _u64(self.stake_threshold, "stake_threshold"))
        set_(self, "bonds_moving_average", _u64(self.bonds_moving_average, "bonds_moving_average"))
        for name in ("kappa", "bonds_penalty", "alpha_low", "alpha_high", "max_allowed_validators"):
            set_(self, name, _u16(getattr(self, name), name))
        set_(
            self,
            "alpha_sigmoid_steepness",
            _int_in(self.alpha_sigmoid_steepness, "alpha_sigmoid_steepness", _I16_MIN, _I16_MAX,
                    "i16"),
        )
        for name in ("liquid_alpha_on", "yuma3_on", "commit_reveal_enabled", "bonds_reset_on"):
            set_(self, name, _bool(getattr(self, name), name))
        if self.liquid_alpha_consensus_mode not in ("auto", "current", "previous"):
            raise ValueError(
                "liquid_alpha_consensus_mode must be 'auto', 'current' or 'previous', "
                f"got {self.liquid_alpha_consensus_mode!r}"
            )
        if self.consensus is not None:
            size = np.shape(self.consensus)
            if len(size) != 1:
                raise ValueError(f"consensus must be 1-dimensional, got shape {size}")
            set_(self, "consensus",
                 _int_array(self.consensus, "consensus", size, np.uint16, 0, _U16_MAX))
        if self.owner_uid is not None:
            set_(self, "owner_uid", _int_in(self.owner_uid, "owner_uid", 0, max(n - 1, -1),
                                            "UID below n"))

        vec, mat = (n,), (n, n)

        def ints(name, shape, dtype, lo, hi, default):
            x = getattr(self, name)
            set_(self, name, _int_array(default() if x is None else x, name, shape, dtype, lo, hi))

        ints("stake", vec, np.uint64, 0, U64_MAX, lambda: np.zeros(vec, np.uint64))
        ints("tao_stake", vec, np.uint64, 0, U64_MAX, lambda: np.zeros(vec, np.uint64))
        ints("weights", mat, np.uint16, 0, _U16_MAX, lambda: np.zeros(mat, np.uint16))
        ints("bonds", mat, np.uint16, 0, _U16_MAX, lambda: np.zeros(mat, np.uint16))
        ints("last_update", vec, np.uint64, 0, U64_MAX, lambda: np.zeros(vec, np.uint64))
        ints("block_at_registration", vec, np.uint64, 0, U64_MAX,
             lambda: np.zeros(vec, np.uint64))
        ints("commit_block", vec, np.uint64, 0, U64_MAX, lambda: np.full(vec, U64_MAX, np.uint64))
        for name, values in (("weights_present", self.weights), ("bonds_present", self.bonds)):
            x = getattr(self, name)
            set_(self, name, _bool_array(values != 0 if x is None else x, name, mat))
        perm = self.validator_permit
        set_(self, "validator_permit",
             _bool_array(np.zeros(vec, bool) if perm is None else perm, "validator_permit", vec))
        for name in ("weights_order", "bonds_order"):
            x = getattr(self, name)
            if x is not None:
                set_(self, name, _int_array(x, name, mat, np.int64, 0, (1 << 31) - 1))

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
        """Bond-mask block: ``lms + 1``, or ``block - tempo`` (saturating) while lms is 0."""
        lms = self.last_mechanism_step_block
        if lms == 0:
            return max(self.block - self.tempo, 0)
        return min(lms + 1, U64_MAX)


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
               activity_cutoff: int | None = None, **fields) -> ChainState:
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
        Any other :class:`ChainState` field (hyperparameters, ``stake``, ...).

    Returns
    -------
    ChainState
    """
    n = _u16(n, "n")
    block = _u64(block, "block")
    if activity_cutoff is None:
        activity_cutoff = activity_cutoff_blocks(tempo)
    fields.setdefault("last_update", np.full(n, block, np.uint64))
    fields.setdefault("block_at_registration", np.full(n, block, np.uint64))
    return ChainState(n=n, block=block, tempo=tempo, activity_cutoff=activity_cutoff, **fields)


def _grow(arr: np.ndarray, n: int, fill) -> np.ndarray:
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
    zeros), drops its permit; ``BlockAtRegistration`` and ``LastUpdate`` become the
    current block. Registration itself adds no stake; ``stake``/``tao_stake`` are the new
    hotkey's (as a following ``increase_stake`` would give).

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
    n = state.n
    b = state.block if at_block is None else _u64(at_block, "at_block")
    stake, tao_stake = _u64(stake, "stake"), _u64(tao_stake, "tao_stake")
    if uid is None or uid == n:
        if n == _U16_MAX:
            raise ValueError("n: the subnet already has 65535 UIDs")
        kw = {
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
        for name in ("weights_order", "bonds_order"):
            order = getattr(state, name)
            if order is not None:
                grown = _grow(order, n, 0)
                grown[n, :] = np.arange(n + 1)
                grown[:, n] = n
                kw[name] = grown
        return dataclasses.replace(state, **kw)
    uid = _int_in(uid, "uid", 0, n - 1, "UID below n")
    if state.owner_uid is not None and uid == state.owner_uid:
        raise ValueError("uid: replace_neuron never replaces the subnet owner's hotkey")
    weights = np.array(state.weights)
    wp = np.array(state.weights_present)
    weights[uid, :] = 0
    wp[uid, :] = False
    weights[:, uid] = 0  # stored weights to the replaced UID become explicit zeros
    bonds = np.array(state.bonds)
    bp = np.array(state.bonds_present)
    bonds[uid, :] = 0
    bp[uid, :] = False
    vec = {
        "stake": (stake,), "tao_stake": (tao_stake,), "last_update": (b,),
        "block_at_registration": (b,), "validator_permit": (False,), "commit_block": (U64_MAX,),
    }
    kw = {}
    for name, (value,) in vec.items():
        arr = np.array(getattr(state, name))
        arr[uid] = value
        kw[name] = arr
    return dataclasses.replace(state, weights=weights, weights_present=wp, bonds=bonds,
                               bonds_present=bp, **kw)


def set_weights(
    state: ChainState, uid: int, uids, values, *, check_permit: bool = True
) -> ChainState:
    """``set_weights`` from ``uid``: store ``values`` max-upscaled to u16, in the given order.

    The row becomes ``zip(uids, vec_u16_max_upscale_to_u16(values))`` (zeros stored
    explicitly); ``LastUpdate[uid]`` becomes the current block. With commit-reveal
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

    Returns
    -------
    ChainState

    Raises
    ------
    ValueError
        On the chain's refusals: unequal lengths, duplicate or invalid UIDs, values that
        are not u16, or no validator permit.
    """
    n = state.n
    uid = _int_in(uid, "uid", 0, n - 1, "UID below n")
    targets = [_int_in(j, "uids", 0, n - 1, "UID below n") for j in list(uids)]
    vals = [_u16(v, "values") for v in list(values)]
    if len(targets) != len(vals):
        raise ValueError(f"uids and values must have equal lengths, got {len(targets)} "
                         f"and {len(vals)} (WeightVecNotEqualSize)")
    if len(set(targets)) != len(targets):
        raise ValueError("uids must not contain duplicates (DuplicateUids)")
    self_weight = len(vals) == 1 and targets[0] == uid
    if check_permit and not (self_weight or uid == state.owner_uid
                             or bool(state.validator_permit[uid])):
        raise ValueError(f"uid {uid} has no validator permit (NeuronNoValidatorPermit)")
    up = fixed.vec_u16_max_upscale_to_u16(np.array(vals, dtype=np.int64)) if vals else []
    weights = np.array(state.weights)
    wp = np.array(state.weights_present)
    weights[uid, :] = 0
    wp[uid, :] = False
    for j, v in zip(targets, up, strict=True):
        weights[uid, j] = v
        wp[uid, j] = True
    kw = {"weights": weights, "weights_present": wp}
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


def set_stake(state: ChainState, stake, tao_stake=None, *, uid: int | None = None) -> ChainState:
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
    if uid is None:
        kw = {"stake": stake}
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


def set_hyperparameters(state: ChainState, **values) -> ChainState:
    """Set hyperparameters, as the chain's integers.

    Any of ``tempo``, ``activity_cutoff``, ``kappa``, ``bonds_penalty``,
    ``bonds_moving_average``, ``liquid_alpha_on``, ``alpha_low``, ``alpha_high``,
    ``alpha_sigmoid_steepness``, ``yuma3_on``, ``max_allowed_validators``,
    ``stake_threshold``, ``tao_weight``, ``commit_reveal_enabled``, ``bonds_reset_on``,
    ``owner_uid``.

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
        For an unknown name or a value outside its chain type.
    """
    unknown = sorted(set(values) - set(_HYPERPARAMETERS))
    if unknown:
        raise ValueError(f"unknown hyperparameter(s): {', '.join(unknown)}")
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
    blocks = _u64(blocks, "blocks")
    return dataclasses.replace(state, block=_u64(state.block + blocks, "block"))


# --------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ChainIntermediates:
    """The epoch's ``I32F32`` intermediates as raw bits (``int64``; value = bits / 2**32).

    Matrices are dense ``n x n`` with 0 for absent entries; the ``*_kept`` masks say which
    entries the chain's sparse rows hold. Names follow ``epoch_mechanism``.

    Attributes
    ----------
    stake : numpy.ndarray, shape (n,)
        ``stake``: thresholded, ``inplace_normalize_64``, truncated to ``I32F32``.
    active_stake : numpy.ndarray, shape (n,)
    weights, weights_kept : numpy.ndarray, shape (n, n)
        After the masks and ``inplace_row_normalize_sparse``.
    consensus : numpy.ndarray, shape (n,)
    clipped_weights, clipped_weights_kept : numpy.ndarray, shape (n, n)
    validator_trust : numpy.ndarray, shape (n,)
    ranks : numpy.ndarray, shape (n,)
        ``matmul_sparse(clipped_weights, active_stake)`` before normalization.
    incentive : numpy.ndarray, shape (n,)
    weights_for_bonds, weights_for_bonds_kept : numpy.ndarray, shape (n, n)
    bonds, bonds_kept : numpy.ndarray, shape (n, n)
        The bonds the EMA reads: Yuma 3 ``u16 / 65535`` proportions, Yuma 2 the u16
        integers column-normalized; both after the ``last_tempo`` column mask.
    ema_bonds, ema_bonds_kept : numpy.ndarray, shape (n, n)
        Yuma 3: the new bonds (proportions); Yuma 2: column-normalized EMA bonds.
    dividends : numpy.ndarray, shape (n,)
    normalized_server_emission : numpy.ndarray, shape (n,)
        Incentive divided by the emission sum (or the fallback).
    normalized_validator_emission : numpy.ndarray, shape (n,)
        Dividends divided by the emission sum (or the fallback).
    normalized_combined_emission : numpy.ndarray, shape (n,)
        ``N(I + D)`` (or the fallback).
    kappa, bonds_penalty, ema_alpha : int
        Bits of ``kappa``, ``beta`` and the fixed EMA rate (``1 - BMA/1e6``).
    liquid_alpha_used : bool
        Whether the liquid-alpha EMA ran (Yuma 3, ``LiquidAlphaOn`` and some C != 0).
    """

    stake: NDArray[np.int64]
    active_stake: NDArray[np.int64]
    weights: NDArray[np.int64]
    weights_kept: NDArray[np.bool_]
    consensus: NDArray[np.int64]
    clipped_weights: NDArray[np.int64]
    clipped_weights_kept: NDArray[np.bool_]
    validator_trust: NDArray[np.int64]
    ranks: NDArray[np.int64]
    incentive: NDArray[np.int64]
    weights_for_bonds: NDArray[np.int64]
    weights_for_bonds_kept: NDArray[np.bool_]
    bonds: NDArray[np.int64]
    bonds_kept: NDArray[np.bool_]
    ema_bonds: NDArray[np.int64]
    ema_bonds_kept: NDArray[np.bool_]
    dividends: NDArray[np.int64]
    normalized_server_emission: NDArray[np.int64]
    normalized_validator_emission: NDArray[np.int64]
    normalized_combined_emission: NDArray[np.int64]
    kappa: int
    bonds_penalty: int
    ema_alpha: int
    liquid_alpha_used: bool

    def to_float(self) -> dict[str, np.ndarray]:
        """Every ``I32F32`` field as float64 (:func:`yuma.fixed.to_float`); masks as is.

        Returns
        -------
        dict of str to numpy.ndarray or float or bool
        """
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, (bool, np.bool_)) or (isinstance(v, np.ndarray)
                                                   and v.dtype == np.bool_):
                out[f.name] = v
            else:
                out[f.name] = fixed.to_float(v) if isinstance(v, np.ndarray) else v / 2.0**32
        return out


@dataclass(frozen=True, eq=False)
class ChainEpochOutput:
    """What the epoch stores, in the chain's integer types (``EpochTerms`` per UID).

    Attributes
    ----------
    stake : numpy.ndarray of uint64
        Raw stake, floored (``EpochTerms.stake``).
    stake_weight, consensus, incentive, dividends, validator_trust : numpy.ndarray of uint16
        ``StakeWeight``, ``Consensus``, ``Incentive``, ``Dividends``, ``ValidatorTrust``
        (``fixed_proportion_to_u16``).
    server_emission, validator_emission, emission : numpy.ndarray of uint64
        Token amounts (``floor(I96F32(x) * rao_emission)``); ``emission`` is the
        combined one stored as ``Emission``.
    active : numpy.ndarray of bool
        ``Active``.
    validator_permit : numpy.ndarray of bool
        New permits (stored as ``ValidatorPermit``).
    bonds, bonds_present : numpy.ndarray, shape (n, n)
        The bond rows the epoch writes (``EpochTerms.bond``; empty rows for UIDs without
        a new permit).
    intermediates : ChainIntermediates
        The ``I32F32`` intermediates (raw bits).
    """

    stake: NDArray[np.uint64]
    stake_weight: NDArray[np.uint16]
    consensus: NDArray[np.uint16]
    incentive: NDArray[np.uint16]
    dividends: NDArray[np.uint16]
    validator_trust: NDArray[np.uint16]
    server_emission: NDArray[np.uint64]
    validator_emission: NDArray[np.uint64]
    emission: NDArray[np.uint64]
    active: NDArray[np.bool_]
    validator_permit: NDArray[np.bool_]
    bonds: NDArray[np.uint16]
    bonds_present: NDArray[np.bool_]
    intermediates: ChainIntermediates = field(repr=False)


# --------------------------------------------------------------------------------------
# The epoch
# --------------------------------------------------------------------------------------


def _yuma3_fixed_alpha(bma: int) -> int:
    """``compute_disabled_liquid_alpha``: ``1 - I32F32::from_num(I64F64::from_num(B) / 1e6)``.

    ``from_num`` (not ``saturating_from_num``) wraps in the release runtime; the result
    equals :func:`yuma.fixed.bonds_ema_alpha` for every ``B < 2**31 * 10**6``.
    """
    v = bma << 64
    if v >= 1 << 127:
        v -= 1 << 128
    q = abs(v) // 1_000_000
    q = -q if v < 0 else q
    bits = q >> 32
    bits = ((bits + (1 << 63)) % (1 << 64)) - (1 << 63)
    return int(fixed.saturating_sub(fixed.ONE, bits))


def _empty(shape, dtype=np.int64):
    return np.empty(shape, dtype=dtype)


def _dense(compact: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Scatter compacted rows into an ``n x n`` array of zeros (read-only)."""
    out = np.zeros((n, n), dtype=compact.dtype)
    if rows.size:
        out[rows] = compact
    return _frozen(out)


@dataclass(frozen=True, eq=False)
class _Core:
    """Everything one epoch computes; matrices hold only the rows ``rows`` (in order).

    Every other row is empty at every step (no stored weight reaches it and it holds no
    bond), so dropping it changes no sum: the kernels run on the used rows only.
    """

    n: int
    rows: np.ndarray
    act: np.ndarray
    stake: np.ndarray
    raw_stake: np.ndarray
    permit_new: np.ndarray
    active_stake: np.ndarray
    weights: np.ndarray
    w_keep: np.ndarray
    consensus: np.ndarray
    clipped: np.ndarray
    c_keep: np.ndarray
    vtrust: np.ndarray
    ranks: np.ndarray
    incentive: np.ndarray
    wb: np.ndarray
    wb_keep: np.ndarray
    bonds: np.ndarray
    b_keep: np.ndarray
    ema: np.ndarray
    e_keep: np.ndarray
    stored: np.ndarray
    ema_order: np.ndarray | None
    dividends: np.ndarray
    n_server: np.ndarray
    n_validator: np.ndarray
    n_combined: np.ndarray
    kappa: int
    beta: int
    ema_alpha: int
    liquid: bool


def _stake_weights(state: ChainState) -> tuple[np.ndarray, np.ndarray]:
    """``stake`` (``I32F32`` bits) and the floored raw stake (u64) of the epoch.

    Without TAO stake the raw stake is the integer ``alpha << 64`` in ``I64F64`` and, when
    the kept stakes sum below 2**63, ``inplace_normalize_64`` then the truncation to
    ``I32F32`` is ``floor(2**32 alpha_i / sum)``, which is ``safe_div`` on the integers.
    Otherwise the ``I64F64`` values are worked out with Python integers.
    """
    n = state.n
    alpha = state.stake
    no_tao = state.tao_weight == 0 or not state.tao_stake.any()
    if no_tao and (n == 0 or int(alpha.max()) < (1 << 63)):
        kept = alpha >= np.uint64(state.stake_threshold)
        if state.owner_uid is not None:
            kept[state.owner_uid] = True
        a = np.where(kept, alpha, np.uint64(0)).astype(np.int64)
        total = sum(a.tolist())
        if total < (1 << 63):
            stake = fixed.safe_div(a, total) if total else a
            return np.asarray(stake, dtype=np.int64).reshape(n), np.array(alpha)
    total = state.total_stake
    stake = np.asarray(fixed.stake_weights(total, state.stake_threshold, state.owner_uid),
                       dtype=np.int64).reshape(n)
    raw = np.array([fixed.fixed64_to_u64(s) for s in total], dtype=np.uint64)
    return stake, raw


def _to_rao(x: np.ndarray, rao: int) -> np.ndarray:
    out = np.empty(x.shape[0], dtype=np.uint64)
    fk.emission_to_rao(np.ascontiguousarray(x, dtype=np.int64), np.uint64(rao), out)
    return out


def _consensus(active_stake: np.ndarray, weights: np.ndarray, rows: np.ndarray,
               kappa: int) -> np.ndarray:
    """``weighted_median_col_sparse(active_stake, weights, n, kappa)``.

    Participants are the UIDs with ``active_stake > 0`` in UID order, their stakes
    normalized; one without a stored row scores 0 in every column (as
    :func:`yuma.fixed.weighted_median_col`, with the columns laid out contiguously).
    """
    n = active_stake.shape[0]
    out = np.zeros(n, dtype=np.int64)
    part = np.flatnonzero(active_stake > 0)
    if part.size == 0 or n == 0:
        return out
    use_stake = fixed.normalize(active_stake[part])
    stake_sum = int(fixed.wrapping_sum(use_stake))
    minority = int(fixed.saturating_sub(stake_sum, kappa))
    pos = np.full(n, -1, dtype=np.int64)
    pos[rows] = np.arange(rows.size)
    scores_t = np.zeros((n, part.size), dtype=np.int64)
    have = np.flatnonzero(pos[part] >= 0)
    if have.size:
        scores_t[:, have] = weights[pos[part[have]]].T
    fk.weighted_median_cols_t(use_stake, scores_t, np.int64(minority), np.int64(stake_sum), out)
    return out


def _epoch_core(state: ChainState, active, bonds_reset) -> _Core:
    n = state.n
    block = state.block
    owner = -1 if state.owner_uid is None else state.owner_uid

    # 1. Activity: inactive = last_update.saturating_add(activity_cutoff) < block
    if active is None:
        lu = state.last_update
        cutoff = np.uint64(state.activity_cutoff)
        reach = np.where(lu > np.uint64(U64_MAX) - cutoff, np.uint64(U64_MAX), lu + cutoff)
        act = reach >= np.uint64(block)
    else:
        act = as_mask(active, "active", length=n)

    # 2. Stake: get_stake_weights_for_network, threshold, inplace_normalize_64, to I32F32
    stake, raw_stake = _stake_weights(state)

    # 3. Validator permits: stored (owner forced) and new (is_topk_nonzero, owner forced)
    permit_old = np.array(state.validator_permit)
    permit_new = fixed.is_topk_nonzero(stake, state.max_allowed_validators)
    if state.owner_uid is not None:
        permit_old[owner] = True
        permit_new[owner] = True

    # 4. Active stake: inplace_mask_vector (inactive, forbids), inplace_normalize
    active_stake = fixed.normalize(np.where(act & permit_old, stake, 0))

    # Rows that can hold anything: permitted weight rows and stored bond rows.
    used = (permit_old & state.weights_present.any(axis=1)) | state.bonds_present.any(axis=1)
    rows = np.flatnonzero(used).astype(np.int64)
    m = rows.size

    # 5. Weights: mask_rows_sparse, mask_diag_sparse(_except_index), outdated and
    #    commit-reveal masks (vec_mask_sparse_matrix), inplace_row_normalize_sparse
    weights = _empty((m, n))
    w_keep = _empty((m, n), np.bool_)
    fk.mask_normalize_weights(
        state.weights[rows], state.weights_present[rows], rows, permit_old, owner,
        state.last_update, state.block_at_registration, state.commit_block,
        state.commit_reveal_enabled, weights, w_keep,
    )

    # 6. weighted_median_col_sparse (participants: active_stake > 0, in UID order; a
    #    participant without a stored row scores 0), col_clip_sparse, row_sum_sparse,
    #    matmul_sparse, inplace_normalize
    kappa = int(fixed.u16_proportion_to_fixed(state.kappa))
    consensus = _consensus(active_stake, weights, rows, kappa)
    clipped = _empty((m, n))
    c_keep = _empty((m, n), np.bool_)
    fk.col_clip_sparse(weights, w_keep, consensus, clipped, c_keep)
    vtrust_c = _empty(m)
    fk.row_sum_wrapping(clipped, vtrust_c)
    vtrust = np.zeros(n, dtype=np.int64)
    vtrust[rows] = vtrust_c
    stake_rows = np.ascontiguousarray(active_stake[rows])
    ranks = _empty(n)
    fk.matmul_sparse(clipped, stake_rows, ranks)
    incentive = fixed.normalize(ranks)

    # 7. interpolate_sparse(weights, clipped_weights, bonds_penalty)
    beta = int(fixed.u16_proportion_to_fixed(state.bonds_penalty))
    wb_order = None if state.weights_order is None else state.weights_order[rows]
    if beta == 0:
        wb, wb_keep = weights, w_keep
    elif beta == fixed.ONE:
        wb, wb_keep = clipped, c_keep
    else:
        wb = _empty((m, n))
        wb_keep = _empty((m, n), np.bool_)
        fk.interpolate_sparse(weights, clipped, beta, wb, wb_keep)
        wb_order = None  # interpolate_sparse emits sorted rows

    # Bond mask: scalar_vec_mask_sparse_matrix(last_tempo <= block_at_registration)
    if bonds_reset is None:
        reset = np.uint64(state.last_tempo) <= state.block_at_registration
    else:
        reset = as_mask(bonds_reset, "bonds_reset", length=n)
    b_keep = state.bonds_present[rows] & ~reset[None, :]
    liquid = False
    ema_order = None
    ema = _empty((m, n))
    e_keep = _empty((m, n), np.bool_)
    if state.yuma3_on:
        # get_bonds_sparse_fixed_proportion, compute_bonds_sparse, dividends
        ema_alpha = _yuma3_fixed_alpha(state.bonds_moving_average)
        bonds = _empty((m, n))
        fk.load_bonds(state.bonds[rows], b_keep, True, bonds)
        alpha_consensus = _liquid_alpha_consensus(state, consensus)
        liquid = state.liquid_alpha_on and bool(np.any(alpha_consensus != 0))
        if liquid:
            if wb_order is None:
                new_rec = wb_keep
            else:
                new_rec = _empty((m, n), np.bool_)
                fk.row_records(wb_keep, wb_order, new_rec)
                ema_order = wb_order  # mat_ema_alpha_sparse keeps the new rows' order
            if state.bonds_order is None:
                old_rec = b_keep
            else:
                old_rec = _empty((m, n), np.bool_)
                fk.row_records(b_keep, state.bonds_order[rows], old_rec)
            lo = int(fixed.u16_proportion_to_fixed(state.alpha_low))
            hi = int(fixed.u16_proportion_to_fixed(state.alpha_high))
            slope = int(fixed.saturating_div(fixed.from_int(state.alpha_sigmoid_steepness),
                                             -100 << 32))
            kernel = (fk.mat_ema_alpha_sparse_parallel if int(wb_keep.sum()) > _PARALLEL_MIN
                      else fk.mat_ema_alpha_sparse)
            kernel(wb, wb_keep, new_rec, bonds, old_rec, alpha_consensus, lo, hi, slope, ema,
                   e_keep)
        else:
            fk.mat_ema_sparse(wb, bonds, ema_alpha, ema, e_keep)
        ema_norm = _empty((m, n))
        fk.col_normalize(ema, ema_norm)
        total_c = _empty(m)
        fk.row_dot_wrapping(ema_norm, incentive, total_c)
        total_bonds = np.zeros(n, dtype=np.int64)
        total_bonds[rows] = total_c
        dividends = fixed.normalize(fixed.vec_mul(total_bonds, active_stake))
        stored = ema
    else:
        # get_bonds_sparse, mask, col normalize, row_hadamard_sparse, col normalize,
        # mat_ema_sparse, col normalize, matmul_transpose_sparse, col max upscale
        ema_alpha = fixed.bonds_ema_alpha(state.bonds_moving_average)
        bonds = _empty((m, n))
        fk.load_bonds(state.bonds[rows], b_keep, False, bonds)
        fk.col_normalize(bonds, bonds)
        delta = _empty((m, n))
        fk.row_scale(wb, stake_rows, delta)
        fk.col_normalize(delta, delta)
        fk.mat_ema_sparse(delta, bonds, ema_alpha, ema, e_keep)
        fk.col_normalize(ema, ema)
        div_c = _empty(m)
        fk.row_dot_saturating(ema, incentive, div_c)
        div = np.zeros(n, dtype=np.int64)
        div[rows] = div_c
        dividends = fixed.normalize(div)
        stored = _empty((m, n))
        fk.col_max_upscale(ema, stored)

    # 8. Emission: saturating I + D, inplace_normalize_using_sum, zero-emission fallback
    combined = fixed.saturating_add(incentive, dividends)
    emission_sum = int(fixed.wrapping_sum(combined))
    n_server = fixed.normalize_using_sum(incentive, emission_sum)
    n_validator = fixed.normalize_using_sum(dividends, emission_sum)
    n_combined = fixed.normalize(combined)
    if emission_sum == 0:
        if int(fixed.wrapping_sum(active_stake)) == 0:
            n_validator, n_combined = stake.copy(), stake.copy()
        else:
            n_validator, n_combined = active_stake.copy(), active_stake.copy()

    return _Core(
        n=n, rows=rows, act=act, stake=stake, raw_stake=raw_stake, permit_new=permit_new,
        active_stake=active_stake, weights=weights, w_keep=w_keep, consensus=consensus,
        clipped=clipped, c_keep=c_keep, vtrust=vtrust, ranks=ranks, incentive=incentive,
        wb=wb, wb_keep=wb_keep, bonds=bonds, b_keep=b_keep, ema=ema, e_keep=e_keep,
        stored=stored, ema_order=ema_order, dividends=dividends, n_server=n_server,
        n_validator=n_validator, n_combined=n_combined, kappa=kappa, beta=beta,
        ema_alpha=int(ema_alpha), liquid=liquid,
    )


def _new_bonds(core: _Core):
    """Bond rows the epoch writes: the new bonds for new permits, empty otherwise."""
    n, rows = core.n, core.rows
    u16 = np.zeros(core.stored.shape, dtype=np.uint16)
    fk.proportion_to_u16(core.stored, u16)
    write = core.permit_new[rows][:, None] & core.e_keep
    bonds = np.zeros((n, n), dtype=np.uint16)
    present = np.zeros((n, n), dtype=bool)
    if rows.size:
        bonds[rows] = np.where(write, u16, 0)
        present[rows] = write
    # Every row is rewritten (or emptied): sorted unless mat_ema_alpha_sparse kept the
    # order of unsorted weight rows.
    order = None
    if core.ema_order is not None:
        order = np.broadcast_to(np.arange(n, dtype=np.int64), (n, n)).copy()
        order[rows] = core.ema_order
        order = _frozen(order)
    return _frozen(bonds), _frozen(present), order


def _liquid_alpha_consensus(state: ChainState, consensus: np.ndarray) -> np.ndarray:
    """The consensus (I32F32 bits) the liquid-alpha sigmoid reads (consensus mode)."""
    mode = state.liquid_alpha_consensus_mode
    previous = mode == "previous" or (mode == "auto" and state.bonds_penalty == _U16_MAX)
    stored = state.consensus
    if not previous or stored is None or stored.shape[0] == 0:
        return consensus
    out = np.array(consensus, dtype=np.int64)
    m = min(stored.shape[0], out.shape[0])
    out[:m] = fixed.u16_proportion_to_fixed(stored[:m])
    return out


def chain_epoch(
    state: ChainState,
    rao_emission: int = 1_000_000_000,
    *,
    record_step: bool = True,
    active: ArrayLike | None = None,
    bonds_reset: ArrayLike | None = None,
) -> tuple[ChainEpochOutput, ChainState]:
    r"""One epoch of ``epoch_mechanism`` (sparse, mechanism 0), bit for bit.

    Steps, with the chain's names (``run_epoch.rs``):

    1. **Activity**: ``inactive = last_update.saturating_add(activity_cutoff) < block``.
    2. **Stake**: raw ``I64F64`` stake (``get_stake_weights_for_network``); entries whose
       floor is below ``StakeThreshold`` become 0 except the owner's;
       ``inplace_normalize_64``; ``vec_fixed64_to_fixed32``.
    3. **Permits**: stored ``ValidatorPermit`` with the owner forced; new permits
       ``is_topk_nonzero(stake, MaxAllowedValidators)`` with the owner forced.
    4. **Active stake**: ``inplace_mask_vector`` (inactive, no permit),
       ``inplace_normalize``.
    5. **Weights**: ``get_weights_sparse``, ``mask_rows_sparse`` (no old permit),
       ``mask_diag_sparse[_except_index]`` (owner keeps its self-weight),
       ``vec_mask_sparse_matrix`` (``last_update <= block_at_registration``), the
       commit-reveal mask (``commit_block < block_at_registration``),
       ``inplace_row_normalize_sparse``.
    6. **Consensus**: ``weighted_median_col_sparse`` with
       ``kappa = I32F32(Kappa) / 65535``; ``col_clip_sparse``; validator trust
       ``row_sum_sparse``; ranks ``matmul_sparse``; incentive ``inplace_normalize``.
    7. **Bonds**: ``interpolate_sparse(weights, clipped, BondsPenalty / 65535)``, then
       Yuma 3 (``get_bonds_sparse_fixed_proportion``, ``last_tempo`` column mask,
       ``compute_bonds_sparse``: liquid alpha per entry with the sparse drop rule or
       ``mat_ema_sparse`` with ``1 - BMA/1e6``; ``inplace_col_normalize_sparse`` copy;
       ``row_sum_sparse(mat_vec_mul_sparse)``, ``vec_mul`` (checked), ``inplace_normalize``)
       or Yuma 2 (``get_bonds_sparse``, mask, column normalize, ``row_hadamard_sparse``,
       column normalize, ``mat_ema_sparse``, column normalize, ``matmul_transpose_sparse``,
       normalize, ``inplace_col_max_upscale_sparse`` for storage).
    8. **Emission**: ``I + D`` (saturating), ``inplace_normalize_using_sum``, the
       zero-emission fallback (validators get ``active_stake``, or ``stake`` when no
       stake is active), ``I96F32 * rao_emission`` floored to ``u64``.
    9. **Storage**: ``fixed_proportion_to_u16`` outputs; bond rows of UIDs with a new
       permit become the new bonds, every other row is written empty (``EpochTerms.bond``
       defaults to empty and ``persist_mechanism_epoch_terms`` writes every UID's row);
       ``ValidatorPermit`` = new permits.

    Parameters
    ----------
    state : ChainState
        Storage before the epoch.
    rao_emission : int
        Alpha to distribute (u64).
    record_step : bool
        Write ``LastMechansimStepBlock = block`` into the new state, as the coinbase does
        after ``distribute_emission``. The chain tests call the ``epoch`` wrapper
        directly, which does not: pass False to replay them.
    active : array_like of bool, shape (n,), optional
        Use this activity mask instead of step 1 (for inputs that are not chain state).
    bonds_reset : array_like of bool, shape (n,), optional
        Columns whose bonds are dropped, instead of ``last_tempo <= block_at_registration``.

    Returns
    -------
    output : ChainEpochOutput
        Stored values and the intermediates.
    new_state : ChainState
        The state after the epoch (bonds, permits and, with ``record_step``, lms).
    """
    if not isinstance(state, ChainState):
        raise ValueError(f"state must be a ChainState, got {type(state).__name__}")
    rao = _u64(rao_emission, "rao_emission")
    core = _epoch_core(state, active, bonds_reset)
    out, order = _output(core, state, rao)
    new_state = dataclasses.replace(
        state,
        bonds=out.bonds,
        bonds_present=out.bonds_present,
        bonds_order=order,
        validator_permit=_frozen(np.array(core.permit_new)),
        consensus=out.consensus,
        last_mechanism_step_block=(state.block if record_step
                                   else state.last_mechanism_step_block),
    )
    return out, new_state


def _output(core: _Core, state: ChainState, rao: int) -> tuple[ChainEpochOutput, np.ndarray | None]:
    n, rows = core.n, core.rows
    bonds, present, order = _new_bonds(core)
    p16 = fixed.fixed_proportion_to_u16
    out = ChainEpochOutput(
        stake=core.raw_stake,
        stake_weight=p16(core.stake),
        consensus=p16(core.consensus),
        incentive=p16(core.incentive),
        dividends=p16(core.dividends),
        validator_trust=p16(core.vtrust),
        server_emission=_to_rao(core.n_server, rao),
        validator_emission=_to_rao(core.n_validator, rao),
        emission=_to_rao(core.n_combined, rao),
        active=core.act,
        validator_permit=core.permit_new,
        bonds=bonds,
        bonds_present=present,
        intermediates=ChainIntermediates(
            stake=core.stake, active_stake=core.active_stake,
            weights=_dense(core.weights, rows, n), weights_kept=_dense(core.w_keep, rows, n),
            consensus=core.consensus,
            clipped_weights=_dense(core.clipped, rows, n),
            clipped_weights_kept=_dense(core.c_keep, rows, n),
            validator_trust=core.vtrust, ranks=core.ranks, incentive=core.incentive,
            weights_for_bonds=_dense(core.wb, rows, n),
            weights_for_bonds_kept=_dense(core.wb_keep, rows, n),
            bonds=_dense(core.bonds, rows, n), bonds_kept=_dense(core.b_keep, rows, n),
            ema_bonds=_dense(core.ema, rows, n), ema_bonds_kept=_dense(core.e_keep, rows, n),
            dividends=core.dividends,
            normalized_server_emission=core.n_server,
            normalized_validator_emission=core.n_validator,
            normalized_combined_emission=core.n_combined,
            kappa=core.kappa, bonds_penalty=core.beta, ema_alpha=core.ema_alpha,
            liquid_alpha_used=core.liquid,
        ),
    )
    return out, order


# --------------------------------------------------------------------------------------
# Entry point on the float path's inputs
# --------------------------------------------------------------------------------------


def _round_u16(x: np.ndarray, nonzero_rows: np.ndarray) -> np.ndarray:
    """``rint(65535 * x)`` as u16 (``x`` in [0, 1]), computed on the non-zero rows only."""
    out = np.zeros(x.shape, dtype=np.uint16)
    live = np.flatnonzero(nonzero_rows)
    if live.size:
        out[live] = np.clip(np.rint(x[live] * _U16_MAX), 0, _U16_MAX).astype(np.uint16)
    return out


def _max_upscale_rows(w: np.ndarray, nonzero_rows: np.ndarray) -> np.ndarray:
    """``rint(65535 * w / max(w))`` per row (0 for rows without a positive weight)."""
    out = np.zeros(w.shape, dtype=np.uint16)
    live = np.flatnonzero(nonzero_rows)
    if live.size:
        rows = w[live]
        out[live] = np.rint(rows / rows.max(axis=1)[:, None] * _U16_MAX).astype(np.uint16)
    return out


def _chain_int(value: float, scale: float, name: str, lo: int, hi: int) -> int:
    v = round(float(value) * scale)
    if not lo <= v <= hi:
        raise ValueError(f"{name}={value!r} does not fit the chain's integer range")
    return int(v)


def _stake_to_rao(stake: np.ndarray, rao_per_unit: float | None) -> tuple[np.ndarray, float]:
    if rao_per_unit is None:
        top = float(stake.max()) if stake.size else 0.0
        if np.all(stake == np.floor(stake)) and top < 2.0**63:
            rao_per_unit = 1.0
        elif top * 1e9 < 2.0**62:
            rao_per_unit = 1e9
        else:
            rao_per_unit = 2.0**62 / top
    elif not (math.isfinite(rao_per_unit) and rao_per_unit > 0):
        raise ValueError(f"rao_per_unit must be a positive finite number, got {rao_per_unit!r}")
    scaled = np.rint(stake * rao_per_unit)
    if scaled.size and scaled.max() >= 2.0**64:
        raise ValueError("stake * rao_per_unit exceeds u64")
    return np.array([int(v) for v in scaled], dtype=np.uint64), rao_per_unit


def chain_epoch_from_float(
    weights: ArrayLike,
    stake: ArrayLike,
    bonds: ArrayLike | None = None,
    *,
    params: YumaParams | None = None,
    variant=None,
    active: ArrayLike | None = None,
    validator_permit: ArrayLike | None = None,
    last_update: ArrayLike | None = None,
    block_at_registration: ArrayLike | None = None,
    commit_block: ArrayLike | None = None,
    last_tempo: int | None = None,
    reset_bonds: ArrayLike | None = None,
    listed: ArrayLike | None = None,
    owner_uid: int | None = None,
    stake_threshold: float = 0.0,
    rao_per_unit: float | None = None,
    rao_emission: int = 1_000_000_000,
    return_chain: bool = False,
    previous_consensus: ArrayLike | None = None,
):
    r"""Run :func:`chain_epoch` on the inputs of :func:`yuma.epoch`; return an EpochResult.

    The float inputs become chain storage as the chain would hold them:

    * each weight row is max-upscaled to u16 as ``set_weights`` stores it:
      ``rint(65535 * w / max(w))`` (rows with no positive weight are all 0; the stored
      row is a fixed point of ``vec_u16_max_upscale_to_u16``). Stored entries are the
      ``listed`` ones plus the positive weights; with ``listed`` None every entry is
      stored (the dense model of :func:`yuma.epoch`);
    * stake becomes rao: ``rint(stake * rao_per_unit)``. By default ``rao_per_unit`` is
      1 for integer stakes below 2**63, else 1e9 (TAO to rao) when that fits, else
      ``2**62 / max(stake)``; ``stake_threshold`` is scaled the same way;
    * bonds (as the previous epoch returned them: Yuma 3 proportions, Yuma 2 column
      max-upscaled) become ``rint(65535 * b)``; entries are the non-zero ones;
    * ``params`` become the chain's integers (``Kappa = rint(65535 kappa)``,
      ``BondsMovingAverage = rint(1e6 bma)``, ``BondsPenalty``, ``AlphaValues``,
      ``AlphaSigmoidSteepness = rint(100 * steepness)``); variant ``"yuma3"`` or
      ``"yuma2"`` (``Yuma3On``); the historic ``yuma2_liquid_alpha_v1`` is not on chain.
    * ``active``, ``last_tempo``/``reset_bonds`` are applied as given (see
      :func:`chain_epoch`'s ``active`` and ``bonds_reset``); the outdated-weights mask
      needs both ``last_update`` and ``block_at_registration``, the commit-reveal mask
      ``commit_block`` and ``block_at_registration``, as in :func:`yuma.epoch`.

    A rectangular ``weights`` (validators x miners) runs as the square subnet whose UIDs
    are the validators followed by the miners; results are cut back to
    :func:`yuma.epoch`'s shapes.

    Parameters
    ----------
    weights : array_like, shape (n_validators, n_uids)
        Weights per validator row (any non-negative scale), as in :func:`yuma.epoch`.
    stake : array_like, shape (n_validators,)
        Raw stake per row (any unit; see ``rao_per_unit``).
    bonds : array_like, shape (n_validators, n_uids), optional
        Bonds as the previous epoch returned them (``EpochResult.bonds``), in [0, 1].
    params : YumaParams, optional
        Hyperparameters (default ``YumaParams()``), converted to the chain's integers.
    variant : str or Variant, optional
        ``"yuma3"``/:data:`yuma.YUMA3` or ``"yuma2"``/:data:`yuma.YUMA2`; overrides
        ``params.variant``.
    active : array_like of bool, shape (n_validators,), optional
        Activity mask; None means all active.
    validator_permit : array_like of bool, shape (n_validators,), optional
        Permits stored by the previous epoch; None means all permitted.
    last_update : array_like of int, shape (n_validators,), optional
        With ``block_at_registration``: the outdated-weights mask.
    block_at_registration : array_like of int, shape (n_uids,), optional
        Registration block per UID (column).
    commit_block : array_like of int, shape (n_validators,), optional
        Commit-reveal: smallest non-expired commit block per validator.
    last_tempo : int, optional
        With ``block_at_registration``: bonds of UIDs with
        ``last_tempo <= block_at_registration`` are dropped.
    reset_bonds : array_like of bool, shape (n_uids,), optional
        Columns whose bonds are dropped.
    listed : array_like of bool, shape (n_validators, n_uids), optional
        Entries the validators listed (stored explicitly, zeros included).
    owner_uid : int, optional
        The subnet owner's row.
    stake_threshold : float
        Minimum raw stake, in the unit of ``stake``.
    rao_per_unit : float, optional
        Rao per unit of ``stake`` (see above).
    rao_emission : int
        Emission handed to the epoch (only the token amounts of the chain output depend
        on it).
    return_chain : bool
        Also return the :class:`ChainEpochOutput` and the :class:`ChainState` that ran.
    previous_consensus : array_like, shape (m,), optional
        Consensus the previous epoch stored, as proportions (one per column, like
        ``EpochResult.consensus``); stored as the chain's u16
        (``fixed_proportion_to_u16(from_num(x))``) and read by the liquid-alpha sigmoid
        under ``params.liquid_alpha_consensus_mode`` (see :class:`ChainState`).

    Returns
    -------
    EpochResult
        Float views (``value = bits / 2**32``) of the fixed-point results, with the
        fields of :func:`yuma.epoch`: ``emission`` and the server/validator emissions are
        the normalized shares, ``bonds`` the stored u16 bonds / 65535 (rows without a new
        permit are empty, as on chain), ``trust`` the historic ``ranks / preranks``
        (``vecdiv``, removed from the chain in 2025-10).
    (EpochResult, ChainEpochOutput, ChainState)
        With ``return_chain``.

    Raises
    ------
    ValueError
        On invalid inputs (as :func:`yuma.epoch`), a parameter outside the chain's
        integer ranges, or a variant the chain does not have.
    """
    if params is None:
        params = YumaParams()
    elif not isinstance(params, YumaParams):
        raise ValueError(f"params must be a YumaParams, got {type(params).__name__}")
    name = variant if variant is not None else params.variant
    if isinstance(name, Variant):
        name = {id(YUMA3): "yuma3", id(YUMA2): "yuma2"}.get(id(name), f"custom {name.name!r}")
    if name not in ("yuma3", "yuma2"):
        raise ValueError(f"variant must be 'yuma3' or 'yuma2' (the chain's paths), got {name!r}")
    w, w_rows = as_matrix_readonly(weights, "weights")
    n_rows, n_cols = w.shape
    square = n_rows == n_cols
    s = as_vector(stake, "stake", length=n_rows)
    if bonds is None:
        b, b_rows = None, np.zeros(n_rows, dtype=bool)
    else:
        b, b_rows = as_matrix_readonly(bonds, "bonds", shape=w.shape)
        if b.size and b.max() > 1.0:
            raise ValueError("bonds must be in [0, 1] (u16 / 65535)")
    act = as_mask(active, "active", length=n_rows)
    permit = as_mask(validator_permit, "validator_permit", length=n_rows)
    owner = as_uid(owner_uid, "owner_uid", n=n_rows) if n_rows else None
    if owner_uid is not None and n_rows == 0:
        raise ValueError("owner_uid given but there are no UIDs")
    lu = None if last_update is None else as_block_vector(last_update, "last_update",
                                                          length=n_rows)
    bar = (None if block_at_registration is None
           else as_block_vector(block_at_registration, "block_at_registration", length=n_cols))
    cb = None if commit_block is None else as_block_vector(commit_block, "commit_block",
                                                          length=n_rows)
    lst = None if listed is None else as_mask_matrix(listed, "listed", shape=w.shape)
    reset = as_mask(reset_bonds, "reset_bonds", length=n_cols, default=False)
    if last_tempo is not None:
        if bar is None:
            raise ValueError("last_tempo needs block_at_registration")
        if isinstance(last_tempo, bool) or not isinstance(last_tempo, (int, np.integer)) \
                or last_tempo < 0:
            raise ValueError(f"last_tempo must be a non-negative integer block, got {last_tempo!r}")
        reset |= int(last_tempo) <= bar
    if not math.isfinite(stake_threshold) or stake_threshold < 0:
        raise ValueError(f"stake_threshold must be finite and >= 0, got {stake_threshold!r}")
    prev16 = None
    if previous_consensus is not None:
        pc = as_vector(previous_consensus, "previous_consensus")
        if pc.size and pc.max() > 1.0:
            raise ValueError("previous_consensus must hold proportions in [0, 1]")
        prev16 = np.asarray(fixed.fixed_proportion_to_u16(fixed.from_float(pc)), np.uint16)

    # Square embedding: UIDs are the rows, then (rectangular) the columns.
    n = n_rows if square else n_rows + n_cols
    off = 0 if square else n_rows
    if n > _U16_MAX:
        raise ValueError(f"a subnet holds at most 65535 UIDs, got {n}")
    u16 = _max_upscale_rows(w, w_rows)
    b16 = None if b is None else _round_u16(b, b_rows)
    if lst is None:
        # Dense model: rows that set weights (or hold bonds) list every column.
        full_row = u16.any(axis=1) | (False if b16 is None else b16.any(axis=1))
        present = np.broadcast_to(full_row[:, None], w.shape)
    else:
        present = lst | (w > 0)
    W = np.zeros((n, n), np.uint16)
    WP = np.zeros((n, n), bool)
    W[:n_rows, off:off + n_cols] = u16
    WP[:n_rows, off:off + n_cols] = present
    B = np.zeros((n, n), np.uint16)
    if b16 is not None:
        B[:n_rows, off:off + n_cols] = b16
    rao_stake, scale = _stake_to_rao(s, rao_per_unit)
    full_stake = np.zeros(n, np.uint64)
    full_stake[:n_rows] = rao_stake
    thr = round(stake_threshold * scale)
    full_bar = np.zeros(n, np.uint64)
    if bar is not None:
        full_bar[off:off + n_cols] = bar
    if lu is not None and bar is not None:
        full_lu = np.zeros(n, np.uint64)
        full_lu[:n_rows] = lu
    else:
        full_lu = np.full(n, int(full_bar.max()) + 1 if n else 1, np.uint64)
    full_cb = np.full(n, U64_MAX, np.uint64)
    use_cr = cb is not None and bar is not None
    if use_cr:
        full_cb[:n_rows] = cb
    full_act = np.ones(n, bool)
    full_act[:n_rows] = act
    full_permit = np.zeros(n, bool)
    full_permit[:n_rows] = permit
    full_reset = np.zeros(n, bool)
    full_reset[off:off + n_cols] = reset

    state = ChainState(
        n=n,
        stake=_frozen(full_stake),
        weights=_frozen(W),
        weights_present=_frozen(WP),
        bonds=_frozen(B),
        bonds_present=_frozen(B != 0),
        last_update=_frozen(full_lu),
        block_at_registration=_frozen(full_bar),
        validator_permit=_frozen(full_permit),
        owner_uid=owner,
        kappa=_chain_int(params.kappa, _U16_MAX, "kappa", 0, _U16_MAX),
        bonds_penalty=_chain_int(params.bonds_penalty, _U16_MAX, "bonds_penalty", 0, _U16_MAX),
        bonds_moving_average=_chain_int(params.bonds_moving_average, 1e6,
                                        "bonds_moving_average", 0, U64_MAX),
        liquid_alpha_on=params.liquid_alpha,
        alpha_low=_chain_int(params.alpha_low, _U16_MAX, "alpha_low", 0, _U16_MAX),
        alpha_high=_chain_int(params.alpha_high, _U16_MAX, "alpha_high", 0, _U16_MAX),
        alpha_sigmoid_steepness=_chain_int(params.alpha_sigmoid_steepness, 100,
                                           "alpha_sigmoid_steepness", _I16_MIN, _I16_MAX),
        yuma3_on=name == "yuma3",
        max_allowed_validators=params.max_allowed_validators,
        stake_threshold=_u64(min(thr, U64_MAX), "stake_threshold"),
        commit_reveal_enabled=use_cr,
        commit_block=_frozen(full_cb),
        liquid_alpha_consensus_mode=params.liquid_alpha_consensus_mode,
        consensus=None if prev16 is None else _frozen(
            prev16 if square else np.concatenate([np.zeros(off, np.uint16), prev16])
        ),
    )
    rao = _u64(rao_emission, "rao_emission")
    core = _epoch_core(state, full_act, full_reset)

    # Float views, built from the used rows only (every other row is 0).
    rows = core.rows
    sel = rows < n_rows  # in the rectangular form only validators hold rows
    r_ids = rows[sel]

    def mat(compact, dtype=np.float64, scale_bits=True):
        outm = np.zeros((n_rows, n_cols), dtype=dtype)
        if r_ids.size:
            part_ = compact[sel][:, off:off + n_cols]
            outm[r_ids] = part_ * 2.0**-32 if scale_bits else part_
        return outm

    weights_f = mat(core.weights)
    clipped_f = mat(core.clipped)
    if core.wb is core.weights:
        wb_f = weights_f
    elif core.wb is core.clipped:
        wb_f = clipped_f
    else:
        wb_f = mat(core.wb)
    preranks = _empty(n)
    fk.matmul_sparse(core.weights, np.ascontiguousarray(core.active_stake[rows]), preranks)
    trust = fixed.vecdiv(core.ranks, preranks)
    u16_new = np.zeros(core.stored.shape, dtype=np.uint16)
    fk.proportion_to_u16(core.stored, u16_new)
    written = np.where(core.permit_new[rows][:, None] & core.e_keep, u16_new, 0)
    bonds_f = mat(written, scale_bits=False) / _U16_MAX

    f = fixed.to_float
    r, c = slice(0, n_rows), slice(off, off + n_cols)
    result = EpochResult(
        variant=name,
        stake=f(core.stake[r]),
        active=act,
        active_stake=f(core.active_stake[r]),
        weights=weights_f,
        consensus=f(core.consensus[c]),
        clipped_weights=clipped_f,
        validator_trust=f(core.vtrust[r]),
        rank=f(core.ranks[c]),
        trust=f(trust[c]),
        incentive=f(core.incentive[c]),
        weights_for_bonds=wb_f,
        ema_bonds=mat(core.ema),
        bonds=bonds_f,
        dividends=f(core.dividends[r]),
        server_emission=f(core.n_server[c]),
        validator_emission=f(core.n_validator[r]),
        emission=f(core.n_combined),
        validator_permit=np.array(core.permit_new[r]),
    )
    if return_chain:
        out, _ = _output(core, state, rao)
        return result, out, state
    return result

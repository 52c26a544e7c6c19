r"""Null consensus: the chain's alternative epoch (``SubnetEpochConsensus = Null``).

Under Null consensus there is no median, clipping, kappa or bond: the permitted validator
with the most stake (the *winner*) decides alone how the miners' half of the budget is
split, and the validators' half is paid by stake. Every payout is an exact integer
apportionment, so the payouts add up to the budget to the unit.

For an epoch budget :math:`E` (rao):

1. **Winner**: the UID with the largest raw stake :math:`s_i` among those that can hold a
   permit (any UID with stake; Null forces ``MaxAllowedValidators = 1``); ties go to the
   lowest UID. Raw stake, before any normalization, so ``[10**9, 10**9 + 1]`` elects
   UID 1. Activity is ignored. The winner gets the only new validator permit.
2. **Split**: validators get :math:`\lfloor E/2 \rfloor`, miners
   :math:`E - \lfloor E/2 \rfloor`.
3. **Incentive**: the miners' part is apportioned in proportion to the winner's raw
   stored u16 weight row (Null stores weights without max-upscaling). Entries whose
   target re-registered after the winner's last update
   (``last_update[w] <= block_at_registration[j]``) are dropped; if nothing is left (an
   empty or stale row), the miners' part is split equally over **every** UID.
4. **Dividends**: the validators' part is apportioned in proportion to stake over every
   UID with stake (permit or not, active or not).
5. **No stake at all**: the whole budget goes to the miners' equal split; dividends are 0.
6. **Bonds** are neither read nor written. ``emission = server + validator`` per UID.

Apportionment is largest remainder (:func:`apportion_units`). The chain's test file
states its properties (sum equals the budget, each payout is the floor or the floor + 1,
a zero share gets 0, deterministic) but the tie order among equal remainders was not seen
in source; here ties go to the lower index.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .._validation import as_real_array, is_integer
from .state import check_state

__all__ = ["apportion_units", "NullEpochResult", "null_epoch", "null_epoch_with_budgets",
           "chain_null_epoch", "null_inputs", "null_step_state", "U64_MAX"]

U64_MAX = (1 << 64) - 1
U128_MAX = (1 << 128) - 1


def _int_list(x, name: str, *, length: int | None = None, hi: int | None = None) -> list[int]:
    arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {np.shape(arr)}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {arr.shape[0]}")
    out = []
    for v in arr.tolist():
        if isinstance(v, bool) or not is_integer(v):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            else:
                raise ValueError(f"{name} must hold non-negative integers, got {v!r}")
        v = int(v)
        if v < 0 or (hi is not None and v > hi):
            bound = f" and <= {hi}" if hi is not None else ""
            raise ValueError(f"{name} must hold integers >= 0{bound}, got {v}")
        out.append(v)
    return out


def _budget(budget, name: str = "budget") -> int:
    if isinstance(budget, bool) or not is_integer(budget):
        raise ValueError(f"{name} must be an integer in [0, 2**64 - 1], got {budget!r}")
    b = int(budget)
    if not 0 <= b <= U64_MAX:
        raise ValueError(f"{name} must be an integer in [0, 2**64 - 1], got {b}")
    return b


def apportion_units(shares, budget: int) -> np.ndarray:
    r"""Split an integer budget in proportion to integer shares, exactly (largest remainder).

    Each payout is :math:`q_i = \lfloor B s_i / \sum s \rfloor`, plus one unit for the
    :math:`B - \sum q` entries with the largest remainders :math:`B s_i \bmod \sum s` (ties:
    lower index first). So the payouts sum to :math:`B` exactly, each is its floor or the
    floor + 1, and a zero share gets 0. Exact in integer arithmetic for shares up to
    :math:`2^{128} - 1` (the chain's ``u128``) and budgets up to :math:`2^{64} - 1`.

    Parameters
    ----------
    shares : array_like of int
        Non-negative shares (u128).
    budget : int
        Units to hand out (u64).

    Returns
    -------
    numpy.ndarray of object (Python int)
        Payouts, same length as ``shares``. All zero when ``budget`` is 0.

    Raises
    ------
    ValueError
        On negative or non-integer shares or budget, or when every share is 0 but the
        budget is not (nothing to apportion by).
    """
    s = _int_list(shares, "shares", hi=U128_MAX)
    b = _budget(budget)
    total = sum(s)
    if total == 0:
        if b == 0:
            return np.zeros(len(s), dtype=object)
        raise ValueError("shares are all zero but budget is not: nothing to apportion by")
    floors, remainders = [], []
    for v in s:
        q, r = divmod(b * v, total)
        floors.append(q)
        remainders.append(r)
    left = b - sum(floors)
    order = sorted(range(len(s)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return np.array(floors, dtype=object)


@dataclass(frozen=True, slots=True)
class NullEpochResult:
    """Outputs of one Null-consensus epoch (all amounts in the budget's unit, exact ints).

    Attributes
    ----------
    winner : int or None
        The UID whose weights decided the incentive; None when no UID holds stake.
    equal_split : bool
        Whether the miners' part was split equally over every UID (no stake, or an empty
        or stale winner row).
    server_emission, validator_emission, emission : numpy.ndarray of object
        Per UID; ``emission = server_emission + validator_emission``.
    validator_permit : numpy.ndarray of bool
        The new permits: the winner only.
    unpaid : int
        What of the budget nobody received: 0 whenever ``n >= 1`` for :func:`null_epoch`;
        the whole budget on an empty subnet (the chain's epoch returns an empty map there
        and the coinbase, which has already drained and minted the subnet's pending
        emission, credits it to no one); the root part of
        :func:`null_epoch_with_budgets` when no UID holds stake (the chain recycles it).
    """

    winner: int | None
    equal_split: bool
    server_emission: np.ndarray
    validator_emission: np.ndarray
    emission: np.ndarray
    validator_permit: np.ndarray
    unpaid: int = 0


def _checked_inputs(weights, stake, last_update, block_at_registration):
    """Stake, u16 weight rows and the optional block vectors, checked (Python ints)."""
    s = _int_list(stake, "stake")
    n = len(s)
    w = as_real_array(weights, "weights")
    if w.shape != (n, n):
        raise ValueError(f"weights must have shape {(n, n)}, got {w.shape}")
    if w.size and (
        w.dtype.kind not in "iu" and not np.all(np.mod(w, 1) == 0)
        or w.min() < 0
        or w.max() > 65535
    ):
        raise ValueError("weights must hold u16 integers in [0, 65535]")
    lu = None if last_update is None else _int_list(last_update, "last_update", length=n,
                                                     hi=U64_MAX)
    bar = (
        None
        if block_at_registration is None
        else _int_list(block_at_registration, "block_at_registration", length=n, hi=U64_MAX)
    )
    return w, s, lu, bar


def _winner(s: list[int]) -> int | None:
    """Most raw stake, ties to the lowest UID; None when no UID holds stake."""
    if not s or max(s) == 0:
        return None
    return max(range(len(s)), key=lambda i: (s[i], -i))


def _winner_row(w, winner: int, lu, bar) -> list[int]:
    """The winner's raw row without entries on UIDs registered since its last update."""
    row = [int(v) for v in w[winner]]
    if lu is not None and bar is not None:
        row = [v if lu[winner] > bar[j] else 0 for j, v in enumerate(row)]
    return row


def _null_payouts(w, s, lu, bar, miner_part: int, validator_part: int,
                  unstaked_miner_part: int, budget: int) -> NullEpochResult:
    """The Null epoch with its parts given: miners, validators, and miners without stake."""
    n = len(s)
    permit = np.zeros(n, dtype=np.bool_)
    winner = _winner(s)
    if winner is None:
        validators = np.zeros(n, dtype=object)
        miner_part, row = unstaked_miner_part, []
    else:
        permit[winner] = True
        validators = apportion_units(s, validator_part)
        row = _winner_row(w, winner, lu, bar)
    equal = not any(row)
    if n == 0:
        servers = np.zeros(0, dtype=object)
    else:
        servers = apportion_units([1] * n if equal else row, miner_part)
    emission = np.array([a + b for a, b in zip(servers, validators, strict=True)], dtype=object)
    return NullEpochResult(
        winner=winner,
        equal_split=bool(equal and n > 0),
        server_emission=servers,
        validator_emission=validators,
        emission=emission,
        validator_permit=permit,
        unpaid=budget - int(sum(emission)),
    )


def null_epoch(
    weights,
    stake,
    budget: int,
    *,
    last_update=None,
    block_at_registration=None,
) -> NullEpochResult:
    r"""One Null-consensus epoch over ``n`` UIDs (see the module docstring for the rules).

    Parameters
    ----------
    weights : array_like of int, shape (n, n)
        Raw stored u16 weights (row i: what UID i set; 0 where nothing is stored).
    stake : array_like of int, shape (n,)
        Raw stake per UID (rao, or the chain's I64F64 bits: any integer unit).
    budget : int
        The epoch's emission ``E`` (u64).
    last_update : array_like of int, shape (n,), optional
        Block of each UID's last weight update.
    block_at_registration : array_like of int, shape (n,), optional
        Registration block of each UID. With ``last_update``, the winner's entries on UIDs
        with ``last_update[winner] <= block_at_registration[j]`` are stale.

    Returns
    -------
    NullEpochResult
        Every unit of ``budget`` is paid when ``n >= 1``. On an empty subnet (``n = 0``)
        nothing is: ``unpaid`` is the whole budget, as on chain (an empty epoch map).

    Raises
    ------
    ValueError
        On a wrong shape, a negative or non-integer value, a weight above 65535 or a
        budget outside u64.

    Examples
    --------
    >>> r = null_epoch([[0, 0, 3, 1], [0, 0, 0, 65535], [0] * 4, [0] * 4],
    ...                [300, 100, 0, 0], 1_000_000)
    >>> r.winner, r.server_emission.tolist(), r.validator_emission.tolist()
    (0, [0, 0, 375000, 125000], [375000, 125000, 0, 0])
    """
    w, s, lu, bar = _checked_inputs(weights, stake, last_update, block_at_registration)
    e = _budget(budget)
    return _null_payouts(w, s, lu, bar, e - e // 2, e // 2, e, e)


def null_epoch_with_budgets(
    weights,
    stake,
    server_budget: int,
    validator_budget: int,
    root_budget: int = 0,
    *,
    last_update=None,
    block_at_registration=None,
) -> NullEpochResult:
    r"""One Null epoch on the coinbase's three budgets (``epoch_with_mechanism_budgets``).

    The miners get the server budget :math:`E_s` by the winner's row; the validators get
    :math:`E_v + E_r` (validator and root dividends) by stake. With no stake at all the
    miners' equal split gets :math:`E_s + E_v` and the root budget is not paid
    (``unpaid``; the chain recycles it). The chain's tests
    ``null_multiple_mechanisms_cannot_multiply_miner_rounding_remainders`` and
    ``null_no_validator_fallback_excludes_recycled_root_budget`` give these totals.

    Parameters
    ----------
    weights, stake, last_update, block_at_registration
        As :func:`null_epoch`.
    server_budget, validator_budget, root_budget : int
        ``pending_server_alpha``, ``pending_validator_alpha``, ``pending_root_alpha``
        (u64 each).

    Returns
    -------
    NullEpochResult

    Raises
    ------
    ValueError
        As :func:`null_epoch`, or when the three budgets add up past ``u64::MAX``.
    """
    w, s, lu, bar = _checked_inputs(weights, stake, last_update, block_at_registration)
    es = _budget(server_budget, "server_budget")
    ev = _budget(validator_budget, "validator_budget")
    er = _budget(root_budget, "root_budget")
    if es + ev + er > U64_MAX:
        raise ValueError("server_budget + validator_budget + root_budget must fit a u64 "
                         f"(the subnet's pending alpha), got {es + ev + er}")
    return _null_payouts(w, s, lu, bar, es, ev + er, es + ev, es + ev + er)


def null_inputs(state) -> dict:
    """What a Null epoch reads from a :class:`~yuma.chain.ChainState`, as keyword arguments.

    The raw stored weight rows (Null stores them without max-upscaling: see
    :func:`yuma.chain.set_weights`'s ``upscale``), the raw stake as ``I64F64`` bits
    (``get_stake_weights_for_network``; the winner is chosen on it before any
    normalization), ``LastUpdate`` and ``BlockAtRegistration``.

    Parameters
    ----------
    state : ChainState

    Returns
    -------
    dict
        ``weights``, ``stake``, ``last_update``, ``block_at_registration``.
    """
    check_state(state)
    return {
        "weights": np.where(state.weights_present, state.weights, 0),
        "stake": [max(int(v), 0) for v in state.total_stake],
        "last_update": state.last_update.tolist(),
        "block_at_registration": state.block_at_registration.tolist(),
    }


def null_step_state(state, result: NullEpochResult, *, record_step: bool = True):
    """The state after a Null epoch: the winner's permit, bonds frozen, the step blocks.

    ``LastYumaStepBlock`` is recorded as the last Yuma step (``LastMechansimStepBlock``
    before this epoch) when it was not stored and the subnet has stepped, as the chain
    does when a subnet switches to Null (its test
    ``null_bond_cutoff_tracks_last_yuma_epoch_not_null_epochs``; the switch's own code
    was not seen). A Null epoch never writes ``LastYumaStepBlock`` itself, so the bond
    cutoff of the next Yuma epoch stays at the last Yuma step.

    Parameters
    ----------
    state : ChainState
    result : NullEpochResult
    record_step : bool
        Write ``LastMechansimStepBlock = block`` (the coinbase does, for every epoch).

    Returns
    -------
    ChainState
    """
    check_state(state)
    from .state import set_epoch_consensus

    state = set_epoch_consensus(state, "null")
    kw = {"validator_permit": np.array(result.validator_permit)}
    if record_step:
        kw["last_mechanism_step_block"] = state.block
    return dataclasses.replace(state, **kw)


def chain_null_epoch(state, rao_emission: int = 1_000_000_000, *, record_step: bool = True):
    """A Null-consensus epoch over a :class:`~yuma.chain.ChainState` (mechanism 0).

    :func:`null_epoch` on :func:`null_inputs`, then :func:`null_step_state`. Bonds are
    neither read nor written.

    Parameters
    ----------
    state : ChainState
    rao_emission : int
        The epoch's budget (u64).
    record_step : bool
        As :func:`yuma.chain.chain_epoch`.

    Returns
    -------
    result : NullEpochResult
    new_state : ChainState

    Examples
    --------
    >>> from yuma import chain
    >>> s = chain.new_subnet(4, stake=[300, 100, 0, 0], validator_permit=[1, 1, 0, 0])
    >>> s = chain.set_weights(chain.advance(s, 1), 0, [2, 3], [3, 1], upscale=False)
    >>> r, s = chain.null.chain_null_epoch(s, 1_000_000)
    >>> r.server_emission.tolist(), s.validator_permit.tolist()
    ([0, 0, 375000, 125000], [True, False, False, False])
    """
    check_state(state)
    result = null_epoch(budget=_budget(rao_emission, "rao_emission"), **null_inputs(state))
    return result, null_step_state(state, result, record_step=record_step)

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

from dataclasses import dataclass

import numpy as np

__all__ = ["apportion_units", "NullEpochResult", "null_epoch", "U64_MAX"]

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
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
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
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)):
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
    """

    winner: int | None
    equal_split: bool
    server_emission: np.ndarray
    validator_emission: np.ndarray
    emission: np.ndarray
    validator_permit: np.ndarray


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
    s = _int_list(stake, "stake")
    n = len(s)
    w = np.asarray(weights)
    if w.shape != (n, n):
        raise ValueError(f"weights must have shape {(n, n)}, got {w.shape}")
    if w.size and (
        not np.issubdtype(w.dtype, np.integer) and not np.all(np.mod(w, 1) == 0)
        or w.min() < 0
        or w.max() > 65535
    ):
        raise ValueError("weights must hold u16 integers in [0, 65535]")
    e = _budget(budget)
    lu = None if last_update is None else _int_list(last_update, "last_update", length=n)
    bar = (
        None
        if block_at_registration is None
        else _int_list(block_at_registration, "block_at_registration", length=n)
    )

    validator_part = e // 2
    miner_part = e - validator_part
    permit = np.zeros(n, dtype=np.bool_)
    winner = None
    if n and max(s) > 0:
        winner = max(range(n), key=lambda i: (s[i], -i))  # most stake, then lowest UID
        permit[winner] = True
    if winner is None:
        validators = np.zeros(n, dtype=object)
        miner_part = e
        row = []
    else:
        validators = apportion_units(s, validator_part)
        row = [int(v) for v in w[winner]]
        if lu is not None and bar is not None:
            row = [v if lu[winner] > bar[j] else 0 for j, v in enumerate(row)]
    equal = not any(row)
    if n == 0:
        servers = np.zeros(0, dtype=object)
    elif equal:
        servers = apportion_units([1] * n, miner_part)
    else:
        servers = apportion_units(row, miner_part)
    return NullEpochResult(
        winner=winner,
        equal_split=bool(equal and n > 0),
        server_emission=servers,
        validator_emission=validators,
        emission=np.array([a + b for a, b in zip(servers, validators, strict=True)], dtype=object),
        validator_permit=permit,
    )

r"""Registration economics: the subnet lock cost, neuron immunity and pruning.

* **Lock cost** (``get_network_lock_cost``, ``coinbase/root.rs``): registering a subnet
  locks TAO. The cost is twice the last lock, decaying linearly by
  ``last_lock / interval`` per block back to the last lock after ``interval`` blocks and on
  down to a floor:

  .. math:: c(b) = \max\Bigl(c_\text{min},\;
            m\,L \ominus \Bigl\lfloor \frac{L}{I_\text{eff}} \Bigr\rfloor (b - b_L)\Bigr),
            \quad m = \begin{cases} 1 & b_L = 0 \\ 2 & \text{otherwise}\end{cases}

  with :math:`L` = ``NetworkLastLockCost`` (the last lock paid), :math:`b_L` the block of the
  last registration, :math:`c_\text{min}` = ``NetworkMinLockCost`` (1000 TAO) and the
  effective interval :math:`I_\text{eff} = \lfloor I \cdot e / 10^9 \rfloor`
  (``get_lock_reduction_interval``: ``NetworkLockReductionInterval`` scaled by the block
  emission, so it halves with each emission halving). Each registration pays
  :math:`c(b)` and sets :math:`L = c(b)`, :math:`b_L = b`.
* **Immunity** (``get_neuron_is_immune``): a neuron registered at block :math:`r` is immune
  while ``current_block - r < ImmunityPeriod``.
* **Pruning** (``get_neuron_to_prune``, ``subnets/registration.rs``): when a full subnet
  registers a new neuron, the neuron with the lowest ``Emission`` is replaced; ties go to
  the earliest registration, then the lowest uid. Non-immune neurons are preferred, as
  long as more than ``MinNonImmuneUids`` of them remain; the owner's immortal hotkeys are
  never pruned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..chain import fixed as fx64
from ._checks import bool_list, int_list, same_length, u16, u64, u64_array
from .emission import DEFAULT_BLOCK_EMISSION

__all__ = [
    "NETWORK_MIN_LOCK_COST",
    "NETWORK_LOCK_REDUCTION_INTERVAL",
    "IMMUNITY_PERIOD",
    "MIN_NON_IMMUNE_UIDS",
    "IMMUNE_OWNER_UIDS_LIMIT",
    "LockRegistration",
    "lock_reduction_interval",
    "network_lock_cost",
    "simulate_lock_costs",
    "neuron_is_immune",
    "immune_owner_uids",
    "neuron_to_prune",
]

NETWORK_MIN_LOCK_COST = 1_000_000_000_000
"""``InitialNetworkMinLockCost`` of the runtime: 1000 TAO (the test mock uses 100 TAO)."""
NETWORK_LOCK_REDUCTION_INTERVAL = 14 * 7_200
"""``InitialNetworkLockReductionInterval``: 14 days of blocks. Mainnet storage was set to
57_600 (8 days) by the migration ``migrate_network_lock_reduction_interval``."""
IMMUNITY_PERIOD = 5_000
"""``ImmunityPeriod`` that ``init_new_network`` gives every new subnet (the storage
default ``InitialImmunityPeriod`` is 4096)."""
MIN_NON_IMMUNE_UIDS = 10
"""``DefaultMinNonImmuneUids``."""
IMMUNE_OWNER_UIDS_LIMIT = 1
"""``DefaultImmuneOwnerUidsLimit`` (settable between 1 and 10)."""


def lock_reduction_interval(
    interval: int = NETWORK_LOCK_REDUCTION_INTERVAL, block_emission: int = DEFAULT_BLOCK_EMISSION
) -> int:
    r"""The effective lock reduction interval (``get_lock_reduction_interval``).

    In ``I64F64``: :math:`\lfloor I \cdot \operatorname{checked\_div}(e, 10^9) \rfloor`, so
    the interval halves with every emission halving.

    Parameters
    ----------
    interval : int, default NETWORK_LOCK_REDUCTION_INTERVAL
        ``NetworkLockReductionInterval`` in blocks.
    block_emission : int, default DEFAULT_BLOCK_EMISSION
        The current block emission in rao (``calculate_block_emission``).

    Returns
    -------
    int
        Blocks.

    Examples
    --------
    >>> lock_reduction_interval(100_800, 500_000_000)
    50400
    """
    i = u64(interval, "interval")
    e = u64(block_emission, "block_emission")
    halving = fx64.i64f64_checked_div(fx64.i64f64_from_int(e), fx64.i64f64_from_int(10**9))
    halved = fx64.i64f64_mul(fx64.i64f64_from_int(i), 0 if halving is None else halving)
    return fx64.fixed64_to_u64(halved)


def network_lock_cost(
    last_lock: int,
    last_lock_block: int,
    current_block: int,
    min_lock: int = NETWORK_MIN_LOCK_COST,
    interval: int = NETWORK_LOCK_REDUCTION_INTERVAL,
    block_emission: int = DEFAULT_BLOCK_EMISSION,
) -> int:
    r"""The TAO a subnet registration locks at ``current_block`` (``get_network_lock_cost``).

    .. math:: c = \max\bigl(c_\text{min},\; m L \ominus \lfloor L / I_\text{eff} \rfloor
              \cdot (b \ominus b_L)\bigr)

    with saturating ``u64`` arithmetic, :math:`m = 1` if ``last_lock_block == 0`` (never
    registered) else 2, and :math:`I_\text{eff}` = :func:`lock_reduction_interval`
    (``safe_div``: no decay when it is 0).

    Parameters
    ----------
    last_lock : int
        ``NetworkLastLockCost`` in rao (defaults to ``NetworkMinLockCost`` on chain).
    last_lock_block : int
        Block of the last subnet registration (0 if none).
    current_block : int
        The current block.
    min_lock : int, default NETWORK_MIN_LOCK_COST
        ``NetworkMinLockCost`` in rao.
    interval : int, default NETWORK_LOCK_REDUCTION_INTERVAL
        ``NetworkLockReductionInterval`` in blocks.
    block_emission : int, default DEFAULT_BLOCK_EMISSION
        The current block emission in rao (scales the interval).

    Returns
    -------
    int
        The lock cost in rao.

    Examples
    --------
    >>> network_lock_cost(1_000_000_000_000, 100, 100) / 1e9
    2000.0
    >>> network_lock_cost(1_000_000_000_000, 100, 100 + 100_800)  # floor(L / I) per block
    1000000092800
    """
    L = u64(last_lock, "last_lock")
    b_l = u64(last_lock_block, "last_lock_block")
    b = u64(current_block, "current_block")
    c_min = u64(min_lock, "min_lock")
    i_eff = lock_reduction_interval(interval, block_emission)
    u64_max = (1 << 64) - 1
    mult = 1 if b_l == 0 else 2
    per_block = L // i_eff if i_eff else 0
    decay = min(per_block * max(b - b_l, 0), u64_max)
    cost = max(min(L * mult, u64_max) - decay, 0)
    return max(cost, c_min)


@dataclass(frozen=True)
class LockRegistration:
    """Lock costs paid by a sequence of subnet registrations.

    Attributes
    ----------
    blocks : numpy.ndarray of uint64
        The registration blocks.
    costs : numpy.ndarray of uint64
        Rao locked by each registration.
    last_lock : int
        ``NetworkLastLockCost`` after the last registration.
    last_lock_block : int
        Block of the last registration.
    """

    blocks: NDArray[np.uint64]
    costs: NDArray[np.uint64]
    last_lock: int
    last_lock_block: int


def simulate_lock_costs(
    blocks,
    last_lock: int = NETWORK_MIN_LOCK_COST,
    last_lock_block: int = 0,
    min_lock: int = NETWORK_MIN_LOCK_COST,
    interval: int = NETWORK_LOCK_REDUCTION_INTERVAL,
    block_emission: int = DEFAULT_BLOCK_EMISSION,
) -> LockRegistration:
    """Lock costs of subnet registrations at the given blocks (``do_register_network``).

    Each registration pays :func:`network_lock_cost` and then sets ``NetworkLastLockCost``
    to what it paid and the last-lock block to its block, so back-to-back registrations
    double the cost and it decays back over the interval.

    Parameters
    ----------
    blocks : sequence of int
        Registration blocks, non-decreasing.
    last_lock : int, default NETWORK_MIN_LOCK_COST
        ``NetworkLastLockCost`` before the first registration.
    last_lock_block : int, default 0
        Block of the registration before the first one (0: none).
    min_lock : int, default NETWORK_MIN_LOCK_COST
        ``NetworkMinLockCost``.
    interval : int, default NETWORK_LOCK_REDUCTION_INTERVAL
        ``NetworkLockReductionInterval``.
    block_emission : int, default DEFAULT_BLOCK_EMISSION
        The block emission (held constant).

    Returns
    -------
    LockRegistration
        The cost of each registration and the state after the last.

    Examples
    --------
    >>> [c // 10**9 for c in simulate_lock_costs([1, 1, 1]).costs.tolist()]
    [1000, 2000, 4000]
    """
    bs = int_list(blocks, "blocks")
    if any(b2 < b1 for b1, b2 in zip(bs, bs[1:], strict=False)):
        raise ValueError("blocks must be non-decreasing")
    L, b_l = u64(last_lock, "last_lock"), u64(last_lock_block, "last_lock_block")
    costs = []
    for b in bs:
        c = network_lock_cost(L, b_l, b, min_lock, interval, block_emission)
        costs.append(c)
        L, b_l = c, b
    return LockRegistration(
        blocks=u64_array(bs), costs=u64_array(costs), last_lock=L, last_lock_block=b_l
    )


def neuron_is_immune(
    block_at_registration, current_block: int, immunity_period: int = IMMUNITY_PERIOD
) -> NDArray[np.bool_]:
    r"""Which neurons are in their immunity period (``get_neuron_is_immune``).

    .. math:: (b - r_i) \ominus < \text{ImmunityPeriod}

    (``saturating_sub``: a registration block in the future counts as 0 blocks ago).

    Parameters
    ----------
    block_at_registration : sequence of int
        ``BlockAtRegistration`` per uid.
    current_block : int
        The current block.
    immunity_period : int, default IMMUNITY_PERIOD
        ``ImmunityPeriod`` of the subnet (``u16``).

    Returns
    -------
    numpy.ndarray of bool
    """
    regs = int_list(block_at_registration, "block_at_registration")
    b = u64(current_block, "current_block")
    period = u16(immunity_period, "immunity_period")
    return np.array([max(b - r, 0) < period for r in regs], dtype=bool)


def immune_owner_uids(
    owner_uids, block_at_registration, owner_hotkey_uid=None, limit: int = IMMUNE_OWNER_UIDS_LIMIT
) -> list[int]:
    """The subnet owner's immortal uids (``get_immune_owner_tuples``).

    The owner coldkey's hotkeys registered on the subnet are sorted by registration
    block, then uid (ascending), and the first ``limit`` kept; the subnet owner hotkey
    (``SubnetOwnerHotkey``) is put first if it is registered and not already kept, and
    the list is cut to ``limit`` again.

    Parameters
    ----------
    owner_uids : sequence of int
        Uids of the owner coldkey's hotkeys on the subnet (``OwnedHotkeys`` with a uid).
    block_at_registration : sequence of int
        ``BlockAtRegistration`` of those uids, in the same order.
    owner_hotkey_uid : int, optional
        Uid of ``SubnetOwnerHotkey`` if it is registered on the subnet.
    limit : int, default IMMUNE_OWNER_UIDS_LIMIT
        ``ImmuneOwnerUidsLimit``.

    Returns
    -------
    list of int
        The immortal uids, owner hotkey first.

    Examples
    --------
    >>> immune_owner_uids([4, 2, 7], [10, 10, 5], owner_hotkey_uid=0, limit=2)
    [0, 7]
    """
    uids = int_list(owner_uids, "owner_uids", 0, 65_535)
    regs = int_list(block_at_registration, "block_at_registration")
    same_length("owner_uids", uids, "block_at_registration", regs)
    lim = u16(limit, "limit")
    kept = [u for _, u in sorted(zip(regs, uids, strict=True))][:lim]
    if owner_hotkey_uid is not None:
        owner = u16(owner_hotkey_uid, "owner_hotkey_uid")
        if owner not in kept:
            kept.insert(0, owner)
            kept = kept[:lim]
    return kept


def neuron_to_prune(
    emission,
    block_at_registration,
    current_block: int,
    immunity_period: int = IMMUNITY_PERIOD,
    immortal=None,
    min_non_immune_uids: int = MIN_NON_IMMUNE_UIDS,
) -> int | None:
    r"""The uid a full subnet replaces on the next registration (``get_neuron_to_prune``).

    Among the uids that are not immortal (the owner's, :func:`immune_owner_uids`), the
    best candidate minimizes the key ``(Emission, BlockAtRegistration, uid)``
    lexicographically: the lowest emission, on a tie the earliest registration, then the
    lowest uid. Candidates are kept separately for non-immune and immune uids
    (:func:`neuron_is_immune`). The non-immune candidate is returned if there are more
    than ``min_non_immune_uids`` non-immune uids; otherwise the immune candidate (if
    any). ``None`` when no uid is a candidate.

    Parameters
    ----------
    emission : sequence of int
        ``Emission`` per uid in rao (the last epoch's emission, the pruning score).
    block_at_registration : sequence of int
        ``BlockAtRegistration`` per uid.
    current_block : int
        The current block.
    immunity_period : int, default IMMUNITY_PERIOD
        ``ImmunityPeriod`` of the subnet.
    immortal : sequence of bool, optional
        Uids never pruned (the owner's immortal hotkeys); default none.
    min_non_immune_uids : int, default MIN_NON_IMMUNE_UIDS
        ``MinNonImmuneUids``: the safety floor of non-immune uids.

    Returns
    -------
    int or None

    Examples
    --------
    >>> neuron_to_prune([10, 10, 1], [850, 800, 990], 1_000, 100, min_non_immune_uids=0)
    1
    """
    em = int_list(emission, "emission")
    regs = int_list(block_at_registration, "block_at_registration")
    same_length("emission", em, "block_at_registration", regs)
    immune = neuron_is_immune(regs, current_block, immunity_period)
    keep_out = bool_list(immortal, "immortal", len(em), False)
    floor = u16(min_non_immune_uids, "min_non_immune_uids")
    best_free = best_immune = None
    free_count = 0
    for uid, (e, r) in enumerate(zip(em, regs, strict=True)):
        if keep_out[uid]:
            continue
        key = (e, r, uid)
        if immune[uid]:
            if best_immune is None or key < best_immune:
                best_immune = key
        else:
            free_count += 1
            if best_free is None or key < best_free:
                best_free = key
    if best_free is not None and free_count > floor:
        return best_free[2]
    return None if best_immune is None else best_immune[2]

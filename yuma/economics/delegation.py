r"""Validator take, nominators, and the childkey/parent split of dividends.

Three rules of the chain, each returning integer rao that add up exactly to the input:

* :func:`hotkey_take` -- the validator (hotkey) take at HEAD
  (``run_coinbase.rs::distribute_dividends_and_incentives``): ``Delegates`` take
  ``t/65535`` (``get_hotkey_take_float``, ``U96F32``) of a dividend goes to the hotkey's
  owner coldkey, the rest to the hotkey's share pool (its nominators).
* :func:`nominator_split` -- that rest per nominator, pro rata to stake. At HEAD it is
  added to the hotkey's share pool (``increase_stake_for_hotkey_on_subnet``) and each
  nominator owns it through their shares; the pre-dTAO chain (``drain_hotkey_emission``,
  removed in ``e2b8367b8``) paid each nominator explicitly in ``I64F64``.
* :func:`childkey_split` -- ``get_parent_child_dividends_distribution``: a hotkey's
  dividend is shared with the parent hotkeys that lend it stake, in proportion to their
  contributions; a parent on another coldkey pays the ``ChildkeyTake`` to the child and
  the ``CKBurn`` share is recycled.

Take ranges (``runtime/src/lib.rs``): delegate take ``MinDelegateTake = 0`` to
``MaxDelegateTake = 11_796`` (18%), default 11_796 (``InitialDefaultDelegateTake``);
childkey take ``MinChildkeyTake = 0`` to ``MaxChildkeyTake = 11_796``, default 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..chain import fixed as fx64
from ._checks import U16_MAX, U64_MAX, bool_list, int_list, same_length, u16, u64, u64_array
from ._fx import U96F32

__all__ = [
    "DEFAULT_DELEGATE_TAKE",
    "MIN_DELEGATE_TAKE",
    "MAX_DELEGATE_TAKE",
    "DEFAULT_CHILDKEY_TAKE",
    "MIN_CHILDKEY_TAKE",
    "MAX_CHILDKEY_TAKE",
    "DEFAULT_CK_BURN",
    "DEFAULT_TAO_WEIGHT",
    "TakeSplit",
    "NominatorSplit",
    "ChildkeySplit",
    "tao_weight_fixed",
    "take_fixed",
    "hotkey_take",
    "nominator_split",
    "childkey_split",
]

DEFAULT_DELEGATE_TAKE = 11_796
"""``InitialDefaultDelegateTake``: the ``Delegates`` default, 11_796/65535 (18%)."""
MIN_DELEGATE_TAKE = 0
"""``InitialMinDelegateTake`` of the runtime (the test mock uses 5_898)."""
MAX_DELEGATE_TAKE = 11_796
"""``MaxDelegateTake`` default (= ``InitialDefaultDelegateTake``)."""
DEFAULT_CHILDKEY_TAKE = 0
"""``InitialDefaultChildKeyTake``."""
MIN_CHILDKEY_TAKE = 0
"""``InitialMinChildKeyTake``."""
MAX_CHILDKEY_TAKE = 11_796
"""``InitialMaxChildKeyTake`` (18%)."""
DEFAULT_CK_BURN = 0
"""``DefaultCKBurn``: the share (of ``u64::MAX``) of a cross-coldkey parent's dividend recycled."""
DEFAULT_TAO_WEIGHT = 971_718_665_099_567_868
"""``InitialTaoWeight``: ``TaoWeight / u64::MAX`` is about 0.0527, the weight of root TAO."""

_I64_MAX = (1 << 63) - 1


def tao_weight_fixed(tao_weight: int = DEFAULT_TAO_WEIGHT) -> int:
    r"""``get_tao_weight``: ``TaoWeight / u64::MAX`` as ``U96F32`` bits.

    .. math:: \text{bits} = \operatorname{trunc}(2^{32}\,\text{TaoWeight} / (2^{64}-1))

    Parameters
    ----------
    tao_weight : int, default DEFAULT_TAO_WEIGHT
        The ``TaoWeight`` storage value (``u64``).

    Returns
    -------
    int
        ``U96F32`` bits (value = bits / 2**32).
    """
    w = u64(tao_weight, "tao_weight")
    return U96F32.safe_div(U96F32.from_int(w), U96F32.from_int(U64_MAX))


def take_fixed(take: int) -> int:
    r"""A ``u16`` take as ``U96F32`` bits: ``safe_div(take, u16::MAX)``.

    This is ``get_hotkey_take_float``, ``get_float_subnet_owner_cut`` and the childkey
    take proportion of the chain.

    Parameters
    ----------
    take : int
        ``u16``, the proportion ``take / 65535``.

    Returns
    -------
    int
        ``U96F32`` bits.
    """
    t = u16(take, "take")
    return U96F32.safe_div(U96F32.from_int(t), U96F32.from_int(U16_MAX))


def _check_take(take, name: str, min_take: int, max_take: int) -> int:
    lo = u16(min_take, f"min_{name}")
    hi = u16(max_take, f"max_{name}")
    if lo > hi:
        raise ValueError(f"min_{name} ({lo}) must not exceed max_{name} ({hi})")
    return u16(take, name, lo, hi)


@dataclass(frozen=True)
class TakeSplit:
    """A dividend split into the validator's take and the rest.

    Attributes
    ----------
    take : int
        Rao staked to (hotkey, owner coldkey).
    rest : int
        Rao added to the hotkey's share pool (the nominators, owner included).
    remainder : int
        Rao lost to flooring (0 or 1): ``amount - take - rest``; no account receives it.
    """

    take: int
    rest: int
    remainder: int


def hotkey_take(
    amount: int,
    take: int = DEFAULT_DELEGATE_TAKE,
    min_take: int = MIN_DELEGATE_TAKE,
    max_take: int = MAX_DELEGATE_TAKE,
) -> TakeSplit:
    r"""The validator take of a dividend, as at HEAD (``distribute_dividends_and_incentives``).

    In ``U96F32``:

    .. math:: \tau = \operatorname{safe\_div}(t, 65535), \quad
              \text{take} = \lfloor \tau \cdot a \rfloor_{\text{fx}}, \quad
              \text{rest} = a \ominus \text{take}

    then each is floored to ``u64`` (``tou64!``). The chain stakes ``take`` to the
    hotkey's owner coldkey (``increase_stake_for_hotkey_and_coldkey_on_subnet``) and
    ``rest`` to the hotkey's pool (``increase_stake_for_hotkey_on_subnet``).

    Parameters
    ----------
    amount : int
        Dividend in rao (``u64``).
    take : int, default DEFAULT_DELEGATE_TAKE
        ``Delegates`` take, ``u16`` proportion of 65535.
    min_take, max_take : int
        Allowed range of ``take`` (``MinDelegateTake``, ``MaxDelegateTake``).

    Returns
    -------
    TakeSplit
        ``take + rest + remainder == amount``.

    Raises
    ------
    ValueError
        If ``amount`` is not a ``u64`` or ``take`` is outside ``[min_take, max_take]``.

    Examples
    --------
    >>> hotkey_take(1_000_000_000)
    TakeSplit(take=179995422, rest=820004577, remainder=1)
    """
    a = u64(amount, "amount")
    t = _check_take(take, "take", min_take, max_take)
    a_fx = U96F32.from_int(a)
    take_fx = U96F32.mul(take_fixed(t), a_fx)
    rest_fx = U96F32.sub(a_fx, take_fx)
    take_rao, rest_rao = U96F32.to_u64(take_fx), U96F32.to_u64(rest_fx)
    return TakeSplit(take=take_rao, rest=rest_rao, remainder=a - take_rao - rest_rao)


@dataclass(frozen=True)
class NominatorSplit:
    """A hotkey's dividend split into its take and each nominator's share.

    Attributes
    ----------
    take : int
        Rao of the validator take.
    nominators : numpy.ndarray of uint64
        Rao per nominator, in the order of the stakes given.
    remainder : int
        ``amount - take - sum(nominators)``; where the chain sends it depends on ``rule``
        (see :func:`nominator_split`).
    rule : str
        ``"head"`` or ``"pre_dtao"``.
    """

    take: int
    nominators: NDArray[np.uint64]
    remainder: int
    rule: str


def nominator_split(
    amount: int,
    stakes,
    take: int = DEFAULT_DELEGATE_TAKE,
    rule: str = "head",
    min_take: int = MIN_DELEGATE_TAKE,
    max_take: int = MAX_DELEGATE_TAKE,
) -> NominatorSplit:
    r"""The take, then the rest of a dividend to nominators pro rata to their stake.

    ``rule="head"``: the take is :func:`hotkey_take`; the rest ``R`` joins the hotkey's
    share pool, so nominator ``i`` with stake :math:`s_i` gains
    :math:`\lfloor R\, s_i / \sum_k s_k \rfloor` (exact rational floor; the pool's own
    fixed-point rounding when a stake is read is not modelled). The remainder (flooring,
    and all of ``R`` when every stake is 0) stays in the pool unowned, or, for the
    take's 1-rao floor, is never staked.

    ``rule="pre_dtao"`` (``drain_hotkey_emission`` before ``e2b8367b8``), in ``I64F64``:

    .. math:: \text{take} = \lfloor (t \oslash 65535) \cdot a \rfloor, \quad
              n_i = \bigl\lfloor \operatorname{checked\_div}(s_i, \textstyle\sum s)
              \cdot (a - \text{take}) \bigr\rfloor

    and the chain adds the remainder ``a - take - sum(n)`` to the hotkey's own stake
    (``hotkey_take + remainder``). Assumes no mining emission and no stake added since
    the last drain (the chain's ``untouchable`` and ``nonviable`` parts are 0).

    Parameters
    ----------
    amount : int
        Dividend in rao (``u64``; below 2**63 for ``"pre_dtao"``, where the chain's
        ``I64F64::from_num`` would panic).
    stakes : sequence of int
        Each nominator's stake on the hotkey in rao (``u64``; the owner's own stake is
        one of them).
    take : int, default DEFAULT_DELEGATE_TAKE
        ``Delegates`` take, ``u16`` proportion of 65535.
    rule : {"head", "pre_dtao"}
        Which chain version to follow.
    min_take, max_take : int
        Allowed range of ``take``.

    Returns
    -------
    NominatorSplit
        ``take + sum(nominators) + remainder == amount``.

    Raises
    ------
    ValueError
        For a bad ``amount``, ``stakes``, ``take`` or ``rule``.

    Examples
    --------
    >>> s = nominator_split(1_000, [300, 100])
    >>> s.take, s.nominators.tolist(), s.remainder
    (179, [615, 205], 1)
    """
    a = u64(amount, "amount")
    t = _check_take(take, "take", min_take, max_take)
    if rule not in ("head", "pre_dtao"):
        raise ValueError(f"rule must be 'head' or 'pre_dtao', got {rule!r}")
    if rule == "head":
        s = int_list(stakes, "stakes")
        split = hotkey_take(a, t, t, t)
        total = sum(s)
        shares = [split.rest * v // total for v in s] if total else [0] * len(s)
        take_rao = split.take
    else:
        if a > _I64_MAX:
            raise ValueError("amount must be below 2**63 for rule='pre_dtao' (I64F64::from_num)")
        s = int_list(stakes, "stakes", 0, _I64_MAX)
        total = sum(s)
        if total > _I64_MAX:
            raise ValueError("sum of stakes must be below 2**63 for rule='pre_dtao'")
        proportion = fx64.i64f64_checked_div(fx64.i64f64_from_int(t), fx64.i64f64_from_int(65535))
        if proportion is None:  # pragma: no cover (t <= 65535: the quotient is at most 1)
            raise ArithmeticError("take / 65535 failed")
        take_rao = fx64.fixed64_to_u64(fx64.i64f64_mul(proportion, fx64.i64f64_from_int(a)))
        rest = a - take_rao
        shares = []
        for v in s:
            q = fx64.i64f64_checked_div(fx64.i64f64_from_int(v), fx64.i64f64_from_int(total))
            q = 0 if q is None else q
            shares.append(fx64.fixed64_to_u64(fx64.i64f64_mul(q, fx64.i64f64_from_int(rest))))
    remainder = a - take_rao - sum(shares)
    return NominatorSplit(
        take=take_rao, nominators=u64_array(shares), remainder=remainder, rule=rule
    )


@dataclass(frozen=True)
class ChildkeySplit:
    """A hotkey's dividend shared with its parents (``get_parent_child_dividends_distribution``).

    Attributes
    ----------
    parents : numpy.ndarray of uint64
        Rao credited to each parent hotkey (after childkey take and burn).
    child : int
        Rao credited to the hotkey itself: its own part plus every childkey take.
    burned : numpy.ndarray of uint64
        Rao recycled per parent (``CKBurn`` share of a cross-coldkey parent's part).
    child_take : numpy.ndarray of uint64
        Childkey take per parent, floored (already included in ``child``; for display).
    remainder : int
        ``dividend - sum(parents) - child - sum(burned)``: lost to flooring. Negative only
        when ``CKBurn`` plus ``ChildkeyTake`` exceed 100% (the chain's ``saturating_sub``
        then credits more than the dividend; ``sudo_set_ck_burn`` sets no upper bound).
    """

    parents: NDArray[np.uint64]
    child: int
    burned: NDArray[np.uint64]
    child_take: NDArray[np.uint64]
    remainder: int


def _self_contribution(alpha: int, root: int, children: list[int], w: int) -> int:
    r"""``get_self_contribution``: the hotkey's own stake less what it lends its children.

    :math:`\lfloor \alpha (1 - \sum_k q_k) + \rho (1 - \sum_k q_k) w \rfloor` in rao.
    """
    u64_max_fx = U96F32.from_int(U64_MAX)
    remaining_prop = U96F32.one
    for q in children:
        remaining_prop = U96F32.sub(remaining_prop, U96F32.safe_div(U96F32.from_int(q), u64_max_fx))
    self_alpha = U96F32.mul(U96F32.from_int(alpha), remaining_prop)
    self_root = U96F32.mul(U96F32.mul(U96F32.from_int(root), remaining_prop), w)
    return U96F32.to_u64(U96F32.add(self_alpha, self_root))


def _parent_contribution(proportion: int, alpha: int, root: int, w: int) -> int:
    r"""A parent's contribution :math:`c_j = \alpha_j p_j + \rho_j p_j w` (``U96F32`` bits)."""
    prop = U96F32.safe_div(U96F32.from_int(proportion), U96F32.from_int(U64_MAX))
    c_alpha = U96F32.mul(U96F32.from_int(alpha), prop)
    c_root = U96F32.mul(U96F32.mul(U96F32.from_int(root), prop), w)
    return U96F32.add(c_alpha, c_root)


def _parent_cut(parent_emission: int, same_coldkey: bool, burn_prop: int, take_prop: int):
    """A parent's part less ``CKBurn`` and ``ChildkeyTake`` (none on the child's coldkey).

    Returns the credited part, the burned part and the take, as ``U96F32`` bits.
    """
    if same_coldkey:
        return parent_emission, 0, 0
    burn_fx = U96F32.mul(burn_prop, parent_emission)
    take_fx = U96F32.mul(take_prop, parent_emission)
    return U96F32.sub(U96F32.sub(parent_emission, burn_fx), take_fx), burn_fx, take_fx


def childkey_split(
    dividend: int,
    alpha_stake: int,
    root_stake: int,
    parent_proportions,
    parent_alpha_stakes,
    parent_root_stakes,
    parent_same_coldkey=None,
    child_proportions=(),
    childkey_take: int = DEFAULT_CHILDKEY_TAKE,
    ck_burn: int = DEFAULT_CK_BURN,
    tao_weight: int = DEFAULT_TAO_WEIGHT,
) -> ChildkeySplit:
    r"""Share a hotkey's dividend with its parents, as ``get_parent_child_dividends_distribution``.

    All in ``U96F32`` (:math:`w` = :func:`tao_weight_fixed`, proportions :math:`p/(2^{64}-1)`):

    .. math::
        c_\text{self} &= \bigl\lfloor \alpha\,(1 - \textstyle\sum_k q_k) +
                         \rho\,(1 - \textstyle\sum_k q_k)\,w \bigr\rfloor
                         \quad (q_k: \text{this hotkey's own children}) \\
        c_j &= \alpha_j p_j + \rho_j p_j w \quad (\text{parent } j) \\
        e_j &= d \cdot c_j / (c_\text{self} + \textstyle\sum_k c_k)

    A parent on a different coldkey gives :math:`\text{burn}_j = b\,e_j` (``CKBurn``,
    recycled) and :math:`\text{take}_j = \tau\,e_j` (``ChildkeyTake``) to the child.
    Parent ``j`` is credited :math:`\lfloor e_j - \text{burn}_j - \text{take}_j \rfloor`,
    the child :math:`\lfloor d - \sum_j e_j + \sum_j \text{take}_j \rfloor`. With no
    parents the child keeps the whole dividend.

    In the chain the credited amounts are relative: the per-hotkey totals are rescaled
    to the pending validator alpha afterwards (:func:`yuma.economics.split_dividends`),
    while the burned rao are recycled from ``SubnetAlphaOut`` as computed here.

    Parameters
    ----------
    dividend : int
        The hotkey's dividend from the epoch in rao (``u64``).
    alpha_stake, root_stake : int
        The hotkey's own alpha stake on the subnet and TAO stake on root (rao).
    parent_proportions : sequence of int
        Each parent's proportion of its stake lent to this hotkey (``u64``, of
        ``u64::MAX``).
    parent_alpha_stakes, parent_root_stakes : sequence of int
        Each parent's alpha stake on the subnet and TAO stake on root (rao).
    parent_same_coldkey : sequence of bool, optional
        Whether each parent has the child's owner coldkey (no take, no burn). Default:
        all False.
    child_proportions : sequence of int, default ()
        Proportions (``u64``) this hotkey itself lends to its own children.
    childkey_take : int, default DEFAULT_CHILDKEY_TAKE
        ``ChildkeyTake`` of this hotkey on the subnet (``u16`` in
        ``[MIN_CHILDKEY_TAKE, MAX_CHILDKEY_TAKE]``).
    ck_burn : int, default DEFAULT_CK_BURN
        ``CKBurn`` (``u64``, of ``u64::MAX``).
    tao_weight : int, default DEFAULT_TAO_WEIGHT
        ``TaoWeight`` (``u64``, of ``u64::MAX``).

    Returns
    -------
    ChildkeySplit
        ``sum(parents) + child + sum(burned) + remainder == dividend``.

    Raises
    ------
    ValueError
        For out-of-range values or parent sequences of different lengths.

    Examples
    --------
    >>> s = childkey_split(1_000_000, 0, 0, [2**64 - 1], [3_000], [0], tao_weight=0)
    >>> s.parents.tolist(), s.child, s.remainder
    ([1000000], 0, 0)
    """
    d = u64(dividend, "dividend")
    alpha = u64(alpha_stake, "alpha_stake")
    root = u64(root_stake, "root_stake")
    props = int_list(parent_proportions, "parent_proportions")
    p_alpha = int_list(parent_alpha_stakes, "parent_alpha_stakes")
    p_root = int_list(parent_root_stakes, "parent_root_stakes")
    same_length("parent_proportions", props, "parent_alpha_stakes", p_alpha)
    same_length("parent_proportions", props, "parent_root_stakes", p_root)
    same = bool_list(parent_same_coldkey, "parent_same_coldkey", len(props), False)
    children = int_list(child_proportions, "child_proportions")
    take = u16(childkey_take, "childkey_take", MIN_CHILDKEY_TAKE, MAX_CHILDKEY_TAKE)
    burn = u64(ck_burn, "ck_burn")
    w = tao_weight_fixed(tao_weight)

    self_contribution = _self_contribution(alpha, root, children, w)
    contributions = [
        _parent_contribution(p, pa, pr, w) for p, pa, pr in zip(props, p_alpha, p_root, strict=True)
    ]
    total = U96F32.from_int(self_contribution)
    for c in contributions:
        total = U96F32.add(total, c)

    emission = U96F32.from_int(d)
    remaining = emission
    burn_prop = U96F32.safe_div(U96F32.from_int(burn), U96F32.from_int(U64_MAX))
    take_prop = take_fixed(take)
    parents, burned, takes = [], [], []
    total_child_take = 0
    for c, same_ck in zip(contributions, same, strict=True):
        factor = U96F32.checked_div(c, total)
        parent_emission = U96F32.mul(emission, 0 if factor is None else factor)
        remaining = U96F32.sub(remaining, parent_emission)
        credited, burn_fx, take_fx = _parent_cut(parent_emission, same_ck, burn_prop, take_prop)
        total_child_take = U96F32.add(total_child_take, take_fx)
        burned.append(U96F32.to_u64(burn_fx))
        takes.append(U96F32.to_u64(take_fx))
        parents.append(U96F32.to_u64(credited))
    child = U96F32.to_u64(U96F32.add(remaining, total_child_take))
    remainder = d - sum(parents) - child - sum(burned)
    return ChildkeySplit(
        parents=u64_array(parents),
        child=child,
        burned=u64_array(burned),
        child_take=u64_array(takes),
        remainder=remainder,
    )

r"""From the block's TAO emission to subnets, and a subnet's alpha to its participants (HEAD).

Follows ``pallets/subtensor/src/coinbase/run_coinbase.rs`` and ``subnet_emissions.rs``:

1. **Subnet shares** (:func:`price_shares`, :func:`subnet_block_emissions`;
   ``get_shares``, ``get_shares_price_ema``, ``get_subnet_block_emissions``): each
   emitting subnet's share of the block's TAO is its EMA price (``SubnetMovingPrice``)
   over the sum of EMA prices, weighted by ``1 - MinerBurned`` and renormalized, in
   ``U64F64``; subnets with emission disabled get 0 and the others are renormalized.
2. **Pool injection** (:func:`subnet_injection`; ``get_subnet_terms``): the subnet's TAO
   buys into its pool as ``tao_in``/``alpha_in = tao/price``, with ``alpha_in`` capped at
   ``root_proportion * alpha_out``; the TAO above the cap is ``excess_tao`` (swapped).
3. **Per-block alpha split** (:func:`subnet_block_split`; ``emit_to_subnets``): the
   subnet mints ``alpha_out`` = :func:`yuma.economics.block_emission` of its alpha
   issuance; the owner cut (``SubnetOwnerCut``, 11_796/65535) is taken first; of the rest
   half is the miners' (``PendingServerEmission``) and half the validators', from which
   the root proportion is moved out (``PendingRootAlphaDivs``, or recycled when the root
   sell flag is off). Each amount is floored to ``u64`` and accumulates until the epoch.
4. **Distribution at the epoch** (:func:`split_dividends`, :func:`distribute_emission`;
   ``distribute_emission``, ``calculate_dividend_distribution``,
   ``distribute_dividends_and_incentives``): miners receive the epoch's incentive as is;
   if no incentive is paid, validators get the miners' half too; each hotkey's dividend
   is split into an alpha and a root part by its own stakes, each part rescaled to the
   pending pot, and the validator take is cut from both.

Every function returns integer rao with an explicit remainder so that the amounts add up
exactly to the input; the docstrings say where the chain leaves each remainder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._checks import (
    U16_MAX,
    as_int,
    bool_list,
    float_list,
    int_list,
    same_length,
    u16,
    u64,
    u64_array,
)
from ._fx import I96F32, U64F64, U96F32
from .delegation import DEFAULT_DELEGATE_TAKE, DEFAULT_TAO_WEIGHT, take_fixed, tao_weight_fixed

__all__ = [
    "DEFAULT_SUBNET_OWNER_CUT",
    "BlockSplit",
    "SubnetEmissions",
    "Injection",
    "EmissionDistribution",
    "root_proportion",
    "root_sell_flag",
    "price_shares",
    "subnet_block_emissions",
    "subnet_injection",
    "subnet_block_split",
    "split_dividends",
    "distribute_emission",
]

DEFAULT_SUBNET_OWNER_CUT = 11_796
"""``InitialSubnetOwnerCut``: 11_796/65535 (about 18%) of each subnet's ``alpha_out``."""

_HALF = U96F32.from_float(0.5)


def _to_float(bits: int, frac: int) -> float:
    return bits / float(1 << frac)


def root_proportion(
    alpha_issuance: int, root_tao: int, tao_weight: int = DEFAULT_TAO_WEIGHT
) -> int:
    r"""The share of validator emission that belongs to root stake (``root_proportion``).

    In ``U96F32`` (:math:`w` = ``TaoWeight / u64::MAX``):

    .. math:: p = \frac{w \cdot \text{SubnetTAO[root]}}
                       {w \cdot \text{SubnetTAO[root]} + \text{alpha\_issuance}}

    (``checked_div``, 0 when the denominator is 0). As a subnet's alpha issuance grows,
    the proportion falls.

    Parameters
    ----------
    alpha_issuance : int
        ``SubnetAlphaIn + SubnetAlphaOut`` of the subnet in rao (``u64``).
    root_tao : int
        ``SubnetTAO`` of the root subnet in rao (``u64``).
    tao_weight : int, default DEFAULT_TAO_WEIGHT
        ``TaoWeight`` (``u64``, of ``u64::MAX``).

    Returns
    -------
    int
        ``U96F32`` bits (value = bits / 2**32).

    Examples
    --------
    >>> root_proportion(1_000, 1_000, 2**64 - 1) / 2**32
    0.5
    """
    alpha = U96F32.from_int(u64(alpha_issuance, "alpha_issuance"))
    root = U96F32.from_int(u64(root_tao, "root_tao"))
    weighted = U96F32.mul(root, tao_weight_fixed(tao_weight))
    q = U96F32.checked_div(weighted, U96F32.add(weighted, alpha))
    return 0 if q is None else q


def _prices_u64f64(moving_prices, name: str) -> list[int]:
    # SubnetMovingPrice is an I96F32; U64F64::saturating_from_num widens it exactly.
    prices = float_list(moving_prices, name)
    return [U64F64.from_fixed(I96F32.from_float(p), I96F32) for p in prices]


def root_sell_flag(moving_prices) -> bool:
    r"""``get_network_root_sell_flag``: whether the emitting subnets' EMA prices sum above 1.

    .. math:: \textstyle\sum_i \text{SubnetMovingPrice}_i > 1 \quad (\texttt{U64F64})

    When it is False, the root part of validator alpha is recycled instead of going to
    ``PendingRootAlphaDivs``.

    Parameters
    ----------
    moving_prices : sequence of float
        EMA price (TAO per alpha) of each emitting subnet (``>= 0``).

    Returns
    -------
    bool
    """
    total = 0
    for p in _prices_u64f64(moving_prices, "moving_prices"):
        total = U64F64.add(total, p)
    return total > U64F64.one


def price_shares(moving_prices, miner_burned=None) -> tuple[int, ...]:
    r"""Each emitting subnet's share of the block emission (``get_shares``), ``U64F64`` bits.

    .. math::
        \pi_i = \operatorname{checked\_div}(P_i, \textstyle\sum_k P_k), \quad
        v_i = \pi_i\,(1 - \min(b_i, 1)), \quad
        \text{share}_i = v_i / \textstyle\sum_k v_k

    with :math:`P` the EMA prices and :math:`b` ``MinerBurned`` (the share of miner
    emission withheld by the owner last epoch). If every :math:`v_i` is 0 the chain falls
    back to :math:`\pi`. Before dTAO (``e2b8367b8``) the shares came from the root network
    instead (:func:`yuma.economics.root_epoch`).

    Parameters
    ----------
    moving_prices : sequence of float
        ``SubnetMovingPrice`` of each emitting subnet (stable subnets and root use 1.0);
        converted to ``I96F32`` as the chain stores it (nearest).
    miner_burned : sequence of float, optional
        ``MinerBurned`` of each subnet in [0, 1] (``U96F32``); default all 0.

    Returns
    -------
    tuple of int
        ``U64F64`` bits (value = bits / 2**64), summing to at most 1 (truncation).

    Examples
    --------
    >>> [s / 2**64 for s in price_shares([1.0, 3.0])]
    [0.25, 0.75]
    """
    prices = _prices_u64f64(moving_prices, "moving_prices")
    n = len(prices)
    if miner_burned is None:
        burned = [0] * n
    else:
        b = float_list(miner_burned, "miner_burned")
        if len(b) != n:
            raise ValueError(f"miner_burned must have the length of moving_prices ({n})")
        burned = [U64F64.from_fixed(U96F32.from_float(v), U96F32) for v in b]
    total = 0
    for p in prices:
        total = U64F64.add(total, p)
    shares = []
    for p in prices:
        q = U64F64.checked_div(p, total)
        shares.append(0 if q is None else q)
    one = U64F64.one
    weighted = [
        U64F64.mul(s, U64F64.sub(one, min(b, one))) for s, b in zip(shares, burned, strict=True)
    ]
    total_weight = 0
    for w in weighted:
        total_weight = U64F64.add(total_weight, w)
    if total_weight > 0:
        return tuple(U64F64.safe_div(w, total_weight) for w in weighted)
    return tuple(shares)


@dataclass(frozen=True)
class SubnetEmissions:
    """The block's TAO emission divided among subnets.

    Attributes
    ----------
    shares : tuple of int
        ``U64F64`` bits of each subnet's share after the emission-disabled renormalization.
    emission_bits : tuple of int
        ``U96F32`` bits of each subnet's TAO emission this block (what the chain carries on).
    emission : numpy.ndarray of uint64
        The same, floored to rao.
    remainder : int
        ``block_emission - sum(emission)``: not assigned to any subnet. On chain the
        subnets' amounts stay fixed point until ``inject_and_maybe_swap`` floors
        ``tao_in`` and ``excess_tao`` separately; what is left of the block's credit is
        recycled (``recycle_credit``).
    """

    shares: tuple[int, ...]
    emission_bits: tuple[int, ...]
    emission: NDArray[np.uint64]
    remainder: int

    @property
    def shares_float(self) -> NDArray[np.float64]:
        """The shares as floats."""
        return np.array([_to_float(s, 64) for s in self.shares])


def subnet_block_emissions(
    block_emission: int, moving_prices, miner_burned=None, emission_enabled=None
) -> SubnetEmissions:
    r"""Each subnet's TAO emission this block (``get_subnet_block_emissions``).

    .. math:: E_i = \bigl\lfloor e \cdot \text{share}'_i \bigr\rfloor_{\texttt{U64F64}
              \to \texttt{U96F32}}

    where :math:`\text{share}'` is :func:`price_shares`, and, if some subnet has
    ``SubnetEmissionEnabled = false``, the enabled subnets' shares divided by their sum
    (disabled subnets get 0 but stay in the map, so their alpha is still minted).

    Parameters
    ----------
    block_emission : int
        The block's TAO emission in rao (:func:`yuma.economics.block_emission`).
    moving_prices : sequence of float
        ``SubnetMovingPrice`` of each emitting subnet.
    miner_burned : sequence of float, optional
        ``MinerBurned`` per subnet (default 0).
    emission_enabled : sequence of bool, optional
        ``SubnetEmissionEnabled`` per subnet (default all True).

    Returns
    -------
    SubnetEmissions
        ``sum(emission) + remainder == block_emission``.

    Examples
    --------
    >>> r = subnet_block_emissions(1_000_000_000, [1.0, 1.0, 2.0])
    >>> r.emission.tolist(), r.remainder
    ([250000000, 250000000, 500000000], 0)
    """
    e = u64(block_emission, "block_emission")
    shares = list(price_shares(moving_prices, miner_burned))
    enabled = bool_list(emission_enabled, "emission_enabled", len(shares), True)
    if not all(enabled):
        enabled_sum = 0
        for s, on in zip(shares, enabled, strict=True):
            if on:
                enabled_sum = U64F64.add(enabled_sum, s)
        shares = [
            U64F64.safe_div(s, enabled_sum) if on and enabled_sum > 0 else 0
            for s, on in zip(shares, enabled, strict=True)
        ]
    e_fx = U64F64.from_int(e)
    bits = [U96F32.from_fixed(U64F64.mul(e_fx, s), U64F64) for s in shares]
    rao = [U96F32.to_u64(b) for b in bits]
    return SubnetEmissions(
        shares=tuple(shares),
        emission_bits=tuple(bits),
        emission=u64_array(rao),
        remainder=e - sum(rao),
    )


@dataclass(frozen=True)
class Injection:
    """A subnet's TAO emission as pool injection (``get_subnet_terms``).

    Attributes
    ----------
    tao_in : int
        Rao of TAO injected into the pool's reserve.
    alpha_in : int
        Rao of alpha injected into the pool's reserve (minted on top of ``alpha_out``).
    excess_tao : int
        Rao of TAO above the cap, used to buy alpha from the pool.
    remainder : int
        ``floor(tao_emission) - tao_in - excess_tao`` (0 or 1): recycled with the block's
        unspent credit.
    """

    tao_in: int
    alpha_in: int
    excess_tao: int
    remainder: int


def subnet_injection(
    tao_emission_bits: int, alpha_emission: int, price: float, root_proportion_bits: int
) -> Injection:
    r"""How a subnet's TAO emission enters its pool (``get_subnet_terms``), in ``U96F32``.

    .. math::
        \alpha_\text{in} = \min\bigl(\operatorname{safe\_div}(T, p),\;
                          \text{root\_proportion}\cdot\alpha_\text{out}\bigr), \quad
        T_\text{in} = \begin{cases} \alpha_\text{in}\,p & \text{if capped} \\
                      T & \text{otherwise}\end{cases}, \quad
        \text{excess} = T \ominus T_\text{in}

    each then floored to rao. The swap itself and ``adjust_protocol_liquidity`` (which
    may inject less) are not modelled.

    Parameters
    ----------
    tao_emission_bits : int
        ``U96F32`` bits of the subnet's TAO emission (``SubnetEmissions.emission_bits``).
    alpha_emission : int
        The subnet's ``alpha_out`` this block in rao.
    price : float
        Current alpha price in TAO (``current_alpha_price``, a ``U64F64``; converted to
        it by nearest, then truncated to ``U96F32`` as the chain does).
    root_proportion_bits : int
        :func:`root_proportion` (``U96F32`` bits).

    Returns
    -------
    Injection
        ``tao_in + excess_tao + remainder == floor(tao_emission)``.
    """
    t = as_int(tao_emission_bits, "tao_emission_bits", 0, U96F32.max)
    a = U96F32.from_int(u64(alpha_emission, "alpha_emission"))
    # current_alpha_price is a U64F64; U96F32::saturating_from_num truncates it
    p = U96F32.from_fixed(U64F64.from_float(float_list([price], "price")[0]), U64F64)
    rp = as_int(root_proportion_bits, "root_proportion_bits", 0, U96F32.one)
    alpha_in = U96F32.safe_div(t, p)
    tao_in = t
    cap = U96F32.mul(rp, a)
    if alpha_in > cap:
        alpha_in = cap
        tao_in = U96F32.mul(alpha_in, p)
    excess = U96F32.sub(t, tao_in)
    tao_in_rao, excess_rao = U96F32.to_u64(tao_in), U96F32.to_u64(excess)
    return Injection(
        tao_in=tao_in_rao,
        alpha_in=U96F32.to_u64(alpha_in),
        excess_tao=excess_rao,
        remainder=U96F32.to_u64(t) - tao_in_rao - excess_rao,
    )


@dataclass(frozen=True)
class BlockSplit:
    """A subnet's alpha emission of one block (or ``blocks`` equal blocks), in rao.

    Attributes
    ----------
    alpha_out : int
        Alpha minted (``SubnetAlphaOutEmission``), times ``blocks``.
    owner_cut : int
        Added to ``PendingOwnerCut``.
    server : int
        Added to ``PendingServerEmission`` (miners).
    validator : int
        Added to ``PendingValidatorEmission`` (alpha dividends).
    root : int
        Added to ``PendingRootAlphaDivs`` (root dividends) when the root sell flag is on.
    root_recycled : int
        The root part recycled (``recycle_subnet_alpha``) when the root sell flag is off.
    remainder : int
        Minted but credited to no pending amount (flooring, at most 4 rao per block): it
        stays in ``SubnetAlphaOut`` without an owner.
    """

    alpha_out: int
    owner_cut: int
    server: int
    validator: int
    root: int
    root_recycled: int
    remainder: int

    @property
    def epoch_budget(self) -> int:
        """``server + validator + root``: what ``distribute_emission`` runs the epoch with."""
        return self.server + self.validator + self.root


def subnet_block_split(
    alpha_out: int,
    root_proportion_bits: int = 0,
    owner_cut: int = DEFAULT_SUBNET_OWNER_CUT,
    owner_cut_enabled: bool = True,
    root_sell: bool = True,
    blocks: int = 1,
) -> BlockSplit:
    r"""Split one block's ``alpha_out`` of a subnet (``emit_to_subnets``), floors included.

    In ``U96F32``, with :math:`a` = ``alpha_out``, :math:`c` = ``owner_cut/65535`` and
    :math:`p` the root proportion:

    .. math::
        o = a\,c, \quad a' = a - o, \quad
        r = p\,a'\cdot\tfrac12, \quad
        s = a'\cdot\tfrac12, \quad
        v = (a' - s) - r

    and each of :math:`o, s, v, r` is floored to rao (``tou64!``) and added to its pending
    amount. With ``blocks > 1`` the per-block amounts are multiplied (the chain floors
    every block separately; exact when ``alpha_out`` and the root proportion do not change
    over those blocks).

    Parameters
    ----------
    alpha_out : int
        Alpha emission of the block in rao (:func:`yuma.economics.block_emission` of the
        subnet's alpha issuance).
    root_proportion_bits : int, default 0
        :func:`root_proportion` (``U96F32`` bits, at most 1.0).
    owner_cut : int, default DEFAULT_SUBNET_OWNER_CUT
        ``SubnetOwnerCut`` (``u16`` of 65535).
    owner_cut_enabled : bool, default True
        ``get_owner_cut_enabled`` for the subnet.
    root_sell : bool, default True
        :func:`root_sell_flag`; when False the root part is recycled.
    blocks : int, default 1
        Number of identical blocks to accumulate (for example a tempo of 360).

    Returns
    -------
    BlockSplit
        ``owner_cut + server + validator + root + root_recycled + remainder ==
        alpha_out`` (all times ``blocks``).

    Examples
    --------
    >>> s = subnet_block_split(1_000_000_000)
    >>> s.owner_cut, s.server, s.validator, s.remainder
    (179995422, 410002288, 410002288, 2)
    """
    a_rao = u64(alpha_out, "alpha_out")
    rp = as_int(root_proportion_bits, "root_proportion_bits", 0, U96F32.one)
    cut = u16(owner_cut, "owner_cut")
    n = u64(blocks, "blocks")
    if not isinstance(owner_cut_enabled, (bool, np.bool_)):
        raise ValueError(f"owner_cut_enabled must be a bool, got {owner_cut_enabled!r}")
    if not isinstance(root_sell, (bool, np.bool_)):
        raise ValueError(f"root_sell must be a bool, got {root_sell!r}")
    a = U96F32.from_int(a_rao)
    owner = 0
    if owner_cut_enabled:
        owner_fx = U96F32.mul(a, take_fixed(cut))
        a = U96F32.sub(a, owner_fx)
        owner = U96F32.to_u64(owner_fx)
    root_fx = U96F32.mul(U96F32.mul(rp, a), _HALF)
    server_fx = U96F32.mul(a, _HALF)
    validator_fx = U96F32.sub(U96F32.sub(a, server_fx), root_fx)
    server, validator, root = (U96F32.to_u64(x) for x in (server_fx, validator_fx, root_fx))
    remainder = a_rao - owner - server - validator - root
    return BlockSplit(
        alpha_out=a_rao * n,
        owner_cut=owner * n,
        server=server * n,
        validator=validator * n,
        root=root * n if root_sell else 0,
        root_recycled=0 if root_sell else root * n,
        remainder=remainder * n,
    )


def split_dividends(
    dividends,
    alpha_stakes,
    root_stakes,
    pending_alpha: int,
    pending_root_alpha: int,
    tao_weight: int = DEFAULT_TAO_WEIGHT,
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    r"""Split each hotkey's dividend into alpha and root parts, rescaled to the pots.

    This is the chain's ``calculate_dividend_distribution``.

    In ``U96F32``, per hotkey with dividend :math:`d_i`, own alpha stake :math:`\alpha_i`
    and root stake :math:`\rho_i` (:math:`w` = ``TaoWeight / u64::MAX``):

    .. math::
        q_i &= \operatorname{checked\_div}(\rho_i w,\; \alpha_i + \rho_i w) \ (\text{or } 0),
        \quad R_i = d_i q_i, \quad A_i = d_i - R_i \\
        \text{alpha}_i &= \text{pending\_alpha}\cdot A_i / \textstyle\sum_k A_k, \quad
        \text{root}_i = \text{pending\_root}\cdot R_i / \textstyle\sum_k R_k

    (each ratio a ``checked_div`` that gives 0 when the sum is 0: then that pot is not
    handed out at all).

    Parameters
    ----------
    dividends : sequence of int
        Each hotkey's dividend from the epoch (after the childkey split) in rao.
    alpha_stakes : sequence of int
        Each hotkey's alpha stake on the subnet (``TotalHotkeyAlpha``) in rao.
    root_stakes : sequence of int
        Each hotkey's TAO stake on root in rao.
    pending_alpha : int
        Validator alpha to hand out (``PendingValidatorEmission``, plus the miners' part
        when no incentive was paid).
    pending_root_alpha : int
        ``PendingRootAlphaDivs``.
    tao_weight : int, default DEFAULT_TAO_WEIGHT
        ``TaoWeight`` (``u64``).

    Returns
    -------
    alpha, root : tuple of int
        ``U96F32`` bits per hotkey of the alpha and root dividends, before the take.
    """
    d = int_list(dividends, "dividends")
    a = int_list(alpha_stakes, "alpha_stakes")
    r = int_list(root_stakes, "root_stakes")
    same_length("dividends", d, "alpha_stakes", a)
    same_length("dividends", d, "root_stakes", r)
    pa = U96F32.from_int(u64(pending_alpha, "pending_alpha"))
    pr = U96F32.from_int(u64(pending_root_alpha, "pending_root_alpha"))
    w = tao_weight_fixed(tao_weight)
    alpha_divs, root_divs = [], []
    total_alpha = total_root = 0
    for di, ai, ri in zip(d, a, r, strict=True):
        div = U96F32.from_int(di)
        root_alpha = U96F32.mul(U96F32.from_int(ri), w)
        total = U96F32.add(U96F32.from_int(ai), root_alpha)
        prop = U96F32.checked_div(root_alpha, total)
        rd = U96F32.mul(div, 0 if prop is None else prop)
        ad = U96F32.sub(div, rd)
        alpha_divs.append(ad)
        root_divs.append(rd)
        total_alpha = U96F32.add(total_alpha, ad)
        total_root = U96F32.add(total_root, rd)

    def rescale(parts: list[int], total: int, pot: int) -> tuple[int, ...]:
        out = []
        for x in parts:
            share = U96F32.checked_div(x, total)
            out.append(U96F32.mul(pot, 0 if share is None else share))
        return tuple(out)

    return rescale(alpha_divs, total_alpha, pa), rescale(root_divs, total_root, pr)


@dataclass(frozen=True)
class EmissionDistribution:
    """Where a subnet's pending emission goes at its epoch, per hotkey, in rao.

    Attributes
    ----------
    owner_cut : int
        Staked to (owner hotkey, owner coldkey).
    incentive : numpy.ndarray of uint64
        Miner incentive staked to each hotkey's owner (or its ``AutoStakeDestination``).
    incentive_withheld : numpy.ndarray of uint64
        Incentive of the owner's hotkeys, burned (default) or recycled.
    alpha_take : numpy.ndarray of uint64
        Validator take of the alpha dividends, staked to (hotkey, owner coldkey).
    alpha_nominators : numpy.ndarray of uint64
        Alpha dividends after take, added to the hotkey's pool (its nominators).
    root_take : numpy.ndarray of uint64
        Validator take of the root dividends, staked as alpha to (hotkey, owner coldkey).
    root_claimable : numpy.ndarray of uint64
        Root dividends after take, made claimable by the hotkey's root stakers.
    validator_alpha : int
        The alpha dividend pot: pending validator alpha, plus the miners' part when no
        incentive was paid (``fallback``).
    fallback : bool
        True when the epoch paid no incentive.
    miner_burned : float
        Withheld over total incentive (stored in ``MinerBurned``; lowers the subnet's
        next emission share).
    total_in : int
        ``pending_server + pending_validator + pending_root + pending_owner_cut``.
    remainder : int
        ``total_in`` minus everything above. It is the flooring dust, plus any pot that
        could not be handed out (no dividends, or no root stake among the earners);
        those rao stay in ``SubnetAlphaOut`` without an owner. It can be negative by
        the few rao the epoch's floored incentives exceed ``pending_server``.
    """

    owner_cut: int
    incentive: NDArray[np.uint64]
    incentive_withheld: NDArray[np.uint64]
    alpha_take: NDArray[np.uint64]
    alpha_nominators: NDArray[np.uint64]
    root_take: NDArray[np.uint64]
    root_claimable: NDArray[np.uint64]
    validator_alpha: int
    fallback: bool
    miner_burned: float
    total_in: int
    remainder: int

    @property
    def paid(self) -> int:
        """Rao handed out or withheld in total (``total_in - remainder``)."""
        return self.total_in - self.remainder


def distribute_emission(
    pending_server: int,
    pending_validator: int,
    pending_root: int,
    pending_owner_cut: int,
    incentive,
    dividends,
    alpha_stakes,
    root_stakes,
    takes=DEFAULT_DELEGATE_TAKE,
    tao_weight: int = DEFAULT_TAO_WEIGHT,
    owner_hotkeys=None,
) -> EmissionDistribution:
    r"""Distribute a subnet's pending emission at its epoch (``distribute_emission``).

    1. The epoch runs with ``pending_server + pending_validator + pending_root`` and
       gives each hotkey an ``incentive`` and a ``dividend`` (inputs here; the dividend
       after the childkey split, :func:`yuma.economics.childkey_split`).
    2. If :math:`\sum \text{incentive} = 0`, the dividend pot is
       ``pending_validator + pending_server`` (the miners' half goes to validators);
       otherwise ``pending_validator``.
    3. :func:`split_dividends` splits the pot and ``pending_root`` over hotkeys.
    4. Per hotkey, the take :math:`\tau = t/65535` is cut from both parts in ``U96F32``
       (:func:`yuma.economics.hotkey_take`); each amount is floored to rao.
    5. Incentive is paid as is; the owner's hotkeys' incentive is withheld (burned or
       recycled) and ``MinerBurned`` records the withheld fraction.
    6. The owner cut is staked to the owner.

    Parameters
    ----------
    pending_server, pending_validator, pending_root, pending_owner_cut : int
        The drained ``PendingServerEmission``, ``PendingValidatorEmission``,
        ``PendingRootAlphaDivs`` and ``PendingOwnerCut`` in rao.
    incentive : sequence of int
        Each hotkey's ``server_emission`` from the epoch in rao.
    dividends : sequence of int
        Each hotkey's ``validator_emission`` from the epoch in rao (used as weights).
    alpha_stakes, root_stakes : sequence of int
        Each hotkey's own alpha stake on the subnet and TAO stake on root in rao.
    takes : int or sequence of int, default DEFAULT_DELEGATE_TAKE
        ``Delegates`` take per hotkey (``u16``), or one for all.
    tao_weight : int, default DEFAULT_TAO_WEIGHT
        ``TaoWeight`` (``u64``).
    owner_hotkeys : sequence of bool, optional
        Which hotkeys belong to the subnet owner (``get_owner_hotkeys``); their incentive
        is withheld. Default: none.

    Returns
    -------
    EmissionDistribution
        Per-hotkey amounts; ``paid + remainder == total_in``.

    Raises
    ------
    ValueError
        For out-of-range amounts or sequences of different lengths.
    """
    ps = u64(pending_server, "pending_server")
    pv = u64(pending_validator, "pending_validator")
    pr = u64(pending_root, "pending_root")
    po = u64(pending_owner_cut, "pending_owner_cut")
    inc = int_list(incentive, "incentive")
    div = int_list(dividends, "dividends")
    same_length("incentive", inc, "dividends", div)
    take_list = _takes_per_hotkey(takes, inc)
    owners = bool_list(owner_hotkeys, "owner_hotkeys", len(inc), False)

    fallback = sum(inc) == 0
    validator_alpha = min(pv + ps, (1 << 64) - 1) if fallback else pv  # saturating_add
    alpha_bits, root_bits = split_dividends(
        div, alpha_stakes, root_stakes, validator_alpha, pr, tao_weight
    )

    alpha_take, alpha_nom = _cut_take(take_list, alpha_bits)
    root_take, root_claim = _cut_take(take_list, root_bits)
    paid_inc = [0 if o else v for v, o in zip(inc, owners, strict=True)]
    withheld = [v if o else 0 for v, o in zip(inc, owners, strict=True)]
    total_inc = sum(inc)
    total_in = ps + pv + pr + po
    paid = po + total_inc + sum(alpha_take) + sum(alpha_nom) + sum(root_take) + sum(root_claim)
    return EmissionDistribution(
        owner_cut=po,
        incentive=u64_array(paid_inc),
        incentive_withheld=u64_array(withheld),
        alpha_take=u64_array(alpha_take),
        alpha_nominators=u64_array(alpha_nom),
        root_take=u64_array(root_take),
        root_claimable=u64_array(root_claim),
        validator_alpha=validator_alpha,
        fallback=fallback,
        miner_burned=_miner_burned(sum(withheld), total_inc),
        total_in=total_in,
        remainder=total_in - paid,
    )


def _takes_per_hotkey(takes, incentive: list[int]) -> list[int]:
    """The ``Delegates`` take of each hotkey (``u16``): one for all, or one each."""
    if np.ndim(takes) == 0:
        return [u16(takes, "takes")] * len(incentive)
    take_list = int_list(takes, "takes", 0, U16_MAX)
    same_length("incentive", incentive, "takes", take_list)
    return take_list


def _cut_take(takes: list[int], amounts_bits) -> tuple[list[int], list[int]]:
    """Per hotkey, the take ``t/65535`` of an amount (``U96F32`` bits) and the rest, in rao."""
    take_rao, rest_rao = [], []
    for t, amount in zip(takes, amounts_bits, strict=True):
        take = U96F32.mul(take_fixed(t), amount)
        take_rao.append(U96F32.to_u64(take))
        rest_rao.append(U96F32.to_u64(U96F32.sub(amount, take)))
    return take_rao, rest_rao


def _miner_burned(total_withheld: int, total_incentive: int) -> float:
    """``MinerBurned``: withheld over total incentive (0 when no incentive was paid)."""
    u64_max = (1 << 64) - 1  # the chain's AlphaBalance sums saturate
    burned = U96F32.checked_div(
        U96F32.from_int(min(total_withheld, u64_max)),
        U96F32.from_int(min(total_incentive, u64_max)),
    )
    return _to_float(0 if burned is None else burned, 32)

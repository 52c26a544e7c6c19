r"""Several mechanisms (sub-subnets) per subnet: the emission split and the combination.

A subnet may run several mechanisms, each with its own weights, bonds, ``LastUpdate`` and
incentive, sharing stake and permits (chain: ``subnets/mechanism.rs``). One epoch runs
each mechanism on its share of the emission and combines the results per UID:

* **split** (``split_emissions``): without ``MechanismEmissionSplit`` each of the ``k``
  mechanisms gets :math:`\lfloor E / k \rfloor`; with a u16 split :math:`s` (summing to
  65535) mechanism :math:`m` gets :math:`\lfloor E s_m / 65535 \rfloor` (u128
  arithmetic). What the floors lose goes to mechanism 0, so the budgets sum to :math:`E`;
* **weight** of mechanism :math:`m`: :math:`\omega_m = E_m / E` in ``U64F64``
  (truncated; for :math:`E = 0`, mechanism 0 gets 1 and the others 0);
* **combination**, over the mechanisms in order: server and validator emissions are
  summed (saturating u64); ``Emission`` and the u16 outputs (``Dividends``,
  ``Consensus``, ``ValidatorTrust``, ``StakeWeight``) are weighted sums
  :math:`a \leftarrow \lfloor a + x_m \omega_m \rfloor` (``weighted_acc_u16`` /
  ``weighted_acc_alpha``: the floor is taken after each mechanism); ``Active`` and the
  new permits are ORed. ``Incentive`` stays per mechanism (the chain's aggregate keeps
  only mechanism 0's weighted incentive and never stores it).

:func:`chain_epoch_with_mechanisms` runs the chain's fixed-point epoch per mechanism;
:func:`epoch_with_mechanisms` runs :func:`yuma.epoch` (float) and turns each
mechanism's shares into rao by flooring, as the chain's ``I96F32 * rao`` does.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._validation import is_integer
from ..chain import ChainState, chain_epoch
from ..result import EpochResult
from .run_epoch import epoch

__all__ = [
    "split_emissions",
    "mechanism_weights",
    "weighted_acc",
    "MechanismsOutput",
    "chain_epoch_with_mechanisms",
    "epoch_with_mechanisms",
    "NullMechanismsOutput",
    "null_epoch_with_mechanisms",
    "chain_null_epoch_with_mechanisms",
]

U64_MAX = (1 << 64) - 1
_U16_MAX = 65535
_ONE_64 = 1 << 64  # U64F64 one


def _u64(value, name: str) -> int:
    if isinstance(value, bool) or not is_integer(value):
        raise ValueError(f"{name} must be an integer in [0, 2**64 - 1], got {value!r}")
    v = int(value)
    if not 0 <= v <= U64_MAX:
        raise ValueError(f"{name} must be an integer in [0, 2**64 - 1], got {v}")
    return v


def _one_per_mechanism(x, name: str, what: str, ndim: int = 3) -> list:
    """A non-empty list (or tuple, or ``ndim``-D array along its first axis), one per mechanism."""
    if isinstance(x, np.ndarray):
        if x.ndim != ndim:
            raise ValueError(f"{name} must hold one {what} per mechanism, got an array of "
                             f"shape {x.shape}")
        x = list(x)
    if not isinstance(x, (list, tuple)) or not x:
        raise ValueError(f"{name} must be a non-empty list, one {what} per mechanism, got "
                         f"{type(x).__name__}")
    return list(x)


def split_emissions(rao_emission: int, count: int = 1, split=None) -> list[int]:
    """Each mechanism's share of the epoch's emission (chain: ``split_emissions``).

    Parameters
    ----------
    rao_emission : int
        The subnet's epoch emission ``E`` (u64).
    count : int
        ``MechanismCountCurrent`` (1 to 255).
    split : sequence of int, optional
        ``MechanismEmissionSplit``: u16 shares summing to 65535. Shorter than ``count``:
        padded with 0; longer: cut (as the chain resizes it).

    Returns
    -------
    list of int
        Budgets that sum to ``rao_emission`` exactly (the floors' remainder goes to
        mechanism 0).

    Raises
    ------
    ValueError
        On a count outside [1, 255], a split entry outside u16, or a split that does not
        sum to 65535.
    """
    e = _u64(rao_emission, "rao_emission")
    if isinstance(count, bool) or not is_integer(count) or not 1 <= count <= 255:
        raise ValueError(f"count must be an integer in [1, 255], got {count!r}")
    count = int(count)
    if split is None:
        out = [e // count] * count
    else:
        shares = _one_per_mechanism(split, "split", "u16 share", ndim=1)
        if not all(is_integer(v) for v in shares):
            raise ValueError("split must hold u16 integers")
        shares = [int(v) for v in shares]
        if any(not 0 <= s <= _U16_MAX for s in shares):
            raise ValueError("split must hold u16 values in [0, 65535]")
        if sum(shares) != _U16_MAX:
            raise ValueError(f"split must sum to 65535, got {sum(shares)}")
        out = [e * s // _U16_MAX for s in shares][:count]
        out += [0] * (count - len(out))
    out[0] += e - sum(out)
    return out


def mechanism_weights(budgets: list[int], rao_emission: int) -> list[int]:
    """``U64F64`` bits of each mechanism's weight ``E_m / E`` (mechanism 0 gets 1 if E = 0).

    Parameters
    ----------
    budgets : list of int
        From :func:`split_emissions`.
    rao_emission : int
        ``E``.

    Returns
    -------
    list of int
        ``floor(2**64 E_m / E)`` per mechanism.
    """
    e = _u64(rao_emission, "rao_emission")
    if e == 0:
        return [_ONE_64 if m == 0 else 0 for m in range(len(budgets))]
    return [(int(b) << 64) // e for b in budgets]


def weighted_acc(existing: np.ndarray, added: np.ndarray, weight_bits: int, cap: int):
    """``floor(existing + added * weight)`` in ``U64F64``, saturating at ``cap``.

    Chain: ``weighted_acc_u16`` (cap 65535) and ``weighted_acc_alpha`` (cap u64::MAX).

    Parameters
    ----------
    existing, added : numpy.ndarray of int
        Accumulated values and this mechanism's values.
    weight_bits : int
        The mechanism's weight in ``U64F64`` bits.
    cap : int
        Largest value of the integer type.

    Returns
    -------
    numpy.ndarray of object (Python int)
    """
    out = []
    for a, x in zip(existing.tolist(), added.tolist(), strict=True):
        total = (int(a) << 64) + int(x) * weight_bits
        out.append(min(total >> 64, cap))
    return np.array(out, dtype=object)


@dataclass(frozen=True, slots=True)
class MechanismsOutput:
    """One subnet epoch over several mechanisms, combined per UID (integers, as stored).

    Attributes
    ----------
    budgets : list of int
        Each mechanism's emission (sums to the epoch's).
    outputs : list
        Each mechanism's own output (:class:`yuma.ChainEpochOutput` or
        :class:`yuma.EpochResult`).
    server_emission, validator_emission : numpy.ndarray of object (int)
        Summed over mechanisms (rao).
    emission : numpy.ndarray of object (int)
        ``Emission``: weighted sum of each mechanism's combined emission.
    dividends, consensus, validator_trust, stake_weight : numpy.ndarray of object (int)
        Weighted sums of the mechanisms' u16 outputs.
    incentive : list of numpy.ndarray
        Per mechanism (the chain stores ``Incentive`` per mechanism).
    active, validator_permit : numpy.ndarray of bool
        ORed over mechanisms.
    """

    budgets: list
    outputs: list
    server_emission: np.ndarray
    validator_emission: np.ndarray
    emission: np.ndarray
    dividends: np.ndarray
    consensus: np.ndarray
    validator_trust: np.ndarray
    stake_weight: np.ndarray
    incentive: list
    active: np.ndarray
    validator_permit: np.ndarray


def _combine(budgets, rao, per_mech: list[dict]) -> dict:
    weights = mechanism_weights(budgets, rao)
    n = len(per_mech[0]["server_emission"])
    zero = np.zeros(n, dtype=object)
    acc = {k: zero for k in ("emission", "dividends", "consensus", "validator_trust",
                             "stake_weight")}
    server, validator = zero, zero
    active = np.zeros(n, dtype=bool)
    permit = np.zeros(n, dtype=bool)
    for w, m in zip(weights, per_mech, strict=True):
        server = np.array([min(a + int(b), U64_MAX) for a, b in zip(server, m["server_emission"],
                                                                     strict=True)], dtype=object)
        validator = np.array(
            [min(a + int(b), U64_MAX) for a, b in zip(validator, m["validator_emission"],
                                                       strict=True)], dtype=object)
        acc["emission"] = weighted_acc(acc["emission"], m["emission"], w, U64_MAX)
        for k in ("dividends", "consensus", "validator_trust", "stake_weight"):
            acc[k] = weighted_acc(acc[k], m[k], w, _U16_MAX)
        active |= m["active"]
        permit |= m["validator_permit"]
    return dict(server_emission=server, validator_emission=validator, active=active,
                validator_permit=permit, **acc)


def _check_one_subnet(states) -> None:
    if (not isinstance(states, (list, tuple)) or not states
            or not all(isinstance(s, ChainState) for s in states)):
        raise ValueError("states must be a non-empty list of ChainState, one per mechanism")
    first = states[0]
    for s in states[1:]:
        if (s.n != first.n or s.block != first.block or not np.array_equal(s.stake, first.stake)
                or not np.array_equal(s.tao_stake, first.tao_stake)
                or not np.array_equal(s.block_at_registration, first.block_at_registration)):
            raise ValueError("states must share n, block, stake and block_at_registration "
                             "(one subnet)")


def chain_epoch_with_mechanisms(
    states: list[ChainState], rao_emission: int, *, split=None, record_step: bool = True
) -> tuple[MechanismsOutput, list[ChainState]]:
    """The chain's ``epoch_with_mechanisms`` in fixed point, bit for bit.

    Parameters
    ----------
    states : list of ChainState
        One per mechanism: its own weights, bonds and ``last_update``; the subnet-level
        fields (stake, permits, hyperparameters, ...) must agree.
    rao_emission : int
        The subnet's epoch emission.
    split : sequence of int, optional
        ``MechanismEmissionSplit`` (see :func:`split_emissions`).
    record_step : bool
        As in :func:`yuma.chain_epoch`.

    Returns
    -------
    output : MechanismsOutput
    new_states : list of ChainState
        Each mechanism's new state; the stored permits are the combined (ORed) ones.

    Raises
    ------
    ValueError
        For no states, or states of different sizes or stakes.
    """
    _check_one_subnet(states)
    budgets = split_emissions(rao_emission, len(states), split)
    outs, news = [], []
    for s, b in zip(states, budgets, strict=True):
        out, new = chain_epoch(s, b, record_step=record_step)
        outs.append(out)
        news.append(new)
    fields = ("server_emission", "validator_emission", "emission", "dividends", "consensus",
              "validator_trust", "stake_weight", "active", "validator_permit")
    combined = _combine(budgets, int(rao_emission), [{f: getattr(o, f) for f in fields}
                                                      for o in outs])
    permit = combined["validator_permit"]
    news = [dataclasses.replace(s, validator_permit=permit.copy()) for s in news]
    return (
        MechanismsOutput(budgets=budgets, outputs=outs, incentive=[o.incentive for o in outs],
                         **combined),
        news,
    )


def _to_u16(x: np.ndarray) -> np.ndarray:
    return np.floor(np.clip(x, 0.0, 1.0) * _U16_MAX).astype(np.int64)


def _shares_to_rao(shares: list[np.ndarray], budget: int) -> list[np.ndarray]:
    r"""Float shares of one budget as rao, exactly: :math:`\lfloor x_i E / \max(1, T)\rfloor`.

    ``T`` is the exact sum of every share given (server and validator shares split one
    budget together). The arithmetic is on the floats' exact rational values, so a budget
    above 2**53 is never rounded to a float, and the payouts sum to at most ``E`` even
    when the float shares add up to a little more than 1.
    """
    values = [[Fraction(float(v)) for v in np.clip(x, 0.0, 1.0).tolist()] for x in shares]
    total = sum((sum(v, Fraction(0)) for v in values), Fraction(0))
    scale = Fraction(int(budget)) / max(Fraction(1), total)
    return [np.array([math.floor(v * scale) for v in vs], dtype=object) for vs in values]


def epoch_with_mechanisms(
    weights: list, stake, bonds: list | None = None, *, rao_emission: int = 1_000_000_000,
    split=None, **kwargs,
) -> MechanismsOutput:
    """Several mechanisms on the float path: :func:`yuma.epoch` per mechanism, combined.

    Each mechanism's shares become rao by flooring (``floor(share * E_m)``, in exact
    rational arithmetic on the float shares, scaled down by their sum when it exceeds 1,
    so no budget up to ``u64::MAX`` pays out more than it has) and its proportions u16
    by ``floor(65535 x)``, as the chain stores them; then the chain's combination. In
    the square form only.

    Parameters
    ----------
    weights : list of array_like, each (n, n)
        Each mechanism's weights.
    stake : array_like, shape (n,)
        Shared raw stake.
    bonds : list of array_like or None, optional
        Each mechanism's bonds (as its previous epoch returned them).
    rao_emission : int
        The subnet's epoch emission.
    split : sequence of int, optional
        ``MechanismEmissionSplit``.
    **kwargs
        Passed to every :func:`yuma.epoch` call (``params``, ``validator_permit``, ...).

    Returns
    -------
    MechanismsOutput
        ``outputs`` holds each mechanism's :class:`yuma.EpochResult`.
    """
    weights = _one_per_mechanism(weights, "weights", "matrix")
    bonds = [None] * len(weights) if bonds is None else _one_per_mechanism(
        bonds, "bonds", "matrix (or None)")
    if len(bonds) != len(weights):
        raise ValueError("bonds must hold one matrix (or None) per mechanism")
    budgets = split_emissions(rao_emission, len(weights), split)
    results: list[EpochResult] = []
    per_mech = []
    for w, b, e in zip(weights, bonds, budgets, strict=True):
        r = epoch(w, stake, b, **kwargs)
        if not r.square:
            raise ValueError("epoch_with_mechanisms needs the square form (n x n weights)")
        results.append(r)
        server, validator = _shares_to_rao([r.server_emission, r.validator_emission], e)
        per_mech.append({
            "server_emission": server,
            "validator_emission": validator,
            "emission": _shares_to_rao([r.emission], e)[0],
            "dividends": _to_u16(r.dividends),
            "consensus": _to_u16(r.consensus),
            "validator_trust": _to_u16(r.validator_trust),
            "stake_weight": _to_u16(r.stake),
            "active": np.asarray(r.active, dtype=bool),
            "validator_permit": np.asarray(r.validator_permit, dtype=bool),
        })
    combined = _combine(budgets, int(rao_emission), per_mech)
    return MechanismsOutput(budgets=budgets, outputs=results,
                            incentive=[_to_u16(r.incentive) for r in results], **combined)


# --------------------------------------------------------------------------------------
# Null consensus with several mechanisms
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NullMechanismsOutput:
    """One Null-consensus subnet epoch over several mechanisms, summed per UID (exact ints).

    Attributes
    ----------
    budgets : list of tuple of int
        Each mechanism's ``(server, validator, root)`` budget; each column sums to the
        subnet's.
    outputs : list of NullEpochResult
        Each mechanism's own result (its winner row decides its miners' part).
    winner : int or None
        The largest-stake UID (stake is shared, so every mechanism elects it).
    server_emission, validator_emission, emission : numpy.ndarray of object (int)
        Summed over mechanisms; ``emission = server_emission + validator_emission`` per
        UID, exactly (no per-mechanism weighting, so no unit is lost to flooring).
    validator_permit : numpy.ndarray of bool
        The winner only.
    unpaid : int
        Budget paid to no one (the root budget when no UID holds stake; everything on
        an empty subnet).
    """

    budgets: list
    outputs: list
    winner: int | None
    server_emission: np.ndarray
    validator_emission: np.ndarray
    emission: np.ndarray
    validator_permit: np.ndarray
    unpaid: int


def _null_budgets(rao_emission, server_budget, validator_budget, root_budget):
    """The subnet's three budgets: from ``E`` (``E - E//2``, ``E//2``, 0) or as given."""
    if rao_emission is not None:
        if server_budget is not None or validator_budget is not None or root_budget:
            raise ValueError("give either rao_emission or server_budget/validator_budget/"
                             "root_budget, not both")
        e = _u64(rao_emission, "rao_emission")
        return e - e // 2, e // 2, 0
    if server_budget is None or validator_budget is None:
        raise ValueError("give rao_emission, or server_budget and validator_budget")
    budgets = (_u64(server_budget, "server_budget"), _u64(validator_budget, "validator_budget"),
               _u64(root_budget, "root_budget"))
    if sum(budgets) > U64_MAX:
        raise ValueError("server_budget + validator_budget + root_budget must fit a u64")
    return budgets


def _per_mechanism(x, count: int, name: str) -> list:
    """A list with one entry per mechanism: ``x`` itself when it is one already."""
    if x is None:
        return [None] * count
    if np.ndim(x) == 2 and len(x) == count:
        return list(x)
    if np.ndim(x) == 1:
        return [x] * count
    raise ValueError(f"{name} must be one vector, or one vector per mechanism")


def null_epoch_with_mechanisms(
    weights: list, stake, rao_emission: int | None = None, *, server_budget: int | None = None,
    validator_budget: int | None = None, root_budget: int = 0, split=None, last_update=None,
    block_at_registration=None,
) -> NullMechanismsOutput:
    r"""Null consensus over several mechanisms: the chain's per-mechanism budgets, exactly.

    The subnet's budgets are :math:`E_s = E - \lfloor E/2 \rfloor` (miners) and
    :math:`E_v = \lfloor E/2 \rfloor` (validators) for ``epoch_with_mechanisms(E)``, or
    the coinbase's ``(server, validator, root)`` for ``epoch_with_mechanism_budgets``.
    Each budget is split across the mechanisms with :func:`split_emissions` (the
    remainder to mechanism 0), and each mechanism runs
    :func:`yuma.null.null_epoch_with_budgets` on its own weight rows. Since every
    mechanism pays its parts exactly, the miners get :math:`E_s` and the validators
    :math:`E_v + E_r` to the unit, never :math:`k` times a rounding remainder (the
    chain's ``null_multiple_mechanisms_cannot_multiply_miner_rounding_remainders``:
    ``E = 1002`` over 4 mechanisms pays 501 and 501). With no stake at all, the miners
    get :math:`E_s + E_v` and the root budget is unpaid.

    The totals are the chain's (its tests); how the merged code splits each budget per
    mechanism was not seen, so per-UID amounts may differ from the chain's by the
    placement of remainder units.

    Parameters
    ----------
    weights : list of array_like of int, each (n, n)
        Each mechanism's raw stored u16 rows.
    stake : array_like of int, shape (n,)
        Raw stake (shared by the mechanisms).
    rao_emission : int, optional
        ``E``; or give ``server_budget`` and ``validator_budget`` (and ``root_budget``).
    server_budget, validator_budget, root_budget : int, optional
        The coinbase's pending server, validator and root alpha.
    split : sequence of int, optional
        ``MechanismEmissionSplit`` (see :func:`split_emissions`).
    last_update : array_like, optional
        One vector, or one per mechanism (``LastUpdate`` is per mechanism).
    block_at_registration : array_like, optional
        Registration blocks (per subnet).

    Returns
    -------
    NullMechanismsOutput
    """
    from ..chain.null import null_epoch_with_budgets

    weights = _one_per_mechanism(weights, "weights", "matrix")
    k = len(weights)
    es, ev, er = _null_budgets(rao_emission, server_budget, validator_budget, root_budget)
    budgets = list(zip(split_emissions(es, k, split), split_emissions(ev, k, split),
                       split_emissions(er, k, split), strict=True))
    lus = _per_mechanism(last_update, k, "last_update")
    outs = [null_epoch_with_budgets(w, stake, *b, last_update=lu,
                                    block_at_registration=block_at_registration)
            for w, b, lu in zip(weights, budgets, lus, strict=True)]
    server = np.array([sum(vals) for vals in zip(*(o.server_emission for o in outs),
                                                 strict=True)], dtype=object)
    validator = np.array([sum(vals) for vals in zip(*(o.validator_emission for o in outs),
                                                    strict=True)], dtype=object)
    return NullMechanismsOutput(
        budgets=budgets, outputs=outs, winner=outs[0].winner, server_emission=server,
        validator_emission=validator,
        emission=np.array([a + b for a, b in zip(server, validator, strict=True)], dtype=object),
        validator_permit=np.array(outs[0].validator_permit), unpaid=sum(o.unpaid for o in outs),
    )


def chain_null_epoch_with_mechanisms(
    states: list[ChainState], rao_emission: int | None = None, *, record_step: bool = True,
    **budgets,
) -> tuple[NullMechanismsOutput, list[ChainState]]:
    """:func:`null_epoch_with_mechanisms` over one :class:`~yuma.chain.ChainState` per mechanism.

    Each state gives its mechanism's raw weight rows and ``LastUpdate``; stake and
    ``BlockAtRegistration`` come from the first (the states must agree on them). Bonds
    are neither read nor written; each new state holds the winner's permit and the step
    blocks (:func:`yuma.null.null_step_state`).

    Parameters
    ----------
    states : list of ChainState
    rao_emission : int, optional
        As :func:`null_epoch_with_mechanisms`.
    record_step : bool
        As :func:`yuma.chain_epoch`.
    **budgets
        ``server_budget``, ``validator_budget``, ``root_budget``, ``split``.

    Returns
    -------
    output : NullMechanismsOutput
    new_states : list of ChainState
    """
    from ..chain.null import null_inputs, null_step_state

    _check_one_subnet(states)
    inputs = [null_inputs(s) for s in states]
    out = null_epoch_with_mechanisms(
        [i["weights"] for i in inputs], inputs[0]["stake"], rao_emission,
        last_update=[i["last_update"] for i in inputs],
        block_at_registration=inputs[0]["block_at_registration"], **budgets,
    )
    news = [null_step_state(s, o, record_step=record_step)
            for s, o in zip(states, out.outputs, strict=True)]
    return out, news

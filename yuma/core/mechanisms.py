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
from dataclasses import dataclass

import numpy as np

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
]

U64_MAX = (1 << 64) - 1
_U16_MAX = 65535
_ONE_64 = 1 << 64  # U64F64 one


def _u64(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer in [0, 2**64 - 1], got {value!r}")
    v = int(value)
    if not 0 <= v <= U64_MAX:
        raise ValueError(f"{name} must be an integer in [0, 2**64 - 1], got {v}")
    return v


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
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or not 1 <= count <= 255:
        raise ValueError(f"count must be an integer in [1, 255], got {count!r}")
    count = int(count)
    if split is None:
        out = [e // count] * count
    else:
        shares = [int(s) for s in split]
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
    if not states or not all(isinstance(s, ChainState) for s in states):
        raise ValueError("states must be a non-empty list of ChainState, one per mechanism")
    first = states[0]
    for s in states[1:]:
        if s.n != first.n or not np.array_equal(s.stake, first.stake) or s.block != first.block:
            raise ValueError("states must share n, block and stake (one subnet)")
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


def _to_rao(x: np.ndarray, budget: int) -> np.ndarray:
    return np.array([int(v) for v in np.floor(np.clip(x, 0.0, 1.0) * float(budget))],
                    dtype=object)


def epoch_with_mechanisms(
    weights: list, stake, bonds: list | None = None, *, rao_emission: int = 1_000_000_000,
    split=None, **kwargs,
) -> MechanismsOutput:
    """Several mechanisms on the float path: :func:`yuma.epoch` per mechanism, combined.

    Each mechanism's shares become rao by flooring (``floor(share * E_m)``) and its
    proportions u16 by ``floor(65535 x)``, as the chain stores them; then the chain's
    combination. In the square form only.

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
    if not weights:
        raise ValueError("weights must hold one matrix per mechanism")
    if bonds is None:
        bonds = [None] * len(weights)
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
        per_mech.append({
            "server_emission": _to_rao(r.server_emission, e),
            "validator_emission": _to_rao(r.validator_emission, e),
            "emission": _to_rao(r.emission, e),
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

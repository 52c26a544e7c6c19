r"""The root network of the Revolution era: subnet emission shares from root weights.

From the Revolution upgrade until dTAO (removed in ``e2b8367b8``, 2025-02-13), the block's
TAO was divided among subnets by ``root_epoch`` (``pallets/subtensor/src/coinbase/root.rs``
at ``e2b8367b8^``). The root network's validators (the largest delegates) set weights over
subnets, and a Yuma-like consensus turned them into emission shares, in ``I64F64``:

.. math::
    S &= N(\text{stake}), \qquad W = \text{row-}N(W^\text{raw}) \\
    R_j &= \textstyle\sum_i W_{ij} S_i \qquad (\text{ranks}) \\
    T_j &= \textstyle\sum_{i: W_{ij} > 0} S_i \,/\, \sum_i S_i \qquad (\text{trust}) \\
    C_j &= 1 / \bigl(1 + e^{-\rho\,(T_j - \kappa)}\bigr) \qquad (\text{consensus}) \\
    E_j &= \bigl\lfloor N(C \odot R)_j \cdot e \bigr\rfloor \qquad (\text{EmissionValues})

with :math:`\rho` = ``Rho`` and :math:`\kappa` = ``Kappa/65535`` of the root subnet
(netuid 0), :math:`e` the block emission, and :math:`N` the chain's
``inplace_normalize_64``. The sigmoid rewards subnets that a majority of root stake backs
(trust above :math:`\kappa`) and nearly zeroes those backed by a small minority.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..chain import fixed as fx64
from ._checks import U16_MAX, as_array, u16, u64, u64_array
from ._fx import I32F32, I64F64
from .emission import DEFAULT_BLOCK_EMISSION

__all__ = ["ROOT_RHO", "ROOT_KAPPA", "RootEpochResult", "root_epoch"]

ROOT_RHO = 10
"""``InitialRho`` of the runtime (the test mock uses 30)."""
ROOT_KAPPA = 32_767
"""``InitialKappa``: 32_767/65535, about 0.5."""

_ONE = I64F64.one
_E64 = fx64.E_BITS << 32  # transcendental::E (an I9F23) widened to I64F64
_I64_MAX = (1 << 63) - 1


def _exp_i64f64(x: int) -> int:
    """``transcendental::exp::<I64F64, I64F64>`` on bits; ``OverflowError`` where it errs."""
    if x == 0:
        return _ONE
    if x == _ONE:
        return _E64
    neg = x < 0
    if neg:
        if x == I64F64.min:
            raise OverflowError("exp: checked_neg failed")
        x = -x
    result = x + _ONE
    if not I64F64.in_range(result):
        raise OverflowError("exp: overflow")
    term = x
    for i in range(2, I64F64.frac):
        product = I64F64.checked_mul(term, x)
        if product is None:
            raise OverflowError("exp: overflow")
        term = product
        term = term // i  # checked_div by from_num(i): truncation, term >= 0
        result += term
        if not I64F64.in_range(result):
            raise OverflowError("exp: overflow")
    if neg:
        q = I64F64.checked_div(_ONE, result)
        if q is None:  # pragma: no cover - result >= 1
            raise OverflowError("exp: overflow")
        result = q
    return result


def _wrapping_sum(values) -> int:
    total = 0
    for v in values:
        total += v
    if not I64F64.in_range(total):
        raise ValueError("the I64F64 sum overflows (the chain's Sum would wrap or panic)")
    return total


def _normalize(values: list[int]) -> list[int]:
    """``inplace_normalize_64``: ``saturating_div`` by the sum; unchanged for a zero sum."""
    total = _wrapping_sum(values)
    if total == 0:
        return values
    return [I64F64.saturating_div(v, total) for v in values]


@dataclass(frozen=True)
class RootEpochResult:
    r"""The outputs of one root epoch.

    Attributes
    ----------
    stake : numpy.ndarray of float64
        Normalized root stake per validator.
    ranks : numpy.ndarray of float64
        :math:`R_j`, stake-weighted weight per subnet.
    trust : numpy.ndarray of float64
        :math:`T_j`, the stake share that gave the subnet any weight.
    consensus : numpy.ndarray of float64
        :math:`C_j`, the sigmoid of trust.
    shares : numpy.ndarray of float64
        :math:`N(C \odot R)`, each subnet's share of the block emission.
    shares_bits : tuple of int
        The shares as exact ``I64F64`` bits.
    emission : numpy.ndarray of uint64
        ``EmissionValues`` per subnet in rao per block.
    remainder : int
        ``block_emission - sum(emission)``: never minted (the chain mints only what flows
        to subnets; netuid 0's own value is not paid out either).
    """

    stake: NDArray[np.float64]
    ranks: NDArray[np.float64]
    trust: NDArray[np.float64]
    consensus: NDArray[np.float64]
    shares: NDArray[np.float64]
    shares_bits: tuple[int, ...]
    emission: NDArray[np.uint64]
    remainder: int


def _floats(bits: list[int]) -> NDArray[np.float64]:
    return np.array([b / float(_ONE) for b in bits], dtype=np.float64)


def root_epoch(
    stakes: ArrayLike,
    weights: ArrayLike,
    block_emission: int = DEFAULT_BLOCK_EMISSION,
    rho: int = ROOT_RHO,
    kappa: int = ROOT_KAPPA,
) -> RootEpochResult:
    r"""Subnet emission shares from the root network (``root_epoch``, before dTAO).

    See the module docstring for the math; every step is the chain's ``I64F64``
    arithmetic (``inplace_normalize_64``, ``inplace_row_normalize_64``, ``matmul_64``,
    ``transcendental::exp`` and ``vec_fixed64_to_u64``), bit for bit.

    Parameters
    ----------
    stakes : array_like of int, shape (n,)
        Total stake of each root validator in rao (``get_total_stake_for_hotkey``; below
        2**63, as ``I64F64::from_num`` requires).
    weights : array_like of int, shape (n, k)
        Root weights (``u16``) of each validator over the ``k`` subnets, in the order of
        ``get_all_subnet_netuids`` (netuid 0, the root itself, included).
    block_emission : int, default DEFAULT_BLOCK_EMISSION
        The block emission in rao (:func:`yuma.economics.block_emission`).
    rho : int, default ROOT_RHO
        ``Rho`` of netuid 0 (``u16``).
    kappa : int, default ROOT_KAPPA
        ``Kappa`` of netuid 0 (``u16`` of 65535).

    Returns
    -------
    RootEpochResult
        ``sum(emission) + remainder == block_emission``.

    Raises
    ------
    ValueError
        For bad shapes or values, no validators or subnets, or zero total stake (where
        the chain's ``root_epoch`` returns ``Err`` and keeps the old ``EmissionValues``).
    OverflowError
        Where the chain's ``exp(...).expect(...)`` would panic.

    Examples
    --------
    >>> r = root_epoch([1_000, 1_000], [[1, 0], [0, 1]])
    >>> r.emission.tolist(), r.remainder
    ([500000000, 500000000], 0)
    """
    stake_ints, w_rows = _check_root_inputs(stakes, weights)
    e = u64(block_emission, "block_emission")
    if e > _I64_MAX:
        raise ValueError("block_emission must be below 2**63")
    rho_fx = I64F64.from_int(u16(rho, "rho"))
    kappa32 = I32F32.saturating_div(I32F32.from_int(u16(kappa, "kappa")), I32F32.from_int(U16_MAX))
    kappa_fx = I64F64.from_fixed(kappa32, I32F32)

    stake = _normalize([I64F64.from_int(v) for v in stake_ints])
    rows = _row_normalize(w_rows)
    ranks = _ranks(rows, stake)
    trust = _trust(rows, stake)
    consensus = [_sigmoid(t, rho_fx, kappa_fx) for t in trust]
    weighted = _normalize([I64F64.mul(c, r) for c, r in zip(consensus, ranks, strict=True)])
    emission = _emission_values(weighted, e)
    return RootEpochResult(
        stake=_floats(stake),
        ranks=_floats(ranks),
        trust=_floats(trust),
        consensus=_floats(consensus),
        shares=_floats(weighted),
        shares_bits=tuple(weighted),
        emission=u64_array(emission),
        remainder=e - sum(emission),
    )


def _check_root_inputs(stakes, weights) -> tuple[list[int], list[list[int]]]:
    """Stakes (``u64`` below 2**63) and weights (``u16``, one row per validator) as ints."""
    s_arr = as_array(stakes, "stakes")
    w_arr = as_array(weights, "weights")
    if s_arr.ndim != 1:
        raise ValueError(f"stakes must be 1-dimensional, got shape {s_arr.shape}")
    if w_arr.ndim != 2 or w_arr.shape[0] != s_arr.shape[0]:
        raise ValueError(
            f"weights must have shape (n, k) with n = len(stakes) = {s_arr.shape[0]}, "
            f"got {w_arr.shape}"
        )
    n, k = w_arr.shape
    if n == 0:
        raise ValueError("stakes: no root validators (root_epoch returns Err)")
    if k == 0:
        raise ValueError("weights: no subnets (root_epoch returns Err)")
    for name, arr in (("stakes", s_arr), ("weights", w_arr)):
        if not (arr.dtype.kind in "iu" or arr.dtype == object):
            raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    stake_ints = [u64(v, "stakes") for v in s_arr.tolist()]
    if max(stake_ints) > _I64_MAX:
        raise ValueError("stakes must be below 2**63 (I64F64::from_num panics above)")
    w_rows = [[u16(v, "weights") for v in row] for row in w_arr.tolist()]
    return stake_ints, w_rows


def _row_normalize(w_rows: list[list[int]]) -> list[list[int]]:
    """``inplace_row_normalize_64``: each row over its sum; all-zero rows unchanged."""
    rows = []
    for row in w_rows:
        vals = [I64F64.from_int(v) for v in row]
        total = _wrapping_sum(vals)
        rows.append([I64F64.saturating_div(v, total) for v in vals] if total > 0 else vals)
    return rows


def _ranks(rows: list[list[int]], stake: list[int]) -> list[int]:
    r"""``matmul_64``: :math:`R_j = \sum_i W_{ij} S_i`."""
    ranks = [0] * len(rows[0])
    for row, s in zip(rows, stake, strict=True):
        ranks = [I64F64.add(acc, I64F64.mul(s, w)) for acc, w in zip(ranks, row, strict=True)]
    return ranks


def _trust(rows: list[list[int]], stake: list[int]) -> list[int]:
    """:math:`T_j`: the stake that set a positive weight on subnet ``j``, over all stake."""
    trust = [0] * len(rows[0])
    total_stake = 0
    for row, s in zip(rows, stake, strict=True):
        total_stake = I64F64.add(total_stake, s)
        trust = [I64F64.add(t, s) if w > 0 else t for t, w in zip(trust, row, strict=True)]
    if total_stake == 0:
        raise ValueError("stakes: total stake is 0 (root_epoch returns Err)")
    return [q if (q := I64F64.checked_div(t, total_stake)) is not None else t for t in trust]


def _sigmoid(trust: int, rho_fx: int, kappa_fx: int) -> int:
    r"""Consensus :math:`C_j = 1 / (1 + e^{-\rho (T_j - \kappa)})` in ``I64F64``."""
    shifted = I64F64.sub(trust, kappa_fx)
    tempered = I64F64.mul(shifted, rho_fx)
    ex = _exp_i64f64(I64F64.clamp(-tempered))
    return I64F64.saturating_div(_ONE, I64F64.add(_ONE, ex))


def _emission_values(shares: list[int], block_emission: int) -> list[int]:
    """``EmissionValues``: each share times the block emission, floored to rao (``u64``)."""
    e_fx = I64F64.from_int(block_emission)
    emission = []
    for v in shares:
        bits = I64F64.mul(v, e_fx)
        if bits < 0 or (bits >> 64) > (1 << 64) - 1:  # pragma: no cover - to_num panics
            raise OverflowError("emission does not fit u64")
        emission.append(bits >> 64)
    return emission

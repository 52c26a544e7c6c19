r"""Block emission from issuance, its halvings, and an issuance projection over time.

The chain (``pallets/subtensor/src/coinbase/block_emission.rs``,
``get_block_emission_for_issuance``) mints, per block, an amount that depends only on the
issuance :math:`X` in rao:

.. math::
    r = \log_2 \frac{1}{1 - X / (2 \cdot 10.5\cdot 10^{15})}, \qquad
    k = \lfloor r \rfloor, \qquad
    e(X) = \left\lfloor \frac{10^9}{2^k} \right\rfloor \ \text{rao}

and :math:`e = 0` once :math:`X \ge 21\cdot 10^{15}` (``TotalSupply``). So the emission
halves each time issuance crosses :math:`21\text{M}\cdot(1 - 2^{-k})` TAO: 10.5M, 15.75M,
18.375M, ... The chain computes all of this in the fixed-point type ``I96F32``, with
``substrate_fixed::transcendental::log2`` (a bit-by-bit binary logarithm with
round-half-up shifts), then ``floor``, then ``2^k`` by repeated ``saturating_mul``,
``1 / 2^k`` by ``safe_div`` and the product with ``DefaultBlockEmission`` (1e9 rao), floored
to ``u64``. :func:`block_emission` reproduces those steps bit for bit on Python integers.

The same function gives each subnet's per-block alpha emission from that subnet's alpha
issuance (``SubnetAlphaIn + SubnetAlphaOut``, ``get_alpha_issuance``), in
``run_coinbase.rs::get_subnet_terms``: every subnet token has its own 21M-style schedule.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import U64_MAX, as_array, u64
from ._fx import I96F32

__all__ = [
    "RAO_PER_TAO",
    "TOTAL_SUPPLY",
    "DEFAULT_BLOCK_EMISSION",
    "BLOCK_TIME_SECONDS",
    "BLOCKS_PER_YEAR",
    "Halving",
    "IssuanceProjection",
    "block_emission",
    "halving_schedule",
    "project_issuance",
]

RAO_PER_TAO = 1_000_000_000
"""Rao in one TAO (and in one alpha)."""
TOTAL_SUPPLY = 21_000_000_000_000_000
"""``TotalSupply`` (``lib.rs``): 21M TAO in rao."""
DEFAULT_BLOCK_EMISSION = 1_000_000_000
"""``DefaultBlockEmission`` (``lib.rs``): 1 TAO per block before the first halving."""
BLOCK_TIME_SECONDS = 12
"""Target block time of the chain."""
BLOCKS_PER_YEAR = 365.25 * 86_400 / BLOCK_TIME_SECONDS
"""Blocks in a Julian year of 12 s blocks (2_629_800)."""

_HALF_SUPPLY_F64 = 10_500_000_000_000_000.0  # the literal in get_block_emission_for_issuance


def _log2_inner(x: int) -> int:
    """``transcendental::log2_inner`` for ``I96F32`` bits ``x >= 1.0``."""
    one, two = I96F32.one, 2 * I96F32.one
    result = 0
    while x >= two:
        result += 1
        x = (x >> 1) + (x & 1)  # rs(): right shift, rounding the dropped bit up
    if x == one:
        return result << I96F32.frac
    for _ in range(I96F32.frac):
        x = (x * x) >> I96F32.frac
        result <<= 1
        if x >= two:
            result |= 1
            x = (x >> 1) + (x & 1)
    return result


def _log2_i96f32(bits: int) -> int:
    """``transcendental::log2::<I96F32, I96F32>`` on bits (``ValueError`` for ``<= 0``)."""
    if bits <= 0:
        raise ValueError("log2 of a non-positive number")
    if bits < I96F32.one:
        inverse = I96F32.checked_div(I96F32.one, bits)
        if inverse is None:
            raise OverflowError("log2: inverse out of range")
        return -_log2_inner(inverse)
    return _log2_inner(bits)


def _residual_bits(issuance: int) -> int | None:
    """The ``I96F32`` bits of ``log2(1 / (1 - X / 2.1e16))``, or None when X >= TotalSupply."""
    x = I96F32.from_int(issuance)
    if x >= I96F32.from_int(TOTAL_SUPPLY):
        return None
    two_half = I96F32.mul(I96F32.from_float(2.0), I96F32.from_float(_HALF_SUPPLY_F64))
    ratio = I96F32.checked_div(x, two_half)
    denominator = None if ratio is None else I96F32.checked_sub(I96F32.one, ratio)
    inverse = None if denominator is None else I96F32.checked_div(I96F32.one, denominator)
    if ratio is None or denominator is None or inverse is None:  # pragma: no cover
        raise ArithmeticError("Logarithm calculation failed")
    return _log2_i96f32(inverse)


def _halvings(issuance: int) -> int:
    """``k``: the floored residual as ``u64`` (``saturating_to_num``); -1 past TotalSupply."""
    residual = _residual_bits(issuance)
    if residual is None:
        return -1
    return I96F32.to_u64(I96F32.floor(residual))


def _emission_for_halvings(k: int) -> int:
    """``1 / 2^k`` (repeated ``saturating_mul``, ``safe_div``) times 1e9, floored."""
    if k < 0:
        return 0
    multiplier = I96F32.one
    two = I96F32.from_int(2)
    for _ in range(min(k, 128)):  # saturated well before 128 doublings
        multiplier = I96F32.mul(multiplier, two)
    percentage = I96F32.safe_div(I96F32.one, multiplier)
    emission = I96F32.mul(percentage, I96F32.from_int(DEFAULT_BLOCK_EMISSION))
    return I96F32.to_u64(emission)


def _block_emission_scalar(issuance: int) -> int:
    return _emission_for_halvings(_halvings(issuance))


def block_emission(issuance: int | ArrayLike) -> int | NDArray[np.uint64]:
    r"""Per-block emission in rao for an issuance in rao (``get_block_emission_for_issuance``).

    .. math:: e(X) = \lfloor 10^9 / 2^{k} \rfloor, \quad
              k = \Bigl\lfloor \log_2 \frac{1}{1 - X / 2.1\cdot 10^{16}} \Bigr\rfloor,
              \quad e = 0 \text{ for } X \ge 2.1\cdot 10^{16}

    computed in ``I96F32`` exactly as the chain does (see the module docstring). The chain
    uses it for TAO (``X`` = ``TotalIssuance``, the result is cached in ``BlockEmission``)
    and for each subnet's alpha (``X`` = ``SubnetAlphaIn + SubnetAlphaOut``).

    Parameters
    ----------
    issuance : int or array_like of int
        Issuance in rao (``u64``).

    Returns
    -------
    int or numpy.ndarray of uint64
        The emission in rao, an ``int`` for a scalar input. Arrays are evaluated through the
        exact halving thresholds of :func:`halving_schedule` (the emission is a step
        function of issuance).

    Raises
    ------
    ValueError
        If an issuance is not an integer in ``[0, 2**64 - 1]``.

    Examples
    --------
    >>> block_emission(0), block_emission(10_500_000_000_000_000)
    (1000000000, 500000000)
    >>> block_emission(10_499_999_999_999_999)
    1000000000
    """
    arr = as_array(issuance, "issuance")
    if arr.ndim == 0:
        value = issuance.item() if isinstance(issuance, np.generic) else issuance
        return _block_emission_scalar(u64(value, "issuance"))
    if arr.size and arr.dtype.kind not in "iu":
        raise ValueError(f"issuance must hold integers, got dtype {arr.dtype}")
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) > U64_MAX):
        raise ValueError("issuance must be in [0, 2**64 - 1]")
    starts, emissions = _step_table()
    idx = np.searchsorted(starts, arr.astype(np.uint64), side="right") - 1
    return emissions[idx]


@dataclass(frozen=True)
class Halving:
    """One step of the emission schedule.

    Attributes
    ----------
    k : int
        Number of halvings so far (the floored logarithm).
    issuance : int
        Smallest issuance in rao at which ``k`` halvings apply.
    emission : int
        Per-block emission in rao from that issuance on.
    """

    k: int
    issuance: int
    emission: int

    @property
    def issuance_tao(self) -> float:
        """The issuance in TAO."""
        return self.issuance / RAO_PER_TAO


@lru_cache(maxsize=1)
def _schedule() -> tuple[Halving, ...]:
    rows = [Halving(0, 0, _emission_for_halvings(0))]
    k = 0
    while rows[-1].emission > 0:
        k += 1
        lo, hi = rows[-1].issuance, TOTAL_SUPPLY  # _halvings(hi) == -1, i.e. "past k"
        while lo + 1 < hi:  # invariant: _halvings(lo) < k, _halvings(hi) >= k (or -1)
            mid = (lo + hi) // 2
            h = _halvings(mid)
            if h == -1 or h >= k:
                hi = mid
            else:
                lo = mid
        k_at = _halvings(hi)
        if k_at == -1:
            rows.append(Halving(k, hi, 0))
            break
        k = k_at
        rows.append(Halving(k, hi, _emission_for_halvings(k)))
    return tuple(rows)


@lru_cache(maxsize=1)
def _step_table() -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    sched = _schedule()
    starts = [h.issuance for h in sched] + [TOTAL_SUPPLY]
    emissions = [h.emission for h in sched] + [0]
    return np.array(starts, dtype=np.uint64), np.array(emissions, dtype=np.uint64)


def halving_schedule() -> tuple[Halving, ...]:
    r"""The exact issuance thresholds of every halving, down to zero emission.

    Row ``k`` gives the smallest issuance (rao) at which the chain's
    :func:`block_emission` uses ``k`` halvings, and the emission from there on. The
    thresholds are found by bisection on the exact fixed-point function, which is
    monotone in issuance; they equal
    :math:`\lceil 2.1\cdot 10^{16}\,(1 - 2^{-k}) \rceil` rao (10.5M, 15.75M, 18.375M, ...
    TAO). The emission reaches 0 at ``k = 30`` (:math:`\lfloor 10^9/2^{30} \rfloor = 0`),
    about 19.6 TAO below the 21M cap.

    Returns
    -------
    tuple of Halving
        Rows ``k = 0, 1, ...`` with increasing issuance; the last row has emission 0.

    Examples
    --------
    >>> [(h.k, h.issuance_tao, h.emission) for h in halving_schedule()[:3]]
    [(0, 0.0, 1000000000), (1, 10500000.0, 500000000), (2, 15750000.0, 250000000)]
    """
    return _schedule()


@dataclass(frozen=True)
class IssuanceProjection:
    """Issuance and per-block emission at chosen block offsets.

    Attributes
    ----------
    blocks : numpy.ndarray of uint64
        Block offsets ``b`` from the start of the projection.
    issuance : numpy.ndarray of uint64
        Issuance in rao after ``b`` blocks have been minted.
    emission : numpy.ndarray of uint64
        Emission in rao of the next block, ``block_emission(issuance)``.
    """

    blocks: NDArray[np.uint64]
    issuance: NDArray[np.uint64]
    emission: NDArray[np.uint64]

    @property
    def years(self) -> NDArray[np.float64]:
        """The block offsets in years of 12 s blocks."""
        return self.blocks.astype(np.float64) / BLOCKS_PER_YEAR

    @property
    def issuance_tao(self) -> NDArray[np.float64]:
        """The issuance in TAO (float)."""
        return self.issuance.astype(np.float64) / RAO_PER_TAO


def _segments(initial_issuance: int) -> tuple[list[int], list[int], list[int]]:
    """Blocks, issuance and emission at the start of each constant-emission stretch."""
    thresholds = [h.issuance for h in _schedule()] + [TOTAL_SUPPLY]
    seg_block, seg_issuance, seg_emission = [], [], []
    block, x = 0, initial_issuance
    while True:
        e = _block_emission_scalar(x)
        seg_block.append(block)
        seg_issuance.append(x)
        seg_emission.append(e)
        if e == 0:
            break
        nxt = thresholds[bisect.bisect_right(thresholds, x)]
        n = -(-(nxt - x) // e)  # blocks until issuance reaches the next threshold
        block += n
        x += n * e
    return seg_block, seg_issuance, seg_emission


def project_issuance(blocks: ArrayLike, initial_issuance: int = 0) -> IssuanceProjection:
    r"""Issuance and emission after any numbers of blocks, exactly and in O(halvings).

    Each block mints :math:`e(X)` (:func:`block_emission`) and adds it to the issuance
    :math:`X`. Between two halving thresholds the emission is constant, so the issuance
    grows linearly; the projection walks the (at most ~31) stretches once and evaluates
    any block offsets by a vectorized lookup. The result equals a block-by-block loop.

    Assumes that everything minted stays in issuance: the chain's recycling (which lowers
    ``TotalIssuance``) and, for alpha, the pool injections ``alpha_in`` (which raise the
    alpha issuance on top of ``alpha_out``) are not modelled.

    Parameters
    ----------
    blocks : array_like of int
        Block offsets (non-negative), in any order; 50 years of 12 s blocks is
        ``50 * BLOCKS_PER_YEAR`` (about 1.3e8).
    initial_issuance : int, default 0
        Issuance in rao at offset 0 (``u64``).

    Returns
    -------
    IssuanceProjection
        ``issuance[i]`` after ``blocks[i]`` blocks, and ``emission[i]`` of the next block.

    Raises
    ------
    ValueError
        If ``blocks`` holds a negative or non-integer value, or ``initial_issuance`` is not
        a ``u64``.

    Examples
    --------
    >>> p = project_issuance([0, 1, 10_500_000])
    >>> p.issuance.tolist(), p.emission.tolist()
    ([0, 1000000000, 10500000000000000], [1000000000, 1000000000, 500000000])
    """
    x0 = u64(initial_issuance, "initial_issuance")
    b = as_array(blocks, "blocks")
    if b.size and b.dtype.kind not in "iu":
        raise ValueError(f"blocks must hold integers, got dtype {b.dtype}")
    if b.size and int(b.min()) < 0:
        raise ValueError("blocks must be non-negative")
    b = b.astype(np.uint64)
    seg_block, seg_issuance, seg_emission = _segments(x0)
    starts = np.array(seg_block, dtype=np.uint64)
    idx = np.searchsorted(starts, b, side="right") - 1
    x_start = np.array(seg_issuance, dtype=np.uint64)[idx]
    e = np.array(seg_emission, dtype=np.uint64)[idx]
    issuance = x_start + (b - starts[idx]) * e
    return IssuanceProjection(blocks=b, issuance=issuance, emission=e)

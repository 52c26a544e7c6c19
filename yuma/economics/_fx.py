r"""Unsigned and signed 128-bit fixed point of the coinbase, on Python integers.

The coinbase (``run_coinbase.rs``, ``block_emission.rs``, ``subnet_emissions.rs``) computes in
``substrate_fixed`` types that :mod:`yuma.chain.fixed` does not cover: ``U96F32``, ``I96F32`` and
``U64F64`` (128-bit, with 32 or 64 fractional bits). A value is held here as its raw bits, a
Python ``int`` (value = bits / 2**frac), and every operation is exact integer arithmetic:

* ``a * b``: :math:`\lfloor ab / 2^{f} \rfloor` on the bits (floor), then saturate;
* ``a / b``: :math:`\operatorname{trunc}(2^{f} a / b)`; ``checked_div`` fails on a zero
  divisor or a quotient out of range; ``safe_div`` (crate ``safe-math``) turns the failure
  into 0;
* ``saturating_to_num::<u64>``: floor, then clamp to ``[0, u64::MAX]``;
* fixed to fixed (``saturating_from_num`` of another fixed type): extra fractional bits are
  truncated (floor), then saturate;
* float to fixed: round to nearest, ties to even, then saturate.

``I64F64`` helpers live in :mod:`yuma.chain.fixed` and are reused where the chain uses that type.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

U64_MAX = (1 << 64) - 1


@dataclass(frozen=True)
class FixedType:
    """A ``substrate_fixed`` type: total bits, fractional bits and signedness."""

    name: str
    bits: int
    frac: int
    signed: bool

    @property
    def one(self) -> int:
        return 1 << self.frac

    @property
    def max(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    @property
    def min(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    def clamp(self, v: int) -> int:
        return self.min if v < self.min else self.max if v > self.max else v

    def in_range(self, v: int) -> bool:
        return self.min <= v <= self.max

    # conversions -------------------------------------------------------------------------
    def from_int(self, v: int) -> int:
        """``saturating_from_num(int)``."""
        return self.clamp(int(v) << self.frac)

    def from_float(self, x: float) -> int:
        """``saturating_from_num(f64)``: nearest, ties to even."""
        x = float(x)
        if x != x:
            raise ValueError(f"cannot convert NaN to {self.name}")
        if x in (float("inf"), float("-inf")):
            return self.max if x > 0 else self.min
        return self.clamp(round(Fraction(x) * self.one))

    def from_fixed(self, v: int, other: FixedType) -> int:
        """``saturating_from_num`` of another fixed type (truncating extra bits)."""
        shift = self.frac - other.frac
        return self.clamp(v << shift if shift >= 0 else v >> -shift)

    def to_u64(self, v: int) -> int:
        """``saturating_to_num::<u64>``: floor, clamped to ``[0, u64::MAX]``."""
        return max(0, min(U64_MAX, v >> self.frac))

    def floor(self, v: int) -> int:
        """``floor()`` on the bits."""
        return (v >> self.frac) << self.frac

    # arithmetic --------------------------------------------------------------------------
    def add(self, a: int, b: int) -> int:
        """``saturating_add``."""
        return self.clamp(a + b)

    def sub(self, a: int, b: int) -> int:
        """``saturating_sub``."""
        return self.clamp(a - b)

    def checked_sub(self, a: int, b: int) -> int | None:
        r = a - b
        return r if self.in_range(r) else None

    def mul(self, a: int, b: int) -> int:
        """``saturating_mul``: floor of the product, saturated."""
        return self.clamp((a * b) >> self.frac)

    def checked_mul(self, a: int, b: int) -> int | None:
        r = (a * b) >> self.frac
        return r if self.in_range(r) else None

    def checked_div(self, a: int, b: int) -> int | None:
        """``checked_div``: truncating quotient, ``None`` on a zero divisor or overflow."""
        if b == 0:
            return None
        q = (abs(a) << self.frac) // abs(b)
        if (a < 0) != (b < 0):
            q = -q
        return q if self.in_range(q) else None

    def safe_div(self, a: int, b: int) -> int:
        """``safe_div`` (crate ``safe-math``): :meth:`checked_div`, or 0."""
        q = self.checked_div(a, b)
        return 0 if q is None else q

    def saturating_div(self, a: int, b: int) -> int:
        """``saturating_div``: panics (here ``ZeroDivisionError``) on a zero divisor."""
        if b == 0:
            raise ZeroDivisionError(f"{self.name}::saturating_div by zero")
        q = (abs(a) << self.frac) // abs(b)
        if (a < 0) != (b < 0):
            q = -q
        return self.clamp(q)


U96F32 = FixedType("U96F32", 128, 32, False)
I96F32 = FixedType("I96F32", 128, 32, True)
U64F64 = FixedType("U64F64", 128, 64, False)
I64F64 = FixedType("I64F64", 128, 64, True)
I32F32 = FixedType("I32F32", 64, 32, True)

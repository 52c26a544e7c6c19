"""Testing helpers for yuma and its users: Hypothesis strategies (needs ``hypothesis``).

:func:`check_variant` (from :mod:`yuma.testing.check`) runs the invariant catalogue of
:mod:`yuma.testing.invariants` on a variant; both are imported on first use, so importing
this package alone does not import Hypothesis.
"""

from .._extras import require

# Fail on import with the install command, not deep inside a submodule's import.
require("yuma.testing (strategies, invariants, check_variant)", "hypothesis", extra="check")

__all__ = ["check_variant", "VariantReport", "InvariantResult", "INVARIANTS"]


def __getattr__(name: str):
    if name in ("check_variant", "VariantReport", "InvariantResult"):
        from . import check

        return getattr(check, name)
    if name == "INVARIANTS":
        from .invariants import INVARIANTS

        return INVARIANTS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

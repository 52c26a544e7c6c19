"""The registry of variants by name: filled by :mod:`yuma.core.variants`, read by ``YumaParams``.

It sits below both so that :class:`yuma.YumaParams` can check a variant name without
importing the steps (the built-ins register themselves when :mod:`yuma.core` loads).
"""

from __future__ import annotations

from typing import Any

VARIANTS: dict[str, Any] = {}
"""Registered variants by name (what :attr:`yuma.YumaParams.variant` may name)."""

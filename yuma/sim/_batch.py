"""Many independent epochs at once: the one place replay and copy-risk evaluate epochs.

Replay runs several candidates over the same snapshots and the copy-risk sweep many
(delay, alpha_low, alpha_high) settings over the same epochs; at each step their epochs
are independent of one another. :func:`evaluate_epochs` takes such a batch. Today it loops
over :func:`yuma.epoch`; a batched epoch (bit-identical to that loop) can replace the body
without touching its callers.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.run_epoch import epoch
from ..result import EpochResult

__all__ = ["evaluate_epochs"]


def evaluate_epochs(batch: Sequence[dict]) -> list[EpochResult]:
    """Run independent epochs: ``[yuma.epoch(**kwargs) for kwargs in batch]``.

    Parameters
    ----------
    batch : sequence of dict
        :func:`yuma.epoch` keyword arguments, one dict per epoch.

    Returns
    -------
    list of EpochResult
        In the order of ``batch``.
    """
    return [epoch(**kwargs) for kwargs in batch]

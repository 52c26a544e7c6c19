"""Many independent epochs at once: the one place replay and copy-risk evaluate epochs.

Replay runs several candidates over the same snapshots and the copy-risk sweep many
(delay, alpha_low, alpha_high) settings over the same epochs; at each step their epochs
are independent of one another. :func:`evaluate_epochs` takes such a batch: epochs of one
built-in variant, shape and set of optional arrays run as one :func:`yuma.epoch_batch`
(:func:`yuma.core.batch.run_grouped`), each with the bits of :func:`yuma.epoch`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.batch import run_grouped
from ..core.run_epoch import epoch
from ..result import EpochResult

__all__ = ["evaluate_epochs"]


def _epoch(kwargs: dict) -> EpochResult:
    return epoch(**kwargs)


def evaluate_epochs(batch: Sequence[dict], *, keep="all") -> list[EpochResult]:
    """Run independent epochs: ``[yuma.epoch(**kwargs) for kwargs in batch]``, batched.

    Parameters
    ----------
    batch : sequence of dict
        :func:`yuma.epoch` keyword arguments, one dict per epoch.
    keep : "all" or sequence of str
        The matrices the caller reads (``("bonds",)``: what the next epoch needs); the
        others may read as zeros.

    Returns
    -------
    list of EpochResult
        In the order of ``batch``; each is :func:`yuma.epoch`'s, bit for bit (in the
        matrices kept and in every vector). A failing epoch raises :func:`yuma.epoch`'s
        error.
    """
    return run_grouped(batch, dict, _epoch, keep=keep)

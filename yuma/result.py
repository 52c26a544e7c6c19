"""The result of one epoch: every intermediate under the chain's names."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EpochResult"]


@dataclass(frozen=True, slots=True)
class EpochResult:
    """Outputs and intermediates of one Yuma epoch (float64, natural units).

    Rows are validators (weight setters), columns are weight receivers; in the chain's
    square form both are the same ``n`` UIDs. In the rectangular form the UIDs are the
    validators followed by the miners (see :attr:`emission` and :meth:`to_frame`).

    Attributes
    ----------
    variant : str
        Name of the variant that produced it.
    stake : numpy.ndarray, shape (n_rows,)
        ``S``: stake after the threshold, normalized (chain: ``stake``; stored as
        ``StakeWeight``).
    active : numpy.ndarray of bool, shape (n_rows,)
        Activity mask used.
    active_stake : numpy.ndarray, shape (n_rows,)
        ``S_act = N(S * active * previous permits)``.
    weights : numpy.ndarray, shape (n_rows, n_cols)
        Masked, row-normalized weights ``W``.
    consensus : numpy.ndarray, shape (n_cols,)
        ``C`` (chain: ``Consensus``).
    clipped_weights : numpy.ndarray, shape (n_rows, n_cols)
        ``min(W, C)``.
    validator_trust : numpy.ndarray, shape (n_rows,)
        Row sums of the clipped weights (chain: ``ValidatorTrust``).
    rank : numpy.ndarray, shape (n_cols,)
        ``R = S_act W_clipped`` before normalization (chain: ``ranks``).
    trust : numpy.ndarray, shape (n_cols,)
        Historic trust ``R / (S_act W)`` (removed from the chain on 2025-10-29).
    incentive : numpy.ndarray, shape (n_cols,)
        ``I = N(R)`` (chain: ``Incentive``).
    weights_for_bonds : numpy.ndarray, shape (n_rows, n_cols)
        ``W_b = W + beta (W_clipped - W)``.
    ema_bonds : numpy.ndarray, shape (n_rows, n_cols)
        The bonds the dividends were computed from (Yuma 2: column-normalized EMA;
        Yuma 3: absolute proportions).
    bonds : numpy.ndarray, shape (n_rows, n_cols)
        What the next epoch takes as ``bonds``: rows of validators holding a new permit
        get the stored form of ``ema_bonds`` (Yuma 2: column max-upscaled); every other
        row is cleared (the chain writes every UID's bond row, empty without a new
        permit).
    dividends : numpy.ndarray, shape (n_rows,)
        ``D`` (chain: ``Dividends``).
    server_emission : numpy.ndarray, shape (n_cols,)
        Share of the epoch's emission paid to each miner.
    validator_emission : numpy.ndarray, shape (n_rows,)
        Share paid to each validator as dividends.
    emission : numpy.ndarray
        Share per UID (chain: ``Emission``): ``N(I + D)`` in the square form; validators
        then miners in the rectangular form. Sums to 1 whenever any stake exists.
    validator_permit : numpy.ndarray of bool, shape (n_rows,)
        New permits (top-k stake); the next epoch takes them as ``validator_permit``.

    Notes
    -----
    Under the built-in variants the matrices are read-only and some share memory, so that
    an epoch allocates as few n x n arrays as possible: ``weights_for_bonds`` is
    ``clipped_weights`` at ``bonds_penalty = 1`` and ``weights`` at ``bonds_penalty = 0``,
    and ``bonds`` is ``ema_bonds`` when every row takes its new bonds. Copy an array
    (``np.array(r.bonds)``) before modifying it.

    When :func:`yuma.epoch` was given sparse weights, the five matrices are read-only
    ``scipy.sparse`` CSR matrices holding the entries the chain's sparse rows hold (see
    the Notes of :func:`yuma.epoch`); ``r.bonds`` is then what the next sparse epoch takes
    (``r.bonds.copy()`` to modify it).
    """

    variant: str
    stake: np.ndarray
    active: np.ndarray
    active_stake: np.ndarray
    weights: np.ndarray
    consensus: np.ndarray
    clipped_weights: np.ndarray
    validator_trust: np.ndarray
    rank: np.ndarray
    trust: np.ndarray
    incentive: np.ndarray
    weights_for_bonds: np.ndarray
    ema_bonds: np.ndarray
    bonds: np.ndarray
    dividends: np.ndarray
    server_emission: np.ndarray
    validator_emission: np.ndarray
    emission: np.ndarray
    validator_permit: np.ndarray

    @property
    def square(self) -> bool:
        """True for the chain's form, where rows and columns are the same UIDs."""
        return bool(self.weights.shape[0] == self.weights.shape[1])

    @property
    def n_uids(self) -> int:
        """Number of UIDs: ``n`` (square) or validators + miners (rectangular)."""
        n_rows, n_cols = self.weights.shape
        return int(n_rows if self.square else n_rows + n_cols)

    def to_dict(self) -> dict[str, object]:
        """Return the fields as a plain ``dict`` (arrays are not copied).

        Returns
        -------
        dict
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def per_uid(self) -> dict[str, np.ndarray]:
        """Per-UID vectors, all of length :attr:`n_uids`.

        In the rectangular form, row quantities are 0 for miners and column quantities
        0 for validators (as in the equivalent square network, where validators receive
        no weight and miners hold no stake).

        Returns
        -------
        dict of str to numpy.ndarray
        """
        n_rows, n_cols = self.weights.shape
        if self.square:

            def rows(x: np.ndarray) -> np.ndarray:
                return x

            cols = rows
        else:

            def rows(x: np.ndarray) -> np.ndarray:
                return np.concatenate([x, np.zeros(n_cols, dtype=x.dtype)])

            def cols(x: np.ndarray) -> np.ndarray:
                return np.concatenate([np.zeros(n_rows, dtype=x.dtype), x])

        return {
            "stake": rows(self.stake),
            "active_stake": rows(self.active_stake),
            "validator_permit": rows(self.validator_permit),
            "validator_trust": rows(self.validator_trust),
            "consensus": cols(self.consensus),
            "rank": cols(self.rank),
            "trust": cols(self.trust),
            "incentive": cols(self.incentive),
            "dividends": rows(self.dividends),
            "server_emission": cols(self.server_emission),
            "validator_emission": rows(self.validator_emission),
            "emission": self.emission,
        }

    def to_frame(self) -> pd.DataFrame:
        """Per-UID table as a :class:`pandas.DataFrame` indexed by UID.

        Returns
        -------
        pandas.DataFrame
            One row per UID, the columns of :meth:`per_uid`.

        Raises
        ------
        ImportError
            If pandas is not installed (the message gives the command:
            ``pip install "yuma-consensus[pandas]"``).
        """
        from ._extras import import_optional

        pd = import_optional("pandas", "EpochResult.to_frame", extra="pandas")
        frame = pd.DataFrame(self.per_uid())
        frame.index.name = "uid"
        return frame

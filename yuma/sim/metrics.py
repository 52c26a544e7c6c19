r"""Metrics over a :class:`yuma.Simulation`: who earns what relative to their stake.

Notation: ``D_i(t)`` is validator ``i``'s dividend share in epoch ``t``
(:attr:`Simulation.dividends`, summing to 1 over validators), ``S_i(t)`` its stake share
(:attr:`Simulation.stake`, the normalized stake), ``E_i(t)`` its share of the epoch's whole
emission paid as dividends (:attr:`Simulation.validator_emission`, about half of the
emission in total) and ``s_i(t)`` its raw stake (:attr:`Simulation.raw_stake`).
"""

from __future__ import annotations

import numpy as np

from .._validation import as_real_scalar, is_integer
from .simulation import Simulation

__all__ = [
    "relative_dividends",
    "dividends_per_1000",
    "copier_ratio",
    "copier_ratio_of",
    "validator_trust_history",
    "validator_rows",
]


def _check_sim(sim) -> None:
    if not isinstance(sim, Simulation):
        raise ValueError(f"sim must be a Simulation, got {type(sim).__name__}")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def validator_rows(sim: Simulation) -> np.ndarray:
    """UIDs (rows) that act as validators: they hold stake in some epoch.

    Parameters
    ----------
    sim : Simulation
        A simulation.

    Returns
    -------
    numpy.ndarray of int
        Row indices, ascending (in the rectangular form, every row).
    """
    _check_sim(sim)
    if not sim.square:
        return np.arange(sim.n_rows)
    return np.flatnonzero(sim.raw_stake.max(axis=0) > 0)


def relative_dividends(sim: Simulation) -> np.ndarray:
    r"""Dividend share over stake share, per validator and epoch.

    ``RD_i(t) = D_i(t) / S_i(t)``: 1 means paid exactly in proportion to stake, above 1
    more, below 1 less.

    Parameters
    ----------
    sim : Simulation
        A simulation.

    Returns
    -------
    numpy.ndarray, shape (epochs, V)
        NaN where ``S_i(t) = 0``.

    Examples
    --------
    The small validators of ``kappa_delayed`` move before the big one and are clipped:

    >>> import yuma
    >>> from yuma import metrics
    >>> sim = yuma.simulate(yuma.get_scenario("kappa_delayed"))
    >>> metrics.relative_dividends(sim)[[9, 15, 30]].round(2).tolist()
    [[1.0, 1.0, 1.0], [1.13, 0.48, 0.48], [1.0, 1.0, 1.0]]
    """
    _check_sim(sim)
    return _ratio(sim.dividends, sim.stake)


def dividends_per_1000(
    sim: Simulation, emission_per_epoch: float = 1.0, *, cumulative: bool = False
) -> np.ndarray:
    r"""Dividends earned per 1000 units of raw stake, per validator and epoch.

    ``1000 * emission_per_epoch * E_i(t) / s_i(t)``, where ``E_i(t)`` is the validator's
    share of the epoch's emission (:attr:`Simulation.validator_emission`) and ``s_i(t)`` its
    raw stake in the scenario's unit. With ``cumulative``, the running sum over epochs:
    what 1000 units staked with validator ``i`` since epoch 0 have earned.

    Parameters
    ----------
    sim : Simulation
        A simulation.
    emission_per_epoch : float
        Tokens emitted per epoch (to miners and validators together), in the stake's unit.
    cumulative : bool
        Return the running sum over epochs.

    Returns
    -------
    numpy.ndarray, shape (epochs, V)
        NaN where the raw stake is 0 (cumulative: treated as earning 0 there).

    Raises
    ------
    ValueError
        If ``emission_per_epoch`` is negative or not finite.
    """
    _check_sim(sim)
    e = as_real_scalar(emission_per_epoch, "emission_per_epoch")
    if e < 0:
        raise ValueError(f"emission_per_epoch must be finite and >= 0, got {e!r}")
    per_epoch = _ratio(1000.0 * float(e) * sim.validator_emission, sim.raw_stake)
    if cumulative:
        return np.cumsum(np.nan_to_num(per_epoch, nan=0.0), axis=0)
    return per_epoch


def _uids(sim: Simulation, uids, name: str) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(uids))
    except (TypeError, ValueError, RecursionError):
        raise ValueError(f"{name} must be validator UIDs (integers), got {uids!r:.60}") from None
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must be validator UIDs (integers), got {uids!r}")
    if arr.size and (arr.min() < 0 or arr.max() >= sim.n_rows):
        raise ValueError(f"{name} must be validator UIDs in [0, {sim.n_rows}), got {uids!r}")
    return arr.astype(np.int64)


def copier_ratio(
    sim: Simulation,
    copier: int | None = None,
    honest=None,
    *,
    start: int = 0,
    per_epoch: bool = False,
) -> float | np.ndarray:
    r"""The weight copier's profitability ratio ``G``.

    .. math::

        G = \frac{D_c / S_c}{\operatorname{median}_{i \in H} (D_i / S_i)}

    over the honest validators ``H``, with ``D_i = sum_t D_i(t)`` and
    ``S_i = sum_t S_i(t)`` over the epochs ``t >= start`` (dividend and stake shares). ``G <
    1``: copying earns less per unit of stake than the median honest validator; ``G > 1``:
    copying pays. With ``per_epoch``, the same ratio epoch by epoch.

    Parameters
    ----------
    sim : Simulation
        A simulation with a copier.
    copier : int, optional
        The copier's UID; default the simulation's only :class:`yuma.WeightCopier`.
    honest : sequence of int, optional
        The honest validators; default every validator (:func:`validator_rows`) that is
        not a copier.
    start : int
        First epoch counted (skip a warm-up).
    per_epoch : bool
        Return ``G(t)`` per epoch instead of one number.

    Returns
    -------
    float or numpy.ndarray
        ``G`` (NaN where undefined: no stake, or the median honest ratio is 0).

    Raises
    ------
    ValueError
        If there is no copier to default to, or an argument is out of range.

    Examples
    --------
    >>> import yuma
    >>> from yuma import metrics
    >>> sim = yuma.simulate(yuma.get_scenario("weight_copier"), variant="yuma2")
    >>> round(metrics.copier_ratio(sim), 2)
    0.6
    """
    _check_sim(sim)
    if copier is None:
        if len(sim.copiers) != 1:
            raise ValueError(
                f"copier must be given: the simulation has {len(sim.copiers)} copiers"
            )
        copier = sim.copiers[0]
    c = int(_uids(sim, copier, "copier")[0])
    if honest is None:
        hon = np.array([i for i in validator_rows(sim) if i not in sim.copiers], dtype=np.int64)
    else:
        hon = _uids(sim, honest, "honest")
    if hon.size == 0:
        raise ValueError("honest must name at least one validator")
    if c in hon:
        raise ValueError(f"honest must not include the copier {c}")
    if isinstance(start, bool) or not is_integer(start) or not (
        0 <= start < sim.n_epochs
    ):
        raise ValueError(f"start must be an integer in [0, {sim.n_epochs}), got {start!r}")
    return copier_ratio_of(sim.dividends[start:], sim.stake[start:], c, hon,
                           per_epoch=per_epoch)


def copier_ratio_of(
    dividends: np.ndarray,
    stake: np.ndarray,
    copier: int,
    honest,
    *,
    per_epoch: bool = False,
) -> float | np.ndarray:
    r"""The copier ratio ``G`` of per-epoch dividend and stake shares (arrays).

    The one definition behind :func:`copier_ratio` and :func:`yuma.sim.copy_risk`:

    .. math::

        G = \frac{D_c / S_c}{\operatorname{median}_{i \in H} (D_i / S_i)},
        \qquad D_i = \sum_t D_i(t), \quad S_i = \sum_t S_i(t)

    (with ``per_epoch``, the same ratio of each epoch's shares). ``D`` are dividend shares
    (``EpochResult.dividends``) and ``S`` stake shares (``EpochResult.stake``). When the
    stake does not change over the epochs, ``D_i / S_i`` is the mean over epochs of the
    per-epoch ratio, which is what OTF's weight-copy notebooks average.

    Parameters
    ----------
    dividends, stake : numpy.ndarray, shape (epochs, V)
        Shares per epoch and row.
    copier : int
        The copier's row.
    honest : sequence of int
        Rows of the validators the copier is compared with (not the copier).
    per_epoch : bool
        Return ``G(t)`` per epoch.

    Returns
    -------
    float or numpy.ndarray
        NaN where undefined (no stake, or the median honest ratio is 0).

    Raises
    ------
    ValueError
        On shapes that differ, an empty ``honest``, or a copier among ``honest``.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0.5, 0.3, 0.2]]); s = np.array([[0.5, 0.25, 0.25]])
    >>> round(copier_ratio_of(d, s, copier=2, honest=[0, 1]), 4)  # 0.8 / median(1, 1.2)
    0.7273
    """
    d = np.asarray(dividends, dtype=np.float64)
    s = np.asarray(stake, dtype=np.float64)
    if d.ndim != 2 or d.shape != s.shape:
        raise ValueError(f"dividends and stake must be (epochs, V) arrays of one shape, got "
                         f"{d.shape} and {s.shape}")
    hon = np.atleast_1d(np.asarray(honest, dtype=np.int64))
    c = int(copier)
    if hon.size == 0:
        raise ValueError("honest must name at least one validator")
    if not 0 <= c < d.shape[1] or hon.min() < 0 or hon.max() >= d.shape[1]:
        raise ValueError(f"copier and honest must be rows in [0, {d.shape[1]})")
    if c in hon:
        raise ValueError(f"honest must not include the copier {c}")
    if per_epoch:
        rel = _ratio(d, s)
        med = np.median(rel[:, hon], axis=1)
        return _ratio(rel[:, c], med)
    rel = _ratio(d.sum(axis=0), s.sum(axis=0))
    med = float(np.median(rel[hon]))
    return float(_ratio(np.array(rel[c]), np.array(med)))


def validator_trust_history(sim: Simulation, uids=None) -> np.ndarray:
    r"""Validator trust over time: ``Vt_i(t) = sum_j min(W_ij(t), C_j(t))``.

    The share of a validator's weight that survived clipping in each epoch (1: all its
    weight agreed with consensus).

    Parameters
    ----------
    sim : Simulation
        A simulation.
    uids : sequence of int, optional
        Validators to return; default :func:`validator_rows`.

    Returns
    -------
    numpy.ndarray, shape (epochs, len(uids))
    """
    _check_sim(sim)
    rows = validator_rows(sim) if uids is None else _uids(sim, uids, "uids")
    return sim.validator_trust[:, rows]

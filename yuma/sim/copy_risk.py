r"""Copy risk on a real subnet: does a weight copier earn what honest validators earn.

What OTF's weight-copy notebooks (``opentensor/developer-docs``, ``static/weight_copy``)
compute, and what subnet owners ask: which commit-reveal interval and which liquid-alpha
range make copying unprofitable on this subnet?

**The copier.** One extra UID (appended as UID ``n``: a row and a column) with the median
stake of the subnet's validators, that sets as its weights the consensus ``C`` of ``k``
tempos ago: ``k`` is the commit-reveal delay (weights become visible ``k`` tempos after they
count). Its row in epoch ``t`` is

* ``k = 0``: this epoch's consensus of the others' weights (no commit-reveal: the copier
  reads the weights on chain and computes their consensus), the base run's ``C_t``;
* ``k >= 1``: the consensus the chain stored ``k`` epochs ago, ``C_{t-k}`` of its own
  run; before the history starts (``t < k``), the base run's ``C_0``, the best reading of
  the weights before the first snapshot.

The **base run** is the subnet with the copier's row uniform (``1 / (n + 1)`` on every
UID), as OTF's notebooks set it; it gives the consensus of the others' weights (consensus
does not read bonds, so one base run serves every alpha setting). Every run starts from
the first snapshot's state (its bonds, or none; its permits, or those its stake earns), the
copier included, and ``G`` is measured over the same epochs ``[start, T)`` for every
setting, by default from ``start = max(delays)``: the first epoch where every copier copies
its own run's history. (OTF's notebooks copy the base run's consensus for the first ``k``
epochs and then, through their results dictionary, the copier run's own: the same rule.)

**The ratio.** Over those epochs, with ``D`` dividend shares and ``S`` stake shares
(:func:`yuma.sim.metrics.copier_ratio_of`, the library's one definition):

.. math::

    G = \frac{\sum_t D_c(t) / \sum_t S_c(t)}{\operatorname{median}_{i \in H}
        \sum_t D_i(t) / \sum_t S_i(t)}

over the honest validators ``H``: the UIDs with validator trust > 0 (the chain's stored
``validator_trust`` of the first snapshot when it carries it, else that of the first
snapshot's epoch without the copier). ``G < 1``: the copier earns less per staked TAO
than the median validator and nominators leave it; ``G < 0.82``: copying stops paying
(:data:`STOPS_PAYING`).

**History.** A series of snapshots of one subnet (one per tempo, blocks in order) is the
real history. A single snapshot has none: with ``drift`` the weights move by a documented
synthetic model (:func:`drifted_series`: each miner's standing follows a random walk shared
by every validator); with ``drift=0`` they stay as they are, and then no delay hides
anything from the copier.

The sweep evaluates, at each epoch, every (delay, alpha_low, alpha_high) setting as one
batch of independent epochs (``yuma.sim._batch.evaluate_epochs``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._progress import Progress
from ..core.presets import Candidate, resolve_candidate
from ..io.snapshot import EpochSnapshot
from ..io.subnet import SubnetSnapshot, derived_permits
from ._batch import evaluate_epochs
from .metrics import copier_ratio_of
from .replay import as_epoch_snapshot, check_series

__all__ = [
    "CopyRisk",
    "copy_risk",
    "drifted_series",
    "DEFAULT_DELAYS",
    "DEFAULT_ALPHAS",
    "NOMINATORS_LEAVE",
    "STOPS_PAYING",
]

DEFAULT_DELAYS = (0, 1, 2, 4, 8)
"""Commit-reveal delays swept by default, in tempos."""

DEFAULT_ALPHAS = (0.1, 0.3, 0.5, 0.7, 0.9)
"""``alpha_low`` and ``alpha_high`` values swept by default (OTF's grid); pairs with
``alpha_low <= alpha_high``."""

NOMINATORS_LEAVE = 1.0
"""``G`` below this: the copier earns less per staked TAO than the median validator."""

STOPS_PAYING = 0.82
"""``G`` below this: copying stops paying (the threshold of OTF's analysis)."""


# --------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------


def drifted_series(snapshot, epochs: int, drift: float, *, seed: int = 0,
                   tempo: int = 360) -> list[EpochSnapshot]:
    r"""A synthetic history from one snapshot: each miner's standing drifts, shared by all.

    ``W_t[i, j] = W_0[i, j] q_j(t)`` (rows renormalised by the epoch), with
    ``log q_j(0) = 0`` and ``log q_j(t + 1) = log q_j(t) + drift z_j(t)``, ``z`` standard
    normal from ``numpy.random.default_rng(seed)``: validators keep their disagreements
    while the consensus moves, about ``drift`` (relative) per miner per tempo. Stake and
    everything else stay as in the snapshot; block ``t`` is ``block + t * tempo``.

    Parameters
    ----------
    snapshot : EpochSnapshot, SubnetSnapshot or path
        The real starting point.
    epochs : int
        Length of the series (>= 1).
    drift : float
        Per-tempo standard deviation of each miner's log standing (>= 0; 0 repeats the
        snapshot).
    seed : int
        Seed of the walk.
    tempo : int
        Blocks between snapshots.

    Returns
    -------
    list of EpochSnapshot

    Raises
    ------
    ValueError
        On a bad argument.
    """
    snap = as_epoch_snapshot(snapshot)
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if isinstance(drift, bool) or not isinstance(drift, (int, float)) or not (
        np.isfinite(drift) and drift >= 0
    ):
        raise ValueError(f"drift must be a finite number >= 0, got {drift!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    w0 = np.asarray(snap.inputs["weights"], dtype=np.float64)
    rng = np.random.default_rng(seed)
    log_q = np.zeros(w0.shape[1])
    block = 0 if snap.block is None else snap.block
    series = []
    for t in range(int(epochs)):
        if t > 0:
            log_q = log_q + float(drift) * rng.standard_normal(w0.shape[1])
        inputs = dict(snap.inputs)
        inputs["weights"] = w0 * np.exp(log_q)[None, :]
        series.append(dataclasses.replace(
            snap, inputs=inputs, block=block + t * tempo,
            source=f"{snap.source} (drift {drift:g}, tempo {t})"))
    return series


# --------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------


def verdict(g: float) -> str:
    """Words for a copier ratio: who leaves, whether copying pays.

    Parameters
    ----------
    g : float

    Returns
    -------
    str
    """
    if not np.isfinite(g):
        return "undefined"
    if g < STOPS_PAYING:
        return "copying stops paying"
    if g < NOMINATORS_LEAVE:
        return "nominators leave"
    return "copying pays"


@dataclass(frozen=True, eq=False)
class CopyRisk:
    """The copier ratio over a sweep of commit-reveal delays and liquid-alpha ranges.

    Attributes
    ----------
    delays : tuple of int
        Commit-reveal delays in tempos.
    alpha_pairs : tuple of (float, float)
        ``(alpha_low, alpha_high)`` settings.
    g : numpy.ndarray, shape (len(delays), len(alpha_pairs))
        ``G`` over the measured epochs.
    g_last : numpy.ndarray, shape (len(delays), len(alpha_pairs))
        ``G`` of the last epoch alone.
    g_per_epoch : numpy.ndarray, shape (len(delays), len(alpha_pairs), epochs)
        ``G(t)`` of each measured epoch.
    honest : tuple of int
        The validators the copier is compared with.
    copier_stake : numpy.ndarray, shape (epochs,)
        The copier's stake (median of the honest validators'), in the snapshots' unit.
    first_epoch, n_epochs : int
        The measured epochs are ``[first_epoch, n_epochs)`` of the series.
    label : str
        The candidate (variant and fixed hyperparameters) swept.
    netuid, block : int or None
        Of the first snapshot.
    history : str
        ``"series"`` (real snapshots) or the synthetic drift used.
    stake_unit : str or None
    """

    delays: tuple
    alpha_pairs: tuple
    g: np.ndarray
    g_last: np.ndarray
    g_per_epoch: np.ndarray
    honest: tuple
    copier_stake: np.ndarray
    first_epoch: int
    n_epochs: int
    label: str
    netuid: int | None
    block: int | None
    history: str
    stake_unit: str | None

    def rows(self) -> list[dict]:
        """The sweep as rows: one per (delay, alpha_low, alpha_high).

        Returns
        -------
        list of dict
            ``delay``, ``alpha_low``, ``alpha_high``, ``G``, ``G_last``, ``verdict``.
        """
        out = []
        for a, delay in enumerate(self.delays):
            for b, (lo, hi) in enumerate(self.alpha_pairs):
                g = float(self.g[a, b])
                out.append({"delay": delay, "alpha_low": lo, "alpha_high": hi, "G": g,
                            "G_last": float(self.g_last[a, b]), "verdict": verdict(g)})
        return out

    def to_frame(self):
        """The rows of :meth:`rows` as a :class:`pandas.DataFrame`.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        import pandas as pd

        return pd.DataFrame(self.rows())

    def safe_settings(self, threshold: float = STOPS_PAYING) -> list[dict]:
        """Per delay, the alpha ranges where ``G`` is below ``threshold``.

        Parameters
        ----------
        threshold : float
            :data:`STOPS_PAYING` (default) or :data:`NOMINATORS_LEAVE`.

        Returns
        -------
        list of dict
            ``delay`` and ``alpha_pairs`` (a list of ``(alpha_low, alpha_high)``).
        """
        return [{"delay": d, "alpha_pairs": [p for b, p in enumerate(self.alpha_pairs)
                                             if self.g[a, b] < threshold]}
                for a, d in enumerate(self.delays)]

    def format(self) -> str:
        """The sweep as text: settings, ``G`` per alpha range (rows) and delay (columns).

        Returns
        -------
        str
        """
        net = f"netuid {self.netuid}" if self.netuid is not None else "subnet"
        at = f" at block {self.block}" if self.block is not None else ""
        lines = [
            f"copy risk: {net}{at}, {self.label}, {len(self.honest)} validators "
            f"(validator trust > 0), copier with their median stake; history: {self.history}",
            f"G over epochs {self.first_epoch}..{self.n_epochs - 1} (G < {NOMINATORS_LEAVE:g}: "
            f"nominators leave the copier; G < {STOPS_PAYING:g}: copying stops paying)",
        ]
        head = "alpha_low-high " + " ".join(f"{f'delay {d}':>9}" for d in self.delays)
        lines += [head, "-" * len(head)]
        for b, (lo, hi) in enumerate(self.alpha_pairs):
            cells = " ".join(f"{self.g[a, b]:8.3f}{_mark(self.g[a, b])}"
                             for a in range(len(self.delays)))
            lines.append(f"{lo:>6.2f}-{hi:<7.2f} {cells}")
        lines.append("(* G < 0.82, + G < 1)")
        for threshold, words in ((STOPS_PAYING, "copying stops paying"),
                                 (NOMINATORS_LEAVE, "nominators leave the copier")):
            first = next((s for s in self.safe_settings(threshold) if s["alpha_pairs"]), None)
            if first is None:
                lines.append(f"{words}: at no swept delay and alpha range")
            else:
                pairs = ", ".join(f"{lo:g}-{hi:g}" for lo, hi in first["alpha_pairs"])
                lines.append(f"{words}: from delay {first['delay']} with alpha {pairs}")
        return "\n".join(lines)

    def plot(self):
        """``G`` against the delay, one line per alpha range, with the two thresholds.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt
        from matplotlib.colors import TwoSlopeNorm

        fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
        ax = axes[0]
        colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, len(self.alpha_pairs)))
        for b, (lo, hi) in enumerate(self.alpha_pairs):
            ax.plot(self.delays, self.g[:, b], marker="o", lw=1, color=colours[b],
                    label=f"{lo:g}-{hi:g}")
        ax.axhline(NOMINATORS_LEAVE, color="grey", lw=0.8, ls="--")
        ax.axhline(STOPS_PAYING, color="firebrick", lw=0.8, ls="--")
        ax.set_xlabel("commit-reveal delay (tempos)")
        ax.set_ylabel("copier ratio G")
        ax.legend(title="alpha low-high", fontsize=7, ncol=2)
        ax = axes[1]
        finite = self.g[np.isfinite(self.g)]
        low = min(STOPS_PAYING, float(finite.min())) if finite.size else STOPS_PAYING
        high = max(2 - low, float(finite.max())) if finite.size else 2 - low
        image = ax.imshow(self.g.T, aspect="auto", cmap="RdYlGn_r", origin="lower",
                          norm=TwoSlopeNorm(vmin=low, vcenter=NOMINATORS_LEAVE, vmax=high))
        ax.set_xticks(range(len(self.delays)), [str(d) for d in self.delays])
        ax.set_yticks(range(len(self.alpha_pairs)),
                      [f"{lo:g}-{hi:g}" for lo, hi in self.alpha_pairs], fontsize=7)
        ax.set_xlabel("delay (tempos)")
        fig.colorbar(image, ax=ax, label="G")
        net = f"SN{self.netuid}" if self.netuid is not None else "subnet"
        fig.suptitle(f"{net} copy risk, {self.label} ({self.history})")
        fig.tight_layout()
        return fig


def _mark(g: float) -> str:
    if not np.isfinite(g):
        return " "
    return "*" if g < STOPS_PAYING else ("+" if g < NOMINATORS_LEAVE else " ")


# --------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------


_U64_MAX = float((1 << 64) - 1)


def _with_copier(kw: dict, copier_row: np.ndarray, copier_stake: float) -> dict:
    """Epoch inputs with the copier appended as UID n (a row and a column)."""
    w = np.asarray(kw["weights"], dtype=np.float64)
    n = w.shape[0]
    out = dict(kw)
    weights = np.zeros((n + 1, n + 1))
    weights[:n, :n] = w
    weights[n] = copier_row
    out["weights"] = weights
    out["stake"] = np.append(np.asarray(kw["stake"], dtype=np.float64), copier_stake)
    pads = {"active": True, "validator_permit": True, "reset_bonds": False,
            "previous_consensus": 0.0, "block_at_registration": 0}
    for name, fill in pads.items():
        if kw.get(name) is not None:
            out[name] = np.append(np.asarray(kw[name]), fill)
    if kw.get("last_update") is not None:
        lu = np.asarray(kw["last_update"])
        out["last_update"] = np.append(lu, lu.max() if lu.size else 0)
    if kw.get("commit_block") is not None:
        out["commit_block"] = np.append(np.asarray(kw["commit_block"]), _U64_MAX)
    for name in ("bonds", "listed"):
        if kw.get(name) is not None:
            x = np.asarray(kw[name])
            padded = np.zeros((n + 1, n + 1), dtype=x.dtype)
            padded[:n, :n] = x
            out[name] = padded
    return out


@dataclass
class _Carry:
    bonds: np.ndarray | None = None
    validator_permit: np.ndarray | None = None
    consensus: np.ndarray | None = None


def _inputs(kw_base: dict, params, cand: Candidate, row: np.ndarray, stake_c: float,
            state: _Carry, first: bool, permits_derived: bool) -> dict:
    kw = _with_copier(kw_base, row, stake_c)
    kw["params"] = params
    kw["variant"] = cand.variant
    if first:
        if permits_derived:
            kw["validator_permit"] = derived_permits(kw["stake"], params.max_allowed_validators,
                                                     kw.get("owner_uid"))
    else:
        kw["bonds"] = state.bonds
        kw["validator_permit"] = state.validator_permit
        if state.consensus is not None:
            kw["previous_consensus"] = state.consensus
    return kw


def _carry(result, u16: bool) -> _Carry:
    from .simulation import u16_round_trip

    if u16:
        return _Carry(u16_round_trip(result.bonds), np.array(result.validator_permit),
                      u16_round_trip(result.consensus))
    return _Carry(np.array(result.bonds), np.array(result.validator_permit),
                  np.array(result.consensus))


def _check_grid(delays, alpha_lows, alpha_highs) -> tuple[tuple, tuple]:
    try:
        delays = tuple(int(d) for d in delays)
        lows = tuple(float(a) for a in alpha_lows)
        highs = tuple(float(a) for a in alpha_highs)
    except (TypeError, ValueError):
        raise ValueError("delays, alpha_lows and alpha_highs must be sequences of numbers") \
            from None
    if not delays or min(delays) < 0 or len(set(delays)) != len(delays):
        raise ValueError(f"delays must be distinct integers >= 0, got {delays!r}")
    for name, values in (("alpha_lows", lows), ("alpha_highs", highs)):
        if not values or not all(0.0 <= a <= 1.0 for a in values):
            raise ValueError(f"{name} must be numbers in [0, 1], got {values!r}")
    pairs = tuple((lo, hi) for lo in lows for hi in highs if lo <= hi)
    if not pairs:
        raise ValueError("no (alpha_low, alpha_high) pair with alpha_low <= alpha_high")
    return tuple(sorted(delays)), pairs


def _honest(first: EpochSnapshot, base_first_trust: np.ndarray) -> np.ndarray:
    """Validators: stored validator trust > 0 of the first snapshot, else its epoch's."""
    trust = first.outputs.get("validator_trust")
    if trust is None:
        trust = base_first_trust
    return np.flatnonzero(np.asarray(trust)[: first.n] > 0)


def copy_risk(
    snapshots,
    *,
    delays: Sequence[int] = DEFAULT_DELAYS,
    alpha_lows: Sequence[float] = DEFAULT_ALPHAS,
    alpha_highs: Sequence[float] = DEFAULT_ALPHAS,
    variant=None,
    drift: float | None = None,
    epochs: int = 40,
    seed: int = 0,
    start: int | None = None,
    u16_bonds: bool = True,
    hyperparameters=None,
    progress: bool = False,
) -> CopyRisk:
    r"""Sweep commit-reveal delay x alpha_low x alpha_high; the copier ratio G of each.

    See the module notes for the copier, the base run and the ratio.

    Parameters
    ----------
    snapshots : snapshot or sequence of snapshots
        :class:`yuma.io.EpochSnapshot`, :class:`yuma.io.SubnetSnapshot` or file paths:
        one subnet's history, one per tempo, blocks in order; or a single snapshot with
        ``drift``.
    delays : sequence of int
        Commit-reveal delays in tempos (0: no commit-reveal).
    alpha_lows, alpha_highs : sequence of float
        Liquid-alpha bounds; every pair with ``alpha_low <= alpha_high`` is run.
    variant : optional
        What runs (a preset, a variant, a :class:`yuma.YumaParams`, a candidate; see
        :func:`yuma.core.presets.resolve_candidate`), always with liquid alpha on; default
        the snapshots' own hyperparameters with liquid alpha on.
    drift : float, optional
        For a single snapshot: the synthetic drift of :func:`drifted_series` (0 keeps the
        weights still). Required with one snapshot, refused with a series.
    epochs : int
        For a single snapshot: the length of the synthetic history.
    seed : int
        Seed of the drift.
    start : int, optional
        First measured epoch (default ``max(delays)``; larger values skip a warm-up).
    u16_bonds : bool
        Carry bonds and consensus through the chain's u16 storage.
    hyperparameters : mapping or object, optional
        For ``.pt`` dumps given as paths.
    progress : bool
        Draw a progress bar on stderr, one step per epoch of the base run and per epoch of
        the copier runs (all delays and alpha pairs of an epoch at once).

    Returns
    -------
    CopyRisk

    Raises
    ------
    ValueError
        On a bad argument, a series that is not one subnet's history, one snapshot
        without ``drift``, a history that ends before ``start``, or no validator to
        compare with.

    Examples
    --------
    >>> import numpy as np
    >>> from yuma.io.snapshot import EpochSnapshot
    >>> w = np.zeros((6, 6)); w[:3, 3:] = [[0.5, 0.3, 0.2], [0.4, 0.4, 0.2], [0.6, 0.2, 0.2]]
    >>> snap = EpochSnapshot({"weights": w, "stake": [5.0, 3.0, 2.0, 0, 0, 0]})
    >>> risk = copy_risk(snap, delays=[0, 2], alpha_lows=[0.7], alpha_highs=[0.9],
    ...                  drift=0.2, epochs=12)
    >>> risk.g.shape, len(risk.honest)
    ((2, 1), 3)
    """
    delays, pairs = _check_grid(delays, alpha_lows, alpha_highs)
    series, history = _history(snapshots, drift, epochs, seed, hyperparameters)
    check_series(series)
    cand = resolve_candidate(variant, liquid_alpha=True) if variant is not None else None
    first = series[0]
    if cand is None:
        cand = resolve_candidate(first.params, liquid_alpha=True)
    T = len(series)
    start = _check_run_options(start, delays, T, u16_bonds, progress)
    n = first.n
    if any(s.n != n for s in series):
        raise ValueError("snapshots: the copy-risk sweep needs the same UIDs in every "
                         "snapshot (the copier is appended as UID n)")
    params = [[dataclasses.replace(cand.params(s.params), alpha_low=lo, alpha_high=hi)
               for s in series] for lo, hi in pairs]
    honest, copier_stake = _copier_peers(series, params[0][0], cand)

    base_epochs = T if 0 in delays else 1
    bar = Progress(base_epochs + T, "copy risk", unit="epochs", enabled=bool(progress))
    with bar:
        base_consensus = _base_run(series, params[0], cand, copier_stake, base_epochs,
                                   u16_bonds, bar)
        dividends, stake = _copier_runs(series, params, cand, delays, copier_stake,
                                        base_consensus, u16_bonds, bar)

    g, g_epoch = _copier_ratios(dividends[:, :, start:], stake[:, :, start:], n, honest)
    return CopyRisk(
        delays=delays, alpha_pairs=pairs, g=g, g_last=g_epoch[:, :, -1], g_per_epoch=g_epoch,
        honest=tuple(int(u) for u in honest), copier_stake=copier_stake,
        first_epoch=int(start), n_epochs=T, label=cand.label, netuid=first.netuid,
        block=first.block, history=history, stake_unit=first.stake_unit,
    )


def _check_run_options(start, delays: tuple, n_epochs: int, u16_bonds, progress) -> int:
    """Check ``start``, ``u16_bonds`` and ``progress``; the first measured epoch.

    Parameters
    ----------
    start : int or None
        First measured epoch; None is ``max(delays)``.
    delays : tuple of int
        The checked delays.
    n_epochs : int
        Length of the history ``T``.
    u16_bonds, progress : bool

    Returns
    -------
    int
        ``start``, in ``[0, T)``.
    """
    if start is None:
        start = max(delays)
    if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or start < 0:
        raise ValueError(f"start must be an integer >= 0, got {start!r}")
    if start >= n_epochs:
        raise ValueError(f"snapshots: {n_epochs} epoch(s) leave nothing to measure from epoch "
                         f"{start} (start defaults to the largest delay); give a longer "
                         "history")
    if not isinstance(u16_bonds, (bool, np.bool_)):
        raise ValueError(f"u16_bonds must be a bool, got {u16_bonds!r}")
    if not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool, got {progress!r}")
    return int(start)


def _copier_peers(series: list, first_params, cand: Candidate) -> tuple[np.ndarray, np.ndarray]:
    """Who the copier is compared with (:func:`_honest`), and its stake per epoch.

    The copier's stake at epoch ``t`` is the median stake of the honest validators there.

    Parameters
    ----------
    series : list of EpochSnapshot
    first_params : YumaParams
        The parameters of the first epoch of the first alpha pair.
    cand : Candidate

    Returns
    -------
    honest : numpy.ndarray of int
    copier_stake : numpy.ndarray of float64, shape (T,)
    """
    first = series[0]
    probe = evaluate_epochs([first.epoch_kwargs(params=first_params,
                                                variant=cand.variant)])[0]
    honest = _honest(first, probe.validator_trust)
    if honest.size == 0:
        raise ValueError(f"{first.source}: validator_trust: no validator has trust > 0; "
                         "nothing to compare a copier with")
    copier_stake = np.array([float(np.median(np.asarray(s.inputs["stake"],
                                                        dtype=np.float64)[honest]))
                             for s in series])
    return honest, copier_stake


def _base_run(series: list, params: list, cand: Candidate, copier_stake: np.ndarray,
              base_epochs: int, u16_bonds: bool, bar: Progress) -> np.ndarray:
    """The base run: the copier's row uniform; its consensus is that of the others' weights.

    Parameters
    ----------
    series : list of EpochSnapshot
    params : list of YumaParams
        Per epoch (any alpha pair: consensus does not read bonds).
    cand : Candidate
    copier_stake : numpy.ndarray, shape (T,)
    base_epochs : int
        Epochs to run: ``T`` when a delay is 0, else 1 (only ``C_0`` is read).
    u16_bonds : bool
    bar : Progress
        Advanced once per epoch.

    Returns
    -------
    numpy.ndarray, shape (T, n + 1)
        The consensus of each run epoch (rows past ``base_epochs`` stay 0).
    """
    n = series[0].n
    permits_derived = series[0].permits_derived
    uniform = np.full(n + 1, 1.0 / (n + 1))
    base_consensus = np.zeros((len(series), n + 1))
    base = _Carry()
    for t in range(base_epochs):
        out = evaluate_epochs([_inputs(series[t].epoch_kwargs(), params[t], cand,
                                       uniform, copier_stake[t], base, t == 0,
                                       permits_derived)])[0]
        base = _carry(out, u16_bonds)
        base_consensus[t] = out.consensus
        bar.update()
    return base_consensus


def _copier_runs(series: list, params: list, cand: Candidate, delays: tuple,
                 copier_stake: np.ndarray, base_consensus: np.ndarray, u16_bonds: bool,
                 bar: Progress) -> tuple[np.ndarray, np.ndarray]:
    """The copier runs: one per (delay, alpha pair), batched per epoch.

    Parameters
    ----------
    series : list of EpochSnapshot
    params : list of list of YumaParams
        ``params[b][t]``: alpha pair ``b``, epoch ``t``.
    cand : Candidate
    delays : tuple of int
    copier_stake : numpy.ndarray, shape (T,)
    base_consensus : numpy.ndarray, shape (T, n + 1)
        From :func:`_base_run`.
    u16_bonds : bool
    bar : Progress
        Advanced once per epoch.

    Returns
    -------
    dividends, stake : numpy.ndarray, shape (len(delays), len(params), T, n + 1)
        Each run's dividends and stake per epoch.
    """
    T, n = len(series), series[0].n
    permits_derived = series[0].permits_derived
    configs = [(a, b) for a in range(len(delays)) for b in range(len(params))]
    states = {key: _Carry() for key in configs}
    own_consensus = {a: np.zeros((T, n + 1)) for a in range(len(delays))}
    dividends = np.zeros((len(delays), len(params), T, n + 1))
    stake = np.zeros_like(dividends)
    for t in range(T):
        batch = [_inputs(series[t].epoch_kwargs(), params[b][t], cand,
                         _copied_row(delays[a], t, base_consensus, own_consensus[a]),
                         copier_stake[t], states[(a, b)], t == 0, permits_derived)
                 for a, b in configs]
        for (a, b), out in zip(configs, evaluate_epochs(batch, keep=("bonds",)),
                                 strict=True):
            states[(a, b)] = _carry(out, u16_bonds)
            if b == 0:
                own_consensus[a][t] = out.consensus
            dividends[a, b, t] = out.dividends
            stake[a, b, t] = out.stake
        bar.update()
    return dividends, stake


def _copier_ratios(dividends: np.ndarray, stake: np.ndarray, n: int,
                   honest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The copier ratio ``G`` of each run over the measured epochs, overall and per epoch.

    Parameters
    ----------
    dividends, stake : numpy.ndarray, shape (delays, pairs, epochs, n + 1)
        The measured epochs ``[start, T)`` of each run.
    n : int
        The copier's UID.
    honest : numpy.ndarray of int

    Returns
    -------
    g : numpy.ndarray, shape (delays, pairs)
    g_epoch : numpy.ndarray, shape (delays, pairs, epochs)
    """
    n_delays, n_pairs, n_measured = dividends.shape[:3]
    g = np.full((n_delays, n_pairs), np.nan)
    g_epoch = np.full((n_delays, n_pairs, n_measured), np.nan)
    for a in range(n_delays):
        for b in range(n_pairs):
            d, s = dividends[a, b], stake[a, b]
            g[a, b] = copier_ratio_of(d, s, n, honest)
            g_epoch[a, b] = copier_ratio_of(d, s, n, honest, per_epoch=True)
    return g, g_epoch


def _copied_row(delay: int, t: int, base: np.ndarray, own: np.ndarray) -> np.ndarray:
    """The copier's row at epoch ``t``: the consensus of ``delay`` epochs ago (see notes)."""
    if delay == 0:
        return base[t]
    return own[t - delay] if t >= delay else base[0]


def _history(snapshots, drift, epochs, seed, hyperparameters) -> tuple[list, str]:
    """The series to sweep over, and how to describe it."""
    single = isinstance(snapshots, (str, Path, EpochSnapshot, SubnetSnapshot))
    items = [snapshots] if single else list(snapshots)
    if len(items) == 1:
        if drift is None:
            raise ValueError(
                "snapshots: one snapshot has no history; give drift= (a synthetic drift of "
                "the weights, see drifted_series; 0 keeps them still) or a series of "
                "snapshots, one per tempo"
            )
        snap = as_epoch_snapshot(items[0], hyperparameters=hyperparameters)
        history = (f"one snapshot, weights still, {epochs} tempos" if drift == 0 else
                   f"one snapshot, synthetic drift {drift:g} per tempo (seed {seed}), "
                   f"{epochs} tempos")
        return drifted_series(snap, epochs, drift, seed=seed), history
    if drift is not None:
        raise ValueError("drift= is for a single snapshot; a series is the real history")
    series = [as_epoch_snapshot(s, hyperparameters=hyperparameters) for s in items]
    return series, f"{len(series)} snapshots"

r"""A catalogue of named invariants of the Yuma epoch: properties a variant should keep.

Each invariant is a function ``check(variant, case)`` that runs :func:`yuma.epoch` (one
epoch, or a few with the bonds carried) on one input ``case`` and raises
:class:`InvariantViolation` (an ``AssertionError``) with a failure ``kind`` and a plain
explanation when the property does not hold; it returns None otherwise. A ``case`` is a
dict of :func:`yuma.epoch` keyword arguments (``weights``, ``stake``, ``bonds``,
``params``, ``active``, ``validator_permit``, ``listed``) plus what the invariant needs
(a permutation, a factor, a coalition, ...). :data:`INVARIANTS` wraps each check in an
:class:`Invariant` with a Hypothesis strategy of cases (random and adversarial inputs), a
one-line summary and what is known of the built-in variants;
:func:`yuma.testing.check_variant` runs them all.

The built-in presets (``yuma2``, ``yuma2_liquid_alpha_v1``, ``yuma3``, ``yuma3+la``)
hold every invariant except (found by :func:`yuma.testing.check_variant`, asserted in
``tests/test_invariants.py``):

======================== ============================ ==================================
invariant                fails for                    kind
======================== ============================ ==================================
zero_stake_no_dividends  yuma2, yuma2_liquid_alpha_v1 ``dividends_to_zero_stake``
split_invariance         yuma3, yuma3+la              ``split_changes_dividends``
bonds_decay              yuma2, yuma2_liquid_alpha_v1 ``frozen_bonds``
======================== ============================ ==================================

Several invariants compare two runs "up to rounding" (relative 1e-9, absolute 1e-12).
Where a column's consensus sits on the kappa boundary in exact arithmetic, a last-bit
difference of the normalized stake may legitimately move it, so such inputs compare only
what comes before the consensus (see :func:`near_kappa_tie`); likewise the top-k permit
rule breaks exact stake ties by UID (:func:`permit_cut_tie`).

Needs ``hypothesis`` for the strategies.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..core.run_epoch import epoch
from ..core.variants import Variant
from ..params import YumaParams
from ..result import EpochResult

__all__ = [
    "InvariantViolation",
    "Invariant",
    "INVARIANTS",
    "PRESETS",
    "emission_conserved",
    "outputs_in_range",
    "permutation_equivariance",
    "stake_scale_invariance",
    "weight_scale_invariance",
    "zero_stake_no_dividends",
    "unweighted_miner_no_incentive",
    "kappa_clipping",
    "split_invariance",
    "bonds_bounded",
    "bonds_decay",
    "determinism",
    "hyperparameters",
    "epoch_cases",
    "run_epoch",
    "run_epochs",
    "near_kappa_tie",
    "permit_cut_tie",
    "decay_rate",
    "format_case",
]

PRESETS = ("yuma2", "yuma2_liquid_alpha_v1", "yuma3", "yuma3+la")
"""The built-in presets the catalogue states results for (:data:`yuma.sim.plot.VARIANT_PRESETS`)."""

RTOL = 1e-9
ATOL = 1e-12
TOL = 1e-9
"""Tolerance of sums (emission, shares) and of dividends compared across runs."""

EPOCH_KEYS = ("weights", "stake", "bonds", "params", "active", "validator_permit", "listed")
"""Keys of a case that are :func:`yuma.epoch` arguments."""

ROW_FIELDS = (
    "stake",
    "active",
    "active_stake",
    "validator_trust",
    "dividends",
    "validator_emission",
    "validator_permit",
)
COL_FIELDS = ("consensus", "rank", "trust", "incentive", "server_emission")
MATRIX_FIELDS = ("weights", "clipped_weights", "weights_for_bonds", "ema_bonds", "bonds")
ALL_FIELDS = ROW_FIELDS + COL_FIELDS + MATRIX_FIELDS + ("emission",)
FLOAT_FIELDS = tuple(f for f in ALL_FIELDS if f not in ("active", "validator_permit"))
PRE_CONSENSUS_FIELDS = ("stake", "active", "active_stake", "weights")
"""Fields computed before the consensus (no step of a variant has run yet)."""

DEFAULT_EPOCHS = 3
"""Epochs of the multi-epoch invariants (split, bonds)."""


class InvariantViolation(AssertionError):
    """An invariant does not hold on a case.

    Parameters
    ----------
    invariant : str
        The invariant's name.
    kind : str
        A short identifier of the failure (``"frozen_bonds"``, ``"out_of_range"``...).
    message : str
        What was expected and what came out.
    """

    def __init__(self, invariant: str, kind: str, message: str):
        super().__init__(f"{invariant} [{kind}]: {message}")
        self.invariant = invariant
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Invariant:
    """A named invariant: its check, its cases, and what is known of the built-ins.

    Parameters
    ----------
    name : str
        Identifier (a key of :data:`INVARIANTS`).
    check : callable
        ``check(variant, case) -> None``; raises :class:`InvariantViolation`. Its
        docstring states the property and its math.
    cases : callable
        ``cases(params) -> SearchStrategy`` of case dicts, given a strategy of
        :class:`yuma.YumaParams`.
    summary : str
        One line.
    fails : Mapping
        Built-in preset -> failure kind, for the presets known to fail; the other
        presets of :data:`PRESETS` hold it.
    """

    name: str
    check: Callable[[Variant, dict], None]
    cases: Callable[[Any], Any]
    summary: str
    fails: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def holds(self) -> tuple[str, ...]:
        """The built-in presets that hold this invariant."""
        return tuple(p for p in PRESETS if p not in self.fails)

    @property
    def doc(self) -> str:
        """The check's docstring: the property and its math."""
        return self.check.__doc__ or ""

    def __call__(self, variant: Variant, case: dict) -> None:
        """Check one case (see :attr:`check`)."""
        self.check(variant, case)


# --------------------------------------------------------------------------------------
# Running epochs
# --------------------------------------------------------------------------------------


def run_epoch(variant: Variant, case: Mapping, **overrides) -> EpochResult:
    """Run :func:`yuma.epoch` on a case's epoch arguments (floating-point warnings off).

    Parameters
    ----------
    variant : Variant
        The variant to run.
    case : Mapping
        A case; only its :data:`EPOCH_KEYS` are passed.
    **overrides
        Arguments replacing the case's.

    Returns
    -------
    EpochResult
    """
    kwargs = {k: case[k] for k in EPOCH_KEYS if k in case}
    kwargs.update(overrides)
    with np.errstate(all="ignore"):
        return epoch(**kwargs, variant=variant)


def run_epochs(variant: Variant, case: Mapping, epochs: int, **overrides) -> list[EpochResult]:
    """Run a few epochs on the same inputs, carrying bonds, permits and consensus.

    As :func:`yuma.simulate` does: epoch ``t + 1`` receives ``bonds``,
    ``validator_permit`` and ``previous_consensus`` from epoch ``t``; the first epoch
    receives the case's.

    Parameters
    ----------
    variant : Variant
        The variant to run.
    case : Mapping
        A case (its :data:`EPOCH_KEYS`).
    epochs : int
        Number of epochs.
    **overrides
        Arguments replacing the case's.

    Returns
    -------
    list of EpochResult
    """
    kwargs = {k: case[k] for k in EPOCH_KEYS if k in case}
    kwargs.update(overrides)
    out = []
    prev = None
    for _ in range(epochs):
        with np.errstate(all="ignore"):
            r = epoch(**kwargs, variant=variant, previous_consensus=prev)
        out.append(r)
        kwargs["bonds"] = r.bonds
        kwargs["validator_permit"] = r.validator_permit
        prev = r.consensus
    return out


def _fail(name: str, kind: str, message: str) -> InvariantViolation:
    return InvariantViolation(name, kind, message)


def _mask(x, n: int) -> np.ndarray:
    return np.ones(n, dtype=bool) if x is None else np.asarray(x, dtype=bool)


def _exact_shares(case: Mapping) -> list[Fraction]:
    """Exact active-stake shares from the raw inputs (what S_act approximates)."""
    stake = np.asarray(case["stake"], dtype=np.float64)
    n = stake.shape[0]
    keep = _mask(case.get("active"), n) & _mask(case.get("validator_permit"), n)
    raw = [Fraction(float(s)) if k else Fraction(0) for s, k in zip(stake, keep, strict=True)]
    total = sum(raw)
    return [x / total for x in raw] if total else raw


def near_kappa_tie(case: Mapping, weights: np.ndarray, rel: float = 1e-9) -> bool:
    """Whether some column's consensus sits on the kappa boundary, in exact arithmetic.

    For each column and each participant's weight ``v`` (but the smallest), the exact
    stake share of the holders of at least ``v`` is compared with kappa; within ``rel``,
    a last-bit change of the normalized stake (another summation order, a scaled stake)
    can move the consensus from one weight value to the next.

    Parameters
    ----------
    case : Mapping
        A case (``stake``, ``params``, optional ``active`` and ``validator_permit``).
    weights : numpy.ndarray
        The masked, row-normalized weights (:attr:`yuma.EpochResult.weights`).
    rel : float
        How near counts as a tie.

    Returns
    -------
    bool
    """
    shares = _exact_shares(case)
    part = [i for i, a in enumerate(shares) if a > 0]
    if not part:
        return False
    kappa = Fraction(case["params"].kappa)
    w = np.asarray(weights)
    for j in range(w.shape[1]):
        col = w[part, j]
        for v in np.unique(col)[1:]:
            held = sum(shares[i] for i, x in zip(part, col, strict=True) if x >= v)
            if abs(held - kappa) <= rel:
                return True
    return False


def permit_cut_tie(stake: np.ndarray, k: int, rel: float = 1e-9) -> bool:
    """Whether the top-k permit cut falls between two (nearly) equal non-zero stakes.

    Parameters
    ----------
    stake : numpy.ndarray
        Raw stakes.
    k : int
        ``max_allowed_validators``.
    rel : float
        How near counts as equal.

    Returns
    -------
    bool
    """
    n = len(stake)
    if k == 0 or n <= k:
        return False
    v = np.sort(np.asarray(stake, dtype=np.float64))
    lo, hi = v[n - k - 1], v[n - k]
    return hi != 0.0 and hi - lo <= rel * hi


def decay_rate(params: YumaParams) -> float:
    """Smallest EMA rate at which a bond to an unweighted miner must shrink.

    ``1 - bonds_moving_average``; with liquid alpha, also at most ``alpha_low`` (the
    liquid rates lie in ``[alpha_low, alpha_high]``).

    Parameters
    ----------
    params : YumaParams
        Hyperparameters.

    Returns
    -------
    float
    """
    rate = params.ema_alpha
    if params.liquid_alpha:
        rate = min(rate, params.alpha_low)
    return max(rate, 0.0)


def _first_mismatch(x: np.ndarray, y: np.ndarray) -> str:
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape:
        return f"shapes {x.shape} and {y.shape}"
    if x.dtype == np.bool_ or y.dtype == np.bool_:
        bad = np.argwhere(x != y)
    else:
        bad = np.argwhere(~np.isclose(x, y, rtol=RTOL, atol=ATOL))
    if bad.size == 0:
        return "equal"
    idx = tuple(int(i) for i in bad[0])
    return f"at {idx}: {x[idx]!r} vs {y[idx]!r} ({len(bad)} entries differ)"


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape:
        return False
    if x.dtype == np.bool_ or y.dtype == np.bool_:
        return bool(np.array_equal(x, y))
    return bool(np.allclose(x, y, rtol=RTOL, atol=ATOL))


def _compare(name: str, kind: str, what: str, got: EpochResult, want: dict, fields) -> None:
    for f in fields:
        if not _same(getattr(got, f), want[f]):
            raise _fail(
                name, kind, f"{f} changes {what}: {_first_mismatch(getattr(got, f), want[f])}"
            )


# --------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------


@st.composite
def hyperparameters(draw, base: YumaParams | None = None, *, vary: bool = True) -> YumaParams:
    """Draw hyperparameters around ``base``; ``liquid_alpha`` and the variant stay as given.

    With ``vary``, kappa, the bonds moving average (keep-rate below 1, so that bonds
    move), the bonds penalty, the liquid-alpha range and slope and the number of permits
    are drawn from short lists that start with ``base``'s value (so that shrinking
    returns to it) and include the boundaries.

    Parameters
    ----------
    base : YumaParams, optional
        Default ``YumaParams()``.
    vary : bool
        Draw the numeric hyperparameters (False: always ``base``).

    Returns
    -------
    YumaParams
    """
    base = base or YumaParams()
    if not vary:
        return base
    b = base
    return dataclasses.replace(
        base,
        kappa=draw(st.sampled_from([b.kappa, 0.5, 0.25, 0.75, 0.1, 0.9, 1.0 / 3.0])),
        bonds_moving_average=draw(
            st.sampled_from([b.bonds_moving_average, 0.0, 0.5, 0.8, 0.975, 0.99])
        ),
        bonds_penalty=draw(st.sampled_from([b.bonds_penalty, 0.0, 0.5, 1.0, 0.3])),
        **dict(zip(("alpha_low", "alpha_high"), draw(st.sampled_from(
            [(b.alpha_low, b.alpha_high), (0.1, 0.3), (0.05, 0.95), (0.5, 0.5), (0.7, 0.9)]
        )), strict=True)),
        alpha_sigmoid_steepness=draw(
            st.sampled_from([b.alpha_sigmoid_steepness, 1.0, 10.0, 100.0])
        ),
        max_allowed_validators=draw(st.sampled_from([b.max_allowed_validators, 1, 2, 3, 8])),
    )


_WEIGHT_GRID = np.array([0.25, 0.5, 1.0])  # few distinct values: ties at the median
_BOND_GRID = np.array([0.1, 0.25, 0.5, 0.75, 1.0])


def _weights(draw, rng: np.random.Generator, n_rows: int, n_cols: int) -> np.ndarray:
    kind = draw(st.sampled_from(["grid", "u16", "float"]))
    density = draw(st.sampled_from([1.0, 0.6, 0.3]))
    shape = (n_rows, n_cols)
    if kind == "grid":
        w = rng.choice(_WEIGHT_GRID, size=shape)
    elif kind == "u16":
        w = rng.integers(1, 65536, size=shape).astype(np.float64)
    else:
        w = rng.random(shape)
    w[rng.random(shape) >= density] = 0.0
    w[rng.random(n_rows) < 0.15] = 0.0  # some validators set no weights
    return w


def _stakes(draw, rng: np.random.Generator, n: int) -> np.ndarray:
    kind = draw(st.sampled_from(["int", "float", "sevenths", "pareto", "zero"]))
    if kind == "zero":
        return np.zeros(n)
    if kind == "int":
        vals = rng.integers(1, 11, size=n).astype(np.float64)
    elif kind == "float":
        vals = 10.0 ** rng.uniform(-6.0, 6.0, size=n)
    elif kind == "sevenths":  # sums that round: rounding-sensitive code shows
        vals = rng.integers(1, 1000, size=n) / 7.0
    else:
        vals = rng.pareto(1.5, size=n) + 1e-3
    vals[rng.random(n) < 0.2] = 0.0
    return vals


@st.composite
def epoch_cases(
    draw,
    params=None,
    *,
    square: bool | None = None,
    min_validators: int = 1,
    max_validators: int = 6,
    max_miners: int = 6,
    bonds: str | None = None,
    masks: bool = True,
) -> dict:
    """Draw one epoch's inputs: ties, zero stake, zero rows, masks and bonds on purpose.

    Hypothesis draws the sizes, the kinds of values and a seed; NumPy draws the values
    from it (fast; counterexamples are made small afterwards by
    :mod:`yuma.testing.simplify`, not by Hypothesis). Weights are grid values (1/4, 1/2,
    1: ties in the median and at kappa), u16 integers or floats in [0, 1], at a drawn
    density, some rows all zero; stakes are small integers, floats over twelve decades,
    sevenths (sums that round) or Pareto, some zero, or all zero.

    Parameters
    ----------
    params : SearchStrategy of YumaParams, optional
        Default :func:`hyperparameters`.
    square : bool, optional
        Force the chain's square form (True) or the rectangular form (False).
    min_validators, max_validators, max_miners : int
        Size bounds.
    bonds : {"none", "zero", "random", "positive"}, optional
        Force the previous bonds (default: drawn among none, zero and random); random
        bonds are 0 or take values in {0.1, 0.25, 0.5, 0.75, 1}, positive ones the latter.
    masks : bool
        Draw ``active`` and ``validator_permit`` masks (else None: all).

    Returns
    -------
    dict
        ``weights``, ``stake``, ``bonds``, ``params``, ``active``, ``validator_permit``
        and sometimes ``listed`` (``weights > 0``).
    """
    is_square = draw(st.booleans()) if square is None else square
    n_rows = draw(st.integers(min_validators, max_validators))
    n_cols = n_rows if is_square else draw(st.integers(1, max_miners))
    if not is_square and n_cols == n_rows:
        n_cols += 1
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights = _weights(draw, rng, n_rows, n_cols)
    stake = _stakes(draw, rng, n_rows)
    kind = bonds or draw(st.sampled_from(["none", "zero", "random"]))
    if kind == "none":
        prev = None
    elif kind == "zero":
        prev = np.zeros((n_rows, n_cols))
    else:
        prev = rng.choice(_BOND_GRID, size=(n_rows, n_cols))
        if kind == "random":
            prev[rng.random((n_rows, n_cols)) < 0.3] = 0.0
    case = {
        "weights": weights,
        "stake": stake,
        "bonds": prev,
        "params": draw(params if params is not None else hyperparameters()),
        "active": None,
        "validator_permit": None,
    }
    if masks:
        which = draw(st.sampled_from(["none", "active", "permit", "both"]))
        if which in ("active", "both"):
            case["active"] = rng.random(n_rows) < 0.8
        if which in ("permit", "both"):
            case["validator_permit"] = rng.random(n_rows) < 0.8
    if draw(st.booleans()):
        case["listed"] = weights > 0.0
    return case


_FACTORS = st.one_of(
    st.sampled_from([3.0, 0.1, 7.0 / 3.0, 1e3, 1e-3, 0.5, 2.0**20]),
    st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False),
)


@st.composite
def _permutation_cases(draw, params) -> dict:
    case = draw(epoch_cases(params))
    n_rows, n_cols = case["weights"].shape
    p = np.array(draw(st.permutations(range(n_rows))), dtype=np.int64)
    q = p if n_rows == n_cols else np.array(draw(st.permutations(range(n_cols))), dtype=np.int64)
    return {**case, "perm_rows": p, "perm_cols": q}


@st.composite
def _stake_scale_cases(draw, params) -> dict:
    return {**draw(epoch_cases(params)), "factor": draw(_FACTORS)}


@st.composite
def _weight_scale_cases(draw, params) -> dict:
    case = draw(epoch_cases(params))
    row = draw(st.integers(0, case["weights"].shape[0] - 1))
    return {**case, "row": row, "factor": draw(_FACTORS)}


@st.composite
def _zero_stake_cases(draw, params) -> dict:
    case = draw(epoch_cases(params, bonds="random", min_validators=2))
    n_rows, n_cols = case["weights"].shape
    zero = np.array(draw(st.lists(st.booleans(), min_size=n_rows, max_size=n_rows)), dtype=bool)
    if not zero.any():
        zero[draw(st.integers(0, n_rows - 1))] = True
    stake = np.where(zero, 0.0, case["stake"])
    if not np.any(stake > 0.0):
        keep = int(np.flatnonzero(~zero)[0]) if (~zero).any() else 0
        zero[keep] = False
        stake[keep] = 1.0
    return {**case, "stake": stake}


@st.composite
def _unweighted_cases(draw, params) -> dict:
    case = draw(epoch_cases(params))
    n_cols = case["weights"].shape[1]
    j = draw(st.integers(0, n_cols - 1))
    w = case["weights"].copy()
    w[:, j] = 0.0
    out = {**case, "weights": w}
    if "listed" in case:
        out["listed"] = w > 0.0
    return out


@st.composite
def _clipping_cases(draw, params) -> dict:
    case = draw(epoch_cases(params, min_validators=2))
    n_rows, n_cols = case["weights"].shape
    coalition = np.array(
        draw(st.lists(st.booleans(), min_size=n_rows, max_size=n_rows)), dtype=bool
    )
    target = draw(st.integers(0, n_cols - 1))
    w = case["weights"].copy()
    w[coalition] = 0.0
    w[coalition, target] = 1.0  # the coalition puts everything on its target
    out = {**case, "weights": w, "coalition": coalition, "target": target}
    if "listed" in case:
        out["listed"] = w > 0.0
    return out


@st.composite
def _split_cases(draw, params) -> dict:
    case = draw(epoch_cases(params, square=False, bonds="none", min_validators=2,
                            masks=draw(st.integers(0, 3)) == 0))
    n_rows, n_cols = case["weights"].shape
    if n_cols == n_rows + 1:  # the split must not make the input square
        case["weights"] = np.hstack([case["weights"], np.zeros((n_rows, 1))])
        n_cols += 1
    w, stake = case["weights"].copy(), case["stake"].copy()
    row = draw(st.integers(0, n_rows - 1))
    if draw(st.integers(0, 3)) > 0:
        # Adversarial: the validator that splits and another one both hold stake and
        # weight different miners (else the split cannot change anything).
        other = (row + 1) % n_rows
        for i in (row, other):
            stake[i] = max(stake[i], 1.0)
            if not np.any(w[i] > 0.0):
                w[i, draw(st.integers(0, n_cols - 1))] = 1.0
        if np.array_equal(w[other] > 0.0, w[row] > 0.0):
            w[other] = 0.0
            w[other, (int(np.argmax(w[row])) + 1) % n_cols] = 1.0
    case["weights"], case["stake"] = w, stake
    if "listed" in case:
        case["listed"] = w > 0.0
    fraction = draw(st.one_of(st.sampled_from([0.5, 0.25, 1.0 / 3.0]), st.floats(0.05, 0.95)))
    return {**case, "row": row, "fraction": fraction}


@st.composite
def _bounded_cases(draw, params) -> dict:
    return draw(epoch_cases(params, bonds="random"))


@st.composite
def _decay_cases(draw, params) -> dict:
    case = draw(epoch_cases(params, bonds="positive"))
    n_cols = case["weights"].shape[1]
    cols = np.array(draw(st.lists(st.booleans(), min_size=n_cols, max_size=n_cols)), dtype=bool)
    if not cols.any():
        cols[draw(st.integers(0, n_cols - 1))] = True
    w = case["weights"].copy()
    w[:, cols] = 0.0
    out = {**case, "weights": w, "unweighted": np.flatnonzero(cols)}
    if "listed" in case:
        out["listed"] = w > 0.0
    return out


def _plain_cases(params):
    return epoch_cases(params)


def _any_size_cases(params):
    return epoch_cases(params, min_validators=0)


# --------------------------------------------------------------------------------------
# The invariants
# --------------------------------------------------------------------------------------


def _emission_parts(r: EpochResult) -> np.ndarray:
    if r.weights.shape[0] == r.weights.shape[1]:
        return r.server_emission + r.validator_emission
    return np.concatenate([r.validator_emission, r.server_emission])


def emission_conserved(variant: Variant, case: dict) -> None:
    r"""Emission is conserved: the epoch pays out exactly its budget, no more, no less.

    With raw stake :math:`s`, per-UID emission :math:`E_u = E^{srv}_u + E^{val}_u`,
    incentive :math:`I` and dividends :math:`D`:

    .. math::
        \sum_u E_u = 1 \text{ if } \textstyle\sum_i s_i > 0, \qquad E = 0 \text{ otherwise};
        \qquad \sum_j I_j,\ \sum_i D_i \in \{0, 1\}

    (tolerance 1e-9). Kinds: ``emission_not_conserved``, ``emission_without_stake``,
    ``emission_parts_mismatch``, ``incentive_not_normalized``,
    ``dividends_not_normalized``. Holds for every built-in preset.

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments (:func:`epoch_cases`).

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "emission_conserved"
    r = run_epoch(variant, case)
    has_stake = float(np.sum(case["stake"])) > 0.0
    total = math.fsum(np.asarray(r.emission, dtype=np.float64))
    if has_stake and not abs(total - 1.0) <= TOL:
        raise _fail(name, "emission_not_conserved",
                    f"emission sums to {total!r}, not 1, although stake exists")
    if not has_stake and np.any(np.asarray(r.emission) != 0.0):
        raise _fail(name, "emission_without_stake",
                    f"nobody holds stake but emission is {r.emission.tolist()}")
    parts = _emission_parts(r)
    if not np.allclose(r.emission, parts, rtol=0.0, atol=TOL):
        raise _fail(name, "emission_parts_mismatch",
                    f"emission {r.emission.tolist()} != server + validator {parts.tolist()}")
    for field, kind in (("incentive", "incentive_not_normalized"),
                        ("dividends", "dividends_not_normalized")):
        x = np.asarray(getattr(r, field), dtype=np.float64)
        s = math.fsum(x)
        if not (np.all(x == 0.0) or abs(s - 1.0) <= TOL):
            raise _fail(name, kind, f"{field} sums to {s!r} (must be 1, or all zero)")


def outputs_in_range(variant: Variant, case: dict) -> None:
    r"""Every output has the right shape, is finite, and is a proportion in [0, 1].

    For ``V`` validators and ``n`` columns: row fields have shape ``(V,)``, column fields
    ``(n,)``, matrices ``(V, n)``, ``emission`` ``(n,)`` (square) or ``(V + n,)``; and for
    every float field :math:`x`, :math:`0 \le x \le 1` (``validator_trust`` and ``rank``:
    :math:`\le 1 + 10^{-9}`, sums of rounded proportions). Inputs include empty networks.
    Kinds: ``bad_shape``, ``not_finite``, ``out_of_range``. Holds for every built-in preset.

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "outputs_in_range"
    r = run_epoch(variant, case)
    n_rows, n_cols = np.shape(case["weights"])
    square = n_rows == n_cols
    for f in ALL_FIELDS:
        x = np.asarray(getattr(r, f))
        shape: tuple[int, ...]
        if f in ROW_FIELDS:
            shape = (n_rows,)
        elif f in COL_FIELDS:
            shape = (n_cols,)
        elif f in MATRIX_FIELDS:
            shape = (n_rows, n_cols)
        else:
            shape = (n_cols,) if square else (n_rows + n_cols,)
        if x.shape != shape:
            raise _fail(name, "bad_shape", f"{f} has shape {x.shape}, expected {shape}")
        if f not in FLOAT_FIELDS:
            continue
        if not np.issubdtype(x.dtype, np.floating) and not np.issubdtype(x.dtype, np.integer):
            raise _fail(name, "bad_shape", f"{f} has dtype {x.dtype}, expected float")
        if not np.all(np.isfinite(x)):
            raise _fail(name, "not_finite", f"{f} is not finite: {x.tolist()}")
        hi = 1.0 + (TOL if f in ("validator_trust", "rank") else ATOL)
        if np.any(x < 0.0) or np.any(x > hi):
            bad = np.argwhere((x < 0.0) | (x > hi))[0]
            idx = tuple(int(i) for i in bad)
            raise _fail(name, "out_of_range", f"{f}{list(idx)} = {x[idx]!r} is outside [0, 1]")


def _permuted(case: dict, p: np.ndarray, q: np.ndarray) -> dict:
    out = dict(case)
    out["weights"] = case["weights"][np.ix_(p, q)]
    out["stake"] = case["stake"][p]
    for key in ("bonds", "listed"):
        if case.get(key) is not None:
            out[key] = case[key][np.ix_(p, q)]
    for key in ("active", "validator_permit"):
        if case.get(key) is not None:
            out[key] = case[key][p]
    return out


def _permute_field(f: str, x: np.ndarray, p: np.ndarray, q: np.ndarray, square: bool):
    if f in ROW_FIELDS:
        return x[p]
    if f in COL_FIELDS:
        return x[q]
    if f in MATRIX_FIELDS:
        return x[np.ix_(p, q)]
    return x[p] if square else np.concatenate([x[: len(p)][p], x[len(p):][q]])


def _exclusions(case: dict, r: EpochResult) -> list[str]:
    fields = list(ALL_FIELDS)
    if near_kappa_tie(case, r.weights):
        fields = list(PRE_CONSENSUS_FIELDS) + ["validator_permit"]
    if permit_cut_tie(case["stake"], case["params"].max_allowed_validators):
        fields = [f for f in fields if f not in ("validator_permit", "bonds")]
    return fields


def permutation_equivariance(variant: Variant, case: dict) -> None:
    r"""Relabelling UIDs relabels the outputs: no UID is favoured for its number.

    For permutations :math:`p` of the validators and :math:`q` of the columns (square
    form: the same permutation of UIDs, :math:`p = q`), with every input permuted
    (weights :math:`W_{p, q}`, stake :math:`s_p`, bonds, masks), each output is the
    original one permuted: :math:`D' = D_p`, :math:`I' = I_q`, :math:`B' = B_{p, q}`...
    up to rounding. Excluded as legitimate: the top-k permit cut between equal stakes
    (the chain breaks such ties by UID: permits and bonds not compared) and consensus on
    the kappa boundary (:func:`near_kappa_tie`: only pre-consensus fields compared).
    Kind: ``not_equivariant``. Holds for every built-in preset.

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments plus ``perm_rows`` and ``perm_cols``.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "permutation_equivariance"
    p, q = case["perm_rows"], case["perm_cols"]
    r = run_epoch(variant, case)
    rp = run_epoch(variant, _permuted(case, p, q))
    square = r.weights.shape[0] == r.weights.shape[1]
    fields = _exclusions(case, r)
    want = {f: _permute_field(f, np.asarray(getattr(r, f)), p, q, square) for f in fields}
    _compare(name, "not_equivariant", f"under the permutation rows {p.tolist()}, "
             f"columns {q.tolist()}", rp, want, fields)


def stake_scale_invariance(variant: Variant, case: dict) -> None:
    r"""Stake in any unit gives the same epoch: only stake proportions matter.

    For :math:`c > 0`, ``epoch(W, c s)`` equals ``epoch(W, s)`` up to rounding (same
    exclusions as :func:`permutation_equivariance`). No step of a variant sees the raw
    stake (only :math:`S = s / \sum s` and the active stake), so a variant can break this
    only through numerical sensitivity to the last bits of its inputs (float equality
    tests, thresholds, hashing). Kind: ``stake_scale_dependent``. Holds for every
    built-in preset.

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments plus ``factor``.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "stake_scale_invariance"
    c = case["factor"]
    r = run_epoch(variant, case)
    rs = run_epoch(variant, case, stake=np.asarray(case["stake"]) * c)
    fields = _exclusions(case, r)
    want = {f: getattr(r, f) for f in fields}
    _compare(name, "stake_scale_dependent", f"when stake is scaled by {c!r}", rs, want, fields)


def weight_scale_invariance(variant: Variant, case: dict) -> None:
    r"""A validator's weights in any unit give the same epoch: only its proportions matter.

    Scaling row :math:`i` of the weights by :math:`c > 0` (u16 or proportions, as the
    chain allows) changes nothing up to rounding. The factor is kept :math:`\ge 1` on
    rows holding tiny weights so that none underflows. Kind: ``weight_scale_dependent``.
    Holds for every built-in preset.

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments plus ``row`` and ``factor``.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "weight_scale_invariance"
    i, c = case["row"], case["factor"]
    row = case["weights"][i]
    if np.any((row > 0.0) & (row * min(c, 1.0) < 1e-300)):
        c = max(c, 1.0 / c)
    w = case["weights"].copy()
    w[i] *= c
    r = run_epoch(variant, case)
    rs = run_epoch(variant, case, weights=w)
    want = {f: getattr(r, f) for f in ALL_FIELDS}
    _compare(name, "weight_scale_dependent", f"when row {i} of the weights is scaled by {c!r}",
             rs, want, ALL_FIELDS)


def zero_stake_no_dividends(variant: Variant, case: dict) -> None:
    r"""A validator without stake earns no dividends.

    For every row :math:`i` with raw stake :math:`s_i = 0` (while some stake exists):
    :math:`D_i = 0` and :math:`E^{val}_i = 0` (tolerance 1e-12), whatever bonds it
    carries from earlier epochs. Kind: ``dividends_to_zero_stake``. Yuma 3 holds it
    (:math:`D = N(S^{act} \odot \ldots)`); Yuma 2 pays :math:`D = N(B I)` from bonds
    alone, so a validator that has just unstaked is paid once more from its old bonds
    (its row is cleared afterwards, with its permit).

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "zero_stake_no_dividends"
    stake = np.asarray(case["stake"])
    if not np.any(stake > 0.0):
        return
    r = run_epoch(variant, case)
    for i in np.flatnonzero(stake == 0.0):
        d, e = float(r.dividends[i]), float(r.validator_emission[i])
        if d > ATOL or e > ATOL:
            bonds = case.get("bonds")
            held = bonds is not None and np.any(np.asarray(bonds)[i] > 0.0)
            why = " (it holds bonds from an earlier epoch)" if held else ""
            raise _fail(name, "dividends_to_zero_stake",
                        f"validator {i} has no stake but earns dividends {d!r}, validator "
                        f"emission {e!r}{why}")


def _supported(case: dict) -> np.ndarray:
    """Columns that some staked, active, permitted validator weights (no self-weight)."""
    w = np.asarray(case["weights"], dtype=np.float64)
    n_rows, n_cols = w.shape
    rows = (np.asarray(case["stake"]) > 0.0) & _mask(case.get("active"), n_rows) & _mask(
        case.get("validator_permit"), n_rows
    )
    support = (w > 0.0) & rows[:, None]
    if n_rows == n_cols:
        np.fill_diagonal(support, False)
    return support.any(axis=0)


def unweighted_miner_no_incentive(variant: Variant, case: dict) -> None:
    r"""A miner that no one weights earns no incentive.

    For every column :math:`j` on which no validator with stake, activity and a permit
    sets a positive weight (self-weights do not count in the square form):
    :math:`I_j = 0` and :math:`E^{srv}_j = 0` (tolerance 1e-12). Kind:
    ``incentive_to_unweighted_miner``. Holds for every built-in preset.

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "unweighted_miner_no_incentive"
    r = run_epoch(variant, case)
    for j in np.flatnonzero(~_supported(case)):
        inc, srv = float(r.incentive[j]), float(r.server_emission[j])
        if inc > ATOL or srv > ATOL:
            raise _fail(name, "incentive_to_unweighted_miner",
                        f"column {j} is weighted by no validator but earns incentive {inc!r}, "
                        f"server emission {srv!r}")


def _outsider_bound(w: np.ndarray, s: np.ndarray, outsiders: np.ndarray, need: float) -> float:
    """Largest v such that outsiders holding >= v hold at least ``need`` of the stake."""
    vals = np.unique(np.concatenate([[0.0], w[outsiders & (s > 0.0)]]))
    best = 0.0
    for v in vals:
        if s[outsiders & (w >= v)].sum() >= need:
            best = max(best, float(v))
    return best


def kappa_clipping(variant: Variant, case: dict) -> None:
    r"""Clipping: validators holding less than kappa cannot raise a miner's consensus.

    Let a coalition :math:`M` hold active stake :math:`s_M < \kappa` (the drawn coalition,
    largest members dropped until it does) and put all its weight on one target miner.
    Consensus needs holders of :math:`\kappa`, so at least :math:`\kappa - s_M` of it from
    outside :math:`M`:

    .. math::
        C_j \le \max\{v : \textstyle\sum_{i \notin M,\ W_{ij} \ge v} S^{act}_i
        \ge \kappa - s_M\} \quad \text{for every } j,

    and no weight counts above the consensus: :math:`\bar W_{ij} \le C_j`. A margin of
    1e-9 of stake is allowed. Kinds: ``minority_raised_consensus``,
    ``weight_above_consensus``. Holds for every built-in preset.

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments plus ``coalition`` (bool per row) and ``target``.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "kappa_clipping"
    r = run_epoch(variant, case)
    s = np.asarray(r.active_stake, dtype=np.float64)
    w = np.asarray(r.weights, dtype=np.float64)
    kappa = case["params"].kappa
    members = np.asarray(case["coalition"], dtype=bool).copy()
    for i in np.argsort(-s, kind="stable"):
        if s[members].sum() < kappa - TOL:
            break
        members[i] = False
    s_m = float(s[members].sum())
    cons = np.asarray(r.consensus, dtype=np.float64)
    if s_m < kappa - TOL and s.sum() > 0.0:
        outsiders = ~members
        for j in range(w.shape[1]):
            bound = _outsider_bound(w[:, j], s, outsiders, kappa - s_m - TOL)
            if cons[j] > bound + ATOL:
                raise _fail(name, "minority_raised_consensus",
                            f"validators {np.flatnonzero(members).tolist()} hold {s_m:.6g} < "
                            f"kappa {kappa:.6g} of the active stake, yet miner {j}'s consensus "
                            f"is {cons[j]!r}, above {bound!r}, the most the others support")
    clipped = np.asarray(r.clipped_weights, dtype=np.float64)
    over = clipped > cons[None, :] + ATOL
    if np.any(over):
        i, j = (int(k) for k in np.argwhere(over)[0])
        raise _fail(name, "weight_above_consensus",
                    f"validator {i}'s clipped weight on miner {j} is {clipped[i, j]!r}, above "
                    f"the consensus {cons[j]!r}")


def _split(case: dict, i: int, fraction: float) -> dict:
    out = dict(case)
    out["weights"] = np.vstack([case["weights"], case["weights"][i:i + 1]])
    s_i = float(case["stake"][i])
    stake = np.append(np.asarray(case["stake"], dtype=np.float64), s_i * (1.0 - fraction))
    stake[i] = s_i * fraction
    out["stake"] = stake
    for key in ("active", "validator_permit"):
        if case.get(key) is not None:
            out[key] = np.append(case[key], case[key][i])
    if case.get("listed") is not None:
        out["listed"] = np.vstack([case["listed"], case["listed"][i:i + 1]])
    return out


def split_invariance(variant: Variant, case: dict) -> None:
    r"""Splitting a validator in two (same weights, same total stake) changes no payout.

    Validator :math:`i` becomes two validators with its weights and stakes
    :math:`\lambda s_i` and :math:`(1 - \lambda) s_i`, from the first epoch on (no bonds
    before it, permits for everyone). Over :data:`DEFAULT_EPOCHS` epochs with bonds
    carried, the pair's dividends equal the original's,
    :math:`D'_i + D'_{i'} = D_i`, and every other validator's dividends and every
    miner's incentive are unchanged (relative tolerance 1e-9, absolute 1e-12; consensus
    on the kappa boundary excluded). So neither splitting stake over hotkeys (Sybil) nor
    merging pays.
    Kinds: ``split_changes_dividends`` (the message says how), ``split_changes_incentive``.
    Yuma 2 holds it: its bonds grow with stake (:math:`\Delta B_{ij} \propto S_i W_{ij}`)
    and :math:`D = N(B I)` is linear in them. Yuma 3 does not: its bonds are per validator
    (an EMA of its own weights, whatever its stake) and its dividends
    :math:`N(S \odot (\mathrm{colnorm}(B) I))` divide by column sums to which each half
    adds the full bond row. A split pair usually earns less (each column's bond share is
    diluted: with two validators each alone on its miner, a 1 : 1 split of one takes its
    share from 1/2 to 1/3), sometimes a little more, and the split moves dividends
    between the other validators too; equal bond rows are the exception.

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Rectangular epoch arguments plus ``row`` and ``fraction``.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "split_invariance"
    n_rows, n_cols = case["weights"].shape
    if n_rows == n_cols:
        return  # the rectangular form only: in the square form a new UID is also a miner
    i, lam = case["row"], case["fraction"]
    params = case["params"]
    params = dataclasses.replace(
        params, max_allowed_validators=max(params.max_allowed_validators, n_rows + 1)
    )
    base = {**case, "params": params, "bonds": None}
    if n_cols == n_rows + 1:  # keep the split input rectangular: one more, empty column
        base["weights"] = np.hstack([case["weights"], np.zeros((n_rows, 1))])
        if case.get("listed") is not None:
            base["listed"] = np.hstack([case["listed"], np.zeros((n_rows, 1), dtype=bool)])
    orig = run_epochs(variant, base, DEFAULT_EPOCHS)
    if near_kappa_tie(base, orig[0].weights):
        return
    split = run_epochs(variant, _split(base, i, lam), DEFAULT_EPOCHS)
    others = [k for k in range(n_rows) if k != i]
    for t, (a, b) in enumerate(zip(orig, split, strict=True)):
        pair = float(b.dividends[i] + b.dividends[n_rows])
        alone = float(a.dividends[i])
        if not _same(np.array(pair), np.array(alone)):
            raise _fail(name, "split_changes_dividends",
                        f"epoch {t}: validator {i} earns dividends {alone!r}; split "
                        f"{lam:.4g} : {1 - lam:.4g} into two, the pair earns {pair!r} "
                        f"({'less' if pair < alone else 'more'})")
        if not _same(b.dividends[others], a.dividends[others]):
            raise _fail(name, "split_changes_dividends",
                        f"epoch {t}: splitting validator {i} leaves the pair's dividends but "
                        f"moves the others': {a.dividends[others].tolist()} -> "
                        f"{b.dividends[others].tolist()}")
        if not _same(b.incentive, a.incentive):
            raise _fail(name, "split_changes_incentive",
                        f"epoch {t}: splitting validator {i} changes the incentive "
                        f"{_first_mismatch(b.incentive, a.incentive)}")


def bonds_bounded(variant: Variant, case: dict) -> None:
    r"""Bonds stay finite proportions in [0, 1] epoch after epoch.

    From previous bonds in :math:`[0, 1]`, over :data:`DEFAULT_EPOCHS` epochs with the
    bonds carried: :math:`0 \le B'_{ij} \le 1` for the EMA bonds and the stored bonds of
    every epoch (tolerance 1e-12). Kinds: ``bond_not_finite``, ``bond_out_of_range``.
    Holds for every built-in preset (Yuma 3 clamps to 1, Yuma 2 stores column
    max-upscaled proportions).

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments with ``bonds``.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "bonds_bounded"
    for t, r in enumerate(run_epochs(variant, case, DEFAULT_EPOCHS)):
        for f in ("ema_bonds", "bonds"):
            x = np.asarray(getattr(r, f), dtype=np.float64)
            if not np.all(np.isfinite(x)):
                raise _fail(name, "bond_not_finite", f"epoch {t}: {f} not finite: {x.tolist()}")
            bad = (x < 0.0) | (x > 1.0 + ATOL)
            if np.any(bad):
                idx = tuple(int(k) for k in np.argwhere(bad)[0])
                raise _fail(name, "bond_out_of_range",
                            f"epoch {t}: {f}{list(idx)} = {x[idx]!r} is outside [0, 1]")


def bonds_decay(variant: Variant, case: dict) -> None:
    r"""Bonds to a miner that no one weights any more decay at least at the EMA rate.

    Columns :math:`J` get no weight from anyone for :data:`DEFAULT_EPOCHS` epochs (the
    previous bonds are positive). With :math:`r` = :func:`decay_rate` (the EMA rate
    :math:`1 - \text{bonds\_moving\_average}`, or at most ``alpha_low`` with liquid
    alpha), every stored bond must shrink each epoch:

    .. math:: B^{t+1}_{ij} \le (1 - r)\, B^t_{ij} \qquad (j \in J)

    (relative tolerance 1e-9; vacuous when :math:`r = 0`). Kinds: ``frozen_bonds`` (the
    bond stayed or grew), ``slow_decay``. Yuma 3 holds it (:math:`B' = (1 - \alpha) B`
    on such a column, or the bond is dropped). Yuma 2 fails with ``frozen_bonds``: its
    bonds are column-normalized before and after the EMA, so a column that receives
    nothing is scaled back up and never decays (the chain's known frozen-bonds defect).

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments with positive ``bonds`` plus ``unweighted`` (column indices whose
        weights are zero).

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "bonds_decay"
    rate = decay_rate(case["params"])
    if rate <= 0.0:
        return
    cols = np.asarray(case["unweighted"], dtype=np.int64)
    before = np.asarray(case["bonds"], dtype=np.float64)
    for t, r in enumerate(run_epochs(variant, case, DEFAULT_EPOCHS)):
        after = np.asarray(r.bonds, dtype=np.float64)
        for j in cols:
            for i in range(after.shape[0]):
                old, new = float(before[i, j]), float(after[i, j])
                if old <= 0.0:
                    continue
                limit = (1.0 - rate) * old * (1.0 + RTOL) + ATOL
                if new > limit:
                    kind = "frozen_bonds" if new >= old * (1.0 - RTOL) else "slow_decay"
                    raise _fail(name, kind,
                                f"epoch {t}: no one weights miner {j}, yet validator {i}'s bond "
                                f"went from {old!r} to {new!r}; at rate {rate:.4g} it must be "
                                f"at most {(1.0 - rate) * old!r}")
        before = after


def _arrays_equal(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.tobytes() == b.tobytes()
    return a == b


def determinism(variant: Variant, case: dict) -> None:
    r"""The epoch is a pure function: same inputs, same outputs, inputs left untouched.

    Two runs on copies of the same inputs give bit-identical outputs, and the caller's
    arrays are unchanged afterwards. Catches steps that use unseeded randomness, global
    state or caches keyed on the wrong thing. Kinds: ``nondeterministic``,
    ``input_modified``. Holds for every built-in preset.

    Parameters
    ----------
    variant : Variant
        The variant under test.
    case : dict
        Epoch arguments.

    Returns
    -------
    None

    Raises
    ------
    InvariantViolation
        When the property fails.
    """
    name = "determinism"
    kwargs = {k: case[k] for k in EPOCH_KEYS if k in case}
    snapshot = copy.deepcopy(kwargs)
    r1 = run_epoch(variant, kwargs)
    r2 = run_epoch(variant, copy.deepcopy(snapshot))
    for f in ALL_FIELDS:
        x, y = np.asarray(getattr(r1, f)), np.asarray(getattr(r2, f))
        if x.shape != y.shape or x.tobytes() != y.tobytes():
            raise _fail(name, "nondeterministic",
                        f"two runs on the same inputs differ in {f}: {_first_mismatch(x, y)}")
    for k, v in snapshot.items():
        if not _arrays_equal(kwargs[k], v):
            raise _fail(name, "input_modified", f"the epoch modified its input {k!r}")


INVARIANTS: dict[str, Invariant] = {
    inv.name: inv
    for inv in (
        Invariant("emission_conserved", emission_conserved, _any_size_cases,
                  "emission sums to 1 when stake exists (0 otherwise); shares normalized"),
        Invariant("outputs_in_range", outputs_in_range, _any_size_cases,
                  "every output has its shape, is finite and lies in [0, 1]"),
        Invariant("permutation_equivariance", permutation_equivariance, _permutation_cases,
                  "relabelling UIDs relabels the outputs"),
        Invariant("stake_scale_invariance", stake_scale_invariance, _stake_scale_cases,
                  "scaling all stake by c > 0 changes nothing"),
        Invariant("weight_scale_invariance", weight_scale_invariance, _weight_scale_cases,
                  "scaling one validator's weight row by c > 0 changes nothing"),
        Invariant("zero_stake_no_dividends", zero_stake_no_dividends, _zero_stake_cases,
                  "a validator without stake earns no dividends",
                  {"yuma2": "dividends_to_zero_stake",
                   "yuma2_liquid_alpha_v1": "dividends_to_zero_stake"}),
        Invariant("unweighted_miner_no_incentive", unweighted_miner_no_incentive,
                  _unweighted_cases, "a miner no one weights earns no incentive"),
        Invariant("kappa_clipping", kappa_clipping, _clipping_cases,
                  "validators holding < kappa cannot raise a miner's consensus"),
        Invariant("split_invariance", split_invariance, _split_cases,
                  "splitting a validator in two (same weights, same total stake) pays the same",
                  {"yuma3": "split_changes_dividends", "yuma3+la": "split_changes_dividends"}),
        Invariant("bonds_bounded", bonds_bounded, _bounded_cases,
                  "bonds stay in [0, 1] over epochs"),
        Invariant("bonds_decay", bonds_decay, _decay_cases,
                  "bonds to a miner no one weights decay at the EMA rate",
                  {"yuma2": "frozen_bonds", "yuma2_liquid_alpha_v1": "frozen_bonds"}),
        Invariant("determinism", determinism, _plain_cases,
                  "same inputs, same outputs bit for bit; inputs untouched"),
    )
}
"""The catalogue, in order: name -> :class:`Invariant`."""


def format_case(case: Mapping) -> str:
    """A case as Python code that reproduces it.

    Parameters
    ----------
    case : Mapping
        A case dict.

    Returns
    -------
    str
        Lines ``name = value`` for each entry, arrays as ``np.array([...])`` (shortest
        round-trip floats).
    """
    lines = ["import numpy as np", "import yuma", "case = {"]
    for k, v in case.items():
        if isinstance(v, np.ndarray):
            text = np.array2string(v, separator=", ", floatmode="unique", threshold=10**6,
                                   max_line_width=88)
            text = text.replace("\n", "\n" + " " * 8)
            dtype = ", dtype=bool" if v.dtype == np.bool_ else ""
            lines.append(f"    {k!r}: np.array({text}{dtype}),")
        elif isinstance(v, YumaParams):
            fields = ", ".join(f"{f.name}={getattr(v, f.name)!r}"
                               for f in dataclasses.fields(v)
                               if getattr(v, f.name) != f.default)
            lines.append(f"    {k!r}: yuma.YumaParams({fields}),")
        else:
            lines.append(f"    {k!r}: {v!r},")
    lines.append("}")
    return "\n".join(lines)

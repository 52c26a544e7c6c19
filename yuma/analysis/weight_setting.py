r"""Validator scores to stored weights: as the bittensor SDK sends them, as the chain keeps them.

A validator turns its scores of the miners into weights in three steps, and this module
models each of them bit for bit, with every parameter given explicitly (no chain
connection):

1. **Processing** (SDK): scores become float weights that respect the subnet's
   ``min_allowed_weights`` and ``max_weight_limit``.
2. **The u16 emit step** (SDK): max-upscale, round to ``u16``, drop the zeros.
3. **``set_weights`` on the chain** (``do_set_weights``): the checks, then the values are
   max-upscaled again (``vec_u16_max_upscale_to_u16``) and stored as ``(uid, u16)`` pairs.

:func:`scores_to_weights` runs all three and returns the dense row :func:`yuma.epoch`
takes; :func:`weights_matrix` stacks such rows.

Two SDK generations are in use, selected by ``sdk``:

``"10"``: bittensor 10.x, ``bittensor/utils/weight_utils.py``
    ``process_weights`` (what ``process_weights_for_netuid`` calls with the chain's
    hyperparameters), ``normalize_max_weight``, and ``convert_weights_and_uids_for_emit``
    (through ``convert_and_normalize_weights_and_uids``, which ``set_weights`` calls). The
    numpy code path (``USE_TORCH`` unset), float32 arithmetic, NumPy 2 promotion rules.
    Functions: :func:`sdk10_process_weights`, :func:`sdk10_normalize_max_weight`,
    :func:`sdk10_emit`.
``"11"``: bittensor 11.x, ``bittensor.intents.weights``
    The conforming step of the ``SetWeights`` intent (``_conform``): ``clip_to_max_weight``,
    then ``normalize`` (the u16 step), then its own checks. Pure Python floats (float64).
    Functions: :func:`sdk11_clip_to_max_weight`, :func:`sdk11_normalize`,
    :func:`sdk11_conform`.

The tests check every function here against vectors generated with the real packages
(bittensor 10.5.0 and 11.3.0, ``tests/data/sdk_weights/``).

What the SDKs do that may surprise (reproduced here, never "fixed"):

* 10.x, all scores zero (or ``n < min_allowed_weights``): the uids passed are ignored and
  **every uid** ``0..n-1`` gets weight ``1/n`` (in float64, not float32).
* 10.x, fewer positive scores than ``min_allowed_weights``: every uid ``0..n-1`` gets
  ``1e-5`` and the positive scores are added **by position in the input, not by uid**: with
  ``uids=[7, 2, 5]`` and scores ``[0.6, 0, 0.4]`` the 0.6 lands on uid 0 and the 0.4 on
  uid 2. A position past ``n`` is an ``IndexError`` in the SDK.
* 10.x, ``exclude_quantile`` keeps every score equal to the quantile (``q <= w``), and the
  quantile is limited so that ``min_allowed_weights`` scores can survive.
* Both, a cap with ``len * limit <= 1`` gives every listed uid the same weight, whatever
  the scores were (zero scores included in 11.x). Neither SDK iterates the cap: one cutoff
  is computed in closed form with a 1e-7 margin, so the largest weight lands just under
  the limit; rounding the others to u16 afterwards can push its share back over it (a
  chain that enforced the limit would refuse such a payload, see
  :func:`scores_to_weights`).
* Both, the u16 step rounds half to even (Python ``round``) and drops every uid whose value
  rounds to 0, so a small positive score can vanish from the payload.
* 11.x raises where 10.x falls back: all-zero scores, and fewer than
  ``min_allowed_weights`` non-zero values after rounding (checked against the hyperparameter
  itself, not ``min(n, min_allowed_weights)`` as the chain does, so 11.x can refuse what
  the chain would accept). It has no ``exclude_quantile``. A single self-weight is exempt
  from the cap and the count.
* 11.x sums with Python's builtin ``sum``, which is sequential before CPython 3.12 and
  Neumaier-compensated from 3.12 on; ``python_sum`` selects which.

Bad input (NaN or infinite or negative scores, uids and scores of different lengths,
duplicate uids, hyperparameters out of range) raises ``ValueError`` naming the argument,
before anything is computed. An SDK or chain refusal on valid input raises
:class:`WeightSettingError` (a ``ValueError``) with the SDK's or chain's reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import as_float64, as_real_array, is_integer, is_real_number
from ..chain import fixed

__all__ = [
    "SDK_GENERATIONS",
    "U16_MAX",
    "WeightSettingError",
    "WeightRow",
    "sdk10_normalize_max_weight",
    "sdk10_process_weights",
    "sdk10_emit",
    "sdk11_clip_to_max_weight",
    "sdk11_normalize",
    "sdk11_conform",
    "process_weights",
    "emit_u16",
    "sdk_payload",
    "check_vec_max_limited",
    "chain_set_weights_row",
    "scores_to_weights",
    "weights_matrix",
]

U16_MAX = 65535
SDK_GENERATIONS = ("10", "11")
PYTHON_SUMS = ("sequential", "neumaier")

# Both SDKs' normalize_max_weight / clip_to_max_weight use this "numerical stability" term.
_EPSILON = 1e-7
# 10.x fills every uid with this before adding the scores (the min_allowed_weights fallback).
_FALLBACK_FLOOR = 1e-5


class WeightSettingError(ValueError):
    """An SDK or the chain refuses valid input; ``reason`` says why.

    Parameters
    ----------
    stage : str
        ``"sdk10"``, ``"sdk11"`` or ``"chain"``.
    reason : str
        A short code: the chain's error name (e.g. ``"WeightVecLengthIsLow"``) or, for an
        SDK, one of ``"all_zero"``, ``"too_few_weights"``, ``"empty"``,
        ``"fallback_index_out_of_range"``, ``"negative_weight"``, ``"negative_uid"``,
        ``"length_mismatch"``, ``"division_by_zero"``.
    message : str
        The explanation, naming the argument.

    Returns
    -------
    WeightSettingError
    """

    def __init__(self, stage: str, reason: str, message: str):
        super().__init__(f"{stage}: {message} [{reason}]")
        self.stage = stage
        self.reason = reason


@dataclass(frozen=True)
class WeightRow:
    """One validator's weights from scores to storage (see :func:`scores_to_weights`).

    Parameters
    ----------
    sent_uids, sent_values : numpy.ndarray
        The payload of the ``set_weights`` extrinsic (``uint16``), in the SDK's order.
    uids, values : numpy.ndarray
        What the chain stores in ``Weights`` (``uint16``): the same uids, the values
        max-upscaled by ``vec_u16_max_upscale_to_u16``.
    row : numpy.ndarray
        Dense float64 row of length ``n``: ``values / 65535`` at ``uids``, 0 elsewhere. The
        chain row-normalizes it in the epoch; ``round(65535 * row)`` gives the stored u16
        back exactly.
    listed : numpy.ndarray
        Dense bool row: True at the stored uids (zeros included), for
        :func:`yuma.epoch`'s ``listed``.

    Returns
    -------
    WeightRow
    """

    sent_uids: NDArray[np.uint16]
    sent_values: NDArray[np.uint16]
    uids: NDArray[np.uint16]
    values: NDArray[np.uint16]
    row: NDArray[np.float64]
    listed: NDArray[np.bool_]


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------


def _int_param(x: object, name: str, low: int, high: int) -> int:
    if isinstance(x, (bool, np.bool_)) or not is_integer(x):
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {x!r}")
    v = int(x)
    if not low <= v <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {v}")
    return v


def _u16_param(x: object, name: str) -> int:
    return _int_param(x, name, 0, U16_MAX)


def _limit_param(x: object, name: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not is_real_number(x):
        raise ValueError(f"{name} must be a real number in [0, 1], got {x!r}")
    v = float(x)
    if not (math.isfinite(v) and 0.0 <= v <= 1.0):
        raise ValueError(f"{name} must be in [0, 1], got {v!r}")
    return v


def _sdk_param(sdk: object) -> str:
    s = str(sdk)
    if not isinstance(s, str) or s not in SDK_GENERATIONS:
        raise ValueError(f"sdk must be one of {SDK_GENERATIONS}, got {sdk!r}")
    return s


def _python_sum_param(python_sum: object) -> str:
    if not isinstance(python_sum, str) or python_sum not in PYTHON_SUMS:
        raise ValueError(f"python_sum must be one of {PYTHON_SUMS}, got {python_sum!r}")
    return python_sum


def _array(x: object, name: str) -> np.ndarray:
    """``np.asarray(x)``; None, a string or a ragged nesting is a ValueError naming it."""
    if x is None or isinstance(x, (str, bytes)):
        raise ValueError(f"{name} must be an array, got {x!r:.40}")
    try:
        return np.asarray(x)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"{name} must be a rectangular array: {exc}") from None


def _uid_vector(x: object, name: str, *, allow_negative: bool = False) -> NDArray[np.int64]:
    arr = _array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == object:
        try:
            arr = np.array([_int_param(v, name, -(2**62), 2**62) for v in arr], dtype=np.int64)
        except ValueError:
            raise ValueError(f"{name} must hold integers (uids)") from None
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers (uids), got dtype {arr.dtype}")
    if arr.dtype.kind == "u" and arr.dtype.itemsize == 8 and np.any(arr > 2**62):
        raise ValueError(f"{name} must be in [0, {U16_MAX}] (u16 uids)")
    out = arr.astype(np.int64)
    low = -(2**62) if allow_negative else 0
    if np.any(out < low) or np.any(out > U16_MAX):
        raise ValueError(f"{name} must be in [0, {U16_MAX}] (u16 uids), got {out.tolist()}")
    return out


def _float_vector(x: object, name: str, *, allow_negative: bool = False) -> NDArray[np.float64]:
    raw = as_real_array(x, name)
    if raw.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {raw.shape}")
    arr = as_float64(raw, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    if not allow_negative and np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got {arr[arr < 0].tolist()[:5]}")
    return arr


def _same_length(uids: np.ndarray, values: np.ndarray, uname: str, vname: str) -> None:
    if uids.shape[0] != values.shape[0]:
        raise ValueError(
            f"{uname} and {vname} must have the same length, got {uids.shape[0]} and "
            f"{values.shape[0]}"
        )


def _no_duplicates(uids: np.ndarray, name: str) -> None:
    uniq, counts = np.unique(uids, return_counts=True)
    if np.any(counts > 1):
        raise ValueError(f"{name} contains duplicates: {uniq[counts > 1].tolist()}")


def _scores_and_uids(
    uids: ArrayLike, scores: ArrayLike, sname: str = "scores"
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    u = _uid_vector(uids, "uids")
    s = _float_vector(scores, sname)
    _same_length(u, s, "uids", sname)
    _no_duplicates(u, "uids")
    return u, s


# --------------------------------------------------------------------------------------
# bittensor 10.x
# --------------------------------------------------------------------------------------


def _np2_quantile_linear(values: NDArray[np.float32], q: float) -> np.float32:
    """``np.quantile(values, q)`` for a Python float ``q`` as NumPy >= 2.2 computes it.

    Virtual index ``v = (k - 1) q`` in float64, ``i = floor(v)``, ``g = v - i`` (a Python
    float, "weak"); then NumPy's ``_lerp`` in the array's dtype:
    ``a + (b - a) g`` when ``g < 0.5``, else ``b - (b - a)(1 - g)``.
    """
    s = np.sort(values)
    k = s.shape[0]
    v = float(np.float64(k - 1) * np.float64(q))
    if v >= k - 1:
        result: np.float32 = s[k - 1]
        return result
    i = math.floor(v)
    gamma = v - i
    dt = s.dtype.type
    a, b = s[i], s[i + 1]
    diff = dt(b - a)
    if gamma >= 0.5:
        result = dt(b - dt(diff * dt(1.0 - gamma)))
        return result
    result = dt(a + dt(diff * dt(gamma)))
    return result


def sdk10_normalize_max_weight(x: ArrayLike, limit: float) -> np.ndarray:
    r"""Sum to 1 with no entry above ``limit``: bittensor 10.x ``normalize_max_weight``.

    With :math:`k` entries, :math:`v` = ``x`` sorted ascending and :math:`e = v / \sum v`:

    * :math:`\sum x = 0` or :math:`k \cdot \text{limit} \le 1`: every entry :math:`1/k`
      (the equal-weights case: a cap at or below :math:`1/k` cannot be met);
    * :math:`\max e \le \text{limit}`: :math:`x / \sum x`;
    * otherwise one estimated cutoff (no iteration). With :math:`c = \operatorname{cumsum}
      (e)` and :math:`\varepsilon = 10^{-7}`, :math:`m = \#\{i : e_i / ((k - i - 1) e_i
      + c_i + \varepsilon) < \text{limit}\}`, the cutoff is
      :math:`\frac{\text{limit} \cdot c_{m-1} - \varepsilon}{1 - \text{limit}(k - m)}
      \sum v`; entries above it become it, then :math:`x / \sum x`.

    Arithmetic in ``x``'s dtype (float32 as the SDK passes it; float64 in its
    ``min_allowed_weights`` fallback), with NumPy 2's promotion: ``limit`` and
    :math:`\varepsilon` are rounded to that dtype where they meet an array, while
    :math:`1 - \text{limit}(k - m)` and so the cutoff are float64 (a Python float times a
    NumPy integer). :math:`c_{m-1}` with :math:`m = 0` wraps to the last entry, as NumPy
    indexing does. A zero denominator gives an infinite or NaN cutoff, which clips
    nothing (the SDK warns and goes on).

    Parameters
    ----------
    x : array_like, shape (k,)
        Non-negative weights, float32 or float64 (other dtypes become float64).
    limit : float
        The cap as a proportion in [0, 1] (the SDK passes ``MaxWeightsLimit / 65535``).

    Returns
    -------
    numpy.ndarray, shape (k,)
        Same dtype as ``x``.
    """
    lim = _limit_param(limit, "limit")
    raw = as_real_array(x, "x")
    dtype = raw.dtype if raw.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    # The checked float64 copy holds float32 input exactly, so the cast back is exact.
    return _normalize_max_weight(_float_vector(raw, "x").astype(dtype), lim)


def _normalize_max_weight(x: np.ndarray, limit: float) -> np.ndarray:
    dt = x.dtype.type
    k = x.shape[0]
    weights = x.copy()
    values = np.sort(weights)
    if x.sum() == 0 or k * limit <= 1:
        return np.ones_like(x) / dt(k) if k else np.ones_like(x)
    total = values.sum()
    estimation = values / total
    if estimation.max() <= dt(limit):
        result: np.ndarray = weights / weights.sum()
        return result
    cumsum = np.cumsum(estimation, 0)
    counts = np.arange(k - 1, -1, -1).astype(dt)
    estimation_sum = counts * estimation
    ratio = estimation / (estimation_sum + cumsum + dt(_EPSILON))
    n_values = int(np.count_nonzero(ratio < dt(limit)))
    numerator = dt(dt(dt(limit) * cumsum[n_values - 1]) - dt(_EPSILON))
    denominator = 1.0 - limit * float(k - n_values)
    with np.errstate(divide="ignore", invalid="ignore"):
        cutoff_scale = np.float64(numerator) / np.float64(denominator)
        cutoff = cutoff_scale * np.float64(values.sum())
    over = weights.astype(np.float64) > cutoff
    weights[over] = dt(cutoff)
    result = weights / weights.sum()
    return result


def sdk10_process_weights(
    uids: ArrayLike,
    scores: ArrayLike,
    *,
    n: int,
    min_allowed_weights: int,
    max_weight_limit: int,
    exclude_quantile: int = 0,
) -> tuple[NDArray[np.int64], np.ndarray]:
    r"""Scores to float weights: bittensor 10.x ``process_weights`` (numpy path).

    Steps, with ``w`` = ``scores`` cast to float32, :math:`q = \text{exclude\_quantile} /
    65535` and limit = ``max_weight_limit / 65535`` (the SDK's ``u16_normalized_float``):

    1. :math:`P = \{i : w_i > 0\}`.
    2. :math:`|P| = 0` or ``n < min_allowed_weights``: return uids ``0..n-1``, each with
       weight :math:`1/n` (float64). **The uids passed are dropped.**
    3. :math:`|P| <` ``min_allowed_weights``: every uid ``0..n-1`` gets :math:`10^{-5}`
       (float64), then :math:`w_i` is added at **index** :math:`i` for :math:`i \in P` (the
       position in the input, not ``uids[i]``); then :func:`sdk10_normalize_max_weight`
       in float64; uids ``0..n-1``. A position :math:`\ge n` raises.
    4. Otherwise: :math:`q' = \min(q, \max(0, |P| - \text{min\_allowed\_weights}) / |P|)`,
       :math:`t` = the linear-interpolation quantile :math:`q'` of :math:`w_P` (NumPy's
       ``np.quantile``, float32); keep :math:`i \in P` with :math:`t \le w_i` (ties at the
       quantile stay), in input order; then :func:`sdk10_normalize_max_weight` in float32.

    Parameters
    ----------
    uids : array_like of int, shape (k,)
        Uids scored, in [0, 65535], no duplicates.
    scores : array_like of float, shape (k,)
        Scores, finite and non-negative (the SDK itself drops negative ones silently;
        here they are an error). Values beyond float32's range are refused too (the SDK
        would turn them into inf).
    n : int
        Number of uids on the subnet (the metagraph's ``n``), in [0, 65535].
    min_allowed_weights : int
        ``MinAllowedWeights``, in [0, 65535].
    max_weight_limit : int
        ``MaxWeightsLimit`` as the chain stores it (u16, 65535 = no cap).
    exclude_quantile : int
        The quantile of scores to drop, in u16 units (65535 = 1).

    Returns
    -------
    uids : numpy.ndarray of int64
    weights : numpy.ndarray
        float32, or float64 in the fallbacks (steps 2 and 3), as the SDK returns them.

    Raises
    ------
    ValueError
        On bad input, naming the argument; :class:`WeightSettingError` with reason
        ``"fallback_index_out_of_range"`` where the SDK raises ``IndexError`` (step 3).
    """
    u, s = _scores_and_uids(uids, scores)
    n = _u16_param(n, "n")
    maw = _u16_param(min_allowed_weights, "min_allowed_weights")
    limit = _u16_param(max_weight_limit, "max_weight_limit") / float(U16_MAX)
    quantile = _u16_param(exclude_quantile, "exclude_quantile") / U16_MAX
    if np.any(s > np.finfo(np.float32).max):
        raise ValueError("scores must fit in float32 (the 10.x SDK casts them to float32)")
    w = s.astype(np.float32)
    positive = np.flatnonzero(w > 0)
    pos_uids = u[positive]
    pos_w = w[positive]
    if pos_w.size == 0 or n < maw:
        return np.arange(n, dtype=np.int64), np.ones(n, dtype=np.int64) / n
    if pos_w.size < maw:
        if positive.size and positive[-1] >= n:
            raise WeightSettingError(
                "sdk10",
                "fallback_index_out_of_range",
                f"scores: fewer positive scores ({pos_w.size}) than min_allowed_weights "
                f"({maw}); the SDK adds them to a length-n={n} array by position, and "
                f"position {int(positive[-1])} is out of bounds",
            )
        filled = np.ones(n, dtype=np.int64) * _FALLBACK_FLOOR
        filled[positive] += pos_w
        return np.arange(n, dtype=np.int64), _normalize_max_weight(filled, limit)
    max_exclude = max(0, pos_w.size - maw) / pos_w.size
    lowest = _np2_quantile_linear(pos_w, min(quantile, max_exclude))
    keep = lowest <= pos_w
    return pos_uids[keep], _normalize_max_weight(pos_w[keep], limit)


def sdk10_emit(uids: ArrayLike, weights: ArrayLike) -> tuple[list[int], list[int]]:
    r"""Float weights to the u16 payload: bittensor 10.x ``convert_weights_and_uids_for_emit``.

    As ``set_weights`` calls it (through ``convert_and_normalize_weights_and_uids``): a
    Python list of weights is first cast to float32 (and uids to int64); a NumPy array is
    used with its own dtype. Then, in this order, the SDK refuses an empty input (its
    ``min()`` of an empty list), a negative weight, a negative uid, and different lengths;
    an all-zero input gives two empty lists; otherwise, in float64,

    .. math:: v_i = \operatorname{round}\!\Bigl(\frac{w_i}{\max_j w_j} \cdot 65535\Bigr)

    with Python's ``round`` (**half to even**), and the uids with :math:`v_i = 0` are
    **dropped** (a small positive weight can vanish from the payload).

    Parameters
    ----------
    uids : array_like of int, shape (k,)
        Destination uids (at most 65535).
    weights : array_like of float, shape (k,)
        Finite weights.

    Returns
    -------
    uids : list of int
    values : list of int
        The u16 values, in the input order, zeros dropped.

    Raises
    ------
    ValueError
        NaN/inf weights or uids above 65535 (naming the argument);
        :class:`WeightSettingError` with the SDK's reason (``"empty"``,
        ``"negative_weight"``, ``"negative_uid"``, ``"length_mismatch"``).
    """
    if isinstance(weights, (list, tuple)):
        w: np.ndarray = np.array(as_real_array(weights, "weights"), dtype=np.float32)
    else:
        w = as_real_array(weights, "weights")
        if w.dtype not in (np.float32, np.float64):
            w = _float_vector(w, "weights", allow_negative=True)
    w = _float_vector(w, "weights", allow_negative=True)
    u = _uid_vector(uids, "uids", allow_negative=True)
    if w.size == 0:
        raise WeightSettingError(
            "sdk10", "empty", "weights is empty: the SDK takes min() of an empty sequence"
        )
    if w.min() < 0:
        raise WeightSettingError(
            "sdk10", "negative_weight", "weights: passed weight is negative, cannot exist on chain"
        )
    if u.size and u.min() < 0:
        raise WeightSettingError(
            "sdk10", "negative_uid", "uids: passed uid is negative, cannot exist on chain"
        )
    if u.size == 0:
        raise WeightSettingError(
            "sdk10", "empty", "uids is empty: the SDK takes min() of an empty sequence"
        )
    if u.size != w.size:
        raise WeightSettingError(
            "sdk10",
            "length_mismatch",
            f"uids and weights must have the same length, got {u.size} and {w.size}",
        )
    if not np.any(w > 0):
        return [], []
    values = np.rint(w / w.max() * float(U16_MAX)).astype(np.int64)
    keep = values != 0
    return u[keep].tolist(), values[keep].tolist()


# --------------------------------------------------------------------------------------
# bittensor 11.x
# --------------------------------------------------------------------------------------


def _python_sum(values: NDArray[np.float64], rule: str) -> float:
    """Python's builtin ``sum`` of floats (start 0), as CPython < 3.12 or >= 3.12 runs it."""
    xs = values.tolist()
    if not xs:
        return 0.0
    total = xs[0]
    if rule == "sequential":
        for x in xs[1:]:
            total += x
        result: float = total
        return result
    # CPython 3.12+: Neumaier's compensated summation (Objects/bltinmodule.c, builtin_sum).
    comp = 0.0
    for x in xs[1:]:
        t = total + x
        if abs(total) >= abs(x):
            comp += (total - t) + x
        else:
            comp += (x - t) + total
        total = t
    if comp and math.isfinite(comp):
        total += comp
    result = total
    return result


def sdk11_clip_to_max_weight(
    weights: ArrayLike, limit: float, *, python_sum: str = "sequential"
) -> NDArray[np.float64]:
    r"""Sum to 1 with no entry above ``limit``: bittensor 11.x ``clip_to_max_weight``.

    The same single estimated cutoff as 10.x's :func:`sdk10_normalize_max_weight`, in
    float64 (Python floats), with the 11.x order of cases: :math:`k = 0` or
    :math:`\sum w \le 0` raises; :math:`k \cdot \text{limit} \le 1` gives :math:`1/k`
    everywhere (zeros included); :math:`\max e \le \text{limit}` gives :math:`w / \sum w`;
    otherwise :math:`\min(w_i, \text{cutoff}) / \sum_j \min(w_j, \text{cutoff})`. The two
    sums use Python's builtin ``sum`` (see ``python_sum``); the cumulative sum is
    sequential (``itertools.accumulate``).

    Parameters
    ----------
    weights : array_like of float, shape (k,)
        Finite, non-negative weights.
    limit : float
        The cap in [0, 1] (the SDK passes ``MaxWeightsLimit / 65535``).
    python_sum : {"sequential", "neumaier"}
        Python's ``sum``: ``"sequential"`` for CPython up to 3.11, ``"neumaier"`` (the
        compensated sum) for CPython 3.12 and later.

    Returns
    -------
    numpy.ndarray of float64, shape (k,)

    Raises
    ------
    ValueError
        On bad input; :class:`WeightSettingError` ``"all_zero"`` for an empty or all-zero
        input, ``"division_by_zero"`` where the SDK divides by zero.
    """
    w = _float_vector(weights, "weights")
    return _clip11(w, _limit_param(limit, "limit"), _python_sum_param(python_sum))


def _clip11(w: NDArray[np.float64], limit: float, rule: str) -> NDArray[np.float64]:
    k = w.shape[0]
    total = _python_sum(w, rule)
    if k == 0 or total <= 0:
        raise WeightSettingError(
            "sdk11", "all_zero", "weights: all weights are zero, nothing to set"
        )
    if k * limit <= 1:
        return np.full(k, 1.0 / k)
    estimation = np.sort(w / total)
    if estimation[-1] <= limit:
        return w / total
    cumsum = np.cumsum(estimation)
    counts = np.arange(k - 1, -1, -1, dtype=np.float64)
    n_values = int(np.count_nonzero(estimation / (counts * estimation + cumsum + _EPSILON) < limit))
    denominator = 1 - limit * (k - n_values)
    if denominator == 0:
        raise WeightSettingError(
            "sdk11", "division_by_zero", "weights: clip_to_max_weight divides by zero"
        )
    cutoff = (limit * float(cumsum[n_values - 1]) - _EPSILON) / denominator * total
    clipped = np.minimum(w, cutoff)
    clipped_total = _python_sum(clipped, rule)
    if clipped_total == 0:
        raise WeightSettingError(
            "sdk11", "division_by_zero", "weights: clip_to_max_weight divides by zero"
        )
    result: NDArray[np.float64] = clipped / clipped_total
    return result


def sdk11_normalize(uids: ArrayLike, weights: ArrayLike) -> tuple[list[int], list[int]]:
    r"""Float weights to the u16 payload: bittensor 11.x ``normalize``.

    Checks, in the SDK's order: equal lengths, finite non-negative weights, uids in
    [0, 65535]. An empty or all-zero input gives two empty lists. Otherwise

    .. math:: v_i = \operatorname{round}\!\Bigl(\frac{w_i}{\max_j w_j} \cdot 65535\Bigr)

    (Python ``round``, half to even, in float64), and uids with :math:`v_i = 0` are dropped.

    Parameters
    ----------
    uids : array_like of int, shape (k,)
        Destination uids.
    weights : array_like of float, shape (k,)
        Weights.

    Returns
    -------
    uids : list of int
    values : list of int

    Raises
    ------
    ValueError
        :class:`WeightSettingError` with the SDK's reason (``"length_mismatch"``,
        ``"not_finite_or_negative"``, ``"uid_out_of_range"``); other bad input names
        the argument.
    """
    u_raw = _array(uids, "uids")
    w_raw = as_real_array(weights, "weights")
    if u_raw.ndim != 1 or w_raw.ndim != 1:
        raise ValueError("uids and weights must be 1-dimensional")
    if u_raw.shape[0] != w_raw.shape[0]:
        raise WeightSettingError(
            "sdk11",
            "length_mismatch",
            f"uids and weights must be equal length: {u_raw.shape[0]} vs {w_raw.shape[0]}",
        )
    w = as_float64(w_raw, "weights")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise WeightSettingError(
            "sdk11", "not_finite_or_negative", "weights must be finite and non-negative"
        )
    u = _uid_vector_any(u_raw)
    if np.any(u < 0) or np.any(u > U16_MAX):
        raise WeightSettingError("sdk11", "uid_out_of_range", "uids must be in 0..65535")
    if w.size == 0 or w.max() == 0:
        return [], []
    values = np.rint(w / w.max() * float(U16_MAX)).astype(np.int64)
    keep = values != 0
    return u[keep].tolist(), values[keep].tolist()


def _uid_vector_any(x: np.ndarray) -> NDArray[np.int64]:
    """Integers of any range (the 11.x range check comes after)."""
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    if x.dtype.kind in "iu":
        if x.dtype.kind == "u" and x.dtype.itemsize == 8 and np.any(x > 2**62):
            raise WeightSettingError("sdk11", "uid_out_of_range", "uids must be in 0..65535")
        return x.astype(np.int64)
    if x.dtype == object and all(
        is_integer(v) and not isinstance(v, bool) for v in x
    ):
        vals = [int(v) for v in x]
        if any(v < 0 or v > U16_MAX for v in vals):
            raise WeightSettingError("sdk11", "uid_out_of_range", "uids must be in 0..65535")
        return np.array(vals, dtype=np.int64)
    raise ValueError(f"uids must hold integers (uids), got dtype {x.dtype}")


def sdk11_conform(
    uids: ArrayLike,
    scores: ArrayLike,
    *,
    validator_uid: int | None,
    min_allowed_weights: int,
    max_weight_limit: int,
    python_sum: str = "sequential",
) -> tuple[list[int], list[int]]:
    r"""Scores to the u16 payload: the conforming step of bittensor 11.x ``SetWeights``.

    ``SetWeights`` takes parallel lists (duplicates refused), and ``_conform``:

    1. self-weight = ``uids == [validator_uid]`` (exactly one uid, the validator's own);
    2. unless a self-weight, and only if ``max_weight_limit < 65535``:
       :func:`sdk11_clip_to_max_weight` with limit ``max_weight_limit / 65535``;
    3. :func:`sdk11_normalize` (the u16 step);
    4. nothing left raises (``"all_zero"``, where 10.x would fall back); unless a
       self-weight, fewer than ``min_allowed_weights`` values raises
       (``"too_few_weights"``, after rounding dropped the zeros).

    The chain's ``min(n, min_allowed_weights)`` is not used: 11.x compares against the
    hyperparameter itself.

    Parameters
    ----------
    uids : array_like of int, shape (k,)
        Uids scored, in [0, 65535], no duplicates.
    scores : array_like of float, shape (k,)
        Finite, non-negative scores.
    validator_uid : int or None
        The validator's own uid (only used to spot a self-weight); None: never a
        self-weight.
    min_allowed_weights : int
        ``MinAllowedWeights`` (u16).
    max_weight_limit : int
        ``MaxWeightsLimit`` (u16, 65535 = no cap).
    python_sum : {"sequential", "neumaier"}
        See :func:`sdk11_clip_to_max_weight`.

    Returns
    -------
    uids : list of int
    values : list of int

    Raises
    ------
    ValueError
        On bad input naming the argument; :class:`WeightSettingError` as above.
    """
    u, s = _scores_and_uids(uids, scores)
    vuid = None if validator_uid is None else _u16_param(validator_uid, "validator_uid")
    maw = _u16_param(min_allowed_weights, "min_allowed_weights")
    mwl = _u16_param(max_weight_limit, "max_weight_limit")
    rule = _python_sum_param(python_sum)
    is_self_weight = u.size == 1 and vuid is not None and int(u[0]) == vuid
    floats = s
    if not is_self_weight and mwl < U16_MAX:
        floats = _clip11(s, mwl / U16_MAX, rule)
    out_uids, out_vals = sdk11_normalize(u, floats)
    _conform_checks(out_uids, is_self_weight, maw)
    return out_uids, out_vals


def _conform_checks(out_uids: list[int], is_self_weight: bool, maw: int) -> None:
    if not out_uids:
        raise WeightSettingError(
            "sdk11", "all_zero", "scores: all weights are zero, nothing to set"
        )
    if not is_self_weight and len(out_uids) < maw:
        raise WeightSettingError(
            "sdk11",
            "too_few_weights",
            f"min_allowed_weights: the subnet requires at least {maw} weights; only "
            f"{len(out_uids)} are nonzero after normalization",
        )


# --------------------------------------------------------------------------------------
# Either generation
# --------------------------------------------------------------------------------------


def process_weights(
    uids: ArrayLike,
    scores: ArrayLike,
    *,
    sdk: str,
    n: int | None = None,
    min_allowed_weights: int = 0,
    max_weight_limit: int = U16_MAX,
    exclude_quantile: int = 0,
    validator_uid: int | None = None,
    python_sum: str = "sequential",
) -> tuple[NDArray[np.int64], np.ndarray]:
    """Scores to float weights, as the chosen SDK generation processes them.

    ``sdk="10"``: :func:`sdk10_process_weights` (needs ``n``). ``sdk="11"``: the part of
    :func:`sdk11_conform` before the u16 step, i.e. the cap (skipped for a self-weight or
    ``max_weight_limit == 65535``); 11.x has no ``exclude_quantile`` (it must be 0), and
    checks ``min_allowed_weights`` only after the u16 step (see :func:`sdk_payload`).

    Parameters
    ----------
    uids : array_like of int, shape (k,)
        Uids scored, in [0, 65535], no duplicates.
    scores : array_like of float, shape (k,)
        Finite, non-negative scores.
    sdk : {"10", "11"}
        The SDK generation.
    n : int, optional
        Number of uids on the subnet; required for ``sdk="10"``.
    min_allowed_weights : int
        ``MinAllowedWeights`` (u16).
    max_weight_limit : int
        ``MaxWeightsLimit`` (u16, 65535 = no cap).
    exclude_quantile : int
        10.x only: the quantile of scores to drop, in u16 units.
    validator_uid : int, optional
        11.x only: the validator's uid, to spot a self-weight.
    python_sum : {"sequential", "neumaier"}
        11.x only: see :func:`sdk11_clip_to_max_weight`.

    Returns
    -------
    uids : numpy.ndarray of int64
    weights : numpy.ndarray
        float32 or float64 (10.x, as the SDK returns them); float64 (11.x).
    """
    sdk = _sdk_param(sdk)
    if sdk == "10":
        if n is None:
            raise ValueError("n is required for sdk='10' (its fallbacks weight every uid)")
        return sdk10_process_weights(
            uids,
            scores,
            n=n,
            min_allowed_weights=min_allowed_weights,
            max_weight_limit=max_weight_limit,
            exclude_quantile=exclude_quantile,
        )
    u, s = _scores_and_uids(uids, scores)
    if n is not None:
        _u16_param(n, "n")
    _u16_param(min_allowed_weights, "min_allowed_weights")
    mwl = _u16_param(max_weight_limit, "max_weight_limit")
    if _u16_param(exclude_quantile, "exclude_quantile") != 0:
        raise ValueError("exclude_quantile must be 0 for sdk='11' (11.x has no such step)")
    vuid = None if validator_uid is None else _u16_param(validator_uid, "validator_uid")
    rule = _python_sum_param(python_sum)
    is_self_weight = u.size == 1 and vuid is not None and int(u[0]) == vuid
    if is_self_weight or mwl == U16_MAX:
        return u, s
    return u, _clip11(s, mwl / U16_MAX, rule)


def emit_u16(uids: ArrayLike, weights: ArrayLike, *, sdk: str) -> tuple[list[int], list[int]]:
    """Float weights to the u16 payload, as the chosen SDK generation emits them.

    ``sdk="10"``: :func:`sdk10_emit`; ``sdk="11"``: :func:`sdk11_normalize`. Both round
    half to even and drop the uids whose value rounds to 0; they differ in their checks
    (10.x refuses an empty input, 11.x returns two empty lists).

    Parameters
    ----------
    uids : array_like of int, shape (k,)
        Destination uids.
    weights : array_like of float, shape (k,)
        Weights.
    sdk : {"10", "11"}
        The SDK generation.

    Returns
    -------
    uids : list of int
    values : list of int
    """
    if _sdk_param(sdk) == "10":
        return sdk10_emit(uids, weights)
    return sdk11_normalize(uids, weights)


def sdk_payload(
    uids: ArrayLike,
    scores: ArrayLike,
    *,
    sdk: str,
    n: int | None = None,
    min_allowed_weights: int = 0,
    max_weight_limit: int = U16_MAX,
    exclude_quantile: int = 0,
    validator_uid: int | None = None,
    python_sum: str = "sequential",
) -> tuple[list[int], list[int]]:
    """Scores to the ``set_weights`` payload (uids, u16 values) the chosen SDK sends.

    ``sdk="10"``: :func:`sdk10_process_weights` then :func:`sdk10_emit` (on the arrays it
    returned, as a validator passes them). ``sdk="11"``: :func:`sdk11_conform`.

    Parameters
    ----------
    uids : array_like of int, shape (k,)
        Uids scored, in [0, 65535], no duplicates.
    scores : array_like of float, shape (k,)
        Finite, non-negative scores.
    sdk : {"10", "11"}
        The SDK generation.
    n : int, optional
        Number of uids on the subnet; required for ``sdk="10"``.
    min_allowed_weights : int
        ``MinAllowedWeights`` (u16).
    max_weight_limit : int
        ``MaxWeightsLimit`` (u16, 65535 = no cap).
    exclude_quantile : int
        10.x only, in u16 units; must be 0 for 11.x.
    validator_uid : int, optional
        11.x: the validator's uid, to spot a self-weight.
    python_sum : {"sequential", "neumaier"}
        11.x only: see :func:`sdk11_clip_to_max_weight`.

    Returns
    -------
    uids : list of int
    values : list of int
    """
    sdk = _sdk_param(sdk)
    if sdk == "10":
        pu, pw = process_weights(
            uids,
            scores,
            sdk="10",
            n=n,
            min_allowed_weights=min_allowed_weights,
            max_weight_limit=max_weight_limit,
            exclude_quantile=exclude_quantile,
        )
        return sdk10_emit(pu, pw)
    if n is not None:
        _u16_param(n, "n")
    if _u16_param(exclude_quantile, "exclude_quantile") != 0:
        raise ValueError("exclude_quantile must be 0 for sdk='11' (11.x has no such step)")
    return sdk11_conform(
        uids,
        scores,
        validator_uid=validator_uid,
        min_allowed_weights=min_allowed_weights,
        max_weight_limit=max_weight_limit,
        python_sum=python_sum,
    )


# --------------------------------------------------------------------------------------
# The chain
# --------------------------------------------------------------------------------------


def check_vec_max_limited(values: ArrayLike, max_weight_limit: int) -> bool:
    r"""Whether the largest normalized value is within the limit: ``check_vec_max_limited``.

    In ``I32F32``: :math:`\ell = \text{limit} / 65535` (truncated division), :math:`x =
    \operatorname{normalize}(\text{values})` (each :math:`v_i / \sum v` truncated; a zero
    sum leaves the values as they are); true when :math:`\max x \le \ell` or the vector is
    empty.

    Parameters
    ----------
    values : array_like of int, shape (k,)
        u16 values.
    max_weight_limit : int
        The limit (u16).

    Returns
    -------
    bool
    """
    v = _u16_vector(values, "values")
    mwl = _u16_param(max_weight_limit, "max_weight_limit")
    if v.size == 0:
        return True
    limit = fixed.safe_div(fixed.from_int(np.int64(mwl)), fixed.from_int(np.int64(U16_MAX)))
    normalized = fixed.normalize(fixed.from_int(v))
    return bool(normalized.max() <= int(limit))


def _u16_vector(x: object, name: str) -> NDArray[np.int64]:
    arr = _array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == object:
        arr = np.array([_u16_param(v, name) for v in arr], dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers (u16), got dtype {arr.dtype}")
    if arr.dtype.kind == "u" and arr.dtype.itemsize == 8 and np.any(arr > U16_MAX):
        raise ValueError(f"{name} must be in [0, {U16_MAX}] (u16)")
    out = arr.astype(np.int64)
    if np.any(out < 0) or np.any(out > U16_MAX):
        raise ValueError(f"{name} must be in [0, {U16_MAX}] (u16)")
    return out


def chain_set_weights_row(
    uids: ArrayLike,
    values: ArrayLike,
    *,
    n: int,
    validator_uid: int,
    has_permit: bool = True,
    is_owner: bool = False,
    min_allowed_weights: int = 0,
    max_weight_limit: int = U16_MAX,
) -> tuple[NDArray[np.uint16], NDArray[np.uint16]]:
    r"""What ``set_weights`` stores for a payload, or the chain's refusal.

    The checks of ``internal_set_weights`` (``pallets/subtensor/src/subnets/weights.rs``)
    that depend on the payload, in the chain's order (signature, registration, stake,
    version key, rate limit and commit-reveal are not modelled: the validator is taken to
    be registered at ``validator_uid`` and to pass them). A *self-weight* is exactly one
    uid, the validator's own (``is_self_weight``), whatever its value.

    1. ``WeightVecNotEqualSize``: ``len(uids) != len(values)``.
    2. ``UidsLengthExceedUidsInSubNet``: ``len(uids) > n``.
    3. ``NeuronNoValidatorPermit``: not a self-weight, not the subnet owner, no permit.
    4. ``DuplicateUids``.
    5. ``UidVecContainInvalidOne``: a uid :math:`\ge n` (not registered).
    6. ``WeightVecLengthIsLow``: not a self-weight and ``len(values) < min(n,
       min_allowed_weights)``.
    7. Max-upscale: ``vec_u16_max_upscale_to_u16`` (:math:`\operatorname{round}(65535 v_i
       / \max v)` in ``I32F32``, ties away from zero; all-zero stays zero).
    8. ``MaxWeightExceeded``: not a self-weight, ``max_weight_limit != 65535`` and
       :func:`check_vec_max_limited` fails on the upscaled values. (Since 2025-10 the
       chain's ``get_max_weight_limit`` is the constant 65535, so this never fires on
       today's chain; a lower value models older runtimes.)

    The row is stored as ``(uid, value)`` pairs in the order sent, **zeros included**. A
    self-weight row passes every check but the epoch masks the diagonal (except the
    subnet owner's), so it counts as no weights.

    Parameters
    ----------
    uids : array_like of int, shape (k,)
        Destination uids (u16).
    values : array_like of int, shape (k,)
        u16 values as sent.
    n : int
        ``SubnetworkN``: uids ``0..n-1`` are registered.
    validator_uid : int
        The caller's uid, in [0, n).
    has_permit : bool
        ``ValidatorPermit`` of the caller.
    is_owner : bool
        The caller is the subnet owner's hotkey (acts as a validator without a permit).
    min_allowed_weights : int
        ``MinAllowedWeights`` (u16).
    max_weight_limit : int
        The max weight limit (u16; 65535 on today's chain).

    Returns
    -------
    uids : numpy.ndarray of uint16
    values : numpy.ndarray of uint16
        The stored row.

    Raises
    ------
    ValueError
        Bad input naming the argument; :class:`WeightSettingError` with the chain's error
        name as ``reason``.
    """
    u = _u16_vector(uids, "uids")
    v = _u16_vector(values, "values")
    n = _u16_param(n, "n")
    if n == 0:
        raise ValueError("n must be at least 1 (the validator holds a uid)")
    vuid = _int_param(validator_uid, "validator_uid", 0, n - 1)
    maw = _u16_param(min_allowed_weights, "min_allowed_weights")
    mwl = _u16_param(max_weight_limit, "max_weight_limit")
    permit = bool(has_permit)
    owner = bool(is_owner)

    def refuse(reason: str, message: str) -> NoReturn:
        raise WeightSettingError("chain", reason, message)

    if u.size != v.size:
        refuse(
            "WeightVecNotEqualSize",
            f"uids and values differ in length ({u.size} and {v.size})",
        )
    if u.size > n:
        refuse("UidsLengthExceedUidsInSubNet", f"uids: {u.size} uids for a subnet of n={n}")
    is_self_weight = v.size == 1 and int(u[0]) == vuid
    if not (is_self_weight or owner or permit):
        refuse(
            "NeuronNoValidatorPermit",
            "has_permit: the validator has no permit and the row is not a self-weight",
        )
    if np.unique(u).size != u.size:
        refuse("DuplicateUids", "uids contains duplicates")
    if np.any(u >= n):
        refuse("UidVecContainInvalidOne", f"uids: {u[u >= n].tolist()} not registered (n={n})")
    if not is_self_weight and v.size < min(n, maw):
        refuse(
            "WeightVecLengthIsLow",
            f"values: {v.size} weights, fewer than min(n, min_allowed_weights) = {min(n, maw)}",
        )
    stored = fixed.vec_u16_max_upscale_to_u16(v)
    if not is_self_weight and mwl != U16_MAX and not check_vec_max_limited(stored, mwl):
        refuse(
            "MaxWeightExceeded",
            f"values: the largest normalized weight exceeds max_weight_limit={mwl}/65535",
        )
    return u.astype(np.uint16), np.asarray(stored, dtype=np.uint16)


# --------------------------------------------------------------------------------------
# Scores to the epoch's input in one call
# --------------------------------------------------------------------------------------


def scores_to_weights(
    uids: ArrayLike,
    scores: ArrayLike,
    *,
    sdk: str,
    n: int,
    validator_uid: int,
    min_allowed_weights: int = 0,
    max_weight_limit: int = U16_MAX,
    exclude_quantile: int = 0,
    has_permit: bool = True,
    is_owner: bool = False,
    python_sum: str = "sequential",
    chain_max_weight_limit: int = U16_MAX,
) -> WeightRow:
    r"""Scores to the stored weight row and the dense row :func:`yuma.epoch` takes.

    :func:`sdk_payload` (the SDK's processing and u16 step), then
    :func:`chain_set_weights_row` (the chain's checks and max-upscale), then the dense row
    :math:`r_j = \text{stored}_j / 65535` for the stored uids :math:`j` (0 elsewhere) and
    the ``listed`` mask of the stored uids. ``min_allowed_weights`` goes to both sides.
    ``max_weight_limit`` is the ``MaxWeightsLimit`` storage the SDK reads;
    ``chain_max_weight_limit`` is what the chain enforces, the constant 65535 since
    2025-10 (``get_max_weight_limit``) whatever the storage holds. Passing the same value
    to both models an older runtime, and there a capped payload can be refused: the SDK
    puts the largest weight just under the limit, and rounding the others to u16 can push
    its share over (``MaxWeightExceeded``).

    Parameters
    ----------
    uids : array_like of int, shape (k,)
        Uids scored, in [0, 65535], no duplicates.
    scores : array_like of float, shape (k,)
        Finite, non-negative scores.
    sdk : {"10", "11"}
        The SDK generation.
    n : int
        ``SubnetworkN``.
    validator_uid : int
        The validator's uid, in [0, n).
    min_allowed_weights : int
        ``MinAllowedWeights`` (u16).
    max_weight_limit : int
        ``MaxWeightsLimit`` (u16, 65535 = no cap).
    exclude_quantile : int
        10.x only, in u16 units.
    has_permit : bool
        The validator's ``ValidatorPermit``.
    is_owner : bool
        The validator is the subnet owner.
    python_sum : {"sequential", "neumaier"}
        11.x only: see :func:`sdk11_clip_to_max_weight`.
    chain_max_weight_limit : int
        The limit the chain enforces (u16; 65535, i.e. none, on today's chain).

    Returns
    -------
    WeightRow

    Raises
    ------
    ValueError
        Bad input naming the argument; :class:`WeightSettingError` when the SDK or the
        chain refuses (``stage`` says which).

    Examples
    --------
    >>> from yuma.analysis.weight_setting import scores_to_weights
    >>> r = scores_to_weights([3, 1], [0.2, 0.6], sdk="10", n=4, validator_uid=0)
    >>> r.sent_uids.tolist(), r.sent_values.tolist(), r.listed.tolist()
    ([3, 1], [21845, 65535], [False, True, False, True])
    """
    n_checked = _u16_param(n, "n")
    if n_checked == 0:
        raise ValueError("n must be at least 1 (the validator holds a uid)")
    _int_param(validator_uid, "validator_uid", 0, n_checked - 1)
    sent_uids, sent_values = sdk_payload(
        uids,
        scores,
        sdk=sdk,
        n=n_checked,
        min_allowed_weights=min_allowed_weights,
        max_weight_limit=max_weight_limit,
        exclude_quantile=exclude_quantile,
        validator_uid=validator_uid,
        python_sum=python_sum,
    )
    stored_uids, stored_values = chain_set_weights_row(
        sent_uids,
        sent_values,
        n=n_checked,
        validator_uid=validator_uid,
        has_permit=has_permit,
        is_owner=is_owner,
        min_allowed_weights=min_allowed_weights,
        max_weight_limit=chain_max_weight_limit,
    )
    row = np.zeros(n_checked, dtype=np.float64)
    listed = np.zeros(n_checked, dtype=bool)
    idx = stored_uids.astype(np.int64)
    row[idx] = stored_values.astype(np.float64) / float(U16_MAX)
    listed[idx] = True
    return WeightRow(
        sent_uids=np.asarray(sent_uids, dtype=np.uint16),
        sent_values=np.asarray(sent_values, dtype=np.uint16),
        uids=stored_uids,
        values=stored_values,
        row=row,
        listed=listed,
    )


def weights_matrix(
    rows: Mapping[int, WeightRow] | Sequence[WeightRow | None], n: int
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Stack validators' rows into the square ``weights`` and ``listed`` of :func:`yuma.epoch`.

    Parameters
    ----------
    rows : mapping of int to WeightRow, or sequence of WeightRow or None
        Row ``i`` is the :class:`WeightRow` of the validator at uid ``i``; a missing uid
        (or None) has no weights (an empty row).
    n : int
        Number of uids; every row must have length ``n``.

    Returns
    -------
    weights : numpy.ndarray of float64, shape (n, n)
    listed : numpy.ndarray of bool, shape (n, n)
    """
    n = _u16_param(n, "n")
    items = rows.items() if isinstance(rows, Mapping) else enumerate(rows)
    w = np.zeros((n, n), dtype=np.float64)
    listed = np.zeros((n, n), dtype=bool)
    for i, r in items:
        if r is None:
            continue
        i = _int_param(i, "rows (key)", 0, n - 1) if n else _int_param(i, "rows (key)", 0, -1)
        if not isinstance(r, WeightRow):
            raise ValueError(f"rows[{i}] must be a WeightRow, got {type(r).__name__}")
        if r.row.shape != (n,):
            raise ValueError(f"rows[{i}] has length {r.row.shape[0]}, expected n={n}")
        w[i] = r.row
        listed[i] = r.listed
    return w, listed

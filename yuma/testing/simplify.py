"""Shrink a failing invariant case to a small one that fails the same way.

Hypothesis finds a failing case; this module makes it readable. :func:`simplify` tries,
greedily and in passes, transformations that make a case smaller or plainer (delete a
validator or a miner, drop an optional input, reset the hyperparameters, set a value to
0 or 1) and keeps each one under which the invariant still fails with the same kind. It
knows the case keys of :mod:`yuma.testing.invariants` (permutations, coalitions, target
and split rows, unweighted columns) and keeps them consistent. Each try costs one check,
so a budget of a hundred tries costs a fraction of a second; the result depends only on
the inputs, not on a clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np

from ..params import YumaParams

__all__ = ["simplify", "candidates"]


def _renumber(perm: np.ndarray, k: int) -> np.ndarray:
    kept = perm[perm != k]
    return np.where(kept > k, kept - 1, kept).astype(perm.dtype)


def _delete_uid(case: dict, i: int, *, row: bool, col: bool) -> dict | None:
    """Delete row i and/or column i (both in the square form); None if not possible."""
    out = dict(case)
    w = np.asarray(case["weights"])
    n_rows, n_cols = w.shape
    square = n_rows == n_cols
    if row:
        if n_rows <= 1 or out.get("row") == i:
            return None
        for key in ("stake", "active", "validator_permit", "coalition"):
            if out.get(key) is not None:
                out[key] = np.delete(np.asarray(out[key]), i)
        for key in ("weights", "bonds", "listed"):
            if out.get(key) is not None:
                out[key] = np.delete(np.asarray(out[key]), i, axis=0)
        if "row" in out and out["row"] > i:
            out["row"] -= 1
        if "perm_rows" in out:
            out["perm_rows"] = _renumber(np.asarray(out["perm_rows"]), i)
    if col:
        if n_cols <= 1 or out.get("target") == i:
            return None
        for key in ("weights", "bonds", "listed"):
            if out.get(key) is not None:
                out[key] = np.delete(np.asarray(out[key]), i, axis=1)
        if "target" in out and out["target"] > i:
            out["target"] -= 1
        if "perm_cols" in out:
            out["perm_cols"] = _renumber(np.asarray(out["perm_cols"]), i)
        if "unweighted" in out:
            cols = np.asarray(out["unweighted"])
            cols = cols[cols != i]
            if cols.size == 0:
                return None
            out["unweighted"] = np.where(cols > i, cols - 1, cols)
    r, c = out["weights"].shape
    if (r == c) != square:
        return None  # a deletion must not turn one form into the other
    return out


def _set_entry(case: dict, key: str, idx: tuple, value) -> dict | None:
    arr = case.get(key)
    if arr is None:
        return None
    arr = np.asarray(arr)
    if arr[idx] == value:
        return None
    new = arr.copy()
    new[idx] = value
    out = {**case, key: new}
    if key == "weights" and case.get("listed") is not None:
        out["listed"] = np.asarray(case["listed"]) | (new > 0.0)
    return out


def _params_steps(case: dict, base: YumaParams | None, *, whole: bool) -> Iterator[dict]:
    p = case.get("params")
    if not isinstance(p, YumaParams):
        return
    base = base or YumaParams()
    if p == base:
        return
    if whole:
        yield {**case, "params": base}
        return
    for f in dataclasses.fields(YumaParams):
        if getattr(p, f.name) != getattr(base, f.name):
            try:
                q = dataclasses.replace(p, **{f.name: getattr(base, f.name)})
            except ValueError:  # e.g. alpha_low above alpha_high
                continue
            yield {**case, "params": q}


def _bulk_steps(case: dict) -> Iterator[dict]:
    stake = np.asarray(case["stake"], dtype=np.float64)
    ones = np.where(stake > 0.0, 1.0, 0.0)
    if not np.array_equal(stake, ones):
        yield {**case, "stake": ones}
    for key in ("weights", "bonds"):
        arr = case.get(key)
        if arr is None:
            continue
        arr = np.asarray(arr, dtype=np.float64)
        for i in range(arr.shape[0]):
            if np.any(arr[i] != 0.0):
                new = arr.copy()
                new[i] = 0.0
                yield {**case, key: new}
        binary = np.where(arr > 0.0, 1.0, 0.0)
        if not np.array_equal(arr, binary):
            out = {**case, key: binary}
            yield out


def candidates(case: dict, base: YumaParams | None = None) -> Iterator[dict]:
    """Simpler versions of a case, most simplifying first.

    Order: the base hyperparameters; deleting a validator or a miner (a UID in the
    square form); dropping ``listed``, the masks and the bonds; resetting one
    hyperparameter; a plain factor or fraction; whole rows to 0, stakes and weights to
    0/1; then single entries to 0 or 1.

    Parameters
    ----------
    case : dict
        A case of :mod:`yuma.testing.invariants`.
    base : YumaParams, optional
        Hyperparameters to reset to (default ``YumaParams()``).

    Yields
    ------
    dict
        A transformed copy of ``case``.
    """
    yield from _params_steps(case, base, whole=True)
    w = np.asarray(case["weights"])
    n_rows, n_cols = w.shape
    square = n_rows == n_cols
    for i in reversed(range(n_rows)):
        out = _delete_uid(case, i, row=True, col=square)
        if out is not None:
            yield out
    if not square:
        for j in reversed(range(n_cols)):
            out = _delete_uid(case, j, row=False, col=True)
            if out is not None:
                yield out
    if "listed" in case:
        yield {k: v for k, v in case.items() if k != "listed"}
    for key in ("active", "validator_permit", "bonds"):
        if case.get(key) is not None:
            yield {**case, key: None}
    yield from _params_steps(case, base, whole=False)
    for key, value in (("factor", 3.0), ("fraction", 0.5)):
        if key in case and case[key] != value:
            yield {**case, key: value}
    yield from _bulk_steps(case)
    for key in ("weights", "bonds", "stake"):
        arr = case.get(key)
        if arr is None:
            continue
        arr = np.asarray(arr)
        for idx in np.ndindex(arr.shape):
            x = float(arr[idx])
            # Only towards plainer values (0, then 1 for other positives): no cycles.
            for value in (0.0, 1.0) if x not in (0.0, 1.0) else (0.0,) if x == 1.0 else ():
                out = _set_entry(case, key, idx, value)
                if out is not None:
                    yield out


def simplify(
    case: dict,
    still_fails: Callable[[dict], bool],
    *,
    budget: int = 100,
    base: YumaParams | None = None,
) -> tuple[dict, int]:
    """Greedily simplify a failing case while it keeps failing.

    Parameters
    ----------
    case : dict
        A failing case.
    still_fails : callable
        ``still_fails(case) -> bool``: whether a candidate fails the same way.
    budget : int
        Largest number of candidates tried.
    base : YumaParams, optional
        Hyperparameters to reset to.

    Returns
    -------
    tuple of (dict, int)
        The simplest failing case found and the number of candidates tried.
    """
    tries = 0
    while tries < budget:
        changed = False
        pos = 0
        while tries < budget:
            for idx, cand in enumerate(candidates(case, base)):
                if idx < pos:
                    continue  # tried in this pass already
                if tries >= budget:
                    break
                tries += 1
                if still_fails(cand):
                    case, pos, changed = cand, idx, True
                    break
            else:
                break  # end of the pass
        if not changed:
            break
    return case, tries

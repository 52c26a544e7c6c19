r"""Duck-typed readers of Bittensor SDK metagraphs and of the simulator's dumps.

No SDK and no torch is imported: attributes are read by name, and an array attribute may
be a NumPy array, a list, or a torch tensor (read through ``.detach()``, ``.cpu()``,
``.numpy()`` when it has them). What each SDK generation hands out, and in which unit
(read from ``bittensor`` 10.5.0 and 11.3.0):

**bittensor 10.x** ``Metagraph`` (``bittensor.core.metagraph``; NumPy arrays, or
``torch.nn.Parameter`` under ``USE_TORCH=1``), read by :func:`read_metagraph10`:

==========================  ===========================================================
attribute                   content and unit
==========================  ===========================================================
``n``, ``block``            0-d (after ``sync``) or 1-element int64 arrays
``uids``                    int64, 0 .. n-1
``hotkeys``                 list of ss58 strings (from the axons)
``S`` (``stake``)           float32, total stake per UID in TAO / alpha units
                            (``get_subnet_state``'s ``total_stake`` ``.tao``)
``AS``, ``TS``              float32 alpha stake; root TAO stake **times 0.18**
                            (``ROOT_TAO_STAKE_WEIGHT``): ``TS`` is not read
``W``                       float32 (n, n): each stored u16 row divided by its sum
``B``                       raw stored u16 bonds (int64, or float32 without torch)
``C``, ``I``, ``D``,        float32, u16 / 65535 (consensus, incentive, dividends,
``Tv``                      validator trust); ``R``, ``T`` are documented but not set
``E``                       float32 emission, rao / 1e9
``active``                  int64 0/1; ``validator_permit`` bool; ``last_update`` int64
``block_at_registration``   list of int (only after a sync with metagraph info)
``hparams``                 ``MetagraphInfoParams``: ``kappa`` the raw u16 (typed float),
                            ``alpha_low`` / ``alpha_high`` u16 / 65535,
                            ``bonds_moving_avg`` the per-million integer **divided by**
                            ``u64::MAX`` (so 900000 reads 4.88e-14), ``max_validators``,
                            ``activity_cutoff``, ``commit_reveal_period``,
                            ``commit_reveal_weights_enabled``, ``liquid_alpha_enabled``,
                            ``tempo``; no bonds penalty, steepness or Yuma version
``tempo``, ``last_step``    subnet fields from the metagraph info
``owner_hotkey``            the subnet owner's hotkey, from the metagraph info
==========================  ===========================================================

**bittensor 11.x** ``Metagraph`` (``bittensor.metagraph``, a dataclass), read by
:func:`read_metagraph11`: ``netuid``, ``mechid``, ``block``, ``tempo``, ``last_step``,
``owner_hotkey`` and ``neurons``, one ``MetagraphNeuron`` per UID in UID order with
``uid``, ``hotkey``, ``active``, ``validator_permit``, ``last_update``,
``block_at_registration``, the scores ``rank``, ``trust``, ``consensus``, ``incentive``,
``dividends``, ``pruning_score`` as u16 / 65535 floats, and ``emission``,
``alpha_stake``, ``tao_stake``, ``total_stake`` as ``Balance`` (an integer ``.rao``
tagged with a netuid). Weights and bonds are not in it: ``client.weights.weights`` gives
``{validator_uid: {miner_uid: fraction}}`` (each row divided by its sum, explicit zeros
kept) and ``client.weights.bonds`` ``{validator_uid: {miner_uid: u16 / 65535}}``;
``client.subnets.subnet_hyperparameters`` gives the chain's raw integers by name
(runtime API ``get_subnet_hyperparams_v3``; ``epoch_consensus`` 0 is Yuma, 1 Null). The
metagraph itself comes from ``client.subnets.metagraph(netuid)``.

Hyperparameter names (both generations) and the :class:`ChainHyperparameters` field each
fills are in :data:`SDK_HYPERPARAMETERS`; :func:`chain_hyperparameters` infers each
value's unit (see there).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from .._validation import is_integer
from ..params import U16_MAX
from .subnet import (
    U64_MAX,
    ChainHyperparameters,
    SubnetSnapshot,
    tao_to_rao,
)
from .torch_pickle import DEFAULT_MAX_BYTES, load_torch_pickle

__all__ = [
    "SDK_HYPERPARAMETERS",
    "chain_hyperparameters",
    "read_metagraph",
    "read_metagraph10",
    "read_metagraph11",
    "read_simulator_dump",
]

_MILLION = 1_000_000

SDK_HYPERPARAMETERS: dict[str, tuple[str, str]] = {
    "tempo": ("tempo", "int"),
    "activity_cutoff": ("activity_cutoff", "int"),
    "activity_cutoff_factor": ("activity_cutoff_factor", "int"),
    "kappa": ("kappa", "u16"),
    "bonds_penalty": ("bonds_penalty", "u16"),
    "bonds_moving_avg": ("bonds_moving_average", "per_million"),
    "liquid_alpha_enabled": ("liquid_alpha_on", "bool"),
    "alpha_low": ("alpha_low", "u16"),
    "alpha_high": ("alpha_high", "u16"),
    "alpha_sigmoid_steepness": ("alpha_sigmoid_steepness", "i16"),
    "yuma3_enabled": ("yuma3_on", "bool"),
    "yuma_version": ("yuma3_on", "yuma_version"),
    "max_validators": ("max_allowed_validators", "int"),
    "commit_reveal_weights_enabled": ("commit_reveal_enabled", "bool"),
    "commit_reveal_period": ("commit_reveal_period", "int"),
    "bonds_reset_enabled": ("bonds_reset_on", "bool"),
    "epoch_consensus": ("epoch_consensus", "epoch_consensus"),
    "liquid_alpha_consensus_mode": ("liquid_alpha_consensus_mode", "consensus_mode"),
}
"""SDK hyperparameter name -> (:class:`ChainHyperparameters` field, unit kind)."""

_OWN_NAMES = {
    "bonds_moving_average": ("bonds_moving_average", "per_million"),
    "liquid_alpha_on": ("liquid_alpha_on", "bool"),
    "yuma3_on": ("yuma3_on", "bool"),
    "max_allowed_validators": ("max_allowed_validators", "int"),
    "commit_reveal_enabled": ("commit_reveal_enabled", "bool"),
    "bonds_reset_on": ("bonds_reset_on", "bool"),
}

# 10.x's MetagraphInfo divides the per-million BondsMovingAverage by u64::MAX.
_U64_NORMALISED_MILLION = _MILLION / U64_MAX


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


def _fail(source: str, name: str, problem: str) -> ValueError:
    return ValueError(f"{source}: {name}: {problem}")


def _get(obj: object, name: str) -> Any:  # an SDK attribute, of whatever type it has
    """``obj.name`` or ``obj[name]``; None when absent (a property that raises counts)."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - an SDK property over an unset attribute
        return None


def _as_array(value: object, name: str, source: str) -> np.ndarray | None:
    """A NumPy array of an attribute: NumPy, list, or torch tensor (without importing it)."""
    if value is None:
        return None
    obj = value
    if not isinstance(obj, np.ndarray):
        for method in ("detach", "cpu", "numpy"):
            fn = getattr(obj, method, None)
            if callable(fn):
                try:
                    obj = fn()
                except Exception as exc:  # noqa: BLE001 - whatever the tensor library raises
                    raise _fail(source, name, f"cannot be read as an array ({exc})") from None
    try:
        arr = np.asarray(obj)
    except (TypeError, ValueError) as exc:
        raise _fail(source, name, f"is not a rectangular array ({exc})") from None
    if arr.dtype == object:
        try:
            arr = np.asarray(arr.tolist(), dtype=np.float64)
        except (TypeError, ValueError):
            raise _fail(source, name, "holds values that are not numbers") from None
    return arr


def _scalar_int(value: object, name: str, source: str) -> int | None:
    if value is None:
        return None
    arr = _as_array(value, name, source)
    if arr is None:  # not reached: only None reads as None
        return None
    if arr.size != 1:
        raise _fail(source, name, f"must be one integer, got shape {arr.shape}")
    v = arr.reshape(-1)[0]
    if arr.dtype.kind == "f":
        if not np.isfinite(v) or v != np.floor(v):
            raise _fail(source, name, f"must be an integer, got {v}")
    elif arr.dtype.kind not in "iu":
        raise _fail(source, name, f"must be an integer, got {v!r}")
    if v < 0:
        raise _fail(source, name, f"must be non-negative, got {v}")
    return int(v)


def _length(arr: np.ndarray | list[Any], name: str, source: str, n: int) -> None:
    got = len(arr)
    if got != n:
        raise _fail(source, name, f"has length {got}, but the metagraph has n = {n} UIDs")


def _u16_scores(value: object, name: str, source: str, n: int) -> np.ndarray | None:
    """Scores given as u16 / 65535 floats back to the stored u16 (exact for float32)."""
    arr = _as_array(value, name, source)
    if arr is None or (arr.size == 0 and n > 0):
        return None
    if arr.ndim != 1:
        raise _fail(source, name, f"must be 1-dimensional, got shape {arr.shape}")
    _length(arr, name, source, n)
    x = arr.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise _fail(source, name, "holds NaN or inf")
    if x.size and (x.min() < 0 or x.max() > 1):
        raise _fail(source, name, "must be u16 proportions in [0, 1]")
    return np.rint(x * U16_MAX).astype(np.uint16)


def _tao_vector(value: object, name: str, source: str, n: int) -> np.ndarray | None:
    arr = _as_array(value, name, source)
    if arr is None or (arr.size == 0 and n > 0):
        return None
    if arr.ndim != 1:
        raise _fail(source, name, f"must be 1-dimensional, got shape {arr.shape}")
    _length(arr, name, source, n)
    return tao_to_rao(arr, name=name, source=source)


def _vector(value: object, name: str, source: str, n: int) -> np.ndarray | None:
    arr = _as_array(value, name, source)
    if arr is None or (arr.size == 0 and n > 0):
        return None
    if arr.ndim != 1:
        raise _fail(source, name, f"must be 1-dimensional, got shape {arr.shape}")
    _length(arr, name, source, n)
    return arr


def _square(value: object, name: str, source: str, n: int) -> np.ndarray | None:
    arr = _as_array(value, name, source)
    if arr is None or arr.size == 0:
        return None
    if arr.shape != (n, n):
        raise _fail(source, name, f"has shape {arr.shape}, expected ({n}, {n}): one row and "
                    "one column per UID (root-subnet weights are not read)")
    return arr


# --------------------------------------------------------------------------------------
# Hyperparameters
# --------------------------------------------------------------------------------------


def _is_int(v: object) -> bool:
    return is_integer(v) and not isinstance(v, (bool, np.bool_))


def _is_float(v: object) -> bool:
    return isinstance(v, (float, np.floating))


def _integral(v: Any, where: str, source: str) -> int:
    if _is_int(v):
        return int(v)
    if _is_float(v) and np.isfinite(v) and float(v) == int(v):
        return int(v)
    raise _fail(source, where, f"must be an integer, got {v!r}")


def _convert(kind: str, v: Any, where: str, source: str) -> int | bool | str:
    if kind == "int":
        return _integral(v, where, source)
    if kind == "i16":
        return _integral(v, where, source)
    if kind == "bool":
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if _is_int(v) and int(v) in (0, 1):
            return bool(v)
        raise _fail(source, where, f"must be a bool, got {v!r}")
    if kind == "u16":
        if _is_int(v):
            return int(v)
        if _is_float(v) and np.isfinite(v):
            if 0.0 <= v <= 1.0:  # a proportion (10.x alpha_low / alpha_high)
                return int(np.rint(float(v) * U16_MAX))
            return _integral(v, where, source)
        raise _fail(source, where, f"must be a u16 integer or a proportion, got {v!r}")
    if kind == "per_million":
        if _is_int(v):
            return int(v)
        if _is_float(v) and np.isfinite(v):
            if 0.0 < v <= _U64_NORMALISED_MILLION * (1 + 1e-9):
                # 10.x MetagraphInfo: the per-million integer divided by u64::MAX
                return round(Fraction(float(v)) * U64_MAX)
            if 0.0 <= v <= 1.0:
                return int(np.rint(float(v) * _MILLION))
            return _integral(v, where, source)
        raise _fail(source, where, f"must be a per-million integer or a proportion, got {v!r}")
    if kind == "yuma_version":
        version = _integral(v, where, source)
        if version not in (2, 3):
            raise _fail(source, where, f"must be 2 or 3, got {version}")
        return version == 3
    if kind == "epoch_consensus":
        if isinstance(v, Mapping) and len(v) == 1:
            v = next(iter(v))
        if _is_int(v) and int(v) in (0, 1):
            return ("yuma", "null")[int(v)]
        if isinstance(v, str) and v.lower() in ("yuma", "null"):
            return v.lower()
        raise _fail(source, where, f"must be 0 / 'Yuma' or 1 / 'Null', got {v!r}")
    if kind == "consensus_mode":
        if isinstance(v, Mapping) and len(v) == 1:
            v = next(iter(v))
        if _is_int(v) and int(v) in (0, 1, 2):
            return ("current", "previous", "auto")[int(v)]
        if isinstance(v, str) and v.lower() in ("current", "previous", "auto"):
            return v.lower()
        raise _fail(source, where, f"must be 0/1/2 or 'current'/'previous'/'auto', got {v!r}")
    raise AssertionError(kind)


def chain_hyperparameters(hparams: object, *, source: str = "<hyperparameters>",
                          **overrides: Any) -> ChainHyperparameters:
    r"""The chain's integer hyperparameters from an SDK's, whichever unit it used.

    Names are the SDKs' (:data:`SDK_HYPERPARAMETERS`; this package's own field names are
    accepted too); other names are ignored, None counts as absent. Units are inferred per
    value:

    * u16 fractions (``kappa``, ``bonds_penalty``, ``alpha_low``, ``alpha_high``): an
      integer is the stored u16 (11.x; 10.x's ``kappa``); a float in [0, 1] a proportion,
      ``rint(65535 v)`` (10.x's ``alpha_low`` / ``alpha_high``);
    * ``bonds_moving_avg``: an integer is per million; a float no larger than
      ``10**6 / u64::MAX`` is 10.x ``MetagraphInfo``'s per-million integer divided by
      ``u64::MAX`` and is multiplied back exactly; another float in [0, 1] a proportion,
      ``rint(1e6 v)``;
    * ``alpha_sigmoid_steepness``: the i16 (10.x's I32F32 float of it is integral);
    * ``yuma_version`` 3 or 2 sets ``yuma3_on``; ``epoch_consensus`` 0 / ``Yuma`` or
      1 / ``Null``; ``liquid_alpha_consensus_mode`` 0 / 1 / 2 or its name.

    Parameters
    ----------
    hparams : mapping or object
        11.x's ``subnet_hyperparameters`` dict, 10.x's ``SubnetHyperparameters`` or
        ``Metagraph.hparams``, or any object with these attributes. None reads as empty.
    source : str
        Named in errors.
    **overrides
        Values that take precedence (SDK names), e.g. a metagraph's ``tempo``.

    Returns
    -------
    ChainHyperparameters

    Raises
    ------
    ValueError
        If a value has no reading in its unit or is outside its chain type; the message
        names the source and the hyperparameter.

    Examples
    --------
    >>> hp = chain_hyperparameters({"kappa": 32767, "bonds_moving_avg": 900000,
    ...                             "alpha_high": 0.9, "epoch_consensus": 1})
    >>> hp.kappa, hp.bonds_moving_average, hp.alpha_high, hp.epoch_consensus
    (32767, 900000, 58982, 'null')
    """
    table = {**SDK_HYPERPARAMETERS, **_OWN_NAMES}
    out: dict[str, Any] = {}
    given_by: dict[str, tuple[int, str]] = {}
    if isinstance(hparams, (str, bytes, int, float, complex, list, tuple, np.ndarray, np.generic)):
        raise ValueError(f"{source}: hparams must be a mapping or an object with "
                         f"hyperparameter attributes, got {type(hparams).__name__}")
    sources = [{} if hparams is None else hparams, overrides]
    for layer, values in enumerate(sources):
        for sdk_name, (field_name, kind) in table.items():
            v = _get(values, sdk_name)
            if v is None:
                continue
            where = f"hyperparameters[{sdk_name!r}]"
            converted = _convert(kind, v, where, source)
            previous = given_by.get(field_name)
            if previous is not None and previous[0] == layer and out[field_name] != converted:
                raise _fail(source, where, f"disagrees with {previous[1]!r} "
                            f"({converted!r} vs {out[field_name]!r})")
            out[field_name] = converted
            given_by[field_name] = (layer, sdk_name)
    try:
        return ChainHyperparameters(**out)
    except ValueError as exc:
        raise ValueError(f"{source}: hyperparameters: {exc}") from None


# --------------------------------------------------------------------------------------
# 10.x
# --------------------------------------------------------------------------------------


def _first(obj: object, *names: str) -> tuple[str, Any]:
    for name in names:
        v = _get(obj, name)
        if v is not None:
            return name, v
    return names[0], None


def read_metagraph10(metagraph: object, *, hyperparameters: object = None,
                     source: str = "<metagraph>") -> SubnetSnapshot:
    r"""Read a bittensor 10.x ``Metagraph`` (NumPy or torch attributes) into a snapshot.

    Stake ``S`` (TAO, float32) becomes rao with :func:`yuma.io.tao_to_rao` (the rao
    nearest the float32; float32 keeps about 7 digits, so a stake is known to about
    1e-7 of itself). ``W`` is taken as row proportions (its u16 rows are reconstructed by
    max-upscaling), ``B`` as the raw u16 bonds, ``C``/``I``/``D``/``Tv`` (and ``R``/``T``
    when set) as u16 / 65535, ``E`` as TAO. Attributes that are absent or empty (a lite
    or unsynced metagraph) are left unknown.

    Parameters
    ----------
    metagraph : object
        Anything with the 10.x attributes; ``S`` (or ``stake``) is required.
    hyperparameters : mapping or object, optional
        Overrides ``metagraph.hparams`` (e.g. 10.x's ``SubnetHyperparameters``, which
        also has ``bonds_penalty``-era fields such as ``yuma_version``).
    source : str
        Named in errors.

    Returns
    -------
    SubnetSnapshot

    Raises
    ------
    ValueError
        On mismatched lengths, UIDs out of order, a hotkey list of the wrong length,
        NaN or negative stake, negative or NaN weights, a non-square weight matrix; the
        message names the source and the attribute.
    """
    stake_name, stake = _first(metagraph, "S", "stake", "total_stake")
    stake_arr = _as_array(stake, stake_name, source)
    if stake_arr is None:
        raise _fail(source, "S", "missing: the metagraph has no stake")
    if stake_arr.ndim != 1:
        raise _fail(source, stake_name, f"must be 1-dimensional, got shape {stake_arr.shape}")
    n = stake_arr.shape[0]
    n_attr = _scalar_int(_get(metagraph, "n"), "n", source)
    if n_attr is not None and n_attr != n:
        raise _fail(source, stake_name, f"has length {n}, but the metagraph has n = {n_attr}")
    uids = _vector(_get(metagraph, "uids"), "uids", source, n)
    if uids is not None and not np.array_equal(uids, np.arange(n)):
        raise _fail(source, "uids", "must be 0 .. n-1 in order")
    stake_rao = tao_to_rao(stake_arr, name=stake_name, source=source)

    hotkeys = _get(metagraph, "hotkeys")
    if hotkeys is not None:
        if isinstance(hotkeys, np.ndarray):
            hotkeys = hotkeys.tolist()
        hotkeys = list(hotkeys)
        _length(hotkeys, "hotkeys", source, n)

    w_name, w = _first(metagraph, "W", "weights")
    weights = _square(w, w_name, source, n)
    b_name, b = _first(metagraph, "B", "bonds")
    bonds = _square(b, b_name, source, n)
    if weights is not None:
        weights = _checked_weights(weights, w_name, source)

    fields: dict[str, Any] = {}
    a_name, alpha = _first(metagraph, "AS", "alpha_stake")
    fields["alpha_stake_rao"] = _tao_vector(alpha, a_name, source, n)
    for name in ("validator_permit", "active", "last_update", "block_at_registration"):
        fields[name] = _vector(_get(metagraph, name), name, source, n)
    outputs = {}
    for out_name, attrs in (("consensus", ("C", "consensus")),
                            ("incentive", ("I", "incentive")),
                            ("dividends", ("D", "dividends")),
                            ("validator_trust", ("Tv", "validator_trust")),
                            ("rank", ("R", "ranks")), ("trust", ("T", "trust"))):
        attr, value = _first(metagraph, *attrs)
        scores = _u16_scores(value, attr, source, n)
        if scores is not None:
            outputs[out_name] = scores
    e_name, emission = _first(metagraph, "E", "emission")
    emission_rao = _tao_vector(emission, e_name, source, n)
    if emission_rao is not None:
        outputs["emission"] = emission_rao

    hp_source = hyperparameters if hyperparameters is not None else _get(metagraph, "hparams")
    tempo = _get(metagraph, "tempo")
    hp = chain_hyperparameters(hp_source, source=source,
                               **({"tempo": tempo} if tempo is not None else {}))
    return SubnetSnapshot(
        stake_rao=stake_rao,
        weights=weights,
        bonds_u16=bonds,
        hotkeys=None if hotkeys is None else tuple(hotkeys),
        netuid=_scalar_int(_get(metagraph, "netuid"), "netuid", source),
        mechid=_scalar_int(_get(metagraph, "mechid"), "mechid", source) or 0,
        block=_scalar_int(_get(metagraph, "block"), "block", source),
        hyperparameters=hp,
        outputs=outputs,
        last_step=_scalar_int(_get(metagraph, "last_step"), "last_step", source),
        owner_hotkey=_get(metagraph, "owner_hotkey"),
        source=source,
        **fields,
    )


def _checked_weights(weights: np.ndarray, name: str, source: str) -> np.ndarray:
    w = weights.astype(np.float64)
    finite = np.isfinite(w)
    if not finite.all():
        row = int(np.flatnonzero(~finite.all(axis=1))[0])
        raise _fail(source, name, f"row {row} holds NaN or inf")
    if w.size and w.min() < 0:
        row = int(np.flatnonzero((w < 0).any(axis=1))[0])
        raise _fail(source, name, f"row {row} has negative entries")
    return w


# --------------------------------------------------------------------------------------
# 11.x
# --------------------------------------------------------------------------------------


def _balance_rao(value: object, name: str, source: str) -> int:
    """``Balance.rao`` (an integer), or a real number taken as TAO."""
    rao = getattr(value, "rao", None)
    if rao is not None:
        if not _is_int(rao) or int(rao) < 0 or int(rao) > U64_MAX:
            raise _fail(source, name, f"has rao {rao!r}, not a u64 integer")
        return int(rao)
    if _is_int(value) or _is_float(value):
        return int(tao_to_rao(np.asarray([value], dtype=np.float64), name=name,
                              source=source)[0])
    raise _fail(source, name, f"must be a Balance (with .rao) or TAO, got {value!r}")


def _rows(
    matrix: object, name: str, source: str, n: int, *, u16: bool
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``{row_uid: {col_uid: value}}`` (or a dense array) to a dense matrix and its mask."""
    if matrix is None:
        return None, None
    if not isinstance(matrix, Mapping):
        dense = _square(matrix, name, source, n)
        if dense is None:
            return None, None
        dense = _checked_weights(dense, name, source)
        return dense, None
    dense = np.zeros((n, n), dtype=np.float64)
    listed = np.zeros((n, n), dtype=bool)
    for row_uid, row in matrix.items():
        if not _is_int(row_uid) or not 0 <= int(row_uid) < n:
            raise _fail(source, name, f"row UID {row_uid!r} is not in 0 .. {n - 1}")
        if not isinstance(row, Mapping):
            raise _fail(source, f"{name}[{row_uid}]", "must map miner UIDs to values")
        for col_uid, value in row.items():
            if not _is_int(col_uid) or not 0 <= int(col_uid) < n:
                raise _fail(source, f"{name}[{row_uid}]",
                            f"miner UID {col_uid!r} is not in 0 .. {n - 1}")
            if not (_is_int(value) or _is_float(value)) or not np.isfinite(value):
                raise _fail(source, f"{name}[{row_uid}][{col_uid}]",
                            f"must be a finite number, got {value!r}")
            if value < 0:
                raise _fail(source, name, f"row {row_uid} has negative entries")
            if u16 and value > 1:
                raise _fail(source, f"{name}[{row_uid}][{col_uid}]",
                            f"must be a u16 proportion in [0, 1], got {value!r}")
            dense[int(row_uid), int(col_uid)] = float(value)
            listed[int(row_uid), int(col_uid)] = True
    return dense, listed


def _neuron_records(metagraph: object, source: str) -> list[Any]:
    """The 11.x metagraph's ``neurons`` records, checked against ``num_uids`` when given.

    Parameters
    ----------
    metagraph : object
    source : str
        Named in errors.

    Returns
    -------
    list
    """
    neurons = _get(metagraph, "neurons")
    if neurons is None:
        raise _fail(source, "neurons", "missing: not an 11.x metagraph")
    neurons = list(neurons)
    n = len(neurons)
    num_uids = _get(metagraph, "num_uids")
    if num_uids is not None and int(num_uids) != n:
        raise _fail(source, "neurons", f"has {n} records, but num_uids is {num_uids}")
    return neurons


def _neuron_column(
    neurons: list[Any], attr: str, source: str, required: bool = True
) -> list[Any]:
    """Attribute ``attr`` of every record; ``[]`` when a record lacks it and it is optional.

    Parameters
    ----------
    neurons : list
        The records, in UID order.
    attr : str
    source : str
        Named in errors.
    required : bool
        Whether a record without ``attr`` is an error.

    Returns
    -------
    list
    """
    values = []
    for i, neuron in enumerate(neurons):
        v = _get(neuron, attr)
        if v is None:
            if required:
                raise _fail(source, f"neurons[{i}].{attr}", "missing")
            return []
        values.append(v)
    return values


def _neuron_state(
    neurons: list[Any], source: str
) -> tuple[list[Any] | None, np.ndarray, dict[str, Any]]:
    """The per-UID state of the 11.x records: UIDs in order, hotkeys, stake and the rest.

    Parameters
    ----------
    neurons : list
        The records, in UID order.
    source : str
        Named in errors.

    Returns
    -------
    hotkeys : list of str or None
    stake_rao : numpy.ndarray of uint64
        ``total_stake`` in rao.
    fields : dict
        The other :class:`SubnetSnapshot` fields the records carry (``alpha_stake_rao``,
        ``tao_stake_rao``, ``validator_permit``, ``active``, ``last_update``,
        ``block_at_registration``).
    """
    uids = _neuron_column(neurons, "uid", source)
    for i, uid in enumerate(uids):
        if not _is_int(uid) or int(uid) != i:
            raise _fail(source, f"neurons[{i}].uid", f"is {uid!r}: records must be in UID order")
    hotkeys = _neuron_column(neurons, "hotkey", source, required=False) or None
    stake_rao = np.array([_balance_rao(v, f"neurons[{i}].total_stake", source)
                          for i, v in enumerate(_neuron_column(neurons, "total_stake", source))],
                         dtype=np.uint64)
    fields: dict[str, Any] = {}
    for attr in ("alpha_stake", "tao_stake"):
        values = _neuron_column(neurons, attr, source, required=False)
        if values:
            fields[f"{attr}_rao"] = np.array(
                [_balance_rao(v, f"neurons[{i}].{attr}", source) for i, v in enumerate(values)],
                dtype=np.uint64)
    for attr in ("validator_permit", "active"):
        values = _neuron_column(neurons, attr, source, required=False)
        if values:
            for i, v in enumerate(values):
                if not isinstance(v, (bool, np.bool_)):
                    raise _fail(source, f"neurons[{i}].{attr}", f"must be a bool, got {v!r}")
            fields[attr] = np.array(values, dtype=bool)
    for attr in ("last_update", "block_at_registration"):
        values = _neuron_column(neurons, attr, source, required=False)
        if values:
            fields[attr] = [_scalar_int(v, f"neurons[{i}].{attr}", source)
                            for i, v in enumerate(values)]
    return hotkeys, stake_rao, fields


def _neuron_outputs(neurons: list[Any], source: str) -> dict[str, np.ndarray]:
    """The chain outputs the 11.x records carry: u16 scores and ``emission`` in rao.

    Parameters
    ----------
    neurons : list
        The records, in UID order.
    source : str
        Named in errors.

    Returns
    -------
    dict
        Keyed by output name (those of ``SubnetSnapshot.outputs``).
    """
    n = len(neurons)
    outputs: dict[str, np.ndarray] = {}
    for attr in ("consensus", "incentive", "dividends", "validator_trust", "rank", "trust"):
        values = _neuron_column(neurons, attr, source, required=False)
        if values:
            for i, v in enumerate(values):
                if not (_is_int(v) or _is_float(v)):
                    raise _fail(source, f"neurons[{i}].{attr}", f"must be a number, got {v!r}")
            scores = _u16_scores(np.array(values, dtype=np.float64), attr, source, n)
            if scores is not None:  # always: the values are given
                outputs[attr] = scores
    emission = _neuron_column(neurons, "emission", source, required=False)
    if emission:
        outputs["emission"] = np.array(
            [_balance_rao(v, f"neurons[{i}].emission", source) for i, v in enumerate(emission)],
            dtype=np.uint64)
    return outputs


def read_metagraph11(
    metagraph: object, *, weights: object = None, bonds: object = None,
    hyperparameters: object = None, source: str = "<metagraph>",
) -> SubnetSnapshot:
    r"""Read a bittensor 11.x ``Metagraph`` and its separately read weights and bonds.

    Stake is each neuron's ``total_stake`` (``Balance.rao``, exact); ``alpha_stake`` and
    ``tao_stake`` are kept for reference. Scores (``consensus``, ``incentive``,
    ``dividends``, ``rank``, ``trust``, and ``validator_trust`` when a record has it) are
    u16 / 65535 and come back as the stored u16; ``emission`` is a ``Balance``.

    Parameters
    ----------
    metagraph : object
        Anything with ``neurons`` (records in UID order) and optionally ``netuid``,
        ``mechid``, ``block``, ``tempo``, ``last_step``, ``owner_hotkey``.
    weights : mapping, optional
        ``{validator_uid: {miner_uid: fraction}}`` as ``client.weights.weights`` returns
        it (rows divided by their sums; listed zeros are kept as stored entries), or a
        dense (n, n) array of row proportions.
    bonds : mapping, optional
        ``{validator_uid: {miner_uid: bond}}`` with bonds u16 / 65535, as
        ``client.weights.bonds`` returns them (rounded to the nearest u16), or a dense
        array of the same.
    hyperparameters : mapping or object, optional
        ``subnet_hyperparameters`` (raw chain integers by name); see
        :func:`chain_hyperparameters`.
    source : str
        Named in errors.

    Returns
    -------
    SubnetSnapshot

    Raises
    ------
    ValueError
        On UIDs out of order, a record missing a field, NaN or negative amounts, weight
        rows with negative entries, UIDs out of range; the message names the source and
        the field.
    """
    neurons = _neuron_records(metagraph, source)
    n = len(neurons)
    hotkeys, stake_rao, fields = _neuron_state(neurons, source)
    outputs = _neuron_outputs(neurons, source)

    dense_w, listed = _rows(weights, "weights", source, n, u16=False)
    dense_b, _ = _rows(bonds, "bonds", source, n, u16=True)
    if dense_b is not None and dense_b.size and dense_b.max() > 1:
        raise _fail(source, "bonds", "must be u16 proportions in [0, 1]")
    tempo = _get(metagraph, "tempo")
    hp = chain_hyperparameters(hyperparameters, source=source,
                               **({"tempo": tempo} if tempo is not None else {}))
    return SubnetSnapshot(
        stake_rao=stake_rao,
        weights=dense_w,
        weights_listed=listed,
        bonds_u16=None if dense_b is None else np.rint(dense_b * U16_MAX),
        hotkeys=None if hotkeys is None else tuple(hotkeys),
        netuid=_scalar_int(_get(metagraph, "netuid"), "netuid", source),
        mechid=_scalar_int(_get(metagraph, "mechid"), "mechid", source) or 0,
        block=_scalar_int(_get(metagraph, "block"), "block", source),
        hyperparameters=hp,
        outputs=outputs,
        last_step=_scalar_int(_get(metagraph, "last_step"), "last_step", source),
        owner_hotkey=_get(metagraph, "owner_hotkey"),
        source=source,
        **fields,
    )


def read_metagraph(
    metagraph: object, *, weights: object = None, bonds: object = None,
    hyperparameters: object = None, source: str = "<metagraph>",
) -> SubnetSnapshot:
    """Read a metagraph of either SDK generation (told apart by its attributes).

    A metagraph with ``neurons`` records and no stake array (``S``, ``stake``) is 11.x
    (:func:`read_metagraph11`, which takes ``weights`` and ``bonds``); anything else
    10.x (:func:`read_metagraph10`; ``weights`` and ``bonds`` must then be None, they are
    attributes of the metagraph).

    Parameters
    ----------
    metagraph : object
    weights, bonds, hyperparameters : optional
        As :func:`read_metagraph11`; ``hyperparameters`` also for 10.x.
    source : str
        Named in errors.

    Returns
    -------
    SubnetSnapshot
    """
    has_stake_array = any(_get(metagraph, name) is not None for name in ("S", "stake"))
    if _get(metagraph, "neurons") is not None and not has_stake_array:
        return read_metagraph11(metagraph, weights=weights, bonds=bonds,
                                hyperparameters=hyperparameters, source=source)
    if weights is not None or bonds is not None:
        raise ValueError(f"{source}: a 10.x metagraph carries its weights and bonds (W, B); "
                         "do not pass them separately")
    return read_metagraph10(metagraph, hyperparameters=hyperparameters, source=source)


def read_simulator_dump(path: str | Path, *, hyperparameters: object = None,
                        max_bytes: int = DEFAULT_MAX_BYTES) -> SubnetSnapshot:
    """Read a simulator metagraph dump (``netuid{n}_block{b}.pt``) into a snapshot.

    The file is a zip-format ``torch.save`` of a dict of 10.x metagraph fields
    (``bactensor/yuma-simulation`` keeps ``netuid``, ``block``, ``S``, ``W`` and
    ``hotkeys``); it is read by :func:`yuma.io.load_torch_pickle`, which runs nothing from
    the file, and then as a 10.x metagraph (:func:`read_metagraph10`).

    Parameters
    ----------
    path : str or Path
    hyperparameters : mapping or object, optional
        The dumps hold none; see :func:`chain_hyperparameters`.
    max_bytes : int
        Cap on the pickle size (see :func:`yuma.io.load_torch_pickle`).

    Returns
    -------
    SubnetSnapshot

    Raises
    ------
    ValueError
        If the file is not such a dump, holds a foreign global or a torch tensor, or its
        fields are inconsistent; the message names the file and the field.
    """
    data = load_torch_pickle(path, max_bytes=max_bytes)
    p = Path(path)
    if not isinstance(data, dict):
        raise ValueError(f"{p}: holds a {type(data).__name__}, not a dict of metagraph fields")
    keys = [k for k in data if not isinstance(k, str)]
    if keys:
        raise ValueError(f"{p}: the dict has non-string keys {keys[:3]!r}")
    for required in ("S", "W"):
        if required not in data:
            raise ValueError(f"{p}: {required}: missing (found {sorted(data)})")
    return read_metagraph10(SimpleNamespace(**data), hyperparameters=hyperparameters,
                            source=str(p))

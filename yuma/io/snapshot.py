"""Epoch snapshots on disk: the inputs of one epoch as ``.npz`` or JSON, with their labels.

A snapshot holds the arrays :func:`yuma.epoch` takes (``weights`` and ``stake`` required;
the others of :data:`SNAPSHOT_ARRAYS` optional), the scalars of :data:`SNAPSHOT_SCALARS`,
``params`` (the fields of :class:`yuma.YumaParams` by name) and the labels of
:data:`SNAPSHOT_LABELS`:

* ``hotkeys``: one ss58 string per UID;
* ``netuid``, ``block``: the subnet and the block the inputs were read at;
* ``stake_unit``: ``"tao"`` or ``"rao"`` (absent: the stake's unit is not known, and
  tables show it as given);
* ``outputs``: what the chain's last epoch stored, per UID: any of ``consensus``,
  ``incentive``, ``dividends``, ``validator_trust``, ``rank``, ``trust`` as proportions in
  [0, 1] (the chain's u16 / 65535) and ``emission`` in rao.

In JSON, arrays are nested lists, ``params`` and ``outputs`` objects; in ``.npz``,
``params`` is a JSON string, ``hotkeys`` an array of strings and each output an array
named ``outputs.<name>``. Files are written atomically (a temporary file in the same
folder, renamed into place): a failed write leaves nothing behind.

Permits. ``yuma.epoch`` reads a missing ``validator_permit`` as "every UID permitted",
which on a real subnet hands permits to UIDs the chain gives none. A snapshot without
``validator_permit`` is therefore read with the permits the chain would have stored from
its stake (:func:`yuma.io.subnet.derived_permits`: the ``max_allowed_validators`` largest
non-zero stakes, plus the owner); :attr:`EpochSnapshot.permits_derived` says so. Write
``validator_permit`` into the file to say otherwise.

:func:`read_snapshot` reads these files and the simulator's ``.pt`` dumps
(:func:`yuma.io.read_simulator_dump`) into an :class:`EpochSnapshot`; :func:`load_snapshot`
returns just the :func:`yuma.epoch` keyword arguments.

Example JSON::

    {"weights": [[0, 0.5, 0.5], [0, 0, 1], [0, 0, 0]],
     "stake": [10, 5, 0],
     "params": {"variant": "yuma3", "kappa": 0.5},
     "hotkeys": ["5F...", "5G...", "5H..."], "netuid": 7, "block": 100,
     "stake_unit": "tao"}
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

import numpy as np

from .._outputs import write_atomic
from ..params import U16_MAX, YumaParams
from .subnet import OUTPUT_NAMES, SubnetSnapshot, derived_permits

__all__ = [
    "EpochSnapshot",
    "load_snapshot",
    "read_snapshot",
    "save_snapshot",
    "SNAPSHOT_ARRAYS",
    "SNAPSHOT_SCALARS",
    "SNAPSHOT_LABELS",
    "STAKE_UNITS",
]

SNAPSHOT_ARRAYS = (
    "weights",
    "stake",
    "bonds",
    "active",
    "validator_permit",
    "last_update",
    "block_at_registration",
    "commit_block",
    "reset_bonds",
    "listed",
    "previous_consensus",
)
"""Array inputs of :func:`yuma.epoch` a snapshot may hold (the first two are required)."""

SNAPSHOT_SCALARS = ("last_tempo", "owner_uid", "stake_threshold")
"""Scalar inputs of :func:`yuma.epoch` a snapshot may hold."""

SNAPSHOT_LABELS = ("hotkeys", "netuid", "block", "stake_unit", "outputs")
"""What a snapshot may say about its inputs (not inputs of :func:`yuma.epoch`)."""

STAKE_UNITS = ("tao", "rao")
"""Values of ``stake_unit``."""

_PARAM_NAMES = tuple(f.name for f in fields(YumaParams))
_KNOWN_KEYS = SNAPSHOT_ARRAYS + SNAPSHOT_SCALARS + ("params",) + SNAPSHOT_LABELS
_RAO_PER_TAO = 10**9


def _describe_keys() -> str:
    return (f"required: weights, stake; optional inputs: "
            f"{', '.join(SNAPSHOT_ARRAYS[2:] + SNAPSHOT_SCALARS)}, params; "
            f"labels: {', '.join(SNAPSHOT_LABELS)}")


def _params_from(raw: object, path: str | Path) -> YumaParams:
    if raw is None:
        return YumaParams()
    if isinstance(raw, YumaParams):
        return raw
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: params: must be an object of YumaParams fields "
                         f"({', '.join(_PARAM_NAMES)}), got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_PARAM_NAMES))
    if unknown:
        raise ValueError(
            f"{path}: params: unknown params {unknown}; known: {list(_PARAM_NAMES)} "
            "(for the chain's or the SDK's integer hyperparameters use "
            "YumaParams.from_chain)"
        )
    try:
        return YumaParams(**raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: params: {exc}") from None


def _array(value: object, key: str, path: str | Path) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError, RecursionError) as exc:  # ragged or too deep
        raise ValueError(f"{path}: {key}: is not a rectangular array: {exc}") from None
    if arr.dtype == object:
        raise ValueError(f"{path}: {key}: is not a rectangular array of numbers")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{path}: {key}: must hold numbers, got dtype {arr.dtype}")
    return arr


def _scalar(value: object, key: str, path: str | Path) -> int | float:
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise ValueError(f"{path}: {key}: must be one number, got shape {value.shape}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{path}: {key}: must be a number, got {value!r}")
    return value


def _nonnegative_int(value: object, key: str, path: str | Path) -> int:
    value = _scalar(value, key, path)
    if isinstance(value, float):
        if not (np.isfinite(value) and value == int(value)):
            raise ValueError(f"{path}: {key}: must be an integer, got {value!r}")
        value = int(value)
    if value < 0:
        raise ValueError(f"{path}: {key}: must be non-negative, got {value}")
    return int(value)


def _labels(data: Mapping[str, Any], path: str | Path, n: int) -> dict[str, Any]:
    """The labels of a snapshot, checked against its ``n`` UIDs."""
    out: dict[str, Any] = {}
    hotkeys = data.get("hotkeys")
    if hotkeys is not None:
        if isinstance(hotkeys, np.ndarray):
            if hotkeys.ndim != 1 or hotkeys.dtype.kind != "U":
                raise ValueError(f"{path}: hotkeys: must be a list of strings (ss58 addresses)")
            hotkeys = hotkeys.tolist()
        if not isinstance(hotkeys, (list, tuple)) or not all(isinstance(h, str)
                                                             for h in hotkeys):
            raise ValueError(f"{path}: hotkeys: must be a list of strings (ss58 addresses)")
        if len(hotkeys) != n:
            raise ValueError(f"{path}: hotkeys: has {len(hotkeys)} entries, expected {n} "
                             "(one per UID)")
        out["hotkeys"] = tuple(hotkeys)
    for key in ("netuid", "block"):
        if data.get(key) is not None:
            out[key] = _nonnegative_int(data[key], key, path)
    unit = data.get("stake_unit")
    if unit is not None:
        if isinstance(unit, np.ndarray):
            unit = unit.item() if unit.ndim == 0 else None
        if unit not in STAKE_UNITS:
            raise ValueError(f"{path}: stake_unit: must be one of {list(STAKE_UNITS)}, "
                             f"got {data.get('stake_unit')!r}")
        out["stake_unit"] = str(unit)
    outputs = data.get("outputs")
    if outputs is not None:
        if not isinstance(outputs, Mapping):
            raise ValueError(f"{path}: outputs: must be an object of per-UID vectors named "
                             f"among {list(OUTPUT_NAMES)}")
        checked = {}
        for name, values in outputs.items():
            where = f"outputs.{name}"
            if name not in OUTPUT_NAMES:
                raise ValueError(f"{path}: {where}: unknown output; known: {list(OUTPUT_NAMES)}")
            arr = _array(values, where, path).astype(np.float64)
            if arr.shape != (n,):
                raise ValueError(f"{path}: {where}: has shape {arr.shape}, expected ({n},) "
                                 "(one per UID)")
            if not np.all(np.isfinite(arr)) or (arr.size and arr.min() < 0):
                raise ValueError(f"{path}: {where}: must hold finite non-negative numbers")
            if name != "emission" and arr.size and arr.max() > 1:
                raise ValueError(f"{path}: {where}: must be proportions in [0, 1] "
                                 "(the chain's u16 / 65535)")
            arr.flags.writeable = False
            checked[name] = arr
        out["outputs"] = checked
    return out


def _n_uids(inputs: Mapping[str, Any]) -> int:
    """Number of UIDs: ``n`` (square) or rows + columns (rectangular)."""
    w = np.shape(inputs["weights"])
    if len(w) == 2 and w[0] != w[1]:
        result: int = w[0] + w[1]
        return result
    return int(np.shape(inputs["stake"])[0]) if np.ndim(inputs["stake"]) == 1 else 0


# --------------------------------------------------------------------------------------
# The value
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EpochSnapshot:
    """One epoch's inputs with their labels: what ``yuma epoch``, replay and diagnose read.

    Built by :func:`read_snapshot` (files) or :meth:`from_subnet` (a
    :class:`yuma.io.SubnetSnapshot` from an SDK metagraph or a dump). The inputs are
    checked as :func:`yuma.epoch` checks them when the value is built, with errors that
    name the source and the field.

    Parameters
    ----------
    inputs : dict
        :func:`yuma.epoch` keyword arguments (``weights``, ``stake``, ``params``, ...).
    hotkeys : tuple of str, optional
        One per UID.
    netuid, block : int, optional
    stake_unit : {"tao", "rao"}, optional
        Unit of ``inputs["stake"]``; None when not known.
    outputs : mapping, optional
        The chain's stored outputs per UID: scores as proportions, ``emission`` in rao.
    permits_derived : bool
        True when the source carried no permits and ``inputs["validator_permit"]`` was
        derived from the stake (:func:`yuma.io.subnet.derived_permits`).
    source : str
        Where it came from; errors start with it.

    Raises
    ------
    ValueError
        If an input is not what :func:`yuma.epoch` takes or a label does not fit (a
        hotkey list of the wrong length, an output of another length, ...); the message
        names the source and the field.
    """

    inputs: Mapping[str, Any]
    hotkeys: tuple[str, ...] | None = None
    netuid: int | None = None
    block: int | None = None
    stake_unit: str | None = None
    outputs: Mapping[str, np.ndarray] = field(default_factory=dict)
    permits_derived: bool = False
    source: str = "<snapshot>"

    def __post_init__(self) -> None:
        from ..core.inputs import check_inputs

        src = str(self.source)
        object.__setattr__(self, "source", src)
        inputs = dict(self.inputs)
        for key in ("weights", "stake"):
            if inputs.get(key) is None:
                raise ValueError(f"{src}: {key}: missing ({_describe_keys()})")
        unknown = sorted(set(inputs) - set(SNAPSHOT_ARRAYS) - set(SNAPSHOT_SCALARS)
                         - {"params"})
        if unknown:
            raise ValueError(f"{src}: unknown inputs {unknown} ({_describe_keys()})")
        inputs["params"] = _params_from(inputs.get("params"), src)
        try:
            check_inputs(**inputs)
        except ValueError as exc:
            raise ValueError(f"{src}: {exc}") from None
        object.__setattr__(self, "inputs", MappingProxyType(inputs))
        labels = _labels({"hotkeys": self.hotkeys, "netuid": self.netuid, "block": self.block,
                          "stake_unit": self.stake_unit, "outputs": self.outputs},
                         src, _n_uids(inputs))
        for key in ("hotkeys", "netuid", "block", "stake_unit"):
            object.__setattr__(self, key, labels.get(key))
        object.__setattr__(self, "outputs", MappingProxyType(labels.get("outputs", {})))
        object.__setattr__(self, "permits_derived", bool(self.permits_derived))

    @property
    def n(self) -> int:
        """Number of UIDs (rectangular inputs: validators then miners)."""
        return _n_uids(dict(self.inputs))

    @property
    def params(self) -> YumaParams:
        """The hyperparameters (``inputs["params"]``)."""
        params: YumaParams = self.inputs["params"]
        return params

    @property
    def stake_tao(self) -> np.ndarray | None:
        """Stake per row in TAO when the unit is known, else None."""
        stake = np.asarray(self.inputs["stake"], dtype=np.float64)
        if self.stake_unit == "tao":
            copied: np.ndarray = stake.copy()
            return copied
        if self.stake_unit == "rao":
            return stake / _RAO_PER_TAO
        return None

    def epoch_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """Fresh :func:`yuma.epoch` keyword arguments (arrays copied).

        Parameters
        ----------
        **overrides
            Arguments that replace the snapshot's (``params=``, ``bonds=``, ...).

        Returns
        -------
        dict
        """
        kw = {k: (np.array(v) if isinstance(v, np.ndarray) else v)
              for k, v in self.inputs.items()}
        kw.update(overrides)
        return kw

    @classmethod
    def from_subnet(cls, snapshot: SubnetSnapshot, *, variant: str | None = None
                    ) -> EpochSnapshot:
        """The epoch inputs of a :class:`yuma.io.SubnetSnapshot`, with its labels.

        Inputs are :meth:`SubnetSnapshot.epoch_kwargs` (stake in rao, permits derived
        from the stake when the source has none); outputs become proportions (u16 /
        65535) and emission stays in rao.

        Parameters
        ----------
        snapshot : SubnetSnapshot
        variant : str, optional
            Overrides the variant of the hyperparameters.

        Returns
        -------
        EpochSnapshot
        """
        if not isinstance(snapshot, SubnetSnapshot):
            raise ValueError(f"snapshot must be a SubnetSnapshot, got {type(snapshot).__name__}")
        outputs = {name: (np.asarray(v, dtype=np.float64) if name == "emission"
                          else np.asarray(v, dtype=np.float64) / U16_MAX)
                   for name, v in snapshot.outputs.items()}
        return cls(inputs=snapshot.epoch_kwargs(variant=variant), hotkeys=snapshot.hotkeys,
                   netuid=snapshot.netuid, block=snapshot.block, stake_unit="rao",
                   outputs=outputs, permits_derived=snapshot.permits_derived,
                   source=snapshot.source)

    def save(self, path: str | Path) -> Path:
        """Write this snapshot (inputs and labels) for :func:`read_snapshot`.

        Parameters
        ----------
        path : str or Path
            A ``.npz`` or ``.json`` file, written atomically.

        Returns
        -------
        Path
        """
        labels = {"hotkeys": self.hotkeys, "netuid": self.netuid, "block": self.block,
                  "stake_unit": self.stake_unit, "outputs": dict(self.outputs) or None}
        return save_snapshot(path, **dict(self.inputs), **labels)


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


_NPZ_ERRORS = (OSError, ValueError, EOFError, KeyError, RuntimeError, NotImplementedError,
               zipfile.BadZipFile, zlib.error)
"""What reading a damaged or hostile zip raises (encrypted members: RuntimeError; unknown
compression: NotImplementedError)."""


def _npy_header(member: IO[bytes]) -> tuple[tuple[int, ...], np.dtype[Any], int]:
    """Shape, dtype and header length of one ``.npy`` member, without reading its data."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise ValueError(f".npy format version {version} is not supported")
    return shape, dtype, member.tell()


def _check_npz_sizes(p: Path) -> None:
    """Refuse members whose header declares more (or less) data than the member holds.

    ``np.load`` allocates what the header declares before reading: a few hundred bytes
    declaring shape (10**6, 10**6) would ask for 8 TB. A true array's data is exactly its
    declared size, so a member of another length is damaged or hostile.
    """
    with zipfile.ZipFile(p) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            key = info.filename[:-4]
            with archive.open(info) as member:
                shape, dtype, header = _npy_header(member)
            if dtype.hasobject:
                raise ValueError(f"{key}: holds Python objects, which snapshots never do")
            declared = math.prod(int(d) for d in shape) * dtype.itemsize
            stored = info.file_size - header
            if declared != stored:
                raise ValueError(
                    f"{key}: declares shape {tuple(shape)} of {dtype} ({declared} bytes) "
                    f"but holds {max(stored, 0)} bytes"
                )


def _read_raw(p: Path) -> dict[str, Any]:
    """The file's top-level mapping (JSON object or ``.npz`` members), labels gathered."""
    suffix = p.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(p.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{p}: not valid JSON: {exc}") from None
        except RecursionError:
            raise ValueError(f"{p}: not a snapshot: JSON nested too deeply") from None
        except OSError as exc:
            raise ValueError(f"{p}: cannot read: {exc.strerror or exc}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{p}: the top level must be an object ({_describe_keys()})")
        return data
    try:
        _check_npz_sizes(p)  # before np.load allocates what a header declares
        with np.load(p, allow_pickle=False) as npz:
            data = {key: npz[key] for key in npz.files}
    except _NPZ_ERRORS as exc:
        raise ValueError(f"{p}: not a readable .npz file: {exc}") from None
    if "params" in data:
        try:
            data["params"] = json.loads(str(data["params"]))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{p}: params: must be a JSON string: {exc}") from None
        except RecursionError:
            raise ValueError(f"{p}: params: nested too deeply") from None
    outputs = {k.split(".", 1)[1]: data.pop(k) for k in list(data) if k.startswith("outputs.")}
    if outputs:
        data["outputs"] = outputs
    return data


def _from_mapping(data: dict[str, Any], p: Path) -> EpochSnapshot:
    unknown = sorted(set(data) - set(_KNOWN_KEYS))
    if unknown:
        raise ValueError(f"{p}: unknown keys {unknown}; a snapshot holds {_describe_keys()}")
    for key in ("weights", "stake"):
        if data.get(key) is None:
            raise ValueError(f"{p}: {key}: missing ({_describe_keys()})")
    inputs: dict[str, Any] = {"params": _params_from(data.get("params"), p)}
    for key in SNAPSHOT_ARRAYS:
        if data.get(key) is not None:
            inputs[key] = _array(data[key], key, p)
    for key in SNAPSHOT_SCALARS:
        if data.get(key) is not None:
            inputs[key] = _scalar(data[key], key, p)
    derived = False
    if "validator_permit" not in inputs:
        inputs["validator_permit"] = _permits_for(inputs, p)
        derived = True
    return EpochSnapshot(inputs=inputs, permits_derived=derived, source=str(p),
                         **_labels(data, p, _n_uids(inputs)))


def _permits_for(inputs: Mapping[str, Any], p: str | Path) -> np.ndarray:
    """Permits derived from the stake (checked first, so that errors name the stake)."""
    stake = np.asarray(inputs["stake"])
    if stake.ndim != 1 or stake.dtype.kind not in "biuf":
        raise ValueError(f"{p}: stake: must be a 1-dimensional array of numbers, "
                         f"got shape {stake.shape}")
    stake = stake.astype(np.float64)
    if stake.size and not np.all(np.isfinite(stake)):
        bad = int(np.flatnonzero(~np.isfinite(stake))[0])
        raise ValueError(f"{p}: stake: entry {bad} is {stake[bad]} (NaN or inf)")
    if stake.size and stake.min() < 0:
        bad = int(np.flatnonzero(stake < 0)[0])
        raise ValueError(f"{p}: stake: entry {bad} is negative ({stake[bad]})")
    owner = inputs.get("owner_uid")
    if owner is not None and not (isinstance(owner, int) and 0 <= owner < stake.size):
        raise ValueError(f"{p}: owner_uid: must be a UID in [0, {stake.size}), got {owner!r}")
    return derived_permits(stake, inputs["params"].max_allowed_validators, owner)


def _file_path(path: object) -> Path:
    """``path`` as a Path to an existing regular file; a ValueError naming it otherwise.

    A folder, a FIFO or a device is refused before anything opens it (opening a FIFO
    would block until a writer comes).
    """
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file path, got {path!r:.60}")
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{p}: is a folder, not a snapshot file")
    if not p.exists():
        raise ValueError(f"{p}: no such file")
    if not p.is_file():
        raise ValueError(f"{p}: not a regular file")
    return p


def read_snapshot(path: str | Path, *, hyperparameters: object = None) -> EpochSnapshot:
    """Read one epoch's inputs and labels from any supported file.

    * ``.npz`` / ``.json``: the library's snapshots (this module);
    * ``.pt``: a simulator metagraph dump, read without running anything
      (:func:`yuma.io.read_simulator_dump`; stake in rao, hotkeys, netuid and block).

    A file without ``validator_permit`` gets the permits the chain would hand out from
    its stake (see the module notes).

    Parameters
    ----------
    path : str or Path
    hyperparameters : mapping or object, optional
        For ``.pt`` dumps, which hold none: the chain's or the SDK's hyperparameters
        (:func:`yuma.io.chain_hyperparameters`); defaults otherwise.

    Returns
    -------
    EpochSnapshot

    Raises
    ------
    ValueError
        If the path is no path, a folder or not a regular file; if the file is missing,
        of another format, unreadable or damaged (a ``.npz`` member declaring more data
        than it holds is refused before anything is allocated; JSON nested too deeply),
        holds an unknown key, a foreign pickle global, or inputs :func:`yuma.epoch` would
        refuse. The message names the file and the field.
    """
    p = _file_path(path)
    suffix = p.suffix.lower()
    if suffix == ".pt":
        from .metagraph import read_simulator_dump

        return EpochSnapshot.from_subnet(read_simulator_dump(p, hyperparameters=hyperparameters))
    if hyperparameters is not None:
        raise ValueError(f"{p}: hyperparameters= is for .pt dumps; a snapshot file holds "
                         "its params")
    if suffix not in (".json", ".npz"):
        raise ValueError(f"{p}: unknown snapshot format {suffix!r} (use .npz or .json, "
                         "or a simulator dump .pt)")
    return _from_mapping(_read_raw(p), p)


def load_snapshot(path: str | Path) -> dict[str, Any]:
    """Read a snapshot into :func:`yuma.epoch` keyword arguments.

    Parameters
    ----------
    path : str or Path
        A ``.npz``, ``.json`` or ``.pt`` file (see :func:`read_snapshot`).

    Returns
    -------
    dict
        ``weights``, ``stake``, ``params``, ``validator_permit`` (derived from the stake
        when the file has none) and whichever optional inputs the file holds; call
        ``yuma.epoch(**snapshot)``. Labels (hotkeys, block, ...) are left out: use
        :func:`read_snapshot` for them.

    Raises
    ------
    ValueError
        If the file is missing, unreadable, of another format, or its keys or params
        are wrong. The message names the file and the problem.
    """
    return read_snapshot(path).epoch_kwargs()


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def save_snapshot(path: str | Path, **inputs: Any) -> Path:
    """Write :func:`yuma.epoch` inputs and labels as a snapshot; atomically.

    Parameters
    ----------
    path : str or Path
        Target ``.npz`` or ``.json`` file. Written to a temporary file in the same folder
        and renamed into place, so a reader never sees a partial file and a failure
        leaves nothing behind.
    **inputs
        ``weights``, ``stake`` and any of :data:`SNAPSHOT_ARRAYS`,
        :data:`SNAPSHOT_SCALARS`, ``params`` (a :class:`yuma.YumaParams`) and the labels
        :data:`SNAPSHOT_LABELS` (``outputs`` as described in the module notes).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        For an unknown key, a missing required array, another format, inputs
        :func:`yuma.epoch` would refuse or labels that do not fit them; nothing is
        written then.
    """
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file path, got {path!r:.60}")
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{p}: is a folder, not a file")
    unknown = sorted(set(inputs) - set(_KNOWN_KEYS))
    if unknown:
        raise ValueError(f"unknown snapshot keys {unknown}; a snapshot holds {_describe_keys()}")
    for key in ("weights", "stake"):
        if inputs.get(key) is None:
            raise ValueError(f"save_snapshot needs '{key}'")
    params = inputs.pop("params", None)
    params = YumaParams() if params is None else params
    if not isinstance(params, YumaParams):
        raise ValueError("params must be a YumaParams")
    suffix = p.suffix.lower()
    if suffix not in (".json", ".npz"):
        raise ValueError(f"unknown snapshot format {suffix!r} (use .npz or .json)")
    inputs = {k: v for k, v in inputs.items() if v is not None}
    label_values = {k: inputs.pop(k) for k in SNAPSHOT_LABELS if k in inputs}
    checked = EpochSnapshot(inputs={**inputs, "params": params}, source=str(p), **label_values)
    labels = {k: getattr(checked, k) for k in ("hotkeys", "netuid", "block", "stake_unit")
              if getattr(checked, k) is not None}
    outputs = dict(checked.outputs)
    if suffix == ".json":
        doc = {k: np.asarray(v).tolist() for k, v in inputs.items()}  # 0-d: a plain scalar
        doc["params"] = asdict(params)
        doc.update({k: list(v) if k == "hotkeys" else v for k, v in labels.items()})
        if outputs:
            doc["outputs"] = {k: v.tolist() for k, v in outputs.items()}
        text = json.dumps(doc).encode()
        write_atomic(p, text)
    else:
        # Any: numpy's hints match **arrays against savez's allow_pickle: bool as well.
        arrays: dict[str, Any] = {k: np.asarray(v) for k, v in inputs.items()}
        arrays["params"] = np.asarray(json.dumps(asdict(params)))
        for k, v in labels.items():
            arrays[k] = np.asarray(list(v) if k == "hotkeys" else v)
        arrays.update({f"outputs.{k}": v for k, v in outputs.items()})
        write_atomic(p, lambda fh: np.savez(fh, **arrays))
    return p

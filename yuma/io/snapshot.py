"""Epoch snapshots on disk: the inputs of one epoch as ``.npz`` or JSON.

A snapshot holds the arrays :func:`yuma.epoch` takes (``weights`` and ``stake`` required;
``bonds``, ``active``, ``validator_permit``, ``last_update``, ``block_at_registration``,
``commit_block``, ``reset_bonds``, ``listed`` optional), the scalars ``last_tempo``,
``owner_uid`` and ``stake_threshold``, and ``params``: the fields of
:class:`yuma.YumaParams` by name. In JSON, arrays are nested lists and ``params`` an
object; in ``.npz``, ``params`` is stored as a JSON string.

Example JSON::

    {"weights": [[0, 0.5, 0.5], [0, 0, 1], [0, 0, 0]],
     "stake": [10, 5, 0],
     "params": {"variant": "yuma3", "kappa": 0.5}}
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np

from .._validation import as_real_array, is_real_number
from ..params import YumaParams

__all__ = ["load_snapshot", "save_snapshot", "SNAPSHOT_ARRAYS", "SNAPSHOT_SCALARS"]

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
)
"""Array inputs of :func:`yuma.epoch` a snapshot may hold (the first two are required)."""

SNAPSHOT_SCALARS = ("last_tempo", "owner_uid", "stake_threshold")
"""Scalar inputs of :func:`yuma.epoch` a snapshot may hold."""

_PARAM_NAMES = {f.name for f in fields(YumaParams)}


def _params_from(raw, path: Path) -> YumaParams:
    if raw is None:
        return YumaParams()
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: 'params' must be an object of YumaParams fields")
    unknown = sorted(set(raw) - _PARAM_NAMES)
    if unknown:
        raise ValueError(
            f"{path}: unknown params {unknown}; known: {sorted(_PARAM_NAMES)}"
        )
    try:
        return YumaParams(**raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: bad params: {exc}") from None


def _from_mapping(data: dict, path: Path) -> dict:
    unknown = sorted(set(data) - set(SNAPSHOT_ARRAYS) - set(SNAPSHOT_SCALARS) - {"params"})
    if unknown:
        raise ValueError(f"{path}: unknown keys {unknown}")
    for key in ("weights", "stake"):
        if key not in data:
            raise ValueError(f"{path}: missing '{key}'")
    out: dict = {"params": _params_from(data.get("params"), path)}
    for key in SNAPSHOT_ARRAYS:
        if key in data and data[key] is not None:
            try:
                out[key] = np.asarray(data[key])
            except (ValueError, TypeError, RecursionError) as exc:  # ragged or too deep
                raise ValueError(f"{path}: '{key}' is not a rectangular array: {exc}") from None
            if out[key].dtype == object:
                raise ValueError(f"{path}: '{key}' is not a rectangular array of numbers")
            if out[key].dtype.kind not in "biuf":
                raise ValueError(
                    f"{path}: '{key}' must hold numbers, got dtype {out[key].dtype}"
                )
    for key in SNAPSHOT_SCALARS:
        if key in data and data[key] is not None:
            value = data[key]
            if isinstance(value, np.ndarray):
                if value.size != 1:
                    raise ValueError(f"{path}: '{key}' must be one number, got shape "
                                     f"{value.shape}")
                value = value.item()
            if isinstance(value, (bool, str, bytes)) or not isinstance(value, (int, float)):
                raise ValueError(f"{path}: '{key}' must be a number, got {value!r:.40}")
            out[key] = value
    return out


_NPZ_ERRORS = (OSError, ValueError, EOFError, KeyError, RuntimeError, NotImplementedError,
               zipfile.BadZipFile, zlib.error)
"""What reading a damaged or hostile zip raises (encrypted members: RuntimeError; unknown
compression: NotImplementedError)."""


def _npy_header(member) -> tuple[tuple[int, ...], np.dtype, int]:
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
    """Refuse members whose header declares more data than the member holds.

    ``np.load`` allocates what the header declares before reading: a few hundred bytes
    declaring shape (10**6, 10**6) would ask for 8 TB. A true array's data is exactly its
    declared size, so a shorter member is damaged or hostile.
    """
    with zipfile.ZipFile(p) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            key = info.filename[:-4]
            with archive.open(info) as member:
                shape, dtype, header = _npy_header(member)
            if dtype.hasobject:
                raise ValueError(f"'{key}' holds Python objects, which snapshots never do")
            declared = math.prod(int(d) for d in shape) * dtype.itemsize
            stored = info.file_size - header
            if declared != stored:
                raise ValueError(
                    f"'{key}' declares shape {tuple(shape)} of {dtype} ({declared} bytes) "
                    f"but holds {max(stored, 0)} bytes"
                )


def load_snapshot(path: str | Path) -> dict:
    """Read a snapshot into :func:`yuma.epoch` keyword arguments.

    Parameters
    ----------
    path : str or Path
        A ``.npz`` or ``.json`` file.

    Returns
    -------
    dict
        ``weights``, ``stake``, ``params`` and whichever optional inputs the file holds;
        call ``yuma.epoch(**snapshot)``.

    Raises
    ------
    ValueError
        If the file is missing, unreadable, of another format, or its keys or params
        are wrong. The message names the file and the problem.
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
            raise ValueError(f"{p}: the top level must be an object")
        return _from_mapping(data, p)
    if suffix == ".npz":
        try:
            _check_npz_sizes(p)
            with np.load(p, allow_pickle=False) as npz:
                data = {key: npz[key] for key in npz.files}
        except _NPZ_ERRORS as exc:
            raise ValueError(f"{p}: not a readable .npz file: {exc}") from None
        if "params" in data:
            try:
                data["params"] = json.loads(str(data["params"]))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{p}: 'params' must be a JSON string: {exc}") from None
            except RecursionError:
                raise ValueError(f"{p}: 'params' is nested too deeply") from None
        return _from_mapping(data, p)
    raise ValueError(f"{p}: unknown snapshot format {suffix!r} (use .npz or .json)")


def save_snapshot(path: str | Path, **inputs) -> Path:
    """Write :func:`yuma.epoch` inputs as a snapshot that :func:`load_snapshot` reads back.

    Parameters
    ----------
    path : str or Path
        Target ``.npz`` or ``.json`` file.
    **inputs
        ``weights``, ``stake`` and any of :data:`SNAPSHOT_ARRAYS`,
        :data:`SNAPSHOT_SCALARS` and ``params`` (a :class:`yuma.YumaParams`).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        For an unknown key, a missing required array or another format.
    """
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file path, got {path!r:.60}")
    p = Path(path)
    allowed = set(SNAPSHOT_ARRAYS) | set(SNAPSHOT_SCALARS) | {"params"}
    unknown = sorted(set(inputs) - allowed)
    if unknown:
        raise ValueError(f"unknown snapshot keys {unknown}")
    for key in ("weights", "stake"):
        if inputs.get(key) is None:
            raise ValueError(f"save_snapshot needs '{key}'")
    params = inputs.pop("params", None)
    params = YumaParams() if params is None else params
    if not isinstance(params, YumaParams):
        raise ValueError("params must be a YumaParams")
    inputs = {k: v for k, v in inputs.items() if v is not None}
    for key, value in inputs.items():
        if key in SNAPSHOT_SCALARS:
            if not is_real_number(value):
                raise ValueError(f"{key} must be a number, got {value!r:.40}")
        else:
            arr = as_real_array(value, key)  # what load_snapshot reads back
            try:
                inputs[key] = np.ascontiguousarray(arr)  # a broadcast view in full
            except MemoryError:
                raise ValueError(f"{key} of shape {arr.shape} does not fit in memory") from None
    suffix = p.suffix.lower()
    if suffix == ".json":
        doc = {k: np.asarray(v).tolist() for k, v in inputs.items()}  # 0-d: a plain scalar
        doc["params"] = asdict(params)
        p.write_text(json.dumps(doc))
    elif suffix == ".npz":
        arrays = {k: np.asarray(v) for k, v in inputs.items()}
        arrays["params"] = np.asarray(json.dumps(asdict(params)))
        np.savez(p, **arrays)
    else:
        raise ValueError(f"{p}: unknown snapshot format {suffix!r} (use .npz or .json)")
    return p

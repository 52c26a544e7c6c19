r"""Read zip-format torch pickles that hold NumPy arrays, without running their code.

``torch.save`` writes a zip archive whose ``<prefix>/data.pkl`` member is a pickle. A
pickle is a small program: its ``GLOBAL`` opcodes name any importable callable and its
``REDUCE`` opcodes call it, so ``pickle.load`` or a general ``torch.load`` on a file from
someone else can run anything. :func:`load_torch_pickle` runs the pickle on an unpickler
that resolves only the names NumPy's own array pickles use, and even those not to NumPy's
functions but to stand-ins written here that check every argument:

==========================================  ================================================
global                                      stand-in
==========================================  ================================================
``numpy.core.multiarray._reconstruct``      an empty array placeholder; its ``BUILD`` state
``numpy._core.multiarray._reconstruct``     ``(1, shape, dtype, is_fortran, raw_bytes)``
                                            becomes ``numpy.frombuffer`` of the bytes, once
                                            ``prod(shape) * itemsize == len(raw_bytes)``
``numpy.ndarray``                           a marker accepted only as the first argument of
                                            ``_reconstruct`` (never the real class: the
                                            ``NEWOBJ`` opcode could allocate any shape)
``numpy.dtype``                             a dtype placeholder: booleans, integers, floats,
                                            complex numbers and fixed-width strings only
                                            (``[biufcUS]`` plus a size); never object,
                                            structured or sub-array dtypes
``numpy.core.multiarray.scalar``            a NumPy scalar from ``(dtype, raw_bytes)``
``numpy._core.multiarray.scalar``
``_codecs.encode``                          ``(text, "latin1")`` to bytes (how protocol 2
                                            stores ``bytes``)
``__builtin__.bytes``, ``builtins.bytes``   ``bytes()`` with no argument only (how protocol
                                            2 stores ``b""``, e.g. an empty array's data)
==========================================  ================================================

Any other global, and any persistent reference (``torch.save`` stores a torch tensor as
one), is refused with a :class:`ValueError` that names the file and the global; nothing
is imported. While the pickle runs, the only objects that exist are Python literals and
the stand-ins (slot-less objects that cannot be given attributes); the arrays are made
only after the whole pickle has run and is known to be well formed.

Sizes are bounded: ``data.pkl`` is read with a cap (``max_bytes``, default 512 MiB)
whatever the zip header claims, so a decompression bomb stops at the cap, and an array's
bytes must already be in the pickle, so no shape can make it allocate more.

The simulator of ``bactensor/yuma-simulation`` stores its metagraphs this way
(``netuid{n}_block{b}.pt``: a dict of ``netuid``, ``block``, ``S``, ``W`` and
``hotkeys``, with NumPy arrays for ``S`` and ``W``).
"""

from __future__ import annotations

import io
import math
import os
import pickle
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

__all__ = ["load_torch_pickle", "ALLOWED_GLOBALS", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
"""Default cap on the size of the pickle inside the archive, in bytes."""

_NUMPY_CORE = ("numpy.core.multiarray", "numpy._core.multiarray")

ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    [(module, "_reconstruct") for module in _NUMPY_CORE]
    + [(module, "scalar") for module in _NUMPY_CORE]
    + [("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")]
    + [("__builtin__", "bytes"), ("builtins", "bytes")]
)
"""The ``(module, name)`` globals a pickle may name; each resolves to a checked stand-in."""

_DTYPE_SPEC = re.compile(r"[biufcUS]\d{1,4}")
_ALLOWED_KINDS = frozenset("biufcUS")
_MAX_NDIM = 32


class _PickleRefused(ValueError):
    """Raised from inside the unpickler; carries the message without the file name."""


# --------------------------------------------------------------------------------------
# Stand-ins. ``__slots__ = ()`` and no ``__dict__``: the pickle's BUILD and SETITEM
# opcodes cannot give them attributes, and none of them is a type, so NEWOBJ refuses them.
# --------------------------------------------------------------------------------------


class _NdarrayMarker:
    """What ``numpy.ndarray`` resolves to: only ``_reconstruct`` accepts it."""

    __slots__ = ()

    def __call__(self, *args: object, **kwargs: object) -> NoReturn:
        raise _PickleRefused("numpy.ndarray is read only as the class given to _reconstruct")


class _PendingDType:
    """A dtype from ``numpy.dtype(spec, align, copy)``, completed by its BUILD state."""

    __slots__ = ("dtype", "built")
    dtype: np.dtype[Any]
    built: bool

    def __init__(self, dtype: np.dtype[Any]) -> None:
        object.__setattr__(self, "dtype", dtype)
        object.__setattr__(self, "built", False)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise _PickleRefused("the pickle tried to set an attribute on a dtype")

    def __setstate__(self, state: object) -> None:
        # NumPy's dtype state: (version, byteorder, subarray, names, fields, elsize,
        # alignment, flags[, metadata]).
        if self.built:
            raise _PickleRefused("a dtype was built twice")
        if not isinstance(state, tuple) or len(state) not in (8, 9):
            raise _PickleRefused(f"unexpected dtype state {_short(state)}")
        version, order, subarray, names, fields = state[:5]
        if version not in (3, 4) or order not in ("<", ">", "|", "="):
            raise _PickleRefused(f"unexpected dtype state {_short(state)}")
        if subarray is not None or names is not None or fields is not None:
            raise _PickleRefused("structured or sub-array dtypes are not read")
        if len(state) == 9 and state[8] is not None:
            raise _PickleRefused("dtypes with metadata are not read")
        dtype = self.dtype
        if order in ("<", ">") and dtype.itemsize > 1:
            dtype = dtype.newbyteorder(order)
        object.__setattr__(self, "dtype", dtype)
        object.__setattr__(self, "built", True)


class _PendingArray:
    """An array from ``_reconstruct``: empty until its BUILD state gives the data."""

    __slots__ = ("array",)
    array: np.ndarray | None

    def __init__(self) -> None:
        object.__setattr__(self, "array", None)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise _PickleRefused("the pickle tried to set an attribute on an array")

    def __setstate__(self, state: object) -> None:
        if self.array is not None:
            raise _PickleRefused("an array was built twice")
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _PickleRefused(f"unexpected array state {_short(state)}")
        if len(state) == 5:
            if state[0] != 1:
                raise _PickleRefused(f"unexpected array state version {state[0]!r}")
            state = state[1:]
        shape, dtype, fortran, raw = state
        if not isinstance(dtype, _PendingDType):
            raise _PickleRefused(f"an array's dtype is {type(dtype).__name__}, not a dtype")
        if not isinstance(fortran, bool):
            raise _PickleRefused("an array's order flag is not a bool")
        if not isinstance(raw, (bytes, bytearray)):
            raise _PickleRefused(
                f"an array's data is {type(raw).__name__}, not bytes (object arrays are "
                "not read)"
            )
        dims = _checked_shape(shape)
        expected = math.prod(dims) * dtype.dtype.itemsize
        if expected != len(raw):
            raise _PickleRefused(
                f"an array of shape {dims} and dtype {dtype.dtype} needs {expected} bytes, "
                f"the pickle holds {len(raw)}"
            )
        if dtype.dtype.itemsize == 0:  # zero-width strings: nothing to read
            arr = np.zeros(dims, dtype=dtype.dtype, order="F" if fortran else "C")
        else:
            flat = np.frombuffer(bytes(raw), dtype=dtype.dtype)
            arr = flat.reshape(dims, order="F" if fortran else "C").copy(order="K")
        object.__setattr__(self, "array", arr)


class _PendingScalar:
    """A NumPy scalar from ``scalar(dtype, raw_bytes)``."""

    __slots__ = ("value",)
    value: object

    def __init__(self, value: object) -> None:
        object.__setattr__(self, "value", value)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise _PickleRefused("the pickle tried to set an attribute on a scalar")


def _short(obj: object, limit: int = 80) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[:limit] + "..."


def _checked_shape(shape: object) -> tuple[int, ...]:
    if not isinstance(shape, tuple) or len(shape) > _MAX_NDIM:
        raise _PickleRefused(f"an array shape is not a tuple of at most {_MAX_NDIM} sizes")
    dims = []
    for d in shape:
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            raise _PickleRefused(f"an array shape holds {d!r}, not a size")
        dims.append(d)
    return tuple(dims)


class _Reconstruct:
    """Stand-in for ``numpy.core.multiarray._reconstruct(ndarray, shape, typecode)``."""

    __slots__ = ()

    def __call__(self, cls: object, shape: object, typecode: object) -> _PendingArray:
        if not isinstance(cls, _NdarrayMarker):
            raise _PickleRefused("_reconstruct was asked for a class other than ndarray")
        _checked_shape(shape)
        if not isinstance(typecode, (bytes, str)) or len(typecode) > 8:
            raise _PickleRefused("_reconstruct was given an unexpected type code")
        return _PendingArray()


class _DType:
    """Stand-in for ``numpy.dtype(spec, align, copy)`` limited to plain number dtypes."""

    __slots__ = ()

    def __call__(
        self, spec: object, align: object = False, copy: object = False
    ) -> _PendingDType:
        if not isinstance(spec, str) or not _DTYPE_SPEC.fullmatch(spec):
            raise _PickleRefused(
                f"dtype {_short(spec)} is not read (only booleans, integers, floats, complex "
                "numbers and fixed-width strings)"
            )
        try:
            dtype = np.dtype(spec)
        except TypeError:
            raise _PickleRefused(f"dtype {spec!r} is not a NumPy dtype") from None
        if dtype.kind not in _ALLOWED_KINDS:
            raise _PickleRefused(f"dtype {spec!r} is not read")
        return _PendingDType(dtype)


class _Scalar:
    """Stand-in for ``numpy.core.multiarray.scalar(dtype, raw_bytes)``."""

    __slots__ = ()

    def __call__(self, dtype: object, raw: object = None) -> _PendingScalar:
        if not isinstance(dtype, _PendingDType):
            raise _PickleRefused("scalar was given something other than a dtype")
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != dtype.dtype.itemsize:
            raise _PickleRefused(
                f"a scalar of dtype {dtype.dtype} needs {dtype.dtype.itemsize} bytes"
            )
        if dtype.dtype.itemsize == 0:  # the empty string scalar
            return _PendingScalar(dtype.dtype.type())
        return _PendingScalar(np.frombuffer(bytes(raw), dtype=dtype.dtype)[0])


class _EmptyBytes:
    """Stand-in for ``bytes()``: protocol 2 stores ``b""`` as a call of ``bytes``."""

    __slots__ = ()

    def __call__(self, *args: object) -> bytes:
        if args:
            raise _PickleRefused("bytes is read only without arguments (the empty bytes)")
        return b""


class _Encode:
    """Stand-in for ``_codecs.encode(text, "latin1")``: protocol 2's form of ``bytes``."""

    __slots__ = ()

    def __call__(
        self, text: object, encoding: object = "utf-8", errors: object = "strict"
    ) -> bytes:
        if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
            raise _PickleRefused("_codecs.encode is read only as (text, 'latin1')")
        if errors != "strict":
            raise _PickleRefused("_codecs.encode is read only with strict errors")
        return text.encode("latin1")


_STAND_INS = {("numpy", "ndarray"): _NdarrayMarker, ("numpy", "dtype"): _DType,
              ("_codecs", "encode"): _Encode, ("__builtin__", "bytes"): _EmptyBytes,
              ("builtins", "bytes"): _EmptyBytes}
for _module in _NUMPY_CORE:
    _STAND_INS[(_module, "_reconstruct")] = _Reconstruct
    _STAND_INS[(_module, "scalar")] = _Scalar
assert set(_STAND_INS) == ALLOWED_GLOBALS


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler whose every global is a stand-in; it never imports a module."""

    def find_class(self, module: str, name: str) -> object:
        key = (module, name)
        if key not in _STAND_INS:
            raise _PickleRefused(
                f"the pickle names the global {module}.{name}, which is not allowed (only "
                "NumPy array reconstruction is read; nothing in the file was run)"
            )
        return _STAND_INS[key]()

    def persistent_load(self, pid: object) -> NoReturn:
        kind = pid[0] if isinstance(pid, tuple) and pid else pid
        raise _PickleRefused(
            f"the pickle holds a persistent reference ({_short(kind, 20)}), as torch.save "
            "writes for torch tensors; only NumPy arrays are read (save tensor.numpy())"
        )


_LITERALS = (str, bytes, int, float, complex, bool, type(None))


def _resolve(obj: object, active: set[int]) -> object:
    """Replace the stand-ins by their arrays and scalars; rebuild containers."""
    if isinstance(obj, _LITERALS):
        return obj
    if isinstance(obj, _PendingArray):
        if obj.array is None:
            raise _PickleRefused("an array was reconstructed but never given its data")
        return obj.array
    if isinstance(obj, _PendingScalar):
        return obj.value
    if isinstance(obj, _PendingDType):
        return obj.dtype
    if isinstance(obj, bytearray):
        return bytes(obj)
    if isinstance(obj, (list, tuple, dict, set, frozenset)):
        if id(obj) in active:
            raise _PickleRefused("the pickle holds a container that contains itself")
        active.add(id(obj))
        try:
            if isinstance(obj, dict):
                out = {}
                for key, value in obj.items():
                    if not isinstance(key, _LITERALS):
                        raise _PickleRefused(f"a dict key is a {type(key).__name__}")
                    out[key] = _resolve(value, active)
                return out
            items = [_resolve(item, active) for item in obj]
            if isinstance(obj, list):
                return items
            if isinstance(obj, tuple):
                return tuple(items)
            if any(not isinstance(item, _LITERALS) for item in items):
                raise _PickleRefused("a set holds something other than literals")
            return type(obj)(items)
        finally:
            active.discard(id(obj))
    raise _PickleRefused(f"the pickle produced an object of type {type(obj).__name__}")


def _pickle_member(archive: zipfile.ZipFile, path: Path) -> zipfile.ZipInfo:
    names = [info for info in archive.infolist() if info.filename.rsplit("/", 1)[-1] ==
             "data.pkl" and info.filename.count("/") <= 1]
    if not names:
        raise ValueError(f"{path}: a zip archive without data.pkl, not a torch.save file")
    if len(names) > 1:
        listed = ", ".join(info.filename for info in names)
        raise ValueError(f"{path}: the archive holds more than one data.pkl ({listed})")
    return names[0]


def load_torch_pickle(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> object:
    """Read the object a zip-format ``torch.save`` file holds, NumPy arrays only.

    Parameters
    ----------
    path : str or Path
        A file written by ``torch.save`` (zip format, the default since torch 1.6) whose
        object is built from Python literals, lists, tuples, dicts, sets and NumPy arrays
        or scalars.
    max_bytes : int
        Largest ``data.pkl`` read, in bytes (uncompressed).

    Returns
    -------
    object
        The stored object, with fresh writable NumPy arrays (native or stored byte order
        as pickled).

    Raises
    ------
    ValueError
        If the file is missing, not a zip archive (a legacy torch file or anything else),
        has no single ``data.pkl``, is corrupt, exceeds ``max_bytes``, or its pickle names
        a global outside :data:`ALLOWED_GLOBALS`, holds a torch tensor, or is malformed.
        The message names the file and, for a refused global, the global. Nothing in the
        file is executed and nothing is written.

    Examples
    --------
    >>> from pathlib import Path
    >>> meta = load_torch_pickle(Path("tests/data/real/sn15_block4769998.pt"))  # doctest: +SKIP
    >>> sorted(meta), meta["W"].shape  # doctest: +SKIP
    (['S', 'W', 'block', 'hotkeys', 'netuid'], (256, 256))
    """
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file path, got {path!r:.60}")
    p = Path(path)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValueError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    if p.is_dir():
        raise ValueError(f"{p}: is a folder, not a torch file")
    if not p.exists():
        raise ValueError(f"{p}: no such file")
    if not p.is_file():
        raise ValueError(f"{p}: not a regular file")
    try:
        archive = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # undecodable names
        with p.open("rb") as handle:
            head = handle.read(1)
        what = ("a legacy (non-zip) torch file or a plain pickle" if head == b"\x80"
                else "not a zip archive")
        raise ValueError(f"{p}: not a zip-format torch file ({what}: {exc})") from None
    with archive:
        info = _pickle_member(archive, p)
        if info.file_size > max_bytes:
            raise ValueError(
                f"{p}: {info.filename} is {info.file_size} bytes, over the limit of "
                f"{max_bytes} (max_bytes)"
            )
        try:
            with archive.open(info) as member:
                data = member.read(max_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
                RuntimeError, ValueError) as exc:
            raise ValueError(f"{p}: the archive is corrupt ({info.filename}: {exc})") from None
    if len(data) > max_bytes:
        raise ValueError(f"{p}: {info.filename} is over the limit of {max_bytes} bytes "
                         "(max_bytes)")
    try:
        raw = _RestrictedUnpickler(io.BytesIO(data)).load()
        return _resolve(raw, set())
    except _PickleRefused as exc:
        raise ValueError(f"{p}: {info.filename}: {exc}") from None
    except RecursionError:
        raise ValueError(f"{p}: {info.filename}: the pickle nests too deeply") from None
    except Exception as exc:  # noqa: BLE001 - any failure of a malformed pickle
        raise ValueError(
            f"{p}: {info.filename} is not a valid pickle: {type(exc).__name__}: {exc}"
        ) from None

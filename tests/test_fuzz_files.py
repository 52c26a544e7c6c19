"""Fuzz: the readers on damaged and hostile files.

Valid snapshots, the real SN15 torch dump and crafted ``.npz`` members are truncated,
have bytes flipped or declare absurd shapes and dtypes; JSON documents carry hostile
values in every key. A reader either returns (and then the epoch on what it read raises
a ValueError naming an argument, or runs without NaN) or raises a ValueError whose message
starts with the file's path. Nothing else: no MemoryError, RecursionError, KeyError,
UnicodeError, zipfile or pickle errors.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
from fuzz_support import assert_names, assert_no_nan, budget, hostile_scalars
from hypothesis import given
from hypothesis import strategies as st

import yuma
from yuma.io import load_torch_pickle, read_simulator_dump
from yuma.io.snapshot import load_snapshot, save_snapshot

REAL = Path(__file__).parent / "data" / "real" / "sn15_block4769998.pt"
EPOCH_ARGS = ("weights", "stake", "bonds", "active", "validator_permit", "last_update",
              "block_at_registration", "commit_block", "reset_bonds", "listed", "last_tempo",
              "owner_uid", "stake_threshold", "params", "UIDs")


def _good_inputs():
    return {"weights": np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
            "stake": np.array([10.0, 5.0, 0.0]), "bonds": np.zeros((3, 3)),
            "owner_uid": 2, "params": yuma.YumaParams(kappa=0.5)}


def _expect_clean(path: Path, read) -> None:
    """``read(path)`` returns, or raises a ValueError that starts with the path."""
    try:
        out = read(path)
    except ValueError as exc:
        assert str(exc).startswith(str(path)), f"message does not name the file: {exc}"
        return
    if read is load_snapshot:  # the epoch on what was read must be clean too
        try:
            assert_no_nan(yuma.epoch(**out))
        except (ValueError, TypeError) as exc:
            assert_names(exc, EPOCH_ARGS)


@st.composite
def damaged(draw, data: bytes) -> bytes:
    """``data`` truncated, with bytes flipped, or with a run of bytes inserted."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "zero_tail"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "zero_tail":
        cut = draw(st.integers(0, len(data)))
        return data[:cut] + bytes(len(data) - cut)
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(buf) - 1))
        if kind == "flip":
            buf[i] ^= 1 << draw(st.integers(0, 7))
        else:
            buf[i:i] = draw(st.binary(min_size=1, max_size=16))
    return bytes(buf)


@budget(30, tmp_path=True)
@given(data=st.data(), suffix=st.sampled_from([".npz", ".json"]))
def test_damaged_snapshots(tmp_path, data, suffix):
    good = save_snapshot(tmp_path / f"good{suffix}", **_good_inputs()).read_bytes()
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(data.draw(damaged(good)))
    _expect_clean(path, load_snapshot)


NPY_DTYPES = ("<f8", ">f8", "<i8", "|b1", "<u8", "<c16", "<U3", "|O", "<M8[D]", "<m8[s]", "|V8",
              "<f2", "<f16")


@st.composite
def npy_member(draw) -> bytes:
    """A ``.npy`` member whose header may lie about its shape, dtype and length."""
    ndim = draw(st.integers(0, 3))
    shape = tuple(draw(st.lists(st.sampled_from([0, 1, 2, 3, 10**6, 2**40]), min_size=ndim,
                                max_size=ndim)))
    header = {"descr": draw(st.sampled_from(NPY_DTYPES)),
              "fortran_order": draw(st.booleans()), "shape": shape}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + draw(st.binary(max_size=64))


@budget(30, tmp_path=True)
@given(members=st.dictionaries(st.sampled_from(["weights", "stake", "bonds", "params",
                                                "owner_uid", "active", "x"]),
                               npy_member(), min_size=1, max_size=4),
       compress=st.booleans())
def test_npz_members_that_lie(tmp_path, members, compress):
    path = tmp_path / "lies.npz"
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as archive:
        for key, blob in members.items():
            archive.writestr(f"{key}.npy", blob)
    _expect_clean(path, load_snapshot)


def _json_value(i: int):
    value = hostile_scalars()[i]
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size < 100 and value.dtype.kind in "biuf" else "x"
    if isinstance(value, (bytes, np.generic, complex, object)) and not isinstance(
            value, (int, float, str, list, dict, type(None))):
        return str(value)
    if isinstance(value, float) and value != value:
        return float("nan")
    return value


@budget(40, tmp_path=True)
@given(key=st.sampled_from(["weights", "stake", "bonds", "active", "validator_permit",
                            "last_update", "block_at_registration", "commit_block",
                            "reset_bonds", "listed", "last_tempo", "owner_uid",
                            "stake_threshold", "params", "params.kappa", "params.variant",
                            "params.max_allowed_validators"]),
       index=st.integers(0, len(hostile_scalars()) - 1))
def test_json_snapshots_with_a_hostile_value(tmp_path, key, index):
    doc = {"weights": [[0, 0.5, 0.5], [1, 0, 0], [0, 0, 0]], "stake": [10, 5, 0],
           "params": {"kappa": 0.5}}
    value = _json_value(index)
    if key.startswith("params."):
        doc["params"][key.split(".", 1)[1]] = value
    else:
        doc[key] = value
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc, allow_nan=True, default=str))
    _expect_clean(path, load_snapshot)


@budget(12, tmp_path=True)
@given(data=st.data())
def test_damaged_torch_dumps(tmp_path, data):
    path = tmp_path / "dump.pt"
    path.write_bytes(data.draw(damaged(REAL.read_bytes())))
    _expect_clean(path, load_torch_pickle)
    _expect_clean(path, read_simulator_dump)


def test_hostile_paths(tmp_path):
    for path in (tmp_path, tmp_path / "missing.json", Path("/dev/null"),
                 tmp_path / "x.txt"):
        _expect_clean(path, load_snapshot)
    for bad in (None, 3, b"x.json", ["a.json"]):
        try:
            load_snapshot(bad)
        except ValueError as exc:
            assert "path" in str(exc)
        else:
            raise AssertionError(f"load_snapshot({bad!r}) returned")

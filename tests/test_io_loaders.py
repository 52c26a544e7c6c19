"""Loaders of real subnets: SDK metagraphs (10.x, 11.x), simulator dumps, units, refusals."""

from __future__ import annotations

import json
import os
import pickle
import sys
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from yuma.null import null_epoch

import yuma
from yuma import chain
from yuma.io import (
    ChainHyperparameters,
    SubnetSnapshot,
    chain_hyperparameters,
    load_torch_pickle,
    rao_to_tao,
    read_metagraph,
    read_metagraph10,
    read_metagraph11,
    read_simulator_dump,
    tao_to_rao,
)
from yuma.io.subnet import proportions_to_u16_rows

REAL = Path(__file__).parent / "data" / "real"
SN15_PT = REAL / "sn15_block4769998.pt"
SN15_NPZ = REAL / "sn15_block4769998_weights_stakes.npz"
SN1_NPZ = REAL / "sn1_block6852690_state.npz"
SN1_JSON = REAL / "sn1_block6852690_subnet.json"
U64_MAX = (1 << 64) - 1


# --------------------------------------------------------------------------------------
# Helpers: torch-format archives written here (zip + data.pkl, as torch.save lays them out)
# --------------------------------------------------------------------------------------


def write_archive(path: Path, pickle_bytes: bytes, *, prefix: str = "archive",
                  compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        z.writestr(f"{prefix}/data.pkl", pickle_bytes)
        z.writestr(f"{prefix}/byteorder", "little")
        z.writestr(f"{prefix}/version", "3\n")
    return path


def write_dump(path: Path, obj, *, protocol: int = 2) -> Path:
    return write_archive(path, pickle.dumps(obj, protocol=protocol))


def listing(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


class Reduce:
    """Pickles as ``func(*args)`` with an optional BUILD state (``pickle.dumps`` runs nothing)."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        if self.state is None:
            return (self.func, self.args)
        return (self.func, self.args, self.state)


def ndarray_with_state(state):
    """A pickle of NumPy's array reconstruction with a crafted BUILD state."""
    reconstruct = np.array(0).__reduce__()[0]
    return Reduce(reconstruct, (np.ndarray, (0,), b"b"), state)


# --------------------------------------------------------------------------------------
# The real SN15 dump
# --------------------------------------------------------------------------------------


def test_sn15_dump_reads_as_the_independent_extraction():
    data = load_torch_pickle(SN15_PT)
    ref = np.load(SN15_NPZ, allow_pickle=False)
    assert sorted(data) == ["S", "W", "block", "hotkeys", "netuid"]
    assert data["W"].dtype == np.float32 and data["W"].shape == (256, 256)
    assert np.array_equal(data["W"], ref["W_row_normalized_f32"])
    assert data["S"].dtype == np.float32
    assert np.array_equal(data["S"], ref["S_stake_tao_f32"])
    assert data["hotkeys"] == ref["hotkeys"].tolist()
    assert int(data["block"]) == int(ref["block"]) == 4769998
    assert data["netuid"] == int(ref["netuid"]) == 15
    assert data["W"].flags.writeable  # fresh arrays, not views of the file


def test_sn15_dump_as_snapshot():
    snap = read_simulator_dump(SN15_PT)
    ref = np.load(SN15_NPZ, allow_pickle=False)
    assert (snap.n, snap.netuid, snap.block) == (256, 15, 4769998)
    assert int((snap.weights.sum(axis=1) > 0).sum()) == 20
    assert int((snap.weights > 0).sum()) == 1687
    assert snap.hotkeys == tuple(ref["hotkeys"].tolist())
    # stake: the rao nearest each float32 TAO value, summed exactly
    s32 = ref["S_stake_tao_f32"]
    expected = [int((Decimal(float(v)) * 10**9).to_integral_value(ROUND_HALF_EVEN)) for v in s32]
    assert snap.stake_rao.tolist() == expected
    assert abs(sum(expected) / 1e9 - 5.44e6) < 0.01e6
    assert int((snap.stake_rao > 0).sum()) == 167
    # u16 rows: the chain's max-upscale of the SDK's proportions (as the reference computed it)
    assert not snap.weights_u16_exact
    assert np.array_equal(snap.weights_u16, ref["W_u16_reconstructed"])
    # rows kept as proportions
    nonempty = snap.weights.sum(axis=1) > 0
    assert np.allclose(snap.weights.sum(axis=1)[nonempty], 1.0, atol=1e-12)


def test_sn15_dump_runs_an_epoch_and_the_chain_agrees():
    snap = read_simulator_dump(SN15_PT)
    result = yuma.epoch(**snap.epoch_kwargs())
    out, _ = chain.chain_epoch(snap.to_chain_state())
    assert result.incentive.sum() == pytest.approx(1.0)
    assert np.abs(out.incentive / 65535 - result.incentive).max() < 1e-4
    assert np.abs(out.dividends / 65535 - result.dividends).max() < 1e-4


def test_sn15_dump_within_a_byte_cap_and_over_it(tmp_path):
    assert load_torch_pickle(SN15_PT, max_bytes=300_000)["netuid"] == 15
    with pytest.raises(ValueError, match=r"sn15_block4769998\.pt.*over the limit"):
        load_torch_pickle(SN15_PT, max_bytes=100_000)


# --------------------------------------------------------------------------------------
# The restricted unpickler against NumPy's own pickles
# --------------------------------------------------------------------------------------

_DTYPES = st.sampled_from(
    ["<f4", ">f4", "<f8", ">f8", "<f2", "<i8", ">i8", "<i4", "<u2", ">u2", "u1", "i1", "?",
     "<c16", "<U5", ">U3", "S4"]
)


@given(
    data=st.data(),
    dtype=_DTYPES,
    protocol=st.sampled_from([2, 3, 4]),
    fortran=st.booleans(),
)
def test_numpy_pickles_round_trip(tmp_path_factory, data, dtype, protocol, fortran):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    arr = data.draw(hnp.arrays(np.dtype(dtype), shape))
    if fortran:
        arr = np.asfortranarray(arr)
    scalar = arr.reshape(-1)[0] if arr.size else np.float32(1.5)
    obj = {"a": arr, "nested": [arr[..., :1] if arr.ndim else arr, ("x", 3, None)],
           "scalar": scalar, 7: b"raw"}
    path = write_dump(tmp_path_factory.mktemp("rt") / "x.pt", obj, protocol=protocol)
    back = load_torch_pickle(path)
    for got, want in ((back["a"], arr), (back["nested"][0], obj["nested"][0])):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes(order="A") == want.tobytes(order="A") or np.array_equal(
            got, want, equal_nan=want.dtype.kind in "fc")
        np.testing.assert_array_equal(got, want)
    assert back["nested"][1] == ("x", 3, None)
    assert back[7] == b"raw"
    assert type(back["scalar"]) is type(scalar)
    np.testing.assert_array_equal(back["scalar"], scalar)


def test_numpy1_module_name_is_read(tmp_path):
    # NumPy 1.x names the reconstruction numpy.core.multiarray; the bytes differ only there.
    raw = pickle.dumps({"w": np.arange(6, dtype="<f4").reshape(2, 3)}, protocol=2)
    old = raw.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert old != raw
    back = load_torch_pickle(write_archive(tmp_path / "old.pt", old))
    assert np.array_equal(back["w"], np.arange(6, dtype="<f4").reshape(2, 3))


def test_deflated_archives_are_read(tmp_path):
    path = write_archive(tmp_path / "z.pt", pickle.dumps({"S": np.ones(4)}, protocol=2),
                         compression=zipfile.ZIP_DEFLATED)
    assert np.array_equal(load_torch_pickle(path)["S"], np.ones(4))


# --------------------------------------------------------------------------------------
# Refusals: foreign globals never run, and nothing is imported or written
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", [2, 4])
def test_foreign_global_is_refused_and_nothing_runs(tmp_path, protocol):
    marker = tmp_path / "ran"
    payload = {"S": np.ones(3), "W": Reduce(os.system, (f"touch {marker}",))}
    path = write_dump(tmp_path / "evil.pt", payload, protocol=protocol)
    before = listing(tmp_path)
    with pytest.raises(ValueError) as info:
        load_torch_pickle(path)
    message = str(info.value)
    assert str(path) in message
    assert f"{os.system.__module__}.system" in message  # posix.system / nt.system
    assert not marker.exists()
    assert listing(tmp_path) == before
    with pytest.raises(ValueError, match="system"):
        read_simulator_dump(path)
    assert not marker.exists()


def test_foreign_module_is_never_imported(tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    module = tmp_path / "yuma_io_canary_mod.py"
    module.write_text(f"open({str(marker)!r}, 'w').close()\ndef hello():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import yuma_io_canary_mod  # only to let pickle.dumps name it

    path = write_dump(tmp_path / "canary.pt", Reduce(yuma_io_canary_mod.hello, ()))
    marker.unlink()
    del sys.modules["yuma_io_canary_mod"]
    with pytest.raises(ValueError, match=r"yuma_io_canary_mod\.hello"):
        load_torch_pickle(path)
    assert not marker.exists()
    assert "yuma_io_canary_mod" not in sys.modules


@pytest.mark.parametrize(
    "func, args",
    [
        (eval, ("1 + 1",)),
        (np.frombuffer, (b"\x00" * 8,)),
        (np.ndarray, ((2,),)),
        (getattr, ("x", "upper")),
    ],
)
def test_other_callables_are_refused(tmp_path, func, args):
    path = write_dump(tmp_path / "f.pt", Reduce(func, args))
    with pytest.raises(ValueError, match="not allowed|is read only as the class"):
        load_torch_pickle(path)


def test_object_arrays_and_structured_dtypes_are_refused(tmp_path):
    obj_arr = np.array([{"a": 1}, None], dtype=object)
    with pytest.raises(ValueError, match=r"dtype 'O8?' is not read"):
        load_torch_pickle(write_dump(tmp_path / "o.pt", obj_arr))
    rec = np.zeros(2, dtype=[("a", "<f4"), ("b", "<i8")])
    with pytest.raises(ValueError, match="not read"):
        load_torch_pickle(write_dump(tmp_path / "r.pt", rec))


def test_array_state_must_match_its_bytes(tmp_path):
    dtype = np.dtype("<f8")
    bad = ndarray_with_state((1, (10**12,), dtype, False, b"\x00" * 16))
    with pytest.raises(ValueError, match=r"needs 8000000000000 bytes, the pickle holds 16"):
        load_torch_pickle(write_dump(tmp_path / "big.pt", bad))
    negative = ndarray_with_state((1, (-1,), dtype, False, b""))
    with pytest.raises(ValueError, match="not a size"):
        load_torch_pickle(write_dump(tmp_path / "neg.pt", negative))
    good = ndarray_with_state((1, (2,), dtype, False, np.array([1.0, 2.0]).tobytes()))
    assert load_torch_pickle(write_dump(tmp_path / "ok.pt", good)).tolist() == [1.0, 2.0]


def test_torch_tensors_are_refused(tmp_path):
    class TensorPickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, str) and obj == "tensor":
                return ("storage", "FloatStorage", "0", "cpu", 4)
            return None

    import io

    buf = io.BytesIO()
    TensorPickler(buf, protocol=2).dump({"S": "tensor"})
    path = write_archive(tmp_path / "t.pt", buf.getvalue())
    with pytest.raises(ValueError, match=r"t\.pt.*persistent reference.*torch tensors"):
        load_torch_pickle(path)


# --------------------------------------------------------------------------------------
# Files that are not what they claim
# --------------------------------------------------------------------------------------


def test_not_a_zip(tmp_path):
    text = tmp_path / "text.pt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"text\.pt: not a zip-format torch file"):
        load_torch_pickle(text)
    legacy = tmp_path / "legacy.pt"
    legacy.write_bytes(pickle.dumps({"S": [1.0]}, protocol=2))
    with pytest.raises(ValueError, match=r"legacy\.pt.*legacy \(non-zip\)"):
        load_torch_pickle(legacy)
    with pytest.raises(ValueError, match="no such file"):
        load_torch_pickle(tmp_path / "absent.pt")


def test_corrupt_and_truncated_archives(tmp_path):
    good = SN15_PT.read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"truncated\.pt: not a zip-format torch file"):
        load_torch_pickle(truncated)
    flipped = bytearray(good)
    at = good.index(b"5FFApaS75bv5")  # inside the stored data.pkl
    flipped[at] ^= 0xFF
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(bytes(flipped))
    before = listing(tmp_path)
    with pytest.raises(ValueError, match=r"corrupt\.pt: the archive is corrupt.*CRC"):
        load_torch_pickle(corrupt)
    assert listing(tmp_path) == before


def test_archive_without_or_with_two_pickles(tmp_path):
    empty = tmp_path / "nopkl.pt"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("archive/version", "3\n")
    with pytest.raises(ValueError, match=r"nopkl\.pt: a zip archive without data\.pkl"):
        load_torch_pickle(empty)
    two = tmp_path / "two.pt"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a/data.pkl", pickle.dumps(1, protocol=2))
        z.writestr("b/data.pkl", pickle.dumps(2, protocol=2))
    with pytest.raises(ValueError, match="more than one data.pkl"):
        load_torch_pickle(two)


def test_garbage_pickle_and_decompression_bomb(tmp_path):
    garbage = write_archive(tmp_path / "g.pt", b"\x80\x02this is not a pickle")
    with pytest.raises(ValueError, match=r"g\.pt: archive/data\.pkl is not a valid pickle"):
        load_torch_pickle(garbage)
    bomb = write_archive(tmp_path / "bomb.pt", pickle.dumps(b"\x00" * 5_000_000, protocol=4),
                         compression=zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ValueError, match=r"bomb\.pt.*over the limit of 1000000"):
        load_torch_pickle(bomb, max_bytes=1_000_000)


def test_dump_that_is_not_a_metagraph(tmp_path):
    path = write_dump(tmp_path / "list.pt", [1, 2, 3])
    with pytest.raises(ValueError, match=r"list\.pt: holds a list"):
        read_simulator_dump(path)
    path = write_dump(tmp_path / "nos.pt", {"W": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"nos\.pt: S: missing"):
        read_simulator_dump(path)


# --------------------------------------------------------------------------------------
# Bad fields in dumps: the error names the file and the field; nothing is written
# --------------------------------------------------------------------------------------


def _dump_fields(n=3):
    return {"netuid": 2, "block": np.array(100), "S": np.array([1.0, 2.0, 0.5], "<f4"),
            "W": np.array([[0, 0.5, 0.5], [0.2, 0, 0.8], [0, 0, 0]], "<f4"),
            "hotkeys": ["a", "b", "c"]}


@pytest.mark.parametrize(
    "change, field_name, problem",
    [
        ({"S": np.array([1.0, np.nan, 0.5], "<f4")}, "S", "NaN"),
        ({"S": np.array([1.0, -2.0, 0.5], "<f4")}, "S", "negative"),
        ({"W": np.array([[0, 0.5, 0.5], [0.2, 0, -0.8], [0, 0, 0]], "<f4")}, "W",
         "row 1 has negative entries"),
        ({"W": np.array([[0, 0.5, np.nan], [0.2, 0, 0.8], [0, 0, 0]], "<f4")}, "W",
         "row 0 holds NaN"),
        ({"W": np.zeros((4, 4), "<f4")}, "W", r"shape \(4, 4\), expected \(3, 3\)"),
        ({"hotkeys": ["a", "b"]}, "hotkeys", "length 2.*n = 3"),
        ({"uids": np.array([0, 2, 1])}, "uids", "0 .. n-1 in order"),
        ({"n": np.array(4)}, "S", "length 3.*n = 4"),
        ({"validator_permit": np.array([True, False])}, "validator_permit", "length 2"),
        ({"B": np.full((3, 3), 70000.0)}, "bonds_u16", "outside"),
    ],
)
def test_bad_dump_fields(tmp_path, change, field_name, problem):
    fields = {**_dump_fields(), **change}
    path = write_dump(tmp_path / "bad.pt", fields)
    before = listing(tmp_path)
    with pytest.raises(ValueError, match=rf"bad\.pt: {field_name}\b.*{problem}"):
        read_simulator_dump(path)
    assert listing(tmp_path) == before


def test_good_dump_fields(tmp_path):
    snap = read_simulator_dump(write_dump(tmp_path / "ok.pt", _dump_fields()))
    assert snap.stake_rao.tolist() == [1_000_000_000, 2_000_000_000, 500_000_000]
    assert snap.weights_u16.tolist()[1] == [16384, 0, 65535]
    assert snap.hotkeys == ("a", "b", "c") and snap.block == 100 and snap.netuid == 2


# --------------------------------------------------------------------------------------
# bittensor 10.x stand-ins (NumPy and torch-like attributes)
# --------------------------------------------------------------------------------------


class FakeTensor:
    """What the 10.x metagraph holds under USE_TORCH=1: ``numpy()`` needs ``detach()``."""

    def __init__(self, values, requires_grad=True):
        self._values = np.array(values)
        self.requires_grad = requires_grad

    def detach(self):
        return FakeTensor(self._values, requires_grad=False)

    def cpu(self):
        return self

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad.")
        return self._values

    def __array__(self, *args, **kwargs):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad.")


def _ground_truth(n=5, seed=3):
    rng = np.random.default_rng(seed)
    w_u16 = rng.integers(0, 65536, size=(n, n))
    w_u16[:, : n // 2] = 0
    w_u16[n - 1] = 0
    w_u16[w_u16.any(axis=1)] = proportions_to_u16_rows(w_u16[w_u16.any(axis=1)])  # max 65535
    stake_rao = rng.integers(0, 10**15, size=n)
    return {
        "w_u16": w_u16,
        "b_u16": rng.integers(0, 65536, size=(n, n)),
        "stake_rao": stake_rao,
        "consensus": rng.integers(0, 65536, size=n),
        "incentive": rng.integers(0, 65536, size=n),
        "emission_rao": rng.integers(0, 10**10, size=n),
        "last_update": rng.integers(900, 1000, size=n),
        "bar": rng.integers(0, 900, size=n),
        "permit": rng.random(n) < 0.5,
        "hotkeys": [f"5Hot{i}" for i in range(n)],
    }


def _metagraph10(truth, wrap=np.asarray):
    n = len(truth["hotkeys"])
    w = truth["w_u16"].astype(np.float32)
    sums = w.sum(axis=1, keepdims=True)
    w_prop = np.divide(w, sums, out=np.zeros_like(w), where=sums > 0)  # as the SDK
    hparams = SimpleNamespace(
        kappa=32767, alpha_high=58982 / 65535, alpha_low=45875 / 65535,
        bonds_moving_avg=900_000 / U64_MAX, max_validators=64, activity_cutoff=5000,
        commit_reveal_period=1, commit_reveal_weights_enabled=True, liquid_alpha_enabled=False,
        tempo=360, rho=10, immunity_period=5000,
    )
    return SimpleNamespace(
        netuid=7, n=wrap(np.array(n)), block=wrap(np.array(1000)), uids=wrap(np.arange(n)),
        hotkeys=truth["hotkeys"],
        S=wrap((truth["stake_rao"] / 1e9).astype(np.float32)),
        AS=wrap((truth["stake_rao"] / 1e9).astype(np.float32)),
        TS=wrap(np.zeros(n, np.float32)),
        W=wrap(w_prop), B=wrap(truth["b_u16"].astype(np.int64)),
        C=wrap((truth["consensus"] / 65535).astype(np.float32)),
        I=wrap((truth["incentive"] / 65535).astype(np.float32)),
        D=wrap(np.zeros(n, np.float32)), Tv=wrap(np.zeros(n, np.float32)),
        E=wrap((truth["emission_rao"] / 1e9).astype(np.float32)),
        active=wrap(np.ones(n, np.int64)), last_update=wrap(truth["last_update"]),
        validator_permit=wrap(truth["permit"]), block_at_registration=list(truth["bar"]),
        hparams=hparams, tempo=360, last_step=990, owner_hotkey="5Hot1",
    )


@pytest.mark.parametrize("wrap", [np.asarray, FakeTensor], ids=["numpy", "torch-like"])
def test_metagraph10_reads_exact_units(wrap):
    truth = _ground_truth()
    snap = read_metagraph(_metagraph10(truth, wrap), source="mg10")
    n = len(truth["hotkeys"])
    assert (snap.n, snap.netuid, snap.block, snap.last_step) == (n, 7, 1000, 990)
    # float32 TAO keeps ~7 digits: the rao is the one nearest the float32
    s32 = (truth["stake_rao"] / 1e9).astype(np.float32)
    assert snap.stake_rao.tolist() == [
        int((Decimal(float(v)) * 10**9).to_integral_value(ROUND_HALF_EVEN)) for v in s32]
    assert np.all(np.abs(snap.stake_rao.astype(float) - truth["stake_rao"]) <=
                  truth["stake_rao"] * 2.0**-23 + 1)
    # u16 scores come back exactly from float32 proportions; bonds are raw u16
    assert snap.outputs["consensus"].tolist() == truth["consensus"].tolist()
    assert snap.outputs["incentive"].tolist() == truth["incentive"].tolist()
    assert np.array_equal(snap.bonds_u16, truth["b_u16"])
    # stored weight rows: max-upscaled rows come back within 1 from float32 proportions
    assert np.abs(snap.weights_u16.astype(int) - truth["w_u16"]).max() <= 1
    assert snap.validator_permit.tolist() == truth["permit"].tolist()
    assert snap.block_at_registration.tolist() == truth["bar"].tolist()
    assert snap.owner_uid == 1 and snap.hotkeys == tuple(truth["hotkeys"])
    hp = snap.hyperparameters
    assert (hp.kappa, hp.alpha_high, hp.alpha_low) == (32767, 58982, 45875)
    assert hp.bonds_moving_average == 900_000  # 10.x divides it by u64::MAX
    assert (hp.max_allowed_validators, hp.activity_cutoff, hp.tempo) == (64, 5000, 360)
    assert hp.commit_reveal_enabled is True and hp.liquid_alpha_on is False
    assert set(hp.missing) >= {"bonds_penalty", "alpha_sigmoid_steepness", "yuma3_on"}


def test_metagraph10_torch_like_equals_numpy():
    truth = _ground_truth(n=6, seed=11)
    a = read_metagraph10(_metagraph10(truth, np.asarray))
    b = read_metagraph10(_metagraph10(truth, FakeTensor))
    for name in ("stake_rao", "weights", "weights_u16", "bonds_u16", "last_update",
                 "validator_permit", "alpha_stake_rao"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert dict(a.outputs).keys() == dict(b.outputs).keys()


def test_metagraph10_lite_and_unsynced():
    mg = SimpleNamespace(n=np.array([0]), block=np.array([0]), S=np.array([], np.int64),
                         W=np.array([], np.float32), B=np.array([], np.int64),
                         uids=np.array([], np.int64), netuid=3)
    snap = read_metagraph10(mg)
    assert snap.n == 0 and snap.weights is None
    lite = _metagraph10(_ground_truth())
    lite.W = np.array([], np.float32)
    lite.B = np.array([], np.float32)
    snap = read_metagraph10(lite, source="lite")
    assert snap.weights is None and snap.bonds_u16 is None
    with pytest.raises(ValueError, match="lite: weights: the snapshot has none"):
        snap.epoch_kwargs()


@pytest.mark.parametrize(
    "attr, value, field_name, problem",
    [
        ("S", np.array([1.0, np.nan, 1.0, 1.0, 1.0], np.float32), "S", "NaN"),
        ("hotkeys", ["a"] * 4, "hotkeys", "length 4.*n = 5"),
        ("W", -np.ones((5, 5), np.float32), "W", "row 0 has negative entries"),
        ("C", np.full(5, 1.5, np.float32), "C", r"proportions in \[0, 1\]"),
        ("last_update", np.zeros(6, np.int64), "last_update", "length 6"),
        ("W", np.ones((5, 6), np.float32), "W", "root-subnet weights"),
    ],
)
def test_metagraph10_bad_fields(attr, value, field_name, problem):
    mg = _metagraph10(_ground_truth())
    setattr(mg, attr, value)
    with pytest.raises(ValueError, match=rf"mgX: {field_name}\b.*{problem}"):
        read_metagraph10(mg, source="mgX")


def test_metagraph10_passing_weights_separately_is_refused():
    with pytest.raises(ValueError, match="carries its weights"):
        read_metagraph(_metagraph10(_ground_truth()), weights={0: {1: 1.0}})


# --------------------------------------------------------------------------------------
# bittensor 11.x stand-ins, filled with the real SN1 state
# --------------------------------------------------------------------------------------


@dataclass
class Balance:
    rao: int
    netuid: int = 0


@dataclass
class Neuron:
    uid: int
    hotkey: str
    active: bool
    validator_permit: bool
    last_update: int
    block_at_registration: int
    rank: float
    trust: float
    consensus: float
    incentive: float
    dividends: float
    pruning_score: float
    emission: Balance
    alpha_stake: Balance
    tao_stake: Balance
    total_stake: Balance


@dataclass
class Metagraph11:
    netuid: int
    mechid: int
    block: int
    tempo: int
    last_step: int
    owner_hotkey: str
    neurons: list = field(default_factory=list)


def _sn1_metagraph11():
    z = np.load(SN1_NPZ, allow_pickle=False)
    meta = json.loads(SN1_JSON.read_text())
    neurons = [
        Neuron(
            uid=i, hotkey=str(z["hotkeys"][i]), active=bool(z["active"][i]),
            validator_permit=bool(z["validator_permit"][i]),
            last_update=int(z["last_update"][i]),
            block_at_registration=int(z["block_at_registration"][i]),
            rank=int(z["rank_u16"][i]) / 65535, trust=int(z["trust_u16"][i]) / 65535,
            consensus=int(z["consensus_u16"][i]) / 65535,
            incentive=int(z["incentive_u16"][i]) / 65535,
            dividends=int(z["dividends_u16"][i]) / 65535,
            pruning_score=int(z["pruning_score_u16"][i]) / 65535,
            emission=Balance(int(z["emission_rao"][i]), 1),
            alpha_stake=Balance(int(z["alpha_stake_rao"][i]), 1),
            tao_stake=Balance(int(z["tao_stake_rao"][i])),
            total_stake=Balance(int(z["total_stake_rao"][i]), 1),
        )
        for i in range(len(z["hotkeys"]))
    ]
    mg = Metagraph11(netuid=int(z["netuid"]), mechid=0, block=int(z["block"]),
                     tempo=meta["tempo"], last_step=meta["last_step"],
                     owner_hotkey=meta["owner_hotkey"], neurons=neurons)
    return mg, z, meta


def test_metagraph11_reads_sn1_exactly():
    mg, z, meta = _sn1_metagraph11()
    snap = read_metagraph(mg, hyperparameters=meta, source="sn1")
    assert (snap.n, snap.netuid, snap.block, snap.last_step) == (1024, 1, 6852690, 6852597)
    assert np.array_equal(snap.stake_rao, z["total_stake_rao"])
    assert np.array_equal(snap.alpha_stake_rao, z["alpha_stake_rao"])
    assert np.array_equal(snap.tao_stake_rao, z["tao_stake_rao"])
    for out, key in (("consensus", "consensus_u16"), ("incentive", "incentive_u16"),
                     ("dividends", "dividends_u16"), ("rank", "rank_u16"),
                     ("trust", "trust_u16")):
        assert np.array_equal(snap.outputs[out], z[key]), out
    assert np.array_equal(snap.outputs["emission"], z["emission_rao"])
    assert np.array_equal(snap.validator_permit, z["validator_permit"])
    assert np.array_equal(snap.last_update, z["last_update"])
    assert np.array_equal(snap.block_at_registration, z["block_at_registration"])
    assert snap.hotkeys == tuple(z["hotkeys"].tolist())
    assert snap.owner_uid == z["hotkeys"].tolist().index(meta["owner_hotkey"])
    hp = snap.hyperparameters
    assert (hp.tempo, hp.kappa, hp.bonds_moving_average) == (99, 32767, 900_000)
    assert (hp.alpha_low, hp.alpha_high, hp.max_allowed_validators) == (45875, 58982, 128)
    assert (hp.activity_cutoff, hp.commit_reveal_period) == (5000, 1)
    assert hp.commit_reveal_enabled is True and hp.liquid_alpha_on is False
    assert snap.weights is None  # the recording was lite
    # stake in TAO is the exact quotient
    assert snap.stake_tao.tolist() == [int(r) / 10**9 for r in z["total_stake_rao"]]


def _weights_and_bonds(n, seed=5):
    rng = np.random.default_rng(seed)
    rows = {}
    w_u16 = np.zeros((n, n), np.int64)
    listed = np.zeros((n, n), bool)
    for v in rng.choice(n, size=min(n, 6), replace=False).tolist():
        cols = rng.choice(n, size=4, replace=False).tolist()
        vals = rng.integers(0, 65536, size=4)
        vals[0] = 65535
        w_u16[v, cols] = vals
        listed[v, cols] = True
        rows[v] = {c: int(x) / int(vals.sum()) for c, x in zip(cols, vals.tolist(), strict=True)}
    b_u16 = rng.integers(0, 65536, size=(n, n))
    b_u16[rng.random((n, n)) < 0.7] = 0
    bonds = {v: {c: int(b_u16[v, c]) / 65535 for c in range(n) if b_u16[v, c]}
             for v in range(n) if b_u16[v].any()}
    return rows, w_u16, listed, bonds, b_u16


def test_metagraph11_weights_and_bonds_mappings():
    mg, z, meta = _sn1_metagraph11()
    n = len(mg.neurons)
    rows, w_u16, listed, bonds, b_u16 = _weights_and_bonds(n)
    snap = read_metagraph11(mg, weights=rows, bonds=bonds, hyperparameters=meta)
    assert np.array_equal(snap.bonds_u16, b_u16)  # u16 / 65535 back to u16, exactly
    assert np.array_equal(snap.weights_listed, listed)  # explicit zeros kept
    # proportions computed in float64 from max-upscaled rows give the stored rows back
    assert np.array_equal(snap.weights_u16, w_u16)
    state = snap.to_chain_state()
    assert np.array_equal(state.weights, w_u16) and np.array_equal(state.bonds, b_u16)
    assert np.array_equal(state.weights_present, listed)
    assert np.array_equal(state.stake, z["total_stake_rao"])
    assert (state.tempo, state.kappa, state.max_allowed_validators) == (99, 32767, 128)
    assert state.commit_reveal_enabled is True
    assert state.last_mechanism_step_block == 6852597
    assert np.array_equal(state.consensus, z["consensus_u16"])
    kw = snap.epoch_kwargs()
    assert np.array_equal(kw["listed"], listed)
    assert kw["last_tempo"] == 6852598
    cutoff = 5000
    assert kw["active"].tolist() == [int(lu) + cutoff >= 6852690 for lu in z["last_update"]]
    assert np.array_equal(kw["previous_consensus"], z["consensus_u16"] / 65535)
    yuma.epoch(**kw)


@pytest.mark.parametrize(
    "weights, bonds, where, problem",
    [
        ({0: {1: -0.5, 2: 1.5}}, None, "weights", "row 0 has negative entries"),
        ({0: {5000: 1.0}}, None, r"weights\[0\]", "miner UID 5000 is not in"),
        ({2000: {1: 1.0}}, None, "weights", "row UID 2000 is not in"),
        ({0: {1: float("nan")}}, None, r"weights\[0\]\[1\]", "finite"),
        (None, {0: {1: 1.5}}, r"bonds\[0\]\[1\]", r"proportion in \[0, 1\]"),
    ],
)
def test_metagraph11_bad_weight_rows(weights, bonds, where, problem):
    mg, _, _ = _sn1_metagraph11()
    with pytest.raises(ValueError, match=rf"sn1: {where}.*{problem}"):
        read_metagraph11(mg, weights=weights, bonds=bonds, source="sn1")


def test_metagraph11_bad_records():
    mg, _, _ = _sn1_metagraph11()
    mg.neurons[3], mg.neurons[4] = mg.neurons[4], mg.neurons[3]
    with pytest.raises(ValueError, match=r"sn1: neurons\[3\]\.uid.*UID order"):
        read_metagraph11(mg, source="sn1")
    mg, _, _ = _sn1_metagraph11()
    mg.neurons[7].total_stake = float("nan")
    with pytest.raises(ValueError, match=r"sn1: neurons\[7\]\.total_stake.*NaN"):
        read_metagraph11(mg, source="sn1")
    mg, _, _ = _sn1_metagraph11()
    mg.neurons[2].total_stake = Balance(-5)
    with pytest.raises(ValueError, match=r"neurons\[2\]\.total_stake.*not a u64"):
        read_metagraph11(mg, source="sn1")
    mg, _, _ = _sn1_metagraph11()
    mg.neurons[9].consensus = 1.2
    with pytest.raises(ValueError, match=r"consensus.*\[0, 1\]"):
        read_metagraph11(mg, source="sn1")


def test_null_epoch_consensus():
    mg, z, meta = _sn1_metagraph11()
    n = len(mg.neurons)
    rows, w_u16, *_ = _weights_and_bonds(n)
    snap = read_metagraph11(mg, weights=rows, hyperparameters={**meta, "epoch_consensus": 1},
                            source="sn1")
    assert snap.epoch_consensus == "null"
    with pytest.raises(ValueError, match="sn1: epoch_consensus: the subnet runs Null"):
        snap.epoch_kwargs()
    kw = snap.null_epoch_kwargs(1_000_000)
    assert np.array_equal(kw["weights"], w_u16)
    assert kw["stake"] == [int(s) for s in z["total_stake_rao"]]
    result = null_epoch(**kw)
    assert int(result.server_emission.sum() + result.validator_emission.sum()) == 1_000_000


# --------------------------------------------------------------------------------------
# Hyperparameters
# --------------------------------------------------------------------------------------


def test_hyperparameter_units_and_names():
    hp = chain_hyperparameters({
        "kappa": 0.5, "bonds_penalty": 65535, "bonds_moving_avg": 0.975,
        "alpha_low": 45875, "alpha_high": 0.9, "alpha_sigmoid_steepness": 1000.0,
        "yuma_version": 2, "max_validators": 256, "epoch_consensus": {"Yuma": None},
        "liquid_alpha_consensus_mode": "Previous", "bonds_reset_enabled": 1,
        "activity_cutoff_factor": 13_889, "tempo": 360, "rho": 10,
    })
    assert hp.kappa == 32768  # rint(0.5 * 65535) = 32767.5 -> 32768 (ties to even)
    assert hp.bonds_moving_average == 975_000 and hp.alpha_high == 58982
    assert hp.alpha_sigmoid_steepness == 1000 and hp.yuma3_on is False
    assert hp.epoch_consensus == "yuma" and hp.liquid_alpha_consensus_mode == "previous"
    assert hp.bonds_reset_on is True and hp.resolved()["activity_cutoff"] == 5000
    params = hp.to_yuma_params()
    assert params == yuma.YumaParams.from_chain(
        kappa=32768, bonds_moving_average=975_000, bonds_penalty=65535,
        alpha_values=(45875, 58982), alpha_sigmoid_steepness=1000, yuma3_on=False,
        max_allowed_validators=256, liquid_alpha_consensus_mode="previous")
    assert params.variant == "yuma2"
    assert hp.to_yuma_params("yuma3").variant == "yuma3"


def test_hyperparameters_from_the_10x_bug_and_sdk_objects():
    # every per-million value read through 10.x's division by u64::MAX comes back exactly
    for raw in (0, 1, 900_000, 975_000, 999_999, 1_000_000):
        got = chain_hyperparameters(SimpleNamespace(bonds_moving_avg=raw / U64_MAX))
        assert got.bonds_moving_average == raw
    defaults = chain_hyperparameters(None)
    assert defaults == ChainHyperparameters() and len(defaults.missing) == 17
    assert defaults.to_yuma_params() == yuma.YumaParams.from_chain()


@pytest.mark.parametrize(
    "values, problem",
    [
        ({"kappa": 70000}, "kappa must be in"),
        ({"kappa": 1.5}, r"kappa'\]: must be an integer"),
        ({"bonds_moving_avg": 2_000_000}, "bonds_moving_average must be in"),
        ({"yuma_version": 4}, "must be 2 or 3"),
        ({"epoch_consensus": 2}, "Yuma.*Null"),
        ({"liquid_alpha_enabled": "yes"}, "must be a bool"),
        ({"alpha_sigmoid_steepness": 10.5}, "must be an integer"),
        ({"yuma_version": 3, "yuma3_enabled": False}, "disagrees"),
    ],
)
def test_bad_hyperparameters(values, problem):
    with pytest.raises(ValueError, match=rf"hp\.json: hyperparameters.*{problem}"):
        chain_hyperparameters(values, source="hp.json")


# --------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------


def _exact_rao(x: float) -> int:
    return int((Decimal(x) * 10**9).to_integral_value(ROUND_HALF_EVEN))


@given(st.floats(min_value=0, max_value=1.8e10, allow_nan=False, allow_infinity=False))
def test_tao_to_rao_is_the_exact_product(x):
    assert tao_to_rao(np.array([x])).tolist() == [_exact_rao(x)]
    x32 = np.float32(x)
    assert tao_to_rao(np.array([x32])).tolist() == [_exact_rao(float(x32))]


@given(st.lists(st.integers(min_value=0, max_value=2**52), min_size=1, max_size=20))
def test_rao_tao_round_trip(rao):
    tao = rao_to_tao(np.array(rao, dtype=np.uint64))
    with localcontext() as ctx:
        ctx.prec = 60
        assert tao.tolist() == [float(Decimal(r) / Decimal(10**9)) for r in rao]
    assert tao_to_rao(tao).tolist() == rao


def test_unit_conversions_exact_cases():
    assert tao_to_rao([1, 2]).tolist() == [10**9, 2 * 10**9]  # integers are whole TAO
    assert tao_to_rao(np.array([0.1], np.float32)).tolist() == [100_000_001]
    big = 18_446_744_073.709551615  # u64::MAX rao, as near as float64 gets
    with pytest.raises(ValueError, match="exceeds u64"):
        tao_to_rao([big * 1.01])
    assert rao_to_tao([U64_MAX]).tolist() == [U64_MAX / 10**9]
    for bad, problem in (([np.nan], "NaN"), ([-1.0], "negative"), ([True], "booleans")):
        with pytest.raises(ValueError, match=f"src: stake: .*{problem}"):
            tao_to_rao(bad, source="src")


def test_snapshot_from_arrays_units():
    snap = SubnetSnapshot.from_arrays(
        stake=[1.5, 0.25, 0.0], stake_unit="tao",
        weights=[[0, 65535, 32768], [0, 0, 0], [1, 1, 0]], weights_unit="u16",
        bonds=[[0, 0.5, 1.0], [0, 0, 0], [0, 0, 0]], bonds_unit="proportion",
        hotkeys=["a", "b", "c"], source="arr")
    assert snap.stake_rao.tolist() == [1_500_000_000, 250_000_000, 0]
    assert snap.stake_tao.tolist() == [1.5, 0.25, 0.0]
    assert snap.weights_u16_exact
    assert snap.weights_u16.tolist() == [[0, 65535, 32768], [0, 0, 0], [1, 1, 0]]
    assert snap.weights[0].tolist() == [0, 65535 / 98303, 32768 / 98303]
    assert snap.weights[1].tolist() == [0, 0, 0]
    assert snap.bonds_u16[0].tolist() == [0, 32768, 65535]  # rint(32767.5) ties to even
    assert snap.bonds[0].tolist() == [0, 32768 / 65535, 1.0]
    with pytest.raises(ValueError):
        snap.stake_rao[0] = 5  # read-only
    for bad in (dict(hotkeys=["a"]), dict(validator_permit=[True, 2, False])):
        with pytest.raises(ValueError, match="arr: (hotkeys|validator_permit)"):
            SubnetSnapshot.from_arrays(stake=[1, 2, 3], weights=np.eye(3), source="arr", **bad)
    with pytest.raises(ValueError, match=r"arr: weights: row 0 has negative"):
        SubnetSnapshot.from_arrays(stake=[1, 2, 3], weights=-np.eye(3), source="arr")
    with pytest.raises(ValueError, match="arr: bonds: proportions must be in"):
        SubnetSnapshot.from_arrays(stake=[1, 2, 3], bonds=2 * np.eye(3), bonds_unit="proportion",
                                   source="arr")


def test_snapshot_never_modifies_the_callers_arrays():
    w = np.array([[0.0, 2.0], [1.0, 1.0]])
    s = np.array([5, 6], dtype=np.uint64)
    snap = SubnetSnapshot.from_arrays(stake=s, weights=w)
    assert w.tolist() == [[0.0, 2.0], [1.0, 1.0]] and snap.weights is not w
    kw = snap.epoch_kwargs()
    kw["weights"][0, 0] = 9.0
    assert snap.weights[0, 0] == 0.0


def test_epoch_float_and_fixed_agree_with_chain_state():
    truth = _ground_truth(n=8, seed=21)
    snap = read_metagraph10(_metagraph10(truth))
    kw = snap.epoch_kwargs()
    fixed = yuma.epoch(**kw, arithmetic="fixed")
    out, _ = chain.chain_epoch(snap.to_chain_state(), record_step=False)
    # the float path's fixed arithmetic builds its own chain state from the same inputs;
    # its results are I32F32 views, the chain stores them as u16
    assert np.abs(fixed.incentive * 65535 - out.incentive).max() <= 1
    assert np.abs(fixed.dividends * 65535 - out.dividends).max() <= 1
    assert out.incentive.sum() > 0


# --------------------------------------------------------------------------------------
# Documentation of the public API
# --------------------------------------------------------------------------------------

IO_PUBLIC = {
    "load_torch_pickle": yuma.io.load_torch_pickle,
    "tao_to_rao": tao_to_rao,
    "rao_to_tao": rao_to_tao,
    "proportions_to_u16_rows": proportions_to_u16_rows,
    "chain_hyperparameters": chain_hyperparameters,
    "read_metagraph": read_metagraph,
    "read_metagraph10": read_metagraph10,
    "read_metagraph11": read_metagraph11,
    "read_simulator_dump": read_simulator_dump,
    "SubnetSnapshot": SubnetSnapshot,
    "SubnetSnapshot.from_arrays": SubnetSnapshot.from_arrays,
    "SubnetSnapshot.epoch_kwargs": SubnetSnapshot.epoch_kwargs,
    "SubnetSnapshot.null_epoch_kwargs": SubnetSnapshot.null_epoch_kwargs,
    "SubnetSnapshot.to_chain_state": SubnetSnapshot.to_chain_state,
    "ChainHyperparameters": ChainHyperparameters,
    "ChainHyperparameters.to_yuma_params": ChainHyperparameters.to_yuma_params,
    "ChainHyperparameters.resolved": ChainHyperparameters.resolved,
    "ChainHyperparameters.chain_state_fields": ChainHyperparameters.chain_state_fields,
    "derived_permits": yuma.io.derived_permits,
    "read_snapshot": yuma.io.read_snapshot,
    "load_snapshot": yuma.io.load_snapshot,
    "save_snapshot": yuma.io.save_snapshot,
    "EpochSnapshot": yuma.io.EpochSnapshot,
    "EpochSnapshot.from_subnet": yuma.io.EpochSnapshot.from_subnet,
    "EpochSnapshot.epoch_kwargs": yuma.io.EpochSnapshot.epoch_kwargs,
    "EpochSnapshot.save": yuma.io.EpochSnapshot.save,
}


@pytest.mark.parametrize("qualname", sorted(IO_PUBLIC))
def test_io_parameters_documented(qualname):
    import inspect

    from test_docs import documented_parameters, numpydoc_sections, signature_parameters

    obj = IO_PUBLIC[qualname]
    doc = inspect.getdoc(obj)
    assert doc and "\n" not in doc.split("\n\n", 1)[0].strip(), qualname
    assert documented_parameters(doc) == signature_parameters(obj), qualname
    if not inspect.isclass(obj):
        assert "Returns" in numpydoc_sections(doc), qualname


@pytest.mark.parametrize("module", ["yuma.io.subnet", "yuma.io.metagraph",
                                    "yuma.io.torch_pickle", "yuma.io", "yuma.io.snapshot",
                                    "yuma.sim.replay", "yuma.sim.copy_risk"])
def test_io_doctests(module):
    import doctest
    import importlib

    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, module
    if module in ("yuma.io.subnet", "yuma.io.metagraph", "yuma.sim.replay",
                  "yuma.sim.copy_risk"):
        assert result.attempted > 0, module


# --------------------------------------------------------------------------------------
# The SDK's hyperparameter names: YumaParams.from_chain and the ChainState helpers
# --------------------------------------------------------------------------------------


def test_from_chain_takes_the_sdk_names():
    sdk = yuma.YumaParams.from_chain(kappa=32767, bonds_moving_avg=975_000,
                                     liquid_alpha_enabled=True, alpha_low=1000, alpha_high=60000,
                                     yuma3_enabled=False, max_validators=128)
    chain_named = yuma.YumaParams.from_chain(kappa=32767, bonds_moving_average=975_000,
                                             liquid_alpha_on=True, alpha_values=(1000, 60000),
                                             yuma3_on=False, max_allowed_validators=128)
    assert sdk == chain_named
    assert sdk.variant == "yuma2" and sdk.max_allowed_validators == 128
    assert yuma.YumaParams.from_chain(yuma_version=2).variant == "yuma2"
    assert yuma.YumaParams.from_chain(yuma_version=3).variant == "yuma3"
    # one half of AlphaValues keeps the other's default
    assert yuma.YumaParams.from_chain(alpha_high=65535).alpha_low == 45875 / 65535
    # the same value under both names is fine
    assert yuma.YumaParams.from_chain(max_validators=10, max_allowed_validators=10) \
        .max_allowed_validators == 10


def test_from_chain_sdk_names_from_the_sn1_recording():
    meta = json.loads(SN1_JSON.read_text())
    names = ("kappa", "bonds_moving_avg", "alpha_low", "alpha_high", "max_validators",
             "liquid_alpha_enabled")
    params = yuma.YumaParams.from_chain(**{k: meta[k] for k in names if k in meta})
    assert params.max_allowed_validators == meta["max_validators"] == 128
    assert params.bonds_moving_average == meta["bonds_moving_avg"] / 1e6
    assert params.alpha_low == meta["alpha_low"] / 65535


@pytest.mark.parametrize(
    "kwargs, problem",
    [
        ({"max_validators": 10, "max_allowed_validators": 11}, "max_allowed_validators = 11 and "
                                                               "max_validators = 10 disagree"),
        ({"bonds_moving_avg": 1, "bonds_moving_average": 2}, "bonds_moving_avg = 1"),
        ({"yuma_version": 3, "yuma3_on": False}, "yuma_version = True"),
        ({"yuma_version": 4}, "yuma_version must be 2 or 3"),
        ({"alpha_values": (1, 2), "alpha_high": 3}, r"alpha_values\[1\] = 2 and alpha_high"),
        ({"max_validators": 70000}, "max_allowed_validators must be a u16"),
    ],
)
def test_from_chain_refuses_disagreeing_names(kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        yuma.YumaParams.from_chain(**kwargs)


def test_chain_state_helpers_take_the_sdk_names():
    state = chain.new_subnet(4, max_validators=2, bonds_moving_avg=975_000, yuma_version=2,
                             commit_reveal_weights_enabled=True, liquid_alpha_enabled=True)
    assert (state.max_allowed_validators, state.bonds_moving_average) == (2, 975_000)
    assert state.yuma3_on is False and state.commit_reveal_enabled is True
    assert state.liquid_alpha_on is True
    state = chain.set_hyperparameters(state, bonds_reset_enabled=True, yuma3_enabled=True,
                                      max_validators=3)
    assert state.bonds_reset_on is True and state.yuma3_on is True
    assert state.max_allowed_validators == 3
    with pytest.raises(ValueError, match="disagree"):
        chain.set_hyperparameters(state, max_validators=3, max_allowed_validators=4)
    with pytest.raises(ValueError, match="unknown hyperparameter.*rho.*known: tempo"):
        chain.set_hyperparameters(state, rho=10)


# --------------------------------------------------------------------------------------
# Permits: derived from stake where a source has none, never "all permitted"
# --------------------------------------------------------------------------------------


def test_sn15_permits_are_derived_as_the_chain_hands_them_out():
    snap = read_simulator_dump(SN15_PT)
    assert snap.permits_derived
    kw = snap.epoch_kwargs()
    permit = kw["validator_permit"]
    stake = snap.stake_rao.astype(np.int64)
    # the 64 largest non-zero stakes, by an independent count: a UID is in iff fewer than
    # 64 UIDs have more stake (no ties at the cut in this data)
    above = np.array([(stake > s).sum() for s in stake])
    assert np.array_equal(permit, (stake > 0) & (above < 64))
    assert permit.sum() == 64
    setters = snap.weights.sum(axis=1) > 0
    assert int((setters & ~permit).sum()) == 8  # what "all permitted" got wrong
    state = snap.to_chain_state()
    assert np.array_equal(state.validator_permit, permit)
    # and it matters: emission moves by about 3e-4 at most
    all_permitted = yuma.epoch(**{**kw, "validator_permit": np.ones(snap.n, bool)})
    derived = yuma.epoch(**kw)
    assert 1e-4 < np.abs(all_permitted.emission - derived.emission).max() < 1e-3


def test_stored_permits_are_kept():
    truth = _ground_truth(n=6, seed=2)
    snap = read_metagraph10(_metagraph10(truth))
    assert not snap.permits_derived
    assert np.array_equal(snap.epoch_kwargs()["validator_permit"], truth["permit"])

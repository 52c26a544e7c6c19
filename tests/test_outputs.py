"""yuma/_outputs.py: the one output checker and the one atomic writer."""

from __future__ import annotations

import os

import pytest

from yuma._outputs import FIGURE_SUFFIXES, check_output_path, write_atomic


def test_none_is_nothing_to_check():
    assert check_output_path(None, "--plot", suffixes=FIGURE_SUFFIXES) is None


@pytest.mark.parametrize(("target", "kwargs", "message"), [
    ("f.gif", {"suffixes": FIGURE_SUFFIXES}, "--x must name a .png, .pdf or .svg file"),
    ("no/such/f.csv", {}, r"--x: folder .* does not exist"),
    ("DIR", {}, "is a folder, not a file"),
    ("/proc/f.csv", {}, r"--x: cannot create a file in '/proc'"),
    ("/dev/null", {}, "exists and is not a regular file"),
    ("FILE", {"folder": True}, "exists and is not a folder"),
    ("no/such/figs", {"folder": True}, "the parent folder of .* does not exist"),
    (b"f.csv", {}, "--x must be a path"),
    ("", {}, "--x must be a non-empty path"),
])
def test_refusals_name_the_option(tmp_path, monkeypatch, target, kwargs, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("x")
    if target == "DIR":
        target = str(tmp_path)
    with pytest.raises(ValueError, match=message):
        check_output_path(target, "--x", **kwargs)
    assert sorted(os.listdir(tmp_path)) == ["FILE"]  # the probe file is gone


def test_accepts_new_files_and_folders(tmp_path):
    assert check_output_path(tmp_path / "t.CSV", "--x", suffixes=(".csv",)) == str(
        tmp_path / "t.CSV")
    assert check_output_path(tmp_path / "figs", "--x", folder=True) == str(tmp_path / "figs")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_replaces_whole_or_leaves_the_old_file(tmp_path):
    path = tmp_path / "t.txt"
    write_atomic(path, "first")
    assert path.read_text() == "first"
    write_atomic(path, lambda fh: fh.write(b"second"))
    assert path.read_bytes() == b"second"

    def fails(fh):
        fh.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomic(path, fails)
    assert path.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["t.txt"]  # no temporary file left


def test_write_atomic_refuses_a_missing_folder_and_a_folder(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        write_atomic(tmp_path / "no" / "t.txt", "x")
    with pytest.raises(ValueError, match="is a folder"):
        write_atomic(tmp_path, "x")
    assert list(tmp_path.iterdir()) == []

"""Stale numba caches are dropped when any kernel module's source changes."""

from __future__ import annotations

from pathlib import Path

import yuma
from yuma import _kernel_cache

PACKAGE = Path(yuma.__file__).resolve().parent


def test_every_module_with_cached_kernels_is_listed():
    cached = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "cache=True" in path.read_text()
    }
    assert cached == set(_kernel_cache.KERNEL_MODULES)


def _fake_package(root: Path) -> None:
    for name in _kernel_cache.KERNEL_MODULES:
        module = root / name
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text(f"# {name}\n")


def _cache_files(root: Path) -> list[Path]:
    """One numba index and data file per kernel module, and a .pyc that must stay."""
    made = []
    for name in _kernel_cache.KERNEL_MODULES:
        module = root / name
        cache = module.parent / "__pycache__"
        cache.mkdir(exist_ok=True)
        for suffix in ("f-12.py311.nbi", "f-12.py311.1.nbc"):
            path = cache / f"{module.stem}.{suffix}"
            path.write_bytes(b"cached")
            made.append(path)
    return made


def test_an_edit_to_one_kernel_module_drops_every_kernel_cache(tmp_path):
    _fake_package(tmp_path)
    keep = tmp_path / "core" / "__pycache__" / "_kernels.cpython-311.pyc"
    keep.parent.mkdir(parents=True)
    keep.write_bytes(b"pyc")
    first = _cache_files(tmp_path)
    assert _kernel_cache.drop_stale_kernel_caches(tmp_path)  # no fingerprint saved yet
    assert not any(path.exists() for path in first)
    second = _cache_files(tmp_path)
    assert not _kernel_cache.drop_stale_kernel_caches(tmp_path)  # unchanged sources
    assert all(path.exists() for path in second)
    (tmp_path / "core" / "_kernels.py").write_text("# edited\n")
    assert _kernel_cache.drop_stale_kernel_caches(tmp_path)
    assert not any(path.exists() for path in second)  # _epoch_kernel's too
    assert keep.exists()
    assert not _kernel_cache.drop_stale_kernel_caches(tmp_path)


def test_the_fingerprint_follows_the_bytes_of_each_module(tmp_path):
    _fake_package(tmp_path)
    before = _kernel_cache.kernel_fingerprint(tmp_path)
    assert _kernel_cache.kernel_fingerprint(tmp_path) == before
    (tmp_path / "sim" / "_fold_kernel.py").write_text("# edited\n")
    assert _kernel_cache.kernel_fingerprint(tmp_path) != before

"""Drop numba's cached kernels when any kernel module's source has changed.

numba keys each cached function by the modification time and size of the file that
defines it, and only that file. Our kernels call (and inline) kernels from other files:
``_epoch_kernel.py`` compiles ``_kernels.py``'s and ``_exp.py``'s functions into its own.
After an edit to ``_kernels.py`` alone, numba would load ``_epoch_kernel``'s cached
machine code with the old ``_kernels`` inside it. That happens in a source checkout (an
editable install, a ``git checkout`` of another branch), never after ``pip install``,
which rewrites every file.

So when this module is imported (``yuma/__init__.py`` imports it first, before any kernel
is compiled or loaded), :func:`drop_stale_kernel_caches`
compares a fingerprint of all the kernel modules' sources with the one saved beside the
cache; if they differ, it deletes the cache files of every kernel module, and numba
compiles afresh. It looks only at the caches numba keeps next to the sources
(``__pycache__``); a cache elsewhere (``NUMBA_CACHE_DIR``) is left to its owner.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

KERNEL_MODULES = (
    "core/_exp.py",
    "core/_kernels.py",
    "core/_epoch_kernel.py",
    "core/_sparse_kernel.py",
    "chain/_kernels.py",
    "chain/fixed.py",
    "sim/_fold_kernel.py",
    "analysis/guarantees.py",
)
"""The modules with cached numba functions, relative to the package."""

_STAMP_NAME = "yuma-kernels.sha256"


def kernel_fingerprint(package: Path) -> str:
    """SHA-256 over the kernel modules' paths and bytes (a missing module counts as empty)."""
    digest = hashlib.sha256()
    for name in KERNEL_MODULES:
        path = package / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def drop_stale_kernel_caches(package: Path | None = None) -> bool:
    """Delete the kernel modules' numba cache files if their sources changed since saved.

    Parameters
    ----------
    package : pathlib.Path, optional
        The package folder (default: this package's).

    Returns
    -------
    bool
        True if cache files were looked for and deleted (the fingerprint differed).
    """
    package = Path(__file__).resolve().parent if package is None else package
    stamp_file = package / "__pycache__" / _STAMP_NAME
    fingerprint = kernel_fingerprint(package)
    try:
        if stamp_file.read_text() == fingerprint:
            return False
    except OSError:
        pass
    for name in KERNEL_MODULES:
        module = package / name
        cache = module.parent / "__pycache__"
        for pattern in (f"{module.stem}.*.nbi", f"{module.stem}.*.nbc"):
            for path in cache.glob(pattern):
                try:
                    path.unlink()
                except OSError:
                    pass  # another process removed it, or the folder is read-only
    try:
        stamp_file.parent.mkdir(exist_ok=True)
        partial = stamp_file.with_name(f"{_STAMP_NAME}.{os.getpid()}")
        partial.write_text(fingerprint)
        partial.replace(stamp_file)  # atomic: a concurrent import reads old or new, whole
    except OSError:
        pass  # a read-only install: pip wrote every file anew, numba's own check suffices
    return True


drop_stale_kernel_caches()

"""Output files, for the library and the ``yuma`` command alike: checked, then written whole.

* :func:`check_output_path`: before any work, that an output can be written where it is
  asked for. The only sure test is to create a file there: permission bits say nothing
  for root (who may write anywhere but on read-only mounts) or for ``/proc``.
* :func:`write_atomic`: write into a temporary file beside the target, then rename it
  into place, so that a reader never sees a partial file and a failed write leaves
  nothing behind.
* :func:`save_figure`: a matplotlib figure through :func:`write_atomic`.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from typing import BinaryIO

__all__ = ["FIGURE_SUFFIXES", "check_output_path", "write_atomic", "render_figure",
           "save_figure"]

FIGURE_SUFFIXES = (".png", ".pdf", ".svg")
"""Figure formats the ``--plot`` options take (the suffix picks the format)."""


def _probe_folder(folder: str, name: str) -> None:
    """Create and remove a file in ``folder``: the only sure test that it takes writes."""
    probe = os.path.join(folder, f".yuma-write-probe-{os.getpid()}")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise ValueError(f"{name}: cannot create a file in {folder!r} ({exc.strerror})") from None
    os.close(fd)
    os.remove(probe)


def check_output_path(
    path, name: str, *, suffixes: tuple[str, ...] | None = None, folder: bool = False
) -> str | None:
    """Check, before any work starts, that an output can be written at ``path``.

    A file: ``path`` is not a folder, ends with one of ``suffixes``, and its folder exists
    and takes a new file (a probe file is created and removed: permission bits alone do
    not tell, e.g. for root or ``/proc``). A folder (``folder=True``): it is a folder that
    takes a new file, or does not exist yet and its parent takes one.

    Parameters
    ----------
    path : str or path-like or None
        The output; None (an option not given) is nothing to check.
    name : str
        Argument or option name used in error messages.
    suffixes : tuple of str, optional
        Accepted file endings (lower case), e.g. :data:`FIGURE_SUFFIXES`.
    folder : bool
        ``path`` is a folder that files will be written into.

    Returns
    -------
    str or None
        ``os.fspath(path)``; None for None.

    Raises
    ------
    ValueError
        Naming ``name`` and the problem.
    """
    if path is None:
        return None
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"{name} must be a path, got {path!r:.60}")
    text = os.fspath(path)
    if isinstance(text, bytes) or not text:
        raise ValueError(f"{name} must be a non-empty path, got {path!r:.60}")
    full = os.path.abspath(text)
    if folder:
        if os.path.exists(full):
            if not os.path.isdir(full):
                raise ValueError(f"{name}: {text!r} exists and is not a folder")
            _probe_folder(full, name)
            return text
        parent = os.path.dirname(full)
        if not os.path.isdir(parent):
            raise ValueError(f"{name}: the parent folder of {text!r} does not exist")
        _probe_folder(parent, name)
        return text
    if suffixes is not None and not text.lower().endswith(tuple(suffixes)):
        kinds = ", ".join(suffixes[:-1]) + (" or " if len(suffixes) > 1 else "") + suffixes[-1]
        raise ValueError(f"{name} must name a {kinds} file, got {text!r}")
    if os.path.isdir(full):
        raise ValueError(f"{name}: {text!r} is a folder, not a file")
    parent = os.path.dirname(full)
    if not os.path.isdir(parent):
        raise ValueError(f"{name}: folder {parent!r} does not exist")
    if os.path.exists(full) and not os.path.isfile(full):
        raise ValueError(f"{name}: {text!r} exists and is not a regular file")
    _probe_folder(parent, name)
    return text


def write_atomic(path, data: bytes | str | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    Parameters
    ----------
    path : str or path-like
        The target; its folder must exist.
    data : bytes, str or callable
        Text is written as UTF-8; a callable is given the open binary file to write into
        (``lambda fh: np.savez(fh, **arrays)``).

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If the folder of ``path`` does not exist or ``path`` is a folder (nothing written).
    """
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise ValueError(f"{target}: folder {folder!r} does not exist")
    if os.path.isdir(target):
        raise ValueError(f"{target}: is a folder, not a file")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def render_figure(fig, path, *, dpi: int = 110) -> bytes:
    """A matplotlib figure as the bytes of a file named ``path`` (its suffix is the format).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like
    dpi : int

    Returns
    -------
    bytes
    """
    buf = io.BytesIO()
    fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    fig.savefig(buf, format=fmt, dpi=dpi)
    return buf.getvalue()


def save_figure(fig, path, *, dpi: int = 110) -> None:
    """Save a matplotlib figure atomically (the suffix picks the format).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like
    dpi : int

    Returns
    -------
    None
    """
    write_atomic(path, render_figure(fig, path, dpi=dpi))

"""Output files of the subcommands: checked before any work, written atomically."""

from __future__ import annotations

import os
import tempfile

__all__ = ["FIGURE_SUFFIXES", "check_output", "write_atomic", "save_figure"]

FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def check_output(path: str | None, option: str, suffixes: tuple[str, ...]) -> None:
    """Refuse an output path with another suffix or in a folder that does not exist.

    Parameters
    ----------
    path : str or None
        The path given (None: the option was not used).
    option : str
        The option's name, for the message.
    suffixes : tuple of str
        Accepted suffixes.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        Naming the option, the path and what was expected.
    """
    if path is None:
        return
    if not path.lower().endswith(suffixes):
        raise ValueError(f"{option} must name a {' or '.join(suffixes)} file, got {path!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{option}: folder {folder!r} does not exist")


def write_atomic(path: str, data: bytes | str) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    Parameters
    ----------
    path : str
    data : bytes or str
        Text is written as UTF-8.

    Returns
    -------
    None
    """
    raw = data.encode() if isinstance(data, str) else data
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_figure(fig, path: str) -> None:
    """Save a matplotlib figure atomically (the suffix picks the format).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str

    Returns
    -------
    None
    """
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format=os.path.splitext(path)[1].lstrip(".").lower(), dpi=110)
    write_atomic(path, buf.getvalue())

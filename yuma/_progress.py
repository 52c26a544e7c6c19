r"""One progress bar for every long run: tqdm when installed, a quiet text bar otherwise.

Bars go to stderr (never stdout, which holds results). The fallback redraws one line
only when the whole percentage changes, and ends it with a newline when the run is done:

>>> import io
>>> out = io.StringIO()
>>> with Progress(4, "demo", unit="epochs", stream=out, use_tqdm=False) as bar:
...     for _ in range(4):
...         bar.update()
>>> out.getvalue().rsplit("\r", 1)[-1]
'demo [##############################] 4/4 epochs\n'
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["Progress", "progress_default", "slow_start_notice"]

_WIDTH = 30


class Progress:
    """A progress bar over ``total`` steps; does nothing when not enabled.

    Parameters
    ----------
    total : int
        Number of steps (a bar of 0 steps shows nothing).
    label : str
        Shown before the bar.
    unit : str
        What a step is, shown after the count (``"epochs"``, ``"points"``, ``"checks"``).
    enabled : bool
        False: a silent no-op, so callers need no branches.
    stream : TextIO, optional
        Where to draw (default ``sys.stderr``, looked up when the bar starts).
    use_tqdm : bool, optional
        Use tqdm (default: when it is installed).
    """

    def __init__(
        self,
        total: int,
        label: str,
        *,
        unit: str = "steps",
        enabled: bool = True,
        stream: TextIO | None = None,
        use_tqdm: bool | None = None,
    ):
        self.total = int(total)
        self.label = label
        self.unit = unit
        self.done = 0
        self.enabled = bool(enabled) and self.total > 0
        self.stream = sys.stderr if stream is None else stream
        self._shown = -1
        self._tqdm = None
        if self.enabled and use_tqdm is not False:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._tqdm = tqdm(
                    total=self.total,
                    desc=label,
                    unit=unit,
                    file=self.stream,
                    bar_format="{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                    + unit + " [{elapsed}<{remaining}]",
                )

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps.

        Parameters
        ----------
        n : int
            Steps done since the last call.

        Returns
        -------
        None
        """
        if not self.enabled or n <= 0:
            return
        self.done = min(self.total, self.done + n)
        if self._tqdm is not None:
            self._tqdm.update(n)
            return
        percent = 100 * self.done // self.total
        if percent == self._shown:
            return
        self._shown = percent
        filled = _WIDTH * self.done // self.total
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (_WIDTH - filled)}] "
            f"{self.done}/{self.total} {self.unit}"
        )
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar (a bar stopped early ends its line).

        Returns
        -------
        None
        """
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None
        elif self.enabled and 0 <= self._shown and self.done < self.total:
            self.stream.write("\n")
            self.stream.flush()
        self.enabled = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress_default(requested: bool | None, large: bool, stream: TextIO | None = None) -> bool:
    """Whether a command shows a bar: as asked, else for a large run on a terminal.

    Parameters
    ----------
    requested : bool or None
        ``--progress`` (True), ``--no-progress`` (False) or neither (None).
    large : bool
        Whether the run can take more than a few seconds.
    stream : TextIO, optional
        Where the bar would go (default ``sys.stderr``).

    Returns
    -------
    bool
    """
    if requested is not None:
        return bool(requested)
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(large and isatty is not None and isatty())


@contextmanager
def slow_start_notice(
    message: str, *, after: float = 2.0, stream: TextIO | None = None
) -> Iterator[None]:
    """Say what is happening when a one-time start (a numba compile) takes a while.

    The line goes to ``stream`` (default stderr) only when the block runs longer than
    ``after`` seconds and the stream is a terminal, so cached starts, pipes and CI logs
    stay silent.

    Parameters
    ----------
    message : str
        The line to show.
    after : float
        Seconds before it shows.
    stream : TextIO, optional
        Where to write (default ``sys.stderr``).

    Yields
    ------
    None

    Examples
    --------
    >>> import io
    >>> with slow_start_notice("compiling", after=0.0, stream=io.StringIO()):
    ...     pass
    """
    out = sys.stderr if stream is None else stream
    isatty = getattr(out, "isatty", None)
    if not (callable(isatty) and isatty()):
        yield
        return

    def say() -> None:
        print(message, file=out, flush=True)

    timer = threading.Timer(after, say)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


"""What every subcommand of ``yuma`` shares: help layout, progress options, ``--plot FILE``."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

from .._extras import require
from .._outputs import FIGURE_SUFFIXES, check_output_path, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["HelpFormatter", "subparser", "add_progress_options", "check_plot_file",
           "write_plot"]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keep the line breaks of descriptions and examples as written."""


def subparser(
    sub, name: str, summary: str, description: str, example: str
) -> argparse.ArgumentParser:
    """Add a subcommand with a one-line summary, a description and an example.

    Parameters
    ----------
    sub
        What ``argparse.ArgumentParser.add_subparsers`` returned.
    name : str
        The subcommand.
    summary : str
        One line, shown in ``yuma --help``.
    description : str
        Plain words, wrapped here, shown in ``yuma NAME --help``.
    example : str
        One command line, shown under the options.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser.
    """
    return sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, width=88, break_on_hyphens=False),
        epilog=f"example:\n  {example}",
        formatter_class=HelpFormatter,
    )


def add_progress_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--progress`` / ``--no-progress`` (default: for long runs, on a terminal).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser; ``args.progress`` is then True, False or None.

    Returns
    -------
    None
    """
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--progress", action="store_true", default=None,
                     help="show a progress bar on stderr (default: for long runs, when "
                     "stderr is a terminal)")
    bar.add_argument("--no-progress", dest="progress", action="store_false",
                     help="never show a progress bar")


def check_plot_file(path: str | None) -> None:
    """Before any work: ``--plot FILE`` needs matplotlib and a figure file it can write.

    Raises
    ------
    yuma._extras.MissingExtraError
        Without matplotlib (the message holds the install command).
    ValueError
        When ``path`` is not a writable ``.png``, ``.pdf`` or ``.svg`` file.
    """
    if path is not None:
        require("--plot", "matplotlib", extra="plot")
    check_output_path(path, "--plot", suffixes=FIGURE_SUFFIXES)


def write_plot(draw: Callable[[], Figure], path: str) -> None:
    """Draw a figure off-screen (matplotlib's Agg backend), write it to ``path``, say so."""
    import matplotlib

    matplotlib.use("Agg")
    save_figure(draw(), path)
    print(f"figure written to {path}")

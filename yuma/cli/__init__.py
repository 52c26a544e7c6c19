"""The ``yuma`` command and its subcommands.

``commands.py`` builds the parser and runs ``demo``, ``epoch``, ``scenarios``, ``simulate``
and ``guarantees``; ``compare.py`` holds ``yuma compare``.
"""

from .commands import main

__all__ = ["main"]

"""Optional dependencies: which extra brings each one, and the message when it is missing.

The core install (``pip install yuma-consensus``) needs only numpy and numba. Figures,
tables, sweeps and the invariant checks need more; each is an *extra* of the distribution
``yuma-consensus`` (the import name stays ``yuma``). A feature that needs one checks for it
before it starts work, with :func:`require`, and fails with the exact install command:

>>> install_command("plot")
'pip install "yuma-consensus[plot]"'
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

__all__ = [
    "DISTRIBUTION",
    "EXTRA_OF",
    "MissingExtraError",
    "install_command",
    "missing_modules",
    "require",
    "import_optional",
]

DISTRIBUTION = "yuma-consensus"
"""The name to install from PyPI (``yuma`` on PyPI is an unrelated package)."""

EXTRA_OF = {
    "matplotlib": "plot",
    "pandas": "pandas",
    "pyarrow": "sweep",
    "distributed": "sweep",
    "dask": "sweep",
    "hypothesis": "check",
    "tqdm": "sweep",
    "scipy": "sparse",
}
"""Importable module -> the extra of ``yuma-consensus`` that installs it."""


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message gives the install command.

    Parameters
    ----------
    message : str
        What needs what, and the command.
    modules : tuple of str
        The missing modules.
    extra : str
        The extra that installs them.
    """

    def __init__(self, message: str, modules: tuple[str, ...], extra: str):
        super().__init__(message)
        self.modules = modules
        self.extra = extra


def install_command(extra: str) -> str:
    """The command that installs an extra of the distribution.

    Parameters
    ----------
    extra : str
        The extra's name (``"plot"``, ``"pandas"``, ``"sweep"``, ``"check"``, ...).

    Returns
    -------
    str
        ``pip install "yuma-consensus[<extra>]"``.
    """
    return f'pip install "{DISTRIBUTION}[{extra}]"'


def missing_modules(*modules: str) -> tuple[str, ...]:
    """The modules among ``modules`` that cannot be imported, without importing them.

    Parameters
    ----------
    *modules : str
        Top-level module names.

    Returns
    -------
    tuple of str
        Those not found (a module set to ``None`` in :data:`sys.modules` counts as missing,
        as :mod:`importlib` treats it).
    """
    gone = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            gone.append(name)
    return tuple(gone)


def require(what: str, *modules: str, extra: str | None = None) -> None:
    """Fail before any work when an optional dependency is missing.

    Parameters
    ----------
    what : str
        The feature, as the message names it (``"yuma simulate --plot"``).
    *modules : str
        Top-level modules it needs.
    extra : str, optional
        The extra to install (default: that of the first missing module,
        :data:`EXTRA_OF`).

    Returns
    -------
    None

    Raises
    ------
    MissingExtraError
        ``"<what> needs <modules>: pip install "yuma-consensus[<extra>]""``.
    """
    gone = missing_modules(*modules)
    if gone:
        extra = extra or EXTRA_OF.get(gone[0], "all")
        raise MissingExtraError(
            f"{what} needs {' and '.join(gone)}: {install_command(extra)}", gone, extra
        )


def import_optional(module: str, what: str, *, extra: str | None = None) -> ModuleType:
    """Import an optional dependency, or fail with the install command.

    Parameters
    ----------
    module : str
        Module to import (``"matplotlib.pyplot"``); its top-level package is what is
        reported missing.
    what : str
        The feature that needs it.
    extra : str, optional
        The extra to install (default: from :data:`EXTRA_OF`).

    Returns
    -------
    types.ModuleType
        The module.

    Raises
    ------
    MissingExtraError
        When it cannot be imported.
    """
    top = module.partition(".")[0]
    extra = extra or EXTRA_OF.get(top, "all")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{what} needs {top}: {install_command(extra)}", (top,), extra
        ) from exc

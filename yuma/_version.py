"""The package's version: the one place it is written.

``pyproject.toml`` reads it (setuptools' dynamic version), :data:`yuma.__version__` and
``yuma --version`` show it, and CHANGELOG.md has a section for it.
"""

__version__ = "0.2.0"

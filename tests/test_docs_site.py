"""The documentation site (docs/): it covers the public API, and its examples run.

The build itself (``python -m sphinx -W --keep-going -b html docs docs/_build/html``, any
warning an error) runs in CI after the test suite; these tests check what a successful
build does not: that nothing public is left out, and that the tutorial's code works.
"""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest

import yuma

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
_DIRECTIVE = re.compile(r"^\.\. (automodule|currentmodule|autosummary)::\s*(\S*)")


def api_names(text: str) -> set[str]:
    """Full names listed in the autosummary tables and automodule directives of api.rst."""
    names: set[str] = set()
    module = ""
    in_table = False
    for line in text.splitlines():
        m = _DIRECTIVE.match(line)
        if m:
            kind, arg = m.groups()
            if kind == "autosummary":
                in_table = True
            else:
                module = arg
                in_table = False
                if kind == "automodule":
                    names.add(arg)
            continue
        if in_table and line.startswith("   ") and not line.strip().startswith(":"):
            entry = line.strip()
            if entry:
                names.add(entry if entry.startswith(f"{module}.") else f"{module}.{entry}")
        elif in_table and line.strip() and not line.startswith(" "):
            in_table = False
    return names


API = api_names((DOCS / "api.rst").read_text())


def test_api_parser_on_an_example():
    text = (
        ".. automodule:: yuma\n   :no-members:\n\n.. autosummary::\n\n   epoch\n   YumaParams\n"
        "\nText\n\n.. currentmodule:: yuma\n\n.. autosummary::\n   :toctree: generated\n\n"
        "   core.steps\n"
    )
    assert api_names(text) == {"yuma", "yuma.epoch", "yuma.YumaParams", "yuma.core.steps"}


@pytest.mark.parametrize("name", yuma.__all__)
def test_every_top_level_name_is_in_the_api_reference(name):
    assert f"yuma.{name}" in API, f"docs/api.rst does not list yuma.{name}"


def _public_modules() -> list[str]:
    out = []
    for info in pkgutil.walk_packages(yuma.__path__, "yuma."):
        parts = info.name.split(".")
        # yuma.cli is the command line, documented by `yuma COMMAND --help`.
        if any(p.startswith("_") for p in parts) or parts[1] == "cli":
            continue
        out.append(info.name)
    return out


PUBLIC_MODULES = _public_modules()


def test_there_are_public_modules():
    assert {"yuma.core.steps", "yuma.chain.fixed", "yuma.io.subnet"} <= set(PUBLIC_MODULES)


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_module_is_in_the_api_reference(module):
    assert module in API, f"docs/api.rst does not list {module}"


def test_every_notebook_is_in_the_notebooks_page():
    page = (DOCS / "notebooks.md").read_text()
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for stem in notebooks:
        assert f"\nnotebooks/{stem}\n" in page, f"docs/notebooks.md does not list {stem}"


PAGES = sorted([DOCS / "index.md", *(DOCS / "tutorial").glob("*.md")])
BLOCKS = [
    (page, i, block)
    for page in PAGES
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S))
]


def test_the_tutorial_has_examples():
    pages = {page.name for page, _, _ in BLOCKS}
    assert {"one_epoch.md", "simulation.md", "checking_a_change.md", "real_subnet.md"} <= pages


@pytest.mark.parametrize(
    ("page", "index", "block"), BLOCKS, ids=[f"{p.stem}-{i}" for p, i, _ in BLOCKS]
)
def test_documentation_example_runs(page, index, block, monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples read tests/data/ from the repository root
    exec(compile(block, f"{page.relative_to(ROOT)} block {index}", "exec"), {})  # noqa: S102

"""Docstrings: numpydoc "Parameters" sections match the signatures; doctests pass."""

from __future__ import annotations

import doctest
import importlib
import inspect
import re

import pytest

import yuma
from yuma.core import variants

_HEADER = re.compile(r"^(\S[^\n]*)\n-{3,}\s*$", re.MULTILINE)


def numpydoc_sections(doc: str) -> dict[str, str]:
    """Split a dedented numpydoc docstring into {section title: body}."""
    lines = doc.splitlines()
    sections: dict[str, list[str]] = {}
    current = None
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and not line.startswith(" ") and re.fullmatch(r"-{3,}", nxt.strip()):
            current = line.strip()
            sections[current] = []
            i += 2
            continue
        if current is not None:
            sections[current].append(line)
        i += 1
    return {k: "\n".join(v) for k, v in sections.items()}


def documented_parameters(doc: str) -> list[str]:
    """Names in the "Parameters" section, in order; "a, b : float" gives a and b."""
    body = numpydoc_sections(doc).get("Parameters")
    if body is None:
        return []
    names = []
    for line in body.splitlines():
        if not line.strip() or line.startswith((" ", "\t")):
            continue  # blank line or description
        head = line.split(" : ", 1)[0].strip()
        for name in head.split(","):
            name = name.strip().lstrip("*").rstrip("\\").strip()
            if name:
                names.append(name)
    return names


def signature_parameters(obj) -> list[str]:
    params = inspect.signature(obj).parameters.values()
    return [p.name for p in params if p.name not in ("self", "cls")]


def _public_functions():
    out = {}
    for name in yuma.__all__:
        obj = getattr(yuma, name)
        if inspect.isfunction(obj):
            out[f"yuma.{name}"] = obj
    for name in dir(variants):
        obj = getattr(variants, name)
        if (
            inspect.isfunction(obj)
            and not name.startswith("_")
            and obj.__module__ == variants.__name__
        ):
            out[f"yuma.variants.{name}"] = obj
    for name in yuma.core.steps.__all__:
        obj = getattr(yuma.steps, name)
        if inspect.isfunction(obj):
            out[f"yuma.steps.{name}"] = obj
    out["yuma.YumaParams.from_chain"] = yuma.YumaParams.from_chain
    return out


PUBLIC_FUNCTIONS = _public_functions()
# The variants' step functions, by the field of a built-in variant that holds them.
VARIANT_STEPS = {
    f"{v.name}.{field}": getattr(v, field)
    for v in (yuma.YUMA2, yuma.YUMA2_LIQUID_ALPHA_V1, yuma.YUMA3)
    for field in (
        "consensus",
        "clip",
        "weights_for_bonds",
        "load_bonds",
        "update_bonds",
        "store_bonds",
        "dividends",
        "emission_split",
    )
}


def test_there_are_public_functions_to_check():
    for name in ("yuma.epoch", "yuma.weighted_median_col", "yuma.variants.yuma3_update_bonds"):
        assert name in PUBLIC_FUNCTIONS


@pytest.mark.parametrize("qualname", sorted(PUBLIC_FUNCTIONS))
def test_parameters_section_matches_signature(qualname):
    fn = PUBLIC_FUNCTIONS[qualname]
    doc = inspect.getdoc(fn)
    assert doc, f"{qualname} has no docstring"
    sig = signature_parameters(fn)
    documented = documented_parameters(doc)
    if sig:
        assert "Parameters" in numpydoc_sections(doc), f"{qualname}: no Parameters section"
    assert len(documented) == len(set(documented)), f"{qualname}: duplicates {documented}"
    assert documented == sig, f"{qualname}: documents {documented}, signature has {sig}"


@pytest.mark.parametrize("qualname", sorted(PUBLIC_FUNCTIONS))
def test_numpydoc_summary_and_returns(qualname):
    fn = PUBLIC_FUNCTIONS[qualname]
    doc = inspect.getdoc(fn)
    summary = doc.split("\n\n", 1)[0]
    assert summary.strip() and "\n" not in summary.strip(), f"{qualname}: summary not one line"
    sections = numpydoc_sections(doc)
    assert "Returns" in sections, f"{qualname}: no Returns section"


@pytest.mark.parametrize("field", sorted(VARIANT_STEPS))
def test_variant_step_functions_are_documented(field):
    fn = VARIANT_STEPS[field]
    doc = inspect.getdoc(fn)
    if doc is None:
        pytest.fail(f"{field}: {fn.__name__} has no docstring")
    assert documented_parameters(doc) == signature_parameters(fn), field


@pytest.mark.parametrize("cls", [yuma.YumaParams, yuma.Variant])
def test_class_parameters_match_fields(cls):
    documented = documented_parameters(inspect.getdoc(cls))
    assert documented == signature_parameters(cls), cls.__name__


def test_parser_on_examples():
    doc = inspect.cleandoc(
        """Summary.

        Parameters
        ----------
        x : float
            Text with a colon: here.
        alpha_low, alpha_high : float
            Range.
        flag
            No type.
        *args : tuple

        Returns
        -------
        y : float
        """
    )
    assert documented_parameters(doc) == ["x", "alpha_low", "alpha_high", "flag", "args"]
    assert set(numpydoc_sections(doc)) == {"Parameters", "Returns"}


DOCTEST_MODULES = [
    "yuma.ops", "yuma.steps", "yuma.params", "yuma.epoch", "yuma.analysis.influence",
    "yuma._extras", "yuma._progress", "yuma._table",
]
OTHER_MODULES = ["yuma", "yuma.result", "yuma.variants"]


@pytest.mark.parametrize("module", DOCTEST_MODULES + OTHER_MODULES)
def test_doctests(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{module}: {result.failed} doctest(s) failed"
    if module in DOCTEST_MODULES:
        assert result.attempted > 0, f"{module} has no doctest examples"

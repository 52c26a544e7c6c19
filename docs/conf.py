"""Sphinx configuration of the yuma documentation.

Build: ``python -m pip install ".[docs]"`` then, from the repository root,
``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (CI runs exactly that;
any warning fails it).

* API pages: autosummary over the public modules, docstrings read by numpydoc. Every
  object is documented once, where it is defined (``yuma.core.run_epoch.epoch``); a
  reference to a re-exported name (``yuma.epoch``, ``yuma.io.EpochSnapshot``) is resolved
  to that place by :func:`_resolve_reexport` below.
* Notebooks: ``notebooks/*.ipynb`` are copied into ``docs/notebooks/`` (generated, not
  committed) and rendered by myst-nb. A notebook that already holds its outputs (CI
  executes them with ``pytest --nbmake --overwrite`` before building the docs) is rendered
  as it is; one without is executed during the build, with a time limit per cell.
  ``YUMA_DOCS_EXECUTE=off`` renders them without outputs (a quick build).
"""

from __future__ import annotations

import importlib
import inspect
import os
import shutil
import sys
import warnings
from pathlib import Path

import nbformat

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the working tree when building from a clone (the CI build, from a copy of the
# repository without yuma/, documents the installed wheel instead).
if (ROOT / "yuma" / "__init__.py").is_file():
    sys.path.insert(0, str(ROOT))
    # The notebooks' kernels too.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )

import yuma  # noqa: E402

project = "yuma"
author = "yuma developers"
copyright = "yuma developers, MIT license"  # Sphinx reads this name
version = release = yuma.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "notebooks/_build.py"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# Every cross-reference must resolve: a misspelt :func: or a stale "See Also" fails the build.
nitpicky = True
# No intersphinx: CI builds without network access, so the inventories of Python, NumPy and
# the other packages cannot be fetched. The names of those packages, which the docstrings
# and annotations mention, are left unlinked; each pattern below matches only names outside
# this package.
nitpick_ignore_regex = [
    # Python's builtins and standard library, as they appear in annotations.
    (r"py:.*", r"(int|float|bool|str|bytes|complex|object|type|None|Ellipsis|tuple|list|dict"
     r"|set|frozenset|slice|range|callable|iterable|sequence|mapping|optional)"),
    (r"py:.*", r"(builtins|collections|collections\.abc|typing|typing_extensions|os|pathlib"
     r"|io|concurrent\.futures|dataclasses|enum|numbers|types|random|multiprocessing"
     r"|json|zipfile|pickle|functools|itertools|math|warnings|threading)\..*"),
    (r"py:.*", r"(Any|Callable|Iterable|Iterator|Sequence|Mapping|MutableMapping|Literal|Union"
     r"|Optional|TypeVar|Generator|Hashable|Path|PathLike|Self|ClassVar|Final|NamedTuple"
     r"|TypeAlias|Protocol|Collection|Generic|Enum|IntEnum|Exception|ValueError|TypeError"
     r"|ImportError|KeyError|AttributeError|RuntimeError|OverflowError|NotImplemented)"),
    (r"py:.*", r"(T|_T|.*_co|P|R|F)"),  # type variables
    # NumPy, numba and the optional packages.
    (r"py:.*", r"(np|numpy|numpy\.typing|npt|numba|pandas|pd|matplotlib|plt|hypothesis|st"
     r"|dask|distributed|pyarrow|tqdm|scipy|torch|bittensor)(\..*)?"),
    (r"py:.*", r"(ndarray|NDArray|ArrayLike|DTypeLike|DataFrame|Figure|Axes|SearchStrategy"
     r"|Client|SeedSequence|Generator|dtype|floating|integer|float64|int64|uint64|uint16"
     r"|bool_)"),
]

# numpydoc: the sections of every docstring are parsed; class members are listed by the
# autosummary templates (docs/_templates), not by numpydoc.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# Structural checks of every docstring, reported as warnings (so they fail the build):
# GL06 unknown section, GL07 sections out of order, GL08 no docstring, PR02 a documented
# parameter the signature does not have, PR10 "name: type" without the space.
numpydoc_validation_checks = {"GL06", "GL07", "GL08", "PR02", "PR10"}
numpydoc_validation_exclude = {
    r"\.(settings|HealthCheck|Phase|Verbosity)$",  # Hypothesis' classes, imported
    r"\.YUMA\w*$",  # Variant instances: their docstring is the class's, with its fields
    r"\.CATALOGUE$",  # a mapping, documented by the string below it, which GL08 does not read
}

# numpydoc parses the docstrings of imported third-party classes too (Hypothesis'
# ``settings``), and warns about their non-numpydoc sections; not ours to fix.
warnings.filterwarnings(
    "ignore", message=r"Unknown section .* in .*site-packages", category=UserWarning
)

autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
autodoc_preserve_defaults = True
add_module_names = False

html_theme = "pydata_sphinx_theme"
html_title = f"yuma {release}"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# Notebooks: see the module docstring.
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True


def _copy_notebooks() -> list[str]:
    """Copy notebooks/*.ipynb into docs/notebooks; return those already executed."""
    source, target = ROOT / "notebooks", DOCS / "notebooks"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir()
    executed = []
    for path in sorted(source.glob("*.ipynb")):
        shutil.copy2(path, target / path.name)
        nb = nbformat.read(path, as_version=4)
        if any(c.get("execution_count") for c in nb.cells if c.cell_type == "code"):
            executed.append(f"notebooks/{path.name}")
    return executed


_executed = _copy_notebooks()
nb_execution_mode = os.environ.get("YUMA_DOCS_EXECUTE", "force")
nb_execution_excludepatterns = _executed


def _yuma_module_names() -> list[str]:
    return sorted(name for name in sys.modules if name == "yuma" or name.startswith("yuma."))


def _lookup(dotted: str) -> object | None:
    """The object named ``dotted`` (a module or an attribute path), or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _definitions(target: str) -> list[str]:
    """Where a re-exported name may be documented.

    Where it is defined, then every yuma module holding the same object under that name.
    """
    obj = _lookup(target)
    if obj is None:
        return []
    name = target.rsplit(".", 1)[-1]
    places = []
    if inspect.ismodule(obj):
        places.append(obj.__name__)
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        places.append(f"{module}.{qualname}")
    for mod_name in _yuma_module_names():
        if getattr(sys.modules[mod_name], name, None) is obj:
            places.append(f"{mod_name}.{name}")
    return [p for p in dict.fromkeys(places) if p != target]


def _candidates(node) -> list[str]:
    """Full names a reference may mean: in its class, its module, the module's packages."""
    target = node["reftarget"]
    module, cls = node.get("py:module"), node.get("py:class")
    names = []
    if module and cls:
        names.append(f"{module}.{cls}.{target}")
    while module:
        names.append(f"{module}.{target}")
        module = module.rpartition(".")[0]
    names.append(target)
    return [name for name in names if name.startswith("yuma")]


def _resolve_reexport(app, env, node, contnode):
    """Resolve a reference that Sphinx cannot (the missing-reference event).

    * A re-exported name (``yuma.epoch``, or ``new_subnet`` inside :mod:`yuma.chain`) is
      resolved to the place that documents it (``yuma.core.run_epoch.epoch``).
    * A field of a dataclass (``yuma.EpochResult.bonds``), which its class's "Attributes"
      section describes, links to the class.

    A name that exists nowhere stays unresolved, so nitpicky mode still reports it.
    """
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")

    def resolve(place: str):
        new = node.deepcopy()
        new["reftarget"] = place
        new["refspecific"] = False
        new["py:module"] = None
        new["py:class"] = None
        found = domain.resolve_any_xref(env, node["refdoc"], app.builder, place, new, contnode)
        return found[0][1] if found else None

    candidates = _candidates(node)
    for candidate in candidates:
        for place in _definitions(candidate):
            found = resolve(place)
            if found is not None:
                return found
    for candidate in candidates:
        owner_name, _, attr = candidate.rpartition(".")
        owner = _lookup(owner_name)
        if inspect.isclass(owner) and (
            attr in getattr(owner, "__dataclass_fields__", {}) or hasattr(owner, attr)
        ):
            for place in [owner_name, *_definitions(owner_name)]:
                found = resolve(place)
                if found is not None:
                    return found
    return None


def _keep_no_signature(app, what, name, obj, options, signature, return_annotation):
    """Keep "no signature" for an object without one (a type alias such as ``Bits``).

    numpydoc's own handler returns ``("", "")`` there, which Sphinx 9 then writes into an
    empty list of signatures (IndexError). ``(None, None)`` stops the handlers and is
    ignored by Sphinx.
    """
    return (None, None) if signature is None else None


def setup(app):  # noqa: D103 (Sphinx calls it)
    app.connect("missing-reference", _resolve_reexport)
    app.connect("autodoc-process-signature", _keep_no_signature, priority=100)

"""The package's shape: no import circles, imports pointing down the layers, old paths alive.

The import graph is read statically from every module of ``yuma/`` (module-level and
function-level imports alike: a lazy import is still an edge), and every module is also
imported on its own in a fresh interpreter.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import yuma
from yuma import _legacy

PACKAGE_DIR = Path(yuma.__file__).parent

# Each part, in the order imports may point: a module imports only from its own part or
# from parts listed before it.
LAYERS = [
    ("base", ("yuma._version", "yuma._extras", "yuma._outputs", "yuma._progress", "yuma._table",
              "yuma._registry", "yuma._validation", "yuma.params", "yuma.result", "yuma.ops")),
    ("chain", ("yuma.chain",)),
    ("core", ("yuma.core",)),
    ("economics", ("yuma.economics",)),
    ("io", ("yuma.io",)),
    ("sim", ("yuma.sim",)),
    ("testing", ("yuma.testing",)),
    ("analysis", ("yuma.analysis",)),
    ("cli", ("yuma.cli", "yuma.__main__")),
    ("top", ("yuma", "yuma._legacy")),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def layer_of(module: str) -> int:
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    assert best is not None, f"{module} belongs to no layer of tests/test_layout.py"
    return best


def _resolve(module: str, node: ast.ImportFrom) -> str:
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")
    if node.level:
        base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> set[str]:
    """Every ``yuma`` module that ``module`` imports, anywhere in its code."""
    tree = ast.parse(MODULES[module].read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node) if node.level else (node.module or "")
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: imports_of(m) for m in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the directed graph as a list of nodes, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_graph_sees_relative_and_lazy_imports():
    assert "yuma.core.steps" in GRAPH["yuma.core.variants"]  # from . import steps
    assert "yuma.ops" in GRAPH["yuma.core.variants"]  # from .. import ops
    assert "yuma.chain.fixed" in GRAPH["yuma.core.fixed_path"]


def test_no_import_cycle():
    cycle = find_cycle(GRAPH)
    assert cycle is None, " -> ".join(cycle)


def test_imports_point_down_the_layers():
    wrong = [
        f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
        for a, targets in GRAPH.items()
        for b in targets
        if layer_of(b) > layer_of(a)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_chain_port_stands_on_the_base_alone():
    for module, targets in GRAPH.items():
        if layer_of(module) == 1:
            assert {layer_of(t) for t in targets} <= {0, 1}, module


def _import_alone(module: str) -> tuple[str, int, str]:
    proc = subprocess.run(
        [sys.executable, "-c", f"import importlib; importlib.import_module({module!r})"],
        capture_output=True, text=True, timeout=300,
    )
    return module, proc.returncode, proc.stderr[-2000:]


def test_every_module_imports_alone_in_a_fresh_interpreter():
    skip = {"yuma.__main__"}  # running it is the command itself (tests/test_result_and_cli.py)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_import_alone, sorted(set(MODULES) - skip)))
    failed = [f"{m}: {err}" for m, rc, err in results if rc != 0]
    assert not failed, "\n".join(failed)


# --- the old flat module paths -------------------------------------------------------


@pytest.mark.parametrize("old, new", sorted(_legacy.MOVED_MODULES.items()))
def test_old_module_path_is_the_new_module(old, new):
    assert importlib.import_module(old) is importlib.import_module(new)
    assert sys.modules[old] is sys.modules[new]


def test_old_paths_named_like_functions_keep_the_functions():
    code = (
        "import yuma.epoch, yuma.simulate, yuma\n"
        "from yuma.epoch import epoch\n"
        "from yuma.simulate import Simulation, simulate\n"
        "assert yuma.epoch is epoch and callable(yuma.epoch)\n"
        "assert yuma.simulate is simulate and callable(yuma.simulate)\n"
        "import yuma.fixed as fx, yuma.plot, yuma.compare\n"
        "assert fx is yuma.chain.fixed and yuma.plot.run_variants\n"
        "assert yuma.compare.variant is yuma.variant\n"
        "from yuma.chain import chain_epoch_from_float\n"
        "assert chain_epoch_from_float is yuma.chain_epoch_from_float\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_public_names_of_the_package_are_unchanged():
    # The names `import yuma` offered before the folders (0.1.0), every one still there.
    before = {
        "epoch", "EpochResult", "YumaParams", "Variant", "VARIANTS", "YUMA2",
        "YUMA2_LIQUID_ALPHA_V1", "YUMA3", "register_variant", "variant", "compare",
        "normalize", "row_normalize", "col_normalize", "col_max_upscale", "vecdiv", "is_topk",
        "is_topk_nonzero", "stake_weights", "validator_permits", "activity_mask",
        "active_stake", "weight_mask", "mask_weights", "weighted_median",
        "weighted_median_col", "consensus", "col_clip", "validator_trust", "rank",
        "incentive", "trust", "weights_for_bonds", "bond_entries", "bonds_reset_mask",
        "alpha_sigmoid", "liquid_alpha_v1", "load_bonds_yuma2", "store_bonds_yuma2",
        "bonds_ema_yuma2", "mat_ema", "mat_ema_alpha", "dividends_yuma2", "dividends_yuma3",
        "emission_split", "Simulation", "Scenario", "BondReset", "StakeChange", "Inactive",
        "MinerJoin", "MinerLeave", "WeightCopier", "CATALOGUE", "metrics", "simulate",
        "get_scenario", "list_scenarios", "economics", "chain", "fixed", "null", "mechanisms",
        "guarantees", "sweep", "ChainState", "ChainEpochOutput", "chain_epoch",
        "chain_epoch_from_float",
    }
    assert before <= set(yuma.__all__)
    missing = [name for name in before if not hasattr(yuma, name)]
    assert not missing


def test_no_subpackage_shadows_a_public_function():
    for name in yuma.__all__:
        obj = getattr(yuma, name)
        if callable(obj) and not isinstance(obj, type):
            assert f"yuma.{name}" not in MODULES or f"yuma.{name}" in _legacy.MOVED_MODULES, name

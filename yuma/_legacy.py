"""Old module paths, kept working as aliases of the modules' new homes.

Until 0.2 every module sat flat under ``yuma/``; the parts now live in folders. ``import
yuma.fixed`` or ``from yuma.simulate import Simulation`` still work: each old path is an
alias of the same module object (so monkeypatching one patches the other). The aliases are
listed in CHANGELOG.md and will be removed in 0.4.
"""

from __future__ import annotations

import importlib
import sys

MOVED_MODULES = {
    "yuma.epoch": "yuma.core.run_epoch",
    "yuma.steps": "yuma.core.steps",
    "yuma.variants": "yuma.core.variants",
    "yuma.reference": "yuma.core.reference",
    "yuma.mechanisms": "yuma.core.mechanisms",
    "yuma.fixed": "yuma.chain.fixed",
    "yuma.null": "yuma.chain.null",
    "yuma.scenarios": "yuma.sim.scenarios",
    "yuma.simulate": "yuma.sim.simulation",
    "yuma.metrics": "yuma.sim.metrics",
    "yuma.plot": "yuma.sim.plot",
    "yuma.guarantees": "yuma.analysis.guarantees",
    "yuma.sweep": "yuma.analysis.sweep",
    "yuma.compare": "yuma.analysis.compare",
    "yuma.snapshot": "yuma.io.snapshot",
}
"""Old module path -> the module it now names."""

_FUNCTIONS_NAMED_LIKE_MODULES = ("yuma.epoch", "yuma.simulate")


def install_moved_modules() -> None:
    """Register every old path in ``sys.modules``; set the package attributes that are free.

    ``yuma.epoch`` and ``yuma.simulate`` stay the public functions; ``from yuma.epoch import
    epoch`` still finds the module through ``sys.modules``.
    """
    package = sys.modules["yuma"]
    for old, new in MOVED_MODULES.items():
        module = importlib.import_module(new)
        sys.modules.setdefault(old, module)
        if old not in _FUNCTIONS_NAMED_LIKE_MODULES:
            setattr(package, old.rpartition(".")[2], module)
    chain = sys.modules["yuma.chain"]
    if not hasattr(chain, "chain_epoch_from_float"):
        # It moved to yuma.core.fixed_path; yuma.chain.chain_epoch_from_float stays an alias.
        from .core.fixed_path import chain_epoch_from_float

        vars(chain)["chain_epoch_from_float"] = chain_epoch_from_float

"""yuma: the math of Bittensor's Yuma consensus over dense NumPy arrays.

The main entry point is :func:`epoch`; its steps are public pure functions (see
:mod:`yuma.core.steps` and :mod:`yuma.ops`), each mirrored slowly in
:mod:`yuma.core.reference`. The package's parts, each a folder:

==================  ===========================================================================
``core/``           the float epoch: inputs, steps, variants, fused kernels, reference twin
``chain/``          the chain's fixed-point epoch bit for bit: arithmetic, state, Null consensus
``economics/``      network economics: block emission, coinbase, delegation, root, registration
``io/``             snapshots in and out, nothing that executes code
``sim/``            many epochs: scenarios, simulate, metrics, figures
``testing/``        Hypothesis strategies, the invariant catalogue, ``check_variant``
``analysis/``       consensus guarantees, sweeps, comparing a variant with a baseline
``cli/``            the ``yuma`` command
==================  ===========================================================================

``params.py``, ``result.py``, ``ops.py`` and ``_validation.py`` are the small blocks every
part uses. Imports point down this list only (tests/test_layout.py checks it).
"""

# _kernel_cache first: it drops numba's caches of changed kernels before any kernel loads.
from . import _kernel_cache, chain, economics, io  # noqa: F401
from ._legacy import install_moved_modules
from ._version import __version__
from .analysis import compare, guarantees, sweep
from .chain import ChainEpochOutput, ChainState, chain_epoch, fixed, null
from .core import mechanisms
from .core.batch import EpochBatchResult, epoch_batch
from .core.fixed_path import chain_epoch_from_float
from .core.run_epoch import epoch
from .core.steps import (
    active_stake,
    activity_mask,
    alpha_sigmoid,
    bond_entries,
    bonds_ema_yuma2,
    bonds_reset_mask,
    col_clip,
    consensus,
    dividends_yuma2,
    dividends_yuma3,
    emission_split,
    incentive,
    liquid_alpha_v1,
    load_bonds_yuma2,
    mask_weights,
    mat_ema,
    mat_ema_alpha,
    rank,
    stake_weights,
    store_bonds_yuma2,
    trust,
    validator_permits,
    validator_trust,
    weight_mask,
    weighted_median,
    weighted_median_col,
    weights_for_bonds,
)
from .core.variants import (
    VARIANTS,
    YUMA2,
    YUMA2_LIQUID_ALPHA_V1,
    YUMA3,
    Variant,
    register_variant,
    variant,
)
from .ops import (
    col_max_upscale,
    col_normalize,
    is_topk,
    is_topk_nonzero,
    normalize,
    row_normalize,
    vecdiv,
)
from .params import YumaParams
from .result import EpochResult
from .sim import metrics
from .sim.copy_risk import copy_risk
from .sim.replay import replay
from .sim.scenarios import (
    CATALOGUE,
    BondReset,
    Inactive,
    MinerJoin,
    MinerLeave,
    Scenario,
    StakeChange,
    WeightCopier,
    get_scenario,
    list_scenarios,
)
from .sim.simulation import Simulation, simulate

install_moved_modules()

__all__ = [
    "__version__",
    "epoch",
    "epoch_batch",
    "EpochResult",
    "EpochBatchResult",
    "YumaParams",
    "Variant",
    "VARIANTS",
    "YUMA2",
    "YUMA2_LIQUID_ALPHA_V1",
    "YUMA3",
    "register_variant",
    "variant",
    "compare",
    "normalize",
    "row_normalize",
    "col_normalize",
    "col_max_upscale",
    "vecdiv",
    "is_topk",
    "is_topk_nonzero",
    "stake_weights",
    "validator_permits",
    "activity_mask",
    "active_stake",
    "weight_mask",
    "mask_weights",
    "weighted_median",
    "weighted_median_col",
    "consensus",
    "col_clip",
    "validator_trust",
    "rank",
    "incentive",
    "trust",
    "weights_for_bonds",
    "bond_entries",
    "bonds_reset_mask",
    "alpha_sigmoid",
    "liquid_alpha_v1",
    "load_bonds_yuma2",
    "store_bonds_yuma2",
    "bonds_ema_yuma2",
    "mat_ema",
    "mat_ema_alpha",
    "dividends_yuma2",
    "dividends_yuma3",
    "emission_split",
    "Simulation",
    "Scenario",
    "BondReset",
    "StakeChange",
    "Inactive",
    "MinerJoin",
    "MinerLeave",
    "WeightCopier",
    "CATALOGUE",
    "metrics",
    "simulate",
    "replay",
    "copy_risk",
    "io",
    "get_scenario",
    "list_scenarios",
    "economics",
    "chain",
    "fixed",
    "null",
    "mechanisms",
    "guarantees",
    "sweep",
    "ChainState",
    "ChainEpochOutput",
    "chain_epoch",
    "chain_epoch_from_float",
]

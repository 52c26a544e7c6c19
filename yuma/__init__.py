"""yuma: the math of Bittensor's Yuma consensus over dense NumPy arrays.

The main entry point is :func:`epoch`; its steps are public pure functions (see
:mod:`yuma.steps` and :mod:`yuma.ops`), each mirrored slowly in :mod:`yuma.reference`.
"""

from . import chain, economics, fixed, mechanisms, metrics, null
from .chain import ChainEpochOutput, ChainState, chain_epoch, chain_epoch_from_float
from .epoch import epoch
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
from .scenarios import (
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
from .simulate import Simulation, simulate
from .steps import (
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
from .variants import VARIANTS, YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3, Variant, register_variant

__version__ = "0.1.0"

__all__ = [
    "epoch",
    "EpochResult",
    "YumaParams",
    "Variant",
    "VARIANTS",
    "YUMA2",
    "YUMA2_LIQUID_ALPHA_V1",
    "YUMA3",
    "register_variant",
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
    "get_scenario",
    "list_scenarios",
    "economics",
    "chain",
    "fixed",
    "null",
    "mechanisms",
    "ChainState",
    "ChainEpochOutput",
    "chain_epoch",
    "chain_epoch_from_float",
]


# Consensus guarantees at scale (issue 6): Monte Carlo retention maps and grid sweeps.
from . import guarantees, sweep  # noqa: E402

__all__ += ["guarantees", "sweep"]

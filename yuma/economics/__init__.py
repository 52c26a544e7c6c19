r"""Network economics of Bittensor: emission, its split, delegation, root network, registration.

Pure functions over integers (rao as Python ``int`` or ``uint64`` arrays; proportions as
``u16`` of 65535 or ``u64`` of ``u64::MAX``), following the chain
(``opentensor/subtensor``) step by step, fixed-point rounding included:

=========================================  ==============================================
:mod:`~yuma.economics.emission`            block emission from issuance, halvings,
                                           issuance projection (``block_emission.rs``)
:mod:`~yuma.economics.coinbase`            subnet shares, pool injection, per-block alpha
                                           split, epoch distribution (``run_coinbase.rs``,
                                           ``subnet_emissions.rs``)
:mod:`~yuma.economics.delegation`          validator take, nominators, childkeys
:mod:`~yuma.economics.root`                the root network's ``root_epoch`` (before dTAO)
:mod:`~yuma.economics.registration`        subnet lock cost, immunity, pruning
=========================================  ==============================================

Every split returns amounts that add up exactly to its input; what flooring (or a pot
that cannot be handed out) leaves over is returned as ``remainder``, and each docstring
says where the chain leaves it.

Examples
--------
>>> from yuma import economics as ec
>>> ec.block_emission(0), ec.block_emission(15_750_000 * ec.RAO_PER_TAO)
(1000000000, 250000000)
>>> s = ec.subnet_block_split(1_000_000_000, blocks=360)
>>> s.owner_cut + s.server + s.validator + s.root + s.root_recycled + s.remainder
360000000000
"""

from .coinbase import (
    DEFAULT_SUBNET_OWNER_CUT,
    BlockSplit,
    EmissionDistribution,
    Injection,
    SubnetEmissions,
    distribute_emission,
    price_shares,
    root_proportion,
    root_sell_flag,
    split_dividends,
    subnet_block_emissions,
    subnet_block_split,
    subnet_injection,
)
from .delegation import (
    DEFAULT_CHILDKEY_TAKE,
    DEFAULT_CK_BURN,
    DEFAULT_DELEGATE_TAKE,
    DEFAULT_TAO_WEIGHT,
    MAX_CHILDKEY_TAKE,
    MAX_DELEGATE_TAKE,
    MIN_CHILDKEY_TAKE,
    MIN_DELEGATE_TAKE,
    ChildkeySplit,
    NominatorSplit,
    TakeSplit,
    childkey_split,
    hotkey_take,
    nominator_split,
    take_fixed,
    tao_weight_fixed,
)
from .emission import (
    BLOCK_TIME_SECONDS,
    BLOCKS_PER_YEAR,
    DEFAULT_BLOCK_EMISSION,
    RAO_PER_TAO,
    TOTAL_SUPPLY,
    Halving,
    IssuanceProjection,
    block_emission,
    halving_schedule,
    project_issuance,
)
from .registration import (
    IMMUNE_OWNER_UIDS_LIMIT,
    IMMUNITY_PERIOD,
    MIN_NON_IMMUNE_UIDS,
    NETWORK_LOCK_REDUCTION_INTERVAL,
    NETWORK_MIN_LOCK_COST,
    LockRegistration,
    immune_owner_uids,
    lock_reduction_interval,
    network_lock_cost,
    neuron_is_immune,
    neuron_to_prune,
    simulate_lock_costs,
)
from .root import ROOT_KAPPA, ROOT_RHO, RootEpochResult, root_epoch

__all__ = [
    # emission
    "RAO_PER_TAO",
    "TOTAL_SUPPLY",
    "DEFAULT_BLOCK_EMISSION",
    "BLOCK_TIME_SECONDS",
    "BLOCKS_PER_YEAR",
    "Halving",
    "IssuanceProjection",
    "block_emission",
    "halving_schedule",
    "project_issuance",
    # coinbase
    "DEFAULT_SUBNET_OWNER_CUT",
    "BlockSplit",
    "SubnetEmissions",
    "Injection",
    "EmissionDistribution",
    "root_proportion",
    "root_sell_flag",
    "price_shares",
    "subnet_block_emissions",
    "subnet_injection",
    "subnet_block_split",
    "split_dividends",
    "distribute_emission",
    # delegation
    "DEFAULT_DELEGATE_TAKE",
    "MIN_DELEGATE_TAKE",
    "MAX_DELEGATE_TAKE",
    "DEFAULT_CHILDKEY_TAKE",
    "MIN_CHILDKEY_TAKE",
    "MAX_CHILDKEY_TAKE",
    "DEFAULT_CK_BURN",
    "DEFAULT_TAO_WEIGHT",
    "TakeSplit",
    "NominatorSplit",
    "ChildkeySplit",
    "tao_weight_fixed",
    "take_fixed",
    "hotkey_take",
    "nominator_split",
    "childkey_split",
    # root network
    "ROOT_RHO",
    "ROOT_KAPPA",
    "RootEpochResult",
    "root_epoch",
    # registration
    "NETWORK_MIN_LOCK_COST",
    "NETWORK_LOCK_REDUCTION_INTERVAL",
    "IMMUNITY_PERIOD",
    "MIN_NON_IMMUNE_UIDS",
    "IMMUNE_OWNER_UIDS_LIMIT",
    "LockRegistration",
    "lock_reduction_interval",
    "network_lock_cost",
    "simulate_lock_costs",
    "neuron_is_immune",
    "immune_owner_uids",
    "neuron_to_prune",
]

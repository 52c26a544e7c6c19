r"""The chain's own epoch, bit for bit: fixed-point arithmetic, chain storage, Null consensus.

A port of ``opentensor/subtensor``'s epoch in the chain's arithmetic; it depends only on
:mod:`yuma.params`-level blocks, never on the float epoch.

=================  ==========================================================================
``fixed.py``       ``I32F32`` / ``I64F64`` / ``I96F32`` arithmetic as raw bits, the chain's
                   ``exp``, sigmoid and weighted median (``_kernels.py``: their numba loops)
``state.py``       :class:`ChainState` (stake in rao, u16 weight and bond rows, blocks,
                   hyperparameters as integers) and the helpers that evolve it
``run_epoch.py``   :func:`chain_epoch`: ``epoch_mechanism`` over a state, every stored output
``null.py``        Null consensus (``epoch_consensus = 1``) and exact apportionment
=================  ==========================================================================

:func:`yuma.chain_epoch_from_float` (in :mod:`yuma.core.fixed_path`) runs this epoch on the
float inputs of :func:`yuma.epoch`.

Example: the chain's ``test_1_graph`` (one neuron, a self-weight only):

>>> from yuma import chain
>>> s = chain.new_subnet(0, block=1, yuma3_on=False)
>>> s = chain.register(s, stake=1_000_000_000)
>>> s = chain.set_weights(s, 0, [0], [65535])
>>> out, s = chain.chain_epoch(s, 1_000_000_000, record_step=False)
>>> out.consensus.tolist(), out.incentive.tolist(), out.dividends.tolist()
([0], [0], [0])
>>> out.validator_emission.tolist()
[1000000000]
"""

from . import fixed, null
from .run_epoch import ChainEpochOutput, ChainIntermediates, chain_epoch
from .state import (
    U64_MAX,
    ChainState,
    activity_cutoff_blocks,
    advance,
    bond_cutoff_block,
    new_subnet,
    register,
    reset_bonds,
    set_epoch_consensus,
    set_hyperparameters,
    set_stake,
    set_validator_permit,
    set_weights,
)

__all__ = [
    "ChainState",
    "ChainEpochOutput",
    "ChainIntermediates",
    "chain_epoch",
    "new_subnet",
    "register",
    "set_weights",
    "set_stake",
    "set_hyperparameters",
    "set_validator_permit",
    "reset_bonds",
    "advance",
    "activity_cutoff_blocks",
    "bond_cutoff_block",
    "set_epoch_consensus",
    "U64_MAX",
    "fixed",
    "null",
]

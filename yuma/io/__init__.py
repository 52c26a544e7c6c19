"""Input and output: subnets as the ecosystem writes them, and the library's own snapshots.

Nothing here imports the Bittensor SDK or torch, and nothing runs code found in a file:

* :mod:`yuma.io.snapshot`: one epoch's inputs and their labels (hotkeys, netuid, block,
  stake unit, the chain's stored outputs) as ``.npz`` or JSON, written atomically;
  :func:`read_snapshot` reads those and simulator dumps into an :class:`EpochSnapshot`
  (``yuma epoch FILE``).

* :mod:`yuma.io.torch_pickle`: zip-format ``torch.save`` files holding NumPy arrays, read
  by an unpickler that resolves only NumPy's array reconstruction
  (:func:`load_torch_pickle`).
* :mod:`yuma.io.metagraph`: duck-typed readers of the ``bittensor`` 10.x ``Metagraph``
  (array attributes, NumPy or torch) and the 11.x ``Metagraph`` (one record per UID, with
  weights, bonds and hyperparameters read separately), and of the simulator's dumps
  (:func:`read_metagraph`, :func:`read_metagraph10`, :func:`read_metagraph11`,
  :func:`read_simulator_dump`, :func:`chain_hyperparameters`).
* :mod:`yuma.io.subnet`: :class:`SubnetSnapshot`, one subnet at one block with its units
  explicit (stake in rao, weights and bonds as the chain's u16 and as proportions), which
  becomes :func:`yuma.epoch` arguments or a :class:`yuma.chain.ChainState`. Where a source
  has no validator permits they are derived from stake as the chain hands them out
  (:func:`derived_permits`), never read as "all permitted".
"""

from .metagraph import (
    chain_hyperparameters,
    read_metagraph,
    read_metagraph10,
    read_metagraph11,
    read_simulator_dump,
)
from .snapshot import EpochSnapshot, load_snapshot, read_snapshot, save_snapshot
from .subnet import (
    ChainHyperparameters,
    SubnetSnapshot,
    derived_permits,
    rao_to_tao,
    tao_to_rao,
)
from .torch_pickle import ALLOWED_GLOBALS, load_torch_pickle

__all__ = [
    "ALLOWED_GLOBALS",
    "ChainHyperparameters",
    "EpochSnapshot",
    "SubnetSnapshot",
    "chain_hyperparameters",
    "derived_permits",
    "load_snapshot",
    "read_snapshot",
    "save_snapshot",
    "load_torch_pickle",
    "rao_to_tao",
    "read_metagraph",
    "read_metagraph10",
    "read_metagraph11",
    "read_simulator_dump",
    "tao_to_rao",
]

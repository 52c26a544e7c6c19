r"""The float epoch: one Yuma epoch in float64, step by step in the chain's order.

The flow of one epoch, each step with the file that holds it:

==========================  ===================================  ================================
step                        math                                 file (function)
==========================  ===================================  ================================
inputs, checked once        shapes, masks, blocks, resets        ``inputs.py`` (``check_inputs``)
stake and permits           ``S = N(s >= theta)``, top-k         ``steps.py`` (``stake_terms``)
active stake                ``S_act = N(S * active * permit)``   ``steps.py`` (``active_stake``)
mask weights                permits, diagonal, outdated,         ``steps.py`` (``weight_mask``)
                            commit-reveal; row-normalize
consensus                   stake-weighted kappa-quantile        ``steps.py`` (``consensus``;
                            per column                           kernel in ``_kernels.py``)
clip                        ``W_c = min(W, C)``                  ``steps.py`` (``col_clip``)
trust, rank, incentive      ``R = S_act W_c``, ``I = N(R)``      ``steps.py`` (``rank``, ...)
bonds                       ``W_b = W + beta (W_c - W)``, EMA    ``steps.py``, ``variants.py``
dividends                   yuma2 ``N(B I)``, yuma3              ``steps.py`` (``dividends_*``)
                            ``N(S_act (colnorm(B) I))``
emission                    incentive / dividends split          ``steps.py`` (``emission_split``)
==========================  ===================================  ================================

``run_epoch.py`` composes them (:func:`yuma.epoch`); ``variants.py`` names the bundles
(:data:`yuma.YUMA2`, :data:`yuma.YUMA3`, user variants) and ``presets.py`` the presets
(``yuma3+la``); for the built-ins, ``builtin_epoch.py`` runs the same formulas as one
compiled call (``_epoch_kernel.py``, over the kernels of ``_kernels.py``). ``reference.py``
is the slow, obviously-correct twin of every step that the tests hold the fast path to.
``fixed_path.py`` is ``arithmetic="fixed"``: the chain's own epoch (:mod:`yuma.chain`) on
these inputs, and ``mechanisms.py`` combines several mechanisms of one subnet.
"""

from .batch import EpochBatchResult, epoch_batch
from .inputs import EpochInputs, check_inputs
from .run_epoch import epoch
from .variants import VARIANTS, YUMA2, YUMA2_LIQUID_ALPHA_V1, YUMA3, Variant, variant

__all__ = [
    "epoch",
    "epoch_batch",
    "EpochBatchResult",
    "EpochInputs",
    "check_inputs",
    "Variant",
    "VARIANTS",
    "YUMA2",
    "YUMA2_LIQUID_ALPHA_V1",
    "YUMA3",
    "variant",
]

"""Analysis tools around the epoch: what the inputs of :func:`yuma.epoch` look like in practice.

:mod:`yuma.analysis.weight_setting`
    Validator scores to the weight row the chain stores, as each ``bittensor`` SDK
    generation sends it and as ``set_weights`` checks and stores it.
"""

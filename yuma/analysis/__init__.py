"""Research tools on top of the epoch: consensus guarantees, sweeps, comparing variants.

=====================  ======================================================================
``guarantees.py``      the cabal/honest retention maps of the chain's consensus document
``sweep.py``           parameter sweeps over local processes or Dask, deterministic per point
``compare.py``         a candidate variant against a baseline: invariants and scenarios
``weight_setting.py``  a validator's scores to the stored u16 row, as bittensor 10.x / 11.x
                       send it and the chain's ``set_weights`` checks and stores it
``influence.py``       removing a UID, a validator moving toward consensus, and the
                       validators' Shapley values for an outcome of the epoch
=====================  ======================================================================
"""

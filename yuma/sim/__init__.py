"""Many epochs: scenarios, the simulation loop, metrics over epochs, and figures.

=================  ==========================================================================
``scenarios.py``   :class:`yuma.Scenario`, its events and weight copiers, the catalogue
``simulation.py``  :func:`yuma.simulate`: the epoch folded over a scenario, state carried
``metrics.py``     relative dividends, dividends per 1000 staked, the copier ratio G
``plot.py``        figures of simulations, variants side by side (needs matplotlib)
``replay.py``      :func:`yuma.replay`: a subnet's snapshots through the epoch, state carried,
                   candidates side by side, agreement with the chain's stored outputs
``copy_risk.py``   :func:`yuma.copy_risk`: a weight copier on a real subnet, G over
                   commit-reveal delay x liquid-alpha range
``_batch.py``      independent epochs evaluated together (replay's and the sweep's one place)
=================  ==========================================================================
"""

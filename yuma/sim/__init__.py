"""Many epochs: scenarios, the simulation loop, metrics over epochs, and figures.

=================  ==========================================================================
``scenarios.py``   :class:`yuma.Scenario`, its events and weight copiers, the catalogue
``simulation.py``  :func:`yuma.simulate`: the epoch folded over a scenario, state carried
``metrics.py``     relative dividends, dividends per 1000 staked, the copier ratio G
``plot.py``        figures of simulations, variants side by side (needs matplotlib)
=================  ==========================================================================
"""

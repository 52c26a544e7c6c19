"""asv benchmarks of yuma (run from ``benchmarks/``: ``asv run``)."""

"""Benchmarks of yuma: an asv suite and ``python -m benchmarks.table``."""

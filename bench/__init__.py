"""Benchmarks of the engine against the floor of the same Temporal server: `python -m bench`."""

"""Benchmarks of ledgerflow: `python -m tests.bench`; not part of the pytest suite."""

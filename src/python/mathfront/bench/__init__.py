"""Benchmarking mathfront against NumPy: shared by ``python -m mathfront bench``
and the scripts under ``benchmarks/``."""

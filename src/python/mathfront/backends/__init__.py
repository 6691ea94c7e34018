"""Backends: ``numpy`` (the reference), ``cpp`` (compiled CPU kernels), ``cuda`` (Numba-CUDA)."""

from .base import Backend

__all__ = ["Backend"]

"""mathfront.cuda_numba: the Numba-CUDA kernels of mathfront's ``cuda`` backend.

Imported on first use of that backend, never by ``import mathfront`` (it
imports numba, which takes most of a second). ``SUPPORTED`` maps each op that
has a GPU kernel to the input dtypes it covers.
"""

from __future__ import annotations

#: {op name: dtype names}. Empty until the GPU kernels land (see the CUDA issue).
SUPPORTED: dict[str, tuple[str, ...]] = {}


def kernel(op):
    """The callable computing ``op`` on the GPU, or ``None`` if there is none yet."""
    return None

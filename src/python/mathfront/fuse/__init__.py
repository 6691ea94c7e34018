"""Fused expressions: ``mf.fuse`` and ``mf.evaluate`` (docs/fuse.md).

A fused function is traced once per signature into a :class:`Program`
(``_program``) that an engine runs in one pass over memory.
"""

from ._evaluate import evaluate
from ._fused import Fused, fuse
from ._program import Program, Reduction, Step

__all__ = ["Fused", "Program", "Reduction", "Step", "evaluate", "fuse"]

"""mathfront on dask arrays: lazy graphs whose chunk tasks run mathfront's kernels.

A public function given a dask array (operand, ``where=``...) builds a graph
instead of computing (``_api`` catches ``LazyOperand``, raised by the checks
every kernel makes before it reads an operand): nothing runs until
``.compute()`` or ``.persist()``. The selection in effect now (``backend=``,
``use_backend``, ``set_backend``, verify mode) is written into every task,
since tasks run later, elsewhere; ``auto`` then chooses per chunk (NumPy
chunks: cpp; CuPy chunks: cuda). docs/dask.md has the whole design.

Importing this module imports dask; ``import mathfront`` never does.
"""

from __future__ import annotations

from .. import _checks
from .._ops import COMPOSITE, DOT, REDUCTION, SCAN, Op
from . import _composites, _elementwise, _reductions, _scans
from ._fused import fused
from ._task import Kernel, recorded, task_threads

__all__ = ["Kernel", "build", "fused", "task_threads"]

_COMPOSITES = {"diff": _composites.diff, "vecdot": _composites.vecdot,
               "allclose": _composites.allclose}
_BY_KIND = {REDUCTION: _reductions.reduction, SCAN: _scans.scan, DOT: _composites.dot}


def _refuse_out(op: Op, call: tuple) -> None:
    if "out" not in op.keywords:
        return
    out = call[op.arity + op.keywords.index("out")]
    if out is not None:
        kind = "a dask array" if _checks.is_lazy(out) else f"a {type(out).__name__}"
        raise TypeError(f"mathfront.{op.name}: out= is not supported with dask arrays (out is "
                        f"{kind}): dask arrays are immutable and results are lazy; use the "
                        "returned array (docs/dask.md)")


def build(op: Op, call: tuple, backend) -> object:
    """The lazy dask array of ``op`` on ``call`` (operands, then ``op.keywords``' values),
    with the selection of a call with ``backend=backend`` written into its tasks."""
    name, verify = recorded(backend)
    _refuse_out(op, call)
    if op.kind == COMPOSITE and op.name in _COMPOSITES:
        return _COMPOSITES[op.name](op, call, name, verify)
    build_kind = _BY_KIND.get(op.kind, _elementwise.elementwise)
    return build_kind(op, call, name, verify)

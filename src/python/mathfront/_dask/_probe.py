"""A call's answer learnt before any chunk exists: the same call on tiny NumPy arrays.

Running the op itself on stand-ins of the operands' dtypes and ranks (size 1
along every axis, 0 along empty ones) validates the call as the eager call
would (axis, keywords, dtypes, the errors of an empty reduction) and gives the
result's dtype, with NumPy's promotion rules (weak Python scalars included),
before the graph is built. It runs on the numpy backend; the recorded backend
is then asked whether it takes those dtypes, so a call it would refuse is
refused now, not inside a task.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _auto, _checks
from .._ops import Op


def stand_in(x):
    """A small NumPy array like ``x`` (a dask or NumPy array), or ``x`` itself."""
    if _checks.is_lazy(x) or isinstance(x, np.ndarray):
        shape = tuple(0 if s == 0 else 1 for s in x.shape)
        return np.ones(shape, dtype=x.dtype)
    return x


def probe(op: Op, call: tuple, backend: str):
    """The op's answer on stand-ins of ``call`` (operands, then ``op.keywords``' values).

    Raises what the eager call would raise about keywords, axes and dtypes."""
    from .._api import FUNCTIONS

    stand_ins = tuple(stand_in(x) for x in call)
    keywords = {k: v for k, v in zip(op.keywords, stand_ins[op.arity:], strict=True)
                if k not in op.hidden}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = FUNCTIONS[op.name](*stand_ins[:op.arity], **keywords, backend="numpy")
    if backend != "numpy":
        _auto.choose(op, stand_ins, backend)  # its TypeError for dtypes it lacks
    return result


def broadcast_shape(*operands) -> tuple:
    """The operands' broadcast shape; NumPy's ValueError when they do not broadcast."""
    shapes = [tuple(x.shape) for x in operands if hasattr(x, "shape")]
    return np.broadcast_shapes(*shapes) if shapes else ()

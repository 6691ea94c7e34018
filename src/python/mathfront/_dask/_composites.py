"""dot, vecdot, diff and allclose on dask arrays, from the lazy elementwise and
reduction layers (each chunk still computed by mathfront's kernels)."""

from __future__ import annotations

import dask.array as da
import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import _checks
from .._ops import NO_VALUE, Op
from ._elementwise import elementwise, lazy_arrays
from ._probe import probe
from ._task import Kernel


def _public(name: str):
    from .._api import FUNCTIONS

    return FUNCTIONS[name]


class _Partial(Kernel):
    """A contraction's chunk product with the contracted axis kept (length 1) at ``at``."""

    def __init__(self, name, backend, verify, at: int, **fixed):
        super().__init__(name, backend, verify, **fixed)
        self.at = at

    def __call__(self, *arrays):
        return np.expand_dims(super().__call__(*arrays), self.at)

    def __dask_tokenize__(self):
        return (*super().__dask_tokenize__(), self.at)


def _contract(name: str, a, a_ind: str, b, b_ind: str, out_ind: str, dtype, backend, verify,
              **fixed):
    """``name`` (dot, vecdot) of chunk pairs along index ``k``, then summed over the chunks."""
    at = out_ind.index("k")
    partial = da.blockwise(_Partial(name, backend, verify, at, **fixed), out_ind, a, a_ind,
                           b, b_ind, adjust_chunks={"k": 1}, dtype=dtype,
                           meta=np.empty((0,) * len(out_ind), dtype))
    merge = "any" if dtype == np.bool_ else "sum"
    keywords = {} if merge == "any" else {"dtype": dtype}
    return _public(merge)(partial, axis=at, **keywords, backend=backend)


def dot(op: Op, call, backend, verify):
    """Of two 1-D vectors, as mathfront.dot takes (the probe refuses other shapes)."""
    dtype = np.asarray(probe(op, call, backend)).dtype
    a, b = lazy_arrays(call[:2])
    return _contract("dot", a, "k", b, "k", "k", dtype, backend, verify)


def vecdot(op: Op, call, backend, verify):
    x1, x2 = lazy_arrays(call[:2])
    axis = call[op.arity + op.keywords.index("axis")]
    dtype = np.asarray(probe(op, call, backend)).dtype
    shape = np.broadcast_shapes(x1.shape, x2.shape)
    axis = normalize_axis_index(axis, len(shape))
    # The contracted axis last in both (broadcast first: their chunks must match).
    x1, x2 = (da.moveaxis(da.broadcast_to(x, shape), axis, -1) for x in (x1, x2))
    ind = "abcdefghijlmnopqrstuvwxyz"[:len(shape) - 1] + "k"
    return _contract("vecdot", x1, ind, x2, ind, ind, dtype, backend, verify, axis=-1)


def diff(op: Op, call, backend, verify):
    a = lazy_arrays(call[:1])[0]
    keywords = dict(zip(op.keywords, call[op.arity:], strict=True))
    probe(op, call, backend)
    n, axis = keywords["n"], normalize_axis_index(keywords["axis"], a.ndim)
    parts = []
    for values in (keywords["prepend"], a, keywords["append"]):
        if values is NO_VALUE:
            continue
        values = values if _checks.is_lazy(values) else da.asarray(np.asarray(values))
        if values.ndim == 0:  # NumPy's: broadcast along the axis, length 1
            shape = list(a.shape)
            shape[axis] = 1
            values = da.broadcast_to(values, tuple(shape))
        parts.append(values)
    a = da.concatenate(parts, axis=axis) if len(parts) > 1 else a
    before = (slice(None),) * axis
    for _ in range(n):
        name = "not_equal" if a.dtype == np.bool_ else "subtract"
        a = _public(name)(a[(*before, slice(1, None))], a[(*before, slice(None, -1))],
                          backend=backend)
    return a


def allclose(op: Op, call, backend, verify):
    probe(op, call, backend)
    return _public("all")(_isclose(op, call, backend, verify), backend=backend)


def _isclose(op, call, backend, verify):
    from .._ops import BY_NAME

    return elementwise(BY_NAME["isclose"], call, backend, verify)

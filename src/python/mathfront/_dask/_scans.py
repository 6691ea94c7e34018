"""Cumulative functions on dask arrays: dask's ``cumreduction`` with mathfront's scans.

Each chunk is scanned by mathfront's kernel; the last value of each chunk's
running result is carried into the next chunks with mathfront's add or
multiply (dask's sequential method).
"""

from __future__ import annotations

import dask.array as da
import numpy as np
from dask.array.reductions import cumreduction
from numpy.lib.array_utils import normalize_axis_index

from .._ops import Op
from ._probe import probe
from ._task import Kernel

#: The chunk scan, the carry's binary op and its identity.
_SCANS = {"cumsum": ("cumsum", "add", 0), "cumulative_sum": ("cumsum", "add", 0),
          "cumprod": ("cumprod", "multiply", 1), "cumulative_prod": ("cumprod", "multiply", 1)}


class _Scan(Kernel):
    """The chunk scan as ``cumreduction`` calls it: ``func(chunk, axis=axis)``."""

    def __call__(self, x, axis):
        return super().__call__(x, axis=axis)


def scan(op: Op, call: tuple, backend: str, verify):
    x = call[0]
    keywords = dict(zip(op.keywords, call[op.arity:], strict=True))
    dtype = np.asarray(probe(op, call, backend)).dtype
    scan_name, binop, identity = _SCANS[op.name]
    axis = keywords["axis"]
    if axis is None:
        x, axis = x.ravel(), 0  # (cumulative_sum refused ndim > 1 in the probe)
    axis = normalize_axis_index(axis, x.ndim)
    result = cumreduction(_Scan(scan_name, backend, verify, dtype=dtype),
                          Kernel(binop, backend, verify, dtype=dtype), identity, x,
                          axis=axis, dtype=dtype)
    if keywords.get("include_initial"):
        shape = list(result.shape)
        shape[axis] = 1
        first = da.full(shape, identity, dtype=dtype,
                        chunks=tuple(1 if i == axis else c for i, c in enumerate(result.chunks)))
        result = da.concatenate([first, result], axis=axis)
    return result

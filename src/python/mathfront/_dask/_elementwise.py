"""Elementwise functions on dask arrays: one ``blockwise`` layer of mathfront tasks."""

from __future__ import annotations

import dask.array as da
import numpy as np
from dask.array.utils import meta_from_array
from dask.base import tokenize

from .. import _checks
from .._ops import Op
from ._probe import broadcast_shape, probe
from ._task import Kernel


def lazy_arrays(values):
    """NumPy arrays among ``values`` as dask arrays of one chunk; the rest as given."""
    return [da.from_array(x, chunks=x.shape) if isinstance(x, np.ndarray) else x
            for x in values]


def meta(arrays, ndim: int, dtype):
    """The result's ``_meta``: of the first dask array's kind (NumPy, CuPy...)."""
    first = next(x for x in arrays if _checks.is_lazy(x))
    return meta_from_array(first._meta, ndim=ndim, dtype=dtype)


def blockwise(kernel: Kernel, arrays, dtype, token: str, adjust_chunks=None):
    """``kernel`` on every chunk of ``arrays`` broadcast together (scalars as they are);
    ``adjust_chunks`` as dask's, by index (the last axis is index 0)."""
    arrays = lazy_arrays(arrays)
    ndim = len(broadcast_shape(*(x for x in arrays if _checks.is_lazy(x))))
    pairs = []
    for x in arrays:
        # Indices counted from the last axis: NumPy's broadcasting aligns trailing axes.
        pairs += [x, tuple(range(x.ndim))[::-1]] if _checks.is_lazy(x) else [x, None]
    return da.blockwise(kernel, tuple(range(ndim))[::-1], *pairs, dtype=dtype,
                        adjust_chunks=adjust_chunks, meta=meta(arrays, ndim, dtype),
                        name=f"{token}-{tokenize(kernel, *arrays)}")


def _is_array(x) -> bool:
    return _checks.is_lazy(x) or isinstance(x, np.ndarray)


def elementwise(op: Op, call: tuple, backend: str, verify):
    """``op`` (unary, binary, ternary, round, real/imag/isclose) over dask operands."""
    dtype = np.asarray(probe(op, call, backend)).dtype
    operands = list(call[:op.arity])
    keywords = {k: v for k, v in zip(op.keywords, call[op.arity:], strict=True)
                if k not in op.hidden}
    keywords.pop("out", None)  # (refused before)
    # Array keywords (where=, clip's min=/max=, isclose's rtol=/atol=) broadcast
    # with the operands: they are chunked with them, after them.
    chunked = tuple(k for k, v in keywords.items() if _is_array(v))
    arrays = [*operands, *(keywords.pop(k) for k in chunked)]
    broadcast_shape(*(x for x in arrays if hasattr(x, "shape")))  # NumPy's error, now
    kernel = _KeywordsLast(op.name, backend, verify, chunked, **keywords) if chunked \
        else Kernel(op.name, backend, verify, **keywords)
    return blockwise(kernel, arrays, dtype, f"mf-{op.name}")


class _KeywordsLast(Kernel):
    """A kernel whose last chunks are keywords' values (``names``, in order)."""

    def __init__(self, name, backend, verify, names: tuple, **fixed):
        super().__init__(name, backend, verify, **fixed)
        self.names = names

    def __call__(self, *arrays):
        cut = len(arrays) - len(self.names)
        return super().__call__(*arrays[:cut], **dict(zip(self.names, arrays[cut:],
                                                          strict=True)))

    def __dask_tokenize__(self):
        return (*super().__dask_tokenize__(), self.names)

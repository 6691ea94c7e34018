"""``mf.fuse`` on dask arrays: the fused program as one task per chunk.

An elementwise program becomes one ``blockwise`` layer whose task calls the
fused function on its chunks (one pass over each chunk). A program ending in
a reduction that merges by itself (sum, prod, min, max, any, all,
count_nonzero; mean as a sum divided by the count) becomes one reduction
whose chunk step is the fused kernel, reduction included: each task reduces
its chunk in the same pass, and mathfront's dask reduction merges the
partials. A program ending in var, std, argmin or argmax becomes its
elementwise part fused (the program traced again without the reduction: one
``blockwise`` layer) followed by mathfront's dask reduction, whose chunk step
dask's optimizer joins to that layer: one task per chunk, the fused values its
only temporary. An elementwise program with several results of the broadcast
shape is one ``blockwise`` layer whose chunks are the tuples of results, and
one ``getitem`` layer per result (dask joins each to it; computed together, the
fused task runs once per chunk). Other programs with several results (a
reduction among them, a constant, a result of a smaller shape) call the
function on the dask arrays themselves: each op becomes a layer, which dask's
optimizer joins into one task per chunk (with temporaries).
"""

from __future__ import annotations

import operator

import numpy as np

from .. import _checks
from ..fuse._program import Reduction
from ._elementwise import blockwise, lazy_arrays, meta
from ._probe import broadcast_shape, stand_in
from ._task import Kernel, host, recorded

#: Final reductions whose partials merge by a reduction (mean: by sum, then / count).
_MERGED_BY = {"sum": "sum", "prod": "prod", "min": "min", "max": "max", "any": "any",
              "all": "all", "count_nonzero": "sum", "mean": "sum"}


class FusedKernel(Kernel):
    """The fused function on a task's chunks, under the recorded selection; for a
    final reduction, its partial with the reduced axes kept (length 1)."""

    def __init__(self, fused, backend, verify, reduced=None, mean=False):
        super().__init__("fuse", backend, verify)
        self.fused, self.reduced, self.mean = fused, reduced, mean
        self.__name__ = f"mathfront.fuse({fused.name})"

    def __call__(self, *chunks):
        with self.running():
            result = self.fused(*chunks, backend=self.backend)
        if isinstance(result, tuple):  # several results: a tuple chunk (see _several)
            return tuple(host(r) for r in result)
        result = host(result)
        if self.reduced is None:
            return result
        shape = list(broadcast_shape(*chunks))
        for axis in self.reduced:
            shape[axis] = 1
        if self.mean:  # the chunk's total, so that partials merge by sum
            result = result * (np.prod(broadcast_shape(*chunks)) // max(1, np.prod(shape)))
        return np.reshape(result, shape)

    def __dask_tokenize__(self):
        return (type(self).__name__, id(self.fused), self.fused.name, self.backend,
                self.verify, self.reduced, self.mean)


def fused(fn, args, out, casting, backend):
    """``fn(*args)`` (a ``mathfront.fuse`` function) with dask arrays among ``args``."""
    name, verify = recorded(backend)
    if out is not None:
        raise TypeError(f"mathfront.fuse: {fn.name} called with out= on dask arrays: dask "
                        "arrays are immutable and results are lazy; use the returned array")
    (traced, _), _ = fn.traced([stand_in(x) for x in args])
    outputs = traced.outputs
    engine = [o for o in outputs if o.kind == "engine"]
    if traced.as_tuple or len(outputs) != 1 or not engine:
        if _one_pass(traced, args):
            return _several(fn, args, traced, name, verify)
        return _op_by_op(fn, args, name)
    output = traced.program.outputs[engine[0].index]
    arrays = lazy_arrays(args)
    ndim = len(broadcast_shape(*(x for x in arrays if _checks.is_lazy(x))))
    if isinstance(output, int):
        dtype = np.dtype(traced.program.dtypes[output])
        return blockwise(FusedKernel(fn, name, verify), arrays, dtype, "mf-fuse")
    if output.op in _MERGED_BY:
        return _reduction(fn, arrays, ndim, output, engine[0].keepdims, name, verify)
    if traced.program.is_scalar(output.arg):
        return _op_by_op(fn, args, name)
    return _then_reduced(fn, arrays, ndim, traced.program, output, engine[0].keepdims, name,
                         verify)


def _reduction(fn, arrays, ndim, output: Reduction, keepdims, name, verify):
    from .._api import FUNCTIONS

    axes = tuple(range(ndim)) if output.axis is None else (output.axis,)
    dtype = np.dtype(output.dtype)
    mean = output.op == "mean"
    partial_dtype = np.dtype(np.float64) if mean and dtype.kind != "c" else dtype
    kernel = FusedKernel(fn, name, verify, reduced=axes, mean=mean)
    # Output index i counts from the last axis (as the operands' indices do).
    partials = blockwise(kernel, arrays, partial_dtype, "mf-fuse",
                         {ndim - 1 - a: 1 for a in axes})
    merge = _MERGED_BY[output.op]
    keywords = {"dtype": partial_dtype} if merge == "sum" and output.op != "count_nonzero" \
        else {}
    result = FUNCTIONS[merge](partials, axis=axes, keepdims=keepdims, **keywords,
                              backend=name)
    if mean:
        shape = broadcast_shape(*(x for x in arrays if _checks.is_lazy(x)))
        count = int(np.prod([shape[a] for a in axes]))
        result = FUNCTIONS["divide"](result, count, backend=name)
    return result.astype(dtype) if result.dtype != dtype else result


def _before_reduction(fn):
    """The fused function of ``fn``'s program without its final reduction (traced
    again: the reduction's argument becomes the result), kept on ``fn``."""
    from ..fuse._fused import Fused

    inner = fn.__dict__.get("_before_reduction")
    if inner is None:
        inner = fn.__dict__["_before_reduction"] = Fused(
            lambda *a: fn.fn(*a).arg, name=f"{fn.name}, before its reduction")
    return inner


def _then_reduced(fn, arrays, ndim, program, output: Reduction, keepdims, name, verify):
    """var, std, argmin, argmax: the elementwise part fused (one blockwise layer), then
    mathfront's dask reduction, whose chunk step dask's optimizer joins to that layer:
    one task per chunk, the fused values its only temporary."""
    from .._api import FUNCTIONS

    dtype = np.dtype(program.dtypes[output.arg])
    values = blockwise(FusedKernel(_before_reduction(fn), name, verify), arrays, dtype,
                       "mf-fuse")
    keywords = {"ddof": output.ddof} if output.op in ("var", "std") else {}
    return FUNCTIONS[output.op](values, axis=output.axis, keepdims=keepdims, **keywords,
                                backend=name)


def _one_pass(traced, args) -> bool:
    """Can ``_several`` take this program: results that are elementwise registers or
    inputs, each of the broadcast shape of all the inputs?"""
    shapes = [tuple(x.shape) for x in _array_args(args)]
    if not shapes or any(np.isnan(n) for s in shapes for n in s):
        return False
    shape = np.broadcast_shapes(*shapes)
    for o in traced.outputs:
        if o.kind == "input":
            if shapes[o.index] != shape:
                return False
        elif o.kind != "engine" or isinstance(traced.program.outputs[o.index], Reduction) \
                or np.broadcast_shapes(*(shapes[i] for i in traced.deps[o.index])) != shape:
            return False
    return True


def _several(fn, args, traced, name, verify):
    """Several elementwise results: one fused task per chunk, its tuple split by getitem."""
    arrays = lazy_arrays(args)
    ndim = len(broadcast_shape(*(x for x in arrays if _checks.is_lazy(x))))
    joint = blockwise(FusedKernel(fn, name, verify), arrays, np.dtype(object), "mf-fuse")
    program, inputs, results = traced.program, _array_args(args), []
    for at, o in enumerate(traced.outputs):
        dtype = np.dtype(program.dtypes[program.outputs[o.index]] if o.kind == "engine"
                         else inputs[o.index].dtype)
        results.append(joint.map_blocks(operator.getitem, at, dtype=dtype,
                                        meta=meta(arrays, ndim, dtype)))
    return tuple(results) if traced.as_tuple else results[0]


def _array_args(args) -> list:
    return [x for x in args if _checks.is_lazy(x) or isinstance(x, np.ndarray)]


def _op_by_op(fn, args, name):
    from .._selection import use_backend

    with use_backend(name):
        return fn.fn(*args)

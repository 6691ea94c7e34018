"""Reductions on dask arrays: ``dask.array.reduction`` with mathfront's kernels as steps.

Each chunk is reduced by mathfront's kernel, then the partial results are
merged as the single-machine kernels merge theirs (not bit for bit):

- sum/prod/min/max/any/all, their nan- variants, count_nonzero: partials of
  the op, merged by the op (counts by sum);
- mean/nanmean: (count, total) pairs;
- var/std/nanvar/nanstd: (count, mean, M2) merged by Chan's formula, for
  every group at once: ``M2 = sum(M2_i) + sum(n_i * (mean_i - mean)**2)``
  (dask's own ``var`` uses raw moments, which cancel catastrophically);
- argmin/argmax: dask's ``arg_reduction`` (global indices; the first of equal
  values wins, as in NumPy) with mathfront's min/argmin as the chunk step.
"""

from __future__ import annotations

import functools

import dask.array as da
import numpy as np
from dask.array.core import _concatenate2
from dask.array.reductions import arg_agg, arg_chunk, arg_combine, arg_reduction
from dask.utils import deepmap
from numpy.lib.array_utils import normalize_axis_tuple

from .. import _above
from .._ops import NO_VALUE, Op
from ._probe import probe
from ._task import Kernel

#: How partials of each op merge: the op that merges them.
_MERGED_BY = {"count_nonzero": "sum", "nansum": "sum", "nanprod": "prod"}
_MOMENTS = {"var": ("mean", False), "std": ("mean", True),
            "nanvar": ("nanmean", False), "nanstd": ("nanmean", True)}
_MEANS = {"mean": "sum", "nanmean": "nansum"}
_ARGS = {"argmin": "min", "argmax": "max"}
_IDEMPOTENT = ("min", "max", "nanmin", "nanmax")


def _axes(axis, ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim)) if axis is None else normalize_axis_tuple(axis, ndim)


def _without_empty_chunks(x, axes):
    """``x`` without zero-length chunks along ``axes`` (a kernel would see an empty
    chunk: min has no identity); an empty array keeps one chunk per axis."""
    chunks = {}
    for ax in axes:
        kept = tuple(c for c in x.chunks[ax] if c)
        if kept != x.chunks[ax]:
            chunks[ax] = kept or (0,)
    return x.rechunk(chunks) if chunks else x


def _accumulator(x_dtype: np.dtype, dtype) -> np.dtype:
    """The partials' dtype for mean/var: dtype=, else float64 for integers and bool,
    float32 for float16 (as NumPy's mean computes), else the input's."""
    if dtype is not None:
        return np.dtype(dtype)
    if x_dtype.kind in "biu":
        return np.dtype(np.float64)
    return np.dtype(np.float32) if x_dtype == np.float16 else x_dtype


def _concat(partials, key, axis):
    return _concatenate2(deepmap(lambda p: p[key], partials), axes=axis)


class _Mean:
    """Chunk, combine and aggregate of mean/nanmean: (count, total) pairs."""

    def __init__(self, total: Kernel, count: Kernel, divide: Kernel, dtype):
        self.total, self.count, self.divide, self.dtype = total, count, divide, dtype

    def chunk(self, x, axis, keepdims, computing_meta=False):
        if computing_meta:  # (dask asks each step for its result's type: an array)
            return x
        return {"n": self.count(x, axis=axis, keepdims=True),
                "total": self.total(x, axis=axis, keepdims=True, dtype=self.dtype)}

    def combine(self, partials, axis, keepdims, computing_meta=False):
        if computing_meta:
            return partials
        return {"n": self.total(_concat(partials, "n", axis), axis=axis, keepdims=True),
                "total": self.total(_concat(partials, "total", axis), axis=axis,
                                    keepdims=True, dtype=self.dtype)}

    def aggregate(self, partials, axis, keepdims):
        merged = self.combine(partials, axis, keepdims)
        mean = self.divide(merged["total"], merged["n"])
        return mean if keepdims else np.squeeze(mean, axis=axis)

    def __dask_tokenize__(self):
        return (type(self).__name__, self.total, self.count, self.divide, str(self.dtype))


class _Moments:
    """Chunk, combine and aggregate of var/std (nan- too): (count, mean, M2) by Chan.

    A group's mean is kept as ``base + offset``: ``base`` one of its elements,
    ``offset`` the mean of the differences from it, and its M2 comes from the
    same differences (shifted data: one fused pass for both sums). Where the
    mean is large against the spread (1e8 + noise), a mean rounded to a double
    loses the digits that the between-group term of Chan's formula needs, and
    so does a kernel merging its blocks' means; the pair keeps them.
    """

    def __init__(self, kernels: dict, dtype, ddof, root: bool, centered):
        self.k, self.dtype, self.ddof, self.root = kernels, dtype, ddof, root
        #: axes -> the fused kernel of sum(x - base) over them (float32/64 only), or None.
        self.centered = centered

    def _first(self, x, axis):
        return x[tuple(slice(0, 1) if i in axis else slice(None) for i in range(x.ndim))]

    def chunk(self, x, axis, keepdims, computing_meta=False):
        if computing_meta:
            return x
        k = self.k
        n = k["count"](x, axis=axis, keepdims=True)
        empty = k["equal"](n, 0)
        # (over some axes only, the cpp engine does not fuse the reduction yet:
        # mean and var kernels are faster there)
        centered = self.centered(axis) if self.centered and x.size and len(axis) == x.ndim \
            else None
        if centered is not None:
            # Shifted data, one fused pass: with d = x - base, offset = sum(d) / n
            # and M2 = sum(d*d) - sum(d) * offset (base is near the mean: little cancels).
            base = self._first(x, axis)
            total, squares = centered(x, base)
            with np.errstate(divide="ignore", invalid="ignore"):
                offset = k["divide"](total, n)
            m2 = k["maximum"](k["subtract"](squares, k["multiply"](
                k["abs"](total), k["abs"](offset))), 0)  # (n |offset|², complex too)
        else:
            # Shifted data again, the rounded mean as the base: the differences'
            # mean holds the digits the rounding dropped, and M2 comes from them
            # (not from the inner kernel's var: NumPy's along an outer axis adds
            # row after row).
            base = k["mean"](x, axis=axis, keepdims=True, dtype=self.dtype)
            d = k["subtract"](x, base, dtype=self.dtype)
            total = k["total"](d, axis=axis, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                offset = k["divide"](total, n)
            squares = k["total"](k["square"](k["abs"](d)), axis=axis, keepdims=True)
            m2 = k["maximum"](k["subtract"](squares, k["multiply"](
                k["abs"](total), k["abs"](offset))), 0)  # (n |offset|², complex too)
        # An empty (or all-NaN) group adds nothing: not NaN.
        return {"n": n, "base": k["where"](empty, 0, base),
                "offset": k["where"](empty, 0, offset), "m2": k["where"](empty, 0, m2)}

    def combine(self, partials, axis, keepdims, computing_meta=False):
        if computing_meta:
            return partials
        k = self.k
        ns = _concat(partials, "n", axis)
        bases, offsets = _concat(partials, "base", axis), _concat(partials, "offset", axis)
        n = k["sum"](ns, axis=axis, keepdims=True)
        # Every group's mean relative to the first group's base: the large common
        # part cancels exactly before any product.
        base = self._first(bases, axis)
        shifts = k["add"](k["subtract"](bases, base), offsets)
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = k["where"](k["equal"](n, 0), 0, k["divide"](
                k["sum"](k["multiply"](ns, shifts), axis=axis, keepdims=True), n))
        spread = k["square"](k["abs"](k["subtract"](shifts, shift)))
        m2 = k["add"](k["sum"](_concat(partials, "m2", axis), axis=axis, keepdims=True),
                      k["sum"](k["multiply"](ns, spread), axis=axis, keepdims=True))
        return {"n": n, "base": base, "offset": k["astype"](shift),
                "m2": k["astype_real"](m2)}

    def aggregate(self, partials, axis, keepdims):
        k = self.k
        merged = self.combine(partials, axis, keepdims)
        # NumPy's divisor: max(N - ddof, 0) (so ddof >= N gives inf or nan).
        divisor = k["maximum"](k["subtract"](merged["n"], self.ddof), 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            result = k["divide"](merged["m2"], divisor)
            if self.root:
                result = k["sqrt"](result)
        return result if keepdims else np.squeeze(result, axis=axis)

    def __dask_tokenize__(self):
        return (type(self).__name__, sorted(self.k.items()), str(self.dtype), self.ddof,
                self.root)


class _Cast:
    """``x.astype(dtype)`` as a step (kept partials in the accumulator's dtype)."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def __call__(self, x):
        return x.astype(self.dtype, copy=False)

    def __dask_tokenize__(self):
        return (type(self).__name__, str(self.dtype))


def _refuse(op: Op, keywords: dict) -> None:
    for name in ("where", "mean"):
        if name in keywords and _above.given(name, keywords[name]):
            raise TypeError(f"mathfront.{op.name}: {name}= is not supported on dask arrays "
                            "(docs/dask.md); compute the array, or mask it first")


def reduction(op: Op, call: tuple, backend: str, verify):
    x = call[0]
    keywords = dict(zip(op.keywords, call[op.arity:], strict=True))
    _refuse(op, keywords)
    result = np.asarray(probe(op, call, backend))
    axis, keepdims = keywords["axis"], bool(keywords["keepdims"])
    axes = _axes(axis, x.ndim)
    x = _without_empty_chunks(x, axes)
    name = op.name

    def kernel(fn, **fixed):
        return Kernel(fn, backend, verify, **fixed)

    if name in _ARGS:
        return _argreduction(x, kernel(_ARGS[name]), kernel(name), axis, keepdims)
    if name in _MEANS:
        acc = _accumulator(x.dtype, keywords.get("dtype"))
        mean = _Mean(kernel(_MEANS[name]), _counter(kernel, name), kernel("divide",
                     dtype=result.dtype), acc)
        return _reduce(x, mean.chunk, mean.aggregate, mean.combine, axes, keepdims,
                       result.dtype, name, concatenate=False)
    if name in _MOMENTS:
        mean_name, root = _MOMENTS[name]
        acc = _accumulator(x.dtype, keywords.get("dtype"))
        real = np.empty(0, acc).real.dtype
        ddof = keywords["ddof"] if keywords.get("correction", NO_VALUE) is NO_VALUE \
            else keywords["correction"]
        kernels = {fn: kernel(fn) for fn in ("sum", "multiply", "divide", "subtract", "add",
                                             "square", "abs", "equal", "where", "maximum",
                                             "sqrt")}
        kernels.update(count=_counter(kernel, name), mean=kernel(mean_name),
                       total=kernel("nansum" if name.startswith("nan") else "sum"),
                       astype=_Cast(acc), astype_real=_Cast(real))
        centered = _Centered(backend, verify) if (
            x.dtype in (np.float32, np.float64) and acc == x.dtype
            and not name.startswith("nan")) else None
        steps = _Moments(kernels, acc, ddof, root, centered)
        aggregate = functools.partial(_cast_after, steps.aggregate, result.dtype)
        return _reduce(x, steps.chunk, aggregate, steps.combine, axes, keepdims,
                       result.dtype, name, concatenate=False)
    # Partials in the result's dtype (NumPy's sum of int32 accumulates in int64).
    fixed = {"dtype": result.dtype} if "dtype" in op.keywords else {}
    initial = keywords.get("initial", NO_VALUE)
    merge = kernel(_MERGED_BY.get(name, name), **fixed)
    if initial is NO_VALUE:
        chunk, aggregate = kernel(name, **fixed), merge
    else:
        # initial= once in the result; min and max take it in every chunk too (an
        # empty chunk then has an answer), which changes nothing more.
        chunk = kernel(name, initial=initial, **fixed) if name in _IDEMPOTENT \
            else kernel(name, **fixed)
        aggregate = kernel(_MERGED_BY.get(name, name), initial=initial, **fixed)
    return _reduce(x, chunk, aggregate, merge, axes, keepdims, result.dtype, name)


class _Centered:
    """``sum(x - base)`` over given axes as one fused pass, on the recorded selection."""

    def __init__(self, backend, verify):
        self.backend, self.verify = backend, verify

    def __call__(self, axis):
        return _centered_kernel(axis, self.backend, self.verify)

    def __dask_tokenize__(self):
        return (type(self).__name__, self.backend, self.verify)


@functools.cache
def _centered_kernel(axis: tuple, backend, verify):
    from .. import fuse
    from .._api import FUNCTIONS

    total = FUNCTIONS["sum"]

    def sums(x, base):  # over every axis
        d = x - base
        return total(d), total(d * d)

    return _Sums(fuse(sums, name="centered sums"), backend, verify, axis)


class _Sums(Kernel):
    """A fused function of two reductions over ``axes``, their results kept as
    length-1 axes (the partials' shape)."""

    def __init__(self, fused, backend, verify, axes):
        super().__init__("fuse", backend, verify)
        self.fused, self.axes = fused, axes

    def __call__(self, x, base):
        with self.running():
            results = self.fused(x, base, backend=self.backend)
        shape = [1 if i in self.axes else n for i, n in enumerate(x.shape)]
        return tuple(np.reshape(r, shape) for r in results)


def _counter(kernel, name: str):
    """The per-group element count: of non-NaN elements for the nan- variants."""
    return _NanCount(kernel) if name.startswith("nan") else _Count()


class _Count:
    """Elements per group, as float64 (the partials' counts)."""

    def __call__(self, x, axis, keepdims):
        shape = [1 if i in axis else n for i, n in enumerate(x.shape)]
        count = np.prod([x.shape[i] for i in axis], dtype=np.int64)
        return np.full_like(x, count, shape=shape, dtype=np.float64)

    def __dask_tokenize__(self):
        return type(self).__name__


class _NanCount:
    """Non-NaN elements per group (NumPy's nanmean/nanvar divisor)."""

    def __init__(self, kernel):
        self.isnan, self.count = kernel("isnan"), kernel("count_nonzero")

    def __call__(self, x, axis, keepdims):
        nans = self.count(self.isnan(x), axis=axis, keepdims=True)
        return np.prod([x.shape[i] for i in axis], dtype=np.float64) - nans

    def __dask_tokenize__(self):
        return (type(self).__name__, self.count)


def _cast_after(step, into, partials, axis, keepdims):
    result = step(partials, axis, keepdims)
    return result.astype(into, copy=False) if result.dtype != into else result


def _reduce(x, chunk, aggregate, combine, axes, keepdims, dtype, name, concatenate=True):
    from dask.array.utils import meta_from_array

    ndim = x.ndim if keepdims else x.ndim - len(axes)
    return da.reduction(x, chunk, aggregate, axis=axes, keepdims=keepdims, dtype=dtype,
                        combine=combine, concatenate=concatenate,
                        meta=meta_from_array(x._meta, ndim=ndim, dtype=dtype),
                        name=f"mf-{name}")


def _argreduction(x, values: Kernel, args: Kernel, axis, keepdims):
    high = args.name == "argmax"
    return arg_reduction(x, functools.partial(arg_chunk, values, args),
                         functools.partial(_arg_merge, args, high, True),
                         functools.partial(_arg_merge, args, high, False),
                         axis=axis, keepdims=keepdims)


def _arg_merge(args, high: bool, combine: bool, data, axis=None, keepdims=False, **kwargs):
    """dask's arg_combine/arg_agg, except over every axis of an N-D array: there the
    partials' order (block by block) is not the flat order, so equal values go to
    the lowest global index (NaN first, as NumPy), not the first block's."""
    vals = data["vals"]
    if vals.ndim == 1 or len(axis) != vals.ndim:
        if combine:
            return arg_combine(args, data, axis=axis, **kwargs)
        return arg_agg(args, data, axis=axis, keepdims=keepdims, **kwargs)
    flat_vals, flat_args = vals.ravel(), data["arg"].ravel()
    nan = flat_vals != flat_vals
    if nan.any():
        pick = np.flatnonzero(nan)
    else:
        best = flat_vals.max() if high else flat_vals.min()
        pick = np.flatnonzero(flat_vals == best)
    at = pick[np.argmin(flat_args[pick])]
    shape = (1,) * vals.ndim
    if not combine:
        index = flat_args[at]
        return np.reshape(index, shape) if keepdims else index
    result = np.empty(shape, dtype=data.dtype) if not isinstance(data, dict) else {}
    result["vals"] = np.reshape(flat_vals[at], shape)
    result["arg"] = np.reshape(flat_args[at], shape)
    return result

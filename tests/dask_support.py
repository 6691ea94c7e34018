"""Helpers of tests/test_dask.py: inputs per op, the NumPy comparison of a lazy
result, and the mathfront kernels a dask graph's tasks call.

Imported only by test_dask.py, after it skipped without dask.
"""

from __future__ import annotations

import functools

import dask.array as da
import numpy as np
from dask._task_spec import DataNode, Task
from mathfront import _tolerance
from mathfront._dask import Kernel
from mathfront._ops import EXACT, EXACT_ANY_ZERO
from support import numpy_reference

#: Chunkings of a length-7 axis: uneven, one element each, a single chunk.
CHUNKINGS_7 = ((3, 3, 1), (1,) * 7, (7,), (2, 5))


def values(op, dtype, shape, seed: int, specials: bool = True) -> np.ndarray:
    """Inputs of ``op`` in its domain (op.domain), with NaN, +-inf and -0.0 among floats
    where ``specials`` (the op's NaN outside its domain is NumPy's, tested elsewhere)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    domain = getattr(op, "domain", "")
    size = int(np.prod(shape))
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind in "iu":
        low, high = (0, 4) if domain == "exponent>=0" else (-2, 3) if domain == "[-1,1]" \
            else (-50, 51)
        if dtype.kind == "u":
            low = 0
        if op is not None and op.name in ("left_shift", "right_shift"):
            low, high = 0, 5
        return rng.integers(low, high, shape).astype(dtype)
    low, high = {"[-1,1]": (-1, 1), ">=1": (1, 100), ">=-1": (-1, 100), ">=0": (0, 100),
                 "exponent>=0": (-3, 3)}.get(domain, (-100, 100))
    x = rng.uniform(low, high, size).astype(dtype)
    if specials and size >= 5:
        x[rng.choice(size, 3, replace=False)] = [np.nan, -0.0, np.inf]
    return x.reshape(shape)


def tolerance(op, result_dtype):
    """(atol, rtol) of an elementwise op: the op table's bound (exact for exact ops)."""
    return _tolerance.elementwise(op, result_dtype)


def assert_close(got, expected, atol=0.0, rtol=0.0, what=""):
    """Same dtype and shape as NumPy's answer; values equal (NaN meets NaN) or within
    ``atol + rtol |expected|`` (atol may be an array, one bound per element)."""
    g, e = np.asarray(got), np.asarray(expected)
    assert g.dtype == e.dtype, f"{what}: dtype {g.dtype}, NumPy gives {e.dtype}"
    assert g.shape == e.shape, f"{what}: shape {g.shape}, NumPy gives {e.shape}"
    with np.errstate(all="ignore"):
        ok = g == e
        if e.dtype.kind in "fc":
            wide = np.result_type(e.dtype, np.float64)
            ok |= np.isnan(g) & np.isnan(e)
            ok |= np.isfinite(e) & (np.abs(g.astype(wide) - e.astype(wide))
                                    <= atol + rtol * np.abs(e.astype(wide)))
    if not np.all(ok):
        bad = np.argwhere(~np.asarray(ok))[:5]
        pairs = [(tuple(i), g[tuple(i)], e[tuple(i)]) for i in bad]
        raise AssertionError(f"{what}: values differ from NumPy at (index, got, numpy) {pairs}")


def assert_lazy(result, expected, chunks=None):
    """``result`` is a dask array with NumPy's dtype and shape, NumPy chunks' ``_meta``
    (of the result's rank), and ``chunks`` when given."""
    e = np.asarray(expected)
    assert isinstance(result, da.Array), f"got a {type(result).__name__}, not a dask array"
    assert result.dtype == e.dtype, f"dtype {result.dtype}, NumPy gives {e.dtype}"
    assert result.shape == e.shape, f"shape {result.shape}, NumPy gives {e.shape}"
    assert type(result._meta) is np.ndarray and result._meta.ndim == e.ndim
    assert result._meta.dtype == e.dtype
    if chunks is not None:
        assert result.chunks == chunks


def exact(op) -> bool:
    return op.tolerance in (EXACT, EXACT_ANY_ZERO)


def reference(op, *args, **kwargs):
    return numpy_reference(op, *args, **kwargs)


# --- the graph ---------------------------------------------------------------------------

def _callables(obj, seen):
    """Callables reachable from a task: its function, partials' functions and
    arguments, nested tasks, and the kernels that bound methods' objects hold."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, Task):
        yield from _callables(obj.func, seen)
        for a in (*obj.args, *obj.kwargs.values()):
            yield from _callables(a, seen)
    elif isinstance(obj, DataNode):
        yield from _callables(obj.value, seen)
    elif isinstance(obj, functools.partial):
        yield from _callables(obj.func, seen)
        for a in (*obj.args, *obj.keywords.values()):
            yield from _callables(a, seen)
    elif isinstance(obj, Kernel):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for a in obj:
            yield from _callables(a, seen)
    elif isinstance(obj, dict):
        for a in obj.values():
            yield from _callables(a, seen)
    elif hasattr(obj, "__self__") and callable(obj):  # a bound method: its object's kernels
        yield from _callables(vars(obj.__self__) if hasattr(obj.__self__, "__dict__")
                              else (), seen)
    elif type(obj).__module__.startswith("mathfront._dask") and hasattr(obj, "__dict__"):
        yield from _callables(vars(obj), seen)


def kernels(result, layer_prefix: str = "mf-") -> list[Kernel]:
    """The mathfront kernels the tasks of ``result``'s layers named ``layer_prefix...`` call."""
    found = []
    for key, task in dict(result.__dask_graph__()).items():
        name = key[0] if isinstance(key, tuple) else key
        if isinstance(name, str) and name.startswith(layer_prefix):
            found += list(_callables(task, set()))
    return found


def layer_tasks(result, layer_prefix: str) -> list[Task]:
    return [task for key, task in dict(result.__dask_graph__()).items()
            if isinstance(key, tuple) and str(key[0]).startswith(layer_prefix)]

"""mathfront on dask arrays (issue 15): lazy graphs whose chunk tasks run mathfront.

Most results are computed on one 2-worker ``distributed.LocalCluster`` (processes,
one thread each) started once for the module; a subset runs under dask's
threaded and synchronous schedulers. Every expected value is NumPy's, on the
same data computed eagerly; tolerances are the op table's (exact for exact ops).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import mathfront as mf  # noqa: E402
from dask.array.utils import assert_eq  # noqa: E402
from dask_support import (  # noqa: E402
    CHUNKINGS_7,
    assert_close,
    assert_lazy,
    exact,
    kernels,
    layer_tasks,
    reference,
    tolerance,
    values,
)
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from mathfront import _tolerance  # noqa: E402
from mathfront._dask import Kernel, task_threads  # noqa: E402
from mathfront._ops import BINARY, BY_NAME, OPS, REDUCTION, SCAN, UNARY  # noqa: E402
from numpy.lib.array_utils import normalize_axis_tuple  # noqa: E402
from support import available_backends  # noqa: E402

UNARIES = [op for op in OPS if op.kind == UNARY]
BINARIES = [op for op in OPS if op.kind == BINARY]
REDUCTIONS = [op for op in OPS if op.kind == REDUCTION]
SCANS = [op for op in OPS if op.kind == SCAN]
#: A (5, 7) array's chunks: uneven along both axes.
CHUNKS_2D = ((2, 3), (3, 3, 1))
CUDA = "cuda" in available_backends()
needs_cuda = pytest.mark.skipif(not CUDA, reason="no CUDA GPU, and NUMBA_ENABLE_CUDASIM is not 1")


@pytest.fixture(scope="module", autouse=True)
def client():
    """One cluster for the module: results computed by ``.compute()`` run on it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (distributed's port and resource notices)
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        yield c



def dtype_of(op, i: int) -> str:
    """The i-th dtype among the op's, in turn: every dtype is covered by some op."""
    return op.dtypes[i % len(op.dtypes)]


def lazy(x, chunks):
    return da.from_array(x, chunks=chunks)


def computed(*results, scheduler=None):
    """The results computed together (the cluster's client unless ``scheduler``)."""
    return dask.compute(*results, scheduler=scheduler)


# --- elementwise: every unary and binary op ----------------------------------------------

@pytest.mark.parametrize("i,op", list(enumerate(UNARIES)), ids=[op.name for op in UNARIES])
def test_unary_matches_numpy(i, op):
    dtype = dtype_of(op, i)
    x = values(op, dtype, (5, 7), seed=i)
    chunks = ((5,), (1,) * 7) if i % 3 == 0 else CHUNKS_2D
    expected = reference(op, x)
    result = getattr(mf, op.name)(lazy(x, chunks))
    assert_lazy(result, expected, chunks=chunks)
    assert_close(*computed(result), expected, *tolerance(op, np.asarray(expected).dtype),
                 what=f"{op.name}({dtype})")


@pytest.mark.parametrize("i,op", list(enumerate(BINARIES)), ids=[op.name for op in BINARIES])
def test_binary_matches_numpy(i, op):
    """Operands: two dask arrays of other chunks, dask and NumPy (broadcast along
    the rows), NumPy and dask, dask and a Python scalar, a scalar and dask."""
    dtype = dtype_of(op, i)
    a = values(op, dtype, (5, 7), seed=i)
    b = values(op, dtype, (5, 7), seed=1000 + i)
    if op.name in ("power",) and np.dtype(dtype).kind in "iu":
        b = np.abs(b)  # (negative integer powers: NumPy's ValueError, tested apart)
    mode = i % 5
    if mode == 0:
        args = (lazy(a, CHUNKS_2D), lazy(b, ((5,), (1,) * 7)))
        ref = (a, b)
    elif mode == 1:
        args, ref = (lazy(a, CHUNKS_2D), b[0]), (a, b[0])
    elif mode == 2:
        args, ref = (a, lazy(b, CHUNKS_2D)), (a, b)
    else:
        scalar = b.flat[1].item()
        if isinstance(scalar, float) and not np.isfinite(scalar):
            scalar = 2.0
        args = (lazy(a, CHUNKS_2D), scalar) if mode == 3 else (scalar, lazy(a, CHUNKS_2D))
        ref = (a, scalar) if mode == 3 else (scalar, a)
    expected = reference(op, *ref)
    result = getattr(mf, op.name)(*args)
    # (Two dask arrays of other chunks: blockwise rechunks them to common chunks.)
    assert_lazy(result, expected, chunks=None if mode == 0 else CHUNKS_2D)
    assert_close(*computed(result), expected, *tolerance(op, np.asarray(expected).dtype),
                 what=f"{op.name}({dtype}, mode {mode})")


def test_every_dtype_is_covered_by_the_elementwise_sweep():
    covered = {dtype_of(op, i) for ops in (UNARIES, BINARIES) for i, op in enumerate(ops)}
    assert covered == {d for op in OPS for d in op.dtypes}


def test_broadcasting_a_column_with_a_numpy_row():
    col = np.arange(3.0).reshape(3, 1)
    row = np.array([0.5, -1.0, 2.0, 4.0])
    result = mf.multiply(lazy(col, ((2, 1), (1,))), row)
    expected = np.multiply(col, row)
    assert_lazy(result, expected, chunks=((2, 1), (4,)))
    assert_close(*computed(result), expected)
    # A 0-d dask array against a 2-D NumPy array; a 1-D dask array against a 0-d NumPy one.
    result = mf.subtract(lazy(np.array(1.5), ()), np.ones((2, 3)))
    assert_lazy(result, np.ones((2, 3)))
    assert_close(*computed(result), 1.5 - np.ones((2, 3)))
    result = mf.add(lazy(np.arange(5), 2), np.array(3, dtype=np.int8))
    assert_close(*computed(result), np.add(np.arange(5), np.array(3, dtype=np.int8)))


def test_weak_python_scalars_keep_the_array_dtype():
    x = np.arange(6, dtype=np.int8)
    for result, expected in ((mf.add(lazy(x, 4), 3), np.add(x, 3)),
                             (mf.multiply(2.5, lazy(x.astype(np.float32), 4)),
                              np.multiply(2.5, x.astype(np.float32)))):
        assert_lazy(result, expected)
        assert_close(*computed(result), expected)


@pytest.mark.parametrize("chunks", CHUNKINGS_7)
def test_chunkings_of_one_axis(chunks):
    x = values(BY_NAME["sqrt"], "float64", (7,), seed=3)
    y = values(None, "float32", (7,), seed=4)
    results = (mf.sqrt(lazy(x, chunks)), mf.add(lazy(x, chunks), lazy(y, (4, 3))),
               mf.sum(lazy(x, chunks)), mf.argmax(lazy(y, chunks)),
               mf.cumsum(lazy(y, chunks)))
    expected = (np.sqrt(x), np.add(x, y), np.sum(x), np.argmax(y), np.cumsum(y))
    for r, e in zip(results, expected, strict=True):
        assert_lazy(r, e)
    got = computed(*results)
    tolerances = (tolerance(BY_NAME["sqrt"], np.float64), (0.0, 0.0),
                  _tolerance.reduction(BY_NAME["sum"], x, (0,), 0, np.float64),
                  (0.0, 0.0), _tolerance.scan(BY_NAME["cumsum"], y, None, np.float32))
    for g, e, (atol, rtol) in zip(got, expected, tolerances, strict=True):
        assert_close(g, e, atol=np.reshape(atol, np.shape(e)) if np.ndim(atol) else atol,
                     rtol=rtol)


def test_empty_arrays():
    x = np.empty((0, 3))
    ex = lazy(x, ((0,), (2, 1)))
    cases = [(mf.add(ex, 1.0), np.add(x, 1.0)), (mf.sqrt(ex), np.sqrt(x)),
             (mf.sum(ex), np.sum(x)), (mf.sum(ex, axis=0), np.sum(x, axis=0)),
             (mf.prod(ex, axis=1), np.prod(x, axis=1)), (mf.any(ex), np.any(x)),
             (mf.all(ex, axis=0), np.all(x, axis=0)),
             (mf.count_nonzero(ex, axis=0), np.count_nonzero(x, axis=0)),
             (mf.cumsum(ex, axis=0), np.cumsum(x, axis=0)),
             (mf.max(ex, axis=1), np.max(x, axis=1)),  # empty groups: none
             (mf.min(ex, axis=0, initial=3.0), np.min(x, axis=0, initial=3.0))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cases += [(mf.mean(ex, axis=0), np.mean(x, axis=0)),
                  (mf.var(ex, axis=0), np.var(x, axis=0))]
        got = computed(*(r for r, _ in cases))
    for (r, e), g in zip(cases, got, strict=True):
        assert_lazy(r, e)
        assert_close(g, e)


@pytest.mark.parametrize("name", ["min", "max", "argmin", "argmax", "nanmin"])
def test_empty_reductions_without_identity_raise_at_build(name):
    x = np.empty((0, 3))
    with pytest.raises(ValueError):
        getattr(np, name)(x, axis=0)
    with pytest.raises(ValueError):
        getattr(mf, name)(lazy(x, ((0,), (2, 1))), axis=0)


# --- ternary, keywords of elementwise ops -----------------------------------------------

def test_where_and_clip():
    rng = np.random.default_rng(7)
    cond = rng.integers(0, 2, (5, 7)).astype(bool)
    x = rng.standard_normal((5, 7))
    y = rng.standard_normal(7).astype(np.float32)
    cases = [
        (mf.where(lazy(cond, CHUNKS_2D), x, y), np.where(cond, x, y)),
        (mf.where(cond, lazy(x, ((1,) * 5, (7,))), 0), np.where(cond, x, 0)),
        (mf.clip(lazy(x, CHUNKS_2D), -0.5, y), np.clip(x, -0.5, y)),
        (mf.clip(lazy(x, CHUNKS_2D), None, 0.25), np.clip(x, None, 0.25)),
        (mf.clip(lazy(x, CHUNKS_2D), min=-0.1), np.clip(x, min=-0.1)),
        (mf.clip(lazy((x * 100).astype(np.int16), CHUNKS_2D), -20, 20),
         np.clip((x * 100).astype(np.int16), -20, 20)),
    ]
    got = computed(*(r for r, _ in cases))
    for (r, e), g in zip(cases, got, strict=True):
        assert_lazy(r, e)
        assert_close(g, e)


def test_elementwise_keywords():
    rng = np.random.default_rng(8)
    a = rng.standard_normal((5, 7))
    b = rng.standard_normal((5, 7)).astype(np.float32)
    mask = rng.integers(0, 2, (5, 7)).astype(bool)
    la = lazy(a, CHUNKS_2D)
    cases = [
        (mf.add(la, b, dtype=np.float32), np.add(a, b, dtype=np.float32)),
        (mf.multiply(la, 2, casting="unsafe", dtype=np.int32),
         np.multiply(a, 2, casting="unsafe", dtype=np.int32)),
    ]
    got = computed(*(r for r, _ in cases))
    for (r, e), g in zip(cases, got, strict=True):
        assert_lazy(r, e)
        assert_close(g, e, atol=1e-12, rtol=1e-12)
    # where= without out=: NumPy leaves the unselected elements undefined, so only the
    # selected ones are compared (a dask mask, then a NumPy one).
    for m in (lazy(mask, ((5,), (4, 3))), mask):
        result = mf.subtract(la, b, where=m)
        expected = np.subtract(a, b)
        assert_lazy(result, expected)
        g, = computed(result)
        assert_close(g[mask], expected[mask])


@pytest.mark.parametrize("name", ["clip", "isclose"])
@pytest.mark.parametrize("lazy_bound", [False, True], ids=["numpy-keyword", "dask-keyword"])
def test_array_keywords(name, lazy_bound):
    x = np.arange(12.0).reshape(2, 6)
    y = np.linspace(0, 12, 6)
    bound = lazy(y, 3) if lazy_bound else y
    if name == "clip":
        result = mf.clip(lazy(x, (1, 4)), min=1.0, max=bound)
        expected = np.clip(x, min=1.0, max=y)
    else:
        result = mf.isclose(lazy(x, (1, 4)), x + 0.5, rtol=bound / 12)
        expected = np.isclose(x, x + 0.5, rtol=y / 12)
    assert_lazy(result, expected)
    got = result.compute(scheduler="sync")
    assert type(got) is np.ndarray
    assert_close(got, expected)


def test_functions_without_where_keyword():
    """round (decimals=), real, imag, isclose: NumPy functions that are no ufuncs."""
    rng = np.random.default_rng(8)
    a = rng.standard_normal((5, 7))
    la = lazy(a, CHUNKS_2D)
    cases = [
        (mf.round(la * 100, 1), np.round(a * 100, 1)),
        (mf.round(la, decimals=-1), np.round(a, decimals=-1)),
        (mf.real(la), np.real(a)), (mf.imag(la), np.imag(a)),
        (mf.isclose(la, a + 1e-9), np.isclose(a, a + 1e-9)),
        (mf.isclose(la, np.where(a > 0, np.nan, a), equal_nan=True),
         np.isclose(a, np.where(a > 0, np.nan, a), equal_nan=True)),
    ]
    got = computed(*(r for r, _ in cases))
    for (r, e), g in zip(cases, got, strict=True):
        assert_lazy(r, e)
        assert_close(g, e, atol=1e-12, rtol=1e-12)


def test_casting_errors_are_raised_at_build():
    x = np.arange(4.0)
    with pytest.raises(TypeError):
        np.add(x, 1, dtype=np.int32)
    with pytest.raises(TypeError):
        mf.add(lazy(x, 2), 1, dtype=np.int32)


# --- reductions ------------------------------------------------------------------------

def _axes_of(op):
    return (0, 1, -1, None) if op.is_arg else (0, 1, None, (0, 1), (-1,))


def _reduction_input(op, i):
    dtype = dtype_of(op, i)
    x = values(op, dtype, (5, 7), seed=50 + i)
    if np.dtype(dtype).kind == "f" and op.family == "prod":
        x = np.where(np.isfinite(x), x / 90, x)  # (products of 35 values of |x| <= 1.1)
    if op.family == "moments" and np.dtype(dtype).kind in "iu":
        x = x % 17  # (int sums of squares well within float64)
    return x


@pytest.mark.parametrize("i,op", list(enumerate(REDUCTIONS)),
                         ids=[op.name for op in REDUCTIONS])
def test_reduction_over_each_axis_and_both(i, op):
    x = _reduction_input(op, i)
    lx = lazy(x, CHUNKS_2D)
    cases = []
    for axis, keepdims in itertools.product(_axes_of(op), (False, True)):
        expected = reference(op, x, axis=axis, keepdims=keepdims)
        result = getattr(mf, op.name)(lx, axis=axis, keepdims=keepdims)
        assert_lazy(result, expected)
        cases.append((axis, keepdims, result, expected))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (nanmin of an all-NaN row...)
        got = computed(*(c[2] for c in cases))
    for (axis, keepdims, _, expected), g in zip(cases, got, strict=True):
        e = np.asarray(expected)
        if exact(op):
            atol = 0.0
            rtol = 0.0
        else:
            axes = tuple(range(2)) if axis is None else normalize_axis_tuple(axis, 2)
            atol, rtol = _tolerance.reduction(op, x, axes, 0, e.dtype)
            atol = np.reshape(atol, e.shape) if np.ndim(atol) else atol
        assert_close(g, e, atol=atol, rtol=rtol,
                     what=f"{op.name}({x.dtype}, axis={axis}, keepdims={keepdims})")


def test_every_dtype_is_covered_by_the_reduction_sweep():
    assert {dtype_of(op, i) for i, op in enumerate(REDUCTIONS)} == set(BY_NAME["sum"].dtypes)


def test_reduction_keywords():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((5, 7))
    x32 = x.astype(np.float32)
    i8 = rng.integers(-128, 128, (5, 7)).astype(np.int8)
    lx, l32, li8 = lazy(x, CHUNKS_2D), lazy(x32, CHUNKS_2D), lazy(i8, CHUNKS_2D)
    cases = [
        (mf.sum(li8, dtype=np.int8), np.sum(i8, dtype=np.int8)),  # wraps, as NumPy
        (mf.sum(li8, axis=0, dtype=np.int16), np.sum(i8, axis=0, dtype=np.int16)),
        (mf.sum(li8), np.sum(i8)),  # int64: no wrap
        (mf.mean(l32, dtype=np.float64), np.mean(x32, dtype=np.float64)),
        (mf.mean(li8, axis=1), np.mean(i8, axis=1)),
        (mf.var(l32, axis=0, dtype=np.float64), np.var(x32, axis=0, dtype=np.float64)),
        (mf.var(lx, ddof=1), np.var(x, ddof=1)),
        (mf.std(lx, axis=1, ddof=2, keepdims=True), np.std(x, axis=1, ddof=2, keepdims=True)),
        (mf.var(lx, axis=0, correction=1.5), np.var(x, axis=0, correction=1.5)),
        (mf.nanstd(lx, axis=(0, 1), ddof=1), np.nanstd(x, axis=(0, 1), ddof=1)),
        (mf.prod(lx, axis=0, dtype=np.float32), np.prod(x, axis=0, dtype=np.float32)),
        (mf.sum(lx, axis=1, initial=10.0), np.sum(x, axis=1, initial=10.0)),
        (mf.prod(li8, initial=3, dtype=np.int64), np.prod(i8, initial=3, dtype=np.int64)),
        (mf.max(lx, axis=0, initial=0.5), np.max(x, axis=0, initial=0.5)),
        (mf.min(li8, initial=-5), np.min(i8, initial=-5)),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = computed(*(r for r, _ in cases))
    for k, ((r, e), g) in enumerate(zip(cases, got, strict=True)):
        assert_lazy(r, e)
        e = np.asarray(e)
        rtol = 0.0 if e.dtype.kind in "biu" else 1e-5 if e.dtype == np.float32 else 1e-12
        assert_close(g, e, atol=1e-12, rtol=rtol, what=f"case {k}")


def test_ddof_at_least_the_count():
    x = np.arange(6.0).reshape(2, 3)
    lx = lazy(x, (1, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cases = [(mf.var(lx, axis=0, ddof=2), np.var(x, axis=0, ddof=2)),
                 (mf.std(lx, axis=0, ddof=3), np.std(x, axis=0, ddof=3))]
        got = computed(*(r for r, _ in cases))
    for (r, e), g in zip(cases, got, strict=True):
        assert_lazy(r, e)
        assert_close(g, e)


def test_integer_overflow_of_partials():
    """Partial sums of each chunk must accumulate in the result's dtype (int64 for int8
    and int32), not in the input's; products of int64 wrap as NumPy's do (modulo 2**64:
    any order gives the same)."""
    i8 = np.full(300, 127, np.int8)
    i32 = np.full((4, 6), 2**31 - 1, np.int32)
    u8 = np.full(100, 255, np.uint8)
    big = np.arange(1, 41, dtype=np.int64) * 1_000_003
    cases = [(mf.sum(lazy(i8, 7)), np.sum(i8)),
             (mf.sum(lazy(i32, (3, 1)), axis=0), np.sum(i32, axis=0)),
             (mf.sum(lazy(u8, 1)), np.sum(u8)),
             (mf.nansum(lazy(i32, 2)), np.nansum(i32)),
             (mf.prod(lazy(big, 6)), np.prod(big)),
             (mf.prod(lazy(i8, 9).astype(np.int16) + 1), np.prod(i8.astype(np.int16) + 1)),
             (mf.cumsum(lazy(i8, 7)), np.cumsum(i8)),
             (mf.cumprod(lazy(big, 7)), np.cumprod(big)),
             (mf.mean(lazy(i32, 2)), np.mean(i32)),
             (mf.dot(lazy(i32[0], 4), i32[1]), np.dot(i32[0], i32[1]))]
    got = computed(*(r for r, _ in cases))
    for k, ((r, e), g) in enumerate(zip(cases, got, strict=True)):
        assert_lazy(r, e)
        assert_close(g, e, what=f"case {k}")


def test_nan_inputs():
    x = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan, np.nan, np.nan, np.nan],
                  [0.5, 4.0, np.nan, -7.0]])
    lx = lazy(x, ((1, 2), (3, 1)))
    cases = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in ("sum", "nansum", "mean", "nanmean", "var", "nanvar", "std", "nanstd",
                     "min", "nanmin", "max", "nanmax", "argmin", "argmax", "prod", "any",
                     "all"):
            for a in (None, 0, 1) if name.startswith("arg") else (None, 0, 1, (0, 1)):
                cases.append((f"{name}(axis={a})", getattr(mf, name)(lx, axis=a),
                              getattr(np, name)(x, axis=a)))
        got = computed(*(r for _, r, _ in cases))
    for (what, r, e), g in zip(cases, got, strict=True):
        assert_lazy(r, e)
        assert_close(g, e, atol=1e-12, rtol=1e-12, what=what)


def test_count_nonzero_over_several_chunks():
    x = np.array([[1.0, 0.0, np.nan, 2.0], [0.0, 0.0, 3.0, -1.0], [4.0, 0.0, 0.0, 5.0]])
    lx = lazy(x, ((1, 2), (3, 1)))
    cases = [(mf.count_nonzero(lx, axis=a), np.count_nonzero(x, axis=a))
             for a in (None, 0, 1, (0, 1))]
    cases.append((mf.count_nonzero(lazy(np.ones(6), 2)), np.count_nonzero(np.ones(6))))
    for (r, e), g in zip(cases, computed(*(r for r, _ in cases)), strict=True):
        assert_lazy(r, e)
        assert_close(g, e)


def test_argmin_of_a_2d_array_flattened_ties_across_column_chunks():
    """The minimum 0.5 at flat 8 ([2, 2], block (1, 1)) and flat 9 ([3, 0], block (1, 0)):
    NumPy gives 8."""
    y = np.array([[2.0, 7.0, 7.0], [7.0, 1.0, 1.0], [1.0, 7.0, 0.5], [0.5, 2.0, 7.0]])
    ly = lazy(y, ((1, 1, 2), (1, 2)))
    cases = [(mf.argmin(ly), np.argmin(y)), (mf.argmax(lazy(-y, ((1, 1, 2), (1, 2)))),
                                             np.argmax(-y))]
    for (r, e), g in zip(cases, computed(*(r for r, _ in cases)), strict=True):
        assert_lazy(r, e)
        assert_close(g, e)


def test_argmin_argmax_ties_take_the_first_occurrence():
    """Equal extremes in several chunks: the first (lowest global index) wins, also when
    the later chunk is reduced first; NaN is the extreme (its first index)."""
    x = np.array([3, 1, 5, 1, 5, 0, 5, 0, 2], dtype=np.int32)
    y = np.array([[2.0, 7.0, 7.0], [7.0, 1.0, 1.0], [1.0, 7.0, 0.5], [0.5, 2.0, 7.0]])
    z = np.array([1.0, np.nan, 2.0, np.nan, -1.0])
    cases = []
    for chunks in ((2, 3, 4), (1,) * 9, (4, 5)):
        lx = lazy(x, chunks)
        cases += [(mf.argmin(lx), np.argmin(x)), (mf.argmax(lx), np.argmax(x))]
    ly = lazy(y, ((1, 1, 2), (1, 2)))
    for axis in (0, 1):  # (None: test_argmin_of_a_2d_array_flattened...)
        cases += [(mf.argmin(ly, axis=axis), np.argmin(y, axis=axis)),
                  (mf.argmax(ly, axis=axis, keepdims=True), np.argmax(y, axis=axis,
                                                                        keepdims=True))]
    lz = lazy(z, 2)
    cases += [(mf.argmin(lz), np.argmin(z)), (mf.argmax(lz), np.argmax(z))]
    got = computed(*(r for r, _ in cases))
    for k, ((r, e), g) in enumerate(zip(cases, got, strict=True)):
        assert_lazy(r, e)
        assert_close(g, e, what=f"case {k}")


#: 1e8 + noise in [0, 1): raw moments (sum x^2 - n mean^2) lose all ~16 digits of the
#: 1e16-sized terms; merging (count, mean, M2) by Chan's formula keeps NumPy's two-pass
#: accuracy (~1e-16 here; dask's own var is 8e-11 off with chunks of 5000, 4e-10 of 100).
LARGE_MEAN = 1e8 + np.random.default_rng(11).uniform(0, 1, 40_000)
#: NumPy's two-pass variance is ~1e-16 off here; 1e-12 leaves room, not dask's 8e-11.
LARGE_MEAN_RTOL = 1e-12


def _assert_digits_kept(cases, chunk):
    got = computed(*(r for r, _ in cases))
    for k, ((r, e), g) in enumerate(zip(cases, got, strict=True)):
        assert_lazy(r, e)
        error = np.max(np.abs(np.asarray(g) - e) / e)
        assert error < LARGE_MEAN_RTOL, f"case {k}, chunks of {chunk}: relative error {error:.1e}"


@pytest.mark.parametrize("chunk", [5_000, 1_000])
def test_var_with_a_large_mean_keeps_its_digits(chunk):
    x = LARGE_MEAN
    lx = lazy(x, chunk)
    _assert_digits_kept([(mf.var(lx), np.var(x)), (mf.std(lx, ddof=1), np.std(x, ddof=1))],
                        chunk)
    # (Reported, not asserted: dask's own var on the same chunks.)
    own = float(da.var(lx).compute())
    print(f"relative error of dask's own var, chunks of {chunk}: "
          f"{abs(own - np.var(x)) / np.var(x):.1e}")


@pytest.mark.parametrize("chunk", [5_000, 1_000])
def test_nanvar_with_a_large_mean_keeps_its_digits(chunk):
    x = LARGE_MEAN
    lx = lazy(x, chunk)
    _assert_digits_kept([(mf.nanvar(lx), np.nanvar(x)), (mf.nanstd(lx), np.nanstd(x))], chunk)


@pytest.mark.parametrize("chunk", [40_000, 1_000])
def test_var_along_an_axis_with_a_large_mean_keeps_its_digits(chunk):
    """NumPy's var along axis 0 of a C-ordered table adds row after row (9.8e-12 off in
    column 1 here): the oracle is NumPy's var of each column, 1-D (pairwise, ~1e-16)."""
    x = LARGE_MEAN
    table = np.stack([x, x[::-1], 2e8 - x], axis=1)
    lt = lazy(table, (chunk, 2))
    columns = np.array([np.var(table[:, j]) for j in range(3)])
    _assert_digits_kept([(mf.var(lt, axis=0), columns),
                         (mf.std(lt, axis=0, keepdims=True, backend="numpy"),
                          np.sqrt(columns)[None, :])], chunk)


# --- scans, dot, composites -----------------------------------------------------------

@pytest.mark.parametrize("i,op", list(enumerate(SCANS)), ids=[op.name for op in SCANS])
def test_scans(i, op):
    dtype = ("float64", "int32", "uint8", "float32")[i % 4]
    x = values(op, dtype, (5, 7), seed=90 + i, specials=False)
    if op.family == "prod" and x.dtype.kind == "f":
        x = x / 90
    lx = lazy(x, CHUNKS_2D)
    fn, ref = getattr(mf, op.name), op.reference
    calls = [dict(axis=0), dict(axis=1), dict(axis=-1, dtype=np.float64)]
    if op.standard:
        calls += [dict(axis=0, include_initial=True), dict(axis=1, include_initial=True)]
    else:
        calls += [dict(axis=None), dict()]
    results = [fn(lx, **kw) for kw in calls]
    expected = [ref(x, **kw) for kw in calls]
    for kw, r, e, g in zip(calls, results, expected, computed(*results), strict=True):
        assert_lazy(r, e)
        atol, rtol = _tolerance.scan(op, x, kw.get("axis"), e.dtype,
                                     kw.get("include_initial", False))
        assert_close(g, e, atol=atol, rtol=rtol, what=f"{op.name}({x.dtype}, {kw})")


def test_cumulative_sum_of_2d_without_axis_raises_as_numpy():
    x = np.ones((2, 3))
    with pytest.raises(ValueError):
        np.cumulative_sum(x)
    with pytest.raises(ValueError):
        mf.cumulative_sum(lazy(x, 1))


def test_dot():
    rng = np.random.default_rng(12)
    a, b = rng.standard_normal(11), rng.standard_normal(11)
    ai, bi = rng.integers(-9, 9, 11), rng.integers(-9, 9, 11).astype(np.int8)
    ab, bb = ai > 0, bi < 0
    cases = [(mf.dot(lazy(a, 4), lazy(b, (5, 6))), np.dot(a, b)),
             (mf.dot(lazy(a, 1), b), np.dot(a, b)),
             (mf.dot(a.astype(np.float32), lazy(b.astype(np.float32), 3)),
              np.dot(a.astype(np.float32), b.astype(np.float32))),
             (mf.dot(lazy(ai, 3), bi), np.dot(ai, bi)),
             (mf.dot(lazy(ab, 3), lazy(bb, 2)), np.dot(ab, bb)),
             (mf.dot(lazy(ab, 3), ~ab), np.dot(ab, ~ab))]
    got = computed(*(r for r, _ in cases))
    for k, ((r, e), g) in enumerate(zip(cases, got, strict=True)):
        assert_lazy(r, e)
        assert_close(g, e, atol=1e-5 if e.dtype == np.float32 else 1e-12, what=f"case {k}")
    with pytest.raises(ValueError):
        np.dot(a, b[:5])
    with pytest.raises(ValueError):
        mf.dot(lazy(a, 4), b[:5])


def test_vecdot_diff_allclose():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((5, 7))
    y = rng.standard_normal(7)
    col = rng.standard_normal((5, 1))
    b = rng.integers(0, 2, (5, 7)).astype(bool)
    lx = lazy(x, CHUNKS_2D)
    near = x + np.where(b, 1e-10, 1.0)
    nanx = np.where(b, np.nan, x)
    cases = [
        (mf.vecdot(lx, y), np.vecdot(x, y)),
        (mf.vecdot(lx, col, axis=0), np.vecdot(x, col, axis=0)),
        (mf.vecdot(y, lazy(y, 3)), np.vecdot(y, y)),
        (mf.diff(lx), np.diff(x)),
        (mf.diff(lx, n=2, axis=0), np.diff(x, n=2, axis=0)),
        (mf.diff(lx, axis=1, prepend=0.0, append=x[:, :2]),
         np.diff(x, axis=1, prepend=0.0, append=x[:, :2])),
        (mf.diff(lazy(b, CHUNKS_2D), axis=1), np.diff(b, axis=1)),
        (mf.diff(lazy(b.astype(np.uint8), 2), n=3), np.diff(b.astype(np.uint8), n=3)),
        (mf.allclose(lx, near), np.allclose(x, near)),
        (mf.allclose(lx, x + 1e-12), np.allclose(x, x + 1e-12)),
        (mf.allclose(lazy(nanx, 3), nanx, equal_nan=True),
         np.allclose(nanx, nanx, equal_nan=True)),
        (mf.allclose(lx, near, atol=2.0), np.allclose(x, near, atol=2.0)),
    ]
    got = computed(*(r for r, _ in cases))
    for k, ((r, e), g) in enumerate(zip(cases, got, strict=True)):
        e = np.asarray(e)
        assert isinstance(r, da.Array) and r.dtype == e.dtype and r.shape == e.shape
        assert_close(g, e, atol=1e-12, what=f"case {k}")


# --- random: hypothesis --------------------------------------------------------------

_SMALL = settings(max_examples=12, deadline=None)


@st.composite
def chunked(draw, ndim_max=2, dtype="float64"):
    shape = draw(st.lists(st.integers(0, 6), min_size=1, max_size=ndim_max).map(tuple))
    chunks = []
    for n in shape:
        parts, left = [], n
        while left > 0:
            parts.append(draw(st.integers(1, left)))
            left -= parts[-1]
        chunks.append(tuple(parts) or (0,))
    x = values(None, dtype, shape, seed=draw(st.integers(0, 2**16)))
    return x, tuple(chunks)


@_SMALL
@given(data=st.data())
def test_random_binary_broadcast(data):
    op = data.draw(st.sampled_from([BY_NAME[n] for n in ("add", "maximum", "hypot",
                                                         "less", "fmin", "arctan2")]))
    x, chunks = data.draw(chunked())
    other = values(None, "float32", x.shape[-1:], seed=1)
    expected = reference(op, x, other)
    result = getattr(mf, op.name)(lazy(x, chunks), other)
    assert_lazy(result, expected, chunks=chunks)
    assert_close(*computed(result), expected, *tolerance(op, expected.dtype))


@_SMALL
@given(data=st.data())
def test_random_reductions(data):
    op = data.draw(st.sampled_from([BY_NAME[n] for n in (
        "sum", "nanmean", "var", "nanstd", "max", "nanmin", "argmax", "prod", "any",
        "all")]))
    x, chunks = data.draw(chunked())
    if op.family == "prod":
        x = np.where(np.isfinite(x), x / 90, x)
    axis = data.draw(st.sampled_from([None, *range(x.ndim)]))
    keepdims = data.draw(st.booleans())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            expected = reference(op, x, axis=axis, keepdims=keepdims)
        except ValueError:  # an empty reduction without identity: the same error, now
            with pytest.raises(ValueError):
                getattr(mf, op.name)(lazy(x, chunks), axis=axis, keepdims=keepdims)
            return
        result = getattr(mf, op.name)(lazy(x, chunks), axis=axis, keepdims=keepdims)
        assert_lazy(result, expected)
        got, = computed(result)
    e = np.asarray(expected)
    atol, rtol = 0.0, 0.0
    if not exact(op):
        axes = tuple(range(x.ndim)) if axis is None else (axis,)
        atol, rtol = _tolerance.reduction(op, x, axes, 0, e.dtype)
        atol = np.reshape(atol, e.shape) if np.ndim(atol) else atol
    assert_close(got, e, atol=atol, rtol=rtol, what=f"{op.name} axis={axis}")


@pytest.mark.parametrize("case", [
    lambda L: (mf.sum(L(np.array(3.0))), np.sum(np.array(3.0))),
    lambda L: (mf.argmax(L(np.array(3.0))), np.argmax(np.array(3.0))),
    lambda L: (mf.cumsum(L(np.array(3.0))), np.cumsum(np.array(3.0))),
    lambda L: (mf.sum(L(np.ones((3, 4))), axis=()), np.sum(np.ones((3, 4)), axis=())),
    lambda L: (mf.var(L(np.ones((3, 4))), axis=()), np.var(np.ones((3, 4)), axis=())),
    lambda L: (mf.argmax(L(np.arange(12.0).reshape(3, 4)), keepdims=True),
               np.argmax(np.arange(12.0).reshape(3, 4), keepdims=True)),
    lambda L: (mf.nanmax(L(np.arange(5))), np.nanmax(np.arange(5))),
    lambda L: (mf.mean(L(np.arange(5) > 1)), np.mean(np.arange(5) > 1)),
    lambda L: (mf.var(L(np.arange(5) > 1)), np.var(np.arange(5) > 1)),
    lambda L: (mf.mean(L(np.arange(5, dtype=np.float16))),
               np.mean(np.arange(5, dtype=np.float16))),
    lambda L: (mf.std(L(np.arange(5)), dtype=np.float32), np.std(np.arange(5), dtype=np.float32)),
    lambda L: (mf.cumsum(L(np.arange(5) > 1)), np.cumsum(np.arange(5) > 1)),
    lambda L: (mf.all(L(np.empty(0))), np.all(np.empty(0))),
    lambda L: (mf.dot(L(np.empty(0)), np.empty(0)), np.dot(np.empty(0), np.empty(0))),
    lambda L: (mf.diff(L(np.ones((3, 4))), n=0), np.diff(np.ones((3, 4)), n=0)),
    lambda L: (mf.sum(L(np.full(4, 2**63, np.uint64))), np.sum(np.full(4, 2**63, np.uint64))),
    lambda L: (mf.mean(L(np.full(10, 2**62, np.int64))), np.mean(np.full(10, 2**62, np.int64))),
    lambda L: (mf.sum(L(np.array([np.inf, -np.inf, 1.0]))),
               np.sum(np.array([np.inf, -np.inf, 1.0]))),
], ids=["sum-0d", "argmax-0d", "cumsum-0d", "sum-axis-()", "var-axis-()", "argmax-keepdims",
        "nanmax-int", "mean-bool", "var-bool", "mean-float16", "std-int-dtype", "cumsum-bool",
        "all-empty", "dot-empty", "diff-n0", "sum-uint64-wraps", "mean-big-int", "sum-inf-inf"])
def test_edge_cases(case):
    result, expected = case(lambda v: lazy(v, 2 if np.ndim(v) else ()))
    assert_lazy(result, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got, = computed(result, scheduler="sync")
    assert_close(got, expected, rtol=1e-6 if np.asarray(expected).dtype.kind == "f" else 0)


def test_fused_expressions_on_dask_arrays():
    """mf.fuse on dask inputs: lazy; an elementwise program and one ending in a reduction."""
    rng = np.random.default_rng(16)
    x, y = rng.standard_normal((6, 5)), rng.standard_normal(5)
    lx = lazy(x, ((4, 2), (2, 3)))
    squared_distance = mf.fuse(lambda a, b: mf.sum((a - b) ** 2))
    norm = mf.fuse(lambda a, b: mf.sqrt(a * a + b * b))
    column_max = mf.fuse(lambda a: mf.max(mf.abs(a), axis=0))
    cases = [(squared_distance(lx, y), np.sum((x - y) ** 2)),
             (norm(lx, lazy(y, 3)), np.sqrt(x * x + y * y)),
             (column_max(lx), np.max(np.abs(x), axis=0))]
    for (r, e), g in zip(cases, computed(*(r for r, _ in cases)), strict=True):
        assert_lazy(r, e)
        assert_close(g, e, atol=1e-12, rtol=1e-12)
    assert mf.explain(squared_distance, lx, y).backend == "dask"


def test_fused_programs_with_several_results_are_one_pass_per_chunk(monkeypatch):
    """Elementwise results of the broadcast shape (and inputs returned as they are):
    one fused task per chunk, its tuple split by getitem; computed together, each
    chunk's task runs once. Others (a reduction, a smaller result) go op by op."""
    from mathfront._dask._fused import FusedKernel

    rng = np.random.default_rng(18)
    x, y = rng.standard_normal((7, 5)), rng.standard_normal(5)
    lx, ly = lazy(x, ((4, 3), (2, 3))), lazy(y, ((2, 3),))
    both = mf.fuse(lambda a, b: (a * b + 1.0, a > b, a))
    results = both(lx, ly)
    expected = (x * y + 1.0, x > y, x)
    assert all(isinstance(r, da.Array) for r in results)
    for r, e in zip(results, expected, strict=True):
        assert_lazy(r, e)
    for g, e in zip(computed(*results), expected, strict=True):
        assert_close(g, e, rtol=0)
    calls = []
    original = FusedKernel.__call__
    monkeypatch.setattr(FusedKernel, "__call__",
                        lambda self, *c: calls.append(1) or original(self, *c))
    computed(*both(lx, ly), scheduler="sync")
    assert len(calls) == 4  # 2 x 2 chunks, once each for the three results
    assert not [n for n in results[0].dask.layers if n.startswith(("mf-add", "mf-multiply"))]
    mixed = mf.fuse(lambda a, b: (a * b, mf.sum(a)))(lx, ly)
    smaller = mf.fuse(lambda a, b: (a * b, b * 2.0))(lx, ly)
    for e, g in zip([x * y, np.sum(x), y * 2.0], computed(mixed[0], mixed[1], smaller[1]),
                    strict=True):
        assert_close(g, e, rtol=1e-12)


def test_fused_programs_ending_in_var_std_argmin_argmax():
    """Their elementwise part is one fused layer (the program without its reduction),
    then mathfront's dask reduction: NumPy's values, and no op-by-op layers."""
    from mathfront._dask._fused import FusedKernel

    rng = np.random.default_rng(17)
    x, y = rng.standard_normal((7, 5)), rng.standard_normal((7, 5))
    lx, ly = lazy(x, ((4, 3), (2, 3))), lazy(y, ((3, 4), (5,)))
    spread = mf.fuse(lambda a, b: mf.var(a * b + 1.0, ddof=1))
    column_std = mf.fuse(lambda a, b: mf.std(a - b, axis=0, keepdims=True))
    first_low = mf.fuse(lambda a, b: mf.argmin(a + b))
    row_high = mf.fuse(lambda a, b: mf.argmax(a * b, axis=1))
    cases = [(spread(lx, ly), np.var(x * y + 1.0, ddof=1)),
             (column_std(lx, ly), np.std(x - y, axis=0, keepdims=True)),
             (first_low(lx, ly), np.argmin(x + y)), (row_high(lx, ly), np.argmax(x * y, axis=1))]
    for (r, e), g in zip(cases, computed(*(r for r, _ in cases)), strict=True):
        assert_lazy(r, e)
        assert_close(g, e, atol=1e-12, rtol=1e-12)
        fused = [k for k in kernels(r, "mf-fuse") if isinstance(k, FusedKernel)]
        assert fused and all("before its reduction" in k.fused.name for k in fused)
        # No layer of a single elementwise op (mf-multiply, mf-add...): one fused layer.
        assert not [n for n in r.dask.layers if n.startswith(("mf-add", "mf-multiply",
                                                               "mf-subtract"))]


def test_the_readme_dask_example_runs():
    """The README's Dask block, smaller, on this module's cluster (its Client line
    dropped: the module's client is the default one)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    (code,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
               if "import dask.array" in b]
    assert "client = Client(LocalCluster(" in code
    code = "\n".join(line for line in code.splitlines() if not line.startswith("client ="))
    code = code.replace("40_000_000", "4_000").replace("5_000_000", "700")
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    x = scope["x"].compute()
    assert_lazy(scope["z"], np.sqrt(x))
    assert_close(scope["z"].compute(), np.sqrt(x), rtol=1e-15)
    assert {k.backend for k in kernels(scope["z"], "mf-sqrt")} == {"numpy"}


# --- other schedulers ---------------------------------------------------------------

@pytest.mark.parametrize("scheduler", ["threads", "sync"])
def test_threaded_and_synchronous_schedulers(scheduler):
    rng = np.random.default_rng(14)
    x = rng.standard_normal((6, 9))
    y = rng.standard_normal(9)
    lx = lazy(x, ((4, 2), (2, 3, 4)))
    cases = [(mf.add(lx, y), np.add(x, y)), (mf.sqrt(mf.abs(lx)), np.sqrt(np.abs(x))),
             (mf.maximum(lx > 0, lx), np.maximum(x > 0, x))]
    with dask.config.set(scheduler=scheduler):
        for r, e in cases:
            assert_eq(r, e, scheduler=scheduler, atol=0, rtol=0)
        reductions = [(mf.sum(lx, axis=0), np.sum(x, axis=0)), (mf.var(lx), np.var(x)),
                      (mf.argmax(lx, axis=1), np.argmax(x, axis=1)),
                      (mf.cumsum(lx, axis=1), np.cumsum(x, axis=1)),
                      (mf.dot(lx[0], y), np.dot(x[0], y))]
        for r, e in reductions:
            assert_eq(r, e, scheduler=scheduler, atol=1e-12, rtol=1e-12)


def test_chunk_tasks_in_a_distributed_worker_use_one_thread(client):
    # distributed sets OMP_NUM_THREADS=1 in the workers it spawns.
    assert client.submit(task_threads, pure=False).result() == 1
    assert task_threads() is None  # the main thread: no limit


# --- laziness -----------------------------------------------------------------------

CALLS = []


def _counted(block):
    CALLS.append(block.shape)
    return block


def _boom():
    raise RuntimeError("computed")


def _every_kind(x):
    y = x[0]
    return [mf.add(x, 1.0), mf.sqrt(x), mf.sum(x), mf.var(x, axis=0), mf.argmax(x, axis=1),
            mf.cumsum(x, axis=0), mf.cumulative_prod(y), mf.dot(y, y), mf.vecdot(x, y),
            mf.diff(x), mf.allclose(x, x), mf.isclose(x, 1.0), mf.where(x > 0, x, y),
            mf.clip(x, 0, 1), mf.nanmean(x), mf.round(x, 1)]


def test_nothing_is_computed_before_compute():
    CALLS.clear()
    base = lazy(np.arange(12.0).reshape(3, 4), (2, 3))
    x = da.map_blocks(_counted, base, dtype=base.dtype, meta=np.empty((0, 0)))
    results = _every_kind(x)
    assert CALLS == []
    r = results[2]
    assert_lazy(r, np.sum(np.ones((3, 4))))
    assert float(r.compute(scheduler="sync")) == np.sum(np.arange(12.0))
    assert len(CALLS) == 4  # each chunk once, when computed


def test_a_failing_source_fails_only_at_compute():
    x = da.from_delayed(dask.delayed(_boom)(), shape=(3, 4), dtype=np.float64)
    results = _every_kind(x)  # builds, raises nothing
    for r in results:
        assert isinstance(r, da.Array)
        with pytest.raises(RuntimeError, match="computed"):
            r.compute(scheduler="sync")


# --- the graph ------------------------------------------------------------------------

def test_elementwise_tasks_call_mathfront_kernels():
    x = lazy(np.arange(10.0), 3)
    result = mf.hypot(x, 2.0)
    tasks = layer_tasks(result, "mf-hypot")
    assert len(tasks) == 4  # one per chunk, one blockwise layer
    for task in tasks:
        assert isinstance(task.func, Kernel)
        assert task.func.name == "hypot" and task.func.backend == "auto"
    # The layer is the only one besides the source's.
    assert len(result.dask.layers) == 2


@pytest.mark.parametrize("name,inner", [
    ("sum", {"sum"}), ("var", {"sum", "divide"}),
    ("nanstd", {"nansum", "nanmean", "sqrt"}),
    ("argmax", {"argmax", "max"}), ("cumsum", {"cumsum", "add"}),
    ("mean", {"sum", "divide"}), ("dot", {"dot"}), ("min", {"min"})])
def test_reductions_scans_and_dot_run_mathfront_kernels(name, inner):
    x = lazy(np.arange(10.0), 3)
    args = (x, x) if name == "dot" else (x,)
    result = getattr(mf, name)(*args, backend="cpp")
    found = kernels(result, "")
    assert inner <= {k.name for k in found}, {k.name for k in found}
    assert {k.backend for k in found} == {"cpp"}


def test_the_selection_at_build_time_is_recorded():
    x = lazy(np.arange(6.0), 4)

    def backends(result):
        return {k.backend for k in kernels(result, "")}

    assert backends(mf.add(x, 1.0, backend="numpy")) == {"numpy"}
    with mf.use_backend("numpy"):
        inside = mf.multiply(x, 2.0)
        inside_sum = mf.sum(x)
    # Computed outside the block (and under another selection): still numpy.
    with mf.use_backend("cpp"):
        assert backends(inside) == {"numpy"} and backends(inside_sum) == {"numpy"}
        assert_close(inside.compute(scheduler="sync"), np.arange(6.0) * 2)
    before = mf.get_backend()
    try:
        mf.set_backend("cpp")
        at_cpp = mf.subtract(x, 1.0)
        mf.set_backend("numpy")
        assert backends(at_cpp) == {"cpp"}
        assert backends(mf.subtract(x, 1.0)) == {"numpy"}
    finally:
        mf.set_backend(before)
    assert backends(mf.subtract(x, 1.0, backend="cpp")) == {"cpp"}


def test_tasks_run_the_recorded_backend_not_the_one_at_compute():
    """float16, which cpp refuses: built under numpy, computed under cpp, it runs."""
    h = np.linspace(-2, 2, 8).astype(np.float16)
    with mf.use_backend("numpy"):
        result = mf.add(lazy(h, 3), lazy(h, 5))
    with mf.use_backend("cpp"):
        got = result.compute(scheduler="sync")
    assert_close(got, np.add(h, h))
    # On the cluster too: the workers never saw the client's selection.
    with mf.use_backend("numpy"):
        result = mf.sum(lazy(h, 3))
    assert_close(*computed(result), np.sum(h), atol=1e-2)


# --- errors ---------------------------------------------------------------------------

def test_out_is_refused_before_anything_runs():
    CALLS.clear()
    x = da.map_blocks(_counted, lazy(np.arange(6.0), 4), dtype=np.float64,
                      meta=np.empty(0))
    for out in (np.empty(6), lazy(np.empty(6), 3)):
        with pytest.raises(TypeError, match="out="):
            mf.add(x, 1.0, out=out)
        with pytest.raises(TypeError, match="out="):
            mf.sqrt(x, out)
        with pytest.raises(TypeError, match="out="):
            mf.cumsum(x, out=out)
    with pytest.raises(TypeError, match="out="):
        mf.sum(x, out=np.empty(()))
    with pytest.raises(TypeError, match="out="):
        mf.clip(x, 0, 1, out=np.empty(6))
    with pytest.raises(TypeError, match="out="):
        mf.vecdot(x, x, out=np.empty(()))
    # A NumPy operand with a dask out=: also refused.
    with pytest.raises(TypeError):
        mf.add(np.arange(6.0), 1.0, out=lazy(np.empty(6), 3))
    assert CALLS == []


@pytest.mark.parametrize("call", [
    lambda x: mf.sum(x, where=np.ones(x.shape, bool)),
    lambda x: mf.mean(x, where=x > 0),
    lambda x: mf.max(x, where=np.ones(x.shape, bool), initial=0.0),
    lambda x: mf.var(x, mean=np.zeros(1)),
    lambda x: mf.std(x, mean=mf.mean(x, keepdims=True)),
])
def test_reduction_where_and_mean_are_refused(call):
    with pytest.raises(TypeError, match="dask"):
        call(lazy(np.arange(6.0), 4))


def _eager_error(fn):
    with pytest.raises(Exception) as info:
        fn(np.asarray)
    return info.type


@pytest.mark.parametrize("call", [
    lambda a: mf.sum(a(np.ones((2, 3))), axis=2),
    lambda a: mf.argmax(a(np.ones((2, 3))), axis=(0, 1)),
    lambda a: mf.var(a(np.ones((2, 3))), axis=-3),
    lambda a: mf.cumsum(a(np.ones((2, 3))), axis=2),
    lambda a: mf.diff(a(np.ones((2, 3))), axis=2),
    lambda a: mf.vecdot(a(np.ones((2, 3))), np.ones(3), axis=3),
    lambda a: mf.add(a(np.ones(3)), np.ones(4)),
    lambda a: mf.where(a(np.ones(3, bool)), np.ones((2, 4)), 0),
    lambda a: mf.dot(a(np.ones(3)), np.ones(4)),
    lambda a: mf.dot(a(np.ones((2, 2))), np.ones(2)),
    lambda a: mf.add(a(np.ones(3, np.float16)), 1, backend="cpp"),
    lambda a: mf.sum(a(np.ones(3, np.float16)), backend="cpp"),
    lambda a: mf.cumsum(a(np.ones(3, np.float16)), backend="cpp"),
    lambda a: mf.add(a(np.ones(3)), 1, backend="nope"),
    lambda a: mf.bitwise_and(a(np.ones(3)), 1),
    lambda a: mf.power(a(np.arange(3)), -1),
    lambda a: mf.round(a(np.ones(3)), 1.5),
], ids=["sum-axis", "argmax-tuple", "var-axis", "cumsum-axis", "diff-axis", "vecdot-axis",
        "add-shapes", "where-shapes", "dot-lengths", "dot-2d", "add-cpp-f16", "sum-cpp-f16",
        "cumsum-cpp-f16", "unknown-backend", "bitwise-float", "negative-int-power",
        "round-float-decimals"])
def test_errors_are_the_eager_ones_at_build_time(call):
    expected = _eager_error(call)
    with pytest.raises(expected):
        call(lambda v: lazy(v, 2))


def test_explain_says_lazy():
    x = lazy(np.arange(4.0), 2)
    for answer in (mf.explain(mf.sum, x), mf.explain(mf.add, np.ones(4), x),
                   mf.explain(mf.var, x, axis=0, backend="numpy")):
        assert answer.backend == "dask"
        assert "lazy" in answer.reason
    assert mf.explain(mf.sum, np.ones(4), backend="numpy").backend == "numpy"


# --- the cuda backend on NumPy chunks (simulator or GPU) ----------------------------

@needs_cuda
def test_cuda_inner_backend_on_numpy_chunks():
    x = np.linspace(-3, 3, 7)
    y = np.arange(7, dtype=np.float32)
    lx = lazy(x, (3, 3, 1))
    results = [mf.add(lx, y, backend="cuda"), mf.sin(lx, backend="cuda"),
               mf.sum(lx, backend="cuda"), mf.var(lx, backend="cuda"),
               mf.argmin(lazy(y[::-1], 2), backend="cuda"),
               mf.cumsum(lx, backend="cuda")]
    expected = [np.add(x, y), np.sin(x), np.sum(x), np.var(x), np.argmin(y[::-1]), np.cumsum(x)]
    for r, e in zip(results, expected, strict=True):
        assert_lazy(r, e)
        assert {k.backend for k in kernels(r, "")} == {"cuda"}
    for e, g in zip(expected, computed(*results, scheduler="sync"), strict=True):
        assert type(g) in (np.ndarray, type(e))  # NumPy chunks stay on the host
        assert_close(g, e, atol=1e-12, rtol=1e-12)


@needs_cuda
def test_cuda_selected_by_use_backend_is_recorded():
    x = lazy(np.arange(5, dtype=np.int32), 2)
    with mf.use_backend("cuda"):
        result = mf.multiply(x, 3)
    assert {k.backend for k in kernels(result, "")} == {"cuda"}
    assert_close(result.compute(scheduler="sync"), np.arange(5, dtype=np.int32) * 3)


# --- xarray -----------------------------------------------------------------------------

def test_xarray_apply_ufunc_with_dask():
    xr = pytest.importorskip("xarray")
    data = np.abs(np.random.default_rng(15).standard_normal((4, 6)))
    arr = xr.DataArray(lazy(data, (3, 4)), dims=("t", "s"))
    root = xr.apply_ufunc(mf.sqrt, arr, dask="allowed")
    assert isinstance(root.data, da.Array)
    total = xr.apply_ufunc(mf.sum, arr, input_core_dims=[["s"]], kwargs={"axis": -1},
                           dask="allowed")
    assert isinstance(total.data, da.Array) and total.dims == ("t",)
    both = xr.apply_ufunc(mf.add, arr, arr.isel(t=0), dask="allowed")
    assert isinstance(both.data, da.Array)
    r, t, b = computed(root.data, total.data, both.data)
    assert_close(r, np.sqrt(data))
    assert_close(t, np.sum(data, axis=-1), atol=1e-12)
    assert_close(b, data + data[0])
    assert_close(root.compute().values, np.sqrt(data))


# --- import -----------------------------------------------------------------------------

def test_import_mathfront_does_not_import_dask():
    code = ("import sys, numpy as np, mathfront as mf\n"
            "assert 'dask' not in sys.modules\n"
            "mf.add(np.ones(3), 1.0); mf.sum(np.ones(3)); mf.add(np.ones(3), 1, backend='cpp')\n"
            "assert not any(m == 'dask' or m.startswith('dask.') for m in sys.modules)\n"
            "assert 'mathfront._dask' not in sys.modules\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr

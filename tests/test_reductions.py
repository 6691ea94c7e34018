"""Reductions and dot, on every backend, against NumPy."""

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.lib.array_utils import normalize_axis_tuple
from support import (
    DTYPES,
    LAYOUTS,
    MAX_SIDE,
    REDUCTION_DTYPES,
    REDUCTIONS,
    SIMULATOR,
    arrays,
    assert_matches,
    numpy_reference,
    reduction_tolerance,
    require,
    with_layout,
)

by_name = pytest.mark.parametrize("op", REDUCTIONS, ids=lambda op: op.name)
ARG = ("argmin", "argmax")


def reduced_axes(op, ndim, axis):
    if axis is None or (op.name in ARG and ndim == 0):
        return tuple(range(ndim))
    return normalize_axis_tuple(axis, ndim)


def check(backend, op, x, axis=None, keepdims=False, **kw):
    """mathfront gives NumPy's answer or NumPy's exception, returned and via ``out=``."""
    fn = getattr(mf, op.name)
    what = f"{op.name}[{backend}](axis={axis}, keepdims={keepdims}, {kw})"
    try:
        expected = numpy_reference(op, x, axis=axis, keepdims=keepdims, **kw)
    except Exception as e:
        with pytest.raises(type(e)):
            fn(x, axis=axis, keepdims=keepdims, backend=backend, **kw)
        return
    axes = reduced_axes(op, np.ndim(x), axis)
    atol, rtol = reduction_tolerance(op, x, axes, kw.get("ddof", 0), np.asarray(expected).dtype)
    atol = np.reshape(atol, np.shape(expected)) if np.ndim(atol) else atol
    got = fn(x, axis=axis, keepdims=keepdims, backend=backend, **kw)
    assert_matches(got, expected, atol=atol, rtol=rtol, what=what)

    expected = np.asarray(expected)
    out = np.empty_like(expected)
    assert fn(x, axis=axis, keepdims=keepdims, out=out, backend=backend, **kw) is out
    assert_matches(out, expected, atol=atol, rtol=rtol, what=what + " out=")


def axis_for(op, ndim):
    if op.name in ARG:
        return st.one_of(st.none(), st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    choices = [st.none(), hnp.valid_tuple_axes(ndim)]
    if ndim:
        choices.append(st.integers(-ndim, ndim - 1))
    return st.one_of(*choices)


@st.composite
def keywords(draw, op):
    kw = {}
    if "ddof" in op.extra:
        kw["ddof"] = draw(st.integers(0, 2))
    if "dtype" in op.extra and draw(st.booleans()):
        floats_only = op.name in ("mean", "nanmean")
        kw["dtype"] = draw(st.sampled_from(("float32", "float64") if floats_only else DTYPES))
    return kw


@by_name
@pytest.mark.parametrize("dtype", REDUCTION_DTYPES)
@given(data=st.data())
def test_matches_numpy(backend, op, dtype, data):
    require(backend, op, dtype)
    shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=MAX_SIDE)
    x = data.draw(arrays(dtype, shape, op))
    kw = data.draw(keywords(op))
    if "dtype" in kw:
        require(backend, op, dtype, kw["dtype"])
    check(backend, op, x, data.draw(axis_for(op, x.ndim)), data.draw(st.booleans()), **kw)


@by_name
@pytest.mark.parametrize("dtype", REDUCTION_DTYPES)
@pytest.mark.parametrize("shape,axis", [((), None), ((0,), None), ((0,), 0), ((3, 0), 0),
                                        ((3, 0), 1), ((0, 4), None), ((2, 0, 3), (0, 2))], ids=str)
def test_zero_d_and_empty(backend, op, dtype, shape, axis):
    require(backend, op, dtype)
    if op.name in ARG and isinstance(axis, tuple):
        axis = axis[0]
    check(backend, op, np.ones(shape, dtype), axis)


@by_name
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("values", [
    [1.0, np.nan, 3.0], [np.nan, np.nan], [np.inf, -np.inf, 1.0], [-np.inf, 2.0, np.nan, -np.inf],
    [0.0, -0.0], [2.0, 1.0, 1.0, 2.0], [np.nan],
], ids=str)
def test_nan_inf_and_ties(backend, op, dtype, values):
    """NaN propagates (or is skipped by nan-ops); argmin/argmax pick the first."""
    require(backend, op, dtype)
    x = np.array(values, dtype)
    check(backend, op, x)
    check(backend, op, np.stack([x, x[::-1]]), axis=1)


@pytest.mark.parametrize("op", [o for o in REDUCTIONS if o.name in ("sum", "prod", "nansum")],
                         ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_overflow_wraps_as_numpy(backend, op, dtype):
    require(backend, op, dtype)
    info = np.iinfo(dtype)
    x = np.array([info.max, info.max, 3, info.min, info.max, 7, 11], dtype)
    check(backend, op, x)
    check(backend, op, x, dtype=dtype)


@by_name
# The simulator takes ~0.2 s a case: there, one float and one integer dtype
# (float64 and int32 go through the same generated kernels, and through the
# hypothesis test above).
@pytest.mark.parametrize("dtype", ("float32", "int64") if SIMULATOR else DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)], ids=str)
def test_large_arrays_in_every_layout(backend, op, dtype, layout, axis):
    """Sizes past the SIMD width, block sizes and the threading threshold."""
    require(backend, op, dtype)
    if op.name in ARG and isinstance(axis, tuple):
        pytest.skip("argmin/argmax take one axis")
    rows, cols = (3, 40) if SIMULATOR else (37, 2_003)
    rng = np.random.default_rng(1)
    values = rng.uniform(-10, 10, (rows, cols)).astype(dtype)
    if np.dtype(dtype).kind == "i":
        values = rng.integers(-1000, 1000, (rows, cols)).astype(dtype)
    if op.name == "prod":
        values = np.where(values % 3 == 0, 1, -1).astype(dtype)
    check(backend, op, with_layout(values, layout), axis)


def test_out_aliasing_the_input(backend):
    require(backend, "sum", "float64")
    x = np.arange(12.0).reshape(3, 4)
    expected = np.sum(x, axis=0)
    assert mf.sum(x, axis=0, out=x[0], backend=backend) is not None
    assert_matches(x[0], expected, what="sum out=x[0]")


# --- dot ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_dot_matches_numpy(backend, dtype, data):
    require(backend, "dot", dtype)
    n = data.draw(st.integers(0, 4 * MAX_SIDE))
    x = data.draw(arrays(dtype, n, mf.dot.op))
    y = data.draw(arrays(dtype, n, mf.dot.op))
    expected = numpy_reference(mf.dot.op, x, y)
    atol = 0.0
    if np.dtype(dtype).kind == "f":
        prods = np.abs(x.astype(float) * y.astype(float))
        finite = np.where(np.isfinite(prods), prods, 0)
        atol = 2 * (n + 2) * float(np.finfo(dtype).eps) * np.sum(finite)
    assert_matches(mf.dot(x, y, backend=backend), expected, atol=atol, what=f"dot[{backend}]")
    out = np.empty((), np.asarray(expected).dtype)
    assert mf.dot(x, y, out=out, backend=backend) is out
    assert_matches(out, np.asarray(expected), atol=atol, what=f"dot[{backend}] out=")


# --- fractional ddof ---------------------------------------------------------------------

@pytest.mark.parametrize("op", [o for o in REDUCTIONS if "ddof" in o.extra], ids=lambda o: o.name)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
@pytest.mark.parametrize("ddof", [0.5, np.float32(0.25), 2.75], ids=repr)
@pytest.mark.parametrize("axis", [None, 1], ids=str)
def test_fractional_ddof_as_numpy(backend, op, dtype, ddof, axis):
    """NumPy takes any real ddof (the Array API's correction is a float)."""
    require(backend, op, dtype)
    x = np.arange(12).reshape(3, 4).astype(dtype)
    x[1, 2] = 0 if np.dtype(dtype).kind == "i" else np.nan
    check(backend, op, x, axis=axis, ddof=ddof)
    check(backend, op, x[:, ::-1][:2], axis=axis, ddof=ddof)


def test_non_real_ddof_is_refused(backend):
    require(backend, "var", "float64")
    with pytest.raises(TypeError):
        mf.var(np.ones(3), ddof="1", backend=backend)

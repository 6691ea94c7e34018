"""Cumulative ops (cumsum, cumprod, cumulative_sum, cumulative_prod) on every backend,
against NumPy."""

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mathfront import _tolerance
from mathfront._ops import BY_NAME, INTEGER_DTYPES, OPS, SCAN
from support import (
    LAYOUTS,
    MAX_SIDE,
    SIMULATOR,
    arrays,
    assert_matches,
    numpy_reference,
    require,
    supported_dtypes,
)

SCANS = [op for op in OPS if op.kind == SCAN]
by_name = pytest.mark.parametrize("op", SCANS, ids=lambda op: op.name)


def reference(op, x, **kw):
    return numpy_reference(op, x, **kw)


def check(backend, op, x, **kw):
    """mathfront gives NumPy's answer or NumPy's exception: returned, via a new out=,
    and via out= aliasing the input where the result fits in it."""
    fn = getattr(mf, op.name)
    what = f"{op.name}[{backend}]({kw})"
    try:
        expected = reference(op, x, **kw)
    except Exception as e:
        with pytest.raises(type(e)):
            fn(x, backend=backend, **kw)
        return
    atol, rtol = _tolerance.scan(op, x, kw.get("axis"), expected.dtype,
                                 kw.get("include_initial", False))
    got = fn(x, backend=backend, **kw)
    assert_matches(got, expected, atol=atol, rtol=rtol, what=what)

    out = np.full_like(expected, 7)
    assert fn(x, out=out, backend=backend, **kw) is out
    assert_matches(out, expected, atol=atol, rtol=rtol, what=what + " out=")

    x = np.asarray(x)
    if x.shape == expected.shape and x.flags.writeable and x.ndim:
        y = x.copy()
        expected = reference(op, x, **kw).astype(y.dtype)  # NumPy casts into out unsafely
        assert fn(y, out=y, backend=backend, **kw) is y
        assert_matches(y, expected, atol=atol, rtol=rtol, what=what + " out=input")


def axes(op, ndim):
    valid = st.integers(-max(ndim, 1), max(ndim, 1) - 1)
    if op.standard and ndim > 1:
        return valid
    return st.one_of(st.none(), valid)


@by_name
@given(data=st.data())
def test_matches_numpy(backend, op, data):
    dtypes = supported_dtypes(backend, op)
    dtype = data.draw(st.sampled_from(dtypes), label="dtype")
    requested = data.draw(st.sampled_from((None, None, *dtypes)), label="dtype=")
    require(backend, op, dtype, *([] if requested is None else [requested]))
    shape = data.draw(st.lists(st.integers(0, MAX_SIDE), max_size=3).map(tuple), label="shape")
    x = data.draw(arrays(dtype, shape, op, LAYOUTS), label="x")
    kw = {"axis": data.draw(axes(op, x.ndim), label="axis"), "dtype": requested}
    if op.standard:
        kw["include_initial"] = data.draw(st.booleans(), label="include_initial")
    check(backend, op, x, **kw)


@by_name
@settings(max_examples=3)
@given(data=st.data())
def test_long_rows_and_columns(backend, op, data):
    """Long enough for the compiled engines' threads, along and across the axis (the
    dtype drawn)."""
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, op)), label="dtype")
    rng = np.random.default_rng(1)
    # cuda's scans cut rows into chunks of 16 on the simulator: 600 is 37 of them,
    # as many code paths as 3000 (and a fifth of the simulator's time).
    n = 200_000 if backend != "cuda" else 600 if SIMULATOR else 3000
    if np.dtype(dtype).kind == "f":
        x = (rng.uniform(0.999, 1.001, n) if op.family == "prod"
             else rng.uniform(-1, 1, n)).astype(dtype)
    else:
        x = rng.integers(0 if np.dtype(dtype).kind in "ub" else -3, 2 if dtype == "bool" else 4,
                         n).astype(dtype)
    check(backend, op, x)
    check(backend, op, x.reshape(-1, 8), axis=0)
    check(backend, op, x.reshape(8, -1)[:, ::-1], axis=1)


@by_name
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_integer_wraparound(backend, op, dtype):
    require(backend, op, dtype)
    info = np.iinfo(dtype)
    x = np.array([info.max, info.max, 3, info.min, max(-1, int(info.min)), 7], dtype)
    check(backend, op, x)
    check(backend, op, x, dtype=dtype)  # accumulated in int32 itself: wraps at 2**32


@by_name
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nan_and_infinities(backend, op, dtype):
    require(backend, op, dtype)
    x = np.array([1.0, np.inf, -np.inf, 2.0, np.nan, 0.0, -0.0], dtype)
    check(backend, op, x)
    check(backend, op, x[::-1].copy())
    check(backend, op, np.array([-0.0, -0.0], dtype))  # -0 + -0 is -0
    if backend != "cuda":  # NumPy's floating-point error state (inf - inf, inf * 0)
        bad = np.array([np.inf, -np.inf if op.family == "sum" else 0.0], dtype)
        for fn in (op.reference, getattr(mf, op.name)):
            with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
                fn(bad, backend=backend) if fn is not op.reference else fn(bad)


@by_name
@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (3, 0), (2, 0, 2)])
def test_empty_and_zero_d(backend, op, shape):
    require(backend, op, "float64")
    x = np.arange(np.prod(shape, dtype=int), dtype=np.float64).reshape(shape) + 2
    for axis in (None, 0, -1):
        for kw in ({"include_initial": True}, {}) if op.standard else ({},):
            check(backend, op, x, axis=axis, **kw)


@by_name
def test_python_scalars_and_lists(backend, op):
    require(backend, op, "int64", "float64", "bool")
    for x in (5, 2.5, True, [1, 2, 3], [[1.5, 2], [3, 4]]):
        for axis in (None, 0):
            check(backend, op, x, axis=axis)


@by_name
def test_out_of_another_dtype(backend, op):
    require(backend, op, "float64", "int32")
    x = np.array([[0.5, 1.5, 2.5], [3.5, -4.5, 5.5]])
    kw = {"axis": 1, **({"include_initial": True} if op.standard else {})}
    expected = reference(op, x, **kw)
    for out_dtype in (np.int32, np.float32, np.int64):
        out = np.zeros(expected.shape, out_dtype)
        assert getattr(mf, op.name)(x, out=out, backend=backend, **kw) is out
        assert_matches(out, expected.astype(out_dtype), what=f"out {out_dtype}")


@by_name
def test_include_initial_and_dtype(backend, op):
    if not op.standard:
        pytest.skip("NumPy's cumsum/cumprod have no include_initial")
    require(backend, op, "int32", "float32")
    x = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    for axis in (0, 1, -1):
        for dtype in (None, np.float32, np.int32, bool):
            check(backend, op, x, axis=axis, dtype=dtype, include_initial=True)


@by_name
def test_errors_before_anything_is_written(backend, op):
    require(backend, op, "float64")
    fn = getattr(mf, op.name)
    x = np.arange(6.0).reshape(2, 3)
    bad = [
        ({"axis": 2}, np.exceptions.AxisError),
        ({"axis": -3}, np.exceptions.AxisError),
        ({"axis": 1.0}, TypeError),
        ({"axis": (0, 1)}, ValueError if op.standard else TypeError),
        ({"axis": 0, "dtype": "no such dtype"}, TypeError),
        ({"axis": 0, "out": np.zeros((3, 2))}, ValueError),
        ({"axis": 0, "out": np.zeros(6)}, ValueError),
        ({"axis": 0, "out": [0.0] * 6}, TypeError),
    ]
    if op.standard:
        bad.append(({}, ValueError))  # axis is required beyond one dimension
    for kw, error in bad:
        with pytest.raises(error):
            reference(op, x, **kw)  # NumPy refuses it too
        out = kw.get("out")
        before = None if not isinstance(out, np.ndarray) else out.copy()
        with pytest.raises(error):
            fn(x, backend=backend, **kw)
        if before is not None:
            np.testing.assert_array_equal(out, before)
    for axis in ((1,), (-1,), [1]):  # cumulative_sum takes a 1-tuple, cumsum neither
        check(backend, op, x, axis=axis)
    readonly = np.zeros((2, 3))
    readonly.flags.writeable = False
    with pytest.raises(ValueError):
        fn(x, axis=0, out=readonly, backend=backend)


def test_signatures():
    import inspect

    assert str(inspect.signature(mf.cumsum)) == str(inspect.signature(np.cumsum))[:-1] + \
        ", *, backend=None)"
    assert str(inspect.signature(mf.cumulative_prod)) == \
        str(inspect.signature(np.cumulative_prod))[:-1] + ", backend=None)"


@pytest.mark.parametrize("shape_axis", [((300_001,), 0), ((3, 150_001), 1), ((150_001, 3), 0)])
def test_threads_do_not_change_the_bits(backend, shape_axis):
    """The compiled engine cuts rows at fixed chunks: 1 thread or several, the same bits."""
    if backend != "cpp":
        pytest.skip("threads: the cpp engine")
    shape, axis = shape_axis
    x = np.random.default_rng(2).uniform(-1, 1, shape)
    before = mf.get_num_threads()
    try:
        mf.set_num_threads(1)
        one = mf.cumsum(x, axis=axis, backend=backend)
        for threads in (2, 3):  # chunks in windows of `threads`, the last one short
            mf.set_num_threads(threads)
            many = mf.cumsum(x, axis=axis, backend=backend)
            np.testing.assert_array_equal(one, many)
    finally:
        mf.set_num_threads(before)
    atol, _ = _tolerance.scan(BY_NAME["cumsum"], x, axis, x.dtype)
    assert_matches(many, np.cumsum(x, axis=axis), atol=atol, what="cumsum")


@by_name
def test_device_arrays_stay_on_the_device(backend, op):
    if backend != "cuda":
        pytest.skip("device arrays: the cuda engine")
    x = np.arange(1, 13, dtype=np.float64).reshape(3, 4)[:, ::-1] / 7
    for axis in (0, 1, -1):
        expected = reference(op, x, axis=axis)
        got = getattr(mf, op.name)(mf.to_device(x), axis=axis, backend=backend)
        assert not isinstance(got, np.ndarray)
        assert_matches(mf.to_host(got), expected, rtol=1e-15, what=f"device axis={axis}")
        inplace = mf.to_device(x)
        assert getattr(mf, op.name)(inplace, axis=axis, out=inplace, backend=backend) is inplace
        assert_matches(mf.to_host(inplace), expected, rtol=1e-15, what="device out=input")
        as_int = mf.to_device(np.zeros(x.shape, np.int32))  # another dtype: cast on the device
        getattr(mf, op.name)(mf.to_device(x), axis=axis, out=as_int, backend=backend)
        assert_matches(mf.to_host(as_int), expected.astype(np.int32), what="device out int32")
    if op.standard:  # the identity first, on the device too
        for axis, out_dtype in ((0, None), (1, np.float32), (-1, np.float64)):
            expected = reference(op, x, axis=axis, include_initial=True)
            out = None if out_dtype is None else mf.to_device(np.zeros(expected.shape, out_dtype))
            got = getattr(mf, op.name)(mf.to_device(x), axis=axis, include_initial=True, out=out,
                                       backend=backend)
            assert out is None or got is out
            assert_matches(mf.to_host(got), expected.astype(out_dtype or expected.dtype),
                           rtol=1e-6, what=f"device include_initial axis={axis}")

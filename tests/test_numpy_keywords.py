"""NumPy's keywords (where=, casting=, dtype=, initial=, mean=, correction=) and
its rules for out= and axis=, on every backend, against NumPy itself (issue 12)."""

import re
import warnings

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mathfront._ops import BY_NAME
from support import (
    REDUCTIONS,
    UFUNCS,
    arrays,
    assert_matches,
    numpy_reference,
    reduction_tolerance,
    require,
    supported_dtypes,
)

SENTINEL = 123


def raises_as_numpy(numpy_call, mf_call):
    """``mf_call`` raises NumPy's exception type, with NumPy's message."""
    with pytest.raises(Exception) as numpys:
        numpy_call()
    with pytest.raises(type(numpys.value), match=re.escape(str(numpys.value).strip())):
        mf_call()


def close(op, got, expected, x=None, axis=None, ddof=0, **kwargs):
    atol, rtol = (0.0, 0.0)
    if op.kind == "reduction" and x is not None and np.asarray(expected).dtype.kind == "f":
        axes = tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis).tolist()
        atol, rtol = reduction_tolerance(op, x, tuple(axes), ddof, np.asarray(expected).dtype)
        if np.ndim(atol):
            atol = np.reshape(atol, np.shape(expected))
    elif np.asarray(expected).dtype.kind == "f" and op.tolerance != "exact":
        rtol = 8 * np.finfo(np.asarray(expected).dtype).eps
    assert_matches(got, expected, atol=atol, rtol=rtol, what=op.name)


# --- elementwise ------------------------------------------------------------------------


@pytest.mark.parametrize("op", UFUNCS, ids=lambda op: op.name)
def test_where_with_out_leaves_the_rest_alone(backend, op):
    require(backend, op, "float64")
    x = np.array([[0.5, 1.0, 2.0], [3.0, 0.25, 1.5]])
    mask = np.array([True, False, True])  # broadcast along the rows
    for where in (mask, [1, 0, 1], False):
        out = np.full(x.shape, SENTINEL, np.float64)
        expected = op.reference(*[x] * op.arity, out=out.copy(), where=where)
        got = getattr(mf, op.name)(*[x] * op.arity, out=out, where=where, backend=backend)
        assert got is out
        close(op, out, expected)


@pytest.mark.parametrize("op", UFUNCS, ids=lambda op: op.name)
def test_where_without_out_warns_as_numpy_and_fills_the_mask(backend, op):
    require(backend, op, "float64")
    x = np.array([0.5, 1.0, 2.0])
    mask = np.array([True, False, True])
    with pytest.warns(UserWarning, match="'where' used without 'out'"):
        got = getattr(mf, op.name)(*[x] * op.arity, where=mask, backend=backend)
    with pytest.warns(UserWarning, match="'where' used without 'out'"):
        expected = op.reference(*[x] * op.arity, where=mask)
    close(op, got[mask], expected[mask])


@pytest.mark.parametrize("op", UFUNCS, ids=lambda op: op.name)
@settings(max_examples=4)
@given(data=st.data())
def test_dtype_computes_in_that_type(backend, op, data):
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, op)), label="dtype")
    require(backend, op, dtype, "float32")
    x = (np.arange(1, 5) % (2 if dtype == "bool" else 5)).astype(dtype)
    # a bool result's dtype= names the result (NumPy has no float32 loop for less)
    requested = np.bool_ if op.result == "bool" else np.float32
    expected = numpy_reference(op, *[x] * op.arity, dtype=requested, casting="unsafe")
    got = getattr(mf, op.name)(*[x] * op.arity, dtype=requested, casting="unsafe",
                               backend=backend)
    close(op, got, expected)


@pytest.mark.parametrize("op", UFUNCS, ids=lambda op: op.name)
def test_casting_refusals_are_numpys(backend, op):
    require(backend, op, "float64")
    x = np.array([0.5, 1.0, 2.0])
    fn = getattr(mf, op.name)
    ints = np.zeros(3, np.int64)
    cases = [
        ({"dtype": np.int32}, ()),                     # input cast under same_kind
        ({"out": ints}, ()),                           # output cast under same_kind
        ({"out": np.zeros(3, np.float32), "casting": "safe"}, ()),
        ({"casting": "bogus"}, ()),
        ({"dtype": "bogus"}, ()),
        ({"out": (np.zeros(3), np.zeros(3))}, ()),
        ({"out": np.zeros(3), "where": np.array([0.5, 1.0, 0.0])}, ()),
    ]
    if op.result == "bool":
        # bool casts safely to every out (the refusals above are not refusals for it):
        # casting="no" refuses any other out, as NumPy does
        cases = [c for c in cases if "out" not in c[0] or "where" in c[0]]
        cases.append(({"out": np.zeros(3, np.float32), "casting": "no"}, ()))
    for kwargs, _ in cases:
        raises_as_numpy(lambda kw=kwargs: op.reference(*[x] * op.arity, **kw),
                        lambda kw=kwargs: fn(*[x] * op.arity, backend=backend, **kw))
        assert not ints.any()


@pytest.mark.parametrize("op", UFUNCS, ids=lambda op: op.name)
def test_out_as_a_one_tuple_and_by_position(backend, op):
    require(backend, op, "float32")
    x = np.array([0.5, 1.0, 2.0], np.float32)
    out = np.zeros(3, np.float32)
    assert getattr(mf, op.name)(*[x] * op.arity, (out,), backend=backend) is out
    close(op, out, op.reference(*[x] * op.arity, out=np.zeros(3, np.float32)))


def test_dot_writes_its_exact_out(backend):
    x = np.arange(4.0)
    out = np.empty(())
    assert mf.dot(x, x, out, backend=backend) is out and out == np.dot(x, x)
    assert mf.dot(x, x, out=out, backend=backend) is out


def test_add_out_of_a_larger_shape_and_aliasing(backend):
    a = np.arange(6.0).reshape(2, 3)
    out = a.copy()
    expected = np.add(a[0], 1.0, out=a.copy())  # a (3,) input into a (2, 3) out
    assert mf.add(a[0], 1.0, out, backend=backend) is out
    np.testing.assert_array_equal(out, expected)
    x = np.arange(5.0)
    expected = np.add(x[:-1], 1.0, out=x.copy()[1:])
    mf.add(x[:-1], 1.0, out=x[1:], casting="unsafe", backend=backend)  # partial overlap
    np.testing.assert_array_equal(x[1:], expected)


# --- reductions -------------------------------------------------------------------------


def _mask(shape):
    rng = np.random.default_rng(sum(shape) + 1)
    return rng.random(shape) < 0.6


REDUCTION_CASES = [op for op in REDUCTIONS if op.later]


def _later_kwargs(op, mask, initial=3.5):
    kwargs = {}
    if "where" in op.later:
        kwargs["where"] = mask
    if "initial" in op.later:
        kwargs["initial"] = initial
    return kwargs


@pytest.mark.parametrize("op", REDUCTION_CASES, ids=lambda op: op.name)
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_reductions_with_where_and_initial(backend, op, axis):
    require(backend, op, "float64")
    x = np.arange(12.0).reshape(3, 4) - 4.5
    x[1, 2] = np.nan if op.skips_nan else x[1, 2]
    kwargs = _later_kwargs(op, _mask(x.shape))
    expected = numpy_reference(op, x, axis=axis, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = getattr(mf, op.name)(x, axis, backend=backend, **kwargs)
    close(op, got, expected, x, axis=axis)


@pytest.mark.parametrize("op", [o for o in REDUCTIONS if "initial" in o.later],
                         ids=lambda op: op.name)
def test_initial_alone_and_on_empty_input(backend, op):
    require(backend, op, "int64")
    for x, axis in ((np.arange(6).reshape(2, 3), 1), (np.zeros((2, 0), np.int64), 1),
                    (np.zeros((0,), np.int64), None)):
        expected = numpy_reference(op, x, axis=axis, initial=7)
        close(op, getattr(mf, op.name)(x, axis, initial=7, backend=backend), expected, x)


@pytest.mark.parametrize("op", [o for o in REDUCTIONS if o.family == "extreme"],
                         ids=lambda op: op.name)
def test_where_without_initial_is_refused_as_numpy(backend, op):
    require(backend, op, "float64")
    x = np.ones(3)
    mask = np.array([True, False, True])
    raises_as_numpy(lambda: op.reference(x, where=mask),
                    lambda: getattr(mf, op.name)(x, where=mask, backend=backend))


@pytest.mark.parametrize("name", ["mean", "nanmean", "sum"])
@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_masked_reductions_with_dtype(backend, name, dtype):
    op = BY_NAME[name]
    require(backend, op, dtype)
    x = np.arange(12, dtype=dtype).reshape(3, 4)
    mask = _mask(x.shape)
    for axis in (None, 1):
        expected = numpy_reference(op, x, axis=axis, dtype=np.float32, where=mask)
        got = getattr(mf, name)(x, axis, np.float32, where=mask, backend=backend)
        close(op, got, expected, np.where(mask, x, 0), axis=axis)


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
def test_moments_take_mean_correction_and_dtype(backend, name):
    op = BY_NAME[name]
    require(backend, op, "float64")
    fn = getattr(mf, name)
    x = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 9.5]])
    mean = np.mean(x, axis=1, keepdims=True)
    for kwargs in ({"mean": mean, "axis": 1}, {"mean": mean, "axis": 1, "ddof": 1},
                   {"correction": 1, "axis": 0}, {"dtype": np.float32},
                   {"where": _mask(x.shape), "axis": 1}):
        expected = numpy_reference(op, x, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = fn(x, backend=backend, **kwargs)
        close(op, got, expected, x, **{k: v for k, v in kwargs.items() if k != "mean"})
    raises_as_numpy(lambda: op.reference(x, ddof=1, correction=1),
                    lambda: fn(x, ddof=1, correction=1, backend=backend))
    assert fn(x, None, None, None, 1, backend=backend) == pytest.approx(op.reference(x, ddof=1))


@pytest.mark.parametrize("name", ["argmin", "argmax"])
@pytest.mark.parametrize("out_dtype", ["int64", "int32"])
def test_arg_reductions_write_an_int32_or_int64_out(backend, name, out_dtype):
    op = BY_NAME[name]
    require(backend, op, "float64")
    x = np.array([[3.0, 1.0, 2.0], [0.5, 7.0, 7.0]])
    out = np.full(2, SENTINEL, out_dtype)
    expected = op.reference(x, 1, out=np.zeros(2, out_dtype))
    assert getattr(mf, name)(x, 1, out, backend=backend) is out
    assert_matches(out, expected, what=name)


@pytest.mark.parametrize("op", REDUCTIONS, ids=lambda op: op.name)
def test_axis_as_a_list_or_a_float_is_refused_as_numpy(backend, op):
    require(backend, op, "float64")
    x = np.ones((2, 3))
    for axis in ([0], [0, 1], 1.0):
        raises_as_numpy(lambda a=axis: op.reference(x, axis=a),
                        lambda a=axis: getattr(mf, op.name)(x, axis=a, backend=backend))


@given(data=st.data())
def test_masked_reductions_match_numpy_on_random_input(backend, data):
    op = data.draw(st.sampled_from(REDUCTION_CASES), label="op")
    dtype = data.draw(st.sampled_from([d for d in op.dtypes if d != "bool"]), label="dtype")
    require(backend, op, dtype)
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    x = data.draw(arrays(dtype, shape, op))
    axis = data.draw(st.sampled_from([None, *range(len(shape))]), label="axis")
    mask = data.draw(arrays("bool", shape), label="where")
    kwargs = _later_kwargs(op, mask, initial=2)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = op.reference(x, axis=axis, **kwargs)
        except ValueError as e:  # NumPy refuses this one: so must mathfront
            with pytest.raises(ValueError, match=re.escape(str(e))):
                getattr(mf, op.name)(x, axis, backend=backend, **kwargs)
            return
        got = getattr(mf, op.name)(x, axis, backend=backend, **kwargs)
    close(op, got, expected, np.where(mask, x, 0), axis=axis)


def _cuda_or_skip():
    if "cuda" not in {s.name for s in mf.backends() if s.available}:
        pytest.skip("no cuda backend here")


def test_cuda_device_arrays_refuse_only_mean_given():
    _cuda_or_skip()
    d = mf.to_device(np.array([1.0, 4.0, np.nan]))
    with pytest.raises(TypeError, match=r"mean=.*host arrays only"):
        mf.std(d, mean=2.0)
    assert mf.std(mf.to_host(d), mean=2.0, backend="cuda") == pytest.approx(
        np.std(mf.to_host(d), mean=2.0), nan_ok=True)  # host: computed


def test_cuda_device_elementwise_where_dtype_and_a_cast_out():
    _cuda_or_skip()
    x = np.array([[0.5, 1.0, 2.0], [3.0, 0.25, 1.5]])
    d = mf.to_device(x)
    mask = np.array([True, False, True])
    for name in ("sqrt", "add"):
        op = BY_NAME[name]
        args = [x] * op.arity
        cases = ((np.float64, {"where": mask}), (np.float32, {}),
                 (np.float32, {"where": mask}), (np.float32, {"casting": "unsafe"}))
        # a larger out: the operands broadcast to it
        larger = np.full((2, *x.shape), 7.0)
        expected = op.reference(*args, out=larger.copy(), where=mask)
        out = mf.to_device(larger)
        assert getattr(mf, name)(*[d] * op.arity, out, where=mask) is out
        np.testing.assert_allclose(mf.to_host(out), expected)
        for out_dtype, kwargs in cases:
            expected = op.reference(*args, out=np.full(x.shape, 7, out_dtype), **kwargs)
            out = mf.to_device(np.full(x.shape, 7, out_dtype))
            assert getattr(mf, name)(*[d] * op.arity, out, **kwargs) is out
            np.testing.assert_allclose(mf.to_host(out), expected, rtol=1e-6)
        got = mf.to_host(getattr(mf, name)(*[d] * op.arity, dtype=np.float32))
        expected = op.reference(*args, dtype=np.float32)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-6)
        with pytest.warns(UserWarning, match="'where' used without 'out'"):
            got = mf.to_host(getattr(mf, name)(*[d] * op.arity, where=mask))
        np.testing.assert_allclose(got[:, mask], op.reference(*args)[:, mask])
    raises_as_numpy(lambda: np.add(x, 1.5, out=np.zeros(x.shape, np.int64)),
                    lambda: mf.add(d, 1.5, out=mf.to_device(np.zeros(x.shape, np.int64))))


@pytest.mark.parametrize("name", ["mean", "var", "std", "nansum", "nanmean", "nanvar",
                                  "nanstd"])
def test_cuda_device_masked_moments_as_numpy(name):
    _cuda_or_skip()
    op = BY_NAME[name]
    x = np.array([[1.5, -2.0, 3.0, 7.0], [4.0, 0.5, -1.0, 2.0]], np.float32)
    if op.skips_nan:
        x[0, 2] = x[1, 3] = np.nan
    mask = np.array([[1, 0, 1, 1], [0, 1, 1, 1]], bool)
    d = mf.to_device(x)
    extra = {"ddof": 1} if "ddof" in op.extra else {}
    for axis in (None, 0, 1):
        for keepdims in (False, True):
            kwargs = {"axis": axis, "keepdims": keepdims, "where": mask, **extra}
            expected = op.reference(x, **kwargs)
            got = mf.to_host(getattr(mf, name)(d, **kwargs))
            assert got.dtype == expected.dtype and got.shape == np.shape(expected)
            np.testing.assert_allclose(got, expected, rtol=1e-5)
    if "ddof" in op.extra:
        got = mf.to_host(getattr(mf, name)(mf.to_device(x.astype(np.float64)), dtype=np.float32))
        expected = op.reference(x.astype(np.float64), dtype=np.float32)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize("name", ["sum", "prod", "min", "max", "nanmin", "nanmax"])
def test_cuda_device_reductions_take_where_and_initial(name):
    _cuda_or_skip()
    op = BY_NAME[name]
    x = np.array([[1.5, -2.0, 3.0], [4.0, 0.5, -1.0]])
    if op.skips_nan:
        x[1] = np.nan  # a slice of NaN only: initial
    mask = np.array([[True, False, True], [False, True, True]])
    d = mf.to_device(x)
    empty = mf.to_device(np.zeros((2, 0)))
    expected = op.reference(np.zeros((2, 0)), axis=1, initial=2.0)
    np.testing.assert_array_equal(mf.to_host(getattr(mf, name)(empty, 1, initial=2.0)), expected)
    for kwargs in ({"where": mask, "initial": 2.0}, {"initial": 2.0}, {"where": mask[0]}):
        if "initial" not in kwargs and op.identity is None:
            raises_as_numpy(lambda kw=kwargs: op.reference(x, **kw),
                            lambda kw=kwargs: getattr(mf, name)(d, **kw))
            continue
        for axis in (None, 1):
            expected = op.reference(x, axis=axis, **kwargs)
            got = mf.to_host(getattr(mf, name)(d, axis, **kwargs))
            np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_a_dtype_only_numpy_computes_goes_to_numpy_under_auto():
    a = np.arange(3, dtype=np.int32)
    for fn, args, ref in ((mf.add, (a, a), np.add), (mf.var, (a.astype(float),), np.var)):
        got = fn(*args, dtype=np.float16)
        expected = ref(*args, dtype=np.float16)
        assert got.dtype == expected.dtype and np.allclose(got, expected)
        assert mf.explain(fn, *args, dtype=np.float16).backend == "numpy"
    if "cpp" in {s.name for s in mf.backends() if s.available}:
        with pytest.raises(TypeError, match="'cpp' does not support dtype float16"):
            mf.add(a, a, dtype=np.float16, backend="cpp")


def test_cuda_device_masks_stay_on_the_device():
    _cuda_or_skip()
    x = np.array([[1.5, -2.0, 3.0], [4.0, np.nan, -1.0]])
    mask = np.array([[True, False, True], [False, True, True]])
    d, m = mf.to_device(x), mf.to_device(mask)
    for name in ("sum", "mean", "var", "nanmean", "nanstd", "max"):
        kwargs = {"initial": -5.0} if name == "max" else {}
        for axis in (None, 1):
            expected = getattr(np, name)(x, axis=axis, where=mask, **kwargs)
            got = mf.to_host(getattr(mf, name)(d, axis, where=m, **kwargs))
            np.testing.assert_allclose(got, expected, rtol=1e-12)
    out = mf.to_device(np.full(x.shape, 7.0))
    mf.add(d, 1.0, out=out, where=m)
    np.testing.assert_array_equal(mf.to_host(out), np.add(x, 1.0, out=np.full(x.shape, 7.0),
                                                          where=mask))

"""NumPy's floating-point error model: np.errstate / np.seterr decide what a
flag raised by a kernel becomes (a RuntimeWarning, FloatingPointError, a call,
nothing), with NumPy's own message, warning for warning against NumPy.

The CPU backends honour it (``numpy`` through NumPy itself, ``cpp`` by reading
the flags of every thread that ran the kernel); the GPU has no flags
(docs/design.md, "Errors"), so the bodies skip ``cuda``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import warnings

import mathfront as mf
import numpy as np
import pytest
from support import available_backends

FLOATS = ("float32", "float64")


def cpu_only(backend):
    if backend == "cuda":
        pytest.skip("the GPU raises no floating-point flags (docs/design.md)")


def numpy_name(name):
    return {"abs": "absolute"}.get(name, name)


def messages(call, **errstate):
    """The call's result and the messages of the warnings it emitted."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(**errstate):
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if w.category is RuntimeWarning]


def both(name, *args, backend, **kwargs):
    """(mathfront's call, NumPy's call) of op `name` on the same arguments."""
    return (lambda: getattr(mf, name)(*args, backend=backend, **kwargs),
            lambda: getattr(np, numpy_name(name))(*args, **kwargs))


def assert_same_warnings(name, *args, backend, errstate=None, **kwargs):
    errstate = errstate or {"all": "warn"}
    ours, numpys = both(name, *args, backend=backend, **kwargs)
    got, got_messages = messages(ours, **errstate)
    want, want_messages = messages(numpys, **errstate)
    assert got_messages == want_messages
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype
    # exp, log, sin, cos are within a few ulp of NumPy's (docs/verify.md)
    if got.dtype.kind == "f":
        rtol = 4 * np.finfo(got.dtype).eps
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def full(value, dtype, n=37):
    return np.full(n, value, dtype)


# --- each flag, each mode --------------------------------------------------------------

# (op, arguments as (value, ...) of the test's dtype, NumPy's warning)
FLAGGED = [
    ("divide", (1.0, 0.0), "divide by zero encountered in divide"),
    ("divide", (0.0, 0.0), "invalid value encountered in divide"),
    ("log", (0.0,), "divide by zero encountered in log"),
    ("log", (-1.0,), "invalid value encountered in log"),
    ("log", (-np.inf,), "invalid value encountered in log"),
    ("sqrt", (-1.0,), "invalid value encountered in sqrt"),
    ("exp", (1000.0,), "overflow encountered in exp"),
    ("sin", (np.inf,), "invalid value encountered in sin"),
    ("cos", (np.inf,), "invalid value encountered in cos"),
    ("multiply", (1e30, 1e300), "overflow encountered in multiply"),
    ("add", (1e308, 1e308), "overflow encountered in add"),
    ("subtract", (np.inf, np.inf), "invalid value encountered in subtract"),
    ("power", (-1.0, 0.5), "invalid value encountered in power"),
    ("power", (10.0, 400.0), "overflow encountered in power"),
    ("power", (0.0, -1.0), "divide by zero encountered in power"),
    ("tan", (np.inf,), "invalid value encountered in tan"),
    ("sinh", (1000.0,), "overflow encountered in sinh"),
    ("cosh", (-1000.0,), "overflow encountered in cosh"),
    ("arcsin", (2.0,), "invalid value encountered in arcsin"),
    ("arccos", (-np.inf,), "invalid value encountered in arccos"),
    ("arccosh", (0.5,), "invalid value encountered in arccosh"),
    ("arctanh", (1.0,), "divide by zero encountered in arctanh"),
    ("arctanh", (-2.0,), "invalid value encountered in arctanh"),
    ("expm1", (1000.0,), "overflow encountered in expm1"),
    ("log1p", (-1.0,), "divide by zero encountered in log1p"),
    ("log1p", (-2.0,), "invalid value encountered in log1p"),
    ("log2", (0.0,), "divide by zero encountered in log2"),
    ("log10", (-1.0,), "invalid value encountered in log10"),
    ("exp2", (2000.0,), "overflow encountered in exp2"),
    ("hypot", (1.7e308, 1.7e308), "overflow encountered in hypot"),
    ("logaddexp", (np.nan, 1.0), "invalid value encountered in logaddexp"),
    ("logaddexp", (1e308, -1e308), "overflow encountered in logaddexp"),
    ("logaddexp2", (np.inf, np.nan), "invalid value encountered in logaddexp2"),
    ("square", (1e200,), "overflow encountered in square"),
    ("floor_divide", (1.0, 0.0), "divide by zero encountered in floor_divide"),
    ("floor_divide", (0.0, 0.0), "invalid value encountered in floor_divide"),
    ("floor_divide", (np.inf, 2.0), "invalid value encountered in floor_divide"),
    ("remainder", (1.0, 0.0), "invalid value encountered in remainder"),
    ("remainder", (np.inf, 2.0), "invalid value encountered in remainder"),
    ("mod", (np.inf, np.inf), "invalid value encountered in remainder"),
    ("reciprocal", (0.0,), "divide by zero encountered in reciprocal"),
    ("nextafter", (1.7976931348623157e308, np.inf), "overflow encountered in nextafter"),
    ("nextafter", (0.0, 1.0), "underflow encountered in nextafter"),
]


def flagged_args(values, dtype):
    # float32 overflows where float64 needs 1e300: clip into the dtype's range
    # so that the value itself is representable.
    top = np.finfo(dtype).max
    return [full(np.clip(v, -top, top) if np.isfinite(v) else v, dtype) for v in values]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, values, message", FLAGGED, ids=lambda x: str(x))
def test_warns_as_numpy(backend, name, values, message, dtype):
    cpu_only(backend)
    args = flagged_args(values, dtype)
    assert_same_warnings(name, *args, backend=backend)
    _, got = messages(both(name, *args, backend=backend)[0], all="warn")
    assert got == [message]  # and NumPy's is that one (the oracle checked above)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, values, message", FLAGGED, ids=lambda x: str(x))
def test_raise_ignore_and_call(backend, name, values, message, dtype):
    cpu_only(backend)
    args = flagged_args(values, dtype)
    ours, _ = both(name, *args, backend=backend)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match=f"^{message}$"):
        ours()
    _, got = messages(ours, all="ignore")
    assert got == []
    seen = []
    with np.errstate(all="call", call=lambda kind, flag: seen.append(kind)):
        ours()
    assert seen == [message.split(" encountered")[0]]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, values, message", FLAGGED, ids=lambda x: str(x))
def test_numpy_scalars_as_numpy(backend, name, values, message, dtype):
    """NumPy scalars take their own path in the C entries (a scalar back, no arrays)."""
    cpu_only(backend)
    top = np.finfo(dtype).max
    args = [np.dtype(dtype).type(np.clip(v, -top, top) if np.isfinite(v) else v)
            for v in values]
    assert_same_warnings(name, *args, backend=backend)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match=f"^{message}$"):
        getattr(mf, name)(*args, backend=backend)


@pytest.mark.parametrize("dtype", FLOATS)
def test_underflow_as_numpy(backend, dtype):
    cpu_only(backend)
    tiny = np.finfo(dtype).tiny
    for name, args in [("exp", (full(-740.0 if dtype == "float64" else -100.0, dtype),)),
                       ("multiply", (full(tiny, dtype), full(tiny, dtype)))]:
        assert_same_warnings(name, *args, backend=backend, errstate={"all": "warn"})
        assert_same_warnings(name, *args, backend=backend,
                             errstate={"all": "ignore", "under": "warn"})
        with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
            getattr(mf, name)(*args, backend=backend)


@pytest.mark.parametrize("dtype", ("int32", "int64"))
def test_integer_division_by_zero(backend, dtype):
    cpu_only(backend)
    assert_same_warnings("divide", full(1, dtype), full(0, dtype), backend=backend)
    assert_same_warnings("divide", full(0, dtype), full(0, dtype), backend=backend)
    assert_same_warnings("divide", full(1, dtype), 0, backend=backend)
    # integer power raises no flag in NumPy, even where it wraps
    assert_same_warnings("power", full(10, dtype), full(40, dtype), backend=backend)


def test_errstate_per_kind(backend):
    cpu_only(backend)
    x = np.array([0.0, -1.0, 1.0])
    with np.errstate(divide="ignore", invalid="raise"), pytest.raises(FloatingPointError,
                                                                      match="invalid value"):
        mf.log(x, backend=backend)
    with np.errstate(divide="raise", invalid="ignore"), pytest.raises(FloatingPointError,
                                                                      match="divide by zero"):
        mf.log(x, backend=backend)
    _, got = messages(lambda: mf.log(x, backend=backend), divide="warn", invalid="ignore")
    assert got == ["divide by zero encountered in log"]
    # np.seterr, not only the context manager
    old = np.seterr(divide="raise")
    try:
        with pytest.raises(FloatingPointError):
            mf.divide(np.ones(3), 0.0, backend=backend)
    finally:
        np.seterr(**old)


# --- silent where NumPy is silent ------------------------------------------------------

SILENT = [
    ("maximum", (np.nan, 1.0)), ("maximum", (1.0, np.nan)), ("maximum", (np.nan, np.nan)),
    ("minimum", (np.nan, 1.0)), ("minimum", (1.0, np.nan)),
    ("exp", (np.nan,)), ("exp", (-np.inf,)), ("exp", (np.inf,)), ("log", (np.nan,)),
    ("log", (np.inf,)), ("sqrt", (np.nan,)), ("sin", (np.nan,)), ("cos", (np.nan,)),
    ("add", (np.nan, 1.0)), ("multiply", (np.nan, 0.0)), ("divide", (np.nan, 0.0)),
    ("abs", (np.nan,)), ("negative", (np.nan,)), ("power", (np.nan, 2.0)),
    ("exp", (1.5,)), ("log", (0.5,)), ("sin", (1e7,)), ("cos", (-3.0,)), ("sqrt", (2.0,)),
    ("tan", (np.nan,)), ("tanh", (np.inf,)), ("sinh", (-np.inf,)), ("cosh", (np.nan,)),
    ("arctan", (np.inf,)), ("arcsinh", (-np.inf,)),
    ("expm1", (-np.inf,)), ("log1p", (np.inf,)), ("log2", (np.nan,)), ("log10", (np.inf,)),
    ("exp2", (-np.inf,)), ("cbrt", (np.nan,)), ("cbrt", (-8.0,)),
    ("arctan2", (np.nan, 1.0)), ("arctan2", (np.inf, np.inf)), ("hypot", (np.inf, np.nan)),
    ("copysign", (np.nan, -1.0)), ("logaddexp", (np.inf, np.inf)),
    ("logaddexp2", (-np.inf, -np.inf)),
    ("fmax", (np.nan, 1.0)), ("fmax", (1.0, np.nan)), ("fmin", (np.nan, np.nan)),
    ("sign", (np.nan,)), ("square", (np.nan,)), ("positive", (np.nan,)), ("floor", (np.nan,)),
    ("ceil", (np.inf,)), ("trunc", (np.nan,)), ("rint", (np.nan,)),
    ("floor_divide", (np.nan, 0.0)), ("floor_divide", (np.nan, 2.0)),
    ("floor_divide", (1.0, np.inf)), ("remainder", (np.nan, 2.0)), ("remainder", (-1.0, np.inf)),
    ("mod", (2.0, np.nan)), ("reciprocal", (np.nan,)), ("reciprocal", (np.inf,)),
    ("nextafter", (np.nan, 1.0)), ("nextafter", (np.inf, 0.0)), ("conj", (np.nan,)),

    # bool results: NumPy compares NaN quietly, ordered comparisons too
    ("equal", (np.nan, 1.0)), ("not_equal", (1.0, np.nan)), ("less", (np.nan, 1.0)),
    ("less_equal", (1.0, np.nan)), ("greater", (np.nan, np.nan)),
    ("greater_equal", (np.nan, -np.inf)), ("less", (np.inf, np.inf)),
    ("isnan", (np.nan,)), ("isinf", (np.nan,)), ("isfinite", (np.nan,)), ("isfinite", (np.inf,)),
    ("signbit", (-np.nan,)), ("logical_and", (np.nan, 1.0)), ("logical_or", (np.nan, 0.0)),
    ("logical_xor", (np.nan, np.nan)), ("logical_not", (np.nan,)),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, values", SILENT, ids=lambda x: str(x))
def test_silent_where_numpy_is(backend, name, values, dtype):
    cpu_only(backend)
    # long enough for the SIMD loops and their blocks, NaN among normal values
    args = [np.resize(np.array([v, 0.75, v, 2.5], dtype), 1000) for v in values]
    assert_same_warnings(name, *args, backend=backend)
    with np.errstate(all="raise"):
        assert_same_warnings(name, *args, backend=backend, errstate={"all": "raise"})


# --- layouts and threads -----------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_strided_and_broadcast_inputs(backend, dtype):
    cpu_only(backend)
    x = np.ones((40, 30), dtype)
    x[6, 3] = 0  # in every view below
    for view in (x[::2, ::3], x.T, x[::-1]):
        assert_same_warnings("log", view, backend=backend)
        assert_same_warnings("divide", view[:, :1], view, backend=backend)
        with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
            mf.divide(np.ones_like(view), view, backend=backend)


@pytest.fixture
def two_threads():
    old = mf.get_num_threads()
    mf.set_num_threads(2)
    yield
    mf.set_num_threads(old)


@pytest.mark.parametrize("dtype", FLOATS)
def test_flags_of_every_thread(backend, dtype, two_threads):
    """A flag raised only in one part of a threaded call is reported, wherever
    the part ran: each position is tried, so the worker threads get some."""
    cpu_only(backend)
    n = 3_000_000
    for position in range(0, n, n // 12):
        x = np.ones(n, dtype)
        x[position] = 0
        with np.errstate(divide="raise"), pytest.raises(FloatingPointError, match="in log"):
            mf.log(x, backend=backend)
        with np.errstate(divide="raise"), pytest.raises(FloatingPointError, match="in divide"):
            mf.divide(1.0, x, backend=backend)
        y = np.ones(n, dtype)
        y[position] = np.inf
        y[-1 - position] = -np.inf
        with np.errstate(invalid="raise"), pytest.raises(FloatingPointError, match="in reduce"):
            mf.sum(y, backend=backend)


def test_out_is_written_before_the_error(backend):
    """As NumPy: under errstate "raise" the kernel has run and `out` holds its
    results when FloatingPointError comes (the one exception to "nothing
    written before an error", docs/design.md)."""
    cpu_only(backend)
    x = np.array([1.0, 0.0, 4.0, -1.0])
    out = np.full(4, 123.0)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        mf.log(x, out=out, backend=backend)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(out, np.log(x))
    out = np.full(4, 123.0)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        mf.divide(np.ones(4), x, out=out, backend=backend)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(out, np.divide(np.ones(4), x))


# --- reductions --------------------------------------------------------------------------

REDUCED = [
    ("sum", [1e308, 1e308], {}),
    ("sum", [np.inf, -np.inf], {}),
    ("sum", [np.nan, 1.0], {}),
    ("nansum", [np.inf, -np.inf, np.nan], {}),
    ("mean", [1e308, 1e308], {}),
    ("mean", [np.inf, -np.inf], {}),
    ("prod", [1e200, 1e200], {}),
    ("prod", [np.nan, 1.0], {}),
    ("max", [np.nan, 1.0], {}),
    ("min", [1.0, np.nan], {}),
    ("nanmax", [np.nan, 1.0], {}),
    ("nanmin", [np.nan, np.nan], {}),
    ("argmax", [np.nan, 1.0], {}),
    ("argmin", [1.0, np.nan], {}),
    ("var", [np.nan, 1.0], {}),
    ("std", [np.nan, 1.0], {}),
    ("var", [np.inf, 1.0], {}),
    ("std", [np.inf, 1.0], {}),
    ("var", [1e200, -1e200], {}),
    ("nanvar", [np.nan, np.nan], {}),
    ("nanstd", [np.nan, 1.0], {"ddof": 1}),
    ("var", [1.0], {"ddof": 1}),
    ("var", [1.0, 2.0], {"ddof": 2}),
    ("std", [1.0, 2.0], {"ddof": 3}),
    ("mean", [], {}),
    ("nanmean", [np.nan], {}),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, values, kwargs", REDUCED, ids=lambda x: str(x))
def test_reductions_warn_as_numpy(backend, name, values, kwargs, dtype):
    cpu_only(backend)
    if dtype == "float32":  # the same overflows within float32's range
        if name == "mean" and 1e308 in values:
            pytest.skip("float32 means accumulate in float64 (DECISIONS.md): no overflow")
        values = [{1e308: 3e38, 1e200: 1e30, -1e200: -1e30}.get(v, v) for v in values]
    x = np.array(values, dtype)
    if len(values) > 1 and not kwargs:  # long enough for lanes, blocks and chunks
        x = np.resize(x, 4000)
    assert_same_warnings(name, x, backend=backend, **kwargs)


@pytest.mark.parametrize("dtype", FLOATS)
def test_reductions_along_axes(backend, dtype):
    cpu_only(backend)
    top = np.finfo(dtype).max
    x = np.ones((50, 40), dtype)
    x[3, 4] = x[5, 4] = top
    for axis in (0, 1, None):
        assert_same_warnings("sum", x, axis=axis, backend=backend)
        assert_same_warnings("mean", np.zeros((0, 3), dtype), axis=axis if axis != 1 else 0,
                             backend=backend)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError,
                                                   match=r"^overflow encountered in reduce$"):
        mf.sum(x, axis=0, backend=backend)


def test_dot_overflow(backend):
    cpu_only(backend)
    assert_same_warnings("dot", np.array([1e308, 1e308]), np.array([10.0, 10.0]), backend=backend)
    assert_same_warnings("dot", np.array([np.inf, 1.0]), np.array([0.0, 1.0]), backend=backend)


# --- the C ABI: the flags are the caller's ------------------------------------------------

def test_c_abi_leaves_the_flags_in_the_callers_status(two_threads):
    """C has no errstate: mathfront.h's functions leave the flags the call
    raised, in any thread, set in the calling thread (fetestexcept reads them)."""
    if not {s.name: s.available for s in mf.backends()}["cpp"]:
        pytest.skip("the C ABI lives in the cpp backend's extension")
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("FE_* values below are x86's")
    from mathfront.cabi import ffi, lib

    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    fe_invalid, fe_divbyzero, fe_all = 0x01, 0x04, 0x3D
    cases = [(5, 2)] + [(3_000_000, position) for position in range(0, 3_000_000, 250_000)]
    for n, position in cases:  # threaded: each part, so that workers compute some
        x = np.ones(n)
        x[position] = 0.0
        out = np.empty(n)
        libm.feclearexcept(fe_all)
        lib.mf_log_f64(ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", out), n)
        raised = libm.fetestexcept(fe_all)
        assert raised & fe_divbyzero and not raised & fe_invalid
        assert out[position] == -np.inf
        # flags set before the call are kept
        libm.feclearexcept(fe_all)
        libm.feraiseexcept(fe_invalid)
        lib.mf_log_f64(ffi.from_buffer("double[]", np.ones(n)), ffi.from_buffer("double[]", out), n)
        assert libm.fetestexcept(fe_all) & fe_invalid
    libm.feclearexcept(fe_all)


def test_backends_under_test_include_a_cpu_one():
    assert {"numpy", "cpp"} & set(available_backends())


def test_default_backend_and_converted_calls(backend):
    """The issue's example under the default backend, and calls the C++ entry
    hands to its Python fallback (lists, mixed dtypes), which converts them
    and calls the strict entry: the same flags, the same errors."""
    cpu_only(backend)
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError,
                                                    match="divide by zero encountered in divide"):
        mf.divide(np.ones(3), 0.0)
    for x, y in [([1.0, 2.0], 0.0), (np.ones(3, np.float32), np.zeros(3)),
                 (np.ones((3, 4))[:, ::2], np.zeros(2, np.float32))]:
        assert_same_warnings("divide", x, y, backend=backend)
        with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
            mf.divide(x, y, backend=backend)


def test_c_abi_flags_of_reductions():
    """The C ABI's mean of nothing is NumPy's 0 / 0: invalid, in the caller's flags."""
    if not {s.name: s.available for s in mf.backends()}["cpp"]:
        pytest.skip("the C ABI lives in the cpp backend's extension")
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("FE_* values below are x86's")
    from mathfront.cabi import ffi, lib

    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    fe_invalid, fe_divbyzero, fe_overflow, fe_all = 0x01, 0x04, 0x08, 0x3D
    cases = [(lambda: lib.mf_mean_f64(ffi.NULL, 0), fe_invalid),
             (lambda: lib.mf_var_f64(ffi.from_buffer("double[]", np.array([1.0, 2.0])), 2, 2.0),
              fe_divbyzero),
             (lambda: lib.mf_sum_f64(ffi.from_buffer("double[]", np.array([1e308, 1e308])), 2),
              fe_overflow),
             (lambda: lib.mf_max_f64(ffi.from_buffer("double[]", np.array([np.nan, 1.0])), 2), 0)]
    for call, flags in cases:
        libm.feclearexcept(fe_all)
        call()
        assert libm.fetestexcept(fe_invalid | fe_divbyzero | fe_overflow) == flags
    libm.feclearexcept(fe_all)

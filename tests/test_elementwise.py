"""Elementwise ops, on every backend, against NumPy."""

import itertools

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from mathfront._ops import ALL_DTYPES, INTEGER_DTYPES
from support import (
    ELEMENTWISE,
    LAYOUTS,
    MAX_SIDE,
    SIMULATOR,
    assert_matches,
    elementwise_tolerance,
    numpy_reference,
    operand,
    require,
    supported_dtypes,
    with_layout,
)

by_name = pytest.mark.parametrize("op", ELEMENTWISE, ids=lambda op: op.name)
BINARY = [op for op in ELEMENTWISE if op.arity == 2]


def check(backend, op, operands):
    """mathfront gives NumPy's answer (or its exception), returned and through ``out=``."""
    fn = getattr(mf, op.name)
    try:
        expected = numpy_reference(op, *operands)
    except Exception as e:
        with pytest.raises(type(e)):
            fn(*operands, backend=backend)
        return
    atol, rtol = elementwise_tolerance(op, np.asarray(expected).dtype)
    what = f"{op.name}[{backend}]"
    assert_matches(fn(*operands, backend=backend), expected, atol=atol, rtol=rtol, what=what)

    expected = np.asarray(expected)
    out = np.empty_like(expected)
    assert fn(*operands, out=out, backend=backend) is out
    assert_matches(out, expected, atol=atol, rtol=rtol, what=what + " out=")


def dtypes_of(operands):
    return [np.asarray(x).dtype for x in operands if isinstance(x, np.ndarray)]


# Every op on every backend, with its dtypes and layouts drawn (not crossed: that
# would multiply the suite's time by 11 dtypes times 6 layouts).
@by_name
@given(data=st.data())
def test_matches_numpy(backend, op, data):
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, op)), label="dtype")
    shapes = data.draw(hnp.mutually_broadcastable_shapes(
        num_shapes=op.arity, max_dims=3, max_side=MAX_SIDE)).input_shapes
    check(backend, op, [data.draw(operand(dtype, s, op)) for s in shapes])


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
@given(data=st.data())
def test_mixed_dtypes_promote_as_numpy(backend, op, data):
    dtypes = data.draw(st.tuples(*[st.sampled_from(supported_dtypes(backend, op))] * 2),
                       label="dtypes")
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=MAX_SIDE))
    pairs = zip(dtypes, shapes.input_shapes, strict=True)
    check(backend, op, [data.draw(operand(d, s, op)) for d, s in pairs])


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
@pytest.mark.parametrize("scalar", [3, 2.5, True], ids=["int", "float", "bool"])
@given(data=st.data())
def test_weak_python_scalars(backend, op, scalar, data):
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, op)), label="dtype")
    x = (np.arange(1, 7) % 2 if dtype == "bool" else np.arange(1, 7)).astype(dtype).reshape(2, 3)
    check(backend, op, [x, scalar])
    check(backend, op, [scalar, x])


# Weak scalars per dtype, by hand: NumPy 2 gives the array's dtype (add), float64
# for a float with integers or an int with bool, and its loop's dtype (divide).
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_weak_python_scalars_take_each_dtype_as_numpy(backend, dtype):
    for name in ("add", "divide", "maximum"):
        require(backend, name, dtype)
        x = np.ones((2, 3), dtype)
        for scalar in (True, 1, 2.5, 100):
            check(backend, getattr(mf, name).op, [x, scalar])
            check(backend, getattr(mf, name).op, [scalar, x])


# A Python int beyond the array's dtype: OverflowError in NumPy 2 (add), or its
# float loop (divide: 300 is a float64 there).
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@pytest.mark.parametrize("value", [2**70, -1, 300, 2**40, 2**64 - 1], ids=str)
def test_python_int_out_of_range_overflows_as_numpy(backend, dtype, value):
    require(backend, "add", dtype)
    x = np.ones(3, dtype)
    for name in ("add", "divide"):
        check(backend, getattr(mf, name).op, [x, value])


def test_int64_with_uint64_promotes_to_float64_as_numpy(backend):
    require(backend, "add", "int64", "uint64")
    x = np.array([-1, 2**62, 5], np.int64)
    y = np.array([2**64 - 1, 2**63, 0], np.uint64)
    for name in ("add", "subtract", "multiply", "maximum", "divide"):
        check(backend, getattr(mf, name).op, [x, y])
        check(backend, getattr(mf, name).op, [y, x])


def test_math_of_a_mix_computes_in_numpys_loop(backend):
    """arctan2 of int16 with uint16 promotes to int32 but computes in float32 (NumPy's
    loop); power of bool computes in int8; sqrt of int8 is float16: numpy's alone."""
    require(backend, "arctan2", "int16", "uint16")
    x = np.array([1, -3, 7], np.int16)
    y = np.array([2, 5, 9], np.uint16)
    check(backend, mf.arctan2.op, [x, y])
    require(backend, "power", "bool")
    b = np.array([True, False, True, False])
    check(backend, mf.power.op, [b, b[::-1].copy()])
    check(backend, mf.square.op, [b])
    if backend != "numpy":
        with pytest.raises(TypeError, match="does not support dtype int8"):
            mf.sqrt(np.ones(3, np.int8), backend=backend)
        with pytest.raises(TypeError, match="does not support dtype bool"):
            mf.subtract(b, b, backend=backend)
    assert mf.sqrt(np.ones(3, np.int8)).dtype == np.float16  # auto: numpy


@by_name
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (0, 4), (1, 1, 1)], ids=str)
@settings(max_examples=3)  # a few dtypes per case: the cases cross enough
@given(data=st.data())
def test_zero_d_and_empty(backend, op, shape, data):
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, op)), label="dtype")
    x = np.full(shape, 2 if dtype != "bool" else True, dtype)
    check(backend, op, [x] * op.arity)


@by_name
@settings(max_examples=2)  # a few dtypes per case: the cases cross enough
@given(data=st.data())
def test_large_arrays_in_every_layout(backend, op, data):
    """Sizes past the SIMD width, the threading threshold and odd tails (the dtype and
    layout drawn: a few of each per op)."""
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, op)), label="dtype")
    layout = data.draw(st.sampled_from(LAYOUTS), label="layout")
    n = 300 if SIMULATOR else 40_011
    rng = np.random.default_rng(0)
    values = rng.uniform(0.5, 3.0, size=(3, n // 3)).astype(dtype)
    if np.dtype(dtype).kind in "iub":
        top = 2 if dtype == "bool" else 4 if op.name == "power" else min(
            1000, int(np.iinfo(dtype).max))
        values = rng.integers(0, top, size=(3, n // 3)).astype(dtype)
    x = with_layout(values, layout)
    y = with_layout(values[::-1].copy(), "contiguous")
    check(backend, op, [x, y][: op.arity])


FLOAT_SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 1e-310, 1e308, -2.5]


@by_name
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nan_inf_and_signed_zero(backend, op, dtype):
    require(backend, op, dtype)
    pairs = np.array(list(itertools.product(FLOAT_SPECIALS, repeat=op.arity)), dtype=dtype)
    check(backend, op, [np.ascontiguousarray(pairs[:, i]) for i in range(op.arity)])


@by_name
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_integer_overflow_wraps_as_numpy(backend, op, dtype):
    require(backend, op, dtype)
    info = np.iinfo(dtype)
    values = [v for v in (info.min, info.min + 1, -2, -1, 0, 1, 2, info.max - 1, info.max)
              if info.min <= v <= info.max]
    pairs = np.array(list(itertools.product(values, repeat=op.arity)), dtype=dtype)
    if op.name == "power":
        pairs[:, 1] = np.abs(pairs[:, 1]) % 5  # negative powers: see test_errors
    check(backend, op, [np.ascontiguousarray(pairs[:, i]) for i in range(op.arity)])


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
@given(data=st.data())
def test_out_aliasing_an_operand(backend, op, data):
    # Those whose result has the operands' dtype: another cannot be an operand's out.
    same = [d for d in supported_dtypes(backend, op)
            if numpy_reference(op, np.ones(1, d), np.ones(1, d)).dtype == d]
    if not same:
        pytest.skip(f"{op.name} has another dtype than its operands'")
    dtype = data.draw(st.sampled_from(same), label="dtype")
    fn = getattr(mf, op.name)
    a = (np.arange(1, 13).reshape(3, 4) % (2 if dtype == "bool" else 5) + 1).astype(dtype)
    b = (np.arange(12).reshape(3, 4) % 3 + (dtype != "bool")).astype(dtype)
    for out_is in ("x", "y", "both"):
        x, y = a.copy(), (a.copy() if out_is == "both" else b.copy())
        expected = numpy_reference(op, x.copy(), y.copy())
        out = x if out_is in ("x", "both") else y
        assert fn(x, x if out_is == "both" else y, out=out, backend=backend) is out
        atol, rtol = elementwise_tolerance(op, expected.dtype)
        assert_matches(out, expected, atol=atol, rtol=rtol, what=f"{op.name} out={out_is}")


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", ["float64", "int32"])
def test_out_partly_overlapping_operands(backend, op, dtype):
    """As in NumPy, the result is as if the operands were read before writing."""
    require(backend, op, dtype)
    fn = getattr(mf, op.name)
    if np.result_type(op.reference(np.ones(1, dtype), np.ones(1, dtype))) != dtype:
        pytest.skip(f"{op.name} of {dtype} has another dtype: an operand cannot be its out")
    n = 200 if SIMULATOR else 10_000
    buf = (np.arange(n + 1) % 7 + 1).astype(dtype)
    expected = numpy_reference(op, buf[:-1].copy(), buf[1:].copy())
    out = buf[1:]
    fn(buf[:-1], buf[1:], out=out, backend=backend)
    atol, rtol = elementwise_tolerance(op, expected.dtype)
    assert_matches(out, expected, atol=atol, rtol=rtol, what=f"{op.name} overlap")

    buf = (np.arange(n + 1) % 7 + 1).astype(dtype)
    expected = numpy_reference(op, buf[::-1][:-1].copy(), buf[1:].copy())
    out = buf[1:]
    fn(buf[::-1][:-1], buf[1:], out=out, backend=backend)
    assert_matches(out, expected, atol=atol, rtol=rtol, what=f"{op.name} reversed overlap")


def test_lists_and_numpy_scalars_are_operands(backend):
    require(backend, "add", "int64")
    check(backend, mf.add.op, [[1, 2, 3], [4, 5, 6]])
    require(backend, "add", "float32", "float64")
    check(backend, mf.add.op, [np.float32(1.5), np.arange(3.0)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_exp_at_the_edge_of_overflow(backend, dtype):
    """Around ln(DBL_MAX): float32 709.7827 lies just past it (found by hypothesis on cuda)."""
    require(backend, "exp", dtype)
    x = np.array([709.7827, 709.782712893384, 709.78271289339, 709.78, 88.72, 88.73],
                 dtype=dtype)
    check(backend, mf.exp.op, [x])

"""Elementwise ops, on every backend, against NumPy."""

import itertools

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import (
    DTYPES,
    ELEMENTWISE,
    LAYOUTS,
    MAX_SIDE,
    SIMULATOR,
    assert_matches,
    elementwise_tolerance,
    numpy_reference,
    operand,
    require,
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


@by_name
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_matches_numpy(backend, op, dtype, data):
    require(backend, op, dtype)
    shapes = data.draw(hnp.mutually_broadcastable_shapes(
        num_shapes=op.arity, max_dims=3, max_side=MAX_SIDE)).input_shapes
    check(backend, op, [data.draw(operand(dtype, s, op)) for s in shapes])


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
@given(data=st.data())
def test_mixed_dtypes_promote_as_numpy(backend, op, data):
    dtypes = data.draw(st.tuples(st.sampled_from(DTYPES), st.sampled_from(DTYPES)))
    require(backend, op, *dtypes)
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=MAX_SIDE))
    pairs = zip(dtypes, shapes.input_shapes, strict=True)
    check(backend, op, [data.draw(operand(d, s, op)) for d, s in pairs])


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scalar", [3, 2.5, True], ids=["int", "float", "bool"])
def test_weak_python_scalars(backend, op, dtype, scalar):
    require(backend, op, dtype)
    x = np.arange(1, 7, dtype=dtype).reshape(2, 3)
    check(backend, op, [x, scalar])
    check(backend, op, [scalar, x])


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_python_int_out_of_range_overflows_as_numpy(backend, dtype):
    require(backend, "add", dtype)
    x = np.ones(3, dtype)
    big = 2**70
    with pytest.raises(OverflowError):
        np.add(x, big)
    with pytest.raises(OverflowError):
        mf.add(x, big, backend=backend)


@by_name
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (0, 4), (1, 1, 1)], ids=str)
def test_zero_d_and_empty(backend, op, dtype, shape):
    require(backend, op, dtype)
    x = np.ones(shape, dtype) * 2
    check(backend, op, [x] * op.arity)


@by_name
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_large_arrays_in_every_layout(backend, op, dtype, layout):
    """Sizes past the SIMD width, the threading threshold and odd tails."""
    require(backend, op, dtype)
    n = 300 if SIMULATOR else 40_011
    rng = np.random.default_rng(0)
    values = rng.uniform(0.5, 3.0, size=(3, n // 3)).astype(dtype)
    if np.dtype(dtype).kind == "i":
        values = rng.integers(0, 4 if op.name == "power" else 1000, size=(3, n // 3)).astype(dtype)
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
@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_overflow_wraps_as_numpy(backend, op, dtype):
    require(backend, op, dtype)
    info = np.iinfo(dtype)
    values = [info.min, info.min + 1, -2, -1, 0, 1, 2, info.max - 1, info.max]
    pairs = np.array(list(itertools.product(values, repeat=op.arity)), dtype=dtype)
    if op.name == "power":
        pairs[:, 1] = np.abs(pairs[:, 1]) % 5  # negative powers: see test_errors
    check(backend, op, [np.ascontiguousarray(pairs[:, i]) for i in range(op.arity)])


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", DTYPES)
def test_out_aliasing_an_operand(backend, op, dtype):
    require(backend, op, dtype)
    fn = getattr(mf, op.name)
    if np.result_type(op.reference(np.ones(1, dtype), np.ones(1, dtype))) != dtype:
        pytest.skip(f"{op.name} of {dtype} has another dtype: an operand cannot be its out")
    a = np.arange(1, 13, dtype=dtype).reshape(3, 4) % 5 + 1
    b = (np.arange(12, dtype=dtype).reshape(3, 4) % 3 + 1)
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

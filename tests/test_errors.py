"""Bad input: the exception docs/design.md names, a message naming the values, nothing written."""

import re

import mathfront as mf
import numpy as np
import pytest
from numpy.exceptions import AxisError
from support import DTYPES, REDUCTIONS, UFUNCS, require

SENTINEL = 123  # fits every dtype under test, uint8 included


def untouched(out):
    out = np.asarray(out)
    return np.all(out == np.asarray(SENTINEL).astype(out.dtype))  # (bool: as stored)


def test_shape_mismatch_names_both_shapes(backend):
    require(backend, "add", "float64")
    out = np.full(3, SENTINEL, np.float64)
    with pytest.raises(ValueError, match=r"\(3,\) \(4,\)"):
        mf.add(np.ones(3), np.ones(4), backend=backend)
    with pytest.raises(ValueError, match=r"\(2,3\) \(4,\)"):
        mf.add(np.ones((2, 3)), np.ones(4), out=out, backend=backend)
    assert untouched(out)


@pytest.mark.parametrize("call", [
    lambda: mf.add(1, 2, backend="fortran"),
    lambda: mf.use_backend("fortran").__enter__(),
    lambda: mf.set_backend("fortran"),
])
def test_unknown_backend_lists_the_known_ones(call):
    with pytest.raises(ValueError, match=r"'fortran'.*'auto'.*'numpy'.*'cpp'.*'cuda'"):
        call()


def test_backend_name_must_be_a_string():
    with pytest.raises(TypeError, match="must be a str"):
        mf.set_backend(3)


# float16, complex, and the pairs whose NumPy result is float16 (sqrt of uint8,
# arctan2 of bool): an explicit compiled backend refuses them, auto runs NumPy.
@pytest.mark.parametrize("name,dtype", [("add", "complex128"), ("add", "float16"),
                                        ("sqrt", "uint8"), ("arctan2", "bool")], ids=str)
def test_explicit_compiled_backend_refuses_other_dtypes(name, dtype):
    if not {s.name: s.available for s in mf.backends()}["cpp"]:
        pytest.skip("cpp is not built")
    fn = getattr(mf, name)
    x = np.ones(3, dtype)
    operands = [x] * fn.op.arity
    expected = fn.op.reference(*operands)
    out = np.full(3, SENTINEL, expected.dtype)
    with pytest.raises(TypeError) as info:
        fn(*operands, out=out, backend="cpp")
    message = str(info.value)
    assert name in message and "'cpp'" in message and dtype in message and "supports" in message
    assert untouched(out)
    # auto falls back to NumPy for the same call
    np.testing.assert_array_equal(fn(*operands), expected)


@pytest.mark.parametrize("values", [np.array(["a", "b"]), np.array([1, None], dtype=object)],
                         ids=["str", "object"])
def test_non_numeric_arrays_are_refused_everywhere(backend, values):
    with pytest.raises(TypeError, match=str(values.dtype)):
        mf.add(values, values, backend=backend)
    with pytest.raises(TypeError):
        mf.add(values, values)


def test_unavailable_backend_says_why():
    from mathfront import _registry, _selection
    from test_dispatch import Spy

    saved = dict(_registry._loaded)
    try:
        mf.register_backend(Spy("spy_missing", reason="libfoo is not installed; pip install foo"))
        with pytest.raises(mf.BackendUnavailableError, match="libfoo is not installed"):
            mf.add(1, 2, backend="spy_missing")
        with pytest.raises(mf.BackendUnavailableError, match="pip install foo"):
            mf.use_backend("spy_missing").__enter__()
        with pytest.raises(RuntimeError):
            mf.set_backend("spy_missing")
    finally:
        _registry._loaded.clear()
        _registry._loaded.update(saved)
        _selection.invalidate()


def test_cuda_without_a_gpu_is_unavailable_with_a_reason():
    status = {s.name: s for s in mf.backends()}["cuda"]
    if status.available:
        pytest.skip("a GPU (or the simulator) is available")
    assert status.reason
    with pytest.raises(mf.BackendUnavailableError, match="not available"):
        mf.add(np.ones(2), 1, backend="cuda")


@pytest.mark.parametrize("op", REDUCTIONS, ids=lambda op: op.name)
def test_bad_axis(backend, op):
    require(backend, op, "float64")
    fn = getattr(mf, op.name)
    x = np.ones((2, 3))
    with pytest.raises(AxisError):
        fn(x, axis=2, backend=backend)
    with pytest.raises(AxisError):
        fn(x, axis=-3, backend=backend)
    with pytest.raises(TypeError):
        fn(x, axis=1.0, backend=backend)
    if op.name not in ("argmin", "argmax"):
        with pytest.raises(ValueError, match="duplicate"):
            fn(x, axis=(0, 0), backend=backend)
        with pytest.raises(AxisError):
            fn(x, axis=(0, 5), backend=backend)


def assert_close(op, got, expected):
    """Values as NumPy's (within float32 rounding: the out here is float32 or exact)."""
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def numpys_error(call):
    """The exception type and message NumPy gives for ``call()``."""
    with pytest.raises(Exception) as caught:
        call()
    return type(caught.value), str(caught.value).strip()


def bad_elementwise_outs(shape, dtype):
    """``out`` arrays NumPy refuses for a result of ``shape`` and ``dtype`` (issue 12:
    any dtype ``casting`` allows and any shape the operands broadcast to are fine)."""
    read_only = np.full(shape, SENTINEL, dtype)
    read_only.flags.writeable = False
    larger_read_only = np.full((2, *shape), SENTINEL, dtype)  # NumPy's out rules' own path
    larger_read_only.flags.writeable = False
    unsafe = "int64" if dtype.startswith("float") else "uint8"  # not of the same kind
    outs = [np.full((*shape, 2), SENTINEL, dtype), np.full((2,), SENTINEL, dtype),
            np.full(shape, SENTINEL, unsafe), read_only, larger_read_only, [SENTINEL] * 3]
    if dtype == "bool":  # bool casts safely to every dtype: no out refused for its kind
        del outs[2]
    return outs


@pytest.mark.parametrize("op", UFUNCS, ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bad_out_for_elementwise(backend, op, dtype):
    require(backend, op, dtype)
    x = np.arange(1, 4, dtype=dtype)
    result_dtype = np.asarray(op.reference(*[x] * op.arity)).dtype.name
    for out in bad_elementwise_outs((3,), result_dtype):
        error, message = numpys_error(lambda o=out: op.reference(*[x] * op.arity, out=o))
        with pytest.raises(error, match=re.escape(message)):
            getattr(mf, op.name)(*[x] * op.arity, out=out, backend=backend)
        assert untouched(np.asarray(out))


@pytest.mark.parametrize("op", UFUNCS, ids=lambda op: op.name)
def test_out_of_another_dtype_and_a_larger_shape_as_numpy(backend, op):
    require(backend, op, "float64")
    x = np.linspace(0.5, 2.0, 3)
    for out in (np.full(3, SENTINEL, np.float32), np.full((2, 3), SENTINEL, np.float64)):
        expected = op.reference(*[x] * op.arity, out=np.zeros_like(out))
        got = getattr(mf, op.name)(*[x] * op.arity, out, backend=backend)  # out by position
        assert got is out and out.dtype == expected.dtype
        assert_close(op, out, expected)


def bad_reduction_outs(shape, dtype):
    """(out, exception, message pattern) for each way a reduction's ``out`` can be wrong."""
    read_only = np.full(shape, SENTINEL, dtype)
    read_only.flags.writeable = False
    return [
        (np.full((*shape, 2), SENTINEL, dtype), ValueError, r"out has shape .* result has shape"),
        (read_only, ValueError, "read-only"),
        ([SENTINEL] * 3, TypeError, "out must be a numpy.ndarray"),
    ]


@pytest.mark.parametrize("op", REDUCTIONS, ids=lambda op: op.name)
def test_bad_out_for_reductions(backend, op):
    require(backend, op, "float64")
    if "out" in op.hidden:
        pytest.skip(f"{op.name} takes no out=, as NumPy's")
    x = np.arange(6.0).reshape(2, 3)
    result_dtype = np.asarray(op.reference(x, axis=0)).dtype.name
    for out, error, pattern in bad_reduction_outs((3,), result_dtype):
        with pytest.raises(error, match=pattern):
            getattr(mf, op.name)(x, axis=0, out=out, backend=backend)
        assert untouched(np.asarray(out))


@pytest.mark.parametrize("op", REDUCTIONS, ids=lambda op: op.name)
def test_reduction_out_of_another_dtype_is_cast_as_numpy(backend, op):
    require(backend, op, "float64")
    if "out" in op.hidden:
        pytest.skip(f"{op.name} takes no out=, as NumPy's")
    x = np.arange(6.0).reshape(2, 3) + 0.25
    out_dtype = np.int32 if op.is_arg else np.float32
    expected = op.reference(x, axis=0, out=np.zeros(3, out_dtype))
    out = np.full(3, SENTINEL, out_dtype)
    assert getattr(mf, op.name)(x, axis=0, out=out, backend=backend) is out
    assert out.dtype == expected.dtype
    assert_close(op, out, expected)
    if op.is_arg:
        error, message = numpys_error(lambda: op.reference(x, out=np.zeros((), np.float64)))
        with pytest.raises(error, match=re.escape(message)):
            getattr(mf, op.name)(x, out=np.zeros((), np.float64), backend=backend)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_negative_integer_power_raises_before_writing(backend, dtype):
    require(backend, "power", dtype)
    base = np.arange(1, 6, dtype=dtype)
    exponent = np.array([1, 2, -1, 2, 1], dtype=dtype)
    out = np.full(5, SENTINEL, dtype)
    with pytest.raises(ValueError, match="negative integer powers"):
        np.power(base, exponent)
    with pytest.raises(ValueError, match="negative integer powers"):
        mf.power(base, exponent, out=out, backend=backend)
    assert untouched(out)


def test_dot_shapes(backend):
    require(backend, "dot", "float64")
    with pytest.raises(ValueError, match=r"shapes \(3,\) and \(4,\) not aligned"):
        mf.dot(np.ones(3), np.ones(4), backend=backend)
    with pytest.raises(ValueError, match="1-D"):
        mf.dot(np.ones((2, 2)), np.ones(2), backend=backend)


def test_device_arrays_are_refused_by_host_backends():
    class FakeDeviceArray:
        dtype = np.dtype("float64")
        shape = (3,)

        @property
        def __cuda_array_interface__(self):
            return {"shape": (3,), "typestr": "<f8", "data": (0, False), "version": 3}

    with pytest.raises(TypeError, match="operand 1 is a device array"):
        mf.add(np.ones(3), FakeDeviceArray(), backend="numpy")
    if not {s.name: s for s in mf.backends()}["cuda"].available:
        with pytest.raises(mf.BackendUnavailableError, match="device"):
            mf.add(np.ones(3), FakeDeviceArray())

"""Composite ops (diff, vecdot, isclose, allclose), on every backend, against NumPy.

A backend computes a composite from its own kernels of the op's parts
(``Op.parts``), for the dtypes all of those take there: the others are skipped
(``require``), as auto sends them to NumPy.
"""

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from mathfront import _tolerance
from mathfront._ops import BY_NAME
from support import (
    LAYOUTS,
    MAX_SIDE,
    SIMULATOR,
    arrays,
    assert_matches,
    require,
    with_layout,
)

DIFF, VECDOT, ISCLOSE, ALLCLOSE = (BY_NAME[n] for n in ("diff", "vecdot", "isclose", "allclose"))
DTYPES = ("float32", "float64", "int32", "int64")


@given(data=st.data())
@pytest.mark.parametrize("dtype", DTYPES)
def test_diff_matches_numpy(backend, dtype, data):
    require(backend, DIFF, dtype)
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=MAX_SIDE))
    x = data.draw(arrays(dtype, shape))
    n = data.draw(st.integers(0, 3))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    with np.errstate(all="ignore"):
        expected = np.diff(x, n, axis)
        got = mf.diff(x, n, axis, backend=backend)
    # (floats: each difference is one correctly rounded subtraction, as NumPy's)
    assert_matches(got, expected, what=f"diff n={n} axis={axis}")


def test_diff_prepend_append_and_errors(backend):
    x = np.arange(12.0).reshape(3, 4) ** 2
    for kw in ({"prepend": 0}, {"append": [[1], [2], [3]]}, {"prepend": 1.5, "append": -1}):
        assert_matches(mf.diff(x, backend=backend, **kw), np.diff(x, **kw), what=f"{kw}")
    assert mf.diff(x, 0, backend=backend) is x or np.array_equal(mf.diff(x, 0), x)
    with pytest.raises(ValueError, match="non-negative"):
        mf.diff(x, -1, backend=backend)
    with pytest.raises(ValueError, match="at least one dimensional"):
        mf.diff(np.float64(1.0), backend=backend)
    with pytest.raises(np.exceptions.AxisError):
        mf.diff(x, axis=2, backend=backend)


@pytest.mark.skipif(not {b.name: b for b in mf.backends()}["cuda"].available,
                    reason="no GPU and no simulator (NUMBA_ENABLE_CUDASIM=1)")
def test_diff_prepend_append_of_cuda_device_arrays():
    """Concatenated on the device (NumPy's dtype: no weak scalars), then differenced."""
    x = np.arange(12, dtype=np.float32).reshape(3, 4) ** 2
    dx = mf.to_device(x)
    column = np.array([[1], [2], [3]], np.int16)
    for kw, device_kw in (
            ({"prepend": 0}, {"prepend": 0}),
            ({"append": column}, {"append": mf.to_device(column)}),
            ({"prepend": 1.5, "append": np.float32(-1)}, {"prepend": 1.5,
                                                           "append": np.float32(-1)}),
            ({"prepend": np.array(2.0)}, {"prepend": mf.to_device(np.array(2.0))})):
        for axis in (1, -1):
            want = np.diff(x, axis=axis, **kw)
            got = mf.diff(dx, axis=axis, backend="cuda", **device_kw)
            assert mf._checks.is_device_array(got)
            assert_matches(mf.to_host(got), want, what=f"device {kw}")
    ints = np.array([5, -3, 7], np.int8)
    assert_matches(mf.to_host(mf.diff(mf.to_device(ints), prepend=np.int8(100), backend="cuda")),
                   np.diff(ints, prepend=np.int8(100)), what="int8 wrap-around")
    with pytest.raises(TypeError, match="to_device"):
        mf.diff(dx, append=column, backend="cuda")
    with pytest.raises(ValueError, match="must match exactly"):
        mf.diff(dx, axis=0, append=mf.to_device(column), backend="cuda")


@pytest.mark.skipif(SIMULATOR, reason="large arrays: the simulator runs kernels in Python")
@pytest.mark.parametrize("layout", LAYOUTS)
def test_diff_large_in_every_layout(backend, layout):
    require(backend, DIFF, "float64")
    x = with_layout(np.random.default_rng(4).standard_normal((200, 301)), layout)
    for axis in (0, 1):
        assert_matches(mf.diff(x, 2, axis, backend=backend), np.diff(x, 2, axis))


@given(data=st.data())
@pytest.mark.parametrize("dtype", DTYPES)
def test_vecdot_matches_numpy(backend, dtype, data):
    require(backend, VECDOT, dtype)
    shapes = data.draw(hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE))
    core = data.draw(st.integers(0, MAX_SIDE))
    s1, s2 = ((*s[:-1], core) for s in shapes.input_shapes)
    x1, x2 = data.draw(arrays(dtype, s1)), data.draw(arrays(dtype, s2))
    with np.errstate(all="ignore"):
        expected = np.vecdot(x1, x2)
        got = mf.vecdot(x1, x2, backend=backend)
    product = np.abs(np.multiply(x1, x2, dtype=np.float64)) if dtype[0] == "f" else None
    atol = 0.0
    if product is not None:  # the sum's bound (any order of summation) on |x1 * x2|
        eps = _tolerance.eps(np.asarray(expected).dtype)
        atol = 2 * (core + 2) * eps * np.sum(product, axis=-1) + 4 * core * \
            float(np.finfo(np.asarray(expected).dtype).tiny)
    assert_matches(got, expected, atol=atol, rtol=4 * _tolerance.eps(np.asarray(
        expected).dtype), what=f"vecdot {s1} {s2}")


def test_vecdot_axis_out_and_errors(backend):
    require(backend, VECDOT, "float64")
    rng = np.random.default_rng(5)
    x1, x2 = rng.standard_normal((4, 3)), rng.standard_normal(4)
    np.testing.assert_allclose(mf.vecdot(x1, x2[:, None], axis=0, backend=backend),
                               np.vecdot(x1, x2[:, None], axis=0), rtol=1e-14)
    out = np.zeros(3)
    assert mf.vecdot(x1.T, x1.T, out=out, backend=backend) is out
    np.testing.assert_allclose(out, np.vecdot(x1.T, x1.T), rtol=1e-14)
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        mf.vecdot(x1, x2, backend=backend)
    with pytest.raises(ValueError, match="enough dimensions"):
        mf.vecdot(np.float64(1), np.float64(2), backend=backend)
    with pytest.raises(TypeError):
        mf.vecdot(x1, x1, 0, backend=backend)  # axis by name only, as NumPy's


def test_vecdot_integers_wrap_in_their_dtype(backend):
    require(backend, VECDOT, "int32")
    x = np.full(3, 2**20, np.int32)
    assert_matches(mf.vecdot(x, x, backend=backend), np.vecdot(x, x))


# --- isclose, allclose (their parts are the comparison rows: i13-boolops) ----------------

CLOSE_VALUES = [0.0, -0.0, 1.0, 1.0 + 1e-9, 1.0 + 1e-4, 1e-10, np.nan, np.inf, -np.inf, 1e300]


@pytest.mark.parametrize("equal_nan", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_isclose_and_allclose_match_numpy(backend, equal_nan, dtype):
    require(backend, ISCLOSE, dtype)
    values = np.array(CLOSE_VALUES if dtype[0] == "f" else [0, 1, 2, -5, 2**40], dtype)
    a, b = np.meshgrid(values, values)
    for rtol, atol in [(1e-5, 1e-8), (0.0, 0.0), (1e-3, 0)]:
        kw = {"rtol": rtol, "atol": atol, "equal_nan": equal_nan}
        assert_matches(mf.isclose(a, b, backend=backend, **kw), np.isclose(a, b, **kw))
        assert mf.allclose(a, a, backend=backend, **kw) is np.allclose(a, a, **kw)
        assert mf.allclose(a, b, backend=backend, **kw) is np.allclose(a, b, **kw)
    assert_matches(mf.isclose(1.0, 1.0 + 1e-9, backend=backend), np.isclose(1.0, 1.0 + 1e-9))
    assert_matches(mf.isclose(values, 1, backend=backend), np.isclose(values, 1))


def test_isclose_warns_on_a_nan_tolerance_as_numpy(backend):
    require(backend, ISCLOSE, "float64")
    with pytest.warns(RuntimeWarning, match="not valid"):
        mf.isclose(np.ones(2), np.ones(2), atol=np.nan, backend=backend)


def test_a_backend_without_the_parts_refuses_by_name(backend):
    """Where the parts are missing (isclose before the comparison rows), an explicit
    backend says so in the contract's words and auto runs NumPy."""
    from mathfront import _registry

    b = _registry.get(backend)
    if b.supports(ISCLOSE, [np.dtype("float64")]):
        pytest.skip(f"{backend} has isclose")
    with pytest.raises(TypeError, match="does not support dtype float64"):
        mf.isclose(np.ones(2), np.ones(2), backend=backend)
    assert mf.allclose(np.ones(2), np.ones(2)) is True


# --- real, imag: a real array itself, and read-only zeros ----------------------------------
@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64", "float32", "float64"])
def test_real_is_the_array_itself_and_imag_read_only_zeros(backend, dtype):
    require(backend, BY_NAME["imag"], dtype)
    x = with_layout(np.arange(6).reshape(2, 3).astype(dtype), "transposed")
    assert mf.real(x, backend=backend) is np.real(x)  # NumPy: x itself, no copy
    got, expected = mf.imag(x, backend=backend), np.imag(x)
    assert_matches(got, expected, what="imag")
    assert not got.flags.writeable and not expected.flags.writeable
    for scalar in (True, 3, 2.5, np.int8(3), np.float32(-1.5)):
        for name in ("real", "imag"):
            got, expected = getattr(mf, name)(scalar, backend=backend), getattr(np, name)(scalar)
            assert type(got) is type(expected) and got == expected, (name, scalar)


def test_real_and_imag_of_device_arrays_stay_on_the_device(backend):
    if backend != "cuda":
        pytest.skip("device arrays: the cuda engine")
    x = mf.to_device(np.array([1.5, -2.0, np.nan]))
    assert mf.real(x, backend=backend) is x
    zeros = mf.imag(x, backend=backend)
    assert not isinstance(zeros, np.ndarray)
    assert_matches(mf.to_host(zeros), np.zeros(3), what="imag on the device")


def test_vecdot_of_device_arrays_over_another_axis(backend):
    if backend != "cuda":
        pytest.skip("device arrays: the cuda engine")
    rng = np.random.default_rng(3)
    x1, x2 = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 4, 5))
    d1, d2 = mf.to_device(x1), mf.to_device(x2)
    for axis in (0, 1, -2):
        got = mf.vecdot(d1, d2, axis=axis, backend=backend)
        assert not isinstance(got, np.ndarray)
        np.testing.assert_allclose(mf.to_host(got), np.vecdot(x1, x2, axis=axis), rtol=1e-13)
    got = mf.vecdot(d1[:, 1:], d2[:, 1:], axis=0, backend=backend)  # strided views
    np.testing.assert_allclose(mf.to_host(got), np.vecdot(x1[:, 1:], x2[:, 1:], axis=0),
                               rtol=1e-13)
    if SIMULATOR:  # a producer of __cuda_array_interface__ (its memory is the host's there)
        class Producer:
            def __init__(self, a):
                self.a, self.shape, self.dtype = a, a.shape, a.dtype
                face = a.__array_interface__
                self.__cuda_array_interface__ = {**face, "version": 3, "stream": None}

        got = mf.vecdot(Producer(x1[:, ::-1]), Producer(x2[:, ::-1]), axis=1, backend=backend)
        np.testing.assert_allclose(mf.to_host(got), np.vecdot(x1, x2, axis=1), rtol=1e-13)

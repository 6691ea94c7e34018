"""where and clip (kind ternary), on every backend, against NumPy."""

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from mathfront._ops import BY_NAME
from support import (
    LAYOUTS,
    MAX_SIDE,
    SIMULATOR,
    arrays,
    assert_matches,
    numpy_reference,
    require,
    with_layout,
)

WHERE, CLIP = BY_NAME["where"], BY_NAME["clip"]
#: The dtypes the engines compute today (the row lists all 11; cpp and cuda the ones
#: they support, the others are skipped by require).
DTYPES = ("bool", "int8", "uint8", "int32", "int64", "uint64", "float32", "float64")


def three_shapes():
    """Three shapes that broadcast together (0-d and empty among them)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                             min_side=0, max_side=MAX_SIDE)


@given(data=st.data())
@pytest.mark.parametrize("dtype", DTYPES)
def test_where_matches_numpy(backend, dtype, data):
    require(backend, WHERE, dtype)
    shapes = data.draw(three_shapes()).input_shapes
    condition = data.draw(arrays("bool", shapes[0]))
    x, y = (data.draw(arrays(dtype, s)) for s in shapes[1:])
    expected = np.where(condition, x, y)
    assert_matches(mf.where(condition, x, y, backend=backend), expected, what=f"where {dtype}")


@pytest.mark.parametrize("condition_dtype", ["float64", "int32"])
def test_where_reads_a_condition_as_nonzero_nan_true(backend, condition_dtype):
    condition = np.array([0, 1, -2, 0], condition_dtype)
    if condition_dtype == "float64":
        condition = np.array([0.0, np.nan, -0.0, 3.0])
    x, y = np.arange(4.0), -np.arange(4.0) - 1
    assert_matches(mf.where(condition, x, y, backend=backend), np.where(condition, x, y))


@pytest.mark.parametrize("x, y", [(1, 2.5), (np.float32(1), 2), (3, 4), (True, False)])
def test_where_scalars_promote_as_numpy(backend, x, y):
    condition = np.array([True, False, True])
    assert_matches(mf.where(condition, x, y, backend=backend), np.where(condition, x, y))
    typed = np.arange(3, dtype=np.int32)
    assert_matches(mf.where(condition, typed, y, backend=backend), np.where(condition, typed, y))


def test_where_gives_an_array_for_zero_d_operands(backend):
    got = mf.where(True, np.float64(1), 2.0, backend=backend)
    assert_matches(got, np.where(True, np.float64(1), 2.0))


def test_where_needs_three_arguments(backend):
    with pytest.raises(TypeError, match="three arguments"):
        mf.where(np.array([True]), backend=backend)
    with pytest.raises(TypeError, match="three arguments"):
        mf.where(np.array([True]), np.ones(1), backend=backend)


def test_where_shapes_that_do_not_broadcast(backend):
    with pytest.raises(ValueError):
        np.where(np.ones(2, bool), np.ones(3), 0)
    with pytest.raises(ValueError):
        mf.where(np.ones(2, bool), np.ones(3), 0, backend=backend)


@pytest.mark.parametrize("dtype, value", [("int32", 2**40), ("int8", 300), ("uint8", -1),
                                          ("float32", 1e300)])
def test_where_casts_a_python_scalar_beyond_its_dtype_as_numpy(backend, dtype, value):
    require(backend, WHERE, dtype)
    condition = np.array([True, False])
    x = np.ones(2, dtype)
    with np.errstate(over="ignore"):
        expected = np.where(condition, x, value)  # a C cast, not a ufunc's OverflowError
        assert_matches(mf.where(condition, x, value, backend=backend), expected)


@pytest.mark.skipif(SIMULATOR, reason="large arrays: the simulator runs kernels in Python")
@pytest.mark.parametrize("layout", LAYOUTS)
def test_where_large_in_every_layout(backend, layout):
    rng = np.random.default_rng(0)
    x = with_layout(rng.standard_normal((300, 301)), layout)
    condition = with_layout(rng.standard_normal((300, 301)) > 0, layout)
    assert_matches(mf.where(condition, x, -1.0, backend=backend), np.where(condition, x, -1.0))
    assert_matches(mf.where(condition[::-1], x.T.T, x[:, :1], backend=backend),
                   np.where(condition[::-1], x, x[:, :1]))


# --- clip ------------------------------------------------------------------------------

def bound(data, dtype, shape):
    """A bound: an array, a weak Python scalar, or None (no bound)."""
    kind = data.draw(st.sampled_from(["array", "scalar", "none"]))
    if kind == "none":
        return None
    if kind == "scalar":
        return data.draw(arrays(dtype, ())).item()
    return data.draw(arrays(dtype, shape))


@given(data=st.data())
@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_matches_numpy(backend, dtype, data):
    require(backend, CLIP, dtype)
    shapes = data.draw(three_shapes()).input_shapes
    a = data.draw(arrays(dtype, shapes[0]))
    lo, hi = bound(data, dtype, shapes[1]), bound(data, dtype, shapes[2])
    try:
        expected = numpy_reference(CLIP, a, lo, hi)
    except Exception as e:  # bool with no bound: positive's TypeError
        with pytest.raises(type(e)):
            mf.clip(a, lo, hi, backend=backend)
        return
    assert_matches(mf.clip(a, lo, hi, backend=backend), expected, what=f"clip {dtype}")
    out = np.zeros(np.shape(expected), np.asarray(expected).dtype)
    assert mf.clip(a, lo, hi, out=out, backend=backend) is out
    assert_matches(out, np.asarray(expected), what=f"clip {dtype} out=")


def test_clip_nan_bounds_reversed_bounds_and_signed_zeros(backend):
    a = np.array([-2.0, -0.0, 0.0, 0.5, np.nan, np.inf, -np.inf])
    for lo, hi in [(np.nan, 1.0), (0.0, np.nan), (1.0, -1.0), (-0.0, 0.0), (0.0, -0.0),
                   (-np.inf, np.inf), (None, 0.0), (0.0, None)]:
        got, expected = mf.clip(a, lo, hi, backend=backend), np.clip(a, lo, hi)
        assert_matches(got, expected, what=f"clip({lo}, {hi})")
        # (which zero a -0/+0 tie gives depends on NumPy's loop, as for min and max:
        # the row's tolerance is "either zero on a tie")
        if 0 not in (lo, hi):
            np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


def test_clip_integers_with_float_bounds_promote(backend):
    a = np.arange(-3, 4, dtype=np.int32)
    assert_matches(mf.clip(a, 1.5, 2.5, backend=backend), np.clip(a, 1.5, 2.5))
    assert_matches(mf.clip(a, -1, 2, backend=backend), np.clip(a, -1, 2))
    assert_matches(mf.clip(a, -2**40, 2, backend=backend), np.clip(a, -2**40, 2))
    require(backend, CLIP, "int8")
    small = np.arange(-3, 4, dtype=np.int8)  # out-of-range Python ints: no bound (NEP 50)
    assert_matches(mf.clip(small, -1000, 1000, backend=backend), np.clip(small, -1000, 1000))
    assert_matches(mf.clip(small, -1, 1000, backend=backend), np.clip(small, -1, 1000))


def test_clip_min_max_keywords_as_numpy(backend):
    a = np.linspace(-2, 2, 9)
    assert_matches(mf.clip(a, min=-1, backend=backend), np.clip(a, min=-1))
    assert_matches(mf.clip(a, max=1, backend=backend), np.clip(a, max=1))
    assert_matches(mf.clip(a, min=-1, max=1, backend=backend), np.clip(a, min=-1, max=1))
    assert_matches(mf.clip(a, backend=backend), np.clip(a))
    assert_matches(mf.clip(a, None, None, backend=backend), np.clip(a, None, None))
    with pytest.raises(ValueError, match="forbidden"):
        mf.clip(a, 0, 1, min=0, backend=backend)
    with pytest.raises(TypeError, match="a_max"):
        mf.clip(a, 0, backend=backend)
    with pytest.raises(TypeError):
        mf.clip(a, 0, 1, where=a > 0, backend=backend)  # NumPy's ufunc keywords: not taken


def test_clip_scalar_result_is_a_numpy_scalar(backend):
    assert_matches(mf.clip(np.float32(2), 0, 1, backend=backend), np.clip(np.float32(2), 0, 1))
    assert_matches(mf.clip(5, 0, 1, backend=backend), np.clip(5, 0, 1))


def test_clip_out_aliasing_and_casting(backend):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(1000)
    expected = np.clip(a, -0.5, 0.5)
    inplace = a.copy()
    assert mf.clip(inplace, -0.5, 0.5, out=inplace, backend=backend) is inplace
    assert_matches(inplace, expected)
    # out overlapping the input shifted by one: NumPy's answer (read from a copy)
    shifted, ref = a.copy(), a.copy()
    mf.clip(shifted[1:], -0.5, 0.5, out=shifted[:-1], backend=backend)
    np.clip(ref[1:], -0.5, 0.5, out=ref[:-1])
    assert_matches(shifted, ref)
    # a bound aliasing out
    lo = np.full(1000, -0.25)
    mf.clip(a, lo, 0.5, out=lo, backend=backend)
    assert_matches(lo, np.clip(a, -0.25, 0.5))
    # another dtype same_kind allows, a larger shape: NumPy's looser out
    out32 = np.zeros((2, 1000), np.float32)
    mf.clip(a, -0.5, 0.5, out=out32, backend=backend)
    assert_matches(out32, np.clip(a, -0.5, 0.5, out=np.zeros((2, 1000), np.float32)))
    with pytest.raises(TypeError):
        np.clip(a, 0, 1, out=np.zeros(1000, np.int64))
    with pytest.raises(TypeError):
        mf.clip(a, 0, 1, out=np.zeros(1000, np.int64), backend=backend)
    with pytest.raises(ValueError):
        mf.clip(a, 0, 1, out=np.zeros(999), backend=backend)
    readonly = np.zeros(1000)
    readonly.flags.writeable = False
    with pytest.raises(ValueError):
        mf.clip(a, 0, 1, out=readonly, backend=backend)


@pytest.mark.skipif(SIMULATOR, reason="large arrays: the simulator runs kernels in Python")
@pytest.mark.parametrize("layout", LAYOUTS)
def test_clip_large_in_every_layout(backend, layout):
    rng = np.random.default_rng(2)
    a = with_layout(rng.standard_normal((300, 301)).astype(np.float32), layout)
    lo = with_layout(rng.standard_normal((300, 301)).astype(np.float32) - 1, layout)
    assert_matches(mf.clip(a, lo, 1, backend=backend), np.clip(a, lo, 1))
    assert_matches(mf.clip(a, -1, 1, backend=backend), np.clip(a, -1, 1))

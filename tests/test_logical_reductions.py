"""any, all and count_nonzero (reduction families logical and count): what the shared
reduction tests (tests/test_reductions.py) do not say about them."""

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import LAYOUTS, MAX_SIDE, SIMULATOR, arrays, assert_matches, with_layout

LOGICAL = ("any", "all")


@pytest.mark.parametrize("name", [*LOGICAL, "count_nonzero"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "int64", "bool"])
def test_nan_is_true_and_signed_zero_false(backend, name, dtype):
    if dtype[0] == "f":
        x = np.array([[np.nan, 0.0], [-0.0, 0.0], [np.inf, -1.0]], dtype)
    else:
        x = np.array([[1, 0], [0, 0], [1, 1]], dtype)
    fn, ref = getattr(mf, name), getattr(np, name)
    for axis in (None, 0, 1, (0, 1)):
        assert_matches(fn(x, axis=axis, backend=backend), ref(x, axis=axis), what=f"{axis}")
        assert_matches(fn(x.T, axis=axis, backend=backend), ref(x.T, axis=axis))


@pytest.mark.parametrize("name", LOGICAL)
def test_empty_reductions_are_numpys_identities(backend, name):
    fn, ref = getattr(mf, name), getattr(np, name)
    for shape, axis in [((0,), None), ((0, 3), 0), ((3, 0), 1), ((3, 0), 0)]:
        x = np.zeros(shape)
        assert_matches(fn(x, axis=axis, backend=backend), ref(x, axis=axis))
    assert_matches(mf.count_nonzero(np.zeros((0, 3)), axis=0, backend=backend),
                   np.count_nonzero(np.zeros((0, 3)), axis=0))


def test_count_nonzero_result_types(backend):
    x = np.array([[1.0, 0.0, np.nan], [0.0, 0.0, 2.0]])
    for axis in (None, 0, 1, (0, 1)):
        for keepdims in (False, True):
            got = mf.count_nonzero(x, axis=axis, keepdims=keepdims, backend=backend)
            assert_matches(got, np.count_nonzero(x, axis=axis, keepdims=keepdims),
                           what=f"axis={axis} keepdims={keepdims}")


def test_count_nonzero_takes_no_out(backend):
    with pytest.raises(TypeError):
        mf.count_nonzero(np.ones(3), out=np.zeros((), np.intp), backend=backend)


@given(data=st.data())
@pytest.mark.parametrize("name", LOGICAL)
def test_where_and_out_as_numpy(backend, name, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=MAX_SIDE))
    x = data.draw(arrays("float64", shape))
    mask = data.draw(hnp.arrays(bool, shape))
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    fn, ref = getattr(mf, name), getattr(np, name)
    assert_matches(fn(x, axis=axis, where=mask, backend=backend), ref(x, axis=axis, where=mask))
    expected = np.asarray(ref(x, axis=axis, keepdims=True))
    for dtype in (bool, np.float64, np.int32):  # any numeric out, cast as NumPy casts
        out = np.zeros(expected.shape, dtype)
        assert fn(x, axis=axis, keepdims=True, out=out, backend=backend) is out
        assert_matches(out, expected.astype(dtype))


@pytest.mark.skipif(SIMULATOR, reason="large arrays: the simulator runs kernels in Python")
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_large_in_every_layout_across_threads(backend, layout, axis):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((700, 600))
    x[rng.random(x.shape) < 0.5] = 0.0
    x[5, 7] = np.nan
    x = with_layout(x, layout)
    for name in ("any", "all", "count_nonzero"):
        fn, ref = getattr(mf, name), getattr(np, name)
        assert_matches(fn(x, axis=axis, backend=backend), ref(x, axis=axis), what=name)
        assert_matches(fn(x != 0, axis=axis, backend=backend), ref(x != 0, axis=axis))


def test_bad_axis_is_numpys_error(backend):
    with pytest.raises(np.exceptions.AxisError):
        mf.any(np.ones((2, 2)), axis=2, backend=backend)
    with pytest.raises(np.exceptions.AxisError):
        mf.count_nonzero(np.ones((2, 2)), axis=-3, backend=backend)
    with pytest.raises(ValueError):
        mf.all(np.ones((2, 2)), axis=(0, 0), backend=backend)
    with pytest.raises(ValueError):  # out of another shape
        mf.all(np.ones((2, 2)), axis=0, out=np.zeros(3, bool), backend=backend)

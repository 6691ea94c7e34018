"""Reductions and dot, on every backend, against NumPy."""

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from mathfront._ops import INTEGER_DTYPES
from numpy.lib.array_utils import normalize_axis_tuple
from support import (
    DTYPES,
    LAYOUTS,
    MAX_SIDE,
    REDUCTIONS,
    SIMULATOR,
    arrays,
    assert_matches,
    numpy_reference,
    reduction_tolerance,
    require,
    simulated_cover,
    supported_dtypes,
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

    if "out" in op.hidden:  # count_nonzero: NumPy's has no out=
        return
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


# Every reduction on every backend, its dtype drawn among the row's (not crossed).
@by_name
@given(data=st.data())
def test_matches_numpy(backend, op, data):
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, op)), label="dtype")
    shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=MAX_SIDE)
    x = data.draw(arrays(dtype, shape, op))
    kw = data.draw(keywords(op))
    if "dtype" in kw:
        require(backend, op, dtype, kw["dtype"])
    check(backend, op, x, data.draw(axis_for(op, x.ndim)), data.draw(st.booleans()), **kw)


@by_name
@pytest.mark.parametrize("shape,axis", [((), None), ((0,), None), ((0,), 0), ((3, 0), 0),
                                        ((3, 0), 1), ((0, 4), None), ((2, 0, 3), (0, 2))], ids=str)
@settings(max_examples=3)  # a few dtypes per case: the cases cross enough
@given(data=st.data())
def test_zero_d_and_empty(backend, op, shape, axis, data):
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, op)), label="dtype")
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
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_integer_overflow_wraps_as_numpy(backend, op, dtype):
    """Sums of narrow integers accumulate in int64 / uint64 (NumPy's), and wrap at
    the dtype= asked for."""
    require(backend, op, dtype)
    info = np.iinfo(dtype)
    x = np.array([info.max, info.max, 3, info.min, info.max, 7, 11], dtype)
    check(backend, op, x)
    check(backend, op, x, dtype=dtype)
    check(backend, op, np.stack([x, x[::-1]]), axis=0)


@pytest.mark.parametrize("op", REDUCTIONS, ids=lambda op: op.name)
def test_bool_and_unsigned_extremes(backend, op):
    """bool reduces as 0 and 1; uint64 past int64's range stays unsigned."""
    for x in (np.array([True, False, True]), np.array([2**64 - 1, 5, 2**63], np.uint64)):
        require(backend, op, x.dtype)
        check(backend, op, x)
        check(backend, op, np.stack([x, x[::-1]]), axis=1)


LARGE_AXES = [None, 0, 1, (0, 1)]


@by_name
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("axis", LARGE_AXES, ids=str)
@settings(max_examples=2)  # a few dtypes per case: the cases cross enough
@given(data=st.data())
def test_large_arrays_in_every_layout(backend, op, layout, axis, data):
    """Sizes past the SIMD width, block sizes and the threading threshold (the dtype
    drawn; the simulator takes ~0.2 s a case, so there each op in each layout and
    along each axis, not the whole cross: simulated_cover)."""
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, op)), label="dtype")
    if op.name in ARG and isinstance(axis, tuple):
        pytest.skip("argmin/argmax take one axis")
    # argmin/argmax take 3 of the axes: the cover is over those (every layout kept).
    simulated_cover(backend, REDUCTIONS.index(op), LAYOUTS.index(layout),
                    LARGE_AXES.index(axis), 3 if op.name in ARG else 4)
    rows, cols = (3, 40) if SIMULATOR else (37, 2_003)
    rng = np.random.default_rng(1)
    values = rng.uniform(-10, 10, (rows, cols)).astype(dtype)
    if np.dtype(dtype).kind in "iub":
        info = np.iinfo(dtype) if dtype != "bool" else None
        low, high = ((0, 2) if info is None
                     else (max(-1000, int(info.min)), min(1000, int(info.max))))
        values = rng.integers(low, high, (rows, cols)).astype(dtype)
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

@given(data=st.data())
def test_dot_matches_numpy(backend, data):
    dtype = data.draw(st.sampled_from(supported_dtypes(backend, "dot")), label="dtype")
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


@pytest.mark.parametrize("op", [o for o in REDUCTIONS if "ddof" in o.extra], ids=lambda o: o.name)
def test_nan_ddof_gives_nan_as_numpy(backend, op):
    require(backend, op, "float64")
    check(backend, op, np.arange(6.0).reshape(2, 3), axis=1, ddof=float("nan"))


@pytest.mark.parametrize("name", ["var", "std", "nanvar"])
@pytest.mark.parametrize("n", [3000, 100_003])
def test_variance_of_a_large_offset_keeps_its_digits(backend, name, n):
    """1e8 + noise: blocks whose means are rounded to doubles lose the digits of
    the between-block term (the cpp kernel was 3e-10 off, cuda's 5.6e-10); NumPy's
    two passes keep them. The exact answer comes from NumPy's float64 two passes on
    the noise alone (var is shift-invariant; 1e8 + u is exact for u on a 2**-26 grid)."""
    require(backend, name, "float64")
    noise = np.random.default_rng(5).integers(0, 2**26, n) / 2.0**26
    x = 1e8 + noise
    assert np.array_equal(x - 1e8, noise)  # the shift is exact: the same data
    exact = getattr(np, name)(noise)
    got = getattr(mf, name)(x, backend=backend)
    assert abs(got - exact) <= 1e-12 * exact


@pytest.mark.parametrize("fused", [False, True], ids=["op", "fused"])
def test_large_offset_digits_survive_nans_and_one_axis(backend, fused):
    """The same data behind a leading NaN (nanvar must not shift by it), reduced over
    one axis of a 2-D array, and as the end of a fused program (its own kernel)."""
    require(backend, "nanvar", "float64")
    noise = np.random.default_rng(6).integers(0, 2**26, (3, 20_001)) / 2.0**26
    x = 1e8 + noise
    if fused:  # (fused programs end in var, not nanvar)
        exact = np.var(noise, axis=1)
        got = mf.fuse(lambda a: mf.var(a * 1.0, axis=1))(x, backend=backend)
    else:
        x[:, :1500] = np.nan  # (more than a first block of the cpp kernel: 1024)
        exact = np.nanvar(noise[:, 1500:], axis=1)
        got = mf.nanvar(x, axis=1, backend=backend)
    assert np.all(np.abs(np.asarray(got) - exact) <= 1e-12 * exact)


def test_non_real_ddof_is_refused(backend):
    require(backend, "var", "float64")
    with pytest.raises(TypeError):
        mf.var(np.ones(3), ddof="1", backend=backend)


# --- prod: zeros, infinities and partial products that overflow (issue 11) --------------
#
# NumPy multiplies in order: a zero it meets after its running product overflowed
# gives inf * 0 = NaN, one it meets before gives 0. mathfront's answer does not
# depend on the order (docs/DECISIONS.md): NaN with a NaN or with both a zero and an
# infinity, else a signed zero with a zero, a signed infinity with an infinity. That
# is NumPy's own answer whenever NumPy meets a zero, infinity or NaN first, which the
# inputs below arrange where the numpy backend is under test too.

PROD = mf.prod.op


def prod_special_first(x, axis=None):
    """NumPy's prod of ``x``, each output multiplying its zeros, infinities and NaN first."""
    x = np.asarray(x)
    axes = reduced_axes(PROD, x.ndim, axis)
    kept = [a for a in range(x.ndim) if a not in axes]
    rows = np.moveaxis(x, axes, range(len(kept), x.ndim))
    rows = rows.reshape([x.shape[a] for a in kept] + [-1])
    ordinary = np.isfinite(rows) & (rows != 0)
    rows = np.take_along_axis(rows, np.argsort(ordinary, axis=-1, kind="stable"), axis=-1)
    return numpy_reference(PROD, rows, axis=-1)


def check_prod(backend, x, axis, expected, only=None):
    """Values as ``check``, and the sign of every zero and infinity too; ``only``:
    which outputs to compare (all by default)."""
    rtol = reduction_tolerance(PROD, x, reduced_axes(PROD, x.ndim, axis), 0,
                               np.asarray(expected).dtype)[1]
    what = f"prod[{backend}](axis={axis}) of {x.shape} {x.dtype} {x.strides}"
    got = mf.prod(x, axis=axis, backend=backend)
    e, g = np.asarray(expected), np.asarray(got)
    if only is None:
        assert_matches(got, expected, rtol=rtol, what=what)
    else:
        e, g = e[only], g[only]
        assert_matches(g, e, rtol=rtol, what=what)
    signed = (e == 0) | np.isinf(e)
    assert np.array_equal(np.signbit(g)[signed], np.signbit(e)[signed]), (
        f"{what}: signs of zeros/infinities {g[signed]}, NumPy gives {e[signed]}")


def set_corners(x, axis, values):
    """x with ``values`` (cycled) at the corners of every output's reduced box: the
    element NumPy multiplies first, whatever its axis order and stride signs."""
    x = x.copy()
    axes = reduced_axes(PROD, x.ndim, axis)
    for i, corner in enumerate(np.ndindex(*(2,) * len(axes))):
        index = [slice(None)] * x.ndim
        for a, end in zip(axes, corner, strict=True):
            index[a] = -end
        x[tuple(index)] = values[i % len(values)]
    return x


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("zero", [0.0, -0.0], ids=str)
def test_prod_issue_example(backend, dtype, seed, zero):
    """A zero NumPy meets first is 0 (here -0.0 or 0.0), however far the other
    partial products overflow: the cpp backend gave NaN (inf * 0)."""
    require(backend, "prod", dtype)
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((4, 31, 36)) * 10).astype(dtype)
    x[0, 0, 0] = zero
    v = x[..., ::2]
    expected = numpy_reference(PROD, v)
    assert expected == 0  # as the issue says NumPy computes
    check_prod(backend, v, None, expected)


PROD_LAYOUTS = ("contiguous", "view", "reversed", "transposed") if SIMULATOR else (*LAYOUTS, "view")
PROD_CORNERS = {
    "zeros": ([0.0, -0.0, -0.0], 1e30),      # partial products overflow, a zero first
    "zeros and inf": ([0.0, np.inf, -0.0], 1e30),  # 0 * inf: NaN in any order
    "infs": ([-np.inf, np.inf], 1e-30),       # partial products underflow, an infinity first
    "nan": ([np.nan, 0.0], 1e30),
}


PROD_AXES = [None, 0, 1, 2, (0, 2), (1, 2)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("layout", PROD_LAYOUTS)
@pytest.mark.parametrize("axis", PROD_AXES, ids=str)
@pytest.mark.parametrize("corners", PROD_CORNERS, ids=str)
def test_prod_special_values_meet_overflowed_partials(backend, dtype, layout, axis, corners):
    """Zeros, infinities and NaN against partial products that over- or underflow,
    in every layout; where NumPy meets them first its answer does not depend on order.
    (The simulator: each corner along each axis and in each layout, not the cross.)"""
    require(backend, "prod", dtype)
    simulated_cover(backend, list(PROD_CORNERS).index(corners), PROD_AXES.index(axis),
                    PROD_LAYOUTS.index(layout), len(PROD_LAYOUTS))
    values, scale = PROD_CORNERS[corners]
    shape = (2, 3, 20) if SIMULATOR else (6, 40, 300)  # rows of blocks, tiles, lanes
    rng = np.random.default_rng(11)
    x = set_corners(rng.standard_normal(shape) * scale, axis, values).astype(dtype)
    if layout == "view":  # the issue's: every other element of a wider array
        wide = np.zeros((*shape[:-1], 2 * shape[-1]), dtype)
        wide[..., ::2] = x
        x = wide[..., ::2]
    else:
        x = with_layout(x, layout)
    expected = numpy_reference(PROD, x, axis=axis)
    assert_matches(expected, prod_special_first(x, axis), rtol=1e-3, what="NumPy's order")
    check_prod(backend, x, axis, expected)


def test_prod_does_not_depend_on_threads(backend):
    """Above the threading threshold, with zeros and infinities in some outputs."""
    require(backend, "prod", "float64")
    shape = (4, 300) if SIMULATOR else (64, 40_000)
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape) * 10
    x[:, 0] = [(-0.0, 0.0, np.inf, np.nan)[i % 4] if i % 3 else 1.0 for i in range(shape[0])]
    saved = mf.get_num_threads()
    try:
        for axis in (None, 0, 1):
            expected = numpy_reference(PROD, x, axis=axis)
            results = []
            for n in (1, 2):
                mf.set_num_threads(n)
                results.append(np.asarray(mf.prod(x, axis=axis, backend=backend)))
                check_prod(backend, x, axis, expected)
            assert results[0].tobytes() == results[1].tobytes(), f"axis={axis}"
    finally:
        mf.set_num_threads(saved)


# Where NumPy's answer depends on its order, NumPy itself is no oracle: the compiled
# backends give NumPy's answer for the order that meets the special values first.

def compiled_only(backend):
    if backend == "numpy":
        pytest.skip("NumPy's own answer depends on its order here (docs/DECISIONS.md)")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("values", [
    [1e30] * 300 + [-0.0],  # a zero after the running product overflowed: NumPy gives NaN
    [-1e30] * 149 + [0.0] + [1e30] * 150,
    [1e-30] * 300 + [-np.inf],  # an infinity after it underflowed: NumPy gives NaN
    [1e30] * 100 + [0.0] + [1e-30] * 200 + [np.inf],  # 0 * inf is NaN in any order
], ids=["zero-after-overflow", "negative", "inf-after-underflow", "zero-and-inf"])
def test_prod_special_values_whatever_the_order(backend, dtype, values):
    compiled_only(backend)
    require(backend, "prod", dtype)
    x = np.array(values, dtype)
    for v, axis in ((x, None), (x[::-1], None), (np.stack([x, x[::-1]]), 1)):
        check_prod(backend, v, axis, prod_special_first(v, axis))


def prod_elements(dtype, huge):
    """Magnitudes >= 1 (partial products only overflow) or <= 1 (only underflow),
    and zeros, infinities and NaN."""
    width = np.dtype(dtype).itemsize * 8

    def floats(lo, hi):  # bounds the dtype holds
        return st.floats(*(float(np.dtype(dtype).type(b)) for b in (lo, hi)), width=width)

    top = 1e300 if width == 64 else 1e38
    if huge:
        magnitude = st.one_of(floats(1, 2), floats(1e10, top))
    else:
        magnitude = st.one_of(floats(0.5, 1), floats(1 / top, 1e-10))
    finite = st.one_of(magnitude, magnitude.map(lambda v: -v))
    return st.one_of(finite, finite, finite, st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan]))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@given(data=st.data())
def test_prod_special_values_against_numpy(backend, dtype, data):
    """Outputs holding a zero, an infinity or a NaN, anywhere: NumPy's answer with
    those first (without, NumPy's answer and ours may differ by where it overflows)."""
    compiled_only(backend)
    require(backend, "prod", dtype)
    shape = data.draw(st.one_of(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1,
                                                 max_side=MAX_SIDE),
                                st.integers(1, 20 * MAX_SIDE).map(lambda n: (n,))))
    x = data.draw(hnp.arrays(np.dtype(dtype), shape,
                             elements=prod_elements(dtype, data.draw(st.booleans()))))
    x = with_layout(x, data.draw(st.sampled_from(LAYOUTS)))
    axis = data.draw(axis_for(PROD, x.ndim))
    special = ~(np.isfinite(x) & (x != 0))
    only = np.any(special, axis=reduced_axes(PROD, x.ndim, axis))
    if only.any():
        check_prod(backend, x, axis, prod_special_first(x, axis), only=only)

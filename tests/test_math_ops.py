"""Issue 13's math ops (tan ... cbrt, arctan2 ... fmin, square ... rint) past the shared tests.

test_elementwise.py runs every row over every dtype, layout and out= against
NumPy; this file adds what is special about these ops, each against NumPy:
their values at the edges of their domains and past them (NaN), poles,
overflow thresholds, signed zeros, integer inputs, a sweep over each domain,
NumPy's warnings there (CPU backends), and the CUDA device functions compiled
by Numba for the CPU (the simulator runs them as Python, with NumPy's scalar
typing; compiled Numba types them otherwise, as the GPU does).
"""

from __future__ import annotations

import warnings

import mathfront as mf
import numpy as np
import pytest
from mathfront._ops import BY_NAME, EXACT_ANY_ZERO
from support import SIMULATOR, assert_matches, elementwise_tolerance, numpy_reference, require

BINARY = ("arctan2", "hypot", "copysign", "logaddexp", "logaddexp2", "fmax", "fmin")
UNARY = ("tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh",
         "arctanh", "expm1", "log1p", "log2", "log10", "exp2", "cbrt",
         "square", "positive", "sign", "floor", "ceil", "trunc", "rint")
FLOATS = ("float32", "float64")
INTS = ("int32", "int64")

#: Values every op sees; float32 rounds the large ones to inf.
COMMON = (np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, 1e-30,
          -1e-30, 1e-7, -1e-7, 1e30, -1e30, 100.0, -100.0, 1000.0, -1000.0, 1e300, -1e300)
#: Subnormal in float64 (zero in float32), subnormal in float32 (normal in float64).
SUBNORMAL = (1e-310, -1e-310, 1e-40, -1e-40)
#: Each op's poles, domain edges and overflow thresholds (float32's and float64's).
EDGES = {
    "tan": (np.pi / 2, -np.pi / 2, np.pi, 1e22, 1.5707963, 1e10),
    "tanh": (19.0, 20.0, 400.0, -400.0),
    "sinh": (88.7, 89.4, 89.5, 90.0, 709.7, 710.4, 710.5, 711.0, -710.5, -89.5),
    "cosh": (88.7, 89.4, 89.5, 90.0, 709.7, 710.4, 710.5, 711.0, -710.5, -89.5),
    "arcsin": (1.0000001, -1.0000001, 0.9999999, -0.9999999, 1 + 1e-15, 1 - 1e-16),
    "arccos": (1.0000001, -1.0000001, 0.9999999, -0.9999999, 1 + 1e-15, 1 - 1e-16),
    "arctan": (1e16, -1e16, 1e-300),
    "arcsinh": (1e16, -1e200, 1e-300),
    "arccosh": (1.0000001, 0.9999999, 1 + 1e-15, 1 - 1e-16, 1e200),
    "arctanh": (0.9999999, -0.9999999, 1.0000001, 1 - 1e-16, -1 + 1e-16),
    "expm1": (88.72, 88.73, 709.78, 709.79, -745.0, -1e-300, 40.0, -40.0),
    "log1p": (-0.9999999, -1.0000001, -1 + 1e-15, 1e-300, -1e-300, 1e200),
    "log2": (1e-300, 1024.0, 2.0 ** -126, 2.0 ** -1022, 0.9999999),
    "log10": (1e-300, 1e10, 1e-10, 1e22, 0.9999999),
    "exp2": (127.99, 128.0, 1023.99, 1024.0, -126.0, -1000.0, -1022.0, -1100.0, 0.5),
    "cbrt": (27.0, -27.0, 8.0, -0.001, 1e-300, 1.7e308, -1.7e308),
    "square": (1e154, 1e155, 1.8e19, 1.9e19, -1e-200, 1e-160),
}
#: Halves and the edges of float32's and float64's integers (2^23, 2^52, 2^53).
ROUNDING = (1.5, -1.5, 2.5, -2.5, 0.49999997, -0.49999997, -0.4, 0.7, -0.7, 8388607.5,
            8388608.5, 4503599627370495.5, 4503599627370496.0, 9007199254740993.0, -1e-310)
for _name in ("positive", "sign", "floor", "ceil", "trunc", "rint"):
    EDGES[_name] = ROUNDING
#: NumPy's own float32 exp2 flushes 2**-149.5 to 0 (by 1e-45, an ulp there)
#: and raises nothing, where libm raises underflow: the bound allows the
#: value, and the warnings' comparison leaves these out.
SUBNORMAL_RESULTS = {"exp2": (-149.0, -149.5, -150.0, -1074.0, -1075.0)}


def values(name, dtype):
    with np.errstate(all="ignore"):
        return np.array(COMMON + SUBNORMAL + EDGES[name] + SUBNORMAL_RESULTS.get(name, ()),
                        dtype)


def integers(dtype):
    info = np.iinfo(dtype)
    return np.array([info.min, info.min + 1, -1000, -2, -1, 0, 1, 2, 3, 27, 1000, 1024,
                     info.max - 1, info.max], dtype)


def assert_same(got, expected, op, what):
    """Within the row's tolerance, with NumPy's NaN and the sign of its zeros."""
    atol, rtol = elementwise_tolerance(op, np.asarray(expected).dtype)
    assert_matches(got, expected, atol=atol, rtol=rtol, what=what)
    if op.tolerance == EXACT_ANY_ZERO:
        return  # fmax(-0, +0): NumPy's zero depends on its loop
    zeros = (np.asarray(expected) == 0) & (np.asarray(got) == 0)
    assert np.array_equal(np.signbit(np.asarray(got)[zeros]),
                          np.signbit(np.asarray(expected)[zeros])), f"{what}: sign of zero"


def check(backend, name, *x):
    op = BY_NAME[name]
    expected = numpy_reference(op, *x)
    fn = getattr(mf, name)
    with np.errstate(all="ignore"):
        assert_same(fn(*x, backend=backend), expected, op, f"{name}[{backend}]")
        out = np.full_like(expected, 7)
        assert fn(*x, out=out, backend=backend) is out
    assert_same(out, np.asarray(expected), op, f"{name}[{backend}] out=")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", UNARY)
def test_edges_of_the_domain_as_numpy(backend, name, dtype):
    require(backend, name, dtype)
    x = values(name, dtype)
    check(backend, name, x)
    check(backend, name, x[::-1])  # each value at another position (SIMD lanes, tails)
    for v in x[:: 3 if SIMULATOR else 1]:  # 0-d: NumPy's scalar
        check(backend, name, np.dtype(dtype).type(v))


#: Where cpp's SIMD versions hand over to libm or switch formula (vmath.hpp's
#: fast ranges and branch points), each with its neighbours, and the multiples of
#: pi/2 where tan is 1/z or z of a tiny reduced argument.
def _around(*points):
    out = []
    for p in points:
        for v in (p, -p):
            out += [v, np.nextafter(v, np.inf), np.nextafter(v, -np.inf)]
    return tuple(out)


SWITCHES = _around(708.0, 1021.0, 87.0, 125.0, 20.0, 10.0, 0.5, 0.975, 0.66, 2.414213562373095,
                   0.41421357, 2.0 ** -54, 2.0 ** -25, 2.2250738585072014e-308,
                   1.1754944e-38, 1e8, 8192.0) + tuple(
    k * np.pi / 2 for k in (1, 2, 3, 4, 7, 100, 1001, 10**6))
FAST_RANGE_OPS = ("tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan", "expm1", "log1p",
                  "log2", "log10", "exp2", "cbrt")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", FAST_RANGE_OPS)
def test_fast_range_switches_as_numpy(backend, name, dtype):
    """Each switch point in a block of ordinary values (one slow lane sends the
    block through the per-element path) and in a block of its own."""
    require(backend, name, dtype)
    with np.errstate(all="ignore"):
        points = np.array(SWITCHES, dtype)
        ordinary = _sweep(name, dtype, 600, np.random.default_rng(5))
    mixed = ordinary.copy()
    mixed[::7][: points.size] = points[: mixed[::7].size]
    check(backend, name, mixed)
    check(backend, name, np.repeat(points, 3))


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", UNARY)
def test_integers_as_numpy(backend, name, dtype):
    require(backend, name, dtype)
    check(backend, name, integers(dtype))


#: Pairs of these, each with each: signs, zeros, infinities, NaN, overflow of
#: x1 - x2 (logaddexp), of hypot's square, and underflowing quotients (arctan2).
PAIR_VALUES = (np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.0, -0.6931471805599453,
               1e308, -1e308, 3e38, -3e38, 1e-30, 800.0, -800.0, 5.0, 1e-310)


def pairs(dtype):
    with np.errstate(all="ignore"):
        grid = np.array([(a, b) for a in PAIR_VALUES for b in PAIR_VALUES], dtype)
    return np.ascontiguousarray(grid[:, 0]), np.ascontiguousarray(grid[:, 1])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", BINARY)
def test_binary_edges_as_numpy(backend, name, dtype):
    require(backend, name, dtype)
    x, y = pairs(dtype)
    check(backend, name, x, y)
    check(backend, name, x[0], y)  # a NumPy scalar with an array
    check(backend, name, x, float(y[-1]))  # a weak Python float


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", BINARY)
def test_binary_integers_as_numpy(backend, name, dtype):
    require(backend, name, dtype)
    v = integers(dtype)
    x, y = np.repeat(v, v.size), np.tile(v, v.size)  # x - y wraps in integers: not here
    check(backend, name, x, y)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", BINARY)
def test_binary_sweep_as_numpy(backend, name, dtype):
    require(backend, name, dtype)
    rng = np.random.default_rng(17)
    n = 400 if SIMULATOR else 20_000
    x, y = (_sweep("arctan", dtype, n, rng) for _ in range(2))  # near 0 and by magnitude
    check(backend, name, x, y)
    check(backend, name, x, x[::-1] + rng.uniform(-1, 1, n).astype(dtype))  # cancellation


def _sweep(name, dtype, n, rng):
    """Random values over the op's domain: half uniform near 0, half by
    magnitude from the smallest normal to a quarter of the largest float."""
    info = np.finfo(dtype)
    tiny, big = float(info.tiny), float(info.max) / 4

    def magnitudes(lo, hi, count, signed=True):
        m = np.exp(rng.uniform(np.log(lo), np.log(hi), count))
        return m * rng.choice([-1.0, 1.0], count) if signed else m

    h = n // 2
    overflow = 710.0 if dtype == "float64" else 89.0
    low_exp2 = -1074 if dtype == "float64" else -149
    uniform, rest = {
        "tan": ((-10, 10), magnitudes(tiny, big, n - h)),
        "tanh": ((-20, 20), magnitudes(tiny, big, n - h)),
        "sinh": ((-overflow, overflow), magnitudes(tiny, big, n - h)),
        "cosh": ((-overflow, overflow), magnitudes(tiny, big, n - h)),
        "arcsin": ((-1, 1), magnitudes(tiny, 1, n - h)),
        "arccos": ((-1, 1), magnitudes(tiny, 1, n - h)),
        "arctanh": ((-1, 1), magnitudes(tiny, 1, n - h)),
        "arccosh": ((1, 10), 1 + magnitudes(tiny, big, n - h, signed=False)),
        "expm1": ((-50, overflow), magnitudes(tiny, 1, n - h)),
        "log1p": ((-1, 10), np.concatenate([-1 + magnitudes(1e-7, 1, h // 2, signed=False),
                                            magnitudes(tiny, big, n - h - h // 2)])),
        "log2": ((0, 10), magnitudes(tiny, big, n - h, signed=False)),
        "log10": ((0, 10), magnitudes(tiny, big, n - h, signed=False)),
        "exp2": ((low_exp2, 1024), magnitudes(tiny, 1, n - h)),
    }.get(name, ((-10, 10), magnitudes(tiny, big, n - h)))  # arctan, arcsinh, cbrt
    with np.errstate(all="ignore"):
        return np.concatenate([rng.uniform(*uniform, h), rest]).astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", UNARY)
def test_sweep_over_the_domain_as_numpy(backend, name, dtype):
    require(backend, name, dtype)
    x = _sweep(name, dtype, 400 if SIMULATOR else 20_000, np.random.default_rng(13))
    check(backend, name, x)


# --- warnings (CPU backends: the GPU raises no flags) -------------------------------------

def messages(call, **errstate):
    with warnings.catch_warnings(record=True) as caught, np.errstate(**errstate):
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if w.category is RuntimeWarning]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", UNARY)
def test_warnings_as_numpy(backend, name, dtype):
    """Each value alone (37 of it: the loops' body and tail): NumPy's warnings,
    word for word. Underflow is compared except where a result is subnormal:
    libm raises it there as C99 asks, NumPy's AVX-512 loops do not (docs/design.md)."""
    if backend == "cuda":
        pytest.skip("the GPU raises no floating-point flags (docs/design.md)")
    fn = getattr(mf, name)
    with np.errstate(all="ignore"):
        ordinary = np.array(COMMON + EDGES[name], dtype)
        tiny = np.array(SUBNORMAL + SUBNORMAL_RESULTS.get(name, ()), dtype)
    for group, under in ((ordinary, {}), (tiny, {"under": "ignore"})):
        for v in group:
            x = np.full(37, v, dtype)
            want = messages(lambda: getattr(np, name)(x), all="warn", **under)  # noqa: B023
            got = messages(lambda: fn(x, backend=backend), all="warn", **under)  # noqa: B023
            assert got == want, f"{name}({v!r}) as {dtype}"
            if want:
                with np.errstate(all="raise", **under), \
                        pytest.raises(FloatingPointError, match=f"^{want[0]}$"):
                    fn(x, backend=backend)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", BINARY)
def test_binary_warnings_as_numpy(backend, name, dtype):
    if backend == "cuda":
        pytest.skip("the GPU raises no floating-point flags (docs/design.md)")
    fn = getattr(mf, name)
    x, y = pairs(dtype)
    for a, b in zip(x, y, strict=True):
        xs, ys = np.full(37, a, dtype), np.full(37, b, dtype)
        want = messages(lambda: getattr(np, name)(xs, ys), all="warn")  # noqa: B023
        got = messages(lambda: fn(xs, ys, backend=backend), all="warn")  # noqa: B023
        assert got == want, f"{name}({a!r}, {b!r}) as {dtype}"


# --- the CUDA device functions, compiled by Numba for the CPU ---------------------------

@pytest.mark.parametrize("name", UNARY + BINARY)
def test_device_functions_compiled_by_numba(name):
    """Compiled Numba types as the GPU does (float32 stays float32, int32 + a
    literal is int64), unlike the simulator: each device function, njit-ed,
    against NumPy on every dtype."""
    numba = pytest.importorskip("numba")
    from mathfront.cuda_numba import elementwise

    def compiled(fn):  # a loop over the operands, as the engine's kernels
        device = numba.njit(fn)

        @numba.njit
        def loop(x, out):
            for i in range(x.size):
                out[i] = device(x[i])

        @numba.njit
        def loop2(x, y, out):
            for i in range(x.size):
                out[i] = device(x[i], y[i])

        return loop2 if op.arity == 2 else loop

    op = BY_NAME[name]
    fn, int_fn = elementwise.DEVICE[name]  # the engine's choice for integer operands
    for_floats, for_ints = compiled(fn), compiled(int_fn or fn)
    rng = np.random.default_rng(7)
    for dtype in (*FLOATS, *INTS):
        if op.arity == 2:
            if dtype in FLOATS:
                x, y = pairs(dtype)
                x = np.concatenate([x, _sweep("arctan", dtype, 2000, rng)])
                y = np.concatenate([y, _sweep("arctan", dtype, 2000, rng)])
            else:
                v = integers(dtype)
                x, y = np.repeat(v, v.size), np.tile(v, v.size)
            operands = (x, y)
        elif dtype in FLOATS:
            operands = (np.concatenate([values(name, dtype), _sweep(name, dtype, 2000, rng)]),)
        else:
            operands = (integers(dtype),)
        expected = numpy_reference(op, *operands)
        out = np.empty_like(expected)
        with np.errstate(all="ignore"):
            (for_floats if dtype in FLOATS else for_ints)(*operands, out)
        assert_same(out, expected, op, f"njit _{name} {dtype}")


def test_auto_sends_ops_with_scalar_cpu_kernels_to_numpy():
    """cpp computes these with libm one element at a time (no SIMD yet): auto prefers
    NumPy's SIMD loops for large calls, and cpp's C entry, whose per-call cost is
    lower, for small ones (_auto.SMALL_CALL elements at most); an explicit cpp still
    runs them at any size."""
    from mathfront import _registry
    from mathfront._auto import SMALL_CALL
    from mathfront._ops import OPS

    if "cpp" not in {s.name for s in mf.backends() if s.available}:
        pytest.skip("no cpp backend here")
    large = np.linspace(0.1, 0.9, SMALL_CALL + 1)
    small = large[:SMALL_CALL]
    for op in OPS:
        if op.kind == "composite" and not _registry.get("cpp").dtypes(op):
            continue  # its parts are not all rows
        # float64, or an integer type for the ops without floats (bitwise_and...)
        dtype = "float64" if "float64" in op.dtypes else op.dtypes[-1]
        for x, size in ((large, "large"), (small, "small")):
            args = [x.astype(dtype)] * op.arity
            chosen = mf.explain(getattr(mf, op.name), *args)
            numpy_wins = op.slow_on_cpu([np.dtype(dtype)]) and (
                size == "large" or not op.elementwise)
            assert chosen.backend == ("numpy" if numpy_wins else "cpp"), (op.name, size, chosen)
            if op.slow_on_cpu([np.dtype(dtype)]) and op.elementwise:  # both give NumPy's
                fn = getattr(mf, op.name)
                with np.errstate(all="ignore"):
                    np.testing.assert_allclose(fn(*args), op.reference(*args), rtol=1e-14)
    # power is slower on cpp for float64 only: integers stay on cpp at any size.
    assert mf.power.op.scalar_cpu_dtypes == ("float64",)
    ints = np.arange(SMALL_CALL + 1) % 5
    assert mf.explain(mf.power, ints, ints).backend == "cpp"
    assert mf.explain(mf.power, large, large).backend == "numpy"
    np.testing.assert_array_equal(mf.power(ints, ints), np.power(ints, ints))
    # A keyword the C entry does not take sends a small call to NumPy too.
    assert mf.explain(mf.tan, small, where=small > 0.5).backend == "numpy"
    x = large
    assert mf.explain(mf.tan, x, backend="cpp").backend == "cpp"
    np.testing.assert_allclose(mf.tan(x, backend="cpp"), np.tan(x), rtol=1e-15)

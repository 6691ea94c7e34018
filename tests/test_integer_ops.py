"""Hand-picked edge cases of issue 13's integer-division, bitwise, shift,
reciprocal, nextafter and conj ops, on every backend, against NumPy: values,
dtypes, signed zeros and (on the CPU backends) NumPy's RuntimeWarnings.

The shared tests (test_elementwise.py) take these ops from the table; here are
the cases random inputs rarely reach: division by zero, INT_MIN // -1, shifts
past the width, 1 / 0 in integers, nextafter at the edges of the range.

The CUDA simulator runs device functions on NumPy scalars, while the GPU runs
them compiled by Numba, whose integer typing differs (int8 + int8 is int64,
uint64 with a literal is float64): the last test compiles each device
function with ``numba.njit`` on the CPU and checks it against NumPy too.
"""

from __future__ import annotations

import itertools
import warnings

import mathfront as mf
import numpy as np
import pytest
from mathfront._ops import BY_NAME
from support import require

SIGNED = ("int8", "int16", "int32", "int64")
UNSIGNED = ("uint8", "uint16", "uint32", "uint64")
INTS = (*SIGNED, *UNSIGNED)
FLOATS = ("float32", "float64")
#: Long enough for the compiled engines' vector loops and their tails.
N = 1003


def _run(call):
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if w.category is RuntimeWarning]


def check(backend, name, *values, dtype, **kwargs):
    """mf.<name> on arrays of ``values`` (cycled to N elements) against NumPy: dtype,
    values bit for bit (NaN meets NaN, -0 only -0) and, off the GPU, the warnings."""
    op = BY_NAME[name]
    require(backend, op, dtype)
    args = [np.resize(np.array(v, dtype=dtype), N) for v in values]
    got, got_warnings = _run(lambda: getattr(mf, name)(*args, backend=backend, **kwargs))
    want, want_warnings = _run(lambda: op.reference(*args, **kwargs))
    assert type(got) is type(want) and got.dtype == want.dtype, (name, dtype)
    if want.dtype.kind == "f":
        same = (got == want) & (np.signbit(got) == np.signbit(want))
        same |= np.isnan(got) & np.isnan(want)
    else:
        same = got == want
    bad = np.flatnonzero(~same)[:5]
    assert not bad.size, [(tuple(a[i] for a in args), got[i], want[i]) for i in bad]
    if backend != "cuda":  # the GPU has no floating-point flags (docs/design.md)
        assert got_warnings == want_warnings, (name, dtype)
    return want_warnings


def _in_range(values, dtype):
    info = np.iinfo(dtype)
    return [v for v in values if info.min <= v <= info.max]


# --- integer division -----------------------------------------------------------------

@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", ["floor_divide", "remainder", "mod"])
def test_integer_division_by_zero_gives_zero_and_numpys_warning(backend, name, dtype):
    a = _in_range([5, -5, 0, 7, -128, 127], dtype)
    warned = check(backend, name, a, [0] * len(a), dtype=dtype)
    assert warned == [f"divide by zero encountered in {BY_NAME[name].reference.__name__}"]


@pytest.mark.parametrize("dtype", SIGNED)
def test_int_min_floor_divide_minus_one_is_int_min_with_an_overflow_warning(backend, dtype):
    low = int(np.iinfo(dtype).min)
    warned = check(backend, "floor_divide", [low, low, 7, low + 1], [-1, 1, -1, -1], dtype=dtype)
    assert warned == ["overflow encountered in floor_divide"]
    # remainder: 0, silently
    assert check(backend, "remainder", [low, low, 7], [-1, 1, -1], dtype=dtype) == []


@pytest.mark.parametrize("dtype", SIGNED)
@pytest.mark.parametrize("name", ["floor_divide", "remainder", "mod"])
def test_signs_of_negative_integer_operands(backend, name, dtype):
    a = [-7, 7, -7, 7, -6, 6, 0, -1, 1]
    b = [2, -2, -2, 2, 3, -3, -5, 5, -5]
    assert check(backend, name, a, b, dtype=dtype) == []


@pytest.mark.parametrize("dtype", UNSIGNED)
@pytest.mark.parametrize("name", ["floor_divide", "remainder"])
def test_unsigned_division_of_the_largest_values(backend, name, dtype):
    top = int(np.iinfo(dtype).max)
    check(backend, name, [top, top, top - 1, 1, 0], [1, top, 2, top, 3], dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["floor_divide", "remainder"])
def test_float_floor_division_signs_zeros_nan_and_inf(backend, name, dtype):
    inf, nan = np.inf, np.nan
    a = [-0.0, 0.0, -7.5, 7.5, -7.5, 1.0, -1.0, 1.0, -1.0, inf, nan, 2.0, 0.0, -3.0, 1e30, 0.5]
    b = [1.0, -1.0, 2.0, -2.0, -2.0, inf, inf, -inf, -inf, 2.0, 2.0, nan, 3.0, 3.0, 1e-30, 0.1]
    check(backend, name, a, b, dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["floor_divide", "remainder"])
def test_float_division_by_zero(backend, name, dtype):
    check(backend, name, [1.0, -1.0, 0.0, np.nan, np.inf], [0.0, -0.0, 0.0, 0.0, -0.0],
          dtype=dtype)


# --- bitwise ops and shifts -----------------------------------------------------------

@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
def test_bitwise_ops_of_bool_stay_bool(backend, name):
    check(backend, name, [True, True, False, False], [True, False, True, False], dtype="bool")


def test_invert_of_bool_is_logical_not(backend):
    check(backend, "invert", [True, False], dtype="bool")


@pytest.mark.parametrize("dtype", INTS)
def test_invert_and_bitwise_ops_wrap_as_numpy(backend, dtype):
    info = np.iinfo(dtype)
    a = _in_range([0, 1, -1, int(info.max), int(info.min), 0x55, -0x56], dtype)
    check(backend, "invert", a, dtype=dtype)
    b = list(reversed(a))
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        check(backend, name, a, b, dtype=dtype)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", ["left_shift", "right_shift"])
def test_shifts_past_the_width_and_by_negative_counts(backend, name, dtype):
    info = np.iinfo(dtype)
    width = info.bits
    values = _in_range([1, -1, 5, -5, int(info.max), int(info.min), 0x40], dtype)
    counts = _in_range([0, 1, width - 1, width, width + 1, 63, 64, 65, 100, -1, -2, -width,
                        -64], dtype)
    a, b = zip(*itertools.product(values, counts), strict=True)
    assert check(backend, name, list(a), list(b), dtype=dtype) == []


# --- reciprocal -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", INTS)
def test_integer_reciprocal_truncates_and_one_over_zero_is_numpys(backend, dtype):
    info = np.iinfo(dtype)
    check(backend, "reciprocal", _in_range([1, -1, 2, -2, 3, int(info.max), int(info.min)],
                                           dtype), dtype=dtype)
    # 1 / 0: x86's conversion of inf (INT_MIN for 32 and 64 bits, else 0), with
    # NumPy's divide-by-zero and invalid warnings
    warned = check(backend, "reciprocal", [0, 1, 0], dtype=dtype)
    assert warned == ["divide by zero encountered in reciprocal",
                      "invalid value encountered in reciprocal"]


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_reciprocal(backend, dtype):
    tiny = float(np.finfo(dtype).smallest_subnormal)
    check(backend, "reciprocal", [0.0, -0.0, np.inf, -np.inf, np.nan, 3.0, -0.5, tiny, 1e-40],
          dtype=dtype)


# --- nextafter ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_nextafter_at_zeros_infinities_nan_and_denormals(backend, dtype):
    info = np.finfo(dtype)
    tiny, sub, top = float(info.tiny), float(info.smallest_subnormal), float(info.max)
    inf, nan = np.inf, np.nan
    x = [0.0, 0.0, -0.0, -0.0, 0.0, -0.0, sub, -sub, sub, tiny, -tiny, top, -top, inf, -inf,
         inf, nan, 1.0, 1.0, 1.0, -1.0, 2.0, 0.5, 1e-310, tiny * 2]
    y = [1.0, -1.0, 1.0, -1.0, -0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, inf, -inf, 0.0, 0.0, inf,
         1.0, nan, 2.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    check(backend, "nextafter", x, y, dtype=dtype)


# --- round ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_round_half_to_even_with_nan_inf_and_signed_zeros(backend, dtype):
    check(backend, "round", [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -0.0, 0.0, 0.49999997, -0.4,
                             np.nan, np.inf, -np.inf, 4503599627370497.0, 1e30, 8388609.0],
          dtype=dtype)


@pytest.mark.parametrize("dtype", INTS)
def test_round_keeps_integers_and_their_dtype(backend, dtype):
    info = np.iinfo(dtype)
    check(backend, "round", _in_range([0, 1, -1, 15, -25, int(info.max), int(info.min)], dtype),
          dtype=dtype)


FLOAT_VALUES = [0.125, 2.675, -0.125, 1234.5678, 15.0, 25.0, -35.0, 0.5, np.nan, np.inf, -0.0,
                1e30, -1e-30, 123456789.0]


@pytest.mark.parametrize("decimals", [1, 2, 3, -1, -2, 10, 400, -400])
@pytest.mark.parametrize("dtype", (*FLOATS, "int8", "uint8", "int32", "int64"))
def test_round_decimals_as_numpys_formula(backend, dtype, decimals):
    if np.dtype(dtype).kind == "f":
        values = FLOAT_VALUES
    else:
        values = _in_range([15, 25, -35, 127, -128, 1234, 0, 5, 255, -5, 2**40 + 5], dtype)
    check(backend, "round", values, dtype=dtype, decimals=decimals)


def test_round_into_out_and_its_errors(backend):
    require(backend, BY_NAME["round"], "float64")
    x = np.array([0.125, 2.5, -1.5, 1234.5678])
    for decimals in (0, 2, -2):
        out, expected = np.empty(4, np.float32), np.empty(4, np.float32)
        assert mf.round(x, decimals, out, backend=backend) is out
        np.round(x, decimals, expected)
        np.testing.assert_array_equal(out, expected)
    ints, into = np.array([15, -25, 7]), np.zeros(3)  # integers into a float out: a copy
    assert mf.round(ints, out=into, backend=backend) is into
    np.testing.assert_array_equal(into, np.round(ints, out=np.zeros(3)))
    for bad in (np.empty(3), np.empty(5)):  # NumPy checks the size only
        with pytest.raises(ValueError, match="invalid output shape"):
            np.round(x, 1, bad)
        with pytest.raises(ValueError, match="invalid output shape"):
            mf.round(x, 1, bad, backend=backend)
    for call in (np.round, lambda *a: mf.round(*a, backend=backend)):
        with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
            call(x, 1.5)


def test_round_of_python_scalars_gives_numpys_scalars(backend):
    require(backend, BY_NAME["round"], "float64")
    for value, decimals in ((2.5, 0), (2.675, 2), (1234.5, -2), (15, -1), (7, 0)):
        got, want = mf.round(value, decimals, backend=backend), np.round(value, decimals)
        assert type(got) is type(want) and got == want, (value, decimals)


# --- conj and mod -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", (*INTS, *FLOATS))
def test_conj_of_a_real_array_is_a_new_copy(backend, dtype):
    require(backend, BY_NAME["conj"], dtype)
    x = np.arange(7).astype(dtype)
    got = mf.conj(x, backend=backend)
    assert got is not x and not np.shares_memory(got, x)  # np.conjugate's is new too
    check(backend, "conj", [0, 1, 2, 3], dtype=dtype)


def test_mod_is_remainder_and_warns_in_its_name(backend):
    require(backend, BY_NAME["mod"], "int64")
    a, b = np.array([7, -7, 5]), np.array([-2, 2, 0])
    got, warned = _run(lambda: mf.mod(a, b, backend=backend))
    np.testing.assert_array_equal(got, np.remainder(a, b))
    if backend != "cuda":
        assert warned == ["divide by zero encountered in remainder"]


# --- the device functions under Numba's compiled typing ---------------------------------

def _grid(dtype: str) -> np.ndarray:
    if dtype == "bool":
        return np.array([True, False])
    dt = np.dtype(dtype)
    if dt.kind == "f":
        info = np.finfo(dt)
        return np.array([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 7.0, 1e30, -1e30, np.inf,
                         -np.inf, np.nan, float(info.smallest_subnormal), float(info.tiny),
                         float(info.max), -float(info.max), 0.1], dt)
    info = np.iinfo(dt)
    return np.array(_in_range([0, 1, -1, 2, -2, 3, -7, 7, 8, 63, 64, 65, 100, int(info.min),
                               int(info.max), int(info.min) + 1, int(info.max) - 1], dtype), dt)


def _store(value, dtype: np.dtype):
    """What a kernel's store of ``value`` into an array of ``dtype`` keeps: the low
    bits of an integer (compiled code computes small integers in int64)."""
    if dtype.kind in "iu" and not isinstance(value, (bool, np.bool_)):
        bits = dtype.itemsize * 8
        return np.array(int(value) % (1 << bits), f"u{dtype.itemsize}").view(dtype)
    return np.array(value).astype(dtype)


INTOPS = ["floor_divide", "remainder", "mod", "bitwise_and", "bitwise_or", "bitwise_xor",
          "invert", "left_shift", "right_shift", "reciprocal", "nextafter", "conj", "round"]


@pytest.mark.parametrize("name", INTOPS)
def test_device_functions_compiled_by_numba_match_numpy(name):
    numba = pytest.importorskip("numba")
    pytest.importorskip("numba.cuda")
    from mathfront.cuda_numba.elementwise import DEVICE

    op = BY_NAME[name]
    fn, int_fn = DEVICE[name]
    # every NumPy dtype of the op, not only those compiled now (the device functions
    # are written for all of them)
    for dtype in {"floor_divide": (*INTS, *FLOATS), "remainder": (*INTS, *FLOATS),
                  "mod": (*INTS, *FLOATS), "reciprocal": (*INTS, *FLOATS),
                  "conj": (*INTS, *FLOATS), "round": (*INTS, *FLOATS), "nextafter": FLOATS,
                  "left_shift": INTS, "right_shift": INTS}.get(name, ("bool", *INTS)):
        dt = np.dtype(dtype)
        device = int_fn if dt.kind in "iu" and int_fn else fn
        # the CUDA target's error model: x / 0 gives inf or NaN instead of raising
        compiled = numba.njit(error_model="numpy")(device)
        grid = _grid(dtype)
        cases = itertools.product(grid, repeat=op.arity)
        with np.errstate(all="ignore"):
            for args in cases:
                want = op.reference(*(np.array(a, dt) for a in args))
                got = _store(compiled(*args), want.dtype)
                ok = (got == want or (np.isnan(got) and np.isnan(want))
                      if dt.kind == "f" else got == want)
                if dt.kind == "f" and ok and not np.isnan(want):
                    ok = np.signbit(got) == np.signbit(want)
                assert ok, (name, dtype, args, got, want)


def test_round_decimals_on_device_arrays_stay_on_the_device(backend):
    if backend != "cuda":
        pytest.skip("device arrays: the cuda engine")
    x = np.array([0.125, 2.675, -1.5, 1234.5678, np.nan])
    ints = np.array([15, 25, -35, 127], np.int32)
    d, di = mf.to_device(x), mf.to_device(ints)
    out = mf.to_device(np.zeros(5, np.float32))
    with mf.transfer_policy("error"):  # no hidden copy to the host and back
        rounded = [mf.round(d, decimals) for decimals in (0, 2, -2)]
        rounded_ints = mf.round(di, -1)
        assert mf.round(d, 1, out) is out
    for decimals, got in zip((0, 2, -2), rounded, strict=True):
        np.testing.assert_array_equal(mf.to_host(got), np.round(x, decimals))
    got = mf.to_host(rounded_ints)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.round(ints, -1))
    np.testing.assert_array_equal(mf.to_host(out), np.round(x, 1, np.zeros(5, np.float32)))

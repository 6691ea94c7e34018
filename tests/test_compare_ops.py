"""Issue 13's bool-result ops past the shared tests: comparisons, isfinite/isinf/
isnan/signbit, logical_and/or/xor/not.

test_elementwise.py runs every row over every dtype, layout and out= against
NumPy; this file adds, each against NumPy, what is special about these ops:
NaN, infinities and signed zeros (signbit of -0.0 and -NaN), integer extremes,
bool inputs, NumPy 2's exact comparisons of signed integers with uint64 and of
integers with Python ints beyond their range, logical ops of any dtype and of
Python scalars, the keywords (dtype=, out= of another dtype, where=), and the
CUDA device functions compiled by Numba for the CPU.
"""

from __future__ import annotations

import itertools

import mathfront as mf
import numpy as np
import pytest
from mathfront._ops import BOOL, BY_NAME, OPS
from support import SIMULATOR, assert_matches, numpy_reference, require

COMPARISONS = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
LOGICAL = ("logical_and", "logical_or", "logical_xor")
PREDICATES = ("isfinite", "isinf", "isnan", "signbit", "logical_not")
BINARY = COMPARISONS + LOGICAL
ALL = BINARY + PREDICATES
FLOATS = ("float32", "float64")
INTS = ("int32", "int64")

#: NaN of either sign, infinities, signed zeros, a subnormal, the extremes.
FLOAT_VALUES = (np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-310,
                -1e-310, 1e38, -1e38, 3.4e38, 1e300)


def float_values(dtype):
    with np.errstate(all="ignore"):
        values = np.array(FLOAT_VALUES, dtype)
    values[1] = np.copysign(np.array(np.nan, dtype), -1)  # -NaN, whatever -np.nan gave
    return values


def int_values(dtype):
    info = np.iinfo(dtype)
    return np.array([info.min, info.min + 1, -2, -1, 0, 1, 2, info.max - 1, info.max], dtype)


def check(backend, name, *operands, **kwargs):
    """mathfront gives NumPy's answer (dtype bool, values, scalar or array), returned
    and through out= (or NumPy's exception)."""
    op = BY_NAME[name]
    fn = getattr(mf, name)
    try:
        expected = numpy_reference(op, *operands, **kwargs)
    except Exception as e:
        with pytest.raises(type(e)):
            fn(*operands, backend=backend, **kwargs)
        return
    with np.errstate(all="ignore"):
        got = fn(*operands, backend=backend, **kwargs)
    assert_matches(got, expected, what=f"{name}[{backend}]")
    if "out" in kwargs:
        return
    out = np.zeros(np.shape(expected), bool)
    with np.errstate(all="ignore"):
        assert fn(*operands, out=out, backend=backend, **kwargs) is out
    assert_matches(out, np.asarray(expected), what=f"{name}[{backend}] out=")


def pairs(values):
    """Every pair of ``values``, as two arrays."""
    x = np.repeat(values, values.size)
    return x, np.tile(values, values.size)


def test_rows_have_the_bool_rule():
    for name in ALL:
        assert BY_NAME[name].result == BOOL
        assert BY_NAME[name].reference is getattr(np, name)
    assert {op.name for op in OPS if op.result == BOOL} >= set(ALL)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ALL)
def test_nan_inf_and_signed_zeros(backend, name, dtype):
    require(backend, name, dtype)
    values = float_values(dtype)
    check(backend, name, *(pairs(values) if BY_NAME[name].arity == 2 else (values,)))


@pytest.mark.parametrize("dtype", FLOATS)
def test_signbit_of_negative_zero_and_nan(backend, dtype):
    require(backend, "signbit", dtype)
    x = np.array([-0.0, 0.0, np.nan, np.nan, -np.inf, -1e-310], dtype)
    x[3] = np.copysign(x[3], -1)
    got = mf.signbit(x, backend=backend)
    assert got.dtype == np.bool_
    assert got.tolist() == [True, False, False, True, True, True] == np.signbit(x).tolist()


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", ALL)
def test_integer_extremes(backend, name, dtype):
    require(backend, name, dtype)
    values = int_values(dtype)
    check(backend, name, *(pairs(values) if BY_NAME[name].arity == 2 else (values,)))


@pytest.mark.parametrize("name", ALL)
def test_bool_inputs(backend, name):
    require(backend, name, "bool")
    values = np.array([False, True])
    check(backend, name, *(pairs(values) if BY_NAME[name].arity == 2 else (values,)))


@pytest.mark.parametrize("name", COMPARISONS + LOGICAL)
def test_scalars_give_a_numpy_bool(backend, name):
    require(backend, name, "float64")
    check(backend, name, np.float64(1.5), np.float64(np.nan))
    check(backend, name, np.array(2.0), 2.0)


# --- NumPy 2's comparisons: exact, whatever the promotion ----------------------------------

UNSIGNED_EDGES = np.array([0, 1, 2**31, 2**53, 2**53 + 1, 2**63 - 1, 2**63, 2**63 + 1, 2**64 - 1],
                          np.uint64)
SIGNED_EDGES = np.array([-2**63, -1, 0, 1, 2**53, 2**53 + 1, 2**63 - 2, 2**63 - 1], np.int64)


@pytest.mark.parametrize("signed", ["int64", "int32"])
@pytest.mark.parametrize("name", COMPARISONS)
def test_signed_with_uint64_is_exact(backend, name, signed):
    """NumPy 2 compares them in (int64, uint64), not in their float64 result_type."""
    require(backend, name, signed, "uint64")
    with np.errstate(all="ignore"):
        s = SIGNED_EDGES.astype(signed)
    x, y = np.repeat(s, UNSIGNED_EDGES.size), np.tile(UNSIGNED_EDGES, s.size)
    # the float64 promotion would get these wrong: the test can fail
    assert not np.array_equal(getattr(np, name)(x, y),
                              getattr(np, name)(x.astype(float), y.astype(float))) or \
        signed == "int32"
    check(backend, name, x, y)
    check(backend, name, y, x)  # the other order
    check(backend, name, x[:, None][:4], y[None, :7])  # broadcast
    check(backend, name, np.uint64(2**63 + 1), np.int64(2**63 - 1))


BIG_INTS = (2**31, -2**31 - 1, 2**40, -2**40, 2**63 - 1, 2**63, -2**63 - 1, 2**64, 2**70,
            -2**70, 1000, -1000)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", COMPARISONS)
def test_python_ints_beyond_the_range_compare_as_numpy(backend, name, dtype):
    """np.int32 array < 2**40 is all True in NumPy 2: no OverflowError, no cast."""
    require(backend, name, dtype)
    x = int_values(dtype)
    info = np.iinfo(dtype)
    for big in BIG_INTS:
        if info.min <= big <= info.max:
            continue
        check(backend, name, x, big)
        check(backend, name, big, x)
        check(backend, name, np.array(x[0]), big)  # 0-d: a NumPy scalar back
        check(backend, name, x[::-2], big)
    # where the range ends
    check(backend, name, x, int(info.max))
    check(backend, name, int(info.min), x)


def test_python_ints_beyond_small_integer_ranges(backend):
    for dtype, big in (("int8", 1000), ("uint8", -1), ("int16", 2**20), ("uint64", -1),
                       ("uint64", 2**64), ("uint32", 2**40)):
        require(backend, "less", dtype)
        x = np.array([0, 1, 2], dtype)
        for name in COMPARISONS:
            check(backend, name, x, big)
            check(backend, name, big, x)


@pytest.mark.parametrize("name", COMPARISONS)
def test_bool_array_with_a_big_python_int_overflows_as_numpy(backend, name):
    """bool with a Python int compares in int64: past it NumPy raises OverflowError."""
    require(backend, name, "bool")
    check(backend, name, np.array([True, False]), 2**70)
    check(backend, name, np.array([True, False]), 5)


@pytest.mark.parametrize("name", COMPARISONS)
def test_floats_with_huge_python_numbers(backend, name):
    require(backend, name, "float32")
    x = float_values("float32")
    check(backend, name, x, 2**200)  # float32's inf, with NumPy's overflow warning
    check(backend, name, x, 1e300)
    check(backend, name, x, 2**127)
    check(backend, name, x, 1e-300)  # float32's 0: a weak cast, as NumPy's
    require(backend, name, "float64")
    check(backend, name, x.astype(np.float64), 2**2000)  # OverflowError, as NumPy


@pytest.mark.parametrize("name", COMPARISONS)
@pytest.mark.parametrize("dtypes", [("int32", "float32"), ("int64", "float64"),
                                    ("int32", "int64"), ("float32", "float64")])
def test_mixed_dtypes_promote_as_numpy(backend, name, dtypes):
    require(backend, name, *dtypes)
    x = np.array([2**24 + 1, -(2**53) - 1, 3, 0], np.int64)
    y = np.array([2**24, -(2**53), 3.0, -0.0])
    with np.errstate(all="ignore"):
        check(backend, name, x.astype(dtypes[0]), y.astype(dtypes[1]))
        check(backend, name, y.astype(dtypes[1]), x.astype(dtypes[0]))


# --- logical ops: any dtype, truth of each operand ----------------------------------------

@pytest.mark.parametrize("name", LOGICAL)
@pytest.mark.parametrize("dtypes", [("float32", "int64"), ("int32", "float64"),
                                    ("bool", "float64"), ("int32", "int64")])
def test_logical_mixed_dtypes(backend, name, dtypes):
    require(backend, name, *dtypes)
    x = np.array([0, 1, -3, 0, 2, 0])
    y = np.array([0.0, -0.0, np.nan, 0.5, 0.0, 1e-310])
    check(backend, name, x.astype(dtypes[0]), y.astype(dtypes[1]))
    check(backend, name, y.astype(dtypes[1]), x.astype(dtypes[0]))


@pytest.mark.parametrize("name", LOGICAL)
@pytest.mark.parametrize("dtype", [*INTS, *FLOATS])
def test_logical_with_python_scalars(backend, name, dtype):
    """A Python scalar counts by its truth (1000 with int8 is True, 0.5 with ints too);
    an int beyond int64 is NumPy's OverflowError."""
    require(backend, name, dtype)
    x = np.array([0, 1, 2, 0], dtype)
    # 1e-300: true, though float32 holds it as 0 (a comparison's weak cast does)
    for scalar in (0, 1, 0.5, 0.0, -0.0, float("nan"), True, False, 2**40, -2**62, 2**70,
                   1e-300, -1e-300):
        check(backend, name, x, scalar)
        check(backend, name, scalar, x)


def test_logical_with_small_ints_and_big_scalars(backend):
    require(backend, "logical_and", "int8")
    x = np.array([0, 1, -3], np.int8)
    check(backend, "logical_and", x, 1000)
    check(backend, "logical_or", x, 2**40)


# --- keywords: computed above the engines, for a bool result --------------------------------

@pytest.mark.parametrize("name", ["less", "isnan", "logical_xor", "signbit"])
def test_keywords_with_a_bool_result(backend, name):
    require(backend, name, "float64")
    op = BY_NAME[name]
    x = np.array([1.0, np.nan, -0.0, 3.0, -2.0])
    operands = (x, x[::-1].copy())[:op.arity]
    check(backend, name, *operands, dtype=bool)
    check(backend, name, *operands, dtype=np.float32)  # no such loop: NumPy's TypeError
    for out_dtype in ("int8", "float32", "int64"):
        out = np.full(x.shape, 7, out_dtype)
        expected = numpy_reference(op, *operands, out=np.full(x.shape, 7, out_dtype))
        assert getattr(mf, name)(*operands, out=out, backend=backend) is out
        assert_matches(out, expected, what=f"{name}[{backend}] out={out_dtype}")
    mask = np.array([True, False, True, False, True])
    out = np.ones(x.shape, bool)
    expected = numpy_reference(op, *operands, out=np.ones(x.shape, bool), where=mask)
    assert getattr(mf, name)(*operands, out=out, where=mask, backend=backend) is out
    assert_matches(out, expected, what=f"{name}[{backend}] where=")
    # bool to float32 is safe: casting="no" refuses it (NumPy's words), "safe" does not
    check(backend, name, *operands, out=np.zeros(x.shape, np.float32), casting="no")
    check(backend, name, *operands, out=np.zeros(x.shape, np.float32), casting="safe")


def test_dtype_bool_with_a_big_python_int(backend):
    require(backend, "less", "int32")
    x = np.array([1, -3], np.int32)
    check(backend, "less", x, 2**40, dtype=bool)
    check(backend, "not_equal", x, 2**40, out=np.zeros(2, np.int8))


# --- layouts past the SIMD width -----------------------------------------------------------

#: NumPy 2.4's own SIMD loops of these write wrong values into a strided bool out
#: (np.isnan(x, out=np.zeros((n, 2), bool)[:, 1]) differs from np.isnan(x), float32
#: and float64): the numpy backend is NumPy, so only the compiled engines are held
#: to the contiguous answer there.
NUMPY_STRIDED_OUT_BUG = ("isnan", "isfinite", "signbit")

@pytest.mark.parametrize("dtype", [*FLOATS, *INTS])
@pytest.mark.parametrize("name", ALL)
def test_long_and_strided(backend, name, dtype):
    """Bytes out of wider inputs: the vector loops' packs, their tails, strided outputs."""
    require(backend, name, dtype)
    rng = np.random.default_rng(3)
    # The packs and tails are the C++ loops'; the simulator's grid-stride loop (16
    # threads) wraps around 130 elements as around 1000, at an eighth of the time.
    n = 130 if SIMULATOR and backend == "cuda" else 1000
    x = rng.integers(-3, 4, n).astype(dtype)
    y = rng.integers(-3, 4, n).astype(dtype)
    if dtype in FLOATS:
        x[::7] = np.nan
        y[::11] = -0.0
    operands = (x, y)[:BY_NAME[name].arity]
    check(backend, name, *operands)
    check(backend, name, *(v[::-3] for v in operands))
    out = np.zeros((n, 2), bool)[:, 1]  # a strided output
    expected = numpy_reference(BY_NAME[name], *operands)  # NumPy's, into a contiguous out
    getattr(mf, name)(*operands, out=out, backend=backend)
    if not (backend == "numpy" and name in NUMPY_STRIDED_OUT_BUG):
        assert_matches(out, expected, what=f"{name}[{backend}] strided out")
    if BY_NAME[name].arity == 2:
        check(backend, name, x, y[5])
        check(backend, name, x[5], y)


# --- the CUDA device functions, compiled by Numba for the CPU -------------------------------

def _compiled(numba, fn, arity):
    device = numba.njit(fn)

    @numba.njit
    def loop(x, out):
        for i in range(x.size):
            out[i] = device(x[i])

    @numba.njit
    def loop2(x, y, out):
        for i in range(x.size):
            out[i] = device(x[i], y[i])

    return loop2 if arity == 2 else loop


@pytest.mark.parametrize("name", ALL)
def test_device_functions_compiled_by_numba(name):
    """Compiled Numba types as the GPU does, not as the simulator (NumPy's scalars)."""
    numba = pytest.importorskip("numba")
    from mathfront.cuda_numba import elementwise

    op = BY_NAME[name]
    fn, int_fn = elementwise.DEVICE[name]
    for dtype in (*FLOATS, *INTS, "bool"):
        if dtype == "bool":
            values = np.array([False, True])
        else:
            values = float_values(dtype) if dtype in FLOATS else int_values(dtype)
        operands = pairs(values) if op.arity == 2 else (values,)
        integer = np.dtype(dtype).kind in "iu"
        expected = numpy_reference(op, *operands)
        out = np.zeros(expected.shape, bool)
        _compiled(numba, int_fn if integer and int_fn else fn, op.arity)(*operands, out)
        assert_matches(out, expected, what=f"njit _{name} {dtype}")


@pytest.mark.parametrize("name", COMPARISONS)
def test_mixed_device_functions_compiled_by_numba(name):
    """int64 with uint64: Numba would compare them in float64; the _mixed functions are
    exact (the engine swaps uint64-first calls into their mirror)."""
    numba = pytest.importorskip("numba")
    from mathfront import _comparisons
    from mathfront.cuda_numba import elementwise

    x, y = (np.repeat(SIGNED_EDGES, UNSIGNED_EDGES.size),
            np.tile(UNSIGNED_EDGES, SIGNED_EDGES.size))
    fn, _ = elementwise.DEVICE[f"{name}_mixed"]
    out = np.zeros(x.shape, bool)
    _compiled(numba, fn, 2)(x, y, out)
    assert_matches(out, getattr(np, name)(x, y), what=f"njit _{name}_mixed")
    mirror, _ = elementwise.DEVICE[f"{_comparisons.MIRROR[name]}_mixed"]
    _compiled(numba, mirror, 2)(x, y, out)
    assert_matches(out, getattr(np, name)(y, x), what=f"njit mirror of {name}")


def test_each_pair_of_dtypes_resolves_to_numpys_loop():
    """The loops _comparisons chooses are NumPy's: mixed ones only for signed with uint64."""
    from mathfront import _comparisons

    dtypes = ("bool", "int8", "int32", "int64", "uint8", "uint64", "float32", "float64")
    for name, a, b in itertools.product(BINARY, dtypes, dtypes):
        x, y = np.zeros(1, a), np.zeros(1, b)
        loop = _comparisons.bool_loop(BY_NAME[name], [x, y])
        mixed = name in COMPARISONS and {np.dtype(a).kind, np.dtype(b).kind} == {"i", "u"} \
            and "uint64" in (a, b)
        assert (loop is not None and loop.mixed) == mixed, (name, a, b)


@pytest.mark.parametrize("pair", [(0, 2**63), (2**63, 0), (-1, 2**64), (True, 2**63)], ids=str)
def test_python_ints_beyond_int64_compare_as_numpy(backend, pair):
    """Two Python scalars, one beyond int64: NumPy's answer (or its OverflowError)."""
    for name in ("greater_equal", "less", "equal"):
        try:
            expected = getattr(np, name)(*pair)
        except OverflowError:
            with pytest.raises(OverflowError):
                getattr(mf, name)(*pair, backend=backend)
            continue
        got = getattr(mf, name)(*pair, backend=backend)
        assert type(got) is type(expected) and got == expected, (name, pair)

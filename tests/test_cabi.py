"""The C ABI (mathfront.h through mathfront.cabi) and its @njit wrappers
(mathfront.numba): every op and dtype from jitted code against NumPy, the
result types the header declares, and every error path."""

from __future__ import annotations

import ctypes
import ctypes.util
import pathlib
import platform
import shutil
import subprocess
import sys

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mathfront import _tolerance
from mathfront._ops import OPS
from support import (
    DTYPES,
    SPECIALS,
    arrays,
    assert_matches,
    elements,
    elementwise_tolerance,
    numpy_reference,
    reduction_tolerance,
)

numba = pytest.importorskip("numba")
if not {s.name: s for s in mf.backends()}["cpp"].available:
    pytest.skip("the C ABI lives in the cpp backend's extension", allow_module_level=True)

from mathfront import cabi  # noqa: E402
from mathfront import numba as mfn  # noqa: E402
from numba import njit  # noqa: E402
from numba.core.errors import TypingError  # noqa: E402

ffi, lib = cabi.ffi, cabi.lib
SUFFIX = {"float32": "f32", "float64": "f64", "int32": "i32", "int64": "i64"}
C_TYPES = {"float": "float32", "double": "float64", "int32_t": "int32", "int64_t": "int64",
           "uint8_t": "bool"}  # bool results: one byte, 0 or 1, as NumPy's bool
#: Every op has C ABI functions (those of f32, f64, i32, i64 its row lists).
ABI_OPS = list(OPS)
by_op = pytest.mark.parametrize("op", ABI_OPS, ids=lambda op: op.name)
#: Those of a kind's common form (binary, unary, reduction, dot, scan), and the others:
#: where, clip and the composites, each its own form (gen_ops.C_FORMS).
KIND_OPS = [op for op in ABI_OPS if op.kind not in ("ternary", "composite")]
OWN_OPS = [op for op in ABI_OPS if op.kind in ("ternary", "composite")]


@njit
def total(x):  # the example, verbatim
    return lib.mf_sum_f64(ffi.from_buffer(x), x.size)


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 100_003])
def test_the_jitted_abi_sum_is_the_cpp_backends(n):
    x = np.random.default_rng(n).random(n)
    assert total(x) == mf.sum(x, backend="cpp")


def test_every_op_and_dtype_has_an_abi_function():
    for op in ABI_OPS:  # those of its row's dtypes, and no other (no bitwise_and of floats)
        for dtype, suffix in SUFFIX.items():
            assert hasattr(lib, f"mf_{op.name}_{suffix}") == (dtype in op.dtypes), (op.name, dtype)


def _require_row_dtype(op, dtype):
    if dtype not in op.dtypes:
        pytest.skip(f"{op.name} is not computed for {dtype}")


@by_op
@pytest.mark.parametrize("dtype", DTYPES)
def test_declared_result_types_are_numpys(op, dtype):
    """The header's R (result type) for each function is NumPy's result dtype."""
    _require_row_dtype(op, dtype)
    fn = getattr(lib, f"mf_{op.name}_{SUFFIX[dtype]}")
    sample = np.ones(2, dtype)
    expected = np.asarray(op.reference(*[sample] * op.arity)).dtype
    declared = ffi.typeof(fn)
    at = out_position(op)
    if at is not None:
        out = declared.args[at]  # the out pointer
        assert C_TYPES[out.item.cname] == expected.name
        assert declared.result.cname == "int"  # a status
    else:
        assert C_TYPES[declared.result.cname] == expected.name


def out_position(op):
    """Where a C function's out pointer is among its parameters (None: the result is
    returned, as a reduction's)."""
    if op.elementwise or op.kind in ("scan", "ternary"):
        return op.arity  # where(cond, x, y, out), clip(x, lo, hi, out)
    return {"diff": 1, "isclose": 2, "real": 1, "imag": 1}.get(op.name)


def jitted(op):
    """An @njit function calling ``mathfront.numba.<op>`` (one per op: compiled per dtype)."""
    fn = getattr(mfn, op.name)
    if op.kind == "binary":
        return njit(lambda a, b, out: fn(a, b, out))
    if op.kind in ("unary", "scan") or op.name in ("diff", "real", "imag"):
        return njit(lambda x, out: fn(x, out))
    if op.kind == "dot" or op.name == "vecdot":
        return njit(lambda a, b: fn(a, b))
    if op.kind == "ternary":  # where(condition, x, y, out), clip(a, a_min, a_max, out)
        return njit(lambda a, b, c, out: fn(a, b, c, out))
    if op.name == "isclose":
        return njit(lambda a, b, out, rtol, atol, equal_nan: fn(a, b, out, rtol, atol, equal_nan))
    if op.name == "allclose":
        return njit(lambda a, b, rtol, atol, equal_nan: fn(a, b, rtol, atol, equal_nan))
    if "ddof" in op.extra:
        return njit(lambda x, ddof: fn(x, ddof))
    return njit(lambda x: fn(x))


JITTED = {op.name: jitted(op) for op in ABI_OPS}


@pytest.mark.parametrize("op", KIND_OPS, ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_every_op_from_njit_matches_numpy(op, dtype, data):
    _require_row_dtype(op, dtype)
    n = data.draw(st.integers(1 if op.kind == "reduction" and op.identity is None else 0, 40))
    operands = [data.draw(arrays(dtype, (n,), op, layouts=("contiguous",)))
                for _ in range(op.arity)]
    call = JITTED[op.name]
    if op.elementwise:
        try:
            expected = numpy_reference(op, *operands)
        except ValueError:  # an integer to a negative power: refused as NumPy does
            with pytest.raises(ValueError, match="negative integer powers"):
                call(*operands, np.empty(n, operands[0].dtype))
            return
        out = np.full(n, 7, expected.dtype)
        assert call(*operands, out) is out
        atol, rtol = elementwise_tolerance(op, expected.dtype)
        assert_matches(out, expected, atol=atol, rtol=rtol, what=f"{op.name} njit")
        return
    if op.kind == "scan":
        expected = numpy_reference(op, operands[0])
        out = np.full(n, 7, expected.dtype)
        assert call(operands[0], out) is out
        atol, rtol = _tolerance.scan(op, operands[0], None, expected.dtype)
        assert_matches(out, expected, atol=atol, rtol=rtol, what=f"{op.name} njit")
        return
    ddof = data.draw(st.integers(0, 2)) if "ddof" in op.extra else 0
    kwargs = {"ddof": ddof} if "ddof" in op.extra else {}
    expected = numpy_reference(op, *operands, **kwargs)
    got = call(*operands, ddof) if kwargs else call(*operands)
    got = np.asarray(got).astype(np.asarray(expected).dtype)[()]
    atol = rtol = 0.0
    if op.kind == "reduction":
        atol, rtol = reduction_tolerance(op, operands[0], None, ddof, np.asarray(expected).dtype)
        atol = float(np.max(atol, initial=0.0))
    elif np.asarray(expected).dtype.kind == "f":  # dot: a sum of products
        scale = float(np.sum(np.abs(operands[0].astype(np.float64) * operands[1]))) if n else 0.0
        atol = 4 * (n + 2) * float(np.finfo(np.asarray(expected).dtype).eps) * scale
    assert_matches(got, expected, atol=atol, rtol=rtol, what=f"{op.name} njit")


def test_non_contiguous_input_is_a_clear_typing_error():
    x = np.arange(10.0)
    with pytest.raises(TypingError, match=r"mathfront.numba.sum: x is not C-contiguous"):
        JITTED["sum"](x[::2])
    with pytest.raises(TypingError, match=r"mathfront.numba.add: b is not C-contiguous"):
        JITTED["add"](x[:5], x[::2], np.empty(5))
    with pytest.raises(TypingError, match=r"out is not C-contiguous"):
        JITTED["sqrt"](x[:5], np.empty(10)[::2])


def test_wrong_dtypes_are_typing_errors():
    x = np.arange(4.0)
    with pytest.raises(TypingError, match=r"out has dtype float32, the result of float64"):
        JITTED["add"](x, x, np.empty(4, np.float32))
    with pytest.raises(TypingError, match=r"a and b must have one dtype"):
        JITTED["add"](x, x.astype(np.float32), np.empty(4))
    with pytest.raises(TypingError, match=r"has dtype complex128"):
        JITTED["sum"](x.astype(complex))


def test_runtime_errors_from_njit_code():
    x = np.arange(6.0)
    with pytest.raises(ValueError, match="must have one shape"):
        JITTED["add"](x, x, np.empty(5))
    with pytest.raises(ValueError, match="overlaps an input without being that same array"):
        JITTED["add"](x[:-1], x[:-1], x[1:])
    with pytest.raises(ValueError, match="no identity"):
        JITTED["max"](np.empty(0))
    with pytest.raises(ValueError, match="one size"):
        JITTED["dot"](x, x[:3])
    ints = np.array([2, 3], np.int64)
    with pytest.raises(ValueError, match="negative integer powers"):
        JITTED["power"](ints, -ints, np.empty(2, np.int64))
    assert JITTED["negative"](x, x) is x and x[1] == -1.0  # out may be the input itself


def test_status_codes_from_c():
    x = np.arange(4.0)
    buf, out = ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", np.empty(4))
    assert lib.mf_add_f64(buf, buf, out, -1) == lib.MF_ERR_LENGTH
    assert lib.mf_add_f64(ffi.NULL, buf, out, 4) == lib.MF_ERR_NULL
    assert lib.mf_add_f64(ffi.NULL, ffi.NULL, ffi.NULL, 0) == lib.MF_OK
    ints = np.array([1, -1], np.int64)
    b = ffi.from_buffer("int64_t[]", ints)
    out64 = ffi.from_buffer("int64_t[]", np.empty(2, np.int64))
    assert lib.mf_power_i64(b, b, out64, 2) == lib.MF_ERR_DOMAIN
    assert np.isnan(lib.mf_min_f64(ffi.NULL, 0)) and lib.mf_last_status() == lib.MF_ERR_EMPTY
    assert lib.mf_sum_f64(buf, 4) == 6.0 and lib.mf_last_status() == lib.MF_OK
    assert lib.mf_sum_i64(ffi.NULL, -3) == 0 and lib.mf_last_status() == lib.MF_ERR_LENGTH
    assert "overlaps" in cabi.status_message(lib.MF_ERR_OVERLAP)
    # Same start, wider output elements: int32 in, double out would overwrite unread inputs.
    ints32 = np.arange(8, dtype=np.int32)
    same = ffi.from_buffer("int32_t[]", ints32)
    assert lib.mf_sqrt_i32(same, ffi.cast("double *", same), 4) == lib.MF_ERR_OVERLAP
    assert np.array_equal(ints32, np.arange(8))  # nothing written
    assert lib.mf_negative_i32(same, same, 8) == lib.MF_OK and ints32[3] == -3


def test_python_calls_of_the_wrappers_run_mathfront():
    x = np.arange(5, dtype=np.int32)
    assert mfn.sum(x) == np.sum(x) and mfn.var(x, ddof=1) == np.var(x, ddof=1)
    out = np.empty(5)
    assert mfn.sqrt(x, out) is out and np.array_equal(out, np.sqrt(x))


@pytest.mark.skipif(shutil.which("nm") is None, reason="needs binutils' nm")
def test_only_the_abi_is_exported():
    from mathfront import _cpp

    listing = subprocess.run(["nm", "-D", "--defined-only", _cpp.__file__],
                             capture_output=True, text=True, check=True).stdout
    names = [line.split()[-1] for line in listing.splitlines() if line.strip()]
    assert "mf_sum_f64" in names
    assert [n for n in names if not n.startswith("mf_") and n != "PyInit__cpp"] == []


def test_a_fresh_interpreter_finds_the_library():
    """The ABI module is found relative to the installed package (wheel or editable)."""
    code = ("import numpy as np\nfrom numba import njit\nfrom mathfront.cabi import ffi, lib\n"
            "@njit\ndef total(x):\n    return lib.mf_sum_f64(ffi.from_buffer(x), x.size)\n"
            "print(total(np.arange(100.0)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4950.0"


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("ddof", [0.5, 1.25, 2.0])
def test_fractional_ddof_through_the_abi_and_njit(name, ddof):
    """ddof is a double in the ABI: any real, as NumPy takes."""
    x = np.array([1.0, 4.0, np.nan if name.startswith("nan") else 2.0, 8.0, 3.0])
    expected = getattr(np, name)(x, ddof=ddof)
    assert getattr(lib, f"mf_{name}_f64")(ffi.from_buffer("double[]", x), x.size, ddof) == expected
    wrapper = getattr(mfn, name)
    assert njit(lambda v, d: wrapper(v, d))(x, ddof) == expected


def test_the_abi_version_says_ddof_is_a_double():
    header = (pathlib.Path(__file__).parent.parent / "src" / "cpp" / "include"
              / "mathfront.h").read_text()
    assert "#define MF_ABI_VERSION 2" in header
    assert lib.mf_abi_version() == 2


# --- where, clip and the composites ----------------------------------------------------

def _close_operands(data, dtype, n):
    """a and b for isclose: independent, equal in places (specials included), or a
    relative step of about rtol apart (both sides of the tolerance)."""
    a = data.draw(arrays(dtype, (n,), layouts=("contiguous",)))
    b = data.draw(arrays(dtype, (n,), layouts=("contiguous",)))
    mix = data.draw(st.sampled_from(["apart", "equal", "near"]))
    if mix == "equal":
        b = np.where(data.draw(arrays("bool", (n,), layouts=("contiguous",))), a, b)
    elif mix == "near":
        step = data.draw(st.sampled_from([1e-6, 1e-5, 2e-5, 1e-3]))
        with np.errstate(all="ignore"):
            b = (a * (1 + step) + data.draw(st.sampled_from([0, 1, -1]))).astype(dtype)
    return a, b


@pytest.mark.parametrize("op", OWN_OPS, ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_selection_and_composites_from_njit_match_numpy(op, dtype, data):
    """where, clip and the composites, jitted, against NumPy: NaN, infinities and signed
    zeros among the floats, the whole range of the integers (wrap-around)."""
    n = data.draw(st.integers(0, 40))
    call = JITTED[op.name]

    def draw():
        return data.draw(arrays(dtype, (n,), layouts=("contiguous",)))

    if op.name == "where":
        cond, x, y = data.draw(arrays("bool", (n,), layouts=("contiguous",))), draw(), draw()
        out = np.full(n, 7, dtype)
        assert call(cond, x, y, out) is out
        assert_matches(out, np.where(cond, x, y), what="where njit")
    elif op.name == "clip":
        x = draw()
        number = st.one_of(elements(dtype), st.integers(-10**6, 10**6)) \
            if dtype.startswith("float") else elements(dtype)
        lo, hi = (data.draw(st.one_of(st.none(), number)) for _ in range(2))
        out = np.full(n, 7, dtype)
        assert call(x, lo, hi, out) is out  # (a -0/+0 tie: either zero, as NumPy's loops)
        assert_matches(out, numpy_reference(op, x, lo, hi), what=f"clip njit {lo} {hi}")
    elif op.name == "diff":
        x = draw()
        out = np.full(max(n - 1, 0), 7, dtype)
        assert call(x, out) is out
        assert_matches(out, numpy_reference(op, x), what="diff njit")
    elif op.name == "vecdot":
        x1, x2 = draw(), draw()
        expected = numpy_reference(op, x1, x2)
        got = np.asarray(call(x1, x2)).astype(expected.dtype)[()]
        atol = 0.0
        if expected.dtype.kind == "f":  # a sum of products, as dot's
            with np.errstate(all="ignore"):
                scale = float(np.nansum(np.abs(x1.astype(np.float64) * x2)))
            atol = 4 * (n + 2) * float(np.finfo(expected.dtype).eps) * scale
        assert_matches(got, expected, atol=atol, what="vecdot njit")
    elif op.name in ("isclose", "allclose"):
        a, b = _close_operands(data, dtype, n)
        rtol = data.draw(st.sampled_from([1e-05, 0.0, 1e-3, 0.5]))
        atol = data.draw(st.sampled_from([1e-08, 0.0, 1.0, 100.0]))
        equal_nan = data.draw(st.booleans())
        expected = numpy_reference(op, a, b, rtol, atol, equal_nan)
        if op.name == "isclose":
            out = np.zeros(n, bool)
            assert call(a, b, out, rtol, atol, equal_nan) is out
            assert_matches(out, expected, what="isclose njit")
        else:
            got = call(a, b, rtol, atol, equal_nan)
            assert type(got) is bool and got == expected
    else:  # real, imag
        x = draw()
        out = np.full(n, 7, dtype)
        assert call(x, out) is out
        assert_matches(out, np.ascontiguousarray(numpy_reference(op, x)), what=f"{op.name} njit")


FLOATS = ("float32", "float64")


def _c(dtype, values):
    """A cffi pointer to a fresh array of ``values`` (kept alive by the pointer), and it."""
    array = np.array(values, dtype)
    ctype = {"float32": "float", "float64": "double", "int32": "int32_t", "int64": "int64_t",
             "bool": "uint8_t"}[array.dtype.name]
    return ffi.from_buffer(f"{ctype}[]", array), array


@pytest.mark.parametrize("dtype", FLOATS)
def test_clip_and_where_on_specials_from_c(dtype):
    """NaN in x stays; a NaN bound gives NaN everywhere; lo > hi gives hi; infinite
    bounds; where copies NaN and infinities as they are."""
    sfx = SUFFIX[dtype]
    values = [np.nan, -np.inf, np.inf, -0.0, 0.0, 1.5, -1.5, 3.0, -3.0]
    x, xs = _c(dtype, values)
    out, outs = _c(dtype, [7.0] * len(values))
    clip = getattr(lib, f"mf_clip_{sfx}")
    for lo, hi in [(-1.0, 1.0), (np.nan, 1.0), (-1.0, np.nan), (2.0, 1.0), (-np.inf, np.inf),
                   (-np.inf, 0.0), (0.0, np.inf), (-0.0, 0.0)]:
        assert clip(x, lo, hi, out, len(values)) == lib.MF_OK
        assert_matches(outs, np.clip(xs, np.array(lo, dtype), np.array(hi, dtype)),
                       what=f"clip {lo} {hi}")
    cond, conds = _c("bool", [True, False] * 4 + [True])
    y, ys = _c(dtype, values[::-1])
    assert getattr(lib, f"mf_where_{sfx}")(cond, x, y, out, len(values)) == lib.MF_OK
    assert np.array_equal(outs, np.where(conds, xs, ys), equal_nan=True)
    assert np.array_equal(np.signbit(outs), np.signbit(np.where(conds, xs, ys)))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_and_allclose_on_specials_from_c(dtype, equal_nan):
    """Every pair of NaN, +-inf, +-0 and near values, as NumPy 2's isclose; float32
    computes in float32 (1 + 1e-7 is close to 1 there with rtol 0)."""
    sfx = SUFFIX[dtype]
    near = [1.0, 1.0 + 1e-7, 1.00001, 1e-8, -1e-8, 1e30, 1.0000001e30]
    values = [*SPECIALS, *near]
    pairs = [(p, q) for p in values for q in values]
    a, a_s = _c(dtype, [p for p, _ in pairs])
    b, b_s = _c(dtype, [q for _, q in pairs])
    out, outs = _c("bool", [False] * len(pairs))
    for rtol, atol in [(1e-05, 1e-08), (0.0, 0.0), (1e-3, 0.0), (0.0, 1e-7)]:
        assert getattr(lib, f"mf_isclose_{sfx}")(a, b, out, len(pairs), rtol, atol,
                                                  equal_nan) == lib.MF_OK
        expected = np.isclose(a_s, b_s, rtol, atol, equal_nan)
        assert np.array_equal(outs, expected), [pairs[i] for i in np.flatnonzero(outs != expected)]
        allclose = getattr(lib, f"mf_allclose_{sfx}")
        for k in range(len(pairs)):  # each pair alone
            got = allclose(a + k, b + k, 1, rtol, atol, equal_nan)
            assert got == expected[k] and lib.mf_last_status() == lib.MF_OK


def test_integer_edges_from_c():
    """Wrap-around (diff, vecdot), isclose through float64 (2**62 + 1 rounds to 2**62,
    as NumPy's), clip at the type's limits."""
    big = np.array([2**62, -(2**63), 2**63 - 1, 5], np.int64)
    other = np.array([2**62 + 1, 2**63 - 1, -(2**63), 6], np.int64)
    out = np.zeros(4, bool)
    assert lib.mf_isclose_i64(ffi.from_buffer("int64_t[]", big),
                              ffi.from_buffer("int64_t[]", other),
                              ffi.from_buffer("uint8_t[]", out), 4, 1e-05, 1e-08, 0) == 0
    assert np.array_equal(out, np.isclose(big, other))
    i32 = np.array([np.iinfo(np.int32).min, np.iinfo(np.int32).max, 0, -1], np.int32)
    d = np.zeros(3, np.int32)
    with np.errstate(all="ignore"):
        expected_diff = np.diff(i32)
    assert lib.mf_diff_i32(ffi.from_buffer("int32_t[]", i32), ffi.from_buffer("int32_t[]", d),
                           4) == 0
    assert np.array_equal(d, expected_diff)
    assert lib.mf_vecdot_i32(ffi.from_buffer("int32_t[]", i32), ffi.from_buffer("int32_t[]", i32),
                             4) == np.vecdot(i32, i32)  # wrapped, as NumPy's int32
    c = np.zeros(4, np.int32)
    lo, hi = int(np.iinfo(np.int32).min), int(np.iinfo(np.int32).max)
    assert lib.mf_clip_i32(ffi.from_buffer("int32_t[]", i32), lo, hi,
                           ffi.from_buffer("int32_t[]", c), 4) == 0
    assert np.array_equal(c, i32)
    assert lib.mf_clip_i32(ffi.from_buffer("int32_t[]", i32), 0, -5,
                           ffi.from_buffer("int32_t[]", c), 4) == 0
    assert np.array_equal(c, np.clip(i32, 0, -5))  # lo > hi: hi


@pytest.mark.parametrize("n", [300_001, 2_000_003])
def test_threaded_sizes_match_numpy(n):
    """Arrays the pool splits (the last task shorter): each function against NumPy, and
    allclose false for a single element far off, wherever it is."""
    old = mf.get_num_threads()
    mf.set_num_threads(2)
    try:
        rng = np.random.default_rng(n)
        a = rng.standard_normal(n)
        b = a * (1 + rng.uniform(-2e-5, 2e-5, n))
        b[::1000] = np.nan
        out = np.empty(n, bool)
        assert mfn.isclose(a, b, out) is out
        got = JITTED["isclose"](a, b, out, 1e-05, 1e-08, True)
        assert np.array_equal(got, np.isclose(a, b, equal_nan=True))
        assert JITTED["allclose"](a, a, 0.0, 0.0, False)
        for position in (0, n // 2, n - 1):
            c = a.copy()
            c[position] += 1.0
            assert not JITTED["allclose"](a, c, 1e-05, 1e-08, False)
        values = np.empty(n)
        assert np.array_equal(JITTED["clip"](a, -0.5, 0.5, values), np.clip(a, -0.5, 0.5))
        assert np.array_equal(JITTED["where"](a > 0, a, b, values), np.where(a > 0, a, b),
                              equal_nan=True)
        values[:] = 1.0
        assert not JITTED["imag"](a, values).any()
        assert np.array_equal(JITTED["real"](a, values), a)
        assert np.array_equal(JITTED["diff"](a, np.empty(n - 1)), np.diff(a))
    finally:
        mf.set_num_threads(old)


def test_status_codes_of_where_clip_and_composites_from_c():
    x, xs = _c("float64", np.arange(8.0))
    out, outs = _c("float64", np.zeros(8))
    cond, _ = _c("bool", [True] * 8)
    flags, _ = _c("bool", [False] * 8)
    null = ffi.NULL
    err = {"null": lib.MF_ERR_NULL, "length": lib.MF_ERR_LENGTH, "overlap": lib.MF_ERR_OVERLAP}
    shifted = ffi.cast("double *", x) + 1  # x[1:], overlapping x[:-1] partly
    status_calls = {
        "where": [(lambda: lib.mf_where_f64(null, x, x, out, 8), "null"),
                  (lambda: lib.mf_where_f64(cond, x, null, out, 8), "null"),
                  (lambda: lib.mf_where_f64(cond, x, x, out, -1), "length"),
                  (lambda: lib.mf_where_f64(cond, x, out, shifted, 7), "overlap"),
                  (lambda: lib.mf_where_f64(ffi.cast("uint8_t *", out), x, x, out, 8), "overlap")],
        "clip": [(lambda: lib.mf_clip_f64(null, 0.0, 1.0, out, 8), "null"),
                 (lambda: lib.mf_clip_f64(x, 0.0, 1.0, null, 8), "null"),
                 (lambda: lib.mf_clip_f64(x, 0.0, 1.0, out, -2), "length"),
                 (lambda: lib.mf_clip_f64(x, 0.0, 1.0, shifted, 7), "overlap")],
        "diff": [(lambda: lib.mf_diff_f64(null, out, 8), "null"),
                 (lambda: lib.mf_diff_f64(x, null, 8), "null"),
                 (lambda: lib.mf_diff_f64(x, out, -1), "length"),
                 (lambda: lib.mf_diff_f64(x, x, 8), "overlap")],  # in place: a[1:] is read late
        "isclose": [(lambda: lib.mf_isclose_f64(x, null, flags, 8, 0.0, 0.0, 0), "null"),
                    (lambda: lib.mf_isclose_f64(x, x, null, 8, 0.0, 0.0, 0), "null"),
                    (lambda: lib.mf_isclose_f64(x, x, flags, -1, 0.0, 0.0, 0), "length"),
                    (lambda: lib.mf_isclose_f64(x, out, ffi.cast("uint8_t *", out), 8, 0.0,
                                                0.0, 0), "overlap")],
        "real": [(lambda: lib.mf_real_f64(null, out, 8), "null"),
                 (lambda: lib.mf_real_f64(x, out, -1), "length"),
                 (lambda: lib.mf_real_f64(x, shifted, 7), "overlap")],
        "imag": [(lambda: lib.mf_imag_f64(x, null, 8), "null"),
                 (lambda: lib.mf_imag_f64(x, out, -1), "length"),
                 (lambda: lib.mf_imag_f64(x, shifted, 7), "overlap")],
    }
    for name, calls in status_calls.items():
        for call, expected in calls:
            outs[:] = 0.0
            assert call() == err[expected], (name, expected)
            assert np.array_equal(xs, np.arange(8.0)) and not outs.any(), name  # nothing written
    # nothing to compute: NULL is fine (diff: out has n - 1 = 0 elements for n = 1)
    assert lib.mf_where_f64(null, null, null, null, 0) == lib.MF_OK
    assert lib.mf_clip_i32(null, 0, 1, null, 0) == lib.MF_OK
    assert lib.mf_diff_f64(x, null, 1) == lib.MF_OK and lib.mf_diff_f64(null, null, 0) == 0
    assert lib.mf_isclose_f32(null, null, null, 0, 1e-05, 1e-08, 0) == lib.MF_OK
    assert lib.mf_real_i64(null, null, 0) == lib.MF_OK == lib.mf_imag_i64(null, null, 0)
    # the very same array as out: allowed
    assert lib.mf_clip_f64(x, 1.0, 5.0, x, 8) == 0
    assert np.array_equal(xs, np.clip(np.arange(8.0), 1, 5))
    assert lib.mf_where_f64(cond, x, out, out, 8) == 0 and np.array_equal(outs, xs)
    assert lib.mf_imag_f64(x, x, 8) == 0 and not xs.any()
    # scalar results: 0 (NaN for floats) and the status for mf_last_status
    assert lib.mf_vecdot_i64(null, null, -1) == 0 and lib.mf_last_status() == lib.MF_ERR_LENGTH
    assert np.isnan(lib.mf_vecdot_f64(x, null, 3)) and lib.mf_last_status() == lib.MF_ERR_NULL
    assert lib.mf_vecdot_f64(null, null, 0) == 0.0 and lib.mf_last_status() == lib.MF_OK
    assert lib.mf_allclose_f64(x, null, 3, 0.0, 0.0, 0) == 0
    assert lib.mf_last_status() == lib.MF_ERR_NULL
    assert lib.mf_allclose_i32(null, null, -4, 0.0, 0.0, 0) == 0
    assert lib.mf_last_status() == lib.MF_ERR_LENGTH
    assert lib.mf_allclose_f64(null, null, 0, 0.0, 0.0, 0) == 1  # NumPy's allclose of nothing
    assert lib.mf_last_status() == lib.MF_OK


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="FE_* values are x86's")
def test_flags_of_where_clip_and_composites_from_c():
    """The caller's flags as NumPy's warnings: isclose none for inf - inf (NumPy ignores
    invalid there), invalid for a NaN tolerance (NumPy's "One of rtol or atol is not
    valid"), overflow for float32's a - b; diff invalid for inf - inf; clip none for NaN."""
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    fe_invalid, fe_overflow, fe_all = 0x01, 0x08, 0x3D
    inf, _ = _c("float64", [np.inf, -np.inf, np.nan, np.inf])
    flags, _ = _c("bool", [False] * 4)
    out, _ = _c("float64", [0.0] * 4)
    big, _ = _c("float32", [3e38, 1.0])
    small, _ = _c("float32", [-3e38, 1.0])
    twin, _ = _c("float64", [np.inf, np.inf])
    cases = [(lambda: lib.mf_isclose_f64(inf, inf + 1, flags, 3, 1e-05, 1e-08, 1), 0),
             (lambda: lib.mf_allclose_f64(inf, inf + 1, 3, 1e-05, 1e-08, 0), 0),
             (lambda: lib.mf_isclose_f64(inf, inf, flags, 4, np.nan, 1e-08, 0), fe_invalid),
             (lambda: lib.mf_allclose_f64(inf, inf, 4, 1e-05, np.inf, 0), fe_invalid),
             (lambda: lib.mf_isclose_f32(big, small, flags, 2, 1e-05, 1e-08, 0), fe_overflow),
             (lambda: lib.mf_diff_f64(inf + 2, out, 2), 0),  # nan, inf: NaN quietly
             (lambda: lib.mf_diff_f64(inf, out, 2), 0),  # -inf - inf: -inf
             (lambda: lib.mf_diff_f64(twin, out, 2), fe_invalid),  # inf - inf: NaN
             (lambda: lib.mf_diff_f64(inf + 3, out, 1), 0),
             (lambda: lib.mf_clip_f64(inf, 0.0, np.nan, out, 4), 0),
             (lambda: lib.mf_where_f64(flags, inf, inf, out, 4), 0)]
    with np.errstate(all="ignore"):
        assert np.isnan(np.diff([np.inf, np.inf]))[0]
    for i, (call, expected) in enumerate(cases):
        libm.feclearexcept(fe_all)
        call()
        assert libm.fetestexcept(fe_invalid | fe_overflow) == expected, i
    libm.feclearexcept(fe_all)


def test_clip_bounds_from_njit_as_numpys_python_scalars():
    """Integer bounds beyond an integer array's range saturate (NumPy 2.1+), None is no
    bound, integer bounds of a float array are cast to it."""
    x = np.array([-5, 0, 7, np.iinfo(np.int32).max], np.int32)
    out = np.empty_like(x)
    for lo, hi in [(-(2**40), 2**40), (None, 3), (-2, None), (None, None), (True, 5)]:
        assert np.array_equal(JITTED["clip"](x, lo, hi, out), np.clip(x, lo, hi)), (lo, hi)
    f = np.array([-2.5, 0.5, np.nan, 9.0], np.float32)
    fo = np.empty_like(f)
    for lo, hi in [(-1, 2**40), (0.1, None), (None, np.nan), (np.float32(0.25), 1.0)]:
        assert_matches(JITTED["clip"](f, lo, hi, fo), np.clip(f, lo, hi), what=f"{lo} {hi}")


def test_where_clip_and_composites_typing_errors():
    x = np.arange(6.0)
    ints = np.arange(6, dtype=np.int64)
    cases = [
        (lambda: JITTED["where"](x, x, x, np.empty(6)), r"where: condition must be a bool array"),
        (lambda: JITTED["where"](np.ones(12, bool)[::2], x, x, np.empty(6)),
         r"where: condition is not C-contiguous"),
        (lambda: JITTED["where"](x > 1, x, ints, np.empty(6)), r"x and y must have one dtype"),
        (lambda: JITTED["where"](x > 1, x, x, np.empty(6, np.float32)),
         r"out has dtype float32, the result of float64"),
        (lambda: JITTED["clip"](ints, 0.5, 3, np.empty(6, np.int64)),
         r"clip: a_min is a float and a is int64"),
        (lambda: JITTED["clip"](ints, np.uint64(1), 3, np.empty(6, np.int64)),
         r"a_min is uint64; pass a signed integer"),
        (lambda: JITTED["clip"](x, x, 3.0, np.empty(6)), r"clip: a_min must be a number"),
        (lambda: JITTED["clip"](x[::2], 0.0, 3.0, np.empty(3)), r"clip: a is not C-contiguous"),
        (lambda: JITTED["diff"](x.reshape(2, 3), np.empty(2)), r"diff: a must be 1-D"),
        (lambda: JITTED["diff"](x, np.empty(5, np.int64)), r"out has dtype int64"),
        (lambda: JITTED["vecdot"](x.reshape(2, 3), x.reshape(2, 3)), r"vecdot: x1 must be 1-D"),
        (lambda: JITTED["vecdot"](x, ints), r"x1 and x2 must have one dtype"),
        (lambda: JITTED["isclose"](x, x, np.empty(6), 1e-05, 1e-08, False),
         r"isclose: out has dtype float64, the result of float64 inputs is bool"),
        (lambda: JITTED["isclose"](x, x, np.empty(6, bool), x, 1e-08, False),
         r"isclose: rtol must be a number"),
        (lambda: JITTED["allclose"](x, x.astype(np.float32), 1e-05, 1e-08, False),
         r"a and b must have one dtype"),
        (lambda: JITTED["allclose"](x.astype(np.uint8), x.astype(np.uint8), 1e-05, 1e-08, False),
         r"allclose: a has dtype uint8; supported"),
        (lambda: JITTED["imag"](x, np.empty(6, np.int64)), r"imag: out has dtype int64"),
    ]
    for call, message in cases:
        with pytest.raises(TypingError, match=message):
            call()


def test_where_clip_and_composites_runtime_errors_from_njit():
    x = np.arange(6.0)
    with pytest.raises(ValueError, match="condition, x, y and out must have one shape"):
        JITTED["where"](x > 2, x, x[:5], np.empty(6))
    with pytest.raises(ValueError, match="overlaps an input without being that same array"):
        JITTED["where"](x[:-1] > 2, x[:-1], x[:-1], x[1:])
    with pytest.raises(ValueError, match="a and out must have one shape"):
        JITTED["clip"](x, 0.0, 1.0, np.empty(5))
    with pytest.raises(ValueError, match="overlaps an input"):
        JITTED["clip"](x[1:], 0.0, 1.0, x[:-1])
    with pytest.raises(ValueError, match=r"out must have a.size - 1 elements"):
        JITTED["diff"](x, np.empty(6))
    with pytest.raises(ValueError, match="overlaps an input"):
        JITTED["diff"](x, x[:-1])
    with pytest.raises(ValueError, match="x1 and x2 must have one size"):
        JITTED["vecdot"](x, x[:3])
    with pytest.raises(ValueError, match="a, b and out must have one shape"):
        JITTED["isclose"](x, x, np.empty(5, bool), 1e-05, 1e-08, False)
    with pytest.raises(ValueError, match="overlaps an input"):
        JITTED["isclose"](x, x, x.view(bool)[:6], 1e-05, 1e-08, False)
    with pytest.raises(ValueError, match="a and b must have one shape"):
        JITTED["allclose"](x, x[:5], 1e-05, 1e-08, False)
    assert JITTED["clip"](x, 1.0, 4.0, x) is x and np.array_equal(x, np.clip(np.arange(6.0), 1, 4))
    assert JITTED["real"](x, x) is x and JITTED["imag"](x, x) is x and not x.any()
    assert JITTED["diff"](x[:1], np.empty(0)).size == 0
    assert JITTED["diff"](x[:0], np.empty(0)).size == 0


def test_defaults_of_isclose_and_allclose_from_njit():
    a = np.array([1.0, 1.0, np.nan, 1e-9])
    b = np.array([1.000001, 1.0001, np.nan, 0.0])
    out = np.empty(4, bool)
    got = njit(lambda a, b, out: mfn.isclose(a, b, out))(a, b, out)
    assert np.array_equal(got, np.isclose(a, b))
    got = njit(lambda a, b, out: mfn.isclose(a, b, out, equal_nan=True))(a, b, out)
    assert np.array_equal(got, np.isclose(a, b, equal_nan=True))
    assert njit(lambda a, b: mfn.allclose(a, b))(a[:1], b[:1]) is True
    assert njit(lambda a, b: mfn.allclose(a, b, atol=1e-5))(a[:2], b[:2]) is False
    assert njit(lambda a, b: mfn.allclose(a, b, atol=2e-4))(a[:2], b[:2]) is True
    assert njit(lambda a, b: mfn.allclose(a, b, 1e-3))(a[:2], b[:2]) is True


def test_python_calls_of_where_clip_and_composite_wrappers():
    """Outside @njit, the wrappers run mathfront's functions (out filled for those whose
    NumPy signature has no out)."""
    x = np.array([3.0, -1.0, np.nan, 2.5])
    y = np.array([3.0, -1.5, np.nan, 0.0])
    out = np.empty(4)
    assert mfn.where(x > 0, x, y, out) is out and np.array_equal(out, np.where(x > 0, x, y),
                                                                 equal_nan=True)
    assert mfn.clip(x, 0, 2, out) is out and np.array_equal(out, np.clip(x, 0, 2), equal_nan=True)
    d = np.empty(3)
    assert mfn.diff(x, d) is d and np.array_equal(d, np.diff(x), equal_nan=True)
    assert mfn.vecdot(x[:2], y[:2]) == np.vecdot(x[:2], y[:2])
    flags = np.empty(4, bool)
    assert mfn.isclose(x, y, flags, 0.0, 0.6, True) is flags
    assert np.array_equal(flags, np.isclose(x, y, 0.0, 0.6, True))
    assert mfn.allclose(x, x, equal_nan=True) is True and mfn.allclose(x, y) is False
    assert mfn.real(x, out) is out and np.array_equal(out, x, equal_nan=True)
    assert mfn.imag(x, out) is out and not out.any()


def test_the_header_says_which_dtypes():
    header = (pathlib.Path(__file__).parent.parent / "src" / "cpp" / "include"
              / "mathfront.h").read_text()
    assert "float32, float64, int32 and int64 only" in " ".join(header.split())
    for name in ("where", "clip", "diff", "vecdot", "isclose", "allclose", "real", "imag"):
        assert f"mf_{name}_" in header, name

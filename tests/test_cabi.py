"""The C ABI (mathfront.h through mathfront.cabi) and its @njit wrappers
(mathfront.numba): every op and dtype from jitted code against NumPy, the
result types the header declares, and every error path."""

from __future__ import annotations

import pathlib
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
    arrays,
    assert_matches,
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
#: The ops with C ABI functions: where, clip and the composites have none yet (design.md).
ABI_OPS = [op for op in OPS if op.kind not in ("ternary", "composite")]
by_op = pytest.mark.parametrize("op", ABI_OPS, ids=lambda op: op.name)


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
    if op.elementwise or op.kind == "scan":
        out = declared.args[op.arity]  # the out pointer
        assert C_TYPES[out.item.cname] == expected.name
        assert declared.result.cname == "int"  # a status
    else:
        assert C_TYPES[declared.result.cname] == expected.name


def jitted(op):
    """An @njit function calling ``mathfront.numba.<op>`` (one per op: compiled per dtype)."""
    fn = getattr(mfn, op.name)
    if op.kind == "binary":
        return njit(lambda a, b, out: fn(a, b, out))
    if op.kind in ("unary", "scan"):
        return njit(lambda x, out: fn(x, out))
    if op.kind == "dot":
        return njit(lambda a, b: fn(a, b))
    if "ddof" in op.extra:
        return njit(lambda x, ddof: fn(x, ddof))
    return njit(lambda x: fn(x))


JITTED = {op.name: jitted(op) for op in ABI_OPS}


@by_op
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

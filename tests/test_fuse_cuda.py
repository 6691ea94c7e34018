"""The cuda engine of fused programs (cuda_numba/fused.py), driven by Programs built
by hand, against NumPy's op-by-op answers written here.

Runs on the CUDA simulator (small arrays) and on a real GPU; CI compiles every
kernel these tests launch to PTX (kernel_record.py, check_ptx.py), so what the
simulator accepts but Numba's compiler would refuse is caught without a GPU.
"""

from __future__ import annotations

import math
import types
import warnings

import mathfront as mf
import numpy as np
import pytest
from mathfront import _tolerance
from mathfront._ops import BY_NAME
from mathfront.fuse._program import CAST, Program, Reduction, Step
from support import SIMULATOR, assert_matches

pytestmark = pytest.mark.skipif(
    not {s.name: s for s in mf.backends()}["cuda"].available,
    reason="no GPU and no simulator (NUMBA_ENABLE_CUDASIM=1)")


def _engine():
    from mathfront import _registry

    return _registry.get("cuda")


class Builder:
    """A Program, register by register: arrays, then scalars, then one per step."""

    def __init__(self, arrays, scalars=()):
        self.arrays, self.scalars, self.steps = tuple(arrays), tuple(scalars), []
        self.inputs = list(range(len(arrays)))
        self.constants = list(range(len(arrays), len(arrays) + len(scalars)))

    def __call__(self, op, *args, loop, dtype=None) -> int:
        self.steps.append(Step(op, tuple(args), loop, dtype or loop))
        return len(self.arrays) + len(self.scalars) + len(self.steps) - 1

    def program(self, *outputs, ndim=2) -> Program:
        return Program(ndim, self.arrays, self.scalars, tuple(self.steps), tuple(outputs))


class Operand:
    """A device view (any strides) of a device copy of ``base``, as a
    ``__cuda_array_interface__`` producer (CuPy or PyTorch arrays are such)."""

    def __init__(self, base: np.ndarray, view):
        from numba import cuda

        self.owner = cuda.to_device(base)
        host = view(base)
        if SIMULATOR:
            a = view(self.owner._ary)
            pointer = a.__array_interface__["data"][0]
        else:
            start = self.owner.__cuda_array_interface__["data"][0]
            pointer = start + host.__array_interface__["data"][0] - base.ctypes.data
        self.shape, self.dtype = host.shape, host.dtype
        self.__cuda_array_interface__ = {"shape": host.shape, "strides": host.strides,
                                         "typestr": host.dtype.str, "data": (pointer, False),
                                         "version": 3}


def _host(x) -> np.ndarray:
    return mf.to_host(x) if hasattr(x, "copy_to_host") else np.asarray(x)


# --- layouts: (base shape for the program's shape, view of the base) -------------------------

LAYOUTS = {
    "contiguous": (lambda s: s, lambda b: b),
    "transposed": (lambda s: s[::-1], lambda b: b.T),
    "negative": (lambda s: (s[0], 2 * s[1]), lambda b: b[::-1, ::-2]),
    "zero": (lambda s: (1, s[1]), lambda b, s=None: b),  # broadcast below
}


def _values(dtype, shape, rng, special=False):
    dtype = np.dtype(dtype)
    if special == "binary":  # 0.0 and 1.0: differences are often zero
        return rng.integers(0, 2, shape).astype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    x = (rng.random(shape) * 4 - 2).astype(dtype)
    if special is True and x.size >= 4:
        x.flat[:4] = [np.nan, np.inf, -np.inf, -0.0]
    return x


def _operands(dtypes, shape, layout, rng, special=False):
    """(device operands, the same as host arrays) of ``shape`` in ``layout``."""
    device, host = [], []
    for i, dtype in enumerate(dtypes):
        kind = layout if i == 0 or layout != "zero" else "contiguous"  # mix layouts
        if len(shape) != 2:
            kind = "contiguous"
        base_shape, view = LAYOUTS[kind]
        base = _values(dtype, base_shape(shape) if len(shape) == 2 else shape, rng, special)
        if kind == "zero":
            view = lambda b, s=shape: np.broadcast_to(b, s)  # noqa: E731
        device.append(Operand(base, view))
        host.append(view(base))
    return device, host


def _run(program, arrays, scalars, outs=None):
    run = _engine().fused(program)
    assert run is not None
    if outs is None:
        from numba import cuda

        shape = tuple(arrays[0].shape)
        outs = [None if isinstance(o, Reduction) else
                cuda.device_array(shape, program.dtypes[o]) for o in program.outputs]
    return run(arrays, scalars, outs)


def _check(got, expected, what, rtol=0.0):
    got = _host(got)
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, NumPy {expected.dtype}"
    assert_matches(got, np.asarray(expected), rtol=rtol, what=what)


# --- elementwise programs ---------------------------------------------------------------------

def _axpby():
    b = Builder(["float64", "float64"], ["float64", "float64"])
    (a, x), (two, three) = b.inputs, b.constants
    return b.program(b("add", b("multiply", two, a, loop="float64"),
                       b("multiply", three, x, loop="float64"), loop="float64")), \
        [np.float64(2), np.float64(3)], lambda a, x: [2.0 * a + 3.0 * x]


def _int_to_float():
    b = Builder(["int32", "float64"], ["float64"])
    (a, x), (k,) = b.inputs, b.constants
    c = b(CAST, a, loop="int32", dtype="float64")
    return b.program(b("add", b("multiply", c, k, loop="float64"), x, loop="float64")), \
        [np.float64(2.5)], lambda a, x: [a.astype(np.float64) * 2.5 + x]


def _hypot():
    b = Builder(["float64", "float64"], ["float64"])
    (a, x), (two,) = b.inputs, b.constants
    s = b("add", b("power", a, two, loop="float64"), b("power", x, two, loop="float64"),
          loop="float64")
    return b.program(b("sqrt", s, loop="float64")), [np.float64(2)], \
        lambda a, x: [np.sqrt(np.power(a, 2.0) + np.power(x, 2.0))]


def _where():
    b = Builder(["float64", "float64"], ["float64"])
    (a, x), (half,) = b.inputs, b.constants
    cond = b("greater", a, half, loop="float64", dtype="bool")
    return b.program(b("where", cond, b("multiply", a, x, loop="float64"),
                       b("subtract", x, a, loop="float64"), loop="float64")), \
        [np.float64(0.5)], lambda a, x: [np.where(a > 0.5, a * x, x - a)]


def _float32():
    b = Builder(["float32", "float32"], ["float32"])
    (a, x), (k,) = b.inputs, b.constants
    y = b("add", b("multiply", a, k, loop="float32"), b("exp", x, loop="float32"),
          loop="float32")
    return b.program(y, b("clip", y, x, k, loop="float32")), [np.float32(0.1)], \
        lambda a, x: [a * np.float32(0.1) + np.exp(x),
                      np.clip(a * np.float32(0.1) + np.exp(x), x, np.float32(0.1))]


def _int8_wraps():
    b = Builder(["int8", "int8"], ["int8", "int8"])
    (a, x), (k, zero) = b.inputs, b.constants
    y = b("add", b("multiply", a, x, loop="int8"), k, loop="int8")
    # Compared and divided after wrapping: wrong if a step kept Numba's int64.
    return b.program(y, b("subtract", b("negative", a, loop="int8"), x, loop="int8"),
                     b("greater", y, zero, loop="int8", dtype="bool"),
                     b("floor_divide", y, b("add", x, k, loop="int8"), loop="int8")), \
        [np.int8(100), np.int8(0)], lambda a, x: [
        a * x + np.int8(100), -a - x, a * x + np.int8(100) > 0,
        (a * x + np.int8(100)) // (x + np.int8(100))]


def _uint_wraps():
    b = Builder(["uint8", "uint64"])
    a, x = b.inputs
    wide = b(CAST, a, loop="uint8", dtype="uint64")
    return b.program(b("subtract", wide, x, loop="uint64"),
                     b("multiply", b(CAST, x, loop="uint64", dtype="uint8"), a, loop="uint8")), \
        [], lambda a, x: [a.astype(np.uint64) - x, x.astype(np.uint8) * a]


def _casts():
    b = Builder(["float64", "int32"])
    a, i = b.inputs
    return b.program(b(CAST, a, loop="float64", dtype="int8"),
                     b(CAST, a, loop="float64", dtype="uint8"),
                     b(CAST, a, loop="float64", dtype="int32"),
                     b(CAST, i, loop="int32", dtype="int8"),
                     b(CAST, a, loop="float64", dtype="bool"),
                     b(CAST, i, loop="int32", dtype="float32"),
                     b(CAST, b(CAST, i, loop="int32", dtype="bool"), loop="bool",
                       dtype="float64")), \
        [], lambda a, i: [a.astype(np.int8), a.astype(np.uint8), a.astype(np.int32),
                          i.astype(np.int8), a.astype(bool), i.astype(np.float32),
                          i.astype(bool).astype(np.float64)]


def _masks():
    b = Builder(["float64", "float64", "bool"], ["float64", "float64"])
    (a, x, m), (zero, half) = b.inputs, b.constants
    mask = b("bitwise_and", b("greater", a, zero, loop="float64", dtype="bool"),
             b("less", x, half, loop="float64", dtype="bool"), loop="bool")
    either = b("bitwise_or", b("invert", mask, loop="bool"), m, loop="bool")
    both = b("add", mask, m, loop="bool")  # bool + bool: logical or, as NumPy's
    return b.program(mask, either, both, b("where", either, a, zero, loop="float64"),
                     b(CAST, both, loop="bool", dtype="float64")), [
        np.float64(0), np.float64(0.5)], lambda a, x, m: [
        (a > 0) & (x < 0.5), ~((a > 0) & (x < 0.5)) | m, ((a > 0) & (x < 0.5)) + m,
        np.where(~((a > 0) & (x < 0.5)) | m, a, 0.0),
        (((a > 0) & (x < 0.5)) + m).astype(np.float64)]


ELEMENTWISE = {"2a+3b": _axpby, "int32->float64": _int_to_float, "sqrt(a**2+b**2)": _hypot,
               "where": _where, "float32": _float32, "int8 wraps": _int8_wraps,
               "uint wraps": _uint_wraps, "casts": _casts, "bool masks": _masks}
#: Programs with transcendental steps: the single ops' tolerance (a few ulps on a GPU).
INEXACT = {"sqrt(a**2+b**2)": 4 * np.finfo(np.float64).eps,
           "float32": 4 * np.finfo(np.float32).eps}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_elementwise_programs(name, layout):
    program, scalars, expected = ELEMENTWISE[name]()
    rng = np.random.default_rng(len(name))
    special = name in ("casts", "where", "float32")
    device, host = _operands(program.array_dtypes, (3, 5), layout, rng, special)
    got = _run(program, device, scalars)
    with np.errstate(all="ignore"):
        wanted = expected(*host)
    assert len(got) == len(wanted)
    for i, (g, e) in enumerate(zip(got, wanted, strict=True)):
        _check(g, e, f"{name} ({layout}) output {i}", INEXACT.get(name, 0.0))


_FMOD = []


def _cpu_fmod(numba):
    """math.fmod for Numba's CPU target (the CUDA target has its own; float-to-int
    casts use it), as C's fmod: np.fmod."""
    if not _FMOD:
        from numba.extending import overload

        @overload(math.fmod, target="cpu")
        def fmod(x, y):
            return lambda x, y: np.fmod(x, y)

        _FMOD.append(fmod)


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_elementwise_programs_compiled_by_numba_give_numpys_results(name):
    """The generated kernel njit-ed for the CPU: Numba's compiled typing, which a GPU
    shares (int8 * int8 is int64, bool + bool an int) and the simulator does not
    (it runs NumPy scalars), against NumPy on values that overflow each width."""
    numba = pytest.importorskip("numba")
    pytest.importorskip("numba_cuda")
    from mathfront.cuda_numba import fused

    _cpu_fmod(numba)
    program, scalars, expected = ELEMENTWISE[name]()
    jit = numba.njit(error_model="numpy")  # the CUDA target's: 1.0 / 0 is inf
    text, namespace = fused.source(program, "elementwise", 1, 0, "contiguous", jit=jit)
    one_thread = types.ModuleType("one_thread_cuda")
    one_thread.grid = numba.njit(lambda n: 0)
    one_thread.gridsize = numba.njit(lambda n: 1)
    namespace["cuda"] = one_thread
    exec(text, namespace)
    kernel = jit(namespace["kernel"])
    rng = np.random.default_rng(10)
    n = 64
    host = [_values(d, (n,), rng, special=True) for d in program.array_dtypes]
    with np.errstate(all="ignore"):
        wanted = expected(*host)
    got = [np.empty(n, np.uint8 if e.dtype == bool else e.dtype) for e in wanted]
    args = [n, (n,)]
    for x in got + host:
        args += [x.view(np.uint8) if x.dtype == bool else x, 0, (1,)]
    with np.errstate(all="ignore"):
        kernel(*args, *scalars)
    for i, (g, e) in enumerate(zip(got, wanted, strict=True)):
        _check(g.view(bool) if e.dtype == bool else g, e, f"njit {name} output {i}",
               INEXACT.get(name, 0.0))


@pytest.mark.parametrize("shape", [(), (0, 4), (7,), (2, 1, 3)])
def test_elementwise_shapes(shape):
    """0-d, empty, 1-D and N-D with a length-1 axis."""
    program, scalars, expected = _where()
    rng = np.random.default_rng(1)
    host = [_values("float64", shape, rng) for _ in range(2)]
    from numba import cuda

    got = _run(program, [cuda.to_device(x) for x in host], scalars)
    _check(got[0], expected(*host)[0], f"where {shape}")


def test_inputs_not_broadcast_are_broadcast_by_the_engine():
    """(3, 1) with (4,): the engine gives the broadcast shape (3, 4), zero strides."""
    program, scalars, expected = _where()
    from numba import cuda

    rng = np.random.default_rng(11)
    a, x = _values("float64", (3, 1), rng), _values("float64", (4,), rng)
    (got,) = _run(program, [cuda.to_device(a), cuda.to_device(x)], scalars,
                  outs=[cuda.device_array((3, 4))])
    _check(got, expected(a, x)[0], "broadcast")
    b, r = _squared_difference()
    program = b.program(Reduction("sum", r, None, "float64"), Reduction("argmax", r, 0, "int64"))
    total, arg = _run(program, [cuda.to_device(a), cuda.to_device(x)], [])
    _check_reduction(total, "sum", (a - x) ** 2, None, "float64", "sum, broadcast")
    _check(arg, np.argmax((a - x) ** 2, axis=0), "argmax, broadcast")


def test_out_may_be_an_input():
    """Each element is read before it is written: out may be an input's memory."""
    program, scalars, _ = _axpby()
    from numba import cuda

    rng = np.random.default_rng(2)
    a, x = (_values("float64", (4, 3), rng) for _ in range(2))
    da = cuda.to_device(a)
    (got,) = _run(program, [da, cuda.to_device(x)], scalars, outs=[da])
    assert got is da
    _check(da, 2.0 * a + 3.0 * x, "out is a")


def test_host_in_host_out():
    program, scalars, expected = _hypot()
    rng = np.random.default_rng(3)
    a, x = (_values("float64", (3, 4), rng) for _ in range(2))
    out = np.full((3, 4), 7.0)
    (got,) = _engine().fused(program)([a, x], scalars, [out])
    assert got is out
    _check(out, expected(a, x)[0], "host in", INEXACT["sqrt(a**2+b**2)"])


def test_host_and_device_together_are_refused():
    program, scalars, _ = _axpby()
    from numba import cuda

    a = np.ones((2, 2))
    with pytest.raises(TypeError, match="host and device"):
        _engine().fused(program)([a, cuda.to_device(a)], scalars, [None])


@pytest.mark.parametrize("exponent", ["scalar", "array", "step"])
def test_negative_integer_exponents_raise_before_anything_is_written(exponent):
    """As NumPy's power: a ValueError for any negative exponent, out left as it was."""
    b = Builder(["int32", "int32"], ["int32"])
    (a, x), (k,) = b.inputs, b.constants
    power = {"scalar": k, "array": x, "step": b("subtract", x, k, loop="int32")}[exponent]
    program = b.program(b("power", a, power, loop="int32"))
    from numba import cuda

    base = np.arange(6, dtype=np.int32).reshape(2, 3)
    cases = {"scalar": [(base, -3, True), (base, 2, False)],
             "array": [(base - 1, 0, True), (base, 0, False)],
             "step": [(base, 3, True), (base, 0, False)]}[exponent]
    for exponents, k_value, fails in cases:
        out = cuda.to_device(np.full((2, 3), 7, np.int32))
        run = _engine().fused(program)
        args = ([cuda.to_device(base), cuda.to_device(exponents)], [np.int32(k_value)], [out])
        if fails:
            with pytest.raises(ValueError, match="negative integer powers"):
                run(*args)
            np.testing.assert_array_equal(_host(out), 7)
        else:
            run(*args)
            e = base ** {"scalar": k_value, "array": exponents,
                         "step": exponents - k_value}[exponent]
            _check(out, e.astype(np.int32), f"power {exponent}")


def test_a_step_without_a_device_function_is_not_fused():
    b = Builder(["float64"])
    program = b.program(b("cumsum", 0, loop="float64"))
    assert _engine().fused(program) is None


# --- reductions -------------------------------------------------------------------------------

def _squared_difference(dtype="float64"):
    """(a - b)**2 as register r, for the reductions below."""
    b = Builder([dtype, dtype])
    a, x = b.inputs
    d = b("subtract", a, x, loop=dtype)
    return b, b("multiply", d, d, loop=dtype)


REDUCED = {"sum": "float64", "mean": "float64", "prod": "float64", "min": "float64",
           "max": "float64", "var": "float64", "std": "float64", "argmin": "int64",
           "argmax": "int64", "any": "bool", "all": "bool", "count_nonzero": "int64"}


def _numpy(op, x, axis, ddof=0):
    if op == "count_nonzero":
        return np.asarray(np.count_nonzero(x, axis=axis), np.int64)
    extra = {"ddof": ddof} if op in ("var", "std") else {}
    return np.asarray(getattr(np, op)(x, axis=axis, **extra))


def _check_reduction(got, op, x, axis, result_dtype, what, ddof=0):
    expected = _numpy(op, x, axis, ddof).astype(result_dtype)
    axes = tuple(range(x.ndim)) if axis is None else (axis,)
    atol, rtol = _tolerance.reduction(BY_NAME[op], x, axes, ddof, result_dtype)
    if isinstance(atol, np.ndarray):
        atol = atol.reshape(expected.shape) if atol.size == expected.size else atol.max()
    got = _host(got)
    assert got.dtype == expected.dtype and got.shape == expected.shape, what
    assert_matches(got, expected, atol=atol, rtol=rtol, what=what)


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("op", list(REDUCED))
def test_reductions_of_an_expression(op, axis):
    """sum((a-b)**2) and the others, over every axis (fused) and one (staged)."""
    b, r = _squared_difference()
    ddof = 1 if op in ("var", "std") else 0
    layout = "transposed" if axis == 1 else "negative" if axis == 0 else "zero"
    program = b.program(r, Reduction(op, r, axis, REDUCED[op], ddof))
    rng = np.random.default_rng(4)
    logical = "binary" if op in ("any", "all", "count_nonzero") else False  # some zeros
    device, host = _operands(program.array_dtypes, (5, 9), layout, rng, logical)
    elementwise, reduced = _run(program, device, [])
    x = (host[0] - host[1]) ** 2
    _check(elementwise, x, f"{op} elementwise")
    _check_reduction(reduced, op, x, axis, REDUCED[op], f"{op} axis={axis} ({layout})", ddof)


def test_several_reductions_in_one_pass_and_one_staged():
    """Five all-axes reductions: four fused in the kernel, the fifth staged."""
    b, r = _squared_difference()
    ops = ["sum", "max", "var", "argmin", "mean"]
    program = b.program(*(Reduction(op, r, None, REDUCED[op]) for op in ops))
    rng = np.random.default_rng(5)
    device, host = _operands(program.array_dtypes, (6, 7), "negative", rng)
    got = _run(program, device, [])
    x = (host[0] - host[1]) ** 2
    for op, g in zip(ops, got, strict=True):
        _check_reduction(g, op, x, None, REDUCED[op], op)


@pytest.mark.parametrize("n", [0, 1, 200])
def test_reductions_of_few_and_many_elements(n):
    """No elements (the identities, NaN means), one, and several chunks (combined)."""
    b, r = _squared_difference("float32")
    ops = ["sum", "mean", "any", "all", "count_nonzero"]
    program = b.program(*(Reduction(op, r, None, "float32" if op in ("sum", "mean")
                                    else REDUCED[op]) for op in ops), ndim=1)
    rng = np.random.default_rng(6)
    host = [_values("float32", (n,), rng) for _ in range(2)]
    from numba import cuda

    got = _run(program, [cuda.to_device(h) for h in host], [])
    x = (host[0] - host[1]) ** 2
    for op, g in zip(ops, got, strict=True):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy's mean of nothing warns
            _check_reduction(g, op, x, None, "float32" if op in ("sum", "mean")
                             else REDUCED[op], f"{op} of {n}")


@pytest.mark.parametrize(("shape", "axis"), [((3, 70), 1), ((70, 3), 0), ((2, 3, 40), 1),
                                             ((4, 1, 30), 2), ((3, 0), 1), ((0, 3), 1)])
def test_axis_reductions_in_chunks_and_per_output(shape, axis):
    """Over one axis: one thread per output (short), blocks of chunks combined (long),
    kept axes on both sides, empty reduced and kept axes."""
    b, r = _squared_difference()
    ops = ["sum", "argmax", "var", "all"]
    program = b.program(r, *(Reduction(op, r, axis, REDUCED[op]) for op in ops),
                        ndim=len(shape))
    rng = np.random.default_rng(12)
    host = [_values("float64", shape, rng, "binary" if i else False) for i in range(2)]
    host[0] = host[0][..., ::-1]  # a negative stride on the last axis
    device = [Operand(np.ascontiguousarray(h[..., ::-1]), lambda v: v[..., ::-1]) if i == 0
              else Operand(h, lambda v: v) for i, h in enumerate(host)]
    got = _run(program, device, [])
    x = (host[0] - host[1]) ** 2
    _check(got[0], x, "elementwise")
    for op, g in zip(ops, got[1:], strict=True):
        if op == "argmax" and 0 in shape:
            continue  # NumPy refuses it (the front end checks before the engine runs)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _check_reduction(g, op, x, axis, REDUCED[op], f"{op} {shape} axis={axis}")


def test_integer_and_bool_reductions():
    """sum of int8 products (int64, NumPy's), wrap-around in the step first; a mask counted."""
    b = Builder(["int8", "int8", "float64"], ["float64"])
    (a, x, f), (half,) = b.inputs, b.constants
    p = b("multiply", a, x, loop="int8")
    mask = b("greater", f, half, loop="float64", dtype="bool")
    program = b.program(Reduction("sum", p, None, "int64"), Reduction("max", p, 1, "int8"),
                        Reduction("sum", mask, None, "int64"), Reduction("any", mask, 0, "bool"),
                        Reduction("argmax", mask, None, "int64"))
    rng = np.random.default_rng(7)
    device, host = _operands(program.array_dtypes, (4, 6), "transposed", rng)
    got = _run(program, device, [np.float64(0.5)])
    prod = host[0] * host[1]
    m = host[2] > 0.5
    for g, e, what in zip(got, [np.sum(prod), np.max(prod, axis=1), np.sum(m), np.any(m, axis=0),
                                np.argmax(m)], ["sum", "max", "count", "any", "argmax"],
                          strict=True):
        _check(g, np.asarray(e), what)


def test_a_reduction_of_an_input_itself():
    b = Builder(["float64"])
    program = b.program(Reduction("argmin", 0, None, "int64"), Reduction("std", 0, 0, "float64"))
    rng = np.random.default_rng(8)
    device, host = _operands(program.array_dtypes, (3, 5), "negative", rng, special=False)
    argmin, std = _run(program, device, [])
    _check(argmin, np.asarray(np.argmin(host[0])), "argmin")
    _check_reduction(std, "std", host[0], 0, "float64", "std")


def test_kernels_are_cached_per_program():
    from mathfront.cuda_numba import fused

    program, scalars, _ = _axpby()
    from numba import cuda

    a = cuda.to_device(np.ones((2, 3)))
    _run(program, [a, a], scalars)
    count = len(fused._KERNELS)
    _run(_axpby()[0], [a, a], scalars)  # an equal program, built again
    assert len(fused._KERNELS) == count


@pytest.mark.gpu
def test_large_fused_programs_on_a_gpu():
    from numba import cuda

    rng = np.random.default_rng(9)
    a, x = rng.random(1 << 22), rng.random(1 << 22)
    program, scalars, expected = _where()
    (got,) = _run(program, [cuda.to_device(a), cuda.to_device(x)], scalars)
    _check(got, expected(a, x)[0], "where, 4M")
    b, r = _squared_difference()
    program = b.program(Reduction("sum", r, None, "float64"), Reduction("var", r, None, "float64"))
    total, var = _run(program, [cuda.to_device(a), cuda.to_device(x)], [])
    _check_reduction(total, "sum", (a - x) ** 2, None, "float64", "sum, 4M")
    _check_reduction(var, "var", (a - x) ** 2, None, "float64", "var, 4M")


def test_programs_in_float16_are_not_taken():
    """uint8's math computes in float16, which no device function takes (as for single
    ops): the engine declines the program, and host calls run on the numpy engine."""
    a = np.arange(1, 6, dtype=np.uint8)
    f = mf.fuse(lambda a, b: mf.nextafter(a, b) * 2.0)
    np.testing.assert_array_equal(f(a, a[::-1], backend="cuda"),
                                  np.nextafter(a, a[::-1]) * 2.0, strict=True)
    with pytest.raises(TypeError, match="cannot fuse this program"):
        f(mf.to_device(a), mf.to_device(a[::-1]), backend="cuda")


# --- the front end with device arrays: broadcasting and out= ----------------------------------

def _device(x):
    from numba import cuda

    return cuda.to_device(np.array(x, order="C"))  # (ascontiguousarray makes 0-d 1-d)


def test_device_inputs_of_different_shapes_are_broadcast():
    rng = np.random.default_rng(21)
    a, b = _values("float64", (3, 1), rng), _values("float32", (4,), rng)
    got = mf.fuse(lambda a, b: mf.where(a > b, a * b, b - 1))(_device(a), _device(b))
    _check(got, np.where(a > b, a * b, b - 1), "device broadcast")
    total = mf.fuse(lambda a, b: mf.sum((a - b) ** 2, axis=0))(_device(a), _device(b))
    _check(total, np.sum((a - b) ** 2, axis=0), "device broadcast, sum over axis 0")


def test_device_out_of_the_results_dtype_is_written_in_place():
    rng = np.random.default_rng(22)
    a, b = _values("float64", (3, 4), rng), _values("float64", (3, 4), rng)
    out = _device(np.zeros((3, 4)))
    got = mf.fuse(lambda a, b: a * b + 1)(_device(a), _device(b), out=out)
    assert got is out
    _check(out, a * b + 1, "device out")
    da = _device(a)
    assert mf.fuse(lambda a, b: a * b + 1)(da, _device(b), out=da) is da
    _check(da, a * b + 1, "device out is an input")


@pytest.mark.parametrize("case", ["shifted", "reversed", "transposed"])
def test_device_out_partially_overlapping_an_input_gives_numpys_answer(case):
    if case == "transposed":  # views of one device array, as NumPy's of one host array
        base, a, out = np.arange(16.0).reshape(4, 4), (lambda d: d), (lambda d: d.T)
    elif case == "shifted":
        base, a, out = np.arange(10.0), (lambda d: d[1:]), (lambda d: d[:-1])
    else:
        base, a, out = np.arange(10.0), (lambda d: d), (lambda d: d[::-1])
    want = a(base) * 2 + 1
    d = _device(base)
    got = mf.fuse(lambda a: a * 2 + 1)(a(d), out=out(d))
    _check(got, want, f"device out {case}")
    _check(out(mf.to_host(d)), want, f"device out {case}, in its memory")


def test_device_out_of_another_dtype_casts_as_numpy():
    a = np.array([1.5, -2.5, 3.75, 0.0])
    da = _device(a)
    f32 = _device(np.zeros(4, np.float32))
    mf.fuse(lambda a: a * 2)(da, out=f32)
    _check(f32, (a * 2).astype(np.float32), "float64 into float32")
    ints = _device(np.zeros(4, np.int32))
    with pytest.raises(TypeError, match="same_kind"):
        mf.fuse(lambda a: a * 2)(da, out=ints)
    assert not mf.to_host(ints).any()  # nothing written
    mf.fuse(lambda a: a * 2)(da, out=ints, casting="unsafe")
    _check(ints, (a * 2).astype(np.int32), "float64 into int32, unsafe")
    flags = _device(np.zeros(4, bool))
    mf.fuse(lambda a: a * 2)(da, out=flags, casting="unsafe")
    _check(flags, (a * 2).astype(bool), "float64 into bool, unsafe")


def test_device_out_for_reductions_and_tuples():
    rng = np.random.default_rng(23)
    a = _values("float64", (3, 4), rng)
    o1, o2 = _device(np.zeros((3, 4))), _device(np.zeros((1, 4)))
    fn = mf.fuse(lambda a: (a + 1, mf.max(a, axis=0, keepdims=True)))
    got = fn(_device(a), out=(o1, o2))
    assert got[0] is o1 and got[1] is o2
    _check(o1, a + 1, "tuple out 0")
    _check(o2, np.max(a, axis=0, keepdims=True), "keepdims max into out")
    total = _device(np.zeros((), np.float32))
    got = mf.fuse(lambda a: mf.sum(a * a))(_device(a), out=total)
    assert got is total
    _check(total, np.float32(np.sum(a * a)), "sum into a float32 out")
    twice = _device(np.zeros((3, 4)))
    r = mf.fuse(lambda a: (a * 3, a * 3, a))(_device(a), out=(None, twice, None))
    _check(twice, a * 3, "a result given twice")
    _check(r[0], a * 3, "its other copy")
    same = _device(np.zeros((3, 4)))
    mf.fuse(lambda a: (a * 3, a))(_device(a), out=(None, same))
    _check(same, a, "a result that is an input")


def test_device_out_errors_before_anything_is_written():
    a = np.ones(4)
    da, out = _device(a), _device(np.zeros(4))
    with pytest.raises(TypeError, match="device array"):
        mf.fuse(lambda a: a + 1)(da, out=np.zeros(4))
    with pytest.raises(ValueError, match="shape"):
        mf.fuse(lambda a: (a + 1, a * 2))(da, out=(out, _device(np.zeros(3))))
    with pytest.raises(TypeError, match="host and device"):
        mf.fuse(lambda a: a + 1)(a, out=out)
    with pytest.raises(TypeError, match="host"):
        mf.fuse(lambda a: a + 1)(da, out=out, backend="cpp")
    assert not mf.to_host(out).any()

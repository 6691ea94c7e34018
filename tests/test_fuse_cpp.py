"""The cpp engine's fused evaluator (CppBackend.fused, core/fused.cpp) on hand-built
programs, against NumPy evaluating the same program op by op (written here)."""

import dataclasses
import warnings

import mathfront as mf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mathfront.fuse._program import CAST, Program, Reduction, Step
from support import assert_matches, with_layout

pytestmark = pytest.mark.skipif(
    not {s.name: s.available for s in mf.backends()}["cpp"], reason="cpp is not built"
)

BLOCK = 2048  # core/fused.cpp's kBlock: sizes around it and its multiples


@pytest.fixture(scope="module")
def cpp():
    from mathfront import _registry
    return _registry.get("cpp")


@pytest.fixture
def threads():
    saved = mf.get_num_threads()
    yield mf.set_num_threads
    mf.set_num_threads(saved)


# --- building programs, and NumPy's op-by-op answer --------------------------------------

class Builder:
    """Registers of a program under construction; the result dtype of each step is
    what NumPy's own function gives on operands of the loop dtype."""

    def __init__(self, arrays, scalars=()):
        self.arrays = tuple(np.dtype(d).name for d in arrays)
        self.scalars = tuple(np.dtype(d).name for d in scalars)
        self.dtypes = [*self.arrays, *self.scalars]
        self.steps = []

    def __call__(self, op, *args, loop=None):
        loop = loop or self.dtypes[args[-1]]
        if op == CAST:
            dtype = loop
        else:
            samples = [np.ones(1, self.dtypes[a]) for a in args]
            dtype = numpy_step(op, samples).dtype.name
        self.steps.append(Step(op, tuple(args), loop, dtype))
        self.dtypes.append(dtype)
        return len(self.dtypes) - 1

    def cast(self, reg, dtype):
        return self(CAST, reg, loop=np.dtype(dtype).name)

    def program(self, ndim, *outputs):
        return Program(ndim, self.arrays, self.scalars, tuple(self.steps), tuple(outputs))


NUMPY_NAMES = {"mod": "remainder"}


def numpy_step(op, args, dtype=None):
    if op == CAST:
        return np.asarray(args[0]).astype(dtype)
    return getattr(np, NUMPY_NAMES.get(op, op))(*args)


def numpy_reduce(red, x):
    extra = {"ddof": red.ddof} if red.op in ("var", "std") else {}
    result = getattr(np, red.op)(x, axis=red.axis, **extra)
    return np.asarray(result, red.dtype)


def numpy_run(program, arrays, scalars):
    """The program evaluated op by op with NumPy (its warnings silenced)."""
    regs = [*arrays, *scalars]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in program.steps:
            regs.append(np.asarray(numpy_step(s.op, [regs[a] for a in s.args], s.dtype)))
        out = []
        for o in program.outputs:
            if isinstance(o, Reduction):
                out.append(numpy_reduce(o, np.broadcast_to(regs[o.arg], arrays[0].shape)))
            else:
                out.append(np.broadcast_to(regs[o], arrays[0].shape))
    return out


def run(cpp, program, arrays, scalars=(), outs=None):
    fn = cpp.fused(program)
    if outs is None:
        outs = [None if isinstance(o, Reduction) else np.empty(arrays[0].shape, program.dtypes[o])
                for o in program.outputs]
    typed = [np.dtype(d).type(v) for d, v in zip(program.scalar_dtypes, scalars, strict=True)]
    return fn(arrays, typed, outs)


def check(cpp, program, arrays, scalars=(), rtol=0.0, outs=None):
    want = numpy_run(program, arrays, [np.dtype(d).type(v) for d, v in
                                       zip(program.scalar_dtypes, scalars, strict=True)])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = run(cpp, program, arrays, scalars, outs)
    assert len(got) == len(want)
    for g, w, o in zip(got, want, program.outputs, strict=True):
        tol = rtol if isinstance(o, Reduction) or np.dtype(w.dtype).kind == "f" else 0.0
        assert_matches(np.asarray(g), np.asarray(w), rtol=tol, what=str(o))
    return got


# --- the programs ------------------------------------------------------------------------

def axpby(dtype="float64"):
    """2*a + 3*b."""
    b = Builder([dtype, dtype], [dtype, dtype])
    return b.program(1, b("add", b("multiply", 2, 0), b("multiply", 3, 1))), (2, 3)


def hypot():
    """sqrt(a*a + b*b)."""
    b = Builder(["float64", "float64"])
    return b.program(1, b("sqrt", b("add", b("multiply", 0, 0), b("multiply", 1, 1)))), ()


def select():
    """where(a > 0.5, a*b, b - a)."""
    b = Builder(["float64", "float64"], ["float64"])
    mask = b("greater", 0, 2)
    return b.program(1, b("where", mask, b("multiply", 0, 1), b("subtract", 1, 0))), (0.5,)


def squared_distance(op="sum", axis=None, ddof=0):
    """op((a - b)**2) with power's scalar 2."""
    b = Builder(["float64", "float64"], ["float64"])
    d = b("power", b("subtract", 0, 1), 2)
    dtype = np.asarray(getattr(np, op)(np.ones((2, 2)), axis=axis)).dtype.name
    return b, d, dtype


ELEMENTWISE = {"axpby": axpby, "hypot": hypot, "where": select}
LAYOUTS = ("contiguous", "transposed", "reversed", "strided", "broadcast", "fortran")


def inputs(shape, n=2, dtype="float64", seed=0, layouts=("contiguous",) * 2):
    rng = np.random.default_rng(seed)
    return [with_layout(rng.random(shape).astype(dtype), layouts[i % len(layouts)])
            for i in range(n)]


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", [(), (0,), (1,), (7,), (BLOCK,), (3 * BLOCK + 17,), (5, 0),
                                   (37, 41), (300, 3), (2, 3, 4, 5)])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_elementwise_programs(cpp, name, shape, layout):
    program, scalars = ELEMENTWISE[name]()
    program = dataclasses.replace(program, ndim=len(shape))
    arrays = inputs(shape, layouts=(layout, "contiguous"))
    check(cpp, program, arrays, scalars)


def test_one_array_broadcast_along_an_axis(cpp):
    """A row and a column broadcast to (500, 300): uniform within blocks, gathered across."""
    program, scalars = axpby()
    program = dataclasses.replace(program, ndim=2)
    rng = np.random.default_rng(1)
    a = np.broadcast_to(rng.random((500, 1)), (500, 300))
    b = np.broadcast_to(rng.random(300), (500, 300))
    check(cpp, program, [a, b], scalars)
    check(cpp, program, [b.T, a.T], scalars)


def test_output_strided_and_transposed(cpp):
    program, scalars = axpby()
    program = dataclasses.replace(program, ndim=2)
    a, b = inputs((300, 50))
    for out in (np.empty((50, 300)).T, np.empty((600, 50))[::2], np.empty((300, 50))[::-1]):
        got = check(cpp, program, [a, b], scalars, outs=[out])
        assert got[0] is out


def test_out_is_an_input(cpp):
    """out= the very memory of an input (same strides): NumPy's answer, as single ops."""
    program, _ = hypot()
    for shape in [(10 * BLOCK + 5,), (301, 7)]:
        prog = dataclasses.replace(program, ndim=len(shape))
        for layout in ("contiguous", "transposed", "reversed"):
            x, y = inputs(shape, layouts=(layout,))
            want = np.sqrt(x * x + y * y)
            got = run(cpp, prog, [x, y], outs=[y])
            assert got[0] is y
            np.testing.assert_array_equal(y, want)


def test_two_outputs_one_pass(cpp):
    b = Builder(["float32", "float32"], ["float32"])
    s = b("add", 0, 1)
    p = b.program(1, s, b("multiply", s, 2), Reduction("sum", s, None, "float32"))
    check(cpp, p, inputs((5 * BLOCK + 3,), dtype="float32"), (1.5,), rtol=1e-5)


# --- casts and integers ------------------------------------------------------------------

SPECIAL = np.array([np.nan, np.inf, -np.inf, 1e20, -1e20, 300.7, -300.7, -1.5, 4e9, -4e9, 1.8e19,
                    3e19, 2.0**63, 5e18, -5e18, 0.0, -0.0, 0.5, 2.0**31, 2.0**32 - 1, -2.0**31])
ALL = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
       "float32", "float64")


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_casts_are_astypes(cpp, source, target):
    """NumPy's unsafe casts, NaN and out-of-range floats included (x86-64's answers)."""
    if source == target:
        return
    with np.errstate(all="ignore"):
        x = np.concatenate([SPECIAL, np.random.default_rng(3).normal(0, 1e6, 200)]).astype(source)
    b = Builder([source])
    p = b.program(1, b.cast(0, target))
    with np.errstate(all="ignore"):
        want = x.astype(target)
        got = run(cpp, p, [x])[0]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(run(cpp, p, [x[::-3]])[0], want[::-3])


def test_invalid_cast_warns_as_numpy(cpp):
    b = Builder(["float64"])
    p = b.program(1, b.cast(0, "int32"))
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        run(cpp, p, [np.array([1.0, np.nan])])
    with np.errstate(invalid="raise"):
        np.testing.assert_array_equal(run(cpp, p, [np.array([1.9, -2.9])])[0], [1, -2])


def test_int32_to_float64_program(cpp):
    """(int32 a) * 2.5 + b: the cast the tracer inserts, then float64 arithmetic."""
    b = Builder(["int32", "float64"], ["float64"])
    p = b.program(1, b("add", b("multiply", b.cast(0, "float64"), 2), 1))
    x = np.arange(-5000, 5001, dtype=np.int32)
    check(cpp, p, [x, np.linspace(0, 1, x.size)], (2.5,))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "uint32", "int64"])
def test_integer_wraparound(cpp, dtype):
    b = Builder([dtype, dtype], [dtype])
    p = b.program(1, b("add", b("multiply", 0, 1), 2), b("subtract", 0, 1))
    info = np.iinfo(dtype)
    rng = np.random.default_rng(5)
    x, y = (rng.integers(info.min, info.max, 3 * BLOCK + 1, dtype=dtype, endpoint=True)
            for _ in range(2))
    check(cpp, p, [x, y], (info.max,))


def test_bool_masks(cpp):
    """(a > 0.3) & (b < 0.6) | ~(a == b), counted and tested with any/all."""
    b = Builder(["float64", "float64"], ["float64", "float64"])
    m = b("bitwise_or", b("bitwise_and", b("greater", 0, 2), b("less", 1, 3)),
          b("invert", b("equal", 0, 1)))
    p = b.program(2, m, Reduction("count_nonzero", m, None, "int64"),
                  Reduction("any", m, 1, "bool"), Reduction("all", m, None, "bool"),
                  Reduction("sum", m, 0, "int64"))
    a, c = inputs((70, 90))
    c[3] = a[3]
    check(cpp, p, [a, c], (0.3, 0.6))
    check(cpp, p, [with_layout(a, "transposed"), c[::-1]], (0.3, 0.6))


def test_integer_division_by_zero_warns(cpp):
    b = Builder(["int32", "int32"])
    p = b.program(1, b("floor_divide", 0, 1))
    x, y = np.arange(10, dtype=np.int32), np.arange(10, dtype=np.int32) % 3
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        run(cpp, p, [x, y])
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(run(cpp, p, [x, y])[0], np.floor_divide(x, y))


def test_float_warnings_follow_errstate(cpp):
    b = Builder(["float64", "float64"])
    p = b.program(1, b("divide", 0, 1))
    x, y = np.ones(5), np.array([1.0, 0, 2, 3, 4])
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        run(cpp, p, [x, y])
    with np.errstate(divide="warn"), pytest.warns(RuntimeWarning, match="divide by zero"):
        run(cpp, p, [x, y])


def test_comparisons_with_nan_are_quiet(cpp):
    """As NumPy: an ordered comparison or where with NaN raises nothing, max neither."""
    b = Builder(["float64", "float64"])
    p = b.program(1, b("where", b("greater", 0, 1), b("maximum", 0, 1), 1),
                  Reduction("max", 0, None, "float64"), Reduction("argmin", 0, None, "int64"))
    x = np.array([np.nan, 1.0, 2.0] * 1000)
    with np.errstate(all="raise"):
        got = run(cpp, p, [x, x[::-1].copy()])
    assert np.isnan(got[1]) and got[2] == 0


# --- reductions --------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "prod", "min", "max", "argmin",
                                "argmax"])
@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "reversed", "broadcast"])
def test_reductions_of_an_expression(cpp, op, axis, layout):
    ddof = 1 if op in ("var", "std") else 0
    b, d, dtype = squared_distance(op, axis, ddof)
    p = b.program(2, Reduction(op, d, axis, dtype, ddof))
    arrays = inputs((129, 67), layouts=(layout, "strided"))
    if op == "prod":
        arrays = [1 + a / 50 for a in arrays]
    check(cpp, p, arrays, (2.0,), rtol=1e-12)


@pytest.mark.parametrize("op", ["argmin", "argmax"])
def test_arg_reductions_count_in_c_order(cpp, op):
    b = Builder(["float64"])
    p = b.program(3, Reduction(op, b("negative", 0), None, "int64"),
                  Reduction(op, 0, None, "int64"))
    x = np.random.default_rng(2).random((40, 50, 30))
    for view in (x, x.transpose(2, 0, 1), x[::-1, :, ::2]):
        check(cpp, p, [view])


def test_reduction_over_all_axes_same_bits_at_any_thread_count(cpp, threads):
    b, d, _ = squared_distance()
    p = b.program(1, Reduction("sum", d, None, "float64"), Reduction("var", d, None, "float64"),
                  d)
    arrays = inputs((10**6 + 3,))
    results = []
    for n in (1, 2, 3):
        threads(n)
        results.append([np.asarray(r).copy() for r in run(cpp, p, arrays, (2.0,))])
    for r in results[1:]:
        for g, w in zip(r, results[0], strict=True):
            np.testing.assert_array_equal(g, w)
    check(cpp, p, arrays, (2.0,), rtol=1e-12)


@pytest.mark.parametrize("shape, axis", [((700, 300), 0), ((700, 300), 1), ((40, 30, 90), 1),
                                         ((40, 30, 90), 2), ((5, 70_000), 1), ((70_000, 3), 0)])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "reversed"])
def test_one_axis_reductions_of_large_calls_run_in_slabs(cpp, threads, shape, axis, layout):
    """Above 2**16 elements a call whose reductions all keep an axis runs in slabs
    along it: results, register outputs and argmin's indices as NumPy's, the same
    bits at 1 and 2 threads."""
    b, d, _ = squared_distance()
    p = b.program(len(shape), Reduction("sum", d, axis, "float64"),
                  Reduction("argmax", d, axis, "int64"), Reduction("var", d, axis, "float64"),
                  d)
    arrays = inputs(shape, layouts=(layout, "strided"))
    results = []
    for n in (1, 2):
        threads(n)
        results.append([np.asarray(r).copy() for r in run(cpp, p, arrays, (2.0,))])
    for g, w in zip(results[1], results[0], strict=True):
        np.testing.assert_array_equal(g, w)
    check(cpp, p, arrays, (2.0,), rtol=1e-12)


def test_reductions_over_different_axes_of_a_large_call(cpp):
    """No axis kept by both: one whole temporary, beyond the 16 MB kept scratch, in
    memory of its own; then a small call reuses the thread's scratch."""
    b, d, _ = squared_distance()
    p = b.program(2, Reduction("sum", d, 0, "float64"), Reduction("max", d, 1, "float64"))
    check(cpp, p, inputs((2100, 1000)), (2.0,), rtol=1e-12)
    check(cpp, p, inputs((30, 20), seed=1), (2.0,), rtol=1e-12)


def test_reductions_over_two_axes_of_a_large_3d_call(cpp):
    """Sums over axes 0 and 1 of (4, 4, 8192): axis 2 is kept by both, but the
    axis-1 result's rows are 8192 apart, not a slab's width: not slabbed (a slabbed
    run wrote them packed: errors of 20 and more)."""
    b = Builder(["float64"])
    y = b("multiply", 0, 0)
    p = b.program(3, Reduction("sum", y, 0, "float64"), Reduction("sum", y, 1, "float64"),
                  Reduction("max", y, 1, "float64"))
    check(cpp, p, inputs((4, 4, 8192), n=1), rtol=1e-12)
    check(cpp, p, inputs((1, 3, 40_000), n=1, seed=2), rtol=1e-12)


def test_empty_reductions(cpp):
    b = Builder(["float64"])
    x = b("multiply", 0, 0)
    p = b.program(1, Reduction("sum", x, None, "float64"), Reduction("count_nonzero", x, None,
                                                                       "int64"))
    assert [float(v) for v in run(cpp, p, [np.empty(0)])] == [0.0, 0.0]
    p = b.program(1, Reduction("mean", x, None, "float64"))
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        assert np.isnan(run(cpp, p, [np.empty(0)])[0])


def test_float32_and_integer_reductions(cpp):
    b = Builder(["float32", "int16"])
    f = b("multiply", 0, 0)
    i = b("multiply", 1, 1)
    p = b.program(1, Reduction("sum", f, None, "float32"), Reduction("mean", i, None, "float64"),
                  Reduction("sum", i, None, "int64"), Reduction("std", f, None, "float32"))
    rng = np.random.default_rng(9)
    check(cpp, p, [rng.random(10**5).astype(np.float32),
                   rng.integers(-300, 300, 10**5).astype(np.int16)], rtol=1e-5)


# --- threads, hypothesis ----------------------------------------------------------------

def test_threads_give_the_same_elementwise_bits(cpp, threads):
    program, scalars = select()
    arrays = inputs((2 * 10**6 + 1,), layouts=("contiguous", "strided"))
    threads(1)
    one = run(cpp, program, arrays, scalars)[0].copy()
    threads(2)
    np.testing.assert_array_equal(run(cpp, program, arrays, scalars)[0], one)


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(0, 40), min_size=0, max_size=3),
       layouts=st.tuples(st.sampled_from(LAYOUTS), st.sampled_from(LAYOUTS)),
       name=st.sampled_from(sorted(ELEMENTWISE)), axis=st.integers(-1, 2))
def test_layouts_hypothesis(cpp, shape, layouts, name, axis):
    program, scalars = ELEMENTWISE[name]()
    shape = tuple(shape)
    outputs = list(program.outputs)
    if shape and 0 not in shape:
        outputs.append(Reduction("sum", outputs[0], None, "float64"))
        if axis >= 0 and axis < len(shape):
            outputs.append(Reduction("argmax", outputs[0], axis, "int64"))
    program = dataclasses.replace(program, ndim=len(shape), outputs=tuple(outputs))
    check(cpp, program, inputs(shape, layouts=layouts), scalars, rtol=1e-12)


# --- errors ------------------------------------------------------------------------------

def test_a_step_without_kernel_is_refused(cpp):
    p = Program(1, ("float64",), (), (Step("no_such_op", (0,), "float64", "float64"),), (1,))
    with pytest.raises(NotImplementedError, match="no_such_op"):
        cpp.fused(p)
    p = Program(1, ("float64",), (), (Step("sqrt", (0,), "float64", "float32"),), (1,))
    with pytest.raises(NotImplementedError, match="float32"):
        cpp.fused(p)


def test_run_refuses_wrong_arrays(cpp):
    program, _ = axpby()
    fn = cpp.fused(program)
    s = [np.float64(2), np.float64(3)]
    a = np.ones(4)
    with pytest.raises(ValueError, match="dtype"):
        fn([a, np.ones(4, np.float32)], s, [np.empty(4)])
    with pytest.raises(ValueError, match="shape"):
        fn([a, np.ones(5)], s, [np.empty(4)])
    with pytest.raises(ValueError, match="number"):
        fn([a], s, [np.empty(4)])
    with pytest.raises(ValueError, match="out"):
        fn([a, a], s, [np.empty(4, np.float32)])


# --- power ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [2.0, 3.0, 0.5, -2.0])
def test_power_by_a_scalar(cpp, dtype, exponent):
    """By a scalar 2 or 0.5, np.power squares or takes sqrt (sqrt(-inf) is NaN): so do we."""
    b = Builder([dtype], [dtype])
    p = b.program(1, b("power", 0, 1))
    with np.errstate(all="ignore"):
        x = np.concatenate([SPECIAL, np.random.default_rng(4).normal(0, 1e3, 5000)]).astype(dtype)
    with np.errstate(all="ignore"):
        want = np.power(x, np.dtype(dtype).type(exponent))
        got = run(cpp, p, [x], [exponent])[0]
    assert_matches(got, want, rtol=0 if exponent in (2.0, 0.5) else 4 * np.finfo(dtype).eps)


def test_integer_power_refuses_negative_exponents(cpp):
    b = Builder(["int32", "int32"], ["int32"])
    p = b.program(1, b("power", 0, 2), b("power", 0, 1))
    x = np.arange(5, dtype=np.int32)
    out = [np.full(5, 7, np.int32), np.full(5, 7, np.int32)]
    with pytest.raises(ValueError, match="negative integer powers"):
        run(cpp, p, [x, x], [-1], outs=out)
    with pytest.raises(ValueError, match="negative integer powers"):
        run(cpp, p, [x, x - 1], [2], outs=out)
    assert (out[0] == 7).all() and (out[1] == 7).all()  # nothing written
    check(cpp, p, [x, x], [3])


# --- every kernel as a step ------------------------------------------------------------------

def _kernels():
    from mathfront import _cpp
    from mathfront._ops import BINARY, OPS, UNARY
    kinds = {op.name: op.kind for op in OPS}
    return [(name, dtype) for name, dtypes in sorted(_cpp.supported().items())
            if kinds.get(name) in (BINARY, UNARY)
            for dtype in ("float64", "float32", "int32", "uint8", "bool") if dtype in dtypes]


def _operand(dtype, rng, n):
    if dtype == "bool":
        return rng.random(n) > 0.5
    if np.dtype(dtype).kind == "f":
        x = rng.normal(0, 2, n).astype(dtype)
        x[:len(SPECIAL)] = SPECIAL.astype(dtype)
        return x
    return rng.integers(0, 7, n).astype(dtype)  # small: shifts and powers stay defined


@pytest.mark.parametrize("name, dtype", _kernels())
def test_every_kernel_as_a_step(cpp, name, dtype):
    """Each step's bits are the single op's (same kernel); NumPy's within float tolerance."""
    from mathfront._ops import BINARY, OPS
    op = next(o for o in OPS if o.name == name)
    nargs = 2 if op.kind == BINARY else 1
    b = Builder([dtype] * nargs)
    try:
        out = b(name, *range(nargs))
    except (TypeError, AttributeError):
        pytest.skip(f"NumPy has no {name} loop for {dtype}")
    try:
        p = b.program(1, out, Reduction("sum", out, None, np.asarray(
            np.sum(np.ones(1, b.dtypes[out]))).dtype.name))
        fn = cpp.fused(p)
    except NotImplementedError:
        pytest.skip(f"{name} on {dtype}: NumPy's result dtype is not the kernel's")
    rng = np.random.default_rng(11)
    arrays = [_operand(dtype, rng, 3 * BLOCK + 5) for _ in range(nargs)]
    arrays = [arrays[0], *[with_layout(x, "reversed") for x in arrays[1:]]]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = fn(arrays, [], [np.empty(arrays[0].shape, b.dtypes[out]), None])
        single = getattr(mf, name)(*arrays, backend="cpp")
    assert_matches(got[0], np.asarray(single), what=f"{name} on {dtype} vs the single op")
    tol = 1e-5 if dtype == "float32" else 1e-12
    check(cpp, p, arrays, rtol=tol)


# --- random expression trees -----------------------------------------------------------------

_INT_OPS = ("add", "subtract", "multiply", "maximum", "bitwise_and", "select", "negative")
_FLOAT_OPS = ("add", "subtract", "multiply", "maximum", "divide", "select", "negative", "root")


def _tree(data, b, dtype, leaves, depth):
    """A random expression over ``leaves`` (registers of ``dtype``): its register."""
    if depth == 0 or data.draw(st.booleans()):
        return data.draw(st.sampled_from(leaves))
    ops = _FLOAT_OPS if np.dtype(dtype).kind == "f" else _INT_OPS
    op = data.draw(st.sampled_from(ops))
    x = _tree(data, b, dtype, leaves, depth - 1)
    if op == "negative":
        return b("negative", x)
    if op == "root":
        return b("sqrt", b("abs", x))
    y = _tree(data, b, dtype, leaves, depth - 1)
    if op == "select":
        return b("where", b("greater", x, y), x, y)
    return b(op, x, y)


@settings(max_examples=80, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(["float64", "float32", "int32", "int64", "uint8"]),
       shape=st.lists(st.integers(1, 30), min_size=0, max_size=3))
def test_expression_trees_hypothesis(cpp, data, dtype, shape):
    """Trees of depth <= 4 over broadcast inputs of any layout, an int16 input cast to the
    loop dtype, a scalar, and reductions over every axis and one."""
    shape = tuple(shape)
    b = Builder([dtype, dtype, "int16"], [dtype])
    leaves = [0, 1, b.cast(2, dtype), 3]
    root = _tree(data, b, dtype, leaves, 4)
    if root < len(b.arrays) + len(b.scalars):  # an input or the scalar alone: engine's no-op
        root = b("add", root, 0)
    outputs = [root, Reduction("sum", root, None, np.sum(np.ones(1, dtype)).dtype.name)]
    if shape:
        axis = data.draw(st.integers(0, len(shape) - 1))
        outputs.append(Reduction("max", root, axis, dtype))
    p = b.program(len(shape), *outputs)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    arrays = []
    for d in (dtype, dtype, "int16"):
        sub = tuple(n if data.draw(st.booleans()) else 1 for n in shape)
        x = (rng.normal(0, 50, sub) if np.dtype(d).kind == "f" else
             rng.integers(-100, 100, sub)).astype(d)
        layout = data.draw(st.sampled_from(LAYOUTS))
        arrays.append(np.broadcast_to(with_layout(x, layout), shape))
    rtol = 1e-4 if dtype == "float32" else 1e-10
    check(cpp, p, arrays, (data.draw(st.integers(0, 9)),), rtol=rtol)


def test_scalars_of_another_type_are_cast(cpp):
    """A scalar register given as a Python number or another NumPy type: cast as NumPy does."""
    program, _ = axpby("float32")
    fn = cpp.fused(program)
    a, b = inputs((100,), dtype="float32")
    want = np.float32(2) * a + np.float32(3) * b
    for s in ([2.0, 3], [np.float64(2), np.int8(3)], [np.array(2.0), True + 2]):
        np.testing.assert_array_equal(fn([a, b], s, [np.empty(100, np.float32)])[0], want)
    with pytest.raises(ValueError, match="many values"):
        fn([a, b], [[1.0, 2.0], 3.0], [np.empty(100, np.float32)])


def test_float_narrowing_overflows_as_numpy(cpp):
    b = Builder(["float64"])
    p = b.program(1, b.cast(0, "float32"))
    x = np.array([1.0, 1e300, -1e300, np.nan])
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        run(cpp, p, [x])
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(run(cpp, p, [x])[0], x.astype(np.float32))


def test_one_register_twice_among_outputs(cpp):
    b = Builder(["float64", "float64"])
    s = b("add", 0, 1)
    p = b.program(2, s, s, Reduction("mean", s, 1, "float64"), Reduction("mean", s, 0, "float64"))
    check(cpp, p, inputs((40, 300)), rtol=1e-12)
    a, c = inputs((40, 300))
    out = [np.empty((40, 300)), np.empty((300, 40)).T, None, None]
    got = run(cpp, p, [a, c], outs=out)
    np.testing.assert_array_equal(got[0], a + c)
    np.testing.assert_array_equal(got[1], a + c)


def test_outputs_given_as_none_are_allocated(cpp):
    b = Builder(["float64", "int32"])
    s = b("add", 0, b.cast(1, "float64"))
    p = b.program(2, s, b("greater", s, 0), Reduction("sum", s, None, "float64"))
    a = np.random.default_rng(3).random((30, 20)).T
    c = np.arange(600, dtype=np.int32).reshape(20, 30) - 300
    got = run(cpp, p, [a, c], outs=[None, None, None])
    want = a + c
    assert got[0].flags.c_contiguous and got[1].dtype == bool
    np.testing.assert_array_equal(got[0], want)
    np.testing.assert_array_equal(got[1], want > a)  # register 0 is a
    np.testing.assert_allclose(got[2], want.sum(), rtol=1e-12, atol=1e-9)
    b0 = Builder([], ["float64"])
    p0 = b0.program(1, b0("negative", 0))
    with pytest.raises(ValueError, match="shape"):
        cpp.fused(p0)([], [np.float64(1)], [None])


F64 = "float64"


@pytest.mark.parametrize("program, match", [
    (Program(1, (F64,), (), (Step("add", (0, 2), F64, F64),), (1,)), "later register"),
    (Program(1, (F64, "int32"), (), (Step("add", (0, 1), F64, F64),), (2,)), "loop dtype"),
    (Program(1, (F64,), (), (Step("sqrt", (0,), F64, "int8"),), (1,)), "gives float64, not int8"),
    (Program(1, (F64,), (), (Step("add", (0,), F64, F64),), (1,)), "1 operands"),
    (Program(1, (F64,), (), (Step(CAST, (0, 0), F64, F64),), (1,)), "cast: 1 operand"),
    (Program(1, ("float16",), (), (Step("sqrt", (0,), "float16", "float16"),), (1,)),
     "float16"),
    (Program(1, (F64,), (F64,), (Step("sqrt", (0,), F64, F64),), (0,)), "not a step"),
    (Program(1, (F64,), (F64,), (Step("sqrt", (0,), F64, F64),),
             (Reduction("sum", 1, None, F64),)), "scalar"),
    (Program(1, (F64,), (), (Step("sqrt", (0,), F64, F64),),
             (Reduction("sum", 1, None, "float32"),)), "not float32"),
    (Program(1, (F64,), (), (Step("sqrt", (0,), F64, F64),),
             (Reduction("median", 1, None, F64),)), "median"),
    (Program(1, (F64,), (), (Step("sqrt", (0,), F64, F64),),
             (Reduction("sum", 1, 1, F64),)), "axis"),
])
def test_programs_the_engine_refuses(cpp, program, match):
    with pytest.raises(NotImplementedError, match=match):
        cpp.fused(program)


def test_run_refuses_what_is_not_a_call(cpp):
    from mathfront import _cpp
    program, _ = hypot()
    fn = cpp.fused(program)
    a = np.ones(3)
    with pytest.raises(ValueError):
        _cpp.fused_run(object(), [a, a], [], [None])
    with pytest.raises(TypeError, match="sequences"):
        fn(5, [], [None])
    with pytest.raises(TypeError, match="fused_run"):
        _cpp.fused_run(fn.args[0], [a, a], [])


def test_integer_power_of_a_computed_exponent_raises_as_numpy():
    """A negative exponent found only while computing: the cpp engine leaves the program
    to the numpy engine, which raises NumPy's ValueError before anything is written."""
    a = np.arange(5, dtype=np.int64)
    out = np.full(5, 7, np.int64)
    fn = mf.fuse(lambda a, b: a ** (b - 3))
    with pytest.raises(ValueError, match="negative integer powers"):
        fn(a, a, out=out, backend="cpp")
    assert (out == 7).all()
    np.testing.assert_array_equal(fn(a, a + 3, backend="cpp"), a ** a)

"""The CUDA engine on every real dtype NumPy computes an op for (issue 13).

Three layers, because the simulator alone can look right where a GPU is wrong:

- the generated kernels' code, compiled by ``numba.njit`` for the CPU: Numba's
  compiled typing, which the GPU shares (int8 + int8 is int64, uint64 with an
  int literal is int64) and the simulator does not (it runs NumPy scalars);
- every op of the table on every such dtype, on the simulator (or a GPU), once:
  the kernels it launches are also what tests/check_ptx.py compiles to PTX in
  CI, so each op x dtype is compiled for a real GPU, whatever the sampled
  tests happen to draw;
- hand-picked edge cases: wrap-around per width, uint64 near 2**64, int64 with
  uint64, weak Python scalars, bool arithmetic, accumulators of reductions.

The op table's ``dtypes`` decide what the engine claims; these tests widen the
engine's table (``cuda_numba.SUPPORTED``) to every dtype NumPy computes, so
that the engine is right for any dtype a row may list.
"""

from __future__ import annotations

import types
import warnings

import mathfront as mf
import numpy as np
import pytest
from mathfront._ops import ALL_DTYPES, BY_NAME, DOT, OPS, REDUCTION, SCAN, Op
from support import assert_matches, elementwise_tolerance, reduction_tolerance

ELEMENTWISE = [op for op in OPS if op.elementwise]


def numpy_loop(op: Op, dtype: str):
    """NumPy's (loop dtype, result dtype) for ``op`` on ``dtype`` operands, or None
    where NumPy computes nothing or a float16 (which no compiled engine claims)."""
    dt = np.dtype(dtype)
    try:
        if hasattr(op.reference, "resolve_dtypes"):
            resolved = op.reference.resolve_dtypes((dt,) * op.arity + (None,))
        else:  # not a ufunc: what its result is
            resolved = (dt, np.asarray(reference(op, *(np.ones(2, dt),) * op.arity)).dtype)
    except TypeError:  # NumPy's UFuncNoLoopError among them
        return None
    if any(d == np.float16 for d in resolved):
        return None
    return resolved[0], resolved[-1]


def computed_dtypes(op: Op) -> tuple[str, ...]:
    """The dtypes of ALL_DTYPES NumPy computes ``op`` for (no float16 involved)."""
    if op.elementwise:
        return tuple(d for d in ALL_DTYPES if numpy_loop(op, d) is not None)
    found = []
    for d in ALL_DTYPES:
        x = np.ones(2, d)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = op.reference(x, x) if op.kind == DOT else op.reference(x)
        except TypeError:
            continue
        if np.asarray(r).dtype != np.float16:
            found.append(d)
    return tuple(found)


def edge_values(dtype) -> np.ndarray:
    """Values at and near the ends of ``dtype``'s range (sums and products of them
    overflow every width), and small ones."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return np.array([False, True])
    if dt.kind in "iu":
        info = np.iinfo(dt)
        values = {info.min, info.min + 1, info.max - 1, info.max, info.max // 2,
                  info.max // 2 + 1, 0, 1, 2, 3, 7}
        if dt.kind == "i":
            values |= {-1, -2, -3, info.min // 2}
        return np.array(sorted(values), dt)
    info = np.finfo(dt)
    return np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 100.0,
                     -1e30, float(info.max), float(info.tiny), 7e-46], dt)


def operands(op: Op, dtype: str) -> tuple[np.ndarray, ...]:
    v = edge_values(dtype)
    if op.arity == 1:
        return (v,)
    x, y = np.repeat(v, v.size), np.tile(v, v.size)
    if op.domain == "exponent>=0" and np.dtype(dtype).kind in "iu":
        keep = y >= 0  # NumPy refuses negative integer powers
        x, y = x[keep], y[keep]
    return x, y


def reference(op: Op, *xs, **kw):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return op.reference(*xs, **kw)


# --- 1. the kernels' code under Numba's compiled typing (njit, on the CPU) ---------------

def _fake_cuda():
    """A stand-in for ``numba.cuda`` in a kernel's globals: one thread does all."""
    numba = pytest.importorskip("numba")
    fake = types.ModuleType("one_thread_cuda")
    fake.grid = numba.njit(lambda n: 0)
    fake.gridsize = numba.njit(lambda n: 1)
    return fake


def covering_dtypes(index: int, dtypes: tuple[str, ...]) -> tuple[str, ...]:
    """One dtype of each kind (bool, signed, unsigned, float) among ``dtypes``, the
    width rotating with ``index``: every op keeps each kind its typing differs by,
    and over the ops in turn every width of every kind is taken (checked below)."""
    kinds: dict[str, list[str]] = {}
    for d in dtypes:
        kinds.setdefault(np.dtype(d).kind, []).append(d)
    return tuple(group[index % len(group)] for group in kinds.values())


# Each njit compile costs ~0.3 s: all 71 ops x 11 dtypes took ~260 s of the
# simulator step's ~600 s in CI. The compiled typing differs by dtype kind
# (bool, signed, unsigned, float: where Numba widens, wraps or goes to float),
# so each op is compiled for one dtype of each kind it computes, the width
# rotating op by op (~4 compiles an op, not ~11). Every op x dtype is still run
# on the simulator, and each op compiled to PTX for a real GPU at each of its
# loop and result dtypes (check_ptx.py, from the every-op-on-every-dtype tests
# below); docs/DECISIONS.md, "CI time".
@pytest.mark.parametrize("index, name", list(enumerate(op.name for op in ELEMENTWISE)),
                         ids=[op.name for op in ELEMENTWISE])
def test_cuda_kernels_compiled_by_numba_give_numpys_results_for_each_dtype_kind(index, name):
    """The plain kernel the engine generates (loads converted to NumPy's loop dtype,
    the device function, the store into the result's dtype), njit-ed: Numba's
    compiled typing, as on a GPU, against NumPy, on values that overflow each width
    (one dtype of each kind per op: covering_dtypes)."""
    numba = pytest.importorskip("numba")
    # Runs once in CI: in the simulator's run, where Numba-CUDA is installed.
    pytest.importorskip("numba_cuda")
    from mathfront.cuda_numba import elementwise

    op = BY_NAME[name]
    fake = _fake_cuda()
    checked = []
    for dtype in covering_dtypes(index, computed_dtypes(op)):
        xs = operands(op, dtype)
        loop = elementwise.loop_dtype(name, np.dtype(dtype))
        namespace = {"cuda": fake, "L": numba.from_dtype(np.dtype(loop)),
                     # The CUDA target's error model: 1.0 / 0 is inf, not an exception.
                     "op": numba.njit(error_model="numpy")(
                         elementwise.device_function(name, loop))}
        exec(elementwise._source(1, "a" * op.arity, "plain", cast=True), namespace)
        kernel = numba.njit(error_model="numpy")(namespace["kernel"])
        expected = np.asarray(reference(op, *xs))
        got = np.empty(expected.shape, expected.dtype)
        with np.errstate(all="ignore"):
            kernel(got, *xs)
        atol, rtol = elementwise_tolerance(op, expected.dtype)
        assert_matches(got, expected, atol=atol, rtol=rtol, what=f"njit {name} {dtype}")
        checked.append(dtype)
    assert checked, f"NumPy computes {name} for none of {ALL_DTYPES}"


def test_covering_dtypes_take_every_dtype_and_every_kind_of_each_op():
    """The sampling above loses no dtype: each is compiled for some op, and each op
    for every kind it computes."""
    taken = set()
    for index, op in enumerate(ELEMENTWISE):
        dtypes = computed_dtypes(op)
        chosen = covering_dtypes(index, dtypes)
        assert {np.dtype(d).kind for d in chosen} == {np.dtype(d).kind for d in dtypes}
        taken.update(chosen)
    assert taken == set(ALL_DTYPES)


def test_cuda_loop_dtype_is_numpys():
    """The dtype kernels convert operands to before the device function: NumPy's loop."""
    from mathfront.cuda_numba import elementwise

    expect = {("sqrt", "int16"): "float32", ("sqrt", "int32"): "float64",
              ("divide", "int8"): "float64", ("divide", "float32"): "float32",
              ("power", "bool"): "int8", ("square", "bool"): "int8", ("add", "bool"): "bool",
              ("add", "uint64"): "uint64", ("cast", "int8"): ""}
    for (name, dtype), loop in expect.items():
        assert elementwise.loop_dtype(name, np.dtype(dtype)) == loop, (name, dtype)


# --- 2. every op x dtype once, on the simulator (or a GPU) --------------------------------

cuda_available = {s.name: s for s in mf.backends()}["cuda"].available
needs_cuda = pytest.mark.skipif(not cuda_available,
                                reason="no GPU and no simulator (NUMBA_ENABLE_CUDASIM=1)")


@pytest.fixture
def every_dtype(monkeypatch):
    """The engine's table widened to every dtype NumPy computes, op by op."""
    from mathfront import cuda_numba

    for op in OPS:
        monkeypatch.setitem(cuda_numba.SUPPORTED, op.name,
                            tuple(sorted({*cuda_numba.SUPPORTED.get(op.name, ()),
                                          *computed_dtypes(op)})))


def small(op: Op, dtype: str) -> tuple[np.ndarray, ...]:
    """A few edge values (first, last, middle ones), in a small array per operand."""
    v = edge_values(dtype)
    v = np.resize(np.concatenate([v[:3], v[-3:], v[v.size // 2: v.size // 2 + 2]]), 8)
    if op.arity == 1:
        return (v,)
    y = v[::-1].copy()
    if op.domain == "exponent>=0" and np.dtype(dtype).kind in "iu":
        y = np.where(y < 0, 3, y % 9).astype(dtype)  # NumPy refuses negative integer powers
    return v, y


@needs_cuda
@pytest.mark.parametrize("name", [op.name for op in ELEMENTWISE])
def test_cuda_every_elementwise_op_on_every_dtype(name, every_dtype):
    op = BY_NAME[name]
    fn = getattr(mf, name)
    for dtype in computed_dtypes(op):
        xs = small(op, dtype)
        expected = reference(op, *xs)
        with np.errstate(all="ignore"):
            got = fn(*xs, backend="cuda")
        atol, rtol = elementwise_tolerance(op, np.asarray(expected).dtype)
        assert_matches(got, expected, atol=atol, rtol=rtol, what=f"{name} {dtype}")


@needs_cuda
@pytest.mark.parametrize("name", [op.name for op in OPS if op.kind in (REDUCTION, SCAN, DOT)])
def test_cuda_every_reduction_scan_and_dot_on_every_dtype(name, every_dtype):
    op = BY_NAME[name]
    fn = getattr(mf, name)
    for dtype in computed_dtypes(op):
        v = small(op, dtype)[0]
        xs = (v, v[::-1].copy()) if op.kind == DOT else (v.reshape(2, 4),)
        calls = {DOT: ({},), SCAN: ({"axis": 1}, {"axis": 0})}.get(op.kind, ({}, {"axis": 1}))
        for kw in calls:
            expected = reference(op, *xs, **kw)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = fn(*xs, backend="cuda", **kw)
            e = np.asarray(expected)
            atol, rtol = 0.0, 0.0
            if op.kind == REDUCTION:
                axes = (1,) if kw else (0, 1)
                atol, rtol = reduction_tolerance(op, xs[0], axes, 0.0, e.dtype)
                atol = np.reshape(atol, e.shape) if np.ndim(atol) else atol
            elif e.dtype.kind == "f":
                rtol = 1e-12  # dot's and the scans' order of summation are not NumPy's
            assert_matches(got, expected, atol=atol, rtol=rtol, what=f"{name} {dtype} {kw}")


# --- 3. hand-picked edge cases --------------------------------------------------------------

def cuda_call(name, *args, **kw):
    with np.errstate(all="ignore"):
        return getattr(mf, name)(*args, backend="cuda", **kw)


def same_as_numpy(name, *args, **kw):
    expected = reference(BY_NAME[name], *args, **kw)
    got = cuda_call(name, *args, **kw)
    assert_matches(got, expected, what=f"{name}{tuple(np.asarray(a).dtype for a in args)}")
    return got


WIDTHS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


@needs_cuda
@pytest.mark.parametrize("dtype", WIDTHS)
def test_cuda_integer_arithmetic_wraps_at_every_width(dtype, every_dtype):
    info = np.iinfo(dtype)
    x = np.array([info.max, info.min, info.max, info.max // 2 + 1], dtype)
    y = np.array([1, np.iinfo(dtype).max if info.min == 0 else -1, info.max, 2], dtype)
    for name in ("add", "subtract", "multiply", "square", "negative", "abs", "power"):
        args = (x, np.array([2, 3, 5, 2], dtype)) if name == "power" else \
            (x,) if BY_NAME[name].arity == 1 else (x, y)
        got = same_as_numpy(name, *args)
        assert got.dtype == np.dtype(dtype)
    # abs(INT_MIN) and -INT_MIN wrap to INT_MIN, as NumPy's loops
    if info.min < 0:
        assert cuda_call("abs", np.array([info.min], dtype))[0] == info.min
        assert cuda_call("negative", np.array([info.min], dtype))[0] == info.min


@needs_cuda
def test_cuda_uint64_near_two_to_the_64(every_dtype):
    top = 2**64 - 1
    x = np.array([top, top - 1, 2**63, 2**63 - 1, 2**53 + 1], np.uint64)
    y = np.array([1, 2, 2**63, 2**63 + 1, 2**53 + 1], np.uint64)
    for name in ("add", "subtract", "multiply", "maximum", "minimum", "fmax", "fmin", "square",
                 "negative", "abs", "sign", "floor", "positive"):
        args = (x,) if BY_NAME[name].arity == 1 else (x, y)
        same_as_numpy(name, *args)
    # uint64 power by squaring stays uint64 (no float64 detour: 3**40 needs 64 bits)
    got = same_as_numpy("power", np.array([3, 2**32 + 1, top], np.uint64),
                        np.array([40, 2, 3], np.uint64))
    assert int(got[0]) == 3**40
    # above 2**63: max, argmax, min and the sum (uint64 modulo 2**64) as NumPy
    for name in ("max", "min", "argmax", "argmin", "sum", "prod", "cumsum"):
        same_as_numpy(name, x)
    assert int(cuda_call("max", x)) == top
    # a weak Python int keeps uint64; a negative one does not fit, as in NumPy
    assert same_as_numpy("add", x, 1).dtype == np.uint64
    with pytest.raises(OverflowError):
        cuda_call("add", x, -1)


@needs_cuda
def test_cuda_int64_with_uint64_is_float64(every_dtype):
    i = np.array([-1, 2**62, -(2**63), 5], np.int64)
    u = np.array([2**64 - 1, 2**63, 1, 5], np.uint64)
    for name in ("add", "subtract", "multiply", "maximum", "divide"):
        got = same_as_numpy(name, i, u)
        assert got.dtype == np.float64
    assert same_as_numpy("add", np.array([3], np.uint64), np.array([-1], np.int8)).dtype == \
        np.float64
    # uint32 with int32 fits in int64
    assert same_as_numpy("add", np.array([2**32 - 1], np.uint32),
                         np.array([-1], np.int32)).dtype == np.int64


@needs_cuda
def test_cuda_weak_python_scalars(every_dtype):
    x = np.array([100, -100, 127], np.int8)
    assert same_as_numpy("add", x, 100).dtype == np.int8  # wraps in int8, as NumPy 2
    assert same_as_numpy("multiply", x, 2.5).dtype == np.float64
    assert same_as_numpy("add", np.array([True, False]), 1).dtype == np.int64
    assert same_as_numpy("add", np.array([250], np.uint8), 10).dtype == np.uint8
    with pytest.raises(OverflowError):
        cuda_call("add", np.array([250], np.uint8), 300)
    assert same_as_numpy("sqrt", np.array([4, 30000], np.int16)).dtype == np.float32
    assert same_as_numpy("divide", np.array([7, -128], np.int8), 2).dtype == np.float64


@needs_cuda
def test_cuda_bool_arithmetic(every_dtype):
    a = np.array([False, False, True, True])
    b = np.array([False, True, False, True])
    for name in ("add", "multiply", "maximum", "minimum", "fmax", "fmin", "abs", "floor"):
        args = (a,) if BY_NAME[name].arity == 1 else (a, b)
        assert same_as_numpy(name, *args).dtype == np.bool_
    # power and square of bool compute in int8
    assert same_as_numpy("power", a, b).dtype == np.int8
    assert same_as_numpy("square", a).dtype == np.int8
    assert same_as_numpy("divide", a, b).dtype == np.float64
    assert same_as_numpy("add", a, np.array([1, 2, 3, 4], np.uint8)).dtype == np.uint8
    # bool reductions: the sum counts, min/max are any/all, argmax finds the first True
    for name in ("sum", "prod", "max", "min", "argmax", "argmin", "mean", "cumsum", "dot"):
        same_as_numpy(name, *((a, b) if name == "dot" else (a,)))


@needs_cuda
def test_cuda_reduction_accumulators_are_numpys(every_dtype):
    u8 = np.full(300, 255, np.uint8)
    got = same_as_numpy("sum", u8)
    assert got.dtype == np.uint64 and int(got) == 300 * 255  # not wrapped at 8 bits
    i8 = np.full(300, -128, np.int8)
    got = same_as_numpy("sum", i8)
    assert got.dtype == np.int64 and int(got) == -300 * 128
    assert same_as_numpy("mean", i8).dtype == np.float64
    assert same_as_numpy("var", np.array([0, 255, 255], np.uint8)).dtype == np.float64
    # a requested narrower dtype wraps as NumPy's loop in that dtype does
    assert int(same_as_numpy("sum", np.array([100, 100], np.int8), dtype=np.int8)) == -56
    same_as_numpy("cumsum", np.array([100, 100, 100], np.int8), dtype=np.int8)
    same_as_numpy("prod", np.array([300, 300], np.int16), dtype=np.int16)
    same_as_numpy("sum", np.array([2**64 - 1, 2], np.uint64))
    same_as_numpy("cumprod", np.array([2**32, 2**32, 3], np.uint64))
    # dot accumulates in the operands' dtype: int8 wraps, bool is any(a & b)
    same_as_numpy("dot", np.array([100, 100], np.int8), np.array([2, 1], np.int8))
    same_as_numpy("dot", np.ones(300, bool), np.ones(300, bool))
    # argmin/argmax of unsigned: above 2**63, the first of equal extremes
    u = np.array([5, 2**64 - 1, 2**63, 2**64 - 1, 0, 0], np.uint64)
    assert int(same_as_numpy("argmax", u)) == 1
    assert int(same_as_numpy("argmin", u)) == 4
    same_as_numpy("argmax", np.array([3, 65535, 65535], np.uint16))
    same_as_numpy("max", u.reshape(2, 3), axis=1)

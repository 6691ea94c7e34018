"""mf.fuse against NumPy's op-by-op evaluation of the same function, on every fusing engine.

Each case is a function of a namespace ``m`` and the operands: run as
``fn(np, ...)`` on the arrays it is NumPy's answer (the oracle), through
``mf.fuse(partial(fn, mf))`` it is the traced program on an engine.
"""

import warnings

import mathfront as mf
import numpy as np
import pytest
from fuse_support import assert_same, fused, fusing, oracle
from hypothesis import given, settings
from hypothesis import strategies as st
from mathfront._ops import BY_NAME
from mathfront.fuse._trace import UFUNC_ROWS
from support import SIMULATOR, with_layout

ALL = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
       "float32", "float64")
RNG = np.random.default_rng(14)


def values(dtype, shape, rng=RNG):
    """Small values (integer powers and shifts stay defined), some floats special."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind == "u":
        return rng.integers(0, 6, shape).astype(dtype)
    if dtype.kind == "i":
        return rng.integers(-5, 6, shape).astype(dtype)
    x = rng.uniform(-3, 3, shape).astype(dtype)
    if x.size > 2:
        x.flat[0], x.flat[-1] = np.nan, np.inf
    return x


# --- operators --------------------------------------------------------------------------

OPERATORS = {
    "a + b": lambda m, a, b: a + b, "a - b": lambda m, a, b: a - b,
    "a * b": lambda m, a, b: a * b, "a / b": lambda m, a, b: a / b,
    "a // b": lambda m, a, b: a // b, "a % b": lambda m, a, b: a % b,
    "a ** 2": lambda m, a, b: a ** 2, "2 ** b": lambda m, a, b: 2 ** b,
    "a < b": lambda m, a, b: a < b, "a <= b": lambda m, a, b: a <= b,
    "a > b": lambda m, a, b: a > b, "a >= b": lambda m, a, b: a >= b,
    "a == b": lambda m, a, b: a == b, "a != b": lambda m, a, b: a != b,
    "a & b": lambda m, a, b: a & b, "a | b": lambda m, a, b: a | b,
    "a ^ b": lambda m, a, b: a ^ b, "~a": lambda m, a, b: ~a,
    "a << 1": lambda m, a, b: a << 1, "a >> 1": lambda m, a, b: a >> 1,
    "-a": lambda m, a, b: -a, "+a": lambda m, a, b: +a, "abs(a)": lambda m, a, b: abs(a),
    "1.5 - a": lambda m, a, b: 1.5 - a, "3 * a": lambda m, a, b: 3 * a,
    "a * np.float64(2)": lambda m, a, b: a * np.float64(2),
    "a + np.int8(1)": lambda m, a, b: a + np.int8(1),
    "a < 300": lambda m, a, b: a < 300, "a > -1": lambda m, a, b: a > -1,
    "a == 2**70": lambda m, a, b: a == 2 ** 70, "-1 != a": lambda m, a, b: -1 != a,
    "where": lambda m, a, b: m.where(a > b, a, b),
    "where(.., 2.5)": lambda m, a, b: m.where(a > 1, a, 2.5),
    "where(.., 300)": lambda m, a, b: m.where(a > 1, 300, a),
    "where(.., -1)": lambda m, a, b: m.where(a > 1, a, -1),
    "clip": lambda m, a, b: m.clip(a, 0, 2), "clip(a, b, 3)": lambda m, a, b: m.clip(a, b, 3),
    "clip(a, None, 2)": lambda m, a, b: m.clip(a, None, 2),
    "clip(a, -1, 300)": lambda m, a, b: m.clip(a, -1, 300),
    "astype": lambda m, a, b: a.astype("float32") + b,
    "round": lambda m, a, b: m.round(a * 1.5),
    "round()": lambda m, a, b: round(a),  # NumPy's arrays refuse it too
    "tuple": lambda m, a, b: (a + b, a * b),
    "divmod": lambda m, a, b: divmod(a, b),
}


@pytest.mark.parametrize("name", OPERATORS)
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float64"),
                                    ("int32", "int32"), ("uint8", "int8"), ("bool", "bool"),
                                    ("int16", "float32"), ("uint64", "uint64")])
def test_operators(backend, name, dtypes):
    fusing(backend)
    fn = OPERATORS[name]
    a, b = values(dtypes[0], (3, 4)), values(dtypes[1], (4,))
    assert_same(fused(fn, a, b, backend=backend), oracle(fn, a, b), backend,
                exact=backend == "numpy", what=f"{name} of {dtypes}")


# --- every elementwise function the tracer takes -----------------------------------------

ROWS = sorted(set(UFUNC_ROWS.values()))


@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "uint8", "bool"])
def test_functions(backend, row, dtype):
    fusing(backend)
    op = BY_NAME[row]
    numpy_name = op.numpy_name or op.name
    a, b = values(dtype, (5,)), values(dtype, (5,))
    if op.arity == 1:

        def fn(m, a, b):
            return getattr(m, row if m is not np else numpy_name)(a) * 2

    else:

        def fn(m, a, b):
            return getattr(m, row if m is not np else numpy_name)(a, b) * 2

    assert_same(fused(fn, a, b, backend=backend), oracle(fn, a, b), backend,
                exact=backend == "numpy", what=f"{row}({dtype})")


# --- reductions ---------------------------------------------------------------------------

REDUCING = ("sum", "mean", "prod", "min", "max", "var", "std", "argmin", "argmax", "any",
            "all", "count_nonzero")


@pytest.mark.parametrize("name", REDUCING)
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "bool"])
def test_reductions(backend, name, axis, keepdims, dtype):
    fusing(backend)
    a, b = values(dtype, (4, 6)), values(dtype, (6,))
    extra = {"keepdims": True} if keepdims else {}
    if name in ("var", "std"):
        extra["ddof"] = 1

    def fn(m, a, b):
        return getattr(m, name)(m.where(a > b, a, b), axis=axis, **extra)

    exact = backend == "numpy" or name in ("min", "max", "argmin", "argmax", "any", "all",
                                           "count_nonzero")
    want = oracle(fn, a, b)
    got = fused(fn, a, b, backend=backend)
    if backend != "numpy" or name in ("sum", "mean", "var", "std", "prod"):
        exact = exact and np.asarray(want).dtype.kind not in "fc"
    assert_same(got, want, backend, exact=exact, what=f"{name} axis={axis} {dtype}")


def test_numpys_own_functions_on_proxies():
    a, b = values("float32", (3, 4)), values("float64", (4,))

    def fn(m, a, b):
        return (np.sqrt(np.abs(a)) + np.float64(2) * b, np.where(a > b, a, b),
                np.clip(a, -1, 1), np.sum(a * b, axis=0), np.maximum(a, 0.5))

    assert_same(fused(fn, a, b), oracle(fn, a, b))


def test_fused_functions_inside_fused_functions():
    inner = mf.fuse(lambda a, b: a * b + 1)
    outer = mf.fuse(lambda a, b: mf.sum(inner(a, b) - mf.evaluate("a - b")))
    a, b = values("float64", (5,)), values("float64", (5,))
    assert_same(outer(a, b), np.sum((a * b + 1) - (a - b)))
    assert outer.trace_count == 1 and inner.trace_count == 0  # traced as part of outer
    with pytest.raises(TypeError, match="inside"):
        mf.fuse(lambda a: inner(a, a, out=np.empty(5)))(a)


def test_reductions_return_numpy_scalars():
    a = np.arange(6.0)
    s = mf.fuse(lambda a: mf.sum(a * 2))(a)
    assert type(s) is np.float64 and s == 30.0
    n = mf.fuse(lambda a: mf.count_nonzero(a > 2))(a)
    assert type(n) is type(np.count_nonzero(a > 2)) and n == 3
    m, i = mf.fuse(lambda a: (mf.max(a - 1), mf.argmax(a - 1)))(a)
    assert (type(m), type(i)) == (np.float64, np.int64) and (m, i) == (4.0, 5)


def test_method_reductions():
    a = values("float64", (3, 4))
    got = mf.fuse(lambda a: (a * 2).sum(axis=1, keepdims=True))(a, backend="numpy")
    assert_same(got, (a * 2).sum(axis=1, keepdims=True))


# --- hypothesis: expression trees ---------------------------------------------------------

BINARY_ROWS = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "floor_divide",
               "remainder", "power", "hypot", "arctan2", "bitwise_and", "less", "greater_equal",
               "equal", "logical_and", "fmax", "copysign")
UNARY_ROWS = ("negative", "abs", "sqrt", "exp", "sin", "floor", "square", "isnan", "invert",
              "logical_not", "sign", "rint", "tanh")
CONSTANTS = (2, -1, 0.5, 3.0, 1.5, 7, True, np.float32(1.5), np.int16(3), np.uint8(2), 300)
#: Tree inputs' dtypes: float32 and small integers twice, where weak scalars show.
TREE_DTYPES = (*ALL, "float32", "int8", "uint8", "int16")


def _numpy_name(row):
    op = BY_NAME[row]
    return op.numpy_name or op.name


@st.composite
def trees(draw, n_inputs, depth=0):
    """(kind, ...) nodes: inputs, constants, unary and binary functions, where."""
    leaf = depth >= 4 or draw(st.integers(0, 3)) == 0
    if leaf:  # mostly inputs: constants meet arrays (weak scalars), not only each other
        if draw(st.integers(0, 3)):
            return ("input", draw(st.integers(0, n_inputs - 1)))
        return ("const", draw(st.sampled_from(CONSTANTS)))
    kind = draw(st.sampled_from(("unary", "binary", "binary", "where")))
    if kind == "unary":
        return ("unary", draw(st.sampled_from(UNARY_ROWS)), draw(trees(n_inputs, depth + 1)))
    if kind == "binary":
        operands = [draw(trees(n_inputs, depth + 1)),
                    ("const", draw(st.sampled_from(CONSTANTS))) if draw(st.booleans())
                    else draw(trees(n_inputs, depth + 1))]
        if draw(st.booleans()):
            operands.reverse()
        return ("binary", draw(st.sampled_from(BINARY_ROWS)), *operands)
    return ("where", draw(trees(n_inputs, depth + 1)), draw(trees(n_inputs, depth + 1)),
            draw(trees(n_inputs, depth + 1)))


def evaluate_tree(m, node, inputs):
    """The tree evaluated with namespace ``m`` (np: NumPy's op-by-op answer)."""
    kind = node[0]
    if kind == "input":
        return inputs[node[1]]
    if kind == "const":
        return node[1]
    name = (lambda row: _numpy_name(row)) if m is np else (lambda row: row)
    if kind == "unary":
        return getattr(m, name(node[1]))(evaluate_tree(m, node[2], inputs))
    if kind == "binary":
        return getattr(m, name(node[1]))(evaluate_tree(m, node[2], inputs),
                                         evaluate_tree(m, node[3], inputs))
    return m.where(evaluate_tree(m, node[1], inputs) != 0, evaluate_tree(m, node[2], inputs),
                   evaluate_tree(m, node[3], inputs))


SHAPES = {"same": ((3, 4), (3, 4)), "row": ((3, 4), (4,)), "column": ((3, 1), (1, 4)),
          "scalar": ((3, 4), ()), "python": ((3, 4), None)}
LAYOUTS = ("contiguous", "transposed", "reversed", "strided", "broadcast")


@settings(max_examples=120 if not SIMULATOR else 8)
@given(data=st.data())
def test_expression_trees(backend, data):
    fusing(backend)
    tree = data.draw(trees(2), label="tree")
    dtypes = data.draw(st.tuples(st.sampled_from(TREE_DTYPES), st.sampled_from(TREE_DTYPES)),
                       label="dtypes")
    shapes = SHAPES[data.draw(st.sampled_from(sorted(SHAPES)), label="shapes")]
    layouts = data.draw(st.tuples(st.sampled_from(LAYOUTS), st.sampled_from(LAYOUTS)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    inputs = [with_layout(values(d, s, rng), lay) if s else values(d, (), rng)[()]
              for d, s, lay in zip(dtypes, shapes, layouts, strict=True)]
    if shapes[1] is None:  # a Python scalar argument (weak)
        inputs[1] = inputs[1].item()
    reduce = data.draw(st.sampled_from((None, None, "sum", "mean", "var", "max", "any",
                                        "argmin", "count_nonzero")), label="reduce")
    axis = data.draw(st.sampled_from((None, 0, -1)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims") and reduce not in (
        "argmin", "count_nonzero")

    def fn(m, *xs):
        value = evaluate_tree(m, tree, xs)
        if reduce is None:
            return value
        return getattr(m, reduce)(value, axis=axis, **({"keepdims": True} if keepdims else {}))

    want = oracle(fn, *inputs)
    if reduce is not None and not isinstance(want, type) and np.ndim(
            oracle(lambda m, *xs: evaluate_tree(m, tree, xs), *inputs)) == 0:
        return  # a reduction of a scalar is refused by the tracer (not fusable)
    got = fused(fn, *inputs, backend=backend)
    exact = backend == "numpy" and reduce not in ("sum", "mean", "var")
    # int8-uint16 inputs of math functions compute in float32, as float32 inputs do
    narrow = any(np.dtype(d).itemsize <= 2 or d == "float32" for d in dtypes)
    assert_same(got, want, backend, exact=exact, what=f"{tree} on {dtypes}, reduce={reduce}",
                loosest="float32" if narrow else None)


@settings(max_examples=150 if not SIMULATOR else 8)
@given(row=st.sampled_from(BINARY_ROWS), dtype=st.sampled_from(ALL),
       const=st.sampled_from(CONSTANTS), left=st.booleans(), as_argument=st.booleans(),
       layout=st.sampled_from(LAYOUTS))
def test_one_step_with_a_scalar(backend, row, dtype, const, left, as_argument, layout):
    """Every step's promotion against weak Python and strong NumPy scalars, literal or
    passed as an argument."""
    fusing(backend)
    a = with_layout(values(dtype, (3, 4)), layout)
    fn_name = _numpy_name(row)

    def fn(m, a, s):
        f = getattr(m, row if m is not np else fn_name)
        s = s if as_argument else const
        return f(s, a) if left else f(a, s)

    want = oracle(fn, a, const)
    assert_same(fused(fn, a, const, backend=backend), want, backend,
                exact=backend == "numpy", what=f"{row}({dtype}, {const!r}), left={left}")


# --- scalars and promotion -------------------------------------------------------------------


def test_weak_python_scalars_and_strong_numpy_scalars():
    a32 = np.ones(3, np.float32)
    assert mf.fuse(lambda a: a * 2.0)(a32).dtype == np.float32
    assert mf.fuse(lambda a: a * np.float64(2.0))(a32).dtype == np.float64
    i32 = np.arange(3, dtype=np.int32)
    assert mf.fuse(lambda a: a * 2.5)(i32).dtype == np.float64
    assert mf.fuse(lambda a, s: a * s)(a32, 2.0).dtype == np.float32
    assert mf.fuse(lambda a, s: a * s)(a32, np.float64(2)).dtype == np.float64


def test_scalar_arithmetic_is_a_prelude():
    f = mf.fuse(lambda a, s, t: a * (s * 2 + t) - mf.sqrt(s))
    a = values("float32", (4,))
    for s, t in ((2.0, 3), (5.0, 4)):
        assert_same(f(a, s, t), a * (s * 2 + t) - np.sqrt(s))
    assert f.trace_count == 1  # same signature: the prelude reran, the trace did not
    assert_same(mf.fuse(lambda s, t: s * t + 1)(2, 3), 7)


def test_python_ints_beyond_the_dtype():
    u8 = np.arange(5, dtype=np.uint8)
    f = mf.fuse(lambda a, v: (a < v, a >= v, a == v, v > a))
    for v in (3, 300, -1, 2**64):
        assert_same(f(u8, v), (u8 < v, u8 >= v, u8 == v, v > u8))
    with pytest.raises(OverflowError):
        mf.fuse(lambda a, v: a + v)(u8, 300)  # as np.add(u8, 300)
    with pytest.raises(OverflowError):
        np.add(u8, 300)


def test_scalar_kind_changing_between_calls_is_refused():
    f = mf.fuse(lambda a, s: a + s ** -1)
    with pytest.raises(TypeError):  # 2 ** -1 is a float, traced as an int... at trace already
        f(np.ones(2), 2)


def test_copies_are_copies():
    a = np.arange(3)
    r, c = mf.fuse(lambda a: (mf.round(a), a.astype(a.dtype)))(a)
    assert not np.shares_memory(r, a) and not np.shares_memory(c, a)
    assert_same(r, np.round(a))


def test_inputs_and_scalars_returned():
    a = np.arange(3.0)
    x, y, z = mf.fuse(lambda a, s: (a, s, a + s))(a, 2.0)
    assert x is a and y == 2.0 and type(y) is float
    assert_same(z, a + 2.0)


def test_outputs_of_smaller_shapes_than_the_program():
    a, b = values("float64", (4,)), values("float64", (3, 4))
    got = mf.fuse(lambda a, b: (a * 2, a + b, mf.sum(a)))(a, b)
    assert_same(got, (a * 2, a + b, np.sum(a)))


def test_zero_dimensional_inputs_give_scalars():
    got = mf.fuse(lambda a, b: a + b)(np.array(1.5), np.array(2.0, np.float32))
    assert_same(got, np.add(np.array(1.5), np.array(2.0, np.float32)))


def test_byte_order_and_alignment():
    a = np.arange(6, dtype=">f8")
    raw = np.zeros(6 * 8 + 1, np.uint8)[1:].view(np.float64)
    raw[:] = np.arange(6.0)
    assert_same(mf.fuse(lambda a, b: a * 2 + b)(a, raw), a * 2 + raw)


# --- trace errors ------------------------------------------------------------------------------

TRACE_ERRORS = {
    "shape": (lambda a: a.shape, "shape"),
    "size": (lambda a: a.size, "size"),
    "bool": (lambda a: a if a > 0 else -a, "bool()"),
    "and": (lambda a: (a > 0) and (a < 1), "bool()"),
    "len": (lambda a: len(a), "len()"),
    "index": (lambda a: a[0], "indexing"),
    "iterate": (lambda a: [x for x in a], "iterating"),
    "float": (lambda a: float(a), "float()"),
    "array": (lambda a: np.asarray(a), "NumPy array"),
    "unknown attribute": (lambda a: a.reshape(2), "reshape"),
    "scan": (lambda a: mf.cumsum(a), "cumsum"),
    "composite": (lambda a: mf.diff(a), "diff"),
    "nan reduction": (lambda a: mf.nansum(a), "nansum"),
    "numpy function": (lambda a: np.linalg.norm(a), "norm"),
    "reduction not last": (lambda a: mf.sum(a) + 1, "last"),
    "keyword": (lambda a: mf.add(a, 1, dtype="float32"), "dtype="),
    "where keyword": (lambda a: mf.sum(a, where=a > 0), "where="),
    "numpy keyword": (lambda a: np.sqrt(a, dtype="float32"), "dtype="),
    "captured array": (lambda a: a + np.ones(3), "arguments"),
    "complex": (lambda a: a * 1j, "complex"),
    "numpy ufunc method": (lambda a: np.add.reduce(a), "reduce"),
    "empty tuple": (lambda a: (), "return"),
    "matmul": (lambda a: a @ a, "matrix product"),
    "in place": (lambda a: a.__iadd__(1), "in-place"),
    "round with decimals": (lambda a: mf.round(a, 2), "decimals"),
    "nothing": (lambda a: None, "None"),
}


@pytest.mark.parametrize("name", TRACE_ERRORS)
def test_trace_errors(name):
    fn, words = TRACE_ERRORS[name]
    a = np.ones((2, 3))
    with pytest.raises(TypeError) as e:
        mf.fuse(fn)(a)
    assert words in str(e.value), str(e.value)
    assert "mathfront.fuse" in str(e.value)


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "==", "!="])
def test_signed_against_uint64_comparisons_are_exact(op):
    i = np.array([-(2**63), -1, 0, 1, 2**62, 2**63 - 1, 5], np.int64)
    u = np.array([0, 2**64 - 1, 0, 1, 2**63, 2**63 - 1, 2**63 + 5], np.uint64)
    fn = eval(f"lambda m, a, b: (a {op} b, b {op} a, a.astype('int8') {op} b)")
    assert_same(fused(fn, i, u), oracle(fn, i, u))


def test_mixed_loops_are_refused_where_not_rewritten():
    from mathfront.fuse import _promote

    with pytest.raises(TypeError, match="single loop"):
        _promote.resolve("less", (np.dtype("int64"), np.dtype("uint64")))
    with pytest.raises(TypeError, match=r"no loop|not supported"):
        _promote.resolve("negative", (np.dtype(bool),))


def test_error_names_where():
    def f(a):
        return a.shape

    with pytest.raises(TypeError, match=r"test_fuse\.py"):
        mf.fuse(f)(np.ones(2))


def test_bad_arguments():
    with pytest.raises(TypeError, match="dtype"):
        mf.fuse(lambda a: a)(np.array(["x"]))
    with pytest.raises(TypeError, match="fused functions take"):
        mf.fuse(lambda a: a)(np.ma.masked_array([1.0]))
    with pytest.raises(TypeError, match="takes a function"):
        mf.fuse(3)
    with pytest.raises(np.exceptions.AxisError):
        mf.fuse(lambda a: mf.sum(a, axis=2))(np.ones((2, 2)))
    with pytest.raises(ValueError):
        mf.fuse(lambda a, b: a + b)(np.ones(3), np.ones(4))


# --- the cache ------------------------------------------------------------------------------


def test_a_second_call_does_not_trace_again():
    calls = []

    @mf.fuse
    def f(a, b):
        calls.append(1)
        return a * b + 1

    a, b = np.ones(3), np.ones(3)
    f(a, b)
    f(a * 2, b)
    f(np.ones(7), np.ones(7))  # another shape: the same program
    assert len(calls) == 1 and f.trace_count == 1
    f(a.astype(np.float32), b)  # another dtype: traced again
    f(np.ones((2, 3)), b)  # another rank
    f(a, 2.0)  # a scalar
    assert len(calls) == 4


def test_decorator_with_name():
    @mf.fuse(name="axpy")
    def f(a, b):
        return a * 2 + b

    assert "axpy" in repr(f) and f.__name__ == "f"
    assert_same(f(np.ones(2), np.ones(2)), np.full(2, 3.0))


# --- the fused function's own keywords -----------------------------------------------------


def test_the_functions_own_keywords_bind_to_its_parameters():
    a, b = values("float64", (3, 4)), values("float64", (3, 4))
    f = mf.fuse(lambda a, b, scale=2.0: a * scale + b)
    assert_same(f(a, b=b), a * 2.0 + b)
    assert_same(f(a, b, scale=3.0), a * 3.0 + b)
    assert_same(f(b=b, a=a, scale=np.float32(0.5)), a * np.float32(0.5) + b)
    assert_same(f(a, b=b, out=np.empty((3, 4))), a * 2.0 + b)  # with the call's own
    with pytest.raises(TypeError, match="multiple values"):
        f(a, b, a=a)
    with pytest.raises(TypeError, match="unexpected keyword"):
        f(a, b, c=1.0)
    with pytest.raises(TypeError, match="keyword-only"):
        mf.fuse(lambda a, *, k: a * k)(a, k=2.0)


def test_none_and_string_arguments_are_traced_as_they_are():
    """A parameter defaulting to None (or a mode string) skipped by a keyword call:
    passed through to the function, one trace per value."""
    a = values("float64", (5,))

    def fn(x, y=None, scale=1.0, mode="add"):
        y = x if y is None else y
        return (x + y if mode == "add" else x * y) * scale

    f = mf.fuse(fn)
    assert_same(f(a), (a + a) * 1.0)
    assert_same(f(a, scale=2.0), (a + a) * 2.0)
    assert_same(f(a, mode="multiply"), (a * a) * 1.0)
    assert_same(f(a, a + 1, 3.0, "multiply"), (a * (a + 1)) * 3.0)
    assert_same(f(a, None, 3.0, "add"), (a + a) * 3.0)
    assert f.trace_count == 4  # (the last reuses f(a, scale=2.0)'s signature)


# --- out= ---------------------------------------------------------------------------------


def test_out_exact_is_written_in_place():
    a, b = values("float64", (3, 4)), values("float64", (3, 4))
    out = np.empty((3, 4))
    got = mf.fuse(lambda a, b: a * b + 1)(a, b, out=out)
    assert got is out
    assert_same(out, a * b + 1)


def test_out_aliasing_an_input():
    a, b = values("float64", (3, 4)), values("float64", (3, 4))
    want = a * b + 1
    got = mf.fuse(lambda a, b: a * b + 1)(a, b, out=a)
    assert got is a
    assert_same(a, want)


@pytest.mark.parametrize("case", ["shifted", "reversed", "transposed"])
def test_out_partially_overlapping_an_input(case):
    x = np.arange(10.0)
    if case == "shifted":
        a, b, out = x[1:], x[:-1], x[:-1]
    elif case == "reversed":
        a, b, out = x, x * 0 + 1, x[::-1]
    else:
        x = np.arange(16.0).reshape(4, 4)
        a, b, out = x, np.ones((4, 4)), x.T
    want = a * 2 + b
    got = mf.fuse(lambda a, b: a * 2 + b)(a, b, out=out)
    assert got is out
    assert_same(out, want)


def test_out_of_another_dtype_casts_as_numpy():
    a = values("float64", (5,))
    out = np.empty(5, np.float32)
    mf.fuse(lambda a: a * 2)(a, out=out)
    assert_same(out, (a * 2).astype(np.float32))
    ints = np.zeros(5, np.int32)
    with pytest.raises(TypeError, match="same_kind"):
        mf.fuse(lambda a: a * 2)(a, out=ints)
    assert not ints.any()  # nothing written
    mf.fuse(lambda a: a * 2)(np.ones(5), out=ints, casting="unsafe")
    assert (ints == 2).all()


def test_out_errors_before_anything_is_written():
    a = np.ones(4)
    out1, out2 = np.zeros(4), np.zeros(3)
    with pytest.raises(ValueError, match="shape"):
        mf.fuse(lambda a: (a + 1, a * 2))(a, out=(out1, out2))
    assert not out1.any()
    with pytest.raises(ValueError, match="read-only"):
        mf.fuse(lambda a: a + 1)(a, out=np.broadcast_to(np.zeros(1), (4,)))
    with pytest.raises(ValueError, match="tuple"):
        mf.fuse(lambda a: (a + 1, a * 2))(a, out=out1)
    with pytest.raises(TypeError, match="ndarray"):
        mf.fuse(lambda a: a + 1)(a, out=[0.0] * 4)


def test_integer_power_errors_before_writing(backend):
    fusing(backend)
    x = np.array([2, 3, 4])
    with pytest.raises(ValueError, match="negative"):
        mf.fuse(lambda a, b: a ** b + 1)(x, np.array([1, -1, 2]), out=x, backend=backend)
    assert (x == [2, 3, 4]).all()


def test_out_tuples_and_reductions():
    a = values("float64", (3, 4))
    o1, o2 = np.empty((3, 4)), np.empty((1, 4))
    got = mf.fuse(lambda a: (a + 1, mf.max(a, axis=0, keepdims=True)))(a, out=(o1, o2))
    assert got[0] is o1 and got[1] is o2
    assert_same(o1, a + 1)
    assert_same(o2, np.max(a, axis=0, keepdims=True))
    only = np.empty((3, 4))
    r = mf.fuse(lambda a: (a + 1, mf.sum(a)))(a, out=(only, None))
    assert r[0] is only and type(r[1]) is np.float64


def test_out_with_broadcast_and_two_outputs_sharing_an_input():
    a = np.arange(4.0)
    b = np.arange(4.0)
    want = (a + b, a * b)
    got = mf.fuse(lambda a, b: (a + b, a * b))(a, b, out=(a, None))
    assert_same(got, want)


# --- backends --------------------------------------------------------------------------------


def test_backend_selection_and_explain():
    a = np.ones(3)
    f = mf.fuse(lambda a: a + 1)
    assert_same(f(a, backend="numpy"), a + 1)
    with mf.use_backend("numpy"):
        assert mf.explain(f, a).backend == "numpy"
        assert_same(f(a), a + 1)
    e = mf.explain(f, a, backend="numpy")
    assert e.backend == "numpy" and "backend='numpy'" in e.reason
    with pytest.raises(ValueError):
        f(a, backend="nonsense")
    auto = mf.explain(f, a, backend="auto")
    assert auto.backend in ("numpy", "cpp") and "host" in auto.reason


def test_a_backend_without_fused_runs_the_numpy_engine():
    from mathfront import _registry
    from mathfront.backends.numpy_backend import NumpyBackend

    def no_fused(self):
        raise AttributeError("fused")

    class Plain(NumpyBackend):
        name = "plain-fuse-test"
        fused = property(no_fused)

    mf.register_backend(Plain())
    try:
        assert not hasattr(_registry.get("plain-fuse-test"), "fused")
        assert_same(mf.fuse(lambda a: a * 3)(np.ones(2), backend="plain-fuse-test"),
                    np.full(2, 3.0))
    finally:
        _registry._loaded.pop("plain-fuse-test", None)
        for listener in _registry._listeners:
            listener()


def test_warnings_are_numpys():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mf.fuse(lambda a: 1 / a)(np.zeros(2), backend="numpy")
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)


def test_the_readme_example_runs():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    (code,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
               if "mf.evaluate" in b]  # (the Dask section's block fuses too)
    code = code.replace("1_000_000", "1_000")
    scope = {}
    np.random.seed(14)
    exec(compile(code, "README.md", "exec"), scope)
    np.random.seed(14)
    a, b = np.random.rand(1_000), np.random.rand(1_000)  # as before out=a overwrote a
    assert_same(scope["r"], np.where(a > 0.5, a * b, b - a))
    assert_same(scope["c"], np.asarray(2 * a + 3 * b))
    assert_same(scope["s"], np.sum((a - b) ** 2), exact=False)
    assert_same(scope["a"], np.where(a > 0.5, a * b, b - a))


# --- the fast calls (a second call of a signature takes the cached fast call) ------------------


@pytest.mark.parametrize("layout", ["same", "broadcast", "misaligned", "strided", "0-d"])
def test_fast_calls_give_numpys_answer_on_every_call(backend, layout):
    fusing(backend)
    a = values("float64", (3, 4))
    b = {"same": values("float64", (3, 4)), "broadcast": values("float64", (4,)),
         "strided": values("float64", (3, 8))[:, ::2]}.get(layout)
    if layout == "misaligned":
        b = np.zeros(12 * 8 + 1, np.uint8)[1:].view(np.float64).reshape(3, 4)
        b[:] = values("float64", (3, 4))
    if layout == "0-d":
        a, b = np.array(1.5), np.array(-2.0)
    f = mf.fuse(lambda a, b: 2 * a + 3 * b)
    for _ in range(3):  # the trace, then the fast call (or its fallback) twice
        assert_same(f(a, b, backend=backend), 2 * a + 3 * b)
    r = mf.fuse(lambda a, b: (mf.sum(a * b), a - b))
    for _ in range(3):
        got = r(a, b, backend=backend)
        assert_same(got[1], a - b)
        assert np.isclose(got[0], np.sum(a * b), equal_nan=True) and type(got[0]) is np.float64


def test_fast_calls_reraise_the_users_errors(backend):
    fusing(backend)
    f = mf.fuse(lambda a, b: a ** b + 1)
    for _ in range(3):  # the error through the general path, then through the fast call
        with pytest.raises(ValueError, match="negative"):
            f(np.array([2, 3]), np.array([1, -1]), backend=backend)
    assert_same(f(np.array([2, 3]), np.array([1, 2]), backend=backend), np.array([3, 10]))


def test_fast_calls_follow_the_backends_registered():
    from mathfront import _registry
    from mathfront.backends.numpy_backend import NumpyBackend

    runs = []

    class Counting(NumpyBackend):
        name = "counting-fuse-test"

        def fused(self, program):
            inner = super().fused(program)

            def run(arrays, scalars, outs):
                runs.append(self)
                return inner(arrays, scalars, outs)
            return run

    first, second = Counting(), Counting()
    f, a = mf.fuse(lambda a: a * 3), np.ones(2)
    mf.register_backend(first)
    try:
        for _ in range(2):
            assert_same(f(a, backend="counting-fuse-test"), np.full(2, 3.0))
        mf.register_backend(second, replace=True)
        assert_same(f(a, backend="counting-fuse-test"), np.full(2, 3.0))
        assert runs == [first, first, second]  # not the old backend's cached run
    finally:
        _registry._loaded.pop("counting-fuse-test", None)
        for listener in _registry._listeners:
            listener()


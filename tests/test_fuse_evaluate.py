"""mf.evaluate: numexpr's expressions, its name lookup, its keywords, and the allowlist."""

import mathfront as mf
import numpy as np
import pytest
from fuse_support import assert_same, fusing
from mathfront.fuse import _evaluate

RNG = np.random.default_rng(7)
a = RNG.uniform(0.1, 2, (4, 5))
b = RNG.uniform(0.1, 2, (4, 5))
GLOBAL_ONLY = np.arange(5.0)

#: numexpr's documented examples (its README and user guide), with NumPy's answer.
EXAMPLES = {
    "a + 1": lambda: a + 1,
    "2*a + 3*b": lambda: 2 * a + 3 * b,
    "a*b-4.1*a > 2.5*b": lambda: a * b - 4.1 * a > 2.5 * b,
    "sin(a) + arcsinh(a/b)": lambda: np.sin(a) + np.arcsinh(a / b),
    "sqrt(a**2 + b**2)": lambda: np.sqrt(a ** 2 + b ** 2),
    "where(a > 0.5, a * b, b - a)": lambda: np.where(a > 0.5, a * b, b - a),
    "(a > 0.5) & (b < 1) | ~(a < b)": lambda: (a > 0.5) & (b < 1) | ~(a < b),
    "arctan2(a, b) + abs(-a)": lambda: np.arctan2(a, b) + np.abs(-a),
    "exp(a) - expm1(b) + log1p(a) + log10(b) + log(a)":
        lambda: np.exp(a) - np.expm1(b) + np.log1p(a) + np.log10(b) + np.log(a),
    "sum(a)": lambda: np.asarray(np.sum(a)),
    "sum(a, axis=0)": lambda: np.sum(a, axis=0),
    "sum((a - b)**2)": lambda: np.asarray(np.sum((a - b) ** 2)),
    "prod(a, 1)": lambda: np.prod(a, axis=1),
    "2 + 3": lambda: np.asarray(5),
    "True & (a > 1)": lambda: True & (a > 1),
}


@pytest.mark.parametrize("expr", EXAMPLES)
def test_numexpr_examples(backend, expr):
    fusing(backend)
    got = mf.evaluate(expr, backend=backend)
    want = EXAMPLES[expr]()
    assert_same(got, want, backend, exact=backend == "numpy" and "sum" not in expr, what=expr)


def test_names_found_as_numexpr_finds_them():
    def local():
        a = np.ones(3)  # noqa: F841 - the caller's local shadows the module's a
        return mf.evaluate("a * 2")

    assert_same(local(), np.full(3, 2.0))
    assert_same(mf.evaluate("GLOBAL_ONLY + 1"), GLOBAL_ONLY + 1)
    assert_same(mf.evaluate("x * y", {"x": np.ones(2), "y": 3}), np.full(2, 3.0))
    assert_same(mf.evaluate("x * y", {"x": np.ones(2)}, {"y": 2.0, "x": None}), np.full(2, 2.0))
    with pytest.raises(KeyError, match="nowhere"):
        mf.evaluate("nowhere + 1")


def test_python_scalars_stay_weak():
    x = np.ones(3, np.float32)  # noqa: F841 - found by name
    s = 2.0  # noqa: F841 - found by name
    assert mf.evaluate("x * s").dtype == np.float32  # numexpr: float64 (its own rules)
    assert mf.evaluate("x * 2.5").dtype == np.float32


def test_keywords():
    x = np.arange(4.0)
    out = np.empty(4, np.float32)
    assert mf.evaluate("x * 2", out=out, casting="same_kind") is out
    assert_same(out, (x * 2).astype(np.float32))
    with pytest.raises(TypeError, match="safe"):
        mf.evaluate("x * 2", out=np.empty(4, np.float32))  # numexpr's default casting: safe
    for kw in ({"order": "X"}, {"casting": "any"}, {"optimization": "max"}, {"truediv": 2}):
        with pytest.raises(ValueError, match=next(iter(kw))):
            mf.evaluate("x + 1", **kw)
    assert_same(mf.evaluate("x / 2", order="C", optimization="none", truediv=False), x / 2)


def test_programs_are_cached_by_string_and_signature():
    x = np.ones(3)
    names, fused = _evaluate.compiled("x * 7 + 1")
    mf.evaluate("x * 7 + 1")
    mf.evaluate("x * 7 + 1")
    assert _evaluate.compiled("x * 7 + 1")[1] is fused
    assert names == ("x",) and fused.trace_count == 1
    x = np.ones(3, np.int32)  # noqa: F841 - found by name
    mf.evaluate("x * 7 + 1")
    assert fused.trace_count == 2


SECURITY = [
    "__import__('os')",
    "__import__('os').system('echo pwned')",
    "a.__class__",
    "a.__class__.__bases__[0].__subclasses__()",
    "a.real",
    "a[0]",
    "a[:, 1]",
    "lambda: 1",
    "(lambda x: x)(a)",
    "[x for x in a]",
    "{'k': a}",
    "eval('1')",
    "exec('1')",
    "getattr(a, 'shape')",
    "open('/etc/passwd')",
    "__builtins__",
    "a if a else b",
    "a and b",
    "not a",
    "a < b < 1",
    "'text'",
    "b'bytes'",
    "f'{a}'",
    "sum(a) + 1",
    "sin(sum(a))",
    "sin(a, out=b)",
    "sum(a, axis=b)",
    "sum(a, dtype='float32')",
    "where(*a)",
    "real(a)",
    "contains(a, b)",
    "a @ b",
    "(yield a)",
    "a := 1",
    "None",
    "1j * a",
    "a; b",
    "import os",
]


@pytest.mark.parametrize("expr", SECURITY)
def test_the_allowlist_refuses(expr):
    with pytest.raises((ValueError, TypeError)):
        mf.evaluate(expr, {"a": a, "b": b})


def test_nothing_is_looked_up_before_the_whole_string_is_checked():
    class Trap:
        def __getitem__(self, name):
            raise AssertionError(f"looked up {name} before refusing")

    with pytest.raises(ValueError):
        mf.evaluate("a + a.__class__", Trap(), Trap())


def test_an_expression_must_be_a_string():
    with pytest.raises(TypeError, match="str"):
        mf.evaluate(3)
    with pytest.raises(ValueError, match="not an expression"):
        mf.evaluate("a +")


#: numexpr's own rules: its int constants are int32 ("2 + 3"), and its parser refuses a
#: Python bool left of &.
NUMEXPR_DIFFERS = ("2 + 3", "True & (a > 1)")


@pytest.mark.parametrize("expr", [e for e in EXAMPLES if e not in NUMEXPR_DIFFERS])
def test_numexpr_itself_agrees_on_float64(expr):
    """Where numexpr's rules and NumPy 2's coincide (float64 arrays), the same answer."""
    ne = pytest.importorskip("numexpr")
    want = ne.evaluate(expr, {"a": a, "b": b})
    got = mf.evaluate(expr, {"a": a, "b": b})
    assert got.shape == np.shape(want) and got.dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_where_numexpr_differs_numpy_2_wins():
    """numexpr's promotion (float32 array times a Python float: float64) is not NumPy 2's."""
    ne = pytest.importorskip("numexpr")
    x = np.ones(3, np.float32)
    assert ne.evaluate("x * 2.5", {"x": x}).dtype == np.float64
    assert mf.evaluate("x * 2.5", {"x": x}).dtype == np.float32

"""Subclasses and duck arrays: NumPy's semantics under auto and numpy, a clear refusal elsewhere.

An operand (or ``out``) that decides itself what NumPy's functions do to it
(masked arrays, ``np.matrix``, pandas objects, any ``__array_ufunc__`` or
``__array_function__`` class, ndarray subclasses) gets NumPy's answer, type
included, under ``auto`` and ``backend="numpy"``; a compiled backend never reads
it as a plain array, however it was selected. ``np.memmap`` changes nothing and
is taken by every backend. Expected values are NumPy's on the same inputs.
"""

from __future__ import annotations

import contextlib
import re
from typing import ClassVar

import mathfront as mf
import numpy as np
import pytest
from mathfront import _tolerance
from mathfront._ops import BY_NAME
from support import assert_matches, available_backends

#: np.matrix's own warning: the type is under test here.
pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")

BACKENDS = available_backends()
#: Backends that compute on plain arrays: every available one but the reference.
COMPILED = [b for b in BACKENDS if b != "numpy"]


# --- types with semantics of their own, and one without -----------------------------------


class Tagged(np.ndarray):
    """The smallest subclass: NumPy's results on it are Tagged too."""


class Logged(np.ndarray):
    """A subclass that records each ufunc NumPy hands it: proof that NumPy's protocols ran."""

    calls: ClassVar[list] = []

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        Logged.calls.append((ufunc.__name__, method))
        plain = [x.view(np.ndarray) if isinstance(x, Logged) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, Logged) else o for o in out)
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result.view(Logged) if isinstance(result, np.ndarray) else result


class Duck:
    """Not an ndarray: a wrapper whose ufunc results are Ducks (its own semantics)."""

    def __init__(self, data):
        self.data = np.asarray(data)

    dtype = property(lambda self: self.data.dtype)
    shape = property(lambda self: self.data.shape)

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            return NotImplemented
        plain = [x.data if isinstance(x, Duck) else x for x in inputs]
        result = getattr(ufunc, method)(*plain, **kwargs)
        return Duck(result) if isinstance(result, np.ndarray) else result


class ArrayLike:
    """Only ``__array__``: NumPy converts it, so every backend may (no semantics of its own)."""

    def __init__(self, data):
        self.data = np.asarray(data)

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)


def masked():
    return np.ma.masked_array([1.0, 2.0, 4.0], mask=[0, 1, 0])


def matrix():
    return np.matrix([[1.0, 2.0], [3, 4]])


#: Each kind of operand with semantics of its own, made fresh for each use.
OWN = {
    "masked": masked,
    "matrix": matrix,
    "tagged": lambda: np.array([1.0, 2.0, 4.0]).view(Tagged),
    "logged": lambda: np.array([1.0, 2.0, 4.0]).view(Logged),
    "duck": lambda: Duck([1.0, 2.0, 4.0]),
}


def refusal(op: str, backend: str, where: str, t: type) -> str:
    """The refusal's exact words, for ``where`` (an operand or out) of type ``t``."""
    return re.escape(
        f"mathfront.{op}: backend {backend!r} computes on plain arrays, but {where} is a "
        f"{t.__module__}.{t.__qualname__}, whose own semantics (through NumPy's array "
        "protocols) it does not implement; use backend='numpy' or backend='auto'")


def same(got, expected) -> None:
    """The same answer as NumPy's: type, dtype, shape, values (and mask)."""
    assert type(got) is type(expected), (type(got), type(expected))
    if isinstance(expected, Duck):
        got, expected = got.data, expected.data
    assert got.dtype == expected.dtype
    assert np.shape(got) == np.shape(expected)
    if isinstance(expected, np.ma.MaskedArray):
        assert np.array_equal(np.ma.getmaskarray(got), np.ma.getmaskarray(expected))
        got, expected = got.filled(0), expected.filled(0)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))
    if hasattr(expected, "index"):  # pandas
        assert got.index.equals(expected.index)


def dot_of_vectors(x, y):
    """np.dot, for the 1-D vectors mf.dot takes (it refuses others: docs/design.md)."""
    if np.ndim(x) != 1 or np.ndim(y) != 1:
        raise ValueError("mathfront.dot takes two 1-D vectors")
    return np.dot(x, y)


#: One call of each kind of op: (op, where the operand goes, the op's keywords).
CALLS = {
    "add": ("add", "x, 1.0", {}),
    "add_swapped": ("add", "1.0, x", {}),
    "sqrt": ("sqrt", "x", {}),
    "sum": ("sum", "x", {}),
    "sum_axis0": ("sum", "x", {"axis": 0}),
    "mean": ("mean", "x", {}),
    "mean_keepdims": ("mean", "x", {"axis": 0, "keepdims": True}),
    "var_ddof": ("var", "x", {"ddof": 1}),
    "argmax": ("argmax", "x", {}),
    "nanmax_axis0": ("nanmax", "x", {"axis": 0}),
    "dot": ("dot", "x, x", {}),
}


def operands(name: str, x) -> tuple:
    return {"x": (x,), "x, 1.0": (x, 1.0), "1.0, x": (1.0, x), "x, x": (x, x)}[CALLS[name][1]]


def call_mf(name: str, x, **selection):
    op, _, keywords = CALLS[name]
    return getattr(mf, op)(*operands(name, x), **keywords, **selection)


def call_numpy(name: str, x):
    op, _, keywords = CALLS[name]
    if op == "dot":
        return dot_of_vectors(*operands(name, x))
    return BY_NAME[op].reference(*operands(name, x), **keywords)


def selected(how: str, backend: str):
    """``backend`` chosen as named: on the call, by set_backend or by use_backend."""
    if how == "keyword":
        return contextlib.nullcontext({"backend": backend})
    if how == "use_backend":
        @contextlib.contextmanager
        def block():
            with mf.use_backend(backend):
                yield {}
        return block()

    @contextlib.contextmanager
    def process():
        mf.set_backend(backend)
        try:
            yield {}
        finally:
            mf.set_backend(None)
    return process()


# --- auto and numpy: NumPy's answer, type included --------------------------------------


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("kind", sorted(OWN))
@pytest.mark.parametrize("engine", [None, "numpy"])
def test_auto_and_numpy_give_numpys_answer(engine, kind, name):
    x = OWN[kind]()
    try:
        expected = call_numpy(name, OWN[kind]())
    except Exception as e:  # e.g. dot of a 2-D matrix: mf.dot refuses it too
        with pytest.raises(type(e)):
            call_mf(name, x, backend=engine)
        return
    same(call_mf(name, x, backend=engine), expected)


def test_the_issue_examples_give_numpys_answer():
    m = masked()
    assert mf.mean(m) == np.mean(m) == 2.5
    assert mf.mean(m, backend="numpy") == 2.5
    assert mf.sum(m, backend="numpy") == 5.0
    result = mf.sum(matrix(), axis=0)
    assert type(result) is np.matrix and result.tolist() == [[4.0, 6.0]]


def test_auto_sends_a_duck_out_to_numpys_protocols():
    Logged.calls.clear()
    x = np.arange(3.0)
    out = np.zeros(3).view(Logged)
    assert mf.add(x, 1.0, out=out) is out
    assert Logged.calls == [("add", "__call__")]
    np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])
    assert mf.explain(mf.add, x, 1.0, out=out).backend == "numpy"
    assert "out is a Logged" in mf.explain(mf.add, x, 1.0, out=out).reason


def test_auto_does_not_reuse_a_choice_made_without_the_duck_out():
    # An operand the C entry refuses (a NumPy scalar) makes auto choose, and cache.
    x, s = np.arange(3.0), np.float64(1.0)
    np.testing.assert_array_equal(mf.add(s, x), [1.0, 2.0, 3.0])
    Logged.calls.clear()
    out = np.zeros(3).view(Logged)
    mf.add(s, x, out=out)
    assert Logged.calls == [("add", "__call__")]
    np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])


def test_auto_and_numpy_give_a_masked_out_numpys_answer():
    x = np.arange(3.0)
    for backend in (None, "numpy"):
        expected_out = np.ma.masked_array(np.zeros(3), mask=[1, 0, 0])
        expected = np.add(x, 1.0, out=expected_out)
        out = np.ma.masked_array(np.zeros(3), mask=[1, 0, 0])
        same(mf.add(x, 1.0, out=out, backend=backend), expected)
        same(out, expected_out)


# --- compiled backends refuse them, however selected --------------------------------------


@pytest.mark.parametrize("how", ["keyword", "set_backend", "use_backend"])
@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("kind", sorted(OWN))
@pytest.mark.parametrize("engine", COMPILED)
def test_compiled_backends_refuse_operands_with_own_semantics(engine, kind, name, how):
    x = OWN[kind]()
    where = "operand 1" if name == "add_swapped" else "operand 0"
    with selected(how, engine) as keywords, \
            pytest.raises(TypeError, match=refusal(CALLS[name][0], engine, where, type(x))):
        call_mf(name, x, **keywords)


@pytest.mark.parametrize("kind", sorted(OWN))
@pytest.mark.parametrize("engine", COMPILED)
def test_the_issue_examples_are_refused_not_read_as_plain(engine, kind):
    m = OWN[kind]()
    with pytest.raises(TypeError, match=refusal("mean", engine, "operand 0", type(m))):
        mf.mean(m, backend=engine)
    with selected("set_backend", engine), \
            pytest.raises(TypeError, match=refusal("sum", engine, "operand 0", type(m))):
        mf.sum(m)


@pytest.mark.parametrize("how", ["keyword", "set_backend", "use_backend"])
@pytest.mark.parametrize("kind", ["masked", "tagged", "logged"])
@pytest.mark.parametrize("engine", COMPILED)
def test_compiled_backends_refuse_an_out_with_own_semantics(engine, kind, how):
    x = np.arange(3.0)
    cases = [
        ("add", lambda out, **k: mf.add(x, x, out=out, **k), OWN[kind]()),
        ("sqrt", lambda out, **k: mf.sqrt(x, out=out, **k), OWN[kind]()),
        ("sum", lambda out, **k: mf.sum(x, out=out, **k), OWN[kind]()[0:1].reshape(())),
        ("mean", lambda out, **k: mf.mean(x.reshape(1, 3), axis=0, out=out, **k), OWN[kind]()),
        ("dot", lambda out, **k: mf.dot(x, x, out=out, **k), OWN[kind]()[0:1].reshape(())),
    ]
    for op, call, out in cases:
        before = np.array(out, copy=True)
        with selected(how, engine) as keywords, \
                pytest.raises(TypeError, match=refusal(op, engine, "out", type(out))):
            call(out, **keywords)
        np.testing.assert_array_equal(np.asarray(out), before)  # nothing written


@pytest.mark.parametrize("engine", COMPILED)
def test_explicit_backends_never_fall_back_for_duck_arrays(engine):
    Logged.calls.clear()
    with pytest.raises(TypeError):
        mf.add(np.arange(3.0).view(Logged), 1.0, backend=engine)
    assert Logged.calls == []  # NumPy did not run it either


# --- no semantics of their own: every backend takes them ----------------------------------


@pytest.mark.parametrize("engine", [None, *BACKENDS])
def test_memmap_is_a_plain_array_everywhere(engine, tmp_path):
    data = np.array([1.0, 2.0, 4.0])
    mm = np.memmap(tmp_path / "x.dat", dtype=np.float64, mode="w+", shape=(3,))
    mm[:] = data
    for name, (op, _, keywords) in CALLS.items():
        expected = call_numpy(name, data)
        atol, rtol = _tolerance.for_call(BY_NAME[op], operands(name, data),
                                         {"axis": None, **keywords}, np.asarray(expected).dtype)
        got = call_mf(name, mm, backend=engine)
        assert type(got) is type(call_numpy(name, mm)), name  # plain results, as NumPy's
        assert_matches(got, expected, atol=atol, rtol=rtol, what=name)
    out = np.memmap(tmp_path / "out.dat", dtype=np.float64, mode="w+", shape=(3,))
    assert mf.add(mm, mm, out=out, backend=engine) is out
    np.testing.assert_array_equal(out, data + data)
    total = np.memmap(tmp_path / "sum.dat", dtype=np.float64, mode="w+", shape=())
    assert mf.sum(mm, out=total, backend=engine) is total
    assert total[()] == 7.0


def test_auto_runs_memmap_where_it_runs_plain_arrays(tmp_path):
    mm = np.memmap(tmp_path / "x.dat", dtype=np.float64, mode="w+", shape=(3,))
    plain = np.zeros(3)
    assert mf.explain(mf.add, mm, mm).backend == mf.explain(mf.add, plain, plain).backend
    assert mf.explain(mf.sum, mm).backend == mf.explain(mf.sum, plain).backend


@pytest.mark.parametrize("engine", [None, *BACKENDS])
def test_array_likes_without_protocols_are_converted_everywhere(engine):
    x = ArrayLike([1.0, 2.0, 4.0])
    same(mf.add(x, 1.0, backend=engine), np.add(x, 1.0))
    same(mf.sum(x, backend=engine), np.sum(x))
    same(mf.dot(x, x, backend=engine), np.dot(x, x))
    same(mf.add(np.float64(2.0), np.arange(3.0), backend=engine),
         np.add(np.float64(2.0), np.arange(3.0)))


# --- np.matrix: every reduction, as NumPy ------------------------------------------------


REDUCTIONS = ["sum", "prod", "mean", "min", "max", "var", "std", "argmin", "argmax", "nansum",
              "nanmean", "nanvar", "nanstd", "nanmin", "nanmax"]


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("engine", [None, "numpy"])
def test_matrix_reductions_as_numpy(engine, name, axis):
    expected = getattr(np, name)(matrix(), axis=axis)
    same(getattr(mf, name)(matrix(), axis=axis, backend=engine), expected)


def test_matrix_keeps_numpys_own_keyword_errors():
    # NumPy hands matrix.sum only the keywords given: keepdims=True is one it refuses.
    with pytest.raises(TypeError) as expected:
        np.sum(matrix(), keepdims=True)
    with pytest.raises(TypeError, match=re.escape(str(expected.value))):
        mf.sum(matrix(), keepdims=True)


# --- pandas ---------------------------------------------------------------------------------


@pytest.fixture
def pd():
    return pytest.importorskip("pandas")


def pandas_cases(pd):
    """(description, mathfront call, NumPy call) on the issue's pandas inputs and a few more."""
    ints = lambda: pd.Series([1, 2, 3], dtype="Int64")  # noqa: E731
    floats = lambda: pd.Series([1.0, 2.0, 3.0], index=[10, 20, 30])  # noqa: E731
    categorical = lambda: pd.Categorical([1, 2])  # noqa: E731
    return [
        ("sum Int64", lambda **k: mf.sum(ints(), **k), lambda: np.sum(ints())),
        ("add Categorical", lambda **k: mf.add(categorical(), 1, **k),
         lambda: np.add(categorical(), 1)),
        ("mean Int64", lambda **k: mf.mean(ints(), **k), lambda: np.mean(ints())),
        ("maximum Int64", lambda **k: mf.maximum(ints(), 1, **k), lambda: np.maximum(ints(), 1)),
        ("sqrt Int64", lambda **k: mf.sqrt(ints(), **k), lambda: np.sqrt(ints())),
        ("var Int64", lambda **k: mf.var(ints(), ddof=1, **k), lambda: np.var(ints(), ddof=1)),
        ("argmax Int64", lambda **k: mf.argmax(ints(), **k), lambda: np.argmax(ints())),
        ("dot Int64", lambda **k: mf.dot(ints(), ints(), **k), lambda: np.dot(ints(), ints())),
        ("sum float", lambda **k: mf.sum(floats(), **k), lambda: np.sum(floats())),
        ("mean float", lambda **k: mf.mean(floats(), **k), lambda: np.mean(floats())),
        ("add float", lambda **k: mf.add(floats(), 1.0, **k), lambda: np.add(floats(), 1.0)),
        ("multiply float array", lambda **k: mf.multiply(np.ones(3), floats(), **k),
         lambda: np.multiply(np.ones(3), floats())),
        ("dot float", lambda **k: mf.dot(floats(), floats(), **k),
         lambda: np.dot(floats(), floats())),
        ("sum float dtype=", lambda **k: mf.sum(floats(), dtype=np.float32, **k),
         lambda: np.sum(floats(), dtype=np.float32)),
        ("sum Int64 out=", lambda **k: mf.sum(ints(), out=np.zeros((), np.int64), **k),
         lambda: np.sum(ints(), out=np.zeros((), np.int64))),
        ("add Index", lambda **k: mf.add(pd.Index([1, 2]), 1, **k),
         lambda: np.add(pd.Index([1, 2]), 1)),
    ]


@pytest.mark.parametrize("engine", [None, "numpy"])
def test_pandas_as_numpy(pd, engine):
    for description, call, reference in pandas_cases(pd):
        try:
            expected = reference()
        except Exception as e:  # the same exception, in NumPy's (pandas') words
            with pytest.raises(type(e), match=re.escape(str(e))):
                call(backend=engine)
            continue
        got = call(backend=engine)
        if isinstance(expected, pd.Index):
            assert type(got) is type(expected) and got.equals(expected), description
        elif isinstance(expected, pd.Series):
            pd.testing.assert_series_equal(got, expected)
        else:
            same(got, expected)


def test_the_issue_pandas_examples(pd):
    result = mf.sum(pd.Series([1, 2, 3], dtype="Int64"))
    assert type(result) is np.int64 and result == 6
    with pytest.raises(TypeError, match="Object with dtype category cannot perform the numpy "
                                        "op add"):
        mf.add(pd.Categorical([1, 2]), 1)
    series = mf.add(pd.Series([1.0, 2.0]), 1.0)
    assert isinstance(series, pd.Series) and series.tolist() == [2.0, 3.0]


@pytest.mark.parametrize("how", ["keyword", "set_backend", "use_backend"])
@pytest.mark.parametrize("engine", COMPILED)
def test_compiled_backends_refuse_pandas(pd, engine, how):
    for description, call, _ in pandas_cases(pd):
        if "array" in description:
            where = "operand 1"
        else:
            where = "operand 0"
        kind = {"Int64": pd.Series, "float": pd.Series, "Categorical": pd.Categorical,
                "Index": pd.Index}[next(w for w in ("Int64", "float", "Categorical", "Index")
                                         if w in description)]
        op = description.split()[0]
        message = refusal(op, engine, where, kind)
        with selected(how, engine) as keywords, pytest.raises(TypeError, match=message):
            call(**keywords)

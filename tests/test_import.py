"""``import mathfront`` stays light: no numba, no compiled code, no plug-in scan."""

import subprocess
import sys

import mathfront as mf
import numpy as np
import pytest


def test_import_loads_nothing_heavy():
    code = (
        "import sys, mathfront\n"
        "heavy = [m for m in ('numba', 'numba_cuda', 'cffi', 'mathfront._cpp', "
        "'mathfront.cuda_numba', 'importlib.metadata') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_functions_follow_the_op_table():
    from mathfront._ops import OPS

    for op in OPS:
        fn = getattr(mf, op.name)
        assert fn.op is op and op.name in mf.__all__
        assert fn.__doc__.startswith(op.summary)
        params = fn.__code__.co_varnames[: fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount]
        shown = (k for k in op.keywords if k not in op.hidden)  # (where's, count_nonzero's out)
        assert sorted(params[op.arity:]) == sorted((*shown, "backend"))


# NumPy's signatures, positional parameters in NumPy's order (issue 12); what
# NumPy takes by position after ``out`` mathfront takes by name only.
SIGNATURES = {
    "add": "(x1, x2, /, out=None, *, where=True, casting='same_kind', dtype=None, backend=None)",
    "sqrt": "(x, /, out=None, *, where=True, casting='same_kind', dtype=None, backend=None)",
    "sum": "(a, axis=None, dtype=None, out=None, *, keepdims=False, initial=<no value>, "
           "where=True, backend=None)",
    "max": "(a, axis=None, out=None, *, keepdims=False, initial=<no value>, where=True, "
           "backend=None)",
    "mean": "(a, axis=None, dtype=None, out=None, *, keepdims=False, where=True, backend=None)",
    "var": "(a, axis=None, dtype=None, out=None, ddof=0, *, keepdims=False, where=True, "
           "mean=<no value>, correction=<no value>, backend=None)",
    "argmin": "(a, axis=None, out=None, *, keepdims=False, backend=None)",
    "nanstd": "(a, axis=None, dtype=None, out=None, ddof=0, *, keepdims=False, where=True, "
              "mean=<no value>, correction=<no value>, backend=None)",
    "dot": "(a, b, out=None, *, backend=None)",
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signatures_are_numpys(name):
    import inspect

    assert str(inspect.signature(getattr(mf, name))) == SIGNATURES[name]


def test_parameters_come_in_numpys_order():
    import inspect

    from mathfront._ops import OPS

    for op in OPS:
        ours = [p for p in inspect.signature(getattr(mf, op.name)).parameters if p != "backend"]
        numpys = list(inspect.signature(op.reference).parameters)
        assert [p for p in numpys if p in ours] == ours, op.name
        # (clip's **kwargs: NumPy's ufunc keywords, not taken: DECISIONS.md)
        missing = set(numpys) - set(ours) - {"order", "subok", "signature", "kwargs"}
        if op.kind == "composite":  # vecdot: the gufunc's other keywords, not taken
            missing -= {"casting", "dtype", "axes", "keepdims"}
        assert not missing, (op.name, missing)


def test_positional_out_and_keywords_numpy_has_but_mathfront_does_not():
    a = np.array([1.0, 2.0])
    out = np.empty(2)
    assert mf.add(a, a, out) is out and out.tolist() == [2.0, 4.0]
    total = np.empty(())
    assert mf.sum(np.ones((2, 2)), None, None, total) is total and total == 4.0
    for name in ("order", "subok", "signature"):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{name}'"):
            mf.add(a, a, **{name: None})

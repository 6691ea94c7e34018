"""``import mathfront`` stays light: no numba, no compiled code, no plug-in scan."""

import subprocess
import sys

import mathfront as mf


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
        assert params[op.arity:] == (*op.keywords, "backend")

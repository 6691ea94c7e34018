"""What the fused-expression tests share: engines, and NumPy's op-by-op answer.

The oracle evaluates the same function with NumPy's own functions (``np``
in place of ``mf``) on the real arrays: NumPy's promotion, broadcasting and
values at every step, independent of the tracer and of every engine.
"""

from __future__ import annotations

import functools
import warnings

import mathfront as mf
import numpy as np
import pytest
from mathfront import _registry
from mathfront._ops import BY_NAME
from mathfront.fuse._program import CAST, REDUCTIONS, Program, Reduction
from support import SIMULATOR

#: How far a compiled engine may be from NumPy: transcendentals differ by a few ulp
#: and cancellation in a later step magnifies that.
RTOL = {"float32": 1e-4, "float64": 1e-9, "float16": 1e-2}


def fusing(backend: str) -> str:
    """Skip unless ``backend`` fuses (numpy always; cpp and cuda once they have ``fused``)."""
    if not hasattr(_registry.get(backend), "fused"):
        pytest.skip(f"{backend} has no fused engine yet")
    if SIMULATOR and backend != "cuda":
        pytest.skip("on the simulator only cuda runs")
    return backend


def oracle(fn, *args):
    """NumPy's answer to ``fn(np, *args)``, or the exception type it raises."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(np, *args)
        except (TypeError, ValueError, OverflowError) as e:
            return type(e)


def check_program(program: Program) -> None:
    """The IR's contract (docs/fuse.md), which engines rely on: every operand of a step
    has the step's loop dtype (where's condition: bool), registers are defined before
    use, and each step's dtype is NumPy's result for its loop."""
    dtypes = program.dtypes
    first_step = program.n_arrays + len(program.scalar_dtypes)
    for k, step in enumerate(program.steps):
        for i, r in enumerate(step.args):
            assert r < first_step + k, f"{step} reads a later register"
            want = "bool" if step.op == "where" and i == 0 else step.loop
            assert dtypes[r] == want, f"{step}: operand {i} is {dtypes[r]}, not {want}"
        if step.op == CAST:
            continue
        op = BY_NAME[step.op]
        if step.op in ("where", "clip"):
            assert step.dtype == step.loop, step
            continue
        loops = (np.dtype(step.loop),) * op.arity
        assert np.dtype(step.dtype) == op.reference.resolve_dtypes((*loops, None))[-1], step
    for o in program.outputs:
        if isinstance(o, Reduction):
            assert o.op in REDUCTIONS and o.arg < len(dtypes)
        else:
            assert first_step <= o < len(dtypes), "an output must be a step's register"


def fused(fn, *args, backend="numpy", **kwargs):
    """mf.fuse's answer to ``fn(mf, *args)``, or the exception type it raises; the
    programs it traced are checked against the IR's contract."""
    f = mf.fuse(functools.partial(fn, mf))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return f(*args, backend=backend, **kwargs)
        except (TypeError, ValueError, OverflowError) as e:
            return type(e)
        finally:
            for traced, _ in f.traces.values():
                check_program(traced.program)


def assert_same(got, expected, backend="numpy", exact=True, what="", loosest=None):
    """Same type, dtype, shape and values (NaN equal); compiled engines: within RTOL
    (of ``loosest`` when an intermediate was less precise than the result: float32
    math feeding a float64 sum)."""
    if isinstance(expected, type):
        # NumPy raises at the first failing step; the tracer may refuse a later one first.
        assert isinstance(got, type) and issubclass(got, (TypeError, ValueError,
                                                          OverflowError)), (
            f"{what}: NumPy raises {expected.__name__}, fused gave {got!r}")
        return
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), what
        for g, e in zip(got, expected, strict=True):
            assert_same(g, e, backend, exact, what, loosest)
        return
    assert not isinstance(got, type), f"{what}: fused raised {got.__name__}, not {expected!r}"
    assert type(got) is type(expected) or (
        isinstance(got, np.ndarray) and isinstance(expected, np.ndarray)), (
        f"{what}: {type(got).__name__} against NumPy's {type(expected).__name__}")
    got_a, exp_a = np.asarray(got), np.asarray(expected)
    assert got_a.dtype == exp_a.dtype, f"{what}: dtype {got_a.dtype} against {exp_a.dtype}"
    assert got_a.shape == exp_a.shape, f"{what}: shape {got_a.shape} against {exp_a.shape}"
    if exact or exp_a.dtype.kind not in "fc":
        np.testing.assert_array_equal(got_a, exp_a, err_msg=what, strict=True)
    else:
        tol = max(RTOL[exp_a.dtype.name], RTOL.get(loosest, 0))
        np.testing.assert_allclose(got_a, exp_a, rtol=tol, atol=tol, equal_nan=True,
                                   err_msg=what)

"""The numpy engine: a program run op by op with NumPy, the reference the others match.

Every register is a whole array (NumPy's temporaries), so it gives exactly
what NumPy gives the same steps. It also takes inputs *not* broadcast to one
shape (NumPy broadcasts each step): the front end runs it so when an output's
own shape is smaller than the program's.
"""

from __future__ import annotations

import numpy as np

from .._ops import BY_NAME
from ._program import CAST, Program, Reduction

_SPECIAL = {"where": np.where, "clip": np.clip}


def _step_function(op: str, dtype: np.dtype):
    if op == CAST:
        return lambda x: x.astype(dtype)  # unsafe: wrap-around and truncation, as the IR says
    fn = _SPECIAL.get(op) or BY_NAME[op].reference
    return fn


def _reduce(r: Reduction):
    fn = getattr(np, r.op)
    extra = {"ddof": r.ddof} if r.op in ("var", "std") else {}
    dtype = np.dtype(r.dtype)

    def reduce(x):
        return np.asarray(fn(x, axis=r.axis, **extra), dtype=dtype)

    return reduce


def fused(program: Program):
    """``run(arrays, scalars, outs)`` for ``program`` (docs/fuse.md's engine interface)."""
    steps = tuple((_step_function(s.op, np.dtype(s.dtype)), s.args) for s in program.steps)
    finish = tuple(_reduce(o) if isinstance(o, Reduction) else None for o in program.outputs)
    last = len(program.dtypes) - 1
    # A single output that is the last step's ufunc result: written into out directly.
    direct = (program.outputs == (last,) and program.steps[-1].op not in (CAST, "where", "clip")
              and isinstance(steps[-1][0], np.ufunc))
    head = steps[:-1] if direct else steps

    def run(arrays, scalars, outs):
        regs = [*arrays, *scalars]
        for fn, args in head:
            regs.append(fn(*(regs[a] for a in args)))
        if direct and outs[0] is not None:
            fn, args = steps[-1]
            fn(*(regs[a] for a in args), out=outs[0])
            return (outs[0],)
        if direct:
            fn, args = steps[-1]
            regs.append(fn(*(regs[a] for a in args)))
        results = []
        for output, reduce, out in zip(program.outputs, finish, outs, strict=True):
            if reduce is not None:
                results.append(reduce(regs[output.arg]))
            elif out is None:
                results.append(np.asarray(regs[output]))
            else:
                np.copyto(out, regs[output], casting="unsafe")
                results.append(out)
        return tuple(results)

    return run

"""The reference backend: NumPy itself, behind mathfront's argument checks."""

from __future__ import annotations

import numpy as np

from .. import _checks
from .._errors import unsupported_dtype
from .._ops import DOT, REDUCTION, Op
from .base import Backend

#: NumPy computes every numeric dtype; object, string and datetime arrays are
#: refused so that mathfront stays a numeric API whatever the backend.
NUMERIC_KINDS = "biufc"
NUMERIC_DTYPES = tuple(
    np.dtype(c).name for c in np.typecodes["AllInteger"] + np.typecodes["AllFloat"] + "?"
)


def _host_operands(op: Op, args):
    operands = [_checks.host_operand(op, "numpy", x, i) for i, x in enumerate(args)]
    for x in operands:
        if isinstance(x, np.ndarray) and x.dtype.kind not in NUMERIC_KINDS:
            raise unsupported_dtype(op.name, "numpy", x.dtype, ["bool, integer, floating, complex"])
    return operands


def _elementwise(op: Op, received):
    ufunc = op.reference

    def general(operands, out):
        operands = _host_operands(op, operands)
        if out is None:
            return ufunc(*operands)
        _checks.validate(op, operands, (out,))
        return ufunc(*operands, out=out)

    # Plain numeric arrays without out= go straight to NumPy: these two
    # closures are the whole cost of the numpy backend on small arrays.
    if op.arity == 1:

        def kernel(x, out, _nd=np.ndarray, _kinds=NUMERIC_KINDS):
            if out is None and type(x) is _nd and x.dtype.kind in _kinds:
                return ufunc(x)
            return general((x,), out)

    else:

        def kernel(x, y, out, _nd=np.ndarray, _kinds=NUMERIC_KINDS):
            if (out is None and type(x) is _nd and type(y) is _nd
                    and x.dtype.kind in _kinds and y.dtype.kind in _kinds):
                return ufunc(x, y)
            return general((x, y), out)

    return kernel


def _reduction(op: Op, received):
    fn = op.reference
    extra_names = received[3:]  # after axis, keepdims, out

    def kernel(x, axis, keepdims, out, *extra):
        (x,) = _host_operands(op, (np.asarray(x) if type(x) in _checks.PY_SCALARS else x,))
        if out is not None:
            _checks.validate(op, [x], (axis, keepdims, out, *extra))
        keywords = dict(zip(extra_names, extra, strict=True))
        return fn(x, axis=axis, keepdims=keepdims, out=out, **keywords)

    return kernel


def _dot(op: Op, received):
    def kernel(x, y, out):
        operands = [np.asarray(v) for v in _host_operands(op, (x, y))]
        _checks.validate(op, operands, (out,))
        result = np.dot(*operands)
        if out is None:
            return result
        out[()] = result
        return out

    return kernel


_FACTORIES = {REDUCTION: _reduction, DOT: _dot}


class NumpyBackend(Backend):
    name = "numpy"
    device = "cpu"
    priority = 0

    def dtypes(self, op: Op):
        return NUMERIC_DTYPES

    def kernel(self, op: Op):
        return _FACTORIES.get(op.kind, _elementwise)(op, self.received_keywords(op))

    def num_threads(self) -> int:
        return 1

    def info(self) -> dict:
        return {"numpy": np.__version__}

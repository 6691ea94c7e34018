"""The reference backend: NumPy itself, behind mathfront's argument checks."""

from __future__ import annotations

import numpy as np

from .. import _checks
from .._errors import unsupported_dtype
from .._ops import DOT, KEYWORD_DEFAULTS, REDUCTION, Op
from .base import Backend

#: NumPy computes every numeric dtype; object, string and datetime arrays are
#: refused so that mathfront stays a numeric API whatever the backend.
NUMERIC_KINDS = "biufc"
NUMERIC_DTYPES = tuple(
    np.dtype(c).name for c in np.typecodes["AllInteger"] + np.typecodes["AllFloat"] + "?"
)


def _host_operands(op: Op, args):
    operands = [_checks.host_operand(op, "numpy", x, i, plain=False) for i, x in enumerate(args)]
    for x in operands:
        if isinstance(x, np.ndarray) and x.dtype.kind not in NUMERIC_KINDS:
            raise unsupported_dtype(op.name, "numpy", x.dtype, ["bool, integer, floating, complex"])
    return operands


def _numpys_own(operands, out) -> bool:
    """Does the call have an operand or out with semantics of its own (masked arrays,
    np.matrix, pandas...)? Then it is NumPy's, through their protocols: result, out
    and errors included, without mathfront's checks, which assume plain arrays."""
    return any(map(_checks.has_own_semantics, operands)) or (
        out is not None and _checks.has_own_semantics(out))


def _elementwise(op: Op, received):
    ufunc = op.reference

    def general(operands, out):
        operands = _host_operands(op, operands)
        if out is None:
            return ufunc(*operands)
        if not _numpys_own(operands, out):
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
    defaults = [(k, KEYWORD_DEFAULTS.get(k)) for k in received]

    def kernel(x, axis, keepdims, out, *extra):
        (x,) = _host_operands(op, (np.asarray(x) if type(x) in _checks.PY_SCALARS else x,))
        values = (axis, keepdims, out, *extra)
        if out is not None and not _numpys_own((x,), out):
            _checks.validate(op, [x], values)
        # Only the keywords given, as NumPy's functions pass them on to a subclass's or
        # duck array's method, which may not take the others (np.matrix.sum: keepdims).
        return fn(x, **{k: v for (k, d), v in zip(defaults, values, strict=True) if v is not d})

    return kernel


def _dot(op: Op, received):
    def kernel(x, y, out):
        operands = _host_operands(op, (x, y))
        if _numpys_own(operands, out):
            _checks.check_dot_shapes(*map(np.shape, operands))  # mf.dot is for 1-D vectors
            result = np.dot(*operands)
            if out is not None:
                _checks.check_out(op, out, (), np.asarray(result).dtype)
        else:
            operands = [np.asarray(v) for v in operands]
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

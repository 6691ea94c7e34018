"""The reference backend: NumPy itself, behind mathfront's argument checks."""

from __future__ import annotations

import numpy as np

from .. import _above, _checks
from .._errors import unsupported_dtype
from .._ops import (
    ALL_KEYWORDS,
    COMPOSITE,
    DOT,
    ELEMENTWISE_LATER,
    KEYWORD_DEFAULTS,
    NO_VALUE,
    REDUCTION,
    SCAN,
    TERNARY,
    Op,
)
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


def _given(names, values) -> dict:
    """The keywords given other values than their defaults: NumPy gets only those,
    as its own functions pass them on (so subclasses without them still work).
    Trailing ones may be missing (a protocol-1 caller, such as a plug-in that
    delegates to this backend, as the defaults of the kernels' parameters say)."""
    return {k: v for k, v in zip(names, values, strict=False) if _above.given(k, v)}


def _numpys_own(operands, out) -> bool:
    """Does the call have an operand or out with semantics of its own (masked arrays,
    np.matrix, pandas...)? Then it is NumPy's, through their protocols: result, out
    and errors included, without mathfront's checks, which assume plain arrays."""
    return any(map(_checks.has_own_semantics, operands)) or (
        out is not None and _checks.has_own_semantics(out))


def _elementwise(op: Op, received):
    ufunc = op.reference
    later = received[1:]  # after out

    def general(operands, out, *keywords):
        operands = _host_operands(op, operands)
        if (op.domain == "exponent>=0" and not _numpys_own(operands, out)
                and np.result_type(*operands).kind in "iu"):
            _checks.check_integer_exponents(operands[1])  # before NumPy writes any of out
        # out=None given to NumPy would silence its warning about where= without out.
        given = _given(("out", *later), (out, *keywords))
        return ufunc(*operands, **given)

    if later != ELEMENTWISE_LATER:  # no ufunc (np.round): its own keywords, by name

        def function(x, out=None, *keywords):
            return general((x,), out, *keywords)

        return function

    # Plain numeric arrays without keywords go straight to NumPy: these two
    # closures are the whole cost of the numpy backend on small arrays.
    casting = KEYWORD_DEFAULTS["casting"]
    if op.arity == 1:

        def kernel(x, out=None, where=True, casting=casting, dtype=None, _nd=np.ndarray,
                   _kinds=NUMERIC_KINDS, _default=casting):
            if (out is None and where is True and casting is _default and dtype is None
                    and type(x) is _nd and x.dtype.kind in _kinds):
                return ufunc(x)
            return general((x,), out, where, casting, dtype)

    else:

        def kernel(x, y, out=None, where=True, casting=casting, dtype=None, _nd=np.ndarray,
                   _kinds=NUMERIC_KINDS, _default=casting):
            if (out is None and where is True and casting is _default and dtype is None
                    and type(x) is _nd and type(y) is _nd
                    and x.dtype.kind in _kinds and y.dtype.kind in _kinds):
                return ufunc(x, y)
            return general((x, y), out, where, casting, dtype)

    return kernel


def _reduction(op: Op, received):
    fn = op.reference
    names = received[1:]  # after axis

    def kernel(x, axis, *keywords):
        (x,) = _host_operands(op, (np.asarray(x) if type(x) in _checks.PY_SCALARS else x,))
        given = _given(names, keywords)
        out = given.get("out")
        if out is not None and not _numpys_own((x,), out):
            _checks.check_reduction_out(op, x, axis, given.get("keepdims", False), out)
        return fn(x, axis=axis, **given)

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


def _scan(op: Op, received):
    fn = op.reference
    names = received[1:]  # after axis

    def kernel(x, axis, *keywords):
        (x,) = _host_operands(op, (x,))
        return fn(x, axis=axis, **_given(names, keywords))

    return kernel


def _ternary(op: Op, received):
    """where, clip: NumPy's function, with the operands and keywords given."""
    fn = op.reference
    names = received  # out, then the later keywords (clip's min, max)

    def kernel(*args):
        n = op.arity
        given = _given(names, args[n:])
        operands = args[:n]
        if op.optional and not op.missing:  # clip: a bound left out is NumPy's <no value>
            required = n - op.optional
            given.update({k: v for k, v in zip(op.operands[required:], operands[required:],
                                               strict=True) if v is not NO_VALUE})
            operands = operands[:required]
        return fn(*_host_operands(op, operands), **given)

    return kernel


def _composite(op: Op, received):
    """diff, vecdot, isclose, allclose, real, imag: NumPy's function."""
    fn = op.reference

    def kernel(*args):
        n = op.arity
        # (checked as arrays; NumPy scalars passed as they are: np.real(np.int8(3)) is one)
        operands = [x if isinstance(x, np.generic) else a
                    for x, a in zip(args[:n], _host_operands(op, args[:n]), strict=True)]
        given = {k: v for k, v in zip(op.keywords, args[n:], strict=True)
                 if v is not op.default(k)}
        return fn(*operands, **given)

    return kernel


_FACTORIES = {REDUCTION: _reduction, DOT: _dot, SCAN: _scan, TERNARY: _ternary,
              COMPOSITE: _composite}


class NumpyBackend(Backend):
    name = "numpy"
    device = "cpu"
    priority = 0
    keywords = ALL_KEYWORDS  # NumPy computes them all

    def dtypes(self, op: Op):
        return NUMERIC_DTYPES

    def kernel(self, op: Op):
        return _FACTORIES.get(op.kind, _elementwise)(op, self.received_keywords(op))

    def num_threads(self) -> int:
        return 1

    def info(self) -> dict:
        return {"numpy": np.__version__}

    def fused(self, program):
        """A fused program (``mf.fuse``) run op by op: the reference (docs/fuse.md)."""
        from ..fuse import _numpy_engine

        return _numpy_engine.fused(program)

"""mathfront's kernels inside Numba's ``@njit`` code.

Every op of the table, over the C ABI (``mathfront.cabi``) for C-contiguous
float32, float64, int32 and int64 arrays::

    import numpy as np
    from numba import njit
    import mathfront.numba as mfn

    @njit
    def standardise(x, out):           # out = (x - mean) / std, in two kernels
        mfn.subtract(x, np.full_like(x, mfn.mean(x)), out)
        mfn.divide(out, np.full_like(x, mfn.std(x)), out)
        return out

Signatures: ``add(a, b, out)`` (every binary op), ``sqrt(x, out)`` (every
unary op; ``out`` is returned), ``sum(x)`` (every reduction, over the whole
array; ``var``/``std``/``nanvar``/``nanstd`` take ``ddof=0``), ``dot(a, b)``,
``cumsum(x, out)`` (every cumulative op, over a 1-D ``x``; int64 ``out`` for
integers).
``out`` has NumPy's result dtype (float64 for ``divide`` and ``sqrt`` of
integers, bool for comparisons and predicates). Non-contiguous arrays are a
typing error, naming the argument.
Called outside ``@njit`` they run ``mathfront``'s own functions on the
``cpp`` backend, with the same answers.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

import mathfront as _mf

from ._checks import result_dtype
from ._ops import BINARY, DOT, OPS, REDUCTION, SCAN, UNARY, Op
from .cabi import ffi, lib

__all__ = [op.name for op in OPS]

_SUFFIX = {"float32": "f32", "float64": "f64", "int32": "i32", "int64": "i64"}


@register_jitable
def _check(status):
    # Constant messages: Numba raises only those (see include/mathfront.h).
    if status == 1:
        raise ValueError("mathfront.numba: a NULL pointer with n > 0")
    if status == 2:
        raise ValueError("mathfront.numba: a negative length")
    if status == 3:
        raise ValueError("mathfront.numba: out overlaps an input without being "
                         "that same array")
    if status == 5:
        raise ValueError("Integers to negative integer powers are not allowed.")


def _array_dtype(op: Op, name: str, typ) -> str:
    """The dtype name of an array argument, or a TypingError saying what is wrong."""
    where = f"mathfront.numba.{op.name}: {name}"
    if not isinstance(typ, types.Array):
        raise TypingError(f"{where} must be a NumPy array, got {typ}")
    if typ.layout != "C":
        raise TypingError(f"{where} is not C-contiguous ({typ}): the C ABI reads contiguous "
                          f"memory; pass np.ascontiguousarray({name})")
    dtype = str(typ.dtype)
    if dtype not in _SUFFIX:
        raise TypingError(f"{where} has dtype {dtype}; supported: {', '.join(_SUFFIX)}")
    return dtype


def _entry(op: Op, dtype: str):
    return getattr(lib, f"mf_{op.name}_{_SUFFIX[dtype]}")


def _same_dtype(op: Op, names, typs) -> str:
    dtypes = {_array_dtype(op, n, t) for n, t in zip(names, typs, strict=True)}
    if len(dtypes) != 1:
        raise TypingError(f"mathfront.numba.{op.name}: {' and '.join(names)} must have one "
                          f"dtype, got {', '.join(sorted(dtypes))}")
    return dtypes.pop()


def _check_out(op: Op, out, dtype: str):
    """Checks ``out``; gives the jitable that views it as the C ABI's out (a bool
    result's out as its bytes: the C functions write uint8_t 0 or 1)."""
    expected = str(result_dtype(op, (np.dtype(dtype),) * op.arity))
    if expected == "bool" and isinstance(out, types.Array) and str(out.dtype) == "bool":
        if out.layout != "C":
            _array_dtype(op, "out", out)  # its TypingError
        return _as_bytes
    if _array_dtype(op, "out", out) != expected:
        raise TypingError(f"mathfront.numba.{op.name}: out has dtype {out.dtype}, the result "
                          f"of {dtype} inputs is {expected}")
    return _as_is


@register_jitable
def _as_bytes(out):
    return out.view(np.uint8)


@register_jitable
def _as_is(out):
    return out


# --- one factory per kind of op: the Python function and its @njit overload ------------

def _binary(op: Op):
    fn = getattr(_mf, op.name)

    def python(a, b, out):
        return fn(a, b, out=out, backend="cpp")

    def typer(a, b, out):
        dtype = _same_dtype(op, ("a", "b"), (a, b))
        view = _check_out(op, out, dtype)
        entry, shapes = _entry(op, dtype), f"mathfront.numba.{op.name}: a, b and out must " \
            "have one shape"

        def impl(a, b, out):
            if a.shape != out.shape or b.shape != out.shape:
                raise ValueError(shapes)
            _check(entry(ffi.from_buffer(a), ffi.from_buffer(b), ffi.from_buffer(view(out)),
                         out.size))
            return out

        return impl

    return python, typer


def _unary(op: Op):
    fn = getattr(_mf, op.name)

    def python(x, out):
        return fn(x, out=out, backend="cpp")

    def typer(x, out):
        dtype = _array_dtype(op, "x", x)
        view = _check_out(op, out, dtype)
        entry, shapes = _entry(op, dtype), f"mathfront.numba.{op.name}: x and out must have " \
            "one shape"

        def impl(x, out):
            if x.shape != out.shape:
                raise ValueError(shapes)
            _check(entry(ffi.from_buffer(x), ffi.from_buffer(view(out)), out.size))
            return out

        return impl

    return python, typer


def _reduction(op: Op):
    fn = getattr(_mf, op.name)
    empty = f"zero-size array to reduction operation {op.name} which has no identity"
    refuse_empty = op.identity is None

    if "ddof" in op.extra:
        def python(x, ddof=0):
            return fn(x, ddof=ddof, backend="cpp")

        def typer(x, ddof=0):
            entry = _entry(op, _array_dtype(op, "x", x))

            def impl(x, ddof=0):
                return entry(ffi.from_buffer(x), x.size, ddof)

            return impl

        return python, typer

    def python(x):
        return fn(x, backend="cpp")

    def typer(x):
        entry = _entry(op, _array_dtype(op, "x", x))

        def impl(x):
            if refuse_empty and x.size == 0:
                raise ValueError(empty)
            return entry(ffi.from_buffer(x), x.size)

        return impl

    return python, typer


def _dot(op: Op):
    def python(a, b):
        return _mf.dot(a, b, backend="cpp")

    def typer(a, b):
        entry = _entry(op, _same_dtype(op, ("a", "b"), (a, b)))
        mismatch = "mathfront.numba.dot: a and b must have one size"

        def impl(a, b):
            if a.size != b.size:
                raise ValueError(mismatch)
            return entry(ffi.from_buffer(a), ffi.from_buffer(b), a.size)

        return impl

    return python, typer


# A cumulative op is called as a unary one: x and out, 1-D (the flattened scan).
_FACTORIES = {BINARY: _binary, UNARY: _unary, REDUCTION: _reduction, DOT: _dot, SCAN: _unary}


def _define(op: Op):
    python, typer = _FACTORIES[op.kind](op)
    python.__name__ = python.__qualname__ = op.name
    python.__module__ = __name__
    python.__doc__ = f"{op.summary} (@njit-callable; see mathfront.numba)"
    overload(python)(typer)
    return python


# where, clip and the composites have no C ABI yet (docs/design.md).
globals().update({op.name: _define(op) for op in OPS if op.kind in _FACTORIES})

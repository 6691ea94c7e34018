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
integers), ``where(condition, x, y, out)`` (a bool ``condition``),
``clip(a, a_min, a_max, out)`` (number or ``None`` bounds, read as NumPy
reads Python scalars: an integer ``a`` takes integer bounds, saturated to its
range), ``diff(a, out)`` (1-D, n=1: ``out`` has ``a.size - 1`` elements),
``vecdot(x1, x2)`` (1-D), ``isclose(a, b, out, rtol=1e-05, atol=1e-08,
equal_nan=False)``, ``allclose(a, b, rtol=1e-05, atol=1e-08,
equal_nan=False)`` (a bool), ``real(x, out)`` (a copy) and ``imag(x, out)``
(zeros).
``out`` has NumPy's result dtype (float64 for ``divide`` and ``sqrt`` of
integers, bool for comparisons, predicates and ``isclose``). Arrays of one
call have one shape (no broadcasting). Non-contiguous arrays are a typing
error, naming the argument.
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
from ._ops import BINARY, COMPOSITE, DOT, OPS, REDUCTION, SCAN, TERNARY, UNARY, Op
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


def _bool_array(op: Op, name: str, typ) -> None:
    """Checks a bool array argument (where's condition): the C ABI reads its bytes."""
    if not (isinstance(typ, types.Array) and typ.dtype == types.boolean):
        raise TypingError(f"mathfront.numba.{op.name}: {name} must be a bool array, got {typ}; "
                          f"pass {name} != 0")
    if typ.layout != "C":
        raise TypingError(f"mathfront.numba.{op.name}: {name} is not C-contiguous ({typ}): the "
                          f"C ABI reads contiguous memory; pass np.ascontiguousarray({name})")


def _one_d(op: Op, name: str, typ) -> None:
    if typ.ndim != 1:
        raise TypingError(f"mathfront.numba.{op.name}: {name} must be 1-D, got {typ.ndim}-D")


def _number(op: Op, name: str, typ, kinds=(types.Integer, types.Float, types.Boolean)) -> None:
    # (an argument left out comes as its default's Python value, or as Omitted)
    if not isinstance(typ, (types.Omitted, int, float, *kinds)):
        raise TypingError(f"mathfront.numba.{op.name}: {name} must be a number, got {typ}")


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


def _into(op: Op):
    """The Python form of a wrapper: the op's own ``out=``, or, for an op whose NumPy
    signature has none (where, diff, isclose, real, imag), its result copied into out."""
    fn = getattr(_mf, op.name)
    if "out" in op.hidden:
        def call(*args, out):
            out[...] = fn(*args, backend="cpp")
            return out
    else:
        def call(*args, out):
            return fn(*args, out=out, backend="cpp")
    return call


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
    into = _into(op)

    def python(x, out):
        return into(x, out=out)

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


# --- where, clip and the composites: each its C function's form (gen_ops.C_FORMS) -------

def _where(op: Op):
    into = _into(op)

    def python(condition, x, y, out):
        return into(condition, x, y, out=out)

    def typer(condition, x, y, out):
        _bool_array(op, "condition", condition)
        dtype = _same_dtype(op, ("x", "y"), (x, y))
        view = _check_out(op, out, dtype)
        entry, shapes = _entry(op, dtype), "mathfront.numba.where: condition, x, y and out " \
            "must have one shape"

        def impl(condition, x, y, out):
            if condition.shape != out.shape or x.shape != out.shape or y.shape != out.shape:
                raise ValueError(shapes)
            _check(entry(ffi.from_buffer(condition.view(np.uint8)), ffi.from_buffer(x),
                         ffi.from_buffer(y), ffi.from_buffer(view(out)), out.size))
            return out

        return impl

    return python, typer


def _bound(op: Op, name: str, typ, dtype: str, missing):
    """The jitable that gives a clip bound as the C ABI's T: ``missing`` (no bound) for
    None, an integer saturated to an integer dtype's range (NumPy 2.1 clips a Python
    int beyond it so), any number cast to a float dtype (NumPy casts a Python float)."""
    scalar = np.dtype(dtype).type
    if isinstance(typ, types.NoneType):
        @register_jitable
        def none(v):
            return scalar(missing)
        return none
    floating = np.dtype(dtype).kind == "f"
    _number(op, name, typ, (types.Float, types.Boolean, types.Integer) if floating
            else (types.Boolean, types.Integer))
    if isinstance(typ, types.Integer) and not typ.signed:
        raise TypingError(f"mathfront.numba.{op.name}: {name} is {typ}; pass a signed integer")
    if floating or isinstance(typ, types.Boolean) or typ.bitwidth <= np.dtype(dtype).itemsize * 8:
        @register_jitable
        def cast(v):
            return scalar(v)
        return cast
    low, high = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)

    @register_jitable
    def saturate(v):
        return scalar(low if v < low else high if v > high else v)
    return saturate


def _clip(op: Op):
    into = _into(op)

    def python(a, a_min, a_max, out):
        return into(a, a_min, a_max, out=out)

    def typer(a, a_min, a_max, out):
        dtype = _array_dtype(op, "a", a)
        if np.dtype(dtype).kind == "f":
            low, high = -np.inf, np.inf
        else:
            low, high = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
        for name, bound in (("a_min", a_min), ("a_max", a_max)):
            if isinstance(bound, types.Float) and np.dtype(dtype).kind != "f":
                raise TypingError(f"mathfront.numba.clip: {name} is a float and a is {dtype}: "
                                  "NumPy's result would be float64; pass a float array")
        lo, hi = _bound(op, "a_min", a_min, dtype, low), _bound(op, "a_max", a_max, dtype, high)
        view = _check_out(op, out, dtype)
        entry, shapes = _entry(op, dtype), "mathfront.numba.clip: a and out must have one shape"

        def impl(a, a_min, a_max, out):
            if a.shape != out.shape:
                raise ValueError(shapes)
            _check(entry(ffi.from_buffer(a), lo(a_min), hi(a_max), ffi.from_buffer(view(out)),
                         out.size))
            return out

        return impl

    return python, typer


def _diff(op: Op):
    into = _into(op)

    def python(a, out):
        return into(a, out=out)

    def typer(a, out):
        dtype = _array_dtype(op, "a", a)
        _one_d(op, "a", a)
        view = _check_out(op, out, dtype)
        _one_d(op, "out", out)
        entry, size = _entry(op, dtype), "mathfront.numba.diff: out must have a.size - 1 " \
            "elements (none for an empty a)"

        def impl(a, out):  # (max, min, abs... are this module's wrappers: none used here)
            if out.size != (a.size - 1 if a.size else 0):
                raise ValueError(size)
            _check(entry(ffi.from_buffer(a), ffi.from_buffer(view(out)), a.size))
            return out

        return impl

    return python, typer


def _vecdot(op: Op):
    def python(x1, x2):
        return _mf.vecdot(x1, x2, backend="cpp")

    def typer(x1, x2):
        dtype = _same_dtype(op, ("x1", "x2"), (x1, x2))
        _one_d(op, "x1", x1)
        _one_d(op, "x2", x2)
        entry, mismatch = _entry(op, dtype), "mathfront.numba.vecdot: x1 and x2 must have " \
            "one size"

        def impl(x1, x2):
            if x1.size != x2.size:
                raise ValueError(mismatch)
            return entry(ffi.from_buffer(x1), ffi.from_buffer(x2), x1.size)

        return impl

    return python, typer


def _tolerances(op: Op, rtol, atol, equal_nan) -> None:
    _number(op, "rtol", rtol)
    _number(op, "atol", atol)
    _number(op, "equal_nan", equal_nan, (types.Boolean, types.Integer))


def _isclose(op: Op):
    into = _into(op)

    def python(a, b, out, rtol=1e-05, atol=1e-08, equal_nan=False):
        return into(a, b, rtol, atol, equal_nan, out=out)

    def typer(a, b, out, rtol=1e-05, atol=1e-08, equal_nan=False):
        dtype = _same_dtype(op, ("a", "b"), (a, b))
        _tolerances(op, rtol, atol, equal_nan)
        view = _check_out(op, out, dtype)
        entry, shapes = _entry(op, dtype), "mathfront.numba.isclose: a, b and out must have " \
            "one shape"

        def impl(a, b, out, rtol=1e-05, atol=1e-08, equal_nan=False):
            if a.shape != out.shape or b.shape != out.shape:
                raise ValueError(shapes)
            _check(entry(ffi.from_buffer(a), ffi.from_buffer(b), ffi.from_buffer(view(out)),
                         out.size, rtol, atol, 1 if equal_nan else 0))
            return out

        return impl

    return python, typer


def _allclose(op: Op):
    def python(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _mf.allclose(a, b, rtol, atol, equal_nan, backend="cpp")

    def typer(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
        dtype = _same_dtype(op, ("a", "b"), (a, b))
        _tolerances(op, rtol, atol, equal_nan)
        entry, shapes = _entry(op, dtype), "mathfront.numba.allclose: a and b must have one shape"

        def impl(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
            if a.shape != b.shape:
                raise ValueError(shapes)
            return entry(ffi.from_buffer(a), ffi.from_buffer(b), a.size, rtol, atol,
                         1 if equal_nan else 0) != 0

        return impl

    return python, typer


# A cumulative op is called as a unary one: x and out, 1-D (the flattened scan).
_FACTORIES = {BINARY: _binary, UNARY: _unary, REDUCTION: _reduction, DOT: _dot, SCAN: _unary}
# Ternary ops and composites: each its own (real and imag: x and out, as a unary op).
_OWN = {"where": _where, "clip": _clip, "diff": _diff, "vecdot": _vecdot, "isclose": _isclose,
        "allclose": _allclose, "real": _unary, "imag": _unary}


def _define(op: Op):
    factory = _OWN[op.name] if op.kind in (TERNARY, COMPOSITE) else _FACTORIES[op.kind]
    python, typer = factory(op)
    python.__name__ = python.__qualname__ = op.name
    python.__module__ = __name__
    python.__doc__ = f"{op.summary} (@njit-callable; see mathfront.numba)"
    overload(python)(typer)
    return python


globals().update({op.name: _define(op) for op in OPS})

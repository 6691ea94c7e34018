"""Composite ops (kind ``composite``: diff, vecdot, isclose, allclose), written once.

Each is NumPy's own formula in terms of other ops of the table (``Op.parts``),
computed by the kernels of the backend that runs the call: on device arrays
the work stays on the device, and a compiled engine runs each step threaded.
The numpy backend runs NumPy's function itself. ``kernel(op, backend, part)``
gives the op's kernel, where ``part(other_op)`` is the backend's kernel for
another op, taking that op's whole call.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from . import _above, _checks
from ._ops import BY_NAME, NO_VALUE, Op


def _call(part, name: str, *operands, **keywords):
    """The backend's ``name`` on ``operands``, the other keywords at their defaults."""
    other = BY_NAME[name]
    return part(other)(*operands, *(keywords.get(k, other.default(k)) for k in other.keywords))


def _operand(op: Op, backend, x, i: int):
    """A device array as it is (the cuda engine checks it); a host operand as the
    backend's kernels read it (Python scalars weak, array-likes as arrays)."""
    if backend.device != "cpu" or type(x) in _checks.PY_SCALARS:
        return x  # a device backend's kernels check theirs (and the transfer policy)
    return _checks.host_operand(op, backend.name, x, i)


def _dtype(x) -> np.dtype:
    return np.asarray(x).dtype if type(x) in _checks.PY_SCALARS else _above._dtype_of(x)


def _shape(x) -> tuple[int, ...]:
    return () if type(x) in _checks.PY_SCALARS else tuple(x.shape)


def diff(op: Op, backend, part, a, n, axis, prepend, append, out):
    """NumPy's diff: ``a[1:] - a[:-1]`` along ``axis``, ``n`` times (the backend's subtract)."""
    a = _operand(op, backend, a, 0)
    if type(a) in _checks.PY_SCALARS:
        a = np.asarray(a)
    n = operator.index(n)
    if n == 0:
        return a
    if n < 0:
        raise ValueError("order must be non-negative but got " + repr(n))
    ndim = len(_shape(a))
    if ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis_index(axis, ndim)
    if (prepend is not NO_VALUE or append is not NO_VALUE) and _checks.is_device_array(a):
        a = _concatenate_on_device(op, backend, a, axis, prepend, append)
    elif prepend is not NO_VALUE or append is not NO_VALUE:
        parts = []
        for values in (prepend, a, append):
            if values is NO_VALUE:
                continue
            values = np.asanyarray(values)
            if values.ndim == 0:  # NumPy's: broadcast along the axis, length 1
                shape = list(a.shape)
                shape[axis] = 1
                values = np.broadcast_to(values, tuple(shape))
            parts.append(values)
        a = np.concatenate(parts, axis)
    later = (slice(1, None),)
    earlier = (slice(None, -1),)
    before = (slice(None),) * axis
    for _ in range(n):
        # (bool: NumPy's diff is not_equal, as subtract refuses bool)
        a = _call(part, "not_equal" if _dtype(a) == np.bool_ else "subtract",
                  a[before + later], a[before + earlier])
    return a


def _concatenate_on_device(op: Op, backend, a, axis: int, prepend, append):
    """diff's ``concatenate((prepend, a, append), axis)`` for device array ``a``: a new
    device array of NumPy's result dtype, each part copied into its slice by the
    backend's ``copyto`` (a scalar broadcast along the axis, as NumPy's diff does)."""
    shape = tuple(a.shape)
    parts, sizes = [], []
    for values in (prepend, a, append):
        if values is NO_VALUE:
            continue
        if not _checks.is_device_array(values):
            values = np.asarray(values)
            if values.ndim:
                raise TypeError(f"mathfront.{op.name}: prepend= and append= of a device array "
                                "must be device arrays or scalars; move it with mf.to_device")
        part = tuple(values.shape)
        if not part:
            part = (*shape[:axis], 1, *shape[axis + 1:])
        if len(part) != len(shape) or part[:axis] + part[axis + 1:] != \
                shape[:axis] + shape[axis + 1:]:
            raise ValueError(f"all the input array dimensions except for the concatenation axis "
                             f"must match exactly: {_checks.fmt_shape(part)} against "
                             f"{_checks.fmt_shape(shape)} along axis {axis}")
        parts.append(values)
        sizes.append(part[axis])
    dtype = np.result_type(*(_dtype(x) for x in parts))  # as np.concatenate: no weak scalars
    from . import cuda_numba

    target = cuda_numba.empty_like(a, (*shape[:axis], sum(sizes), *shape[axis + 1:]), dtype)
    before, start = (slice(None),) * axis, 0
    for values, size in zip(parts, sizes, strict=True):
        backend.copyto(target[(*before, slice(start, start + size))], values)
        start += size
    return target


class _AxisLast:
    """Device array ``x`` with axis ``k`` moved last: its memory, shape and strides permuted
    (a view, as ``np.moveaxis``, through ``__cuda_array_interface__``)."""

    def __init__(self, x, k: int):
        cai = x.__cuda_array_interface__
        shape = tuple(cai["shape"])
        strides = _checks.interface_strides(cai)
        order = (*range(k), *range(k + 1, len(shape)), k)
        self.__cuda_array_interface__ = {**cai, "shape": tuple(shape[i] for i in order),
                                         "strides": tuple(strides[i] for i in order)}
        self.base = x  # keeps the memory alive
        self.dtype = np.dtype(cai["typestr"])
        self.shape = self.__cuda_array_interface__["shape"]
        self.ndim = len(shape)
        self.size = int(np.prod(shape, dtype=np.int64))


def _axis_last(x, k: int):
    """A device array's view with axis ``k`` last (the simulator's arrays have no
    ``__cuda_array_interface__``, but a NumPy ``transpose`` that is a view)."""
    if hasattr(x, "__cuda_array_interface__"):
        return _AxisLast(x, k)
    return x.transpose((*range(k), *range(k + 1, len(x.shape)), k))


def vecdot(op: Op, backend, part, x1, x2, out, axis):
    """NumPy 2's vecdot for real dtypes: sum(x1 * x2) along ``axis`` of each operand
    (the backend's multiply and sum), in the product's dtype."""
    x1, x2 = (_operand(op, backend, x, i) for i, x in enumerate((x1, x2)))
    x1, x2 = (np.asarray(x) if type(x) in _checks.PY_SCALARS else x for x in (x1, x2))
    s1, s2 = _shape(x1), _shape(x2)
    # NumPy's own errors (too few dimensions, a bad axis, core sizes that differ)
    # and result dtype, from its vecdot on broadcast zeros of the core axis only.
    probes = []
    for x, shape in ((x1, s1), (x2, s2)):
        probe = [1] * len(shape)
        if shape:
            try:
                probe[normalize_axis_index(axis, len(shape))] = shape[
                    normalize_axis_index(axis, len(shape))]
            except np.exceptions.AxisError:
                pass
        probes.append(np.broadcast_to(np.zeros((), _dtype(x)), tuple(probe)))
    dtype = np.asarray(np.vecdot(*probes, axis=axis)).dtype
    moved = []
    for x, shape in ((x1, s1), (x2, s2)):
        k = normalize_axis_index(axis, len(shape))
        if k != len(shape) - 1:
            x = _axis_last(x, k) if _checks.is_device_array(x) else np.moveaxis(x, k, -1)
        moved.append(x)
    product = _call(part, "multiply", *moved)  # (bool, whose vecdot ORs ANDs: no part)
    return _call(part, "sum", product, axis=-1, out=out,
                 dtype=None if dtype.kind == "f" else dtype)


def isclose(op: Op, backend, part, a, b, rtol, atol, equal_nan, out):
    """NumPy 2's isclose: ``less_equal(abs(x - y), atol + rtol * abs(y)) & isfinite(y)
    | (x == y)``, and ``| isnan(x) & isnan(y)`` with ``equal_nan``; y in a float type."""
    x, y = (_operand(op, backend, v, i) for i, v in enumerate((a, b)))
    if type(y) in _checks.PY_SCALARS:
        y = float(y) if type(y) in (bool, int) else y
    else:
        dt = np.result_type(_dtype(y), 1.0)
        if _dtype(y) != dt:
            y = _call(part, "positive", y, dtype=dt) if _checks.is_device_array(y) \
                else np.asarray(y, dt)
    for tol in (atol, rtol):
        if not np.all(np.isfinite(tol)):
            message = f"One of rtol or atol is not valid, atol: {atol}, rtol: {rtol}"
            mode = np.geterr()["invalid"]
            if mode == "warn":
                warnings.warn(message, RuntimeWarning, stacklevel=3)
            elif mode == "raise":
                raise FloatingPointError(message)
            elif mode == "print":
                print(message)
            break
    with np.errstate(invalid="ignore"):
        within = _call(part, "less_equal",
                       _call(part, "abs", _call(part, "subtract", x, y)),
                       _call(part, "add", atol,
                             _call(part, "multiply", rtol, _call(part, "abs", y))))
        result = _call(part, "logical_or",
                       _call(part, "logical_and", within, _call(part, "isfinite", y)),
                       _call(part, "equal", x, y))
        if equal_nan:
            both = _call(part, "logical_and", _call(part, "isnan", x),
                         _call(part, "isnan", y))
            result = _call(part, "logical_or", result, both)
    if isinstance(result, np.ndarray) and result.ndim == 0:
        return result[()]  # NumPy's: 0-d as a scalar
    return result


def allclose(op: Op, backend, part, a, b, rtol, atol, equal_nan, out):
    """NumPy's allclose: all(isclose(...)), a Python bool (a 0-d device array on the device)."""
    close = isclose(BY_NAME["isclose"], backend, part, a, b, rtol, atol, equal_nan, None)
    result = _call(part, "all", close)
    return result if _checks.is_device_array(result) else bool(result)


def real(op: Op, backend, part, val, out):
    """NumPy's real of a real input: the input itself (an array is not copied)."""
    return val if _checks.is_device_array(val) else np.real(val)  # (host: a view, no work)


def imag(op: Op, backend, part, val, out):
    """NumPy's imag of a real input: zeros of its dtype and shape (read-only on the
    host); a device array's from the backend's where, so that they stay there."""
    if not _checks.is_device_array(val):
        return np.imag(val)  # (host: NumPy's read-only zeros, nothing to compute)
    return _call(part, "where", False, val, 0)


_IMPLEMENTATIONS = {"diff": diff, "vecdot": vecdot, "isclose": isclose, "allclose": allclose,
                    "real": real, "imag": imag}


def kernel(op: Op, backend, part):
    """``op``'s kernel on ``backend``: its formula over ``part(other_op)``'s kernels."""
    implementation = _IMPLEMENTATIONS[op.name]

    def run(*args):
        # the contract's TypeError for dtypes the backend's parts lack (or parts not
        # in the table yet: isclose before the comparisons)
        backend.require(op, _checks.involved_dtypes(op, args))
        return implementation(op, backend, part, *args)

    return run

"""Argument checks shared by every backend.

Each backend validates a call with these helpers before it writes anything,
so the same bad input gets the same exception and message whichever backend
runs. Result dtypes come from NumPy itself (the oracle): the reference
function is run once on one-element samples of the operand types, and the
answer is cached.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
import warnings

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ._errors import LazyOperand
from ._ops import NO_VALUE, REDUCTION, SCAN, Op

#: Python scalar types that NumPy 2 treats as "weak" in promotion.
PY_SCALARS = (bool, int, float, complex)


def fmt_shape(shape) -> str:
    """A shape as NumPy writes it in messages: ``(3,)``, ``(2,3)``, ``()``."""
    return "(" + ",".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


_DEVICE_TYPES: set[type] = set()


def dtype_of(x) -> np.dtype:
    """An array's NumPy dtype (PyTorch's tensors have their own: the interface's typestr)."""
    dtype = x.dtype
    if isinstance(dtype, np.dtype) or not is_device_array(x):
        return np.dtype(dtype)
    return np.dtype(x.__cuda_array_interface__["typestr"])


def is_device_array(x) -> bool:
    """On a GPU: it has ``__cuda_array_interface__`` (Numba, CuPy, PyTorch...).

    Numba's CUDA simulator arrays have none, so they are known by type name
    (without importing numba, which ``import mathfront`` never does).
    """
    if isinstance(x, np.ndarray):
        return False
    t = type(x)
    if t in _DEVICE_TYPES:
        return True
    # Asked of the type first: on an instance the attribute may be a property
    # that builds a dict (Numba's does), microseconds on every small call.
    if hasattr(t, "__cuda_array_interface__") or t.__name__ == "FakeCUDAArray":
        if t.__module__.partition(".")[0] == "torch":
            # One type for CPU and GPU tensors (its property raises on CPU ones).
            return getattr(x, "is_cuda", False) is True
        _DEVICE_TYPES.add(t)
        return True
    return hasattr(x, "__cuda_array_interface__")  # set on the instance


def interface_strides(cai: dict) -> tuple[int, ...]:
    """The byte strides of a ``__cuda_array_interface__``: as given, or the
    C-contiguous ones its absent ``strides`` means."""
    strides = cai.get("strides")
    if strides is not None:
        return tuple(strides)
    shape = tuple(cai["shape"])
    itemsize = np.dtype(cai["typestr"]).itemsize
    return tuple(int(np.prod(shape[i + 1:], dtype=np.int64)) * itemsize
                 for i in range(len(shape)))


#: ndarray subclasses that keep ndarray's semantics, so that a kernel may read
#: them as plain arrays: NumPy gives plain ndarrays for their results, as the
#: kernels do (np.memmap: only where the data lies differs). An allowlist,
#: checked by exact type: which methods a subclass overrides does not tell
#: (masked arrays keep ndarray's __array_ufunc__ and change every answer).
PLAIN_SUBCLASSES = frozenset({np.memmap})


def is_lazy(x) -> bool:
    """A dask array: computing on it means building a graph (``mathfront._dask``).

    Known by its type's module, so that ``import mathfront`` never imports dask
    (a dask array cannot exist without dask imported).
    """
    t = type(x)
    return t.__module__.startswith("dask.array") and hasattr(t, "__dask_graph__")


def has_own_semantics(x) -> bool:
    """``x`` decides itself what NumPy's functions do to it, so no kernel may read
    it as a plain array: an ndarray subclass outside ``PLAIN_SUBCLASSES`` (masked
    arrays, ``np.matrix``...) or an object with ``__array_ufunc__`` or
    ``__array_function__`` (pandas, xarray, dask...; looked up on the type, as
    NumPy does). Plain ndarrays, Python and NumPy scalars, other array-likes
    (lists, objects with only ``__array__``: NumPy converts them too) and device
    arrays (``is_device_array``: their own rules apply) have none. A dask array
    (``is_lazy``) raises ``LazyOperand``: its call becomes a graph.
    """
    t = type(x)
    if t is np.ndarray or t in PY_SCALARS or t in PLAIN_SUBCLASSES:
        return False
    if isinstance(x, np.ndarray):
        return True
    if is_lazy(x):
        # Every path that must not read x as a plain array asks here first: the
        # public function catches this and builds a dask graph instead.
        raise LazyOperand
    return (hasattr(t, "__array_ufunc__") or hasattr(t, "__array_function__")) \
        and not is_device_array(x)


def own_semantics_refused(op: Op, backend: str, x, where: str) -> TypeError:
    """The error of a backend that computes on plain arrays given ``x`` (``where``:
    "operand 0", "out"), which has semantics of its own."""
    t = type(x)
    return TypeError(
        f"mathfront.{op.name}: backend {backend!r} computes on plain arrays, but {where} is a "
        f"{t.__module__}.{t.__qualname__}, whose own semantics (through NumPy's array "
        "protocols) it does not implement; use backend='numpy' or backend='auto'"
    )


def host_operand(op: Op, backend: str, x, position: int, plain: bool = True):
    """``x`` as something a host backend can compute on, without copying arrays.

    Python scalars stay as they are (they are weak in promotion); NumPy scalars
    and array-likes become arrays; device arrays are refused rather than copied
    behind the user's back. An operand with semantics of its own
    (``has_own_semantics``) is refused when ``plain`` (the backend reads
    operands as plain arrays: compiled kernels), else kept as it is for NumPy.
    """
    t = type(x)
    if t is np.ndarray or t in PY_SCALARS:
        return x
    if is_device_array(x):
        raise TypeError(
            f"mathfront.{op.name}: backend {backend!r} computes on host arrays, but "
            f"operand {position} is a device array ({t.__name__}); use "
            "mf.to_host(x), or backend='cuda'"
        )
    if has_own_semantics(x):
        if plain:
            raise own_semantics_refused(op, backend, x, f"operand {position}")
        return x
    return x if isinstance(x, np.ndarray) else np.asarray(x)


def plain_out(op: Op, backend: str, out) -> None:
    """Refuse a host ``out`` with semantics of its own, for a backend that writes
    plain arrays (as ``host_operand`` refuses such operands)."""
    if out is not None and type(out) is not np.ndarray and has_own_semantics(out):
        raise own_semantics_refused(op, backend, out, "out")


def operand_type(x):
    """Promotion key of an operand: its dtype, or the Python type of a weak scalar."""
    t = type(x)
    return t if t in PY_SCALARS else x.dtype


def dtype_of_key(key) -> np.dtype:
    """The dtype a promotion key stands for when a backend must check support."""
    if isinstance(key, np.dtype):
        return key
    return np.dtype(key)  # a weak Python scalar: bool, int64, float64, complex128


_SAMPLES = {bool: True, int: 1, float: 1.0, complex: 1.0 + 0j}


@functools.lru_cache(maxsize=2048)
def result_dtype(op: Op, keys: tuple, dtype=None) -> np.dtype:
    """The dtype NumPy gives ``op`` for operands of these types (cached)."""
    samples = [_SAMPLES[k] if k in _SAMPLES else np.ones(1, k) for k in keys]
    kw = {} if dtype is None else {"dtype": dtype}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(op.reference(*samples, **kw)).dtype


def broadcast_shape(shapes) -> tuple[int, ...]:
    first = shapes[0]
    if all(s == first for s in shapes):  # the common case, without NumPy's Python-level walk
        return tuple(first)
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " ".join(fmt_shape(s) for s in shapes)
        raise ValueError(
            f"operands could not be broadcast together with shapes {listed}"
        ) from None


def reduction_axes(op: Op, ndim: int, axis) -> tuple[int, ...] | None:
    """Normalised reduced axes; ``None`` means "all, flattened" for argmin/argmax.

    Raises NumPy's ``AxisError`` for an axis out of range, ``ValueError`` for a
    repeated axis and ``TypeError`` for a non-integer, as NumPy does.
    """
    if op.is_arg:
        if axis is None:
            return None
        # NumPy lets a 0-d array be reduced along axis 0 (or -1) by argmin/argmax.
        return (normalize_axis_index(operator.index(axis), max(ndim, 1)),)
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, tuple):
        try:
            axis = operator.index(axis)
        except TypeError:  # a list, a float: refused as NumPy refuses it, in its words
            op.reference(np.zeros((1,) * ndim), axis=axis)
            raise
    axes = normalize_axis_tuple(axis, ndim, allow_duplicate=True)
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")  # NumPy's reductions' words
    return axes


def scan_axis(op: Op, ndim: int, axis) -> int | None:
    """A cumulative op's axis, normalised; None: the flattened array. A 0-d array
    counts as 1-d, as NumPy counts it. Raises NumPy's errors in its words."""
    if axis is None:
        if op.standard and ndim > 1:
            raise ValueError("For arrays which have more than one dimension ``axis`` "
                             "argument is required.")
        return None
    if op.standard and isinstance(axis, tuple):  # NumPy's accumulate takes one axis
        if len(axis) != 1:
            raise ValueError("accumulate does not allow multiple axes")
        (axis,) = axis
    return normalize_axis_index(operator.index(axis), max(ndim, 1))


def scan_shape(op: Op, shape, axis, include_initial: bool = False) -> tuple[int, ...]:
    """The result's shape: the flattened size for axis None (and 0-d arrays), else
    ``shape``; ``include_initial`` adds one element along the axis."""
    shape = tuple(shape)
    if axis is None or not shape:
        shape = (math.prod(shape),)
        axis = 0
    if include_initial:
        shape = (*shape[:axis], shape[axis] + 1, *shape[axis + 1:])
    return shape


def reduced_shape(shape, axes, keepdims) -> tuple[int, ...]:
    if axes is None:  # argmin/argmax over the flattened array
        return (1,) * len(shape) if keepdims else ()
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def normalize_dtype(op: Op, dtype):
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"mathfront.{op.name}: dtype={dtype!r} is not a dtype ({e})") from None


def involved_dtypes(op: Op, args) -> list[np.dtype]:
    """Dtypes a backend must handle for a raw call (weak int/float scalars excluded).

    Duck arrays (not ndarrays, with semantics of their own) are left out: only
    the numpy backend computes them, and through their own protocols.

    ``args`` are the operands then the op's keywords, as kernels receive them.
    """
    dtypes = []
    for x in args[: op.arity]:
        if type(x) in (bool, int, float) or x is None or x is NO_VALUE:
            continue  # (None, NO_VALUE: clip's bounds left out)
        if not isinstance(x, np.ndarray) and has_own_semantics(x):
            continue  # its dtype (pandas' Int64...) is its own protocols' business
        dtype = getattr(x, "dtype", None)
        if dtype is None:
            dtypes.append(np.asarray(x).dtype)
        elif isinstance(dtype, np.dtype) or not is_device_array(x):
            dtypes.append(np.dtype(dtype))
        else:  # PyTorch's dtypes are not NumPy's: the interface's typestr is
            dtypes.append(np.dtype(x.__cuda_array_interface__["typestr"]))
    # dtype= (a plain call, protocol 1's keywords only, holds it only where it is
    # one of them: sum, mean...; a whole call also for ufuncs, var, std).
    at = op.arity + op.keywords.index("dtype") if "dtype" in op.keywords else len(args)
    if at < len(args) and args[at] is not None:
        dtypes.append(normalize_dtype(op, args[at]))
    return dtypes


def check_out(op: Op, out, shape, dtype, kind: str = "host") -> None:
    """``out`` must be an array of exactly the result's shape and dtype.

    ``kind`` is where the operands are: "host" (a numpy.ndarray is needed) or
    "device" (an array with ``__cuda_array_interface__``).
    """
    if not (isinstance(out, np.ndarray) if kind == "host" else is_device_array(out)):
        expected = "numpy.ndarray" if kind == "host" else "device array"
        raise TypeError(
            f"mathfront.{op.name}: out must be a {expected} of shape {fmt_shape(shape)} and "
            f"dtype {dtype}, got {type(out).__name__}"
        )
    if tuple(out.shape) != tuple(shape):
        raise ValueError(
            f"mathfront.{op.name}: out has shape {fmt_shape(out.shape)}, but the result "
            f"has shape {fmt_shape(shape)}"
        )
    if out.dtype != dtype:
        raise TypeError(
            f"mathfront.{op.name}: out has dtype {out.dtype}, but the result has dtype "
            f"{dtype}"
        )
    flags = getattr(out, "flags", None)
    if flags is not None and not flags.writeable:
        raise ValueError(f"mathfront.{op.name}: out is read-only (output array is read-only)")


def check_reduction_out(op: Op, x, axis, keepdims, out) -> None:
    """NumPy's ``out`` of a reduction: any numeric dtype (the result is cast, as
    NumPy casts it; argmin/argmax: an integer or bool one), exactly the result's
    shape (checked here, so that the message is the same on every backend)."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"mathfront.{op.name}: out must be a numpy.ndarray, got "
                        f"{type(out).__name__}")
    if op.is_arg and out.dtype.kind not in "iub":
        raise TypeError(f"Cannot cast scalar from {out.dtype!r} to dtype('int64') according "
                        "to the rule 'safe'")  # NumPy's words
    shape = reduced_shape(np.shape(x), reduction_axes(op, np.ndim(x), axis), keepdims)
    check_out(op, out, shape, out.dtype)


def check_dot_shapes(xs, ys) -> None:
    if len(xs) != 1 or len(ys) != 1:
        raise ValueError(
            f"mathfront.dot takes two 1-D vectors, got shapes {fmt_shape(xs)} and {fmt_shape(ys)}"
        )
    if xs != ys:
        raise ValueError(
            f"shapes {fmt_shape(xs)} and {fmt_shape(ys)} not aligned: "
            f"{xs[0]} (dim 0) != {ys[0]} (dim 0)"
        )


def check_integer_exponents(exponent) -> None:
    """NumPy refuses negative integer powers, but only after writing part of ``out``."""
    if type(exponent) in PY_SCALARS:
        negative = exponent < 0
    else:
        negative = bool(np.any(np.asarray(exponent) < 0)) if exponent.size else False
    if negative:
        raise ValueError("Integers to negative integer powers are not allowed.")


def real_ddof(op: Op, ddof) -> float:
    """ddof as the compiled backends take it: any real number, as NumPy takes."""
    if isinstance(ddof, (numbers.Real, np.bool_)):
        return float(ddof)
    raise TypeError(f"mathfront.{op.name}: ddof must be a real number, got {ddof!r}")


def clip_bounds(a_min, a_max, min_, max_) -> tuple:
    """clip's bounds from ``a_min``/``a_max`` or NumPy 2.1's ``min``/``max`` (NO_VALUE:
    not given), as NumPy's ``clip`` takes them, in its words; None: no bound."""
    if a_min is NO_VALUE and a_max is NO_VALUE:
        return (None if min_ is NO_VALUE else min_), (None if max_ is NO_VALUE else max_)
    for name, bound in (("a_min", a_min), ("a_max", a_max)):
        if bound is NO_VALUE:
            raise TypeError(f"clip() missing 1 required positional argument: '{name}'")
    if min_ is not NO_VALUE or max_ is not NO_VALUE:
        raise ValueError("Passing `min` or `max` keyword argument when `a_min` and `a_max` "
                         "are provided is forbidden.")
    return a_min, a_max


def _extremes(dtype: np.dtype) -> tuple:
    """The lowest and highest values of ``dtype``, as weak Python scalars (they take
    the other operands' dtype, on the host and on the device alike)."""
    if dtype.kind == "f":
        return -math.inf, math.inf
    if dtype.kind == "b":
        return False, True
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def bounded(op: Op, a, lo, hi, dtype_of) -> tuple:
    """clip's three operands with a missing bound (None) made the result dtype's
    extreme (-inf, the lowest integer...), which clips nothing: clip(a, lowest, hi)
    is NumPy's minimum(a, hi), NaN and -0 included. A Python int bound beyond an
    integer ``a``'s range is no bound either (NumPy 2's clip, NEP 50). ``dtype_of``
    gives an array's dtype (host or device)."""
    def key(x):
        return type(x) if type(x) in PY_SCALARS else dtype_of(x)

    a_key = key(a)
    if isinstance(a_key, np.dtype) and a_key.kind in "iu":
        info = np.iinfo(a_key)
        lo = None if type(lo) is int and lo <= info.min else lo
        hi = None if type(hi) is int and hi >= info.max else hi
    bounds = [b if b is None or type(b) in PY_SCALARS or hasattr(b, "dtype") else np.asarray(b)
              for b in (lo, hi)]
    if bounds[0] is None and bounds[1] is None and dtype_of_key(a_key).kind == "b":
        np.positive(np.zeros(1, bool))  # NumPy's clip is positive(a) here: its TypeError
    keys = [a_key, *(a_key if b is None else key(b) for b in bounds)]
    dtype = result_dtype(op, tuple(keys))
    extremes = _extremes(dtype)
    return (a, *(extremes[i] if b is None else b for i, b in enumerate(bounds)))


def cast_refused(op: Op, dtype, out_dtype) -> TypeError:
    """NumPy's error for a result it may not cast to ``out`` (``same_kind``), from its
    own ufunc (clip's is numpy._core.umath.clip), in its words."""
    from numpy._core import umath

    ufunc = getattr(umath, op.name, None)
    if isinstance(ufunc, np.ufunc):
        samples = [np.zeros(1, dtype)] * ufunc.nin
        try:
            ufunc(*samples, out=np.zeros(1, out_dtype))
        except TypeError as e:
            return e
    return TypeError(f"Cannot cast ufunc '{op.name}' output from {np.dtype(dtype)!r} to "
                     f"{np.dtype(out_dtype)!r} with casting rule 'same_kind'")


class Call:
    """A validated call: what every backend needs to know before computing.

    ``operands`` are host-or-device arrays and weak Python scalars as given;
    ``dtype`` and ``shape`` are the result's; ``axes`` the normalised reduced
    axes (reductions only); ``extra`` the op's own keywords (dtype/ddof).
    """

    __slots__ = ("axes", "dtype", "extra", "keepdims", "keys", "op", "operands", "out", "shape")

    def __init__(self, op, operands, keys, dtype, shape, axes, keepdims, out, extra):
        self.op = op
        self.operands = operands
        self.keys = keys
        self.dtype = dtype
        self.shape = shape
        self.axes = axes
        self.keepdims = keepdims
        self.out = out
        self.extra = extra


def validate(op: Op, operands, kwargs: tuple, out_kind: str = "host",
             check_exponents: bool = True) -> Call:
    """Check a call whose operands are already arrays (or weak scalars).

    ``kwargs`` are the op's keywords in ``op.keywords`` order; ``out_kind`` as
    in check_out. Raises the exception docs/design.md names for each kind of bad
    input; writes nothing. ``check_exponents=False`` leaves the scan for
    negative integer exponents to a caller whose data is not on the host.
    """
    keys = tuple(operand_type(x) for x in operands)
    shapes = [() if type(x) in PY_SCALARS else tuple(x.shape) for x in operands]
    if op.kind == REDUCTION:
        axis, keepdims, out, *rest = kwargs
        extra = dict(zip(op.extra, rest, strict=True))
        if "dtype" in extra:
            extra["dtype"] = normalize_dtype(op, extra["dtype"])
        dtype = result_dtype(op, keys, extra.get("dtype"))
        axes = reduction_axes(op, len(shapes[0]), axis)
        shape = reduced_shape(shapes[0], axes, keepdims)
        if op.identity is None and 0 in shapes[0]:
            # NumPy refuses to reduce nothing for these, unless there is
            # nothing to output either: let it say so in its own words.
            op.reference(np.empty(shapes[0], keys[0]), axis=axis, keepdims=keepdims)
    elif op.kind == SCAN:
        axis, requested, out = kwargs
        extra = {"dtype": normalize_dtype(op, requested)}
        dtype = result_dtype(op, keys, extra["dtype"])
        axis = scan_axis(op, len(shapes[0]), axis)
        axes, keepdims = None if axis is None else (axis,), False
        shape = scan_shape(op, shapes[0], axis)
    else:
        (out,) = kwargs
        extra, axes, keepdims = {}, None, False
        if op.kind == "dot":
            check_dot_shapes(*shapes)
            shape = ()
        else:
            shape = broadcast_shape(shapes)
        dtype = result_dtype(op, keys)
    if check_exponents and op.name == "power" and dtype.kind in "iu":
        check_integer_exponents(operands[1])
    if out is not None:
        check_out(op, out, shape, dtype, out_kind)
    return Call(op, operands, keys, dtype, shape, axes, bool(keepdims), out, extra)

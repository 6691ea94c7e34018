"""NumPy's keywords that the engines' kernels lack, computed once, above them.

A kernel of protocol 1 computes an op's plain call: operands, then ``out`` of
exactly the result's dtype and shape (and, for reductions, ``axis``,
``keepdims`` and ``dtype``/``ddof``). NumPy's other keywords (``where``,
``casting``, ``dtype`` of ufuncs, ``initial``, ``mean``, ``correction``) and
its looser ``out`` (any dtype ``casting`` allows, a shape the operands
broadcast to) are reduced here to plain calls of the same kernel plus
NumPy's own array functions on the host: masks with ``np.where``, casts with
``astype``/``np.copyto``. So every engine gives NumPy's answer, and an engine
that later computes a keyword itself declares it (``Backend.keywords``) and is
no longer routed here.

``elementwise``/``reduction`` take ``run`` (the kernel, called with a plain
call), ``call`` (the operands and protocol-1 keywords, as the kernel receives
them) and ``later`` (the keywords beyond protocol 1 that were given a value
other than their default).

On device arrays the same keywords run on the device, with the cuda
engine's ``select``, ``astype`` and ``notnan`` in place of ``np.where``,
``astype`` and ``np.isnan``; only ``mean=`` (NumPy's host formula) gets a
``TypeError`` there, never a copy to the host.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from . import _checks
from ._ops import BY_NAME, KEYWORD_DEFAULTS, NO_VALUE, Op


def given(name: str, value) -> bool:
    """Whether a keyword was given a value other than its default."""
    default = KEYWORD_DEFAULTS[name]
    return value is not default and not (type(value) is str and value == default)


def _host(x):
    """A host operand as an array (lists...), Python scalars kept weak. Arrays with
    semantics of their own never get here (``_keywords`` refuses them first)."""
    return x if type(x) in _checks.PY_SCALARS or isinstance(x, np.ndarray) else np.asarray(x)


def _refuse_on_device(op: Op, what: str):
    raise TypeError(
        f"mathfront.{op.name}: {what} is computed on host arrays only; the operands are "
        "device arrays (use mf.to_host, or leave the keyword out)"
    )


def _out_array(op: Op, out):
    """``out`` as NumPy takes it: an array, or a tuple holding exactly one."""
    if isinstance(out, tuple):
        if len(out) != 1:
            raise ValueError("The 'out' tuple must have exactly one entry per ufunc output")
        out = out[0]
    if out is not None and not (isinstance(out, np.ndarray) or _checks.is_device_array(out)):
        raise TypeError("return arrays must be of ArrayType")  # NumPy's words
    return out


def _mask(where) -> np.ndarray:
    """``where`` as NumPy reads it: arrays cast safely to bool, anything else converted
    (a device array stays where it is, for the cuda engine's select)."""
    if _checks.is_device_array(where):
        return where
    if isinstance(where, np.ndarray):
        return where.astype(bool, casting="safe", copy=False)
    return np.asarray(where, dtype=bool)


def _loop_key(key):
    """An operand's key as ``ufunc.resolve_dtypes`` takes it (Python bool has no weak type)."""
    return np.dtype(bool) if key is bool else key


def as_given(op: Op, run, call, later: dict, plain_of=None):
    """An op with no later keywords and NumPy's strict out (dot): the plain call itself."""
    return run(*call)


def elementwise(op: Op, run, call, later: dict, plain_of=None):
    if "decimals" in op.later:
        return rounded(op, run, call, later, plain_of)
    n = op.arity
    operands, out = list(call[:n]), _out_array(op, call[n])
    where = later.get("where", True)
    casting = later.get("casting", "same_kind")
    dtype = later.get("dtype")
    on_device = any(_checks.is_device_array(x) for x in (*operands, out))
    if not on_device:
        operands = [_host(x) for x in operands]
        if out is not None and not out.flags.writeable:
            raise ValueError("output array is read-only")  # NumPy's words
    keys = [_loop_key(_checks.operand_type(x) if type(x) in _checks.PY_SCALARS
                      else _dtype_of(x)) for x in operands]
    fixed = {} if dtype is None else {"signature": (*[None] * n, np.dtype(dtype))}
    # NumPy's loop for these operands, checked against casting= (the inputs'
    # cast to dtype=, the result's to out) by NumPy itself, in its words.
    loop = op.reference.resolve_dtypes(
        (*keys, None if out is None else _dtype_of(out)), casting=casting, **fixed)
    shapes = [() if type(x) in _checks.PY_SCALARS else tuple(x.shape) for x in operands]
    mask = None if where is True else _mask(where)
    extra = [s for s in ((None if out is None else tuple(out.shape)),
                         (None if mask is None else mask.shape)) if s is not None]
    computed = _checks.broadcast_shape(shapes)
    shape = _checks.broadcast_shape([*shapes, *extra])
    if out is not None and shape != tuple(out.shape):
        raise ValueError(
            f"non-broadcastable output operand with shape {_checks.fmt_shape(out.shape)} "
            f"doesn't match the broadcast shape {_checks.fmt_shape(shape)}"
        )
    if dtype is not None and tuple(loop[:n]) != _free_inputs(op, keys):
        operands = [_cast(x, t, on_device) for x, t in zip(operands, loop[:n], strict=True)]
    exact = (out is not None and _dtype_of(out) == loop[n] and mask is None
             and computed == tuple(out.shape))
    if out is None or exact:
        if mask is None:
            return run(*operands, out)
    if on_device:
        return _elementwise_on_device(op, run, operands, out, mask)
    result = run(*operands, None)
    if out is None:
        # As NumPy: the unmasked elements of a new output are undefined.
        warnings.warn("'where' used without 'out', expect unitialized memory in output. "
                      "If this is intentional, use out=None.", UserWarning, stacklevel=3)
        out = np.zeros(shape, loop[n])
    np.copyto(out, result, casting="unsafe", where=True if mask is None else mask)
    return out


def _power_of_ten(n: int) -> float:
    """10.0**n as NumPy's round computes it (exact to 1e8, then 1e9 times 10s)."""
    if n < 9:
        return float(10 ** n)
    value = 1e9
    for _ in range(n - 9):
        value *= 10.0
    return value


def rounded(op: Op, run, call, later: dict, plain_of):
    """np.round's ``decimals`` and ``out``, as NumPy's PyArray_Round computes them.

    decimals=0 (and integers with decimals > 0) is the engine's own round (floats:
    rint; integers: a copy). Other decimals scale by 10**|decimals| with the
    engine's multiply or divide, round, and scale back, in x's float type
    (integers: in float64, cast back to their type), into ``out`` if given.
    On device arrays every step stays on the device.
    """
    x, out = call[0], _out_array(op, call[1])
    decimals = operator.index(later.get("decimals", 0))
    on_device = any(_checks.is_device_array(v) for v in (x, out))
    scalar = type(x) in _checks.PY_SCALARS
    if not on_device:
        x = np.asarray(_host(x))
        if out is not None and not out.flags.writeable:
            raise ValueError("output array is read-only")  # NumPy's words
    if out is not None and _size(out) != _size(x):
        raise ValueError("invalid output shape")  # NumPy's words
    dtype = _dtype_of(x)
    integer = dtype.kind in "iub"
    if decimals == 0 or (integer and decimals > 0):
        if out is not None and _dtype_of(out) == dtype and tuple(out.shape) == tuple(x.shape):
            return run(x, out)
        result = run(x, None)
        if out is None:
            return result[()] if scalar else result
        return _assign(out, result, on_device)
    f = _power_of_ten(abs(decimals))
    multiply, divide = plain_of(BY_NAME["multiply"]), plain_of(BY_NAME["divide"])
    scale, unscale = (multiply, divide) if decimals > 0 else (divide, multiply)
    work = scale(x, f, out)  # a new array of x's float type (integers: float64), or out
    if not on_device:
        work = np.asarray(work)  # (an engine gives a 0-d input's result as a scalar)
    plain_of(op)(work, work)
    unscale(work, f, work)
    if integer and out is None:
        work = _cuda().astype(work, dtype) if on_device else work.astype(dtype)
    return work[()] if scalar and out is None else work


def _size(x) -> int:
    return int(np.prod(x.shape, dtype=np.int64))


def _assign(out, result, on_device: bool):
    """``result`` into ``out`` as NumPy assigns arrays (same_kind casts, broadcasting)."""
    if not on_device:
        np.copyto(out, result, casting="same_kind")
        return out
    cuda = _cuda()
    if _dtype_of(result) != _dtype_of(out):
        result = cuda.astype(result, _dtype_of(out))
    return cuda.select(np.zeros((), bool), out, result, out)

def _free_inputs(op: Op, keys) -> tuple:
    """The inputs of NumPy's loop without dtype=: where dtype= fixes only the result
    (np.less(x, 2**40, dtype=bool)), the operands stay as given, and a Python int
    beyond the array's range keeps NumPy's meaning (no cast that would overflow)."""
    try:
        return tuple(op.reference.resolve_dtypes((*keys, None))[:len(keys)])
    except TypeError:
        return ()
def ternary(op: Op, run, call, later: dict, plain_of=None):
    """where, clip: clip's bounds (left out, None, ``min=``/``max=``: NumPy's rules) as
    three operands, and NumPy's looser ``out`` (a dtype ``same_kind`` allows, a shape
    the operands broadcast to), around the engine's plain call."""
    n = op.arity
    operands, out = list(call[:n]), _out_array(op, call[n])
    on_device = any(_checks.is_device_array(x) for x in (*operands, out))
    if not on_device:
        operands = [x if x is None or x is NO_VALUE else _host(x) for x in operands]
    if op.optional and not op.missing:  # clip's bounds
        lo, hi = _checks.clip_bounds(*operands[1:], later.get("min", NO_VALUE),
                                     later.get("max", NO_VALUE))
        operands = list(_checks.bounded(op, operands[0], lo, hi, _dtype_of))
    if out is None:
        return run(*operands, None)
    keys = tuple(_checks.operand_type(x) if type(x) in _checks.PY_SCALARS else _dtype_of(x)
                 for x in operands)
    dtype = _checks.result_dtype(op, keys)
    shape = _checks.broadcast_shape(
        [() if type(x) in _checks.PY_SCALARS else tuple(x.shape) for x in operands])
    if _dtype_of(out) == dtype and tuple(out.shape) == shape:
        return run(*operands, out)
    if _checks.broadcast_shape([shape, tuple(out.shape)]) != tuple(out.shape):
        raise ValueError(
            f"non-broadcastable output operand with shape {_checks.fmt_shape(out.shape)} "
            f"doesn't match the broadcast shape {_checks.fmt_shape(shape)}")
    if not np.can_cast(dtype, _dtype_of(out), "same_kind"):
        raise _checks.cast_refused(op, dtype, _dtype_of(out))
    if not on_device and not out.flags.writeable:
        raise ValueError("output array is read-only")  # NumPy's words
    result = run(*operands, None)
    if on_device:
        return _into(result, out)
    np.copyto(out, result, casting="unsafe")
    return out


_dtype_of = _checks.dtype_of


def _cast(x, dtype, on_device: bool):
    """An operand as ``dtype`` (ufuncs' dtype=): arrays copied if they differ, Python
    scalars converted as NumPy converts them and kept weak."""
    if type(x) in _checks.PY_SCALARS:
        return np.dtype(dtype).type(x).item()
    if on_device and _checks.is_device_array(x):
        return x if _dtype_of(x) == dtype else _cuda().astype(x, dtype)
    return np.asarray(x).astype(dtype, copy=False)


def _cuda():
    """The cuda engine's device helpers (select, astype, to_device): device arrays are
    here, so it is loaded already."""
    from . import cuda_numba

    return cuda_numba


def _elementwise_on_device(op: Op, run, operands, out, mask):
    """where= and an out= of another dtype or a larger shape on device arrays: the
    engine's plain call, then the cuda engine's cast and select into ``out``."""
    cuda = _cuda()
    result = run(*operands, None)
    if out is None:  # where= alone: the unmasked elements are undefined, as in NumPy
        warnings.warn("'where' used without 'out', expect unitialized memory in output. "
                      "If this is intentional, use out=None.", UserWarning, stacklevel=4)
        return cuda.select(mask, result, 0)
    if _dtype_of(result) != _dtype_of(out):
        result = cuda.astype(result, _dtype_of(out))
    if _checks.is_device_array(mask):  # (no ~ on the device: the result must be out's shape)
        return cuda.select(mask, result, out, out)
    # out keeps its elements where the mask is false, and takes the result (broadcast
    # to its shape) elsewhere.
    return cuda.select(np.zeros((), bool) if mask is None else ~mask, out, result, out)


def _moments_keywords(op: Op, extra: list, later: dict) -> list:
    """``correction=`` as ``ddof``, refused beside it as NumPy refuses it."""
    correction = later.get("correction", NO_VALUE)
    if correction is not NO_VALUE:
        if extra[0] != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        extra = [correction]
    return extra


def _no_identity_mask(op: Op, x) -> None:
    """min/max with a mask need initial=: NumPy says so (its words, from NumPy itself)."""
    op.reference(np.zeros(1, x.dtype), where=np.array([True]))


def _plain_out(op: Op, x, out, extra) -> bool:
    """Whether ``out`` has the dtype the kernel writes (its shape, the kernel checks)."""
    requested = extra[0] if "dtype" in op.extra else None
    if requested is not None:
        requested = _checks.normalize_dtype(op, requested)
    return getattr(out, "dtype", None) == _checks.result_dtype(
        op, (_checks.operand_type(x),), requested)


def reduction(op: Op, run, call, later: dict, plain_of):
    """``plain_of(other_op)``: the same backend's kernel for another op (plain calls)."""
    x, axis, keepdims, out, *extra = call
    initial = later.get("initial", NO_VALUE)
    where = later.get("where", True)
    dtype = later.get("dtype")
    mean = later.get("mean", NO_VALUE)
    if "ddof" in op.extra:
        extra = _moments_keywords(op, extra, later)
    on_device = _checks.is_device_array(x) or _checks.is_device_array(out)
    if not (later.keys() - {"correction"}):
        if out is None or on_device:
            return run(x, axis, keepdims, out, *extra)
        x = _host(x)
        if type(x) in _checks.PY_SCALARS:
            x = np.asarray(x)
        if _plain_out(op, x, out, extra):
            return run(x, axis, keepdims, out, *extra)
    if on_device:
        return _on_device(op, run, x, axis, keepdims, out, extra, later, plain_of)
    x = np.asarray(_host(x))
    if dtype is not None:  # var/std's computation type
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(
                f"mathfront.{op.name}: dtype={dtype} is not a floating type; only "
                "backend='numpy' computes moments in an integer type")
        x = x.astype(dtype, copy=False)
    mask = None if where is True else np.broadcast_to(_mask(where), x.shape)
    if mask is not None and op.identity is None and initial is NO_VALUE:
        _no_identity_mask(op, x)
    if mean is not NO_VALUE:
        result = _given_mean(op, x, axis, keepdims, mask, extra[0], mean)
    elif initial is not NO_VALUE and op.family == "extreme" and _empty(op, x, axis):
        result = _empty_extreme(op, x, axis, keepdims, initial)
    elif mask is None:
        result = run(x, axis, keepdims, None, *extra)
    else:
        result = _masked(op, run, x, axis, keepdims, mask, initial, extra, plain_of)
    if initial is not NO_VALUE:
        result = _with_initial(op, result, initial, x, axis, keepdims, mask)
    if out is None:
        return result
    _checks.check_reduction_out(op, x, axis, keepdims, out)
    np.copyto(out, result, casting="unsafe")
    return out


#: Reductions whose initial= folds in with the engine's own elementwise op.
_FOLD = {"sum": "add", "prod": "multiply", "low": "minimum", "high": "maximum"}


def _on_device(op: Op, run, x, axis, keepdims, out, extra, later, plain_of):
    """where=, initial= and var/std's dtype= on device arrays, from the engine's own
    kernels and the cuda engine's select/astype/notnan: the mask sets the left-out
    elements to the identity (sum, prod, nansum) or to initial (min, max and their
    nan-twins); mean, var and std (and nan-twins) count the kept elements and divide,
    as NumPy's _mean/_var; initial= is folded in by the engine's add/multiply/
    minimum/maximum (nanmin/nanmax: NaN gives way to it). ``mean=`` needs NumPy's
    host formula: refused."""
    cuda = _cuda()
    initial = later.get("initial", NO_VALUE)
    if "mean" in later or not _checks.is_device_array(x):
        _refuse_on_device(op, ", ".join(f"{k}=" for k in later))
    if later.get("dtype") is not None:  # var/std's computation type
        x = _cast(x, np.dtype(later["dtype"]), True)
    mask = None if "where" not in later else _mask(later["where"])
    if op.family == "moments" or op.variant == "mean":
        result = _moments_on_device(op, x, axis, keepdims, extra, mask, plain_of)
        return result if out is None else _into(result, out)
    if mask is not None:
        if op.identity is None and initial is NO_VALUE:
            _no_identity_mask(op, np.zeros(1, _dtype_of(x)))
        fill = op.identity if initial is NO_VALUE or op.family != "extreme" else initial
        x = cuda.select(mask, x, fill)
    if initial is NO_VALUE:
        return run(x, axis, keepdims, out, *extra)
    if op.family == "extreme" and _empty(op, x, axis):
        shape = _checks.reduced_shape(tuple(x.shape), _checks.reduction_axes(
            op, len(x.shape), axis), keepdims)
        result = cuda.to_device(np.full(shape, initial, _dtype_of(x)))  # initial, no data
        return result if out is None else _into(result, out)
    folded = run(x, axis, keepdims, None, *extra)
    fold = plain_of(BY_NAME[_FOLD[op.family if op.family != "extreme" else op.variant]])
    if not op.skips_nan:
        return fold(folded, initial, out)
    # nanmin/nanmax: a slice of NaN only gives initial, as np.fmin/np.fmax would.
    result = cuda.select(cuda.notnan(folded), fold(folded, initial, None), initial)
    return result if out is None else _into(result, out)


def _into(result, out):
    """``result`` written into device array ``out``, cast to its dtype (unsafe, as NumPy
    casts a reduction's result)."""
    _cuda().copyto(out, result)
    return out


def _moments_on_device(op: Op, x, axis, keepdims, extra, mask, plain_of):
    """mean/var/std (and nan-twins) of the kept elements of device array ``x``, as
    NumPy's _mean/_var: the kept elements' sum over their count, the count less
    ddof (never below 0) for the squared deviations about that mean."""
    cuda = _cuda()
    shape = tuple(x.shape)
    counted_on_device = op.skips_nan or _checks.is_device_array(mask)
    if counted_on_device:
        # NaN left out too (nan-twins), or a device mask: the count is taken on the
        # device; an integer view is NaN-free, so its notnan is all true.
        base = cuda.notnan(x if op.skips_nan else cuda.astype(x, np.int8))
        keep = cuda.select(np.ones((), bool) if mask is None else mask, base, False)
    else:
        keep = np.ones(shape, bool) if mask is None else np.broadcast_to(mask, shape)
    axes = _checks.reduction_axes(op, len(shape), axis)
    ops = {name: plain_of(BY_NAME[name])
           for name in ("sum", "divide", "subtract", "multiply", "maximum", "sqrt")}

    def kept_sum(values, dims, dtype=None):
        return ops["sum"](cuda.select(keep, values, 0), axes, dims, None, dtype)

    def per_element(total, dims, ddof=0):
        """``total`` over the count of kept elements less ``ddof`` (never below 0)."""
        dtype = _dtype_of(total) if _dtype_of(total).kind == "f" else np.dtype(np.float64)
        if counted_on_device:
            count = cuda.astype(ops["sum"](keep, axes, dims, None, None), dtype)
            if ddof:
                count = ops["maximum"](ops["subtract"](count, ddof, None), 0, None)
        else:
            count = np.maximum(np.sum(keep, axis=axes, keepdims=dims) - ddof, 0)
            count = cuda.to_device(np.asarray(count, dtype))
        return ops["divide"](total, count, None)

    if op.variant == "mean":
        return per_element(kept_sum(x, keepdims, extra[0]), keepdims)
    mean = per_element(kept_sum(x, True), True)
    deviations = ops["subtract"](x, mean, None)
    squares = ops["multiply"](deviations, deviations, None)
    result = per_element(kept_sum(squares, keepdims), keepdims, extra[0])
    return ops["sqrt"](result, None) if op.variant == "std" else result


def _empty(op: Op, x, axis) -> bool:
    """Whether the reduction has no elements to combine."""
    return any(x.shape[a] == 0 for a in _checks.reduction_axes(op, x.ndim, axis))


def _masked(op: Op, run, x, axis, keepdims, mask, initial, extra, plain_of):
    """The reduction of the elements ``mask`` keeps, on the engine's kernel."""
    family = op.family
    if family in ("sum", "prod", "logical", "count") and op.variant != "mean":
        # (any, all: the identity False/True stands for the masked elements)
        return run(np.where(mask, x, _like(x, op.identity)), axis, keepdims, None, *extra)
    if family == "extreme":
        # initial= stands for the masked elements; _with_initial adds it once more.
        if x.size == 0:
            return _empty_extreme(op, x, axis, keepdims, initial)
        return run(np.where(mask, x, _like(x, initial)), axis, keepdims, None, *extra)
    # mean, var, std: the masked elements become NaN, skipped by the nan- kernel;
    # an unmasked NaN still poisons its slice unless the op skips NaN itself.
    floating = x if x.dtype.kind == "f" else x.astype(np.float64)
    skipping = run if op.skips_nan else plain_of(BY_NAME["nan" + op.name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = skipping(np.where(mask, floating, np.nan), axis, keepdims, None, *extra)
    if not op.skips_nan and floating.dtype.kind == "f":
        poisoned = np.any(np.isnan(floating) & mask, axis=axis, keepdims=keepdims)
        result = np.where(poisoned, np.nan, result)[()]
    return np.asarray(result)[()]


def _like(x, value):
    """``value`` in ``x``'s dtype (as NumPy casts initial=), so that masking keeps the type."""
    return np.asarray(value).astype(x.dtype)


def _empty_extreme(op, x, axis, keepdims, initial):
    shape = _checks.reduced_shape(x.shape, _checks.reduction_axes(op, x.ndim, axis), keepdims)
    return np.full(shape, initial, dtype=x.dtype)[()]


def _with_initial(op: Op, result, initial, x, axis, keepdims, mask):
    """Fold ``initial`` into a finished reduction, as NumPy folds it in first."""
    if np.ndim(initial) != 0:
        raise ValueError("setting an array element with a sequence.")
    if op.family == "extreme" and _empty(op, x, axis):
        return result  # initial= itself
    result = np.asarray(result)
    value = np.asarray(initial).astype(result.dtype)
    combine = {"sum": np.add, "prod": np.multiply}.get(op.family)
    if combine is None:  # min/max: NaN from the data propagates, nanmin/nanmax skip it
        if op.skips_nan:
            combine = np.fmin if op.variant == "low" else np.fmax
        else:
            combine = np.minimum if op.variant == "low" else np.maximum
    return combine(result, value)[()]


def _given_mean(op: Op, x, axis, keepdims, mask, ddof, mean):
    """var/std about a mean the caller knows: NumPy's formula, on the host."""
    deviation = np.subtract(x if x.dtype.kind in "fc" else x.astype(np.float64), mean)
    squares = np.square(deviation)
    keep = np.ones(x.shape, bool) if mask is None else mask
    if op.skips_nan:
        keep = keep & ~np.isnan(squares)
    total = np.sum(squares, axis=axis, keepdims=keepdims, where=keep)
    count = np.sum(keep, axis=axis, keepdims=keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = total / np.maximum(count - ddof, 0)
    if np.any(count - ddof <= 0):
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=4)
    if op.variant == "std":
        result = np.sqrt(result)
    return result.astype(total.dtype, copy=False)[()]


def scan(op: Op, run, call, later: dict, plain_of=None):
    """Cumulative ops: ``include_initial=`` (the identity first along the axis) and
    NumPy's looser out= (any dtype, cast unsafely as NumPy's accumulate casts) around
    the engine's plain call. out= is checked before anything is computed."""
    x, axis, dtype, out = call
    include = bool(later.get("include_initial", False))
    on_device = _checks.is_device_array(x) or _checks.is_device_array(out)
    if not on_device:
        x = np.asarray(_host(x))
    shape = tuple(x.shape)
    at = _checks.scan_axis(op, len(shape), axis)
    result_shape = _checks.scan_shape(op, shape, at, include)
    if out is not None:
        if not (isinstance(out, np.ndarray) or _checks.is_device_array(out)):
            raise TypeError("output must be an array")  # NumPy's words
        if tuple(out.shape) != result_shape:
            raise ValueError(
                f"mathfront.{op.name}: out has shape {_checks.fmt_shape(out.shape)}, but the "
                f"result has shape {_checks.fmt_shape(result_shape)}")
        if not on_device and not out.flags.writeable:
            raise ValueError("output array is read-only")  # NumPy's words
    requested = _checks.normalize_dtype(op, dtype)
    result_dtype = _checks.result_dtype(op, (_dtype_of(x),), requested)
    if not include and (out is None or _dtype_of(out) == result_dtype):
        return run(x, axis, dtype, out)
    result = run(x, axis, dtype, None)
    if include and on_device:
        return _initial_on_device(op, result, 0 if at is None else at, result_shape, out)
    if include:
        result = np.asarray(result)
        at = 0 if at is None else at
        first = np.full((*result.shape[:at], 1, *result.shape[at + 1:]), op.identity,
                        result.dtype)
        result = np.concatenate([first, result], axis=at)
    if out is None:
        return result
    if on_device:
        return _into(result, out)
    np.copyto(out, result, casting="unsafe")
    return out


def _initial_on_device(op: Op, result, at: int, shape, out):
    """include_initial= on device arrays: the identity, then the engine's result, copied
    (cast to the output's dtype) into two views of the output along axis ``at``."""
    cuda = _cuda()
    target = out if out is not None else cuda.empty_like(result, shape, _dtype_of(result))
    before = (slice(None),) * at
    cuda.copyto(target[(*before, slice(1, None))], result)
    cuda.copyto(target[(*before, slice(0, 1))], op.identity)
    return target

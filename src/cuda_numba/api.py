"""The cuda backend's ops: operands in, kernels run, results out.

Device in, device out: operands on the GPU (Numba device arrays or any
``__cuda_array_interface__`` producer) are read in place, on their device
and stream, and results are arrays of the first device operand's library
(``producers``: CuPy, PyTorch, else Numba). Host in, host out: host
operands are copied in and the result copied back, so code written for
NumPy runs unchanged; those implicit copies are governed by the transfer
policy (``mathfront._transfer``), checked for the whole call before the
first copy. A call mixing host and device arrays is refused: the copy it
implies should be visible.
"""

from __future__ import annotations

import contextlib

import numpy as np
from numba import cuda

from .. import _checks, _comparisons, _transfer
from .._errors import BackendUnavailableError
from .._ops import DOT, REDUCTION, SCAN, Op
from . import elementwise, producers, reductions, scans
from .launch import current_stream
from .operands import SIMULATOR, Flat, as_numba, broadcast, empty, flat, host_view


def _error_classes() -> tuple:
    from numba.cuda.cudadrv import driver, error

    # The simulator's modules define fewer of these: take those that exist.
    api_error = getattr(driver, "CudaAPIError", ())
    unusable = tuple(getattr(error, name) for name in ("CudaDriverError", "CudaSupportError")
                     if hasattr(error, name))
    return api_error, unusable


_API_ERROR, _UNUSABLE = _error_classes()


@contextlib.contextmanager
def gpu_errors(op: Op | str):
    """CUDA failures as MemoryError or BackendUnavailableError, never a hang or a crash."""
    name = op if isinstance(op, str) else op.name
    try:
        yield
    except _API_ERROR as e:
        code = getattr(e, "code", e.args[0] if e.args else None)
        if code == 2 or "OUT_OF_MEMORY" in str(e):  # CUDA_ERROR_OUT_OF_MEMORY
            raise MemoryError(f"mathfront.{name}: out of GPU memory ({e})") from e
        raise BackendUnavailableError(
            f"mathfront.{name}: the GPU reported an error ({e}); after a fault the CUDA "
            "context is unusable: restart the process") from e
    except _UNUSABLE as e:
        raise BackendUnavailableError(f"mathfront.{name}: CUDA is not usable: {e}") from e


def to_device(x):
    return cuda.to_device(np.asarray(x, order="C"))  # ascontiguousarray makes 0-d 1-d


def to_host(x) -> np.ndarray:
    if hasattr(x, "copy_to_host"):
        return x.copy_to_host()  # on the array's own stream
    if SIMULATOR:
        return host_view(x).copy()
    with producers.scope(x):  # after the work queued on the producer's stream (PyTorch's too)
        stream = current_stream()
        host = as_numba(x).copy_to_host(stream=stream)
        if stream:
            stream.synchronize()
    return host


def _storage(dtype: np.dtype) -> np.dtype:
    """What kernels read and write for ``dtype``: bool as its byte."""
    return np.dtype(np.uint8) if dtype.kind == "b" else dtype


def _span(f: Flat) -> tuple[int, int]:
    if SIMULATOR:
        a = f.view._ary
        start = a.__array_interface__["data"][0]
        return start, start + a.nbytes
    cai = f.view.__cuda_array_interface__
    return cai["data"][0], cai["data"][0] + f.view.size * f.dtype.itemsize


def readable_while_writing(target: Flat, f: Flat) -> bool:
    """May a kernel storing ``target`` element by element load ``f`` as it goes? When
    they share no memory, or ``f`` is ``target``'s very view (memory, strides, shape and
    item size: each element is loaded by the thread that stores it, before). An input
    broadcast from ``target``'s own first row is not: other threads store that row."""
    low, high = _span(target)
    a, b = _span(f)
    same = (a, f.offset, f.strides, f.shape, f.dtype.itemsize) == (
        low, target.offset, target.strides, target.shape, target.dtype.itemsize)
    return same or not (a < high and low < b)


def _copy(x: Flat, dtype: np.dtype, nan_to_zero: bool = False) -> Flat:
    """A contiguous device copy of ``x`` as ``dtype``, cast as NumPy casts."""
    return flat(_copied(x, dtype, nan_to_zero))


def _copied(x: Flat, dtype: np.dtype, nan_to_zero: bool = False):
    """``_copy``'s new device array itself (bool stored as its byte)."""
    dtype = np.dtype(dtype)
    target = empty(x.shape, _storage(dtype))
    cast_into(flat(target), dtype, x, nan_to_zero)
    return target


def cast_into(target: Flat, dtype: np.dtype, x: Flat, nan_to_zero: bool = False) -> None:
    """``target`` (``dtype``'s storage, ``x``'s shape) = ``x`` cast as NumPy casts with
    casting="unsafe": anything to bool as != 0, floats to integers as NumPy's x86 loops."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        elementwise.run("nonzero", target, [x], x.dtype)
    elif x.dtype.kind == "f" and dtype.kind in "iu":
        info = np.iinfo(dtype)
        op = "nan_to_zero_to_int" if nan_to_zero else "to_int"
        elementwise.run(op, target, [x, float(info.min), float(info.max) + 1], x.dtype,
                        loop="float64")  # (float32 would round 2**32 - 1 on the way)
    else:  # converted in the kernel: integers wrap (the simulator's store would refuse)
        elementwise.run("cast", target, [x], x.dtype, loop=dtype.name)


def _operands(op: Op, args, out):
    """(operands, first): host operands become NumPy arrays, device ones stay.

    ``first`` is None on the host; on the device, the first device operand
    (else ``out``): it decides the device and stream the work runs on and
    the result's type (``producers``).
    """
    operands = list(args)
    device = [_checks.is_device_array(x) for x in operands]
    devices = [i for i, d in enumerate(device) if d]
    hosts = [i for i, (x, d) in enumerate(zip(operands, device, strict=True))
             if not d and type(x) not in _checks.PY_SCALARS]
    on_device = bool(devices) or (out is not None and _checks.is_device_array(out))
    if on_device and hosts:
        where = f"operand {devices[0]}" if devices else "out"
        raise TypeError(
            f"mathfront.{op.name}: operand {hosts[0]} is a host array "
            f"({type(operands[hosts[0]]).__name__}) but {where} is on the GPU; move it with "
            "mf.to_device(x) (or the result with mf.to_host)")
    for i in hosts:
        operands[i] = np.asarray(_checks.host_operand(op, "cuda", operands[i], i))
    _checks.plain_out(op, "cuda", out)
    if on_device and out is not None and not _checks.is_device_array(out):
        raise TypeError(f"mathfront.{op.name}: the operands are on the GPU, so out must be a "
                        f"device array, got {type(out).__name__}")
    return operands, (operands[devices[0]] if devices else out) if on_device else None


_FOREIGN: dict[type, bool] = {}  # type -> whether its dtypes are not NumPy's


def _numpy_typed(x):
    """``x``, or a Numba view of it where its dtype is not NumPy's (PyTorch's): no copy."""
    t = type(x)
    foreign = _FOREIGN.get(t)
    if foreign is None:
        foreign = _FOREIGN[t] = t not in _checks.PY_SCALARS and x is not None and \
            not isinstance(x.dtype, np.dtype)
    return as_numba(x) if foreign else x


def _finish(result, on_device: bool, call, out, first):
    """A device result as the caller expects it: on the device (as ``first``'s
    library's array), or copied back; ``out`` itself when given."""
    if out is not None and not on_device:
        out[...] = to_host(result)
        return out
    if out is not None:
        return out
    if on_device:
        return producers.as_callers(result, first)
    host = to_host(result)
    return host if host.ndim else host[()]


def _negative_exponent(x) -> bool:
    if type(x) in _checks.PY_SCALARS:
        return x < 0
    if 0 in x.shape:
        return False
    minimum = empty((), _storage(x.dtype))
    reductions.run("min", flat(minimum), [flat(x, _storage(x.dtype))], (True,) * len(x.shape))
    stream = current_stream()
    if SIMULATOR or not stream:
        return to_host(minimum)[()] < 0
    value = minimum.copy_to_host(stream=stream)  # after the kernel, on its stream
    stream.synchronize()
    return value[()] < 0


def _kernel_dtype(call, operands) -> np.dtype:
    """The one dtype the kernel computes in: NumPy 2's promotion of the operands."""
    dtype = np.result_type(*[x if type(x) in _checks.PY_SCALARS else x.dtype for x in operands])
    for x in operands:
        if type(x) in _checks.PY_SCALARS:
            try:
                np.asarray(x, dtype)
            except OverflowError:
                if call.dtype == dtype or call.dtype.kind != "f":
                    raise  # as NumPy does (bool results too: np.array([True]) < 2**70)
                return call.dtype  # int32 / 2**40 divides in float64, as NumPy's loop does
    return dtype


_NUMBA_ARRAYS = ("DeviceNDArray", "FakeCUDAArray")


def _plain(x, shape, dtype) -> bool:
    """A Numba device array the small-call kernel reads as it is (see elementwise.run_plain)."""
    # N-D ones must be what Numba types as C-contiguous ("C" layout: no zero strides).
    return type(x).__name__ in _NUMBA_ARRAYS and x.shape == shape and x.dtype == dtype and \
        x.is_c_contiguous() and (len(shape) == 1 or 0 not in x.strides)


def _condition(x):
    """where's condition as a Flat of bytes: a bool array's own, else x != 0 computed."""
    f = flat(x, _storage(np.dtype(x.dtype)))
    if np.dtype(x.dtype) == np.bool_:
        return f
    mask = empty(tuple(x.shape), np.bool_)
    elementwise.run("nonzero", flat(mask, np.uint8), [f], f.dtype)
    return flat(mask, np.uint8)


def _elementwise(op: Op, call, operands, out_device):
    name, dtypes = op.name, None
    loop = _comparisons.bool_loop(op, operands)  # NumPy's own loop for comparisons...
    if loop is not None:
        if loop.constant is not None:  # np.int8 array < 1000: a fill
            elementwise.run("cast", flat(out_device, _storage(call.dtype)), [loop.constant],
                            np.dtype(np.uint8))
            return
        operands = loop.operands
        if loop.mixed:  # int64 with uint64, exactly (the swapped order's mirror op)
            name, dtypes = f"{loop.op.name}_mixed", loop.dtypes
    # where's condition (operand 0) is read as a byte, never cast to the values' dtype
    first = 1 if op.name == "where" else 0
    if dtypes is None:
        dtype = call.dtype if first else _kernel_dtype(call, operands)
        dtypes = (dtype,) * len(operands)
    else:
        dtype = dtypes[0]
    fresh = out_device is not call.out
    if not first and fresh and call.shape and all(
            type(x) in _checks.PY_SCALARS or _plain(x, call.shape, t)
            for x, t in zip(operands, dtypes, strict=True)):
        # A fresh out cannot overlap the inputs: no copies, no flat views.
        elementwise.run_plain(name, out_device, operands, dtype)
        return
    target = flat(out_device)
    inputs = []
    for i, (x, t) in enumerate(zip(operands, dtypes, strict=True)):
        if type(x) in _checks.PY_SCALARS:
            # (where casts a Python scalar beyond its dtype as C does, unlike ufuncs)
            inputs.append(bool(x) if i < first else np.asarray(x).astype(t)[()] if first
                          else np.asarray(x, t)[()])
            continue
        if i < first:
            inputs.append(broadcast(_condition(x), call.shape))
            continue
        f = flat(x)
        if f.dtype != t or not readable_while_writing(target, f):
            f = _copy(f, t)  # a cast, or an input overlapping out read from a copy (as NumPy)
        inputs.append(broadcast(f, call.shape))
    elementwise.run(name, target, inputs, dtype)


def _reduction(op: Op, call, operands, out_device):
    x = operands[0]
    source = flat(x, _storage(x.dtype))
    if source.shape == ():  # one element: reduce it as a 1-D array
        source = Flat(source.view, source.offset, (0,), (1,), source.dtype)
    requested = call.extra.get("dtype")
    if requested is not None and requested != x.dtype:
        source = _copy(source, requested, nan_to_zero=op.skips_nan)
    ndim = len(source.shape)
    if call.axes is None or len(x.shape) == 0:  # the flattened array (argmin/argmax), or 0-d
        reduced = (True,) * ndim
        kept = ()
    else:
        reduced = tuple(i in call.axes for i in range(ndim))
        kept = tuple(i for i in range(ndim) if not reduced[i])
    target = flat(out_device, _storage(call.dtype))
    if call.keepdims:  # keepdims' length-1 axes are not the kernel's business
        target = Flat(target.view, target.offset, tuple(target.strides[i] for i in kept),
                      tuple(target.shape[i] for i in kept), target.dtype)
    ddof = _checks.real_ddof(op, call.extra["ddof"]) if "ddof" in op.extra else 0.0
    reductions.run(op.name, target, [source], reduced, ddof, call.dtype)


def _dot(op: Op, call, operands, out_device):
    inputs = [f if f.dtype == call.dtype else _copy(f, call.dtype)
              for f in (flat(x) for x in operands)]
    reductions.run("dot", flat(out_device), inputs, (True,))


def _scan(op: Op, call, operands, out_device):
    x = operands[0]
    if type(x) in _checks.PY_SCALARS:  # mf.cumsum(5): NumPy's array of it
        x = to_device(np.asarray(x))
    source = flat(x, _storage(x.dtype))
    requested = call.extra.get("dtype")
    if requested is not None and requested.kind in "iu" and source.dtype.kind == "f":
        source = _copy(source, requested)  # NumPy's float-to-int cast first (NaN...)
    axis = None if call.axes is None else call.axes[0]
    if axis is None or source.shape == ():
        if len(source.shape) > 1:  # the flattened array, in C order: a contiguous copy
            source = _copy(source, source.dtype)
        source = Flat(source.view, source.offset, (source.strides[-1] if source.shape else 1,),
                      call.shape, source.dtype)
        axis = 0
    target = flat(out_device, _storage(call.dtype))
    low, high = _span(target)
    a, b = _span(source)
    same = (a, source.offset, source.strides) == (low, target.offset, target.strides)
    if a < high and low < b and not same:
        source = _copy(source, source.dtype)  # out overlapping x otherwise: read from a copy
    scans.run(op.family, target, source, axis, call.dtype)


_COMPUTE = {REDUCTION: _reduction, DOT: _dot, SCAN: _scan}


def make_kernel(op: Op, backend):
    """The callable computing ``op`` with the GPU kernels (see the Backend interface)."""
    compute = _COMPUTE.get(op.kind, _elementwise)
    n = op.arity
    out_at = n + op.keywords.index("out")

    def kernel(*args):
        out = args[out_at]
        operands, first = _operands(op, args[:n], out)
        if first is None:
            return on_host(operands, args)
        with gpu_errors(op), producers.scope(first):
            operands = [_numpy_typed(x) for x in operands]
            view = _numpy_typed(out)
            if view is not out:
                args = (*args[:out_at], view, *args[out_at + 1:])
            backend.require(op, _checks.involved_dtypes(op, (*operands, *args[n:])))
            call = _checks.validate(op, operands, args[n:], out_kind="device",
                                    check_exponents=False)
            if op.name == "power" and call.dtype.kind in "iu" and _negative_exponent(operands[1]):
                raise ValueError("Integers to negative integer powers are not allowed.")
            target = call.out if call.out is not None else empty(call.shape, call.dtype)
            compute(op, call, operands, target)
        return _finish(target, True, call, out, first)

    def on_host(operands, args):
        backend.require(op, _checks.involved_dtypes(op, (*operands, *args[n:])))
        call = _checks.validate(op, operands, args[n:], out_kind="host")
        # Every implicit copy of the call, before the first one.
        _transfer.check("cuda", op.name, operands, out=call.out,
                        result=None if call.out is not None else (call.shape, call.dtype))
        with gpu_errors(op):
            operands = [to_device(x) if isinstance(x, np.ndarray) else x for x in operands]
            target = empty(call.shape, call.dtype)
            compute(op, call, operands, target)
        result = _finish(target, False, call, call.out, None)
        # np.where gives a 0-d array, not a scalar as ufuncs and reductions do
        return np.asarray(result) if op.name == "where" else result

    return kernel


def _shape_fits(what: str, shape, target) -> None:
    try:
        fits = np.broadcast_shapes(tuple(shape), target) == target
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"mathfront.cuda_numba.select: {what} of shape "
                         f"{_checks.fmt_shape(shape)} does not broadcast to x's shape "
                         f"{_checks.fmt_shape(target)}")


def select(cond, x, fill, out=None):
    """``np.where(cond, x, fill)`` in ``x``'s dtype on the GPU (for ``where=`` masks).

    ``x`` is a device array (any producer; a new result is of its library, on
    its device and stream); ``cond`` a bool array, on the device or the host
    (copied in), that broadcasts to ``x``'s shape; ``fill`` a scalar that
    ``x``'s dtype holds exactly when that dtype is an integer one, or a device
    array of ``x``'s dtype that broadcasts to its shape. ``out``: a device
    array of ``x``'s shape and dtype to write into (it may be ``fill``: each
    element is read before it is written), returned as given.
    """
    if not _checks.is_device_array(x):
        raise TypeError(f"mathfront.cuda_numba.select: x must be a device array, got "
                        f"{type(x).__name__} (mf.to_device moves it)")
    array_fill = _checks.is_device_array(fill)
    if not array_fill and np.ndim(fill) != 0:
        raise TypeError(f"mathfront.cuda_numba.select: fill must be a scalar or a device "
                        f"array, got {fill!r}")
    with gpu_errors("select"), producers.scope(x):
        view = _numpy_typed(x)
        dtype = np.dtype(view.dtype)
        shape = tuple(view.shape)
        if array_fill:
            fill_view = _numpy_typed(fill)
            if np.dtype(fill_view.dtype) != dtype:
                raise TypeError(f"mathfront.cuda_numba.select: fill has dtype "
                                f"{np.dtype(fill_view.dtype)}, x {dtype}")
            _shape_fits("fill", fill_view.shape, shape)
            value = broadcast(flat(fill_view, _storage(dtype)), shape)
        else:
            value = dtype.type(fill)  # NumPy's conversion; OverflowError out of an int's range
            if dtype.kind in "iu" and value != fill:
                raise ValueError(
                    f"mathfront.cuda_numba.select: fill {fill!r} is not a {dtype} value")
        device = _checks.is_device_array(cond)
        mask = _numpy_typed(cond) if device else np.asarray(cond)
        if np.dtype(mask.dtype) != np.bool_:
            raise TypeError(f"mathfront.cuda_numba.select: cond must be a bool array, got dtype "
                            f"{np.dtype(mask.dtype)}")
        _shape_fits("cond", mask.shape, shape)
        if out is not None:
            target = _numpy_typed(out)
            if tuple(target.shape) != shape or np.dtype(target.dtype) != dtype:
                raise ValueError(f"mathfront.cuda_numba.select: out must have x's shape "
                                 f"{_checks.fmt_shape(shape)} and dtype {dtype}")
        if not device:  # on the work's stream, so that the kernel runs after the copy
            mask = cuda.to_device(np.asarray(mask, order="C"), stream=current_stream())
        result = empty(shape, dtype) if out is None else target
        elementwise.run("select", flat(result, _storage(dtype)),
                        [broadcast(flat(mask, np.uint8), shape),
                         broadcast(flat(view, _storage(dtype)), shape), value], _storage(dtype))
    return out if out is not None else producers.as_callers(result, x)


def empty_like(x, shape, dtype):
    """A new device array of ``shape`` and ``dtype``, of ``x``'s library, on its device
    and stream (for results computed above the engine: include_initial=)."""
    with gpu_errors("empty_like"), producers.scope(x):
        result = empty(tuple(shape), np.dtype(dtype))
    return producers.as_callers(result, x)


def astype(x, dtype):
    """A device copy of device array ``x`` as ``dtype``, cast as NumPy casts (unsafe)."""
    if not _checks.is_device_array(x):
        raise TypeError(f"mathfront.cuda_numba.astype: x must be a device array, got "
                        f"{type(x).__name__}")
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        raise TypeError("mathfront.cuda_numba.astype: a cast to bool is not supported")
    with gpu_errors("astype"), producers.scope(x):
        view = _numpy_typed(x)
        result = _copied(flat(view, _storage(np.dtype(view.dtype))), dtype)
    return producers.as_callers(result, x)


def copyto(target, value) -> None:
    """``np.copyto(target, value, casting="unsafe")`` for device array ``target``:
    ``value`` a device array (broadcast to ``target``'s shape) or a host scalar
    (fused calls' out= for results that are an input or a constant)."""
    if not _checks.is_device_array(target):
        raise TypeError(f"mathfront.cuda_numba.copyto: target must be a device array, got "
                        f"{type(target).__name__}")
    with gpu_errors("copyto"), producers.scope(target):
        t = _numpy_typed(target)
        if not _checks.is_device_array(value):
            value = to_device(np.asarray(value))
        v = _numpy_typed(value)
        source = flat(v, _storage(np.dtype(v.dtype)))
        dtype = np.dtype(t.dtype)
        into = flat(t, _storage(dtype))
        if not readable_while_writing(into, source):  # overlapping: read from a copy
            source = _copy(source, source.dtype)
        cast_into(into, dtype, broadcast(source, tuple(t.shape)))


def notnan(x):
    """``~np.isnan(x)`` for device array ``x``: a new bool device array (for the nan-
    reductions' masks; true everywhere for integers)."""
    if not _checks.is_device_array(x):
        raise TypeError(f"mathfront.cuda_numba.notnan: x must be a device array, got "
                        f"{type(x).__name__}")
    with gpu_errors("notnan"), producers.scope(x):
        view = _numpy_typed(x)
        dtype = np.dtype(view.dtype)
        result = empty(tuple(view.shape), np.bool_)
        elementwise.run("notnan", flat(result, np.uint8), [flat(view, _storage(dtype))],
                        _storage(dtype))
    return producers.as_callers(result, x)

"""Device operands as kernels see them: a flat 1-D view of the memory an
array spans, the element offset of its first element in that view, and its
strides in elements.

Kernels compute every address themselves from these, so negative strides,
broadcast (zero) strides and transposes need no help from Numba's view
machinery, and any ``__cuda_array_interface__`` producer (Numba, CuPy,
PyTorch) is read where it lies, without a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import config, cuda

from .. import _checks

SIMULATOR = bool(config.ENABLE_CUDASIM)


@dataclass(frozen=True)
class Flat:
    """An array as (flat view, offset of element 0, strides in elements, shape)."""

    view: object
    offset: int
    strides: tuple[int, ...]
    shape: tuple[int, ...]
    dtype: np.dtype


class _HostView:
    """Simulator only: its "device" pointers are host memory, readable as NumPy arrays."""

    def __init__(self, cai: dict):
        self.__array_interface__ = {**cai, "version": 3}


def _interface(x) -> dict:
    if SIMULATOR:
        a = x._ary if hasattr(x, "_ary") else np.asarray(_HostView(x.__cuda_array_interface__))
        return {"data": (a.__array_interface__["data"][0], False), "shape": a.shape,
                "strides": a.strides, "typestr": a.dtype.str, "array": a}
    return x.__cuda_array_interface__


def as_numba(x):
    """A Numba device array over the memory of producer ``x`` (no copy, ``x`` kept alive).

    Not synchronised with the stream ``x`` names: the call's work is queued on that stream.
    """
    if SIMULATOR:
        from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

        return FakeCUDAArray(host_view(x))
    return cuda.from_cuda_array_interface(x.__cuda_array_interface__, owner=x, sync=False)


def host_view(x) -> np.ndarray:
    """Simulator only: the NumPy array behind device array (or producer) ``x``."""
    return _interface(x)["array"]


def flat(x, dtype=None) -> Flat:
    """The flat form of device array ``x`` (read as ``dtype``, same item size, if given)."""
    cai = _interface(x)
    dtype = np.dtype(dtype or cai["typestr"])
    shape = tuple(cai["shape"])
    itemsize = np.dtype(cai["typestr"]).itemsize
    strides = _checks.interface_strides(cai)
    if any(s % itemsize for s in strides):
        raise TypeError("mathfront.cuda: strides that are not whole elements are not supported")
    size = int(np.prod(shape, dtype=np.int64))
    if size == 0:  # nothing will be read or written: any one-element view will do
        return Flat(empty((1,), dtype), 0, tuple(s // itemsize for s in strides), shape, dtype)
    low = sum(min(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True))
    high = sum(max(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True))
    count = (high - low) // itemsize + 1
    if SIMULATOR:
        # The element at the lowest address, as a one-element view of the
        # simulated device memory, stretched over the whole span (no copy).
        base = cai["array"]
        corner = base[tuple(slice(n - 1, n) if s < 0 else slice(0, 1)
                            for n, s in zip(shape, strides, strict=True))] if shape else base[...]
        region = np.lib.stride_tricks.as_strided(corner.reshape(-1), shape=(count,),
                                                 strides=(itemsize,))
        from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

        view = FakeCUDAArray(region.view(dtype))
    else:
        view = cuda.from_cuda_array_interface(
            {"shape": (count,), "strides": None, "typestr": dtype.str,
             "data": (cai["data"][0] + low, False), "version": 3}, owner=x, sync=False)
    return Flat(view, -low // itemsize, tuple(s // itemsize for s in strides), shape, dtype)


def broadcast(f: Flat, shape: tuple[int, ...]) -> Flat:
    """``f`` as an operand of an output of ``shape``: leading axes added, stride 0 if broadcast."""
    pad = len(shape) - len(f.shape)
    strides = (0,) * pad + tuple(0 if n == 1 else s
                                 for n, s in zip(f.shape, f.strides, strict=True))
    return Flat(f.view, f.offset, strides, shape, f.dtype)


def contiguous(f: Flat, shape: tuple[int, ...]) -> Flat:
    """C-contiguous ``f`` read as ``shape`` (as many elements: a reshape)."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return Flat(f.view, f.offset, tuple(reversed(strides)), shape, f.dtype)


def simplify(shape: tuple[int, ...], *strides: tuple[int, ...]) -> tuple[tuple, list[tuple]]:
    """Drops length-1 axes and merges adjacent axes that every operand walks as one.

    The fewer axes, the less index arithmetic per element; a contiguous
    operation ends up one-dimensional.
    """
    axes = [i for i, n in enumerate(shape) if n != 1]
    shape = [shape[i] for i in axes]
    strides = [[s[i] for i in axes] for s in strides]
    i = len(shape) - 2
    while i >= 0:
        if all(s[i] == s[i + 1] * shape[i + 1] for s in strides):
            shape[i:i + 2] = [shape[i] * shape[i + 1]]
            for s in strides:
                s[i:i + 2] = [s[i + 1]]
        i -= 1
    return tuple(shape), [tuple(s) for s in strides]


def empty(shape, dtype):
    return cuda.device_array(tuple(shape), np.dtype(dtype))

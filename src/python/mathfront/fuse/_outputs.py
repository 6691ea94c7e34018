"""``out=`` for fused calls: checked before anything runs, written after.

An ``out`` of exactly the result's dtype and shape goes to the engine as it
is, even when it *is* an input (same memory, same strides: each element is
read before it is written). One that overlaps an input otherwise (``x[1:]``
against ``x[:-1]``, a transposed view...) or has another dtype gets a buffer,
copied into it after the run (NumPy's ``casting`` rule checked first).
"""

from __future__ import annotations

import numpy as np

from .._checks import dtype_of, fmt_shape, is_device_array


def as_tuple(out, n: int) -> tuple:
    if out is None:
        return (None,) * n
    if isinstance(out, tuple):
        if len(out) != n:
            raise ValueError(f"mathfront.fuse: out= has {len(out)} arrays for {n} results")
        return out
    if n != 1:
        raise ValueError(f"mathfront.fuse: the function returns {n} results: out= must be a "
                         f"tuple of {n} arrays (None for those not wanted)")
    return (out,)


def check(out, dtype: np.dtype, shape: tuple, casting: str, what: str,
          on_device: bool = False) -> None:
    """Raise what NumPy would for writing a ``dtype`` result of ``shape`` into ``out``
    (a device array where the call runs on a device, else an ndarray)."""
    if on_device:
        if not is_device_array(out):
            raise TypeError(f"mathfront.fuse: the call runs on the GPU, so out= must be a "
                            f"device array, got {type(out).__name__}")
        out_dtype = dtype_of(out)
    else:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"mathfront.fuse: out= must be an ndarray, got "
                            f"{type(out).__name__}")
        if not out.flags.writeable:
            raise ValueError("mathfront.fuse: out= is read-only")
        out_dtype = out.dtype
    if tuple(out.shape) != shape:
        raise ValueError(f"mathfront.fuse: out= has shape {fmt_shape(tuple(out.shape))}, "
                         f"{what} has shape {fmt_shape(shape)}")
    if not np.can_cast(dtype, out_dtype, casting):
        raise TypeError(f"mathfront.fuse: cannot cast {what} from dtype('{dtype}') to "
                        f"dtype('{out_dtype}') with casting rule '{casting}'")


def overlaps_partially(out: np.ndarray, inputs, broadcast) -> bool:
    """Does ``out`` share memory with an input other than as the very same view?"""
    for x, xb in zip(inputs, broadcast, strict=True):
        if not isinstance(x, np.ndarray) or not np.may_share_memory(out, x):
            continue
        same = (out.__array_interface__["data"][0] == xb.__array_interface__["data"][0]
                and out.strides == xb.strides and out.dtype.itemsize == xb.dtype.itemsize)
        if not same and np.shares_memory(out, x):
            return True
    return False

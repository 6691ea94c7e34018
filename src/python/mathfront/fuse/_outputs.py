"""``out=`` for fused calls: checked before anything runs, written after.

An ``out`` of exactly the result's dtype and shape goes to the engine as it
is, even when it *is* an input (same memory, same strides: each element is
read before it is written). One that overlaps an input otherwise (``x[1:]``
against ``x[:-1]``, a transposed view...) or has another dtype gets a buffer,
copied into it after the run (NumPy's ``casting`` rule checked first).
"""

from __future__ import annotations

import numpy as np

from .._checks import fmt_shape


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


def check(out, dtype: np.dtype, shape: tuple, casting: str, what: str) -> None:
    """Raise what NumPy would for writing a ``dtype`` result of ``shape`` into ``out``."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"mathfront.fuse: out= must be an ndarray, got {type(out).__name__}")
    if not out.flags.writeable:
        raise ValueError("mathfront.fuse: out= is read-only")
    if out.shape != shape:
        raise ValueError(f"mathfront.fuse: out= has shape {fmt_shape(out.shape)}, {what} has "
                         f"shape {fmt_shape(shape)}")
    if not np.can_cast(dtype, out.dtype, casting):
        raise TypeError(f"mathfront.fuse: cannot cast {what} from dtype('{dtype}') to "
                        f"dtype('{out.dtype}') with casting rule '{casting}'")


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

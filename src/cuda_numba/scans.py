"""Cumulative sums and products (cumsum, cumulative_sum...) on the GPU.

One thread per row (each index of the other axes) walks its row along the
axis, combining sequentially as NumPy's accumulate does: NumPy's bits, for
floats too. Correctness first: a long single row runs on one thread (a block
scan for long rows is left for later, docs/DECISIONS.md).
"""

from __future__ import annotations

import numpy as np
from numba import cuda, from_dtype

from . import config
from .elementwise import _narrow32
from .launch import launch
from .operands import Flat

_NARROW32 = cuda.jit(device=True)(_narrow32)
_KERNELS: dict[tuple, object] = {}

#: How the running value is stored: as it is, as bool (nonzero), modulo 2^32 (int32).
PLAIN, TRUTH, NARROW = 0, 1, 2


def kernel_for(prod: bool, acc: np.dtype, truthy_input: bool, store: int):
    """The kernel (compiled on first launch, per argument types)."""
    key = (prod, acc, truthy_input, store)
    kernel = _KERNELS.get(key)
    if kernel is not None:
        return kernel
    A = from_dtype(acc)
    one, zero = A(1), A(0)

    def scan(rows, n, oshape, x, x_off, x_ost, x_ast, out, out_off, out_ost, out_ast):
        for r in range(cuda.grid(1), rows, cuda.gridsize(1)):
            _row(r, n, oshape, x, x_off, x_ost, x_ast, out, out_off, out_ost, out_ast)

    @cuda.jit(device=True)
    def _row(r, n, oshape, x, x_off, x_ost, x_ast, out, out_off, out_ost, out_ast):
        xi = x_off
        oi = out_off
        rest = r
        for d in range(len(oshape) - 1, -1, -1):
            j = rest % oshape[d]
            rest //= oshape[d]
            xi += j * x_ost[d]
            oi += j * out_ost[d]
        total = zero
        for i in range(n):
            v = x[xi + i * x_ast]
            value = (one if v != 0 else zero) if truthy_input else A(v)
            if i == 0:
                total = value
            elif prod:
                total = total * value
            else:
                total = total + value
            if store == TRUTH:
                out[oi + i * out_ast] = 1 if total != 0 else 0
            elif store == NARROW:
                out[oi + i * out_ast] = _NARROW32(total)
            else:
                out[oi + i * out_ast] = total

    kernel = _KERNELS[key] = cuda.jit(scan)
    return kernel


def run(family: str, out: Flat, x: Flat, axis: int, result: np.dtype) -> None:
    """out = the running sum/product of ``x`` along ``axis`` (same shape), as NumPy's
    accumulate in ``result`` (its dtype=); ``x`` is read in its own dtype (bool as
    its byte), integers and bool accumulate in int64."""
    result = np.dtype(result)
    n = x.shape[axis]
    other = [d for d in range(len(x.shape)) if d != axis]
    oshape = tuple(x.shape[d] for d in other) or (1,)
    rows = int(np.prod(oshape, dtype=np.int64))
    if n == 0 or rows == 0:
        return
    acc = result if result.kind == "f" else np.dtype(np.int64)
    truthy = result.kind == "b"  # dtype=bool: logical or/and, of the elements' truth
    store = TRUTH if truthy else NARROW if result == np.int32 else PLAIN
    kernel = kernel_for(family == "prod", acc, truthy, store)
    x_ost = tuple(x.strides[d] for d in other) or (0,)
    out_ost = tuple(out.strides[d] for d in other) or (0,)
    key = ("scan", family, acc, truthy, store, len(oshape), x.dtype, out.dtype)
    launch(kernel, key, config.grid(rows), config.BLOCK,
           [rows, n, oshape, x.view, x.offset, x_ost, x.strides[axis], out.view, out.offset,
            out_ost, out.strides[axis]])

"""Cumulative sums and products (cumsum, cumulative_sum...) on the GPU.

A row (each index of the other axes) is cut into chunks of
``config.SCAN_CHUNK`` elements, as the C++ engine cuts it (the same length on
a GPU: the same bits): one thread per chunk totals it, one thread per row
combines those totals into offsets, and one thread per chunk walks it from its
offset, combining sequentially as NumPy's accumulate does. A row of one chunk
(most rows) is NumPy's order exactly and takes the last step alone.
"""

from __future__ import annotations

import numpy as np
from numba import cuda, from_dtype

from . import config
from .launch import launch
from .operands import Flat, empty

_KERNELS: dict[tuple, object] = {}

#: How the running value is stored: as it is, as bool (nonzero), converted to the
#: output's integer dtype (wrapping: int64 into int8, int16, int32...).
PLAIN, TRUTH, WRAP = 0, 1, 2


def _row_start(r, oshape, off, ost):
    """The element offset of row ``r`` (its index over the other axes, C order)."""
    i = off
    for d in range(len(oshape) - 1, -1, -1):
        i += (r % oshape[d]) * ost[d]
        r //= oshape[d]
    return i


_ROW_START = cuda.jit(device=True)(_row_start)


def kernel_for(step: str, prod: bool, acc: np.dtype, truthy_input: bool, store: int,
               result: np.dtype):
    """The kernel of ``step`` ("totals", "offsets" or "scan"), compiled on first launch;
    ``result``: the output's dtype (WRAP converts to it)."""
    key = (step, prod, acc, truthy_input, store, result)
    kernel = _KERNELS.get(key)
    if kernel is not None:
        return kernel
    A = from_dtype(acc)
    W = from_dtype(result)
    one, zero = A(1), A(0)

    @cuda.jit(device=True)
    def load(v):
        return (one if v != 0 else zero) if truthy_input else A(v)

    @cuda.jit(device=True)
    def combine(a, b):
        return a * b if prod else a + b

    def totals(rows, n, chunk, nchunks, oshape, x, x_off, x_ost, x_ast, sums):
        # sums[r, k + 1] = the total of chunk k of row r (the last chunk's is not needed)
        for t in range(cuda.grid(1), rows * (nchunks - 1), cuda.gridsize(1)):
            r = t // (nchunks - 1)
            k = t % (nchunks - 1)
            xi = _ROW_START(r, oshape, x_off, x_ost) + k * chunk * x_ast
            total = load(x[xi])
            for i in range(1, chunk):
                total = combine(total, load(x[xi + i * x_ast]))
            sums[r * nchunks + k + 1] = total

    def offsets(rows, nchunks, sums):
        for r in range(cuda.grid(1), rows, cuda.gridsize(1)):
            for k in range(2, nchunks):
                sums[r * nchunks + k] = combine(sums[r * nchunks + k - 1], sums[r * nchunks + k])

    def scan(rows, n, chunk, nchunks, oshape, x, x_off, x_ost, x_ast, out, out_off, out_ost,
             out_ast, sums):
        for t in range(cuda.grid(1), rows * nchunks, cuda.gridsize(1)):
            r = t // nchunks
            k = t % nchunks
            begin = k * chunk
            xi = _ROW_START(r, oshape, x_off, x_ost) + begin * x_ast
            oi = _ROW_START(r, oshape, out_off, out_ost) + begin * out_ast
            total = load(x[xi])
            if k > 0:
                total = combine(sums[r * nchunks + k], total)
            for i in range(min(chunk, n - begin)):
                if i > 0:
                    total = combine(total, load(x[xi + i * x_ast]))
                if store == TRUTH:
                    out[oi + i * out_ast] = 1 if total != 0 else 0
                elif store == WRAP:  # explicit: the simulator refuses what a GPU truncates
                    out[oi + i * out_ast] = W(total)
                else:
                    out[oi + i * out_ast] = total

    kernel = _KERNELS[key] = cuda.jit({"totals": totals, "offsets": offsets, "scan": scan}[step])
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
    store = TRUTH if truthy else WRAP if result.kind in "iu" and result.itemsize < 8 else PLAIN
    chunk = config.SCAN_CHUNK
    nchunks = -(-n // chunk)
    sums = empty((max(rows * nchunks, 1),), acc)  # one element when unused: same types
    x_row = [oshape, x.view, x.offset, tuple(x.strides[d] for d in other) or (0,),
             x.strides[axis]]
    kind = (family == "prod", acc, truthy, store, result)
    types = (len(oshape), x.dtype, out.dtype)
    if nchunks > 1:
        launch(kernel_for("totals", *kind), ("totals", *kind, *types),
               config.grid(rows * (nchunks - 1)), config.BLOCK,
               [rows, n, chunk, nchunks, *x_row, sums])
        if nchunks > 2:
            launch(kernel_for("offsets", *kind), ("offsets", *kind, *types), config.grid(rows),
                   config.BLOCK, [rows, nchunks, sums])
    launch(kernel_for("scan", *kind), ("scan", *kind, *types), config.grid(rows * nchunks),
           config.BLOCK,
           [rows, n, chunk, nchunks, *x_row, out.view, out.offset,
            tuple(out.strides[d] for d in other) or (0,), out.strides[axis], sums])

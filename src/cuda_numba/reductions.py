"""Reductions on the GPU, deterministic: no floating-point atomics, and a
fixed order of combination, so the same input gives the same bits each run.

Every reduction folds elements into a state (f0, f1, f2, i0, v): three
float64 slots, an int64 and a value of the input's dtype, used as each family
needs (below). Three kernels, generated per number of kept and reduced axes:

- per_output: one thread per output folds its elements in order (short
  reductions, and outer reductions with many outputs, read coalesced);
- blocks: one block per (output, chunk of elements); the threads fold
  strided elements, then merge in a shared-memory tree; one chunk finishes
  the output, more write partial states;
- combine: one thread per output merges its chunks' states in order.

Warp shuffles would save a few tree steps, but the CUDA simulator cannot run
them and no real GPU was at hand to prove them: the trees use shared memory.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda, float64, from_dtype, int64

from .._ops import OPS
from . import config
from .launch import current_stream, launch
from .operands import Flat, empty, simplify

# Variants of the finish step.
PLAIN, MEAN, VAR, STD, ANY, ALL = 0, 1, 2, 3, 4, 5


# --- families: fold (one element), merge (two states), finish (the result) ----------------
# Sum: f0 float sum / i0 integer sum (wrapping), f1 count.

def _fold_sum_float(s, x, r, skip, high):
    if skip and x != x:
        return s
    return (s[0] + np.float64(x), s[1] + 1.0, s[2], s[3], s[4])


def _fold_sum_int(s, x, r, skip, high):
    return (s[0], s[1] + 1.0, s[2], s[3] + np.int64(x), s[4])


def _merge_sum(a, b, high):
    return (a[0] + b[0], a[1] + b[1], a[2], a[3] + b[3], a[4])


def _finish_sum_float(s, variant, skip, ddof):
    if variant != MEAN:
        return s[0]
    return s[0] / s[1] if s[1] > 0.0 else np.nan  # the mean of nothing, as NumPy


def _finish_sum_int(s, variant, skip, ddof):
    return s[3]


# Product: i0 integer product (wrapping); floats: f0 the product, f1 the zeros and f2 the
# infinities seen (a NaN counts as both). Special cases follow the elements, not the order
# of the multiplications (as the C++ ProdState): NaN with a NaN or with both a zero and an
# infinity, else a signed zero with a zero (even where the other partial products
# overflowed), a signed infinity with an infinity, else the product; signs are the
# product's. NumPy's sequential product agrees wherever its order does not matter.

_DBL_MAX = 1.7976931348623157e308


def _prod_value(p, zeros, infs):
    """The product, from p (every factor's sign, the finite nonzero ones' magnitudes)."""
    if zeros > 0.0 and infs > 0.0:
        return np.float64(np.nan)
    if zeros > 0.0:
        return np.float64(math.copysign(0.0, p))
    if infs > 0.0:
        return np.float64(math.copysign(math.inf, p))
    return p


def _prod_mul(a, b):
    """a * b, with the product's sign even where it is NaN (an overflowed partial
    product times an underflowed one)."""
    p = a * b
    if p != p:
        p = np.float64(math.copysign(p, math.copysign(1.0, a) * math.copysign(1.0, b)))
    return p


_PROD_VALUE = cuda.jit(device=True)(_prod_value)
_PROD_MUL = cuda.jit(device=True)(_prod_mul)


def _fold_prod_float(s, x, r, skip, high):
    xf = np.float64(x)
    a = abs(xf)
    ordinary = a > 0.0 and a <= _DBL_MAX  # NaN is neither
    zeros = s[1] + (0.0 if a > 0.0 else 1.0)
    infs = s[2] + (0.0 if a <= _DBL_MAX else 1.0)
    factor = xf if ordinary else np.float64(math.copysign(1.0, xf))
    return (_PROD_VALUE(_PROD_MUL(s[0], factor), zeros, infs), zeros, infs, s[3], s[4])


def _fold_prod_int(s, x, r, skip, high):
    return (s[0], s[1], s[2], s[3] * np.int64(x), s[4])


def _merge_prod(a, b, high):
    zeros = a[1] + b[1]
    infs = a[2] + b[2]
    return (_PROD_VALUE(_PROD_MUL(a[0], b[0]), zeros, infs), zeros, infs, a[3] * b[3], a[4])


# Extreme (min/max): v the extreme of the non-NaN elements, f1 their count, f2 the NaN count.

def _fold_extreme(s, x, r, skip, high):
    if x != x:
        return (s[0], s[1], s[2] + 1.0, s[3], s[4])
    take = x > s[4] if high else x < s[4]
    return (s[0], s[1] + 1.0, s[2], s[3], x if take else s[4])


def _merge_extreme(a, b, high):
    if a[1] == 0.0:
        return (a[0], b[1], a[2] + b[2], a[3], b[4])
    if b[1] == 0.0:
        return (a[0], a[1], a[2] + b[2], a[3], a[4])
    take = b[4] > a[4] if high else b[4] < a[4]
    return (a[0], a[1] + b[1], a[2] + b[2], a[3], b[4] if take else a[4])


def _finish_extreme_float(s, variant, skip, ddof):
    nan = s[1] == 0.0 if skip else s[2] > 0.0
    return np.float64(s[4]) if not nan else np.nan


def _finish_extreme_int(s, variant, skip, ddof):
    return s[4]


# Arg (argmin/argmax): v the extreme, i0 its index (-1: none yet), f2 1.0 once a NaN is seen.

def _fold_arg(s, x, r, skip, high):
    if s[2] != 0.0:
        return s  # the first NaN wins
    if x != x:
        return (s[0], s[1], 1.0, r, x)
    take = s[3] < 0 or (x > s[4] if high else x < s[4])
    return (s[0], s[1], s[2], r if take else s[3], x if take else s[4])


def _merge_arg(a, b, high):
    if a[3] < 0:
        return b
    if b[3] < 0:
        return a
    if a[2] != 0.0 or b[2] != 0.0:  # the NaN with the lowest index
        if a[2] != 0.0 and b[2] != 0.0:
            return a if a[3] < b[3] else b
        return a if a[2] != 0.0 else b
    better = b[4] > a[4] if high else b[4] < a[4]
    return b if better or (b[4] == a[4] and b[3] < a[3]) else a


def _finish_arg(s, variant, skip, ddof):
    return s[3]


# Moments (var/std): f0 count, f1 mean, f2 sum of squared deviations, v the shift; Welford,
# merged by Chan. Each state folds x - v, v its first element, so that on 1e8 + noise the
# means keep the noise's digits (rounded means of 1e8 + u lose them: 5.6e-10 relative);
# var does not depend on v, and two states' shifts differ exactly when close (Sterbenz).

def _fold_moments(s, x, r, skip, high):
    if skip and x != x:
        return s
    v = x if s[0] == 0.0 else s[4]
    xf = np.float64(x) - np.float64(v)
    n = s[0] + 1.0
    d = xf - s[1]
    mean = s[1] + d / n
    return (n, mean, s[2] + d * (xf - mean), s[3], v)


def _merge_moments(a, b, high):
    if a[0] == 0.0:
        return b
    if b[0] == 0.0:
        return a
    n = a[0] + b[0]
    d = (b[1] - a[1]) + (np.float64(b[4]) - np.float64(a[4]))  # in a's frame
    return (n, a[1] + d * (b[0] / n), a[2] + b[2] + d * d * (a[0] * b[0] / n), a[3], a[4])


def _finish_moments(s, variant, skip, ddof):
    # As NumPy: divide by max(n - ddof, 0); nanvar gives NaN where that is not positive.
    dof = s[0] - ddof
    m2 = s[2] if s[2] > 0.0 else 0.0
    var = m2 / dof if dof > 0.0 else (np.nan if skip or m2 != m2 or m2 == 0.0 else np.inf)
    if s[2] != s[2]:
        var = s[2]
    if dof != dof:  # a NaN ddof, as NumPy
        var = np.nan
    return var ** 0.5 if variant == STD else var


# Logical and count (any, all, count_nonzero): i0 the nonzero elements (NaN is one, -0
# is not), f1 all of them; merged as sums. any: i0 > 0, all: i0 == f1, count_nonzero: i0.

def _fold_count(s, x, r, skip, high):
    return (s[0], s[1] + 1.0, s[2], s[3] + (1 if x != 0 else 0), s[4])


def _finish_count(s, variant, skip, ddof):
    if variant == ANY:
        return 1 if s[3] != 0 else 0
    if variant == ALL:
        return 1 if np.float64(s[3]) == s[1] else 0
    return s[3]


FAMILIES = {
    "logical": (_fold_count, _merge_sum, _finish_count),
    "count": (_fold_count, _merge_sum, _finish_count),
    "sum_float": (_fold_sum_float, _merge_sum, _finish_sum_float),
    "sum_int": (_fold_sum_int, _merge_sum, _finish_sum_int),
    "prod_float": (_fold_prod_float, _merge_prod, _finish_sum_float),
    "prod_int": (_fold_prod_int, _merge_prod, _finish_sum_int),
    "extreme_float": (_fold_extreme, _merge_extreme, _finish_extreme_float),
    "extreme_int": (_fold_extreme, _merge_extreme, _finish_extreme_int),
    "arg": (_fold_arg, _merge_arg, _finish_arg),
    "moments": (_fold_moments, _merge_moments, _finish_moments),
}

_FINISH = {"mean": MEAN, "var": VAR, "std": STD}
#: The logical family's variants: any is the high one (a maximum of truths), all the low.
_LOGICAL = {"high": ANY, "low": ALL}


def _finish_variant(op) -> int:
    return (_LOGICAL if op.family == "logical" else _FINISH).get(op.variant, PLAIN)


#: {op: (family, finish variant, skips NaN, high)}, from the op table's rows
#: (dot is a sum of products).
SPEC = {op.name: (op.family, _finish_variant(op), op.skips_nan, op.variant == "high")
        for op in OPS if op.family}


# --- kernel sources -------------------------------------------------------------------------

def _unravel(index: str, shape: str, ndim: int, prefix: str, indent: str) -> list[str]:
    if ndim == 0:
        return []
    lines = [f"{indent}rest = {index}"]
    for d in range(ndim - 1, 0, -1):
        lines += [f"{indent}{prefix}{d} = rest % {shape}[{d}]", f"{indent}rest //= {shape}[{d}]"]
    return [*lines, f"{indent}{prefix}0 = rest"]


def _offset(base: str, strides: str, ndim: int, prefix: str) -> str:
    return " + ".join([base] + [f"{prefix}{d} * {strides}[{d}]" for d in range(ndim)])


def _load(arity: int, float_path: bool) -> str:
    if arity == 1:
        return "x0[b0 + {r0}]"
    product = "np.float64(x0[b0 + {r0}]) * np.float64(x1[b1 + {r1}])" if float_path else \
        "np.int64(x0[b0 + {r0}]) * np.int64(x1[b1 + {r1}])"
    return product


# A block's threads each hold a state ``s``; these lines merge them pairwise
# in shared memory (a fixed tree: deterministic), leaving the total in
# thread 0's ``s``.
_SHARED = ["    s0 = cuda.shared.array(BLOCK, float64)",
           "    s1 = cuda.shared.array(BLOCK, float64)",
           "    s2 = cuda.shared.array(BLOCK, float64)",
           "    s3 = cuda.shared.array(BLOCK, int64)",
           "    s4 = cuda.shared.array(BLOCK, T)",
           "    t = cuda.threadIdx.x"]
_TREE = ["    s0[t], s1[t], s2[t], s3[t], s4[t] = s",
         "    cuda.syncthreads()",
         "    width = BLOCK // 2",
         "    while width > 0:",
         "        if t < width:",
         "            m = merge((s0[t], s1[t], s2[t], s3[t], s4[t]),",
         "                      (s0[t + width], s1[t + width], s2[t + width], s3[t + width],"
         " s4[t + width]), high)",
         "            s0[t], s1[t], s2[t], s3[t], s4[t] = m",
         "        cuda.syncthreads()",
         "        width //= 2",
         "    s = (s0[0], s1[0], s2[0], s3[0], s4[0])"]


def _source(kind: str, nk: int, nr: int, arity: int, float_path: bool, wrap: bool) -> str:
    xs = [f"x{i}, x{i}_off, x{i}_kst, x{i}_rst" for i in range(arity)]
    state = "(finit, zero, zero, iinit, ident)"  # NumPy scalars: simulated arithmetic as a GPU's
    common = "skip, high, variant, ddof, finit, zero, iinit, ident"
    load = _load(arity, float_path)
    reduced = {i: _offset("0", f"x{i}_rst", nr, "q") for i in range(arity)}
    x = load.format(r0=reduced[0], r1=reduced.get(1, ""))
    bases = [f"        b{i} = {_offset(f'x{i}_off', f'x{i}_kst', nk, 'j')}" for i in range(arity)]
    out = f"out[{_offset('out_off', 'out_kst', nk, 'j')}]"
    result = "finish(s, variant, skip, ddof)"
    if wrap:  # converted explicitly: the simulator's store refuses what a GPU's truncates
        result = f"W({result})"
    if kind == "per_output":
        lines = [f"def kernel(n_out, n_red, kshape, rshape, out, out_off, out_kst, "
                 f"{', '.join(xs)}, {common}):",
                 "    for k in range(cuda.grid(1), n_out, cuda.gridsize(1)):",
                 *_unravel("k", "kshape", nk, "j", "        "), *bases,
                 f"        s = {state}",
                 "        for r in range(n_red):",
                 *_unravel("r", "rshape", nr, "q", "            "),
                 f"            s = fold(s, {x}, r, skip, high)",
                 f"        {out} = {result}"]
    elif kind == "blocks":
        lines = [f"def kernel(n_out, n_red, nchunks, chunk, kshape, rshape, out, out_off, out_kst, "
                 f"{', '.join(xs)}, p0, p1, p2, p3, p4, {common}):",
                 *_SHARED,
                 "    k = cuda.blockIdx.x // nchunks",
                 "    c = cuda.blockIdx.x - k * nchunks",
                 *_unravel("k", "kshape", nk, "j", "    "), *[b[4:] for b in bases],
                 f"    s = {state}",
                 "    start = c * chunk",
                 "    for r in range(start + t, min(n_red, start + chunk), BLOCK):",
                 *_unravel("r", "rshape", nr, "q", "        "),
                 f"        s = fold(s, {x}, r, skip, high)",
                 *_TREE,
                 "    if t == 0:",
                 "        if nchunks == 1:",
                 f"            {out} = {result}",
                 "        else:",
                 "            b = cuda.blockIdx.x",
                 "            p0[b], p1[b], p2[b], p3[b], p4[b] = s"]
    else:  # combine: one block per output merges its chunks' states, in a fixed order
        lines = [f"def kernel(n_out, nchunks, kshape, out, out_off, out_kst, p0, p1, p2, p3, p4, "
                 f"{common}):",
                 *_SHARED,
                 "    k = cuda.blockIdx.x",
                 *_unravel("k", "kshape", nk, "j", "    "),
                 "    at = k * nchunks",
                 f"    s = {state}",  # the identity of every merge
                 "    for c in range(t, nchunks, BLOCK):",
                 "        s = merge(s, (p0[at + c], p1[at + c], p2[at + c], p3[at + c],"
                 " p4[at + c]), high)",
                 *_TREE,
                 "    if t == 0:",
                 f"        {out} = {result}"]
    return "\n".join(lines) + "\n"


_KERNELS: dict[tuple, object] = {}


def kernel_for(kind, family, dtype, nk, nr, arity, block, wrap):
    """The generated kernel (compiled on first launch, per argument types); ``wrap``:
    the dtype (name) an integer result is converted to before its store, or ""."""
    key = (kind, family, dtype, nk, nr, arity, block, wrap)
    kernel = _KERNELS.get(key)
    if kernel is None:
        fold, merge, finish = (cuda.jit(device=True)(f) for f in FAMILIES[family])
        namespace = {"cuda": cuda, "np": np, "fold": fold, "merge": merge, "finish": finish,
                     "BLOCK": block, "T": from_dtype(dtype), "float64": float64, "int64": int64}
        if wrap:
            namespace["W"] = from_dtype(np.dtype(wrap))
        float_path = not family.endswith("_int")
        exec(_source(kind, nk, nr, arity, float_path, bool(wrap)), namespace)
        kernel = _KERNELS[key] = cuda.jit(namespace["kernel"])
    return kernel


# --- running one ----------------------------------------------------------------------------

def _identity(family: str, high: bool, dtype: np.dtype):
    if family.startswith("extreme") or family == "arg":
        if dtype.kind == "f":
            return dtype.type(-np.inf if high else np.inf)
        info = np.iinfo(dtype)
        return dtype.type(info.min if high else info.max)
    return dtype.type(0)


def plan(op: str, dtype: np.dtype, result: np.dtype, ddof: float = 0.0) -> tuple:
    """(family, wrap, common) of reduction ``op`` over elements of ``dtype`` (as the
    kernels read them: bool as its byte) into ``result``: the kernels' family, the
    dtype an integer result wraps to ("" for none) and their trailing arguments."""
    family, variant, skip, high = SPEC[op]
    float_acc = dtype.kind == "f" or variant == MEAN
    if family in ("sum", "prod", "extreme"):
        family += "_float" if (float_acc if family != "extreme" else dtype.kind == "f") else "_int"
    skip = skip and dtype.kind == "f"  # integers have no NaN to skip
    finit = np.float64(1.0 if family.startswith("prod") else 0.0)
    iinit = np.int64(1 if family.startswith("prod") else (-1 if family == "arg" else 0))
    common = [skip, high, variant, np.float64(ddof), finit, np.float64(0), iinit,
              _identity(family, high, dtype)]
    # Integer sums and products accumulate in int64 (uint64 too: the same bits); stored
    # into a narrower integer (int8's dot, sum(dtype=int16)) they wrap, into bool they
    # are their truth, as NumPy's loops in those dtypes.
    wrap = result.name if family in ("sum_int", "prod_int") and result.kind in "biu" and \
        result.itemsize < 8 else ""
    return family, wrap, common


def chunking(n_red: int, block: int) -> tuple[int, int]:
    """(chunk, nchunks): elements per block (whole strides of the block) and blocks for
    ``n_red`` elements; at most MAX_CHUNKS, so that the combine step stays short."""
    chunk = max(block * config.MIN_PER_THREAD, -(-n_red // config.MAX_CHUNKS))
    chunk = -(-chunk // block) * block
    return chunk, -(-n_red // chunk)


def run(op: str, out: Flat, inputs: list[Flat], reduced: tuple[bool, ...],
        ddof: float = 0.0, result: np.dtype | None = None) -> None:
    """out = op over the ``reduced`` axes of ``inputs`` (all of the same dtype and shape).

    ``out`` has the kept axes (in order), ``inputs`` all axes; argmin/argmax
    number elements in C order over the reduced axes, as NumPy does; ``result``:
    the output's dtype where ``out`` is read as its storage (bool as its byte).
    """
    dtype = inputs[0].dtype
    result = np.dtype(result or out.dtype)
    family, wrap, common = plan(op, dtype, result, ddof)
    kshape = tuple(n for n, r in zip(inputs[0].shape, reduced, strict=True) if not r)
    rshape = tuple(n for n, r in zip(inputs[0].shape, reduced, strict=True) if r)
    n_out = int(np.prod(kshape, dtype=np.int64))
    n_red = int(np.prod(rshape, dtype=np.int64))
    if n_out == 0:
        return
    kst = [tuple(s for s, r in zip(x.strides, reduced, strict=True) if not r) for x in inputs]
    rst = [tuple(s for s, r in zip(x.strides, reduced, strict=True) if r) for x in inputs]
    kshape, kst_all = simplify(kshape, out.strides, *kst)
    if family != "arg":  # argmin/argmax count indices in C order: keep the axes
        rshape, rst = simplify(rshape, *rst)
    out_kst, kst = kst_all[0], kst_all[1:]
    arrays = []
    for x, k, r in zip(inputs, kst, rst, strict=True):
        arrays += [x.view, x.offset, k, r]
    nk, nr, arity = len(kshape), len(rshape), len(inputs)
    block = config.BLOCK
    types = (dtype, out.dtype)  # with the kernel's key, these fix every argument's type
    # One thread per output: short reductions, or many outputs whose
    # neighbours are neighbours in memory (reads coalesce across threads).
    coalesced = kst[0] and abs(kst[0][-1]) == 1 and (not rst[0] or abs(rst[0][-1]) != 1)
    per_output = n_red <= config.PER_THREAD_MAX or (n_out >= 16 * block and coalesced)
    if per_output:
        key = ("per_output", family, dtype, nk, nr, arity, block, wrap)
        launch(kernel_for(*key), key + types, config.grid(n_out), block,
               [n_out, n_red, kshape or (1,), rshape or (1,), out.view, out.offset,
                out_kst or (0,), *arrays, *common])
        return
    chunk, nchunks = chunking(n_red, block)
    slots = _slots(n_out * nchunks if nchunks > 1 else 0, dtype)
    key = ("blocks", family, dtype, nk, nr, arity, block, wrap)
    launch(kernel_for(*key), key + types, n_out * nchunks, block,
           [n_out, n_red, nchunks, chunk, kshape or (1,), rshape or (1,), out.view, out.offset,
            out_kst or (0,), *arrays, *slots, *common])
    if nchunks > 1:
        key = ("combine", family, dtype, nk, 0, arity, block, wrap)
        launch(kernel_for(*key), key + types, n_out, block,
               [n_out, nchunks, kshape or (1,), out.view, out.offset, out_kst or (0,), *slots,
                *common])


_SLOTS: dict[tuple, list] = {}


def _slots(count: int, dtype: np.dtype, which: int = 0) -> list:
    """Device arrays for ``count`` partial states (at least one element: a
    one-chunk launch passes them unused, its argument types unchanged);
    ``which``: one set per reduction of a kernel making several (fused.py).

    Kept between calls, one set per stream: kernels on one stream run in
    order, so a later reduction cannot overwrite states before an earlier
    combine has read them; another stream's reduction gets its own set.
    """
    key = (max(count, 1), np.dtype(dtype), current_stream(), which)
    slots = _SLOTS.get(key)
    if slots is None:
        if len(_SLOTS) >= 16:
            _SLOTS.pop(next(iter(_SLOTS)))
        slots = _SLOTS[key] = [empty((key[0],), kind)
                               for kind in [np.float64] * 3 + [np.int64, dtype]]
    return slots

"""How far an engine's answer may be from NumPy's: the bounds of the op table's ``tolerance``.

Verify mode and the tests use these bounds; docs/verify.md states them. Each
is a bound that any correct kernel meets, whatever its order of operations,
so that a reordered sum is never taken for a wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from ._ops import (
    DOT,
    EXACT,
    EXACT_ANY_ZERO,
    MOMENTS,
    PRODUCT,
    REDUCTION,
    SCAN,
    SUM,
    ULP,
    ULP_ABS,
    ULPS,
    Op,
)

DESCRIPTIONS = {
    EXACT: "exactly (NaN equal to NaN, -0 and +0 distinct)",
    EXACT_ANY_ZERO: "exactly, but -0 and +0 equal (NumPy's zero on a tie varies)",
    ULP: f"within {ULPS} ulp",
    ULP_ABS: f"within {ULPS} ulp, or eps absolutely",
    SUM: "within 2 (n + 2) eps sum|x|",
    PRODUCT: "within 2 (n + 2) eps relatively",
    MOMENTS: "within 8 (n + 2) eps sum(x^2) / (n - ddof)",
}


def describe(op: Op, result_dtype) -> str:
    if np.dtype(result_dtype).kind not in "fc":
        return DESCRIPTIONS[EXACT]
    return DESCRIPTIONS[op.tolerance]


def eps(dtype) -> float:
    """Machine epsilon of a floating dtype; 0 for the exact ones."""
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype).eps) if dtype.kind in "fc" else 0.0


def _inexact(op: Op, result_dtype) -> bool:
    return op.tolerance not in (EXACT, EXACT_ANY_ZERO) and np.dtype(result_dtype).kind in "fc"


def elementwise(op: Op, result_dtype) -> tuple[float, float]:
    """``(atol, rtol)`` of an elementwise op whose result has ``result_dtype``."""
    if not _inexact(op, result_dtype):
        return 0.0, 0.0
    e = eps(result_dtype)
    # sin/cos of a large argument are ~0 at multiples of pi: bound absolutely too.
    # Below the smallest normal an ulp is the smallest subnormal, which eps |ref|
    # does not reach (NumPy's float32 exp2 is 1e-45 off there, libm is not).
    tiny = float(np.finfo(result_dtype).smallest_subnormal)
    return (e if op.tolerance == ULP_ABS else ULPS * tiny), ULPS * e


def _magnitudes(x) -> np.ndarray:
    x = np.asarray(x)
    return np.abs(x).astype(np.float64) if x.dtype.kind == "c" else x.astype(np.float64)


def reduction(op: Op, x, axes, ddof, result_dtype):
    """``(atol, rtol)`` of a reduction over ``axes`` of ``x``; atol per output (keepdims).

    Sums: any summation order is within (n + 2) eps sum|x| of the exact sum,
    and so within twice that of NumPy's. Variances: the same bound applied to
    sum((x - mean)^2), with sum(x^2) standing for the size of the terms.
    """
    if not _inexact(op, result_dtype):
        return 0.0, 0.0
    result_dtype = np.dtype(result_dtype)
    e = max(eps(result_dtype), eps(np.asarray(x).dtype))
    xf = _magnitudes(x)
    valid = ~np.isnan(xf) if op.skips_nan else np.ones(xf.shape, bool)
    finite = np.where(valid & np.isfinite(xf), xf, 0.0)
    n = np.sum(valid, axis=axes, keepdims=True) if axes != () else valid.astype(np.int64)
    grow = 2 * (n + 2) * e
    if op.tolerance == PRODUCT:
        return 0.0, float(np.max(grow, initial=0.0))
    if op.tolerance == SUM:
        bound = grow * np.sum(np.abs(finite), axis=axes, keepdims=True)
        if op.variant == "mean":
            bound = bound / np.maximum(n, 1)
        return bound, 0.0
    # NumPy divides by n - ddof wherever that is positive: with a fractional
    # ddof it may be below 1, and the bound grows as the result does.
    divisor = np.where(n - ddof > 0, n - ddof, 1.0)
    bound = 4 * grow * np.sum(finite * finite, axis=axes, keepdims=True) / divisor
    # NumPy squares deviations in the input's precision: each square may
    # underflow by up to the smallest subnormal.
    tiny = float(np.finfo(result_dtype).smallest_subnormal)
    bound = bound + (n + 1) * tiny / divisor
    if op.variant == "std":
        bound = np.sqrt(bound)  # |sqrt(a) - sqrt(b)| <= sqrt(|a - b|)
    return bound, 0.0


def scan(op: Op, x, axis, result_dtype, include_initial=False):
    """``(atol, rtol)`` of a cumulative op along ``axis`` of ``x`` (None: flattened);
    atol per element of the result. Each element is a sum (product) of the first
    elements, so the bound of the reduction of those holds for it: the engines
    may add in another order (a parallel scan adds chunk totals)."""
    if not _inexact(op, result_dtype):
        return 0.0, 0.0
    x = np.asarray(x)
    axis = _checks.scan_axis(op, x.ndim, axis)
    if axis is None or x.ndim == 0:
        x, axis = x.reshape(-1), 0
    e = max(eps(result_dtype), eps(x.dtype))
    grow = 2 * (x.shape[axis] + 2) * e
    if op.tolerance == PRODUCT:
        return 0.0, grow
    xf = _magnitudes(x)
    bound = grow * np.cumsum(np.where(np.isfinite(xf), np.abs(xf), 0.0), axis=axis)
    if include_initial:
        zeros = np.zeros((*bound.shape[:axis], 1, *bound.shape[axis + 1:]))
        bound = np.concatenate([zeros, bound], axis=axis)
    return bound, 0.0


def dot(op: Op, x, y, result_dtype) -> float:
    """``atol`` of a dot product: the sum bound on the products."""
    if not _inexact(op, result_dtype):
        return 0.0
    products = np.abs(_magnitudes(x) * _magnitudes(y))
    finite = np.where(np.isfinite(products), products, 0.0)
    return 2 * (products.size + 2) * eps(result_dtype) * float(np.sum(finite))


def for_call(op: Op, operands, keywords: dict, result_dtype):
    """``(atol, rtol)`` of a call (host operands, the op's keywords by name); atol
    has the result's size when it is an array."""
    if op.kind == DOT:
        return dot(op, *operands, result_dtype), 0.0
    if op.kind == SCAN:
        return scan(op, operands[0], keywords.get("axis"), result_dtype,
                    bool(keywords.get("include_initial", False)))
    if op.kind != REDUCTION:
        return elementwise(op, result_dtype)
    if not _inexact(op, result_dtype):
        return 0.0, 0.0
    x = np.asarray(operands[0])
    axes = _checks.reduction_axes(op, x.ndim, keywords["axis"])
    return reduction(op, x, axes, keywords.get("ddof", 0), result_dtype)


@dataclass(frozen=True)
class Difference:
    """Where an answer is out of bounds: the largest errors and the first offending element."""

    max_abs_error: float
    max_rel_error: float
    index: tuple[int, ...]
    got: object
    expected: object


def _same(g, e, signed_zeros: bool):
    if g.dtype.kind == "c":
        return _same(g.real, e.real, signed_zeros) & _same(g.imag, e.imag, signed_zeros)
    same = g == e
    if g.dtype.kind == "f":
        if signed_zeros:
            same &= np.signbit(g) == np.signbit(e)
        same |= np.isnan(g) & np.isnan(e)
    return same


def compare(got, expected, atol=0.0, rtol=0.0, *, exact=False) -> Difference | None:
    """Where ``got`` is farther than ``atol + rtol |expected|`` from ``expected``.

    Both have one dtype and shape. NaN meets NaN and infinities must match;
    ``exact``: every value must, the signs of zeros too. None when all are in
    bounds.
    """
    g, e = np.asarray(got), np.asarray(expected)
    wide = np.result_type(e.dtype, np.float64)
    with np.errstate(all="ignore"):
        ok = _same(g, e, exact)
        diff = np.abs(g.astype(wide) - e.astype(wide))
        if not exact:
            ok |= np.isfinite(e) & (diff <= atol + rtol * np.abs(e.astype(wide)))
        if np.all(ok):
            return None
        # NaN where NaN met NaN or infinities cancelled: 0 if in bounds, else unbounded.
        error = np.where(np.isnan(diff), np.where(ok, 0.0, np.inf), diff)
        relative = np.where(error == 0, 0.0, error / np.abs(e.astype(wide)))
        relative = np.where(np.isnan(relative), np.inf, relative)
    index = tuple(int(i) for i in np.argwhere(~ok)[0])
    return Difference(float(np.max(error)), float(np.max(relative)), index, g[index], e[index])

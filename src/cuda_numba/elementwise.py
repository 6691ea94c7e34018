"""Elementwise ops on the GPU: one device function per op, and kernels
generated per number of axes and kind of operand (array or scalar).

Kernels walk the output with a grid-stride loop. A contiguous call (every
array operand walked with stride 1 after simplification) gets the plain
loop; others unravel the flat index over the output's axes and address each
operand by its own offset and strides (operands.Flat).

The domain guards (sqrt of a negative, exp beyond overflow, sin of inf)
give NumPy's NaN and inf: on a GPU the hardware would too, but the CUDA
simulator runs Python's math module, which raises instead.

Dtypes: a kernel reads its operands in the dtype of their promotion and
converts each to the dtype of NumPy's loop for the op (``loop_dtype``: sqrt
of int16 computes in float32, divide of integers in float64, power of bool in
int8) before the device function sees it; the store converts the result to
the output's dtype (wrapping, as NumPy's integer loops do). In between, the
compiled typing is Numba's, not NumPy's (int8 + int8 is int64; uint64 with an
int literal is int64): the device functions are written so that both give
NumPy's answer once stored (no literals in uint64 arithmetic, no float
detours), and tests/test_cuda_dtypes.py runs them under ``numba.njit`` for
every dtype.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import cuda, from_dtype, uint64

from .._checks import PY_SCALARS
from .._ops import BY_NAME, OPS, TERNARY
from . import config
from .launch import launch
from .operands import Flat, simplify


def _add(a, b):
    return a + b


def _subtract(a, b):
    return a - b


def _multiply(a, b):
    return a * b


def _divide(a, b):
    return a / b  # ints divide as float64; the CUDA target divides by 0 as NumPy does


def _maximum(a, b):
    return a if a > b or a != a else b  # NaN from either side


def _minimum(a, b):
    return a if a < b or a != a else b


def _power(a, b):
    return a ** b


def _power_int(a, b):  # by squaring, wrapping; negative exponents are refused before
    # A 1 of a's type: a literal 1 would make compiled uint64 arithmetic int64
    # (or float64 in older Numba) where NumPy's stays uint64.
    result = type(a)(1)
    while b > 0:
        if b & 1:
            result *= a
        a *= a
        b >>= 1
    return result


def _negative(a):
    return -a


def _abs(a):
    return abs(a)


def _abs_int(a):
    return a if a >= 0 else -a  # abs(INT_MIN) wraps to INT_MIN, as in NumPy


def _sqrt(a):
    return math.sqrt(a) if a >= 0 else math.nan


# ln(DBL_MAX): exp and expm1 overflow past it. The simulator compares a
# float32 with the bound in float32 (NumPy 2), which rounds it up past float32
# 709.7827148: that value overflows too, so it is named as well.
_LN_MAX = 709.782712893384
_LN_MAX_F32 = 709.78271484375


def _exp(a):
    if a > _LN_MAX or a >= _LN_MAX_F32:  # NaN passes
        return math.inf
    return math.exp(a)


def _log(a):
    if a > 0:
        return math.log(a)
    return -math.inf if a == 0 else math.nan


def _sin(a):
    return math.sin(a) if a - a == 0 else math.nan  # inf - inf and NaN - NaN are NaN


def _cos(a):
    return math.cos(a) if a - a == 0 else math.nan


def _tan(a):
    return math.tan(a) if a - a == 0 else math.nan


def _tanh(a):
    return math.tanh(a)


def _sinh(a):
    if not (a > 700 or a < -700):  # NaN too
        return math.sinh(a)
    # Python's math.sinh raises where sinh overflows: exp(|x|/2)^2 / 2 is the
    # same within an ulp there, and inf past float64's range. x: a float, as
    # -INT64_MIN would wrap.
    x = a * 1.0
    h = math.exp(min(abs(x), 1400.0) / 2)
    return math.copysign(0.5 * h * h, x)


def _cosh(a):
    if not (a > 700 or a < -700):
        return math.cosh(a)
    h = math.exp(min(abs(a * 1.0), 1400.0) / 2)  # as in _sinh
    return 0.5 * h * h


def _arcsin(a):
    return math.asin(a) if -1 <= a <= 1 else math.nan


def _arccos(a):
    return math.acos(a) if -1 <= a <= 1 else math.nan


def _arctan(a):
    return math.atan(a)


def _arcsinh(a):
    return math.asinh(a)


def _arccosh(a):
    return math.acosh(a) if a >= 1 else math.nan


def _arctanh(a):
    if -1 < a < 1:
        return math.atanh(a)
    return math.copysign(math.inf, a) if a == 1 or a == -1 else math.nan


def _expm1(a):
    if a > _LN_MAX or a >= _LN_MAX_F32:  # as in _exp
        return math.inf
    return math.expm1(a)


def _log1p(a):
    if a > -1:
        return math.log1p(a)
    return -math.inf if a == -1 else math.nan


def _log2(a):
    if a > 0:
        return math.log2(a)
    return -math.inf if a == 0 else math.nan


def _log10(a):
    if a > 0:
        return math.log10(a)
    return -math.inf if a == 0 else math.nan


def _exp2(a):
    if a >= 1024:  # Python's ** raises past float64's range
        return math.inf
    # a float exponent: Numba would multiply out an integer power, and 2**1074
    # overflows before 2**-1074 is its reciprocal (math.exp2 is Python 3.11's).
    return 2.0 ** (a * 1.0)


def _cbrt(a):
    x = a * 1.0  # -INT64_MIN would wrap
    if x == 0 or x - x != 0:  # +-0, +-inf and NaN are their own cube roots
        return x
    # pow's 1/3 is not a third (the result is off by up to 1e-14 relatively
    # for huge x): one Newton step corrects it (math.cbrt is Python 3.11's,
    # and the CUDA target has no lowering for it).
    y = math.copysign(abs(x) ** (1.0 / 3.0), x)
    return y - (y - x / (y * y)) / 3.0


def _arctan2(a, b):
    return math.atan2(a, b)


def _hypot(a, b):
    return math.hypot(a, b)  # inf past float64's range, without raising


def _copysign(a, b):
    return math.copysign(a * 1.0, b * 1.0)  # integers give float64


_LN2 = 0.6931471805599453
_LOG2E = 1.4426950408889634


def _logaddexp(a, b):
    x = a * 1.0  # integers: x - y must not wrap
    y = b * 1.0
    if x == y:  # infinities of one sign too
        return x + _LN2
    d = x - y
    if d > 0:
        return x + math.log1p(math.exp(-d))
    if d <= 0:
        return y + math.log1p(math.exp(d))
    return d  # NaN


def _logaddexp2(a, b):
    x = a * 1.0
    y = b * 1.0
    if x == y:
        return x + 1
    d = x - y
    if d > 0:
        return x + _LOG2E * math.log1p(2.0 ** -d)
    if d <= 0:
        return y + _LOG2E * math.log1p(2.0 ** d)
    return d


def _fmax(a, b):
    if b != b:  # NaN loses to a number
        return a
    if a != a:
        return b
    return a if a >= b else b


def _fmin(a, b):
    if b != b:
        return a
    if a != a:
        return b
    return a if a <= b else b


def _square(a):
    return a * a


def _positive(a):
    return a


def _sign(a):
    one = type(a)(1)  # no literal: compiled, uint64 with an int literal leaves uint64
    if a > 0:
        return one
    if a < 0:
        return -one
    return a - a  # +0 for both zeros; NaN stays NaN


def _floor(a):
    # Python's math.floor gives an int (and raises on inf and NaN); past 2^52
    # every float is an integer already. The sign of a zero result is a's.
    if not abs(a) < 4503599627370496.0:
        return a
    return math.copysign(float(math.floor(a)), a)


def _ceil(a):
    if not abs(a) < 4503599627370496.0:
        return a
    return math.copysign(float(math.ceil(a)), a)  # ceil(-0.5) is -0


def _trunc(a):
    if not abs(a) < 4503599627370496.0:
        return a
    t = math.floor(a) if a >= 0 else math.ceil(a)  # NumPy's float32 has no __trunc__
    return math.copysign(float(t), a)


def _rint(a):
    if not abs(a) < 4503599627370496.0:
        return a
    return math.copysign(float(round(a)), a)  # round: ties to even, as rint


def _floor_int(a):  # integers (and bool) are their own floor, ceil and trunc
    return a


_ceil_int = _trunc_int = _floor_int


# --- i13-intops: integer division, bitwise ops, shifts, reciprocal, nextafter, conj.
# Integer typing differs between the simulator (NumPy scalars: int8 stays int8)
# and compiled Numba (small integers widen to int64 in arithmetic, narrowed on
# the store): each function below is right under both (tests/test_integer_ops.py
# runs them under numba.njit against NumPy).


def _floor_divide(a, b):
    # Python's float // is NumPy's: fmod, then CPython's divmod corrections (Numba
    # compiles CPython's algorithm; the simulator runs NumPy's scalar op). By 0:
    # a / b (inf or NaN), as NumPy, under the CUDA target's error model.
    return a // b


def _floor_divide_int(a, b):
    if b == 0:
        return a - a  # 0, as NumPy (which warns on the CPU)
    if b == -1:
        return -a  # INT_MIN // -1 wraps to INT_MIN (sdiv would trap)
    return a // b  # Python's floor division, as NumPy's


def _remainder(a, b):
    return a % b  # as _floor_divide: the sign of b; NaN for b == 0


def _remainder_int(a, b):
    if b == 0 or b == -1:  # x % 0 is 0 (NumPy warns on the CPU); INT_MIN % -1 is 0
        return a - a
    return a % b  # Python's modulo: the sign of b, as NumPy's


_mod = _remainder
_mod_int = _remainder_int


def _bitwise_and(a, b):
    return a & b


def _bitwise_or(a, b):
    return a | b


def _bitwise_xor(a, b):
    return a ^ b


def _invert(a):  # bool: logical not (~True is -2 in Python)
    return not a


def _invert_int(a):
    return ~a


_invert_bool = _invert  # (the integer variant would serve bool otherwise)


def _left_shift(a, b):
    # b >= the width gives 0: compiled code shifts int64/uint64 (the store keeps
    # the low bits), so only counts past 63, and negative ones (NumPy's cast to
    # size_t makes them huge), must be caught before the shift.
    if b < 0 or b > 63:
        return a - a
    return a << b


def _right_shift(a, b):
    if b < 0 or b > 63:  # the sign fills every bit: -1 for a negative a, else 0
        return ~(a - a) if a < 0 else a - a  # not a - a - 1: uint64 with a literal is float64
    return a >> b


_left_shift_int = _left_shift
_right_shift_int = _right_shift


def _reciprocal(a):
    return 1.0 / a  # float32: correctly rounded in double, then on the store


def _reciprocal_int(a):
    # NumPy computes (T)(1.0 / a): 1 and -1 give themselves, other values 0,
    # and 0 gives x86's conversion of inf: INT_MIN for int32/int64, 0 for the
    # narrower types and unsigned ones (the low bits of that conversion).
    if a == 0:
        info = np.iinfo(a)
        return info.min if info.bits >= 32 else a
    if a == 1:
        return a
    if a == -1:  # signed only (NumPy 2 and Numba compare unsigned with -1 by value)
        return a
    return a - a


def _nextafter(a, b):
    # Without bit views: frexp gives the exponent, so the spacing at a is known
    # (the subnormal spacing below normal numbers); one exact add or subtract.
    if a != a or b != b:
        return a + b  # NaN
    if a == b:
        return b  # nextafter(0.0, -0.0) is -0.0, as C's
    info = np.finfo(a)
    lowest = info.minexp - info.nmant  # exponent of the smallest subnormal
    if a == 0:
        return math.copysign(math.ldexp(1.0, lowest), b)
    if a - a != 0:  # +-inf towards a finite b: the largest finite of that sign
        return math.copysign(info.max * 1.0, a)
    m, e = math.frexp(a)  # a = m 2^e, 0.5 <= |m| < 1
    towards_zero = (b > a) == (a < 0)
    shift = 2 if towards_zero and abs(m) == 0.5 else 1  # below a power of two: half
    step = math.ldexp(1.0, max(e - info.nmant - shift, lowest))
    r = a + step if b > a else a - step
    return math.copysign(0.0, a) if r == 0 else r  # -tiny towards 0 is -0


def _conj(a):  # real inputs: their own conjugate
    return a


_round = _rint  # np.round with decimals=0 (others: _above.rounded), in a's float type


def _round_int(a):  # integers keep their value and dtype
    return a


# Bool-result ops (i13-boolops). Integer operands of one type compare as they
# are; a signed one with uint64 goes to the _mixed variants below instead.
def _equal(a, b):
    return a == b


def _not_equal(a, b):
    return a != b  # NaN: True


def _less(a, b):
    return a < b


def _less_equal(a, b):
    return a <= b


def _greater(a, b):
    return a > b


def _greater_equal(a, b):
    return a >= b


def _isnan(a):
    return a != a


def _isinf(a):
    return a == math.inf or a == -math.inf


def _isfinite(a):
    return a == a and a != math.inf and a != -math.inf


def _isnan_int(a):  # integers: never NaN nor infinite (the result is bool all the same)
    return a != a


def _isinf_int(a):
    return a != a


def _isfinite_int(a):
    return a == a


def _signbit(a):
    # The sign bit itself (-0.0 and -NaN too; np.signbit has no CUDA lowering).
    # The PTX for float32 tests bit 31 of the argument (LLVM folds the widening
    # away), so no conversion can drop a NaN's sign.
    return math.copysign(1.0, a) < 0


def _signbit_int(a):
    return a < 0  # unsigned: never (a compare of signs, exact even as float64)


def _logical_and(a, b):
    return a != 0 and b != 0  # truth: nonzero, NaN included


def _logical_or(a, b):
    return a != 0 or b != 0


def _logical_xor(a, b):
    return (a != 0) != (b != 0)


def _logical_not(a):
    return a == 0


# A signed integer (int64) a with a uint64 b, exactly as NumPy 2's (int64,
# uint64) loop: Numba would compare the two in float64, which rounds past
# 2**53. A negative a is below every b; else both compare as uint64. The api
# swaps the operands of (uint64, int64) into this order (_comparisons.MIRROR).
def _less_mixed(a, b):
    return a < 0 or uint64(a) < b


def _less_equal_mixed(a, b):
    return a < 0 or uint64(a) <= b


def _greater_mixed(a, b):
    return a >= 0 and uint64(a) > b


def _greater_equal_mixed(a, b):
    return a >= 0 and uint64(a) >= b


def _equal_mixed(a, b):
    return a >= 0 and uint64(a) == b


def _not_equal_mixed(a, b):
    return a < 0 or uint64(a) != b


# where and clip (kind ternary): three operands.
def _where(c, x, y):  # c: where's condition, as its byte (or a scalar: its truth)
    return x if c else y


def _clip(a, lo, hi):  # NumPy's: NaN propagates; lo > hi gives hi; a tie keeps the first
    m = lo if (lo > a or lo != lo) else a
    return hi if (hi < m or hi != hi) else m


def _nonzero(a):  # a != 0 stored as a bool's byte (where's condition of another dtype)
    return a != 0


def _identity(a):  # dtype casts: the kernel converts the load to the target dtype (L)
    return a


def _to_int(a, low, high):
    # Float to integer as NumPy's cast on x86 (the GPU's own conversion is
    # unspecified out of range; the simulator raises): int32 and int64 give their
    # minimum for NaN and out-of-range values; narrower types and uint32 convert
    # through int32 (uint32: int64), whose minimum stands for NaN and overflow, and
    # keep the low bits (-1.0 to uint8 is 255). (uint64: 0, NumPy's for NaN aside.)
    if low <= a < high:
        return a
    a = float(a)  # (float32 would round the wrapped value)
    span = high - low
    if span > 4294967296.0 or (low < 0.0 and span == 4294967296.0):
        return low  # int32, int64, uint64
    if a != a and span == 4294967296.0:
        return 2147483648.0  # NaN to uint32: NumPy's x86 conversion gives 2**31
    wide = 9223372036854775808.0 if span == 4294967296.0 else 2147483648.0
    t = a - math.fmod(a, 1.0) if -wide <= a < wide else -wide
    r = math.fmod(t - low, span)
    return (r + span if r < 0.0 else r) + low


def _nan_to_zero_to_int(a, low, high):  # as np.nansum(x, dtype=int): NaN counts as 0
    a = a if a == a else low - low
    return a if low <= a < high else low


def _select(c, a, fill):  # np.where(c, a, fill) for a mask c (as its byte) and a scalar fill
    return a if c else fill


def _notnan(a):  # ~np.isnan(a), stored as a bool's byte (integers: always true)
    return a == a


#: The elementwise kernels the api runs that are not ops of the table.
_HELPERS = {"cast": _identity, "to_int": _to_int,
            "nan_to_zero_to_int": _nan_to_zero_to_int, "select": _select,
            "notnan": _notnan, "nonzero": _nonzero}


def _device_functions() -> dict:
    """{op: (device function, its variant for integer operands or None)}.

    Each elementwise row of the op table has its device function here, named
    ``_<op>`` (and ``_<op>_int`` where integers need their own): a row
    without one fails at import, not at the first launch.
    """
    table = {name: (fn, None) for name, fn in _HELPERS.items()}
    for op in OPS:
        if op.elementwise or op.kind == TERNARY:
            table[op.name] = (globals()[f"_{op.name}"], globals().get(f"_{op.name}_int"))
            mixed = globals().get(f"_{op.name}_mixed")  # comparisons of int64 with uint64
            if mixed is not None:
                table[f"{op.name}_mixed"] = (mixed, None)
    return table


DEVICE = _device_functions()
#: The variants for bool operands, where the integer one would be wrong (~True is -2).
BOOL_VARIANTS = {name: globals()[f"_{name}_bool"] for name in DEVICE
                 if f"_{name}_bool" in globals()}


@functools.lru_cache(maxsize=1024)
def loop_dtype(op: str, dtype: np.dtype) -> str:
    """The dtype NumPy's loop for ``op`` computes in when its operands are ``dtype``
    (its name), or "" for the helpers (they compute in their operands' dtypes)."""
    row = BY_NAME.get(op)
    if row is None or not row.elementwise:
        return ""
    resolve = getattr(row.reference, "resolve_dtypes", None)
    if resolve is None:  # a reference that is no ufunc: the operands' own dtype
        return np.dtype(dtype).name
    loops = {d.name for d in resolve((np.dtype(dtype),) * row.arity + (None,))[:row.arity]}
    # Loops of mixed dtypes: the operands' own (the device function converts).
    return loops.pop() if len(loops) == 1 else np.dtype(dtype).name


def device_function(op: str, loop: str):
    """The device function computing ``op`` on operands of dtype ``loop``: the
    op's integer variant (``_<op>_int``) for integers and bool, where it has one
    (bool: ``_<op>_bool`` first, where it has one)."""
    fn, int_fn = DEVICE[op]
    if loop and np.dtype(loop).kind == "b" and op in BOOL_VARIANTS:
        return BOOL_VARIANTS[op]
    return int_fn if int_fn is not None and loop and np.dtype(loop).kind in "biu" else fn


def _source(ndim: int, kinds: str, layout: str, cast: bool = False) -> str:
    """A kernel for ``len(kinds)`` inputs, each "a" (array) or "s" (scalar).

    layout "plain": whole C-contiguous arrays of the output's shape, walked
    as 1-D views (the fewest launch arguments: the small-call path);
    "contiguous": flat views walked with offset + index; "strided": the
    flat index unravelled over ``ndim`` axes, each operand at its own strides.
    ``cast``: each operand is converted to ``L`` (the loop's type) before ``op``.
    """
    def arg(i, value):
        return f"L({value})" if cast else value

    if layout == "plain":
        params = ["out", *(f"x{i}" for i in range(len(kinds)))]
        # N-D operands are walked through 1-D views (reshape of a C-contiguous
        # array: no copy); 1-D ones as they are (Numba may type them "A").
        view = "{0}.reshape({0}.size)" if ndim > 1 else "{0}"
        lines = [f"def kernel({', '.join(params)}):",
                 f"    o = {view.format('out')}",
                 *(f"    v{i} = {view.format(f'x{i}')}" for i, k in enumerate(kinds) if k == "a"),
                 "    for flat in range(cuda.grid(1), o.size, cuda.gridsize(1)):",
                 "        o[flat] = op({})".format(", ".join(
                     arg(i, f"v{i}[flat]" if k == "a" else f"x{i}") for i, k in enumerate(kinds)))]
        return "\n".join(lines) + "\n"
    params = ["n", "shape", "out", "out_off", "out_st"]
    operands = []
    for i, kind in enumerate(kinds):
        if kind == "a":
            params += [f"x{i}", f"x{i}_off", f"x{i}_st"]
        else:
            params.append(f"x{i}")
    lines = [f"def kernel({', '.join(params)}):",
             "    for flat in range(cuda.grid(1), n, cuda.gridsize(1)):"]
    if layout == "contiguous":
        for i, kind in enumerate(kinds):
            operands.append(arg(i, f"x{i}[x{i}_off + flat]" if kind == "a" else f"x{i}"))
        lines.append(f"        out[out_off + flat] = op({', '.join(operands)})")
    else:
        lines.append("        rest = flat")
        for d in range(ndim - 1, 0, -1):
            lines.append(f"        i{d} = rest % shape[{d}]")
            lines.append(f"        rest //= shape[{d}]")
        lines.append("        i0 = rest")

        def address(name):
            return " + ".join([f"{name}_off"] + [f"i{d} * {name}_st[{d}]" for d in range(ndim)])

        for i, kind in enumerate(kinds):
            operands.append(arg(i, f"x{i}[{address(f'x{i}')}]" if kind == "a" else f"x{i}"))
        lines.append(f"        out[{address('out')}] = op({', '.join(operands)})")
    return "\n".join(lines) + "\n"


_KERNELS: dict[tuple, object] = {}


def kernel_for(op: str, loop: str, ndim: int, kinds: str, layout: str):
    """The generated kernel (compiled on first launch, per argument types);
    ``loop``: the dtype its operands are converted to (``loop_dtype``), "" for none."""
    key = (op, loop, ndim, kinds, layout)
    kernel = _KERNELS.get(key)
    if kernel is None:
        namespace = {"cuda": cuda, "op": cuda.jit(device=True)(device_function(op, loop))}
        if loop:
            namespace["L"] = from_dtype(np.dtype(loop))
        exec(_source(ndim, kinds, layout, bool(loop)), namespace)
        kernel = _KERNELS[key] = cuda.jit(namespace["kernel"])
    return kernel


def run(op: str, out: Flat, inputs: list, compute_dtype: np.dtype, loop: str | None = None) -> None:
    """out = op(*inputs); inputs are Flats (broadcast to out's shape) or scalars,
    converted to ``loop`` (a dtype name; by default ``loop_dtype``'s) in the kernel."""
    n = int(np.prod(out.shape, dtype=np.int64))
    if n == 0:
        return
    arrays = [x for x in inputs if isinstance(x, Flat)]
    shape, strides = simplify(out.shape, out.strides, *(x.strides for x in arrays))
    ndim = max(len(shape), 1)
    shape = shape or (1,)
    strides = [s or (0,) for s in strides]
    layout = "contiguous" if len(shape) == 1 and all(s == (1,) for s in strides) else "strided"
    kinds = "".join("a" if isinstance(x, Flat) else "s" for x in inputs)
    args = [n, shape, out.view, out.offset, strides[0]]
    rest = iter(strides[1:])
    for x in inputs:
        if isinstance(x, Flat):
            args += [x.view, x.offset, next(rest)]
        else:
            args.append(compute_dtype.type(x))
    key = (op, loop_dtype(op, compute_dtype) if loop is None else loop, ndim, kinds, layout)
    launch(kernel_for(*key), (*key, compute_dtype, out.dtype), config.grid(n), config.BLOCK, args)


def run_plain(op: str, out, inputs: list, compute_dtype: np.dtype) -> None:
    """``run`` for the common small call: ``out`` and every array input are
    C-contiguous device arrays of one shape (``out`` fresh, so no overlap),
    the inputs already of ``compute_dtype``."""
    n = out.size
    if n == 0:
        return
    kinds = "".join("s" if type(x) in PY_SCALARS else "a" for x in inputs)
    args = [out, *(compute_dtype.type(x) if k == "s" else x
                   for x, k in zip(inputs, kinds, strict=True))]
    key = (op, loop_dtype(op, compute_dtype), len(out.shape), kinds, "plain")
    launch(kernel_for(*key), (*key, compute_dtype, out.dtype), config.grid(n), config.BLOCK, args)

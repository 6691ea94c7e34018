"""The op table: the single place where mathfront's operations are declared.

Each row carries every fact an engine, the docs or the tests need about its
op. Everything else is derived from these rows:

- the public functions, their signatures and docstrings (``_api``);
- the C++ op list and enums (``mf_ops.def``) and the declarations of the C
  ABI (``mathfront_ops.h``), generated at build time by ``src/cpp/gen_ops.py``;
- the CUDA engine's tables (``mathfront.cuda_numba``), read at import;
- the README's op list, ``docs/api.md`` and the type stubs
  (``docs/generate.py``; a test fails when they are stale);
- the tests' per-op facts (tolerances, input domains) and verify mode's
  tolerances (``_tolerance``).

This module imports nothing but the standard library (NumPy only inside
``Op.reference``): the C++ build runs it with any Python. Adding an op is one
row here plus one kernel per engine; see docs/adding-an-op.md.
"""

from __future__ import annotations

from dataclasses import dataclass

UNARY = "unary"
BINARY = "binary"
REDUCTION = "reduction"
DOT = "dot"
#: Cumulative ops (cumsum, cumulative_sum...): one result per element, the running
#: combination along one axis (None: the flattened array).
SCAN = "scan"
#: where, clip: three operands broadcast together, one result per element (a C++ loop
#: over three strided operands, a CUDA kernel).
TERNARY = "ternary"
#: diff, vecdot, isclose, allclose: written once, above the engines, from other ops'
#: kernels of the same backend (``Op.parts``), so device arrays stay on the device.
COMPOSITE = "composite"

# --- result-type rules: the result's dtype for one input dtype T -------------------------
#: T itself.
SAME = "same"
#: Floats keep their type; integers and bool give float64 (divide, mean, var...).
FLOAT = "float"
#: Floats keep their type; an integer gives the smallest float that holds it, as
#: NumPy's math loops pick (int16, uint16: float32; wider: float64; bool, int8,
#: uint8: float16, which no compiled engine computes: rows leave them out).
INEXACT = "inexact"
#: T, but bool computes as int8 (power, square: NumPy has no bool loop for them).
NUMERIC = "numeric"
#: Floats keep their type; bool and signed integers widen to int64, unsigned ones
#: to uint64 (sum, prod, cumsum).
WIDE = "wide"
#: An index: int64 (NumPy's intp here) whatever T (argmin, argmax).
INDEX = "index"
#: bool whatever T (comparisons, isnan, logical_and, any, all...).
BOOL = "bool"
RESULT_RULES = (SAME, FLOAT, INEXACT, NUMERIC, WIDE, INDEX, BOOL)

# --- reduction families (how values combine) and variants (how they finish) -------------
FAMILIES = ("sum", "prod", "extreme", "arg", "moments", "logical", "count")
VARIANTS = ("plain", "mean", "low", "high", "var", "std")

# --- tolerances: how far an engine may be from NumPy (tests and verify mode) ------------
#: Bit-for-bit (NaN equal to NaN, signed zeros distinguished).
EXACT = "exact"
#: Exact, except that a tie between -0 and +0 may give either (min, max: which
#: zero NumPy returns depends on the array's length and its SIMD lanes).
EXACT_ANY_ZERO = "exact, either zero on a tie"
#: Within ULPS units in the last place (transcendentals: NumPy's own vary by platform).
ULP = "ulp"
#: ULP, and also eps absolutely (sin, cos: results near 0 at multiples of pi).
ULP_ABS = "ulp+abs"
#: Sums: within 2 (n + 2) eps sum|x| (any summation order is within half of that).
SUM = "sum"
#: Products: within 2 (n + 2) eps relatively.
PRODUCT = "product"
#: Variances: 4 times the SUM bound on sum((x - mean)^2), sum(x^2) standing for the
#: terms' size, over the divisor n - ddof.
MOMENTS = "moments"
TOLERANCES = (EXACT, EXACT_ANY_ZERO, ULP, ULP_ABS, SUM, PRODUCT, MOMENTS)
ULPS = 4

#: Every real dtype NumPy has but float16, in NumPy's order: what issue 13 brings
#: the compiled engines to, wherever NumPy computes an op for it.
ALL_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
              "uint64", "float32", "float64")
SIGNED_DTYPES = ("int8", "int16", "int32", "int64")
UNSIGNED_DTYPES = ("uint8", "uint16", "uint32", "uint64")
INTEGER_DTYPES = (*SIGNED_DTYPES, *UNSIGNED_DTYPES)
FLOAT_DTYPES = ("float32", "float64")
#: Numbers: every dtype but bool (subtract, negative, sign: NumPy refuses bool).
NUMBER_DTYPES = (*INTEGER_DTYPES, *FLOAT_DTYPES)
#: The inputs whose INEXACT result is float32 or float64 (not float16).
MATH_DTYPES = ("int16", "int32", "int64", "uint16", "uint32", "uint64", *FLOAT_DTYPES)



#: floor_divide, remainder, reciprocal, conjugate: NumPy has no bool loop and
#: computes bool in int8 (the NUMERIC rule).
_INTS_FLOATS = ("bool", *NUMBER_DTYPES)
#: Bitwise and/or/xor/invert: integers and bool, no floats.
_BITWISE = ("bool", *INTEGER_DTYPES)
#: Shifts: integers, and bool computed in int8 (NUMERIC).
_SHIFTS = ("bool", *INTEGER_DTYPES)

#: Dtypes every backend must cover (the input dtypes of elementwise ops and dot).
REQUIRED_DTYPES = ("float32", "float64", "int32", "int64")
#: Reductions take bool as well (third-party backends: the least they cover).
REDUCTION_DTYPES = ("bool", *REQUIRED_DTYPES)



class _NoValue:
    """The default of a keyword whose absence NumPy tells from every value (``initial``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no value>"

    def __reduce__(self):
        return "NO_VALUE"


#: NumPy's ``<no value>``: the keyword was not given.
NO_VALUE = _NoValue()

#: Default value of every keyword an op may take.
KEYWORD_DEFAULTS = {
    "axis": None,
    "keepdims": False,
    "out": None,
    "dtype": None,
    "ddof": 0,
    "where": True,
    "casting": "same_kind",
    "initial": NO_VALUE,
    "mean": NO_VALUE,
    "correction": NO_VALUE,
    "include_initial": False,
    "decimals": 0,
    "min": NO_VALUE,
    "max": NO_VALUE,
    "n": 1,
    "prepend": NO_VALUE,
    "append": NO_VALUE,
    "rtol": 1e-05,
    "atol": 1e-08,
    "equal_nan": False,
}

#: Keywords that NumPy's signatures also take by position, in NumPy's order;
#: every other keyword is keyword-only (``keepdims`` too: it is rarely passed by
#: position, and var's comes after ddof while sum's comes after out).
POSITIONAL_KEYWORDS = ("axis", "dtype", "out", "ddof")

#: The keywords each kind of op gained after kernel protocol 1 (``later``).
ELEMENTWISE_LATER = ("where", "casting", "dtype")


@dataclass(frozen=True)
class Op:
    name: str
    kind: str
    summary: str
    #: Name of the NumPy function that is the reference (``numpy.<numpy_name>``).
    numpy_name: str = ""
    #: Keywords beyond those of the kind (``dtype`` or ``ddof``), as of kernel protocol 1.
    extra: tuple[str, ...] = ()
    #: Keywords the op gained after protocol 1 (``where``, ``initial``...): kernels
    #: receive them only when their backend declares them (``Backend.keywords``).
    later: tuple[str, ...] = ()
    #: The result-type rule (SAME, FLOAT, INEXACT, NUMERIC, WIDE, INDEX, BOOL): NumPy's,
    #: for one input dtype.
    result: str = SAME
    #: Reductions: family (how values combine) and variant (how the result finishes).
    family: str = ""
    variant: str = "plain"
    #: True for the nan-aware reductions (they skip NaN).
    skips_nan: bool = False
    #: Reductions: the value of an empty reduction; None where NumPy raises instead.
    identity: float | None = None
    #: Elementwise: where the op is defined, for the tests' inputs ("" everywhere;
    #: "exponent>=0": integer powers refuse negative exponents; "[-1,1]", ">=1",
    #: ">=-1", ">=0": the real domain of arcsin, arccosh, log1p, log2...). NumPy's
    #: NaN outside it is tested by hand (tests/test_math_ops.py).
    domain: str = ""
    #: How close to NumPy an engine must be (EXACT, EXACT_ANY_ZERO, ULP, ULP_ABS, SUM,
    #: PRODUCT, MOMENTS).
    tolerance: str = EXACT
    #: Time per element relative to add: compiled engines thread smaller arrays of costly ops.
    cost: int = 1
    #: The compiled CPU engine is slower per element than NumPy's loops (SVML on
    #: AVX-512): libm one element at a time, or SIMD code still behind SVML, or a
    #: composite of several passes where NumPy makes one (vecdot, isclose). auto
    #: sends host calls to NumPy; an explicit backend="cpp" still runs it.
    scalar_cpu: bool = False
    #: ``scalar_cpu`` for these input dtypes only (power float64: libm's pow per
    #: element against NumPy's SIMD loop, 3-5x slower from 1e3 up; its integer loops
    #: win, and float32's wins at 1e6 on 2 threads, loses 1.4x at 1e3: RESULTS.md).
    scalar_cpu_dtypes: tuple[str, ...] = ()
    #: The input dtypes every engine computes this op for.
    dtypes: tuple[str, ...] = REQUIRED_DTYPES
    #: The Array API's signature rather than NumPy's: the operand ``x`` by position
    #: only, every keyword by name (cumulative_sum; NumPy 2 adopted it as it is).
    standard: bool = False
    #: The operands' names, where they are not the kind's (where, clip, composites).
    operands: tuple[str, ...] = ()
    #: How many trailing operands may be left out (NumPy's <no value>: clip's bounds;
    #: where's x and y, refused with a TypeError: see ``missing``).
    optional: int = 0
    #: What leaving an optional operand out means: "" (allowed) or the TypeError's text.
    missing: str = ""
    #: Keywords of the kernel protocol that NumPy's signature lacks (where's and
    #: count_nonzero's out): kernels receive them at their defaults.
    hidden: tuple[str, ...] = ()
    #: Composites: their keywords' defaults where they are not KEYWORD_DEFAULTS'
    #: (diff's axis=-1), the keywords taken by name only, and the ops they are made of
    #: (an engine computes a composite for the dtypes all of those take).
    defaults: tuple[tuple[str, object], ...] = ()
    by_name: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()

    def slow_on_cpu(self, dtypes) -> bool:
        """Is the compiled CPU engine slower per element than NumPy for a call of
        ``dtypes`` (NumPy dtypes: ``scalar_cpu``, or ``scalar_cpu_dtypes`` among them)?"""
        return self.scalar_cpu or any(d.name in self.scalar_cpu_dtypes for d in dtypes)

    @property
    def arity(self) -> int:
        if self.operands:
            return len(self.operands)
        return 2 if self.kind in (BINARY, DOT) else 3 if self.kind == TERNARY else 1

    def default(self, keyword: str):
        """The default of one of the op's keywords."""
        return dict(self.defaults).get(keyword, KEYWORD_DEFAULTS.get(keyword))

    @property
    def elementwise(self) -> bool:
        return self.kind in (UNARY, BINARY)

    @property
    def is_arg(self) -> bool:
        """argmin/argmax: one axis or the flattened array; an index as the result."""
        return self.family == "arg"

    @property
    def protocol_keywords(self) -> tuple[str, ...]:
        """The keywords of kernel protocol 1, in the order kernels receive them."""
        if self.kind == REDUCTION:
            return ("axis", "keepdims", "out", *self.extra)
        if self.kind == SCAN:
            return ("axis", *self.extra, "out")  # NumPy's order
        if self.kind == COMPOSITE:
            return self.extra  # NumPy's order
        return ("out",)

    @property
    def keywords(self) -> tuple[str, ...]:
        """All the op's keywords, in the order kernels receive them positionally."""
        return (*self.protocol_keywords, *self.later)

    @property
    def positional(self) -> tuple[str, ...]:
        """The keywords NumPy's signature takes by position too, in its order."""
        if self.elementwise:  # ufuncs: out only (dtype=, where=... by name); np.round:
            return tuple(k for k in ("decimals", "out") if k in self.keywords)  # decimals, out
        if self.kind == TERNARY:
            return tuple(k for k in ("out",) if k not in self.hidden)
        if self.kind == COMPOSITE:  # (vecdot, a gufunc: x1, x2, /, out=None, *, axis)
            return tuple(k for k in self.extra if k not in self.by_name and k not in self.hidden)
        if self.standard:
            return ()
        return tuple(k for k in POSITIONAL_KEYWORDS if k in self.keywords and k not in self.hidden)

    @property
    def keyword_only(self) -> tuple[str, ...]:
        """The keywords NumPy's signature takes by name only, in its order."""
        return tuple(k for k in self.keywords if k not in self.positional and k not in self.hidden)

    @property
    def reference(self):
        """The NumPy function this op must agree with."""
        import numpy

        return getattr(numpy, self.numpy_name or self.name)


def _binary(name, summary, numpy_name="", **facts) -> Op:
    return Op(name, BINARY, summary, numpy_name, later=ELEMENTWISE_LATER, **facts)


def _unary(name, summary, numpy_name="", **facts) -> Op:
    return Op(name, UNARY, summary, numpy_name, later=ELEMENTWISE_LATER, **facts)


_REDUCTION_RESULT = {"sum": WIDE, "prod": WIDE, "extreme": SAME, "arg": INDEX, "moments": FLOAT,
                     "logical": BOOL, "count": INDEX}
_REDUCTION_TOLERANCE = {"sum": SUM, "prod": PRODUCT, "extreme": EXACT_ANY_ZERO, "arg": EXACT,
                        "moments": MOMENTS, "logical": EXACT, "count": EXACT}
_NAN = float("nan")


#: NumPy's keywords beyond protocol 1, by reduction family (variant for mean).
_REDUCTION_LATER = {"sum": ("initial", "where"), "prod": ("initial", "where"),
                    "mean": ("where",), "extreme": ("initial", "where"), "arg": (),
                    "moments": ("dtype", "where", "mean", "correction"), "logical": ("where",),
                    "count": ()}


def _reduction(name, summary, family, variant="plain", *extra, skips_nan=False,
               identity=None, **facts) -> Op:
    result = FLOAT if variant == "mean" else _REDUCTION_RESULT[family]
    later = _REDUCTION_LATER["mean" if variant == "mean" else family]
    return Op(name, REDUCTION, summary, extra=extra, later=later, result=result, family=family,
              variant=variant, skips_nan=skips_nan, identity=identity,
              tolerance=_REDUCTION_TOLERANCE[family], dtypes=ALL_DTYPES, **facts)


def _scan(name, summary, family, *, standard=False) -> Op:
    """A cumulative op: NumPy's cumsum/cumprod, or the Array API's cumulative_sum/
    cumulative_prod (``include_initial=``: the identity first, computed above the
    engines)."""
    return Op(name, SCAN, summary, extra=("dtype",),
              later=("include_initial",) if standard else (), result=WIDE, family=family,
              identity=0.0 if family == "sum" else 1.0, standard=standard,
              tolerance=_REDUCTION_TOLERANCE[family], dtypes=ALL_DTYPES)


#: NumPy 2's isclose: less_equal(abs(x - y), atol + rtol * abs(y)) & isfinite(y) | (x == y)
#: (| isnan(x) & isnan(y) with equal_nan), y cast to a float type first.
_CLOSE_PARTS = ("subtract", "abs", "multiply", "add", "less_equal", "isfinite", "equal",
                "logical_and", "logical_or", "isnan")


OPS: tuple[Op, ...] = (
    _binary("add", "Add arguments element-wise.", dtypes=ALL_DTYPES),
    _binary("subtract", "Subtract arguments element-wise.", dtypes=NUMBER_DTYPES),
    _binary("multiply", "Multiply arguments element-wise.", dtypes=ALL_DTYPES),
    _binary("divide", "Divide arguments element-wise (true division).", result=FLOAT,
            dtypes=ALL_DTYPES),
    _binary("maximum", "Element-wise maximum; NaN propagates.", dtypes=ALL_DTYPES),
    _binary("minimum", "Element-wise minimum; NaN propagates.", dtypes=ALL_DTYPES),
    _binary("power", "First argument raised to the second, element-wise.",
            domain="exponent>=0", tolerance=ULP, cost=8, result=NUMERIC, dtypes=ALL_DTYPES,
            scalar_cpu_dtypes=("float64",)),
    _binary("arctan2", "Quadrant-aware inverse tangent of x1/x2, element-wise (radians).",
            result=INEXACT, tolerance=ULP, cost=4, scalar_cpu=True, dtypes=MATH_DTYPES),
    _binary("hypot", "sqrt(x1**2 + x2**2) without undue overflow, element-wise.",
            result=INEXACT, tolerance=ULP, cost=2, dtypes=MATH_DTYPES),
    _binary("copysign", "x1 with the sign of x2, element-wise.", result=INEXACT,
            dtypes=MATH_DTYPES),
    # ulp+abs: a result near 0 comes of cancellation (x1 near -log 2, x2 = -inf...),
    # where an FMA or an ulp of log1p is many ulp of the result.
    _binary("logaddexp", "log(exp(x1) + exp(x2)), element-wise, without undue overflow.",
            result=INEXACT, tolerance=ULP_ABS, cost=20, dtypes=MATH_DTYPES),
    _binary("logaddexp2", "log2(2**x1 + 2**x2), element-wise, without undue overflow.",
            result=INEXACT, tolerance=ULP_ABS, cost=20, dtypes=MATH_DTYPES),
    _binary("fmax", "Element-wise maximum; NaN is ignored unless both are NaN.",
            tolerance=EXACT_ANY_ZERO, dtypes=ALL_DTYPES),
    _binary("fmin", "Element-wise minimum; NaN is ignored unless both are NaN.",
            tolerance=EXACT_ANY_ZERO, dtypes=ALL_DTYPES),
    _unary("negative", "Numerical negative, element-wise.", dtypes=NUMBER_DTYPES),
    _unary("abs", "Absolute value, element-wise.", "absolute", dtypes=ALL_DTYPES),
    _unary("square", "Square, element-wise (integers wrap).", result=NUMERIC, dtypes=ALL_DTYPES),
    _unary("positive", "Numerical positive (a copy), element-wise.", dtypes=NUMBER_DTYPES),
    _unary("sign", "-1, 0 or 1 by the sign, element-wise; NaN stays NaN.", dtypes=NUMBER_DTYPES),
    _unary("floor", "Floor, element-wise (integers keep their dtype, as in NumPy 2).",
           dtypes=ALL_DTYPES),
    _unary("ceil", "Ceiling, element-wise (integers keep their dtype, as in NumPy 2).",
           dtypes=ALL_DTYPES),
    _unary("trunc", "Round towards zero, element-wise (integers keep their dtype).",
           dtypes=ALL_DTYPES),
    _unary("rint", "Round to the nearest integer, ties to even, element-wise.",
           result=INEXACT, dtypes=MATH_DTYPES),
    _unary("sqrt", "Non-negative square root, element-wise.", result=INEXACT, dtypes=MATH_DTYPES),
    _unary("exp", "Exponential, element-wise.", result=INEXACT, tolerance=ULP, cost=8,
           dtypes=MATH_DTYPES),
    _unary("log", "Natural logarithm, element-wise.", result=INEXACT, tolerance=ULP, cost=8,
           dtypes=MATH_DTYPES),
    _unary("sin", "Sine, element-wise (radians).", result=INEXACT, tolerance=ULP_ABS, cost=8,
           dtypes=MATH_DTYPES),
    _unary("cos", "Cosine, element-wise (radians).", result=INEXACT, tolerance=ULP_ABS, cost=8,
           dtypes=MATH_DTYPES),
    # cost: CPU time per element against add's, float64, one thread, 200 000 elements
    # (benchmarks/RESULTS.md). scalar_cpu: cpp is slower per element than NumPy's SVML
    # loops: libm per element (arcsinh, arccosh, arctanh), or vmath's SIMD code, which
    # still takes 1.1-1.9x NumPy's time per element (all but tanh, expm1, hypot).
    _unary("tan", "Tangent, element-wise (radians).", result=INEXACT, tolerance=ULP, cost=3,
           scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("tanh", "Hyperbolic tangent, element-wise.", result=INEXACT, tolerance=ULP, cost=2,
           dtypes=MATH_DTYPES),
    _unary("sinh", "Hyperbolic sine, element-wise.", result=INEXACT, tolerance=ULP, cost=2,
           scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("cosh", "Hyperbolic cosine, element-wise.", result=INEXACT, tolerance=ULP, cost=2,
           scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("arcsin", "Inverse sine, element-wise (radians).", result=INEXACT, domain="[-1,1]",
           tolerance=ULP, cost=3, scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("arccos", "Inverse cosine, element-wise (radians).", result=INEXACT, domain="[-1,1]",
           tolerance=ULP, cost=3, scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("arctan", "Inverse tangent, element-wise (radians).", result=INEXACT, tolerance=ULP,
           cost=3, scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("arcsinh", "Inverse hyperbolic sine, element-wise.", result=INEXACT, tolerance=ULP,
           cost=24, scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("arccosh", "Inverse hyperbolic cosine, element-wise.", result=INEXACT, domain=">=1",
           tolerance=ULP, cost=24, scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("arctanh", "Inverse hyperbolic tangent, element-wise.", result=INEXACT,
           domain="[-1,1]", tolerance=ULP, cost=24, scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("expm1", "exp(x) - 1, element-wise (accurate near 0).", result=INEXACT, tolerance=ULP,
           cost=2, dtypes=MATH_DTYPES),
    _unary("log1p", "log(1 + x), element-wise (accurate near 0).", result=INEXACT, domain=">=-1",
           tolerance=ULP, cost=2, scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("log2", "Base-2 logarithm, element-wise.", result=INEXACT, domain=">=0",
           tolerance=ULP, cost=2, scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("log10", "Base-10 logarithm, element-wise.", result=INEXACT, domain=">=0",
           tolerance=ULP, cost=2, scalar_cpu=True, dtypes=MATH_DTYPES),
    _unary("exp2", "2**x, element-wise.", result=INEXACT, tolerance=ULP, cost=2, scalar_cpu=True,
           dtypes=MATH_DTYPES),
    _unary("cbrt", "Cube root, element-wise.", result=INEXACT, tolerance=ULP, cost=3,
           scalar_cpu=True, dtypes=MATH_DTYPES),
    # --- i13-intops: integer division, bitwise ops, shifts, reciprocal, nextafter, conj.
    # bool where NumPy has no bool loop computes in int8, as NumPy (NUMERIC).
    _binary("floor_divide", "Largest integer not above x1 / x2, element-wise (// in Python).",
            result=NUMERIC, dtypes=_INTS_FLOATS, cost=8),
    _binary("remainder", "Remainder of floor division, element-wise: the sign of x2 (%).",
            result=NUMERIC, dtypes=_INTS_FLOATS, cost=8),
    # NumPy's np.mod is np.remainder: its own row, the same kernels (warnings name remainder).
    _binary("mod", "Remainder of floor division, element-wise (NumPy's name for remainder).",
            "remainder", result=NUMERIC, dtypes=_INTS_FLOATS, cost=8),
    _binary("bitwise_and", "Bitwise AND, element-wise (integers and bool).", dtypes=_BITWISE),
    _binary("bitwise_or", "Bitwise OR, element-wise (integers and bool).", dtypes=_BITWISE),
    _binary("bitwise_xor", "Bitwise XOR, element-wise (integers and bool).", dtypes=_BITWISE),
    _unary("invert", "Bitwise NOT, element-wise (logical NOT for bool).", dtypes=_BITWISE),
    _binary("left_shift", "x1 shifted left by x2 bits, element-wise (0 past the width).",
            result=NUMERIC, dtypes=_SHIFTS),
    _binary("right_shift", "x1 shifted right by x2 bits, element-wise (arithmetic for signed).",
            result=NUMERIC, dtypes=_SHIFTS),
    _unary("reciprocal", "1 / x, element-wise (integers: truncated, as NumPy's loop).",
           result=NUMERIC, dtypes=_INTS_FLOATS, cost=2),
    _binary("nextafter", "The next float after x1 towards x2, element-wise.",
            result=INEXACT, dtypes=MATH_DTYPES, cost=4),
    _unary("conj", "Complex conjugate, element-wise (real inputs: a copy).", "conjugate",
           result=NUMERIC, dtypes=_INTS_FLOATS),
    # np.round is no ufunc: round(a, decimals=0, out=None), no where=/casting=/dtype=.
    # Engines compute decimals=0 (floats: rint, half to even; integers: a copy);
    # other decimals are NumPy's formula on the engine's multiply/round/divide (_above).
    Op("round", UNARY, "Round to the given number of decimals, half to even (np.round).",
       later=("decimals",), dtypes=NUMBER_DTYPES),
    _reduction("sum", "Sum of array elements over the given axes.", "sum", "plain", "dtype",
               identity=0.0),
    _reduction("prod", "Product of array elements over the given axes.", "prod", "plain",
               "dtype", identity=1.0),
    _reduction("mean", "Arithmetic mean over the given axes.", "sum", "mean", "dtype",
               identity=_NAN),
    _reduction("min", "Minimum over the given axes; NaN propagates.", "extreme", "low"),
    _reduction("max", "Maximum over the given axes; NaN propagates.", "extreme", "high"),
    _reduction("var", "Variance over the given axes.", "moments", "var", "ddof", identity=_NAN),
    _reduction("std", "Standard deviation over the given axes.", "moments", "std", "ddof",
               identity=_NAN),
    _reduction("argmin", "Index of the first minimum (flat when axis is None).", "arg", "low"),
    _reduction("argmax", "Index of the first maximum (flat when axis is None).", "arg", "high"),
    _reduction("nansum", "Sum, treating NaN as zero.", "sum", "plain", "dtype", skips_nan=True,
               identity=0.0),
    _reduction("nanmean", "Mean, ignoring NaN.", "sum", "mean", "dtype", skips_nan=True,
               identity=_NAN),
    _reduction("nanvar", "Variance, ignoring NaN.", "moments", "var", "ddof", skips_nan=True,
               identity=_NAN),
    _reduction("nanstd", "Standard deviation, ignoring NaN.", "moments", "std", "ddof",
               skips_nan=True, identity=_NAN),
    _reduction("nanmin", "Minimum, ignoring NaN.", "extreme", "low", skips_nan=True),
    _reduction("nanmax", "Maximum, ignoring NaN.", "extreme", "high", skips_nan=True),
    _scan("cumsum", "Cumulative sum of the elements along an axis (None: flattened).", "sum"),
    _scan("cumprod", "Cumulative product of the elements along an axis (None: flattened).",
          "prod"),
    _scan("cumulative_sum", "Cumulative sum along an axis (the Array API's cumsum).", "sum",
          standard=True),
    _scan("cumulative_prod", "Cumulative product along an axis (the Array API's cumprod).",
          "prod", standard=True),
    # Issue 13, bool-result ops (i13-boolops): comparisons, predicates, logical ops.
    # NumPy computes them for bool too; integers and bool give NumPy's answers
    # without a float (signbit of an int is x < 0, isnan/isinf of one False).
    _binary("equal", "x1 == x2, element-wise.", result=BOOL, dtypes=ALL_DTYPES),
    _binary("not_equal", "x1 != x2, element-wise (True where either is NaN).", result=BOOL,
            dtypes=ALL_DTYPES),
    _binary("less", "x1 < x2, element-wise.", result=BOOL, dtypes=ALL_DTYPES),
    _binary("less_equal", "x1 <= x2, element-wise.", result=BOOL, dtypes=ALL_DTYPES),
    _binary("greater", "x1 > x2, element-wise.", result=BOOL, dtypes=ALL_DTYPES),
    _binary("greater_equal", "x1 >= x2, element-wise.", result=BOOL, dtypes=ALL_DTYPES),
    _unary("isfinite", "True where neither infinite nor NaN, element-wise.", result=BOOL,
           dtypes=ALL_DTYPES),
    _unary("isinf", "True where +inf or -inf, element-wise.", result=BOOL,
           dtypes=ALL_DTYPES),
    _unary("isnan", "True where NaN, element-wise.", result=BOOL, dtypes=ALL_DTYPES),
    _unary("signbit", "True where the sign bit is set (-0.0 and -NaN too), element-wise.",
           result=BOOL, dtypes=ALL_DTYPES),
    _binary("logical_and", "Truth of x1 AND x2, element-wise.", result=BOOL,
            dtypes=ALL_DTYPES),
    _binary("logical_or", "Truth of x1 OR x2, element-wise.", result=BOOL,
            dtypes=ALL_DTYPES),
    _binary("logical_xor", "Truth of x1 XOR x2, element-wise.", result=BOOL,
            dtypes=ALL_DTYPES),
    _unary("logical_not", "Truth of NOT x, element-wise.", result=BOOL, dtypes=ALL_DTYPES),
    Op("dot", DOT, "Inner product of two 1-D vectors.", family="sum", identity=0.0,
       tolerance=SUM, dtypes=ALL_DTYPES),
    # --- issue 13, kinds (i13-kinds): where, clip, any, all, count_nonzero, composites ---
    Op("where", TERNARY, "x where condition is true, else y, element-wise (broadcast).",
       operands=("condition", "x", "y"), optional=2, hidden=("out",), standard=True,
       missing="mathfront.where needs three arguments (condition, x, y); for the indices of "
               "the true elements use numpy.nonzero", dtypes=ALL_DTYPES),
    Op("clip", TERNARY, "a limited to [a_min, a_max], element-wise; None: no bound.",
       operands=("a", "a_min", "a_max"), optional=2, later=("min", "max"),
       dtypes=ALL_DTYPES, tolerance=EXACT_ANY_ZERO),  # NumPy's loops differ on a -0/+0 tie
    _reduction("any", "Whether any element is true (nonzero; NaN is true) over the given axes.",
               "logical", "high", identity=0.0),
    _reduction("all", "Whether every element is true (nonzero; NaN is true) over the given axes.",
               "logical", "low", identity=1.0),
    _reduction("count_nonzero", "Number of nonzero elements (NaN counts) over the given axes.",
               "count", hidden=("out",), identity=0.0),
    Op("diff", COMPOSITE, "n-th discrete difference along an axis (a[i+1] - a[i], n times).",
       operands=("a",), extra=("n", "axis", "prepend", "append", "out"), hidden=("out",),
       defaults=(("axis", -1),), parts=("subtract", "not_equal"), scalar_cpu=True,
       dtypes=ALL_DTYPES),
    Op("vecdot", COMPOSITE, "Vector dot product along an axis (broadcast), real dtypes.",
       operands=("x1", "x2"), extra=("out", "axis"), defaults=(("axis", -1),), standard=True,
       by_name=("axis",),
       parts=("multiply", "sum"), tolerance=SUM, scalar_cpu=True, dtypes=ALL_DTYPES),
    Op("isclose", COMPOSITE, "Whether a and b are equal within a tolerance, element-wise.",
       operands=("a", "b"), extra=("rtol", "atol", "equal_nan", "out"), hidden=("out",),
       result=BOOL, parts=_CLOSE_PARTS, scalar_cpu=True, dtypes=ALL_DTYPES),
    # np.real/np.imag of real arrays: the array itself, and read-only zeros of its dtype.
    Op("real", COMPOSITE, "The real part: a real array itself (as NumPy: no copy).",
       operands=("val",), extra=("out",), hidden=("out",), dtypes=ALL_DTYPES),
    Op("imag", COMPOSITE, "The imaginary part: zeros of a real array's dtype (read-only).",
       operands=("val",), extra=("out",), hidden=("out",), parts=("where",), dtypes=ALL_DTYPES),
    Op("allclose", COMPOSITE, "Whether a and b are equal within a tolerance everywhere.",
       operands=("a", "b"), extra=("rtol", "atol", "equal_nan", "out"), hidden=("out",),
       result=BOOL, parts=(*_CLOSE_PARTS, "all"), scalar_cpu=True, dtypes=ALL_DTYPES),
)

BY_NAME: dict[str, Op] = {op.name: op for op in OPS}

#: The Array API standard's names of ops NumPy names otherwise: the same function
#: under both names, as in NumPy 2 (``np.acos is np.arccos``).
ALIASES: dict[str, str] = {
    "acos": "arccos", "acosh": "arccosh", "asin": "arcsin", "asinh": "arcsinh",
    "atan": "arctan", "atan2": "arctan2", "atanh": "arctanh", "pow": "power",
    "bitwise_invert": "invert", "bitwise_left_shift": "left_shift",
    "bitwise_right_shift": "right_shift", "conjugate": "conj",
}
#: Every keyword some op gained after kernel protocol 1, and "out" for NumPy's
#: looser out= (``_keywords.LOOSE_OUT``): what a backend lists in
#: ``Backend.keywords`` to compute every call itself.
ALL_KEYWORDS = frozenset({"out", *(k for op in OPS for k in op.later)})

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

# --- result-type rules: the result's dtype for one input dtype T -------------------------
#: T itself.
SAME = "same"
#: Floats keep their type; integers and bool give float64 (divide, sqrt, mean, var...).
FLOAT = "float"
#: Floats keep their type; integers and bool widen to int64 (sum, prod).
WIDE = "wide"
#: An index: int64 (NumPy's intp here) whatever T (argmin, argmax).
INDEX = "index"
RESULT_RULES = (SAME, FLOAT, WIDE, INDEX)

# --- reduction families (how values combine) and variants (how they finish) -------------
FAMILIES = ("sum", "prod", "extreme", "arg", "moments")
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

#: Dtypes every backend must cover (the input dtypes of elementwise ops and dot).
REQUIRED_DTYPES = ("float32", "float64", "int32", "int64")
#: Reductions take bool as well.
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
    #: The result-type rule (SAME, FLOAT, WIDE, INDEX): NumPy's, for one input dtype.
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
    #: The compiled CPU engine computes it one element at a time with libm (no SIMD
    #: version yet), slower than NumPy's SIMD loops: auto sends host calls to NumPy,
    #: an explicit backend="cpp" still runs it (issue 13 leaves the SIMD versions open).
    scalar_cpu: bool = False
    #: The input dtypes every engine computes this op for.
    dtypes: tuple[str, ...] = REQUIRED_DTYPES
    #: The Array API's signature rather than NumPy's: the operand ``x`` by position
    #: only, every keyword by name (cumulative_sum; NumPy 2 adopted it as it is).
    standard: bool = False

    @property
    def arity(self) -> int:
        return 2 if self.kind in (BINARY, DOT) else 1

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
        return ("out",)

    @property
    def keywords(self) -> tuple[str, ...]:
        """All the op's keywords, in the order kernels receive them positionally."""
        return (*self.protocol_keywords, *self.later)

    @property
    def positional(self) -> tuple[str, ...]:
        """The keywords NumPy's signature takes by position too, in its order."""
        if self.elementwise:  # ufuncs: out only (dtype=, where=... by name)
            return ("out",)
        if self.standard:
            return ()
        return tuple(k for k in POSITIONAL_KEYWORDS if k in self.keywords)

    @property
    def keyword_only(self) -> tuple[str, ...]:
        """The keywords NumPy's signature takes by name only, in its order."""
        return tuple(k for k in self.keywords if k not in self.positional)

    @property
    def reference(self):
        """The NumPy function this op must agree with."""
        import numpy

        return getattr(numpy, self.numpy_name or self.name)


def _binary(name, summary, numpy_name="", **facts) -> Op:
    return Op(name, BINARY, summary, numpy_name, later=ELEMENTWISE_LATER, **facts)


def _unary(name, summary, numpy_name="", **facts) -> Op:
    return Op(name, UNARY, summary, numpy_name, later=ELEMENTWISE_LATER, **facts)


_REDUCTION_RESULT = {"sum": WIDE, "prod": WIDE, "extreme": SAME, "arg": INDEX, "moments": FLOAT}
_REDUCTION_TOLERANCE = {"sum": SUM, "prod": PRODUCT, "extreme": EXACT_ANY_ZERO, "arg": EXACT,
                        "moments": MOMENTS}
_NAN = float("nan")


#: NumPy's keywords beyond protocol 1, by reduction family (variant for mean).
_REDUCTION_LATER = {"sum": ("initial", "where"), "prod": ("initial", "where"),
                    "mean": ("where",), "extreme": ("initial", "where"), "arg": (),
                    "moments": ("dtype", "where", "mean", "correction")}


def _reduction(name, summary, family, variant="plain", *extra, skips_nan=False,
               identity=None) -> Op:
    result = FLOAT if variant == "mean" else _REDUCTION_RESULT[family]
    later = _REDUCTION_LATER["mean" if variant == "mean" else family]
    return Op(name, REDUCTION, summary, extra=extra, later=later, result=result, family=family,
              variant=variant, skips_nan=skips_nan, identity=identity,
              tolerance=_REDUCTION_TOLERANCE[family], dtypes=REDUCTION_DTYPES)


def _scan(name, summary, family, *, standard=False) -> Op:
    """A cumulative op: NumPy's cumsum/cumprod, or the Array API's cumulative_sum/
    cumulative_prod (``include_initial=``: the identity first, computed above the
    engines)."""
    return Op(name, SCAN, summary, extra=("dtype",),
              later=("include_initial",) if standard else (), result=WIDE, family=family,
              identity=0.0 if family == "sum" else 1.0, standard=standard,
              tolerance=_REDUCTION_TOLERANCE[family], dtypes=REDUCTION_DTYPES)


OPS: tuple[Op, ...] = (
    _binary("add", "Add arguments element-wise."),
    _binary("subtract", "Subtract arguments element-wise."),
    _binary("multiply", "Multiply arguments element-wise."),
    _binary("divide", "Divide arguments element-wise (true division).", result=FLOAT),
    _binary("maximum", "Element-wise maximum; NaN propagates."),
    _binary("minimum", "Element-wise minimum; NaN propagates."),
    _binary("power", "First argument raised to the second, element-wise.",
            domain="exponent>=0", tolerance=ULP, cost=8),
    _binary("arctan2", "Quadrant-aware inverse tangent of x1/x2, element-wise (radians).",
            result=FLOAT, tolerance=ULP, cost=4),
    _binary("hypot", "sqrt(x1**2 + x2**2) without undue overflow, element-wise.",
            result=FLOAT, tolerance=ULP, cost=2),
    _binary("copysign", "x1 with the sign of x2, element-wise.", result=FLOAT),
    # ulp+abs: a result near 0 comes of cancellation (x1 near -log 2, x2 = -inf...),
    # where an FMA or an ulp of log1p is many ulp of the result.
    _binary("logaddexp", "log(exp(x1) + exp(x2)), element-wise, without undue overflow.",
            result=FLOAT, tolerance=ULP_ABS, cost=20),
    _binary("logaddexp2", "log2(2**x1 + 2**x2), element-wise, without undue overflow.",
            result=FLOAT, tolerance=ULP_ABS, cost=20),
    _binary("fmax", "Element-wise maximum; NaN is ignored unless both are NaN.",
            tolerance=EXACT_ANY_ZERO),
    _binary("fmin", "Element-wise minimum; NaN is ignored unless both are NaN.",
            tolerance=EXACT_ANY_ZERO),
    _unary("negative", "Numerical negative, element-wise."),
    _unary("abs", "Absolute value, element-wise.", "absolute"),
    _unary("square", "Square, element-wise (integers wrap)."),
    _unary("positive", "Numerical positive (a copy), element-wise."),
    _unary("sign", "-1, 0 or 1 by the sign, element-wise; NaN stays NaN."),
    _unary("floor", "Floor, element-wise (integers keep their dtype, as in NumPy 2)."),
    _unary("ceil", "Ceiling, element-wise (integers keep their dtype, as in NumPy 2)."),
    _unary("trunc", "Round towards zero, element-wise (integers keep their dtype)."),
    _unary("rint", "Round to the nearest integer, ties to even, element-wise.",
           result=FLOAT),
    _unary("sqrt", "Non-negative square root, element-wise.", result=FLOAT),
    _unary("exp", "Exponential, element-wise.", result=FLOAT, tolerance=ULP, cost=8),
    _unary("log", "Natural logarithm, element-wise.", result=FLOAT, tolerance=ULP, cost=8),
    _unary("sin", "Sine, element-wise (radians).", result=FLOAT, tolerance=ULP_ABS, cost=8),
    _unary("cos", "Cosine, element-wise (radians).", result=FLOAT, tolerance=ULP_ABS, cost=8),
    # cost: CPU time per element against add's, float64, one thread, 200 000 elements
    # (benchmarks/RESULTS.md). scalar_cpu: cpp is slower per element than NumPy's SVML
    # loops: libm per element (arcsinh, arccosh, arctanh), or SIMD with divisions and a
    # square root that still take about twice NumPy's time (arcsin, arccos, cbrt).
    _unary("tan", "Tangent, element-wise (radians).", result=FLOAT, tolerance=ULP, cost=3),
    _unary("tanh", "Hyperbolic tangent, element-wise.", result=FLOAT, tolerance=ULP, cost=2),
    _unary("sinh", "Hyperbolic sine, element-wise.", result=FLOAT, tolerance=ULP, cost=2),
    _unary("cosh", "Hyperbolic cosine, element-wise.", result=FLOAT, tolerance=ULP, cost=2),
    _unary("arcsin", "Inverse sine, element-wise (radians).", result=FLOAT, domain="[-1,1]",
           tolerance=ULP, cost=3,
           scalar_cpu=True),
    _unary("arccos", "Inverse cosine, element-wise (radians).", result=FLOAT, domain="[-1,1]",
           tolerance=ULP, cost=3,
           scalar_cpu=True),
    _unary("arctan", "Inverse tangent, element-wise (radians).", result=FLOAT, tolerance=ULP,
           cost=3),
    _unary("arcsinh", "Inverse hyperbolic sine, element-wise.", result=FLOAT, tolerance=ULP,
           cost=24, scalar_cpu=True),
    _unary("arccosh", "Inverse hyperbolic cosine, element-wise.", result=FLOAT, domain=">=1",
           tolerance=ULP, cost=24, scalar_cpu=True),
    _unary("arctanh", "Inverse hyperbolic tangent, element-wise.", result=FLOAT,
           domain="[-1,1]", tolerance=ULP, cost=24, scalar_cpu=True),
    _unary("expm1", "exp(x) - 1, element-wise (accurate near 0).", result=FLOAT, tolerance=ULP,
           cost=2),
    _unary("log1p", "log(1 + x), element-wise (accurate near 0).", result=FLOAT, domain=">=-1",
           tolerance=ULP, cost=2),
    _unary("log2", "Base-2 logarithm, element-wise.", result=FLOAT, domain=">=0",
           tolerance=ULP, cost=2),
    _unary("log10", "Base-10 logarithm, element-wise.", result=FLOAT, domain=">=0",
           tolerance=ULP, cost=2),
    _unary("exp2", "2**x, element-wise.", result=FLOAT, tolerance=ULP, cost=2),
    _unary("cbrt", "Cube root, element-wise.", result=FLOAT, tolerance=ULP, cost=3,
           scalar_cpu=True),
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
    Op("dot", DOT, "Inner product of two 1-D vectors.", family="sum", identity=0.0,
       tolerance=SUM),
)

BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
#: Every keyword some op gained after kernel protocol 1, and "out" for NumPy's
#: looser out= (``_keywords.LOOSE_OUT``): what a backend lists in
#: ``Backend.keywords`` to compute every call itself.
ALL_KEYWORDS = frozenset({"out", *(k for op in OPS for k in op.later)})

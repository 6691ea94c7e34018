"""The op table: the single place where mathfront's operations are declared.

Everything else is derived from these rows: the public functions and their
docstrings (``_api``), what each backend is asked to implement, the NumPy
reference each op is tested against, and the benchmark cases. Adding an op is
one row here plus one kernel per backend.
"""

from __future__ import annotations

from dataclasses import dataclass

UNARY = "unary"
BINARY = "binary"
REDUCTION = "reduction"
DOT = "dot"

#: Default value of every keyword an op may take (all keyword-only).
KEYWORD_DEFAULTS = {
    "axis": None,
    "keepdims": False,
    "out": None,
    "dtype": None,
    "ddof": 0,
}


@dataclass(frozen=True)
class Op:
    name: str
    kind: str
    summary: str
    #: Name of the NumPy function that is the reference (``numpy.<numpy_name>``).
    numpy_name: str = ""
    #: Keywords beyond those of the kind (``dtype`` or ``ddof``).
    extra: tuple[str, ...] = ()
    #: True for the nan-aware reductions (they skip NaN).
    skips_nan: bool = False

    @property
    def arity(self) -> int:
        return 2 if self.kind in (BINARY, DOT) else 1

    @property
    def elementwise(self) -> bool:
        return self.kind in (UNARY, BINARY)

    @property
    def keywords(self) -> tuple[str, ...]:
        """The op's keywords, in the order backends receive them positionally."""
        if self.kind == REDUCTION:
            return ("axis", "keepdims", "out", *self.extra)
        return ("out",)

    @property
    def reference(self):
        """The NumPy function this op must agree with."""
        import numpy

        return getattr(numpy, self.numpy_name or self.name)


def _binary(name: str, summary: str, numpy_name: str = "") -> Op:
    return Op(name, BINARY, summary, numpy_name)


def _unary(name: str, summary: str, numpy_name: str = "") -> Op:
    return Op(name, UNARY, summary, numpy_name)


def _reduction(name: str, summary: str, *extra: str, skips_nan: bool = False) -> Op:
    return Op(name, REDUCTION, summary, extra=extra, skips_nan=skips_nan)


OPS: tuple[Op, ...] = (
    _binary("add", "Add arguments element-wise."),
    _binary("subtract", "Subtract arguments element-wise."),
    _binary("multiply", "Multiply arguments element-wise."),
    _binary("divide", "Divide arguments element-wise (true division)."),
    _binary("maximum", "Element-wise maximum; NaN propagates."),
    _binary("minimum", "Element-wise minimum; NaN propagates."),
    _binary("power", "First argument raised to the second, element-wise."),
    _unary("negative", "Numerical negative, element-wise."),
    _unary("abs", "Absolute value, element-wise.", "absolute"),
    _unary("sqrt", "Non-negative square root, element-wise."),
    _unary("exp", "Exponential, element-wise."),
    _unary("log", "Natural logarithm, element-wise."),
    _unary("sin", "Sine, element-wise (radians)."),
    _unary("cos", "Cosine, element-wise (radians)."),
    _reduction("sum", "Sum of array elements over the given axes.", "dtype"),
    _reduction("prod", "Product of array elements over the given axes.", "dtype"),
    _reduction("mean", "Arithmetic mean over the given axes.", "dtype"),
    _reduction("min", "Minimum over the given axes; NaN propagates."),
    _reduction("max", "Maximum over the given axes; NaN propagates."),
    _reduction("var", "Variance over the given axes.", "ddof"),
    _reduction("std", "Standard deviation over the given axes.", "ddof"),
    _reduction("argmin", "Index of the first minimum (flat when axis is None)."),
    _reduction("argmax", "Index of the first maximum (flat when axis is None)."),
    _reduction("nansum", "Sum, treating NaN as zero.", "dtype", skips_nan=True),
    _reduction("nanmean", "Mean, ignoring NaN.", "dtype", skips_nan=True),
    _reduction("nanvar", "Variance, ignoring NaN.", "ddof", skips_nan=True),
    _reduction("nanstd", "Standard deviation, ignoring NaN.", "ddof", skips_nan=True),
    _reduction("nanmin", "Minimum, ignoring NaN.", skips_nan=True),
    _reduction("nanmax", "Maximum, ignoring NaN.", skips_nan=True),
    Op("dot", DOT, "Inner product of two 1-D vectors."),
)

BY_NAME: dict[str, Op] = {op.name: op for op in OPS}

#: Dtypes every backend must cover; ``bool`` only as an input to reductions.
REQUIRED_DTYPES = ("float32", "float64", "int32", "int64")

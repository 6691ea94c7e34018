"""Generates mathfront's public functions from the op table.

Each function is compiled from source text (as ``dataclasses`` does) so that
it has NumPy's signature for its op (``Op.positional``, ``Op.keyword_only``),
introspects properly and costs no more than one selection lookup and one
call. The body is the one ``_dispatch`` states; it uses that module's public
seam and nothing else.
"""

from __future__ import annotations

from . import _dispatch
from ._ops import ALIASES, DOT, ELEMENTWISE_LATER, KEYWORD_DEFAULTS, OPS, REDUCTION, SCAN, Op

#: NumPy's names for the operands, by kind; ufuncs take theirs by position only.
_OPERANDS = {"unary": ("x", "/"), "binary": ("x1", "x2", "/"), REDUCTION: ("a",),
             DOT: ("a", "b"), SCAN: ("a",)}


def _operands(op: Op) -> tuple[str, ...]:
    """The operands' parameters; the Array API's signatures take ``x`` by position only."""
    if op.standard:
        return ("x", "/")
    if op.elementwise and op.later != ELEMENTWISE_LATER:  # np.round: a function, not a ufunc
        return ("a",)
    return _OPERANDS[op.kind]

_PARAM_DOCS = {
    "axis": "axis : None, int or tuple of ints\n    Axes to reduce over; None reduces all.",
    "keepdims": "keepdims : bool\n    Keep reduced axes as dimensions of length one.",
    "out": (
        "out : array, optional\n"
        "    Where to write the result, as in NumPy: it may alias an operand, and\n"
        "    the result is cast to its dtype (elementwise: as ``casting`` allows)."
    ),
    "dtype": "dtype : dtype, optional\n    Type of the result and of the computation, as in NumPy.",
    "ddof": (
        "ddof : float\n"
        "    Delta degrees of freedom: the divisor is ``N - ddof`` (any real, as NumPy)."
    ),
    "where": (
        "where : array_like of bool\n"
        "    Elementwise: only where True is ``out`` written. Reductions: only those\n"
        "    elements take part."
    ),
    "casting": (
        "casting : {'no', 'equiv', 'safe', 'same_kind', 'unsafe'}\n"
        "    Which casts of the inputs (to ``dtype``) and of the result (to ``out``)\n"
        "    are allowed."
    ),
    "initial": "initial : scalar\n    The starting value of the reduction.",
    "include_initial": (
        "include_initial : bool\n"
        "    Start the result with the identity (0 or 1): one more element along the axis."
    ),
    "mean": "mean : array_like\n    The mean, if already known (keepdims=True shape).",
    "decimals": (
        "decimals : int\n"
        "    Decimal places to round to (negative: to the left of the point), as np.round."
    ),
    "correction": "correction : float\n    The Array API's name for ``ddof``.",
    "backend": (
        "backend : str, optional\n"
        "    'auto', 'numpy', 'cpp', 'cuda' or a registered backend; takes\n"
        "    precedence over use_backend, set_backend and MATHFRONT_BACKEND."
    ),
}


#: Parameters whose meaning differs by kind.
_KIND_DOCS = {SCAN: {"axis": (
    "axis : None or int\n    The axis to accumulate along; None: the flattened array"
    " (cumulative_sum/\n    cumulative_prod: only for arrays of at most one dimension).")}}


def _docstring(op: Op) -> str:
    operands = ", ".join(p for p in _operands(op) if p != "/")
    docs = {**_PARAM_DOCS, **_KIND_DOCS.get(op.kind, {})}
    operand_doc = f"{operands} : array_like or device array"
    if op.kind == "binary":
        operand_doc += "\n    Operands; they broadcast together. Python scalars are weak (NumPy 2)."
    params = "\n".join([operand_doc, *(docs[k] for k in (*op.keywords, "backend"))])
    return (
        f"{op.summary}\n\n"
        f"Gives the dtype, shape and values of ``numpy.{op.reference.__name__}``.\n\n"
        f"Parameters\n----------\n{params}\n"
    )


def signature_source(op: Op) -> str:
    """The parameter list of the op's public function, as source."""
    default = "DEFAULTS[{!r}]".format
    return ", ".join((
        *_operands(op),
        *(f"{k}={default(k)}" for k in op.positional),
        "*",
        *(f"{k}={default(k)}" for k in op.keyword_only),
        "backend=None",
    ))


def make_function(op: Op):
    # The kernel protocol's order (op.keywords), not the signature's.
    args = ", ".join((*(p for p in _operands(op) if p != "/"), *op.keywords))
    source = (
        f"def {op.name}({signature_source(op)}):\n"
        f"    return (scope().selection if backend is None\n"
        f"            else scope().named[backend]).{op.name}({args})\n"
    )
    # The defaults are KEYWORD_DEFAULTS' own objects: the C entries know a
    # keyword left at its default by identity.
    namespace = {"scope": _dispatch.scope, "DEFAULTS": KEYWORD_DEFAULTS}
    exec(compile(source, f"<mathfront.{op.name}>", "exec"), namespace)
    fn = namespace[op.name]
    fn.__module__ = "mathfront"
    fn.__doc__ = _docstring(op)
    fn.op = op
    return fn


FUNCTIONS = {op.name: make_function(op) for op in OPS}
FUNCTIONS.update({alias: FUNCTIONS[name] for alias, name in ALIASES.items()})

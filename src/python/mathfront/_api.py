"""Generates mathfront's public functions from the op table.

Each function is compiled from source text (as ``dataclasses`` does) so that
it has NumPy's signature for its op (``Op.positional``, ``Op.keyword_only``),
introspects properly and costs no more than one selection lookup and one
call. The body is the one ``_dispatch`` states; it uses that module's public
seam and nothing else.
"""

from __future__ import annotations

from . import _dispatch
from ._errors import LazyOperand
from ._ops import (
    ALIASES,
    DOT,
    ELEMENTWISE_LATER,
    KEYWORD_DEFAULTS,
    NO_VALUE,
    OPS,
    REDUCTION,
    SCAN,
    Op,
)

#: NumPy's names for the operands, by kind; ufuncs take theirs by position only.
_OPERANDS = {"unary": ("x", "/"), "binary": ("x1", "x2", "/"), REDUCTION: ("a",),
             DOT: ("a", "b"), SCAN: ("a",)}


def _operands(op: Op) -> tuple[str, ...]:
    """The operands' parameters; the Array API's signatures take theirs by position only."""
    if op.operands:
        return (*op.operands, "/") if op.standard else op.operands
    if op.standard:
        return ("x", "/")
    if op.elementwise and op.later != ELEMENTWISE_LATER:  # np.round: a function, not a ufunc
        return ("a",)
    return _OPERANDS[op.kind]


def _operand_parameters(op: Op) -> tuple[str, ...]:
    """The operands in the signature; optional ones default to NumPy's <no value>."""
    names = _operands(op)
    first_optional = op.arity - op.optional
    named = [p for p in names if p != "/"]
    return tuple(p if p == "/" or named.index(p) < first_optional else f"{p}=NO_VALUE"
                 for p in names)

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
    "min": "min : array_like, optional\n    NumPy 2.1's name for ``a_min`` (not beside it).",
    "max": "max : array_like, optional\n    NumPy 2.1's name for ``a_max`` (not beside it).",
    "n": "n : int\n    How many times to take differences (0: the input itself).",
    "prepend": "prepend : array_like, optional\n    Values put before ``a`` along axis first.",
    "append": "append : array_like, optional\n    Values put after ``a`` along axis first.",
    "rtol": "rtol : array_like\n    The relative tolerance (times abs(b)).",
    "atol": "atol : array_like\n    The absolute tolerance.",
    "equal_nan": "equal_nan : bool\n    Whether NaN in a and NaN in b count as equal.",
    "backend": (
        "backend : str, optional\n"
        "    'auto', 'numpy', 'cpp', 'cuda' or a registered backend; takes\n"
        "    precedence over use_backend, set_backend and MATHFRONT_BACKEND."
    ),
}


#: Parameters whose meaning differs by kind.
_KIND_DOCS = {SCAN: {"axis": (
    "axis : None or int\n    The axis to accumulate along; None: the flattened array"
    " (cumulative_sum/\n    cumulative_prod: only for arrays of at most one dimension).")},
    "composite": {"axis": "axis : int\n    The axis along which to compute (default -1)."}}


def _docstring(op: Op) -> str:
    operands = ", ".join(p for p in _operands(op) if p != "/")
    docs = {**_PARAM_DOCS, **_KIND_DOCS.get(op.kind, {})}
    operand_doc = f"{operands} : array_like or device array"
    if op.kind in ("binary", "ternary") or op.arity > 1:
        operand_doc += "\n    Operands; they broadcast together. Python scalars are weak (NumPy 2)."
    if op.optional and not op.missing:
        operand_doc += "\n    A bound left out or None is no bound."
    shown = [k for k in op.keywords if k not in op.hidden]
    params = "\n".join([operand_doc, *(docs[k] for k in (*shown, "backend"))])
    return (
        f"{op.summary}\n\n"
        f"Gives the dtype, shape and values of ``numpy.{op.reference.__name__}``.\n\n"
        f"Parameters\n----------\n{params}\n"
    )


def signature_source(op: Op) -> str:
    """The parameter list of the op's public function, as source."""
    def default(k):
        return f"DEFAULTS[{k!r}]" if k not in dict(op.defaults) else repr(op.default(k))

    return ", ".join((
        *_operand_parameters(op),
        *(f"{k}={default(k)}" for k in op.positional),
        "*",
        *(f"{k}={default(k)}" for k in op.keyword_only),
        "backend=None",
    ))


def _lazy(op: Op, call: tuple, backend):
    """A call with a dask operand: the lazy graph (imports dask, which is then loaded)."""
    from . import _dask

    return _dask.build(op, call, backend)


def make_function(op: Op):
    # The kernel protocol's order (op.keywords), not the signature's.
    # Keywords NumPy's signature lacks (op.hidden) are passed at their defaults.
    args = ", ".join((*(p for p in _operands(op) if p != "/"),
                      *(f"DEFAULTS[{k!r}]" if k in op.hidden else k for k in op.keywords)))
    check = ""
    if op.missing:  # optional operands whose absence is an error (where's x and y)
        left_out = " or ".join(f"{p} is NO_VALUE" for p in op.operands[op.arity - op.optional:])
        check = f"    if {left_out}:\n        raise TypeError(MISSING)\n"
    # A dask operand raises LazyOperand before anything runs (_checks); the
    # try costs nothing on the calls that do not raise.
    source = (
        f"def {op.name}({signature_source(op)}):\n{check}"
        f"    try:\n"
        f"        return (scope().selection if backend is None\n"
        f"                else scope().named[backend]).{op.name}({args})\n"
        f"    except LazyOperand:\n"
        f"        pass\n"
        f"    return lazy(OP, ({args},), backend)\n"
    )
    # The defaults are KEYWORD_DEFAULTS' own objects: the C entries know a
    # keyword left at its default by identity.
    namespace = {"scope": _dispatch.scope, "DEFAULTS": KEYWORD_DEFAULTS, "NO_VALUE": NO_VALUE,
                 "MISSING": op.missing, "LazyOperand": LazyOperand, "lazy": _lazy, "OP": op}
    exec(compile(source, f"<mathfront.{op.name}>", "exec"), namespace)
    fn = namespace[op.name]
    fn.__module__ = "mathfront"
    fn.__doc__ = _docstring(op)
    fn.op = op
    return fn


FUNCTIONS = {op.name: make_function(op) for op in OPS}
FUNCTIONS.update({alias: FUNCTIONS[name] for alias, name in ALIASES.items()})

"""Generates mathfront's public functions from the op table.

Each function is compiled from source text (as ``dataclasses`` does) so that
it has the exact NumPy-style signature of its row, introspects properly and
costs no more than one selection lookup and one call. The body is the one
``_dispatch`` states; it uses that module's public seam and nothing else.
"""

from __future__ import annotations

from . import _dispatch
from ._ops import KEYWORD_DEFAULTS, OPS, Op

_OPERANDS = {1: ("x",), 2: ("x", "y")}

_PARAM_DOCS = {
    "axis": "axis : None, int or tuple of ints\n    Axes to reduce over; None reduces all.",
    "keepdims": "keepdims : bool\n    Keep reduced axes as dimensions of length one.",
    "out": (
        "out : array, optional\n"
        "    Where to write the result. It must have the result's shape and\n"
        "    dtype exactly, and may alias an operand."
    ),
    "dtype": "dtype : dtype, optional\n    Type of the result and accumulator, as in NumPy.",
    "ddof": (
        "ddof : float\n"
        "    Delta degrees of freedom: the divisor is ``N - ddof`` (any real, as NumPy)."
    ),
    "backend": (
        "backend : str, optional\n"
        "    'auto', 'numpy', 'cpp', 'cuda' or a registered backend; takes\n"
        "    precedence over use_backend, set_backend and MATHFRONT_BACKEND."
    ),
}


def _docstring(op: Op) -> str:
    operands = ", ".join(_OPERANDS[op.arity])
    operand_doc = f"{operands} : array_like or device array"
    if op.kind == "binary":
        operand_doc += "\n    Operands; they broadcast together. Python scalars are weak (NumPy 2)."
    params = "\n".join([operand_doc, *(_PARAM_DOCS[k] for k in (*op.keywords, "backend"))])
    return (
        f"{op.summary}\n\n"
        f"Gives the dtype, shape and values of ``numpy.{op.reference.__name__}``.\n\n"
        f"Parameters\n----------\n{params}\n"
    )


def make_function(op: Op):
    operands = _OPERANDS[op.arity]
    keywords = ", ".join(f"{k}={KEYWORD_DEFAULTS[k]!r}" for k in op.keywords)
    signature = f"({', '.join(operands)}, /, *, {keywords}, backend=None)"
    args = ", ".join((*operands, *op.keywords))
    source = (
        f"def {op.name}{signature}:\n"
        f"    return (scope().selection if backend is None\n"
        f"            else scope().named[backend]).{op.name}({args})\n"
    )
    namespace = {"scope": _dispatch.scope}
    exec(compile(source, f"<mathfront.{op.name}>", "exec"), namespace)
    fn = namespace[op.name]
    fn.__module__ = "mathfront"
    fn.__doc__ = _docstring(op)
    fn.op = op
    return fn


FUNCTIONS = {op.name: make_function(op) for op in OPS}

"""``mf.evaluate``: numexpr's string form, parsed against an allowlist, then fused.

The string is parsed with ``ast`` and every node checked against the allowlist
below before anything is looked up or run: names, numbers, True/False, the
arithmetic, comparison and bitwise operators, and calls of numexpr's function
names. Attributes, subscripts, dunder names, lambdas, comprehensions,
keywords (but ``axis`` of ``sum``/``prod``), ``and``/``or``/``not`` (numexpr
spells them ``&``, ``|``, ``~``) and unknown calls are refused. Nothing is
ever handed to ``eval``: the checked tree is walked on the tracer's proxies,
so the expression becomes a fused function of its names, cached by the
string and traced once per signature.
"""

from __future__ import annotations

import ast
import sys

import numpy as np

from .. import _checks
from ._fused import Fused
from ._proxy import Proxy, Reduced, ScalarProxy

#: numexpr's functions, by its names: mathfront's functions of the same meaning.
FUNCTIONS = {
    "where": "where", "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "arcsin",
    "arccos": "arccos", "arctan": "arctan", "arctan2": "arctan2", "sinh": "sinh",
    "cosh": "cosh", "tanh": "tanh", "arcsinh": "arcsinh", "arccosh": "arccosh",
    "arctanh": "arctanh", "log": "log", "log10": "log10", "log1p": "log1p", "log2": "log2",
    "exp": "exp", "expm1": "expm1", "sqrt": "sqrt", "abs": "abs", "conj": "conj",
    "ceil": "ceil", "floor": "floor", "trunc": "trunc", "round": "rint", "sign": "sign",
    "isnan": "isnan", "isfinite": "isfinite", "isinf": "isinf", "signbit": "signbit",
    "copysign": "copysign", "nextafter": "nextafter", "hypot": "hypot",
    "maximum": "maximum", "minimum": "minimum",
    # numexpr's reductions (the last operation only, as in numexpr)
    "sum": "sum", "prod": "prod",
}
#: numexpr functions mathfront does not compute, and why.
_REFUSED = {"real": "complex numbers", "imag": "complex numbers", "complex": "complex numbers",
            "contains": "strings", "fmod": "C's fmod (mathfront has remainder, Python's %)"}
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
           ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.BitAnd: "and",
           ast.BitOr: "or", ast.BitXor: "xor", ast.LShift: "lshift", ast.RShift: "rshift"}
_UNARY = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert"}
_COMPARE = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq",
            ast.NotEq: "ne"}
_ORDERS = ("C", "F", "A", "K")
_CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")
_OPTIMIZATIONS = ("none", "moderate", "aggressive")
_TRUEDIV = ("auto", True, False)
#: Bound on the parsed expressions kept.
CACHE_SIZE = 256
_CACHE: dict[str, tuple[tuple[str, ...], Fused]] = {}


def _refuse(expr: str, node: ast.AST, what: str):
    col = getattr(node, "col_offset", None)
    where = f" at column {col}" if col is not None else ""
    raise ValueError(f"mathfront.evaluate: {what}{where} of {expr!r} is not allowed (numexpr's "
                     "expressions: names, numbers, operators, comparisons, & | ~ and "
                     "numexpr's functions)")


def _check(expr: str, tree: ast.Expression) -> tuple[str, ...]:
    """Walk the whole tree against the allowlist; the variable names, in order of use."""
    names: list[str] = []

    def visit(node, last=True):
        t = type(node)
        if t is ast.Constant:
            if type(node.value) not in (int, float, bool):
                _refuse(expr, node, f"the constant {node.value!r}")
        elif t is ast.Name:
            if node.id.startswith("__") or node.id.endswith("__"):
                _refuse(expr, node, f"the dunder name {node.id!r}")
            if node.id not in names:
                names.append(node.id)
        elif t is ast.BinOp:
            if type(node.op) not in _BINARY:
                _refuse(expr, node, f"the operator {type(node.op).__name__}")
            visit(node.left, False)
            visit(node.right, False)
        elif t is ast.UnaryOp:
            if type(node.op) not in _UNARY:
                _refuse(expr, node, "'not' (numexpr writes it ~)")
            visit(node.operand, False)
        elif t is ast.Compare:
            if len(node.ops) != 1:
                _refuse(expr, node, "a chained comparison (write (a < b) & (b < c))")
            if type(node.ops[0]) not in _COMPARE:
                _refuse(expr, node, f"the comparison {type(node.ops[0]).__name__}")
            visit(node.left, False)
            visit(node.comparators[0], False)
        elif t is ast.BoolOp:
            _refuse(expr, node, "'and'/'or' (numexpr writes them & and |)")
        elif t is ast.Call:
            func = node.func
            if type(func) is not ast.Name:
                _refuse(expr, func, "calling anything but one of numexpr's function names")
            name = func.id
            if name in _REFUSED:
                _refuse(expr, func, f"{name} ({_REFUSED[name]})")
            if name not in FUNCTIONS:
                _refuse(expr, func, f"the unknown function {name!r}")
            if name in ("sum", "prod"):
                if not last:
                    _refuse(expr, node, f"{name} before the last operation (a reduction must "
                                        "be the last)")
                if len(node.args) not in (1, 2) or any(k.arg != "axis" for k in node.keywords):
                    _refuse(expr, node, f"{name}'s arguments (numexpr's: x, axis=None)")
                for a in (*node.args[1:], *(k.value for k in node.keywords)):
                    if type(a) is not ast.Constant or type(a.value) is not int:
                        _refuse(expr, a, f"{name}'s axis other than an integer")
                visit(node.args[0], False)
                return
            if node.keywords:
                _refuse(expr, node, f"keywords of {name}")
            for a in node.args:
                if type(a) is ast.Starred:
                    _refuse(expr, a, "a starred argument")
                visit(a, False)
        else:
            _refuse(expr, node, f"the {t.__name__} node")

    visit(tree.body)
    return tuple(names)


def _builder(expr: str, tree: ast.Expression, names: tuple[str, ...]):
    """The expression as a function of its names (run on the tracer's proxies)."""
    import operator

    from .. import _api

    def build(node, env):
        t = type(node)
        if t is ast.Constant:
            return node.value
        if t is ast.Name:
            return env[node.id]
        if t is ast.BinOp:
            fn = getattr(operator, {"and": "and_", "or": "or_"}.get(_BINARY[type(node.op)],
                                                                      _BINARY[type(node.op)]))
            return fn(build(node.left, env), build(node.right, env))
        if t is ast.UnaryOp:
            return getattr(operator, _UNARY[type(node.op)])(build(node.operand, env))
        if t is ast.Compare:
            return getattr(operator, _COMPARE[type(node.ops[0])])(
                build(node.left, env), build(node.comparators[0], env))
        # a Call (the only node left after _check)
        name = node.func.id
        fn = _api.FUNCTIONS[FUNCTIONS[name]]
        if name in ("sum", "prod"):
            axis = node.args[1].value if len(node.args) > 1 else (
                node.keywords[0].value.value if node.keywords else None)
            return fn(build(node.args[0], env), axis=axis)
        return fn(*(build(a, env) for a in node.args))

    def expression(*values):
        return build(tree.body, dict(zip(names, values, strict=True)))

    return expression


def compiled(expr: str) -> tuple[tuple[str, ...], Fused]:
    """(names, fused function) of an expression, parsed and checked once."""
    entry = _CACHE.get(expr)
    if entry is None:
        if not isinstance(expr, str):
            raise TypeError(f"mathfront.evaluate: the expression must be a str, got "
                            f"{type(expr).__name__}")
        try:
            tree = ast.parse(expr.strip(), mode="eval")
        except SyntaxError as e:
            raise ValueError(f"mathfront.evaluate: {expr!r} is not an expression: {e.msg}") \
                from None
        names = _check(expr, tree)
        entry = (names, Fused(_builder(expr, tree, names), name=f"evaluate({expr!r})"))
        if len(_CACHE) < CACHE_SIZE:
            _CACHE[expr] = entry
    return entry


def evaluate(expr, local_dict=None, global_dict=None, *, out=None, order="K", casting="safe",
             optimization="aggressive", truediv="auto", backend=None):
    """Evaluate numexpr's string expression ``expr`` in one fused pass.

    The names are the caller's variables (its locals, then its globals), or
    ``local_dict``/``global_dict`` where given, as numexpr finds them. The
    result is NumPy 2's evaluation of the same expression, op by op (Python
    scalars weak, ``/`` true division): docs/fuse.md lists where that differs
    from numexpr's own rules. ``out`` takes the result (NumPy's ``casting``
    rule); ``order``, ``optimization`` and ``truediv`` are checked and
    accepted, and change no values. Returns an ndarray, as numexpr does.
    """
    if order not in _ORDERS:
        raise ValueError(f"mathfront.evaluate: order must be one of {_ORDERS}, got {order!r}")
    if casting not in _CASTINGS:
        raise ValueError(f"mathfront.evaluate: casting must be one of {_CASTINGS}, got "
                         f"{casting!r}")
    if optimization not in _OPTIMIZATIONS:
        raise ValueError(f"mathfront.evaluate: optimization must be one of {_OPTIMIZATIONS}, "
                         f"got {optimization!r}")
    if truediv not in _TRUEDIV:
        raise ValueError(f"mathfront.evaluate: truediv must be one of {_TRUEDIV}, got "
                         f"{truediv!r}")
    names, fused = compiled(expr)
    if local_dict is None or global_dict is None:
        frame = sys._getframe(1)
        if local_dict is None:
            local_dict = frame.f_locals
        if global_dict is None:
            global_dict = frame.f_globals
    values = []
    for name in names:
        try:
            values.append(local_dict[name])
        except KeyError:
            values.append(global_dict[name])  # KeyError naming it, as numexpr's
    result = fused(*values, out=out, casting=casting, backend=backend)
    if type(result) is np.ndarray or out is not None or isinstance(
            result, (Proxy, ScalarProxy, Reduced)) or _checks.is_lazy(result):
        return result  # (a proxy: evaluated inside a fused function's trace)
    return np.asarray(result)

"""The operands a fused function is traced with: they record, they hold no data.

A :class:`Proxy` stands for an array (an input, or a step's result): it shows
``dtype`` and ``ndim`` and nothing that depends on values or shape. A
:class:`ScalarProxy` stands for a scalar (an input, or scalar-only arithmetic
the front end computes before each run). A :class:`Reduced` is a reduction's
result: it may only be returned.
"""

from __future__ import annotations

import operator
import os
import sys

#: Python's operators: (the op-table row, the Python function for scalar-only operands).
BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor, "lshift": operator.lshift,
    "rshift": operator.rshift,
}
ROW = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
       "floordiv": "floor_divide", "mod": "remainder", "pow": "power", "and": "bitwise_and",
       "or": "bitwise_or", "xor": "bitwise_xor", "lshift": "left_shift", "rshift": "right_shift"}
COMPARE = {"lt": ("less", operator.lt), "le": ("less_equal", operator.le),
           "gt": ("greater", operator.gt), "ge": ("greater_equal", operator.ge),
           "eq": ("equal", operator.eq), "ne": ("not_equal", operator.ne)}
UNARY = {"neg": ("negative", operator.neg), "pos": ("positive", operator.pos),
         "invert": ("invert", operator.invert), "abs": ("abs", abs)}

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def where_in_user_code() -> str:
    """The first frame outside mathfront (and NumPy), as ``file:line``, for error messages."""
    frame = sys._getframe(1)
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if (not path.startswith(_PACKAGE) and "numpy" not in path.split(os.sep)[-3:-1]
                and not frame.f_code.co_filename.startswith("<mathfront.")):
            return f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "?"


def refuse(what: str, tracer=None):
    name = f" {tracer.name}" if tracer is not None else ""
    raise TypeError(f"mathfront.fuse{name}: {what} (at {where_in_user_code()}); a fused function "
                    "may only combine its operands with operators, mathfront's elementwise "
                    "functions and one final reduction")


def _binary(name):
    row, py = ROW[name], BINARY[name]

    def forward(self, other):
        return self._t.elementwise(row, (self, other), py)

    def reflected(self, other):
        return self._t.elementwise(row, (other, self), py)

    return forward, reflected


def _compare(name):
    row, py = COMPARE[name]

    def method(self, other):
        return self._t.elementwise(row, (self, other), py)

    return method


def _unary(name):
    row, py = UNARY[name]

    def method(self):
        return self._t.elementwise(row, (self,), py)

    return method


class _Traced:
    """What both proxies share: Python's operators, refusals of value-dependent uses."""

    __slots__ = ()
    __hash__ = None  # == records a comparison

    for _name in BINARY:
        locals()[f"__{_name}__"], locals()[f"__r{_name}__"] = _binary(_name)
    for _name in COMPARE:
        locals()[f"__{_name}__"] = _compare(_name)
    for _name in UNARY:
        locals()[f"__{_name}__"] = _unary(_name)
    del _name

    def __pow__(self, other):
        # ndarray's ** takes a Python 2 as np.square (bool ** 2 is int8, not int64).
        if type(other) is int and other == 2 and type(self).__name__ == "Proxy":
            return self._t.elementwise("square", (self,))
        return self._t.elementwise("power", (self, other), operator.pow)

    def __matmul__(self, other):
        refuse("a matrix product (@)", self._t)

    __rmatmul__ = __matmul__

    def _in_place(self, other):
        refuse(f"an in-place operator on {self!r} (it would modify the caller's array): write "
               "x = x + y", self._t)

    for _name in BINARY:
        locals()[f"__i{_name}__"] = _in_place
    del _name

    def __divmod__(self, other):
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def __bool__(self):
        refuse(f"bool() of {self!r} (an if, and/or/not, or a chained comparison on traced "
               "values): use mf.where, & | ~", self._t)

    def __len__(self):
        refuse(f"len() of {self!r}", self._t)

    def __iter__(self):
        refuse(f"iterating over {self!r}", self._t)

    def __getitem__(self, key):
        refuse(f"indexing {self!r}", self._t)

    def __setitem__(self, key, value):
        refuse(f"assigning into {self!r}", self._t)

    def __array__(self, *args, **kwargs):
        refuse(f"converting {self!r} to a NumPy array", self._t)

    def __float__(self):
        refuse(f"float() of {self!r}", self._t)

    def __int__(self):
        refuse(f"int() of {self!r}", self._t)

    def __index__(self):
        refuse(f"using {self!r} as an index", self._t)

    def __complex__(self):
        refuse(f"complex() of {self!r}", self._t)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return self._t.numpy_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return self._t.numpy_function(func, args, kwargs)

    # Reading values or shapes: refused by name.
    def _refuse_attribute(self, attr):
        refuse(f"reading .{attr} of {self!r} (only .dtype and .ndim are known while tracing)",
               self._t)

    shape = property(lambda self: self._refuse_attribute("shape"))
    size = property(lambda self: self._refuse_attribute("size"))
    strides = property(lambda self: self._refuse_attribute("strides"))
    T = property(lambda self: self._refuse_attribute("T"))
    flat = property(lambda self: self._refuse_attribute("flat"))

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._refuse_attribute(attr)

    def astype(self, dtype, copy=True):
        return self._t.astype(self, dtype)

    def _reduce(name):
        def method(self, axis=None, *args, keepdims=False, **kwargs):
            return self._t.call(name, (self,), dict(axis=axis, keepdims=keepdims, **kwargs),
                                args)

        method.__name__ = name
        return method

    for _name in ("sum", "mean", "prod", "min", "max", "var", "std", "argmin", "argmax", "any",
                  "all"):
        locals()[_name] = _reduce(_name)
    del _name, _reduce


class Proxy(_Traced):
    """An array of the traced program: a register, its dtype and rank."""

    __slots__ = ("_t", "deps", "dtype", "ndim", "ref")

    def __init__(self, tracer, ref, dtype, ndim, deps):
        self._t, self.ref, self.dtype, self.ndim, self.deps = tracer, ref, dtype, ndim, deps

    kind = property(lambda self: self.dtype)

    def __repr__(self):
        return f"<traced {self.dtype.name} array, ndim {self.ndim}>"


class ScalarProxy(_Traced):
    """A scalar: prelude slot ``slot`` of ``kind`` (a NumPy dtype, or a weak Python type)."""

    __slots__ = ("_t", "fits", "kind", "slot")

    def __init__(self, tracer, slot, kind, fits=None):
        #: Python ints: the integer dtypes that hold the value (None: not known at trace).
        self._t, self.slot, self.kind, self.fits = tracer, slot, kind, fits

    ndim = 0

    @property
    def dtype(self):
        from ._promote import default_dtype

        return default_dtype(self.kind)

    def __repr__(self):
        kind = getattr(self.kind, "name", None) or f"Python {self.kind.__name__}"
        return f"<traced {kind} scalar>"


class Reduced:
    """A reduction's result: only returned, never combined further."""

    __slots__ = ("_t", "arg", "axis", "ddof", "dtype", "keepdims", "ndim", "op")

    def __init__(self, tracer, op, arg, axis, keepdims, ddof, dtype, ndim):
        self._t, self.op, self.arg, self.axis = tracer, op, arg, axis
        self.keepdims, self.ddof, self.dtype, self.ndim = keepdims, ddof, dtype, ndim

    def __repr__(self):
        return f"<traced {self.op} reduction>"

    def _later(self, *args, **kwargs):
        refuse(f"using the result of {self.op} in a further operation (a reduction must be the "
               "last step of each output)", self._t)

    for _name in (*(f"__{n}__" for n in BINARY), *(f"__r{n}__" for n in BINARY),
                  *(f"__{n}__" for n in COMPARE), *(f"__{n}__" for n in UNARY),
                  "__bool__", "__getitem__", "__array__", "__float__", "__int__", "__index__",
                  "__len__", "__iter__", "__array_ufunc__", "__array_function__"):
        locals()[_name] = _later
    del _name
    __hash__ = None

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._later()

"""Tracing: running a fused function once on proxies, recording a :class:`Program`.

Every step's loop dtype is NumPy's (``_promote``), with ``cast`` steps before
operands of other dtypes. Arithmetic between scalars alone is not a step: it
is recorded in the *prelude*, which the front end evaluates with Python and
NumPy before each run (so the values are the user's own arithmetic), and the
results reach the engine as scalar registers of the loop dtypes that use them.

mathfront's public functions reach the tracer through a scope of their own
(``_selection.CONTEXT``): while a function is traced, every ``mf.*`` call in
its thread or task finds the tracer where a backend's kernels would be, so
the untraced calls pay nothing for tracing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _selection
from .._ops import BY_NAME, ELEMENTWISE_LATER, KEYWORD_DEFAULTS, NO_VALUE, REDUCTION, TERNARY
from . import _promote
from ._program import CAST, REDUCTIONS, Program, Reduction, Step
from ._proxy import COMPARE, Proxy, Reduced, ScalarProxy, refuse

#: NumPy's ufunc names of the elementwise rows (np.remainder: the remainder row, not mod).
UFUNC_ROWS = {op.reference.__name__: op.name for op in reversed(BY_NAME.values())
              if op.later == ELEMENTWISE_LATER}
UFUNC_ROWS["remainder"] = "remainder"
#: Rows computed as another row (same kernels).
SAME_AS = {"mod": "remainder"}
#: The comparison a swap of operands gives.
SWAPPED = {"less": "greater", "less_equal": "greater_equal", "greater": "less",
           "greater_equal": "less_equal", "equal": "equal", "not_equal": "not_equal"}
#: x OP v for an integer x and a Python int v beyond x's range: (above, below) results.
_OUT_OF_RANGE = {"less": (True, False), "less_equal": (True, False),
                 "greater": (False, True), "greater_equal": (False, True),
                 "equal": (False, False), "not_equal": (True, True)}


@dataclass(frozen=True)
class Output:
    """How one of the function's results is produced.

    ``kind``: "engine" (``index`` into the program's outputs; ``keepdims`` for a
    reduction), "input" (array input ``index``, returned as given) or "scalar"
    (prelude slot ``index``).
    """

    kind: str
    index: int
    keepdims: bool = False


@dataclass(frozen=True)
class Traced:
    """One signature's trace: the program, and what the front end does around it."""

    program: Program
    #: (function, argument slots) per computed slot, after the input scalars and literals.
    prelude: tuple
    #: The literal values (slots after the input scalars).
    literals: tuple
    #: Per scalar register: (slot, dtype, mode): the value cast to dtype (mode: "" as
    #: NumPy's ufuncs, CLAMP for clip's integer bounds, WRAP for where's operands).
    scalar_sources: tuple
    outputs: tuple[Output, ...]
    #: Whether the function returned a tuple.
    as_tuple: bool
    #: Per engine output: the array inputs it depends on (shape checks).
    deps: tuple[frozenset, ...]
    #: The engines' ``run`` for the program, by backend (compiled once each).
    runs: dict = field(default_factory=dict, compare=False, repr=False)


class _AnyName(dict):
    def __init__(self, selection):
        super().__init__()
        self.selection = selection

    def __missing__(self, name):
        return self.selection


class _TraceSelection:
    """Where mathfront's public functions land while tracing: one method per op."""

    def __init__(self, tracer):
        self.tracer = tracer
        self.name = "fuse"
        self.verify = None

    def __getattr__(self, attr):
        op = BY_NAME.get(attr)
        if op is None:
            raise AttributeError(attr)
        tracer = self.tracer

        def kernel(*args):
            operands, keywords = args[: op.arity], dict(zip(op.keywords, args[op.arity:],
                                                            strict=False))
            return tracer.call(attr, operands, keywords)

        return kernel


class _TraceScope:
    __slots__ = ("named", "selection")

    def __init__(self, selection):
        self.selection = selection
        self.named = _AnyName(selection)


class Tracer:
    """Records one call of a fused function."""

    def __init__(self, name: str):
        self.name = name
        self.array_dtypes: list[np.dtype] = []
        self.array_ndims: list[int] = []
        self.steps: list[tuple] = []  # (op, refs, loop, dtype)
        self.slots: list = []  # per slot: ("input", i) | ("literal", j) | ("prelude", k)
        self.literals: list = []
        self.prelude: list = []
        self.scalar_regs: dict[tuple, int] = {}
        self.memo: dict[tuple, Proxy] = {}

    # --- inputs ----------------------------------------------------------------------
    def array_input(self, dtype: np.dtype, ndim: int) -> Proxy:
        i = len(self.array_dtypes)
        self.array_dtypes.append(dtype)
        self.array_ndims.append(ndim)
        return Proxy(self, ("a", i), dtype, ndim, frozenset((i,)))

    def scalar_input(self, index: int, kind, fits) -> ScalarProxy:
        slot = len(self.slots)
        self.slots.append(("input", index))
        return ScalarProxy(self, slot, kind, fits)

    def literal(self, value) -> ScalarProxy:
        if isinstance(value, (bool, np.bool_)):
            kind, fits = (bool if type(value) is bool else _promote.BOOL), None
        elif type(value) is int:
            kind, fits = int, _promote.fitting(value)
        elif type(value) is float:
            kind, fits = float, None
        else:
            kind, fits = value.dtype, None
        slot = len(self.slots)
        self.slots.append(("literal", len(self.literals)))
        self.literals.append(value)
        return ScalarProxy(self, slot, kind, fits)

    def value(self, x):
        """An operand as a proxy: proxies as they are, scalars as literals."""
        if isinstance(x, (Proxy, ScalarProxy)):
            if x._t is not self:
                refuse(f"{x!r} comes from another trace", self)
            return x
        if isinstance(x, Reduced):
            x._later()
        if type(x) in (bool, int, float) or (
                isinstance(x, np.generic) and x.dtype.kind in "biuf"):
            return self.literal(x)
        if isinstance(x, (complex, np.complexfloating)):
            refuse(f"the complex scalar {x!r} (engines compute real dtypes)", self)
        if x is None:
            refuse("None as an operand", self)
        refuse(f"an operand of type {type(x).__name__} ({_short(x)}): arrays a fused function "
               "uses must be its arguments", self)

    # --- steps -----------------------------------------------------------------------
    def step(self, op: str, refs: tuple, loop: np.dtype, dtype: np.dtype, deps) -> Proxy:
        key = (op, refs, loop, dtype)
        proxy = self.memo.get(key)
        if proxy is None:  # the same step twice is computed once
            self.steps.append(key)
            ndim = max((self._ndim(r) for r in refs), default=0)
            proxy = self.memo[key] = Proxy(self, ("t", len(self.steps) - 1), dtype, ndim, deps)
        return proxy

    def _ndim(self, ref) -> int:
        if ref[0] == "a":
            return self.array_ndims[ref[1]]
        if ref[0] == "t":
            return self.memo[self.steps[ref[1]]].ndim
        return 0

    def operand(self, v, loop: np.dtype, mode: str = ""):
        """The register holding ``v`` as ``loop``: a cast step or a scalar register."""
        if isinstance(v, ScalarProxy):
            key = (v.slot, loop, mode if loop.kind in "iu" else "")
            if key not in self.scalar_regs:
                self.scalar_regs[key] = len(self.scalar_regs)
            return ("s", self.scalar_regs[key])
        if v.dtype == loop:
            return v.ref
        return self.step(CAST, (v.ref,), v.dtype, loop, v.deps).ref

    def scalar_step(self, fn, values, kinds=None) -> ScalarProxy:
        """Scalar-only arithmetic: a prelude entry, its kind found by computing it on ones."""
        samples = [_sample(v.kind) for v in values]
        with np.errstate(all="ignore"):
            try:
                result = fn(*samples)
            except (TypeError, ValueError) as e:
                refuse(f"{getattr(fn, '__name__', fn)} of scalars {values}: {e}", self)
        if isinstance(result, np.ndarray):
            result = result[()]
        if type(result) in (bool, int, float):
            kind = type(result)
        elif isinstance(result, np.generic) and result.dtype.kind in "biuf":
            kind = result.dtype
        else:
            refuse(f"{getattr(fn, '__name__', fn)} of scalars gives a {type(result).__name__}",
                   self)
        slot = len(self.slots)
        self.slots.append(("prelude", len(self.prelude)))
        self.prelude.append((fn, kind, tuple(v.slot for v in values)))
        return ScalarProxy(self, slot, kind)

    def elementwise(self, row: str, operands, python_fn=None):
        row = SAME_AS.get(row, row)
        values = [self.value(x) for x in operands]
        arrays = [v for v in values if isinstance(v, Proxy)]
        if not arrays:
            return self.scalar_step(python_fn or _scalar_ufunc(row), values)
        kinds = [v.kind for v in values]
        loop, result = _promote.resolve(row, kinds, mixed_ok=row in COMPARE_ROWS)
        deps = frozenset().union(*(v.deps for v in arrays))
        if isinstance(loop, tuple):
            return self._signed_against_unsigned(row, values, loop, deps)
        if row in COMPARE_ROWS and loop.kind in "iub":
            constant = self._out_of_range(row, values, loop, deps)
            if constant is not None:
                return constant
        refs = tuple(self.operand(v, loop) for v in values)
        return self.step(row, refs, loop, result, deps)

    def _signed_against_unsigned(self, row, values, loops, deps):
        """NumPy's exact int64-against-uint64 comparison, from one-dtype steps: the signed
        side's sign decides where it is negative, the comparison as uint64 elsewhere."""
        if loops[0].kind == "u":  # signed on the left: swap the operands
            values, loops, row = values[::-1], loops[::-1], SWAPPED[row]
        signed = self.operand(values[0], loops[0])
        unsigned = self.operand(values[1], loops[1])
        zero = self.operand(self.literal(0), loops[0])
        as_unsigned = self.step(CAST, (signed,), loops[0], loops[1], deps).ref
        bool_ = _promote.BOOL
        compared = self.step(row, (as_unsigned, unsigned), loops[1], bool_, deps).ref
        if row in ("less", "less_equal", "not_equal"):  # true wherever signed < 0
            negative = self.step("less", (signed, zero), loops[0], bool_, deps).ref
            return self.step("bitwise_or", (negative, compared), bool_, bool_, deps)
        nonnegative = self.step("greater_equal", (signed, zero), loops[0], bool_, deps).ref
        return self.step("bitwise_and", (nonnegative, compared), bool_, bool_, deps)

    def _out_of_range(self, row, values, loop, deps):
        """``x OP v`` for an integer x and a Python int v beyond loop's range: a constant, as
        NumPy 2 answers (x == x is all True, x != x all False for integers)."""
        if loop.kind == "b":
            return None
        for i, v in enumerate(values):
            if isinstance(v, ScalarProxy) and v.kind is int and v.fits is not None \
                    and loop.name not in v.fits:
                other = values[1 - i]
                if isinstance(other, ScalarProxy) or other.dtype.kind not in "iu":
                    return None  # bool arrays compare as int64: NumPy's OverflowError
                literal = self.literals[self.slots[v.slot][1]] if \
                    self.slots[v.slot][0] == "literal" else None
                above = (literal > 0) if literal is not None else _above_range(v.fits, loop)
                op = row if i == 1 else SWAPPED[row]
                truth = _OUT_OF_RANGE[op][0 if above else 1]
                ref = self.operand(other, loop)
                return self.step("equal" if truth else "not_equal", (ref, ref), loop,
                                 _promote.BOOL, deps)
        return None

    def astype(self, x, dtype):
        v = self.value(x)
        dtype = np.dtype(dtype)
        if dtype.kind not in "biuf":
            refuse(f"astype({dtype}) (engines compute bool, integer and float dtypes)", self)
        if isinstance(v, ScalarProxy):
            return self.scalar_step(lambda s: np.asarray(s).astype(dtype)[()], [v])
        return self.step(CAST, (v.ref,), v.dtype, dtype, v.deps)  # a copy, as NumPy's

    def where(self, cond, x, y):
        values = [self.value(v) for v in (cond, x, y)]
        if not any(isinstance(v, Proxy) for v in values):
            return self.scalar_step(np.where, values)  # a 0-d array, as NumPy's
        loop = _promote.result_type([v.kind for v in values[1:]])
        deps = frozenset().union(*(v.deps for v in values if isinstance(v, Proxy)))
        refs = (self.operand(values[0], _promote.BOOL), self.operand(values[1], loop, WRAP),
                self.operand(values[2], loop, WRAP))
        return self.step("where", refs, loop, loop, deps)

    def clip(self, a, lo, hi):
        bounds = [None if b is None or b is NO_VALUE else b for b in (lo, hi)]
        if bounds[0] is None and bounds[1] is None:
            refuse("clip with neither bound", self)
        if bounds[0] is None:
            return self.elementwise("minimum", (a, bounds[1]))
        if bounds[1] is None:
            return self.elementwise("maximum", (a, bounds[0]))
        values = [self.value(v) for v in (a, *bounds)]
        if not any(isinstance(v, Proxy) for v in values):
            return self.scalar_step(lambda x, lo, hi: np.clip(x, lo, hi)[()], values)
        loop = _promote.result_type([v.kind for v in values])
        deps = frozenset().union(*(v.deps for v in values if isinstance(v, Proxy)))
        refs = (self.operand(values[0], loop), self.operand(values[1], loop, CLAMP),
                self.operand(values[2], loop, CLAMP))
        return self.step("clip", refs, loop, loop, deps)

    def reduce(self, name, x, axis, keepdims, ddof):
        v = self.value(x)
        if isinstance(v, ScalarProxy):
            refuse(f"{name} of a scalar", self)
        ndim = v.ndim
        axis = _normalise_axis(name, axis, ndim, self)
        sample = np.zeros((1,) * ndim, v.dtype)
        fn = getattr(np, name)
        extra = {"ddof": ddof} if name in ("var", "std") else {}
        with np.errstate(all="ignore"):
            dtype = np.asarray(fn(sample, axis=axis, **extra)).dtype
        out_ndim = 0 if axis is None else ndim - 1
        if keepdims:
            out_ndim = ndim
        return Reduced(self, name, v, axis, bool(keepdims), ddof, dtype, out_ndim)

    # --- mathfront's functions and NumPy's --------------------------------------------
    def call(self, name: str, operands, keywords: dict, positional=()):
        """A mathfront function (or a proxy's method) called while tracing."""
        op = BY_NAME.get(name)
        if op is None:
            refuse(f"{name} is no mathfront function", self)
        if positional:
            refuse(f"{name}'s keywords passed by position", self)
        if op.kind == REDUCTION:
            if name not in REDUCTIONS:
                refuse(f"mathfront.{name} cannot be fused (fused reductions: "
                       f"{', '.join(REDUCTIONS)})", self)
            ddof = keywords.pop("ddof", 0)
            correction = keywords.pop("correction", NO_VALUE)
            if correction is not NO_VALUE:
                ddof = correction
            axis = keywords.pop("axis", None)
            keepdims = keywords.pop("keepdims", False)
            self._defaults_only(name, keywords)
            return self.reduce(name, operands[0], axis, keepdims, ddof)
        if op.kind == TERNARY:
            if name == "where":
                self._defaults_only(name, keywords)
                return self.where(*operands)
            lo, hi = operands[1:]
            if keywords.pop("min", NO_VALUE) is not NO_VALUE or \
                    keywords.pop("max", NO_VALUE) is not NO_VALUE:
                refuse("clip's min=/max= keywords (pass the bounds by position)", self)
            self._defaults_only(name, keywords)
            return self.clip(operands[0], lo, hi)
        if name == "round":
            if keywords.pop("decimals", 0) != 0:
                refuse("round with decimals", self)
            self._defaults_only(name, keywords)
            v = self.value(operands[0])
            if not isinstance(v, Proxy):
                return self.scalar_step(np.round, [v])
            if v.dtype.kind in "iu":
                return self.astype(v, v.dtype)  # np.round of integers: a copy
            return self.elementwise("rint", (v,))
        if op.later != ELEMENTWISE_LATER:
            refuse(f"mathfront.{name} cannot be fused (a {op.kind} op)", self)
        self._defaults_only(name, keywords)
        return self.elementwise(name, operands)

    def _defaults_only(self, name, keywords):
        """Refuse keywords given other values than their defaults (out=, dtype=, where=...)."""
        for k, v in keywords.items():
            default = KEYWORD_DEFAULTS.get(k)
            if v is not default and not (k == "casting" and v == default):
                refuse(f"{name}'s {k}= keyword (given {_short(v)})", self)

    def numpy_ufunc(self, ufunc, method, inputs, kwargs):
        row = UFUNC_ROWS.get(ufunc.__name__)
        if method != "__call__" or row is None:
            refuse(f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method} "
                   "cannot be fused", self)
        self._defaults_only(ufunc.__name__, {k: v for k, v in kwargs.items()})
        return self.call(row, inputs, {})

    def numpy_function(self, func, args, kwargs):
        from .._api import FUNCTIONS

        fn = FUNCTIONS.get(func.__name__)
        if fn is None or BY_NAME[fn.op.name].kind not in (REDUCTION, TERNARY):
            refuse(f"numpy.{func.__name__} cannot be fused", self)
        return fn(*args, **kwargs)

    # --- the result ----------------------------------------------------------------------
    def run(self, fn, args):
        token = _selection.CONTEXT.set(_TraceScope(_TraceSelection(self)))
        try:
            result = fn(*args)
        finally:
            _selection.CONTEXT.reset(token)
        return result

    def finish(self, result, scalar_index) -> Traced:
        as_tuple = isinstance(result, tuple)
        results = result if as_tuple else (result,)
        if not results:
            refuse("a fused function must return something", self)
        wanted, outputs = [], []
        for r in results:
            if isinstance(r, Reduced):
                wanted.append(r)
                outputs.append(("engine", len(wanted) - 1, r.keepdims))
                continue
            v = self.value(r)
            if isinstance(v, ScalarProxy):
                outputs.append(("scalar", v.slot, False))
            elif v.ref[0] == "a":
                outputs.append(("input", v.ref[1], False))
            else:
                wanted.append(v)
                outputs.append(("engine", len(wanted) - 1, False))
        return self._program(wanted, outputs, as_tuple, scalar_index)

    def _program(self, wanted, outputs, as_tuple, scalar_index) -> Traced:
        # Only the steps the outputs need, in order; registers renumbered.
        needed: set = set()
        stack = [(w.arg if isinstance(w, Reduced) else w).ref for w in wanted]
        while stack:
            ref = stack.pop()
            if ref[0] == "t" and ref[1] not in needed:
                needed.add(ref[1])
                stack.extend(self.steps[ref[1]][1])
        kept = sorted(needed)
        used_scalars = sorted({r[1] for k in kept for r in self.steps[k][1] if r[0] == "s"})
        n_arrays = len(self.array_dtypes)
        scalar_id = {s: n_arrays + i for i, s in enumerate(used_scalars)}
        step_id = {k: n_arrays + len(used_scalars) + i for i, k in enumerate(kept)}

        def reg(ref):
            return ref[1] if ref[0] == "a" else scalar_id[ref[1]] if ref[0] == "s" \
                else step_id[ref[1]]

        steps = tuple(Step(op, tuple(map(reg, refs)), loop.name, dtype.name)
                      for op, refs, loop, dtype in (self.steps[k] for k in kept))
        by_reg = {v: k for k, v in self.scalar_regs.items()}
        scalar_sources = tuple(by_reg[s] for s in used_scalars)
        program_outputs = tuple(
            Reduction(w.op, reg(w.arg.ref), w.axis, w.dtype.name, w.ddof)
            if isinstance(w, Reduced) else reg(w.ref) for w in wanted)
        program = Program(
            ndim=max(self.array_ndims, default=0),
            array_dtypes=tuple(d.name for d in self.array_dtypes),
            scalar_dtypes=tuple(src[1].name for src in scalar_sources),
            steps=steps, outputs=program_outputs)
        slots = tuple(
            (kind, scalar_index[i] if kind == "input" else i) for kind, i in self.slots)
        return Traced(
            program=program,
            prelude=(slots, tuple(self.prelude)),
            literals=tuple(self.literals),
            scalar_sources=scalar_sources,
            outputs=tuple(Output(*o) for o in outputs),
            as_tuple=as_tuple,
            deps=tuple((w.arg if isinstance(w, Reduced) else w).deps for w in wanted))


#: How a Python int beyond a register's dtype becomes its value (NumPy's ufuncs raise).
CLAMP, WRAP = "clamp", "wrap"
COMPARE_ROWS = frozenset(row for row, _ in COMPARE.values())


def _sample(kind):
    if isinstance(kind, np.dtype):
        return kind.type(1)
    return kind(1)


def _scalar_ufunc(row):
    ufunc = BY_NAME[row].reference

    def fn(*args):
        return ufunc(*args)

    fn.__name__ = row
    return fn


def _above_range(fits, loop) -> bool:
    """A Python int that does not fit ``loop``: above its range? (From the dtypes it fits.)"""
    return "negative" not in fits


def _normalise_axis(name, axis, ndim, tracer):
    if axis is None:
        return None
    if isinstance(axis, tuple):
        if sorted(a % max(ndim, 1) for a in axis) == list(range(ndim)):
            return None
        if len(axis) != 1:
            refuse(f"{name} over several axes {axis} (one axis or all)", tracer)
        axis = axis[0]
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"mathfront.fuse: {name}'s axis must be an int, a tuple or None, "
                        f"got {_short(axis)}")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(int(axis), ndim)
    return int(axis) % ndim


def _short(x) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."

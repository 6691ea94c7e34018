"""``mf.fuse``: a function traced once per signature, its program run by an engine.

A call: the arguments' signature (input dtypes, ranks, which are scalars and
their Python type: ``_signature``), the cached trace of that signature (traced
on a miss), the prelude's scalars, the inputs broadcast, ``out=`` checked,
then the chosen engine's ``run`` (compiled once per program and backend).
"""

from __future__ import annotations

import functools

import numpy as np

from .. import _checks, _transfer
from .._checks import fmt_shape
from . import _engines, _numpy_engine, _outputs, _promote
from ._program import Reduction
from ._proxy import Proxy, Reduced, ScalarProxy
from ._trace import CLAMP, Traced, Tracer

_PROXIES = (Proxy, ScalarProxy, Reduced)
#: Bound on the traces a fused function keeps (distinct signatures).
CACHE_SIZE = 256
_NUMERIC = "biuf"


def _signature(args):
    """(key, converted args): one entry per argument, what its trace depends on."""
    key = []
    for x in args:  # the common case: ndarrays and Python floats only
        t = type(x)
        if t is np.ndarray and x.dtype.kind in _NUMERIC:
            key.append(("a", x.dtype, x.ndim))
        elif t is float:
            key.append(t)
        else:
            return _general_signature(args)
    return tuple(key), args


class _Inline(Exception):
    """A fused function called on proxies: it is being traced inside another one."""


def _general_signature(args):
    key, converted = [], []
    for i, x in enumerate(args):
        t = type(x)
        if t in _PROXIES:
            raise _Inline
        if t is np.ndarray or t is np.memmap:
            entry = ("a", x.dtype, x.ndim)
        elif t is float or t is bool:
            entry = t
        elif t is int:
            entry = (int, _promote.fitting(x))
        elif isinstance(x, np.generic):
            entry = ("n", x.dtype)
        elif _checks.is_device_array(x):
            entry = ("d", np.dtype(x.dtype), x.ndim)
        elif t in (list, tuple):
            x = np.asarray(x)
            entry = ("a", x.dtype, x.ndim)
        elif _checks.has_own_semantics(x) or not hasattr(x, "__array__"):
            raise TypeError(f"mathfront.fuse: argument {i} is a {t.__name__}: fused functions "
                            "take plain arrays, device arrays and scalars")
        else:
            x = np.asarray(x)
            entry = ("a", x.dtype, x.ndim)
        if type(entry) is tuple and entry[0] in ("a", "n", "d") and entry[1].kind not in _NUMERIC:
            raise TypeError(f"mathfront.fuse: argument {i} has dtype {entry[1]}: fused "
                            "functions compute bool, integer and float dtypes")
        key.append(entry)
        converted.append(x)
    return tuple(key), converted


class Fused:
    """A fused function (``mf.fuse(fn)``): call it as ``fn`` itself, plus ``out=``,
    ``casting=`` (for ``out``) and ``backend=``."""

    def __init__(self, fn, name: str | None = None):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.name = name or getattr(fn, "__qualname__", repr(fn))
        self.traces: dict[tuple, Traced] = {}
        #: How many times it traced (tests: a second call does not trace again).
        self.trace_count = 0

    def __repr__(self):
        return f"<mathfront.fuse of {self.name}>"

    # --- tracing -----------------------------------------------------------------------
    def trace(self, key, args) -> Traced:
        tracer = Tracer(self.name)
        proxies, scalar_index = [], {}
        for i, entry in enumerate(key):
            if type(entry) is tuple and entry[0] in ("a", "d"):
                proxies.append(tracer.array_input(np.dtype(entry[1].name), entry[2]))
                continue
            if type(entry) is tuple:
                kind, fits = (int, entry[1]) if entry[0] is int else (entry[1], None)
            else:
                kind, fits = entry, None
            scalar_index[len(tracer.slots)] = i
            proxies.append(tracer.scalar_input(len(tracer.slots), kind, fits))
        result = tracer.run(self.fn, proxies)
        traced = tracer.finish(result, scalar_index)
        self.trace_count += 1
        plan = Plan(traced, key)
        if len(self.traces) < CACHE_SIZE:
            self.traces[key] = (traced, plan)
        return traced, plan

    def traced(self, args):
        key, args = _signature(args)
        entry = self.traces.get(key)
        if entry is None:
            entry = self.trace(key, args)
        return entry, args

    # --- calling -----------------------------------------------------------------------
    def __call__(self, *args, out=None, casting="same_kind", backend=None):
        # The commonest signatures (ndarrays, Python floats) looked up first; a miss (a
        # new signature, any other argument) takes the general path, which validates.
        key = []
        for x in args:
            t = type(x)
            if t is np.ndarray:
                key.append(("a", x.dtype, x.ndim))
            elif t is float:
                key.append(t)
            else:
                key = None
                break
        entry = self.traces.get(tuple(key)) if key is not None else None
        if entry is None:
            try:
                entry, args = self.traced(args)
            except _Inline:  # inside another fused function's trace: its steps join that one
                if out is not None:
                    raise TypeError(f"mathfront.fuse: {self.name} called with out= inside "
                                    "another fused function") from None
                return self.fn(*args)
        traced, plan = entry
        if out is None and plan.fast:
            result = fast_run(traced, plan, args, backend)
            if result is not None:
                return result
        return run(traced, args, out, casting, backend, self.name)

    def explain(self, *args, backend=None, **kwargs):
        """Which engine would run ``self(*args)`` and why (``mf.explain`` asks this)."""
        from .._dispatch import Explanation

        (traced, _), args = self.traced(args)
        name, source = _engines.selected(backend)
        on_device = any(_checks.is_device_array(x) for x in args)
        engine, why = _engines.choose(name, on_device)
        steps = len(traced.program.steps)
        return Explanation(engine.name, f"{source} selects {name}: {why}; the fused program "
                                        f"has {steps} steps")


def fuse(fn=None, *, name: str | None = None):
    """Fuse ``fn`` into one pass over memory (a decorator too): see docs/fuse.md."""
    if fn is None:
        return lambda f: Fused(f, name)
    if isinstance(fn, Fused):
        return fn
    if not callable(fn):
        raise TypeError(f"mathfront.fuse takes a function, got {type(fn).__name__}")
    return Fused(fn, name)


# --- one run -------------------------------------------------------------------------------


def scalar_values(traced: Traced, args) -> list:
    """The prelude's slots, computed as the user's own Python and NumPy would."""
    slots, prelude = traced.prelude
    values = []
    for kind, i in slots:
        if kind == "input":
            values.append(args[i])
        elif kind == "literal":
            values.append(traced.literals[i])
        else:
            fn, expected, arg_slots = prelude[i]
            v = fn(*(values[s] for s in arg_slots))
            if (type(v) is not expected) if isinstance(expected, type) else (
                    getattr(v, "dtype", None) != expected):
                raise TypeError(f"mathfront.fuse: a scalar computed from the arguments is a "
                                f"{type(v).__name__} this time, not as traced ({expected}); "
                                "pass it as an array")
            values.append(v)
    return values


def _register_value(value, dtype: np.dtype, mode: str):
    """A scalar register's value: NumPy's conversion (an out-of-range Python int raises
    OverflowError, as in a ufunc), clip's (clamped to the dtype: the same answer) or
    where's (wrapped as C casts: where is no ufunc)."""
    if type(value) is int and mode and dtype.kind in "iu":
        lo, hi = _promote.int_range(dtype)
        if not lo <= value <= hi:
            if mode == CLAMP:
                value = min(max(value, lo), hi)
            else:
                value = (value - lo) % (hi - lo + 1) + lo
    if isinstance(value, (np.generic, np.ndarray)):
        return value.astype(dtype)[()]
    return dtype.type(value)


def _host_array(x: np.ndarray, shape) -> np.ndarray:
    if not x.dtype.isnative or not x.flags.aligned:
        x = x.astype(x.dtype.newbyteorder("="))
    return x if x.shape == shape else np.broadcast_to(x, shape)


def _reduced_shape(shape, r: Reduction, keepdims: bool) -> tuple:
    if r.axis is None:
        return (1,) * len(shape) if keepdims else ()
    if keepdims:
        return (*shape[: r.axis], 1, *shape[r.axis + 1:])
    return (*shape[: r.axis], *shape[r.axis + 1:])


def run(traced: Traced, args, out, casting, backend, name):
    program = traced.program
    values = scalar_values(traced, args) if traced.prelude[0] else []
    arrays = [args[i] for i, x in enumerate(args) if _is_array(x)]
    shapes = [x.shape for x in arrays]
    shape = shapes[0] if shapes and all(s == shapes[0] for s in shapes) else \
        np.broadcast_shapes(*shapes)
    outs = _outputs.as_tuple(out, len(traced.outputs))
    on_device = any(_checks.is_device_array(x) for x in arrays)
    engine = _engines.engine(backend, on_device)

    # Outputs whose own shape is smaller than the program's: NumPy's op-by-op answer
    # (the numpy engine on the unbroadcast inputs).
    own_shapes = [shape if len(set(shapes)) <= 1 else
                  np.broadcast_shapes(*(shapes[i] for i in deps)) for deps in traced.deps]
    split = any(s != shape for s in own_shapes)
    if split and on_device:
        raise ValueError("mathfront.fuse: on a device, every result must have the broadcast "
                         f"shape {fmt_shape(shape)} of all the inputs")

    # Check every out= before anything runs.
    engine_outs, copies = [None] * len(program.outputs), []
    alias_ok = len(traced.outputs) == 1
    broadcast = None
    for at, (o, target) in enumerate(zip(traced.outputs, outs, strict=True)):
        if target is None:
            continue
        if o.kind == "engine":
            produced = program.outputs[o.index]
            if isinstance(produced, Reduction):
                dtype = np.dtype(produced.dtype)
                want = _reduced_shape(own_shapes[o.index], produced, o.keepdims)
                _outputs.check(target, dtype, want, "unsafe", f"the {produced.op}")
                copies.append((at, target))
                continue
            dtype, want = np.dtype(program.dtypes[produced]), own_shapes[o.index]
        elif o.kind == "input":
            x = arrays[o.index]
            dtype, want = x.dtype, x.shape
        else:
            v = values[o.index]
            dtype, want = _promote.default_dtype(
                type(v) if type(v) in (bool, int, float) else v.dtype), ()
        _outputs.check(target, dtype, want, casting, "the result")
        if o.kind == "engine" and not split and engine.device == "cpu":
            if broadcast is None:
                broadcast = _broadcast(arrays, shape)
            if target.dtype == dtype and not _outputs.overlaps_partially(
                    target, arrays, broadcast) and (
                    alias_ok or not any(np.may_share_memory(target, x) for x in arrays
                                        if isinstance(x, np.ndarray))):
                engine_outs[o.index] = target
                continue
        copies.append((at, target))

    scalars = [_register_value(values[slot], dtype, mode)
               for slot, dtype, mode in traced.scalar_sources]

    if program.outputs:
        if split:
            runner = _numpy_engine.fused(program)
            results = runner([_host_array(x, x.shape) for x in arrays], scalars,
                             [None] * len(program.outputs))
        else:
            if broadcast is None:
                broadcast = _broadcast(arrays, shape)
            for i, produced in enumerate(program.outputs):
                if not isinstance(produced, Reduction) and engine_outs[i] is None:
                    engine_outs[i] = _empty(engine, shape, program.dtypes[produced])
            runner = _compiled(traced, engine)
            if engine.device != "cpu" and not on_device:  # host in, host out
                _transfer.check(engine.name, "fuse", arrays)
                broadcast = [engine.to_device(np.ascontiguousarray(x)) for x in broadcast]
                results = tuple(engine.to_host(r) for r in runner(broadcast, scalars,
                                                                  engine_outs))
            else:
                results = runner(broadcast, scalars, engine_outs)
    else:
        results = ()

    answers = []
    for o, target in zip(traced.outputs, outs, strict=True):
        if o.kind == "engine":
            value = results[o.index]
            produced = program.outputs[o.index]
            if isinstance(produced, Reduction):
                if o.keepdims:
                    value = value.reshape(_reduced_shape(own_shapes[o.index], produced, True))
                if target is None and value.ndim == 0 and isinstance(value, np.ndarray):
                    value = value[()]
            elif target is None and isinstance(value, np.ndarray) and value.ndim == 0:
                value = value[()]  # NumPy's ufuncs give scalars for 0-d inputs
        elif o.kind == "input":
            value = arrays[o.index]
        else:
            value = values[o.index]
        answers.append(value)
    for i, target in copies:
        np.copyto(target, answers[i], casting="unsafe")
        answers[i] = target
    return tuple(answers) if traced.as_tuple else answers[0]


def _broadcast(arrays, shape) -> list:
    broadcast = []
    for x in arrays:
        if isinstance(x, np.ndarray):
            x = _host_array(x, shape)
        elif x.shape != shape:
            raise ValueError(f"mathfront.fuse: a device array of shape {fmt_shape(x.shape)} "
                             f"would need broadcasting to {fmt_shape(shape)}, which fused "
                             "device calls do not do yet")
        broadcast.append(x)
    return broadcast


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray) or _checks.is_device_array(x)


def _empty(engine, shape, dtype):
    if engine.device == "cpu":
        return np.empty(shape, dtype)
    from numba import cuda

    return cuda.device_array(shape, dtype)


class Plan:
    """What every call of one trace does the same way, worked out once."""

    def __init__(self, traced: Traced, key: tuple):
        program = traced.program
        self.array_at = tuple(i for i, e in enumerate(key)
                              if type(e) is tuple and e[0] in ("a", "d"))
        self.on_device = any(type(e) is tuple and e[0] == "d" for e in key)
        self.native = all(key[i][1].isnative for i in self.array_at)
        self.all_arrays = len(self.array_at) == len(key)
        # Scalar registers from literals alone: the same values every call.
        slots = traced.prelude[0]
        if all(slots[slot][0] == "literal" for slot, _, _ in traced.scalar_sources):
            self.scalars = [_register_value(traced.literals[slots[slot][1]], dtype, mode)
                            for slot, dtype, mode in traced.scalar_sources]
        else:
            self.scalars = None
        self.out_dtypes = tuple(None if isinstance(o, Reduction) else np.dtype(program.dtypes[o])
                                for o in program.outputs)
        # The fast path: every result an engine register (or a reduction without keepdims),
        # in the outputs' order, and at least one array to give the shape.
        self.fast = bool(self.array_at) and bool(program.outputs) and all(
            o.kind == "engine" and o.index == i and not o.keepdims
            for i, o in enumerate(traced.outputs))
        self.scalar_results = any(isinstance(o, Reduction) for o in program.outputs) or \
            program.ndim == 0


def fast_run(traced: Traced, plan: Plan, args, backend):
    """A call without out=, inputs of one shape on the engine's side: None when not so."""
    arrays = list(args) if plan.all_arrays else [args[i] for i in plan.array_at]
    engine = _engines.engine(backend, plan.on_device)
    host = engine.device == "cpu"
    if host != (not plan.on_device) or not plan.native:
        return None
    shape = arrays[0].shape
    for x in arrays:
        if x.shape != shape or (host and not x.flags.aligned):
            return None
    if plan.scalars is not None:
        scalars = plan.scalars
    else:
        values = scalar_values(traced, args)
        scalars = [_register_value(values[slot], dtype, mode)
                   for slot, dtype, mode in traced.scalar_sources]
    if host:
        outs = [None if d is None else np.empty(shape, d) for d in plan.out_dtypes]
    else:
        outs = [None if d is None else _empty(engine, shape, d) for d in plan.out_dtypes]
    results = _compiled(traced, engine)(arrays, scalars, outs)
    if plan.scalar_results:  # NumPy's scalars for 0-d results
        results = tuple(r[()] if isinstance(r, np.ndarray) and r.ndim == 0 else r
                        for r in results)
    return results if traced.as_tuple else results[0]


def _compiled(traced: Traced, engine):
    runs = traced.runs  # by backend object: a re-registered backend compiles again
    run = runs.get(engine)
    if run is None:
        run = runs[engine] = _engines.compile_for(engine, traced.program)
    return run

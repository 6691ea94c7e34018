"""``mf.fuse``: a function traced once per signature, its program run by an engine.

A call: the arguments' signature (input dtypes, ranks, which are scalars and
their Python type: ``_signature``), the cached trace of that signature (traced
on a miss), then ``_run`` (the prelude's scalars, the inputs broadcast,
``out=`` checked, the chosen engine's ``run``, compiled once per program and
backend).
"""

from __future__ import annotations

import functools
import inspect
import weakref

import numpy as np

from .. import _checks, _registry, _selection
from .._errors import LazyOperand
from . import _engines, _promote
from ._proxy import Proxy, Reduced, ScalarProxy
from ._run import Plan, fast_call, run
from ._trace import Traced, Tracer

_PROXIES = (Proxy, ScalarProxy, Reduced)
#: Bound on the traces a fused function keeps (distinct signatures).
CACHE_SIZE = 256
_NUMERIC = "biuf"
_CONTEXT = _selection.CONTEXT
_ndarray = np.ndarray

#: Every fused function: their fast calls bind engines, so backends changing drops them.
_LIVE: weakref.WeakSet = weakref.WeakSet()


def _forget_fast_calls() -> None:
    for fused in list(_LIVE):
        fused.fast.clear()
        for _, plan in fused.traces.values():
            plan.calls.clear()


_registry._listeners.append(_forget_fast_calls)


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
            entry = ("d", _checks.dtype_of(x), len(x.shape))
        elif x is None or t is str:  # a flag or mode (a parameter's default): traced as is
            entry = ("static", x)
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
        #: Fast calls (``_run.fast_call``) by the key ``__call__`` makes.
        self.fast: dict[tuple, object] = {}
        _LIVE.add(self)

    def __repr__(self):
        return f"<mathfront.fuse of {self.name}>"

    def __reduce__(self):
        # The function and name only: traces and compiled runs are per process
        # (dask ships fused functions to its workers, which trace them again).
        return Fused, (self.fn, self.name)

    # --- tracing -----------------------------------------------------------------------
    def trace(self, key, args) -> Traced:
        tracer = Tracer(self.name)
        proxies, scalar_index = [], {}
        for i, entry in enumerate(key):
            if type(entry) is tuple and entry[0] == "static":
                proxies.append(entry[1])  # one trace per value
                continue
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
    def __call__(self, *args, out=None, casting="same_kind", backend=None, **kwargs):
        if kwargs:  # the function's own keywords: bound to its positional parameters
            args = self._positional(args, kwargs)
        # The fast calls, by (selection or backend= name, then per argument an ndarray's
        # dtype and rank or -1 for a Python float): one dict lookup to a function that
        # binds everything else. Any other call takes the general path, which validates.
        if out is None and (backend is None or type(backend) is str):
            key = [_CONTEXT.get().selection.name if backend is None else backend]
            for x in args:
                t = type(x)
                if t is _ndarray:
                    key.append(x.dtype)
                    key.append(x.ndim)
                elif t is float:
                    key.append(-1)
                else:
                    key = None
                    break
            if key is not None:
                key = tuple(key)
                call = self.fast.get(key)
                if call is not None:
                    result = call(args)
                    if result is not None:
                        return result
                    (traced, _), args = self.traced(args)  # broadcasting, misaligned...
                    return run(traced, args, None, casting, backend, self.name)
            return self._call(args, out, casting, backend, key)
        return self._call(args, out, casting, backend, None)

    def _positional(self, args, kwargs) -> tuple:
        """``args`` and ``kwargs`` as the function's whole positional argument list
        (defaults filled in): traces are keyed by position."""
        try:
            bound = inspect.signature(self.fn).bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"mathfront.fuse {self.name}: {e}") from None
        bound.apply_defaults()
        if bound.kwargs:
            raise TypeError(f"mathfront.fuse {self.name}: keyword-only parameters "
                            f"({', '.join(bound.kwargs)}) cannot be passed to a fused "
                            "function; make them positional")
        return bound.args

    def _call(self, args, out, casting, backend, fast_key):
        try:
            entry, args = self.traced(args)
        except _Inline:  # inside another fused function's trace: its steps join that one
            if out is not None:
                raise TypeError(f"mathfront.fuse: {self.name} called with out= inside "
                                "another fused function") from None
            return self.fn(*args)
        except LazyOperand:  # a dask array: a lazy graph of fused chunk tasks
            from .. import _dask

            return _dask.fused(self, args, out, casting, backend)
        traced, plan = entry
        if out is None and plan.fast:
            # By the plan too: calls whose arguments make no fast key (Python ints,
            # NumPy scalars, lists) still find theirs.
            name = _CONTEXT.get().selection.name if backend is None else backend
            call = plan.calls.get(name)
            if call is None:
                call = plan.calls[name] = fast_call(traced, plan, backend)
            if fast_key is not None and len(self.fast) < CACHE_SIZE:
                self.fast[fast_key] = call
            result = call(args)
            if result is not None:
                return result
        return run(traced, args, out, casting, backend, self.name)

    def explain(self, *args, backend=None, **kwargs):
        """Which engine would run ``self(*args)`` and why (``mf.explain`` asks this)."""
        from .._dispatch import Explanation

        if any(_checks.is_lazy(x) for x in args):
            name, source = _engines.selected(backend)
            return Explanation("dask", f"{source} selects {name}: a dask argument makes the "
                                       "call a lazy dask graph of fused chunk tasks "
                                       "(docs/dask.md)")
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

"""``mf.fuse``: a function traced once per signature, its program run by an engine.

A call: the arguments' signature (input dtypes, ranks, which are scalars and
their Python type: ``_signature``), the cached trace of that signature (traced
on a miss), then ``_run`` (the prelude's scalars, the inputs broadcast,
``out=`` checked, the chosen engine's ``run``, compiled once per program and
backend).
"""

from __future__ import annotations

import functools

import numpy as np

from .. import _checks
from . import _engines, _promote
from ._proxy import Proxy, Reduced, ScalarProxy
from ._run import Plan, fast_run, run
from ._trace import Traced, Tracer

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

"""The ``cpp`` backend: C++ kernels from the compiled extension ``mathfront._cpp``.

Each op is a C entry point (see src/cpp/python/module.cpp) that computes the
calls it can take and passes the others to a Python fallback. Here the
fallback validates the call with the shared checks, raises mathfront's errors
and normalises what is left (dtype casts, layouts) before calling the entry
point again, which must then take it.
"""

from __future__ import annotations

import os

import numpy as np

from .. import _checks
from .._ops import REDUCTION, Op
from .._threads import get_num_threads
from .base import Backend

LEVEL_ENV = "MATHFRONT_CPU_LEVEL"


def _refused(op: Op):
    def fallback(*args):
        raise RuntimeError(
            f"mathfront internal error: the C++ {op.name} refused a normalised call; "
            "please report it with the arguments' dtypes and shapes"
        )

    return fallback


def _elementwise(strict, call):
    arrays = [
        np.asarray(np.broadcast_to(np.asarray(x, call.dtype), call.shape), order="C")
        for x in call.operands
    ]
    return strict(*arrays, None)


def _reduction(strict, call):
    (x,) = call.operands
    x = np.asarray(x, call.dtype)
    axes = call.axes
    kept = [n for i, n in enumerate(x.shape) if i not in axes]
    rows = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim)).reshape(
        int(np.prod(kept)), -1 if x.size else int(np.prod([x.shape[i] for i in axes]))
    )
    result = strict(np.ascontiguousarray(rows), -1, False, None, None)
    return result.reshape(call.shape)[()]


class CppBackend(Backend):
    name = "cpp"
    device = "cpu"
    priority = 10

    def __init__(self):
        self._module = None
        self._supported: dict[str, frozenset[str]] = {}
        self._reason = self._load()

    def _load(self) -> str | None:
        try:
            from mathfront import _cpp
        except ImportError as e:
            return (
                f"the compiled extension mathfront._cpp cannot be imported ({e}); "
                "reinstall mathfront with `pip install .` where a C++17 compiler is available"
            )
        level = os.environ.get(LEVEL_ENV, "").strip()
        if level:
            try:
                _cpp.select_level(level)
            except ValueError as e:
                return f"{LEVEL_ENV}={level!r}: {e}"
        self._module = _cpp
        self._supported = {op: frozenset(d) for op, d in _cpp.supported().items()}
        return None

    def unavailable_reason(self) -> str | None:
        return self._reason

    def dtypes(self, op: Op):
        return self._supported.get(op.name, frozenset())

    def kernel(self, op: Op):
        if op.name not in self._supported:
            return self._missing(op)
        strict = self._module.bind(op.name, _refused(op))
        compute = _reduction if op.kind == REDUCTION else _elementwise
        n = op.arity

        def slow(*args):
            operands = [
                np.asarray(x) if isinstance(x, np.ndarray) else x
                for x in (_checks.host_operand(op, self.name, x, i) for i, x in enumerate(args[:n]))
            ]
            self.require(op, _checks.involved_dtypes(op, (*operands, *args[n:])))
            call = _checks.validate(op, operands, args[n:])
            result = compute(strict, call)
            if call.out is None:
                return result
            call.out[...] = result
            return call.out

        return self._module.bind(op.name, slow)

    def _missing(self, op: Op):
        def kernel(*args):
            self.require(op, _checks.involved_dtypes(op, args) or [np.dtype(float)])

        return kernel

    def fast_path(self, op: Op, fallback):
        return self._module.bind(op.name, fallback) if op.name in self._supported else None

    def num_threads(self) -> int:
        return get_num_threads()

    def info(self) -> dict:
        m = self._module
        return {
            "simd_level": m.active_level(),
            "best_simd_level": m.best_level(),
            "cpu_features": list(m.cpu_features()),
        }

"""``auto``: which backend runs a call, and the kernels that make that choice cheap.

``choose`` is the policy, and ``explain`` and verify mode ask it too. ``build``
makes auto's kernel for one op: the choice is made once per operand type
signature and cached. When the ``cpp`` backend is auto's first choice for
host arrays, its C entry point answers first (the front): the calls it takes
cost no Python at all, and the ones it refuses come to the cached choice, and
from there, when that is ``cpp`` itself, straight to cpp's converting kernel,
so that a refused call enters C twice at most.
"""

from __future__ import annotations

import numpy as np

from . import _above, _checks, _keywords, _registry
from ._errors import BackendUnavailableError, backend_unavailable
from ._ops import COMPOSITE, Op
from .backends.cpp_backend import CppBackend

AUTO = "auto"

#: Bound on the per-op cache of auto's choices (distinct operand type signatures).
_CACHE_SIZE = 256
#: Operands that are plain data, converted to arrays before choosing.
_PLAIN_DATA = (list, tuple)


def _named(op: Op, args, name: str) -> tuple:
    backend = _registry.get(name)
    reason = backend.unavailable_reason()
    if reason is not None:
        raise backend_unavailable(name, reason)
    backend.require(op, _checks.involved_dtypes(op, args))
    return backend, "selected by name"


def choose(op: Op, args, name: str = AUTO) -> tuple:
    """The backend that runs ``args`` (a kernel's call) under selection ``name``, and why.

    Runs nothing. For a backend name, raises what the call would raise when
    that backend is unavailable or lacks the dtypes; for ``auto``, only when
    device operands find no device backend.
    """
    if name != AUTO:
        return _named(op, args, name)
    operands = args[: op.arity]
    on_device = [i for i, x in enumerate(operands) if _checks.is_device_array(x)]
    if on_device:
        candidates = [b for b in _registry.all_backends() if b.device != "cpu"]
        where = f"operand {on_device[0]} is a device array (__cuda_array_interface__)"
    else:
        out = args[op.arity + op.keywords.index("out")]
        protocol = [
            (f"operand {i}", x) for i, x in enumerate(operands) if _checks.has_own_semantics(x)
        ] + ([("out", out)] if out is not None and _checks.has_own_semantics(out) else [])
        if protocol:
            # Subclasses and duck arrays keep NumPy's own protocols (__array_ufunc__...):
            # no kernel implements their semantics (masks, matrix shapes, pandas dtypes).
            where, x = protocol[0]
            return _registry.get("numpy"), (
                f"{where} is a {type(x).__name__}, which NumPy dispatches through its "
                "array protocols"
            )
        candidates = [b for b in _registry.all_backends() if b.device == "cpu"]
        where = "host operands"
    dtypes = _checks.involved_dtypes(op, args)
    shown = ", ".join(sorted({d.name for d in dtypes})) or "Python scalars"
    # Backends whose kernel for op is known slower than another's come last.
    skipped = [f"{b.name}'s {op.name} kernel is slower than another's, so it comes last"
               for b in candidates if not b.auto_prefers_call(op, dtypes)]
    for backend in sorted(candidates,
                          key=lambda b: (not b.auto_prefers_call(op, dtypes), -b.priority)):
        reason = backend.unavailable_reason()
        if reason is not None:
            skipped.append(f"{backend.name} unavailable ({reason})")
        elif not backend.supports(op, dtypes):
            skipped.append(f"{backend.name} lacks {op.name} for {shown}")
        else:
            why = f"{where} of {shown}; {backend.name} is the preferred {backend.device} backend"
            if skipped:
                why += " here (" + "; ".join(skipped) + ")"
            return backend, why
    if on_device:
        raise BackendUnavailableError(
            f"mathfront.{op.name}: {where} but no device backend can run it: " + "; ".join(skipped)
        )
    return _registry.get("numpy"), f"{where} of {shown}; no backend supports them but numpy"


#: Elements up to which cpp's C entry takes calls of ops whose kernels NumPy's
#: beat on large arrays (``Op.scalar_cpu``: libm one element at a time): there
#: the per-call cost decides (the C entry ~1.0 us, NumPy's route 1.7 us at 1-10
#: elements). arcsinh and power break even near 30 elements (RESULTS.md,
#: 2026-12-01, issue 13): 16 keeps cpp where it wins for every such op. Larger
#: plain calls go from the C entry straight to NumPy's ufunc (no Python between).
SMALL_CALL = 16


def _takes_calls(backend, op: Op) -> bool:
    return (isinstance(backend, CppBackend) and bool(backend.dtypes(op))
            and op.kind != COMPOSITE and _keywords.takes_every_call(op, backend))


def _front(op: Op):
    """The cpp backend, the largest call its C entry takes (0: any) and the dtypes
    that bound applies to (empty: all), when that entry can stand in front of
    auto's choice for ``op``; else (None, 0, ()).

    When it is the preferred available host backend (the entry takes host calls
    only, and only ones cpp supports) and receives all of the op's keywords
    itself; for ops whose large calls NumPy runs faster (``scalar_cpu``, or
    ``scalar_cpu_dtypes`` for those dtypes), in front of the small calls only
    (``SMALL_CALL``).
    """
    for backend in sorted(
        (b for b in _registry.all_backends() if b.device == "cpu"),
        key=lambda b: (not b.auto_prefers(op), -b.priority),
    ):
        if backend.unavailable_reason() is None:
            if _takes_calls(backend, op):
                if op.scalar_cpu_dtypes and op.elementwise and isinstance(backend, CppBackend):
                    return backend, SMALL_CALL, op.scalar_cpu_dtypes
                return backend, 0, ()
            break
    if op.scalar_cpu and op.elementwise:
        cpp = _registry.get("cpp")
        if cpp.unavailable_reason() is None and _takes_calls(cpp, op):
            return cpp, SMALL_CALL, ()
    return None, 0, ()


def front_takes(op: Op, args) -> bool:
    """Would auto's C entry take this call (a small host call of a ``scalar_cpu`` op
    that ``choose`` gives NumPy)? For ``explain``; approximates the entry's tests."""
    front, cap, capped = _front(op)
    if front is None or cap == 0 or any(_checks.is_lazy(x) for x in args):
        return False
    dtypes = _checks.involved_dtypes(op, args)
    if capped and not any(np.dtype(d).name in capped for d in dtypes):
        return False  # no bound for these dtypes: cpp is auto's own choice
    operands = args[: op.arity]
    if not all(type(x) is np.ndarray or type(x) in _checks.PY_SCALARS
               or isinstance(x, np.generic) for x in operands):
        return False
    if any(_above.given(k, v) for k, v in zip(op.keywords, args[op.arity:], strict=False)):
        return False
    shapes = [x.shape for x in operands if isinstance(x, np.ndarray)]
    try:
        size = int(np.prod(np.broadcast_shapes(*shapes), dtype=np.int64)) if shapes else 1
    except ValueError:
        return False
    return size <= cap and front.supports(op, dtypes)


def build(op: Op, kernel_of):
    """auto's kernel for ``op``; ``kernel_of(backend)`` gives a backend's kernel."""
    arity = op.arity
    dtype_at = arity + op.keywords.index("dtype") if "dtype" in op.keywords else None
    out_at = arity + op.keywords.index("out")
    front, max_size, capped = _front(op)
    # The front refused the calls that reach `slow`: entering cpp's C entry
    # again would refuse them again, so cpp's converting kernel takes them.
    converting = front.converting_kernel(op) if front is not None else None
    chosen: dict[tuple, object] = {}

    def signature(args):
        """The cache key of a call, or None when its dtypes depend on contents."""
        key = []
        for x in args[:arity]:
            t = type(x)
            dtype = getattr(x, "dtype", None)
            if dtype is None and t not in _checks.PY_SCALARS:
                return None  # a list or other array-like
            key.append((t, dtype))
        if dtype_at is not None:
            key.append(args[dtype_at])
        out = args[out_at]
        if out is not None and type(out) is not np.ndarray:
            key.append(type(out))  # an out with semantics of its own sends the call to numpy
        key = tuple(key)
        try:
            hash(key)
        except TypeError:  # an unhashable dtype=: let validation explain it
            return None
        return key

    def slow(*args):
        if any(type(x) in _PLAIN_DATA or isinstance(x, np.generic) for x in args[:arity]):
            # Lists and NumPy scalars as arrays: then their calls are cached by
            # signature, and the front's C entry can take them.
            args = (*(np.asarray(x) if type(x) in _PLAIN_DATA or isinstance(x, np.generic)
                      else x for x in args[:arity]), *args[arity:])
            if front is not None:
                return kernel(*args)
        # auto's choice depends only on the operands' types and dtypes (and on
        # dtype=), so it is made once per signature rather than on every call.
        key = signature(args)
        impl = chosen.get(key) if key is not None else None
        if impl is None:
            backend, _ = choose(op, args)
            impl = converting if backend is front else kernel_of(backend)
            if key is not None and len(chosen) < _CACHE_SIZE:
                chosen[key] = impl
        return impl(*args)

    # (the C entry hands a too-large plain call to NumPy's ufunc itself)
    large = op.reference if max_size and isinstance(op.reference, np.ufunc) else None
    if front is None:
        kernel = slow
    else:
        kernel = front.entry(op, slow, max_size, large, capped) if max_size else \
            front.entry(op, slow)
    return kernel

"""Choosing the backend of each call.

Precedence, first match wins (DESIGN.md): ``backend=`` on the call; the
innermost ``use_backend`` (a ContextVar, so per thread and per asyncio task);
``set_backend``; ``MATHFRONT_BACKEND``; ``auto``.

A selection is an :class:`OpSet`: the ops of one backend name (or of
``auto``) as attributes, each built on first use. A public function does one
lookup to find the selection and one attribute access to find its kernel,
which keeps the per-call cost of dispatch to a few tens of nanoseconds.
"""

from __future__ import annotations

import contextlib
import os
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from . import _checks, _registry
from ._errors import BackendUnavailableError, backend_unavailable
from ._ops import BY_NAME, KEYWORD_DEFAULTS, Op

AUTO = "auto"
ENV_VAR = "MATHFRONT_BACKEND"


class OpSet:
    """The ops of one selection (a backend name or ``auto``), built lazily."""

    def __init__(self, name: str, source: str):
        self.name = name
        #: Where the selection came from, for ``explain`` and error messages.
        self.source = source

    def __getattr__(self, attr):
        op = BY_NAME.get(attr)
        if op is None:
            raise AttributeError(attr)
        impl = _build_auto(op) if self.name == AUTO else _build_explicit(self.name, op)
        setattr(self, attr, impl)
        return impl

    def __repr__(self):
        return f"<mathfront selection {self.name!r} from {self.source}>"


def _unavailable(backend, reason: str):
    def kernel(*args):
        raise backend_unavailable(backend.name, reason)

    return kernel


def _build_explicit(name: str, op: Op):
    backend = _registry.get(name)
    reason = backend.unavailable_reason()
    if reason is not None:
        return _unavailable(backend, reason)
    return backend.kernel(op)


def choose(op: Op, args) -> tuple:
    """``auto``'s choice for a call: ``(backend, why)``. Runs nothing."""
    operands = args[: op.arity]
    on_device = [i for i, x in enumerate(operands) if _checks.is_device_array(x)]
    if on_device:
        candidates = [b for b in _registry.all_backends() if b.device != "cpu"]
        where = f"operand {on_device[0]} is a device array (__cuda_array_interface__)"
    else:
        protocol = [
            i for i, x in enumerate(operands)
            if (isinstance(x, np.ndarray) and type(x) is not np.ndarray)
            or (not isinstance(x, np.ndarray) and hasattr(x, "__array_function__"))
        ]
        if protocol:
            # Subclasses and duck arrays keep NumPy's own protocols (__array_ufunc__...).
            return _registry.get("numpy"), (
                f"operand {protocol[0]} is a {type(operands[protocol[0]]).__name__}, "
                "which NumPy dispatches through its array protocols"
            )
        candidates = [b for b in _registry.all_backends() if b.device == "cpu"]
        where = "host operands"
    dtypes = _checks.involved_dtypes(op, args)
    shown = ", ".join(sorted({d.name for d in dtypes})) or "Python scalars"
    skipped = []
    for backend in sorted(candidates, key=lambda b: -b.priority):
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


#: Bound on the per-op cache of auto's choices (distinct operand type signatures).
_AUTO_CACHE_SIZE = 256


def _build_auto(op: Op):
    name = op.name
    arity = op.arity
    dtype_at = arity + op.keywords.index("dtype") if "dtype" in op.extra else None
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
        key = tuple(key)
        try:
            hash(key)
        except TypeError:  # an unhashable dtype=: let validation explain it
            return None
        return key

    def slow(*args):
        # auto's choice depends only on the operands' types and dtypes (and on
        # dtype=), so it is made once per signature rather than on every call.
        key = signature(args)
        impl = chosen.get(key) if key is not None else None
        if impl is None:
            backend, _ = choose(op, args)
            impl = getattr(_opset(backend.name), name)
            if key is not None and len(chosen) < _AUTO_CACHE_SIZE:
                chosen[key] = impl
        return impl(*args)

    for backend in sorted(
        (b for b in _registry.all_backends() if b.device == "cpu"), key=lambda b: -b.priority
    ):
        if backend.unavailable_reason() is None:
            return backend.fast_path(op, slow) or slow
    return slow


# --- the selection in effect ------------------------------------------------------------

_OPSETS: dict[str, OpSet] = {}
_ctx: ContextVar[OpSet | None] = ContextVar("mathfront_backend", default=None)


class _State:
    __slots__ = ("selection",)


_state = _State()


def _check_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a backend name must be a str, got {type(name).__name__}")
    if name != AUTO:
        _registry.get(name)  # ValueError listing the known names
    return name


def _opset(name, source: str | None = None) -> OpSet:
    """The cached OpSet for ``name`` selected from ``source``; ``ValueError`` if unknown.

    Call-site selections are keyed by name alone, which is what the public
    functions look up; the others by (name, source), so that entering
    ``use_backend`` again reuses the kernels already built.
    """
    key = name if source is None else (name, source)
    opset = _OPSETS.get(key)
    if opset is None:
        _check_name(name)
        opset = _OPSETS[key] = OpSet(name, source or "backend= on the call")
    return opset


def _require_available(name: str) -> None:
    if name != AUTO:
        backend = _registry.get(name)
        reason = backend.unavailable_reason()
        if reason is not None:
            raise backend_unavailable(name, reason)


class _EnvSelection(OpSet):
    """The process default before ``set_backend``: ``MATHFRONT_BACKEND`` or auto.

    The variable is checked on first use, not at import, so a bad value cannot
    break ``import mathfront``; its error names the variable.
    """

    def __getattr__(self, attr):
        if attr not in BY_NAME:
            raise AttributeError(attr)
        try:
            _check_name(self.name)
        except ValueError as e:
            raise ValueError(f"{ENV_VAR}={self.name!r}: {e}") from None
        return OpSet.__getattr__(self, attr)


def _reset_default() -> None:
    name = os.environ.get(ENV_VAR, "").strip() or AUTO
    _state.selection = _EnvSelection(name, ENV_VAR if name != AUTO else "the default")


def _invalidate() -> None:
    """Backends changed: forget every built kernel."""
    _OPSETS.clear()
    if type(_state.selection) is _EnvSelection:
        _reset_default()
    else:
        _state.selection = _opset(_state.selection.name, "mf.set_backend")


_reset_default()
_registry._listeners.append(_invalidate)


def current() -> OpSet:
    return _ctx.get() or _state.selection


def set_backend(name: str | None) -> None:
    """Make ``name`` the process-wide default (``None``: back to the environment/auto)."""
    if name is None:
        _reset_default()
        return
    _require_available(_check_name(name))
    _state.selection = _opset(name, "mf.set_backend")


def get_backend() -> str:
    """Name of the selection in effect here ('auto' or a backend name)."""
    return current().name


@contextlib.contextmanager
def use_backend(name: str):
    """Use backend ``name`` inside the ``with`` block (this thread / task only)."""
    _require_available(_check_name(name))
    token = _ctx.set(_opset(name, f"mf.use_backend({name!r})"))
    try:
        yield
    finally:
        _ctx.reset(token)


# --- explain ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """Which backend a call would run on, and why."""

    backend: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.backend or 'no backend'}: {self.reason}"


def _call_of(op: Op, args, kwargs) -> tuple:
    """A call's arguments as kernels receive them, checked like the public function."""
    if len(args) != op.arity:
        raise TypeError(
            f"mathfront.{op.name} takes {op.arity} positional operand(s), got {len(args)}"
        )
    unknown = set(kwargs) - set(op.keywords)
    if unknown:
        raise TypeError(f"mathfront.{op.name} got unexpected keyword(s) {sorted(unknown)}")
    return (*args, *(kwargs.get(k, KEYWORD_DEFAULTS[k]) for k in op.keywords))


def explain(fn, *args, **kwargs) -> Explanation:
    """Say which backend ``fn(*args, **kwargs)`` would run on, and why, without running it."""
    op = getattr(fn, "op", None)
    if not isinstance(op, Op):
        raise TypeError(f"explain takes a mathfront function such as mf.add, got {fn!r}")
    backend_kw = kwargs.pop("backend", None)
    call = _call_of(op, args, kwargs)
    if backend_kw is not None:
        selection = OpSet(_check_name(backend_kw), f"backend={backend_kw!r} on the call")
    else:
        selection = current()
        if isinstance(selection, _EnvSelection):
            try:
                _check_name(selection.name)
            except ValueError as e:
                return Explanation(None, f"would raise ValueError: {ENV_VAR}: {e}")
    source = selection.source
    if selection.name == AUTO:
        try:
            backend, why = choose(op, call)
        except BackendUnavailableError as e:
            return Explanation(None, f"{source} selects auto, which would raise {e!r}")
        return Explanation(backend.name, f"{source} selects auto: {why}")
    backend = _registry.get(selection.name)
    reason = backend.unavailable_reason()
    if reason is not None:
        failure = f"BackendUnavailableError: {reason}"
    else:
        dtypes = _checks.involved_dtypes(op, call)
        if backend.supports(op, dtypes):
            return Explanation(backend.name, f"{source} selects it")
        failure = f"TypeError: no {op.name} for {', '.join(sorted({d.name for d in dtypes}))}"
    return Explanation(backend.name, f"{source} selects it, but it would raise {failure}")

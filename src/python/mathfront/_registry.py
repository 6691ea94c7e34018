"""Which backends exist: the built-in three, registered ones and entry points.

Nothing here imports a backend's heavy parts: the built-ins are instantiated
on first use, and the ``mathfront.backends`` entry-point group is read only
when a name is not found among the known ones, or when all are listed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ._errors import unknown_backend
from .backends.base import Backend

ENTRY_POINT_GROUP = "mathfront.backends"

_BUILTIN = {
    "numpy": "mathfront.backends.numpy_backend:NumpyBackend",
    "cpp": "mathfront.backends.cpp_backend:CppBackend",
    "cuda": "mathfront.backends.cuda_backend:CudaBackend",
}

_loaded: dict[str, Backend] = {}
_entry_points_read = False
#: Called with no arguments whenever the set of backends changes.
_listeners: list[Callable[[], None]] = []


class _BrokenBackend(Backend):
    """Stands for an entry point that failed to load, so it is listed with why."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self._reason = reason

    def unavailable_reason(self) -> str:
        return self._reason

    def dtypes(self, op):
        return ()

    def kernel(self, op):  # pragma: no cover - never called: it is unavailable
        raise AssertionError("a broken backend has no kernels")


def _instantiate(obj) -> Backend:
    if isinstance(obj, type) and issubclass(obj, Backend):
        obj = obj()
    elif not isinstance(obj, Backend) and callable(obj):
        obj = obj()
    if not isinstance(obj, Backend):
        raise TypeError(
            "a mathfront backend must be a mathfront.Backend instance, subclass or "
            f"factory, got {obj!r}"
        )
    return obj


def _read_entry_points() -> None:
    global _entry_points_read
    if _entry_points_read:
        return
    _entry_points_read = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _loaded or ep.name in _BUILTIN:
            continue
        try:
            backend = _instantiate(ep.load())
            backend.name = backend.name or ep.name
        except Exception as e:  # a broken plug-in must not break mathfront
            backend = _BrokenBackend(ep.name, f"its entry point {ep.value!r} failed to load: {e!r}")
        _loaded[ep.name] = backend


def names() -> list[str]:
    _read_entry_points()
    return list(_BUILTIN) + [n for n in _loaded if n not in _BUILTIN]


def get(name: str) -> Backend:
    """The backend called ``name``; ``ValueError`` listing the known ones if none is."""
    backend = _loaded.get(name)
    if backend is not None:
        return backend
    if name in _BUILTIN:
        module, _, cls = _BUILTIN[name].partition(":")
        backend = _loaded[name] = getattr(importlib.import_module(module), cls)()
        return backend
    if not _entry_points_read:
        _read_entry_points()
        return get(name)
    raise unknown_backend(name, ["auto", *names()])


def all_backends() -> list[Backend]:
    return [get(n) for n in names()]


def loaded() -> list[Backend]:
    """Backends already instantiated (never triggers loading)."""
    return list(_loaded.values())


def register(backend, *, replace: bool = False) -> Backend:
    """Make ``backend`` selectable by its ``name`` (``mf.register_backend``).

    ``backend`` is a :class:`mathfront.Backend` instance, a subclass of it
    (instantiated with no arguments) or a callable returning an instance. Once
    registered, its ``name`` works wherever a backend is named (``backend=``,
    ``use_backend``, ``set_backend``, ``MATHFRONT_BACKEND``), ``mf.backends()``
    lists it, and ``auto`` considers it, by ``priority``, for the calls its
    ``dtypes`` cover. Every kernel built so far is dropped, so the next call
    sees the change. Returns the registered instance.

    ``replace=True`` replaces a backend of the same name, a built-in one
    (``numpy``, ``cpp``, ``cuda``) included. Raises ``ValueError`` when the name
    is empty or ``"auto"``, or is taken and ``replace`` is false; ``TypeError``
    when ``backend`` is none of the three. Installed packages can register
    through the ``mathfront.backends`` entry-point group instead;
    docs/backends.md says how to write a backend.

    >>> mf.register_backend(MyBackend())          # doctest: +SKIP
    >>> mf.add(x, y, backend="mine")              # doctest: +SKIP
    """
    backend = _instantiate(backend)
    name = backend.name
    if not isinstance(name, str) or not name or name == "auto":
        raise ValueError(f"a backend needs a name other than 'auto', got {name!r}")
    if not replace and (name in _BUILTIN or name in _loaded):
        raise ValueError(
            f"a backend named {name!r} is already registered; pass replace=True to replace it"
        )
    _loaded[name] = backend
    for listener in _listeners:
        listener()
    return backend

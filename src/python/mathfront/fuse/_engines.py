"""Which engine runs a fused call: the selection in effect, as for single ops.

``backend=`` on the call, then ``use_backend``/``set_backend``/the environment
(the selection in effect); ``auto`` picks from where the inputs live, as
``_auto.choose`` does for one op: device arrays go to the preferred available
device backend, host arrays to the preferred available host backend. A
backend without ``fused`` (or whose ``fused`` returns None for a program)
runs it on the numpy engine, which takes host arrays only.
"""

from __future__ import annotations

from .. import _registry, _selection
from .._auto import AUTO
from .._errors import BackendUnavailableError, backend_unavailable
from . import _numpy_engine


def selected(backend: str | None) -> tuple[str, str]:
    """The name the call's selection gives (a backend or auto), and where it came from."""
    if backend is not None:
        _selection.check_name(backend)
        return backend, f"backend={backend!r} on the call"
    selection = _selection.current()
    selection.check()
    return selection.name, selection.source


def choose(name: str, on_device: bool):
    """(backend, why) for a fused call under selection ``name``."""
    if name != AUTO:
        backend = _registry.get(name)
        reason = backend.unavailable_reason()
        if reason is not None:
            raise backend_unavailable(name, reason)
        return backend, "selected by name"
    wanted = "device" if on_device else "host"
    candidates = sorted((b for b in _registry.all_backends()
                         if (b.device != "cpu") == on_device), key=lambda b: -b.priority)
    skipped = []
    for backend in candidates:
        reason = backend.unavailable_reason()
        if reason is None:
            how = "fuses" if hasattr(backend, "fused") else "has no fused engine: numpy's runs it"
            return backend, (f"{wanted} inputs; {backend.name} is the preferred available "
                             f"{backend.device} backend ({how})")
        skipped.append(f"{backend.name} unavailable ({reason})")
    if on_device:
        raise BackendUnavailableError("mathfront.fuse: device inputs but no device backend is "
                                      "available: " + "; ".join(skipped))
    return _registry.get("numpy"), "host inputs; only numpy is available"


#: (backend name or None, on device) -> backend, for the selection in effect: cleared
#: whenever backends change.
_CHOSEN: dict[tuple, object] = {}
_registry._listeners.append(_CHOSEN.clear)


def engine(backend: str | None, on_device: bool):
    """The backend that runs a fused call (``backend=`` or the selection in effect)."""
    name = backend if backend is not None else _selection.CONTEXT.get().selection.name
    chosen = _CHOSEN.get((name, on_device))
    if chosen is None:
        name, _ = selected(backend)
        chosen, _ = choose(name, on_device)
        if len(_CHOSEN) < 64:
            _CHOSEN[name, on_device] = chosen
    return chosen


def compile_for(backend, program):
    """``run`` for program on backend: its ``fused``, or the numpy engine; None where a
    device backend declines the program (a dtype it lacks: float16 from uint8's math),
    which only host operands can then take (on the numpy engine)."""
    fused = getattr(backend, "fused", None)
    try:
        run = fused(program) if fused is not None else None
    except NotImplementedError:  # a step it has no kernel for (the cpp engine says which)
        run = None
    if run is None and backend.device == "cpu":
        run = _numpy_engine.fused(program)
    return run


def declined(backend) -> TypeError:
    return TypeError(f"mathfront.fuse: backend {backend.name!r} cannot fuse this program "
                     "(a dtype or function it lacks), and the numpy engine takes host "
                     "arrays only")

"""The selection in effect for each call: a backend name (or auto), and verify mode.

Precedence, first match wins (docs/design.md): ``backend=`` on the call; the
innermost ``use_backend`` (a ContextVar, so per thread and per asyncio task);
``set_backend``; ``MATHFRONT_BACKEND``; ``auto``. Verify mode (``verify``,
``MATHFRONT_VERIFY``) applies to whichever of these wins.

A selection is a :class:`Selection`: the ops of one backend name (or of
``auto``) as attributes, each built on first use. A :class:`Scope` is what the
calls of a block find: its selection, and the selections ``backend=`` picks
there. The ContextVar holds the innermost block's scope, or the process's, so
that a public function finds its kernel with one ContextVar read and two
attribute accesses (``_dispatch``). Verify mode is a selection too
(:class:`Verifying`), put in the place of the one it checks: with verify mode
off, no call pays anything for it.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from contextvars import ContextVar

from . import _auto, _keywords, _registry
from ._errors import backend_unavailable
from ._ops import BY_NAME, Op

AUTO = _auto.AUTO
BACKEND_ENV = "MATHFRONT_BACKEND"
VERIFY_ENV = "MATHFRONT_VERIFY"
#: What verify mode does on a mismatch.
ON_MISMATCH = ("raise", "warn")


def check_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a backend name must be a str, got {type(name).__name__}")
    if name != AUTO:
        _registry.get(name)  # ValueError listing the known names
    return name


def require_available(name: str) -> None:
    if name != AUTO:
        reason = _registry.get(name).unavailable_reason()
        if reason is not None:
            raise backend_unavailable(name, reason)


def _unavailable(name: str, reason: str):
    def kernel(*args):
        raise backend_unavailable(name, reason)

    return kernel


def backend_kernel(name: str, op: Op):
    """Backend ``name``'s kernel for ``op``, taking the op's whole call."""
    backend = _registry.get(name)
    reason = backend.unavailable_reason()
    if reason is not None:
        return _unavailable(name, reason)
    return _keywords.adapt(op, backend, backend.kernel(op))


class Named(dict):
    """The selections that ``backend=`` on a call picks, by name, each made on first use."""

    __slots__ = ("make",)

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, name):
        selection = self[name] = self.make(check_name(name))
        return selection


class Selection:
    """The ops of one selection (a backend name or ``auto``) as attributes, built lazily."""

    #: The verify mode in effect (one of ON_MISMATCH), None when off.
    verify: str | None = None

    def __init__(self, name: str, source: str):
        self.name = name
        #: Where the selection came from, for ``explain`` and error messages.
        self.source = source

    def __getattr__(self, attr):
        op = BY_NAME.get(attr)
        if op is None:
            raise AttributeError(attr)
        impl = self.build(op)
        setattr(self, attr, impl)
        return impl

    def build(self, op: Op):
        if self.name == AUTO:
            return _auto.build(op, lambda backend: getattr(CALL_SITE[backend.name], op.name))
        return backend_kernel(self.name, op)

    def check(self) -> None:
        """Raise what every call under this selection would raise before choosing."""

    def unverified(self) -> Selection | None:
        """The selection whose calls run (None: the process default's); itself here."""
        return self

    def __repr__(self):
        return f"<mathfront selection {self.name!r} from {self.source}>"


#: The selections ``backend=`` picks, by name.
CALL_SITE = Named(lambda name: Selection(name, f"backend={name!r} on the call"))


class EnvSelection(Selection):
    """The process default before ``set_backend``: ``MATHFRONT_BACKEND`` or auto.

    The variable is checked on first use, not at import, so a bad value cannot
    break ``import mathfront``; its error names the variable.
    """

    def __getattr__(self, attr):
        if attr not in BY_NAME:
            raise AttributeError(attr)
        self.check()
        return Selection.__getattr__(self, attr)

    def check(self) -> None:
        try:
            check_name(self.name)
        except ValueError:
            known = ", ".join(repr(n) for n in (AUTO, *_registry.names()))
            raise ValueError(f"{BACKEND_ENV}={self.name!r} names no mathfront backend: set it "
                             f"to one of {known}, or leave it unset for {AUTO!r}") from None


class Verifying(Selection):
    """Verify mode over another selection: each call also runs on numpy, and is compared."""

    def __init__(self, base: Selection | None, mode: str):
        #: The selection checked; None: the process default, as it is at each call.
        self.base = base
        self.verify = mode

    def checked(self) -> Selection:
        return self.base or PROCESS.chosen

    name = property(lambda self: self.checked().name)
    source = property(lambda self: self.checked().source)

    def build(self, op: Op):
        from . import _verify

        return _verify.kernel(op, self.verify, self.checked, getattr(CALL_SITE["numpy"], op.name))

    def check(self) -> None:
        self.checked().check()

    def unverified(self) -> Selection | None:
        return self.base


#: What ``backend=`` picks, by verify mode (None: off).
NAMED = {
    None: CALL_SITE,
    **{mode: Named(lambda name, mode=mode: Verifying(CALL_SITE[name], mode))
       for mode in ON_MISMATCH},
}

_BY_SOURCE: dict[tuple, Selection] = {}
_VERIFYING: dict[tuple, Verifying] = {}


def select(name: str, source: str) -> Selection:
    """The selection of ``name`` from ``source`` (cached: entering a block again reuses it)."""
    selection = _BY_SOURCE.get((name, source))
    if selection is None:
        selection = _BY_SOURCE[name, source] = Selection(check_name(name), source)
    return selection


def verifying(base: Selection | None, mode: str) -> Verifying:
    selection = _VERIFYING.get((base, mode))
    if selection is None:
        selection = _VERIFYING[base, mode] = Verifying(base, mode)
    return selection


# --- the selection in effect ------------------------------------------------------------


class Scope:
    """What the calls of a block find: ``selection``, for calls without ``backend=``,
    and ``named``, the selections ``backend=`` picks (verifying too under verify mode)."""

    __slots__ = ("named", "selection")

    def __init__(self, selection: Selection):
        self.selection = selection
        self.named = NAMED[selection.verify]


def _verify_from_env() -> str | None:
    value = os.environ.get(VERIFY_ENV, "").strip()
    if value.lower() in ("", "0", "false", "no", "off"):
        return None
    if value.lower() in ON_MISMATCH:
        return value.lower()
    if value.lower() not in ("1", "true", "yes", "on"):
        # Whoever set it wanted verification: verify, and say how the value was read.
        warnings.warn(f"{VERIFY_ENV}={value!r} is read as 1 (verify, raise on a mismatch); "
                      "use 1, warn or 0", RuntimeWarning, stacklevel=2)
    return "raise"


class Process(Scope):
    """The outermost scope, the process's: ``chosen`` by set_backend or the
    environment, under verify mode when ``verify`` (MATHFRONT_VERIFY) says."""

    __slots__ = ("chosen", "verify")

    def __init__(self, verify: str | None):
        self.verify = verify
        self.named = NAMED[verify]


PROCESS = Process(_verify_from_env())
#: The scope of the innermost use_backend or verify block here (thread, task).
CONTEXT: ContextVar[Scope] = ContextVar("mathfront_scope", default=PROCESS)


def _set_process(chosen: Selection) -> None:
    PROCESS.chosen = chosen
    mode = PROCESS.verify
    PROCESS.selection = chosen if mode is None else verifying(chosen, mode)


def reset_default() -> None:
    name = os.environ.get(BACKEND_ENV, "").strip() or AUTO
    _set_process(EnvSelection(name, BACKEND_ENV if name != AUTO else "the default"))


def invalidate() -> None:
    """Backends changed: forget every built kernel."""
    for named in NAMED.values():
        named.clear()
    _BY_SOURCE.clear()
    _VERIFYING.clear()
    if type(PROCESS.chosen) is EnvSelection:
        reset_default()
        return
    try:
        _set_process(select(PROCESS.chosen.name, "mf.set_backend"))
    except ValueError:  # the backend set_backend named is no longer registered
        reset_default()


reset_default()
_registry._listeners.append(invalidate)


def current() -> Selection:
    return CONTEXT.get().selection


def for_call(backend: str | None) -> Selection:
    """The selection a call with ``backend=backend`` finds (the public functions inline this)."""
    scope = CONTEXT.get()
    return scope.selection if backend is None else scope.named[backend]


def set_backend(name: str | None) -> None:
    """Make ``name`` the process-wide default (``None``: back to the environment/auto)."""
    if name is None:
        reset_default()
        return
    require_available(check_name(name))
    _set_process(select(name, "mf.set_backend"))


def get_backend() -> str:
    """Name of the selection in effect here ('auto' or a backend name)."""
    return current().name


@contextlib.contextmanager
def _entered(selection: Selection):
    token = CONTEXT.set(Scope(selection))
    try:
        yield
    finally:
        CONTEXT.reset(token)


@contextlib.contextmanager
def use_backend(name: str):
    """Use backend ``name`` inside the ``with`` block (this thread / task only)."""
    require_available(check_name(name))
    selection = select(name, f"mf.use_backend({name!r})")
    mode = current().verify
    with _entered(selection if mode is None else verifying(selection, mode)):
        yield


@contextlib.contextmanager
def verify(on_mismatch: str = "raise"):
    """Inside the ``with`` block (this thread / task only), check every call against numpy.

    Each call also runs on the numpy backend, on the same inputs, and the two
    answers' dtype, shape and values are compared: exactly for exact ops,
    within the op's tolerance for the others (docs/verify.md). A mismatch
    raises :class:`mathfront.VerificationError` (``on_mismatch="warn"``: warns
    it instead). ``use_backend`` blocks and ``backend=`` calls inside it are
    verified too. ``MATHFRONT_VERIFY=1`` (or ``warn``) verifies a whole process.
    """
    if on_mismatch not in ON_MISMATCH:
        raise ValueError(f"on_mismatch must be one of {ON_MISMATCH}, got {on_mismatch!r}")
    scope = CONTEXT.get()
    base = None if scope is PROCESS else scope.selection.unverified()
    with _entered(verifying(base, on_mismatch)):
        yield

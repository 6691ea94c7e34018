"""mathfront's own exception and the messages shared by every backend."""

from __future__ import annotations


class BackendUnavailableError(RuntimeError):
    """A backend was asked for but cannot run here (not built, no GPU, ...)."""


def unsupported_dtype(op_name: str, backend: str, dtype, supported) -> TypeError:
    listed = ", ".join(str(d) for d in supported) or "none"
    return TypeError(
        f"mathfront.{op_name}: backend {backend!r} does not support dtype {dtype}; "
        f"it supports: {listed}"
    )


def unknown_backend(name, known) -> ValueError:
    return ValueError(
        f"unknown mathfront backend {name!r}; known backends: "
        + ", ".join(repr(k) for k in known)
    )


def backend_unavailable(name: str, reason: str) -> BackendUnavailableError:
    return BackendUnavailableError(f"mathfront backend {name!r} is not available: {reason}")


class LazyOperand(Exception):
    """Raised where a kernel meets a lazy collection (a dask array) among its operands.

    Every public function catches it and builds the lazy graph instead
    (``mathfront._dask``): kernels compute on data they hold, so they never
    read a dask array, and the signal comes from the one check every path
    already makes for objects with semantics of their own
    (``_checks.has_own_semantics``). It is raised before anything is written.
    """


class VerificationError(AssertionError):
    """Under ``mf.verify()``, a backend's answer differs from NumPy's.

    An ``AssertionError``, so that a test framework reports it as a failed
    check. ``op``, ``backend``, ``dtype`` and ``shape`` (NumPy's result's),
    ``max_abs_error``, ``max_rel_error`` and ``index`` (the first differing
    element) say where; the errors and index are None when the answers do not
    even have the same dtype or shape.
    """

    def __init__(self, message: str, *, op: str, backend: str, dtype=None, shape=None,
                 max_abs_error: float | None = None, max_rel_error: float | None = None,
                 index: tuple | None = None):
        super().__init__(message)
        self.op = op
        self.backend = backend
        self.dtype = dtype
        self.shape = shape
        self.max_abs_error = max_abs_error
        self.max_rel_error = max_rel_error
        self.index = index

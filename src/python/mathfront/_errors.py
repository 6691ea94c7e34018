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

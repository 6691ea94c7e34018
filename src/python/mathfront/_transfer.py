"""The transfer policy: what happens when a call implies a copy between host and device.

A device backend given host arrays copies them in and the result back out, so
that host in gives host out. Those copies are implicit: nothing at the call
site says they happen. The policy (as JAX's transfer guard) decides:

- ``"allow"`` (the default): copy, silently;
- ``"warn"``: copy, and emit one :class:`TransferWarning` per call naming
  every implicit copy it makes;
- ``"error"``: refuse the whole call with :class:`TransferError` (a
  ``TypeError``) before the first copy.

Precedence, first match wins, as for the backend: the innermost
``with transfer_policy(...)`` (a ContextVar: per thread and per asyncio task);
``set_transfer_policy``; ``MATHFRONT_TRANSFER`` (read on first use, so a bad
value cannot break ``import mathfront``); ``"allow"``.

Never governed: explicit ``mf.to_device`` / ``mf.to_host``, Python scalars,
NumPy scalars and 0-d arrays (a scalar's worth of bytes, as a kernel argument
is), and so the copy back of a 0-d result. Device backends, third-party ones
too, call :func:`check` with what they are about to copy.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Sequence
from contextvars import ContextVar

import numpy as np

from ._checks import PY_SCALARS, fmt_shape, is_device_array

ENV_VAR = "MATHFRONT_TRANSFER"
ALLOW, WARN, ERROR = "allow", "warn", "error"
POLICIES = (ALLOW, WARN, ERROR)


class TransferError(TypeError):
    """A call needed an implicit host/device copy and the transfer policy is "error"."""


class TransferWarning(UserWarning):
    """A call made an implicit host/device copy and the transfer policy is "warn"."""


def _check_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a transfer policy must be a str, got {type(name).__name__}")
    if name not in POLICIES:
        raise ValueError(f"unknown transfer policy {name!r}; allowed: "
                         + ", ".join(repr(p) for p in POLICIES))
    return name


# --- the policy in effect ----------------------------------------------------------------

_ctx: ContextVar[str | None] = ContextVar("mathfront_transfer", default=None)


class _State:
    __slots__ = ("policy",)


_state = _State()
#: ``set_transfer_policy``'s choice, or the environment's once read; None: not read yet.
_state.policy = None


def _from_env() -> str:
    """``MATHFRONT_TRANSFER`` or "allow", remembered; a bad value raises, each time."""
    value = os.environ.get(ENV_VAR, "").strip()
    try:
        policy = _check_name(value) if value else ALLOW
    except ValueError as e:
        raise ValueError(f"{ENV_VAR}={value!r}: {e}") from None
    if _state.policy is None:  # unless set_transfer_policy ran meanwhile
        _state.policy = policy
    return policy


def current() -> str:
    """The policy in effect here (one ContextVar lookup once resolved)."""
    return _ctx.get() or _state.policy or _from_env()


def get_transfer_policy() -> str:
    """The transfer policy in effect here: "allow", "warn" or "error"."""
    return current()


def set_transfer_policy(name: str | None) -> None:
    """Make ``name`` the process-wide policy (``None``: back to ``MATHFRONT_TRANSFER``/allow)."""
    _state.policy = None if name is None else _check_name(name)


@contextlib.contextmanager
def transfer_policy(name: str):
    """Use policy ``name`` inside the ``with`` block (this thread / asyncio task only)."""
    token = _ctx.set(_check_name(name))
    try:
        yield
    finally:
        _ctx.reset(token)


# --- what device backends call -----------------------------------------------------------


def _exempt(x) -> bool:
    """Python scalars, NumPy scalars, 0-d arrays and device arrays move nothing governed."""
    return type(x) in PY_SCALARS or is_device_array(x) or np.ndim(x) == 0


def _bytes(shape, dtype) -> int:
    return int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize


def _describe(what: str, shape, nbytes: int, where: str) -> str:
    return f"{what} (shape {fmt_shape(shape)}, {nbytes} bytes) to the {where}"


def _stacklevel() -> int:
    """The warning's stacklevel for the first frame outside mathfront (the user's call).

    The frame calling :func:`check` is skipped whatever its module (a
    third-party backend's kernel), and mathfront's own frames after it.
    """
    # stacklevel 1 is check, 2 check's caller: start above that.
    level, frame = 3, sys._getframe(2).f_back
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        ours = module == "mathfront" or module.startswith("mathfront.") or \
            frame.f_code.co_filename.startswith("<mathfront.")  # the generated public functions
        if not ours:
            break
        frame, level = frame.f_back, level + 1
    return level


def check(backend: str, op_name: str, operands: Sequence, *, out=None, result=None) -> None:
    """Apply the transfer policy to the implicit copies one call is about to make.

    A device backend calls this before its first copy, with everything the
    call will copy, so that "error" refuses the whole call and "warn" names
    every copy in one warning:

    - ``operands``: the call's operands, by position; the host arrays among
      them are the ones copied in (device arrays, Python and NumPy scalars and
      0-d arrays are skipped);
    - ``out``: a host array the result will be copied into, or None;
    - ``result``: ``(shape, dtype)`` of a result copied back into a new host
      array, or None (the result stays on the device, or goes into ``out``).

    Returns nothing under "allow" (at the cost of one ContextVar lookup) and
    "warn"; raises :class:`TransferError` under "error".
    """
    policy = _ctx.get() or _state.policy or _from_env()
    if policy == ALLOW:
        return
    copies = [_describe(f"operand {i}", np.shape(x), np.asarray(x).nbytes, "device")
              for i, x in enumerate(operands) if not _exempt(x)]
    if out is not None and not _exempt(out):
        copies.append(_describe("out", out.shape, out.nbytes, "host"))
    elif out is None and result is not None and tuple(result[0]) != ():
        copies.append(_describe("the result", result[0], _bytes(*result), "host"))
    if not copies:
        return
    how = ("Pass device arrays (mf.to_device(x)) and copy results back with mf.to_host(r), "
           "or allow it with mf.transfer_policy('allow').")
    if policy == ERROR:
        raise TransferError(
            f"mathfront.{op_name} on backend {backend!r} needs implicit copies: "
            f"{', '.join(copies)}; the transfer policy is 'error'. {how}")
    warnings.warn(f"mathfront.{op_name} on backend {backend!r} copies implicitly: "
                  f"{', '.join(copies)}. {how}", TransferWarning, stacklevel=_stacklevel())

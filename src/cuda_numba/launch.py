"""Kernel launches with a lean host path.

``kernel[grid, block](*args)`` makes Numba type every argument on every
call to find the compiled overload, then walk its launch-configuration
machinery. mathfront's callers already know what fixes the argument types
(the generated kernel and its dtypes): they name it as ``key``, the first
launch with that key compiles and keeps the overload, and every later one
hands the arguments straight to it.

Launches go to the stream of the call in progress (``on_stream``): the
caller's, so that its own work before and after is ordered with them.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

from .operands import SIMULATOR

_READY: dict[tuple, object] = {}
_STREAM: ContextVar = ContextVar("mathfront_cuda_stream", default=0)


@contextlib.contextmanager
def on_stream(stream):
    """Launches inside go to ``stream`` (a Numba stream; 0, the default stream, by default)."""
    token = _STREAM.set(stream)
    try:
        yield
    finally:
        _STREAM.reset(token)


def current_stream():
    return _STREAM.get()


def launch(kernel, key: tuple, blocks: int, threads: int, args: list) -> None:
    """Runs ``kernel`` on ``blocks`` x ``threads``; ``key`` must fix every argument's type."""
    ready = _READY.get(key)
    if ready is None:
        ready = _READY[key] = _prepare(kernel, args)
    ready(args, blocks, threads, _STREAM.get())


def _prepare(kernel, args):
    if SIMULATOR:  # nothing to compile: the simulator interprets the Python function
        return lambda args, blocks, threads, stream: kernel[blocks, threads, stream](*args)
    specialized = kernel.specialize(*args)  # compiled once; launches skip argument typing
    overload = next(iter(specialized.overloads.values()), None)
    if overload is None or not hasattr(overload, "launch"):  # another numba-cuda: public path
        return lambda args, blocks, threads, stream: specialized[blocks, threads, stream](*args)

    def go(args, blocks, threads, stream):
        overload.launch(args, (blocks, 1, 1), (threads, 1, 1), stream, 0)

    return go


def prepared() -> int:
    """How many (kernel, types) pairs are compiled and kept (for warmup and tests)."""
    return len(_READY)

"""Whose device arrays the caller passed in, and results handed back as theirs.

CuPy in, CuPy out; PyTorch in, PyTorch out; Numba in, Numba out. The
library is told by the module of the first device operand's type, so CuPy
and PyTorch are imported only when an operand is theirs (and so already
imported). Results are computed into a Numba device array and wrapped,
never copied: ``cupy.asarray`` and ``torch.as_tensor`` read its
``__cuda_array_interface__`` and keep it alive as the memory's owner. Any
other producer of the interface gets the Numba array: there is no general
way back to an unknown library's type.

The work runs on the operand's device, and on its stream: the one its
``__cuda_array_interface__`` names (CuPy's current stream), PyTorch's
current stream for its device (PyTorch's interface names none), or a Numba
array's own. Results carry no stream, so wrapping them makes the library
wait for nothing: they are ready in the caller's stream order, as that
library's own results are.
"""

from __future__ import annotations

import contextlib
import importlib

from numba import cuda

from .launch import on_stream

#: The first operand's library -> how a result is wrapped back as its type.
WRAP = {
    "cupy": lambda result, like: importlib.import_module("cupy").asarray(result),
    "torch": lambda result, like: importlib.import_module("torch").as_tensor(
        result, device=like.device),
}

_EXTERNAL: dict[int, object] = {}  # stream pointer -> Numba's wrapper of it
_LIBRARY: dict[type, str] = {}  # asked on every call: a dict lookup, not string work


def library(x) -> str:
    """The top-level package that defines ``x``'s type ('numba_cuda' counts as 'numba')."""
    t = type(x)
    name = _LIBRARY.get(t)
    if name is None:
        root = t.__module__.partition(".")[0]
        name = _LIBRARY[t] = "numba" if root == "numba_cuda" else root
    return name


def as_callers(result, like):
    """Numba device array ``result`` as an array of ``like``'s library (zero-copy)."""
    wrap = WRAP.get(library(like))
    return result if wrap is None else wrap(result, like)


def device_of(x) -> int | None:
    """The GPU ``x`` lives on, where its library says (CuPy, PyTorch); None: the current one."""
    lib = library(x)
    if lib == "cupy":
        return x.device.id
    if lib == "torch":
        return x.device.index
    return None


_NOTHING = contextlib.nullcontext()


def scope(x):
    """A context running the call's work on ``x``'s GPU and stream."""
    if library(x) == "numba" and not x.stream:  # the common case, kept cheap
        return _NOTHING
    return _scope(x)


@contextlib.contextmanager
def _scope(x):
    index = device_of(x)
    # With one GPU it is the current one: no context push and pop on every call.
    with _NOTHING if index is None or len(cuda.gpus) == 1 else cuda.gpus[index]:
        with on_stream(stream_of(x)):  # an external stream belongs to the device's context
            yield


def stream_of(x):
    """The Numba stream the work on ``x`` is ordered on; 0 is the legacy default stream."""
    lib = library(x)
    if lib == "numba":
        return getattr(x, "stream", 0)
    if lib == "torch":
        torch = importlib.import_module("torch")
        pointer = torch.cuda.current_stream(x.device).cuda_stream
    else:
        pointer = x.__cuda_array_interface__.get("stream")
    # The interface's codes: None (none declared) and 1 are the legacy default
    # stream, 2 the per-thread default stream; 0 is disallowed, taken as 1.
    if pointer in (None, 0, 1):
        return 0
    stream = _EXTERNAL.get(pointer)  # one object per stream: reductions key their states by it
    if stream is None:
        if len(_EXTERNAL) >= 64:
            _EXTERNAL.pop(next(iter(_EXTERNAL)))
        stream = _EXTERNAL[pointer] = cuda.per_thread_default_stream() if pointer == 2 else \
            cuda.external_stream(pointer)
    return stream

"""mathfront's C ABI (``include/mathfront.h``) through cffi: ``ffi`` and ``lib``.

The functions are the C++ backend's kernels (same thread pool, SIMD level
and accuracy), callable from Python and from Numba's ``@njit`` code::

    from numba import njit
    from mathfront.cabi import ffi, lib

    lib.mf_sum_f64(ffi.from_buffer("double[]", x), x.size)   # Python: name the C type

    @njit
    def total(x):                      # x: a C-contiguous float64 array
        return lib.mf_sum_f64(ffi.from_buffer(x), x.size)   # Numba infers it

``ffi`` is cffi's out-of-line ABI module generated from the header at build
time; ``lib`` is the compiled extension ``mathfront._cpp`` itself, which
exports the ABI (and nothing else but Python's entry point). Importing this
module starts the ``cpp`` backend (``MATHFRONT_CPU_LEVEL``,
``MATHFRONT_NUM_THREADS`` apply) and, when Numba is installed, registers
``ffi`` and ``lib`` with it so that jitted code can call them.
"""

from __future__ import annotations

import importlib.util
import sys

from . import _registry
from ._cabi_ffi import ffi
from ._errors import BackendUnavailableError

__all__ = ["ffi", "lib", "status_message"]


def _load():
    backend = _registry.get("cpp")
    reason = backend.unavailable_reason()
    if reason is not None:
        raise BackendUnavailableError(f"mathfront.cabi needs the cpp backend: {reason}")
    from . import _cpp

    return ffi.dlopen(_cpp.__file__)


lib = _load()


def status_message(status: int) -> str:
    """What an ``mf_status`` code means."""
    return ffi.string(lib.mf_status_message(status)).decode()


if importlib.util.find_spec("numba") is not None:
    from numba.core.typing import cffi_utils

    cffi_utils.register_module(sys.modules[__name__])

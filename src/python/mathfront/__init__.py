"""mathfront: one array-math API, swappable engines (NumPy, C++, CUDA).

>>> import mathfront as mf
>>> mf.mean(x)                      # runs on the fastest backend for x
>>> mf.add(a, b, backend="numpy")   # or pick one per call, per block, per process

Nothing heavy is imported here: backends load on first use.
"""

from ._api import FUNCTIONS as _FUNCTIONS
from ._dispatch import Explanation, explain, get_backend, set_backend, use_backend, verify
from ._errors import BackendUnavailableError, VerificationError
from ._registry import register as register_backend
from ._status import BackendStatus, backends, info, to_device, to_host
from ._threads import get_num_threads, set_num_threads
from ._warmup import warmup
from .backends.base import Backend

__version__ = "0.1.0"

globals().update(_FUNCTIONS)

__all__ = [
    *_FUNCTIONS,
    "Backend",
    "BackendStatus",
    "BackendUnavailableError",
    "Explanation",
    "backends",
    "explain",
    "get_backend",
    "get_num_threads",
    "info",
    "register_backend",
    "set_backend",
    "set_num_threads",
    "to_device",
    "to_host",
    "use_backend",
    "VerificationError",
    "verify",
    "warmup",
]

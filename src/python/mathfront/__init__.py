"""mathfront: one array-math API, swappable engines (NumPy, C++, CUDA).

>>> import mathfront as mf
>>> mf.mean(x)                      # runs on the fastest backend for x
>>> mf.add(a, b, backend="numpy")   # or pick one per call, per block, per process

Nothing heavy is imported here: backends load on first use.
"""

from . import _threadpoolctl
from ._api import FUNCTIONS as _FUNCTIONS
from ._dispatch import Explanation, explain, get_backend, set_backend, use_backend, verify
from ._errors import BackendUnavailableError, VerificationError
from ._registry import register as register_backend
from ._status import BackendStatus, backends, info, to_device, to_host
from ._threads import get_num_threads, set_num_threads
from ._transfer import (
    TransferError,
    TransferWarning,
    get_transfer_policy,
    set_transfer_policy,
    transfer_policy,
)
from ._warmup import warmup
from .backends.base import Backend
from .fuse import evaluate, fuse

__version__ = "0.1.0"

globals().update(_FUNCTIONS)

__all__ = [
    *_FUNCTIONS,
    "Backend",
    "BackendStatus",
    "BackendUnavailableError",
    "Explanation",
    "TransferError",
    "TransferWarning",
    "backends",
    "evaluate",
    "explain",
    "fuse",
    "get_backend",
    "get_num_threads",
    "get_transfer_policy",
    "info",
    "register_backend",
    "set_backend",
    "set_num_threads",
    "set_transfer_policy",
    "to_device",
    "to_host",
    "transfer_policy",
    "use_backend",
    "VerificationError",
    "verify",
    "warmup",
]

# threadpoolctl lists and limits the pool from the moment it is imported (or
# now, if it is): last, since registering loads the cpp backend.
_threadpoolctl.watch()

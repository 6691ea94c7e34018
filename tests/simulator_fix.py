"""A fix for the Numba CUDA simulator's shared memory, for the tests.

``cuda.shared.array`` in the simulator looks its array up by the caller's
source line and creates it when missing, without a lock: two threads of a
block that race through that check get different arrays, and the block's
tree reduction silently loses half its values (seen here about once in 2000
reductions). Real GPUs have no such problem; this makes the lookup atomic.
"""

from __future__ import annotations

import sys
import threading

import numpy as np


def make_shared_arrays_thread_safe() -> None:
    from numba.cuda.simulator.kernelapi import FakeCUDAShared
    from numba.np import numpy_support

    original = FakeCUDAShared.array
    lock = threading.Lock()

    def array(self, shape, dtype, alignment=None):
        if shape == 0 or alignment is not None:  # dynamic shared memory: no lookup to race
            return original(self, shape, dtype, alignment)
        caller = sys._getframe(1)
        key = (caller.f_code.co_filename, caller.f_lineno)
        with lock:
            found = self._allocations.get(key)
            if found is None:
                if not isinstance(dtype, np.dtype) and not isinstance(dtype, type):
                    dtype = numpy_support.as_dtype(dtype)
                found = self._allocations[key] = np.empty(shape, dtype)
        return found

    FakeCUDAShared.array = array

"""What a chunk task runs: one mathfront function, under the selection recorded
when the graph was built, on its share of the threads.

Tasks run later, in other threads or processes, where the builder's
``use_backend`` block or ``set_backend`` call does not exist: the selection is
written into the graph (``Kernel.backend``, ``Kernel.verify``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

import numpy as np

from .. import _selection, _threads


def recorded(backend) -> tuple[str, str | None]:
    """The selection in effect for a call with ``backend=backend``: its name and verify mode.

    Raises now what the call would raise (an unknown or unavailable backend)."""
    selection = _selection.for_call(backend)
    selection.check()
    _selection.require_available(selection.name)
    return selection.name, selection.verify


def _omp_threads() -> int | None:
    try:
        n = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return None
    return n if n >= 1 else None


def task_threads() -> int | None:
    """Threads one chunk task may use here; None: no limit (it computes alone).

    - In a distributed worker: ``OMP_NUM_THREADS`` (distributed sets it to 1 in
      the workers it spawns), else the CPUs shared among the worker's threads.
    - In a thread of dask's threaded scheduler (any thread but the main one):
      mathfront's threads shared among the scheduler's workers, which run
      tasks at once in this process.
    - In the main thread (the synchronous scheduler): every thread.
    """
    distributed = sys.modules.get("distributed")
    if distributed is not None:
        try:
            worker = distributed.get_worker()
        except ValueError:  # not in a worker
            worker = None
        if worker is not None:
            return _omp_threads() or max(1, _threads.available_cpus() // worker.state.nthreads)
    if threading.current_thread() is threading.main_thread():
        return None
    import dask
    from dask.system import CPU_COUNT

    workers = dask.config.get("num_workers", None) or CPU_COUNT
    return max(1, _threads.get_num_threads() // workers)


def host(result):
    """Chunks are arrays: a 0-d host result (a NumPy scalar) as a 0-d array."""
    return np.asarray(result) if isinstance(result, np.generic) else result


class Kernel:
    """``mathfront.<name>(*arrays, **fixed, **keywords)`` under the recorded selection.

    Picklable (a name and plain values), so distributed ships it to workers;
    dask's tokenizer reads ``__dask_tokenize__``.
    """

    def __init__(self, name: str, backend: str, verify: str | None = None, **fixed):
        self.name = name
        self.__name__ = f"mathfront.{name}"  # dask names layers and tasks after it
        self.backend = backend
        self.verify = verify
        self.fixed = fixed

    @contextlib.contextmanager
    def running(self):
        """The task's context: its share of the threads, and verify mode if recorded."""
        with contextlib.ExitStack() as stack:
            n = task_threads()
            if n is not None:
                stack.enter_context(_threads.limit_threads(n))
            if self.verify is not None:
                stack.enter_context(_selection.verify(self.verify))
            yield

    def __call__(self, *arrays, **keywords):
        from .._api import FUNCTIONS

        with self.running():
            return host(FUNCTIONS[self.name](*arrays, **self.fixed, **keywords,
                                             backend=self.backend))

    def __dask_tokenize__(self):
        return (type(self).__name__, self.name, self.backend, self.verify,
                sorted(self.fixed.items(), key=lambda kv: kv[0]))

    def __repr__(self):
        return f"<mathfront chunk kernel {self.name} on {self.backend!r}>"

"""How many threads compiled kernels may use: one process-wide setting.

Until the cpp backend is loaded the setting lives here; from then on it is the
size of the extension's thread pool itself, which C callers and threadpoolctl
(``mf_set_num_threads``, see _threadpoolctl.py) may change as well. A thread
may use its own count instead for a while (``limit_threads``).
"""

from __future__ import annotations

import contextlib
import operator
import os
import sys
import warnings

from . import _registry

ENV_VAR = "MATHFRONT_NUM_THREADS"

_num_threads: int | None = None


def _check(n, source: str) -> int:
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{source} must be an integer, got {n!r}") from None
    if n < 1:
        raise ValueError(f"{source} must be at least 1, got {n}")
    return n


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _default() -> int:
    """``MATHFRONT_NUM_THREADS``, or the CPUs available when it is unset or not a count.

    A bad value warns (once: the result is kept) rather than raises: the
    thread count changes how fast, never what, the kernels compute, and
    ``python -m mathfront info`` must still run (docs/DECISIONS.md).
    """
    value = os.environ.get(ENV_VAR, "").strip()
    cpus = available_cpus()
    if not value:
        return cpus
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n >= 1:
        return n
    warnings.warn(f"{ENV_VAR}={value!r} is not a thread count: set it to a whole number "
                  f"of at least 1, or leave it unset; using {cpus}, the CPUs available",
                  RuntimeWarning, stacklevel=3)
    return cpus


def _pool():
    """The extension whose thread pool the cpp backend has sized, or None before then."""
    for backend in _registry.loaded():
        if backend.name == "cpp" and backend.unavailable_reason() is None:
            return sys.modules.get("mathfront._cpp")
    return None


def get_num_threads() -> int:
    """Threads the compiled backends use (``MATHFRONT_NUM_THREADS`` or the CPUs available).

    Inside ``limit_threads(n)``, ``n``: the count kernels called from this thread use.
    """
    global _num_threads
    pool = _pool()
    if pool is not None:
        return pool.get_num_threads()
    if _num_threads is None:
        _num_threads = _default()
    return _num_threads


def set_num_threads(n: int) -> None:
    """Let compiled kernels use ``n`` threads from now on (process-wide)."""
    global _num_threads
    _num_threads = _check(n, "the number of threads")
    for backend in _registry.loaded():
        backend.num_threads_changed(_num_threads)


def limit_threads(n: int):
    """A context manager in which kernels called from this thread use ``n`` threads.

    Private, for the Dask layer: chunk tasks running at once in one process each
    take their share, where ``set_num_threads`` would race between them. The
    limit is per OS thread (not per context, unlike ``use_backend``), replaces the
    process-wide count in this thread only, and the previous limit comes back on
    exit, so blocks nest. It loads the cpp backend (a fresh worker process may
    not have yet); without it there is no pool to limit, and the block does nothing.
    """
    return _limited(_check(n, "the thread limit"))


@contextlib.contextmanager
def _limited(n: int):
    _registry.get("cpp")
    pool = _pool()
    if pool is None:
        yield
        return
    previous = pool.exchange_thread_limit(n)
    try:
        yield
    finally:
        pool.exchange_thread_limit(previous)

"""A thread's own thread count (mathfront._threads.limit_threads, for Dask's threaded
scheduler): it holds for that thread only, nests, leaves the process-wide count (and the
C ABI's view of it) alone, and kernels follow it."""

import ctypes
import os
import subprocess
import sys
import threading

import mathfront as mf
import numpy as np
import pytest
from mathfront._threads import limit_threads

if not {s.name: s for s in mf.backends()}["cpp"].available:
    pytest.skip("the limit is the cpp backend's pool's", allow_module_level=True)

from mathfront import _cpp

N = 1 << 21  # 16 MB of float64: well above the size at which kernels thread


@pytest.fixture
def process_threads():
    """Sets the process-wide count to 3 (so that it differs from the limits used)."""
    saved = mf.get_num_threads()
    mf.set_num_threads(3)
    yield 3
    mf.set_num_threads(saved)


def run_python(code, **env):
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_limit_is_the_calling_threads_only(process_threads):
    inside, leave = threading.Event(), threading.Event()
    seen = {}

    def limited():
        with limit_threads(1):
            seen["limited"] = mf.get_num_threads()
            inside.set()
            leave.wait(60)

    t = threading.Thread(target=limited)
    t.start()
    try:
        assert inside.wait(60)
        seen["other"] = mf.get_num_threads()  # while the limited thread is in its block
    finally:
        leave.set()
        t.join()
    assert seen == {"limited": 1, "other": process_threads}


def test_blocks_nest_and_restore_also_on_exceptions(process_threads):
    with limit_threads(2):
        assert mf.get_num_threads() == 2
        with limit_threads(1):
            assert mf.get_num_threads() == 1
        assert mf.get_num_threads() == 2
        with pytest.raises(KeyError), limit_threads(4):
            assert mf.get_num_threads() == 4
            raise KeyError
        assert mf.get_num_threads() == 2
    assert mf.get_num_threads() == process_threads


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-2, ValueError),
                                        (1.5, TypeError), ("2", TypeError), (None, TypeError)])
def test_bad_limits_raise_before_anything_changes(process_threads, bad, error):
    with limit_threads(2):
        with pytest.raises(error, match="the thread limit must be"):
            limit_threads(bad)  # at the call, not at `with`
        assert mf.get_num_threads() == 2
    assert mf.get_num_threads() == process_threads


def test_the_c_abi_and_threadpoolctl_see_the_process_count(process_threads):
    """mf_get/set_num_threads read and write the pool's count inside a block, so that
    threadpoolctl, which restores what it read, puts back the process count."""
    lib = ctypes.CDLL(_cpp.__file__)
    with limit_threads(1):
        assert lib.mf_get_num_threads() == process_threads
        assert lib.mf_set_num_threads(2) == process_threads
        assert mf.get_num_threads() == 1  # still this thread's own
        assert lib.mf_get_num_threads() == 2
        lib.mf_set_num_threads(process_threads)
        threadpoolctl = pytest.importorskip("threadpoolctl", minversion="3.3")
        with threadpoolctl.threadpool_limits(2):
            assert lib.mf_get_num_threads() == 2 and mf.get_num_threads() == 1
        assert lib.mf_get_num_threads() == process_threads
    assert mf.get_num_threads() == process_threads


def test_the_binding_clears_below_one():
    assert _cpp.exchange_thread_limit(5) == 0
    assert _cpp.exchange_thread_limit(-1) == 5
    assert _cpp.exchange_thread_limit(0) == 0


CASES = {
    "add": (lambda a, b: mf.add(a, b, backend="cpp"), np.add),
    "exp": (lambda a, b: mf.exp(a, backend="cpp"), lambda a, b: np.exp(a)),
    "where": (lambda a, b: mf.where(a > b, a, b, backend="cpp"),
              lambda a, b: np.where(a > b, a, b)),
    "sum": (lambda a, b: mf.sum(a, backend="cpp"), lambda a, b: np.sum(a)),
    "var": (lambda a, b: mf.var(a, backend="cpp"), lambda a, b: np.var(a)),
    "sum_axis0": (lambda a, b: mf.sum(a.reshape(1024, -1), axis=0, backend="cpp"),
                  lambda a, b: np.sum(a.reshape(1024, -1), axis=0)),
    "cumulative_sum": (lambda a, b: mf.cumulative_sum(a, backend="cpp"),
                       lambda a, b: np.cumsum(a)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_threads_with_their_own_limits_at_once_match_numpy(process_threads, name):
    """Four threads, limits 1 to 4, call the kernel at once (as Dask's chunk tasks do)."""
    got_fn, want_fn = CASES[name]
    rng = np.random.default_rng(15)
    a, b = rng.standard_normal(N), rng.standard_normal(N)
    want = want_fn(a, b)
    start = threading.Barrier(4)
    results = {}

    def task(limit):
        with limit_threads(limit):
            start.wait(60)
            results[limit] = (mf.get_num_threads(), [got_fn(a, b) for _ in range(3)])

    threads = [threading.Thread(target=task, args=(n,)) for n in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [1, 2, 3, 4]
    for limit, (seen, values) in results.items():
        assert seen == limit
        for got in values:
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-8 * np.sqrt(N))
    # Work is cut by shape, not by thread count (DECISIONS.md): the same bits.
    assert all(np.array_equal(v, results[1][1][0]) for _, vs in results.values() for v in vs)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_kernels_use_as_many_threads_as_the_limit_in_a_fresh_process():
    """The pool grows only as far as a call needs, so its new threads show what a kernel
    used: limit 2 under a process count of 3 adds 1 worker; the process count, 2; limit 5
    under a process count of 1, 4 (the limit replaces the count, it does not cap it)."""
    code = (
        "import os, sys, numpy as np, mathfront as mf\n"
        "from mathfront._threads import limit_threads\n"
        "tasks = lambda: len(os.listdir('/proc/self/task'))\n"
        "x = np.ones(1 << 22)\n"
        "print('mathfront._cpp' in sys.modules)\n"
        "with limit_threads(2):\n"
        "    print('mathfront._cpp' in sys.modules, mf.get_num_threads())\n"
        "    before = tasks(); mf.add(x, x, backend='cpp'); print(tasks() - before)\n"
        "mf.add(x, x, backend='cpp'); print(tasks() - before)\n"
        "mf.set_num_threads(1)\n"
        "with limit_threads(5):\n"
        "    mf.add(x, x, backend='cpp'); print(tasks() - before)\n"
        "print(mf.get_num_threads())\n")
    out = run_python(code, MATHFRONT_NUM_THREADS="3", OPENBLAS_NUM_THREADS="1")
    assert out == ["False", "True", "2", "1", "2", "4", "1"]


def test_without_the_cpp_backend_the_block_does_nothing():
    code = ("import warnings, numpy as np, mathfront as mf\n"
            "from mathfront._threads import limit_threads\n"
            "warnings.simplefilter('ignore')\n"
            "with limit_threads(1):\n"
            "    print(mf.get_num_threads(), mf.sum(np.arange(5.0)))\n"
            "print(mf.get_num_threads(), {b.name: b.available for b in mf.backends()}['cpp'])\n")
    out = run_python(code, MATHFRONT_NUM_THREADS="3", MATHFRONT_CPU_LEVEL="no-such-level")
    assert out == ["3", "10.0", "3", "False"]

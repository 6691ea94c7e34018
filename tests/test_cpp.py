"""What only the compiled backend has: accuracy on long inputs, threads, fork,
SIMD levels, the released GIL, and its agreement with the op table."""

import math
import os
import subprocess
import sys
import threading
import time
import warnings

import mathfront as mf
import numpy as np
import pytest
from mathfront._ops import OPS
from support import assert_matches

pytestmark = pytest.mark.skipif(
    not {s.name: s.available for s in mf.backends()}["cpp"], reason="cpp is not built"
)


def run_python(code, **env):
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def threads():
    saved = mf.get_num_threads()
    yield mf.set_num_threads
    mf.set_num_threads(saved)


# --- accuracy ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shifted_uniform():
    """1e7 float32 values from U[0,1) + 1000: naive float32 accumulators fail on them."""
    return (np.random.default_rng(7).random(10**7) + 1000).astype(np.float32)


def test_float32_sum_is_accurate(shifted_uniform):
    exact = math.fsum(shifted_uniform.astype(np.float64))
    got = mf.sum(shifted_uniform, backend="cpp")
    assert got.dtype == np.float32
    assert abs(float(got) - exact) / exact < 1e-7


def test_float32_variance_is_stable(shifted_uniform):
    x = shifted_uniform.astype(np.float64)
    mean = math.fsum(x) / x.size
    exact = math.fsum((x - mean) ** 2) / x.size
    got = mf.var(shifted_uniform, backend="cpp")
    assert got.dtype == np.float32
    assert abs(float(got) - exact) / exact < 1e-5
    std = float(mf.std(shifted_uniform, backend="cpp"))
    assert abs(std - math.sqrt(exact)) / math.sqrt(exact) < 1e-5


def test_results_do_not_depend_on_the_thread_count(threads):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((300, 7001))
    calls = [
        lambda: mf.sum(x, backend="cpp"), lambda: mf.var(x, backend="cpp"),
        lambda: mf.sum(x, axis=0, backend="cpp"), lambda: mf.mean(x, axis=1, backend="cpp"),
        lambda: mf.dot(x[0], x[1], backend="cpp"), lambda: mf.argmax(x, backend="cpp"),
    ]
    threads(1)
    one = [np.asarray(c()) for c in calls]
    threads(2)
    two = [np.asarray(c()) for c in calls]
    for a, b in zip(one, two, strict=True):
        assert a.tobytes() == b.tobytes()


# --- threads and processes -------------------------------------------------------------

def test_many_python_threads_at_once(threads):
    threads(2)
    rng = np.random.default_rng(5)
    inputs = [rng.random(200_000 + 1_000 * i) for i in range(8)]
    results, errors = [None] * 8, []
    start = threading.Barrier(8)

    def work(i):
        try:
            start.wait()
            x = inputs[i]
            for _ in range(5):
                results[i] = (mf.add(x, i, backend="cpp"), mf.sum(x, backend="cpp"),
                              mf.exp(x, backend="cpp"), mf.argmax(x, backend="cpp"))
        except Exception as e:  # surfaced below
            errors.append(e)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    for i, (added, total, exp, arg) in enumerate(results):
        x = inputs[i]
        assert_matches(added, np.add(x, i), what=f"thread {i} add")
        assert abs(total - x.sum()) <= 1e-12 * x.size
        np.testing.assert_allclose(exp, np.exp(x), rtol=1e-15)
        assert arg == np.argmax(x)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_pool_works_after_fork(threads):
    threads(2)
    x = np.random.default_rng(1).random(4_000_000)
    expected = float(mf.sum(x, backend="cpp"))  # the pool has run in the parent
    pid = os.fork()
    if pid == 0:  # the child: the pool must start afresh, not wait on the parent's workers
        ok = float(mf.sum(x, backend="cpp")) == expected
        ok &= bool(np.array_equal(mf.multiply(x, 2.0, backend="cpp"), x * 2.0))
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert float(mf.sum(x, backend="cpp")) == expected  # and the parent's still works


def test_gil_is_released_while_a_kernel_runs(threads):
    threads(1)
    x = np.random.default_rng(2).random(4_000_000)
    window = []

    def kernel():
        start = time.perf_counter()
        for _ in range(5):
            mf.sin(x, backend="cpp")
        window.extend([start, time.perf_counter()])

    ticks = []
    worker = threading.Thread(target=kernel)
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    start, end = window
    # Had the kernel held the GIL, this thread could not have run Python inside it.
    inside = [t for t in ticks if start < t < end]
    assert len(inside) > 100


# --- SIMD levels ---------------------------------------------------------------------------

LEVELS = ("baseline", "avx2", "avx512")


def test_cpu_level_can_be_lowered_not_raised():
    import json

    best = {b["name"]: b for b in mf.info()["backends"]}["cpp"]["best_simd_level"]
    script = (
        "import mathfront as mf, numpy as np, json\n"
        "c = {b['name']: b for b in mf.info()['backends']}['cpp']\n"
        "total = float(mf.sum(np.arange(1e5), backend='cpp')) if c['available'] else None\n"
        "print(json.dumps([c.get('simd_level'), c['reason'], total]))"
    )
    for level in LEVELS:
        used, reason, total = json.loads(run_python(script, MATHFRONT_CPU_LEVEL=level))
        if LEVELS.index(level) <= LEVELS.index(best):
            assert used == level and reason is None and total == 4999950000.0
        else:
            assert used is None and f"MATHFRONT_CPU_LEVEL='{level}'" in reason
    used, reason, _ = json.loads(run_python(script, MATHFRONT_CPU_LEVEL="sse9"))
    assert "unknown CPU level" in reason


# --- NumPy's warnings, unusual memory, the op table ----------------------------------------

@pytest.mark.parametrize("call", [
    lambda b: mf.mean(np.ones(0), backend=b),
    lambda b: mf.nanmean(np.array([np.nan]), backend=b),
    lambda b: mf.nanmin(np.array([np.nan, np.nan]), backend=b),
    lambda b: mf.var(np.ones(1), ddof=1, backend=b),
    lambda b: mf.nanvar(np.array([np.nan, 1.0]), ddof=1, backend=b),
])
def test_warns_where_numpy_warns(call):
    for backend in ("numpy", "cpp"):
        with pytest.warns(RuntimeWarning):
            call(backend)


def test_no_warning_where_numpy_has_none():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mf.mean(np.ones(3), backend="cpp")
        mf.nanmin(np.array([np.nan, 1.0]), backend="cpp")


def test_unaligned_and_byte_swapped_inputs():
    raw = bytearray(8 * 1000 + 1)
    unaligned = np.frombuffer(raw, dtype=np.float64, offset=1, count=1000)
    unaligned[:] = np.arange(1000.0)
    assert not unaligned.flags.aligned
    swapped = np.arange(1000.0).astype(">f8")
    for x in (unaligned, swapped):
        assert_matches(mf.add(x, x, backend="cpp"), np.add(x, x), what="add")
        assert_matches(mf.sum(x, backend="cpp"), np.sum(x), what="sum")
        assert_matches(mf.exp(x[:10], backend="cpp"), np.exp(x[:10]), rtol=1e-15, what="exp")


def test_every_op_has_a_cpp_kernel_for_each_dtype_its_row_lists_at_every_level():
    """Levels above the baseline compile float math only: their other slots are the
    baseline's (dispatch.cpp), so every level covers the row's dtypes exactly."""
    from mathfront import _cpp

    levels = ("baseline", "avx2", "avx512")
    active = _cpp.active_level()
    # (composites have no kernel of their own: they are made of other ops' kernels)
    kernels = [op for op in OPS if op.kind != "composite"]
    try:
        for level in levels[:levels.index(_cpp.best_level()) + 1]:
            _cpp.select_level(level)
            supported = _cpp.supported()
            assert set(supported) == {op.name for op in kernels}, level
            for op in kernels:
                assert supported[op.name] == op.dtypes, (level, op.name)
    finally:
        _cpp.select_level(active)


def test_auto_prefers_cpp_for_its_dtypes():
    x = np.ones(10)
    assert mf.explain(mf.add, x, x).backend == "cpp"
    assert mf.explain(mf.var, x.astype(np.int32)).backend == "cpp"
    assert mf.explain(mf.add, x.astype(np.float16), 1).backend == "numpy"

"""Choosing the backend: precedence, isolation, explain, registration, threads."""

import asyncio
import subprocess
import sys
import textwrap
import threading

import mathfront as mf
import numpy as np
import pytest
from mathfront import _registry, _selection
from mathfront.backends.numpy_backend import NUMERIC_DTYPES


class Spy(mf.Backend):
    """A backend that records which ops ran on it and lets NumPy compute them."""

    keywords = _registry.get("numpy").keywords  # it passes them all on to NumPy

    def __init__(self, name, priority=0, reason=None):
        self.name = name
        self.priority = priority
        self.reason = reason
        self.calls = []

    def unavailable_reason(self):
        return self.reason

    def dtypes(self, op):
        return NUMERIC_DTYPES

    def kernel(self, op):
        reference = _registry.get("numpy").kernel(op)

        def kernel(*args):
            self.calls.append(op.name)
            return reference(*args)

        return kernel


@pytest.fixture
def spies():
    """Two registered spies, removed again afterwards."""
    saved = dict(_registry._loaded)
    a, b = mf.register_backend(Spy("spy_a")), mf.register_backend(Spy("spy_b"))
    yield a, b
    _registry._loaded.clear()
    _registry._loaded.update(saved)
    _selection.invalidate()
    mf.set_backend(None)


def run_python(code: str, **env) -> str:
    import os

    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


X = np.arange(4.0)


def test_call_beats_context_beats_process_default(spies):
    a, b = spies
    mf.set_backend("spy_a")
    mf.add(X, X)
    assert a.calls == ["add"] and mf.get_backend() == "spy_a"
    with mf.use_backend("spy_b"):
        assert mf.get_backend() == "spy_b"
        mf.add(X, X)
        mf.sum(X, backend="spy_a")
        with mf.use_backend("spy_a"):  # the innermost block wins
            mf.mean(X)
        mf.max(X)
    assert b.calls == ["add", "max"]
    assert a.calls == ["add", "sum", "mean"]
    mf.set_backend(None)
    assert mf.get_backend() == "auto"


def test_environment_variable_is_the_default_below_set_backend():
    out = run_python("""
        import mathfront as mf, numpy as np
        print(mf.get_backend())
        print(mf.explain(mf.add, np.ones(2), np.ones(2)))
        mf.set_backend("auto")
        print(mf.get_backend())
    """, MATHFRONT_BACKEND="numpy")
    first, explained, after = out.splitlines()
    assert first == "numpy"
    assert explained.startswith("numpy: MATHFRONT_BACKEND selects it")
    assert after == "auto"


def test_bad_environment_variable_fails_the_call_not_the_import():
    out = run_python("""
        import mathfront as mf, numpy as np
        try:
            mf.add(np.ones(2), 1)
        except ValueError as e:
            print(e)
    """, MATHFRONT_BACKEND="fortran")
    assert "MATHFRONT_BACKEND='fortran'" in out and "'numpy'" in out


def test_use_backend_is_per_thread(spies):
    a, _ = spies
    seen = {}
    ready, release = threading.Barrier(3), threading.Event()

    def worker(name):
        with mf.use_backend(name):
            ready.wait()
            release.wait()
            seen[name] = mf.get_backend()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("spy_a", "spy_b")]
    for t in threads:
        t.start()
    ready.wait()  # both threads are inside their blocks now
    assert mf.get_backend() == "auto"  # this thread is not
    release.set()
    for t in threads:
        t.join()
    assert seen == {"spy_a": "spy_a", "spy_b": "spy_b"}
    assert a.calls == []


def test_use_backend_is_per_asyncio_task(spies):
    async def task(name, started, other_started):
        with mf.use_backend(name):
            started.set()
            await other_started.wait()  # interleave with the other task
            return mf.get_backend()

    async def main():
        e1, e2 = asyncio.Event(), asyncio.Event()
        results = await asyncio.gather(task("spy_a", e1, e2), task("spy_b", e2, e1))
        return results, mf.get_backend()

    assert asyncio.run(main()) == (["spy_a", "spy_b"], "auto")


def test_explain_says_which_and_why_without_running(spies):
    a, _ = spies
    e = mf.explain(mf.add, X, X, backend="spy_a")
    assert e.backend == "spy_a" and "backend='spy_a' on the call" in e.reason
    with mf.use_backend("spy_a"):
        assert "use_backend('spy_a')" in mf.explain(mf.sum, X).reason
    assert a.calls == []
    auto = mf.explain(mf.add, X.astype(np.float16), 1.0)
    assert auto.backend == "numpy" and "auto" in auto.reason and "float16" in auto.reason
    assert str(auto).startswith("numpy: ")


def test_explain_reports_what_would_fail():
    unavailable = Spy("spy_gone", reason="its library is missing")
    saved = dict(_registry._loaded)
    try:
        mf.register_backend(unavailable)
        e = mf.explain(mf.add, X, X, backend="spy_gone")
        assert "BackendUnavailableError" in e.reason and "its library is missing" in e.reason
        if mf.explain(mf.add, X, X, backend="cpp").backend == "cpp":
            e = mf.explain(mf.add, X.astype(complex), 1, backend="cpp")
            assert "TypeError" in e.reason
    finally:
        _registry._loaded.clear()
        _registry._loaded.update(saved)
        _selection.invalidate()
    with pytest.raises(TypeError, match="mathfront function"):
        mf.explain(np.add, X, X)
    with pytest.raises(TypeError, match="missing a required argument: 'x2'"):
        mf.explain(mf.add, X)
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        mf.explain(mf.add, X, X, axis=0)
    # Bound as the function binds its arguments: out by position, a reduction's axis too.
    assert mf.explain(mf.add, X, X, np.empty_like(X)).backend is not None
    assert mf.explain(mf.sum, X.reshape(2, -1), 0, where=True).backend is not None


def test_auto_prefers_the_highest_priority_capable_backend(spies):
    saved = dict(_registry._loaded)
    try:
        fast = mf.register_backend(Spy("spy_fast", priority=100))
        mf.add(X, X)
        assert fast.calls == ["add"]
        assert mf.explain(mf.add, X, X).backend == "spy_fast"
    finally:
        _registry._loaded.clear()
        _registry._loaded.update(saved)
        _selection.invalidate()


def test_auto_sends_subclasses_to_numpy_protocols():
    m = np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    result = mf.add(m, 1.0)
    assert isinstance(result, np.ma.MaskedArray)
    assert result.mask.tolist() == [False, True, False]
    assert mf.explain(mf.add, m, 1.0).backend == "numpy"


def test_auto_caches_its_choice_per_signature_but_not_for_lists():
    assert mf.add(X.astype(np.float16), 1).dtype == np.float16
    assert mf.add([1, 2], [3, 4]).tolist() == [4, 6]
    assert mf.add([1.5], [2]).tolist() == [3.5]


def test_register_backend_validates():
    with pytest.raises(ValueError, match="already registered"):
        mf.register_backend(Spy("numpy"))
    with pytest.raises(ValueError, match="other than 'auto'"):
        mf.register_backend(Spy("auto"))
    with pytest.raises(TypeError, match=r"mathfront\.Backend"):
        mf.register_backend(object())


def test_entry_point_backends_are_found(tmp_path):
    (tmp_path / "mf_plugin.py").write_text(textwrap.dedent("""
        import mathfront as mf
        from mathfront import _registry
        class Plugin(mf.Backend):
            name = "plugin"
            def dtypes(self, op):
                return ("float64",)
            def kernel(self, op):
                return _registry.get("numpy").kernel(op)
        def broken():
            raise ImportError("libplugin.so not found")
    """))
    dist = tmp_path / "mf_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mf-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[mathfront.backends]\nplugin = mf_plugin:Plugin\nbroken = mf_plugin:broken\n")
    out = run_python("""
        import mathfront as mf, numpy as np
        print(mf.add(np.ones(2), 1.0, backend="plugin").tolist())
        status = {s.name: s for s in mf.backends()}
        print(status["plugin"].available, status["broken"].available)
        print(status["broken"].reason)
    """, PYTHONPATH=str(tmp_path))
    values, flags, reason = out.splitlines()
    assert values == "[2.0, 2.0]"
    assert flags == "True False"
    assert "libplugin.so not found" in reason


def test_backends_lists_each_with_why_not():
    status = {s.name: s for s in mf.backends()}
    assert {"numpy", "cpp", "cuda"} <= set(status)
    assert status["numpy"].available and status["numpy"].reason is None
    for s in status.values():
        assert s.available == (s.reason is None)
        assert s.device in ("cpu", "cuda")


def test_threads_setting():
    n = mf.get_num_threads()
    assert n >= 1
    try:
        mf.set_num_threads(1)
        assert mf.get_num_threads() == 1
        assert {s.name: s.threads for s in mf.backends()}.get("cpp") in (1, None)
    finally:
        mf.set_num_threads(n)
    with pytest.raises(ValueError, match="at least 1"):
        mf.set_num_threads(0)
    with pytest.raises(TypeError, match="integer"):
        mf.set_num_threads(1.5)


def test_threads_environment_variable():
    assert run_python("import mathfront as mf; print(mf.get_num_threads())",
                      MATHFRONT_NUM_THREADS="3") == "3"
    out = run_python("""
        import os, warnings, mathfront as mf
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            print(mf.get_num_threads() == len(os.sched_getaffinity(0)), mf.get_num_threads())
        print(caught[0].message, len(caught))
    """, MATHFRONT_NUM_THREADS="many")
    first, warned = out.splitlines()
    assert first.startswith("True ")  # a bad value: the CPUs available, as if unset
    assert warned.startswith("MATHFRONT_NUM_THREADS='many' is not a thread count")
    assert warned.endswith(" 1")  # once


def test_warmup_prepares_requested_pairs():
    done = mf.warmup(["add", mf.sum], ["float64", "int32"], backend="numpy")
    assert ("add", "float64") in done and ("sum", "int32") in done
    with pytest.raises(ValueError, match="unknown op"):
        mf.warmup(["frobnicate"])


def test_host_data_movement_without_a_gpu():
    assert mf.to_host(X) is X
    if not {s.name: s for s in mf.backends()}["cuda"].available:
        with pytest.raises(mf.BackendUnavailableError):
            mf.to_device(X)


def test_a_call_the_c_entry_refuses_enters_c_twice_at_most():
    """Py -> C (refuses) -> Py (validates, converts) -> C (strict), under auto and cpp alike."""
    from mathfront.backends.cpp_backend import CppBackend

    if not {s.name: s.available for s in mf.backends()}["cpp"]:
        pytest.skip("the cpp backend is not available")
    trace = []

    class Traced(CppBackend):
        def entry(self, op, refused):
            c_entry = super().entry(op, refused)
            return lambda *args: trace.append("C") or c_entry(*args)

        def converting_kernel(self, op):
            convert = super().converting_kernel(op)
            return lambda *args: trace.append("Py") or convert(*args)

    saved = dict(_registry._loaded)
    try:
        mf.register_backend(Traced(), replace=True)
        for backend in (None, "cpp"):
            for refused in ([X, X.astype(np.float32)], [X, X[::-1].astype(">f8")]):
                trace.clear()
                assert mf.add(*refused, backend=backend).tolist() == np.add(*refused).tolist()
                assert trace == ["C", "Py", "C"], (backend, trace)
            # Lists and NumPy scalars the C entry converts itself, as NumPy reads them.
            for taken in ([X, X], [[[1.0, 2.0], [3.0, 4.0]], 1.0], [np.float64(2), X]):
                trace.clear()
                assert mf.add(*taken, backend=backend).tolist() == np.add(*taken).tolist()
                assert trace == ["C"], (backend, trace)
    finally:
        _registry._loaded.clear()
        _registry._loaded.update(saved)
        _selection.invalidate()


def test_a_backend_implements_dtypes_and_kernel_and_nothing_of_auto():
    assert not hasattr(mf.Backend, "fast_path")
    assert mf.Backend.__abstractmethods__ == {"dtypes", "kernel"}


def test_kernels_receive_protocol_1_keywords_and_later_ones_only_if_declared():
    from mathfront import _keywords
    from mathfront._ops import BY_NAME

    received = []

    class Plain(mf.Backend):
        """A protocol-1 engine: plain calls only, computed by NumPy."""

        name = "plain"

        def dtypes(self, op):
            return NUMERIC_DTYPES

        def kernel(self, op):
            def kernel(x, axis, keepdims, out, *extra):
                received.append((axis, keepdims, out, *extra))
                assert out is None or out.dtype == np.result_type(x)  # exact, or none
                return op.reference(x, axis=axis, keepdims=keepdims, out=out)

            return kernel

    class Declares(Plain):
        keywords = frozenset({"initial"})

        def kernel(self, op):
            def kernel(x, axis, keepdims, out, initial):
                received.append((axis, keepdims, out, initial))
                return np.max(x, axis=axis, initial=initial)

            return kernel

    op = BY_NAME["max"]
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    plain = _keywords.adapt(op, Plain(), Plain().kernel(op))
    # initial= and where= computed above the engine, on plain calls.
    assert plain(x, None, False, None, 5.0, True) == 5.0
    assert plain(x, 1, False, None, 2.5, np.array([True, False])).tolist() == [2.5, 3.0]
    out = np.empty(2, np.float32)  # another dtype: the engine gets none, mathfront casts
    assert plain(x, 0, False, out, 0.0, True) is out and out.tolist() == [3.0, 4.0]
    assert received and all(len(call) == 3 and call[2] is None for call in received)
    received.clear()

    declares = Declares()
    kernel = declares.kernel(op)
    adapted = _keywords.adapt(op, declares, kernel)
    assert adapted is not kernel  # where= is still mathfront's
    assert adapted(x, None, False, None, 5.0, True) == 5.0
    assert received == [(None, False, None, 5.0)]

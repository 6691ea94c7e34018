"""The transfer policy: implicit host/device copies allowed, warned about or refused.

The policy's own rules (names, precedence, threads, tasks, the environment
variable, what is exempt, the messages) are checked without a GPU, through
``mathfront._transfer.check`` as any device backend calls it. The cuda
backend's use of it runs on the Numba CUDA simulator (NUMBA_ENABLE_CUDASIM=1)
or a GPU, and is skipped without either. Expected shapes and byte counts come
from NumPy, never from mathfront.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import warnings

import mathfront as mf
import numpy as np
import pytest
from mathfront import _transfer

ENV = "MATHFRONT_TRANSFER"
CUDA = {s.name: s for s in mf.backends()}["cuda"].available
needs_cuda = pytest.mark.skipif(
    not CUDA, reason="no GPU and no simulator (NUMBA_ENABLE_CUDASIM=1)")
SENTINEL = 7.0


@pytest.fixture(autouse=True)
def clean_policy(monkeypatch):
    """Each test starts from the default: no variable, no process-wide choice."""
    monkeypatch.delenv(ENV, raising=False)
    mf.set_transfer_policy(None)
    yield
    mf.set_transfer_policy(None)


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300)


def described(what: str, a, where: str) -> str:
    """How a message names one copy of ``a``: shape as NumPy prints it, bytes by NumPy."""
    shape = "(" + ",".join(map(str, a.shape)) + ("," if a.ndim == 1 else "") + ")"
    return f"{what} (shape {shape}, {a.nbytes} bytes) to the {where}"


# --- the policy itself (no GPU needed) -----------------------------------------------------


def test_public_names():
    for name in ("set_transfer_policy", "get_transfer_policy", "transfer_policy",
                 "TransferError", "TransferWarning"):
        assert name in mf.__all__ and hasattr(mf, name), name
    assert issubclass(mf.TransferError, TypeError)
    assert issubclass(mf.TransferWarning, UserWarning)


def test_default_is_allow():
    assert mf.get_transfer_policy() == "allow"


@pytest.mark.parametrize("bad", ["disallow", "log", "Error", ""])
def test_unknown_names_are_refused_listing_the_allowed_ones(bad):
    for attempt in (lambda: mf.set_transfer_policy(bad),
                    lambda: mf.transfer_policy(bad).__enter__()):
        with pytest.raises(ValueError, match=r"'allow', 'warn', 'error'") as e:
            attempt()
        assert repr(bad) in str(e.value)
    assert mf.get_transfer_policy() == "allow"  # nothing changed


def test_non_string_names_are_a_type_error():
    with pytest.raises(TypeError, match="must be a str"):
        mf.set_transfer_policy(True)


def test_precedence_context_then_process_then_environment(monkeypatch):
    monkeypatch.setenv(ENV, "warn")
    mf.set_transfer_policy(None)  # back to the environment, read again
    assert mf.get_transfer_policy() == "warn"
    mf.set_transfer_policy("error")
    assert mf.get_transfer_policy() == "error"
    with mf.transfer_policy("allow"):
        assert mf.get_transfer_policy() == "allow"
        with mf.transfer_policy("warn"):
            assert mf.get_transfer_policy() == "warn"
            mf.set_transfer_policy("allow")  # the block still wins
            assert mf.get_transfer_policy() == "warn"
        assert mf.get_transfer_policy() == "allow"
    assert mf.get_transfer_policy() == "allow"  # the process-wide choice made inside
    mf.set_transfer_policy(None)
    assert mf.get_transfer_policy() == "warn"


def test_the_block_is_restored_after_an_exception():
    with pytest.raises(KeyError), mf.transfer_policy("error"):
        raise KeyError
    assert mf.get_transfer_policy() == "allow"


def test_the_block_is_per_thread():
    seen = {}
    ready, release = threading.Barrier(3), threading.Event()

    def worker(name):
        with mf.transfer_policy(name):
            ready.wait()
            release.wait()
            seen[name] = mf.get_transfer_policy()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("warn", "error")]
    for t in threads:
        t.start()
    ready.wait()  # both threads are inside their blocks now
    try:
        assert mf.get_transfer_policy() == "allow"  # this thread is not
    finally:
        release.set()
        for t in threads:
            t.join()
    assert seen == {"warn": "warn", "error": "error"}


def test_the_block_is_per_asyncio_task():
    async def task(name, inside, other_inside):
        with mf.transfer_policy(name):
            inside.set()
            await other_inside.wait()  # the other task has entered its block meanwhile
            return mf.get_transfer_policy()

    async def main():
        a, b = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(task("warn", a, b), task("error", b, a))

    assert asyncio.run(main()) == ["warn", "error"]
    assert mf.get_transfer_policy() == "allow"


def test_a_bad_environment_value_names_the_variable(monkeypatch):
    monkeypatch.setenv(ENV, "strict")
    mf.set_transfer_policy(None)
    for _ in range(2):  # not remembered as if it were valid
        with pytest.raises(ValueError, match=r"MATHFRONT_TRANSFER='strict'.*'allow', 'warn'"):
            mf.get_transfer_policy()
    with pytest.raises(ValueError, match="MATHFRONT_TRANSFER"):
        _transfer.check("gpu", "add", [np.ones(3)])
    with mf.transfer_policy("warn"):  # a block does not need the variable
        assert mf.get_transfer_policy() == "warn"
    mf.set_transfer_policy("error")  # nor does a process-wide choice
    assert mf.get_transfer_policy() == "error"


def test_a_bad_environment_value_does_not_break_import():
    result = run_python("""
        import mathfront as mf, numpy as np
        print(mf.add(np.ones(2), 1.0).tolist())   # host backends: no transfer, no policy
        try:
            mf.get_transfer_policy()
        except ValueError as e:
            print("ValueError:", e)
    """, MATHFRONT_TRANSFER="never")
    assert result.returncode == 0, result.stderr
    assert "[2.0, 2.0]" in result.stdout
    assert "ValueError: MATHFRONT_TRANSFER='never'" in result.stdout


def test_the_environment_variable_sets_the_default():
    result = run_python("import mathfront as mf; print(mf.get_transfer_policy())",
                        MATHFRONT_TRANSFER=" error ")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "error"


def test_host_backends_never_transfer():
    x = np.arange(4.0)
    with mf.transfer_policy("error"), warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(mf.add(x, 1.0), x + 1.0)  # auto picks a host backend
        np.testing.assert_array_equal(mf.sqrt(x, backend="numpy"), np.sqrt(x))


# --- check(), as a device backend calls it -------------------------------------------------


def a_kernel(*operands, out=None, result=None):
    """Stands for a third-party device backend's kernel."""
    _transfer.check("gpu", "add", operands, out=out, result=result)


def test_check_names_every_copy_with_shape_and_bytes():
    x = np.ones((2, 3), np.float32)
    y = np.ones(5, np.int64)
    result = np.empty((2, 3), np.float64)
    with mf.transfer_policy("error"), pytest.raises(mf.TransferError) as e:
        a_kernel(x, 2.0, y, result=(result.shape, result.dtype))
    message = str(e.value)
    for part in ("mathfront.add", "'gpu'", described("operand 0", x, "device"),
                 described("operand 2", y, "device"), described("the result", result, "host"),
                 "mf.to_device", "mf.to_host", "'error'"):
        assert part in message, (part, message)
    assert "operand 1" not in message  # a Python scalar


def test_check_names_out_rather_than_the_result():
    out = np.empty(4, np.int32)
    with mf.transfer_policy("error"), pytest.raises(mf.TransferError) as e:
        a_kernel(1, np.int32(2), out=out)
    assert described("out", out, "host") in str(e.value)
    assert "operand" not in str(e.value) and "the result" not in str(e.value)


@pytest.mark.parametrize("operands", [
    (1.0, 2, True),
    (np.float64(2.0), np.int32(1)),
    (np.array(3.0), np.array(4, np.int8)),
], ids=["python-scalars", "numpy-scalars", "0-d-arrays"])
def test_check_exempts_scalars_0d_arrays_and_a_0d_result(operands):
    with mf.transfer_policy("error"):
        a_kernel(*operands, result=((), np.dtype(np.float64)))
        a_kernel(*operands, out=np.empty((), np.float64))
        a_kernel(*operands)  # a result left on the device


def test_check_warns_once_per_call_at_the_caller():
    x = np.ones(3)
    with mf.transfer_policy("warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        a_kernel(x, x, result=(x.shape, x.dtype))
    assert len(caught) == 1, [str(w.message) for w in caught]
    w = caught[0]
    assert w.category is mf.TransferWarning
    assert described("operand 0", x, "device") in str(w.message)
    assert described("operand 1", x, "device") in str(w.message)
    assert described("the result", x, "host") in str(w.message)
    assert (w.filename, w.lineno) == (__file__, line)


def test_check_under_allow_says_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a_kernel(np.ones(3), out=np.empty(3))


# --- the cuda backend ----------------------------------------------------------------------


@pytest.fixture
def copies(monkeypatch):
    """Every copy and device allocation the cuda backend makes, in order."""
    from mathfront.cuda_numba import api

    seen = []
    for name in ("to_device", "to_host", "empty"):
        original = getattr(api, name)

        def record(*args, _name=name, _original=original, **kwargs):
            seen.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(api, name, record)
    return seen


@needs_cuda
def test_allow_copies_as_today(copies):
    x = np.arange(6.0).reshape(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(mf.add(x, x, backend="cuda"), x + x)
    assert copies.count("to_device") == 2 and copies.count("to_host") == 1


@needs_cuda
@pytest.mark.parametrize("call", [
    lambda x, out: mf.add(x, x[0], backend="cuda"),
    lambda x, out: mf.sum(x, axis=0, backend="cuda"),
    lambda x, out: mf.negative(x, out=out, backend="cuda"),
    lambda x, out: mf.dot(x[0], x[1], backend="cuda"),
], ids=["add", "sum-axis", "out", "dot"])
def test_error_refuses_before_any_copy(copies, call):
    x = np.arange(6.0).reshape(2, 3)
    out = np.full((2, 3), SENTINEL)
    with mf.transfer_policy("error"), pytest.raises(mf.TransferError):
        call(x, out)
    assert copies == []  # nothing copied, nothing allocated on the device
    np.testing.assert_array_equal(out, SENTINEL)
    call(x, out)  # the same call is fine under allow (and the recorder sees it)
    assert "to_device" in copies and "to_host" in copies


@needs_cuda
def test_error_message_of_a_cuda_call():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    y = np.arange(4, dtype=np.float32)
    with mf.transfer_policy("error"), pytest.raises(mf.TransferError) as e:
        mf.multiply(x, y, backend="cuda")
    message = str(e.value)
    for part in ("mathfront.multiply", "'cuda'", described("operand 0", x, "device"),
                 described("operand 1", y, "device"),
                 described("the result", np.multiply(x, y), "host")):
        assert part in message, (part, message)
    with mf.transfer_policy("error"), pytest.raises(mf.TransferError) as e:
        mf.sum(x, axis=1, backend="cuda")
    assert described("the result", np.sum(x, axis=1), "host") in str(e.value)
    out = np.empty(3, np.int64)
    with mf.transfer_policy("error"), pytest.raises(mf.TransferError) as e:
        mf.sum(x, axis=1, out=out, backend="cuda")
    assert described("out", out, "host") in str(e.value)
    assert "the result" not in str(e.value)
    with mf.transfer_policy("error"), pytest.raises(mf.TransferError) as e:
        mf.mean(x, backend="cuda")  # a 0-d result comes back exempt
    assert described("operand 0", x, "device") in str(e.value)
    assert "to the host" not in str(e.value)


@needs_cuda
def test_warn_copies_and_warns_once_per_call():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    with mf.transfer_policy("warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        got = mf.subtract(x, x[0], backend="cuda")
    np.testing.assert_array_equal(got, x - x[0])
    assert [w.category for w in caught] == [mf.TransferWarning], [str(w.message) for w in caught]
    message = str(caught[0].message)
    for part in (described("operand 0", x, "device"), described("operand 1", x[0], "device"),
                 described("the result", x - x[0], "host"), "mf.to_device", "mf.to_host"):
        assert part in message, (part, message)
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)


@needs_cuda
def test_use_backend_and_the_environment_govern_cuda_calls_too():
    x = np.ones(3)
    with mf.use_backend("cuda"), mf.transfer_policy("error"), pytest.raises(mf.TransferError):
        mf.add(x, 1.0)
    mf.set_transfer_policy("error")
    with pytest.raises(mf.TransferError, match="operand 0"):
        mf.sqrt(x, backend="cuda")


@needs_cuda
def test_environment_error_in_a_fresh_process():
    result = run_python("""
        import mathfront as mf, numpy as np
        try:
            mf.add(np.ones(3), 1.0, backend="cuda")
        except mf.TransferError as e:
            print("TransferError:", e)
        d = mf.to_device(np.ones(3))
        print(mf.to_host(mf.add(d, 1.0)).tolist())
    """, MATHFRONT_TRANSFER="error")
    assert result.returncode == 0, result.stderr
    assert "TransferError: mathfront.add" in result.stdout
    assert "operand 0 (shape (3,), 24 bytes) to the device" in result.stdout
    assert "[2.0, 2.0, 2.0]" in result.stdout


@needs_cuda
def test_exempt_under_error():
    x = np.arange(4.0)
    with mf.transfer_policy("error"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mf.add(1.0, np.float64(2), backend="cuda") == 3.0  # and the 0-d result back
        assert mf.multiply(np.array(2.0), 3, backend="cuda") == 6.0
        out = np.full((), SENTINEL, np.float32)
        assert mf.negative(np.float32(2), out=out, backend="cuda") is out and out == -2
        d = mf.to_device(x)  # explicit copies are never governed
        r = mf.add(d, 1.0)  # device in, device out: nothing to copy
        s = mf.sum(d)
        np.testing.assert_array_equal(mf.to_host(r), x + 1.0)
        assert mf.to_host(s)[()] == x.sum()


@needs_cuda
def test_mixing_host_and_device_stays_a_plain_type_error():
    h = np.ones(3)
    d = mf.to_device(np.ones(3))
    for policy in ("allow", "error"):
        with mf.transfer_policy(policy):
            with pytest.raises(TypeError, match="operand 0 is a host array") as e:
                mf.add(h, d)
            assert not isinstance(e.value, mf.TransferError)
            with pytest.raises(TypeError, match="out must be a device array") as e:
                mf.negative(d, out=np.empty(3))
            assert not isinstance(e.value, mf.TransferError)


@needs_cuda
def test_another_thread_refusing_does_not_affect_this_one():
    x = np.arange(3.0)
    ready, release = threading.Barrier(2), threading.Event()
    errors = []

    def worker():
        with mf.transfer_policy("error"):
            ready.wait()
            release.wait()
            try:
                mf.add(x, 1.0, backend="cuda")
            except mf.TransferError as e:
                errors.append(e)

    t = threading.Thread(target=worker)
    t.start()
    ready.wait()
    try:
        np.testing.assert_array_equal(mf.add(x, 1.0, backend="cuda"), x + 1.0)
    finally:
        release.set()
        t.join()
    assert len(errors) == 1

"""Verify mode: every call also runs on numpy, and a differing answer is caught."""

import asyncio
import re
import threading
import warnings

import mathfront as mf
import numpy as np
import pytest
from mathfront import _dispatch, _registry, _selection
from mathfront.backends.numpy_backend import NUMERIC_DTYPES
from test_dispatch import run_python


class Skewed(mf.Backend):
    """A third-party backend that computes with NumPy, then changes what ``skew`` says."""

    def __init__(self, name="skewed", skew=None, priority=0):
        self.name = name
        self.priority = priority
        self.skew = skew or (lambda op, result: result)
        self.calls = 0

    def dtypes(self, op):
        return NUMERIC_DTYPES

    def kernel(self, op):
        reference = _registry.get("numpy").kernel(op)

        def kernel(*args):
            self.calls += 1
            return self.skew(op, reference(*args))

        return kernel


def off_by_one_at_3(op, result):
    if op.name == "add" and np.ndim(result) and result.size > 3:
        result = np.array(result)
        result.flat[3] += 1
    return result


@pytest.fixture
def register():
    """Registers backends for one test, removed again afterwards."""
    saved = dict(_registry._loaded)
    yield lambda backend: mf.register_backend(backend)
    _registry._loaded.clear()
    _registry._loaded.update(saved)
    _selection.invalidate()
    mf.set_backend(None)


X = np.arange(8.0)


def test_a_wrong_backend_is_caught_with_where_and_by_how_much(register):
    register(Skewed(skew=off_by_one_at_3))
    assert mf.add(X, X, backend="skewed")[3] == 7.0  # wrong, and nobody notices
    with mf.verify(), pytest.raises(mf.VerificationError) as caught:
        mf.add(X, X, backend="skewed")
    e = caught.value
    assert isinstance(e, AssertionError)
    assert (e.op, e.backend, e.dtype, e.shape, e.index) == ("add", "skewed", np.float64, (8,), (3,))
    assert e.max_abs_error == 1.0 and e.max_rel_error == pytest.approx(1 / 6)
    message = str(e)
    for part in ("mathfront.add", "'skewed'", "float64 (8,)", "largest absolute error 1",
                 "largest relative error 0.166667", "first differing index (3,)", "got 7.0",
                 "NumPy gives 6.0"):
        assert part in message, (part, message)


def test_on_mismatch_warn_warns_and_returns_the_result(register):
    register(Skewed(skew=off_by_one_at_3))
    with mf.verify(on_mismatch="warn"), pytest.warns(RuntimeWarning) as record:
        result = mf.add(X, X, backend="skewed")
    assert result[3] == 7.0
    (w,) = record
    assert "first differing index (3,)" in str(w.message)
    assert w.filename == __file__  # points at the call, not at mathfront
    with pytest.raises(ValueError, match="on_mismatch"):
        with mf.verify(on_mismatch="ignore"):
            pass


#: A registered backend one more than NumPy, for subprocesses.
SKEWED_SOURCE = """
    import warnings, mathfront as mf, numpy as np
    from mathfront.backends.numpy_backend import NumpyBackend
    class Skewed(NumpyBackend):
        name = "skewed"
        def kernel(self, op):
            k = super().kernel(op)
            return lambda *args: k(*args) + 1
    mf.register_backend(Skewed())
"""


def test_the_environment_variable_verifies_a_whole_process():
    code = SKEWED_SOURCE + """
    mf.set_backend("skewed")
    for call in (lambda: mf.sqrt(np.ones(3)), lambda: mf.sqrt(np.ones(3), backend="numpy")):
        try:
            print(call())
        except mf.VerificationError as e:
            print(type(e).__name__, e.backend)
    """
    assert run_python(code, MATHFRONT_VERIFY="1").splitlines() == [
        "VerificationError skewed", "[1. 1. 1.]"]
    assert run_python(code, MATHFRONT_VERIFY="0").splitlines() == ["[2. 2. 2.]", "[1. 1. 1.]"]
    warned = run_python(SKEWED_SOURCE + """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        print(mf.sqrt(np.ones(3), backend="skewed"))
    print([type(w.message).__name__ for w in caught], "'skewed'" in str(caught[0].message))
    """, MATHFRONT_VERIFY="warn")
    assert warned.splitlines() == ["[2. 2. 2.]", "['RuntimeWarning'] True"]


def test_verify_composes_with_every_way_of_selecting(register):
    register(Skewed(skew=off_by_one_at_3))
    with mf.verify():
        for select in (lambda: mf.use_backend("skewed"), lambda: mf.verify()):
            with select(), mf.use_backend("skewed"), pytest.raises(mf.VerificationError):
                mf.add(X, X)
        mf.set_backend("skewed")
        assert mf.get_backend() == "skewed"
        with pytest.raises(mf.VerificationError):
            mf.add(X, X)  # the process default, as it is now
        mf.set_backend(None)
        mf.add(X, X)  # auto: right
    with mf.use_backend("skewed"), mf.verify(), pytest.raises(mf.VerificationError):
        mf.add(X, X)
    assert _dispatch.scope() is _selection.PROCESS
    assert mf.add(X, X, backend="skewed")[3] == 7.0  # off again: nothing checks


def test_verify_is_per_thread_and_per_task(register):
    register(Skewed(skew=off_by_one_at_3))
    seen = {}

    def other_thread():
        seen["thread"] = mf.add(X, X, backend="skewed")[3]

    with mf.verify():
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
    assert seen == {"thread": 7.0}

    async def task(verified):
        if verified:
            with mf.verify():
                await asyncio.sleep(0)
                return mf.add(X, X)[3]
        await asyncio.sleep(0)
        return mf.add(X, X, backend="skewed")[3]

    async def main():
        return await asyncio.gather(task(True), task(False))

    assert asyncio.run(main()) == [6.0, 7.0]


def test_exact_ops_tell_signed_zeros_apart_and_nan_from_numbers(register):
    def positive_zero(op, result):
        return np.where(result == 0, 0.0, result) if op.name == "negative" else result

    register(Skewed(skew=positive_zero))
    x = np.array([np.nan, 1.0, 0.0])
    with mf.verify():
        mf.negative(x)  # NaN meets NaN
        with pytest.raises(mf.VerificationError, match=r"index \(2,\).*got 0\.0.*gives -0\.0"):
            mf.negative(x, backend="skewed")


def test_sums_are_held_to_a_bound_that_allows_any_order(register):
    def reordered(op, result):
        return result

    backend = register(Skewed("reordered", skew=reordered))
    x = np.array([1e16, 1.0, -1e16, 1.0] * 50)  # heavy cancellation: order decides the answer

    def any_order(*args):
        return np.float64(np.sum(np.sort(args[0])))

    backend.kernel = lambda op: any_order
    with mf.verify():
        assert mf.sum(x, backend="reordered") != np.sum(x)
        mf.sum(x, backend="reordered")  # within n eps sum|x| of it: no alarm
        backend.kernel = lambda op: lambda *args: np.float64(np.sum(args[0]) + 1e6)
        _selection.invalidate()
        with pytest.raises(mf.VerificationError, match="2 \\(n \\+ 2\\) eps sum"):
            mf.sum(x, backend="reordered")


def test_out_aliasing_an_operand_is_compared_with_the_inputs_before(backend):
    x = np.arange(6.0)
    with mf.verify():
        assert mf.add(x, x, out=x, backend=backend) is x
        assert mf.sum(x.reshape(2, 3), axis=1, out=x[:2], backend=backend) is not None
    assert x[:2].tolist() == [6.0, 24.0]


def test_where_and_a_cast_out_are_compared_with_out_as_it_was(backend, register):
    x = np.arange(6.0)
    with mf.verify():  # the elements where= leaves are out's old ones, in both
        out = np.full(6, 9.0)
        assert mf.add(x, 1.0, out, where=x > 2, backend=backend) is out
        assert out.tolist() == [9.0, 9.0, 9.0, 4.0, 5.0, 6.0]
        assert mf.add(x, 0.5, np.zeros(6, np.float32), backend=backend).dtype == np.float32
    register(Skewed(skew=off_by_one_at_3))
    with mf.verify(), pytest.raises(mf.VerificationError, match="first differing index"):
        mf.add(x, 1.0, np.full(6, 9.0), where=x > 2, backend="skewed")


def test_numpy_raising_where_the_backend_returns_is_a_mismatch(register):
    backend = register(Skewed("lenient"))
    backend.kernel = lambda op: lambda x, y, out: np.zeros(np.shape(x), np.int64)
    with mf.verify(), pytest.raises(mf.VerificationError, match="NumPy raises ValueError"):
        mf.power(np.arange(3), -1, backend="lenient")


def test_an_error_of_the_backend_is_the_calls_own(register):
    backend = register(Skewed())
    with mf.verify(), pytest.raises(ValueError, match="could not be broadcast"):
        mf.add(np.ones(2), np.ones(3), backend="skewed")
    assert backend.calls == 1


def test_dtype_and_shape_are_compared(register):
    register(Skewed(skew=lambda op, r: np.asarray(r, np.float32)))
    with mf.verify(), pytest.raises(mf.VerificationError, match="dtype float32, NumPy float64"):
        mf.add(X, X, backend="skewed")


def test_the_reference_does_not_repeat_the_calls_warnings():
    with mf.verify(), warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert np.isnan(mf.mean(np.empty(0), backend="numpy"))
        mf.divide(np.ones(2), 0.0, backend="numpy")
    messages = [str(w.message) for w in record]
    assert len(messages) == len(set(messages)), messages
    assert any("divide by zero" in m for m in messages)
    assert any("Mean of empty slice" in m for m in messages)


class FakeDeviceArray:
    """Device memory of a fake accelerator: only its backend can read it."""

    __cuda_array_interface__ = property(lambda self: {"shape": self.data.shape})

    def __init__(self, data):
        self.data = np.asarray(data)
        self.shape, self.dtype = self.data.shape, self.data.dtype


class FakeDevice(mf.Backend):
    name = "fakedev"
    device = "fake"
    priority = 50

    def __init__(self, skew=0.0):
        self.skew = skew

    def dtypes(self, op):
        return ("float64",)

    def kernel(self, op):
        reference = _registry.get("numpy").kernel(op)

        def kernel(*args):
            host = [a.data if isinstance(a, FakeDeviceArray) else a for a in args]
            result = reference(*host)
            out = args[op.arity + op.keywords.index("out")]
            return out if out is not None else FakeDeviceArray(np.asarray(result) + self.skew)

        return kernel

    def to_host(self, x):
        return x.data.copy()


def test_device_results_come_to_the_host_to_be_compared(register):
    fake = register(FakeDevice())
    d = FakeDeviceArray(np.arange(4.0))
    with mf.verify():
        assert isinstance(mf.sqrt(d), FakeDeviceArray)  # auto sends it to the device backend
        assert mf.sum(d).data == 6.0
        assert mf.add(d, d, out=d) is d  # compared with the inputs as they were
        assert mf.to_host(d).tolist() == [0.0, 2.0, 4.0, 6.0]
        fake.skew = 1e-3
        with pytest.raises(mf.VerificationError, match=re.escape("'fakedev' (float64 (4,)")):
            mf.sqrt(d)


def test_explain_says_verify_mode_is_on():
    with mf.verify():
        assert "verify mode" in mf.explain(mf.add, X, X).reason
        assert "verify mode" in mf.explain(mf.add, X, X, backend="numpy").reason
    assert "verify mode" not in mf.explain(mf.add, X, X).reason


def test_min_max_either_zero_on_a_tie_but_not_another_value(backend):
    """NumPy's zero on a -0/+0 tie depends on length and lanes; any other difference counts."""
    def tie(n):
        x = np.ones(n)
        x[0], x[1] = 0.0, -0.0
        return x

    with mf.verify():
        for n in (8, 17):
            for fn in (mf.min, mf.nanmin):
                assert fn(tie(n), backend=backend) == 0.0
            assert mf.max(-tie(n), backend=backend) == 0.0

"""The front end's device path (device arrays in, host arrays on a device backend), on a
stand-in device engine: the numpy engine behind copies, so that this tests what the
front end hands a device engine and does with its results, not the cuda engine."""

import mathfront as mf
import numpy as np
import pytest
from fuse_support import assert_same
from mathfront import _registry
from mathfront.fuse import _numpy_engine

pytestmark = pytest.mark.skipif("cuda" not in [b.name for b in mf.backends() if b.available],
                                reason="no cuda backend (not even the simulator)")


@pytest.fixture
def stand_in(monkeypatch):
    from numba import cuda

    backend = _registry.get("cuda")
    seen = []

    def fused(program):
        run = _numpy_engine.fused(program)

        def device_run(arrays, scalars, outs):
            seen.append(([type(a).__name__ for a in arrays], [type(o).__name__ for o in outs]))
            assert all(mf._checks.is_device_array(a) for a in arrays)
            assert all(o is None or mf._checks.is_device_array(o) for o in outs)
            host_outs = [None if o is None else np.empty(o.shape, o.dtype) for o in outs]
            results = run([a.copy_to_host() for a in arrays], scalars, host_outs)
            answer = []
            for r, o in zip(results, outs, strict=True):
                if o is None:
                    answer.append(cuda.to_device(np.ascontiguousarray(r)))
                else:
                    o.copy_to_device(r)
                    answer.append(o)
            return tuple(answer)

        return device_run

    monkeypatch.setattr(backend, "fused", fused, raising=False)
    yield seen


def test_device_arrays_stay_on_the_device(stand_in):
    a, b = np.arange(6.0).reshape(2, 3), np.linspace(0, 1, 6).reshape(2, 3)
    da, db = mf.to_device(a), mf.to_device(b)
    f = mf.fuse(lambda a, b: (mf.where(a > 2, a * b, b - a), mf.sum(a * b, axis=0)))
    r, s = f(da, db)
    assert mf._checks.is_device_array(r) and stand_in
    assert_same(mf.to_host(r), np.where(a > 2, a * b, b - a))
    assert_same(mf.to_host(s), np.sum(a * b, axis=0))
    assert mf.explain(f, da, db).backend == "cuda"


def test_host_arrays_on_the_device_backend_come_back_to_the_host(stand_in):
    a = np.arange(6.0)
    got = mf.fuse(lambda a, s: a * s + 1)(a, 2.0, backend="cuda")
    assert isinstance(got, np.ndarray) and stand_in
    assert_same(got, a * 2.0 + 1)
    with mf.transfer_policy("error"), pytest.raises(mf.TransferError):
        mf.fuse(lambda a: a + 1)(a, backend="cuda")


def test_device_arrays_of_different_shapes_go_to_the_engine_unbroadcast(stand_in):
    """The device engine broadcasts them itself (zero strides): no copies made here."""
    a, b = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 4.0])
    got = mf.fuse(lambda a, b: a * b + 1)(mf.to_device(a), mf.to_device(b))
    assert_same(mf.to_host(got), a * b + 1)
    assert stand_in


def test_device_results_of_a_smaller_shape_are_refused(stand_in):
    da, db = mf.to_device(np.ones((2, 3))), mf.to_device(np.ones(3))
    with pytest.raises(ValueError, match="broadcast shape"):
        mf.fuse(lambda a, b: (a + b, b * 2))(da, db)


def test_a_device_backend_that_cannot_fuse_raises(monkeypatch):
    monkeypatch.setattr(_registry.get("cuda"), "fused", lambda program: None, raising=False)
    with pytest.raises(TypeError, match="cannot fuse"):
        mf.fuse(lambda a: a + 1)(mf.to_device(np.ones(3)))

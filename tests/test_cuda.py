"""The cuda backend's own contract, beyond the shared bodies' host-in,
host-out calls: device in, device out; any ``__cuda_array_interface__``
producer read and written in place; host and device never mixed silently;
deterministic reductions; GPU failures as clear exceptions.

Runs on the Numba CUDA simulator in CI and on a real GPU where there is one;
the ``gpu``-marked tests need the real thing (sizes the simulator cannot run).
"""

from __future__ import annotations

import mathfront as mf
import numpy as np
import pytest
from support import SIMULATOR, assert_matches, numpy_reference

pytestmark = pytest.mark.skipif(
    not {s.name: s for s in mf.backends()}["cuda"].available,
    reason="no GPU and no simulator (NUMBA_ENABLE_CUDASIM=1)")

SENTINEL = 7.0


def on_device(x) -> bool:
    return hasattr(x, "copy_to_host")


class Producer:
    """A minimal ``__cuda_array_interface__`` producer, as a CuPy or PyTorch array is.

    Under the simulator "device" memory is host memory, so the interface
    carries a host pointer; that is what the simulator's own arrays hold.
    """

    def __init__(self, device_array, view=lambda a: a):
        self.owner = device_array
        if SIMULATOR:
            a = view(device_array._ary)
            self.shape, self.dtype = a.shape, a.dtype
            self.__cuda_array_interface__ = {
                "shape": a.shape, "strides": a.strides, "typestr": a.dtype.str,
                "data": (a.__array_interface__["data"][0], False), "version": 3}
        else:
            a = view(device_array)
            self.shape, self.dtype = a.shape, a.dtype
            self.__cuda_array_interface__ = a.__cuda_array_interface__


def test_device_in_device_out():
    x = np.arange(12.0).reshape(3, 4)
    d = mf.to_device(x)
    for got, expected in [(mf.add(d, d), x + x), (mf.multiply(d, 0.5), x * 0.5),
                          (mf.sqrt(d), np.sqrt(x)), (mf.sum(d, axis=0), x.sum(axis=0)),
                          (mf.argmax(d, axis=1), x.argmax(axis=1))]:
        assert on_device(got), type(got)
        np.testing.assert_array_equal(mf.to_host(got), expected)


def test_full_reduction_of_a_device_array_is_a_0d_device_array():
    """As CuPy: a scalar result stays on the device until asked for."""
    d = mf.to_device(np.arange(10, dtype=np.int32))
    total = mf.sum(d)
    assert on_device(total) and total.shape == ()
    assert mf.to_host(total)[()] == 45 and mf.to_host(total).dtype == np.int64


def test_host_in_host_out_under_explicit_cuda():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert_matches(mf.add(x, 1, backend="cuda"), x + 1, what="add")
    assert_matches(mf.mean(x, backend="cuda"), numpy_reference(mf.mean.op, x), what="mean")
    out = np.full((2, 3), SENTINEL, np.float32)
    assert mf.negative(x, out=out, backend="cuda") is out
    np.testing.assert_array_equal(out, -x)


def test_auto_sends_device_arrays_to_cuda():
    d = mf.to_device(np.ones(3))
    explained = mf.explain(mf.add, d, d)
    assert explained.backend == "cuda" and "device array" in explained.reason
    assert on_device(mf.add(d, d))


@pytest.mark.parametrize("view", [lambda a: a, lambda a: a[::-2], lambda a: a.T],
                         ids=["whole", "reversed-strided", "transposed"])
def test_cuda_array_interface_producers_are_read_in_place(view):
    x = np.arange(24.0).reshape(4, 6)
    d = mf.to_device(x)
    p = Producer(d, view)
    expected_view = view(x)
    np.testing.assert_array_equal(mf.to_host(mf.add(p, 1.0)), expected_view + 1.0)
    np.testing.assert_array_equal(mf.to_host(mf.max(p, axis=0)), expected_view.max(axis=0))
    # Written through the producer: the memory it points at changes (no copy).
    mf.negative(p, out=p)
    changed = x.copy()
    view(changed)[...] *= -1
    np.testing.assert_array_equal(d.copy_to_host(), changed)


@pytest.mark.parametrize("call", [
    lambda h, d: mf.add(h, d),
    lambda h, d: mf.add(d, h, backend="cuda"),
    lambda h, d: mf.dot(h, d),
], ids=["auto", "explicit", "dot"])
def test_mixing_host_and_device_arrays_names_the_host_operand(call):
    h = np.ones(3)
    d = mf.to_device(np.ones(3))
    with pytest.raises(TypeError, match=r"operand [01] is a host array \(ndarray\).*mf.to_device"):
        call(h, d)


def test_python_scalars_mix_with_device_arrays():
    d = mf.to_device(np.arange(4, dtype=np.int32))
    got = mf.to_host(mf.multiply(d, 3))
    assert got.dtype == np.int32  # a weak scalar, as NumPy 2
    np.testing.assert_array_equal(got, np.arange(4, dtype=np.int32) * 3)


def test_device_out():
    x = np.arange(5.0)
    d = mf.to_device(x)
    out = mf.to_device(np.full(5, SENTINEL))
    assert mf.add(d, d, out=out) is out
    np.testing.assert_array_equal(out.copy_to_host(), 2 * x)
    mf.add(d, 1.0, out=d)  # aliasing the input
    np.testing.assert_array_equal(d.copy_to_host(), x + 1)


def test_overlapping_device_out_reads_a_copy():
    """out overlapping an input by a shift: as NumPy, as if the input were copied first."""
    x = np.arange(8.0)
    d = mf.to_device(x)
    mf.add(d[:-1], 10.0, out=d[1:])
    expected = x.copy()
    np.add(expected[:-1], 10.0, out=expected[1:])
    np.testing.assert_array_equal(d.copy_to_host(), expected)


@pytest.mark.parametrize("make_out, error, pattern", [
    (lambda: mf.to_device(np.full(4, SENTINEL)), ValueError,
     r"operands could not be broadcast together with shapes \(3,\) \(3,\) \(4,\)"),
    (lambda: mf.to_device(np.full(3, SENTINEL, np.int64)), TypeError,
     r"Cannot cast ufunc 'add' output from dtype\('float64'\) to dtype\('int64'\)"),
    (lambda: np.full(3, SENTINEL), TypeError, "out must be a device array"),
], ids=["shape", "dtype", "host-out"])
def test_bad_device_out_is_refused_untouched(make_out, error, pattern):
    d = mf.to_device(np.arange(3.0))
    out = make_out()
    with pytest.raises(error, match=pattern):
        mf.add(d, d, out=out)
    assert np.all(mf.to_host(out) == SENTINEL)


def test_negative_integer_power_on_device_is_refused_before_writing():
    base = mf.to_device(np.arange(1, 5, dtype=np.int64))
    exponent = mf.to_device(np.array([1, 2, -1, 2], dtype=np.int64))
    out = mf.to_device(np.full(4, 7, np.int64))
    with pytest.raises(ValueError, match="negative integer powers"):
        mf.power(base, exponent, out=out)
    assert np.all(mf.to_host(out) == 7)


def test_reductions_are_deterministic_across_blocks():
    """No atomics: many chunks per output, the same bits every run."""
    from mathfront.cuda_numba import config

    n = 40 * config.BLOCK * 4 + 3  # several chunks, a ragged last one
    x = np.random.default_rng(3).standard_normal(n).astype(np.float32)
    d = mf.to_device(x)
    for fn in (mf.sum, mf.var, mf.nanstd):
        first = mf.to_host(fn(d))
        for _ in range(2):
            assert mf.to_host(fn(d)).tobytes() == first.tobytes()
        assert abs(first - numpy_reference(fn.op, x)) <= 1e-5 * max(1.0, abs(first))


@pytest.mark.parametrize("block, blocks", [(2, 1), (4, 3)])
def test_shrunk_launches_still_cover_every_element(monkeypatch, block, blocks):
    """Grid-stride loops and block trees at other sizes (a parameter, as tests need)."""
    from mathfront.cuda_numba import config

    monkeypatch.setattr(config, "BLOCK", block)
    monkeypatch.setattr(config, "MAX_BLOCKS", blocks)
    x = np.arange(-50, 53, dtype=np.float64).reshape(1, 103) / 7
    d = mf.to_device(x)
    np.testing.assert_array_equal(mf.to_host(mf.abs(d)), np.abs(x))
    np.testing.assert_allclose(mf.to_host(mf.sum(d, axis=1)), x.sum(axis=1), rtol=1e-12)
    assert mf.to_host(mf.argmin(d))[()] == 0
    np.testing.assert_allclose(mf.to_host(mf.std(d)), x.std(), rtol=1e-12)


def test_to_device_and_to_host_round_trip_any_layout():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    for v in (x, x.T, x[::-1, ::2], np.int64(5), np.float32(2.5)):
        back = mf.to_host(mf.to_device(v))
        np.testing.assert_array_equal(back, np.asarray(v))
        assert back.dtype == np.asarray(v).dtype and back.shape == np.shape(v)


def test_warmup_prepares_device_kernels():
    from mathfront.cuda_numba import launch

    before = launch.prepared()
    done = mf.warmup(["add", "sum"], ["float32"], backend="cuda")
    assert done == [("add", "float32"), ("sum", "float32")]
    assert launch.prepared() >= before  # idempotent: kept kernels are reused
    d = mf.to_device(np.ones(4, np.float32))
    mf.add(d, d)
    after = launch.prepared()
    mf.add(d, d)
    assert launch.prepared() == after  # the warm path compiles nothing new


def test_gpu_errors_become_memory_or_unavailable_errors():
    from mathfront._ops import BY_NAME
    from mathfront.cuda_numba.api import gpu_errors
    from numba.cuda.cudadrv import driver

    if not hasattr(driver, "CudaAPIError"):
        pytest.skip("this numba-cuda has no CudaAPIError to translate")
    with pytest.raises(MemoryError, match="out of GPU memory"):
        with gpu_errors(BY_NAME["add"]):
            raise driver.CudaAPIError(2, "CUDA_ERROR_OUT_OF_MEMORY")
    with pytest.raises(mf.BackendUnavailableError, match="restart the process"):
        with gpu_errors(BY_NAME["add"]):
            raise driver.CudaAPIError(700, "CUDA_ERROR_ILLEGAL_ADDRESS")


# --- a real GPU only --------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_large_arrays_on_a_gpu(dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 1 << 20)) * 100).astype(dtype)
    d = mf.to_device(x)
    assert_matches(mf.to_host(mf.add(d, d)), x + x, what="add")
    for fn in (mf.sum, mf.max, mf.argmin, mf.var):
        for axis in (None, 0, 1):
            expected = np.asarray(numpy_reference(fn.op, x, axis=axis))
            got = mf.to_host(fn(d, axis=axis))
            if expected.dtype.kind == "f":
                rtol = 1e-4 if dtype == "float32" else 1e-10
                np.testing.assert_allclose(got, expected, rtol=rtol)
            else:
                np.testing.assert_array_equal(got, expected)


@pytest.mark.gpu
def test_out_of_device_memory_is_a_memory_error():
    row = mf.to_device(np.ones((1, 1 << 24), np.float64))
    column = mf.to_device(np.ones((1 << 24, 1), np.float64))
    with pytest.raises(MemoryError, match="out of GPU memory"):
        mf.add(row, column)  # 2 PiB
    assert mf.to_host(mf.sum(row))[()] == 1 << 24  # and the GPU still works


@pytest.mark.gpu
def test_cupy_arrays_in_and_out():
    cupy = pytest.importorskip("cupy")
    x = cupy.arange(1000, dtype=cupy.float32)
    out = cupy.empty_like(x)
    assert mf.multiply(x, x, out=out) is out
    cupy.testing.assert_array_equal(out, x * x)
    assert float(mf.to_host(mf.sum(x))) == float(x.sum())


def test_an_input_overlapping_out_other_than_as_its_very_view_is_read_from_a_copy():
    """Same memory, strides and offset but a broadcast first row: other threads store
    that row while this one loads it, so the kernel reads a copy (NumPy's answer)."""
    from mathfront.cuda_numba.api import readable_while_writing
    from mathfront.cuda_numba.operands import flat

    host = np.arange(6.0).reshape(2, 3)
    d = mf.to_device(host.copy())
    assert readable_while_writing(flat(d), flat(d))  # its very view
    assert readable_while_writing(flat(d[:1]), flat(d[1:]))  # no shared memory
    assert not readable_while_writing(flat(d), flat(d[:1]))  # a row broadcast over it
    assert not readable_while_writing(flat(d), flat(d[::-1]))
    assert not readable_while_writing(flat(d), flat(d.view(np.float32)))  # (same bytes)
    mf.add(d[:1], 1.0, out=d, backend="cuda")
    expected = host.copy()
    np.add(expected[:1], 1.0, out=expected)
    assert_matches(mf.to_host(d), expected)

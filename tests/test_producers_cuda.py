"""Device results come back as the caller's array type, on its device and stream.

CuPy in, CuPy out; PyTorch in, PyTorch out; Numba (or any other
``__cuda_array_interface__`` producer) in, Numba out; ``out=`` is returned
itself. On the simulator (and on a GPU without those libraries) CuPy and
PyTorch are played by stand-ins: classes whose types live in fake ``cupy``
and ``torch`` modules placed in ``sys.modules``, exposing the interface of
a device array, whose wrapping functions record their calls. The real
libraries are tested by the ``gpu``-marked tests at the end.

Also here: ``mathfront.cuda_numba.select``, the device kernel behind
``where=`` masks, against ``np.where``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types

import mathfront as mf
import numpy as np
import pytest
from mathfront import _checks
from support import SIMULATOR

pytestmark = pytest.mark.skipif(
    not {s.name: s for s in mf.backends()}["cuda"].available,
    reason="no GPU and no simulator (NUMBA_ENABLE_CUDASIM=1)")


def interface(device_array, stream=None) -> dict:
    """The ``__cuda_array_interface__`` of a Numba device array (the simulator's have none)."""
    if SIMULATOR:
        a = device_array._ary
        cai = {"shape": a.shape, "strides": a.strides, "typestr": a.dtype.str,
               "data": (a.__array_interface__["data"][0], False), "version": 3}
    else:
        cai = dict(device_array.__cuda_array_interface__)
    if stream is not None:
        cai["stream"] = stream
    return cai


def pointer(x) -> int:
    return (x._ary.__array_interface__["data"][0] if hasattr(x, "_ary")
            else x.__cuda_array_interface__["data"][0])


class Device:
    def __init__(self, index):
        self.id = self.index = index
        self.type = "cuda"


class StandIn:
    """A device array of some library: the interface of the Numba array it keeps."""

    def __init__(self, owner, stream=None, device=0):
        self.owner = owner
        self._cai = interface(owner, stream)
        self.shape = tuple(owner.shape)
        self.dtype = np.dtype(owner.dtype)
        self.device = Device(device)

    @property
    def __cuda_array_interface__(self):
        return self._cai


class CupyArray(StandIn):
    pass


CupyArray.__module__ = "cupy._core.core"


class TorchDtype:
    """Not a NumPy dtype, as PyTorch's are not."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


class Tensor(StandIn):
    """As torch.Tensor: one type for CPU and GPU tensors, the interface a
    property that raises AttributeError on CPU ones, dtypes of its own."""

    def __init__(self, owner, is_cuda=True, device=0):
        super().__init__(owner, device=device)
        self.dtype = TorchDtype(np.dtype(owner.dtype).name)
        self.is_cuda = is_cuda

    @property
    def __cuda_array_interface__(self):
        if not self.is_cuda:
            raise AttributeError("Can't get __cuda_array_interface__ on non-CUDA tensor")
        return self._cai


Tensor.__module__ = "torch"


@pytest.fixture
def libraries(monkeypatch):
    """Fake ``cupy`` and ``torch`` modules whose wrapping functions record their calls."""
    calls = {"cupy": [], "torch": []}
    torch_stream = types.SimpleNamespace(cuda_stream=0)

    def asarray(obj):
        calls["cupy"].append(obj)
        return CupyArray(obj)

    def as_tensor(obj, device=None):
        calls["torch"].append((obj, device))
        return Tensor(obj, device=device.index)

    cupy = types.ModuleType("cupy")
    cupy.asarray = asarray
    torch = types.ModuleType("torch")
    torch.as_tensor = as_tensor
    torch.cuda = types.SimpleNamespace(current_stream=lambda device: torch_stream)
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setitem(sys.modules, "torch", torch)
    return types.SimpleNamespace(calls=calls, torch_stream=torch_stream)


def numba_array(x):
    return mf.to_device(np.asarray(x))


def is_numba(x) -> bool:
    return hasattr(x, "copy_to_host")


def numpy_dtype(x) -> np.dtype:
    return np.dtype(x.__cuda_array_interface__["typestr"]) if isinstance(x, Tensor) else x.dtype


X = np.arange(1.0, 13.0).reshape(3, 4)
CALLS = {
    "sqrt": (lambda a: mf.sqrt(a), lambda a: np.sqrt(a)),
    "multiply": (lambda a: mf.multiply(a, 2), lambda a: a * 2),
    "add": (lambda a: mf.add(a, a), lambda a: a + a),
    "sum-axis": (lambda a: mf.sum(a, axis=0), lambda a: a.sum(axis=0)),
    "argmax": (lambda a: mf.argmax(a, axis=1), lambda a: a.argmax(axis=1)),
    "mean-0d": (lambda a: mf.mean(a), lambda a: np.asarray(a.mean())),
}


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("kind", [CupyArray, Tensor], ids=["cupy", "torch"])
def test_the_callers_library_in_its_library_out(libraries, kind, name):
    call, expected = CALLS[name]
    x = X.astype(np.float32)
    got = call(kind(numba_array(x)))
    want = expected(x)
    assert type(got) is kind
    library = "cupy" if kind is CupyArray else "torch"
    [wrapped] = [c if library == "cupy" else c[0] for c in libraries.calls[library]]
    assert is_numba(wrapped) and pointer(got) == pointer(wrapped)  # wrapped, not copied
    assert numpy_dtype(got) == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(mf.to_host(got), want, rtol=1e-6)


def test_torch_results_stay_on_the_tensors_device(libraries):
    t = Tensor(numba_array(X))
    mf.negative(t)
    [(_, device)] = libraries.calls["torch"]
    assert device is t.device


def test_a_full_reduction_is_a_0d_array_of_the_callers_library(libraries):
    """As CuPy's and PyTorch's own reductions: 0-d, on the device."""
    x = np.arange(10, dtype=np.int32)
    for kind in (CupyArray, Tensor):
        got = mf.sum(kind(numba_array(x)))
        assert type(got) is kind and got.shape == ()
        assert numpy_dtype(got) == np.int64 and mf.to_host(got)[()] == x.sum()


def test_dot_of_cupy_arrays_is_cupy(libraries):
    x, y = np.arange(5.0), np.arange(5.0, 10.0)
    got = mf.dot(CupyArray(numba_array(x)), CupyArray(numba_array(y)))
    assert type(got) is CupyArray and mf.to_host(got)[()] == np.dot(x, y)


@pytest.mark.parametrize("pair, winner", [
    ((CupyArray, Tensor), CupyArray),
    ((Tensor, CupyArray), Tensor),
    ((None, CupyArray), "numba"),
    ((CupyArray, None), CupyArray),
], ids=["cupy-torch", "torch-cupy", "numba-cupy", "cupy-numba"])
def test_mixed_libraries_follow_the_first_device_operand(libraries, pair, winner):
    x, y = np.arange(4.0), np.arange(4.0, 8.0)
    a, b = (numba_array(v) if kind is None else kind(numba_array(v))
            for kind, v in zip(pair, (x, y), strict=True))
    got = mf.subtract(a, b)
    assert is_numba(got) if winner == "numba" else type(got) is winner
    np.testing.assert_array_equal(mf.to_host(got), x - y)


def test_a_scalar_first_does_not_decide(libraries):
    got = mf.subtract(1.0, CupyArray(numba_array(np.arange(3.0))))
    assert type(got) is CupyArray
    np.testing.assert_array_equal(mf.to_host(got), 1.0 - np.arange(3.0))


@pytest.mark.parametrize("make_out", [CupyArray, Tensor, lambda d: d],
                         ids=["cupy", "torch", "numba"])
def test_out_is_returned_itself_whatever_its_library(libraries, make_out):
    x = np.arange(6.0)
    out = make_out(numba_array(np.zeros(6)))
    assert mf.multiply(Tensor(numba_array(x)), 3.0, out=out) is out
    np.testing.assert_array_equal(mf.to_host(out), x * 3.0)
    assert libraries.calls == {"cupy": [], "torch": []}  # nothing wrapped


def test_other_producers_get_numba_arrays(libraries):
    got = mf.add(StandIn(numba_array(np.arange(3.0))), 1.0)
    assert is_numba(got)
    np.testing.assert_array_equal(mf.to_host(got), np.arange(3.0) + 1.0)


def test_numba_in_numba_out():
    d = numba_array(X)
    got = mf.sqrt(d)
    assert type(got) is type(d)
    np.testing.assert_allclose(mf.to_host(got), np.sqrt(X))


def test_torch_dtypes_are_read_from_the_interface(libraries):
    """PyTorch's dtypes are not NumPy's: auto, validation and out still work."""
    t = Tensor(numba_array(np.arange(4, dtype=np.int32)))
    explained = mf.explain(mf.add, t, t)
    assert explained.backend == "cuda"
    out = Tensor(numba_array(np.zeros(4, np.int64)))  # int32 into int64: NumPy's same_kind
    assert mf.add(t, t, out=out) is out
    np.testing.assert_array_equal(mf.to_host(out), [0, 2, 4, 6])
    with pytest.raises(TypeError, match="Cannot cast ufunc 'add' output from dtype"):
        mf.add(t, t, out=Tensor(numba_array(np.zeros(4, np.uint8))))
    got = mf.add(t, t)
    assert numpy_dtype(got) == np.int32


def test_cpu_tensors_are_not_device_arrays():
    """torch.Tensor has the interface as a property on its one type for CPU and GPU."""
    d = numba_array(np.arange(3.0))
    assert not _checks.is_device_array(Tensor(d, is_cuda=False))
    assert _checks.is_device_array(Tensor(d, is_cuda=True))
    assert not _checks.is_device_array(Tensor(d, is_cuda=False))  # not cached by type


# --- the caller's stream and device -----------------------------------------------------


@pytest.fixture
def launches(monkeypatch):
    """The stream of every kernel launch, and the external streams made (by pointer)."""
    from mathfront.cuda_numba import launch, producers
    from numba import cuda

    seen = types.SimpleNamespace(streams=[], external={})
    prepare = launch._prepare

    def recording(kernel, args):
        ready = prepare(kernel, args)

        def go(args, blocks, threads, stream):
            seen.streams.append(stream)
            ready(args, blocks, threads, stream)

        return go

    def external_stream(ptr):
        return seen.external.setdefault(ptr, cuda.stream())  # the simulator has none

    monkeypatch.setattr(launch, "_READY", {})
    monkeypatch.setattr(launch, "_prepare", recording)
    monkeypatch.setattr(producers, "_EXTERNAL", {})
    monkeypatch.setattr(producers.cuda, "external_stream", external_stream)
    monkeypatch.setattr(producers.cuda, "per_thread_default_stream",
                        lambda: seen.external.setdefault(2, cuda.stream()))
    return seen


@pytest.mark.parametrize("declared, pointer_used", [
    (None, None), (1, None), (2, 2), (0x5EED, 0x5EED),
], ids=["none", "legacy-default", "per-thread-default", "external"])
def test_kernels_run_on_the_stream_the_interface_names(libraries, launches, declared,
                                                        pointer_used):
    x = np.arange(40.0).reshape(5, 8)  # several blocks under the simulator
    c = CupyArray(numba_array(x), stream=declared)
    total = mf.sum(c, axis=1)
    scaled = mf.multiply(c, 2.0)
    np.testing.assert_array_equal(mf.to_host(total), x.sum(axis=1))
    np.testing.assert_array_equal(mf.to_host(scaled), x * 2.0)
    expected = 0 if pointer_used is None else launches.external[pointer_used]
    assert launches.streams and all(s is expected for s in launches.streams)


def test_torch_work_runs_on_torchs_current_stream(libraries, launches):
    libraries.torch_stream.cuda_stream = 0xCAFE
    t = Tensor(numba_array(np.arange(6.0)))
    np.testing.assert_array_equal(mf.to_host(mf.negative(t)), -np.arange(6.0))
    assert launches.streams and all(s is launches.external[0xCAFE] for s in launches.streams)


def test_numba_arrays_keep_their_own_stream(launches):
    from numba import cuda

    stream = cuda.stream()
    d = numba_array(np.arange(5.0)).bind(stream)
    np.testing.assert_array_equal(mf.to_host(mf.add(d, d)), 2 * np.arange(5.0))
    assert launches.streams and all(s is stream for s in launches.streams)


def test_reductions_on_two_streams_keep_separate_states(libraries, launches):
    from mathfront.cuda_numba import reductions

    x = np.arange(200.0)  # enough for partial states (several chunks) under the simulator
    for declared in (0xA1, 0xB2):
        assert mf.to_host(mf.sum(CupyArray(numba_array(x), stream=declared)))[()] == x.sum()
    keyed = {key[2] for key in reductions._SLOTS}
    assert {launches.external[0xA1], launches.external[0xB2]} <= keyed


def test_work_runs_on_the_operands_gpu(libraries, monkeypatch):
    from mathfront.cuda_numba import producers
    from numba import cuda

    entered = []
    gpus = cuda.gpus

    class Gpus:
        def __len__(self):
            return 4

        def __getitem__(self, index):
            entered.append(index)
            return gpus[0]  # the only one the simulator (or this machine) may have

    monkeypatch.setattr(producers.cuda, "gpus", Gpus())
    c = CupyArray(numba_array(np.arange(3.0)), device=3)
    got = mf.add(c, 1.0)
    assert entered == [3]
    mf.add(numba_array(np.arange(3.0)), 1.0)  # a Numba array: the current GPU
    assert entered == [3]
    np.testing.assert_array_equal(mf.to_host(got), np.arange(3.0) + 1.0)


def test_neither_cupy_nor_torch_is_imported_for_numba_arrays():
    code = textwrap.dedent("""
        import sys
        import mathfront as mf
        import numpy as np
        d = mf.to_device(np.arange(4.0))
        mf.add(d, d); mf.sum(d); mf.to_host(mf.sqrt(d))
        from mathfront.cuda_numba import select
        select(np.array([True, False, True, False]), d, 0.0)
        print(sorted(m for m in ("cupy", "torch") if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- select: np.where(cond, x, fill) for where= masks -------------------------------------


def select(*args):
    from mathfront.cuda_numba import select

    return select(*args)


@pytest.mark.parametrize("case", [
    ("device-cond", np.arange(12.0).reshape(3, 4), lambda x: x % 3 == 0, True, -1.0),
    ("host-broadcast-row", np.arange(12.0).reshape(3, 4), lambda x: x[0] > 1, False, np.inf),
    ("host-0d-cond", np.arange(5, dtype=np.int32), lambda x: np.array(False), False, 7),
    ("int64-column", np.arange(6, dtype=np.int64).reshape(3, 2),
     lambda x: np.array([[True], [False], [True]]), True, -2),
    ("float32-nan", np.arange(4, dtype=np.float32), lambda x: x > 1, True, np.nan),
    ("bool", np.array([True, False, True, False]), lambda x: np.array([0, 1, 1, 0], bool),
     True, True),
    ("0d", np.array(2.5), lambda x: np.array(False), True, 0.0),
    ("0d-host-cond", np.array(2.5), lambda x: np.array(True), False, 0.0),
    ("empty", np.zeros((0, 3)), lambda x: np.ones(3, bool), True, 1.0),
], ids=lambda case: case[0])
def test_select_is_np_where(case):
    _, x, make_cond, cond_on_device, fill = case
    cond = make_cond(x)
    got = select(numba_array(cond) if cond_on_device else cond, numba_array(x), fill)
    want = np.where(cond, x, np.asarray(fill, x.dtype))
    assert is_numba(got)
    host = mf.to_host(got)
    assert host.dtype == x.dtype and host.shape == want.shape
    np.testing.assert_array_equal(host, want)


def test_select_reads_strided_views_in_place():
    base = np.arange(24.0).reshape(4, 6)
    d = numba_array(base)
    view = d[::-1, ::2]
    cond = base[::-1, ::2] % 4 == 0
    got = mf.to_host(select(cond, view, -5.0))
    np.testing.assert_array_equal(got, np.where(cond, base[::-1, ::2], -5.0))


def test_select_gives_back_the_callers_library(libraries):
    x = np.arange(4.0)
    got = select(np.array([True, False, False, True]), CupyArray(numba_array(x)), 0.0)
    assert type(got) is CupyArray
    np.testing.assert_array_equal(mf.to_host(got), [0.0, 0.0, 0.0, 3.0])
    t = Tensor(numba_array(x.astype(np.int32)))
    got = select(Tensor(numba_array(np.array([False, True, True, True]))), t, 9)
    assert type(got) is Tensor and numpy_dtype(got) == np.int32
    np.testing.assert_array_equal(mf.to_host(got), [9, 1, 2, 3])


@pytest.mark.parametrize("args, error, pattern", [
    (lambda d: (np.ones(3, bool), np.arange(3.0), 0.0), TypeError, "x must be a device array"),
    (lambda d: (np.ones(3, np.int64), d, 0.0), TypeError, "cond must be a bool array.*int64"),
    (lambda d: (np.ones(4, bool), d, 0.0), ValueError,
     r"cond of shape \(4,\) does not broadcast to x's shape \(3,\)"),
    (lambda d: (np.ones((2, 3), bool), d, 0.0), ValueError,
     r"cond of shape \(2,3\) does not broadcast"),
    (lambda d: (np.ones(3, bool), d, [0.0]), TypeError, "fill must be a scalar"),
    (lambda d: (np.ones(3, bool), mf.to_device(np.arange(3)), 1.5), ValueError,
     "fill 1.5 is not a int64 value"),
    (lambda d: (np.ones(3, bool), mf.to_device(np.arange(3, dtype=np.int32)), 2**40),
     OverflowError, "out of bounds for int32"),
], ids=["host-x", "int-cond", "long-cond", "cond-larger", "array-fill", "fraction-in-int",
        "overflow-int32"])
def test_select_errors(args, error, pattern):
    d = numba_array(np.arange(3.0))
    with pytest.raises(error, match=pattern):
        select(*args(d))


# --- the real libraries, on a GPU -------------------------------------------------------

@pytest.mark.gpu
def test_real_cupy_in_cupy_out():
    cupy = pytest.importorskip("cupy")
    x = cupy.arange(1, 1001, dtype=cupy.float32)
    with cupy.cuda.Stream(non_blocking=True):  # the caller's stream, not the default one
        got = mf.sqrt(x) * 2  # a CuPy array: its operators work
        total = mf.sum(x)
        cupy.cuda.get_current_stream().synchronize()
    assert type(got) is cupy.ndarray and got.dtype == cupy.float32
    cupy.testing.assert_allclose(got, cupy.sqrt(x) * 2, rtol=1e-6)
    assert type(total) is cupy.ndarray and total.shape == () and total.dtype == cupy.float32
    assert float(total) == pytest.approx(float(x.sum()), rel=1e-6)


@pytest.mark.gpu
def test_real_torch_in_torch_out():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("PyTorch sees no GPU")
    x = torch.arange(1, 1001, dtype=torch.float64, device="cuda")
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())  # x is written on the default stream
    with torch.cuda.stream(side):  # a non-blocking stream: the work must go there
        y = x * 3
        got = mf.sqrt(y) + 1  # a tensor: its operators work
        total = mf.sum(y, axis=0)
    side.synchronize()
    assert type(got) is torch.Tensor and got.dtype == torch.float64 and got.device == x.device
    torch.testing.assert_close(got, torch.sqrt(x * 3) + 1)
    assert type(total) is torch.Tensor and total.shape == ()
    assert float(total) == float((x * 3).sum())


@pytest.mark.gpu
def test_real_cupy_select():
    cupy = pytest.importorskip("cupy")
    from mathfront.cuda_numba import select as device_select

    x = cupy.arange(10, dtype=cupy.int64)
    got = device_select(x % 3 == 0, x, -1)
    assert type(got) is cupy.ndarray
    np.testing.assert_array_equal(cupy.asnumpy(got), np.where(np.arange(10) % 3 == 0,
                                                              np.arange(10), -1))

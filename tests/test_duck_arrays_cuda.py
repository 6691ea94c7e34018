"""The cuda backend never reads a host operand or ``out`` with semantics of its own as a
plain array; ``np.memmap`` it takes as the host array it is.

Runs on the Numba CUDA simulator (NUMBA_ENABLE_CUDASIM=1) or a GPU, skipped
without either. tests/test_duck_arrays.py holds the rule for every backend.
"""

from __future__ import annotations

import mathfront as mf
import numpy as np
import pytest
from test_duck_arrays import OWN, refusal, selected

CUDA = {s.name: s for s in mf.backends()}["cuda"].available
pytestmark = [
    pytest.mark.skipif(not CUDA, reason="no GPU and no simulator (NUMBA_ENABLE_CUDASIM=1)"),
    pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning"),
]


@pytest.mark.parametrize("how", ["keyword", "set_backend", "use_backend"])
@pytest.mark.parametrize("kind", sorted(OWN))
def test_cuda_refuses_host_operands_with_own_semantics(kind, how):
    x = OWN[kind]()
    with selected(how, "cuda") as keywords:
        with pytest.raises(TypeError, match=refusal("mean", "cuda", "operand 0", type(x))):
            mf.mean(x, **keywords)
        with pytest.raises(TypeError, match=refusal("add", "cuda", "operand 1", type(x))):
            mf.add(1.0, x, **keywords)


def test_cuda_refuses_pandas():
    pd = pytest.importorskip("pandas")
    series = pd.Series([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=refusal("sum", "cuda", "operand 0", pd.Series)):
        mf.sum(series, backend="cuda")
    with pytest.raises(TypeError, match=refusal("sum", "cuda", "operand 0", pd.Series)):
        mf.sum(pd.Series([1, 2, 3], dtype="Int64"), backend="cuda")


@pytest.mark.parametrize("kind", ["masked", "tagged", "logged"])
def test_cuda_refuses_a_host_out_with_own_semantics(kind):
    host = np.arange(3.0)
    device = mf.to_device(host)
    for operand in (host, device):  # host in, and device in (where out must be on the GPU)
        out = OWN[kind]()
        before = np.array(out, copy=True)
        with pytest.raises(TypeError, match=refusal("add", "cuda", "out", type(out))):
            mf.add(operand, 1.0, out=out, backend="cuda")
        np.testing.assert_array_equal(np.asarray(out), before)


def test_cuda_takes_memmap_as_a_host_array(tmp_path):
    data = np.array([1.0, 2.0, 4.0])
    mm = np.memmap(tmp_path / "x.dat", dtype=np.float64, mode="w+", shape=(3,))
    mm[:] = data
    result = mf.add(mm, 1.0, backend="cuda")
    assert type(result) is np.ndarray  # NumPy's type for np.add(mm, 1.0) too
    np.testing.assert_array_equal(result, np.add(data, 1.0))
    out = np.memmap(tmp_path / "out.dat", dtype=np.float64, mode="w+", shape=())
    assert mf.max(mm, out=out, backend="cuda") is out
    assert out[()] == np.max(data)

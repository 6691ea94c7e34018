"""Compiles every kernel the simulator run recorded to PTX for a real GPU.

    NUMBA_ENABLE_CUDASIM=1 MATHFRONT_RECORD_KERNELS=k.pkl pytest -k cuda
    python tests/check_ptx.py k.pkl [compute capability, default 9.0]

Needs Numba-CUDA's compiler (``pip install "numba-cuda[cu12]"``), not a GPU
or a driver. Exits non-zero, naming the kernel and types, on the first failure.

Every op of the table on every dtype NumPy computes it for is among them,
whatever the sampled tests draw: tests/test_cuda_dtypes.py launches each once.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    sys.exit("check_ptx.py compiles for a real GPU: run it without NUMBA_ENABLE_CUDASIM")

from kernel_record import kernel, recorded
from numba import cuda


def _compile(work: tuple[list[tuple], tuple[int, int]]) -> str | None:
    """Compiles a share of the entries; the first failure, described, or None."""
    entries, cc = work
    # Device functions compile for "the current device": with no GPU here,
    # the target is the one asked for.
    from types import SimpleNamespace

    from numba.cuda import dispatcher

    dispatcher.get_current_device = lambda: SimpleNamespace(compute_capability=cc)
    for module, key, argtypes in entries:
        try:
            cuda.compile_ptx(kernel(module, key).py_func, argtypes, cc=cc)
        except Exception as e:
            return f"{module} kernel {key} with {argtypes}:\n{e}"
    return None


def main(path: str, cc: tuple[int, int]) -> int:
    entries = recorded(path)
    start = time.perf_counter()
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        shares = [(entries[i::workers], cc) for i in range(workers)]
        failures = [f for f in pool.map(_compile, shares) if f]
    if failures:
        print(f"FAILED: {failures[0]}", file=sys.stderr)
        return 1
    print(f"{len(entries)} kernels compiled to PTX for sm_{cc[0]}{cc[1]} "
          f"in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    cc = tuple(int(p) for p in (sys.argv[2] if len(sys.argv) > 2 else "9.0").split("."))
    sys.exit(main(sys.argv[1], cc))

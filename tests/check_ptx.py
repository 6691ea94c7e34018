"""Compiles every kernel the simulator run recorded to PTX for a real GPU.

    NUMBA_ENABLE_CUDASIM=1 MATHFRONT_RECORD_KERNELS=k.pkl pytest -k cuda
    python tests/check_ptx.py k.pkl [compute capability, default 9.0] [--all]

Needs Numba-CUDA's compiler (``pip install "numba-cuda[cu12]"``), not a GPU
or a driver. Exits non-zero, naming the kernel and types, on the first failure.

Every op of the table on every dtype NumPy computes it for is among them,
whatever the sampled tests draw: tests/test_cuda_dtypes.py launches each once.
By default one representative of each class is compiled
(kernel_record.representatives: every op at every loop and result dtype,
every template at every dtype signature and array structure),
about half the kernels launched; ``--all`` compiles every one.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    sys.exit("check_ptx.py compiles for a real GPU: run it without NUMBA_ENABLE_CUDASIM")

from kernel_record import kernel, recorded, representatives
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


def main(path: str, cc: tuple[int, int], everything: bool = False) -> int:
    launched = recorded(path)
    entries = launched if everything else representatives(launched)
    start = time.perf_counter()
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        shares = [(entries[i::workers], cc) for i in range(workers)]
        failures = [f for f in pool.map(_compile, shares) if f]
    if failures:
        print(f"FAILED: {failures[0]}", file=sys.stderr)
        return 1
    print(f"{len(entries)} kernels (of {len(launched)} launched) compiled to PTX for "
          f"sm_{cc[0]}{cc[1]} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    everything = "--all" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--all"]
    cc = tuple(int(p) for p in (args[1] if len(args) > 1 else "9.0").split("."))
    sys.exit(main(args[0], cc, everything))

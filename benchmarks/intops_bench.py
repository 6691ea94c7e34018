"""Issue 13's bitwise and rounding target: 1e8 elements, out= given, 2 threads,
cpp against NumPy (>= 1.5x), plus the integer-division slice for the record.

    python benchmarks/intops_bench.py [n] [threads]

Rounds alternate NumPy and cpp on the same arrays; the median of each is reported.
"""

from __future__ import annotations

import statistics
import sys
import time

import mathfront as mf
import numpy as np

N = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000_000
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
ROUNDS = 5

#: (op, dtype): the issue's target ops first (bitwise, rounding), then the others.
CASES = [("bitwise_and", "int32"), ("bitwise_xor", "int64"), ("invert", "int32"),
         ("left_shift", "int32"), ("right_shift", "int64"), ("round", "float32"),
         ("round", "float64"), ("floor_divide", "int32"), ("remainder", "int64"),
         ("floor_divide", "float64"), ("reciprocal", "float32"), ("nextafter", "float64"),
         ("conj", "float64")]


def operands(op: str, dtype: str, rng) -> list[np.ndarray]:
    arity = mf.__dict__[op].op.arity
    if dtype.startswith("float"):
        xs = [rng.uniform(-1e3, 1e3, N).astype(dtype) for _ in range(arity)]
    else:
        xs = [rng.integers(-1000, 1000, N, dtype=dtype) for _ in range(arity)]
    if op.endswith("shift"):
        xs[1] = rng.integers(0, 31, N, dtype=dtype)
    if op in ("floor_divide", "remainder") and dtype.startswith("int"):
        xs[1][xs[1] == 0] = 7
    return xs


def main() -> None:
    mf.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    print(f"n={N:.0e}, {THREADS} threads, out= given, median of {ROUNDS} alternated rounds")
    print("| op | dtype | NumPy (ms) | cpp (ms) | speed-up |")
    print("|---|---|---|---|---|")
    for op, dtype in CASES:
        xs = operands(op, dtype, rng)
        out = np.empty_like(xs[0])
        ref = getattr(np, mf.__dict__[op].op.reference.__name__)
        ours = getattr(mf, op)
        numpy_t, cpp_t = [], []
        with np.errstate(all="ignore"):
            for _ in range(ROUNDS):
                t = time.perf_counter()
                ref(*xs, out=out)
                numpy_t.append(time.perf_counter() - t)
                t = time.perf_counter()
                ours(*xs, out=out, backend="cpp")
                cpp_t.append(time.perf_counter() - t)
        a, b = statistics.median(numpy_t), statistics.median(cpp_t)
        print(f"| {op} | {dtype} | {a * 1e3:.1f} | {b * 1e3:.1f} | {a / b:.2f}x |", flush=True)
        del xs, out


if __name__ == "__main__":
    main()

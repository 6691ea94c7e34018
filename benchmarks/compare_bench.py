"""Comparisons, predicates and logical ops on the cpp backend against NumPy:
1e8 elements, out= a bool array, 2 threads (issue 13's target: >= 1.5x NumPy).

    python benchmarks/compare_bench.py [--n 1e8] [--threads 2] [--rounds 5]

Each row: NumPy and mathfront alternated, one call each per round, median of the
rounds (ms per call). GB/s count the bytes an op must move (inputs read, the
bool result written).
"""

from __future__ import annotations

import argparse
import statistics
import time

import mathfront as mf
import numpy as np

BINARY = ("less", "equal", "greater_equal", "logical_and", "logical_xor")
UNARY = ("isnan", "isfinite", "signbit", "logical_not")


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=float, default=1e8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32", "int32"])
    args = parser.parse_args(argv)
    n = int(args.n)
    mf.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    out = np.empty(n, bool)
    print(f"n={n:.0e}, {args.threads} threads, NumPy {np.__version__}")
    print("| op | dtype | NumPy ms | cpp ms | speed-up | cpp GB/s |")
    print("|---|---|---|---|---|---|")
    for dtype in args.dtypes:
        a = rng.integers(-3, 4, n).astype(dtype)
        b = rng.integers(-3, 4, n).astype(dtype)
        for name in (*BINARY, *UNARY):
            operands = (a, b) if name in BINARY else (a,)
            numpy_fn, ours = getattr(np, name), getattr(mf, name)
            calls = {"numpy": lambda f=numpy_fn, o=operands: f(*o, out=out),
                     "cpp": lambda f=ours, o=operands: f(*o, out=out, backend="cpp")}
            times = {k: [] for k in calls}
            for fn in calls.values():
                fn()  # warm up
            for _ in range(args.rounds):  # alternated: both see the same machine
                for k, fn in calls.items():
                    times[k].append(seconds(fn))
            t_np, t_mf = (statistics.median(times[k]) * 1e3 for k in calls)
            moved = n * (a.itemsize * len(operands) + 1)
            print(f"| {name} | {dtype} | {t_np:.1f} | {t_mf:.1f} | {t_np / t_mf:.2f}x | "
                  f"{moved / t_mf / 1e6:.1f} |")
        del a, b


if __name__ == "__main__":
    main()

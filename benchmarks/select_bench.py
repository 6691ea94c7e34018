"""where and clip on the cpp backend against NumPy: float64, 1 and 2 threads.

    python benchmarks/select_bench.py [n]      # n elements (default 1e8)

clip writes into a preallocated out= on both sides (np.clip(x, lo, hi, out=out));
where has no out= in NumPy, so both allocate their result. Each: NumPy and
mathfront alternated, median of the rounds (ms per call).
"""

import statistics
import sys
import time

import mathfront as mf
import numpy as np


def timed(numpy_call, ours_call, rounds):
    numpy, ours = [], []
    ours_call()  # warm up (and the pages of out)
    for _ in range(rounds):
        start = time.perf_counter()
        numpy_call()
        numpy.append(time.perf_counter() - start)
        start = time.perf_counter()
        ours_call()
        ours.append(time.perf_counter() - start)
    return statistics.median(numpy), statistics.median(ours)


def main():
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10**8
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    condition = x > 0
    out = np.empty_like(x)
    rounds = 5 if n < 10**8 else 3
    cases = {
        "clip(x, -1, 1, out=out)": (lambda: np.clip(x, -1.0, 1.0, out=out),
                                    lambda: mf.clip(x, -1.0, 1.0, out=out, backend="cpp")),
        "where(c, x, 0.0)": (lambda: np.where(condition, x, 0.0),
                             lambda: mf.where(condition, x, 0.0, backend="cpp")),
    }
    for threads in (1, 2):
        mf.set_num_threads(threads)
        for name, (numpy_call, ours_call) in cases.items():
            a, b = timed(numpy_call, ours_call, rounds)
            print(f"{name} float64 n={n:.0e} threads={threads}: NumPy {a * 1e3:.1f} ms, "
                  f"cpp {b * 1e3:.1f} ms, {a / b:.2f}x")


if __name__ == "__main__":
    main()

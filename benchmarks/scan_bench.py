"""cumsum on the cpp backend against NumPy: float64, out= given, 1 and 2 threads.

    python benchmarks/scan_bench.py

Each size: NumPy and mathfront alternated, median of the rounds (ms per call).
"""

import statistics
import time

import mathfront as mf
import numpy as np


def main():
    for n in (10**6, 10**7, 10**8):
        x = np.random.default_rng(0).random(n)
        out = np.empty_like(x)
        for threads in (1, 2):
            mf.set_num_threads(threads)
            mf.cumsum(x, out=out, backend="cpp")  # warm up
            numpy, ours = [], []
            for _ in range(5 if n < 10**8 else 3):
                start = time.perf_counter()
                np.cumsum(x, out=out)
                numpy.append(time.perf_counter() - start)
                start = time.perf_counter()
                mf.cumsum(x, out=out, backend="cpp")
                ours.append(time.perf_counter() - start)
            a, b = statistics.median(numpy), statistics.median(ours)
            print(f"cumsum float64 n={n:.0e} threads={threads}: NumPy {a * 1e3:.1f} ms, "
                  f"cpp {b * 1e3:.1f} ms, {a / b:.2f}x")


if __name__ == "__main__":
    main()

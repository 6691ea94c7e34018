"""Per-call cost on tiny arrays: mathfront's dispatch next to NumPy's own.

    python benchmarks/overhead.py [--repeats 9]

Each case is timed in interleaved rounds (every case once per round, so drift
hits all alike); the figure is the median round, in ns per call.
"""

import argparse
import statistics
import subprocess
import sys
import timeit

import mathfront as mf
import numpy as np

a, b, out = np.ones(8), np.ones(8), np.empty(8)
LIST, SCALAR, SCALAR32 = [1.0, 2.0, 3.0], np.float64(1), np.float32(2)

CASES = {
    "np.add(a, b)": lambda: np.add(a, b),
    "mf.add(a, b)": lambda: mf.add(a, b),
    "mf.add(a, b, backend='cpp')": lambda: mf.add(a, b, backend="cpp"),
    "mf.add(a, b, backend='numpy')": lambda: mf.add(a, b, backend="numpy"),
    "np.add(a, b, out=out)": lambda: np.add(a, b, out=out),
    "mf.add(a, b, out=out)": lambda: mf.add(a, b, out=out),
    "np.sum(a)": lambda: np.sum(a),
    "mf.sum(a)": lambda: mf.sum(a),
    "np.add(list, 1.0)": lambda: np.add(LIST, 1.0),
    "mf.add(list, 1.0)": lambda: mf.add(LIST, 1.0),
    "np.sum(list)": lambda: np.sum(LIST),
    "mf.sum(list)": lambda: mf.sum(LIST),
    "np.add(np.float64(1), 1.0)": lambda: np.add(SCALAR, 1.0),
    "mf.add(np.float64(1), 1.0)": lambda: mf.add(SCALAR, 1.0),
    "np.sqrt(np.float32(2))": lambda: np.sqrt(SCALAR32),
    "mf.sqrt(np.float32(2))": lambda: mf.sqrt(SCALAR32),
}
REFERENCE = {"mf.add(a, b)": "np.add(a, b)", "mf.add(a, b, backend='cpp')": "np.add(a, b)",
             "mf.add(a, b, backend='numpy')": "np.add(a, b)",
             "mf.add(a, b, out=out)": "np.add(a, b, out=out)", "mf.sum(a)": "np.sum(a)",
             "mf.add(list, 1.0)": "np.add(list, 1.0)", "mf.sum(list)": "np.sum(list)",
             "mf.add(np.float64(1), 1.0)": "np.add(np.float64(1), 1.0)",
             "mf.sqrt(np.float32(2))": "np.sqrt(np.float32(2))"}


def cold_import_seconds(repeats: int) -> float:
    code = "import time; t = time.perf_counter(); import mathfront; print(time.perf_counter() - t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(repeats)]
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--number", type=int, default=20_000)
    args = parser.parse_args()
    for fn in CASES.values():
        fn()  # warm up: build kernels, load the extension
    rounds = {name: [] for name in CASES}
    for _ in range(args.repeats):
        for name, fn in CASES.items():
            rounds[name].append(timeit.timeit(fn, number=args.number) / args.number * 1e9)
    median = {name: statistics.median(times) for name, times in rounds.items()}
    print(f"{'case (8 float64 elements)':34s} {'ns/call':>8s} {'vs NumPy':>9s}")
    for name, ns in median.items():
        ref = REFERENCE.get(name)
        ratio = f"{ns / median[ref]:8.2f}x" if ref else ""
        print(f"{name:34s} {ns:8.0f} {ratio:>9s}")
    print(f"cold `import mathfront` (numpy included): {cold_import_seconds(5):.3f} s")


if __name__ == "__main__":
    main()

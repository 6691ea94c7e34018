"""The cpp engine's transcendentals against NumPy (issue 13's SIMD targets).

    python benchmarks/transcendental_bench.py [--ops tan exp2 ...] [--sizes 1000 10000000]
                                              [--dtypes float64 float32] [--rounds 7]

For each op, dtype and size, NumPy and mathfront's cpp engine with 1 and with
2 threads run interleaved (one round of each in turn, after a warm-up), into
a preallocated ``out=``; the figures are medians over rounds. Prints a Markdown
table: ns per element, the ratios NumPy / cpp, and the issue's target for the
2-thread ratio at the largest size (2x where NumPy's own loop is scalar, 1.6x
where it is SIMD; which is which is printed per op from NumPy's own speed).
"""

from __future__ import annotations

import argparse
import platform
import subprocess

import mathfront as mf
import numpy as np
from mathfront.bench.timing import Timed, interleaved

OPS = ("tan", "tanh", "sinh", "cosh", "expm1", "log1p", "log2", "log10", "arctan2", "hypot",
       "arccos", "arcsin", "arctan", "cbrt", "exp2")

#: Inputs where each op is defined and its result finite (uniform in [lo, hi]).
RANGES = {"arcsin": (-1, 1), "arccos": (-1, 1), "log1p": (-0.9, 10), "log2": (0.01, 100),
          "log10": (0.01, 100), "sinh": (-20, 20), "cosh": (-20, 20), "exp2": (-30, 30)}

#: NumPy's loop is scalar below this many ns per float64 element on a 2-4 GHz
#: core (its SIMD loops take 0.3-2, its libm loops 10-30).
SCALAR_NS = 5.0


def inputs(name, n, dtype, rng):
    lo, hi = RANGES.get(name, (-10, 10))
    args = [rng.uniform(lo, hi, n).astype(dtype)]
    if name in ("arctan2", "hypot"):
        args.append(rng.uniform(lo, hi, n).astype(dtype))
    return args


def measure(name, n, dtype, rounds):
    args = inputs(name, n, dtype, np.random.default_rng(0))
    out = np.empty_like(args[0])
    np_fn, mf_fn = getattr(np, name), getattr(mf, name)
    entries = {
        "numpy": Timed(lambda: np_fn(*args, out=out)),
        "cpp1": Timed(lambda: mf_fn(*args, out=out, backend="cpp"),
                      before=lambda: mf.set_num_threads(1)),
        "cpp2": Timed(lambda: mf_fn(*args, out=out, backend="cpp"),
                      before=lambda: mf.set_num_threads(2)),
    }
    samples = interleaved(entries, rounds=rounds)
    return {k: s.median / n * 1e9 for k, s in samples.items()}


def revision():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", nargs="+", default=OPS)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10_000_000])
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    threads = mf.get_num_threads()
    from numpy._core._multiarray_umath import __cpu_features__ as features

    simd = [k for k in ("AVX512_SKX", "AVX512F", "AVX2", "FMA3") if features.get(k)]
    print(f"revision {revision()}, {platform.processor() or platform.machine()}, "
          f"NumPy {np.__version__} ({', '.join(simd)}), mathfront threads {threads}")
    print()
    print("| op | dtype | n | numpy ns/el | cpp 1 thr | cpp 2 thr | ratio 1 thr | ratio 2 thr "
          "| NumPy loop | target | met |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    top = max(args.sizes)
    try:
        for name in args.ops:
            for dtype in args.dtypes:
                for n in sorted(args.sizes):
                    t = measure(name, n, dtype, args.rounds)
                    r1, r2 = t["numpy"] / t["cpp1"], t["numpy"] / t["cpp2"]
                    row = (f"| {name} | {dtype} | {n:.0e} | {t['numpy']:.2f} | {t['cpp1']:.2f} "
                           f"| {t['cpp2']:.2f} | {r1:.2f} | {r2:.2f} |")
                    if n == top:
                        scalar = t["numpy"] > SCALAR_NS
                        target = 2.0 if scalar else 1.6
                        row += (f" {'scalar' if scalar else 'SIMD'} | {target} "
                                f"| {'met' if r2 >= target else 'missed'} |")
                    else:
                        row += f" | | {'ok' if min(r1, r2) >= 1 else 'slower'} |"
                    print(row, flush=True)
    finally:
        mf.set_num_threads(threads)


if __name__ == "__main__":
    main()

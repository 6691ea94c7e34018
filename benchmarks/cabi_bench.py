"""A jitted call of the C ABI's mf_sum_f64 against np.sum inside @njit.

    python benchmarks/cabi_bench.py [--n 10000000] [--rounds 9] [--threads 1 2]

Both run inside the same @njit function shape, interleaved, median of
rounds after warm-up (mathfront.bench.timing). Numba's np.sum is a
single-threaded sequential loop; mf_sum_f64 is the cpp backend's kernel
(threaded, SIMD, pairwise). Target (issue 6): >= 1.5x on 1e7 float64.
"""

from __future__ import annotations

import argparse
import platform
import subprocess

import mathfront as mf
import numpy as np
from mathfront.bench.timing import interleaved
from mathfront.cabi import ffi, lib
from numba import njit


@njit
def abi_sum(x):
    return lib.mf_sum_f64(ffi.from_buffer(x), x.size)


@njit
def numba_sum(x):
    return np.sum(x)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    x = np.random.default_rng(0).random(args.n)
    exact = float(np.sum(x.astype(np.longdouble)))
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    print(f"{platform.processor() or platform.machine()}, numba {__import__('numba').__version__}"
          f", NumPy {np.__version__}, revision {revision}, n = {args.n:.0e} float64\n")
    print("| threads | np.sum in @njit ms | mf_sum_f64 in @njit ms | speed-up | GB/s "
          "| rel. error numba / mf | target | met |")
    print("|---|---|---|---|---|---|---|---|")
    for threads in args.threads:
        mf.set_num_threads(threads)
        samples = interleaved({"numba": lambda: numba_sum(x), "abi": lambda: abi_sum(x)},
                              rounds=args.rounds)
        ours, theirs = samples["abi"].median, samples["numba"].median
        errors = (abs(numba_sum(x) - exact) / exact, abs(abi_sum(x) - exact) / exact)
        speedup = theirs / ours
        print(f"| {threads} | {theirs * 1e3:.2f} | {ours * 1e3:.2f} | {speedup:.2f}x "
              f"| {x.nbytes / ours / 1e9:.1f} | {errors[0]:.1e} / {errors[1]:.1e} | >= 1.5x "
              f"| {'yes' if speedup >= 1.5 else 'NO'} |")


if __name__ == "__main__":
    main()

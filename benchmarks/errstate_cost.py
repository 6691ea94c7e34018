"""What honouring np.errstate costs a call that raises no floating-point flag.

    python benchmarks/errstate_cost.py [--threads 1] [--backend auto]

Times mf.add(a, b, out=o) and mf.sum(a) on arrays without special values
(min of 21 repeats, microseconds per call). Run it on two builds, one after
the other and several times over, and compare the minima (RESULTS.md).
"""

from __future__ import annotations

import argparse
import timeit

import mathfront as mf
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--backend", default="auto")
    args = parser.parse_args()
    mf.set_num_threads(args.threads)
    mf.set_backend(args.backend)
    for n in (10, 1000, 100_000, 4_000_000):
        a = np.random.default_rng(0).random(n) + 0.5
        b, out = a.copy(), np.empty(n)
        calls = {"add": lambda a=a, b=b, out=out: mf.add(a, b, out=out),
                 "sum": lambda a=a: mf.sum(a)}
        for name, call in calls.items():
            number = max(1, 200_000 // max(n, 100))
            best = min(timeit.repeat(call, number=number, repeat=21)) / number
            print(f"{name} {n}\t{best * 1e6:.3f}")


if __name__ == "__main__":
    main()

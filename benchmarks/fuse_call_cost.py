"""Per-call cost of a fused call at 1e3 elements: ``mf.fuse``, ``mf.evaluate``, the cpp
engine's run alone and NumPy unfused, for ``2*a + 3*b`` on two float64 inputs.

    python benchmarks/fuse_call_cost.py [--rounds 40] [--n 1000]

Best of ``rounds`` interleaved rounds of 2000 calls each (best, not median: the
cost of the code, not of the machine's other load).
"""

from __future__ import annotations

import argparse
import timeit

import mathfront as mf
import numpy as np


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args(argv)
    mf.set_backend("cpp")
    a, b = np.random.rand(args.n), np.random.rand(args.n)
    f = mf.fuse(lambda a, b: 2 * a + 3 * b)
    assert np.array_equal(f(a, b), 2 * a + 3 * b)
    (traced, plan), _ = f.traced((a, b))
    run = next(iter(traced.runs.values()))
    scalars, outs, ab, names = plan.scalars, (None,), (a, b), {"a": a, "b": b}
    fns = {"NumPy unfused": lambda: 2 * a + 3 * b, "mf.fuse": lambda: f(a, b),
           "engine run": lambda: run(ab, scalars, outs),
           "mf.evaluate": lambda: mf.evaluate("2*a + 3*b", names)}
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(args.rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], timeit.timeit(fn, number=2000) / 2000)
    print(", ".join(f"{name} {t * 1e6:.2f} us" for name, t in best.items()))


if __name__ == "__main__":
    main()

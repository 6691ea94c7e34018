"""Fused expressions (issue 14) on the cpp engine against NumPy unfused and numexpr.

    python benchmarks/fuse_bench.py [--sizes 10000000 1000] [--threads 1 2] [--rounds 9]

The issue's four expressions on float64 inputs, timed interleaved (median of
rounds after warm-up, mathfront.bench.timing), with the same thread count for
mathfront and numexpr (NumPy is single-threaded). GB/s counts the bytes the
expression must move at least: each input read once, the result written once.
The engine runs hand-built programs (what the tracer gives: ``a**2`` is
``power(a, 2.0)``) until ``mf.fuse`` exists, then ``mf.fuse``. "plan" is the
first call's extra cost: building the C++ plan (CppBackend.fused) once.
numexpr is optional (the bench extra).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import time

import mathfront as mf
import numpy as np
from mathfront import _registry
from mathfront.bench.timing import interleaved
from mathfront.fuse._program import Program, Reduction, Step

try:
    import numexpr
except ImportError:  # optional: the comparison only
    numexpr = None

F = "float64"


def _program(steps, outputs, n_scalars):
    steps = tuple(Step(op, args, F, d) for op, args, d in steps)
    return Program(1, (F, F), (F,) * n_scalars, steps, outputs)


#: name: (NumPy unfused, numexpr string, program, scalars, result bytes per element)
EXPRESSIONS = {
    "2*a + 3*b": (lambda a, b: 2 * a + 3 * b, "2*a + 3*b",
                  _program([("multiply", (2, 0), F), ("multiply", (3, 1), F), ("add", (4, 5), F)],
                           (6,), 2), (2.0, 3.0), 8),
    "sqrt(a**2 + b**2)": (lambda a, b: np.sqrt(a**2 + b**2), "sqrt(a**2 + b**2)",
                          _program([("power", (0, 2), F), ("power", (1, 2), F), ("add", (3, 4), F),
                                    ("sqrt", (5,), F)], (6,), 1), (2.0,), 8),
    "where(a > 0.5, a*b, b - a)": (lambda a, b: np.where(a > 0.5, a * b, b - a),
                                   "where(a > 0.5, a*b, b - a)",
                                   _program([("greater", (0, 2), "bool"), ("multiply", (0, 1), F),
                                             ("subtract", (1, 0), F), ("where", (3, 4, 5), F)],
                                            (6,), 1), (0.5,), 8),
    "sum((a - b)**2)": (lambda a, b: np.sum((a - b) ** 2), "sum((a - b)**2)",
                        _program([("subtract", (0, 1), F), ("power", (3, 2), F)],
                                 (Reduction("sum", 4, None, F),), 1), (2.0,), 0),
}


def fused_call(cpp, program, scalars, a, b, into=None):
    """The engine's run: into a new output per call (as the front end allocates one, and
    NumPy and numexpr do), or into ``into`` (out=, no page faults on fresh memory)."""
    run = cpp.fused(program)
    typed = [np.float64(s) for s in scalars]
    if isinstance(program.outputs[0], Reduction):
        return lambda: run((a, b), typed, (None,))
    if into is not None:
        return lambda: run((a, b), typed, (into,))
    return lambda: run((a, b), typed, (None,))  # the engine allocates it


def plan_ms(cpp, program, repeats=20) -> float:
    """Median time of CppBackend.fused(program) (a fresh plan each time)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        cpp.fused(program)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] * 1e3


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000_000, 1000])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    cpp = _registry.get("cpp")
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    print(f"{platform.processor() or platform.machine()}, NumPy {np.__version__}, numexpr "
          f"{numexpr.__version__ if numexpr else 'absent'}, revision {revision}; a shared, "
          "noisy machine: ratios within one run only\n")
    print("| expression | n | threads | NumPy ms | numexpr ms | mf ms | mf out= ms | mf GB/s "
          "| x NumPy | x numexpr | out=: x NumPy |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for n in args.sizes:
        a, b = rng.random(n), rng.random(n)
        for threads in args.threads:
            mf.set_num_threads(threads)
            if numexpr:
                numexpr.set_num_threads(threads)
            for name, (unfused, string, program, scalars, out_bytes) in EXPRESSIONS.items():
                entries = {"numpy": lambda f=unfused, a=a, b=b: f(a, b),
                           "mf": fused_call(cpp, program, scalars, a, b),
                           "mf out=": fused_call(cpp, program, scalars, a, b, np.empty_like(a))}
                if numexpr:
                    entries["numexpr"] = lambda s=string, v={"a": a, "b": b}: numexpr.evaluate(s, v)
                t = {k: v.median for k, v in interleaved(entries, rounds=args.rounds).items()}
                gbs = n * (16 + out_bytes) / t["mf"] / 1e9
                ne = t.get("numexpr")
                print(f"| `{name}` | {n:.0e} | {threads} | {t['numpy'] * 1e3:.3f} | "
                      f"{ne * 1e3 if ne else float('nan'):.3f} | {t['mf'] * 1e3:.3f} | "
                      f"{t['mf out='] * 1e3:.3f} | {gbs:.1f} | {t['numpy'] / t['mf']:.2f} | "
                      f"{ne / t['mf'] if ne else float('nan'):.2f} | "
                      f"{t['numpy'] / t['mf out=']:.2f} |")
    print("\n| expression | plan build (first call's extra) ms |")
    print("|---|---|")
    for name, (_, _, program, _, _) in EXPRESSIONS.items():
        print(f"| `{name}` | {plan_ms(cpp, program):.3f} |")


if __name__ == "__main__":
    main()

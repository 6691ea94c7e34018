"""Fused expressions (issue 14): ``mf.fuse`` and ``mf.evaluate`` against NumPy and numexpr.

    python benchmarks/fuse_bench.py [--sizes 10000000 1000] [--threads 1 2] [--rounds 7]
                                    [--real-size 1000000] [--engine] [--only issue|real]

What users call, on the selected backend (``--backend``, cpp by default): the
issue's four float64 expressions at each size and thread count, then a set of
"real-world" expressions in float32 and float64 (one strided input among them)
with the geometric mean of the speed ratio against numexpr. Timed interleaved
(median of rounds after warm-up, mathfront.bench.timing), the same thread count
for mathfront and numexpr (NumPy is single-threaded). GB/s counts the bytes an
expression must move at least: each input read once, the result written once.
"first call" is a fresh ``mf.fuse`` function's first call on 1e3 elements:
trace, plan (cpp: CppBackend.fused) and run. ``--engine`` adds the engine alone
(the cpp engine's ``run`` on the traced program: no front end). numexpr is
optional (the bench extra).
"""

from __future__ import annotations

import argparse
import math
import platform
import subprocess
import time

import mathfront as mf
import numpy as np
from mathfront import _registry
from mathfront.bench.timing import interleaved

try:
    import numexpr
except ImportError:  # optional: the comparison only
    numexpr = None

#: The issue's table: name: (NumPy unfused, the function mf.fuse takes, numexpr's string,
#: result bytes per element).
ISSUE = {
    "2*a + 3*b": (lambda a, b: 2 * a + 3 * b, lambda a, b: 2 * a + 3 * b, "2*a + 3*b", 8),
    "sqrt(a**2 + b**2)": (lambda a, b: np.sqrt(a**2 + b**2),
                          lambda a, b: mf.sqrt(a**2 + b**2), "sqrt(a**2 + b**2)", 8),
    "where(a > 0.5, a*b, b - a)": (lambda a, b: np.where(a > 0.5, a * b, b - a),
                                   lambda a, b: mf.where(a > 0.5, a * b, b - a),
                                   "where(a > 0.5, a*b, b - a)", 8),
    "sum((a - b)**2)": (lambda a, b: np.sum((a - b) ** 2), lambda a, b: mf.sum((a - b) ** 2),
                        "sum((a - b)**2)", 0),
}

#: Real-world expressions: name: (NumPy unfused, mf's function, numexpr's string, inputs).
#: Inputs are array names (``x``: every array is x-like) and Python float scalars.
REAL = {
    "a*b + c*(1-a)": (lambda a, b, c: a * b + c * (1 - a), lambda a, b, c: a * b + c * (1 - a),
                      "a*b + c*(1-a)", ("a", "b", "c")),
    "a*b + c*(1-a), a strided": (lambda a, b, c: a * b + c * (1 - a),
                                 lambda a, b, c: a * b + c * (1 - a), "a*b + c*(1-a)",
                                 ("a/2", "b", "c")),
    "exp(-0.5*((x-mu)/s)**2)": (lambda x, mu, s: np.exp(-0.5 * ((x - mu) / s) ** 2),
                                lambda x, mu, s: mf.exp(-0.5 * ((x - mu) / s) ** 2),
                                "exp(-0.5*((x-mu)/s)**2)", ("x", 0.3, 0.2)),
    "log1p(abs(x))*y": (lambda x, y: np.log1p(np.abs(x)) * y,
                        lambda x, y: mf.log1p(abs(x)) * y, "log1p(abs(x))*y", ("x", "y")),
    "(x>0)&(y<1)": (lambda x, y: (x > 0) & (y < 1), lambda x, y: (x > 0) & (y < 1),
                    "(x>0)&(y<1)", ("x", "y")),
    "clip(x*2-1,-1,1)": (lambda x: np.clip(x * 2 - 1, -1, 1), lambda x: mf.clip(x * 2 - 1, -1, 1),
                         # numexpr has no clip
                         "where(x*2-1 < -1, -1, where(x*2-1 > 1, 1, x*2-1))", ("x",)),
    "sum(x*y)": (lambda x, y: np.sum(x * y), lambda x, y: mf.sum(x * y), "sum(x*y)", ("x", "y")),
}


def _n(n):
    return f"1e{round(math.log10(n))}" if n == 10 ** round(math.log10(n)) else str(n)


def _ms(t):
    return f"{t * 1e3:.4g}" if t is not None else ""  # 1e3 elements: microseconds show


def _ratio(num, den):
    return f"{num / den:.2f}" if num is not None and den is not None else ""


def _time(entries, rounds):
    return {k: v.median for k, v in interleaved(entries, rounds=rounds).items()}


def _engine_run(fused, args):
    """The engine's own run for fused(*args)'s trace (no front end): hand-built programs
    are what the tracer gives, so the traced one is used."""
    from mathfront.fuse import _engines

    (traced, plan), _ = fused.traced(args)
    run = _engines.compile_for(_registry.get("cpp"), traced.program)
    scalars = plan.scalars or []
    return lambda: run(list(args), scalars, [None] * len(traced.program.outputs))


def first_call_ms(fn, args, repeats=7) -> float:
    """Median time of a fresh mf.fuse(fn)'s first call (trace, plan, run)."""
    times = []
    for _ in range(repeats):
        fused = mf.fuse(fn)
        start = time.perf_counter()
        fused(*args)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] * 1e3


def issue_table(args, rng) -> None:
    print("| expression | n | threads | NumPy ms | numexpr ms | mf.fuse ms | mf.evaluate ms "
          + ("| engine ms " if args.engine else "")
          + "| fuse GB/s | fuse x NumPy | fuse x numexpr | evaluate x numexpr |")
    print("|---|---|---|---|---|---|---|---|---|---|" + ("---|" if args.engine else ""))
    for n in args.sizes:
        a, b = rng.random(n), rng.random(n)
        v = {"a": a, "b": b}
        for threads in args.threads:
            mf.set_num_threads(threads)
            if numexpr:
                numexpr.set_num_threads(threads)
            for name, (unfused, fn, string, out_bytes) in ISSUE.items():
                fused = mf.fuse(fn)
                entries = {"numpy": lambda f=unfused, a=a, b=b: f(a, b),
                           "fuse": lambda f=fused, a=a, b=b: f(a, b),
                           "evaluate": lambda s=string, v=v: mf.evaluate(s, v)}
                if args.engine:
                    entries["engine"] = _engine_run(fused, (a, b))
                if numexpr:
                    entries["numexpr"] = lambda s=string, v=v: numexpr.evaluate(s, v)
                t = _time(entries, args.rounds)
                ne = t.get("numexpr")
                gbs = n * (16 + out_bytes) / t["fuse"] / 1e9
                print(f"| `{name}` | {_n(n)} | {threads} | {_ms(t['numpy'])} | {_ms(ne)} | "
                      f"{_ms(t['fuse'])} | {_ms(t['evaluate'])} | "
                      + (f"{_ms(t['engine'])} | " if args.engine else "")
                      + f"{gbs:.1f} | {_ratio(t['numpy'], t['fuse'])} | "
                      f"{_ratio(ne, t['fuse'])} | {_ratio(ne, t['evaluate'])} |")
    small = (rng.random(1000), rng.random(1000))
    print("\n| expression | first call of a new mf.fuse (trace + plan + run), 1e3, ms |")
    print("|---|---|")
    for name, (_, fn, _, _) in ISSUE.items():
        print(f"| `{name}` | {first_call_ms(fn, small):.3f} |")


def axis_table(args, rng) -> None:
    """``sum((a - b)**2, axis=k)``: one-axis reductions (the cpp engine's slabs)."""
    print("\n| `sum((a - b)**2, axis=k)`, float64 | axis | threads | NumPy ms | numexpr ms | "
          "mf.fuse ms | fuse GB/s | fuse x NumPy | fuse x numexpr |")
    print("|---|---|---|---|---|---|---|---|---|")
    for shape in ((1000, 5000), (5000, 1000)):
        a, b = rng.random(shape), rng.random(shape)
        v = {"a": a, "b": b}
        for axis in (0, 1):
            for threads in args.threads:
                mf.set_num_threads(threads)
                if numexpr:
                    numexpr.set_num_threads(threads)
                fused = mf.fuse(lambda a, b, axis=axis: mf.sum((a - b) ** 2, axis=axis))
                entries = {"numpy": lambda a=a, b=b, axis=axis: np.sum((a - b) ** 2, axis=axis),
                           "fuse": lambda f=fused, a=a, b=b: f(a, b)}
                if numexpr:
                    entries["numexpr"] = lambda v=v, axis=axis: numexpr.evaluate(
                        f"sum((a - b)**2, axis={axis})", v)
                t = _time(entries, args.rounds)
                ne = t.get("numexpr")
                gbs = a.size * 16 / t["fuse"] / 1e9
                print(f"| {shape} | {axis} | {threads} | {_ms(t['numpy'])} | {_ms(ne)} | "
                      f"{_ms(t['fuse'])} | {gbs:.1f} | {_ratio(t['numpy'], t['fuse'])} | "
                      f"{_ratio(ne, t['fuse'])} |")


def _inputs(spec, n, dtype, rng):
    values, arrays = [], 0
    for s in spec:
        if isinstance(s, float):
            values.append(s)
            continue
        arrays += 1
        step = 2 if s.endswith("/2") else 1
        x = (rng.random(n * step) * 2 - 0.5).astype(dtype)[::step]
        values.append(x)
    names = [s.split("/")[0] if isinstance(s, str) else ("mu", "s")[i - arrays]
             for i, s in enumerate(spec)]
    return values, dict(zip(names, values, strict=True))


def real_table(args, rng) -> None:
    threads = max(args.threads)
    mf.set_num_threads(threads)
    if numexpr:
        numexpr.set_num_threads(threads)
    n = args.real_size
    print(f"\n| real-world, n={_n(n)}, {threads} threads | dtype | NumPy ms | numexpr ms | "
          "mf.fuse ms | mf.evaluate ms | fuse x NumPy | fuse x numexpr |")
    print("|---|---|---|---|---|---|---|---|")
    logs = []
    for dtype in ("float64", "float32"):
        for name, (unfused, fn, string, spec) in REAL.items():
            values, v = _inputs(spec, n, dtype, rng)
            fused = mf.fuse(fn)
            entries = {"numpy": lambda f=unfused, x=values: f(*x),
                       "fuse": lambda f=fused, x=values: f(*x)}
            if "clip" not in name:  # numexpr's where-form string is no mf.evaluate input
                entries["evaluate"] = lambda s=string, v=v: mf.evaluate(s, v)
            if numexpr:
                entries["numexpr"] = lambda s=string, v=v: numexpr.evaluate(s, v)
            t = _time(entries, args.rounds)
            ne = t.get("numexpr")
            if ne:
                logs.append(math.log(ne / t["fuse"]))
            print(f"| `{name}` | {dtype} | {_ms(t['numpy'])} | {_ms(ne)} | {_ms(t['fuse'])} | "
                  f"{_ms(t.get('evaluate'))} | {_ratio(t['numpy'], t['fuse'])} | "
                  f"{_ratio(ne, t['fuse'])} |")
    if logs:
        print(f"\nmf.fuse vs numexpr, geometric mean over {len(logs)}: "
              f"{math.exp(sum(logs) / len(logs)):.2f}x (lowest {math.exp(min(logs)):.2f}x)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000_000, 1000])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--real-size", type=int, default=1_000_000)
    parser.add_argument("--backend", default="cpp")
    parser.add_argument("--engine", action="store_true",
                        help="also time the cpp engine's run alone (no front end)")
    parser.add_argument("--only", choices=("issue", "axis", "real"))
    args = parser.parse_args(argv)
    mf.set_backend(args.backend)
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    print(f"{platform.processor() or platform.machine()}, NumPy {np.__version__}, numexpr "
          f"{numexpr.__version__ if numexpr else 'absent'}, backend {args.backend}, revision "
          f"{revision}; a shared, noisy machine: ratios within one run only\n")
    rng = np.random.default_rng(0)
    if args.only in (None, "issue"):
        issue_table(args, rng)
    if args.only in (None, "axis"):
        axis_table(args, rng)
    if args.only in (None, "real"):
        real_table(args, rng)


if __name__ == "__main__":
    main()

"""The C++ backend's targets, measured next to NumPy in one run.

    python benchmarks/cpu_targets.py [--threads 1 2] [--rounds 7] [--scale 1]

For each row, NumPy and mathfront run interleaved (one call of each per
round, every round), after a warm-up; the figures are medians over rounds.
GB/s count the bytes an op must move; "% bw" compares them with the memory
bandwidth this library's own machinery reaches in the same run (read for
reductions, STREAM add for elementwise ops). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import subprocess

import mathfront as mf
import numpy as np
from mathfront import _cpp
from mathfront.bench.timing import interleaved


class Row:
    """One line of the table: NumPy's call, ours, and what must hold between them."""

    def __init__(self, label, size, numpy_fn, mf_fn, nbytes, target, kind="speedup", traffic="rw"):
        self.label, self.size, self.numpy_fn, self.mf_fn = label, size, numpy_fn, mf_fn
        self.nbytes, self.target, self.kind, self.traffic = nbytes, target, kind, traffic


def rows(scale: float) -> list[Row]:
    rng = np.random.default_rng(0)
    n = int(1e8 * scale)
    a, b, c = rng.random(n), rng.random(n), np.empty(n)
    a32 = a.astype(np.float32)
    x = rng.random(int(1e7 * scale)) * 10 + 0.1
    y = np.empty_like(x)
    m = rng.random((int(10_000 * scale), 1000))
    table = []
    for op in ("add", "subtract", "multiply", "divide"):
        table.append(Row(f"{op} float64, out=", n, lambda op=op: getattr(np, op)(a, b, out=c),
                         lambda op=op: getattr(mf, op)(a, b, out=c), 24 * n, 1.6))
    table.append(Row("add float64, allocating (a + b)", n, lambda: a + b, lambda: mf.add(a, b),
                     24 * n, 2.0))
    for op in ("sum", "mean", "min", "max"):
        table.append(Row(f"{op} float64", n, lambda op=op: getattr(np, op)(a),
                         lambda op=op: getattr(mf, op)(a), 8 * n, 1.7, traffic="read"))
    table.append(Row("sum float32", n, lambda: np.sum(a32), lambda: mf.sum(a32), 4 * n, 2.0,
                     traffic="read"))
    for op in ("var", "std"):
        table.append(Row(f"{op} float64", n, lambda op=op: getattr(np, op)(a),
                         lambda op=op: getattr(mf, op)(a), 8 * n, 8.0, traffic="read"))
    for op in ("exp", "log", "sin"):
        table.append(Row(f"{op} float64, out=", x.size,
                         lambda op=op: getattr(np, op)(x, out=y),
                         lambda op=op: getattr(mf, op)(x, out=y), 16 * x.size, 1.8))
    for axis in (0, 1):
        table.append(Row(f"sum axis {axis} of {m.shape}", m.size,
                         lambda axis=axis: np.sum(m, axis=axis),
                         lambda axis=axis: mf.sum(m, axis=axis), m.nbytes, 1.5, traffic="read"))
    s, t, u = np.ones(8), np.ones(8), np.empty(8)
    table.append(Row("add, 8 elements", 8, lambda: np.add(s, t), lambda: mf.add(s, t), 0, 1.3,
                     "time"))
    table.append(Row("add, 8 elements, out=", 8, lambda: np.add(s, t, out=u),
                     lambda: mf.add(s, t, out=u), 0, 1.3, "time"))
    table.append(Row("sum, 8 elements", 8, lambda: np.sum(s), lambda: mf.sum(s), 0, 1.0, "time"))
    return table


def auto_rows() -> list[tuple[int, dict]]:
    """add at sizes 1..1e6: auto against the faster of numpy and cpp."""
    cases = []
    for size in (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000):
        p, q = np.random.rand(size), np.random.rand(size)
        cases.append((size, {
            "numpy": lambda p=p, q=q: mf.add(p, q, backend="numpy"),
            "cpp": lambda p=p, q=q: mf.add(p, q, backend="cpp"),
            "auto": lambda p=p, q=q: mf.add(p, q),
        }))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the large arrays")
    args = parser.parse_args()
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip() or "unknown"
    cpu = mf.info()["cpu"]["model"]
    print(f"# {cpu}, {platform.machine()}, SIMD level {_cpp.active_level()}, "
          f"NumPy {np.__version__}, revision {revision}\n")
    table = rows(args.scale)
    for threads in args.threads:
        mf.set_num_threads(threads)
        bw = _cpp.bandwidth(1 << 28, 5)
        print(f"## {threads} thread(s): bandwidth read {bw['read']:.1f} GB/s, "
              f"copy {bw['copy']:.1f} GB/s, add {bw['add']:.1f} GB/s\n")
        print("| call | size | NumPy ms | mathfront ms | speed-up | GB/s | % bw | target | met |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|:-:|")
        for row in table:
            times = interleaved({"numpy": row.numpy_fn, "mf": row.mf_fn}, rounds=args.rounds,
                                min_seconds=0.05)
            tn, tm = times["numpy"].median, times["mf"].median
            if row.kind == "time":  # small arrays: our time as a multiple of NumPy's
                ratio, shown, met = tm / tn, f"{tm / tn:.2f}x time", tm / tn <= row.target
                target = f"≤ {row.target}x time"
                gbs = pct = "-"
            else:
                ratio = tn / tm
                shown, met, target = f"{ratio:.2f}x", ratio >= row.target, f"≥ {row.target}x"
                rate = row.nbytes / tm / 1e9
                reference = bw["read" if row.traffic == "read" else "add"]
                gbs, pct = f"{rate:.1f}", f"{100 * rate / reference:.0f}"
            print(f"| {row.label} | {row.size:.0e} | {tn * 1e3:.4g} | {tm * 1e3:.4g} | {shown} | "
                  f"{gbs} | {pct} | {target} | {'yes' if met else 'NO'} |", flush=True)
        print("\n| add size | numpy µs | cpp µs | auto µs | auto / faster | target | met |")
        print("|---:|---:|---:|---:|---:|---:|:-:|")
        for size, cases in auto_rows():
            times = {k: v.median for k, v in interleaved(cases, rounds=args.rounds).items()}
            ratio = times["auto"] / min(times["numpy"], times["cpp"])
            met = "yes" if ratio <= 1.1 else "NO"
            print(f"| {size} | {times['numpy'] * 1e6:.3g} | {times['cpp'] * 1e6:.3g} | "
                  f"{times['auto'] * 1e6:.3g} | {ratio:.2f}x | ≤ 1.1x | {met} |", flush=True)
        print()


if __name__ == "__main__":
    main()

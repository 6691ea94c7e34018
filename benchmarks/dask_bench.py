"""mathfront on Dask (issue 15) against dask.array's own functions, in one run.

    python benchmarks/dask_bench.py [--n 40000000] [--chunks 8] [--workers 1 2]
                                    [--rounds 5] [--threaded]

For each worker count: a ``distributed.LocalCluster(n_workers=W,
threads_per_worker=1, processes=True)``, the inputs (float64, ``--chunks``
equal chunks) persisted in the workers, then the issue's three calls and
dask's own, timed interleaved (median of rounds after warm-up,
mathfront.bench.timing): ``.compute()`` of the lazy array built once. GB/s
counts the inputs' bytes read once. ``--threaded`` adds the same calls under
dask's threaded scheduler (no cluster; the inputs held in this process).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import time

import dask
import dask.array as da
import mathfront as mf
import numpy as np
from distributed import Client, LocalCluster
from mathfront.bench.timing import interleaved


def calls(x, y) -> dict[str, tuple]:
    """Name: (mathfront's lazy array, dask's, bytes read)."""
    fused = mf.fuse(lambda a, b: mf.sum((a - b) ** 2))
    nbytes = x.nbytes
    return {
        "var(x)": (mf.var(x), da.var(x), nbytes),
        "sum(x)": (mf.sum(x), da.sum(x), nbytes),
        "fuse sum((a-b)**2)": (fused(x, y), da.sum((x - y) ** 2), 2 * nbytes),
    }


def run(x, y, rounds: int, label: str) -> list[dict]:
    rows = []
    table = calls(x, y)
    entries = {}
    for name, (mine, theirs, _) in table.items():
        entries[f"mf {name}"] = mine.compute
        entries[f"da {name}"] = theirs.compute
    for name, (mine, theirs, _) in table.items():  # same answers, or the timing means nothing
        a, b = mine.compute(), theirs.compute()
        assert np.allclose(a, b, rtol=1e-9), (name, a, b)
    samples = interleaved(entries, rounds=rounds, min_seconds=0.0)
    for name, (_, _, nbytes) in table.items():
        mine, theirs = samples[f"mf {name}"].median, samples[f"da {name}"].median
        rows.append({"setting": label, "call": name, "mf_ms": mine * 1e3,
                     "da_ms": theirs * 1e3, "ratio": theirs / mine,
                     "mf_gbs": nbytes / mine / 1e9, "da_gbs": nbytes / theirs / 1e9})
    return rows


def inputs(n: int, chunks: int):
    size = -(-n // chunks)
    rng = da.random.default_rng(0)
    return rng.random(n, chunks=size), rng.random(n, chunks=size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40_000_000)
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threaded", action="store_true")
    args = parser.parse_args()
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    print(f"# dask_bench: {time.strftime('%Y-%m-%d %H:%M')} UTC, {platform.node()}, "
          f"revision {revision}, dask {dask.__version__}, n={args.n:.0e} float64 in "
          f"{args.chunks} chunks, {args.rounds} rounds")
    rows = []
    for workers in args.workers:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster):
            x, y = inputs(args.n, args.chunks)
            x, y = x.persist(), y.persist()
            rows += run(x, y, args.rounds, f"LocalCluster {workers} worker(s) x 1 thread")
            del x, y
    if args.threaded:
        with dask.config.set(scheduler="threads"):
            x, y = inputs(args.n, args.chunks)
            x, y = x.persist(), y.persist()
            rows += run(x, y, args.rounds, "threaded scheduler (no cluster)")
    print("\n| setting | call | mathfront ms | dask ms | mathfront / dask speed | "
          "mathfront GB/s | dask GB/s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['setting']} | `{r['call']}` | {r['mf_ms']:.1f} | {r['da_ms']:.1f} | "
              f"{r['ratio']:.2f}x | {r['mf_gbs']:.1f} | {r['da_gbs']:.1f} |")


if __name__ == "__main__":
    main()

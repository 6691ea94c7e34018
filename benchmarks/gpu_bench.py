"""The cuda backend's targets on a real GPU, next to CuPy and a
device-to-device copy, all in one run.

    python benchmarks/gpu_bench.py [--log2n 27] [--rounds 7] [--json gpu.json]

Needs numba-cuda and a GPU; CuPy is optional (without it the CuPy columns
are empty and the "at least CuPy" targets unchecked). Nothing is downloaded.

Every entry runs once per round, interleaved, after a warm-up; kernel times
are CUDA-event times, medians over rounds. GB/s count the bytes an op must
move (add: 3 arrays, a reduction: 1); "% copy" compares them with
``DeviceNDArray.copy_to_device`` (cuMemcpyDtoD) of the same dtype in the
same run. The host time per call of a small ``mf.add`` is the host's own
time (launches are asynchronous), next to CuPy's and a bare Numba launch.
The fused rows (issue 14) time one generated kernel per expression
against the same ops unfused and ``cupy.fuse``. Prints a Markdown table
(with the targets of issue 5) and optionally JSON.
Runs on the simulator too, with tiny sizes, as a smoke test.
"""

from __future__ import annotations

import argparse
import json
import sys

import mathfront as mf
import numpy as np
from mathfront.bench.timing import Timed, interleaved
from numba import cuda


def _cupy():
    try:
        import cupy
    except ImportError:
        return None
    return cupy


def _device_name() -> str:
    from numba import config

    if config.ENABLE_CUDASIM:
        return "Numba CUDA simulator"
    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else name


def bandwidth_rows(n: int, rounds: int, cupy) -> list[dict]:
    """add, multiply, sum, mean, min, max, var, std at ``n`` elements, f32 and f64."""
    rows = []
    rng = np.random.default_rng(0)
    for dtype in ("float32", "float64"):
        itemsize = np.dtype(dtype).itemsize
        a, b, c = (mf.to_device(rng.random(n, dtype=np.float64).astype(dtype)) for _ in range(3))
        ca, cb, cc = (cupy.asarray(x) for x in (a, b, c)) if cupy else (None,) * 3
        entries = {"copy": Timed(lambda c=c, a=a: c.copy_to_device(a), cuda=True)}
        cases = {}  # name: (bytes moved, target kind, target)
        for op in ("add", "multiply"):
            entries[f"mf {op}"] = Timed(lambda op=op, a=a, b=b, c=c: getattr(mf, op)(a, b, out=c),
                                        cuda=True)
            if cupy:
                entries[f"cupy {op}"] = Timed(lambda op=op, a=ca, b=cb, c=cc:
                                              getattr(cupy, op)(a, b, out=c), cuda=True)
            cases[op] = (3 * n * itemsize, "copy", 0.90)
        for op in ("sum", "mean", "min", "max", "var", "std"):
            entries[f"mf {op}"] = Timed(lambda op=op, a=a: getattr(mf, op)(a), cuda=True)
            if cupy:
                entries[f"cupy {op}"] = Timed(lambda op=op, a=ca: getattr(cupy, op)(a), cuda=True)
            cases[op] = (n * itemsize, "cupy3x", 3.0) if op in ("var", "std") else \
                (n * itemsize, "copy", 0.85)
        cuda.synchronize()
        samples = interleaved(entries, rounds=rounds)
        copy_seconds = samples["copy"].median
        copy_gbs = 2 * n * itemsize / copy_seconds / 1e9
        for op, (nbytes, kind, target) in cases.items():
            ours = samples[f"mf {op}"].median
            theirs = samples[f"cupy {op}"].median if cupy else None
            gbs = nbytes / ours / 1e9
            vs_cupy = theirs / ours if theirs else None
            if kind == "copy":
                met = gbs >= target * copy_gbs and (vs_cupy is None or vs_cupy >= 1.0)
                wanted = f">= {target:.0%} of copy, >= CuPy"
            else:
                met = vs_cupy is not None and vs_cupy >= target
                wanted = f">= {target:g}x CuPy"
            rows.append({"case": f"{op} {dtype}, 2^{n.bit_length() - 1}", "seconds": ours,
                         "cupy_seconds": theirs, "gbs": gbs, "copy_gbs": copy_gbs,
                         "pct_copy": gbs / copy_gbs, "vs_cupy": vs_cupy, "target": wanted,
                         "met": met if (cupy or kind == "copy") else None})
        del a, b, c, ca, cb, cc
    return rows


def _bare_add(out, a, b):  # Numba's launch, as a user writing their own kernel pays it
    i = cuda.grid(1)
    if i < out.size:
        out[i] = a[i] + b[i]


def launch_rows(size: int, rounds: int, cupy) -> list[dict]:
    """Host time per call of add on ``size``-element device arrays."""
    bare_add = cuda.jit(_bare_add)
    x = np.arange(size, dtype=np.float32)
    a, b, out = mf.to_device(x), mf.to_device(x), mf.to_device(x)
    blocks = -(-size // 256)
    entries = {
        "mf.add(a, b)": lambda: mf.add(a, b),
        "mf.add(a, b, out=out)": lambda: mf.add(a, b, out=out),
        "numba kernel[grid, block](out, a, b)": lambda: bare_add[blocks, 256](out, a, b),
    }
    if cupy:
        ca, cb, cout = (cupy.asarray(v) for v in (a, b, out))
        entries["cupy.add(a, b)"] = lambda: cupy.add(ca, cb)
        entries["cupy.add(a, b, out=out)"] = lambda: cupy.add(ca, cb, out=cout)
    timed = {name: Timed(fn, before=cuda.synchronize) for name, fn in entries.items()}
    samples = interleaved(timed, rounds=rounds, min_seconds=0.05)
    rows = []
    for name, s in samples.items():
        target = name.startswith("mf.")
        rows.append({"case": f"host time per call: {name}, {size} elements",
                     "seconds": s.median, "target": "<= 10 us" if target else "",
                     "met": s.median <= 10e-6 if target else None})
    return rows


def fused_programs() -> dict:
    """{expression: (Program, scalars, mathfront unfused, CuPy body)}: issue 14's
    expressions on float64, as hand-built programs (what ``mf.fuse`` traces them to)."""
    from mathfront.fuse._program import Program, Reduction, Step

    f8 = "float64"

    def program(scalars, steps, outputs):
        return Program(1, (f8, f8), (f8,) * len(scalars), tuple(Step(op, args, f8, dtype)
                                                               for op, args, dtype in steps),
                       outputs)

    # Registers: a = 0, b = 1, then the scalars, then one per step.
    return {
        "2*a + 3*b": (
            program([2.0, 3.0], [("multiply", (2, 0), f8), ("multiply", (3, 1), f8),
                                 ("add", (4, 5), f8)], (6,)),
            [np.float64(2), np.float64(3)], lambda a, b: mf.add(mf.multiply(2.0, a),
                                                                mf.multiply(3.0, b)),
            lambda xp, a, b: 2 * a + 3 * b),
        "sqrt(a**2 + b**2)": (
            program([], [("square", (0,), f8), ("square", (1,), f8), ("add", (2, 3), f8),
                         ("sqrt", (4,), f8)], (5,)),
            [], lambda a, b: mf.sqrt(mf.add(mf.square(a), mf.square(b))),
            lambda xp, a, b: xp.sqrt(a * a + b * b)),
        "where(a > 0.5, a*b, b - a)": (
            program([0.5], [("greater", (0, 2), "bool"), ("multiply", (0, 1), f8),
                            ("subtract", (1, 0), f8), ("where", (3, 4, 5), f8)], (6,)),
            [np.float64(0.5)], lambda a, b: mf.where(mf.greater(a, 0.5), mf.multiply(a, b),
                                                     mf.subtract(b, a)),
            lambda xp, a, b: xp.where(a > 0.5, a * b, b - a)),
        "sum((a - b)**2)": (
            program([], [("subtract", (0, 1), f8), ("square", (2,), f8)],
                    (Reduction("sum", 3, None, f8),)),
            [], lambda a, b: mf.sum(mf.square(mf.subtract(a, b))),
            lambda xp, a, b: xp.sum((a - b) * (a - b))),
    }


def fused_rows(n: int, rounds: int, cupy) -> list[dict]:
    """Issue 14's expressions on ``n`` float64: one fused kernel, against the same ops
    unfused (mathfront, one kernel each) and ``cupy.fuse``."""
    from mathfront.cuda_numba.fused import compile as fuse
    from mathfront.fuse._program import Reduction

    rng = np.random.default_rng(1)
    a, b = (mf.to_device(rng.random(n)) for _ in range(2))
    ca, cb = (cupy.asarray(x) for x in (a, b)) if cupy else (None, None)
    entries, moved = {}, {}
    for name, (program, scalars, unfused, body) in fused_programs().items():
        run = fuse(program)
        reduces = isinstance(program.outputs[0], Reduction)
        outs = [None] if reduces else [cuda.device_array(n)]
        entries[f"mf fused {name}"] = Timed(
            lambda run=run, scalars=scalars, outs=outs: run([a, b], scalars, outs), cuda=True)
        entries[f"mf unfused {name}"] = Timed(lambda f=unfused: f(a, b), cuda=True)
        if cupy:
            kernel = cupy.fuse()(lambda x, y, body=body: body(cupy, x, y))
            entries[f"cupy.fuse {name}"] = Timed(lambda k=kernel: k(ca, cb), cuda=True)
        moved[name] = (2 if reduces else 3) * n * 8
    for timed in entries.values():  # compiled before timing
        timed.fn()
    cuda.synchronize()
    samples = interleaved(entries, rounds=rounds)
    rows = []
    for name, nbytes in moved.items():
        ours = samples[f"mf fused {name}"].median
        unfused = samples[f"mf unfused {name}"].median
        theirs = samples[f"cupy.fuse {name}"].median if cupy else None
        rows.append({"case": f"fused {name}, float64 2^{n.bit_length() - 1}", "seconds": ours,
                     "cupy_seconds": theirs, "gbs": nbytes / ours / 1e9,
                     "vs_unfused": unfused / ours, "vs_cupy": theirs / ours if theirs else None,
                     "target": f"recorded; {unfused / ours:.2f}x mf unfused", "met": None})
    return rows


def markdown(rows: list[dict], device: str, cupy) -> str:
    def us(v):
        return "" if v is None else f"{v * 1e6:.1f}"

    lines = [f"device: {device}; CuPy {cupy.__version__ if cupy else 'not installed'}", "",
             "| case | mathfront µs | CuPy µs | GB/s | % copy | vs CuPy | target | met |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        gbs = f"{r['gbs']:.0f}" if "gbs" in r else ""
        pct = f"{r['pct_copy']:.0%}" if "pct_copy" in r else ""
        vs = f"{r['vs_cupy']:.2f}x" if r.get("vs_cupy") else ""
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        lines.append(f"| {r['case']} | {us(r['seconds'])} | {us(r.get('cupy_seconds'))} | {gbs} "
                     f"| {pct} | {vs} | {r['target']} | {met} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--log2n", type=int, default=27, help="bandwidth cases: 2^N elements")
    parser.add_argument("--small", type=int, default=1000, help="launch-overhead case size")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    status = {s.name: s for s in mf.backends()}["cuda"]
    if not status.available:
        print(f"the cuda backend is not available: {status.reason}", file=sys.stderr)
        return 2
    cupy = _cupy()
    mf.warmup(["add", "multiply", "sum", "mean", "min", "max", "var", "std"],
              ["float32", "float64"], backend="cuda")
    rows = bandwidth_rows(1 << args.log2n, args.rounds, cupy)
    rows += fused_rows(1 << args.log2n, args.rounds, cupy)
    rows += launch_rows(args.small, args.rounds, cupy)
    device = _device_name()
    print(markdown(rows, device, cupy))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": device, "cupy": cupy.__version__ if cupy else None,
                       "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

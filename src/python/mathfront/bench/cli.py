"""``python -m mathfront bench``: arguments, and the run from start to end."""

from __future__ import annotations

import argparse
import os

import numpy as np

from .._ops import BY_NAME
from . import cases as case_sets
from .report import DEFAULT_THRESHOLD, BenchError


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised rather than printed."""

    def error(self, message):
        raise BenchError(message)


def _size(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r} is not a number") from None
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"size {text!r} must be a positive integer")
    return int(value)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"threshold {text!r} is not a number") from None
    if not 0 < value < 100:
        raise argparse.ArgumentTypeError(f"threshold {text!r} must be between 0 and 100 (percent)")
    return value / 100


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ops", nargs="+", metavar="OP", help="ops to time (default: all)")
    p.add_argument("--dtypes", nargs="+", metavar="DTYPE",
                   help="dtypes (default: float32 float64 int32 int64)")
    p.add_argument("--sizes", nargs="+", type=_size, metavar="N",
                   help="element counts, e.g. 1000 1e6 (default: 1e3 1e5 1e7)")
    p.add_argument("--backends", nargs="+", metavar="NAME",
                   help="backends to time next to numpy, 'auto' among them (default: every\n"
                        "available one)")
    p.add_argument("--threads", nargs="+", type=_positive_int, metavar="N",
                   help="thread counts for threaded backends (default: mf.get_num_threads())")
    p.add_argument("--quick", action="store_true",
                   help="a representative subset at in-cache sizes, under a minute")
    p.add_argument("--rounds", type=_positive_int,
                   help="interleaved rounds per case (default 7, quick 15)")
    p.add_argument("--json", metavar="FILE", help="write results and machine facts as JSON")
    p.add_argument("--compare", metavar="BASELINE.json",
                   help="compare speed-ups with a saved run; exit 1 if any case regressed")
    p.add_argument("--threshold", type=_percent, default=DEFAULT_THRESHOLD, metavar="PCT",
                   help=f"regression threshold in percent (default {100 * DEFAULT_THRESHOLD:g})")
    p.add_argument("--plot", metavar="FILE.png", help="plot GB/s against size per op")


def _check(args, mf) -> None:
    """Everything that can be wrong with the arguments, before anything runs."""
    for op in args.ops or ():
        if op not in BY_NAME:
            raise BenchError(f"unknown op {op!r}; ops are: {', '.join(BY_NAME)}")
    for dtype in args.dtypes or ():
        try:
            kind = np.dtype(dtype).kind
        except TypeError:
            raise BenchError(f"unknown dtype {dtype!r}") from None
        if kind not in "biuf":
            raise BenchError(f"dtype {dtype!r} is not numeric")
    status = {s.name: s for s in mf.backends()}
    for name in args.backends or ():
        if name == "auto":
            continue
        if name not in status:
            raise BenchError(f"unknown backend {name!r}; backends are: {', '.join(status)}")
        if not status[name].available:
            raise BenchError(f"backend {name!r} is not available here: {status[name].reason}")
    for path in (args.json, args.plot):
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        if folder and not os.path.isdir(folder):
            raise BenchError(f"cannot write {path}: no folder {folder}")
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise BenchError("--plot needs matplotlib: pip install matplotlib "
                             "(in mathfront's bench and test extras)") from None


def main(args: argparse.Namespace) -> int:
    try:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    except ImportError:
        raise BenchError("the benchmark needs rich: pip install rich "
                         "(in mathfront's bench and test extras)") from None
    import mathfront as mf

    from . import report as reports
    from . import run as runner

    _check(args, mf)
    baseline = reports.load(args.compare) if args.compare else None
    # The table fits 80 columns: a terminal's width, else $COLUMNS, else 80.
    console = Console()
    quick = args.quick
    ops = args.ops or (case_sets.QUICK_OPS if quick else case_sets.DEFAULT_OPS)
    dtypes = args.dtypes or (case_sets.QUICK_DTYPES if quick else case_sets.DEFAULT_DTYPES)
    sizes = args.sizes or (case_sets.QUICK_SIZES if quick else case_sets.DEFAULT_SIZES)
    backends = args.backends or [s.name for s in mf.backends() if s.available]
    threads = args.threads or [mf.get_num_threads()]
    rounds = args.rounds or (15 if quick else 7)
    min_seconds = 0.005 if quick else 0.02
    selected = case_sets.cases(ops, dtypes, sizes)
    saved_threads = mf.get_num_threads()
    try:
        bandwidths = {str(t): runner.bandwidth(t) for t in threads}
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), console=console, transient=True) as progress:
            task = progress.add_task("timing", total=len(selected))

            def advance(case):
                progress.update(task, advance=1, description=f"timing {case.label}")

            results = runner.run(selected, backends, threads, rounds=rounds,
                                 min_seconds=min_seconds, progress=advance)
    finally:
        mf.set_num_threads(saved_threads)
    settings = {"quick": quick, "rounds": rounds, "min_seconds": min_seconds,
                "threads": threads, "backends": backends}
    report = runner.report(results, bandwidths, settings)
    console.print(reports.table(report))
    if args.json:
        reports.save(report, args.json)
        console.print(f"results written to {args.json}")
    if args.plot:
        reports.plot(report, args.plot)
        console.print(f"plot written to {args.plot}")
    if baseline is None:
        return 0
    changes = reports.compare(baseline, report, args.threshold)
    if not changes:
        raise BenchError(f"{args.compare} has no case in common with this run")
    median, regressed = reports.regressions(changes, args.threshold)
    flagged = {c.key for c in regressed}
    plain = {"markup": False, "highlight": False}  # "[cpp, 2 thr]" is no markup
    console.print(f"speed-ups over NumPy, {args.compare} -> this run:", **plain)
    for c in sorted(changes, key=lambda c: c.ratio):
        console.print(c.describe(c.key in flagged), style="red" if c.key in flagged else None,
                      **plain)
    console.print(f"median change over {len(changes)} cases: "
                  f"{100 * abs(median - 1):.0f}% {'faster' if median > 1 else 'slower'}", **plain)
    if regressed:
        console.print(f"{len(regressed)} case(s) regressed beyond the "
                      f"{100 * args.threshold:g}% threshold: "
                      + "; ".join(c.label for c in regressed), style="red", **plain)
        return 1
    console.print(f"no regression beyond the {100 * args.threshold:g}% threshold")
    return 0

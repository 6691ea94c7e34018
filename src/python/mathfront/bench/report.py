"""Showing, saving and comparing benchmark runs."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass

from .run import SCHEMA

#: The regression threshold. Over 42 pairs of --quick runs on the noisy
#: 2-vCPU VM this was tuned on, no case fell below it by more than its own
#: measured noise, and the median change over all cases stayed within
#: 0.92-1.09 (docs/bench.md); a 2x slowdown is far below it.
DEFAULT_THRESHOLD = 0.40


class BenchError(Exception):
    """A problem with the user's arguments or files: one line, exit status 2."""


def _key(r: dict) -> tuple:
    return (r["op"], r["dtype"], r["size"], r["backend"], r["threads"])


def _label(key: tuple) -> str:
    op, dtype, size, backend, threads = key
    where = backend if threads is None else f"{backend}, {threads} thread{'s' * (threads > 1)}"
    return f"{op} {dtype} n={size:g} [{where}]"


def _time(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def table(report: dict):
    """A rich Table of the results, NumPy's rows first in each group."""
    from rich.table import Table

    bw = report["bandwidth_gbs"]
    title = (f"{report['machine']['cpu']}, SIMD {report['machine']['simd_level']}; bandwidth "
             + ", ".join(f"{t} thr: copy {b['copy']:.1f} / triad {b['triad']:.1f} GB/s"
                         for t, b in bw.items()))
    t = Table(title=title, title_justify="left")
    for column in ("op", "dtype", "size", "backend", "threads", "time", "± spread", "GB/s",
                   "% bw", "speed-up", "launch"):
        t.add_column(column, justify="left" if column in ("op", "dtype", "backend") else "right")
    for r in report["results"]:
        t.add_row(
            r["op"], r["dtype"], f"{r['size']:g}", r["backend"], str(r["threads"] or "-"),
            _time(r["seconds"]), f"{100 * r['spread']:.0f}%", f"{r['gbs']:.2f}",
            f"{r['bandwidth_pct']:.0f}", f"{r['speedup']:.2f}x",
            _time(r["launch_seconds"]) if r["launch_seconds"] else "-",
        )
    return t


def save(report: dict, path: str) -> None:
    with open(path, "w") as f:
        json.dump(report, f, indent=1)


def load(path: str) -> dict:
    """A saved run; BenchError if it cannot be read or is not one."""
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as e:
        raise BenchError(f"cannot read baseline {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise BenchError(f"baseline {path} is not JSON: {e.msg} at line {e.lineno}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise BenchError(f"baseline {path} is not a mathfront bench file (schema {SCHEMA})")
    for r in data.get("results", []):
        if not {"op", "dtype", "size", "backend", "threads", "speedup"} <= set(r):
            raise BenchError(f"baseline {path} has a malformed result: {r!r}"[:200])
    return data


@dataclass(frozen=True)
class Change:
    key: tuple
    before: float  # speed-up over NumPy in the baseline
    after: float   # and now
    margin: float  # the fraction by which it may drop before it is a regression

    @property
    def ratio(self) -> float:
        return self.after / self.before

    @property
    def regressed(self) -> bool:
        return self.ratio < 1 - self.margin

    @property
    def label(self) -> str:
        from rich.markup import escape

        return escape(_label(self.key))  # "[cpp, 2 threads]" is not markup


def compare(baseline: dict, current: dict, threshold: float = DEFAULT_THRESHOLD) -> list[Change]:
    """Changes in speed-up over NumPy for every case both runs have.

    Speed-ups, not times: both runs measured NumPy next to mathfront, so a
    slower machine or a noisy hour moves both. A case may drop by
    ``threshold`` plus the noise either run measured for it (a case whose
    rounds scattered widely cannot show a small regression). The numpy
    backend, the reference itself, is not compared.
    """
    before = {_key(r): r for r in baseline["results"] if r["backend"] != "numpy"}
    changes = []
    for r in current["results"]:
        old = before.get(_key(r))
        if old is None:
            continue
        noise = max(old.get("noise", 0.0), r.get("noise", 0.0))
        changes.append(Change(_key(r), old["speedup"], r["speedup"], threshold + noise))
    return changes


def regressions(changes: list[Change], threshold: float) -> tuple[float, list[Change]]:
    """The median change over all cases, and the cases that regressed.

    Two tests, either enough: a case that fell further than its own margin;
    or a median change over all cases below ``1 - threshold`` (noise moves
    single cases both ways, a slowdown moves most of them down), which names
    every case that fell below that line.
    """
    median = statistics.median(c.ratio for c in changes)
    bad = {c.key: c for c in changes if c.regressed}
    if median < 1 - threshold:
        bad.update({c.key: c for c in changes if c.ratio < 1 - threshold})
    return median, sorted(bad.values(), key=lambda c: c.ratio)


def plot(report: dict, path: str) -> None:
    """GB/s against size, a line per backend (and thread count), a panel per op."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = report["results"]
    ops = list(dict.fromkeys(r["op"] for r in results))
    # One colour per backend and thread count, one line style per dtype.
    engines = list(dict.fromkeys((r["backend"], r["threads"]) for r in results))
    colours = dict(zip(engines, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4,
                       strict=False))
    dtypes = list(dict.fromkeys(r["dtype"] for r in results))
    styles = dict(zip(dtypes, ["-", "--", ":", "-."] * 4, strict=False))
    columns = min(4, len(ops))
    rows = (len(ops) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows), squeeze=False)
    for ax, op in zip(axes.flat, ops, strict=False):
        lines: dict[tuple, list] = {}
        for r in results:
            if r["op"] == op:
                lines.setdefault((r["backend"], r["threads"], r["dtype"]), []).append(r)
        for (backend, threads, dtype), points in sorted(lines.items(), key=str):
            points.sort(key=lambda r: r["size"])
            name = backend if threads is None else f"{backend} ({threads} thr)"
            ax.plot([p["size"] for p in points], [p["gbs"] for p in points], marker="o",
                    color=colours[(backend, threads)], linestyle=styles[dtype],
                    label=f"{name} {dtype}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(op)
        ax.set_xlabel("elements")
        ax.set_ylabel("GB/s moved")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="x-small")
    for ax in list(axes.flat)[len(ops):]:
        ax.set_visible(False)
    machine = report["machine"]
    fig.suptitle(f"mathfront bench: {machine['cpu']} (SIMD {machine['simd_level']}), "
                 f"revision {report['git_revision'] or 'unknown'}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

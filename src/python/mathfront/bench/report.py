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


#: Files --compare reads: /1 wrote medians as "seconds" and "gbs", but its
#: "speedup" and "noise", all that a comparison reads, mean what they mean now.
READABLE_SCHEMAS = ("mathfront.bench/1", SCHEMA)


def _key(r: dict) -> tuple:
    return (r["op"], r["dtype"], r["size"], r["backend"], r["threads"])


def size_text(n: int) -> str:
    """An element count as typed on the command line: 1000 -> 1e3, 2500000 -> 2.5e6."""
    if n < 1000:
        return str(n)
    exponent = len(str(n)) - 1
    mantissa = f"{n / 10 ** exponent:.3g}"
    return f"{mantissa}e{exponent}" if round(float(mantissa) * 10 ** exponent) == n else str(n)


def _case(op: str, dtype: str, size: int) -> str:
    return f"{op} {dtype} {size_text(size)}"


def _where(backend: str, threads: int | None) -> str:
    return backend if threads is None else f"{backend}, {threads} thr"


def _label(key: tuple) -> str:
    op, dtype, size, backend, threads = key
    return f"{_case(op, dtype, size)} [{_where(backend, threads)}]"


def _time(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _gbs(gbs: float) -> str:
    return f"{gbs:.0f}" if gbs >= 100 else f"{gbs:.1f}" if gbs >= 10 else f"{gbs:.2f}"


def _share(pct: float | None) -> str:
    if pct is None:
        return "-"  # a device's kernels: the triad is the host's memory
    # Above 100%: the data sat in a cache, faster than the memory measured.
    return f"{pct:.0f}*" if pct > 100 else f"{pct:.0f}"


def title(report: dict) -> str:
    machine = report["machine"]
    triads = ", ".join(f"{b['triad']:.1f} GB/s on {t} thr"
                       for t, b in report["bandwidth_gbs"].items())
    return f"{machine['cpu']}, SIMD {machine['simd_level']}; memory (triad): {triads}"


def legend(report: dict) -> str:
    rounds = report["settings"]["rounds"]
    return f"Best of {rounds} rounds (± spread); % bw of the triad, *: over 100%, in cache"


def table(report: dict):
    """The results as rich renders them: the machine, a table (NumPy's row first in
    each case; every figure of the best round) that fits 80 columns, a legend."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    results = report["results"]
    launch = any(r["launch_seconds"] is not None for r in results)  # only device rows have it
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    columns = ["case", "backend", "time", "±", "GB/s", "% bw", "speed-up"] + ["launch"] * launch
    for column in columns:
        left = column in ("case", "backend")
        t.add_column(column, justify="left" if left else "right", no_wrap=column != "case",
                     overflow="fold")
    shown = None
    for r in results:
        case = _case(r["op"], r["dtype"], r["size"])
        row = [case if case != shown else "", _where(r["backend"], r["threads"]),
               _time(r["seconds"]), f"{100 * r['spread']:.0f}%", _gbs(r["gbs"]),
               _share(r["bandwidth_pct"]), f"{r['speedup']:.2f}x"]
        if launch:
            row.append(_time(r["launch_seconds"]) if r["launch_seconds"] is not None else "")
        t.add_row(*row)
        shown = case
    return Group(Text(title(report)), t, Text(legend(report)))


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
    if not isinstance(data, dict) or data.get("schema") not in READABLE_SCHEMAS:
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
        return _label(self.key)

    def describe(self, flagged: bool = False) -> str:
        """One line: the two speed-ups, the change in plain words, and the verdict.

        "N% slower": the speed-up over NumPy fell by N%; "limit": how far it may
        fall (threshold plus noise); ``flagged``: among the cases ``regressions`` names.
        """
        change = round(100 * abs(self.ratio - 1))
        moved = ("unchanged" if change == 0
                 else f"{change}% {'faster' if self.ratio > 1 else 'slower'}")
        line = f"{self.label}: {self.before:.2f}x -> {self.after:.2f}x, {moved}"
        limit = f"limit {min(100, round(100 * self.margin))}%"
        if flagged:
            return f"{line}: REGRESSED ({limit if self.regressed else 'the median fell too'})"
        return f"{line} ({limit})" if self.ratio < 1 and change else line


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

"""Running benchmark cases and describing the machine they ran on."""

from __future__ import annotations

import datetime
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np

import mathfront as mf

from .. import _registry
from .._auto import AUTO
from .cases import Case
from .timing import Timed, interleaved

SCHEMA = "mathfront.bench/2"


def git_revision() -> str | None:
    """The git revision mathfront was built from, when known.

    ``$MATHFRONT_GIT_REVISION`` first; then, when mathfront runs from its own
    checkout (an editable install), what is checked out now; else what the
    build recorded (cmake/revision.cmake: git's, or an sdist's REVISION).
    """
    if os.environ.get("MATHFRONT_GIT_REVISION"):
        return os.environ["MATHFRONT_GIT_REVISION"]
    root = Path(mf.__file__).resolve().parents[3]  # <root>/src/python/mathfront/__init__.py
    if (root / ".git").exists() and (root / "pyproject.toml").is_file():
        try:
            out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True, timeout=5)
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        from mathfront._revision import REVISION
    except ImportError:  # built without CMake's step, or by an older build
        return None
    return REVISION


def bandwidth(threads: int) -> dict:
    """Memory bandwidth (GB/s) on ``threads`` threads: STREAM copy and triad.

    Measured with the C++ library's own pool and streaming stores; without
    the extension, NumPy's single-threaded copy stands in for both.
    """
    mf.set_num_threads(threads)
    if _registry.get("cpp").unavailable_reason() is None:
        from mathfront import _cpp

        gbs = _cpp.bandwidth(1 << 27, 3)
        return {"copy": gbs["copy"], "triad": gbs["triad"], "source": "mathfront C++"}
    a, b = np.ones(1 << 24), np.empty(1 << 24)
    times = interleaved({"copy": lambda: np.copyto(b, a)}, rounds=3)
    gbs = 2 * a.nbytes / times["copy"].median / 1e9
    return {"copy": gbs, "triad": gbs, "source": "numpy copy"}


def machine() -> dict:
    info = mf.info()
    backends = {b["name"]: b for b in info["backends"]}
    cpp, cuda = backends.get("cpp", {}), backends.get("cuda", {})
    return {
        "cpu": info["cpu"]["model"],
        "machine": info["cpu"]["machine"],
        "cpus": info["cpu"]["cpus"],
        "simd_level": cpp.get("simd_level"),
        "gpu": cuda.get("gpu") if cuda.get("available") else None,
        "platform": info["platform"],
    }


def versions() -> dict:
    info = mf.info()
    return {"mathfront": info["mathfront"], "python": info["python"], **info["versions"]}


def _entries(case: Case, backends: list[str], threads: list[int]) -> dict[tuple, Timed]:
    """The numpy reference and every (backend, threads) that can run the case."""
    entries = {("numpy", None): Timed(case.call(mf, "numpy"))}
    op, dtype = case.spec, np.dtype(case.dtype)
    for name in backends:
        if name == AUTO:  # what a call without backend= gets: the engine auto picks
            entries[(AUTO, None)] = Timed(case.call(mf, AUTO))
            continue
        backend = _registry.get(name)
        if name == "numpy" or not backend.supports(op, [dtype]):
            continue
        device = backend.device != "cpu"
        call = case.call(mf, name, to_device=mf.to_device if device else None)
        for t in threads if backend.num_threads() is not None and not device else [None]:
            before = (lambda t=t: mf.set_num_threads(t)) if t is not None else None
            entries[(name, t)] = Timed(call, before=before, cuda=device)
    return entries


def run(cases: list[Case], backends: list[str], threads: list[int], *, rounds: int,
        min_seconds: float, progress: Callable[[Case], None] | None = None) -> list[dict]:
    """Time every case on every backend, each group interleaved with NumPy."""
    results = []
    for case in cases:
        entries = _entries(case, backends, threads)
        samples = interleaved({f"{b}/{t}": e for (b, t), e in entries.items()}, rounds=rounds,
                              min_seconds=min_seconds)
        reference = samples["numpy/None"]
        for backend, t in entries:
            s = samples[f"{backend}/{t}"]
            results.append({
                "op": case.op, "dtype": case.dtype, "size": case.size,
                "backend": backend, "threads": t,
                # Every figure is of the best round (see Samples.best): the
                # time, GB/s and the speed-up, which also carries how noisy
                # both sides were, for regression checks.
                "seconds": s.best, "median_seconds": s.median, "spread": s.spread,
                "rounds": s.seconds,
                "launch_seconds": (sorted(s.launch)[len(s.launch) // 2] if s.launch else None),
                "gbs": case.nbytes() / s.best / 1e9,
                "speedup": reference.best / s.best,
                "noise": max(s.noise, reference.noise),
            })
        if progress:
            progress(case)
    return results


def report(results: list[dict], bandwidths: dict, settings: dict) -> dict:
    """The whole run as one JSON-ready document (schema: docs/bench.md)."""
    for r in results:
        bw = bandwidths.get(str(r["threads"] or 1)) or next(iter(bandwidths.values()))
        # The triad is the host's memory: no measure for a device's kernels.
        device = r["launch_seconds"] is not None
        r["bandwidth_pct"] = None if device else 100 * r["gbs"] / bw["triad"]
    return {
        "schema": SCHEMA,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "machine": machine(),
        "versions": versions(),
        "bandwidth_gbs": bandwidths,
        "settings": settings,
        "results": results,
    }

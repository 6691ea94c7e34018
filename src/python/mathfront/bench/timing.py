"""Interleaved timing: every entry runs once per round, in turn, so that the
drift of a shared, noisy machine hits all entries of a round alike; figures
are medians over rounds, and ratios are taken within a run, never across runs.

GPU entries are timed with CUDA events around each call (the kernels' own
time), and the host's time per call is kept apart as the launch overhead.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timed:
    """Something to time: ``fn`` called repeatedly, after ``before`` each round."""

    fn: Callable[[], object]
    before: Callable[[], object] | None = None
    cuda: bool = False


@dataclass
class Samples:
    """Seconds per call, one figure per round (and, on a GPU, host seconds per call)."""

    seconds: list[float] = field(default_factory=list)
    launch: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        """The fastest round: interference (other processes, a descheduled
        vCPU) only ever adds time, so this is the steadiest estimate."""
        return min(self.seconds)

    @property
    def spread(self) -> float:
        return spread(self.seconds)

    @property
    def noise(self) -> float:
        """How far the typical round sits above the best one, relatively."""
        return self.median / self.best - 1


def _host_round(fn, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def _cuda_round(fn, number: int) -> tuple[float, float]:
    from numba import cuda

    starts = [cuda.event() for _ in range(number)]
    ends = [cuda.event() for _ in range(number)]
    cuda.synchronize()
    begin = time.perf_counter()
    for start, end in zip(starts, ends, strict=True):
        start.record()
        fn()
        end.record()
    launch = (time.perf_counter() - begin) / number
    ends[-1].synchronize()
    elapsed = [s.elapsed_time(e) for s, e in zip(starts, ends, strict=True)]  # milliseconds
    if min(elapsed) < 0:  # the CUDA simulator's events do not time: fall back to the host
        cuda.synchronize()
        return (time.perf_counter() - begin) / number, launch
    return sum(elapsed) / 1e3 / number, launch


def calls_per_round(fn: Callable[[], object], min_seconds: float) -> int:
    """How many calls make one round last at least ``min_seconds`` (after a warm-up call)."""
    fn()
    once = _host_round(fn, 1)
    return max(1, math.ceil(min_seconds / max(once, 1e-9)))


def interleaved(entries: dict[str, Timed | Callable[[], object]], *, rounds: int = 7,
                min_seconds: float = 0.02) -> dict[str, Samples]:
    """Time every entry ``rounds`` times, interleaved.

    Each entry is warmed up and its calls per round calibrated first; garbage
    collection is off while timing so that a collection lands in no entry.
    """
    timed = {name: e if isinstance(e, Timed) else Timed(e) for name, e in entries.items()}
    numbers = {}
    for name, entry in timed.items():
        if entry.before:
            entry.before()
        numbers[name] = calls_per_round(entry.fn, min_seconds)
    samples = {name: Samples() for name in timed}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, entry in timed.items():
                if entry.before:
                    entry.before()
                # One untimed call first: it wakes whatever went to sleep while
                # the other entries ran (a thread pool's workers, a GPU clock).
                entry.fn()
                if entry.cuda:
                    kernel, launch = _cuda_round(entry.fn, numbers[name])
                    samples[name].seconds.append(kernel)
                    samples[name].launch.append(launch)
                else:
                    samples[name].seconds.append(_host_round(entry.fn, numbers[name]))
    finally:
        if enabled:
            gc.enable()
    return samples


def median(values) -> float:
    return statistics.median(values)


def spread(values) -> float:
    """Relative spread of the rounds: (75th - 25th percentile) / median."""
    if len(values) < 4:
        return 0.0
    q1, _, q3 = statistics.quantiles(values, n=4)
    return (q3 - q1) / statistics.median(values)

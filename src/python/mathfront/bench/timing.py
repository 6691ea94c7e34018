"""Interleaved timing: every case runs once per round, in turn, so that the
drift of a shared, noisy machine hits all cases of a round alike; figures are
medians over rounds, and ratios are taken within a run, never across runs."""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable


def _loop(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def calls_per_round(fn: Callable[[], object], min_seconds: float) -> int:
    """How many calls make one round last at least ``min_seconds`` (after a warm-up call)."""
    fn()
    once = _loop(fn, 1)
    return max(1, math.ceil(min_seconds / max(once, 1e-9)))


def interleaved(cases: dict[str, Callable[[], object]], *, rounds: int = 7,
                min_seconds: float = 0.02) -> dict[str, list[float]]:
    """Seconds per call of each case, one figure per round.

    Each case is warmed up and calibrated first; garbage collection is off
    while timing so that a collection does not land in one case only.
    """
    numbers = {name: calls_per_round(fn, min_seconds) for name, fn in cases.items()}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in cases.items():
                samples[name].append(_loop(fn, numbers[name]))
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

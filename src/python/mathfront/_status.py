"""What is installed and usable here: ``mf.backends()``, ``mf.info()``, data movement."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass

import numpy as np

from . import _checks, _registry
from ._errors import BackendUnavailableError, backend_unavailable


@dataclass(frozen=True)
class BackendStatus:
    name: str
    available: bool
    reason: str | None
    device: str
    threads: int | None
    priority: int


def backends() -> list[BackendStatus]:
    """Every known backend, with whether it can run here and, if not, why."""
    out = []
    for b in _registry.all_backends():
        reason = b.unavailable_reason()
        out.append(BackendStatus(
            b.name, reason is None, reason, b.device,
            b.num_threads() if reason is None else None, b.priority,
        ))
    return out


def _device_backend():
    for b in sorted(_registry.all_backends(), key=lambda b: -b.priority):
        if b.device != "cpu":
            reason = b.unavailable_reason()
            if reason is None:
                return b
            raise backend_unavailable(b.name, reason)
    raise BackendUnavailableError("no device backend is registered")


def to_device(x):
    """Copy a host array to the GPU (a device array is returned as it is)."""
    if _checks.is_device_array(x):
        return x
    return _device_backend().to_device(np.asarray(x))


def to_host(x):
    """Copy a device array to host memory as a NumPy array (host arrays pass through)."""
    if _checks.is_device_array(x):
        return _device_backend().to_host(x)
    return np.asarray(x)


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def info() -> dict:
    """Versions, backends, CPU, threads and GPU, as ``python -m mathfront info`` prints."""
    from . import __version__
    from ._threads import available_cpus, get_num_threads

    result = {
        "mathfront": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": {
            d: _version(d) for d in ("numpy", "numba", "numba-cuda", "cffi", "pybind11")
        },
        "cpu": {"model": _cpu_model(), "machine": platform.machine(), "cpus": available_cpus()},
        "threads": get_num_threads(),
        "backends": [],
    }
    for status in backends():
        entry = dict(vars(status))
        if status.available:
            entry.update(_registry.get(status.name).info())
        result["backends"].append(entry)
    result["default_backend"] = _default_backend()
    return result


def _default_backend() -> dict:
    """The process default (set_backend, MATHFRONT_BACKEND or auto), and what is wrong
    with it: the error every call without ``backend=`` would raise, if any."""
    from . import _selection

    chosen = _selection.PROCESS.chosen
    try:
        chosen.check()
        _selection.require_available(chosen.name)
        problem = None
    except (ValueError, BackendUnavailableError) as e:
        problem = str(e)
    return {"name": chosen.name, "source": chosen.source, "problem": problem}

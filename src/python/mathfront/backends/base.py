"""The interface every backend implements: numpy, cpp, cuda and third parties."""

from __future__ import annotations

import abc
from collections.abc import Callable, Collection

import numpy as np

from .._errors import unsupported_dtype
from .._ops import Op


class Backend(abc.ABC):
    """An engine that computes mathfront's ops.

    A backend is asked for one callable per op (``kernel``). The callable takes
    the op's operands positionally, then the op's keywords in ``op.keywords``
    order (``out`` for elementwise ops; ``axis, keepdims, out[, dtype|ddof]``
    for reductions), validates them with :mod:`mathfront._checks` and returns
    NumPy's answer. Register a third-party backend with
    ``mf.register_backend(MyBackend())`` or the ``mathfront.backends``
    entry-point group.
    """

    #: The name users select it by (``backend="..."``).
    name: str = ""
    #: Where its arrays live: ``"cpu"`` (host memory) or a device such as ``"cuda"``.
    device: str = "cpu"
    #: ``auto`` prefers, among available backends able to run a call, the highest.
    priority: int = 0

    def unavailable_reason(self) -> str | None:
        """``None`` when the backend can run here, else why not and how to get it."""
        return None

    @abc.abstractmethod
    def dtypes(self, op: Op) -> Collection[str]:
        """Names of the input dtypes this backend computes ``op`` for."""

    def supports(self, op: Op, dtypes) -> bool:
        """The capability query: can this backend run ``op`` on these dtypes?"""
        supported = self.dtypes(op)
        return all(np.dtype(d).name in supported for d in dtypes)

    def require(self, op: Op, dtypes) -> None:
        """Raise DESIGN.md's ``TypeError`` unless ``supports(op, dtypes)``."""
        # dtypes seen supported, as dtype objects: np.dtype(d).name is
        # Python-level and this runs on every call of a Python-side backend.
        known = self.__dict__.setdefault("_known_supported", {}).setdefault(op.name, set())
        if all(d in known for d in dtypes):
            return
        supported = self.dtypes(op)
        for d in dtypes:
            if np.dtype(d).name not in supported:
                raise unsupported_dtype(op.name, self.name, np.dtype(d), sorted(supported))
        known.update(np.dtype(d) for d in dtypes)

    @abc.abstractmethod
    def kernel(self, op: Op) -> Callable:
        """The callable computing ``op`` (see the class docstring)."""

    def fast_path(self, op: Op, fallback: Callable) -> Callable | None:
        """Optionally, a callable that computes the calls it can take cheaply.

        It must pass every call it does not take, unchanged, to ``fallback``,
        and take only calls on host arrays whose dtypes it ``supports``: ``auto``
        uses it in front of its own, slower, choice of backend.
        """
        return None

    def num_threads(self) -> int | None:
        """Threads a call may use, or ``None`` where threads do not apply."""
        return None

    def num_threads_changed(self, n: int) -> None:  # noqa: B027 - optional hook
        """Called by ``mf.set_num_threads(n)`` on every loaded backend."""

    def info(self) -> dict:
        """Facts for ``python -m mathfront info`` (versions, SIMD level, device)."""
        return {}

    def to_device(self, x):
        raise NotImplementedError(f"backend {self.name!r} has no device memory")

    def to_host(self, x):
        raise NotImplementedError(f"backend {self.name!r} has no device memory")

    def __repr__(self) -> str:
        return f"<mathfront backend {self.name!r} ({self.device})>"

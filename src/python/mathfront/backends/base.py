"""The interface every backend implements: numpy, cpp, cuda and third parties."""

from __future__ import annotations

import abc
from collections.abc import Callable, Collection

import numpy as np

from .._errors import unsupported_dtype
from .._ops import BY_NAME, Op


class Backend(abc.ABC):
    """An engine that computes mathfront's ops.

    A backend implements ``dtypes`` and ``kernel``; it knows nothing of how
    ``auto`` chooses. Register one with ``mf.register_backend(MyBackend())``
    or the ``mathfront.backends`` entry-point group (docs/backends.md).

    The kernel protocol (version 1, frozen). ``kernel(op)`` returns a callable
    that mathfront calls with positional arguments only:

    - the operands, ``op.arity`` of them, as the user gave them (arrays,
      array-likes, device arrays, Python scalars);
    - then the op's protocol-1 keywords (``op.protocol_keywords``), always
      all of them, defaults filled in: ``out`` for elementwise ops and
      ``dot``; ``axis, keepdims, out`` for reductions, followed by ``dtype``
      (sum, prod, mean, nansum, nanmean) or ``ddof`` (var, std, nanvar,
      nanstd); ``axis, dtype, out`` for cumulative ops (kind ``scan``:
      cumsum, cumprod, cumulative_sum, cumulative_prod), whose result has one
      element per input element along ``axis`` (``None``: the flattened
      array) and whose ``out`` may be the input itself;
    - then any keyword added to ops after protocol 1 (``op.later``) that this
      backend lists in ``keywords``, in ``op.keywords`` order. Those it does
      not list never reach it: mathfront computes them above the engine
      (``_above``), as it does NumPy's looser ``out`` (another dtype, a
      larger shape): a kernel that lists none receives an ``out`` of exactly
      the result's dtype and shape, or ``None``.

    The callable validates the call (``mathfront._checks``, so messages read
    the same on every backend) before writing anything, raises the errors of
    the README's table (``TypeError`` for a dtype outside ``dtypes(op)``), and
    returns NumPy's answer: ``out`` when given, a NumPy scalar for a 0-d host
    result.
    """

    #: The name users select it by (``backend="..."``).
    name: str = ""
    #: Where its arrays live: ``"cpu"`` (host memory) or a device such as ``"cuda"``.
    device: str = "cpu"
    #: ``auto`` prefers, among available backends able to run a call, the highest.
    priority: int = 0
    #: Keywords added after protocol 1 (``Op.later``) that this backend's kernels take
    #: themselves; for the others mathfront computes NumPy's answer above the engine.
    keywords: frozenset[str] = frozenset()

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

    def auto_prefers(self, op: Op) -> bool:
        """Whether ``auto`` may choose this backend for ``op`` over lower-priority ones
        that can run it (False: its kernel is known slower than theirs)."""
        return True

    def auto_prefers_call(self, op: Op, dtypes) -> bool:
        """``auto_prefers`` for a call of ``dtypes`` (a backend slower for some dtypes
        only says so here); by default ``auto_prefers(op)``."""
        return self.auto_prefers(op)

    def require(self, op: Op, dtypes) -> None:
        """Raise the contract's (docs/design.md) ``TypeError`` unless ``supports(op, dtypes)``."""
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

    def composite_dtypes(self, op: Op) -> frozenset[str]:
        """A composite op's dtypes (``Op.parts``): those every one of its parts takes here."""
        parts = [BY_NAME.get(name) for name in op.parts]
        if None in parts:  # a part not in the table yet
            return frozenset()
        dtypes = frozenset(op.dtypes)
        for part in parts:
            dtypes &= frozenset(self.dtypes(part))
        return dtypes

    def composite(self, op: Op) -> Callable:
        """A composite op's kernel (``mathfront._composite``), from this backend's own
        kernels of its parts: device arrays stay on the device."""
        from .. import _composite, _keywords

        def part(other: Op):
            return _keywords.adapt(other, self, self.kernel(other))

        return _composite.kernel(op, self, part)

    def received_keywords(self, op: Op) -> tuple[str, ...]:
        """The keywords this backend's kernel for ``op`` receives, in order."""
        return (*op.protocol_keywords, *(k for k in op.later if k in self.keywords))

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

    def copyto(self, target, value) -> None:
        """``np.copyto(target, value, casting="unsafe")`` into ``target`` in this
        backend's device memory (fused calls' out=)."""
        raise NotImplementedError(f"backend {self.name!r} has no device memory")

    def __repr__(self) -> str:
        return f"<mathfront backend {self.name!r} ({self.device})>"

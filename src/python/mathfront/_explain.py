"""``mf.explain``: which backend a call would run on, and why, without running it."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from . import _checks
from ._auto import AUTO, SMALL_CALL, choose, front_takes
from ._errors import BackendUnavailableError
from ._ops import Op
from ._selection import for_call


@dataclass(frozen=True)
class Explanation:
    """Which backend a call would run on, and why."""

    backend: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.backend or 'no backend'}: {self.reason}"


def _call_of(fn, op: Op, args, kwargs) -> tuple:
    """A call's arguments as kernels receive them, bound as the public function binds them."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"mathfront.{op.name}: {e}") from None
    bound.apply_defaults()
    values = list(bound.arguments.values())
    # (keywords NumPy's signature lacks, Op.hidden, at their defaults)
    return (*values[: op.arity], *(bound.arguments.get(k, op.default(k)) for k in op.keywords))


def explain(fn, *args, **kwargs) -> Explanation:
    """Say which backend ``fn(*args, **kwargs)`` would run on, and why, without running it."""
    op = getattr(fn, "op", None)
    fused = getattr(type(fn), "explain", None)  # mf.fuse's functions explain themselves
    if op is None and fused is not None:
        return fused(fn, *args, **kwargs)
    if not isinstance(op, Op):
        raise TypeError(f"explain takes a mathfront function such as mf.add, got {fn!r}")
    backend_kw = kwargs.pop("backend", None)
    call = _call_of(fn, op, args, kwargs)
    selection = for_call(backend_kw)  # an unknown backend= raises as the call would
    try:
        selection.check()
    except ValueError as e:
        return Explanation(None, f"would raise ValueError: {e}")
    source = selection.source
    verified = "; verify mode checks it against numpy" if selection.verify else ""
    lazy = [i for i, x in enumerate(call) if _checks.is_lazy(x)]
    if lazy:
        where = f"operand {lazy[0]}" if lazy[0] < op.arity else \
            f"{op.keywords[lazy[0] - op.arity]}="
        per_chunk = " (auto chooses per chunk: NumPy chunks cpp, CuPy chunks cuda)" \
            if selection.name == AUTO else ""
        return Explanation("dask", f"{where} is a dask array: the call builds a lazy dask "
                           f"graph, computed only by .compute() or .persist(), whose chunk "
                           f"tasks run mathfront.{op.name} on {selection.name!r}{per_chunk}, "
                           f"as {source} selects{verified}")
    if selection.name == AUTO:
        if front_takes(op, call):
            return Explanation("cpp", f"{source} selects auto: a call of at most {SMALL_CALL} "
                               f"host elements, which cpp's C entry takes (its per-call cost is "
                               f"below NumPy's; larger calls of {op.name} run on NumPy's ufunc, "
                               f"faster there){verified}")
        try:
            backend, why = choose(op, call)
        except BackendUnavailableError as e:
            return Explanation(None, f"{source} selects auto, which would raise {e!r}")
        return Explanation(backend.name, f"{source} selects auto: {why}{verified}")
    try:
        choose(op, call, selection.name)
    except (BackendUnavailableError, TypeError) as e:
        return Explanation(selection.name,
                           f"{source} selects it, but it would raise {type(e).__name__}: {e}")
    return Explanation(selection.name, f"{source} selects it{verified}")

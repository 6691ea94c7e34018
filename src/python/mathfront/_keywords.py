"""Keywords added to ops after kernel protocol 1, handled above the engines.

A kernel receives the keywords of protocol 1 (``Op.protocol_keywords``) and,
of those added later (``Op.later``: ``where=``, ``initial=``, ``casting=``...),
only the ones its backend lists in ``Backend.keywords``. For the others,
:func:`adapt` puts the op kind's handler from ``ABOVE_ENGINES`` (``_above``)
around the kernel, so that every engine written against protocol 1 keeps
working, unchanged, when an op grows a keyword. The handler also gives such
engines NumPy's looser ``out`` (another dtype, a larger shape), which protocol
1 leaves to mathfront.
"""

from __future__ import annotations

from collections.abc import Callable

from . import _above, _checks
from ._ops import COMPOSITE, DOT, KEYWORD_DEFAULTS, NO_VALUE, REDUCTION, SCAN, TERNARY, Op

#: Listed in ``Backend.keywords``: the backend's kernels take NumPy's ``out``
#: themselves (another dtype, a larger shape); without it they see only an
#: ``out`` of exactly the result's dtype and shape.
LOOSE_OUT = "out"

#: ``handler(op, run, call, later, plain_of)`` computes a call whose keywords
#: ``later`` (a dict) have other values than their defaults, where ``run(*call)``
#: computes a plain call, ``call`` is the operands and protocol-1 keywords, and
#: ``plain_of(other_op)`` gives the same backend's plain kernel for another op.
ABOVE_ENGINES: dict[str, Callable] = {
    "unary": _above.elementwise,
    "binary": _above.elementwise,
    REDUCTION: _above.reduction,
    DOT: _above.as_given,
    SCAN: _above.scan,
    TERNARY: _above.ternary,
    COMPOSITE: _above.as_given,
}


def wrap(op: Op, kernel: Callable, received: tuple[str, ...] = (), plain_of=None,
         backend: str = "") -> Callable:
    """``kernel`` (taking a plain call and the later keywords ``received``) as a callable
    taking the op's whole call. ``plain_of(other_op)``, for handlers that need another
    op of the same backend, gives that op's kernel taking its whole call."""
    n = op.arity
    plain_len = n + len(op.protocol_keywords)
    out_at = n + op.keywords.index("out")
    handled = [(n + op.keywords.index(k), k) for k in op.later if k not in received]
    kept = [n + op.keywords.index(k) for k in op.later if k in received]
    handler = ABOVE_ENGINES[op.kind]
    optional = range(n - op.optional, n)  # operands that may be left out (clip's bounds)

    def plain(other: Op):
        whole = plain_of(other)
        defaults = [KEYWORD_DEFAULTS[k] for k in other.later]
        return lambda *call: whole(*call, *defaults)

    def adapted(*args):
        later = {k: args[i] for i, k in handled if _above.given(k, args[i])}
        keep = [args[i] for i in kept]
        # (clip's bounds left out, None, or Python ints, which NumPy drops beyond an
        # integer a's range: resolved by the handler)
        if not later and args[out_at] is None and not any(
                args[i] is None or args[i] is NO_VALUE or type(args[i]) is int
                for i in optional):
            return kernel(*args[:plain_len], *keep)
        _refuse_own_semantics(op, backend, args[:n], args[out_at])
        return handler(op, lambda *call: kernel(*call, *keep), args[:plain_len], later, plain)

    return adapted


def _refuse_own_semantics(op: Op, backend: str, operands, out) -> None:
    """The handlers read operands as plain arrays: a masked array, np.matrix or
    pandas object must reach NumPy itself instead (auto sends it there)."""
    for i, x in enumerate(operands):
        if _checks.has_own_semantics(x):
            raise _checks.own_semantics_refused(op, backend, x, f"operand {i}")
    _checks.plain_out(op, backend, out[0] if isinstance(out, tuple) and out else out)


def takes_every_call(op: Op, backend) -> bool:
    """Whether ``backend``'s kernel for ``op`` computes every keyword and out= itself."""
    return backend.received_keywords(op) == op.keywords and LOOSE_OUT in backend.keywords


def adapt(op: Op, backend, kernel: Callable) -> Callable:
    """``kernel`` (taking what ``backend`` receives) as a callable taking the op's whole call."""
    if takes_every_call(op, backend) or op.kind == COMPOSITE:
        return kernel  # (a composite's parts are adapted themselves: Backend.composite)
    later = backend.received_keywords(op)[len(op.protocol_keywords):]
    return wrap(op, kernel, later, lambda other: adapt(other, backend, backend.kernel(other)),
                backend.name)

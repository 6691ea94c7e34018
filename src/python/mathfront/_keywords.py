"""Keywords added to ops after kernel protocol 1, handled above the engines.

A kernel receives the keywords of protocol 1 (``backends.base.PROTOCOL_KEYWORDS``)
and, of any added later (``where=``, ``initial=``, ``casting=``...), only those
its backend lists in ``Backend.keywords``. For the others, :func:`adapt` puts
the keyword's handler from ``ABOVE_ENGINES`` around the kernel, so that every
engine written against protocol 1 keeps working, unchanged, when an op grows
a keyword. Later keywords come after protocol 1's in ``op.keywords``, so
dropping them leaves every protocol-1 keyword where the kernel expects it.

No op has such a keyword yet: ``ABOVE_ENGINES`` is empty, and ``adapt``
returns every kernel as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ._ops import KEYWORD_DEFAULTS, Op

#: ``handler(op, run, value, *args)`` computes a call with the keyword set to
#: ``value``, where ``run(*args)`` computes it without (``args``: the call as
#: the kernel receives it). It is called only for a value other than the
#: keyword's default.
ABOVE_ENGINES: dict[str, Callable] = {}


def _missing(keyword: str, backend) -> Callable:
    def refuse(op, run, value, *args):
        raise TypeError(
            f"mathfront.{op.name}: backend {backend.name!r} does not take {keyword}=, "
            "and mathfront has no handler for it above the engines"
        )

    return refuse


def adapt(op: Op, backend, kernel: Callable) -> Callable:
    """``kernel`` (taking what ``backend`` receives) as a callable taking the op's whole call."""
    received = backend.received_keywords(op)
    if received == op.keywords:
        return kernel
    n = op.arity
    kept = [n + op.keywords.index(k) for k in received]
    # Innermost first: the handler of the first dropped keyword runs outermost.
    dropped = [
        (n + op.keywords.index(k), KEYWORD_DEFAULTS.get(k),
         ABOVE_ENGINES.get(k) or _missing(k, backend))
        for k in reversed(op.keywords) if k not in received
    ]

    def adapted(*args):
        run = kernel
        for position, default, handler in dropped:
            value = args[position]
            if value is not default:
                run = functools.partial(handler, op, run, value)
        return run(*args[:n], *(args[i] for i in kept))

    return adapted

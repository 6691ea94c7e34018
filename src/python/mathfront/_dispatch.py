"""The seam between mathfront's public functions and the selections: public names only.

Each function generated from the op table (``_api``) is, for ``add``::

    def add(x, y, /, *, out=None, backend=None):
        return (scope().selection if backend is None
                else scope().named[backend]).add(x, y, out)

- ``scope()``: the scope in effect here: that of the innermost ``use_backend``
  or ``verify`` block of this thread or task, else the process's
  (``set_backend``, ``MATHFRONT_BACKEND`` or auto, ``MATHFRONT_VERIFY``);
- ``.selection``: the selection of calls without ``backend=``;
- ``.named[name]``: the selection ``backend=name`` picks there (verifying too,
  under verify mode);
- ``selection.<op>``: the op's kernel there, called as the kernel protocol
  says (``backends.base.Backend``): operands, then every keyword in
  ``op.keywords`` order.

That is one ContextVar read and two attribute accesses per call (and a dict
lookup for ``backend=``): choosing a backend costs a few tens of nanoseconds,
and verify mode, a selection like the others, costs nothing while it is off.
"""

from ._explain import Explanation, explain
from ._selection import CONTEXT, get_backend, set_backend, use_backend, verify

scope = CONTEXT.get

__all__ = ["Explanation", "explain", "get_backend", "scope", "set_backend", "use_backend",
           "verify"]

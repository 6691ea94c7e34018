"""NumPy 2's loops for the binary ops with a bool result (comparisons, logical ops),
where they are not "cast every operand to ``np.result_type``".

The compiled engines compute an elementwise call in one dtype, NumPy 2's
promotion of the operands. For these ops NumPy's loop differs in three ways,
and the engines ask :func:`bool_loop` first:

- a signed integer compared with uint64 runs in NumPy's exact (int64, uint64)
  loop: ``np.less(int64, uint64)`` is exact, where the promoted float64 would
  round past 2**53;
- an integer compared with a Python int beyond its range is decided by the int's
  sign alone (``np.int8 array < 1000`` is all True, ``== 1000`` all False), where
  the cast would raise ``OverflowError``;
- logical ops of other operands run in bool: only each operand's truth matters,
  which the promoted dtype keeps (no promotion takes a nonzero to zero), and a
  Python scalar counts by its truth (a Python int beyond int64 is NumPy's
  ``OverflowError``).

Imports flow as ``_checks``': NumPy and the op table only.
"""

from __future__ import annotations

import numpy as np

from ._ops import BINARY, BOOL, BY_NAME, Op

#: The comparison of (b, a) that answers that of (a, b): a mixed loop's operands
#: are swapped so that engines need one order only (signed first).
MIRROR = {"less": "greater", "less_equal": "greater_equal", "greater": "less",
          "greater_equal": "less_equal", "equal": "equal", "not_equal": "not_equal"}

_PY = (bool, int, float, complex)


def _key(x):
    """An operand's key for ``ufunc.resolve_dtypes`` (Python bool has no weak key)."""
    t = type(x)
    if t is bool:
        return np.dtype(bool)
    return t if t in _PY else np.dtype(x.dtype)


def _truth(x):
    """A Python scalar operand of a logical op as its truth (NumPy reads a Python int
    through a C long: beyond int64 it raises OverflowError)."""
    if type(x) is int:
        np.int64(x)
    return bool(x)


class Loop:
    """How an engine computes a call: ``operands`` (Python scalars possibly replaced)
    in ``dtypes`` (one per operand), or a ``constant`` result; ``op`` is the op the
    engine runs (a comparison's mirror when a mixed loop's operands were swapped)."""

    __slots__ = ("constant", "dtypes", "op", "operands")

    def __init__(self, op: Op, operands, dtypes, constant=None):
        self.op = op
        self.operands = operands
        self.dtypes = dtypes
        self.constant = constant

    @property
    def mixed(self) -> bool:
        """Operands of two dtypes (int64 and uint64), compared exactly."""
        return self.dtypes[0] != self.dtypes[1]


def _common(operands) -> np.dtype:
    return np.result_type(*[x if type(x) in _PY else x.dtype for x in operands])


def bool_loop(op: Op, operands) -> Loop | None:
    """NumPy's loop for a bool-result binary op, where it is not the operands'
    ``np.result_type`` for every operand; ``None`` where it is."""
    if op.kind != BINARY or op.result != BOOL:
        return None
    keys = tuple(_key(x) for x in operands)
    loop = op.reference.resolve_dtypes((*keys, None))
    a, b = loop[0], loop[1]
    if a != b:  # (int64, uint64) or (uint64, int64): signed first
        if a.kind == "u":
            return Loop(BY_NAME[MIRROR[op.name]], operands[::-1], (b, a))
        return Loop(op, list(operands), (a, b))
    scalars = [i for i, x in enumerate(operands) if type(x) in _PY]
    if len(scalars) == len(operands):
        # Python ints beyond int64 (0 >= 2**63): NumPy compares them exactly, a
        # constant; where NumPy raises (2**64), the engine's own OverflowError does.
        if any(type(x) is int and not -2**63 <= x < 2**63 for x in operands):
            try:
                return Loop(op, list(operands), (a, a), bool(op.reference(*operands)))
            except OverflowError:
                return None
        return None
    if not scalars:
        return None
    if a.kind == "b":  # a logical op: truth values
        operands = [_truth(x) if type(x) in _PY else x for x in operands]
        common = _common(operands)
        return Loop(op, operands, (common, common))
    typed = [x for x in operands if type(x) not in _PY]
    if a.kind in "iu" and all(np.dtype(x.dtype) == a for x in typed):
        # (not a bool array: with a Python int it compares in int64, and NumPy
        # raises OverflowError beyond that)
        info = np.iinfo(a)
        for i in scalars:
            x = operands[i]
            if type(x) is int and not info.min <= x <= info.max:
                # Every element is below an int above the range, as 0 is below
                # 1 (above one below it, as 0 is above -1).
                sign = 1 if x > 0 else -1
                constant = bool(op.reference(*((sign, 0) if i == 0 else (0, sign))))
                return Loop(op, operands, (a, a), constant)
    return None

"""NumPy 2's dtype for each traced step, asked of NumPy itself.

A scalar operand is described by its *kind*: a NumPy dtype (a strong NumPy
scalar or an array), or the Python type ``int``/``float`` of a weak Python
scalar (NEP 50). Python bools are NumPy bools (the lowest kind: weak or strong
alike).
"""

from __future__ import annotations

import numpy as np

from .._ops import BY_NAME

BOOL = np.dtype(bool)
#: Python scalar types NumPy 2 takes as weak.
WEAK = (int, float)

#: Integer dtypes, for the ranges of Python ints (comparisons, clip bounds).
INT_DTYPES = tuple(np.dtype(c) for c in ("int8", "uint8", "int16", "uint16", "int32", "uint32",
                                         "int64", "uint64"))


def for_numpy(kind):
    """What ``ufunc.resolve_dtypes`` takes for a kind."""
    return BOOL if kind is bool else kind


def default_dtype(kind) -> np.dtype:
    """The dtype NumPy gives a lone scalar of this kind (np.asarray(1) is int64)."""
    if isinstance(kind, np.dtype):
        return kind
    return np.dtype({bool: "bool", int: "int64", float: "float64"}[kind])


def resolve(name: str, kinds, mixed_ok: bool = False) -> tuple:
    """``(loop, result)`` of op-table row ``name`` on operands of ``kinds``.

    ``mixed_ok``: a loop of different operand dtypes comes back as a tuple of them
    (NumPy's int64-against-uint64 comparisons), for the caller to rewrite.

    Raises TypeError when NumPy has no loop, or when its loop takes operands of
    different dtypes (int64 against uint64 comparisons): a program step has one.
    """
    ufunc = BY_NAME[name].reference
    try:
        dtypes = ufunc.resolve_dtypes((*map(for_numpy, kinds), None))
    except (TypeError, ValueError) as e:
        shown = ", ".join(k.name if isinstance(k, np.dtype) else f"Python {k.__name__}"
                          for k in kinds)
        raise TypeError(f"mathfront.fuse: {name} of ({shown}): {e}") from None
    loops = dtypes[:-1]
    if mixed_ok and any(d != loops[0] for d in loops):
        return tuple(loops), dtypes[-1]
    if any(d != loops[0] for d in loops):
        shown = ", ".join(d.name for d in loops)
        raise TypeError(f"mathfront.fuse: {name} of ({shown}) has no single loop dtype in NumPy "
                        "(it compares signed and unsigned 64-bit integers exactly): cast one "
                        "operand first (astype)")
    return loops[0], dtypes[-1]


def result_type(kinds) -> np.dtype:
    """np.result_type with weak Python scalars (where's and clip's operands)."""
    return np.result_type(*(k if isinstance(k, np.dtype) else k(0) for k in kinds))


def int_range(dtype: np.dtype) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


_SMALL = None


def fitting(value: int) -> frozenset:
    """The integer dtypes that hold a Python int, and "negative" for one below 0: its
    part of a call's signature (comparisons with it depend on them)."""
    global _SMALL
    if 0 <= value <= 127:  # the commonest: every integer dtype holds it
        if _SMALL is None:
            _SMALL = _fitting(0)
        return _SMALL
    return _fitting(value)


def _fitting(value: int) -> frozenset:
    names = {d.name for d in INT_DTYPES if int_range(d)[0] <= value <= int_range(d)[1]}
    return frozenset(names | ({"negative"} if value < 0 else set()))

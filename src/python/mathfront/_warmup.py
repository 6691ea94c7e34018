"""``mf.warmup``: pay for loading and compiling kernels before the first real call."""

from __future__ import annotations

import warnings

import numpy as np

from ._api import FUNCTIONS
from ._ops import BY_NAME, REQUIRED_DTYPES


def _op_names(ops) -> list[str]:
    if ops is None:
        return list(BY_NAME)
    names = []
    for op in [ops] if isinstance(ops, str) or callable(ops) else ops:
        name = op if isinstance(op, str) else getattr(getattr(op, "op", None), "name", None)
        if name not in BY_NAME:
            raise ValueError(f"warmup: unknown op {op!r}; ops are {', '.join(BY_NAME)}")
        names.append(name)
    return names


def warmup(ops=None, dtypes=None, *, backend=None) -> list[tuple[str, str]]:
    """Run each op once per dtype on a tiny array so later calls find it ready.

    ``ops`` are names or mathfront functions (default: all), ``dtypes`` dtype
    names (default: float32, float64, int32, int64). Returns the (op, dtype)
    pairs that were prepared; pairs a backend does not support are skipped.
    """
    from . import _registry

    target = _registry.get(backend) if backend not in (None, "auto") else None
    # A device backend's calls take device arrays: warm that path, not the host copy-in one.
    on_device = target is not None and target.device != "cpu"
    done = []
    for name in _op_names(ops):
        fn, op = FUNCTIONS[name], BY_NAME[name]
        for dtype in [np.dtype(d) for d in (dtypes or REQUIRED_DTYPES)]:
            sample = np.arange(1, 5).astype(dtype)
            if on_device and target.supports(op, [dtype]):
                sample = target.to_device(sample)
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fn(*[sample] * op.arity, backend=backend)
            except TypeError:
                continue  # this backend lacks the dtype: nothing to prepare
            done.append((name, dtype.name))
    return done

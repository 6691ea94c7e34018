"""Verify mode's check of each call: the same call on the numpy backend, compared.

``_selection.Verifying`` puts :func:`kernel` in the place of a selection's
kernels while verify mode is on; with it off, nothing here runs.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _auto, _checks, _registry, _tolerance
from ._errors import VerificationError
from ._ops import EXACT, Op


def _host(backend_of, x):
    """``x`` in host memory: device arrays (inputs, results) are copied back by their backend."""
    return np.asarray(backend_of().to_host(x)) if _checks.is_device_array(x) else x


def _snapshots(backend_of, operands, out) -> dict:
    """Host copies, by position, of the operands the call may overwrite through ``out``."""
    if isinstance(out, np.ndarray):
        return {i: x.copy() for i, x in enumerate(operands)
                if isinstance(x, np.ndarray) and np.may_share_memory(x, out)}
    if _checks.is_device_array(out) and backend_of().device != "cpu":
        # Where device arrays lie is the backend's business: assume any may alias out.
        return {i: _host(backend_of, x) for i, x in enumerate(operands)
                if _checks.is_device_array(x)}
    return {}  # nothing the call can write into, or a call its backend refuses


def _describe(x) -> str:
    if type(x) in _checks.PY_SCALARS:
        return type(x).__name__
    x = np.asarray(x)
    return f"{x.dtype} {_checks.fmt_shape(x.shape)}"


def _mismatch(op: Op, backend, inputs, expected, problem: str, **facts) -> VerificationError:
    result = "" if expected is None else (
        f" -> {expected.dtype} {_checks.fmt_shape(expected.shape)}")
    return VerificationError(
        f"mathfront.{op.name} on backend {backend.name!r} "
        f"({', '.join(map(_describe, inputs))}{result}) {problem}",
        op=op.name, backend=backend.name,
        dtype=None if expected is None else expected.dtype,
        shape=None if expected is None else expected.shape, **facts)


def _check(op: Op, backend_of, inputs, keywords, result, reference,
           out_before) -> VerificationError | None:
    """``out_before``: a host copy of ``out`` as it was before the call (or None), which
    the reference writes into: where= leaves some of it, and its dtype is the result's."""
    given = dict(zip(op.keywords, keywords, strict=True))
    try:
        # Warnings are the backend's to give: the reference's would double them.
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = reference(*inputs, *(out_before if k == "out" else given[k]
                                            for k in op.keywords))
    except Exception as e:
        return _mismatch(op, backend_of(), inputs, None,
                         f"returned a result, but NumPy raises {e!r}")
    got, expected = np.asarray(_host(backend_of, result)), np.asarray(expected)
    if got.dtype != expected.dtype:
        return _mismatch(op, backend_of(), inputs, expected,
                         f"gives dtype {got.dtype}, NumPy {expected.dtype}")
    if got.shape != expected.shape:
        return _mismatch(op, backend_of(), inputs, expected,
                         f"gives shape {_checks.fmt_shape(got.shape)}, NumPy "
                         f"{_checks.fmt_shape(expected.shape)}")
    if got.tobytes() == expected.tobytes():
        return None  # the same bits: in bounds whatever the tolerance
    atol, rtol = _tolerance.for_call(op, inputs, given, expected.dtype)
    if np.ndim(atol):
        atol = np.reshape(atol, expected.shape)
    d = _tolerance.compare(got, expected, atol, rtol, exact=op.tolerance == EXACT)
    if d is None:
        return None
    return _mismatch(
        op, backend_of(), inputs, expected,
        f"differs from NumPy, which it must match {_tolerance.describe(op, expected.dtype)}: "
        f"largest absolute error {d.max_abs_error:.6g}, largest relative error "
        f"{d.max_rel_error:.6g}; first differing index {d.index}: got {d.got}, NumPy gives "
        f"{d.expected}",
        max_abs_error=d.max_abs_error, max_rel_error=d.max_rel_error, index=d.index)


def kernel(op: Op, mode: str, checked, reference):
    """A kernel that runs ``op`` on the selection ``checked()`` and checks it against
    ``reference`` (the numpy backend's kernel); ``mode`` as ``mf.verify``'s on_mismatch."""
    n = op.arity
    out_at = n + op.keywords.index("out")

    def verified(*args):
        selection = checked()
        run = getattr(selection, op.name)
        found = []

        def backend_of():
            # Which backend ran matters for device memory and messages only: found on demand.
            if not found:
                name = selection.name
                found.append(_auto.choose(op, args)[0] if name == _auto.AUTO
                             else _registry.get(name))
            return found[0]

        out = args[out_at]
        out = out[0] if isinstance(out, tuple) and len(out) == 1 else out
        try:
            copies = _snapshots(backend_of, args[:n], out)
            out_before = None if out is None else np.array(_host(backend_of, out), copy=True)
        except Exception:  # choosing fails: the call itself raises, with nothing to compare
            return run(*args)
        result = run(*args)  # its exception, if any, is the call's
        inputs = [copies[i] if i in copies else _host(backend_of, x)
                  for i, x in enumerate(args[:n])]
        problem = _check(op, backend_of, inputs, args[n:], result, reference, out_before)
        if problem is not None:
            if mode == "warn":
                warnings.warn(str(problem), RuntimeWarning, stacklevel=3)  # the user's call
            else:
                raise problem
        return result

    return verified

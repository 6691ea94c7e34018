"""mathfront.cuda_numba: the Numba-CUDA kernels of mathfront's ``cuda`` backend.

Imported on first use of that backend, never by ``import mathfront`` (it
imports numba, which takes most of a second).

- operands: device arrays as flat views, offsets and strides;
- elementwise: one device function per op, generated kernels;
- reductions: deterministic block and per-output reduction kernels;
- producers: whose device arrays came in (CuPy, PyTorch, Numba), and results out as theirs;
- api: operands in (host or device), validation, results out; ``select`` for ``where=`` masks.
"""

from __future__ import annotations

from .._ops import OPS, Op

#: {op name: input dtypes with a GPU kernel}: those of each row of the op table.
SUPPORTED: dict[str, tuple[str, ...]] = {op.name: op.dtypes for op in OPS}


def kernel(op: Op, backend):
    """The callable computing ``op`` on the GPU (the Backend interface's kernel)."""
    from .api import make_kernel

    return make_kernel(op, backend)


def to_device(x):
    from .api import to_device as move

    return move(x)


def to_host(x):
    from .api import to_host as move

    return move(x)


def select(cond, x, fill, out=None):
    """``np.where(cond, x, fill)`` in ``x``'s dtype, on the GPU: see ``api.select``."""
    from .api import select as run

    return run(cond, x, fill, out)


def astype(x, dtype):
    """A device copy of ``x`` as ``dtype``, cast as NumPy casts: see ``api.astype``."""
    from .api import astype as run

    return run(x, dtype)


def empty_like(x, shape, dtype):
    """A new device array of ``x``'s library: see ``api.empty_like``."""
    from .api import empty_like as run

    return run(x, shape, dtype)


def copyto(target, value) -> None:
    """``np.copyto(target, value, casting="unsafe")`` on the GPU: see ``api.copyto``."""
    from .api import copyto as run

    run(target, value)


def notnan(x):
    """``~np.isnan(x)`` on the GPU, a bool device array: see ``api.notnan``."""
    from .api import notnan as run

    return run(x)

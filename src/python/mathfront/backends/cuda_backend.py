"""The ``cuda`` backend: Numba-CUDA kernels from ``mathfront.cuda_numba``.

Numba is imported only when this backend is first asked whether it can run,
never by ``import mathfront``.
"""

from __future__ import annotations

import importlib.util

from .._ops import COMPOSITE, Op
from .base import Backend

#: What the cuda extra installs, named so that it works from a checkout as from PyPI.
INSTALL_HINT = "pip install 'numba-cuda[cu12]', the cuda extra of mathfront"


def _probe() -> str | None:
    """Why the GPU cannot be used here, or None when it can."""
    if importlib.util.find_spec("numba_cuda") is None:
        return f"numba-cuda is not installed ({INSTALL_HINT})"
    try:
        from numba import cuda

        if not cuda.is_available():
            cuda.current_context()  # raises with the driver's own reason
            return "no CUDA device is visible"
    except Exception as e:  # CudaSupportError, missing libraries, ...
        reason = " ".join(str(e).split())
        return f"no usable CUDA driver or device ({reason})"
    return None


class CudaBackend(Backend):
    name = "cuda"
    device = "cuda"
    priority = 10

    def __init__(self):
        self._reason: str | None = None
        self._probed = False

    def unavailable_reason(self) -> str | None:
        if not self._probed:
            self._reason = _probe()
            self._probed = True
        return self._reason

    def _kernels(self):
        from mathfront import cuda_numba

        return cuda_numba

    def dtypes(self, op: Op):
        if self.unavailable_reason() is not None:
            return ()
        if op.kind == COMPOSITE:
            return self.composite_dtypes(op)
        return self._kernels().SUPPORTED.get(op.name, ())

    def kernel(self, op: Op):
        if op.kind == COMPOSITE:
            return self.composite(op)
        return self._kernels().kernel(op, self)

    def fused(self, program):
        """``run(arrays, scalars, outs)`` for a fused program (docs/fuse.md): one
        generated kernel, device arrays in place (host ones copied in and back)."""
        from mathfront.cuda_numba import fused

        return fused.compile(program)

    def to_device(self, x):
        return self._kernels().to_device(x)

    def to_host(self, x):
        return self._kernels().to_host(x)

    def copyto(self, target, value) -> None:
        """``np.copyto(target, value, casting="unsafe")`` into device array ``target``."""
        self._kernels().copyto(target, value)

    def info(self) -> dict:
        from numba import config, cuda

        if config.ENABLE_CUDASIM:
            return {"gpu": "Numba CUDA simulator (NUMBA_ENABLE_CUDASIM=1)"}
        device = cuda.get_current_device()
        _, total = cuda.current_context().get_memory_info()
        name = device.name.decode() if isinstance(device.name, bytes) else device.name
        facts = {
            "gpu": name,
            "gpu_memory_gib": round(total / 2**30, 1),
            "compute_capability": ".".join(map(str, device.compute_capability)),
        }
        try:
            facts["driver"] = ".".join(map(str, cuda.cudadrv.driver.driver.get_version()))
            facts["runtime"] = ".".join(map(str, cuda.runtime.get_version()))
        except Exception:  # informational only
            pass
        return facts

"""Benchmark cases: which calls are timed, on what data, moving how many bytes.

Shared by ``python -m mathfront bench`` and the pytest-benchmark suite under
``benchmarks/``, so both time the very same calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._ops import BY_NAME, OPS, REQUIRED_DTYPES, Op

#: The quick run: one op of each kind and a few that matter, at a size where
#: the per-call overhead shows and one that fills the threads but still fits
#: in the last-level cache. Sizes in between sit on the threading threshold
#: and those beyond the cache follow the machine's memory bandwidth: their
#: speed-ups drift between runs, which a regression check must not mistake.
#: dot is left out: NumPy's dot is OpenBLAS, whose own threads contend with
#: mathfront's, so its speed-up says more about the two pools than about us.
QUICK_OPS = ("add", "multiply", "exp", "sin", "sum", "mean", "min", "var", "argmax")
QUICK_DTYPES = ("float64", "float32")
QUICK_SIZES = (1_000, 1_000_000)

DEFAULT_OPS = tuple(op.name for op in OPS)
DEFAULT_DTYPES = REQUIRED_DTYPES
DEFAULT_SIZES = (1_000, 100_000, 10_000_000)


@dataclass(frozen=True)
class Case:
    """One benchmarked call: ``op`` on ``size`` elements of ``dtype``."""

    op: str
    dtype: str
    size: int

    @property
    def spec(self) -> Op:
        return BY_NAME[self.op]

    def inputs(self) -> list[np.ndarray]:
        """Operands with values every op accepts (positive, small exponents)."""
        rng = np.random.default_rng(12345)
        dtype = np.dtype(self.dtype)
        arrays = []
        for i in range(self.spec.arity):
            if dtype.kind == "f":
                # inside the op's domain (arcsin's [-1, 1]): NaN results would
                # time the slow path of special values instead
                a = (rng.random(self.size) * 1.8 - 0.9 if self.spec.domain == "[-1,1]"
                     else rng.random(self.size) + 0.5 + 0.5 * (self.spec.domain == ">=1"))
            else:
                a = rng.integers(1, 100, self.size)
            if self.op == "power" and i == 1:
                a = rng.integers(0, 4, self.size)
            arrays.append(a.astype(dtype))
        return arrays

    def result_dtype(self) -> np.dtype:
        sample = [np.ones(1, self.dtype)] * self.spec.arity
        return np.asarray(self.spec.reference(*sample)).dtype

    def nbytes(self) -> int:
        """Bytes the op must move: its operands read, and its result written."""
        read = self.spec.arity * self.size * np.dtype(self.dtype).itemsize
        written = self.size * self.result_dtype().itemsize if self.spec.elementwise else 0
        return read + written

    def call(self, mf, backend: str, to_device=None):
        """A no-argument callable making this call on ``backend``.

        Elementwise ops write into a preallocated ``out=`` so that what is
        timed is the kernel, not the allocator. ``to_device`` moves the
        operands (and out) to a device first, for device backends.
        """
        fn = getattr(mf, self.op)
        operands = self.inputs()
        move = to_device or (lambda x: x)
        operands = [move(a) for a in operands]
        if self.spec.elementwise:
            out = move(np.empty(self.size, self.result_dtype()))
            return lambda: fn(*operands, out=out, backend=backend)
        return lambda: fn(*operands, backend=backend)

    @property
    def label(self) -> str:
        return f"{self.op} {self.dtype} n={self.size:g}"


def cases(ops=DEFAULT_OPS, dtypes=DEFAULT_DTYPES, sizes=DEFAULT_SIZES) -> list[Case]:
    """Every op x dtype x size, but the dtypes an op's row leaves out (bitwise_and of
    floats, sqrt of int8: NumPy refuses them or computes in float16)."""
    return [Case(op, str(np.dtype(d)), int(n)) for op in ops for d in dtypes for n in sizes
            if np.dtype(d).name in BY_NAME[op].dtypes]

"""The traced program: what ``mf.fuse`` and ``mf.evaluate`` hand to an engine.

A program is straight-line code over numbered registers. The tracer resolves
every NumPy 2 promotion (``ufunc.resolve_dtypes``, weak Python scalars
included) and inserts explicit ``cast`` steps, so that each step's operands
already have its loop dtype: an engine never promotes, it only runs kernels it
already has (and casts). Scalar-only arithmetic never reaches an engine: the
front end computes it with NumPy before each run (its own record, not part of
the program), and passes the engine the results as scalar registers.

Registers, in this order (a register id indexes ``Program.dtypes``):

- ``0 .. n_arrays-1``: the array inputs, broadcast by the front end to the
  program's shape (zero strides where broadcast, any other strides as given);
- ``n_arrays .. n_arrays+n_scalars-1``: the scalars, each a NumPy scalar of its
  register's dtype (an input scalar cast once per use dtype, a literal, or a
  prelude result), the same value for every element;
- then one register per step, in step order.

This module imports nothing from mathfront but the op table: engines import
it, never the tracer.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The step that converts its one operand to the step's dtype, as ``ndarray.astype``
#: with ``casting="unsafe"`` (NumPy's wrap-around and truncation).
CAST = "cast"

#: The reductions a program may end with (NumPy's names).
REDUCTIONS = ("sum", "mean", "prod", "min", "max", "var", "std", "argmin", "argmax", "any",
              "all", "count_nonzero")


@dataclass(frozen=True)
class Step:
    """``dtype`` register = ``op``(``args``): an elementwise row of the op table, or CAST.

    Every operand register has the loop dtype ``loop`` (for ``where``: the condition
    is bool, the other two ``loop``); ``dtype`` is the result's (bool for
    comparisons, the CAST target...).
    """

    op: str
    args: tuple[int, ...]
    loop: str
    dtype: str


@dataclass(frozen=True)
class Reduction:
    """An output reduced: ``op`` over ``axis`` (None: every axis) of register ``arg``.

    ``dtype`` is the result's dtype (NumPy's: sum of int32 is int64, mean of int is
    float64); ``ddof`` for var/std. ``axis`` is normalised to ``0 <= axis < ndim``.
    """

    op: str
    arg: int
    axis: int | None
    dtype: str
    ddof: float = 0


@dataclass(frozen=True)
class Program:
    """One traced signature's code. Outputs: a register, or a Reduction of one."""

    ndim: int
    array_dtypes: tuple[str, ...]
    scalar_dtypes: tuple[str, ...]
    steps: tuple[Step, ...]
    outputs: tuple[int | Reduction, ...]

    @property
    def n_arrays(self) -> int:
        return len(self.array_dtypes)

    @property
    def dtypes(self) -> tuple[str, ...]:
        """Every register's dtype, by register id."""
        return (*self.array_dtypes, *self.scalar_dtypes, *(s.dtype for s in self.steps))

    def is_scalar(self, register: int) -> bool:
        return self.n_arrays <= register < self.n_arrays + len(self.scalar_dtypes)

    @property
    def reduces(self) -> bool:
        return any(isinstance(o, Reduction) for o in self.outputs)

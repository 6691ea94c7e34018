"""The ``cpp`` backend: C++ kernels from the compiled extension ``mathfront._cpp``.

Each op is a C entry point (src/cpp/bindings/entries.cpp) that computes the
calls it can take as they are: exact ndarrays of one supported dtype, weak
Python scalars, an ``out`` of the exact result, NumPy's later keywords
(``where=``...) at their defaults. It passes every other call, unchanged, to
the callable it is bound to. ``kernel(op)`` binds it to
``converting_kernel(op)``, which computes the later keywords above the engine
(``_above``, as for any backend) around ``plain_kernel(op)``; that one
validates a plain call with the shared checks (so errors read the same on
every backend), converts it (dtype casts, NumPy scalars, lists, unaligned or
foreign-byte-order data) and calls a strict entry, one that never defers: a
call it still refused would be a bug, reported as such. A refused call thus
crosses into C twice at most.
"""

from __future__ import annotations

import functools
import os
import warnings

import numpy as np

from .. import _checks, _comparisons, _keywords
from .._errors import unsupported_dtype
from .._ops import ALL_KEYWORDS, COMPOSITE, DOT, KEYWORD_DEFAULTS, REDUCTION, SCAN, TERNARY, Op
from .._threads import get_num_threads
from .base import Backend

LEVEL_ENV = "MATHFRONT_CPU_LEVEL"
#: The SIMD levels the kernels are compiled for, lowest first (src/cpp/core/cpu_features.hpp).
LEVELS = ("baseline", "avx2", "avx512")


def _kernel_array(x, dtype) -> np.ndarray:
    """``x`` as an aligned, native-order ndarray of ``dtype`` (copied only if needed)."""
    a = np.asarray(x, np.dtype(dtype).newbyteorder("="))
    return a if a.flags.aligned else a.copy()


def _direct(out, dtype) -> bool:
    """Can the C++ side write into ``out`` as it is?"""
    return (type(out) is np.ndarray and out.dtype == dtype and out.dtype.isnative
            and out.flags.aligned)


def _into_out(call, result):
    """The result as the op returns it: in ``out`` if given, else as computed."""
    if call.out is None:
        return result
    call.out[...] = result
    return call.out


#: A weak Python scalar's stand-in for np.result_type (a value: weak, as NumPy 2 takes it).
_WEAK = {bool: True, int: 1, float: 1.0, complex: 1j}


@functools.lru_cache(maxsize=1024)
def _loop_dtype(op: Op, keys: tuple, supported: frozenset) -> np.dtype:
    """The dtype the kernel computes ``op`` in, for operands of these promotion keys.

    NumPy 2's promotion (int64 with uint64: float64; weak Python scalars), where the
    row's kernel for that dtype gives NumPy's result; else the input dtype of the loop
    the ufunc resolves (NumPy has no loop for every dtype: arctan2 of int16 with uint16
    promotes to int32, but computes in float32). float16 loops are refused (TypeError).
    """
    promoted = np.result_type(*(_WEAK.get(k, k) for k in keys))
    if not isinstance(op.reference, np.ufunc):  # np.round: one loop per dtype
        return promoted
    try:
        resolved = op.reference.resolve_dtypes((*keys, None))
    except TypeError:  # NumPy refuses the call: its own error, raised by the fallback
        return promoted
    if (promoted.name in supported
            and _checks.result_dtype(op, (promoted,) * op.arity) == resolved[-1]):
        return promoted
    if resolved[0].name in supported:
        return resolved[0]
    raise unsupported_dtype(op.name, "cpp", resolved[0], sorted(supported))


def _elementwise(strict, call, supported=frozenset()):
    operands, keys = call.operands, call.keys
    loop = _comparisons.bool_loop(call.op, operands)  # NumPy's own loop for comparisons...
    if loop is not None:
        if loop.constant is not None:  # np.int8 array < 1000: all True
            result = np.full(call.shape, loop.constant)
            return _into_out(call, result if call.shape else result[()])
        if loop.mixed:
            # int64 with uint64: NumPy's exact loop, which no kernel of one dtype has
            # (their result_type, float64, rounds past 2**53).
            return _into_out(call, call.op.reference(*call.operands))
        operands = loop.operands  # a logical op's Python scalars as their truth
        keys = tuple(_checks.operand_type(x) for x in operands)
    dtype = _loop_dtype(call.op, keys, supported)
    try:
        arrays = [_kernel_array(x, dtype) for x in operands]
    except OverflowError:
        # A Python int beyond the integer dtype: NumPy raises too, unless the
        # op computes in its float result type anyway (int32 / 2**40); a bool one
        # never does (np.array([True]) < 2**70 raises).
        if call.dtype == dtype or call.dtype.kind != "f":
            raise
        arrays = [_kernel_array(x, call.dtype) for x in operands]
    if call.out is not None and _direct(call.out, call.dtype):
        return strict(*arrays, call.out)  # C++ handles out aliasing an operand
    return _into_out(call, strict(*arrays, None))


def _reduction(strict, call):
    op = call.op
    requested = call.extra.get("dtype")
    x = call.operands[0]
    if op.skips_nan and requested is not None and x.dtype.kind == "f" and requested.kind != "f":
        x = np.where(np.isnan(x), 0, x)  # as NumPy: NaN counts as 0 before an integer cast
    x = _kernel_array(x, requested or x.dtype)
    axis = call.axes
    reshaped = op.is_arg and x.ndim == 0
    if op.is_arg:
        x = x.reshape(1) if reshaped else x  # NumPy takes axis 0 of a 0-d array here
        axis = None if axis is None else axis[0]
    if "ddof" in op.extra:
        extra = [_checks.real_ddof(op, call.extra["ddof"])]
    else:
        extra = [None] * len(op.extra)  # dtype=: already applied by the cast above
    direct = (call.out is not None and requested is None and not reshaped
              and _direct(call.out, call.dtype) and not np.may_share_memory(call.out, x))
    if direct:
        return strict(x, axis, call.keepdims, call.out, *extra)
    result = np.asarray(strict(x, axis, call.keepdims, None, *extra))
    # sum/prod with an integer dtype= accumulate in int64, whose low bits are
    # what NumPy's narrower accumulator would hold.
    result = result.astype(call.dtype, copy=False).reshape(call.shape)
    return _into_out(call, result if call.shape else result[()])


def _dot(strict, call):
    x, y = (_kernel_array(v, call.dtype) for v in call.operands)
    if call.out is None or _direct(call.out, call.dtype):
        return strict(x, y, call.out)
    return _into_out(call, strict(x, y, None))


def _same_elements(a: np.ndarray, b: np.ndarray) -> bool:
    """Do ``a`` and ``b`` view the very same elements (out= the input itself)?"""
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.shape == b.shape and a.strides == b.strides)


def _scan(strict, call):
    requested = call.extra.get("dtype")
    x = np.asarray(call.operands[0])
    x = _kernel_array(x, requested or x.dtype)
    axis = None if call.axes is None else call.axes[0]
    if axis is None or x.ndim == 0:
        x, axis = x.reshape(-1), 0  # C order, as NumPy flattens
    # dtype= narrower than int64 (bool too): int64 accumulation, whose low bits are
    # what NumPy's narrower accumulator holds (bool: nonzero).
    computed = np.dtype(np.int64) if x.dtype.kind in "biu" else x.dtype
    if call.out is not None and computed == call.dtype and _direct(call.out, call.dtype):
        # (out has x's shape here: the flattened size when x was flattened)
        if np.may_share_memory(call.out, x) and not _same_elements(call.out, x):
            x = x.copy()
        strict(x, axis, None, call.out)
        return call.out
    result = strict(x, axis, None, None).astype(call.dtype, copy=False)
    return _into_out(call, result.reshape(call.shape))


def _ternary(strict, call):
    op = call.op
    operands = list(call.operands)
    first = []
    if op.name == "where":  # the condition: bool, as NumPy reads it (nonzero, NaN true)
        condition = np.asarray(operands.pop(0))
        first = [_kernel_array(condition if condition.dtype == bool else condition != 0, bool)]
        # NumPy's where casts a Python scalar beyond the dtype as C does (wraps), unlike ufuncs
        operands = [np.asarray(x).astype(call.dtype) if type(x) in _checks.PY_SCALARS else x
                    for x in operands]
    arrays = first + [_kernel_array(x, call.dtype) for x in operands]
    if call.out is not None and _direct(call.out, call.dtype):
        return strict(*arrays, call.out)  # C++ handles out aliasing an operand
    return _into_out(call, strict(*arrays, None))


_COMPUTE = {REDUCTION: _reduction, DOT: _dot, SCAN: _scan, TERNARY: _ternary}


def bad_level(level: str, best: str) -> str:
    """Why ``MATHFRONT_CPU_LEVEL=level`` cannot be used where ``best`` is the CPU's best."""
    allowed = LEVELS[:LEVELS.index(best) + 1] if best in LEVELS else (best,)
    choices = " or ".join([", ".join(allowed[:-1]), allowed[-1]] if len(allowed) > 1 else allowed)
    what = (f"above this CPU's best level, {best}" if level in LEVELS
            else "an unknown CPU level")
    return f"{LEVEL_ENV}={level!r} is {what}: set it to {choices}, or leave it unset for {best}"


class CppBackend(Backend):
    name = "cpp"
    device = "cpu"
    priority = 10
    # Its C entries take every keyword: those at their defaults they compute,
    # the others they pass to converting_kernel, which computes them above the
    # engine as for any backend.
    keywords = ALL_KEYWORDS

    def __init__(self):
        self._module = None
        self._supported: dict[str, frozenset[str]] = {}
        self._reason = self._load()

    def _load(self) -> str | None:
        try:
            from mathfront import _cpp
        except ImportError as e:
            return (
                f"the compiled extension mathfront._cpp cannot be imported ({e}); "
                "reinstall mathfront with `pip install .` where a C++17 compiler is available"
            )
        level = os.environ.get(LEVEL_ENV, "").strip()
        if level:
            try:
                _cpp.select_level(level)
            except ValueError:
                reason = bad_level(level, _cpp.best_level())
                # Off without a word, auto would quietly run NumPy instead.
                warnings.warn(f"{reason}; the cpp backend is off", RuntimeWarning, stacklevel=2)
                return reason
        self._module = _cpp
        self._supported = {op: frozenset(d) for op, d in _cpp.supported().items()}
        _cpp.set_num_threads(get_num_threads())
        return None

    def unavailable_reason(self) -> str | None:
        return self._reason

    def dtypes(self, op: Op):
        if op.kind == COMPOSITE:
            return self.composite_dtypes(op)
        return self._supported.get(op.name, frozenset())

    def auto_prefers(self, op: Op) -> bool:
        return not op.scalar_cpu  # libm one element at a time: NumPy's SIMD loops win

    def auto_prefers_call(self, op: Op, dtypes) -> bool:
        return not op.slow_on_cpu(dtypes)

    def entry(self, op: Op, refused, max_size: int = 0, large=None, capped=()):
        """The op's C entry point: it computes the calls it takes as they are and
        passes every other one, unchanged, to ``refused`` (``None``: it raises
        ``RuntimeError`` instead, for plain calls already converted); with
        ``max_size``, also the elementwise calls of more elements, or, when
        ``large`` is given and out is None, calls ``large(*operands)`` for them;
        ``capped``: the loop dtypes ``max_size`` applies to (empty: every one)."""
        if refused is None:
            return self._module.bind(op.name, None)
        return self._module.bind(op.name, refused, tuple(KEYWORD_DEFAULTS[k] for k in op.later),
                                 max_size, large, list(capped))

    def converting_kernel(self, op: Op):
        """The Python side of ``kernel(op)``: NumPy's later keywords computed above
        the engine (``_keywords.wrap``) around ``plain_kernel(op)``."""
        return _keywords.wrap(op, self.plain_kernel(op), (), self.kernel, self.name)

    def plain_kernel(self, op: Op):
        """Validates and converts any plain call, then computes it on a strict C entry."""
        strict = self.entry(op, None)
        compute = _COMPUTE.get(op.kind) or functools.partial(
            _elementwise, supported=frozenset(self.dtypes(op)))
        n = op.arity
        out_at = n + op.keywords.index("out")

        def converting(*args):
            operands = [
                x if type(x) in _checks.PY_SCALARS else np.asarray(x)
                for x in (_checks.host_operand(op, self.name, x, i) for i, x in enumerate(args[:n]))
            ]
            _checks.plain_out(op, self.name, args[out_at])
            self.require(op, _checks.involved_dtypes(op, (*operands, *args[n:])))
            return compute(strict, _checks.validate(op, operands, args[n:]))

        return converting

    def kernel(self, op: Op):
        if op.kind == COMPOSITE:
            return self.composite(op)
        return self.entry(op, self.converting_kernel(op))

    def fused(self, program):
        """``program`` (fuse/_program.py) compiled once into a C++ plan of kernel-table
        calls; returns ``run(arrays, scalars, outs)`` (docs/fuse.md). ``NotImplementedError``
        for a program some step of which has no kernel here."""
        from ..fuse._program import Reduction

        first_step = program.n_arrays + len(program.scalar_dtypes)
        for s in program.steps:
            if s.op == "power" and np.dtype(s.loop).kind in "iu" and s.args[1] >= first_step:
                # NumPy raises for a negative integer exponent; one computed inside the
                # program is known only once blocks are written: the numpy engine runs it.
                raise NotImplementedError("the cpp engine does not fuse an integer power "
                                          "whose exponent is computed")
        steps = tuple((s.op, s.loop, s.dtype, tuple(s.args)) for s in program.steps)
        outputs = tuple(
            (o.op, o.arg, -1 if o.axis is None else o.axis, float(o.ddof), o.dtype)
            if isinstance(o, Reduction) else o
            for o in program.outputs)
        try:
            plan = self._module.fused_plan(program.ndim, program.n_arrays, program.dtypes,
                                           steps, outputs)
        except ValueError as e:
            raise NotImplementedError(f"the cpp engine cannot fuse this program: {e}") from None
        # A C callable bound to its plan: no Python frame per call.
        run = functools.partial(self._module.fused_run, plan)
        # It allocates register outputs given as None and checks shapes and alignment
        # (ValueError): the front end's fast calls leave both to it.
        run.allocates_outputs = True
        return run

    def num_threads(self) -> int:
        return get_num_threads()

    def num_threads_changed(self, n: int) -> None:
        if self._module is not None:
            self._module.set_num_threads(n)

    def info(self) -> dict:
        m = self._module
        return {
            "simd_level": m.active_level(),
            "best_simd_level": m.best_level(),
            "cpu_features": list(m.cpu_features()),
        }

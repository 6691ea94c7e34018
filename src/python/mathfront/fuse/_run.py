"""One call of a traced program: scalars, shapes, ``out=``, the engine, the results.

``fast_call`` makes the commonest calls' function (no ``out=``, inputs of one shape
where the engine runs) from what a :class:`Plan` worked out once per trace; ``run`` takes
every call: broadcasting, ``out=`` checked before anything runs, the numpy
engine for outputs of smaller shapes, copies to and from a device.
"""

from __future__ import annotations

import numpy as np

from .. import _checks, _transfer
from .._checks import fmt_shape
from . import _engines, _numpy_engine, _outputs, _promote
from ._program import Reduction
from ._trace import CLAMP, Traced


def scalar_values(traced: Traced, args) -> list:
    """The prelude's slots, computed as the user's own Python and NumPy would."""
    slots, prelude = traced.prelude
    values = []
    for kind, i in slots:
        if kind == "input":
            values.append(args[i])
        elif kind == "literal":
            values.append(traced.literals[i])
        else:
            fn, expected, arg_slots = prelude[i]
            v = fn(*(values[s] for s in arg_slots))
            if (type(v) is not expected) if isinstance(expected, type) else (
                    getattr(v, "dtype", None) != expected):
                raise TypeError(f"mathfront.fuse: a scalar computed from the arguments is a "
                                f"{type(v).__name__} this time, not as traced ({expected}); "
                                "pass it as an array")
            values.append(v)
    return values


def _register_value(value, dtype: np.dtype, mode: str):
    """A scalar register's value: NumPy's conversion (an out-of-range Python int raises
    OverflowError, as in a ufunc), clip's (clamped to the dtype: the same answer) or
    where's (wrapped as C casts: where is no ufunc)."""
    if type(value) is int and mode and dtype.kind in "iu":
        lo, hi = _promote.int_range(dtype)
        if not lo <= value <= hi:
            if mode == CLAMP:
                value = min(max(value, lo), hi)
            else:
                value = (value - lo) % (hi - lo + 1) + lo
    if isinstance(value, (np.generic, np.ndarray)):
        return value.astype(dtype)[()]
    return dtype.type(value)


def _host_array(x: np.ndarray, shape) -> np.ndarray:
    if not x.dtype.isnative or not x.flags.aligned:
        x = x.astype(x.dtype.newbyteorder("="))
    return x if x.shape == shape else np.broadcast_to(x, shape)


def _reduced_shape(shape, r: Reduction, keepdims: bool) -> tuple:
    if r.axis is None:
        return (1,) * len(shape) if keepdims else ()
    if keepdims:
        return (*shape[: r.axis], 1, *shape[r.axis + 1:])
    return (*shape[: r.axis], *shape[r.axis + 1:])


def run(traced: Traced, args, out, casting, backend, name):
    program = traced.program
    values = scalar_values(traced, args) if traced.prelude[0] else []
    arrays = [args[i] for i, x in enumerate(args) if _is_array(x)]
    shapes = [x.shape for x in arrays]
    shape = shapes[0] if shapes and all(s == shapes[0] for s in shapes) else \
        np.broadcast_shapes(*shapes)
    outs = _outputs.as_tuple(out, len(traced.outputs))
    on_device = any(_checks.is_device_array(x) for x in arrays) or any(
        _checks.is_device_array(t) for t in outs if t is not None)
    engine = _engines.engine(backend, on_device)
    if on_device and engine.device == "cpu":
        raise TypeError(f"mathfront.fuse: backend {engine.name!r} runs on the host but the "
                        "call has device arrays; move them with mf.to_host")

    # Outputs whose own shape is smaller than the program's: NumPy's op-by-op answer
    # (the numpy engine on the unbroadcast inputs).
    own_shapes = [shape if len(set(shapes)) <= 1 else
                  np.broadcast_shapes(*(shapes[i] for i in deps)) for deps in traced.deps]
    split = any(s != shape for s in own_shapes)
    if split and on_device:
        raise ValueError("mathfront.fuse: on a device, every result must have the broadcast "
                         f"shape {fmt_shape(shape)} of all the inputs")

    # Check every out= before anything runs.
    engine_outs, copies = [None] * len(program.outputs), []
    alias_ok = len(traced.outputs) == 1
    broadcast = None
    for at, (o, target) in enumerate(zip(traced.outputs, outs, strict=True)):
        if target is None:
            continue
        if o.kind == "engine":
            produced = program.outputs[o.index]
            if isinstance(produced, Reduction):
                dtype = np.dtype(produced.dtype)
                want = _reduced_shape(own_shapes[o.index], produced, o.keepdims)
                _outputs.check(target, dtype, want, "unsafe", f"the {produced.op}", on_device)
                if on_device and engine_outs[o.index] is None:
                    engine_outs[o.index] = target  # (the engine casts into it)
                else:
                    copies.append((at, target))
                continue
            dtype, want = np.dtype(program.dtypes[produced]), own_shapes[o.index]
        elif o.kind == "input":
            x = arrays[o.index]
            dtype, want = x.dtype, x.shape
        else:
            v = values[o.index]
            dtype, want = _promote.default_dtype(
                type(v) if type(v) in (bool, int, float) else v.dtype), ()
        _outputs.check(target, dtype, want, casting, "the result", on_device)
        if o.kind == "engine" and on_device and engine_outs[o.index] is None:
            engine_outs[o.index] = target  # the engine writes it, or casts into it
            continue
        if o.kind == "engine" and not split and engine.device == "cpu":
            if broadcast is None:
                broadcast = _broadcast(arrays, shape)
            if target.dtype == dtype and not _outputs.overlaps_partially(
                    target, arrays, broadcast) and (
                    alias_ok or not any(np.may_share_memory(target, x) for x in arrays
                                        if isinstance(x, np.ndarray))):
                engine_outs[o.index] = target
                continue
        copies.append((at, target))

    scalars = [_register_value(values[slot], dtype, mode)
               for slot, dtype, mode in traced.scalar_sources]

    if program.outputs:
        if split:
            runner = _numpy_engine.fused(program)
            results = runner([_host_array(x, x.shape) for x in arrays], scalars,
                             [None] * len(program.outputs))
        else:
            if broadcast is None:
                broadcast = _broadcast(arrays, shape)
            runner = _compiled(traced, engine)
            if runner is None:  # a device engine declined it: host operands run on NumPy
                if on_device:
                    raise _engines.declined(engine)
                # (engine_outs are all None here: only a cpu engine is given out= targets)
                engine, runner = None, _numpy_engine.fused(program)
            for i, produced in enumerate(program.outputs):
                if not isinstance(produced, Reduction) and engine_outs[i] is None:
                    engine_outs[i] = (_empty(engine, shape, program.dtypes[produced])
                                      if engine is not None
                                      else np.empty(shape, program.dtypes[produced]))
            if engine is not None and engine.device != "cpu" and not on_device:
                _transfer.check(engine.name, "fuse", arrays)
                broadcast = [engine.to_device(np.ascontiguousarray(x)) for x in broadcast]
                results = tuple(engine.to_host(r) for r in runner(broadcast, scalars,
                                                                  engine_outs))
            else:
                results = runner(broadcast, scalars, engine_outs)
    else:
        results = ()

    answers = []
    for o, target in zip(traced.outputs, outs, strict=True):
        if o.kind == "engine" and target is not None and results[o.index] is target:
            answers.append(target)  # written by the engine
            continue
        if o.kind == "engine":
            value = results[o.index]
            produced = program.outputs[o.index]
            if isinstance(produced, Reduction):
                if o.keepdims:
                    value = value.reshape(_reduced_shape(own_shapes[o.index], produced, True))
                if target is None and value.ndim == 0 and isinstance(value, np.ndarray):
                    value = value[()]
            elif target is None and isinstance(value, np.ndarray) and value.ndim == 0:
                value = value[()]  # NumPy's ufuncs give scalars for 0-d inputs
        elif o.kind == "input":
            value = arrays[o.index]
        else:
            value = values[o.index]
        answers.append(value)
    for i, target in copies:
        if on_device:
            engine.copyto(target, answers[i])
        else:
            np.copyto(target, answers[i], casting="unsafe")
        answers[i] = target
    return tuple(answers) if traced.as_tuple else answers[0]


def _broadcast(arrays, shape) -> list:
    broadcast = []
    for x in arrays:
        if isinstance(x, np.ndarray):
            x = _host_array(x, shape)
        broadcast.append(x)  # (device engines broadcast with zero strides themselves)
    return broadcast


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray) or _checks.is_device_array(x)


def _empty(engine, shape, dtype):
    if engine.device == "cpu":
        return np.empty(shape, dtype)
    from numba import cuda

    return cuda.device_array(shape, dtype)


class Plan:
    """What every call of one trace does the same way, worked out once."""

    def __init__(self, traced: Traced, key: tuple):
        program = traced.program
        self.array_at = tuple(i for i, e in enumerate(key)
                              if type(e) is tuple and e[0] in ("a", "d"))
        self.on_device = any(type(e) is tuple and e[0] == "d" for e in key)
        self.native = all(key[i][1].isnative for i in self.array_at)
        self.all_arrays = len(self.array_at) == len(key)
        # Scalar registers from literals alone: the same values every call.
        slots = traced.prelude[0]
        if all(slots[slot][0] == "literal" for slot, _, _ in traced.scalar_sources):
            self.scalars = [_register_value(traced.literals[slots[slot][1]], dtype, mode)
                            for slot, dtype, mode in traced.scalar_sources]
        else:
            self.scalars = None
        self.out_dtypes = tuple(None if isinstance(o, Reduction) else np.dtype(program.dtypes[o])
                                for o in program.outputs)
        # The fast path: every result an engine register (or a reduction without keepdims),
        # in the outputs' order, and at least one array to give the shape.
        self.fast = bool(self.array_at) and bool(program.outputs) and all(
            o.kind == "engine" and o.index == i and not o.keepdims
            for i, o in enumerate(traced.outputs))
        self.scalar_results = any(isinstance(o, Reduction) for o in program.outputs) or \
            program.ndim == 0
        #: Fast calls (``fast_call``) by selection or backend= name.
        self.calls: dict = {}


def fast_call(traced: Traced, plan: Plan, backend):
    """``call(args)`` for the calls of one trace, selection and argument types without
    out= (Fused caches it): the result, or None when the call needs ``run`` (inputs of
    different shapes, misaligned, on the other side of the engine).

    Everything that is the same every call is bound here once: the engine and its
    compiled run, the scalar registers when they come from literals, the outputs'
    dtypes. On the cpp engine (its run carries ``allocates_outputs``) the outputs are
    allocated by the engine and the inputs' shapes and alignment checked by it: its
    ValueError sends the call to ``run``, which broadcasts, copies misaligned inputs or
    raises the user's error (a negative integer power) as the slow path does.
    """
    engine = _engines.engine(backend, plan.on_device)
    host = engine.device == "cpu"
    if host == plan.on_device or not plan.native:
        return _never
    run = _compiled(traced, engine)
    if run is None:  # declined: the general path decides
        return _never
    array_at, all_arrays, fixed = plan.array_at, plan.all_arrays, plan.scalars
    single, scalar_results = not traced.as_tuple, plan.scalar_results

    def scalars_of(args):
        values = scalar_values(traced, args)
        return [_register_value(values[slot], dtype, mode)
                for slot, dtype, mode in traced.scalar_sources]

    def finish(results):
        if scalar_results:  # NumPy's scalars for 0-d results
            results = tuple(r[()] if isinstance(r, np.ndarray) and r.ndim == 0 else r
                            for r in results)
        return results[0] if single else results

    if host and getattr(run, "allocates_outputs", False):
        nones = (None,) * len(plan.out_dtypes)
        if all_arrays and fixed is not None and single and not scalar_results:
            def call(args):  # the commonest: arrays in, one array out
                try:
                    return run(args, fixed, nones)[0]
                except ValueError:
                    return None
            return call

        def call(args):
            arrays = args if all_arrays else [args[i] for i in array_at]
            scalars = fixed if fixed is not None else scalars_of(args)
            try:
                results = run(arrays, scalars, nones)
            except ValueError:
                return None
            return finish(results)
        return call

    dtypes = plan.out_dtypes

    def call(args):
        arrays = args if all_arrays else [args[i] for i in array_at]
        shape = arrays[0].shape
        for x in arrays:
            if x.shape != shape or (host and not x.flags.aligned):
                return None
        scalars = fixed if fixed is not None else scalars_of(args)
        outs = [None if d is None else _empty(engine, shape, d) for d in dtypes]
        return finish(run(arrays, scalars, outs))
    return call


def _never(args):
    return None


def _compiled(traced: Traced, engine):
    runs = traced.runs  # by backend object: a re-registered backend compiles again
    run = runs.get(engine)
    if run is None:
        run = runs[engine] = _engines.compile_for(engine, traced.program)
    return run

"""Fused programs (docs/fuse.md) on the GPU: one generated kernel per program.

The kernel walks the program's elements as the elementwise kernels walk an
output (a grid-stride loop; each operand addressed by its own offset and
strides, so negative, zero and transposed strides need nothing more), and
per element loads the array registers it needs, runs every step on
registers (the op's own device function from elementwise.py), then stores
the register outputs. Loads come before stores: an output may be the very
memory of an input (same strides), as for single ops.

Each step's value is converted explicitly to the step's dtype, because
Numba's compiled typing is not NumPy's (int8 + int8 is int64, a compare of
bools added is an int): converted, both give NumPy's wrap-around; under the
simulator (NumPy scalars) the conversion of Numba's type objects wraps too.
Bool registers are Numba booleans (a bool array's byte != 0); casts follow
``astype(casting="unsafe")``: floats to integers through ``_to_int``
(NumPy's x86 answers for NaN and out of range), anything to bool as != 0.

Reductions are computed in the same kernel, as reductions.py computes one:
the axes split into kept ones (one output each) and reduced ones; one thread
per output folds its elements in order (short reductions, or many outputs
read coalesced), else one block per (output, chunk) folds strided elements
and merges them in a shared-memory tree, and reductions.py's "combine"
kernel merges the chunks. Same families, same fixed order: the same bits
every run. One kernel holds one split of the axes and up to MAX_FUSED
states (each takes five shared arrays): the reductions over every axis, or
else those over the first reduction's axis. The others are staged: the
kernel writes their register into a C-contiguous device temporary, which
reductions.run then reduces (the single op's kernels and bits). Every
element is visited once either way, so register outputs are stored on the
way.
"""

from __future__ import annotations

import contextlib

import numpy as np
from numba import cuda, float64, from_dtype, int64

from .. import _checks, _transfer
from .._ops import ALL_DTYPES
from ..fuse._program import CAST, Program, Reduction
from . import config, elementwise, producers, reductions
from .api import (
    _numpy_typed,
    _storage,
    cast_into,
    gpu_errors,
    readable_while_writing,
    to_device,
    to_host,
)
from .launch import current_stream, launch
from .operands import SIMULATOR, broadcast, contiguous, empty, flat, simplify
from .reductions import _offset, _unravel

#: Reductions one kernel folds at most (in the blocks scheme each holds 5 x BLOCK
#: words of shared memory: 10 KiB at 256 threads).
MAX_FUSED = 4

_JITTED: dict = {}  # Python function -> its device function (one per function)


def _device(fn):
    jitted = _JITTED.get(fn)
    if jitted is None:
        jitted = _JITTED[fn] = cuda.jit(device=True)(fn)
    return jitted


def _split(program: Program) -> tuple[list[int], list[int], list[int]]:
    """(register outputs, fused reductions, staged reductions): output positions.

    Fused: those over every axis, else those over the first reduction's axis
    (one kernel walks one split of the axes into kept and reduced), at most
    MAX_FUSED; the others are staged."""
    registers = [i for i, o in enumerate(program.outputs) if not isinstance(o, Reduction)]
    reduced = [i for i, o in enumerate(program.outputs) if isinstance(o, Reduction)]
    full = [i for i in reduced if program.outputs[i].axis is None]
    axis = None if full or not reduced else program.outputs[reduced[0]].axis
    fused = [i for i in reduced if program.outputs[i].axis == axis][:MAX_FUSED]
    staged = [i for i in reduced if i not in fused]
    return registers, fused, staged


def _axis(program: Program):
    """The axis the fused reductions reduce (None: every axis)."""
    _, fused, _ = _split(program)
    return program.outputs[fused[0]].axis if fused else None


def _stored(program: Program) -> list[int]:
    """The registers the kernel stores, in its ``o0, o1...`` order: the register
    outputs', then the staged reductions' arguments (into temporaries)."""
    registers, _, staged = _split(program)
    return [program.outputs[i] for i in registers] + [program.outputs[i].arg for i in staged]


def _live(program: Program) -> tuple[list[int], list[int]]:
    """(array registers loaded, steps computed): those the outputs need."""
    needed = {o.arg if isinstance(o, Reduction) else o for o in program.outputs}
    first_step = program.n_arrays + len(program.scalar_dtypes)
    steps = []
    for k in range(len(program.steps) - 1, -1, -1):
        if first_step + k in needed:
            steps.append(k)
            needed.update(program.steps[k].args)
    arrays = sorted(r for r in needed if r < program.n_arrays)
    return arrays, steps[::-1]


def _step_expression(program: Program, k: int, namespace: dict) -> str:
    """Step ``k``'s value as an expression over registers, in the step's dtype."""
    step = program.steps[k]
    reg = program.n_arrays + len(program.scalar_dtypes) + k
    dtypes = program.dtypes
    target = np.dtype(step.dtype)
    namespace[f"D{reg}"] = from_dtype(target) if target.kind != "b" else None
    args = ", ".join(f"r{a}" for a in step.args)
    if step.op == CAST:
        source = np.dtype(dtypes[step.args[0]])
        if target.kind == "b":
            return f"TRUTH({args})"
        if source.kind == "f" and target.kind in "iu":
            info = np.iinfo(target)
            return f"D{reg}(TO_INT(F64({args}), {float(info.min)!r}, {float(info.max) + 1!r}))"
        return f"D{reg}({args})"
    namespace[f"f{reg}"] = namespace["jit"](elementwise.device_function(step.op, step.loop))
    call = f"f{reg}({args})"
    return f"TRUTH({call})" if target.kind == "b" else f"D{reg}({call})"


def _operands(program: Program) -> list[str]:
    """The names of the kernel's array operands: stores, then loads."""
    arrays, _ = _live(program)
    return [f"o{j}" for j in range(len(_stored(program)))] + [f"x{i}" for i in arrays]


def _scalars(program: Program) -> list[str]:
    return [f"r{program.n_arrays + i}" for i in range(len(program.scalar_dtypes))]


def _body(program: Program, address, indent: str, namespace: dict) -> list[str]:
    """One element's work: loads (``address(name)``: an operand's element), steps, stores."""
    arrays, steps = _live(program)
    dtypes = program.dtypes
    lines = []
    for i in arrays:
        load = f"x{i}[{address(f'x{i}')}]"
        lines.append(f"{indent}r{i} = {load} != 0" if np.dtype(dtypes[i]).kind == "b"
                     else f"{indent}r{i} = {load}")
    first = program.n_arrays + len(program.scalar_dtypes)
    for k in steps:
        lines.append(f"{indent}r{first + k} = {_step_expression(program, k, namespace)}")
    for j, reg in enumerate(_stored(program)):
        lines.append(f"{indent}o{j}[{address(f'o{j}')}] = r{reg}")
    return lines


def _elementwise_source(program: Program, ndim: int, layout: str, namespace: dict) -> str:
    """Elementwise outputs only: a grid-stride loop over the flat index (unravelled over
    ``ndim`` axes unless every operand is contiguous)."""
    params = [p for name in _operands(program) for p in (name, f"{name}_off", f"{name}_st")]
    lines = [f"def kernel(n, shape, {', '.join([*params, *_scalars(program)])}):",
             "    for flat in range(cuda.grid(1), n, cuda.gridsize(1)):"]
    if layout == "contiguous":
        def address(name):
            return f"{name}_off + flat"
    else:
        lines += _unravel("flat", "shape", ndim, "i", "        ")

        def address(name):
            return _offset(f"{name}_off", f"{name}_st", ndim, "i")
    lines += _body(program, address, "        ", namespace)
    return "\n".join(lines) + "\n"


def _state(j: int, i: str) -> str:
    return ", ".join(f"a{j}_{slot}[{i}]" for slot in range(5))


def _reduction_source(program: Program, kind: str, nk: int, nr: int, layout: str,
                      namespace: dict) -> str:
    """reductions.py's "per_output" or "blocks" kernel with the program's elements as
    the input: outputs over ``nk`` kept axes (``u``), elements over ``nr`` reduced ones
    (``v``), one state per fused reduction (``sJ``; blocks: shared arrays ``aJ_0..4``).
    Every element is visited once, so register outputs and staged registers are stored
    on the way. ``layout`` "contiguous": one output, every operand walked with stride 1."""
    _, fused, _ = _split(program)
    dtypes = program.dtypes
    params = [p for name in _operands(program)
              for p in (name, f"{name}_off", f"{name}_kst", f"{name}_rst")]
    params += _scalars(program)
    common = "skip{0}, high{0}, variant{0}, ddof{0}, finit{0}, zero{0}, iinit{0}, ident{0}"
    for j in range(len(fused)):
        params += [f"y{j}", f"y{j}_off", f"y{j}_kst", *(f"p{j}_{slot}" for slot in range(5)),
                   common.format(j)]
    head = "n_out, n_red, nchunks, chunk, kshape, rshape"
    lines = [f"def kernel({head}, {', '.join(params)}):"]
    for j, at in enumerate(fused):
        r = program.outputs[at]
        storage = _storage(np.dtype(dtypes[r.arg]))
        family, wrap, _ = reductions.plan(r.op, storage, np.dtype(r.dtype), float(r.ddof))
        fold, merge, finish = (namespace["jit"](f) for f in reductions.FAMILIES[family])
        namespace.update({f"fold{j}": fold, f"merge{j}": merge, f"finish{j}": finish,
                          f"T{j}": from_dtype(storage)})
        if wrap:
            namespace[f"W{j}"] = from_dtype(np.dtype(wrap))

    def results(indent: str) -> list[str]:
        out = []
        for j in range(len(fused)):
            result = f"finish{j}(s{j}, variant{j}, skip{j}, ddof{j})"
            if f"W{j}" in namespace:  # converted explicitly, as reductions.py does
                result = f"W{j}({result})"
            out.append(f"{indent}y{j}[{_offset(f'y{j}_off', f'y{j}_kst', nk, 'u')}] = {result}")
        return out

    if layout == "contiguous":
        def address(name):
            return f"{name}_off + flat"
    else:
        def address(name):
            return _offset(_offset(f"{name}_off", f"{name}_kst", nk, "u"), f"{name}_rst", nr, "v")

    init = [f"s{j} = (finit{j}, zero{j}, zero{j}, iinit{j}, ident{j})" for j in range(len(fused))]
    folds = [f"s{j} = fold{j}(s{j}, T{j}(r{program.outputs[at].arg}), flat, skip{j}, high{j})"
             for j, at in enumerate(fused)]
    if kind == "per_output":
        lines += ["    for k in range(cuda.grid(1), n_out, cuda.gridsize(1)):",
                  *_unravel("k", "kshape", nk, "u", "        "),
                  *(f"        {x}" for x in init),
                  "        for flat in range(n_red):",
                  *(_unravel("flat", "rshape", nr, "v", "            ")
                    if layout != "contiguous" else []),
                  *_body(program, address, "            ", namespace),
                  *(f"            {x}" for x in folds),
                  *results("        ")]
        return "\n".join(lines) + "\n"
    lines.append("    t = cuda.threadIdx.x")
    for j in range(len(fused)):
        lines += [f"    a{j}_{slot} = cuda.shared.array(BLOCK, {t})"
                  for slot, t in enumerate(["float64"] * 3 + ["int64", f"T{j}"])]
    lines += ["    k = cuda.blockIdx.x // nchunks",
              "    start = (cuda.blockIdx.x - k * nchunks) * chunk",
              *_unravel("k", "kshape", nk, "u", "    "),
              *(f"    {x}" for x in init),
              "    for flat in range(start + t, min(n_red, start + chunk), BLOCK):",
              *(_unravel("flat", "rshape", nr, "v", "        ")
                if layout != "contiguous" else []),
              *_body(program, address, "        ", namespace),
              *(f"        {x}" for x in folds)]
    lines += [f"    {_state(j, 't')} = s{j}" for j in range(len(fused))]
    lines += ["    cuda.syncthreads()",
              "    width = BLOCK // 2",
              "    while width > 0:",
              "        if t < width:"]
    for j in range(len(fused)):
        lines += [f"            m = merge{j}(({_state(j, 't')}), ({_state(j, 't + width')}), "
                  f"high{j})",
                  f"            {_state(j, 't')} = m"]
    lines += ["        cuda.syncthreads()",
              "        width //= 2",
              "    if t == 0:",
              *(f"        s{j} = ({_state(j, '0')})" for j in range(len(fused))),
              "        if nchunks == 1:",
              *results("            "),
              "        else:",
              *(f"            {', '.join(f'p{j}_{slot}[cuda.blockIdx.x]' for slot in range(5))}"
                f" = s{j}" for j in range(len(fused)))]
    return "\n".join(lines) + "\n"


_KERNELS: dict[tuple, object] = {}


def source(program: Program, kind: str, nk: int, nr: int, layout: str,
           block: int | None = None, jit=None) -> tuple[str, dict]:
    """The kernel's source and the names it uses. ``kind``: "elementwise" (no fused
    reduction; ``nk``: its axes), "per_output" or "blocks" (``nk`` kept and ``nr``
    reduced axes); ``layout``: "contiguous" or "strided"; ``block``: the threads per
    block it is launched with; ``jit``: what makes the device functions (tests
    compile them for the CPU)."""
    jit = jit or _device
    namespace = {"cuda": cuda, "np": np, "BLOCK": block or config.BLOCK, "float64": float64,
                 "int64": int64, "F64": float64, "jit": jit,
                 "TRUTH": jit(elementwise.DEVICE["nonzero"][0]),
                 "TO_INT": jit(elementwise.DEVICE["to_int"][0])}
    if kind == "elementwise":
        return _elementwise_source(program, nk, layout, namespace), namespace
    return _reduction_source(program, kind, nk, nr, layout, namespace), namespace


def kernel_for(program: Program, kind: str, nk: int, nr: int, layout: str, block: int):
    """The generated kernel (compiled on first launch, per argument types)."""
    key = (program, kind, nk, nr, layout, block)
    kernel = _KERNELS.get(key)
    if kernel is None:
        text, namespace = source(program, kind, nk, nr, layout, block)
        exec(text, namespace)
        kernel = _KERNELS[key] = cuda.jit(namespace["kernel"])
    return kernel


def supports(program: Program) -> bool:
    """Whether every step has a device function (the op table's elementwise rows do), in
    a dtype the engine computes (float16, from uint8's math, is not: as for single ops)."""
    return (all(d in ALL_DTYPES for d in program.dtypes)
            and all(s.op == CAST or s.op in elementwise.DEVICE for s in program.steps))


def _reduced_shape(shape: tuple, r: Reduction) -> tuple:
    return () if r.axis is None else shape[:r.axis] + shape[r.axis + 1:]


class Fused:
    """``run`` for one program: ``Fused(program)(arrays, scalars, outs)`` (docs/fuse.md)."""

    def __init__(self, program: Program):
        self.program = program
        self.registers, self.fused, self.staged = _split(program)
        self.axis = _axis(program)
        self.arrays, _ = _live(program)
        self.scalar_types = [np.dtype(d).type for d in program.scalar_dtypes]
        self.plans = []  # the fused reductions': (family, wrap, common, element storage)
        for at in self.fused:
            r = program.outputs[at]
            storage = _storage(np.dtype(program.dtypes[r.arg]))
            self.plans.append((*reductions.plan(r.op, storage, np.dtype(r.dtype),
                                                float(r.ddof)), storage))
        self._kernels: dict[tuple, tuple] = {}
        # NumPy refuses a signed integer power with a negative exponent anywhere: scalar
        # exponents are checked on the host, others by a first pass (their minima).
        _, steps = _live(program)
        exponents = list(dict.fromkeys(
            program.steps[k].args[1] for k in steps
            if program.steps[k].op == "power" and np.dtype(program.steps[k].loop).kind == "i"))
        self.scalar_exponents = [r - program.n_arrays for r in exponents
                                 if program.is_scalar(r)]
        others = [r for r in exponents if not program.is_scalar(r)]
        self.exponents = Fused(Program(
            program.ndim, program.array_dtypes, program.scalar_dtypes, program.steps,
            tuple(Reduction("min", r, None, program.dtypes[r]) for r in others))) \
            if others else None

    def _kernel(self, kind: str, nk: int, nr: int, layout: str) -> tuple:
        """(kernel, its launch key): the program's dtypes and these fix every argument type."""
        found = self._kernels.get((kind, nk, nr, layout))
        if found is None:
            kernel = kernel_for(self.program, kind, nk, nr, layout, config.BLOCK)
            found = self._kernels[(kind, nk, nr, layout)] = (kernel, ("fused", id(kernel)))
        return found

    def __call__(self, arrays, scalars, outs):
        arrays, outs = list(arrays), list(outs)
        given = [*arrays, *(o for o in outs if o is not None)]
        device = [_checks.is_device_array(x) for x in given]
        if given and not any(device):
            return self._from_host(arrays, scalars, outs)
        if not all(device):
            raise TypeError("mathfront.fuse: the cuda engine got host and device arrays "
                            "together; move them with mf.to_device (or mf.to_host)")
        first = given[0] if given else None
        scope = producers.scope(first) if first is not None else contextlib.nullcontext()
        with gpu_errors("fuse"), scope:
            results = self._run([_numpy_typed(x) for x in arrays], scalars,
                                [None if o is None else _numpy_typed(o) for o in outs])
        return tuple(o if o is not None else r if first is None else
                     producers.as_callers(r, first) for r, o in zip(results, outs, strict=True))

    def _from_host(self, arrays, scalars, outs):
        """Host in, host out: copied in and back, under the transfer policy."""
        _transfer.check("cuda", "fuse", [*arrays, *(o for o in outs if o is not None)])
        with gpu_errors("fuse"):
            device_outs = [None if o is None else empty(o.shape, o.dtype) for o in outs]
            results = self._run([to_device(x) for x in arrays], scalars, device_outs)
        answers = []
        for r, o in zip(results, outs, strict=True):
            if o is None:
                answers.append(to_host(r))
            else:
                o[...] = to_host(r)
                answers.append(o)
        return tuple(answers)

    def _negative_exponents(self, arrays, scalars) -> bool:
        if any(scalars[i] < 0 for i in self.scalar_exponents):
            return True
        if self.exponents is None:
            return False
        minima = self.exponents._run(arrays, scalars, [None] * len(self.exponents.fused))
        stream = current_stream()
        for m in minima:  # (after the kernel: on its stream)
            value = to_host(m) if SIMULATOR or not stream else m.copy_to_host(stream=stream)
            if stream and not SIMULATOR:
                stream.synchronize()
            if value[()] < 0:
                return True
        return False

    def _run(self, arrays, scalars, outs):
        program = self.program
        if (self.scalar_exponents or self.exponents) and \
                self._negative_exponents(arrays, scalars):
            raise ValueError("Integers to negative integer powers are not allowed.")
        dtypes = program.dtypes
        shapes = {tuple(x.shape) for x in arrays}
        # Inputs not broadcast by the caller are broadcast here (zero strides).
        shape = (shapes.pop() if len(shapes) == 1 else np.broadcast_shapes(*shapes)) \
            if shapes else next((tuple(o.shape) for o in outs if o is not None), ())
        # An out the kernel cannot write itself (another dtype, memory overlapping an
        # input other than as that very view, a reduction's) gets the result cast into it.
        results = [o if o is not None and self._direct(o, at, shape, arrays) else None
                   for at, o in enumerate(outs)]
        for at in self.registers:
            if results[at] is None:
                results[at] = empty(shape, dtypes[program.outputs[at]])
        for at in self.fused + self.staged:
            r = program.outputs[at]
            results[at] = empty(_reduced_shape(shape, r), r.dtype)
        temps = [empty(shape, _storage(np.dtype(dtypes[program.outputs[at].arg])))
                 for at in self.staged]
        # (an output of 0-d inputs moved to the device as one element: the same one element)
        stores = [broadcast(flat(results[at], _storage(np.dtype(dtypes[program.outputs[at]]))),
                            shape) for at in self.registers] + [flat(t) for t in temps]
        loads = [broadcast(flat(arrays[i], _storage(np.dtype(dtypes[i]))), shape)
                 for i in self.arrays]
        values = [t(s) for t, s in zip(self.scalar_types, scalars, strict=True)]
        if self.fused:
            self._reduce(shape, stores, loads, values, results)
        else:
            self._elementwise(shape, stores + loads, values)
        for at, temp in zip(self.staged, temps, strict=True):
            self._staged(program.outputs[at], temp, results[at])
        for at, o in enumerate(outs):
            if o is not None and results[at] is not o:
                produced = program.outputs[at]
                dtype = np.dtype(produced.dtype if isinstance(produced, Reduction)
                                 else dtypes[produced])
                source = flat(results[at], _storage(dtype))  # fresh: C-contiguous
                if source.shape != tuple(o.shape):  # a reduction's out with keepdims
                    source = contiguous(source, tuple(o.shape))
                target_dtype = np.dtype(o.dtype)
                cast_into(flat(o, _storage(target_dtype)), target_dtype, source)
                results[at] = o
        return tuple(results)

    def _direct(self, out, at: int, shape: tuple, arrays) -> bool:
        """Can the kernel store output ``at`` straight into ``out``? Only a register
        output of its very dtype whose memory no input shares but as that very view
        (each element is loaded before it is stored)."""
        produced = self.program.outputs[at]
        if isinstance(produced, Reduction) or tuple(out.shape) != shape or \
                np.dtype(out.dtype) != np.dtype(self.program.dtypes[produced]):
            return False
        target = flat(out)
        return all(readable_while_writing(target, flat(x)) for x in arrays)

    def _elementwise(self, shape, operands, values):
        n = int(np.prod(shape, dtype=np.int64))
        if n == 0:
            return
        simple, strides = simplify(shape, *(f.strides for f in operands))
        ndim = max(len(simple), 1)
        simple = simple or (1,)
        strides = [s or (0,) for s in strides]
        layout = "contiguous" if len(simple) == 1 and all(s == (1,) for s in strides) \
            else "strided"
        args = [n, simple]
        for f, st in zip(operands, strides, strict=True):
            args += [f.view, f.offset, st]
        kernel, key = self._kernel("elementwise", ndim, 0, layout)
        launch(kernel, key, config.grid(n), config.BLOCK, [*args, *values])

    def _reduce(self, shape, stores, loads, values, results):
        """The fused reductions, as reductions.run runs one: one thread per output
        (short reductions, or many outputs read coalesced), else one block per
        (output, chunk) and the combine of the chunks."""
        program, block = self.program, config.BLOCK
        reduced = tuple(self.axis is None or d == self.axis for d in range(len(shape)))
        kshape = tuple(n for n, r in zip(shape, reduced, strict=True) if not r)
        rshape = tuple(n for n, r in zip(shape, reduced, strict=True) if r)
        n_out = int(np.prod(kshape, dtype=np.int64))
        n_red = int(np.prod(rshape, dtype=np.int64))
        if n_out == 0:
            return
        targets = [flat(results[at], _storage(np.dtype(program.outputs[at].dtype)))
                   for at in self.fused]
        operands = stores + loads
        kst = [tuple(s for s, r in zip(f.strides, reduced, strict=True) if not r)
               for f in operands]
        rst = [tuple(s for s, r in zip(f.strides, reduced, strict=True) if r) for f in operands]
        kshape, kept = simplify(kshape, *(t.strides for t in targets), *kst)
        target_kst, kst = kept[:len(targets)], kept[len(targets):]
        rshape, rst = simplify(rshape, *rst)
        nk, nr = len(kshape), len(rshape)
        layout = "contiguous" if nk == 0 and nr == 1 and all(r == (1,) for r in rst) \
            else "strided"
        lead = len(stores) if loads else 0  # the first input decides, as in reductions.run
        coalesced = bool(kst[lead]) and abs(kst[lead][-1]) == 1 and \
            (not rst[lead] or abs(rst[lead][-1]) != 1)
        per_output = n_red <= config.PER_THREAD_MAX or (n_out >= 16 * block and coalesced)
        chunk, nchunks = (1, 1) if per_output else reductions.chunking(n_red, block)
        nchunks = max(nchunks, 1)  # no elements: one block finishes the empty states
        args = [n_out, n_red, nchunks, chunk, kshape or (1,), rshape or (1,)]
        for f, k, r in zip(operands, kst, rst, strict=True):
            args += [f.view, f.offset, k or (0,), r or (0,)]
        args += values
        slots = []
        for j, (target, t_kst, (_, _, common, storage)) in enumerate(
                zip(targets, target_kst, self.plans, strict=True)):
            state = reductions._slots(n_out * nchunks if nchunks > 1 else 0, storage, which=j)
            slots.append(state)
            args += [target.view, target.offset, t_kst or (0,), *state, *common]
        kind = "per_output" if per_output else "blocks"
        kernel, key = self._kernel(kind, nk, nr, layout)
        blocks = config.grid(n_out) if per_output else n_out * nchunks
        launch(kernel, key, blocks, block, args)
        if nchunks == 1:
            return
        for target, t_kst, state, (family, wrap, common, storage) in zip(
                targets, target_kst, slots, self.plans, strict=True):
            ckey = ("combine", family, storage, nk, 0, 1, block, wrap)
            launch(reductions.kernel_for(*ckey), (*ckey, storage, target.dtype), n_out, block,
                   [n_out, nchunks, kshape or (1,), target.view, target.offset, t_kst or (0,),
                    *state, *common])

    def _staged(self, r: Reduction, temp, result):
        """A reduction the kernel could not fold: the single op's on the temporary."""
        source = flat(temp)
        if source.shape == ():  # one element: reduced as a 1-D array
            source = type(source)(source.view, source.offset, (0,), (1,), source.dtype)
        ndim = len(source.shape)
        reduced = tuple(r.axis is None or i == r.axis for i in range(ndim))
        reductions.run(r.op, flat(result, _storage(np.dtype(r.dtype))), [source], reduced,
                       float(r.ddof), np.dtype(r.dtype))


def compile(program: Program):
    """``run(arrays, scalars, outs)`` for ``program``, or None where a step has no
    device function (the front end then says the program cannot run on cuda)."""
    return Fused(program) if supports(program) else None

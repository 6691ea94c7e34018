"""Which generated CUDA kernels ran, with which argument types.

Recorded under the simulator (conftest.py), replayed by check_ptx.py, which
compiles each to PTX for a real GPU: the simulator alone would accept Python
that Numba's CUDA compiler refuses.
"""

from __future__ import annotations

import pickle


def _modules():
    from mathfront.cuda_numba import elementwise, fused, reductions, scans

    return {"elementwise": elementwise, "reductions": reductions, "scans": scans,
            "fused": fused}


def start_recording(path: str) -> None:
    from mathfront.cuda_numba import launch
    from numba import typeof

    prepare = launch._prepare

    def recording(kernel, args):
        for name, module in _modules().items():
            for key, known in module._KERNELS.items():
                if known is kernel:
                    with open(path, "ab") as f:
                        pickle.dump((name, key, tuple(typeof(a) for a in args)), f)
        return prepare(kernel, args)

    launch._prepare = recording


def recorded(path: str) -> list[tuple]:
    """The distinct (module, kernel key, argument types) in the file at ``path``."""
    seen = {}
    with open(path, "rb") as f:
        while True:
            try:
                entry = pickle.load(f)
            except EOFError:
                break
            seen.setdefault(repr(entry), entry)
    return list(seen.values())


def kernel(module: str, key: tuple):
    return _modules()[module].kernel_for(*key)


# --- one representative of each kind of kernel ------------------------------------------
#
# The simulator's run launches ~5000 distinct (kernel, argument types): the same
# op's device function in every template a test happened to reach, the same
# template with every op. Compiling each took ~340 s of CI. A kernel is its
# template's code (indexing, casts to the loop dtype, the store) with the op's
# device function substituted, and what Numba's CUDA compiler can refuse is in
# one or the other: an op's typing at its loop dtype and result dtype (uint8's
# nextafter was such), or a template's indexing and casts at some argument
# types. ``representatives`` keeps the kernels that cover each class once:
# every op at every (loop, result) dtype it ran with, every template at every
# argument dtype signature (arrays' and scalars' dtypes in order: the casts to
# the loop dtype among them) and every array structure (ndim, layout,
# mutability) it ran with; a fused program's every step at its dtypes. Scans
# (few) are all kept.

def _parts(argtypes) -> tuple[tuple, tuple]:
    """(dtype signature, structure): arrays' and scalars' dtypes in order; arrays'
    ndim, layout and mutability, and the tuples (shapes, strides) as typed."""
    from numba.core import types

    dtypes, structure = [], []
    for t in argtypes:
        if isinstance(t, types.Array):
            dtypes.append(str(t.dtype))
            structure.append((t.ndim, t.layout, t.mutable))
        elif isinstance(t, types.BaseTuple):
            structure.append(str(t))
        else:
            dtypes.append(str(t))
            structure.append("scalar")
    return tuple(dtypes), tuple(structure)


def _classes(entry) -> set:
    """What compiling ``entry`` checks, as classes any one kernel of a class checks."""
    module, key, argtypes = entry
    dtypes, structure = _parts(argtypes)
    if module == "elementwise":
        op, loop, template = key[0], key[1], key[2:]
        # With a loop dtype every operand is cast to it before the op: the op sees
        # the loop dtype alone, and its result is stored into out (the first array
        # of every template); the casts are the template's, at each dtype signature.
        out = next(str(t.dtype) for t in argtypes if hasattr(t, "dtype") and hasattr(t, "ndim"))
        return {("op", module, op, loop, out, () if loop else dtypes),
                ("template", module, template, dtypes), ("structure", module, template, structure)}
    if module == "reductions":
        kind, family, dtype, wrap = key[0], key[1], str(key[2]), key[7]
        template = (kind, *key[3:7])
        return {("op", module, kind, family, dtype, wrap), ("template", module, template, dtypes),
                ("structure", module, template, structure)}
    if module == "fused":
        program, template = key[0], key[1:]
        registers = [*program.array_dtypes, *program.scalar_dtypes,
                     *(s.dtype for s in program.steps)]
        # Every register of a step has the step's loop dtype (casts are steps): a step's
        # typing is its op, loop and result dtype, and what it reads (for CAST).
        found = {("step", s.op, s.loop, s.dtype, tuple(registers[a] for a in s.args))
                 for s in program.steps}
        found |= {("output", type(o).__name__, getattr(o, "op", None),
                   getattr(o, "dtype", None), registers[getattr(o, "arg", o)])
                  for o in program.outputs}
        found |= {("template", module, template, program.ndim, dtypes),
                  ("structure", module, template, program.ndim, structure)}
        return found
    return {(module, repr(key), repr(argtypes))}


def representatives(entries: list[tuple]) -> list[tuple]:
    """The entries (in order) each of which covers a class no earlier one did."""
    covered, kept = set(), []
    for entry in entries:
        classes = _classes(entry)
        if not classes <= covered:
            kept.append(entry)
            covered |= classes
    return kept

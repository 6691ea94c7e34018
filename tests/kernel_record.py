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

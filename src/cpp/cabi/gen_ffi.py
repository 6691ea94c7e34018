"""Writes mathfront/_cabi_ffi.py: cffi's out-of-line ABI module for include/mathfront.h.

Run by CMake at build time: the header, through the C preprocessor (with
MF_CDEF, so that only plain declarations remain), is the cdef. Nothing is
copied by hand, and Numba can type an out-of-line module's ``ffi`` and ``lib``.

    python gen_ffi.py COMPILER HEADER GENERATED_DIR OUTPUT

GENERATED_DIR holds mathfront_ops.h, the declarations the header includes.
"""

import subprocess
import sys

from cffi import FFI


def main(compiler: str, header: str, generated: str, output: str) -> None:
    cdef = subprocess.run([compiler, "-E", "-P", "-x", "c", "-DMF_CDEF", f"-I{generated}", header],
                          check=True, capture_output=True, text=True).stdout
    builder = FFI()
    builder.cdef(cdef)
    builder.set_source("mathfront._cabi_ffi", None)  # None: ABI mode, no C compiled
    builder.emit_python_code(output)


if __name__ == "__main__":
    main(*sys.argv[1:5])

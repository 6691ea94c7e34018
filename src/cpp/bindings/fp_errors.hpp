// NumPy's floating-point error handling for the C++ entries: the flags a
// kernel raised (common/fp_status.hpp) go to NumPy, which applies np.errstate
// / np.seterr (ignore, warn, raise FloatingPointError, call, log) as it does
// for its own ufuncs, with its own message ("divide by zero encountered in
// divide"). Needs the GIL.
#pragma once

#include "arrays.hpp"

#ifndef MATHFRONT_IMPORTS_ARRAY
#define NO_IMPORT_UFUNC
#endif
#define PY_UFUNC_UNIQUE_SYMBOL MATHFRONT_UFUNC_API
#include <numpy/ufuncobject.h>

#include "../common/fp_status.hpp"

static_assert(mf::kFpDivideByZero == NPY_FPE_DIVIDEBYZERO && mf::kFpOverflow == NPY_FPE_OVERFLOW &&
                  mf::kFpUnderflow == NPY_FPE_UNDERFLOW && mf::kFpInvalid == NPY_FPE_INVALID,
              "FpStatus bits must be NumPy's NPY_FPE_* bits");

namespace mf::py {

// False with a Python exception set when NumPy's error state makes `status`
// an error ("raise", or a "call" handler that raised); `name` is what NumPy
// names in its message: a ufunc's name, "reduce" for reductions. Free when
// no flag is set.
inline bool report_fp(const char* name, int status) {
    return status == 0 || PyUFunc_GiveFloatingpointErrors(name, status) >= 0;
}

}  // namespace mf::py

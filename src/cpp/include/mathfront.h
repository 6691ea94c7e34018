/* mathfront's C ABI: the C++ backend's kernels (same thread pool, same SIMD
 * level, same accuracy) over contiguous arrays, for C callers and for Numba's
 * @njit code through cffi (mathfront.cabi, whose cdef is this header after
 * the preprocessor).
 *
 *   int  mf_<op>_<t>(const T* a, const T* b, R* out, int64_t n)   binary
 *   int  mf_<op>_<t>(const T* x, R* out, int64_t n)               unary, cumulative
 *   R    mf_<op>_<t>(const T* x, int64_t n)                        reductions
 *   R    mf_<var|std|nanvar|nanstd>_<t>(const T* x, int64_t n, double ddof)
 *   T    mf_dot_<t>(const T* a, const T* b, int64_t n)
 *
 * <t> is f32, f64, i32 or i64 (T: float, double, int32_t, int64_t). R is
 * NumPy's result type, by the op's result rule in the op table: T, except
 * double for integer divide, sqrt, exp, log, sin, cos, mean, var and std,
 * and int64_t for integer sums and products (cumulative ones too: cumsum,
 * cumprod, cumulative_sum, cumulative_prod) and for argmin/argmax. Values
 * are NumPy's (NaN propagation, first occurrence, integer wrap-around).
 *
 * Errors never crash: elementwise functions return an mf_status; reductions
 * return 0 (NaN for floating results) and leave their status for
 * mf_last_status() on the calling thread. `out` may be the same array as an
 * input (same pointer and element size), but must not overlap one otherwise.
 *
 * Floating-point exceptions (C99 Annex F: divide by zero for log(0),
 * invalid for sqrt(-1), overflow, underflow) are raised as flags, with traps
 * masked as by default: on return, the calling thread's flags hold those the
 * call raised in any of the pool's threads, with those set before the call
 * (fetestexcept reads them). NumPy's errstate does not apply here.
 */
#ifndef MATHFRONT_H
#define MATHFRONT_H

#ifndef MF_CDEF /* cffi's cdef knows these types; it cannot read system headers */
#include <stdint.h>
#endif

#if defined(MF_CDEF)
#define MF_API
#elif defined(_WIN32)
#define MF_API __declspec(dllexport)
#else
#define MF_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum mf_status {
    MF_OK = 0,
    MF_ERR_NULL = 1,     /* a NULL pointer with n > 0 */
    MF_ERR_LENGTH = 2,   /* n < 0 */
    MF_ERR_OVERLAP = 3,  /* out overlaps an input without being the same array */
    MF_ERR_EMPTY = 4,    /* min, max, argmin, argmax of nothing */
    MF_ERR_DOMAIN = 5    /* an integer to a negative integer power */
};

/* The version of this ABI, which changes whenever a function's parameters or
 * results do: 2 since var, std, nanvar and nanstd take a double ddof (1: an
 * int64_t). Callers built against one header can check the library's. */
#ifndef MF_CDEF
#define MF_ABI_VERSION 2
#endif
MF_API int mf_abi_version(void);

/* The status of this thread's last reduction or dot call. */
MF_API int mf_last_status(void);
/* A sentence describing a status. */
MF_API const char* mf_status_message(int status);

/* Threads the kernels use, the caller included (at least 1). One pool serves
 * the process: C and jitted callers, Python (mf.set_num_threads and
 * MATHFRONT_NUM_THREADS set it too) and threadpoolctl, which drives it through
 * these two functions. */
MF_API int mf_get_num_threads(void);
/* Lets the kernels use n threads from now on (n < 1 counts as 1); returns the
 * count it replaces. */
MF_API int mf_set_num_threads(int n);

/* One function per op of the op table and dtype, generated from it at build
 * time (src/cpp/gen_ops.py) and installed beside this header. The dtypes are
 * float32, float64, int32 and int64 only (those of them the op's row lists),
 * so that the symbol count stays bounded: the Python engines cover bool, int8,
 * int16, uint8 to uint64 as well. */
#include "mathfront_ops.h"

#ifdef __cplusplus
}
#endif

#endif /* MATHFRONT_H */

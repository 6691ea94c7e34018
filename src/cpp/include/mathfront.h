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
 * and, each its own form:
 *
 *   int  mf_where_<t>(const uint8_t* cond, const T* x, const T* y, T* out, int64_t n)
 *   int  mf_clip_<t>(const T* x, T lo, T hi, T* out, int64_t n)
 *   int  mf_diff_<t>(const T* a, T* out, int64_t n)       out: n - 1 elements
 *   T    mf_vecdot_<t>(const T* x1, const T* x2, int64_t n)
 *   int  mf_isclose_<t>(const T* a, const T* b, uint8_t* out, int64_t n,
 *                       double rtol, double atol, int equal_nan)
 *   uint8_t mf_allclose_<t>(const T* a, const T* b, int64_t n,
 *                           double rtol, double atol, int equal_nan)
 *   int  mf_real_<t>(const T* x, T* out, int64_t n)       a copy
 *   int  mf_imag_<t>(const T* x, T* out, int64_t n)       zeros
 *
 * Every op has these functions for float32, float64, int32 and int64 only
 * (<t>: f32, f64, i32, i64; T: float, double, int32_t, int64_t), those of
 * them its row lists, so that the symbol count stays bounded; the Python
 * engines cover bool, int8, int16 and uint8 to uint64 as well. R is
 * NumPy's result type, by the op's result rule in the op table: T, except
 * double for integer divide, sqrt, exp, log, sin, cos, mean, var and std,
 * and int64_t for integer sums and products (cumulative ones too: cumsum,
 * cumprod, cumulative_sum, cumulative_prod) and for argmin/argmax; NumPy's
 * bool (comparisons, predicates, isclose, allclose) is a uint8_t, 0 or 1.
 * Values are NumPy's (NaN propagation, first occurrence, integer
 * wrap-around). where reads a nonzero cond byte as true. clip takes scalar
 * bounds, as nearly every call does (no bound: -INFINITY/INFINITY, or the
 * integer type's limits); a NaN bound gives NaN, lo > hi gives hi;
 * per-element bounds are mf_maximum then mf_minimum, NumPy's definition of
 * clip. diff is NumPy's n=1 (out may be NULL for n <= 1). isclose is NumPy
 * 2's: |a - b| <= atol + rtol |b| where b is finite, or a == b, or (with
 * equal_nan) both NaN; integers compare in double, float32 in float (the
 * tolerances cast to it, as NumPy casts Python floats).
 *
 * Errors never crash: functions with an `out` return an mf_status; those
 * that return their result (reductions, dot, vecdot, allclose) return 0
 * (NaN for floating results) and leave their status for mf_last_status() on
 * the calling thread. `out` may be the same array as an input (same pointer
 * and element size), but must not overlap one otherwise (diff's out is never
 * `a` itself: it would overlap a[1:]).
 *
 * Floating-point exceptions (C99 Annex F: divide by zero for log(0),
 * invalid for sqrt(-1), overflow, underflow) are raised as flags, with traps
 * masked as by default: on return, the calling thread's flags hold those the
 * call raised in any of the pool's threads, with those set before the call
 * (fetestexcept reads them). NumPy's errstate does not apply here. As in
 * NumPy, where, clip and isclose raise no invalid for NaN (isclose raises
 * invalid for a NaN or infinite rtol or atol, where NumPy warns).
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

/* The status of this thread's last call that returns its result (a reduction,
 * dot, vecdot, allclose). */
MF_API int mf_last_status(void);
/* A sentence describing a status. */
MF_API const char* mf_status_message(int status);

/* Threads the kernels use, the caller included (at least 1). One pool serves
 * the process: C and jitted callers, Python (mf.set_num_threads and
 * MATHFRONT_NUM_THREADS set it too) and threadpoolctl, which drives it through
 * these two functions. A thread that Python gave its own count
 * (mathfront._threads.limit_threads) uses that one instead; these functions
 * still read and write the pool's. */
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

/* mathfront's C ABI: the C++ backend's kernels (same thread pool, same SIMD
 * level, same accuracy) over contiguous arrays, for C callers and for Numba's
 * @njit code through cffi (mathfront.cabi, whose cdef is this header after
 * the preprocessor).
 *
 *   int  mf_<op>_<t>(const T* a, const T* b, R* out, int64_t n)   binary
 *   int  mf_<op>_<t>(const T* x, R* out, int64_t n)               unary
 *   R    mf_<op>_<t>(const T* x, int64_t n)                        reductions
 *   R    mf_<var|std|nanvar|nanstd>_<t>(const T* x, int64_t n, int64_t ddof)
 *   T    mf_dot_<t>(const T* a, const T* b, int64_t n)
 *
 * <t> is f32, f64, i32 or i64 (T: float, double, int32_t, int64_t). R is
 * NumPy's result type: T, except double for integer divide, sqrt, exp, log,
 * sin, cos, mean, var and std, and int64_t for integer sums and products and
 * for argmin/argmax. Values are NumPy's (NaN propagation, first occurrence,
 * integer wrap-around).
 *
 * Errors never crash: elementwise functions return an mf_status; reductions
 * return 0 (NaN for floating results) and leave their status for
 * mf_last_status() on the calling thread. `out` may be the same array as an
 * input (same pointer and element size), but must not overlap one otherwise.
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

/* The status of this thread's last reduction or dot call. */
MF_API int mf_last_status(void);
/* A sentence describing a status. */
MF_API const char* mf_status_message(int status);

/* Declarations for the four dtypes, by how the result type follows. */
#define MF_BINARY_SAME(op)                                                            \
    MF_API int mf_##op##_f32(const float* a, const float* b, float* out, int64_t n);  \
    MF_API int mf_##op##_f64(const double* a, const double* b, double* out, int64_t n); \
    MF_API int mf_##op##_i32(const int32_t* a, const int32_t* b, int32_t* out, int64_t n); \
    MF_API int mf_##op##_i64(const int64_t* a, const int64_t* b, int64_t* out, int64_t n);
#define MF_BINARY_FLOAT(op)                                                           \
    MF_API int mf_##op##_f32(const float* a, const float* b, float* out, int64_t n);  \
    MF_API int mf_##op##_f64(const double* a, const double* b, double* out, int64_t n); \
    MF_API int mf_##op##_i32(const int32_t* a, const int32_t* b, double* out, int64_t n); \
    MF_API int mf_##op##_i64(const int64_t* a, const int64_t* b, double* out, int64_t n);
#define MF_UNARY_SAME(op)                                                 \
    MF_API int mf_##op##_f32(const float* x, float* out, int64_t n);      \
    MF_API int mf_##op##_f64(const double* x, double* out, int64_t n);    \
    MF_API int mf_##op##_i32(const int32_t* x, int32_t* out, int64_t n);  \
    MF_API int mf_##op##_i64(const int64_t* x, int64_t* out, int64_t n);
#define MF_UNARY_FLOAT(op)                                                \
    MF_API int mf_##op##_f32(const float* x, float* out, int64_t n);      \
    MF_API int mf_##op##_f64(const double* x, double* out, int64_t n);    \
    MF_API int mf_##op##_i32(const int32_t* x, double* out, int64_t n);   \
    MF_API int mf_##op##_i64(const int64_t* x, double* out, int64_t n);
#define MF_REDUCE(op, Rf32, Rf64, Ri32, Ri64, ...)                         \
    MF_API Rf32 mf_##op##_f32(const float* x, int64_t n __VA_ARGS__);      \
    MF_API Rf64 mf_##op##_f64(const double* x, int64_t n __VA_ARGS__);     \
    MF_API Ri32 mf_##op##_i32(const int32_t* x, int64_t n __VA_ARGS__);    \
    MF_API Ri64 mf_##op##_i64(const int64_t* x, int64_t n __VA_ARGS__);

MF_BINARY_SAME(add)
MF_BINARY_SAME(subtract)
MF_BINARY_SAME(multiply)
MF_BINARY_FLOAT(divide)
MF_BINARY_SAME(maximum)
MF_BINARY_SAME(minimum)
MF_BINARY_SAME(power)

MF_UNARY_SAME(negative)
MF_UNARY_SAME(abs)
MF_UNARY_FLOAT(sqrt)
MF_UNARY_FLOAT(exp)
MF_UNARY_FLOAT(log)
MF_UNARY_FLOAT(sin)
MF_UNARY_FLOAT(cos)

MF_REDUCE(sum, float, double, int64_t, int64_t)
MF_REDUCE(prod, float, double, int64_t, int64_t)
MF_REDUCE(mean, float, double, double, double)
MF_REDUCE(min, float, double, int32_t, int64_t)
MF_REDUCE(max, float, double, int32_t, int64_t)
MF_REDUCE(var, float, double, double, double, , int64_t ddof)
MF_REDUCE(std, float, double, double, double, , int64_t ddof)
MF_REDUCE(argmin, int64_t, int64_t, int64_t, int64_t)
MF_REDUCE(argmax, int64_t, int64_t, int64_t, int64_t)
MF_REDUCE(nansum, float, double, int64_t, int64_t)
MF_REDUCE(nanmean, float, double, double, double)
MF_REDUCE(nanvar, float, double, double, double, , int64_t ddof)
MF_REDUCE(nanstd, float, double, double, double, , int64_t ddof)
MF_REDUCE(nanmin, float, double, int32_t, int64_t)
MF_REDUCE(nanmax, float, double, int32_t, int64_t)

MF_API float mf_dot_f32(const float* a, const float* b, int64_t n);
MF_API double mf_dot_f64(const double* a, const double* b, int64_t n);
MF_API int32_t mf_dot_i32(const int32_t* a, const int32_t* b, int64_t n);
MF_API int64_t mf_dot_i64(const int64_t* a, const int64_t* b, int64_t n);

#undef MF_BINARY_SAME
#undef MF_BINARY_FLOAT
#undef MF_UNARY_SAME
#undef MF_UNARY_FLOAT
#undef MF_REDUCE

#ifdef __cplusplus
}
#endif

#endif /* MATHFRONT_H */

// The C ABI of include/mathfront.h: each function checks its arguments, then
// runs the very kernels the Python extension runs (this file is linked into
// it, so there is one thread pool and one SIMD level in the process).
#include "../include/mathfront.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../common/dtype.hpp"
#include "../common/fp_status.hpp"
#include "../core/close.hpp"
#include "../core/elementwise.hpp"
#include "../common/ops.hpp"
#include "../core/reduce.hpp"
#include "../core/scan.hpp"
#include "../core/strided.hpp"
#include "../core/ternary.hpp"

namespace {

using mf::Binary;
using mf::DType;
using mf::Reduction;
using mf::Scan;
using mf::Ternary;
using mf::Unary;

thread_local int last_status = MF_OK;

template <class T> constexpr DType dtype_of() {
    if constexpr (std::is_same_v<T, float>) return DType::f32;
    else if constexpr (std::is_same_v<T, double>) return DType::f64;
    else if constexpr (std::is_same_v<T, int32_t>) return DType::i32;
    else return DType::i64;
}

// NumPy's result types, by the op table's rules (the generated header spells
// them out; extern "C" declarations that differ from these definitions
// would not compile).
template <Binary op, class T> using BinaryOut = mf::ResultOf<mf::spec(op).result, T>;
template <Unary op, class T> using UnaryOut = mf::ResultOf<mf::spec(op).result, T>;
template <Reduction op, class T> using ReduceOut = mf::ResultOf<mf::spec(op).result, T>;
template <Scan op, class T> using ScanOut = mf::ResultOf<mf::spec(op).result, T>;
template <Ternary op, class T> using TernaryOut = mf::ResultOf<mf::spec(op).result, T>;

// True when the input [in, in + n_in) and the output [out, out + n_out) (bytes)
// share memory other than as the very same array: an output with wider
// elements than its input (int32 in, double out) overwrites inputs not yet
// read even from the same start.
bool bad_overlap(const void* in, int64_t n_in, const void* out, int64_t n_out) {
    auto x = reinterpret_cast<uintptr_t>(in), y = reinterpret_cast<uintptr_t>(out);
    const bool overlap = x < y + static_cast<uintptr_t>(n_out) && y < x + static_cast<uintptr_t>(n_in);
    return overlap && !(x == y && n_in == n_out);
}

template <class T> bool any_negative(const T* x, int64_t n) {
    if constexpr (std::is_integral_v<T>) {
        for (int64_t i = 0; i < n; ++i)
            if (x[i] < 0) return true;
    }
    (void)x, (void)n;
    return false;
}

// C has no np.errstate: the flags a call raised, in any of the pool's
// threads, are left set in the caller's own floating-point status, as if it
// had computed everything itself (fetestexcept reads them), together with
// those it had set before (the core clears them while it runs).
template <class F> void keeping_flags(F&& call) {
    const int before = mf::fp_status();
    const int raised = call();
    if (before | raised) mf::fp_raise(before | raised);
}

template <class... Ptr> int check(int64_t n, Ptr... pointers) {
    if (n < 0) return MF_ERR_LENGTH;
    if (n > 0 && ((pointers == nullptr) || ...)) return MF_ERR_NULL;
    return MF_OK;
}

mf::Space space_1d(int64_t n) {
    mf::Space space;
    space.ndim = 1;
    space.shape[0] = n;
    return space;
}

template <class T> void put(mf::Space& space, int i, const T* p) {
    space.data[i] = reinterpret_cast<char*>(const_cast<T*>(p));
    space.strides[i][0] = sizeof(T);
    space.nops = i + 1;
}

// One value, broadcast along the whole operand (stride 0).
template <class T> void put_one(mf::Space& space, int i, const T* p) {
    put(space, i, p);
    space.strides[i][0] = 0;
}

template <Binary op, class T>
int binary(const T* a, const T* b, BinaryOut<op, T>* out, int64_t n) {
    using R = BinaryOut<op, T>;
    if (int status = check(n, a, b, out)) return status;
    if (n == 0) return MF_OK;
    const int64_t in_bytes = n * int64_t(sizeof(T)), out_bytes = n * int64_t(sizeof(R));
    if (bad_overlap(a, in_bytes, out, out_bytes) || bad_overlap(b, in_bytes, out, out_bytes))
        return MF_ERR_OVERLAP;
    if (op == Binary::power && any_negative(b, n)) return MF_ERR_DOMAIN;
    mf::Space space = space_1d(n);
    put(space, 0, out);
    put(space, 1, a);
    put(space, 2, b);
    keeping_flags([&] { return mf::elementwise(op, dtype_of<T>(), space); });
    return MF_OK;
}

template <Unary op, class T> int unary(const T* x, UnaryOut<op, T>* out, int64_t n) {
    using R = UnaryOut<op, T>;
    if (int status = check(n, x, out)) return status;
    if (n == 0) return MF_OK;
    if (bad_overlap(x, n * int64_t(sizeof(T)), out, n * int64_t(sizeof(R))))
        return MF_ERR_OVERLAP;
    mf::Space space = space_1d(n);
    put(space, 0, out);
    put(space, 1, x);
    keeping_flags([&] { return mf::elementwise(op, dtype_of<T>(), space); });
    return MF_OK;
}

template <Scan op, class T> int scan(const T* x, ScanOut<op, T>* out, int64_t n) {
    using R = ScanOut<op, T>;
    if (int status = check(n, x, out)) return status;
    if (n == 0) return MF_OK;
    if (bad_overlap(x, n * int64_t(sizeof(T)), out, n * int64_t(sizeof(R))))
        return MF_ERR_OVERLAP;
    const int64_t shape = n, stride = sizeof(T), out_stride = sizeof(R);
    keeping_flags([&] {
        return mf::scan({op, dtype_of<T>(), 1, &shape, &stride, reinterpret_cast<const char*>(x),
                         0, reinterpret_cast<char*>(out), &out_stride});
    });
    return MF_OK;
}

template <class R> R failed(int status) {
    last_status = status;
    if constexpr (std::is_floating_point_v<R>) return std::numeric_limits<R>::quiet_NaN();
    else return R{0};
}

template <Reduction op, class T> ReduceOut<op, T> reduce(const T* x, int64_t n, double ddof = 0) {
    using R = ReduceOut<op, T>;
    if (int status = check(n, x)) return failed<R>(status);
    if (n == 0 && !mf::spec(op).has_identity) return failed<R>(MF_ERR_EMPTY);
    const int64_t shape = n, stride = sizeof(T), out_stride = 0;
    const bool reduced = true;
    R result{};
    keeping_flags([&] {
        const mf::Reported r =
            mf::reduce({op, dtype_of<T>(), 1, &shape, &stride, reinterpret_cast<const char*>(x),
                        &reduced, reinterpret_cast<char*>(&result), &out_stride, ddof});
        return r.fp | mf::divide_flags(r.warnings);  // mean of nothing: 0 / 0, invalid
    });
    last_status = MF_OK;
    return result;
}

template <class T> T dot(const T* a, const T* b, int64_t n) {
    if (int status = check(n, a, b)) return failed<T>(status);
    T result{};
    keeping_flags([&] {
        return mf::dot(dtype_of<T>(), reinterpret_cast<const char*>(a), sizeof(T),
                       reinterpret_cast<const char*>(b), sizeof(T), n, reinterpret_cast<char*>(&result));
    });
    last_status = MF_OK;
    return result;
}

// --- where, clip: the ternary driver (core/ternary.cpp), as mf.where and mf.clip run

// The driver on a 1-D space whose operands are put in place.
template <class T> int run_ternary(Ternary op, mf::Space& space) {
    keeping_flags([&] {
        mf::ternary(op, dtype_of<T>(), space);
        return 0;  // NumPy's where and clip report no flag
    });
    return MF_OK;
}

template <class T>
int where(const uint8_t* cond, const T* x, const T* y, TernaryOut<Ternary::where, T>* out,
          int64_t n) {
    if (int status = check(n, cond, x, y, out)) return status;
    if (n == 0) return MF_OK;
    const int64_t bytes = n * int64_t(sizeof(T));
    if (bad_overlap(cond, n, out, bytes) || bad_overlap(x, bytes, out, bytes) ||
        bad_overlap(y, bytes, out, bytes))
        return MF_ERR_OVERLAP;
    mf::Space space = space_1d(n);
    put(space, 0, out);
    put(space, 1, cond);
    put(space, 2, x);
    put(space, 3, y);
    return run_ternary<T>(Ternary::where, space);
}

// Scalar bounds: the driver's broadcast operands, whose loop (select_kernels.hpp)
// checks them for NaN once and then runs the vectorised max/min.
template <class T> int clip(const T* x, T lo, T hi, TernaryOut<Ternary::clip, T>* out, int64_t n) {
    if (int status = check(n, x, out)) return status;
    if (n == 0) return MF_OK;
    const int64_t bytes = n * int64_t(sizeof(T));
    if (bad_overlap(x, bytes, out, bytes)) return MF_ERR_OVERLAP;
    mf::Space space = space_1d(n);
    put(space, 0, out);
    put(space, 1, x);
    put_one(space, 2, &lo);
    put_one(space, 3, &hi);
    return run_ternary<T>(Ternary::clip, space);
}

// --- the composites (kind composite): 1-D forms of mathfront/_composite.py's, on the
// same kernels. Their result types are the header's, from their rows' rules (a
// definition that differed from its extern "C" declaration would not compile).

// diff (n=1): a[1:] - a[:-1], out of n - 1 elements. An out that is `a` itself
// overlaps a[1:] partly: refused, as every partial overlap.
template <class T> int diff(const T* a, BinaryOut<Binary::subtract, T>* out, int64_t n) {
    if (int status = check(n, a)) return status;
    if (n <= 1) return MF_OK;  // nothing to write: out may be NULL
    return binary<Binary::subtract, T>(a + 1, a, out, n - 1);
}

// NumPy's isclose warns (under its "invalid" error state) for a NaN or infinite
// tolerance, and computes anyway: here, the invalid flag.
int bad_tolerance(double rtol, double atol) {
    return std::isfinite(rtol) && std::isfinite(atol) ? 0 : mf::kFpInvalid;
}

template <class T>
int close_each(const T* a, const T* b, uint8_t* out, int64_t n, double rtol, double atol,
               int equal_nan) {
    if (int status = check(n, a, b, out)) return status;
    if (n == 0) return MF_OK;
    const int64_t bytes = n * int64_t(sizeof(T));
    if (bad_overlap(a, bytes, out, n) || bad_overlap(b, bytes, out, n)) return MF_ERR_OVERLAP;
    keeping_flags([&] {
        return mf::isclose(a, b, out, n, {rtol, atol, equal_nan != 0}) | bad_tolerance(rtol, atol);
    });
    return MF_OK;
}

template <class T>
uint8_t close_all(const T* a, const T* b, int64_t n, double rtol, double atol, int equal_nan) {
    if (int status = check(n, a, b)) return failed<uint8_t>(status);
    bool all = true;
    keeping_flags([&] {
        int fp = 0;
        all = mf::allclose(a, b, n, {rtol, atol, equal_nan != 0}, &fp);
        return fp | bad_tolerance(rtol, atol);
    });
    last_status = MF_OK;
    return all;
}

// imag of a real array: zeros, from the ternary driver as the Python composite
// makes them on a device (where(False, x, 0); here x is never read).
template <class T> int imag(const T* x, T* out, int64_t n) {
    if (int status = check(n, x, out)) return status;
    if (n == 0) return MF_OK;
    if (bad_overlap(x, n * int64_t(sizeof(T)), out, n * int64_t(sizeof(T)))) return MF_ERR_OVERLAP;
    const uint8_t no = 0;
    const T zero = 0;
    mf::Space space = space_1d(n);
    put(space, 0, out);
    put_one(space, 1, &no);
    put_one(space, 2, &zero);
    put_one(space, 3, &zero);
    return run_ternary<T>(Ternary::where, space);
}

}  // namespace

extern "C" {

int mf_abi_version(void) { return MF_ABI_VERSION; }

int mf_last_status(void) { return last_status; }

const char* mf_status_message(int status) {
    switch (status) {
        case MF_OK: return "ok";
        case MF_ERR_NULL: return "a NULL pointer was passed with n > 0";
        case MF_ERR_LENGTH: return "n must not be negative";
        case MF_ERR_OVERLAP: return "out overlaps an input without being that same array";
        case MF_ERR_EMPTY: return "zero-size array to a reduction that has no identity";
        case MF_ERR_DOMAIN: return "integers to negative integer powers are not allowed";
        default: return "unknown mathfront status";
    }
}

// One definition per op of the op table and C ABI dtype its row lists
// (mf_ops.def's MF_CABI_DTYPES_<op>), each a call of the templates above.
#define MF_FOR_DTYPES(DEFINE, name) MF_CABI_DTYPES_##name(DEFINE, name)

#define MF_DEFINE_BINARY(name, sfx, T)                                                   \
    int mf_##name##_##sfx(const T* a, const T* b, BinaryOut<Binary::name, T>* out,       \
                          int64_t n) {                                                  \
        return binary<Binary::name, T>(a, b, out, n);                                   \
    }
#define MF_DEFINE_UNARY(name, sfx, T)                                                    \
    int mf_##name##_##sfx(const T* x, UnaryOut<Unary::name, T>* out, int64_t n) {        \
        return unary<Unary::name, T>(x, out, n);                                        \
    }
#define MF_DEFINE_REDUCE(name, sfx, T)                                                   \
    ReduceOut<Reduction::name, T> mf_##name##_##sfx(const T* x, int64_t n) {             \
        return reduce<Reduction::name, T>(x, n);                                        \
    }
#define MF_DEFINE_MOMENTS(name, sfx, T)                                                  \
    ReduceOut<Reduction::name, T> mf_##name##_##sfx(const T* x, int64_t n, double ddof) { \
        return reduce<Reduction::name, T>(x, n, ddof);                                  \
    }
// Reductions that take ddof have it as a parameter; dtype= has no C form.
#define MF_REDUCE_None(name) MF_FOR_DTYPES(MF_DEFINE_REDUCE, name)
#define MF_REDUCE_Dtype(name) MF_FOR_DTYPES(MF_DEFINE_REDUCE, name)
#define MF_REDUCE_Ddof(name) MF_FOR_DTYPES(MF_DEFINE_MOMENTS, name)
#define MF_DEFINE_SCAN(name, sfx, T)                                                     \
    int mf_##name##_##sfx(const T* x, ScanOut<Scan::name, T>* out, int64_t n) {          \
        return scan<Scan::name, T>(x, out, n);                                          \
    }
#define MF_DEFINE_DOT(name, sfx, T) \
    T mf_##name##_##sfx(const T* a, const T* b, int64_t n) { return dot<T>(a, b, n); }

#define MF_BINARY(name, Functor, result, cost, dtypes) MF_FOR_DTYPES(MF_DEFINE_BINARY, name)
#define MF_UNARY(name, Functor, result, cost, dtypes) MF_FOR_DTYPES(MF_DEFINE_UNARY, name)
#define MF_REDUCTION(name, family, variant, skip_nan, result, keyword, identity) \
    MF_REDUCE_##keyword(name)
#define MF_DOT(name, result) MF_FOR_DTYPES(MF_DEFINE_DOT, name)
#define MF_SCAN(name, family, result) MF_FOR_DTYPES(MF_DEFINE_SCAN, name)
// Ternary ops and composites: each its own form (gen_ops.py's C_FORMS).
#define MF_TERNARY(name, Functor, result, cost) MF_FOR_DTYPES(MF_DEFINE_OP_##name, name)
#define MF_DEFINE_OP_where(name, sfx, T)                                                    \
    int mf_where_##sfx(const uint8_t* cond, const T* x, const T* y,                         \
                       TernaryOut<Ternary::where, T>* out, int64_t n) {                     \
        return where<T>(cond, x, y, out, n);                                                \
    }
#define MF_DEFINE_OP_clip(name, sfx, T)                                                     \
    int mf_clip_##sfx(const T* x, T lo, T hi, TernaryOut<Ternary::clip, T>* out, int64_t n) { \
        return clip<T>(x, lo, hi, out, n);                                                  \
    }
#include "mf_ops.def"

#define MF_DEFINE_OP_diff(name, sfx, T)                                                     \
    int mf_diff_##sfx(const T* a, BinaryOut<Binary::subtract, T>* out, int64_t n) {         \
        return diff<T>(a, out, n);                                                          \
    }
// 1-D vecdot is dot: sum(x1 * x2) in their type (NumPy's vecdot keeps int32).
#define MF_DEFINE_OP_vecdot(name, sfx, T) \
    T mf_vecdot_##sfx(const T* x1, const T* x2, int64_t n) { return dot<T>(x1, x2, n); }
#define MF_DEFINE_OP_isclose(name, sfx, T)                                                  \
    int mf_isclose_##sfx(const T* a, const T* b, uint8_t* out, int64_t n, double rtol,      \
                         double atol, int equal_nan) {                                      \
        return close_each<T>(a, b, out, n, rtol, atol, equal_nan);                          \
    }
#define MF_DEFINE_OP_allclose(name, sfx, T)                                                 \
    uint8_t mf_allclose_##sfx(const T* a, const T* b, int64_t n, double rtol, double atol,  \
                              int equal_nan) {                                              \
        return close_all<T>(a, b, n, rtol, atol, equal_nan);                                \
    }
// real of a real array: a copy, by positive's loop (NumPy's real is the array itself).
#define MF_DEFINE_OP_real(name, sfx, T) \
    int mf_real_##sfx(const T* x, T* out, int64_t n) { return unary<Unary::positive, T>(x, out, n); }
#define MF_DEFINE_OP_imag(name, sfx, T) \
    int mf_imag_##sfx(const T* x, T* out, int64_t n) { return imag<T>(x, out, n); }
MF_FOR_DTYPES(MF_DEFINE_OP_diff, diff)
MF_FOR_DTYPES(MF_DEFINE_OP_vecdot, vecdot)
MF_FOR_DTYPES(MF_DEFINE_OP_isclose, isclose)
MF_FOR_DTYPES(MF_DEFINE_OP_allclose, allclose)
MF_FOR_DTYPES(MF_DEFINE_OP_real, real)
MF_FOR_DTYPES(MF_DEFINE_OP_imag, imag)

}  // extern "C"

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
#include "../core/elementwise.hpp"
#include "../common/ops.hpp"
#include "../core/reduce.hpp"
#include "../core/scan.hpp"
#include "../core/strided.hpp"

namespace {

using mf::Binary;
using mf::DType;
using mf::Reduction;
using mf::Scan;
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
#include "mf_ops.def"

}  // extern "C"

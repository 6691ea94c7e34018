#include "close.hpp"

#include <algorithm>
#include <atomic>
#include <type_traits>

#include "../common/dtype.hpp"
#include "../common/fp_status.hpp"
#include "../common/ops.hpp"
#include "../kernels/table.hpp"
#include "thread_pool.hpp"

namespace mf {

namespace {

// Elements per block: the block's temporaries (four of F, two of bool) fit in L1.
constexpr int64_t kBlock = 512;
// As the elementwise driver's: one thread below this many bytes of work, tasks
// of at least kMinTask elements above it.
constexpr int64_t kParallelBytes = 1 << 20;
constexpr int64_t kMinTask = 16384;  // a multiple of kBlock
// A dozen light passes over each block, as much work per element as that many adds.
constexpr int64_t kCost = 12;

template <class T> constexpr DType dtype_of() {
    if constexpr (std::is_same_v<T, float>) return DType::f32;
    else if constexpr (std::is_same_v<T, double>) return DType::f64;
    else if constexpr (std::is_same_v<T, int32_t>) return DType::i32;
    else if constexpr (std::is_same_v<T, int64_t>) return DType::i64;
    else return DType::b1;  // bool
}

// One block of isclose, NumPy's expression one op at a time, each the loop
// the elementwise driver runs for it (so the same SIMD level and answers):
//   less_equal(abs(x - y), atol + rtol * abs(y)) & isfinite(y) | (x == y)
//   [| isnan(x) & isnan(y)]
template <class T> struct Close {
    // NumPy's type for the comparison: y cast to float64 for an integer.
    using F = std::conditional_t<std::is_floating_point_v<T>, T, double>;
    static constexpr int kIn = static_cast<int>(dtype_of<T>());
    static constexpr int kF = static_cast<int>(dtype_of<F>());
    static constexpr int kBool = static_cast<int>(DType::b1);

    const KernelTable& k;
    F rtol, atol;
    bool equal_nan;

    const BinaryLoops& binary(Binary op, int dtype) const { return k.binary[int(op)][dtype]; }
    const UnaryLoops& unary(Unary op, int dtype) const { return k.unary[int(op)][dtype]; }

    void operator()(const T* a, const T* b, uint8_t* out, int64_t m) const {
        alignas(64) F xs[kBlock], ys[kBlock], d[kBlock], t[kBlock];
        alignas(64) uint8_t v[kBlock], w[kBlock];
        const F* x;
        const F* y;
        if constexpr (std::is_same_v<T, F>) {
            x = a, y = b;
        } else {  // integers as float64: x / 1 is the cast, rounded once (int64)
            const T one = 1;
            binary(Binary::divide, kIn).vs(a, &one, xs, m);
            binary(Binary::divide, kIn).vs(b, &one, ys, m);
            x = xs, y = ys;
        }
        binary(Binary::subtract, kF).vv(x, y, d, m);
        unary(Unary::abs, kF).v(d, d, m);
        unary(Unary::abs, kF).v(y, t, m);
        binary(Binary::multiply, kF).sv(&rtol, t, t, m);
        binary(Binary::add, kF).sv(&atol, t, t, m);
        binary(Binary::less_equal, kF).vv(d, t, out, m);
        unary(Unary::isfinite, kF).v(y, v, m);
        binary(Binary::logical_and, kBool).vv(out, v, out, m);
        binary(Binary::equal, kF).vv(x, y, v, m);
        binary(Binary::logical_or, kBool).vv(out, v, out, m);
        if (equal_nan) {
            unary(Unary::isnan, kF).v(x, v, m);
            unary(Unary::isnan, kF).v(y, w, m);
            binary(Binary::logical_and, kBool).vv(v, w, v, m);
            binary(Binary::logical_or, kBool).vv(out, v, out, m);
        }
    }
};

template <class T> Close<T> close(Tolerance tol) {
    using F = typename Close<T>::F;
    return {kernels(), static_cast<F>(tol.rtol), static_cast<F>(tol.atol), tol.equal_nan};
}

// Runs block(start, m) over [0, n) in blocks of at most kBlock, on the pool.
// Returns the flags raised but invalid (NumPy computes isclose under
// errstate(invalid="ignore")).
template <class T, class Block> int over_blocks(int64_t n, Block&& block) {
    const int64_t bytes = n * (2 * int64_t(sizeof(T)) + 1) * kCost;
    const int threads = bytes < kParallelBytes ? 1 : num_threads();
    int64_t per_task = n;
    if (threads > 1) {
        per_task = std::max<int64_t>((n + 4 * threads - 1) / (4 * threads), kMinTask);
        per_task = (per_task + kBlock - 1) / kBlock * kBlock;
    }
    const int64_t ntasks = n == 0 ? 0 : (n + per_task - 1) / per_task;
    fp_clear();
    const int workers = parallel_for(ntasks, [&](int64_t task) {
        const int64_t end = std::min(n, (task + 1) * per_task);
        for (int64_t at = task * per_task; at < end; at += kBlock)
            block(at, std::min(kBlock, end - at));
    });
    return (workers | fp_take()) & ~kFpInvalid;
}

}  // namespace

template <class T>
int isclose(const T* a, const T* b, uint8_t* out, int64_t n, Tolerance tol) {
    const Close<T> f = close<T>(tol);
    return over_blocks<T>(n, [&](int64_t at, int64_t m) { f(a + at, b + at, out + at, m); });
}

template <class T>
bool allclose(const T* a, const T* b, int64_t n, Tolerance tol, int* fp) {
    const Close<T> f = close<T>(tol);
    std::atomic<bool> all{true};
    *fp = over_blocks<T>(n, [&](int64_t at, int64_t m) {
        alignas(64) uint8_t out[kBlock];
        f(a + at, b + at, out, m);
        uint8_t every = 1;
        for (int64_t i = 0; i < m; ++i) every &= out[i];
        if (!every) all.store(false, std::memory_order_relaxed);
    });
    return all.load();
}

#define MF_CLOSE(T)                                                                        \
    template int isclose<T>(const T*, const T*, uint8_t*, int64_t, Tolerance);             \
    template bool allclose<T>(const T*, const T*, int64_t, Tolerance, int*);
MF_CLOSE(float)
MF_CLOSE(double)
MF_CLOSE(int32_t)
MF_CLOSE(int64_t)
#undef MF_CLOSE

}  // namespace mf

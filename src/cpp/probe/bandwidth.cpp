#include "bandwidth.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <memory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../kernels/table.hpp"
#include "../core/elementwise.hpp"
#include "../common/states.hpp"
#include "../core/thread_pool.hpp"

namespace mf {

namespace {

struct Free {
    void operator()(double* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<double[], Free>;

Buffer allocate(int64_t n) {
    const size_t bytes = (size_t(n) * sizeof(double) + 63) / 64 * 64;
    return Buffer(static_cast<double*>(std::aligned_alloc(64, bytes)));
}

// STREAM's triad, a = b + s * c, with non-temporal stores where the
// baseline ISA has them (SSE2): the probe measures memory, not the kernels.
void stream_triad(const double* b, const double* c, double s, double* a, int64_t n) {
    int64_t i = 0;
#if defined(__SSE2__)
    for (; i < n && reinterpret_cast<uintptr_t>(a + i) % 16 != 0; ++i) a[i] = b[i] + s * c[i];
    const __m128d vs = _mm_set1_pd(s);
    for (; i + 2 <= n; i += 2)
        _mm_stream_pd(a + i, _mm_add_pd(_mm_loadu_pd(b + i), _mm_mul_pd(vs, _mm_loadu_pd(c + i))));
    _mm_sfence();
#endif
    for (; i < n; ++i) a[i] = b[i] + s * c[i];
}

template <class F>
double seconds(F&& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Bandwidth measure_bandwidth(int64_t bytes, int repeats) {
    const int64_t n = std::max<int64_t>(bytes / int64_t(sizeof(double)), 1 << 16);
    constexpr int64_t kChunk = 1 << 18;
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    Buffer a = allocate(n), b = allocate(n), c = allocate(n);
    const KernelTable& k = kernels();
    // First touch from the threads that will use the pages.
    parallel_for(chunks, [&](int64_t i) {
        for (int64_t j = i * kChunk; j < std::min(n, (i + 1) * kChunk); ++j) a[j] = b[j] = c[j] = 1.0;
    });
    Bandwidth best{0, 0, 0, 0};
    const double gb = double(n) * sizeof(double) / 1e9;
    for (int r = 0; r < repeats; ++r) {
        double read = seconds([&] {
            parallel_for(chunks, [&](int64_t i) {
                SumState s;
                k.row[int(Family::Sum)][int(DType::f64)](a.get() + i * kChunk,
                                                          std::min(kChunk, n - i * kChunk), 0, &s);
                if (s.f < 0) std::abort();  // keeps the sum alive; it is n, never negative
            });
        });
        double copy = seconds([&] {
            parallel_for(chunks, [&](int64_t i) {
                k.stream_copy(c.get() + i * kChunk, a.get() + i * kChunk,
                              std::min(kChunk, n - i * kChunk) * int64_t(sizeof(double)));
                k.store_fence();
            });
        });
        double add = seconds([&] {
            Space s;
            s.ndim = 1;
            s.nops = 3;
            s.shape[0] = n;
            s.data[0] = reinterpret_cast<char*>(c.get());
            s.data[1] = reinterpret_cast<char*>(a.get());
            s.data[2] = reinterpret_cast<char*>(b.get());
            s.strides[0][0] = s.strides[1][0] = s.strides[2][0] = sizeof(double);
            elementwise(Binary::add, DType::f64, s);
        });
        double triad = seconds([&] {
            parallel_for(chunks, [&](int64_t i) {
                const int64_t at = i * kChunk;
                stream_triad(b.get() + at, c.get() + at, 3.0, a.get() + at, std::min(kChunk, n - at));
            });
        });
        best.triad = std::max(best.triad, 3 * gb / triad);
        best.read = std::max(best.read, gb / read);
        best.copy = std::max(best.copy, 2 * gb / copy);
        best.add = std::max(best.add, 3 * gb / add);
    }
    return best;
}

}  // namespace mf

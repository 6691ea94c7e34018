#include "bandwidth.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <memory>

#include "../kernels/table.hpp"
#include "../core/elementwise.hpp"
#include "../common/states.hpp"
#include "../core/cpu_features.hpp"
#include "../core/thread_pool.hpp"
#include "triad.hpp"

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

// The triad of the active level: the probe streams as wide as the kernels do.
using TriadFn = void (*)(const double*, const double*, double, double*, int64_t);
TriadFn active_triad() {
#if defined(MF_HAVE_X86_LEVELS)
    switch (active_level()) {
        case Level::avx512: return avx512::stream_triad;
        case Level::avx2: return avx2::stream_triad;
        case Level::baseline: break;
    }
#endif
    return baseline::stream_triad;
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
    const TriadFn triad = active_triad();
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
        double triad_s = seconds([&] {
            parallel_for(chunks, [&](int64_t i) {
                const int64_t at = i * kChunk;
                triad(b.get() + at, c.get() + at, 3.0, a.get() + at, std::min(kChunk, n - at));
            });
        });
        best.triad = std::max(best.triad, 3 * gb / triad_s);
        best.read = std::max(best.read, gb / read);
        best.copy = std::max(best.copy, 2 * gb / copy);
        best.add = std::max(best.add, 3 * gb / add);
    }
    return best;
}

}  // namespace mf

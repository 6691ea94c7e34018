// The hot loops. Compiled once per SIMD level with -DMF_LEVEL_NS=<level>:
// every definition lives inside that namespace (or is internal) so that the
// linker can never merge an AVX-512 copy of a helper into the baseline path.
#include <cstdint>

#include "table.hpp"

#ifndef MF_LEVEL_NS
#error "compile kernels.cpp with -DMF_LEVEL_NS=<level>"
#endif

namespace mf {
namespace MF_LEVEL_NS {
namespace {

// Lanes of independent accumulators: wide enough for two AVX-512 registers,
// which also lets GCC vectorise the reduction without -ffast-math.
constexpr int kLanes = 16;
// Leaves of the pairwise sum: each lane adds kLeaf / kLanes values in a row.
constexpr int64_t kLeaf = 256;

template <class Acc, class T>
Acc leaf_sum(const T* x, int64_t n) {
    Acc lane[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) lane[j] += static_cast<Acc>(x[i + j]);
    }
    Acc tail = 0;
    for (; i < n; ++i) tail += static_cast<Acc>(x[i]);
    for (int width = kLanes / 2; width > 0; width /= 2) {
        for (int j = 0; j < width; ++j) lane[j] += lane[j + width];
    }
    return lane[0] + tail;
}

// Pairwise summation as NumPy does it: error grows with log(n), not n.
template <class Acc, class T>
Acc pairwise_sum(const T* x, int64_t n) {
    if (n <= kLeaf) return leaf_sum<Acc>(x, n);
    int64_t half = n / 2;
    half -= half % kLanes;
    return pairwise_sum<Acc>(x, half) + pairwise_sum<Acc>(x + half, n - half);
}

void add_f64(const double* a, const double* b, double* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

double sum_f64(const double* x, int64_t n) { return pairwise_sum<double>(x, n); }

}  // namespace

extern const KernelTable table;
const KernelTable table = {add_f64, sum_f64};

}  // namespace MF_LEVEL_NS
}  // namespace mf

#include "ternary.hpp"

#include <algorithm>

#include "../common/fp_status.hpp"
#include "../kernels/table.hpp"
#include "cpu_features.hpp"
#include "thread_pool.hpp"

namespace mf {

namespace {

// As the binary ops' (core/elementwise.cpp): below this many bytes moved one
// thread; above it, tasks of whole cache lines, a few per thread.
constexpr int64_t kParallelBytes = 1 << 20;
constexpr int64_t kMinTask = 16384;
// Elements per buffer of a streamed output (fits in L1 with the inputs' lines).
constexpr int64_t kChunk = 512;

}  // namespace

void ternary(Ternary op, DType in, Space space) {
    const KernelTable& k = kernels();
    const TernaryFn loop = k.ternary[static_cast<int>(op)][static_cast<int>(in)];
    simplify(space, kSortAxes | kFlipAxes);  // operand 0, the output, in memory order
    const int64_t total = space.size();
    if (total == 0) return;
    const int64_t size = itemsize(in);
    const int64_t bytes = total * 4 * size * spec(op).cost;
    const int threads = bytes < kParallelBytes ? 1 : num_threads();
    const int64_t align = 64 / std::min<int64_t>(size, 64);
    int64_t chunk = (total + 4 * threads - 1) / (4 * threads);
    chunk = std::max<int64_t>((chunk + align - 1) / align * align, kMinTask);
    const int64_t ntasks = threads == 1 ? 1 : (total + chunk - 1) / chunk;
    const int64_t per_task = threads == 1 ? total : chunk;
    const int inner = space.ndim - 1;
    int64_t s[kMaxOperands] = {};
    for (int o = 0; o < space.nops; ++o) s[o] = space.ndim ? space.strides[o][inner] : 0;
    // An output beyond the last-level cache is written with non-temporal stores
    // (through an L1 buffer), as the binary ops' are: no read for ownership of
    // its lines, a third less memory traffic for clip(x, lo, hi, out=out).
    const bool stream = total * size > last_level_cache_bytes() && s[0] == size;
    fp_clear();
    parallel_for(ntasks, [&](int64_t t) {
        for_each_run(space, t * per_task, std::min(total, (t + 1) * per_task),
                     [&](char* const* p, int64_t n, int64_t) {
            if (!stream) return loop(p, s, n);
            alignas(64) char buffer[kChunk * 8];
            const int64_t buffered[kMaxOperands] = {size, s[1], s[2], s[3]};
            for (int64_t at = 0; at < n; at += kChunk) {
                const int64_t m = std::min(kChunk, n - at);
                char* q[kMaxOperands] = {buffer, p[1] + at * s[1], p[2] + at * s[2],
                                         p[3] + at * s[3]};
                loop(q, buffered, m);
                k.stream_copy(p[0] + at * size, buffer, m * size);
            }
        });
        if (stream) k.store_fence();
    });
    // A NaN's ordered comparison (clip) may raise invalid: NumPy compares quietly.
    fp_take();
}

}  // namespace mf

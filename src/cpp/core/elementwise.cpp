#include "elementwise.hpp"

#include <algorithm>
#include <cstring>

#include "../common/fp_status.hpp"
#include "../kernels/table.hpp"
#include "cpu_features.hpp"
#include "thread_pool.hpp"

namespace mf {

namespace {

// Below this many bytes moved a call stays on one thread: waking a worker
// costs about as much as moving that much memory (measured; see
// benchmarks/RESULTS.md).
constexpr int64_t kParallelBytes = 1 << 20;
// Elements per gather/scatter buffer: three buffers of doubles fit in L1.
constexpr int64_t kChunk = 512;

// Element-size-specialised copies (a memcpy of a constant size is one move).
template <int64_t Size>
void gather_n(char* dst, const char* src, int64_t stride, int64_t n) {
    for (int64_t i = 0; i < n; ++i) std::memcpy(dst + Size * i, src + i * stride, Size);
}
template <int64_t Size>
void scatter_n(char* dst, int64_t stride, const char* src, int64_t n) {
    for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * stride, src + Size * i, Size);
}

void gather(char* dst, const char* src, int64_t stride, int64_t n, int64_t size) {
    switch (size) {
        case 1: return gather_n<1>(dst, src, stride, n);
        case 2: return gather_n<2>(dst, src, stride, n);
        case 4: return gather_n<4>(dst, src, stride, n);
        default: return gather_n<8>(dst, src, stride, n);
    }
}

void scatter(char* dst, int64_t stride, const char* src, int64_t n, int64_t size) {
    switch (size) {
        case 1: return scatter_n<1>(dst, stride, src, n);
        case 2: return scatter_n<2>(dst, stride, src, n);
        case 4: return scatter_n<4>(dst, stride, src, n);
        default: return scatter_n<8>(dst, stride, src, n);
    }
}

struct Loop {
    const KernelTable* k;
    int nin;
    BinaryLoops binary;
    UnaryLoops unary;
    int64_t in_size, out_size;
    bool stream;  // non-temporal stores for contiguous output runs
    int cost;     // time per element relative to add (decides threading)

    // One innermost run: p = {out, a[, b]}, strides s, n elements.
    void run(char* const* p, const int64_t* s, int64_t n) const {
        const bool out_contiguous = s[0] == out_size;
        const bool a_contiguous = s[1] == in_size;
        const bool b_contiguous = nin == 2 && s[2] == in_size;
        if (out_contiguous) {
            if (nin == 1 && a_contiguous) return (stream ? unary.v_nt : unary.v)(p[1], p[0], n);
            if (nin == 2 && a_contiguous && b_contiguous)
                return (stream ? binary.vv_nt : binary.vv)(p[1], p[2], p[0], n);
            if (nin == 2 && a_contiguous && s[2] == 0)
                return (stream ? binary.vs_nt : binary.vs)(p[1], p[2], p[0], n);
            if (nin == 2 && s[1] == 0 && b_contiguous)
                return (stream ? binary.sv_nt : binary.sv)(p[1], p[2], p[0], n);
        }
        // Through buffers: gather what is strided, compute contiguously,
        // then scatter or stream the result.
        alignas(64) char a_buf[kChunk * 8], b_buf[kChunk * 8], out_buf[kChunk * 8];
        for (int64_t at = 0; at < n; at += kChunk) {
            const int64_t m = std::min(kChunk, n - at);
            const char* a = p[1] + at * s[1];
            // A broadcast (stride 0) operand of a binary op is read as one
            // value by the _sv/_vs kernels; everything else strided is gathered.
            if (!a_contiguous && (nin == 1 || s[1] != 0)) {
                gather(a_buf, a, s[1], m, in_size);
                a = a_buf;
            }
            char* out = out_contiguous && !stream ? p[0] + at * s[0] : out_buf;
            if (nin == 1) {
                unary.v(a, out, m);
            } else {
                const char* b = p[2] + at * s[2];
                if (!b_contiguous && s[2] != 0) {
                    gather(b_buf, b, s[2], m, in_size);
                    b = b_buf;
                }
                if (s[1] == 0 && s[2] == 0) {  // both broadcast: one value, repeated
                    binary.vv(a, b, out, 1);
                    for (int64_t i = 1; i < m; ++i) std::memcpy(out + i * out_size, out, out_size);
                } else if (s[1] == 0) {
                    binary.sv(a, b, out, m);
                } else if (s[2] == 0) {
                    binary.vs(a, b, out, m);
                } else {
                    binary.vv(a, b, out, m);
                }
            }
            if (out == out_buf) {
                if (out_contiguous) k->stream_copy(p[0] + at * s[0], out_buf, m * out_size);
                else scatter(p[0] + at * s[0], s[0], out_buf, m, out_size);
            }
        }
    }
};

int run(const Loop& loop, Space& space) {
    simplify(space, kSortAxes | kFlipAxes);  // operand 0, the output, in memory order
    const int64_t total = space.size();
    if (total == 0) return 0;
    // Work, in bytes of memory traffic; compute-bound ops count for more.
    const int64_t bytes = total * (loop.out_size + loop.nin * loop.in_size) * loop.cost;
    Loop l = loop;
    const int inner = space.ndim - 1;
    l.stream = total * loop.out_size > last_level_cache_bytes() &&
               (space.ndim == 0 || space.strides[0][inner] == loop.out_size);
    const int threads = bytes < kParallelBytes ? 1 : num_threads();
    // Chunks of whole cache lines, a few per thread so that none idles long.
    const int64_t align = 64 / std::min<int64_t>(loop.out_size, 64);
    int64_t chunk = (total + 4 * threads - 1) / (4 * threads);
    chunk = std::max<int64_t>((chunk + align - 1) / align * align, 16384);
    const int64_t ntasks = threads == 1 ? 1 : (total + chunk - 1) / chunk;
    const int64_t per_task = threads == 1 ? total : chunk;
    auto task = [&](int64_t t) {
        for_each_run(space, t * per_task, std::min(total, (t + 1) * per_task),
                     [&](char* const* p, int64_t n, int64_t) {
                         int64_t s[kMaxOperands] = {};
                         for (int o = 0; o < space.nops; ++o)
                             s[o] = space.ndim ? space.strides[o][inner] : 0;
                         l.run(p, s, n);
                     });
        if (l.stream) l.k->store_fence();
    };
    fp_clear();
    const int workers = parallel_for(ntasks, task);
    return workers | fp_take();
}

}  // namespace

// The cost of an op (the op table's, measured: exp, log, sin, cos and power
// take about 8 times longer per element than add) makes costly ops go
// parallel on smaller arrays.
int elementwise(Binary op, DType in, Space space) {
    const KernelTable& k = kernels();
    Loop loop{&k, 2, k.binary[int(op)][int(in)], {}, itemsize(in),
              itemsize(result_dtype(op, in)), false, spec(op).cost};
    const int fp = run(loop, space);
    // maximum and minimum do no arithmetic: their one flag is the invalid of
    // an ordered comparison with NaN (a > b), where NumPy compares quietly.
    // Dropped here, the kernels keep their single compare and blend (a quiet
    // comparison has no SSE instruction, and GCC vectorises none).
    // Bool-result ops (comparisons, logical ops) raise nothing in NumPy, not even
    // for an ordered comparison with NaN (compare_kernels.hpp).
    const bool quiet = op == Binary::maximum || op == Binary::minimum || spec(op).result == Result::Bool;
    return quiet ? 0 : fp;
}

int elementwise(Unary op, DType in, Space space) {
    const KernelTable& k = kernels();
    Loop loop{&k, 1, {}, k.unary[int(op)][int(in)], itemsize(in), itemsize(result_dtype(op, in)),
              false, spec(op).cost};
    const int fp = run(loop, space);
    return spec(op).result == Result::Bool ? 0 : fp;  // as NumPy's predicates (isnan...)
}

}  // namespace mf

#include "scan.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../common/fp_status.hpp"
#include "thread_pool.hpp"

namespace mf {

namespace {

// Chunk length along the axis: a row longer than this is scanned as chunks whose
// totals are combined first (in parallel), whatever the number of threads.
constexpr int64_t kChunk = int64_t(1) << 16;
constexpr int64_t kParallelBytes = int64_t(1) << 20;  // below: one thread

// T the input's C type, R the result's; integers combine in uint64_t (wrapping,
// without signed overflow), then store their low bits.
template <class T, class R, bool Prod>
struct Combine {
    using Acc = std::conditional_t<std::is_floating_point_v<R>, R, uint64_t>;
    static Acc load(const char* p) {
        T v;
        std::memcpy(&v, p, sizeof v);
        if constexpr (std::is_floating_point_v<R>) return R(v);
        else return Acc(int64_t(v));
    }
    static Acc apply(Acc a, Acc b) {
        if constexpr (Prod) return a * b;
        else return a + b;
    }
    static void store(char* p, Acc a) {
        const R v = R(a);
        std::memcpy(p, &v, sizeof v);
    }
};

// The total of m > 0 elements, from the first, sequentially.
template <class C>
typename C::Acc total(const char* x, int64_t sx, int64_t m) {
    auto acc = C::load(x);
    for (int64_t i = 1; i < m; ++i) acc = C::apply(acc, C::load(x + i * sx));
    return acc;
}

// Scans m > 0 elements, from `offset` unless `first` (the row's first chunk).
// Reads each element before writing its result: out may be x.
template <class C>
void scan_chunk(const char* x, int64_t sx, char* out, int64_t so, int64_t m, bool first,
                typename C::Acc offset) {
    auto acc = first ? C::load(x) : C::apply(offset, C::load(x));
    C::store(out, acc);
    for (int64_t i = 1; i < m; ++i) {
        acc = C::apply(acc, C::load(x + i * sx));
        C::store(out + i * so, acc);
    }
}

// A whole row in one pass, with the chunked order of the parallel scan: the
// result has the same bits on any number of threads.
template <class C>
void scan_row(const char* x, int64_t sx, char* out, int64_t so, int64_t n) {
    typename C::Acc offset{};
    for (int64_t begin = 0; begin < n; begin += kChunk) {
        const int64_t m = std::min(kChunk, n - begin);
        if (begin + m < n) {  // a total is needed for the next chunk
            const auto t = total<C>(x + begin * sx, sx, m);
            scan_chunk<C>(x + begin * sx, sx, out + begin * so, so, m, begin == 0, offset);
            offset = begin == 0 ? t : C::apply(offset, t);
        } else {
            scan_chunk<C>(x + begin * sx, sx, out + begin * so, so, m, begin == 0, offset);
        }
    }
}

// Rows side by side (a block of `m` indices along another axis, strides xj and oj):
// each row gets scan_row's very operations, interleaved so that a C-order array
// scanned along a slow axis is read a line at a time.
constexpr int64_t kBlock = 128;

template <class C>
void scan_block(const char* x, int64_t sx, int64_t xj, char* out, int64_t so, int64_t oj,
                int64_t n, int64_t m) {
    using Acc = typename C::Acc;
    Acc acc[kBlock], local[kBlock], offset[kBlock];
    for (int64_t begin = 0; begin < n; begin += kChunk) {
        const int64_t end = std::min(n, begin + kChunk);
        for (int64_t j = 0; j < m; ++j) {
            const Acc v = C::load(x + begin * sx + j * xj);
            local[j] = v;
            acc[j] = begin == 0 ? v : C::apply(offset[j], v);
            C::store(out + begin * so + j * oj, acc[j]);
        }
        for (int64_t i = begin + 1; i < end; ++i) {
            const char* xi = x + i * sx;
            char* oi = out + i * so;
            for (int64_t j = 0; j < m; ++j) {
                const Acc v = C::load(xi + j * xj);
                local[j] = C::apply(local[j], v);
                acc[j] = C::apply(acc[j], v);
                C::store(oi + j * oj, acc[j]);
            }
        }
        if (end < n)
            for (int64_t j = 0; j < m; ++j)
                offset[j] = begin == 0 ? local[j] : C::apply(offset[j], local[j]);
    }
}

// Byte offsets of row `r` in the input and the output: r enumerates the
// indices of the axes other than the scanned one (and `skip`, if any) in C order.
struct Rows {
    const ScanCall& c;
    int skip = -1;
    void offsets(int64_t r, int64_t* in, int64_t* out) const {
        *in = 0;
        *out = 0;
        for (int d = c.ndim - 1; d >= 0; --d) {
            if (d == c.axis || d == skip) continue;
            const int64_t i = r % c.shape[d];
            r /= c.shape[d];
            *in += i * c.strides[d];
            *out += i * c.out_strides[d];
        }
    }
};

// Runs task(t) for t in [0, ntasks), on the pool when `parallel`; returns the
// floating-point flags of the other threads (parallel_for).
template <class F>
int run_blocks(bool parallel, int64_t ntasks, F&& task) {
    if (parallel) return parallel_for(ntasks, task);
    for (int64_t t = 0; t < ntasks; ++t) task(t);
    return 0;
}

template <class C>
int run(const ScanCall& c) {
    const int64_t n = c.shape[c.axis];
    int64_t rows = 1;
    for (int d = 0; d < c.ndim; ++d)
        if (d != c.axis) rows *= c.shape[d];
    if (n == 0 || rows == 0) return 0;
    const int64_t sx = c.strides[c.axis], so = c.out_strides[c.axis];
    const Rows at{c};
    const int threads = num_threads();
    const bool parallel = threads > 1 && rows * n * int64_t(sizeof(typename C::Acc)) >= kParallelBytes;
    fp_clear();
    int workers = 0;
    // The other axis whose input elements lie closest together: when they lie
    // closer than the scanned axis's, rows are scanned side by side along it.
    int side = -1;
    for (int d = 0; d < c.ndim; ++d)
        if (d != c.axis && c.shape[d] > 1 &&
            (side < 0 || std::abs(c.strides[d]) < std::abs(c.strides[side])))
            side = d;
    if (side >= 0 && std::abs(c.strides[side]) < std::abs(sx)) {
        const Rows groups{c, side};
        const int64_t width = c.shape[side], blocks = (width + kBlock - 1) / kBlock;
        const int64_t ntasks = rows / width * blocks;
        if (!parallel || ntasks >= 2 * threads || n <= kChunk) {
            const int64_t xj = c.strides[side], oj = c.out_strides[side];
            workers = run_blocks(parallel, ntasks, [&](int64_t t) {
                const int64_t g = t / blocks, b = t % blocks;
                const int64_t m = std::min(kBlock, width - b * kBlock);
                int64_t i, o;
                groups.offsets(g, &i, &o);
                scan_block<C>(c.data + i + b * kBlock * xj, sx, xj,
                              c.out + o + b * kBlock * oj, so, oj, n, m);
            });
            return workers | fp_take();
        }
    }
    if (!parallel) {
        for (int64_t r = 0; r < rows; ++r) {
            int64_t i, o;
            at.offsets(r, &i, &o);
            scan_row<C>(c.data + i, sx, c.out + o, so, n);
        }
    } else if (rows >= 4 * threads || n <= kChunk) {
        // Many rows: whole rows per task.
        const int64_t ntasks = std::min<int64_t>(rows, 8 * threads);
        workers = parallel_for(ntasks, [&](int64_t t) {
            for (int64_t r = rows * t / ntasks; r < rows * (t + 1) / ntasks; ++r) {
                int64_t i, o;
                at.offsets(r, &i, &o);
                scan_row<C>(c.data + i, sx, c.out + o, so, n);
            }
        });
    } else {
        // Few long rows: chained, a window of `threads` chunks at a time. Each
        // thread totals its chunk, the window's offsets follow in order, then
        // each thread scans its chunk while it is still in its cache: memory is
        // read once and written once (a whole-row totals pass first would read
        // it twice). The offsets combine in scan_row's order: the same bits.
        using Acc = typename C::Acc;
        const int64_t chunks = (n + kChunk - 1) / kChunk;
        std::vector<Acc> totals(static_cast<size_t>(threads)), starts(static_cast<size_t>(threads));
        for (int64_t r = 0; r < rows; ++r) {
            int64_t i, o;
            at.offsets(r, &i, &o);
            const char* x = c.data + i;
            char* out = c.out + o;
            Acc offset{};
            for (int64_t k0 = 0; k0 < chunks; k0 += threads) {
                const int64_t width = std::min<int64_t>(threads, chunks - k0);
                workers |= parallel_for(width, [&](int64_t t) {
                    const int64_t k = k0 + t;
                    if (k + 1 < chunks)  // the row's last total is never needed
                        totals[size_t(t)] = total<C>(x + k * kChunk * sx, sx, kChunk);
                });
                for (int64_t t = 0; t < width; ++t) {
                    const int64_t k = k0 + t;
                    starts[size_t(t)] = offset;
                    if (k + 1 < chunks)
                        offset = k == 0 ? totals[size_t(t)] : C::apply(offset, totals[size_t(t)]);
                }
                workers |= parallel_for(width, [&](int64_t t) {
                    const int64_t k = k0 + t, begin = k * kChunk;
                    scan_chunk<C>(x + begin * sx, sx, out + begin * so, so,
                                  std::min(kChunk, n - begin), k == 0, starts[size_t(t)]);
                });
            }
        }
    }
    return workers | fp_take();
}

}  // namespace

int scan(const ScanCall& call) {
    const bool prod = spec(call.op).family == Family::Prod;
    return visit_dtype(call.in, [&](auto tag) {
        using T = decltype(tag);
        using R = ResultOf<Result::Wide, T>;  // bool, signed: int64; unsigned: uint64
        return prod ? run<Combine<T, R, true>>(call) : run<Combine<T, R, false>>(call);
    });
}

}  // namespace mf

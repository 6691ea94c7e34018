// Reduction kernels: rows (contiguous x[0, n) into one state) and slabs
// (rows folded into per-column accumulators, for reductions over an outer
// axis). Included inside each SIMD level's namespace by kernels.cpp.
//
// Vectorisation without -ffast-math: GCC may not reorder a floating-point
// reduction, so every row loop keeps kLanes independent accumulators and
// combines them at the end; the order is fixed by the code, hence the same
// bits on every run and every thread count.

constexpr int kLanes = 16;    // two AVX-512 registers of doubles, four of AVX2
constexpr int64_t kLeaf = 256;  // pairwise leaves: each lane adds kLeaf / kLanes terms

template <class T>
constexpr T lowest() {
    if constexpr (is_float_v<T>) return -__builtin_huge_val();
    else return std::numeric_limits<T>::min();
}
template <class T>
constexpr T highest() {
    if constexpr (is_float_v<T>) return __builtin_huge_val();
    else return std::numeric_limits<T>::max();
}

template <bool High, class T>
inline bool better(T candidate, T current) {
    return High ? candidate > current : candidate < current;
}

// ---- sums -----------------------------------------------------------------------------

// kLanes running sums, added lane by lane (vectorised) until the very end.
struct Lanes {
    double v[kLanes];
};

inline void add_lanes(Lanes& into, const Lanes& from) {
    for (int j = 0; j < kLanes; ++j) into.v[j] += from.v[j];
}

inline double total_of(Lanes t) {
    for (int width = kLanes / 2; width > 0; width /= 2)
        for (int j = 0; j < width; ++j) t.v[j] += t.v[j + width];
    return t.v[0];
}

// Sum (and, skipping NaN, count) of load(i) for i in [lo, hi), pairwise as
// NumPy sums floats, so the error grows as log n: each leaf adds kLeaf /
// kLanes terms per lane, and leaves merge in a binary counter (a merge of
// two leaves, then of two pairs, ...). The lanes stay a vector throughout
// and meet only at the end: a horizontal combine per leaf would stall the
// loads and cost a third of the memory bandwidth.
template <bool Skip, class Load>
void pairwise(const Load& load, int64_t lo, int64_t hi, double& sum, double& count) {
    // Level l holds 2^l leaves; only filled levels are read. Counts only when
    // skipping NaN (otherwise it is n): a smaller frame for the common case.
    Lanes sums[64], counts[Skip ? 64 : 1];
    uint64_t filled = 0;
    int64_t i = lo;
    for (; i + kLeaf <= hi; i += kLeaf) {
        Lanes s = {}, c = {};
        for (int64_t k = i; k < i + kLeaf; k += kLanes) {
            for (int j = 0; j < kLanes; ++j) {
                double v = load(k + j);
                if constexpr (Skip) {
                    bool valid = v == v;
                    s.v[j] += valid ? v : 0.0;
                    c.v[j] += valid ? 1.0 : 0.0;
                } else {
                    s.v[j] += v;
                }
            }
        }
        int l = 0;
        for (; filled >> l & 1; ++l) {
            add_lanes(s, sums[l]);
            if constexpr (Skip) add_lanes(c, counts[l]);
            filled &= ~(uint64_t(1) << l);
        }
        sums[l] = s;
        if constexpr (Skip) counts[l] = c;
        filled |= uint64_t(1) << l;
    }
    Lanes s = {}, c = {};
    for (int l = 63; l >= 0; --l) {  // higher levels hold earlier leaves
        if (!(filled >> l & 1)) continue;
        add_lanes(s, sums[l]);
        if constexpr (Skip) add_lanes(c, counts[l]);
    }
    // The last, partial leaf: whole lane groups vectorised, then the rest
    // (rows shorter than a leaf are common: axis=-1 of a matrix).
    Lanes ts = {}, tc = {};
    for (; i + kLanes <= hi; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) {
            double v = load(i + j);
            bool valid = !Skip || v == v;
            ts.v[j] += valid ? v : 0.0;
            tc.v[j] += valid ? 1.0 : 0.0;
        }
    }
    for (int j = 0; i < hi; ++i, ++j) {
        double v = load(i);
        bool valid = !Skip || v == v;
        ts.v[j] += valid ? v : 0.0;
        tc.v[j] += valid ? 1.0 : 0.0;
    }
    add_lanes(s, ts);
    if constexpr (Skip) add_lanes(c, tc);
    sum = total_of(s);
    count = Skip ? total_of(c) : double(hi - lo);
}

// Integer sums and products wrap modulo 2^64, so any order gives the same bits.
template <class T, class Combine>
uint64_t integer_fold(const T* x, int64_t n, uint64_t identity, Combine combine) {
    uint64_t lane[kLanes];
    for (int j = 0; j < kLanes; ++j) lane[j] = identity;
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int j = 0; j < kLanes; ++j) lane[j] = combine(lane[j], uint64_t(int64_t(x[i + j])));
    for (; i < n; ++i) lane[0] = combine(lane[0], uint64_t(int64_t(x[i])));
    for (int j = 1; j < kLanes; ++j) lane[0] = combine(lane[0], lane[j]);
    return lane[0];
}

template <class T>
void sum_row(const void* x_, int64_t n, int flags, void* state) {
    auto x = static_cast<const T*>(x_);
    auto& st = *static_cast<SumState*>(state);
    st = SumState{};
    if (!is_float_v<T> && !(flags & kFloatAcc)) {
        st.i = integer_fold(x, n, 0, [](uint64_t a, uint64_t b) { return a + b; });
        st.count = double(n);
        return;
    }
    auto load = [x](int64_t i) { return double(x[i]); };
    if (is_float_v<T> && (flags & kSkipNan)) pairwise<true>(load, 0, n, st.f, st.count);
    else pairwise<false>(load, 0, n, st.f, st.count);
}

template <class T>
void prod_row(const void* x_, int64_t n, int, void* state) {
    auto x = static_cast<const T*>(x_);
    auto& st = *static_cast<ProdState*>(state);
    st = ProdState{};
    if constexpr (is_float_v<T>) {
        double lane[kLanes];
        for (int j = 0; j < kLanes; ++j) lane[j] = 1.0;
        int64_t i = 0;
        for (; i + kLanes <= n; i += kLanes)
            for (int j = 0; j < kLanes; ++j) lane[j] *= double(x[i + j]);
        for (; i < n; ++i) lane[0] *= double(x[i]);
        for (int j = 1; j < kLanes; ++j) lane[0] *= lane[j];
        st.f = lane[0];
    } else {
        st.i = integer_fold(x, n, 1, [](uint64_t a, uint64_t b) { return a * b; });
    }
}

template <class T>
void dot_row(const void* a_, const void* b_, int64_t n, void* state) {
    auto a = static_cast<const T*>(a_);
    auto b = static_cast<const T*>(b_);
    auto& st = *static_cast<SumState*>(state);
    st = SumState{};
    if constexpr (is_float_v<T>) {
        pairwise<false>([a, b](int64_t i) { return double(a[i]) * double(b[i]); }, 0, n, st.f,
                        st.count);
    } else {
        uint64_t lane[kLanes] = {};
        int64_t i = 0;
        for (; i + kLanes <= n; i += kLanes)
            for (int j = 0; j < kLanes; ++j)
                lane[j] += uint64_t(int64_t(a[i + j])) * uint64_t(int64_t(b[i + j]));
        for (; i < n; ++i) lane[0] += uint64_t(int64_t(a[i])) * uint64_t(int64_t(b[i]));
        for (int j = 1; j < kLanes; ++j) lane[0] += lane[j];
        st.i = lane[0];
        st.count = double(n);
    }
}

// ---- min / max ------------------------------------------------------------------------

// The extreme of x[lo, hi) ignoring NaN (a NaN never wins a comparison), and
// how many NaN there were. Vectors (simd.hpp), four of them for parallelism.
template <bool High, class T>
T extreme_of(const T* x, int64_t lo, int64_t hi, double& nans) {
    constexpr int W = kWidth<T>, U = 4;
    const T start = High ? lowest<T>() : highest<T>();
    Vec<T> lane[U];
    Mask<T> nan_count[U] = {};
    for (int u = 0; u < U; ++u) lane[u] = Vec<T>{} + start;
    int64_t i = lo;
    for (; i + U * W <= hi; i += U * W) {
        for (int u = 0; u < U; ++u) {
            Vec<T> v = load(x + i + u * W);
            lane[u] = (High ? v > lane[u] : v < lane[u]) ? v : lane[u];
            if constexpr (is_float_v<T>) nan_count[u] -= v != v;  // a true compare is -1
        }
    }
    T best = start;
    double count = 0.0;
    for (int u = 0; u < U; ++u) {
        for (int j = 0; j < W; ++j) {
            best = better<High>(T(lane[u][j]), best) ? T(lane[u][j]) : best;
            count += double(nan_count[u][j]);
        }
    }
    for (; i < hi; ++i) {
        T v = x[i];
        best = better<High>(v, best) ? v : best;
        if constexpr (is_float_v<T>) count += v != v ? 1.0 : 0.0;
    }
    nans = count;
    return best;
}

template <class T>
void extreme_row(const void* x_, int64_t n, int flags, void* state) {
    auto x = static_cast<const T*>(x_);
    auto& st = *static_cast<ExtremeState<T>*>(state);
    double nans;
    st.value = flags & kHigh ? extreme_of<true>(x, 0, n, nans) : extreme_of<false>(x, 0, n, nans);
    st.nans = nans;
    st.count = double(n) - nans;
}

// First index of the extreme (or of the first NaN, which wins as in NumPy):
// a vector pass per block finds the best block, one scalar pass finds the index.
constexpr int64_t kArgBlock = 2048;  // long enough that the vector pass dominates

template <bool High, class T>
ArgState<T> arg_of(const T* x, int64_t n) {
    ArgState<T> best;
    for (int64_t start = 0; start < n; start += kArgBlock) {
        const int64_t stop = start + kArgBlock < n ? start + kArgBlock : n;
        double nans;
        T extreme = extreme_of<High>(x, start, stop, nans);
        if (nans > 0) {
            for (int64_t i = start; i < stop; ++i)
                if (x[i] != x[i]) return {x[i], i, true};
        }
        if (best.index < 0 || better<High>(extreme, best.value)) best = {extreme, start, false};
    }
    if (best.index >= 0) {
        int64_t i = best.index;
        while (x[i] != best.value) ++i;  // the block holds it
        best.index = i;
    }
    return best;
}

template <class T>
void arg_row(const void* x_, int64_t n, int flags, void* state) {
    auto x = static_cast<const T*>(x_);
    *static_cast<ArgState<T>*>(state) = flags & kHigh ? arg_of<true>(x, n) : arg_of<false>(x, n);
}

// ---- var / std --------------------------------------------------------------------------

// Per block: the mean, then the squared deviations from it (the block is in
// L1 by then, so memory is read once); blocks merge with Chan's formula.
constexpr int64_t kMomentBlock = 1024;  // 8 KB of doubles: still in L1 for the second pass

template <bool Skip, class T>
MomentState moments_of(const T* x, int64_t n) {
    MomentState st;
    for (int64_t start = 0; start < n; start += kMomentBlock) {
        const int64_t stop = start + kMomentBlock < n ? start + kMomentBlock : n;
        double sum, count;
        auto load = [x](int64_t i) { return double(x[i]); };
        pairwise<Skip>(load, start, stop, sum, count);
        if (count == 0) continue;
        double mean = sum / count;
        double q[kLanes] = {};
        int64_t i = start;
        // Skipping NaN means NaN inputs; inf - inf is a NaN deviation that counts.
        for (; i + kLanes <= stop; i += kLanes) {
            for (int j = 0; j < kLanes; ++j) {
                double v = double(x[i + j]), d = v - mean;
                q[j] += !Skip || v == v ? d * d : 0.0;
            }
        }
        for (; i < stop; ++i) {
            double v = double(x[i]), d = v - mean;
            q[0] += !Skip || v == v ? d * d : 0.0;
        }
        for (int j = 1; j < kLanes; ++j) q[0] += q[j];
        st = merge(st, MomentState{count, mean, q[0]});
    }
    return st;
}

template <class T>
void moments_row(const void* x_, int64_t n, int flags, void* state) {
    auto x = static_cast<const T*>(x_);
    *static_cast<MomentState*>(state) =
        is_float_v<T> && (flags & kSkipNan) ? moments_of<true>(x, n) : moments_of<false>(x, n);
}

// ---- slabs: reductions over an outer axis -----------------------------------------------

// Calls fold(k, v) for every element of rows [0, nrows), row by row; the
// contiguous case is a plain loop over k that GCC vectorises.
template <class T, class Fold>
void for_each_row(const char* x, int64_t rstride, int64_t nrows, int64_t kstride, int64_t nk,
                  const Fold& fold) {
    for (int64_t r = 0; r < nrows; ++r) {
        const char* row = x + r * rstride;
        if (kstride == int64_t(sizeof(T))) {
            auto v = reinterpret_cast<const T*>(row);
#pragma GCC ivdep
            for (int64_t k = 0; k < nk; ++k) fold(r, k, v[k]);
        } else {
            for (int64_t k = 0; k < nk; ++k) fold(r, k, *reinterpret_cast<const T*>(row + k * kstride));
        }
    }
}

template <class T>
void sum_slab(const char* x, int64_t rs, int64_t nr, int64_t ks, int64_t nk, int flags, int64_t,
              void* slab_) {
    auto slab = *static_cast<SumSlab*>(slab_);
    if (!is_float_v<T> && !(flags & kFloatAcc)) {
        for_each_row<T>(x, rs, nr, ks, nk, [&](int64_t, int64_t k, T v) { slab.i[k] += uint64_t(int64_t(v)); });
    } else if (is_float_v<T> && (flags & kSkipNan)) {
        for_each_row<T>(x, rs, nr, ks, nk, [&](int64_t, int64_t k, T v) {
            bool valid = v == v;
            slab.f[k] += valid ? double(v) : 0.0;
            slab.count[k] += valid ? 1.0 : 0.0;
        });
    } else {
        for_each_row<T>(x, rs, nr, ks, nk, [&](int64_t, int64_t k, T v) { slab.f[k] += double(v); });
    }
}

template <class T>
void prod_slab(const char* x, int64_t rs, int64_t nr, int64_t ks, int64_t nk, int, int64_t,
               void* slab_) {
    auto slab = *static_cast<ProdSlab*>(slab_);
    if constexpr (is_float_v<T>)
        for_each_row<T>(x, rs, nr, ks, nk, [&](int64_t, int64_t k, T v) { slab.f[k] *= double(v); });
    else
        for_each_row<T>(x, rs, nr, ks, nk, [&](int64_t, int64_t k, T v) { slab.i[k] *= uint64_t(int64_t(v)); });
}

template <bool High, class T>
void extreme_fold(const char* x, int64_t rs, int64_t nr, int64_t ks, int64_t nk, ExtremeSlab<T> s) {
    for_each_row<T>(x, rs, nr, ks, nk, [&](int64_t, int64_t k, T v) {
        s.value[k] = better<High>(v, s.value[k]) ? v : s.value[k];
        if constexpr (is_float_v<T>) s.nans[k] += v != v ? 1.0 : 0.0;
    });
}

template <class T>
void extreme_slab(const char* x, int64_t rs, int64_t nr, int64_t ks, int64_t nk, int flags,
                  int64_t, void* slab) {
    auto s = *static_cast<ExtremeSlab<T>*>(slab);
    if (flags & kHigh) extreme_fold<true>(x, rs, nr, ks, nk, s);
    else extreme_fold<false>(x, rs, nr, ks, nk, s);
}

template <bool High, class T>
void arg_fold(const char* x, int64_t rs, int64_t nr, int64_t ks, int64_t nk, int64_t first,
              ArgSlab<T> s) {
    for_each_row<T>(x, rs, nr, ks, nk, [&](int64_t r, int64_t k, T v) {
        bool take = (s.nan[k] == 0) & ((s.index[k] < 0) | (v != v) | better<High>(v, s.value[k]));
        s.value[k] = take ? v : s.value[k];
        s.index[k] = take ? first + r : s.index[k];
        s.nan[k] = take ? uint8_t(v != v) : s.nan[k];
    });
}

template <class T>
void arg_slab(const char* x, int64_t rs, int64_t nr, int64_t ks, int64_t nk, int flags,
              int64_t first, void* slab) {
    auto s = *static_cast<ArgSlab<T>*>(slab);
    if (flags & kHigh) arg_fold<true>(x, rs, nr, ks, nk, first, s);
    else arg_fold<false>(x, rs, nr, ks, nk, first, s);
}

// Welford's update per column; without NaN skipping every column has seen
// first + r + 1 values at row r, so one reciprocal serves the whole row.
template <class T>
void moments_slab(const char* x, int64_t rs, int64_t nr, int64_t ks, int64_t nk, int flags,
                  int64_t first, void* slab_) {
    auto s = *static_cast<MomentSlab*>(slab_);
    if (is_float_v<T> && (flags & kSkipNan)) {
        for_each_row<T>(x, rs, nr, ks, nk, [&](int64_t, int64_t k, T v) {
            bool valid = v == v;
            double n = s.n[k] + (valid ? 1.0 : 0.0);
            double d = valid ? double(v) - s.mean[k] : 0.0;
            double mean = s.mean[k] + (valid ? d / n : 0.0);
            s.m2[k] += valid ? d * (double(v) - mean) : 0.0;
            s.mean[k] = mean;
            s.n[k] = n;
        });
        return;
    }
    for (int64_t r = 0; r < nr; ++r) {
        const double inv = 1.0 / double(first + r + 1);
        for_each_row<T>(x + r * rs, 0, 1, ks, nk, [&](int64_t, int64_t k, T v) {
            double d = double(v) - s.mean[k];
            s.mean[k] += d * inv;
            s.m2[k] += d * (double(v) - s.mean[k]);
        });
    }
}

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

// ---- products ---------------------------------------------------------------------------
//
// Float products keep ProdState's form: the product of the elements with
// zeros, infinities and NaN taken as +-1 (their signs), and which of those
// were seen (kProdZero, kProdInf; a NaN is both). Looking at every element
// would cost several times a plain product, so blocks are multiplied plainly
// and their elements looked at only where a block's product is zero, infinite
// or NaN: a zero, an infinity or a NaN makes it so, and where none is there
// (partial products that overflowed or underflowed) the plain product is
// already the one wanted. Clean blocks cost one multiplication per element.

constexpr int64_t kProdBlock = 16 * kLanes;  // elements per block, 16 per lane
constexpr int64_t kProdTileRows = 32;        // rows per tile of an outer reduction
constexpr int64_t kProdTileCols = 1024;      // columns per tile (the driver's kColumns)

inline bool prod_zero(double v) { return !(__builtin_fabs(v) > 0.0); }           // or NaN
inline bool prod_inf(double v) { return !(__builtin_fabs(v) <= __DBL_MAX__); }    // or NaN
inline uint32_t prod_special(double v) {
    return (prod_zero(v) ? kProdZero : 0u) | (prod_inf(v) ? kProdInf : 0u);
}
inline double prod_factor(double v) {
    return prod_zero(v) | prod_inf(v) ? __builtin_copysign(1.0, v) : v;
}

// Whether any element of a comparison's mask is set: one test of the whole
// register (GCC reduces a vector element by element, ~20 instructions).
template <class M>
inline bool any_set(M m) {
#if defined(__AVX512F__)
    static_assert(sizeof m == 64);
    __m512i v;
    __builtin_memcpy(&v, &m, sizeof v);
    return _mm512_test_epi64_mask(v, v) != 0;
#elif defined(__AVX__)
    static_assert(sizeof m == 32);
    __m256i v;
    __builtin_memcpy(&v, &m, sizeof v);
    return !_mm256_testz_si256(v, v);
#elif defined(__SSE4_1__)
    static_assert(sizeof m == 16);
    __m128i v;
    __builtin_memcpy(&v, &m, sizeof v);
    return !_mm_testz_si128(v, v);
#else
    bool any = false;
    for (unsigned w = 0; w < sizeof m / sizeof m[0]; ++w) any |= m[w] != 0;
    return any;
#endif
}

// Whether x[0, m) holds a zero, an infinity or a NaN.
template <class T>
bool any_special(const T* x, int64_t m) {
    constexpr int W = kWidth<T>;
    const Vec<T> zero = {};
    Mask<T> hit = {};
    int64_t k = 0;
    for (; k + W <= m; k += W) {
        Vec<T> v = load(x + k);
        hit |= (v == zero) | (v - v != zero);  // inf - inf and NaN - NaN are NaN
    }
    bool any = any_set(hit);
    for (; k < m; ++k) any |= x[k] == T(0) || x[k] - x[k] != T(0);
    return any;
}

// any_special(b, kLanes), whole vectors only (kLanes is a multiple of any width).
inline bool any_special_lanes(const double* b) {
    constexpr int W = kWidth<double>;
    const Vec<double> zero = {};
    Mask<double> hit = {};
    for (int k = 0; k < kLanes; k += W) {
        Vec<double> v = load(b + k);
        hit |= (v == zero) | (v - v != zero);
    }
    return any_set(hit);
}

// prod_mul of whole vectors: the product's sign is the XOR of the operands'
// for every IEEE product, NaN included once it is set so.
inline Vec<double> prod_mul(Vec<double> a, Vec<double> b) {
    using I = Vec<int64_t>;
    const I sign = I{} + int64_t(uint64_t(1) << 63);
    return (Vec<double>)(((I)(a * b) & ~sign) | (((I)a ^ (I)b) & sign));
}

// a[0, m) = prod_mul(a, b) elementwise.
inline void prod_mul_into(double* a, const double* b, int64_t m) {
    constexpr int W = kWidth<double>;
    int64_t k = 0;
    for (; k + W <= m; k += W) {
        Vec<double> v = prod_mul(load(a + k), load(b + k));
        __builtin_memcpy(a + k, &v, sizeof v);
    }
    for (; k < m; ++k) a[k] = mf::prod_mul(a[k], b[k]);
}

// Doubles from x[0, kWidth<double>), whatever T.
template <class T>
inline Vec<double> load_double(const T* x) {
    if constexpr (std::is_same_v<T, double>) {
        return load(x);
    } else {
        typedef T Half __attribute__((vector_size(kWidth<double> * sizeof(T))));
        Half h;
        __builtin_memcpy(&h, x, sizeof h);
        return __builtin_convertvector(h, Vec<double>);
    }
}

// Multiplies x[lo, hi) into lanes b, element k into lane (k - lo) % kLanes;
// `Careful` takes zeros, infinities and NaN as +-1 and returns which there were.
template <bool Careful, class T>
uint32_t prod_block(const T* x, int64_t lo, int64_t hi, double* b) {
    uint32_t special = 0;
    int64_t k = lo;
    if constexpr (Careful) {  // vectors by hand: GCC leaves these selects scalar
        constexpr int W = kWidth<double>, U = kLanes / W;
        using I = Vec<int64_t>;
        const I sign = I{} + int64_t(uint64_t(1) << 63), one = I{} + int64_t(0x3FF0000000000000);
        const Vec<double> zero = {}, big = Vec<double>{} + __DBL_MAX__;
        Vec<double> lane[U];
        Mask<double> zeros = {}, infs = {};
        for (int u = 0; u < U; ++u) lane[u] = load(b + u * W);
        for (; k + kLanes <= hi; k += kLanes) {
            for (int u = 0; u < U; ++u) {
                const Vec<double> v = load_double(x + k + u * W);
                const Vec<double> a = (Vec<double>)((I)v & ~sign);
                const Mask<double> z = ~(a > zero), f = ~(a <= big);  // NaN: both
                lane[u] *= (z | f) ? (Vec<double>)(((I)v & sign) | one) : v;
                zeros |= z;
                infs |= f;
            }
        }
        for (int u = 0; u < U; ++u) __builtin_memcpy(b + u * W, &lane[u], sizeof lane[u]);
        special = (any_set(zeros) ? kProdZero : 0u) | (any_set(infs) ? kProdInf : 0u);
        for (int j = 0; k < hi; ++k, ++j) {
            b[j] *= prod_factor(double(x[k]));
            special |= prod_special(double(x[k]));
        }
    } else {
        for (; k + kLanes <= hi; k += kLanes)
            for (int j = 0; j < kLanes; ++j) b[j] *= double(x[k + j]);
        for (int j = 0; k < hi; ++k, ++j) b[j] *= double(x[k]);
    }
    return special;
}

template <class T>
void prod_row(const void* x_, int64_t n, int, void* state) {
    auto x = static_cast<const T*>(x_);
    auto& st = *static_cast<ProdState*>(state);
    st = ProdState{};
    if constexpr (is_float_v<T>) {
        if (n < kLanes) {  // short rows (axis=-1 of a narrow matrix): one lane
            double p = 1.0;
            for (int64_t i = 0; i < n; ++i) p *= double(x[i]);
            if (p != 0 && p - p == 0) {  // finite and nonzero: no zero, infinity or NaN
                st.f = p;
                return;
            }
            p = 1.0;
            for (int64_t i = 0; i < n; ++i) p *= prod_factor(double(x[i]));
            for (int64_t i = 0; i < n; ++i) st.special |= prod_special(double(x[i]));
            st.f = prod_value(p, st.special);
            return;
        }
        alignas(64) double run[kLanes], b[kLanes];
        uint32_t special = 0;
        for (int64_t lo = 0; lo < n; lo += kProdBlock) {
            const int64_t hi = lo + kProdBlock < n ? lo + kProdBlock : n;
            double* lanes = lo == 0 ? run : b;  // block 0 starts the lanes
            for (int j = 0; j < kLanes; ++j) lanes[j] = 1.0;
            if (hi - lo == kProdBlock) prod_block<false>(x, lo, lo + kProdBlock, lanes);
            else prod_block<false>(x, lo, hi, lanes);
            if (any_special_lanes(lanes) && any_special(x + lo, hi - lo)) {
                for (int j = 0; j < kLanes; ++j) lanes[j] = 1.0;
                special |= prod_block<true>(x, lo, hi, lanes);
            }
            if (lo > 0) prod_mul_into(run, b, kLanes);  // inf * 0 keeps the product's sign
        }
        double p = run[0];
        for (int j = 1; j < kLanes; ++j) p *= run[j];
        if (p != p) {  // a NaN, or inf * 0 of two lanes: the sign, as prod_mul keeps it
            p = run[0];
            for (int j = 1; j < kLanes; ++j) p = mf::prod_mul(p, run[j]);
        }
        st.special = special;
        st.f = prod_value(p, special);
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
// Everything is computed on x - shift, shift the row's first finite element: block means of 1e8 + noise rounded to doubles would lose the digits
// Chan's between-block term needs (1e-10 relative error in var, measured);
// shifted, they are small and keep them. The state keeps the shift, so that
// merges across threads keep them too.
constexpr int64_t kMomentBlock = 1024;  // 8 KB of doubles: still in L1 for the second pass

template <bool Skip, class T>
MomentState moments_of(const T* x, int64_t n) {
    MomentState st;
    // The first finite element (nanvar's data may start with NaNs; read-only, and
    // only as far as the first finite element).
    double shift = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const double v = double(x[i]);
        if (v - v == 0.0) {  // finite: inf - inf and NaN - NaN are NaN
            shift = v;
            break;
        }
    }
    for (int64_t start = 0; start < n; start += kMomentBlock) {
        const int64_t stop = start + kMomentBlock < n ? start + kMomentBlock : n;
        double sum, count;
        auto load = [x, shift](int64_t i) { return double(x[i]) - shift; };
        pairwise<Skip>(load, start, stop, sum, count);
        if (count == 0) continue;
        double mean = sum / count;
        double q[kLanes] = {};
        int64_t i = start;
        // Skipping NaN means NaN inputs; inf - inf is a NaN deviation that counts.
        for (; i + kLanes <= stop; i += kLanes) {
            for (int j = 0; j < kLanes; ++j) {
                double v = double(x[i + j]) - shift, d = v - mean;
                q[j] += !Skip || v == v ? d * d : 0.0;
            }
        }
        for (; i < stop; ++i) {
            double v = double(x[i]) - shift, d = v - mean;
            q[0] += !Skip || v == v ? d * d : 0.0;
        }
        for (int j = 1; j < kLanes; ++j) q[0] += q[j];
        st = merge(st, MomentState{count, mean, q[0], shift});
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

// Tiles of rows and columns, as prod_row's blocks: each column's plain
// product over the tile's rows; where one is zero, infinite or NaN, the tile's
// elements are looked at, and the columns whose product is, multiplied again
// element by element. f: the product (as prod_row's lanes), i: the
// kProdZero | kProdInf bits seen, per column.
template <class T>
void prod_slab(const char* x, int64_t rs, int64_t nr, int64_t ks, int64_t nk, int, int64_t,
               void* slab_) {
    auto slab = *static_cast<ProdSlab*>(slab_);
    if constexpr (is_float_v<T>) {
        alignas(64) double t[kProdTileCols];
        for (int64_t r0 = 0; r0 < nr; r0 += kProdTileRows) {  // rows outer: memory in order
            const int64_t rows = r0 + kProdTileRows < nr ? kProdTileRows : nr - r0;
            for (int64_t k0 = 0; k0 < nk; k0 += kProdTileCols) {
                const int64_t m = k0 + kProdTileCols < nk ? kProdTileCols : nk - k0;
                double* f = slab.f + k0;
                uint64_t* seen = slab.i + k0;
                const char* tile = x + r0 * rs + k0 * ks;
                for_each_row<T>(tile, rs, 1, ks, m, [&](int64_t, int64_t k, T v) { t[k] = double(v); });
                for_each_row<T>(tile + rs, rs, rows - 1, ks, m,
                                [&](int64_t, int64_t k, T v) { t[k] *= double(v); });
                auto at = [&](int64_t r, int64_t k) {
                    return double(*reinterpret_cast<const T*>(tile + r * rs + k * ks));
                };
                bool special = false;  // among the tile's elements
                if (any_special(t, m)) {
                    for (int64_t r = 0; r < rows && !special; ++r) {
                        if (ks == int64_t(sizeof(T))) {
                            special = any_special(reinterpret_cast<const T*>(tile + r * rs), m);
                            continue;
                        }
                        for (int64_t k = 0; k < m; ++k) special |= prod_special(at(r, k)) != 0;
                    }
                }
                if (!special) {  // the plain products, overflowed or underflowed or not
                    prod_mul_into(f, t, m);
                    continue;
                }
                for (int64_t k = 0; k < m; ++k) {
                    if (!(t[k] == 0 || t[k] - t[k] != 0)) {
                        f[k] = mf::prod_mul(f[k], t[k]);
                        continue;
                    }
                    double p = 1.0;
                    uint32_t seen_here = 0;
                    for (int64_t r = 0; r < rows; ++r) {
                        p *= prod_factor(at(r, k));
                        seen_here |= prod_special(at(r, k));
                    }
                    f[k] = mf::prod_mul(f[k], p);
                    seen[k] |= seen_here;
                }
            }
        }
    } else {
        for_each_row<T>(x, rs, nr, ks, nk,
                        [&](int64_t, int64_t k, T v) { slab.i[k] *= uint64_t(int64_t(v)); });
    }
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

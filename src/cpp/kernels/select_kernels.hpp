// where and clip (kind ternary: three broadcast operands, one result per
// element), and the counting kernels of any, all and count_nonzero (families
// logical and count). Included inside each SIMD level's namespace by
// kernels.cpp, after elementwise_kernels.hpp.
//
// Templates for every dtype, bool included (uint8_t, 0 or 1): no arithmetic,
// only selections and comparisons, so nothing wraps and no flag is raised
// that NumPy would report (the driver drops the ordered comparisons' invalid).

// A ternary functor: In0<T>, the first operand's type (where's condition is
// bool whatever T), Out<T>, and f(a, b, c).
struct Where {
    template <class T> using In0 = uint8_t;
    template <class T> using Out = T;
    template <class T> static T f(uint8_t c, T x, T y) { return c ? x : y; }
};

// NumPy's clip: minimum(maximum(a, lo), hi), where a NaN on either side of
// each step propagates (a NaN bound gives NaN), lo > hi gives hi, and a tie
// keeps the first operand, as NumPy's loops do: clip(-2, -0.0, 0.0) is -0.0,
// clip(0.5, 0.0, -0.0) is -0.0, clip(-0.0, 0.0, 1) is -0.0.
struct Clip {
    template <class T> using In0 = T;
    template <class T> using Out = T;
    template <class T> static T f(T a, T lo, T hi) {
        const T m = (lo > a) | (lo != lo) ? lo : a;
        return (hi < m) | (hi != hi) ? hi : m;
    }
    // f for bounds that are not NaN (scalar bounds, checked once per run): the
    // max/min pattern the compiler vectorises to maxpd/minpd (a NaN `a` stays).
    template <class T> static T fast(T a, T lo, T hi) {
        const T m = lo > a ? lo : a;
        return hi < m ? hi : m;
    }
};

template <class Op, class = void> struct HasFast : std::false_type {};
template <class Op>
struct HasFast<Op, std::void_t<decltype(&Op::template fast<double>)>> : std::true_type {};

// out and a contiguous; b and c each contiguous (B, C) or one value repeated:
// a loop the compiler vectorises (clip's scalar bounds, where's scalar x or y).
template <class Op, bool B, bool C, class O, class A, class T>
void ternary_dense(O* __restrict out, const A* __restrict a, const T* __restrict b,
                   const T* __restrict c, int64_t n) {
    const T b0 = *b, c0 = *c;
    if constexpr (!B && !C && HasFast<Op>::value) {
        if (b0 == b0 && c0 == c0) {
            for (int64_t i = 0; i < n; ++i) out[i] = Op::fast(a[i], b0, c0);
            return;
        }
    }
    for (int64_t i = 0; i < n; ++i) out[i] = Op::f(a[i], B ? b[i] : b0, C ? c[i] : c0);
}

// One innermost run of a ternary op: p = {out, a, b, c}, byte strides s.
// Contiguous runs, with b and c contiguous or broadcast, get the loops above;
// the rest reads through the strides (arrays are aligned: the bindings see to it).
template <class Op, class T>
void ternary_loop(char* const* p, const int64_t* s, int64_t n) {
    using A = typename Op::template In0<T>;
    using O = typename Op::template Out<T>;
    auto* out = reinterpret_cast<O*>(p[0]);
    const auto* a = reinterpret_cast<const A*>(p[1]);
    const auto* b = reinterpret_cast<const T*>(p[2]);
    const auto* c = reinterpret_cast<const T*>(p[3]);
    constexpr int64_t t = sizeof(T);
    if (s[0] == int64_t(sizeof(O)) && s[1] == int64_t(sizeof(A)) && (s[2] == t || s[2] == 0) &&
        (s[3] == t || s[3] == 0)) {
        if (s[2] && s[3]) return ternary_dense<Op, true, true>(out, a, b, c, n);
        if (s[2]) return ternary_dense<Op, true, false>(out, a, b, c, n);
        if (s[3]) return ternary_dense<Op, false, true>(out, a, b, c, n);
        return ternary_dense<Op, false, false>(out, a, b, c, n);
    }
    for (int64_t i = 0; i < n; ++i) {
        const A av = *reinterpret_cast<const A*>(p[1] + i * s[1]);
        const T bv = *reinterpret_cast<const T*>(p[2] + i * s[2]);
        const T cv = *reinterpret_cast<const T*>(p[3] + i * s[3]);
        *reinterpret_cast<O*>(p[0] + i * s[0]) = Op::f(av, bv, cv);
    }
}

// ---- any, all, count_nonzero ----------------------------------------------------------
//
// One kernel for both families: SumState's i counts the nonzero elements (NaN
// is nonzero, -0 is not: a quiet comparison, no flag), its count the elements;
// the driver finishes any as i > 0, all as i == count, count_nonzero as i.

template <class T>
void count_row(const void* x_, int64_t n, int, void* state) {
    auto x = static_cast<const T*>(x_);
    uint64_t nonzero = 0;
    for (int64_t i = 0; i < n; ++i) nonzero += x[i] != T(0);
    *static_cast<SumState*>(state) = SumState{0.0, nonzero, double(n)};
}

template <class T>
void count_slab(const char* x, int64_t rstride, int64_t nrows, int64_t kstride, int64_t nk,
                int, int64_t, void* slab_) {
    auto& slab = *static_cast<SumSlab*>(slab_);
    for (int64_t r = 0; r < nrows; ++r) {
        const char* row = x + r * rstride;
        if (kstride == int64_t(sizeof(T))) {
            auto v = reinterpret_cast<const T*>(row);
            for (int64_t k = 0; k < nk; ++k) slab.i[k] += v[k] != T(0);
        } else {
            for (int64_t k = 0; k < nk; ++k)
                slab.i[k] += *reinterpret_cast<const T*>(row + k * kstride) != T(0);
        }
    }
}

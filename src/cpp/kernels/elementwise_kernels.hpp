// Elementwise ops as functors, and the loops that apply them. Included inside
// each SIMD level's namespace by kernels.cpp (see vmath.hpp for why no std::).
//
// A functor has Out<T> (the result type for input type T) and f(a[, b]).
// Ops with a limited fast range (exp, log, sin, cos) also have fast(a) and
// slow(a): the loop checks a block for values outside the range first and
// only then pays for libm on them, so the common case stays one vector loop.
// f(a) is only called on the fast range (vmath.hpp).
//
// Integer arithmetic goes through unsigned types: it wraps as NumPy's does
// instead of being undefined behaviour. bool stays bool (C++'s arithmetic on
// it converts back as NumPy's bool loops do: + is or, * is and).

template <class T>
struct UnsignedOf { using type = std::make_unsigned_t<T>; };
template <>
struct UnsignedOf<bool> { using type = bool; };
template <class T>
using Unsigned = typename UnsignedOf<T>::type;

// Products wrap in unsigned arithmetic at least as wide as unsigned int:
// uint16_t * uint16_t promotes to int, where 65535 * 65535 overflows.
template <class T>
using MulOf = decltype(Unsigned<T>{} * 1u);

// divide of an integer gives float64, as in NumPy: the op table's FLOAT rule.
template <class T>
using FloatOf = ResultOf<Result::Float, T>;
// sqrt, exp, ... of an integer give the smallest float holding it (int16:
// float32, int32: float64): the INEXACT rule, NumPy's loop resolution.
template <class T>
using InexactOf = ResultOf<Result::Inexact, T>;

// Elements per block of the loops with a slow path (fits in L1 twice over).
constexpr int64_t kBlock = 256;

struct Add {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) {
        if constexpr (is_float_v<T>) return a + b;
        else return T(Unsigned<T>(a) + Unsigned<T>(b));
    }
};

struct Subtract {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) {
        if constexpr (is_float_v<T>) return a - b;
        else return T(Unsigned<T>(a) - Unsigned<T>(b));
    }
};

struct Multiply {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) {
        if constexpr (is_float_v<T>) return a * b;
        else return T(MulOf<T>(a) * MulOf<T>(b));
    }
};

struct Divide {
    template <class T> using Out = FloatOf<T>;
    template <class T> static Out<T> f(T a, T b) { return Out<T>(a) / Out<T>(b); }
};

// NaN propagates from either side, as in np.maximum / np.minimum.
struct Maximum {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) { return (a > b) | (a != a) ? a : b; }
};

struct Minimum {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) { return (a < b) | (a != a) ? a : b; }
};

// power and square of bool compute in int8, as NumPy's (it has no bool loop).
struct Power {
    template <class T> using Out = ResultOf<Result::Numeric, T>;
    template <class T> static Out<T> f(T a, T b) {
        using O = Out<T>;
        if constexpr (std::is_same_v<T, float>) {
            return __builtin_powf(a, b);
        } else if constexpr (std::is_same_v<T, double>) {
            return __builtin_pow(a, b);
        } else {  // by squaring, modulo 2^bits; the driver refuses negative exponents first
            MulOf<O> result = 1, base = MulOf<O>(Unsigned<O>(O(a)));
            Unsigned<O> e = Unsigned<O>(O(b));
            while (e) {
                if (e & 1) result *= base;
                base *= base;
                e >>= 1;
            }
            return O(result);
        }
    }
};

struct Square {
    template <class T> using Out = ResultOf<Result::Numeric, T>;
    template <class T> static Out<T> f(T a) {
        using O = Out<T>;
        if constexpr (is_float_v<T>) return a * a;
        else return O(MulOf<O>(O(a)) * MulOf<O>(O(a)));
    }
};

struct Positive {
    template <class T> using Out = T;
    template <class T> static T f(T a) { return a; }
};

// Floats ordered as integers, and NaN told by its bits: sign, fmin and fmax
// compare nothing as floating point, so they raise no flag (NumPy raises none;
// GCC under -fno-trapping-math may make any float comparison a signalling one).
template <class T>
using BitsOf = std::conditional_t<sizeof(T) == 8, int64_t, int32_t>;
template <class T>
inline bool is_nan_bits(T a) {
    using I = BitsOf<T>;
    constexpr I kInf = sizeof(T) == 8 ? I(0x7ff0000000000000LL) : I(0x7f800000);
    return (__builtin_bit_cast(I, a) & std::numeric_limits<I>::max()) > kInf;
}
// A signed integer with the order of the floats (-0 just below +0).
template <class T>
inline BitsOf<T> order_key(T a) {
    const auto b = __builtin_bit_cast(BitsOf<T>, a);
    return b < 0 ? b ^ std::numeric_limits<BitsOf<T>>::max() : b;
}

// -1, 0 or 1 of a's type; NaN stays NaN, and both zeros give +0 (NumPy's).
struct Sign {
    template <class T> using Out = T;
    template <class T> static T f(T a) {
        if constexpr (is_float_v<T>) {
            const auto key = order_key(a);
            const T one = key > 0 ? T(1) : T(-1);
            return is_nan_bits(a) ? a : (key == 0) | (key == -1) ? T(0) : one;
        } else if constexpr (std::is_unsigned_v<T>) {
            return T(a != 0);
        } else {
            return T((a > 0) - (a < 0));
        }
    }
};

// NaN-ignoring: a NaN loses to a number; two NaN give NaN. On a tie of -0 and
// +0 NumPy's result depends on its loop (EXACT_ANY_ZERO): here +0 for fmax.
struct Fmax {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) {
        if constexpr (is_float_v<T>) {
            if (is_nan_bits(b)) return a;
            if (is_nan_bits(a)) return b;
            return order_key(a) >= order_key(b) ? a : b;
        } else {
            return a > b ? a : b;
        }
    }
};

struct Fmin {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) {
        if constexpr (is_float_v<T>) {
            if (is_nan_bits(b)) return a;
            if (is_nan_bits(a)) return b;
            return order_key(a) <= order_key(b) ? a : b;
        } else {
            return a < b ? a : b;
        }
    }
};

// Rounding to an integer: integers are their own floor, ceil and trunc (NumPy
// 2 keeps their dtype); rint gives float64 for them (the FLOAT rule).
#define MF_ROUNDING_FUNCTOR(Name, fn)                                                \
    struct Name {                                                                    \
        template <class T> using Out = T;                                            \
        template <class T> static T f(T a) {                                         \
            if constexpr (std::is_same_v<T, float>) return __builtin_##fn##f(a);      \
            else if constexpr (std::is_same_v<T, double>) return __builtin_##fn(a);   \
            else return a;                                                           \
        }                                                                            \
    };
MF_ROUNDING_FUNCTOR(Floor, floor)
MF_ROUNDING_FUNCTOR(Ceil, ceil)
MF_ROUNDING_FUNCTOR(Trunc, trunc)
#undef MF_ROUNDING_FUNCTOR

struct Rint {
    template <class T> using Out = InexactOf<T>;
    template <class T> static Out<T> f(T a) {
        if constexpr (std::is_same_v<Out<T>, float>) return __builtin_rintf(float(a));
        else return __builtin_rint(double(a));  // integers: exact below 2^53, rounded past it
    }
};

struct Negative {
    template <class T> using Out = T;
    template <class T> static T f(T a) {
        if constexpr (is_float_v<T>) return -a;
        else return T(Unsigned<T>(0) - Unsigned<T>(a));
    }
};

struct Abs {
    template <class T> using Out = T;
    template <class T> static T f(T a) {
        if constexpr (is_float_v<T>) return __builtin_copysign(a, T(1));  // clears the sign, NaN too
        else if constexpr (std::is_unsigned_v<T>) return a;  // bool too
        else return a < 0 ? T(Unsigned<T>(0) - Unsigned<T>(a)) : a;  // abs(INT_MIN) == INT_MIN
    }
};

// Integers convert to their INEXACT float first, as NumPy's loop resolution
// does (int16: float32, then sqrtf), so the results are its own.
struct Sqrt {
    template <class T> using Out = InexactOf<T>;
    template <class T> static Out<T> f(T a) {
        if constexpr (std::is_same_v<Out<T>, float>) return __builtin_sqrtf(float(a));
        else return __builtin_sqrt(double(a));
    }
};

// exp, log, sin, cos: computed in double (float32 rounds the double result,
// which is then almost always the correctly rounded float).
#define MF_VMATH_FUNCTOR(Name, fn, fast_fn)                                          \
    struct Name {                                                                    \
        template <class T> using Out = InexactOf<T>;                                 \
        template <class T> static Out<T> f(T a) { return Out<T>(vmath::fn(double(a))); } \
        template <class T> static bool fast(T a) { return vmath::fast_fn(double(a)); }  \
        template <class T> static Out<T> slow(T a) { return Out<T>(__builtin_##fn(double(a))); } \
    };
MF_VMATH_FUNCTOR(Exp, exp, fast_exp)
MF_VMATH_FUNCTOR(Log, log, fast_log)
MF_VMATH_FUNCTOR(Sin, sin, fast_trig)
MF_VMATH_FUNCTOR(Cos, cos, fast_trig)
#undef MF_VMATH_FUNCTOR

// The other transcendentals: vmath's branch-free versions on their fast
// range, in float lanes for float32 (vmath's float overloads) and in double
// for the other types; integers compute in their INEXACT float (int16: float32,
// as NumPy's loop). Off it (NaN, infinities, subnormals, overflow, outside the
// domain) libm computes them as NumPy's libm loops do: float32 calls the f
// variant, and libm raises C99's flags, the ones NumPy reports (tan(inf)
// invalid, arctanh(1) divide by zero, sinh(1000) overflow, ...).
#define MF_VMATH_LIBM_FUNCTOR(Name, fn, fast_fn, libm)                               \
    struct Name {                                                                    \
        template <class T> using Out = InexactOf<T>;                                   \
        template <class T> [[gnu::always_inline, gnu::flatten]] static Out<T> f(T a) { \
            return vmath::fn(Out<T>(a));                                             \
        }                                                                            \
        template <class T> static bool fast(T a) { return vmath::fast_fn(Out<T>(a)); } \
        template <class T> static Out<T> slow(T a) {                                 \
            if constexpr (std::is_same_v<Out<T>, float>) return __builtin_##libm##f(float(a)); \
            else return __builtin_##libm(double(a));                                 \
        }                                                                            \
    };
MF_VMATH_LIBM_FUNCTOR(Tan, tan, fast_tan, tan)
MF_VMATH_LIBM_FUNCTOR(Tanh, tanh, fast_tanh, tanh)
MF_VMATH_LIBM_FUNCTOR(Sinh, sinh, fast_sinh, sinh)
MF_VMATH_LIBM_FUNCTOR(Cosh, cosh, fast_cosh, cosh)
MF_VMATH_LIBM_FUNCTOR(Arcsin, asin, fast_asin, asin)
MF_VMATH_LIBM_FUNCTOR(Arccos, acos, fast_acos, acos)
MF_VMATH_LIBM_FUNCTOR(Arctan, atan, fast_atan, atan)
MF_VMATH_LIBM_FUNCTOR(Expm1, expm1, fast_expm1, expm1)
MF_VMATH_LIBM_FUNCTOR(Log1p, log1p, fast_log1p, log1p)
MF_VMATH_LIBM_FUNCTOR(Log2, log2, fast_log, log2)
MF_VMATH_LIBM_FUNCTOR(Log10, log10, fast_log, log10)
MF_VMATH_LIBM_FUNCTOR(Exp2, exp2, fast_exp2, exp2)
MF_VMATH_LIBM_FUNCTOR(Cbrt, cbrt, fast_cbrt, cbrt)
#undef MF_VMATH_LIBM_FUNCTOR

// Not yet SIMD: one scalar libm call per element (float32: the f variant).
#define MF_LIBM_FUNCTOR(Name, fn)                                                    \
    struct Name {                                                                    \
        template <class T> using Out = InexactOf<T>;                                 \
        template <class T> static Out<T> f(T a) {                                    \
            if constexpr (std::is_same_v<Out<T>, float>) return __builtin_##fn##f(float(a)); \
            else return __builtin_##fn(double(a));                                   \
        }                                                                            \
    };
MF_LIBM_FUNCTOR(Arcsinh, asinh)
MF_LIBM_FUNCTOR(Arccosh, acosh)
MF_LIBM_FUNCTOR(Arctanh, atanh)
#undef MF_LIBM_FUNCTOR

// f is inlined into the loop with all it calls (always_inline, flatten): left
// to itself, GCC keeps arctan2 out of line in kernels.cpp, one call per element
// and no SIMD, and might do so with any function as the file grows.
//
// arctan2: vmath's, every pair branch-free (NumPy's flags included: binary
// loops have no slow path); float32 in float lanes.
struct Arctan2 {
    template <class T> using Out = InexactOf<T>;
    template <class T> [[gnu::always_inline, gnu::flatten]] static Out<T> f(T a, T b) {
        return vmath::atan2(Out<T>(a), Out<T>(b));
    }
};

// hypot: the same, vmath's.
struct Hypot {
    template <class T> using Out = InexactOf<T>;
    template <class T> [[gnu::always_inline, gnu::flatten]] static Out<T> f(T a, T b) {
        return vmath::hypot(Out<T>(a), Out<T>(b));
    }
};

#define MF_LIBM_BINARY_FUNCTOR(Name, fn)                                             \
    struct Name {                                                                    \
        template <class T> using Out = InexactOf<T>;                                 \
        template <class T> static Out<T> f(T a, T b) {                               \
            if constexpr (std::is_same_v<Out<T>, float>)                             \
                return __builtin_##fn##f(float(a), float(b));                        \
            else return __builtin_##fn(double(a), double(b));                        \
        }                                                                            \
    };
MF_LIBM_BINARY_FUNCTOR(Copysign, copysign)
#undef MF_LIBM_BINARY_FUNCTOR

// NumPy's invalid for a NaN its loop compared (npy_set_floatstatus_invalid).
// Not fp_status.hpp's fp_raise: an inline function outside this level's
// namespace may be linked to another level's copy (AVX-512 code on the
// baseline path).
inline void raise_invalid() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(_mm_getcsr() | 0x1u);  // MXCSR's IE
#else
    feraiseexcept(FE_INVALID);
#endif
}

// log(e^a + e^b) and log2(2^a + 2^b) by NumPy's formula (npy_logaddexp), and
// with its flags: underflow of the exponential, overflow of a - b, and
// invalid for a NaN, which NumPy's ordered comparison of the difference raises.
template <bool Base2>
struct LogAddExpOf {
    template <class T> using Out = InexactOf<T>;
    template <class T> static Out<T> f(T a_, T b_) {
        using F = Out<T>;
        const F a = F(a_), b = F(b_);  // integers in double: a - b must not wrap
        if (a == b) return a + (Base2 ? F(1) : F(0.693147180559945309417232121458176568));
        const F d = a - b;
        if (d != d) {
            raise_invalid();
            return d;
        }
        const F top = d > 0 ? a : b;
        const F e = d > 0 ? -d : d;  // <= 0: the exponential cannot overflow
        if constexpr (std::is_same_v<F, float>) {
            if constexpr (Base2) return top + 1.442695040888963407359924681001892137f * __builtin_log1pf(__builtin_exp2f(e));
            else return top + __builtin_log1pf(__builtin_expf(e));
        } else {
            if constexpr (Base2) return top + 1.442695040888963407359924681001892137 * __builtin_log1p(__builtin_exp2(e));
            else return top + __builtin_log1p(__builtin_exp(e));
        }
    }
};
struct Logaddexp : LogAddExpOf<false> {};
struct Logaddexp2 : LogAddExpOf<true> {};

template <class Op, class = void>
struct HasSlowPath : std::false_type {};
template <class Op>
struct HasSlowPath<Op, std::void_t<decltype(&Op::template slow<double>)>> : std::true_type {};

// The loops. `#pragma GCC ivdep`: out may be the very same buffer as an
// input (out=x), which is safe because element i is stored after it is read;
// without the pragma GCC would check for overlap and fall back to scalar code.

template <class Op, class T>
void binary_vv(const void* a_, const void* b_, void* out_, int64_t n) {
    auto a = static_cast<const T*>(a_);
    auto b = static_cast<const T*>(b_);
    auto out = static_cast<typename Op::template Out<T>*>(out_);
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) out[i] = Op::template f<T>(a[i], b[i]);
}

template <class Op, class T>
void binary_vs(const void* a_, const void* b_, void* out_, int64_t n) {
    auto a = static_cast<const T*>(a_);
    const T b = *static_cast<const T*>(b_);
    auto out = static_cast<typename Op::template Out<T>*>(out_);
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) out[i] = Op::template f<T>(a[i], b);
}

template <class Op, class T>
void binary_sv(const void* a_, const void* b_, void* out_, int64_t n) {
    const T a = *static_cast<const T*>(a_);
    auto b = static_cast<const T*>(b_);
    auto out = static_cast<typename Op::template Out<T>*>(out_);
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) out[i] = Op::template f<T>(a, b[i]);
}

// fast ? x : 1, as a blend of bits for floats: GCC may compute f on x
// anyway and select afterwards from a ?:, raising the flags 1 stands in to
// avoid (tan(1e30) overflow).
template <class T> [[gnu::always_inline]] inline T stand_in(bool fast, T x) {
    if constexpr (is_float_v<T>) return vmath::blend(fast, x, T(1));
    else return fast ? x : T(1);
}

template <class Op, class T>
void unary_v(const void* a_, void* out_, int64_t n) {
    auto a = static_cast<const T*>(a_);
    auto out = static_cast<typename Op::template Out<T>*>(out_);
    if constexpr (!HasSlowPath<Op>::value) {
#pragma GCC ivdep
        for (int64_t i = 0; i < n; ++i) out[i] = Op::template f<T>(a[i]);
    } else {
        for (int64_t start = 0; start < n; start += kBlock) {
            const int64_t stop = start + kBlock < n ? start + kBlock : n;
            int64_t slow = 0;
            for (int64_t i = start; i < stop; ++i) slow += !Op::template fast<T>(a[i]);
            if (slow) {  // overflow, NaN, huge arguments, log(0) of integers
                // The vector loop on the block with 1 (in every fast range, so
                // f raises no flag) standing in for the others, then libm on
                // those alone (C99's flags); saved first, as out may be a.
                int32_t where[kBlock];
                T saved[kBlock];
                int64_t m = 0;
                for (int64_t i = start; i < stop; ++i) {
                    if (!Op::template fast<T>(a[i])) {
                        where[m] = int32_t(i - start);
                        saved[m++] = a[i];
                    }
                }
#pragma GCC ivdep
                for (int64_t i = start; i < stop; ++i) {
                    const T x = a[i];
                    out[i] = Op::template f<T>(stand_in(Op::template fast<T>(x), x));
                }
                for (int64_t j = 0; j < m; ++j)
                    out[start + where[j]] = Op::template slow<T>(saved[j]);
                continue;
            }
#pragma GCC ivdep
            for (int64_t i = start; i < stop; ++i) out[i] = Op::template f<T>(a[i]);
        }
    }
}

// Streams x[0, n) (L1-resident, 64-byte aligned) to dst (aligned to the
// vector width) with non-temporal stores.
template <class O>
inline void stream_out(O* dst, const O* x, int64_t n) {
#if defined(__AVX512F__)
    for (int64_t i = 0; i < n * int64_t(sizeof(O)); i += 64)
        _mm512_stream_si512(reinterpret_cast<__m512i*>(reinterpret_cast<char*>(dst) + i),
                            _mm512_load_si512(reinterpret_cast<const char*>(x) + i));
#elif defined(__AVX__)
    for (int64_t i = 0; i < n * int64_t(sizeof(O)); i += 32)
        _mm256_stream_si256(reinterpret_cast<__m256i*>(reinterpret_cast<char*>(dst) + i),
                            _mm256_load_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const char*>(x) + i)));
#elif defined(__SSE2__)
    for (int64_t i = 0; i < n * int64_t(sizeof(O)); i += 16)
        _mm_stream_si128(reinterpret_cast<__m128i*>(reinterpret_cast<char*>(dst) + i),
                         _mm_load_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const char*>(x) + i)));
#else
    __builtin_memcpy(dst, x, n * sizeof(O));
#endif
}

// out[0, n) = what compute(start, count, dst) writes, through an L1 buffer
// and non-temporal stores: for outputs larger than the last-level cache,
// whose lines would otherwise be read before being overwritten. Inlined with
// the op's own loop, so a block costs no call (this matches a hand-written
// streaming loop; going through function pointers per block cost ~25%).
template <class O, class Compute>
inline void streamed(O* out, int64_t n, const Compute& compute) {
    constexpr int64_t kBuffer = 2048 / int64_t(sizeof(O));
    alignas(64) O buffer[kBuffer];
    const auto address = reinterpret_cast<uintptr_t>(out);
    int64_t head = n;  // an output not even aligned to its elements streams nothing
    if (address % sizeof(O) == 0) head = int64_t((kVecBytes - address % kVecBytes) % kVecBytes / sizeof(O));
    head = head < n ? head : n;
    compute(0, head, out);
    int64_t i = head;
    for (; i + kBuffer <= n; i += kBuffer) {
        compute(i, kBuffer, buffer);
        stream_out(out + i, buffer, kBuffer);
    }
    compute(i, n - i, out + i);
}

template <class Op, class T>
void binary_vv_nt(const void* a_, const void* b_, void* out_, int64_t n) {
    auto a = static_cast<const T*>(a_);
    auto b = static_cast<const T*>(b_);
    streamed(static_cast<typename Op::template Out<T>*>(out_), n, [&](int64_t at, int64_t m, auto* dst) {
        binary_vv<Op, T>(a + at, b + at, dst, m);
    });
}

template <class Op, class T>
void binary_vs_nt(const void* a_, const void* b_, void* out_, int64_t n) {
    auto a = static_cast<const T*>(a_);
    streamed(static_cast<typename Op::template Out<T>*>(out_), n, [&](int64_t at, int64_t m, auto* dst) {
        binary_vs<Op, T>(a + at, b_, dst, m);
    });
}

template <class Op, class T>
void binary_sv_nt(const void* a_, const void* b_, void* out_, int64_t n) {
    auto b = static_cast<const T*>(b_);
    streamed(static_cast<typename Op::template Out<T>*>(out_), n, [&](int64_t at, int64_t m, auto* dst) {
        binary_sv<Op, T>(a_, b + at, dst, m);
    });
}

template <class Op, class T>
void unary_v_nt(const void* a_, void* out_, int64_t n) {
    auto a = static_cast<const T*>(a_);
    streamed(static_cast<typename Op::template Out<T>*>(out_), n, [&](int64_t at, int64_t m, auto* dst) {
        unary_v<Op, T>(a + at, dst, m);
    });
}

template <class Op, class T>
constexpr BinaryLoops binary_loops() {
    return {binary_vv<Op, T>,    binary_vs<Op, T>,    binary_sv<Op, T>,
            binary_vv_nt<Op, T>, binary_vs_nt<Op, T>, binary_sv_nt<Op, T>};
}

template <class Op, class T>
constexpr UnaryLoops unary_loops() {
    return {unary_v<Op, T>, unary_v_nt<Op, T>};
}

// Non-temporal copy for outputs larger than the last-level cache. The caller
// fences (store_fence) once it has streamed all it will: a fence per call
// would drain the write-combining buffers every few kilobytes.
void stream_copy(void* dst_, const void* src_, int64_t bytes) {
    auto dst = static_cast<char*>(dst_);
    auto src = static_cast<const char*>(src_);
#if defined(__AVX__) || defined(__SSE2__)
#if defined(__AVX512F__)
    using Vec = __m512i;
#elif defined(__AVX__)
    using Vec = __m256i;
#else
    using Vec = __m128i;
#endif
    constexpr int64_t kWidth = sizeof(Vec);
    int64_t head = (kWidth - reinterpret_cast<uintptr_t>(dst) % kWidth) % kWidth;
    head = head < bytes ? head : bytes;
    __builtin_memcpy(dst, src, head);
    int64_t i = head;
    for (; i + kWidth <= bytes; i += kWidth) {
#if defined(__AVX512F__)
        _mm512_stream_si512(reinterpret_cast<Vec*>(dst + i), _mm512_loadu_si512(src + i));
#elif defined(__AVX__)
        _mm256_stream_si256(reinterpret_cast<Vec*>(dst + i),
                            _mm256_loadu_si256(reinterpret_cast<const Vec*>(src + i)));
#else
        _mm_stream_si128(reinterpret_cast<Vec*>(dst + i),
                         _mm_loadu_si128(reinterpret_cast<const Vec*>(src + i)));
#endif
    }
    __builtin_memcpy(dst + i, src + i, bytes - i);
#else
    __builtin_memcpy(dst, src, bytes);
#endif
}

void store_fence() {
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

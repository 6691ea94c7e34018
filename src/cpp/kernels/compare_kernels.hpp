// The bool-result elementwise ops: comparisons, isfinite/isinf/isnan/signbit,
// logical_and/or/xor/not. Included inside each SIMD level's namespace by
// kernels.cpp, after elementwise_kernels.hpp (BitsOf, is_nan_bits).
//
// Out<T> is uint8_t, NumPy's bool (0 or 1), written a byte per element so
// that GCC vectorises the loop (a compare, then packs of the masks to bytes).
// Written for every dtype: int8..uint64 and bool (uint8_t, 0 or 1) too.
//
// Floating-point flags: NumPy's comparisons raise none, not even invalid for
// an ordered comparison with NaN, which x86's compare instructions signal.
// core/elementwise.cpp drops the flags of every bool-result op instead of
// giving up the one-instruction compares here; the predicates compare bits.

// Two operands of the same type (mixed int64/uint64 and out-of-range Python
// ints are resolved above the engine, mathfront._comparisons).
#define MF_COMPARISON_FUNCTOR(Name, expr)                                            \
    struct Name {                                                                    \
        template <class T> using Out = uint8_t;                                      \
        template <class T> static uint8_t f(T a, T b) { return uint8_t(expr); }      \
    };
MF_COMPARISON_FUNCTOR(Equal, a == b)
MF_COMPARISON_FUNCTOR(NotEqual, a != b)  // NaN != anything: true
MF_COMPARISON_FUNCTOR(Less, a < b)
MF_COMPARISON_FUNCTOR(LessEqual, a <= b)
MF_COMPARISON_FUNCTOR(Greater, a > b)
MF_COMPARISON_FUNCTOR(GreaterEqual, a >= b)
// Truth as NumPy's: nonzero, NaN included (NaN != 0), -0.0 false.
MF_COMPARISON_FUNCTOR(LogicalAnd, (a != T(0)) & (b != T(0)))
MF_COMPARISON_FUNCTOR(LogicalOr, (a != T(0)) | (b != T(0)))
MF_COMPARISON_FUNCTOR(LogicalXor, (a != T(0)) != (b != T(0)))
#undef MF_COMPARISON_FUNCTOR

struct LogicalNot {
    template <class T> using Out = uint8_t;
    template <class T> static uint8_t f(T a) { return uint8_t(a == T(0)); }
};

// |a|'s bits compared with inf's: no floating-point compare, so no flag.
template <class T>
inline BitsOf<T> magnitude_bits(T a) {
    return __builtin_bit_cast(BitsOf<T>, a) & std::numeric_limits<BitsOf<T>>::max();
}
template <class T>
constexpr BitsOf<T> kInfBits = sizeof(T) == 8 ? BitsOf<T>(0x7ff0000000000000LL) : BitsOf<T>(0x7f800000);

struct Isnan {
    template <class T> using Out = uint8_t;
    template <class T> static uint8_t f(T a) {
        if constexpr (is_float_v<T>) return uint8_t(is_nan_bits(a));
        else return 0;  // integers and bool: never NaN
    }
};

struct Isinf {
    template <class T> using Out = uint8_t;
    template <class T> static uint8_t f(T a) {
        if constexpr (is_float_v<T>) return uint8_t(magnitude_bits(a) == kInfBits<T>);
        else return 0;
    }
};

struct Isfinite {
    template <class T> using Out = uint8_t;
    template <class T> static uint8_t f(T a) {
        if constexpr (is_float_v<T>) return uint8_t(magnitude_bits(a) < kInfBits<T>);
        else return 1;
    }
};

// The sign bit itself: -0.0 and -NaN have it. An integer has it where it is
// negative (NumPy converts it to a float first, which keeps the sign).
struct Signbit {
    template <class T> using Out = uint8_t;
    template <class T> static uint8_t f(T a) {
        if constexpr (is_float_v<T>) return uint8_t(__builtin_bit_cast(BitsOf<T>, a) < 0);
        else if constexpr (std::is_signed_v<T>) return uint8_t(a < 0);
        else return 0;  // unsigned and bool
    }
};

// Integer-division, bitwise and bit-level ops as functors (floor_divide,
// remainder, mod, bitwise_and/or/xor, invert, left_shift, right_shift,
// reciprocal, nextafter, conj, round). Included by kernels.cpp after
// elementwise_kernels.hpp, inside each SIMD level's namespace; each functor is
// instantiated only for its row's dtypes (a mask in mf_ops.def), so the
// bitwise ones never meet a float.
//
// Every result is NumPy's loop's, edge cases included: integer division by 0
// gives 0, INT_MIN // -1 gives INT_MIN, shifts past the width give 0 (or -1
// for a negative value shifted right), integer 1 / 0 gives x86's conversion of
// inf. Where NumPy's loop sets a flag its arithmetic cannot raise
// (npy_set_floatstatus_*), the functor raises it too: the driver reports it
// as NumPy's RuntimeWarning.

// Sets floating-point status flags (MXCSR's bits: IE 0x1, ZE 0x4, OE 0x8)
// without trapping. Defined here, not fp_status.hpp's fp_raise, for the
// reason raise_invalid gives: an inline function outside this level's
// namespace may be linked to another level's copy.
#if defined(__x86_64__) || defined(__i386__)
constexpr unsigned kRaiseInvalid = 0x1u, kRaiseDivideByZero = 0x4u, kRaiseOverflow = 0x8u;
inline void raise_flags(unsigned csr_bits) { _mm_setcsr(_mm_getcsr() | csr_bits); }
#else
constexpr unsigned kRaiseInvalid = FE_INVALID, kRaiseDivideByZero = FE_DIVBYZERO,
                   kRaiseOverflow = FE_OVERFLOW;
inline void raise_flags(unsigned flags) { feraiseexcept(int(flags)); }
#endif

template <class T>
constexpr int kBits = int(sizeof(T)) * 8;

template <class T>
inline T fmod_of(T a, T b) {
    if constexpr (std::is_same_v<T, float>) return __builtin_fmodf(a, b);
    else return __builtin_fmod(a, b);
}

template <class T>
inline T copysign_of(T a, T b) {
    if constexpr (std::is_same_v<T, float>) return __builtin_copysignf(a, b);
    else return __builtin_copysign(a, b);
}

template <class T>
inline T floor_of(T a) {
    if constexpr (std::is_same_v<T, float>) return __builtin_floorf(a);
    else return __builtin_floor(a);
}

template <class T>
struct QuotientRemainder {
    T quotient, remainder;
};

// Floats, b != 0: NumPy's npy_divmod (CPython's float divmod): fmod, the
// remainder moved to the divisor's sign, the quotient snapped to an integer.
// NaN counts as nonzero, as NumPy's `if (mod)`. NumPy's comparisons are
// quiet, but GCC under -fno-trapping-math may make any of ours signalling: the
// callers take NaN operands aside first (NaN, no flag, as NumPy), so only an
// operation that has raised invalid already (fmod(inf, b)) can bring a NaN here.
template <class T>
inline QuotientRemainder<T> float_divmod(T a, T b) {
    T mod = fmod_of(a, b);
    T div = (a - mod) / b;
    if (mod != 0) {
        if (__builtin_isless(b, T(0)) != __builtin_isless(mod, T(0))) {
            mod += b;
            div -= T(1);
        }
    } else {
        mod = copysign_of(T(0), b);
    }
    T floordiv;
    if (div != 0) {
        floordiv = floor_of(div);
        if (__builtin_isgreater(div - floordiv, T(0.5))) floordiv += T(1);
    } else {
        floordiv = copysign_of(T(0), a / b);  // the true quotient's sign
    }
    return {floordiv, mod};
}

struct FloorDivideLoop {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) {
        if constexpr (is_float_v<T>) {
            if (is_nan_bits(a) | is_nan_bits(b)) return a + b;  // see float_divmod
            if (b == 0) return a / b;  // inf or NaN, and the division's own flag
            return float_divmod(a, b).quotient;
        } else {
            if (b == 0) {
                raise_flags(kRaiseDivideByZero);
                return T(0);
            }
            if constexpr (std::is_signed_v<T>) {
                if (a == std::numeric_limits<T>::min() && b == T(-1)) {
                    raise_flags(kRaiseOverflow);  // NumPy: INT_MIN, "overflow"
                    return a;
                }
                T q = T(a / b);
                if ((a > 0) != (b > 0) && T(q * b) != a) --q;  // towards -inf
                return q;
            } else {
                return T(a / b);
            }
        }
    }
};

struct RemainderLoop {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) {
        if constexpr (is_float_v<T>) {
            if (is_nan_bits(a) | is_nan_bits(b)) return a + b;  // see float_divmod
            if (b == 0) return fmod_of(a, b);  // NaN, with fmod's invalid (npy_remainder)
            return float_divmod(a, b).remainder;
        } else {
            if (b == 0) {
                raise_flags(kRaiseDivideByZero);
                return T(0);
            }
            if constexpr (std::is_signed_v<T>) {
                if (b == T(-1)) return T(0);  // INT_MIN % -1 too, silently (NumPy)
                const T r = T(a % b);
                return r != 0 && (r < 0) != (b < 0) ? T(r + b) : r;  // the divisor's sign
            } else {
                return T(a % b);
            }
        }
    }
};


// bool is 0 or 1: and, or, xor keep it so.
struct BitwiseAnd {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) { return T(a & b); }
};

struct BitwiseOr {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) { return T(a | b); }
};

struct BitwiseXor {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) { return T(a ^ b); }
};

// bool's invert is logical not; it needs bool's own C type here (uint8's ~
// would give 254 and 255).
struct Invert {
    template <class T> using Out = T;
    template <class T> static T f(T a) {
        if constexpr (std::is_same_v<T, bool>) return !a;
        else return T(~a);
    }
};

// NumPy's npy_lshift/npy_rshift: the count is cast to an unsigned type, so a
// negative one is past the width too. Shifting through unsigned types keeps
// a negative value's left shift defined.
struct LeftShiftLoop {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) {
        using U = Unsigned<T>;
        return U(b) < U(kBits<T>) ? T(U(a) << U(b)) : T(0);
    }
};

struct RightShiftLoop {
    template <class T> using Out = T;
    template <class T> static T f(T a, T b) {
        using U = Unsigned<T>;
        if (U(b) < U(kBits<T>)) return T(a >> U(b));  // arithmetic for signed a (GCC)
        if constexpr (std::is_signed_v<T>) return a < 0 ? T(-1) : T(0);
        else return T(0);
    }
};

// Integers as NumPy's loop: (T)(1.0 / a). 1 and -1 are their own reciprocals,
// any other nonzero a gives 0, and 0 gives x86's conversion of inf (INT_MIN
// for 32 and 64 bits, whose low bits are 0 for the narrower and unsigned
// types) with the divide-by-zero and invalid flags.
struct ReciprocalLoop {
    template <class T> using Out = T;
    template <class T> static T f(T a) {
        if constexpr (is_float_v<T>) {
            return T(1) / a;
        } else {
            if (a == 0) {
                raise_flags(kRaiseDivideByZero | kRaiseInvalid);
                if constexpr (std::is_signed_v<T> && sizeof(T) >= 4)
                    return std::numeric_limits<T>::min();
                else
                    return T(0);
            }
            if constexpr (std::is_signed_v<T>) return a == 1 || a == -1 ? a : T(0);
            else return a == 1 ? a : T(0);
        }
    }
};

// libm's, as NumPy's npy_nextafter (and its overflow/underflow flags).
struct Nextafter {
    template <class T> using Out = ResultOf<Result::Inexact, T>;  // int16: float32...
    template <class T> static Out<T> f(T a, T b) {
        if constexpr (std::is_same_v<Out<T>, float>) return __builtin_nextafterf(float(a), float(b));
        else return __builtin_nextafter(double(a), double(b));
    }
};


// Real inputs are their own conjugates.
struct ConjLoop {
    template <class T> using Out = T;
    template <class T> static T f(T a) { return a; }
};

// np.round with decimals=0 (other decimals: _above.rounded, on the engine's
// multiply and divide): floats to the nearest integer, ties to even, as rint
// (the default rounding mode); integers keep their value and type.
struct Round {
    template <class T> using Out = T;
    template <class T> static T f(T a) {
        if constexpr (std::is_same_v<T, float>) return __builtin_rintf(a);
        else if constexpr (std::is_same_v<T, double>) return __builtin_rint(a);
        else return a;
    }
};

// NumPy has no bool loop for these: it computes bool in int8 (Result::Numeric).
template <class Loop>
struct BoolInInt8 {
    template <class T> using Out = ResultOf<Result::Numeric, T>;
    template <class T> static Out<T> f(T a) {
        if constexpr (std::is_same_v<T, bool>) return Loop::f(int8_t(a));
        else return Loop::f(a);
    }
    template <class T> static Out<T> f(T a, T b) {
        if constexpr (std::is_same_v<T, bool>) return Loop::f(int8_t(a), int8_t(b));
        else return Loop::f(a, b);
    }
};

struct FloorDivide : BoolInInt8<FloorDivideLoop> {};
struct Remainder : BoolInInt8<RemainderLoop> {};
struct LeftShift : BoolInInt8<LeftShiftLoop> {};
struct RightShift : BoolInInt8<RightShiftLoop> {};
struct Reciprocal : BoolInInt8<ReciprocalLoop> {};
struct Conj : BoolInInt8<ConjLoop> {};
// np.mod is np.remainder (its warnings say "remainder": bindings/entries.cpp).
struct Mod : Remainder {};

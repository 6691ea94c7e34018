// Branch-free exp, log, sin and cos in double precision that GCC vectorises
// at every SIMD level (libm's versions are calls, which stop vectorisation).
//
// Each function is exact to about one ulp on its "fast range", which
// fast_*(x) tests, and is only ever called on it: values outside it (overflow,
// subnormals, NaN, huge arguments) are computed by the caller with libm, so no
// branch sits in the vector loop. Included inside each level's namespace: no
// std:: calls.
//
// Floating-point flags (common/fp_status.hpp): on the fast range these raise
// none but inexact, and libm raises C99's on the rest (log(0) divide by zero,
// exp(1000) overflow, ...). The range tests compare bits as integers: an
// ordered comparison of a NaN raises invalid, where NumPy's exp(NaN) raises
// nothing; and GCC, built with -fno-trapping-math, may turn a comparison of
// doubles into any other, but never an integer one into a floating-point one.
//
// Methods: Cody-Waite range reduction with polynomial kernels (Cephes for
// sin/cos, fdlibm for log, a degree-13 Taylor series for exp), integer
// conversions through the 1.5 * 2^52 "magic number" so that no double<->int64
// conversion instruction is needed (AVX2 has none).

#pragma once

namespace vmath {

// Bit tricks on unsigned integers: their arithmetic wraps instead of being undefined.
using u64 = unsigned long long;
using i64 = long long;
inline u64 bits_of(double x) { return __builtin_bit_cast(u64, x); }
inline double from_bits(u64 b) { return __builtin_bit_cast(double, b); }
// |x|'s bits as a signed integer: ordered as |x| is, NaN above infinity.
inline i64 abs_bits(double x) { return i64(bits_of(x) & 0x7fffffffffffffffULL); }
// x's bits as a signed integer: ordered as x is for x >= +0; negative x (and
// -NaN) are negative.
inline i64 signed_bits(double x) { return i64(bits_of(x)); }

constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer

// ---- exp ----------------------------------------------------------------------------

// |x| <= 708: exp(708) < DBL_MAX and exp(-708) > DBL_MIN, so 2^k stays a
// normal number and no result is subnormal.
constexpr i64 kExpMaxBits = 0x4086200000000000LL;  // bits of 708.0

inline bool fast_exp(double x) { return abs_bits(x) <= kExpMaxBits; }

inline double exp(double x) {  // fast_exp(x)
    constexpr double kLog2e = 1.4426950408889634074;
    constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln2 to 32 bits: k*kLn2Hi is exact
    constexpr double kLn2Lo = 1.90821492927058770002e-10;
    double kd = x * kLog2e + kMagic;
    u64 k = bits_of(kd) - bits_of(kMagic);  // round(x / ln2), as a two's complement integer
    kd -= kMagic;
    double r = (x - kd * kLn2Hi) - kd * kLn2Lo;   // |r| <= ln2 / 2
    // exp(r) by its Taylor series to r^13: the truncation error is below 2^-60 on |r| <= ln2/2.
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r * r + r;  // exp(r) - 1, accurate near 0
    return (1.0 + p) * from_bits((k + 1023) << 52);
}

// ---- log ----------------------------------------------------------------------------

constexpr i64 kMinNormalBits = 0x0010000000000000LL;  // DBL_MIN
constexpr i64 kMaxFiniteBits = 0x7fefffffffffffffLL;  // DBL_MAX

// Positive, normal and finite.
inline bool fast_log(double x) {
    return (signed_bits(x) >= kMinNormalBits) & (signed_bits(x) <= kMaxFiniteBits);
}

inline double log(double x) {  // fast_log(x)
    constexpr double kLn2Hi = 6.93147180369123816490e-01;
    constexpr double kLn2Lo = 1.90821492927058770002e-10;
    constexpr double kSqrt2 = 1.41421356237309504880;
    // fdlibm's e_log.c coefficients for log(1+f) on sqrt(2)/2 <= 1+f < sqrt(2).
    constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                     Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                     Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                     Lg7 = 1.479819860511658591e-01;
    u64 b = bits_of(x);
    u64 field = (b >> 52) & 0x7ff;
    double m = from_bits((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // in [1, 2)
    // The exponent as a double without an int64 -> double conversion instruction.
    double e = from_bits(field | 0x4330000000000000ULL) - (4503599627370496.0 + 1023.0);
    bool high = m > kSqrt2;
    m = high ? m * 0.5 : m;
    e = high ? e + 1.0 : e;
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double w = z * z;
    double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    double R = t2 + t1;
    double hfsq = 0.5 * f * f;
    return e * kLn2Hi - ((hfsq - (s * (hfsq + R) + e * kLn2Lo)) - f);
}

// ---- sin, cos -----------------------------------------------------------------------

// Beyond this the three-part reduction by pi/4 loses bits; libm takes over.
constexpr i64 kTrigMaxBits = 0x4197d78400000000LL;  // bits of 1e8

inline bool fast_trig(double x) { return abs_bits(x) <= kTrigMaxBits; }

// sin(z) and cos(z) on |z| <= pi/4 (Cephes sin.c coefficients).
inline double sin_kernel(double z, double zz) {
    double p = 1.58962301576546568060e-10;
    p = p * zz - 2.50507477628578072866e-8;
    p = p * zz + 2.75573136213857245213e-6;
    p = p * zz - 1.98412698295895385996e-4;
    p = p * zz + 8.33333333332211858878e-3;
    p = p * zz - 1.66666666666666307295e-1;
    return z + z * zz * p;
}

inline double cos_kernel(double zz) {
    double p = -1.13585365213876817300e-11;
    p = p * zz + 2.08757008419747316778e-9;
    p = p * zz - 2.75573141792967388112e-7;
    p = p * zz + 2.48015872888517045348e-5;
    p = p * zz - 1.38888888888730564116e-3;
    p = p * zz + 4.16666666666665929218e-2;
    return 1.0 - 0.5 * zz + zz * zz * p;
}

struct Reduced {
    double z;       // |z| <= pi/4
    double octant;  // j mod 8 as a double: 0, 2, 4 or 6
};

// |x| = j * pi/4 + z with j even.
inline Reduced reduce_quarter_pi(double ax) {
    constexpr double kFourOverPi = 1.27323954473516268615;
    // pi/4 split so that j * kDP1 and j * kDP2 are exact for j < 2^29.
    constexpr double kDP1 = 7.85398125648498535156e-1, kDP2 = 3.77489470793079817668e-8,
                     kDP3 = 2.69515142907905952645e-15;
    double j = __builtin_floor(ax * kFourOverPi);
    j += j - 2.0 * __builtin_floor(j * 0.5);  // round odd j up to even
    return {((ax - j * kDP1) - j * kDP2) - j * kDP3, j - 8.0 * __builtin_floor(j * 0.125)};
}

inline double sin(double x) {  // fast_trig(x)
    auto [z, octant] = reduce_quarter_pi(__builtin_fabs(x));
    double zz = z * z;
    double r = (octant == 2.0) | (octant == 6.0) ? cos_kernel(zz) : sin_kernel(z, zz);
    r = octant >= 4.0 ? -r : r;              // sin(|x|)
    return __builtin_copysign(1.0, x) * r;   // sin is odd (and keeps -0.0)
}

inline double cos(double x) {  // fast_trig(x)
    auto [z, octant] = reduce_quarter_pi(__builtin_fabs(x));
    double zz = z * z;
    double r = (octant == 2.0) | (octant == 6.0) ? sin_kernel(z, zz) : cos_kernel(zz);
    return (octant == 2.0) | (octant == 4.0) ? -r : r;
}

}  // namespace vmath

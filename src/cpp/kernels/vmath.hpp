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

// Every function is forced inline: the vector loops need the whole body in
// place, and GCC's inliner gives up on the larger ones (tan, cosh, asin, cbrt
// were calls, one element at a time) once a kernel file holds many functors.
#define MF_VMATH [[gnu::always_inline]] inline

namespace vmath {

// Bit tricks on unsigned integers: their arithmetic wraps instead of being undefined.
using u64 = unsigned long long;
using i64 = long long;
MF_VMATH u64 bits_of(double x) { return __builtin_bit_cast(u64, x); }
MF_VMATH double from_bits(u64 b) { return __builtin_bit_cast(double, b); }
// |x|'s bits as a signed integer: ordered as |x| is, NaN above infinity.
MF_VMATH i64 abs_bits(double x) { return i64(bits_of(x) & 0x7fffffffffffffffULL); }
// x's bits as a signed integer: ordered as x is for x >= +0; negative x (and
// -NaN) are negative.
MF_VMATH i64 signed_bits(double x) { return i64(bits_of(x)); }

constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer

// ---- exp ----------------------------------------------------------------------------

// |x| <= 708: exp(708) < DBL_MAX and exp(-708) > DBL_MIN, so 2^k stays a
// normal number and no result is subnormal.
constexpr i64 kExpMaxBits = 0x4086200000000000LL;  // bits of 708.0

MF_VMATH bool fast_exp(double x) { return abs_bits(x) <= kExpMaxBits; }

MF_VMATH double exp(double x) {  // fast_exp(x)
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
MF_VMATH bool fast_log(double x) {
    return (signed_bits(x) >= kMinNormalBits) & (signed_bits(x) <= kMaxFiniteBits);
}

MF_VMATH double log(double x) {  // fast_log(x)
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

MF_VMATH bool fast_trig(double x) { return abs_bits(x) <= kTrigMaxBits; }

// sin(z) and cos(z) on |z| <= pi/4 (Cephes sin.c coefficients).
MF_VMATH double sin_kernel(double z, double zz) {
    double p = 1.58962301576546568060e-10;
    p = p * zz - 2.50507477628578072866e-8;
    p = p * zz + 2.75573136213857245213e-6;
    p = p * zz - 1.98412698295895385996e-4;
    p = p * zz + 8.33333333332211858878e-3;
    p = p * zz - 1.66666666666666307295e-1;
    return z + z * zz * p;
}

MF_VMATH double cos_kernel(double zz) {
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
MF_VMATH Reduced reduce_quarter_pi(double ax) {
    constexpr double kFourOverPi = 1.27323954473516268615;
    // pi/4 split so that j * kDP1 and j * kDP2 are exact for j < 2^29.
    constexpr double kDP1 = 7.85398125648498535156e-1, kDP2 = 3.77489470793079817668e-8,
                     kDP3 = 2.69515142907905952645e-15;
    double j = __builtin_floor(ax * kFourOverPi);
    j += j - 2.0 * __builtin_floor(j * 0.5);  // round odd j up to even
    return {((ax - j * kDP1) - j * kDP2) - j * kDP3, j - 8.0 * __builtin_floor(j * 0.125)};
}

MF_VMATH double sin(double x) {  // fast_trig(x)
    auto [z, octant] = reduce_quarter_pi(__builtin_fabs(x));
    double zz = z * z;
    double r = (octant == 2.0) | (octant == 6.0) ? cos_kernel(zz) : sin_kernel(z, zz);
    r = octant >= 4.0 ? -r : r;              // sin(|x|)
    return __builtin_copysign(1.0, x) * r;   // sin is odd (and keeps -0.0)
}

MF_VMATH double cos(double x) {  // fast_trig(x)
    auto [z, octant] = reduce_quarter_pi(__builtin_fabs(x));
    double zz = z * z;
    double r = (octant == 2.0) | (octant == 6.0) ? sin_kernel(z, zz) : cos_kernel(zz);
    return (octant == 2.0) | (octant == 4.0) ? -r : r;
}


// ---- the other transcendentals --------------------------------------------------------
//
// Built on the kernels above, with the same contract: f(x) only on fast_f(x),
// libm on the rest. Every fast range leaves out NaN, infinities and
// subnormals, whose results and flags are libm's (as before these had SIMD
// versions); zero and tiny arguments are in it: below 2^-54 the odd functions
// are x itself (the next term is under half an ulp), and the code computes
// on a harmless stand-in there instead, so that x*x never underflows.
// Methods: fdlibm (log2, log10, asin, acos, cbrt), Cephes (atan), and the
// identities named at each function.

constexpr i64 kTinyBits = 0x3c90000000000000LL;  // 2^-54
constexpr i64 kOneBits = 0x3ff0000000000000LL;   // 1.0
constexpr i64 kInfBits = 0x7ff0000000000000LL;

// m ? a : b by masks, for two things ?: does not give with GCC 12: it does
// not vectorise a division whose operands are chosen by ?: (it seems to sink
// the division into the branches), and for x ? constant : x it may compute
// on x anyway and select afterwards (no traps, -fno-trapping-math), raising
// the underflow the stand-in was there to avoid. A blend of bits it keeps.
MF_VMATH double blend(bool m, double a, double b) {
    const u64 k = u64(0) - u64(m);
    return from_bits((bits_of(a) & k) | (bits_of(b) & ~k));
}

MF_VMATH bool is_tiny(double x) { return abs_bits(x) < kTinyBits; }
// Zero or normal, finite or not (not subnormal).
MF_VMATH bool zero_or_normal(double x) { return (abs_bits(x) == 0) | (abs_bits(x) >= kMinNormalBits); }
MF_VMATH bool fast_finite(double x) { return zero_or_normal(x) & (abs_bits(x) < kInfBits); }

// exp(x) = scale * (1 + p), scale = 2^round(x / ln2): exp's kernel, kept apart
// for expm1 (|x| <= 708, not tiny).
struct ExpParts {
    double scale, p;
};
// exp(r) - 1 for |r| <= ln2 / 2: its Taylor series to r^13 (Horner).
MF_VMATH double expm1_poly(double r) {
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
    p = p * r * r + r;
    return p;
}

MF_VMATH ExpParts exp_parts(double x) {
    constexpr double kLog2e = 1.4426950408889634074;
    constexpr double kLn2Hi = 6.93147180369123816490e-01;
    constexpr double kLn2Lo = 1.90821492927058770002e-10;
    double kd = x * kLog2e + kMagic;
    u64 k = bits_of(kd) - bits_of(kMagic);
    kd -= kMagic;
    double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
    double p = expm1_poly(r);
    return {from_bits((k + 1023) << 52), p};
}

// ---- expm1, exp2 --------------------------------------------------------------------

MF_VMATH bool fast_expm1(double x) { return zero_or_normal(x) & (abs_bits(x) <= kExpMaxBits); }

// scale * p + (scale - 1): scale - 1 is exact while it matters (|k| <= 53).
MF_VMATH double expm1(double x) {  // fast_expm1(x)
    const bool tiny = is_tiny(x);
    auto [scale, p] = exp_parts(blend(tiny, 1.0, x));
    return tiny ? x : scale * p + (scale - 1.0);
}

// |x| <= 1021: 2^x and 2^round(x) are normal.
constexpr i64 kExp2MaxBits = 0x408fe80000000000LL;  // bits of 1021.0
MF_VMATH bool fast_exp2(double x) { return zero_or_normal(x) & (abs_bits(x) <= kExp2MaxBits); }

// 2^x = 2^k * exp(r ln2), k = round(x): x - k is exact.
MF_VMATH double exp2(double x) {  // fast_exp2(x)
    constexpr double kLn2 = 0.69314718055994530942;
    const bool tiny = is_tiny(x);
    const double xs = blend(tiny, 0.0, x);
    double kd = xs + kMagic;
    u64 k = bits_of(kd) - bits_of(kMagic);
    kd -= kMagic;
    double r = (xs - kd) * kLn2;  // |r| <= ln2 / 2
    double p = expm1_poly(r);
    return tiny ? 1.0 : (1.0 + p) * from_bits((k + 1023) << 52);
}

// ---- sinh, cosh, tanh ---------------------------------------------------------------

// Up to 708 (exp's range; sinh and cosh are finite to 710.47, left to libm).
MF_VMATH bool fast_sinh(double x) { return fast_expm1(x); }

// sinh |x| = (t + t / (t + 1)) / 2 with t = expm1 |x|: no cancellation near 0.
MF_VMATH double sinh(double x) {  // fast_sinh(x)
    const bool tiny = is_tiny(x);
    auto [scale, p] = exp_parts(blend(tiny, 1.0, __builtin_fabs(x)));
    double t = scale * p + (scale - 1.0);
    double y = 0.5 * (t + t / (t + 1.0));
    return tiny ? x : __builtin_copysign(y, x);
}

MF_VMATH bool fast_cosh(double x) { return abs_bits(x) <= kExpMaxBits; }  // NaN is not

// e/2 + 1/(2e), the second term dropped above 22 (under 2^-60 of the first),
// where it could be subnormal: an underflow NumPy does not report.
MF_VMATH double cosh(double x) {  // fast_cosh(x)
    constexpr i64 k22Bits = 0x4036000000000000LL;  // 22.0
    const bool tiny = is_tiny(x), big = abs_bits(x) > k22Bits;
    double e = exp(blend(tiny, 1.0, __builtin_fabs(x)));
    double y = 0.5 * e + blend(big, 0.0, 0.5 / blend(big, 1.0, e));
    return tiny ? 1.0 : y;
}

MF_VMATH bool fast_tanh(double x) { return fast_finite(x); }

// tanh |x| = t / (t + 2), t = expm1(2|x|); 1 beyond 20 (1 - tanh 20 < 2^-57).
constexpr i64 kTanhOneBits = 0x4034000000000000LL;  // bits of 20.0
MF_VMATH double tanh(double x) {  // fast_tanh(x)
    const bool tiny = is_tiny(x), one = abs_bits(x) > kTanhOneBits;
    auto [scale, p] = exp_parts(blend(tiny | one, 1.0, 2.0 * __builtin_fabs(x)));
    double t = scale * p + (scale - 1.0);
    double y = one ? 1.0 : t / (t + 2.0);
    return tiny ? x : __builtin_copysign(y, x);
}

// ---- log1p, log2, log10 -------------------------------------------------------------

// log(1 + f) on sqrt(2)/2 <= 1+f < sqrt(2), fdlibm's k_log.h pieces: log x =
// e ln2 + f - hfsq + r.
struct LogParts {
    double e, f, hfsq, r;
};
MF_VMATH LogParts log_parts(double x) {  // fast_log(x)
    constexpr double kSqrt2 = 1.41421356237309504880;
    constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                     Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                     Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                     Lg7 = 1.479819860511658591e-01;
    u64 b = bits_of(x);
    u64 field = (b >> 52) & 0x7ff;
    double m = from_bits((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
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
    double hfsq = 0.5 * f * f;
    return {e, f, hfsq, s * (hfsq + t2 + t1)};
}

// f - hfsq split in two: hi has its low 32 bits cleared, so hi * (a constant's
// high part) is exact (fdlibm's e_log2.c, e_log10.c).
MF_VMATH double high_part(double v) { return from_bits(bits_of(v) & 0xffffffff00000000ULL); }

MF_VMATH double log2(double x) {  // fast_log(x)
    constexpr double kIvln2Hi = 1.44269504072144627571e+00, kIvln2Lo = 1.67517131648865118353e-10;
    auto [e, f, hfsq, r] = log_parts(x);
    double hi = high_part(f - hfsq);
    double lo = (f - hi) - hfsq + r;
    double val_hi = hi * kIvln2Hi;
    double val_lo = (lo + hi) * kIvln2Lo + lo * kIvln2Hi;
    double w = e + val_hi;
    val_lo += (e - w) + val_hi;
    return val_lo + w;
}

MF_VMATH double log10(double x) {  // fast_log(x)
    constexpr double kIvln10Hi = 4.34294481878168880939e-01, kIvln10Lo = 2.50829467116452752298e-11,
                     kLog10_2Hi = 3.01029995663611771306e-01, kLog10_2Lo = 3.69423907715893078616e-13;
    auto [e, f, hfsq, r] = log_parts(x);
    double hi = high_part(f - hfsq);
    double lo = (f - hi) - hfsq + r;
    double val_hi = hi * kIvln10Hi;
    double y2 = e * kLog10_2Hi;
    double val_lo = e * kLog10_2Lo + (lo + hi) * kIvln10Lo + lo * kIvln10Hi;
    double w = y2 + val_hi;
    val_lo += (y2 - w) + val_hi;
    return val_lo + w;
}

// x > -1, finite, not subnormal.
MF_VMATH bool fast_log1p(double x) {
    return zero_or_normal(x) & (abs_bits(x) <= kMaxFiniteBits) &
           ((signed_bits(x) >= 0) | (abs_bits(x) < kOneBits));
}

// log(u) + (x - (u - 1)) / u with u = 1 + x: the second term is what rounding
// 1 + x lost (u >= 2^-53 is normal).
MF_VMATH double log1p(double x) {  // fast_log1p(x)
    const bool tiny = is_tiny(x);
    const double xs = blend(tiny, 1.0, x);
    double u = 1.0 + xs;
    auto [e, f, hfsq, r] = log_parts(u);
    constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
    double c = (xs - (u - 1.0)) / u;
    double y = e * kLn2Hi - ((hfsq - (r + (e * kLn2Lo + c))) - f);
    return tiny ? x : y;
}

// ---- tan ----------------------------------------------------------------------------

MF_VMATH bool fast_tan(double x) { return zero_or_normal(x) & fast_trig(x); }

// reduce_quarter_pi with pi/4 in four parts, the first three of 26 bits (j <
// 2^27 times each is exact): z keeps its relative accuracy near the multiples
// of pi/2, where tan is 1/z or z (tan(pi) is -1.22e-16 to the ulp).
MF_VMATH Reduced reduce_quarter_pi_exact(double ax) {
    constexpr double kFourOverPi = 1.27323954473516268615;
    constexpr double kC1 = 0x1.921fb58p-1, kC2 = -0x1.dde974p-28, kC3 = 0x1.1a62630p-55,
                     kC4 = 0x1.8a2e03707344ap-82;
    double j = __builtin_floor(ax * kFourOverPi);
    j += j - 2.0 * __builtin_floor(j * 0.5);
    return {(((ax - j * kC1) - j * kC2) - j * kC3) - j * kC4, j - 8.0 * __builtin_floor(j * 0.125)};
}

// sin z / cos z, or -cos z / sin z in the octants where tan is cot's negative.
MF_VMATH double tan(double x) {  // fast_tan(x)
    const bool tiny = is_tiny(x);
    auto [z, octant] = reduce_quarter_pi_exact(blend(tiny, 1.0, __builtin_fabs(x)));
    double zz = z * z;
    double s = sin_kernel(z, zz), c = cos_kernel(zz);
    bool cot = (octant == 2.0) | (octant == 6.0);
    double r = blend(cot, -c, s) / blend(cot, s, c);
    return tiny ? x : __builtin_copysign(1.0, x) * r;
}

// ---- arctan -------------------------------------------------------------------------

MF_VMATH bool fast_atan(double x) { return zero_or_normal(x) & (abs_bits(x) <= kInfBits); }

// Cephes atan.c: y + atan(t) + more, |t| <= 0.66, not tiny.
MF_VMATH double atan_kernel(double t, double y, double more) {
    double z = t * t;
    double p = -8.750608600031904122785e-1;
    p = p * z - 1.615753718733365076637e1;
    p = p * z - 7.500855792314704667340e1;
    p = p * z - 1.228866684490136173410e2;
    p = p * z - 6.485021904942025371773e1;
    double q = z + 2.485846490142306297962e1;
    q = q * z + 1.650270098316988542046e2;
    q = q * z + 4.328810604912902668951e2;
    q = q * z + 4.853903996359136964868e2;
    q = q * z + 1.945506571482613964425e2;
    z = t * (z * p / q) + t;
    return y + (z + more);
}

constexpr i64 kAtanMidBits = 0x3fe51eb851eb851fLL;  // bits of 0.66
constexpr double kAtanPio4 = 7.85398163397448309616e-1, kAtanMoreBits = 6.123233995736765886130e-17;

// |x| reduced to [0, 0.66] by atan x = pi/2 + atan(-1/x) above tan(3pi/8)
// and pi/4 + atan((x-1)/(x+1)) above 0.66.
MF_VMATH double atan_abs(double ax) {  // ax >= 0, not tiny, finite
    constexpr i64 kT3P8Bits = 0x4003504f333f9de6LL;  // bits of tan(3pi/8) = 2.414...
    constexpr double kPio2 = 1.57079632679489661923;
    const bool big = abs_bits(ax) > kT3P8Bits, mid = !big & (abs_bits(ax) > kAtanMidBits);
    double num = blend(big, -1.0, blend(mid, ax - 1.0, ax));
    double den = blend(big, ax, blend(mid, ax + 1.0, 1.0));
    double y = big ? kPio2 : mid ? kAtanPio4 : 0.0;
    double more = big ? kAtanMoreBits : mid ? 0.5 * kAtanMoreBits : 0.0;
    return atan_kernel(num / den, y, more);
}

// Above 2^60 (infinity too) atan is pi/2 to the bit: computed at 2^60, where
// 1/x squared does not underflow.
MF_VMATH double atan(double x) {  // fast_atan(x)
    constexpr i64 kHugeBits = 0x43b0000000000000LL;  // 2^60
    const bool tiny = is_tiny(x), huge = abs_bits(x) > kHugeBits;
    double y = atan_abs(blend(tiny, 1.0, blend(huge, 0x1p60, __builtin_fabs(x))));
    return tiny ? x : __builtin_copysign(y, x);
}

// ---- arcsin, arccos (fdlibm e_asin.c, e_acos.c) -------------------------------------

// asin t = t + t R(t^2) on |t| < 0.5.
MF_VMATH double asin_R(double z) {
    double p = z * (1.66666666666666657415e-01 +
               z * (-3.25565818622400915405e-01 +
               z * (2.01212532134862925881e-01 +
               z * (-4.00555345006794114027e-02 +
               z * (7.91534994289814532176e-04 + z * 3.47933107596021167570e-05)))));
    double q = 1.0 + z * (-2.40339491173441421878e+00 +
                     z * (2.02094576023350569471e+00 +
                     z * (-6.88283971605453293030e-01 + z * 7.70381505559019352791e-02)));
    return p / q;
}

constexpr double kPio2Hi = 1.57079632679489655800e+00, kPio2Lo = 6.12323399573676603587e-17,
                 kPio4Hi = 7.85398163397448278999e-01;
constexpr i64 kHalfBits = 0x3fe0000000000000LL;  // 0.5

// ---- arctan2 ------------------------------------------------------------------------

// arctan2 and hypot are always inlined (their functors' f too): else GCC keeps
// them out of line in kernels.cpp, one call per element in the binary loops.


// Every pair, branch-free (binary loops have no slow path): atan of
// min(|x|, |y|) / max(|x|, |y|) in [0, 1], then pi/2 - a where |y| > |x| and
// pi - a where x is negative (-0 too), with y's sign. Infinities, zeros and
// NaN come out of that arithmetic as C99 has them (inf/inf and 0/0 are made
// 1/1 and 0/1 first); the only flag is underflow, raised, as NumPy does, by
// the division when the result itself is |y/x| and subnormal: a quotient under
// 2^-60 is not divided at all where it is not the result.
MF_VMATH double atan2(double y, double x) {
    constexpr double kPiHi = 3.1415926535897931160e+00, kPiLo = 1.2246467991473531772e-16;
    const i64 by = abs_bits(y), bx = abs_bits(x);
    const bool nan = (by > kInfBits) | (bx > kInfBits);
    const bool swap = by > bx, xneg = signed_bits(x) < 0;
    double num = __builtin_fabs(blend(swap, x, y)), den = __builtin_fabs(blend(swap, y, x));
    const bool both_inf = (by == kInfBits) & (bx == kInfBits);
    // the exponents 60 apart (den's bits minus num's)
    const bool tiny = !nan & ((swap ? by - bx : bx - by) > (i64(60) << 52));
    const bool direct = !swap & !xneg;
    num = blend(both_inf | nan, 1.0, blend(tiny & !direct, 0.0, num));
    den = blend(both_inf | nan, 1.0, blend(abs_bits(den) == 0, 1.0, den));
    // Scaled (exactly) so that 0.66 * den cannot underflow nor num + den
    // overflow: tiny pairs up, the largest finite ones by half.
    const bool huge = (abs_bits(den) >= 0x7fd0000000000000LL) & (abs_bits(den) < kInfBits);  // 2^1022
    const double scale = blend(abs_bits(den) < 0x26f0000000000000LL, 0x1p600, blend(huge, 0.5, 1.0));
    num *= scale;
    den *= scale;
    // num / den in [0, 1]: above 0.66, pi/4 + atan((num - den) / (num + den))
    const bool mid = num > 0.66 * den;  // no NaN here: no flag
    const double t = blend(mid, num - den, num) / blend(mid, num + den, den);
    double a = atan_kernel(blend(tiny, 0.5, t), mid ? kAtanPio4 : 0.0, mid ? 0.5 * kAtanMoreBits : 0.0);
    a = tiny ? t : a;  // the quotient under 2^-60 is the result, or 0
    double r = swap ? (kPio2Hi - a) + kPio2Lo : a;
    r = xneg ? (kPiHi - r) + kPiLo : r;
    r = nan ? blend(bx > kInfBits, x, y) : r;  // the NaN itself: a sum could add inf and -inf
    // A subnormal y over 1 is exact, which raises nothing; NumPy (libm) still
    // reports underflow for a subnormal result: 2^-600 squared raises it, and
    // adding -0 times it changes no result, -0 included.
    const bool subnormal = (abs_bits(r) < kMinNormalBits) & (abs_bits(r) != 0);
    const double s = blend(subnormal, 0x1p-600, 1.0);
    return __builtin_copysign(r, y) + s * s * -0.0;
}

// ---- hypot --------------------------------------------------------------------------

// big * sqrt(1 + (small / big)^2), branch-free (binary loops have no slow
// path): an infinity wins over NaN (C99), 0 and 0 give 0, and the quotient is
// taken as 0 when the exponents are 60 apart (it would underflow, and adds
// nothing). Overflow and a subnormal inexact result raise their flags in the
// product, as NumPy's libm does.
MF_VMATH double hypot(double x, double y) {
    const i64 bx = abs_bits(x), by = abs_bits(y);
    const bool inf = (bx == kInfBits) | (by == kInfBits), nan = (bx > kInfBits) | (by > kInfBits);
    const bool x_big = bx >= by;
    double big = __builtin_fabs(blend(x_big, x, y)), small = __builtin_fabs(blend(x_big, y, x));
    const i64 gap = abs_bits(big) - abs_bits(small);
    const bool zero = abs_bits(big) == 0, special = inf | nan | zero;
    small = blend(special | (gap > (i64(60) << 52)), 0.0, small);
    big = blend(special, 1.0, big);
    const double r = small / big;
    double h = big * __builtin_sqrt(1.0 + r * r);
    h = zero ? 0.0 : h;
    h = nan ? blend(bx > kInfBits, x, y) : h;  // the NaN itself (as arctan2)
    return inf ? __builtin_inf() : h;
}

MF_VMATH bool fast_asin(double x) { return zero_or_normal(x) & (abs_bits(x) <= kOneBits); }

// Below 0.5 the series; above, asin |x| = pi/2 - 2 asin sqrt((1 - |x|) / 2),
// with sqrt's low bits carried separately below 0.975.
MF_VMATH double asin(double x) {  // fast_asin(x)
    constexpr i64 k0975Bits = 0x3fef333333333333LL;  // bits of 0.975
    const bool tiny = is_tiny(x), small = abs_bits(x) < kHalfBits,
               near1 = abs_bits(x) >= k0975Bits;
    double ax = blend(tiny, 0.25, __builtin_fabs(x));
    double t = blend(small, ax * ax, (1.0 - ax) * 0.5);
    double r = asin_R(t);
    double s = __builtin_sqrt(t);
    double df = high_part(s);
    double c = (t - df * df) / blend(near1, 1.0, s + df);  // s + df > 0 below 0.975
    double y_near1 = kPio2Hi - (2.0 * (s + s * r) - kPio2Lo);
    double y_mid = kPio4Hi - ((2.0 * s * r - (kPio2Lo - 2.0 * c)) - (kPio4Hi - 2.0 * df));
    double y = small ? ax + ax * r : near1 ? y_near1 : y_mid;
    return tiny ? x : __builtin_copysign(y, x);
}

MF_VMATH bool fast_acos(double x) { return abs_bits(x) <= kOneBits; }  // NaN is not

MF_VMATH double acos(double x) {  // fast_acos(x)
    constexpr double kPi = 3.14159265358979311600e+00;
    const bool tiny = is_tiny(x), small = abs_bits(x) < kHalfBits, negative = signed_bits(x) < 0;
    double xs = blend(tiny, 0.25, x);
    double z = blend(small, xs * xs, (1.0 - __builtin_fabs(xs)) * 0.5);
    double r = asin_R(z);
    double s = __builtin_sqrt(z);
    double df = high_part(s);
    double c = (z - df * df) / blend(abs_bits(x) == kOneBits, 1.0, s + df);
    double y_small = kPio2Hi - (xs - (kPio2Lo - xs * r));
    double y_neg = kPi - 2.0 * (s + (r * s - kPio2Lo));
    double y_pos = 2.0 * (df + (r * s + c));
    double y_big = negative ? y_neg : y_pos;
    double y = small ? y_small : y_big;
    return tiny ? kPio2Hi + kPio2Lo : y;
}

// ---- cbrt (FreeBSD s_cbrt.c) --------------------------------------------------------

MF_VMATH bool fast_cbrt(double x) { return fast_finite(x); }

// A 5-bit estimate from the exponent field divided by 3, a polynomial to 23
// bits, then one Newton step to within 0.667 ulp.
// cbrt(|x|) to 23 bits (|x| positive, normal, finite): enough for float32.
MF_VMATH double cbrt_estimate(double ax) {
    u64 hx = bits_of(ax) >> 32;
    double t = from_bits(((hx * 0xaaaaaaabULL >> 33) + 715094163ULL) << 32);  // hx / 3 + B1
    double r = (t * t) * (t / ax);
    return t * ((1.87595182427177009643 + r * (-1.88497979543377169875 + r * 1.621429720105354466140)) +
                ((r * r) * r) * (-0.758397934778766047437 + r * 0.145996192886612446982));
}
MF_VMATH double cbrt(double x) {  // fast_cbrt(x)
    const bool zero = abs_bits(x) == 0;
    double ax = blend(zero, 1.0, __builtin_fabs(x));
    double t = cbrt_estimate(ax);
    t = from_bits((bits_of(t) + 0x80000000ULL) & 0xffffffffc0000000ULL);
    double s = t * t;
    double r = ax / s;
    double w = t + t;
    r = (r - t) / (w + r);
    t = t + t * r;
    return zero ? x : __builtin_copysign(t, x);
}


// ---- float32 in float lanes -----------------------------------------------------------
//
// twice the lanes of double: the exp and log families have their own float
// kernels (fdlibm's e_expf.c reduction with a degree-7 Taylor series,
// e_logf.c, e_log2f.c, e_log10f.c); the rest compute in double lanes and
// round (the overloads at the end).

using u32 = unsigned int;
using i32 = int;
MF_VMATH u32 bits_of(float x) { return __builtin_bit_cast(u32, x); }
MF_VMATH float from_bits_f(u32 b) { return __builtin_bit_cast(float, b); }
MF_VMATH i32 abs_bits(float x) { return i32(bits_of(x) & 0x7fffffffu); }
MF_VMATH i32 signed_bits(float x) { return i32(bits_of(x)); }
MF_VMATH float blend(bool m, float a, float b) {
    const u32 k = u32(0) - u32(m);
    return from_bits_f((bits_of(a) & k) | (bits_of(b) & ~k));
}

constexpr i32 kTinyBitsF = 0x33000000;       // 2^-25
constexpr i32 kMinNormalBitsF = 0x00800000;  // FLT_MIN
constexpr i32 kMaxFiniteBitsF = 0x7f7fffff;  // FLT_MAX
constexpr i32 kInfBitsF = 0x7f800000;
constexpr i32 kOneBitsF = 0x3f800000;
MF_VMATH bool is_tiny(float x) { return abs_bits(x) < kTinyBitsF; }
MF_VMATH bool zero_or_normal(float x) { return (abs_bits(x) == 0) | (abs_bits(x) >= kMinNormalBitsF); }

struct ExpPartsF {
    float scale, p;
};
// exp(x) = scale * (1 + p) on |x| <= 87 (scale = 2^k, k in [-126, 126]).
MF_VMATH ExpPartsF exp_parts(float x) {
    constexpr float kMagicF = 12582912.0f;  // 1.5 * 2^23
    constexpr float kLog2e = 1.44269504088896341f;
    constexpr float kLn2Hi = 6.9314575195e-01f, kLn2Lo = 1.4286067653e-06f;  // k * kLn2Hi exact
    float kd = x * kLog2e + kMagicF;
    u32 k = bits_of(kd) - bits_of(kMagicF);
    kd -= kMagicF;
    float r = (x - kd * kLn2Hi) - kd * kLn2Lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r * r + r;
    return {from_bits_f((k + 127) << 23), p};
}

constexpr i32 kExpMaxBitsF = 0x42ae0000;   // 87.0
constexpr i32 kExp2MaxBitsF = 0x42fa0000;  // 125.0
MF_VMATH bool fast_expm1(float x) { return zero_or_normal(x) & (abs_bits(x) <= kExpMaxBitsF); }
MF_VMATH float expm1(float x) {
    const bool tiny = is_tiny(x);
    auto [scale, p] = exp_parts(blend(tiny, 1.0f, x));
    return tiny ? x : scale * p + (scale - 1.0f);
}

MF_VMATH bool fast_exp2(float x) { return zero_or_normal(x) & (abs_bits(x) <= kExp2MaxBitsF); }
MF_VMATH float exp2(float x) {
    constexpr float kMagicF = 12582912.0f, kLn2 = 0.693147180559945309f;
    const bool tiny = is_tiny(x);
    float xs = blend(tiny, 0.0f, x);
    float kd = xs + kMagicF;
    u32 k = bits_of(kd) - bits_of(kMagicF);
    kd -= kMagicF;
    float r = (xs - kd) * kLn2;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r * r + r;
    return tiny ? 1.0f : (1.0f + p) * from_bits_f((k + 127) << 23);
}

MF_VMATH bool fast_sinh(float x) { return fast_expm1(x); }
MF_VMATH float sinh(float x) {
    const bool tiny = is_tiny(x);
    auto [scale, p] = exp_parts(blend(tiny, 1.0f, __builtin_fabsf(x)));
    float t = scale * p + (scale - 1.0f);
    float y = 0.5f * (t + t / (t + 1.0f));
    return tiny ? x : __builtin_copysignf(y, x);
}

MF_VMATH bool fast_cosh(float x) { return abs_bits(x) <= kExpMaxBitsF; }
MF_VMATH float cosh(float x) {  // as the double one, from 10 on
    const bool tiny = is_tiny(x), big = abs_bits(x) > 0x41200000;  // 10.0
    auto [scale, p] = exp_parts(blend(tiny, 1.0f, __builtin_fabsf(x)));
    float e = scale + scale * p;
    float y = 0.5f * e + blend(big, 0.0f, 0.5f / blend(big, 1.0f, e));
    return tiny ? 1.0f : y;
}

MF_VMATH bool fast_tanh(float x) { return zero_or_normal(x) & (abs_bits(x) < kInfBitsF); }
constexpr i32 kTanhOneBitsF = 0x41200000;  // 10.0: 1 - tanh 10 < 2^-26
MF_VMATH float tanh(float x) {
    const bool tiny = is_tiny(x), one = abs_bits(x) > kTanhOneBitsF;
    auto [scale, p] = exp_parts(blend(tiny | one, 1.0f, 2.0f * __builtin_fabsf(x)));
    float t = scale * p + (scale - 1.0f);
    float y = one ? 1.0f : t / (t + 2.0f);
    return tiny ? x : __builtin_copysignf(y, x);
}

struct LogPartsF {
    float e, f, hfsq, r;
};
MF_VMATH LogPartsF log_parts(float x) {  // positive, normal, finite
    constexpr float kSqrt2 = 1.41421356237309504880f;
    constexpr float Lg1 = 0xaaaaaa.0p-24f, Lg2 = 0xccce13.0p-25f, Lg3 = 0x91e9ee.0p-25f,
                    Lg4 = 0xf89e26.0p-26f;
    u32 b = bits_of(x);
    u32 field = (b >> 23) & 0xff;
    float m = from_bits_f((b & 0x007fffffu) | 0x3f800000u);
    float e = from_bits_f(field | 0x4b000000u) - (8388608.0f + 127.0f);
    bool high = m > kSqrt2;
    m = high ? m * 0.5f : m;
    e = high ? e + 1.0f : e;
    float f = m - 1.0f;
    float s = f / (2.0f + f);
    float z = s * s;
    float w = z * z;
    float t1 = w * (Lg2 + w * Lg4);
    float t2 = z * (Lg1 + w * Lg3);
    float hfsq = 0.5f * f * f;
    return {e, f, hfsq, s * (hfsq + t2 + t1)};
}
MF_VMATH bool fast_log(float x) {
    return (signed_bits(x) >= kMinNormalBitsF) & (signed_bits(x) <= kMaxFiniteBitsF);
}
MF_VMATH float high_part(float v) { return from_bits_f(bits_of(v) & 0xfffff000u); }

MF_VMATH float log2(float x) {
    constexpr float kIvln2Hi = 1.4428710938e+00f, kIvln2Lo = -1.7605285393e-04f;
    auto [e, f, hfsq, r] = log_parts(x);
    float hi = high_part(f - hfsq);
    float lo = (f - hi) - hfsq + r;
    return (lo + hi) * kIvln2Lo + lo * kIvln2Hi + hi * kIvln2Hi + e;
}

MF_VMATH float log10(float x) {
    constexpr float kIvln10Hi = 4.3432617188e-01f, kIvln10Lo = -3.1689971365e-05f,
                    kLog10_2Hi = 3.0102920532e-01f, kLog10_2Lo = 7.9034151668e-07f;
    auto [e, f, hfsq, r] = log_parts(x);
    float hi = high_part(f - hfsq);
    float lo = (f - hi) - hfsq + r;
    return e * kLog10_2Lo + (lo + hi) * kIvln10Lo + lo * kIvln10Hi + hi * kIvln10Hi + e * kLog10_2Hi;
}

MF_VMATH bool fast_log1p(float x) {
    return zero_or_normal(x) & (abs_bits(x) <= kMaxFiniteBitsF) &
           ((signed_bits(x) >= 0) | (abs_bits(x) < kOneBitsF));
}
MF_VMATH float log1p(float x) {
    constexpr float kLn2Hi = 6.9313812256e-01f, kLn2Lo = 9.0580006145e-06f;
    const bool tiny = is_tiny(x);
    const float xs = blend(tiny, 1.0f, x);
    float u = 1.0f + xs;
    auto [e, f, hfsq, r] = log_parts(u);
    float c = (xs - (u - 1.0f)) / u;
    float y = e * kLn2Hi - ((hfsq - (r + (e * kLn2Lo + c))) - f);
    return tiny ? x : y;
}

// tan, atan, asin, acos: Cephes' single-precision kernels (tanf.c, atanf.c,
// asinf.c), with the double versions' range tests and stand-ins.

// The reduction in double (|x| - j pi/4 is float's z with a 2^-53 error at
// most), Cephes' tanf.c kernel in float.
MF_VMATH bool fast_tan(float x) { return zero_or_normal(x) & fast_trig(double(x)); }
MF_VMATH float tan(float x) {
    const bool tiny = is_tiny(x);
    auto [zd, octant] = reduce_quarter_pi_exact(double(blend(tiny, 1.0f, __builtin_fabsf(x))));
    float z = float(zd), zz = z * z;
    float p = 9.38540185543e-3f;
    p = p * zz + 3.11992232697e-3f;
    p = p * zz + 2.44301354525e-2f;
    p = p * zz + 5.34112807005e-2f;
    p = p * zz + 1.33387994085e-1f;
    p = p * zz + 3.33331568548e-1f;
    float y = p * zz * z + z;
    bool cot = (octant == 2.0) | (octant == 6.0);
    float r = blend(cot, -1.0f, y) / blend(cot, y, 1.0f);
    return tiny ? x : __builtin_copysignf(1.0f, x) * r;
}

// y + atan(t) + more, |t| <= tan(pi/8) (Cephes atanf.c), not tiny.
MF_VMATH float atan_kernel(float t, float y, float more) {
    float z = t * t;
    float p = 8.05374449538e-2f;
    p = p * z - 1.38776856032e-1f;
    p = p * z + 1.99777106478e-1f;
    p = p * z - 3.33329491539e-1f;
    return y + ((p * z * t + t) + more);
}

MF_VMATH bool fast_atan(float x) { return zero_or_normal(x) & (abs_bits(x) <= kInfBitsF); }
MF_VMATH float atan(float x) {
    constexpr i32 kT3P8Bits = 0x401a827a;  // tan(3pi/8) = 2.4142137
    constexpr i32 kTP8Bits = 0x3ed413cd;   // tan(pi/8) = 0.41421357
    constexpr float kPio2 = 1.5707963267948966f, kPio4 = 0.7853981633974483f;
    const bool tiny = is_tiny(x), huge = abs_bits(x) > 0x4e800000;  // 2^30: as the double one
    float ax = blend(tiny, 1.0f, blend(huge, 0x1p30f, __builtin_fabsf(x)));
    const bool big = abs_bits(ax) > kT3P8Bits, mid = !big & (abs_bits(ax) > kTP8Bits);
    float num = blend(big, -1.0f, blend(mid, ax - 1.0f, ax));
    float den = blend(big, ax, blend(mid, ax + 1.0f, 1.0f));
    float y0 = big ? kPio2 : mid ? kPio4 : 0.0f;
    // What rounding pi/2 and pi/4 to float left out (Cephes' MOREBITS).
    float more = big ? -4.37113883e-8f : mid ? -2.18556941e-8f : 0.0f;
    float y = atan_kernel(num / den, y0, more);
    return tiny ? x : __builtin_copysignf(y, x);
}

// asin on [0, 0.5] (Cephes asinf.c's polynomial), t >= 0 not tiny.
MF_VMATH float asin_small(float t, float tt) {
    float p = 4.2163199048e-2f;
    p = p * tt + 2.4181311049e-2f;
    p = p * tt + 4.5470025998e-2f;
    p = p * tt + 7.4953002686e-2f;
    p = p * tt + 1.6666752422e-1f;
    return p * tt * t + t;
}

MF_VMATH bool fast_asin(float x) { return zero_or_normal(x) & (abs_bits(x) <= kOneBitsF); }
// asin |x| = pi/2 - 2 asin sqrt((1 - |x|) / 2) above 0.5.
MF_VMATH float asin(float x) {
    constexpr float kPio2 = 1.5707963267948966f;
    const bool tiny = is_tiny(x), small = abs_bits(x) <= 0x3f000000;  // 0.5
    float ax = blend(tiny, 0.25f, __builtin_fabsf(x));
    float zz = small ? ax * ax : 0.5f * (1.0f - ax);
    float t = small ? ax : __builtin_sqrtf(zz);
    float a = asin_small(t, zz);
    float y = small ? a : kPio2 - (a + a);
    return tiny ? x : __builtin_copysignf(y, x);
}

MF_VMATH bool fast_acos(float x) { return abs_bits(x) <= kOneBitsF; }
// Below -0.5: pi - 2 asin sqrt((1 + x) / 2); above 0.5: 2 asin sqrt((1 - x) / 2);
// between: pi/2 - asin x.
MF_VMATH float acos(float x) {
    constexpr float kPio2 = 1.5707963267948966f, kPi = 3.14159265358979f;
    const bool tiny = is_tiny(x), small = abs_bits(x) <= 0x3f000000, negative = signed_bits(x) < 0;
    float xs = blend(tiny, 0.25f, x);
    float zz = small ? xs * xs : 0.5f * (1.0f - __builtin_fabsf(xs));
    float t = small ? xs : __builtin_sqrtf(zz);
    float a = asin_small(t, zz);
    float y_big = negative ? kPi - (a + a) : a + a;
    float y = small ? kPio2 - a : y_big;
    return tiny ? kPio2 : y;
}

// arctan2 as the double one, with atan's float kernel; float32's subnormal
// results come of inexact quotients here, which raise underflow themselves.
MF_VMATH float atan2(float y, float x) {
    constexpr float kPio2 = 1.5707963267948966f, kPio2Lo = -4.37113883e-8f;  // pi/2 - float(pi/2)
    constexpr float kPi = 3.14159265358979f, kPiLo = -8.74227766e-8f;       // pi - float(pi)
    constexpr float kPio4 = 0.7853981633974483f, kPio4Lo = -2.18556941e-8f;
    const i32 by = abs_bits(y), bx = abs_bits(x);
    const bool nan = (by > kInfBitsF) | (bx > kInfBitsF);
    const bool swap = by > bx, xneg = signed_bits(x) < 0;
    float num = __builtin_fabsf(blend(swap, x, y)), den = __builtin_fabsf(blend(swap, y, x));
    const bool both_inf = (by == kInfBitsF) & (bx == kInfBitsF);
    const bool tiny = !nan & ((swap ? by - bx : bx - by) > (30 << 23));
    const bool direct = !swap & !xneg;
    num = blend(both_inf | nan, 1.0f, blend(tiny & !direct, 0.0f, num));
    den = blend(both_inf | nan, 1.0f, blend(abs_bits(den) == 0, 1.0f, den));
    const bool huge = (abs_bits(den) >= 0x7e800000) & (abs_bits(den) < kInfBitsF);  // 2^126
    const float scale = blend(abs_bits(den) < 0x1b800000, 0x1p60f, blend(huge, 0.5f, 1.0f));  // as the double one
    num *= scale;
    den *= scale;
    const bool mid = num > 0.41421356f * den;  // above tan(pi/8)
    const float t = blend(mid, num - den, num) / blend(mid, num + den, den);
    float a = atan_kernel(blend(tiny, 0.25f, t), mid ? kPio4 : 0.0f, mid ? kPio4Lo : 0.0f);
    a = tiny ? t : a;
    float r = swap ? (kPio2 - a) + kPio2Lo : a;
    r = xneg ? (kPi - r) + kPiLo : r;
    r = nan ? blend(bx > kInfBitsF, x, y) : r;
    return __builtin_copysignf(r, y);
}

// hypot in double: the squares can neither overflow nor underflow there,
// and rounding the result to float raises float's overflow and underflow.
MF_VMATH float hypot(float x, float y) {
    const bool inf = (abs_bits(x) == kInfBitsF) | (abs_bits(y) == kInfBitsF);
    const double dx = x, dy = y;
    const float h = float(__builtin_sqrt(dx * dx + dy * dy));
    return inf ? __builtin_inff() : h;
}

// cbrt in double lanes (its Newton step wants double), rounded once.
MF_VMATH bool fast_cbrt(float x) { return fast_cbrt(double(x)); }
// The 23-bit estimate rounded to float (within 1.5 ulp): one division, not three.
MF_VMATH float cbrt(float x) {
    const bool zero = abs_bits(x) == 0;
    double t = cbrt_estimate(double(blend(zero, 1.0f, __builtin_fabsf(x))));
    return zero ? x : __builtin_copysignf(float(t), x);
}

}  // namespace vmath
#undef MF_VMATH

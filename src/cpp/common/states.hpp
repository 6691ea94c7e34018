// Partial results of reductions, shared by the kernels (which produce them)
// and the driver (which merges and finishes them).
//
// Every function here is `static`: each translation unit, each SIMD level's
// included, gets its own copy compiled with its own flags, so the linker can
// never hand the baseline code an AVX-512 copy.
#pragma once

#include <cstdint>
#include <type_traits>

namespace mf {

template <class T>
constexpr bool is_float_v = std::is_floating_point_v<T>;

// Flags the driver passes to kernels.
enum KernelFlags : int {
    kSkipNan = 1,   // nan-reductions: NaN does not count
    kHigh = 2,      // max/argmax rather than min/argmin
    kFloatAcc = 4,  // sum integers in double (mean), not modulo 2^64 (sum)
};

// sum, nansum, mean, nanmean, dot. Integer sums wrap modulo 2^64 (as NumPy's
// int64 does); floats, and integers under kFloatAcc, sum in double.
struct SumState {
    double f = 0.0;
    uint64_t i = 0;
    double count = 0.0;  // elements that counted (non-NaN ones under kSkipNan)
};

// prod. Integers: `i`, wrapping modulo 2^64. Floats: `f`, with IEEE's special
// cases decided by the elements, not by the order of the multiplications
// (DECISIONS.md): NaN if a NaN, or both a zero and an infinity, were seen;
// else a zero if a zero was (even where other partial products overflowed:
// not inf * 0 = NaN); else an infinity if one was; else the product, whose
// partial products may have overflowed or underflowed. Zeros and infinities
// carry the product's sign (the XOR of the elements' sign bits).
constexpr uint32_t kProdZero = 1;  // ProdState::special: a zero (or a NaN) was seen
constexpr uint32_t kProdInf = 2;   // an infinity (or a NaN) was seen

struct ProdState {
    double f = 1.0;
    uint64_t i = 1;
    uint32_t special = 0;  // kProdZero | kProdInf (floats)
};

// a * b, with the product's sign even where it is NaN: two partial products
// of finite elements, one overflowed, one underflowed (inf * 0). Elsewhere the
// sign of an IEEE product already is the XOR of its operands': branch-free.
static inline double prod_mul(double a, double b) {
    double p = a * b;
    uint64_t pb, ab, bb;
    __builtin_memcpy(&pb, &p, 8);
    __builtin_memcpy(&ab, &a, 8);
    __builtin_memcpy(&bb, &b, 8);
    const uint64_t sign = uint64_t(1) << 63;
    pb = (pb & ~sign) | ((ab ^ bb) & sign);
    __builtin_memcpy(&p, &pb, 8);
    return p;
}

// The product of float elements from `p`, the product of all of them with
// zeros, infinities and NaN taken as +-1 (their signs), and their specials.
static inline double prod_value(double p, uint32_t special) {
    if (special == (kProdZero | kProdInf)) return __builtin_nan("");
    if (special == kProdZero) return __builtin_copysign(0.0, p);
    if (special == kProdInf) return __builtin_copysign(__builtin_huge_val(), p);
    return p;
}

// min, max, nanmin, nanmax.
template <class T>
struct ExtremeState {
    T value;
    double count = 0.0;  // non-NaN elements seen
    double nans = 0.0;   // NaN elements seen
};

// argmin, argmax: the first extreme, or the first NaN, which wins.
template <class T>
struct ArgState {
    T value{};
    int64_t index = -1;  // -1: nothing seen yet
    bool nan = false;
};

// var, std, nanvar, nanstd: count, mean and sum of squared deviations. The
// mean is relative to `shift` (one of the elements): means of 1e8 + noise
// rounded to doubles would lose the digits that merging needs.
struct MomentState {
    double n = 0.0;
    double mean = 0.0;
    double m2 = 0.0;
    double shift = 0.0;
};

// `a` holds earlier elements than `b` in every merge below.

static inline SumState merge(const SumState& a, const SumState& b) {
    return {a.f + b.f, a.i + b.i, a.count + b.count};
}

// prod_value of a state's `f` is `f` itself: merging is prod_value of the product.
static inline ProdState merge(const ProdState& a, const ProdState& b) {
    const uint32_t special = a.special | b.special;
    return {prod_value(prod_mul(a.f, b.f), special), a.i * b.i, special};
}

template <class T>
static inline ExtremeState<T> merge_extreme(const ExtremeState<T>& a, const ExtremeState<T>& b,
                                            bool high) {
    if (a.count == 0) return {b.value, b.count, a.nans + b.nans};
    if (b.count == 0) return {a.value, a.count, a.nans + b.nans};
    bool take_b = high ? b.value > a.value : b.value < a.value;
    return {take_b ? b.value : a.value, a.count + b.count, a.nans + b.nans};
}

template <class T>
static inline ArgState<T> merge_arg(const ArgState<T>& a, const ArgState<T>& b, bool high) {
    if (a.index < 0 || a.nan) return a.index < 0 ? b : a;
    if (b.index < 0) return a;
    if (b.nan) return b;
    bool take_b = high ? b.value > a.value : b.value < a.value;  // ties keep the first
    return take_b ? b : a;
}

// Chan, Golub and LeVeque's pairwise update: stable for any split.
static inline MomentState merge(const MomentState& a, const MomentState& b) {
    if (a.n == 0) return b;
    if (b.n == 0) return a;
    double n = a.n + b.n;
    // (shifts of nearby elements subtract exactly; the result keeps a's)
    double delta = (b.shift - a.shift) + (b.mean - a.mean);
    return {n, a.mean + delta * (b.n / n), a.m2 + b.m2 + delta * delta * (a.n * b.n / n),
            a.shift};
}

}  // namespace mf

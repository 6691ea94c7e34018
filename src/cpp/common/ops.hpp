// The ops, from the generated mf_ops.def (src/cpp/gen_ops.py writes it from
// the Python op table, src/python/mathfront/_ops.py): their identifiers, and
// the facts of each row the C++ side needs.
#pragma once

#include <cstdint>
#include <type_traits>

#include "dtype.hpp"

namespace mf {

enum class Binary : int {
#define MF_BINARY(name, Functor, result, cost, dtypes) name,
#include "mf_ops.def"
};
enum class Unary : int {
#define MF_UNARY(name, Functor, result, cost, dtypes) name,
#include "mf_ops.def"
};
enum class Reduction : int {
#define MF_REDUCTION(name, family, variant, skip_nan, result, keyword, identity) name,
#include "mf_ops.def"
};
enum class Scan : int {
#define MF_SCAN(name, family, result) name,
#include "mf_ops.def"
};
enum class Ternary : int {
#define MF_TERNARY(name, Functor, result, cost) name,
#include "mf_ops.def"
};

constexpr int kNumBinary = 0
#define MF_BINARY(name, Functor, result, cost, dtypes) +1
#include "mf_ops.def"
    ;
constexpr int kNumUnary = 0
#define MF_UNARY(name, Functor, result, cost, dtypes) +1
#include "mf_ops.def"
    ;
constexpr int kNumTernary = 0
#define MF_TERNARY(name, Functor, result, cost) +1
#include "mf_ops.def"
    ;

// A row's result-type rule (the op table's SAME, FLOAT, INEXACT, NUMERIC, WIDE,
// INDEX, BOOL).
enum class Result : int { Same, Float, Inexact, Numeric, Wide, Index, Bool };

// The C type a rule gives for input type T (void: NumPy's float16, which no
// row lists, so no kernel is ever instantiated for it).
template <Result R, class T> struct ResultType { using type = T; };  // Same
template <class T> struct ResultType<Result::Float, T> {
    using type = std::conditional_t<std::is_floating_point_v<T>, T, double>;
};
template <class T> struct ResultType<Result::Inexact, T> {
    using type = std::conditional_t<std::is_floating_point_v<T>, T,
                 std::conditional_t<(sizeof(T) >= 4), double,
                 std::conditional_t<sizeof(T) == 2, float, void>>>;
};
template <class T> struct ResultType<Result::Numeric, T> {
    using type = std::conditional_t<std::is_same_v<T, bool>, int8_t, T>;
};
template <class T> struct ResultType<Result::Wide, T> {
    using type = std::conditional_t<std::is_floating_point_v<T>, T,
                 std::conditional_t<std::is_unsigned_v<T> && !std::is_same_v<T, bool>,
                                    uint64_t, int64_t>>;
};
template <class T> struct ResultType<Result::Index, T> { using type = int64_t; };
template <class T> struct ResultType<Result::Bool, T> { using type = uint8_t; };  // NumPy's bool: 0 or 1
template <Result R, class T> using ResultOf = typename ResultType<R, T>::type;

// The dtype a rule gives for input dtype `in` (ResultOf, at run time; Inexact
// of bool, int8 and uint8, float16 in NumPy, is never asked: no row lists them).
constexpr DType result_dtype(Result r, DType in) {
    const bool floating = in == DType::f32 || in == DType::f64;
    const bool is_unsigned = in == DType::u8 || in == DType::u16 || in == DType::u32 ||
                             in == DType::u64;
    switch (r) {
        case Result::Same: return in;
        case Result::Float: return floating ? in : DType::f64;
        case Result::Inexact:
            return floating ? in : itemsize(in) == 2 ? DType::f32 : DType::f64;
        case Result::Numeric: return in == DType::b1 ? DType::i8 : in;
        case Result::Wide: return floating ? in : is_unsigned ? DType::u64 : DType::i64;
        case Result::Index: break;
        case Result::Bool: return DType::b1;
    }
    return DType::i64;
}

// How a reduction combines values (its kernels), and how it finishes.
enum class Family : int { Sum, Prod, Extreme, Arg, Moments, Logical, Count };
constexpr int kNumFamilies = 7;
enum class Variant : int { Plain, Mean, Low, High, Var, Std };

struct ElementwiseSpec {
    const char* name;
    Result result;
    int cost;         // time per element relative to add
    uint32_t dtypes;  // the row's input dtypes (dtype_bit)
};

inline constexpr ElementwiseSpec kBinary[] = {
#define MF_BINARY(name, Functor, result, cost, dtypes) {#name, Result::result, cost, dtypes},
#include "mf_ops.def"
};
inline constexpr ElementwiseSpec kUnary[] = {
#define MF_UNARY(name, Functor, result, cost, dtypes) {#name, Result::result, cost, dtypes},
#include "mf_ops.def"
};
inline constexpr ElementwiseSpec kTernary[] = {
#define MF_TERNARY(name, Functor, result, cost) {#name, Result::result, cost, ~0u},
#include "mf_ops.def"
};

// The keyword a reduction takes beyond axis, keepdims and out.
enum class Keyword : int { None, Dtype, Ddof };

struct ReductionSpec {
    const char* name;
    Family family;
    Variant variant;
    bool skip_nan;
    Result result;
    Keyword keyword;
    bool has_identity;  // false: NumPy refuses to reduce an empty set
};

inline constexpr ReductionSpec kReductions[] = {
#define MF_REDUCTION(name, family, variant, skip_nan, result, keyword, identity) \
    {#name, Family::family, Variant::variant, skip_nan, Result::result, Keyword::keyword, identity},
#include "mf_ops.def"
};

// A cumulative op (cumsum, cumulative_sum...): its family is Sum or Prod.
struct ScanSpec {
    const char* name;
    Family family;
    Result result;
};

inline constexpr ScanSpec kScans[] = {
#define MF_SCAN(name, family, result) {#name, Family::family, Result::result},
#include "mf_ops.def"
};

constexpr const ElementwiseSpec& spec(Binary op) { return kBinary[static_cast<int>(op)]; }
constexpr const ScanSpec& spec(Scan op) { return kScans[static_cast<int>(op)]; }
constexpr const ElementwiseSpec& spec(Unary op) { return kUnary[static_cast<int>(op)]; }
constexpr const ElementwiseSpec& spec(Ternary op) { return kTernary[static_cast<int>(op)]; }
constexpr const ReductionSpec& spec(Reduction op) { return kReductions[static_cast<int>(op)]; }

// NumPy's result dtype of an op for one input dtype.
constexpr DType result_dtype(Binary op, DType in) { return result_dtype(spec(op).result, in); }
constexpr DType result_dtype(Unary op, DType in) { return result_dtype(spec(op).result, in); }
constexpr DType result_dtype(Reduction op, DType in) { return result_dtype(spec(op).result, in); }
constexpr DType result_dtype(Scan op, DType in) { return result_dtype(spec(op).result, in); }
constexpr DType result_dtype(Ternary op, DType in) { return result_dtype(spec(op).result, in); }

}  // namespace mf

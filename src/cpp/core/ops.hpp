// Op identifiers generated from ops.def.
#pragma once

namespace mf {

enum class Binary : int {
#define MF_BINARY(name, Functor) name,
#include "ops.def"
};
enum class Unary : int {
#define MF_UNARY(name, Functor) name,
#include "ops.def"
};
enum class Reduction : int {
#define MF_REDUCTION(name, family, variant, skip_nan) name,
#include "ops.def"
};

constexpr int kNumBinary = 0
#define MF_BINARY(name, Functor) +1
#include "ops.def"
    ;
constexpr int kNumUnary = 0
#define MF_UNARY(name, Functor) +1
#include "ops.def"
    ;
constexpr int kNumReductions = 0
#define MF_REDUCTION(name, family, variant, skip_nan) +1
#include "ops.def"
    ;

// How a reduction combines values (its kernels), and how it finishes.
enum class Family : int { Sum, Prod, Extreme, Arg, Moments };
constexpr int kNumFamilies = 5;
enum class Variant : int { Plain, Mean, Low, High, Var, Std };

struct ReductionSpec {
    const char* name;
    Family family;
    Variant variant;
    bool skip_nan;
};

inline constexpr ReductionSpec kReductions[] = {
#define MF_REDUCTION(name, family, variant, skip_nan) \
    {#name, Family::family, Variant::variant, skip_nan},
#include "ops.def"
};

inline constexpr const char* kBinaryNames[] = {
#define MF_BINARY(name, Functor) #name,
#include "ops.def"
};
inline constexpr const char* kUnaryNames[] = {
#define MF_UNARY(name, Functor) #name,
#include "ops.def"
};

}  // namespace mf

// One SIMD level's kernel table, in parts. Compiled once per level and part
// with -DMF_LEVEL_NS=<level>, -DMF_PART=<part> and that level's -march: every
// definition lives in that namespace (an unnamed one inside it), so the linker
// can never merge an AVX-512 copy of a kernel into the baseline path.
//
// The parts (MF_PART_BINARY, MF_PART_UNARY, MF_PART_REDUCE) are separate
// translation units that build in parallel; each fills its share of a
// KernelTable, and dispatch.cpp merges a level's parts. Above the baseline
// (MF_LEVEL_BASELINE undefined) only the loops that pay for wider vectors are
// compiled: float elementwise ops (but comparisons and predicates) and the
// reductions; the other slots, integer and bool loops, memory-bound, are the
// baseline's (dispatch.cpp fills them from it).
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#else
#include <cfenv>  // feraiseexcept (elementwise_kernels.hpp)
#endif

#include "../common/states.hpp"
#include "table.hpp"

#ifndef MF_LEVEL_NS
#error "compile kernels.cpp with -DMF_LEVEL_NS=<level>"
#endif
#define MF_PART_BINARY 1
#define MF_PART_UNARY 2
#define MF_PART_REDUCE 3
#ifndef MF_PART
#error "compile kernels.cpp with -DMF_PART=<MF_PART_BINARY, MF_PART_UNARY or MF_PART_REDUCE>"
#endif
#define MF_STR2(x) #x
#define MF_STR(x) MF_STR2(x)

namespace mf {
namespace MF_LEVEL_NS {
namespace {

#include "simd.hpp"
#include "vmath.hpp"
#include "elementwise_kernels.hpp"
#include "integer_kernels.hpp"
#include "compare_kernels.hpp"
#include "select_kernels.hpp"
#include "reduce_kernels.hpp"

#if defined(MF_LEVEL_BASELINE)
constexpr bool kBaseline = true;
#else
constexpr bool kBaseline = false;
#endif

// Integer loops that the baseline cannot vectorise: x86's per-lane shifts by
// a variable count (vpsllvd, vpsravd...) came with AVX2, so SSE2 shifts one
// element at a time, slower than memory.
template <class Op>
constexpr bool kNeedsAvx2 = std::is_same_v<Op, LeftShift> || std::is_same_v<Op, RightShift>;

// Whether this level compiles an elementwise loop: the baseline all; higher
// levels float math only (integer, bool and comparison loops are memory-bound:
// wider vectors buy them nothing, and they are most of the code), integers
// included where the result is a float (sqrt, log, divide of int32: the math
// is the float loop's, after a conversion SSE2 lacks for int64), and shifts.
template <class Op, Result R, DType D>
constexpr bool compiled_here() {
    constexpr bool is_float = D == DType::f32 || D == DType::f64;
    return kBaseline || (is_float && R != Result::Bool) || R == Result::Inexact ||
           R == Result::Float || (kNeedsAvx2<Op> && !is_float);
}

// Fills one op's loops for each dtype its row lists (`dtypes`, a mask of
// dtype_bit) that this level compiles: a functor need compile only for those
// (bitwise ops: no floats).
template <class Op, Result R, uint32_t dtypes, DType... D, class Loops, class Make>
constexpr void set_loops(Loops* row, Make make) {
    auto one = [&](auto d) {
        if constexpr ((dtypes & dtype_bit(d.value)) != 0 && compiled_here<Op, R, d.value>()) {
            using T = typename CType<d.value>::type;
            static_assert(std::is_same_v<typename Op::template Out<T>, ResultOf<R, T>>,
                          "a functor's Out<T> differs from its op table row's result rule");
            row[static_cast<int>(d.value)] = make(T{});
        }
    };
    (one(std::integral_constant<DType, D>{}), ...);
}

// The dtypes the elementwise kernels are compiled for (each row: those it lists).
#define MF_ELEMENTWISE_DTYPES                                                              \
    DType::b1, DType::i8, DType::i16, DType::i32, DType::i64, DType::u8, DType::u16,       \
        DType::u32, DType::u64, DType::f32, DType::f64

template <class Op, Result R, uint32_t dtypes>
constexpr void set_binary(KernelTable& t, Binary op) {
    set_loops<Op, R, dtypes, MF_ELEMENTWISE_DTYPES>(t.binary[static_cast<int>(op)],
                             [](auto tag) { return binary_loops<Op, decltype(tag)>(); });
}

template <class Op, Result R, uint32_t dtypes>
constexpr void set_unary(KernelTable& t, Unary op) {
    set_loops<Op, R, dtypes, MF_ELEMENTWISE_DTYPES>(t.unary[static_cast<int>(op)],
                             [](auto tag) { return unary_loops<Op, decltype(tag)>(); });
}

// A ternary op's loops (where, clip: no arithmetic) for every dtype of DType, so
// that the enum's dtypes are theirs as soon as they are compiled.
template <class Op, Result R, int... D>
constexpr void set_ternary(KernelTable& t, Ternary op, std::integer_sequence<int, D...>) {
    static_assert((std::is_same_v<typename Op::template Out<typename CType<DType(D)>::type>,
                                  ResultOf<R, typename CType<DType(D)>::type>> && ...),
                  "a ternary functor's Out<T> differs from its op table row's result rule");
    ((t.ternary[static_cast<int>(op)][D] = ternary_loop<Op, typename CType<DType(D)>::type>), ...);
}

// Every family for dtype D, read as T (bool as its bytes: uint8_t).
template <class T, DType D>
constexpr void set_reductions(KernelTable& t) {
    constexpr int d = static_cast<int>(D);
    t.row[static_cast<int>(Family::Sum)][d] = sum_row<T>;
    t.row[static_cast<int>(Family::Prod)][d] = prod_row<T>;
    t.row[static_cast<int>(Family::Extreme)][d] = extreme_row<T>;
    t.row[static_cast<int>(Family::Arg)][d] = arg_row<T>;
    t.row[static_cast<int>(Family::Moments)][d] = moments_row<T>;
    t.slab[static_cast<int>(Family::Sum)][d] = sum_slab<T>;
    t.slab[static_cast<int>(Family::Prod)][d] = prod_slab<T>;
    t.slab[static_cast<int>(Family::Extreme)][d] = extreme_slab<T>;
    t.slab[static_cast<int>(Family::Arg)][d] = arg_slab<T>;
    t.slab[static_cast<int>(Family::Moments)][d] = moments_slab<T>;
    for (Family f : {Family::Logical, Family::Count}) {  // any, all; count_nonzero
        t.row[static_cast<int>(f)][d] = count_row<T>;
        t.slab[static_cast<int>(f)][d] = count_slab<T>;
    }
    t.dot[d] = dot_row<T>;
}

// This part's share of the level's table; the other slots stay null.
constexpr KernelTable make_part() {
    KernelTable t{};
    t.level = MF_STR(MF_LEVEL_NS);
// A functor's Out<T> must be its row's result rule (static_assert in set_loops): the
// driver sizes `out` by the rule, so a mismatch would overrun it.
#if MF_PART == MF_PART_BINARY
#define MF_BINARY(name, Functor, result, cost, dtypes) \
    set_binary<Functor, Result::result, dtypes>(t, Binary::name);
#elif MF_PART == MF_PART_UNARY
#define MF_UNARY(name, Functor, result, cost, dtypes) \
    set_unary<Functor, Result::result, dtypes>(t, Unary::name);
#define MF_TERNARY(name, Functor, result, cost) \
    set_ternary<Functor, Result::result>(t, Ternary::name, std::make_integer_sequence<int, kNumDTypes>{});
#endif
#include "mf_ops.def"
#if MF_PART == MF_PART_REDUCE
    set_reductions<uint8_t, DType::b1>(t);
    set_reductions<int8_t, DType::i8>(t);
    set_reductions<int16_t, DType::i16>(t);
    set_reductions<int32_t, DType::i32>(t);
    set_reductions<int64_t, DType::i64>(t);
    set_reductions<uint8_t, DType::u8>(t);
    set_reductions<uint16_t, DType::u16>(t);
    set_reductions<uint32_t, DType::u32>(t);
    set_reductions<uint64_t, DType::u64>(t);
    set_reductions<float, DType::f32>(t);
    set_reductions<double, DType::f64>(t);
#endif
    t.stream_copy = stream_copy;  // every part: the same, and used by each
    t.store_fence = store_fence;
    return t;
}

}  // namespace

#if MF_PART == MF_PART_BINARY
#define MF_PART_TABLE binary_part
#elif MF_PART == MF_PART_UNARY
#define MF_PART_TABLE unary_part
#else
#define MF_PART_TABLE reduce_part
#endif
extern const KernelTable MF_PART_TABLE;
constexpr KernelTable MF_PART_TABLE = make_part();

}  // namespace MF_LEVEL_NS
}  // namespace mf

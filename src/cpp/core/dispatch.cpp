// Picks the kernel table of the active SIMD level: the merge of its parts
// (kernels.cpp is compiled once per level and part), the slots a higher level
// leaves empty (its integer and bool loops) taken from the baseline's.
#include <array>
#include <initializer_list>

#include "cpu_features.hpp"
#include "../kernels/table.hpp"

namespace mf {

#define MF_DECLARE_PARTS extern const KernelTable binary_part, unary_part, reduce_part;
namespace baseline { MF_DECLARE_PARTS }
#if defined(MF_HAVE_X86_LEVELS)
namespace avx2 { MF_DECLARE_PARTS }
namespace avx512 { MF_DECLARE_PARTS }
#endif
#undef MF_DECLARE_PARTS

namespace {

void fill_slot(BinaryLoops& into, const BinaryLoops& from) { if (!into.vv) into = from; }
void fill_slot(UnaryLoops& into, const UnaryLoops& from) { if (!into.v) into = from; }
template <class F>
void fill_slot(F*& into, F* from) { if (!into) into = from; }

template <class S, size_t N>
void fill_slots(S (&into)[N], const S (&from)[N]) {
    for (size_t i = 0; i < N; ++i) fill_slot(into[i], from[i]);
}
template <class S, size_t N, size_t M>
void fill_slots(S (&into)[N][M], const S (&from)[N][M]) {
    for (size_t i = 0; i < N; ++i) fill_slots(into[i], from[i]);
}

// Sets every null slot of `into` to `from`'s.
void fill(KernelTable& into, const KernelTable& from) {
    if (!into.level) into.level = from.level;
    fill_slots(into.binary, from.binary);
    fill_slots(into.unary, from.unary);
    fill_slots(into.ternary, from.ternary);
    fill_slots(into.row, from.row);
    fill_slots(into.slab, from.slab);
    fill_slots(into.dot, from.dot);
    fill_slot(into.stream_copy, from.stream_copy);
    fill_slot(into.store_fence, from.store_fence);
}

KernelTable merged(std::initializer_list<const KernelTable*> parts) {
    KernelTable t{};
    for (const KernelTable* part : parts) fill(t, *part);
    return t;
}

using Tables = std::array<KernelTable, 3>;  // by Level

Tables make_tables() {
    Tables t{};
    t[0] = merged({&baseline::binary_part, &baseline::unary_part, &baseline::reduce_part});
#if defined(MF_HAVE_X86_LEVELS)
    t[1] = merged({&avx2::binary_part, &avx2::unary_part, &avx2::reduce_part, &t[0]});
    t[2] = merged({&avx512::binary_part, &avx512::unary_part, &avx512::reduce_part, &t[0]});
#endif
    return t;
}

}  // namespace

const KernelTable& kernels() {
    static const Tables tables = make_tables();
#if defined(MF_HAVE_X86_LEVELS)
    return tables[static_cast<int>(active_level())];
#else
    return tables[0];
#endif
}

}  // namespace mf

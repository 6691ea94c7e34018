// The kernels of one SIMD level, as a table of function pointers.
//
// kernels.cpp is compiled once per level (baseline, avx2, avx512), each time
// into its own namespace with its own -march flags, and fills one table.
// Everything else (iteration, threads, Python) is compiled once, for the
// baseline, and reaches the kernels through the active level's table.
//
// Kernels see contiguous memory only (slabs excepted); the driver gathers
// strided data into small buffers first. States are those of states.hpp,
// passed as void* because their type depends on the dtype.
#pragma once

#include <cstdint>

#include "../common/dtype.hpp"
#include "../common/ops.hpp"

namespace mf {

// out[i] = f(a[i], b[i]); the _vs/_sv forms read a single value of b / a;
// the _nt forms write out with non-temporal stores (outputs beyond the LLC).
using BinaryFn = void (*)(const void* a, const void* b, void* out, int64_t n);
struct BinaryLoops {
    BinaryFn vv = nullptr, vs = nullptr, sv = nullptr;
    BinaryFn vv_nt = nullptr, vs_nt = nullptr, sv_nt = nullptr;
};
using UnaryFn = void (*)(const void* a, void* out, int64_t n);
struct UnaryLoops {
    UnaryFn v = nullptr, v_nt = nullptr;
};

// One run of a ternary op (where, clip): p = {out, a, b, c}, byte strides s.
using TernaryFn = void (*)(char* const* p, const int64_t* s, int64_t n);

// Reduce x[0, n) into *state (overwritten). flags: KernelFlags.
using RowFn = void (*)(const void* x, int64_t n, int flags, void* state);

// Outer reduction: fold rows r in [0, nrows) (row r at x + r * rstride, its
// element k at + k * kstride, k in [0, nk)) into per-k accumulators `slab`
// (the family's Slab struct). `first_row` numbers row 0 among all rows folded
// so far: argmin/argmax report it, var/std count with it.
using SlabFn = void (*)(const char* x, int64_t rstride, int64_t nrows, int64_t kstride,
                        int64_t nk, int flags, int64_t first_row, void* slab);

// Dot product of contiguous a[0, n) and b[0, n) into a SumState.
using DotFn = void (*)(const void* a, const void* b, int64_t n, void* state);

// Per-k accumulators of the outer reductions (structure of arrays, so that
// the slab loops vectorise across k).
struct SumSlab { double* f; uint64_t* i; double* count; };
struct ProdSlab { double* f; uint64_t* i; };
template <class T> struct ExtremeSlab { T* value; double* nans; };
template <class T> struct ArgSlab { T* value; int64_t* index; uint8_t* nan; };
struct MomentSlab { double* n; double* mean; double* m2; };

struct KernelTable {
    const char* level;
    BinaryLoops binary[kNumBinary][kNumDTypes];  // null for bool
    UnaryLoops unary[kNumUnary][kNumDTypes];
    TernaryFn ternary[kNumTernary > 0 ? kNumTernary : 1][kNumDTypes];
    RowFn row[kNumFamilies][kNumDTypes];
    SlabFn slab[kNumFamilies][kNumDTypes];
    DotFn dot[kNumDTypes];
    // memcpy with non-temporal stores: outputs larger than the last-level
    // cache skip the read-for-ownership of every line they write.
    void (*stream_copy)(void* dst, const void* src, int64_t bytes);
    // Orders the streamed stores before those that follow (end of a task).
    void (*store_fence)();
};

// The table of the active level (see cpu_features.hpp).
const KernelTable& kernels();

}  // namespace mf

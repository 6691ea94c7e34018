// The kernels of one SIMD level, as a table of function pointers.
//
// kernels.cpp is compiled once per level (baseline, avx2, avx512), each time
// into its own namespace with its own -march flags, and fills one table.
// Everything else (iteration, threads, Python) is compiled once, for the
// baseline, and reaches the kernels through the active level's table.
#pragma once

#include <cstdint>

namespace mf {

struct KernelTable {
    void (*add_f64)(const double* a, const double* b, double* out, int64_t n);
    double (*sum_f64)(const double* x, int64_t n);
};

// The table of the active level (see cpu_features.hpp).
const KernelTable& kernels();

}  // namespace mf

// isclose and allclose of two contiguous 1-D arrays (the C ABI's composites):
// NumPy 2's formula, step by step on the kernel table's loops, in blocks that
// stay in L1, on the thread pool.
#pragma once

#include <cstdint>

namespace mf {

struct Tolerance {
    double rtol, atol;
    bool equal_nan;
};

// out[i] = isclose(a[i], b[i]) (NumPy's bool: a byte, 0 or 1) for i in [0, n):
// |a - b| <= atol + rtol |b| where b is finite, or a == b, or (equal_nan) both
// NaN. Integers compare as float64 (NumPy casts b to a float type, then a
// promotes), float32 in float32 with the tolerances cast to it (as NumPy casts
// Python floats). `out` must not overlap a or b.
//
// Returns the floating-point flags NumPy would report (overflow of a - b, say:
// FpStatus bits) but invalid, which NumPy's isclose ignores; the calling
// thread's flags are cleared first.
template <class T>
int isclose(const T* a, const T* b, uint8_t* out, int64_t n, Tolerance tol);

// Whether isclose holds for every i in [0, n) (true for n == 0); the flags as
// isclose's, through *fp.
template <class T>
bool allclose(const T* a, const T* b, int64_t n, Tolerance tol, int* fp);

}  // namespace mf

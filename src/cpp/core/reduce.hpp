// Reductions over any axes of a strided array, and the 1-D dot product.
#pragma once

#include <cstdint>

#include "../common/dtype.hpp"
#include "../common/fp_status.hpp"
#include "../common/ops.hpp"
#include "strided.hpp"

namespace mf {

// Conditions under which NumPy warns; reduce() reports them, the caller warns.
enum ReduceWarning : int {
    kWarnEmptyMean = 1,  // "Mean of empty slice"
    kWarnAllNan = 2,     // "All-NaN slice encountered"
    kWarnDof = 4,        // "Degrees of freedom <= 0 for slice"
    // NumPy's division by the count that follows those two: "divide by zero" /
    // "invalid value" "encountered in divide" (its floating-point error state).
    kWarnDivideByZero = 8,
    kWarnDivideInvalid = 16,
};

// The floating-point flags (common/fp_status.hpp) of that division.
inline int divide_flags(int warnings) {
    return (warnings & kWarnDivideByZero ? kFpDivideByZero : 0) |
           (warnings & kWarnDivideInvalid ? kFpInvalid : 0);
}

struct ReduceCall {
    Reduction op;
    DType in;
    int ndim;
    const int64_t* shape;
    const int64_t* strides;    // bytes
    const char* data;
    const bool* reduced;       // per axis; argmin/argmax over all axes reduce the flattened array
    char* out;                 // of result_dtype(op, in)
    const int64_t* out_strides;  // per axis of the input; read for kept axes only
    double ddof;               // var, std, nanvar, nanstd
};

// What a reduction reports: NumPy's own warnings, and the floating-point
// flags it raised in any thread (FpStatus bits, common/fp_status.hpp).
struct Reported {
    int warnings = 0;  // ReduceWarning bits
    int fp = 0;
};

// Writes one result per kept index. Reductions over an empty set give
// NumPy's value (0, 1, NaN); the caller refuses the ops without identity
// (min, max, argmin, argmax) on empty input first. The calling thread's
// floating-point flags are cleared first, and taken into Reported::fp.
Reported reduce(const ReduceCall& call);

// For the fused evaluator (core/fused.cpp), which folds pieces of a flat
// sequence with the active table's row kernel itself: the bytes of one row
// state of `op` on `in`, and the KernelFlags its row kernel takes.
struct RowStates {
    int64_t size;
    int flags;
};
RowStates row_states(Reduction op, DType in);

// Merges `n` row states of consecutive pieces (`states`, `size` bytes apart),
// in order and pairwise as reduce() merges its pieces, and writes the finished
// result to `out`. argmin/argmax indices are offset by each piece's first flat
// index, `first[i]`. Warnings as reduce() reports them (fp: none).
Reported finish_states(Reduction op, DType in, double ddof, const char* states, int64_t n,
                       const int64_t* first, char* out);

// Sum of a[i] * b[i] for the strided 1-D vectors a and b, written to `out`
// in `in`'s dtype. Returns the floating-point flags raised, as reduce().
int dot(DType in, const char* a, int64_t a_stride, const char* b, int64_t b_stride, int64_t n,
         char* out);

}  // namespace mf

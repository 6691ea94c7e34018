// Cumulative sums and products along one axis of a strided array.
#pragma once

#include <cstdint>

#include "../common/dtype.hpp"
#include "../common/ops.hpp"

namespace mf {

struct ScanCall {
    Scan op;
    DType in;
    int ndim;                    // at least 1
    const int64_t* shape;
    const int64_t* strides;      // bytes
    const char* data;
    int axis;                    // the scanned axis, in [0, ndim)
    char* out;                   // of result_dtype(op, in), the input's shape
    const int64_t* out_strides;  // bytes; out may be the input itself (same strides)
};

// Writes the running sum (product) along the axis, in the result's type:
// integers and bool in int64, wrapping as NumPy's; floats in their own type.
// A row is cut into chunks of a fixed length (never depending on the number
// of threads); within a chunk the additions are NumPy's sequential ones, from
// the chunk's offset (the combined totals of the chunks before it). Returns the
// floating-point flags raised (common/fp_status.hpp), the caller's cleared first.
int scan(const ScanCall& call);

}  // namespace mf

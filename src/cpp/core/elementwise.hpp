// Elementwise ops over strided, broadcast operands.
#pragma once

#include <cstdint>

#include "../common/dtype.hpp"
#include "../common/ops.hpp"
#include "strided.hpp"

namespace mf {

// out = op(a, b) / op(a). `space` holds the output as operand 0, then the
// inputs, all of the output's shape (zero strides where broadcast). An input
// may be the very same memory as the output, but must not overlap it
// otherwise (the caller copies it first). Runs on the thread pool.
//
// Returns the floating-point flags the computation raised, in any thread, as
// FpStatus bits (common/fp_status.hpp), and clears them: the calling
// thread's flags are cleared first, so they count this call's only.
int elementwise(Binary op, DType in, Space space);
int elementwise(Unary op, DType in, Space space);

}  // namespace mf

// Ternary ops (where, clip) over strided, broadcast operands.
#pragma once

#include "../common/dtype.hpp"
#include "../common/ops.hpp"
#include "strided.hpp"

namespace mf {

// out = op(a, b, c). `space` holds the output as operand 0, then a, b, c, all
// of the output's shape (zero strides where broadcast); `in` is b's and c's
// dtype (and a's, but where's condition, which is bool). An input may be the
// very same memory as the output, but must not overlap it otherwise (the
// caller copies it first). Runs on the thread pool. Raises no flag NumPy
// reports (it compares quietly): returns nothing.
void ternary(Ternary op, DType in, Space space);

}  // namespace mf

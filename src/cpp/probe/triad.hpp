// The bandwidth probe's triad, one per SIMD level (triad.cpp).
#pragma once

#include <cstdint>

namespace mf {

namespace baseline {
void stream_triad(const double* b, const double* c, double s, double* a, int64_t n);
}
#if defined(MF_HAVE_X86_LEVELS)
namespace avx2 {
void stream_triad(const double* b, const double* c, double s, double* a, int64_t n);
}
namespace avx512 {
void stream_triad(const double* b, const double* c, double s, double* a, int64_t n);
}
#endif

}  // namespace mf

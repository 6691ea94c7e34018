// STREAM's triad, a = b + s * c, for the bandwidth probe: compiled once per
// SIMD level beside the kernels (CMakeLists.txt), so that it writes with that
// level's widest non-temporal stores, as the kernels' streaming loops do, but
// outside the op kernel table.
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "triad.hpp"

#ifndef MF_LEVEL_NS
#error "compile triad.cpp with -DMF_LEVEL_NS=<level>"
#endif

namespace mf::MF_LEVEL_NS {

void stream_triad(const double* b, const double* c, double s, double* a, int64_t n) {
    int64_t i = 0;
#if defined(__AVX512F__)
    for (; i < n && reinterpret_cast<uintptr_t>(a + i) % 64 != 0; ++i) a[i] = b[i] + s * c[i];
    const __m512d vs = _mm512_set1_pd(s);
    for (; i + 8 <= n; i += 8)
        _mm512_stream_pd(a + i, _mm512_add_pd(_mm512_loadu_pd(b + i),
                                              _mm512_mul_pd(vs, _mm512_loadu_pd(c + i))));
#elif defined(__AVX__)
    for (; i < n && reinterpret_cast<uintptr_t>(a + i) % 32 != 0; ++i) a[i] = b[i] + s * c[i];
    const __m256d vs = _mm256_set1_pd(s);
    for (; i + 4 <= n; i += 4)
        _mm256_stream_pd(a + i, _mm256_add_pd(_mm256_loadu_pd(b + i),
                                              _mm256_mul_pd(vs, _mm256_loadu_pd(c + i))));
#elif defined(__SSE2__)
    for (; i < n && reinterpret_cast<uintptr_t>(a + i) % 16 != 0; ++i) a[i] = b[i] + s * c[i];
    const __m128d vs = _mm_set1_pd(s);
    for (; i + 2 <= n; i += 2)
        _mm_stream_pd(a + i, _mm_add_pd(_mm_loadu_pd(b + i), _mm_mul_pd(vs, _mm_loadu_pd(c + i))));
#endif
#if defined(__SSE2__)
    _mm_sfence();  // the streamed stores, ordered before what follows
#endif
    for (; i < n; ++i) a[i] = b[i] + s * c[i];
}

}  // namespace mf::MF_LEVEL_NS

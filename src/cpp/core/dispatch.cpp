// Picks the kernel table of the active SIMD level.
#include "cpu_features.hpp"
#include "../kernels/table.hpp"

namespace mf {

namespace baseline { extern const KernelTable table; }
#if defined(MF_HAVE_X86_LEVELS)
namespace avx2 { extern const KernelTable table; }
namespace avx512 { extern const KernelTable table; }
#endif

const KernelTable& kernels() {
#if defined(MF_HAVE_X86_LEVELS)
    switch (active_level()) {
        case Level::avx512: return avx512::table;
        case Level::avx2: return avx2::table;
        case Level::baseline: break;
    }
#endif
    return baseline::table;
}

}  // namespace mf

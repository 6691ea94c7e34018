#include "cpu_features.hpp"

#include <unistd.h>

#include <atomic>
#include <stdexcept>

namespace mf {

namespace {
std::atomic<int> g_active{-1};
}

const char* level_name(Level level) {
    switch (level) {
        case Level::baseline: return "baseline";
        case Level::avx2: return "avx2";
        case Level::avx512: return "avx512";
    }
    return "unknown";
}

Level best_level() {
#if defined(MF_HAVE_X86_LEVELS)
    __builtin_cpu_init();
    // x86-64-v4 is AVX-512 F/BW/CD/DQ/VL; v3 is AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE.
    // GCC's checks include the OS's XSAVE support for the wider registers.
    if (__builtin_cpu_supports("x86-64-v4")) return Level::avx512;
    if (__builtin_cpu_supports("x86-64-v3")) return Level::avx2;
#endif
    return Level::baseline;
}

std::vector<std::string> cpu_features() {
    std::vector<std::string> found;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
#define MF_FEATURE(name) \
    if (__builtin_cpu_supports(name)) found.emplace_back(name);
    MF_FEATURE("sse4.2") MF_FEATURE("popcnt") MF_FEATURE("avx") MF_FEATURE("avx2")
    MF_FEATURE("fma") MF_FEATURE("bmi2") MF_FEATURE("f16c") MF_FEATURE("avx512f")
    MF_FEATURE("avx512bw") MF_FEATURE("avx512cd") MF_FEATURE("avx512dq") MF_FEATURE("avx512vl")
#undef MF_FEATURE
#endif
    return found;
}

Level active_level() {
    int level = g_active.load(std::memory_order_relaxed);
    if (level < 0) {
        level = static_cast<int>(best_level());
        g_active.store(level, std::memory_order_relaxed);
    }
    return static_cast<Level>(level);
}

void select_level(Level level) {
    Level best = best_level();
    if (static_cast<int>(level) > static_cast<int>(best)) {
        throw std::invalid_argument(std::string("this CPU cannot run the ") + level_name(level) +
                                    " kernels; the highest level it supports is " +
                                    level_name(best));
    }
    g_active.store(static_cast<int>(level), std::memory_order_relaxed);
}

Level parse_level(const std::string& name) {
    for (Level level : {Level::baseline, Level::avx2, Level::avx512}) {
        if (name == level_name(level)) return level;
    }
    throw std::invalid_argument("unknown CPU level '" + name +
                                "'; choose baseline, avx2 or avx512");
}

int64_t last_level_cache_bytes() {
    static const int64_t bytes = [] {
        long n = sysconf(_SC_LEVEL3_CACHE_SIZE);
        if (n <= 0) n = sysconf(_SC_LEVEL2_CACHE_SIZE);
        return n > 0 ? int64_t(n) : int64_t(8) << 20;
    }();
    return bytes;
}

}  // namespace mf

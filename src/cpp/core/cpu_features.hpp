// Which SIMD level this CPU can run, and which one the kernels use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mf {

// Kernel variants compiled into the library, lowest first.
enum class Level : int { baseline = 0, avx2 = 1, avx512 = 2 };

const char* level_name(Level level);

// The best level this CPU (and OS) supports among those compiled in.
Level best_level();

// ISA extensions relevant to the kernels that this CPU reports.
std::vector<std::string> cpu_features();

// The level kernels dispatch to. Starts at best_level(); select_level()
// may lower it (MATHFRONT_CPU_LEVEL), never raise it above what the CPU runs.
Level active_level();
void select_level(Level level);  // throws std::invalid_argument if unsupported
Level parse_level(const std::string& name);  // throws std::invalid_argument

// The last-level cache's size in bytes (L3, else L2, else 8 MiB): outputs larger
// than it are written with non-temporal stores.
int64_t last_level_cache_bytes();

}  // namespace mf

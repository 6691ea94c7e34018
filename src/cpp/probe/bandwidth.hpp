// The machine's memory bandwidth, as the benchmarks report it: what this
// library's own machinery (thread pool, SIMD, streaming stores) can move.
#pragma once

#include <cstdint>

namespace mf {

struct Bandwidth {
    double read;  // GB/s summing one array
    double copy;  // GB/s copying one array into another (bytes read + written)
    double add;   // GB/s of c = a + b (STREAM's "add": two reads, one write)
    double triad; // GB/s of a = b + s * c (STREAM's "triad")
};

// Best of `repeats` passes over arrays of `bytes` each, on num_threads() threads.
Bandwidth measure_bandwidth(int64_t bytes, int repeats);

}  // namespace mf

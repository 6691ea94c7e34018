// A persistent pool of std::thread workers (no OpenMP: two OpenMP runtimes in
// one process collide once a wheel bundles its own).
#pragma once

#include <cstdint>
#include <type_traits>

namespace mf {

// Threads used by kernels, the caller included (at least 1).
int num_threads();
void set_num_threads(int n);
// set_num_threads(n) that returns the count it replaces, in one atomic step.
int exchange_num_threads(int n);

// Runs task(i) for every i in [0, ntasks), on up to num_threads() threads,
// the caller among them, and returns when all are done. A call made while the
// pool is busy (from another thread, or from inside a task) runs its tasks
// serially in the calling thread instead of waiting. Tasks must not throw.
//
// Returns the floating-point flags (common/fp_status.hpp) that the tasks run
// by other threads raised; those of the tasks the caller ran are left set in
// its own status, where they would be had it run them all.
int parallel_for(int64_t ntasks, void (*task)(void* context, int64_t i), void* context);

template <class F>
int parallel_for(int64_t ntasks, F&& task) {
    using Fn = std::remove_reference_t<F>;
    return parallel_for(ntasks, [](void* f, int64_t i) { (*static_cast<Fn*>(f))(i); }, &task);
}

}  // namespace mf

// A persistent pool of std::thread workers (no OpenMP: two OpenMP runtimes in
// one process collide once a wheel bundles its own).
#pragma once

#include <cstdint>
#include <type_traits>

namespace mf {

// Threads used by kernels called from this thread, the caller included (at
// least 1): this thread's limit when it has one, else the pool's count.
int num_threads();
// The pool's count, shared by the process (mf_get_num_threads, mf_set_num_threads).
int pool_num_threads();
void set_num_threads(int n);
// set_num_threads(n) that returns the count it replaces, in one atomic step.
int exchange_num_threads(int n);
// Gives the calling thread its own count, in place of the pool's, so that
// threads calling kernels at once (Dask's threaded scheduler) each use their
// share without racing on the process-wide count; n < 1 clears it. Returns
// the limit it replaces (0: none).
int exchange_thread_limit(int n);

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

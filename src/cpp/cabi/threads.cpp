// mathfront.h's thread functions: the size of the one pool that C and jitted
// callers, Python (mf.set_num_threads reads and writes it once the cpp backend
// is loaded) and threadpoolctl (mathfront/_threadpoolctl.py) share.
#include "../include/mathfront.h"

#include "../core/thread_pool.hpp"

extern "C" {

// The pool's count, not the calling thread's limit (exchange_thread_limit):
// threadpoolctl restores with mf_set_num_threads what it read here.
int mf_get_num_threads(void) { return mf::pool_num_threads(); }

int mf_set_num_threads(int n) { return mf::exchange_num_threads(n); }

}  // extern "C"

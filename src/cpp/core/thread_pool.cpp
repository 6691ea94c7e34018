#include "thread_pool.hpp"

#include "../common/fp_status.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MF_PAUSE() _mm_pause()
#else
#define MF_PAUSE() std::this_thread::yield()
#endif

namespace mf {
namespace {

// After a job, workers wait this long for the next one before sleeping.
// Waking a sleeping thread costs ~300 us on the 2-vCPU VM this was tuned on
// (it re-schedules a halted vCPU), more than a whole medium-sized kernel:
// waiting awake keeps back-to-back calls cheap. libgomp spins by default for
// the same reason; unlike a pure spin, this one yields (see worker()).
constexpr auto kSpin = std::chrono::microseconds(1000);
// The first few microseconds spin on `pause` alone (a job that follows at
// once is taken at once); after that the spin yields the CPU at every turn.
constexpr auto kSpinHot = std::chrono::microseconds(20);

struct Job {
    void (*task)(void*, int64_t);
    void* context;
    int64_t ntasks;
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
    std::atomic<int> fp{0};  // the workers' floating-point flags, OR-ed
};

// Set while this thread runs tasks: a parallel_for from inside one runs serially.
thread_local bool t_in_task = false;
// This thread's own count (exchange_thread_limit), 0 for none.
thread_local int t_limit = 0;

void work_on(Job& job) {
    t_in_task = true;
    for (int64_t i; (i = job.next.fetch_add(1, std::memory_order_relaxed)) < job.ntasks;) {
        job.task(job.context, i);
        job.done.fetch_add(1, std::memory_order_release);
    }
    t_in_task = false;
}

class Pool {
public:
    Pool() { pthread_atfork(before_fork, after_fork_parent, after_fork_child); }

    int threads() const { return threads_.load(std::memory_order_relaxed); }
    void set_threads(int n) { threads_.store(std::max(1, n), std::memory_order_relaxed); }
    int exchange_threads(int n) {
        return threads_.exchange(std::max(1, n), std::memory_order_relaxed);
    }

    int run(int64_t ntasks, void (*task)(void*, int64_t), void* context) {
        const int helpers = static_cast<int>(std::min<int64_t>(num_threads() - 1, ntasks - 1));
        std::unique_lock<std::mutex> submitting(submit_, std::defer_lock);
        if (helpers <= 0 || t_in_task || !submitting.try_lock()) {
            for (int64_t i = 0; i < ntasks; ++i) task(context, i);
            return 0;
        }
        while (static_cast<int>(workers_->size()) < helpers) {
            const int id = static_cast<int>(workers_->size());
            workers_->emplace_back([this, id] { worker(id); });
        }
        Job job{task, context, ntasks};
        helpers_.store(helpers);
        job_.store(&job);
        generation_.fetch_add(1);  // seq_cst: pairs with the sleepers_ check in worker()
        if (sleepers_.load() > 0) {
            std::lock_guard<std::mutex> lock(m_);  // a worker between its check and wait() sees this
            wake_.notify_all();
        }
        work_on(job);
        while (job.done.load(std::memory_order_acquire) < ntasks) MF_PAUSE();
        // No worker may still hold `job` once this returns: those that counted
        // themselves busy before it was withdrawn are waited for, later ones see null.
        job_.store(nullptr);
        while (busy_.load() > 0) MF_PAUSE();
        return job.fp.load(std::memory_order_relaxed);  // busy_'s seq_cst orders it
    }

private:
    void worker(int id) {
        uint64_t seen = generation_.load();
        for (;;) {
            // Spin, but yield: another runnable thread (another library's
            // workers, the user's own) gets this CPU whenever it wants it.
            const auto start = std::chrono::steady_clock::now();
            for (auto now = start; generation_.load(std::memory_order_acquire) == seen &&
                                   now - start < kSpin;
                 now = std::chrono::steady_clock::now()) {
                if (now - start < kSpinHot) {
                    for (int i = 0; i < 64; ++i) MF_PAUSE();
                } else {
                    std::this_thread::yield();
                }
            }
            if (generation_.load() == seen) {
                std::unique_lock<std::mutex> lock(m_);
                sleepers_.fetch_add(1);  // seq_cst, before the generation is read again
                wake_.wait(lock, [&] { return generation_.load() != seen; });
                sleepers_.fetch_sub(1);
            }
            seen = generation_.load();
            if (id >= helpers_.load()) continue;
            busy_.fetch_add(1);  // seq_cst, before the job is read
            if (Job* job = job_.load()) {
                // Flags are per thread: this share's start clean, and are
                // handed over before the job can end (busy_ still counts us).
                fp_clear();
                work_on(*job);
                if (const int fp = fp_take()) job->fp.fetch_or(fp, std::memory_order_relaxed);
            }
            busy_.fetch_sub(1);
        }
    }

    // fork() copies only the calling thread: hold the pool still across it,
    // and give the child a fresh, empty pool (its workers do not exist there).
    static void before_fork();
    static void after_fork_parent();
    static void after_fork_child();

    std::atomic<int> threads_{1};
    std::mutex submit_;  // one job at a time
    std::mutex m_;       // for sleeping workers
    std::condition_variable wake_;
    std::atomic<uint64_t> generation_{0};
    std::atomic<Job*> job_{nullptr};
    std::atomic<int> helpers_{0};
    std::atomic<int> busy_{0};
    std::atomic<int> sleepers_{0};
    // Never destroyed: workers loop forever and die with the process, so
    // interpreter shutdown never waits on them.
    std::vector<std::thread>* workers_ = new std::vector<std::thread>();
};

Pool& pool() {
    static Pool* instance = new Pool();  // leaked on purpose, as its workers are
    return *instance;
}

void Pool::before_fork() { pool().submit_.lock(); }

void Pool::after_fork_parent() { pool().submit_.unlock(); }

void Pool::after_fork_child() {
    Pool& p = pool();
    // The parent's workers are gone, and with them any lock they held: start
    // afresh. Their std::thread objects must not be destroyed (that calls
    // std::terminate), so the vector holding them is dropped, not deleted.
    new (&p.m_) std::mutex();
    new (&p.wake_) std::condition_variable();
    p.workers_ = new std::vector<std::thread>();
    p.job_.store(nullptr);
    p.busy_.store(0);
    p.sleepers_.store(0);
    p.helpers_.store(0);
    p.submit_.unlock();
}

}  // namespace

int num_threads() { return t_limit > 0 ? t_limit : pool().threads(); }

int pool_num_threads() { return pool().threads(); }

void set_num_threads(int n) { pool().set_threads(n); }

int exchange_num_threads(int n) { return pool().exchange_threads(n); }

int exchange_thread_limit(int n) { return std::exchange(t_limit, std::max(0, n)); }

int parallel_for(int64_t ntasks, void (*task)(void*, int64_t), void* context) {
    return pool().run(ntasks, task, context);
}

}  // namespace mf

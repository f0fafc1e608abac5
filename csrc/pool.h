/* A small pool of worker threads that runs one loop over shares of its arrays.
 *
 * Handing work to a Python thread pool costs about 40 microseconds per call (a
 * future, a queue, two wake-ups and the GIL), as long as a cheap loop over a million
 * float32 values takes on one core. Here the workers are plain threads that wait on
 * a condition variable and never touch Python: a call wakes them, runs the first
 * share itself and waits for the rest, all without the GIL.
 *
 * One job runs at a time. A caller that finds the pool busy (another Python thread's
 * call) runs its whole loop alone instead of waiting. Only module.c includes this.
 * Without POSIX threads (MSVC) nl_pool_available() is 0 and nonlin.engine shares the
 * work out from Python as before.
 */
#ifndef NONLIN_POOL_H
#define NONLIN_POOL_H

#include <stddef.h>

/* One share of a job: the elements [start, stop). */
typedef void (*nl_share_fn)(const void *job, ptrdiff_t start, ptrdiff_t stop);

/* An elementwise share is a multiple of this many elements (whole cache lines, so
 * that two threads never write one line). */
#define NL_SHARE_ALIGN 1024
#define NL_MAX_THREADS 64

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* How long a worker keeps watching for the next job before it sleeps: waking a
 * sleeping thread costs 20-40 microseconds on a virtual machine, more than a cheap
 * loop over 10^5 values takes, and back-to-back calls come much sooner than this. */
#define NL_SPIN_NS 200000

static pthread_mutex_t nl_pool_lock = PTHREAD_MUTEX_INITIALIZER; /* guards sleeping */
static pthread_cond_t nl_pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t nl_pool_busy = PTHREAD_MUTEX_INITIALIZER; /* held by the job's caller */
static int nl_pool_workers = 0; /* started (under nl_pool_busy); worker w takes share w */
static atomic_ulong nl_pool_generation = 0; /* one more per job: publishes the fields below */
static atomic_int nl_pool_pending = 0;      /* workers that have not finished the job */
static int nl_pool_threads = 1;             /* the job's thread count, caller included */
static const void *nl_pool_job = NULL;
static nl_share_fn nl_pool_fn = NULL;
static ptrdiff_t nl_pool_length = 0, nl_pool_share = 0;
static long nl_pool_cores = 0; /* online when the module loaded */
/* The generation each worker was started at: the jobs before it are not its own. */
static unsigned long nl_pool_born[NL_MAX_THREADS + 1];

static inline void nl_pool_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static inline int64_t nl_pool_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The next generation after `seen`: watched for `spin` ns, then slept for. */
static unsigned long nl_pool_next(unsigned long seen, int64_t spin) {
    int64_t until = nl_pool_now() + spin;
    for (unsigned spins = 1; spin > 0; spins++) {
        unsigned long now = atomic_load_explicit(&nl_pool_generation, memory_order_acquire);
        if (now != seen) return now;
        nl_pool_pause();
        if (spins % 256 == 0 && nl_pool_now() > until) break;
    }
    unsigned long now;
    pthread_mutex_lock(&nl_pool_lock);
    while ((now = atomic_load_explicit(&nl_pool_generation, memory_order_acquire)) == seen)
        pthread_cond_wait(&nl_pool_wake, &nl_pool_lock);
    pthread_mutex_unlock(&nl_pool_lock);
    return now;
}

static void *nl_pool_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    /* Not 0: a worker started after fork() or to join a larger pool must not take the
     * generation count's last value for a job of its own (its fields are stale). */
    unsigned long seen = nl_pool_born[id];
    int worked = 0;
    for (;;) {
        /* Only a worker that had a share watches for the next job: one left out (a
         * smaller job) must not take a core from those that work. */
        seen = nl_pool_next(seen, worked ? NL_SPIN_NS : 0);
        /* Every worker answers every job (the caller waits for all), so none reads
         * these fields while the next job is being written. */
        worked = id < nl_pool_threads;
        if (worked) {
            ptrdiff_t start = id * nl_pool_share, stop = start + nl_pool_share;
            if (start < nl_pool_length)
                nl_pool_fn(nl_pool_job, start, stop < nl_pool_length ? stop : nl_pool_length);
        }
        atomic_fetch_sub_explicit(&nl_pool_pending, 1, memory_order_release);
    }
    return NULL;
}

/* After fork() the child has none of the workers (and maybe a lock one held): it
 * starts from an empty pool. */
static void nl_pool_after_fork(void) {
    pthread_mutex_init(&nl_pool_lock, NULL);
    pthread_mutex_init(&nl_pool_busy, NULL);
    pthread_cond_init(&nl_pool_wake, NULL);
    nl_pool_workers = 0;
    atomic_store(&nl_pool_pending, 0);
}

static int nl_pool_available(void) { return 1; }

static void nl_pool_init(void) {
    nl_pool_cores = sysconf(_SC_NPROCESSORS_ONLN); /* reads a file: once, not per call */
    pthread_atfork(NULL, NULL, nl_pool_after_fork);
}

/* Start workers until there are `wanted` (the caller holds nl_pool_busy); returns how
 * many there are. Workers block every signal: Python's handlers run in its main
 * thread. */
static int nl_pool_grow(int wanted) {
    if (nl_pool_workers >= wanted) return nl_pool_workers; /* every call but the first */
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before);
    while (nl_pool_workers < wanted) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* (pthread_create orders this before the worker's first read) */
        nl_pool_born[nl_pool_workers + 1] =
            atomic_load_explicit(&nl_pool_generation, memory_order_relaxed);
        int failed = pthread_create(&thread, &attr, nl_pool_worker,
                                    (void *)(intptr_t)(nl_pool_workers + 1));
        pthread_attr_destroy(&attr);
        if (failed) break;
        nl_pool_workers++;
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    return nl_pool_workers;
}

/* The share of each of at most *threads threads (whole blocks of `align`); sets
 * *threads to the number of shares that holds. */
static ptrdiff_t nl_pool_split(ptrdiff_t length, int *threads, ptrdiff_t align) {
    ptrdiff_t share = (length + *threads - 1) / *threads;
    share = (share + align - 1) / align * align;
    *threads = share > 0 ? (int)((length + share - 1) / share) : 1;
    return share;
}

/* Run fn over [0, length) in up to `threads` shares, each a multiple of `align` (but
 * the last); call without the GIL. */
static void nl_pool_run(nl_share_fn fn, const void *job, ptrdiff_t length, int threads,
                        ptrdiff_t align) {
    /* More threads than cores would take turns on them, spinning. */
    if (nl_pool_cores >= 1 && threads > nl_pool_cores) threads = (int)nl_pool_cores;
    if (threads > NL_MAX_THREADS) threads = NL_MAX_THREADS;
    ptrdiff_t share = nl_pool_split(length, &threads, align);
    if (threads <= 1 || pthread_mutex_trylock(&nl_pool_busy) != 0) {
        fn(job, 0, length);
        return;
    }
    int workers = nl_pool_grow(threads - 1);
    if (workers < threads - 1) { /* no more threads to be had: fewer, larger shares */
        threads = workers + 1;
        share = nl_pool_split(length, &threads, align);
    }
    nl_pool_job = job;
    nl_pool_fn = fn;
    nl_pool_length = length;
    nl_pool_share = share;
    nl_pool_threads = threads;
    atomic_store_explicit(&nl_pool_pending, workers, memory_order_relaxed);
    atomic_fetch_add_explicit(&nl_pool_generation, 1, memory_order_release);
    pthread_mutex_lock(&nl_pool_lock); /* wake the workers that went to sleep */
    pthread_cond_broadcast(&nl_pool_wake);
    pthread_mutex_unlock(&nl_pool_lock);

    fn(job, 0, share < length ? share : length);

    for (unsigned spins = 1;
         atomic_load_explicit(&nl_pool_pending, memory_order_acquire) > 0; spins++) {
        nl_pool_pause();
        if (spins % 4096 == 0) sched_yield(); /* a worker that slept is on its way */
    }
    pthread_mutex_unlock(&nl_pool_busy);
}

#else /* no POSIX threads: one share, and the Python side splits the work */

static int nl_pool_available(void) { return 0; }
static void nl_pool_init(void) {}
static void nl_pool_run(nl_share_fn fn, const void *job, ptrdiff_t length, int threads,
                        ptrdiff_t align) {
    (void)threads; (void)align;
    fn(job, 0, length);
}

#endif

#endif

/* Chains of elementwise activations ("sigmoid+tanh"), evaluated a block at a time.
 *
 * A chain runs its stages' float64 loops one after the other over a block of a few
 * hundred values held in cache, so that the whole chain reads its input and writes
 * its results once, however many stages it has. float32 input is widened into the
 * block and the results rounded once at the end: the array-API path computes a
 * float32 chain in float64 too (nonlin.chain.Chain), so the values between stages
 * keep float64's precision.
 *
 * The arithmetic between stages is the path's, operation for operation:
 *   f'   of h = g(F):  g'(F) F'                       (Chain._chained_slope)
 *   f'':               g''(F) F' F' + g'(F) F''         (Chain._chained_derivatives)
 *   vjp:  the stages' vjps, last stage first, each at its own input;
 *   jvp:  the stages' f' v, first stage first.
 * No loop is handed the same buffer to read and to write: the values go back and
 * forth between two buffers.
 *
 * Only module.c includes this; it is compiled once, for the baseline CPU (the stages'
 * loops are the build's own, AVX2 where the CPU has it).
 */
#ifndef NONLIN_CHAIN_H
#define NONLIN_CHAIN_H

#include "nonlin_kernels.h"

#define NL_CHAIN_MAX 16   /* stages; a longer chain takes the Python path */
#define NL_CHAIN_BLOCK 256 /* values per block: the buffers below are 40 KiB of stack */

enum { NL_CHAIN_F, NL_CHAIN_DF, NL_CHAIN_D2F, NL_CHAIN_DERIVATIVES, NL_CHAIN_VJP, NL_CHAIN_JVP };

typedef struct {
    const nl_loops *loops; /* the stage's float64 loops */
    nl_params params;
} nl_stage;

typedef struct {
    nl_stage stage[NL_CHAIN_MAX];
    int stages;
    int hook;
    const char *x, *v;      /* v: the cotangent or tangent, NULL but for vjp and jvp */
    char *out[3];           /* one result, or f, f', f'' */
    int in_double, out_double; /* the inputs' and the results' dtypes */
} nl_chain_job;

static void nl_chain_load(const char *base, int is_double, ptrdiff_t at, double *w,
                          ptrdiff_t n) {
    if (is_double) {
        memcpy(w, (const double *)base + at, (size_t)n * sizeof(double));
    } else {
        const float *x = (const float *)base + at;
        for (ptrdiff_t i = 0; i < n; i++) w[i] = x[i];
    }
}

static void nl_chain_store(char *base, int is_double, ptrdiff_t at, const double *w,
                           ptrdiff_t n) {
    if (is_double) {
        memcpy((double *)base + at, w, (size_t)n * sizeof(double));
    } else {
        float *y = (float *)base + at;
        for (ptrdiff_t i = 0; i < n; i++) y[i] = (float)w[i];
    }
}

/* One block of m values starting at element `at`. buf holds NL_CHAIN_MAX + 4 rows. */
static void nl_chain_block(const nl_chain_job *job, ptrdiff_t at, ptrdiff_t m,
                           double (*buf)[NL_CHAIN_BLOCK]) {
    const nl_stage *st = job->stage;
    const int last = job->stages - 1;
    nl_chain_load(job->x, job->in_double, at, buf[0], m);
    switch (job->hook) {
    case NL_CHAIN_F: {
        int at_value = 0;
        for (int s = 0; s <= last; s++, at_value ^= 1)
            st[s].loops->f(buf[at_value], buf[at_value ^ 1], m, &st[s].params);
        nl_chain_store(job->out[0], job->out_double, at, buf[at_value], m);
        break;
    }
    case NL_CHAIN_DF: { /* value in buf[0]/buf[1], f' so far in buf[2], a slope in buf[3] */
        int at_value = 0;
        double *first = buf[2], *slope = buf[3];
        st[0].loops->df(buf[0], first, m, &st[0].params);
        for (int s = 0; s < last; s++, at_value ^= 1) {
            st[s].loops->f(buf[at_value], buf[at_value ^ 1], m, &st[s].params);
            st[s + 1].loops->df(buf[at_value ^ 1], slope, m, &st[s + 1].params);
            for (ptrdiff_t i = 0; i < m; i++) first[i] = slope[i] * first[i];
        }
        nl_chain_store(job->out[0], job->out_double, at, first, m);
        break;
    }
    case NL_CHAIN_D2F:
    case NL_CHAIN_DERIVATIVES: { /* f, f', f'' so far in buf[1..3]; a stage's in buf[4..6] */
        double *f = buf[1], *first = buf[2], *second = buf[3];
        double *g = buf[4], *dg = buf[5], *d2g = buf[6];
        st[0].loops->derivatives(buf[0], f, first, second, m, &st[0].params);
        for (int s = 1; s <= last; s++) {
            st[s].loops->derivatives(f, g, dg, d2g, m, &st[s].params);
            for (ptrdiff_t i = 0; i < m; i++) {
                second[i] = d2g[i] * first[i] * first[i] + dg[i] * second[i];
                first[i] = dg[i] * first[i];
                f[i] = g[i];
            }
        }
        if (job->hook == NL_CHAIN_D2F) {
            nl_chain_store(job->out[0], job->out_double, at, second, m);
        } else {
            nl_chain_store(job->out[0], job->out_double, at, f, m);
            nl_chain_store(job->out[1], job->out_double, at, first, m);
            nl_chain_store(job->out[2], job->out_double, at, second, m);
        }
        break;
    }
    case NL_CHAIN_VJP: { /* stage s's input in buf[s]; the cotangent in the last two rows */
        double *g = buf[NL_CHAIN_MAX + 2], *h = buf[NL_CHAIN_MAX + 3];
        for (int s = 0; s < last; s++) st[s].loops->f(buf[s], buf[s + 1], m, &st[s].params);
        nl_chain_load(job->v, job->in_double, at, g, m);
        for (int s = last; s >= 0; s--) {
            st[s].loops->vjp(buf[s], g, h, m, &st[s].params);
            double *swap = g; g = h; h = swap;
        }
        nl_chain_store(job->out[0], job->out_double, at, g, m);
        break;
    }
    default: { /* NL_CHAIN_JVP: value in buf[0]/buf[1], the tangent in buf[2]/buf[3] */
        int at_value = 0, at_tangent = 2;
        nl_chain_load(job->v, job->in_double, at, buf[2], m);
        for (int s = 0; s <= last; s++) {
            /* an elementwise jvp is f'(x) v, the product the vjp loop forms */
            st[s].loops->vjp(buf[at_value], buf[at_tangent], buf[at_tangent ^ 1], m,
                             &st[s].params);
            at_tangent ^= 1;
            if (s < last) {
                st[s].loops->f(buf[at_value], buf[at_value ^ 1], m, &st[s].params);
                at_value ^= 1;
            }
        }
        nl_chain_store(job->out[0], job->out_double, at, buf[at_tangent], m);
        break;
    }
    }
}

/* A pool share (pool.h): the elements [start, stop), a block at a time. */
static void nl_chain_share(const void *job_, ptrdiff_t start, ptrdiff_t stop) {
    const nl_chain_job *job = job_;
    double buf[NL_CHAIN_MAX + 4][NL_CHAIN_BLOCK];
    for (ptrdiff_t at = start; at < stop; at += NL_CHAIN_BLOCK)
        nl_chain_block(job, at, stop - at < NL_CHAIN_BLOCK ? stop - at : NL_CHAIN_BLOCK, buf);
}

/* Whether stage loops exist for what `hook` runs (every stage needs them). */
static int nl_chain_has(const nl_loops *loops, int hook) {
    switch (hook) {
    case NL_CHAIN_F: return loops->f != NULL;
    case NL_CHAIN_DF: return loops->f != NULL && loops->df != NULL;
    case NL_CHAIN_D2F:
    case NL_CHAIN_DERIVATIVES: return loops->derivatives != NULL;
    default: return loops->f != NULL && loops->vjp != NULL;
    }
}

#endif

/* nonlin's compiled kernels: shared declarations.
 *
 * A family (one activation) is written once, as a point function that computes
 * f, f' and f'' of one float64 value; NL_FAMILY expands it into the loops the engine
 * calls (f, f', f'', all three, and dy * f'), for float32 arrays computed in float64
 * and rounded once. The `want` argument of a point function is a constant in each
 * loop, so the compiler drops whatever that loop does not need.
 *
 * Loops are plain C over contiguous arrays so that gcc and clang vectorise them. On
 * x86-64 every family file is compiled twice (setup.py): for the baseline CPU, and with
 * AVX2 and FMA (-DNL_V3); the module picks one when it loads. Contraction of a * b + c
 * into an FMA is off in both (-ffp-contract=off): the result of every line is what it
 * says, and nl_fma (elementary.h) is the one place an FMA is asked for.
 */
#ifndef NONLIN_KERNELS_H
#define NONLIN_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#define NL_INLINE static inline __attribute__((always_inline))
#define NL_EXPORT

/* What a point function must compute: any combination of these bits. */
#define NL_F 1
#define NL_DF 2
#define NL_D2F 4

/* An activation's float parameters, in the order its family declares them. */
typedef struct {
    double p[4];
} nl_params;

typedef void (*nl_unary)(const void *x, void *y, ptrdiff_t n, const nl_params *params);
typedef void (*nl_triple)(const void *x, void *f, void *df, void *d2f, ptrdiff_t n,
                          const nl_params *params);
typedef void (*nl_binary)(const void *x, const void *dy, void *y, ptrdiff_t n,
                          const nl_params *params);

/* The loops of one dtype; a NULL loop means "not compiled: use the Python path". */
typedef struct {
    nl_unary f, df, d2f;
    nl_triple derivatives;
    nl_binary vjp;  /* dy * f'(x); an elementwise jvp is the same product */
} nl_loops;

typedef struct {
    const char *name;    /* the registry's canonical name, with a variant: "gelu_tanh" */
    int nparams;
    nl_loops float32;
    nl_loops float64;
} nl_family;

/* The five loops of a point function `point(W x, const nl_params *p, W *f, W *df,
 * W *d2f, int want)` over arrays of T, computed in W and rounded once into T (W is
 * double but for the activations that are exact in float32 itself, csrc/piecewise.c),
 * named name_<hook>_<suffix>. */
#define NL_LOOPS(name, point, T, suffix) NL_LOOPS_IN(name, point, T, double, suffix)
#define NL_LOOPS_IN(name, point, T, W, suffix)                                           \
    static void name##_f_##suffix(const void *xv, void *yv, ptrdiff_t n,                 \
                                  const nl_params *pp) {                                 \
        const T *x = xv; T *y = yv; const nl_params P = *pp;                             \
        for (ptrdiff_t i = 0; i < n; i++) {                                              \
            W f, d1, d2;                                                                 \
            point((W)x[i], &P, &f, &d1, &d2, NL_F);                                      \
            y[i] = (T)f;                                                                 \
        }                                                                                \
    }                                                                                    \
    static void name##_df_##suffix(const void *xv, void *yv, ptrdiff_t n,                \
                                   const nl_params *pp) {                                \
        const T *x = xv; T *y = yv; const nl_params P = *pp;                             \
        for (ptrdiff_t i = 0; i < n; i++) {                                              \
            W f, d1, d2;                                                                 \
            point((W)x[i], &P, &f, &d1, &d2, NL_DF);                                     \
            y[i] = (T)d1;                                                                \
        }                                                                                \
    }                                                                                    \
    static void name##_d2f_##suffix(const void *xv, void *yv, ptrdiff_t n,               \
                                    const nl_params *pp) {                               \
        const T *x = xv; T *y = yv; const nl_params P = *pp;                             \
        for (ptrdiff_t i = 0; i < n; i++) {                                              \
            W f, d1, d2;                                                                 \
            point((W)x[i], &P, &f, &d1, &d2, NL_D2F);                                    \
            y[i] = (T)d2;                                                                \
        }                                                                                \
    }                                                                                    \
    static void name##_derivatives_##suffix(const void *xv, void *fv, void *dfv,         \
                                            void *d2fv, ptrdiff_t n,                     \
                                            const nl_params *pp) {                       \
        const T *x = xv; T *yf = fv, *y1 = dfv, *y2 = d2fv;                              \
        const nl_params P = *pp;                                                         \
        for (ptrdiff_t i = 0; i < n; i++) {                                              \
            W f, d1, d2;                                                                 \
            point((W)x[i], &P, &f, &d1, &d2, NL_F | NL_DF | NL_D2F);                     \
            yf[i] = (T)f; y1[i] = (T)d1; y2[i] = (T)d2;                                  \
        }                                                                                \
    }                                                                                    \
    static void name##_vjp_##suffix(const void *xv, const void *dyv, void *yv,           \
                                    ptrdiff_t n, const nl_params *pp) {                  \
        const T *x = xv, *dy = dyv; T *y = yv; const nl_params P = *pp;                  \
        for (ptrdiff_t i = 0; i < n; i++) {                                              \
            W f, d1, d2;                                                                 \
            point((W)x[i], &P, &f, &d1, &d2, NL_DF);                                     \
            y[i] = (T)((W)dy[i] * d1);                                                   \
        }                                                                                \
    }

/* NL_LOOPS_IN for float32 arrays computed in float64, a block at a time: the block is
 * widened into a small array of doubles, the point function runs over those (4 lanes
 * per AVX2 register, nothing else), and the results are rounded back. gcc vectorises a
 * loop that mixes float and double lanes with 8-lane masks widened by shuffles, which
 * cost the piecewise functions (csrc/piecewise.c) up to twice their float64 time; this
 * way they take 25-35% less than before. (For the smooth families it was a wash:
 * elu 25% faster, softsign and mish's derivatives 20-60% slower. They keep NL_LOOPS.)
 * Same operations per element: the same bits. */
#define NL_BLOCK 256
#define NL_WIDENED_LOOPS(name, point, suffix)                                            \
    static void name##_f_##suffix(const void *xv, void *yv, ptrdiff_t n,                 \
                                  const nl_params *pp) {                                 \
        const float *x = xv; float *y = yv; const nl_params P = *pp;                     \
        double w[NL_BLOCK], r0[NL_BLOCK];                                                \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            ptrdiff_t m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                           \
            for (ptrdiff_t i = 0; i < m; i++) w[i] = x[s + i];                           \
            for (ptrdiff_t i = 0; i < m; i++) {                                          \
                double f, d1, d2;                                                        \
                point(w[i], &P, &f, &d1, &d2, NL_F);                                     \
                r0[i] = f;                                                               \
            }                                                                            \
            for (ptrdiff_t i = 0; i < m; i++) y[s + i] = (float)r0[i];                   \
        }                                                                                \
    }                                                                                    \
    static void name##_df_##suffix(const void *xv, void *yv, ptrdiff_t n,                \
                                   const nl_params *pp) {                                \
        const float *x = xv; float *y = yv; const nl_params P = *pp;                     \
        double w[NL_BLOCK], r0[NL_BLOCK];                                                \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            ptrdiff_t m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                           \
            for (ptrdiff_t i = 0; i < m; i++) w[i] = x[s + i];                           \
            for (ptrdiff_t i = 0; i < m; i++) {                                          \
                double f, d1, d2;                                                        \
                point(w[i], &P, &f, &d1, &d2, NL_DF);                                    \
                r0[i] = d1;                                                              \
            }                                                                            \
            for (ptrdiff_t i = 0; i < m; i++) y[s + i] = (float)r0[i];                   \
        }                                                                                \
    }                                                                                    \
    static void name##_d2f_##suffix(const void *xv, void *yv, ptrdiff_t n,               \
                                    const nl_params *pp) {                               \
        const float *x = xv; float *y = yv; const nl_params P = *pp;                     \
        double w[NL_BLOCK], r0[NL_BLOCK];                                                \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            ptrdiff_t m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                           \
            for (ptrdiff_t i = 0; i < m; i++) w[i] = x[s + i];                           \
            for (ptrdiff_t i = 0; i < m; i++) {                                          \
                double f, d1, d2;                                                        \
                point(w[i], &P, &f, &d1, &d2, NL_D2F);                                   \
                r0[i] = d2;                                                              \
            }                                                                            \
            for (ptrdiff_t i = 0; i < m; i++) y[s + i] = (float)r0[i];                   \
        }                                                                                \
    }                                                                                    \
    static void name##_derivatives_##suffix(const void *xv, void *fv, void *dfv,         \
                                            void *d2fv, ptrdiff_t n,                     \
                                            const nl_params *pp) {                       \
        const float *x = xv; float *yf = fv, *y1 = dfv, *y2 = d2fv;                      \
        const nl_params P = *pp;                                                         \
        double w[NL_BLOCK], r0[NL_BLOCK], r1[NL_BLOCK], r2[NL_BLOCK];                    \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            ptrdiff_t m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                           \
            for (ptrdiff_t i = 0; i < m; i++) w[i] = x[s + i];                           \
            for (ptrdiff_t i = 0; i < m; i++) {                                          \
                double f, d1, d2;                                                        \
                point(w[i], &P, &f, &d1, &d2, NL_F | NL_DF | NL_D2F);                    \
                r0[i] = f; r1[i] = d1; r2[i] = d2;                                       \
            }                                                                            \
            for (ptrdiff_t i = 0; i < m; i++) {                                          \
                yf[s + i] = (float)r0[i]; y1[s + i] = (float)r1[i];                      \
                y2[s + i] = (float)r2[i];                                                \
            }                                                                            \
        }                                                                                \
    }                                                                                    \
    static void name##_vjp_##suffix(const void *xv, const void *dyv, void *yv,           \
                                    ptrdiff_t n, const nl_params *pp) {                  \
        const float *x = xv, *dy = dyv; float *y = yv; const nl_params P = *pp;          \
        double w[NL_BLOCK], r0[NL_BLOCK];                                                \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            ptrdiff_t m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                           \
            for (ptrdiff_t i = 0; i < m; i++) w[i] = x[s + i];                           \
            for (ptrdiff_t i = 0; i < m; i++) {                                          \
                double f, d1, d2;                                                        \
                point(w[i], &P, &f, &d1, &d2, NL_DF);                                    \
                r0[i] = d1;                                                              \
            }                                                                            \
            for (ptrdiff_t i = 0; i < m; i++) y[s + i] = (float)((double)dy[s + i] * r0[i]);\
        }                                                                                \
    }

/* Loops name_<hook>_<suffix> that derive their parameters once per call,
 * `prepare(const nl_params *)` returning an nl_params, and run core's loops with them
 * (celu passes log(alpha) on this way). */
#define NL_PREPARED_LOOPS(name, core, prepare, suffix)                                   \
    static void name##_f_##suffix(const void *x, void *y, ptrdiff_t n,                   \
                                  const nl_params *pp) {                                 \
        nl_params P = prepare(pp);                                                       \
        core##_f_##suffix(x, y, n, &P);                                                  \
    }                                                                                    \
    static void name##_df_##suffix(const void *x, void *y, ptrdiff_t n,                  \
                                   const nl_params *pp) {                                \
        nl_params P = prepare(pp);                                                       \
        core##_df_##suffix(x, y, n, &P);                                                 \
    }                                                                                    \
    static void name##_d2f_##suffix(const void *x, void *y, ptrdiff_t n,                 \
                                    const nl_params *pp) {                               \
        nl_params P = prepare(pp);                                                       \
        core##_d2f_##suffix(x, y, n, &P);                                                \
    }                                                                                    \
    static void name##_derivatives_##suffix(const void *x, void *f, void *df, void *d2f, \
                                            ptrdiff_t n, const nl_params *pp) {          \
        nl_params P = prepare(pp);                                                       \
        core##_derivatives_##suffix(x, f, df, d2f, n, &P);                               \
    }                                                                                    \
    static void name##_vjp_##suffix(const void *x, const void *dy, void *y, ptrdiff_t n, \
                                    const nl_params *pp) {                               \
        nl_params P = prepare(pp);                                                       \
        core##_vjp_##suffix(x, dy, y, n, &P);                                            \
    }

/* float32 arrays through `name##_point`, computed in float64 and rounded once (the
 * array-API path's wide forms). */
#define NL_LOOPS_FLOAT32(name) NL_LOOPS(name, name##_point, float, float32)
/* float64 arrays through `name##_point64` (the array-API path's exact forms). */
#define NL_LOOPS_FLOAT64(name) NL_LOOPS(name, name##_point64, double, float64)

#define NL_FLOAT32(name)                                                                 \
    { name##_f_float32, name##_df_float32, name##_d2f_float32,                           \
      name##_derivatives_float32, name##_vjp_float32 }
#define NL_FLOAT64(name)                                                                 \
    { name##_f_float64, name##_df_float64, name##_d2f_float64,                           \
      name##_derivatives_float64, name##_vjp_float64 }
#define NL_NONE { NULL, NULL, NULL, NULL, NULL }

/* Row loops (csrc/rows.c): an activation along the last axis of arrays of `rows` rows
 * of `width` values (softmax, norm:*); float32 computed in float64 and rounded once.
 * v is the cotangent or tangent (NULL for f). A row the loop does not cover (a
 * non-finite x or v: the Python path's exact forms handle those) is left unwritten and
 * flagged in skipped[row]. scratch holds 2 * width doubles. */
typedef void (*nl_rows)(const float *x, const float *v, float *y, ptrdiff_t rows,
                        ptrdiff_t width, unsigned char *skipped, double *scratch,
                        const nl_params *params);
typedef void (*nl_rows64)(const double *x, const double *v, double *y, ptrdiff_t rows,
                          ptrdiff_t width, unsigned char *skipped, double *scratch,
                          const nl_params *params);

typedef struct {
    nl_rows f, vjp, jvp;
} nl_row_loops;

typedef struct {
    nl_rows64 f, vjp, jvp;
} nl_row_loops64;

typedef struct {
    const char *name;
    int nparams;
    nl_row_loops float32;
    nl_row_loops64 float64;
    int halves; /* glu: f and jvp give rows half as wide as x's, a vjp's v has them */
} nl_row_family;

/* Unit loops (csrc/units.c): an activation with learned values per unit (prelu's
 * slope; lgrelu's two), over n values of which value i takes a[i] (and b[i]); float32
 * computed in float64 and rounded once. v is the cotangent or tangent of hook 4 (NULL
 * otherwise); y1 and y2 are written by hook 3 alone. */
typedef void (*nl_unit_loop)(const void *x, const void *v, void *y0, void *y1, void *y2,
                             ptrdiff_t n, const double *a, const double *b);

typedef struct {
    const char *name;
    int values;                          /* learned values per unit: 1 (a) or 2 (a, b) */
    nl_unit_loop float32[5], float64[5]; /* f, f', f'', all three, v * f' */
} nl_unit_family;

/* Each source file's families, ended by an entry with a NULL name. A file names its
 * table plainly; the build it is compiled for adds _base or _v3 to the symbol. */
#define NL_TABLES(X) X(nl_sigmoidal_families) X(nl_smooth_families) \
    X(nl_gelu_families) X(nl_exponential_families) X(nl_piecewise_families)
#ifndef NL_MODULE
#ifdef NL_V3
#define NL_BUILD(name) name##_v3
#else
#define NL_BUILD(name) name##_base
#endif
#define nl_sigmoidal_families NL_BUILD(nl_sigmoidal_families)
#define nl_smooth_families NL_BUILD(nl_smooth_families)
#define nl_gelu_families NL_BUILD(nl_gelu_families)
#define nl_exponential_families NL_BUILD(nl_exponential_families)
#define nl_piecewise_families NL_BUILD(nl_piecewise_families)
extern const nl_family nl_sigmoidal_families[];
extern const nl_family nl_smooth_families[];
extern const nl_family nl_gelu_families[];
extern const nl_family nl_exponential_families[];
extern const nl_family nl_piecewise_families[];
#define nl_row_families NL_BUILD(nl_row_families)
extern const nl_row_family nl_row_families[];
#define nl_unit_families NL_BUILD(nl_unit_families)
extern const nl_unit_family nl_unit_families[];
#endif

#endif

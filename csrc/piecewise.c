/* Piecewise families: the ReLU family, clips, thresholds, shrinks, hard sigmoids,
 * hard_silu, sparse_plus, linear and affine. Formulas as nonlin.catalog.rectifiers'.
 *
 * These are a few comparisons and selections per element, so the loops run at the
 * speed of memory; what they must get right is the Python path's bits, signed zeros
 * and NaN included (tests/test_kernels.py compares every hook, float32 and float64).
 *
 * The activations that are exact in any precision (piecewise_points.h) have three
 * loop sets: float32 computed in float32 (parameters that float32 holds exactly),
 * float32 computed in float64 and rounded once (the "wide" family, for any other
 * parameters), and float64. The rest are computed in float64 for both dtypes.
 */
#include <float.h>

#include "elementary.h"

#define W float
#define NL_POINT(name) name##_point32
#include "piecewise_points.h"
#undef W
#undef NL_POINT

#define W double
#define NL_POINT(name) name##_point64
#include "piecewise_points.h"
#undef W
#undef NL_POINT

/* The three loop sets of an activation of piecewise_points.h. */
#define NL_EXACT_LOOPS(name)                                                             \
    NL_LOOPS_IN(name, name##_point32, float, float, float32)                             \
    NL_WIDENED_LOOPS(name, name##_point64, wide32)                                       \
    NL_LOOPS_IN(name, name##_point64, double, double, float64)

NL_EXACT_LOOPS(relu)
NL_EXACT_LOOPS(leaky_relu)
NL_EXACT_LOOPS(leaky_relu_steep)
NL_EXACT_LOOPS(relu_general)
NL_EXACT_LOOPS(clip)
NL_EXACT_LOOPS(threshold)
NL_EXACT_LOOPS(hard_shrink)
NL_EXACT_LOOPS(linear)

/* ------------------------------------------------------------------------- soft_shrink
 * For lambda > 0: f = x - lambda (x > lambda) | 0 (|x| <= lambda) | x + lambda;
 * f' = 1 | 0 | 1. */
NL_INLINE void soft_shrink_point64(double x, const nl_params *P, double *f, double *df,
                                   double *d2f, int want) {
    (void)want;
    double lambda = P->p[0];
    double size = x < 0 ? -x : x;
    double shifted = x > lambda ? x - lambda : x + lambda; /* NaN + lambda stays NaN */
    *f = size <= lambda ? 0.0 : shifted;
    *df = size <= lambda ? 0.0 : (size > lambda ? 1.0 : x);
    *d2f = flat_point64(x);
}

/* ------------------------------------------------------------------------- ramp
 * The hard sigmoids, a ramp from 0 to 1 over [-h, h] (hard_sigmoid h = 2.5,
 * hard_sigmoid_v3 h = 3, sparse_sigmoid h = 1): f = 0 | (x + h) / (2h) | 1, selected on
 * x; f' = 1 / (2h) inside (-h, h), 0 outside and at the kinks. */
NL_INLINE void ramp_point64(double x, const nl_params *P, double *f, double *df,
                            double *d2f, int want) {
    (void)want;
    double h = P->p[0];
    double y = x >= h ? 1.0 : (x + h) / (2 * h);
    *f = x <= -h ? 0.0 : y;
    double d = x <= -h ? 0.0 : (x >= h ? 0.0 : 1 / (2 * h));
    *df = x == x ? d : x;
    *d2f = flat_point64(x);
}

/* ------------------------------------------------------------------------- hard_silu
 * f = 0 (x <= -3) | x (x + 3) / 6 | x (x >= 3); f' = 0 | (2x + 3) / 6 | 1;
 * f'' = 1/3 inside (-3, 3), 0 elsewhere. The middle sees x clamped to [-3, 3]. */
NL_INLINE void hard_silu_point64(double x, const nl_params *P, double *f, double *df,
                                 double *d2f, int want) {
    (void)P; (void)want;
    double inner = nl_above(nl_below(x, 3.0), -3.0);
    double y = x >= 3.0 ? x : inner * (inner + 3.0) / 6.0;
    *f = x <= -3.0 ? 0.0 : y;
    double slope = x >= 3.0 ? 1.0 : (2.0 * inner + 3.0) / 6.0;
    *df = x <= -3.0 ? 0.0 : slope;
    double c = x <= -3.0 ? 0.0 : (x >= 3.0 ? 0.0 : 1.0 / 3.0);
    *d2f = x == x ? c : x;
}

/* ------------------------------------------------------------------------- sparse_plus
 * f = 0 (x <= -1) | (x + 1)^2 / 4 | x (x >= 1); f' = 0 | (x + 1) / 2 | 1;
 * f'' = 1/2 inside (-1, 1), 0 elsewhere. The square sees x clamped to [-1, 1]. */
NL_INLINE void sparse_plus_point64(double x, const nl_params *P, double *f, double *df,
                                   double *d2f, int want) {
    (void)P; (void)want;
    double shifted = nl_above(nl_below(x, 1.0), -1.0) + 1.0;
    double y = x >= 1.0 ? x : shifted * shifted * 0.25;
    *f = x <= -1.0 ? 0.0 : y;
    double slope = x >= 1.0 ? 1.0 : (x + 1.0) * 0.5;
    *df = x <= -1.0 ? 0.0 : slope;
    double c = x <= -1.0 ? 0.0 : (x >= 1.0 ? 0.0 : 0.5);
    *d2f = x == x ? c : x;
}

/* ------------------------------------------------------------------------- affine
 * f = a x + b, with a x split exactly (Dekker) so that the sum rounds once, where the
 * split is safe; b alone where a = 0 (no 0 inf); f' = a. */
NL_INLINE void affine_point64(double x, const nl_params *P, double *f, double *df,
                              double *d2f, int want) {
    (void)want;
    const double BIG = DBL_MAX * 0x1p-40; /* the split is safe below this */
    double a = P->p[0], b = P->p[1];
    double tail, head = nl_two_product_split(a, x, &tail);
    double p = a * x;
    double size = x < 0 ? -x : x, p_size = p < 0 ? -p : p;
    double safe = size < BIG ? (p_size < BIG ? (head + b) + tail : p + b) : p + b;
    double sum = (a < 0 ? -a : a) < BIG ? safe : p + b;
    *f = a == 0 ? (x == x ? b : x) : (b == 0 ? p : sum);
    *df = x == x ? a : x;
    *d2f = flat_point64(x);
}

#define NL_WIDE_LOOPS(name)                                                              \
    NL_WIDENED_LOOPS(name, name##_point64, float32)                                      \
    NL_LOOPS_IN(name, name##_point64, double, double, float64)

NL_WIDE_LOOPS(soft_shrink)
NL_WIDE_LOOPS(ramp)
NL_WIDE_LOOPS(hard_silu)
NL_WIDE_LOOPS(sparse_plus)
NL_WIDE_LOOPS(affine)

#define NL_WIDE32(name)                                                                  \
    { name##_f_wide32, name##_df_wide32, name##_d2f_wide32,                              \
      name##_derivatives_wide32, name##_vjp_wide32 }

/* Each activation of piecewise_points.h twice: "name" computes float32 in float32,
 * "name:wide" in float64 (nonlin.kernels picks one from the parameters). */
#define NL_EXACT_FAMILIES(name, count)                                                   \
    {#name, count, NL_FLOAT32(name), NL_FLOAT64(name)},                                  \
    {#name ":wide", count, NL_WIDE32(name), NL_FLOAT64(name)}

const nl_family nl_piecewise_families[] = {
    NL_EXACT_FAMILIES(relu, 0),
    NL_EXACT_FAMILIES(leaky_relu, 1),
    NL_EXACT_FAMILIES(leaky_relu_steep, 1),
    NL_EXACT_FAMILIES(relu_general, 3),
    NL_EXACT_FAMILIES(clip, 2),
    NL_EXACT_FAMILIES(threshold, 2),
    NL_EXACT_FAMILIES(hard_shrink, 1),
    NL_EXACT_FAMILIES(linear, 0),
    {"soft_shrink", 1, NL_FLOAT32(soft_shrink), NL_FLOAT64(soft_shrink)},
    {"ramp", 1, NL_FLOAT32(ramp), NL_FLOAT64(ramp)},
    {"hard_silu", 0, NL_FLOAT32(hard_silu), NL_FLOAT64(hard_silu)},
    {"sparse_plus", 0, NL_FLOAT32(sparse_plus), NL_FLOAT64(sparse_plus)},
    {"affine", 2, NL_FLOAT32(affine), NL_FLOAT64(affine)},
    {NULL, 0, NL_NONE, NL_NONE},
};

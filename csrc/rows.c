/* Row families: softmax, log_softmax and softmin along the last axis of float32
 * arrays, f, vjp and jvp. Formulas as nonlin.catalog.normalizing's wide forms (float32
 * computed in float64 and rounded once, on rows of finite values):
 *
 *   z = sign x (sign -1 for softmin), m = max z, d = z - m (exact: Sterbenz, or far
 *   below any e that shows), e = exp(d), the "top" entries those with d = 0 (k of
 *   them), t = sum of e over the others + (k - 1), so that sum e = 1 + t.
 *
 *   softmax f       e / sum e
 *   log_softmax f   d - log1p(t)           (the top entry keeps its tiny -log1p(t))
 *   softmax jvp     s (c - <s, c>), s = e / (1 + t), c = v - mean of v over the top
 *                   (the Jacobian is symmetric: vjp = jvp; softmin negates)
 *   log_softmax jvp c - <s, c>
 *   log_softmax vjp dy - s sum(dy); at a single top entry (t / (1 + t)) sum(dy) minus
 *                   the sum of the other dy (no cancellation where s is near 1)
 *
 * A row holding inf or NaN (in x, or in v) is left to the Python path's exact forms:
 * it is flagged in `skipped`. The sums here add in another order than NumPy's
 * pairwise sum and exp is our own (csrc/elementary.h), so a float64 intermediate may
 * differ from the path's in its last bit or two; after the rounding to float32 the
 * results agree except where the value lies within that of a rounding boundary (the
 * tests allow 1 float32 ulp there, and measure how rare it is).
 */
#include <stdlib.h>

#include "elementary.h"

/* Lanes of the reductions: written out so that gcc vectorises them without being
 * allowed to reassociate sums (no -ffast-math). */
#define NL_LANES 8

typedef enum {
    SOFTMAX_F,
    LOG_SOFTMAX_F,
    SOFTMAX_JVP,
    LOG_SOFTMAX_JVP,
    LOG_SOFTMAX_VJP
} nl_row_kind;

NL_INLINE double nl_lanes_sum(const double *lanes) {
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
           ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

/* exp(d) for d <= 0 as NumPy's float64 exp gives it: 0 below -745.13
 * (NL_EXP_UNDERFLOW), and a subnormal rounded once onto its grid above (2^k is formed
 * as 2^(k+60) 2^-60, exact, so that s + s p rounds once: the way of
 * csrc/exponential.c). Whether e is 0 or a subnormal shows in the float32 results:
 * the sign of a zero (the top entry's jvp is -<s, c>) follows it. */
NL_INLINE double nl_row_exp(double d) {
    int64_t k;
    double p = nl_expm1_reduced(nl_reduce(nl_above(d, -744.5), &k));
    double s = nl_pow2(k + 60) * 0x1p-60;
    double e = nl_fma(s, p, s);
    return d < -NL_EXP_UNDERFLOW ? 0.0 : e;
}

/* The largest of sign * x, and whether x (and v, where given) are all finite. */
NL_INLINE int nl_row_max(const float *x, const float *v, ptrdiff_t width, float sign,
                         float *largest) {
    float top[NL_LANES], bad[NL_LANES];
    for (int j = 0; j < NL_LANES; j++) top[j] = -INFINITY, bad[j] = 0.0f;
    ptrdiff_t i = 0;
    for (; i + NL_LANES <= width; i += NL_LANES)
        for (int j = 0; j < NL_LANES; j++) {
            float z = sign * x[i + j];
            top[j] = z > top[j] ? z : top[j];
            bad[j] += x[i + j] * 0.0f; /* NaN from inf or NaN, 0 otherwise */
            if (v != NULL) bad[j] += v[i + j] * 0.0f;
        }
    for (; i < width; i++) {
        float z = sign * x[i];
        top[0] = z > top[0] ? z : top[0];
        bad[0] += x[i] * 0.0f;
        if (v != NULL) bad[0] += v[i] * 0.0f;
    }
    float m = top[0];
    int finite = 1;
    for (int j = 0; j < NL_LANES; j++) {
        m = top[j] > m ? top[j] : m;
        finite &= bad[j] == 0.0f;
    }
    *largest = m;
    return finite;
}

/* One row of a finite x (and v). */
NL_INLINE void nl_row(const float *x, const float *v, float *y, ptrdiff_t width, double *e,
                      nl_row_kind kind, float sign, float m) {
    const double md = m;
    for (ptrdiff_t i = 0; i < width; i++) e[i] = nl_row_exp((double)(sign * x[i]) - md);

    if (kind == SOFTMAX_F) {
        double lanes[NL_LANES] = {0};
        ptrdiff_t i = 0;
        for (; i + NL_LANES <= width; i += NL_LANES)
            for (int j = 0; j < NL_LANES; j++) lanes[j] += e[i + j];
        for (; i < width; i++) lanes[0] += e[i];
        double total = nl_lanes_sum(lanes);
        for (ptrdiff_t i = 0; i < width; i++) y[i] = (float)(e[i] / total);
        return;
    }

    /* t (the sum over the entries below the top, + k - 1) and, for the tangents, the
     * sums of v over the top entries, over the others and over all */
    double rest[NL_LANES] = {0}, count[NL_LANES] = {0};
    double v_top[NL_LANES] = {0}, v_rest[NL_LANES] = {0}, v_all[NL_LANES] = {0};
    ptrdiff_t i = 0;
    for (; i + NL_LANES <= width; i += NL_LANES)
        for (int j = 0; j < NL_LANES; j++) {
            int top = sign * x[i + j] == m;
            rest[j] += top ? 0.0 : e[i + j];
            count[j] += top ? 1.0 : 0.0;
            if (kind != LOG_SOFTMAX_F) {
                double vj = v[i + j];
                v_top[j] += top ? vj : 0.0;
                v_rest[j] += top ? 0.0 : vj;
                v_all[j] += vj;
            }
        }
    for (; i < width; i++) {
        int top = sign * x[i] == m;
        rest[0] += top ? 0.0 : e[i];
        count[0] += top ? 1.0 : 0.0;
        if (kind != LOG_SOFTMAX_F) {
            double vi = v[i];
            v_top[0] += top ? vi : 0.0;
            v_rest[0] += top ? 0.0 : vi;
            v_all[0] += vi;
        }
    }
    double k = nl_lanes_sum(count);
    double t = nl_lanes_sum(rest) + (k - 1);

    if (kind == LOG_SOFTMAX_F) {
        double shift = log1p(t); /* once per row */
        for (ptrdiff_t i = 0; i < width; i++)
            y[i] = (float)(((double)(sign * x[i]) - md) - shift);
        return;
    }

    double scale = 1 + t;
    if (kind == LOG_SOFTMAX_VJP) {
        double total = nl_lanes_sum(v_all);
        double at_top = (t / scale) * total - nl_lanes_sum(v_rest);
        float single = k == 1 ? m : NAN; /* no x compares equal to NaN */
        for (ptrdiff_t i = 0; i < width; i++) {
            double plain = (double)v[i] - (e[i] / scale) * total;
            y[i] = (float)(sign * x[i] == single ? at_top : plain);
        }
        return;
    }

    /* the tangents: c = v - (mean of v over the top), S = <s, c> */
    double centre = nl_lanes_sum(v_top) / k;
    double dot[NL_LANES] = {0};
    i = 0;
    for (; i + NL_LANES <= width; i += NL_LANES)
        for (int j = 0; j < NL_LANES; j++) {
            double s = e[i + j] / scale;
            e[i + j] = s;
            dot[j] += s * ((double)v[i + j] - centre);
        }
    for (; i < width; i++) {
        double s = e[i] / scale;
        e[i] = s;
        dot[0] += s * ((double)v[i] - centre);
    }
    double S = nl_lanes_sum(dot);
    if (kind == LOG_SOFTMAX_JVP) {
        for (ptrdiff_t i = 0; i < width; i++) y[i] = (float)(((double)v[i] - centre) - S);
        return;
    }
    for (ptrdiff_t i = 0; i < width; i++) {
        double r = e[i] * (((double)v[i] - centre) - S);
        y[i] = (float)(sign < 0 ? -r : r); /* softmin: the negated softmax jvp of -x */
    }
}

NL_INLINE void nl_rows_of(const float *x, const float *v, float *y, ptrdiff_t rows,
                          ptrdiff_t width, unsigned char *skipped, double *scratch,
                          nl_row_kind kind, float sign) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *xr = x + r * width, *vr = v != NULL ? v + r * width : NULL;
        float m;
        if (!nl_row_max(xr, vr, width, sign, &m)) {
            skipped[r] = 1;
            continue;
        }
        nl_row(xr, vr, y + r * width, width, scratch, kind, sign, m);
    }
}

#define NL_ROWS(name, kind, sign)                                                        \
    static void name(const float *x, const float *v, float *y, ptrdiff_t rows,           \
                     ptrdiff_t width, unsigned char *skipped, double *scratch) {         \
        nl_rows_of(x, v, y, rows, width, skipped, scratch, kind, sign);                  \
    }

NL_ROWS(softmax_f, SOFTMAX_F, 1.0f)
NL_ROWS(softmax_jvp, SOFTMAX_JVP, 1.0f)
NL_ROWS(softmin_f, SOFTMAX_F, -1.0f)
NL_ROWS(softmin_jvp, SOFTMAX_JVP, -1.0f)
NL_ROWS(log_softmax_f, LOG_SOFTMAX_F, 1.0f)
NL_ROWS(log_softmax_jvp, LOG_SOFTMAX_JVP, 1.0f)
NL_ROWS(log_softmax_vjp, LOG_SOFTMAX_VJP, 1.0f)

const nl_row_family nl_row_families[] = {
    {"softmax", {softmax_f, softmax_jvp, softmax_jvp}},
    {"softmin", {softmin_f, softmin_jvp, softmin_jvp}},
    {"log_softmax", {log_softmax_f, log_softmax_vjp, log_softmax_jvp}},
    {NULL, {NULL, NULL, NULL}},
};

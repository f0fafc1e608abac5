/* Row families: softmax, log_softmax and softmin, norm:mean, norm:std, norm:z,
 * standardize and glu (f, vjp, jvp) along the last axis of float32 and float64 arrays
 * (nonlin.catalog.normalizing). The float32 softmax family follows the wide
 * forms (computed in float64 and rounded once, on rows of finite values):
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
 * float64 follows the exact forms, and the norms theirs (their sections below).
 *
 * A row holding inf or NaN (in x, or in v) is left to the Python path's exact forms:
 * it is flagged in `skipped`. The sums here add in another order than NumPy's
 * pairwise sum and exp is our own (csrc/elementary.h), so a float64 intermediate may
 * differ from the path's in its last bit or two. Rounded to float32, the results were
 * the path's on every test row but for the sign of some zeros (tests/test_kernels.py);
 * float64 results are within a few ulp of the path's, and as close to the truth.
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

/* exp(d) for d <= 0 as NumPy's float64 exp gives it: 0 below -745.13, a subnormal
 * rounded once onto its grid above (csrc/elementary.h). Whether e is 0 or a subnormal
 * shows in the float32 results: the sign of a zero (the top entry's jvp is
 * -<s, c>) follows it. */
NL_INLINE double nl_row_exp(double d) {
    double unused;
    return nl_exp_expm1_deep(d, &unused);
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

/* ------------------------------------------------------------------ float64 rows
 * The exact forms (nonlin.catalog.normalizing._shift): d = x - m rounded, with its
 * rounding error err kept by TwoSum where exp can see it (d > -800), and
 * e = exp(d) (1 + err); log_softmax adds err back to d - log1p(t). The tangents are
 * computed on v scaled by a power of two q near its largest magnitude (exact), and
 * the result scaled back: no intermediate overflows for v near the float64 limit. */

/* The largest of sign * x and of |v|, and whether x (and v) are all finite. */
NL_INLINE int nl_row_max64(const double *x, const double *v, ptrdiff_t width, double sign,
                           double *largest, double *v_largest) {
    double top[NL_LANES], big[NL_LANES], bad[NL_LANES];
    for (int j = 0; j < NL_LANES; j++) top[j] = -INFINITY, big[j] = 0.0, bad[j] = 0.0;
    ptrdiff_t i = 0;
    for (; i + NL_LANES <= width; i += NL_LANES)
        for (int j = 0; j < NL_LANES; j++) {
            double z = sign * x[i + j];
            top[j] = z > top[j] ? z : top[j];
            bad[j] += x[i + j] * 0.0;
            if (v != NULL) {
                double a = v[i + j] < 0 ? -v[i + j] : v[i + j];
                big[j] = a > big[j] ? a : big[j];
                bad[j] += v[i + j] * 0.0;
            }
        }
    for (; i < width; i++) {
        double z = sign * x[i];
        top[0] = z > top[0] ? z : top[0];
        bad[0] += x[i] * 0.0;
        if (v != NULL) {
            double a = v[i] < 0 ? -v[i] : v[i];
            big[0] = a > big[0] ? a : big[0];
            bad[0] += v[i] * 0.0;
        }
    }
    double m = top[0], b = big[0];
    int finite = 1;
    for (int j = 0; j < NL_LANES; j++) {
        m = top[j] > m ? top[j] : m;
        b = big[j] > b ? big[j] : b;
        finite &= bad[j] == 0.0;
    }
    *largest = m;
    *v_largest = b;
    return finite;
}

/* 2^k with b / 2^k in [1, 2), k clamped to [-1022, 1022] (1 for b = 0), so that both
 * 2^k and 2^-k are normal (normalizing._power_of_two_near). */
NL_INLINE double nl_row_scale(double b) {
    int64_t k = b > 0 ? ((nl_bits(b) >> 52) & 0x7ff) - 1023 : 0;
    k = k < -1022 ? -1022 : (k > 1022 ? 1022 : k);
    return nl_pow2(k);
}

/* d = z - m rounded (0 at the top), and *err its rounding error where exp can see it
 * (TwoSum; 0 at the top and below d = -800). */
NL_INLINE double nl_row_shift(double z, double m, double *err) {
    int top = z == m;
    double d = top ? 0.0 : z - m;
    double xk = top ? m : (d > -800.0 ? z : m);
    double s = xk - m, back = s - xk;
    *err = (xk - (s - back)) + (-m - back);
    return d;
}

/* Lanes of compensated sums (TwoSum, Neumaier): the float64 sums here are good to
 * about an ulp of the result, whatever the width (NumPy's pairwise sum is within
 * log2(width) ulp), so that the loops' results are no further from the truth than
 * the array-API path's. */
typedef struct {
    double hi[NL_LANES], lo[NL_LANES];
} nl_sum;

#if defined(__GNUC__)
typedef double nl_v4 __attribute__((vector_size(32)));
#endif

/* Add v[j] to lane j, for the NL_LANES lanes at once (with vector extensions where the
 * compiler has them: gcc's SLP does not vectorise TwoSum across lanes by itself). */
NL_INLINE void nl_sum_add_lanes(nl_sum *sum, const double *v) {
#if defined(__GNUC__)
    for (int h = 0; h < NL_LANES; h += 4) {
        nl_v4 a, b, low;
        memcpy(&a, sum->hi + h, sizeof a);
        memcpy(&b, v + h, sizeof b);
        memcpy(&low, sum->lo + h, sizeof low);
        nl_v4 t = a + b, back = t - a;
        low += (a - (t - back)) + (b - back);
        memcpy(sum->hi + h, &t, sizeof t);
        memcpy(sum->lo + h, &low, sizeof low);
    }
#else
    for (int j = 0; j < NL_LANES; j++) {
        double err;
        sum->hi[j] = nl_two_sum(sum->hi[j], v[j], &err);
        sum->lo[j] += err;
    }
#endif
}

NL_INLINE void nl_sum_add(nl_sum *sum, int lane, double value) {
    double err;
    sum->hi[lane] = nl_two_sum(sum->hi[lane], value, &err);
    sum->lo[lane] += err;
}

/* The sum as hi + *lo (hi the rounded total). */
NL_INLINE double nl_sum_pair(const nl_sum *sum, double *lo) {
    double total = 0.0, low = 0.0;
    for (int j = 0; j < NL_LANES; j++) {
        double err;
        total = nl_two_sum(total, sum->hi[j], &err);
        low += err + sum->lo[j];
    }
    return nl_two_sum(total, low, lo);
}

NL_INLINE double nl_sum_total(const nl_sum *sum) {
    double lo;
    return nl_sum_pair(sum, &lo);
}

/* exp(d) (1 + err) for d <= 0, from exp as a pair (csrc/elementary.h: the rounding of
 * exp itself does not add to the result's), 0 below NumPy's underflow. */
NL_INLINE double nl_row_exp64(double d, double err) {
    double lo, hi = nl_exp_pairs(nl_above(d, -745.5), &lo, NULL, NULL);
    double e = hi + (lo + hi * err);
    return d < -NL_EXP_UNDERFLOW ? 0.0 : e;
}

NL_INLINE void nl_row64(const double *x, const double *v, double *y, ptrdiff_t width,
                        double *e, nl_row_kind kind, double sign, double m, double q) {
    const double q_inv = 1 / q; /* exact: q is a normal power of two */
    const int tangent = kind != SOFTMAX_F && kind != LOG_SOFTMAX_F;
    for (ptrdiff_t i = 0; i < width; i++) {
        double err, d = nl_row_shift(sign * x[i], m, &err);
        e[i] = nl_row_exp64(d, err);
    }
    /* t (with k) and the sums of the scaled v over the top, the others and all */
    nl_sum rest = {{0}, {0}}, v_top = {{0}, {0}}, v_rest = {{0}, {0}}, v_all = {{0}, {0}};
    double count[NL_LANES] = {0};
    ptrdiff_t i = 0;
    for (; i + NL_LANES <= width; i += NL_LANES) {
        double below[NL_LANES], at[NL_LANES], off[NL_LANES], all[NL_LANES];
        for (int j = 0; j < NL_LANES; j++) {
            int top = sign * x[i + j] == m;
            below[j] = top ? 0.0 : e[i + j];
            count[j] += top ? 1.0 : 0.0;
            double vj = tangent ? v[i + j] * q_inv : 0.0;
            at[j] = top ? vj : 0.0;
            off[j] = top ? 0.0 : vj;
            all[j] = vj;
        }
        nl_sum_add_lanes(&rest, below);
        if (tangent) {
            nl_sum_add_lanes(&v_top, at);
            nl_sum_add_lanes(&v_rest, off);
            nl_sum_add_lanes(&v_all, all);
        }
    }
    for (; i < width; i++) {
        int top = sign * x[i] == m;
        nl_sum_add(&rest, 0, top ? 0.0 : e[i]);
        count[0] += top ? 1.0 : 0.0;
        if (tangent) {
            double vi = v[i] * q_inv;
            nl_sum_add(&v_top, 0, top ? vi : 0.0);
            nl_sum_add(&v_rest, 0, top ? 0.0 : vi);
            nl_sum_add(&v_all, 0, vi);
        }
    }
    double k = nl_lanes_sum(count);
    double t = nl_sum_total(&rest) + (k - 1);
    double scale = 1 + t;

    if (kind == SOFTMAX_F) {
        for (ptrdiff_t i = 0; i < width; i++) y[i] = e[i] / scale;
        return;
    }
    if (kind == LOG_SOFTMAX_F) {
        double shift = log1p(t); /* once per row */
        for (ptrdiff_t i = 0; i < width; i++) {
            double err, d = nl_row_shift(sign * x[i], m, &err);
            y[i] = (d - shift) + err;
        }
        return;
    }
    if (kind == LOG_SOFTMAX_VJP) {
        double total = nl_sum_total(&v_all);
        double at_top = (t / scale) * total - nl_sum_total(&v_rest);
        double single = k == 1 ? m : NAN; /* no x compares equal to NaN */
        for (ptrdiff_t i = 0; i < width; i++) {
            double plain = v[i] * q_inv - (e[i] / scale) * total;
            y[i] = (sign * x[i] == single ? at_top : plain) * q;
        }
        return;
    }
    double centre = nl_sum_total(&v_top) / k;
    nl_sum dot = {{0}, {0}};
    i = 0;
    for (; i + NL_LANES <= width; i += NL_LANES) {
        double terms[NL_LANES];
        for (int j = 0; j < NL_LANES; j++) {
            double s = e[i + j] / scale;
            e[i + j] = s;
            terms[j] = s * (v[i + j] * q_inv - centre);
        }
        nl_sum_add_lanes(&dot, terms);
    }
    for (; i < width; i++) {
        double s = e[i] / scale;
        e[i] = s;
        nl_sum_add(&dot, 0, s * (v[i] * q_inv - centre));
    }
    double S = nl_sum_total(&dot);
    if (kind == LOG_SOFTMAX_JVP) {
        for (ptrdiff_t i = 0; i < width; i++) y[i] = ((v[i] * q_inv - centre) - S) * q;
        return;
    }
    for (ptrdiff_t i = 0; i < width; i++) {
        double r = e[i] * ((v[i] * q_inv - centre) - S);
        y[i] = (sign < 0 ? -r : r) * q; /* softmin: the negated softmax jvp of -x */
    }
}

NL_INLINE void nl_rows_of64(const double *x, const double *v, double *y, ptrdiff_t rows,
                            ptrdiff_t width, unsigned char *skipped, double *scratch,
                            nl_row_kind kind, double sign) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const double *xr = x + r * width, *vr = v != NULL ? v + r * width : NULL;
        double m, biggest;
        if (!nl_row_max64(xr, vr, width, sign, &m, &biggest)) {
            skipped[r] = 1;
            continue;
        }
        nl_row64(xr, vr, y + r * width, width, scratch, kind, sign, m,
                 nl_row_scale(biggest));
    }
}

#define NL_ROWS(name, kind, sign)                                                        \
    static void name(const float *x, const float *v, float *y, ptrdiff_t rows,           \
                     ptrdiff_t width, unsigned char *skipped, double *scratch,           \
                     const nl_params *P) {                                               \
        (void)P;                                                                         \
        nl_rows_of(x, v, y, rows, width, skipped, scratch, kind, sign);                  \
    }

#define NL_ROWS64(name, kind, sign)                                                      \
    static void name(const double *x, const double *v, double *y, ptrdiff_t rows,        \
                     ptrdiff_t width, unsigned char *skipped, double *scratch,           \
                     const nl_params *P) {                                               \
        (void)P;                                                                         \
        nl_rows_of64(x, v, y, rows, width, skipped, scratch, kind, sign);                \
    }

NL_ROWS64(softmax_f64, SOFTMAX_F, 1.0)
NL_ROWS64(softmax_jvp64, SOFTMAX_JVP, 1.0)
NL_ROWS64(softmin_f64, SOFTMAX_F, -1.0)
NL_ROWS64(softmin_jvp64, SOFTMAX_JVP, -1.0)
NL_ROWS64(log_softmax_f64, LOG_SOFTMAX_F, 1.0)
NL_ROWS64(log_softmax_jvp64, LOG_SOFTMAX_JVP, 1.0)
NL_ROWS64(log_softmax_vjp64, LOG_SOFTMAX_VJP, 1.0)

NL_ROWS(softmax_f, SOFTMAX_F, 1.0f)
NL_ROWS(softmax_jvp, SOFTMAX_JVP, 1.0f)
NL_ROWS(softmin_f, SOFTMAX_F, -1.0f)
NL_ROWS(softmin_jvp, SOFTMAX_JVP, -1.0f)
NL_ROWS(log_softmax_f, LOG_SOFTMAX_F, 1.0f)
NL_ROWS(log_softmax_jvp, LOG_SOFTMAX_JVP, 1.0f)
NL_ROWS(log_softmax_vjp, LOG_SOFTMAX_VJP, 1.0f)

/* ------------------------------------------------------------------ norm:*
 * norm:mean, norm:std, norm:z and standardize: f (and norm:mean's vjp and jvp, below;
 * the others' have a section of their own), on rows of finite values (float32 and
 * float64 alike in float64, the exact forms of nonlin.catalog.normalizing._rows).
 * The row is scaled by a power of two q near its largest magnitude (or near `floor`
 * where that is larger: eps, or sqrt(eps) for standardize), u = x / q, centred to
 * about an ulp of the result, c = u - mean(u) with the mean kept as q_m + q_lo, and
 * sigma = sqrt(mean(c^2)):
 *
 *   norm:mean    c q
 *   norm:std     u / (sigma + eps / q)
 *   norm:z       c / (sigma + eps / q)
 *   standardize  c / sqrt(sigma^2 + eps / q^2)
 *
 * (a denominator of 0 is taken as 1). The sums are compensated, so float64 results
 * are within an ulp or two of the array-API path's, and float32 ones its own. */
typedef enum { NORM_MEAN, NORM_STD, NORM_Z, STANDARDIZE } nl_norm_kind;

NL_INLINE double nl_positive_or_one(double d) { return d > 0 ? d : 1.0; }

/* The mean of what `sum` added up, n values, as q_m + *q_lo (normalizing._divide:
 * the remainder of hi / n is exact). */
NL_INLINE double nl_sum_mean(const nl_sum *sum, double n, double *q_lo) {
    double low, hi = nl_sum_pair(sum, &low);
    double q_m = hi / n, p_err, p = nl_two_product(q_m, n, &p_err);
    *q_lo = (((hi - p) - p_err) + low) / n;
    return q_m;
}

/* u - (q_m + q_lo) to about an ulp of the result: u - q_m keeps its rounding error
 * (normalizing._centre). */
NL_INLINE double nl_centred(double u, double q_m, double q_lo) {
    double d_err, d = nl_two_sum(u, -q_m, &d_err);
    return d + (d_err - q_lo);
}

/* c = u - mean(u) and *sigma = sqrt(mean(c^2)) (not for norm:mean); c may be u. */
NL_INLINE void nl_norm_row(const double *u, double *c, ptrdiff_t width, nl_norm_kind kind,
                           double *sigma) {
    nl_sum total = {{0}, {0}}, squares = {{0}, {0}};
    ptrdiff_t i = 0;
    for (; i + NL_LANES <= width; i += NL_LANES) nl_sum_add_lanes(&total, u + i);
    for (; i < width; i++) nl_sum_add(&total, 0, u[i]);
    double n = (double)width, q_lo, q_m = nl_sum_mean(&total, n, &q_lo);
    for (i = 0; i < width; i++) c[i] = nl_centred(u[i], q_m, q_lo);
    if (kind == NORM_MEAN) return;
    i = 0;
    for (; i + NL_LANES <= width; i += NL_LANES) {
        double terms[NL_LANES];
        for (int j = 0; j < NL_LANES; j++) terms[j] = c[i + j] * c[i + j];
        nl_sum_add_lanes(&squares, terms);
    }
    for (; i < width; i++) nl_sum_add(&squares, 0, c[i] * c[i]);
    *sigma = sqrt(nl_sum_total(&squares) / n);
}

/* The largest magnitude in a row of T (at least `floor`) as *biggest, and whether the
 * row is all finite. Magnitudes compare as their bit patterns do (I a signed integer
 * of T's size, I_MAX all its bits but the sign), and inf or NaN above every finite
 * one: an integer maximum, which vectorises where selections between floats do not. */
#define NL_NORM_SCAN(T, I, I_MAX, suffix)                                                \
    NL_INLINE int nl_norm_scan_##suffix(const T *x, ptrdiff_t width, double floor,       \
                                        double *biggest) {                               \
        const T inf = (T)INFINITY;                                                       \
        I top = 0, inf_bits;                                                             \
        memcpy(&inf_bits, &inf, sizeof inf_bits);                                        \
        for (ptrdiff_t i = 0; i < width; i++) {                                          \
            I bits;                                                                      \
            memcpy(&bits, x + i, sizeof bits);                                           \
            bits &= I_MAX;                                                               \
            top = bits > top ? bits : top;                                               \
        }                                                                                \
        T largest;                                                                       \
        memcpy(&largest, &top, sizeof largest);                                          \
        *biggest = (double)largest > floor ? (double)largest : floor;                    \
        return top < inf_bits;                                                           \
    }

/* The norm rows of T arrays: x scaled into scratch (u), centred into scratch + width
 * (c), written back as T. */
#define NL_NORM_ROWS(T, suffix)                                                          \
    NL_INLINE void nl_norm_rows_##suffix(const T *x, T *y, ptrdiff_t rows,               \
                                         ptrdiff_t width, unsigned char *skipped,        \
                                         double *scratch, nl_norm_kind kind, double eps, \
                                         double floor) {                                 \
        double *u = scratch, *c = scratch + width;                                       \
        for (ptrdiff_t r = 0; r < rows; r++) {                                           \
            const T *xr = x + r * width;                                                 \
            T *yr = y + r * width;                                                       \
            double biggest;                                                              \
            if (!nl_norm_scan_##suffix(xr, width, floor, &biggest)) {                    \
                skipped[r] = 1;                                                          \
                continue;                                                                \
            }                                                                            \
            double q = nl_row_scale(biggest), q_inv = 1 / q, sigma = 0.0;                \
            for (ptrdiff_t i = 0; i < width; i++) u[i] = (double)xr[i] * q_inv;          \
            nl_norm_row(u, c, width, kind, &sigma);                                      \
            if (kind == NORM_MEAN) {                                                     \
                for (ptrdiff_t i = 0; i < width; i++) yr[i] = (T)(c[i] * q);             \
            } else if (kind == STANDARDIZE) {                                            \
                double shrunk = (eps * q_inv) * q_inv;                                   \
                double d = nl_positive_or_one(sqrt(sigma * sigma + shrunk));             \
                for (ptrdiff_t i = 0; i < width; i++) yr[i] = (T)(c[i] / d);             \
            } else {                                                                     \
                double d = nl_positive_or_one(sigma + eps * q_inv);                      \
                const double *top = kind == NORM_STD ? u : c;                            \
                for (ptrdiff_t i = 0; i < width; i++) yr[i] = (T)(top[i] / d);           \
            }                                                                            \
        }                                                                                \
    }

/* ------------------------------------------------------------------ norm:* tangents
 * The vjp and jvp of norm:std, norm:z and standardize (NormStd, NormZ, Standardize:
 * _rescaled around _pullback and _pushforward), on rows of finite x and v. With
 * u = x / q (q a power of two near max(|x|, floor)), c = u - mean(u), sigma =
 * sqrt(mean(c^2)), w = v / p (p a power of two near the largest |v|), the scaled
 * denominator D = sigma + eps / q (standardize: sqrt(sigma^2 + eps / q^2)), y = u / D
 * (norm:std) or c / D, and r = c / sigma:
 *
 *   norm:std vjp      ((w - r mean(w y)) / (D q)) p
 *   norm:std jvp      ((w - y mean(r w)) / (D q)) p
 *   norm:z            ((centre(w) - y mean(r w)) / (D q)) p       (vjp = jvp)
 *   standardize       ((centre(w) - y mean(y w)) / (D q)) p       (vjp = jvp)
 *
 * (sigma, D and D q of 0 taken as 1). Unlike f, these follow the path's float64
 * arithmetic operation for operation, its sums included: a tangent entry is often a
 * difference that cancels (J 1 = 0 for norm:z and standardize, and tied x make more
 * entries cancel), and there the last bits of the sums decide even the float32
 * result. The means of c (and of w) are _accurate_sum's TwoSum tree, the others
 * NumPy's pairwise sum (np.mean along a contiguous row), so that float32 (the path's
 * wide forms are its exact forms here) and float64 alike are the path's bits. */

/* NumPy's pairwise_sum of a[0..n), as np.sum and np.mean add along a contiguous row:
 * up to 128 values in 8 running lanes (and the rest in order), more halved at a
 * multiple of 8. */
static double nl_numpy_sum(const double *a, ptrdiff_t n) {
    if (n < 8) {
        double total = -0.0;
        for (ptrdiff_t i = 0; i < n; i++) total += a[i];
        return total;
    }
    if (n <= 128) {
        double lanes[8];
        for (int j = 0; j < 8; j++) lanes[j] = a[j];
        ptrdiff_t i = 8;
        for (; i < n - n % 8; i += 8)
            for (int j = 0; j < 8; j++) lanes[j] += a[i + j];
        double total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                       ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
        for (; i < n; i++) total += a[i];
        return total;
    }
    ptrdiff_t half = n / 2;
    half -= half % 8;
    return nl_numpy_sum(a, half) + nl_numpy_sum(a + half, n - half);
}

/* np.mean of a row: the reduction starts from +0, then divides by the count. */
NL_INLINE double nl_numpy_mean(const double *a, ptrdiff_t n) {
    return (0.0 + nl_numpy_sum(a, n)) / (double)n;
}

/* The mean of y[0..n) as q_m + *q_lo, by normalizing._accurate_sum (pairs i and
 * i + half added by TwoSum, level by level, an odd count padded with a 0, the errors
 * carried in lo) and _divide. y is overwritten, lo (n values) is scratch. */
NL_INLINE double nl_path_mean(double *y, double *lo, ptrdiff_t n, double *q_lo) {
    const double count = (double)n;
    for (ptrdiff_t i = 0; i < n; i++) lo[i] = 0.0;
    while (n > 1) {
        ptrdiff_t half = (n + 1) / 2, pairs = n / 2;
        for (ptrdiff_t i = 0; i < pairs; i++) {
            double err;
            y[i] = nl_two_sum(y[i], y[i + half], &err);
            lo[i] = (lo[i] + lo[i + half]) + err;
        }
        if (n % 2) { /* the middle value and the padding, for the sign of zeros */
            double err;
            y[pairs] = nl_two_sum(y[pairs], 0.0, &err);
            lo[pairs] = (lo[pairs] + 0.0) + err;
        }
        n = half;
    }
    double q_m = y[0] / count, p_err, p = nl_two_product_split(q_m, count, &p_err);
    *q_lo = (((y[0] - p) - p_err) + lo[0]) / count;
    return q_m;
}

/* The tangent rows of T arrays (pullback: norm:std's vjp, not its jvp). The scratch
 * is a and b: w, then u, while its mean is taken (b the errors of the TwoSum tree),
 * then c in a and in b each product whose mean the path takes. */
#define NL_NORM_TANGENT_ROWS(T, suffix)                                                  \
    NL_INLINE void nl_norm_tangent_rows_##suffix(                                        \
        const T *x, const T *v, T *y, ptrdiff_t rows, ptrdiff_t width,                   \
        unsigned char *skipped, double *scratch, nl_norm_kind kind, int pullback,        \
        double eps, double floor) {                                                      \
        double *a = scratch, *b = scratch + width;                                       \
        for (ptrdiff_t r = 0; r < rows; r++) {                                           \
            const T *xr = x + r * width, *vr = v + r * width;                            \
            T *yr = y + r * width;                                                       \
            double x_big, v_big;                                                         \
            int finite = nl_norm_scan_##suffix(xr, width, floor, &x_big);                \
            finite &= nl_norm_scan_##suffix(vr, width, 0.0, &v_big);                     \
            if (!finite) {                                                               \
                skipped[r] = 1;                                                          \
                continue;                                                                \
            }                                                                            \
            double q = nl_row_scale(x_big), q_inv = 1 / q;                               \
            double p = nl_row_scale(v_big), p_inv = 1 / p;                               \
            double w_m = 0.0, w_lo = 0.0, x_m, x_lo;                                     \
            if (kind != NORM_STD) {                                                      \
                for (ptrdiff_t i = 0; i < width; i++) a[i] = (double)vr[i] * p_inv;      \
                w_m = nl_path_mean(a, b, width, &w_lo);                                  \
            }                                                                            \
            for (ptrdiff_t i = 0; i < width; i++) a[i] = (double)xr[i] * q_inv;          \
            x_m = nl_path_mean(a, b, width, &x_lo);                                      \
            for (ptrdiff_t i = 0; i < width; i++) {                                      \
                a[i] = nl_centred((double)xr[i] * q_inv, x_m, x_lo);                     \
                b[i] = a[i] * a[i];                                                      \
            }                                                                            \
            double sigma = sqrt(nl_numpy_mean(b, width));                                \
            double scaled = kind == STANDARDIZE                                          \
                                ? sqrt(sigma * sigma + (eps * q_inv) * q_inv)            \
                                : sigma + eps * q_inv;                                   \
            double d = nl_positive_or_one(scaled), s = nl_positive_or_one(sigma);        \
            double dq = nl_positive_or_one(scaled * q);                                  \
            if (kind == NORM_STD && pullback) {                                          \
                for (ptrdiff_t i = 0; i < width; i++)                                    \
                    b[i] = ((double)vr[i] * p_inv) * (((double)xr[i] * q_inv) / d);      \
                double m = nl_numpy_mean(b, width);                                      \
                for (ptrdiff_t i = 0; i < width; i++) {                                  \
                    double w = (double)vr[i] * p_inv;                                    \
                    yr[i] = (T)(((w - (a[i] / s) * m) / dq) * p);                        \
                }                                                                        \
                continue;                                                                \
            }                                                                            \
            /* the mean of r w, or of y w for standardize */                             \
            const double under = kind == STANDARDIZE ? d : s;                            \
            for (ptrdiff_t i = 0; i < width; i++)                                        \
                b[i] = (a[i] / under) * ((double)vr[i] * p_inv);                         \
            double m = nl_numpy_mean(b, width);                                          \
            if (kind == NORM_STD) {                                                      \
                for (ptrdiff_t i = 0; i < width; i++) {                                  \
                    double w = (double)vr[i] * p_inv, u = (double)xr[i] * q_inv;         \
                    yr[i] = (T)(((w - (u / d) * m) / dq) * p);                           \
                }                                                                        \
                continue;                                                                \
            }                                                                            \
            for (ptrdiff_t i = 0; i < width; i++) {                                      \
                double w = nl_centred((double)vr[i] * p_inv, w_m, w_lo);                 \
                yr[i] = (T)(((w - (a[i] / d) * m) / dq) * p);                            \
            }                                                                            \
        }                                                                                \
    }

NL_NORM_SCAN(float, int32_t, INT32_MAX, float32)
NL_NORM_SCAN(double, int64_t, INT64_MAX, float64)
NL_NORM_ROWS(float, float32)
NL_NORM_ROWS(double, float64)
NL_NORM_TANGENT_ROWS(float, float32)
NL_NORM_TANGENT_ROWS(double, float64)

/* eps is the family's one parameter (none for norm:mean); the floor of the scale is
 * eps, or sqrt(eps) for standardize (as the Python path's _rows). */
#define NL_NORM_FAMILY(name, kind)                                                       \
    static void name##_f32(const float *x, const float *v, float *y, ptrdiff_t rows,     \
                           ptrdiff_t width, unsigned char *skipped, double *scratch,     \
                           const nl_params *P) {                                         \
        (void)v;                                                                         \
        double eps = kind == NORM_MEAN ? 0.0 : P->p[0];                                  \
        nl_norm_rows_float32(x, y, rows, width, skipped, scratch, kind, eps,             \
                             kind == STANDARDIZE ? sqrt(eps) : eps);                     \
    }                                                                                    \
    static void name##_f64(const double *x, const double *v, double *y, ptrdiff_t rows,  \
                           ptrdiff_t width, unsigned char *skipped, double *scratch,     \
                           const nl_params *P) {                                         \
        (void)v;                                                                         \
        double eps = kind == NORM_MEAN ? 0.0 : P->p[0];                                  \
        nl_norm_rows_float64(x, y, rows, width, skipped, scratch, kind, eps,             \
                             kind == STANDARDIZE ? sqrt(eps) : eps);                     \
    }

NL_NORM_FAMILY(norm_mean, NORM_MEAN)

/* norm:mean's vjp and jvp centre v (its Jacobian, I - 11^T/n, is symmetric and does
 * not depend on x): its f applied to v, scaled as the Python path scales a cotangent
 * (a power of two near its largest magnitude). A row of v holding inf or NaN goes to
 * the path; x plays no part. */
static void norm_mean_tangent_f32(const float *x, const float *v, float *y, ptrdiff_t rows,
                                  ptrdiff_t width, unsigned char *skipped, double *scratch,
                                  const nl_params *P) {
    (void)x; (void)P;
    nl_norm_rows_float32(v, y, rows, width, skipped, scratch, NORM_MEAN, 0.0, 0.0);
}
static void norm_mean_tangent_f64(const double *x, const double *v, double *y,
                                  ptrdiff_t rows, ptrdiff_t width, unsigned char *skipped,
                                  double *scratch, const nl_params *P) {
    (void)x; (void)P;
    nl_norm_rows_float64(v, y, rows, width, skipped, scratch, NORM_MEAN, 0.0, 0.0);
}
NL_NORM_FAMILY(norm_std, NORM_STD)
NL_NORM_FAMILY(norm_z, NORM_Z)
NL_NORM_FAMILY(standardize, STANDARDIZE)

/* The vjp (pullback 1) and jvp of norm:std, norm:z and standardize, eps and the
 * floor of the scale as for f. */
#define NL_NORM_TANGENT(name, kind, pullback)                                            \
    static void name##_f32(const float *x, const float *v, float *y, ptrdiff_t rows,     \
                           ptrdiff_t width, unsigned char *skipped, double *scratch,     \
                           const nl_params *P) {                                         \
        double eps = P->p[0], floor = kind == STANDARDIZE ? sqrt(eps) : eps;             \
        nl_norm_tangent_rows_float32(x, v, y, rows, width, skipped, scratch, kind,       \
                                     pullback, eps, floor);                              \
    }                                                                                    \
    static void name##_f64(const double *x, const double *v, double *y, ptrdiff_t rows,  \
                           ptrdiff_t width, unsigned char *skipped, double *scratch,     \
                           const nl_params *P) {                                         \
        double eps = P->p[0], floor = kind == STANDARDIZE ? sqrt(eps) : eps;             \
        nl_norm_tangent_rows_float64(x, v, y, rows, width, skipped, scratch, kind,       \
                                     pullback, eps, floor);                              \
    }

NL_NORM_TANGENT(norm_std_vjp, NORM_STD, 1)
NL_NORM_TANGENT(norm_std_jvp, NORM_STD, 0)
NL_NORM_TANGENT(norm_z_tangent, NORM_Z, 1) /* the Jacobian is symmetric: one loop */
NL_NORM_TANGENT(standardize_tangent, STANDARDIZE, 1)

/* ------------------------------------------------------------------ glu
 * x = [a, b] along the row (halves of n values each); f = a sigma(b), vjp and jvp
 * elementwise in the pairs (a_i, b_i). The exact forms of
 * nonlin.catalog.normalizing.GLU (its float64 branch: NumPy computes a float32 glu in
 * float64 and rounds once), operation for operation:
 *
 *   e = exp(-|b|), big = 1/(1 + e), small = e big, up = sigma(b), down = sigma(-b)
 *   _times_gate(c, b)        c up, or (c h) h for b < -700 (h = e^(b/2))
 *   _times_gate_slope(c, b)  c (up down), or (c h) h for |b| > 700 (h = e^(-|b|/2))
 *   f    _times_gate(a, b)
 *   vjp  d = dy / q: da = _times_gate(d, b) q, db = _times_gate_slope(d a, b) q
 *   jvp  (_times_gate(va / q, b) + _times_gate_slope((vb / q) a, b)) q
 *
 * where q is a power of two near |dy| (max(|va|, |vb|) for the jvp), 1 where that is 0
 * or not finite, within [2^-1022, 2^1022]; the scaling is exact. The path takes q from
 * NumPy's log2, which may round up just below a power of two; here it is the exponent
 * itself. The two can differ only where a product falls among the subnormals.
 *
 * Every value is handled here, inf and NaN included (the same operations give the
 * same inf and NaN): no row is left to the path. exp is elementary.h's (the float32
 * loops' nl_exp_expm1_deep, as the sigmoidal loops; the float64 loops' nl_exp_once,
 * NumPy's correctly rounded exp but for near-ties), NumPy's subnormals included. */

#define GLU_FAR 700.0

NL_INLINE double glu_exp32(double t) {
    double unused;
    return nl_exp_expm1_deep(t, &unused);
}

NL_INLINE double glu_exp64(double t) {
    double e = nl_exp_once(nl_above(t, -746.0));
    return t < -NL_EXP_UNDERFLOW ? 0.0 : e;
}

/* up = sigma(b) and *down = sigma(-b), both from e = exp(-|b|) (_math.sigmoid_pair) */
#define GLU_PAIR(EXP, b, up, down)                                                       \
    do {                                                                                 \
        double e_ = EXP((b) >= 0 ? -(b) : (b));                                          \
        double big_ = 1.0 / (1.0 + e_), small_ = e_ * big_;                              \
        (up) = (b) >= 0 ? big_ : small_;                                                 \
        (down) = (b) >= 0 ? small_ : big_;                                               \
    } while (0)

/* h = e^(min(-|b|, -700)/2): both far forms' factor (for b < -700 the two agree, and
 * beyond |b| = 700 on the right only the slope uses it) */
#define GLU_HALF(EXP, b) EXP(nl_below((b) >= 0 ? -(b) : (b), -GLU_FAR) * 0.5)

/* The path's power of two near m >= 0 (or NaN), and its inverse: the exponent bits
 * of m, clamped to [2^-1022, 2^1022]; 1 where m is 0, inf or NaN. */
NL_INLINE double glu_scale(double m, double *inverse) {
    double q = nl_double(nl_bits(m) & 0x7ff0000000000000LL);
    q = nl_below(nl_above(q, 0x1p-1022), 0x1p1022);
    q = m <= 0x1.fffffffffffffp1023 ? q : 1.0;
    q = m > 0.0 ? q : 1.0;
    *inverse = 1.0 / q; /* exact */
    return q;
}

#define GLU_LOOPS(T, suffix, EXP)                                                        \
    static void glu_f_##suffix(const T *x, const T *v, T *y, ptrdiff_t rows,             \
                               ptrdiff_t width, unsigned char *skipped, double *scratch, \
                               const nl_params *P) {                                     \
        (void)v; (void)skipped; (void)scratch; (void)P;                                  \
        ptrdiff_t n = width / 2;                                                         \
        for (ptrdiff_t r = 0; r < rows; r++) {                                           \
            const T *a = x + r * width, *b = a + n;                                      \
            T *out = y + r * n;                                                          \
            for (ptrdiff_t i = 0; i < n; i++) {                                          \
                double ai = (double)a[i], bi = (double)b[i], up, down;                   \
                GLU_PAIR(EXP, bi, up, down);                                             \
                double h = GLU_HALF(EXP, bi);                                            \
                (void)down;                                                              \
                out[i] = (T)(bi < -GLU_FAR ? (ai * h) * h : ai * up);                    \
            }                                                                            \
        }                                                                                \
    }                                                                                    \
    static void glu_vjp_##suffix(const T *x, const T *dy, T *y, ptrdiff_t rows,          \
                                 ptrdiff_t width, unsigned char *skipped,                \
                                 double *scratch, const nl_params *P) {                  \
        (void)skipped; (void)scratch; (void)P;                                           \
        ptrdiff_t n = width / 2;                                                         \
        for (ptrdiff_t r = 0; r < rows; r++) {                                           \
            const T *a = x + r * width, *b = a + n, *g = dy + r * n;                     \
            T *da = y + r * width, *db = da + n;                                         \
            for (ptrdiff_t i = 0; i < n; i++) {                                          \
                double ai = (double)a[i], bi = (double)b[i], gi = (double)g[i];          \
                double up, down, inverse, q = glu_scale(fabs(gi), &inverse);             \
                GLU_PAIR(EXP, bi, up, down);                                             \
                double h = GLU_HALF(EXP, bi), d = gi * inverse, c = d * ai;              \
                double gate = bi < -GLU_FAR ? (d * h) * h : d * up;                      \
                double slope = fabs(bi) > GLU_FAR ? (c * h) * h : c * (up * down);       \
                da[i] = (T)(gate * q);                                                   \
                db[i] = (T)(slope * q);                                                  \
            }                                                                            \
        }                                                                                \
    }                                                                                    \
    static void glu_jvp_##suffix(const T *x, const T *v, T *y, ptrdiff_t rows,           \
                                 ptrdiff_t width, unsigned char *skipped,                \
                                 double *scratch, const nl_params *P) {                  \
        (void)skipped; (void)scratch; (void)P;                                           \
        ptrdiff_t n = width / 2;                                                         \
        for (ptrdiff_t r = 0; r < rows; r++) {                                           \
            const T *a = x + r * width, *b = a + n, *va = v + r * width, *vb = va + n;   \
            T *out = y + r * n;                                                          \
            for (ptrdiff_t i = 0; i < n; i++) {                                          \
                double ai = (double)a[i], bi = (double)b[i];                             \
                double ma = fabs((double)va[i]), mb = fabs((double)vb[i]);               \
                double up, down, inverse, q = glu_scale(nl_above(ma, mb), &inverse);     \
                GLU_PAIR(EXP, bi, up, down);                                             \
                double h = GLU_HALF(EXP, bi);                                            \
                double d = (double)va[i] * inverse, c = ((double)vb[i] * inverse) * ai;  \
                double gate = bi < -GLU_FAR ? (d * h) * h : d * up;                      \
                double slope = fabs(bi) > GLU_FAR ? (c * h) * h : c * (up * down);       \
                out[i] = (T)((gate + slope) * q);                                        \
            }                                                                            \
        }                                                                                \
    }

GLU_LOOPS(float, f32, glu_exp32)
GLU_LOOPS(double, f64, glu_exp64)

const nl_row_family nl_row_families[] = {
    {"softmax", 0, {softmax_f, softmax_jvp, softmax_jvp},
     {softmax_f64, softmax_jvp64, softmax_jvp64}},
    {"softmin", 0, {softmin_f, softmin_jvp, softmin_jvp},
     {softmin_f64, softmin_jvp64, softmin_jvp64}},
    {"log_softmax", 0, {log_softmax_f, log_softmax_vjp, log_softmax_jvp},
     {log_softmax_f64, log_softmax_vjp64, log_softmax_jvp64}},
    {"norm:mean", 0, {norm_mean_f32, norm_mean_tangent_f32, norm_mean_tangent_f32},
     {norm_mean_f64, norm_mean_tangent_f64, norm_mean_tangent_f64}},
    {"norm:std", 1, {norm_std_f32, norm_std_vjp_f32, norm_std_jvp_f32},
     {norm_std_f64, norm_std_vjp_f64, norm_std_jvp_f64}},
    {"norm:z", 1, {norm_z_f32, norm_z_tangent_f32, norm_z_tangent_f32},
     {norm_z_f64, norm_z_tangent_f64, norm_z_tangent_f64}},
    {"standardize", 1,
     {standardize_f32, standardize_tangent_f32, standardize_tangent_f32},
     {standardize_f64, standardize_tangent_f64, standardize_tangent_f64}},
    {"glu", 0, {glu_f_f32, glu_vjp_f32, glu_jvp_f32}, {glu_f_f64, glu_vjp_f64, glu_jvp_f64},
     1},
    {NULL, 0, {NULL, NULL, NULL}, {NULL, NULL, NULL}, 0},
};

/* Vectorisable float64 exp, expm1 and log1p, the cores every family builds on.
 *
 * No libm calls (they are scalar, 5-14 ns each, and stop vectorisation). Each core
 * is accurate to within an ulp or so of float64, far below the half ulp of float32
 * that a float32 result is rounded to. Callers keep arguments inside the stated
 * ranges (clamping is cheaper in the caller, which knows its range).
 */
#ifndef NONLIN_ELEMENTARY_H
#define NONLIN_ELEMENTARY_H

#include "nonlin_kernels.h"

/* a * b + c: one fused instruction in the AVX2 + FMA build, a product and a sum in the
 * baseline build (__builtin_fma would call libm's scalar fma there). Every use below
 * is exact either way, or lands far below float64's last bit, so the two builds agree
 * to an ulp of float64 or so. */
#if defined(__FMA__)
#define nl_fma(a, b, c) __builtin_fma(a, b, c)
#else
#define nl_fma(a, b, c) ((a) * (b) + (c))
#endif

static const double NL_LOG2E = 1.4426950408889634;
static const double NL_LN2_HI = 6.93147180369123816490e-01; /* 0x3FE62E42FEE00000 */
static const double NL_LN2_LO = 1.90821492927058770002e-10;
static const double NL_SHIFT = 6755399441055744.0; /* 1.5 * 2^52: rounds to an integer */

/* exp(-x) rounds to 0 in float64 for x above this (half the smallest subnormal). */
static const double NL_EXP_UNDERFLOW = 745.1332191019411;

NL_INLINE int64_t nl_bits(double d) { int64_t i; memcpy(&i, &d, 8); return i; }
NL_INLINE double nl_double(int64_t i) { double d; memcpy(&d, &i, 8); return d; }

/* q(r) with expm1(r) = r + r^2 q(r) for |r| <= ln2/2 (r2 = r^2): the Taylor series to
 * degree 13, by Estrin's scheme for shorter dependency chains. The first term left
 * out is at most 4e-18 (2^-57.7 of exp(r)): far below a float32 result's rounding,
 * and a fraction of an ulp for float64 ones. */
NL_INLINE double nl_expm1_tail(double r, double r2) {
    double r4 = r2 * r2;
    double a0 = nl_fma(1.0 / 6, r, 0.5), a1 = nl_fma(1.0 / 120, r, 1.0 / 24);
    double a2 = nl_fma(1.0 / 5040, r, 1.0 / 720), a3 = nl_fma(1.0 / 362880, r, 1.0 / 40320);
    double a4 = nl_fma(1.0 / 39916800, r, 1.0 / 3628800);
    double a5 = nl_fma(1.0 / 6227020800.0, r, 1.0 / 479001600);
    double b0 = nl_fma(a1, r2, a0), b1 = nl_fma(a3, r2, a2), b2 = nl_fma(a5, r2, a4);
    return nl_fma(nl_fma(b2, r4, b1), r4, b0);
}

/* expm1(r) for |r| <= ln2/2. */
NL_INLINE double nl_expm1_reduced(double r) {
    double r2 = r * r;
    return nl_fma(nl_expm1_tail(r, r2), r2, r);
}

/* x = k ln2 + r with |r| <= ln2/2 (plus rounding); returns r and sets k. */
NL_INLINE double nl_reduce(double x, int64_t *k) {
    double t = nl_fma(x, NL_LOG2E, NL_SHIFT);
    *k = nl_bits(t) - nl_bits(NL_SHIFT);
    double kd = t - NL_SHIFT;
    double r = nl_fma(-kd, NL_LN2_HI, x); /* exact: LN2_HI has 11 trailing zero bits */
    return nl_fma(-kd, NL_LN2_LO, r);
}

/* min(a, b) for a bound b that keeps a NaN a (fmin would drop it, and is a call). */
NL_INLINE double nl_below(double a, double b) { return a > b ? b : a; }
NL_INLINE double nl_above(double a, double b) { return a < b ? b : a; }

NL_INLINE double nl_pow2(int64_t k) { return nl_double((k + 1023) << 52); }

/* exp(x) for x in [-708, 709]. */
NL_INLINE double nl_exp(double x) {
    int64_t k;
    double p = nl_expm1_reduced(nl_reduce(x, &k));
    double s = nl_pow2(k);
    return nl_fma(s, p, s);
}

/* exp(x) and expm1(x) together, for x in [-708, 709]: 2^k (1 + p) and
 * 2^k p + (2^k - 1), the second without cancellation near 0. */
NL_INLINE double nl_exp_expm1(double x, double *expm1_x) {
    int64_t k;
    double p = nl_expm1_reduced(nl_reduce(x, &k));
    double s = nl_pow2(k);
    *expm1_x = nl_fma(s, p, s - 1.0);
    return nl_fma(s, p, s);
}

/* expm1(x) for x in [-708, 709]. */
NL_INLINE double nl_expm1(double x) {
    double m;
    (void)nl_exp_expm1(x, &m);
    return m;
}

/* exp(t) and expm1(t) for t <= 0 (or NaN), with exp's float64 underflow as NumPy has
 * it: a subnormal exp is rounded once to its grid, and exp is 0 below
 * NL_EXP_UNDERFLOW (a zero there decides the sign of a zero product, and makes
 * dy * f' = inf * 0 a NaN; a subnormal there becomes a float32 value again times a
 * large parameter). 2^k is formed as 2^(k+60) 2^-60, both factors normal and the
 * product exact, so that it is a subnormal for k < -1022 (no lane ever computes a
 * subnormal it does not need: those cost a microcode assist each). s + s p is then one
 * rounding onto the subnormal grid: one fma, or s p rounded onto the grid (it is below
 * 2^-1022) and s added exactly. Where the result is normal this is nl_exp_expm1's
 * value, bit for bit. expm1 is -1 wherever the subnormals matter; a caller that needs
 * expm1's signed zero keeps it (this gives +0 for -0). The float32 loops of the
 * sigmoidal, smooth and exponential families take their exp(-|.|) from here (the
 * compiler drops expm1 where a caller does not use it). */
NL_INLINE double nl_exp_expm1_deep(double t, double *expm1_t) {
    /* On [-745.13, -744.5] e^t rounds to 2^-1074 (it lies in (2^-1075, 1.5 2^-1074)),
     * as e^-744.5 does: the clamp keeps k >= -1074. */
    int64_t k;
    double p = nl_expm1_reduced(nl_reduce(nl_above(t, -744.5), &k));
    double s = nl_pow2(k + 60) * 0x1p-60;
    *expm1_t = nl_fma(s, p, s - 1.0);
    double e = nl_fma(s, p, s);
    return t < -NL_EXP_UNDERFLOW ? 0.0 : e;
}

/* q(z) = 1/3 + z/5 + z^2/7 + ... + z^((top-3)/2)/top (top odd), by Horner from the
 * last term: atanh(s) = s + s z q(z) with z = s^2, the series of every log1p here. */
NL_INLINE double nl_atanh_tail(double z, int top) {
    double q = 1.0 / top;
    _Pragma("GCC unroll 32") /* fully: the constants fold, nothing stays a loop */
    for (int k = top - 2; k >= 3; k -= 2) q = nl_fma(q, z, 1.0 / k);
    return q;
}

/* log1p(t) for t in [0, 1]: 2 atanh(s) with |s| <= 0.1716 (s = t/(t+2), or
 * (t-1)/(t+3) plus ln 2 above sqrt(2) - 1). */
NL_INLINE double nl_log1p_unit(double t) {
    int high = t > 0.41421356237309503;
    double num = high ? t - 1.0 : t;
    double den = high ? t + 3.0 : t + 2.0;
    double c_hi = high ? 6.93147180559945286e-01 : 0.0;
    double c_lo = high ? 2.31904681384629956e-17 : 0.0;
    double s = num / den, z = s * s;
    double q = nl_atanh_tail(z, 25);
    double s2 = s + s;
    return c_hi + (nl_fma(s2 * z, q, s2) + c_lo);
}

/* ------------------------------------------------------------------ float64 results
 * A float64 result needs its intermediate values to more than float64 precision (the
 * array-API path's exact forms carry double-double pairs: a value plus the part it
 * could not hold). These are the same error-free transformations, with FMA. */

/* a + b = s + *err exactly (Knuth's TwoSum: any magnitudes). */
NL_INLINE double nl_two_sum(double a, double b, double *err) {
    double s = a + b, bb = s - a;
    *err = (a - (s - bb)) + (b - bb);
    return s;
}

/* a * b = p + *err by Dekker's split, as nonlin._math.two_product computes it: exact
 * for |a|, |b| below 2^995 unless the product underflows (where an FMA's error may
 * differ from this one: affine, which must match the Python path, uses this). */
NL_INLINE double nl_two_product_split(double a, double b, double *err) {
    const double SPLIT = 134217729.0; /* 2^27 + 1 */
    double p = a * b;
    double ta = SPLIT * a, a_hi = ta - (ta - a), a_lo = a - a_hi;
    double tb = SPLIT * b, b_hi = tb - (tb - b), b_lo = b - b_hi;
    *err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo;
    return p;
}

/* a * b = p + *err exactly, unless the product underflows: one FMA, or in the
 * baseline build Dekker's split. */
NL_INLINE double nl_two_product(double a, double b, double *err) {
#if defined(__FMA__)
    double p = a * b;
    *err = __builtin_fma(a, b, -p);
    return p;
#else
    return nl_two_product_split(a, b, err);
#endif
}

/* x = k ln2 + r + *r_err, |r| <= ln2/2 (plus rounding), with r + r_err holding the
 * reduced argument to far beyond float64: the first step of every float64 exp pair. */
NL_INLINE double nl_reduce_pair(double x, int64_t *k, double *r_err) {
    double t = nl_fma(x, NL_LOG2E, NL_SHIFT);
    *k = nl_bits(t) - nl_bits(NL_SHIFT);
    double kd = t - NL_SHIFT;
    double r_hi = x - kd * NL_LN2_HI; /* exact: the product is, and x is near kd ln2 */
    return nl_two_sum(r_hi, -kd * NL_LN2_LO, r_err);
}

/* The part nl_exp_pairs and nl_exp_once share: exp(x) = 2^(k - k1) (hi + *lo) with
 * hi = 2^k1 (1 + p) rounded, k1 = k >> 1 (hi normal), expm1(r) = *p + *tail. */
NL_INLINE double nl_exp_half_pair(double x, int64_t *k, double *lo, double *p,
                                  double *tail) {
    double r_err, r = nl_reduce_pair(x, k, &r_err);
    double r2 = r * r;
    double p_err;
    *p = nl_two_sum(r, r2 * nl_expm1_tail(r, r2), &p_err); /* + 2^-57 */
    double s1 = nl_pow2(*k >> 1);
    *tail = p_err + r_err * (1.0 + *p);
    double hi = s1 + s1 * *p; /* s1 p is exact, and |p| < 1 */
    *lo = ((s1 - hi) + s1 * *p) + s1 * *tail;
    return hi;
}

/* exp(x) = hi + *lo and expm1(x) = *m_hi + *m_lo for x in [-746, 710], each pair to
 * about 2^-56 relative (the series' truncation, above): the reduced argument keeps
 * its rounding error, and the last sums are exact. The power of two is applied in two
 * halves, so that exp overflows to inf past 709.78 (a subnormal hi * s2 is rounded
 * twice: to 53 bits, then to the grid). m_hi, m_lo may be NULL.
 *
 * Kept beside nl_exp_pair (below), not merged into it: it is the cheap pair of the
 * sigmoidal float64 loops (and rows.c), whose low parts only add to what NumPy's
 * rounded exp has (those loops are within 2 ulp of the array-API path with it, and
 * closer to the truth), and it costs about half of nl_exp_pair (no double-double
 * series, no subnormal rounding); changing it would move their results. A float64
 * result that must follow NumPy's rounded exp bit for bit wherever it can takes
 * nl_exp_pair's 2^-66 pair (or its series, nl_expm1_reduced_pair). */
NL_INLINE double nl_exp_pairs(double x, double *lo, double *m_hi, double *m_lo) {
    int64_t k;
    double p, tail, half_lo, hi = nl_exp_half_pair(x, &k, &half_lo, &p, &tail);
    int64_t k1 = k >> 1;
    double s1 = nl_pow2(k1), s2 = nl_pow2(k - k1);
    *lo = half_lo * s2;
    if (m_hi != NULL) {
        double s = s1 * s2; /* 2^k: exact, or 0 far below 1 (where expm1 is -1) */
        double err, m = nl_two_sum(s - 1.0, s * p, &err); /* s - 1: exact for k >= -53 */
        *m_hi = m;
        *m_lo = err + s * tail;
    }
    return hi * s2;
}

/* exp(x) rounded once from nl_exp_pairs' pair, subnormal results included (NumPy's
 * exp is correctly rounded there, and a subnormal f' scaled up by a large cotangent
 * shows every bit), for x in [-746, 709]: the pair q + q_lo = 2^k1 (1 + p) (normal) is
 * scaled by s2 = 2^(k-k1): for a result below 2^-1021 (where the grid is uniform,
 * 2^-1074) h = q s2 is q on that grid, q - h/s2 the exact rest, and h + rest s2 the
 * sum rounded once; above, (q + q_lo) s2 scales exactly. (The sigmoidal float64
 * loops' deep tail, as cheap as their pairs; nl_exp_pair below rounds a better pair.) */
NL_INLINE double nl_exp_once(double x) {
    int64_t k;
    double p, tail, q_lo, q = nl_exp_half_pair(x, &k, &q_lo, &p, &tail);
    int64_t k1 = k >> 1;
    double s2 = nl_pow2(k - k1);
    double h = q * s2;
    double rest = (q - h * nl_pow2(k1 - k)) + q_lo;
    return h < 0x1p-1021 ? h + rest * s2 : (q + q_lo) * s2;
}

/* ------------------------------------------------------------- exp to about 2^-66
 * An exp and expm1 pair for a float64 result that must be rounded as NumPy's
 * correctly rounded exp is (but for ties closer than 2^-66), and NumPy's subnormal
 * exp, rounded once onto its grid: the exponential family's float64 loops. The smooth
 * and gelu float64 loops carry series of their own to the same end (smooth_exp_core,
 * gelu_exp_pair), kept because this one would move some of their results off the
 * array-API path's (see there). */

/* exp(t) overflows to inf in float64 for t above this (log of DBL_MAX, rounded up). */
static const double NL_EXP_OVERFLOW = 709.782712893384;

/* 1/n! as hi + lo (hi rounded to nearest), for the terms that need more than a double. */
static const double NL_INV6_HI = 0x1.5555555555555p-3, NL_INV6_LO = 0x1.5555555555555p-57;
static const double NL_INV24_HI = 0x1.5555555555555p-5, NL_INV24_LO = 0x1.5555555555555p-59;

/* c + r (h + l) as a pair, for |r (h + l)| <= |c|: one Horner step of a double-double
 * polynomial (r h exactly by two_product, c + r h by Fast2Sum). */
NL_INLINE double nl_dd_horner(double c_hi, double c_lo, double r, double h, double l,
                              double *lo) {
    double p_err, p = nl_two_product(r, h, &p_err);
    double s = c_hi + p, err = p - (s - c_hi);
    *lo = err + (p_err + (r * l + c_lo));
    return s;
}

/* e^r - 1 = hi + *lo for |r| <= ln2/2 + 2^-40, to about 2^-66 relative (of e^r). A
 * pair good to 2^-56 (nl_exp_pairs: r + r^2 q(r) with q rounded) misrounds about 1% of
 * exps, where NumPy's libm exp misrounds 0.02-0.09%. So the terms up to r^4/4! (each
 * above 2^-11) are summed as double-double pairs, by Horner's scheme, and only
 * r^5 Q(r) (at most 4e-5) is a plain double: Q = sum r^j/(j+5)! to j = 11 (the first
 * term left out, r^17/17!, is below 2^-74). Of the three such series the families
 * carry (this, smooth_exp_core's and gelu_exp_pair's), the most accurate: on 2.4M
 * arguments in [-708, 0] its exp, rounded, differed from the correctly rounded exp at
 * 4 of 2060 points checked against mpmath where smooth's differed at 139. */
NL_INLINE double nl_expm1_reduced_pair(double r, double *lo) {
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double a0 = nl_fma(1.0 / 720, r, 1.0 / 120);
    double a1 = nl_fma(1.0 / 40320, r, 1.0 / 5040);
    double a2 = nl_fma(1.0 / 3628800, r, 1.0 / 362880);
    double a3 = nl_fma(1.0 / 479001600, r, 1.0 / 39916800);
    double a4 = nl_fma(1.0 / 87178291200.0, r, 1.0 / 6227020800.0);
    double a5 = nl_fma(1.0 / 20922789888000.0, r, 1.0 / 1307674368000.0);
    double b0 = nl_fma(a1, r2, a0), b1 = nl_fma(a3, r2, a2), b2 = nl_fma(a5, r2, a4);
    double q = nl_fma(b2, r8, nl_fma(b1, r4, b0));
    double l, h = nl_dd_horner(NL_INV24_HI, NL_INV24_LO, r, q, 0.0, &l);
    h = nl_dd_horner(NL_INV6_HI, NL_INV6_LO, r, h, l, &l);
    h = nl_dd_horner(0.5, 0.0, r, h, l, &l);
    h = nl_dd_horner(1.0, 0.0, r, h, l, &l);
    double p_err, p = nl_two_product(r, h, &p_err);
    *lo = p_err + r * l;
    return p;
}

/* e^(x + dx) = *e + *e_lo and e^(x + dx) - 1 = *m_hi + *m_lo (any x, NaN included;
 * |dx| below 2^-30 |x| or so: it enters to first order), each pair to about 2^-65
 * relative, except where e^x is subnormal (below 2^-1022): there *e is e^x alone,
 * rounded once, and *e_lo is 0; a caller with a dx forms e + e dx, as the Python
 * path's y + y dx (the same subnormal y, so that dy * f' agrees with it: a subnormal
 * has few bits, and a large dy would magnify any difference between the two).
 * *e alone is exp(x) rounded once (the pair rounded; subnormals onto their grid), and
 * *m_hi + *m_lo rounded is expm1(x) rounded once (for x <= 0, and for x < 36 ln 2,
 * where 2^k - 1 is exact). As nl_exp_pairs (above), with these differences:
 * - e^r - 1 from nl_expm1_reduced_pair (2^-66, not 2^-56: see there);
 * - the extra low part dx of the argument (celu's remainder and log(alpha)'s low part:
 *   e^(x + dx) = e^x (1 + dx) to far below float64);
 * - a subnormal e^x is rounded once onto the subnormal grid (below), where hi * s2
 *   rounds to 53 bits first and then to the grid: a double rounding;
 * - a normal e^x is the pair rounded before the last scaling, so that no low part is
 *   lost below 2^-1022 (the results from 2^-1022 to 2^-969, 1.3% of them misrounded
 *   otherwise);
 * - expm1's 2^k - 1 is split exactly (Fast2Sum: |-1| >= 2^k for x <= 0), not only for
 *   k >= -53: 2^k - 1 rounds to -1 at k = -54, one ulp off for x in (-37.43, -37.08].
 * NumPy's 0 below -745.13 and inf above 709.78 are set explicitly; e^x is 2^-1074 on
 * [-745.13, -744.5] (2^k is not representable for k = -1075 there). The compiler
 * drops whatever a caller does not use (m_hi and m_lo). */
NL_INLINE double nl_exp_pair(double x, double dx, double *e_lo, double *m_hi,
                             double *m_lo) {
    double xc = nl_below(nl_above(x, -746.0), 710.0);
    double t = nl_fma(xc, NL_LOG2E, NL_SHIFT);
    int64_t k = nl_bits(t) - nl_bits(NL_SHIFT);
    double kd = t - NL_SHIFT; /* k as a double too: compared below (SSE2 has no int64 <) */
    double r_hi = xc - kd * NL_LN2_HI; /* exact: LN2_HI has 11 trailing zero bits */
    double r_err, r = nl_two_sum(r_hi, -kd * NL_LN2_LO, &r_err);
    double p_err, p = nl_expm1_reduced_pair(r, &p_err);
    double tail0 = p_err + r_err * (1.0 + p); /* e^x alone, for subnormal results */
    double tail = tail0 + dx * (1.0 + p);
    int64_t k1 = k >> 1;
    double s1 = nl_pow2(k1), s2 = nl_pow2(k - k1);
    double s = s1 * s2; /* 2^k: exact, subnormal only in the lanes that need it */
    /* Normal results: 2^k1 (1 + p + tail) = v + v_lo rounded before the scaling by s2
     * (exact where the result is normal), so that a low part that s2 takes below 2^-969
     * (where it would lose bits) has been used already; below that e_lo is 0. */
    double hi = s1 + s1 * p;
    double lo = ((s1 - hi) + s1 * p) + s1 * tail;
    double v = hi + lo, v_lo = (hi - v) + lo;
    double e = v * s2;
    double low = kd < -960.0 ? 0.0 : v_lo * s2;
    /* Subnormal results (below 2^-1022, so k <= -1022 and a < 1 at k = -1022): 1 + p +
     * tail0 = a + a_lo (|a_lo| <= ulp(a)/2) rounded once to the grid g = 2^(-1074-k)
     * of the subnormal 2^k (a + a_lo): w = a + c with c = 2^52 g (a < c, so that
     * a + c stays in c's binade, whose ulp is g) rounds a to the grid, its error w_err
     * is exact (Fast2Sum), and the step is corrected where w_err + a_lo passes half a
     * step. (w - c) 2^k is then exact. Rounding 2^k1 (1 + p) to 53 bits first (as
     * hi * s2 does) would be a double rounding, wrong for a quarter of the arguments
     * near -708. In the other lanes g and c are garbage (never subnormal), unused. */
    double a0 = 1.0 + p, a0_lo = ((1.0 - a0) + p) + tail0;
    double a = a0 + a0_lo, a_lo = a0_lo - (a - a0);
    double g = nl_pow2(-1074 - k), c = g * 0x1p52;
    double w = a + c, w_err = a - (w - c), z = w_err + a_lo;
    w = z > 0.5 * g ? w + g : (z < -0.5 * g ? w - g : w);
    double e_deep = (w - c) * s;
    e_deep = x < -744.5 ? 0x1p-1074 : e_deep; /* k = -1075: 2^k is not representable */
    int deep = e < 0x1p-1022;
    e = deep ? e_deep : e;
    e = x < -NL_EXP_UNDERFLOW ? 0.0 : e;
    e = x > NL_EXP_OVERFLOW ? INFINITY : e;
    low = x > NL_EXP_OVERFLOW ? 0.0 : low;
    *e_lo = deep ? 0.0 : low;
    double d = s - 1.0, d_err = s - (d + 1.0);
    double err, m = nl_two_sum(d, s * p, &err);
    *m_hi = m;
    *m_lo = (d_err + err) + s * tail;
    return e;
}

#endif

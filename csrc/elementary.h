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

/* exp(x) = hi + *lo and expm1(x) = *m_hi + *m_lo for x in [-746, 710], each pair to
 * about 2^-56 relative (the series' truncation, above): the reduced argument keeps
 * its rounding error, and the last sums are exact. The power of two is applied in two halves, so that a subnormal exp
 * is rounded once, and exp overflows to inf past 709.78. m_hi, m_lo may be NULL. */
NL_INLINE double nl_exp_pairs(double x, double *lo, double *m_hi, double *m_lo) {
    int64_t k;
    double r_err, r = nl_reduce_pair(x, &k, &r_err);
    double r2 = r * r;
    double p_err, p = nl_two_sum(r, r2 * nl_expm1_tail(r, r2), &p_err); /* + 2^-57 */
    int64_t k1 = k >> 1;
    double s1 = nl_pow2(k1), s2 = nl_pow2(k - k1);
    double tail = p_err + r_err * (1.0 + p);
    double hi = s1 + s1 * p; /* s1 p is exact, and |p| < 1 */
    *lo = (((s1 - hi) + s1 * p) + s1 * tail) * s2;
    if (m_hi != NULL) {
        double s = s1 * s2; /* 2^k: exact, or 0 far below 1 (where expm1 is -1) */
        double err, m = nl_two_sum(s - 1.0, s * p, &err); /* s - 1: exact for k >= -53 */
        *m_hi = m;
        *m_lo = err + s * tail;
    }
    return hi * s2;
}

#endif

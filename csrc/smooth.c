/* Smooth rectifiers: softplus, silu, mish, squareplus.
 *
 * float32: each point function is a literal port of the wide forms of
 * nonlin.catalog.smooth (the "cheap" pieces of _FromPieces: plain float64 formulas from
 * m = exp(-|x|), no double-double), with NumPy's exp, expm1 and log1p replaced by
 * elementary.h's cores. The operations are the array-API path's, in its order, so that
 * the float64 values agree to an ulp or so and the float32 results, rounded once, agree
 * bit for bit.
 *
 * float64: the exact forms, ported the same way (see "float64 helpers" below), as
 * accurate as the array-API path (the same 50-digit table errors). The forms of silu,
 * mish and squareplus carry 2 to 4 ulp of their own, and where libm's exp, expm1 or
 * hypot rounds the other way from ours (about 0.1%, 11% and 0.6% of arguments: libm's
 * are not correctly rounded, ours are, nearly) a result can move by up to 6 ulp from
 * the array-API path's (tests/test_kernels.py allows each spec what was measured).
 */
#include "elementary.h"

/* exp(-a) for a >= 0 (or NaN), the m of every float32 loop here, is elementary.h's
 * nl_exp_expm1_deep(-a): past about 745.13 it is 0, as NumPy's is: a zero there
 * decides the sign of a zero product and makes dy * f' = inf * 0 a NaN. Float32
 * results need no more than that zero (a subnormal m never shows in one); the float64
 * loops take theirs from smooth_exp64 (below). */
NL_INLINE double smooth_exp_neg(double a) {
    double expm1_unused;
    return nl_exp_expm1_deep(-a, &expm1_unused);
}

/* max(x, 0) as nonlin's nonnegative(): -0.0 stays -0.0, NaN stays NaN. */
NL_INLINE double smooth_nonnegative(double x) { return x < 0 ? 0.0 : x; }

/* A fitted replacement of a bracket that cancels next to its root x0 = hi + lo
 * (nonlin.catalog.smooth._Root and _near_root, float64 branch): on the window
 * start < x < stop the bracket is d q(x), d = (x - hi) - lo, q a Chebyshev series in
 * s = (x - middle) 2/(stop - start) summed by Clenshaw's recurrence. */
typedef struct {
    double hi, lo, start, stop;
    int n;
    const double *c;
} smooth_root;

NL_INLINE double smooth_near_root(double x, double plain, const smooth_root *R) {
    int inside = (x > R->start) & (x < R->stop);
    double middle = 0.5 * (R->start + R->stop);
    double xs = inside ? x : middle;
    double s = (xs - middle) * (2.0 / (R->stop - R->start));
    double d = (xs - R->hi) - R->lo;
    double first = 0.0, second = 0.0;
#pragma GCC unroll 24
    for (int j = R->n - 1; j >= 1; j--) {
        double next = R->c[j] + 2.0 * s * first - second;
        second = first;
        first = next;
    }
    double q = R->c[0] + s * first - second;
    return inside ? d * q : plain;
}

/* ------------------------------------------------------------------ float64 helpers
 *
 * The float64 loops port the exact (non-wide) forms of nonlin.catalog.smooth line by
 * line, in the same order of operations: the double-double reciprocals, the exact
 * products and the deep-tail shift (exp(y + 64) times e^-64 below y = -600, or -300
 * for Mish's squares) are the array-API path's own, so the two agree to the last bit
 * wherever their exp, expm1, log1p and hypot do. Those four are NumPy's (libm's: within
 * 0.51 ulp for exp and hypot, 0.7 for expm1 and log1p); here each is a pair well beyond
 * float64 (2^-60 or better) rounded once, the correctly rounded value nearly always. */

/* e^-64, as the array-API path rounds it (math.exp(-64.0)). */
static const double SMOOTH_SCALE = 0x1.969d47321e4ccp-93;

/* exp(y) = 2^k (hi + *lo) for y in [-810, 3] (or NaN), to about 2^-66: y = k ln2 + r
 * (r keeps the rounding of k ln2_lo), exp(r) = 1 + r + r^2/2 + r^3 P(r), r^2 and r^3
 * exact pairs, P = 1/6 + r P1(r) summed as a pair (to r^15/15!: the next term is
 * below 2^-68). NumPy's exp is libm's, correctly rounded but for a sliver next to the
 * midpoints; exp's pair from elementary.h (2^-57) rounds the other way in about one
 * case in a hundred, and each such ulp of m moves a result by one or two.
 * Not merged into elementary.h's nl_expm1_reduced_pair (the same computation, the
 * exponential family's series, more accurate still): with it 60-300 of 5M float64
 * results per loop moved by 1-2 ulp (4 in mish's f''), and 40-60% of those were
 * points where this series gave the array-API path's value (overall the moved
 * results agreed with the path more often than before, but not at each point). */
NL_INLINE double smooth_exp_core(double y, int64_t *k, double *lo) {
    double r_err, r = nl_reduce_pair(y, k, &r_err);
    double r2_lo, r2 = nl_two_product(r, r, &r2_lo);
    double p1 = 1.0 / 1307674368000.0;
    p1 = nl_fma(p1, r, 1.0 / 87178291200.0);
    p1 = nl_fma(p1, r, 1.0 / 6227020800.0);
    p1 = nl_fma(p1, r, 1.0 / 479001600.0);
    p1 = nl_fma(p1, r, 1.0 / 39916800.0);
    p1 = nl_fma(p1, r, 1.0 / 3628800.0);
    p1 = nl_fma(p1, r, 1.0 / 362880.0);
    p1 = nl_fma(p1, r, 1.0 / 40320.0);
    p1 = nl_fma(p1, r, 1.0 / 5040.0);
    p1 = nl_fma(p1, r, 1.0 / 720.0);
    p1 = nl_fma(p1, r, 1.0 / 120.0);
    p1 = nl_fma(p1, r, 1.0 / 24.0);
    double c_err, c = nl_two_sum(1.0 / 6.0, r * p1, &c_err);
    c_err = c_err + 9.2518585385429707e-18; /* 1/6 - (double)(1/6) */
    double r3_lo, r3 = nl_two_product(r2, r, &r3_lo);
    r3_lo = r3_lo + r2_lo * r;
    double t3_lo, t3 = nl_two_product(r3, c, &t3_lo);
    t3_lo = t3_lo + (r3 * c_err + r3_lo * c);
    double e1, p = nl_two_sum(r, 0.5 * r2, &e1);
    double e2, p2 = nl_two_sum(p, t3, &e2);
    double low = ((e1 + e2) + (0.5 * r2_lo + t3_lo)) + r_err * (1.0 + p2);
    double e3, hi = nl_two_sum(1.0, p2, &e3);
    *lo = e3 + low;
    return hi;
}

/* exp(y) for y <= 0 (or NaN), rounded once: 0 below -745.13, as NumPy's. The power
 * 2^k is applied as 2^(k+600) 2^-600 below -700, so that a subnormal result is
 * rounded once more at most (the loops use none: they are scaled to 0). */
NL_INLINE double smooth_exp64(double y) {
    int64_t k;
    double lo, hi = smooth_exp_core(nl_above(y, -746.0), &k, &lo);
    int low = y < -700.0;
    double s = nl_double((k + (low ? 1623 : 1023)) << 52);
    return ((hi + lo) * s) * (low ? 0x1p-600 : 1.0);
}

/* expm1(d) for |d| < 3, rounded once: 2^k hi - 1 is exact as a pair. */
NL_INLINE double smooth_expm1_64(double d) {
    int64_t k;
    double lo, hi = smooth_exp_core(d, &k, &lo);
    double s = nl_pow2(k);
    double err, m = nl_two_sum(s * hi, -1.0, &err);
    return m + (err + s * lo);
}

/* log1p(t) for t in [0, 1] (or NaN), rounded once from a pair: 2 atanh(s) with
 * s = t/(t+2), or ln 2 + 2 atanh(s) with s = (t-1)/(t+3) from t = 1/2 on (t - 1 is
 * exact there), |s| <= 1/5. The quotient keeps its rounding error (s + s_lo, from the
 * exact remainder of the division and the rounding of the denominator); the odd series
 * beyond 2s is at most 1.4% of it, so its own roundings stay far below an ulp. */
NL_INLINE double smooth_log1p64(double t) {
    int high = t >= 0.5;
    double num = high ? t - 1.0 : t;
    double two = high ? 3.0 : 2.0;
    double den = t + two;
    double den_lo = (two - den) + t; /* exact: |two| >= t */
    double s = num / den;
    double p_lo, p = nl_two_product(s, den, &p_lo);
    double s_lo = (((num - p) - p_lo) - s * den_lo) / den;
    double z = s * s;
    double q = nl_atanh_tail(z, 27);
    double s2 = s + s;
    double c_hi = high ? 6.93147180559945286e-01 : 0.0;
    double c_lo = high ? 2.31904681384629956e-17 : 0.0;
    double err, head = nl_two_sum(c_hi, s2, &err);
    double y = head + (err + ((s_lo + s_lo) + ((s2 * z) * q + c_lo)));
    return t < 0x1p-60 ? t : y; /* t/(t+2) would lose a subnormal t */
}

/* 1/(1 + m + m_err) = r (1 + *fix), nonlin's _reciprocal: 1 + m split exactly, the
 * reciprocal's remainder exact. */
NL_INLINE double smooth_reciprocal64(double m, double m_err, double *fix) {
    double u_err, u = nl_two_sum(1.0, m, &u_err);
    u_err = u_err + m_err;
    double r = 1.0 / u;
    double p_err, p = nl_two_product(u, r, &p_err);
    double residual = (1.0 - p) - p_err;
    *fix = residual - u_err * r;
    return r;
}

/* ------------------------------------------------------------------------ softplus
 *
 * f = log(1 + e^(beta x)) / beta, f' = sigma(beta x), f'' = beta sigma(beta x) sigma(-beta x).
 * With z = beta x and m = exp(-|z|) (never overflows): f = max(x, 0) + log1p(m) / beta,
 * f' = 1/(1+m) for z >= 0 and m/(1+m) below, f'' = beta m / (1+m)^2: no 1 - sigma, so
 * both tails keep full relative accuracy. Where z > threshold (p[1], may be +inf),
 * f = x and f' = 1; where z >= threshold, f'' = 0 (PyTorch's shortcut). Any beta and
 * threshold: for a float32 x a subnormal m never shows in a float32 result (whatever
 * beta), only whether m is 0 does (the sign of a zero, inf * 0), and smooth_exp_neg
 * gets that right.
 */
NL_INLINE void softplus_point(double x, const nl_params *P, double *f, double *df,
                              double *d2f, int want) {
    double beta = P->p[0], threshold = P->p[1];
    double z = beta * x;
    double m = smooth_exp_neg(fabs(z));
    double big = 1.0 / (1.0 + m);
    if (want & NL_F) {
        double y = smooth_nonnegative(x) + nl_log1p_unit(m) / beta;
        *f = z > threshold ? x : y;
    }
    if (want & NL_DF) {
        double y = z >= 0 ? big : m * big;
        *df = z > threshold ? 1.0 : y;
    }
    if (want & NL_D2F) {
        double y = beta * m * (big * big);
        *d2f = z >= threshold ? 0.0 : y;
    }
}
NL_LOOPS_FLOAT32(softplus)

/* float64 (Softplus._tail, _pieces, _value, _slope, _curvature): z = beta x rounded;
 * m = exp(-|z|) (exp(-|z| + 64) where -|z| < -600, the results then scaled by e^-64),
 * corrected for the rounding of beta x, m (1 - sign(z) err) with beta x = z + err exact
 * (x clamped to 1000/beta first, where m is 0 anyway; no correction from beta = 1e290
 * on, where the split would overflow); 1/(1+m) = big (1 + fix). Then
 * f = max(x, 0) + log1p(m)/beta, f' = big (1+fix) or m big (1+fix),
 * f'' = beta m big^2 (1 + 2 fix); the threshold as in float32. */
NL_INLINE void softplus_point64(double x, const nl_params *P, double *f, double *df,
                                double *d2f, int want) {
    double beta = P->p[0], threshold = P->p[1];
    int correct = beta < 1e290;
    double limit = nl_below(1000.0 / beta, 1e300);
    double z = beta * x;
    double y = z >= 0 ? -z : z;
    int deep = y < -600.0;
    double m = smooth_exp64(deep ? y + 64.0 : y);
    double xc = nl_below(nl_above(x, -limit), limit);
    double err;
    (void)nl_two_product(beta, xc, &err);
    err = fabs(x) > limit ? 0.0 : err;
    double mc = m - m * (z >= 0 ? err : -err);
    m = correct ? mc : m;
    double fix, big = smooth_reciprocal64(m, 0.0, &fix);
    if (want & NL_F) {
        double tail = smooth_log1p64(m) / beta;
        tail = deep ? tail * SMOOTH_SCALE : tail;
        double v = smooth_nonnegative(x) + tail;
        *f = z > threshold ? x : v;
    }
    if (want & NL_DF) {
        double b1 = big + big * fix;
        double left = m * b1;
        left = deep ? left * SMOOTH_SCALE : left;
        double v = z >= 0 ? b1 : left;
        *df = z > threshold ? 1.0 : v;
    }
    if (want & NL_D2F) {
        double big2 = (big * big) * (1.0 + 2.0 * fix);
        double v = (beta * m) * big2;
        v = deep ? v * SMOOTH_SCALE : v;
        /* an infinite threshold cuts nothing (the array-API path skips the test) */
        *d2f = (z >= threshold) & (threshold < INFINITY) ? 0.0 : v;
    }
}
NL_LOOPS_FLOAT64(softplus)

/* ---------------------------------------------------------------------------- silu
 *
 * f = x sigma(x), f' = sigma(x) (1 + x sigma(-x)), f'' = sigma(x) sigma(-x) (2 + x (sigma(-x) - sigma(x))).
 * From m = exp(-|x|) and a = |x| (clamped at 800, where m is 0 anyway):
 * f = x/(1+m) or -a m/(1+m); f' = (1 + m(1+a))/(1+m)^2 for x >= 0, m g/(1+m)^2 below
 * with g = 1 - a + m; f'' = m (2 - a + (2+a) m)/(1+m)^3. Next to the root x0 of g
 * (-1.2785) g = d + w expm1(d), d = x - x0, w = e^x0; next to the roots +-a1 of f''
 * (2.3994) the bracket is (a1 - 2) expm1(-d) - d (1 - m), d = a - a1: exact
 * identities whose terms have one sign, so nothing cancels there.
 */
static const double SILU_X0 = -1.2784645427610737, SILU_X0_LO = -1.0946994183093437e-16;
static const double SILU_W = 0.2784645427610738, SILU_W_LO = -1.5523606315812798e-18;
static const double SILU_A1 = 2.3993572805154675, SILU_A1_LO = 1.8464872855353363e-16;
static const double SILU_C = 0.39935728051546765, SILU_C_LO = 1.8115274859760153e-17;

NL_INLINE void silu_point(double x, const nl_params *P, double *f, double *df,
                          double *d2f, int want) {
    (void)P;
    double a = fabs(x);
    double m = smooth_exp_neg(a);
    double ac = nl_below(a, 800.0);
    double big = 1.0 / (1.0 + m);
    if (want & NL_F) {
        double right = smooth_nonnegative(x) * big;
        double left = -(ac * m) * big;
        *f = x >= 0 ? right : left;
    }
    if (want & NL_DF) {
        double big2 = big * big;
        double right = (1.0 + m * (1.0 + ac)) * big2;
        int inside = (x > -2.5) & (x < -0.65);
        double d = inside ? (x - SILU_X0) - SILU_X0_LO : 0.0;
        double em = nl_expm1(d); /* |d| < 1.3 */
        double near = d + (SILU_W * em + SILU_W_LO * em);
        double g = inside ? near : (1.0 - ac) + m;
        double left = m * g * big2;
        *df = x >= 0 ? right : left;
    }
    if (want & NL_D2F) {
        double big3 = big * big * big;
        /* a, not ac: the same where inside (gcc mixes mask types for the other). */
        int inside = (a > 1.2) & (a < 4.75);
        double d = inside ? (a - SILU_A1) - SILU_A1_LO : 0.0;
        double em = nl_expm1(-d); /* |d| < 2.4 */
        double near = (SILU_C * em + SILU_C_LO * em) - d * (1.0 - m);
        double bracket = inside ? near : (2.0 - ac) + (2.0 + ac) * m;
        *d2f = m * bracket * big3;
    }
}
NL_LOOPS_FLOAT32(silu)

/* float64 (_silu_parts, _silu_value, _silu_slope, _silu_curvature): m = exp(-|x|)
 * (shifted below -600), 1/(1+m) = big (1 + fix), so 1/(1+m)^k = big^k (1 + k fix);
 * the same brackets and root identities as the float32 loops, with the float64
 * constants (hi + lo) as they are. */
NL_INLINE void silu_point64(double x, const nl_params *P, double *f, double *df,
                            double *d2f, int want) {
    (void)P;
    double a = fabs(x);
    int deep = a > 600.0;
    double ac = nl_below(a, 800.0);
    double m = smooth_exp64(deep ? 64.0 - a : -a);
    double fix, big = smooth_reciprocal64(m, 0.0, &fix);
    if (want & NL_F) {
        double b1 = big + big * fix;
        double right = smooth_nonnegative(x) * b1;
        double left = -(ac * m) * b1;
        left = deep ? left * SMOOTH_SCALE : left;
        *f = x >= 0 ? right : left;
    }
    if (want & NL_DF) {
        double big2 = (big * big) * (1.0 + 2.0 * fix);
        double right = (1.0 + m * (1.0 + ac)) * big2;
        int inside = (x > -2.5) & (x < -0.65);
        double d = inside ? (x - SILU_X0) - SILU_X0_LO : 0.0;
        double em = smooth_expm1_64(d); /* |d| < 1.3 */
        double near = d + (SILU_W * em + SILU_W_LO * em);
        double g = inside ? near : (1.0 - ac) + m;
        double left = (m * g) * big2;
        left = deep ? left * SMOOTH_SCALE : left;
        *df = x >= 0 ? right : left;
    }
    if (want & NL_D2F) {
        double big3 = ((big * big) * big) * (1.0 + 3.0 * fix);
        int inside = (a > 1.2) & (a < 4.75);
        double d = inside ? (a - SILU_A1) - SILU_A1_LO : 0.0;
        double em = smooth_expm1_64(-d); /* |d| < 2.4 */
        double near = (SILU_C * em + SILU_C_LO * em) - d * (1.0 - m);
        double bracket = inside ? near : (2.0 - ac) + (2.0 + ac) * m;
        double v = (m * bracket) * big3;
        *d2f = deep ? v * SMOOTH_SCALE : v;
    }
}
NL_LOOPS_FLOAT64(silu)

/* ---------------------------------------------------------------------------- mish
 *
 * f = x tanh(s), s = log(1 + e^x); f' = tanh(s) + x sigma(x) sech^2(s);
 * f'' = sigma(x) sech^2(s) (2 + x (sigma(-x) - 2 sigma(x) tanh(s))).
 * With m = exp(-|x|), tanh(s) = (1 + 2m)/D for x >= 0, D = 1 + 2m(1+m), and
 * m(m+2)/D' for x < 0, D' = 2 + m(2+m) = 2 (1 + m(1 + m/2)): ratios of short
 * polynomials in m, nothing overflows and no 1 - tanh^2 cancels. With r = 1/D (or
 * 1/D'), a = |x| clamped at 800:
 *   f  = x (1+2m) r                  | -a m (m+2) r
 *   f' = (1+2m) r + a 4m^2 (1+m) r^2 | m (4(1-a) + m(6-4a) + m^2(4+m)) r^2
 *   f''= 4 m^2 ((2-2a) + m(6-3a) + m^2((8+2a) + m(4+2a))) r^3
 *                                    | 4 m ((4-2a) + m(8-2a) + m^2((6+3a) + m(2+2a))) r^3
 * the brackets expanded in powers of m so that they cancel only next to their roots
 * (f': -1.19; f'': 1.49 and -2.26), where a fitted d q(x) replaces them.
 */
static const double MISH_ROOT_C[] = {
    6.547932412549577, 0.38630793608824415, 0.01770662794493357, 0.0006206888771868533,
    1.8786287959000133e-05, 5.228898018107515e-07, 1.3711031242038056e-08,
    3.3973297993171114e-10, 7.923770340209336e-12, 1.732929330271242e-13,
    3.5464638286375182e-15, 6.789019116786921e-17,
};
static const double MISH_ROOT2_LEFT_C[] = {
    2.8830005897452304, 0.14408070325208464, 0.007622042032769365, 0.00030418142313621134,
    9.901159241070063e-06, 2.723573003775348e-07, 6.285062817896911e-09,
    1.1061071536937432e-10, 7.468431519809907e-13, -4.997543199627067e-14,
    -3.2224329298659363e-15, -1.2883887374549096e-16,
};
static const double MISH_ROOT2_RIGHT_C[] = {
    -4.713833173260348, 0.8807033339176531, -0.09048902243029024, 0.007093870074818538,
    -0.0004615818732623289, 2.5738553029234223e-05, -1.2254688588315486e-06,
    4.77005222576993e-08, -1.2986283312168388e-09, 2.683306598442817e-12,
    2.6543781327238975e-12, -2.286740303726675e-13, 1.3536533852399124e-14,
    -6.623849192428038e-16, 2.8419442709165634e-17,
};
#define SMOOTH_COUNT(c) ((int)(sizeof(c) / sizeof((c)[0])))
static const smooth_root MISH_ROOT = {-1.1924312145154952, -4.8484829848031044e-17, -1.3,
                                      -0.98, SMOOTH_COUNT(MISH_ROOT_C), MISH_ROOT_C};
static const smooth_root MISH_ROOT2_LEFT = {-2.256376396360793, -1.0703174875019247e-16,
                                            -2.42, -1.99, SMOOTH_COUNT(MISH_ROOT2_LEFT_C),
                                            MISH_ROOT2_LEFT_C};
static const smooth_root MISH_ROOT2_RIGHT = {1.4905711794854284, 7.126036715834263e-17, 0.98,
                                             1.67, SMOOTH_COUNT(MISH_ROOT2_RIGHT_C),
                                             MISH_ROOT2_RIGHT_C};

/* The brackets of f'' on the right and on the left (fitted next to their roots). */
NL_INLINE void mish_curvature_brackets(double x, double m, double ac, double *br,
                                       double *bl) {
    double m2 = m * m;
    double right_rest = m * (6.0 - 3.0 * ac) + m2 * ((8.0 + 2.0 * ac) + m * (4.0 + 2.0 * ac));
    double left_rest = m * (8.0 - 2.0 * ac) + m2 * ((6.0 + 3.0 * ac) + m * (2.0 + 2.0 * ac));
    *br = smooth_near_root(x, (2.0 - 2.0 * ac) + right_rest, &MISH_ROOT2_RIGHT);
    *bl = smooth_near_root(x, (4.0 - 2.0 * ac) + left_rest, &MISH_ROOT2_LEFT);
}

NL_INLINE void mish_point(double x, const nl_params *P, double *f, double *df,
                          double *d2f, int want) {
    (void)P;
    double a = fabs(x);
    double m = smooth_exp_neg(a);
    double ac = nl_below(a, 800.0);
    int right = x >= 0;
    double r = 1.0 / (1.0 + m * (right ? 2.0 + 2.0 * m : 1.0 + 0.5 * m));
    r = right ? r : 0.5 * r;
    if (want & NL_F) {
        double fr = smooth_nonnegative(x) * ((1.0 + 2.0 * m) * r);
        double fl = -(ac * m) * ((m + 2.0) * r);
        *f = right ? fr : fl;
    }
    if (want & NL_DF) {
        double bracket = 4.0 * (1.0 - ac) + (m * (6.0 - 4.0 * ac) + m * m * (4.0 + m));
        bracket = smooth_near_root(x, bracket, &MISH_ROOT);
        double r2 = r * r;
        double dr = (1.0 + 2.0 * m) * r + ac * (4.0 * m * m * (1.0 + m)) * r2;
        double dl = m * bracket * r2;
        *df = right ? dr : dl;
    }
    if (want & NL_D2F) {
        double m2 = m * m, br, bl;
        mish_curvature_brackets(x, m, ac, &br, &bl);
        double r3 = r * r * r;
        double cr = m2 * (4.0 * br * r3);
        double cl = 4.0 * m * bl * r3;
        *d2f = right ? cr : cl;
    }
}
NL_LOOPS_FLOAT32(mish)

/* e^-128 as the array-API path rounds it (scale**2). */
static const double SMOOTH_SCALE2 = 0x1.42eb9f39afb0cp-185;

/* float64 (_mish_parts, _mish_value, _mish_slope, _mish_curvature): m = exp(-|x|),
 * shifted by 64 below -300 (m^2 would be subnormal; the results are scaled by e^-64,
 * or e^-128 for those in m^2); D - 1 = 2m + 2m^2 or (D/2 - 1) = m + m^2/2 as a
 * double-double (m^2 exact), 1/D = r (1 + fix); the brackets and fitted roots as in
 * the float32 loops, m^2 = m2 + m2_lo carried into f'' for x >= 0. */
NL_INLINE void mish_point64(double x, const nl_params *P, double *f, double *df,
                            double *d2f, int want) {
    (void)P;
    double a = fabs(x);
    int deep = a > 300.0;
    double m = smooth_exp64(deep ? 64.0 - a : -a);
    double ac = nl_below(a, 800.0);
    int right = x >= 0;
    double sq_err, sq = nl_two_product(m, m, &sq_err);
    double w_err, w = nl_two_sum(right ? 2.0 * m : m, right ? 2.0 * sq : 0.5 * sq, &w_err);
    w_err = w_err + (right ? 2.0 * sq_err : 0.5 * sq_err);
    double fix, r = smooth_reciprocal64(w, w_err, &fix);
    r = right ? r : 0.5 * r;
    if (want & NL_F) {
        double r1 = r + r * fix;
        double fr = smooth_nonnegative(x) * ((1.0 + 2.0 * m) * r1);
        double fl = -(ac * m) * ((m + 2.0) * r1);
        fl = deep ? fl * SMOOTH_SCALE : fl;
        *f = right ? fr : fl;
    }
    if (want & NL_DF) {
        double bracket = 4.0 * (1.0 - ac) + (m * (6.0 - 4.0 * ac) + (m * m) * (4.0 + m));
        bracket = smooth_near_root(x, bracket, &MISH_ROOT);
        double rr = r * r;
        double r2 = rr + rr * (2.0 * fix);
        double dr = (1.0 + 2.0 * m) * (r + r * fix) + (ac * (((4.0 * m) * m) * (1.0 + m))) * r2;
        double dl = (m * bracket) * r2;
        dl = deep ? dl * SMOOTH_SCALE : dl;
        *df = right ? dr : dl;
    }
    if (want & NL_D2F) {
        double m2 = m * m, br, bl;
        mish_curvature_brackets(x, m, ac, &br, &bl);
        double rrr = (r * r) * r;
        double r3 = rrr + rrr * (3.0 * fix);
        double cr = (4.0 * br) * r3;
        double cl = ((4.0 * m) * bl) * r3;
        cr = m2 * cr + sq_err * cr;
        cr = deep ? cr * SMOOTH_SCALE2 : cr;
        cl = deep ? cl * SMOOTH_SCALE : cl;
        *d2f = right ? cr : cl;
    }
}
NL_LOOPS_FLOAT64(mish)

/* ---------------------------------------------------------------------- squareplus
 *
 * f = (x + sqrt(x^2 + b))/2, f' = (1 + x/sqrt(x^2 + b))/2, f'' = b / (2 (x^2 + b)^(3/2)).
 * With r = hypot(x, sqrt(b)): for x < 0, f = (b/4) / (r/2 + |x|/2) and
 * f' = (b/(2r)) / (r + |x|), the same values without the cancellation of x + r;
 * halves are taken before sums, so nothing overflows. f' and f'' clamp x to
 * +-1e300 first (inf gives r = 1e300). b = 0 is ReLU (nonlin's separate formulas
 * there give the same values as these: x or 0, f' = 1 or 0, f'' = 0, NaN kept), with
 * f' = f'' = 0 at the kink.
 */

/* hypot(a, c) for a, c >= 0 (a may be inf or NaN): sqrt(a^2 + c^2), with both scaled
 * by 2^-600 or 2^600 (exactly) where the larger is beyond 2^+-450, so that no square
 * overflows and neither is lost to the subnormals while it still counts. The scale
 * is returned, and *undo is its inverse. */
NL_INLINE double smooth_hypot_scale(double a, double c, double *undo) {
    double top = nl_above(a, c);
    /* Plain selections on double comparisons (int flags would make gcc mix mask types
     * and give up vectorising). */
    double s = top > 0x1p450 ? 0x1p-600 : 1.0, u = top > 0x1p450 ? 0x1p600 : 1.0;
    *undo = top < 0x1p-450 ? 0x1p-600 : u;
    return top < 0x1p-450 ? 0x1p600 : s;
}

NL_INLINE double smooth_hypot(double a, double c) {
    double u, s = smooth_hypot_scale(a, c, &u);
    double as = a * s, cs = c * s;
    return sqrt(as * as + cs * cs) * u;
}

NL_INLINE void squareplus_point(double x, const nl_params *P, double *f, double *df,
                                double *d2f, int want) {
    double b = P->p[0];
    double sb = sqrt(b); /* the loop's invariant: hoisted */
    if (want & NL_F) {
        double r = smooth_hypot(fabs(x), sb);
        double right = 0.5 * smooth_nonnegative(x) + 0.5 * r;
        double left = (0.25 * b) / (0.5 * r + 0.5 * smooth_nonnegative(-x));
        *f = x >= 0 ? right : left;
    }
    if (want & (NL_DF | NL_D2F)) {
        double xc = nl_below(nl_above(x, -1e300), 1e300);
        double r = smooth_hypot(fabs(xc), sb);
        double q = 0.5 * b / r;
        /* r = 0 only at b = 0 and x = 0, ReLU's kink, where f' = f'' = 0 (0/0 here). */
        if (want & NL_DF) {
            double right = 0.5 + 0.5 * (smooth_nonnegative(xc) / r);
            double left = q / (r + smooth_nonnegative(-xc));
            double y = x >= 0 ? right : left;
            *df = r == 0 ? 0.0 : y;
        }
        if (want & NL_D2F) {
            double y = (q / r) / r;
            *d2f = r == 0 ? 0.0 : y;
        }
    }
}
NL_LOOPS_FLOAT32(squareplus)

/* float64 (Squareplus._f, _df, _d2f): the same forms with r = hypot(x, sqrt(b)) to
 * within about 2^-100 before its one rounding (NumPy's hypot is libm's, correctly
 * rounded nearly always): x^2 + b as an exact pair of squares, sqrt corrected by its
 * exact remainder. b = 0 is ReLU: the same values as nonlin's separate formulas (f = x,
 * not x/2 + x/2, which would lose the smallest subnormal). */
NL_INLINE double smooth_hypot64(double a, double c) {
    double u, s = smooth_hypot_scale(a, c, &u);
    double as = a * s, cs = c * s;
    double e1, p1 = nl_two_product(as, as, &e1);
    double e2, p2 = nl_two_product(cs, cs, &e2);
    double e3, q = nl_two_sum(p1, p2, &e3);
    double q_lo = e3 + (e1 + e2);
    double h = sqrt(q);
    double hh_lo, hh = nl_two_product(h, h, &hh_lo);
    double delta = (((q - hh) - hh_lo) + q_lo) / (h + h);
    /* 0 (b = 0 at x = 0), inf and NaN as they are */
    double fine = (h > 0.0) & (h < 0x1p1000) ? h + delta : h;
    return fine * u;
}

NL_INLINE void squareplus_point64(double x, const nl_params *P, double *f, double *df,
                                  double *d2f, int want) {
    double b = P->p[0];
    double sb = sqrt(b);
    if (want & NL_F) {
        double r = smooth_hypot64(fabs(x), sb);
        double right = 0.5 * smooth_nonnegative(x) + 0.5 * r;
        /* r <= x only where b = 0 (ReLU: f = x, and +0 at -0) or where r rounds to a
         * huge x, whose halves sum back to x */
        right = r <= x ? x + 0.0 : right;
        double den = 0.5 * r + 0.5 * smooth_nonnegative(-x);
        double left = (0.25 * b) / den;
        left = den == 0 ? 0.0 : left; /* b = 0 and x = -5e-324: 0/0 */
        *f = x >= 0 ? right : left;
    }
    if (want & (NL_DF | NL_D2F)) {
        double xc = nl_below(nl_above(x, -1e300), 1e300);
        double r = smooth_hypot64(fabs(xc), sb);
        /* r = 0 only at b = 0 and x = 0, ReLU's kink, where f' = f'' = 0 (0/0 here). */
        if (want & NL_DF) {
            double right = 0.5 + 0.5 * (smooth_nonnegative(xc) / r);
            double left = ((0.5 * b) / r) / (r + smooth_nonnegative(-xc));
            double y = x >= 0 ? right : left;
            *df = r == 0 ? 0.0 : y;
        }
        if (want & NL_D2F) {
            double y = (((0.5 * b) / r) / r) / r;
            *d2f = r == 0 ? 0.0 : y;
        }
    }
}
NL_LOOPS_FLOAT64(squareplus)


const nl_family nl_smooth_families[] = {
    {"softplus", 2, NL_FLOAT32(softplus), NL_FLOAT64(softplus)},
    {"silu", 0, NL_FLOAT32(silu), NL_FLOAT64(silu)},
    {"mish", 0, NL_FLOAT32(mish), NL_FLOAT64(mish)},
    {"squareplus", 1, NL_FLOAT32(squareplus), NL_FLOAT64(squareplus)},
    {NULL, 0, NL_NONE, NL_NONE},
};

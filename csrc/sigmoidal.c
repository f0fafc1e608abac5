/* Sigmoid-shaped families: sigmoid, tanh, log_sigmoid, tanh_shrink, softsign and
 * scaled_tanh. float32 loops follow nonlin.catalog.sigmoidal's wide forms (the float64
 * formulas NumPy runs for a float32 result), operation for operation where it matters:
 * wherever a float64 intermediate is exactly 0, or a result is a zero whose sign
 * survives into float32, we give the same zero. float64 loops (sigmoid) follow its
 * exact forms (double-double where those have it). */
#include "elementary.h"

/* 1/(d + d_low) = r (1 + *c) to about 2^-100 relative (1 <= d < 2^900): r is the
 * rounded 1/d, *c takes back its rounding error and the part d could not hold. */
NL_INLINE double nl_reciprocal(double d, double d_low, double *c) {
    double r = 1.0 / d;
    double p_low, p = nl_two_product(r, d, &p_low);
    *c = ((1.0 - p) - p_low) - r * d_low;
    return r;
}


/* np.sign: +-1, x itself for +-0 (the callers add +0.0 after multiplying by it, which
 * makes either zero +0), NaN stays NaN. */
NL_INLINE double sig_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

/* e = exp(-y) and m = -expm1(-y) = 1 - e for y >= 0 (or NaN), like NumPy's: e is
 * exactly 0 for y > NL_EXP_UNDERFLOW and, below, a subnormal where float64's exp is one.
 *
 * The subnormal values matter for scaled_tanh's f'', a product of 8e by a parameter
 * that may round to 0 or not (0 then becomes +0, a tiny negative -0 in float32), so e
 * must be NumPy's correctly rounded subnormal, not exp(-708): it is formed as
 * 2^(k+64) (1 + p), a normal number, and scaled by 2^-64, one rounding. y is clamped at
 * 746 (past the underflow) so that k + 64 stays a normal exponent. */
NL_INLINE double sig_exp_neg(double y, double *m) {
    int64_t k;
    double p = nl_expm1_reduced(nl_reduce(-nl_below(y, 746.0), &k));
    double s64 = nl_pow2(k + 64);
    double e = nl_fma(s64, p, s64) * 0x1p-64;
    double s = s64 * 0x1p-64; /* 2^k: exact, or 0 below 2^-1074 where m is 1 anyway */
    *m = -nl_fma(s, p, s - 1.0); /* -(2^k p + (2^k - 1)): no cancellation near 0 */
    return y > NL_EXP_UNDERFLOW ? 0.0 : e;
}

/* tanh u from a = |u|, e = exp(-2a) and m = -expm1(-2a), as close to np.tanh as we can.
 * Products of tanh with a float32 value or a parameter (t^2, b t) land on float32 ties
 * often enough where u is small (b u is exact for short b and u), and the last float64
 * bit of t then decides the rounding. So for small u we follow the form NumPy's own
 * tanh evidently has there (it agrees with np.tanh on 99.8-100% of float64 inputs below
 * 1/8, against 50% for a correctly rounded tanh): u times w = 1 + s Q(s), s = u^2, with
 * Q the Taylor series of (tanh(u)/u - 1)/s to degree 8 (the rest is below 2^-62 for
 * a < 1/8), the result rounded through w: u (1 + tiny) = u exactly below 2^-27, -0
 * included. Above 1/8: sign(u) m/(1+e), within 2 float64 ulps of np.tanh (one
 * rounding fewer than m r), exactly +-1 where tanh rounds to 1. copysign is bit
 * operations, inlined (no call). */
NL_INLINE double sig_tanh(double u, double a, double m, double e) {
    double s = u * u;
    double q = -443861162.0 / 1856156927625.0;
    q = nl_fma(q, s, 6404582.0 / 10854718875.0);
    q = nl_fma(q, s, -929569.0 / 638512875.0);
    q = nl_fma(q, s, 21844.0 / 6081075.0);
    q = nl_fma(q, s, -1382.0 / 155925.0);
    q = nl_fma(q, s, 62.0 / 2835.0);
    q = nl_fma(q, s, -17.0 / 315.0);
    q = nl_fma(q, s, 2.0 / 15.0);
    q = nl_fma(q, s, -1.0 / 3.0);
    double series = u * nl_fma(s, q, 1.0);
    return a < 0.125 ? series : copysign(m / (1.0 + e), u);
}

/* ------------------------------------------------------------------------- sigmoid */

/* e = exp(-|x|) never overflows; sigma(|x|) = r = 1/(1+e), sigma(-|x|) = e r,
 * f' = e r^2, f'' = -sign(x) f' (1-e) r with 1-e = -expm1(-|x|). */
NL_INLINE void sigmoid_point(double x, const nl_params *P, double *f, double *df,
                             double *d2f, int want) {
    (void)P;
    double a = fabs(x);
    double m = 0.0;
    /* The core takes -708 at least; float32 rounds anything smaller to 0. Past the
     * point where float64's exp underflows to 0 the array-API path's e is 0, and so is
     * ours, so that the sign of a zero f'' agrees. */
    double e = (want & NL_D2F) ? nl_exp_expm1(-nl_below(a, 708.0), &m) : nl_exp(-nl_below(a, 708.0));
    e = a > NL_EXP_UNDERFLOW ? 0.0 : e;
    double r = 1.0 / (1.0 + e);
    *f = x >= 0 ? r : e * r;
    *df = (e * r) * r;
    double sign = x > 0 ? 1.0 : (x < 0 ? -1.0 : x); /* NaN stays NaN */
    *d2f = *df * (-m * r) * -sign + 0.0;
}
NL_LOOPS_FLOAT32(sigmoid)

/* float64: e = exp(-|x|) as a pair e + e_lo, 1/(1+e) = r (1+c); f = r (1+c) or
 * e r (1+c); f' = e r^2 (1+2c); f'' = -sign(x) e (1-e) r^3, its products exact. */
NL_INLINE void sigmoid_point64(double x, const nl_params *P, double *f, double *df,
                               double *d2f, int want) {
    (void)P;
    double a = nl_below(fabs(x), 746.0); /* exp(-746) is 0, as beyond */
    double e_lo, m_hi = 0.0, m_lo = 0.0;
    double e = (want & NL_D2F) ? nl_exp_pairs(-a, &e_lo, &m_hi, &m_lo)
                               : nl_exp_pairs(-a, &e_lo, NULL, NULL);
    double d = 1.0 + e, c;
    double r = nl_reciprocal(d, (e - (d - 1.0)) + e_lo, &c);
    double small = e * r;
    small = small + (small * c + e_lo * r);
    *f = x >= 0 ? r + r * c : small;
    double q = (e * r) * r;
    *df = q + (q * (2.0 * c) + (e_lo * r) * r);
    /* f'' = -sign(x) E m / (1+e)^3 with E = e + e_lo, m = 1 - e = -(m_hi + m_lo) */
    double t_low, t = nl_two_product(e, r, &t_low);
    double low = t_low + t * c + e_lo * r;
    double u_low, u = nl_two_product(t, r, &u_low);
    low = u_low + low * r + u * c;
    double w_low, w = nl_two_product(u, r, &w_low);
    low = w_low + low * r + w * c;
    double s_low, s = nl_two_product(w, -m_hi, &s_low);
    double slope = s + (s_low + low * -m_hi - w * m_lo);
    double sign = x > 0 ? 1.0 : (x < 0 ? -1.0 : x); /* NaN stays NaN */
    *d2f = slope * -sign + 0.0;                     /* f''(0) is +0 */
}
NL_LOOPS_FLOAT64(sigmoid)

/* ------------------------------------------------------------------------- tanh */

/* With e = exp(-2|x|) (never overflows), r = 1/(1+e) and m = 1 - e = -expm1(-2|x|):
 *   f   = tanh x = sign(x) m/(1+e)       (m exact near 0: no cancellation; see sig_tanh)
 *   f'  = sech^2 x = 4 e r^2              (full relative accuracy in the tail)
 *   f'' = -2 tanh x sech^2 x = -sign(x) sech^2 (2 r) m. */
NL_INLINE void tanh_point(double x, const nl_params *P, double *f, double *df,
                          double *d2f, int want) {
    (void)P; (void)want;
    double a = fabs(x);
    double m;
    double e = sig_exp_neg(a + a, &m);
    double r = 1.0 / (1.0 + e);
    *f = sig_tanh(x, a, m, e);
    double sech2 = ((4.0 * e) * r) * r;
    *df = sech2;
    *d2f = ((sech2 * (2.0 * r)) * m) * -sig_sign(x) + 0.0;
}
NL_LOOPS_FLOAT32(tanh)

/* ------------------------------------------------------------------------- log_sigmoid */

/* With e = exp(-|x|) and r = 1/(1+e) (sigmoid's):
 *   f   = min(x, 0) - log1p(e)     (never overflows; -e exactly for large x)
 *   f'  = sigma(-x) = e r for x >= 0, r for x < 0
 *   f'' = -sigma(x) sigma(-x) = -(e r) r.
 * NumPy's f hook is -(max(-x, 0) + log1p(e)), its derivatives hook min(x, 0) - log1p(e):
 * the same value except for the sign of 0 where e underflows (x > 745.13, +inf): -0
 * from the first, +0 from the second. Each loop follows its hook (want is a constant
 * per loop: NL_F alone is the f loop). */
NL_INLINE void log_sigmoid_point(double x, const nl_params *P, double *f, double *df,
                                 double *d2f, int want) {
    (void)P;
    double a = fabs(x);
    double e = nl_exp(-nl_below(a, 708.0)); /* float32 rounds exp(-708) to 0 anyway */
    e = a > NL_EXP_UNDERFLOW ? 0.0 : e;     /* ... but the sign of a zero f needs e = 0 */
    double r = 1.0 / (1.0 + e);
    /* log1p(e) = e (rounded) below 2^-53; the core wants a normal argument and f's
     * zero sign wants log1p(e) = 0 exactly when e is, nonzero when e is. */
    double l = e < 0x1p-60 ? e : nl_log1p_unit(e);
    *f = want == NL_F ? -((x > 0 ? 0.0 : -x) + l) : (x < 0 ? x : 0.0) - l;
    *df = x >= 0 ? e * r : r;
    *d2f = -((e * r) * r);
}
NL_LOOPS_FLOAT32(log_sigmoid)

/* ------------------------------------------------------------------------- tanh_shrink */

/* x - tanh x for |x| <= 1.5, without cancellation: Lambert's continued fraction
 * tanh x = x / (1 + s/(3 + s/(5 + ...))), s = x^2, gives x - tanh x =
 * x s / (3 + s + s/(5 + s/(7 + ...))), all terms positive; 11 levels as NumPy's. */
NL_INLINE double tanh_shrink_series(double x) {
    double s = x * x;
    double tail = s / 23.0;
    for (int k = 10; k > 1; k--)
        tail = s / ((double)(2 * k + 1) + tail);
    return x * (s / (3.0 + (s + tail)));
}

static const double SIG_LN8 = 2.0794415416798357; /* float(log(8)) */

/* f = x - tanh x (the series above for |x| <= 1.5), f' = tanh^2 x,
 * f'' = 2 tanh x sech^2 x = sign(x) sech^2 (2 r) m with e, r, m as for tanh.
 * NumPy's f'' loop uses that wide form: 0 once e = exp(-2|x|) underflows
 * (2|x| > 745.13). Its derivatives hook has no wide form and runs the exact float64
 * f'', which for |x| > 349.2 is exp(-2|x| + log 8): nonzero (a float32 +-0 with x's
 * sign) up to 2|x| - log 8 > 745.13, about 0.5 further out. Each loop follows its hook;
 * elsewhere the two agree after rounding to float32. */
NL_INLINE void tanh_shrink_point(double x, const nl_params *P, double *f, double *df,
                                 double *d2f, int want) {
    (void)P;
    double a = fabs(x);
    double m;
    double e = sig_exp_neg(a + a, &m);
    double r = 1.0 / (1.0 + e);
    double t = sig_tanh(x, a, m, e);
    int near = a <= 1.5;
    *f = near ? tanh_shrink_series(near ? x : 0.0) : x - t;
    *df = t * t;
    double slope = ((((4.0 * e) * r) * r) * (2.0 * r)) * m;
    /* The derivatives loop: the exact f'' is 0 only once exp(-2|x| + log 8) underflows
     * (-2|x| + log 8 rounded as NumPy rounds it). Between that and where our e is 0,
     * any tiny positive slope gives the same float32 zero, with x's sign. */
    int exact = (want & NL_F) && (want & NL_D2F);
    double exact_slope = -(-2.0 * a + SIG_LN8) > NL_EXP_UNDERFLOW ? 0.0
                         : (a + a > NL_EXP_UNDERFLOW ? 0x1p-1074 : slope);
    slope = exact ? exact_slope : slope;
    *d2f = slope * sig_sign(x) + 0.0;
}
NL_LOOPS_FLOAT32(tanh_shrink)

/* ------------------------------------------------------------------------- softsign */

/* With r = 1/(1+|x|): f = x/(1+|x|), f' = r^2, f'' = -2 sign(x) r^3. Powers of r
 * underflow gradually where (1+|x|)^2 would overflow. f clamps x at 2^56 (where it
 * rounds to +-1) so that f(+-inf) = +-1, not inf/inf. Every step is one IEEE
 * operation, as in NumPy, so the float64 values are identical. */
NL_INLINE void softsign_point(double x, const nl_params *P, double *f, double *df,
                              double *d2f, int want) {
    (void)P; (void)want;
    double c = nl_below(nl_above(x, -0x1p56), 0x1p56);
    *f = c / (1.0 + fabs(c));
    double r = 1.0 / (1.0 + fabs(x));
    *df = r * r;
    *d2f = (((-2.0 * r) * r) * r) * sig_sign(x) + 0.0;
}
NL_LOOPS_FLOAT32(softsign)

/* ------------------------------------------------------------------------- scaled_tanh */

/* y * b * s as nonlin's _times: the product of the factors rounded once when it is a
 * normal number, else factor by factor, smallest magnitude first (stable order). Both
 * are written as y times three factors in turn (a factor 1 is exact), chosen from the
 * parameters. The choice is by bit masks, not `?:`: gcc keeps these loop-invariant
 * choices in the loop and does not vectorise a selection on a scalar condition. */
NL_INLINE double sig_times(double y, const double g[3]) { return g[2] * (g[1] * (g[0] * y)); }

/* cond ? a : b for a loop-invariant cond. */
NL_INLINE double sig_pick(int cond, double a, double b) {
    int64_t mask = -(int64_t)(cond != 0);
    return nl_double((nl_bits(a) & mask) | (nl_bits(b) & ~mask));
}

NL_INLINE int sig_plain(double prod) {
    return fabs(prod) >= 2.2250738585072014e-308 && fabs(prod) <= 1.7976931348623157e308;
}

/* The factors for y b s. */
NL_INLINE void sig_factors2(double b, double s, double g[3]) {
    double prod = b * s;
    int plain = sig_plain(prod), s_first = fabs(s) < fabs(b);
    g[0] = sig_pick(plain, prod, sig_pick(s_first, s, b));
    g[1] = sig_pick(plain, 1.0, sig_pick(s_first, b, s));
    g[2] = 1.0;
}

/* The factors for y nb s |s| (nb = -b); s and |s| tie and keep that order. */
NL_INLINE void sig_factors3(double nb, double s, double g[3]) {
    double as = fabs(s);
    double prod = (nb * s) * as;
    int plain = sig_plain(prod), b_first = fabs(nb) <= as;
    g[0] = sig_pick(plain, prod, sig_pick(b_first, nb, s));
    g[1] = sig_pick(plain, 1.0, sig_pick(b_first, s, as));
    g[2] = sig_pick(plain, 1.0, sig_pick(b_first, as, nb));
}

/* f = b tanh(u), f' = a b sech^2 u, f'' = -2 a^2 b tanh(u) sech^2 u, u = a x, with
 * a = scale_in = p[0], b = scale_out = p[1]; sech^2 and the slope as for tanh, from
 * e = exp(-2|u|). x is clipped where |u| = 1000 (saturated; u cannot overflow), as
 * NumPy clips it (min(1e3/|a|, DBL_MAX)). The scale products follow nonlin's _times.
 * NumPy switches to its exact form when |a b| max(1, |a|) > 2^100; the resolver must
 * not send those scales here. */
NL_INLINE void scaled_tanh_point(double x, const nl_params *P, double *f, double *df,
                                 double *d2f, int want) {
    (void)want;
    double s = P->p[0], b = P->p[1];
    double limit = 1e3 / fabs(s);
    limit = limit > 1.7976931348623157e308 ? 1.7976931348623157e308 : limit;
    double u = s * nl_below(nl_above(x, -limit), limit);
    double a = fabs(u);
    double m;
    double e = sig_exp_neg(a + a, &m);
    double r = 1.0 / (1.0 + e);
    *f = b * sig_tanh(u, a, m, e);
    double sech2 = ((4.0 * e) * r) * r;
    double slope = (sech2 * (2.0 * r)) * m;
    double g2[3], g3[3];
    sig_factors2(b, s, g2);
    sig_factors3(-b, s, g3);
    *df = sig_times(sech2, g2);
    *d2f = sig_times(slope, g3) * sig_sign(x) + 0.0;
}
NL_LOOPS_FLOAT32(scaled_tanh)

const nl_family nl_sigmoidal_families[] = {
    {"sigmoid", 0, NL_FLOAT32(sigmoid), NL_FLOAT64(sigmoid)},
    {"tanh", 0, NL_FLOAT32(tanh), NL_NONE},
    {"log_sigmoid", 0, NL_FLOAT32(log_sigmoid), NL_NONE},
    {"tanh_shrink", 0, NL_FLOAT32(tanh_shrink), NL_NONE},
    {"softsign", 0, NL_FLOAT32(softsign), NL_NONE},
    {"scaled_tanh", 2, NL_FLOAT32(scaled_tanh), NL_NONE},
    {NULL, 0, NL_NONE, NL_NONE},
};

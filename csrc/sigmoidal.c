/* Sigmoid-shaped families: sigmoid, tanh, log_sigmoid, tanh_shrink, softsign and
 * scaled_tanh. float32 loops follow nonlin.catalog.sigmoidal's wide forms (the float64
 * formulas NumPy runs for a float32 result), operation for operation where it matters:
 * wherever a float64 intermediate is exactly 0, or a result is a zero whose sign
 * survives into float32, we give the same zero. float64 loops follow its exact forms
 * (double-double where those have it), within 2 float64 ulps of the array-API path
 * (tanh_shrink's f': 3, more accurate than NumPy's tanh(x)^2), and as close to the
 * 50-digit truth. */
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

/* e = exp(-2|u|) and m = -expm1(-2|u|) = 1 - e (tanh, tanh_shrink, scaled_tanh) come
 * from elementary.h's nl_exp_expm1_deep, like NumPy's: e is exactly 0 for
 * 2|u| > NL_EXP_UNDERFLOW and, below, a subnormal where float64's exp is one. The
 * subnormal values matter for scaled_tanh's f'', a product of 8e by a parameter that
 * may round to 0 or not (0 then becomes +0, a tiny negative -0 in float32), so e must
 * be NumPy's correctly rounded subnormal (rounded once onto the grid), not exp(-708). */

/* Q(s) with tanh(u) = u (1 + s Q(s)), s = u^2: the Taylor series to degree 8 in s. */
NL_INLINE double sig_tanh_q(double s) {
    double q = -443861162.0 / 1856156927625.0;
    q = nl_fma(q, s, 6404582.0 / 10854718875.0);
    q = nl_fma(q, s, -929569.0 / 638512875.0);
    q = nl_fma(q, s, 21844.0 / 6081075.0);
    q = nl_fma(q, s, -1382.0 / 155925.0);
    q = nl_fma(q, s, 62.0 / 2835.0);
    q = nl_fma(q, s, -17.0 / 315.0);
    q = nl_fma(q, s, 2.0 / 15.0);
    return nl_fma(q, s, -1.0 / 3.0);
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
    double q = sig_tanh_q(s);
    double series = u * nl_fma(s, q, 1.0);
    return a < 0.125 ? series : copysign(m / (1.0 + e), u);
}


/* ------------------------------------------------------------------ float64 helpers
 * The float64 loops follow nonlin.catalog.sigmoidal's exact forms (double-double
 * where those have it), with exp and expm1 as pairs from elementary.h's nl_exp_pairs
 * (2^-56: enough here, and half the cost of nl_exp_pair), whose low parts are fed in
 * where NumPy's rounded exp has none (the results can only gain); the deep tail's exp,
 * which must be NumPy's rounded value, is that pair rounded once (nl_exp_once, in
 * sig_exp_sum). */

/* (E + E_lo)/(1+e)^2 from 1/(1+e) = r (1+c): nonlin's _bell (sigma', sech^2/4). */
NL_INLINE double sig_bell64(double E, double E_lo, double r, double c) {
    double q = (E * r) * r;
    return q + (q * (2.0 * c) + (E_lo * r) * r);
}

/* (E + E_lo) M/(1+e)^3 with M = 1 - e = -(m_hi + m_lo), every product exact
 * (double-double): nonlin's _bell_slope (|sigma''|, |tanh''|/8). */
NL_INLINE double sig_bell_slope64(double E, double E_lo, double m_hi, double m_lo,
                                  double r, double c) {
    double t_low, t = nl_two_product(E, r, &t_low);
    double low = t_low + t * c + E_lo * r;
    double u_low, u = nl_two_product(t, r, &u_low);
    low = u_low + low * r + u * c;
    double w_low, w = nl_two_product(u, r, &w_low);
    low = w_low + low * r + w * c;
    double s_low, s = nl_two_product(w, -m_hi, &s_low);
    return s + (s_low + low * -m_hi - w * m_lo);
}

/* log|C| = hi + *lo to about 2^-60 absolute, for a normal C, loop-invariant (nonlin's
 * _log_split gives the correctly rounded hi and the rest): C = 2^j cm, 1 <= cm < 2,
 * log cm = 2 atanh(s), s = (cm-1)/(cm+1) <= 1/3 in double-double (the series to
 * s^43: no selection, which gcc would keep in the loop), plus j ln 2 in two parts. */
NL_INLINE double sig_log_abs(double C, double *lo) {
    int64_t bits = nl_bits(C);
    int64_t j = ((bits >> 52) & 0x7ff) - 1023;
    double cm = nl_double((bits & (((int64_t)1 << 52) - 1)) | ((int64_t)1023 << 52));
    double num = cm - 1.0, den = cm + 1.0; /* both exact */
    double sv = num / den;
    double pp_lo, pp = nl_two_product(sv, den, &pp_lo);
    double sv_lo = ((num - pp) - pp_lo) / den;
    double z = sv * sv;
    double q = nl_atanh_tail(z, 43);
    double s2 = sv + sv;
    double jd = (double)j;
    double h_err, h = nl_two_sum(jd * NL_LN2_HI, s2, &h_err);
    double low = h_err + ((s2 * z) * q + (2.0 * sv_lo + jd * NL_LN2_LO));
    double hi = h + low;
    *lo = low - (hi - h);
    return hi;
}

/* exp(-2|u|) = e + e_lo, expm1(-2|u|) = m_hi + m_lo and 1/(1+e) = r (1+c), for
 * a = |u| >= 0 (or NaN): 0, -1, 1 and 0 once exp(-2a) underflows. */
NL_INLINE double sig_exp2a64(double a, double *e_lo, double *m_hi, double *m_lo,
                             double *r, double *c) {
    double e = nl_exp_pairs(nl_above(-2.0 * a, -746.0), e_lo, m_hi, m_lo);
    double d = 1.0 + e;
    *r = nl_reciprocal(d, (e - (d - 1.0)) + *e_lo, c);
    return e;
}

/* tanh u = hi + *lo from a = |u| and sig_exp2a64's pairs. Below 1/8 the series of
 * sig_tanh, as u + u (s Q): the small term's rounding hardly matters, so the result
 * is within about half an ulp; above, sign(u) M/(1+e) with M = -(m_hi + m_lo) and
 * the product M r exact. (NumPy's tanh is within an ulp or so.) */
NL_INLINE double sig_tanh64(double u, double a, double m_hi, double m_lo, double r,
                            double c, double *lo) {
    double s = u * u;
    double q = sig_tanh_q(s);
    double us = u * (s * q);
    double series = u + us;
    double series_lo = us - (series - u); /* series - u is exact */
    double t_lo, t = nl_two_product(-m_hi, r, &t_lo);
    t_lo = t_lo + t * c - m_lo * r;
    double big = t + t_lo;
    t_lo = t_lo - (big - t); /* what big could not hold */
    int near = a < 0.125;
    *lo = near ? series_lo : (u < 0 ? -t_lo : t_lo);
    return near ? series : copysign(big, u);
}

/* nonlin's _exp_sum(-2a, hi, low) times sign: exp(-2a + hi + low) with -2a + hi
 * added by TwoSum and its error joining low as the factor 1 + (error + low), the
 * same operations as NumPy's (so that the subnormal tail agrees with it). y is exp
 * rounded once, subnormal results included: elementary.h's nl_exp_once (nl_exp_pairs'
 * pair rounded; 0 from -746 on, as NumPy's). */
NL_INLINE double sig_exp_sum(double a, double hi, double low, double sign) {
    double err, sum = nl_two_sum(-2.0 * a, hi, &err);
    double y = nl_exp_once(nl_below(nl_above(sum, -746.0), 709.0));
    return sign * (y + y * (err + low));
}

/* nonlin's _tanh_derivatives(a, corr, k1, k2) with C1 = 4 k1, C2 = 8 k2 (log|C| =
 * L_hi + L_lo): *sech2 = C1 sech^2|u|, *slope = C2 tanh|u| sech^2|u|, for
 * |u| = a + corr. Away from the tail, (C e)/(1+e)^2 and (C e) M/(1+e)^3 with C e in
 * double-double, times 1 - 2 corr; in the tail (a > 349.198, e near subnormal; r and M
 * are 1 to far below an ulp) exp(-2a + log|C|) (1 - 2 corr), as NumPy forms it. */
NL_INLINE void sig_tanh_derivatives64(double a, double corr, double C1, double L1_hi,
                                      double L1_lo, double C2, double L2_hi, double L2_lo,
                                      double e, double e_lo, double m_hi, double m_lo,
                                      double r, double c, double *sech2, double *slope) {
    int tail = a > 349.19820926613204; /* -log(smallest normal)/2 - 5, as NumPy's */
    double d = -2.0 * corr;
    double E1_lo, E1 = nl_two_product(e, C1, &E1_lo);
    E1_lo = E1_lo + C1 * e_lo + d * E1;
    *sech2 = tail ? sig_exp_sum(a, L1_hi, L1_lo + d, copysign(1.0, C1))
                  : sig_bell64(E1, E1_lo, r, c);
    double E2_lo, E2 = nl_two_product(e, C2, &E2_lo);
    E2_lo = E2_lo + C2 * e_lo + d * E2;
    *slope = tail ? sig_exp_sum(a, L2_hi, L2_lo + d, copysign(1.0, C2))
                  : sig_bell_slope64(E2, E2_lo, m_hi, m_lo, r, c);
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
    *df = sig_bell64(e, e_lo, r, c);
    /* f'' = -sign(x) E m / (1+e)^3 with E = e + e_lo, m = 1 - e = -(m_hi + m_lo) */
    double slope = sig_bell_slope64(e, e_lo, m_hi, m_lo, r, c);
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
    double em;
    double e = nl_exp_expm1_deep(-(a + a), &em), m = -em;
    double r = 1.0 / (1.0 + e);
    *f = sig_tanh(x, a, m, e);
    double sech2 = ((4.0 * e) * r) * r;
    *df = sech2;
    *d2f = ((sech2 * (2.0 * r)) * m) * -sig_sign(x) + 0.0;
}
NL_LOOPS_FLOAT32(tanh)

/* float64: f = tanh x (sig_tanh64); f' and f'' as nonlin's _tanh_derivatives(|x|,
 * None, 1, -1): f' = 4e/(1+e)^2, f'' = sign(x) (-8e) M/(1+e)^3 with e = exp(-2|x|),
 * M = 1 - e, exact products; exp(-2|x| + log 4), exp(-2|x| + log 8) in the tail. */
NL_INLINE void tanh_point64(double x, const nl_params *P, double *f, double *df,
                            double *d2f, int want) {
    (void)P; (void)want;
    double a = nl_below(fabs(x), 400.0); /* exp(-800) is 0: +-inf as beyond */
    double e_lo, m_hi, m_lo, r, c;
    double e = sig_exp2a64(a, &e_lo, &m_hi, &m_lo, &r, &c);
    double t_lo;
    *f = sig_tanh64(x, a, m_hi, m_lo, r, c, &t_lo);
    double sech2, slope;
    sig_tanh_derivatives64(a, 0.0, 4.0, 1.3862943611198906, 4.638093627692599e-17, -8.0, 2.0794415416798357, 1.8059370687790465e-16, e, e_lo, m_hi, m_lo, r, c,
                           &sech2, &slope);
    *df = sech2;
    *d2f = slope * sig_sign(x) + 0.0;
}
NL_LOOPS_FLOAT64(tanh)

/* ------------------------------------------------------------------------- log_sigmoid */

/* With e = exp(-|x|) and r = 1/(1+e) (sigmoid's):
 *   f   = -(max(-x, 0) + log1p(e))  (never overflows; -e exactly for large x, and -0
 *                                     where e underflows, x > 745.13)
 *   f'  = sigma(-x) = e r for x >= 0, r for x < 0
 *   f'' = -sigma(x) sigma(-x) = -(e r) r. */
NL_INLINE void log_sigmoid_point(double x, const nl_params *P, double *f, double *df,
                                 double *d2f, int want) {
    (void)P; (void)want;
    double a = fabs(x);
    double e = nl_exp(-nl_below(a, 708.0)); /* float32 rounds exp(-708) to 0 anyway */
    e = a > NL_EXP_UNDERFLOW ? 0.0 : e;     /* ... but the sign of a zero f needs e = 0 */
    double r = 1.0 / (1.0 + e);
    /* log1p(e) = e (rounded) below 2^-53; the core wants a normal argument and f's
     * zero sign wants log1p(e) = 0 exactly when e is, nonzero when e is. */
    double l = e < 0x1p-60 ? e : nl_log1p_unit(e);
    *f = -((x > 0 ? 0.0 : -x) + l);
    *df = x >= 0 ? e * r : r;
    *d2f = -((e * r) * r);
}
NL_LOOPS_FLOAT32(log_sigmoid)

/* log1p(t + t_lo) = hi + *lo for t in [0, 1], |t_lo| <= ulp(t) (nl_log1p_unit's
 * 2 atanh(s) with s = num/den in double-double, and ln 2 added exactly): within about
 * half an ulp, where NumPy's log1p of a rounded exp is within about one. Below 2^-30
 * t - t^2/2 (the next term is under 2^-61 of it), which keeps subnormal t exact and
 * 0 as 0. */
NL_INLINE double sig_log1p_pair(double t, double t_lo, double *lo) {
    int high = t > 0.41421356237309503;
    double num_lo, num = nl_two_sum(t, high ? -1.0 : 0.0, &num_lo);
    double den_lo, den = nl_two_sum(t, high ? 3.0 : 2.0, &den_lo);
    num_lo += t_lo;
    den_lo += t_lo;
    double s = num / den;
    double p_lo, p = nl_two_product(s, den, &p_lo);
    double s_lo = (((num - p) - p_lo) + num_lo - s * den_lo) / den;
    double z = s * s;
    double q = nl_atanh_tail(z, 25);
    double s2 = s + s;
    double h_err, h = nl_two_sum(high ? 6.93147180559945286e-01 : 0.0, s2, &h_err);
    double low = h_err + (((s2 * z) * q) + (2.0 * s_lo + (high ? 2.31904681384629956e-17 : 0.0)));
    int tiny = t < 0x1p-30;
    *lo = tiny ? t_lo - 0.5 * (t * t) : low;
    return tiny ? t : h;
}

/* float64: e = exp(-|x|) as a pair, 1/(1+e) = r (1+c) (sigmoid_point64's):
 *   f   = -(max(-x, 0) + log1p(e))  (nonlin's -log1pexp(-x); the sum exact, then one
 *                                     rounding; -0 where e underflows)
 *   f'  = sigma(-x): e r (1+c) for x >= 0, r (1+c) below
 *   f'' = -E/(1+e)^2 (_bell). */
NL_INLINE void log_sigmoid_point64(double x, const nl_params *P, double *f, double *df,
                                   double *d2f, int want) {
    (void)P; (void)want;
    double a = nl_below(fabs(x), 746.0); /* exp(-746) is 0, as beyond */
    double e_lo;
    double e = nl_exp_pairs(-a, &e_lo, NULL, NULL);
    double d = 1.0 + e, c;
    double r = nl_reciprocal(d, (e - (d - 1.0)) + e_lo, &c);
    double small = e * r;
    small = small + (small * c + e_lo * r);
    *df = x >= 0 ? small : r + r * c;
    *d2f = -sig_bell64(e, e_lo, r, c);
    double l_lo, l = sig_log1p_pair(e, e_lo, &l_lo);
    double nx = x > 0 ? 0.0 : -x;
    double v_err, v = nl_two_sum(nx, l, &v_err);
    /* Far out -x alone (and -inf stays -inf: the TwoSum of inf is NaN). */
    *f = nx > 0x1p60 ? -nx : -(v + (v_err + l_lo));
}
NL_LOOPS_FLOAT64(log_sigmoid)

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
    double em;
    double e = nl_exp_expm1_deep(-(a + a), &em), m = -em;
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

/* float64: f = the series for |x| <= 1.5 (the same IEEE operations as NumPy's, so the
 * same value), x - tanh x beyond, with tanh as a pair (the difference exact, one
 * rounding); f' = tanh^2 x (tanh^2 + 2 tanh t_lo); f'' as nonlin's
 * _tanh_derivatives(|x|, None, 1, 1): sign(x) 8e M/(1+e)^3. */
NL_INLINE void tanh_shrink_point64(double x, const nl_params *P, double *f, double *df,
                                   double *d2f, int want) {
    (void)P; (void)want;
    double a = nl_below(fabs(x), 400.0);
    double e_lo, m_hi, m_lo, r, c;
    double e = sig_exp2a64(a, &e_lo, &m_hi, &m_lo, &r, &c);
    double t_lo, t = sig_tanh64(x, a, m_hi, m_lo, r, c, &t_lo);
    int near = fabs(x) <= 1.5;
    double v_err, v = nl_two_sum(x, -t, &v_err);
    /* +-inf: inf - 1 (the TwoSum of inf is NaN) */
    double far = fabs(x) > 0x1p60 ? x - t : v + (v_err - t_lo);
    *f = near ? tanh_shrink_series(near ? x : 0.0) : far;
    double sq_lo, sq = nl_two_product(t, t, &sq_lo);
    /* Where t^2 is (nearly) subnormal the TwoProduct is not exact; t^2 rounded once. */
    *df = fabs(t) < 0x1p-480 ? sq : sq + (sq_lo + 2.0 * t * t_lo);
    double sech2, slope;
    sig_tanh_derivatives64(a, 0.0, 4.0, 1.3862943611198906, 4.638093627692599e-17, 8.0, 2.0794415416798357, 1.8059370687790465e-16, e, e_lo, m_hi, m_lo, r, c,
                           &sech2, &slope);
    *d2f = slope * sig_sign(x) + 0.0;
}
NL_LOOPS_FLOAT64(tanh_shrink)

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

/* float64: nonlin's exact forms, every step one IEEE operation as in NumPy (the same
 * values): f = c/(1+|c|) with |c| clamped at 2^56; 1/(1+|x|) = r (1+k) with 1 + |x|
 * (clamped at 2^60) split exactly into d + d_low by TwoSum and r's rounding taken back
 * (nl_reciprocal); beyond 2^60 r = 1/(1+|x|), k = 0. f' = q + q 2k (q = r^2),
 * f'' = -2 (w + w 3k) sign(x) (w = r^3). */
NL_INLINE void softsign_point64(double x, const nl_params *P, double *f, double *df,
                                double *d2f, int want) {
    (void)P; (void)want;
    double cx = nl_below(nl_above(x, -0x1p56), 0x1p56);
    *f = cx / (1.0 + fabs(cx));
    double a = fabs(x);
    double ca = nl_below(a, 0x1p60);
    double d = 1.0 + ca;
    double back = d - ca;
    double d_low = (1.0 - back) + (ca - (d - back));
    double k, r = nl_reciprocal(d, d_low, &k);
    int far = a > 0x1p60;
    r = far ? 1.0 / (1.0 + a) : r;
    k = far ? 0.0 : k;
    double q = r * r;
    *df = q + q * (2.0 * k);
    double w = (r * r) * r;
    *d2f = (-2.0 * (w + w * (3.0 * k))) * sig_sign(x) + 0.0;
}
NL_LOOPS_FLOAT64(softsign)

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
/* x clipped where |s x| = 1000, as NumPy clips it (min(1e3/|s|, DBL_MAX)). */
NL_INLINE double scaled_tanh_clip(double x, double s) {
    double limit = 1e3 / fabs(s);
    limit = limit > 1.7976931348623157e308 ? 1.7976931348623157e308 : limit;
    return nl_below(nl_above(x, -limit), limit);
}

NL_INLINE void scaled_tanh_point(double x, const nl_params *P, double *f, double *df,
                                 double *d2f, int want) {
    (void)want;
    double s = P->p[0], b = P->p[1];
    double u = s * scaled_tanh_clip(x, s);
    double a = fabs(u);
    double em;
    double e = nl_exp_expm1_deep(-(a + a), &em), m = -em;
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

/* -1 (all bits) if 2^-400 < |k| < 2^400, else 0, for a finite k: integer arithmetic on
 * the bits (positive doubles order as their bits do). Comparisons here would become a
 * branch on a loop-invariant condition that gcc leaves in the loop, unvectorised. */
NL_INLINE int64_t sig_moderate(double k) {
    int64_t bits = nl_bits(k) & INT64_MAX;
    return ((nl_bits(0x1p-400) - bits) >> 63) & ((bits - nl_bits(0x1p400)) >> 63);
}

/* mask ? a : b for a mask of all or no bits. */
NL_INLINE double sig_pick_mask(int64_t mask, double a, double b) {
    return nl_double((nl_bits(a) & mask) | (nl_bits(b) & ~mask));
}

/* float64: f = b tanh(u) with u = s x, x clipped as above (sig_tanh64), and nonlin's
 * ScaledTanh._scaled_derivatives: |u| = a + corr split exactly by TwoProduct (corr 0
 * where s is a power of two or |s| is outside (1e-280, 1e280), as NumPy's), then
 * _tanh_derivatives(a, corr, k1, k2) with k1 = b s, k2 = -b s |s| when both lie in
 * (2^-400, 2^400), else with k1 = k2 = 1 and the scales applied afterwards factor by
 * factor (nonlin's _times, sig_factors2/3); f'' = slope sign(x) + 0. The choices on
 * the parameters are loop-invariant bit masks (sig_pick). */
NL_INLINE void scaled_tanh_point64(double x, const nl_params *P, double *f, double *df,
                                   double *d2f, int want) {
    (void)want;
    double s = P->p[0], b = P->p[1];
    double xc = scaled_tanh_clip(x, s);
    double u_err, u = nl_two_product(xc, s, &u_err);
    int64_t sbits = nl_bits(s);
    int pow2 = (sbits & (((int64_t)1 << 52) - 1)) == 0;
    int split = !pow2 && fabs(s) > 1e-280 && fabs(s) < 1e280;
    double corr = u >= 0 ? u_err : -u_err;
    /* 0 unless split; the TwoProduct may overflow to inf or NaN where split is false.
     * A per-element comparison with a loop-invariant bound (1 or 0), since gcc does not
     * vectorise a selection on the loop-invariant condition itself. */
    double bound = sig_pick(split, 1.0, 0.0);
    corr = fabs(corr) < bound ? corr : 0.0;
    double a = nl_below(fabs(u), 1e4); /* as _tanh_derivatives */
    double e_lo, m_hi, m_lo, r, c;
    double e = sig_exp2a64(a, &e_lo, &m_hi, &m_lo, &r, &c);
    double t_lo;
    *f = b * sig_tanh64(u, a, m_hi, m_lo, r, c, &t_lo);
    double k1 = b * s, k2 = (-b * s) * fabs(s);
    int64_t direct = sig_moderate(k1) & sig_moderate(k2);
    double C1 = sig_pick_mask(direct, 4.0 * k1, 4.0);
    double C2 = sig_pick_mask(direct, 8.0 * k2, 8.0);
    double L1_lo, L1_hi = sig_log_abs(C1, &L1_lo);
    double L2_lo, L2_hi = sig_log_abs(C2, &L2_lo);
    double sech2, slope;
    sig_tanh_derivatives64(a, corr, C1, L1_hi, L1_lo, C2, L2_hi, L2_lo, e, e_lo, m_hi, m_lo, r, c,
                           &sech2, &slope);
    double g2[3], g3[3];
    sig_factors2(b, s, g2);
    sig_factors3(-b, s, g3);
    g2[0] = sig_pick_mask(direct, 1.0, g2[0]);
    g2[1] = sig_pick_mask(direct, 1.0, g2[1]);
    g3[0] = sig_pick_mask(direct, 1.0, g3[0]);
    g3[1] = sig_pick_mask(direct, 1.0, g3[1]);
    g3[2] = sig_pick_mask(direct, 1.0, g3[2]);
    *df = sig_times(sech2, g2);
    *d2f = sig_times(slope, g3) * sig_sign(x) + 0.0;
}
NL_LOOPS_FLOAT64(scaled_tanh)

const nl_family nl_sigmoidal_families[] = {
    {"sigmoid", 0, NL_FLOAT32(sigmoid), NL_FLOAT64(sigmoid)},
    {"tanh", 0, NL_FLOAT32(tanh), NL_FLOAT64(tanh)},
    {"log_sigmoid", 0, NL_FLOAT32(log_sigmoid), NL_FLOAT64(log_sigmoid)},
    {"tanh_shrink", 0, NL_FLOAT32(tanh_shrink), NL_FLOAT64(tanh_shrink)},
    {"softsign", 0, NL_FLOAT32(softsign), NL_FLOAT64(softsign)},
    {"scaled_tanh", 2, NL_FLOAT32(scaled_tanh), NL_FLOAT64(scaled_tanh)},
    {NULL, 0, NL_NONE, NL_NONE},
};

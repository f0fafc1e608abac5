/* Exponential families: elu, selu, celu, exponential. Formulas as
 * nonlin.catalog.exponential's (their wide forms are the plain hooks, in float64).
 *
 * NumPy's float64 exp(t) is 0 for t < -745.13 (NL_EXP_UNDERFLOW), subnormal between
 * that and -708.4, and inf above 709.78. A float32 result hides most of that, but not
 * all: dy * f' with dy = inf is NaN where exp gave 0 and inf where it gave a subnormal,
 * 0 * inf is NaN, and a large parameter (alpha * exp(t) with alpha above about 1e224)
 * brings a subnormal exp back into float32 range. The exp routines named below
 * reproduce those cases instead of clamping them away.
 */
#include <float.h>

#include "elementary.h"

/* Every exp here is NumPy's, zeros and subnormals included (see above): the float32
 * loops take exp and expm1 from elementary.h's nl_exp_expm1_deep (one rounding onto the
 * subnormal grid, 0 below NL_EXP_UNDERFLOW), the float64 loops their pairs from
 * nl_exp_pair (to about 2^-66, a subnormal exp rounded once, 0 and inf past the ends). */

/* ------------------------------------------------------------------------- elu
 * f = x (x > 0), alpha expm1(x) (x <= 0); f' = 1 | alpha e^x; f'' = 0 | alpha e^x.
 * The negative branch sees min(x, 0): exp cannot overflow, and expm1 keeps full
 * relative accuracy near 0. At the kink f' is the smaller one-sided limit: 1 where
 * alpha > 1 (x >= 0 takes the right branch), alpha otherwise; f''(0) = 0. */
NL_INLINE void elu_point(double x, const nl_params *P, double *f, double *df, double *d2f,
                         int want) {
    (void)want;
    double alpha = P->p[0];
    double xn = x > 0 ? 0.0 : x; /* NaN stays NaN, -0 stays -0 */
    double m;
    double e = nl_exp_expm1_deep(xn, &m);
    m = xn == 0 ? xn : m; /* expm1(-0) = -0 */
    double g = alpha * e;
    int right = alpha <= 1 ? x > 0 : x >= 0;
    *f = x > 0 ? x : alpha * m;
    *df = right ? 1.0 : g;
    *d2f = x >= 0 ? 0.0 : g;
}
NL_LOOPS_FLOAT32(elu)

/* ------------------------------------------------------------------------- selu
 * elu scaled: f = scale x | (scale alpha) expm1(x); f' = scale | (scale alpha) e^x;
 * f'' = 0 | (scale alpha) e^x, with the product scale alpha formed first (as the
 * Python path does: it may overflow to inf, and inf * 0 is NaN there and here). */
NL_INLINE void selu_point(double x, const nl_params *P, double *f, double *df, double *d2f,
                          int want) {
    (void)want;
    double scale = P->p[0], alpha = P->p[1];
    double c = scale * alpha;
    double xn = x > 0 ? 0.0 : x;
    double m;
    double e = nl_exp_expm1_deep(xn, &m);
    m = xn == 0 ? xn : m;
    double g = c * e;
    int right = alpha <= 1 ? x > 0 : x >= 0;
    *f = x > 0 ? scale * x : c * m;
    *df = right ? scale : g;
    *d2f = x >= 0 ? 0.0 : g;
}
NL_LOOPS_FLOAT32(selu)

/* ------------------------------------------------------------------------- celu
 * f = x | alpha expm1(x/alpha); f' = 1 | e^(x/alpha); f'' = 0 | e^(x/alpha) / alpha.
 * As the Python path: x is min(x, 0) raised to a floor alpha (min(0, shift) - 1000)
 * (below it the exp is 0 anyway; it keeps x/alpha finite); q = x/alpha is rounded, and
 * its remainder rem = (x - q alpha)/alpha enters as the factor 1 + rem (exp would
 * magnify q's rounding error by |q| ulps), except where alpha is a power of two (q is
 * exact) or beyond 1e280 / below 1e-280 (no split without overflow). f'' divides by
 * alpha as the shift -log(alpha) = -(hi + lo) of the exponent, with q - hi added
 * exactly (TwoSum) and its error, rem and -lo in the factor.
 *
 * The loops get alpha alone; celu_derive adds log(alpha) as hi + lo and the
 * power-of-two flag once per call (outside the loop: logl is a library call). */
NL_INLINE double celu_head(double v) {
    /* v with its 27 low significand bits cleared: 26 significant bits, so that
     * head * head and head * tail (tail = v - head, 27 bits) are exact products
     * whether or not the compiler fuses them into an fma. */
    return nl_double(nl_bits(v) & ~(((int64_t)1 << 27) - 1));
}

NL_INLINE double celu_remainder(double c, double q, double a) {
    /* (c - q a) / a, with q a = p + err as two_product gives it. */
    double p = q * a;
    double qh = celu_head(q), ql = q - qh;
    double ah = celu_head(a), al = a - ah;
    double err = ((qh * ah - p) + qh * al + ql * ah) + ql * al;
    return ((c - p) - err) / a;
}

NL_INLINE void celu_core_point(double x, const nl_params *P, double *f, double *df, double *d2f,
                          int want) {
    double a = P->p[0], hi = P->p[1], lo = P->p[2];
    int exact = P->p[3] != 0.0;
    double xn = x > 0 ? 0.0 : x;
    if (want & (NL_F | NL_DF)) { /* want is a constant in each loop: no branch */
        double floor0 = nl_above(a * -1000.0, -DBL_MAX);
        /* q = c/a for c = max(min(x, 0), floor), clamped after the division instead
         * of before: the same value (a rounded division by a > 0 is monotonic, and a
         * -inf x/a is raised to the floor's quotient), and cheaper, as gcc compiles a
         * select in front of the division into twice the blends. */
        double q = nl_above(xn / a, floor0 / a);
        double m;
        double y = nl_exp_expm1_deep(q, &m);
        m = q == 0 ? q : m;
        *f = x > 0 ? x : a * m;
        /* Where the floor binds (c = floor, not x), e^q is 0 unless the floor is
         * -DBL_MAX, i.e. alpha > 1e280: the remainder is 0 (or multiplies 0) there. */
        double rem = exact || xn < floor0 ? 0.0 : celu_remainder(xn, q, a);
        *df = x > 0 ? 1.0 : y + y * rem;
    }
    if (want & NL_D2F) {
        double floor1 = nl_above(a * ((hi < 0.0 ? hi : 0.0) - 1000.0), -DBL_MAX);
        double q = nl_above(xn / a, floor1 / a); /* c/a, as above */
        double low = (exact || xn < floor1 ? 0.0 : celu_remainder(xn, q, a)) - lo;
        double b = -hi;
        double s = q + b; /* TwoSum: q + b = s + err exactly */
        double b_part = s - q;
        double err = (q - (s - b_part)) + (b - b_part);
        /* s may be positive (alpha < 1); no subnormal exp survives here (nothing
         * multiplies it up), so the plain core does, with NumPy's 0 and inf set. */
        double y = nl_exp(nl_below(nl_above(s, -708.0), 709.0));
        y = s < -NL_EXP_UNDERFLOW ? 0.0 : y;
        y = s > NL_EXP_OVERFLOW ? INFINITY : y;
        *d2f = x >= 0 ? 0.0 : y + y * (err + low);
    }
}
NL_LOOPS_FLOAT32(celu_core)

/* alpha, log(alpha) = hi + lo (hi rounded to nearest; lo to about 2^-64 |log alpha|
 * where long double has 64 bits, which is far more than the factor needs), and whether
 * x/alpha is formed without a remainder. */
static nl_params celu_derive(const nl_params *given) {
    double a = given->p[0];
    long double l = logl((long double)a);
    double hi = (double)l;
    /* Zero significand bits: a power of two (a subnormal a falls under the bound). */
    int power_of_two = (nl_bits(a) & (((int64_t)1 << 52) - 1)) == 0;
    nl_params P = {{a, hi, (double)(l - (long double)hi),
                    (power_of_two || !(1e-280 < a && a < 1e280)) ? 1.0 : 0.0}};
    return P;
}

NL_PREPARED_LOOPS(celu, celu_core, celu_derive, float32)

/* ------------------------------------------------------------------------- exponential
 * f = f' = f'' = e^x. Past 709.78 NumPy's exp is inf and below -745.13 it is 0; the
 * core is clamped to [-708, 709] and both ends are set as NumPy has them, so that
 * dy * f' is NaN for dy = 0 at inf and for dy = inf at 0. (A subnormal exp never
 * reaches a float32 result here: dy * e^x < 1e-269.) */
NL_INLINE void exponential_point(double x, const nl_params *P, double *f, double *df,
                                 double *d2f, int want) {
    (void)P; (void)want;
    double e = nl_exp(nl_below(nl_above(x, -708.0), 709.0));
    e = x < -NL_EXP_UNDERFLOW ? 0.0 : e;
    e = x > NL_EXP_OVERFLOW ? INFINITY : e;
    *f = e;
    *df = e;
    *d2f = e;
}
NL_LOOPS_FLOAT32(exponential)

/* ========================================================================= float64
 * The exact float64 forms (the Python classes' _f, _df, _d2f), with every exp and expm1
 * taken as a pair hi + lo from elementary.h's nl_exp_pair and each product with a
 * parameter formed exactly (two_product) before the one rounding of the result. */

/* c (hi + lo), rounded once, for a parameter c > 0 and a pair with |lo| <= ulp(hi):
 * c hi = p + err exactly (two_product). Where that is not exact or the pair is not
 * there (hi or p below 2^-960: a subnormal exp has no low part; c above 2^990, where
 * Dekker's split overflows; c * hi infinite) it is the plain product c hi, as the
 * Python path's: its signed zeros, its 0 * inf = NaN. */
NL_INLINE double scaled_pair(double c, double hi, double lo) {
    double err, p = nl_two_product(c, hi, &err);
    double exact = p + (err + c * lo);
    double y = fabs(hi) >= 0x1p-960 ? exact : p; /* one condition per select: the */
    y = fabs(p) >= 0x1p-960 ? y : p;             /* baseline build vectorises those */
    return c <= 0x1p990 ? y : p;
}

/* elu: f = alpha expm1(min(x, 0)) | x, f' = alpha e^min(x,0) | 1, f'' = alpha e^x | 0 */
NL_INLINE void elu_point64(double x, const nl_params *P, double *f, double *df, double *d2f,
                           int want) {
    (void)want;
    double alpha = P->p[0];
    double xn = x > 0 ? 0.0 : x; /* NaN stays NaN, -0 stays -0 */
    double e_lo, m_hi, m_lo;
    double e = nl_exp_pair(xn, 0.0, &e_lo, &m_hi, &m_lo);
    m_hi = xn == 0 ? xn : m_hi; /* expm1(-0) = -0; the plain product keeps it */
    double g = scaled_pair(alpha, e, e_lo);
    *f = x > 0 ? x : scaled_pair(alpha, m_hi, m_lo);
    /* the smaller one-sided limit at 0; no int mask (SSE2 cannot mix it with doubles) */
    *df = alpha <= 1 ? (x > 0 ? 1.0 : g) : (x >= 0 ? 1.0 : g);
    *d2f = x >= 0 ? 0.0 : g;
}
NL_LOOPS_FLOAT64(elu)

/* selu: elu with c = scale alpha (rounded, as the Python path forms it) and scale. */
NL_INLINE void selu_point64(double x, const nl_params *P, double *f, double *df,
                            double *d2f, int want) {
    (void)want;
    double scale = P->p[0], alpha = P->p[1];
    double c = scale * alpha;
    double xn = x > 0 ? 0.0 : x;
    double e_lo, m_hi, m_lo;
    double e = nl_exp_pair(xn, 0.0, &e_lo, &m_hi, &m_lo);
    m_hi = xn == 0 ? xn : m_hi;
    double g = scaled_pair(c, e, e_lo);
    *f = x > 0 ? scale * x : scaled_pair(c, m_hi, m_lo);
    *df = alpha <= 1 ? (x > 0 ? scale : g) : (x >= 0 ? scale : g);
    *d2f = x >= 0 ? 0.0 : g;
}
NL_LOOPS_FLOAT64(selu)

/* celu, float64: c = max(min(x, 0), floor) with the Python path's floor
 * alpha (min(0, log_hi) - 1000) (for all three: below the higher floor, -1000 alpha,
 * e^q is 0 and expm1(q) is -1 either way), q = c/alpha rounded and its remainder rem
 * (0 where x/alpha is exact or alpha extreme, as the Python path). Then
 *   f   = alpha expm1(q + rem)       (the Python path drops rem here: a rounding error
 *                                     of q of up to |q|/2 ulps; rem removes it)
 *   f'  = e^(q + rem)
 *   f'' = e^(q - log alpha + rem) = e^(s + err + rem - lo), s + err = q - hi (TwoSum),
 * each exp one pair from nl_exp_pair and rounded once. Where e^s overflows the Python
 * path's y + y (err + low) is inf, or NaN where err + low is 0: kept. log alpha's low
 * part comes from celu_derive (long double: to about 2^-64 |log alpha|, so up to
 * 0.2 ulp more in f'' for alpha near 1e-300 or 1e300; within 1 ulp of the Python path
 * there as measured). */
NL_INLINE void celu_core_point64(double x, const nl_params *P, double *f, double *df,
                                 double *d2f, int want) {
    double a = P->p[0], hi = P->p[1], lo = P->p[2];
    int exact = P->p[3] != 0.0;
    double xn = x > 0 ? 0.0 : x;
    double floor1 = nl_above(a * ((hi < 0.0 ? hi : 0.0) - 1000.0), -DBL_MAX);
    double c = nl_above(xn, floor1);
    double q = c / a;
    double p_err, p = nl_two_product(q, a, &p_err);
    double rem = exact ? 0.0 : ((c - p) - p_err) / a;
    if (want & (NL_F | NL_DF)) { /* want is a constant in each loop: no branch */
        double y_lo, m_hi, m_lo;
        double y = nl_exp_pair(q, rem, &y_lo, &m_hi, &m_lo);
        m_hi = q == 0 ? q : m_hi; /* expm1(-0) = -0 */
        *f = x > 0 ? x : scaled_pair(a, m_hi, m_lo);
        y = y + (y < 0x1p-1022 ? y * rem : y_lo); /* see nl_exp_pair */
        *df = x > 0 ? 1.0 : y;
    }
    if (want & NL_D2F) {
        double b = -hi;
        double s = q + b; /* TwoSum: q + b = s + err exactly */
        double b_part = s - q;
        double err = (q - (s - b_part)) + (b - b_part);
        double low = err + (rem - lo);
        double y_lo, m_hi, m_lo;
        double y = nl_exp_pair(s, low, &y_lo, &m_hi, &m_lo);
        /* As the Python path's y + y low where y is subnormal (see nl_exp_pair) or
         * inf (NaN for low = 0). */
        double y_low = s > NL_EXP_OVERFLOW ? y * low : y_lo; /* (one condition per */
        y_low = y < 0x1p-1022 ? y * low : y_low;             /* select: vectorises) */
        y = y + y_low;
        *d2f = x >= 0 ? 0.0 : y;
    }
}
NL_LOOPS_FLOAT64(celu_core)

NL_PREPARED_LOOPS(celu, celu_core, celu_derive, float64)

/* exponential has no float64 loops: NumPy's own SIMD exp is a single pass and faster
 * (5.0 ns per element against 6.9 for the pair rounded once, with AVX2 + FMA). */
const nl_family nl_exponential_families[] = {
    {"elu", 1, NL_FLOAT32(elu), NL_FLOAT64(elu)},
    {"selu", 2, NL_FLOAT32(selu), NL_FLOAT64(selu)},
    {"celu", 1, NL_FLOAT32(celu), NL_FLOAT64(celu)},
    {"exponential", 0, NL_FLOAT32(exponential), NL_NONE},
    {NULL, 0, NL_NONE, NL_NONE},
};

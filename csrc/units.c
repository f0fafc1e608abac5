/* Unit families: activations with learned values per unit along an axis
 * (nonlin.catalog.learnable): prelu (its slope a), lgrelu (its two slopes, a = e^gain
 * and b = e^leak, which the module takes from NumPy's exp as the path does) and
 * elu_learnable (alpha, or e^gain).
 * The module (module.c) walks the array as
 * (outer, units, inner) and hands each loop a run of values with the matching run of
 * learned values, so a loop is one vectorised pass with a[i] beside x[i].
 *
 * The formulas are the classes' (_fp, _dfp, _d2fp), operation for operation, in
 * float64: float32 results are the path's bits (it computes in float64 and rounds
 * once), and so are float64 ones where no libm function is involved (prelu, lgrelu).
 */
#include <float.h>

#include "elementary.h"

/* f = x (x > 0) | a min(x, 0), 0 where a is 0 (not 0 * -inf); f' = 1 | a (x < 0) | at
 * 0 whichever of 1 and a is smaller in magnitude; f'' = 0; NaN in, NaN out. */
NL_INLINE void prelu_point(double x, double a, double b, double *f, double *df,
                           double *d2f, int want) {
    (void)b;
    if (want & NL_F) {
        double nonpositive = x > 0 ? 0.0 : x;
        double negative = a == 0 ? 0.0 : a * nonpositive;
        double value = x > 0 ? x : negative;
        *f = x != x ? x : value;
    }
    if (want & NL_DF) {
        double slope = a + 0.0; /* as the path's a + zeros: -0.0 becomes +0.0 */
        double size = slope < 0 ? -slope : slope;
        double smaller = 1.0 <= size ? 1.0 : slope;
        double value = x > 0 ? 1.0 : (x < 0 ? slope : smaller);
        *df = x != x ? x : value;
    }
    if (want & NL_D2F) *d2f = x != x ? x : 0.0;
}

#define NL_UNIT_LOOPS(name, T, suffix)                                                  \
    static void name##_f_##suffix(const void *xv, const void *vv, void *y0, void *y1,   \
                                  void *y2, ptrdiff_t n, const double *a,               \
                                  const double *b) {                                    \
        const T *x = xv; T *y = y0; (void)vv; (void)y1; (void)y2;                       \
        for (ptrdiff_t i = 0; i < n; i++) {                                             \
            double f, d1, d2;                                                           \
            name##_point((double)x[i], a[i], b[i], &f, &d1, &d2, NL_F);                 \
            y[i] = (T)f;                                                                \
        }                                                                               \
    }                                                                                   \
    static void name##_df_##suffix(const void *xv, const void *vv, void *y0, void *y1,  \
                                   void *y2, ptrdiff_t n, const double *a,              \
                                   const double *b) {                                   \
        const T *x = xv; T *y = y0; (void)vv; (void)y1; (void)y2;                       \
        for (ptrdiff_t i = 0; i < n; i++) {                                             \
            double f, d1, d2;                                                           \
            name##_point((double)x[i], a[i], b[i], &f, &d1, &d2, NL_DF);                \
            y[i] = (T)d1;                                                               \
        }                                                                               \
    }                                                                                   \
    static void name##_d2f_##suffix(const void *xv, const void *vv, void *y0, void *y1, \
                                    void *y2, ptrdiff_t n, const double *a,             \
                                    const double *b) {                                  \
        const T *x = xv; T *y = y0; (void)vv; (void)y1; (void)y2;                       \
        for (ptrdiff_t i = 0; i < n; i++) {                                             \
            double f, d1, d2;                                                           \
            name##_point((double)x[i], a[i], b[i], &f, &d1, &d2, NL_D2F);               \
            y[i] = (T)d2;                                                               \
        }                                                                               \
    }                                                                                   \
    static void name##_derivatives_##suffix(const void *xv, const void *vv, void *y0,   \
                                            void *y1, void *y2, ptrdiff_t n,            \
                                            const double *a, const double *b) {         \
        const T *x = xv; T *yf = y0, *yd = y1, *yd2 = y2; (void)vv;                     \
        for (ptrdiff_t i = 0; i < n; i++) {                                             \
            double f, d1, d2;                                                           \
            name##_point((double)x[i], a[i], b[i], &f, &d1, &d2,                        \
                         NL_F | NL_DF | NL_D2F);                                        \
            yf[i] = (T)f; yd[i] = (T)d1; yd2[i] = (T)d2;                                \
        }                                                                               \
    }                                                                                   \
    static void name##_product_##suffix(const void *xv, const void *vv, void *y0,       \
                                        void *y1, void *y2, ptrdiff_t n,                \
                                        const double *a, const double *b) {             \
        const T *x = xv, *v = vv; T *y = y0; (void)y1; (void)y2;                        \
        for (ptrdiff_t i = 0; i < n; i++) {                                             \
            double f, d1, d2;                                                           \
            name##_point((double)x[i], a[i], b[i], &f, &d1, &d2, NL_DF);                \
            y[i] = (T)((double)v[i] * d1);                                              \
        }                                                                               \
    }

#define NL_UNIT_HOOKS(name, suffix)                                                     \
    { name##_f_##suffix, name##_df_##suffix, name##_d2f_##suffix,                       \
      name##_derivatives_##suffix, name##_product_##suffix }

/* f = e^g x (x > 0) | e^l x; f' = e^g | e^l (x < 0) | at 0 the smaller (NaN if either
 * is: NumPy's minimum); f'' = 0; NaN in, NaN out (f by its product). */
NL_INLINE void lgrelu_point(double x, double a, double b, double *f, double *df,
                            double *d2f, int want) {
    if (want & NL_F) *f = x > 0 ? a * x : b * x;
    if (want & NL_DF) {
        double smaller = a != a ? a : (b != b ? b : (b < a ? b : a));
        double value = x > 0 ? a : (x < 0 ? b : smaller);
        *df = x != x ? x : value;
    }
    if (want & NL_D2F) *d2f = x != x ? x : 0.0;
}

/* elu_learnable (a = alpha, or NumPy's e^gain where log=True, as the path takes it):
 * f = x (x > 0) | s expm1(min(x, 0)); f' = 1 (x > 0) | s e^min(x,0) (x < 0) | at 0
 * whichever of 1 and s is smaller in magnitude; f'' = 0 (x >= 0) | s e^min(x,0); NaN in,
 * NaN out; s = a + 0 (the path's alpha + zeros). The path's float64 exp and expm1 are
 * NumPy's (libm): the float32 loops take them from nl_exp_expm1_deep, as elu's float32
 * loops, the float64 loops from nl_exp_pair (correctly rounded but for near-ties) and
 * multiply as the path does. */
#define NL_ELU_LEARNABLE_POINT(name, EXP_EXPM1)                                          \
    NL_INLINE void name##_point(double x, double a, double b, double *f, double *df,    \
                                double *d2f, int want) {                                \
        (void)b; (void)want;                                                            \
        double xn = x > 0 ? 0.0 : x; /* NaN stays NaN, -0 stays -0 */                   \
        double m, e = EXP_EXPM1(xn, &m);                                                \
        m = xn == 0 ? xn : m; /* expm1(-0) = -0 */                                      \
        double s = a + 0.0, left = s * e;                                               \
        double size = s < 0 ? -s : s;                                                   \
        double smaller = 1.0 <= size ? 1.0 : s;                                         \
        double slope = x > 0 ? 1.0 : (x < 0 ? left : smaller);                          \
        *f = x > 0 ? x : s * m;                                                         \
        *df = x != x ? x : slope;                                                       \
        *d2f = x >= 0 ? 0.0 : left;                                                     \
    }

/* exp(t) and expm1(t), each rounded once (nl_exp_pair's pair for expm1, summed). */
NL_INLINE double elu_learnable_exp64(double t, double *expm1_t) {
    double e_lo, m_hi, m_lo;
    double e = nl_exp_pair(t, 0.0, &e_lo, &m_hi, &m_lo);
    *expm1_t = m_hi + m_lo;
    return e;
}

NL_ELU_LEARNABLE_POINT(elu_learnable32, nl_exp_expm1_deep)
NL_ELU_LEARNABLE_POINT(elu_learnable64, elu_learnable_exp64)

/* ------------------------------------------------------------------ snake
 * f = x + x sin(t) sinc(t), t = a x (a = alpha + 0, as the path's alpha + zeros);
 * f' = 1 + sin 2t, or cos(2t)^2 / (1 - sin 2t) where sin 2t < -1/2; f'' = 2 a cos 2t:
 * Snake._fp, _dfp and _d2fp operation for operation. Where x is not finite or a x
 * overflows, f = x, f' = 1 and f'' = 0 (NaN kept in f' and f'').
 *
 * The path's sin and cos are libm's. Ours (snake_sincos) are vectorised and, like
 * libm's, within about half an ulp, so that float32 results, rounded once from
 * float64, are the path's but where a float64 value falls within an ulp or two of a
 * float32 rounding boundary; float64 results are within a few ulp. An argument
 * beyond SNAKE_LIMIT (2t included) takes libm's sin and cos, in a second pass over
 * each block of SNAKE_BLOCK values (the block is read before it is written, so that
 * the loops work in place). */

#define SNAKE_LIMIT 0x1p16
#define SNAKE_BLOCK 64

/* pi/2 = P1 + P2 + P3 + 1e-37, P1 and P2 of 33 bits: k P1 and k P2 are exact for
 * |k| < 2^20 */
static const double SNAKE_P1 = 0x1.921fb544p+0, SNAKE_P2 = 0x1.0b4611a6p-34;
static const double SNAKE_P3 = 0x1.3198a2e037073p-69;
static const double SNAKE_2_OVER_PI = 0x1.45f306dc9c883p-1;

/* sin and cos of r = hi + lo (|r| <= pi/4 or a little more; lo below an ulp of hi, or
 * both tiny): the Taylor series to r^17 and r^18 (the rest is below 2^-62 of the
 * result there), hi^2 = z + z_lo exactly, lo to first order. */
NL_INLINE void snake_sincos_reduced(double hi, double lo, double *s, double *c) {
    double z_lo, z = nl_two_product(hi, hi, &z_lo);
    /* sin hi = hi + hi z P(z), P = -1/3! + z/5! - ... + z^7/17! */
    double p = 1.0 / 355687428096000.0;
    p = nl_fma(p, z, -1.0 / 1307674368000.0);
    p = nl_fma(p, z, 1.0 / 6227020800.0);
    p = nl_fma(p, z, -1.0 / 39916800.0);
    p = nl_fma(p, z, 1.0 / 362880.0);
    p = nl_fma(p, z, -1.0 / 5040.0);
    p = nl_fma(p, z, 1.0 / 120.0);
    p = nl_fma(p, z, -1.0 / 6.0);
    /* cos hi = 1 - z/2 + z^2 Q(z), Q = 1/4! - z/6! + ... - z^7/18! */
    double q = -1.0 / 6402373705728000.0;
    q = nl_fma(q, z, 1.0 / 20922789888000.0);
    q = nl_fma(q, z, -1.0 / 87178291200.0);
    q = nl_fma(q, z, 1.0 / 479001600.0);
    q = nl_fma(q, z, -1.0 / 3628800.0);
    q = nl_fma(q, z, 1.0 / 40320.0);
    q = nl_fma(q, z, -1.0 / 720.0);
    q = nl_fma(q, z, 1.0 / 24.0);
    double half = 0.5 * z;
    double w = 1.0 - half, w_err = (1.0 - w) - half; /* exact: |half| < 1 */
    *s = hi + (hi * (z * p) + (lo * (1.0 - half) - hi * (z_lo * (1.0 / 6.0))));
    *c = w + (w_err + (((z * z) * q - hi * lo) - 0.5 * z_lo));
}

/* sin t and cos t for |t| <= SNAKE_LIMIT (NaN for NaN; anything beyond): t = k pi/2 +
 * r, r from the three parts of pi/2 (exact but for k P3's rounding and the 1e-37
 * left out, far below any r that a double t near a multiple of pi/2 leaves), then the
 * quadrant. Double comparisons only (q = k mod 4 in -2..2), so that gcc vectorises. */
NL_INLINE void snake_sincos(double t, double *s, double *c) {
    double k = nl_fma(t, SNAKE_2_OVER_PI, NL_SHIFT) - NL_SHIFT; /* nearest integer */
    double r1 = t - k * SNAKE_P1; /* exact (Sterbenz; k P1 exact) */
    double lo, hi = nl_two_sum(r1, -(k * SNAKE_P2), &lo);
    lo = lo - k * SNAKE_P3;
    double sr, cr;
    snake_sincos_reduced(hi, lo, &sr, &cr);
    double q = k - 4.0 * ((k * 0.25 + NL_SHIFT) - NL_SHIFT);
    double sq = q == 0 ? sr : (q == 1 ? cr : (q == -1 ? -cr : -sr));
    *s = t == 0 ? t : sq; /* sin(-0) = -0 (the series' sum would make it +0) */
    *c = q == 0 ? cr : (q == 1 ? -sr : (q == -1 ? sr : -cr));
}

NL_INLINE void snake_libm_sincos(double t, double *s, double *c) {
    *s = sin(t);
    *c = cos(t);
}

/* sin 2t and cos 2t: ours where 2t is within SNAKE_LIMIT (the second pass takes the
 * others); the path's form (from sin t and cos t where 2t overflows) with libm's. */
NL_INLINE void snake_double(double t, double *s2, double *c2) {
    snake_sincos(2.0 * t, s2, c2);
}

NL_INLINE void snake_libm_double(double t, double *s2, double *c2) {
    int safe = fabs(t) <= DBL_MAX / 2;
    double s, c;
    snake_libm_sincos(t, &s, &c);
    *s2 = safe ? sin(2.0 * t) : (2.0 * s) * c;
    *c2 = safe ? cos(2.0 * t) : 1.0 - (2.0 * s) * s;
}

/* t = a x where x is finite and a x does not overflow ("tame"), else 0 */
NL_INLINE double snake_t(double x, double a, double *xs) {
    *xs = fabs(x) <= DBL_MAX ? x : 0.0;
    double t = (a + 0.0) * *xs;
    return fabs(t) <= DBL_MAX ? t : 0.0;
}

/* Whether the second pass takes x (libm's sin and cos). */
NL_INLINE int snake_far(double x, double a) {
    double xs;
    return fabs(snake_t(x, a, &xs)) > 0.5 * SNAKE_LIMIT;
}

#define NL_SNAKE_POINT(name, SINCOS, DOUBLE)                                             \
    NL_INLINE void name(double x, double a, double *f, double *df, double *d2f,         \
                        int want) {                                                     \
        double xs, t = snake_t(x, a, &xs);                                              \
        double tame = fabs(x) <= DBL_MAX ? (fabs((a + 0.0) * xs) <= DBL_MAX ? 1.0 : 0.0)  \
                                         : 0.0;                                         \
        if (want & NL_F) {                                                              \
            double s, c;                                                                \
            SINCOS(t, &s, &c);                                                          \
            double sinc = t != 0 ? s / (t != 0 ? t : 1.0) : 1.0;                        \
            *f = tame != 0 ? xs + (xs * s) * sinc : x;                                  \
        }                                                                               \
        if (want & (NL_DF | NL_D2F)) {                                                  \
            double s2, c2;                                                              \
            DOUBLE(t, &s2, &c2);                                                        \
            double slope = s2 < -0.5 ? (c2 * c2) / (1.0 - s2) : 1.0 + s2;               \
            double curve = (2.0 * (a + 0.0)) * c2;                                      \
            if (want & NL_DF) *df = x != x ? x : (tame != 0 ? slope : 1.0);             \
            if (want & NL_D2F) *d2f = x != x ? x : (tame != 0 ? curve : 0.0);           \
        }                                                                               \
    }

NL_SNAKE_POINT(snake_point, snake_sincos, snake_double)
NL_SNAKE_POINT(snake_libm_point, snake_libm_sincos, snake_libm_double)

/* One hook over a run, SNAKE_BLOCK values at a time: our point, then libm's for the
 * far values, then the stores (hook 0 f, 1 f', 2 f'', 3 all three, 4 v f'). */
#define NL_SNAKE_RUN(T, suffix)                                                          \
    NL_INLINE void snake_run_##suffix(const T *x, const T *v, T *y0, T *y1, T *y2,       \
                                      ptrdiff_t n, const double *a, int hook) {          \
        int want = hook == 0 ? NL_F : hook == 1 || hook == 4 ? NL_DF                      \
                 : hook == 2 ? NL_D2F : NL_F | NL_DF | NL_D2F;                            \
        double f[SNAKE_BLOCK], d1[SNAKE_BLOCK], d2[SNAKE_BLOCK];                         \
        for (ptrdiff_t start = 0; start < n; start += SNAKE_BLOCK) {                     \
            ptrdiff_t m = n - start < SNAKE_BLOCK ? n - start : SNAKE_BLOCK;             \
            const T *xb = x + start;                                                     \
            const double *ab = a + start;                                                \
            /* (one loop per result: gcc vectorises none with all three) */             \
            if (want & NL_F)                                                             \
                for (ptrdiff_t i = 0; i < m; i++)                                        \
                    snake_point((double)xb[i], ab[i], &f[i], &d1[i], &d2[i], NL_F);      \
            if (want & NL_DF)                                                            \
                for (ptrdiff_t i = 0; i < m; i++)                                        \
                    snake_point((double)xb[i], ab[i], &f[i], &d1[i], &d2[i], NL_DF);     \
            if (want & NL_D2F)                                                           \
                for (ptrdiff_t i = 0; i < m; i++)                                        \
                    snake_point((double)xb[i], ab[i], &f[i], &d1[i], &d2[i], NL_D2F);    \
            for (ptrdiff_t i = 0; i < m; i++)                                            \
                if (snake_far((double)xb[i], ab[i]))                                     \
                    snake_libm_point((double)xb[i], ab[i], &f[i], &d1[i], &d2[i], want); \
            for (ptrdiff_t i = 0; i < m; i++) {                                          \
                if (hook == 0 || hook == 3) y0[start + i] = (T)f[i];                     \
                if (hook == 1) y0[start + i] = (T)d1[i];                                 \
                if (hook == 2) y0[start + i] = (T)d2[i];                                 \
                if (hook == 3) y1[start + i] = (T)d1[i], y2[start + i] = (T)d2[i];       \
                if (hook == 4) y0[start + i] = (T)((double)v[start + i] * d1[i]);        \
            }                                                                            \
        }                                                                                \
    }                                                                                    \
    static void snake_f_##suffix(const void *x, const void *v, void *y0, void *y1,      \
                                 void *y2, ptrdiff_t n, const double *a,                \
                                 const double *b) {                                     \
        (void)b;                                                                        \
        snake_run_##suffix(x, v, y0, y1, y2, n, a, 0);                                  \
    }                                                                                   \
    static void snake_df_##suffix(const void *x, const void *v, void *y0, void *y1,     \
                                  void *y2, ptrdiff_t n, const double *a,               \
                                  const double *b) {                                    \
        (void)b;                                                                        \
        snake_run_##suffix(x, v, y0, y1, y2, n, a, 1);                                  \
    }                                                                                   \
    static void snake_d2f_##suffix(const void *x, const void *v, void *y0, void *y1,    \
                                   void *y2, ptrdiff_t n, const double *a,              \
                                   const double *b) {                                   \
        (void)b;                                                                        \
        snake_run_##suffix(x, v, y0, y1, y2, n, a, 2);                                  \
    }                                                                                   \
    static void snake_derivatives_##suffix(const void *x, const void *v, void *y0,      \
                                           void *y1, void *y2, ptrdiff_t n,             \
                                           const double *a, const double *b) {          \
        (void)b;                                                                        \
        snake_run_##suffix(x, v, y0, y1, y2, n, a, 3);                                  \
    }                                                                                   \
    static void snake_product_##suffix(const void *x, const void *v, void *y0,          \
                                       void *y1, void *y2, ptrdiff_t n,                 \
                                       const double *a, const double *b) {              \
        (void)b;                                                                        \
        snake_run_##suffix(x, v, y0, y1, y2, n, a, 4);                                  \
    }

NL_SNAKE_RUN(float, f32)
NL_SNAKE_RUN(double, f64)

NL_UNIT_LOOPS(prelu, float, f32)
NL_UNIT_LOOPS(prelu, double, f64)
NL_UNIT_LOOPS(lgrelu, float, f32)
NL_UNIT_LOOPS(lgrelu, double, f64)
NL_UNIT_LOOPS(elu_learnable32, float, f32)
NL_UNIT_LOOPS(elu_learnable64, double, f64)

const nl_unit_family nl_unit_families[] = {
    {"prelu", 1, NL_UNIT_HOOKS(prelu, f32), NL_UNIT_HOOKS(prelu, f64)},
    {"lgrelu", 2, NL_UNIT_HOOKS(lgrelu, f32), NL_UNIT_HOOKS(lgrelu, f64)},
    {"elu_learnable", 1, NL_UNIT_HOOKS(elu_learnable32, f32),
     NL_UNIT_HOOKS(elu_learnable64, f64)},
    {"snake", 1, NL_UNIT_HOOKS(snake, f32), NL_UNIT_HOOKS(snake, f64)},
    {NULL, 0, {NULL, NULL, NULL, NULL, NULL}, {NULL, NULL, NULL, NULL, NULL}},
};

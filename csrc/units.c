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
    {NULL, 0, {NULL, NULL, NULL, NULL, NULL}, {NULL, NULL, NULL, NULL, NULL}},
};

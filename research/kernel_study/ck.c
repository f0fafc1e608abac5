/* Feasibility kernels: float64-internal, vectorisable exp/expm1/log1p,
 * float32-in/float32-out activations.  Own code; textbook formulas only. */
#include <stdint.h>
#include <string.h>
#include <math.h>

#define INLINE static inline __attribute__((always_inline))
#ifdef MULTIVERSION
#define EXPORT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define EXPORT
#endif
#ifdef __FMA__
#define fma(a, b, c) __builtin_fma(a, b, c)
#else
#define fma(a, b, c) ((a) * (b) + (c))   /* non-FMA targets: plain mul+add */
#endif

static const double LOG2E = 1.4426950408889634;
static const double LN2_HI = 6.93147180369123816490e-01; /* 0x3FE62E42FEE00000 */
static const double LN2_LO = 1.90821492927058770002e-10;
static const double SHIFT = 6755399441055744.0;          /* 1.5 * 2^52 */

INLINE int64_t d2i(double d) { int64_t i; memcpy(&i, &d, 8); return i; }
INLINE double i2d(int64_t i) { double d; memcpy(&d, &i, 8); return d; }

/* expm1(r) for |r| <= ln2/2 (+tiny): Taylor to degree 13, Horner with FMA. */
INLINE double expm1_red(double r) {
#ifdef ESTRIN
    /* q(r) = sum_{j=0..11} c_j r^j, c_j = 1/(j+2)!  Estrin scheme */
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double a0 = fma(1.0/6, r, 0.5), a1 = fma(1.0/120, r, 1.0/24);
    double a2 = fma(1.0/5040, r, 1.0/720), a3 = fma(1.0/362880, r, 1.0/40320);
    double a4 = fma(1.0/39916800, r, 1.0/3628800), a5 = fma(1.0/6227020800.0, r, 1.0/479001600);
    double b0 = fma(a1, r2, a0), b1 = fma(a3, r2, a2), b2 = fma(a5, r2, a4);
    double q = fma(fma(b2, r4, b1), r4, b0);
    return fma(q, r2, r);
#else

    double q = 1.0 / 6227020800.0;            /* 1/13! */
    q = fma(q, r, 1.0 / 479001600.0);         /* 1/12! */
    q = fma(q, r, 1.0 / 39916800.0);
    q = fma(q, r, 1.0 / 3628800.0);
    q = fma(q, r, 1.0 / 362880.0);
    q = fma(q, r, 1.0 / 40320.0);
    q = fma(q, r, 1.0 / 5040.0);
    q = fma(q, r, 1.0 / 720.0);
    q = fma(q, r, 1.0 / 120.0);
    q = fma(q, r, 1.0 / 24.0);
    q = fma(q, r, 1.0 / 6.0);
    q = fma(q, r, 0.5);
    return fma(q, r * r, r);                  /* r + r^2 q(r) */
#endif
}
/* Reduction: x = k ln2 + r; returns r, sets k (as double) and the int bits. */
INLINE double reduce(double x, double *kd, int64_t *ki) {
    double t = fma(x, LOG2E, SHIFT);
    *ki = d2i(t) - d2i(SHIFT);               /* k as integer (low bits) */
    double k = t - SHIFT;
    *kd = k;
    double r = fma(-k, LN2_HI, x);
    return fma(-k, LN2_LO, r);
}

/* exp for x in [-708, 709] (no special cases): caller clamps. */
INLINE double exp_core(double x) {
    double kd; int64_t ki;
    double r = reduce(x, &kd, &ki);
    double p = expm1_red(r);
    double s = i2d((ki + 1023) << 52);
    return fma(s, p, s);
}

/* Full-range float64 exp: two-step scaling for subnormal/overflow, inf/nan. */
INLINE double exp_full(double x) {
    double xc = x < -746.0 ? -746.0 : (x > 710.0 ? 710.0 : x);
    double kd; int64_t ki;
    double r = reduce(xc, &kd, &ki);
    double p = expm1_red(r);
    int64_t k1 = ki >> 1, k2 = ki - k1;
    double s1 = i2d((k1 + 1023) << 52), s2 = i2d((k2 + 1023) << 52);
    double y = fma(s1, p, s1) * s2;
    y = x != x ? x : y;                       /* nan passthrough */
    return y;
}

/* expm1 for y >= 0 (y <= 700). */
INLINE double expm1_pos(double y) {
    double kd; int64_t ki;
    double r = reduce(y, &kd, &ki);
    double p = expm1_red(r);
    double s = i2d((ki + 1023) << 52);
    return fma(s, p, s - 1.0);                /* 2^k p + (2^k - 1) */
}

/* log1p(t) for t in [0, 1]: 2 atanh(s), s in [-0.1716, 0.1716]. */
INLINE double log1p_01(double t) {
    int hi = t > 0.41421356237309503;
    double num = hi ? t - 1.0 : t;
    double den = hi ? t + 3.0 : t + 2.0;
    double c = hi ? 6.93147180559945286e-01 : 0.0;
    double clo = hi ? 2.31904681384629956e-17 : 0.0;
    double s = num / den, z = s * s;
    double q = 1.0 / 25;
    q = fma(q, z, 1.0 / 23);
    q = fma(q, z, 1.0 / 21);
    q = fma(q, z, 1.0 / 19);
    q = fma(q, z, 1.0 / 17);
    q = fma(q, z, 1.0 / 15);
    q = fma(q, z, 1.0 / 13);
    q = fma(q, z, 1.0 / 11);
    q = fma(q, z, 1.0 / 9);
    q = fma(q, z, 1.0 / 7);
    q = fma(q, z, 1.0 / 5);
    q = fma(q, z, 1.0 / 3);
    double s2 = s + s;
    return c + (fma(s2 * z, q, s2) + clo);
}

/* ---------------- float64 exp (array) ---------------- */
EXPORT void exp_f64(const double *restrict x, double *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = exp_full(x[i]);
}

/* ---------------- float32 kernels ---------------- */
INLINE double sigmoid_d(double x) {
    double a = fabs(x);
    a = a > 745.0 ? 745.0 : a;
    double e = exp_core(-a < -708.0 ? -708.0 : -a);
    double s = 1.0 / (1.0 + e);
    return x >= 0 ? s : e * s;
}

EXPORT void sigmoid_f32(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = (float)sigmoid_d((double)x[i]);
}

EXPORT void silu_f32(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) {
        double xd = x[i];
        double xm = xd < -800.0 ? -800.0 : xd;   /* silu(-inf) = -0 */
        y[i] = (float)(xm * sigmoid_d(xd));
    }
}

EXPORT void softplus_f32(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) {
        double xd = x[i], a = fabs(xd);
        a = a > 708.0 ? 708.0 : a;
        double e = exp_core(-a);
        double m = xd > 0 ? xd : 0.0;
        y[i] = (float)(m + log1p_01(e));
    }
}

EXPORT void tanh_f32(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) {
        double xd = x[i], a = fabs(xd);
        a = a > 20.0 ? 20.0 : a;
        double em = expm1_pos(a + a);
        double t = em / (em + 2.0);
        y[i] = (float)copysign(t, xd);
    }
}

EXPORT void mish_f32(const float *restrict x, float *restrict y, long n) {
    /* tanh(softplus(x)): x<=0: n=e(e+2), n/(n+2), e=exp(x);
       x>0: (1+2e)/(1+2e+2e^2), e=exp(-x). */
    for (long i = 0; i < n; i++) {
        double xd = x[i], a = fabs(xd);
        a = a > 708.0 ? 708.0 : a;
        double e = exp_core(-a);
        double nn = e * (e + 2.0);
        double u = fma(2.0, e, 1.0);
        double tp = u / fma(2.0 * e, e, u);
        double tn = nn / (nn + 2.0);
        double xm = xd < -800.0 ? -800.0 : xd;
        y[i] = (float)(xm * (xd > 0 ? tp : tn));
    }
}

/* sigmoid f, f', f'' fused.  e = exp(-|x|), m1 = 1 - e = -expm1(-|x|).
   f'  = e/(1+e)^2;  f'' = -sign(x) e (1-e)/(1+e)^3 */
EXPORT void sigmoid_d2_f32(const float *restrict x, float *restrict y0,
                    float *restrict y1, float *restrict y2, long n) {
    for (long i = 0; i < n; i++) {
        double xd = x[i], a = fabs(xd);
        a = a > 708.0 ? 708.0 : a;
        double kd; int64_t ki;
        double r = reduce(-a, &kd, &ki);
        double p = expm1_red(r);
        double s = i2d((ki + 1023) << 52);
        double e = fma(s, p, s);
        double m1 = fma(-s, p, 1.0 - s);
        double inv = 1.0 / (1.0 + e);
        double f = xd >= 0 ? inv : e * inv;
        double d1 = e * inv * inv;
        double d2 = d1 * m1 * inv;
        y0[i] = (float)f;
        y1[i] = (float)d1;
        y2[i] = (float)(xd > 0 ? -d2 : d2);
    }
}

/* double variants for accuracy checking */
EXPORT void sigmoid_f64(const double *restrict x, double *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = sigmoid_d(x[i]);
}
EXPORT void softplus_f64(const double *restrict x, double *restrict y, long n) {
    for (long i = 0; i < n; i++) {
        double xd = x[i], a = fabs(xd);
        a = a > 708.0 ? 708.0 : a;
        double m = xd > 0 ? xd : 0.0;
        y[i] = m + log1p_01(exp_core(-a));
    }
}
EXPORT void tanh_f64(const double *restrict x, double *restrict y, long n) {
    for (long i = 0; i < n; i++) {
        double xd = x[i], a = fabs(xd);
        a = a > 20.0 ? 20.0 : a;
        double em = expm1_pos(a + a);
        y[i] = copysign(em / (em + 2.0), xd);
    }
}

/* ---------------- exact GELU: x * Phi(x) ----------------
   |x| <= sqrt2 (w = x^2/2 <= 1): gelu = x/2 + (w/sqrt2) * F0(w), F0(w) = erf(sqrt w)/sqrt w
   |x| >  sqrt2: Phi(-|x|) * |x| = exp(-w) G(t) / sqrt2, G = z e^{z^2} erfc(z), t = 1/z = sqrt2/|x|
   Chebyshev pieces (coefficients from mpmath, see gencoef.py), selected per lane by blends. */
#include "gelu_coef.h"
INLINE double gelu_d(double xd) {
    const double SQRT2 = 1.4142135623730951, INV_SQRT2 = 0.7071067811865476;
    double a = fabs(xd);
    double ac = a > 15.2 ? 15.2 : a;
    double w = 0.5 * (ac * ac);                  /* exact: ac is a float32 value */
    int p0 = w <= 1.0, p1 = w <= 4.0, p2 = w <= 16.0;
    double t = SQRT2 / (p0 ? 1.0 : ac);
    double v = p0 ? w : t;
    double lo = p0 ? P0_LO : (p1 ? P1_LO : (p2 ? P2_LO : P3_LO));
    double hi = p0 ? P0_HI : (p1 ? P1_HI : (p2 ? P2_HI : P3_HI));
    double u = (2.0 * v - (lo + hi)) / (hi - lo);
    double u2 = 2.0 * u, b1 = 0.0, b2 = 0.0;
    _Pragma("GCC unroll 32")
    for (int j = GD; j >= 1; j--) {
        double c = p0 ? P0[j] : (p1 ? P1[j] : (p2 ? P2[j] : P3[j]));
        double b0 = fma(u2, b1, c - b2);
        b2 = b1; b1 = b0;
    }
    double c0 = p0 ? P0[0] : (p1 ? P1[0] : (p2 ? P2[0] : P3[0]));
    double val = fma(u, b1, c0 - b2);
    double small = fma(w * INV_SQRT2, val, 0.5 * xd);
    double E = exp_core(-w) * val * INV_SQRT2;
    double big = xd > 0 ? xd - E : (a > 15.2 ? -0.0 : -E);
    return p0 ? small : big;
}
EXPORT void gelu_f32(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = (float)gelu_d((double)x[i]);
}
EXPORT void gelu_f64(const double *restrict x, double *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = gelu_d(x[i]);
}

/* GELU variant 2: monomial Horner, coefficients gathered from MT[j][piece] */
INLINE double gelu2_d(double xd) {
    const double SQRT2 = 1.4142135623730951, INV_SQRT2 = 0.7071067811865476;
    double a = fabs(xd);
    double ac = a > 15.2 ? 15.2 : a;
    double w = 0.5 * (ac * ac);
    int p0 = w <= 1.0;
    long pid = p0 ? 0 : (w <= 4.0 ? 1 : (w <= 16.0 ? 2 : 3));
    double t = SQRT2 / (p0 ? 1.0 : ac);
    double v = p0 ? w : t;
    double lo = PLO[pid], hi = PHI[pid];
    double u = (2.0 * v - (lo + hi)) / (hi - lo);
    double val = MT[GD][pid];
    _Pragma("GCC unroll 32")
    for (int j = GD - 1; j >= 0; j--) val = fma(val, u, MT[j][pid]);
    double small = fma(w * INV_SQRT2, val, 0.5 * xd);
    double E = exp_core(-w) * val * INV_SQRT2;
    double big = xd > 0 ? xd - E : (a > 15.2 ? -0.0 : -E);
    return p0 ? small : big;
}
EXPORT void gelu2_f32(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = (float)gelu2_d((double)x[i]);
}

/* GELU variant 3: two polynomials, no per-lane coefficient selection.
   |x|<=sqrt2: Q0 in u=2w-1;  |x|>sqrt2: G(z) = z e^{z^2} erfc(z) as QG in s=(z-K)/(z+K), K=2.5 */
#include "gelu3_coef.h"
INLINE double gelu3_d(double xd) {
    const double INV_SQRT2 = 0.7071067811865476;
    double a = fabs(xd);
    double ac = a > 15.2 ? 15.2 : a;
    double w = 0.5 * (ac * ac);                 /* exact for float32 inputs */
    double s = (ac - GK) / (ac + GK);           /* = (z-K)/(z+K) */
    double u0 = fma(Q0_A, w, Q0_B), ug = fma(QG_A, s, QG_B);
    double v0 = Q0[D0], vg = QG[DG];
    _Pragma("GCC unroll 32")
    for (int j = D0 - 1; j >= 0; j--) v0 = fma(v0, u0, Q0[j]);
    _Pragma("GCC unroll 32")
    for (int j = DG - 1; j >= 0; j--) vg = fma(vg, ug, QG[j]);
    double small = fma(w * INV_SQRT2, v0, 0.5 * xd);
    double E = exp_core(-w) * vg * INV_SQRT2;
    double big = xd > 0 ? xd - E : (a > 15.2 ? -0.0 : -E);
    return w <= 1.0 ? (xd == 0.0 ? xd : small) : big;   /* keep sign of zero */
}
EXPORT void gelu3_f32(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = (float)gelu3_d((double)x[i]);
}

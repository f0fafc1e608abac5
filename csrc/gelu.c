/* GELU families: gelu (exact, x Phi(x)) and gelu_tanh (approximate="tanh").
 * Formulas as nonlin.catalog.smooth.GELU's wide forms (the cheap pieces: float64,
 * rounded once to float32); the polynomials are in gelu_coefficients.h, written by
 * tools/make_gelu_coefficients.py. */
#include "elementary.h"
#include "gelu_coefficients.h"

/* sum c[i] v**i by Horner's rule (the loop is unrolled: the coefficients become
 * constants). */
#define GELU_HORNER(c, degree, v, result)                                                \
    do {                                                                                 \
        double acc_ = (c)[degree];                                                       \
        _Pragma("GCC unroll 32")                                                         \
        for (int j_ = (degree) - 1; j_ >= 0; j_--) acc_ = nl_fma(acc_, (v), (c)[j_]);    \
        (result) = acc_;                                                                 \
    } while (0)

/* The array-API path's near-root series (smooth._near_root, float64) for z inside its
 * window start < z < stop: d q(z) with d = (z - hi) - lo and q the Chebyshev series in
 * s = (z - middle) 2/(stop - start) (Clenshaw), roundings as the path's. The constants
 * are the same float64 expressions as the Python's. */
#define GELU_ROOT_SERIES(NAME, z, result)                                                \
    do {                                                                                 \
        const double middle_ = 0.5 * (NAME##_START + NAME##_STOP);                       \
        const double scale_ = 2.0 / (NAME##_STOP - NAME##_START);                        \
        double s_ = ((z) - middle_) * scale_;                                            \
        double d_ = ((z) - NAME##_HI) - NAME##_LO;                                       \
        double first_ = 0.0, second_ = 0.0;                                              \
        _Pragma("GCC unroll 32")                                                         \
        for (int j_ = NAME##_DEGREE; j_ >= 1; j_--) {                                    \
            double next_ = (NAME[j_] + 2.0 * s_ * first_) - second_;                     \
            second_ = first_;                                                            \
            first_ = next_;                                                              \
        }                                                                                \
        (result) = d_ * ((NAME[0] + s_ * first_) - second_);                             \
    } while (0)

/* The series for every lane: `inside` is start < z < stop, and there `value` is the
 * series (elsewhere the series at the middle, unused); the caller selects it for the
 * plain bracket inside. */
#define GELU_NEAR_ROOT(NAME, z, inside, value)                                           \
    do {                                                                                 \
        (inside) = ((z) > NAME##_START) & ((z) < NAME##_STOP);                           \
        double zs_ = (inside) ? (z) : 0.5 * (NAME##_START + NAME##_STOP);                \
        GELU_ROOT_SERIES(NAME, zs_, value);                                              \
    } while (0)

/* The five loops of a family whose block function `block(const T *x, int n, double *f,
 * double *df, double *d2f, int want)` computes at most NL_BLOCK values at a time (the
 * pieces that only some values need, for those alone), into float64 buffers rounded
 * into T: the block's own arrays never alias the caller's, and dy f' is formed from
 * the float64 f' as NL_LOOPS forms it. */
#define GELU_BLOCK_LOOPS(name, block, T, suffix)                                         \
    static void name##_f_##suffix(const void *xv, void *yv, ptrdiff_t n,                 \
                                  const nl_params *pp) {                                 \
        (void)pp;                                                                        \
        const T *x = xv; T *y = yv;                                                      \
        double r0[NL_BLOCK];                                                             \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            int m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                                 \
            block(x + s, m, r0, NULL, NULL, NL_F);                                       \
            for (int i = 0; i < m; i++) y[s + i] = (T)r0[i];                             \
        }                                                                                \
    }                                                                                    \
    static void name##_df_##suffix(const void *xv, void *yv, ptrdiff_t n,                \
                                   const nl_params *pp) {                                \
        (void)pp;                                                                        \
        const T *x = xv; T *y = yv;                                                      \
        double r1[NL_BLOCK];                                                             \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            int m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                                 \
            block(x + s, m, NULL, r1, NULL, NL_DF);                                      \
            for (int i = 0; i < m; i++) y[s + i] = (T)r1[i];                             \
        }                                                                                \
    }                                                                                    \
    static void name##_d2f_##suffix(const void *xv, void *yv, ptrdiff_t n,               \
                                    const nl_params *pp) {                               \
        (void)pp;                                                                        \
        const T *x = xv; T *y = yv;                                                      \
        double r2[NL_BLOCK];                                                             \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            int m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                                 \
            block(x + s, m, NULL, NULL, r2, NL_D2F);                                     \
            for (int i = 0; i < m; i++) y[s + i] = (T)r2[i];                             \
        }                                                                                \
    }                                                                                    \
    static void name##_derivatives_##suffix(const void *xv, void *fv, void *dfv,         \
                                            void *d2fv, ptrdiff_t n,                     \
                                            const nl_params *pp) {                       \
        (void)pp;                                                                        \
        const T *x = xv; T *yf = fv, *y1 = dfv, *y2 = d2fv;                              \
        double r0[NL_BLOCK], r1[NL_BLOCK], r2[NL_BLOCK];                                 \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            int m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                                 \
            block(x + s, m, r0, r1, r2, NL_F | NL_DF | NL_D2F);                          \
            for (int i = 0; i < m; i++) {                                                \
                yf[s + i] = (T)r0[i]; y1[s + i] = (T)r1[i]; y2[s + i] = (T)r2[i];        \
            }                                                                            \
        }                                                                                \
    }                                                                                    \
    static void name##_vjp_##suffix(const void *xv, const void *dyv, void *yv,           \
                                    ptrdiff_t n, const nl_params *pp) {                  \
        (void)pp;                                                                        \
        const T *x = xv, *dy = dyv; T *y = yv;                                           \
        double r1[NL_BLOCK];                                                             \
        for (ptrdiff_t s = 0; s < n; s += NL_BLOCK) {                                    \
            int m = n - s < NL_BLOCK ? n - s : NL_BLOCK;                                 \
            block(x + s, m, NULL, r1, NULL, NL_DF);                                      \
            for (int i = 0; i < m; i++) y[s + i] = (T)((double)dy[s + i] * r1[i]);       \
        }                                                                                \
    }

/* ------------------------------------------------------------------ exact GELU
 *
 * f = x Phi(x), f' = Phi(x) + x phi(x), f'' = phi(x) (2 - x^2), with phi(x) = k m,
 * k = 1/sqrt(2 pi), m = exp(-x^2/2) (x^2 exact: x is a float32 value), and
 * t = |x|/sqrt 2. Like the array-API path, Phi never comes from 1 - Phi: with
 * e = erfc(t) = 2 Phi(-|x|),
 *   x < 0:  f = -(|x|/2) e,  f' = e/2 - |x| k m  (= m (erfcx(t)/2 - |x| k)),
 *   x >= 0: f = x (2 - e)/2, f' = (2 - e)/2 + x k m,
 * and 2 - e = 1 + erf(t) for t < 1 (SciPy's erfc(-t) there). erf(t) for t < 1 and
 * erfcx(t) for t >= 1 are our polynomials (gelu_coefficients.h), e = 1 - erf(t) or
 * erfcx(t) m; for t >= 1 on the negative side the path's own order of products,
 * -((|x|/2) erfcx) m and m (erfcx/2 - |x| k). f' has a root near -0.75, where its two
 * terms cancel: on the path's window (-2.63, -0.13) it is m times the path's fitted
 * series in x - root. The path's erfcx is SciPy's (7 ulp of float64 at worst), ours
 * is within 3: the two round to the same float32 but where a result falls within a few
 * float64 ulp of a float32 rounding boundary.
 *
 * Like the path, x is clamped to [-40, 40] (xw) for m and x^2: from |x| = 38.6 on m is
 * 0 in float64 (and so f' -0.0 on the left, and dy f' a NaN for an infinite dy), and
 * the core's range ends at -708, below which every product of m rounds to a float32
 * zero of the same sign. The polynomials see x clamped to [-20, 20] (xc): beyond, f
 * and f'' are float32 zeros and |f'| < 1e-84, so that even the largest float32
 * cotangent times it (the vjp) is a zero of the same sign.
 *
 * The loops run a block at a time (gelu_block, GELU_BLOCK_LOOPS): f' takes the
 * near-root series from a list of the block's values on its window, and the point
 * function everything else, for every lane. */
NL_INLINE void gelu_point(double x, double fitted, double *f, double *df, double *d2f,
                          int want) {
    const double SQRT_HALF = 0.7071067811865476;
    const double K_HI = 0.3989422804014327, K_LO = -2.49232720227773e-17; /* 1/sqrt(2pi) */
    double xw = nl_above(nl_below(x, 40.0), -40.0); /* NaN stays NaN */
    double square = xw * xw;
    double y = -0.5 * square;
    double m = nl_exp(nl_above(y, -708.0));
    m = y < -NL_EXP_UNDERFLOW ? 0.0 : m;
    double xc = nl_above(nl_below(x, 20.0), -20.0);
    double ax = fabs(xc);
    double t = ax * SQRT_HALF; /* rounded as the path's |x| * (1/sqrt 2) */
    int near = t < 1.0;

    /* erf(t) = t P(t^2) for t < 1 (clamped into range elsewhere, value unused) */
    double tn = near ? t : 0.0;
    double poly;
    GELU_HORNER(GELU_ERF, GELU_ERF_DEGREE, tn * tn, poly);
    double erf_t = tn * poly;
    /* erfcx(t) = h(s)/(t + K) for t >= 1 (NaN goes through here) */
    double tf = near ? 1.0 : t;
    double s = (tf - GELU_ERFCX_K) / (tf + GELU_ERFCX_K);
    double h;
    GELU_HORNER(GELU_ERFCX, GELU_ERFCX_DEGREE, s, h);
    double q = h / (tf + GELU_ERFCX_K);

    double e = near ? 1.0 - erf_t : q * m;          /* erfc(t) = 2 Phi(-|x|) */
    double two_phi = near ? 1.0 + erf_t : 2.0 - e;  /* erfc(-t) = 2 Phi(|x|) */
    double half_ax = 0.5 * ax;
    int right = x >= 0; /* NaN: the left formulas, which give NaN */

    if (want & NL_F) {
        /* x itself on the right (the path's max(x, 0) keeps -0.0 and inf) */
        double left = near ? -half_ax * e : -(half_ax * q) * m;
        *f = right ? x * (0.5 * two_phi) : left;
    }
    if (want & NL_DF) {
        double akm = (ax * K_HI) * m;
        double plain = near ? 0.5 * e - akm : m * (0.5 * q - ax * K_HI);
        int inside = (x > GELU_ROOT_START) & (x < GELU_ROOT_STOP);
        *df = right ? 0.5 * two_phi + (xw * K_HI) * m : (inside ? m * fitted : plain);
    }
    if (want & NL_D2F) {
        *d2f = (m * K_HI + m * K_LO) * (2.0 - square);
    }
}

/* One block of at most NL_BLOCK float32 values into float64 results: f' takes the
 * near-root series (GELU_NEAR_ROOT's operations) on its window alone, computed for a
 * list of those values first (a third of normal samples, where it was half of f''s
 * cost for every lane). */
NL_INLINE void gelu_block(const float *x, int n, double *f, double *df, double *d2f,
                          int want) {
    double fitted[NL_BLOCK], root_in[NL_BLOCK], out[NL_BLOCK];
    int root_at[NL_BLOCK], root = 0;
    if (want & NL_DF) {
        for (int i = 0; i < n; i++) {
            double xi = x[i];
            fitted[i] = 0.0;
            root_at[root] = i, root_in[root] = xi;
            root += (xi > GELU_ROOT_START) & (xi < GELU_ROOT_STOP);
        }
        for (int j = 0; j < root; j++) GELU_ROOT_SERIES(GELU_ROOT, root_in[j], out[j]);
        for (int j = 0; j < root; j++) fitted[root_at[j]] = out[j];
    }
    for (int i = 0; i < n; i++) {
        double r0, r1, r2;
        gelu_point(x[i], (want & NL_DF) ? fitted[i] : 0.0, &r0, &r1, &r2, want);
        if (want & NL_F) f[i] = r0;
        if (want & NL_DF) df[i] = r1;
        if (want & NL_D2F) d2f[i] = r2;
    }
}
GELU_BLOCK_LOOPS(gelu, gelu_block, float, float32)

/* ------------------------------------------------------------------ exact GELU, float64
 *
 * The array-API path's exact forms (GELU._erf_pieces with cheap=False), operation for
 * operation, on pieces that are correctly rounded but for rare near-ties, so that the
 * results differ only where the path's pieces are not (its erfcx, 0.6 ulp below 6; its
 * erfc for x >= 0; glibc's exp in about 1e-3 of cases): then by 1-2 ulp on the test
 * grid, up to 3 on dense samples of [-40, 40], from the path's own chain of roundings.
 *   x^2 = square + err exactly, m = exp(-square/2) (1 - err/2), and where
 *   -square/2 < -600 the path takes exp(-square/2 + 64) and multiplies each finished
 *   result by e^-64 (GELU_DEEP_SCALE): we do the same, so that the same results are
 *   subnormal, and the same are zeros of the same sign;
 *   |x|/sqrt 2 = t + t_err (two_product), q = erfcx(t) + t_err erfcx'(t), erfcx below 6
 *   our polynomial (gelu_erfcx_near64, half an ulp), from 6 on nonlin.special's
 *   continued fraction with its corrected last division, bit for bit;
 *   x < 0:  f = -((|x|/2) q) m,  f' = m (q/2 - |x| k) (the path's near-root series on
 *           (-2.63, -0.13)),
 *   x >= 0: f = x (2 Phi(x))/2,  f' = 2 Phi(x)/2 + (x k) m,
 *   f'' = (m k_hi + m k_lo) ((2 - square) - err), k = 1/sqrt(2 pi) = k_hi + k_lo.
 * The path's 2 Phi(x) for x >= 0 is SciPy's erfc(-x/sqrt 2) (within an ulp); ours is
 * 2 Phi(x) of the exact x, rounded once from a pair: 1 + erf(t) (erf(t) = t P(t^2),
 * the first products and sums exact) for t < 1, 2 - erfcx(t) m for 1 <= t < 6
 * (erfc(t) < 2^-54 beyond, where 2 Phi rounds to 2).
 *
 * Each value needs one of the pieces erfcx below 6, erfcx from 6 on, 1 + erf(t) and
 * the near-root series (the first two for q, the third for 2 Phi where t < 1; f' on
 * the window takes the series for its bracket, and needs q only with f): gelu_block64
 * lists the block's values per piece, computes each piece for its list alone, and
 * finishes every value in one vectorised pass. */

/* exp(x) = hi + *lo for x in [-746, 0], to about 2^-64 relative: nl_exp_pairs' reduction,
 * with the first terms of expm1(r) = r + r^2 (1/2 + r (1/6 + r Q(r))) in double-double
 * (r^2 split exactly, 1/6 as a pair), so that hi + lo rounds as a correctly rounded exp
 * does but for ties closer than that (NumPy's exp is glibc's, correctly rounded but for
 * such cases): m must be NumPy's m, bit for bit, wherever it can be. Not merged into
 * elementary.h's nl_exp_pair (the same computation to 2^-66): with it 2-15 of 5M
 * float64 results per loop moved by 1-2 ulp, some where this pair gave the array-API
 * path's value, and the loops were 4-5% slower. */
NL_INLINE double gelu_exp_pair(double x, double *lo) {
    const double S6_HI = 0.16666666666666666, S6_LO = 9.2518585385429707e-18; /* 1/6 */
    int64_t k;
    double r_err, r = nl_reduce_pair(x, &k, &r_err);
    /* Q(r) = 1/24 + r/120 + ... + r^12/16! (double; the rest is below 2^-70) */
    double Q = 1.0 / 20922789888000.0;
    Q = nl_fma(Q, r, 1.0 / 1307674368000.0);
    Q = nl_fma(Q, r, 1.0 / 87178291200.0);
    Q = nl_fma(Q, r, 1.0 / 6227020800.0);
    Q = nl_fma(Q, r, 1.0 / 479001600);
    Q = nl_fma(Q, r, 1.0 / 39916800);
    Q = nl_fma(Q, r, 1.0 / 3628800);
    Q = nl_fma(Q, r, 1.0 / 362880);
    Q = nl_fma(Q, r, 1.0 / 40320);
    Q = nl_fma(Q, r, 1.0 / 5040);
    Q = nl_fma(Q, r, 1.0 / 720);
    Q = nl_fma(Q, r, 1.0 / 120);
    Q = nl_fma(Q, r, 1.0 / 24);
    double i_lo, i = nl_two_sum(S6_HI, r * Q, &i_lo); /* 1/6 + r Q */
    i_lo = i_lo + S6_LO;
    double a_lo, a = nl_two_product(r, i, &a_lo); /* r (1/6 + r Q) */
    a_lo = a_lo + r * i_lo;
    double h_lo, h = nl_two_sum(0.5, a, &h_lo); /* 1/2 + ... */
    h_lo = h_lo + a_lo;
    double sq_err, sq = nl_two_product(r, r, &sq_err);
    double b_lo, b = nl_two_product(sq, h, &b_lo); /* r^2 (1/2 + ...) */
    b_lo = b_lo + (sq * h_lo + sq_err * h);
    double p_err, p = nl_two_sum(r, b, &p_err); /* expm1(r) = p + p_err + b_lo */
    int64_t k1 = k >> 1;
    double s1 = nl_pow2(k1), s2 = nl_pow2(k - k1);
    double tail = (p_err + b_lo) + r_err * (1.0 + p);
    double hi = s1 + s1 * p; /* s1 p is exact, and |p| < 1 */
    *lo = (((s1 - hi) + s1 * p) + s1 * tail) * s2;
    return hi * s2;
}

/* erfcx(t) for 0 <= t < 6 (the caller passes 0 for a NaN or t >= 6), to about half an
 * ulp: h(v)/(t + 3), h = (t + 3) erfcx(t) a polynomial in v = s + 0.375,
 * s = (t - 3)/(t + 3) in [-1, 1/3] (gelu_coefficients.h). s is a pair (its division's
 * remainder exact), the last GELU_ERFCX64_PAIRS Horner steps are double-double, and the
 * quotient is corrected once. (The path's own erfcx there is a Taylor row per centre
 * 1/4 apart, within 0.6 ulp; a table row per element would be a gather, which this gcc
 * does not emit for the generic tuning.) */
NL_INLINE double gelu_erfcx_near64(double t) {
    const double *c = GELU_ERFCX64;
    double n_lo, n = nl_two_sum(t, -GELU_ERFCX64_K, &n_lo);
    double d_lo, d = nl_two_sum(t, GELU_ERFCX64_K, &d_lo);
    double s = n / d;
    double p_lo, p = nl_two_product(s, d, &p_lo);
    double s_lo = (((n - p) - p_lo) + (n_lo - s * d_lo)) / d;
    double v_lo, v = nl_two_sum(s, -GELU_ERFCX64_CENTRE, &v_lo);
    v_lo = v_lo + s_lo;
    const int first = 2 * GELU_ERFCX64_PAIRS; /* the plain coefficients start here */
    double r = c[first + GELU_ERFCX64_DEGREE - GELU_ERFCX64_PAIRS];
    _Pragma("GCC unroll 32")
    for (int k = GELU_ERFCX64_DEGREE - GELU_ERFCX64_PAIRS - 1; k >= 0; k--)
        r = nl_fma(r, v, c[first + k]);
    double r_lo = 0.0;
    _Pragma("GCC unroll 8")
    for (int k = GELU_ERFCX64_PAIRS - 1; k >= 0; k--) {
        double m_lo, m = nl_two_product(r, v, &m_lo);
        m_lo = m_lo + (r_lo * v + r * v_lo);
        double a_lo, a = nl_two_sum(c[2 * k], m, &a_lo);
        r_lo = a_lo + (m_lo + c[2 * k + 1]);
        r = a;
    }
    double q = r / d;
    double qd_lo, qd = nl_two_product(q, d, &qd_lo);
    double remainder = ((r - qd) - qd_lo) + (r_lo - q * d_lo);
    return q + remainder / d;
}

/* erfcx(u) for 6 <= u (below 2^500) as nonlin.special._erfcx_fraction: the continued
 * fraction 1/sqrt(pi) / (u + (1/2)/(u + 1/(u + (3/2)/(u + ...)))), 16 terms, and one
 * Newton step on the last division (its remainder exact). */
NL_INLINE double gelu_erfcx_fraction64(double u) {
    const double c = 0.5 * (2 * GELU_INV_SQRT_PI);
    double g = u;
    _Pragma("GCC unroll 16")
    for (int k = GELU_ERFCX_FRACTION_TERMS; k > 1; k--) g = u + (0.5 * k) / g;
    double w = 0.5 / g;
    double h = u + w;
    double h_low = w - (h - u); /* h + h_low = u + w exactly */
    double q = c / h;
    double p_low, p = nl_two_product(q, h, &p_low);
    double remainder = ((c - p) - p_low) + (GELU_INV_SQRT_PI_LOW - q * h_low);
    return q + remainder / h;
}

/* cond ? a : b for the float64 point functions. In the AVX2 + FMA build as bit
 * operations on a mask (-1 or 0): gcc 12 turns their `?:` into branches, threads them
 * through the loop and then cannot if-convert it (the tanh form's f'' loop and others);
 * masks leave no branch to thread. In the baseline build plain `?:`, which vectorises
 * there (the masks, 64-bit integer lanes, do not). Either way a NaN or a signed zero
 * goes through unchanged. */
#ifdef NL_V3
typedef int64_t gelu_cond;
NL_INLINE gelu_cond gelu_mask(int cond) { return -(int64_t)(cond != 0); }
NL_INLINE double gelu_pick(gelu_cond mask, double a, double b) {
    return nl_double((nl_bits(a) & mask) | (nl_bits(b) & ~mask));
}
#else
typedef int gelu_cond;
NL_INLINE gelu_cond gelu_mask(int cond) { return cond; }
NL_INLINE double gelu_pick(gelu_cond cond, double a, double b) { return cond ? a : b; }
#endif

/* The path's near-root series for float64 (GELU_NEAR_ROOT's operations): `plain`, or on
 * the window start < z < stop the series d q(z). The window is two picks, not a `&` of
 * comparisons (which the baseline build's vectoriser does not take). */
#define GELU_NEAR_ROOT64(NAME, z, plain, result)                                         \
    do {                                                                                 \
        const double middle_ = 0.5 * (NAME##_START + NAME##_STOP);                       \
        gelu_cond above_ = gelu_mask((z) > NAME##_START);                                \
        gelu_cond below_ = gelu_mask((z) < NAME##_STOP);                                 \
        double zs_ = gelu_pick(above_, gelu_pick(below_, (z), middle_), middle_);        \
        double fitted_;                                                                  \
        GELU_ROOT_SERIES(NAME, zs_, fitted_);                                            \
        (result) = gelu_pick(above_, gelu_pick(below_, fitted_, (plain)), (plain));      \
    } while (0)

/* 1 + erf(t) for 0 <= t < 1 (t + t_err = x/sqrt 2) as sum + (tail + t_err 2/sqrt(pi) m):
 * 1 + t (a0 + w (a1 + w R(w))), w = t^2, the first products and sums exact. */
NL_INLINE double gelu_erf_near64(double t, double *tail) {
    double w_err, w = nl_two_product(t, t, &w_err);
    double rest = GELU_ERF64[GELU_ERF64_DEGREE + 2];
    _Pragma("GCC unroll 16")
    for (int j = GELU_ERF64_DEGREE + 1; j >= 4; j--) rest = nl_fma(rest, w, GELU_ERF64[j]);
    double s_lo, s = nl_two_product(w, GELU_ERF64[2], &s_lo);
    s_lo = s_lo + ((w * GELU_ERF64[3] + w_err * GELU_ERF64[2]) + w * (w * rest));
    double p0_lo, p0 = nl_two_product(t, GELU_ERF64[0], &p0_lo);
    double p1_lo, p1 = nl_two_product(t, s, &p1_lo);
    double low = (p0_lo + p1_lo) + t * (GELU_ERF64[1] + s_lo);
    double one_lo, one = nl_two_sum(1.0, p0, &one_lo);
    double sum_lo, sum = nl_two_sum(one, p1, &sum_lo);
    *tail = (one_lo + sum_lo) + low;
    return sum;
}

/* One block of at most NL_BLOCK values: the pieces that only some values need are
 * computed for those alone. A first, scalar pass sorts each value into the lists of
 * the pieces it needs (the series or the continued fraction for erfcx, the erf series,
 * the near-root series; computing all four for every lane took some twenty divisions
 * a value), each list is then a vectorised loop of its own, its results put back by
 * index, and the last pass, vectorised, computes what every value needs and picks as
 * before: the same operations on each value, so the same bits, in 40-50% less time on
 * normal samples. A piece a value does not need stays 0 in its slot, never picked.
 * The first pass branches on nothing that depends on the data (its flags are ints
 * combined with & and |): a branch on the sign cost a third of the gain. */
NL_INLINE void gelu_block64(const double *x, int n, double *f, double *df, double *d2f,
                            int want) {
    const double K = GELU_INV_SQRT_2PI_HI;
    double q0[NL_BLOCK], erf_sum[NL_BLOCK], erf_tail[NL_BLOCK], fitted[NL_BLOCK];
    int series_at[NL_BLOCK], fraction_at[NL_BLOCK], erf_at[NL_BLOCK], root_at[NL_BLOCK];
    double series_in[NL_BLOCK], fraction_in[NL_BLOCK], erf_in[NL_BLOCK], root_in[NL_BLOCK];
    double out[NL_BLOCK], out_tail[NL_BLOCK];
    int series = 0, fraction = 0, erf = 0, root = 0;
    if (want & (NL_F | NL_DF)) {
        for (int i = 0; i < n; i++) {
            double xi = x[i];
            q0[i] = erf_sum[i] = erf_tail[i] = fitted[i] = 0.0;
            double xc = xi > 40.0 ? 40.0 : xi;
            xc = xc < -40.0 ? -40.0 : xc;
            double t = fabs(xc) * GELU_SQRT_HALF_HI; /* as the last pass's t */
            int right = xi >= 0, near = t < GELU_ERFCX_SERIES_END, unit = t < 1.0;
            /* f' on the left takes the series, not q, inside the window */
            int window = (want & NL_DF) ? (xi > GELU_ROOT_START) & (xi < GELU_ROOT_STOP) : 0;
            /* q on the left (f, and f' outside the window); q0 for 2 Phi where
             * 1 <= t < 6 on the right (2 Phi is 2 beyond, 1 + erf(t) below) */
            int wants_q = (right & (!unit) & near) | ((!right) & (((want & NL_F) != 0) | !window));
            series_at[series] = i, series_in[series] = t, series += wants_q & near;
            fraction_at[fraction] = i, fraction_in[fraction] = t,
                fraction += wants_q & !near;
            erf_at[erf] = i, erf_in[erf] = t, erf += right & unit;
            root_at[root] = i, root_in[root] = xi, root += (!right) & window;
        }
        for (int j = 0; j < series; j++) out[j] = gelu_erfcx_near64(series_in[j]);
        for (int j = 0; j < series; j++) q0[series_at[j]] = out[j];
        for (int j = 0; j < fraction; j++) out[j] = gelu_erfcx_fraction64(fraction_in[j]);
        for (int j = 0; j < fraction; j++) q0[fraction_at[j]] = out[j];
        for (int j = 0; j < erf; j++) out[j] = gelu_erf_near64(erf_in[j], &out_tail[j]);
        for (int j = 0; j < erf; j++) erf_sum[erf_at[j]] = out[j], erf_tail[erf_at[j]] = out_tail[j];
        if (want & NL_DF) {
            for (int j = 0; j < root; j++) GELU_ROOT_SERIES(GELU_ROOT, root_in[j], out[j]);
            for (int j = 0; j < root; j++) fitted[root_at[j]] = out[j];
        }
    }

    for (int i = 0; i < n; i++) {
        double xi = x[i];
        double xc = gelu_pick(gelu_mask(xi > 40.0), 40.0, xi); /* NaN stays NaN */
        xc = gelu_pick(gelu_mask(xc < -40.0), -40.0, xc);
        double ax = fabs(xc);
        double err, square = nl_two_product(xc, xc, &err);
        double y = -0.5 * square;
        gelu_cond deep = gelu_mask(y < -600.0);
        double e_lo, e_hi = gelu_exp_pair(gelu_pick(deep, y + 64.0, y), &e_lo);
        double m = e_hi + e_lo;
        m = m - m * (0.5 * err);
        double scale = gelu_pick(deep, GELU_DEEP_SCALE, 1.0);

        /* q = erfcx(|x|/sqrt 2), as the path's */
        double t_err, t = nl_two_product(ax, GELU_SQRT_HALF_HI, &t_err);
        t_err = t_err + ax * GELU_SQRT_HALF_LO;
        gelu_cond near = gelu_mask(t < GELU_ERFCX_SERIES_END);
        double q_fix = t_err * ((2.0 * t) * q0[i] - GELU_TWO_OVER_SQRT_PI);
        double q = q0[i] + q_fix;
        gelu_cond right = gelu_mask(xi >= 0); /* NaN: the left formulas, which give NaN */

        /* 2 Phi(x) for x >= 0 (t + t_err = x/sqrt 2) */
        double phi = 2.0;
        if (want & (NL_F | NL_DF)) {
            gelu_cond unit = gelu_mask(t < 1.0);
            double phi_near = erf_sum[i] + (erf_tail[i] + t_err * (GELU_TWO_OVER_SQRT_PI * m));
            /* 1 <= t < 6: 2 - erfcx(t) exp(-x^2/2), the product as a pair (m not deep) */
            double c_lo, c = nl_two_product(q0[i], e_hi, &c_lo);
            c_lo = c_lo + (q0[i] * (e_lo - e_hi * (0.5 * err)) + q_fix * e_hi);
            double two_lo, two = nl_two_sum(2.0, -c, &two_lo);
            double phi_far = two + (two_lo - c_lo);
            phi = gelu_pick(unit, phi_near, gelu_pick(near, phi_far, 2.0));
        }

        if (want & NL_F) {
            double left = (-((0.5 * ax) * q) * m) * scale;
            f[i] = gelu_pick(right, xi * (0.5 * phi), left);
        }
        if (want & NL_DF) {
            gelu_cond above = gelu_mask(xi > GELU_ROOT_START);
            gelu_cond below = gelu_mask(xi < GELU_ROOT_STOP);
            double plain = 0.5 * q - ax * K;
            double bracket = gelu_pick(above, gelu_pick(below, fitted[i], plain), plain);
            double left = (m * bracket) * scale;
            df[i] = gelu_pick(right, 0.5 * phi + (xc * K) * (m * scale), left);
        }
        if (want & NL_D2F) {
            double value = (m * GELU_INV_SQRT_2PI_HI + m * GELU_INV_SQRT_2PI_LO) * ((2.0 - square) - err);
            d2f[i] = value * scale;
        }
    }
}

GELU_BLOCK_LOOPS(gelu, gelu_block64, double, float64)

/* ------------------------------------------------------------------ tanh form
 *
 * f = x sigma(v), v = x (A + B x^2), A = 2 sqrt(2/pi), B = 0.044715 A;
 * f' = sigma(v) (1 + x v' sigma(-v)), f'' = sigma(v) sigma(-v) (2v' + x v'' - x v'^2
 * tanh(v/2)). With m = exp(-|v|) (never overflows) and r = 1/(1 + m):
 *   f  = x r (x >= 0),  x m r (x < 0);
 *   f' = (1 + m (1 + x v')) r^2 (x >= 0),  m ((1 + x v') + m) r^2 (x < 0), the bracket
 *        replaced by the path's fitted series near its root -0.75;
 *   f'' = m ((T - P) + 2 P m r) r^2, T = 2A + 12B x^2, P = |x v'| v', the bracket
 *        replaced by the path's series near its root 1.42 (in |x|).
 * x v' = v + 2 B x^3. All as the path's cheap pieces, product for product. Beyond
 * |x| = 30 (the path's clamp) |v| > 1900. Where exp(-|v|) is 0 in float64 so is m (a
 * zero f' times an infinite cotangent is a NaN); the exp core takes -708 at least, and
 * between there and 0 every result built from m is a float32 zero of the path's sign
 * (or 1 + m = 1), even times the largest cotangent. */
NL_INLINE void gelu_tanh_point(double x, const nl_params *P, double *f, double *df,
                               double *d2f, int want) {
    (void)P;
    const double A = 1.5957691216057308, B = 0.07135481627260025;
    double xc = nl_above(nl_below(x, 30.0), -30.0); /* NaN stays NaN */
    double p2 = xc * xc;
    double cube = (B * xc) * p2;
    double v = A * xc + cube;
    double neg = v >= 0 ? -v : v;
    double m = nl_exp(nl_above(neg, -708.0));
    m = neg < -NL_EXP_UNDERFLOW ? 0.0 : m;
    double big = 1.0 / (1.0 + m);
    double dv = A + (3.0 * B) * p2;
    double xdv = v + 2.0 * cube;
    int right = x >= 0;

    if (want & NL_F) {
        *f = right ? x * big : (xc * m) * big;
    }
    if (want & NL_DF) {
        double big2 = big * big;
        int inside;
        double fitted;
        GELU_NEAR_ROOT(GELU_TANH_ROOT, x, inside, fitted);
        double bracket = inside ? fitted : (1.0 + xdv) + m;
        *df = right ? (1.0 + m * (1.0 + xc * dv)) * big2 : (m * bracket) * big2;
    }
    if (want & NL_D2F) {
        double big2 = big * big;
        double axdv = xc < 0 ? -xdv : xdv;
        double big_p = axdv * dv;
        double head = (2.0 * A + (12.0 * B) * p2) - big_p;
        double a = fabs(x); /* |xc| where it matters: the window is inside the clamp */
        int inside;
        double fitted;
        GELU_NEAR_ROOT(GELU_TANH_ROOT2, a, inside, fitted);
        double bracket = inside ? fitted : head + ((2.0 * big_p) * m) * big;
        *d2f = (m * bracket) * big2;
    }
}
NL_LOOPS_FLOAT32(gelu_tanh)

/* ------------------------------------------------------------------ tanh form, float64
 *
 * The array-API path's exact forms (GELU._tanh_pieces with cheap=False), operation for
 * operation; only exp's last bit can differ (see the exact form above), which the
 * path's chain of roundings (1 + m, its reciprocal and correction, big^2) turns into
 * up to 2 ulp on the test grid and 4 on dense samples near -0.3 and -0.8:
 *   v = x (A + B x^2) = v + v_lo in double-double (x^2 and x^3 split exactly),
 *   m = exp(-|v|) (1 -+ v_lo) (exp(-|v| + 64) where -|v| < -600, each result then
 *   multiplied by e^-64, as the path does), 1/(1 + m) = big (1 + fix) (_reciprocal),
 *   x v' = v + 2 B x^3 = xdv + xdv_err;
 *   f  = x big (1 + fix) (x >= 0),  (x m) big (1 + fix) (x < 0);
 *   f' = (1 + m (1 + x v')) big2 (x >= 0),  (m ((1 + xdv) + xdv_err + m)) big2 (x < 0),
 *        big2 = big^2 (1 + 2 fix), the bracket the path's series near its root;
 *   f'' = (m (head + 2 P m big (1 + fix))) big2, head = T - P in double-double
 *        (T = 2A + 12 B x^2, P = |x v'| v'), the path's series near the root of the
 *        bracket (in |x|).
 * x is clamped to [-30, 30] (|v| > 1900 beyond: m is 0); exp's argument to -746, where
 * it is 0 as below. */
NL_INLINE void gelu_tanh_point64(double x, const nl_params *P, double *f, double *df,
                                 double *d2f, int want) {
    (void)P;
    const double A_HI = GELU_TANH_A_HI, A_LO = GELU_TANH_A_LO;
    const double B_HI = GELU_TANH_B_HI, B_LO = GELU_TANH_B_LO;
    double xc = gelu_pick(gelu_mask(x > 30.0), 30.0, x); /* NaN stays NaN */
    xc = gelu_pick(gelu_mask(xc < -30.0), -30.0, xc);
    /* v in double-double */
    double e2, p2 = nl_two_product(xc, xc, &e2);
    double e3, p3 = nl_two_product(xc, p2, &e3);
    double cube_lo = e3 + xc * e2;
    double qe, q = nl_two_product(B_HI, p3, &qe);
    double q_lo = qe + (B_HI * cube_lo + B_LO * p3);
    double re, r = nl_two_product(A_HI, xc, &re);
    double r_lo = re + A_LO * xc;
    double se, s = nl_two_sum(r, q, &se);
    double lo = se + (r_lo + q_lo);
    double v = s + lo;
    double v_lo = lo - (v - s);
    gelu_cond positive = gelu_mask(v >= 0);
    double y = gelu_pick(positive, -v, v);
    gelu_cond deep = gelu_mask(y < -600.0);
    double arg = gelu_pick(deep, y + 64.0, y);
    arg = gelu_pick(gelu_mask(arg < -746.0), -746.0, arg); /* exp is 0 there, as beyond */
    double m_lo, m = gelu_exp_pair(arg, &m_lo);
    m = m + m_lo;
    m = m - m * gelu_pick(positive, v_lo, -v_lo);
    double scale = gelu_pick(deep, GELU_DEEP_SCALE, 1.0);
    /* 1/(1 + m) = big (1 + fix) */
    double u_err, u = nl_two_sum(1.0, m, &u_err);
    double big = 1.0 / u;
    double pp_err, pp = nl_two_product(u, big, &pp_err);
    double fix = ((1.0 - pp) - pp_err) - u_err * big;
    double dv = A_HI + (3.0 * B_HI) * p2;
    double xdv_err, xdv = nl_two_sum(v, 2.0 * q, &xdv_err);
    xdv_err = xdv_err + (v_lo + 2.0 * q_lo);
    gelu_cond right = gelu_mask(x >= 0); /* NaN: the left formulas, which give NaN */
    double big2 = big * big;
    big2 = big2 + big2 * (2.0 * fix);

    if (want & NL_F) {
        double bigc = big + big * fix;
        *f = gelu_pick(right, x * bigc, ((xc * m) * bigc) * scale);
    }
    if (want & NL_DF) {
        double bracket;
        GELU_NEAR_ROOT64(GELU_TANH_ROOT, x, ((1.0 + xdv) + xdv_err) + m, bracket);
        double left = ((m * bracket) * big2) * scale;
        *df = gelu_pick(right, (1.0 + m * (1.0 + xc * dv)) * big2, left);
    }
    if (want & NL_D2F) {
        gelu_cond negative = gelu_mask(xc < 0);
        double axdv = gelu_pick(negative, -xdv, xdv);
        double axdv_err = gelu_pick(negative, -xdv_err, xdv_err);
        double t_err, t = nl_two_product(GELU_TANH_3B_HI, p2, &t_err);
        t_err = t_err + (GELU_TANH_3B_HI * e2 + GELU_TANH_3B_LO * p2);
        double dv_err, dv2 = nl_two_sum(A_HI, t, &dv_err);
        dv_err = dv_err + (t_err + A_LO);
        double bp_err, bp = nl_two_product(axdv, dv2, &bp_err);
        bp_err = bp_err + (axdv * dv_err + axdv_err * dv2);
        double bt_err, bt = nl_two_sum(2.0 * A_HI, 4.0 * t, &bt_err);
        bt_err = bt_err + (4.0 * t_err + 2.0 * A_LO);
        double head_err, head = nl_two_sum(bt, -bp, &head_err);
        head_err = head_err + (bt_err - bp_err);
        head = head + head_err;
        double plain = head + ((2.0 * bp) * m) * (big + big * fix);
        double a = fabs(xc);
        double bracket;
        GELU_NEAR_ROOT64(GELU_TANH_ROOT2, a, plain, bracket);
        *d2f = ((m * bracket) * big2) * scale;
    }
}
NL_LOOPS_FLOAT64(gelu_tanh)

const nl_family nl_gelu_families[] = {
    {"gelu", 0, NL_FLOAT32(gelu), NL_FLOAT64(gelu)},
    {"gelu_tanh", 0, NL_FLOAT32(gelu_tanh), NL_FLOAT64(gelu_tanh)},
    {NULL, 0, NL_NONE, NL_NONE},
};

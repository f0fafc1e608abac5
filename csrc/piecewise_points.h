/* The piecewise-linear activations that are exact in any precision (the ones
 * nonlin.catalog.rectifiers marks native_precision): comparisons, selections and one
 * product by a parameter. csrc/piecewise.c includes this file twice, with W float
 * (float32 arrays whose parameters float32 holds exactly: the Python path computes
 * those in float32 itself) and W double (float64 arrays, and float32 arrays with
 * other parameters, computed in float64 and rounded once). NL_POINT(name) names the
 * point function of this W.
 *
 * Each selection is written as NumPy evaluates the Python formula on this CPU:
 * maximum(a, b) and minimum(a, b) give b where a and b compare equal (so the sign of
 * a zero comes from b) and NaN where either is NaN; a comparison with NaN is false, so
 * a NaN x falls into whichever branch returns x. Where the formula ends in
 * `_keep_nan` the last selection gives x back for NaN.
 */

/* f'' of every function here: 0, or NaN where x is NaN (minimum(|x|, 0)). */
NL_INLINE W NL_POINT(flat)(W x) { return x == x ? (W)0 : x; }

/* ------------------------------------------------------------------------- relu
 * f = max(x, 0) + 0 (so f(-0) = +0); f' = 1 | 0 (0 at the kink). */
NL_INLINE void NL_POINT(relu)(W x, const nl_params *P, W *f, W *df, W *d2f, int want) {
    (void)P; (void)want;
    *f = x <= 0 ? (W)0 : x;
    *df = x <= 0 ? (W)0 : (x > 0 ? (W)1 : x);
    *d2f = NL_POINT(flat)(x);
}

/* ------------------------------------------------------------------------- leaky_relu
 * For a slope 0 < a <= 1: f = max(x, a x); f' = 1 | a (a at the kink: the smaller). */
NL_INLINE void NL_POINT(leaky_relu)(W x, const nl_params *P, W *f, W *df, W *d2f,
                                    int want) {
    (void)want;
    W a = (W)P->p[0];
    W p = a * x;
    *f = x > p ? x : p;
    *df = x <= 0 ? a : (x > 0 ? (W)1 : x);
    *d2f = NL_POINT(flat)(x);
}

/* For a slope a > 1: f = x | a min(x, 0) (the product of a positive x is never formed,
 * so it cannot overflow); f' = 1 | a, 1 at the kink (the smaller). */
NL_INLINE void NL_POINT(leaky_relu_steep)(W x, const nl_params *P, W *f, W *df, W *d2f,
                                          int want) {
    (void)want;
    W a = (W)P->p[0];
    W below = x >= 0 ? (W)0 : x; /* minimum(x, 0): +0 for -0, NaN for NaN */
    *f = x > 0 ? x : a * below;
    *df = x >= 0 ? (W)1 : (x < 0 ? a : x);
    *d2f = NL_POINT(flat)(x);
}

/* ------------------------------------------------------------------------- relu
 * Keras's relu with every parameter (slope a >= 0, ceiling m > t, threshold t >= 0):
 * f = min(x, m) for x > t, a (x - t) for x <= t (ReLU._below keeps x - t from
 * overflowing); f' = 0 (x >= m) | 1 | a, at t the smaller of 1 and a. */
NL_INLINE void NL_POINT(relu_general)(W x, const nl_params *P, W *f, W *df, W *d2f,
                                      int want) {
    (void)want;
    W a = (W)P->p[0], m = (W)P->p[1], t = (W)P->p[2];
    /* minimum(x, t) where a > 1 (x > t is discarded): t where they are equal, so +0
     * for -0 (a NaN x takes the other branch) */
    W xb = a > 1 ? (x < t ? x : t) : x;
    W below = a == 0 ? (W)0
              : t == 0 ? a * xb
              : t < (W)0x1p960 ? a * (xb - t)
              : (a * ((W)0.5 * xb - (W)0.5 * t)) * (W)2;
    W above = x > m ? m : x;
    *f = x <= t ? below : above;
    W slope = a <= 1 ? (x > t ? (W)1 : a) : (x >= t ? (W)1 : a);
    W cap = m < (W)INFINITY ? m : (W)NAN; /* no ceiling: no x compares >= NaN */
    W d = x >= cap ? (W)0 : slope;
    *df = x == x ? d : x;
    *d2f = NL_POINT(flat)(x);
}

/* ------------------------------------------------------------------------- clip
 * clip, hard_tanh and relu6: f = min(max(x, lo), hi), + 0 where a bound is 0 (so that
 * -0 becomes the bound); f' = 1 inside (lo, hi), 0 outside and at a finite bound. An
 * infinite bound is no bound: clip(min_val=-inf).grad(-inf) is 1. */
NL_INLINE void NL_POINT(clip)(W x, const nl_params *P, W *f, W *df, W *d2f, int want) {
    (void)want;
    W lo = (W)P->p[0], hi = (W)P->p[1];
    W y = x > hi ? hi : x;
    y = y < lo ? lo : y;
    *f = (lo == 0 || hi == 0) ? y + (W)0 : y; /* y + 0 turns -0 into +0 */
    /* x <= NaN is false: an infinite bound never makes f' 0 */
    W lo_kink = lo > -(W)INFINITY ? lo : (W)NAN, hi_kink = hi < (W)INFINITY ? hi : (W)NAN;
    W d = x <= lo_kink ? (W)0 : (x >= hi_kink ? (W)0 : (W)1);
    *df = x == x ? d : x;
    *d2f = NL_POINT(flat)(x);
}

/* ------------------------------------------------------------------------- threshold
 * f = x (x > t) | v; f' = 1 | 0. */
NL_INLINE void NL_POINT(threshold)(W x, const nl_params *P, W *f, W *df, W *d2f,
                                   int want) {
    (void)want;
    W t = (W)P->p[0], v = (W)P->p[1];
    *f = x <= t ? v : x;
    *df = x <= t ? (W)0 : (x > t ? (W)1 : x);
    *d2f = NL_POINT(flat)(x);
}

/* ------------------------------------------------------------------------- hard_shrink
 * For lambda > 0: f = x (|x| > lambda) | 0; f' = 1 | 0. */
NL_INLINE void NL_POINT(hard_shrink)(W x, const nl_params *P, W *f, W *df, W *d2f,
                                     int want) {
    (void)want;
    W lambda = (W)P->p[0];
    W size = x < 0 ? -x : x;
    *f = size <= lambda ? (W)0 : x;
    *df = size <= lambda ? (W)0 : (size > lambda ? (W)1 : x);
    *d2f = NL_POINT(flat)(x);
}

/* ------------------------------------------------------------------------- linear
 * linear, and hard_shrink and soft_shrink with lambda = 0: f = x 1; f' = 1. */
NL_INLINE void NL_POINT(linear)(W x, const nl_params *P, W *f, W *df, W *d2f, int want) {
    (void)P; (void)want;
    *f = x * (W)1;
    *df = x == x ? (W)1 : x;
    *d2f = NL_POINT(flat)(x);
}

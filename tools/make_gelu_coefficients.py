"""Write csrc/gelu_coefficients.h: the polynomials of the compiled GELU loops.

The compiled exact GELU (csrc/gelu.c) needs erfcx and erf in float64, vectorisable: no
tables indexed per element, no libm calls. Two polynomials, fitted here at 150 bits:

* ``erfcx(t)`` for ``1 <= t <= 14.15`` (``sqrt 2 <= |x| <= 20``: beyond, f and f'' are
  float32 zeros, and f' is below 1e-84, so that even the largest float32 cotangent
  times it is a zero) as ``h(s) / (t + K)``, ``h`` a polynomial in
  ``s = (t - K)/(t + K)``. The map takes ``[0, inf)`` onto ``[-1, 1)``, and
  ``(t + K) erfcx(t)`` is smooth in ``s`` up to ``t = inf`` (it tends to
  ``1/sqrt(pi)``), so degree 20 reaches 1e-18 relative; with K = 2 the rounding of
  ``s`` and of the quotient shows least (within 2.5 ulp of float64 in all).
* ``erf(t)/t`` for ``t**2 = w <= 1`` as a polynomial in ``w`` (degree 13, 1 ulp).

The float64 loops need more (their results are float64, within 2 ulp of the array-API
path's exact forms): ``erf(t)/t`` to degree 15 with its first two coefficients as
hi + lo pairs, and ``erfcx(t)`` for ``0 <= t < 6`` as ``h(v)/(t + 3)``, ``h`` of degree
25 in ``v = s + 0.375``, ``s = (t - 3)/(t + 3)`` in ``[-1, 1/3]``, its first five
coefficients as pairs (the loops evaluate those Horner steps in double-double: half an
ulp in all); beyond 6 the loops run the path's own continued fraction, whose constants,
like the path's GELU constants, are copied here from nonlin.

Each is Chebyshev interpolation in mpmath, converted to monomials exactly and only
then rounded to float64. The header also takes the near-root series of f' (and of the
tanh form's f' and f'') from nonlin.catalog.smooth, so that the loops evaluate exactly
the series the array-API path does. The script prints the largest relative error of
the two rounded polynomials, evaluated in float64 (Horner without FMA), against mpmath::

    python tools/make_gelu_coefficients.py            # writes csrc/gelu_coefficients.h
    python tools/make_gelu_coefficients.py --check    # exit 1 if the header is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mpmath

HEADER = Path(__file__).resolve().parent.parent / "csrc" / "gelu_coefficients.h"

mpmath.mp.prec = 150
ERFCX_START = mpmath.mpf(1)
ERFCX_END = mpmath.mpf("14.15")
ERFCX_K = mpmath.mpf(2)
ERFCX_DEGREE = 20
ERF_DEGREE = 13
ERF64_DEGREE = 15


def chebyshev(f, lo, hi, degree):
    """Coefficients of the interpolant of f at the Chebyshev nodes of [lo, hi]."""
    n = degree + 1
    nodes = [mpmath.cos(mpmath.pi * (k + mpmath.mpf(1) / 2) / n) for k in range(n)]
    values = [f(lo + (u + 1) / 2 * (hi - lo)) for u in nodes]
    c = [
        2
        * mpmath.fsum(
            values[k] * mpmath.cos(j * mpmath.pi * (k + mpmath.mpf(1) / 2) / n) for k in range(n)
        )
        / n
        for j in range(n)
    ]
    c[0] /= 2
    return c


def monomials(c, lo, hi):
    """sum c_k T_k(u), u = (2v - (lo + hi))/(hi - lo), as sum a_i v**i, exactly."""
    t = [[mpmath.mpf(1)], [mpmath.mpf(0), mpmath.mpf(1)]]
    for k in range(2, len(c)):
        a = [mpmath.mpf(0)] + [2 * x for x in t[k - 1]]
        b = t[k - 2] + [mpmath.mpf(0)] * (len(a) - len(t[k - 2]))
        t.append([p - q for p, q in zip(a, b)])
    in_u = [mpmath.mpf(0)] * len(c)
    for k, ck in enumerate(c):
        for i, x in enumerate(t[k]):
            in_u[i] += ck * x
    scale, shift = 2 / (hi - lo), -(lo + hi) / (hi - lo)  # u = scale v + shift
    in_v = [mpmath.mpf(0)] * len(c)
    for i, a in enumerate(in_u):
        for j in range(i + 1):
            in_v[j] += a * mpmath.binomial(i, j) * scale**j * shift ** (i - j)
    return in_v


def erfcx(t):
    return mpmath.erfc(t) * mpmath.exp(t * t)


def erf_ratio(w):
    if w == 0:
        return 2 / mpmath.sqrt(mpmath.pi)
    r = mpmath.sqrt(w)
    return mpmath.erf(r) / r


def horner(coefficients, u):
    p = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        p = p * u + c
    return p


def fit():
    k = ERFCX_K
    s_lo = (ERFCX_START - k) / (ERFCX_START + k)
    s_hi = (ERFCX_END - k) / (ERFCX_END + k)

    def h(s):
        t = k * (1 + s) / (1 - s)
        return (t + k) * erfcx(t)

    erfcx_s = monomials(chebyshev(h, s_lo, s_hi, ERFCX_DEGREE), s_lo, s_hi)
    erf_w = monomials(chebyshev(erf_ratio, mpmath.mpf(0), mpmath.mpf(1), ERF_DEGREE), 0, 1)
    return [float(a) for a in erfcx_s], [float(a) for a in erf_w]


def fit64():
    """erf(t)/t for the float64 loops: degree 15 in w = t**2, the first two coefficients
    as hi + lo pairs (the rest are scaled by w**2 <= 1 and rounded plainly)."""
    c = monomials(chebyshev(erf_ratio, mpmath.mpf(0), mpmath.mpf(1), ERF64_DEGREE), 0, 1)
    pairs = []
    for a in c[:2]:
        hi = float(a)
        pairs += [hi, float(a - hi)]
    return pairs + [float(a) for a in c[2:]]


def worst_error64(coefficients):
    """Largest relative error of fit64's polynomial (exact arithmetic, rounded
    coefficients) against mpmath's erf on [0, 1]."""
    a0 = mpmath.mpf(coefficients[0]) + coefficients[1]
    a1 = mpmath.mpf(coefficients[2]) + coefficients[3]
    worst = mpmath.mpf(0)
    for i in range(1, 1001):
        t = mpmath.mpf(i) / 1000
        w = t * t
        rest = mpmath.mpf(0)
        for c in reversed(coefficients[4:]):
            rest = rest * w + c
        value = t * (a0 + w * (a1 + w * rest))
        worst = max(worst, abs(value / mpmath.erf(t) - 1))
    return float(worst)


ERFCX64_K = mpmath.mpf(3)
ERFCX64_END = mpmath.mpf(6)
ERFCX64_CENTRE = mpmath.mpf("-0.375")
ERFCX64_DEGREE = 25
ERFCX64_PAIRS = 5


def fit_erfcx64():
    """erfcx(t) for 0 <= t < 6 (the float64 loops; beyond, the path's continued
    fraction): (t + 3) erfcx(t) as a polynomial in v = s + 0.375, s = (t - 3)/(t + 3)
    in [-1, 1/3]; the first five coefficients as hi + lo pairs (the loops evaluate
    those steps in double-double, and s itself as a pair), the rest plainly."""
    k = ERFCX64_K
    s_lo, s_hi = mpmath.mpf(-1), (ERFCX64_END - k) / (ERFCX64_END + k)

    def h(s):
        t = k * (1 + s) / (1 - s)
        return (t + k) * erfcx(t)

    c = chebyshev(h, s_lo, s_hi, ERFCX64_DEGREE)
    mono = monomials(c, s_lo - ERFCX64_CENTRE, s_hi - ERFCX64_CENTRE)
    out = []
    for a in mono[:ERFCX64_PAIRS]:
        out += [float(a), float(a - float(a))]
    return out + [float(a) for a in mono[ERFCX64_PAIRS:]]


def worst_error_erfcx64(coefficients):
    """Largest relative error of fit_erfcx64's polynomial (exact arithmetic, rounded
    coefficients) against mpmath on [0, 6)."""
    k = ERFCX64_K
    pairs = [
        mpmath.mpf(coefficients[2 * i]) + coefficients[2 * i + 1] for i in range(ERFCX64_PAIRS)
    ]
    mono = pairs + [mpmath.mpf(c) for c in coefficients[2 * ERFCX64_PAIRS :]]
    worst = mpmath.mpf(0)
    for i in range(600):
        t = ERFCX64_END * i / 600
        v = (t - k) / (t + k) - ERFCX64_CENTRE
        value = horner(mono, v) / (t + k)
        worst = max(worst, abs(value / erfcx(t) - 1))
    return float(worst)


def path_constants():
    """The constants of the array-API path's exact GELU (nonlin.catalog.smooth) and of
    its erfcx beyond 6 (nonlin.special's continued fraction), which the float64 loops
    evaluate operation for operation."""
    import math

    from nonlin import special
    from nonlin.catalog import smooth

    return {
        "GELU_SQRT_HALF_HI": smooth._SQRT_HALF[0],
        "GELU_SQRT_HALF_LO": smooth._SQRT_HALF[1],
        "GELU_INV_SQRT_2PI_HI": smooth._INV_SQRT_2PI[0],
        "GELU_INV_SQRT_2PI_LO": smooth._INV_SQRT_2PI[1],
        "GELU_TWO_OVER_SQRT_PI": smooth._TWO_OVER_SQRT_PI,
        "GELU_INV_SQRT_PI": special._INV_SQRT_PI,
        "GELU_INV_SQRT_PI_LOW": special._INV_SQRT_PI_LOW,
        "GELU_ERFCX_SERIES_END": special._ERFCX_SERIES_END,
        "GELU_ERFCX_FRACTION_TERMS": special._ERFCX_FRACTION_TERMS[8],
        "GELU_TANH_A_HI": smooth._TANH_A[0],
        "GELU_TANH_A_LO": smooth._TANH_A[1],
        "GELU_TANH_B_HI": smooth._TANH_B[0],
        "GELU_TANH_B_LO": smooth._TANH_B[1],
        "GELU_TANH_3B_HI": smooth._TANH_3B[0],
        "GELU_TANH_3B_LO": smooth._TANH_3B[1],
        "GELU_DEEP_SCALE": math.exp(-64.0),  # smooth._exp_tail's scale (float64)
    }


def worst_errors(erfcx_coefficients, erf_coefficients):
    k = float(ERFCX_K)
    start, end = float(ERFCX_START), float(ERFCX_END)
    worst_erfcx = worst_erf = 0.0
    for i in range(2001):
        t = start + (end - start) * i / 2000
        value = horner(erfcx_coefficients, (t - k) / (t + k)) / (t + k)
        worst_erfcx = max(worst_erfcx, float(abs(value / erfcx(mpmath.mpf(t)) - 1)))
        t = i / 2000
        if t > 0:
            value = t * horner(erf_coefficients, t * t)
            worst_erf = max(worst_erf, float(abs(value / mpmath.erf(mpmath.mpf(t)) - 1)))
    return worst_erfcx, worst_erf


def roots():
    """The near-root series of nonlin's GELU (the array-API path's own numbers)."""
    from nonlin.catalog import smooth

    return {
        "GELU_ROOT": smooth._GELU_ROOT,
        "GELU_TANH_ROOT": smooth._GELU_TANH_ROOT,
        "GELU_TANH_ROOT2": smooth._GELU_TANH_ROOT2,
    }


def table(name, values):
    rows = ",\n".join(f"    {v!r}" for v in values)
    return f"static const double {name}[{len(values)}] = {{\n{rows},\n}};\n"


def render64(erf64, erfcx64) -> str:
    text = "\n/* float64 loops. */\n"
    for name, value in path_constants().items():
        text += f"#define {name} {value!r}\n"
    text += (
        f"#define GELU_ERFCX64_K {float(ERFCX64_K)!r}\n"
        f"#define GELU_ERFCX64_CENTRE {float(ERFCX64_CENTRE)!r}\n"
        f"#define GELU_ERFCX64_PAIRS {ERFCX64_PAIRS}\n"
        f"#define GELU_ERFCX64_DEGREE {ERFCX64_DEGREE}\n" + table("GELU_ERFCX64", erfcx64)
    )
    text += f"#define GELU_ERF64_DEGREE {ERF64_DEGREE}\n" + table("GELU_ERF64", erf64)
    return text


def render(erfcx_coefficients, erf_coefficients, erf64, erfcx64) -> str:
    text = (
        "/* Written by tools/make_gelu_coefficients.py (see there how): do not edit.\n"
        " * erfcx(t), 1 <= t <= 14.15: (sum GELU_ERFCX[i] s**i) / (t + GELU_ERFCX_K),\n"
        " * s = (t - GELU_ERFCX_K)/(t + GELU_ERFCX_K). erf(t) = t sum GELU_ERF[i] w**i,\n"
        " * w = t**2 <= 1. The near-root series are nonlin.catalog.smooth's: root\n"
        " * hi + lo, window (start, stop), Chebyshev coefficients. The float64 loops' erfcx\n"
        " * (t < 6) and erf and the path's constants follow at the end. */\n"
        "#ifndef NONLIN_GELU_COEFFICIENTS_H\n"
        "#define NONLIN_GELU_COEFFICIENTS_H\n\n"
        f"#define GELU_ERFCX_K {float(ERFCX_K)!r}\n"
        f"#define GELU_ERFCX_DEGREE {ERFCX_DEGREE}\n"
        + table("GELU_ERFCX", erfcx_coefficients)
        + f"#define GELU_ERF_DEGREE {ERF_DEGREE}\n"
        + table("GELU_ERF", erf_coefficients)
    )
    for name, root in roots().items():
        text += (
            f"\n#define {name}_HI {root.hi!r}\n"
            f"#define {name}_LO {root.lo!r}\n"
            f"#define {name}_START {root.start!r}\n"
            f"#define {name}_STOP {root.stop!r}\n"
            f"#define {name}_DEGREE {len(root.coefficients) - 1}\n" + table(name, root.coefficients)
        )
    return text + render64(erf64, erfcx64) + "\n#endif\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the header is stale")
    args = parser.parse_args()
    fitted = fit()
    erf64 = fit64()
    erfcx64 = fit_erfcx64()
    text = render(*fitted, erf64, erfcx64)
    errors = worst_errors(*fitted)
    print(f"largest relative error in float64: erfcx {errors[0]:.3g}, erf {errors[1]:.3g}")
    print(
        f"float64 loops' erf: {worst_error64(erf64):.3g}, erfcx below 6: "
        f"{worst_error_erfcx64(erfcx64):.3g} (exact evaluation)"
    )
    if args.check:
        stale = not HEADER.exists() or HEADER.read_text() != text
        print("stale" if stale else "up to date")
        return 1 if stale else 0
    HEADER.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

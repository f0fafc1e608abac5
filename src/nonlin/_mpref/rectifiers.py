"""mpmath references for the piecewise-linear family (relu ... affine).

Every piece is chosen by comparing ``x`` with the (exact) breakpoints, then evaluated in
mpmath, so nothing cancels: the breakpoints are the float parameters taken exactly, and
the slopes of ``hard_sigmoid`` (1/5) and ``hard_sigmoid_v3`` (1/6) are the exact
fractions. Points exactly at a kink are not used by the tables; the references there
follow the library's convention anyway (the one-sided limit of smaller magnitude).
"""

from __future__ import annotations

from mpmath import mpf

__all__ = ["EXTRA_POINTS", "REFERENCES"]

ZERO, ONE = mpf(0), mpf(1)


def _constant(value: object):  # type: ignore[no-untyped-def]
    c = mpf(value)
    return lambda x: c


def _relu(slope: float = 0.0, top: float = float("inf"), t: float = 0.0):  # type: ignore[no-untyped-def]
    a, m, th = mpf(slope), mpf(top), mpf(t)
    return (
        lambda x: m if x >= m else (x if x > th else a * (x - th)),
        lambda x: ZERO if x >= m else (ONE if x > th else (a if x < th else min(a, ONE))),
        _constant(0),
    )


def _leaky(slope: float):  # type: ignore[no-untyped-def]
    a = mpf(slope)
    return (
        lambda x: x if x > 0 else a * x,
        lambda x: ONE if x > 0 else (a if x < 0 else min(a, ONE)),
        _constant(0),
    )


def _clip(lo: float, hi: float):  # type: ignore[no-untyped-def]
    low, high = mpf(lo), mpf(hi)
    return (
        lambda x: min(max(x, low), high),
        lambda x: ONE if low < x < high else ZERO,
        _constant(0),
    )


def _threshold(t: float = 0.0, v: float = 0.0):  # type: ignore[no-untyped-def]
    th, value = mpf(t), mpf(v)
    return (
        lambda x: x if x > th else value,
        lambda x: ONE if x > th else ZERO,
        _constant(0),
    )


def _hard_shrink(lambd: float = 0.5):  # type: ignore[no-untyped-def]
    lam = mpf(lambd)
    return (
        lambda x: x if abs(x) > lam else ZERO,
        lambda x: ONE if abs(x) > lam else ZERO,
        _constant(0),
    )


def _soft_shrink(lambd: float = 0.5):  # type: ignore[no-untyped-def]
    lam = mpf(lambd)
    return (
        lambda x: x - lam if x > lam else (x + lam if x < -lam else ZERO),
        lambda x: ONE if abs(x) > lam else ZERO,
        _constant(0),
    )


def _ramp(half_width: object, slope: object):  # type: ignore[no-untyped-def]
    """``clip(slope * (x + half_width), 0, 1)``: the hard sigmoids (exact constants)."""
    w, s = mpf(half_width), mpf(slope)
    return (
        lambda x: ZERO if x <= -w else (ONE if x >= w else s * (x + w)),
        lambda x: s if -w < x < w else ZERO,
        _constant(0),
    )


def _hard_silu():  # type: ignore[no-untyped-def]
    three = mpf(3)
    return (
        lambda x: ZERO if x <= -three else (x if x >= three else x * (x + 3) / 6),
        lambda x: ZERO if x <= -three else (ONE if x >= three else (2 * x + 3) / 6),
        lambda x: mpf(1) / 3 if -three < x < three else ZERO,
    )


def _sparse_plus():  # type: ignore[no-untyped-def]
    return (
        lambda x: ZERO if x <= -1 else (x if x >= 1 else (x + 1) ** 2 / 4),
        lambda x: ZERO if x <= -1 else (ONE if x >= 1 else (x + 1) / 2),
        lambda x: mpf(1) / 2 if -1 < x < 1 else ZERO,
    )


def _affine(slope: float = 1.0, intercept: float = 0.0):  # type: ignore[no-untyped-def]
    a, b = mpf(slope), mpf(intercept)
    return (lambda x: a * x + b, _constant(slope), _constant(0))


REFERENCES = {
    "relu": _relu(),
    "relu(negative_slope=0.1, max_value=6.0, threshold=1.0)": _relu(0.1, 6.0, 1.0),
    "relu(negative_slope=2.5, max_value=1e+300)": _relu(2.5, 1e300),
    "relu(negative_slope=0.3, threshold=1e+300)": _relu(0.3, float("inf"), 1e300),
    "relu6": _clip(0.0, 6.0),
    "leaky_relu": _leaky(0.01),
    "leaky_relu(negative_slope=0.3333333333333333)": _leaky(1 / 3),
    "leaky_relu(negative_slope=3.0)": _leaky(3.0),
    # rrelu outside training is leaky_relu with the mean slope (lower + upper) / 2,
    # taken as the float the library computes.
    "rrelu": _leaky((0.125 + 1 / 3) / 2),
    "clip": _clip(0.0, 6.0),
    "clip(min_val=-inf, max_val=1.0)": _clip(float("-inf"), 1.0),
    "clip(min_val=-2.5, max_val=0.75)": _clip(-2.5, 0.75),
    "hard_tanh": _clip(-1.0, 1.0),
    "hard_tanh(min_val=-2.0, max_val=inf)": _clip(-2.0, float("inf")),
    "threshold": _threshold(),
    "threshold(threshold=1.0)": _threshold(1.0),
    "threshold(threshold=-0.5, value=2.0)": _threshold(-0.5, 2.0),
    "hard_shrink": _hard_shrink(),
    "hard_shrink(lambd=1.5)": _hard_shrink(1.5),
    "soft_shrink": _soft_shrink(),
    "soft_shrink(lambd=0.1)": _soft_shrink(0.1),
    "hard_sigmoid": _ramp(mpf(5) / 2, mpf(1) / 5),
    "hard_sigmoid_v3": _ramp(3, mpf(1) / 6),
    "sparse_sigmoid": _ramp(1, mpf(1) / 2),
    "hard_silu": _hard_silu(),
    "sparse_plus": _sparse_plus(),
    "linear": _affine(),
    "affine": _affine(),
    "affine(slope=0.3, intercept=1.0)": _affine(0.3, 1.0),
    "affine(slope=-2.5, intercept=0.1)": _affine(-2.5, 0.1),
}

# Neighbours of the kinks (the kinks themselves are skipped), roots and huge values.
_BIG = [8.99e307, 1.7976931348623157e308, -8.99e307, -1.7976931348623157e308]
EXTRA_POINTS = {
    "relu": [-5e-324, 5e-324, *_BIG],
    "relu(negative_slope=0.1, max_value=6.0, threshold=1.0)": [
        0.9999999999999999,
        1.0000000000000002,
        5.999999999999999,
        6.000000000000001,
        *_BIG,
    ],
    "relu(negative_slope=2.5, max_value=1e+300)": [-7.1e307, -7.2e307, *_BIG],
    "relu(negative_slope=0.3, threshold=1e+300)": [9.999999999999999e299, *_BIG],
    "leaky_relu(negative_slope=3.0)": [-5.9e307, -6.0e307, *_BIG],
    "hard_sigmoid": [-2.4999999999999996, -2.4999999999999, 2.4999999999999996, -2.5 + 1e-12],
    "hard_sigmoid_v3": [-2.9999999999999996, -2.999999999999, 2.9999999999999996, -3 + 1e-13],
    "sparse_sigmoid": [-0.9999999999999999, -0.999999999999, 0.9999999999999999],
    "hard_silu": [-2.9999999999999996, -1.5, -1.4999999999999998, -2.9999999, 2.9999999999999996],
    "sparse_plus": [-0.9999999999999999, -0.9999999, 0.9999999999999999],
    "soft_shrink": [0.5000000000000001, -0.5000000000000001, 0.50001],
    "soft_shrink(lambd=0.1)": [0.10000000000000002, -0.10000000000000002, 0.1000001],
    "affine(slope=0.3, intercept=1.0)": [-3.3333333333333335, -3.333333333333333, -3.3333334],
    "affine(slope=-2.5, intercept=0.1)": [0.04, 0.04000000000000001, 0.039999999999999994],
}

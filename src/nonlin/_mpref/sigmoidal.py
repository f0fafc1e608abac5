"""mpmath references for the sigmoidal family.

Written without cancellation at any precision: tails through ``e = exp(-|x|)``,
``x - tanh(x)`` at a working precision raised by the bits it cancels.
"""

from __future__ import annotations

from mpmath import exp, extraprec, log1p, mag, mpf, sech, sign, tanh

__all__ = ["EXTRA_POINTS", "REFERENCES"]


def _sigmoid(x):  # type: ignore[no-untyped-def]
    return 1 / (1 + exp(-x))


def _sigmoid_d1(x):  # type: ignore[no-untyped-def]
    e = exp(-abs(x))
    return e / (1 + e) ** 2


def _sigmoid_d2(x):  # type: ignore[no-untyped-def]
    return -_sigmoid_d1(x) * tanh(x / 2)  # 1 - 2 sigma(x) = -tanh(x/2)


def _scaled_tanh(scale_in: float, scale_out: float):  # type: ignore[no-untyped-def]
    a, b = mpf(scale_in), mpf(scale_out)
    return (
        lambda x: b * tanh(a * x),
        lambda x: a * b * sech(a * x) ** 2,
        lambda x: -2 * a * a * b * tanh(a * x) * sech(a * x) ** 2,
    )


def _tanh_shrink(x):  # type: ignore[no-untyped-def]
    if x == 0:
        return x
    # x - tanh(x) ~ x**3/3 cancels 2*|log2 x| bits (and all of them for |x| < 2**-precision).
    with extraprec(2 * max(0, -mag(x)) + 20):
        result = x - tanh(x)
    return +result


def _softsign(x):  # type: ignore[no-untyped-def]
    return x / (1 + abs(x))


REFERENCES = {
    "sigmoid": (_sigmoid, _sigmoid_d1, _sigmoid_d2),
    "tanh": (
        tanh,
        lambda x: sech(x) ** 2,
        lambda x: -2 * tanh(x) * sech(x) ** 2,
    ),
    "scaled_tanh": _scaled_tanh(1.0, 1.0),
    "scaled_tanh(scale_in=0.6666666666666666, scale_out=1.7159)": _scaled_tanh(
        0.6666666666666666, 1.7159
    ),
    "scaled_tanh(scale_in=-2.5, scale_out=0.1)": _scaled_tanh(-2.5, 0.1),
    "log_sigmoid": (
        lambda x: -log1p(exp(-x)),
        lambda x: _sigmoid(-x),
        lambda x: -_sigmoid_d1(x),
    ),
    "softsign": (
        _softsign,
        lambda x: 1 / (1 + abs(x)) ** 2,
        lambda x: -2 * sign(x) / (1 + abs(x)) ** 3,
    ),
    "tanh_shrink": (
        _tanh_shrink,
        lambda x: tanh(x) ** 2,
        lambda x: 2 * tanh(x) * sech(x) ** 2,
    ),
}

EXTRA_POINTS = {
    "sigmoid": [40.0, -40.0, -710.0, -745.0, 36.8, 19.1, 1e-9, -1e-300],
    "tanh": [19.1, -19.1, 9.0, 300.0, 354.0, 1e-9, -1e-300],
    "scaled_tanh(scale_in=0.6666666666666666, scale_out=1.7159)": [28.65, 30.1, 531.0, 0.1],
    "scaled_tanh(scale_in=-2.5, scale_out=0.1)": [7.64, 8.1, 141.0, -141.0],
    "log_sigmoid": [710.0, 745.0, -33.3, 33.3, 40.0, -40.0],
    "softsign": [1e300, 1.3e154, 5.6e102, 2.0**53, 2.0**56, -(2.0**54)],
    "tanh_shrink": [1e-9, -1e-9, 1e-8, 1e-103, 1e-108, 1.4999999999999998, 1.5, 1.5000000000000002],
}

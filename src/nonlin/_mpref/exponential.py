"""mpmath references for the exponential family (elu, selu, celu, exponential)."""

from __future__ import annotations

from mpmath import exp, expm1, extraprec, mag, mpf

__all__ = ["EXTRA_POINTS", "REFERENCES"]

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


def _elu(alpha: float):  # type: ignore[no-untyped-def]
    a = mpf(alpha)
    return (
        lambda x: x if x > 0 else a * expm1(x),
        lambda x: mpf(1) if x > 0 else a * exp(x),
        lambda x: mpf(0) if x > 0 else a * exp(x),
    )


def _selu(scale: float, alpha: float):  # type: ignore[no-untyped-def]
    s, a = mpf(scale), mpf(alpha)
    return (
        lambda x: s * x if x > 0 else s * a * expm1(x),
        lambda x: s if x > 0 else s * a * exp(x),
        lambda x: mpf(0) if x > 0 else s * a * exp(x),
    )


def _celu(alpha: float):  # type: ignore[no-untyped-def]
    a = mpf(alpha)

    def ratio(x):  # type: ignore[no-untyped-def]
        # exp(x/a) needs x/a to |x/a| * 2**-prec absolute: carry mag(x/a) more bits.
        with extraprec(max(0, mag(x) - mag(a)) + 10):
            return x / a

    return (
        lambda x: x if x > 0 else a * expm1(ratio(x)),
        lambda x: mpf(1) if x > 0 else exp(ratio(x)),
        lambda x: mpf(0) if x > 0 else exp(ratio(x)) / a,
    )


REFERENCES = {
    "elu": _elu(1.0),
    "elu(alpha=0.5)": _elu(0.5),
    "elu(alpha=2.5)": _elu(2.5),
    "selu": _selu(_SELU_SCALE, _SELU_ALPHA),
    "selu(scale=1.0, alpha=1.0)": _selu(1.0, 1.0),
    "selu(scale=2.0, alpha=0.3)": _selu(2.0, 0.3),
    "celu": _celu(1.0),
    "celu(alpha=0.5)": _celu(0.5),
    "celu(alpha=3.0)": _celu(3.0),
    "celu(alpha=0.1)": _celu(0.1),
    "exponential": (exp, exp, exp),
}

EXTRA_POINTS = {
    "elu": [-1e-30, -745.0, -37.5, -17.5],
    "selu": [-1e-30, -745.0, -37.5, -17.5, -40.0],
    "celu": [-1e-30, -745.0, -37.5, -40.0],
    "celu(alpha=3.0)": [-1e-30, -2235.0, -2200.0, -112.3, -40.0],
    "celu(alpha=0.1)": [-1e-30, -74.5, -70.9, -3.75, -1e-310],
    "exponential": [-710.0, -745.0, -745.2, 709.78, 709.79, -1e-310],
}

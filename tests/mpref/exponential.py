"""mpmath references for the exponential family (elu, selu, celu, exponential)."""

from __future__ import annotations

from mpmath import exp, expm1, mpf

__all__ = ["EXTRA_POINTS", "REFERENCES"]


def _elu(alpha: float):  # type: ignore[no-untyped-def]
    a = mpf(alpha)
    return (
        lambda x: x if x > 0 else a * expm1(x),
        lambda x: mpf(1) if x > 0 else a * exp(x),
        lambda x: mpf(0) if x > 0 else a * exp(x),
    )


REFERENCES = {
    "elu": _elu(1.0),
    "elu(alpha=0.5)": _elu(0.5),
    "elu(alpha=2.5)": _elu(2.5),
}

EXTRA_POINTS = {
    "elu": [-1e-30, -745.0, -37.5, -17.5],
}

"""mpmath references for the smooth family (softplus, squareplus, gelu, silu, mish).

Every formula is written so that it does not cancel at any input, only near the roots
of f' and f'' (where 60 and 120 digits still agree to 50):

* logistic tails as ``1/(1+exp(-z))`` and ``exp(-|z|)/(1+exp(-|z|))**2``, never ``1 - s``;
* ``tanh(softplus(x))`` derivatives through ``sech``, not ``1 - tanh**2``;
* squareplus for ``x < 0`` as ``b / (2 (sqrt(x**2 + b) - x))`` (mpmath does not
  overflow, but ``x + sqrt(x**2 + b)`` is 0 at 60 digits for ``x = -1e300``);
* erfc for huge arguments as its asymptotic series (40 terms beyond 100);
* the GELU tanh form as ``x * sigmoid(2u)`` (``1 + tanh(u)`` cancels for ``x << 0``).

The constants are exact: ``sqrt(2/pi)`` at the working precision and ``0.044715`` as the
decimal. The torch variant ``softplus(threshold=20.0)`` is piecewise: ``x``, 1 and 0
for ``x > 20``; at the kink itself (never a table point) f' and f'' follow the library's
convention (the one-sided limit of smaller magnitude).
"""

from __future__ import annotations

from functools import wraps

from mpmath import erfc, exp, log1p, log10, mp, mpf, pi, sech, sqrt, tanh, workdps

__all__ = ["EXTRA_POINTS", "REFERENCES"]

ZERO, ONE, TWO = mpf(0), mpf(1), mpf(2)


def _exact(function):  # type: ignore[no-untyped-def]
    """Run ``function`` with enough extra digits that ``x**3`` is exact.

    ``exp(-x**2/2)`` at ``x = -1e308`` needs the exponent (about 1e616) to the units
    place, or 60 and 120 digits give different (equally underflowing) results.
    """

    @wraps(function)
    def wrapped(x):  # type: ignore[no-untyped-def]
        extra = int(3 * log10(abs(x))) + 10 if abs(x) > 1 else 0
        with workdps(mp.dps + extra):
            return +function(x)

    return wrapped


def _sigmoid(z):  # type: ignore[no-untyped-def]
    return ONE / (ONE + exp(-z))


def _sigmoid_product(z):  # type: ignore[no-untyped-def]
    """sigma(z) sigma(-z), from exp(-|z|) so that neither tail cancels."""
    e = exp(-abs(z))
    return e / (ONE + e) ** 2


def _softplus(beta: float = 1.0, threshold: float = float("inf")):  # type: ignore[no-untyped-def]
    b, t = mpf(beta), mpf(threshold)

    def f(x):  # type: ignore[no-untyped-def]
        return x if b * x > t else log1p(exp(b * x)) / b

    def df(x):  # type: ignore[no-untyped-def]
        return ONE if b * x > t else _sigmoid(b * x)

    def d2f(x):  # type: ignore[no-untyped-def]
        return ZERO if b * x >= t else b * _sigmoid_product(b * x)

    return f, df, d2f


def _squareplus(b_value: float = 4.0):  # type: ignore[no-untyped-def]
    b = mpf(b_value)

    def f(x):  # type: ignore[no-untyped-def]
        r = sqrt(x * x + b)
        return (x + r) / 2 if x >= 0 else b / (2 * (r - x))

    def df(x):  # type: ignore[no-untyped-def]
        r = sqrt(x * x + b)
        return (1 + x / r) / 2 if x >= 0 else b / (2 * r * (r - x))

    def d2f(x):  # type: ignore[no-untyped-def]
        return b / (2 * sqrt(x * x + b) ** 3)

    return f, df, d2f


def _phi(x):  # type: ignore[no-untyped-def]
    return exp(-x * x / 2) / sqrt(2 * pi)


def _erfc(t):  # type: ignore[no-untyped-def]
    """erfc; for t > 100 the asymptotic series (mpmath's erfc overflows for huge t)."""
    if t <= 100:
        return erfc(t)
    u, term, total = 1 / (2 * t * t), ONE, ONE
    for k in range(1, 40):  # terms shrink by (2k - 1)/(2 t**2) < 1e-2
        term *= -(2 * k - 1) * u
        total += term
    return exp(-t * t) / (t * sqrt(pi)) * total


def _big_phi(x):  # type: ignore[no-untyped-def]
    return _erfc(-x / sqrt(2)) / 2


def _gelu_erf():  # type: ignore[no-untyped-def]
    return (
        _exact(lambda x: x * _big_phi(x)),
        _exact(lambda x: _big_phi(x) + x * _phi(x)),
        _exact(lambda x: _phi(x) * (2 - x * x)),
    )


def _gelu_tanh():  # type: ignore[no-untyped-def]
    # f = x sigma(v), v = 2u = x (A + B x^2), A = 2 sqrt(2/pi), B = 0.044715 A.
    def coefficients():  # type: ignore[no-untyped-def]
        a = 2 * sqrt(2 / pi)
        return a, mpf("0.044715") * a

    def f(x):  # type: ignore[no-untyped-def]
        a, b = coefficients()
        return x * _sigmoid(x * (a + b * x * x))

    def df(x):  # type: ignore[no-untyped-def]
        a, b = coefficients()
        v = x * (a + b * x * x)
        dv = a + 3 * b * x * x
        return _sigmoid(v) * (1 + x * dv * _sigmoid(-v))

    def d2f(x):  # type: ignore[no-untyped-def]
        a, b = coefficients()
        v = x * (a + b * x * x)
        dv = a + 3 * b * x * x
        inner = 2 * a + 12 * b * x * x - x * dv * dv * tanh(v / 2)
        return _sigmoid_product(v) * inner

    return _exact(f), _exact(df), _exact(d2f)


def _silu():  # type: ignore[no-untyped-def]
    return (
        lambda x: x * _sigmoid(x),
        lambda x: _sigmoid(x) * (1 + x * _sigmoid(-x)),
        lambda x: _sigmoid_product(x) * (2 - x * tanh(x / 2)),
    )


def _mish():  # type: ignore[no-untyped-def]
    # T = tanh(softplus x); T' = sech^2(sp) s; T'' = sech^2(sp) s (s_bar - 2 T s).
    def parts(x):  # type: ignore[no-untyped-def]
        sp = log1p(exp(x))
        return tanh(sp), sech(sp) ** 2, _sigmoid(x), _sigmoid(-x)

    def f(x):  # type: ignore[no-untyped-def]
        return x * tanh(log1p(exp(x)))

    def df(x):  # type: ignore[no-untyped-def]
        t, sech2, s, _ = parts(x)
        return t + x * sech2 * s

    def d2f(x):  # type: ignore[no-untyped-def]
        t, sech2, s, s_bar = parts(x)
        return 2 * sech2 * s + x * sech2 * s * (s_bar - 2 * t * s)

    return f, df, d2f


REFERENCES = {
    "softplus": _softplus(),
    "softplus(beta=2.0)": _softplus(2.0),
    "softplus(beta=0.5)": _softplus(0.5),
    "softplus(threshold=20.0)": _softplus(1.0, 20.0),
    "squareplus": _squareplus(),
    "squareplus(b=1.0)": _squareplus(1.0),
    "squareplus(b=0.01)": _squareplus(0.01),
    "gelu": _gelu_erf(),
    "gelu(approximate='tanh')": _gelu_tanh(),
    "silu": _silu(),
    "mish": _mish(),
}

EXTRA_POINTS = {
    "softplus": [-700.0, -745.0, -1e4, 1e4, 20.1, 33.5, 36.8, 710.0],
    "softplus(beta=2.0)": [-350.0, -372.0, 10.05, 355.0],
    "softplus(beta=0.5)": [-1400.0, -1490.0, 40.2, 1420.0],
    "softplus(threshold=20.0)": [19.9, 20.1, 33.5, 710.0],
    "squareplus": [-700.0, -1.3e154, 1.3e154, -1e200, 1e200],
    "gelu": [-10.0, -5.6, -7.6, -37.5, -38.5, -0.7517915241, 1.4142135623730951],
    "gelu(approximate='tanh')": [-7.4, -4.9, -21.5, -0.75, 20.0, 1.5],
    "silu": [-40.0, -1.2784645427610738, 2.3993572805154676, -2.3993572805154676],
    "mish": [20.0, 710.0, -1.1924, -40.0, -710.0],
}

"""S-shaped activations: sigmoid, tanh, scaled tanh, log-sigmoid, softsign, tanh shrink.

Their derivatives are small numbers in the saturated tails, where the textbook forms
computed from the output (``s * (1 - s)``, ``1 - tanh**2``) round to 0 long before
the truth underflows. Everything here is written in terms of ``e = exp(-|x|)`` (or
``exp(-2|x|)``), which never overflows and carries the tail with full relative accuracy:
with ``d = 1 + e`` and ``m = 1 - e = -expm1(-|x|)`` (no cancellation near 0),

* ``sigma(|x|) = 1/d``, ``sigma(-|x|) = e/d``, ``sigma'(x) = e/d**2``,
  ``sigma''(x) = -sign(x) e m / d**3``;
* with ``e = exp(-2|x|)``: ``tanh|x| = m/d``, ``tanh'(x) = 4e/d**2``,
  ``tanh''(x) = -sign(x) 8 e m / d**3``.

``+-inf`` gives ``e = 0`` and the limits without NaN; NaN input gives NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .._math import constant as _constant
from .._math import log1pexp, neg_abs, nonnegative, two_product
from ..activation import Activation, Traits, param, register
from ..errors import ParameterError
from ..namespace import Array, Namespace

__all__ = [
    "LogSigmoid",
    "ScaledTanH",
    "ScaledTanh",
    "Sigmoid",
    "Softsign",
    "Tanh",
    "TanhShrink",
    "log_sigmoid",
    "logistic",
    "scaled_tanh",
    "sigmoid",
    "softsign",
    "tanh",
    "tanh_shrink",
]


# --------------------------------------------------------------------------- helpers


def _reciprocal(d: Array, d_low: Array, xp: Namespace) -> tuple[Array, Array]:
    """``(r, c)`` with ``1/(d + d_low) = r (1 + c)`` to about ``2**-100`` relative.

    ``r`` is the rounded ``1/d``; ``c`` (of order ``2**-53``) takes back its rounding
    error and the part ``d_low`` that ``d`` could not hold. Needs ``1 <= d < 2**900``.
    """
    r = 1 / d
    p, p_low = two_product(r, d, xp)
    return r, ((1 - p) - p_low) - r * d_low


def _one_plus(e: Array, xp: Namespace) -> tuple[Array, Array]:
    """``(r, c)`` with ``1/(1 + e) = r (1 + c)``, for ``0 <= e <= 1``."""
    d = 1 + e
    return _reciprocal(d, e - (d - 1), xp)  # d - 1 is exact: 1 + e = d + (e - (d - 1))


def _bell(e: Array, e_low: Array | None, r: Array, c: Array) -> Array:
    """``E/(1 + e)**2`` for ``E = e + e_low`` (``e``, or ``e`` times a constant), from
    ``1/(1+e) = r (1 + c)``: ``sigma'`` and ``sech**2/4``. Within 2.5 ulp."""
    q = (e * r) * r
    low = q * (2 * c)
    if e_low is not None:
        low = low + (e_low * r) * r
    return q + low


def _bell_slope(
    e: Array, e_low: Array | None, m: Array, r: Array, c: Array, xp: Namespace
) -> Array:
    """``E m/(1 + e)**3`` with every product exact (double-double), ``m = 1 - e``.

    This is ``|sigma''|`` (and ``|tanh''|/8``); only the errors of ``exp``, ``expm1``
    and the final rounding remain (within 2 ulp; plain products reach 6). ``m``
    (subnormal for subnormal ``x``) comes last, so that a subnormal intermediate is
    never scaled up.
    """
    t, t_low = two_product(e, r, xp)
    low = t_low + t * c  # E/(1+e) = t + low
    if e_low is not None:
        low = low + e_low * r
    q, q_low = two_product(t, r, xp)
    low = q_low + low * r + q * c  # E/(1+e)**2 = q + low
    w, w_low = two_product(q, r, xp)
    low = w_low + low * r + w * c  # E/(1+e)**3 = w + low
    s, s_low = two_product(w, m, xp)
    return s + (s_low + low * m)


def _logistic(x: Array, xp: Namespace) -> tuple[Array, Array, Array, Array, Array]:
    """``(sigma(x), sigma(-x), e, r, c)`` with ``e = exp(-|x|)``, ``1/(1+e) = r (1+c)``."""
    e = xp.exp(neg_abs(x, xp))
    r, c = _one_plus(e, xp)
    big = r + r * c
    small = e * r
    small = small + small * c
    positive = x >= 0
    return xp.where(positive, big, small), xp.where(positive, small, big), e, r, c


def _logistic_parts(x: Array, xp: Namespace) -> tuple[Array, Array, Array, Array]:
    """``(sigma(x), sigma(-x), sigma'(x), sigma''(x))``, each to full relative accuracy."""
    f, mirrored, e, r, c = _logistic(x, xp)
    slope = _bell_slope(e, None, -xp.expm1(neg_abs(x, xp)), r, c, xp)
    return f, mirrored, _bell(e, None, r, c), slope * -xp.sign(x) + 0.0  # f''(0) is +0.0


def _times_exp(
    e: Array, constant: float, correction: Array | None, xp: Namespace
) -> tuple[Array, Array | None]:
    """``constant * e * (1 - 2 correction)`` as an unevaluated sum ``hi + low``."""
    if math.frexp(constant)[0] in (0.5, -0.5):  # a power of two: exact
        hi, low = constant * e, None
    else:
        hi, low = two_product(e, _constant(e, constant, xp), xp)
    if correction is not None:
        low = (0 if low is None else low) - (2 * correction) * hi
    return hi, low


def _tanh_derivatives(
    a: Array,
    correction: Array | None,
    xp: Namespace,
    k1: float = 1.0,
    k2: float | None = None,
) -> tuple[Array, Array | None]:
    """``(k1 sech(u)**2, k2 2 tanh|u| sech(u)**2)`` for ``|u| = a + correction >= 0``.

    The second is left out (None) when ``k2`` is None; the constants must be of
    moderate magnitude (``2**-400`` to ``2**400``). ``correction`` is the part of
    ``|u|`` that ``a`` could not hold (the rounding error of a product, from
    :func:`two_product`): ``exp(-2|u|)`` would magnify it by ``2|u|``, so it enters as
    the factor ``1 - 2 correction``. Where ``e = exp(-2|u|)`` is subnormal, or nearly
    (``|u| > 349`` in float64, 38.7 in float32), ``4 k1 e`` is ``exp(-2|u| +
    log(4|k1|))`` with the logarithm in two parts, so that the subnormal rounding of
    ``e`` is not scaled up.
    """
    a = xp.minimum(a, _constant(a, 1e4, xp))  # exp(-2e4) is 0 anyway; keeps inf out
    e = xp.exp(-2 * a)
    r, c = _one_plus(e, xp)
    tail = a > -0.5 * math.log(float(xp.finfo(a.dtype).smallest_normal)) - 5

    # Imported here, not at the top, so that importing this module does not register
    # the exponential family first (registration order is catalog order).
    from .exponential import _exp_sum, _log_split

    def tail_value(constant: float) -> Array:
        hi, lo = _log_split(abs(constant))
        low = lo if correction is None else lo - 2 * correction
        return math.copysign(1.0, constant) * _exp_sum(-2 * a, hi, low, xp)

    e1, e1_low = _times_exp(e, 4 * k1, correction, xp)
    sech2 = xp.where(tail, tail_value(4 * k1), _bell(e1, e1_low, r, c))
    if k2 is None:
        return sech2, None
    e2, e2_low = _times_exp(e, 8 * k2, correction, xp)
    slope = _bell_slope(e2, e2_low, -xp.expm1(-2 * a), r, c, xp)
    return sech2, xp.where(tail, tail_value(8 * k2), slope)


def _times(y: Array, *factors: float) -> Array:
    """``y`` times Python numbers: their product rounded once, unless it over/underflows.

    ``y`` is at most 1 in magnitude here, so multiplying factor by factor can only
    overflow where the result does.
    """
    product = math.prod(factors)
    if math.isfinite(product) and abs(product) >= 2.2250738585072014e-308:
        return product * y
    for factor in sorted(factors, key=abs):
        y = factor * y
    return y


def _tanh_shrink_series(x: Array, xp: Namespace) -> Array:
    """``x - tanh(x)`` for ``|x| <= 1.5`` without cancellation.

    Lambert's continued fraction ``tanh x = x / (1 + s/(3 + s/(5 + ...)))`` with
    ``s = x**2`` gives ``x - tanh x = x s / (3 + s + s/(5 + s/(7 + ...)))``, a sum of
    positive terms; 11 levels are exact to rounding for ``|x| <= 1.5``.
    """
    s = x * x
    tail = s / 23.0
    for k in range(10, 1, -1):
        tail = s / ((2 * k + 1) + tail)
    return x * (s / (3 + (s + tail)))


# --------------------------------------------------------------------------- wide forms
# The ``_*_wide`` methods below are used when a float32 or float16 result is computed
# in float64 (NumPy): plain tail-stable float64 formulas, a few float64 ulp off, which
# the rounding to the narrow result hides. The exact forms above spend double-double
# products on the last float64 bit.


def _logistic_wide(x: Array, xp: Namespace) -> tuple[Array, Array, Array, Array]:
    """``(sigma(x), e, r, 1 - e)`` with ``e = exp(-|x|)``, ``r = 1/(1 + e)``."""
    e = xp.exp(neg_abs(x, xp))
    r = 1 / (1 + e)
    return xp.where(x >= 0, r, e * r), e, r, -xp.expm1(neg_abs(x, xp))


def _sech2_wide(a: Array, xp: Namespace) -> tuple[Array, Array]:
    """``(sech(a)**2, 2 tanh(a) sech(a)**2)`` for ``a = |u|``, from ``e = exp(-2a)``."""
    e = xp.exp(-2 * a)
    r = 1 / (1 + e)
    sech2 = (4 * e) * r * r
    return sech2, sech2 * (2 * r) * -xp.expm1(-2 * a)


# --------------------------------------------------------------------------- sigmoid


@register("sigmoid")
@dataclass(frozen=True, repr=False)
class Sigmoid(Activation):
    r"""Logistic sigmoid.

    .. math::

        f(x) = \sigma(x) = \frac{1}{1 + e^{-x}}

        f'(x) = \sigma(x)\,\sigma(-x)

        f''(x) = \sigma(x)\,\sigma(-x)\,\bigl(1 - 2\sigma(x)\bigr)

    Notes
    -----
    With ``e = exp(-|x|)`` (never overflows), ``sigma(|x|) = 1/(1+e)`` and
    ``sigma(-|x|) = e/(1+e)``, so both tails keep full relative accuracy:
    ``sigmoid(-710)`` is the subnormal ``4.5e-309`` (not 0) and ``sigmoid'(40)`` is
    ``4.25e-18`` (``s * (1 - s)`` gives 0 there). ``1 - 2 sigma(x)`` is
    ``-sign(x) (1 - e)/(1 + e)`` with ``1 - e = -expm1(-|x|)``, exact near 0 too.

    References
    ----------
    Rumelhart, Hinton, Williams (1986), "Learning representations by back-propagating
    errors", Nature 323; ``torch.sigmoid``, ``jax.nn.sigmoid``.

    Examples
    --------
    >>> nl.sigmoid.grad(40.0)
    array(4.24835426e-18)
    """

    def traits(self) -> Traits:
        return Traits(range=(0.0, 1.0), monotonic=True, smoothness=math.inf, zero_centred=False)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return _logistic(x, xp)[0]

    def _df(self, x: Array, xp: Namespace) -> Array:
        e = xp.exp(neg_abs(x, xp))
        return _bell(e, None, *_one_plus(e, xp))

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _logistic_parts(x, xp)[3]

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        f, _, df, d2f = _logistic_parts(x, xp)
        return f, df, d2f

    def _f_wide(self, x: Array, xp: Namespace) -> Array:
        e = xp.exp(neg_abs(x, xp))
        r = 1 / (1 + e)
        return xp.where(x >= 0, r, e * r)

    def _df_wide(self, x: Array, xp: Namespace) -> Array:
        e = xp.exp(neg_abs(x, xp))
        r = 1 / (1 + e)
        return (e * r) * r

    def _d2f_wide(self, x: Array, xp: Namespace) -> Array:
        return self._derivatives_wide(x, xp)[2]

    def _derivatives_wide(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        f, e, r, m = _logistic_wide(x, xp)
        df = (e * r) * r
        return f, df, df * (m * r) * -xp.sign(x) + 0.0


# --------------------------------------------------------------------------- tanh


@register("tanh")
@dataclass(frozen=True, repr=False)
class Tanh(Activation):
    r"""Hyperbolic tangent.

    .. math::

        f(x) = \tanh(x)

        f'(x) = \operatorname{sech}^2(x) = \frac{4 e^{-2|x|}}{(1 + e^{-2|x|})^2}

        f''(x) = -2 \tanh(x) \operatorname{sech}^2(x)

    Notes
    -----
    The derivatives use ``e = exp(-2|x|)``: ``sech^2 x = 4e/(1+e)^2`` keeps full
    relative accuracy in the tails (``tanh'(19.1) = 1.03e-16``, where ``1 - tanh^2``
    gives 0 or a value 15 times too large), and ``tanh|x| = (1-e)/(1+e)`` with
    ``1 - e = -expm1(-2|x|)`` is exact near 0.

    References
    ----------
    LeCun, Bottou, Orr, Müller (1998), "Efficient BackProp", in Neural Networks: Tricks
    of the Trade; ``torch.tanh``, ``jax.numpy.tanh``.

    Examples
    --------
    >>> nl.tanh.grad(19.1)
    array(1.02804182e-16)
    """

    def traits(self) -> Traits:
        return Traits(
            range=(-1.0, 1.0), monotonic=True, smoothness=math.inf, zero_centred=True,
            symmetry="odd",
        )  # fmt: skip

    def _f(self, x: Array, xp: Namespace) -> Array:
        return xp.tanh(x)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return _tanh_derivatives(xp.abs(x), None, xp)[0]

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return self._derivatives(x, xp)[2]

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        sech2, slope = _tanh_derivatives(xp.abs(x), None, xp, 1.0, -1.0)
        return xp.tanh(x), sech2, slope * xp.sign(x) + 0.0

    def _df_wide(self, x: Array, xp: Namespace) -> Array:
        return _sech2_wide(xp.abs(x), xp)[0]

    def _d2f_wide(self, x: Array, xp: Namespace) -> Array:
        return self._derivatives_wide(x, xp)[2]

    def _derivatives_wide(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        sech2, slope = _sech2_wide(xp.abs(x), xp)
        return xp.tanh(x), sech2, slope * -xp.sign(x) + 0.0


# --------------------------------------------------------------------------- scaled tanh


@register("scaled_tanh")
@dataclass(frozen=True, repr=False)
class ScaledTanh(Activation):
    r"""Scaled hyperbolic tangent (Lasagne's ``ScaledTanH``).

    .. math::

        f(x) = b \tanh(a x)

        f'(x) = a b \operatorname{sech}^2(a x)

        f''(x) = -2 a^2 b \tanh(a x) \operatorname{sech}^2(a x)

    with :math:`a` = ``scale_in`` and :math:`b` = ``scale_out``.

    Parameters
    ----------
    scale_in : float, default 1.0
        Scale :math:`a` of the input. Any finite number but 0 (a negative value mirrors
        the function).
    scale_out : float, default 1.0
        Scale :math:`b` of the output, which runs over :math:`(-|b|, |b|)`. Any finite
        number.

    Notes
    -----
    LeCun et al. recommend ``scale_in=2/3, scale_out=1.7159``; as in Lasagne they are
    not the defaults. The derivatives are computed as for :class:`Tanh`, from
    ``exp(-2|a x|)``. The product ``a x`` rounds, and in the tails of f' and f''
    ``exp`` would magnify that rounding error by ``2|a x|`` (40 ulps at ``|a x| = 20``),
    so the exact remainder of the product (:func:`nonlin._math.two_product`) enters as a
    separate factor; a scale that is a power of two needs none. For scales beyond
    ``1e280`` in magnitude (or below ``1e-280``) the remainder cannot be formed without
    overflow and is left out.

    References
    ----------
    LeCun, Bottou, Orr, Müller (1998), "Efficient BackProp", in Neural Networks: Tricks
    of the Trade; ``lasagne.nonlinearities.ScaledTanH``.

    Examples
    --------
    >>> nl.ScaledTanh(scale_in=2 / 3, scale_out=1.7159)
    scaled_tanh(scale_in=0.6666666666666666, scale_out=1.7159)
    """

    scale_in: float = param(1.0)
    scale_out: float = param(1.0)

    def _validate(self) -> None:
        if self.scale_in == 0:
            raise ParameterError(
                "scaled_tanh: parameter 'scale_in' is 0, which makes the function constant 0; "
                "give a non-zero scale"
            )

    def traits(self) -> Traits:
        b = abs(self.scale_out)
        return Traits(
            range=(-b, b), monotonic=True, smoothness=math.inf, zero_centred=True,
            symmetry="odd",
        )  # fmt: skip

    def _split_argument(self, x: Array, xp: Namespace) -> tuple[Array, Array | None]:
        """``(|p|, c)`` with ``|a x| = |p| + c`` exactly (``c`` None when p is exact)."""
        a = self.scale_in
        clamped = self._clamped(x, xp)
        bound = 1e280 if xp.finfo(x.dtype).bits >= 64 else 1e30
        if math.frexp(a)[0] in (0.5, -0.5) or not 1 / bound < abs(a) < bound:
            return xp.abs(a * clamped), None
        p, error = two_product(clamped, _constant(x, a, xp), xp)
        return xp.abs(p), xp.where(p >= 0, error, -error)

    def _clamped(self, x: Array, xp: Namespace) -> Array:
        """``x`` clipped where ``|a x| = 1000``: saturated beyond, and no overflow of
        ``a x`` or of the split in :func:`two_product`."""
        limit = _constant(x, min(1e3 / abs(self.scale_in), float(xp.finfo(x.dtype).max)), xp)
        return xp.minimum(xp.maximum(x, -limit), limit)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return self.scale_out * xp.tanh(self.scale_in * self._clamped(x, xp))

    def _scaled_derivatives(self, x: Array, xp: Namespace, second: bool) -> tuple[Array, Array]:
        """``(f', f'')`` (``f''`` only when ``second``; else ``f'`` twice)."""
        a, correction = self._split_argument(x, xp)
        b, s = self.scale_out, self.scale_in
        k1, k2 = b * s, -b * s * abs(s)
        if 2.0**-400 < abs(k1) < 2.0**400 and 2.0**-400 < abs(k2) < 2.0**400:
            df, d2f = _tanh_derivatives(a, correction, xp, k1, k2 if second else None)
        else:  # extreme scales: apply them afterwards, factor by factor
            df, d2f = _tanh_derivatives(a, correction, xp, 1.0, 1.0 if second else None)
            df = _times(df, b, s)
            d2f = None if d2f is None else _times(d2f, -b, s, abs(s))
        return df, (df if d2f is None else d2f * xp.sign(x) + 0.0)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return self._scaled_derivatives(x, xp, second=False)[0]

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return self._scaled_derivatives(x, xp, second=True)[1]

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        return self._f(x, xp), *self._scaled_derivatives(x, xp, second=True)

    def _wide_derivatives(self, x: Array, xp: Namespace, second: bool) -> tuple[Array, Array]:
        b, s = self.scale_out, self.scale_in
        if abs(b * s) * max(1.0, abs(s)) > 2.0**100:
            # A huge scale can lift sech**2 from below float64's range into float32's.
            return self._scaled_derivatives(x, xp, second)
        sech2, slope = _sech2_wide(xp.abs(s * self._clamped(x, xp)), xp)
        df = _times(sech2, b, s)
        return df, (_times(slope, -b, s, abs(s)) * xp.sign(x) + 0.0) if second else df

    def _df_wide(self, x: Array, xp: Namespace) -> Array:
        return self._wide_derivatives(x, xp, second=False)[0]

    def _d2f_wide(self, x: Array, xp: Namespace) -> Array:
        return self._wide_derivatives(x, xp, second=True)[1]

    def _derivatives_wide(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        return self._f(x, xp), *self._wide_derivatives(x, xp, second=True)


ScaledTanH = ScaledTanh  # Lasagne's spelling


# --------------------------------------------------------------------------- log-sigmoid


@register("log_sigmoid")
@dataclass(frozen=True, repr=False)
class LogSigmoid(Activation):
    r"""Logarithm of the logistic sigmoid.

    .. math::

        f(x) = \log \sigma(x) = -\log(1 + e^{-x})

        f'(x) = \sigma(-x)

        f''(x) = -\sigma(x)\,\sigma(-x)

    Notes
    -----
    ``f(x) = min(x, 0) - log1p(exp(-|x|))`` never overflows and is exact to rounding at
    both ends: ``x`` for ``x -> -inf`` and ``-exp(-x)`` for ``x -> +inf``
    (``log_sigmoid(710)`` is the subnormal ``-4.5e-309``, not ``-0``). The derivatives
    are those of :class:`Sigmoid`, with full relative accuracy in both tails.

    References
    ----------
    ``torch.nn.functional.logsigmoid``, ``jax.nn.log_sigmoid``.

    Examples
    --------
    >>> nl.log_sigmoid(710.0)
    array(-4.47628623e-309)
    """

    def traits(self) -> Traits:
        return Traits(
            range=(-math.inf, 0.0), monotonic=True, smoothness=math.inf, zero_centred=False
        )

    def _f(self, x: Array, xp: Namespace) -> Array:
        return -log1pexp(-x, xp)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return _logistic(x, xp)[1]

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        e = xp.exp(neg_abs(x, xp))
        return -_bell(e, None, *_one_plus(e, xp))

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        _, small_side, df, _ = _logistic_parts(x, xp)
        return -log1pexp(-x, xp), small_side, -df

    def _df_wide(self, x: Array, xp: Namespace) -> Array:
        e = xp.exp(neg_abs(x, xp))
        r = 1 / (1 + e)
        return xp.where(x >= 0, e * r, r)

    def _d2f_wide(self, x: Array, xp: Namespace) -> Array:
        e = xp.exp(neg_abs(x, xp))
        r = 1 / (1 + e)
        return -(e * r) * r

    def _derivatives_wide(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        e = xp.exp(neg_abs(x, xp))
        r = 1 / (1 + e)
        # _f's form, -(max(-x, 0) + log1p(e)): min(x, 0) - log1p(e) is the same value
        # but for the sign of 0 where e underflows (x > 745), +0 where _f gives -0
        f = -(nonnegative(-x, xp) + xp.log1p(e))
        return f, xp.where(x >= 0, e * r, r), -(e * r) * r


# --------------------------------------------------------------------------- softsign


@register("softsign")
@dataclass(frozen=True, repr=False)
class Softsign(Activation):
    r"""Softsign.

    .. math::

        f(x) = \frac{x}{1 + |x|}

        f'(x) = \frac{1}{(1 + |x|)^2}

        f''(x) = \frac{-2 \operatorname{sign}(x)}{(1 + |x|)^3}

    Notes
    -----
    f and f' are continuous; f'' jumps from 2 to -2 at 0, which is therefore listed as
    a kink. Both one-sided limits have magnitude 2, and the minimum-norm element
    between them is 0, so ``f''(0) = 0`` (design.md, Kinks; it also keeps f'' odd).
    ``|x|`` is clamped at ``16/eps`` (``2**56`` in float64), beyond which ``f`` rounds
    to ``+-1``, so ``f(+-inf) = +-1`` (``inf/inf`` would be NaN). The derivatives use
    ``r = 1/(1+|x|)`` and its powers, which underflow gradually instead of overflowing
    ``(1+|x|)**2`` to ``inf``; the rounding of ``1 + |x|`` and of the division is taken
    back exactly (TwoSum, :func:`nonlin._math.two_product`).

    References
    ----------
    Bergstra, Desjardins, Lamblin, Bengio (2009), "Quadratic polynomials learn better
    image features", Technical report 1337, Université de Montréal;
    ``keras.activations.softsign``.

    Examples
    --------
    >>> nl.softsign([-float("inf"), 1.0, float("inf")])
    array([-1. ,  0.5,  1. ])
    """

    kinks = (0.0,)

    def traits(self) -> Traits:
        return Traits(
            range=(-1.0, 1.0), monotonic=True, smoothness=1, zero_centred=True, symmetry="odd"
        )

    def _f(self, x: Array, xp: Namespace) -> Array:
        limit = _constant(x, 16 / float(xp.finfo(x.dtype).eps), xp)  # f rounds to +-1 beyond
        clamped = xp.minimum(xp.maximum(x, -limit), limit)
        return clamped / (1 + xp.abs(clamped))

    @staticmethod
    def _reciprocal(x: Array, xp: Namespace) -> tuple[Array, Array]:
        """``(r, c)`` with ``1/(1 + |x|) = r (1 + c)`` to about ``2**-100``."""
        a = xp.abs(x)
        limit = _constant(x, 2.0**60, xp)  # beyond, c < 2**-60 does not matter
        clamped = xp.minimum(a, limit)
        d = 1 + clamped
        back = d - clamped
        d_low = (1 - back) + (clamped - (d - back))  # 1 + clamped = d + d_low exactly
        r, c = _reciprocal(d, d_low, xp)
        far = a > limit
        return xp.where(far, 1 / (1 + a), r), xp.where(far, xp.zeros_like(x), c)

    def _df(self, x: Array, xp: Namespace) -> Array:
        r, c = self._reciprocal(x, xp)
        q = r * r  # underflows gradually; (1 + |x|)**2 would overflow
        return q + q * (2 * c)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        r, c = self._reciprocal(x, xp)
        w = (r * r) * r
        return (-2 * (w + w * (3 * c))) * xp.sign(x) + 0.0  # + 0.0: f''(-0.0) is +0.0

    def _df_wide(self, x: Array, xp: Namespace) -> Array:
        r = 1 / (1 + xp.abs(x))
        return r * r

    def _d2f_wide(self, x: Array, xp: Namespace) -> Array:
        r = 1 / (1 + xp.abs(x))
        return (-2 * r) * r * r * xp.sign(x) + 0.0

    def _derivatives_wide(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        r = 1 / (1 + xp.abs(x))
        df = r * r
        return self._f(x, xp), df, (-2 * df) * r * xp.sign(x) + 0.0


# --------------------------------------------------------------------------- tanh shrink


@register("tanh_shrink")
@dataclass(frozen=True, repr=False)
class TanhShrink(Activation):
    r"""Tanh shrink: the input minus its hyperbolic tangent.

    .. math::

        f(x) = x - \tanh(x)

        f'(x) = \tanh^2(x)

        f''(x) = 2 \tanh(x) \operatorname{sech}^2(x)

    Notes
    -----
    ``x - tanh(x)`` cancels for small ``|x|`` (torch and Keras 3 return 0 below
    ``1e-8``, where the truth is ``x**3/3``); for ``|x| <= 1.5`` f is computed from
    Lambert's continued fraction for tanh, rearranged so that only positive terms are
    added, which is exact to rounding down to the underflow of ``x**3/3``
    (``tanh_shrink(1e-9) = 3.33e-28``). f'' uses the tail-stable ``sech^2`` of
    :class:`Tanh`.

    References
    ----------
    ``torch.nn.Tanhshrink``, ``keras.activations.tanh_shrink``.

    Examples
    --------
    >>> nl.tanh_shrink(1e-9)
    array(3.33333333e-28)
    """

    def traits(self) -> Traits:
        return Traits(
            range=(-math.inf, math.inf), monotonic=True, smoothness=math.inf,
            zero_centred=True, symmetry="odd",
        )  # fmt: skip

    def _f(self, x: Array, xp: Namespace) -> Array:
        near = xp.abs(x) <= 1.5
        small = xp.where(near, x, xp.zeros_like(x))
        return xp.where(near, _tanh_shrink_series(small, xp), x - xp.tanh(x))

    def _df(self, x: Array, xp: Namespace) -> Array:
        t = xp.tanh(x)
        return t * t

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        slope = _tanh_derivatives(xp.abs(x), None, xp, 1.0, 1.0)[1]
        return slope * xp.sign(x) + 0.0

    def _d2f_wide(self, x: Array, xp: Namespace) -> Array:
        return _sech2_wide(xp.abs(x), xp)[1] * xp.sign(x) + 0.0


# --------------------------------------------------------------------------- instances

sigmoid = Sigmoid()
logistic = sigmoid  # theanets' name
tanh = Tanh()
scaled_tanh = ScaledTanh()
log_sigmoid = LogSigmoid()
softsign = Softsign()
tanh_shrink = TanhShrink()

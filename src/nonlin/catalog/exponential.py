"""Exponential linear units: elu, selu, celu, and the plain exponential."""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import array_api_compat

from .._math import nonpositive, two_product
from ..activation import Activation, Traits, param, register
from ..namespace import Array, Namespace

__all__ = ["CELU", "ELU", "SELU", "Exponential", "celu", "elu", "exponential", "selu"]


@lru_cache(maxsize=256)
def _log_split(value: float) -> tuple[float, float]:
    """``log(value) = hi + lo`` to about ``2**-106`` relative, for a positive float.

    Python's ``decimal`` computes the logarithm to 40 digits (``Decimal(value)`` is
    exact); once per parameter value, cached.
    """
    with decimal.localcontext() as context:
        context.prec = 40
        exact = decimal.Decimal(value).ln()
        hi = float(exact)
        return hi, float(exact - decimal.Decimal(hi))


def _exp_sum(a: Array, b: float | Array, low: float | Array, xp: Namespace) -> Array:
    """``exp(a + b + low)`` for small ``low``, with ``a + b`` added exactly (TwoSum).

    Rounding ``a + b`` first would put an error of up to ``|a + b|/2`` ulps on the
    result (hundreds near underflow); here it goes into the factor ``1 + error``.
    """
    s = a + b
    b_part = s - a
    error = (a - (s - b_part)) + (b - b_part)
    y = xp.exp(s)
    if array_api_compat.is_jax_namespace(xp):
        # XLA flushes subnormals: y * (error + low) is one when y is near the bottom
        # of the range, and would be lost. y * (1 + ...) stays normal (1 ulp, not 0.5).
        return y * (1 + (error + low))
    return y + y * (error + low)


@register("elu")
@dataclass(frozen=True, repr=False)
class ELU(Activation):
    r"""Exponential linear unit.

    .. math::

        f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}

        f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}

        f''(x) = \begin{cases} 0 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}

    Parameters
    ----------
    alpha : float, default 1.0
        Saturation level: ``f(x) -> -alpha`` as ``x -> -inf``. Must be positive.

    Notes
    -----
    At the kink ``x = 0`` each derivative returns the one-sided limit of smaller
    magnitude (design.md, Kinks): ``min(1, alpha)`` for f', 0 for f''. The negative
    branch only ever sees ``min(x, 0)``, so ``exp`` cannot overflow and no ``inf * 0``
    reaches a gradient; ``expm1`` keeps full precision near zero.

    References
    ----------
    Clevert, Unterthiner, Hochreiter (2016), arXiv:1511.07289.

    Examples
    --------
    >>> nl.ELU(alpha=0.5)
    elu(alpha=0.5)
    """

    alpha: float = param(1.0, gt=0.0)
    kinks = (0.0,)

    def traits(self) -> Traits:
        return Traits(
            range=(-self.alpha, float("inf")),
            monotonic=True,
            smoothness=1 if self.alpha == 1 else 0,
            zero_centred=True,
        )

    def _f(self, x: Array, xp: Namespace) -> Array:
        return xp.where(x > 0, x, self.alpha * xp.expm1(nonpositive(x, xp)))

    def _df(self, x: Array, xp: Namespace) -> Array:
        right = (x > 0) if self.alpha <= 1 else (x >= 0)  # the smaller limit at the kink
        return xp.where(right, xp.ones_like(x), self.alpha * xp.exp(nonpositive(x, xp)))

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return xp.where(x >= 0, xp.zeros_like(x), self.alpha * xp.exp(nonpositive(x, xp)))


elu = ELU()


# --------------------------------------------------------------------------- SELU

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


@register("selu")
@dataclass(frozen=True, repr=False)
class SELU(Activation):
    r"""Scaled exponential linear unit.

    .. math::

        f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}

        f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}

        f''(x) = \begin{cases} 0 & x > 0 \\ \lambda \alpha e^{x} & x \le 0 \end{cases}

    with :math:`\lambda` = ``scale``.

    Parameters
    ----------
    scale : float, default 1.0507009873554805
        Overall scale :math:`\lambda`. Must be positive.
    alpha : float, default 1.6732632423543772
        Saturation level of the ELU inside: ``f(x) -> -scale * alpha`` as
        ``x -> -inf``. Must be positive. Lasagne spells it ``scale_neg``.

    Notes
    -----
    The defaults are the self-normalising constants of Klambauer et al. (the float64
    values every framework uses). Lasagne's class ``SELU`` defaults to
    ``scale=1, scale_neg=1`` (dialect ``lasagne``). At the kink ``x = 0`` each
    derivative is the one-sided limit of smaller magnitude (design.md, Kinks):
    ``f'(0) = scale * min(1, alpha)``, which is ``scale`` for the defaults (numpy-ml;
    torch and JAX give ``scale * alpha``), and ``f''(0) = 0``. The negative branch only
    sees ``min(x, 0)`` and uses ``expm1``, as :class:`ELU`.

    References
    ----------
    Klambauer, Unterthiner, Mayr, Hochreiter (2017), "Self-normalizing neural
    networks", NeurIPS, arXiv:1706.02515.

    Examples
    --------
    >>> nl.SELU(scale=1.0, alpha=1.0)
    selu(scale=1.0, alpha=1.0)
    """

    scale: float = param(_SELU_SCALE, gt=0.0)
    alpha: float = param(_SELU_ALPHA, gt=0.0)
    param_aliases: ClassVar[dict[str, str]] = {"scale_neg": "alpha"}
    kinks = (0.0,)

    def traits(self) -> Traits:
        return Traits(
            range=(-(self.scale * self.alpha), math.inf), monotonic=True,
            smoothness=1 if self.alpha == 1 else 0, zero_centred=True,
            self_normalising=(self.scale, self.alpha) == (_SELU_SCALE, _SELU_ALPHA),
        )  # fmt: skip

    def _f(self, x: Array, xp: Namespace) -> Array:
        negative = (self.scale * self.alpha) * xp.expm1(nonpositive(x, xp))
        return xp.where(x > 0, self.scale * x, negative)

    def _df(self, x: Array, xp: Namespace) -> Array:
        right = (x > 0) if self.alpha <= 1 else (x >= 0)  # the smaller limit at the kink
        negative = (self.scale * self.alpha) * xp.exp(nonpositive(x, xp))
        return xp.where(right, xp.full_like(x, self.scale), negative)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        negative = (self.scale * self.alpha) * xp.exp(nonpositive(x, xp))
        return xp.where(x >= 0, xp.zeros_like(x), negative)


# --------------------------------------------------------------------------- CELU


@register("celu")
@dataclass(frozen=True, repr=False)
class CELU(Activation):
    r"""Continuously differentiable exponential linear unit.

    .. math::

        f(x) = \max(0, x) + \min\bigl(0, \alpha\,(e^{x/\alpha} - 1)\bigr)

        f'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}

        f''(x) = \begin{cases} 0 & x > 0 \\ e^{x/\alpha}/\alpha & x \le 0 \end{cases}

    Parameters
    ----------
    alpha : float, default 1.0
        Saturation level: ``f(x) -> -alpha`` as ``x -> -inf``. Must be positive.

    Notes
    -----
    f' is continuous (1 on both sides of 0); f'' jumps from ``1/alpha`` to 0 there, so
    ``x = 0`` is a kink with ``f''(0) = 0``, the one-sided limit of smaller magnitude
    (design.md, Kinks; torch also gives 0, JAX ``0.25/alpha``). The quotient ``x/alpha``
    rounds, and ``exp`` would magnify that error by ``|x/alpha|`` ulps in the tails of
    f' and f'' (hundreds near underflow); its exact remainder (from
    :func:`nonlin._math.two_product`) enters as a separate factor instead, unless
    ``alpha`` is a power of two (then the quotient is exact) or beyond ``1e280`` in
    magnitude (or below ``1e-280``), where it cannot be formed without overflow.

    References
    ----------
    Barron (2017), "Continuously differentiable exponential linear units",
    arXiv:1704.07483; ``torch.nn.CELU``.

    Examples
    --------
    >>> nl.CELU(alpha=0.5)
    celu(alpha=0.5)
    """

    alpha: float = param(1.0, gt=0.0)
    kinks = (0.0,)

    def traits(self) -> Traits:
        return Traits(
            range=(-self.alpha, math.inf), monotonic=True, smoothness=1, zero_centred=True
        )

    def _clamped(self, x: Array, xp: Namespace, shift: float = 0.0) -> Array:
        """``min(x, 0)``, raised to ``alpha (shift - 1000)`` where that is higher.

        Below it ``exp(x/alpha - shift)`` is 0 (and ``expm1(x/alpha)`` is -1) anyway;
        the clamp keeps ``x/alpha`` and the split of :func:`two_product` from
        overflowing.
        """
        floor = max(self.alpha * (min(0.0, shift) - 1e3), -float(xp.finfo(x.dtype).max))
        return xp.maximum(nonpositive(x, xp), xp.full_like(x, floor))

    def _exp(self, x: Array, xp: Namespace, divide: bool) -> Array:
        """``exp(min(x, 0)/alpha)``, divided by ``alpha`` when ``divide``.

        ``x/alpha = q + rem`` exactly (``rem`` from :func:`two_product`, where alpha is
        neither a power of two nor extreme); division by alpha is the shift
        ``-log(alpha)`` of the exponent, so no subnormal ``exp`` is scaled up.
        """
        a = self.alpha
        log_hi, log_lo = _log_split(a) if divide else (0.0, 0.0)
        x = self._clamped(x, xp, log_hi)
        bound = 1e280 if xp.finfo(x.dtype).bits >= 64 else 1e30
        if math.frexp(a)[0] == 0.5 or not 1 / bound < a < bound:
            q, remainder = x / a, None
        else:
            q = x / a
            p, error = two_product(q, xp.full_like(x, a), xp)
            remainder = ((x - p) - error) / a  # x/a = q + remainder, to rounding
        if not divide:
            y = xp.exp(q)
            return y if remainder is None else y + y * remainder
        low = -log_lo if remainder is None else remainder - log_lo
        return _exp_sum(q, -log_hi, low, xp)

    def _f(self, x: Array, xp: Namespace) -> Array:
        negative = self.alpha * xp.expm1(self._clamped(x, xp) / self.alpha)
        return xp.where(x > 0, x, negative)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return xp.where(x > 0, xp.ones_like(x), self._exp(x, xp, divide=False))

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return xp.where(x >= 0, xp.zeros_like(x), self._exp(x, xp, divide=True))


# --------------------------------------------------------------------------- exponential


@register("exponential")
@dataclass(frozen=True, repr=False)
class Exponential(Activation):
    r"""The exponential function.

    .. math::

        f(x) = e^{x}

        f'(x) = e^{x}

        f''(x) = e^{x}

    Notes
    -----
    ``exp`` overflows to ``inf`` above ``x = 709.78`` (float64) exactly where the true
    value is not representable, and keeps subnormal results (``exp(-710) = 4.5e-309``,
    which XLA flushes to 0).

    References
    ----------
    ``keras.activations.exponential``; numpy-ml ``Exponential``.

    Examples
    --------
    >>> nl.exponential.grad(0.0)
    array(1.)
    """

    def traits(self) -> Traits:
        return Traits(
            range=(0.0, math.inf), monotonic=True, smoothness=math.inf, zero_centred=False
        )

    def _f(self, x: Array, xp: Namespace) -> Array:
        return xp.exp(x)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return xp.exp(x)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return xp.exp(x)

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        y = xp.exp(x)
        return y, y, y


selu = SELU()
celu = CELU()
exponential = Exponential()

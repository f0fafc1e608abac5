"""Exponential linear units: elu, selu, celu, and the plain exponential."""

from __future__ import annotations

from dataclasses import dataclass

from .._math import nonpositive
from ..activation import Activation, Traits, param, register
from ..namespace import Array, Namespace

__all__ = ["ELU", "elu"]


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
        return Traits(range=(-self.alpha, float("inf")), monotonic=True,
                      smoothness=1 if self.alpha == 1 else 0, zero_centred=True)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return xp.where(x > 0, x, self.alpha * xp.expm1(nonpositive(x, xp)))

    def _df(self, x: Array, xp: Namespace) -> Array:
        right = (x > 0) if self.alpha <= 1 else (x >= 0)  # the smaller limit at the kink
        return xp.where(right, xp.ones_like(x), self.alpha * xp.exp(nonpositive(x, xp)))

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return xp.where(x >= 0, xp.zeros_like(x), self.alpha * xp.exp(nonpositive(x, xp)))


elu = ELU()

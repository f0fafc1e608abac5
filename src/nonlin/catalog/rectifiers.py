"""Piecewise-linear activations: the ReLU family, clips, shrinks, hard sigmoids, identity.

Every function here is a handful of linear (or, for ``hard_silu`` and ``sparse_plus``,
quadratic) pieces, so the numerics are about the pieces' edges rather than about
cancellation: each branch is written so that it is exact (or correctly rounded) where it
is used, ``+-inf`` falls into a branch that gives the limit without arithmetic
(``0 * inf`` never happens), and the comparisons are ordered so that NaN input falls
into a branch that returns NaN. Derivatives propagate NaN as well: for NaN input every
activation here returns NaN for f, f' and f''.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from .._math import constant, two_product
from ..activation import Activation, Traits, param, register
from ..errors import ParameterError
from ..namespace import Array, Namespace

__all__ = [
    "Affine",
    "Clip",
    "HardShrink",
    "HardSiLU",
    "HardSigmoid",
    "HardSigmoidV3",
    "HardTanh",
    "LeakyReLU",
    "LeakyRectify",
    "Linear",
    "ReLU",
    "ReLU6",
    "SoftShrink",
    "SparsePlus",
    "SparseSigmoid",
    "Threshold",
    "affine",
    "clip",
    "hard_shrink",
    "hard_sigmoid",
    "hard_sigmoid_v3",
    "hard_silu",
    "hard_tanh",
    "identity",
    "leaky_rectify",
    "leaky_relu",
    "linear",
    "rectify",
    "relu",
    "relu6",
    "soft_shrink",
    "sparse_plus",
    "sparse_sigmoid",
    "threshold",
    "very_leaky_rectify",
]

_INF = math.inf


# --------------------------------------------------------------------------- helpers


def _full(x: Array, value: float, xp: Namespace) -> Array:
    """``value`` as a 0-d array of ``x``'s dtype and device (:func:`nonlin._math.constant`)."""
    return constant(x, value, xp)


def _keep_nan(x: Array, y: Array, xp: Namespace) -> Array:
    """``y``, except NaN where ``x`` is NaN (piecewise-constant derivatives lose it)."""
    return xp.where(xp.isnan(x), x, y)


def _clamp(x: Array, lo: float, hi: float, xp: Namespace) -> Array:
    """``min(max(x, lo), hi)`` for Python bounds that may be infinite.

    Exact at +-inf, NaN stays NaN, and a bound of 0 gives +0.0 for input -0.0.
    """
    # minimum/maximum, not where(): they keep NaN as well, and a data-dependent
    # where() costs ten comparisons on NumPy.
    y = x
    if hi < _INF:
        y = xp.minimum(y, _full(x, hi, xp))
    if lo > -_INF:
        y = xp.maximum(y, _full(x, lo, xp))
    if lo == 0 or hi == 0:
        y = y + 0.0  # -0.0 at a bound of 0 is the bound, +0.0
    return y


def _inside(x: Array, lo: float, hi: float, xp: Namespace) -> Array:
    """Boolean ``lo < x < hi`` (open: the kinks belong to the flat side).

    An infinite bound is no bound: it is not a kink, and f' at x = +-inf is the limit
    of the inside (``clip(min_val=-inf).grad(-inf)`` is 1).
    """
    above = (x > lo) if math.isfinite(lo) else (x >= lo)
    below = (x < hi) if math.isfinite(hi) else (x <= hi)
    return above & below


def _indicator(mask: Array, x: Array, value: float, xp: Namespace) -> Array:
    """``value`` where ``mask``, 0 elsewhere, NaN where ``x`` is NaN."""
    return _keep_nan(x, xp.where(mask, _full(x, value, xp), _full(x, 0.0, xp)), xp)


def _leaky(x: Array, slope: float, xp: Namespace) -> Array:
    """``x`` for x > 0, ``slope * x`` otherwise; +0.0 (not NaN) at -inf when slope is 0."""
    # maximum() where it can: it keeps NaN like the selection does, and costs a tenth
    # of where() on NumPy (a data-dependent select does not vectorise). "+ 0.0" makes
    # max(-0.0, 0.0) +0.0 on every library.
    if slope == 0:
        return xp.maximum(x, _full(x, 0.0, xp)) + 0.0
    if slope > 1:  # the discarded slope * x must not overflow for large positive x
        return xp.where(x > 0, x, slope * xp.minimum(x, _full(x, 0.0, xp)))
    return xp.maximum(x, slope * x)  # slope <= 1: x above 0, slope * x below


def _leaky_grad(x: Array, slope: float, xp: Namespace) -> Array:
    """1 for x > 0, ``slope`` for x < 0; at 0 the smaller of the two."""
    if 0 <= slope <= 1:
        # max(sign(x), slope) is 1, slope, or max(0, slope) = slope at 0, and NaN at NaN:
        # two cheap passes instead of a select and a NaN mask.
        return xp.maximum(xp.sign(x), _full(x, slope, xp))
    right = (x > 0) if slope <= 1 else (x >= 0)
    return _keep_nan(x, xp.where(right, _full(x, 1.0, xp), _full(x, slope, xp)), xp)


def _zero(x: Array, xp: Namespace) -> Array:
    """0 shaped like ``x``, NaN where ``x`` is NaN: min(|x|, 0) (f'' of a piecewise-linear
    function; minimum keeps NaN, and costs less than a NaN mask and a select)."""
    return xp.minimum(xp.abs(x), _full(x, 0.0, xp))


def _range_traits(lo: float, hi: float, **rest: Any) -> Traits:
    """Traits whose ``zero_centred`` means: the range holds both signs."""
    return Traits(range=(lo, hi), zero_centred=lo < 0 < hi, **rest)


# --------------------------------------------------------------------------- ReLU


@register("relu")
@dataclass(frozen=True, repr=False)
class ReLU(Activation):
    r"""Rectified linear unit, with Keras's negative slope, ceiling and threshold.

    .. math::

        f(x) = \begin{cases} m & x \ge m \\ x & t < x < m \\ a\,(x - t) & x \le t \end{cases}

        f'(x) = \begin{cases} 0 & x \ge m \\ 1 & t < x < m \\ a & x < t \end{cases}

        f''(x) = 0

    with :math:`a` the negative slope, :math:`m` the ceiling ``max_value`` and :math:`t`
    the threshold. The defaults give :math:`\max(x, 0)`.

    Parameters
    ----------
    negative_slope : float, default 0.0
        Slope below the threshold (Keras 2 spells it ``alpha``). Must be >= 0.
    max_value : float, default inf
        Saturation value, reached at ``x = max_value``. Must be > 0 and greater than
        ``threshold``; ``inf`` (or ``None``, as in Keras) means no ceiling.
    threshold : float, default 0.0
        Where the linear part starts. Must be finite and >= 0. When it is not 0 the
        function jumps from 0 to ``threshold`` there (Keras semantics).

    Notes
    -----
    This is exactly ``keras.activations.relu`` (Keras 2 and 3): ``max_value`` for
    ``x >= max_value``, ``x`` for ``threshold < x < max_value``, and
    ``negative_slope * (x - threshold)`` for ``x <= threshold`` (so ``f(threshold) = 0``).
    Kinks (and the jump) are at ``threshold`` and at a finite ``max_value``; there each
    derivative is the one-sided limit of smaller magnitude (design.md, Kinks):
    ``f'(threshold) = min(negative_slope, 1)``, ``f'(max_value) = 0``, ``f'' = 0``.
    ``relu(-0.0)`` is ``+0.0`` (as JAX, unlike torch). No branch does arithmetic on a
    value it does not return, so ``f`` never overflows (``x > 8.99e307`` is fine,
    unlike ``(x + |x|)/2``), ``f(-inf)`` is 0 for slope 0 and ``-inf`` otherwise, and
    ``f(nan)``, ``f'(nan)``, ``f''(nan)`` are NaN.

    References
    ----------
    Nair and Hinton (2010), "Rectified linear units improve restricted Boltzmann
    machines", ICML; ``keras.activations.relu`` (Keras 2.3 and 3).

    Examples
    --------
    >>> nl.ReLU(negative_slope=0.1, max_value=6.0)
    relu(negative_slope=0.1, max_value=6.0)
    """

    native_precision: ClassVar[bool] = True  # comparisons and one product: exact in float32

    negative_slope: float = param(0.0, ge=0.0)
    max_value: float = param(_INF, gt=0.0, allow_inf=True, allow_none=True)
    threshold: float = param(0.0, ge=0.0)
    param_aliases: ClassVar[dict[str, str]] = {"alpha": "negative_slope"}

    def _validate(self) -> None:
        if self.max_value is None:  # Keras spells "no ceiling" as None
            object.__setattr__(self, "max_value", _INF)
        if not self.max_value > self.threshold:
            raise ParameterError(
                f"relu: max_value ({self.max_value!r}) must be greater than threshold "
                f"({self.threshold!r}); raise max_value or lower threshold"
            )

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return (self.threshold, *([self.max_value] if self.max_value < _INF else []))

    def traits(self) -> Traits:
        a, t, m = self.negative_slope, self.threshold, self.max_value
        if t != 0:
            smoothness: float = -1
        elif a == 1 and m == _INF:
            smoothness = math.inf
        else:
            smoothness = 0
        return _range_traits(0.0 if a == 0 else -_INF, m, monotonic=True, smoothness=smoothness)

    def _below(self, x: Array, xp: Namespace) -> Array:
        """``a * (x - t)``, without an overflow of ``x - t`` when ``t`` is huge."""
        a, t = self.negative_slope, self.threshold
        if a == 0:
            return _full(x, 0.0, xp)
        if a > 1:  # only x <= t is used: keep the discarded part from overflowing
            x = xp.minimum(x, _full(x, t, xp))
        if t == 0:
            return a * x
        if t < 2.0**960:  # x - t >= -max - t cannot overflow
            return a * (x - t)
        return (a * (0.5 * x - 0.5 * t)) * 2.0

    def _f(self, x: Array, xp: Namespace) -> Array:
        if self.threshold == 0 and self.max_value == _INF and self.negative_slope <= 1:
            return _leaky(x, self.negative_slope, xp)  # plain (leaky) ReLU: the fast form
        above = _clamp(x, -_INF, self.max_value, xp)  # NaN stays here
        return xp.where(x <= self.threshold, self._below(x, xp), above)

    def _df(self, x: Array, xp: Namespace) -> Array:
        a, t, m = self.negative_slope, self.threshold, self.max_value
        if t == 0 and m == _INF and 0 <= a <= 1:
            return _leaky_grad(x, a, xp)
        right = (x > t) if a <= 1 else (x >= t)  # the smaller limit at the threshold
        df = xp.where(right, _full(x, 1.0, xp), _full(x, a, xp))
        if m < _INF:
            df = xp.where(x >= m, _full(x, 0.0, xp), df)
        return _keep_nan(x, df, xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


@register("relu6")
@dataclass(frozen=True, repr=False)
class ReLU6(Activation):
    r"""ReLU capped at 6.

    .. math::

        f(x) = \min(\max(x, 0), 6)

        f'(x) = \begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} \end{cases}

        f''(x) = 0

    Notes
    -----
    Kinks at 0 and 6, where f' is 0 (the smaller one-sided limit, as torch and JAX).
    Pure comparisons and selections: exact at +-inf, ``relu6(-0.0) = +0.0``, NaN in
    gives NaN out for f, f' and f''.

    References
    ----------
    Krizhevsky (2010), "Convolutional deep belief networks on CIFAR-10";
    ``torch.nn.ReLU6``, ``jax.nn.relu6``.

    Examples
    --------
    >>> nl.relu6([-1.0, 3.0, 7.0])
    array([0., 3., 6.])
    """

    native_precision: ClassVar[bool] = True  # comparisons and one product: exact in float32

    kinks = (0.0, 6.0)

    def traits(self) -> Traits:
        return _range_traits(0.0, 6.0, monotonic=True, smoothness=0)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return _clamp(x, 0.0, 6.0, xp)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return _indicator(_inside(x, 0.0, 6.0, xp), x, 1.0, xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


@register("leaky_relu")
@dataclass(frozen=True, repr=False)
class LeakyReLU(Activation):
    r"""Leaky rectified linear unit.

    .. math::

        f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}

        f'(x) = \begin{cases} 1 & x > 0 \\ a & x < 0 \end{cases}

        f''(x) = 0

    Parameters
    ----------
    negative_slope : float, default 0.01
        The slope :math:`a` for negative input (Lasagne ``leakiness``, Keras 2
        ``alpha``, PuzzleLib ``a``). Must be finite and >= 0.

    Notes
    -----
    The default 0.01 is that of Lasagne, PuzzleLib, PyTorch and JAX (Keras uses 0.2 or
    0.3, numpy-ml 0.3: see the dialects). At the kink ``x = 0``, ``f'`` is the one-sided
    limit of smaller magnitude, ``min(a, 1)`` (torch gives the slope too; JAX and Keras
    give 1), and ``f'' = 0``. ``a x`` is one correctly rounded product, so there is no
    ``0.5 (1 + a) x + 0.5 (1 - a) |x|`` rounding (Theano) and no NaN at -inf; with
    ``a = 0`` the result at -inf is 0. NaN in gives NaN out for f, f' and f''.

    References
    ----------
    Maas, Hannun, Ng (2013), "Rectifier nonlinearities improve neural network acoustic
    models", ICML workshop.

    Examples
    --------
    >>> nl.leaky_relu([-2.0, 3.0])
    array([-0.02,  3.  ])
    """

    native_precision: ClassVar[bool] = True  # comparisons and one product: exact in float32

    negative_slope: float = param(0.01, ge=0.0)
    kinks = (0.0,)
    param_aliases: ClassVar[dict[str, str]] = {
        "leakiness": "negative_slope",
        "alpha": "negative_slope",
        "a": "negative_slope",
    }

    def traits(self) -> Traits:
        a = self.negative_slope
        return _range_traits(
            0.0 if a == 0 else -_INF,
            _INF,
            monotonic=True,
            smoothness=math.inf if a == 1 else 0,
            symmetry="odd" if a == 1 else None,
        )

    def _f(self, x: Array, xp: Namespace) -> Array:
        return _leaky(x, self.negative_slope, xp)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return _leaky_grad(x, self.negative_slope, xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


LeakyRectify = LeakyReLU  # Lasagne's class name


# --------------------------------------------------------------------------- clips


@register("clip")
@dataclass(frozen=True, repr=False)
class Clip(Activation):
    r"""Clip to an interval: the identity between two bounds, constant outside.

    .. math::

        f(x) = \min(\max(x, \mathrm{lo}), \mathrm{hi})

        f'(x) = \begin{cases} 1 & \mathrm{lo} < x < \mathrm{hi} \\ 0 & \text{otherwise} \end{cases}

        f''(x) = 0

    Parameters
    ----------
    min_val : float, default 0.0
        Lower bound lo; may be ``-inf`` (no lower bound).
    max_val : float, default 6.0
        Upper bound hi; may be ``inf``. Must be greater than ``min_val``.

    Notes
    -----
    PuzzleLib's ``clip`` with its defaults (0, 6); theanets' ``rect:min`` is
    ``clip(min_val=-inf, max_val=1.0)`` and ``rect:minmax`` is ``clip(0, 1)``. The kinks
    are the finite bounds, where f' is 0 (the smaller one-sided limit, as torch's
    hardtanh). Only comparisons and selections, so the result is exact, +-inf give the
    bounds (PuzzleLib's CPU formula gives NaN there), and NaN gives NaN for f, f', f''.

    References
    ----------
    PuzzleLib ``Modules/Activation.py`` (``clip``); theanets ``rect:minmax``.

    Examples
    --------
    >>> nl.Clip(min_val=-1.0, max_val=1.0)([-3.0, 0.5, 3.0])
    array([-1. ,  0.5,  1. ])
    """

    native_precision: ClassVar[bool] = True  # comparisons and one product: exact in float32

    min_val: float = param(0.0, allow_inf=True)
    max_val: float = param(6.0, allow_inf=True)
    param_aliases: ClassVar[dict[str, str]] = {
        "a": "min_val",
        "b": "max_val",
        "min": "min_val",
        "max": "max_val",
        "lower": "min_val",
        "upper": "max_val",
    }

    def _validate(self) -> None:
        if not self.min_val < self.max_val:
            raise ParameterError(
                f"{self.name}: min_val ({self.min_val!r}) must be less than max_val "
                f"({self.max_val!r}); swap them or widen the interval"
            )

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return tuple(b for b in (self.min_val, self.max_val) if math.isfinite(b))

    def traits(self) -> Traits:
        lo, hi = self.min_val, self.max_val
        return _range_traits(
            lo,
            hi,
            monotonic=True,
            smoothness=math.inf if lo == -_INF and hi == _INF else 0,
            symmetry="odd" if lo == -hi else None,
        )

    def _f(self, x: Array, xp: Namespace) -> Array:
        return _clamp(x, self.min_val, self.max_val, xp)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return _indicator(_inside(x, self.min_val, self.max_val, xp), x, 1.0, xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


@register("hard_tanh")
@dataclass(frozen=True, repr=False)
class HardTanh(Clip):
    r"""Hard tanh: clip to [-1, 1] (a :class:`Clip` with other defaults).

    .. math::

        f(x) = \min(\max(x, \mathrm{lo}), \mathrm{hi})

        f'(x) = \begin{cases} 1 & \mathrm{lo} < x < \mathrm{hi} \\ 0 & \text{otherwise} \end{cases}

        f''(x) = 0

    Parameters
    ----------
    min_val : float, default -1.0
        Lower bound lo; may be ``-inf``.
    max_val : float, default 1.0
        Upper bound hi; may be ``inf``. Must be greater than ``min_val``.

    Notes
    -----
    ``torch.nn.Hardtanh`` with its parameters; JAX and Keras 3 ``hard_tanh`` are the
    defaults. Kinks at the finite bounds, where f' is 0 (as torch; JAX gives 1). Exact
    at +-inf; NaN gives NaN for f, f' and f''.

    References
    ----------
    Collobert (2004), "Large scale machine learning", PhD thesis; ``torch.nn.Hardtanh``.

    Examples
    --------
    >>> nl.hard_tanh([-3.0, 0.5, 3.0])
    array([-1. ,  0.5,  1. ])
    """

    min_val: float = param(-1.0, allow_inf=True)
    max_val: float = param(1.0, allow_inf=True)


# --------------------------------------------------------------------------- thresholds


@register("threshold")
@dataclass(frozen=True, repr=False)
class Threshold(Activation):
    r"""Threshold: ``x`` above the threshold, a constant value at and below it.

    .. math::

        f(x) = \begin{cases} x & x > \theta \\ v & x \le \theta \end{cases}

        f'(x) = \begin{cases} 1 & x > \theta \\ 0 & x \le \theta \end{cases}

        f''(x) = 0

    Parameters
    ----------
    threshold : float, default 0.0
        The threshold :math:`\theta` (Keras 2 ``ThresholdedReLU`` spells it ``theta``).
        Must be finite.
    value : float, default 0.0
        The value :math:`v` at and below the threshold (Keras 3 ``default_value``). Must
        be finite.

    Notes
    -----
    ``torch.nn.Threshold`` and ``keras.ops.threshold``; Keras 2's ``ThresholdedReLU``
    is ``threshold(threshold=1.0)``. The function jumps at :math:`\theta` unless
    :math:`v = \theta`; there ``f(\theta) = v`` and ``f'(\theta) = 0`` (the smaller
    one-sided limit). Selections only: exact, ``f(+inf) = inf``, ``f(-inf) = v``, and
    NaN gives NaN for f, f' and f''.

    References
    ----------
    ``torch.nn.Threshold``; ``keras.ops.threshold``.

    Examples
    --------
    >>> nl.Threshold(threshold=1.0)([0.5, 2.0])
    array([0., 2.])
    """

    native_precision: ClassVar[bool] = True  # comparisons and one product: exact in float32

    threshold: float = param(0.0)
    value: float = param(0.0)
    param_aliases: ClassVar[dict[str, str]] = {
        "theta": "threshold",
        "default_value": "value",
    }

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return (self.threshold,)

    def traits(self) -> Traits:
        t, v = self.threshold, self.value
        return _range_traits(min(t, v), _INF, monotonic=v <= t, smoothness=0 if v == t else -1)

    def _f(self, x: Array, xp: Namespace) -> Array:
        return xp.where(x <= self.threshold, _full(x, self.value, xp), x)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return _indicator(x > self.threshold, x, 1.0, xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


@register("hard_shrink")
@dataclass(frozen=True, repr=False)
class HardShrink(Activation):
    r"""Hard shrinkage: zero on :math:`[-\lambda, \lambda]`, the identity outside.

    .. math::

        f(x) = \begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}

        f'(x) = \begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}

        f''(x) = 0

    Parameters
    ----------
    lambd : float, default 0.5
        The half-width :math:`\lambda` (Keras 3 ``threshold``). Must be finite and >= 0.

    Notes
    -----
    Jumps at :math:`\pm\lambda` (from 0 to :math:`\pm\lambda`), where f' is 0, the
    smaller one-sided limit; with ``lambd = 0`` it is the identity (no kinks). Exact
    selections, +-inf pass through, NaN gives NaN for f, f' and f''.

    References
    ----------
    Donoho and Johnstone (1994), "Ideal spatial adaptation by wavelet shrinkage",
    Biometrika; ``torch.nn.Hardshrink``.

    Examples
    --------
    >>> nl.hard_shrink([-1.0, 0.25, 2.0])
    array([-1.,  0.,  2.])
    """

    native_precision: ClassVar[bool] = True  # comparisons and one product: exact in float32

    lambd: float = param(0.5, ge=0.0)
    param_aliases: ClassVar[dict[str, str]] = {"threshold": "lambd"}

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return (-self.lambd, self.lambd) if self.lambd > 0 else ()

    def traits(self) -> Traits:
        return _range_traits(
            -_INF,
            _INF,
            monotonic=True,
            smoothness=-1 if self.lambd > 0 else math.inf,
            symmetry="odd",
        )

    def _f(self, x: Array, xp: Namespace) -> Array:
        if self.lambd == 0:
            return x * 1.0
        return xp.where(xp.abs(x) <= self.lambd, _full(x, 0.0, xp), x)

    def _df(self, x: Array, xp: Namespace) -> Array:
        if self.lambd == 0:
            return _keep_nan(x, _full(x, 1.0, xp), xp)
        return _indicator(xp.abs(x) > self.lambd, x, 1.0, xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


@register("soft_shrink")
@dataclass(frozen=True, repr=False)
class SoftShrink(Activation):
    r"""Soft shrinkage (soft thresholding): move x towards 0 by :math:`\lambda`.

    .. math::

        f(x) = \operatorname{sign}(x) \max(|x| - \lambda, 0)

        f'(x) = \begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}

        f''(x) = 0

    Parameters
    ----------
    lambd : float, default 0.5
        The shift :math:`\lambda` (Keras 3 ``threshold``). Must be finite and >= 0.

    Notes
    -----
    Kinks at :math:`\pm\lambda`, where f' is 0 (the smaller one-sided limit); with
    ``lambd = 0`` it is the identity. ``x - lambd`` is one correctly rounded
    subtraction, exact near the kink (Sterbenz), and +-inf stay +-inf; NaN gives NaN
    for f, f' and f''.

    References
    ----------
    Donoho (1995), "De-noising by soft-thresholding", IEEE Trans. Inf. Theory;
    ``torch.nn.Softshrink``.

    Examples
    --------
    >>> nl.soft_shrink([-1.0, 0.25, 2.0])
    array([-0.5,  0. ,  1.5])
    """

    lambd: float = param(0.5, ge=0.0)
    param_aliases: ClassVar[dict[str, str]] = {"threshold": "lambd"}

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return (-self.lambd, self.lambd) if self.lambd > 0 else ()

    def traits(self) -> Traits:
        return _range_traits(
            -_INF,
            _INF,
            monotonic=True,
            smoothness=0 if self.lambd > 0 else math.inf,
            symmetry="odd",
        )

    def _f(self, x: Array, xp: Namespace) -> Array:
        lam = self.lambd
        if lam == 0:
            return x * 1.0
        shifted = xp.where(x > lam, x - lam, x + lam)  # NaN + lam stays NaN
        return xp.where(xp.abs(x) <= lam, _full(x, 0.0, xp), shifted)

    def _df(self, x: Array, xp: Namespace) -> Array:
        if self.lambd == 0:
            return _keep_nan(x, _full(x, 1.0, xp), xp)
        return _indicator(xp.abs(x) > self.lambd, x, 1.0, xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


# --------------------------------------------------------------------------- hard sigmoids


class _Ramp(Activation):
    """A linear ramp from 0 to 1 over ``[-h, h]`` (``half_width``): the hard sigmoids.

    ``(x + h) / (2h)`` between the kinks, 0 and 1 outside: exactly 0 and 1 at ``+-h``,
    the limits at +-inf, and NaN stays NaN; f' is ``1/(2h)`` inside and 0 at the
    kinks (the smaller one-sided limit) and outside.
    """

    half_width: ClassVar[float] = 1.0

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return (-self.half_width, self.half_width)

    def traits(self) -> Traits:
        return _range_traits(0.0, 1.0, monotonic=True, smoothness=0)

    def _f(self, x: Array, xp: Namespace) -> Array:
        # Selected on x, not clamped: next to a kink the middle rounds to exactly 0 or 1,
        # and autodiff through a tied min/max would halve the slope there.
        h = self.half_width
        y = xp.where(x >= h, _full(x, 1.0, xp), (x + h) / (2 * h))
        return xp.where(x <= -h, _full(x, 0.0, xp), y)

    def _df(self, x: Array, xp: Namespace) -> Array:
        h = self.half_width
        return _indicator(_inside(x, -h, h, xp), x, 1 / (2 * h), xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


@register("hard_sigmoid")
@dataclass(frozen=True, repr=False)
class HardSigmoid(_Ramp):
    r"""Hard sigmoid of Keras 2, Theano and numpy-ml: linear with slope 1/5 on [-2.5, 2.5].

    .. math::

        f(x) = \min(\max(x / 5 + 1/2, 0), 1)

        f'(x) = \begin{cases} 1/5 & |x| < 5/2 \\ 0 & |x| \ge 5/2 \end{cases}

        f''(x) = 0

    Notes
    -----
    Keras 3, PyTorch and JAX changed ``hard_sigmoid`` to ``relu6(x + 3)/6``; that one is
    :class:`HardSigmoidV3` here (the ``torch``, ``jax`` and ``keras`` dialects map to
    it). Kinks at +-2.5, where f' is 0 (numpy-ml's inclusive ends give 0.2). The middle
    piece is computed as ``(x + 2.5) / 5``: the sum is exact near -2.5 (Sterbenz) and
    the division correctly rounded, so small values near the lower kink keep full
    relative accuracy, which ``0.2 * x + 0.5`` (a rounded 0.2, then cancellation) does
    not. Exact 0 and 1 at +-inf; NaN gives NaN for f, f' and f''.

    References
    ----------
    Courbariaux, Bengio, David (2015), "BinaryConnect", arXiv:1511.00363;
    ``keras.backend.hard_sigmoid`` (Keras 2), ``theano.tensor.nnet.hard_sigmoid``.

    Examples
    --------
    >>> nl.hard_sigmoid([-3.0, 0.0, 1.0])
    array([0. , 0.5, 0.7])
    """

    half_width: ClassVar[float] = 2.5


@register("hard_sigmoid_v3")
@dataclass(frozen=True, repr=False)
class HardSigmoidV3(_Ramp):
    r"""Hard sigmoid of Keras 3, PyTorch and JAX: ``relu6(x + 3) / 6``.

    .. math::

        f(x) = \min(\max(x + 3, 0), 6) / 6

        f'(x) = \begin{cases} 1/6 & |x| < 3 \\ 0 & |x| \ge 3 \end{cases}

        f''(x) = 0

    Notes
    -----
    Kinks at +-3, where f' is 0 (as torch and JAX). f' is the float64 nearest 1/6 in
    float64 (torch's float64 backward returns the float32 one, 0.1666666716) and f'' is
    0 (torch has no double backward here). The middle piece ``(x + 3) / 6`` is exact in
    its sum near -3 and correctly rounded in the division, so values near the lower
    kink keep full relative accuracy (``x / 6 + 0.5`` would cancel). Exact 0 and 1 at
    +-inf; NaN gives NaN for f, f' and f''.

    References
    ----------
    Howard et al. (2019), "Searching for MobileNetV3", arXiv:1905.02244;
    ``torch.nn.Hardsigmoid``, ``jax.nn.hard_sigmoid``, ``keras.activations.hard_sigmoid``.

    Examples
    --------
    >>> nl.hard_sigmoid_v3([-4.0, 0.0, 1.5])
    array([0.  , 0.5 , 0.75])
    """

    half_width: ClassVar[float] = 3.0


@register("sparse_sigmoid")
@dataclass(frozen=True, repr=False)
class SparseSigmoid(_Ramp):
    r"""Sparse sigmoid: ``clip(x + 1, 0, 2) / 2``, linear with slope 1/2 on [-1, 1].

    .. math::

        f(x) = \min(\max(x + 1, 0), 2) / 2

        f'(x) = \begin{cases} 1/2 & |x| < 1 \\ 0 & |x| \ge 1 \end{cases}

        f''(x) = 0

    Notes
    -----
    Kinks at +-1, where f' is 0 (the smaller one-sided limit). ``(x + 1) * 0.5`` is one
    rounding (the sum, exact near -1) and an exact halving. Exact 0 and 1 at +-inf;
    NaN gives NaN for f, f' and f''.

    References
    ----------
    Martins and Astudillo (2016), "From softmax to sparsemax", arXiv:1602.02068
    (sparsemax of ``[x, 0]``); ``jax.nn.sparse_sigmoid``.

    Examples
    --------
    >>> nl.sparse_sigmoid([-2.0, 0.5, 2.0])
    array([0.  , 0.75, 1.  ])
    """

    half_width: ClassVar[float] = 1.0


@register("hard_silu")
@dataclass(frozen=True, repr=False)
class HardSiLU(Activation):
    r"""Hard SiLU (hard swish): ``x * relu6(x + 3) / 6``.

    .. math::

        f(x) = \begin{cases} 0 & x \le -3 \\ x (x + 3) / 6 & -3 < x < 3 \\ x & x \ge 3 \end{cases}

        f'(x) = \begin{cases} 0 & x < -3 \\ (2x + 3) / 6 & -3 < x < 3 \\ 1 & x \ge 3 \end{cases}

        f''(x) = \begin{cases} 1/3 & |x| < 3 \\ 0 & |x| \ge 3 \end{cases}

    Notes
    -----
    Kinks at +-3, where f' jumps; there each derivative is the one-sided limit of
    smaller magnitude: ``f'(-3) = 0`` (not -1/2), ``f'(3) = 1`` (not 3/2), ``f''(+-3) =
    0``. The pieces are selected, not multiplied by an indicator, so ``f(-inf) = 0``
    (torch, JAX and Keras give NaN from ``-inf * 0``) and ``f(inf) = inf``; the middle
    piece ``x (x + 3) / 6`` has an exact sum near -3 and three roundings in all, and
    it only sees ``x`` clamped to [-3, 3], so no discarded value overflows (nor turns
    an autodiff gradient to NaN). NaN gives NaN for f, f' and f''.

    References
    ----------
    Howard et al. (2019), "Searching for MobileNetV3", arXiv:1905.02244;
    ``torch.nn.Hardswish``, ``jax.nn.hard_silu``.

    Examples
    --------
    >>> nl.hard_silu([-4.0, 1.0, 4.0])
    array([0.        , 0.66666667, 4.        ])
    """

    kinks = (-3.0, 3.0)

    def traits(self) -> Traits:
        return _range_traits(-0.375, _INF, monotonic=False, smoothness=0)

    def _f(self, x: Array, xp: Namespace) -> Array:
        inner = _clamp(x, -3.0, 3.0, xp)  # the discarded parts stay finite
        middle = inner * (inner + 3.0) / 6.0
        y = xp.where(x >= 3.0, x, middle)
        return xp.where(x <= -3.0, _full(x, 0.0, xp), y)

    def _df(self, x: Array, xp: Namespace) -> Array:
        inner = _clamp(x, -3.0, 3.0, xp)
        middle = (2.0 * inner + 3.0) / 6.0
        y = xp.where(x >= 3.0, _full(x, 1.0, xp), middle)
        return xp.where(x <= -3.0, _full(x, 0.0, xp), y)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _indicator(_inside(x, -3.0, 3.0, xp), x, 1.0 / 3.0, xp)


@register("sparse_plus")
@dataclass(frozen=True, repr=False)
class SparsePlus(Activation):
    r"""Sparse plus: a C1 softplus made of 0, a parabola and the identity.

    .. math::

        f(x) = \begin{cases} 0 & x \le -1 \\ (x + 1)^2 / 4 & -1 < x < 1 \\ x & x \ge 1 \end{cases}

        f'(x) = \begin{cases} 0 & x \le -1 \\ (x + 1) / 2 & -1 < x < 1 \\ 1 & x \ge 1 \end{cases}

        f''(x) = \begin{cases} 1/2 & |x| < 1 \\ 0 & |x| \ge 1 \end{cases}

    Notes
    -----
    f and f' are continuous; f'' jumps at the kinks +-1 and returns 0 there (the
    smaller one-sided limit). ``(x + 1)`` is exact near -1 (Sterbenz), so the small
    values there keep full relative accuracy; the parabola only sees ``x`` clamped to
    [-1, 1], so it cannot overflow where it is discarded. Exact 0 and inf at -inf and
    inf; NaN gives NaN for f, f' and f''.

    References
    ----------
    ``jax.nn.sparse_plus``; ``keras.activations.sparse_plus``.

    Examples
    --------
    >>> nl.sparse_plus([-2.0, 0.0, 2.0])
    array([0.  , 0.25, 2.  ])
    """

    kinks = (-1.0, 1.0)

    def traits(self) -> Traits:
        return _range_traits(0.0, _INF, monotonic=True, smoothness=1)

    def _f(self, x: Array, xp: Namespace) -> Array:
        shifted = _clamp(x, -1.0, 1.0, xp) + 1.0  # the discarded parts stay finite
        y = xp.where(x >= 1.0, x, shifted * shifted * 0.25)
        return xp.where(x <= -1.0, _full(x, 0.0, xp), y)

    def _df(self, x: Array, xp: Namespace) -> Array:
        y = xp.where(x >= 1.0, _full(x, 1.0, xp), (x + 1.0) * 0.5)
        return xp.where(x <= -1.0, _full(x, 0.0, xp), y)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _indicator(_inside(x, -1.0, 1.0, xp), x, 0.5, xp)


# --------------------------------------------------------------------------- linear


@register("linear")
@dataclass(frozen=True, repr=False)
class Linear(Activation):
    r"""The identity (Lasagne ``linear``/``identity``, numpy-ml ``Identity``).

    .. math::

        f(x) = x

        f'(x) = 1

        f''(x) = 0

    Notes
    -----
    Returns a new array (never the input itself), keeping -0.0, +-inf and NaN; f' and
    f'' are NaN at NaN.

    References
    ----------
    ``lasagne.nonlinearities.linear``; ``keras.activations.linear``.

    Examples
    --------
    >>> nl.linear([-1.0, 2.0])
    array([-1.,  2.])
    """

    native_precision: ClassVar[bool] = True  # comparisons and one product: exact in float32

    def traits(self) -> Traits:
        return _range_traits(-_INF, _INF, monotonic=True, smoothness=math.inf, symmetry="odd")

    def _f(self, x: Array, xp: Namespace) -> Array:
        return x * 1.0

    def _df(self, x: Array, xp: Namespace) -> Array:
        return _keep_nan(x, _full(x, 1.0, xp), xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


@register("affine")
@dataclass(frozen=True, repr=False)
class Affine(Activation):
    r"""Affine map ``slope * x + intercept`` (numpy-ml ``Affine``).

    .. math::

        f(x) = a x + b

        f'(x) = a

        f''(x) = 0

    Parameters
    ----------
    slope : float, default 1.0
        The slope :math:`a`. Must be finite.
    intercept : float, default 0.0
        The intercept :math:`b`. Must be finite.

    Notes
    -----
    With ``intercept = 0`` this is one correctly rounded product. Otherwise the product
    is split exactly, ``a x = p + e`` (Dekker), and summed as ``(p + b) + e``: where
    ``a x`` nearly cancels ``b`` (around the root ``x = -b/a``) the sum ``p + b`` is
    exact and the result keeps full relative accuracy, which ``a * x + b`` does not.
    For ``|x|`` or ``|a x|`` near the overflow threshold the plain form is used (it is
    then accurate unless ``b`` cancels a product above 1e290). f(+-inf) is the limit
    (``b`` when ``a = 0``, never ``0 * inf``); NaN gives NaN for f, f' and f''.

    References
    ----------
    numpy-ml ``neural_nets/activations/activations.py`` (``Affine``).

    Examples
    --------
    >>> nl.Affine(slope=2.0, intercept=1.0)([0.0, 1.0])
    array([1., 3.])
    """

    slope: float = param(1.0)
    intercept: float = param(0.0)

    def traits(self) -> Traits:
        a, b = self.slope, self.intercept
        lo, hi = (b, b) if a == 0 else (-_INF, _INF)
        symmetry = "odd" if b == 0 else ("even" if a == 0 else None)
        smooth = math.inf
        return _range_traits(lo, hi, monotonic=a >= 0, smoothness=smooth, symmetry=symmetry)

    def _f(self, x: Array, xp: Namespace) -> Array:
        a, b = self.slope, self.intercept
        if a == 0:  # a constant, also at +-inf (no 0 * inf)
            return _keep_nan(x, _full(x, b, xp), xp)
        if b == 0:
            return a * x
        p = a * x
        big = float(xp.finfo(x.dtype).max) * 2.0**-40  # Dekker's split is safe below this
        if not abs(a) < big:
            return p + b
        ok = (xp.abs(x) < big) & (xp.abs(p) < big)
        safe = xp.where(ok, x, _full(x, 0.0, xp))
        head, tail = two_product(_full(x, a, xp), safe, xp)
        return xp.where(ok, (head + b) + tail, p + b)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return _keep_nan(x, _full(x, self.slope, xp), xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _zero(x, xp)


# --------------------------------------------------------------------------- instances

relu = ReLU()
relu6 = ReLU6()
leaky_relu = LeakyReLU()
clip = Clip()
hard_tanh = HardTanh()
threshold = Threshold()
hard_shrink = HardShrink()
soft_shrink = SoftShrink()
hard_sigmoid = HardSigmoid()
hard_sigmoid_v3 = HardSigmoidV3()
sparse_sigmoid = SparseSigmoid()
hard_silu = HardSiLU()
sparse_plus = SparsePlus()
linear = Linear()
affine = Affine()

# Lasagne's names.
rectify = relu
leaky_rectify = leaky_relu
very_leaky_rectify = LeakyReLU(negative_slope=1 / 3)
identity = linear

r"""Learnable and stochastic activations: prelu, lgrelu, maxout, elu_learnable,
swish_learnable, snake, pau (rational), and rrelu.

Hyper-parameters and learned values are kept apart:

* **Hyper-parameters** are the dataclass fields, exactly as for every other
  activation: validated, hashable, compared by value, printed by ``str(act)``
  (``prelu(axis=-1)``, ``maxout(pieces=3)``), so ``nl.get(str(act)) == act``.
* **Learned values** live in the mutable dict ``act.params`` (name -> array). They
  never take part in ``==``, ``hash`` or ``str``; ``pickle`` and ``copy`` keep them.

Shapes. Every learnable activation has an ``axis`` hyper-parameter. ``axis=None`` (the
default) means one set of values shared by every element (PyTorch's
``num_parameters=1``); an integer means one set per unit along that axis of the input
(the feature axis: ``axis=-1`` for a Dense layer, ``axis=1`` for channels-first
images). A parameter's shape is ``(units,) + extra`` (``extra`` is ``(pieces,)`` for
maxout's slopes, ``(m + 1,)`` for a rational's numerator) or just ``extra`` when shared.

Life cycle::

    act = nl.PReLU(axis=-1)            # hyper-parameters only; act.params is empty
    act.init_params(64, rng=0)         # eager: 64 units, seeded (an int, a
                                       # numpy.random.Generator, or None)
    act.init_params(shape=(32, 64))    # or sized from an input shape
    y = act(x)                         # lazy: sized from x.shape[axis] on first call
    g = act.param_vjp(x, dy)           # {"slope": dL/dslope}, same keys and shapes
    act.params["slope"] -= 0.1 * g["slope"]   # update in place (any optimiser)
    act.set_params(slope=...)          # or replace, shapes checked
    mine = act.clone()                 # same hyper-parameters, no parameters yet

``nl.get`` caches and shares instances, so ``nl.get("prelu(axis=-1)")`` returns the
same object (and the same ``params``) every time; a layer that owns its parameters
calls ``clone()`` first (``nonlin.torch``, ``nonlin.keras`` and ``nonlin.layers`` do).

Initialisers are seedable: ``init_params(units, rng=seed)``; without ``init_params``
the first call draws from a fresh ``numpy.random.default_rng()``. Constant
initialisers (prelu's ``init``, snake's ``init``, ...) ignore the generator.

Derivatives. ``grad``/``grad2`` are derivatives in ``x`` at the current parameter
values; ``param_vjp(x, dy)`` gives the gradient of ``sum(dy * f(x))`` with respect to
each parameter, summed over every axis but the feature axis. All are closed forms.

``rrelu`` has no learned values but is random in training: ``act(x)`` is the
evaluation form (the mean slope); ``act.forward_train(x, rng)`` draws one slope per
element and returns ``(y, dy/dx)``.

The parameter arrays are NumPy arrays (the initialisers use NumPy's generator); the
formulas themselves are array-API code, and the arrays are converted to the input's
namespace and dtype when evaluated.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np

from .. import engine
from .._math import nonnegative, nonpositive, sigmoid_pair, split, two_product
from ..activation import Activation, Traits, param, register
from ..errors import InputError, ParameterError
from ..namespace import Array, Namespace, namespace, prepare, prepare_like, quiet
from .rectifiers import _keep_nan, _leaky, _leaky_grad
from .smooth import _silu_curvature, _silu_parts, _silu_slope, _unscale

__all__ = [
    "PAU",
    "LGReLU",
    "Learnable",
    "LearnableELU",
    "LearnableSwish",
    "Maxout",
    "PReLU",
    "RReLU",
    "Snake",
    "elu_learnable",
    "lgrelu",
    "maxout",
    "pau",
    "prelu",
    "rrelu",
    "snake",
    "swish_learnable",
]

Params = dict[str, Any]
_BOOL = (True, False)


def _axis_param() -> Any:
    return param(None, kind=int, allow_none=True)


def _generator(rng: Any) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


# --------------------------------------------------------------------------- the base


class Learnable(Activation):
    """Base of activations with learned parameters (see the module docstring).

    Subclasses declare an ``axis`` field, ``param_names``, and implement
    ``_extra_shapes()``, ``_initial(units, rng)`` and the hooks ``_fp``, ``_dfp``,
    ``_d2fp`` (value, f', f'' given broadcast parameters ``p``) and ``_pgrad``
    (per-element contributions ``dy * df/dp``, reduced by :meth:`_reduce`).
    """

    learnable: ClassVar[bool] = True
    param_names: ClassVar[tuple[str, ...]] = ()
    axis: int | None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_store", {})

    # ------------------------------------------------------------- parameter life cycle

    def _extra_shapes(self) -> dict[str, tuple[int, ...]]:
        return {name: () for name in self.param_names}

    def param_shapes(self, units: int | None = None) -> dict[str, tuple[int, ...]]:
        """The shape of every parameter for ``units`` units (ignored when shared)."""
        lead: tuple[int, ...] = () if self.axis is None else (self._units(units),)
        return {name: lead + extra for name, extra in self._extra_shapes().items()}

    def _units(self, units: int | None) -> int:
        if units is None or isinstance(units, bool) or int(units) != units or units < 1:
            raise ParameterError(
                f"{self}: one set of parameters per unit along axis {self.axis} needs the "
                f"number of units (a positive int), not {units!r}"
            )
        return int(units)

    def _initial(self, shapes: dict[str, tuple[int, ...]], rng: np.random.Generator) -> Params:
        raise NotImplementedError

    def init_params(
        self, units: int | None = None, rng: Any = None, *, shape: Any = None
    ) -> Params:
        """Create (or re-create) the parameters and return ``self.params``.

        ``units`` is the size of the feature axis (not needed when ``axis`` is None);
        ``shape``, the shape of an input, gives it instead (``shape[axis]``).
        ``rng`` is a seed, a ``numpy.random.Generator`` or None (fresh entropy).
        """
        if shape is not None:
            dims = tuple(int(d) for d in shape)
            if self.axis is not None:
                if not -len(dims) <= self.axis < len(dims):
                    raise ParameterError(
                        f"{self}: axis {self.axis} is out of range for shape {dims}; give "
                        "the shape of an input that has the feature axis"
                    )
                from_shape = dims[self.axis]
                if units is not None and units != from_shape:
                    raise ParameterError(
                        f"{self}: units={units!r} disagrees with shape[{self.axis}] = "
                        f"{from_shape}; give one of them"
                    )
                units = from_shape
        shapes = self.param_shapes(units)
        values = self._initial(shapes, _generator(rng))
        store = self._store  # type: ignore[attr-defined]
        store.clear()
        for name in self.param_names:
            store[name] = np.array(values[name], dtype=np.float64).reshape(shapes[name])
        return store

    @property
    def params(self) -> Params:
        """The learned values, name -> array (empty until sized; shared ones are made
        on first access)."""
        store: Params = self._store  # type: ignore[attr-defined]
        if not store and self.axis is None:
            self.init_params()
        return store

    @property
    def units(self) -> int | None:
        """The number of units the parameters are sized for (None: shared or not yet)."""
        store: Params = self._store  # type: ignore[attr-defined]
        if self.axis is None or not store:
            return None
        return int(store[self.param_names[0]].shape[0])

    def set_params(self, values: Mapping[str, Any] | None = None, **more: Any) -> None:
        """Replace parameters (all or some), checking names and shapes."""
        given = {**(values or {}), **more}
        unknown = set(given) - set(self.param_names)
        if unknown:
            raise ParameterError(
                f"{self} has no parameter(s) {sorted(unknown)}; it has {list(self.param_names)}"
            )
        store: Params = self._store  # type: ignore[attr-defined]
        units = self.units
        if units is None and self.axis is not None:
            first = next(iter(given.values()))
            units = int(np.shape(first)[0])
        shapes = self.param_shapes(units)
        complete = store or set(given) == set(self.param_names)
        current = store if complete else self.init_params(units)
        for name, value in given.items():
            array = np.array(value, dtype=np.float64)
            if array.shape != shapes[name]:
                raise ParameterError(
                    f"{self}: parameter {name!r} must have shape {shapes[name]}, not {array.shape}"
                )
            current[name] = array
        if current is not store:  # pragma: no cover - init_params fills the store
            store.update(current)

    def clone(self, copy_params: bool = False) -> Learnable:
        """A new instance with the same hyper-parameters (and a copy of the parameters
        if ``copy_params``); its parameters are its own."""
        twin = dataclasses.replace(self)  # type: ignore[type-var]
        if copy_params:
            store: Params = self._store  # type: ignore[attr-defined]
            twin._store.update({k: np.array(v, copy=True) for k, v in store.items()})  # type: ignore[attr-defined]
        return twin

    # ------------------------------------------------------------- broadcasting

    def _axis_of(self, ndim: int) -> int:
        axis = self.axis if self.axis is not None else -1
        if ndim == 0 or not -ndim <= axis < ndim:
            raise InputError(
                f"{self}: axis {self.axis} is out of range for a {ndim}-d input; "
                "use axis=None for shared parameters or an axis the input has"
            )
        return axis % ndim

    def _check_input(self, x: Array, xp: Namespace) -> None:
        if self.axis is None:
            return
        axis = self._axis_of(len(x.shape))
        units = self.units
        if units is not None and x.shape[axis] != units:
            raise InputError(
                f"{self}: the parameters are sized for {units} units, but axis "
                f"{self.axis} of the input has {x.shape[axis]}; use a fresh act.clone() "
                "for another layer size"
            )

    def _broadcast(self, raw: Mapping[str, Array], x: Array, xp: Namespace) -> Params:
        """Parameters reshaped to broadcast against ``x`` (extra axes at the end)."""
        ndim = len(x.shape)
        out: Params = {}
        for name, extra in self._extra_shapes().items():
            value = raw[name]
            if self.axis is None:
                shape = (1,) * ndim + extra
            else:
                axis = self._axis_of(ndim)
                shape = tuple(x.shape[axis] if i == axis else 1 for i in range(ndim)) + extra
            out[name] = xp.reshape(value, shape)
        return out

    def _param_vjp_in_blocks(self, x: Any, dy: Any) -> bool:
        """Whether :func:`nonlin.engine.param_vjp_leading` computes ``param_vjp(x, dy)``:
        large float32 or float64 NumPy arrays of one shape and dtype, a built-in
        activation, its values along another axis than the first (or shared)."""
        if type(x) is not np.ndarray or type(dy) is not np.ndarray:
            return False
        if x.dtype not in (np.float32, np.float64) or dy.dtype != x.dtype:
            return False
        if x.shape != dy.shape or x.size < engine.SMALL or not x.ndim:
            return False
        if not type(self).__module__.startswith("nonlin.catalog."):
            return False  # a user's subclass may not be written for blocks
        axis = self.axis
        if axis is None:
            return True
        # values along the first axis would be split by the blocks; an axis out of
        # range is left to the plain call, which says what is wrong
        return isinstance(axis, int) and -x.ndim <= axis < x.ndim and axis % x.ndim != 0

    def _reduce(self, contributions: Mapping[str, Array], x: Array, xp: Namespace) -> Params:
        """Sum per-element contributions over every axis but the feature axis."""
        ndim = len(x.shape)
        keep = None if self.axis is None else self._axis_of(ndim)
        axes = tuple(i for i in range(ndim) if i != keep)
        out: Params = {}
        for name, value in contributions.items():
            out[name] = xp.sum(value, axis=axes) if axes else value
        return out

    def _bound(self, x: Array, xp: Namespace) -> Params:
        store: Params = self._store  # type: ignore[attr-defined]
        if not store:
            if self.axis is None:
                self.init_params()
            else:
                self.init_params(x.shape[self._axis_of(len(x.shape))])
        self._check_input(x, xp)
        device = getattr(x, "device", None)
        raw = {}
        for name in self.param_names:
            value = store[name]
            if not isinstance(value, np.ndarray):
                value = np.asarray(value)
            try:
                raw[name] = xp.asarray(value, dtype=x.dtype, device=device)
            except TypeError:
                raw[name] = xp.asarray(value, dtype=x.dtype)
        return self._broadcast(raw, x, xp)

    # ------------------------------------------------------------- evaluation

    def _f(self, x: Array, xp: Namespace) -> Array:
        return self._fp(x, self._bound(x, xp), xp)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return self._dfp(x, self._bound(x, xp), xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return self._d2fp(x, self._bound(x, xp), xp)

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        p = self._bound(x, xp)
        return self._fp(x, p, xp), self._dfp(x, p, xp), self._d2fp(x, p, xp)

    def param_vjp(self, x: Any, dy: Any, /) -> Params:
        """``{name: d sum(dy * f(x)) / d param}``, shaped like ``act.params``."""
        if self._param_vjp_in_blocks(x, dy):
            grads = engine.param_vjp_leading(self, x, dy, namespace(x))
            return {name: np.asarray(value, dtype=x.dtype) for name, value in grads.items()}
        prepared = prepare(x)
        cotangent = prepare_like(dy, prepared, "dy")
        xp = prepared.xp
        with quiet(xp):
            p = self._bound(prepared.x, xp)
            grads = self._reduce(self._pgrad(prepared.x, cotangent, p, xp), prepared.x, xp)
            return {name: prepared.finish(value) for name, value in grads.items()}

    def has_numeric_derivatives(self) -> bool:
        return False

    # hooks --------------------------------------------------------------------------

    def _fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        raise NotImplementedError

    def _dfp(self, x: Array, p: Params, xp: Namespace) -> Array:
        raise NotImplementedError

    def _d2fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        raise NotImplementedError

    def _pgrad(self, x: Array, dy: Array, p: Params, xp: Namespace) -> Params:
        raise NotImplementedError


def _largest(x: Array, xp: Namespace) -> float:
    """The largest finite value of ``x``'s dtype (a float64 constant would overflow
    when a framework converts it to float32)."""
    return float(xp.finfo(x.dtype).max)


def _smaller(a: Array, b: Array, xp: Namespace) -> Array:
    """Elementwise, whichever of ``a`` and ``b`` has the smaller magnitude."""
    return xp.where(xp.abs(a) <= xp.abs(b), a, b)


def _abs_normal(shape: tuple[int, ...], scale: float, rng: np.random.Generator) -> np.ndarray:
    return scale * np.abs(rng.standard_normal(shape))


# --------------------------------------------------------------------------- prelu


@register("prelu")
@dataclass(frozen=True, repr=False)
class PReLU(Learnable):
    r"""Parametric ReLU: a leaky ReLU whose negative slope is learned.

    .. math::

        f(x) = \begin{cases} x & x > 0 \\ a\,x & x \le 0 \end{cases}

        f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}

        f''(x) = 0

    Learned: ``slope`` (:math:`a`), shape ``(units,)`` or ``()`` when shared.

    Parameters
    ----------
    init : float, default 0.25
        Initial slope (PyTorch and PuzzleLib 0.25; Keras 0).
    axis : int or None, default None
        Feature axis with one slope per unit (PyTorch channels: 1; Keras Dense: -1);
        None shares one slope (PyTorch's default ``num_parameters=1``).

    Notes
    -----
    At the kink ``x = 0``: f' is the one-sided limit of smaller magnitude,
    ``1`` or ``a``, and ``df/da = 0``. Keras' per-element ``PReLU`` is dialect
    ``keras`` (``init=0, axis=-1``); theanets' ``prelu`` (slope ``exp(leak)``) is
    ``lgrelu(learn_gain=False)``.

    References
    ----------
    He, Zhang, Ren, Sun (2015), "Delving deep into rectifiers", arXiv:1502.01852.

    Examples
    --------
    >>> nl.PReLU(axis=-1)
    prelu(axis=-1)
    """

    init: float = param(0.25)
    axis: int | None = _axis_param()
    param_names: ClassVar[tuple[str, ...]] = ("slope",)
    kinks = (0.0,)

    def traits(self) -> Traits:
        return Traits(
            range=(-math.inf, math.inf), monotonic=False, smoothness=0, zero_centred=False
        )

    def _initial(self, shapes: dict[str, tuple[int, ...]], rng: np.random.Generator) -> Params:
        return {"slope": np.full(shapes["slope"], self.init)}

    def _fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        a = p["slope"]
        # slope 0 at -inf: the limit 0, not 0 * inf; NaN stays NaN
        negative = xp.where(a == 0, xp.zeros_like(x), a * nonpositive(x, xp))
        return _keep_nan(x, xp.where(x > 0, x, negative), xp)

    def _dfp(self, x: Array, p: Params, xp: Namespace) -> Array:
        a = p["slope"] + xp.zeros_like(x)
        one = xp.ones_like(x)
        return _keep_nan(x, xp.where(x > 0, one, xp.where(x < 0, a, _smaller(one, a, xp))), xp)

    def _d2fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        return _keep_nan(x, xp.zeros_like(x), xp)

    def _pgrad(self, x: Array, dy: Array, p: Params, xp: Namespace) -> Params:
        return {"slope": dy * nonpositive(x, xp)}


prelu = PReLU()


# --------------------------------------------------------------------------- lgrelu


@register("lgrelu")
@dataclass(frozen=True, repr=False)
class LGReLU(Learnable):
    r"""Leaky ReLU with learned gain and leak, both in log space (theanets).

    .. math::

        f(x) = \begin{cases} e^{g} x & x > 0 \\ e^{l} x & x \le 0 \end{cases}

        f'(x) = \begin{cases} e^{g} & x > 0 \\ e^{l} & x \le 0 \end{cases}

        f''(x) = 0

    Learned: ``gain`` (:math:`g`, only if ``learn_gain``) and ``leak`` (:math:`l`),
    each of shape ``(units,)`` or ``()`` when shared, initialised to
    ``init_std * |N(0, 1)|`` (theanets HEAD: slopes about 1.0 to 1.3 at the start).

    Parameters
    ----------
    learn_gain : bool, default True
        Learn the positive-side gain too; ``False`` is theanets' ``prelu``
        (``(x+|x|)/2 + exp(leak)(x-|x|)/2``), with the gain fixed at 1.
    init_std : float, default 0.1
        Scale of the half-normal initialisation of ``gain`` and ``leak``. Must be >= 0.
    axis : int or None, default None
        Feature axis with one gain and leak per unit (theanets: -1); None shares them.

    Notes
    -----
    Both slopes are positive whatever is learned, so f is increasing. At the kink
    ``x = 0`` f' is the smaller of the two slopes. theanets writes the function as
    ``exp(g)(x+|x|)/2 + exp(l)(x-|x|)/2``, which is NaN at ``-inf``; the branches here
    give the same values and the limits at infinity. Dialect ``theanets`` maps
    ``lgrelu``/``leaky-gain-relu`` to ``lgrelu(axis=-1)`` and ``prelu``/``leaky-relu``
    to ``lgrelu(learn_gain=False, axis=-1)``.

    References
    ----------
    theanets ``theanets/activations.py`` (classes ``LGrelu`` and ``Prelu``, HEAD 79db9f8).

    Examples
    --------
    >>> nl.LGReLU(axis=-1)
    lgrelu(axis=-1)
    """

    learn_gain: bool = param(True, choices=_BOOL)
    init_std: float = param(0.1, ge=0.0)
    axis: int | None = _axis_param()
    kinks = (0.0,)

    @property
    def param_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("gain", "leak") if self.learn_gain else ("leak",)

    def traits(self) -> Traits:
        return Traits(range=(-math.inf, math.inf), monotonic=True, smoothness=0, zero_centred=False)

    def _initial(self, shapes: dict[str, tuple[int, ...]], rng: np.random.Generator) -> Params:
        return {name: _abs_normal(shapes[name], self.init_std, rng) for name in shapes}

    def _slopes(self, x: Array, p: Params, xp: Namespace) -> tuple[Array, Array]:
        zero = xp.zeros_like(x)
        gain = xp.exp(p["gain"] + zero) if self.learn_gain else xp.ones_like(x)
        return gain, xp.exp(p["leak"] + zero)

    def _fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        gain, leak = self._slopes(x, p, xp)
        return xp.where(x > 0, gain * x, leak * x)

    def _dfp(self, x: Array, p: Params, xp: Namespace) -> Array:
        gain, leak = self._slopes(x, p, xp)
        value = xp.where(x > 0, gain, xp.where(x < 0, leak, xp.minimum(gain, leak)))
        return _keep_nan(x, value, xp)

    def _d2fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        return _keep_nan(x, xp.zeros_like(x), xp)

    def _pgrad(self, x: Array, dy: Array, p: Params, xp: Namespace) -> Params:
        gain, leak = self._slopes(x, p, xp)
        out = {"leak": dy * leak * nonpositive(x, xp)}
        if self.learn_gain:
            out = {"gain": dy * gain * nonnegative(x, xp), **out}
        return out


lgrelu = LGReLU()


# --------------------------------------------------------------------------- maxout


@register("maxout", suffix_param="pieces")
@dataclass(frozen=True, repr=False)
class Maxout(Learnable):
    r"""Maxout over learned lines, per unit (theanets ``maxout:k``).

    .. math::

        f(x) = \max_k \,(s_k x + b_k)

        f'(x) = s_{k^*}, \quad k^* = \arg\max_k (s_k x + b_k)

        f''(x) = 0

    Learned: ``slope`` (:math:`s`) and ``intercept`` (:math:`b`), each of shape
    ``(units, pieces)`` or ``(pieces,)`` when shared, initialised from ``N(0, init_std**2)``
    (theanets HEAD: ``randn``). The output has the input's shape: each unit is its own
    convex piecewise-linear function (theanets computes
    ``max(x[..., None] * slope + intercept, axis=-1)``).

    Parameters
    ----------
    pieces : int, default 2
        Number of lines :math:`k`; ``maxout:3`` sets it. Must be >= 1.
    init_std : float, default 1.0
        Standard deviation of the normal initialisation. Must be >= 0.
    axis : int or None, default None
        Feature axis with one set of lines per unit (theanets: -1); None shares them.

    Notes
    -----
    Where lines cross, f' is the slope of smallest magnitude among the maximal lines
    (design.md, Kinks) and the parameter gradient goes to that line alone. At
    ``+-inf`` the maximal line is the one with the largest ``s_k * sign(x)``. With
    shared lines, ``kinks`` lists the crossing points of the current values.

    References
    ----------
    Goodfellow, Warde-Farley, Mirza, Courville, Bengio (2013), "Maxout networks",
    arXiv:1302.4389; theanets ``Maxout`` (HEAD 79db9f8).

    Examples
    --------
    >>> nl.get("maxout:3")
    maxout(pieces=3)
    """

    pieces: int = param(2, kind=int, ge=1)
    init_std: float = param(1.0, ge=0.0)
    axis: int | None = _axis_param()
    param_names: ClassVar[tuple[str, ...]] = ("slope", "intercept")

    def _extra_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"slope": (self.pieces,), "intercept": (self.pieces,)}

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        if self.axis is not None:
            return ()
        s = np.asarray(self.params["slope"], dtype=float)
        b = np.asarray(self.params["intercept"], dtype=float)
        found = set()
        for i in range(self.pieces):
            for j in range(i + 1, self.pieces):
                if s[i] == s[j]:
                    continue
                x = (b[j] - b[i]) / (s[i] - s[j])
                top = np.max(s * x + b)
                if math.isfinite(x) and s[i] * x + b[i] >= top - 1e-12 * (1 + abs(top)):
                    found.add(float(x))
        return tuple(sorted(found))

    def traits(self) -> Traits:
        return Traits(
            range=(-math.inf, math.inf), monotonic=False, smoothness=0, zero_centred=False
        )

    def _initial(self, shapes: dict[str, tuple[int, ...]], rng: np.random.Generator) -> Params:
        return {
            "slope": self.init_std * rng.standard_normal(shapes["slope"]),
            "intercept": self.init_std * rng.standard_normal(shapes["intercept"]),
        }

    def _lines(self, x: Array, p: Params, xp: Namespace) -> tuple[Array, Array, Array]:
        """Values of every line (last axis), their slopes, and the active one-hot.

        Lines are ranked by ``s x + b`` for ``|x| <= 1`` and by
        ``(s x + b) / |x| = s sign(x) + b / |x|`` beyond (the same order, and no
        overflow: at ``+-inf`` the steepest line wins, as it should)."""
        s, b = p["slope"], p["intercept"]
        xe = xp.expand_dims(x, axis=-1)
        zero = xp.zeros_like(xe)
        one = xp.ones_like(xe)
        finite = xp.abs(xe) <= _largest(x, xp)
        values = s * xp.where(finite, xe, zero) + b
        large = xp.abs(xe) > 1
        sign = xp.where(xe > 0, one, -one)
        scaled = s * sign + b / xp.where(large, xp.abs(xe), one)
        rank = xp.where(large, scaled, values)
        top = xp.max(rank, axis=-1, keepdims=True)
        # Lines within rounding of the top are tied: at a kink (itself a rounded
        # crossing point) the two lines differ only by their rounding errors, and the
        # kink rule picks the smaller slope there.
        size = xp.where(
            large,
            xp.abs(s) + xp.abs(b / xp.where(large, xp.abs(xe), one)),
            xp.abs(values - b) + xp.abs(b),
        )
        tied = rank >= top - (8 * float(xp.finfo(x.dtype).eps)) * size
        slopes = s + xp.zeros_like(values)
        magnitude = xp.where(tied, xp.abs(slopes), xp.full_like(values, math.inf))
        best = xp.min(magnitude, axis=-1, keepdims=True)
        chosen = tied & (xp.abs(slopes) == best)
        # one line only: the first of the chosen (cumulative count == 1)
        count = xp.cumulative_sum(xp.astype(chosen, x.dtype), axis=-1)
        onehot = xp.astype(chosen & (count == 1), x.dtype)
        return values, slopes, onehot

    def _fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        values, slopes, onehot = self._lines(x, p, xp)
        active = onehot != 0  # selected by where: the other lines may be +-inf
        finite = xp.sum(xp.where(active, values, xp.zeros_like(values)), axis=-1)
        slope = xp.sum(slopes * onehot, axis=-1)
        infinite = xp.where(slope == 0, xp.sum(p["intercept"] * onehot, axis=-1), slope * x)
        value = xp.where(xp.abs(x) <= _largest(x, xp), finite, infinite)
        return _keep_nan(x, value, xp)

    def _dfp(self, x: Array, p: Params, xp: Namespace) -> Array:
        _, slopes, onehot = self._lines(x, p, xp)
        return _keep_nan(x, xp.sum(slopes * onehot, axis=-1), xp)

    def _d2fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        return _keep_nan(x, xp.zeros_like(x), xp)

    def _pgrad(self, x: Array, dy: Array, p: Params, xp: Namespace) -> Params:
        _, _, onehot = self._lines(x, p, xp)
        weight = xp.expand_dims(dy, axis=-1) * onehot
        # lines that are not active get 0, also at x = +-inf (not 0 * inf)
        by_slope = xp.where(onehot == 0, xp.zeros_like(weight), weight * xp.expand_dims(x, axis=-1))
        return {"slope": by_slope, "intercept": weight}


maxout = Maxout()


# --------------------------------------------------------------------------- ELU


@register("elu_learnable")
@dataclass(frozen=True, repr=False)
class LearnableELU(Learnable):
    r"""ELU with a learned saturation level :math:`\alpha`.

    .. math::

        f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}

        f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}

        f''(x) = \begin{cases} 0 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}

    Learned: ``alpha`` (or ``gain`` with ``log=True``, :math:`\alpha = e^{gain}`),
    shape ``(units,)`` or ``()`` when shared.

    Parameters
    ----------
    init : float, default 1.0
        Initial :math:`\alpha`. Must be positive.
    init_std : float, default 0.0
        Half-normal jitter added at initialisation (to ``alpha``, or to ``gain`` with
        ``log=True``): ``param = base + init_std * |N(0, 1)|``. Must be >= 0.
    log : bool, default False
        Learn :math:`\log\alpha` (named ``gain``, as theanets) instead of :math:`\alpha`,
        which keeps :math:`\alpha` positive.
    axis : int or None, default None
        Feature axis with one value per unit; None shares one.

    Notes
    -----
    Dialect ``theanets`` maps its HEAD ``elu`` (class ``Elu``, learnable gain, init
    ``0.1|randn|``) to ``elu_learnable(init_std=0.1, log=True, axis=-1)``; theanets
    computes ``exp(x) - 1``, this uses ``expm1`` on ``min(x, 0)``, which is accurate near
    0 and cannot overflow. At the kink ``x = 0`` f' is the smaller of 1 and
    :math:`\alpha` in magnitude and f'' is 0.

    References
    ----------
    Clevert, Unterthiner, Hochreiter (2016), arXiv:1511.07289; theanets ``Elu``
    (HEAD 79db9f8).

    Examples
    --------
    >>> nl.LearnableELU(log=True)
    elu_learnable(log=True)
    """

    init: float = param(1.0, gt=0.0)
    init_std: float = param(0.0, ge=0.0)
    log: bool = param(False, choices=_BOOL)
    axis: int | None = _axis_param()
    kinks = (0.0,)

    @property
    def param_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("gain",) if self.log else ("alpha",)

    def traits(self) -> Traits:
        return Traits(
            range=(-math.inf, math.inf), monotonic=self.log, smoothness=0, zero_centred=True
        )

    def _initial(self, shapes: dict[str, tuple[int, ...]], rng: np.random.Generator) -> Params:
        (name,) = shapes
        base = math.log(self.init) if self.log else self.init
        return {name: base + _abs_normal(shapes[name], self.init_std, rng)}

    def _alpha(self, x: Array, p: Params, xp: Namespace) -> Array:
        zero = xp.zeros_like(x)
        return xp.exp(p["gain"] + zero) if self.log else p["alpha"] + zero

    def _fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        return xp.where(x > 0, x, self._alpha(x, p, xp) * xp.expm1(nonpositive(x, xp)))

    def _dfp(self, x: Array, p: Params, xp: Namespace) -> Array:
        alpha = self._alpha(x, p, xp)
        left = alpha * xp.exp(nonpositive(x, xp))
        one = xp.ones_like(x)
        value = xp.where(x > 0, one, xp.where(x < 0, left, _smaller(one, alpha, xp)))
        return _keep_nan(x, value, xp)

    def _d2fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        alpha = self._alpha(x, p, xp)
        return xp.where(x >= 0, xp.zeros_like(x), alpha * xp.exp(nonpositive(x, xp)))

    def _pgrad(self, x: Array, dy: Array, p: Params, xp: Namespace) -> Params:
        em1 = xp.expm1(nonpositive(x, xp))
        if self.log:
            return {"gain": dy * self._alpha(x, p, xp) * em1}
        return {"alpha": dy * em1}


elu_learnable = LearnableELU()


# --------------------------------------------------------------------------- swish


@register("swish_learnable")
@dataclass(frozen=True, repr=False)
class LearnableSwish(Learnable):
    r"""Swish with a learned :math:`\beta`: :math:`x\,\sigma(\beta x)`.

    .. math::

        f(x) = x\,\sigma(\beta x)

        f'(x) = \sigma(\beta x) + \beta x\,\sigma(\beta x)\,\sigma(-\beta x)

        f''(x) = \beta\,\sigma(\beta x)\,\sigma(-\beta x)\,
                 (2 + \beta x\,(\sigma(-\beta x) - \sigma(\beta x)))

    Learned: ``beta``, shape ``(units,)`` or ``()`` when shared;
    ``df/dbeta = x^2 sigma(beta x) sigma(-beta x)``.

    Parameters
    ----------
    init : float, default 1.0
        Initial :math:`\beta` (1: SiLU).
    axis : int or None, default None
        Feature axis with one value per unit; None shares one.

    Notes
    -----
    With ``t = beta x``, ``f' = silu'(t)`` and ``f'' = beta silu''(t)``, evaluated as
    ``silu`` does: everything from one ``exp(-|t|)`` (taken
    shifted where it is subnormal, so ``f(-100)`` keeps its digits in float32), the
    roots of f' and f'' by exact identities in the distance to the root. ``t`` is
    rounded, and next to a root that rounding is the whole value: its error (split
    exactly) is applied as a first-order correction. At infinite input the limits are
    returned (``f(-inf) = 0`` for ``beta > 0``), never ``inf * 0``.

    References
    ----------
    Ramachandran, Zoph, Le (2017), "Searching for activation functions",
    arXiv:1710.05941.

    Examples
    --------
    >>> nl.LearnableSwish(init=0.5)
    swish_learnable(init=0.5)
    """

    init: float = param(1.0)
    axis: int | None = _axis_param()
    param_names: ClassVar[tuple[str, ...]] = ("beta",)

    def traits(self) -> Traits:
        return Traits(
            range=(-math.inf, math.inf), monotonic=False, smoothness=math.inf, zero_centred=False
        )

    def _initial(self, shapes: dict[str, tuple[int, ...]], rng: np.random.Generator) -> Params:
        return {"beta": np.full(shapes["beta"], self.init)}

    def _parts(self, x: Array, p: Params, xp: Namespace) -> tuple[Array, ...]:
        beta = p["beta"] + xp.zeros_like(x)
        big = _largest(x, xp)
        xc = xp.clip(x, -big, big) if hasattr(xp, "clip") else x
        t = beta * xc
        s, sbar = sigmoid_pair(t, xp)
        q = s * sbar
        tq = xp.where(q == 0, xp.zeros_like(x), t * q)
        return beta, s, sbar, q, tq

    def _silu(self, x: Array, p: Params, xp: Namespace) -> tuple[Array, Array, Array, Any]:
        """``(x clamped, t = beta x rounded, its rounding error, silu's pieces of t)``."""
        big = _largest(x, xp)
        xc = xp.clip(x, -big, big) if hasattr(xp, "clip") else x
        beta = p["beta"] + xp.zeros_like(x)
        t = beta * xc
        # beta x = t + t_err exactly; where |t| >= 1000 the error does not show (and the
        # split could overflow), so it is taken as 0 there.
        limit = 1e290 if x.dtype == xp.float64 else 1e30
        safe = (xp.abs(t) < 1000.0) & (xp.abs(beta) < limit) & (xp.abs(xc) < limit)
        zero = xp.zeros_like(x)
        _, t_err = two_product(xp.where(safe, beta, zero), xp.where(safe, xc, zero), xp)
        return xc, t, t_err, _silu_parts(t, xp)

    @staticmethod
    def _sigmoids(t: Array, q: dict[str, Any], xp: Namespace) -> tuple[Array, Array]:
        """``sigmoid(t), sigmoid(-t)`` from silu's pieces (plain, for corrections)."""
        big = q["big"] + q["big"] * q["fix"]  # sigmoid(|t|)
        small = _unscale(q["m"] * big, q["deep"], q["scale"], xp)
        return xp.where(t >= 0, big, small), xp.where(t >= 0, small, big)

    def _fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        xc, t, t_err, q = self._silu(x, p, xp)
        s = q["big"] + q["big"] * q["fix"]  # sigmoid(|t|)
        # t < 0: x e/(1+e), e = exp(t) taken shifted where it is subnormal (the product
        # may not be); the clamped x makes it 0, not nan, at x = -inf.
        left = _unscale((xc * q["m"]) * s, q["deep"], q["scale"], xp)
        value = xp.where(t >= 0, x * s, left)
        # sigmoid(t + t_err) = sigmoid(t) (1 + t_err sigmoid(-t)) to first order.
        fix = t_err * self._sigmoids(t, q, xp)[1]
        return value + xp.where(fix == 0, xp.zeros_like(x), value * fix)

    def _dfp(self, x: Array, p: Params, xp: Namespace) -> Array:
        _, t, t_err, q = self._silu(x, p, xp)
        # f'(x) = silu'(beta x), corrected to first order for the rounding of beta x
        # (near the root of silu' that rounding is all there is).
        return _silu_slope(t, xp, q) + t_err * _silu_curvature(t, xp, q)

    def _d2fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        _, t, t_err, q = self._silu(x, p, xp)
        s, sbar = self._sigmoids(t, q, xp)
        # silu''' = s sbar (3 (sbar - s) + t ((sbar - s)**2 - 2 s sbar)), for the
        # first-order correction (0 where s sbar is: t times 0, not inf times 0).
        g, w = sbar - s, s * sbar
        third = xp.where(w == 0, xp.zeros_like(x), w * (3 * g + t * (g * g - 2 * w)))
        beta = p["beta"] + xp.zeros_like(x)
        return beta * (_silu_curvature(t, xp, q) + t_err * third)

    def _pgrad(self, x: Array, dy: Array, p: Params, xp: Namespace) -> Params:
        _, _, _, q, _ = self._parts(x, p, xp)
        zero = xp.zeros_like(x)
        xq = xp.where(q == 0, zero, x * q)
        return {"beta": dy * xp.where(xq == 0, zero, x * xq)}


swish_learnable = LearnableSwish()


# --------------------------------------------------------------------------- snake


@register("snake")
@dataclass(frozen=True, repr=False)
class Snake(Learnable):
    r"""Snake: :math:`x + \sin^2(\alpha x)/\alpha`, periodic on a linear trend.

    .. math::

        f(x) = x + \sin^2(\alpha x) / \alpha

        f'(x) = 1 + \sin(2 \alpha x)

        f''(x) = 2 \alpha \cos(2 \alpha x)

    Learned: ``alpha`` (the frequency), shape ``(units,)`` or ``()`` when shared;
    ``df/dalpha = x^2 sinc(t) (2 cos t - sinc(t))`` with ``t = alpha x`` and
    ``sinc(t) = sin(t)/t``.

    Parameters
    ----------
    init : float, default 1.0
        Initial frequency :math:`\alpha`. Must be positive.
    axis : int or None, default None
        Feature axis with one frequency per unit; None shares one.

    Notes
    -----
    Written as ``x + x sin(t) sinc(t)``, which is finite (and equal to ``x``) as
    :math:`\alpha \to 0`. f is nondecreasing for every :math:`\alpha`. At ``+-inf``
    f is ``+-inf``; f' and f'' oscillate without a limit there, and their averages
    (1 and 0) are returned; the same where ``alpha x`` overflows (f is ``x`` to
    rounding there). Next to the zeros of f' (``sin 2t = -1``), ``1 + sin 2t`` is
    computed as ``cos(2t)**2 / (1 - sin 2t)``, which does not cancel. ``sin 2t`` and
    ``cos 2t`` come from ``sin t, cos t`` where ``2t`` would overflow, and
    ``df/dalpha`` is ``(x sinc t) (x (2 cos t - sinc t))``, whose first factor is
    bounded, so nothing overflows that is representable.

    References
    ----------
    Ziyin, Hartwig, Ueda (2020), "Neural networks fail to learn periodic functions
    and how to fix it", NeurIPS, arXiv:2006.08195.

    Examples
    --------
    >>> nl.Snake(init=0.5)
    snake(init=0.5)
    """

    init: float = param(1.0, gt=0.0)
    axis: int | None = _axis_param()
    param_names: ClassVar[tuple[str, ...]] = ("alpha",)

    def traits(self) -> Traits:
        return Traits(
            range=(-math.inf, math.inf), monotonic=True, smoothness=math.inf, zero_centred=False
        )

    def _initial(self, shapes: dict[str, tuple[int, ...]], rng: np.random.Generator) -> Params:
        return {"alpha": np.full(shapes["alpha"], self.init)}

    def _t(self, x: Array, p: Params, xp: Namespace) -> tuple[Array, Array, Array]:
        """``tame`` (x finite and ``t = alpha x`` not overflowing), ``x`` and ``t``
        (0 where not tame). Where ``alpha x`` overflows, ``sin^2(t)/alpha`` is below
        half an ulp of ``x``: f is ``x`` and f', f'' are treated as at infinity."""
        big = _largest(x, xp)
        zero = xp.zeros_like(x)
        finite = xp.abs(x) <= big
        xs = xp.where(finite, x, zero)
        t = (p["alpha"] + zero) * xs
        tame = finite & (xp.abs(t) <= big)
        return tame, xs, xp.where(tame, t, zero)

    @staticmethod
    def _double(t: Array, xp: Namespace) -> tuple[Array, Array]:
        """``sin(2t), cos(2t)``; from ``sin t, cos t`` where ``2t`` would overflow."""
        half = _largest(t, xp) / 2
        safe = xp.abs(t) <= half
        t2 = xp.where(safe, 2 * t, xp.zeros_like(t))
        s, c = xp.sin(t), xp.cos(t)
        return xp.where(safe, xp.sin(t2), 2 * s * c), xp.where(safe, xp.cos(t2), 1 - 2 * s * s)

    def _sinc(self, t: Array, xp: Namespace) -> Array:
        nonzero = t != 0
        safe = xp.where(nonzero, t, xp.ones_like(t))
        return xp.where(nonzero, xp.sin(safe) / safe, xp.ones_like(t))

    def _fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        tame, xs, t = self._t(x, p, xp)
        return xp.where(tame, xs + xs * xp.sin(t) * self._sinc(t, xp), x)

    def _dfp(self, x: Array, p: Params, xp: Namespace) -> Array:
        tame, _, t = self._t(x, p, xp)
        s, c = self._double(t, xp)
        # 1 + sin 2t cancels next to its (double) zeros, where sin 2t is -1: there it
        # is cos(2t)**2 / (1 - sin 2t), with no difference of like quantities.
        slope = xp.where(s < -0.5, (c * c) / (1 - s), 1 + s)
        return _keep_nan(x, xp.where(tame, slope, xp.ones_like(x)), xp)

    def _d2fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        tame, _, t = self._t(x, p, xp)
        alpha = p["alpha"] + xp.zeros_like(x)
        value = xp.where(tame, 2 * alpha * self._double(t, xp)[1], xp.zeros_like(x))
        return _keep_nan(x, value, xp)

    def _pgrad(self, x: Array, dy: Array, p: Params, xp: Namespace) -> Params:
        tame, xs, t = self._t(x, p, xp)
        sinc = self._sinc(t, xp)
        # (x sinc t) is sin(t)/alpha, bounded: no x*x overflow for large finite x
        value = (xs * sinc) * (xs * (2 * xp.cos(t) - sinc))
        return {"alpha": dy * xp.where(tame, value, xp.zeros_like(x))}


snake = Snake()


# --------------------------------------------------------------------------- PAU


def _ipow(x: Array, power: int) -> Array:
    """``x**power`` for a (possibly negative) int power, by repeated products."""
    if power < 0:
        return 1 / _ipow(x, -power)
    result = None
    for _ in range(power):
        result = x if result is None else result * x
    if result is None:  # power 0: ones of x's dtype (x ** 0 would give autodiff 0 * inf)
        import array_api_compat

        return array_api_compat.array_namespace(x).ones_like(x)
    return result


# Double-word arithmetic for pau: a value is a pair (hi, lo) standing for hi + lo, so
# sums and products carry about twice the working precision (Dekker, Knuth; compensated
# Horner after Graillat, Langlois and Louvet). Each error term is 0 in exact arithmetic,
# so autodiff through these sees the plain formulas.
_Pair = tuple[Any, Any]


def _two_sum(a: Array, b: Array) -> _Pair:
    """``a + b = s + e`` exactly (Knuth), whatever the magnitudes."""
    s = a + b
    t = s - a
    return s, (a - (s - t)) + (b - t)


def _dw_add(a: _Pair, b: _Pair) -> _Pair:
    s, e = _two_sum(a[0], b[0])
    return _two_sum(s, e + (a[1] + b[1]))


def _dw_mul(a: _Pair, b: _Pair, xp: Namespace) -> _Pair:
    p, e = two_product(a[0], b[0], xp)
    return _two_sum(p, e + (a[0] * b[1] + a[1] * b[0]))


def _dw_scaled(a: _Pair, factor: Any) -> _Pair:
    """``factor * a`` for a factor that is exact in both parts (+-1, 2, a sign array)."""
    return factor * a[0], factor * a[1]


def _dw_div(n: _Pair, d: _Pair, xp: Namespace) -> _Pair:
    r = n[0] / d[0]
    p, e = two_product(r, d[0], xp)
    return _two_sum(r, (((n[0] - p) - e) + (n[1] - r * d[1])) / d[0])


def _dw_horner(coefficients: list[_Pair], t: _Pair, xp: Namespace) -> _Pair:
    """``sum c_i t**(d - i)`` for the pairs ``c_0, ..., c_d`` (highest power first) at
    the pair ``t``, ``|t| <= 1``: compensated Horner, the error of every product and sum
    carried along in ``lo`` (``t`` is split once)."""
    zero = xp.zeros_like(t[0])
    t_hi, t_lo = split(t[0], xp)
    hi, lo = coefficients[0][0] + zero, coefficients[0][1] + zero
    for c_hi, c_lo in coefficients[1:]:
        product = hi * t[0]
        h_hi, h_lo = split(hi, xp)
        product_error = ((h_hi * t_hi - product) + h_hi * t_lo + h_lo * t_hi) + h_lo * t_lo
        hi_next, sum_error = _two_sum(product, c_hi)
        lo = lo * t[0] + hi * t[1] + (product_error + sum_error + c_lo)
        hi = hi_next
    return _two_sum(hi, lo)


def _dw_int(a: _Pair, factor: int, xp: Namespace) -> _Pair:
    """``factor * a`` for an integer factor, exact as a pair."""
    if factor == 0 or abs(factor) & (abs(factor) - 1) == 0:
        return _dw_scaled(a, float(factor))
    return _dw_mul(a, (xp.full_like(a[0], float(factor)), xp.zeros_like(a[0])), xp)


def _dw_reciprocal(x: Array, xp: Namespace) -> _Pair:
    """``1/x`` as a pair, for finite ``|x| >= 1``. The residual ``1 - hi x`` is exact:
    the split is done on ``x`` and ``hi`` scaled by inverse powers of two where ``|x|``
    is large (the split of ``x`` itself would overflow)."""
    hi = 1 / x
    big, shift = (2.0**500, 2.0**600) if x.dtype == xp.float64 else (2.0**40, 2.0**64)
    large = xp.abs(x) > big
    one = xp.ones_like(x)
    scale = xp.where(large, one * (1 / shift), one)
    p, e = two_product(hi / scale, x * scale, xp)
    return hi, ((1 - p) - e) * hi


def _dw_times_large(a: _Pair, x: Array, xp: Namespace) -> _Pair:
    """``a * x`` for an exact, possibly huge ``x``: the rounding error of ``a_hi x`` is
    kept where the split is safe, and the pair is not renormalised (an overflow to inf
    stays inf, not nan)."""
    limit = 2.0**500 if x.dtype == xp.float64 else 2.0**60
    zero = xp.zeros_like(x)
    safe = (xp.abs(a[0]) < limit) & (xp.abs(x) < limit)
    product = a[0] * x
    _, error = two_product(xp.where(safe, a[0], zero), xp.where(safe, x, zero), xp)
    return product, error + a[1] * x


def _float64_of(x: Array, xp: Namespace) -> Any:
    """The namespace's float64 where ``x`` is narrower and the library has float64 on
    ``x``'s device (torch, CuPy, array-api-strict, JAX in x64 mode), else None."""
    if x.dtype == xp.float64:
        return None
    try:
        info = xp.__array_namespace_info__()
    except AttributeError:
        return None
    try:
        dtypes = info.dtypes(device=x.device, kind="real floating")
    except Exception:  # no device attribute (a tracer), or no device= argument
        try:
            dtypes = info.dtypes(kind="real floating")
        except Exception:
            return None
    return dtypes.get("float64")


@lru_cache(maxsize=64)
def _pau_fit(m: int, n: int, target: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Coefficients of ``P/(1 + |B|)`` fitted to ``target`` on [-3, 3]: least squares
    of ``P - y (1 + |B|)``, linearised with the sign of B and reweighted by ``1/Q`` of
    the previous iterate (Sanathanan-Koerner)."""
    from ..registry import get

    x = np.linspace(-3.0, 3.0, 601)
    y = np.asarray(get(target)(x), dtype=float)
    sign = np.ones_like(x)
    weight = np.ones_like(x)
    powers_p = np.stack([x**j for j in range(m + 1)], axis=1)
    powers_b = np.stack([x**k for k in range(1, n + 1)], axis=1)
    a: np.ndarray = np.zeros(m + 1)
    b: np.ndarray = np.zeros(n)
    for _ in range(30):  # Sanathanan-Koerner: reweight by the previous denominator
        matrix = np.concatenate([powers_p, -(y * sign)[:, None] * powers_b], axis=1)
        solution = np.linalg.lstsq(matrix * weight[:, None], y * weight, rcond=None)[0]
        a, b = solution[: m + 1], solution[m + 1 :]
        denominator = powers_b @ b
        sign = np.where(denominator < 0, -1.0, 1.0)
        weight = 1 / (1 + np.abs(denominator))
    return tuple(map(float, a)), tuple(map(float, b))


@register("pau")
@dataclass(frozen=True, repr=False)
class PAU(Learnable):
    r"""Padé activation unit: a learned rational function (safe PAU).

    .. math::

        f(x) = \frac{P(x)}{Q(x)}
             = \frac{a_0 + a_1 x + \dots + a_m x^m}{1 + |b_1 x + \dots + b_n x^n|}

        f'(x) = \frac{P'(x)}{Q(x)} - \frac{P(x)\,Q'(x)}{Q(x)^2}

        f''(x) = \frac{P''}{Q} - \frac{2 P' Q' + P Q''}{Q^2} + \frac{2 P Q'^2}{Q^3}

    with :math:`Q' = \mathrm{sign}(B)\,B'` and :math:`Q'' = \mathrm{sign}(B)\,B''`.
    Learned: ``a`` (shape ``(units, m+1)`` or ``(m+1,)``) and ``b`` (``(units, n)``
    or ``(n,)``), initialised to the least-squares fit of ``init`` on [-3, 3].

    Parameters
    ----------
    m : int, default 5
        Degree of the numerator. Must be >= 0.
    n : int, default 4
        Degree of the denominator. Must be >= 1.
    init : str, default 'leaky_relu'
        The elementwise activation (any spec) the coefficients start from.
    axis : int or None, default None
        Feature axis with one rational per unit; None shares one.

    Notes
    -----
    :math:`Q \ge 1`, so there are no poles. For ``|x| > 1`` the polynomials are
    evaluated in ``u = 1/x`` and the power of ``x`` is applied last, so f, f', f''
    have no overflow of intermediate powers and the right limit at ``+-inf``. A fitted
    rational cancels: the leaky_relu fit gives f(-0.75) = -0.0014 from terms near 0.4
    and f''(1e10) = -2.4e-38 from terms near 0.2, so everything is evaluated in
    double-word arithmetic (compensated Horner, exact products): f, f', f'' are within
    1 ulp in float64. Float32 (and narrower) is computed in float64 from the float64
    coefficients wherever the library has float64 (torch, CuPy, JAX in x64 mode) and
    rounded once; without it (JAX's default, Apple MPS) float32 is computed natively in
    pairs, each float64 coefficient held as two float32 numbers: 0 ulp on the backend
    grid but near f''(1e10) = -2.4e-38 (12 ulp). Where
    ``B(x) = 0`` (always at ``x = 0``) Q has a kink: f' and f'' are the one-sided
    limits of smaller magnitude; the gradient in ``b`` uses ``sign(0) = 0``.

    References
    ----------
    Molina, Schramowski, Kersting (2020), "Padé activation units: end-to-end learning
    of flexible activation functions in deep networks", ICLR, arXiv:1907.06732.

    Examples
    --------
    >>> nl.PAU(m=3, n=2)
    pau(m=3, n=2)
    """

    m: int = param(5, kind=int, ge=0)
    n: int = param(4, kind=int, ge=1)
    init: str = param("leaky_relu", kind=str)
    axis: int | None = _axis_param()
    param_names: ClassVar[tuple[str, ...]] = ("a", "b")

    def _validate(self) -> None:
        from ..registry import get

        try:
            target = get(self.init)
        except Exception as error:
            raise ParameterError(
                f"pau: init {self.init!r} is not an activation spec ({error}); "
                "use a name such as 'leaky_relu', 'tanh' or 'gelu'"
            ) from None
        if not target.elementwise:
            raise ParameterError(f"pau: init {self.init!r} must be elementwise")

    def _extra_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"a": (self.m + 1,), "b": (self.n,)}

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        found = {0.0}
        store: Params = self._store  # type: ignore[attr-defined]
        if self.axis is None:
            b = np.asarray(self.params["b"], dtype=float)
        else:
            b = np.asarray(store["b"], dtype=float) if store else np.zeros((1, self.n))
        for row in np.atleast_2d(b):
            coefficients = np.concatenate([row[::-1], [0.0]])
            nonzero = np.flatnonzero(coefficients)
            if nonzero.size == 0:
                continue
            for root in np.roots(coefficients[nonzero[0] :]):
                if abs(root.imag) <= 1e-9 * max(1.0, abs(root)) and math.isfinite(root.real):
                    real = float(root.real) + 0.0
                    # A root within rounding of one already found is the same kink
                    # (a fitted b1 of ~1e-16 puts a spurious second root next to 0).
                    if all(abs(real - k) > 1e-9 * max(1.0, abs(k)) for k in found):
                        found.add(real)
        return tuple(sorted(found))

    def traits(self) -> Traits:
        return Traits(
            range=(-math.inf, math.inf), monotonic=False, smoothness=0, zero_centred=False
        )

    def _initial(self, shapes: dict[str, tuple[int, ...]], rng: np.random.Generator) -> Params:
        a, b = _pau_fit(self.m, self.n, self.init)
        return {
            "a": np.broadcast_to(np.asarray(a), shapes["a"]).copy(),
            "b": np.broadcast_to(np.asarray(b), shapes["b"]).copy(),
        }

    def _polys(self, z: Array, p: Params, xp: Namespace, scaled: bool) -> tuple[Array, ...]:
        """``P, P', P''`` and ``B, B', B''`` at ``z`` (direct), or, with ``scaled``,
        the polynomials in ``u = z`` whose coefficients are reversed (section Notes)."""
        a, b = p["a"], p["b"]
        m, n = self.m, self.n
        zero = xp.zeros_like(z)
        P = P1 = P2 = zero
        B = B1 = B2 = zero
        for j in range(m + 1):
            aj = a[..., j]
            if scaled:  # u**(m-j) times a_j, j a_j, j(j-1) a_j
                w = _ipow(z, m - j)
                P, P1, P2 = P + aj * w, P1 + j * aj * w, P2 + j * (j - 1) * aj * w
            else:
                P = P + aj * _ipow(z, j)
                if j >= 1:
                    P1 = P1 + j * aj * _ipow(z, j - 1)
                if j >= 2:
                    P2 = P2 + j * (j - 1) * aj * _ipow(z, j - 2)
        for k in range(1, n + 1):
            bk = b[..., k - 1]
            if scaled:
                w = _ipow(z, n - k)
                B, B1, B2 = B + bk * w, B1 + k * bk * w, B2 + k * (k - 1) * bk * w
            else:
                B = B + bk * _ipow(z, k)
                B1 = B1 + k * bk * _ipow(z, k - 1)
                if k >= 2:
                    B2 = B2 + k * (k - 1) * bk * _ipow(z, k - 2)
        return P, P1, P2, B, B1, B2

    def _regimes(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array, Array]:
        inner = xp.abs(x) <= 1
        one = xp.ones_like(x)
        z = xp.where(inner, x, xp.zeros_like(x))
        outer_x = xp.where(inner, one, x)
        u = 1 / outer_x
        return inner, z, outer_x, u

    def _sign_of_b(self, z: Array, p: Params, B: Array, xp: Namespace) -> Array:
        """``sign(B(z))``, also where ``B`` underflows to 0 at a tiny nonzero ``z``
        (``5e-324 * b1``): there the lowest-order nonzero term ``b_k z^k`` decides.
        0 only at a true kink (``z = 0``, or a root of B away from 0)."""
        one = xp.ones_like(z)
        zero = xp.zeros_like(z)
        sz = xp.where(z > 0, one, xp.where(z < 0, -one, zero))
        lead = zero
        for k in range(self.n, 0, -1):
            bk = p["b"][..., k - 1] + zero
            term = xp.where(bk > 0, one, -one) * (sz if k % 2 else one)
            lead = xp.where(bk != 0, term, lead)
        # B underflows only where |z| is below about the root of the smallest normal
        # (2**-511 in float64, 2**-63 in float32: a float64 constant would be 0 there).
        limit = float(xp.finfo(z.dtype).smallest_normal) ** 0.5
        tiny = (xp.abs(z) < limit) & (z != 0)
        return xp.where(B != 0, xp.sign(B), xp.where(tiny, lead, zero))

    @staticmethod
    def _derived(c: list[_Pair], order: int, xp: Namespace) -> list[_Pair]:
        """The pairs of the coefficients (index = power) of the ``order``-th derivative
        of ``sum c_i t^i``: ``(i + 1) ... (i + order) c_(i + order)``, exact as pairs."""
        out = []
        for i in range(len(c) - order):
            factor = math.prod(range(i + 1, i + order + 1))
            hi, lo = c[i + order]
            if factor & (factor - 1) == 0:  # a power of two: the product is exact
                out.append((factor * hi, factor * lo))
            else:
                product, error = two_product(hi, xp.full_like(hi, float(factor)), xp)
                out.append((product, error + factor * lo))
        return out

    def _all(self, x: Array, p: Params, xp: Namespace, want: int) -> list[Array]:
        """``[f, f', f'']`` (the first ``want`` + 1 of them), each at the kink the
        one-sided limit of smaller magnitude.

        Inside (``|x| <= 1``): ``f = P/H`` with ``H = 1 + s B`` (``s`` the sign of B)
        and the quotient rule. Outside: ``f = x^k g(u)``, ``u = 1/x``, ``k = m - n``,
        ``g = p(u) / H(u)`` with the reversed polynomials ``p(u) = sum a_j u^(m-j)``,
        ``H(u) = u^n + s beta(u)``, ``beta(u) = sum b_k u^(n-k)``; then
        ``f' = x^(k-1) (k g - u g')`` and
        ``f'' = x^(k-2) (k(k-1) g - 2(k-1) u g' + u^2 g'')``, whose terms do not cancel
        by construction as those of ``P''Q^2 - ...`` do at large x. Both regimes share
        one evaluation (the coefficients and ``t = x`` or ``1/x`` chosen per element),
        all in pairs (double-word): fitted coefficients can nearly cancel
        (f''(1e10) = -2.4e-38 of the leaky_relu fit comes from terms near 0.2)."""
        inner, z, X, u = self._regimes(x, xp)
        m, n = self.m, self.n
        k = m - n
        one, zero = xp.ones_like(x), xp.zeros_like(x)
        outer = xp.where(inner, zero, one)  # 0 inside, 1 outside: exact masks
        at_inf = xp.isinf(X)
        finite_x = xp.where(at_inf, one, X)
        U = (u, _dw_reciprocal(finite_x, xp)[1] * outer)  # (1, 0) inside
        t = (xp.where(inner, z, u), U[1])
        # the coefficients as pairs: float64 ones rounded to float32 keep their rest
        # in "a_lo", "b_lo" where float32 is computed natively (see _bound)
        a_lo, b_lo = p.get("a_lo", p["a"] * 0), p.get("b_lo", p["b"] * 0)
        a = [(p["a"][..., j], a_lo[..., j]) for j in range(m + 1)]
        b = [(p["b"][..., i - 1], b_lo[..., i - 1]) for i in range(1, n + 1)]
        nothing = (xp.zeros_like(b[0][0]), xp.zeros_like(b[0][0]))
        b_in, b_out = [nothing, *b], [*b[::-1], nothing]  # B(x), beta(u), both n + 1

        def evaluate(inside: list[_Pair], outside: list[_Pair], order: int) -> _Pair:
            c_in, c_out = self._derived(inside, order, xp), self._derived(outside, order, xp)
            if not c_in:
                return zero, zero
            merged = [
                (xp.where(inner, ci[0], co[0]), xp.where(inner, ci[1], co[1]))
                for ci, co in zip(c_in[::-1], c_out[::-1])
            ]
            return _dw_horner(merged, t, xp)

        orders = range(want + 1)
        F = [evaluate(a, a[::-1], i) for i in orders]
        G = [evaluate(b_in, b_out, i) for i in orders]  # B, B', B'' or beta, ...
        # the 1 of H and its derivatives: 1, 0, 0 inside, u^n, n u^(n-1), ... outside
        powers: list[_Pair] = [(one, zero)]
        for _ in range(n):
            powers.append(_dw_mul(powers[-1], U, xp))
        E: list[_Pair] = []
        for i in orders:
            if i > n:
                E.append((zero, zero))
                continue
            e = _dw_int(powers[n - i], math.prod(range(n - i + 1, n + 1)), xp)
            E.append((xp.where(inner, one if i == 0 else zero, e[0]), e[1] * outer))
        side_in = self._sign_of_b(z, p, G[0][0], xp)
        sign_x = xp.where(X < 0, -one, one) if n % 2 else one
        side_out = xp.where(G[0][0] == 0, zero, sign_x * xp.sign(G[0][0]))
        side = xp.where(inner, side_in, side_out)
        kink = side == 0
        # The side at a kink (B = 0, so H does not depend on it): the numerator is
        # A - s C (f') or A2 + s C2 (f''); the smaller one-sided limit is chosen on the
        # leading parts (plain arithmetic, the same on every library).
        f0, f1 = F[0][0], F[1][0] if want >= 1 else zero
        h0 = E[0][0]
        e1, d1 = (E[1][0], G[1][0]) if want >= 1 else (zero, zero)
        w_lead = xp.where(inner, one, -u)  # the weight of n1 (inside 1, outside -u)
        A1 = f1 * h0 - f0 * e1
        C1 = f0 * d1
        sides = [xp.where(kink, one, side)]
        if want >= 1:
            A = k * f0 * h0 * outer + w_lead * A1
            sides.append(xp.where(kink, xp.where(A * (w_lead * C1) >= 0, one, -one), side))
        if want >= 2:
            f2, e2, d2 = F[2][0], E[2][0], G[2][0]
            X0, X1 = 2 * f1 * e1 + f0 * e2, 2 * f1 * d1 + f0 * d2
            w2 = xp.where(inner, one, u * u)
            c_b = -2 * (k - 1) * u * h0 * outer
            A2 = (
                k * (k - 1) * f0 * h0 * h0 * outer
                + c_b * A1
                + w2 * (f2 * h0 * h0 - X0 * h0 + 2 * f0 * (e1 * e1 + d1 * d1))
            )
            C2 = -c_b * C1 + w2 * (-X1 * h0 + 4 * f0 * e1 * d1)
            sides.append(xp.where(kink, xp.where(A2 * C2 <= 0, one, -one), side))
        w = (xp.where(inner, one, -u), -U[1])
        results = []
        for order in orders:
            s = sides[order]
            H = [_dw_add(E[i], _dw_scaled(G[i], s)) for i in range(order + 1)]
            H2 = _dw_mul(H[0], H[0], xp)
            if order == 0:
                N, D = F[0], H[0]
            else:
                n1 = _dw_add(_dw_mul(F[1], H[0], xp), _dw_scaled(_dw_mul(F[0], H[1], xp), -1.0))
            if order == 1:  # inside n1; outside k p H - u n1
                N, D = _dw_mul(w, n1, xp), H2
                if k != 0:
                    N = _dw_add(N, _dw_scaled(_dw_int(_dw_mul(F[0], H[0], xp), k, xp), outer))
            if order == 2:  # inside n2; outside k(k-1) p H^2 - 2(k-1) u n1 H + u^2 n2
                cross = _dw_add(_dw_scaled(_dw_mul(F[1], H[1], xp), 2.0), _dw_mul(F[0], H[2], xp))
                n2 = _dw_add(
                    _dw_add(_dw_mul(F[2], H2, xp), _dw_scaled(_dw_mul(cross, H[0], xp), -1.0)),
                    _dw_scaled(_dw_mul(F[0], _dw_mul(H[1], H[1], xp), xp), 2.0),
                )
                u2 = _dw_mul(U, U, xp)
                N = _dw_mul((xp.where(inner, one, u2[0]), u2[1] * outer), n2, xp)
                if k * (k - 1) != 0:
                    term = _dw_int(_dw_mul(F[0], H2, xp), k * (k - 1), xp)
                    N = _dw_add(N, _dw_scaled(term, outer))
                if k != 1:
                    term = _dw_int(_dw_mul(_dw_mul(U, n1, xp), H[0], xp), -2 * (k - 1), xp)
                    N = _dw_add(N, _dw_scaled(term, outer))
                D = _dw_mul(H2, H[0], xp)
            v = _dw_div(N, D, xp)
            exponent = k - order  # outside: times x^exponent (inside x = u = 1)
            if exponent >= 0:
                for _ in range(exponent):
                    v = _dw_times_large(v, finite_x, xp)
            else:
                for _ in range(-exponent):
                    v = _dw_mul(v, U, xp)
            value = xp.where(xp.isinf(v[0]), v[0], v[0] + v[1])
            limit = xp.where(v[0] == 0, zero, v[0] * _ipow(X, max(exponent, 0)))
            results.append(xp.where(at_inf, limit, value))
        return results

    # float32 (and narrower) is computed in float64 where the library has it, from the
    # float64 coefficients, and rounded once (section Notes).

    def _bound(self, x: Array, xp: Namespace) -> Params:
        wide = _float64_of(x, xp)
        if wide is not None:
            return super()._bound(xp.astype(x, wide), xp)
        p = super()._bound(x, xp)
        if x.dtype == xp.float32:
            # Natively in float32: each float64 coefficient as float32 hi + lo (48 bits)
            store: Params = self._store  # type: ignore[attr-defined]
            rest = {}
            for name in ("a", "b"):
                value = np.asarray(store[name], dtype=np.float64)
                lo = (value - value.astype(np.float32).astype(np.float64)).astype(np.float32)
                try:
                    rest[name] = xp.asarray(lo, dtype=x.dtype, device=x.device)
                except (TypeError, AttributeError):
                    rest[name] = xp.asarray(lo, dtype=x.dtype)
            for name, value in self._broadcast(rest, x, xp).items():
                p[f"{name}_lo"] = value
        return p

    @staticmethod
    def _widened(x: Array, p: Params, xp: Namespace) -> tuple[Array, Params, Any]:
        """``x`` and ``p`` in float64, and the dtype to round back to (None: as given)."""
        wide = _float64_of(x, xp)
        if wide is None:
            return x, p, None
        return xp.astype(x, wide), {k: xp.astype(v, wide) for k, v in p.items()}, x.dtype

    def _order(self, x: Array, p: Params, xp: Namespace, order: int) -> Array:
        w, q, narrow = self._widened(x, p, xp)
        y = self._all(w, q, xp, order)[order]
        return y if narrow is None else xp.astype(y, narrow)

    def _fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        return self._order(x, p, xp, 0)

    def _dfp(self, x: Array, p: Params, xp: Namespace) -> Array:
        return self._order(x, p, xp, 1)

    def _d2fp(self, x: Array, p: Params, xp: Namespace) -> Array:
        return self._order(x, p, xp, 2)

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        w, q, narrow = self._widened(x, self._bound(x, xp), xp)
        f, df, d2f = self._all(w, q, xp, 2)
        if narrow is None:
            return f, df, d2f
        return xp.astype(f, narrow), xp.astype(df, narrow), xp.astype(d2f, narrow)

    def _product(self, x: Array, v: Array, xp: Namespace) -> Array:
        """``v * f'(x)``, the product taken before the rounding to x's dtype."""
        w, q, narrow = self._widened(x, self._bound(x, xp), xp)
        if narrow is None:
            return v * self._all(w, q, xp, 1)[1]
        return xp.astype(xp.astype(v, w.dtype) * self._all(w, q, xp, 1)[1], narrow)

    def _vjp(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return self._product(x, dy, xp)

    def _jvp(self, x: Array, v: Array, xp: Namespace) -> Array:
        return self._product(x, v, xp)

    def _pgrad(self, x: Array, dy: Array, p: Params, xp: Namespace) -> Params:
        w, q, narrow = self._widened(x, p, xp)
        if narrow is None:
            return self._pgrad_exact(x, dy, p, xp)
        grads = self._pgrad_exact(w, xp.astype(dy, w.dtype), q, xp)
        return {k: xp.astype(v, narrow) for k, v in grads.items()}

    def _pgrad_exact(self, x: Array, dy: Array, p: Params, xp: Namespace) -> Params:
        inner, z, X, u = self._regimes(x, xp)
        m, n = self.m, self.n
        one = xp.ones_like(x)
        P, _, _, B, _, _ = self._polys(z, p, xp, scaled=False)
        Q = 1 + xp.abs(B)
        p0, _, _, beta, _, _ = self._polys(u, p, xp, scaled=True)
        sx_n = one if n % 2 == 0 else xp.where(X < 0, -one, one)
        q = xp.abs(_ipow(u, n)) + xp.abs(beta)
        s_in = xp.sign(B)
        s_out = xp.sign(beta) * sx_n
        da = []
        for j in range(m + 1):
            outer = sx_n * (_ipow(X, j - n) if j >= n else _ipow(u, n - j)) / q
            da.append(dy * xp.where(inner, _ipow(z, j) / Q, outer))
        db = []
        for k in range(1, n + 1):
            e = m + k - 2 * n
            power = _ipow(X, e) if e >= 0 else _ipow(u, -e)
            outer = xp.where(s_out == 0, xp.zeros_like(x), -s_out * p0 * power / (q * q))
            db.append(dy * xp.where(inner, -P * s_in * _ipow(z, k) / (Q * Q), outer))
        return {"a": xp.stack(da, axis=-1), "b": xp.stack(db, axis=-1)}


pau = PAU()


# --------------------------------------------------------------------------- rrelu


@register("rrelu")
@dataclass(frozen=True, repr=False)
class RReLU(Activation):
    r"""Randomized leaky ReLU: a random negative slope per element in training.

    .. math::

        f(x) = \begin{cases} x & x > 0 \\ \bar a\,x & x \le 0 \end{cases}

        f'(x) = \begin{cases} 1 & x > 0 \\ \bar a & x \le 0 \end{cases}

        f''(x) = 0

    with :math:`\bar a = (l + u)/2` (evaluation). In training each element gets its own
    slope :math:`a \sim U(l, u)`: ``act.forward_train(x, rng)`` returns ``(y, dy/dx)``.

    Parameters
    ----------
    lower : float, default 0.125
        Lower bound :math:`l` of the slope distribution. Must be >= 0.
    upper : float, default 0.3333333333333333
        Upper bound :math:`u`. Must be >= lower.

    Notes
    -----
    ``act(x)``, ``grad`` and ``grad2`` are the evaluation form (PyTorch's
    ``training=False``), a leaky ReLU with the mean slope; at the kink ``x = 0`` f' is
    the smaller of 1 and the slope. The training form is random, so it lives in
    :meth:`forward_train` (seedable) and in the adapters' training mode.

    References
    ----------
    Xu, Wang, Chen, Li (2015), "Empirical evaluation of rectified activations in
    convolutional network", arXiv:1505.00853; PyTorch ``nn.RReLU``.

    Examples
    --------
    >>> nl.RReLU(lower=0.1, upper=0.3)
    rrelu(lower=0.1, upper=0.3)
    """

    lower: float = param(0.125, ge=0.0)
    upper: float = param(1.0 / 3.0, ge=0.0)
    stochastic: ClassVar[bool] = True
    kinks = (0.0,)

    def _validate(self) -> None:
        if self.upper < self.lower:
            raise ParameterError(
                f"rrelu: upper ({self.upper!r}) is below lower ({self.lower!r}); "
                "give lower <= upper"
            )

    @property
    def slope(self) -> float:
        """The mean slope, used in evaluation."""
        return (self.lower + self.upper) / 2

    def traits(self) -> Traits:
        return Traits(range=(-math.inf, math.inf), monotonic=True, smoothness=0, zero_centred=False)

    # Outside training this is leaky_relu with the mean slope: the same pieces.
    def _f(self, x: Array, xp: Namespace) -> Array:
        return _leaky(x, self.slope, xp)

    def _df(self, x: Array, xp: Namespace) -> Array:
        return _leaky_grad(x, self.slope, xp)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return _keep_nan(x, xp.zeros_like(x), xp)

    def forward_train(self, x: Any, rng: Any = None) -> tuple[Array, Array]:
        """One training step's ``(y, dy/dx)``, a slope ~ U(lower, upper) per element.

        ``rng`` is a seed, a ``numpy.random.Generator`` or None. The backward pass is
        ``dy * dydx``. NumPy input only (the adapters use their framework's generator).
        """
        prepared = prepare(x)
        xv = np.asarray(prepared.x)
        slopes = _generator(rng).uniform(self.lower, self.upper, size=xv.shape)
        derivative = np.where(xv > 0, 1.0, slopes)
        with np.errstate(all="ignore"):
            y = np.where(xv > 0, xv, np.where(slopes == 0, 0.0, slopes * xv))
        return prepared.finish(y), prepared.finish(derivative)


rrelu = RReLU()

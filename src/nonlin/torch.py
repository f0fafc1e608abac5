"""PyTorch adapter: every nonlin activation as an ``nn.Module`` and a function.

>>> import torch, nonlin.torch
>>> layer = nonlin.torch.Activation("gelu")           # an nn.Module
>>> y = nonlin.torch.apply("elu(alpha=0.5)", torch.randn(3))   # the functional form

How gradients flow. Each activation runs inside a ``torch.autograd.Function`` whose
backward is nonlin's closed-form derivative, not autograd through the formula:

* elementwise: backward is ``dy * f'(x)`` (``act.grad``), and the backward of that is
  ``g * dy * f''(x)`` (``act.grad2``) and ``g * f'(x)``; only ``x`` is saved.
* not elementwise (softmax, ``norm:*``): backward is ``act.vjp(x, dy)``; its own
  backward is ``act.jvp(x, g)`` for ``dy`` and, for ``x``, autograd through nonlin's
  vjp formula on torch tensors.
* learnable: backward is ``dy * f'(x)`` and ``act.param_vjp``; the second order is
  autograd through those closed forms (exact, and free of the where trap).
* ``rrelu`` in training: one slope per element from the module's generator, saved as
  the derivative (one tensor of input size).

So ``torch.autograd.gradcheck`` and ``gradgradcheck`` hold in float64 and the
derivatives at kinks are nonlin's (the one-sided limit of smaller magnitude).

``inplace=True`` overwrites the input and is offered only where the backward can be
computed exactly from the output (piecewise-linear activations such as relu,
leaky_relu, relu6, hard_tanh, clip, hard_sigmoid; and rrelu); anything else raises
``ValueError`` saying why. ``slc`` (a ``slice`` of flat indices, PuzzleLib style)
applies the activation to that part of the flattened input and leaves the rest as is.

Learnable activations hold their values as ``nn.Parameter`` s named like
``act.params`` (``slope``; in a chain, ``slope_1`` for stage 1). Per-unit ones
(``axis`` not None) take ``units=`` or are sized from the first input (lazily, as
``nn.LazyLinear``). Initial values come from nonlin's initialisers, seeded from
torch's generator, so ``torch.manual_seed`` makes them reproducible.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import torch
from torch import nn

from .activation import Activation as _Activation
from .chain import group_plain_stages, stages_with_parameter_names
from .registry import get

__all__ = ["Activation", "apply", "supports_inplace"]

_XP = array_api_compat.array_namespace(torch.empty(0))
_LOW_PRECISION = (torch.float16, torch.bfloat16)


def _working(x: torch.Tensor) -> tuple[torch.Tensor, torch.dtype]:
    """``x`` in the dtype to compute in, and the dtype to return (design.md, Dtypes)."""
    dtype = x.dtype
    if dtype in _LOW_PRECISION:
        return x.to(torch.float32), dtype
    if not dtype.is_floating_point:
        default = torch.get_default_dtype()
        return x.to(default), default
    return x, dtype


# --------------------------------------------------------------------------- elementwise


class _Elementwise(torch.autograd.Function):
    @staticmethod
    def forward(x: torch.Tensor, act: _Activation) -> torch.Tensor:
        return act._f(x, _XP)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, act = inputs
        ctx.save_for_backward(x)
        ctx.act = act

    @staticmethod
    def backward(ctx: Any, dy: torch.Tensor) -> tuple[Any, ...]:
        (x,) = ctx.saved_tensors
        return _ElementwiseGrad.apply(x, dy, ctx.act), None


class _ElementwiseGrad(torch.autograd.Function):
    @staticmethod
    def forward(x: torch.Tensor, dy: torch.Tensor, act: _Activation) -> torch.Tensor:
        return dy * act._df(x, _XP)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, dy, act = inputs
        ctx.save_for_backward(x, dy)
        ctx.act = act

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[Any, ...]:
        x, dy = ctx.saved_tensors
        act = ctx.act
        gx = gdy = None
        if ctx.needs_input_grad[0]:
            gx = g * dy * act._d2f(x, _XP)
        if ctx.needs_input_grad[1]:
            gdy = g * act._df(x, _XP)
        return gx, gdy, None


# Elementwise activations run as torch custom operators keyed by their canonical
# spec: torch.compile sees one opaque operator (no graph break, whatever the formula
# does inside), and the autograd formulas registered below give the derivatives.


def _by_spec(spec: str) -> _Activation:
    return get(spec)


@torch.library.custom_op("nonlin::value", mutates_args=())
def _op_value(x: torch.Tensor, spec: str) -> torch.Tensor:
    y = _by_spec(spec)._f(x, _XP)
    return y.clone() if y is x else y


@torch.library.custom_op("nonlin::vjp", mutates_args=())
def _op_vjp(x: torch.Tensor, dy: torch.Tensor, spec: str) -> torch.Tensor:
    return dy * _by_spec(spec)._df(x, _XP)


@torch.library.custom_op("nonlin::vjp2", mutates_args=())
def _op_vjp2(x: torch.Tensor, dy: torch.Tensor, g: torch.Tensor, spec: str) -> torch.Tensor:
    return g * dy * _by_spec(spec)._d2f(x, _XP)


@_op_value.register_fake
def _(x: torch.Tensor, spec: str) -> torch.Tensor:
    return torch.empty_like(x)


@_op_vjp.register_fake
def _(x: torch.Tensor, dy: torch.Tensor, spec: str) -> torch.Tensor:
    return torch.empty_like(x)


@_op_vjp2.register_fake
def _(x: torch.Tensor, dy: torch.Tensor, g: torch.Tensor, spec: str) -> torch.Tensor:
    return torch.empty_like(x)


def _value_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
    x, spec = inputs
    ctx.save_for_backward(x)
    ctx.spec = spec


def _value_backward(ctx: Any, dy: torch.Tensor) -> tuple[Any, ...]:
    (x,) = ctx.saved_tensors
    return _op_vjp(x, dy, ctx.spec), None


def _vjp_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
    x, dy, spec = inputs
    ctx.save_for_backward(x, dy)
    ctx.spec = spec


def _vjp_backward(ctx: Any, g: torch.Tensor) -> tuple[Any, ...]:
    x, dy = ctx.saved_tensors
    return _op_vjp2(x, dy, g, ctx.spec), _op_vjp(x, g, ctx.spec), None


_op_value.register_autograd(_value_backward, setup_context=_value_context)
_op_vjp.register_autograd(_vjp_backward, setup_context=_vjp_context)


# --------------------------------------------------------------------------- not elementwise


class _General(torch.autograd.Function):
    @staticmethod
    def forward(x: torch.Tensor, act: _Activation) -> torch.Tensor:
        return act._f(x, _XP)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, act = inputs
        ctx.save_for_backward(x)
        ctx.act = act

    @staticmethod
    def backward(ctx: Any, dy: torch.Tensor) -> tuple[Any, ...]:
        (x,) = ctx.saved_tensors
        return _GeneralVjp.apply(x, dy, ctx.act), None


class _GeneralVjp(torch.autograd.Function):
    @staticmethod
    def forward(x: torch.Tensor, dy: torch.Tensor, act: _Activation) -> torch.Tensor:
        return act._vjp(x, dy, _XP)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, dy, act = inputs
        ctx.save_for_backward(x, dy)
        ctx.act = act

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[Any, ...]:
        x, dy = ctx.saved_tensors
        act = ctx.act
        gx = gdy = None
        if ctx.needs_input_grad[1]:
            gdy = act._jvp(x, g, _XP)  # vjp is linear in dy; its adjoint is the jvp
        if ctx.needs_input_grad[0]:
            with torch.enable_grad():
                xd = x.detach().requires_grad_(True)
                out = act._vjp(xd, dy.detach(), _XP)
                # A vjp that does not depend on x (norm:mean, sparsemax on its support)
                # has no graph back to it: its derivative in x is zero.
                if out.requires_grad:
                    (gx,) = torch.autograd.grad(out, xd, g, allow_unused=True)
            if gx is None:
                gx = torch.zeros_like(x)
        return gx, gdy, None


# --------------------------------------------------------------------------- learnable


def _learnable_grads(
    act: Any, x: torch.Tensor, dy: torch.Tensor, params: tuple[torch.Tensor, ...]
) -> tuple[torch.Tensor, ...]:
    p = act._broadcast(dict(zip(act.param_names, params)), x, _XP)
    slope = act._dfp(x, p, _XP)
    if torch.is_grad_enabled() and x.requires_grad and not slope.requires_grad:
        # Piecewise linear in x (prelu): f' is constant in x, so autograd sees no
        # path from x and a second backward would fail; link x with f'' = 0.
        slope = _ZeroLink.apply(slope, x)
    dx = dy * slope
    grads = act._reduce(act._pgrad(x, dy, p, _XP), x, _XP)
    return (dx, *(grads[name].reshape(value.shape) for name, value in zip(act.param_names, params)))


class _ZeroLink(torch.autograd.Function):
    """``value`` unchanged, with a zero derivative with respect to ``x``: puts ``x``
    in the graph of a quantity that does not depend on it."""

    @staticmethod
    def forward(value: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return value.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        ctx.x_shape = inputs[1].shape

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[Any, ...]:
        return g, g.new_zeros(ctx.x_shape)


class _Learnable(torch.autograd.Function):
    """A learnable activation. Its backward is nonlin's closed forms written with
    torch operations, so the backward of the backward (``create_graph=True``) is
    autograd through those closed forms: exact, and free of the where trap."""

    @staticmethod
    def forward(x: torch.Tensor, act: Any, *params: torch.Tensor) -> torch.Tensor:
        p = act._broadcast(dict(zip(act.param_names, params)), x, _XP)
        return act._fp(x, p, _XP)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, act, *params = inputs
        ctx.save_for_backward(x, *params)
        ctx.act = act

    @staticmethod
    def backward(ctx: Any, dy: torch.Tensor) -> tuple[Any, ...]:
        x, *params = ctx.saved_tensors
        dx, *dparams = _learnable_grads(ctx.act, x, dy, tuple(params))
        return (dx, None, *dparams)


# --------------------------------------------------------------------------- rrelu, in place


class _Scaled(torch.autograd.Function):
    """``y = x * d`` with a constant per-element derivative ``d`` (rrelu in training)."""

    @staticmethod
    def forward(x: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        return x * d

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        ctx.save_for_backward(inputs[1])

    @staticmethod
    def backward(ctx: Any, dy: torch.Tensor) -> tuple[Any, ...]:
        (d,) = ctx.saved_tensors
        return dy * d, None


def _slope_from_output(act: Any) -> Any:
    """``y -> f'`` for activations whose derivative is an exact function of the output
    (and whose f'' is 0), or None."""
    name = type(act).name
    xp = _XP

    def between(low: float, high: float, slope: float) -> Any:
        return lambda y: xp.where((y > low) & (y < high), slope * xp.ones_like(y), xp.zeros_like(y))

    if (
        name == "relu"
        and getattr(act, "negative_slope", 0.0) == 0
        and getattr(act, "threshold", 0.0) == 0
    ):
        top = getattr(act, "max_value", None)
        return between(0.0, float("inf") if top is None else top, 1.0)
    if name == "leaky_relu" and act.negative_slope >= 0:
        at_zero = min(1.0, act.negative_slope)
        return lambda y: xp.where(
            y > 0, xp.ones_like(y), xp.where(y < 0, act.negative_slope, at_zero) * xp.ones_like(y)
        )
    if name == "relu6":
        return between(0.0, 6.0, 1.0)
    if name in ("clip", "hard_tanh"):
        return between(act.min_val, act.max_val, 1.0)
    if name == "linear":
        return lambda y: xp.ones_like(y)
    if name == "hard_sigmoid":
        return between(0.0, 1.0, 0.2)
    if name == "hard_sigmoid_v3":
        return between(0.0, 1.0, 1.0 / 6.0)
    if name == "sparse_sigmoid":
        return between(0.0, 1.0, 0.5)
    if name == "soft_shrink":
        return lambda y: xp.where(y != 0, xp.ones_like(y), xp.zeros_like(y))
    return None


def supports_inplace(spec: Any) -> bool:
    """Whether ``inplace=True`` is offered for ``spec`` (its backward needs only f(x))."""
    act = get(spec)
    return all(
        type(stage).name == "rrelu" or _slope_from_output(stage) is not None
        for stage in act.iter_stages()
    )


class _InPlace(torch.autograd.Function):
    @staticmethod
    def forward(x: torch.Tensor, act: _Activation) -> torch.Tensor:
        return x.copy_(act._f(x, _XP))

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, act = inputs
        ctx.mark_dirty(x)
        ctx.save_for_backward(output)
        ctx.slope = _slope_from_output(act)

    @staticmethod
    def backward(ctx: Any, dy: torch.Tensor) -> tuple[Any, ...]:
        (y,) = ctx.saved_tensors
        # f'' is 0 wherever defined, so dy * f'(y) is linear in dy: _Scaled's
        # backward gives the second order.
        return _Scaled.apply(dy, ctx.slope(y).detach()), None


# --------------------------------------------------------------------------- one stage


def _run_stage(
    act: _Activation,
    x: torch.Tensor,
    params: tuple[torch.Tensor, ...] = (),
    *,
    inplace: bool = False,
    training: bool = False,
    generator: torch.Generator | None = None,
    op_spec: str | None = None,
) -> torch.Tensor:
    """One stage; ``op_spec`` (from :func:`_op_spec`, computed outside any compiled
    region) selects the custom operator for elementwise stages."""
    work, dtype = _working(x)
    if inplace and work is not x:
        raise ValueError(f"inplace=True needs a float32 or float64 tensor, not {x.dtype}")
    if getattr(act, "stochastic", False) and training:
        low, high = act.lower, act.upper  # type: ignore[attr-defined]
        noise = torch.rand(work.shape, dtype=work.dtype, device=work.device, generator=generator)
        slope = low + (high - low) * noise
        d = torch.where(work > 0, torch.ones_like(work), slope)
        if inplace:
            return work.mul_(d)
        return _Scaled.apply(work, d).to(dtype)
    if inplace:
        return _InPlace.apply(work, act)
    if getattr(act, "learnable", False):
        params = tuple(p.to(work.dtype) for p in params)
        y = _Learnable.apply(work, act, *params)
    elif op_spec is not None:
        y = _op_value(work, op_spec)
    elif act.elementwise:  # an unregistered callable: no spec to key an operator by
        y = _Elementwise.apply(work, act)
    else:
        y = _General.apply(work, act)
    return y if y.dtype == dtype else y.to(dtype)


def _op_spec(act: _Activation) -> str | None:
    """The spec that keys the custom operator for a plain elementwise stage, or None."""
    if not act.elementwise or getattr(act, "learnable", False) or getattr(act, "stochastic", False):
        return None
    spec = str(act)
    try:
        return spec if get(spec) == act else None
    except Exception:
        return None


def _check_inplace(act: _Activation) -> None:
    for stage in act.iter_stages():
        if getattr(stage, "learnable", False):
            raise ValueError(
                f"inplace=True is not offered for {act}: the backward of learnable "
                f"{stage} needs its input (a learned slope may be negative or zero, so the "
                "output does not determine it); use inplace=False"
            )
        if type(stage).name != "rrelu" and _slope_from_output(stage) is None:
            raise ValueError(
                f"inplace=True is not offered for {act}: the derivative of {stage} is not "
                "an exact function of its output, and the input would be overwritten; "
                "use inplace=False (inplace works for piecewise-linear activations such "
                "as relu, leaky_relu, relu6, hard_tanh, clip, hard_sigmoid, rrelu)"
            )


def _slice_apply(x: torch.Tensor, slc: slice, run: Any, inplace: bool) -> torch.Tensor:
    flat = x.reshape(-1)
    start, stop, step = slc.indices(flat.shape[0])
    if inplace:
        view = x.view(-1)[start:stop:step]
        run(view)
        return x
    part = run(flat[start:stop:step])
    return flat.slice_scatter(part, 0, start, stop, step).reshape(x.shape)


def apply(
    spec: Any,
    x: torch.Tensor,
    params: Any = None,
    *,
    inplace: bool = False,
    slc: slice | None = None,
    training: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The functional form: ``spec`` applied to ``x`` with nonlin's derivatives.

    ``params`` gives a learnable activation's values (a dict of tensors, e.g. with
    ``requires_grad``); by default the activation's own ``act.params`` are used, as
    constants. ``training`` turns on rrelu's random slopes.
    """
    act = get(spec)
    if inplace:
        _check_inplace(act)
    stages = list(act.iter_stages())
    if len(stages) > 1 and any(getattr(s, "learnable", False) for s in stages) and params:
        raise ValueError("pass params for a chain through nonlin.torch.Activation instead")

    def run(t: torch.Tensor) -> torch.Tensor:
        for stage in group_plain_stages(stages):
            values: tuple[torch.Tensor, ...] = ()
            if getattr(stage, "learnable", False):
                given = params if params is not None else stage.params  # type: ignore[attr-defined]
                if not given:  # one set per unit, not sized yet: size it from t
                    units = t.shape[stage._axis_of(t.ndim)]  # type: ignore[attr-defined]
                    given = stage.init_params(units)  # type: ignore[attr-defined]
                values = tuple(
                    torch.as_tensor(given[name], dtype=t.dtype, device=t.device)
                    for name in stage.param_names  # type: ignore[attr-defined]
                )
            t = _run_stage(
                stage,
                t,
                values,
                inplace=inplace,
                training=training,
                generator=generator,
                op_spec=_op_spec(stage),
            )
        return t

    if slc is not None:
        return _slice_apply(x, slc, run, inplace)
    return run(x)


# --------------------------------------------------------------------------- the module


class Activation(nn.Module):
    """A nonlin activation as an ``nn.Module``.

    Parameters
    ----------
    spec : str or nonlin.Activation
        Any spec, e.g. ``"gelu"``, ``"tanh+norm:z"``, ``"prelu(axis=1)"``.
    inplace : bool
        Overwrite the input (only where the backward needs just the output).
    slc : slice, optional
        Apply to this range of the flattened input only (PuzzleLib's ``slc``).
    dialect : str, optional
        Read ``spec`` with a framework's names and defaults (``dialect="torch"``).
    units : int, optional
        Size of the feature axis, for learnable activations with ``axis`` set; without
        it the parameters are created from the first input.
    generator : torch.Generator, optional
        Random source for rrelu's training slopes.
    """

    def __init__(
        self,
        spec: Any,
        inplace: bool = False,
        slc: slice | None = None,
        *,
        dialect: str | None = None,
        units: int | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        act = get(spec, dialect)
        if inplace:
            _check_inplace(act)
        if slc is not None and not isinstance(slc, slice):
            raise TypeError(f"slc must be a slice of flat indices, not {slc!r}")
        stages = group_plain_stages(list(act.iter_stages()))
        learnable = [s for s in stages if getattr(s, "learnable", False)]
        if slc is not None and any(s.axis is not None for s in learnable):  # type: ignore[attr-defined]
            raise ValueError(
                f"slc flattens the input, so {act} cannot keep one parameter per unit "
                "along an axis; use axis=None (shared) or no slc"
            )
        self.spec = str(act)
        self.act = act
        self.inplace = inplace
        self.slc = slc
        self.generator = generator
        # each stage and the names of its parameters on this module
        self._stages: list[tuple[_Activation, tuple[str, ...], str | None]] = []
        for stage, names in stages_with_parameter_names(stages):
            if getattr(stage, "learnable", False):
                if stage.axis is None or units is not None:  # type: ignore[attr-defined]
                    self._create(stage, names, units)
                else:
                    for name in names:
                        # Sized by the first input, as torch.nn.LazyLinear does.
                        lazy = nn.parameter.UninitializedParameter()
                        self.register_parameter(name, lazy)  # type: ignore[arg-type]
            self._stages.append((stage, names, _op_spec(stage)))

    def _create(self, stage: Any, names: tuple[str, ...], units: int | None) -> None:
        seed = int(torch.randint(0, 2**62, (), generator=self.generator))
        values = stage.init_params(units, rng=seed)
        for name, key in zip(names, stage.param_names):
            tensor = torch.as_tensor(values[key], dtype=torch.get_default_dtype())
            self.register_parameter(name, nn.Parameter(tensor))

    def _materialize(self, x: torch.Tensor) -> None:
        for stage, names, _ in self._stages:
            if names and isinstance(getattr(self, names[0]), nn.parameter.UninitializedParameter):
                units = x.shape[stage._axis_of(x.ndim)]  # type: ignore[attr-defined]
                seed = int(torch.randint(0, 2**62, (), generator=self.generator))
                values = stage.init_params(units, rng=seed)  # type: ignore[attr-defined]
                for name, key in zip(names, stage.param_names):  # type: ignore[attr-defined]
                    param = getattr(self, name)
                    param.materialize(values[key].shape)
                    with torch.no_grad():
                        param.copy_(torch.as_tensor(values[key]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if any(
            names and isinstance(getattr(self, names[0]), nn.parameter.UninitializedParameter)
            for _, names, _ in self._stages
        ):
            self._materialize(x)

        def run(t: torch.Tensor) -> torch.Tensor:
            for stage, names, op_spec in self._stages:
                params = tuple(getattr(self, name) for name in names)
                t = _run_stage(
                    stage,
                    t,
                    params,
                    inplace=self.inplace,
                    training=self.training,
                    generator=self.generator,
                    op_spec=op_spec,
                )
            return t

        if self.slc is not None:
            return _slice_apply(x, self.slc, run, self.inplace)
        return run(x)

    def extra_repr(self) -> str:
        parts = [repr(self.spec)]
        if self.inplace:
            parts.append("inplace=True")
        if self.slc is not None:
            parts.append(f"slc={self.slc!r}")
        return ", ".join(parts)

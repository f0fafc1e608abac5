"""Composition: ``"tanh+norm:z"`` applies tanh, then norm:z (left to right, as theanets).

For ``h = g(F(x))`` the chain rule gives ``h' = g'(F) F'`` and
``h'' = g''(F) F'^2 + g'(F) F''``; a chain of elementwise activations folds these
stage by stage. Chains with a non-elementwise stage give ``vjp`` (backward through
the stages, last first) and ``jvp`` (forward through them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .activation import Activation
from .namespace import Array, Namespace

__all__ = ["Chain", "chain"]


@dataclass(frozen=True, repr=False)
class Chain(Activation):
    """Activations applied one after the other, left to right."""

    stages: tuple[Activation, ...]

    name = "chain"

    def __post_init__(self) -> None:
        if len(self.stages) < 2:
            raise ValueError("a chain needs at least two stages; use the activation itself")

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        return {}

    def __str__(self) -> str:
        return "+".join(map(str, self.stages))

    @property
    def elementwise(self) -> bool:  # type: ignore[override]
        return all(stage.elementwise for stage in self.stages)

    @property
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        """The first stage's kinks; later stages' kinks have preimages we do not solve for."""
        return self.stages[0].kinks

    def iter_stages(self) -> Iterator[Activation]:
        yield from self.stages

    def has_numeric_derivatives(self) -> bool:
        return any(stage.has_numeric_derivatives() for stage in self.stages)

    def _output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        for stage in self.stages:
            shape = stage._output_shape(shape)
        return shape

    def _check_input(self, x: Array, xp: Namespace) -> None:
        self.stages[0]._check_input(x, xp)

    def _f(self, x: Array, xp: Namespace) -> Array:
        for position, stage in enumerate(self.stages):
            if position:
                stage._check_input(x, xp)
            x = stage._f(x, xp)
        return x

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        return self._chained_derivatives(x, xp, "_derivatives")

    def _df(self, x: Array, xp: Namespace) -> Array:
        return self._chained_slope(x, xp, "_f", "_df")

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        return self._derivatives(x, xp)[2]

    def _chained_derivatives(
        self, x: Array, xp: Namespace, hook: str
    ) -> tuple[Array, Array, Array]:
        """f, f', f'' by the chain rule, each stage's three from its ``hook``."""
        value, first, second = getattr(self.stages[0], hook)(x, xp)
        for stage in self.stages[1:]:
            g, dg, d2g = getattr(stage, hook)(value, xp)
            value, first, second = g, dg * first, d2g * first * first + dg * second
        return value, first, second

    def _chained_slope(self, x: Array, xp: Namespace, value_hook: str, slope_hook: str) -> Array:
        """f' by the chain rule, from each stage's ``value_hook`` and ``slope_hook``."""
        value, first = x, None
        for stage in self.stages:
            slope = getattr(stage, slope_hook)(value, xp)
            first = slope if first is None else slope * first
            value = getattr(stage, value_hook)(value, xp)
        return first

    # No wide forms (Activation._f_wide): a float32 chain is computed in float64 by
    # each stage's exact formulas, and rounded once. The compiled chains (csrc/chain.h)
    # run the stages' float64 loops, so both give the same values; the stages' wide
    # forms would be cheaper on this path but no more accurate.

    def _vjp(self, x: Array, dy: Array, xp: Namespace) -> Array:
        inputs = []
        for position, stage in enumerate(self.stages):
            if position:
                stage._check_input(x, xp)
            inputs.append(x)
            x = stage._f(x, xp)
        for stage, stage_input in zip(reversed(self.stages), reversed(inputs)):
            dy = stage._vjp(stage_input, dy, xp)
        return dy

    def _jvp(self, x: Array, v: Array, xp: Namespace) -> Array:
        for position, stage in enumerate(self.stages):
            if position:
                stage._check_input(x, xp)
            v = stage._jvp(x, v, xp)
            x = stage._f(x, xp)
        return v


def chain(stages: Iterable[Activation]) -> Activation:
    """Compose activations left to right, flattening nested chains; one stage is itself."""
    flat: list[Activation] = []
    for stage in stages:
        flat.extend(stage.iter_stages())
    if not flat:
        raise ValueError("cannot chain zero activations")
    return flat[0] if len(flat) == 1 else Chain(tuple(flat))


def group_plain_stages(stages: Iterable[Activation]) -> list[Activation]:
    """Runs of plain stages fused into one chain each; learnable and stochastic stages
    alone (the framework adapters give those their own parameters and random state)."""
    out: list[Activation] = []
    run: list[Activation] = []
    for stage in stages:
        if getattr(stage, "learnable", False) or getattr(stage, "stochastic", False):
            if run:
                out.append(chain(run))
                run = []
            out.append(stage)
        else:
            run.append(stage)
    if run:
        out.append(chain(run))
    return out


def stages_with_parameter_names(
    stages: Sequence[Activation],
) -> list[tuple[Activation, tuple[str, ...]]]:
    """Each stage with the names its learned parameters take on an adapter's layer.

    Learnable stages are cloned (the layer owns its parameters); their names are the
    stage's own (``alpha``), suffixed with the stage's position when the chain has more
    than one learnable stage (``alpha_0``, ``alpha_2``), so the torch and Keras adapters
    name them alike. Plain stages get no names.
    """
    learnable = [stage for stage in stages if getattr(stage, "learnable", False)]
    named: list[tuple[Activation, tuple[str, ...]]] = []
    for index, stage in enumerate(stages):
        names: tuple[str, ...] = ()
        if getattr(stage, "learnable", False):
            stage = stage.clone()  # type: ignore[attr-defined]
            suffix = "" if len(learnable) == 1 else f"_{index}"
            names = tuple(f"{name}{suffix}" for name in stage.param_names)
        named.append((stage, names))
    return named

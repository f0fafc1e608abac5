"""Keras 3 adapter: any nonlin spec as a ``keras.layers.Layer`` that saves and loads.

>>> import keras, nonlin.keras
>>> layer = nonlin.keras.Activation("tanh+elu(alpha=0.5)")
>>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), layer])
>>> model.save("m.keras"); keras.models.load_model("m.keras")   # no custom_objects

Importing this module registers :class:`Activation` with
``keras.saving.register_keras_serializable`` (as ``"nonlin>Activation"``), so a
saved model loads without ``custom_objects`` once ``nonlin.keras`` is imported. The
config is ``{"spec": str(act), "units": ..., "seed": ...}`` plus Keras' own keys:
hyper-parameters travel in the spec, learned values as the layer's weights.

How the forward pass and its gradients are computed, per Keras backend:

* ``jax``: plain stages run as :func:`nonlin.jax.function` (``jax.custom_jvp``), so
  jax's first and second derivatives are nonlin's closed forms (kinks included);
  learnable stages are differentiated by jax through nonlin's formulas.
* ``torch``: every stage runs through :func:`nonlin.torch.apply`, whose autograd
  functions give nonlin's closed-form derivatives (for parameters too).
* other backends (``numpy`` for inference; tensorflow is not supported by the array
  API layer) call the activation directly.

Learnable activations' parameters are Keras weights (``add_weight``), named like
``act.params`` (``slope``; in a chain ``slope_1`` for stage 1), created in
``build`` from the feature axis of the input shape or from ``units=``, initialised
by nonlin's initialisers (seeded by ``seed=``), and trained by any Keras optimiser.
``rrelu`` draws its slopes from a Keras ``SeedGenerator`` in training.

As a Dense activation. ``keras.layers.Dense(64, activation=layer)`` with a layer
from this module works and round-trips through ``model.save``/``load_model``
(Keras serialises the activation as this layer's config). A bare activation,
``Dense(64, activation=nl.get("tanh"))``, also trains: Keras calls it on backend
tensors and the backend differentiates nonlin's formula. But it cannot be saved:
Keras asks the callable for ``get_config()``, which ``nonlin.Activation`` does not
have, and ``model.save`` raises ``TypeError: Cannot serialize object tanh``. Wrap
it: ``activation=nonlin.keras.Activation("tanh")``.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from .activation import Activation as _Activation
from .chain import group_plain_stages, stages_with_parameter_names
from .registry import get

__all__ = ["Activation"]


def _constant(value: np.ndarray) -> Any:
    def initializer(shape: Any, dtype: Any = None) -> Any:
        return keras.ops.convert_to_tensor(np.reshape(value, shape), dtype=dtype)

    return initializer


@keras.saving.register_keras_serializable(package="nonlin", name="Activation")
class Activation(keras.layers.Layer):
    """A nonlin activation as a Keras 3 layer.

    Parameters
    ----------
    spec : str or nonlin.Activation
        Any spec, e.g. ``"gelu"``, ``"tanh+norm:z"``, ``"prelu(axis=-1)"``.
    dialect : str, optional
        Read ``spec`` with a framework's names and defaults (``dialect="keras"``);
        the saved config holds the canonical spec.
    units : int, optional
        Size of the feature axis for learnable activations with ``axis`` set;
        by default it is read from the input shape in ``build``.
    seed : int, optional
        Seed of the initial parameter values and of rrelu's training slopes.
    **kwargs
        Keras layer arguments (``name``, ``dtype``, ``trainable``).
    """

    def __init__(
        self,
        spec: Any,
        *,
        dialect: str | None = None,
        units: int | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        act = get(spec, dialect)
        self.spec = str(act)
        self.units = units
        self.seed = seed
        self.supports_masking = True
        stages = group_plain_stages(list(act.iter_stages()))
        plan: list[tuple[Any, tuple[str, ...]]] = list(stages_with_parameter_names(stages))
        # a tuple, and nonlin objects only: nothing for Keras' tracker to wrap
        self._plan = tuple(plan)
        self._act = act
        self._jax_fns: dict[int, Any] = {}
        if any(getattr(s, "stochastic", False) for s in stages):
            self._seed_generator = keras.random.SeedGenerator(seed)

    @property
    def activation(self) -> _Activation:
        """The nonlin activation (hyper-parameters; the learned values are weights)."""
        return self._act

    # ------------------------------------------------------------------ weights

    def build(self, input_shape: Any) -> None:
        rng = np.random.default_rng(self.seed)
        ndim = len(input_shape)
        for stage, names in self._plan:
            if not names:
                continue
            units = None
            if stage.axis is not None:
                axis = stage._axis_of(ndim)
                units = self.units if self.units is not None else input_shape[axis]
                if units is None:
                    raise ValueError(
                        f"{self.spec}: axis {stage.axis} of the input has unknown size "
                        f"(shape {tuple(input_shape)}); pass units= to nonlin.keras.Activation"
                    )
                if input_shape[axis] is not None and input_shape[axis] != units:
                    raise ValueError(
                        f"{self.spec}: units={units} but axis {stage.axis} of the input has "
                        f"{input_shape[axis]}"
                    )
            values = stage.init_params(units, rng=rng)
            for name, key in zip(names, stage.param_names):
                self.add_weight(
                    name=name,
                    shape=values[key].shape,
                    initializer=_constant(values[key]),
                    trainable=True,
                )
        self.built = True

    def _variables_of(self, names: tuple[str, ...]) -> list[Any]:
        by_name = {w.name: w for w in self.weights}
        return [by_name[name] for name in names]

    # ------------------------------------------------------------------ forward

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        backend = keras.backend.backend()
        x = inputs
        for index, (stage, names) in enumerate(self._plan):
            if names:
                params = tuple(
                    keras.ops.cast(keras.ops.convert_to_tensor(v), x.dtype)
                    for v in self._variables_of(names)
                )
                x = self._learnable(stage, x, params, backend)
            elif getattr(stage, "stochastic", False) and training:
                slope = keras.random.uniform(
                    keras.ops.shape(x),
                    minval=stage.lower,
                    maxval=stage.upper,
                    dtype=x.dtype,
                    seed=self._seed_generator,
                )
                x = keras.ops.where(x > 0, x, slope * x)
            else:
                x = self._plain(index, stage, x, backend)
        return x

    def _plain(self, index: int, stage: _Activation, x: Any, backend: str) -> Any:
        if backend == "jax":
            fn = self._jax_fns.get(index)
            if fn is None:
                from .jax import function

                fn = self._jax_fns[index] = function(stage)
            return fn(x)
        if backend == "torch":
            from .torch import apply

            return apply(stage, x)
        return stage(x)

    def _learnable(self, stage: Any, x: Any, params: tuple[Any, ...], backend: str) -> Any:
        given = dict(zip(stage.param_names, params))
        if backend == "torch":
            from .torch import apply

            return apply(stage, x, params=given)
        from .namespace import namespace

        xp = namespace(x)  # for JAX: jax.numpy with XLA's loose functions replaced
        stage._check_input(x, xp)
        return stage._fp(x, stage._broadcast(given, x, xp), xp)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask

    # ------------------------------------------------------------------ config

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().get_config()
        config.update({"spec": self.spec, "units": self.units, "seed": self.seed})
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Activation:
        return cls(**config)

"""A framework-free activation layer, after PuzzleLib's ``Modules.Activation``.

>>> import numpy as np
>>> import nonlin.layers
>>> layer = nonlin.layers.Activation("relu", slc=slice(0, 3))
>>> layer.forward(np.array([[-1.0, 2.0], [-3.0, -4.0]]))
array([[ 0.,  2.],
       [ 0., -4.]])
>>> layer.backward(np.ones((2, 2)))
array([[0., 1.],
       [0., 1.]])

``forward(x)`` applies the activation and keeps what ``backward(dy)`` needs; ``backward``
returns the gradient with respect to the input (and, for a learnable activation, leaves
the parameter gradients in ``param_grads``). The last results stay in ``data`` and
``grad``. Any array library works whose arrays can be indexed; NumPy is the one the
layer is written for.

``slc`` limits the activation to ``x.reshape(-1)[slc]``: the elements outside the slice
pass through unchanged, forward and backward (the layer is the identity there). With
``inplace=True`` the result overwrites the input array, and the gradient overwrites
``dy``; the input's activated part is copied first, so that ``backward`` stays exact.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat
import numpy as np

from .activation import Activation as _Activation
from .errors import InputError, InputTypeError
from .namespace import Array, Namespace, check_out, prepare
from .registry import get

__all__ = ["Activation"]


class Activation:
    """An activation layer with ``forward``/``backward``, an optional slice, in place.

    Parameters
    ----------
    activation : str or Activation
        A spec (``"relu"``, ``"leakyRelu"``, ``"elu(alpha=0.5)+softplus"``) or an
        activation object. A learnable activation is cloned: the layer owns its values.
    slc : slice, optional
        Apply the activation to this slice of the flattened input only (PuzzleLib's
        ``slc``); elsewhere the layer passes values and gradients through. Needs a
        pointwise activation (no row operation, no per-unit parameters).
    inplace : bool, default False
        Write the result into the input array (and the gradient into ``dy``). The
        arrays must be writeable floating-point arrays of a mutable library.
    name : str, optional
        A label for the layer (kept, not interpreted).
    """

    def __init__(
        self,
        activation: Any,
        slc: slice | None = None,
        inplace: bool = False,
        name: str | None = None,
    ) -> None:
        act = get(activation)
        if getattr(act, "learnable", False):
            act = act.clone()  # type: ignore[attr-defined]
        if slc is not None:
            if not isinstance(slc, slice):
                raise TypeError(f"slc must be a slice (like slice(0, 8)), not {slc!r}")
            if slc.step == 0:
                raise ValueError("slc cannot have a step of 0")
            if not act._pointwise():
                raise ValueError(
                    f"slc applies {act} to part of the flattened input, which needs a "
                    "pointwise activation; this one mixes elements (or has per-unit "
                    "parameters): apply it to the whole array instead"
                )
        if not isinstance(inplace, bool):
            raise TypeError(f"inplace must be True or False, not {inplace!r}")
        self.act: _Activation = act
        self.slc = slc
        self.inplace = inplace
        self.name = name
        self.data: Array | None = None
        self.grad: Array | None = None
        self.param_grads: dict[str, Array] = {}
        self._saved: Array | None = None
        self._shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return (
            f"Activation({str(self.act)!r}, slc={self.slc!r}, inplace={self.inplace!r}, "
            f"name={self.name!r})"
        )

    def __call__(self, x: Any) -> Array:
        return self.forward(x)

    # ----------------------------------------------------------------- forward

    def forward(self, x: Any) -> Array:
        """``f(x)`` (on the slice), keeping the input for ``backward``."""
        x = _as_array(x)
        xp = array_api_compat.array_namespace(x)
        if self.inplace:
            check_out(x, prepare(x), x)  # refuses before anything is written
        shape = tuple(x.shape)
        if self.slc is None:
            self._saved = _copy(x, xp) if self.inplace else x
            y = self.act(x, out=x) if self.inplace else self.act(x)
        else:
            flat = xp.reshape(x, (-1,))
            part = flat[self._positions(shape)]
            self._saved = _copy(part, xp) if self.inplace else part
            y = self._merge(x, self.act(part), xp, into=x if self.inplace else None)
        self._shape = shape
        self.data = y
        return y

    # ----------------------------------------------------------------- backward

    def backward(self, dy: Any) -> Array:
        """The gradient with respect to the input of the last ``forward``, given ``dy``."""
        if self._saved is None or self._shape is None:
            raise RuntimeError(f"{self!r}: call forward(x) before backward(dy)")
        dy = _as_array(dy)
        xp = array_api_compat.array_namespace(dy)
        if tuple(dy.shape) != self._shape:
            raise InputError(
                f"dy has shape {tuple(dy.shape)} but the last forward input had shape "
                f"{self._shape}; they must match"
            )
        if self.inplace:
            check_out(dy, prepare(dy), dy)
        flat_dy = None
        if self.slc is not None:
            flat_dy = xp.reshape(dy, (-1,))[self._positions(self._shape)]
        if getattr(self.act, "learnable", False):  # before dy may be overwritten
            cotangent = dy if flat_dy is None else flat_dy
            self.param_grads = self.act.param_vjp(self._saved, cotangent)  # type: ignore[attr-defined]
        if flat_dy is None:
            if self.inplace:
                grad = self.act.vjp(self._saved, dy, out=dy)
            else:
                grad = self.act.vjp(self._saved, dy)
        else:
            part = self.act.vjp(self._saved, flat_dy)
            grad = self._merge(dy, part, xp, into=dy if self.inplace else None)
        self.grad = grad
        return grad

    # ----------------------------------------------------------------- the slice

    def _merge(self, whole: Array, part: Array, xp: Namespace, into: Array | None) -> Array:
        """``whole`` with its flattened slice replaced by ``part`` (written into ``into``
        when given, else into a new array of ``part``'s dtype)."""
        shape = tuple(whole.shape)
        if array_api_compat.is_jax_array(whole) or array_api_compat.is_dask_array(whole):
            return self._merge_immutable(whole, part, xp)
        if into is None:
            flat = xp.reshape(xp.astype(whole, part.dtype, copy=True), (-1,))
        else:
            flat = xp.reshape(into, (-1,))
        flat[self._positions(shape)] = xp.astype(part, flat.dtype)
        result = xp.reshape(flat, shape)
        if into is not None:
            into[...] = result  # a no-op write where the flat array was a view
            return into
        return result

    def _merge_immutable(self, whole: Array, part: Array, xp: Namespace) -> Array:
        """The same for arrays that cannot be written: select by position."""
        shape = tuple(whole.shape)
        size = math.prod(shape)
        positions = self._positions(shape)
        flat = xp.astype(xp.reshape(whole, (-1,)), part.dtype)
        if positions.start >= positions.stop:
            return xp.reshape(flat, shape)
        index = xp.arange(size)
        offset = index - positions.start
        chosen = (offset >= 0) & (index < positions.stop) & (offset % positions.step == 0)
        order = xp.where(chosen, offset // positions.step, xp.zeros_like(index))
        spread = xp.take(part, order, axis=0)
        return xp.reshape(xp.where(chosen, spread, flat), shape)

    def _positions(self, shape: tuple[int, ...]) -> slice:
        """The slice as start:stop:step with a positive step over the same positions
        (their order does not matter to a pointwise activation; not every library
        takes negative steps)."""
        assert self.slc is not None
        chosen = range(math.prod(shape))[self.slc]
        if chosen.step < 0:
            chosen = chosen[::-1]
        if len(chosen) == 0:
            return slice(0, 0, 1)
        return slice(chosen.start, chosen[-1] + 1, chosen.step)


def _as_array(x: Any) -> Array:
    if array_api_compat.is_array_api_obj(x) and not isinstance(x, np.generic):
        return x
    if isinstance(x, (list, tuple, int, float, np.generic)):
        return np.asarray(x)
    raise InputTypeError(f"the layer takes arrays, not {type(x).__name__}")


def _copy(x: Array, xp: Namespace) -> Array:
    return xp.asarray(x, copy=True)

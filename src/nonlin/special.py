"""Special functions outside the array API standard, per namespace, imported lazily.

One table: for each namespace, where ``erf``, ``erfc`` and ``erfcx`` live. The module
behind an entry is imported on first use, so ``import nonlin`` loads no framework.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache, partial

import array_api_compat

from .namespace import Array, Namespace

__all__ = ["erf", "erfc", "erfcx"]

# namespace kind -> (module to import, attribute prefix)
_TABLE: dict[str, str] = {
    "numpy": "scipy.special",
    "array_api_strict": "scipy.special",  # via NumPy, see _through_numpy
    "torch": "torch.special",
    "jax": "jax.scipy.special",
    "cupy": "cupyx.scipy.special",
    "dask": "scipy.special",  # not used: each chunk goes through its own library's entry
}


def _kind(xp: Namespace) -> str:
    for kind, check in (
        ("numpy", array_api_compat.is_numpy_namespace),
        ("torch", array_api_compat.is_torch_namespace),
        ("jax", array_api_compat.is_jax_namespace),
        ("cupy", array_api_compat.is_cupy_namespace),
        ("dask", array_api_compat.is_dask_namespace),
        ("array_api_strict", array_api_compat.is_array_api_strict_namespace),
    ):
        if check(xp):
            return kind
    raise TypeError(f"no special functions known for the array namespace {xp.__name__}")


@cache
def _function(kind: str, name: str) -> Callable[[Array], Array]:
    module = importlib.import_module(_TABLE[kind])
    return getattr(module, name)


def _call(name: str, x: Array, xp: Namespace) -> Array:
    kind = _kind(xp)
    function = _function(kind, name)
    if kind == "array_api_strict":
        import numpy as np

        device = x.device
        return xp.asarray(function(np.asarray(x)), device=device)
    if kind == "dask":
        # Chunk by chunk, each through its own library's entry (NumPy or CuPy chunks).
        return x.map_blocks(partial(_chunk, name), dtype=x.dtype, meta=x._meta)
    return function(x)


def _chunk(name: str, block: Array) -> Array:
    return _call(name, block, array_api_compat.array_namespace(block))


def erf(x: Array, xp: Namespace) -> Array:
    """The error function."""
    return _call("erf", x, xp)


def erfc(x: Array, xp: Namespace) -> Array:
    """``1 - erf(x)`` without cancellation for large x."""
    return _call("erfc", x, xp)


def erfcx(x: Array, xp: Namespace) -> Array:
    """``exp(x**2) * erfc(x)``: finite where erfc underflows."""
    return _call("erfcx", x, xp)

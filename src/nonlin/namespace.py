"""Which array library an input belongs to, and the dtype policy (design.md, section 3).

Every public evaluation goes through :func:`prepare` and :func:`finish`:

* Python scalars, lists and tuples become NumPy arrays.
* Complex, string, object and other non-numeric input is an :class:`InputTypeError`.
* Integer and bool input is promoted to the namespace's default floating dtype.
* float16 and bfloat16 are computed in float32 and rounded once at the end; on arrays
  that NumPy computes (NumPy's, array-api-strict's and Dask arrays of NumPy chunks),
  float32 and float16 are computed in float64 (cheap on a CPU) and rounded once.
* ``out=`` targets are checked by :func:`check_out` before anything is computed and
  filled by :func:`write_out`.
* JAX arrays are computed with ``jax.numpy`` less the few functions where XLA is loose,
  which :data:`nonlin.special.JAX_OVERRIDES` replaces (see :class:`_Overridden`).
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import array_api_compat
import numpy as np

from .errors import InputError, InputTypeError

__all__ = [
    "Array",
    "Namespace",
    "Prepared",
    "check_out",
    "computed_by_numpy",
    "finish",
    "namespace",
    "plain",
    "prepare",
    "prepare_like",
    "quiet",
    "write_out",
]

Array = Any
Namespace = Any

_NUMPY_KINDS = {
    "c": "complex",
    "U": "string",
    "S": "bytes",
    "O": "object",
    "V": "structured",
    "M": "datetime",
    "m": "timedelta",
}


@dataclass(frozen=True)
class Prepared:
    """An input ready for evaluation: the array in its working dtype and how to return."""

    x: Array
    xp: Namespace
    dtype: Any  # the dtype results are returned in

    def finish(self, y: Array) -> Array:
        return finish(y, self.xp, self.dtype)


def _reject_numpy_dtype(dtype: np.dtype, what: str) -> None:
    kind = _NUMPY_KINDS.get(dtype.kind)
    if kind is not None:
        fix = (
            "take the real part or the magnitude first"
            if kind == "complex"
            else "convert it with np.asarray(x, dtype=float)"
        )
        raise InputTypeError(
            f"{what} has {kind} dtype {dtype}; activations need real numbers: {fix}"
        )


def _as_array(x: Any, what: str) -> Array:
    if array_api_compat.is_array_api_obj(x) and not isinstance(x, np.generic):
        return x
    if isinstance(x, (bool, int, float, np.generic, list, tuple)):
        if isinstance(x, (list, tuple)) and len(x) and isinstance(x[0], str):
            raise InputTypeError(f"{what} is a list of strings; activations need numbers")
        try:
            array = np.asarray(x)
        except ValueError as error:  # ragged nested lists
            raise InputTypeError(f"{what} cannot be made into an array: {error}") from None
        return array
    raise InputTypeError(
        f"{what} must be an array or a number, not {type(x).__name__}; "
        "pass a NumPy, PyTorch, JAX, CuPy or Dask array (or a float, or a list of floats)"
    )


def _working_dtype(x: Array, xp: Namespace, what: str) -> Any:
    """The floating dtype to compute in for ``x`` (None when ``x`` is already right)."""
    if isinstance(x, np.ndarray):
        _reject_numpy_dtype(x.dtype, what)
    dtype = x.dtype
    if xp.isdtype(dtype, "complex floating"):
        raise InputTypeError(
            f"{what} has complex dtype {dtype}; activations need real numbers: "
            "take the real part or the magnitude first"
        )
    if xp.isdtype(dtype, "real floating"):
        if dtype == xp.float64:
            return None
        if computed_by_numpy(x, xp):
            # NumPy on the CPU: float64 costs little, and rounding a float64 result
            # once makes float32 (and float16) results correctly rounded or 1 ulp off,
            # where NumPy's own float32 exp and log (SIMD) are up to 2 and 3 ulp off.
            return xp.float64
        if dtype == xp.float32:
            return None
        return xp.float32  # float16, bfloat16: computed in float32, rounded once
    if xp.isdtype(dtype, ("integral", "bool")):
        return xp.float64 if xp is _numpy_namespace() else xp.asarray(0.0).dtype
    raise InputTypeError(f"{what} has dtype {dtype}, which is not a real number type")


def computed_by_numpy(x: Array, xp: Namespace) -> bool:
    """Whether NumPy does the arithmetic for ``x``: a NumPy array, an array-api-strict
    array (a NumPy array underneath) or a Dask array of NumPy chunks."""
    return (
        array_api_compat.is_numpy_namespace(xp)
        or array_api_compat.is_array_api_strict_namespace(xp)
        or _numpy_chunks(x, xp)
    )


def _numpy_chunks(x: Array, xp: Namespace) -> bool:
    return array_api_compat.is_dask_namespace(xp) and isinstance(
        getattr(x, "_meta", None), np.ndarray
    )


def _numpy_namespace() -> Namespace:
    return array_api_compat.array_namespace(np.empty(0))


class _Overridden(types.ModuleType):
    """A namespace as the catalog sees it: ``plain``'s functions, a few replaced.

    It carries ``plain``'s ``__name__``, so ``array_api_compat.is_jax_namespace`` and
    :mod:`nonlin.special` know it; everything not overridden is ``plain``'s own
    (looked up once, then kept).
    """

    def __init__(self, plain: Namespace, overrides: dict[str, Any]) -> None:
        super().__init__(plain.__name__, plain.__doc__)
        self.__dict__.update(overrides)
        self._nonlin_plain = plain

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._nonlin_plain, name)
        setattr(self, name, value)
        return value


@cache
def _jax_namespace(plain: Namespace) -> Namespace:
    from .special import JAX_OVERRIDES

    overrides = {name: partial(function, xp=plain) for name, function in JAX_OVERRIDES.items()}
    return _Overridden(plain, overrides)


def namespace(array: Array) -> Namespace:
    """The namespace the catalog computes ``array`` with: its library's, but for JAX
    with XLA's loose functions replaced by accurate ones (nonlin.special.JAX_OVERRIDES)."""
    xp = array_api_compat.array_namespace(array)
    return _jax_namespace(xp) if array_api_compat.is_jax_namespace(xp) else xp


def plain(xp: Namespace) -> Namespace:
    """The library's own namespace behind ``xp`` (itself unless :func:`namespace` wrapped it)."""
    return getattr(xp, "_nonlin_plain", xp)


def prepare(x: Any, what: str = "input") -> Prepared:
    """Validate ``x`` and bring it to the dtype evaluation happens in."""
    array = _as_array(x, what)
    xp = namespace(array)
    working = _working_dtype(array, xp, what)
    if working is None:
        return Prepared(array, xp, array.dtype)
    out_dtype = working if xp.isdtype(array.dtype, ("integral", "bool")) else array.dtype
    return Prepared(xp.astype(array, working), xp, out_dtype)


def prepare_like(
    other: Any, reference: Prepared, what: str, shape: tuple[int, ...] | None = None
) -> Array:
    """Bring a second operand (``dy`` of a vjp, ``v`` of a jvp) to ``reference``'s array,
    of ``shape`` (default x's: a vjp's ``dy`` has f(x)'s shape, which glu halves)."""
    xp = reference.xp
    target = tuple(reference.x.shape) if shape is None else tuple(shape)
    x = reference.x
    same = type(other) is np.ndarray and type(x) is np.ndarray and other.dtype == x.dtype
    if same and other.shape == target:  # the common case, without the checks below (~10 us)
        return other
    named = "x" if shape is None or target == tuple(reference.x.shape) else "f(x)"
    if isinstance(other, (bool, int, float, list, tuple)):
        other = np.asarray(other) if isinstance(reference.x, np.ndarray) else xp.asarray(other)
    array = _as_array(other, what)
    _working_dtype(array, array_api_compat.array_namespace(array), what)  # rejects bad dtypes
    if array_api_compat.array_namespace(array) is not plain(xp):
        raise InputTypeError(
            f"{what} is a {type(array).__module__} array but x is a {type(reference.x).__module__}"
            " array; pass both from the same library"
        )
    if array.dtype != reference.x.dtype:
        array = xp.astype(array, reference.x.dtype)
    if tuple(array.shape) != target:
        try:
            array = xp.broadcast_to(array, target)
        except (ValueError, RuntimeError):
            raise InputError(
                f"{what} has shape {tuple(array.shape)} but {named} has shape {target}; "
                "they must match"
            ) from None
    return array


def finish(y: Array, xp: Namespace, dtype: Any) -> Array:
    """Return ``y`` as an array (never a NumPy scalar) of ``dtype``."""
    if isinstance(y, np.generic):
        y = np.asarray(y)
    if y.dtype != dtype:
        y = xp.astype(y, dtype)
    return y


def check_out(out: Any, reference: Prepared, x: Any, shape: tuple[int, ...] | None = None) -> None:
    """Raise unless ``out`` can receive a result for ``x`` (checked before computing, so
    a refused ``out``, ``x`` itself included, is left unchanged)."""
    xp = reference.xp
    library = type(out).__module__.split(".")[0]
    if array_api_compat.is_jax_array(out) or array_api_compat.is_dask_array(out):
        raise InputError(
            f"out= is a {library} array, and {library} arrays are immutable; "
            "use the returned array instead (y = act(x))"
        )
    if not array_api_compat.is_array_api_obj(out) or isinstance(out, np.generic):
        raise InputTypeError(
            f"out= must be an array of the input's library, not {type(out).__name__}"
        )
    if array_api_compat.array_namespace(out) is not plain(xp):
        raise InputTypeError(
            f"out= is a {library} array but x is a {type(reference.x).__module__} array; "
            "pass both from the same library"
        )
    if out.dtype != reference.dtype:
        target = "the input itself, " if out is x else ""
        raise InputTypeError(
            f"out= ({target}dtype {out.dtype}) cannot receive the result, which has dtype "
            f"{reference.dtype}; pass an array of that dtype (or use the returned array)"
        )
    if isinstance(out, np.ndarray) and not out.flags.writeable:
        target = " (the input itself)" if out is x else ""
        raise InputError(f"out={target} is read-only; pass a writeable array (or use the result)")
    result = tuple(reference.x.shape) if shape is None else tuple(shape)
    if tuple(out.shape) != result:
        raise InputError(
            f"out= has shape {tuple(out.shape)} but the result has shape {result}; they must match"
        )
    if array_api_compat.device(out) != array_api_compat.device(reference.x):
        raise InputError(
            f"out= is on device {array_api_compat.device(out)} but x is on "
            f"{array_api_compat.device(reference.x)}; put them on the same device"
        )


def write_out(y: Array, out: Array, xp: Namespace) -> Array:
    """Round ``y`` (in the working dtype) once to ``out``'s dtype, write it into ``out``
    and return ``out``."""
    if isinstance(y, np.generic):
        y = np.asarray(y)
    if y.dtype != out.dtype:
        y = xp.astype(y, out.dtype)
    out[...] = y
    return out


@contextlib.contextmanager
def quiet(xp: Namespace) -> Iterator[None]:
    """Silence NumPy's floating-point warnings inside a formula.

    The formulas are written so that no overflow reaches a result; a warning from an
    intermediate that is then discarded would only alarm the user. Entered for every
    namespace (it costs a context switch): array-api-strict and Dask compute with NumPy
    underneath, and so does a Dask chunk when it is computed inside this block.
    """
    del xp  # every namespace gets the same treatment; kept for the call sites' sake
    with np.errstate(all="ignore"):
        yield

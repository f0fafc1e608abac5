"""The :class:`Activation` base class, parameters, and registration.

An activation subclasses :class:`Activation` as a frozen dataclass and implements
hooks that receive the array and its namespace ``xp``:

* elementwise: ``_f``, ``_df``, ``_d2f`` (and ``_derivatives`` when one pass can share work);
* not elementwise: ``_f``, ``_vjp`` and ``_jvp``.

The public methods (``fn``/``__call__``, ``grad``, ``grad2``, ``vjp``, ``jvp``,
``derivatives``) validate the input, pick the working dtype (design.md, section 3),
call the hook and give the result back in the input's dtype.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

import array_api_compat
import numpy as np

from . import engine, kernels
from .errors import InputError, ParameterError
from .namespace import (
    Array,
    Namespace,
    Prepared,
    check_out,
    prepare,
    prepare_like,
    quiet,
    write_out,
)
from .spec import format_literal

__all__ = [
    "Activation",
    "ParamSpec",
    "Traits",
    "check_axis",
    "normalize_name",
    "param",
    "register",
    "registered_classes",
]

A = TypeVar("A", bound="Activation")


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class ParamSpec:
    """How one parameter is checked: its type, bounds and allowed values."""

    kind: type = float
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    allow_inf: bool = False
    allow_none: bool = False
    choices: tuple[Any, ...] | None = None
    convert: Callable[[Any], Any] | None = None
    doc: str = ""

    def check(self, owner: str, name: str, value: Any) -> Any:
        """Return ``value`` converted to the parameter's type, or raise ParameterError."""
        where = f"{owner}: parameter {name!r}"
        if value is None:
            if self.allow_none:
                return None
            raise ParameterError(f"{where} cannot be None; {self.describe()}")
        if self.convert is not None:
            value = self.convert(value)
        if self.choices is not None:
            if value not in self.choices:
                options = ", ".join(map(repr, self.choices))
                raise ParameterError(f"{where} is {value!r}; choose one of {options}")
            return value
        if self.kind is str:
            if not isinstance(value, str):
                raise ParameterError(f"{where} must be a string, not {value!r}")
            return value
        if isinstance(value, bool) or not _is_real_number(value):
            raise ParameterError(
                f"{where} must be a {self.kind.__name__}, not {type(value).__name__} {value!r}"
            )
        try:
            number = float(value)
        except OverflowError:
            raise ParameterError(
                f"{where} is {value!r}, too large for a float; {self.describe()}"
            ) from None
        if math.isnan(number):
            raise ParameterError(f"{where} is nan; {self.describe()}")
        if math.isinf(number) and not self.allow_inf:
            raise ParameterError(f"{where} is {number}; it must be finite ({self.describe()})")
        if self.kind is int:
            if not number.is_integer():
                raise ParameterError(f"{where} must be a whole number, not {value!r}")
            converted: Any = int(number)
        else:
            converted = number
        for bound, ok in (
            (self.gt, lambda b: number > b),
            (self.ge, lambda b: number >= b),
            (self.lt, lambda b: number < b),
            (self.le, lambda b: number <= b),
        ):
            if bound is not None and not ok(bound):
                raise ParameterError(f"{where} is {value!r}; {self.describe()}")
        return converted

    def describe(self) -> str:
        """The constraint in words, e.g. 'it must be > 0'."""
        parts = [
            f"{symbol} {format_literal(float(bound))}"
            for symbol, bound in (
                ("> ", self.gt),
                (">=", self.ge),
                ("< ", self.lt),
                ("<=", self.le),
            )
            if bound is not None
        ]
        parts = [" ".join(part.split()) for part in parts]
        if not parts:
            return f"it must be a {'finite ' if not self.allow_inf else ''}{self.kind.__name__}"
        return "it must be " + " and ".join(parts)


def _is_real_number(value: Any) -> bool:
    try:
        import numbers

        return isinstance(value, numbers.Real)
    except TypeError:  # pragma: no cover
        return False


def param(default: Any, **constraints: Any) -> Any:
    """A dataclass field for an activation parameter with its validation rules.

    ``param(1.0, gt=0.0)`` is a float that must be positive; keywords are those of
    :class:`ParamSpec`.
    """
    return field(default=default, metadata={"nonlin": ParamSpec(**constraints)})


# --------------------------------------------------------------------------- traits


@dataclass(frozen=True)
class Traits:
    """What is known about an activation's shape, as data (``describe()`` reports it).

    ``smoothness`` is the number of continuous derivatives: 0 for a continuous
    function with kinks, ``math.inf`` for an analytic one, -1 for a jump.
    """

    range: tuple[float, float]
    monotonic: bool
    smoothness: float
    zero_centred: bool
    self_normalising: bool = False
    symmetry: str | None = None  # "odd", "even" or None

    @property
    def bounded(self) -> bool:
        return math.isfinite(self.range[0]) and math.isfinite(self.range[1])


# --------------------------------------------------------------------------- registration

_CLASSES: dict[str, type[Activation]] = {}


def normalize_name(name: str) -> str:
    """The lookup key of a name: lower case, with '_' and '-' and spaces ignored."""
    return re.sub(r"[\s_\-]", "", name).lower()


def registered_classes() -> Mapping[str, type[Activation]]:
    """Normalised canonical name -> class, in registration (catalog) order."""
    return _CLASSES


def register(
    name: str | Callable[..., Any] | None = None, *, suffix_param: str | None = None
) -> Any:
    """Register an activation class (or a plain function) under a canonical name.

    As a class decorator, ``@register("elu")``. A plain function ``f(x)`` becomes an
    elementwise activation with numerical derivatives: ``nl.register(my_fn)``.
    ``suffix_param`` lets ``name:value`` set that parameter (``maxout:3``).
    """
    if callable(name) and not isinstance(name, type):
        return _register_function(name)

    def decorate(cls: type[A]) -> type[A]:
        if not (isinstance(cls, type) and issubclass(cls, Activation)):
            raise TypeError(f"register() takes Activation subclasses, not {cls!r}")
        canonical = name if isinstance(name, str) else cls.__name__.lower()
        _check_name(canonical)
        key = normalize_name(canonical)
        if not _is_builtin(cls):
            _refuse_alias(canonical, key)
        existing = _CLASSES.get(key)
        if existing is not None and existing is not cls and _is_builtin(existing):
            raise ValueError(
                f"activation name {canonical!r} is already taken by built-in "
                f"{existing.__name__}; choose another name"
            )
        old_key = normalize_name(cls.name) if cls.__dict__.get("name") else None
        if old_key and old_key != key and _CLASSES.get(old_key) is cls:
            del _CLASSES[old_key]
        cls.name = canonical
        cls.suffix_param = suffix_param
        _CLASSES[key] = cls
        return cls

    return decorate


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*(:[A-Za-z0-9_\-]+)?", name):
        raise ValueError(
            f"{name!r} cannot be an activation name: use letters, digits, '_' and '-', "
            "optionally followed by ':' and a word (like 'norm:z')"
        )


def _refuse_alias(canonical: str, key: str) -> None:
    """A user name must not hide a seed system's spelling (``rectify`` means relu)."""
    from .dialects import ALIASES

    for alias, target in ALIASES.items():
        if normalize_name(alias) == key:
            raise ValueError(
                f"activation name {canonical!r} is already an alias of built-in "
                f"{target!r}; choose another name"
            )


# The hooks the block engine runs (elementwise; vjp and jvp take a second operand).
_ENGINE_HOOKS = frozenset({"_f", "_df", "_d2f", "_derivatives", "_vjp", "_jvp"})
_ROW_HOOKS = frozenset({"_f", "_vjp", "_jvp"})
_NUMPY_XP = array_api_compat.array_namespace(np.empty(0))


def _is_builtin(cls: type) -> bool:
    return cls.__module__.startswith("nonlin.")


def _register_function(function: Callable[..., Any]) -> type[Activation]:
    name = getattr(function, "__name__", "")
    if not name or name == "<lambda>":
        raise ValueError("register a named function (a lambda has no name to look it up by)")

    def value(self: Activation, x: Array, xp: Namespace) -> Array:
        return xp.asarray(function(x))

    cls = type(
        name,
        (Activation,),
        {
            "_f": value,
            "_source_function": function,
            "__doc__": function.__doc__,
            "__module__": "__user__",
        },
    )
    return register(name)(dataclass(frozen=True, repr=False)(cls))


# --------------------------------------------------------------------------- the base


def _derivative_step(x: Array, xp: Namespace, power: float) -> Array:
    eps = float(xp.finfo(x.dtype).eps)
    return eps**power * xp.maximum(xp.abs(x), xp.ones_like(x))


class Activation:
    """An activation function with its first and second derivatives.

    Subclasses are frozen dataclasses; see the module docstring for the hooks.
    A subclass defined outside nonlin is registered under its lowercase class name
    (theanets style), and may implement ``fn(x)`` (and ``grad``/``grad2``) directly on
    arrays; without ``grad``/``grad2`` a central difference is used (``describe()``
    says so).
    """

    name: ClassVar[str] = ""
    suffix_param: ClassVar[str | None] = None
    elementwise: ClassVar[bool] = True
    # True where the formulas are exact in any float dtype given parameters that dtype
    # holds exactly (comparisons and at most one product): NumPy then computes float32
    # in float32 instead of widening it to float64.
    native_precision: ClassVar[bool] = False
    # Parameter spellings of other libraries: {"alpha": "negative_slope"}.
    param_aliases: ClassVar[dict[str, str]] = {}
    kinks: tuple[float, ...] = ()

    # ----------------------------------------------------------------- subclassing

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Users may write the public methods directly on arrays (numpy-ml, theanets
        # style); route them through the hooks so validation and dtypes still apply.
        for public, hook in (("fn", "_f"), ("grad", "_df"), ("grad2", "_d2f")):
            method = cls.__dict__.get(public)
            if method is not None and hook not in cls.__dict__:
                setattr(cls, hook, _hook_from_public(method))
                setattr(cls, public, getattr(Activation, public))
        if not _is_builtin(cls) and cls.__module__ != "__user__":
            # A plain user subclass becomes a frozen dataclass (so it hashes, compares
            # and validates) on first use, not here: a class decorator such as
            # ``@dataclass(frozen=True)`` runs after this hook and must still work.
            register(cls.__name__.lower())(cls)

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        _ensure_dataclass(cls)
        if kwargs:
            _check_keywords(cls, kwargs)
        return super().__new__(cls)

    # ----------------------------------------------------------------- parameters

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):  # type: ignore[arg-type]
            spec = item.metadata.get("nonlin")
            if spec is not None:
                value = spec.check(self.name, item.name, getattr(self, item.name))
                object.__setattr__(self, item.name, value)
        self._validate()

    def _validate(self) -> None:
        """Checks that involve several parameters; override and raise ParameterError."""

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        """Declared parameters and their defaults, in order."""
        _ensure_dataclass(cls)
        if not dataclasses.is_dataclass(cls):
            return {}
        return {item.name: item.default for item in dataclasses.fields(cls) if item.init}

    @classmethod
    def parameter_specs(cls) -> dict[str, ParamSpec]:
        _ensure_dataclass(cls)
        if not dataclasses.is_dataclass(cls):
            return {}
        return {
            item.name: item.metadata.get("nonlin", ParamSpec())
            for item in dataclasses.fields(cls)
            if item.init
        }

    @classmethod
    def canonical_parameter(cls, name: str) -> str:
        """The declared name for ``name``, resolving other libraries' spellings."""
        declared = cls.parameters()
        if name in declared:
            return name
        alias = cls.param_aliases.get(name)
        if alias is not None:
            return alias
        lowered = {key.lower(): key for key in [*declared, *cls.param_aliases]}
        if name.lower() in lowered:
            return cls.canonical_parameter(lowered[name.lower()])
        close = difflib.get_close_matches(name, list(declared) + list(cls.param_aliases), n=1)
        if close:
            hint = f"did you mean {close[0]!r}?"
        elif declared:
            hint = "its parameters are " + ", ".join(map(repr, declared))
        else:
            hint = "it takes no parameters"
        raise ParameterError(f"{cls.name or cls.__name__} has no parameter {name!r}; {hint}")

    @classmethod
    def from_arguments(
        cls: type[A],
        positional: tuple[Any, ...] = (),
        keywords: Mapping[str, Any] | None = None,
        presets: Mapping[str, Any] | None = None,
    ) -> A:
        """Build from spec-style arguments.

        ``presets`` (canonical names, e.g. a dialect's defaults) come first; positionals
        fill the declared parameters in order; keywords may use other libraries' names.
        """
        declared = list(cls.parameters())
        if len(positional) > len(declared):
            raise ParameterError(
                f"{cls.name} takes {len(declared)} parameter(s) "
                f"({', '.join(declared) or 'none'}), but {len(positional)} were given"
            )
        given: dict[str, Any] = dict(zip(declared, positional))
        for key, value in (keywords or {}).items():
            canonical = cls.canonical_parameter(key)
            if canonical in given:
                raise ParameterError(
                    f"{cls.name}: parameter {canonical!r} is given twice; give it once"
                )
            given[canonical] = value
        return cls(**{**(presets or {}), **given})

    def replace(self: A, **changes: Any) -> A:
        """A copy with some parameters changed (other libraries' spellings accepted)."""
        items = tuple(sorted(changes.items(), key=lambda item: item[0]))
        try:
            hash(items)
        except TypeError:
            # Unhashable values (a list, an array) cannot be cached; building the
            # variant directly lets parameter validation say what is wrong with them.
            return _variant.__wrapped__(self, items)
        return _variant(self, items)

    def params_dict(self) -> dict[str, Any]:
        """The current value of every declared parameter."""
        return {name: getattr(self, name) for name in self.parameters()}

    # ----------------------------------------------------------------- canonical text

    def __str__(self) -> str:
        changed = [
            f"{key}={format_literal(value)}"
            for (key, default), value in zip(self.parameters().items(), self.params_dict().values())
            if not _same(value, default)
        ]
        return f"{self.name}({', '.join(changed)})" if changed else self.name

    def __repr__(self) -> str:
        return str(self)

    def __add__(self, other: Activation | str) -> Activation:
        """``a + b`` is the chain that applies ``a`` first, then ``b``."""
        from .chain import chain
        from .registry import get

        return chain((self, get(other)))

    def __radd__(self, other: str) -> Activation:
        from .chain import chain
        from .registry import get

        return chain((get(other), self))

    # ----------------------------------------------------------------- evaluation

    def fn(self, x: Any, /, *, out: Array | None = None, **params: Any) -> Array:
        """The value f(x). Keyword parameters evaluate that variant: ``relu(x, max_value=6)``.

        ``out=buf`` writes the result into ``buf`` (an array of x's library, shape and
        device, with a floating dtype) and returns it; ``out=x`` works in place. JAX and
        Dask arrays are immutable, so they take no ``out``.
        """
        act = self.replace(**params) if params else self
        return act._evaluate("_f", x, None, out)

    def __call__(self, x: Any, /, *, out: Array | None = None, **params: Any) -> Array:
        if out is None and not params:
            return self.fn(x)  # (no keywords to pass on: the common call, a little sooner)
        return self.fn(x, out=out, **params)

    def grad(self, x: Any, /, *, out: Array | None = None, **params: Any) -> Array:
        """The first derivative f'(x), elementwise; at a kink, the smaller one-sided limit."""
        act = self.replace(**params) if params else self
        act._require_elementwise("grad")
        return act._evaluate("_df", x, out=out)

    def grad2(self, x: Any, /, *, out: Array | None = None, **params: Any) -> Array:
        """The second derivative f''(x), elementwise; at a kink, the smaller one-sided limit."""
        act = self.replace(**params) if params else self
        act._require_elementwise("grad2")
        return act._evaluate("_d2f", x, out=out)

    def derivatives(self, x: Any, /, **params: Any) -> tuple[Array, Array, Array]:
        """``(f(x), f'(x), f''(x))`` from one pass that shares the expensive parts."""
        act = self.replace(**params) if params else self
        act._require_elementwise("derivatives")
        f, df, d2f = act._evaluate("_derivatives", x, outputs=3)
        return f, df, d2f

    def vjp(self, x: Any, dy: Any, /, *, out: Array | None = None) -> Array:
        """The vector-Jacobian product ``dy^T J(x)``: backpropagates ``dy`` through f."""
        return self._evaluate("_vjp", x, (dy, "dy"), out)

    def jvp(self, x: Any, v: Any, /, *, out: Array | None = None) -> Array:
        """The Jacobian-vector product ``J(x) v``: the change of f along ``v``."""
        return self._evaluate("_jvp", x, (v, "v"), out)

    def _evaluate(
        self,
        hook: str,
        x: Any,
        operand: tuple[Any, str] | None = None,
        out: Array | None = None,
        outputs: int = 1,
    ) -> Any:
        """Validate, run ``hook`` in the working dtype, and give the result back.

        Dask arrays of a pointwise activation are evaluated chunk by chunk: each chunk
        goes through this same method as the NumPy (or CuPy) array it is, so results
        equal NumPy's, nothing is computed now, and no floating-point warning escapes
        when the graph is computed later.
        """
        if type(x) is np.ndarray and out is None and x.flags.c_contiguous:
            result = self._evaluate_directly(hook, x, operand, outputs)
            if result is not None:
                return result
        numpy_float = type(x) is np.ndarray and x.dtype.kind == "f"
        same_kind = numpy_float and (
            operand is None or (type(operand[0]) is np.ndarray and operand[0].dtype == x.dtype)
        )
        if same_kind and hook in _ENGINE_HOOKS:
            rows = None
            ready = self._engine_ready()
            if hook in _ROW_HOOKS and not ready:
                rows = self._rows_form(x.ndim)
                if rows is None:
                    moved = self._moved_rows_form(x.ndim, hook, x.dtype)
                    if moved is not None:
                        return self._evaluate_moved(moved, hook, x, operand, out)
            # With learned values: blocks of the first axis, or prelu's unit loops.
            leading = (
                not ready
                and rows is None
                and (
                    self._leading_blocks_ready(x.ndim)
                    or kernels.lookup_units(self, hook, x.dtype) is not None
                )
            )
            if ready or rows is not None or leading:
                # A dy (or v) of x's own dtype: blocks of it go along with x's.
                reference = Prepared(x, _NUMPY_XP, x.dtype)
                given: tuple[Array, ...] = ()
                if rows is None:
                    if operand is not None:
                        given = (prepare_like(operand[0], reference, operand[1]),)
                    if out is not None:
                        check_out(out, reference, x)
                    run = engine.evaluate_leading if leading else engine.evaluate_hook
                    results = run(self, hook, x, _NUMPY_XP, out, outputs, given)
                    return results if outputs > 1 else results[0]
                self._check_row_stages(tuple(x.shape), x.dtype)
                operand_shape, result_shape = self._operand_and_result_shapes(hook, x.shape)
                if operand is not None:
                    given = (prepare_like(operand[0], reference, operand[1], operand_shape),)
                if out is not None:
                    check_out(out, reference, x, result_shape)
                return engine.evaluate_rows(rows, hook, x, _NUMPY_XP, out, given)
        prepared = prepare(x)
        xp = prepared.xp
        self._check_input(prepared.x, xp)
        shape = tuple(prepared.x.shape)
        operand_shape, result_shape = self._operand_and_result_shapes(hook, shape)
        others: tuple[Array, ...] = ()
        if operand is not None:
            others = (prepare_like(operand[0], prepared, operand[1], operand_shape),)
        if out is not None:
            check_out(out, prepared, x, result_shape)
        dask = array_api_compat.is_dask_namespace(xp)
        axis = _row_axis(self, len(shape)) if dask and not self._pointwise() else None
        if dask and self._pointwise():
            results = _dask_blockwise(self, hook, x, others, prepared.dtype, outputs)
        elif axis is not None:
            results = (_dask_rows(self, hook, x, others, prepared.dtype, axis),)
        else:
            with quiet(xp):
                value = getattr(self, hook)(prepared.x, *others, xp)
                if out is not None:
                    return write_out(value, out, xp)
                values = value if outputs > 1 else (value,)
                results = tuple(prepared.finish(item) for item in values)
        return results if outputs > 1 else results[0]

    def _engine_ready(self) -> bool:
        """Whether the block engine may run this activation: built-in pointwise stages
        without learned values (a user's function may not be written for blocks)."""
        # Asked on every call: the answer is kept on the instance (not a field, so
        # equality, hashing and the spec ignore it).
        ready = self.__dict__.get("_engine_ready_memo")
        if ready is None:
            ready = all(
                stage.elementwise
                and getattr(stage, "axis", None) is None
                and not getattr(stage, "learnable", False)
                and _engine_may_run(stage)
                for stage in self.iter_stages()
            )
            object.__setattr__(self, "_engine_ready_memo", ready)
        return bool(ready)

    def _evaluate_directly(
        self, hook: str, x: np.ndarray, operand: tuple[Any, str] | None, outputs: int
    ) -> Any:
        """:meth:`_evaluate` for the common call, or None where it does not apply: a
        cached activation with a compiled loop (elementwise, or a row loop along the
        last axis) on a C-contiguous NumPy array, a ``dy`` (``v``) of the shape and dtype
        it needs, no ``out=``. It goes straight to the loop, some microseconds sooner
        than the general checks, which a 1000-element call would spend most of its time
        in."""
        direct = self._compiled_runner(hook, x.dtype)
        if direct is not None:
            if operand is None:
                return engine.run_direct(direct, x, (), outputs)
            if _plain_operand(operand[0], x.dtype, x.shape):
                return engine.run_direct(direct, x, (operand[0],), outputs)
            return None
        rows = self._row_runner(hook, x.dtype, x.ndim)
        if rows is None or not x.shape[-1]:
            return None
        self._check_row_stages(x.shape, x.dtype)
        operand_shape, result_shape = self._operand_and_result_shapes(hook, x.shape)
        form, run = rows
        if operand is None:
            return engine.run_rows_direct(form, hook, run, x, (), result_shape, _NUMPY_XP)
        if _plain_operand(operand[0], x.dtype, operand_shape):
            given = (operand[0],)
            return engine.run_rows_direct(form, hook, run, x, given, result_shape, _NUMPY_XP)
        return None

    def _row_runner(
        self, hook: str, dtype: np.dtype, ndim: int
    ) -> tuple[Activation, Callable[..., int]] | None:
        """``(rows form, bound loop)``: the compiled row loop :func:`engine.evaluate_rows`
        would run for ``hook`` on C-contiguous ``ndim``-d ``dtype`` input (softmax and its
        kin, norm:*, glu along the last axis), or None. Kept on the instance, keyed also
        on whether loops are on."""
        memo = self.__dict__.get("_row_runner_memo")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_row_runner_memo", memo)
        key = (hook, dtype, ndim, kernels.enabled())
        found = memo.get(key, False)
        if found is False:
            found = None
            form = None if hook not in _ROW_HOOKS else self._rows_form(ndim)
            if form is not None and not self._engine_ready() and engine.runs_directly():
                loop = kernels.lookup_rows(form, hook, dtype)
                if loop is not None:
                    found = (form, loop.bound())
            memo[key] = found
        return found

    def _compiled_runner(self, hook: str, dtype: np.dtype) -> Callable[..., None] | None:
        """The compiled elementwise loop (or chain) :func:`engine.evaluate_hook` would
        run for ``hook`` on C-contiguous ``dtype`` arrays, bound to its family
        (:meth:`nonlin.kernels.Loop.bound`), or None. Kept on the instance, keyed also on
        whether loops are on (they may be turned off and on)."""
        memo = self.__dict__.get("_runner_memo")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_runner_memo", memo)
        key = (hook, dtype, kernels.enabled())
        run = memo.get(key, False)
        if run is False:
            run = None
            if hook in _ENGINE_HOOKS and self._engine_ready():
                loop = kernels.lookup(self, hook, dtype)
                if loop is not None and engine.runs_directly():
                    run = loop.bound()
            memo[key] = run
        return run

    def _leading_blocks_ready(self, ndim: int) -> bool:
        """Whether :func:`engine.evaluate_leading` may run this activation on ``ndim``-d
        input: built-in elementwise stages, some with learned values, each value set
        along an axis other than the first (or shared), so that blocks of the first
        axis see whole sets of them. Kept on the instance, per ``ndim``."""
        memo = self.__dict__.get("_leading_memo")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_leading_memo", memo)
        if ndim not in memo:
            memo[ndim] = ndim >= 1 and _blocks_along_first_axis(self, ndim)
        return bool(memo[ndim])

    def _rows_form(self, ndim: int) -> Activation | None:
        """:func:`_along_last_axis` of ``self`` for ``ndim``-d input, kept on the instance."""
        memo = self.__dict__.get("_rows_memo")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_rows_memo", memo)
        if ndim not in memo:
            memo[ndim] = _along_last_axis(self, ndim)
        return memo[ndim]

    def _check_row_stages(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        """Each stage's input checks (axis, sizes) for input of ``shape``, each stage
        seeing its own input's shape (glu halves it). They depend on the shape alone,
        so a shape that passed is not checked again (a few microseconds per call)."""
        passed = self.__dict__.get("_passed_shapes")
        if passed is None:
            passed = set()
            object.__setattr__(self, "_passed_shapes", passed)
        if (shape, dtype) in passed:
            return
        stage_shape = shape
        for stage in self.iter_stages():
            stage._check_input(np.broadcast_to(dtype.type(0), stage_shape), _NUMPY_XP)
            stage_shape = stage._output_shape(stage_shape)
        if len(passed) < 64:
            passed.add((shape, dtype))

    def _moved_rows_form(
        self, ndim: int, hook: str, dtype: np.dtype
    ) -> tuple[int, Activation] | None:
        """``(axis, self along the last axis)`` where ``self`` is a row operation with
        compiled row loops (softmax and its kin, or a chain of them and elementwise
        stages; glu, which halves that axis) along another axis than the last of
        ``ndim``-d input: moved there, it runs them (one copy in, one out), and gives the
        same results along every axis."""
        memo = self.__dict__.get("_moved_memo")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_moved_memo", memo)
        key = (ndim, hook, dtype, kernels.enabled())  # (loops may be turned off and on)
        if key not in memo:
            found = None
            axis = _row_axis(self, ndim, resizing=True)
            if axis is not None and axis != ndim - 1:
                form = _with_last_axis(self)
                single = kernels.lookup_rows(form, hook, dtype) is not None
                chained = dtype in (np.float32, np.float64) and (
                    kernels.lookup_row_chain(form, hook) is not None
                )
                if single or chained:
                    found = (axis, form)
            memo[key] = found
        return memo[key]

    def _evaluate_moved(
        self,
        moved: tuple[int, Activation],
        hook: str,
        x: np.ndarray,
        operand: tuple[Any, str] | None,
        out: Array | None,
    ) -> np.ndarray:
        """:meth:`_evaluate` of a row operation along ``axis``, run along the last."""
        axis, form = moved
        self._check_row_stages(tuple(x.shape), x.dtype)
        reference = Prepared(x, _NUMPY_XP, x.dtype)
        operand_shape, result_shape = self._operand_and_result_shapes(hook, tuple(x.shape))
        given: tuple[Array, ...] = ()
        if operand is not None:
            dy = prepare_like(operand[0], reference, operand[1], operand_shape)
            given = (np.moveaxis(dy, axis, -1),)
        if out is not None:
            check_out(out, reference, x, result_shape)
        target = None if out is None else np.moveaxis(out, axis, -1)
        last = np.moveaxis(x, axis, -1)
        result = engine.evaluate_rows(form, hook, last, _NUMPY_XP, target, given)
        return out if out is not None else np.ascontiguousarray(np.moveaxis(result, -1, axis))

    def _pointwise(self) -> bool:
        """Whether each output element depends on its input element alone, with no
        per-position parameters (so any chunk of the input can be evaluated alone)."""
        return all(
            stage.elementwise and getattr(stage, "axis", None) is None
            for stage in self.iter_stages()
        )

    def _require_elementwise(self, method: str) -> None:
        if not self.elementwise:
            raise TypeError(
                f"{self} is not elementwise: its Jacobian is not diagonal, so it has no "
                f"{method}; use act.vjp(x, dy) or act.jvp(x, v)"
            )

    def _prepare_elementwise(self, x: Any, method: str) -> Prepared:
        self._require_elementwise(method)
        prepared = prepare(x)
        self._check_input(prepared.x, prepared.xp)
        return prepared

    def _output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of f(x) for ``x`` of ``shape`` (glu halves its axis)."""
        return shape

    def _operand_and_result_shapes(
        self, hook: str, shape: tuple[int, ...]
    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """vjp takes dy shaped like f(x) and returns x's shape; f and jvp take x's
        (v) and return f(x)'s."""
        shape = tuple(shape)
        output = self._output_shape(shape)
        return (output, shape) if hook == "_vjp" else (shape, output)

    def _check_input(self, x: Array, xp: Namespace) -> None:
        """Shape checks for non-elementwise activations (e.g. the axis); raise InputError."""

    # ----------------------------------------------------------------- hooks

    def _f(self, x: Array, xp: Namespace) -> Array:
        raise NotImplementedError(f"{type(self).__name__} defines no value (_f or fn)")

    def _df(self, x: Array, xp: Namespace) -> Array:
        # Central difference with the step that balances rounding and truncation.
        h = _derivative_step(x, xp, 1 / 3)
        return (self._f(x + h, xp) - self._f(x - h, xp)) / (2 * h)

    def _d2f(self, x: Array, xp: Namespace) -> Array:
        h = _derivative_step(x, xp, 1 / 4)
        return (self._f(x + h, xp) - 2 * self._f(x, xp) + self._f(x - h, xp)) / (h * h)

    def _derivatives(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        return self._f(x, xp), self._df(x, xp), self._d2f(x, xp)

    # The wide hooks: what NumPy runs when a float32 or float16 result is computed in
    # float64. Rounding to the narrow dtype hides the last float64 bits, so a family
    # may give plain tail-stable formulas here and keep its compensated arithmetic
    # (double-double products, split constants) for float64 results.
    def _f_wide(self, x: Array, xp: Namespace) -> Array:
        return self._f(x, xp)

    def _df_wide(self, x: Array, xp: Namespace) -> Array:
        return self._df(x, xp)

    def _d2f_wide(self, x: Array, xp: Namespace) -> Array:
        return self._d2f(x, xp)

    def _derivatives_wide(self, x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        return self._derivatives(x, xp)

    def _vjp_wide(self, x: Array, dy: Array, xp: Namespace) -> Array:
        if type(self)._vjp is Activation._vjp:  # dy * f': with the wide f'
            return dy * self._df_wide(x, xp)
        return self._vjp(x, dy, xp)

    def _jvp_wide(self, x: Array, v: Array, xp: Namespace) -> Array:
        if type(self)._jvp is Activation._jvp:
            return self._df_wide(x, xp) * v
        return self._jvp(x, v, xp)

    def _vjp(self, x: Array, dy: Array, xp: Namespace) -> Array:
        return dy * self._df(x, xp)

    def _jvp(self, x: Array, v: Array, xp: Namespace) -> Array:
        return self._df(x, xp) * v

    def has_numeric_derivatives(self) -> bool:
        """True where f' or f'' is a finite difference rather than a formula."""
        cls = type(self)
        return self.elementwise and (cls._df is Activation._df or cls._d2f is Activation._d2f)

    # ----------------------------------------------------------------- description

    def traits(self) -> Traits | None:
        """Range and shape properties; None where unknown (user activations)."""
        return None

    def iter_stages(self) -> Iterator[Activation]:
        """The activations a chain applies in order (just ``self`` for one)."""
        yield self


def _plain_operand(other: Any, dtype: np.dtype, shape: tuple[int, ...]) -> bool:
    """Whether a ``dy`` (``v``) may go straight to a compiled loop: a C-contiguous NumPy
    array of ``dtype`` and ``shape``."""
    return (
        type(other) is np.ndarray
        and other.dtype == dtype
        and other.shape == shape
        and other.flags.c_contiguous
    )


def _row_axis(act: Activation, ndim: int, resizing: bool = False) -> int | None:
    """The axis (from 0) along which ``act`` works on ``ndim``-d input, when each output
    row depends on its input row alone: built-in stages without learned values, each
    pointwise or working along that one axis, the output shaped like the input (or,
    with ``resizing``, differing from it along that axis alone: glu halves it). None
    otherwise (also for an axis out of range: the plain path says so)."""
    found = None
    for stage in act.iter_stages():
        axis = getattr(stage, "axis", None)
        if getattr(stage, "learnable", False) or not _engine_may_run(stage):
            return None
        if axis is None and stage.elementwise:
            continue
        if not isinstance(axis, int) or not -ndim <= axis < ndim:
            return None
        resized = [i for i, size in enumerate(stage._output_shape((2,) * ndim)) if size != 2]
        if resized and not (resizing and resized == [axis % ndim]):
            return None
        if found is not None and axis % ndim != found:
            return None
        found = axis % ndim
    return found


def _blocks_along_first_axis(act: Activation, ndim: int) -> bool:
    """See :meth:`Activation._leading_blocks_ready` (learnable stages only: the others
    have the block engine or the row engine)."""
    stages = list(act.iter_stages())
    if not any(getattr(stage, "learnable", False) for stage in stages):
        return False
    for stage in stages:
        if not (stage.elementwise and _engine_may_run(stage)):
            return False
        axis = getattr(stage, "axis", None)
        if axis is None:
            continue
        # (an axis out of range is left to the path, which says what is wrong)
        if not getattr(stage, "learnable", False) or not isinstance(axis, int):
            return False
        if not -ndim <= axis < ndim or axis % ndim == 0:
            return False
    return True


def _engine_may_run(stage: Activation) -> bool:
    """Whether the engines (blocks, threads, compiled loops) may run ``stage``: one of
    ours (a user's may not be written for blocks), neither stochastic (its random
    stream is per call) nor with finite-difference derivatives (nl.get(callable)
    wraps user code)."""
    return (
        _is_builtin(type(stage))
        and not getattr(stage, "stochastic", False)
        and not stage.has_numeric_derivatives()
    )


def _along_last_axis(act: Activation, ndim: int) -> Activation | None:
    """``act`` with every ``axis`` set to -1 when it works along the last axis
    (:func:`_row_axis`), so that the block engine can give it 2-d blocks of rows."""
    if _row_axis(act, ndim, resizing=True) != ndim - 1:
        return None
    return _with_last_axis(act)


def _with_last_axis(act: Activation) -> Activation:
    """``act`` with every stage's ``axis`` set to -1 (``act`` itself where none is)."""
    from .chain import chain

    stages = list(act.iter_stages())
    if all(getattr(stage, "axis", None) in (None, -1) for stage in stages):
        return act
    return chain(
        stage if getattr(stage, "axis", None) in (None, -1) else stage.replace(axis=-1)
        for stage in stages
    )


def _dask_rows(
    act: Activation, hook: str, x: Array, others: tuple[Array, ...], dtype: Any, axis: int
) -> Array:
    """A row operation on a Dask array: rechunked so that each chunk holds whole rows
    (one chunk along ``axis``; dask sizes the others), then evaluated chunk by chunk
    as NumPy arrays, lazily. Each row is computed exactly as NumPy computes it."""
    whole = x.rechunk({axis: -1})
    others = tuple(other.rechunk(whole.chunks) for other in others)
    return _dask_blockwise(act, hook, whole, others, dtype, 1)[0]


def _dask_blockwise(
    act: Activation,
    hook: str,
    x: Array,
    others: tuple[Array, ...],
    dtype: Any,
    outputs: int,
) -> tuple[Array, ...]:
    """Evaluate a pointwise activation on a Dask array, lazily, one chunk at a time."""
    for stage in act.iter_stages():
        # Shared learned values are made now, so every chunk (and every worker) sees
        # the same ones.
        if getattr(stage, "learnable", False):
            getattr(stage, "params")  # noqa: B009

    def kernel(block: Array, *more: Array) -> Array:
        results = act._evaluate(hook, block, (more[0], "dy") if more else None, outputs=outputs)
        if outputs == 1:
            return results
        return array_api_compat.array_namespace(block).stack(results)

    token = f"nonlin-{act.name or type(act).__name__}{hook}"
    meta = getattr(x, "_meta", None)
    meta_xp = array_api_compat.array_namespace(meta) if meta is not None else None
    if outputs == 1:
        empty = meta_xp.empty((0,) * x.ndim, dtype=dtype) if meta_xp else None
        return (x.map_blocks(kernel, *others, dtype=dtype, meta=empty, token=token),)
    empty = meta_xp.empty((0,) * (x.ndim + 1), dtype=dtype) if meta_xp else None
    stacked = x.map_blocks(
        kernel,
        *others,
        dtype=dtype,
        meta=empty,
        new_axis=0,
        chunks=((outputs,), *x.chunks),
        token=token,
    )
    return tuple(stacked[index] for index in range(outputs))


def _ensure_dataclass(cls: type) -> None:
    """Make a user's plain subclass a frozen dataclass, once, when it is first used."""
    if cls is Activation or "__dataclass_fields__" in cls.__dict__:
        return
    dataclass(frozen=True, repr=False)(cls)


def _hook_from_public(method: Callable[..., Any]) -> Callable[..., Any]:
    def hook(self: Activation, x: Array, xp: Namespace) -> Array:
        return xp.asarray(method(self, x))

    hook.__doc__ = method.__doc__
    return hook


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, float) and isinstance(default, float):
        return value == default or (math.isnan(value) and math.isnan(default))
    return bool(value == default) and type(value) is type(default)


def _check_keywords(cls: type[Activation], kwargs: dict[str, Any]) -> None:
    """A misspelt keyword is a ParameterError with a suggestion, not dataclass's
    plain TypeError; another library's spelling names the one to use."""
    accepted = {item.name for item in dataclasses.fields(cls) if item.init}  # type: ignore[arg-type]
    for key in kwargs:
        if key in accepted:
            continue
        declared = cls.canonical_parameter(key)  # raises, with did-you-mean, if unknown
        raise ParameterError(
            f"{cls.name or cls.__name__} spells {key!r} as {declared!r}: "
            f"{cls.__name__}({declared}=...) (nl.get and act.replace accept both)"
        )


@lru_cache(maxsize=512)
def _variant(act: A, changes: tuple[tuple[str, Any], ...]) -> A:
    values = act.params_dict()
    for key, value in changes:
        values[act.canonical_parameter(key)] = value
    return type(act)(**values)


def check_axis(x: Array, axis: int, owner: Activation) -> None:
    """Raise InputError unless ``axis`` is a valid axis of ``x`` (and x is not 0-d)."""
    ndim = len(x.shape)
    if ndim == 0:
        raise InputError(
            f"{owner} works along an axis, but the input is 0-d (a scalar); "
            "pass an array of at least one dimension"
        )
    if not -ndim <= axis < ndim:
        raise InputError(
            f"{owner}: axis {axis} is out of range for a {ndim}-d input; "
            f"use an axis from {-ndim} to {ndim - 1}"
        )

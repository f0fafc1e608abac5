"""Looking activations up: names, aliases, dialects, did-you-mean, and chains.

``get`` turns a spec string (or an activation, a callable, or None) into an
:class:`~nonlin.activation.Activation`. A name is tried in the caller's dialect (its
exact spelling first, then normalised: case, ``_`` and ``-`` ignored), among the
canonical names, among the seed systems' aliases, written without its ``:``
(``norm_z``), and finally as ``prefix:value`` for activations with a suffix parameter
(``maxout:3``). Parameter errors underline the argument at fault.

Lookups are cached (``functools.lru_cache``) and serialised by one re-entrant lock,
so concurrent callers get the very same object for the same spec; registering a user
class again under a name already cached invalidates the cache.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import threading
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from . import dialects as _dialects
from .activation import Activation, normalize_name, registered_classes
from .chain import chain

# Imported here, not inside describe(): importing the submodule ``nonlin.describe``
# for the first time would rebind the package attribute ``nonlin.describe`` (the
# function) to the module.
from .describe import description
from .errors import InputTypeError, ParameterError, SpecError, UnknownActivationError
from .spec import Term, format_literal, parse

__all__ = ["DIALECT_NAMES", "describe", "get", "names", "resolve_dialect"]

DIALECT_NAMES = tuple(_dialects.DIALECTS)
_DIALECT_SPELLINGS = {
    **{normalize_name(name): name for name in DIALECT_NAMES},
    "numpyml": "numpy_ml",
    "pytorch": "torch",
    "keras3": "keras",
    "jaxnn": "jax",
}


class SpecParameterError(SpecError, ParameterError):
    """A parameter in a spec string is invalid (both a SpecError and a ParameterError)."""


def resolve_dialect(dialect: str | None) -> str | None:
    """The canonical dialect name for ``dialect`` (``"PyTorch"`` -> ``"torch"``)."""
    if dialect is None:
        return None
    if not isinstance(dialect, str):
        raise TypeError(f"dialect must be a string such as 'keras2', not {dialect!r}")
    found = _DIALECT_SPELLINGS.get(normalize_name(dialect))
    if found is None:
        close = difflib.get_close_matches(normalize_name(dialect), list(_DIALECT_SPELLINGS), n=1)
        hint = f"did you mean {_DIALECT_SPELLINGS[close[0]]!r}? " if close else ""
        raise ParameterError(
            f"unknown dialect {dialect!r}; {hint}dialects are " + ", ".join(DIALECT_NAMES)
        )
    return found


def _source_table(dialect: str | None) -> dict[str, str]:
    return _dialects.ALIASES if dialect is None else _dialects.DIALECTS[dialect]


@cache
def _table(dialect: str | None) -> dict[str, tuple[str, str]]:
    """Normalised foreign name -> (name as the framework writes it, canonical spec).

    Where two spellings normalise alike (Keras 3 ``leaky_relu`` and ``LeakyReLU``,
    Lasagne ``selu`` and ``SELU``) the first one listed wins here; the exact spelling
    is matched before this table is consulted (see :func:`_lookup_table`).
    """
    table: dict[str, tuple[str, str]] = {}
    for name, target in _source_table(dialect).items():
        table.setdefault(normalize_name(name), (name, target))
    return table


def _lookup_table(name: str, dialect: str | None) -> str | None:
    """The canonical spec ``name`` stands for in ``dialect``'s table (None: ALIASES)."""
    exact = _source_table(dialect).get(name)
    if exact is not None:
        return exact
    entry = _table(dialect).get(normalize_name(name))
    return None if entry is None else entry[1]


@cache
def _colonless(generation: int) -> dict[str, str]:
    """``normz`` -> ``norm:z``: names with ':' also resolve written as Python names."""
    keys = [*registered_classes(), *_table(None)]
    return {key.replace(":", ""): key for key in reversed(keys) if ":" in key}


def _suggestions(key: str, dialect: str | None) -> list[str]:
    display: dict[str, str] = {}
    for table in (_table(None), *([_table(dialect)] if dialect else [])):
        display.update({normalized: name for normalized, (name, _) in table.items()})
    display.update({normalized: cls.name for normalized, cls in registered_classes().items()})
    close = difflib.get_close_matches(key, list(display), n=2, cutoff=0.6)
    return [display[item] for item in close]


def _unknown(term: Term, source: str, dialect: str | None) -> UnknownActivationError:
    close = _suggestions(normalize_name(term.name), dialect)
    hint = (
        f"Did you mean {' or '.join(map(repr, close))}?"
        if close
        else "Run `nonlin list` (or nl.names()) to see every name."
    )
    name = term.name if len(term.name) <= 40 else term.name[:37] + "..."
    return UnknownActivationError(f"unknown activation {name!r}", source, term.name_span, hint)


@cache
def _target(spec: str) -> tuple[type[Activation], tuple[tuple[str, Any], ...]]:
    """The class and preset parameters a table entry (one canonical term) stands for."""
    (term,) = parse(spec).terms
    cls = registered_classes().get(normalize_name(term.name))
    if cls is None:
        raise LookupError(term.name)
    positional = tuple(arg.value for arg in term.arguments if arg.keyword is None)
    presets = dict(zip(cls.parameters(), positional))
    presets.update({arg.keyword: arg.value for arg in term.arguments if arg.keyword})
    return cls, tuple(presets.items())


def _resolve(
    term: Term, source: str, dialect: str | None
) -> tuple[type[Activation], dict[str, Any]]:
    """The class a term names and the presets its name implies (a dialect's defaults).

    Order: the caller's dialect (exact spelling, then normalised), our canonical
    names, the seed systems' aliases, ``norm_z`` for ``norm:z``, then ``name:value``
    for activations with a suffix parameter (``maxout:3``).
    """
    key = normalize_name(term.name)
    classes = registered_classes()
    target = _lookup_table(term.name, dialect) if dialect else None
    if target is None and key in classes:
        return classes[key], {}
    if target is None:
        target = _lookup_table(term.name, None)
    if target is None and key in _colonless(len(classes)):
        target = _colonless(len(classes))[key]
        if target in classes:
            return classes[target], {}
        target = _lookup_table(target, None)
    if target is not None:
        try:
            cls, preset_items = _target(target)
        except LookupError:
            raise UnknownActivationError(
                f"{term.name!r} stands for {target!r}, which this version does not have yet",
                source,
                term.name_span,
                "Run `nonlin list` (or nl.names()) to see every name.",
            ) from None
        return cls, dict(preset_items)
    if ":" in key:
        prefix, _, suffix = term.name.partition(":")
        base, presets = classes.get(normalize_name(prefix)), {}
        # A dialect's entry for the prefix gives its defaults (theanets' maxout is per
        # unit on the last axis: maxout:3 is maxout(pieces=3, axis=-1) there).
        preset_target = _lookup_table(prefix, dialect) if dialect else None
        if preset_target is not None:
            base, preset_items = _target(preset_target)
            presets = dict(preset_items)
        if base is not None and base.suffix_param is not None:
            return base, {**presets, base.suffix_param: _suffix_value(suffix)}
    raise _unknown(term, source, dialect)


def _parameters_hint(cls: type[Activation]) -> str:
    declared = cls.parameters()
    if not declared:
        return f"{cls.name} takes no parameters."
    listed = ", ".join(f"{name}={_format_default(value)}" for name, value in declared.items())
    return f"{cls.name} takes {listed} (run `nonlin show {cls.name}` for details)."


def _format_default(value: Any) -> str:
    try:
        return format_literal(value)
    except (TypeError, ValueError):
        return repr(value)


def _positional_order(cls: type[Activation], name: str, dialect: str | None) -> list[str]:
    """The parameters positional arguments fill: ours, or the dialect's own order.

    Only the exact spelling counts: Keras' ``ReLU`` layer and ``relu`` function are
    one name once normalised but take their positional parameters in other orders.
    """
    order = _dialects.POSITIONAL.get(dialect, {}).get(name) if dialect else None
    return list(order) if order is not None else list(cls.parameters())


def _build(term: Term, source: str, dialect: str | None) -> Activation:
    cls, presets = _resolve(term, source, dialect)
    declared = _positional_order(cls, term.name, dialect)
    specs = cls.parameter_specs()
    given: dict[str, Any] = {}

    def fail(message: str, span: tuple[int, int]) -> SpecParameterError:
        return SpecParameterError(message, source, span, _parameters_hint(cls))

    for index, arg in enumerate(term.arguments):
        if arg.keyword is None:
            if index >= len(declared):
                raise fail(
                    f"{cls.name} takes {len(declared)} positional parameter(s) "
                    f"({', '.join(declared) or 'none'}), but {index + 1} or more were given",
                    arg.span,
                )
            name = declared[index]
        else:
            try:
                name = cls.canonical_parameter(arg.keyword)
            except ParameterError as error:
                raise fail(str(error), arg.span) from None
        if name in given:
            raise fail(f"{cls.name}: parameter {name!r} is given twice; give it once", arg.span)
        spec = specs.get(name)
        if spec is not None:
            try:
                spec.check(cls.name, name, arg.value)
            except ParameterError as error:
                raise fail(str(error), arg.span) from None
        given[name] = arg.value
    try:
        return cls.from_arguments((), given, presets)
    except ParameterError as error:  # a check that involves several parameters
        raise fail(str(error), term.span) from None
    except TypeError as error:  # a class whose constructor rejects the arguments
        raise fail(str(error), term.span) from None


def _suffix_value(text: str) -> Any:
    if re.fullmatch(r"\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


@lru_cache(maxsize=4096)
def _from_spec(source: str, dialect: str | None, generation: int) -> Activation:
    """Build a spec (cached; ``generation`` is the number of registered classes)."""
    spec = parse(source)
    return chain(_build(term, source, dialect) for term in spec.terms)


# Held while a spec is looked up or built, so that concurrent callers get the very
# same (cached) object; re-entrant because a user class may call get() while built.
_LOCK = threading.RLock()


_normalized = lru_cache(maxsize=4096)(normalize_name)


def _current(act: Activation) -> bool:
    """False when a stage's class is no longer the one registered under its name."""
    classes = registered_classes()
    return all(classes.get(_normalized(stage.name)) is type(stage) for stage in act.iter_stages())


def _lookup(source: str, dialect: str | None) -> Activation:
    with _LOCK:
        act = _from_spec(source, dialect, len(registered_classes()))
        if not _current(act):  # a user class was registered again under the same name
            _from_spec.cache_clear()
            _target.cache_clear()
            act = _from_spec(source, dialect, len(registered_classes()))
        return act


@dataclasses.dataclass(frozen=True, repr=False)
class FunctionActivation(Activation):
    """A plain callable ``f(x)`` used as an activation (Keras style).

    Elementwise, with central-difference derivatives. Its string is the function's
    name, so it round-trips only once registered with ``nl.register(function)``.
    """

    function: Callable[[Any], Any]

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        return {}

    def __str__(self) -> str:
        return getattr(self.function, "__name__", repr(self.function))

    def _f(self, x: Any, xp: Any) -> Any:
        return xp.asarray(self.function(x))


def get(identifier: Any = None, dialect: str | None = None) -> Activation:
    """The activation an identifier names.

    Parameters
    ----------
    identifier : str, Activation, callable or None
        A spec such as ``"elu(alpha=0.5)+norm:z"``; an activation (returned as is);
        an Activation subclass (instantiated with its defaults); any callable
        ``f(x)``; or None for ``linear`` (as Keras).
    dialect : str, optional
        Read names with one framework's names and defaults: ``lasagne``, ``theanets``,
        ``numpy_ml``, ``keras2``, ``puzzlelib``, ``torch``, ``jax`` or ``keras``.

    Raises
    ------
    UnknownActivationError
        For a name nobody uses, with the closest names as a hint.
    SpecError
        For a spec that does not parse, or whose parameters are invalid.
    """
    dialect = resolve_dialect(dialect)
    if identifier is None:
        return _lookup("linear", None)
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str):
        return _lookup(identifier, dialect)
    if isinstance(identifier, type) and issubclass(identifier, Activation):
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "__name__", "")
        registered = registered_classes().get(normalize_name(name)) if name else None
        if registered is not None and registered.__dict__.get("_source_function") is identifier:
            return registered()
        return FunctionActivation(identifier)
    raise InputTypeError(
        f"cannot make an activation from {type(identifier).__name__} {identifier!r}; "
        "pass a spec string such as 'relu', an Activation, or a callable"
    )


def names() -> list[str]:
    """Canonical names of every registered activation, in catalog order."""
    return [cls.name for cls in registered_classes().values()]


def aliases_of(canonical: str) -> dict[str | None, list[str]]:
    """Every other name for ``canonical``: ``{None: [...], "keras2": [...], ...}``."""
    found: dict[str | None, list[str]] = {}
    key = normalize_name(canonical)
    for dialect in (None, *DIALECT_NAMES):
        for name, target in _source_table(dialect).items():
            if normalize_name(parse(target).terms[0].name) == key:
                found.setdefault(dialect, []).append(name)
    return found


def describe(identifier: Any, dialect: str | None = None) -> dict[str, Any]:
    """Everything known about an activation, as data (the CLI's ``show`` prints it)."""
    return description(get(identifier, dialect), aliases_of)

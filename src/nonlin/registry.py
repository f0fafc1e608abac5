"""Looking activations up: names, aliases, dialects, did-you-mean, and chains.

``get`` turns a spec string (or an activation, a callable, or None) into an
:class:`~nonlin.activation.Activation`. A name is tried, after normalisation
(case, ``_`` and ``-`` ignored), in the caller's dialect, among the canonical names,
among the seed systems' aliases, and finally as ``prefix:value`` for activations with
a suffix parameter (``maxout:3``).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from . import dialects as _dialects
from .activation import Activation, normalize_name, registered_classes
from .chain import chain
from .errors import ParameterError, SpecError, UnknownActivationError
from .spec import Term, parse

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
        close = difflib.get_close_matches(dialect.lower(), DIALECT_NAMES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"unknown dialect {dialect!r}; {hint}dialects are " + ", ".join(DIALECT_NAMES)
        )
    return found


@lru_cache(maxsize=None)
def _table(dialect: str | None) -> dict[str, tuple[str, str]]:
    """Normalised foreign name -> (name as the framework writes it, canonical spec)."""
    source = _dialects.ALIASES if dialect is None else _dialects.DIALECTS[dialect]
    return {normalize_name(name): (name, target) for name, target in source.items()}


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
    return UnknownActivationError(
        f"unknown activation {term.name!r}", source, term.name_span, hint
    )


@lru_cache(maxsize=None)
def _target(spec: str) -> tuple[type[Activation], tuple[tuple[str, Any], ...]]:
    """The class and preset parameters a table entry (one canonical term) stands for."""
    (term,) = parse(spec).terms
    cls = registered_classes()[normalize_name(term.name)]
    positional = tuple(arg.value for arg in term.arguments if arg.keyword is None)
    presets = dict(zip(cls.parameters(), positional))
    presets.update({arg.keyword: arg.value for arg in term.arguments if arg.keyword})
    return cls, tuple(presets.items())


def _build(term: Term, source: str, dialect: str | None) -> Activation:
    key = normalize_name(term.name)
    presets: dict[str, Any] = {}
    cls: type[Activation] | None = None
    entry = _table(dialect).get(key) if dialect else None
    if entry is None and key in registered_classes():
        cls = registered_classes()[key]
    elif entry is None:
        entry = _table(None).get(key)
    if entry is not None:
        cls, preset_items = _target(entry[1])
        presets = dict(preset_items)
    elif cls is None and ":" in key:
        prefix, _, suffix = term.name.partition(":")
        base = registered_classes().get(normalize_name(prefix))
        if base is not None and base.suffix_param is not None:
            cls = base
            presets = {base.suffix_param: _suffix_value(suffix)}
    if cls is None:
        raise _unknown(term, source, dialect)
    positional = tuple(arg.value for arg in term.arguments if arg.keyword is None)
    keywords = {arg.keyword: arg.value for arg in term.arguments if arg.keyword is not None}
    try:
        return cls.from_arguments(positional, keywords, presets)
    except ParameterError as error:
        raise SpecParameterError(
            str(error), source, term.span, "Run `nonlin show NAME` to see its parameters."
        ) from None
    except TypeError as error:  # a class whose constructor rejects the arguments
        raise SpecParameterError(str(error), source, term.span) from None


def _suffix_value(text: str) -> Any:
    if re.fullmatch(r"\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


@lru_cache(maxsize=4096)
def _from_spec(source: str, dialect: str | None) -> Activation:
    spec = parse(source)
    return chain(_build(term, source, dialect) for term in spec.terms)


_FUNCTION_LOCK = threading.Lock()


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
    if identifier is None:
        return _from_spec("linear", None)
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str):
        return _from_spec(identifier, resolve_dialect(dialect))
    if isinstance(identifier, type) and issubclass(identifier, Activation):
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "__name__", "")
        registered = registered_classes().get(normalize_name(name)) if name else None
        if registered is not None and registered.__dict__.get("_source_function") is identifier:
            return registered()
        return FunctionActivation(identifier)
    raise TypeError(
        f"cannot make an activation from {type(identifier).__name__} {identifier!r}; "
        "pass a spec string such as 'relu', an Activation, or a callable"
    )


def names() -> list[str]:
    """Canonical names of every registered activation, in catalog order."""
    return [cls.name for cls in registered_classes().values()]


def aliases_of(canonical: str) -> dict[str | None, list[str]]:
    """Every other name for ``canonical``: ``{None: [...], "keras2": [...], ...}``."""
    found: dict[str | None, list[str]] = {}
    for dialect in (None, *DIALECT_NAMES):
        for name, target in (_dialects.ALIASES if dialect is None else _dialects.DIALECTS[dialect]).items():
            if normalize_name(parse(target).terms[0].name) == normalize_name(canonical):
                found.setdefault(dialect, []).append(name)
    return found


def describe(identifier: Any, dialect: str | None = None) -> dict[str, Any]:
    """Everything known about an activation, as data (the CLI's ``show`` prints it)."""
    from .describe import description

    return description(get(identifier, dialect), aliases_of)

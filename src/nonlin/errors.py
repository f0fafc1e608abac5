"""The exceptions nonlin raises.

Every error subclasses a builtin as well as :class:`NonlinError`, so callers that
already catch ``ValueError``/``TypeError`` keep working, and callers that want only
ours can catch :class:`NonlinError`.
"""

from __future__ import annotations

__all__ = [
    "InputError",
    "InputTypeError",
    "NonlinError",
    "ParameterError",
    "SpecError",
    "UnknownActivationError",
]


class NonlinError(Exception):
    """Base class of every error raised by nonlin."""


class SpecError(NonlinError, ValueError):
    """A spec string could not be parsed, or names something unknown.

    The message shows the spec with the offending token underlined, then one hint.
    """

    def __init__(self, message: str, spec: str, span: tuple[int, int], hint: str = "") -> None:
        start, stop = span
        pointer = " " * (4 + start) + "^" * max(stop - start, 1)
        super().__init__("\n".join(filter(None, [message, f"    {spec}", pointer, hint])))
        self.spec, self.span, self.hint = spec, span, hint

    def __reduce__(self) -> tuple[type, tuple[str, str, tuple[int, int], str]]:
        headline = str(self).split("\n", 1)[0]
        return type(self), (headline, self.spec, self.span, self.hint)


class UnknownActivationError(SpecError):
    """A name that is neither a registered activation nor one of its aliases."""


class ParameterError(NonlinError, ValueError):
    """A parameter value is out of its allowed range or of the wrong type."""


class InputTypeError(NonlinError, TypeError):
    """An input array (or object) that no activation can evaluate: strings, objects, complex."""


class InputError(NonlinError, ValueError):
    """An input of the right type but the wrong shape, e.g. a 0-d array for softmax."""

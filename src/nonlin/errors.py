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
        shown, start, stop = _excerpt(spec, span)
        pointer = " " * (4 + start) + "^" * max(stop - start, 1)
        super().__init__("\n".join(filter(None, [message, f"    {shown}", pointer, hint])))
        self.spec, self.span, self.hint = spec, span, hint

    def __reduce__(self) -> tuple[type, tuple[str, str, tuple[int, int], str]]:
        headline = str(self).split("\n", 1)[0]
        return type(self), (headline, self.spec, self.span, self.hint)


def _excerpt(spec: str, span: tuple[int, int], width: int = 76) -> tuple[str, int, int]:
    """The line to show under the message and the span within it.

    Tabs and newlines become spaces so the caret line stays aligned; a long spec is
    cut to a window around the span, with ``...`` where text was left out.
    """
    shown = "".join(" " if character.isspace() else character for character in spec)
    start, stop = max(0, min(span[0], len(shown))), max(0, span[1])
    stop = max(stop, start + 1)
    if len(shown) <= width:
        return shown, start, stop
    first = max(0, min(start - width // 3, len(shown) - width))
    last = min(len(shown), first + width)
    prefix = "..." if first > 0 else ""
    suffix = "..." if last < len(shown) else ""
    window = prefix + shown[first:last] + suffix
    return window, start - first + len(prefix), min(stop, last) - first + len(prefix)


class UnknownActivationError(SpecError):
    """A name that is neither a registered activation nor one of its aliases."""


class ParameterError(NonlinError, ValueError):
    """A parameter value is out of its allowed range or of the wrong type."""


class InputTypeError(NonlinError, TypeError):
    """An input array (or object) that no activation can evaluate: strings, objects, complex."""


class InputError(NonlinError, ValueError):
    """An input of the right type but the wrong shape, e.g. a 0-d array for softmax."""

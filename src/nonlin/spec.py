"""The spec language: text such as ``"elu(alpha=0.5)+norm:z"`` to a syntax tree.

Grammar (design.md, section 2)::

    spec    := term ("+" term)*
    term    := name ["(" [arg ("," arg)*] ")"]
    name    := word [":" word]
    arg     := [word "="] literal
    literal := number | "inf" | "-inf" | True | False | None | quoted string

This module knows nothing about which names exist (that is :mod:`nonlin.registry`)
and imports no array code. Every node keeps the span of source it came from, so that
errors found later (an unknown name, a bad parameter) can underline the right token.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import SpecError

__all__ = ["Argument", "Literal", "Spec", "Term", "format_literal", "parse"]

Literal = int | float | bool | str | None

# A spec longer than this is certainly a mistake (or an attack on the parser).
MAX_SPEC_LENGTH = 100_000

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>[+-]?(?:[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?))
  | (?P<signed_inf>[+-](?i:inf(?:inity)?)(?![A-Za-z0-9_]))
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<punct>[()+,=:])
    """,
    re.VERBOSE,
)

_KEYWORD_LITERALS: dict[str, Literal] = {
    "true": True,
    "false": False,
    "none": None,
    "inf": math.inf,
    "infinity": math.inf,
}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    stop: int


@dataclass(frozen=True)
class Argument:
    """One argument of a term: ``keyword`` is None for a positional argument."""

    keyword: str | None
    value: Literal
    span: tuple[int, int]


@dataclass(frozen=True)
class Term:
    """One activation in a spec: its name as written, its arguments, its source span."""

    name: str
    name_span: tuple[int, int]
    arguments: tuple[Argument, ...]
    span: tuple[int, int]


@dataclass(frozen=True)
class Spec:
    """A parsed spec: the terms of a chain, applied left to right."""

    source: str
    terms: tuple[Term, ...]


def _tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            character = source[position]
            if character in "'\"":
                raise SpecError(
                    "unterminated string in activation spec",
                    source,
                    (position, len(source)),
                    f"Close the string with {character}, e.g. gelu(approximate='tanh').",
                )
            raise SpecError(
                f"unexpected character {character!r} in activation spec",
                source,
                (position, position + 1),
                "Specs use names, parentheses, '=', ',', '+' and ':'; "
                "strings go in quotes, e.g. gelu(approximate='tanh').",
            )
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append(Token(kind, match.group(), match.start(), match.end()))
        position = match.end()
    return tokens


def _number(token: Token, source: str) -> int | float:
    text = token.text
    try:
        if re.fullmatch(r"[+-]?\d+", text):
            value: int | float = int(text)
            float(value)  # a huge int must still be usable as a float parameter
            return value
        value = float(text)
    except (OverflowError, ValueError):
        value = math.inf
    if math.isinf(value):
        raise SpecError(
            f"number {text} is too large for a float",
            source,
            (token.start, token.stop),
            "Write inf (or -inf) for an unbounded parameter.",
        )
    return value


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            end = len(self.source)
            raise SpecError(
                "activation spec ends too early", self.source, (end, end + 1), self._hint_end()
            )
        self.index += 1
        return token

    def _hint_end(self) -> str:
        return "Close every '(' with ')' and put a name after every '+'."

    def fail(self, token: Token, message: str, hint: str = "") -> None:
        raise SpecError(message, self.source, (token.start, token.stop), hint)

    def spec(self) -> Spec:
        if not self.tokens:
            raise SpecError(
                "empty activation spec",
                self.source,
                (0, 1),
                "Name an activation, e.g. 'relu' or 'tanh+norm:z'.",
            )
        terms = [self.term()]
        while (token := self.peek()) is not None:
            if token.text != "+":
                self.fail(token, f"unexpected {token.text!r}", "Join activations with '+'.")
            self.take()
            terms.append(self.term())
        return Spec(self.source, tuple(terms))

    def word(self) -> Token:
        token = self.take()
        if token.kind != "word":
            self.fail(
                token,
                f"expected an activation name but found {token.text!r}",
                "Each '+' joins two names, e.g. 'tanh+norm:z'.",
            )
        return token

    def term(self) -> Term:
        first = self.word()
        name, stop = first.text, first.stop
        following = self.peek()
        if following is not None and following.text == ":":
            self.take()
            second = self.take()
            if second.kind not in ("word", "number"):
                self.fail(
                    second,
                    f"expected a name after ':' but found {second.text!r}",
                    "Names with ':' are written whole, e.g. norm:z or maxout:3.",
                )
            name, stop = f"{name}:{second.text}", second.stop
        name_span = (first.start, stop)
        arguments: list[Argument] = []
        following = self.peek()
        if following is not None and following.text == "(":
            self.take()
            closing = self.peek()
            if closing is not None and closing.text == ")":
                stop = self.take().stop
            else:
                while True:
                    arguments.append(self.argument(arguments))
                    separator = self.take()
                    if separator.text == ")":
                        stop = separator.stop
                        break
                    if separator.text != ",":
                        self.fail(
                            separator,
                            f"expected ',' or ')' but found {separator.text!r}",
                            "Separate arguments with ',', e.g. relu(0.1, max_value=6.0).",
                        )
        return Term(name, name_span, tuple(arguments), (first.start, stop))

    def argument(self, previous: list[Argument]) -> Argument:
        token = self.take()
        following = self.peek()
        keyword = None
        start = token.start
        if token.kind == "word" and following is not None and following.text == "=":
            keyword = token.text
            if any(arg.keyword == keyword for arg in previous):
                self.fail(token, f"parameter {keyword!r} is given twice", "Give it once.")
            self.take()
            token = self.take()
        elif any(arg.keyword is not None for arg in previous):
            self.fail(
                token,
                "a positional argument follows a keyword argument",
                "Put positional arguments first, or name this one too.",
            )
        value = self.literal(token)
        return Argument(keyword, value, (start, token.stop))

    def literal(self, token: Token) -> Literal:
        if token.kind == "number":
            return _number(token, self.source)
        if token.kind == "signed_inf":
            return -math.inf if token.text.startswith("-") else math.inf
        if token.kind == "string":
            return token.text[1:-1]
        if token.kind == "word" and token.text.lower() in _KEYWORD_LITERALS:
            return _KEYWORD_LITERALS[token.text.lower()]
        hint = "Values are numbers, inf, -inf, True, False, None or quoted strings."
        if token.kind == "word" and token.text.lower().lstrip("+-") == "nan":
            self.fail(token, "nan is not a valid parameter value", hint)
        if token.kind == "word":
            hint = (
                f"Quote a string ('{token.text}'), or give a parameter a value "
                f"({token.text}=VALUE)."
            )
        self.fail(token, f"expected a value but found {token.text!r}", hint)
        raise AssertionError("unreachable")


def parse(source: str) -> Spec:
    """Parse a spec string into a :class:`Spec`.

    Results are cached (``functools.lru_cache``, which is safe to call from many
    threads: a syntax tree is immutable, so a result computed twice is the same).
    Raises :class:`SpecError` for anything that is not a spec, with the offending
    token underlined, and TypeError for a non-string.
    """
    if not isinstance(source, str):
        raise TypeError(f"a spec must be a string, not {type(source).__name__}")
    if len(source) > MAX_SPEC_LENGTH:
        raise SpecError(
            f"activation spec is {len(source)} characters long",
            source,
            (MAX_SPEC_LENGTH, len(source)),
            f"Specs are limited to {MAX_SPEC_LENGTH} characters.",
        )
    return _parse(source)


@lru_cache(maxsize=1024)
def _parse(source: str) -> Spec:
    return _Parser(source).spec()


def format_literal(value: Literal) -> str:
    """The shortest text that parses back to ``value`` (floats: shortest round trip)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value.is_integer() and abs(value) < 1e16:
            return f"{value:.1f}"
        return repr(value)  # repr is the shortest string that round-trips
    if isinstance(value, str):
        if "'" not in value:
            return f"'{value}'"
        if '"' not in value:
            return f'"{value}"'
        raise ValueError(
            f"a string with both kinds of quote cannot be written in a spec: {value!r}"
        )
    return str(value)

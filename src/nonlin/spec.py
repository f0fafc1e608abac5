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
from typing import Union

from .errors import SpecError

__all__ = ["Argument", "Literal", "Spec", "Term", "format_literal", "parse"]

Literal = Union[int, float, bool, str, None]

# A spec longer than this is certainly a mistake (or an attack on the parser).
MAX_SPEC_LENGTH = 10_000

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<signed_inf>[+-](?i:inf(?:inity)?)\b)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*|\d[A-Za-z0-9_\-]*)
  | (?P<string>'[^'\\]*'|"[^"\\]*")
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
            raise SpecError(
                f"unexpected character {source[position]!r} in activation spec",
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

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.text != text:
            self.fail(token, f"expected {text!r} but found {token.text!r}")
        return token

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
            self.fail(token, f"expected an activation name but found {token.text!r}")
        return token

    def term(self) -> Term:
        first = self.word()
        name, stop = first.text, first.stop
        following = self.peek()
        if following is not None and following.text == ":":
            self.take()
            second = self.take()
            if second.kind not in ("word", "number"):
                self.fail(second, f"expected a name after ':' but found {second.text!r}")
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
                        self.fail(separator, f"expected ',' or ')' but found {separator.text!r}")
        return Term(name, name_span, tuple(arguments), (first.start, stop))

    def argument(self, previous: list[Argument]) -> Argument:
        token = self.take()
        following = self.peek()
        keyword = None
        start = token.start
        if token.kind == "word" and following is not None and following.text == "=":
            keyword = token.text
            if any(arg.keyword == keyword for arg in previous):
                self.fail(token, f"parameter {keyword!r} is given twice")
            self.take()
            token = self.take()
        elif any(arg.keyword is not None for arg in previous):
            self.fail(token, "a positional argument follows a keyword argument")
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
        self.fail(
            token,
            f"expected a value but found {token.text!r}",
            "Values are numbers, inf, True, False, None or quoted strings.",
        )
        raise AssertionError("unreachable")


@lru_cache(maxsize=1024)
def parse(source: str) -> Spec:
    """Parse a spec string into a :class:`Spec` (cached: specs are immutable)."""
    if not isinstance(source, str):
        raise TypeError(f"a spec must be a string, not {type(source).__name__}")
    if len(source) > MAX_SPEC_LENGTH:
        raise SpecError(
            f"activation spec is {len(source)} characters long",
            source[:40] + "...",
            (0, 40),
            f"Specs are limited to {MAX_SPEC_LENGTH} characters.",
        )
    return _Parser(source).spec()


def format_literal(value: Literal) -> str:
    """The shortest text that parses back to ``value``."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value.is_integer() and abs(value) < 1e16:
            return f"{value:.1f}"
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    return str(value)

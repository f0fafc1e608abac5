"""Fixtures for the command line, plot and gallery tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest

import nonlin as nl
from nonlin.activation import check_axis, registered_classes


@pytest.fixture
def toy_softmax() -> Iterator[nl.Activation]:
    """A non-elementwise activation (softmax over the last axis), registered for one test.

    It stands in for the normalizing family, so these tests do not depend on it.
    """
    classes = cast(dict[str, Any], registered_classes())
    saved = dict(classes)

    @dataclass(frozen=True, repr=False)
    class ToySoftmax(nl.Activation):
        """Softmax over the last axis (a test stand-in)."""

        elementwise = False

        def _check_input(self, x: Any, xp: Any) -> None:
            check_axis(x, -1, self)

        def _f(self, x: Any, xp: Any) -> Any:
            e = xp.exp(x - xp.max(x, axis=-1, keepdims=True))
            return e / xp.sum(e, axis=-1, keepdims=True)

        def _jvp(self, x: Any, v: Any, xp: Any) -> Any:
            s = self._f(x, xp)
            return s * (v - xp.sum(s * v, axis=-1, keepdims=True))

        def _vjp(self, x: Any, dy: Any, xp: Any) -> Any:
            s = self._f(x, xp)
            return s * (dy - xp.sum(s * dy, axis=-1, keepdims=True))

    yield nl.get("toysoftmax")
    classes.clear()
    classes.update(saved)

"""The normalizing family (softmax and friends); being written."""

from __future__ import annotations

__all__: list[str] = []

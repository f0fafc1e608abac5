"""The built-in activations, one module per family; importing this registers them all.

Import order is catalog order (what ``nl.names()`` lists).
"""

from __future__ import annotations

from . import exponential
from .exponential import *  # noqa: F403

__all__ = [*exponential.__all__]

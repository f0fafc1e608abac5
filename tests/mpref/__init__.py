"""High-precision (mpmath) references for every catalog entry, one module per family.

Each family module defines

* ``REFERENCES``: canonical spec string -> ``(f, df, d2f)``, functions of one ``mpf``
  returning ``mpf``, exact to the working precision (write them so they do not cancel:
  mpmath has no overflow, but ``1 - sigmoid(x)`` still loses everything at 60 digits);
* optionally ``EXTRA_POINTS``: spec -> list of floats worth checking (tails, thresholds).

Keys are canonical (``str(nl.get(key)) == key``); include defaults and a few
non-default parameter values. Elementwise activations only: the normalizing family
tests its vector functions in its own test module.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

import mpmath

MpFunction = Callable[[mpmath.mpf], mpmath.mpf]
Reference = tuple[MpFunction, MpFunction, MpFunction]

REFERENCES: dict[str, Reference] = {}
EXTRA_POINTS: dict[str, list[float]] = {}

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name):
    _family = importlib.import_module(f"{__name__}.{_module.name}")
    for _name, _found in (("REFERENCES", REFERENCES), ("EXTRA_POINTS", EXTRA_POINTS)):
        _new = getattr(_family, _name, {})
        _twice = sorted(set(_new) & set(_found))
        if _twice:
            raise ValueError(f"tests/mpref/{_module.name}.py: {_name} repeats keys {_twice}")
        _found.update(_new)

_stray = sorted(set(EXTRA_POINTS) - set(REFERENCES))
if _stray:
    raise ValueError(f"EXTRA_POINTS for specs without REFERENCES: {_stray}")

"""High-precision (mpmath) references for every catalog entry, one module per family.

Package-internal: the reference tables in ``nonlin/data/references`` are written from
these formulas by ``tools/make_references.py``, and ``nl.check(fresh=N)`` evaluates
them on fresh random points. Importing this package needs mpmath (the ``check``
extra: ``pip install nonlin[check]``); nothing else in nonlin imports it.

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

__all__ = ["EXTRA_POINTS", "FAMILIES", "REFERENCES", "MpFunction", "Reference", "merge"]

MpFunction = Callable[[mpmath.mpf], mpmath.mpf]
Reference = tuple[MpFunction, MpFunction, MpFunction]

REFERENCES: dict[str, Reference] = {}
EXTRA_POINTS: dict[str, list[float]] = {}
FAMILIES: tuple[str, ...] = tuple(sorted(module.name for module in pkgutil.iter_modules(__path__)))


def merge(module: object, where: str) -> None:
    """Add a family module's ``REFERENCES`` and ``EXTRA_POINTS``; no key twice."""
    for name, found in (("REFERENCES", REFERENCES), ("EXTRA_POINTS", EXTRA_POINTS)):
        new = getattr(module, name, {})
        twice = sorted(set(new) & set(found))
        if twice:
            raise ValueError(f"{where}: {name} repeats keys {twice}")
        found.update(new)
    stray = sorted(set(EXTRA_POINTS) - set(REFERENCES))
    if stray:
        raise ValueError(f"{where}: EXTRA_POINTS for specs without REFERENCES: {stray}")


for _family in FAMILIES:
    merge(importlib.import_module(f"{__name__}.{_family}"), f"nonlin/_mpref/{_family}.py")

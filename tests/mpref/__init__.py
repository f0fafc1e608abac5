"""The mpmath references, re-exported from ``nonlin._mpref`` (where they now live).

The family modules moved into the package so an installed nonlin can check itself
(``nl.check(fresh=N)``); ``from mpref import REFERENCES`` and ``from mpref.smooth
import ...`` keep working for the tests. A family module dropped into this folder
(``tests/mpref/<family>.py``, same format: see ``nonlin/_mpref/__init__.py``) is still
collected and merged, so formulas written against the old location are not lost.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from nonlin import _mpref
from nonlin._mpref import EXTRA_POINTS, REFERENCES, MpFunction, Reference

__all__ = ["EXTRA_POINTS", "REFERENCES", "MpFunction", "Reference"]

for _family in _mpref.FAMILIES:
    sys.modules[f"{__name__}.{_family}"] = importlib.import_module(f"nonlin._mpref.{_family}")

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name):
    if _module.name not in _mpref.FAMILIES:
        _mpref.merge(
            importlib.import_module(f"{__name__}.{_module.name}"), f"tests/mpref/{_module.name}.py"
        )

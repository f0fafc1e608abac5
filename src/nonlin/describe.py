"""``nl.describe``: an activation's formulas, parameters and properties as data.

Formulas and references are read from the class docstring, which is the one place
they are written: the lines of its ``.. math::`` block that start with ``f(x)``,
``f'(x)`` and ``f''(x)``, and the first entry of its References section.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable
from typing import Any

from .activation import Activation

__all__ = ["description", "docstring_formulas", "docstring_parameters", "docstring_reference"]

_FORMULA = re.compile(r"^\s*(f(?:'{1,2})?\(x\)(?:_\w+)?)\s*=\s*(.+?)\s*$")
_SECTION = re.compile(r"^\s*([A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", re.MULTILINE)


def _sections(doc: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    matches = list(_SECTION.finditer(doc))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(doc)
        parts[match.group(1).strip()] = doc[match.end() : end].strip("\n")
    return parts


def docstring_formulas(cls: type) -> dict[str, str]:
    """``{"f": ..., "f'": ..., "f''": ...}`` from the docstring's math block (LaTeX)."""
    doc = inspect.getdoc(cls) or ""
    found: dict[str, str] = {}
    for line in doc.splitlines():
        match = _FORMULA.match(line)
        if match:
            key = match.group(1).split("(")[0]
            found.setdefault(key, match.group(2))
    return found


def docstring_parameters(cls: type) -> dict[str, str]:
    """Parameter name -> its description, from the NumPy-style Parameters section."""
    text = _sections(inspect.getdoc(cls) or "").get("Parameters", "")
    described: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        header = re.match(r"^(\w+)\s*:", line)
        if header and not line.startswith(" "):
            current = header.group(1)
            described[current] = ""
        elif current and line.strip():
            described[current] = (described[current] + " " + line.strip()).strip()
    return described


def docstring_reference(cls: type) -> str:
    text = _sections(inspect.getdoc(cls) or "").get("References", "")
    return " ".join(text.split())


def _jsonable(value: Any) -> Any:
    """``value`` as strict JSON allows it: infinite floats become "inf"/"-inf"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def description(
    act: Activation, aliases_of: Callable[[str], dict[str | None, list[str]]]
) -> dict[str, Any]:
    """The data ``nl.describe`` returns for ``act``."""
    cls = type(act)
    doc = inspect.getdoc(cls) or ""
    docs = docstring_parameters(cls)
    specs = cls.parameter_specs()
    traits = act.traits()
    parameters = [
        {
            "name": name,
            "default": _jsonable(default),
            "value": _jsonable(getattr(act, name, default)),
            "constraint": specs[name].describe() if name in specs else "",
            "doc": docs.get(name, ""),
        }
        for name, default in cls.parameters().items()
    ]
    found = aliases_of(act.name) if act.name else {}
    return {
        "name": act.name,
        "spec": str(act),
        "class": cls.__name__,
        "summary": doc.split("\n", 1)[0],
        "formulas": docstring_formulas(cls),
        "parameters": parameters,
        "elementwise": act.elementwise,
        "kinks": [_jsonable(kink) for kink in act.kinks],
        "range": None if traits is None else [_jsonable(v) for v in traits.range],
        "properties": None
        if traits is None
        else {
            "monotonic": traits.monotonic,
            "bounded": traits.bounded,
            "smoothness": _jsonable(traits.smoothness),
            "zero_centred": traits.zero_centred,
            "self_normalising": traits.self_normalising,
            "symmetry": traits.symmetry,
        },
        "numeric_derivatives": act.has_numeric_derivatives(),
        "aliases": found.get(None, []),
        "dialects": {key: value for key, value in found.items() if key is not None},
        "reference": docstring_reference(cls),
    }

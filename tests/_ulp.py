"""Shared helpers for the accuracy tests: reference tables and errors in ulps.

The reference tables live in ``tests/data/references/``, one compressed ``.npz`` per
(spec, dtype), written by ``tools/make_references.py`` from the mpmath formulas in
``tests/mpref``. Each holds

* ``spec``: the canonical spec string (0-d unicode array);
* ``dtype``: ``"float32"`` or ``"float64"``, the dtype of the inputs;
* ``x``: the inputs, in that dtype (finite, never exactly at a declared kink);
* ``f``, ``df``, ``d2f``: the exact f, f', f'' rounded once to float64 (so a float32
  test rounds a second time; values beyond the float64 range are +-inf or 0).

Errors are measured in ulps of the tested dtype: ``|ours - ref| / ulp(ref)``, where the
ulp of a reference below the smallest normal number is the smallest subnormal (the
error is then an absolute error in subnormal units), and a reference that overflows
the dtype must come out as the infinity of the same sign.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DTYPES",
    "QUANTITIES",
    "REFERENCE_DIR",
    "Table",
    "load_table",
    "table_filename",
    "table_paths",
    "ulp_error",
]

REFERENCE_DIR = Path(__file__).resolve().parent / "data" / "references"
DTYPES = ("float64", "float32")
# Internal key -> how it is printed.
QUANTITIES = {"f": "f", "df": "f'", "d2f": "f''"}


def table_filename(spec: str, dtype: str) -> str:
    """The file name of the table for ``spec`` in ``dtype``: safe characters plus a hash.

    ``elu(alpha=0.5)`` -> ``elu_alpha_0.5-1b2c3d4e.float64.npz``; the hash of the exact
    spec keeps two specs that slug alike apart.
    """
    slug = re.sub(r"[^A-Za-z0-9.]+", "_", spec).strip("_.") or "spec"
    digest = hashlib.sha1(spec.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}.{dtype}.npz"


@dataclass(frozen=True)
class Table:
    """One reference table (see the module docstring)."""

    path: Path
    spec: str
    dtype: str
    x: np.ndarray
    f: np.ndarray
    df: np.ndarray
    d2f: np.ndarray

    def reference(self, quantity: str) -> np.ndarray:
        return {"f": self.f, "df": self.df, "d2f": self.d2f}[quantity]

    @property
    def id(self) -> str:
        return f"{self.spec}-{self.dtype}"


def table_paths() -> list[Path]:
    """Every stored table, sorted by file name."""
    return sorted(REFERENCE_DIR.glob("*.npz"))


def load_table(path: Path) -> Table:
    with np.load(path, allow_pickle=False) as data:
        return Table(
            path=path,
            spec=str(data["spec"]),
            dtype=str(data["dtype"]),
            x=data["x"],
            f=data["f"],
            df=data["df"],
            d2f=data["d2f"],
        )


def ulp_error(ours: np.ndarray, reference: np.ndarray, dtype: str | np.dtype) -> np.ndarray:
    """``|ours - reference|`` in ulps of ``dtype``, elementwise, as float64.

    ``reference`` is the float64 rounding of the exact value. Where it overflows
    ``dtype``, the error is 0 for the infinity of the right sign and inf otherwise;
    NaN anywhere in ``ours`` is an infinite error.
    """
    dtype = np.dtype(dtype)
    info = np.finfo(dtype)
    ours = np.asarray(ours).astype(np.float64)  # widening is exact
    reference = np.asarray(reference, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = reference.astype(dtype)
        error = np.empty(reference.shape, dtype=np.float64)
        overflow = np.isinf(rounded)
        error[overflow] = np.where(ours[overflow] == rounded[overflow], 0.0, np.inf)
        finite = ~overflow
        magnitude = np.maximum(np.abs(rounded[finite]), info.tiny).astype(dtype)
        unit = np.spacing(magnitude).astype(np.float64)
        error[finite] = np.abs(ours[finite] - reference[finite]) / unit
    error[np.isnan(error)] = np.inf
    return error

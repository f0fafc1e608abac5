"""The accuracy helpers, re-exported from :mod:`nonlin.accuracy` (where they now live).

The reference tables moved into the package (``nonlin/data/references/``) so that an
installed nonlin can check itself (``nl.check()``, ``nonlin check``); the table format
and the ulp error measure are documented in ``nonlin/accuracy.py``.
"""

from __future__ import annotations

from nonlin.accuracy import (
    DEFAULT_BOUND,
    DTYPES,
    EXCEPTIONS,
    QUANTITIES,
    REFERENCE_DIR,
    Allowance,
    Table,
    bounds,
    load_table,
    table_filename,
    table_paths,
    ulp_error,
)

__all__ = [
    "DEFAULT_BOUND",
    "DTYPES",
    "EXCEPTIONS",
    "QUANTITIES",
    "REFERENCE_DIR",
    "Allowance",
    "Table",
    "bounds",
    "load_table",
    "table_filename",
    "table_paths",
    "ulp_error",
]

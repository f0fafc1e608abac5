"""Accuracy of f, f', f'' against 50-digit references, in ulps, for float64 and float32.

The references are the tables in ``nonlin/data/references/`` written by
``tools/make_references.py`` from the mpmath formulas in ``nonlin._mpref``; the
format, the error measure, the bound (``DEFAULT_BOUND``) and its documented
``EXCEPTIONS`` live in :mod:`nonlin.accuracy`, which ``nl.check()`` and
``nonlin check`` use too. Every elementwise catalog entry must have a table; every
table is checked in its dtype for ``act(x)``, ``act.grad(x)``, ``act.grad2(x)`` and
``act.derivatives(x)``:

* error at most the bound (``DEFAULT_BOUND`` ulps unless an exception says otherwise);
* where the exact value overflows the dtype, the infinity of the right sign; at +-inf
  the limit; at nan, nan; at a kink the one-sided limit of smaller magnitude;
* no NaN for finite input, the input's dtype kept, no RuntimeWarning (pytest turns
  them into errors).

Script mode prints the table (the same as ``nonlin check``)::

    python tests/test_accuracy.py --table
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import nonlin as nl
from nonlin import accuracy
from nonlin.accuracy import (
    DEFAULT_BOUND,
    DTYPES,
    EXCEPTIONS,
    QUANTITIES,
    REFERENCE_DIR,
    load_table,
    measure,
    table_filename,
    table_paths,
    ulp_error,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

PATHS = table_paths()


def _builtin_elementwise() -> list[nl.Activation]:
    from conftest import ELEMENTWISE

    # Learnable entries hold array parameters (act.params): no fixed reference, like
    # nl.check(), which lists them as skipped.
    return [
        act
        for act in ELEMENTWISE
        if type(act).__module__.startswith("nonlin.")
        and not callable(getattr(act, "param_vjp", None))
    ]


@pytest.mark.parametrize("act", _builtin_elementwise(), ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_elementwise_activation_has_a_reference_table(act, dtype):
    assert (REFERENCE_DIR / table_filename(str(act), dtype)).exists(), (
        f"no reference table for {str(act)!r} in {dtype}: add its mpmath formulas to "
        f"src/nonlin/_mpref/<family>.py and run `python tools/make_references.py --only '{act}'`"
    )


def test_every_reference_formula_has_a_table():
    from mpref import REFERENCES

    stored = {path.name for path in PATHS}
    missing = [
        f"{spec} [{dtype}]"
        for spec in REFERENCES
        for dtype in DTYPES
        if table_filename(spec, dtype) not in stored
    ]
    assert not missing, "run `python tools/make_references.py`; no table for " + ", ".join(missing)


def test_tables_cover_the_special_inputs():
    """+-0, +-inf, nan, subnormals of both signs, and every kink (at and next to it)."""
    for path in PATHS:
        table = load_table(path)
        x = table.x
        dtype = np.dtype(table.dtype)
        bits = set(x.view(f"u{dtype.itemsize}").tolist())
        zero = np.zeros(1, dtype)
        for special in (zero, -zero):
            assert int(special.view(f"u{dtype.itemsize}")[0]) in bits, (table.id, special)
        assert np.isposinf(x).any() and np.isneginf(x).any() and np.isnan(x).any(), table.id
        tiny = np.finfo(dtype).tiny
        finite = x[np.isfinite(x)]
        assert ((finite > 0) & (finite < tiny)).sum() >= 5, f"{table.id}: few subnormals"
        assert ((finite < 0) & (finite > -tiny)).sum() >= 5, f"{table.id}: few subnormals"
        assert finite.max() == np.finfo(dtype).max and finite.min() == -np.finfo(dtype).max
        for kink in nl.get(table.spec).kinks:
            if not abs(float(kink)) <= float(np.finfo(dtype).max):
                continue  # beyond the dtype: no point of it lies next to the kink
            at = dtype.type(kink)
            assert (finite == np.nextafter(at, dtype.type(np.inf))).any(), (table.id, kink)
            assert (finite == np.nextafter(at, dtype.type(-np.inf))).any(), (table.id, kink)
            if float(at) == kink:
                assert (finite == at).any(), f"{table.id}: no point exactly at kink {kink}"


def test_tables_are_small():
    total = sum(path.stat().st_size for path in PATHS)
    assert total < 5e6, f"the reference tables take {total / 1e6:.1f} MB; keep them a few MB"


def test_exceptions_name_stored_tables_and_are_still_needed():
    stored = {(load_table(path).spec, load_table(path).dtype): path for path in PATHS}
    for entry in EXCEPTIONS:
        assert (entry.spec, entry.dtype) in stored, f"stale exception {entry}"
        assert entry.quantity in QUANTITIES, entry
        assert entry.bound > DEFAULT_BOUND and entry.reason.strip(), entry
        assert entry.interval is None or entry.interval[0] <= entry.interval[1], entry
        table = load_table(stored[(entry.spec, entry.dtype)])
        error = measure(table)[entry.quantity]
        assert error.max > DEFAULT_BOUND, (
            f"{entry.spec} {entry.quantity} [{entry.dtype}] is now within {DEFAULT_BOUND} ulp "
            f"(max {error.max}): remove its exception from nonlin/accuracy.py"
        )


def test_ulp_error_conventions():
    f64 = np.float64
    ref = np.array([1.0, np.inf, -np.inf, np.nan, 0.0, 5e-324, 1e300])
    ours = np.array([np.nextafter(1.0, 2.0), np.inf, np.inf, np.nan, 5e-324, 0.0, 1e300])
    error = ulp_error(ours, ref, f64)
    assert error.tolist() == [1.0, 0.0, np.inf, 0.0, 1.0, 1.0, 0.0]
    # float32: a float64 reference beyond float32's range must come out as inf.
    error = ulp_error(np.array([np.inf, 3e38], np.float32), np.array([1e39, 1e39]), np.float32)
    assert error.tolist() == [0.0, np.inf]
    assert ulp_error(np.array([np.nan]), np.array([1.0]), f64)[0] == np.inf


@pytest.mark.parametrize("path", PATHS, ids=lambda path: load_table(path).id)
def test_values_and_derivatives_are_within_bound_in_ulps(path):
    table = load_table(path)
    act = nl.get(table.spec)
    finite = np.isfinite(table.x)
    for method, values in (
        ("separate", (act(table.x), act.grad(table.x), act.grad2(table.x))),
        ("derivatives", act.derivatives(table.x)),
    ):
        for quantity, ours in zip(QUANTITIES, values):
            label = f"{method} {QUANTITIES[quantity]}"
            assert ours.dtype == table.x.dtype, f"{label}: dtype {ours.dtype}, not {table.dtype}"
            assert ours.shape == table.x.shape, label
            bad = finite & np.isnan(ours)
            assert not bad.any(), f"{label}: NaN for finite input at x={table.x[bad][:5]}"
    failures = [
        f"{QUANTITIES[quantity]} over the bound: {error.worst}"
        for quantity, error in measure(table, act).items()
        if not error.passed
    ]
    assert not failures, f"{table.spec} [{table.dtype}]:\n  " + "\n  ".join(failures)


def test_check_passes_on_the_whole_catalog():
    report = accuracy.check()
    assert report.passed, report.format()
    assert not [r for r in report.results if r.failed_to_run], report.format()


if __name__ == "__main__":
    if "--table" in sys.argv[1:]:
        print(accuracy.check(progress=sys.stderr.isatty()).format(markdown="--md" in sys.argv))
    else:
        print(__doc__)

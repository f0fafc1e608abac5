"""Write docs/accuracy.md: the measured ulp errors of every catalog entry.

The table is ``nl.check()`` against the stored 50-digit reference tables (see
``nonlin/accuracy.py``), printed as Markdown, with the bound, its exceptions and how
the tables are made. Run after ``tools/make_references.py`` or a change in a formula::

    python tools/make_accuracy_doc.py            # writes docs/accuracy.md
    python tools/make_accuracy_doc.py --check    # exit 1 if docs/accuracy.md is stale

The exit status is also 1 when an entry is over its bound.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import nonlin as nl
from nonlin import kernels
from nonlin.accuracy import DEFAULT_BOUND, EXCEPTIONS, QUANTITIES, check

DOC = Path(__file__).resolve().parent.parent / "docs" / "accuracy.md"


def render() -> tuple[str, bool]:
    report = check()
    exceptions = "\n".join(
        f"* `{e.spec}` {QUANTITIES[e.quantity]} in {e.dtype}: "
        f"{e.bound:g} ulp"
        + (f" on [{e.interval[0]:g}, {e.interval[1]:g}]" if e.interval else "")
        + f". {e.reason}"
        for e in EXCEPTIONS
    )
    text = f"""# Accuracy

Every elementwise activation is checked against 50-digit references computed with
mpmath, for f, f' and f'', in float64 and float32, on inputs covering the whole range of
each dtype: log-spaced magnitudes of both signs from the smallest subnormal to the
largest float, subnormals, +-0, the tails where the function saturates or underflows,
the points next to and exactly at every kink, +-inf and nan. The error is in ulps of the
input's dtype (below the smallest normal number, in units of the smallest subnormal).
The bound is **{DEFAULT_BOUND:g} ulp** everywhere, with these documented exceptions:

{exceptions or "(none)"}

At +-inf the reference is the limit; at a kink f' and f'' are the one-sided limit of
smaller magnitude (0 where the two differ in sign); at nan, nan. "max" is the largest
error over all inputs, "p99" the 99th percentile; NumPy computes float32 in float64 and
rounds once, so float32 errors are at most about half an ulp.

Check an installed copy yourself: `nonlin check` (or `nl.check()` in Python);
`nonlin check --fresh 2000 gelu` draws fresh random points and evaluates mpmath on
the spot (needs `pip install nonlin[check]`).

The tables are written by `tools/make_references.py` from the formulas in
`src/nonlin/_mpref/`; this page by `tools/make_accuracy_doc.py` (NumPy {np.__version__},
nonlin {nl.__version__}, compiled loops: {kernels.build()}; with them off no entry is
smaller, and some float64 ones are an ulp larger).

{report.format(markdown=True)}

## Activations along an axis

softmax and its family are not elementwise, so they have no table above; their suite
(`tests/catalog/test_normalizing.py`) compares them with mpmath evaluated row by row at
50 digits, on random rows that mix magnitudes up to 1e+-300. Largest error measured,
in ulp of the result:

| function | float64 | float32 (NumPy) |
|---|---:|---:|
| softmax | 2 | 0.5 |
| log_softmax | 1 | 0.5 |
| softmin | 3 | 0.5 |
| sparsemax | 0.5 | 0.5 |
| glu | 2 | 0.5 |
| norm:mean | 1 | 0.5 |
| norm:max | 1 | 0.5 |
| norm:std | 2 | 0.5 |
| norm:z | 2 | 0.5 |
| standardize | 3 | 0.5 |

Their vjp and jvp are within 3.5 ulp of `(|J| |v|)_i` with the Jacobian from mpmath at
130 digits (a product that cancels can lose more relative to its own size: that is the
conditioning of the product, not of J).
"""
    return text, report.passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    text, passed = render()
    if args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is stale: run python tools/make_accuracy_doc.py", file=sys.stderr)
            return 1
    else:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}")
    if not passed:
        print("some entries are over their bound", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

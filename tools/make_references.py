"""Write the high-precision reference tables the accuracy tests compare against.

For every spec in ``nonlin._mpref`` (``REFERENCES``), and for float64 and float32, this
builds a set of inputs in that dtype:

* log-spaced magnitudes of both signs over the whole finite range of the dtype, from
  the smallest subnormal to the largest finite number, and +-0;
* subnormals (the smallest, the largest, a few between) and the smallest normal;
* a dense linear grid on [-10, 10] and a log grid on 10..1000 (both signs);
* the thresholds where exp and friends overflow or underflow in the dtype;
* points next to every declared kink (nextafter both ways, kink +- 1e-8 max(1, |kink|))
  and the kink itself where the dtype holds it exactly;
* +-inf and nan;
* the spec's ``EXTRA_POINTS``;

evaluates f, f', f'' with mpmath at 60 digits, checks each value against a second
evaluation at 120 digits (they must agree to 44 digits, which catches reference
formulas that cancel), rounds the exact value once to float64 and stores one compressed
``.npz`` per (spec, dtype) under ``src/nonlin/data/references/`` (format:
``nonlin/accuracy.py``). At +-inf the reference is the value at +-1e400 (mpmath has no
overflow; every catalog function has reached its limit there to far below an ulp), at a
kink f is the formula's value there and f', f'' the one-sided limit of smaller magnitude
(design.md, Kinks; 0 where the two differ in sign), evaluated at kink +- 1e-30 max(1,
|kink|), and at nan all three are nan. The output is deterministic (fixed zip
timestamps, no randomness).

Usage::

    python tools/make_references.py                  # every spec; removes stale tables
    python tools/make_references.py --only elu "elu(alpha=0.5)"
    python tools/make_references.py --jobs 2         # evaluate in 2 processes

The exit status is 1 when any spec failed (its table is then not written).
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import mpmath
import numpy as np

import nonlin as nl
from nonlin._mpref import EXTRA_POINTS, REFERENCES, MpFunction
from nonlin.accuracy import DTYPES, REFERENCE_DIR, table_filename
from nonlin.accuracy import _to_float64 as to_float64

LOW_DPS = 60
HIGH_DPS = 120
# The 60- and 120-digit values must agree to this many digits. A formula that cancels
# loses digits at 60 (1 - sigmoid(50) loses 21); near a root of the function that lies
# within an ulp of an input, even a good formula loses up to 16, hence 44, not 60.
AGREE_DIGITS = 44
QUANTITIES = ("f", "df", "d2f")
LOG_POINTS = {"float64": 150, "float32": 80}  # per sign
LINEAR_GRID = np.linspace(-10.0, 10.0, 401)
MEDIUM_GRID = np.geomspace(10.0, 1000.0, 41)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- inputs


def _unique(x: np.ndarray) -> np.ndarray:
    """Distinct values by bit pattern (so -0.0 and +0.0 both stay), sorted by value."""
    bits = np.unique(x.view(f"u{x.dtype.itemsize}"))
    values = bits.view(x.dtype)
    return values[np.argsort(values, kind="stable")]


def _cast(values: Iterable[float], dtype: np.dtype) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.asarray(list(values), dtype=np.float64).astype(dtype)


def base_points(dtype: np.dtype) -> np.ndarray:
    """The inputs every spec shares in ``dtype`` (before kinks and extras)."""
    info = np.finfo(dtype)
    smallest = float(np.nextafter(dtype.type(0), dtype.type(1)))
    largest = float(info.max)
    with np.errstate(over="ignore"):
        magnitudes = np.geomspace(smallest, largest, LOG_POINTS[dtype.name])
    magnitudes[[0, -1]] = smallest, largest
    thresholds = []
    for value in (largest, float(info.tiny), smallest, float(info.eps)):
        edge = abs(math.log(value))  # where exp(+-x) over/underflows, and friends
        thresholds += [edge, edge / 2, edge - 1, edge + 1, math.sqrt(edge)]
    thresholds += [math.sqrt(largest), math.sqrt(float(info.tiny)), 1 / math.sqrt(info.eps)]
    tiny = float(info.tiny)
    subnormals = [smallest, 2 * smallest, 3 * smallest, tiny / 3, tiny / 2, tiny - smallest]
    subnormals += [tiny, tiny + smallest, 2 * tiny]
    positive = np.concatenate([magnitudes, MEDIUM_GRID, thresholds, subnormals])
    values = np.concatenate([positive, -positive, [0.0, -0.0], LINEAR_GRID])
    return np.concatenate([_cast(values, dtype), np.array([np.inf, -np.inf, np.nan], dtype)])


def kink_points(kinks: Iterable[float], dtype: np.dtype) -> np.ndarray:
    """Points next to each kink, in ``dtype``, and the kink where ``dtype`` holds it."""
    points: list[float] = []
    for kink in kinks:
        if not math.isfinite(kink):
            continue
        if abs(kink) > float(np.finfo(dtype).max):
            continue  # beyond the dtype: no point of this dtype is near it
        at = dtype.type(kink)
        points += [float(np.nextafter(at, dtype.type(-np.inf))), float(at)]
        points += [float(np.nextafter(at, dtype.type(np.inf)))]
        step = 1e-8 * max(1.0, abs(kink))
        points += [kink - step, kink + step]
    return _cast(points, dtype)


def inputs(spec: str, kinks: tuple[float, ...], extra: list[float], dtype: np.dtype) -> np.ndarray:
    x = np.concatenate([base_points(dtype), kink_points(kinks, dtype), _cast(extra, dtype)])
    finite = _unique(x[np.isfinite(x)])
    return np.concatenate([finite, np.array([np.inf, -np.inf, np.nan], dtype)])


# --------------------------------------------------------------------------- evaluation


def _agree(low: mpmath.mpf, high: mpmath.mpf) -> bool:
    if low == high:
        return True
    if not (mpmath.isfinite(low) and mpmath.isfinite(high)):
        return False
    with mpmath.workdps(HIGH_DPS):
        return bool(abs(low - high) <= mpmath.mpf(10) ** (-AGREE_DIGITS) * abs(high))


def _digits(low: mpmath.mpf, high: mpmath.mpf) -> str:
    with mpmath.workdps(HIGH_DPS):
        if not (mpmath.isfinite(low) and mpmath.isfinite(high)) or high == 0:
            return "0"
        return f"{float(-mpmath.log10(abs(low - high) / abs(high))):.1f}"


BEYOND = mpmath.mpf(10) ** 400  # stands in for inf: every limit is reached by then
KINK_STEP = mpmath.mpf(10) ** -30


def exact(function: MpFunction, argument: float, at_kink: bool, dps: int) -> mpmath.mpf:
    """``function`` at ``argument`` with ``dps`` digits; the limit at +-inf; at a kink
    (``at_kink``, for f' and f''), the minimum-norm element between the one-sided limits:
    the limit of smaller magnitude, or 0 where they differ in sign (softsign''(0))."""
    with mpmath.workdps(dps):
        if math.isinf(argument):
            return function(BEYOND if argument > 0 else -BEYOND)
        x = mpmath.mpf(argument)
        if not at_kink:
            return function(x)
        step = KINK_STEP * max(mpmath.mpf(1), abs(x))
        left, right = function(x - step), function(x + step)
        if (left < 0 < right) or (right < 0 < left):
            return mpmath.mpf(0)
        return left if abs(left) <= abs(right) else right


@dataclass
class Result:
    spec: str
    dtype: str
    x: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def evaluate(spec: str, dtype_name: str) -> Result:
    """f, f', f'' of ``spec`` on its inputs in ``dtype_name``, checked at two precisions."""
    start = time.perf_counter()
    dtype = np.dtype(dtype_name)
    result = Result(spec, dtype_name, np.empty(0, dtype))
    try:
        act = nl.get(spec)
        kinks = tuple(float(k) for k in act.kinks)
    except Exception as error:  # a reference for something not (yet) registered
        result.problems.append(f"nl.get({spec!r}) failed: {type(error).__name__}: {error}")
        return result
    if str(act) != spec:
        result.problems.append(f"key is not canonical: str(nl.get({spec!r})) == {str(act)!r}")
    x = inputs(spec, kinks, EXTRA_POINTS.get(spec, []), dtype)
    result.x = x
    functions = dict(zip(QUANTITIES, REFERENCES[spec]))
    for name, function in functions.items():
        out = np.empty(x.shape, dtype=np.float64)
        for index, point in enumerate(x.astype(np.float64)):
            argument = float(point)
            if math.isnan(argument):
                out[index] = math.nan
                continue
            at_kink = name != "f" and argument in kinks
            try:
                low = exact(function, argument, at_kink, LOW_DPS)
                high = exact(function, argument, at_kink, HIGH_DPS)
                if not _agree(low, high):
                    result.problems.append(
                        f"{name}({argument!r}): {LOW_DPS} and {HIGH_DPS} digits agree to "
                        f"{_digits(low, high)} digits only (the formula cancels?): "
                        f"{mpmath.nstr(low, 20)} vs {mpmath.nstr(high, 20)}"
                    )
                out[index] = to_float64(high)
            except Exception as error:
                result.problems.append(
                    f"{name}({argument!r}) raised {type(error).__name__}: {error}"
                )
                out[index] = math.nan
            if len(result.problems) > 20:
                result.problems.append("... (stopped after 20 problems)")
                result.seconds = time.perf_counter() - start
                return result
        result.values[name] = out
    result.seconds = time.perf_counter() - start
    return result


def _evaluate_star(arguments: tuple[str, str]) -> Result:
    return evaluate(*arguments)


# --------------------------------------------------------------------------- output


def write_table(result: Result, directory: Path) -> Path:
    """One deterministic compressed npz (fixed timestamps, fixed member order)."""
    arrays = {
        "spec": np.array(result.spec),
        "dtype": np.array(result.dtype),
        "x": result.x,
        **{name: result.values[name] for name in QUANTITIES},
    }
    path = directory / table_filename(result.spec, result.dtype)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(array, order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue(), compresslevel=9)
    data = buffer.getvalue()
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="SPEC", help="only these specs")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="processes (default 1)")
    parser.add_argument(
        "--dtype", nargs="+", choices=DTYPES, default=list(DTYPES), help="dtypes to write"
    )
    args = parser.parse_args(argv)

    specs = list(REFERENCES) if not args.only else args.only
    unknown = [spec for spec in specs if spec not in REFERENCES]
    if unknown:
        print(f"no reference formulas for: {', '.join(unknown)}", file=sys.stderr)
        return 1
    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    jobs = [(spec, dtype) for spec in specs for dtype in args.dtype]
    print(f"{len(specs)} spec(s) x {len(args.dtype)} dtype(s) -> {REFERENCE_DIR}", flush=True)

    failed: dict[str, list[str]] = {}
    written: set[str] = set()
    if args.jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.imap(_evaluate_star, jobs)
            outcomes = _report(results, len(jobs), failed, written)
    else:
        outcomes = _report(map(_evaluate_star, jobs), len(jobs), failed, written)
    del outcomes

    if not args.only:
        expected = {table_filename(s, d) for s in REFERENCES for d in DTYPES}
        for stale in sorted(REFERENCE_DIR.glob("*.npz")):
            if stale.name not in expected:
                print(f"removing stale table {stale.name}")
                stale.unlink()
    total = sum(path.stat().st_size for path in REFERENCE_DIR.glob("*.npz"))
    print(f"{len(written)} table(s) written; {total / 1e6:.2f} MB in {REFERENCE_DIR.name}/")
    if failed:
        print(f"\nFAILED: {len(failed)} table(s) not written:", file=sys.stderr)
        for key, problems in failed.items():
            print(f"  {key}:", file=sys.stderr)
            for problem in problems:
                print(f"    {problem}", file=sys.stderr)
        return 1
    return 0


def _report(
    results: Iterable[Result], count: int, failed: dict[str, list[str]], written: set[str]
) -> int:
    for number, result in enumerate(results, 1):
        label = f"{result.spec} [{result.dtype}]"
        if result.problems:
            failed[label] = result.problems
            status = f"FAILED ({len(result.problems)} problem(s))"
        else:
            path = write_table(result, REFERENCE_DIR)
            written.add(path.name)
            status = f"{result.x.size} points"
        print(f"[{number}/{count}] {label}: {status}, {result.seconds:.1f}s", flush=True)
    return count


if __name__ == "__main__":
    sys.exit(main())

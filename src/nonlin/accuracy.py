"""How accurate nonlin is, measured: ``nl.check()`` and ``nonlin check``.

Every elementwise catalog entry (at its defaults and at a few other parameter values)
has a reference table in ``nonlin/data/references/``, one compressed ``.npz`` per
(spec, dtype), written by ``tools/make_references.py`` from the 50-digit mpmath
formulas in ``nonlin._mpref``. Each holds

* ``spec``: the canonical spec string (0-d unicode array);
* ``dtype``: ``"float32"`` or ``"float64"``, the dtype of the inputs;
* ``x``: the inputs, in that dtype: log-spaced over the whole range in both signs,
  subnormals, +-0, the tails where the function saturates or underflows, points next to
  and exactly at every kink, +-inf and nan;
* ``f``, ``df``, ``d2f``: the exact f, f', f'' rounded once to float64 (so a float32
  check rounds a second time; values beyond the float64 range are +-inf or 0; at +-inf
  the limit; at a kink f' and f'' are the one-sided limit of smaller magnitude; nan at
  nan).

Errors are measured in ulps of the tested dtype: ``|ours - ref| / ulp(ref)``, where the
ulp of a reference below the smallest normal number is the smallest subnormal (the
error is then an absolute error in subnormal units), a reference that overflows the
dtype must come out as the infinity of the same sign, and a nan reference as nan.

The bound is :data:`DEFAULT_BOUND` ulps everywhere, except where :data:`EXCEPTIONS`
grants a looser one, each with its reason. mpmath is needed only for ``fresh=N``
(random points evaluated on the spot): ``pip install nonlin[check]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .activation import Activation
from .errors import NonlinError

__all__ = [
    "DEFAULT_BOUND",
    "DTYPES",
    "EXCEPTIONS",
    "QUANTITIES",
    "REFERENCE_DIR",
    "Allowance",
    "CheckResult",
    "QuantityError",
    "Report",
    "Table",
    "add_check_arguments",
    "bounds",
    "check",
    "fresh_points",
    "load_table",
    "run_check_command",
    "table_filename",
    "table_paths",
    "ulp_error",
]

REFERENCE_DIR = Path(__file__).resolve().parent / "data" / "references"
DTYPES = ("float64", "float32")
# Internal key -> how it is printed.
QUANTITIES = {"f": "f", "df": "f'", "d2f": "f''"}
DEFAULT_BOUND = 4.0


# --------------------------------------------------------------------------- bounds


class Allowance(NamedTuple):
    """A documented, justified looser bound for one (spec, quantity, dtype).

    ``interval`` limits it to inputs in ``[low, high]`` (e.g. around the root of f',
    where any formula's relative error grows like 1/|x - root|); elsewhere the
    default bound still applies. None applies it to every input.
    """

    spec: str
    quantity: str  # "f", "df" or "d2f"
    dtype: str  # "float64" or "float32"
    bound: float  # max ulps allowed
    reason: str
    interval: tuple[float, float] | None = None


# Keep this short: an entry needs a reason that says why the error is inherent (not a
# bug to fix in the family), measured on the stored table. tests/test_accuracy.py
# checks that every entry is still needed (a stale allowance fails the tests).
EXCEPTIONS: tuple[Allowance, ...] = ()  # gelu needed 6 ulp until erfcx became our own


def bounds(spec: str, quantity: str, dtype: str, x: np.ndarray) -> np.ndarray:
    """The ulp bound at each input ``x`` (float64 view of the inputs)."""
    limit = np.full(np.shape(x), DEFAULT_BOUND)
    for entry in EXCEPTIONS:
        if (entry.spec, entry.quantity, entry.dtype) == (spec, quantity, dtype):
            if entry.interval is None:
                limit[...] = np.maximum(limit, entry.bound)
            else:
                low, high = entry.interval
                with np.errstate(invalid="ignore"):
                    inside = (x >= low) & (x <= high)
                limit[inside] = np.maximum(limit[inside], entry.bound)
    return limit


# --------------------------------------------------------------------------- tables


def table_filename(spec: str, dtype: str) -> str:
    """The file name of the table for ``spec`` in ``dtype``: safe characters plus a hash.

    ``elu(alpha=0.5)`` -> ``elu_alpha_0.5-36527404.float64.npz``; the hash of the exact
    spec keeps two specs that slug alike apart.
    """
    slug = re.sub(r"[^A-Za-z0-9.]+", "_", spec).strip("_.") or "spec"
    digest = hashlib.sha1(spec.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}.{dtype}.npz"


@dataclass(frozen=True)
class Table:
    """One reference table (see the module docstring)."""

    path: Path | None
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


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], Path]:
    """(spec, dtype) -> path of every stored table (read once)."""
    found: dict[tuple[str, str], Path] = {}
    for path in table_paths():
        with np.load(path, allow_pickle=False) as data:
            found[(str(data["spec"]), str(data["dtype"]))] = path
    return found


def ulp_error(ours: np.ndarray, reference: np.ndarray, dtype: str | np.dtype) -> np.ndarray:
    """``|ours - reference|`` in ulps of ``dtype``, elementwise, as float64.

    ``reference`` is the float64 rounding of the exact value. Where it overflows
    ``dtype``, the error is 0 for the infinity of the right sign and inf otherwise;
    where it is nan (a nan input), 0 for nan and inf otherwise; NaN anywhere else in
    ``ours`` is an infinite error.
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
        undefined = np.isnan(reference)
        error[undefined] = np.where(np.isnan(ours[undefined]), 0.0, np.inf)
        finite = ~(overflow | undefined)
        magnitude = np.maximum(np.abs(rounded[finite]), info.tiny).astype(dtype)
        unit = np.spacing(magnitude).astype(np.float64)
        error[finite] = np.abs(ours[finite] - reference[finite]) / unit
    error[np.isnan(error)] = np.inf
    return error


# --------------------------------------------------------------------------- fresh points


def fresh_points(n: int, dtype: str | np.dtype, seed: int = 0) -> np.ndarray:
    """``n`` random finite inputs of ``dtype``: half with uniformly random bit patterns
    (log-uniform over the whole range, both signs, subnormals included), a quarter
    uniform on [-10, 10] and a quarter log-uniform on 1e-3..1e3 in both signs."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    unsigned = np.dtype(f"u{dtype.itemsize}")
    bits_count = n - 2 * (n // 4)
    points = np.empty(0, dtype)
    while points.size < bits_count:
        bits = rng.integers(0, np.iinfo(unsigned).max, size=2 * bits_count, dtype=unsigned)
        values = bits.view(dtype)
        points = np.concatenate([points, values[np.isfinite(values)]])
    uniform = rng.uniform(-10.0, 10.0, n // 4)
    logs = np.exp(rng.uniform(np.log(1e-3), np.log(1e3), n // 4))
    logs *= rng.choice([-1.0, 1.0], n // 4)
    return np.concatenate([points[:bits_count], uniform.astype(dtype), logs.astype(dtype)])


def _to_float64(value: Any) -> float:
    """An mpmath number correctly rounded to float64 (ties to even; subnormals; +-inf)."""
    import mpmath

    if isinstance(value, int):
        value = mpmath.mpf(value)
    if not isinstance(value, mpmath.mpf):
        raise TypeError(f"the reference returned {type(value).__name__} {value!r}, not an mpf")
    sign, mantissa, exponent, bits = value._mpf_
    if not mantissa:
        return float(value)  # 0, inf, -inf or nan
    negative = -1.0 if sign else 1.0
    if exponent + bits > 1025:
        return negative * math.inf
    if exponent + bits < -1075:  # below half the smallest subnormal
        return negative * 0.0
    try:
        # int -> float and int / int are correctly rounded in Python
        exact = mantissa << exponent if exponent >= 0 else None
        magnitude = float(exact) if exact is not None else mantissa / (1 << -exponent)
    except OverflowError:
        magnitude = math.inf
    return negative * magnitude


def _mp_references() -> dict[str, Any]:
    try:
        import mpmath  # noqa: F401
    except ImportError:
        raise ImportError(
            "nl.check(fresh=N) evaluates 50-digit references with mpmath, which is not "
            "installed: pip install 'nonlin[check]' (or pip install mpmath)"
        ) from None
    from ._mpref import REFERENCES

    return REFERENCES


def _fresh_table(spec: str, dtype: str, n: int, seed: int) -> Table:
    import mpmath

    functions = _mp_references()[spec]
    x = fresh_points(n, dtype, seed)
    values = {}
    for name, function in zip(QUANTITIES, functions):
        out = np.empty(x.shape, dtype=np.float64)
        with mpmath.workdps(60):
            for index, point in enumerate(x.astype(np.float64)):
                out[index] = _to_float64(function(mpmath.mpf(float(point))))
        values[name] = out
    return Table(None, spec, dtype, x, values["f"], values["df"], values["d2f"])


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QuantityError:
    """The error of one quantity (f, f' or f'') of one entry, in ulps."""

    max: float
    p99: float
    ratio: float  # the largest error / bound: <= 1 passes
    worst: str  # where the ratio peaks, in words

    @property
    def passed(self) -> bool:
        return self.ratio <= 1.0


@dataclass(frozen=True)
class CheckResult:
    """The outcome for one (spec, dtype): the errors per quantity, or why it was skipped."""

    spec: str
    dtype: str
    source: str  # "table", "fresh" or "" (skipped)
    points: int = 0
    errors: dict[str, QuantityError] = field(default_factory=dict)
    note: str = ""  # why it was skipped, or what went wrong
    failed_to_run: bool = False

    @property
    def skipped(self) -> bool:
        return not self.errors and not self.failed_to_run

    @property
    def passed(self) -> bool:
        return not self.failed_to_run and all(e.passed for e in self.errors.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "dtype": self.dtype,
            "source": self.source,
            "points": self.points,
            "passed": self.passed,
            "skipped": self.skipped,
            "note": self.note,
            **{
                QUANTITIES[key]: {
                    "max_ulp": _json_number(error.max),
                    "p99_ulp": _json_number(error.p99),
                    "bound_ratio": _json_number(error.ratio),
                    "passed": error.passed,
                    "worst": error.worst,
                }
                for key, error in self.errors.items()
            },
        }


def _json_number(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


@dataclass(frozen=True)
class Report:
    """What :func:`check` measured: one :class:`CheckResult` per (spec, dtype)."""

    results: tuple[CheckResult, ...]
    bound: float = DEFAULT_BOUND

    @property
    def passed(self) -> bool:
        """True when every checked entry is within its bound (skipped ones do not count)."""
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        return [result for result in self.results if not result.passed]

    def __bool__(self) -> bool:
        return self.passed

    def to_dict(self) -> dict[str, Any]:
        return {
            "bound_ulp": self.bound,
            "passed": self.passed,
            "checked": sum(not r.skipped for r in self.results),
            "failed": len(self.failures),
            "skipped": sum(r.skipped for r in self.results),
            "exceptions": [allowance._asdict() for allowance in EXCEPTIONS],
            "results": [result.to_dict() for result in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def format(self, markdown: bool = False) -> str:
        """The table: max and 99th-percentile ulp of f, f', f'' per entry and dtype."""
        header = ["spec", "dtype", "points"]
        for name in QUANTITIES.values():
            header += [f"{name} max", f"{name} p99"]
        header.append("status")
        rows = []
        for result in self.results:
            row = [result.spec, result.dtype, str(result.points) if result.points else "-"]
            for key in QUANTITIES:
                error = result.errors.get(key)
                if error is None:
                    row += ["-", "-"]
                else:
                    flag = "" if error.passed else " *"
                    row += [_format_ulp(error.max) + flag, _format_ulp(error.p99)]
            if result.skipped:
                status = f"skipped: {result.note}"
            elif result.failed_to_run:
                status = f"ERROR: {result.note}"
            else:
                status = "ok" if result.passed else "OVER BOUND"
            row.append(status)
            rows.append(row)
        lines = _render(header, rows, markdown)
        checked = sum(not r.skipped for r in self.results)
        skipped = len(self.results) - checked
        errors = sum(r.failed_to_run for r in self.results)
        over = len(self.failures) - errors
        summary = (
            f"{checked - len(self.failures)} of {checked} checked within bound "
            f"({self.bound:g} ulp unless an exception says otherwise)"
            + (f", {skipped} skipped" if skipped else "")
            + (f"; {over} OVER BOUND (marked *)" if over else "")
            + (f"; {errors} could not be checked (ERROR)" if errors else "")
        )
        return "\n".join([*lines, "", summary])

    def __str__(self) -> str:
        return self.format()


def _format_ulp(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf"
    return f"{value:.2f}" if value < 1e5 else f"{value:.1e}"


def _render(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    numeric = [i for i in range(2, len(header) - 1)]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths))
        ]
        if markdown:
            return "| " + " | ".join(padded) + " |"
        return "  ".join(padded).rstrip()

    if markdown:
        rule = "|" + "|".join(
            "-" * (w + 1) + ":" if i in numeric else "-" * (w + 2) for i, w in enumerate(widths)
        )
        return [line(header), rule + "|", *(line(row) for row in rows)]
    return [line(header), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


# --------------------------------------------------------------------------- measuring


def _evaluate(act: Activation, x: np.ndarray) -> dict[str, list[np.ndarray]]:
    """``{quantity: [ours from act/grad/grad2, ours from derivatives()]}`` at ``x``."""
    fused = act.derivatives(x)
    separate = (act(x), act.grad(x), act.grad2(x))
    return {
        key: [np.asarray(separate[i]), np.asarray(fused[i])] for i, key in enumerate(QUANTITIES)
    }


def measure(table: Table, act: Activation | None = None) -> dict[str, QuantityError]:
    """The errors of ``act`` (default: the table's spec) on ``table``, per quantity.

    Both ``act(x)``/``grad``/``grad2`` and the fused ``derivatives(x)`` are measured;
    each point counts its larger error. A wrong dtype or shape is an infinite error.
    """
    from .registry import get

    act = get(table.spec) if act is None else act
    found = _evaluate(act, table.x)
    x64 = table.x.astype(np.float64)
    errors = {}
    for key, candidates in found.items():
        reference = table.reference(key)
        error = np.zeros(table.x.shape)
        for ours in candidates:
            if ours.dtype != table.x.dtype or ours.shape != table.x.shape:
                error[...] = np.inf
            else:
                error = np.maximum(error, ulp_error(ours, reference, table.dtype))
        ratio = error / bounds(table.spec, key, table.dtype, x64)
        index = int(np.argmax(ratio)) if ratio.size else 0
        if ratio.size:
            ours = candidates[0]
            shown = float(ours[index]) if ours.shape == table.x.shape else math.nan
            worst = (
                f"x={float(x64[index])!r} ({float(x64[index]).hex()}): ours {shown!r}, "
                f"reference {float(reference[index])!r}, {error[index]:.3g} ulp"
            )
            ordered = np.sort(error)
            p99 = float(ordered[max(0, math.ceil(0.99 * ordered.size) - 1)])
            errors[key] = QuantityError(float(error.max()), p99, float(ratio[index]), worst)
        else:
            errors[key] = QuantityError(0.0, 0.0, 0.0, "no points")
    return errors


def _resolve(
    specs: Iterable[str | Activation] | str | Activation | None, dtypes: Sequence[str]
) -> list[tuple[str, str]]:
    """The (canonical spec, dtype) pairs to check, in a stable order."""
    from .registry import get, names

    stored = _index()
    if specs is None:
        wanted: list[str] = []
        for name in names():
            variants = sorted(
                {spec for spec, _ in stored if _class_name(spec) == get(name).name},
                key=lambda spec: (spec != name, spec),
            )
            wanted += variants or [name]
        wanted += sorted({spec for spec, _ in stored} - set(wanted))
    else:
        wanted = []
        for spec in [specs] if isinstance(specs, (str, Activation)) else specs:
            act = get(spec)
            canonical = str(act)
            if isinstance(spec, str) and "(" not in spec and "+" not in spec:
                # A bare name checks every stored variant of that activation.
                variants = sorted(
                    {s for s, _ in stored if _class_name(s) == act.name and s != canonical}
                )
                wanted += [canonical, *variants]
            else:
                wanted.append(canonical)
        wanted = list(dict.fromkeys(wanted))
    return [(spec, dtype) for spec in wanted for dtype in dtypes]


@cache
def _class_name(spec: str) -> str:
    from .registry import get

    try:
        return get(spec).name
    except NonlinError:
        return ""


def _check_one(spec: str, dtype: str, fresh: int | None, seed: int) -> CheckResult:
    from .registry import get

    act = get(spec)
    if not act.elementwise:
        return CheckResult(spec, dtype, "", note="not elementwise (tested by its own suite)")
    if callable(getattr(act, "param_vjp", None)):
        return CheckResult(
            spec, dtype, "", note="learnable: array parameters (tested by its own suite)"
        )
    try:
        if fresh is not None:
            if spec not in _mp_references():
                return CheckResult(spec, dtype, "", note="no mpmath reference formulas")
            table = _fresh_table(spec, dtype, fresh, seed)
            source = "fresh"
        else:
            path = _index().get((spec, dtype))
            if path is None:
                # A catalog entry at its defaults must have a table; anything else
                # (a variant, a chain, a user activation) may not.
                missing = type(act).__module__.startswith("nonlin.") and spec == act.name
                return CheckResult(
                    spec,
                    dtype,
                    "",
                    note="no reference table" + ("" if missing else " (try --fresh N)"),
                    failed_to_run=missing,
                )
            table = load_table(path)
            source = "table"
        errors = measure(table, act)
    except ImportError:
        raise
    except Exception as error:  # report it as a failure, keep checking the rest
        return CheckResult(
            spec, dtype, "", note=f"{type(error).__name__}: {error}", failed_to_run=True
        )
    return CheckResult(spec, dtype, source, int(table.x.size), errors)


def check(
    specs: Iterable[str | Activation] | str | Activation | None = None,
    dtypes: Sequence[str] = ("float32", "float64"),
    fresh: int | None = None,
    progress: bool | Callable[[int, int, str], None] | None = None,
    *,
    seed: int = 0,
) -> Report:
    """Measure the ulp error of f, f', f'' against 50-digit references.

    Parameters
    ----------
    specs : spec strings or activations, optional
        What to check. None checks every catalog entry and every stored parameter
        variant; a bare name (``"elu"``) checks its defaults and every stored variant;
        a spec with parameters checks exactly that.
    dtypes : sequence of {"float32", "float64"}
        The input dtypes, each measured in its own ulps.
    fresh : int, optional
        Instead of the stored tables, evaluate the mpmath formulas on this many fresh
        random points per (spec, dtype) (``seed`` picks them). Needs mpmath
        (``pip install nonlin[check]``); slow for large N.
    progress : bool or callable, optional
        True draws a progress bar on stderr; a callable gets
        ``(done, total, label)`` after each entry.

    Returns
    -------
    Report
        ``report.passed`` is True when every checked entry is within its bound
        (:data:`DEFAULT_BOUND` ulp unless :data:`EXCEPTIONS` allows more, with a
        reason); ``print(report)`` shows the table, ``report.to_json()`` the data.
        Non-elementwise activations (softmax, ...) are listed as skipped.

    Examples
    --------
    >>> import nonlin as nl
    >>> nl.check(["relu"], dtypes=["float64"]).passed
    True
    """
    for dtype in dtypes:
        if dtype not in DTYPES:
            raise ValueError(f"dtype {dtype!r} cannot be checked; choose from {', '.join(DTYPES)}")
    if fresh is not None:
        if isinstance(fresh, bool) or not isinstance(fresh, int) or fresh < 1:
            raise ValueError(f"fresh must be a positive number of points, not {fresh!r}")
        _mp_references()  # a clear error up front when mpmath is missing
    jobs = _resolve(specs, list(dtypes))
    report_progress = _progress_bar(len(jobs)) if progress is True else progress or None
    results = []
    for number, (spec, dtype) in enumerate(jobs, 1):
        results.append(_check_one(spec, dtype, fresh, seed))
        if report_progress is not None:
            report_progress(number, len(jobs), f"{spec} [{dtype}]")
    return Report(tuple(results))


def _progress_bar(total: int, stream: Any = None) -> Callable[[int, int, str], None]:
    stream = stream or sys.stderr
    start = time.perf_counter()

    def show(done: int, count: int, label: str) -> None:
        width = 30
        filled = int(width * done / max(count, 1))
        elapsed = time.perf_counter() - start
        text = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{count} {elapsed:5.1f}s {label}"
        stream.write(text[:100].ljust(100))
        if done == count:
            stream.write("\r" + " " * 100 + "\r")
        stream.flush()

    del total
    return show


# --------------------------------------------------------------------------- command line


def add_check_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the arguments of ``nonlin check`` to ``parser`` (a subparser)."""
    parser.add_argument(
        "specs",
        nargs="*",
        metavar="SPEC",
        help="what to check (default: every catalog entry and stored variant); "
        "a bare name checks all its stored variants",
    )
    parser.add_argument(
        "--dtype",
        dest="dtypes",
        nargs="+",
        choices=DTYPES,
        default=["float32", "float64"],
        help="input dtypes (default: both)",
    )
    parser.add_argument(
        "--fresh",
        type=int,
        metavar="N",
        help="check N fresh random points per entry against mpmath (needs mpmath)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed for --fresh")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--markdown", action="store_true", help="print the table as Markdown (for the docs)"
    )
    parser.add_argument(
        "--failures-only", action="store_true", help="list only the entries over the bound"
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar (shown on a terminal)"
    )
    parser.set_defaults(run=run_check_command)
    return parser


def run_check_command(args: argparse.Namespace) -> int:
    """Run ``nonlin check``: print the table (or ``--json``); 0 when all pass, else 1.

    A progress bar goes to stderr when stderr is a terminal. A missing mpmath with
    ``--fresh`` prints the fix and returns 2 (a usage error).
    """
    specs = list(getattr(args, "specs", None) or []) or None
    show_progress = not getattr(args, "no_progress", False) and sys.stderr.isatty()
    try:
        report = check(
            specs,
            dtypes=tuple(getattr(args, "dtypes", None) or ("float32", "float64")),
            fresh=getattr(args, "fresh", None),
            progress=True if show_progress else None,
            seed=getattr(args, "seed", 0),
        )
    except ImportError as error:
        print(f"nonlin: error: {error}", file=sys.stderr)
        return 2
    if getattr(args, "failures_only", False):
        report = Report(tuple(r for r in report.results if not r.passed), report.bound)
    if getattr(args, "json", False):
        print(report.to_json())
    else:
        print(report.format(markdown=getattr(args, "markdown", False)))
    return 0 if report.passed else 1

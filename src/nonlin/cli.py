"""The ``nonlin`` command line: ``list``, ``show`` and ``eval``.

Errors go to stderr; the exit status is 2 for usage errors (argparse's convention,
and a spec that does not parse) and 1 for a failure while evaluating.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from .errors import NonlinError
from .registry import DIALECT_NAMES, describe, get, names

__all__ = ["main"]

_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^-inf(inity)?$", re.IGNORECASE)


def _format_number(value: float) -> str:
    return repr(value)  # the shortest text that reads back as the same float


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def _list(args: argparse.Namespace) -> int:
    entries = [describe(name) for name in names()]
    if args.json:
        print(json.dumps(entries, indent=2, default=str))
        return 0
    rows = []
    for entry in entries:
        params = ", ".join(f"{p['name']}={p['default']}" for p in entry["parameters"])
        low, high = entry["range"] or ("?", "?")
        aliases = entry["aliases"]
        if args.dialect:
            aliases = entry["dialects"].get(args.dialect, [])
        rows.append([entry["name"], params, f"[{low}, {high}]", ", ".join(aliases)])
    header = ["name", "parameters", "range", f"{args.dialect or 'other'} names"]
    print(_table(rows, header))
    return 0


def _show(args: argparse.Namespace) -> int:
    entry = describe(args.spec, dialect=args.dialect)
    if args.json:
        print(json.dumps(entry, indent=2, default=str))
        return 0
    print(f"{entry['spec']}: {entry['summary']}")
    for key in ("f", "f'", "f''"):
        if key in entry["formulas"]:
            print(f"  {key + '(x)':6} = {entry['formulas'][key]}")
    for parameter in entry["parameters"]:
        print(
            f"  parameter {parameter['name']} = {parameter['value']}  ({parameter['constraint']})"
        )
    if entry["range"] is not None:
        print(f"  range {entry['range']}, kinks {entry['kinks']}")
        print("  " + ", ".join(f"{k}={v}" for k, v in entry["properties"].items()))
    for dialect, foreign in entry["dialects"].items():
        print(f"  in {dialect}: {', '.join(foreign)}")
    if entry["reference"]:
        print(f"  reference: {entry['reference']}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    import numpy as np

    act = get(args.spec, dialect=args.dialect)
    x = np.asarray(args.x, dtype=args.dtype)
    columns: list[tuple[str, Any]] = [("x", x), ("f(x)", act(x))]
    if args.grad:
        columns.append(("f'(x)", act.grad(x)))
    if args.grad2:
        columns.append(("f''(x)", act.grad2(x)))
    if args.json:
        print(json.dumps({name: np.asarray(values).tolist() for name, values in columns}))
        return 0
    rows = [[_format_number(float(values[i])) for _, values in columns] for i in range(x.size)]
    print(f"{act}  ({x.dtype})")
    print(_table(rows, [name for name, _ in columns]))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nonlin", description="Activation functions with exact derivatives."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="every activation, its parameters and names")
    listing.add_argument("--dialect", choices=DIALECT_NAMES, help="show that framework's names")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(run=_list)

    show = commands.add_parser("show", help="formulas, parameters and properties of a spec")
    show.add_argument("spec", help='an activation spec, e.g. "elu(alpha=0.5)"')
    show.add_argument("--dialect", help="read the spec with a framework's names and defaults")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(run=_show)

    evaluate = commands.add_parser("eval", help="evaluate a spec (and derivatives) at points")
    evaluate.add_argument("spec", help='an activation spec, e.g. "gelu+norm:z"')
    evaluate.add_argument("x", nargs="+", type=float, help="input values")
    evaluate.add_argument("--grad", action="store_true", help="also print f'(x)")
    evaluate.add_argument("--grad2", action="store_true", help="also print f''(x)")
    evaluate.add_argument("--dtype", default="float64", choices=["float16", "float32", "float64"])
    evaluate.add_argument("--dialect", help="read the spec with a framework's names and defaults")
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate.set_defaults(run=_eval)
    # Let "-1e-30" and "-inf" be values, not options (argparse knows only "-3", "-.5").
    evaluate._negative_number_matcher = _NEGATIVE_NUMBER
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (NonlinError, ValueError) as error:
        print(f"nonlin: error: {error}", file=sys.stderr)
        return 2
    except TypeError as error:
        print(f"nonlin: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``nonlin`` command line (also ``python -m nonlin``).

Commands: ``list``, ``show``, ``plot``, ``eval``, ``check``, ``bench`` and ``gallery``;
``nonlin COMMAND --help`` explains each. Output goes to stdout (``--json`` where it is a
table), errors to stderr as ``nonlin: error: ...``.

Exit status: 0 on success; 2 for a usage error (bad options, as argparse does; a spec
that does not parse or names nothing; a bad parameter; an optional dependency the
command needs is missing); 1 when the command ran and failed (evaluation failed, a
file could not be written, ``check`` found an entry over its bound).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from typing import Any

from .errors import NonlinError, ParameterError, SpecError
from .registry import DIALECT_NAMES, describe, get, names

__all__ = ["main"]

_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^-inf(inity)?$", re.IGNORECASE)
# "--range -2:2" takes "-2:2" as its value, not as an option.
_NEGATIVE_RANGE = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(:\S*)?$")
_EPILOG = "Exit status: 0 success, 1 failure, 2 usage error."


class UsageError(Exception):
    """A command was used wrongly (exit status 2); the message says how to fix it."""


def _plain(text: str) -> str:
    """Docstring text without reST markup: ``:math:`a` `` and double backquotes."""
    return re.sub(r"``([^`]*)``", r"\1", re.sub(r":math:`([^`]*)`", r"\1", text))


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


def _value(value: Any) -> str:
    """A parameter value or a range bound as the spec grammar writes it."""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    return str(value)


def _properties(entry: dict[str, Any]) -> str:
    props = entry["properties"]
    if props is None:
        return "not elementwise" if not entry["elementwise"] else "-"
    smooth = props["smoothness"]
    found = [
        {-1: "jump", 0: "C0"}.get(smooth, "analytic" if smooth in ("inf", math.inf) else "")
        or f"C{smooth}",
    ]
    found += [
        label
        for key, label in (
            ("monotonic", "monotonic"),
            ("bounded", "bounded"),
            ("zero_centred", "zero-centred"),
            ("self_normalising", "self-normalising"),
        )
        if props[key]
    ]
    if props["symmetry"]:
        found.append(props["symmetry"])
    if not entry["elementwise"]:
        found.append("not elementwise")
    return ", ".join(found)


def _dialect_names(canonical: str, dialect: str | None) -> list[tuple[str, str]]:
    """(foreign name, the spec it means) for ``canonical`` in one table."""
    from . import dialects
    from .activation import normalize_name
    from .spec import parse

    table = dialects.ALIASES if dialect is None else dialects.DIALECTS[dialect]
    key = normalize_name(canonical)
    return [
        (foreign, target)
        for foreign, target in table.items()
        if normalize_name(parse(target).terms[0].name) == key
    ]


def _name_with_spec(foreign: str, target: str, canonical: str) -> str:
    return foreign if target == canonical else f"{foreign}={target}"


# --------------------------------------------------------------------------- list / show


def _list(args: argparse.Namespace) -> int:
    entries = [describe(name) for name in names()]
    if args.dialect:
        for entry in entries:
            entry["dialect_names"] = [
                {"name": foreign, "spec": target}
                for foreign, target in _dialect_names(entry["name"], args.dialect)
            ]
    if args.json:
        print(json.dumps(entries, indent=2, default=str))
        return 0
    rows = []
    for entry in entries:
        params = ", ".join(f"{p['name']}={_value(p['default'])}" for p in entry["parameters"])
        if entry["range"] is None:
            shown_range = "-"
        else:
            shown_range = "[" + ", ".join(_value(v) for v in entry["range"]) + "]"
        if args.dialect:
            found = _dialect_names(entry["name"], args.dialect)
            aliases = [_name_with_spec(f, t, entry["name"]) for f, t in found]
        else:
            aliases = entry["aliases"]
        rows.append(
            [
                entry["name"],
                ", ".join(aliases) or "-",
                params or "-",
                shown_range,
                _properties(entry),
            ]
        )
    names_header = f"{args.dialect} names" if args.dialect else "aliases"
    print(_table(rows, ["name", names_header, "parameters", "range", "properties"]))
    return 0


def _show(args: argparse.Namespace) -> int:
    act = get(args.spec, dialect=args.dialect)
    stages = list(act.iter_stages())
    if len(stages) > 1:  # a chain: each stage in turn
        if args.json:
            print(json.dumps([describe(stage) for stage in stages], indent=2, default=str))
            return 0
        kind = "elementwise" if act.elementwise else "not elementwise"
        print(f"{act}: {len(stages)} activations applied left to right ({kind})")
        for stage in stages:
            print()
            _show_one(describe(stage))
        return 0
    entry = describe(act)
    if args.json:
        print(json.dumps(entry, indent=2, default=str))
        return 0
    _show_one(entry)
    return 0


def _show_one(entry: dict[str, Any]) -> None:
    print(f"{entry['spec']}: {_plain(entry['summary'])}")
    for key in ("f", "f'", "f''"):
        if key in entry["formulas"]:
            print(f"  {key + '(x)':7} = {entry['formulas'][key]}")
    if entry["numeric_derivatives"]:
        print("  derivatives: central differences (no formula given)")
    for parameter in entry["parameters"]:
        value, default = _value(parameter["value"]), _value(parameter["default"])
        shown = value if value == default else f"{value} (default {default})"
        print(f"  parameter {parameter['name']} = {shown}  [{parameter['constraint']}]")
        if parameter["doc"]:
            print(f"      {_plain(parameter['doc'])}")
    if entry["range"] is not None:
        print("  range [" + ", ".join(_value(v) for v in entry["range"]) + "]")
    print("  properties: " + _properties(entry))
    if entry["elementwise"]:
        kinks = ", ".join(_value(k) for k in entry["kinks"]) or "none"
        print(f"  kinks: {kinks} (f', f'' there: the one-sided limit of smaller magnitude)")
    if entry["name"]:
        if entry["aliases"]:
            print(f"  aliases: {', '.join(entry['aliases'])}")
        for dialect in DIALECT_NAMES:
            found = _dialect_names(entry["name"], dialect)
            if found:
                listed = ", ".join(_name_with_spec(f, t, entry["name"]) for f, t in found)
                print(f"  in {dialect}: {listed}")
    if entry["reference"]:
        print(f"  reference: {_plain(entry['reference'])}")


# --------------------------------------------------------------------------- eval


def _eval(args: argparse.Namespace) -> int:
    import numpy as np

    from .plot import detached

    act = get(args.spec, dialect=args.dialect)
    act, note = detached(act)
    if note:
        print(f"nonlin: note: {note}", file=sys.stderr)
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


# --------------------------------------------------------------------------- plot / gallery


def _range(text: str) -> tuple[float, float]:
    from .plot import parse_range

    try:
        return parse_range(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _plot(args: argparse.Namespace) -> int:
    from . import plot as plotting  # the name "plot" is this command's

    specs = [get(spec, dialect=args.dialect) for spec in args.specs]
    if args.output is None:
        try:
            plotting.terminal(specs, derivatives=args.derivatives, x_range=args.range)
        except ImportError:
            raise UsageError(
                "no output file given and no terminal plotting library installed: "
                "pass -o FILE.png (or .svg, .pdf), or pip install plotext to draw here"
            ) from None
        return 0
    suffix = args.output.rsplit(".", 1)[-1].lower() if "." in args.output else ""
    if suffix not in plotting.FORMATS:
        raise UsageError(
            f"cannot tell the format of {args.output!r}: end the name in .png, .svg or .pdf"
        )
    try:
        fig = plotting.figure(specs, derivatives=args.derivatives, x_range=args.range)
    except ImportError as error:
        raise UsageError(str(error)) from None
    path = plotting.save(fig, args.output)
    print(f"wrote {path}")
    return 0


def _gallery(args: argparse.Namespace) -> int:
    from . import gallery

    for spec in args.specs:
        get(spec)
    path = gallery.build(
        args.output, args.specs or None, accuracy=not args.no_accuracy, x_range=args.range
    )
    print(f"wrote {path}")
    return 0


# --------------------------------------------------------------------------- the parser


def _command(
    commands: Any, name: str, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help, description=description or help, epilog=_EPILOG
    )
    return parser


def _parser() -> argparse.ArgumentParser:
    from .accuracy import add_check_arguments
    from .bench import add_bench_arguments, run_bench_command

    parser = argparse.ArgumentParser(
        prog="nonlin",
        description="Activation functions with exact first and second derivatives.",
        epilog=_EPILOG + " Run `nonlin COMMAND --help` for a command's options.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = _command(commands, "list", "every activation: names, parameters, range, properties")
    listing.add_argument(
        "--dialect", choices=DIALECT_NAMES, help="show that framework's names (and its defaults)"
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(run=_list)

    show = _command(
        commands, "show", "formulas, parameters, properties and framework names of a spec"
    )
    show.add_argument("spec", help='an activation spec, e.g. "elu(alpha=0.5)"')
    show.add_argument("--dialect", help="read the spec with a framework's names and defaults")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(run=_show)

    plot = _command(
        commands,
        "plot",
        "draw specs (f, and with --derivatives f' and f'') to a file or the terminal",
        "Draw one spec or compare several. With -o the format is the file's suffix "
        "(.png, .svg, .pdf; needs matplotlib: pip install 'nonlin[plot]'); without it "
        "the plot is drawn in the terminal when plotext is installed.",
    )
    plot.add_argument("specs", nargs="+", metavar="SPEC", help='e.g. "gelu" "silu"')
    plot.add_argument("--derivatives", action="store_true", help="also draw f' and f''")
    plot.add_argument(
        "--range", type=_range, metavar="A:B", help="x interval (default -5:5, widened to kinks)"
    )
    plot.add_argument("-o", "--output", metavar="FILE", help="write FILE.png, .svg or .pdf")
    plot.add_argument("--dialect", help="read the specs with a framework's names and defaults")
    plot.set_defaults(run=_plot)
    plot._negative_number_matcher = _NEGATIVE_RANGE

    evaluate = _command(commands, "eval", "evaluate a spec (and derivatives) at points")
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

    add_check_arguments(
        _command(
            commands,
            "check",
            "measure the ulp error of f, f', f'' against 50-digit references",
            "Measure the error of f, f', f'' in ulps against the shipped 50-digit "
            "reference tables (or fresh mpmath points); status 1 when any entry is "
            "over its bound.",
        )
    )

    bench = _command(commands, "bench", "time nonlin against the installed peers")
    add_bench_arguments(bench)
    bench.set_defaults(run=run_bench_command)

    gallery = _command(
        commands,
        "gallery",
        "write a static HTML gallery (one card per activation) to a folder",
        "Write DIR/index.html: a self-contained page (no network needed) with a card "
        "per activation: graphs of f, f', f'', formulas, parameters, properties, "
        "framework names and measured accuracy, and a search box.",
    )
    gallery.add_argument("specs", nargs="*", metavar="SPEC", help="only these (default: all)")
    gallery.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    gallery.add_argument("--range", type=_range, metavar="A:B", help="x interval of the graphs")
    gallery.add_argument(
        "--no-accuracy", action="store_true", help="leave out the accuracy tables (faster)"
    )
    gallery.set_defaults(run=_gallery)
    gallery._negative_number_matcher = _NEGATIVE_RANGE
    return parser


def _error(message: Any) -> None:
    print(f"nonlin: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error argparse reported (2)
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    try:
        return int(args.run(args))
    except (SpecError, ParameterError, UsageError) as error:
        _error(error)
        return 2
    except ImportError as error:  # an optional dependency the command needs
        _error(error)
        return 2
    except BrokenPipeError:  # pragma: no cover - `nonlin list | head` closed the pipe
        import os

        # Python would complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (NonlinError, ValueError, TypeError, OSError) as error:
        _error(error)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

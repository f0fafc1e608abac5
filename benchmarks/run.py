"""Full benchmark run: every catalog activation against the peers, written to RESULTS.md.

    python benchmarks/run.py                  # sizes 1e3, 1e6, 1e7; float32 and float64
    python benchmarks/run.py relu gelu --sizes 1e6

The same measurements are available as ``nonlin bench``; this script keeps the whole
table (it takes a while: every spec, mode, dtype and size, each peer timed in the same
run) and records the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

from nonlin import bench, kernels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench.add_bench_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = parser.parse_args(argv)
    rows = bench.run(
        args.specs or None,
        [mode for mode in args.modes.split(",") if mode],
        [dtype for dtype in args.dtypes.split(",") if dtype],
        [100_000] if args.quick else args.sizes,
        threads=args.threads,
        budget=0.02 if args.quick else args.budget,
        progress=lambda row: print(row.spec, row.mode, row.dtype, row.size, file=sys.stderr),
    )
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"nonlin's compiled loops: {kernels.build()}"
    )
    text = (
        "# Benchmark results\n\n"
        f"Machine: {machine}. Times are ns per element (medians); ratio is nonlin over the\n"
        "fastest of torch eager and jax.jit in the same run (below 1: nonlin is faster).\n\n"
        + bench.format_table(rows)
        + "\n"
    )
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

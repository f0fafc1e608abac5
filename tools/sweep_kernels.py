"""Compare the compiled float32 loops with the array-API path on all 2**32 inputs.

The test suite compares about a million inputs per spec and hook; this runs every
float32 bit pattern (an hour or more per spec on two cores: not for CI)::

    python tools/sweep_kernels.py sigmoid "gelu(approximate='tanh')" --hooks f df

Prints each difference (input, compiled, array-API path) and a count per hook; exits 1
if any.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import nonlin as nl
from nonlin import kernels

CHUNK = 1 << 24
HOOKS = ("f", "df", "d2f", "vjp")


def _evaluate(act: nl.Activation, hook: str, x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    if hook == "f":
        return act(x)
    if hook == "df":
        return act.grad(x)
    if hook == "d2f":
        return act.grad2(x)
    return act.vjp(x, dy)


def sweep(spec: str, hooks: list[str], limit: int) -> int:
    act = nl.get(spec)
    differences = dict.fromkeys(hooks, 0)
    dy = np.random.default_rng(0).standard_normal(CHUNK).astype(np.float32)
    for start in range(0, 1 << 32, CHUNK):
        x = np.arange(start, start + CHUNK, dtype=np.uint64).astype(np.uint32).view(np.float32)
        for hook in hooks:
            ours = _evaluate(act, hook, x, dy)
            with kernels.disabled():
                reference = _evaluate(act, hook, x, dy)
            same = (ours.view(np.uint32) == reference.view(np.uint32)) | (
                np.isnan(ours) & np.isnan(reference)
            )
            for i in np.flatnonzero(~same)[: max(limit - differences[hook], 0)]:
                print(f"{spec} {hook} x={x[i]!r}: compiled {ours[i]!r}, path {reference[i]!r}")
            differences[hook] += int((~same).sum())
        print(f"{spec}: {start + CHUNK:#x} done {differences}", file=sys.stderr, flush=True)
    print(f"{spec}: differences {differences}")
    return sum(differences.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="+")
    parser.add_argument("--hooks", nargs="+", choices=HOOKS, default=list(HOOKS))
    parser.add_argument("--limit", type=int, default=20, help="differences printed per hook")
    args = parser.parse_args()
    if not kernels.enabled():
        parser.error("the compiled extension is not built (or NONLIN_KERNELS=0)")
    total = sum(sweep(spec, args.hooks, args.limit) for spec in args.specs)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())

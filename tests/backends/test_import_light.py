"""``import nonlin`` (and using it on NumPy arrays) loads no array framework or plotting
library: each is imported only when an input is one of its arrays."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "jax", "jaxlib", "dask", "distributed", "cupy", "cupyx", "matplotlib",
         "keras", "tensorflow", "array_api_strict")  # fmt: skip

SCRIPT = """
import json, sys
import numpy as np
import nonlin as nl
import nonlin.layers
x = np.linspace(-5.0, 5.0, 12)
for name in nl.names():
    act = nl.get(name)
    act.vjp(x, act(x))
    if act.elementwise:
        act.derivatives(x)
nl.gelu(x, out=x)
nonlin.layers.Activation("gelu", slc=slice(2, 6)).forward(np.ones((2, 4)))
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_import_and_numpy_use_load_no_framework() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & set(HEAVY), f"loaded {sorted(loaded & set(HEAVY))}"

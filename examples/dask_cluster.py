"""Activations on a Dask cluster: lazy, chunk by chunk, the same numbers as NumPy.

Run it with ``python examples/dask_cluster.py`` (needs ``pip install nonlin[dask]``).
It starts a small local cluster (threads in this process, so it starts in about a
second), builds a chunked array, applies a few activations and their derivatives
without computing anything, then computes them on the cluster and compares with NumPy.
"""

from __future__ import annotations

import numpy as np

import nonlin as nl


def main(rows: int = 64, columns: int = 1_000, chunk: int = 250) -> None:
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    rng = np.random.default_rng(0)
    data = rng.standard_normal((rows, columns)) * 8.0
    # Chunked along both axes, so the row operation below crosses chunk boundaries.
    x = da.from_array(data, chunks=(rows // 2, chunk))

    lazy = {
        "gelu(x)": nl.gelu(x),
        "gelu'(x)": nl.gelu.grad(x),
        "softplus''(x)": nl.softplus.grad2(x),
        "elu+softplus vjp": nl.get("elu+softplus").vjp(x, da.ones_like(x)),
    }
    expected = {
        "gelu(x)": nl.gelu(data),
        "gelu'(x)": nl.gelu.grad(data),
        "softplus''(x)": nl.softplus.grad2(data),
        "elu+softplus vjp": nl.get("elu+softplus").vjp(data, np.ones_like(data)),
    }
    if "softmax" in nl.names():  # a row operation along the chunked axis
        lazy["softmax(x)"] = nl.get("softmax")(x)
        expected["softmax(x)"] = nl.get("softmax")(data)

    print(f"input: {x.shape} in {x.npartitions} chunks; nothing computed yet")
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        results = dict(zip(lazy, client.compute(list(lazy.values()), sync=True)))
    for name, value in results.items():
        reference = expected[name]
        relative = np.abs(value - reference) / np.maximum(np.abs(reference), 1e-300)
        print(f"{name:18s} max relative difference to NumPy {float(np.max(relative)):.1e}")
        np.testing.assert_allclose(value, reference, rtol=1e-13, atol=0)
    print("all results agree with NumPy")


if __name__ == "__main__":
    main()

"""Thread safety: concurrent lookups, parsing (with its cache) and evaluation agree with
serial calls.

Many threads start together (a barrier) and each runs the same work in a different
order; every result must equal the serial one (same objects for cached lookups).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

import nonlin as nl
from nonlin import dialects

THREADS = 8
SPECS = [
    *nl.names(),
    "elu(alpha=0.5)",
    "leakyRelu(0.2)",
    "gelu(approximate='tanh')+tanh",
    "softplus(beta=2)+relu6+sigmoid",
    *list(dialects.ALIASES)[:40],
]


def _together(work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(THREADS)

    def run(index: int) -> Any:
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def _lookup(spec: str) -> Any:
    try:
        return nl.get(spec)
    except nl.NonlinError as error:
        return type(error)


def test_concurrent_lookups_and_parsing_agree_with_serial():
    serial = {spec: _lookup(spec) for spec in SPECS}
    cache_clear = getattr(getattr(nl.registry, "_lookup", None), "cache_clear", None)
    if cache_clear is not None:
        cache_clear()  # make the threads race to fill the cache

    def work(index: int) -> dict[str, Any]:
        order = SPECS[index:] + SPECS[:index]
        return {spec: _lookup(spec) for spec in order for _ in range(3)}

    for found in _together(work):
        assert found == serial
        for spec, act in found.items():
            if isinstance(act, nl.Activation):
                assert str(act) == str(serial[spec])


def test_concurrent_describe_and_names():
    serial = (nl.names(), [nl.describe(name) for name in nl.names()[:10]])
    results = _together(lambda _: (nl.names(), [nl.describe(n) for n in nl.names()[:10]]))
    assert all(result == serial for result in results)


def test_concurrent_evaluation_agrees_with_serial():
    rng = np.random.default_rng(0)
    # An even size: glu halves its axis.
    inputs = [rng.normal(scale=5.0, size=256).astype(dtype) for dtype in ("float32", "float64")]
    acts = [nl.get(name) for name in nl.names()]
    acts = [act for act in acts if not callable(getattr(act, "param_vjp", None))]

    def evaluate(act: nl.Activation, x: np.ndarray) -> list[np.ndarray]:
        if act.elementwise:
            return [act(x), act.grad(x), act.grad2(x), *act.derivatives(x)]
        y = act(x)  # dy is shaped like the output (glu halves its axis)
        return [y, act.vjp(x, y), act.jvp(x, x)]

    serial = [[evaluate(act, x) for x in inputs] for act in acts]

    def work(index: int) -> list[list[list[np.ndarray]]]:
        order = list(range(index, len(acts))) + list(range(index))
        found: list[Any] = [None] * len(acts)
        for i in order:
            found[i] = [evaluate(acts[i], x) for x in inputs]
        return found

    for found in _together(work):
        for act, ours, theirs in zip(acts, found, serial):
            for a_list, b_list in zip(ours, theirs):
                for a, b in zip(a_list, b_list):
                    assert a.dtype == b.dtype
                    assert np.array_equal(a, b, equal_nan=True), act


def test_concurrent_parameter_variants_and_check():
    from nonlin.accuracy import check

    variants = [f"elu(alpha={a})" for a in (0.25, 0.5, 1.5, 2.5)]
    serial = [nl.get(spec) for spec in variants], check(["relu"], dtypes=["float64"])
    results = _together(
        lambda i: ([nl.get(spec) for spec in variants], check(["relu"], dtypes=["float64"]))
    )
    for acts, report in results:
        assert acts == serial[0]
        assert report.to_dict() == serial[1].to_dict()


def test_forked_children_start_worker_threads_that_wait_for_their_own_job():
    # A worker started after fork() used to take the parent's last job for a new one
    # and run it on stale fields: the child crashed in more than half of the forks.
    import os

    import pytest

    from nonlin import engine, kernels

    if not kernels.threaded() or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        pytest.skip("needs the extension's worker threads, fork() and two cores")
    before = engine.get_threads()
    engine.set_threads(2)
    try:
        x = np.random.default_rng(6).standard_normal(300_000).astype(np.float32)
        for _ in range(20):
            expected = nl.tanh(x)  # the parent's workers have just had a job
            pid = os.fork()
            if pid == 0:
                ok = all(np.array_equal(nl.tanh(x), expected) for _ in range(3))
                os._exit(0 if ok else 1)
            _, status = os.waitpid(pid, 0)
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    finally:
        engine.set_threads(before)

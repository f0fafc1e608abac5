"""Helpers that several test modules use: the learnable specs exercised everywhere, the
60-digit reference rounded once, a scalar ulp distance, and the torch-vs-NumPy check of
a family's f, f' and f'' in float32 and float64."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import mpmath
import numpy as np

import nonlin as nl
from nonlin._mpref import REFERENCES

LEARNABLE_SPECS = [
    "prelu",
    "prelu(axis=-1)",
    "prelu(init=-0.5, axis=0)",
    "lgrelu(axis=-1)",
    "lgrelu(learn_gain=False)",
    "maxout:3",
    "maxout(pieces=2, axis=-1)",
    "elu_learnable",
    "elu_learnable(log=True, init_std=0.1, axis=-1)",
    "swish_learnable(axis=-1)",
    "swish_learnable(init=-0.5)",
    "snake(axis=-1)",
    "pau",
    "pau(m=3, n=2, init='tanh', axis=-1)",
]


def exact(spec: str, x: float, order: int = 0) -> float:
    """f, f' or f'' of ``spec`` at ``x`` from the 60-digit reference, rounded once."""
    with mpmath.workdps(60):
        return float(REFERENCES[spec][order](mpmath.mpf(x)))


def ulps(ours: float, truth: float) -> float:
    """|ours - truth| in units of the float64 ulp of ``truth`` (subnormals: the least one)."""
    if math.isinf(truth):
        return 0.0 if ours == truth else math.inf
    unit = math.ulp(max(abs(truth), 2.2250738585072014e-308))
    return abs(float(ours) - truth) / unit


def assert_torch_agrees_with_numpy(specs: Iterable[str]) -> None:
    """torch float64 equals NumPy to 1e-15 and torch float32 to 2e-6 (relative), for f,
    f' and f'' on [-30, 30] and at ±inf, with the output dtype kept."""
    import torch

    x = np.concatenate([np.linspace(-30, 30, 61), [-math.inf, math.inf]])
    for spec in specs:
        act = nl.get(spec)
        for dtype, rtol in ((torch.float64, 1e-15), (torch.float32, 2e-6)):
            t = torch.tensor(x, dtype=dtype)
            for method in (act.fn, act.grad, act.grad2):
                y = method(t)
                assert y.dtype == dtype
                expected = method(x).astype(np.float32 if dtype == torch.float32 else np.float64)
                np.testing.assert_allclose(
                    y.numpy(), expected, rtol=rtol, atol=1e-37, err_msg=f"{spec} {dtype}"
                )


def compute_natively(monkeypatch: Any, xp: Any) -> None:
    """Have nonlin compute ``xp``'s float32 arrays in float32, as it does torch's, JAX's
    and CuPy's, rather than in float64 as for arrays that NumPy computes (array-api-strict
    is NumPy underneath): a strict namespace then runs the native float32 formulas."""
    import nonlin.namespace

    widened = nonlin.namespace.computed_by_numpy
    monkeypatch.setattr(
        nonlin.namespace, "computed_by_numpy", lambda x, ns: ns is not xp and widened(x, ns)
    )


def assert_same_bits(ours: np.ndarray, reference: np.ndarray, x: np.ndarray) -> None:
    """``ours`` equals ``reference`` bit for bit (signed zeros too; any NaN matches any
    NaN), else an error naming a few inputs ``x`` where they differ."""
    assert ours.dtype == reference.dtype and ours.shape == reference.shape
    bits = np.uint32 if ours.dtype == np.float32 else np.uint64
    same = (ours.view(bits) == reference.view(bits)) | (np.isnan(ours) & np.isnan(reference))
    if not same.all():
        where = np.flatnonzero(~same)[:5]
        raise AssertionError(
            f"{(~same).sum()} differences, e.g. x={x[where].tolist()}: got "
            f"{ours[where].tolist()}, expected {reference[where].tolist()}"
        )

"""Shared fixtures: the catalog, parametrized from the registry."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import nonlin as nl
from nonlin import engine, kernels

# CI runs a fixed, derandomized sample so a red build always reproduces; the "long"
# profile (HYPOTHESIS_PROFILE=long) searches far more widely and is for local runs.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile(
    "long",
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Every registered activation at its defaults, in catalog order.
CATALOG = [nl.get(name) for name in nl.names()]
ELEMENTWISE = [act for act in CATALOG if act.elementwise]


def points_away_from_kinks(act: nl.Activation, n: int = 41, gap: float = 1e-3) -> np.ndarray:
    """A grid on [-6, 6] that keeps ``gap`` away from every declared kink."""
    x = np.linspace(-6.0, 6.0, n)
    for kink in act.kinks:
        x = x[np.abs(x - kink) > gap]
    return x


@pytest.fixture(params=[1, 2], ids=["1-thread", "2-threads"])
def threads(request: pytest.FixtureRequest) -> object:
    """Large NumPy evaluations on 1, then 2 threads (the engine's pool)."""
    before = engine.get_threads()
    engine.set_threads(request.param)
    yield request.param
    engine.set_threads(before)


@pytest.fixture(params=CATALOG, ids=str)
def act(request: pytest.FixtureRequest) -> nl.Activation:
    return request.param


def _builds() -> list[str]:
    """The compiled builds this machine can run: the baseline loops, and the AVX2 + FMA
    ones where setup.py built them and the CPU has them (the one in use by default)."""
    if not kernels.available():
        return ["none"]
    from nonlin import _kernels  # type: ignore[attr-defined]

    default = _kernels.build()
    return [default] if default == "baseline" else [default, "baseline"]


@pytest.fixture(params=_builds())
def build(request: pytest.FixtureRequest) -> object:
    """Each compiled build in turn (the test skips where the extension is not built)."""
    if request.param == "none":
        pytest.skip("the compiled extension is not built")
    from nonlin import _kernels  # type: ignore[attr-defined]

    default = _kernels.build()
    _kernels.build(request.param)
    yield request.param
    _kernels.build(default)

"""The examples run: each is imported by path and its entry point called briefly."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_numpy_mlp_learns_two_spirals():
    pytest.importorskip("nonlin.layers", reason="nonlin.layers is not written yet")
    result = load("numpy_mlp").train(epochs=100)
    losses = result["losses"]
    assert losses[-1] < 0.5 * losses[0], losses[::10]
    assert result["accuracy"] > 0.9
    assert (result["slopes"] != 0.25).any()  # the prelu slopes were trained

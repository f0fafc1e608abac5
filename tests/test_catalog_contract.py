"""The contract every registered activation keeps (design.md, sections 1 and 3).

Canonical text round-trips; value semantics (hash, eq, pickle); the docstring carries
the three formula lines and a References section; traits are declared and true on a
grid (range, monotonicity, symmetry); a module-level default instance exists;
parameters reject NaN; +-inf input gives the limit, not NaN.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

import nonlin as nl
from nonlin.registry import describe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import CATALOG
from mpref import REFERENCES

BUILTIN = [act for act in CATALOG if type(act).__module__.startswith("nonlin.")]
# Defaults plus the non-default parameter settings the references use.
VARIANTS = [str(act) for act in BUILTIN] + [s for s in REFERENCES if s not in map(str, BUILTIN)]


def _elementwise(spec: str) -> bool:
    try:
        return nl.get(spec).elementwise
    except Exception:  # unresolvable: keep it, so that its tests fail and say why
        return True


ELEMENTWISE_VARIANTS = [spec for spec in VARIANTS if _elementwise(spec)]


def _grid() -> np.ndarray:
    tails = np.geomspace(1e-6, 1e300, 40)
    return np.sort(np.concatenate([np.linspace(-20.0, 20.0, 401), tails, -tails]))


def _sample(act: nl.Activation) -> np.ndarray:
    """Input for any activation: 1-D grid for elementwise ones, rows otherwise."""
    if act.elementwise:
        return _grid()
    return np.random.default_rng(0).normal(scale=3.0, size=(4, 16))


# --------------------------------------------------------------------------- text and identity


@pytest.mark.parametrize("spec", VARIANTS)
def test_canonical_text_round_trips(spec):
    act = nl.get(spec)
    assert str(act) == spec, f"{spec!r} is not canonical: str(nl.get(spec)) == {str(act)!r}"
    assert nl.get(str(act)) == act
    assert repr(act) == str(act)


@pytest.mark.parametrize("spec", VARIANTS)
def test_value_semantics(spec):
    act = nl.get(spec)
    twin = nl.get(spec)
    assert act == twin and hash(act) == hash(twin)
    restored = pickle.loads(pickle.dumps(act))
    assert restored == act and hash(restored) == hash(act) and type(restored) is type(act)
    with pytest.raises(dataclasses.FrozenInstanceError):
        act.name_of_nothing = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("act", BUILTIN, ids=str)
def test_module_level_instance_exists(act):
    attribute = act.name.replace(":", "_").replace("-", "_")
    instance = getattr(nl, attribute, None)
    assert isinstance(instance, nl.Activation), f"nonlin has no instance {attribute!r}"
    assert instance == act
    assert attribute in nl.__all__
    assert type(act).__name__ in nl.__all__ and getattr(nl, type(act).__name__) is type(act)


# --------------------------------------------------------------------------- documentation


def test_describe_stays_the_function_after_a_call():
    # nonlin/describe.py is also a submodule name: importing it must not replace
    # the public function nl.describe with the module.
    nl.get("elu")
    describe(BUILTIN[0].name)
    assert callable(nl.describe), f"nl.describe is {nl.describe!r}"


@pytest.mark.parametrize("act", BUILTIN, ids=str)
def test_docstring_has_formulas_and_a_reference(act):
    described = describe(act.name)
    formulas = described["formulas"]
    if act.elementwise:
        assert {"f", "f'", "f''"} <= set(formulas), f"formula lines found: {sorted(formulas)}"
    else:
        assert "f" in formulas, f"formula lines found: {sorted(formulas)}"
    assert all(text.strip() for text in formulas.values())
    assert described["reference"], "no References section"
    assert described["summary"].strip()
    assert not described["numeric_derivatives"], "built-ins need closed-form derivatives"
    documented = {item["name"]: item["doc"] for item in described["parameters"]}
    undocumented = [name for name, doc in documented.items() if not doc]
    assert not undocumented, f"parameters missing from the docstring: {undocumented}"


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("act", BUILTIN, ids=str)
def test_float_parameters_reject_nan(act):
    specs = type(act).parameter_specs()
    floats = [name for name, spec in specs.items() if spec.kind is float and not spec.choices]
    for name in floats:
        with pytest.raises(nl.ParameterError, match=name):
            type(act)(**{name: math.nan})


# --------------------------------------------------------------------------- traits


@pytest.mark.parametrize("spec", VARIANTS)
def test_traits_are_declared_and_sane(spec):
    act = nl.get(spec)
    traits = act.traits()
    assert traits is not None
    low, high = traits.range
    assert not (math.isnan(low) or math.isnan(high)) and low <= high
    assert traits.symmetry in (None, "odd", "even")
    assert traits.smoothness == -1 or traits.smoothness >= 0
    if act.elementwise:
        kinks = tuple(act.kinks)
        assert all(math.isfinite(k) for k in kinks) and list(kinks) == sorted(set(kinks))
        if traits.smoothness == math.inf:
            assert not kinks, "an analytic function has no kinks"


@pytest.mark.parametrize("spec", VARIANTS)
def test_output_stays_in_the_declared_range(spec):
    act = nl.get(spec)
    low, high = act.traits().range
    y = act(_sample(act))
    assert not np.isnan(y).any()
    outside = (y < low) | (y > high)
    assert not outside.any(), f"outside {act.traits().range}: {y[outside][:5]}"


@pytest.mark.parametrize("spec", ELEMENTWISE_VARIANTS)
def test_monotonic_and_symmetric_where_declared(spec):
    act = nl.get(spec)
    traits = act.traits()
    x = _grid()
    y = act(x)
    with np.errstate(invalid="ignore"):
        steps = np.diff(y)
    steps = steps[~np.isnan(steps)]  # inf - inf: two equal infinities
    if traits.monotonic:
        assert (steps >= 0).all() or (steps <= 0).all(), "declared monotonic, but is not"
    if traits.symmetry is not None:
        mirrored = act(-x)
        expected = -y if traits.symmetry == "odd" else y
        np.testing.assert_allclose(mirrored, expected, rtol=4 * np.finfo(float).eps, atol=0)


@pytest.mark.parametrize("spec", ELEMENTWISE_VARIANTS)
def test_infinite_input_gives_the_limit(spec):
    act = nl.get(spec)
    traits = act.traits()
    x = np.array([-np.inf, np.inf])
    for name, method in (("f", act.fn), ("f'", act.grad), ("f''", act.grad2)):
        value = method(x)
        assert not np.isnan(value).any(), f"{name}(+-inf) = {value}"
    y = act(x)
    low, high = traits.range
    assert ((y >= low) & (y <= high)).all(), f"f(+-inf) = {y} outside {traits.range}"
    # A monotonic function reaches its range at the ends (the range is tight).
    if traits.monotonic:
        assert sorted(y.tolist()) == [low, high], f"f(+-inf) = {y}, range {traits.range}"
    # Far out (but not at a kink), the value approaches the limit.
    far_x = next(v for v in (1e300, 3e301, 1e305) if v not in act.kinks and -v not in act.kinks)
    far = act(np.array([-far_x, far_x]))
    close = np.isclose(far, y, rtol=1e-12, atol=1e-300)
    close |= np.isinf(y) & (np.sign(far) == np.sign(y))
    assert close.all(), f"f(+-{far_x:g}) = {far}, f(+-inf) = {y}"

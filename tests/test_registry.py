"""Looking activations up: nl.get, nl.names, nl.describe, aliases, caching, threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nonlin as nl
from nonlin import dialects
from nonlin.activation import normalize_name, registered_classes
from nonlin.errors import SpecError, UnknownActivationError
from nonlin.spec import parse

BUILTIN_NAMES = [
    cls.name for cls in registered_classes().values() if cls.__module__.startswith("nonlin.")
]


def require(*names: str) -> None:
    """Skip when an activation this test needs is not registered (yet)."""
    missing = [name for name in names if normalize_name(name) not in registered_classes()]
    if missing:
        pytest.skip(f"not registered: {', '.join(missing)}")


# --------------------------------------------------------------------------- nl.get


def test_get_a_string():
    act = nl.get("elu(alpha=0.5)")
    assert isinstance(act, nl.ELU)
    assert act.alpha == 0.5


def test_get_an_activation_returns_it_unchanged():
    act = nl.ELU(alpha=0.5)
    assert nl.get(act) is act
    chained = nl.get("elu+tanh")
    assert nl.get(chained) is chained


def test_get_a_class_instantiates_its_defaults():
    assert nl.get(nl.ELU) == nl.elu
    assert nl.get(nl.LeakyReLU) == nl.get("leaky_relu")


def test_get_none_is_linear_as_in_keras():
    act = nl.get(None)
    assert str(act) == "linear"
    x = np.array([-2.0, 0.0, 3.5])
    np.testing.assert_array_equal(act(x), x)


def test_get_a_callable_wraps_it():
    act = nl.get(np.tanh)
    x = np.array([-1.0, 0.25, 2.0])
    np.testing.assert_array_equal(act(x), np.tanh(x))
    np.testing.assert_allclose(act.grad(x), 1 / np.cosh(x) ** 2, rtol=1e-8)
    assert act.has_numeric_derivatives()
    assert str(act) == "tanh"  # its name; it round-trips only once registered


def test_get_rejects_objects_that_are_not_activations():
    for bad in (3, 2.5, ["relu"], {"name": "relu"}, b"relu"):
        with pytest.raises(TypeError, match="cannot make an activation"):
            nl.get(bad)


def test_names_are_case_underscore_and_dash_insensitive():
    require("leaky_relu")
    spellings = ["leaky_relu", "leakyRelu", "LeakyReLU", "leaky-relu", "LEAKY_RELU", "Leaky__Relu"]
    assert {nl.get(name) for name in spellings} == {nl.get("leaky_relu")}


def test_a_name_with_a_colon_also_resolves_written_as_a_python_name():
    require("norm:z")
    assert nl.get("norm_z") == nl.get("norm:z") == nl.get("Norm:Z") == nl.get("norm : z")


def test_composition_applies_left_to_right():
    act = nl.get("tanh+exponential")
    x = np.array([-1.0, 0.5])
    np.testing.assert_allclose(act(x), np.exp(np.tanh(x)), rtol=1e-15)
    reverse = nl.get("exponential+tanh")
    np.testing.assert_allclose(reverse(x), np.tanh(np.exp(x)), rtol=1e-15)
    assert [str(stage) for stage in act.iter_stages()] == ["tanh", "exponential"]


def test_keyword_parameters_may_use_other_libraries_spellings():
    assert nl.get("relu(alpha=0.1)") == nl.get("relu(negative_slope=0.1)")
    assert nl.get("selu(scale_neg=1.0)").alpha == 1.0
    assert nl.get("LeakyRectify(leakiness=0.2)").negative_slope == 0.2


def test_positional_parameters_fill_declared_order():
    act = nl.get("relu(0.1, 6, 0.5)")
    assert (act.negative_slope, act.max_value, act.threshold) == (0.1, 6.0, 0.5)


# --------------------------------------------------------------------------- nl.names


def test_names_are_canonical_unique_and_printable():
    found = nl.names()
    assert len(found) == len(set(found))
    assert {"elu", "relu", "sigmoid", "tanh", "gelu"} <= set(found)
    for name in found:
        assert str(nl.get(name)) == name
        assert nl.get(name).name == name
        assert name == name.lower()


def test_names_follow_registration_order():
    assert nl.names() == [cls.name for cls in registered_classes().values()]


# --------------------------------------------------------------------------- nl.describe


def test_describe_elu():
    info = nl.describe("elu")
    assert info["name"] == "elu"
    assert info["spec"] == "elu"
    assert info["class"] == "ELU"
    assert info["summary"].startswith("Exponential linear unit")
    assert set(info["formulas"]) == {"f", "f'", "f''"}
    assert "alpha" in info["formulas"]["f"]
    (alpha,) = info["parameters"]
    assert alpha["name"] == "alpha"
    assert alpha["default"] == 1.0
    assert alpha["value"] == 1.0
    assert "> 0" in alpha["constraint"]
    assert alpha["doc"]
    assert info["elementwise"] is True
    assert info["kinks"] == [0.0]
    assert info["range"] == [-1.0, "inf"]
    assert info["properties"]["monotonic"] is True
    assert info["numeric_derivatives"] is False
    assert "elu" in info["dialects"]["lasagne"]
    assert "ELU" in info["dialects"]["keras2"]
    assert "Clevert" in info["reference"]


def test_describe_a_parametrised_spec_reports_the_values():
    info = nl.describe("elu(alpha=0.5)")
    assert info["spec"] == "elu(alpha=0.5)"
    assert info["parameters"][0]["value"] == 0.5
    assert info["parameters"][0]["default"] == 1.0


def test_describe_lists_aliases_and_dialect_names():
    relu = nl.describe("relu")
    assert {"rectify", "rect:max"} <= set(relu["aliases"])
    assert "rectify" in relu["dialects"]["lasagne"]
    assert "ReLU" in relu["dialects"]["numpy_ml"]
    require("hard_sigmoid_v3")
    v3 = nl.describe("hard_sigmoid_v3")
    assert {"hardsigmoid", "Hardsigmoid"} <= set(v3["dialects"]["torch"])
    assert "hard_sigmoid" in v3["dialects"]["keras"]


def test_describe_accepts_a_dialect():
    info = nl.describe("LeakyReLU", dialect="keras2")
    assert info["spec"] == "leaky_relu(negative_slope=0.3)"


def test_describe_is_strict_json():
    import json

    for name in nl.names():
        json.dumps(nl.describe(name), allow_nan=False)
    info = nl.describe("relu")
    max_value = next(p for p in info["parameters"] if p["name"] == "max_value")
    assert max_value["default"] == "inf"


def test_describe_leaves_the_package_function_in_place():
    nl.describe("elu")
    assert callable(nl.describe)  # importing nonlin.describe must not shadow it


# --------------------------------------------------------------------------- alias tables


def _table_entries():
    yield from ((None, name, target) for name, target in dialects.ALIASES.items())
    for dialect, table in dialects.DIALECTS.items():
        yield from ((dialect, name, target) for name, target in table.items())


@pytest.mark.parametrize(
    ("dialect", "name", "target"), list(_table_entries()), ids=lambda v: str(v)
)
def test_every_table_entry_resolves_to_a_registered_class(dialect, name, target):
    (term,) = parse(target).terms
    require(term.name)
    cls = registered_classes()[normalize_name(term.name)]
    act = nl.get(name, dialect=dialect)
    assert type(act) is cls
    assert act == nl.get(target)
    assert nl.get(str(act)) == act


def test_table_targets_are_canonical_names():
    for _, _, target in _table_entries():
        (term,) = parse(target).terms
        assert term.name == term.name.lower()
        assert "-" not in term.name


def test_aliases_are_not_already_canonical_names():
    canonical = {normalize_name(name) for name in nl.names()}
    for name in dialects.ALIASES:
        assert normalize_name(name) not in canonical, name


def test_aliases_do_not_collide_when_normalised():
    keys = [normalize_name(name) for name in dialects.ALIASES]
    assert len(keys) == len(set(keys))


# --------------------------------------------------------------------------- round trips

SPELLINGS = st.sampled_from(BUILTIN_NAMES + list(dialects.ALIASES))


def _respell(name: str, style: int) -> str:
    if style == 1:
        return name.upper()
    if style == 2:
        return name.replace("_", "-")
    if style == 3:
        return "".join(part.capitalize() for part in name.split("_"))
    return name


@settings(max_examples=150, deadline=2000)
@given(st.lists(st.tuples(SPELLINGS, st.integers(0, 3)), min_size=1, max_size=5), st.booleans())
def test_random_compositions_round_trip_through_their_canonical_string(parts, spaced):
    try:
        [nl.get(name) for name, _ in parts]
    except UnknownActivationError:  # an alias whose target is not registered yet
        return
    source = (" + " if spaced else "+").join(_respell(name, style) for name, style in parts)
    act = nl.get(source)
    text = str(act)
    assert nl.get(text) == act
    assert str(nl.get(text)) == text
    assert len(list(act.iter_stages())) == len(parts)
    assert text == "+".join(str(nl.get(name)) for name, _ in parts)


def test_chain_of_chains_flattens_and_round_trips():
    act = nl.get("elu+tanh") + nl.get("sigmoid+elu(alpha=0.5)")
    assert str(act) == "elu+tanh+sigmoid+elu(alpha=0.5)"
    assert nl.get(str(act)) == act
    assert "relu" + nl.get("tanh") == nl.get("relu+tanh")


# --------------------------------------------------------------------------- caching


def test_lookups_are_cached():
    assert nl.get("elu(alpha=0.75)+tanh") is nl.get("elu(alpha=0.75)+tanh")
    assert nl.get("LeakyReLU", dialect="keras2") is nl.get("LeakyReLU", dialect="keras2")
    assert nl.get(None) is nl.get(None)


def test_dialects_are_separate_cache_entries():
    assert nl.get("LeakyReLU").negative_slope == 0.01
    assert nl.get("LeakyReLU", dialect="keras2").negative_slope == 0.3
    assert nl.get("LeakyReLU").negative_slope == 0.01


def test_errors_are_not_cached_as_results():
    for _ in range(2):
        with pytest.raises(UnknownActivationError):
            nl.get("no_such_activation_xyz")


# --------------------------------------------------------------------------- threads


def test_many_threads_looking_up_at_once_get_the_same_objects():
    specs = [f"elu(alpha={k / 64})+tanh" for k in range(1, 40)]
    specs += [name.upper() for name in BUILTIN_NAMES]
    specs += [f"leaky_relu({k / 1000})+{BUILTIN_NAMES[k % len(BUILTIN_NAMES)]}" for k in range(40)]
    barrier = threading.Barrier(8)

    def work(seed: int) -> list[tuple[int, str]]:
        barrier.wait()
        order = specs[seed:] + specs[:seed]
        found = {spec: nl.get(spec) for spec in order}
        found_dialect = {spec: nl.get(spec, dialect="torch") for spec in reversed(order)}
        parsed = {spec: parse(spec) for spec in order}
        assert all(parsed[spec].source == spec for spec in order)
        return [(id(found[s]), f"{found[s]}|{found_dialect[s]}") for s in specs]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    assert all(result == results[0] for result in results)


def test_many_threads_get_the_same_errors():
    barrier = threading.Barrier(6)

    def work(_: int) -> str:
        barrier.wait()
        try:
            nl.get("eluu(alpha=0.5)+norm:z")
        except SpecError as error:
            return str(error)
        return "no error"

    with ThreadPoolExecutor(max_workers=6) as pool:
        messages = set(pool.map(work, range(6)))
    assert len(messages) == 1
    assert "unknown activation 'eluu'" in messages.pop()

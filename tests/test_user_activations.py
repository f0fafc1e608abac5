"""User activations: subclassing (theanets), nl.register, plain callables (Keras)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pytest

import nonlin as nl
from nonlin.activation import param, registered_classes
from nonlin.errors import ParameterError, SpecError


@pytest.fixture(autouse=True)
def restore_registry() -> Iterator[None]:
    """Each test's registrations are undone afterwards, so tests stay independent."""
    classes = cast(dict[str, Any], registered_classes())
    saved = dict(classes)
    yield
    classes.clear()
    classes.update(saved)


X = np.array([-3.0, -0.5, 0.5, 2.0, 4.0])


# --------------------------------------------------------------------------- subclassing


def test_a_subclass_registers_under_its_lowercase_class_name():
    # theanets' documented example, with __call__ written as fn.
    class ThresholdedLinear(nl.Activation):
        def fn(self, x):
            return x * (x > 1)

    assert "thresholdedlinear" in nl.names()
    act = nl.get("thresholdedlinear")
    assert isinstance(act, ThresholdedLinear)
    assert nl.get("ThresholdedLinear") == act == nl.get("thresholded_linear")
    assert str(act) == "thresholdedlinear"
    np.testing.assert_array_equal(act(X), X * (X > 1))


def test_without_grad_and_grad2_derivatives_are_numerical_and_described_so():
    class ThresholdedLinear(nl.Activation):
        def fn(self, x):
            return x * (x > 1)

    act = nl.get("thresholdedlinear")
    np.testing.assert_allclose(act.grad(X), [0.0, 0.0, 0.0, 1.0, 1.0], atol=1e-8)
    np.testing.assert_allclose(act.grad2(X), np.zeros(5), atol=1e-6)
    assert act.has_numeric_derivatives()
    info = nl.describe("thresholdedlinear")
    assert info["numeric_derivatives"] is True
    assert info["name"] == "thresholdedlinear"
    assert info["class"] == "ThresholdedLinear"


def test_numerical_derivatives_of_a_smooth_user_function_are_accurate():
    class Cubic(nl.Activation):
        def fn(self, x):
            return x**3 - x

    act = nl.get("cubic")
    np.testing.assert_allclose(act.grad(X), 3 * X**2 - 1, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(act.grad2(X), 6 * X, rtol=1e-5, atol=1e-5)
    f, df, d2f = act.derivatives(X)
    np.testing.assert_array_equal(f, X**3 - X)
    np.testing.assert_array_equal(df, act.grad(X))
    np.testing.assert_array_equal(d2f, act.grad2(X))


def test_grad_given_grad2_numerical():
    class Softish(nl.Activation):
        """x / (1 + |x|), with an analytic first derivative."""

        def fn(self, x):
            return x / (1 + np.abs(x))

        def grad(self, x):
            return 1 / (1 + np.abs(x)) ** 2

    act = nl.get("softish")
    np.testing.assert_array_equal(act.grad(X), 1 / (1 + np.abs(X)) ** 2)
    np.testing.assert_allclose(
        act.grad2(X), -2 * np.sign(X) / (1 + np.abs(X)) ** 3, rtol=1e-5, atol=1e-7
    )
    assert act.has_numeric_derivatives()
    assert nl.describe("softish")["summary"] == "x / (1 + |x|), with an analytic first derivative."


def test_grad_and_grad2_given_are_used_and_not_numerical():
    class Square(nl.Activation):
        def fn(self, x):
            return x * x

        def grad(self, x):
            return 2 * x

        def grad2(self, x):
            return np.full_like(x, 2.0)

    act = nl.get("square")
    assert not act.has_numeric_derivatives()
    assert nl.describe("square")["numeric_derivatives"] is False
    np.testing.assert_array_equal(act.grad(X), 2 * X)
    np.testing.assert_array_equal(act.grad2(X), np.full(5, 2.0))


def test_user_activations_get_the_same_input_handling():
    class Doubler(nl.Activation):
        def fn(self, x):
            return 2 * x

    act = nl.get("doubler")
    assert act(np.float32([1.5])).dtype == np.float32
    assert act([1, 2]).dtype == np.float64
    with pytest.raises(nl.InputTypeError):
        act(np.array(["a"]))


def test_user_activations_compose_with_built_ins():
    class Doubler(nl.Activation):
        def fn(self, x):
            return 2 * x

        def grad(self, x):
            return np.full_like(x, 2.0)

        def grad2(self, x):
            return np.zeros_like(x)

    act = nl.get("doubler+tanh")
    np.testing.assert_allclose(act(X), np.tanh(2 * X), rtol=1e-15)
    np.testing.assert_allclose(act.grad(X), 2 / np.cosh(2 * X) ** 2, rtol=1e-12)
    assert str(act) == "doubler+tanh"
    assert nl.get(str(act)) == act


def test_user_activations_are_values():
    class Doubler(nl.Activation):
        def fn(self, x):
            return 2 * x

    assert Doubler() == Doubler()
    assert hash(Doubler()) == hash(Doubler())
    assert nl.get(Doubler) == Doubler()


def test_registering_again_under_the_same_name_replaces_and_lookups_follow():
    class Shifted(nl.Activation):
        def fn(self, x):
            return x + 1

    first = nl.get("shifted")
    np.testing.assert_array_equal(first([0.0]), [1.0])

    class Shifted(nl.Activation):  # type: ignore[no-redef]  # noqa: F811  (a cell run again)
        def fn(self, x):
            return x + 2

    second = nl.get("shifted")
    assert type(second) is not type(first)
    np.testing.assert_array_equal(second([0.0]), [2.0])
    assert nl.get("shifted+relu").stages[0] == second


# --------------------------------------------------------------------------- nl.register


def test_register_a_plain_function():
    def softclip(x):
        """log(1 + e^x) - log(1 + e^(x - 1))."""
        return np.logaddexp(0, x) - np.logaddexp(0, x - 1)

    cls = nl.register(softclip)
    assert issubclass(cls, nl.Activation)
    assert "softclip" in nl.names()
    act = nl.get("softclip")
    assert isinstance(act, cls)
    assert nl.get(softclip) == act  # the function itself now finds its registration
    assert str(act) == "softclip"
    assert nl.get(str(act)) == act
    expected = np.logaddexp(0, X) - np.logaddexp(0, X - 1)
    np.testing.assert_allclose(act(X), expected, rtol=1e-15)
    sigmoid = 1 / (1 + np.exp(-X))
    shifted = 1 / (1 + np.exp(-(X - 1)))
    np.testing.assert_allclose(act.grad(X), sigmoid - shifted, rtol=1e-7)
    info = nl.describe("softclip")
    assert info["numeric_derivatives"] is True
    assert info["summary"].startswith("log(1 + e^x)")


def test_register_a_class_with_analytic_derivatives_under_a_chosen_name():
    @nl.register("scaled_identity")
    class ScaledIdentity(nl.Activation):
        """a * x."""

        a: float = param(2.0, gt=0.0)

        def _f(self, x, xp):
            return self.a * x

        def _df(self, x, xp):
            return self.a * xp.ones_like(x)

        def _d2f(self, x, xp):
            return xp.zeros_like(x)

    assert "scaled_identity" in nl.names()
    assert "scaledidentity" not in nl.names()  # the chosen name replaced the class name
    act = nl.get("scaled_identity(a=3)")
    assert isinstance(act, ScaledIdentity)
    assert str(act) == "scaled_identity(a=3.0)"
    assert nl.get("ScaledIdentity") == ScaledIdentity()
    np.testing.assert_array_equal(act(X), 3 * X)
    np.testing.assert_array_equal(act.grad(X), np.full(5, 3.0))
    assert not act.has_numeric_derivatives()
    info = nl.describe("scaled_identity")
    assert info["numeric_derivatives"] is False
    assert info["parameters"][0]["name"] == "a"
    assert info["parameters"][0]["default"] == 2.0
    with pytest.raises(ParameterError, match="parameter 'a' is -1"):
        ScaledIdentity(a=-1)
    with pytest.raises(SpecError, match="parameter 'a' is -1"):
        nl.get("scaled_identity(a=-1)")
    with pytest.raises(SpecError, match="did you mean 'a'"):
        nl.get("scaled_identity(aa=1)")


def test_register_a_user_dataclass_written_like_the_built_ins():
    @nl.register("halved")
    @dataclass(frozen=True, repr=False)
    class Halved(nl.Activation):
        scale: float = param(0.5, gt=0.0)

        def _f(self, x, xp):
            return self.scale * x

    assert nl.get("halved(scale=0.25)").scale == 0.25


def test_registering_over_a_built_in_name_raises():
    with pytest.raises(ValueError, match="'elu' is already taken by built-in ELU"):

        class ELU(nl.Activation):
            def fn(self, x):
                return x

    assert nl.get("elu") == nl.elu

    class Other(nl.Activation):
        def fn(self, x):
            return x

    with pytest.raises(ValueError, match="already taken by built-in"):
        nl.register("relu")(Other)
    with pytest.raises(ValueError, match="already taken by built-in"):
        nl.register("Leaky-ReLU")(Other)  # the same name once normalised

    def tanh(x):
        return x

    with pytest.raises(ValueError, match="already taken by built-in"):
        nl.register(tanh)
    assert nl.get("tanh") == nl.tanh


def test_register_rejects_what_is_not_an_activation():
    with pytest.raises(TypeError, match="register\\(\\) takes Activation subclasses"):
        nl.register("thing")(int)


# --------------------------------------------------------------------------- plain callables


def test_a_plain_callable_is_accepted_keras_style():
    act = nl.get(np.tanh)
    np.testing.assert_array_equal(act(X), np.tanh(X))
    np.testing.assert_allclose(act.grad(X), 1 / np.cosh(X) ** 2, rtol=1e-8)
    assert act.elementwise
    assert act.has_numeric_derivatives()
    assert nl.describe(np.tanh)["numeric_derivatives"] is True


def test_a_lambda_is_accepted_by_get():
    act = nl.get(lambda x: 3 * x)
    np.testing.assert_array_equal(act(X), 3 * X)
    np.testing.assert_allclose(act.grad(X), np.full(5, 3.0), rtol=1e-8)
    np.testing.assert_allclose(act.grad2(X), np.zeros(5), atol=1e-5)


def test_a_callable_composes_with_built_ins():
    act = nl.get(np.sin) + "relu"
    np.testing.assert_array_equal(act(X), np.maximum(np.sin(X), 0))
    assert act.elementwise


def test_the_same_callable_gives_equal_activations():
    assert nl.get(np.tanh) == nl.get(np.tanh)
    assert hash(nl.get(np.tanh)) == hash(nl.get(np.tanh))


def test_a_user_class_cannot_take_a_seed_spelling():
    # "rectify" is Lasagne's name for relu; a user class must not hide it.
    with pytest.raises(ValueError, match="'rectify' is already an alias of built-in 'relu'"):

        class Rectify(nl.Activation):
            def fn(self, x):
                return x

    assert isinstance(nl.get("rectify"), nl.ReLU)

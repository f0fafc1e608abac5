"""nonlin.layers.Activation: PuzzleLib's layer (forward, backward, slc, inplace, name)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin as nl
from nonlin.errors import InputError, InputTypeError
from nonlin.layers import Activation

X = np.array([[-3.0, -0.5, 0.0, 0.5], [1.0, 2.0, -40.0, 40.0]])
DY = np.array([[1.0, -2.0, 0.5, 3.0], [0.25, -1.0, 2.0, 1.5]])
SLICES = [
    slice(0, 8),
    slice(1, 6),
    slice(None, None, 3),
    slice(6, 1, -2),
    slice(5, 5),
    slice(-3, None),
]


def expected_forward(act: nl.Activation, x: np.ndarray, slc: slice | None) -> np.ndarray:
    flat = x.astype(np.float64).reshape(-1)
    if slc is not None:
        flat[slc] = act(flat[slc])
        return flat.reshape(x.shape)
    return act(x)


def expected_backward(act: nl.Activation, x: np.ndarray, dy: np.ndarray, slc: slice | None):
    if slc is None:
        return act.vjp(x, dy)
    flat, grad = x.reshape(-1), dy.astype(np.float64).reshape(-1)
    grad[slc] = act.vjp(flat[slc], dy.reshape(-1)[slc])
    return grad.reshape(x.shape)


@pytest.mark.parametrize("slc", [None, *SLICES], ids=repr)
@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("spec", ["relu", "leakyRelu", "elu", "softPlus", "gelu+tanh"])
def test_forward_and_backward_on_a_slice_of_the_flattened_array(spec, inplace, slc) -> None:
    layer = Activation(spec, slc=slc, inplace=inplace, name="act1")
    x, dy = X.copy(), DY.copy()
    y = layer.forward(x)
    np.testing.assert_array_equal(y, expected_forward(layer.act, X, slc))
    assert (y is x) == inplace and np.shares_memory(y, x) == inplace
    grad = layer.backward(dy)
    np.testing.assert_array_equal(grad, expected_backward(layer.act, X, DY, slc))
    assert (grad is dy) == inplace
    assert layer.data is y and layer.grad is grad and layer.name == "act1"
    if not inplace:  # the inputs are untouched
        np.testing.assert_array_equal(x, X)
        np.testing.assert_array_equal(dy, DY)


def test_outside_the_slice_values_and_gradients_pass_through() -> None:
    layer = Activation("sigmoid", slc=slice(0, 3))
    y = layer(X)
    np.testing.assert_array_equal(y.reshape(-1)[3:], X.reshape(-1)[3:])
    grad = layer.backward(DY)
    np.testing.assert_array_equal(grad.reshape(-1)[3:], DY.reshape(-1)[3:])


def test_backward_is_exact_after_an_in_place_forward() -> None:
    # The input is overwritten, so the layer keeps its own copy: sigmoid'(40) is still
    # 4.25e-18, not the 0 that a derivative computed from the output would give.
    layer = Activation("sigmoid", inplace=True)
    x = np.array([40.0, -40.0])
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(np.ones(2)), nl.sigmoid.grad([40.0, -40.0]))


def test_float32_stays_float32_and_integers_become_float64() -> None:
    layer = Activation("elu", slc=slice(0, 2))
    assert layer.forward(X.astype(np.float32)).dtype == np.float32
    y = layer.forward(np.array([-1, 0, 3]))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [nl.elu([-1.0])[0], 0.0, 3.0])


def test_integer_or_read_only_input_is_not_written_in_place() -> None:
    layer = Activation("relu", inplace=True)
    ints = np.array([-2, 0, 3])
    with pytest.raises(InputTypeError, match="int"):
        layer.forward(ints)
    np.testing.assert_array_equal(ints, [-2, 0, 3])
    frozen = X.copy()
    frozen.flags.writeable = False
    with pytest.raises(InputError, match="read-only"):
        layer.forward(frozen)
    np.testing.assert_array_equal(frozen, X)


def test_backward_needs_a_forward_and_a_matching_shape() -> None:
    layer = Activation("relu")
    with pytest.raises(RuntimeError, match="forward"):
        layer.backward(DY)
    layer.forward(X)
    with pytest.raises(InputError, match="shape"):
        layer.backward(DY[:1])


def test_bad_arguments_are_explained() -> None:
    with pytest.raises(TypeError, match="slice"):
        Activation("relu", slc=(0, 3))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="step"):
        Activation("relu", slc=slice(0, 3, 0))
    if "softmax" in nl.names():
        with pytest.raises(ValueError, match="pointwise"):
            Activation("softmax", slc=slice(0, 3))
    with pytest.raises(nl.UnknownActivationError):
        Activation("relux")
    assert repr(Activation("relu", slc=slice(0, 2))) == (
        "Activation('relu', slc=slice(0, 2, None), inplace=False, name=None)"
    )


def test_row_operation_without_slice() -> None:
    if "softmax" not in nl.names():
        pytest.skip("the normalizing family is not registered yet")
    layer = Activation("softmax")
    np.testing.assert_array_equal(layer.forward(X), nl.get("softmax")(X))
    np.testing.assert_array_equal(layer.backward(DY), nl.get("softmax").vjp(X, DY))


def test_learnable_activation_is_owned_and_gives_parameter_gradients() -> None:
    layer = Activation("prelu")
    assert layer.act is not nl.get("prelu")
    layer.forward(X)
    layer.backward(DY)
    np.testing.assert_allclose(layer.param_grads["slope"], layer.act.param_vjp(X, DY)["slope"])


@pytest.mark.parametrize("slc", [None, slice(1, 6), slice(6, 1, -2)], ids=repr)
def test_other_libraries(slc: slice | None) -> None:
    torch = pytest.importorskip("torch")
    jnp = pytest.importorskip("jax.numpy")
    expected = expected_forward(nl.gelu, X, slc)
    expected_grad = expected_backward(nl.gelu, X, DY, slc)
    layer = Activation("gelu", slc=slc)
    t = torch.from_numpy(X.copy())
    np.testing.assert_array_equal(layer.forward(t).numpy(), expected)
    np.testing.assert_array_equal(layer.backward(torch.from_numpy(DY)).numpy(), expected_grad)
    inplace = Activation("gelu", slc=slc, inplace=True)
    assert inplace.forward(t) is t
    np.testing.assert_array_equal(t.numpy(), expected)
    j = jnp.asarray(X, dtype=jnp.float32)
    np.testing.assert_allclose(np.asarray(layer.forward(j)), expected, rtol=1e-6, atol=1e-7)
    with pytest.raises(InputError, match="immutable"):
        inplace.forward(j)

"""nonlin.keras on the jax and torch backends of Keras 3.

Keras picks its backend once per process, so each backend runs in a subprocess
(``KERAS_BACKEND=...``) that executes this file's ``check_*`` functions and prints one
``ok <name>`` line each; the pytest side asserts on those. The checks: values and
gradients (inputs and learned parameters) equal nonlin's, kinks included; a model
with learnable activations trains with a Keras optimiser; ``model.save`` and
``keras.models.load_model`` round-trip without ``custom_objects`` (as a layer and as
a Dense activation); config, dialects, lazy units, rrelu's training form.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
BACKENDS = ("jax", "torch")


# --------------------------------------------------------------------------- checks
# (run in the subprocess; each returns nothing and raises on failure)


def _numpy(t):
    import keras

    return np.asarray(keras.ops.convert_to_numpy(t))


def _loss_grads(layer, x, dy):
    """``d sum(dy * layer(x)) / d(x, trainable weights)`` with the backend's autodiff."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        trainable = [v.value for v in layer.trainable_variables]
        others = [v.value for v in layer.non_trainable_variables]

        def loss(tv, xs):
            y, _ = layer.stateless_call(tv, others, xs)
            return jnp.sum(jnp.asarray(dy) * y)

        gw, gx = jax.jit(jax.grad(loss, argnums=(0, 1)))(trainable, jnp.asarray(x))
        return np.asarray(gx), [np.asarray(g) for g in gw]
    import torch

    xs = torch.tensor(x, requires_grad=True)
    for v in layer.trainable_variables:
        v.value.grad = None
    loss = (torch.as_tensor(dy) * layer(xs)).sum()
    loss.backward()
    return xs.grad.numpy(), [v.value.grad.numpy() for v in layer.trainable_variables]


def check_values_and_gradients_are_nonlins():
    import nonlin as nl
    import nonlin.keras as nk

    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (4, 5)).astype("float32")
    x[0, :3] = [0.0, 2.5, -2.5]  # kinks of relu and hard_sigmoid
    dy = rng.standard_normal(x.shape).astype("float32")
    plain = ["gelu", "relu", "hard_sigmoid", "tanh+elu(alpha=0.5)"]
    if "norm:z" in nl.names():
        plain.append("tanh+norm:z")
    for spec in plain:
        layer = nk.Activation(spec)
        act = nl.get(spec)
        np.testing.assert_allclose(_numpy(layer(x)), act(x), rtol=2e-6, atol=1e-6, err_msg=spec)
        gx, gw = _loss_grads(layer, x, dy)
        assert gw == []
        np.testing.assert_allclose(gx, act.vjp(x, dy), rtol=1e-5, atol=1e-5, err_msg=spec)
    for spec in ["prelu(axis=-1)", "maxout(pieces=3, axis=-1)", "pau(m=3, n=2)", "snake(axis=-1)"]:
        layer = nk.Activation(spec, seed=1)
        layer.build(x.shape)
        act = nl.get(spec).clone()
        act.set_params({w.name: _numpy(w).astype("float64") for w in layer.weights})
        np.testing.assert_allclose(_numpy(layer(x)), act(x), rtol=2e-6, atol=1e-6, err_msg=spec)
        gx, gw = _loss_grads(layer, x, dy)
        np.testing.assert_allclose(gx, act.vjp(x, dy), rtol=1e-5, atol=1e-5, err_msg=spec)
        want = act.param_vjp(x.astype("float64"), dy.astype("float64"))
        for w, g in zip(layer.trainable_variables, gw):
            np.testing.assert_allclose(g, want[w.name], rtol=1e-4, atol=1e-4, err_msg=spec)


def check_learnable_parameters_train():
    import keras

    import nonlin.keras as nk

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (256, 2)).astype("float32")
    y = (np.abs(x[:, :1]) - 0.5 * x[:, 1:]).astype("float32")
    act = nk.Activation("prelu(axis=-1)", seed=0)
    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(16), act, keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.03), loss="mse")
    before = _numpy(act.weights[0]).copy()
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=8, batch_size=64, verbose=0)
    assert act.weights[0].shape == (16,) and not np.allclose(_numpy(act.weights[0]), before)
    assert model.evaluate(x, y, verbose=0) < 0.5 * first


def check_save_and_load_without_custom_objects():
    import keras

    import nonlin as nl
    import nonlin.keras as nk

    x = np.random.default_rng(0).uniform(-2, 2, (6, 3)).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation=nk.Activation("softplus")),
            nk.Activation("prelu(axis=-1, init=0.1)", seed=2, name="mx"),
            nk.Activation("tanh+elu(alpha=0.5)"),
            nk.Activation("rrelu(lower=0.1, upper=0.2)", seed=3),
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
        np.testing.assert_array_equal(_numpy(loaded(x)), _numpy(model(x)))
        layer = loaded.get_layer("mx")
        assert isinstance(layer, nk.Activation) and layer.spec == "prelu(init=0.1, axis=-1)"
        for a, b in zip(layer.weights, model.get_layer("mx").weights):
            np.testing.assert_array_equal(_numpy(a), _numpy(b))
        assert isinstance(loaded.layers[0].activation, nk.Activation)
        # a bare nonlin activation works in Dense but has no get_config to save
        dense = keras.layers.Dense(2, activation=nl.get("gelu"))
        bare = keras.Sequential([keras.Input((3,)), dense])
        want = nl.gelu(x @ _numpy(dense.kernel) + _numpy(dense.bias))
        np.testing.assert_allclose(_numpy(bare(x)), want, rtol=1e-5, atol=1e-6)
        try:
            bare.save(os.path.join(tmp, "bare.keras"))
        except TypeError as error:
            assert "Cannot serialize" in str(error), error
        else:  # if nonlin.Activation learns get_config, it must load too
            keras.models.load_model(os.path.join(tmp, "bare.keras"))


def check_config_dialect_and_units():
    import keras

    import nonlin as nl
    import nonlin.keras as nk

    layer = nk.Activation("LeakyReLU", dialect="keras", name="lk")
    config = layer.get_config()
    assert config["spec"] == str(nl.get("LeakyReLU", dialect="keras")) == layer.spec
    twin = nk.Activation.from_config(config)
    assert twin.spec == layer.spec and twin.name == "lk"
    assert keras.saving.get_registered_object("nonlin>Activation") is nk.Activation
    lazy = nk.Activation("prelu(axis=-1)")
    lazy.build((None, 7, 5))
    assert [tuple(w.shape) for w in lazy.weights] == [(5,)]
    chain = nk.Activation("prelu+lgrelu(axis=1)")
    chain.build((None, 3))
    assert sorted(w.name for w in chain.weights) == ["gain_1", "leak_1", "slope_0"]
    try:
        nk.Activation("prelu(axis=-1)", units=4).build((None, 5))
    except ValueError as error:
        assert "units=4" in str(error)
    else:
        raise AssertionError("units mismatch accepted")
    try:
        nk.Activation("prelu(axis=1)").build((None, None))
    except ValueError as error:
        assert "pass units=" in str(error)
    else:
        raise AssertionError("unknown size accepted")


def check_rrelu_training_form():
    import nonlin.keras as nk

    layer = nk.Activation("rrelu(lower=0.1, upper=0.3)", seed=0)
    x = -np.linspace(1, 2, 400).astype("float32").reshape(20, 20)
    slopes = _numpy(layer(x, training=True)) / x
    assert ((slopes >= 0.1 - 1e-6) & (slopes <= 0.3 + 1e-6)).all() and slopes.std() > 0.03
    np.testing.assert_allclose(_numpy(layer(x, training=False)), 0.2 * x, rtol=1e-6)


CHECKS = [
    check_values_and_gradients_are_nonlins,
    check_learnable_parameters_train,
    check_save_and_load_without_custom_objects,
    check_config_dialect_and_units,
    check_rrelu_training_form,
]


def main() -> None:
    import keras

    failed = False
    print("backend", keras.backend.backend(), flush=True)
    for check in CHECKS:
        try:
            check()
        except Exception as error:  # report every check, not only the first
            failed = True
            print(f"FAIL {check.__name__}: {type(error).__name__}: {error}", flush=True)
        else:
            print(f"ok {check.__name__}", flush=True)
    sys.exit(1 if failed else 0)


# --------------------------------------------------------------------------- pytest side

if __name__ != "__main__":
    import importlib.util

    import pytest

    # not imported here: Keras fixes its backend at import (tensorflow by default)
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed", allow_module_level=True)

    _RUNS: dict[str, subprocess.Popen[str]] = {}

    def _start_all() -> None:
        """Both backends at once (one core each), started by the first test."""
        if _RUNS:
            return
        for backend in BACKENDS:
            if importlib.util.find_spec(backend) is None:
                continue
            env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONWARNINGS": "ignore"}
            _RUNS[backend] = subprocess.Popen(
                [sys.executable, str(HERE)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )

    @pytest.fixture(scope="module", params=BACKENDS)
    def report(request):
        _start_all()
        if request.param not in _RUNS:
            pytest.skip(f"{request.param} is not installed")
        stdout, stderr = _RUNS[request.param].communicate(timeout=300)
        return request.param, subprocess.CompletedProcess([], 0, stdout, stderr)

    @pytest.mark.parametrize("check", [c.__name__ for c in CHECKS])
    def test_keras_backend(report, check):
        backend, done = report
        assert f"backend {backend}" in done.stdout, done.stdout + done.stderr[-3000:]
        lines = [line for line in done.stdout.splitlines() if check in line]
        assert lines == [f"ok {check}"], "\n".join(lines) + "\n" + done.stderr[-3000:]

    def test_import_nonlin_does_not_import_keras():
        code = "import sys, nonlin; assert 'keras' not in sys.modules, 'keras imported'"
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


if __name__ == "__main__":
    main()

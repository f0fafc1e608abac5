"""Train a small MLP from scratch in NumPy on two interleaved spirals.

Nothing but NumPy and nonlin: the hidden activations are nonlin's framework-free
layers, ``nonlin.layers.Activation``, with their own backward pass:

* ``forward(x)`` applies the activation and keeps its input; ``backward(dy)``
  returns the gradient with respect to that input.
* The first one is learnable, ``prelu(axis=-1)``: one negative slope per hidden
  unit, in ``layer.act.params["slope"]``. ``backward`` also leaves the gradient of
  the slopes in ``layer.param_grads`` (from ``act.param_vjp``), and Adam updates them
  in place like every other weight.

Run ``python examples/numpy_mlp.py`` (a few seconds); ``train(epochs=...)`` is what
the test suite calls with a short schedule.
"""

from __future__ import annotations

import numpy as np

from nonlin.layers import Activation as Layer


def two_spirals(n: int = 200, noise: float = 0.04, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points per class on two interleaved spirals (1.5 turns), labels 0 and 1."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0.0, 1.0, n)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    x = np.concatenate([arm, -arm]) + noise * rng.standard_normal((2 * n, 2))
    y = np.concatenate([np.zeros(n, dtype=int), np.ones(n, dtype=int)])
    return x, y


def log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class Adam:
    """Adam over a list of arrays, updated in place."""

    def __init__(self, params: list[np.ndarray], lr: float = 0.01) -> None:
        self.params, self.lr, self.step = params, lr, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def update(self, grads: list[np.ndarray], b1: float = 0.9, b2: float = 0.999) -> None:
        self.step += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            m_hat = m / (1 - b1**self.step)
            v_hat = v / (1 - b2**self.step)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


def train(epochs: int = 600, hidden: int = 48, lr: float = 0.02, seed: int = 0) -> dict:
    """Full-batch training; returns the loss per epoch and the final accuracy."""
    x, y = two_spirals(seed=seed)
    rng = np.random.default_rng(seed)

    def dense(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in), np.zeros(n_out)

    w1, b1 = dense(2, hidden)
    w2, b2 = dense(hidden, hidden)
    w3, b3 = dense(hidden, 2)
    prelu = Layer("prelu(axis=-1)", name="hidden1")  # the layer owns a fresh copy
    prelu.act.init_params(hidden, rng=seed)  # sized now, so Adam can hold the array
    tanh = Layer("tanh", name="hidden2")
    weights = [w1, b1, w2, b2, w3, b3, prelu.act.params["slope"]]
    optimiser = Adam(weights, lr=lr)

    losses = []
    for _ in range(epochs):
        # forward
        h1 = prelu.forward(x @ w1 + b1)
        h2 = tanh.forward(h1 @ w2 + b2)
        logp = log_softmax(h2 @ w3 + b3)
        losses.append(float(-logp[np.arange(len(y)), y].mean()))
        # backward: d mean cross-entropy / d logits = (softmax - onehot) / n
        dz3 = np.exp(logp)
        dz3[np.arange(len(y)), y] -= 1.0
        dz3 /= len(y)
        dz2 = tanh.backward(dz3 @ w3.T)
        dz1 = prelu.backward(dz2 @ w2.T)  # also fills prelu.param_grads
        grads = [x.T @ dz1, dz1.sum(0), h1.T @ dz2, dz2.sum(0), h2.T @ dz3, dz3.sum(0)]
        optimiser.update([*grads, prelu.param_grads["slope"]])

    h = tanh.forward(prelu.forward(x @ w1 + b1) @ w2 + b2)
    accuracy = float(((h @ w3 + b3).argmax(axis=1) == y).mean())
    return {"losses": losses, "accuracy": accuracy, "slopes": prelu.act.params["slope"].copy()}


if __name__ == "__main__":
    result = train()
    losses = result["losses"]
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, accuracy {result['accuracy']:.3f}")
    slopes = result["slopes"]
    print(f"learned prelu slopes: min {slopes.min():.3f}, max {slopes.max():.3f}")

"""Data only: other libraries' names for our activations, with their own defaults.

``ALIASES`` holds the names every seed system uses that are not already one of our
canonical names up to case, ``_`` and ``-`` (``leakyRelu`` needs no entry: it *is*
``leaky_relu`` once normalised). ``DIALECTS[framework]`` is consulted first when a
caller passes ``dialect=framework`` and gives that framework's exact defaults;
names it lacks fall back to ours. Values are canonical spec strings. Sources:
reference/peers.md (every entry was read from the framework's code).
"""

from __future__ import annotations

LASAGNE_SELU_SCALE = 1.0507009873554804934193349852946
LASAGNE_SELU_SCALE_NEG = 1.6732632423543772848170429916717

ALIASES: dict[str, str] = {
    # Lasagne
    "rectify": "relu",
    "leaky_rectify": "leaky_relu",
    "very_leaky_rectify": "leaky_relu(negative_slope=0.3333333333333333)",
    "identity": "linear",
    # theanets
    "logistic": "sigmoid",
    "rect:max": "relu",
    "rect:min": "clip(min_val=-inf, max_val=1.0)",
    "rect:minmax": "clip(min_val=0.0, max_val=1.0)",
    # numpy-ml, Keras 2, PuzzleLib spellings that differ by more than case and '_'
    "exp": "exponential",
    "expit": "sigmoid",
    "thresholded_relu": "threshold(threshold=1.0)",
    # PyTorch, JAX and Keras 3 names of our concepts
    "swish": "silu",
    "hard_swish": "hard_silu",
    "hardtanh": "hard_tanh",
    "soft_sign": "softsign",
    "logsigmoid": "log_sigmoid",
    "softmax2d": "softmax(axis=-3)",
    "z_score": "norm:z",
}

DIALECTS: dict[str, dict[str, str]] = {
    "lasagne": {
        "LeakyRectify": "leaky_relu",
        "ScaledTanH": "scaled_tanh",
        "SELU": "selu(scale=1.0, alpha=1.0)",
        "selu": "selu",
        "elu": "elu",
        "softplus": "softplus",
        "sigmoid": "sigmoid",
        "softmax": "softmax",
    },
    "theanets": {
        "linear": "linear",
        "relu": "relu",
        "rect:max": "relu",
        "rect:min": "clip(min_val=-inf, max_val=1.0)",
        "rect:minmax": "clip(min_val=0.0, max_val=1.0)",
        "norm:max": "norm:max",
        "norm:std": "norm:std",
        "norm:z": "norm:z",
    },
    "numpy_ml": {
        "LeakyReLU": "leaky_relu(negative_slope=0.3)",
        "GELU": "gelu(approximate='tanh')",
        "HardSigmoid": "hard_sigmoid",
        "Identity": "linear",
        "Affine": "affine",
        "SoftPlus": "softplus",
        "SELU": "selu",
    },
    "keras2": {
        "LeakyReLU": "leaky_relu(negative_slope=0.3)",
        "ThresholdedReLU": "threshold(threshold=1.0)",
        "hard_sigmoid": "hard_sigmoid",
        "relu": "relu",
        "ReLU": "relu",
        "ELU": "elu",
        "Softmax": "softmax",
        "swish": "silu",
        "gelu": "gelu",
    },
    "puzzlelib": {
        "leakyRelu": "leaky_relu",
        "clip": "clip(min_val=0.0, max_val=6.0)",
        "softPlus": "softplus",
        "Gelu": "gelu",
        "SoftMax": "softmax(axis=1)",
    },
    "torch": {
        "hardsigmoid": "hard_sigmoid_v3",
        "hardswish": "hard_silu",
        "hardtanh": "hard_tanh",
        "softplus": "softplus(threshold=20.0)",
        "leaky_relu": "leaky_relu",
        "gelu": "gelu",
        "Threshold": "threshold",
        "Softmax2d": "softmax(axis=-3)",
        "Identity": "linear",
        "logsigmoid": "log_sigmoid",
    },
    "jax": {
        "gelu": "gelu(approximate='tanh')",
        "hard_sigmoid": "hard_sigmoid_v3",
        "leaky_relu": "leaky_relu",
        "identity": "linear",
        "soft_sign": "softsign",
        "standardize": "standardize",
    },
    "keras": {
        "hard_sigmoid": "hard_sigmoid_v3",
        "leaky_relu": "leaky_relu(negative_slope=0.2)",
        "LeakyReLU": "leaky_relu(negative_slope=0.3)",
        "gelu": "gelu",
        "linear": "linear",
        "hard_swish": "hard_silu",
        "threshold": "threshold",
        "soft_shrink": "soft_shrink",
        "hard_shrink": "hard_shrink",
    },
}

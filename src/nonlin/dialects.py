"""Data only: other libraries' names for our activations, with their own defaults.

``ALIASES`` holds the names every seed system uses that are not already one of our
canonical names up to case, ``_`` and ``-`` (``leakyRelu`` needs no entry: it *is*
``leaky_relu`` once normalised). Without a dialect a name means *our* definition
(``hardsigmoid`` is our ``hard_sigmoid``, ``LeakyReLU`` has our slope 0.01).

``DIALECTS[framework]`` is consulted first when a caller passes ``dialect=framework``
and gives that framework's exact defaults; it lists every activation name the
framework has (functions and layer classes, as the framework spells them), so that
``nl.describe`` can show them. A name the dialect lacks falls back to ours. The exact
spelling is matched before the normalised one, which keeps Keras 3's ``leaky_relu``
(slope 0.2) apart from its ``LeakyReLU`` layer (0.3), and Lasagne's ``SELU`` class
(scale 1, scale_neg 1) apart from its ``selu`` instance.

``POSITIONAL[framework]`` gives the order positional arguments fill where a
framework's differs from ours (exact spelling only).

Values are canonical spec strings (one term each). Source: reference/peers.md,
sections 1-9 (every entry there was read from the framework's code).

Learnable activations map with each framework's initial values and parameter shape:
theanets' are per unit on the last axis (its ``prelu`` learns ``log`` of the slope,
which is ``lgrelu`` without the gain); PyTorch's ``PReLU`` is one shared slope of 0.25,
PuzzleLib's one per channel on axis 1; Keras' ``PReLU`` starts at 0 and is mapped per
unit on the last axis (Keras learns one slope per element of ``input_shape[1:]``,
which is the same for the (batch, units) input of a Dense layer).
"""

from __future__ import annotations

ALIASES: dict[str, str] = {
    # Lasagne (section 1)
    "rectify": "relu",
    "leaky_rectify": "leaky_relu",
    "very_leaky_rectify": "leaky_relu(negative_slope=0.3333333333333333)",
    "identity": "linear",
    # theanets (section 2); norm:mean|max|std|z are canonical names
    "logistic": "sigmoid",
    "rect:max": "relu",
    "rect:min": "clip(min_val=-inf, max_val=1.0)",
    "rect:minmax": "clip(min_val=0.0, max_val=1.0)",
    "leaky_gain_relu": "lgrelu",
    # Keras 2 layer (section 4)
    "ThresholdedReLU": "threshold(threshold=1.0)",
    # PyTorch, JAX and Keras 3 names of our concepts (sections 6-8)
    "swish": "silu",
    "hard_swish": "hard_silu",
    "softmax2d": "softmax(axis=-3)",
    "exp": "exponential",
    # other common spellings
    "expit": "sigmoid",
    "z_score": "norm:z",
}

DIALECTS: dict[str, dict[str, str]] = {
    # lasagne.nonlinearities (peers.md section 1)
    "lasagne": {
        "sigmoid": "sigmoid",
        "softmax": "softmax",
        "tanh": "tanh",
        "ScaledTanH": "scaled_tanh",
        "ScaledTanh": "scaled_tanh",
        "rectify": "relu",
        "LeakyRectify": "leaky_relu",
        "leaky_rectify": "leaky_relu",
        "very_leaky_rectify": "leaky_relu(negative_slope=0.3333333333333333)",
        "elu": "elu",
        "SELU": "selu(scale=1.0, alpha=1.0)",
        "selu": "selu",  # the instance: our (and every system's) SELU constants
        "softplus": "softplus",
        "linear": "linear",
        "identity": "linear",
    },
    # theanets.activations (section 2), eps 1e-8 as in 0.7 and later
    "theanets": {
        "linear": "linear",
        "logistic": "sigmoid",
        "sigmoid": "sigmoid",
        "tanh": "tanh",
        "softmax": "softmax",
        "softplus": "softplus",
        "relu": "relu",
        "rect:max": "relu",
        "rect:min": "clip(min_val=-inf, max_val=1.0)",
        "rect:minmax": "clip(min_val=0.0, max_val=1.0)",
        "norm:mean": "norm:mean",
        "norm:max": "norm:max(eps=1e-08)",
        "norm:std": "norm:std(eps=1e-08)",
        "norm:z": "norm:z(eps=1e-08)",
        # learnable, one set per unit on the last axis, initialised as theanets HEAD
        "prelu": "lgrelu(learn_gain=False, axis=-1)",
        "leaky-relu": "lgrelu(learn_gain=False, axis=-1)",
        "lgrelu": "lgrelu(axis=-1)",
        "leaky-gain-relu": "lgrelu(axis=-1)",
        "elu": "elu_learnable(init_std=0.1, log=True, axis=-1)",
        "maxout": "maxout(axis=-1)",  # maxout:k adds pieces=k
    },
    # numpy_ml.neural_nets.activations (section 3)
    "numpy_ml": {
        "Affine": "affine",
        "ELU": "elu",
        "Exponential": "exponential",
        "GELU": "gelu(approximate='tanh')",  # its approximate=False is ignored
        "HardSigmoid": "hard_sigmoid",
        "Identity": "linear",
        "LeakyReLU": "leaky_relu(negative_slope=0.3)",
        "ReLU": "relu",
        "SELU": "selu",
        "Sigmoid": "sigmoid",
        "SoftPlus": "softplus",
        "Tanh": "tanh",
    },
    # keras.activations and keras.layers 2.3.1, plus TF-only 2.4+ swish/gelu (section 4)
    "keras2": {
        "softmax": "softmax",
        "elu": "elu",
        "selu": "selu",
        "softplus": "softplus",
        "softsign": "softsign",
        "relu": "relu",
        "tanh": "tanh",
        "sigmoid": "sigmoid",
        "hard_sigmoid": "hard_sigmoid",
        "exponential": "exponential",
        "linear": "linear",
        "swish": "silu",
        "gelu": "gelu",
        "LeakyReLU": "leaky_relu(negative_slope=0.3)",
        "ELU": "elu",
        "ThresholdedReLU": "threshold(threshold=1.0)",
        "Softmax": "softmax",
        "ReLU": "relu",
        "PReLU": "prelu(init=0.0, axis=-1)",
    },
    # PuzzleLib.Modules.Activation's ActivationType, Gelu and SoftMax modules (section 5)
    "puzzlelib": {
        "sigmoid": "sigmoid",
        "tanh": "tanh",
        "relu": "relu",
        "leakyRelu": "leaky_relu",
        "elu": "elu",
        "softPlus": "softplus",
        "clip": "clip(min_val=0.0, max_val=6.0)",
        "Gelu": "gelu",
        "SoftMax": "softmax(axis=1)",
        "PRelu": "prelu(axis=1)",
    },
    # torch.nn.functional and torch.nn modules 2.13 (section 6)
    "torch": {
        "relu": "relu",
        "ReLU": "relu",
        "prelu": "prelu",
        "PReLU": "prelu",
        "rrelu": "rrelu",
        "RReLU": "rrelu",
        "relu6": "relu6",
        "ReLU6": "relu6",
        "leaky_relu": "leaky_relu",
        "LeakyReLU": "leaky_relu",
        "elu": "elu",
        "ELU": "elu",
        "selu": "selu",
        "SELU": "selu",
        "celu": "celu",
        "CELU": "celu",
        "gelu": "gelu",
        "GELU": "gelu",
        "silu": "silu",
        "SiLU": "silu",
        "mish": "mish",
        "Mish": "mish",
        "hardsigmoid": "hard_sigmoid_v3",
        "Hardsigmoid": "hard_sigmoid_v3",
        "hardswish": "hard_silu",
        "Hardswish": "hard_silu",
        "hardtanh": "hard_tanh",
        "Hardtanh": "hard_tanh",
        "hardshrink": "hard_shrink",
        "Hardshrink": "hard_shrink",
        "softshrink": "soft_shrink",
        "Softshrink": "soft_shrink",
        "tanhshrink": "tanh_shrink",
        "Tanhshrink": "tanh_shrink",
        "threshold": "threshold",
        "Threshold": "threshold",
        "softplus": "softplus(threshold=20.0)",
        "Softplus": "softplus(threshold=20.0)",
        "logsigmoid": "log_sigmoid",
        "LogSigmoid": "log_sigmoid",
        "softsign": "softsign",
        "Softsign": "softsign",
        "sigmoid": "sigmoid",
        "Sigmoid": "sigmoid",
        "tanh": "tanh",
        "Tanh": "tanh",
        "exp": "exponential",
        "glu": "glu",
        "GLU": "glu",
        "softmax": "softmax",
        "Softmax": "softmax",
        "log_softmax": "log_softmax",
        "LogSoftmax": "log_softmax",
        "softmin": "softmin",
        "Softmin": "softmin",
        "Softmax2d": "softmax(axis=-3)",
        "Identity": "linear",
    },
    # jax.nn 0.10.2 (section 7)
    "jax": {
        "relu": "relu",
        "relu6": "relu6",
        "identity": "linear",
        "sigmoid": "sigmoid",
        "log_sigmoid": "log_sigmoid",
        "softplus": "softplus",
        "sparse_plus": "sparse_plus",
        "sparse_sigmoid": "sparse_sigmoid",
        "soft_sign": "softsign",
        "silu": "silu",
        "swish": "silu",
        "mish": "mish",
        "elu": "elu",
        "leaky_relu": "leaky_relu",
        "hard_tanh": "hard_tanh",
        "celu": "celu",
        "selu": "selu",
        "gelu": "gelu(approximate='tanh')",
        "glu": "glu",
        "softmax": "softmax",
        "log_softmax": "log_softmax",
        "standardize": "standardize",
        "hard_sigmoid": "hard_sigmoid_v3",
        "hard_silu": "hard_silu",
        "hard_swish": "hard_silu",
        "squareplus": "squareplus",
    },
    # keras.activations and keras.layers 3.15 (section 8)
    "keras": {
        "relu": "relu",
        "PReLU": "prelu(init=0.0, axis=-1)",
        "leaky_relu": "leaky_relu(negative_slope=0.2)",
        "relu6": "relu6",
        "softmax": "softmax",
        "log_softmax": "log_softmax",
        "elu": "elu",
        "selu": "selu",
        "softplus": "softplus",
        "softsign": "softsign",
        "soft_shrink": "soft_shrink",
        "hard_shrink": "hard_shrink",
        "tanh_shrink": "tanh_shrink",
        "threshold": "threshold",
        "sparse_plus": "sparse_plus",
        "sparse_sigmoid": "sparse_sigmoid",
        "squareplus": "squareplus",
        "celu": "celu",
        "glu": "glu",
        "hard_tanh": "hard_tanh",
        "log_sigmoid": "log_sigmoid",
        "mish": "mish",
        "sparsemax": "sparsemax",
        "silu": "silu",
        "swish": "silu",
        "gelu": "gelu",  # keras.activations.gelu: approximate=False
        "tanh": "tanh",
        "sigmoid": "sigmoid",
        "exponential": "exponential",
        "linear": "linear",
        "hard_sigmoid": "hard_sigmoid_v3",
        "hard_silu": "hard_silu",
        "hard_swish": "hard_silu",
        "ReLU": "relu",
        "LeakyReLU": "leaky_relu(negative_slope=0.3)",
        "ELU": "elu",
        "Softmax": "softmax",
    },
}

# Where a framework's positional parameters come in another order than ours, the
# order it uses (canonical parameter names): Keras' ReLU layer is
# ReLU(max_value, negative_slope, threshold), while relu() takes negative_slope first.
POSITIONAL: dict[str, dict[str, tuple[str, ...]]] = {
    "keras2": {"ReLU": ("max_value", "negative_slope", "threshold")},
    "keras": {"ReLU": ("max_value", "negative_slope", "threshold")},
}

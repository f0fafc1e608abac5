"""Other systems' names resolve; dialect= gives each framework's own defaults exactly.

Every expectation here was read from reference/peers.md (sections 1-9).
"""

from __future__ import annotations

import math

import pytest

import nonlin as nl
from nonlin import dialects
from nonlin.activation import normalize_name, registered_classes
from nonlin.errors import NonlinError, ParameterError, UnknownActivationError
from nonlin.registry import DIALECT_NAMES, resolve_dialect
from nonlin.spec import parse

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def require(*names: str) -> None:
    missing = [name for name in names if normalize_name(name) not in registered_classes()]
    if missing:
        pytest.skip(f"not registered: {', '.join(missing)}")


# --------------------------------------------------------------------------- seed names

# name as the system writes it -> our canonical activation (peers.md section 9,
# rows 1-16, 21, 23-43, 45-50), resolved WITHOUT a dialect.
SEED_NAMES = {
    "lasagne": {
        "sigmoid": "sigmoid",
        "softmax": "softmax",
        "tanh": "tanh",
        "ScaledTanH": "scaled_tanh",
        "ScaledTanh": "scaled_tanh",
        "rectify": "relu",
        "LeakyRectify": "leaky_relu",
        "LeakyRectify(0.1)": "leaky_relu",
        "leaky_rectify": "leaky_relu",
        "very_leaky_rectify": "leaky_relu",
        "elu": "elu",
        "SELU": "selu",
        "selu": "selu",
        "softplus": "softplus",
        "linear": "linear",
        "identity": "linear",
    },
    "theanets": {
        "linear": "linear",
        "logistic": "sigmoid",
        "sigmoid": "sigmoid",
        "tanh": "tanh",
        "softplus": "softplus",
        "softmax": "softmax",
        "relu": "relu",
        "rect:max": "relu",
        "rect:min": "clip",
        "rect:minmax": "clip",
        "norm:mean": "norm:mean",
        "norm:max": "norm:max",
        "norm:std": "norm:std",
        "norm:z": "norm:z",
        "prelu": "prelu",
        "leaky-relu": "leaky_relu",  # its PReLU only with dialect="theanets"
        "lgrelu": "lgrelu",
        "leaky-gain-relu": "lgrelu",
        "elu": "elu",  # its learnable-gain ELU only with dialect="theanets"
        "maxout": "maxout",
        "maxout:3": "maxout",
    },
    "numpy_ml": {
        "Affine": "affine",
        "ELU": "elu",
        "Exponential": "exponential",
        "HardSigmoid": "hard_sigmoid",
        "Identity": "linear",
        "LeakyReLU": "leaky_relu",
        "ReLU": "relu",
        "SELU": "selu",
        "Sigmoid": "sigmoid",
        "SoftPlus": "softplus",
        "Tanh": "tanh",
        "GELU": "gelu",
    },
    "keras2": {
        "softmax": "softmax",
        "elu": "elu",
        "selu": "selu",
        "softplus": "softplus",
        "softsign": "softsign",
        "relu": "relu",
        "relu(alpha=0.1, max_value=6.0, threshold=0.5)": "relu",
        "tanh": "tanh",
        "sigmoid": "sigmoid",
        "hard_sigmoid": "hard_sigmoid",
        "exponential": "exponential",
        "linear": "linear",
        "swish": "silu",
        "gelu": "gelu",
        "LeakyReLU": "leaky_relu",
        "ELU": "elu",
        "ThresholdedReLU": "threshold",
        "Softmax": "softmax",
        "ReLU": "relu",
        "PReLU": "prelu",
    },
    "puzzlelib": {
        "sigmoid": "sigmoid",
        "tanh": "tanh",
        "relu": "relu",
        "leakyRelu": "leaky_relu",
        "elu": "elu",
        "softPlus": "softplus",
        "clip": "clip",
        "Gelu": "gelu",
        "SoftMax": "softmax",
        "PRelu": "prelu",
    },
    "torch": {
        "prelu": "prelu",
        "PReLU": "prelu",
        "rrelu": "rrelu",
        "RReLU": "rrelu",
        "sigmoid": "sigmoid",
        "Sigmoid": "sigmoid",
        "tanh": "tanh",
        "Tanh": "tanh",
        "hardsigmoid": "hard_sigmoid",  # our hard_sigmoid without the dialect
        "Hardsigmoid": "hard_sigmoid",
        "logsigmoid": "log_sigmoid",
        "LogSigmoid": "log_sigmoid",
        "relu": "relu",
        "ReLU": "relu",
        "relu6": "relu6",
        "ReLU6": "relu6",
        "hardtanh": "hard_tanh",
        "Hardtanh": "hard_tanh",
        "threshold": "threshold",
        "Threshold": "threshold",
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
        "hardswish": "hard_silu",
        "Hardswish": "hard_silu",
        "mish": "mish",
        "Mish": "mish",
        "softplus": "softplus",
        "Softplus": "softplus",
        "softsign": "softsign",
        "Softsign": "softsign",
        "hardshrink": "hard_shrink",
        "Hardshrink": "hard_shrink",
        "softshrink": "soft_shrink",
        "Softshrink": "soft_shrink",
        "tanhshrink": "tanh_shrink",
        "Tanhshrink": "tanh_shrink",
        "Identity": "linear",
        "exp": "exponential",
        "softmax": "softmax",
        "Softmax": "softmax",
        "Softmax2d": "softmax",
        "log_softmax": "log_softmax",
        "LogSoftmax": "log_softmax",
        "softmin": "softmin",
        "Softmin": "softmin",
        "glu": "glu",
        "GLU": "glu",
    },
    "jax": {
        "sigmoid": "sigmoid",
        "hard_sigmoid": "hard_sigmoid",
        "sparse_sigmoid": "sparse_sigmoid",
        "log_sigmoid": "log_sigmoid",
        "relu": "relu",
        "relu6": "relu6",
        "hard_tanh": "hard_tanh",
        "leaky_relu": "leaky_relu",
        "elu": "elu",
        "selu": "selu",
        "celu": "celu",
        "gelu": "gelu",
        "silu": "silu",
        "swish": "silu",
        "hard_silu": "hard_silu",
        "hard_swish": "hard_silu",
        "mish": "mish",
        "softplus": "softplus",
        "squareplus": "squareplus",
        "sparse_plus": "sparse_plus",
        "soft_sign": "softsign",
        "identity": "linear",
        "softmax": "softmax",
        "log_softmax": "log_softmax",
        "glu": "glu",
        "standardize": "standardize",
    },
    "keras": {
        "PReLU": "prelu",
        "sigmoid": "sigmoid",
        "tanh": "tanh",
        "hard_sigmoid": "hard_sigmoid",
        "sparse_sigmoid": "sparse_sigmoid",
        "log_sigmoid": "log_sigmoid",
        "relu": "relu",
        "ReLU": "relu",
        "relu6": "relu6",
        "hard_tanh": "hard_tanh",
        "threshold": "threshold",
        "leaky_relu": "leaky_relu",
        "LeakyReLU": "leaky_relu",
        "elu": "elu",
        "ELU": "elu",
        "selu": "selu",
        "celu": "celu",
        "gelu": "gelu",
        "silu": "silu",
        "swish": "silu",
        "hard_silu": "hard_silu",
        "hard_swish": "hard_silu",
        "mish": "mish",
        "softplus": "softplus",
        "squareplus": "squareplus",
        "sparse_plus": "sparse_plus",
        "softsign": "softsign",
        "hard_shrink": "hard_shrink",
        "soft_shrink": "soft_shrink",
        "tanh_shrink": "tanh_shrink",
        "exponential": "exponential",
        "linear": "linear",
        "softmax": "softmax",
        "Softmax": "softmax",
        "log_softmax": "log_softmax",
        "sparsemax": "sparsemax",
        "glu": "glu",
    },
}

SEED_CASES = [
    (system, name, canonical)
    for system, table in SEED_NAMES.items()
    for name, canonical in table.items()
]


@pytest.mark.parametrize(("system", "name", "canonical"), SEED_CASES)
def test_every_seed_name_resolves_without_a_dialect(system, name, canonical):
    require(canonical)
    act = nl.get(name)
    first = next(iter(act.iter_stages()))
    assert first.name == canonical
    assert nl.get(str(act)) == act


@pytest.mark.parametrize(("system", "name", "canonical"), SEED_CASES)
def test_every_seed_name_resolves_in_its_own_dialect(system, name, canonical):
    if name in dialects.DIALECTS[system]:  # the dialect may mean another activation
        canonical = parse(dialects.DIALECTS[system][name]).terms[0].name
    require(canonical)
    act = nl.get(name, dialect=system)
    first = next(iter(act.iter_stages()))
    assert first.name == canonical
    assert nl.get(str(act)) == act


def test_every_dialect_table_name_is_a_seed_name():
    for system, table in dialects.DIALECTS.items():
        assert set(table) <= set(SEED_NAMES[system]), system


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("LEAKY_RECTIFY", "leaky_relu"),
        ("Leaky-Rectify", "leaky_relu"),
        ("veryLeakyRectify", "leaky_relu"),
        ("Rect:MinMax", "clip"),
        ("NORM:Z", "norm:z"),
        ("hardSwish", "hard_silu"),
        ("Soft-Sign", "softsign"),
        ("THRESHOLDED_RELU", "threshold"),
    ],
)
def test_seed_names_are_normalised_too(name, canonical):
    require(canonical)
    assert nl.get(name).name == canonical


# --------------------------------------------------------------------------- without a dialect

WITHOUT_DIALECT = [
    # A name alone means our definition (design.md section 3), whatever the system.
    ("hard_sigmoid", "hard_sigmoid", {}),
    ("hardsigmoid", "hard_sigmoid", {}),
    ("HardSigmoid", "hard_sigmoid", {}),
    ("LeakyReLU", "leaky_relu", {"negative_slope": 0.01}),
    ("leaky_rectify", "leaky_relu", {"negative_slope": 0.01}),
    ("very_leaky_rectify", "leaky_relu", {"negative_slope": 1 / 3}),
    ("LeakyRectify(0.1)", "leaky_relu", {"negative_slope": 0.1}),
    ("gelu", "gelu", {"approximate": "none"}),
    ("GELU", "gelu", {"approximate": "none"}),
    ("selu", "selu", {"scale": SELU_SCALE, "alpha": SELU_ALPHA}),
    ("SELU", "selu", {"scale": SELU_SCALE, "alpha": SELU_ALPHA}),
    ("ThresholdedReLU", "threshold", {"threshold": 1.0, "value": 0.0}),
    ("ThresholdedReLU(theta=2)", "threshold", {"threshold": 2.0, "value": 0.0}),
    ("rect:min", "clip", {"min_val": -math.inf, "max_val": 1.0}),
    ("rect:minmax", "clip", {"min_val": 0.0, "max_val": 1.0}),
    ("rect:max", "relu", {}),
    ("Softmax2d", "softmax", {"axis": -3}),
    ("softplus", "softplus", {"beta": 1.0, "threshold": math.inf}),
    ("swish", "silu", {}),
    ("hard_swish", "hard_silu", {}),
    ("ScaledTanH", "scaled_tanh", {"scale_in": 1.0, "scale_out": 1.0}),
]


@pytest.mark.parametrize(("spec", "canonical", "values"), WITHOUT_DIALECT)
def test_names_without_a_dialect_mean_our_definitions(spec, canonical, values):
    require(canonical)
    act = nl.get(spec)
    assert act.name == canonical
    for key, value in values.items():
        assert getattr(act, key) == value, key


# --------------------------------------------------------------------------- dialect defaults

# (dialect, spec, canonical name, parameter values) -- each framework's own defaults.
DIALECT_DEFAULTS = [
    # Lasagne: LeakyRectify 0.01 / very leaky 1/3; SELU class scale=1, scale_neg=1
    ("lasagne", "LeakyRectify", "leaky_relu", {"negative_slope": 0.01}),
    ("lasagne", "LeakyRectify(0.1)", "leaky_relu", {"negative_slope": 0.1}),
    ("lasagne", "LeakyRectify(leakiness=0.2)", "leaky_relu", {"negative_slope": 0.2}),
    ("lasagne", "leaky_rectify", "leaky_relu", {"negative_slope": 0.01}),
    ("lasagne", "very_leaky_rectify", "leaky_relu", {"negative_slope": 1 / 3}),
    ("lasagne", "rectify", "relu", {"negative_slope": 0.0}),
    ("lasagne", "SELU", "selu", {"scale": 1.0, "alpha": 1.0}),
    ("lasagne", "SELU(scale=2, scale_neg=3)", "selu", {"scale": 2.0, "alpha": 3.0}),
    ("lasagne", "selu", "selu", {"scale": SELU_SCALE, "alpha": SELU_ALPHA}),
    ("lasagne", "ScaledTanH", "scaled_tanh", {"scale_in": 1.0, "scale_out": 1.0}),
    ("lasagne", "ScaledTanh(2/3, 1.7159)", None, {}),  # not a spec: '/' is an error
    ("lasagne", "ScaledTanh(0.5, 1.7159)", "scaled_tanh", {"scale_in": 0.5, "scale_out": 1.7159}),
    ("lasagne", "elu", "elu", {"alpha": 1.0}),
    ("lasagne", "identity", "linear", {}),
    # theanets: rect:* and norm:* with eps 1e-8 (0.7 and later)
    ("theanets", "logistic", "sigmoid", {}),
    ("theanets", "rect:max", "relu", {}),
    ("theanets", "rect:min", "clip", {"min_val": -math.inf, "max_val": 1.0}),
    ("theanets", "rect:minmax", "clip", {"min_val": 0.0, "max_val": 1.0}),
    ("theanets", "norm:max", "norm:max", {"eps": 1e-8}),
    ("theanets", "norm:std", "norm:std", {"eps": 1e-8}),
    ("theanets", "norm:z", "norm:z", {"eps": 1e-8}),
    ("theanets", "norm:mean", "norm:mean", {}),
    ("theanets", "softmax", "softmax", {"axis": -1}),
    # numpy-ml: LeakyReLU 0.3, GELU always tanh, HardSigmoid 0.2x + 0.5
    ("numpy_ml", "LeakyReLU", "leaky_relu", {"negative_slope": 0.3}),
    ("numpy_ml", "LeakyReLU(alpha=0.1)", "leaky_relu", {"negative_slope": 0.1}),
    ("numpy_ml", "GELU", "gelu", {"approximate": "tanh"}),
    ("numpy_ml", "HardSigmoid", "hard_sigmoid", {}),
    ("numpy_ml", "Affine", "affine", {"slope": 1.0, "intercept": 0.0}),
    ("numpy_ml", "Affine(2, 3)", "affine", {"slope": 2.0, "intercept": 3.0}),
    ("numpy_ml", "ELU", "elu", {"alpha": 1.0}),
    ("numpy_ml", "SELU", "selu", {"scale": SELU_SCALE, "alpha": SELU_ALPHA}),
    ("numpy_ml", "Identity", "linear", {}),
    ("numpy_ml", "SoftPlus", "softplus", {"threshold": math.inf}),
    # Keras 2: LeakyReLU layer 0.3, hard_sigmoid 0.2x + 0.5, ThresholdedReLU theta 1.0
    ("keras2", "LeakyReLU", "leaky_relu", {"negative_slope": 0.3}),
    ("keras2", "LeakyReLU(alpha=0.2)", "leaky_relu", {"negative_slope": 0.2}),
    ("keras2", "hard_sigmoid", "hard_sigmoid", {}),
    ("keras2", "ThresholdedReLU", "threshold", {"threshold": 1.0, "value": 0.0}),
    ("keras2", "ThresholdedReLU(theta=0.5)", "threshold", {"threshold": 0.5, "value": 0.0}),
    ("keras2", "relu", "relu", {"negative_slope": 0.0, "max_value": math.inf, "threshold": 0.0}),
    ("keras2", "relu(alpha=0.1, max_value=6)", "relu", {"negative_slope": 0.1, "max_value": 6.0}),
    ("keras2", "ELU(alpha=0.5)", "elu", {"alpha": 0.5}),
    ("keras2", "gelu", "gelu", {"approximate": "none"}),
    ("keras2", "swish", "silu", {}),
    ("keras2", "Softmax", "softmax", {"axis": -1}),
    # PuzzleLib: clip (0, 6), leakyRelu 0.01, elu 1.0, SoftMax over axis 1, Gelu exact
    ("puzzlelib", "clip", "clip", {"min_val": 0.0, "max_val": 6.0}),
    ("puzzlelib", "clip(-1, 1)", "clip", {"min_val": -1.0, "max_val": 1.0}),
    ("puzzlelib", "leakyRelu", "leaky_relu", {"negative_slope": 0.01}),
    ("puzzlelib", "elu", "elu", {"alpha": 1.0}),
    ("puzzlelib", "softPlus", "softplus", {"threshold": math.inf}),
    ("puzzlelib", "Gelu", "gelu", {"approximate": "none"}),
    ("puzzlelib", "SoftMax", "softmax", {"axis": 1}),
    # PyTorch: hardsigmoid is x/6 + 1/2, softplus threshold 20, Softmax2d over -3
    ("torch", "hardsigmoid", "hard_sigmoid_v3", {}),
    ("torch", "Hardsigmoid", "hard_sigmoid_v3", {}),
    ("torch", "softplus", "softplus", {"beta": 1.0, "threshold": 20.0}),
    ("torch", "Softplus", "softplus", {"beta": 1.0, "threshold": 20.0}),
    ("torch", "softplus(beta=2)", "softplus", {"beta": 2.0, "threshold": 20.0}),
    ("torch", "Softmax2d", "softmax", {"axis": -3}),
    ("torch", "leaky_relu", "leaky_relu", {"negative_slope": 0.01}),
    ("torch", "LeakyReLU", "leaky_relu", {"negative_slope": 0.01}),
    ("torch", "gelu", "gelu", {"approximate": "none"}),
    ("torch", "gelu(approximate='tanh')", "gelu", {"approximate": "tanh"}),
    ("torch", "hardtanh", "hard_tanh", {"min_val": -1.0, "max_val": 1.0}),
    ("torch", "Hardtanh(min_val=-2, max_val=2)", "hard_tanh", {"min_val": -2.0, "max_val": 2.0}),
    ("torch", "hardswish", "hard_silu", {}),
    ("torch", "hardshrink", "hard_shrink", {"lambd": 0.5}),
    ("torch", "softshrink(0.25)", "soft_shrink", {"lambd": 0.25}),
    ("torch", "threshold(1, 2)", "threshold", {"threshold": 1.0, "value": 2.0}),
    ("torch", "celu", "celu", {"alpha": 1.0}),
    ("torch", "Identity", "linear", {}),
    ("torch", "exp", "exponential", {}),
    # JAX: gelu is the tanh form, hard_sigmoid x/6 + 1/2, leaky 0.01
    ("jax", "gelu", "gelu", {"approximate": "tanh"}),
    ("jax", "gelu(approximate=False)", "gelu", {"approximate": "none"}),
    ("jax", "gelu(approximate=True)", "gelu", {"approximate": "tanh"}),
    ("jax", "hard_sigmoid", "hard_sigmoid_v3", {}),
    ("jax", "hard_swish", "hard_silu", {}),
    ("jax", "leaky_relu", "leaky_relu", {"negative_slope": 0.01}),
    ("jax", "squareplus", "squareplus", {"b": 4.0}),
    ("jax", "identity", "linear", {}),
    ("jax", "soft_sign", "softsign", {}),
    ("jax", "softplus", "softplus", {"threshold": math.inf}),
    ("jax", "standardize", "standardize", {"axis": -1, "epsilon": 1e-5}),
    # Keras 3: leaky_relu 0.2 but the LeakyReLU layer 0.3; hard_sigmoid x/6 + 1/2; gelu erf
    ("keras", "leaky_relu", "leaky_relu", {"negative_slope": 0.2}),
    ("keras", "LeakyReLU", "leaky_relu", {"negative_slope": 0.3}),
    ("keras", "leaky_relu(negative_slope=0.1)", "leaky_relu", {"negative_slope": 0.1}),
    ("keras", "hard_sigmoid", "hard_sigmoid_v3", {}),
    ("keras", "hard_swish", "hard_silu", {}),
    ("keras", "gelu", "gelu", {"approximate": "none"}),
    ("keras", "gelu(approximate=True)", "gelu", {"approximate": "tanh"}),
    ("keras", "soft_shrink", "soft_shrink", {"lambd": 0.5}),
    ("keras", "soft_shrink(threshold=0.3)", "soft_shrink", {"lambd": 0.3}),
    ("keras", "hard_shrink(threshold=0.3)", "hard_shrink", {"lambd": 0.3}),
    ("keras", "threshold(threshold=1, default_value=2)", "threshold", {"value": 2.0}),
    ("keras", "relu(negative_slope=0.1)", "relu", {"negative_slope": 0.1}),
    ("keras", "ReLU", "relu", {"negative_slope": 0.0}),
    ("keras", "squareplus", "squareplus", {"b": 4.0}),
    ("keras", "celu", "celu", {"alpha": 1.0}),
    ("keras", "Softmax", "softmax", {"axis": -1}),
]


@pytest.mark.parametrize(
    ("dialect", "spec", "canonical", "values"),
    DIALECT_DEFAULTS,
    ids=[f"{row[0]}:{row[1]}" for row in DIALECT_DEFAULTS],
)
def test_dialect_gives_the_frameworks_own_defaults(dialect, spec, canonical, values):
    if canonical is None:
        with pytest.raises(nl.SpecError):
            nl.get(spec, dialect=dialect)
        return
    require(canonical)
    act = nl.get(spec, dialect=dialect)
    assert act.name == canonical
    for key, value in values.items():
        assert getattr(act, key) == value, key
    assert nl.get(str(act)) == act  # the canonical string needs no dialect


def test_hard_sigmoid_forms_differ_as_documented():
    require("hard_sigmoid", "hard_sigmoid_v3")
    x = [-2.75, -2.5, 0.0, 1.0, 2.75]
    old = nl.get("hard_sigmoid", dialect="keras2")
    new = nl.get("hard_sigmoid", dialect="keras")
    assert old(x).tolist() == [0.0, 0.0, 0.5, 0.7, 1.0]
    assert new(x) == pytest.approx([1 / 24, 1 / 12, 0.5, 1 / 6 + 0.5, 0.5 + 2.75 / 6])
    assert nl.get("hardsigmoid", dialect="torch") == new == nl.get("hard_sigmoid", dialect="jax")


def test_jax_gelu_is_the_tanh_form_and_torch_gelu_the_erf_form():
    x = [-1.0, 0.5, 2.0]
    jax_gelu = nl.get("gelu", dialect="jax")
    torch_gelu = nl.get("gelu", dialect="torch")
    assert jax_gelu == nl.get("gelu(approximate='tanh')")
    assert torch_gelu == nl.get("gelu")
    assert not (jax_gelu(x) == torch_gelu(x)).all()


def test_exact_spelling_in_a_dialect_comes_before_the_normalised_one():
    # Keras 3 leaky_relu (0.2) and LeakyReLU (0.3) are one name once normalised.
    assert nl.get("leaky_relu", dialect="keras").negative_slope == 0.2
    assert nl.get("LeakyReLU", dialect="keras").negative_slope == 0.3
    # Lasagne SELU (class, scale 1) and selu (instance, the SELU constants).
    assert nl.get("SELU", dialect="lasagne").scale == 1.0
    assert nl.get("selu", dialect="lasagne").scale == SELU_SCALE


def test_other_spellings_in_a_dialect_still_resolve():
    assert nl.get("LEAKYRECTIFY", dialect="lasagne").negative_slope == 0.01
    assert nl.get("leaky-relu", dialect="numpy_ml").negative_slope == 0.3
    assert nl.get("Soft_Plus", dialect="torch").threshold == 20.0


def test_a_name_a_dialect_lacks_falls_back_to_ours():
    assert nl.get("mish", dialect="lasagne") == nl.mish
    assert nl.get("tanh_shrink", dialect="keras2") == nl.get("tanh_shrink")
    assert nl.get("hard_sigmoid_v3", dialect="numpy_ml") == nl.get("hard_sigmoid_v3")
    assert nl.get("rect:minmax", dialect="torch") == nl.get("rect:minmax")


def test_a_dialect_applies_to_every_stage_of_a_chain():
    act = nl.get("LeakyReLU + ELU(alpha=0.5) + hard_sigmoid", dialect="keras2")
    assert str(act) == "leaky_relu(negative_slope=0.3)+elu(alpha=0.5)+hard_sigmoid"
    act = nl.get("hard_sigmoid+gelu", dialect="jax")
    assert str(act) == "hard_sigmoid_v3+gelu(approximate='tanh')"


@pytest.mark.parametrize("dialect", ["keras2", "keras"])
def test_keras_relu_layer_takes_max_value_first_but_the_function_negative_slope(dialect):
    layer = nl.get("ReLU(6.0, 0.1, 0.5)", dialect=dialect)
    assert (layer.max_value, layer.negative_slope, layer.threshold) == (6.0, 0.1, 0.5)
    function = nl.get("relu(0.1, 6.0)", dialect=dialect)
    assert (function.negative_slope, function.max_value) == (0.1, 6.0)
    assert nl.get("ReLU(6.0)").negative_slope == 6.0  # without a dialect: our order
    with pytest.raises(nl.SpecError, match=r"\(max_value, negative_slope, threshold\)"):
        nl.get("ReLU(1, 2, 3, 4)", dialect=dialect)


def test_positional_orders_name_real_parameters():
    for dialect, table in dialects.POSITIONAL.items():
        for name, order in table.items():
            cls = type(nl.get(name, dialect=dialect))
            assert set(order) <= set(cls.parameters())


def test_a_dialect_reads_names_in_its_own_meaning_and_canonical_strings_need_none():
    theirs = nl.get("elu", dialect="theanets")  # theanets' ELU learns its gain
    assert theirs.name == "elu_learnable" and nl.get("elu").name == "elu"
    assert nl.get(str(theirs)) == theirs
    for dialect in DIALECT_NAMES:
        assert nl.get("elu(alpha=0.5)", dialect=dialect if dialect != "theanets" else None) == (
            nl.ELU(alpha=0.5)
        )


# --------------------------------------------------------------------------- dialect names


@pytest.mark.parametrize(
    ("spelling", "dialect"),
    [
        ("keras2", "keras2"),
        ("Keras2", "keras2"),
        ("keras", "keras"),
        ("Keras3", "keras"),
        ("torch", "torch"),
        ("PyTorch", "torch"),
        ("numpy_ml", "numpy_ml"),
        ("numpy-ml", "numpy_ml"),
        ("NumpyML", "numpy_ml"),
        ("jax", "jax"),
        ("jax.nn", None),
        ("Lasagne", "lasagne"),
        ("theanets", "theanets"),
        ("PuzzleLib", "puzzlelib"),
        (None, None),
    ],
)
def test_dialect_names_are_normalised(spelling, dialect):
    if spelling == "jax.nn":
        with pytest.raises(ParameterError):
            resolve_dialect(spelling)
        return
    assert resolve_dialect(spelling) == dialect


def test_the_eight_dialects():
    assert set(DIALECT_NAMES) == {
        "lasagne",
        "theanets",
        "numpy_ml",
        "keras2",
        "puzzlelib",
        "torch",
        "jax",
        "keras",
    }


@pytest.mark.parametrize(
    ("spelling", "suggestion"),
    [("kera", "keras"), ("pytorh", "torch"), ("numpyml2", "numpy_ml"), ("lasagna", "lasagne")],
)
def test_an_unknown_dialect_is_an_error_with_a_suggestion(spelling, suggestion):
    with pytest.raises(ParameterError, match=f"unknown dialect '{spelling}'; did you mean") as info:
        nl.get("relu", dialect=spelling)
    assert f"did you mean '{suggestion}'?" in str(info.value)
    assert "keras2" in str(info.value)  # lists the dialects
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, NonlinError)


def test_an_unknown_dialect_without_a_close_match_lists_them_all():
    with pytest.raises(ValueError, match="unknown dialect 'zzzzzz'; dialects are lasagne"):
        nl.get("relu", dialect="zzzzzz")


def test_a_dialect_must_be_a_string():
    with pytest.raises(TypeError, match="dialect must be a string"):
        nl.get("relu", dialect=2)  # type: ignore[arg-type]


def test_an_unknown_name_in_a_dialect_suggests_that_dialects_names():
    with pytest.raises(UnknownActivationError, match="Did you mean 'very_leaky_rectify'"):
        nl.get("very_leaky_rectfy", dialect="lasagne")


def test_maxout_k_takes_theanets_defaults_in_its_dialect():
    assert str(nl.get("maxout:3", dialect="theanets")) == "maxout(pieces=3, axis=-1)"
    assert str(nl.get("maxout:3")) == "maxout(pieces=3)"

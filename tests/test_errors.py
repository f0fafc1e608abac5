"""Every error nonlin raises: its class, its message, its hint."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import nonlin as nl
from nonlin.activation import normalize_name, registered_classes
from nonlin.errors import (
    InputError,
    InputTypeError,
    NonlinError,
    ParameterError,
    SpecError,
    UnknownActivationError,
)
from nonlin.registry import SpecParameterError


def require(*names: str) -> None:
    missing = [name for name in names if normalize_name(name) not in registered_classes()]
    if missing:
        pytest.skip(f"not registered: {', '.join(missing)}")


def lines(error: BaseException) -> list[str]:
    return str(error).split("\n")


def underlined(error: SpecError) -> str:
    shown, pointer = lines(error)[1:3]
    start = len(pointer) - len(pointer.lstrip(" "))
    return shown[start : len(pointer)]


# --------------------------------------------------------------------------- the hierarchy


@pytest.mark.parametrize(
    ("error", "bases"),
    [
        (SpecError, (NonlinError, ValueError)),
        (UnknownActivationError, (SpecError, NonlinError, ValueError)),
        (ParameterError, (NonlinError, ValueError)),
        (SpecParameterError, (SpecError, ParameterError, NonlinError, ValueError)),
        (InputTypeError, (NonlinError, TypeError)),
        (InputError, (NonlinError, ValueError)),
    ],
)
def test_errors_subclass_the_documented_builtins(error, bases):
    for base in bases:
        assert issubclass(error, base)


def test_every_error_is_exported_at_the_top_level():
    for name in (
        "NonlinError",
        "SpecError",
        "UnknownActivationError",
        "ParameterError",
        "InputTypeError",
        "InputError",
    ):
        assert getattr(nl, name).__module__ == "nonlin.errors"


@pytest.mark.parametrize("spec", ["eluu", "elu(alpha=-1)", "relu(", "elu(alfa=1)"])
def test_spec_errors_pickle_with_their_message(spec):
    with pytest.raises(SpecError) as info:
        nl.get(spec)
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is type(info.value)
    assert str(copy) == str(info.value)
    assert (copy.spec, copy.span, copy.hint) == (info.value.spec, info.value.span, info.value.hint)


@pytest.mark.parametrize("spec", ["eluu", "elu(alpha=-1)", "elu(alfa=1)", "relu(1, 2, 3, 4)"])
def test_internal_exceptions_are_not_chained(spec):
    with pytest.raises(SpecError) as info:
        nl.get(spec)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ or info.value.__context__ is None


# --------------------------------------------------------------------------- unknown names


def test_unknown_name_suggests_the_closest_names():
    require("selu")
    with pytest.raises(UnknownActivationError) as info:
        nl.get("eluu(alpha=0.5)+norm:z")
    assert str(info.value) == (
        "unknown activation 'eluu'\n"
        "    eluu(alpha=0.5)+norm:z\n"
        "    ^^^^\n"
        "Did you mean 'elu' or 'selu'?"
    )


@pytest.mark.parametrize(
    ("spec", "token", "suggestion"),
    [
        ("relu+tanhh", "tanhh", "'tanh'"),
        ("sigmod", "sigmod", "'sigmoid'"),
        ("leaky_rlu(0.1)", "leaky_rlu", "'leaky_relu'"),
        ("rectfy", "rectify", "'rectify'"),
        ("tanh + Softplu", "Softplu", "'softplus'"),
        ("rect:minmx", "rect:minmx", "'rect:minmax'"),
    ],
)
def test_unknown_names_underline_the_name_and_suggest(spec, token, suggestion):
    with pytest.raises(UnknownActivationError, match="unknown activation") as info:
        nl.get(spec)
    if token != "rectify":
        assert underlined(info.value) == token
    assert suggestion in lines(info.value)[-1]
    assert lines(info.value)[-1].startswith("Did you mean ")


def test_unknown_name_without_a_close_match_points_to_the_list():
    with pytest.raises(UnknownActivationError) as info:
        nl.get("qqqqqqqq")
    assert lines(info.value)[-1] == "Run `nonlin list` (or nl.names()) to see every name."


def test_an_unknown_name_is_a_key_lookup_error_as_value_error():
    with pytest.raises(ValueError, match="unknown activation 'nope_nope'"):
        nl.get("nope_nope")


def test_a_very_long_unknown_name_is_shortened_in_the_headline():
    with pytest.raises(UnknownActivationError) as info:
        nl.get("x" * 500)
    assert len(lines(info.value)[0]) < 80
    assert all(len(line) < 100 for line in lines(info.value))


# --------------------------------------------------------------------------- parameters in specs


@pytest.mark.parametrize(
    ("spec", "message", "token"),
    [
        ("elu(alpha=-1)", "elu: parameter 'alpha' is -1; it must be > 0", "alpha=-1"),
        ("elu(-1)", "parameter 'alpha' is -1", "-1"),
        ("elu(alpha=0)", "parameter 'alpha' is 0; it must be > 0", "alpha=0"),
        ("elu(alpha=inf)", "parameter 'alpha' is inf; it must be finite", "alpha=inf"),
        ("elu(alpha=-inf)", "parameter 'alpha' is -inf", "alpha=-inf"),
        ("elu(alpha='big')", "parameter 'alpha' must be a float, not str 'big'", "alpha='big'"),
        ("elu(alpha=True)", "parameter 'alpha' must be a float, not bool True", "alpha=True"),
        ("elu(alpha=None)", "parameter 'alpha' cannot be None", "alpha=None"),
        ("elu(alfa=1)", "elu has no parameter 'alfa'; did you mean 'alpha'\\?", "alfa=1"),
        ("elu(beta=1)", "elu has no parameter 'beta'", "beta=1"),
        ("tanh(alpha=1)", "tanh has no parameter 'alpha'; it takes no parameters", "alpha=1"),
        ("elu(1, alpha=2)", "parameter 'alpha' is given twice", "alpha=2"),
        ("relu(0.1, alpha=0.2)", "parameter 'negative_slope' is given twice", "alpha=0.2"),
        ("elu(1, 2)", "elu takes 1 positional parameter", "2"),
        ("tanh(1)", "tanh takes 0 positional parameter", "1"),
        ("gelu(approximate='fast')", "approximate' is 'fast'; choose one of", "approximate='fast'"),
        ("tanh+elu(alpha=-2)+relu", "parameter 'alpha' is -2", "alpha=-2"),
    ],
)
def test_bad_parameters_in_a_spec_underline_the_argument(spec, message, token):
    with pytest.raises(SpecParameterError, match=message) as info:
        nl.get(spec)
    assert underlined(info.value) == token
    assert isinstance(info.value, ParameterError)
    assert isinstance(info.value, SpecError)
    assert "takes" in lines(info.value)[-1]  # the hint lists the parameters


@pytest.mark.parametrize(
    ("spec", "message", "token"),
    [
        ("elu(alpha=nan)", "nan is not a valid parameter value", "nan"),
        ("elu(alpha=1, alpha=2)", "parameter 'alpha' is given twice", "alpha"),
        ("elu(alpha=1e999)", "too large for a float", "1e999"),
    ],
)
def test_parameter_mistakes_the_parser_sees_are_spec_errors(spec, message, token):
    with pytest.raises(SpecError, match=message) as info:
        nl.get(spec)
    assert underlined(info.value) == token


def test_the_hint_of_a_parameter_error_lists_the_parameters_and_defaults():
    with pytest.raises(SpecParameterError) as info:
        nl.get("relu(slope=0.1)")
    assert lines(info.value)[-1] == (
        "relu takes negative_slope=0.0, max_value=inf, threshold=0.0 "
        "(run `nonlin show relu` for details)."
    )


def test_a_check_across_parameters_underlines_the_whole_term():
    with pytest.raises(SpecParameterError) as info:
        nl.get("tanh+scaled_tanh(scale_in=0)")
    assert "scale_in" in lines(info.value)[0]
    assert underlined(info.value) == "scaled_tanh(scale_in=0)"


# --------------------------------------------------------------------------- parameters in Python


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": math.nan}, "parameter 'alpha' is nan"),
        ({"alpha": math.inf}, "it must be finite"),
        ({"alpha": -1.0}, "it must be > 0"),
        ({"alpha": "1"}, "must be a float, not str"),
        ({"alpha": 1 + 0j}, "must be a float, not complex"),
        ({"alpha": None}, "cannot be None"),
        ({"alpha": False}, "must be a float, not bool"),
    ],
)
def test_bad_parameters_in_python_raise_parameter_error(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        nl.ELU(**kwargs)
    with pytest.raises(ParameterError, match=message):
        nl.elu.replace(**kwargs)


def test_an_unhashable_parameter_value_is_a_parameter_error():
    with pytest.raises(ParameterError, match="must be a float, not list"):
        nl.ELU(alpha=[1.0])
    with pytest.raises(ParameterError, match="must be a float, not list"):
        nl.elu.replace(alpha=[1.0])
    with pytest.raises(ParameterError, match="must be a float, not ndarray"):
        nl.elu([1.0], alpha=np.array([0.5]))


def test_an_integer_too_large_for_a_float_is_a_parameter_error():
    with pytest.raises(ParameterError, match="alpha"):
        nl.ELU(alpha=10**400)


def test_numpy_scalars_are_accepted_as_parameters():
    assert nl.ELU(alpha=np.float32(0.5)).alpha == 0.5
    assert type(nl.ELU(alpha=np.float64(0.5)).alpha) is float
    assert nl.ELU(alpha=np.int64(2)).alpha == 2.0


def test_unknown_keyword_in_a_call_suggests_the_parameter():
    with pytest.raises(ParameterError, match="elu has no parameter 'alfa'; did you mean 'alpha'"):
        nl.elu([1.0], alfa=0.5)
    with pytest.raises(ParameterError, match="did you mean"):
        nl.elu.grad([1.0], alph=0.5)


def test_a_bad_value_in_a_call_is_a_parameter_error():
    with pytest.raises(ParameterError, match="it must be > 0"):
        nl.elu([1.0], alpha=-1.0)


# --------------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.array(["a", "b"]), "string dtype"),
        (np.array([b"a"]), "bytes dtype"),
        (np.array([1.0, None], dtype=object), "object dtype"),
        (np.array([1 + 2j]), "complex dtype"),
        (np.array([1.0], dtype=np.complex64), "complex"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime"),
        (["a", "b"], "list of strings"),
        ("1.0", "must be an array or a number, not str"),
        (None, "must be an array or a number, not NoneType"),
        ({"x": 1.0}, "must be an array or a number, not dict"),
        ({1.0, 2.0}, "not set"),
        (1 + 2j, "complex"),
        ([[1.0, 2.0], [3.0]], "cannot be made into an array"),
    ],
)
@pytest.mark.parametrize("method", ["__call__", "grad", "grad2"])
def test_non_numeric_input_is_an_input_type_error(x, message, method):
    with pytest.raises(InputTypeError, match=message) as info:
        getattr(nl.elu, method)(x)
    assert isinstance(info.value, TypeError)


def test_complex_input_names_the_fix():
    with pytest.raises(TypeError, match="take the real part or the magnitude first"):
        nl.tanh(np.array([1j]))


def test_a_bad_cotangent_is_an_input_error_too():
    with pytest.raises(InputTypeError, match="dy"):
        nl.elu.vjp([1.0, 2.0], "x")
    with pytest.raises(InputError, match="shape"):
        nl.elu.vjp([1.0, 2.0], [1.0, 2.0, 3.0])


def test_torch_complex_input_is_an_input_type_error():
    torch = pytest.importorskip("torch")
    with pytest.raises(InputTypeError, match="complex"):
        nl.elu(torch.tensor([1 + 1j]))


def test_zero_dimensional_input_to_an_axis_activation_is_an_input_error():
    require("softmax")
    with pytest.raises(InputError, match="0-d"):
        nl.get("softmax")(np.float64(1.0))
    with pytest.raises(InputError, match="axis 3 is out of range"):
        nl.get("softmax(axis=3)")(np.zeros((2, 2)))


def test_grad_of_a_non_elementwise_activation_is_a_type_error():
    require("softmax")
    with pytest.raises(TypeError, match=r"not elementwise.*use act\.vjp"):
        nl.get("softmax").grad(np.zeros(3))


# --------------------------------------------------------------------------- lookups


def test_get_of_an_unsupported_object_is_a_type_error():
    with pytest.raises(TypeError, match="cannot make an activation from int 3"):
        nl.get(3)


def test_get_of_a_non_string_spec_via_parse_is_a_type_error():
    from nonlin.spec import parse

    with pytest.raises(TypeError, match="a spec must be a string"):
        parse(None)  # type: ignore[arg-type]


def test_registering_over_a_builtin_is_a_value_error():
    with pytest.raises(ValueError, match="already taken by built-in ELU"):
        nl.register("elu")(type("Mine", (nl.Activation,), {"__module__": "__user__"}))


def test_registering_an_invalid_name_is_a_value_error():
    with pytest.raises(ValueError, match="cannot be an activation name"):
        nl.register("bad name!")(type("Mine2", (nl.Activation,), {"__module__": "__user__"}))


def test_registering_a_lambda_is_a_value_error():
    with pytest.raises(ValueError, match="lambda has no name"):
        nl.register(lambda x: x)

"""The spec language (design.md, section 2): grammar, literals, errors, canonical text."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import nonlin as nl
from nonlin.activation import registered_classes
from nonlin.errors import NonlinError, ParameterError, SpecError
from nonlin.spec import MAX_SPEC_LENGTH, Argument, format_literal, parse


def names_and_arguments(source: str) -> list[tuple[str, list[tuple[str | None, object]]]]:
    """A parsed spec without its source spans, for comparisons."""
    return [
        (term.name, [(arg.keyword, arg.value) for arg in term.arguments])
        for term in parse(source).terms
    ]


def caret(error: SpecError) -> tuple[str, int, int]:
    """The spec line of an error message and the columns its caret line underlines."""
    lines = str(error).split("\n")
    shown, pointer = lines[1], lines[2]
    assert shown.startswith("    ")
    start = len(pointer) - len(pointer.lstrip(" "))
    assert set(pointer[start:]) == {"^"}
    return shown[4:], start - 4, len(pointer) - 4


def underlined(error: SpecError) -> str:
    shown, start, stop = caret(error)
    return shown[start:stop]


# --------------------------------------------------------------------------- grammar


def test_one_name():
    (term,) = parse("relu").terms
    assert term.name == "relu"
    assert term.arguments == ()
    assert term.name_span == term.span == (0, 4)


@pytest.mark.parametrize(
    ("source", "name"),
    [("norm:z", "norm:z"), ("rect:minmax", "rect:minmax"), ("maxout:3", "maxout:3")],
)
def test_names_with_a_colon(source, name):
    (term,) = parse(source).terms
    assert term.name == name
    assert term.name_span == (0, len(source))


def test_composition_keeps_the_order_written():
    spec = parse("tanh+norm:z+relu")
    assert [term.name for term in spec.terms] == ["tanh", "norm:z", "relu"]
    assert spec.source == "tanh+norm:z+relu"


def test_positional_and_keyword_arguments():
    (term,) = parse("relu(0.1, max_value=6, threshold=0.5)").terms
    assert [(arg.keyword, arg.value) for arg in term.arguments] == [
        (None, 0.1),
        ("max_value", 6),
        ("threshold", 0.5),
    ]
    assert term.arguments[1] == Argument("max_value", 6, (10, 21))


def test_empty_parentheses_mean_no_arguments():
    assert names_and_arguments("elu()") == [("elu", [])]
    assert nl.get("elu()") == nl.get("elu")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("-2", -2),
        ("+3", 3),
        ("0.5", 0.5),
        ("-0.5", -0.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e-3", 0.001),
        ("2.5E+2", 250.0),
        ("inf", math.inf),
        ("Inf", math.inf),
        ("+inf", math.inf),
        ("-inf", -math.inf),
        ("infinity", math.inf),
        ("-Infinity", -math.inf),
        ("True", True),
        ("False", False),
        ("None", None),
        ("true", True),
        ("'tanh'", "tanh"),
        ('"tanh"', "tanh"),
        ("''", ""),
    ],
)
def test_literals(text, value):
    (argument,) = parse(f"f(x={text})").terms[0].arguments
    assert argument.value == value
    assert type(argument.value) is type(value)


def test_quoted_strings_keep_what_is_inside():
    (argument,) = parse("f(mode=' a+b(c)=, ')").terms[0].arguments
    assert argument.value == " a+b(c)=, "
    (argument,) = parse('f(mode="it\'s")').terms[0].arguments
    assert argument.value == "it's"


@pytest.mark.parametrize(
    "source",
    [
        " elu ( alpha = 0.5 ) + norm : z ",
        "elu(alpha=0.5)+norm:z",
        "\telu(\n alpha=0.5\n)\n+\nnorm:z\n",
        "elu(alpha=0.5)\u3000+\u00a0norm:z",
    ],
)
def test_whitespace_is_free(source):
    assert names_and_arguments(source) == [("elu", [("alpha", 0.5)]), ("norm:z", [])]


def test_names_are_kept_as_written():
    # Normalisation (case, '_' and '-') is the registry's job; the parser keeps the text.
    assert names_and_arguments("Leaky-ReLU") == [("Leaky-ReLU", [])]
    assert names_and_arguments("leaky_relu") == [("leaky_relu", [])]


def test_spans_point_into_the_source():
    source = "  elu(alpha=0.5) +  relu6 "
    first, second = parse(source).terms
    assert source[slice(*first.name_span)] == "elu"
    assert source[slice(*first.span)] == "elu(alpha=0.5)"
    assert source[slice(*first.arguments[0].span)] == "alpha=0.5"
    assert source[slice(*second.span)] == "relu6"


def test_parse_is_cached_and_its_result_is_immutable():
    assert parse("elu(alpha=0.25)+tanh") is parse("elu(alpha=0.25)+tanh")
    spec = parse("elu")
    with pytest.raises(AttributeError):
        spec.terms = ()  # type: ignore[misc]
    assert hash(spec) == hash(parse("elu"))


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError, match="a spec must be a string, not int"):
        parse(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not list"):
        parse(["relu"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- errors

# (spec, message, the text the caret underlines)
MALFORMED = [
    ("", "empty activation spec", ""),
    ("   ", "empty activation spec", " "),
    ("relu(", "ends too early", ""),
    ("elu(alpha=0.5", "ends too early", ""),
    ("elu(alpha=", "ends too early", ""),
    ("tanh+", "ends too early", ""),
    ("norm:", "ends too early", ""),
    ("+relu", "expected an activation name but found '\\+'", "+"),
    ("relu++tanh", "expected an activation name but found '\\+'", "+"),
    ("(relu)", "expected an activation name but found '\\('", "("),
    ("1.5", "expected an activation name but found '1.5'", "1.5"),
    ("'relu'", "expected an activation name", "'relu'"),
    ("relu tanh", "unexpected 'tanh'", "tanh"),
    ("relu)", "unexpected '\\)'", ")"),
    ("relu,tanh", "unexpected ','", ","),
    ("elu(alpha=0.5))", "unexpected '\\)'", ")"),
    ("norm:(", "expected a name after ':' but found '\\('", "("),
    ("norm::z", "expected a name after ':'", ":"),
    ("elu(alpha 0.5)", "expected a value but found 'alpha'", "alpha"),
    ("elu(1 2)", "expected ',' or '\\)' but found '2'", "2"),
    ("elu(1,)", "expected a value but found '\\)'", ")"),
    ("elu(,1)", "expected a value but found ','", ","),
    ("elu(alpha=)", "expected a value but found '\\)'", ")"),
    ("elu(=1)", "expected a value but found '='", "="),
    ("gelu(tanh)", "expected a value but found 'tanh'", "tanh"),
    ("gelu(approximate=tanh)", "expected a value but found 'tanh'", "tanh"),
    ("elu(alpha=nan)", "nan is not a valid parameter value", "nan"),
    ("elu(alpha=NaN)", "nan is not a valid parameter value", "NaN"),
    ("elu(alpha=1,alpha=2)", "parameter 'alpha' is given twice", "alpha"),
    ("relu(max_value=6, 0.1)", "a positional argument follows a keyword argument", "0.1"),
    ("elu(alpha=1e999)", "number 1e999 is too large for a float", "1e999"),
    ("elu(alpha=-1e400)", "too large for a float", "-1e400"),
    ("gelu(approximate='tanh)", "unterminated string", "'tanh)"),
    ('gelu(approximate="tanh)', "unterminated string", '"tanh)'),
    ("relu;tanh", "unexpected character ';'", ";"),
    ("elu[1]", "unexpected character '\\['", "["),
    ("relü", "unexpected character 'ü'", "ü"),
    ("elu(alpha=٣)", "unexpected character '٣'", "٣"),  # only ASCII digits are numbers
    ("ｒｅｌｕ", "unexpected character", "ｒ"),
    ("elu(alpha=1_000)", "expected ',' or '\\)' but found '_000'", "_000"),
    ("f(x='it''s')", "expected ',' or '\\)' but found \"'s'\"", "'s'"),
    ("-relu", "unexpected character '-'", "-"),
]


@pytest.mark.parametrize(("source", "message", "token"), MALFORMED)
def test_malformed_specs_raise_with_the_token_underlined(source, message, token):
    with pytest.raises(SpecError, match=message) as info:
        parse(source)
    error = info.value
    shown, start, _ = caret(error)
    assert shown == (source if source.strip() else " " * len(source))
    if token:
        assert underlined(error) == token
    else:  # the spec ended too early: the caret stands just past the end
        assert start == len(source.rstrip()) or start >= len(source)
    assert error.spec == source
    assert error.hint  # every error says what to do
    assert str(error).split("\n")[-1] == error.hint


def test_the_error_shows_the_spec_with_a_caret_line_and_one_hint():
    with pytest.raises(SpecError) as info:
        parse("elu(alpha=0.5)+ +norm:z")
    lines = str(info.value).split("\n")
    assert lines[0] == "expected an activation name but found '+'"
    assert lines[1] == "    elu(alpha=0.5)+ +norm:z"
    assert lines[2] == "                    ^"
    assert len(lines) == 4


def test_tabs_and_newlines_do_not_misalign_the_caret():
    source = "elu(\n\talpha=nan)"
    with pytest.raises(SpecError) as info:
        parse(source)
    shown, start, stop = caret(info.value)
    assert "\n" not in shown and "\t" not in shown
    assert len(shown) == len(source)
    assert shown[start:stop] == "nan"


def test_a_long_spec_is_shown_cut_around_the_bad_token():
    source = "+".join(["relu"] * 100) + "+relu(alpha=nan)+" + "+".join(["tanh"] * 100)
    with pytest.raises(SpecError) as info:
        parse(source)
    shown, start, stop = caret(info.value)
    assert len(shown) < 100
    assert shown.startswith("...") and shown.endswith("...")
    assert shown[start:stop] == "nan"
    assert info.value.spec == source  # the whole spec stays on the exception


def test_parse_errors_are_value_errors_and_nonlin_errors():
    with pytest.raises(ValueError):
        parse("relu(")
    with pytest.raises(NonlinError):
        parse("relu(")


def test_parameter_values_are_checked_by_the_registry_not_the_parser():
    parse("elu(alpha=-1)")  # parses; the activation rejects it
    with pytest.raises(SpecError, match="it must be > 0") as info:
        nl.get("elu(alpha=-1)")
    assert isinstance(info.value, ParameterError)
    assert underlined(info.value) == "alpha=-1"


# --------------------------------------------------------------------------- limits


def test_a_spec_up_to_the_length_limit_parses():
    source = "+".join(["relu"] * (MAX_SPEC_LENGTH // 5))
    assert len(source) <= MAX_SPEC_LENGTH
    act = nl.get(source)
    assert len(list(act.iter_stages())) == MAX_SPEC_LENGTH // 5
    assert act([-1.0, 2.0]).tolist() == [0.0, 2.0]


def test_a_spec_over_the_length_limit_is_refused_quickly():
    source = "relu+" * (MAX_SPEC_LENGTH // 5) + "relu"
    with pytest.raises(SpecError, match="characters long") as info:
        parse(source)
    assert str(info.value).count("\n") == 3
    assert len(str(info.value)) < 400


@pytest.mark.parametrize("depth", [10, 1000, 5000])
def test_deep_nesting_is_an_error_not_a_recursion_error(depth):
    with pytest.raises(SpecError):
        parse("relu(" * depth + ")" * depth)
    with pytest.raises(SpecError):
        parse("(" * depth)


@pytest.mark.parametrize(
    "text",
    ["9" * 400, "9" * 5000, "1" + "0" * 309 + ".0", "1e309", "-1e309", "1e100000"],
)
def test_numbers_too_large_for_a_float_are_spec_errors(text):
    with pytest.raises(SpecError, match="too large for a float"):
        parse(f"elu(alpha={text})")


def test_huge_and_tiny_numbers_that_fit_a_float_are_kept():
    largest = parse("f(x=1.7976931348623157e308)").terms[0].arguments[0].value
    assert largest == 1.7976931348623157e308
    assert parse("f(x=5e-324)").terms[0].arguments[0].value == 5e-324
    assert parse("f(x=1e-400)").terms[0].arguments[0].value == 0.0
    assert parse(f"f(x={'9' * 300})").terms[0].arguments[0].value == int("9" * 300)


def test_unicode_inside_quotes_is_kept():
    assert parse("f(mode='tänh ✓')").terms[0].arguments[0].value == "tänh ✓"


# --------------------------------------------------------------------------- canonical text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (2.0, "2.0"),
        (-0.0, "-0.0"),
        (1 / 3, "0.3333333333333333"),
        (1e-300, "1e-300"),
        (1e16, "1e+16"),
        (123.0, "123.0"),
        (5e-324, "5e-324"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (3, "3"),
        (True, "True"),
        (False, "False"),
        (None, "None"),
        ("tanh", "'tanh'"),
        ("it's", '"it\'s"'),
    ],
)
def test_format_literal_is_short_and_parses_back(value, text):
    assert format_literal(value) == text
    (argument,) = parse(f"f(x={text})").terms[0].arguments
    assert argument.value == value or (value != value and argument.value != argument.value)
    assert type(argument.value) is type(value)


def test_a_string_with_both_quotes_has_no_spec_form():
    with pytest.raises(ValueError, match="both kinds of quote"):
        format_literal('it\'s "x"')


@given(st.floats(allow_nan=False))
def test_every_float_round_trips_through_format_literal(value):
    text = format_literal(value)
    (argument,) = parse(f"f(x={text})").terms[0].arguments
    assert argument.value == value
    assert math.copysign(1.0, argument.value) == math.copysign(1.0, value)
    assert len(text) <= len(repr(value)) + 2  # shortest round trip (2.0, not 2.00000)


def test_str_prints_only_changed_parameters_as_keywords():
    assert str(nl.get("elu(1.0)")) == "elu"
    assert str(nl.get("elu(0.5)")) == "elu(alpha=0.5)"
    assert str(nl.get("ELU ( Alpha = 0.5 )")) == "elu(alpha=0.5)"
    assert str(nl.get("relu(0.1, 6)")) == "relu(negative_slope=0.1, max_value=6.0)"
    assert str(nl.get("elu(alpha=0.5) + tanh")) == "elu(alpha=0.5)+tanh"
    assert repr(nl.get("elu(0.5)")) == str(nl.get("elu(0.5)"))


# --------------------------------------------------------------------------- properties


def _value_strategy(spec):
    """Valid values for one parameter, from its ParamSpec."""
    if spec.choices is not None:
        return st.sampled_from(spec.choices)
    low = spec.gt if spec.gt is not None else spec.ge
    high = spec.lt if spec.lt is not None else spec.le
    floats = st.floats(
        min_value=low,
        max_value=high,
        exclude_min=spec.gt is not None,
        exclude_max=spec.lt is not None,
        allow_nan=False,
        allow_infinity=spec.allow_inf,
    )
    if spec.kind is int:
        return st.integers(
            min_value=None if low is None else math.ceil(low),
            max_value=None if high is None else math.floor(high),
        )
    simple = st.sampled_from([0.0, 0.5, 1.0, 2.0, 1 / 3, 1e-3, 6.0, -0.5, -1.0]).filter(
        lambda v: (
            (low is None or v > low or (spec.gt is None and v == low))
            and (high is None or v < high or (spec.lt is None and v == high))
        )
    )
    return st.one_of(simple, floats)


BUILTIN_CLASSES = [
    cls for cls in registered_classes().values() if cls.__module__.startswith("nonlin.")
]


@st.composite
def activations(draw):
    """A registered activation with some of its parameters set to valid values."""
    cls = draw(st.sampled_from(BUILTIN_CLASSES))
    values = {}
    for name, spec in cls.parameter_specs().items():
        if spec.kind is str and spec.choices is None:
            continue
        if draw(st.booleans()):
            values[name] = draw(_value_strategy(spec))
    try:
        return cls(**values)
    except ParameterError:  # a check across parameters (e.g. clip's min < max)
        assume(False)


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.filter_too_much])
@given(activations())
def test_random_valid_specs_round_trip_through_str(act):
    text = str(act)
    again = nl.get(text)
    assert again == act
    assert str(again) == text
    assert parse(text).source == text


CHARACTERS = st.one_of(
    st.sampled_from(list("()+,=:'\" \t\n.-_eE0123456789")),
    st.sampled_from(["relu", "elu", "norm", "z", "inf", "nan", "True", "None", "alpha"]),
    st.characters(),
)


@settings(max_examples=400, deadline=500)
@given(st.lists(CHARACTERS, max_size=30).map("".join))
def test_random_text_parses_or_raises_spec_error(text):
    try:
        spec = parse(text)
    except SpecError as error:
        assert error.spec == text
        assert str(error).count("\n") >= 2
        return
    assert spec.terms


@settings(max_examples=300, deadline=500)
@given(st.lists(CHARACTERS, max_size=30).map("".join))
def test_random_text_gives_an_activation_or_a_spec_error(text):
    try:
        act = nl.get(text)
    except SpecError:
        return
    assert isinstance(act, nl.Activation)
    assert nl.get(str(act)) == act

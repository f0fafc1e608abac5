"""Bad input to every public entry point: a clear error of our types, inputs untouched.

A table of (entry point, arguments, expected error, words the message must contain).
Every error must be a :class:`nonlin.NonlinError` (our types subclass the builtin
``TypeError``/``ValueError`` too), the message must name the problem, and no array
passed in may be modified when an error is raised. Rows that document a known gap in
the core are marked ``xfail(strict=True)`` with the fix: they turn red once fixed, so
the mark is removed.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import nonlin as nl


class Row(NamedTuple):
    id: str
    call: Callable[..., Any]
    args: tuple[Any, ...]
    error: type[BaseException]
    words: tuple[str, ...] = ()
    known_gap: str = ""  # a reason: the row is a strict xfail until the core is fixed


def _x() -> np.ndarray:
    return np.array([-1.0, 0.0, 2.0])


WRONG_TYPES = {
    "str": "abc",
    "object": object(),
    "complex": 1 + 2j,
    "None": None,
    "dict": {"x": 1.0},
    "complex array": np.array([1j, 2.0]),
    "string array": np.array(["a", "b"]),
    "object array": np.array([1.0, None], dtype=object),
    "list of str": ["a"],
    "set": {1.0},
}

ROWS: list[Row] = []
for label, value in WRONG_TYPES.items():
    for method in ("fn", "grad", "grad2", "derivatives"):
        ROWS.append(
            Row(f"elu.{method}({label})", getattr(nl.elu, method), (value,), nl.InputTypeError)
        )
    ROWS.append(Row(f"vjp(x, {label})", nl.elu.vjp, (_x(), value), nl.InputTypeError, ("dy",)))
    ROWS.append(Row(f"jvp({label}, v)", nl.elu.jvp, (value, _x()), nl.InputTypeError))
    ROWS.append(Row(f"chain({label})", nl.get("elu+tanh"), (value,), nl.InputTypeError))

for label, value in {
    "object": object(),
    "complex": 1j,
    "dict": {},
    "int": 3,
    "bytes": b"elu",
}.items():
    ROWS.append(Row(f"get({label})", nl.get, (value,), nl.InputTypeError, ("spec",)))
    ROWS.append(Row(f"describe({label})", nl.describe, (value,), nl.InputTypeError, ()))

ROWS += [
    Row("vjp shape mismatch", nl.elu.vjp, (_x(), np.ones(4)), nl.InputError, ("shape",)),
    Row("jvp shape mismatch", nl.elu.jvp, (_x(), np.ones((2, 2))), nl.InputError, ("shape",)),
    Row("get('')", nl.get, ("",), nl.SpecError),
    Row("get('elu(')", nl.get, ("elu(",), nl.SpecError),
    Row("get unknown", nl.get, ("elo",), nl.UnknownActivationError, ("elu",)),
    Row("get bad dialect", nl.get, ("elu", "kerass"), nl.ParameterError, ("dialect",)),
    Row("get(1e999 param)", nl.get, ("elu(alpha=1e999)",), nl.SpecError, ("1e999",)),
    Row("get(negative param)", nl.get, ("elu(alpha=-1)",), nl.ParameterError, ("alpha",)),
    Row("get('elu(alpha=nan)')", nl.get, ("elu(alpha=nan)",), nl.SpecError, ("nan",)),
]

BAD_PARAMETERS: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("elu", {"alpha": math.nan}, ("alpha", "nan")),
    ("elu", {"alpha": math.inf}, ("alpha",)),
    ("elu", {"alpha": "1"}, ("alpha",)),
    ("elu", {"alpha": None}, ("alpha",)),
    ("elu", {"alpha": 1 + 1j}, ("alpha",)),
    ("elu", {"alpha": [1.0]}, ("alpha",)),
    ("elu", {"alpha": -1.0}, ("alpha",)),
    ("leaky_relu", {"negative_slope": math.nan}, ("negative_slope",)),
    ("softplus", {"beta": 0.0}, ("beta",)),
    ("softplus", {"beta": -1.0}, ("beta",)),
    ("gelu", {"approximate": "fast"}, ("approximate",)),
    ("gelu", {"approximate": 1}, ("approximate",)),
    ("clip", {"min_val": 2.0, "max_val": 1.0}, ("min_val",)),
    ("selu", {"scale": math.nan}, ("scale",)),
    ("squareplus", {"b": -1.0}, ("b",)),
]
for name, params, words in BAD_PARAMETERS:
    cls = type(nl.get(name))
    label = f"{name}({', '.join(f'{k}={v!r}' for k, v in params.items())})"
    ROWS.append(Row(f"class {label}", cls, (), nl.ParameterError, words))
    ROWS.append(Row(f"replace {label}", nl.get(name).replace, (), nl.ParameterError, words))
    call = (lambda n, p: lambda x: nl.get(n).fn(x, **p))(name, params)
    ROWS.append(Row(f"call {label}", call, (_x(),), nl.ParameterError, words))

ROWS += [
    Row(
        "ELU(nope=1)",
        lambda: nl.ELU(nope=1),
        (),
        nl.ParameterError,
        ("nope",),
    ),
    Row("ELU(alhpa=1)", lambda: nl.ELU(alhpa=1), (), nl.ParameterError, ("did you mean 'alpha'",)),
    Row(
        "LeakyReLU(alpha=1)",
        lambda: nl.LeakyReLU(alpha=0.1),
        (),
        nl.ParameterError,
        ("negative_slope",),
    ),
    Row("elu.replace(nope=1)", nl.elu.replace, (), nl.ParameterError, ("nope",)),
    Row("register(lambda)", nl.register, (lambda x: x,), ValueError, ("name",)),
]


def _params_of(row: Row) -> dict[str, Any]:
    for name, params, _ in BAD_PARAMETERS:
        label = f"{name}({', '.join(f'{k}={v!r}' for k, v in params.items())})"
        if row.id in (f"class {label}", f"replace {label}"):
            return dict(params)
    if row.id == "elu.replace(nope=1)":
        return {"nope": 1}
    return {}


def _snapshot(args: tuple[Any, ...]) -> list[Any]:
    return [copy.deepcopy(a) if isinstance(a, (np.ndarray, list)) else a for a in args]


def _unchanged(before: list[Any], after: tuple[Any, ...]) -> bool:
    for old, new in zip(before, after):
        if isinstance(new, np.ndarray):
            if new.dtype.kind in "fc":
                if not np.array_equal(old, new, equal_nan=True):
                    return False
            elif not np.array_equal(old, new):
                return False
        elif isinstance(new, list) and old != new:
            return False
    return True


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(row, marks=pytest.mark.xfail(strict=True, reason=row.known_gap))
        if row.known_gap
        else row
        for row in ROWS
    ],
    ids=lambda row: row.id,
)
def test_bad_input_gives_our_error_and_leaves_inputs_alone(row):
    before = _snapshot(row.args)
    with pytest.raises(Exception) as caught:
        row.call(*row.args, **_params_of(row))
    error = caught.value
    assert isinstance(error, row.error), f"{row.id}: {type(error).__name__}: {error}"
    if row.error is not ValueError:  # register()'s ValueError is a definition-time error
        assert isinstance(error, nl.NonlinError), f"{row.id}: {type(error).__mro__}"
    message = str(error)
    assert len(message) > 15, f"{row.id}: message too short: {message!r}"
    for word in row.words:
        assert word.lower() in message.lower(), f"{row.id}: {word!r} not in {message!r}"
    assert _unchanged(before, row.args), f"{row.id}: an input was modified"


# --------------------------------------------------------------------------- axes


AXIS_FUNCTIONS = ["softmax", "log_softmax", "norm:z"]


@pytest.mark.parametrize("name", AXIS_FUNCTIONS)
@pytest.mark.parametrize(
    ("x", "params", "words"),
    [
        (np.array(1.0), {}, ("0-d",)),
        (np.float64(1.0), {}, ("0-d",)),
        (np.ones((2, 3)), {"axis": 2}, ("axis",)),
        (np.ones(3), {"axis": -2}, ("axis",)),
    ],
    ids=["0-d array", "numpy scalar", "axis 2 of 2-d", "axis -2 of 1-d"],
)
def test_axis_functions_reject_bad_shapes(name, x, params, words):
    try:
        act = nl.get(name)
    except nl.UnknownActivationError:
        pytest.skip(f"{name} is not registered yet")
    act = act.replace(**params) if params else act
    before = np.copy(x)
    for call in (act.fn, lambda x: act.vjp(x, x), lambda x: act.jvp(x, x)):
        with pytest.raises(nl.InputError) as caught:
            call(x)
        assert all(w in str(caught.value) for w in words), str(caught.value)
    assert np.array_equal(before, x)
    if act.elementwise:
        return
    with pytest.raises(TypeError):
        act.grad(np.ones(3))


@pytest.mark.parametrize("name", AXIS_FUNCTIONS)
@pytest.mark.parametrize("axis", [1.5, "0", None, math.nan])
def test_axis_parameter_of_the_wrong_type(name, axis):
    try:
        act = nl.get(name)
    except nl.UnknownActivationError:
        pytest.skip(f"{name} is not registered yet")
    with pytest.raises(nl.ParameterError):
        act.replace(axis=axis)


def test_grad_of_a_non_elementwise_activation_is_a_type_error():
    for name in AXIS_FUNCTIONS:
        try:
            act = nl.get(name)
        except nl.UnknownActivationError:
            continue
        with pytest.raises(TypeError, match="elementwise"):
            act.grad(np.ones(3))
        return
    pytest.skip("no non-elementwise activation is registered yet")


# --------------------------------------------------------------------------- out=


def _out_supported() -> bool:
    try:
        nl.relu(np.ones(2), out=np.empty(2))
    except (nl.ParameterError, TypeError):
        return False
    return True


@pytest.mark.parametrize(
    ("out", "label"),
    [
        (np.zeros(3, dtype=np.int64), "integer"),
        (np.zeros(3, dtype=np.float32), "float32 for float64 input"),
        (np.zeros(4), "wrong shape"),
        ("readonly", "read-only"),
        ([0.0, 0.0, 0.0], "a list"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
@pytest.mark.parametrize("method", ["fn", "grad", "grad2"])
def test_bad_out_arrays(out, label, method):
    if not _out_supported():
        pytest.skip("out= is not accepted yet")
    if isinstance(out, str):
        out = np.zeros(3)
        out.setflags(write=False)
    x = _x()
    before_x, before_out = x.copy(), copy.deepcopy(out)
    with pytest.raises((nl.InputError, nl.InputTypeError)) as caught:
        getattr(nl.elu, method)(x, out=out)
    assert "out" in str(caught.value), str(caught.value)
    assert np.array_equal(x, before_x)
    assert np.array_equal(np.asarray(out), np.asarray(before_out)), "out was written to"

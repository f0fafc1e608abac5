"""Property-based tests (hypothesis) of the catalog and of the spec parser.

CI runs the derandomized "ci" profile (tests/conftest.py); ``HYPOTHESIS_PROFILE=long``
searches far more widely, for local runs.

* For random finite inputs of every float dtype: f, f', f'' are finite wherever the
  exact value is representable (a non-finite output is checked against the mpmath
  reference at that point), f lies inside the declared range, is monotonic where
  declared and odd/even where declared.
* For random spec strings, valid and not (long, nested, unicode, huge numbers),
  ``nl.get`` either returns an activation whose ``str`` round-trips or raises one of
  our errors (``NonlinError``: SpecError, UnknownActivationError, ParameterError),
  never anything else. Pathological specs (deep nesting, over-long input) fail early
  with a SpecError that says what is wrong, before any recursion or quadratic work.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nonlin as nl
from nonlin import dialects

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import ELEMENTWISE

try:
    import mpmath

    from nonlin._mpref import REFERENCES
    from nonlin.accuracy import _to_float64
except ImportError:  # pragma: no cover - mpmath is a test dependency
    mpmath = None
    REFERENCES = {}

# Built-in, deterministic elementwise entries (learnable ones hold array parameters).
ACTS = [
    act
    for act in ELEMENTWISE
    if type(act).__module__.startswith("nonlin.") and not callable(getattr(act, "param_vjp", None))
]
DTYPES = [np.float16, np.float32, np.float64]
TOLERANCE_ULP = 4


def finite_arrays(dtype: type) -> st.SearchStrategy[np.ndarray]:
    width = np.dtype(dtype).itemsize * 8
    elements = st.floats(allow_nan=False, allow_infinity=False, width=width)
    return hnp.arrays(dtype, st.integers(1, 24), elements=elements)


def representable(act: nl.Activation, index: int, x: float, dtype: type) -> bool:
    """Whether the exact f/f'/f'' (index 0/1/2) at ``x`` is finite in ``dtype``."""
    functions = REFERENCES.get(str(act))
    if functions is None or mpmath is None:
        return False  # unknown: do not accuse
    with mpmath.workdps(60):
        exact = _to_float64(functions[index](mpmath.mpf(x)))
    with np.errstate(over="ignore"):
        return bool(np.isfinite(np.asarray(exact).astype(dtype)))


def _ulps(values: np.ndarray) -> np.ndarray:
    tiny = np.finfo(values.dtype).tiny
    with np.errstate(all="ignore"):
        magnitude = np.maximum(np.abs(values), tiny).astype(values.dtype)
        return np.spacing(magnitude).astype(np.float64)


@given(
    act=st.sampled_from(ACTS),
    data=st.data(),
    dtype=st.sampled_from(DTYPES),
)
def test_elementwise_properties(act, data, dtype):
    x = data.draw(finite_arrays(dtype), label="x")
    outputs = act.derivatives(x)
    for index, (name, y) in enumerate(zip(("f", "f'", "f''"), outputs)):
        assert y.dtype == x.dtype and y.shape == x.shape, (act, name)
        for i in np.flatnonzero(~np.isfinite(y)):
            assert not representable(act, index, float(x[i]), dtype), (
                f"{act}: {name}({float(x[i])!r}) is {y[i]!r} in {np.dtype(dtype)}, "
                "but the exact value is representable"
            )
    f = outputs[0].astype(np.float64)
    traits = act.traits()
    if traits is None:
        return
    low, high = traits.range
    assert np.all((f >= low) & (f <= high)), f"{act}: {f} leaves the range {traits.range}"
    finite = np.isfinite(f)
    if traits.monotonic and finite.sum() > 1:
        order = np.argsort(x[finite], kind="stable")
        xs, ys = x[finite][order].astype(np.float64), f[finite][order]
        slack = TOLERANCE_ULP * _ulps(outputs[0][finite][order])
        with np.errstate(all="ignore"):
            steps = np.diff(ys)
        distinct = np.diff(xs) > 0
        rising = np.all(steps[distinct] >= -(slack[1:][distinct] + slack[:-1][distinct]))
        falling = np.all(steps[distinct] <= slack[1:][distinct] + slack[:-1][distinct])
        assert rising or falling, f"{act} is declared monotonic: x={xs}, f={ys}"
    if traits.symmetry in ("odd", "even"):
        mirrored = act(-x).astype(np.float64)
        expected = -f if traits.symmetry == "odd" else f
        both = np.isfinite(mirrored) & np.isfinite(expected)
        slack = TOLERANCE_ULP * _ulps(outputs[0])[both]
        assert np.all(np.abs(mirrored[both] - expected[both]) <= slack), (
            f"{act} is declared {traits.symmetry}: f(-x)={mirrored}, f(x)={f}"
        )


# --------------------------------------------------------------------------- specs

NAMES = sorted(
    {*nl.names(), *dialects.ALIASES, "norm:z", "maxout:3", "rect:minmax", "LeakyReLU", "GELU"}
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**400), 10**400).map(str),
    st.sampled_from(["inf", "-inf", "1e999", "-1e-999", "0x10", "1_000", ".5", "5.", "nan"]),
)
LITERALS = st.one_of(
    NUMBERS,
    st.sampled_from(["True", "False", "None", "'tanh'", '"erf"', "'", '"']),
    st.text(max_size=8).map(repr),
)
ARGUMENT = st.one_of(
    LITERALS,
    st.tuples(st.sampled_from(["alpha", "beta", "approximate", "x", "é", ""]), LITERALS).map(
        lambda pair: f"{pair[0]}={pair[1]}"
    ),
)
TERM = st.tuples(
    st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=12)),
    st.one_of(st.none(), st.lists(ARGUMENT, max_size=4)),
).map(lambda t: t[0] if t[1] is None else f"{t[0]}({', '.join(t[1])})")
STRUCTURED = st.lists(TERM, min_size=1, max_size=5).map("+".join)
NESTED = st.tuples(st.sampled_from(NAMES), st.integers(1, 3000)).map(
    lambda t: t[0] + "(" * t[1] + ")" * (t[1] // 2)
)
LONG = st.tuples(st.sampled_from(NAMES), st.integers(50, 3000)).map(
    lambda t: "+".join([t[0]] * t[1])
)
SPECS = st.one_of(STRUCTURED, st.text(max_size=60), NESTED, LONG)


@given(spec=SPECS)
def test_spec_parser_round_trips_or_raises_our_errors(spec):
    try:
        act = nl.get(spec)
    except nl.NonlinError:
        pass  # SpecError, UnknownActivationError, ParameterError: all ours
    else:
        text = str(act)
        again = nl.get(text)
        assert again == act and str(again) == text, (spec, text)


@given(spec=st.sampled_from(nl.names()), value=st.floats(allow_nan=False, allow_infinity=True))
def test_first_parameter_from_any_float(spec, value):
    act = nl.get(spec)
    params = list(act.parameters())
    assume(params and isinstance(act.parameters()[params[0]], float))
    try:
        variant = nl.get(f"{act.name}({params[0]}={value!r})")
    except nl.NonlinError:
        return
    assert nl.get(str(variant)) == variant
    assert math.isnan(value) or getattr(variant, params[0]) == value


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("(" * 99_000, r"expected an activation name but found '\('"),
        ("elu(alpha=" + "(" * 50_000, r"expected a value but found '\('"),
        ("relu" + "+relu" * 20_000, r"spec is 100004 characters long"),
        ("é" * 10_000, r"unexpected character 'é'"),
    ],
)
def test_pathological_specs_fail_early_with_our_error(spec, message):
    # Each is refused at its first bad character or by the length limit: no RecursionError
    # from deep nesting, and no quadratic scan of a huge input.
    with pytest.raises(nl.SpecError, match=message):
        nl.get(spec)


def test_the_longest_allowed_chain_parses_and_round_trips():
    spec = "relu" + "+relu" * 19_000  # 95,004 characters: just under the limit
    act = nl.get(spec)
    assert len(act.stages) == 19_001
    assert nl.get(str(act)) == act

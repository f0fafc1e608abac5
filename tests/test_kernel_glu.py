"""glu's compiled row loops (csrc/rows.c): f, vjp and jvp against the array-API path.

float32 is computed in float64 and rounded once, as on the path, and gives its bits;
float64 follows the exact forms on elementary.h's exp, a few ulp from the path's (on
libm's exp) and as close to the 50-digit truth.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import nonlin as nl
from nonlin import engine, kernels

HOOKS = ["_f", "_vjp", "_jvp"]


def _values(dtype: type, rng: np.random.Generator, count: int) -> np.ndarray:
    """Values around every branch of the forms: the far tails (|b| = 700, where e^-|b|
    nears the subnormals; 745, where it underflows; 1490, where its half does), the
    float32 ones (64, 89, 104), the largest and smallest of the dtype, signed zeros,
    inf and NaN, and random values of every scale."""
    info = np.finfo(dtype)
    edges = [0.0, 1.0, 30.0, 64.0, 89.0, 104.0, 700.0, 700.5, 745.0, 746.0, 1490.0, 1500.0]
    tiny = [float(info.max), float(info.tiny), float(info.smallest_subnormal), np.inf]
    special = np.array(edges + tiny + [np.nan])
    special = np.concatenate([special, -special])
    top = 700.0 if dtype == np.float64 else 88.0
    magnitudes = np.exp(rng.uniform(-top, top, count)) * rng.choice([-1.0, 1.0], count)
    with np.errstate(over="ignore"):
        return np.concatenate(
            [
                special,
                rng.standard_normal(count) * 4,
                rng.uniform(-1600, 1600, count),
                magnitudes,
            ]
        ).astype(dtype)


def _inputs(dtype: type, half: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x`` (rows of ``[a, b]``, ``half`` values each; every pair of special values
    among them), a cotangent of f's shape and a tangent of x's."""
    rng = np.random.default_rng(11)
    values = _values(dtype, rng, 40_000)
    special = values[:26]
    pairs_a, pairs_b = (grid.ravel() for grid in np.meshgrid(special, special))
    a = np.concatenate([rng.permutation(values), pairs_a])
    b = np.concatenate([rng.permutation(values), pairs_b])
    size = a.size - a.size % half
    x = np.concatenate([a[:size].reshape(-1, half), b[:size].reshape(-1, half)], axis=1)
    dy = rng.permutation(np.resize(values, size)).reshape(-1, half)
    v = rng.permutation(np.resize(values, 2 * size)).reshape(-1, 2 * half)
    return x, dy, v


def _call(act: nl.Activation, hook: str, x: np.ndarray, dy: np.ndarray, v: np.ndarray):
    with np.errstate(all="ignore"):
        if hook == "_f":
            return act(x)
        return act.vjp(x, dy) if hook == "_vjp" else act.jvp(x, v)


def _on_the_path(act, hook, x, dy, v):
    with kernels.disabled():
        return _call(act, hook, x, dy, v)


def _assert_same_bits(ours: np.ndarray, reference: np.ndarray) -> None:
    assert ours.dtype == reference.dtype and ours.shape == reference.shape
    bits = np.uint32 if ours.dtype == np.float32 else np.uint64
    same = (ours.view(bits) == reference.view(bits)) | (np.isnan(ours) & np.isnan(reference))
    where = np.argwhere(~same)[:3].tolist()
    assert same.all(), f"{(~same).sum()} differ, e.g. at {where}"


@pytest.mark.parametrize("hook", HOOKS)
def test_glu_has_row_loops_in_both_dtypes(hook):
    if not kernels.enabled():
        pytest.skip("the compiled extension is not built")
    for dtype in (np.float32, np.float64):
        assert kernels.lookup_rows(nl.get("glu"), hook, np.dtype(dtype)) is not None


@pytest.mark.parametrize("half", [1, 4, 33])
@pytest.mark.parametrize("hook", HOOKS)
def test_float32_glu_loops_give_the_array_api_paths_bits(hook, half, build, threads):
    act = nl.get("glu")
    x, dy, v = _inputs(np.float32, half)
    _assert_same_bits(_call(act, hook, x, dy, v), _on_the_path(act, hook, x, dy, v))


def _gate_terms(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """|va| sigma(b) + |vb a| sigma'(b), the sizes of the jvp's two terms (they may
    cancel, and then the result's error is relative to them)."""
    half = x.shape[-1] // 2
    a, b = x[:, :half], x[:, half:]
    with np.errstate(all="ignore"):
        gate = np.exp(-np.logaddexp(0.0, -b))
        slope = np.exp(-np.logaddexp(0.0, -b) - np.logaddexp(0.0, b))
        return np.abs(v[:, :half]) * gate + np.abs(v[:, half:] * a) * slope


@pytest.mark.parametrize("hook", HOOKS)
def test_float64_glu_loops_are_within_a_few_ulp_of_the_array_api_path(hook, build):
    act = nl.get("glu")
    x, dy, v = _inputs(np.float64)
    ours, reference = _call(act, hook, x, dy, v), _on_the_path(act, hook, x, dy, v)
    finite = np.isfinite(reference)
    _assert_same_bits(ours[~finite], reference[~finite])
    # f and vjp: a few roundings after exp, which differs from libm's by an ulp at most
    with np.errstate(over="ignore"):  # (the spacing at the largest float64 is inf)
        allowed = 5 * np.spacing(np.abs(reference[finite]))
    if hook == "_jvp":
        terms = _gate_terms(x, v)[finite]
        allowed = np.fmax(allowed, 8 * np.finfo(np.float64).eps * terms)
    error = np.abs(ours[finite] - reference[finite])
    assert np.all(error <= allowed), np.max(error / allowed)


def test_float64_glu_is_as_accurate_as_the_array_api_path(build):
    act = nl.get("glu")
    rng = np.random.default_rng(3)
    a = rng.standard_normal(400) * 10.0 ** rng.integers(-100, 100, 400)
    b = np.concatenate([rng.standard_normal(200) * 8, rng.uniform(-1000, 1000, 200)])
    x = np.stack([a, b], axis=1)
    ours, reference = act(x)[:, 0], _on_the_path(act, "_f", x, None, None)[:, 0]
    mpmath.mp.dps = 50

    def ulp_error(y: float, ai: float, bi: float) -> float:
        truth = mpmath.mpf(ai) / (1 + mpmath.exp(-mpmath.mpf(bi)))
        return float(abs(mpmath.mpf(y) - truth)) / float(np.spacing(abs(float(truth))))

    for y, path, ai, bi in zip(ours, reference, a, b):
        assert ulp_error(y, ai, bi) <= max(2.5, ulp_error(path, ai, bi) + 1)


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize(
    "spec, shape",
    [
        ("glu(axis=0)", (64, 40)),
        ("glu(axis=1)", (3, 50, 7)),
        ("glu+tanh", (300, 18)),
        ("tanh+glu+softmax", (40, 70_002)),
        ("glu(axis=0)+glu(axis=0)", (8, 30)),
    ],
)
def test_glu_along_any_axis_and_in_chains_follows_the_array_api_path(spec, shape, hook):
    act = nl.get(spec)
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    output = act._output_shape(shape)
    dy = rng.standard_normal(output).astype(np.float32)
    v = rng.standard_normal(shape).astype(np.float32)
    ours, reference = _call(act, hook, x, dy, v), _on_the_path(act, hook, x, dy, v)
    assert ours.flags.c_contiguous
    np.testing.assert_allclose(ours, reference, rtol=2**-23, atol=2**-40)
    if "+" not in spec:
        _assert_same_bits(ours, reference)
    if hook == "_f":
        out = np.full(output, np.nan, dtype=np.float32)
        assert act(x, out=out) is out
        _assert_same_bits(out, ours)


def test_glu_through_the_row_engine_on_many_threads():
    act = nl.get("glu")
    x, dy, v = _inputs(np.float32, 400)
    before = engine.get_threads()
    try:
        for count in (1, 2, 3):
            engine.set_threads(count)
            _assert_same_bits(_call(act, "_vjp", x, dy, v), _on_the_path(act, "_vjp", x, dy, v))
    finally:
        engine.set_threads(before)


def test_the_glu_row_loops_check_their_widths():
    if not kernels.enabled():
        pytest.skip("the compiled extension is not built")
    from nonlin import _kernels  # type: ignore[attr-defined]

    index = kernels._row_families()["glu"][0]
    x = np.zeros((4, 8), dtype=np.float32)
    skipped = np.zeros(4, dtype=np.uint8)
    assert _kernels.run_rows(index, 0, (), 1, x, np.empty((4, 4), np.float32), skipped) == 0
    with pytest.raises(TypeError, match="half of it"):
        _kernels.run_rows(index, 0, (), 1, x, np.empty((4, 8), np.float32), skipped)
    with pytest.raises(TypeError, match="half of it"):  # a vjp's cotangent has f's rows
        _kernels.run_rows(index, 1, (), 1, x, x, np.empty((4, 8), np.float32), skipped)
    with pytest.raises(TypeError, match="half of it"):  # rows of x must be of even width
        odd = np.zeros((4, 7), dtype=np.float32)
        _kernels.run_rows(index, 0, (), 1, odd, np.empty((4, 3), np.float32), skipped)

"""Compiled chains (csrc/chain.h): every stage's float64 loop, a block at a time.

float32 chains give the array-API path's bits (both compute the chain in float64 and
round once). float64 chains give, operation for operation, what the compiled stages
give one at a time, combined by the chain rule as nonlin.chain.Chain combines them.
"""

from __future__ import annotations

import numpy as np
import pytest
from _shared import assert_same_bits

import nonlin as nl
from nonlin import engine, kernels

pytestmark = pytest.mark.skipif(not kernels.available(), reason="the extension is not built")

CHAINS = [
    "sigmoid+tanh",
    "relu+tanh",
    "tanh+relu6",
    "elu+softplus+gelu",
    "mish+selu(scale=2.0, alpha=0.3)",
    "silu+leaky_relu",
    "gelu(approximate='tanh')+hard_sigmoid+log_sigmoid",
    "softsign+celu(alpha=3.0)+selu",
    "linear+sparse_plus+hard_silu+soft_shrink",
]
HOOKS = ["_f", "_df", "_d2f", "_derivatives", "_vjp", "_jvp"]


def _grid32() -> np.ndarray:
    """Every 65537th float32 bit pattern (both signs, every binade), the specials, and a
    dense stretch of ordinary values, where chains do most of their work."""
    bits = np.arange(0, 2**32, 65537, dtype=np.uint64).astype(np.uint32)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, 3.4028235e38, -3.4028235e38]
    dense = np.random.default_rng(3).standard_normal(50_000) * 6
    parts = [bits.view(np.float32), np.array(special), dense]
    return np.concatenate([part.astype(np.float32) for part in parts])


GRID32 = _grid32()
_RNG = np.random.default_rng(4)
GRID64 = np.concatenate(
    [
        _RNG.standard_normal(60_000) * 10.0 ** _RNG.integers(-5, 4, 60_000),
        [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1e308, -1e308, 745.2, -745.2],
    ]
)


def _tangent(x: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(5)
    v = rng.standard_normal(x.size) * 10.0 ** rng.integers(-20, 20, x.size)
    v[:4] = [0.0, -0.0, 1.0, -1.0][: x.size]
    return v.astype(np.float32).astype(x.dtype)  # the same values in either dtype


def _call(act: nl.Activation, hook: str, x: np.ndarray) -> tuple[np.ndarray, ...]:
    v = _tangent(x)
    calls = {
        "_f": lambda: (act(x),),
        "_df": lambda: (act.grad(x),),
        "_d2f": lambda: (act.grad2(x),),
        "_derivatives": lambda: act.derivatives(x),
        "_vjp": lambda: (act.vjp(x, v),),
        "_jvp": lambda: (act.jvp(x, v),),
    }
    return calls[hook]()


def _composed(
    stages: list[nl.Activation], hook: str, x: np.ndarray, v: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """``hook`` of the chain of ``stages`` from each stage's own (compiled) calls, with
    the tangent ``v`` (default :func:`_tangent`) for vjp and jvp."""
    v = _tangent(x) if v is None else v
    with np.errstate(all="ignore"):
        if hook == "_f":
            for stage in stages:
                x = stage(x)
            return (x,)
        if hook == "_df":
            first = None
            for stage in stages:
                slope = stage.grad(x)
                first = slope if first is None else slope * first
                x = stage(x)
            return (first,)
        if hook in ("_d2f", "_derivatives"):
            value, first, second = stages[0].derivatives(x)
            for stage in stages[1:]:
                g, dg, d2g = stage.derivatives(value)
                value, first, second = g, dg * first, d2g * first * first + dg * second
            return (second,) if hook == "_d2f" else (value, first, second)
        if hook == "_vjp":
            inputs = []
            for stage in stages:
                inputs.append(x)
                x = stage(x)
            for stage, given in zip(reversed(stages), reversed(inputs)):
                v = stage.vjp(given, v)
            return (v,)
        for stage in stages:
            v = stage.jvp(x, v)
            x = stage(x)
        return (v,)


@pytest.mark.parametrize("spec", CHAINS)
def test_every_listed_chain_is_compiled_for_every_hook(spec):
    act = nl.get(spec)
    for dtype in (np.float32, np.float64):
        for hook in HOOKS:
            assert isinstance(kernels.lookup(act, hook, np.dtype(dtype)), kernels.ChainLoop)


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("spec", CHAINS)
def test_compiled_float32_chains_equal_the_array_api_path(spec, hook, build):
    act = nl.get(spec)
    ours = _call(act, hook, GRID32)
    with kernels.disabled():
        reference = _call(act, hook, GRID32)
    for mine, theirs in zip(ours, reference, strict=True):
        assert_same_bits(mine, theirs, GRID32)


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("spec", CHAINS)
def test_compiled_float64_chains_combine_their_stages_loops(spec, hook, build):
    act = nl.get(spec)
    ours = _call(act, hook, GRID64)
    expected = _composed(list(act.iter_stages()), hook, GRID64)
    for mine, theirs in zip(ours, expected, strict=True):
        assert_same_bits(mine, theirs, GRID64)


@pytest.mark.parametrize("hook", ["_f", "_derivatives", "_vjp"])
def test_a_float32_chain_is_its_float64_chain_rounded_once(hook):
    act = nl.get("sigmoid+tanh+elu")
    ours = _call(act, hook, GRID32)
    with np.errstate(invalid="ignore"):  # the grid's signalling NaNs
        wide = _call(act, hook, GRID32.astype(np.float64))
    with np.errstate(over="ignore"):
        for mine, theirs in zip(ours, wide, strict=True):
            assert_same_bits(mine, theirs.astype(np.float32), GRID32)


@pytest.mark.parametrize(
    "spec",
    [
        "tanh+scaled_tanh(scale_in=1e20, scale_out=1e5)",  # a stage without a loop
        "tanh+exponential",  # a stage without float64 loops
        "+".join(["tanh"] * (kernels.CHAIN_MAX + 1)),  # longer than the loops take
    ],
)
def test_other_chains_take_the_array_api_path(spec):
    act = nl.get(spec)
    x = np.linspace(-3, 3, 101)
    for hook in HOOKS:
        assert kernels.lookup(act, hook, np.dtype(np.float64)) is None
    expected = x
    with kernels.disabled():
        for stage in act.iter_stages():
            expected = stage(expected)
    np.testing.assert_array_equal(act(x), expected)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_chains_take_any_size_layout_and_out(dtype, threads):
    act = nl.get("sigmoid+tanh")
    before = engine.get_threads()
    engine.set_threads(threads)
    try:
        for size in (0, 1, 255, 256, 257, 70_001, 300_000):
            x = np.linspace(-8, 8, size).astype(dtype)
            if dtype == np.float32:
                with kernels.disabled():
                    expected = act(x)
            else:
                (expected,) = _composed(list(act.iter_stages()), "_f", x)
            np.testing.assert_array_equal(act(x), expected)
            strided = np.repeat(x, 2)[::2]
            np.testing.assert_array_equal(act(strided), expected)
            out = np.empty_like(x)
            assert act(x, out=out) is out
            np.testing.assert_array_equal(out, expected)
            act(x, out=x)  # in place
            np.testing.assert_array_equal(x, expected)
        grid = np.linspace(-4, 4, 60).astype(dtype).reshape(3, 4, 5)
        np.testing.assert_array_equal(act.grad(grid), act.grad(grid.reshape(-1)).reshape(3, 4, 5))
    finally:
        engine.set_threads(before)


def test_a_bad_call_of_the_chain_loop_is_an_error():
    from nonlin import _kernels  # type: ignore[attr-defined]

    loop = kernels.lookup(nl.get("sigmoid+tanh"), "_f", np.dtype(np.float64))
    assert isinstance(loop, kernels.ChainLoop)
    x = np.zeros(4)
    with pytest.raises(TypeError, match="stages must be a tuple"):
        _kernels.run_chain((), 0, 1, x, x)
    with pytest.raises(ValueError, match="is not an \\(index, params\\)"):
        _kernels.run_chain(((10_000, ()),), 0, 1, x, x)
    with pytest.raises(ValueError, match="no such chain hook"):
        _kernels.run_chain(loop.stages, 9, 1, x, x)
    with pytest.raises(TypeError, match="this hook takes 4 arrays"):
        _kernels.run_chain(loop.stages, 3, 1, x, x)
    with pytest.raises(TypeError, match="of one length"):
        _kernels.run_chain(loop.stages, 0, 1, x, np.zeros(5))
    with pytest.raises(TypeError, match="float32 or float64"):
        _kernels.run_chain(loop.stages, 0, 1, x, np.zeros(4, dtype=np.int64))


# Chains with row stages (softmax and its kin, norm:*), run a segment at a time on
# float64 blocks of rows (nonlin.engine._compiled_row_chain).
ROW_CHAINS = [
    "tanh+softmax",
    "softmax+tanh",
    "elu+log_softmax+sigmoid",
    "relu+softmin+norm:mean+gelu",
    "softmax+log_softmax",
    "tanh+norm:z",
    "norm:std(eps=0.0)+gelu",
    "elu+standardize+sigmoid",
]
ROW_HOOKS = ["_f", "_vjp", "_jvp"]


def _row_inputs(dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Rows of several scales, with a constant row and rows holding inf and NaN (which
    the row loops leave to the array-API path), in x and in the cotangent."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((300, 257)) * 10.0 ** rng.integers(-3, 3, (300, 1))
    v = rng.standard_normal((300, 257)) * 10.0 ** rng.integers(-10, 10, (300, 1))
    x[1] = 0.5
    x[5, 3], x[7, 1], x[8, 0] = np.inf, np.nan, -np.inf
    v[9, 2], v[10, 4] = np.inf, np.nan
    return x.astype(dtype), v.astype(np.float32).astype(dtype)


def _call_rows(act: nl.Activation, hook: str, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    if hook == "_f":
        return act(x)
    return act.vjp(x, v) if hook == "_vjp" else act.jvp(x, v)


@pytest.mark.parametrize("spec", ROW_CHAINS)
def test_every_listed_row_chain_is_compiled(spec):
    act = nl.get(spec)._rows_form(2)
    for hook in ROW_HOOKS:
        assert kernels.lookup_row_chain(act, hook) is not None


def _assert_close_rows(ours: np.ndarray, reference: np.ndarray) -> None:
    """Equal to 1 float32 ulp, or to 2^-40 of the row's largest value: the float64
    row loops agree with the path's float64 forms to a few ulp of each row's sums
    (tests/test_kernels.py), which a later stage that cancels (norm:mean centres its
    input) may show in a small result's float32 bits."""
    assert ours.dtype == reference.dtype and ours.shape == reference.shape
    finite = np.isfinite(reference)
    np.testing.assert_array_equal(ours[~finite], reference[~finite])
    scale = np.max(np.where(finite, np.abs(reference), 0), axis=-1, keepdims=True)
    allowed = np.maximum(np.spacing(np.abs(reference)), scale * 2.0**-40)
    error = np.abs(ours[finite].astype(np.float64) - reference[finite])
    assert np.all(error <= allowed[finite]), np.max(error / allowed[finite])


@pytest.mark.parametrize("hook", ROW_HOOKS)
@pytest.mark.parametrize("spec", ROW_CHAINS)
def test_compiled_float32_row_chains_follow_the_array_api_path(spec, hook, build):
    act = nl.get(spec)
    x, v = _row_inputs(np.float32)
    ours = _call_rows(act, hook, x, v)
    with kernels.disabled():
        reference = _call_rows(act, hook, x, v)
    _assert_close_rows(ours, reference)


@pytest.mark.parametrize("hook", ROW_HOOKS)
@pytest.mark.parametrize("spec", ROW_CHAINS)
def test_compiled_float64_row_chains_combine_their_stages_loops(spec, hook, build):
    act = nl.get(spec)
    x, v = _row_inputs(np.float64)
    (expected,) = _composed(list(act.iter_stages()), hook, x, v)
    assert_same_bits(_call_rows(act, hook, x, v).ravel(), expected.ravel(), x.ravel())


@pytest.mark.parametrize("hook", ROW_HOOKS)
@pytest.mark.parametrize("threads", [1, 2])
def test_row_chains_along_any_axis_size_and_out(hook, threads):
    before = engine.get_threads()
    engine.set_threads(threads)
    try:
        for axis, shape in [(0, (300, 7, 40)), (1, (3, 70_001, 2)), (-1, (2, 1)), (2, (0, 3, 4))]:
            act = nl.get(f"tanh+softmax(axis={axis})+norm:mean(axis={axis})")
            x = np.random.default_rng(axis % 3).standard_normal(shape).astype(np.float32)
            v = np.ones_like(x)
            with kernels.disabled():
                expected = _call_rows(act, hook, x, v)
            _assert_close_rows(_call_rows(act, hook, x, v), expected)
            if hook == "_f":
                out = np.empty_like(x)
                assert act(x, out=out) is out
                _assert_close_rows(out, expected)
    finally:
        engine.set_threads(before)


def test_row_chains_without_loops_for_a_stage_take_the_array_api_path():
    for spec in ["tanh+sparsemax", "sparsemax+glu", "tanh+softmax+scaled_tanh(scale_in=1e20)"]:
        act = nl.get(spec)._rows_form(2)
        assert act is not None and kernels.lookup_row_chain(act, "_f") is None

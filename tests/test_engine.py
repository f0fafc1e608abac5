"""The block engine gives exactly what one plain call gives, on any size and thread count."""

from __future__ import annotations

import array_api_compat
import numpy as np
import pytest
from _shared import assert_same_bits

import nonlin as nl
from nonlin import engine, kernels
from nonlin.chain import chain
from nonlin.engine import BLOCK

XP = array_api_compat.array_namespace(np.empty(0))


def _kernel(block):
    # Overflows to inf for large |x| on purpose: a worker thread must not warn.
    return np.exp(block) * np.tanh(block), np.cosh(block)


@pytest.mark.parametrize(
    "size",
    [0, 1, engine.BLOCK - 1, engine.BLOCK + 1, engine.SMALL - 1, engine.SMALL + 3, 300_001],
)
def test_blocks_and_threads_give_the_plain_result(size, threads):
    x = np.random.default_rng(size).standard_normal(size) * 400
    first, second = engine.evaluate(_kernel, x, np.float64, np.float64, outputs=2)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(first, np.exp(x) * np.tanh(x))
        np.testing.assert_array_equal(second, np.cosh(x))


def test_the_working_dtype_is_applied_per_block_and_rounded_once(threads):
    x = np.linspace(-5, 5, 200_004, dtype=np.float32).reshape(7, -1)
    (y,) = engine.evaluate(np.tanh, x, np.float64, np.float32)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_array_equal(y, np.tanh(x.astype(np.float64)).astype(np.float32))


def test_results_go_into_given_arrays(threads):
    x = np.arange(100_000, dtype=np.float64).reshape(100, 1000)
    buffer = np.full_like(x, np.nan)
    (y,) = engine.evaluate(np.sqrt, x, np.float64, np.float64, out=[buffer])
    assert y is buffer
    np.testing.assert_array_equal(buffer, np.sqrt(x))


def test_a_non_contiguous_input_is_read_correctly(threads):
    x = np.random.default_rng(1).standard_normal((600, 400)).T  # Fortran order
    (y,) = engine.evaluate(np.negative, x, np.float64, np.float64)
    np.testing.assert_array_equal(y, -x)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_a_bad_thread_count_is_refused(bad):
    with pytest.raises(ValueError, match="thread count must be a positive int"):
        engine.set_threads(bad)


def test_a_strided_output_array_is_filled(threads):
    x = np.random.default_rng(2).standard_normal((300, 500))
    target = np.zeros((500, 300)).T  # not C-contiguous
    (y,) = engine.evaluate(np.abs, x, np.float64, np.float64, out=[target])
    assert y is target
    np.testing.assert_array_equal(target, np.abs(x))


# --------------------------------------------------------------------------- activations


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("spec", ["relu", "leaky_relu", "sigmoid", "gelu", "elu+tanh"])
def test_activations_through_the_engine_equal_the_exact_float64_result_rounded(spec, dtype):
    # The block engine's own path (the compiled loops are compared in test_kernels.py).
    with kernels.disabled():
        _engine_equals_the_exact_result(spec, dtype)


def _engine_equals_the_exact_result(spec, dtype):
    act = nl.get(spec)
    x = np.linspace(-30, 30, 3 * BLOCK + 7).astype(dtype)[::-1]  # strided, several blocks
    exact = act._derivatives(x.astype(np.float64), XP)
    for name, hook, want in zip(("fn", "grad", "grad2"), ("_f", "_df", "_d2f"), exact):
        got = getattr(act, name)(x)
        assert got.dtype == dtype and got.shape == x.shape
        np.testing.assert_array_max_ulp(
            got, want.astype(dtype), maxulp=1 if dtype != np.float64 else 0
        )
        (direct,) = engine.evaluate_hook(act, hook, x, XP)
        np.testing.assert_array_equal(direct, got)


@pytest.mark.parametrize("spec", ["relu", "sigmoid"])
def test_out_receives_the_result_and_is_returned(spec):
    act = nl.get(spec)
    x = np.linspace(-5, 5, 2 * BLOCK, dtype=np.float32)
    buffer = np.full_like(x, np.nan)
    assert act(x, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, act(x))
    same = x.copy()
    assert act(same, out=same) is same
    np.testing.assert_array_equal(same, act(x))


def test_native_precision_needs_parameters_the_dtype_holds():
    assert engine._native(nl.relu, np.dtype(np.float32))
    assert engine._native(nl.get("relu(threshold=0.5)"), np.dtype(np.float32))
    assert not engine._native(nl.get("relu(threshold=0.1)"), np.dtype(np.float32))
    assert not engine._native(nl.sigmoid, np.dtype(np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spec", ["relu", "sigmoid", "gelu", "elu+tanh"])
def test_vjp_and_jvp_through_the_engine_are_the_product_rounded_once(spec, dtype, threads):
    act = nl.get(spec)
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(engine.SMALL + 5) * 8).astype(dtype)
    dy = rng.standard_normal(x.shape).astype(dtype)
    wide = x.astype(np.float64)
    want = (dy.astype(np.float64) * act._derivatives(wide, XP)[1]).astype(dtype)
    for method in (act.vjp, act.jvp):
        got = method(x, dy)
        assert got.dtype == dtype and got.shape == x.shape
        # (a chain's vjp multiplies by one stage's f' at a time: a few roundings more)
        loose = 8 if "+" in spec else 4
        np.testing.assert_array_max_ulp(got, want, maxulp=1 if dtype == np.float32 else loose)
        buffer = np.full_like(x, np.nan)
        assert method(x, dy, out=buffer) is buffer
        np.testing.assert_array_equal(buffer, got)


def test_a_cotangent_of_another_kind_still_works():
    x = np.linspace(-4, 4, 2 * BLOCK, dtype=np.float32)
    grad = nl.sigmoid.grad(x)
    # a 0-d array and a Python number broadcast; a float64 dy is used at full precision
    np.testing.assert_array_equal(nl.sigmoid.vjp(x, np.float32(2.0)), 2 * grad)
    np.testing.assert_array_equal(nl.sigmoid.vjp(x, 2.0), 2 * grad)
    wide = nl.sigmoid.vjp(x, np.full(x.shape, 1 / 3))
    assert wide.dtype == np.float32
    np.testing.assert_array_max_ulp(
        wide, (nl.sigmoid.grad(x.astype(np.float64)) / 3).astype(np.float32), maxulp=1
    )
    with pytest.raises(nl.InputError, match="dy has shape"):
        nl.sigmoid.vjp(x, np.ones(3, np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "spec",
    [
        "softmax",
        "log_softmax(axis=1)",
        "norm:z",
        "tanh+norm:max",
        "sparsemax+softmin",
        "glu",
        "tanh+glu+softmax",
    ],
)
def test_row_operations_in_blocks_of_whole_rows_equal_one_plain_call(spec, dtype, threads):
    # The blocks of the array-API path (the compiled row loops are tests/test_kernels.py's)
    with kernels.disabled():
        _check_rows_in_blocks(spec, dtype)


def _check_rows_in_blocks(spec: str, dtype: type) -> None:
    act = nl.get(spec)
    rng = np.random.default_rng(4)
    # rows of 998 (not a divisor of the block), enough of them for several blocks per thread
    x = (rng.standard_normal((2 * engine.ROW_BLOCK // 998 + 3, 998)) * 20).astype(dtype)
    output = act._output_shape(x.shape)  # glu halves the rows
    v = rng.standard_normal(x.shape).astype(dtype)
    dy = rng.standard_normal(output).astype(dtype)
    wide, v_wide, dy_wide = x.astype(np.float64), v.astype(np.float64), dy.astype(np.float64)
    with np.errstate(all="ignore"):
        expected = {
            "fn": act._f(wide, XP),
            "vjp": act._vjp(wide, dy_wide, XP),
            "jvp": act._jvp(wide, v_wide, XP),
        }
    got = {"fn": act(x), "vjp": act.vjp(x, dy), "jvp": act.jvp(x, v)}
    for name, want in expected.items():
        assert got[name].dtype == dtype and got[name].shape == want.shape, name
        np.testing.assert_array_equal(got[name], want.astype(dtype), err_msg=name)
    buffer = np.full(output, np.nan, dtype=dtype)
    assert act(x, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, expected["fn"].astype(dtype))
    with pytest.raises(nl.InputError, match="out= has shape"):
        act(x, out=np.empty((3, 5), dtype))
    with pytest.raises(nl.InputError, match="dy has shape"):
        act.vjp(x, np.ones((3, 5), dtype))


def test_rows_of_one_entry_are_rows_not_points(threads):
    """A last axis of size 1 is still a row: softmax over one entry is 1, its
    standardisation 0 (the engine once ran such input as pointwise blocks, and softmax
    spread its mass over a whole block of 16384 rows)."""
    x = np.random.default_rng(6).standard_normal((engine.SMALL + 5, 1))
    np.testing.assert_array_equal(nl.softmax(x), np.ones_like(x))
    np.testing.assert_array_equal(nl.get("tanh+norm:z")(x), np.zeros_like(x))
    np.testing.assert_array_equal(nl.softmax.vjp(x, x), np.zeros_like(x))


def test_a_chain_that_halves_its_rows_checks_every_stage_before_computing():
    x = np.ones((engine.SMALL, 6))
    with pytest.raises(nl.InputError, match=r"glu\(axis=1\) splits axis 1 .* size is 3"):
        nl.get("glu(axis=1)+glu(axis=1)")(x)


def test_a_row_operation_along_another_axis_or_with_bad_shapes_still_answers():
    x = np.random.default_rng(5).standard_normal((300, 400)).astype(np.float32)
    np.testing.assert_array_equal(nl.get("softmax(axis=0)")(x), nl.softmax(x.T).T)
    with pytest.raises(nl.InputError, match="axis 2 is out of range"):
        nl.get("softmax(axis=2)")(x)
    with pytest.raises(nl.InputError, match="has size 0"):
        nl.get("tanh+softmax")(np.ones((3, 0), np.float32))


@pytest.mark.parametrize("spec", ["softmax", "softmin", "log_softmax"])
def test_the_wide_row_forms_round_to_the_exact_forms_float32_results(spec):
    """float32 rows go through a leaner float64 form (no TwoSum shift, no compensated
    sum); rounded to float32 it must agree with the exact form, at every scale, with
    ties at the maximum and rows of one or two entries."""
    act = nl.get(spec)
    rng = np.random.default_rng(8)
    for scale in (1e-3, 1.0, 20.0, 1e3, 1e5, 1e30):
        for n in (1, 2, 7, 300):
            x = (rng.standard_normal((600 if n < 300 else 60, n)) * scale).astype(np.float32)
            if n > 2:
                x[::7, 1] = x[::7, 0]
            wide = x.astype(np.float64)
            with np.errstate(all="ignore"):
                want = act._f(wide, XP).astype(np.float32)
                got = act._f_wide(wide, XP).astype(np.float32)
            np.testing.assert_array_equal(got, want, err_msg=f"scale {scale}, rows of {n}")


@pytest.mark.parametrize("spec", ["softmax", "softmin", "log_softmax"])
def test_the_wide_row_vjp_and_jvp_round_to_the_exact_forms_float32_results(spec):
    """The same for vjp and jvp, with cotangents that nearly cancel against <s, dy>
    and cotangents near the float32 limit (rescaled by the exact form, not the wide)."""
    act = nl.get(spec)
    rng = np.random.default_rng(9)
    for scale in (1e-3, 20.0, 1e30):
        for n in (1, 2, 7, 100):
            x = (rng.standard_normal((300 if n < 100 else 30, n)) * scale).astype(np.float32)
            if n > 2:
                x[::7, 1] = x[::7, 0]
            noise = rng.standard_normal(x.shape)
            for dy in (noise, 1 + 1e-6 * noise, 1e37 * noise):
                wide, dy_wide = x.astype(np.float64), dy.astype(np.float32).astype(np.float64)
                for exact, lean in (("_vjp", "_vjp_wide"), ("_jvp", "_jvp_wide")):
                    with np.errstate(all="ignore"):
                        want = getattr(act, exact)(wide, dy_wide, XP).astype(np.float32)
                        got = getattr(act, lean)(wide, dy_wide, XP).astype(np.float32)
                    np.testing.assert_array_equal(got, want, err_msg=f"{lean}, {scale}, {n}")


# Activations with learned values: blocks of the first axis (engine.evaluate_leading).
LEADING = [
    ("prelu", (300, 7, 50)),
    ("prelu(axis=-1)", (3, 40_000)),
    ("prelu(axis=1)+tanh", (200, 9, 40)),
    ("lgrelu(axis=-1)", (70, 1001)),
    ("maxout(pieces=2, axis=-1)", (70, 1001)),
    ("elu_learnable(log=True, init_std=0.1, axis=-1)", (70, 1001)),
    ("swish_learnable(init=-0.5)", (70_001,)),
    ("snake(axis=-1)", (2, 3, 4)),
    ("pau(m=3, n=2, init='tanh', axis=-1)", (70, 1001)),
    ("prelu(init=-0.5, axis=0)", (30, 4)),  # the first axis: the whole array at once
]


def _leading_calls(act, x, v):
    return [act(x), act.grad(x), act.grad2(x), *act.derivatives(x), act.vjp(x, v), act.jvp(x, v)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("spec", "shape"), LEADING)
def test_learnable_activations_in_blocks_of_the_first_axis_equal_one_plain_call(
    spec, shape, dtype, threads, monkeypatch
):
    # fresh values of our own (nl.get may hand out one shared instance)
    act = chain(
        s.clone() if getattr(s, "learnable", False) else s for s in nl.get(spec).iter_stages()
    )
    rng = np.random.default_rng(11)
    for stage in act.iter_stages():
        if getattr(stage, "learnable", False):
            units = None if stage.axis is None else shape[stage.axis]
            params = stage.init_params(units, rng=rng)
            stage.set_params({k: v + rng.standard_normal(np.shape(v)) for k, v in params.items()})
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    x.flat[:4] = [0.0, -0.0, np.inf, np.nan][: x.size]
    v = rng.standard_normal(shape).astype(dtype)
    assert act._leading_blocks_ready(len(shape)) == ("axis=0" not in spec)
    ours = _leading_calls(act, x, v)
    out = np.full_like(x, np.nan)
    assert act(x, out=out) is out
    monkeypatch.setattr(type(act), "_leading_blocks_ready", lambda self, ndim: False)
    with np.errstate(all="ignore"):
        plain = _leading_calls(act, x, v)
    for mine, theirs in zip(ours, plain, strict=True):
        assert mine.dtype == dtype and mine.shape == shape
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(out, plain[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("spec", "shape"), [(spec, shape) for spec, shape in LEADING if "+" not in spec]
)
def test_parameter_gradients_in_blocks_of_the_first_axis_equal_one_plain_call(
    spec, shape, dtype, monkeypatch
):
    act = nl.get(spec).clone()
    rng = np.random.default_rng(12)
    units = None if act.axis is None else shape[act.axis]
    params = act.init_params(units, rng=rng)
    act.set_params({k: v + rng.standard_normal(np.shape(v)) for k, v in params.items()})
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    blocks = act._param_vjp_in_blocks(x, dy)
    assert blocks == (x.size >= engine.SMALL and "axis=0" not in spec)
    results = []
    before = engine.get_threads()
    try:
        for count in (1, 2, 3):  # the blocks' sums add in one order on any thread count
            engine.set_threads(count)
            results.append(act.param_vjp(x, dy))
    finally:
        engine.set_threads(before)
    wide = x.astype(np.float64), dy.astype(np.float64)
    with np.errstate(all="ignore"):
        terms = act._pgrad(*wide, act._bound(wide[0], XP), XP)
        sizes = act._reduce({k: np.abs(v) for k, v in terms.items()}, wide[0], XP)
    monkeypatch.setattr(type(act), "_param_vjp_in_blocks", lambda self, x, dy: False)
    with np.errstate(all="ignore"):
        plain = act.param_vjp(x, dy)
    for ours in results:
        assert ours.keys() == plain.keys()
        for name, value in ours.items():
            assert type(value) is np.ndarray and value.dtype == dtype
            assert value.shape == plain[name].shape
            assert_same_bits(value.ravel(), results[0][name].ravel(), value.ravel())
            if dtype == np.float32:  # float64 sums, rounded once: the same float32 sums
                np.testing.assert_array_equal(value, plain[name])
            else:  # the float64 sums add in another order
                allowed = 1e-14 * np.asarray(sizes[name])
                assert np.all(np.abs(value - plain[name]) <= allowed), name


def test_learnable_blocks_make_the_values_once_and_check_the_units_first():
    act = nl.get("prelu(axis=-1)").clone()
    x = np.ones((engine.SMALL, 3))
    act(x)  # the first call makes one slope per unit, before any block runs
    assert act.units == 3
    with pytest.raises(nl.InputError, match="sized for 3 units"):
        act(np.ones((engine.SMALL, 4)))


# --------------------------------------------------------------------------- direct route

_DIRECT_CALLS = {
    "fn": lambda act, x, v: act(x),
    "grad": lambda act, x, v: act.grad(x),
    "grad2": lambda act, x, v: act.grad2(x),
    "derivatives": lambda act, x, v: act.derivatives(x),
    "vjp": lambda act, x, v: act.vjp(x, v),
    "jvp": lambda act, x, v: act.jvp(x, v),
}


def _through_the_engine(act, method, x, v):
    """The same call with ``out=`` (or a strided ``dy``), which takes the checked route
    through :func:`nonlin.engine.evaluate_hook`."""
    if method == "derivatives":
        loop = kernels.lookup(act, "_derivatives", x.dtype)
        return engine._compiled(loop, x, None, 3, ())
    target = np.full_like(x, np.nan)
    if method in ("vjp", "jvp"):
        return getattr(act, method)(x, v, out=target)
    return getattr(act, method)(x, out=target)


@pytest.mark.parametrize("method", list(_DIRECT_CALLS))
@pytest.mark.parametrize("spec", ["sigmoid", "relu6", "sigmoid+tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (0,), (7, 143), (engine.SMALL + 5,)])
def test_the_direct_route_gives_the_engine_results(spec, method, dtype, shape, threads):
    if not kernels.enabled():
        pytest.skip("the compiled extension is not built")
    act = nl.get(spec)
    rng = np.random.default_rng(len(shape))
    x = np.asarray(rng.standard_normal(shape) * 4, dtype=dtype)  # 0-d: an array, not a scalar
    v = np.asarray(rng.standard_normal(shape), dtype=dtype)
    direct = _DIRECT_CALLS[method](act, x, v)
    checked = _through_the_engine(act, method, x, v)
    pairs = zip(direct, checked) if method == "derivatives" else [(direct, checked)]
    for ours, reference in pairs:
        assert type(ours) is np.ndarray and ours.dtype == dtype and ours.shape == shape
        assert_same_bits(ours.reshape(-1), np.asarray(reference).reshape(-1), x.reshape(-1))


def _counted(monkeypatch, name: str) -> list[int]:
    """Calls of ``engine.<name>`` from now on, one entry each (the loops must be built)."""
    if not kernels.enabled():
        pytest.skip("the compiled extension is not built")
    taken: list[int] = []
    original = getattr(engine, name)
    monkeypatch.setattr(engine, name, lambda *a: taken.append(1) or original(*a))
    return taken


def test_the_direct_route_is_taken_only_where_it_applies(monkeypatch):
    taken = _counted(monkeypatch, "run_direct")
    act = nl.get("tanh")
    x = np.linspace(-3, 3, 1000, dtype=np.float32)
    act(x)
    act.vjp(x, x)
    assert len(taken) == 2
    act(x[::2])  # strided
    act.vjp(x, x.astype(np.float64))  # a dy of another dtype
    act(x, out=np.empty_like(x))
    act(x.astype(np.float16))  # no float16 loops
    nl.get("prelu").clone()(x)  # learned values
    assert len(taken) == 2
    with kernels.disabled():  # turned off after the first calls: the route follows
        y = act(x)
    assert len(taken) == 2
    np.testing.assert_array_equal(y, act(x))
    assert len(taken) == 3


@pytest.mark.parametrize("hook", ["_f", "_vjp", "_jvp"])
@pytest.mark.parametrize("spec", ["softmax", "norm:z", "glu", "log_softmax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(6,), (0, 4), (9, 3, 10), (40, 2000)])
def test_the_direct_route_of_row_loops_gives_the_engine_results(spec, hook, dtype, shape):
    if not kernels.enabled():
        pytest.skip("the compiled extension is not built")
    act = nl.get(spec)
    rng = np.random.default_rng(len(shape))
    x = np.asarray(rng.standard_normal(shape) * 4, dtype=dtype)
    if x.size:  # a row with inf and one with NaN: the loops leave them to the path
        x.reshape(-1, shape[-1])[0, 1] = np.inf
        x.reshape(-1, shape[-1])[-1, 0] = np.nan
    operand_shape, result_shape = act._operand_and_result_shapes(hook, shape)
    v = np.asarray(rng.standard_normal(operand_shape), dtype=dtype)
    target = np.full(result_shape, 7.0, dtype=dtype)
    if hook == "_f":
        direct, checked = act(x), act(x, out=target)
    else:
        method = getattr(act, hook[1:])
        direct, checked = method(x, v), method(x, v, out=target)
    assert type(direct) is np.ndarray and direct.shape == result_shape
    assert_same_bits(direct.reshape(-1), checked.reshape(-1), np.resize(x, direct.size))


def test_the_direct_route_of_row_loops_is_taken_only_where_it_applies(monkeypatch):
    taken = _counted(monkeypatch, "run_rows_direct")
    act = nl.get("glu")
    x = np.linspace(-3, 3, 1000, dtype=np.float32).reshape(10, 100)
    dy = np.ones((10, 50), dtype=np.float32)
    act(x)
    act.vjp(x, dy)
    assert len(taken) == 2
    with pytest.raises(nl.InputError, match="dy has shape"):
        act.vjp(x, np.ones((10, 100), dtype=np.float32))  # x's shape, not f(x)'s
    with pytest.raises(nl.InputError, match="odd"):
        act(x[:, :99].copy())
    act(np.asfortranarray(x))
    nl.get("glu(axis=0)")(x)  # moved to the last axis: the checked route
    nl.get("sparsemax")(x)  # no row loops
    assert len(taken) == 2

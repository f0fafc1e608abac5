"""The compiled loops give the array-API path's float32 results, bit for bit.

Each compiled family is compared, hook by hook, with the same call under
``kernels.disabled()`` on about a million float32 values spread over every binade
(and the special values). ``tools/sweep_kernels.py`` runs the same comparison on all
2**32 float32 inputs (hours, not for CI). Where the extension is not built these tests
skip, unless ``NONLIN_REQUIRE_KERNELS=1`` (CI sets it) makes that a failure.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from _shared import assert_same_bits

import nonlin as nl
from nonlin import engine, kernels
from nonlin.accuracy import ulp_error

REQUIRED = os.environ.get("NONLIN_REQUIRE_KERNELS", "") == "1"

# The specs that must have compiled float32 loops for every hook (the extension's
# contract; each is compared below). A parameter value outside a family takes the
# Python path: "softplus(beta=2)" has no loop unless a family passes beta.
COMPILED = [
    # csrc/sigmoidal.c
    "sigmoid",
    "tanh",
    "log_sigmoid",
    "tanh_shrink",
    "softsign",
    "scaled_tanh",
    "scaled_tanh(scale_in=2.5, scale_out=0.1)",
    # csrc/smooth.c
    "softplus",
    "softplus(beta=0.5)",
    "softplus(beta=2.0)",
    "softplus(threshold=20.0)",
    "silu",
    "mish",
    "squareplus",
    "squareplus(b=0.01)",
    # csrc/gelu.c
    "gelu",
    "gelu(approximate='tanh')",
    # csrc/exponential.c
    "elu",
    "elu(alpha=0.5)",
    "elu(alpha=2.5)",
    "selu",
    "selu(scale=2.0, alpha=0.3)",
    "celu",
    "celu(alpha=3.0)",
    "exponential",
]

# The piecewise families (csrc/piecewise.c): a few comparisons, selections and
# products, so their float32 and float64 loops both give the path's bits. The
# parameters cover each family's regimes: slopes of 0, below 1 and above 1, values
# float32 holds exactly (computed in float32, as the path does) and others (computed
# in float64 and rounded once), infinite bounds, zero bounds, and huge parameters.
PIECEWISE = [
    "relu",
    "relu(negative_slope=0.1)",
    "relu(negative_slope=0.5)",
    "relu(negative_slope=2.0)",
    "relu(max_value=6.0)",
    "relu(negative_slope=0.1, max_value=6.0, threshold=1.0)",
    "relu(negative_slope=0.5, max_value=6.5, threshold=0.25)",
    "relu(negative_slope=3.0, threshold=0.5)",
    "relu(negative_slope=0.25, threshold=1e300)",
    "relu6",
    "leaky_relu",
    "leaky_relu(negative_slope=0.25)",
    "leaky_relu(negative_slope=0.0)",
    "leaky_relu(negative_slope=1.0)",
    "leaky_relu(negative_slope=3.0)",
    "leaky_relu(negative_slope=0.3333333333333333)",
    "clip",
    "clip(min_val=-inf, max_val=1.0)",
    "clip(min_val=0.1, max_val=inf)",
    "clip(min_val=-2.5, max_val=0.0)",
    "hard_tanh",
    "threshold",
    "threshold(threshold=1.0, value=-2.0)",
    "threshold(threshold=0.1, value=0.3)",
    "hard_shrink",
    "hard_shrink(lambd=0.0)",
    "hard_shrink(lambd=0.1)",
    "hard_shrink(lambd=1e30)",
    "soft_shrink",
    "soft_shrink(lambd=0.0)",
    "soft_shrink(lambd=0.1)",
    "hard_sigmoid",
    "hard_sigmoid_v3",
    "sparse_sigmoid",
    "hard_silu",
    "sparse_plus",
    "linear",
    "affine",
    "affine(slope=2.0, intercept=1.0)",
    "affine(slope=0.1, intercept=-0.3)",
    "affine(slope=0.0, intercept=5.0)",
    "affine(slope=3.0, intercept=0.0)",
    "affine(slope=1e300, intercept=1.0)",
]
COMPILED += PIECEWISE

# The specs that must also have compiled float64 loops, and how far (ulp) each may be
# from the array-API path. The loops follow the exact forms on their own exp, expm1,
# log1p, hypot and erfcx, which are nearly always correctly rounded where libm's and
# SciPy's are not (libm rounds the other way for 0.1%, 11%, 8% and 0.6% of arguments).
# That moves a result by an ulp or two, and more where the exact form carries 2-4 ulp
# of error of its own (silu's f' and f'', mish's f'', squareplus's f' and f'': 3 ulp or
# more at 12% of points, against mpmath; gelu's chains of roundings). So this is a
# consistency check; accuracy itself is tests/test_accuracy.py's, against the 50-digit
# tables, where each loop is no further from the truth than the array-API path (the
# same max and p99 errors).
COMPILED_FLOAT64 = {
    "sigmoid": 2,
    "tanh": 2,
    "log_sigmoid": 2,
    "tanh_shrink": 4,  # its f' is tanh**2 as a pair: closer to the truth than NumPy's
    "softsign": 2,
    "scaled_tanh": 2,
    "scaled_tanh(scale_in=2.5, scale_out=0.1)": 2,
    "softplus": 2,
    "softplus(beta=0.5)": 2,
    "softplus(beta=2.0)": 2,
    "softplus(threshold=20.0)": 2,
    "silu": 3,
    "mish": 4,
    "squareplus": 6,
    "squareplus(b=0.01)": 5,
    "gelu": 3,
    "gelu(approximate='tanh')": 4,
    "elu": 2,
    "elu(alpha=0.5)": 2,
    "elu(alpha=2.5)": 2,
    "selu": 2,
    "selu(scale=2.0, alpha=0.3)": 2,
    "celu": 2,
    "celu(alpha=3.0)": 2,
}

# Variants that must stay on the Python path (a user's subclass, float16, chains).
NOT_COMPILED = [
    "sigmoid+scaled_tanh(scale_in=1e20, scale_out=1e5)",  # (chains: test_kernel_chains.py)
    "scaled_tanh(scale_in=1e20, scale_out=1e5)",
    "scaled_tanh(scale_in=4.0, scale_out=1e-300)",
]

HOOKS = ["_f", "_df", "_d2f", "_derivatives", "_vjp", "_jvp"]


_ZEROS_AND_NONFINITE = [0.0, -0.0, np.inf, -np.inf, np.nan]


def _grid() -> np.ndarray:
    """Every 4099th float32 bit pattern (both signs, every binade) plus the specials."""
    bits = np.arange(0, 2**32, 4099, dtype=np.uint64).astype(np.uint32)
    grid = bits.view(np.float32)
    special = np.array(
        [
            *_ZEROS_AND_NONFINITE,
            1e-45,
            -1e-45,
            1.1754944e-38,
            3.4028235e38,
            -3.4028235e38,
            1.0,
            -1.0,
            0.5,
            -0.5,
            88.72284,
            -88.72284,
            103.97208,
            -103.97208,
        ],
        dtype=np.float32,
    )
    return np.concatenate([grid, special])


GRID = _grid()


def _grid64() -> np.ndarray:
    """About a million float64 bit patterns, evenly spaced (every binade, both signs),
    plus the specials and the ends of the ranges where the float64 formulas switch."""
    step = np.uint64((2**64 - 1) // 2**20 - 977)
    grid = (np.arange(2**20, dtype=np.uint64) * step).view(np.float64)
    special = np.array(
        [
            *_ZEROS_AND_NONFINITE,
            5e-324,
            -5e-324,
            2.2250738585072014e-308,
            1.7976931348623157e308,
            -1.7976931348623157e308,
            1.0,
            -1.0,
            708.0,
            -708.0,
            709.78,
            -709.78,
            745.13,
            -745.13,
            745.14,
            -745.14,
            746.0,
            -746.0,
            1e-20,
            -1e-20,
        ],
        dtype=np.float64,
    )
    return np.concatenate([grid[np.isfinite(grid)], special])


GRID64 = _grid64()


def _cotangent(size: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    dy = (rng.standard_normal(size) * 10.0 ** rng.integers(-40, 38, size)).astype(np.float32)
    dy[:8] = [0.0, -0.0, np.inf, -np.inf, np.nan, 3.4028235e38, 1e-45, 1.0]
    return dy


DY = _cotangent(GRID.size)


DY64 = np.random.default_rng(8).standard_normal(GRID64.size) * 10.0 ** np.random.default_rng(
    9
).integers(-300, 300, GRID64.size)


def _call(act: nl.Activation, hook: str, x: np.ndarray) -> tuple[np.ndarray, ...]:
    dy = (DY64 if x.dtype == np.float64 else DY)[: x.size].reshape(x.shape)
    if hook == "_f":
        return (act(x),)
    if hook == "_df":
        return (act.grad(x),)
    if hook == "_d2f":
        return (act.grad2(x),)
    if hook == "_derivatives":
        return act.derivatives(x)
    if hook == "_vjp":
        return (act.vjp(x, dy),)
    return (act.jvp(x, dy),)


def test_the_extension_is_built_where_required():
    if not REQUIRED:
        pytest.skip("NONLIN_REQUIRE_KERNELS is not set")
    assert kernels.available(), "nonlin._kernels did not build: is there a C compiler?"
    assert kernels.enabled()


@pytest.mark.parametrize("spec", COMPILED)
def test_every_listed_spec_has_compiled_float32_loops(spec):
    if not kernels.available():
        pytest.skip("the compiled extension is not built")
    act = nl.get(spec)
    for hook in HOOKS:
        assert kernels.lookup(act, hook, np.dtype(np.float32)) is not None, (spec, hook)


@pytest.mark.parametrize("spec", NOT_COMPILED)
def test_chains_and_unlisted_variants_take_the_array_api_path(spec):
    act = nl.get(spec)
    for hook in HOOKS:
        assert kernels.lookup(act, hook, np.dtype(np.float32)) is None


def test_a_subclass_takes_the_array_api_path():
    class Mine(type(nl.sigmoid)):  # type: ignore[misc]
        pass

    assert kernels.lookup(Mine(), "_f", np.dtype(np.float32)) is None


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("spec", COMPILED)
def test_compiled_float32_equals_the_array_api_path(spec, hook, build):
    act = nl.get(spec)
    ours = _call(act, hook, GRID)
    with kernels.disabled():
        assert kernels.lookup(act, hook, np.dtype(np.float32)) is None
        reference = _call(act, hook, GRID)
    for mine, theirs in zip(ours, reference, strict=True):
        assert_same_bits(mine, theirs, GRID)


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("spec", COMPILED_FLOAT64)
def test_compiled_float64_is_close_to_the_array_api_path(spec, hook, build):
    act = nl.get(spec)
    assert kernels.lookup(act, hook, np.dtype(np.float64)) is not None
    ours = _call(act, hook, GRID64)
    with kernels.disabled():
        reference = _call(act, hook, GRID64)
    for mine, theirs in zip(ours, reference, strict=True):
        exact = ~np.isfinite(theirs) | (theirs == 0)  # infinities, nan and zeros agree
        np.testing.assert_array_equal(mine[exact], theirs[exact])
        error = ulp_error(mine[~exact], theirs[~exact], np.float64)
        worst = int(np.argmax(error))
        assert error[worst] <= COMPILED_FLOAT64[spec], (
            f"x={GRID64[~exact][worst]!r}: compiled {mine[~exact][worst]!r}, "
            f"array-API path {theirs[~exact][worst]!r}, {error[worst]:.3g} ulp"
        )


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("spec", PIECEWISE)
def test_compiled_piecewise_float64_equals_the_array_api_path(spec, hook, build):
    act = nl.get(spec)
    assert kernels.lookup(act, hook, np.dtype(np.float64)) is not None
    ours = _call(act, hook, GRID64)
    with kernels.disabled():
        reference = _call(act, hook, GRID64)
    for mine, theirs in zip(ours, reference, strict=True):
        assert_same_bits(mine, theirs, GRID64)


ROW_SPECS = ["softmax", "softmin", "log_softmax"]
ROW_HOOKS = ["_f", "_vjp", "_jvp"]


def _rows(width: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """float32 rows of ``width`` for the row loops, and cotangents: scales from 1e-3
    to 1e30 (exp of the gaps underflows), rows of integers (tied maxima), single
    entries far above the rest, and rows with inf or NaN in x or in dy (which the
    loops leave to the array-API path)."""
    rng = np.random.default_rng(seed)
    rows = max(200_000 // width, 16)
    scale = 10.0 ** rng.uniform(-3, 30, (rows, 1))
    x = rng.standard_normal((rows, width)) * scale
    x[::5] = np.round(rng.standard_normal(x[::5].shape) * 2)  # ties at the maximum
    x[1::7, 0] += 1e4  # one entry far above the others
    x = x.astype(np.float32)
    dy = (rng.standard_normal((rows, width)) * 10.0 ** rng.uniform(-30, 30, (rows, 1))).astype(
        np.float32
    )
    x[2, 0], x[3, -1], x[4, 0], x[5] = np.inf, -np.inf, np.nan, -np.inf
    x[6, :] = np.float32(3.4028235e38)
    dy[8, 0], dy[9, -1] = np.inf, np.nan
    dy[10] = np.float32(3.4028235e38)
    return x, dy


def _call_rows(act: nl.Activation, hook: str, x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    return act(x) if hook == "_f" else getattr(act, hook[1:])(x, dy)


@pytest.mark.parametrize("hook", ROW_HOOKS)
@pytest.mark.parametrize("spec", ROW_SPECS)
def test_compiled_rows_equal_the_array_api_path(spec, hook, build):
    act = nl.get(spec)
    for width in [1, 3, 8, 9, 100, 1000, 4099]:
        x, dy = _rows(width, width)
        assert kernels.lookup_rows(act._rows_form(2), hook, x.dtype) is not None
        ours = _call_rows(act, hook, x, dy)
        with kernels.disabled():
            reference = _call_rows(act, hook, x, dy)
        ours, reference = ours.reshape(-1), reference.reshape(-1)
        if hook != "_f":
            # The top entry's tangent is -<s, c>: where s holds exp values near
            # float64's underflow and c is tiny, that sum of subnormal products is
            # below any float32, and its sign (so the sign of the float32 zero) turns
            # on the last bit of an exp (ours, or libm's): 25 zeros in 8.4M tangents here.
            both_zero = (ours == 0) & (reference == 0)
            ours = np.where(both_zero, 0.0, ours).astype(ours.dtype)
            reference = np.where(both_zero, 0.0, reference).astype(reference.dtype)
        assert_same_bits(ours, reference, x.reshape(-1))


def _rows64(width: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_rows` in float64, with the low bits filled and cotangents to 1e280."""
    x, dy = _rows(width, seed)
    rng = np.random.default_rng(seed + 100)
    with np.errstate(invalid="ignore"):  # inf - inf in the rows that hold infinities
        x64 = x + rng.standard_normal(x.shape) * np.abs(x.astype(np.float64)) * 1e-8
    dy64 = dy * 10.0 ** rng.uniform(-250, 250, (x.shape[0], 1))
    return np.where(np.isfinite(x), x64, x), dy64


@pytest.mark.parametrize("hook", ROW_HOOKS)
@pytest.mark.parametrize("spec", ROW_SPECS)
def test_compiled_float64_rows_are_close_to_the_array_api_path(spec, hook, build):
    # The loops follow the exact forms with compensated sums and exp as a pair: f is
    # within 5 ulp of the path (whose pairwise sums and libm exp carry up to 4 ulp;
    # the loops' worst case against mpmath is 2). A tangent entry is a difference of
    # terms as large as the row's cotangent, so both are held to eps * sum(|v|) there.
    act = nl.get(spec)
    eps = np.finfo(np.float64).eps
    for width in [1, 3, 8, 9, 100, 1000, 4099]:
        x, dy = _rows64(width, width)
        assert kernels.lookup_rows(act._rows_form(2), hook, x.dtype) is not None
        ours = _call_rows(act, hook, x, dy)
        with kernels.disabled():
            reference = _call_rows(act, hook, x, dy)
        exact = ~np.isfinite(reference) | (reference == 0)
        if hook == "_f":
            np.testing.assert_array_equal(ours[exact], reference[exact])
            error = ulp_error(ours[~exact], reference[~exact], np.float64)
            assert error.max(initial=0) <= 5, f"width {width}: {error.max()} ulp"
        else:
            finite = np.isfinite(x).all(axis=1) & np.isfinite(dy).all(axis=1)
            np.testing.assert_array_equal(ours[~finite], reference[~finite])  # the path's
            bound = 2 * eps * np.abs(dy[finite]).sum(axis=1, keepdims=True)
            gap = np.abs(ours[finite] - reference[finite])
            assert (gap <= bound).all(), f"width {width}: {(gap / bound).max()} of the bound"


NORM_SPECS = [
    "norm:mean",
    "norm:std",
    "norm:std(eps=0.0)",
    "norm:z",
    "norm:z(eps=0.5)",
    "norm:z(eps=0.0)",
    "standardize",
    "standardize(epsilon=0.0)",
]


def _norm_rows(width: int, seed: int, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_rows` (or :func:`_rows64`) with what the norms single out: constant rows
    (sigma = 0), a row of zeros, a row far below eps (whose floor sets the scale) and a
    zero cotangent."""
    x, dy = _rows(width, seed) if dtype == np.float32 else _rows64(width, seed)
    x[11], x[12], x[13] = 3.0, 0.0, x[13] * 1e-30
    dy[14] = 0.0
    return x, dy


@pytest.mark.parametrize("hook", ROW_HOOKS)
@pytest.mark.parametrize("spec", NORM_SPECS)
def test_compiled_norm_rows_follow_the_array_api_path(spec, hook, build):
    # f: float32 is computed in float64 and rounded once, the path's bits; float64 sums
    # with compensation where the path's sum of squares is pairwise, within 4 ulp of it
    # (and as close to mpmath: mean 0.43 ulp against its 0.47 on sampled rows). The
    # tangents of norm:std, norm:z and standardize cancel often (J 1 = 0 for the last
    # two, ties cancel more), so that the last bits of the sums show even in float32:
    # they follow the path's arithmetic, its sums included, and give its bits in both
    # dtypes. norm:mean's vjp and jvp are its f of the cotangent (held as f is).
    act = nl.get(spec)
    for width in [1, 2, 3, 8, 9, 100, 1000, 4099]:
        for dtype in (np.float32, np.float64):
            x, dy = _norm_rows(width, width, dtype)
            assert kernels.lookup_rows(act._rows_form(2), hook, x.dtype) is not None
            ours = _call_rows(act, hook, x, dy)
            with kernels.disabled():
                reference = _call_rows(act, hook, x, dy)
            if x.dtype == np.float32 or (hook != "_f" and spec != "norm:mean"):
                assert_same_bits(ours.reshape(-1), reference.reshape(-1), x.reshape(-1))
                continue
            exact = ~np.isfinite(reference) | (reference == 0)
            np.testing.assert_array_equal(ours[exact], reference[exact])
            error = ulp_error(ours[~exact], reference[~exact], np.float64)
            assert error.max(initial=0) <= 4, f"width {width}: {error.max()} ulp"


def test_compiled_rows_take_any_layout_and_out(threads):
    x, dy = _rows(37, 1)
    x3 = x[: (x.shape[0] // 4) * 4].reshape(-1, 4, 37)  # rows of a 3-d array
    with kernels.disabled():
        expected, expected_vjp = (
            nl.softmax(x3),
            nl.log_softmax.vjp(x3, dy[: x3.shape[0] * 4].reshape(x3.shape)),
        )
        along_first = nl.softmax(x, axis=0)
    np.testing.assert_array_equal(nl.softmax(x3), expected)
    np.testing.assert_array_equal(
        nl.log_softmax.vjp(x3, dy[: x3.shape[0] * 4].reshape(x3.shape)), expected_vjp
    )
    np.testing.assert_array_equal(nl.softmax(x, axis=0), along_first)  # not the last axis
    strided = np.empty((x3.shape[0], 4, 74), np.float32)[:, :, ::2]
    assert nl.softmax(x3, out=strided) is strided
    np.testing.assert_array_equal(strided, expected)
    in_place = x3.copy()
    assert nl.softmax(in_place, out=in_place) is in_place
    np.testing.assert_array_equal(in_place, expected)
    assert kernels.lookup_rows(nl.get("softmax+tanh")._rows_form(2), "_f", x.dtype) is None
    assert kernels.lookup_rows(nl.softmax, "_f", np.dtype(np.float16)) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_along_another_axis_are_moved_to_the_loops(dtype, threads):
    rng = np.random.default_rng(12)
    x = (rng.standard_normal((300, 7, 50)) * 30).astype(dtype)
    dy = rng.standard_normal(x.shape).astype(dtype)
    act = nl.get("log_softmax(axis=0)")
    assert act._moved_rows_form(3, "_vjp", x.dtype) is not None
    last = np.moveaxis(x, 0, -1)
    expected = np.moveaxis(nl.log_softmax(last), -1, 0)  # the loops along the last axis
    expected_vjp = np.moveaxis(nl.log_softmax.vjp(last, np.moveaxis(dy, 0, -1)), -1, 0)
    y = act(x)
    assert y.flags.c_contiguous
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(act.vjp(x, dy), expected_vjp)
    buffer = np.empty_like(x)
    assert act(x, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, expected)
    with pytest.raises(nl.InputError, match="axis 3 is out of range"):
        nl.get("softmax(axis=3)")(x)


def test_a_bad_call_of_a_row_loop_is_an_error():
    if not kernels.available():
        pytest.skip("the compiled extension is not built")
    from nonlin import _kernels  # type: ignore[attr-defined]

    index = kernels.lookup_rows(nl.softmax, "_f", np.dtype(np.float32)).family
    x = np.zeros((4, 3), dtype=np.float32)
    with pytest.raises(TypeError, match="contiguous float32 or float64 of one shape"):
        _kernels.run_rows(index, 0, (), 1, x, np.zeros((4, 2), np.float32), np.zeros(4, np.uint8))
    with pytest.raises(TypeError, match="skipped must be uint8, one per row"):
        _kernels.run_rows(index, 0, (), 1, x, np.zeros_like(x), np.zeros(3, np.uint8))
    with pytest.raises(TypeError, match="takes 4 arrays"):
        _kernels.run_rows(index, 1, (), 1, x, x, np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="no such row kernel"):
        _kernels.run_rows(99, 0, (), 1, x, x, np.zeros(4, np.uint8))


@pytest.mark.parametrize("size", [0, 1, 7, engine.SMALL - 1, engine.SMALL + 3, 300_001])
def test_any_size_and_thread_count(size, threads):
    x = np.random.default_rng(size).standard_normal(size).astype(np.float32) * 30
    y = nl.sigmoid(x)
    with kernels.disabled():
        expected = nl.sigmoid(x)
    assert_same_bits(y, expected, x)


@pytest.mark.parametrize("spec", ["relu", "sigmoid"])
def test_the_extension_shares_any_length_among_its_threads(spec):
    if not kernels.available():
        pytest.skip("the compiled extension is not built")
    from nonlin import _kernels  # type: ignore[attr-defined]

    index = kernels.families()[spec][0]
    for length in [1, 1023, 1024, 1025, 5000, 100_003]:
        x = np.random.default_rng(length).standard_normal(length).astype(np.float32) * 9
        expected = np.empty_like(x)
        _kernels.run(index, 0, (), 1, x, expected)
        for threads in [2, 3, 5, 64]:  # more than the cores, and more than shares
            y = np.full_like(x, np.nan)
            _kernels.run(index, 0, (), threads, x, y)
            np.testing.assert_array_equal(y, expected, err_msg=f"{length} on {threads}")
    with pytest.raises(ValueError, match="threads must be at least 1"):
        _kernels.run(index, 0, (), 0, x, y)


def test_the_engine_shares_work_from_python_without_the_extension_threads(monkeypatch):
    x = np.random.default_rng(5).standard_normal(300_001).astype(np.float32) * 9
    expected = nl.relu(x), nl.sigmoid.derivatives(x)
    monkeypatch.setattr(kernels, "threaded", lambda: False)  # as where there is no pthreads
    before = engine.get_threads()
    engine.set_threads(2)
    try:
        np.testing.assert_array_equal(nl.relu(x), expected[0])
        for mine, theirs in zip(nl.sigmoid.derivatives(x), expected[1], strict=True):
            np.testing.assert_array_equal(mine, theirs)
    finally:
        engine.set_threads(before)


def test_calls_from_several_python_threads_at_once():
    # One call at a time has the extension's threads; the others run alone, in parallel.
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(4)
    inputs = [rng.standard_normal(200_000).astype(np.float32) for _ in range(4)]
    with kernels.disabled():
        expected = [nl.silu(x) for x in inputs]

    def work(i: int) -> bool:
        return all(np.array_equal(nl.silu(inputs[i]), expected[i]) for _ in range(10))

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(work, range(4)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")  # 3.12: threads and fork
def test_a_forked_child_runs_the_loops_on_threads_of_its_own():
    x = np.random.default_rng(6).standard_normal(300_000).astype(np.float32)
    expected = nl.tanh(x)  # the parent's pool has started
    pid = os.fork()
    if pid == 0:  # the child: its pool has no workers until it starts its own
        ok = all(np.array_equal(nl.tanh(x), expected) for _ in range(3))
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_shapes_layouts_and_outputs(threads):
    x = (np.random.default_rng(3).standard_normal((300, 500)) * 20).astype(np.float32)
    with kernels.disabled():
        expected = nl.sigmoid(x)
    assert nl.sigmoid(np.float32(2.0)).shape == ()
    np.testing.assert_array_equal(nl.sigmoid(x.T), expected.T)  # Fortran order
    np.testing.assert_array_equal(nl.sigmoid(x[:, ::2]), expected[:, ::2])  # strided
    buffer = np.empty_like(x)
    assert nl.sigmoid(x, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, expected)
    strided = np.empty((300, 1000), dtype=np.float32)[:, ::2]
    assert nl.sigmoid(x, out=strided) is strided
    np.testing.assert_array_equal(strided, expected)
    in_place = x.copy()
    assert nl.sigmoid(in_place, out=in_place) is in_place
    np.testing.assert_array_equal(in_place, expected)


def test_an_overlapping_out_reads_the_input_before_it_is_overwritten():
    x = np.linspace(-10, 10, 100_001, dtype=np.float32)
    with kernels.disabled():
        expected = nl.sigmoid(x[1:])
    shifted = x.copy()
    nl.sigmoid(shifted[1:], out=shifted[:-1])  # out starts one element before x
    np.testing.assert_array_equal(shifted[:-1], expected)


def test_vjp_into_its_own_cotangent():
    x = np.linspace(-10, 10, 1001, dtype=np.float32)
    dy = np.linspace(3, -3, 1001, dtype=np.float32)
    with kernels.disabled():
        expected = nl.sigmoid.vjp(x, dy)
    assert nl.sigmoid.vjp(x, dy, out=dy) is dy
    np.testing.assert_array_equal(dy, expected)


def test_float16_takes_the_array_api_path():
    act = nl.sigmoid
    assert kernels.lookup(act, "_f", np.dtype(np.float16)) is None
    x = np.linspace(-5, 5, 11, dtype=np.float16)
    # widened to float64 and rounded once, as the array-API path does
    np.testing.assert_array_equal(act(x), act(x.astype(np.float64)).astype(np.float16))


def test_a_bad_call_of_the_extension_is_an_error():
    if not kernels.available():
        pytest.skip("the compiled extension is not built")
    from nonlin import _kernels  # type: ignore[attr-defined]

    index = kernels.families()["sigmoid"][0]
    x = np.zeros(4, dtype=np.float32)
    with pytest.raises(TypeError, match="contiguous float32 or float64 of one length"):
        _kernels.run(index, 0, (), 1, x, np.zeros(5, dtype=np.float32))
    with pytest.raises(TypeError, match="contiguous float32 or float64 of one length"):
        _kernels.run(index, 0, (), 1, x, np.zeros(4, dtype=np.int32))
    with pytest.raises(TypeError, match="takes 2 arrays"):
        _kernels.run(index, 0, (), 1, x)
    with pytest.raises(ValueError, match="no such kernel"):
        _kernels.run(10_000, 0, (), 1, x, x)
    with pytest.raises(TypeError, match="takes a tuple of 0 parameters"):
        _kernels.run(index, 0, (1.0,), 1, x, x)
    with pytest.raises(ValueError, match="no build 'sse9' here"):
        _kernels.build("sse9")

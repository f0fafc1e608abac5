"""Compiled unit loops (csrc/units.c): prelu (a learned slope per unit), lgrelu (a
learned gain and leak per unit), elu_learnable (alpha, or its log, per unit) and
snake (its frequency per unit).

The loops see the array as (outer, units, inner) around the activation's axis; every
hook gives the array-API path's bits, float32 and float64, signed zeros and NaN
included, whatever the layout, the slopes and the thread count.
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin as nl
from nonlin import kernels

pytestmark = pytest.mark.skipif(not kernels.available(), reason="the extension is not built")

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300, 1.0, -1.0, 5e-324, -5e-324]
# Slopes that each formula branch cares about: 0 and -0 (f is 0, not 0 * -inf), NaN,
# above 1 (f' at 0 is the smaller of 1 and a), huge, subnormal.
SLOPES = [0.0, -0.0, np.nan, 2.5, -1e300, 1e-310]
# snake's frequencies: tiny (f is x), and large enough that t = alpha x leaves our
# sin and cos for libm's (beyond 2^15), overflows, or is near a multiple of pi/2.
SNAKE_ALPHAS = [1e-300, 5e5, 1e10, 0.5, 3e300, -2.0, np.pi / 2]
# lgrelu's learned values (its slopes are their exp): 0, -0, NaN, overflow, underflow.
LOGS = [0.0, -0.0, np.nan, 800.0, -800.0, 0.5]

LAYOUTS = [
    ("lgrelu", (70_001,)),
    ("lgrelu(axis=-1)", (500, 200)),
    ("lgrelu(learn_gain=False, axis=1)", (2, 9, 40_000)),
    ("lgrelu(axis=-1)", (30_000, 3)),
    ("prelu", (70_001,)),  # one shared slope
    ("prelu(axis=-1)", (30_000, 3)),  # short rows: the slopes repeated through a buffer
    ("prelu(axis=-1)", (500, 200)),  # long rows: the slopes read in place
    ("prelu(axis=1)", (40, 7, 3, 50)),  # channels: a run per channel
    ("prelu(axis=1)", (2, 9, 40_000)),
    ("prelu(axis=0)", (13, 11)),
    ("prelu(axis=-1)", (7,)),
    ("prelu", ()),
    ("elu_learnable(axis=-1)", (500, 200)),
    ("elu_learnable(log=True, axis=1)", (2, 9, 40_000)),
    ("elu_learnable", (70_001,)),
    ("snake(axis=-1)", (500, 200)),
    ("snake(axis=1)", (2, 9, 40_000)),
    ("snake", (70_001,)),
]


def _prelu(spec: str, shape: tuple[int, ...], rng: np.random.Generator) -> nl.Activation:
    act = nl.get(spec).clone()  # values of its own
    units = 1 if act.axis is None else shape[act.axis]
    values = {}
    for name in act.param_names:
        chosen = rng.standard_normal(units) * 3
        # prelu's slopes as they are; lgrelu's are exp of its values (inf, 0, NaN, ...),
        # the leak's specials one place on from the gain's
        specials = {
            "slope": SLOPES,
            "alpha": SNAKE_ALPHAS if act.name == "snake" else SLOPES,
            "gain": LOGS,
            "leak": LOGS[1:] + LOGS[:1],
        }[name]
        chosen[: len(specials)] = specials[:units]
        values[name] = chosen if act.axis is not None else chosen[0]
    act.set_params(values)
    return act


def _calls(act: nl.Activation, x: np.ndarray, v: np.ndarray) -> list[np.ndarray]:
    with np.errstate(all="ignore"):
        return [
            act(x),
            act.grad(x),
            act.grad2(x),
            *act.derivatives(x),
            act.vjp(x, v),
            act.jvp(x, v),
        ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("spec", "shape"), LAYOUTS)
def test_unit_loops_give_the_array_api_paths_bits(spec, shape, dtype, threads, build):
    rng = np.random.default_rng(len(shape))
    act = _prelu(spec, shape, rng)
    assert isinstance(kernels.lookup_units(act, "_f", np.dtype(dtype)), kernels.UnitLoop)
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    if x.size > len(SPECIAL):
        x.flat[: len(SPECIAL)] = np.array(SPECIAL).astype(dtype)
    v = rng.standard_normal(shape).astype(dtype)
    ours = _calls(act, x, v)
    with kernels.disabled():
        reference = _calls(act, x, v)
    bits = np.uint32 if dtype == np.float32 else np.uint64
    # elu_learnable's and snake's float64 paths have libm's exp, expm1, sin and cos
    # (within an ulp), the loops their own (as accurate): a few ulp apart, of the
    # results or of the terms they sum (snake's f = x + sin(t)^2/alpha may cancel)
    libm = dtype == np.float64 and act.name in ("elu_learnable", "snake")
    sizes = _term_sizes(act, x, v) if libm else [None] * len(ours)
    for mine, theirs, size in zip(ours, reference, sizes, strict=True):
        assert mine.dtype == dtype and mine.shape == shape
        same = (mine.view(bits) == theirs.view(bits)) | (np.isnan(mine) & np.isnan(theirs))
        if size is not None:
            with np.errstate(invalid="ignore"):  # (inf - inf where both are inf)
                error = np.abs(mine - theirs)
                near = error <= 8 * np.finfo(np.float64).eps * (np.abs(theirs) + size)
            same |= np.isfinite(theirs) & near & (np.signbit(mine) == np.signbit(theirs))
        assert same.all(), (mine[~same][:5], theirs[~same][:5])


def _term_sizes(act: nl.Activation, x: np.ndarray, v: np.ndarray) -> list[np.ndarray]:
    """For each result of :func:`_calls`, the size of the terms it sums beside its own
    (snake's f = x + ..., f' = 1 + sin 2t, f'' = 2 alpha cos 2t; elu_learnable's are
    products: none)."""
    if act.name != "snake":
        return [np.zeros_like(x)] * 8
    with np.errstate(invalid="ignore"):
        f, d1 = np.nan_to_num(np.abs(x)), np.ones_like(x)
    d2 = 2 * np.nanmax(np.abs(act.params["alpha"])) * d1
    return [f, d1, d2, f, d1, d2, np.abs(v) * 2, np.abs(v) * 2]


def test_float64_elu_learnable_loops_are_as_accurate_as_the_path():
    mpmath = pytest.importorskip("mpmath")
    act = nl.get("elu_learnable(axis=-1)").clone()
    rng = np.random.default_rng(4)
    act.set_params({"alpha": np.exp(rng.uniform(-5, 5, 8))})
    x = -np.exp(rng.uniform(-30, 6, (250, 8)))  # the expm1 branch, small to deep
    ours = act(x)
    with kernels.disabled():
        path = act(x)
    alpha = act.params["alpha"]
    mpmath.mp.dps = 40
    errors = []
    for i, j in np.ndindex(x.shape):
        truth = mpmath.mpf(float(alpha[j])) * mpmath.expm1(mpmath.mpf(float(x[i, j])))
        ulp = float(np.spacing(abs(float(truth))))
        errors.append([float(abs(mpmath.mpf(float(y[i, j])) - truth)) / ulp for y in (ours, path)])
    mine, theirs = np.array(errors).T
    # two roundings after exp (expm1, then the product by alpha) on either side
    assert mine.max() <= 1.5 and np.all(mine <= theirs + 1.0)
    assert mine.mean() <= theirs.mean() + 0.05, (mine.mean(), theirs.mean())


def test_prelu_loops_write_into_out_and_in_place(threads):
    act = _prelu("prelu(axis=1)", (300, 4, 100), np.random.default_rng(1))
    x = np.random.default_rng(2).standard_normal((300, 4, 100)).astype(np.float32)
    with kernels.disabled():
        expected = act(x)
    out = np.empty_like(x)
    assert act(x, out=out) is out
    np.testing.assert_array_equal(out, expected)
    strided = np.empty((300, 4, 200), np.float32)[:, :, ::2]
    np.testing.assert_array_equal(act(x, out=strided), expected)
    np.testing.assert_array_equal(act(np.asfortranarray(x)), expected)
    assert act(x, out=x) is x
    np.testing.assert_array_equal(x, expected)


def test_other_learnable_activations_have_no_unit_loops():
    for spec in ["maxout:3", "pau", "swish_learnable"]:
        assert kernels.lookup_units(nl.get(spec), "_f", np.dtype(np.float64)) is None


def test_a_bad_call_of_a_unit_loop_is_an_error():
    from nonlin import _kernels  # type: ignore[attr-defined]

    index = _kernels.unit_families()["prelu"]
    x = np.zeros(6)
    slopes = np.zeros(2)
    with pytest.raises(ValueError, match="bad layout"):
        _kernels.run_units(index, 0, 1, slopes, 3, 0, 1, x, x)
    with pytest.raises(TypeError, match="1 value\\(s\\) per unit"):
        _kernels.run_units(index, 0, 1, np.zeros(3), 3, 2, 1, x, x)
    with pytest.raises(TypeError, match="outer \\* units \\* inner"):
        _kernels.run_units(index, 0, 1, slopes, 2, 2, 1, x, x)
    with pytest.raises(TypeError, match="this hook takes 4 arrays"):
        _kernels.run_units(index, 3, 1, slopes, 3, 2, 1, x, x)


def test_snake_loops_sin_and_cos_are_within_an_ulp():
    mpmath = pytest.importorskip("mpmath")
    act = nl.get("snake").clone()
    act.set_params({"alpha": 0.5})  # f'' = 2 alpha cos(2 alpha x) = cos x, exactly
    assert kernels.lookup_units(act, "_d2f", np.dtype(np.float64)) is not None
    rng = np.random.default_rng(8)
    x = np.concatenate(
        [
            rng.uniform(-7, 7, 600),
            np.exp(rng.uniform(-40, np.log(2.0**15), 600)) * rng.choice([-1, 1], 600),
            np.exp(rng.uniform(np.log(2.0**15), 60, 100)),  # libm's, beyond our range
            np.pi / 2 * np.arange(-40, 41),  # near the zeros of cos
        ]
    )
    ours = act.grad2(x)
    mpmath.mp.dps = 40
    for value, cosine in zip(x, ours):
        truth = mpmath.cos(mpmath.mpf(float(value)))
        ulp = float(np.spacing(abs(float(truth))))
        assert float(abs(mpmath.mpf(float(cosine)) - truth)) <= 0.75 * ulp, value

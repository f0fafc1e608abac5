"""Special functions outside the array API standard, per namespace, imported lazily.

One table: for each namespace, where ``erf``, ``erfc`` and ``erfcx`` live. The module
behind an entry is imported on first use, so ``import nonlin`` loads no framework.

JAX (XLA on the CPU) also gets accurate replacements for the few functions where its
own are loose, 2 to 11 ulp (:data:`JAX_OVERRIDES`: exp, expm1, tanh, hypot, installed
in the namespace that :func:`nonlin.namespace.prepare` hands the catalog, so that
``xp.tanh`` is ours there), and an erfcx of its own (:func:`_jax_erfcx`); all within
1 ulp, pure ``jax.numpy`` (jit, grad and vmap work through them).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import array_api_compat

from .namespace import Array, Namespace

__all__ = [
    "JAX_OVERRIDES",
    "accurate_exp",
    "accurate_expm1",
    "accurate_hypot",
    "accurate_tanh",
    "erf",
    "erfc",
    "erfcx",
]

# namespace kind -> (module to import, attribute prefix)
_TABLE: dict[str, str] = {
    "numpy": "scipy.special",
    "array_api_strict": "scipy.special",  # via NumPy, see _through_numpy
    "torch": "torch.special",
    "jax": "jax.scipy.special",
    "cupy": "cupyx.scipy.special",
    "dask": "scipy.special",  # not used: each chunk goes through its own library's entry
}


def _kind(xp: Namespace) -> str:
    for kind, check in (
        ("numpy", array_api_compat.is_numpy_namespace),
        ("torch", array_api_compat.is_torch_namespace),
        ("jax", array_api_compat.is_jax_namespace),
        ("cupy", array_api_compat.is_cupy_namespace),
        ("dask", array_api_compat.is_dask_namespace),
        ("array_api_strict", array_api_compat.is_array_api_strict_namespace),
    ):
        if check(xp):
            return kind
    raise TypeError(f"no special functions known for the array namespace {xp.__name__}")


@cache
def _function(kind: str, name: str) -> Callable[[Array], Array]:
    module = importlib.import_module(_TABLE[kind])
    return getattr(module, name)


def _call(name: str, x: Array, xp: Namespace) -> Array:
    kind = _kind(xp)
    function = _function(kind, name)
    if kind == "array_api_strict":
        import numpy as np

        device = x.device
        return xp.asarray(function(np.asarray(x)), device=device)
    if kind == "jax" and name == "erfcx":
        return _jax_erfcx(x, xp, function)
    if kind == "dask":
        # Chunk by chunk, each through its own library's entry (NumPy or CuPy chunks).
        return x.map_blocks(partial(_chunk, name), dtype=x.dtype, meta=x._meta)
    return function(x)


def _chunk(name: str, block: Array) -> Array:
    return _call(name, block, array_api_compat.array_namespace(block))


def erf(x: Array, xp: Namespace) -> Array:
    """The error function."""
    return _call("erf", x, xp)


def erfc(x: Array, xp: Namespace) -> Array:
    """``1 - erf(x)`` without cancellation for large x."""
    return _call("erfc", x, xp)


def erfcx(x: Array, xp: Namespace) -> Array:
    """``exp(x**2) * erfc(x)``: finite where erfc underflows."""
    return _call("erfcx", x, xp)


# --------------------------------------------------------------------------- JAX

# tanh(x) = x + x u P(u), u = x**2, for |x| < _TANH_SPLIT: P interpolates (tanh(x)/x - 1)/u
# at Chebyshev nodes of [0, 0.625**2] (to 6e-17 relative in float64, 5e-9 in float32;
# P is at most 0.12 of the result, so the sum is within 0.7 ulp of tanh).
_TANH_SPLIT = 0.625
_TANH_P64 = (
    -0.3333333333333333, 0.13333333333333042, -0.05396825396789699, 0.021869488519008305,
    -0.008863235103240878, 0.0035921217511549622, -0.0014557754120478055,
    0.0005896606577757043, -0.0002375906496055562, 9.257116129556769e-05,
    -3.12011014257974e-05, 6.485163482793113e-06,
)  # fmt: skip
_TANH_P32 = (
    -0.3333333317214036, 0.1333330355691574, -0.053959259577204544, 0.02176891865102821,
    -0.008343945515839153, 0.002292744816178142,
)  # fmt: skip


def accurate_tanh(x: Array, xp: Namespace) -> Array:
    """``tanh`` within 1 ulp in float64 and float32, from ``exp`` and arithmetic.

    XLA's tanh is 7 ulp off near |x| = 19 in float64 (0.9999999999999992 for 1.0) and
    4 ulp near 8 in float32 (where it returns 1.0 early). Here: the odd polynomial for
    |x| < 0.625, ``1 - 2e/(1 + e)`` with ``e = exp(-2|x|)`` beyond (``2e/(1 + e)`` is
    below 1/2 there, so its rounding is halved in the result). Jit- and grad-safe: the
    polynomial's input is confined to its range, so no discarded branch overflows.
    """
    a = xp.abs(x)
    xc = xp.where(a < _TANH_SPLIT, x, xp.zeros_like(x))  # not clip: its slope at a bound is 1/2
    u = xc * xc
    coefficients = _TANH_P64 if x.dtype == xp.float64 else _TANH_P32
    p = u * coefficients[-1] + coefficients[-2]
    for c in coefficients[-3::-1]:
        p = p * u + c
    near = xc + xc * (u * p)
    e = xp.exp(-2 * a)  # XLA's: its 1 ulp is at most half an ulp of far
    far = 1 - 2 * e / (1 + e)
    result = xp.where(a < _TANH_SPLIT, near, xp.where(x < 0, -far, far))
    # At +-0 the same polynomial as a product: it keeps -0.0's sign (near gives +0.0)
    # and, under autodiff, the derivatives 1, 0, -2 of tanh there.
    return xp.where(x == 0, xc * (1 + u * p), result)


# expm1(r) = r + r**2 Q(r) for |r| <= log(2)/2: Q interpolates (expm1(r) - r)/r**2 at
# Chebyshev nodes (to 8e-18 relative in float64, 3e-9 in float32; r**2 Q is at most a
# fifth of the result). log 2 = hi + lo with hi short (32 and 12 bits), so that k hi is
# exact for the |k| <= 53 (24) used here.
_EXPM1_Q64 = (
    0.5, 0.16666666666666666, 0.04166666666666668, 0.008333333333333333,
    0.0013888888888878854, 0.00019841269841263152, 2.480158733702903e-05,
    2.755731924760984e-06, 2.75572626528368e-07, 2.5052070676884162e-08,
    2.091836877654225e-09, 1.6086781948613066e-10,
)  # fmt: skip
_EXPM1_Q32 = (
    0.5000000013692557, 0.1666666668187505, 0.041666462666195954, 0.008333310674603188,
    0.0013933900050040087, 0.00019891268510107283,
)  # fmt: skip
# dtype -> (Q, log 2 hi, log 2 lo, largest |k| for expm1 (2**k - 1 is exact for
# -k_max - 1 <= k <= k_max), and where exp is reduced (2**(k-1) normal; beyond, exp
# overflows or is within a few times the smallest normal: XLA's exp is used there))
_EXP_CONSTANTS = {
    8: (_EXPM1_Q64, 0.6931471803691238, 1.9082149292705877e-10, 52, (-707.7, 709.78)),
    4: (_EXPM1_Q32, 0.693115234375, 3.194618329871446e-05, 23, (-86.6, 88.72)),
}
_INV_LN2 = 1.4426950408889634


def _reduce(xc: Array, xp: Namespace, constants: tuple[Any, ...]) -> tuple[Array, ...]:
    """``xc = k log 2 + r + rl``: ``k``, ``r``, ``Q(r)`` and ``t`` with
    ``expm1(r + rl) = r + t`` (to well below an ulp of the result)."""
    q, ln2_hi, ln2_lo = constants[:3]
    k = xp.round(xc * _INV_LN2)
    high = xc - k * ln2_hi  # exact: k ln2_hi is, and it is near xc
    low = k * ln2_lo
    r = high - low
    r_low = (high - r) - low
    poly = r * q[-1] + q[-2]
    for c in q[-3::-1]:
        poly = poly * r + c
    return k, r, poly, (r * r) * poly + r_low * (1 + r)


def _power_of_two(k: Array, xp: Namespace) -> Array:
    """``2**k`` for integer-valued ``k`` (a float array) in the normal exponent range."""
    if array_api_compat.is_jax_namespace(xp):
        # The exponent field itself: jnp.ldexp (through frexp) costs 6 times exp.
        from jax import lax

        wide = k.dtype == xp.float64
        bits, bias, integer = (52, 1023, xp.int64) if wide else (23, 127, xp.int32)
        return lax.bitcast_convert_type((xp.astype(k, integer) + bias) << bits, k.dtype)
    return xp.ldexp(xp.ones_like(k), xp.astype(k, xp.int32))


def _exp_parts(x: Array, xp: Namespace) -> tuple[Array, ...]:
    """The reduction of ``x`` confined to exp's reduced range (see :data:`_EXP_CONSTANTS`),
    ``exp(x)`` from it, and whether ``x`` is in that range."""
    constants = _EXP_CONSTANTS[8 if x.dtype == xp.float64 else 4]
    lowest, highest = constants[4]
    inside = (x >= lowest) & (x <= highest)
    xc = xp.where(inside, x, xp.zeros_like(x))  # not clip: its slope at a bound is 1/2
    k, r, poly, t = _reduce(xc, xp, constants)
    s = 1 + r
    y = s + (((1 - s) + r) + t)  # 1 + r = s + ((1 - s) + r) exactly: |r| < 1/2
    value = (2 * y) * _power_of_two(k - 1, xp)  # 2**1024 (2**128) would overflow
    return xc, k, r, poly, t, value, inside


def accurate_exp(x: Array, xp: Namespace) -> Array:
    """``exp`` within half an ulp and a hair (float64 and float32) over its normal range.

    XLA's exp is within 1 ulp (4 near overflow in float32), but a formula that squares
    it or divides by it (mish's f'' has ``m**2/D**3``) doubles and triples that. Here
    ``exp(x) = 2**k (1 + r + t)`` (see :func:`_reduce`), ``1 + r`` kept exactly in two
    parts, so that one rounding remains. Beyond (overflow; results below 4 smallest
    normals, which JAX flushes on the CPU once subnormal) it is XLA's exp. Jit- and
    grad-safe: the reduction's input is confined to its range.
    """
    value, inside = _exp_parts(x, xp)[5:]
    return xp.where(inside, value, xp.exp(x))


def accurate_expm1(x: Array, xp: Namespace) -> Array:
    """``exp(x) - 1`` within 1 ulp in float64 and float32, from arithmetic.

    XLA's expm1 is up to 3 ulp off in float64 and 4 in float32 for |x| < 1. Here
    ``x = k log 2 + r`` (Cody-Waite, see :func:`_reduce`), ``expm1(r) = r + t`` by a
    polynomial, and for ``|k| <= k_max``: ``expm1(x) = (2**k - 1) + 2**k r + 2**k t``,
    the first sum exact in two parts (TwoSum), so only the small ``2**k t`` and the last
    addition round; beyond, ``exp(x) - 1`` from the same reduction (-1 rounds it there,
    or exp's own rounding is the result's). Jit- and grad-safe: the reduction's input is
    confined to its range, so no discarded branch overflows.
    """
    k_max = _EXP_CONSTANTS[8 if x.dtype == xp.float64 else 4][3]
    xc, k, r, poly, t, value, inside = _exp_parts(x, xp)
    scale = _power_of_two(xp.clip(k, -k_max - 1.0, float(k_max)), xp)
    head = scale - 1  # exact
    tail = scale * r  # exact
    total = head + tail
    part = total - head
    error = (head - (total - part)) + (tail - part)  # TwoSum: head + tail = total + error
    near = total + (error + scale * t)
    result = xp.where(xp.abs(k) <= k_max, near, value - 1)
    result = xp.where(inside, result, xp.exp(x) - 1)
    # At +-0 (where r is x): x (1 + r Q) keeps -0.0's sign (total is +0.0) and, under
    # autodiff, the derivatives 1, 1, 1 of expm1 there.
    return xp.where(x == 0, xc * (1 + r * poly), result)


# dtype -> (below, above, up, down): |x| and |y| are scaled by up (down) when the larger
# is below (above), so that their squares and the squares' rounding errors are normal.
_HYPOT_SCALES = {
    8: (2.0**-450, 2.0**450, 2.0**600, 2.0**-600),
    4: (2.0**-30, 2.0**50, 2.0**80, 2.0**-70),
}


def accurate_hypot(x: Array, y: Array, xp: Namespace) -> Array:
    """``sqrt(x**2 + y**2)`` correctly rounded but for rare ties, without overflow.

    XLA's hypot is 2 ulp off at times (``hypot(441.45, 2)``); squareplus's f'' divides
    by its cube. Here ``h = sqrt(x**2 + y**2)`` is corrected by one Newton step,
    ``h - (h**2 - x**2 - y**2) / (2h)``, with the squares formed exactly
    (:func:`nonlin._math.two_product`), after scaling by a power of 2.
    """
    from ._math import two_product

    below, above, up, down = _HYPOT_SCALES[8 if x.dtype == xp.float64 else 4]
    ax, ay = xp.abs(x), xp.abs(y)
    big, small = xp.maximum(ax, ay), xp.minimum(ax, ay)
    ones = xp.ones_like(big)
    scale = xp.where(big > above, ones * down, xp.where(big < below, ones * up, ones))
    big, small = big * scale, small * scale
    h = xp.sqrt(big * big + small * small)
    hh, hh_err = two_product(h, h, xp)
    bb, bb_err = two_product(big, big, xp)
    ss, ss_err = two_product(small, small, xp)
    excess = ((hh - bb) - ss) + ((hh_err - bb_err) - ss_err)  # h**2 - big**2 - small**2
    h = h - excess / (2 * xp.where(h > 0, h, ones))
    infinite = xp.isinf(ax) | xp.isinf(ay)
    return xp.where(infinite, ones * math.inf, h / scale)


_INV_SQRT_PI = 0.5641895835477563


# erfcx on [0, 6): Taylor series about the centres 0.125 + 0.25 i (|t - c| <= 1/8).
# Each row: erfcx(c) and erfcx'(c) = 2c erfcx(c) - 2/sqrt(pi) (from 60-digit mpmath);
# the higher coefficients follow from erfcx' = 2t erfcx - 2/sqrt(pi):
# a[n+1] = (2c a[n] + 2 a[n-1]) / (n+1). Shared with the float32 erfcx of the gelu
# family (nonlin.catalog.smooth), which uses all 24 rows.
ERFCX_CENTRES = (
    (0.8732218450821508, -0.9100737058249748), (0.6858572331012929, -0.6139862422695429),
    (0.5568138808733625, -0.43236181600380946), (0.464311583202669, -0.3158338964908418),
    (0.3956980795529959, -0.2380584881012718), (0.3432958898621254, -0.18431546997466777),
    (0.30226120936348594, -0.14603023666418335), (0.2694299851646704, -0.11801672272799837),
    (0.24267036461265454, -0.09703011749173075), (0.22050569220490668, -0.08097712912220592),
    (0.201887554546017, -0.06846950572892327), (0.1860549346844711, -0.05856329265980373),
    (0.1724443521021736, -0.05060196645692752), (0.1606310681265444, -0.044119457241337846),
    (0.15028972247426936, -0.03877867915705971), (0.1411674197630518, -0.034331663931861184),
    (0.13306497124120825, -0.03059315435554446), (0.12582358819498807, -0.02742277038936697),
    (0.11931528862713332, -0.02471274729452929), (0.1134358772147405, -0.022379364251792787),
    (0.10809973724654746, -0.020356860318401043), (0.10323591747815693, -0.0185930542053256),
    (0.09878515717340754, -0.01704614889467775), (0.09469759959536303, -0.015682371849997035),
)  # fmt: skip
# JAX's float64/float32 erfcx here: the first 16 rows, [0, 4); 16 terms (8 in float32)
# give 1 ulp.
_ERFCX_TAYLOR = ERFCX_CENTRES[:16]
_ERFCX_STEP = 0.25
_ERFCX_SERIES_END = 4.0  # from here on, the continued fraction
_ERFCX_FRACTION_TERMS = 20  # 1 ulp from t = 4 (float64)


@cache
def _erfcx_columns(degree: int) -> tuple[tuple[float, ...], ...]:
    """The Taylor coefficients of :data:`_ERFCX_TAYLOR`, column by column (power n)."""
    rows = []
    for i, (a0, a1) in enumerate(_ERFCX_TAYLOR):
        c = _ERFCX_STEP * (i + 0.5)
        a = [a0, a1]
        for n in range(1, degree):
            a.append((2 * c * a[n] + 2 * a[n - 1]) / (n + 1))
        rows.append(a)
    return tuple(zip(*rows))


def _jax_erfcx(x: Array, xp: Namespace, erfcx: Callable[[Array], Array]) -> Array:
    """``erfcx`` within 1 ulp for x >= 0 (XLA's for x < 0).

    XLA's erfcx is 11 ulp off near 1 in float64 (9 in float32), which GELU's negative
    side carries straight into its value (13 ulp at x = -1.33), and it is 0 for
    26.54 < x < 26.65 in float64 and 9.19 < x < 9.42 in float32 (there it is
    ``exp(x**2) erfc(x)``, with erfc flushed). Here: Taylor series about centres 1/4
    apart on [0, 4), and beyond the continued fraction
    ``1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))`` with 20 terms.
    Jit- and grad-safe: each branch's input is confined to its own range.
    """
    wide = x.dtype == xp.float64
    columns = _erfcx_columns(16 if wide else 8)
    # where, not clip: clip's derivative at its bound is 1/2 under JAX (a tie of max).
    t = xp.where((x >= 0) & (x < _ERFCX_SERIES_END), x, xp.zeros_like(x))
    i = xp.clip(xp.floor(t * (1 / _ERFCX_STEP)), 0.0, len(_ERFCX_TAYLOR) - 1.0)
    index = xp.astype(i, xp.int32)
    d = t - _ERFCX_STEP * (i + 0.5)

    def coefficient(n: int) -> Array:
        return xp.take(xp.asarray(columns[n], dtype=x.dtype), index)

    series = coefficient(len(columns) - 1)
    for n in range(len(columns) - 2, -1, -1):
        series = series * d + coefficient(n)
    far = x >= _ERFCX_SERIES_END
    u = xp.where(far, x, xp.full_like(x, _ERFCX_SERIES_END))
    f = u
    for k in range(_ERFCX_FRACTION_TERMS, 0, -1):
        f = u + (0.5 * k) / f
    return xp.where(far, _INV_SQRT_PI / f, xp.where(x >= 0, series, erfcx(x)))


# name -> function of (x, xp), or (x, y, xp) for hypot: what the namespace nonlin gives JAX
# arrays (nonlin.namespace.namespace, which binds xp to jax.numpy) has in place of its own.
JAX_OVERRIDES: dict[str, Callable[..., Array]] = {
    "exp": accurate_exp,
    "expm1": accurate_expm1,
    "hypot": accurate_hypot,
    "tanh": accurate_tanh,
}

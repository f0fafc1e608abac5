"""Special functions outside the array API standard, per namespace, imported lazily.

One table: for each namespace, where ``erf``, ``erfc`` and ``erfcx`` live. The module
behind an entry is imported on first use, so ``import nonlin`` loads no framework.

JAX (XLA on the CPU) also gets accurate replacements for the few functions where its
own are loose, 2 to 11 ulp (:data:`JAX_OVERRIDES`: exp, expm1, tanh, hypot, installed
in the namespace that :func:`nonlin.namespace.prepare` hands the catalog, so that
``xp.tanh`` is ours there); all within 1 ulp, pure ``jax.numpy`` (jit, grad and vmap
work through them).

erfcx is nonlin's own for float64 and float32 in every library (:func:`accurate_erfcx`,
within 1 ulp in float64 for any x): SciPy's, PyTorch's and XLA's are up to 7 ulp off
for small x > 0 (11 in XLA near 1) and hundreds for x < -1. On NumPy (and so
array_api_strict and Dask's NumPy chunks) erfc for x > 0 is nonlin's too
(:func:`accurate_erfc`, 1 ulp; SciPy's is off by up to 500 and 0 in place of
subnormals). The rest is the libraries' own: erf (2 ulp in SciPy, 1 in PyTorch and XLA),
erfc for x <= 0 (1 ulp), and erfc for x > 0 in PyTorch (1 ulp) and XLA (up to 31 ulp).
"""

from __future__ import annotations

import importlib
import math
import struct
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import array_api_compat

from .namespace import Array, Namespace

__all__ = [
    "JAX_OVERRIDES",
    "accurate_erfcx",
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


def _call(name: str, x: Array, xp: Namespace, nonnegative: bool = False) -> Array:
    kind = _kind(xp)
    if kind == "dask":
        # Chunk by chunk, each through its own library's entry (NumPy or CuPy chunks).
        chunk = partial(_chunk, name, nonnegative=nonnegative)
        return x.map_blocks(chunk, dtype=x.dtype, meta=x._meta)
    if kind == "array_api_strict":
        import numpy as np

        device = x.device
        numpy = array_api_compat.array_namespace(np.empty(0))
        y = _call(name, np.asarray(x), numpy, nonnegative)
        return xp.asarray(y, device=device)
    if name in ("erfcx", "erfc") and xp.isdtype(x.dtype, "real floating"):
        # The libraries' own erfcx are loose, and SciPy's erfc for x > 0 (see
        # accurate_erfcx, accurate_erfc). XLA's erfc is as loose, but computing both
        # branches everywhere (jit) would double GELU's time for an x > 0 it never asks
        # for; PyTorch's is within 1 ulp. NumPy's float32 and float16 are computed in
        # float64 (cheaply) and rounded once.
        if kind == "numpy":
            import numpy as np

            masked = (
                _erfcx_masked
                if name == "erfcx"
                else partial(_erfc_masked, erfc=_function(kind, name))
            )
            wide = xp.astype(x, xp.float64, copy=False)
            with np.errstate(over="ignore"):  # 2 exp(x**2) near the overflow threshold
                return xp.astype(masked(wide, xp), x.dtype, copy=False)
        if name == "erfcx" and x.dtype in (xp.float64, xp.float32):
            if kind == "torch" and _torch_plain(x):
                return _erfcx_torch(x, nonnegative)
            return accurate_erfcx(x, xp, nonnegative=nonnegative)
    return _function(kind, name)(x)


def _chunk(name: str, block: Array, nonnegative: bool = False) -> Array:
    return _call(name, block, array_api_compat.array_namespace(block), nonnegative)


def erf(x: Array, xp: Namespace) -> Array:
    """The error function."""
    return _call("erf", x, xp)


def erfc(x: Array, xp: Namespace) -> Array:
    """``1 - erf(x)`` without cancellation for large x."""
    return _call("erfc", x, xp)


def erfcx(
    x: Array, xp: Namespace, nonnegative: bool = False, rounded_to_float32: bool = False
) -> Array:
    """``exp(x**2) * erfc(x)``: finite where erfc underflows.

    ``nonnegative=True`` promises ``x >= 0`` (or NaN): the reflection for ``x < 0`` is
    then skipped (there it gives ``erfcx(|x|)``), a third of the work where every
    element goes through every branch (JAX, PyTorch under autodiff). The values for
    ``x >= 0`` are the same.

    ``rounded_to_float32=True`` (a float64 NumPy array whose result ends up as float32:
    the block engine's wide forms) takes SciPy's erfcx for ``x >= 0``: its 7 float64
    ulp are a ten-millionth of a float32 ulp, and it is 2 to 5 times faster than ours.
    """
    if rounded_to_float32 and nonnegative and _kind(xp) == "numpy":
        return _function("numpy", "erfcx")(x)
    return _call("erfcx", x, xp, nonnegative)


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
# accurate_erfcx: all 24 rows, [0, 6); 17 terms (9 in float32) leave 2e-21 (2e-10).
_ERFCX_TAYLOR = ERFCX_CENTRES
_ERFCX_STEP = 0.25
_ERFCX_SERIES_END = 6.0  # from here on, the continued fraction
# dtype -> terms of the continued fraction: 3e-19 (1e-11) from t = 6.
_ERFCX_FRACTION_TERMS = {8: 16, 4: 8}
# erfcx(c) - a0 for each row (60-digit mpmath): a0 + low is erfcx(c) to 1e-33, so that
# the series' last addition is its only rounding that shows (0.6 ulp, not 1).
_ERFCX_CENTRE_LOWS = (
    -2.8597780263826275e-17, -8.072719496056782e-18, 2.8215672146600085e-17,
    -1.851963727754574e-17, -5.777675056089129e-18, -1.1924063146768541e-17,
    -2.1300243845955138e-17, 2.4834579724134718e-17, 8.859480007862904e-18,
    -1.3461229599930757e-17, 3.2903559088569845e-18, 7.76667829835616e-18,
    9.753823401573308e-18, 2.4080744685198277e-18, -1.3715686864572673e-19,
    -1.2534194691366023e-17, 4.18468650022013e-18, 1.731149258735859e-18,
    4.9083845554602595e-18, -2.83995804299078e-18, 2.17250001322154e-18,
    3.865003583278955e-19, 3.3128178290144176e-18, -5.469015376166855e-18,
)  # fmt: skip
_INV_SQRT_PI_LOW = 7.66772980658294e-18  # 1/sqrt(pi) - _INV_SQRT_PI


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


@cache
def _erfcx_low_column(wide: bool) -> tuple[float, ...]:
    """erfcx(c) minus the row's a0 as float64 (wide) or float32 holds it."""
    if wide:
        return _ERFCX_CENTRE_LOWS

    def single(v: float) -> float:
        return float(struct.unpack("f", struct.pack("f", v))[0])

    return tuple(
        single((a0 - single(a0)) + low)
        for (a0, _), low in zip(_ERFCX_TAYLOR, _ERFCX_CENTRE_LOWS, strict=True)
    )


@cache
def _numpy_column(column: tuple[float, ...], dtype: str) -> Array:
    """A coefficient column of the erfcx series as a read-only NumPy array."""
    import numpy as np

    array = np.array(column, dtype=dtype)
    array.flags.writeable = False
    return array


def _erfcx_series(t: Array, xp: Namespace) -> Array:
    """``erfcx(t)`` for ``0 <= t < 6``: the Taylor series about the nearest centre."""
    columns = _erfcx_columns(16 if t.dtype == xp.float64 else 8)
    i = xp.clip(xp.floor(t * (1 / _ERFCX_STEP)), 0.0, len(_ERFCX_TAYLOR) - 1.0)
    if array_api_compat.is_jax_namespace(xp):
        index, where = xp.astype(i, xp.int32), {}  # int64 needs JAX's x64 mode
    else:  # NumPy converts int32 indices to int64 on every gather (7 times slower)
        index, where = xp.astype(i, xp.int64), {"device": t.device}
    d = t - _ERFCX_STEP * (i + 0.5)

    if array_api_compat.is_torch_namespace(xp):
        # index_select: 4 times faster than integer-array indexing in PyTorch (CPU),
        # and vmap and autograd go through it.
        import torch

        flat = xp.reshape(index, (-1,))

        def coefficient(column: tuple[float, ...]) -> Array:
            # made afresh: a cached tensor could be a tracer's (torch.compile)
            table = torch.tensor(column, dtype=t.dtype, device=t.device)
            return xp.reshape(torch.index_select(table, 0, flat), index.shape)

    elif array_api_compat.is_numpy_namespace(xp):

        def coefficient(column: tuple[float, ...]) -> Array:
            # each column made once (array_api_compat's asarray costs 5 us a call)
            return _numpy_column(column, t.dtype.str)[index]

    else:

        def coefficient(column: tuple[float, ...]) -> Array:
            # Integer-array indexing, not take: its indices are 1-d, and PyTorch's
            # (through array_api_compat) adds three operations for negative indices.
            return xp.asarray(column, dtype=t.dtype, **where)[index]

    series = coefficient(columns[-1])
    for n in range(len(columns) - 2, 0, -1):
        series = series * d + coefficient(columns[n])
    low = coefficient(_erfcx_low_column(t.dtype == xp.float64))
    return coefficient(columns[0]) + (series * d + low)


def _erfcx_fraction(u: Array, xp: Namespace) -> Array:
    """``erfcx(u)`` for ``u >= 6`` (0 at inf): the continued fraction, 16 terms (8 in
    float32), and the last division corrected (0.5 ulp, not 1.4)."""
    from ._math import two_product

    # Beyond 2**500 (2**100 in float32) erfcx(u) is 1/(sqrt(pi) u) to far below an ulp.
    safe = u < (2.0**500 if u.dtype == xp.float64 else 2.0**100)
    # Array numerators: PyTorch's scalar / tensor is a reciprocal and a product (two
    # roundings, 2 ulp in the result).
    half = xp.full_like(u, 0.5)
    c = half * (2 * _INV_SQRT_PI)
    us = xp.where(safe, u, half * 12)  # 6: no inf - inf, no overflow in TwoProduct
    f = us
    for k in range(_ERFCX_FRACTION_TERMS[8 if u.dtype == xp.float64 else 4], 1, -1):
        f = us + (half * k) / f
    w = half / f
    f = us + w
    f_low = w - (f - us)  # f + f_low = us + w exactly (w < us)
    q = c / f
    # One Newton step on q = (c + c_low) / (f + f_low), the remainder c - q f exact
    # (TwoProduct).
    p, p_low = two_product(q, f, xp)
    remainder = ((c - p) - p_low) + (_INV_SQRT_PI_LOW - q * f_low)
    return xp.where(safe, q + remainder / f, c / u)


# dtype -> beyond which -x, erfcx(x) = 2 exp(x**2) - erfcx(-x) overflows (27**2 > 709.8,
# 10**2 > 88.8): the square is formed from x clamped there (exp overflows to inf anyway).
_ERFCX_NEGATIVE_LIMIT = {8: 27.0, 4: 10.0}


def _exp_square(x: Array, sign: int, xp: Namespace) -> tuple[Array, ...]:
    """``exp(sign x**2) = 2**k (one + low)`` to well below an ulp of ``one``, for
    ``|x|`` clamped well inside exp's range: the square split exactly (``s + e``,
    :func:`nonlin._math.two_product`), ``exp(sign s) = 2**k (1 + r + t)`` by
    :func:`_reduce` with ``1 + r = one + ((1 - one) + r)`` exactly, and
    ``exp(sign e) = 1 + sign e``. Returns ``k``, ``one`` and ``low``."""
    from ._math import two_product

    square, e = two_product(x, x, xp)
    k, r, _, t = _reduce(sign * square, xp, _EXP_CONSTANTS[8 if x.dtype == xp.float64 else 4])
    one = 1 + r
    low = ((1 - one) + r) + t
    return k, one, low + (one + low) * (sign * e)


def _erfcx_reflect(x: Array, q: Array, xp: Namespace) -> Array:
    """``erfcx(x) = 2 exp(x**2) - q`` for ``-limit <= x <= 0`` with ``q = erfcx(-x)``
    (inf where it overflows), rounded once (:func:`_exp_square`)."""
    wide = x.dtype == xp.float64
    highest = _EXP_CONSTANTS[8 if wide else 4][4][1]
    inside = x * x <= highest
    k, one, low = _exp_square(xp.where(inside, x, xp.zeros_like(x)), 1, xp)
    scale = _power_of_two(k - 1, xp)  # 2 exp(x**2) = 2**(k-1) (4 (one + low))
    result = (4 * one) * scale + ((4 * low) * scale - q)
    return xp.where(inside, result, xp.full_like(result, math.inf))


def _erfcx_clamp_negative(x: Array, xp: Namespace) -> Array:
    limit = _ERFCX_NEGATIVE_LIMIT[8 if x.dtype == xp.float64 else 4]
    return xp.where(x < -limit, xp.full_like(x, -limit), x)


def accurate_erfcx(x: Array, xp: Namespace, nonnegative: bool = False) -> Array:
    """``erfcx(x) = exp(x**2) erfc(x)`` within 1 ulp in float64 (2 in float32), any x.

    The libraries' own (SciPy's, PyTorch's, XLA's) are up to 7 ulp off for small x > 0
    (SciPy: 0.9999999920211537 for erfcx(7.07e-9), 0.9999999920211544 exact), 11 in XLA
    near 1, 2 beyond 8, and hundreds for x < -1, where ``exp(x**2)`` magnifies the
    rounding of ``x**2``; XLA's is even 0 for 26.54 < x < 26.65 (erfc flushed). Here, for
    ``|x|``: Taylor series about centres 1/4 apart on [0, 6) (:data:`ERFCX_CENTRES`),
    and beyond the continued fraction
    ``1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))`` with 16 terms; for x < 0,
    ``2 exp(x**2) - erfcx(-x)`` with ``2 exp(x**2)`` in two parts
    (:func:`_erfcx_reflect`), so that only the last subtraction rounds.
    Array-API code throughout; jit- and grad-safe: each branch's input is confined to
    its own range, and ``|x|`` is taken as ``where(x >= 0, x, -x)`` (slope 1 at 0).
    :func:`_erfcx_masked` and :func:`_erfcx_torch` give the same values, faster where
    arrays can be masked. ``nonnegative=True``: ``x >= 0`` only (see :func:`erfcx`).
    """
    a = xp.where(x >= 0, x, -x)
    near = a < _ERFCX_SERIES_END
    t = xp.where(near, a, xp.zeros_like(a))
    u = xp.where(near, xp.full_like(a, _ERFCX_SERIES_END), a)
    q = xp.where(near, _erfcx_series(t, xp), _erfcx_fraction(u, xp))
    if nonnegative:
        return q  # NaN stays NaN (through the fraction)
    xn = xp.where(x < 0, _erfcx_clamp_negative(x, xp), xp.zeros_like(x))
    negative = _erfcx_reflect(xn, q, xp)
    return xp.where(x >= 0, q, xp.where(x < 0, negative, x))


# dtype -> beyond which erfc underflows to 0 (erfc(27.3) < 2**-1075, erfc(10.1) < 2**-150).
_ERFC_LIMIT = {8: 27.3, 4: 10.1}


def _erfc_right(x: Array, q: Array, xp: Namespace) -> Array:
    """``erfc(x) = q exp(-x**2)`` for ``0 <= x <= limit``, ``q = erfcx(x)``: the product
    of ``q`` and :func:`_exp_square`'s ``one + low`` formed exactly (TwoProduct), and
    scaled by ``2**(k + 64)`` (normal) then ``2**-64``, so that one rounding remains
    (down to the subnormals)."""
    from ._math import two_product

    k, one, low = _exp_square(x, -1, xp)
    hi, lo = two_product(q, one, xp)
    return ((hi + (lo + q * low)) * _power_of_two(k + 64, xp)) * 2.0**-64


def accurate_erfc(x: Array, xp: Namespace, erfc: Callable[[Array], Array]) -> Array:
    """``erfc(x)`` within 1 ulp in float64 for x > 0 (the library's ``erfc`` below).

    SciPy's and XLA's erfc are off by ``x**2`` ulps and more for x > 0 (500 near 20,
    34 near 7; 0 where the result is subnormal near 26.6), from the rounding of
    ``x**2`` under ``exp``. Here ``erfcx(x) exp(-x**2)`` (:func:`_erfc_right`), erfcx as
    in :func:`accurate_erfcx` (its own error is most of what remains). Their erfc for x <= 0
    (in [1, 2]) is within 1 ulp. Used on NumPy (:func:`_erfc_masked`).
    """
    limit = _ERFC_LIMIT[8 if x.dtype == xp.float64 else 4]
    right = (x > 0) & (x <= limit)
    xc = xp.where(right, x, xp.zeros_like(x))
    near = xc < _ERFCX_SERIES_END
    t = xp.where(near, xc, xp.zeros_like(xc))
    u = xp.where(near, xp.full_like(xc, _ERFCX_SERIES_END), xc)
    q = xp.where(near, _erfcx_series(t, xp), _erfcx_fraction(u, xp))
    beyond = xp.where(x > limit, xp.zeros_like(x), erfc(x))
    return xp.where(right, _erfc_right(xc, q, xp), beyond)


def _blocked(function: Callable[[Array], Array], x: Array, xp: Namespace) -> Array:
    """``function(x)`` (elementwise) on blocks of :data:`_BLOCK` elements of a flat
    ``x``, so that the temporaries stay in the cache (NumPy: 2 to 3 times faster)."""
    flat = xp.reshape(x, (-1,))
    out = xp.empty_like(flat)
    for start in range(0, flat.shape[0], _BLOCK):
        block = slice(start, start + _BLOCK)
        out[block] = function(flat[block])
    return xp.reshape(out, x.shape)


_BLOCK = 32768


def _erfcx_masked(x: Array, xp: Namespace) -> Array:
    """:func:`accurate_erfcx` with each element through its own branch only (boolean
    masks), bit for bit the same, in blocks (:func:`_blocked`): 6 times faster in NumPy,
    1.5 to 3 times SciPy's time."""
    if x.ndim != 1 or x.shape[0] > _BLOCK:
        return _blocked(partial(_erfcx_masked, xp=xp), x, xp)
    a = xp.abs(x)
    q = xp.asarray(a, copy=True)  # NaN stays NaN
    near = a < _ERFCX_SERIES_END
    far = a >= _ERFCX_SERIES_END
    negative = x < 0
    # A branch no element takes is skipped: its dozens of operations on empty arrays
    # would cost more than the work (a gelu block never has x < 0 here).
    if bool(xp.any(near)):
        q[near] = _erfcx_series(a[near], xp)
    if bool(xp.any(far)):
        q[far] = _erfcx_fraction(a[far], xp)
    if bool(xp.any(negative)):
        q[negative] = _erfcx_reflect(_erfcx_clamp_negative(x[negative], xp), q[negative], xp)
    return q


# ------------------------------------------------------------------ PyTorch (CPU)

# Bytes per block of :func:`_erfcx_torch` and thread (65536 float64): the temporaries
# stay in the cache, and the allocator reuses them (fresh 8 MB temporaries cost page
# faults, most of the time); smaller blocks pay PyTorch's 3 to 5 us an operation more
# often. Each operation on a block is still shared out among PyTorch's threads.
_TORCH_BLOCK_BYTES = 2**19


@cache
def _torch_column(column: tuple[float, ...], dtype: Any) -> Array:
    """A coefficient column of the erfcx series as a PyTorch CPU tensor (made once, for
    :func:`_erfcx_torch`; a normal tensor even if first asked for in inference mode)."""
    import torch

    with torch.inference_mode(False):
        return torch.tensor(column, dtype=dtype)


def _torch_plain(x: Array) -> bool:
    """Whether ``x`` is a plain CPU tensor that nothing differentiates or transforms:
    no autograd recording it, no forward-mode tangent, no torch.func wrapper, no
    torch.compile tracing it."""
    import torch

    # Older PyTorch (the extra asks for 2.1+) may lack one of these probes: then the
    # generic path, which is right everywhere, rather than a guess.
    compiling = getattr(getattr(torch, "compiler", None), "is_compiling", None)
    wrapped = getattr(getattr(torch._C, "_functorch", None), "is_functorch_wrapped_tensor", None)
    if compiling is None or wrapped is None or compiling():
        return False
    if type(x) is not torch.Tensor or x.device.type != "cpu":
        return False
    if x.requires_grad and torch.is_grad_enabled():
        return False
    if wrapped(x):
        return False
    from torch.autograd import forward_ad

    return forward_ad.unpack_dual(x).tangent is None


def _erfcx_torch(x: Array, nonnegative: bool) -> Array:
    """:func:`accurate_erfcx` for a plain PyTorch CPU tensor (:func:`_torch_plain`),
    bit for bit, 3 to 8 times faster (1 to 3 times PyTorch's own erfcx): in blocks of
    :data:`_TORCH_BLOCK_BYTES`, each branch computed only for blocks with elements in
    its range (and only for those elements where they are few), the series'
    coefficients gathered by ``index_select``, Horner's steps in place, and the
    fraction's steps by ``addcdiv`` (each the same roundings as the array-API code)."""
    import torch

    flat = x.reshape(-1)
    out = torch.empty_like(flat)
    threads = min(max(torch.get_num_threads(), 1), 32)
    size = _TORCH_BLOCK_BYTES // x.dtype.itemsize * threads
    for start in range(0, flat.shape[0], size):
        block = flat[start : start + size]
        out[start : start + size] = _erfcx_torch_block(block, nonnegative)
    return out.reshape(x.shape)


def _erfcx_torch_block(x: Array, nonnegative: bool) -> Array:
    import torch

    # Where a branch's value is discarded, its input need only be harmless (no autodiff
    # here): clamps (10 us a block) in place of where (80 us). A branch that few
    # elements take is computed for those only (gathered and put back by index).
    a = torch.abs(x)
    near = a < _ERFCX_SERIES_END
    size = a.shape[0]
    count = int(torch.count_nonzero(near))
    if count == size:
        return _erfcx_reflected(x, _erfcx_series_torch(a), nonnegative)
    if count == 0:
        return _erfcx_reflected(x, _erfcx_fraction_torch(a), nonnegative)  # NaN stays NaN
    below = _ERFCX_BELOW_END[x.dtype.itemsize]
    if count >= size - size // _FEW:  # few beyond the series (or NaN)
        q = _erfcx_series_torch(torch.clamp(a, max=below).nan_to_num_(nan=0.0))
        index = torch.nonzero(~near).squeeze(1)
        q.index_copy_(0, index, _erfcx_fraction_torch(a.index_select(0, index)))
    elif count <= size // _FEW:  # few in the series' range
        q = _erfcx_fraction_torch(torch.clamp(a, min=_ERFCX_SERIES_END))
        index = torch.nonzero(near).squeeze(1)
        q.index_copy_(0, index, _erfcx_series_torch(a.index_select(0, index)))
    else:
        t = torch.clamp(a, max=below).nan_to_num_(nan=0.0)
        u = torch.clamp(a, min=_ERFCX_SERIES_END)  # NaN stays NaN
        q = torch.where(near, _erfcx_series_torch(t), _erfcx_fraction_torch(u))
    return _erfcx_reflected(x, q, nonnegative)


# A branch is "taken by few" in a block of :func:`_erfcx_torch` below 1/_FEW of it.
_FEW = 8


def _erfcx_reflected(x: Array, q: Array, nonnegative: bool) -> Array:
    """``q = erfcx(|x|)`` in :func:`_erfcx_torch`, with the reflection where x < 0."""
    import torch

    if nonnegative:
        return q
    negative = x < 0
    count = int(torch.count_nonzero(negative))
    if count == 0:
        return q
    limit = _ERFCX_NEGATIVE_LIMIT[x.dtype.itemsize]
    if count <= x.shape[0] // _FEW:
        index = torch.nonzero(negative).squeeze(1)
        xn = torch.clamp(x.index_select(0, index), min=-limit)
        return q.index_copy_(0, index, _erfcx_reflect_torch(xn, q.index_select(0, index)))
    xn = torch.clamp(x, -limit, 0.0).nan_to_num_(nan=0.0)
    return torch.where(negative, _erfcx_reflect_torch(xn, q), q)


# dtype -> the largest number below the series' end, 6.
_ERFCX_BELOW_END = {8: 5.999999999999999, 4: 5.999999523162842}


def _two_product_torch(a: Array, b: Array) -> tuple[Array, Array]:
    """:func:`nonlin._math.two_product` (and its split) for PyTorch tensors, the same
    roundings, in place where a temporary allows (half the time)."""
    import torch

    factor = 134217729.0 if a.dtype == torch.float64 else 4097.0

    def split(x: Array) -> tuple[Array, Array]:
        scaled = x * factor
        spare = scaled - x
        high = scaled.sub_(spare)  # scaled - (scaled - x)
        return high, torch.sub(x, high, out=spare)

    p = a * b
    a_hi, a_lo = split(a)
    if b is a:
        e = (a_hi * a_hi).sub_(p)
        cross = a_hi.mul_(a_lo)
        e.add_(cross).add_(cross)  # a_hi b_lo, then a_lo b_hi: the same product
        return p, e.add_(a_lo.mul_(a_lo))
    b_hi, b_lo = split(b)
    e = (a_hi * b_hi).sub_(p)
    e.add_(a_hi.mul_(b_lo)).add_(b_hi.mul_(a_lo))
    return p, e.add_(a_lo.mul_(b_lo))


def _erfcx_reflect_torch(x: Array, q: Array) -> Array:
    """:func:`_erfcx_reflect` (with :func:`_exp_square` and :func:`_reduce`) for a
    1-d PyTorch tensor ``x`` in ``[-limit, 0]``, the same roundings, in place where a
    temporary allows, and ``2**(k-1)`` from the exponent's bits (ldexp costs 15 times
    a product)."""
    import torch

    wide = x.dtype == torch.float64
    constants = _EXP_CONSTANTS[8 if wide else 4]
    poly_coefficients, ln2_hi, ln2_lo = constants[:3]
    highest = constants[4][1]
    inside = x * x <= highest
    all_inside = int(torch.count_nonzero(inside)) == x.shape[0]
    xc = x if all_inside else torch.where(inside, x, 0.0)
    square, e = _two_product_torch(xc, xc)
    # _reduce(square): k, r, t
    k = torch.round(square * _INV_LN2)
    high = square.sub_(k * ln2_hi)
    low = k * ln2_lo
    r = high - low
    r_low = high.sub_(r).sub_(low)  # (high - r) - low
    poly = (r * poly_coefficients[-1]).add_(poly_coefficients[-2])
    for c in poly_coefficients[-3::-1]:
        poly.mul_(r).add_(c)
    one = 1 + r
    t = (r * r).mul_(poly).add_(r_low.mul_(one))  # r**2 poly + r_low (1 + r)
    # _exp_square's one and low; 2 exp(x**2) = 2**(k-1) (4 (one + low))
    low = (1 - one).add_(r).add_(t)
    low.add_((one + low).mul_(e))
    if wide:
        scale = ((k.to(torch.int64) + 1022) << 52).view(torch.float64)
    else:
        scale = ((k.to(torch.int32) + 126) << 23).view(torch.float32)
    result = one.mul_(4).mul_(scale).add_(low.mul_(4).mul_(scale).sub_(q))
    return result if all_inside else torch.where(inside, result, math.inf)


def _erfcx_series_torch(t: Array) -> Array:
    """:func:`_erfcx_series` for a 1-d PyTorch tensor, the same roundings."""
    import torch

    wide = t.dtype == torch.float64
    columns = _erfcx_columns(16 if wide else 8)
    i = torch.floor(t * (1 / _ERFCX_STEP)).clamp_(0.0, len(_ERFCX_TAYLOR) - 1.0)
    index = i.to(torch.int32)  # converted 2.5 times faster than to int64
    d = t - i.add_(0.5).mul_(_ERFCX_STEP)

    def coefficient(column: tuple[float, ...]) -> Array:
        return torch.index_select(_torch_column(column, t.dtype), 0, index)

    series = coefficient(columns[-1])
    for n in range(len(columns) - 2, 0, -1):
        series.mul_(d).add_(coefficient(columns[n]))
    low = series.mul_(d).add_(coefficient(_erfcx_low_column(wide)))
    return coefficient(columns[0]).add_(low)


def _erfcx_fraction_torch(u: Array) -> Array:
    """:func:`_erfcx_fraction` for a PyTorch tensor, the same roundings (array
    numerators as 0-d tensors: true divisions)."""
    import torch

    wide = u.dtype == torch.float64
    safe = u < (2.0**500 if wide else 2.0**100)
    half = torch.full((), 0.5, dtype=u.dtype, device=u.device)
    c = half * (2 * _INV_SQRT_PI)
    all_safe = int(torch.count_nonzero(safe)) == u.shape[0]
    us = u if all_safe else torch.where(safe, u, _ERFCX_SERIES_END)
    f = us
    for k in range(_ERFCX_FRACTION_TERMS[8 if wide else 4], 1, -1):
        f = torch.addcdiv(us, (half * k).expand_as(f), f)  # us + (k/2) / f
    w = torch.div(half, f)
    f = us + w
    f_low = w.sub_(f - us)  # w - (f - us)
    q = torch.div(c, f)
    p, p_low = _two_product_torch(q, f)
    remainder = p.neg_().add_(c).sub_(p_low)  # (c - p) - p_low
    remainder.add_(f_low.mul_(q).neg_().add_(_INV_SQRT_PI_LOW))  # + (low - q f_low)
    q = remainder.div_(f).add_(q)  # q + remainder / f
    return q if all_safe else torch.where(safe, q, torch.div(c, u))


def _erfc_masked(x: Array, xp: Namespace, erfc: Callable[[Array], Array]) -> Array:
    """:func:`accurate_erfc` with each element through its own branch only, in blocks."""
    if x.ndim != 1 or x.shape[0] > _BLOCK:
        return _blocked(partial(_erfc_masked, xp=xp, erfc=erfc), x, xp)
    right = (x > 0) & (x <= _ERFC_LIMIT[8 if x.dtype == xp.float64 else 4])
    y = erfc(x)
    if not bool(xp.any(right)):  # SciPy's erfc for x <= 0 is within 1 ulp (gelu's case)
        return y
    xr = x[right]
    q = _erfcx_masked(xr, xp)
    y[right] = _erfc_right(xr, q, xp)
    return y


# name -> function of (x, xp), or (x, y, xp) for hypot: what the namespace nonlin gives JAX
# arrays (nonlin.namespace.namespace, which binds xp to jax.numpy) has in place of its own.
JAX_OVERRIDES: dict[str, Callable[..., Array]] = {
    "exp": accurate_exp,
    "expm1": accurate_expm1,
    "hypot": accurate_hypot,
    "tanh": accurate_tanh,
}

"""How an elementwise evaluation runs fast on NumPy: cache-sized blocks on a few threads.

A formula written against the array API makes one temporary array per operation. On a
large input every temporary goes out to main memory and back, so a formula of ten
operations costs ten trips through memory. Here the input is cut into blocks that fit
in the core's cache; each block goes through the whole formula (its temporaries stay in
cache) and lands in the preallocated result. NumPy releases the GIL inside its loops,
so blocks run on a small thread pool at once.

The working dtype is applied per block: a float32 input computed in float64 is widened
one block at a time and rounded into the float32 result, so no float64 copy of the
whole input is ever made.

Other array libraries keep their own execution (fused kernels, lazy graphs): the engine
is for NumPy arrays only.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np

from . import kernels

__all__ = [
    "evaluate",
    "evaluate_hook",
    "evaluate_leading",
    "evaluate_rows",
    "get_threads",
    "set_threads",
]

# Elements per block: 16384 float64 values are 128 KiB, so the input block and the few
# temporaries of a formula stay within a core's L2 cache.
BLOCK = 16384
# Elements per block for a row operation (softmax, norm:*): its formula is longer (a
# compensated sum per row, several passes), so a larger block pays its per-call costs
# better; 512 KiB of float64 still stays within the L2 cache with a temporary or two.
ROW_BLOCK = 65536
# Below this size one plain call is faster than any splitting (thread hand-off costs
# some microseconds, more than the whole evaluation).
SMALL = 65536

Kernel = Callable[..., "np.ndarray | Sequence[np.ndarray]"]

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_threads: int | None = None


def _default_threads() -> int:
    configured = os.environ.get("NONLIN_NUM_THREADS")
    if configured:
        return max(int(configured), 1)
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return min(available or os.cpu_count() or 1, 8)


def get_threads() -> int:
    """How many threads a large NumPy evaluation uses (``NONLIN_NUM_THREADS``, or cores)."""
    return _threads if _threads is not None else _default_threads()


def set_threads(count: int) -> None:
    """Use ``count`` threads for large NumPy evaluations (1 turns threading off)."""
    global _pool, _threads
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"the thread count must be a positive int, not {count!r}")
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True)
            _pool = None
        _threads = count


def _executor(threads: int) -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None or _pool._max_workers != threads:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="nonlin")
        return _pool


def _as_tuple(result: Any) -> tuple[np.ndarray, ...]:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def evaluate(
    kernel: Kernel,
    x: np.ndarray,
    work_dtype: np.dtype | type,
    out_dtype: np.dtype | type,
    outputs: int = 1,
    out: Sequence[np.ndarray] | None = None,
    operands: Sequence[np.ndarray] = (),
    row: int | None = None,
    out_shape: tuple[int, ...] | None = None,
) -> tuple[np.ndarray, ...]:
    """Apply an elementwise ``kernel`` to ``x`` block by block; return its outputs.

    ``kernel`` maps a 1-d ``work_dtype`` block (and the same block of each of
    ``operands``, arrays shaped like ``x``: the ``dy`` of a vjp) to ``outputs`` arrays
    of the same length (a tuple when ``outputs > 1``). Results are ``out_dtype`` arrays
    shaped like ``x``, written into ``out`` when given (arrays of that shape and dtype).
    Floating-point warnings are silenced in every worker, as
    :func:`nonlin.namespace.quiet` does for a single call.

    With ``row`` given, the kernel works along rows of ``row`` elements (the last axis
    of ``x``, even of size 1): its blocks are 2-d, ``(rows, width)``, and never split a
    row. Operands and results may then have rows of another width (glu halves them):
    results are shaped ``out_shape`` (default ``x.shape``), and an operand or result has
    as many rows as ``x``.
    """
    size = x.size
    shape = x.shape if out_shape is None else tuple(out_shape)
    given = list(out) if out is not None else [None] * outputs
    # Blocks are written through flat (or row) views, so a strided target gets a
    # scratch array that is copied into it at the end.
    results = [
        target
        if target is not None and target.flags.c_contiguous
        else np.empty(shape, dtype=out_dtype)
        for target in given
    ]
    arrays = (x, *operands)
    inputs: list[np.ndarray]
    targets: list[np.ndarray]
    if row is None:
        count, step = size, BLOCK
        inputs = [array.reshape(-1) for array in arrays]  # views, unless strided
        targets = [result.reshape(-1) for result in results]
    else:  # whole rows: (rows, width) views; a block is a run of rows
        count = size // row if row else 0
        step = max(ROW_BLOCK // max(row, 1), 1)
        inputs = [array.reshape(count, array.shape[-1]) for array in arrays]
        targets = [result.reshape(count, result.shape[-1]) for result in results]

    def run(start: int, stop: int) -> None:
        with np.errstate(all="ignore"):
            for low in range(start, stop, step):
                high = min(low + step, stop)
                blocks = [array[low:high].astype(work_dtype, copy=False) for array in inputs]
                for target, value in zip(targets, _as_tuple(kernel(*blocks))):
                    target[low:high] = value

    threads = 1 if size < SMALL else get_threads()
    if threads == 1:
        run(0, count)
    else:
        _run_shared(run, count, threads, step)
    for target, result in zip(given, results):
        if target is not None and target is not result:
            target[...] = result
    return tuple(target if target is not None else result for target, result in zip(given, results))


def _run_shared(run: Callable[[int, int], None], size: int, threads: int, step: int) -> None:
    # One contiguous share per thread (whole blocks; ``size`` and ``step`` count
    # elements, or rows), so each thread streams through memory and the pool hands off
    # only ``threads`` tasks.
    blocks = -(-size // step)
    per_thread = -(-blocks // threads) * step
    shares = [(low, min(low + per_thread, size)) for low in range(0, size, per_thread)]
    futures = [_executor(threads).submit(run, low, high) for low, high in shares[1:]]
    run(*shares[0])  # the calling thread takes the first share itself
    for future in futures:
        future.result()


# --------------------------------------------------------------------------- activations

# The hooks of an elementwise activation, each with its "wide" twin: the form used when
# a float32 (or float16) result is computed in float64 (see Activation._f_wide).
_WIDE = {
    "_f": "_f_wide",
    "_df": "_df_wide",
    "_d2f": "_d2f_wide",
    "_derivatives": "_derivatives_wide",
    "_vjp": "_vjp_wide",
    "_jvp": "_jvp_wide",
}


def evaluate_hook(
    act: Any,
    hook: str,
    x: np.ndarray,
    xp: Any,
    out: np.ndarray | None = None,
    outputs: int = 1,
    operands: Sequence[np.ndarray] = (),
) -> tuple[np.ndarray, ...]:
    """Run an elementwise ``hook`` (``"_f"``, ``"_df"``, ``"_d2f"``, ``"_derivatives"``,
    or ``"_vjp"``/``"_jvp"`` with ``operands`` ``(dy,)``/``(v,)`` shaped like ``x``) of
    a pointwise activation on a NumPy float array, block by block.

    float64 runs the exact formulas. A float32 or float16 input is widened to float64
    one block at a time and goes through the wide formulas, then is rounded once;
    activations that are exact in any precision (``native_precision``: comparisons and
    one product by a parameter that the narrow dtype holds exactly) skip the widening.
    """
    dtype = x.dtype
    loop = kernels.lookup(act, hook, dtype)
    if loop is not None:  # (an out= has x's dtype: Activation checked it)
        return _compiled(loop, x, out, outputs, operands)
    if _native(act, dtype):
        # A few comparisons and selections: one vectorised pass over the whole array
        # beats blocks, whose per-call overhead is larger than the work itself.
        with np.errstate(all="ignore"):  # as quiet() does: discarded branches may overflow
            values = getattr(act, hook)(x, *operands, xp)
        values = values if outputs > 1 else (values,)
        if out is None:
            return tuple(np.asarray(v, dtype=dtype) for v in values)
        out[...] = values[0]
        return (out,)
    return _in_blocks(act, hook, x, xp, out, outputs, operands)


def _compiled(
    loop: kernels.Loop | kernels.ChainLoop | kernels.BoundUnitLoop,
    x: np.ndarray,
    out: np.ndarray | None,
    outputs: int,
    operands: Sequence[np.ndarray],
) -> tuple[np.ndarray, ...]:
    """Run a compiled loop over ``x`` (and ``operands``), each thread on a contiguous
    share (the extension's threads where it has them, else the pool here), with no
    temporaries beyond the results (and a contiguous copy of a strided input)."""
    inputs = [a if a.flags.c_contiguous else np.ascontiguousarray(a) for a in (x, *operands)]
    # The loop writes element i after reading element i, so the result may be an input
    # (out=x works in place); any other overlap, or a strided out, gets a scratch array.
    direct = _writable_directly(out, inputs, in_place=True)
    first = out if out is not None and direct else np.empty(x.shape, x.dtype)
    results = [first] + [np.empty(x.shape, x.dtype) for _ in range(outputs - 1)]
    size = x.size
    threads = 1 if size < SMALL else get_threads()
    if threads == 1 or kernels.threaded() or not getattr(loop, "shareable", True):
        loop(*inputs, *results, threads=threads)  # buffers of any C-contiguous shape
    else:
        flat = [a.reshape(-1) for a in (*inputs, *results)]

        def run(start: int, stop: int) -> None:
            loop(*(a[start:stop] for a in flat))

        _run_shared(run, size, threads, BLOCK)
    if out is not None and not direct:
        out[...] = results[0]
        results[0] = out
    return tuple(results)


def runs_directly() -> bool:
    """Whether :func:`run_direct` may run loops at every size: the extension shares
    large inputs out to its own threads (else the engine's pool does, in
    :func:`_compiled`)."""
    return kernels.threaded()


def run_direct(
    run: Callable[..., None], x: np.ndarray, operands: tuple[np.ndarray, ...], outputs: int
) -> Any:
    """:func:`_compiled` for the common call: a compiled loop bound to its family
    (``run(threads, *arrays)``), C-contiguous ``x`` and ``operands`` of its shape and
    dtype, fresh results; one result, or a tuple of ``outputs``."""
    shape, dtype = x.shape, x.dtype
    if outputs == 1:
        y = np.empty(shape, dtype)
        run(1 if x.size < SMALL else get_threads(), x, *operands, y)
        return y
    results = tuple(np.empty(shape, dtype) for _ in range(outputs))
    run(1 if x.size < SMALL else get_threads(), x, *operands, *results)
    return results


def _writable_directly(
    out: np.ndarray | None, inputs: Sequence[np.ndarray], in_place: bool
) -> bool:
    """Whether results may be written straight into ``out``: C-contiguous, and sharing
    no memory with an input (but for being that very input, where ``in_place``: a
    loop that reads each element before it writes it)."""
    return (
        out is not None
        and out.flags.c_contiguous
        and not any(not (in_place and out is a) and np.may_share_memory(out, a) for a in inputs)
    )


def _in_blocks(
    act: Any,
    hook: str,
    x: np.ndarray,
    xp: Any,
    out: np.ndarray | None,
    outputs: int,
    operands: Sequence[np.ndarray],
    row: int | None = None,
    out_shape: tuple[int, ...] | None = None,
) -> tuple[np.ndarray, ...]:
    """:func:`evaluate` with ``hook`` in float64, or its wide twin for a narrower dtype."""
    dtype = x.dtype
    if dtype == np.float64:
        name, work = hook, dtype
    else:
        name, work = _WIDE[hook], np.dtype(np.float64)
    method = getattr(act, name)

    def kernel(*blocks: np.ndarray) -> Any:
        return method(*blocks, xp)

    out_dtype = out.dtype if out is not None else dtype
    given = None if out is None else [out]
    return evaluate(kernel, x, work, out_dtype, outputs, given, operands, row, out_shape)


def evaluate_rows(
    act: Any,
    hook: str,
    x: np.ndarray,
    xp: Any,
    out: np.ndarray | None = None,
    operands: Sequence[np.ndarray] = (),
) -> np.ndarray:
    """Run ``hook`` (``"_f"``, ``"_vjp"``, ``"_jvp"``) of an activation that works along
    the last axis of ``x`` (softmax, norm:*, and chains of them with pointwise stages),
    a block of whole rows at a time; float32 and float16 are computed in float64,
    through the wide forms as :func:`evaluate_hook` does.

    ``act`` must take 2-d blocks: its stages' ``axis`` is -1 (see
    :func:`nonlin.activation._along_last_axis`). Its rows may change width (glu halves
    them): ``f`` and ``jvp`` return ``act._output_shape(x.shape)``, a vjp's ``dy`` has
    that shape and its result x's.
    """
    shape = act._operand_and_result_shapes(hook, x.shape)[1]
    loop = kernels.lookup_rows(act, hook, x.dtype)
    if loop is not None:
        return _compiled_rows(act, hook, loop, x, xp, out, operands)
    if x.size and x.dtype in (np.float32, np.float64):
        segments = kernels.lookup_row_chain(act, hook)
        if segments is not None:
            return _compiled_row_chain(segments, hook, x, xp, out, operands, shape)
    return _in_blocks(act, hook, x, xp, out, 1, operands, x.shape[-1], shape)[0]


def _compiled_rows(
    act: Any,
    hook: str,
    loop: kernels.RowLoop,
    x: np.ndarray,
    xp: Any,
    out: np.ndarray | None,
    operands: Sequence[np.ndarray],
) -> np.ndarray:
    """Run a compiled row loop (softmax and its kin, norm:*, glu, whose f and jvp halve
    the rows), the threads taking shares of whole rows; the rows it leaves (those
    holding inf or NaN) go through the array-API path."""
    width = x.shape[-1]
    shape = act._operand_and_result_shapes(hook, x.shape)[1]
    rows = x.size // width if width else 0
    inputs = [np.ascontiguousarray(a).reshape(rows, a.shape[-1]) for a in (x, *operands)]
    direct = _writable_directly(out, inputs, in_place=False)
    result = out if out is not None and direct else np.empty(shape, x.dtype)
    flat = result.reshape(rows, shape[-1])
    skipped = np.zeros(rows, dtype=np.uint8)
    threads = 1 if x.size < SMALL else get_threads()
    if loop(*inputs, flat, skipped, threads=threads):
        _rows_on_the_path(act, hook, inputs[0], inputs[1:], flat, skipped, xp)
    if out is not None and not direct:
        out[...] = result
        return out
    return result


def run_rows_direct(
    act: Any,
    hook: str,
    run: Callable[..., int],
    x: np.ndarray,
    operands: tuple[np.ndarray, ...],
    shape: tuple[int, ...],
    xp: Any,
) -> np.ndarray:
    """:func:`_compiled_rows` for the common call: a row loop bound to its family
    (``run(threads, x, [v,] y, skipped)``), C-contiguous ``x`` with rows of at least
    one value and ``operands`` of the shapes the hook takes, a fresh result of
    ``shape``."""
    rows = x.size // x.shape[-1]
    result = np.empty(shape, x.dtype)
    skipped = np.zeros(rows, dtype=np.uint8)
    if run(1 if x.size < SMALL else get_threads(), x, *operands, result, skipped):
        inputs = [a.reshape(rows, a.shape[-1]) for a in (x, *operands)]
        flat = result.reshape(rows, shape[-1])
        _rows_on_the_path(act, hook, inputs[0], inputs[1:], flat, skipped, xp)
    return result


def _rows_on_the_path(
    act: Any,
    hook: str,
    x: np.ndarray,
    operands: Sequence[np.ndarray],
    result: np.ndarray,
    skipped: np.ndarray,
    xp: Any,
) -> None:
    """Compute the rows a row loop left (flagged in ``skipped``: those holding inf or
    NaN) on the array-API path, into ``result``; every array 2-d, (rows, width)."""
    left = np.flatnonzero(skipped)
    result[left] = _in_blocks(
        act,
        hook,
        x[left],
        xp,
        None,
        1,
        [a[left] for a in operands],
        x.shape[-1],
        (left.size, result.shape[-1]),
    )[0]


def evaluate_leading(
    act: Any,
    hook: str,
    x: np.ndarray,
    xp: Any,
    out: np.ndarray | None = None,
    outputs: int = 1,
    operands: Sequence[np.ndarray] = (),
) -> tuple[np.ndarray, ...]:
    """Run ``hook`` of elementwise activations with learned values (prelu, and chains
    holding them) on float64 blocks of whole slices ``x[i]`` of the first axis, on a
    few threads: each block carries the full set of values along its axis, and the
    activation's own hooks run on it as the array-API path runs them on the whole
    array in float64 (float32 widened a block at a time, rounded once).

    ``act`` must pass :meth:`nonlin.activation.Activation._leading_blocks_ready`.
    """
    wide = np.dtype(np.float64)
    for stage in act.iter_stages():
        if getattr(stage, "learnable", False):
            if not stage._store:  # first use: made now, not by racing threads
                stage._bound(np.broadcast_to(wide.type(0), x.shape), xp)
            stage._check_input(x, xp)
    unit_loop = kernels.lookup_units(act, hook, x.dtype)
    if unit_loop is not None:
        return _compiled_units(unit_loop, act, x, out, outputs, operands)
    method = getattr(act, hook)
    length = x.shape[0]
    step = max(ROW_BLOCK // max(x.size // max(length, 1), 1), 1)
    results = [np.empty(x.shape, x.dtype) for _ in range(outputs)]
    direct = _writable_directly(out, (x, *operands), in_place=False)
    if out is not None and direct:
        results[0] = out

    def run(start: int, stop: int) -> None:
        with np.errstate(all="ignore"):
            for low in range(start, stop, step):
                high = min(low + step, stop)
                blocks = [a[low:high].astype(wide, copy=False) for a in (x, *operands)]
                for target, value in zip(results, _as_tuple(method(*blocks, xp))):
                    target[low:high] = value

    threads = 1 if x.size < SMALL else get_threads()
    if threads == 1 or length < 2:
        run(0, length)
    else:
        _run_shared(run, length, threads, step)
    if out is not None and not direct:
        out[...] = results[0]
        results[0] = out
    return tuple(results)


def param_vjp_leading(act: Any, x: np.ndarray, dy: np.ndarray, xp: Any) -> dict[str, np.ndarray]:
    """``act.param_vjp(x, dy)`` of a learnable activation whose values are not along
    the first axis, on float64 blocks of whole slices of that axis (float32 widened a
    block at a time), on a few threads: each block's contributions (``act._pgrad``)
    summed over every axis but the unit axis, and the blocks' sums added in block
    order, whatever the thread count. The sums are float64, as on the array-API path,
    which adds in another order (the last bits of a float64 result may differ).
    """
    wide = np.dtype(np.float64)
    if not act._store:  # first use: made now, not by racing threads
        act._bound(np.broadcast_to(wide.type(0), x.shape), xp)
    act._check_input(x, xp)
    length = x.shape[0]
    step = max(ROW_BLOCK // max(x.size // max(length, 1), 1), 1)
    sums: dict[int, dict[str, np.ndarray]] = {}

    def run(start: int, stop: int) -> None:
        with np.errstate(all="ignore"):
            for low in range(start, stop, step):
                high = min(low + step, stop)
                block, cotangent = (a[low:high].astype(wide, copy=False) for a in (x, dy))
                values = act._bound(block, xp)
                sums[low] = act._reduce(act._pgrad(block, cotangent, values, xp), block, xp)

    threads = 1 if x.size < SMALL else get_threads()
    if threads == 1 or length < 2:
        run(0, length)
    else:
        _run_shared(run, length, threads, step)
    ordered = [sums[low] for low in sorted(sums)]
    return {name: np.sum([part[name] for part in ordered], axis=0) for name in ordered[0]}


def _compiled_units(
    loop: kernels.UnitLoop,
    act: Any,
    x: np.ndarray,
    out: np.ndarray | None,
    outputs: int,
    operands: Sequence[np.ndarray],
) -> tuple[np.ndarray, ...]:
    """Run a unit loop (prelu, lgrelu): ``x`` seen as ``(outer, units, inner)`` around
    the activation's axis (one unit where its values are shared)."""
    values = np.ascontiguousarray(loop.values_of(act), dtype=np.float64)
    if act.axis is None or x.ndim == 0:
        outer, units, inner = 1, 1, x.size
    else:
        axis = act._axis_of(x.ndim)
        outer, units = math.prod(x.shape[:axis]), x.shape[axis]
        inner = math.prod(x.shape[axis + 1 :])
    if x.size == 0:
        results = tuple(np.empty(x.shape, x.dtype) for _ in range(outputs))
        return results if out is None else (out, *results[1:])
    return _compiled(loop.bind(values, outer, units, inner), x, out, outputs, operands)


def _compiled_row_chain(
    segments: tuple[kernels.RowChainSegment, ...],
    hook: str,
    x: np.ndarray,
    xp: Any,
    out: np.ndarray | None,
    operands: Sequence[np.ndarray],
    shape: tuple[int, ...],
) -> np.ndarray:
    """Run a chain with row stages (``"tanh+norm:z"``) segment by segment on float64
    blocks of whole rows (a float32 input widened a block at a time, the results
    rounded once), so the values between the stages stay in cache. The result has
    ``shape`` (glu halves its rows; so does a jvp's tangent, and a vjp's cotangent has
    the halved rows)."""
    width = x.shape[-1]
    count = x.size // width
    rows = x.reshape(count, width)
    given = [a.reshape(count, a.shape[-1]) for a in operands]
    result = np.empty(shape, x.dtype)
    flat = result.reshape(count, shape[-1])
    step = max(ROW_BLOCK // width, 1)

    def run(start: int, stop: int) -> None:
        for low in range(start, stop, step):
            high = min(low + step, stop)
            block = rows[low:high].astype(np.float64, order="C")
            other = given[0][low:high].astype(np.float64, order="C") if given else None
            flat[low:high] = _row_chain_block(segments, hook, block, other, xp)

    # The threads take shares of whole blocks (the loops release the GIL); a block
    # too large for one core's cache (rows of over ROW_BLOCK values) is shared out
    # by its loops instead.
    threads = 1 if x.size < SMALL else get_threads()
    if threads == 1:
        run(0, rows.shape[0])
    else:
        _run_shared(run, rows.shape[0], threads, step)
    if out is not None:
        out[...] = result
        return out
    return result


def _row_chain_block(
    segments: tuple[kernels.RowChainSegment, ...],
    hook: str,
    x: np.ndarray,
    v: np.ndarray | None,
    xp: Any,
) -> np.ndarray:
    """``hook`` of the chain on one float64 block of rows, as nonlin.chain.Chain runs
    it: f forward; the vjp's cotangent backward through each segment's input; the
    jvp's tangent forward beside the values."""
    threads = 1 if x.size < SMALL else get_threads()

    def run(
        segment: kernels.RowChainSegment,
        loop: kernels.RowLoop | kernels.ChainLoop | None,
        name: str,
        values: np.ndarray,
        tangent: np.ndarray | None = None,
    ) -> np.ndarray:
        more = () if tangent is None else (tangent,)
        if isinstance(loop, kernels.RowLoop):
            return _compiled_rows(segment.stage, name, loop, values, xp, None, more)
        result = np.empty_like(values)
        assert loop is not None  # (kernels.lookup_row_chain gives every loop it needs)
        loop(values, *more, result, threads=threads)
        return result

    last = len(segments) - 1
    if hook == "_f":
        for position, segment in enumerate(segments):
            x = run(segment, segment.hook if position == last else segment.f, "_f", x)
        return x
    assert v is not None
    if hook == "_vjp":
        inputs = [x]
        for segment in segments[:-1]:
            inputs.append(run(segment, segment.f, "_f", inputs[-1]))
        for segment, values in zip(reversed(segments), reversed(inputs)):
            v = run(segment, segment.hook, "_vjp", values, v)
        return v
    for position, segment in enumerate(segments):  # "_jvp"
        v = run(segment, segment.hook, "_jvp", x, v)
        if position < last:
            x = run(segment, segment.f, "_f", x)
    return v


@lru_cache(maxsize=1024)
def _native(act: Any, dtype: np.dtype) -> bool:
    """Whether every stage of ``act`` is exact when computed in ``dtype`` itself."""
    for stage in act.iter_stages():
        if not getattr(stage, "native_precision", False):
            return False
        for value in stage.params_dict().values():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            value = float(value)
            if math.isinf(value):
                continue
            # The parameter must survive the narrow dtype exactly, and stay far from
            # its overflow (x - t must not overflow where a * (x - t) would not).
            with np.errstate(over="ignore"):
                held = float(dtype.type(value))
            if held != value or abs(value) > 2.0**60:
                return False
    return True

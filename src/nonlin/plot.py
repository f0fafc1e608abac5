"""Figures of activations: f, f' and f'' on an interval, with kinks and limits marked.

:func:`sample` turns a spec into curves (NumPy only); :func:`figure` draws one or
several specs with matplotlib, :func:`save` writes PNG, SVG or PDF, and
:func:`terminal` draws in the terminal with plotext. matplotlib is imported inside
the functions that need it, never by ``import nonlin``, and files are written
through the Agg canvas, so no display or GUI toolkit is involved.

What is drawn:

* **Elementwise** activations (chains of them included): f, f', f'' sampled on the
  interval. Lines are broken at every kink, so a derivative's jump is not drawn as a
  steep segment; a dot on f marks each kink.
* **Learnable** activations: a clone with shared parameters at their initial values,
  drawn from a generator seeded with 0 (the registry's instance is never touched).
* **Non-elementwise** activations (softmax, ``norm:*``): the 1-d slice
  ``x -> f((x, 1, -1, 0.5))[0]``, the first output as the first input varies; f' is
  its exact partial derivative (a Jacobian-vector product), f'' a central difference
  of that.
* **Limits**: a finite ``f(-inf)`` or ``f(+inf)`` is drawn as a dashed horizontal line.

Examples
--------
>>> from nonlin.plot import sample
>>> curves = sample("relu", (-1.0, 1.0), points=5)
>>> curves.kinks
(0.0,)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .activation import Activation
from .errors import NonlinError

__all__ = [
    "DEFAULT_RANGE",
    "FORMATS",
    "Curves",
    "NotPlottableError",
    "detached",
    "figure",
    "parse_range",
    "sample",
    "save",
    "terminal",
]

DEFAULT_RANGE = (-5.0, 5.0)
FORMATS = ("png", "svg", "pdf")
# The fixed coordinates of the slice a non-elementwise activation is drawn along.
SLICE_REST = (1.0, -1.0, 0.5)
# One colour per spec (colour-blind safe, Okabe-Ito), and one dash style per quantity.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
QUANTITY_LABELS = ("f(x)", "f'(x)", "f''(x)")


class NotPlottableError(NonlinError, ValueError):
    """An activation cannot be drawn (its evaluation failed on the plotting grid)."""


@dataclass(frozen=True)
class Curves:
    """An activation sampled for drawing.

    ``x`` holds NaN where a line must break (at a kink); ``f``, ``df``, ``d2f`` are
    NaN there too. ``kinks`` are the kinks inside the interval and ``kink_values``
    f at them; ``limits`` are the finite values of ``f(-inf)``, ``f(+inf)``.
    """

    spec: str
    x: np.ndarray
    f: np.ndarray
    df: np.ndarray
    d2f: np.ndarray
    kinks: tuple[float, ...] = ()
    kink_values: tuple[float, ...] = ()
    limits: tuple[float, ...] = ()
    note: str = ""

    @property
    def quantities(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.f, self.df, self.d2f


def parse_range(text: str) -> tuple[float, float]:
    """``"-3:3"`` -> ``(-3.0, 3.0)``; raises ValueError unless ``A < B``, both finite."""
    low, sep, high = text.partition(":")
    try:
        if not sep:
            raise ValueError
        bounds = float(low), float(high)
    except ValueError:
        raise ValueError(f"range must be A:B with two numbers, e.g. -3:3, not {text!r}") from None
    if not all(math.isfinite(b) for b in bounds) or bounds[0] >= bounds[1]:
        raise ValueError(f"range {text!r} must be two finite numbers A:B with A < B")
    return bounds


def detached(act: Activation) -> tuple[Activation, str]:
    """``act`` ready to evaluate without touching shared state, and a note saying so.

    Learnable stages are cloned with shared parameters (``axis=None``) initialised
    from a generator seeded with 0, so the registry's cached instance is untouched
    and the result is reproducible. Anything else is returned as it is.
    """
    from .chain import chain

    stages, notes = [], []
    for stage in act.iter_stages():
        if getattr(stage, "learnable", False) and hasattr(stage, "clone"):
            if getattr(stage, "axis", None) is not None:
                stage = stage.replace(axis=None)
            stage = stage.clone()
            stage.init_params(rng=0)
            notes.append(f"{stage}: shared parameters at their initial values (seed 0)")
        stages.append(stage)
    return chain(stages), "; ".join(notes)


def _grid(low: float, high: float, kinks: Sequence[float], points: int) -> np.ndarray:
    """``points`` samples of [low, high], split at the kinks with NaN between pieces."""
    width = high - low
    edges = [low, *kinks, high]
    pieces = []
    gap = width * 1e-9
    for index, (start, stop) in enumerate(itertools.pairwise(edges)):
        count = max(int(points * (stop - start) / width), 2)
        piece = np.linspace(start, stop, count)
        if index:
            piece[0] = start + gap * max(1.0, abs(start))
        if index < len(edges) - 2:
            piece[-1] = stop - gap * max(1.0, abs(stop))
        pieces.append(piece)
    return np.concatenate([np.append(piece, np.nan) for piece in pieces])[:-1]


def _finite_kinks(act: Activation, low: float, high: float) -> tuple[float, ...]:
    try:
        kinks = tuple(float(k) for k in act.kinks)
    except Exception:  # a property that cannot be computed: draw without kinks
        return ()
    return tuple(sorted({k for k in kinks if math.isfinite(k) and low < k < high}))


def _slice(act: Activation, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f, f', f'' of the first output along the slice ``(x, *SLICE_REST)``."""
    rows = np.empty((x.size, 1 + len(SLICE_REST)))
    rows[:, 0] = x
    rows[:, 1:] = SLICE_REST
    unit = np.zeros_like(rows)
    unit[:, 0] = 1.0

    def first(shift: float) -> np.ndarray:
        shifted = rows.copy()
        shifted[:, 0] = x + shift
        return np.asarray(act.jvp(shifted, unit), dtype=np.float64)[:, 0]

    h = 1e-4
    with np.errstate(all="ignore"):
        f = np.asarray(act(rows), dtype=np.float64)[:, 0]
        df = first(0.0)
        coarse = (first(h) - first(-h)) / (2 * h)
        fine = (first(h / 2) - first(-h / 2)) / h
        # Where f' jumps (an argmax switches) the difference quotient grows like 1/h
        # instead of converging: break the line there rather than draw a spike.
        converged = np.abs(coarse - fine) <= 1e-3 * (1.0 + np.abs(fine))
    return f, df, np.where(converged, fine, np.nan)


def sample(
    spec: Any,
    x_range: tuple[float, float] | None = None,
    *,
    points: int = 401,
) -> Curves:
    """Sample f, f', f'' of ``spec`` for drawing.

    Parameters
    ----------
    spec : str or Activation
        What to draw.
    x_range : (float, float), optional
        The interval; by default [-5, 5], widened to show every kink (relu6's at 6).
    points : int
        About how many samples.

    Raises
    ------
    NotPlottableError
        When the activation cannot be evaluated on the grid (the message says why).
    """
    from .registry import get

    act = get(spec)
    label = str(act)
    act, note = detached(act)
    elementwise = act.elementwise
    if x_range is None:
        low, high = DEFAULT_RANGE
        if elementwise:
            every = _finite_kinks(act, -math.inf, math.inf)
            if every:
                low, high = min(low, every[0] - 1.0), max(high, every[-1] + 1.0)
    else:
        low, high = (float(v) for v in x_range)
    kinks = _finite_kinks(act, low, high) if elementwise else ()
    x = _grid(low, high, kinks, points)
    limits: tuple[float, ...] = ()
    kink_values: tuple[float, ...] = ()
    try:
        with np.errstate(all="ignore"):
            if elementwise:
                f, df, d2f = (np.asarray(q, dtype=np.float64) for q in act.derivatives(x))
                ends = np.asarray(act(np.array([-np.inf, np.inf])), dtype=np.float64)
                limits = tuple(sorted({float(v) + 0.0 for v in ends if math.isfinite(v)}))
                kink_values = tuple(
                    float(v) for v in np.asarray(act(np.array(kinks, dtype=np.float64)))
                )
            else:
                f, df, d2f = _slice(act, x)
                rest = ", ".join(f"{v:g}" for v in SLICE_REST)
                slice_note = (
                    f"{label}: not elementwise; first output along the slice (x, {rest}); "
                    "f'' by central differences"
                )
                note = "; ".join(filter(None, [slice_note, note]))
    except Exception as error:
        raise NotPlottableError(
            f"cannot plot {label}: evaluating it on [{low:g}, {high:g}] failed "
            f"({type(error).__name__}: {error})"
        ) from None
    return Curves(label, x, f, df, d2f, kinks, kink_values, limits, note)


# --------------------------------------------------------------------------- matplotlib


def _require_matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: pip install 'nonlin[plot]' (or pip install matplotlib)"
        ) from None
    return matplotlib


def figure(
    specs: Any,
    *,
    derivatives: bool = False,
    x_range: tuple[float, float] | None = None,
    points: int = 401,
    title: str | None = None,
) -> Any:
    """A matplotlib Figure of one spec or several (a comparison).

    One panel for f; with ``derivatives=True`` three side by side (f, f', f'').
    Each spec has its colour; kinks are dots on f (and dotted vertical lines when one
    spec is drawn), finite limits at +-inf dashed horizontal lines.

    The Figure is not managed by pyplot (no window opens); write it with :func:`save`
    or ``fig.savefig``.
    """
    _require_matplotlib()
    from matplotlib.figure import Figure

    if isinstance(specs, (str, Activation)):
        specs = [specs]
    drawn = [sample(spec, x_range, points=points) for spec in specs]
    if not drawn:
        raise ValueError("nothing to plot: give at least one spec")
    panels = 3 if derivatives else 1
    fig = Figure(figsize=(4.2 * panels, 3.6), layout="constrained")
    axes = fig.subplots(1, panels, sharex=True, squeeze=False)[0]
    single = len(drawn) == 1
    for number, curves in enumerate(drawn):
        colour = COLOURS[number % len(COLOURS)]
        for index, ax in enumerate(axes):
            ax.plot(curves.x, curves.quantities[index], color=colour, lw=1.8, label=curves.spec)
            for kink in curves.kinks if single else ():
                ax.axvline(kink, color="0.6", lw=0.8, ls=":", zorder=0)
        axes[0].plot(
            curves.kinks, curves.kink_values, "o", color=colour, ms=4.5, zorder=3,
            label="kink" if single and curves.kinks else None,
        )  # fmt: skip
        for limit in curves.limits:
            axes[0].axhline(limit, color=colour, lw=0.9, ls="--", alpha=0.6, zorder=0)
        if single and curves.limits:
            axes[0].plot([], [], color=colour, lw=0.9, ls="--", alpha=0.6, label="limit at ±∞")
    for index, ax in enumerate(axes):
        ax.set_xlabel("x")
        ax.set_ylabel(QUANTITY_LABELS[index])
        ax.set_title(QUANTITY_LABELS[index], fontsize=10)
        ax.grid(True, color="0.9", lw=0.6)
        ax.axhline(0.0, color="0.75", lw=0.8, zorder=0)
        ax.axvline(0.0, color="0.75", lw=0.8, zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
    if not single or any(c.kinks or c.limits for c in drawn):
        axes[0].legend(fontsize=8, frameon=False)
    fig.suptitle(title or (drawn[0].spec if single else ", ".join(c.spec for c in drawn)))
    notes = [c.note for c in drawn if c.note]
    if notes:
        fig.text(0.01, 0.005, "\n".join(notes), fontsize=7, color="0.35", va="bottom")
        fig.set_layout_engine("constrained", rect=(0, 0.05 * len(notes), 1, 1 - 0.05 * len(notes)))
    return fig


def save(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` to ``path``; the format is the suffix: .png, .svg or .pdf."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(
            f"cannot tell the format of {str(path)!r}: use a name ending in "
            + ", ".join(f".{f}" for f in FORMATS)
        )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # the Agg canvas (PDF and SVG switch to their own writers)
    fig.savefig(path, format=suffix, dpi=150)
    return path


# --------------------------------------------------------------------------- terminal


def terminal(
    specs: Sequence[Any],
    *,
    derivatives: bool = False,
    x_range: tuple[float, float] | None = None,
) -> None:
    """Draw in the terminal with plotext; ImportError (with the fix) when it is missing."""
    try:
        import plotext as plt
    except ImportError:
        raise ImportError(
            "drawing in the terminal needs plotext (pip install plotext); "
            "or write a file with -o FILE.png (or .svg, .pdf)"
        ) from None
    drawn = [sample(spec, x_range, points=161) for spec in specs]
    plt.clear_figure()
    panels = 3 if derivatives else 1
    plt.subplots(1, panels)
    for index in range(panels):
        plt.subplot(1, index + 1)
        plt.title(QUANTITY_LABELS[index])
        for curves in drawn:
            keep = np.isfinite(curves.x) & np.isfinite(curves.quantities[index])
            plt.plot(
                curves.x[keep].tolist(),
                curves.quantities[index][keep].tolist(),
                label=curves.spec,
                marker="braille",
            )
    plt.show()

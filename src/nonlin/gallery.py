"""``nonlin gallery``: a self-contained static page with one card per activation.

The page is a single ``index.html`` that needs no network: the graphs are inline SVG
drawn here (matplotlib is not needed), the formulas are MathML generated here from
the LaTeX in the docstrings (with the LaTeX kept as an annotation), and the style
sheet and the search script are inline. Each card shows the graph of f, f' and f''
with the kinks and the limits at +-inf, the formulas, the parameters with their
defaults and constraints, the properties, every framework's names for the
activation with that framework's defaults (``nonlin.dialects``), the measured
accuracy (``nonlin.accuracy.check`` on the shipped reference tables, about a second
for the whole catalog), and the reference.

The search box filters cards by name, alias, framework name, class and summary; the
page also reads a search from its address (``index.html#q=relu`` or ``?q=relu``).

Examples
--------
>>> from nonlin.gallery import latex_to_mathml
>>> latex_to_mathml("e^{x}")[:5]
'<math'
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .activation import normalize_name

__all__ = ["LatexError", "build", "latex_to_mathml", "page", "svg_graph"]

# --------------------------------------------------------------------------- LaTeX -> MathML

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "infty": "∞", "partial": "∂",
    "ell": "ℓ", "top": "⊤", "nabla": "∇", "varsigma": "ς", "upsilon": "υ",
    "iota": "ι", "omicron": "ο", "varrho": "ϱ", "vartheta": "ϑ", "Xi": "Ξ", "Pi": "Π",
    "Upsilon": "Υ", "emptyset": "∅",
}  # fmt: skip
_FUNCTIONS = {
    "tanh", "sinh", "cosh", "sin", "cos", "tan", "log", "ln", "exp", "max", "min",
    "arg", "sup", "inf", "sech", "sgn", "erf", "erfc", "det", "lim",
}  # fmt: skip
_OPERATORS = {
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "cdot": "⋅",
    "times": "×", "pm": "±", "mp": "∓", "to": "→", "approx": "≈", "in": "∈",
    "ldots": "…", "cdots": "⋯", "lvert": "|", "rvert": "|", "vert": "|", "mid": "|",
    "{": "{", "}": "}", "|": "‖", "sum": "∑", "prod": "∏", "mapsto": "↦", "equiv": "≡",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨",
    "rangle": "⟩", "circ": "∘", "odot": "⊙", "otimes": "⊗", "oplus": "⊕", "cdotp": "⋅",
    "forall": "∀", "exists": "∃", "subset": "⊂", "cup": "∪", "cap": "∩", "neg": "¬",
    "leftarrow": "←", "rightarrow": "→", "Rightarrow": "⇒", "iff": "⇔", "sim": "∼",
    "propto": "∝", "ll": "≪", "gg": "≫", "setminus": "∖",
}  # fmt: skip
_SPACES = {",": "0.167em", ":": "0.222em", ";": "0.278em", "!": "0em", " ": "0.25em",
           "quad": "1em", "qquad": "2em"}  # fmt: skip
_ACCENTS = {"bar": "¯", "hat": "^", "tilde": "~", "dot": "˙", "vec": "→", "overline": "¯"}
_DELIMITER_SIZES = {"bigl", "bigr", "Bigl", "Bigr", "big", "Big", "biggl",
                    "biggr"}  # fmt: skip
_STYLES = {"displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle", "limits",
           "nolimits"}  # fmt: skip
_NAMED = {"operatorname", "mathrm", "text", "textrm", "textit", "mathit", "mathbf", "mathsf",
          "mathcal", "mathbb", "boldsymbol"}  # fmt: skip


class LatexError(ValueError):
    """The LaTeX uses something the small converter does not know."""


class _Latex:
    """A recursive-descent reader of the LaTeX subset the docstrings use."""

    def __init__(self, source: str) -> None:
        self.s = source
        self.i = 0

    # ------------------------------------------------------------------ lexing

    def _space(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def _peek(self) -> str:
        """The next token without consuming it ('' at the end)."""
        self._space()
        if self.i >= len(self.s):
            return ""
        if self.s[self.i] == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", self.s[self.i :])
            return match.group(0) if match else "\\"
        return self.s[self.i]

    def _take(self) -> str:
        token = self._peek()
        self.i += len(token)
        return token

    def _raw_group(self) -> str:
        """The text of a brace group, read verbatim (``\\text{...}``)."""
        self._space()
        if self._peek() != "{":
            return self._take()
        depth, start = 0, self.i
        while self.i < len(self.s):
            char = self.s[self.i]
            depth += (char == "{") - (char == "}")
            self.i += 1
            if depth == 0:
                return self.s[start + 1 : self.i - 1]
        raise LatexError("unbalanced braces")

    # ------------------------------------------------------------------ parsing

    def expression(self) -> str:
        """Atoms up to a closing brace, '&', '\\\\', \\end, \\right or the end."""
        nodes = []
        while True:
            token = self._peek()
            if token in ("", "}", "&", "\\\\", "\\end", "\\right"):
                break
            nodes.append(self._scripted())
        return "".join(nodes)

    def _argument(self) -> str:
        self._space()
        if self.i < len(self.s) and self.s[self.i].isdigit():
            self.i += 1
            return f"<mn>{self.s[self.i - 1]}</mn>"
        return self._atom()

    def _scripted(self) -> str:
        base = self._atom()
        while self._peek() == "'":
            self._take()
            base = f"<mrow>{base}<mo>′</mo></mrow>"
        sub = sup = None
        while self._peek() in ("^", "_"):
            if self._take() == "^":
                sup = self._argument()
            else:
                sub = self._argument()
        if sub is not None and sup is not None:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sup is not None:
            return f"<msup>{base}{sup}</msup>"
        if sub is not None:
            return f"<msub>{base}{sub}</msub>"
        return base

    def _atom(self) -> str:
        token = self._take()
        if token == "":
            raise LatexError("unexpected end of formula")
        if token == "{":
            inner = self.expression()
            if self._take() != "}":
                raise LatexError("unbalanced braces")
            return f"<mrow>{inner}</mrow>"
        if token.isalpha() and len(token) == 1:
            return f"<mi>{token}</mi>"
        if token.isdigit():
            match = re.match(r"\d*(\.\d+)?", self.s[self.i :])
            rest = match.group(0) if match else ""
            self.i += len(rest)
            return f"<mn>{token}{rest}</mn>"
        if token.startswith("\\"):
            return self._command(token[1:])
        if token in "}^_&":
            raise LatexError(f"unexpected {token!r}")
        symbol = {"-": "−", "*": "∗"}.get(token, token)
        return f"<mo>{html.escape(symbol)}</mo>"

    def _command(self, name: str) -> str:
        if name in _GREEK:
            return f"<mi>{_GREEK[name]}</mi>"
        if name in _FUNCTIONS:
            return f"<mi>{name}</mi>"
        if name in _OPERATORS:
            return f"<mo>{html.escape(_OPERATORS[name])}</mo>"
        if name in _SPACES:
            return f'<mspace width="{_SPACES[name]}"/>'
        if name in _NAMED:
            text = html.escape(self._raw_group())
            if name.startswith("text"):
                return f"<mtext>{text}</mtext>"
            variant = {
                "mathit": "italic", "mathbf": "bold", "boldsymbol": "bold-italic",
                "mathsf": "sans-serif", "mathcal": "script", "mathbb": "double-struck",
            }.get(name, "normal")  # fmt: skip
            return f'<mi mathvariant="{variant}">{text}</mi>'
        if name in _STYLES:
            return ""  # size hints: the page sets the size
        if name in ("frac", "tfrac", "dfrac"):
            return f"<mfrac>{self._argument()}{self._argument()}</mfrac>"
        if name == "sqrt":
            return f"<msqrt>{self._argument()}</msqrt>"
        if name in _ACCENTS:
            return f'<mover accent="true">{self._argument()}<mo>{_ACCENTS[name]}</mo></mover>'
        if name == "left":
            opening = self._delimiter(name, "true")
            inner = self.expression()
            if self._take() != "\\right":
                raise LatexError("\\left without \\right")
            return f"<mrow>{opening}{inner}{self._delimiter('right', 'true')}</mrow>"
        if name in _DELIMITER_SIZES:
            return self._delimiter(name, "false")
        if name == "begin":
            return self._environment(self._raw_group())
        raise LatexError(f"unknown command \\{name}")

    def _delimiter(self, name: str, stretchy: str) -> str:
        delimiter = self._take()
        if delimiter == ".":
            return ""
        if delimiter.startswith("\\"):
            delimiter = _OPERATORS.get(delimiter[1:], "")
        if not delimiter:
            raise LatexError(f"missing or unknown delimiter after \\{name}")
        return f'<mo stretchy="{stretchy}">{html.escape(delimiter)}</mo>'

    def _environment(self, kind: str) -> str:
        rows: list[list[str]] = [[]]
        while True:
            rows[-1].append(self.expression())
            token = self._take()
            if token == "&":
                continue
            if token == "\\\\":
                rows.append([])
                continue
            if token == "\\end":
                if self._raw_group() != kind:
                    raise LatexError(f"\\begin{{{kind}}} ends with another environment")
                break
            raise LatexError(f"unexpected {token or 'end'} inside {kind}")
        table = "".join(
            "<mtr>" + "".join(f"<mtd>{cell}</mtd>" for cell in row) + "</mtr>"
            for row in rows
            if any(row)
        )
        table = f'<mtable columnalign="left left" columnspacing="1.2em">{table}</mtable>'
        if kind == "cases":
            return f'<mrow><mo stretchy="true">{{</mo>{table}</mrow>'
        return table


def latex_to_mathml(tex: str, display: bool = True) -> str:
    """A ``<math>`` element for ``tex`` (the subset nonlin's docstrings use).

    The LaTeX is kept in an ``<annotation>``. Raises :class:`LatexError` for a
    command the converter does not know.
    """
    reader = _Latex(tex)
    body = reader.expression()
    if reader._peek():
        raise LatexError(f"unexpected {reader._peek()!r}")
    mode = ' display="block"' if display else ""
    return (
        f"<math{mode}><semantics><mrow>{body}</mrow>"
        f'<annotation encoding="application/x-tex">{html.escape(tex)}</annotation>'
        "</semantics></math>"
    )


def _formula_html(key: str, tex: str) -> str:
    full = f"{key}(x) = {tex}"
    try:
        return latex_to_mathml(full)
    except LatexError:
        return f'<pre class="tex">{html.escape(full)}</pre>'


# --------------------------------------------------------------------------- SVG graphs

_QUANTITY_STYLE = (
    ("f", "#0072B2", "2", ""),
    ("f′", "#D55E00", "1.5", "5 3"),
    ("f″", "#009E73", "1.5", "1.5 2.5"),
)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low
    if not span > 0 or not math.isfinite(span):
        return [low]
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [round(first + k * step, 12) for k in range(int((high - first) / step + 1e-9) + 1)]


def _tick_text(value: float) -> str:
    return f"{value:g}" if value != 0 else "0"


def svg_graph(curves: Any, key: str, width: int = 320, height: int = 200) -> str:
    """Inline SVG of f, f', f'' (a :class:`nonlin.plot.Curves`)."""
    left, right, top, bottom = 38.0, 8.0, 8.0, 22.0
    x = curves.x
    finite_x = x[np.isfinite(x)]
    x0, x1 = float(finite_x.min()), float(finite_x.max())
    values = np.concatenate([q[np.isfinite(q)] for q in curves.quantities] + [np.zeros(1)])
    values = np.concatenate([values, np.asarray(curves.limits, dtype=float)])
    y0, y1 = float(values.min()), float(values.max())
    y0, y1 = max(y0, -1e6), min(y1, 1e6)
    if y1 - y0 < 1e-9:
        y0, y1 = y0 - 1.0, y1 + 1.0
    pad = 0.06 * (y1 - y0)
    y0, y1 = y0 - pad, y1 + pad
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(v: Any) -> Any:
        return left + (v - x0) / (x1 - x0) * plot_w

    def sy(v: Any) -> Any:
        return top + (y1 - v) / (y1 - y0) * plot_h

    clip = f"clip-{key}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="graph">',
        f"<title>f, f′ and f″ of {html.escape(curves.spec)} on [{x0:g}, {x1:g}]</title>",
        f'<defs><clipPath id="{clip}"><rect x="{left}" y="{top}" width="{plot_w}" '
        f'height="{plot_h}"/></clipPath></defs>',
    ]
    for tick in _ticks(x0, x1):
        px = sx(tick)
        parts.append(f'<line class="grid" x1="{px:.1f}" y1="{top}" x2="{px:.1f}" '
                     f'y2="{top + plot_h}"/>')  # fmt: skip
        parts.append(f'<text class="tick" x="{px:.1f}" y="{height - 8}" '
                     f'text-anchor="middle">{_tick_text(tick)}</text>')  # fmt: skip
    for tick in _ticks(y0, y1, 4):
        py = sy(tick)
        parts.append(f'<line class="grid" x1="{left}" y1="{py:.1f}" x2="{left + plot_w}" '
                     f'y2="{py:.1f}"/>')  # fmt: skip
        parts.append(f'<text class="tick" x="{left - 4}" y="{py + 3:.1f}" '
                     f'text-anchor="end">{_tick_text(tick)}</text>')  # fmt: skip
    if x0 < 0 < x1:
        parts.append(f'<line class="axis" x1="{sx(0.0):.1f}" y1="{top}" x2="{sx(0.0):.1f}" '
                     f'y2="{top + plot_h}"/>')  # fmt: skip
    if y0 < 0 < y1:
        parts.append(f'<line class="axis" x1="{left}" y1="{sy(0.0):.1f}" x2="{left + plot_w}" '
                     f'y2="{sy(0.0):.1f}"/>')  # fmt: skip
    for kink in curves.kinks:
        parts.append(f'<line class="kink" x1="{sx(kink):.1f}" y1="{top}" x2="{sx(kink):.1f}" '
                     f'y2="{top + plot_h}"/>')  # fmt: skip
    for limit in curves.limits:
        parts.append(f'<line class="limit" x1="{left}" y1="{sy(limit):.1f}" '
                     f'x2="{left + plot_w}" y2="{sy(limit):.1f}"/>')  # fmt: skip
    parts.append(f'<g clip-path="url(#{clip})" fill="none">')
    breaks = np.flatnonzero(~np.isfinite(x))
    for (_, colour, stroke, dash), values in zip(_QUANTITY_STYLE, curves.quantities):
        clipped = np.clip(values, y0 - (y1 - y0), y1 + (y1 - y0))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        for piece in np.split(np.arange(x.size), breaks):
            piece = piece[np.isfinite(x[piece]) & np.isfinite(clipped[piece])]
            if piece.size < 2:
                continue
            points = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(x[piece], clipped[piece]))
            parts.append(f'<polyline points="{points}" stroke="{colour}" '
                         f'stroke-width="{stroke}"{dashed}/>')  # fmt: skip
    parts.append("</g>")
    for kink, value in zip(curves.kinks, curves.kink_values):
        if math.isfinite(value) and y0 <= value <= y1:
            parts.append(f'<circle cx="{sx(kink):.1f}" cy="{sy(value):.1f}" r="3" '
                         f'fill="{_QUANTITY_STYLE[0][1]}"/>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- cards


def _rich(text: str) -> str:
    """Docstring text as HTML: ``code`` becomes <code>, :math:`a` plain text."""
    text = html.escape(re.sub(r":math:`([^`]*)`", r"\1", text), quote=False)
    return re.sub(r"``([^`]*)``", r"<code>\1</code>", text)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else ("∞" if value > 0 else "−∞")
    if value in ("inf", "-inf"):
        return "∞" if value == "inf" else "−∞"
    return html.escape(str(value))


def _properties(entry: dict[str, Any]) -> list[str]:
    props = entry["properties"]
    if props is None:
        return ["not elementwise" if not entry["elementwise"] else "properties unknown"]
    smooth = props["smoothness"]
    found = [
        "range [" + ", ".join(_number(v) for v in entry["range"]) + "]",
        "monotonic" if props["monotonic"] else "not monotonic",
        "bounded" if props["bounded"] else "unbounded",
        {-1: "has a jump", 0: "continuous, with kinks"}.get(
            smooth, "analytic" if smooth in (math.inf, "inf") else f"C{smooth}"
        ),
    ]
    if props["zero_centred"]:
        found.append("zero-centred")
    if props["self_normalising"]:
        found.append("self-normalising")
    if props["symmetry"]:
        found.append(f"{props['symmetry']} function")
    if entry["kinks"]:
        found.append("kinks at " + ", ".join(_number(k) for k in entry["kinks"]))
    if not entry["elementwise"]:
        found.append("not elementwise")
    if entry["numeric_derivatives"]:
        found.append("numerical derivatives")
    return found


def _framework_names(name: str) -> list[tuple[str, str, str]]:
    """(framework, its name, what it means in our terms) for every table entry."""
    from . import dialects
    from .spec import parse

    key = normalize_name(name)
    rows = []
    tables = [("any (alias)", dialects.ALIASES), *dialects.DIALECTS.items()]
    for framework, table in tables:
        for foreign, target in table.items():
            try:
                term = parse(target).terms[0]
            except ValueError:
                continue
            if normalize_name(term.name) == key:
                rows.append((framework, foreign, target))
    return rows


def _accuracy_rows(results: Sequence[Any], name: str) -> tuple[list[Any], list[Any]]:
    """The results for the default spec, and for other stored settings."""
    own = [r for r in results if r.spec == name]
    variants = [r for r in results if r.spec != name and r.spec.split("(")[0] == name and r.errors]
    return own, variants


def _accuracy_html(results: Sequence[Any], name: str) -> str:
    own, variants = _accuracy_rows(results, name)
    if not own:
        return '<p class="muted">Accuracy: not measured.</p>'
    if all(r.skipped for r in own):
        return f'<p class="muted">Accuracy: not in the tables ({html.escape(own[0].note)}).</p>'
    rows = []
    for result in own:
        cells = []
        for key in ("f", "df", "d2f"):
            error = result.errors.get(key)
            text = "–" if error is None else f"{error.max:.2f}" if error.max < 1e5 else "∞"
            cells.append(f"<td>{text}</td>")
        status = "ok" if result.passed else ("error" if result.failed_to_run else "over bound")
        rows.append(f"<tr><td>{result.dtype}</td>{''.join(cells)}<td>{status}</td></tr>")
    extra = ""
    if variants:
        passed = sum(r.passed for r in variants)
        extra = (
            f'<p class="muted">Also checked at {len({r.spec for r in variants})} other '
            f"parameter setting(s): {passed} of {len(variants)} within bound.</p>"
        )
    return (
        '<table class="accuracy"><caption>Largest error in ulp against 50-digit references'
        "</caption><tr><th>dtype</th><th>f</th><th>f′</th><th>f″</th><th></th></tr>"
        + "".join(rows)
        + "</table>"
        + extra
    )


def _card(index: int, spec: str, results: Sequence[Any], x_range: Any) -> str:
    from .plot import NotPlottableError, sample
    from .registry import describe

    entry = describe(spec)
    name = entry["spec"]  # a catalog entry's name; a variant's or a chain's spec
    base = entry["name"] if entry["name"] != "chain" else ""
    try:
        curves = sample(spec, x_range, points=241)
        graph = svg_graph(curves, f"g{index}")
        note = curves.note
    except NotPlottableError as error:
        graph, note = "", str(error)
    frameworks = _framework_names(base) if base else []
    words = {name, base, normalize_name(name), entry["class"], entry["summary"], *entry["aliases"]}
    words |= {foreign for _, foreign, _ in frameworks}
    words |= {normalize_name(foreign) for _, foreign, _ in frameworks}
    search = html.escape(" ".join(sorted(words)).lower(), quote=True)
    formulas = "".join(
        f'<div class="formula">{_formula_html(key, entry["formulas"][key])}</div>'
        for key in ("f", "f'", "f''")
        if key in entry["formulas"]
    )
    params = "".join(
        f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{_number(p['default'])}</td>"
        f"<td>{_rich(p['doc'])}</td></tr>"
        for p in entry["parameters"]
    )
    params_html = (
        '<table class="params"><tr><th>parameter</th><th>default</th><th></th></tr>'
        f"{params}</table>"
        if params
        else '<p class="muted">No parameters.</p>'
    )
    names = "".join(
        f"<tr><td>{html.escape(fw)}</td><td><code>{html.escape(foreign)}</code></td>"
        f"<td><code>{html.escape(target)}</code></td></tr>"
        for fw, foreign, target in frameworks
    )
    names_html = (
        '<details class="names"><summary>Names in other frameworks '
        f"({len(frameworks)})</summary><table><tr><th>framework</th><th>name</th>"
        f"<th>means here</th></tr>{names}</table></details>"
        if frameworks
        else '<p class="muted">No other framework names it.</p>'
    )
    legend = (
        '<figcaption><span class="key f">f</span> <span class="key df">f′</span> '
        '<span class="key d2f">f″</span>'
        + (' <span class="key kink">kink</span>' if entry["kinks"] else "")
        + (f'<br><span class="note">{html.escape(note)}</span>' if note else "")
        + "</figcaption>"
    )
    reference = f'<p class="ref">{_rich(entry["reference"])}</p>' if entry["reference"] else ""
    tags = "".join(f"<li>{html.escape(p)}</li>" for p in _properties(entry))
    anchor = html.escape(name, quote=True)
    return (
        f'<article class="card" id="{anchor}" data-search="{search}">'
        f'<h2><a href="#{anchor}">{html.escape(name)}</a> '
        f'<span class="class">{html.escape(entry["class"])}</span></h2>'
        f'<p class="summary">{_rich(entry["summary"])}</p>'
        f"<figure>{graph}{legend}</figure>"
        f'<div class="formulas">{formulas}</div>'
        f'<ul class="tags">{tags}</ul>'
        f"{params_html}{names_html}{_accuracy_html(results, name)}{reference}"
        "</article>"
    )


_STYLE = """
:root{--fg:#1d232a;--muted:#5b6570;--line:#d8dde3;--bg:#f6f7f9;--card:#fff;--accent:#0072B2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
header{position:sticky;top:0;z-index:2;background:var(--card);border-bottom:1px solid var(--line);
padding:.8rem 1.2rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header h1{font-size:1.25rem;margin:0}
#search{flex:1;min-width:14rem;max-width:32rem;font-size:1rem;padding:.45rem .7rem;
border:1px solid var(--line);border-radius:6px}
#count,.muted,.note{color:var(--muted);font-size:.85rem}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:1rem;
padding:1rem 1.2rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem;
min-width:0;overflow-wrap:anywhere}
.card[hidden],#empty[hidden]{display:none}
.card h2{font-size:1.1rem;margin:.1rem 0}.card h2 a{color:inherit;text-decoration:none}
.class{color:var(--muted);font-weight:normal;font-size:.85rem;font-family:monospace}
.summary{margin:.2rem 0 .5rem}
figure{margin:0}svg.graph{width:100%;height:auto;max-width:420px;display:block}
.graph .grid{stroke:#eceff2;stroke-width:1}.graph .axis{stroke:#b7bec6;stroke-width:1}
.graph .kink{stroke:#9aa3ad;stroke-width:1;stroke-dasharray:2 3}
.graph .limit{stroke:#7a8590;stroke-width:1;stroke-dasharray:6 4}
.graph .tick{font-size:10px;fill:#66707a}
figcaption{font-size:.8rem;margin:.2rem 0 .4rem}
.key::before{content:"";display:inline-block;width:1.4em;height:0;margin-right:.3em;
vertical-align:middle;border-top:2px solid}
.key.f::before{border-color:#0072B2}.key.df::before{border-top:2px dashed #D55E00}
.key.d2f::before{border-top:2px dotted #009E73}
.key.kink::before{width:.5em;height:.5em;border:0;border-radius:50%;background:#0072B2}
.formulas{overflow-x:auto;font-size:.95rem}.formula math{margin:.25rem 0}
pre.tex{white-space:pre-wrap;font-size:.8rem;background:var(--bg);padding:.3rem}
.tags{list-style:none;padding:0;margin:.4rem 0;display:flex;flex-wrap:wrap;gap:.3rem}
.tags li{background:#eef3f8;border-radius:999px;padding:.05rem .55rem;font-size:.8rem}
table{border-collapse:collapse;font-size:.82rem;margin:.4rem 0;width:100%}
th,td:first-child,.params td:nth-child(2){white-space:nowrap}
math{font-family:"STIX Two Math","Latin Modern Math","Cambria Math",math}
th,td{text-align:left;padding:.15rem .4rem;border-bottom:1px solid var(--line);vertical-align:top}
table.accuracy td:not(:first-child){font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--muted);font-size:.8rem}
details summary{cursor:pointer;font-size:.88rem;margin:.3rem 0}
.ref{font-size:.8rem;color:var(--muted);margin-bottom:0}
#empty{padding:2rem;text-align:center;color:var(--muted)}
"""

_SCRIPT = """
(function () {
  var input = document.getElementById("search");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var count = document.getElementById("count");
  function normal(text) { return text.toLowerCase().replace(/[_\\-]/g, ""); }
  function filter(text) {
    var words = text.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card) {
      var hay = card.getAttribute("data-search");
      var flat = normal(hay);
      var match = words.every(function (w) {
        return hay.indexOf(w) !== -1 || flat.indexOf(normal(w)) !== -1;
      });
      card.hidden = !match;
      if (match) { shown += 1; }
    });
    count.textContent = shown + " of " + cards.length + " shown";
    document.getElementById("empty").hidden = shown > 0;
    document.body.setAttribute("data-shown", String(shown));
  }
  input.addEventListener("input", function () { filter(input.value); });
  var query = location.search.slice(1) || location.hash.slice(1);
  var given = new URLSearchParams(query).get("q");
  if (given) { input.value = given; }
  filter(input.value);
})();
"""


def page(
    specs: Iterable[str] | None = None,
    *,
    accuracy: bool = True,
    x_range: tuple[float, float] | None = None,
) -> str:
    """The gallery's HTML (one string, nothing external)."""
    from . import __version__
    from .registry import get, names

    chosen = list(names() if specs is None else specs)
    results: list[Any] = []
    if accuracy:
        from .accuracy import check

        single = [str(get(s)) for s in chosen if get(s).elementwise and "+" not in str(get(s))]
        results = list(check(single, dtypes=("float64", "float32")).results) if single else []
    cards = "".join(_card(index, spec, results, x_range) for index, spec in enumerate(chosen))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>nonlin {__version__}: activation gallery</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<header><h1>nonlin {__version__}</h1>"
        '<input id="search" type="search" placeholder="Search: name, alias, framework name…" '
        'aria-label="Search activations" autocomplete="off">'
        f'<span id="count">{len(chosen)} activations</span></header>'
        f"<main>{cards}</main>"
        '<p id="empty" hidden>No activation matches the search.</p>'
        f"<script>{_SCRIPT}</script></body></html>"
    )


def build(
    out_dir: str | Path,
    specs: Iterable[str] | None = None,
    *,
    accuracy: bool = True,
    x_range: tuple[float, float] | None = None,
) -> Path:
    """Write the gallery to ``out_dir/index.html`` (creating the folder); returns its path."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "index.html"
    target.write_text(page(specs, accuracy=accuracy, x_range=x_range), encoding="utf-8")
    return target

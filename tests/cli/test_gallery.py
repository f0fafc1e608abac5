"""The gallery: LaTeX to MathML, inline SVG graphs, one self-contained page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

import nonlin as nl
from nonlin.activation import registered_classes
from nonlin.describe import docstring_formulas
from nonlin.gallery import LatexError, build, latex_to_mathml, page, svg_graph
from nonlin.plot import sample

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def mathml(tex: str) -> ET.Element:
    """The converted formula, parsed as XML (so it is well formed)."""
    text = latex_to_mathml(tex).replace(
        "<math", '<math xmlns="http://www.w3.org/1998/Math/MathML"', 1
    )
    return ET.fromstring(text)


def tags(element: ET.Element) -> list[str]:
    return [child.tag.removeprefix(MATHML) for child in element.iter()]


def test_every_catalog_formula_converts_to_well_formed_mathml():
    failures = []
    for cls in registered_classes().values():
        for key, tex in docstring_formulas(cls).items():
            try:
                mathml(f"{key}(x) = {tex}")
            except (LatexError, ET.ParseError) as error:
                failures.append(f"{cls.name} {key}: {tex!r}: {error}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "tex, wanted",
    [
        (r"\frac{1}{1 + e^{-x}}", ["mfrac", "msup"]),
        (r"\begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}", ["mtable", "mtr", "mtd"]),
        (r"\sqrt{x^2 + b}", ["msqrt", "msup"]),
        (r"\log\left(1 + e^{x}\right)", ["mrow", "msup"]),
        (r"s_{k^*}", ["msub"]),
        (r"x^{a}_{b}", ["msubsup"]),
        (r"\bar a\,x", ["mover", "mspace"]),
        (r"0 \text{ otherwise}", ["mtext"]),
    ],
)
def test_latex_constructs(tex, wanted):
    found = tags(mathml(tex))
    for tag in wanted:
        assert tag in found


def test_symbols_and_the_latex_annotation():
    root = mathml(r"\sigma(x) \le \operatorname{sech}^2(x) - \alpha")
    text = "".join(root.itertext())
    for symbol in ("σ", "≤", "sech", "−", "α"):
        assert symbol in text
    annotation = root.find(f".//{MATHML}annotation")
    assert annotation is not None and annotation.get("encoding") == "application/x-tex"
    assert annotation.text == r"\sigma(x) \le \operatorname{sech}^2(x) - \alpha"


def test_primes_attach_to_their_symbol():
    assert "′" in "".join(mathml("f''(x) = P'Q'^2").itertext())


@pytest.mark.parametrize("tex", [r"\frobnicate{x}", r"\frac{1}{2", r"x}", r"\left( x", "x^"])
def test_unknown_or_broken_latex_raises(tex):
    with pytest.raises(LatexError):
        latex_to_mathml(tex)


def test_svg_graph_is_well_formed_with_three_curves_and_kinks():
    svg = ET.fromstring(svg_graph(sample("hard_tanh"), "t"))
    lines = svg.findall(".//{http://www.w3.org/2000/svg}polyline")
    strokes = {line.get("stroke") for line in lines}
    assert len(strokes) == 3
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}circle")) == 2  # two kinks


class _Cards(HTMLParser):
    """Collects the cards, the tags that would load something, and open/close balance."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[str] = []
        self.external: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "article":
            self.cards.append(found.get("id") or "")
        for name in ("src", "href"):
            value = found.get(name) or ""
            if value and not value.startswith("#"):
                self.external.append(f"<{tag} {name}={value}>")
        if tag == "link":
            self.external.append("<link>")


def test_the_whole_catalog_page_is_self_contained(tmp_path):
    index = build(tmp_path)
    html = index.read_text(encoding="utf-8")
    parser = _Cards()
    parser.feed(html)
    assert parser.cards == nl.names()
    assert parser.external == []  # nothing fetched: no network needed
    assert "@import" not in html and "url(http" not in html
    assert re.findall(r"https?://[^\s\"'<]+", html) == ["http://www.w3.org/2000/svg"] * len(
        re.findall("<svg ", html)
    )
    assert html.count("<svg ") == len(nl.names())
    assert html.count("<math ") >= 3 * len(nl.names())
    assert '<input id="search"' in html and "<script>" in html


def card(html: str, name: str) -> str:
    match = re.search(rf'<article class="card" id="{re.escape(name)}".*?</article>', html)
    assert match, f"no card for {name}"
    return match.group(0)


def test_cards_show_parameters_frameworks_accuracy_and_reference():
    html = page(["leaky_relu", "prelu"])
    leaky = card(html, "leaky_relu")
    assert "<code>negative_slope</code></td><td>0.01</td>" in leaky
    assert "<code>LeakyReLU</code></td><td><code>leaky_relu(negative_slope=0.3)</code>" in leaky
    assert "keras2" in leaky and "torch" in leaky
    assert '<table class="accuracy">' in leaky and "<td>float32</td>" in leaky
    assert "kinks at 0" in leaky and "Maas" in leaky
    search = re.search(r'data-search="([^"]*)"', leaky)
    assert search is not None
    for word in ("leaky_relu", "leakyrelu", "leaky_rectify"):
        assert word in search.group(1)
    learnable = card(html, "prelu")
    assert "seed 0" in learnable and "<svg " in learnable
    assert "Accuracy: not in the tables" in learnable


def test_a_non_elementwise_card(toy_softmax):
    html = card(page(["toysoftmax"]), "toysoftmax")
    assert "not elementwise" in html and "<svg " in html


def test_without_accuracy():
    assert '<table class="accuracy">' not in page(["relu"], accuracy=False)

"""Plots: sampling (kinks, limits, learnable and non-elementwise), figures, files."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import nonlin as nl
from nonlin.plot import (
    NotPlottableError,
    detached,
    figure,
    parse_range,
    sample,
    save,
    terminal,
)


def test_importing_nonlin_and_its_commands_does_not_import_matplotlib():
    code = (
        "import sys, nonlin, nonlin.cli, nonlin.plot, nonlin.gallery; "
        "nonlin.cli._parser(); print('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("name", nl.names())
def test_every_catalog_entry_can_be_sampled(name):
    curves = sample(name, points=81)
    shown = np.isfinite(curves.x)
    assert np.isfinite(curves.f[shown]).all()
    assert np.isfinite(curves.df[shown]).all()
    assert curves.x[shown].min() <= -5.0 and curves.x[shown].max() >= 5.0


def test_lines_break_at_kinks_and_kinks_are_marked():
    curves = sample("relu", (-1.0, 1.0), points=11)
    assert curves.kinks == (0.0,) and curves.kink_values == (0.0,)
    gap = int(np.flatnonzero(np.isnan(curves.x))[0])
    assert curves.df[gap - 1] == 0.0 and curves.df[gap + 1] == 1.0  # no line across the jump
    assert np.isnan(curves.df[gap])


def test_default_range_widens_to_show_every_kink():
    curves = sample("relu6")
    assert curves.kinks == (0.0, 6.0)
    assert np.nanmax(curves.x) >= 6.5


def test_finite_limits_at_infinity_are_found():
    assert sample("sigmoid", points=11).limits == (0.0, 1.0)
    assert sample("elu", points=11).limits == (-1.0,)
    assert sample("linear", points=11).limits == ()
    assert sample("gelu", points=11).limits == (0.0,)  # -0.0 normalised


def test_a_learnable_activation_is_drawn_from_seeded_clone():
    act = nl.Maxout(pieces=3)
    first, second = sample(act, points=21), sample(act, points=21)
    np.testing.assert_array_equal(first.f, second.f)
    assert "seed 0" in first.note
    assert not act._store  # type: ignore[attr-defined]  # the caller's instance is untouched


def test_detached_leaves_plain_activations_alone():
    assert detached(nl.elu) == (nl.elu, "")
    act, note = detached(nl.get("prelu(axis=-1)"))
    assert act.axis is None and note  # type: ignore[attr-defined]


def test_non_elementwise_is_drawn_along_a_slice(toy_softmax):
    curves = sample(toy_softmax, (-3.0, 3.0), points=61)
    assert "not elementwise" in curves.note
    x, f, df, d2f = curves.x, curves.f, curves.df, curves.d2f
    assert ((f > 0) & (f < 1)).all()
    np.testing.assert_allclose(df[1:-1], (f[2:] - f[:-2]) / (x[2:] - x[:-2]), atol=2e-3)
    np.testing.assert_allclose(d2f[1:-1], (df[2:] - df[:-2]) / (x[2:] - x[:-2]), atol=2e-3)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "norm:z"])
def test_the_normalizing_family_is_drawn_when_present(name):
    if name not in nl.names():
        pytest.skip(f"{name} is not in the catalog yet")
    curves = sample(name, points=41)
    assert np.isfinite(curves.f).all() and "not elementwise" in curves.note


def test_an_activation_that_fails_is_reported_clearly(toy_softmax, monkeypatch):
    def broken(self: Any, x: Any, xp: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(type(toy_softmax), "_f", broken)
    with pytest.raises(NotPlottableError, match=r"cannot plot toysoftmax.*boom"):
        sample(toy_softmax)


@pytest.mark.parametrize(
    "text, expected", [("-3:3", (-3.0, 3.0)), ("0:1e-3", (0.0, 1e-3)), ("-.5:2.5", (-0.5, 2.5))]
)
def test_parse_range(text, expected):
    assert parse_range(text) == expected


@pytest.mark.parametrize("text", ["3", "1:1", "2:1", "a:b", "-inf:0", ":"])
def test_parse_range_refuses(text):
    with pytest.raises(ValueError, match="range"):
        parse_range(text)


def test_figure_has_one_panel_or_three():
    pytest.importorskip("matplotlib")
    assert len(figure("elu").axes) == 1
    fig = figure(["elu", "gelu", "prelu"], derivatives=True, x_range=(-2.0, 2.0))
    assert [ax.get_ylabel() for ax in fig.axes] == ["f(x)", "f'(x)", "f''(x)"]
    assert len(fig.axes[1].get_lines()) >= 3
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:3] == [
        "elu",
        "gelu",
        "prelu",
    ]


def test_save_writes_each_format_and_refuses_others(tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image

    fig = figure("relu6", derivatives=True)
    png = save(fig, tmp_path / "relu6.png")
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] > 2 * image.size[1] > 0
    assert save(fig, tmp_path / "relu6.svg").read_text().lstrip().startswith("<?xml")
    assert save(fig, tmp_path / "relu6.PDF").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match=r"\.png, \.svg, \.pdf"):
        save(fig, tmp_path / "relu6.jpeg")


def test_figure_does_not_use_pyplot():
    code = (
        "import sys, nonlin.plot as p; p.figure('elu'); print('matplotlib.pyplot' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_terminal_without_plotext_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "plotext", None)
    with pytest.raises(ImportError, match=r"pip install plotext.*-o FILE\.png"):
        terminal(["relu"])

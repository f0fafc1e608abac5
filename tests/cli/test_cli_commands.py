"""The command line: every command's output and exit status (0 ok, 1 failure, 2 usage)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nonlin as nl
from nonlin import cli

COMMANDS = ("list", "show", "plot", "eval", "check", "bench", "gallery")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# --------------------------------------------------------------------------- as a program


def test_python_m_nonlin_runs_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "nonlin", "eval", "gelu", "-1", "0", "1", "--grad"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "gelu  (float64)"
    assert "f'(x)" in done.stdout and done.stderr == ""


def test_a_bad_spec_exits_2_with_the_caret_on_stderr_only():
    done = subprocess.run(
        [sys.executable, "-m", "nonlin", "show", "eluu(alpha=0.5)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("nonlin: error: unknown activation 'eluu'")
    assert "^^^^" in done.stderr and "Did you mean 'elu'" in done.stderr


# --------------------------------------------------------------------------- help and usage


def test_top_level_help_lists_every_command(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys, command):
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert out.startswith(f"usage: nonlin {command}")


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "required"),
        (["frobnicate"], "invalid choice"),
        (["list", "--dialect", "fortran"], "invalid choice"),
        (["eval", "relu"], "required"),
        (["eval", "relu", "one"], "invalid float"),
        (["plot", "relu", "--range", "3:1"], "A < B"),
        (["plot", "relu", "--range", "nope"], "A:B"),
        (["gallery"], "-o/--output"),
    ],
)
def test_usage_errors_exit_2_with_argparse_message(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert message in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["show", "elu(alpha=-1)"], "alpha"),
        (["show", "elu", "--dialect", "fortran"], "unknown dialect"),
        (["eval", "nosuch", "1"], "unknown activation"),
        (["plot", "nosuch", "-o", "x.png"], "unknown activation"),
        (["gallery", "nosuch", "-o", "out"], "unknown activation"),
    ],
)
def test_bad_specs_and_parameters_exit_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert err.startswith("nonlin: error:") and message in err
    assert not list(tmp_path.iterdir())  # nothing written


# --------------------------------------------------------------------------- list


def test_list_is_a_table_of_every_name(capsys):
    status, out, _ = run(capsys, "list")
    assert status == 0
    header, rule, *rows = out.splitlines()
    assert header.split() == ["name", "aliases", "parameters", "range", "properties"]
    assert set(rule) <= {"-", " "}
    assert [row.split()[0] for row in rows] == nl.names()
    relu = next(row for row in rows if row.startswith("relu "))
    assert "rectify" in relu and "[0.0, inf]" in relu and "monotonic" in relu


def test_list_json_is_the_description_of_every_name(capsys):
    status, out, _ = run(capsys, "list", "--json")
    assert status == 0
    entries = json.loads(out)
    assert [entry["name"] for entry in entries] == nl.names()
    assert entries[0]["formulas"]["f"]


def test_list_with_a_dialect_shows_its_names_and_defaults(capsys):
    status, out, _ = run(capsys, "list", "--dialect", "keras2")
    assert status == 0
    assert out.splitlines()[0].split()[:3] == ["name", "keras2", "names"]
    assert "LeakyReLU=leaky_relu(negative_slope=0.3)" in out
    status, out, _ = run(capsys, "list", "--dialect", "keras2", "--json")
    leaky = next(entry for entry in json.loads(out) if entry["name"] == "leaky_relu")
    assert {"name": "LeakyReLU", "spec": "leaky_relu(negative_slope=0.3)"} in leaky["dialect_names"]


# --------------------------------------------------------------------------- show


def test_show_prints_formulas_parameters_kinks_names_and_reference(capsys):
    status, out, _ = run(capsys, "show", "elu(alpha=0.5)")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "elu(alpha=0.5): Exponential linear unit."
    assert any(line.strip().startswith("f''(x)") for line in lines)
    assert "parameter alpha = 0.5 (default 1.0)" in out
    assert "kinks: 0.0" in out
    assert "in torch: elu, ELU" in out
    assert "reference: Clevert" in out


def test_show_gives_each_frameworks_defaults(capsys):
    _, out, _ = run(capsys, "show", "leaky_relu")
    assert "in keras: leaky_relu=leaky_relu(negative_slope=0.2), LeakyReLU=" in out


def test_show_a_chain_shows_each_stage(capsys):
    status, out, _ = run(capsys, "show", "tanh+relu")
    assert status == 0
    assert out.startswith("tanh+relu: 2 activations applied left to right (elementwise)")
    assert "\ntanh: Hyperbolic tangent." in out and "\nrelu: " in out
    status, out, _ = run(capsys, "show", "tanh+relu", "--json")
    assert [entry["name"] for entry in json.loads(out)] == ["tanh", "relu"]


def test_show_reads_a_dialect_and_prints_json(capsys):
    status, out, _ = run(capsys, "show", "LeakyReLU", "--dialect", "keras2", "--json")
    assert status == 0
    entry = json.loads(out)
    assert entry["spec"] == "leaky_relu(negative_slope=0.3)"


def test_show_handles_learnable_and_non_elementwise(capsys, toy_softmax):
    status, out, _ = run(capsys, "show", "prelu")
    assert status == 0 and out.startswith("prelu: Parametric ReLU")
    status, out, _ = run(capsys, "show", "toysoftmax")
    assert status == 0 and "not elementwise" in out


# --------------------------------------------------------------------------- eval


def test_eval_prints_values_and_derivatives(capsys):
    status, out, _ = run(capsys, "eval", "relu", "-1", "0", "2", "--grad", "--grad2")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "relu  (float64)"
    assert lines[1].split() == ["x", "f(x)", "f'(x)", "f''(x)"]
    assert [line.split() for line in lines[3:]] == [
        ["-1.0", "0.0", "0.0", "0.0"],
        ["0.0", "0.0", "0.0", "0.0"],  # the kink: the smaller one-sided limit
        ["2.0", "2.0", "1.0", "0.0"],
    ]


def test_eval_json_dtype_and_negative_numbers(capsys):
    status, out, _ = run(
        capsys, "eval", "sigmoid", "-1e-30", "-inf", "40", "--grad", "--dtype", "float32", "--json"
    )
    assert status == 0
    data = json.loads(out)
    assert data["x"] == pytest.approx([-1e-30, float("-inf"), 40.0], rel=1e-6)
    assert data["f(x)"][1] == 0.0 and data["f'(x)"][2] > 0  # not flushed to zero


def test_eval_of_a_learnable_activation_is_reproducible(capsys):
    first = run(capsys, "eval", "maxout", "-1", "0", "1", "--grad")
    second = run(capsys, "eval", "maxout", "-1", "0", "1", "--grad")
    assert first[0] == 0 and first[1] == second[1]
    assert "seed 0" in first[2]  # the note says which parameters were used


def test_eval_of_a_non_elementwise_activation(capsys, toy_softmax):
    status, out, _ = run(capsys, "eval", "toysoftmax", "0", "0")
    assert status == 0 and "0.5" in out
    status, out, err = run(capsys, "eval", "toysoftmax", "0", "0", "--grad")
    assert status == 1  # it ran, and failed: no elementwise derivative
    assert "not elementwise" in err and out == ""


# --------------------------------------------------------------------------- check and bench


def test_check_is_wired_in(capsys):
    status, out, _ = run(capsys, "check", "relu", "--dtype", "float64", "--no-progress")
    assert status == 0
    assert out.splitlines()[0].split()[:3] == ["spec", "dtype", "points"]
    status, out, _ = run(capsys, "check", "prelu", "--dtype", "float64", "--json")
    assert status == 0 and json.loads(out)["results"][0]["skipped"]


def test_check_exits_1_when_an_entry_is_over_its_bound(capsys, monkeypatch):
    from nonlin import accuracy

    failing = accuracy.CheckResult("relu", "float64", "table", 3, note="", failed_to_run=True)
    monkeypatch.setattr(accuracy, "check", lambda *a, **k: accuracy.Report((failing,)))
    status, out, _ = run(capsys, "check", "relu", "--no-progress")
    assert status == 1 and "ERROR" in out


def test_bench_is_wired_in(capsys, monkeypatch):
    from nonlin import bench

    seen: dict[str, Any] = {}

    def fake_run(specs: Any, modes: Any, dtypes: Any, sizes: Any, **kwargs: Any) -> list[Any]:
        seen.update(specs=specs, modes=modes, dtypes=dtypes, sizes=sizes)
        return []

    monkeypatch.setattr(bench, "run", fake_run)
    status, out, _ = run(capsys, "bench", "relu", "--quick", "--modes", "forward", "--json")
    assert status == 0 and json.loads(out) == []
    assert seen == {"specs": ["relu"], "modes": ["forward"], "dtypes": seen["dtypes"],
                    "sizes": [100_000]}  # fmt: skip
    status, _, err = run(capsys, "bench", "relu", "--modes", "sideways")
    assert status == 2 and "unknown mode" in err


# --------------------------------------------------------------------------- plot


def test_plot_writes_png_svg_and_pdf(capsys, tmp_path):
    for suffix, magic in ((".png", b"\x89PNG\r\n\x1a\n"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        target = tmp_path / f"relu{suffix}"
        status, out, err = run(capsys, "plot", "relu", "gelu", "--derivatives", "-o", str(target))
        assert status == 0, err
        assert out.strip() == f"wrote {target}"
        assert target.read_bytes().startswith(magic)


def test_plot_handles_learnable_and_non_elementwise(capsys, tmp_path, toy_softmax):
    target = tmp_path / "both.png"
    status, _, err = run(capsys, "plot", "maxout:3", "toysoftmax", "-o", str(target))
    assert status == 0, err
    assert target.stat().st_size > 1000


def test_plot_to_the_terminal_needs_plotext(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "plotext", None)  # as if not installed
    status, out, err = run(capsys, "plot", "relu")
    assert status == 2 and out == ""
    assert "pass -o FILE.png" in err and "plotext" in err


def test_plot_to_the_terminal_with_plotext(capsys, monkeypatch):
    calls: list[str] = []

    class FakePlotext:
        def __getattr__(self, name: str) -> Any:
            return lambda *args, **kwargs: calls.append(name)

    monkeypatch.setitem(sys.modules, "plotext", FakePlotext())
    status, _, err = run(capsys, "plot", "relu", "elu", "--derivatives", "--range", "-2:2")
    assert status == 0, err
    assert calls.count("plot") == 6 and calls[-1] == "show"


def test_plot_refuses_an_unknown_format_and_reports_write_failures(capsys, tmp_path):
    status, _, err = run(capsys, "plot", "relu", "-o", str(tmp_path / "relu.gif"))
    assert status == 2 and ".png, .svg or .pdf" in err
    status, _, err = run(capsys, "plot", "relu", "-o", str(tmp_path / "missing" / "relu.png"))
    assert status == 1 and err.startswith("nonlin: error:")


# --------------------------------------------------------------------------- gallery


def test_gallery_writes_index_html(capsys, tmp_path):
    status, out, err = run(capsys, "gallery", "relu", "prelu", "-o", str(tmp_path / "site"))
    assert status == 0, err
    page = tmp_path / "site" / "index.html"
    assert out.strip() == f"wrote {page}"
    assert page.read_text(encoding="utf-8").count('<article class="card"') == 2


def test_gallery_reports_an_unwritable_folder(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    status, _, err = run(capsys, "gallery", "relu", "--no-accuracy", "-o", str(blocker / "x"))
    assert status == 1 and err.startswith("nonlin: error:")
    assert Path(blocker).read_text() == ""

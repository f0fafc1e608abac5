"""``nl.check()`` / ``nonlin.accuracy.check`` and the ``nonlin check`` command."""

from __future__ import annotations

import argparse
import json
import sys

import pytest

import nonlin as nl
from nonlin import accuracy
from nonlin.accuracy import (
    DEFAULT_BOUND,
    EXCEPTIONS,
    Report,
    add_check_arguments,
    check,
    fresh_points,
    run_check_command,
)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nonlin check")
    add_check_arguments(parser)
    args = parser.parse_args(argv)
    return args.run(args)


def test_a_subset_passes_with_max_and_p99_per_quantity():
    report = check(["sigmoid", "relu(negative_slope=0.1, max_value=6.0, threshold=1.0)"])
    assert isinstance(report, Report) and report.passed and bool(report)
    specs = {(r.spec, r.dtype) for r in report.results}
    assert ("sigmoid", "float32") in specs and ("sigmoid", "float64") in specs
    for result in report.results:
        assert result.source == "table" and result.points > 500
        assert set(result.errors) == {"f", "df", "d2f"}
        for error in result.errors.values():
            assert 0 <= error.p99 <= error.max <= DEFAULT_BOUND and error.passed


def test_a_bare_name_checks_every_stored_variant():
    specs = {r.spec for r in check("elu", dtypes=["float64"]).results}
    assert {"elu", "elu(alpha=0.5)", "elu(alpha=2.5)"} <= specs


def test_the_default_run_covers_the_catalog_and_passes():
    report = check(dtypes=["float64"])
    assert {r.spec for r in report.results} >= set(nl.names())
    over = [r for r in report.results if r.errors and not r.passed]
    assert not over, report.format()


def test_a_tightened_bound_fails_and_the_command_returns_1(monkeypatch, capsys):
    monkeypatch.setattr(accuracy, "DEFAULT_BOUND", 0.25)
    report = check(["gelu"], dtypes=["float64"])
    assert not report.passed and report.failures
    assert "OVER BOUND" in report.format() and " *" in report.format()
    assert run(["gelu", "--dtype", "float64", "--no-progress"]) == 1
    assert "OVER BOUND" in capsys.readouterr().out


def test_the_command_prints_a_table_and_returns_0(capsys):
    assert run(["relu", "tanh", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "f'' max" in out and "p99" in out and "tanh" in out and "within bound" in out


def test_json_output_is_machine_readable(capsys):
    assert run(["softplus(beta=2.0)", "--json", "--dtype", "float32"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is True and data["failed"] == 0
    (entry,) = data["results"]
    assert entry["spec"] == "softplus(beta=2.0)" and entry["dtype"] == "float32"
    assert set(entry) >= {"f", "f'", "f''", "points", "passed"}
    assert entry["f'"]["max_ulp"] <= DEFAULT_BOUND
    # the documented allowances travel with the results (none are left today)
    assert data["exceptions"] == [entry._asdict() for entry in EXCEPTIONS]


def test_markdown_output(capsys):
    assert run(["relu", "--markdown", "--dtype", "float64"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| spec") and lines[1].startswith("|--")


def test_progress_callable_and_bar(capsys):
    seen = []
    check(["sigmoid", "tanh"], progress=lambda done, total, label: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    check(["relu"], progress=True)
    assert "[" in capsys.readouterr().err


def test_entries_without_a_table_are_skipped_with_a_note():
    report = check(["tanh+relu", "elu(alpha=0.25)"], dtypes=["float64"])
    assert report.passed
    assert all(r.skipped and "no reference table" in r.note for r in report.results)


def test_fresh_points_against_mpmath():
    pytest.importorskip("mpmath")
    report = check(["sigmoid", "elu(alpha=0.5)"], fresh=60, seed=3)
    assert report.passed, report.format()
    assert all(r.source == "fresh" and r.points == 60 for r in report.results)


def test_fresh_points_cover_the_range():
    x = fresh_points(400, "float64", seed=1)
    assert x.size == 400 and x.dtype == "float64"
    assert (abs(x) > 1e100).any() and (abs(x) < 1e-100).any() and (x < 0).any()
    assert (fresh_points(400, "float64", seed=1) == x).all()


def test_fresh_without_mpmath_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mpmath", None)
    with pytest.raises(ImportError, match=r"nonlin\[check\]"):
        check(["relu"], fresh=10)
    assert run(["relu", "--fresh", "10"]) == 2
    assert "nonlin[check]" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"dtypes": ["float16"]}, ValueError),
        ({"fresh": 0}, ValueError),
        ({"fresh": True}, ValueError),
        ({"specs": ["no_such_activation"]}, nl.UnknownActivationError),
        ({"specs": ["elu(alpha=-1e999)"]}, nl.NonlinError),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        check(**kwargs)


def test_exported_as_nl_check():
    if not hasattr(nl, "check"):
        pytest.skip("nl.check is not exported yet (the lead wires it into __init__.py)")
    assert nl.check is check


def test_cli_has_the_check_command(capsys):
    from nonlin import cli

    try:
        status = cli.main(["check", "relu", "--no-progress"])
    except SystemExit:
        pytest.skip("`nonlin check` is not wired into cli.py yet")
    assert status == 0 and "relu" in capsys.readouterr().out


def test_run_check_command_accepts_a_bare_namespace(capsys):
    assert run_check_command(argparse.Namespace(specs=["relu"], dtypes=["float64"])) == 0
    assert "relu" in capsys.readouterr().out


def test_accuracy_doc_lists_every_checked_entry():
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "accuracy.md"
    text = doc.read_text(encoding="utf-8")
    stale = [
        r.spec for r in check(dtypes=["float64"]).results if r.errors and f"| {r.spec} " not in text
    ]
    assert not stale, f"docs/accuracy.md lacks {stale}: run python tools/make_accuracy_doc.py"


def test_check_and_layers_are_public():
    import numpy as np

    import nonlin.accuracy

    assert nl.check is nonlin.accuracy.check and "check" in nl.__all__
    report = nl.check(["elu"])
    assert report.passed and {r.dtype for r in report.results} == {"float32", "float64"}
    layer = nl.layers.Activation("relu")
    assert layer.forward(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]

"""The generated documentation pages cover the whole registry."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nonlin as nl
from nonlin.dialects import DIALECTS

_TOOL = Path(__file__).parents[1] / "tools" / "make_docs.py"
_spec = importlib.util.spec_from_file_location("make_docs", _TOOL)
assert _spec is not None and _spec.loader is not None
make_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_docs)


def test_catalog_page_has_one_section_per_activation_with_its_formulas():
    page = make_docs.catalog_page()
    sections = re.findall(r"^## `([^`]+)`$", page, flags=re.MULTILINE)
    assert sections == nl.names()
    elu = page.split("## `elu`")[1].split("\n## ")[0]
    assert "f'(x) &=" in elu and "f''(x) &=" in elu
    assert "| `alpha` | `1.0` |" in elu


def test_catalog_page_is_markdown_not_restructured_text():
    page = make_docs.catalog_page()
    assert "``" not in page and ":math:" not in page


def test_dialects_page_lists_every_framework_name():
    page = make_docs.dialects_page()
    for table in DIALECTS.values():
        for name, spec in table.items():
            assert f"| `{name}` | `{spec}` |" in page


def test_main_writes_both_pages(tmp_path):
    assert make_docs.main(["--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.md", "dialects.md"]

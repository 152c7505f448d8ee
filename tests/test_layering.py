"""Stages import the shared layers below them (``model``, ``io``, ``traveltime``,
``instrument``, ``geo``), never each other (docs/architecture.md, "Layering")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import openndc

STAGES = ("detection", "association", "location", "magnitude", "screening", "bulletin",
          "radionuclide")  # fmt: skip
SHARED = ("model", "io", "traveltime", "instrument", "geo")
ROOT = Path(openndc.__file__).parent


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_itself_and_the_shared_layers(stage: str) -> None:
    wrong = sorted(
        f"{path.relative_to(ROOT.parent)}: {name}"
        for path in (ROOT / stage).rglob("*.py")
        for name in _imports(path)
        if name.startswith("openndc.") and name.split(".")[1] not in (stage, *SHARED)
    )
    assert not wrong, wrong


def test_the_shared_layers_import_no_stage() -> None:
    wrong = sorted(
        f"{path.relative_to(ROOT.parent)}: {name}"
        for layer in SHARED
        for path in (ROOT / layer).rglob("*.py")
        for name in _imports(path)
        if name.startswith("openndc.") and name.split(".")[1] in STAGES
    )
    assert not wrong, wrong

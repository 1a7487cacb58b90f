"""The house rules the import graph keeps: use cases know only the domain and the ports, the ports know
only the domain, one logger, one module building AWS clients. Read from the source, imports under
TYPE_CHECKING included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SKILL = Path(__file__).resolve().parents[2] / "skill"
ENTRY_POINTS = ("skill.bootstrap", "skill.adapters", "skill.alexa", "skill.cli", "skill.local", "skill.app")


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def calls_named(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and name in (getattr(node.func, "id", None), getattr(node.func, "attr", None))
    ]


@pytest.mark.parametrize("path", sorted((SKILL / "services").glob("*.py")), ids=lambda p: p.name)
def test_use_cases_import_no_adapter_and_no_entry_point(path: Path) -> None:
    assert [m for m in imports_of(path) if m.startswith(ENTRY_POINTS)] == []


@pytest.mark.parametrize("path", [SKILL / "ports.py", *sorted((SKILL / "domain").glob("*.py"))], ids=lambda p: p.name)
def test_ports_and_domain_import_nothing_above_them(path: Path) -> None:
    assert [m for m in imports_of(path) if m.startswith((*ENTRY_POINTS, "skill.services"))] == []


def test_no_module_but_observability_makes_its_own_logger() -> None:
    own = [
        str(path.relative_to(SKILL))
        for path in SKILL.rglob("*.py")
        if path.name != "observability.py"
        for call in calls_named(path, "getLogger")
        if call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == "__name__"
    ]
    assert own == []


def test_no_module_but_observability_logs_through_python_s_logging() -> None:
    # Lines written through the logging module elsewhere would not be the one logger's JSON with its correlation id
    others = [
        str(path.relative_to(SKILL))
        for path in SKILL.rglob("*.py")
        if path.name != "observability.py" and "logging" in imports_of(path)
    ]
    assert others == []


def test_botocore_settings_are_built_in_one_module() -> None:
    builders = {str(path.relative_to(SKILL)) for path in SKILL.rglob("*.py") if calls_named(path, "Config")}
    assert builders == {"adapters/aws.py"}

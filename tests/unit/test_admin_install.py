"""The admin install named in the README (`pip install '.[EXTRA]'`) has every library the admin CLI imports."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from skill.adapters.contacts_import import VCardSupportMissing, read_contacts

ROOT = Path(__file__).resolve().parents[2]
# Only the local runtime (office-skill) is outside an admin install.
NOT_IN_ADMIN_INSTALL = ("skill/local/",)


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0]).lower()


def _with_dependencies(names: set[str]) -> set[str]:
    """`names` and what they install in turn (their requirements without extras), as installed here."""
    closure, pending = set(names), list(names)
    while pending:
        try:
            requires = metadata.requires(pending.pop()) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            name = _name(requirement)
            if "extra ==" not in requirement and name not in closure:
                closure.add(name)
                pending.append(name)
    return closure


def _requirements(extra: str | None, project: dict[str, object]) -> set[str]:
    """Distribution names the project installs with `extra`, own extras expanded."""
    names = {_name(r) for r in project["dependencies"]}  # type: ignore[attr-defined]
    pending = [extra] if extra else []
    while pending:
        for requirement in project["optional-dependencies"][pending.pop()]:  # type: ignore[index]
            own = re.fullmatch(r"office-assistant\[(\w+)\]", requirement)
            if own:
                pending.append(own[1])
            else:
                names.add(_name(requirement))
    return names


def _imported_modules(path: Path) -> set[str]:
    """Top-level modules a source file imports at run time (not under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_admin_install_in_the_readme_has_every_library_the_cli_imports() -> None:
    # Given the install the README tells administrators to make, and the project's requirements
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The admin CLI", 1)[1].split("\n## ", 1)[0]
    extra = re.search(r"pip install '\.\[(\w+)\]'", section)
    assert extra is not None, "the admin CLI section names no install"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    installed = _with_dependencies(_requirements(extra[1], project))

    # When every module the admin CLI can reach is read for the libraries it imports
    sources = [
        p for p in (ROOT / "skill").rglob("*.py") if not str(p.relative_to(ROOT)).startswith(NOT_IN_ADMIN_INSTALL)
    ]
    modules = set().union(*(_imported_modules(p) for p in sources)) - set(sys.stdlib_module_names) - {"skill"}
    owners = metadata.packages_distributions()

    # Then each comes with a distribution the admin install names (vobject, for vCard import, among them)
    missing = {m: owners.get(m) for m in modules if not {_name(d) for d in owners.get(m, [])} & installed}
    assert missing == {}
    assert "vobject" in modules and "vobject" in installed


def test_a_vcard_import_without_vobject_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an install without vobject
    monkeypatch.setitem(sys.modules, "vobject", None)
    card = tmp_path / "card.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:A\nTEL:+44 7911 123456\nEND:VCARD\n", encoding="utf-8")

    # When a vCard is read / Then the error names the extra to install
    with pytest.raises(VCardSupportMissing, match=r"pip install 'office-assistant\[admin\]'"):
        read_contacts(card, "GB")

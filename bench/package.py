"""Package size of the skill function: the `skill/` package plus its runtime dependencies, zipped.

What `pip install --target` of the project without extras would lay down is read from the installed
distributions' RECORD files (the dependency closure of the project's own requirements), so the figure
needs no network; bytecode caches and console scripts are left out, as a Lambda build leaves them out.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections import defaultdict
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "office-assistant"


def _closure(name: str) -> list[metadata.Distribution]:
    """The distribution `name` needs at run time, transitively (no extras, markers for this interpreter)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [name]
    while todo:
        wanted = todo.pop()
        try:
            dist = metadata.distribution(wanted)
        except metadata.PackageNotFoundError:
            continue
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key in seen:
            continue
        seen[key] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    seen.pop(PROJECT, None)
    return list(seen.values())


def _files(dist: metadata.Distribution) -> list[Path]:
    found = []
    for file in dist.files or []:
        parts = file.parts
        if "__pycache__" in parts or parts[0] in ("..", "bin") or file.suffix == ".pyc":
            continue
        path = Path(str(dist.locate_file(file)))
        if path.is_file():
            found.append(path)
    return found


def run(n: int = 1) -> dict[str, Any]:
    """Zipped and unzipped bytes of the deployment, and per distribution, largest first."""
    groups: dict[str, list[tuple[Path, str]]] = defaultdict(list)
    for path in sorted((ROOT / "skill").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            groups["skill (this project)"].append((path, str(path.relative_to(ROOT))))
    for dist in _closure(PROJECT):
        base = Path(str(dist.locate_file("")))
        for path in _files(dist):
            groups[dist.metadata["Name"]].append((path, str(path.relative_to(base))))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        whole = Path(scratch) / "function.zip"
        with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, files in groups.items():
                part = Path(scratch) / "part.zip"
                with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as alone:
                    for path, arcname in files:
                        alone.write(path, arcname)
                        bundle.write(path, arcname)
                rows.append(
                    {
                        "distribution": name,
                        "files": len(files),
                        "unzipped_mib": round(sum(p.stat().st_size for p, _ in files) / 2**20, 2),
                        "zipped_mib": round(part.stat().st_size / 2**20, 2),
                    }
                )
        zipped = whole.stat().st_size
    rows.sort(key=lambda row: row["zipped_mib"], reverse=True)
    return {
        "zipped_mib": round(zipped / 2**20, 2),
        "unzipped_mib": round(sum(row["unzipped_mib"] for row in rows), 2),
        "distributions": rows,
    }

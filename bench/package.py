"""Package size of the skill function: what `sam build` deploys, zipped as Lambda receives it.

The package is built by `make build-SkillFunction` for the template's arm64 functions (bench/artifact.py):
the skill, its python3.13 wheels, and their bytecode. Each file is counted under the distribution whose
RECORD lists it (bytecode under the distribution of its source file); the skill under its own name.
"""

from __future__ import annotations

import csv
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import artifact

PROJECT_ROW = "skill (this project)"


def _owners(root: Path) -> dict[str, str]:
    """Relative path -> distribution name, from every `*.dist-info/RECORD` under `root`."""
    owners: dict[str, str] = {}
    for record in root.glob("*.dist-info/RECORD"):
        name = _distribution_name(record.parent)
        with record.open(newline="", encoding="utf-8") as rows:
            for row in csv.reader(rows):
                if row:
                    owners[Path(row[0]).as_posix()] = name
        owners.update({path.relative_to(root).as_posix(): name for path in record.parent.iterdir()})
    return owners


def _distribution_name(dist_info: Path) -> str:
    metadata = dist_info / "METADATA"
    if metadata.exists():
        for line in metadata.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Name:"):
                return line.split(":", 1)[1].strip()
    return dist_info.name.split("-")[0]


def _source_of(relative: Path) -> str:
    """`pkg/__pycache__/mod.cpython-313.pyc` -> `pkg/mod.py`; any other path as it is."""
    if relative.suffix == ".pyc" and relative.parent.name == "__pycache__":
        return (relative.parent.parent / (relative.name.split(".")[0] + ".py")).as_posix()
    return relative.as_posix()


def size(root: Path) -> dict[str, Any]:
    """Zipped and unzipped bytes of the package laid out under `root`, and per distribution, largest first."""
    owners = _owners(root)
    groups: dict[str, list[Path]] = defaultdict(list)
    bytecode = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        bytecode += path.stat().st_size if path.suffix == ".pyc" else 0
        owner = PROJECT_ROW if relative.parts[0] == "skill" else owners.get(_source_of(relative), "other")
        groups[owner].append(path)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        whole = Path(scratch) / "function.zip"
        with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, files in groups.items():
                part = Path(scratch) / "part.zip"
                with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as alone:
                    for path in files:
                        alone.write(path, path.relative_to(root))
                        bundle.write(path, path.relative_to(root))
                rows.append(
                    {
                        "distribution": name,
                        "files": len(files),
                        "unzipped_mib": round(sum(p.stat().st_size for p in files) / 2**20, 2),
                        "zipped_mib": round(part.stat().st_size / 2**20, 2),
                    }
                )
        zipped = whole.stat().st_size
    rows.sort(key=lambda row: row["zipped_mib"], reverse=True)
    unzipped = sum(p.stat().st_size for files in groups.values() for p in files)
    return {
        "zipped_bytes": zipped,
        "unzipped_bytes": unzipped,
        "bytecode_bytes": bytecode,
        "zipped_mib": round(zipped / 2**20, 2),
        "unzipped_mib": round(unzipped / 2**20, 2),
        "bytecode_mib": round(bytecode / 2**20, 2),
        "distributions": rows,
    }


def run(n: int = 1) -> dict[str, Any]:
    """The size of the package `sam build` makes for the deployed (arm64) functions."""
    with tempfile.TemporaryDirectory() as scratch:
        root = artifact.build_function(Path(scratch) / "function")
        figures = size(root)
        figures["bytecode_compiled"] = figures["bytecode_bytes"] > 0
        return figures

"""Cold start: a fresh process importing skill.app and answering a first LaunchRequest, beside the floor.

The floor is a fresh process that imports ask_sdk_core's SkillBuilder and boto3, creates a DynamoDB
client and makes one GetItem: what any skill of this shape pays. Both run against one moto server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import office
from bench.stats import median, ms, ratio

ROOT = Path(__file__).resolve().parents[1]


def _env(endpoint: str, table: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL_DYNAMODB=endpoint,
        OFFICE_TABLE=table,
        SKILL_ID=office.SKILL_ID,
        PYTHONPATH=str(ROOT),
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    return env


def _launch_event() -> str:
    from skill.local.envelopes import launch_request

    return json.dumps(
        launch_request(application_id=office.SKILL_ID, device_id=office.ROOM_DEVICE, user_id=office.ALEXA_USER)
    )


def _child(kind: str, env: dict[str, str], event: str, *flags: str) -> tuple[dict[str, Any], float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-m", "bench.cold_child", kind],
        input=event,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    return json.loads(done.stdout.strip().splitlines()[-1]), wall, done.stderr


def import_offenders(stderr: str, top: int = 12) -> dict[str, list[tuple[str, float]]]:
    """From `-X importtime` output: milliseconds of own import time per top-level package, and the
    modules with the largest cumulative time."""
    per_package: dict[str, float] = defaultdict(float)
    cumulative: list[tuple[str, float]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumul_us, name = line.removeprefix("import time:").split("|")
        module = name.strip()
        per_package[module.split(".")[0]] += int(self_us) / 1000
        cumulative.append((module, int(cumul_us) / 1000))
    packages = sorted(per_package.items(), key=lambda kv: kv[1], reverse=True)[:top]
    modules = sorted(cumulative, key=lambda kv: kv[1], reverse=True)[:top]
    return {
        "packages": [(name, round(t, 1)) for name, t in packages],
        "modules": [(name, round(t, 1)) for name, t in modules],
    }


def _medians(n: int, env: dict[str, str], event: str) -> tuple[dict[str, Any], set[str], int]:
    """Skill and floor alternated `n` times; medians, heavy modules seen loaded, modules after a launch."""
    skill_s: list[float] = []
    floor_s: list[float] = []
    skill_wall: list[float] = []
    floor_wall: list[float] = []
    heavy: set[str] = set()
    modules = 0
    for _ in range(n):
        figures, wall, _stderr = _child("skill", env, event)
        skill_s.append(figures["seconds"])
        skill_wall.append(wall)
        heavy.update(figures["heavy"])
        modules = figures["modules"]
        figures, wall, _stderr = _child("floor", env, event)
        floor_s.append(figures["seconds"])
        floor_wall.append(wall)
    medians = {
        "skill_ms": ms(median(skill_s)),
        "floor_ms": ms(median(floor_s)),
        "ratio": ratio(median(skill_s), median(floor_s)),
        "skill_process_ms": ms(median(skill_wall)),
        "floor_process_ms": ms(median(floor_wall)),
        "process_ratio": ratio(median(skill_wall), median(floor_wall)),
    }
    return medians, heavy, modules


def run_modes(n: int = 15, endpoint: str | None = None) -> dict[str, Any]:
    """Cold starts with the skill compiled from source in every process (PYTHONDONTWRITEBYTECODE, or a
    deploy without .pyc on Lambda's read-only disk) and with bytecode compiled ahead."""
    if endpoint is None:
        with office.aws() as local:
            return run_modes(n, local)
    table = office.create_office(endpoint)
    env, event = _env(endpoint, table), _launch_event()
    source = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as cache:
        compiled = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
        compiled["PYTHONPYCACHEPREFIX"] = cache
        _child("skill", compiled, event)
        _child("floor", compiled, event)
        modes: dict[str, Any] = {}
        heavy: set[str] = set()
        modules = 0
        for name, mode_env in (("from source", source), ("compiled ahead", compiled)):
            modes[name], seen, modules = _medians(n, mode_env, event)
            heavy |= seen
    _figures, _wall, importtime = _child("skill", source, event, "-X", "importtime")
    return {
        "n": n,
        "modes": modes,
        "heavy_loaded": sorted(heavy),
        "modules_loaded": modules,
        "offenders": import_offenders(importtime),
    }

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

from bench import artifact, office
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


def _child(
    kind: str, env: dict[str, str], event: str, *flags: str, python: str = sys.executable
) -> tuple[dict[str, Any], float, str]:
    """One cold child; it runs in the first PYTHONPATH directory (`-m` puts the working directory first on
    sys.path, as Lambda puts the function's code first)."""
    started = time.perf_counter()
    done = subprocess.run(
        [python, *flags, "-m", "bench.cold_child", kind],
        input=event,
        env=env,
        cwd=env["PYTHONPATH"].split(os.pathsep)[0],
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


def _medians(
    n: int, env: dict[str, str], event: str, python: str = sys.executable
) -> tuple[dict[str, Any], set[str], int]:
    """Skill and floor alternated `n` times; medians, heavy modules seen loaded, modules after a launch."""
    skill_s: list[float] = []
    floor_s: list[float] = []
    skill_wall: list[float] = []
    floor_wall: list[float] = []
    heavy: set[str] = set()
    modules = 0
    for _ in range(n):
        figures, wall, _stderr = _child("skill", env, event, python=python)
        skill_s.append(figures["seconds"])
        skill_wall.append(wall)
        heavy.update(figures["heavy"])
        modules = figures["modules"]
        figures, wall, _stderr = _child("floor", env, event, python=python)
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


def run_modes(n: int = 15, endpoint: str | None = None, *, deployed: bool = True) -> dict[str, Any]:
    """Cold starts of the checkout on this interpreter, compiled from source in every process
    (PYTHONDONTWRITEBYTECODE) and with bytecode compiled ahead; and, with `deployed` and a Python 3.13 on
    this machine, of the package `make build-SkillFunction` makes, on the runtime's Python with what the
    runtime provides, writing no bytecode (Lambda's disk is read-only): the cold start Lambda runs."""
    if endpoint is None:
        with office.aws() as local:
            return run_modes(n, local, deployed=deployed)
    table = office.create_office(endpoint)
    env, event = _env(endpoint, table), _launch_event()
    source = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    modes: dict[str, Any] = {}
    heavy: set[str] = set()
    modules = 0
    with tempfile.TemporaryDirectory() as scratch:
        compiled = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
        compiled["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
        _child("skill", compiled, event)
        _child("floor", compiled, event)
        runs: list[tuple[str, dict[str, str], str]] = [
            ("from source", source, sys.executable),
            ("compiled ahead", compiled, sys.executable),
        ]
        build = artifact.build_for_host(Path(scratch) / "build") if deployed else None
        if build is not None:
            lambda_env = {**source, "PYTHONPATH": os.pathsep.join([str(build.function), str(build.runtime), str(ROOT)])}
            figures, _wall, _stderr = _child("skill", lambda_env, event, python=build.python)
            if not str(figures["skill_from"]).startswith(str(build.function)):
                raise RuntimeError(f"the deployed run imported the skill from {figures['skill_from']}")
            runs.append((f"deployed package, Python {_version(build.python)}", lambda_env, build.python))
        for name, mode_env, python in runs:
            modes[name], seen, modules = _medians(n, mode_env, event, python)
            heavy |= seen
    _figures, _wall, importtime = _child("skill", source, event, "-X", "importtime")
    return {
        "n": n,
        "modes": modes,
        "deployed": build is not None,
        "heavy_loaded": sorted(heavy),
        "modules_loaded": modules,
        "offenders": import_offenders(importtime),
    }


def _version(python: str) -> str:
    done = subprocess.run([python, "-c", "import platform; print(platform.python_version())"], capture_output=True)
    return done.stdout.decode().strip()

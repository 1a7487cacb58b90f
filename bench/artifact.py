"""The skill function as `sam build` packages it, for the benchmarks that measure what is deployed.

`make build-SkillFunction` lays out the package and its python3.13 wheels with bytecode compiled by the
Lambda runtime's Python (see the Makefile). Beside it, `runtime/` holds what the Lambda Python runtime
provides (boto3 and botocore, at the versions this checkout uses), compiled the same way, so a fresh
python3.13 process with both on its path starts the way a Lambda container does.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOYED_PLATFORM = "manylinux2014_aarch64"  # the template's arm64 functions


@dataclass(frozen=True)
class Build:
    function: Path  # the function's code, as deployed
    runtime: Path  # what the Lambda runtime provides
    python: str  # the runtime's Python (3.13)


def lambda_python() -> str | None:
    """The Python 3.13 interpreter the Makefile compiles bytecode with; None when this machine has none."""
    found = subprocess.run(["make", "-s", "lambda-python"], cwd=ROOT, capture_output=True, text=True, check=True)
    return found.stdout.strip() or None


def host_platform() -> str:
    return f"manylinux2014_{platform.machine()}"


def build_function(directory: Path, wheel_platform: str = DEPLOYED_PLATFORM) -> Path:
    """`make build-SkillFunction` into `directory` for `wheel_platform`; returns `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["make", "-s", "build-SkillFunction", f"ARTIFACTS_DIR={directory}", f"LAMBDA_PLATFORM={wheel_platform}"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return directory


def build_runtime(directory: Path, python: str) -> Path:
    """boto3 (with botocore) at this checkout's version for the host, compiled by `python`, as the runtime has it."""
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(directory),
            "--platform", host_platform(), "--implementation", "cp", "--python-version", "3.13",
            "--only-binary=:all:", f"boto3=={metadata.version('boto3')}",
        ],
        check=True,
    )  # fmt: skip
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(directory)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return directory


def build_for_host(directory: Path) -> Build | None:
    """The function and the runtime's libraries for this machine under `directory`; None without Python 3.13."""
    python = lambda_python()
    if python is None:
        return None
    function = build_function(directory / "function", host_platform())
    return Build(function, build_runtime(directory / "runtime", python), python)

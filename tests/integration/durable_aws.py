"""The embedded server with a data directory, in a process of its own (moto's state is per process).

`python durable_aws.py DIR [--fresh] [--snapshot-every N]` prints `ready ENDPOINT REPLAYED TORN` and serves
until its stdin closes (a polite stop), or until it is killed; a `DataDirError` is printed on stderr with
exit status 1. `DurableAws` runs it for a test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]


@dataclass
class DurableAws:
    """One run of the embedded server on a data directory."""

    directory: Path
    process: subprocess.Popen[str] = field(repr=False)
    endpoint: str = ""
    replayed: int = 0
    torn: int = 0

    @classmethod
    def start(cls, directory: Path, *args: str) -> DurableAws:
        process = subprocess.Popen(
            [sys.executable, str(HERE), str(directory), *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        run = cls(directory, process)
        assert process.stdout is not None
        line = process.stdout.readline().split()
        if not line or line[0] != "ready":
            raise RuntimeError(f"exit {process.wait(timeout=30)}: {process.stderr.read() if process.stderr else ''}")
        run.endpoint, run.replayed, run.torn = line[1], int(line[2]), int(line[3])
        return run

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1")

    def stop(self) -> None:
        """A polite stop: stdin closes, the server takes its last snapshot and exits."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def refused(directory: Path, *args: str) -> tuple[int, str]:
    """The exit status and stderr of a start that does not get ready."""
    done = subprocess.run(
        [sys.executable, str(HERE), str(directory), *args],
        cwd=ROOT,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr


def main(argv: list[str]) -> int:
    from skill.local import datadir
    from skill.local.awsserver import EmbeddedAws

    directory, options = Path(argv[0]), argv[1:]
    if "--snapshot-every" in options:
        datadir.SNAPSHOT_RECORDS = int(options[options.index("--snapshot-every") + 1])
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    try:
        server = EmbeddedAws(data_dir=directory, fresh="--fresh" in options).start()
    except datadir.DataDirError as error:
        print(error, file=sys.stderr)
        return 1
    restored = server.restored
    assert restored is not None
    print("ready", server.endpoint, restored.replayed, restored.torn, flush=True)
    sys.stdin.read()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

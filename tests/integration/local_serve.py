"""`office-skill serve` as a subprocess on free loopback ports, for the tests of the local runtime's command."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from skill.local.awsserver import free_port

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 90.0
SKILL_ID = "amzn1.ask.skill.office-assistant-local"


def script(name: str) -> list[str]:
    """The console script installed next to this interpreter."""
    return [str(Path(sys.executable).parent / name)]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")}
    env.update(PYTHONUNBUFFERED="1", OFFICE_CACHE_TTL_SECONDS="1", SKILL_ID=SKILL_ID)
    return env


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


@dataclass
class Serve:
    """One run of `office-skill serve`; what it printed (stdout and stderr) is in `lines`."""

    process: subprocess.Popen[str] = field(repr=False)
    port: int
    db_port: int
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue, repr=False)

    @classmethod
    def start(
        cls, *args: str, command: list[str] | None = None, ports: tuple[int, int] | None = None, ready: str = "logs:"
    ) -> Serve:
        """Runs `office-skill serve ARGS` (or `command`, serving on `ports`) until it prints `ready`."""
        port, db_port = ports or (free_port(), free_port())
        argv = command or [*script("office-skill"), "serve", "--port", str(port), "--db-port", str(db_port), *args]
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        run = cls(process, port, db_port)
        assert process.stdout is not None
        threading.Thread(target=_pump, args=(process.stdout, run._queue), daemon=True).start()
        run.wait_for(ready, READY_SECONDS)
        return run

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def wait_for(self, text: str, seconds: float = 30.0) -> str:
        """The first line (from now on, or already printed) that starts with `text`."""
        deadline = time.monotonic() + seconds
        while True:
            found = next((line for line in self.lines if line.startswith(text)), None)
            if found is not None:
                return found
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {seconds:.0f} s:\n" + "\n".join(self.lines)) from None
            if line is None:
                raise AssertionError(f"exited {self.process.wait()} before {text!r}:\n" + "\n".join(self.lines))
            self.lines.append(line)

    def rest(self, seconds: float = 60.0) -> list[str]:
        """Everything it prints until it exits."""
        self.process.wait(timeout=seconds)
        while (line := self._queue.get(timeout=seconds)) is not None:
            self.lines.append(line)
        return self.lines

    def post(self, envelope: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(self.endpoint, data=json.dumps(envelope).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            response: dict[str, Any] = json.loads(answer.read())
            return response

    def admin(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [*script("office-admin"), "--endpoint-url", f"http://127.0.0.1:{self.db_port}", *args]
        return subprocess.run(command, env=environment(), capture_output=True, text=True, timeout=120, check=False)

    def admin_json(self, *args: str) -> Any:
        done = self.admin(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def terminate(self, within: float = 60.0, how: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM (or `how`: SIGINT is Ctrl-C), and its exit status once it is gone; fails (killing it) when it
        has not exited `within` seconds."""
        self.process.send_signal(how)
        try:
            return self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"still running {within:.0f} s after {how.name}") from None

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

"""End-to-end fixtures: `office-skill serve` as a subprocess, spoken to through virtual-alexa.

`skill_server` starts the local runtime once per session (own ports, own embedded DynamoDB);
`alexa(...)` opens a conversation: a `node driver.js` process holding one virtual-alexa session
(attributes and dialog state survive between turns); `speech(envelope)` is the plain text Alexa would say.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
from support import WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
E2E = ROOT / "tests" / "e2e"
MODELS = ROOT / "interaction_models" / "custom"
SKILL_ID = "amzn1.ask.skill.office-assistant-local"
STARTUP_SECONDS = 90.0
ANSWER_SECONDS = 30.0
LOG_TAIL_CHARS = 8000
FLEET_SEEN_SECONDS = 10.0
CACHE_TTL_SECONDS = 1.0  # how long the server trusts its fleet cache (OFFICE_CACHE_TTL_SECONDS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing e2e test shows the tail of what the server wrote to stderr."""
    report: pytest.TestReport = yield
    server = getattr(item, "funcargs", {}).get("skill_server")
    if report.failed and isinstance(server, SkillServer):
        report.sections.append(("office-skill serve stderr", server.stderr_tail()))
    return report


def _script(name: str, module: str) -> list[str]:
    """The console script installed next to this interpreter, else the module run by this interpreter."""
    for candidate in (Path(sys.executable).parent / name, ROOT / ".venv" / "bin" / name):
        if candidate.exists():
            return [str(candidate)]
    return [sys.executable, "-m", module]


def _free_port() -> int:
    from skill.local.awsserver import free_port

    return free_port()


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _collect(lines: queue.Queue[str | None], seen: list[str]) -> None:
    """Keeps appending what the server prints after startup (the local dialer's lines) to `seen`."""
    while (line := lines.get()) is not None:
        seen.append(line)


@pytest.fixture(scope="session")
def npm_ready() -> Path:
    """tests/e2e/node_modules with virtual-alexa, installed from the lockfile when missing."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("e2e tests need Node.js 20+ and npm on PATH (https://nodejs.org); neither `node` nor `npm` found")
    if not (E2E / "node_modules" / "virtual-alexa").is_dir():
        done = subprocess.run(
            [npm, "ci", "--prefix", str(E2E), "--no-audit", "--no-fund"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"`npm ci --prefix tests/e2e` failed ({done.returncode}):\n{done.stderr[-LOG_TAIL_CHARS:]}")
    return E2E / "node_modules"


@dataclass
class SkillServer:
    """A running `office-skill serve`; `admin(...)` runs `office-admin` against its table."""

    process: subprocess.Popen[str] = field(repr=False)
    env: dict[str, str] = field(repr=False)
    skill_id: str
    table: str
    endpoint: str
    db_endpoint: str
    stderr_path: Path
    stdout_lines: list[str] = field(default_factory=list)

    def admin(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [
            *_script("office-admin", "skill.cli.main"),
            "--endpoint-url",
            self.db_endpoint,
            "--table",
            self.table,
            *args,
        ]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=120, check=False)

    def stderr_tail(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-LOG_TAIL_CHARS:] or "(nothing)"

    def apply(self, fleet: Path, *, seen: Callable[[], bool] = lambda: True) -> None:
        """`office-admin apply FLEET`, returning once `seen()` and the server's fleet cache is younger than the
        apply: a snapshot its background jobs cached a moment before may otherwise hide what was applied."""
        applied = self.admin("apply", str(fleet))
        assert applied.returncode == 0, applied.stderr
        time.sleep(CACHE_TTL_SECONDS)
        deadline = time.monotonic() + FLEET_SEEN_SECONDS
        while not seen():
            assert time.monotonic() < deadline, "the server never saw the applied fleet"
            time.sleep(0.5)

    def said(self, envelope: dict[str, Any]) -> str:
        """The SSML the endpoint answers to one envelope, posted directly (no conversation)."""
        request = urllib.request.Request(self.endpoint, data=json.dumps(envelope).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return str(json.loads(answer.read())["response"]["outputSpeech"]["ssml"])

    def launch_speech(self, device_id: str) -> str:
        from skill.local.envelopes import launch_request

        envelope = launch_request(application_id=self.skill_id, device_id=device_id, user_id="amzn1.ask.account.E2E")
        return self.said(envelope)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait_until_ready(
    process: subprocess.Popen[str], lines: queue.Queue[str | None], seen: list[str], health_url: str
) -> dict[str, str]:
    """Reads the startup lines until both endpoints are announced (or /healthz answers); raises on exit."""
    announced: dict[str, str] = {}
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is None and _healthy(health_url):
                return announced
            continue
        if line is None:
            raise RuntimeError(f"office-skill serve exited with {process.wait()} before it was ready")
        seen.append(line)
        for label in ("skill endpoint", "dynamodb endpoint"):
            if line.strip().lower().startswith(label + ":"):
                announced[label] = line.split(":", 1)[1].strip()
        if len(announced) == 2:
            return announced
    raise RuntimeError(f"office-skill serve was not ready within {STARTUP_SECONDS:.0f} s")


@pytest.fixture(scope="module")
def webhook() -> Iterator[WebhookReceiver]:
    """A chat webhook receiver on 127.0.0.1 for one test module (the server notifies it from its job loop)."""
    with WebhookReceiver() as hook:
        yield hook


@pytest.fixture(scope="session")
def skill_server() -> Iterator[SkillServer]:
    """`office-skill serve` on free loopback ports with its embedded DynamoDB and an e2e table."""
    port, db_port = _free_port(), _free_port()
    table = f"office-e2e-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")}
    # A one-second fleet cache: what a test applies with office-admin reaches the server at once.
    env.update(
        SKILL_ID=SKILL_ID, OFFICE_TABLE=table, PYTHONUNBUFFERED="1", OFFICE_CACHE_TTL_SECONDS=str(CACHE_TTL_SECONDS)
    )
    log_dir = Path(tempfile.mkdtemp(prefix="office-e2e-"))
    stderr_path = log_dir / "serve.stderr"
    # Background jobs (host notifications, calendar refresh) every second rather than every minute.
    command = [
        *_script("office-skill", "skill.local.cli"),
        "serve",
        "--port",
        str(port),
        "--db-port",
        str(db_port),
        "--refresh-every",
        "1",
    ]
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1
        )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        announced = _wait_until_ready(process, lines, seen, f"http://127.0.0.1:{port}/healthz")
    except RuntimeError as problem:
        process.kill()
        process.wait()
        stderr_text = stderr_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
        shutil.rmtree(log_dir, ignore_errors=True)
        pytest.fail(
            f"{problem}\n$ {' '.join(command)}\n--- stdout\n" + "\n".join(seen) + "\n--- stderr\n" + stderr_text
        )
    threading.Thread(target=_collect, args=(lines, seen), daemon=True).start()
    server = SkillServer(
        process=process,
        env=env,
        skill_id=SKILL_ID,
        table=table,
        endpoint=announced.get("skill endpoint", f"http://127.0.0.1:{port}/"),
        db_endpoint=announced.get("dynamodb endpoint", f"http://127.0.0.1:{db_port}"),
        stderr_path=stderr_path,
        stdout_lines=seen,
    )
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(log_dir, ignore_errors=True)


class ConversationError(RuntimeError):
    """The driver could not carry out a turn (unmatched utterance, HTTP error, bad envelope)."""


class Conversation:
    """One virtual-alexa session against the skill, held by a `node driver.js` process."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self._process = subprocess.Popen(
            ["node", str(E2E / "driver.js")],
            cwd=E2E,
            env={**os.environ, "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._process.stdout is not None
        self._answers: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(self._process.stdout, self._answers), daemon=True).start()
        self._send({"cmd": "init", **settings})

    def launch(self) -> dict[str, Any]:
        return self._send({"cmd": "launch"})

    def say(self, text: str) -> dict[str, Any]:
        return self._send({"cmd": "utter", "text": text})

    def intend(
        self, intent: str, slots: dict[str, str] | None = None, confirmation: str | None = None
    ) -> dict[str, Any]:
        return self._send({"cmd": "intend", "intent": intent, "slots": slots or {}, "confirmationStatus": confirmation})

    def end(self) -> dict[str, Any]:
        return self._send({"cmd": "end"})

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _send(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(command) + "\n")
        self._process.stdin.flush()
        try:
            line = self._answers.get(timeout=ANSWER_SECONDS)
        except queue.Empty:
            raise ConversationError(f"no answer to {command['cmd']} within {ANSWER_SECONDS:.0f} s") from None
        if line is None:
            raise ConversationError(f"driver exited ({self._process.wait()}) during {command['cmd']}")
        answer: dict[str, Any] = json.loads(line)
        if not answer.pop("ok"):
            raise ConversationError(f"{command['cmd']}: {answer['error']}")
        return answer


AlexaFactory = Callable[..., Conversation]


@pytest.fixture
def alexa(npm_ready: Path, skill_server: SkillServer) -> Iterator[AlexaFactory]:
    """`alexa(device_id=..., user_id=..., person_id=None, locale="en-US") -> Conversation`."""
    opened: list[Conversation] = []

    def open_conversation(
        device_id: str | None = None,
        user_id: str | None = None,
        person_id: str | None = None,
        locale: str = "en-US",
        supported_interfaces: dict[str, Any] | None = None,
    ) -> Conversation:
        model = MODELS / f"{locale}.json"
        if not model.is_file():
            pytest.fail(f"interaction model {model.relative_to(ROOT)} is missing")
        conversation = Conversation(
            {
                "skillURL": skill_server.endpoint,
                "model": str(model),
                "locale": locale,
                "applicationId": skill_server.skill_id,
                "deviceId": device_id or f"amzn1.ask.device.E2E{uuid.uuid4().hex.upper()}",
                "userId": user_id or f"amzn1.ask.account.E2E{uuid.uuid4().hex.upper()}",
                "personId": person_id,
                "supportedInterfaces": supported_interfaces,
            }
        )
        opened.append(conversation)
        return conversation

    yield open_conversation
    for conversation in opened:
        conversation.close()


def _speech(envelope: dict[str, Any]) -> str:
    """The words of the envelope's outputSpeech, SSML tags removed, whitespace collapsed."""
    output = envelope.get("response", {}).get("outputSpeech") or {}
    ssml = output.get("ssml") if output.get("type") == "SSML" else None
    text = "".join(ET.fromstring(ssml).itertext()) if ssml else output.get("text", "")
    return " ".join(text.split())


@pytest.fixture(scope="session")
def speech() -> Callable[[dict[str, Any]], str]:
    """`speech(envelope) -> str`: what Alexa would say, as plain text."""
    return _speech

"""One warm Lambda container of one function, in a process of its own with that function's environment.

`LambdaProcess(handler, env)` starts `python lambdahost.py`; `invoke(event)` sends the event on stdin and
reads the handler's return value (or the error it raised) back. The function's own output (Powertools'
JSON logs and metrics, on stdout as in Lambda) goes to a log file, kept apart from the answers.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


class LambdaContext:
    """What the Lambda runtime hands a handler: names, memory, and the time left."""

    def __init__(self, function_name: str, timeout_s: float) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LambdaProcess:
    """A function's container: `handler` is the template's `module.function`, `env` its whole environment."""

    def __init__(self, handler: str, env: dict[str, str], timeout_s: float) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix="lambda-", suffix=".log", delete=False)  # noqa: SIM115
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__)), handler, str(timeout_s)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            text=True,
        )

    def invoke(self, event: dict[str, Any]) -> Any:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(event) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the function's process ended; its log: {Path(self.log.name).read_text()[-4000:]}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["result"]

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)
        self.log.close()
        os.unlink(self.log.name)


def main(handler_path: str, timeout_s: float) -> None:
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the function's own prints and logs go to the log, never into the answers
    sys.stdout = sys.stderr
    module, _, name = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module), name)
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", name)
    for line in sys.stdin:
        event = json.loads(line)
        try:
            answer: dict[str, Any] = {"result": handler(event, LambdaContext(function_name, timeout_s))}
        except Exception as error:  # the test reads it as the invocation's failure
            answer = {"error": f"{type(error).__name__}: {error}"}
        answers.write(json.dumps(answer, default=str) + "\n")
        answers.flush()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))

"""Where `office-skill serve` sends its logs: a file or stderr, never between the console's turns.

The skill logs JSON lines through the Powertools logger and prints its EMF metric lines to stdout, as
Lambda collects them. Locally, `route_logs` sends every log line (the skill's, the libraries', warnings) to one
destination in the logger's JSON format (`observability.send_logs_to`), and puts a `LineRouter` in place of
stdout: lines that are JSON objects go to the destination, every other line (what serve announces, the
console, the local dialer) to the terminal.
"""

from __future__ import annotations

import io
import sys
import threading
from typing import TextIO

from skill.observability import send_logs_to


class LineRouter(io.TextIOBase):
    """A stdout that sends whole lines holding a JSON object to `log`, the rest to `terminal`."""

    def __init__(self, terminal: TextIO, log: TextIO) -> None:
        self.terminal = terminal
        self.log = log
        self._pending = threading.local()  # print() writes a line in pieces; threads print at once
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.terminal.isatty()

    def fileno(self) -> int:  # input() asks, to prompt on the terminal itself
        return self.terminal.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.terminal.encoding

    def write(self, text: str) -> int:
        pending = getattr(self._pending, "text", "") + text
        *lines, rest = pending.split("\n")
        self._pending.text = rest
        for line in lines:
            self._emit(line + "\n")
        return len(text)

    def flush(self) -> None:
        pending = getattr(self._pending, "text", "")
        if pending and not pending.lstrip().startswith("{"):  # a prompt; a JSON line waits for its end
            self._pending.text = ""
            self._emit(pending)
        with self._lock:
            self.terminal.flush()
            self.log.flush()

    def _emit(self, text: str) -> None:
        target = self.log if text.lstrip().startswith("{") and text.rstrip().endswith("}") else self.terminal
        with self._lock:
            target.write(text)
            target.flush()


def route_logs(destination: TextIO) -> None:
    """Logs, warnings and metric lines to `destination`; the rest of stdout stays on the terminal."""
    send_logs_to(destination)
    terminal = sys.stdout.terminal if isinstance(sys.stdout, LineRouter) else sys.stdout
    sys.stdout = LineRouter(terminal, destination)

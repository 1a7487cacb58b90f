"""The background jobs that run on EventBridge schedules (and a DynamoDB Stream) in AWS, run here on a timer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from skill.observability import logger

if TYPE_CHECKING:
    from skill.bootstrap import Container

Job = Callable[["Container"], object]


def scheduled_jobs() -> list[tuple[str, Job]]:
    """Every job with its name, in the order one round runs them."""
    from skill.services.calendars import refresh_all
    from skill.services.reception import auto_check_out_job, outbox_job
    from skill.services.rooms import release_job

    return [
        ("calendar refresh", refresh_all),
        ("host notifications", outbox_job),
        ("visitor auto check-out", auto_check_out_job),
        ("no-show release", release_job),
    ]


class JobLoop:
    def __init__(self, container: Container, every: float) -> None:
        self.container = container
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def run_once(self) -> None:
        for name, job in scheduled_jobs():
            try:
                job(self.container)
            except Exception:
                logger.exception("job failed", extra={"job": name})

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.every)

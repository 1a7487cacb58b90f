"""The background jobs that run on EventBridge schedules (and a DynamoDB Stream) in AWS, run here on a timer:
the same use cases the Lambda entry points in `skill.app` call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from skill.observability import logger

if TYPE_CHECKING:
    from skill.bootstrap import Services

Job = Callable[[], object]


def scheduled_jobs(services: Services) -> list[tuple[str, Job]]:
    """Every job with its name, in the order one round runs them."""
    return [
        ("calendar refresh", lambda: services.calendars.refresh_all(services.now())),
        ("host notifications", services.notifications.deliver_pending),
        ("visitor auto check-out", lambda: services.reception.auto_check_out(services.now())),
        ("no-show release", lambda: services.rooms.release_no_shows(services.now())),
    ]


class JobLoop:
    def __init__(self, services: Services, every: float) -> None:
        self.services = services
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def run_once(self) -> None:
        for name, job in scheduled_jobs(self.services):
            try:
                job()
            except Exception:
                logger.exception("job failed", extra={"job": name})

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.every)

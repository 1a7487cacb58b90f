"""The background jobs that run on EventBridge schedules (and a DynamoDB Stream) in AWS, run here on timers:
the same use cases the Lambda entry points in `skill.app` call.

Host notifications have a loop of their own, every `NOTIFY_EVERY` seconds: a visitor's host hears
within moments, however long a calendar refresh takes and whatever `--refresh-every` says. The same loop
then folds the table's new stream records into the usage counters, as the usage function does in AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from skill.observability import logger

if TYPE_CHECKING:
    from skill.bootstrap import Services

Job = Callable[[], object]
NOTIFY_EVERY = 2.0


def scheduled_jobs(services: Services) -> list[tuple[str, Job]]:
    """Every job with its name, in the order one round runs them."""
    return [
        ("calendar refresh", lambda: services.calendars.refresh_all(services.now())),
        ("visitor auto check-out", lambda: services.reception.auto_check_out(services.now())),
        ("no-show release", lambda: services.rooms.release_no_shows(services.now())),
    ]


class JobLoop:
    def __init__(self, services: Services, every: float, notify_every: float = NOTIFY_EVERY) -> None:
        self.services = services
        self.every = every
        self.notify_every = min(every, notify_every)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name="jobs", daemon=True),
            threading.Thread(target=self._notify, name="outbox", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def run_once(self) -> None:
        for name, job in scheduled_jobs(self.services):
            self._run_job(name, job)

    def _run_job(self, name: str, job: Job) -> None:
        try:
            job()
        except Exception:
            logger.exception("job failed", extra={"job": name})

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.every)

    def _notify(self) -> None:
        while not self._stop.is_set():
            self._run_job("host notifications", lambda: self.services.notifications.deliver_pending())
            self._run_job("usage counters", lambda: self.services.usage.fold_pending())
            self._stop.wait(self.notify_every)

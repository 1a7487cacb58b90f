"""The background jobs that run on EventBridge schedules (and a DynamoDB Stream) in AWS, run here on timers:
the same use cases the Lambda entry points in `skill.app` call.

Host notifications have a loop of their own, every `NOTIFY_EVERY` seconds: a visitor's host hears
within moments, however long a calendar refresh takes and whatever `--refresh-every` says. The same loop
then folds the table's new stream records into the usage counters, as the usage function does in AWS. Both
loops run on daemon threads: `stop` waits a moment for them, and a job still busy then (a feed that never
answers) is left to end with the process.
"""

from __future__ import annotations

import threading
import time
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
        self.first_round = threading.Event()  # set once the first round of jobs is done
        self._running: dict[str, str] = {}  # the job each loop is running, by the loop's thread name
        self._threads = [
            threading.Thread(target=self._run, name="jobs", daemon=True),
            threading.Thread(target=self._notify, name="outbox", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """No job starts any more; waits at most `timeout` seconds in all for the ones running."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        busy = sorted(self._running.get(t.name, "?") for t in self._threads if t.is_alive())
        if busy:
            logger.warning("jobs still running at the stop are left to end with the process", extra={"jobs": busy})

    def run_once(self) -> None:
        for name, job in scheduled_jobs(self.services):
            if self._stop.is_set():
                return
            self._run_job(name, job)

    def _run_job(self, name: str, job: Job) -> None:
        loop = threading.current_thread().name
        self._running[loop] = name
        try:
            job()
        except Exception:
            logger.exception("job failed", extra={"job": name})
        finally:
            self._running.pop(loop, None)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self.first_round.set()
            self._stop.wait(self.every)

    def _notify(self) -> None:
        while not self._stop.is_set():
            self._run_job("host notifications", lambda: self.services.notifications.deliver_pending())
            self._run_job("usage counters", lambda: self.services.usage.fold_pending())
            self._stop.wait(self.notify_every)

"""`office-skill`: run the whole skill on this machine, or talk to it from a console."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

if TYPE_CHECKING:
    from skill.bootstrap import Services
    from skill.domain.model import Fleet
    from skill.local.awsserver import EmbeddedAws
    from skill.local.jobs import JobLoop
    from skill.local.server import SkillServer

DEMO_FLEET = Path(__file__).resolve().parents[1] / "data" / "demo-fleet.yaml"
DEFAULT_ENDPOINT = "http://127.0.0.1:9000/"
DEMO_DEVICE = "amzn1.ask.device.DEMO-FUJI"
LOG_FILE = "office-skill.log"
FIRST_TRY = timedelta(minutes=30)  # what the console suggests booking first
# A polite stop (SIGTERM, Ctrl-C, the console's end) takes about this long at most, whatever the clients and the
# jobs are doing: the requests being answered get up to ENDPOINT_GRACE of it, the jobs JOBS_GRACE, and the
# embedded server's last snapshot what is left (without it, the next start replays the journal).
STOP_SECONDS = 5.0
ENDPOINT_GRACE = 2.0
JOBS_GRACE = 0.5


class _Stop(BaseException):
    """SIGINT or SIGTERM: leave whatever the main thread is doing (the console's prompt too) and stop."""


def _ignore_signals() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)  # a second signal must not interrupt the stopping


def _stop(*_: Any) -> None:
    _ignore_signals()
    raise _Stop


@contextmanager
def _threads_without_signals() -> Iterator[None]:
    """Threads started in the block (and every thread they start) never take SIGINT or SIGTERM, so the
    kernel gives these to the main thread. Python runs a handler in the main thread only: a signal taken by
    another thread waits until the main thread wakes up, which a main thread waiting for a signal never does."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # one that came meanwhile is handled now


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


@dataclass
class _Running:
    """What `serve` started, stopped in order by a deadline: the endpoint first (the requests it is answering
    still need the store), then the jobs, then the embedded server and its data directory."""

    embedded: EmbeddedAws | None = None
    server: SkillServer | None = None
    jobs: JobLoop | None = None

    def stop(self, deadline: float) -> None:
        if self.server is not None:
            self.server.stop(grace=min(ENDPOINT_GRACE, _left(deadline)))
        if self.jobs is not None:
            self.jobs.stop(timeout=min(JOBS_GRACE, _left(deadline)))
        if self.embedded is not None:
            self.embedded.stop(timeout=_left(deadline))


def _end(code: int) -> NoReturn:
    """Ends the process once serve has stopped. The interpreter's own exit would first wait for every worker
    thread still busy (a feed still being fetched, a request whose connection was cut), however long that
    takes; nothing is lost by not waiting: the embedded server's journal, closed by then, holds every write it
    acknowledged."""
    from skill.observability import flush_logs

    flush_logs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _log_destination(args: argparse.Namespace) -> tuple[TextIO, str]:
    """Where logs go, and how to say so: stderr with --verbose, else a file (the data directory's
    with --data-dir, a temporary one for the console), else stderr as before."""
    if args.verbose or not (args.data_dir or args.console):
        return sys.stderr, "stderr"
    if args.data_dir:
        from skill.local.datadir import make_directory

        path = make_directory(Path(args.data_dir)) / LOG_FILE  # DataDirError when it cannot be
    else:
        handle, name = tempfile.mkstemp(prefix="office-skill-", suffix=".log")
        os.close(handle)
        path = Path(name)
    return path.open("a", encoding="utf-8", buffering=1), str(path.resolve())


def _serve(args: argparse.Namespace) -> int:
    from skill.config import LOCAL_SKILL_ID

    external = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    if args.fresh and not args.data_dir:
        print("office-skill: --fresh empties a data directory; give it with --data-dir", file=sys.stderr)
        return 2
    if args.data_dir and external:
        print(
            f"office-skill: --data-dir keeps the embedded server's data, but AWS_ENDPOINT_URL points at {external}",
            file=sys.stderr,
        )
        return 2
    os.environ["SKILL_ID"] = os.environ.get("SKILL_ID") or LOCAL_SKILL_ID  # set but empty: the local id too
    os.environ.setdefault("AWS_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "local")
    from skill.local.datadir import DataDirError
    from skill.local.logs import route_logs

    try:
        destination, where = _log_destination(args)
    except DataDirError as error:
        print(f"office-skill: {error}", file=sys.stderr)
        return 1
    route_logs(destination)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    running = _Running()
    try:
        if not external:
            from skill.local.awsserver import EmbeddedAws

            data_dir = Path(args.data_dir) if args.data_dir else None
            running.embedded = EmbeddedAws(port=args.db_port, data_dir=data_dir, fresh=args.fresh)
            try:
                with _threads_without_signals():
                    running.embedded.start()
            except DataDirError as error:
                print(f"office-skill: {error}", file=sys.stderr)
                return 1
            # One embedded server answers DynamoDB, SES v2, SNS and SSM: point every client at it.
            os.environ["AWS_ENDPOINT_URL"] = running.embedded.endpoint
        code = _run(args, running, where)
    except _Stop:
        code = 0
    except Exception:
        import traceback

        traceback.print_exc()  # as the interpreter would, but the stop below still bounds the exit
        code = 1
    finally:
        _ignore_signals()
        running.stop(time.monotonic() + STOP_SECONDS)
    _end(code)


def _run(args: argparse.Namespace, running: _Running, where: str) -> int:
    from skill import app
    from skill.adapters import aws
    from skill.adapters.dynamodb.schema import ensure_table
    from skill.local.jobs import JobLoop
    from skill.local.server import make_server, serve_in_thread

    db_endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ["AWS_ENDPOINT_URL"]
    settings = app.services().settings
    client = aws.client("dynamodb", "jobs", region=settings.region)
    ensure_table(client, settings.table)
    background = app.services("jobs")
    demo = None
    if args.demo:
        demo = _apply_demo(background, empty=not client.scan(TableName=settings.table, Limit=1).get("Items"))
    try:
        server = make_server(args.host, args.port)
    except OSError as error:
        print(f"office-skill: cannot serve on {args.host}:{args.port} ({error.strerror}); try --port", file=sys.stderr)
        return 1
    with _threads_without_signals():
        serve_in_thread(server)
        running.server = server  # only once it serves: stopping a server that never served would wait forever
    host, port = str(server.server_address[0]), int(server.server_address[1])
    print(f"skill endpoint: http://{host}:{port}/", flush=True)
    print(f"dynamodb endpoint: {db_endpoint}", flush=True)
    print(f"skill id: {settings.skill_id}  table: {settings.table}", flush=True)
    embedded = running.embedded
    if embedded is not None and embedded.data_dir is not None:
        print(f"data: {embedded.data_dir.resolve()}{_restored(embedded.restored)}", flush=True)
    print(f"logs: {where}", flush=True)
    jobs = JobLoop(background, every=args.refresh_every)
    with _threads_without_signals():
        jobs.start()
        running.jobs = jobs
    if not args.console:
        while True:  # until SIGINT or SIGTERM raises _Stop here
            time.sleep(1.0)
    from skill.local.chat import run_chat

    device, hint = args.device, None
    if device is None and demo is not None:
        jobs.first_round.wait()  # the demo's calendars first: the console starts in a room that is free now
        device, hint = _free_demo_room(background, demo)
    return run_chat(
        endpoint=f"http://{host}:{port}/",
        device_id=device or DEMO_DEVICE,
        user_id=None,
        person_id=None,
        locale="en-US",
        hint=hint,
    )


def _restored(restored: Any) -> str:
    if restored is None or not (restored.snapshot or restored.replayed):
        return " (new)"
    torn = f"; an unacknowledged last write was dropped ({restored.torn})" if restored.torn else ""
    return f" (restored: {restored.replayed} requests replayed{torn})"


def _apply_demo(services: Services, *, empty: bool) -> Fleet:
    """The demo fleet, applied when the table holds nothing yet (a data directory keeps what it was given)."""
    import yaml

    from skill.domain.fleet import parse_fleet

    fleet = parse_fleet(yaml.safe_load(DEMO_FLEET.read_text(encoding="utf-8")), egress=services.egress)
    if not empty:
        print("demo office: not applied again, the table already holds an office", flush=True)
        return fleet
    services.fleet.apply(services.fleet.plan(fleet, prune=False))
    print(f"demo office applied: {len(fleet.rooms)} rooms, {len(fleet.devices)} devices", flush=True)
    return fleet


def _free_demo_room(services: Services, demo: Fleet) -> tuple[str | None, str | None]:
    """The first demo room device whose room is free for a first booking now, and a hint naming it."""
    rooms = {room.id: room for room in demo.rooms if room.bookable}
    devices = [d for d in demo.devices if d.kind == "shared" and d.room in rooms]
    if not devices:
        return None, None
    now = datetime.now(UTC)
    # A booking from now covers the current quarter hour and ends on a quarter hour.
    quarter = timedelta(minutes=15)
    room_ids = [d.room for d in devices if d.room]
    busy = services.rooms.busy_by_room(room_ids, now - quarter, now + FIRST_TRY + quarter, demo.site.timezone)
    for device in devices:
        if device.room and not busy.get(device.room):
            room = rooms[device.room].name
            taken = [rooms[d.room].name for d in devices[: devices.index(device)] if d.room]
            note = f" ({', '.join(taken)} {'is' if len(taken) == 1 else 'are'} busy now)" if taken else ""
            return device.id, f"This console is the Echo in {room}, which is free now{note}."
    return None, "Every demo room is busy for the next half hour: try 'find a free room'."


def _chat(args: argparse.Namespace) -> int:
    from skill.local.chat import run_chat

    return run_chat(
        endpoint=args.endpoint,
        device_id=args.device,
        user_id=args.user,
        person_id=args.person,
        locale=args.locale,
        say=args.say,
    )


def _models(args: argparse.Namespace) -> int:
    from skill.local.grammar import update_models

    return update_models(args.locales, check=args.check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="office-skill", description="The office assistant skill, run locally.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the skill endpoint with an embedded DynamoDB-compatible server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=9000)
    serve.add_argument("--db-port", type=int, default=8000)
    serve.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="keep the embedded server's data in DIR across restarts (default: in memory only)",
    )
    serve.add_argument("--fresh", action="store_true", help="with --data-dir: start with an empty store")
    serve.add_argument("--demo", action="store_true", help="apply the bundled demo office fleet to an empty store")
    serve.add_argument(
        "--refresh-every", type=float, default=60.0, metavar="SECONDS", help="how often background jobs run"
    )
    serve.add_argument("--console", action="store_true", help="open the chat console on this server")
    serve.add_argument(
        "--device",
        default=None,
        metavar="DEVICE_ID",
        help="the console's device (default: a demo room device whose room is free now)",
    )
    serve.add_argument(
        "--verbose", action="store_true", help="logs and metrics to stderr (default with --data-dir: a log file there)"
    )
    serve.set_defaults(func=_serve)
    chat = sub.add_parser("chat", help="type what you would say; the skill's speech is printed")
    chat.add_argument("--endpoint", default=os.environ.get("OFFICE_SKILL_ENDPOINT", DEFAULT_ENDPOINT))
    chat.add_argument("--device", default=DEMO_DEVICE, metavar="DEVICE_ID")
    chat.add_argument("--user", default="amzn1.ask.account.DEMO", metavar="ALEXA_USER_ID")
    chat.add_argument("--person", default=None, metavar="PERSON_ID")
    chat.add_argument("--locale", default="en-US")
    chat.add_argument("--say", default=None, metavar="UTTERANCE", help="answer this once and exit")
    chat.set_defaults(func=_chat)
    models = sub.add_parser("models", help="write the interaction models' samples from interaction_models/grammar/")
    models.add_argument("locales", nargs="*", metavar="LOCALE", help="default: every locale with a grammar")
    models.add_argument("--check", action="store_true", help="only tell whether the models are up to date (exit 1)")
    models.set_defaults(func=_models)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "refresh_every", 1.0) <= 0:
        print("office-skill: --refresh-every must be positive", file=sys.stderr)
        return 2
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

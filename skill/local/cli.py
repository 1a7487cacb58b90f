"""`office-skill`: run the whole skill on this machine, or talk to it from a console."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

DEMO_FLEET = Path(__file__).resolve().parents[1] / "data" / "demo-fleet.yaml"
DEFAULT_ENDPOINT = "http://127.0.0.1:9000/"


def _serve(args: argparse.Namespace) -> int:
    from skill.config import LOCAL_SKILL_ID

    os.environ.setdefault("SKILL_ID", LOCAL_SKILL_ID)
    os.environ.setdefault("AWS_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "local")
    embedded = None
    if not (os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")):
        from skill.local.awsserver import EmbeddedAws

        embedded = EmbeddedAws(port=args.db_port).start()
        # One embedded server answers DynamoDB, SES v2, SNS and SSM: point every client at it.
        os.environ["AWS_ENDPOINT_URL"] = embedded.endpoint
    db_endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ["AWS_ENDPOINT_URL"]

    from skill import app
    from skill.adapters.dynamodb.schema import ensure_table
    from skill.local.jobs import JobLoop
    from skill.local.server import make_server, serve_in_thread

    container = app.container()
    ensure_table(container.table.client, container.settings.table)
    if args.demo:
        _apply_demo(container)
    server = make_server(args.host, args.port)
    serve_in_thread(server)
    jobs = JobLoop(container, every=args.refresh_every)
    jobs.start()
    host, port = str(server.server_address[0]), int(server.server_address[1])
    print(f"skill endpoint: http://{host}:{port}/", flush=True)
    print(f"dynamodb endpoint: {db_endpoint}", flush=True)
    print(f"skill id: {container.settings.skill_id}  table: {container.settings.table}", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if args.console:
        from skill.local.chat import run_chat
        from skill.observability import logger

        logger.setLevel("ERROR")  # the console shares the terminal with the log

        run_chat(endpoint=f"http://{host}:{port}/", device_id=args.device, user_id=None, person_id=None, locale="en-US")
    else:
        stop.wait()
    jobs.stop()
    server.shutdown()
    if embedded is not None:
        embedded.stop()
    return 0


def _apply_demo(container: object) -> None:
    import yaml

    from skill.domain.fleet import parse_fleet
    from skill.services.fleet import apply_plan, plan

    fleet = parse_fleet(yaml.safe_load(DEMO_FLEET.read_text(encoding="utf-8")))
    store = container.fleet  # type: ignore[attr-defined]
    apply_plan(plan(fleet, store, prune=False), store)
    print(f"demo office applied: {len(fleet.rooms)} rooms, {len(fleet.devices)} devices", flush=True)


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
    serve.add_argument("--demo", action="store_true", help="apply the bundled demo office fleet")
    serve.add_argument(
        "--refresh-every", type=float, default=60.0, metavar="SECONDS", help="how often background jobs run"
    )
    serve.add_argument("--console", action="store_true", help="open the chat console on this server")
    serve.add_argument("--device", default="amzn1.ask.device.DEMO-FUJI", help="the console's device (with --console)")
    serve.set_defaults(func=_serve)
    chat = sub.add_parser("chat", help="type what you would say; the skill's speech is printed")
    chat.add_argument("--endpoint", default=os.environ.get("OFFICE_SKILL_ENDPOINT", DEFAULT_ENDPOINT))
    chat.add_argument("--device", default="amzn1.ask.device.DEMO-FUJI", metavar="DEVICE_ID")
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

"""`office-skill serve` as people run it, a real process on free ports: a data directory keeps the office
across SIGTERM and SIGKILL, `make run` keeps a booking from one run to the next, and the console's
screen holds the conversation only."""

from __future__ import annotations

import http.client
import itertools
import json
import re
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from local_serve import SKILL_ID, Serve, script
from support import HangingFeed

from skill.local.awsserver import free_port
from skill.local.envelopes import intent_request, launch_request

ROOT = Path(__file__).resolve().parents[2]
NEW_DEVICE = "amzn1.ask.device.MY-NEW-ECHO"
EVEREST_DEVICE = "amzn1.ask.device.EVEREST"
ASO_DEVICE = "amzn1.ask.device.DEMO-ASO"  # the demo office's Aso (skill/data/demo-fleet.yaml): no calendar
FLEET = {
    "site": {"name": "Durable HQ", "timezone": "Asia/Tokyo", "country": "JP"},
    "rooms": [
        {"id": "kita", "name": "Kita", "floor": 3, "capacity": 6},
        {"id": "everest", "name": "Everest", "floor": 3, "capacity": 4},
    ],
    "devices": [{"id": EVEREST_DEVICE, "kind": "shared", "room": "everest"}],
}


def launch(device: str) -> dict[str, Any]:
    return launch_request(application_id=SKILL_ID, device_id=device, user_id="amzn1.ask.account.TEST")


def book_at(device: str, start: datetime) -> dict[str, Any]:
    return intent_request(
        "BookRoomIntent",
        {"date": start.date().isoformat(), "startTime": start.strftime("%H:%M"), "duration": "PT15M"},
        confirmation="CONFIRMED",
        application_id=SKILL_ID,
        device_id=device,
        user_id="amzn1.ask.account.TEST",
    )


def book_now(device: str) -> dict[str, Any]:
    return intent_request(
        "BookRoomIntent",
        {"duration": "PT30M"},
        application_id=SKILL_ID,
        device_id=device,
        user_id="amzn1.ask.account.TEST",
    )


def speech(response: dict[str, Any]) -> str:
    return re.sub(r"<[^>]+>", "", response["response"]["outputSpeech"].get("ssml", ""))


def booked_rooms(serve: Serve) -> list[str]:
    return sorted(row["room"] for row in serve.admin_json("bookings", "list") if row["status"] != "cancelled")


def test_the_office_survives_sigterm_and_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump(FLEET))

    # Given serve on a data directory: a fleet applied, a new device claimed by its spoken code, a booking
    first = Serve.start("--data-dir", str(data))
    assert first.admin("apply", str(fleet)).returncode == 0
    code = "".join(re.findall(r"\d", speech(first.post(launch(NEW_DEVICE)))))
    claimed = first.admin("devices", "claim", code, "--room", "kita")
    assert claimed.returncode == 0, claimed.stderr
    assert "Kita is booked" in speech(first.post(book_now(NEW_DEVICE)))

    # When it is stopped with SIGTERM and started again
    assert first.terminate() == 0
    second = Serve.start("--data-dir", str(data))

    # Then the fleet, the claim and the booking are all there
    assert second.wait_for("data:").endswith("requests replayed)")
    assert "Kita" in speech(second.post(launch(NEW_DEVICE)))
    assert {row["id"] for row in second.admin_json("devices", "list")} == {NEW_DEVICE, EVEREST_DEVICE}
    assert booked_rooms(second) == ["kita"]

    # When another room is booked, and the server is killed a second later
    assert "Everest is booked" in speech(second.post(book_now(EVEREST_DEVICE)))
    time.sleep(1)
    second.kill()

    # Then that booking is there after the next start
    third = Serve.start("--data-dir", str(data))
    assert booked_rooms(third) == ["everest", "kita"]
    assert third.terminate() == 0


STOPPED_WITHIN = 15.0  # a polite stop takes 5 s at most; one stuck feed fetch alone may take 30
DAYS = 5  # the burst books up to forty quarter hours a day in each room for this many days


def test_sigterm_while_feeds_never_answer_stops_within_seconds_and_keeps_the_booking(tmp_path: Path) -> None:
    data, fleet = tmp_path / "data", tmp_path / "fleet.yaml"
    # Given serve on a data directory, refreshing calendars every second: Kita's feed never answers, and
    # Everest's sends a byte a second and never ends
    silent, trickling = HangingFeed(), HangingFeed(trickle=True)
    kita, everest = FLEET["rooms"]
    rooms = [{**kita, "calendar": silent.url("/kita.ics")}, {**everest, "calendar": trickling.url("/everest.ics")}]
    fleet.write_text(yaml.safe_dump({**FLEET, "rooms": rooms}))
    first = Serve.start("--data-dir", str(data), "--refresh-every", "1")
    try:
        assert first.admin("apply", str(fleet)).returncode == 0
        assert silent.asked.wait(30) and trickling.asked.wait(30)
        # And a booking acknowledged while both fetches hang
        assert "Everest is booked" in speech(first.post(book_now(EVEREST_DEVICE)))

        # When it gets SIGTERM / Then it exits, and soon
        assert first.terminate(within=STOPPED_WITHIN) == 0
    finally:
        silent.hang_up()
        trickling.hang_up()

    # And the next start has the booking
    second = Serve.start("--data-dir", str(data))
    assert booked_rooms(second) == ["everest"]
    assert second.terminate() == 0


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_a_signal_during_a_burst_of_bookings_and_a_stuck_refresh_stops_soon_and_keeps_every_one_acknowledged(
    tmp_path: Path, how: signal.Signals
) -> None:
    data, fleet = tmp_path / "data", tmp_path / "fleet.yaml"
    rooms = ["kita", "everest", "fuji", "aso"]

    def device(room: str) -> str:
        return f"amzn1.ask.device.{room.upper()}"

    # Given serve on a data directory, refreshing calendars every second, stuck on a feed that sends a byte a
    # second and never ends (a room of its own, with no device)
    feed = HangingFeed(trickle=True)
    booked = [{"id": room, "name": room.title(), "floor": 3, "capacity": 4} for room in rooms]
    fleet.write_text(
        yaml.safe_dump(
            {
                **FLEET,
                "rooms": [*booked, {"id": "hotaka", "name": "Hotaka", "calendar": feed.url("/hotaka.ics")}],
                "devices": [{"id": device(room), "kind": "shared", "room": room} for room in rooms],
                "limits": {"bookings_per_user_per_day": 100_000},
            }
        )
    )
    serve = Serve.start("--data-dir", str(data), "--refresh-every", "1")
    tomorrow = datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=1)
    acknowledged: list[tuple[str, datetime]] = []
    ended: list[str] = []
    running = threading.Barrier(len(rooms) + 1)

    # And a client per room on its own kept-alive connection, booking quarter hour after quarter hour from
    # tomorrow on (then asking again for those taken), for as long as it is answered
    def client(room: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=30)
        give_up = time.monotonic() + 2 * STOPPED_WITHIN
        try:
            for k in itertools.count():
                if time.monotonic() > give_up:
                    ended.append("still answered")
                    return
                day, quarter = divmod(k % (40 * DAYS), 40)
                start = datetime.combine(tomorrow + timedelta(days=day), dt_time(9), ZoneInfo("Asia/Tokyo"))
                start += timedelta(minutes=15 * quarter)
                conn.request("POST", "/", body=json.dumps(book_at(device(room), start)).encode())
                answer = conn.getresponse()
                said = json.loads(answer.read())
                if answer.status != 200:
                    ended.append(f"{answer.status} {said.get('error')}")
                    return
                if "is booked" in speech(said):
                    acknowledged.append((room, start))
                if k == 4:
                    running.wait()
        except (OSError, http.client.HTTPException):
            ended.append("connection closed")
        finally:
            conn.close()

    clients = [threading.Thread(target=client, args=(room,)) for room in rooms]
    try:
        assert serve.admin("apply", str(fleet)).returncode == 0
        assert feed.asked.wait(30)
        for thread in clients:
            thread.start()
        running.wait(60)

        # When it gets the signal while they book / Then it exits, and soon, having told every client it stops
        assert serve.terminate(within=STOPPED_WITHIN, how=how) == 0
        for thread in clients:
            thread.join(2 * STOPPED_WITHIN)
    finally:
        feed.hang_up()
    assert len(ended) == len(rooms) and set(ended) <= {"503 the skill is stopping", "connection closed"}
    # And its log says it left the refresh still waiting for the feed
    logged = [json.loads(line) for line in (data / "office-skill.log").read_text().splitlines() if line.startswith("{")]
    assert [line["jobs"] for line in logged if line["message"].startswith("jobs still running")] == [
        ["calendar refresh"]
    ]

    # And the next start has every booking whose answer said so
    again = Serve.start("--data-dir", str(data))
    stored = {
        (row["room"], datetime.fromisoformat(row["start"]))
        for row in again.admin_json(
            "bookings", "list", "--from", tomorrow.isoformat(), "--to", (tomorrow + timedelta(days=DAYS)).isoformat()
        )
        if row["status"] != "cancelled"
    }
    assert len(acknowledged) >= 5 * len(rooms)
    assert set(acknowledged) <= stored
    assert again.terminate() == 0


def test_the_threads_serve_starts_leave_sigterm_and_sigint_to_the_main_thread() -> None:
    from skill.local.cli import _threads_without_signals

    # Given a thread started the way serve starts its servers and loops, which starts a thread of its own
    masks: dict[str, set[signal.Signals]] = {}

    def started(name: str, then: str | None = None) -> None:
        masks[name] = signal.pthread_sigmask(signal.SIG_BLOCK, set())
        if then is not None:
            child = threading.Thread(target=started, args=(then,))
            child.start()
            child.join()

    with _threads_without_signals():
        parent = threading.Thread(target=started, args=("server", "worker"))
        parent.start()
    parent.join()

    # Then neither can take SIGINT or SIGTERM, so the kernel gives them to the main thread, which still can
    assert {signal.SIGINT, signal.SIGTERM} <= masks["server"] and {signal.SIGINT, signal.SIGTERM} <= masks["worker"]
    assert not {signal.SIGINT, signal.SIGTERM} & signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_a_data_directory_it_cannot_trust_stops_the_start_with_the_reason(tmp_path: Path) -> None:
    # Given a data directory written by another format version
    (tmp_path / "FORMAT").write_text(json.dumps({"format": "office-skill data directory", "version": 7}))

    # When serve starts on it
    done = subprocess.run(
        [
            *script("office-skill"),
            "serve",
            "--port",
            str(free_port()),
            "--db-port",
            str(free_port()),
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # Then it exits 1 and says why, on stderr
    assert done.returncode == 1
    assert "data format 7" in done.stderr and "--fresh" in done.stderr


def test_the_console_shows_the_conversation_and_the_log_goes_to_the_data_directory(tmp_path: Path) -> None:
    # Given the demo office served with its console on a data directory
    run = Serve.start("--demo", "--console", "--data-dir", str(tmp_path), ready="Try:")
    assert run.process.stdin is not None

    # When the newcomer types help, asks about the room, books it, books it again, says no, and leaves
    run.process.stdin.write(
        "help\nis this room free\nbook this room for thirty minutes\nbook this room for thirty minutes\nno\n"
    )
    run.process.stdin.close()
    screen = run.rest()

    # Then the screen holds the conversation and where the log is, and not one JSON line
    assert not [line for line in screen if line.lstrip().startswith("{")]
    answers = [line.split("alexa> ", 1)[1] for line in screen if "alexa> " in line]
    assert len(answers) == 5 and answers[0].startswith("You can say")
    # And the room the console speaks for was free, so the first booking was made
    room = re.search(r"the Echo in (\w+), which is free now", "\n".join(screen))
    assert room is not None
    assert answers[1].startswith(f"{room[1]} is free")
    assert answers[2].startswith(f"Done. {room[1]} is booked")
    # And the second, the room being busy now, offers something else, which "no" declines
    assert answers[3].startswith(f"{room[1]} is busy now") and answers[3].endswith("?")
    assert answers[4] == "OK, I haven't booked anything."
    assert f"logs: {tmp_path.resolve() / 'office-skill.log'}" in screen
    # And the log holds the skill's JSON lines, the metric of the second (conflicting) booking among them
    logged = [
        json.loads(line) for line in (tmp_path / "office-skill.log").read_text().splitlines() if line.startswith("{")
    ]
    assert any(entry.get("message") == "room booked" for entry in logged)
    assert any("BookingConflict" in entry for entry in logged)


def test_in_a_busy_room_the_consoles_first_booking_offers_what_it_can_and_yes_books_it(tmp_path: Path) -> None:
    # Given the demo office kept in a data directory, with Aso booked from now for half an hour
    first = Serve.start("--demo", "--data-dir", str(tmp_path))
    assert "Aso is booked" in speech(first.post(book_now(ASO_DEVICE)))
    first.kill()  # what was acknowledged is kept

    # When the console in Aso starts and the newcomer asks to book the room for thirty minutes, then says yes
    run = Serve.start("--demo", "--console", "--device", ASO_DEVICE, "--data-dir", str(tmp_path), ready="Try:")
    assert run.process.stdin is not None
    run.process.stdin.write("book this room for thirty minutes\nyes\n")
    run.process.stdin.close()
    answers = [line.split("alexa> ", 1)[1] for line in run.rest() if "alexa> " in line]

    # Then the first answer offers what can be booked (Aso later, or another room now), and yes books it
    assert re.fullmatch(
        r"Aso is busy now(\. Shall I book it from .+, or find another room|, but \w+ is free.*)\?", answers[0]
    )
    assert re.fullmatch(r"Done\. \w+ is booked at .+, until .+\.", answers[1]), answers


def test_make_run_twice_keeps_the_booking_made_in_the_first(tmp_path: Path) -> None:
    def make_run(port: int, db_port: int) -> Serve:
        ports = f"RUN_ARGS=--port {port} --db-port {db_port}"
        command = ["make", "-s", "--no-print-directory", "run", f"OFFICE_DATA={tmp_path}", ports]
        return Serve.start(command=command, ports=(port, db_port), ready="Try:")

    # Given `make run`, where the newcomer books the room the console speaks for, then leaves
    first = make_run(free_port(), free_port())
    assert first.process.stdin is not None
    first.process.stdin.write("book this room for thirty minutes\n")
    first.process.stdin.close()
    said = [line for line in first.rest() if "alexa> " in line]
    room = re.search(r"Done\. (\w+) is booked", said[0])
    assert room is not None, said

    # When `make run` starts again
    second = make_run(free_port(), free_port())

    # Then the demo is not applied over the office, and the booking is still there
    assert "demo office: not applied again, the table already holds an office" in second.lines
    assert room[1].lower() in booked_rooms(second)
    # And the console now speaks for another room, free now, and says the booked one is busy
    hint = second.wait_for("This console is the Echo in")
    assert not hint.startswith(f"This console is the Echo in {room[1]},") and room[1] in hint and "busy now" in hint
    assert second.process.stdin is not None
    second.process.stdin.close()
    second.rest()


@pytest.mark.parametrize("flags", [["--fresh"], ["--fresh", "--demo"]])
def test_fresh_needs_a_data_directory(flags: list[str]) -> None:
    done = subprocess.run(
        [*script("office-skill"), "serve", *flags], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "--data-dir" in done.stderr

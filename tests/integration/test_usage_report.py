"""The facilities report against moto's server: a scripted day at the test office (Asia/Tokyo, no open hours
stated, so weekdays 08:00-18:00) written through the stores' real code paths, its stream records folded by the
usage function's entry point, then `office-admin report` compared with numbers worked out by hand."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import boto3
import pytest
from admin_cli import CliResult
from durable_aws import DurableAws
from streams import stream_records
from support import ARTEFACTS, headless, http_server, lambda_context, problem_item, serving

from skill import app
from skill.adapters.dynamodb.table import Table
from skill.bootstrap import Container, Services
from skill.domain.calls import CallRecord, CallStatus
from skill.domain.model import Booking, BusyInterval
from skill.domain.reception import Visit

TZ = "Asia/Tokyo"
DAY = date(2026, 12, 1)  # a Tuesday


def local(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A time on the test office's clock (Tokyo is UTC+9)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


def scripted_day(container: Container) -> None:
    """Bookings (one cancelled, one ended early, one released as a no-show, checked-in ones, one extended),
    calendar busy time overlapping a booking, visits, calls (one refused, one the next local day) and problems."""
    bookings, services = container.bookings, Services(container)
    # Fuji: 09:00-10:00 checked in; 11:00-12:00 cancelled; 13:00-15:00 checked in and ended at 14:00
    b1 = Booking("b1", "fuji", local(9), local(10), organizer="alice", created_at=local(8))
    bookings.add_booking(b1, TZ)
    bookings.check_in(b1, local(9, 5), TZ)
    b2 = Booking("b2", "fuji", local(11), local(12), organizer="alice", created_at=local(8))
    bookings.add_booking(b2, TZ)
    bookings.cancel_booking(b2, TZ)
    b3 = Booking("b3", "fuji", local(13), local(15), organizer="bob", created_at=local(8))
    bookings.add_booking(b3, TZ)
    bookings.end_booking(bookings.check_in(b3, local(13), TZ), local(14), TZ)
    # Fuji's calendar: 09:30-11:00 (over b1) and 17:00-19:00 (past closing)
    feed = [
        BusyInterval(local(9, 30), local(11), "feed", "sync"),
        BusyInterval(local(17), local(19), "feed", "late"),
    ]
    bookings.replace_feed_busy("fuji", DAY, feed, local(8), "digest-1")
    # Everest: 07:00-08:30 checked in and extended to 09:00; 10:00-11:00 nobody came, released at 10:10
    e2 = Booking("e2", "everest", local(7), local(8, 30), organizer="bob", created_at=local(6))
    bookings.add_booking(e2, TZ)
    bookings.extend_booking(e2, local(9), TZ, checked_in_at=local(7, 5))
    bookings.add_booking(Booking("e1", "everest", local(10), local(11), organizer="bob", created_at=local(6)), TZ)
    assert services.rooms.release_no_shows(local(10, 10)) == 1
    # Two visitors, the second just before midnight
    expires = int(local(0, day=DAY + timedelta(days=30)).timestamp())
    container.visits.add_visit(Visit("v1", "Ken Sato", "Acme", "alice", local(10)), TZ, expires)
    container.visits.add_visit(Visit("v2", "Mia Wong", None, "bob", local(23, 30)), TZ, expires)
    # Calls: two placed, one refused, one placed after midnight (the next local day)
    for call_id, at, status in (
        ("c1", local(9, 10), CallStatus.PLACING),
        ("c2", local(15), CallStatus.ENDED),
        ("c3", local(16), CallStatus.REFUSED),
        ("c4", local(1, day=DAY + timedelta(days=1)), CallStatus.PLACING),
    ):
        container.calls.start(CallRecord(call_id, "amzn1.ask.device.TESTROOM", "+81312345678", status, "local", at))
    # Problems: two reported today (one since resolved), one still open from last week, one resolved last week
    table = Table(container.table.client, container.table.name)
    table.put(problem_item("p1", "fuji", "the projector is broken", "2026-12-01T01:15:00Z"))
    table.put(problem_item("p2", "everest", "no markers", "2026-12-01T02:00:00Z"))
    table.put(problem_item("p2", "everest", "no markers", "2026-12-01T02:00:00Z", status="resolved"))
    table.put(problem_item("p0", "everest", "a chair is broken", "2026-11-24T00:00:00Z"))
    table.put(problem_item("p9", "fuji", "the blind sticks", "2026-11-24T00:00:00Z", status="resolved"))


EXPECTED = {
    "from": "2026-12-01",
    "to": "2026-12-02",
    "rooms": [
        # e2 (07:00-09:00: 2 h) and e1 (1 h, released: no busy time); busy in open hours 08:00-09:00
        {"room": "everest", "site": "main", "bookings": 2, "booked_hours": 3.0, "calendar_busy_hours": 0.0,
         "open_hours": 10.0, "utilisation": 0.1, "no_shows_released": 1, "ended_early": 0, "checked_in": 1},
        # b1 (1 h) and b3 (ended at 14:00: 1 h); busy in open hours 09:00-11:00, 13:00-14:00 and 17:00-18:00
        {"room": "fuji", "site": "main", "bookings": 2, "booked_hours": 2.0, "calendar_busy_hours": 3.5,
         "open_hours": 10.0, "utilisation": 0.4, "no_shows_released": 0, "ended_early": 1, "checked_in": 2},
    ],
    "days": [{"date": "2026-12-01", "visits": 2, "calls_placed": 2, "bookings": 4, "problems": 2}],
    "problems": [
        {"id": "p0", "room": "everest", "problem": "a chair is broken", "status": "open"},
        {"id": "p1", "room": "fuji", "problem": "the projector is broken", "status": "open"},
        {"id": "p2", "room": "everest", "problem": "no markers", "status": "resolved"},
    ],
}  # fmt: skip


def fold(services: Services, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The usage function's entry point, given the records as its event source delivers them (its metrics line
    kept off stdout)."""
    with serving(services), contextlib.redirect_stdout(io.StringIO()):
        return app.usage({"Records": records}, lambda_context())


@pytest.fixture
def stream(aws_endpoint: str, table: str) -> Callable[[], list[dict[str, Any]]]:
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    return lambda: stream_records(client, table)


@dataclass(frozen=True)
class Day:
    """The scripted day in a table of its own, folded by the usage function: what the read-only tests share."""

    services: Services
    table: str


@pytest.fixture(scope="module")
def day(aws_endpoint: str, office_fleet: Any) -> Day:
    import uuid

    from skill.adapters.dynamodb.schema import ensure_table
    from skill.bootstrap import build
    from skill.config import LOCAL_SKILL_ID, Settings

    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    name = "usage-report-" + uuid.uuid4().hex[:8]
    ensure_table(client, name)
    built = build(Settings(skill_id=LOCAL_SKILL_ID, table=name, cache_ttl_seconds=0), dynamodb_client=client)
    services = Services(built)
    services.fleet.apply(services.fleet.plan(office_fleet, prune=False))
    scripted_day(built)
    assert fold(services, stream_records(client, name)) == {"batchItemFailures": []}
    return Day(services, name)


def report(office_admin: Callable[..., CliResult], table: str, *argv: str) -> CliResult:
    return office_admin(table, "report", "--from", "2026-12-01", "--to", "2026-12-02", *argv)


def test_the_report_of_a_scripted_day_matches_the_numbers_worked_out_by_hand(day: Day, office_admin) -> None:
    # Given a day at the office, its stream records folded by the usage function (`day`)
    # When the facilities manager asks for that day's report
    result = report(office_admin, day.table, "--json")
    # Then every number is the one worked out by hand
    assert result.code == 0, result.err
    assert json.loads(result.out) == EXPECTED


def test_folding_the_same_records_again_changes_no_number(
    container: Container, services: Services, stream: Callable[[], list[dict[str, Any]]], table: str, office_admin
) -> None:
    # Given the scripted day folded once
    scripted_day(container)
    records = stream()
    fold(services, records)
    # When the event source delivers the whole stream again (a retried batch), and its second half once more
    fold(services, records)
    fold(services, records[len(records) // 2 :])
    # Then the report is unchanged
    assert json.loads(report(office_admin, table, "--json").out) == EXPECTED


def test_the_outbox_loop_folds_the_stream_as_the_usage_function_does(
    container: Container, services: Services, table: str, office_admin
) -> None:
    # Given the scripted day, with nothing folded yet
    scripted_day(container)
    # When the local loop folds what the stream holds, twice (the second read finds nothing new)
    assert services.usage.fold_pending() > 0
    assert services.usage.fold_pending() == 0
    # Then the report is the same as in AWS
    assert json.loads(report(office_admin, table, "--json").out) == EXPECTED


def test_csv_and_table_carry_the_same_numbers(day: Day, office_admin) -> None:
    # The CSV has a row per room with the JSON's columns
    lines = report(office_admin, day.table, "--csv").out.splitlines()
    assert lines[0].startswith("room,site,bookings,booked_hours,calendar_busy_hours,open_hours,utilisation")
    assert lines[1:] == ["everest,main,2,3.0,0.0,10.0,0.1,1,0,1", "fuji,main,2,2.0,3.5,10.0,0.4,0,1,2"]
    # The default output is a readable table
    out = report(office_admin, day.table).out
    assert "UTILISATION" in out and "the projector is broken" in out
    assert any(line.split()[:3] == ["fuji", "main", "2"] for line in out.splitlines())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--from", "2026-13-01"), "--from: not a date"),
        (("--from", "2026-12-08", "--to", "2026-12-01"), "--to: 2026-12-01 must be after --from"),
        (("--from", "2025-01-01", "--to", "2026-12-01"), "at most 366 days"),
        (("--site", "osaka"), "--site: unknown site 'osaka'"),
        (("--csv", "--json"), "choose one"),
        (("--html", "/nonexistent-dir/report.html"), "--html: /nonexistent-dir/report.html: no such directory"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(day: Day, office_admin, argv: tuple[str, ...], message: str) -> None:
    result = office_admin(day.table, "report", *argv)
    assert result.code == 2
    assert message in result.err
    assert result.out == ""


@contextlib.contextmanager
def page_server(page: Path, requested: list[str]) -> Iterator[str]:
    """`page` served at http://127.0.0.1:PORT/report.html, every path asked of the server recorded."""

    def answer(request: BaseHTTPRequestHandler) -> None:
        requested.append(request.path)
        body = page.read_bytes() if request.path == "/report.html" else b""
        request.send_response(200 if body else 404)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    with http_server(answer) as base:
        yield f"{base}/report.html"


def cells(dom: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is `first`, as the browser rendered them."""
    for row in re.findall(r"<tr>(.*?)</tr>", dom, re.S):
        found = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if found and found[0] == first:
            return found
    return []


def test_the_html_page_renders_in_chromium_with_its_charts_and_numbers_and_asks_nothing_of_the_internet(
    day: Day, office_admin, tmp_path: Path
) -> None:
    # Given the scripted day's report written as a page
    page = tmp_path / "report.html"
    result = report(office_admin, day.table, "--html", str(page))
    assert result.code == 0, result.err
    assert result.out == f"wrote {page}\n"
    # When headless chromium opens it from a server on loopback, and takes a screenshot
    ARTEFACTS.mkdir(exist_ok=True)
    screenshot = ARTEFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    requested: list[str] = []
    with page_server(page, requested) as url:
        dom = headless(url, "--dump-dom", "--virtual-time-budget=3000")
        headless(url, f"--screenshot={screenshot}", "--window-size=1280,2600", "--hide-scrollbars")
    # Then its four charts are there, drawn as SVG with their titles and axes
    assert dom.count("<svg") == 4
    for title in (
        "Utilisation per room and day",
        "Bookings and no-shows released per day",
        "Visits per day",
        "Open problems per room",
    ):
        assert re.search(rf"<text[^>]*>{re.escape(title)}</text>", dom), title
    assert re.search(r"<text[^>]*>no-shows released</text>", dom)  # the legend
    assert re.search(r"<text[^>]*>12-01</text>", dom)  # a day on the axes
    # And the numbers worked out by hand
    assert cells(dom, "fuji") == ["fuji", "main", "2", "2.0", "3.5", "10.0", "0.4", "0", "1", "2"]
    assert cells(dom, "everest") == ["everest", "main", "2", "3.0", "0.0", "10.0", "0.1", "1", "0", "1"]
    assert cells(dom, "2026-12-01") == ["2026-12-01", "2", "2", "4", "2"]
    assert cells(dom, "p1") == ["p1", "fuji", "the projector is broken", "open"]
    # And nothing was asked of anyone but the page itself: no address outside the page, a policy forbidding any
    assert requested == ["/report.html", "/report.html"]
    assert [u for u in re.findall(r'(?:src|href)="([^"]*)"', dom) if not u.startswith(("#", "data:"))] == []
    assert "default-src 'none'" in dom
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000


def get(url: str) -> tuple[int, str, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_office_skill_serve_answers_get_report_with_the_same_page_on_loopback_only(day: Day, host: str) -> None:
    from skill.local.server import make_server, serve_in_thread

    # Given the scripted day folded, and the local endpoint bound to `host`
    server = make_server(host, 0)
    serve_in_thread(server)
    base = f"http://127.0.0.1:{server.server_address[1]}/report"
    try:
        with serving(day.services):
            page = get(f"{base}?from=2026-12-01&to=2026-12-02&site=main")
            bad = get(f"{base}?from=2026-12-08&to=2026-12-01")
            unknown = get(f"{base}?site=osaka")
    finally:
        server.shutdown()
        server.server_close()
    if host != "127.0.0.1":
        # Then beyond loopback there is no report
        assert [page[0], bad[0], unknown[0]] == [404, 404, 404]
        return
    # Then on loopback the page is the report's, and bad parameters get a 400 naming them
    status, content_type, body = page
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert body.count("<svg") == 4
    assert "<td>0.4</td>" in body and "the projector is broken" in body
    assert bad[0] == 400 and "must be after --from" in bad[2]
    assert unknown[0] == 400 and "unknown site 'osaka'" in unknown[2]


def office_on(endpoint: str, office_fleet: Any) -> Container:
    """The test office in a fresh table of the server at `endpoint`."""
    from skill.adapters.dynamodb.schema import ensure_table
    from skill.bootstrap import build
    from skill.config import LOCAL_SKILL_ID, Settings

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    ensure_table(client, "office")
    built = build(Settings(skill_id=LOCAL_SKILL_ID, table="office", cache_ttl_seconds=0), dynamodb_client=client)
    fleet = Services(built).fleet
    fleet.apply(fleet.plan(office_fleet, prune=False))
    return built


def report_at(endpoint: str) -> dict[str, Any]:
    from skill.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        argv = ["--endpoint-url", endpoint, "--table", "office", "--json", "report"]
        assert main([*argv, "--from", "2026-12-01", "--to", "2026-12-02"]) == 0
    return dict(json.loads(out.getvalue()))


def test_a_restored_data_directory_replays_its_items_and_nothing_is_counted_twice(
    tmp_path: Path, office_fleet: Any
) -> None:
    # Given `office-skill serve --data-dir` whose outbox loop folded the scripted day
    server = DurableAws.start(tmp_path / "office")
    try:
        container = office_on(server.endpoint, office_fleet)
        scripted_day(container)
        Services(container).usage.fold_pending()
        before = report_at(server.endpoint)
    finally:
        server.stop()
    # When it starts again: the restore writes every item back, so the new stream holds them all as inserts
    server = DurableAws.start(tmp_path / "office")
    try:
        client = boto3.client("dynamodb", endpoint_url=server.endpoint, region_name="us-east-1")
        from skill.bootstrap import build
        from skill.config import LOCAL_SKILL_ID, Settings

        again = Services(build(Settings(skill_id=LOCAL_SKILL_ID, table="office"), dynamodb_client=client))
        assert again.usage.fold_pending() > 0
        after = report_at(server.endpoint)
    finally:
        server.stop()
    # Then the report is the same, and the one worked out by hand
    assert before == after == EXPECTED

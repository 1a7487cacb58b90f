"""Where `office-skill serve` sends lines printed to stdout: JSON objects to the log, the rest to the terminal."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
import warnings
from collections.abc import Iterator

import pytest

from skill.local.logs import LineRouter, route_logs
from skill.observability import correlated, logger


def test_a_metric_line_printed_in_pieces_goes_to_the_log_and_speech_to_the_terminal() -> None:
    # Given stdout routed between a terminal and a log
    terminal, log = io.StringIO(), io.StringIO()
    out = LineRouter(terminal, log)

    # When an EMF line is printed as print() writes it (text, then the newline), then a console answer
    print('{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"BookingConflict":[1.0]}', file=out)
    print("alexa> Fuji is free for the rest of the day.", file=out)

    # Then the metric line is in the log only, and the answer on the terminal only
    assert log.getvalue() == '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"BookingConflict":[1.0]}\n'
    assert terminal.getvalue() == "alexa> Fuji is free for the rest of the day.\n"


def test_a_prompt_is_shown_when_flushed_without_waiting_for_its_line_to_end() -> None:
    # Given the routed stdout
    terminal, log = io.StringIO(), io.StringIO()
    out = LineRouter(terminal, log)

    # When the console writes its prompt and flushes, as input() does
    out.write("you> ")
    out.flush()

    # Then the prompt is on the terminal
    assert terminal.getvalue() == "you> " and log.getvalue() == ""


def test_lines_printed_by_threads_at_once_stay_whole() -> None:
    # Given the routed stdout and eight threads each printing 200 metric lines
    terminal, log = io.StringIO(), io.StringIO()
    out = LineRouter(terminal, log)

    def emit(n: int) -> None:
        for i in range(200):
            print(f'{{"thread": {n}, "line": {i}}}', file=out)

    threads = [threading.Thread(target=emit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then the log holds 1,600 whole lines and the terminal nothing
    lines = log.getvalue().splitlines()
    assert len(lines) == 1600 and all(line.startswith('{"thread": ') and line.endswith("}") for line in lines)
    assert terminal.getvalue() == ""


@pytest.fixture
def routed() -> Iterator[io.StringIO]:
    """Logs routed to a buffer as `office-skill serve` routes them; the process's logging put back after."""
    root = logging.getLogger()
    handlers, own_stream = list(root.handlers), getattr(logger.registered_handler, "stream", None)
    stdout = sys.stdout
    destination = io.StringIO()
    route_logs(destination)
    try:
        yield destination
    finally:
        sys.stdout = stdout
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        logging.captureWarnings(False)
        logging.getLogger(logger.name).propagate = True
        if own_stream is not None and isinstance(logger.registered_handler, logging.StreamHandler):
            logger.registered_handler.setStream(own_stream)


def test_what_libraries_and_warnings_log_is_json_with_the_request_s_correlation_id(routed: io.StringIO) -> None:
    # Given serve's logs routed to one destination
    # When, while a request is being answered, the skill, a library and a Python warning each log a line
    with correlated("amzn1.echo-api.request.1"):
        logger.info("booking stored")
        logging.getLogger("moto.dynamodb").warning("a library's warning")
        warnings.warn("a deprecation", DeprecationWarning, stacklevel=1)

    # Then each is one JSON line in the destination, carrying the request's id as its correlation id
    lines = [json.loads(line) for line in routed.getvalue().splitlines()]
    said = ["booking stored", "a library's warning", "DeprecationWarning: a deprecation"]
    assert len(lines) == len(said) and all(text in line["message"] for text, line in zip(said, lines, strict=True))
    assert {line["correlation_id"] for line in lines} == {"amzn1.echo-api.request.1"}

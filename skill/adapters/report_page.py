"""The facilities report as one self-contained HTML page: charts drawn by matplotlib as inline SVG, and the
numbers as tables. It loads nothing: no script, font, style sheet or image from anywhere, and its
Content-Security-Policy forbids every request (inline styles and the heat map's embedded raster aside).

matplotlib comes with the `admin` extra and is imported when a page is made, never by the skill.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skill.domain.usage import DAY_COLUMNS, PROBLEM_COLUMNS, ROOM_COLUMNS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from skill.domain.usage import Report

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Inches a heat-map row takes: the page grows with the rooms, each keeping a readable label.
ROW_INCHES = 0.2
WIDTH_INCHES = 11.0
_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
figure { margin: 1rem 0; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child, .text { text-align: left; }
"""


def _svg(figure: Figure, name: str, *, tight: bool = True) -> str:
    """The figure as inline SVG: text kept as text (searchable, no font files), no XML prolog or metadata.
    `tight` trims the margins, at the cost of laying the figure out twice."""
    import matplotlib.pyplot as plt

    out = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
        figure.savefig(out, format="svg", bbox_inches="tight" if tight else None, metadata={"Date": None})
    plt.close(figure)
    return _METADATA.sub("", _PROLOG.sub("", out.getvalue(), count=1), count=1)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96)


def _whole_numbers() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _short(day: str) -> str:
    return day[5:]  # MM-DD


def _ticks(count: int, most: int = 31) -> list[int]:
    step = max(1, -(-count // most))
    return list(range(0, count, step))


def utilisation_heatmap(report: Report) -> str:
    rooms = [row["room"] for row in report.data["rooms"]]
    days = [_short(row["date"]) for row in report.data["days"]]
    height = max(2.5, 1.9 + ROW_INCHES * len(rooms))
    figure = _figure(WIDTH_INCHES, height)
    # Margins set in inches rather than trimmed, since the rows of a large office make a long figure to lay out;
    # the colour scale sits in the top right corner, in sight without scrolling.
    figure.subplots_adjust(
        left=1.3 / WIDTH_INCHES, right=1 - 0.3 / WIDTH_INCHES, top=1 - 0.75 / height, bottom=0.9 / height
    )
    axes = figure.add_subplot()
    values = [report.utilisation[room] for room in rooms] or [[0.0] * len(days)]
    image = axes.imshow(values, aspect="auto", cmap="YlGnBu", vmin=0.0, vmax=1.0, interpolation="nearest")
    axes.set_title("Utilisation per room and day", loc="left")
    axes.set_xticks(_ticks(len(days)), [days[i] for i in _ticks(len(days))], rotation=90)
    axes.set_yticks(range(len(rooms)), rooms)
    axes.set_xlabel("day")
    scale = figure.add_axes((1 - 3.3 / WIDTH_INCHES, 1 - 0.3 / height, 3.0 / WIDTH_INCHES, 0.12 / height))
    figure.colorbar(image, cax=scale, orientation="horizontal")
    scale.set_title("share of open hours busy", fontsize=8)
    return _svg(figure, "heatmap", tight=False)


def _bars(title: str, days: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], name: str) -> str:
    figure = _figure(WIDTH_INCHES, 3.2)
    axes = figure.add_subplot()
    width = 0.8 / len(series)
    for n, (label, values) in enumerate(series):
        axes.bar([i + (n - (len(series) - 1) / 2) * width for i in range(len(days))], values, width, label=label)
    axes.set_title(title)
    axes.set_xticks(_ticks(len(days)), [days[i] for i in _ticks(len(days))], rotation=90)
    axes.yaxis.set_major_locator(_whole_numbers())
    if len(series) > 1:
        axes.legend()
    return _svg(figure, name)


def bookings_and_no_shows(report: Report) -> str:
    days = [_short(row["date"]) for row in report.data["days"]]
    bookings = [row["bookings"] for row in report.data["days"]]
    series = [("bookings", bookings), ("no-shows released", report.no_shows)]
    return _bars("Bookings and no-shows released per day", days, series, "bookings")


def visits_per_day(report: Report) -> str:
    days = [_short(row["date"]) for row in report.data["days"]]
    return _bars("Visits per day", days, [("visits", [row["visits"] for row in report.data["days"]])], "visits")


def open_problems(report: Report) -> str:
    counts: dict[str, int] = {}
    for problem in report.data["problems"]:
        if problem["status"] == "open":
            counts[problem["room"]] = counts.get(problem["room"], 0) + 1
    rooms = sorted(counts, key=lambda room: (-counts[room], room))
    figure = _figure(WIDTH_INCHES, max(2.0, 1.2 + 0.3 * len(rooms)))
    axes = figure.add_subplot()
    axes.barh(rooms, [counts[room] for room in rooms], color="#d62728")
    axes.invert_yaxis()
    axes.set_title("Open problems per room")
    axes.xaxis.set_major_locator(_whole_numbers())
    if not rooms:
        axes.text(0.5, 0.5, "no open problems", ha="center", va="center", transform=axes.transAxes)
        axes.set_yticks([])
    return _svg(figure, "problems")


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str], text: Sequence[str] = ()) -> str:
    head = "".join(f"<th{' class=text' if c in text else ''}>{html.escape(c.replace('_', ' '))}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=text' if c in text else ''}>{html.escape(str(row.get(c, '')))}</td>" for c in columns)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_page(report: Report) -> str:
    """The report as one HTML document."""
    data = report.data
    period = f"{data['from']} to {data['to']} (exclusive)"
    charts = [
        ("Utilisation per room and day", utilisation_heatmap(report)),
        ("Bookings and no-shows released per day", bookings_and_no_shows(report)),
        ("Visits per day", visits_per_day(report)),
        ("Open problems per room", open_problems(report)),
    ]
    figures = "".join(f'<figure aria-label="{html.escape(title)}">{svg}</figure>' for title, svg in charts)
    problems = _table(data["problems"], PROBLEM_COLUMNS, ("id", "room", "problem", "status"))
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name=viewport content="width=device-width, initial-scale=1"><link rel=icon href="data:,">'
        f"<title>Room report, {html.escape(period)}</title><style>{STYLE}</style></head><body>"
        f"<h1>Room report</h1><p>{html.escape(period)}</p>"
        f"<h2>Charts</h2>{figures}"
        f"<h2>Rooms</h2>{_table(data['rooms'], ROOM_COLUMNS, ('room', 'site'))}"
        f"<h2>Days</h2>{_table(data['days'], DAY_COLUMNS)}"
        f"<h2>Problems</h2>{problems if data['problems'] else '<p>none</p>'}"
        "</body></html>\n"
    )

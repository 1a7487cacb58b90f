"""Fixtures for unit tests only."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest


@pytest.fixture
def counted() -> Iterator[Callable[[str], int]]:
    """The total a metric was counted up by during the test, as Powertools Metrics holds it to publish."""
    from skill.observability import metrics

    metrics.clear_metrics()

    def total(name: str) -> int:
        return int(sum(metrics.metric_set.get(name, {}).get("Value", [])))

    yield total
    metrics.clear_metrics()

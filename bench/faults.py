"""The listener's worst case: voice turns while DynamoDB stalls, answers late, throttles and fails.

Each turn is one request envelope (the warm benchmark's launch, status, book, find, extend, confirmed call and
check-in) handed to `skill.app.lambda_handler` with a Lambda context holding the skill function's timeout from
the template, so the deadline guard (skill.deadline) has production's budget. The container's caches are
cold, so every read of the turn goes to DynamoDB, through a client with production's `voice` settings
(skill.adapters.aws) and the fault-injecting proxy (skill.local.faultproxy) in front of moto's server.

In every turn, the first attempt of every DynamoDB request meets a fault, and its retry meets one too with
probability `TWICE`: a stall (no answer at all; the client's read timeout ends it), a slow answer (just inside
the read timeout), ThrottlingException, ProvisionedThroughputExceededException or a 500, drawn evenly by a
seeded generator. A turn's time runs from the envelope handed to the handler to its answer. What the listener
heard is the normal answer, the "try again" message (the retry failed too), or the same message from the
deadline guard when the budget ran out first.

`containers` warm containers run side by side, each in a process of its own with its own table and proxy, as
Lambda runs them; the turns are mostly waiting, so this only shortens the run.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from contextlib import redirect_stdout
from io import StringIO
from typing import TYPE_CHECKING, Any

from bench import office, warm
from bench.stats import percentile

if TYPE_CHECKING:
    from skill.config import Settings
    from skill.local.faultproxy import Chooser, Fault

SCENARIOS = ("launch", "status", "book", "find", "extend", "call (confirmed)", "check-in")
FAULTS: tuple[Fault, ...] = ("stall", "slow", "throttle", "provisioned", "error500")
TWICE = 0.25  # the chance that a request's retry meets a fault too
SLOW_MARGIN_S = 0.2  # a slow answer comes this long before the client's read timeout
ALEXA_LIMIT_S = 8.0
HEARD = ("answer", "try again", "deadline guard", "error")


def skill_timeout_s() -> float:
    """The skill function's timeout in infra/template.yaml (its own, or the template's global one)."""
    from skill.adapters.dynamodb.schema import load_template

    template = load_template()
    own = template["Resources"]["SkillFunction"]["Properties"].get("Timeout")
    return float(own if own is not None else template["Globals"]["Function"]["Timeout"])


def guard_budget_s(settings: Settings | None = None) -> float:
    """The deadline guard's budget for a fresh invocation of the skill function (production settings by default)."""
    from skill.config import Settings
    from skill.deadline import budget_seconds
    from skill.local.server import LambdaContext

    settings = settings or Settings(skill_id=office.SKILL_ID)
    return budget_seconds(
        LambdaContext(deadline_ms=int(skill_timeout_s() * 1000)),
        cap_ms=settings.deadline_cap_ms,
        margin_ms=settings.deadline_margin_ms,
    )


def slow_seconds() -> float:
    from skill.adapters import aws

    return float(aws.SETTINGS["voice"]["read_timeout"]) - SLOW_MARGIN_S


def _chooser(rng: random.Random) -> Chooser:
    def choose(operation: str, attempt: int) -> Fault | None:
        if attempt == 1 or (attempt == 2 and rng.random() < TWICE):
            return rng.choice(FAULTS)
        return None

    return choose


def _heard(body: dict[str, Any], elapsed: float, budget: float) -> str:
    from skill.alexa.messages import message

    speech = str(body.get("response", {}).get("outputSpeech", {}).get("ssml", ""))
    if message(None, "unavailable") in speech:
        return "deadline guard" if elapsed >= budget else "try again"
    return "error" if message(None, "error") in speech else "answer"


class _Container:
    """One warm Lambda container of the skill on its own table; `turn` runs one envelope through a fresh proxy
    and cold caches."""

    def __init__(self, endpoint: str, seed: int) -> None:
        from skill.config import Settings

        self.endpoint = endpoint
        self.table = office.create_office(endpoint)
        self.settings: Settings = Settings(skill_id=office.SKILL_ID, table=self.table)
        self.setup, _ = office.container(endpoint, self.table, read_timeout=60)
        self.rng = random.Random(seed)
        self.timeout_ms = int(skill_timeout_s() * 1000)
        self.budget = guard_budget_s(self.settings)

    def turn(self, scenario: warm.Scenario, i: int, *, faulty: bool = True) -> dict[str, Any]:
        from skill import app
        from skill.adapters import aws
        from skill.alexa.builder import build_skill
        from skill.bootstrap import Services, build
        from skill.local.faultproxy import FaultProxy
        from skill.local.server import LambdaContext

        if scenario.before:
            scenario.before(self.setup, i)
        proxy = FaultProxy(self.endpoint, slow_seconds=slow_seconds()).start()
        if faulty:
            proxy.fail_attempts(_chooser(self.rng))
        client = aws.client("dynamodb", "voice", region=self.settings.region, endpoint_url=proxy.url)
        services = Services(build(self.settings, dynamodb_client=client))
        app._services["voice"], app._skill = services, build_skill(services)
        event = scenario.envelope(i)
        before = set(threading.enumerate())
        context = LambdaContext(aws_request_id=str(uuid.uuid4()), deadline_ms=self.timeout_ms)
        started = time.perf_counter()
        body = app.lambda_handler(event, context)
        elapsed = time.perf_counter() - started
        proxy.stop()  # releases its stalls: work the guard left behind ends before the next turn
        for thread in set(threading.enumerate()) - before:
            thread.join(10)
        if scenario.after:
            scenario.after(self.setup, i)
        return {
            "scenario": scenario.label,
            "seconds": elapsed,
            "heard": _heard(body, elapsed, self.budget),
            "requests": sum(proxy.seen.values()),
            "faults": sum(proxy.injected.values()),
        }


def _run_container(endpoint: str, n: int, seed: int, labels: tuple[str, ...]) -> list[dict[str, Any]]:
    """`n` faulted turns of each scenario in one container (after one untimed turn each without faults)."""
    from skill import app
    from skill.observability import logger

    office.set_dummy_credentials()
    level = logger.log_level
    logger.setLevel(logging.CRITICAL)  # every turn logs its failures; the figures are what matters here
    try:
        with redirect_stdout(StringIO()):  # the metrics and the local dialer print to stdout
            container = _Container(endpoint, seed)
            chosen = [s for s in warm.scenarios() if s.label in labels]
            for scenario in chosen:  # imports and first-use costs are no fault's
                container.turn(scenario, 10_000 + seed, faulty=False)
            return [container.turn(scenario, seed * n + i) for i in range(n) for scenario in chosen]
    finally:
        logger.setLevel(level)
        app._services.clear()
        app._skill = None


def _row(label: str, turns: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [t["seconds"] for t in turns]
    heard = Counter(t["heard"] for t in turns)
    return {
        "scenario": label,
        "turns": len(turns),
        "requests_per_turn": round(sum(t["requests"] for t in turns) / len(turns), 1),
        "faults_per_turn": round(sum(t["faults"] for t in turns) / len(turns), 1),
        "p50_s": round(percentile(seconds, 50), 2),
        "p99_s": round(percentile(seconds, 99), 2),
        "max_s": round(max(seconds), 2),
        **{name: heard.get(name, 0) for name in HEARD},
    }


def run(
    n: int = 8, endpoint: str | None = None, containers: int = 4, scenarios: tuple[str, ...] = SCENARIOS
) -> dict[str, Any]:
    """`n` turns of each of `scenarios` in each of `containers` containers."""
    if endpoint is None:
        with office.aws() as local:
            return run(n, local, containers, scenarios)
    if containers == 1:
        turns = _run_container(endpoint, n, 1, scenarios)
    else:
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=containers, mp_context=spawn) as pool:
            futures = [pool.submit(_run_container, endpoint, n, seed, scenarios) for seed in range(1, containers + 1)]
            turns = [turn for future in futures for turn in future.result()]
    rows = [_row(label, [t for t in turns if t["scenario"] == label]) for label in scenarios]
    overall = _row("every turn", turns)
    budget = guard_budget_s()
    return {
        "n": n,
        "containers": containers,
        "timeout_s": skill_timeout_s(),
        "budget_s": budget,
        "twice": TWICE,
        "slow_s": round(slow_seconds(), 2),
        "faults": list(FAULTS),
        "rows": [*rows, overall],
        "p99_s": overall["p99_s"],
        "max_s": overall["max_s"],
        "p99_within_budget": overall["p99_s"] < budget,
        "max_within_alexa": overall["max_s"] < ALEXA_LIMIT_S,
    }

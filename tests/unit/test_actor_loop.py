"""The actor loop's policy, without Ray: connecting is retried with backoff and logged, ready()
says what it waits for or why it stopped, a misconfiguration stops it for good, and a failing
step ends the process (run in a child process here, as Ray runs an actor)."""

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from actors.actor_loop import ActorLoop, LoopFailed, NotReady, Part, Retries
from adapters.config import Misconfigured

QUICK = Retries(first_seconds=0.01, longest_seconds=0.02, step_retries=2)
ROOT = Path(__file__).resolve().parents[2]


class Flaky:
    """Fails `times` times, then succeeds (and, as a step, waits there); counts the calls."""

    def __init__(self, times: int, error: Exception, *, step: bool = False) -> None:
        self.times, self.error, self.step, self.calls = times, error, step, 0
        self.failed, self.passed = asyncio.Event(), asyncio.Event()

    async def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.times:
            self.failed.set()
            raise self.error
        self.passed.set()
        if self.step:
            await _idle()


async def _idle() -> None:
    await asyncio.sleep(3600)


async def test_a_part_is_tried_again_until_it_answers_and_ready_says_what_it_waits_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = Flaky(2, OSError("no route to host"))
    broker = Flaky(1000, ConnectionRefusedError("connection refused"))
    loop = ActorLoop(
        "shard-x",
        [Part("the database", database), Part("Kafka at k:9092", broker)],
        _idle,
        retries=QUICK,
    )
    with caplog.at_level(logging.WARNING, logger="actors.actor_loop"):
        await broker.failed.wait()
        with pytest.raises(NotReady, match=r"shard-x is waiting for Kafka at k:9092 .*refused"):
            await loop.ready(within=0.05)
        broker.times = broker.calls  # the broker answers from the next try on
        await loop.ready(within=5)
    assert database.calls == 3
    retries = [r.getMessage() for r in caplog.records]
    assert any("cannot reach the database (OSError: no route to host)" in m for m in retries)
    assert any("cannot reach Kafka at k:9092" in m and "try 2 again" in m for m in retries)


async def test_a_misconfiguration_stops_the_loop_and_ready_says_why() -> None:
    wrong = Flaky(1, Misconfigured("the topics must have 8 partitions each, but t has 4"))
    loop = ActorLoop("shard-y", [Part("the topics", wrong)], _idle, retries=QUICK)
    with pytest.raises(LoopFailed, match="shard-y: the topics must have 8 partitions"):
        await loop.ready(within=5)
    await asyncio.sleep(0.05)
    assert wrong.calls == 1  # not tried again: nothing would change


async def test_a_step_that_may_be_retried_goes_on_after_failing() -> None:
    step = Flaky(2, ConnectionResetError("the database went away"), step=True)
    ActorLoop("relay-z", [], step, retry_steps=True, retries=QUICK)
    await asyncio.wait_for(step.passed.wait(), 5)
    assert step.calls == 3


def _run_loop(retry_steps: bool) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(
        f"""
        import asyncio
        from actors.actor_loop import ActorLoop, Retries

        async def step():
            raise RuntimeError("the save failed")

        async def main():
            retries = Retries(first_seconds=0.01, longest_seconds=0.01, step_retries=2)
            ActorLoop("shard-q", [], step, retry_steps={retry_steps}, retries=retries)
            await asyncio.sleep(30)
            print("still running")

        asyncio.run(main())
        """
    )
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize("retry_steps", [False, True])
def test_a_failing_step_ends_the_process_saying_why(retry_steps: bool) -> None:
    ended = _run_loop(retry_steps)
    assert ended.returncode == 1 and "still running" not in ended.stdout
    assert "shard-q: its loop failed" in ended.stderr and "the save failed" in ended.stderr
    assert ended.stderr.count("try ") == (2 if retry_steps else 0)

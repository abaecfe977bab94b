"""One shard's apply step in-process, no broker and no database: CPU per event at few and at
many users (windows as the shard takes them, ledgers waking from and going back to their
snapshots), and Python's bytes per awake ledger. For A/B runs of two versions of the code:
`PYTHONPATH=<other checkout> python tests/bench/ledger_apply.py`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from actors import ledger_memory
from actors.domain import payloads
from actors.domain.payloads import LedgerEvent
from actors.ledger_memory import LedgerMemory
from actors.ledger_shard import WINDOW_RECORDS, apply_window
from actors.ownership import Ownership
from tests.bench import memory
from tests.bench.seed import Population, SnapshotTemplate

AWAKE = 5_000  # the shard's default (LEDGERFLOW_AWAKE_LEDGERS)


@dataclass(frozen=True, slots=True)
class _Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


def _records(population: Population, users: list[UUID], count: int, seed: int) -> list[_Record]:
    rng = random.Random(seed)
    day = datetime.now(UTC).date()
    records = []
    for offset in range(count):
        event = population.transaction(rng.choice(users), day, rng=rng)
        records.append(_Record(event.type.value, 0, offset, event.key, event.to_json()))
    return records


async def _run(users: int, events: int, decoded: bool, awake: int = AWAKE) -> dict[str, float]:
    """CPU seconds per event of `events` transactions over `users` users who rest as
    snapshots at first; `decoded`: records decoded before the clock starts."""
    day = datetime.now(UTC).date()
    template = SnapshotTemplate.build(day)
    population = Population(Ownership(partitions=1, shards=1), shard=0)
    people = population.new_users(users)
    stored: dict[UUID, bytes] = {}
    for user in people:
        stored[user], population.goal[user] = template.for_user()
        population.sequence[user] = template.sequence

    async def fetch(wanted: list[UUID]) -> Iterable[tuple[UUID, bytes]]:
        return [(user, stored[user]) for user in wanted if user in stored]

    warm = _records(population, people, min(users, 20_000) * 2, seed=1)
    measured = _records(population, people, events, seed=2)
    cache: dict[int, LedgerEvent] = {}
    # The bench's own objects (users, records, stored snapshots) out of the garbage collector's
    # sight: a shard does not hold them, and full collections would count them. With the
    # shard's own settings of the collector where the code has them.
    gc.collect()
    thresholds = gc.get_threshold()
    getattr(ledger_memory, "collect_less", gc.freeze)()
    ledgers = LedgerMemory(awake, fetch)

    def decode(record: _Record) -> LedgerEvent:
        event = cache.pop(id(record), None)
        return event if event is not None else payloads.read(record.topic, record.value)

    async def apply(records: list[_Record]) -> None:
        for start in range(0, len(records), WINDOW_RECORDS):
            window = records[start : start + WINDOW_RECORDS]
            if decoded:
                cache.update({id(r): payloads.read(r.topic, r.value) for r in window})
            began = time.process_time()
            await apply_window(window, ledgers, decode, today=day)
            spent[0] += time.process_time() - began

    spent = [0.0]
    try:
        await apply(warm)
        spent[0] = 0.0
        await apply(measured)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    return {"users": users, "events": events, "us_per_event": spent[0] / events * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--awake", type=int, default=AWAKE, help="ledgers kept as objects")
    args = parser.parse_args()
    template = SnapshotTemplate.build(datetime.now(UTC).date())
    result: dict[str, object] = {
        "awake": args.awake,
        "python_bytes_per_awake_ledger": memory.python_bytes_per_user(template, 20_000),
        "snapshot_bytes": len(template.state),
    }
    for users in (args.small, args.big):
        for decoded in (False, True):
            runs = [
                asyncio.run(_run(users, args.events, decoded, args.awake))["us_per_event"]
                for _ in range(args.repeat)
            ]
            name = f"{users}_users_{'apply_only' if decoded else 'decode_and_apply'}"
            result[name + "_us_per_event"] = min(runs)
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

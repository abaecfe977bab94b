"""Memory of ledgers: the shard process's resident set, and Python's own count in this process."""

from __future__ import annotations

import gc
import sys
import tracemalloc
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

import msgspec
import psutil

from actors.domain import snapshots
from actors.domain.ledger import Ledger
from tests.bench.seed import SnapshotTemplate

TABLE_SAMPLE = 100_000  # entries of a dict like the shard's, to size one entry


def rss(pid: int) -> int:
    """Resident set size of a process, in bytes."""
    return int(psutil.Process(pid).memory_info().rss)


def python_bytes_per_user(template: SnapshotTemplate, users: int) -> float:
    """Bytes Python allocates per ledger loaded from a snapshot, keyed by user, as a shard holds
    them after a restart; measured with tracemalloc here (it cannot see into the shard)."""
    states = [(uuid4(), template.for_user()[0]) for _ in range(users)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        ledgers = {UUID(bytes=user.bytes): snapshots.load(user, state) for user, state in states}
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(ledgers) == users
    return (after - before) / users


def _shared(value: object) -> bool:
    """Objects every ledger points to rather than owns: enum members, classes, None, booleans
    and the small integers CPython caches."""
    if isinstance(value, Enum | type) or value is None or isinstance(value, bool):
        return True
    return isinstance(value, int) and -5 <= value <= 256


def deep_size(value: object, seen: set[int] | None = None) -> int:
    """sys.getsizeof of `value` and everything it holds that is its own, each object once."""
    seen = set() if seen is None else seen
    if id(value) in seen or _shared(value):
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        size += sum(deep_size(item, seen) for item in value)
    elif hasattr(value, "__dict__"):
        size += deep_size(vars(value), seen)
    elif isinstance(value, msgspec.Struct):
        size += sum(deep_size(getattr(value, name), seen) for name in value.__struct_fields__)
    elif hasattr(value, "__slots__"):
        for name in value.__slots__:
            if hasattr(value, name):
                size += deep_size(getattr(value, name), seen)
    return size


def breakdown(template: SnapshotTemplate) -> dict[str, Any]:
    """Where one user's bytes go, by part of the ledger (deep sizes, no sharing assumed
    between users except small ints and interned strings)."""
    user = uuid4()
    ledger: Ledger = snapshots.load(user, template.for_user()[0])
    parts = {
        "budgets (3), with their spending per period": ledger.budgets,
        "goals (1)": ledger.goals,
        "pending": ledger.pending,
    }
    seen: set[int] = {id(ledger.user_id)}
    sizes = {name: deep_size(part, seen) for name, part in parts.items()}
    sizes["Ledger object (slots)"] = sys.getsizeof(ledger)
    sizes["user id key (UUID)"] = deep_size(user)
    table = dict.fromkeys(range(TABLE_SAMPLE))
    sizes["entry in the shard's dict of ledgers"] = sys.getsizeof(table) // TABLE_SAMPLE
    return {
        "bytes": sizes,
        "total": sum(sizes.values()),
        "snapshot_bytes": len(template.state),
        "resting_bytes": sys.getsizeof(template.state),
        "spent_entries": sum(len(b.spent) for b in ledger.budgets.values()),
    }

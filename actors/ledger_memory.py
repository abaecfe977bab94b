"""A shard's ledgers in memory, loaded from their snapshots when first needed: the recently
used as objects, the rest as snapshot bytes."""

import asyncio
import gc
import itertools
from collections.abc import Awaitable, Callable, Iterable, Mapping
from uuid import UUID

from actors.domain import snapshots
from actors.domain.ledger import Ledger

# Allocations of container objects between two young collections of the garbage collector in
# a process holding ledgers (Python's default: 700).
YOUNG_COLLECTION_EVERY = 50_000

# The snapshots, as last applied, of the users asked for that have one.
Fetch = Callable[[list[UUID]], Awaitable[Iterable[tuple[UUID, bytes]]]]


class LedgerMemory:
    """Keeps at most `awake` ledgers as objects, least recently used first out; the others rest
    as their compact snapshot (a few hundred bytes, invisible to the garbage collector) and wake
    when next needed. Memory per user stays small however many users a shard holds.

    Ledgers are loaded (by `fetch`) when first needed rather than all at start: a restarted
    shard is ready at once, and memory holds the users that are active, not every user ever
    seen."""

    def __init__(self, awake: int, fetch: Fetch) -> None:
        self._awake_limit = awake
        self._fetch = fetch
        # Keyed by the user id's integer: an int, unlike a UUID, is not tracked by the garbage
        # collector (whose full collections walk every tracked object) and hashes in C.
        self._awake: dict[int, Ledger] = {}  # insertion order is recency: oldest first
        self._resting: dict[int, bytes] = {}
        # The snapshot of an awake ledger as last saved, while the ledger has not been asked
        # for since: it rests as those bytes, without being dumped again.
        self._saved: dict[int, bytes] = {}
        self._loading: dict[UUID, asyncio.Future[None]] = {}

    async def load(self, users: Iterable[UUID]) -> None:
        """Bring the users' ledgers into memory from their saved snapshots, once each, however
        many callers ask at the same time."""
        users = set(users)
        awake, resting, loading_now = self._awake, self._resting, self._loading
        # Asked twice for every user of a window: inline, the loads in flight (a UUID key,
        # hashed in Python) looked at last.
        missing = [
            u for u in users if u.int not in awake and u.int not in resting and u not in loading_now
        ]
        if missing:
            loading = asyncio.get_running_loop().create_future()
            for user_id in missing:
                self._loading[user_id] = loading
            try:
                stored = dict(await self._fetch(missing))
                for user_id in missing:
                    self.add(user_id, stored.get(user_id))
                loading.set_result(None)
            except BaseException as error:
                loading.set_exception(error)
                raise
            finally:
                for user_id in missing:
                    del self._loading[user_id]
        if self._loading:
            for waiting in {self._loading[u] for u in users if u in self._loading}:
                await waiting

    def forget(self, user_id: UUID) -> None:
        """Drop a ledger that may be ahead of its last snapshot: the next load fetches that."""
        self._awake.pop(user_id.int, None)
        self._resting.pop(user_id.int, None)
        self._saved.pop(user_id.int, None)

    def __contains__(self, user_id: UUID) -> bool:
        key = user_id.int
        return key in self._awake or key in self._resting

    def __len__(self) -> int:
        return len(self._awake) + len(self._resting)

    def get(self, user_id: UUID) -> Ledger:
        """The user's ledger, woken if it was resting, and now the most recently used. Whoever
        asks may change it: its saved snapshot no longer stands for it (see `settle`)."""
        key = user_id.int
        ledger = self._awake.pop(key, None)
        if ledger is None:
            ledger = snapshots.load(user_id, self._resting.pop(key))
        else:
            self._saved.pop(key, None)
        self._awake[key] = ledger
        return ledger

    def read(self, user_id: UUID) -> Ledger:
        """The user's ledger for a read, which changes nothing a snapshot holds: woken if it
        was resting and now the most recently used, like `get`, but its saved snapshot still
        stands for it, so it rests again without being dumped."""
        key = user_id.int
        ledger = self._awake.pop(key, None)
        if ledger is None:
            raw = self._resting.pop(key)
            ledger = snapshots.load(user_id, raw)
            self._saved[key] = raw
        self._awake[key] = ledger
        return ledger

    def sequence(self, user_id: UUID) -> int:
        return self.read(user_id).sequence if user_id in self else 0

    def add(self, user_id: UUID, state: bytes | None) -> None:
        """A ledger loaded from storage (or a new one, with no state): it rests until needed."""
        if state is None:
            self._awake[user_id.int] = Ledger(user_id)
        else:
            self._resting[user_id.int] = state

    def settle(self, saved: Mapping[UUID, bytes]) -> None:
        """Put the least recently used to rest, beyond the limit; `saved` holds the snapshots
        just made of ledgers not asked for since, which spare dumping them again, now or when
        they rest after later windows."""
        for user_id, raw in saved.items():
            if user_id.int in self._awake:
                self._saved[user_id.int] = raw
        # The oldest taken in one pass: taking the first again and again would scan, each time,
        # every slot already emptied at the front of the dict.
        oldest = list(itertools.islice(self._awake, max(len(self._awake) - self._awake_limit, 0)))
        for key in oldest:
            ledger = self._awake.pop(key)
            last = self._saved.pop(key, None)
            self._resting[key] = snapshots.dump(ledger) if last is None else last


def collect_less() -> None:
    """Tune the garbage collector of a process that holds many ledgers and applies windows of
    thousands of events: what it imported and built so far moves out of the collector's sight
    (gc.freeze), and young collections run every YOUNG_COLLECTION_EVERY allocations. A window
    allocates hundreds of thousands of short-lived objects, freed by reference counting; with
    the default threshold each window ran several full collections, each walking every ledger
    awake. Cycles of garbage, which ledgers do not make, wait a little longer to be freed."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)

"""When a Kafka consumer fetches: without pause while records flow; after a quiet spell it
rests, sending no fetch at all, until a publisher says it published (or a reader waits for a
record), with a rare poll for a record that came without a notice.

Why: a broker that answers a fetch only when its wait runs out (Tansu, the embedded one) makes
a short wait cost CPU on both sides even with nothing to read, and a long wait costs every
event its length. Resting when quiet and fetching with a short wait when woken has both: no
CPU while idle, the short wait's latency under traffic."""

from dataclasses import dataclass


@dataclass
class FetchPace:
    """`idle_seconds` without a record before resting (0: never rests: a broker that answers as
    soon as a record arrives can be polled with a long wait instead); `poll_seconds` the longest
    rest. Times are the caller's monotonic clock."""

    idle_seconds: float
    poll_seconds: float
    _quiet_since: float | None = None

    def records(self) -> None:
        """The last fetch brought records."""
        self._quiet_since = None

    def rests(self, now: float) -> bool:
        """The last fetch brought nothing: rest now?"""
        if self.idle_seconds <= 0:
            return False
        if self._quiet_since is None:
            self._quiet_since = now
        return now - self._quiet_since >= self.idle_seconds

    def rested(self, now: float, *, woken: bool) -> None:
        """Back from a rest. Woken: records are on their way, keep fetching for a quiet spell.
        Not woken (the poll): one fetch, and rest again if it brings nothing."""
        if woken:
            self._quiet_since = now

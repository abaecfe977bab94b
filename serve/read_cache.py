"""A gateway replica's copy of the answers it last made from the shards' positions (a position,
or a listing already encoded), each kept under the user's ledger sequence it was read for:
served again while that sequence is still the user's last, so a steady read costs its share of
a batched sequence lookup (serve/last_sequences.py) and no call to a shard."""

from collections.abc import Hashable
from typing import Any
from uuid import UUID

#: Users kept per replica; beyond it, the one whose answers were stored longest ago goes.
USERS_KEPT = 10_000


class ReadCache:
    """An answer read for sequence N holds the user's ledger as of N or later (the shard answers
    once it has applied N), and is served only to a read that finds N still the user's last
    sequence: what that read would have been given by the shard. The key names the day too, since
    a position is of the period of a day."""

    def __init__(self, users_kept: int = USERS_KEPT) -> None:
        self._users_kept = users_kept
        self._answers: dict[UUID, tuple[int, dict[Hashable, Any]]] = {}

    def get(self, user_id: UUID, sequence: int, key: Hashable) -> Any | None:
        kept = self._answers.get(user_id)
        if kept is None or kept[0] != sequence:
            return None
        return kept[1].get(key)

    def put(self, user_id: UUID, sequence: int, key: Hashable, answer: Any) -> None:
        kept = self._answers.pop(user_id, None)
        if kept is not None and kept[0] > sequence:
            self._answers[user_id] = kept  # a read that started earlier: keep the newer
            return
        answers = kept[1] if kept is not None and kept[0] == sequence else {}
        answers[key] = answer
        self._answers[user_id] = (sequence, answers)  # last in the order: stored most recently
        if len(self._answers) > self._users_kept:
            del self._answers[next(iter(self._answers))]

"""The messaging actor's decode-and-compose step without Kafka: any records, hostile or not,
signed or not, are each composed or dead-lettered (or left to the shards that own the topic),
nothing raises out of the step, dead letters stay under their cap, every message can be stored,
and a later valid event for the same user still gives its message."""

from collections.abc import Iterable, Mapping
from uuid import UUID

from hypothesis import given

from actors.domain import dead_letter
from actors.domain.messages import Profile
from actors.domain.payloads import Notice, read_signed_notice
from actors.domain.preferences import Channel
from actors.messaging import OWNED, compose_window
from tests.unit import hostile_events as hostile
from tests.unit import notification_events as n
from tests.unit.hostile_events import KEY, Rec, signed

# The first user has every channel for everything, the second the defaults; the third has no
# account (any more).
PROFILES = {
    hostile.USERS[0]: Profile(
        "Ann",
        "ann@example.com",
        "+15551234567",
        "Pacific/Auckland",
        {kind: ["email", "sms"] for kind in ("user_registered", "transaction_created")},
    ),
    hostile.USERS[1]: Profile("Bo", "bo@example.com", None, "Factory", {}),
}


def decode(record: Rec) -> Notice:
    return read_signed_notice(record, KEY)


async def profiles(users: Iterable[UUID]) -> Mapping[UUID, Profile]:
    return {user: PROFILES[user] for user in users if user in PROFILES}


def _decoded(record: Rec) -> Notice | None:
    try:
        return decode(record)
    except Exception:
        return None


def _storable(text: str | None) -> bool:
    if text is None:
        return True
    text.encode()  # no unpaired surrogate
    return "\x00" not in text


@given(hostile.records(hostile.notifiable_topics))
async def test_every_record_is_composed_or_dead_lettered_and_later_events_still_count(
    records: list[Rec],
) -> None:
    messages, letters = await compose_window(records, profiles, decode)

    dead = {(d.topic, d.partition, d.offset): d for d in letters}
    for record in records:
        where = (record.topic, record.partition, record.offset)
        event = _decoded(record)
        if event is None:
            # Dead-lettered by the one that owns the topic: here, or by the ledger shards.
            assert (where in dead) == (record.topic in OWNED)
        elif where in dead:
            assert dead[where].reason.startswith("no message composed")
            assert event.user_id in PROFILES
    for letter in letters:
        assert len(letter.to_json()) <= dead_letter.LARGEST
    for message in messages:
        assert message.user_id in PROFILES
        assert all(_storable(t) for t in (message.subject, message.text, message.html))

    later = [n.goal_achieved(user, "later") for user in PROFILES]
    composed, refused = await compose_window(
        [signed(e.type.value, 0, 99, e.key, e.to_json()) for e in later], profiles, decode
    )
    assert not refused
    assert {(m.user_id, m.channel) for m in composed} >= {(u, Channel.EMAIL) for u in PROFILES}

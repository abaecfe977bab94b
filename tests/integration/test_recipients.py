"""Who the messaging actor reads from the users table (adapters/recipients.py): only those who
may be sent something for their events."""

from uuid import UUID, uuid4

from actors.domain.events import Topic
from adapters import recipients
from adapters.config import Settings
from adapters.models import User


async def _user(notifications: dict[str, list[str]]) -> UUID:
    email = f"{uuid4().hex}@example.com"
    user = await User.create(
        name="Ada",
        email=email,
        email_key=email,
        phone="+15005550006",
        notifications=notifications,
        password_hash="x",
    )
    return user.id


async def test_a_receipt_reads_only_the_users_who_asked_for_receipts(db: Settings) -> None:
    asked = await _user({"transaction_created": ["email"]})
    did_not = await _user({"budget_warning": ["sms"]})
    never_chose = await _user({})
    found = await recipients.profiles(
        {user: {Topic.TRANSACTION_CREATED.value} for user in (asked, did_not, never_chose)}
    )
    assert set(found) == {asked}
    assert found[asked].notifications == {"transaction_created": ["email"]}
    assert found[asked].email.endswith("@example.com") and found[asked].phone == "+15005550006"


async def test_an_event_that_sends_by_default_reads_its_user(db: Settings) -> None:
    user = await _user({})
    with_receipt_too = await _user({})
    found = await recipients.profiles(
        {
            user: {Topic.BUDGET_EXCEEDED.value},
            with_receipt_too: {Topic.TRANSACTION_CREATED.value, Topic.GOAL_ACHIEVED.value},
            uuid4(): {Topic.USER_REGISTERED.value},  # no such user
        }
    )
    assert set(found) == {user, with_receipt_too}
    assert found[user].notifications == {} and found[user].timezone == "UTC"


async def test_no_events_reads_nothing(db: Settings) -> None:
    assert await recipients.profiles({}) == {}

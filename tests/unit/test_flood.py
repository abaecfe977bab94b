from datetime import UTC, datetime, timedelta

from actors.domain import flood
from actors.domain.events import Topic
from actors.domain.preferences import Channel

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _sent(count: int, ago: timedelta = timedelta(minutes=5)) -> list[datetime]:
    return [NOW - ago] * count


def test_three_sms_an_hour_then_no_more() -> None:
    assert flood.admits(Channel.SMS, Topic.BUDGET_EXCEEDED, _sent(2), NOW)
    assert not flood.admits(Channel.SMS, Topic.BUDGET_EXCEEDED, _sent(3), NOW)


def test_ten_emails_an_hour_then_no_more() -> None:
    assert flood.admits(Channel.EMAIL, Topic.BUDGET_WARNING, _sent(9), NOW)
    assert not flood.admits(Channel.EMAIL, Topic.BUDGET_WARNING, _sent(10), NOW)


def test_the_window_rolls() -> None:
    old = _sent(3, ago=timedelta(minutes=61))
    assert flood.admits(Channel.SMS, Topic.GOAL_ACHIEVED, old, NOW)
    assert not flood.admits(Channel.SMS, Topic.GOAL_ACHIEVED, old + _sent(3), NOW)


def test_the_welcome_is_never_held_back() -> None:
    assert flood.admits(Channel.EMAIL, Topic.USER_REGISTERED, _sent(50), NOW)
    assert not flood.counts(Topic.USER_REGISTERED)
    assert flood.counts(Topic.TRANSACTION_CREATED)


def test_a_burst_of_alerts_gives_the_limit_and_no_more() -> None:
    sent: list[datetime] = []
    for minute in range(20):
        at = NOW + timedelta(seconds=minute)
        if flood.admits(Channel.SMS, Topic.BUDGET_EXCEEDED, sent, at):
            sent.append(at)
    assert len(sent) == flood.LIMITS[Channel.SMS] == 3
    assert "3 sms messages per user per hour" in flood.suppression_reason(Channel.SMS)

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from actors.domain.events import MalformedEvent, Topic
from actors.domain.messages import Profile, channels_for, compose
from actors.domain.payloads import Notice
from actors.domain.preferences import Channel
from actors.domain.templates import SMS_MAX
from tests.unit.notification_events import (
    EXCEEDED,
    WARNING,
    bill_due,
    goal_achieved,
    notice,
    transaction_created,
)

AT = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)


def _profile(phone: str | None = "+15551234567", **notifications: list[str]) -> Profile:
    return Profile("Ann", "ann@example.com", phone, "Europe/Berlin", notifications)


def _event(kind: Topic, payload: dict[str, Any]) -> Notice:
    return notice(kind, uuid4(), AT, payload)


def _welcome() -> Notice:
    payload = {"name": "Ann", "email": "ann@example.com", "phone": None, "timezone": "UTC"}
    return _event(Topic.USER_REGISTERED, payload)


def test_defaults_welcome_by_email_only() -> None:
    [message] = compose(_welcome(), _profile())
    assert (message.channel, message.recipient) == (Channel.EMAIL, "ann@example.com")
    assert message.subject == "Welcome to ledgerflow, Ann"
    assert "Hello Ann" in message.text and message.html and "<p>Hello Ann,</p>" in message.html


def test_defaults_budget_exceeded_by_email_and_sms_when_there_is_a_phone() -> None:
    event = _event(Topic.BUDGET_EXCEEDED, EXCEEDED)
    assert [m.channel for m in compose(event, _profile())] == [Channel.EMAIL, Channel.SMS]
    assert [m.channel for m in compose(event, _profile(phone=None))] == [Channel.EMAIL]


def test_defaults_warning_by_email_and_no_receipts() -> None:
    assert channels_for(Topic.BUDGET_WARNING, {}) == [Channel.EMAIL]
    assert channels_for(Topic.TRANSACTION_CREATED, {}) == []
    assert channels_for(Topic.GOAL_ACHIEVED, {}) == [Channel.EMAIL, Channel.SMS]


def test_the_users_choices_replace_the_defaults() -> None:
    event = _event(Topic.BUDGET_EXCEEDED, EXCEEDED)
    assert [m.channel for m in compose(event, _profile(budget_exceeded=["sms"]))] == [Channel.SMS]
    assert compose(event, _profile(budget_exceeded=[])) == []


def test_exceeded_subject_and_figures() -> None:
    email, sms = compose(_event(Topic.BUDGET_EXCEEDED, EXCEEDED), _profile())
    assert email.subject == "Budget exceeded: groceries, November"
    for figure in ("450.00", "512.30", "62.30", "113%", "1 November 2026 to 30 November 2026"):
        assert figure in email.text and email.html and figure in email.html
    assert sms.html is None
    assert sms.text == (
        "ledgerflow: groceries budget for November exceeded: spent 512.30 of 450.00, over by 62.30."
    )


def test_warning_says_how_much_is_left_and_rounds_the_percentage_down() -> None:
    [email] = compose(_event(Topic.BUDGET_WARNING, WARNING), _profile())
    assert email.subject == "Budget warning: groceries, November"
    assert "81%" in email.text and "85.00" in email.text  # 450.00 - 365.00 left


def test_a_threshold_beyond_100_is_named_in_the_subject() -> None:
    payload = EXCEEDED | {"threshold": 150, "percent": "151.00"}
    [email] = compose(_event(Topic.BUDGET_EXCEEDED, payload), _profile(phone=None))
    assert email.subject == "Budget exceeded: groceries, November (150%)"


@pytest.mark.parametrize(
    ("period", "label"), [("weekly", "the week of 1 November"), ("yearly", "2026")]
)
def test_period_labels(period: str, label: str) -> None:
    [email] = compose(_event(Topic.BUDGET_WARNING, WARNING | {"period": period}), _profile())
    assert email.subject == f"Budget warning: groceries, {label}"


def test_amounts_have_thousands_separators() -> None:
    payload = EXCEEDED | {"limit": "12000.00", "spent": "12500.5", "overage": "500.50"}
    [email, _] = compose(_event(Topic.BUDGET_EXCEEDED, payload), _profile())
    assert "12,000.00" in email.text and "12,500.50" in email.text


def test_goal_reached_in_the_users_time_zone() -> None:
    email, sms = compose(goal_achieved(uuid4(), "Lisbon trip", at=AT), _profile())
    assert email.subject == "Goal reached: Lisbon trip"
    assert "25 November 2026, 00:30" in email.text  # Berlin is an hour ahead
    assert "1,500.00" in sms.text


def test_receipt_when_asked_for() -> None:
    event = transaction_created(uuid4(), at=datetime(2026, 11, 24, 9, 15, tzinfo=UTC))
    assert compose(event, _profile()) == []
    [email] = compose(event, _profile(transaction_created=["email"]))
    assert email.subject == "Expense recorded: 12.50, groceries"
    assert "market" in email.text and "24 November 2026, 10:15" in email.text


def test_a_bill_reminder_by_email_only_unless_asked() -> None:
    event = bill_due(uuid4(), due_date="2026-12-01")
    [email] = compose(event, _profile())
    assert email.channel is Channel.EMAIL
    assert email.subject == "Bill due tomorrow: 950.00, rent"
    for words in ("950.00", "rent", "flat on Elm Street", "1 December 2026"):
        assert words in email.text and email.html and words in email.html
    [sms] = compose(event, _profile(bill_due=["sms"]))
    assert sms.text == "ledgerflow: rent bill of 950.00 due 1 December 2026."
    written = json.loads(event.to_json())["payload"]
    with pytest.raises(MalformedEvent, match="due_date"):
        _event(Topic.BILL_DUE, written | {"due_date": "soon"})


def test_html_escapes_what_users_typed() -> None:
    payload = EXCEEDED | {"category": "<script>alert(1)</script>"}
    [email] = compose(_event(Topic.BUDGET_EXCEEDED, payload), _profile(phone=None))
    assert email.html and "<script>" not in email.html and "&lt;script&gt;" in email.html


def test_sms_stays_in_one_ascii_segment_whatever_the_names() -> None:
    payload = EXCEEDED | {"category": "x" * 300, "limit": "9999999999.99"}
    for kind, body in ((Topic.BUDGET_EXCEEDED, payload), (Topic.BUDGET_WARNING, WARNING)):
        only_sms = Profile("Ann", "ann@example.com", "+15551234567", "UTC", {kind: ["sms"]})
        [sms] = compose(_event(kind, body), only_sms)
        assert len(sms.text) <= SMS_MAX < 160
        assert sms.text.isascii()


@pytest.mark.parametrize(
    "payload",
    [
        {k: v for k, v in EXCEEDED.items() if k != "limit"},
        EXCEEDED | {"limit": "lots"},
        EXCEEDED | {"limit": 450.5},
        EXCEEDED | {"period": "daily"},
        EXCEEDED | {"period_start": "November"},
        EXCEEDED | {"category": ""},
    ],
)
def test_an_unreadable_payload_is_a_malformed_event(payload: dict[str, Any]) -> None:
    with pytest.raises(MalformedEvent):
        compose(_event(Topic.BUDGET_EXCEEDED, payload), _profile())


def test_the_dedup_key_names_event_channel_and_recipient() -> None:
    event = _event(Topic.BUDGET_EXCEEDED, EXCEEDED)
    first, again = compose(event, _profile()), compose(event, _profile())
    assert [m.dedup_key for m in first] == [m.dedup_key for m in again]
    assert first[0].dedup_key == f"{event.id}/email/ann@example.com"
    assert first[1].dedup_key == f"{event.id}/sms/+15551234567"


def test_events_that_are_not_notifiable_are_not_read_as_notices() -> None:
    with pytest.raises(MalformedEvent, match="transaction_deleted is not a notifiable topic"):
        _event(Topic.TRANSACTION_DELETED, {})


FORECAST = {
    "budget_id": str(uuid4()),
    "category": "groceries",
    "period": "monthly",
    "period_start": "2026-11-01",
    "period_end": "2026-11-30",
    "limit": "450.00",
    "carried": "50.00",
    "available": "500.00",
    "spent": "380.00",
    "projected_spent": "1520.40",
    "low": "1400.00",
    "high": "1650.00",
    "method": "seasonal",
    "crossing_day": "2026-11-27",
    "forecast_day": "2026-11-24",
}


def test_the_early_warning_goes_by_email_only_by_default() -> None:
    event = _event(Topic.BUDGET_FORECAST_EXCEEDED, FORECAST)
    [email] = compose(event, _profile())
    assert email.channel is Channel.EMAIL
    assert email.subject == "Budget forecast: groceries, November is on course to be exceeded"
    for figure in ("1,520.40", "500.00", "50.00", "380.00", "27 November 2026", "1,400.00"):
        assert figure in email.text and email.html and figure in email.html
    [sms] = compose(event, _profile(budget_forecast_exceeded=["sms"]))
    assert len(sms.text) <= SMS_MAX and "27 November 2026" in sms.text


def test_a_rollover_budgets_alert_shows_what_is_carried_and_available() -> None:
    payload = WARNING | {"carried": "-20.00", "available": "480.00"}
    [email] = compose(_event(Topic.BUDGET_WARNING, payload), _profile(phone=None))
    assert "Carried over" in email.text and "-20.00" in email.text and "480.00" in email.text
    assert "Carried over" not in compose(_event(Topic.BUDGET_WARNING, WARNING), _profile())[0].text

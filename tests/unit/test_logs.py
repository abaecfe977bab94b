"""The log lines: one per event, as text or JSON, and never a password, token, e-mail address or
phone number, whoever wrote the line."""

import io
import json
import logging
from collections.abc import Iterator

import pytest

from actors.domain.dead_letter import DeadLetter
from adapters import logs

JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl"
SECRETS = ("ann@example.com", "+15551234567", JWT, "hunter2hunter2", "sk_live_abc")


@pytest.fixture(params=["text", "json"])
def lines(request: pytest.FixtureRequest) -> Iterator[tuple[str, io.StringIO]]:
    """The format under test, and what the configured root handler writes."""
    out = io.StringIO()
    root = logging.getLogger()
    before = root.handlers[:]
    logs.configure(request.param, stream=out)
    yield request.param, out
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)


def test_an_event_is_one_line_with_its_fields(lines: tuple[str, io.StringIO]) -> None:
    log_format, out = lines
    logs.event(
        logging.getLogger("actors.test"), "partitions_assigned", consumer="s-0", partitions=[0, 2]
    )
    [line] = out.getvalue().splitlines()
    if log_format == "json":
        record = json.loads(line)
        assert record["event"] == "partitions_assigned" and record["level"] == "info"
        assert record["consumer"] == "s-0" and record["partitions"] == [0, 2]
        assert record["logger"] == "actors.test"
    else:
        assert "INFO actors.test: partitions_assigned consumer=s-0 partitions=[0, 2]" in line


def test_no_secret_or_personal_data_reaches_a_line(lines: tuple[str, io.StringIO]) -> None:
    _, out = lines
    log = logging.getLogger("serve.test")
    log.warning(
        "login of ann@example.com (+15551234567) with Authorization: Bearer %s password=%s",
        JWT,
        "hunter2hunter2",
    )
    log.warning('twilio said {"auth_token": "sk_live_abc"} to +15551234567')
    log.warning("database at postgres://app:hunter2hunter2@db.internal:5432/app")
    logs.event(log, "account_locked", email="ann@example.com", phone="+15551234567", user="u-1")
    try:
        raise ValueError("refused for ann@example.com")
    except ValueError:
        log.exception("sending failed")
    text = out.getvalue()
    for secret in SECRETS:
        assert secret not in text
    for mark in ("<email>", "<phone>", "<token>", "<redacted>", "<credentials>@db.internal"):
        assert mark in text
    assert "u-1" in text  # an id is no personal data: the line still says whom it is about


def test_a_dead_letter_line_names_the_record_but_not_what_it_holds(
    lines: tuple[str, io.StringIO],
) -> None:
    log_format, out = lines
    letter = DeadLetter(
        "user_registered", b"7f0c", b"{}", "no message composed: bad address ann@example.com", 3, 41
    )
    logs.dead_lettered(logging.getLogger("actors.messaging"), "messaging", letter)
    [line] = out.getvalue().splitlines()
    assert "ann@example.com" not in line and "<email>" in line
    if log_format == "json":
        record = json.loads(line)
        assert (record["event"], record["level"]) == ("dead_lettered", "warning")
        assert (record["topic"], record["partition"], record["offset"]) == (
            "user_registered",
            3,
            41,
        )
    else:
        assert "dead_lettered source=messaging topic=user_registered partition=3 offset=41" in line


def test_host_names_and_loopback_addresses_are_not_taken_for_e_mail_or_phones() -> None:
    text = "the database at postgres@127.0.0.1:5432/ledgerflow, shard 12345678, offset +1"
    assert logs.redact(text) == text

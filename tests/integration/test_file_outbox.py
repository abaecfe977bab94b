"""With no SMTP server and no Twilio account configured, messages are written under the home."""

import json
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from actors.domain.preferences import Channel
from adapters import transport
from adapters.config import Settings
from tests.integration import messages


def _read(path: Path) -> EmailMessage:
    mail = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(mail, EmailMessage)
    return mail


def _unconfigured(home: Path) -> Settings:
    return Settings(
        LEDGERFLOW_HOME=home, smtp_host=None, twilio_account_sid=None, twilio_auth_token=None
    )


async def test_emails_become_eml_files(tmp_path: Path) -> None:
    settings = _unconfigured(tmp_path)
    email = transport.for_channel(Channel.EMAIL, settings)
    assert "not configured" in email.description and str(tmp_path / "outbox") in email.description
    await email.start()
    message = messages.email()
    path = Path(await email.send(message))
    await email.send(message)  # the same message again replaces its file
    assert list((tmp_path / "outbox").glob("*.eml")) == [path]
    mail = _read(path)
    assert mail["To"] == message.recipient and mail["Subject"] == message.subject
    assert mail.get_body(("html",)) is not None and mail.get_body(("plain",)) is not None


async def test_sms_become_json_lines(tmp_path: Path) -> None:
    settings = _unconfigured(tmp_path)
    sms = transport.for_channel(Channel.SMS, settings)
    assert "not configured" in sms.description
    await sms.start()
    first, second = messages.sms(), messages.sms()
    await sms.send(first)
    await sms.send(second)
    lines = (tmp_path / "outbox" / "sms.jsonl").read_text().splitlines()
    assert [json.loads(line)["to"] for line in lines] == [first.recipient, second.recipient]
    assert json.loads(lines[0])["body"] == first.text


def test_configured_servers_are_described_without_secrets(settings: Settings) -> None:
    for channel in Channel:
        assert transport.configured(channel, settings)
        description = transport.describe(channel, settings)
        assert settings.smtp_password and settings.smtp_password not in description
        assert settings.twilio_auth_token and settings.twilio_auth_token not in description
    assert "SMTP 127.0.0.1" in transport.describe(Channel.EMAIL, settings)
    assert "secret" not in repr(settings)

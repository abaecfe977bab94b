"""The SMTP adapter against a real SMTP server on loopback: what arrives, and how it refuses."""

import pytest

from actors.domain.delivery import SendFailed
from adapters.config import Settings
from adapters.embedded import free_port
from adapters.smtp import SmtpTransport, message_id
from tests.integration import messages
from tests.smtp_server import RecordingSmtp


async def test_a_message_arrives_with_a_text_and_an_html_part(
    settings: Settings, smtp_server: RecordingSmtp
) -> None:
    message = messages.email()
    sent_id = await SmtpTransport(settings).send(message)
    [received] = smtp_server.to(message.recipient)
    mail = received.message
    assert mail["Subject"] == "Budget exceeded: groceries, November"
    assert mail["From"] == settings.smtp_from and mail["To"] == message.recipient
    assert mail["Message-ID"] == sent_id == message_id(message.dedup_key, settings.smtp_from)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert "spent 512.30 of 450.00" in received.body("plain")
    assert "<p>Hello Ann,</p>" in received.body("html")


async def test_a_4xx_is_temporary(settings: Settings, smtp_server: RecordingSmtp) -> None:
    message = messages.email()
    smtp_server.refuse_temporarily(message.recipient, 1)
    with pytest.raises(SendFailed) as refused:
        await SmtpTransport(settings).send(message)
    assert refused.value.temporary and "451" in refused.value.reason
    await SmtpTransport(settings).send(message)
    assert len(smtp_server.to(message.recipient)) == 1


async def test_a_5xx_for_the_recipient_is_permanent(
    settings: Settings, smtp_server: RecordingSmtp
) -> None:
    message = messages.email()
    smtp_server.reject(message.recipient)
    with pytest.raises(SendFailed) as refused:
        await SmtpTransport(settings).send(message)
    assert not refused.value.temporary and "550" in refused.value.reason


async def test_a_wrong_password_is_permanent(settings: Settings) -> None:
    wrong = settings.model_copy(update={"smtp_password": "not-the-password"})
    with pytest.raises(SendFailed) as refused:
        await SmtpTransport(wrong).send(messages.email())
    assert not refused.value.temporary and "535" in refused.value.reason


async def test_without_the_login_the_server_refuses(settings: Settings) -> None:
    anonymous = settings.model_copy(update={"smtp_username": None, "smtp_password": None})
    with pytest.raises(SendFailed) as refused:
        await SmtpTransport(anonymous).send(messages.email())
    assert not refused.value.temporary and "530" in refused.value.reason


async def test_a_refused_connection_is_temporary(settings: Settings) -> None:
    nobody = settings.model_copy(update={"smtp_port": free_port()})
    with pytest.raises(SendFailed) as refused:
        await SmtpTransport(nobody).send(messages.email())
    assert refused.value.temporary

"""The SMS adapter: the real twilio client against a Twilio-compatible server on loopback."""

import pytest

from actors.domain.delivery import SendFailed
from adapters.config import Settings
from adapters.embedded import free_port
from adapters.sms import TwilioTransport
from tests.conftest import TWILIO_FROM
from tests.integration import messages
from tests.twilio_server import FakeTwilio


async def _send(settings: Settings, *batch: messages.Message) -> list[str]:
    transport = TwilioTransport(settings)
    await transport.start()
    try:
        return [await transport.send(message) for message in batch]
    finally:
        await transport.close()


async def test_an_sms_is_sent_with_the_configured_number(
    settings: Settings, twilio_server: FakeTwilio
) -> None:
    message = messages.sms()
    [sid] = await _send(settings, message)
    [sent] = twilio_server.to(message.recipient)
    assert sid == sent["sid"] and sid.startswith("SM")
    assert (sent["from"], sent["body"]) == (TWILIO_FROM, message.text)


@pytest.mark.parametrize(("arrange", "status"), [("throttle", "429"), ("fail", "503")])
async def test_throttling_and_server_errors_are_temporary(
    settings: Settings, twilio_server: FakeTwilio, arrange: str, status: str
) -> None:
    message = messages.sms()
    getattr(twilio_server, arrange)(message.recipient, 1)
    with pytest.raises(SendFailed) as refused:
        await _send(settings, message)
    assert refused.value.temporary and status in refused.value.reason
    await _send(settings, message)
    assert len(twilio_server.to(message.recipient)) == 1


async def test_an_invalid_number_is_permanent(
    settings: Settings, twilio_server: FakeTwilio
) -> None:
    message = messages.sms()
    twilio_server.invalid(message.recipient)
    with pytest.raises(SendFailed) as refused:
        await _send(settings, message)
    assert not refused.value.temporary and "21211" in refused.value.reason


async def test_wrong_credentials_are_permanent(settings: Settings) -> None:
    wrong = settings.model_copy(update={"twilio_auth_token": "not-the-token"})
    with pytest.raises(SendFailed) as refused:
        await _send(wrong, messages.sms())
    assert not refused.value.temporary and "20003" in refused.value.reason


async def test_a_refused_connection_is_temporary(settings: Settings) -> None:
    nobody = settings.model_copy(update={"twilio_api_base": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(SendFailed) as refused:
        await _send(nobody, messages.sms())
    assert refused.value.temporary

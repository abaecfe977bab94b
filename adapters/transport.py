"""The port each channel's sender implements, and the one place that picks the implementation."""

from typing import Protocol

from actors.domain.messages import Message
from actors.domain.preferences import Channel
from adapters.config import Settings
from adapters.file_outbox import EmlFolder, SmsLines


class Transport(Protocol):
    # Where messages go, for the log and `ledgerflow up`; never a secret.
    description: str

    async def start(self) -> None: ...

    async def send(self, message: Message) -> str:
        """Hand the message over; returns the provider's id for it, raises SendFailed."""
        ...


def for_channel(channel: Channel, settings: Settings) -> Transport:
    # A provider's client is imported only where it is used: Twilio's (with aiohttp) costs the
    # start of every process that imports this module a tenth of a second.
    if channel is Channel.EMAIL:
        if settings.smtp_configured:
            from adapters.smtp import SmtpTransport

            return SmtpTransport(settings)
        return EmlFolder(settings.outbox_folder, settings.smtp_from)
    if settings.twilio_configured:
        from adapters.sms import TwilioTransport

        return TwilioTransport(settings)
    return SmsLines(settings.outbox_folder / "sms.jsonl")


def configured(channel: Channel, settings: Settings) -> bool:
    return settings.smtp_configured if channel is Channel.EMAIL else settings.twilio_configured


def describe(channel: Channel, settings: Settings) -> str:
    return for_channel(channel, settings).description

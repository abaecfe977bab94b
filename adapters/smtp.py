"""E-mail through an SMTP server with aiosmtplib; each failure is temporary or permanent.
The last step of a write's path, which begins at serve/transactions.py."""

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

from actors.domain.delivery import SendFailed
from actors.domain.messages import Message
from adapters.config import Settings

TIMEOUT_SECONDS = 20.0
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


def build(message: Message, sender: str) -> EmailMessage:
    """The e-mail with a plain-text and an HTML part."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = message_id(message.dedup_key, sender)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to alerts
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    return mail


def message_id(dedup_key: str, sender: str) -> str:
    """Derived from the delivery key, so a message sent twice after a crash carries the same
    Message-ID, which lets mail stores and clients recognise the copy."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "ledgerflow.localhost"
    return f"<{hashlib.sha256(dedup_key.encode()).hexdigest()[:32]}@{domain}>"


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host
        self._settings = settings
        self._port = settings.smtp_port or DEFAULT_PORTS[settings.smtp_tls]
        self.description = f"SMTP {settings.smtp_host}:{self._port} (TLS: {settings.smtp_tls})"

    async def start(self) -> None:
        pass

    async def send(self, message: Message) -> str:
        """Returns the Message-ID; raises SendFailed."""
        settings = self._settings
        mail = build(message, settings.smtp_from)
        try:
            await aiosmtplib.send(
                mail,
                hostname=settings.smtp_host,
                port=self._port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                use_tls=settings.smtp_tls == "tls",
                start_tls=settings.smtp_tls == "starttls",
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            reasons = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
            raise SendFailed(
                f"recipient refused: {reasons}", temporary=all(_temporary(c) for c in codes)
            ) from error
        except aiosmtplib.SMTPResponseException as error:
            raise SendFailed(
                f"SMTP {error.code} {error.message}", temporary=_temporary(error.code)
            ) from error
        except aiosmtplib.SMTPNotSupported as error:
            raise SendFailed(f"SMTP server: {error}", temporary=False) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            # Refused or dropped connections and timeouts: the server may be back soon.
            raise SendFailed(f"{type(error).__name__}: {error}", temporary=True) from error
        return str(mail["Message-ID"])


def _temporary(code: int) -> bool:
    """RFC 5321: 4xx is a transient failure; 5xx is permanent for this message."""
    return not 500 <= code < 600

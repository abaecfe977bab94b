"""A real SMTP server on loopback (aiosmtpd, in its own thread) that requires a login, records
every message it accepts, and refuses on demand: 4xx a given number of times, or 5xx always."""

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from adapters.embedded import free_port

# aiosmtpd logs its own use of a deprecated attribute at every login.
logging.getLogger("mail.log").setLevel(logging.ERROR)

USERNAME = "ledgerflow"
PASSWORD = "smtp-secret"


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    def body(self, subtype: str) -> str:
        part = self.message.get_body((subtype,))
        assert part is not None, f"no {subtype} part"
        return str(part.get_content())  # type: ignore[attr-defined]


class RecordingSmtp:
    def __init__(self) -> None:
        # Reentrant, and notified at every change, so a test can wait for what it expects.
        self._lock = threading.Condition()
        self._received: list[Received] = []
        self._refusals: Counter[str] = Counter()
        self._rejected: set[str] = set()
        self.attempts: Counter[str] = Counter()  # DATA commands per recipient
        self.port = free_port()
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            # A login without TLS is fine on loopback. Required in handle_MAIL rather than with
            # auth_required, which makes aiosmtpd warn about the missing TLS at every connection.
            auth_require_tls=False,
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    # What the tests ask for.

    def refuse_temporarily(self, recipient: str, times: int) -> None:
        """Answer 451 to the next `times` messages for this recipient."""
        with self._lock:
            self._refusals[recipient.lower()] = times

    def reject(self, recipient: str) -> None:
        """Answer 550 to this recipient, always."""
        with self._lock:
            self._rejected.add(recipient.lower())

    def accept(self, recipient: str) -> None:
        """Take this recipient's messages again, after `reject`."""
        with self._lock:
            self._rejected.discard(recipient.lower())

    def to(self, recipient: str) -> list[Received]:
        with self._lock:
            return [r for r in self._received if recipient.lower() in r.recipients]

    async def wait_for(self, condition: Callable[[], bool], within: float = 30.0) -> None:
        def wait() -> bool:
            with self._lock:
                return self._lock.wait_for(condition, within)

        assert await asyncio.to_thread(wait), f"not within {within} s"

    async def wait_for_count(self, recipient: str, count: int, within: float = 30.0) -> None:
        await self.wait_for(lambda: len(self.to(recipient)) >= count, within)

    # The aiosmtpd handler.

    def _authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USERNAME.encode(),
            PASSWORD.encode(),
        )
        return AuthResult(success=ok, handled=False)

    async def handle_MAIL(
        self, _server: SMTP, session: Session, envelope: Envelope, address: str, _options: list
    ) -> str:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: list
    ) -> str:
        with self._lock:
            if address.lower() in self._rejected:
                return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        recipients = tuple(r.lower() for r in envelope.rcpt_tos)
        with self._lock:
            self.attempts.update(recipients)
            self._lock.notify_all()
            refused = [r for r in recipients if self._refusals[r] > 0]
            if refused:
                self._refusals.subtract(refused)
                return "451 4.3.0 Temporary failure, try again later"
            content = envelope.original_content or envelope.content or b""
            assert isinstance(content, bytes)
            message = message_from_bytes(content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self._received.append(Received(str(envelope.mail_from), recipients, message))
            self._lock.notify_all()
        return "250 2.0.0 Accepted"

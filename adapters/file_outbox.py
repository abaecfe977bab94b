"""Where messages go when no SMTP server or Twilio account is configured: files a person can
read, one .eml per e-mail and one JSON line per SMS."""

import asyncio
import hashlib
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from actors.domain.messages import Message
from adapters import smtp

log = logging.getLogger(__name__)


class EmlFolder:
    def __init__(self, folder: Path, sender: str) -> None:
        self._folder = folder
        self._sender = sender
        self.description = f"not configured (SMTP_HOST unset): written to {folder}/*.eml"

    async def start(self) -> None:
        await asyncio.to_thread(self._folder.mkdir, parents=True, exist_ok=True)

    async def send(self, message: Message) -> str:
        # Named by the delivery key: writing the same message again replaces the file.
        name = hashlib.sha256(message.dedup_key.encode()).hexdigest()[:24]
        path = self._folder / f"{name}.eml"
        mail = smtp.build(message, self._sender)
        await asyncio.to_thread(_write_whole, path, mail.as_bytes())
        # A warning, so that the console of `ledgerflow up` shows what would have been sent.
        log.warning(
            "e-mail not sent (no SMTP_HOST) to %s: %r, in %s",
            message.recipient,
            message.subject,
            path,
        )
        return str(path)


class SmsLines:
    def __init__(self, path: Path) -> None:
        self._path = path
        self.description = f"not configured (TWILIO_* unset): written to {path}"

    async def start(self) -> None:
        await asyncio.to_thread(self._path.parent.mkdir, parents=True, exist_ok=True)

    async def send(self, message: Message) -> str:
        line = json.dumps(
            {
                "to": message.recipient,
                "body": message.text,
                "at": datetime.now(UTC).isoformat(),
                "key": message.dedup_key,
            }
        )
        await asyncio.to_thread(_append_line, self._path, line)
        log.warning("SMS not sent (no TWILIO_*) to %s: %r", message.recipient, message.text)
        return f"{self._path}:{message.dedup_key}"


def _write_whole(path: Path, content: bytes) -> None:
    # Written aside and renamed: a reader never sees half an e-mail.
    partial = path.with_suffix(".part")
    partial.write_bytes(content)
    os.replace(partial, path)


def _append_line(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(line + "\n")

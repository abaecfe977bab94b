"""The system's log lines: one per event of interest (`event`), as text or, with
`LEDGERFLOW_LOG_FORMAT=json`, as one JSON object a line; and, in either format, no password,
token, e-mail address or phone number in any line, whoever logged it (`redact`)."""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from actors.domain.dead_letter import DeadLetter

LogFormat = Literal["text", "json"]

#: The loggers of our own packages, which log their events at INFO.
OWN_LOGGERS = ("actors", "adapters", "serve")

_SECRET_NAME = r"password|passwd|secret|token|api_key|authorization"
_HIDDEN = [
    # user:password@ in a URL, before the e-mail rule could take its host for an address
    (re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+@"), "<credentials>@"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "<email>"),
    (re.compile(r"(?<![\w+])\+\d{7,15}\b"), "<phone>"),
    (re.compile(r"\beyJ[\w-]*\.[\w-]*\.[\w-]*"), "<token>"),  # a JWT
    (re.compile(r"(?i)\bbearer\s+[\w.~+/=-]+"), "Bearer <token>"),
    # password=..., "refresh_token": "...", TWILIO_AUTH_TOKEN=...
    (
        re.compile(rf"(?i)(\w*(?:{_SECRET_NAME})\w*[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&}}]+"),
        r"\1<redacted>",
    ),
]
_HIDDEN_FIELD = re.compile(rf"(?i){_SECRET_NAME}|email|phone|recipient")
_FIELDS = "ledgerflow_fields"
_EVENT = "ledgerflow_event"


def redact(text: str) -> str:
    """The text without the passwords, tokens, e-mail addresses and phone numbers it holds."""
    for pattern, replacement in _HIDDEN:
        text = pattern.sub(replacement, text)
    return text


def event(logger: logging.Logger, name: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """One line for an event of interest: its name and its fields (`shard_assigned`,
    `consumer="ledger-shard-0"`, `partitions=[0, 2]`)."""
    logger.log(level, "%s", name, extra={_EVENT: name, _FIELDS: fields})


def dead_lettered(
    logger: logging.Logger, source: str, letter: DeadLetter, *, error: bool = False, **more: Any
) -> None:
    """The line of a record sent to its dead-letter topic: a warning, or an error for what
    points at a bug rather than at the record."""
    event(
        logger,
        "dead_lettered",
        level=logging.ERROR if error else logging.WARNING,
        source=source,
        topic=letter.topic,
        partition=letter.partition,
        offset=letter.offset,
        key=letter.key_text,
        reason=letter.reason[:300],
        **more,
    )


class _Format(logging.Formatter):
    def __init__(self, log_format: LogFormat) -> None:
        super().__init__()
        self._json = log_format == "json"

    def format(self, record: logging.LogRecord) -> str:
        fields = {key: _field(key, value) for key, value in _fields_of(record).items()}
        message = redact(record.getMessage())
        error = redact(self.formatException(record.exc_info)) if record.exc_info else None
        if self._json:
            line: dict[str, Any] = {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": message,
            }
            if event_name := getattr(record, _EVENT, None):
                line["event"] = event_name
            line.update(fields)
            if error:
                line["error"] = error
            return json.dumps(line, ensure_ascii=False, default=str)
        text = " ".join([message, *(f"{key}={value}" for key, value in fields.items())])
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{stamp} {record.levelname} {record.name}: {text}" + (f"\n{error}" if error else "")


def _fields_of(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, _FIELDS, None)
    return fields if isinstance(fields, dict) else {}


def _field(key: str, value: Any) -> Any:
    if _HIDDEN_FIELD.search(key):
        return "<redacted>"
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_field(key, item) for item in value]
    return redact(str(value))


class _OwnHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler `configure` installs, so that a second call replaces it."""


def configure(
    log_format: LogFormat, level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """Every line of this process through one handler, in the format asked, redacted; our own
    loggers at `level`. Called once by each actor and replica (and `up`). The lines go to the
    process's own stderr (what Ray keeps in the worker's .err file and shows on the driver's
    console), not to a Serve replica's sys.stderr, which buffers them in Serve's logger."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OwnHandler)]:
        root.removeHandler(handler)
    handler = _OwnHandler(stream or sys.__stderr__)
    handler.setFormatter(_Format(log_format))
    root.addHandler(handler)
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)

"""A Twilio-compatible HTTP server on loopback, in its own thread: the part of the REST API that
the twilio client uses to send an SMS (`POST /2010-04-01/Accounts/{sid}/Messages.json`,
form-encoded, basic auth), with Twilio-shaped replies and errors, and failures on demand."""

import asyncio
import base64
import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from uuid import uuid4

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-secret-token"
MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json$")


def _error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return status, {"code": code, "message": message, "more_info": more_info, "status": status}


class FakeTwilio:
    def __init__(self) -> None:
        # Reentrant, and notified at every change, so a test can wait for what it expects.
        self._lock = threading.Condition()
        self._sent: list[dict[str, Any]] = []
        self._throttled: Counter[str] = Counter()
        self._failing: Counter[str] = Counter()
        self._invalid: set[str] = set()
        self.requests: Counter[str] = Counter()  # per 'To', whatever the answer
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # What the tests ask for.

    def throttle(self, number: str, times: int) -> None:
        """Answer 429 to the next `times` messages to this number."""
        with self._lock:
            self._throttled[number] = times

    def fail(self, number: str, times: int) -> None:
        """Answer 503 to the next `times` messages to this number."""
        with self._lock:
            self._failing[number] = times

    def invalid(self, number: str) -> None:
        """Answer error 21211, invalid 'To' number, for this number."""
        with self._lock:
            self._invalid.add(number)

    def to(self, number: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self._sent if m["to"] == number]

    async def wait_for(self, condition: Callable[[], bool], within: float = 30.0) -> None:
        def wait() -> bool:
            with self._lock:
                return self._lock.wait_for(condition, within)

        assert await asyncio.to_thread(wait), f"not within {within} s"

    async def wait_for_count(self, number: str, count: int, within: float = 30.0) -> None:
        await self.wait_for(lambda: len(self.to(number)) >= count, within)

    # The server.

    def _answer(self, path: str, authorization: str, form: dict[str, str]) -> tuple[int, Any]:
        match = MESSAGES.match(path)
        if match is None:
            return _error(404, 20404, f"The requested resource {path} was not found")
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if authorization != f"Basic {expected}" or match["sid"] != ACCOUNT_SID:
            return _error(401, 20003, "Authenticate")
        for field, code in (("To", 21604), ("From", 21603), ("Body", 21602)):
            if not form.get(field):
                return _error(400, code, f"A '{field}' parameter is required.")
        to = form["To"]
        with self._lock:
            self.requests[to] += 1
            self._lock.notify_all()
            if self._throttled[to] > 0:
                self._throttled[to] -= 1
                return _error(429, 20429, "Too Many Requests")
            if self._failing[to] > 0:
                self._failing[to] -= 1
                return _error(503, 20503, "Service Unavailable")
            if to in self._invalid:
                return _error(400, 21211, f"Invalid 'To' Phone Number: {to}")
            message = self._message(form)
            self._sent.append(message)
            self._lock.notify_all()
        return 201, message

    def _message(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + uuid4().hex
        now = formatdate(usegmt=True)
        base = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}"
        return {
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form["From"],
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": form["To"],
            "uri": f"{base}.json",
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").split(";")[0] != (
                    "application/x-www-form-urlencoded"
                ):
                    status, body = _error(415, 20415, "Unsupported Media Type")
                else:
                    form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                    status, body = fake._answer(
                        self.path, self.headers.get("Authorization", ""), form
                    )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

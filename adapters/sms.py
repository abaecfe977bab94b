"""SMS through the twilio client, to Twilio or to a Twilio-compatible endpoint.
The last step of a write's path, which begins at serve/transactions.py."""

import base64
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from actors.domain.delivery import SendFailed
from actors.domain.messages import Message
from adapters.config import Settings

TWILIO_API = "https://api.twilio.com"
TIMEOUT_SECONDS = 20.0
# Errors no retry can fix: the number is invalid, cannot receive SMS, or has opted out.
# https://www.twilio.com/docs/api/errors
PERMANENT_CODES = frozenset(
    {21211, 21214, 21217, 21219, 21401, 21407, 21408, 21421, 21610, 21612, 21614}
)


class RebasedHttpClient(AsyncTwilioHttpClient):
    """Twilio's async HTTP client, sending what is meant for api.twilio.com to another base URL.

    A custom HTTP client is the extension point Twilio documents for this
    (https://www.twilio.com/docs/libraries/python/custom-http-clients-python); the client's
    `edge` and `region` only choose among Twilio's own hosts.
    """

    def __init__(self, api_base: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._api_base = api_base.rstrip("/") if api_base else None

    async def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the signature of twilio's HttpClient)
        allow_redirects: bool = False,
    ) -> Response:
        if self._api_base and url.startswith(TWILIO_API + "/"):
            url = self._api_base + url[len(TWILIO_API) :]
        if auth is not None:
            # As a header: aiohttp deprecates the auth parameter that twilio's client passes on.
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers = (headers or {}) | {"Authorization": f"Basic {token}"}
        # Without a timeout aiohttp would wait five minutes for a server that does not answer.
        return await super().request(
            method, url, params, data, headers, None, timeout or self.timeout, allow_redirects
        )


class TwilioTransport:
    def __init__(self, settings: Settings) -> None:
        assert settings.twilio_configured
        self._settings = settings
        self._http: RebasedHttpClient | None = None
        self._client: Client | None = None
        where = settings.twilio_api_base or TWILIO_API
        self.description = f"Twilio at {where}, from {settings.twilio_from_number}"

    async def start(self) -> None:
        # The HTTP session belongs to the running event loop: made here, not in __init__.
        self._http = RebasedHttpClient(self._settings.twilio_api_base, TIMEOUT_SECONDS)
        self._client = Client(
            self._settings.twilio_account_sid,
            self._settings.twilio_auth_token,
            http_client=self._http,
        )

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def send(self, message: Message) -> str:
        """Returns the message SID; raises SendFailed."""
        assert self._client is not None, "start() first"
        try:
            sent = await self._client.messages.create_async(
                to=message.recipient, from_=self._settings.twilio_from_number, body=message.text
            )
        except TwilioException as error:
            status, code = _status_and_code(error)
            raise SendFailed(
                f"Twilio {status} error {code}: {_detail(error)}",
                temporary=_temporary(status, code),
            ) from error
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise SendFailed(f"{type(error).__name__}: {error}", temporary=True) from error
        return str(sent.sid)


def _status_and_code(error: TwilioException) -> tuple[int, int | None]:
    return int(getattr(error, "status", 0) or 0), getattr(error, "code", None)


def _detail(error: Any) -> str:
    return str(getattr(error, "msg", None) or getattr(error, "detail", None) or "")


def _temporary(status: int, code: int | None) -> bool:
    """Throttling and server errors pass; any other refusal would be refused again."""
    if code in PERMANENT_CODES:
        return False
    return status == 429 or status >= 500 or status == 0

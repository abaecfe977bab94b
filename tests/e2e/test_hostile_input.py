"""Every hostile input of issue 10 over HTTP: a 4xx whose message names the field and what is
wrong, never a 500, and nothing stored."""

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from tortoise import connections

from adapters.config import Settings
from tests.e2e.identity import Account, create_budget, signup_and_login, unique_email

TRANSACTION = {"amount": "10.00", "type": "expense", "category": "food"}
BUDGET = {"category": "rent", "limit": "100", "period": "monthly"}
GOAL = {"name": "Bike", "target_amount": "500"}
MEGABYTE = 1024 * 1024


@dataclass
class Case:
    method: str
    path: str
    field: str
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)
    status: int = 422
    # What the message says besides the field's name.
    says: str = ""


def _signup(**changes: str) -> dict[str, str]:
    return {
        "name": "Eve",
        "email": unique_email("hostile"),
        "password": "velvet otter quilt",
    } | changes


def _cursor(at: str) -> str:
    """A cursor as the API writes them, for a moment the API would never have written."""
    raw = f"{at}|00000000-0000-0000-0000-000000000000".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ARABIC_INDIC_PHONE = "+\u0661\u0665\u0665\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667"
CONTROL = "must not contain control characters or line breaks"
OUT_OF_RANGE = "must be a day from 1970-01-01 to 2200-12-31"
NOT_ASCII_DECIMAL = "must be a decimal number in ASCII digits"
NOT_IANA = "must be an IANA time zone"

CASES = {
    # -- were a 500
    "NUL in a category": Case(
        "POST", "/api/transaction", "category", TRANSACTION | {"category": "fo\x00od"}, says=CONTROL
    ),
    "NUL in a description": Case(
        "POST",
        "/api/transaction",
        "description",
        TRANSACTION | {"description": "a\x00b"},
        says=CONTROL,
    ),
    "NUL in a goal name": Case("POST", "/api/goal", "name", GOAL | {"name": "B\x00"}, says=CONTROL),
    "NUL in a profile name": Case("PATCH", "/api/user/me", "name", {"name": "A\x00"}, says=CONTROL),
    "NUL in ?category=": Case(
        "GET", "/api/transaction", "category", params={"category": "fo\x00od"}, says=CONTROL
    ),
    "40 x İ as a category": Case(
        "POST",
        "/api/transaction",
        "category",
        TRANSACTION | {"category": "\u0130" * 40},
        says="at most 64 characters",
    ),
    "occurred_at in year 1 at +05:00": Case(
        "POST",
        "/api/transaction",
        "occurred_at",
        TRANSACTION | {"occurred_at": "0001-01-01T00:00+05:00"},
        says=OUT_OF_RANGE,
    ),
    "occurred_at at the end of year 9999 at -05:00": Case(
        "POST",
        "/api/transaction",
        "occurred_at",
        TRANSACTION | {"occurred_at": "9999-12-31T23:59:59-05:00"},
        says=OUT_OF_RANGE,
    ),
    "?period=9999-12-31 on a weekly budget": Case(
        "GET", "/api/budget/{weekly}", "period", params={"period": "9999-12-31"}, says=OUT_OF_RANGE
    ),
    "a cursor made up to reach year 1": Case(
        "GET",
        "/api/transaction",
        "cursor",
        params={"cursor": _cursor("0001-01-01T00:00:00+05:00")},
        says="is not a cursor this API returned",
    ),
    # -- were accepted
    "CR/LF in a profile name": Case(
        "PATCH", "/api/user/me", "name", {"name": "Ann\r\nBcc: x@evil.example"}, says=CONTROL
    ),
    "U+2028 in a profile name": Case(
        "PATCH", "/api/user/me", "name", {"name": "Ann\u2028Lee"}, says=CONTROL
    ),
    "CR/LF in a category": Case(
        "POST", "/api/budget", "category", BUDGET | {"category": "rent\r\nurgent"}, says=CONTROL
    ),
    "U+2028 in a category": Case(
        "POST", "/api/transaction", "category", TRANSACTION | {"category": "a\u2028b"}, says=CONTROL
    ),
    "a 10 MB JSON body": Case(
        "POST",
        "/api/transaction",
        "body",
        TRANSACTION | {"description": "x" * (10 * MEGABYTE)},
        status=413,
        says="too large",
    ),
    "amount 1_000": Case(
        "POST",
        "/api/transaction",
        "amount",
        TRANSACTION | {"amount": "1_000"},
        says=NOT_ASCII_DECIMAL,
    ),
    "amount in Arabic-Indic digits": Case(
        "POST",
        "/api/transaction",
        "amount",
        TRANSACTION | {"amount": "\u0661\u0660\u0660"},
        says=NOT_ASCII_DECIMAL,
    ),
    "a blank category": Case(
        "POST", "/api/budget", "category", BUDGET | {"category": "   "}, says="must not be blank"
    ),
    "thresholds [true]": Case(
        "POST", "/api/budget", "alert_thresholds.0", BUDGET | {"alert_thresholds": [True]}
    ),
    "time zone localtime": Case(
        "PATCH", "/api/user/me", "timezone", {"timezone": "localtime"}, says=NOT_IANA
    ),
    "time zone Factory": Case(
        "PATCH", "/api/user/me", "timezone", {"timezone": "Factory"}, says=NOT_IANA
    ),
    "a phone in Arabic-Indic digits on the profile": Case(
        "PATCH", "/api/user/me", "phone", {"phone": ARABIC_INDIC_PHONE}, says="E.164"
    ),
    "a phone in Arabic-Indic digits at sign-up": Case(
        "POST", "/api/user/signup", "phone", _signup(phone=ARABIC_INDIC_PHONE), says="E.164"
    ),
    "password 'password'": Case(
        "POST",
        "/api/user/signup",
        "password",
        _signup(password="password"),
        says="too easy to guess",
    ),
    "a password of eight spaces": Case(
        "POST", "/api/user/signup", "password", _signup(password=" " * 8), says="too easy to guess"
    ),
    "a goal deadline in year 1": Case(
        "POST", "/api/goal", "deadline", GOAL | {"deadline": "0001-06-30"}, says=OUT_OF_RANGE
    ),
    # -- unknown fields, in every body
    "an unknown field in a new transaction": Case(
        "POST", "/api/transaction", "admin", TRANSACTION | {"admin": True}
    ),
    "an unknown field in a new budget": Case("POST", "/api/budget", "owner", BUDGET | {"owner": 1}),
    "an unknown field in a new goal": Case("POST", "/api/goal", "saved", GOAL | {"saved": "500"}),
    "an unknown field in a contribution": Case(
        "POST", "/api/goal/{goal}/contribution", "goal_id", {"amount": "5", "goal_id": "x"}
    ),
    "an unknown field at sign-up": Case(
        "POST", "/api/user/signup", "is_admin", _signup() | {"is_admin": True}
    ),
    "an unknown field at login": Case(
        "POST",
        "/api/user/login",
        "remember",
        {"email": "a@example.com", "password": "x", "remember": True},
    ),
    "an unknown field in a refresh": Case(
        "POST", "/api/token/refresh", "scope", {"refresh_token": "x", "scope": "admin"}
    ),
}


async def _stored(api: httpx.AsyncClient, account: Account) -> list[Any]:
    """All that the account holds, as its owner reads it."""
    paths = ["/api/user/me", "/api/transaction", "/api/budget", "/api/goal"]
    return [(await api.get(path, headers=account.auth)).json() for path in paths]


@pytest.fixture
async def account(api: httpx.AsyncClient) -> AsyncIterator[tuple[Account, dict[str, str]]]:
    account = await signup_and_login(api)
    weekly = await create_budget(api, account, "food", "50", "weekly")
    goal = await api.post("/api/goal", headers=account.auth, json={**GOAL, "name": "Kept"})
    assert goal.status_code == 201, goal.text
    yield account, {"weekly": weekly, "goal": goal.json()["id"]}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_each_hostile_input_is_a_4xx_naming_the_field_and_stores_nothing(
    api: httpx.AsyncClient,
    account: tuple[Account, dict[str, str]],
    db: Settings,
    case: Case,
) -> None:
    owner, ids = account
    before = await _stored(api, owner)
    response = await api.request(
        case.method,
        case.path.format(**ids),
        headers=owner.auth,
        json=case.json,
        params=case.params,
    )
    assert response.status_code == case.status, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"{case.field}: ") or f"; {case.field}: " in detail, detail
    assert case.says in detail
    assert await _stored(api, owner) == before
    if case.path == "/api/user/signup":
        users = await connections.get("default").execute_query_dict(
            "SELECT 1 FROM users WHERE email_key = $1", [case.json["email"].lower()]
        )
        assert users == []


async def test_a_chunked_body_over_the_limit_is_refused_before_it_is_parsed(
    api: httpx.AsyncClient, account: tuple[Account, dict[str, str]]
) -> None:
    owner, _ = account
    before = await _stored(api, owner)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"amount": "1.00", "type": "expense", "category": "food", "description": "'
        for _ in range(160):  # 10 MB in all, without a Content-Length
            yield b"x" * 65536
        yield b'"}'

    response = await api.post(
        "/api/transaction",
        headers=owner.auth | {"content-type": "application/json"},
        content=chunks(),
    )
    assert response.status_code == 413, response.text
    assert response.json()["detail"].startswith("body: too large")
    assert await _stored(api, owner) == before

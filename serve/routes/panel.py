"""The admin panel at /admin: one page of HTML, CSS and plain JavaScript from the package, which
calls the admin API with the access token it keeps in memory."""

import base64
import hashlib
import re
from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["admin"], include_in_schema=False)

PAGE = ("admin_panel", "index.html")


@cache
def page() -> tuple[str, dict[str, str]]:
    """The page and its headers. The policy allows only the page's own inline script and style
    (by their hashes) and calls to this origin: a name or a dead letter's text that holds
    markup can never run as code in an admin's browser."""
    html = resources.files("serve").joinpath(*PAGE).read_text(encoding="utf-8")
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_hashes(html, 'script')}",
            f"style-src {_hashes(html, 'style')}",
            "connect-src 'self'",
            "img-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    headers = {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    return html, headers


def _hashes(html: str, tag: str) -> str:
    bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.DOTALL)
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in bodies
    )


@router.get("/admin", response_class=HTMLResponse)
async def admin_panel() -> HTMLResponse:
    html, headers = page()
    return HTMLResponse(html, headers=headers)

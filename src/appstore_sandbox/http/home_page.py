"""``GET /``: where to start, until there is a console. A small HTML page, or JSON when asked
with ``Accept: application/json``: the base URLs, the default app's bundle id and key ids, and
the first commands to run.

The page is neither on Apple's surface nor on the control surface, so the gate asks no token
for it; the gate's Host and Origin checks still keep other sites' pages from reading it. What
the admin token locks (the default app and its key, ``/_sandbox/v1/env``) is left out of the
page of a locked sandbox unless the request carries the token. A private key is never on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from appstore_sandbox.config import Settings
from appstore_sandbox.control.dependencies import SandboxSettings
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.errors import AdminTokenRequired
from appstore_sandbox.http.admin_token import check_admin_token
from appstore_sandbox.http.docs_assets import DOCS_PATH
from appstore_sandbox.http.sandbox_wide import SandboxWide, SandboxWideOperations
from appstore_sandbox.version import __version__

_HOME_PATH = "/"


@dataclass(frozen=True)
class _DefaultApp:
    bundle_id: str
    issuer_id: str
    key_id: str


@dataclass(frozen=True)
class _HomePage:
    base_url: str
    locked: bool
    default_app: _DefaultApp | None

    @property
    def urls(self) -> dict[str, str]:
        base = self.base_url
        return {
            "sandboxUrl": f"{base}/sandbox",
            "productionUrl": f"{base}/production",
            "controlUrl": f"{base}/_sandbox/v1",
            "docsUrl": f"{base}{DOCS_PATH}",
            "openapiUrl": f"{base}/openapi.json",
        }

    @property
    def commands(self) -> list[tuple[str, str]]:
        """(command, what it does), in the order to try them."""
        token = [("export APPSTORE_SANDBOX_ADMIN_TOKEN=TOKEN", "the token serve was given")]
        return [
            (f"export APPSTORE_SANDBOX_SERVER={self.base_url}", "point the CLI at this sandbox"),
            *(token if self.locked else []),
            ('eval "$(appstore-sandbox env --shell)"', "base URLs, key file, issuer id and key id"),
            ("appstore-sandbox example-server --port 8000 &", "a Get Retention Message endpoint"),
            (
                "appstore-sandbox perf-test --url http://127.0.0.1:8000/retention",
                "Apple's performance test of that endpoint (or yours)",
            ),
            (
                "appstore-sandbox apps set-notification-url --environment sandbox "
                "--url http://127.0.0.1:8000/notifications",
                "where notifications go",
            ),
            ("appstore-sandbox notify test", "a signed TEST notification, and each send attempt"),
            ("appstore-sandbox --help", "every command"),
        ]

    def as_json(self) -> dict[str, Any]:
        app = self.default_app
        default_app = (
            {"bundleId": app.bundle_id, "issuerId": app.issuer_id, "keyId": app.key_id}
            if app
            else None
        )
        return {
            "name": "appstore-sandbox",
            "version": __version__,
            **self.urls,
            "locked": self.locked,
            "defaultApp": default_app,
            "commands": [
                {"command": command, "description": does} for command, does in self.commands
            ],
        }


def add_home_page(app: FastAPI) -> None:
    @app.get(_HOME_PATH, include_in_schema=False)
    def home(request: Request, settings: SandboxSettings, sandbox_wide: SandboxWide) -> Response:
        page = _home_page(settings, sandbox_wide, request.headers.get("authorization"))
        if _wants_json(request.headers.get("accept", "")):
            return JSONResponse(page.as_json())
        # Relative to where the page was reached (a proxy's name and prefix), as /docs's own.
        root: str = request.scope.get("root_path", "")
        return HTMLResponse(_render_html(page, docs_href=f"{root}{DOCS_PATH}"))


def _home_page(
    settings: Settings, sandbox_wide: SandboxWideOperations, authorization: str | None
) -> _HomePage:
    token = settings.admin_token
    try:
        check_admin_token(authorization, token)
        unlocked = True
    except AdminTokenRequired:
        unlocked = False
    return _HomePage(
        base_url=settings.base_url,
        locked=bool(token),
        default_app=_default_app(sandbox_wide) if unlocked else None,
    )


def _default_app(sandbox_wide: SandboxWideOperations) -> _DefaultApp | None:
    """The default app and its key as they are now (``None`` once either was deleted)."""
    key = sandbox_wide.default_key()
    return _DefaultApp(DEFAULT_BUNDLE_ID, key.issuer_id, key.key_id) if key else None


def _wants_json(accept: str) -> bool:
    """JSON when it is asked for and HTML is not (a browser asks for HTML)."""
    types = {part.partition(";")[0].strip().lower() for part in accept.split(",")}
    return "application/json" in types and "text/html" not in types


def _render_html(page: _HomePage, docs_href: str = DOCS_PATH) -> str:
    urls = page.urls
    rows = [
        ("Sandbox base URL", urls["sandboxUrl"]),
        ("Production base URL", urls["productionUrl"]),
        ("Control surface", urls["controlUrl"]),
        ("API docs", urls["docsUrl"]),
        ("OpenAPI", urls["openapiUrl"]),
    ]
    app = page.default_app
    if app:
        rows += [("Bundle id", app.bundle_id), ("Issuer id", app.issuer_id), ("Key id", app.key_id)]
    commands = "\n".join(
        f"<li><code>{escape(command)}</code> <span>{escape(does)}</span></li>"
        for command, does in page.commands
    )
    return _PAGE.format(
        version=escape(__version__),
        rows="\n".join(_row(name, value) for name, value in rows),
        docs=escape(docs_href),
        note=_note(page),
        commands=commands,
    )


def _row(name: str, value: str) -> str:
    return f"<tr><th>{escape(name)}</th><td><code>{escape(value)}</code></td></tr>"


def _note(page: _HomePage) -> str:
    if page.default_app:
        return (
            "<p>The key's private key is in its key file (<code>appstore-sandbox env</code> "
            "names it), never on this page.</p>"
        )
    if page.locked:
        return (
            "<p>The control surface is locked (<code>serve --admin-token</code>): "
            "<code>appstore-sandbox env --admin-token TOKEN</code> shows the default app and "
            "its key.</p>"
        )
    return (
        "<p>The default app or its key was deleted; <code>appstore-sandbox reset</code> "
        "brings them back.</p>"
    )


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>appstore-sandbox</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; }}
th {{ text-align: left; padding-right: 1.5rem; font-weight: 600; }}
code {{ font: 14px ui-monospace, monospace; }}
li span {{ color: #666; margin-left: .75rem; }}
</style>
</head>
<body>
<h1>appstore-sandbox {version}</h1>
<p>Apple's App Store server on your machine: the Retention Messaging API, App Store Server
Notifications and the App Store Server API. Point Apple's client at a base URL below;
<a href="{docs}">the API docs</a> list every operation.</p>
<table>
{rows}
</table>
{note}
<h2>Start with</h2>
<ul>
{commands}
</ul>
</body>
</html>
"""

"""``/docs`` served whole from this server: Swagger UI's script, stylesheet and icon come from
the ``fastapi-offline`` package under ``/docs/assets``, never from a CDN, so the page works on a
machine with no internet (FastAPI's "self-hosting JavaScript and CSS for docs").

Neither path is on Apple's surface nor on the control surface, so the gate asks no token for them.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
# fastapi-offline ships Swagger UI's dist files in its package's static/ folder; StaticFiles
# checks at start-up that the folder is there.
_ASSETS_PACKAGE = ("fastapi_offline", "static")
SCRIPT = "swagger-ui-bundle.js"
STYLESHEET = "swagger-ui.css"
ICON = "favicon.png"


def add_docs(app: FastAPI) -> None:
    """Serve Swagger UI at ``/docs`` and its files at ``/docs/assets``; build ``app`` with
    ``docs_url=None`` so that FastAPI adds no page of its own."""
    app.mount(ASSETS_PATH, StaticFiles(packages=[_ASSETS_PACKAGE]), name="docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        # Behind a proxy that strips a prefix, every URL in the page needs it back.
        root: str = request.scope.get("root_path", "")
        assets = f"{root}{ASSETS_PATH}"
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{assets}/{SCRIPT}",
            swagger_css_url=f"{assets}/{STYLESHEET}",
            swagger_favicon_url=f"{assets}/{ICON}",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

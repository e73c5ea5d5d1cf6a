"""The ``Allow`` header of a 405: every method the resource takes, not one route's.

Starlette answers 405 from the first route whose path matched, so a path served by a GET route
and a DELETE route would say ``Allow: GET`` to a POST; RFC 9110 (section 15.5.6) asks for the
methods of the target resource.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """``"DELETE, GET"``: each method some route would fully match on the request's path.

    Each method is tried through the routes' own ``matches``, which FastAPI's included routers
    answer for the routes they hold: their route lists are internal to FastAPI.
    """
    return ", ".join(
        method for method in _METHODS if _any_route_takes(routes, {**scope, "method": method})
    )


def _any_route_takes(routes: Sequence[BaseRoute], scope: Scope) -> bool:
    return any(route.matches(scope)[0] is Match.FULL for route in routes)

"""One template serves a full page and its htmx fragment; responses vary on HX-Request."""
from __future__ import annotations

from flask import make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render(template: str, fragment: str | None = None, status: int = 200, **context):
    """Render `template`, or only `fragment` (a partial it includes) when htmx asks."""
    name = fragment if (fragment and is_htmx()) else template
    response = make_response(render_template(name, **context), status)
    response.headers.add("Vary", "HX-Request")
    return response

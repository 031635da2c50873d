"""`url_for` for the links a page repeats once per row (issue #16: a home page makes hundreds of them).

Flask's url_for matches the endpoint's rules and runs their converters on every call (≈ 10 µs). A link whose
values are all ids (ints) has one shape per endpoint and argument names: `/contracts/<id>/violations?item=<id>`.
The shape is built once per process through Flask's own url_for, with marker values, and each later link is the
shape with the ids written in — the same text url_for gives. Anything else (strings, `_external`, `_method`,
`_scheme`, relative endpoints, an endpoint with rule defaults, converters other than integers, URL defaults
functions, no request) goes to Flask's url_for itself.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import url_for as flask_url_for
from flask.globals import _cv_request
from werkzeug.routing import IntegerConverter

_MARK = 1_987_650_000  # marker ids: digits no path, script root or query of the portal holds
_SHAPES = "kaohe_url_shapes"
_MAX_SHAPES = 4096
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # as flask.App.url_for quotes `_anchor`


def url_for(endpoint: str, **values) -> str:
    anchor = values.pop("_anchor", None)
    context = _cv_request.get(None)  # the request's context (as flask.request finds it), None outside one
    if context is None or endpoint[:1] == ".":
        return _flask(endpoint, anchor, values)
    for name, value in values.items():
        if type(value) is not int or name[:1] == "_":
            return _flask(endpoint, anchor, values)
    app = context.app
    shapes = app.extensions.get(_SHAPES)
    if shapes is None:
        shapes = app.extensions.setdefault(_SHAPES, {})
    key = (endpoint, tuple(values), context.request.script_root)
    shape = shapes.get(key)
    if shape is None:
        shape = _shape(app, endpoint, tuple(values))
        if len(shapes) < _MAX_SHAPES:
            shapes[key] = shape
    if shape is False:
        return _flask(endpoint, anchor, values)
    parts, order = shape
    given = list(values.values())
    out = [parts[0]]
    for index, text in zip(order, parts[1:]):
        out.append(str(given[index]))
        out.append(text)
    url = "".join(out)
    return url if anchor is None else f"{url}#{quote(anchor, safe=_ANCHOR_SAFE)}"


def _flask(endpoint: str, anchor, values: dict) -> str:
    return flask_url_for(endpoint, **values) if anchor is None else flask_url_for(endpoint, _anchor=anchor, **values)


def _shape(app, endpoint: str, names: tuple):
    """(literal parts, which value goes between each two) of the endpoint's link with these argument names; False
    when a link of it may not be the same text for every id (then Flask's url_for makes each)."""
    try:
        rules = list(app.url_map.iter_rules(endpoint))
    except KeyError:
        return False
    if not rules or any(rule.defaults or rule.redirect_to is not None or getattr(rule, "_converters", None) is None
                        or any(not isinstance(c, IntegerConverter) for c in rule._converters.values())
                        for rule in rules):
        return False
    dotted = endpoint.rpartition(".")[0].split(".") if "." in endpoint else []
    blueprints = [None] + [".".join(dotted[:n]) for n in range(1, len(dotted) + 1)]
    if any(app.url_default_functions.get(name) for name in blueprints):
        return False
    marks = [str(_MARK + n) for n in range(len(names))]
    try:
        built = flask_url_for(endpoint, **{name: int(mark) for name, mark in zip(names, marks)})
    except Exception:  # noqa: BLE001 — a link Flask cannot build: let Flask say so for the real values
        return False
    found = sorted((built.find(mark), n) for n, mark in enumerate(marks))
    if any(position < 0 or built.count(marks[n]) != 1 for position, n in found):
        return False
    parts, order, at = [], [], 0
    for position, n in found:
        parts.append(built[at:position])
        order.append(n)
        at = position + len(marks[n])
    parts.append(built[at:])
    return parts, order

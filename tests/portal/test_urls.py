"""portal/urls.py: a link made from its shape is the very text Flask's url_for makes, for every route (issue #16)."""
from __future__ import annotations

import random

import pytest
from flask import url_for as flask_url_for
from werkzeug.routing import IntegerConverter

from portal.urls import url_for


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        if all(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            yield rule


@pytest.mark.parametrize("script_root", ["", "/kaohe"])
def test_every_route_of_ids_is_linked_as_flask_links_it(app, script_root):
    rng = random.Random(16)
    rules = list(_id_routes(app))
    assert len(rules) > 100
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
        for rule in rules:
            for _ in range(3):
                values = {name: rng.choice([1, 7, 42, 2**31 - 1, rng.randrange(1, 10**6)]) for name in rule.arguments}
                assert url_for(rule.endpoint, **values) == flask_url_for(rule.endpoint, **values), rule
                more = {**values, "item": rng.randrange(1, 10**6), "page": 2}
                anchor = f"violation-{more['item']}"
                assert url_for(rule.endpoint, **more, _anchor=anchor) == \
                    flask_url_for(rule.endpoint, **more, _anchor=anchor), rule
    shaped = [shape for shape in app.extensions["kaohe_url_shapes"].values() if shape]
    assert len(shaped) > 100  # most were made from their shape, not by Flask


def test_anything_but_ids_is_flasks_own(app):
    with app.test_request_context("/"):
        assert url_for("static", filename="css/app.css") == flask_url_for("static", filename="css/app.css")
        assert url_for("contracts.list_contracts", q="甲 乙", page=2) == \
            flask_url_for("contracts.list_contracts", q="甲 乙", page=2)
        assert url_for("contracts.show_contract", contract_id=True) == \
            flask_url_for("contracts.show_contract", contract_id=True)  # a bool is no id
        assert url_for("contracts.show_contract", contract_id=3, _external=True) == \
            flask_url_for("contracts.show_contract", contract_id=3, _external=True)
        assert url_for("contracts.show_contract", contract_id=3, _anchor="a b#c") == \
            flask_url_for("contracts.show_contract", contract_id=3, _anchor="a b#c")
        lang = {"lang": "en"}
        public = [r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/public/") and not r.arguments]
        for endpoint in public:  # the public blueprint adds the language through its URL defaults
            assert url_for(endpoint) == flask_url_for(endpoint)
            assert url_for(endpoint, **lang) == flask_url_for(endpoint, **lang)
    app.config["SERVER_NAME"] = "kaohe.example"
    with app.app_context():  # no request: outside links, as Flask makes them
        assert url_for("contracts.show_contract", contract_id=3) == \
            flask_url_for("contracts.show_contract", contract_id=3)

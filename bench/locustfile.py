"""Locust users for bench/bench_pages.py (not run by `python -m bench` itself: bench_pages starts locust with it).

The plan (JSON, path in BENCH_PLAN) is {"users": [{"username": …, "password": …, "pages": [[name, path], …]}, …]}:
locust user n takes plan user n mod len(users), logs in once through the real login form (when it has a username)
and then requests its pages at random without think time. Every request after the login is written to BENCH_OUT
as [name, milliseconds, ok, status, started at (epoch s)]; BENCH_MARK is written (the epoch time) once every user
has logged in, so the measured window leaves the logins out.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

PLAN = json.load(open(os.environ["BENCH_PLAN"], encoding="utf-8"))
USERS = int(os.environ.get("BENCH_USERS", "50"))
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_numbers = itertools.count()
_samples: list = []
_login_ms: list = []
_logged_in = 0


def _ready() -> None:
    global _logged_in
    _logged_in += 1
    if _logged_in == USERS:
        with open(os.environ["BENCH_MARK"], "w") as fh:
            fh.write(repr(time.time()))


class Visitor(FastHttpUser):
    wait_time = constant(0)  # no think time

    def on_start(self):
        self.me = PLAN["users"][next(_numbers) % len(PLAN["users"])]
        self.measured = False
        if self.me.get("username"):
            started = time.perf_counter()
            page = self.client.get("/login", name="login (form)")
            match = TOKEN.search(page.text or "")
            answer = self.client.post("/login", data={"username": self.me["username"], "password": self.me["password"],
                                                      "csrf_token": match.group(1) if match else ""},
                                      name="login", allow_redirects=False)
            if answer.status_code != 302:
                raise StopUser(f"login of {self.me['username']} answered {answer.status_code}")
            _login_ms.append(1000 * (time.perf_counter() - started))
        self.measured = True
        _ready()

    @task
    def page(self):
        name, path = random.choice(self.me["pages"])
        started = time.time()
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            ok = response.status_code == 200
            _samples.append([name, response.request_meta["response_time"], ok, response.status_code, started])
            if ok:
                response.success()
            else:
                response.failure(f"status {response.status_code}")


@events.quitting.add_listener
def _write(environment, **_kw):
    with open(os.environ["BENCH_OUT"], "w", encoding="utf-8") as fh:
        json.dump({"samples": _samples, "logins": len(_login_ms), "login_ms": _login_ms}, fh)

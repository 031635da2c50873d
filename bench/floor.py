"""The floor of the HTTP benchmarks: a trivial Flask page, served the same way as the portal (gunicorn -w 2), so
that a page's figures can be read against what the stack itself costs on this machine in the same minute."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "<!doctype html><title>floor</title><p>ok</p>"


@app.get("/healthz")
def healthz():
    return {"status": "ok"}

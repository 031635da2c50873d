"""The fault scenarios' browser (faults/server.py) takes an answer cut off halfway for no answer, as a user's
browser does: a gunicorn worker killed between its headers and its body (the kill_worker scenario of
tests/faults/test_faults.py) left a submitter's thread dead on http.client.IncompleteRead, so the form it had
sent was counted "stored but never sent". Fast, on loopback: part of the ordinary suite."""
from __future__ import annotations

import socket
import threading

import pytest

from faults.server import AnswerCutOff, Browser


def _length(request: bytes) -> int:
    for line in request.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def _server_that_stops_after_the_headers() -> tuple[int, threading.Thread]:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_half():
        conn, _ = listener.accept()
        with conn, listener:
            request = b""  # the whole request, its body included (unread bytes would make the close a reset)
            while b"\r\n\r\n" not in request or len(request.split(b"\r\n\r\n", 1)[1]) < _length(request):
                request += conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 287\r\n\r\n<html>")

    thread = threading.Thread(target=answer_half, daemon=True)
    thread.start()
    return port, thread


def test_an_answer_cut_off_after_its_headers_is_no_answer():
    port, thread = _server_that_stops_after_the_headers()
    with pytest.raises(OSError) as raised:  # what the scenarios count as "no answer" (and send the form again)
        Browser(port, timeout=5).post("/reports", {"narrative": "演练报告"})
    thread.join(5)
    assert isinstance(raised.value, AnswerCutOff) and "IncompleteRead" in str(raised.value)

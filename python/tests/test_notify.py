"""Notifications: consumer cursors over the outbox, reminders sent once, and the webhook against a
local HTTP server (signature checked here with the standard library's hmac)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import gradreg
from gradreg import Actor, ArgumentError, Command, Registry, StorageError

from conftest import NOW

SECRET = b"a secret shared with the receiver"


def seeded(reg: Registry) -> str:
    """Uploads the sample graduate and logs them in: several events in the outbox."""
    basic = gradreg.sample.basic_info()
    rid = "10284:2022001"
    reg.apply(rid, Actor.school_office("s001", "10327"), Command.upload_basic_info(basic), NOW)
    reg.apply(rid, Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account()), NOW)
    reg.apply(rid, Actor.graduate(basic.id_number), Command.login(), NOW)
    return rid


def test_events_have_ids_instants_and_addresses() -> None:
    reg = Registry.in_memory()
    rid = seeded(reg)
    pending = reg.pending_events("wechat", 100)
    assert len(pending) >= 3
    first = pending[0]
    assert first.seq == 1
    assert first.event.id == f"{rid}#1.0"
    assert first.event.at == NOW
    assert first.address == f"graduate:{rid}"
    assert len({p.event.id for p in pending}) == len(pending)


def test_cursors_are_per_consumer_and_nothing_is_lost() -> None:
    reg = Registry.in_memory()
    seeded(reg)
    assert reg.consumer_cursor("wechat") == 0
    two = reg.pending_events("wechat", 2)
    assert [p.seq for p in two] == [1, 2]
    assert [p.seq for p in reg.pending_events("wechat", 2)] == [1, 2]  # not acknowledged
    assert reg.ack_events("wechat", 2) == 2
    assert reg.pending_events("wechat", 1)[0].seq == 3
    assert reg.ack_events("wechat", 1) == 2  # backwards: nothing changes
    with pytest.raises(StorageError) as e:
        reg.ack_events("wechat", 10_000)
    assert e.value.code == 513
    assert reg.consumer_cursor("wechat") == 2
    assert reg.consumer_cursor("sms") == 0
    with pytest.raises(ArgumentError):
        reg.consumer_cursor("")
    with pytest.raises(ArgumentError):
        reg.ack_events("wechat", -1)


def test_reminders_are_marked_sent_once(tmp_path: Path) -> None:
    with Registry.open(tmp_path) as reg:
        assert reg.sent_at("wechat", "rem-1") is None
        assert reg.mark_sent("wechat", "rem-1", NOW) is True
        assert reg.mark_sent("wechat", "rem-1") is False
        assert reg.mark_sent("sms", "rem-1", NOW) is True
    with Registry.open(tmp_path) as reg:
        assert reg.sent_at("wechat", "rem-1") == NOW
        assert reg.mark_sent("wechat", "rem-1", NOW) is False


class Receiver:
    """A local HTTP server answering with ``script`` in turn (then 200)."""

    def __init__(self, script: List[int]) -> None:
        self.script = list(script)
        self.seen: List[Tuple[Dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = outer.script.pop(0) if outer.script else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verify(headers: Dict[str, str], body: bytes) -> bool:
    ts = headers["gradreg-timestamp"]
    mac = hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v1=" + mac, headers["gradreg-signature"])


def test_webhook_delivers_signed_events_and_retries() -> None:
    reg = Registry.in_memory()
    seeded(reg)
    last = reg.pending_events("hook", 1000)[-1].seq
    rx = Receiver([500])
    try:
        report = reg.deliver_webhook(rx.url, SECRET, "hook", initial_backoff_ms=1, max_backoff_ms=5)
        assert report.ok, report
        assert report.cursor == last == reg.consumer_cursor("hook")
        assert report.delivered[0].attempts == 2  # a 500, then accepted
        assert [d.seq for d in report.delivered] == list(range(1, last + 1))
        assert len(rx.seen) == last + 1
        for headers, body in rx.seen:
            assert verify(headers, body)
            assert not verify(headers, body + b" ")
            doc = json.loads(body)
            assert doc["type"] == "event"
            assert headers["idempotency-key"] == doc["id"] == doc["event"]["id"]
        # Nothing pending: nothing sent.
        again = reg.deliver_webhook(rx.url, SECRET, "hook")
        assert again.delivered == [] and again.failed == []
    finally:
        rx.close()


def test_webhook_refusals_and_a_dead_port_leave_the_cursor() -> None:
    reg = Registry.in_memory()
    seeded(reg)
    rx = Receiver([200, 400])
    try:
        report = reg.deliver_webhook(rx.url, SECRET, "hook")
        assert [d.seq for d in report.delivered] == [1]
        assert len(report.failed) == 1
        f = report.failed[0]
        assert f.permanent and f.status == 400 and f.seq == 2 and f.attempts == 1
        assert reg.consumer_cursor("hook") == 1
    finally:
        rx.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = reg.deliver_webhook(
        f"http://127.0.0.1:{port}/", SECRET, "hook", max_attempts=2, initial_backoff_ms=1
    )
    assert dead.delivered == []
    assert not dead.failed[0].permanent and dead.failed[0].attempts == 2
    assert dead.failed[0].status is None
    assert reg.consumer_cursor("hook") == 1
    with pytest.raises(ArgumentError) as e:
        reg.deliver_webhook("ftp://x/", SECRET, "hook")
    assert e.value.code == 130
    with pytest.raises(ArgumentError):
        reg.deliver_webhook(rx.url, b"", "hook")


def test_a_restart_resumes_at_the_cursor(tmp_path: Path) -> None:
    rx = Receiver([])
    try:
        with Registry.open(tmp_path) as reg:
            seeded(reg)
            last = reg.pending_events("hook", 1000)[-1].seq
            assert reg.deliver_webhook(rx.url, SECRET, "hook", limit=2).cursor == 2
        with Registry.open(tmp_path) as reg:
            report = reg.deliver_webhook(rx.url, SECRET, "hook")
            assert report.delivered[0].seq == 3
            assert report.cursor == last
        ids = [json.loads(body)["id"] for _, body in rx.seen]
        assert len(ids) == len(set(ids)) == last
    finally:
        rx.close()


def test_instants_are_aware() -> None:
    reg = Registry.in_memory()
    with pytest.raises(ArgumentError):
        reg.mark_sent("c", "x", datetime(2026, 5, 1))
    assert reg.mark_sent("c", "x", datetime(2026, 5, 1, tzinfo=timezone.utc))

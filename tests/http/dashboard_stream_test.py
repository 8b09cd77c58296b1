"""The dashboard's session and stream on a real `troupe node --http-port 0`
with a tokens file, through Python's HTTP client and the WebSocket client
of Debian's python3-websocket (docs/api.md, "Dashboard"): tokens traded
for a session cookie, the Origin allow-list on requests and WebSockets,
upgrades without a session, a snapshot then deltas that add up to the
node's state, a quiet stream once the node is idle, logout, and the cap on
open dashboards.

Run: python3 dashboard_stream_test.py /path/to/troupe [-v]
"""

import copy
import http.client
import json
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import websocket

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_api_test import Node  # noqa: E402
from polling import wait_for  # noqa: E402
import http_api_test  # noqa: E402

TROUPE = ""


def unescape(token):
    return token.replace("~1", "/").replace("~0", "~")


def apply_patch(doc, ops):
    """RFC 6902 add/replace/remove on objects, as the page applies them."""
    doc = copy.deepcopy(doc)
    for op in ops:
        parts = [unescape(p) for p in op["path"].split("/")[1:]]
        if not parts:
            doc = op["value"]
            continue
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1]
        if isinstance(parent, list):
            if op["op"] == "remove":
                del parent[int(last)]
            elif op["op"] == "add":
                parent.insert(len(parent) if last == "-" else int(last),
                              op["value"])
            else:
                parent[int(last)] = op["value"]
        elif op["op"] == "remove":
            del parent[last]
        else:
            assert op["op"] in ("add", "replace"), op
            parent[last] = op["value"]
    return doc


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp.name)
        cls.tokens = tmp / "tokens"

        def token(name, role):
            return subprocess.run(
                [TROUPE, "tokens", "add", name, "--role", role, "--file",
                 str(cls.tokens)], check=True, capture_output=True,
                text=True).stdout.strip()

        cls.token = token("viewer", "submit")
        http_api_test.TROUPE = TROUPE
        cls.node = Node(tmp, cls.tokens,
                        extra=("--http-origin", "http://ops.example:3000"))
        cls.origin = f"http://127.0.0.1:{cls.node.http_port}"

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.tmp.cleanup()

    def call(self, method, path, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.node.http_port,
                                          timeout=30)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r, data

    def session(self, token=None):
        """The session cookie ("troupe_session=...") for `token`."""
        r, data = self.call("POST", "/v1/session", headers={
            "Authorization": f"Bearer {token or self.token}",
            "Origin": self.origin})
        self.assertEqual(r.status, 204, data)
        cookie = r.getheader("Set-Cookie")
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        return cookie.split(";")[0]

    def connect(self, cookie, origin=None):
        return websocket.create_connection(
            f"ws://127.0.0.1:{self.node.http_port}/v1/dashboard",
            header=[f"Cookie: {cookie}"], origin=origin or self.origin,
            timeout=30)

    def submit(self, n):
        for i in range(n):
            r, data = self.call(
                "POST", "/v1/jobs",
                headers={"Authorization": f"Bearer {self.token}"},
                body=json.dumps({"skill": "echo", "input": f"job {i}"}))
            self.assertEqual(r.status, 200, data)

    def test_the_page_and_its_assets_are_served(self):
        r, data = self.call("GET", "/")
        self.assertEqual(r.status, 200)
        self.assertIn("text/html", r.getheader("Content-Type"))
        self.assertIn("default-src 'self'",
                      r.getheader("Content-Security-Policy"))
        self.assertIn(b"/app.js", data)
        for path, kind in (("/app.js", "javascript"), ("/style.css", "css")):
            r, data = self.call("GET", path)
            self.assertEqual(r.status, 200)
            self.assertIn(kind, r.getheader("Content-Type"))
            self.assertGreater(len(data), 100)
        r, _ = self.call("GET", "/nothing.js")
        self.assertEqual(r.status, 404)

    def test_a_session_needs_a_good_token(self):
        r, data = self.call("POST", "/v1/session")
        self.assertEqual(r.status, 401, data)
        self.assertIsNone(r.getheader("Set-Cookie"))
        r, data = self.call("POST", "/v1/session",
                            headers={"Authorization": "Bearer wrong"})
        self.assertEqual(r.status, 401, data)
        self.assertEqual(json.loads(data)["status"], "UNAUTHENTICATED")
        r, data = self.call("POST", "/v1/session",
                            headers={"Authorization": "Bearer " + "x" * 5000})
        self.assertEqual(r.status, 401, data)
        r, _ = self.call("GET", "/v1/session")
        self.assertEqual(r.status, 405)

    def test_foreign_origins_are_refused(self):
        # Requests from another site's page: sessions, jobs, WebSockets.
        evil = {"Origin": "http://evil.example",
                "Authorization": f"Bearer {self.token}"}
        r, data = self.call("POST", "/v1/session", headers=evil)
        self.assertEqual(r.status, 403, data)
        r, data = self.call("POST", "/v1/jobs", headers=evil,
                            body=json.dumps({"skill": "echo", "input": "x"}))
        self.assertEqual(r.status, 403, data)
        self.assertIn("origin", json.loads(data)["message"])
        cookie = self.session()
        with self.assertRaises(websocket.WebSocketBadStatusException) as e:
            self.connect(cookie, origin="http://evil.example")
        self.assertEqual(e.exception.status_code, 403)
        # The configured origin may.
        ws = self.connect(cookie, origin="http://ops.example:3000")
        self.assertEqual(json.loads(ws.recv())["type"], "snapshot")
        ws.close()

    def test_a_websocket_needs_a_session(self):
        for cookie in ("", "troupe_session=", "troupe_session=" + "0" * 64,
                       "other=1"):
            with self.assertRaises(websocket.WebSocketBadStatusException) as e:
                self.connect(cookie)
            self.assertEqual(e.exception.status_code, 401, cookie)

    def test_deltas_add_up_to_the_state_and_an_idle_node_goes_quiet(self):
        ws = self.connect(self.session())
        first = json.loads(ws.recv())
        self.assertEqual(first["type"], "snapshot")
        self.assertEqual(first["seq"], 1)
        state, seq = first["state"], 1
        for part in ("node", "members", "alerts", "skills", "breakers",
                     "cache", "recent"):
            self.assertIn(part, state)
        self.assertIn("echo", state["skills"])
        done = state["skills"]["echo"]["done"]
        self.submit(25)

        def read():
            nonlocal state, seq
            msg = json.loads(ws.recv())
            if msg["type"] == "keepalive":
                self.assertEqual(msg["seq"], seq)
                return msg
            self.assertEqual(msg["type"], "delta", msg)
            self.assertEqual(msg["seq"], seq + 1)
            seq = msg["seq"]
            state = apply_patch(state, msg["ops"])
            return msg

        deadline = time.monotonic() + 30
        while state["skills"]["echo"]["done"] < done + 25:
            self.assertLess(time.monotonic(), deadline, state["skills"])
            read()
        self.assertGreaterEqual(len(state["recent"]), 20)
        # Once the window has no jobs in it, nothing changes: the stream is
        # quiet (a keepalive at most) for a while.
        ws.settimeout(4)
        deadline = time.monotonic() + 60
        while True:
            self.assertLess(time.monotonic(), deadline,
                            "the stream never went quiet")
            try:
                read()
            except websocket.WebSocketTimeoutException:
                break
        # What the deltas built equals a fresh snapshot.
        other = self.connect(self.session())
        fresh = json.loads(other.recv())
        other.close()
        ws.close()
        self.assertEqual(fresh["type"], "snapshot")
        self.assertEqual(fresh["state"], state)

    def test_logout_ends_the_session(self):
        cookie = self.session()
        r, _ = self.call("DELETE", "/v1/session", headers={"Cookie": cookie})
        self.assertEqual(r.status, 204)
        self.assertIn("Max-Age=0", r.getheader("Set-Cookie"))
        with self.assertRaises(websocket.WebSocketBadStatusException) as e:
            self.connect(cookie)
        self.assertEqual(e.exception.status_code, 401)

    def test_open_dashboards_are_capped(self):
        cookie = self.session()
        open_ = []
        try:
            refused = None
            for _ in range(40):
                try:
                    ws = self.connect(cookie)
                except websocket.WebSocketBadStatusException as e:
                    refused = e
                    break
                open_.append(ws)
                self.assertEqual(json.loads(ws.recv())["type"], "snapshot")
            self.assertIsNotNone(refused, "40 dashboards were let in")
            self.assertEqual(refused.status_code, 503)
        finally:
            for ws in open_:
                ws.close()
        # The node still serves, and a new dashboard once others closed.

        def fits():
            try:
                ws = self.connect(cookie)
            except websocket.WebSocketBadStatusException:
                return False
            ws.close()
            return True

        wait_for("room for a dashboard", fits)
        r, _ = self.call("GET", "/healthz")
        self.assertEqual(r.status, 200)


if __name__ == "__main__":
    TROUPE = sys.argv.pop(1)
    unittest.main()

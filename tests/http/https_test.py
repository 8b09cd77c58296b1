"""HTTPS on the HTTP port of a real node started with --tls-cert,
--tls-key, --tls-ca and --tokens (docs/api.md, "HTTP"): jobs and the
dashboard's session and WebSocket over TLS with a client certificate,
and what is not TLS, a handshake without a client certificate or that
never comes, garbage, and more connections than the cap — each closed,
the node serving on.

Run: python3 https_test.py /path/to/troupe [-v]
"""

import http.client
import resource
import json
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import websocket

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_api_test import Node  # noqa: E402
import http_api_test  # noqa: E402
from polling import wait_for  # noqa: E402

TROUPE = ""


def read_until_closed(s):
    """What the node sends until it closes the connection (a reset is a
    close too)."""
    got = b""
    while True:
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            return got
        if not chunk:
            return got
        got += chunk


class Https(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp.name)
        pki = tmp / "pki"

        def troupe(*args):
            return subprocess.run([TROUPE, *args], check=True,
                                  capture_output=True, text=True).stdout

        troupe("certs", "init", str(pki))
        troupe("certs", "issue", str(pki), "node", "--host", "127.0.0.1")
        troupe("certs", "issue", str(pki), "alice", "--client")
        cls.pki = pki
        cls.tokens = tmp / "tokens"
        cls.token = troupe("tokens", "add", "alice", "--role", "submit",
                           "--file", str(cls.tokens)).strip()
        http_api_test.TROUPE = TROUPE
        cls.tls = ("--tls-cert", str(pki / "node.pem"), "--tls-key",
                   str(pki / "node.key"), "--tls-ca", str(pki / "ca.pem"))
        cls.node = Node(tmp, cls.tokens, extra=cls.tls)
        cls.port = cls.node.http_port

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.tmp.cleanup()

    def context(self, client_cert=True):
        ctx = ssl.create_default_context(cafile=str(self.pki / "ca.pem"))
        if client_cert:
            ctx.load_cert_chain(str(self.pki / "alice.pem"),
                                str(self.pki / "alice.key"))
        return ctx

    def call(self, method, path, body=None, headers=None, port=None):
        conn = http.client.HTTPSConnection("127.0.0.1", port or self.port,
                                           timeout=30, context=self.context())
        h = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r, data

    def serves(self, port=None):
        r, data = self.call("POST", "/v1/jobs",
                            json.dumps({"skill": "echo", "input": "hi"}),
                            port=port)
        self.assertEqual(r.status, 200, data)
        self.assertEqual(json.loads(data)["output"], "hi")
        return True

    def test_jobs_and_big_answers_over_https(self):
        self.serves()
        # An answer of many TLS records, and a body of many.
        text = "x" * 40_000
        r, data = self.call("POST", "/v1/jobs",
                            json.dumps({"skill": "echo", "input": text}))
        self.assertEqual(r.status, 200, data)
        self.assertEqual(json.loads(data)["output"], text)
        r, data = self.call("GET", "/v1/skills")
        self.assertEqual(r.status, 200, data)

    def test_the_dashboard_over_wss(self):
        r, data = self.call("POST", "/v1/session")
        self.assertEqual(r.status, 204, data)
        cookie = r.getheader("Set-Cookie")
        self.assertIn("Secure", cookie)
        ws = websocket.create_connection(
            f"wss://127.0.0.1:{self.port}/v1/dashboard",
            header=[f"Cookie: {cookie.split(';')[0]}"],
            origin=f"https://127.0.0.1:{self.port}", timeout=30,
            sslopt={"context": self.context()})
        self.assertEqual(json.loads(ws.recv())["type"], "snapshot")
        ws.close()
        # The plain-HTTP origin of the same host is another origin.
        with self.assertRaises(websocket.WebSocketBadStatusException) as e:
            websocket.create_connection(
                f"wss://127.0.0.1:{self.port}/v1/dashboard",
                header=[f"Cookie: {cookie.split(';')[0]}"],
                origin=f"http://127.0.0.1:{self.port}", timeout=30,
                sslopt={"context": self.context()})
        self.assertEqual(e.exception.status_code, 403)

    def test_no_client_certificate_no_answer(self):
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, timeout=30,
            context=self.context(client_cert=False))
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            conn.request("GET", "/healthz")
            conn.getresponse().read()
        conn.close()
        self.serves()

    def test_what_is_not_tls_is_closed(self):
        for payload in (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                        bytes(range(256)) * 4, b"\x16\x03\x01\xff\xff" + b"A" * 64):
            with socket.create_connection(("127.0.0.1", self.port),
                                          timeout=30) as s:
                s.sendall(payload)
                self.assertNotIn(b"HTTP/1.1", read_until_closed(s))
        self.serves()

    def test_a_handshake_that_never_comes_is_closed(self):
        # The handshake timeout (10 s) ends it.
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=60) as s:
            self.assertEqual(read_until_closed(s), b"")
        self.serves()

    def test_connections_beyond_the_cap_are_closed(self):
        # 300 connections that never handshake: the first 256 wait for
        # theirs, the others are closed at once; the node serves when
        # they go.
        socks = []
        try:
            for _ in range(300):
                socks.append(socket.create_connection(("127.0.0.1", self.port),
                                                      timeout=30))

            def closed_ones():
                n = 0
                for s in socks:
                    s.setblocking(False)
                    try:
                        if s.recv(1) == b"":
                            n += 1
                    except BlockingIOError:
                        pass
                    except OSError:
                        n += 1
                return n >= 300 - 256 and n

            wait_for("connections beyond the cap closed", closed_ones)
        finally:
            for s in socks:
                s.close()
        wait_for("the node serving again", self.serves)

    def test_running_out_of_descriptors_leaves_the_port_serving(self):
        # A node allowed 300 descriptors, and 400 connections to its HTTPS
        # port: those it cannot accept wait or are refused; once they are
        # gone it serves again.
        def few_files():
            resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))

        tmp = Path(self.tmp.name) / "few-files"
        tmp.mkdir()
        node = Node(tmp, self.tokens, extra=self.tls, preexec_fn=few_files)
        socks = []
        try:
            for _ in range(400):
                try:
                    socks.append(socket.create_connection(
                        ("127.0.0.1", node.http_port), timeout=5))
                except OSError:
                    break
            self.assertGreater(len(socks), 300)
            for s in socks:
                s.close()
            socks = []
            wait_for("the node serving again",
                     lambda: self.serves(port=node.http_port))
            self.assertIsNone(node.proc.poll(), node.log())
        finally:
            for s in socks:
                s.close()
            node.stop()


if __name__ == "__main__":
    TROUPE = sys.argv.pop(1)
    unittest.main()

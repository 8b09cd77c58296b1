"""The HTTP/JSON API of a real `troupe node --http-port 0` with a tokens
file, through HTTP as any client sends it (docs/api.md, "HTTP"): jobs
sync, detached and in batches, text and base64, every failure as its HTTP
code, tokens and roles, limits, malformed and oversized requests, bytes
that are not HTTP, and readiness while the node drains.

Run: python3 http_api_test.py /path/to/troupe [-v]
"""

import base64
import gzip
import http.client
import json
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from polling import wait_for  # noqa: E402

TROUPE = ""


class Node:
    """A node with the test skills, a tokens file and the HTTP port."""

    def __init__(self, tmp: Path, tokens: Path, extra=(), preexec_fn=None):
        self.ports = tmp / "ports"
        self.log_path = tmp / "node.log"
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [TROUPE, "node", "--port", "0", "--port-file", str(self.ports),
             "--http-port", "0", "--test-skills", "--tokens", str(tokens),
             "--max-job-bytes", "64KiB", *extra],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=preexec_fn)
        log.close()

        def ready():
            assert self.proc.poll() is None, self.log()
            if not self.ports.exists():
                return None
            lines = self.ports.read_text().split()
            return lines if len(lines) == 3 else None

        lines = wait_for("the node's ports", ready)
        self.grpc = f"127.0.0.1:{lines[0]}"
        self.http_port = int(lines[2])

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Http:
    def __init__(self, port, token=None):
        self.port, self.token = port, token

    def call(self, method, path, body=None, token=..., headers=None):
        token = self.token if token is ... else token
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data
        return r.status, parsed, dict(r.getheaders())


class HttpApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp_dir = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp_dir.name)
        cls.tokens = tmp / "tokens"

        def token(name, role, *extra):
            return subprocess.run(
                [TROUPE, "tokens", "add", name, "--role", role, "--file",
                 str(cls.tokens), *extra], check=True, capture_output=True,
                text=True).stdout.strip()

        cls.submit_token = token("alice", "submit")
        cls.admin_token = token("root", "admin")
        cls.limited_token = token("slowpoke", "submit", "--in-flight", "1")
        cls.node = Node(tmp, cls.tokens)
        cls.api = Http(cls.node.http_port, cls.submit_token)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.tmp_dir.cleanup()

    def test_health_needs_no_token(self):
        self.assertEqual(self.api.call("GET", "/healthz", token=None)[0], 200)
        code, body, _ = self.api.call("GET", "/readyz", token=None)
        self.assertEqual((code, body["status"]), (200, "ready"))

    def test_a_job_in_text_and_in_base64(self):
        code, r, _ = self.api.call("POST", "/v1/jobs",
                                   {"skill": "echo", "input": "héllo", "tag": "t"})
        self.assertEqual(code, 200)
        self.assertEqual((r["status"], r["output"], r["tag"]), ("OK", "héllo", "t"))
        # A plain string is text, never decoded as base64.
        code, r, _ = self.api.call("POST", "/v1/jobs",
                                   {"skill": "echo", "input": "AAE="})
        self.assertEqual(r["output"], "AAE=")
        # Binary in and out: the _base64 fields.
        raw = b"\xff\x00\x01"
        code, r, _ = self.api.call("POST", "/v1/jobs", {
            "skill": "echo", "input_base64": base64.b64encode(raw).decode()})
        self.assertEqual(code, 200)
        self.assertEqual(base64.b64decode(r["output_base64"]), raw)
        self.assertNotIn("output", r)
        # Both at once is no job.
        code, r, _ = self.api.call("POST", "/v1/jobs", {
            "skill": "echo", "input": "a", "input_base64": "AAE="})
        self.assertEqual(code, 400)

    def test_failures_have_their_http_codes(self):
        cases = [({"skill": "fail", "input": "it broke"}, 422, "SKILL_ERROR"),
                 ({"skill": "no-such", "input": "x"}, 404, "UNKNOWN_SKILL"),
                 ({"skill": "sleep", "input": "a while"}, 400, "BAD_INPUT"),
                 ({"skill": "sleep", "input": "5000", "timeoutMs": 100}, 504,
                  "TIMEOUT")]
        for job, code, status in cases:
            got, r, _ = self.api.call("POST", "/v1/jobs", job)
            self.assertEqual((got, r["status"]), (code, status), r)
            self.assertTrue(r.get("error"), r)

    def test_bad_requests_get_a_json_error(self):
        for body in ["{bad", "[]", '{"skill": 5}', '{"skil": "echo"}', ""]:
            code, r, _ = self.api.call("POST", "/v1/jobs", body)
            self.assertEqual(code, 400, body)
            self.assertEqual(r["status"], "INVALID_ARGUMENT", body)
            self.assertTrue(r["message"], body)
        code, r, headers = self.api.call("GET", "/v1/jobs")
        self.assertEqual((code, headers.get("Allow")), (405, "POST"))
        self.assertEqual(self.api.call("GET", "/v2/anything")[0], 404)
        # An input over --max-job-bytes (64 KiB) is the node's BAD_INPUT...
        code, r, _ = self.api.call("POST", "/v1/jobs",
                                   {"skill": "echo", "input": "x" * 70_000})
        self.assertEqual(code, 400)
        # ... and a body far over it is not even read.
        code, r, _ = self.api.call("POST", "/v1/jobs", "x" * (2 << 20))
        self.assertEqual(code, 413)

    def test_tokens_and_roles(self):
        job = {"skill": "echo", "input": "x"}
        code, r, _ = self.api.call("POST", "/v1/jobs", job, token=None)
        self.assertEqual((code, r["status"]), (401, "UNAUTHENTICATED"))
        code, r, _ = self.api.call("POST", "/v1/jobs", job,
                                   token="trp_" + "A" * 43)
        self.assertEqual(code, 401)
        code, r, _ = self.api.call("POST", "/v1/jobs", job,
                                   headers={"Authorization": "Basic eDp5"},
                                   token=None)
        self.assertEqual(code, 401)
        self.assertEqual(self.api.call("GET", "/v1/status")[0], 200)
        self.assertEqual(self.api.call("GET", "/v1/skills")[0], 200)

    def test_a_token_over_its_limit_gets_429(self):
        limited = Http(self.node.http_port, self.limited_token)
        results = []
        t = threading.Thread(target=lambda: results.append(limited.call(
            "POST", "/v1/jobs", {"skill": "sleep", "input": "1500"})))
        t.start()
        try:
            def refused():
                code, r, headers = limited.call(
                    "POST", "/v1/jobs", {"skill": "echo", "input": "x"})
                return (code, r, headers) if code == 429 else None
            code, r, headers = wait_for("a refusal over the limit", refused,
                                        seconds=10)
            self.assertEqual(r["status"], "RESOURCE_EXHAUSTED")
            self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        finally:
            t.join(timeout=30)
        self.assertEqual(results[0][0], 200)

    def test_detached_jobs_long_poll_and_cancel(self):
        code, ticket, headers = self.api.call(
            "POST", "/v1/jobs?detach=1", {"skill": "sleep", "input": "300"})
        self.assertEqual(code, 202)
        self.assertEqual(headers["Location"], "/v1/jobs/" + ticket["id"])
        code, state, _ = self.api.call(
            "GET", headers["Location"] + "?wait_ms=10000")
        self.assertEqual(code, 200)
        self.assertTrue(state["done"])
        self.assertEqual(state["result"]["output"], "300")
        # Cancel one that would run for a long time.
        _, ticket, _ = self.api.call("POST", "/v1/jobs?detach=1",
                                     {"skill": "sleep", "input": "20000"})
        code, reply, _ = self.api.call("DELETE", "/v1/jobs/" + ticket["id"])
        self.assertEqual((code, reply["cancelled"]), (200, 1))
        _, state, _ = self.api.call(
            "GET", "/v1/jobs/" + ticket["id"] + "?wait_ms=10000")
        self.assertEqual(state["result"]["status"], "CANCELLED")
        # Not a job of this node, not a number to wait.
        self.assertEqual(self.api.call("GET", "/v1/jobs/1-2@elsewhere")[0], 404)
        self.assertEqual(self.api.call(
            "GET", "/v1/jobs/" + ticket["id"] + "?wait_ms=soon")[0], 400)

    def test_a_batch_answers_each_job_in_order(self):
        jobs = [{"skill": "echo", "input": f"j{i}", "ref": 100 + i}
                for i in range(50)]
        jobs[7] = {"skill": "fail", "input": "seven"}
        jobs[9] = {"skill": "nope", "input": "x"}
        code, r, _ = self.api.call("POST", "/v1/jobs:batch", {"jobs": jobs})
        self.assertEqual(code, 200)
        out = r["results"]
        self.assertEqual(len(out), 50)
        for i, res in enumerate(out):
            if i == 7:
                self.assertEqual(res["status"], "SKILL_ERROR")
            elif i == 9:
                self.assertEqual(res["status"], "UNKNOWN_SKILL")
            else:
                self.assertEqual((res["output"], int(res["ref"])),
                                 (f"j{i}", 100 + i))
        code, r, _ = self.api.call("POST", "/v1/jobs:batch", {"jobs": []})
        self.assertEqual((code, r), (200, {}))

    def test_large_answers_are_gzipped_when_accepted(self):
        status, plain, _ = self.api.call("GET", "/v1/skills")
        conn = http.client.HTTPConnection("127.0.0.1", self.node.http_port,
                                          timeout=30)
        conn.request("GET", "/v1/skills", headers={
            "Authorization": f"Bearer {self.submit_token}",
            "Accept-Encoding": "br;q=1.0, gzip;q=0.5"})
        r = conn.getresponse()
        body = r.read()
        conn.close()
        self.assertEqual(r.getheader("Content-Encoding"), "gzip")
        self.assertEqual(json.loads(gzip.decompress(body)), plain)
        self.assertLess(len(body), len(json.dumps(plain)))
        # Small answers, and clients that do not ask, get plain JSON.
        for path, encoding in [("/healthz", "gzip"), ("/v1/skills", "identity")]:
            conn = http.client.HTTPConnection("127.0.0.1", self.node.http_port,
                                              timeout=30)
            conn.request("GET", path, headers={
                "Authorization": f"Bearer {self.submit_token}",
                "Accept-Encoding": encoding})
            r = conn.getresponse()
            json.loads(r.read())
            conn.close()
            self.assertIsNone(r.getheader("Content-Encoding"), path)

    def raw(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.node.http_port),
                                      timeout=10) as s:
            s.sendall(request)
            return s.recv(200)

    def test_header_and_path_bytes_no_token_or_id_has(self):
        # gRPC aborts a process that hands it such metadata: the API must
        # answer them itself.
        for value in [b"Bearer \xff\xfe", b"Bearer " + b"x" * 9000]:
            head = self.raw(b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\n"
                            b"Authorization: " + value + b"\r\n"
                            b"Content-Length: 2\r\n\r\n{}")
            self.assertTrue(head.startswith(b"HTTP/1.1 401"), head)
        for path in [b"/v1/jobs/%FF%FE", b"/v1/jobs/%C3%28"]:
            head = self.raw(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n"
                            b"Authorization: Bearer " +
                            self.submit_token.encode() + b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 404"), head)
        code, r, _ = self.api.call("POST", "/v1/jobs",
                                   {"skill": "echo", "input": "alive"})
        self.assertEqual((code, r["output"]), (200, "alive"))

    def test_bytes_that_are_not_http_harm_nothing(self):
        for junk in [b"\x00\xff" * 100, b"GET / HTTP/9.9\r\n\r\n",
                     b"POST /v1/jobs HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
                     b"A" * 70000 + b"\r\n\r\n"]:
            with socket.create_connection(("127.0.0.1", self.node.http_port),
                                          timeout=10) as s:
                # The server may answer and close before all is sent.
                try:
                    s.sendall(junk)
                    s.shutdown(socket.SHUT_WR)
                    while s.recv(65536):
                        pass
                except OSError:
                    pass
        code, r, _ = self.api.call("POST", "/v1/jobs",
                                   {"skill": "echo", "input": "still here"})
        self.assertEqual((code, r["output"]), (200, "still here"))


class Draining(unittest.TestCase):
    def test_readyz_says_503_while_the_node_drains(self):
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            tokens = tmp / "tokens"
            token = subprocess.run(
                [TROUPE, "tokens", "add", "a", "--role", "submit", "--file",
                 str(tokens)], check=True, capture_output=True,
                text=True).stdout.strip()
            node = Node(tmp, tokens)
            api = Http(node.http_port, token)
            try:
                done = []
                t = threading.Thread(target=lambda: done.append(api.call(
                    "POST", "/v1/jobs", {"skill": "sleep", "input": "1500"})))
                t.start()
                wait_for("the job running", lambda: '"busy":1' in subprocess.run(
                    [TROUPE, "status", "--node", node.grpc, "--json",
                     "--token", token], capture_output=True, text=True).stdout)
                node.proc.send_signal(signal.SIGTERM)
                code, body, _ = wait_for(
                    "readyz 503", lambda: (lambda r: r if r[0] == 503 else None)(
                        api.call("GET", "/readyz", token=None)), seconds=10)
                self.assertIn("draining", body["message"])
                # New jobs are refused; the one in flight ends OK.
                late = api.call("POST", "/v1/jobs", {"skill": "echo", "input": "late"})
                self.assertEqual(late[0], 503, late)
                t.join(timeout=30)
                self.assertEqual(done[0][0], 200)
                self.assertEqual(node.proc.wait(timeout=30), 0)
            finally:
                node.stop()


class PortInUse(unittest.TestCase):
    def test_a_taken_http_port_stops_the_node_saying_so(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            r = subprocess.run([TROUPE, "node", "--port", "0", "--http-port",
                                str(port)], capture_output=True, text=True,
                               timeout=60)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"cannot serve HTTP on 127.0.0.1:{port}", r.stderr)


if __name__ == "__main__":
    TROUPE = sys.argv.pop(1)
    unittest.main()

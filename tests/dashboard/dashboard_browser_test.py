"""The live dashboard in a real browser: Debian's headless `chromium`
loads the page of node a of a 3-node cluster with a tokens file, driven
through the Chrome DevTools Protocol (python3-websocket). It checks the
login (a wrong token is refused, the right one makes the page live and its
session cookie HttpOnly), the members all UP, the `done` count and recent
jobs of echo growing with a burst of jobs, a forced-open breaker, a killed
member turning DOWN, and that the JSON Patch deltas the page applied add
up to a fresh snapshot of the server's state. It takes a screenshot of the
full page (--screenshot PATH keeps it: docs/dashboard.png is made so).

Run: python3 dashboard_browser_test.py --troupe /path/to/troupe
         [--screenshot docs/dashboard.png]

Needs `chromium` (apt-get install chromium). Without it the test fails,
unless TROUPE_SKIP_BROWSER=1 asks to skip it (exit code 77).
"""

import argparse
import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
import urllib.request
from pathlib import Path

import websocket  # Debian's python3-websocket

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from polling import wait_for  # noqa: E402
from processes import Processes  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SKIP = 77
# Jobs of the burst, all sent to node a: its counts are of the jobs that
# ended through it, wherever they ran, so `done` grows by this many.
BURST = 300
# Syntactically a token, but in no tokens file.
WRONG_TOKEN = "trp_" + "A" * 43


class Cluster:
    def __init__(self, troupe: str, procs: Processes, tmp: Path):
        self.troupe, self.procs, self.tmp = troupe, procs, tmp
        self.tokens = tmp / "tokens"
        self.token = self.run("tokens", "add", "operator", "--role",
                              "operate", "--file", str(self.tokens),
                              auth=False).stdout.strip()
        self.nodes = {}  # name -> (process, client address)
        self.logs = []
        self.http_port = None

    def start_node(self, name: str, join: str = "", http=False):
        """Starts a node; returns its cluster address."""
        port_file = self.tmp / f"{name}.ports"
        args = [self.troupe, "node", "--name", name, "--port", "0",
                "--port-file", str(port_file), "--test-skills", "--tokens",
                str(self.tokens), "--log-level", "warn"]
        if http:
            args += ["--http-port", "0"]
        if join:
            args += ["--join", join]
        log = self.tmp / f"{name}.log"
        self.logs.append(log)
        p = self.procs.start(args, log)
        want = 3 if http else 2

        def ready():
            if p.poll() is not None:
                raise AssertionError(f"node {name} exited:\n{log.read_text()}")
            lines = port_file.read_text().split() if port_file.exists() else []
            return lines if len(lines) >= want else None

        lines = wait_for(f"node {name}'s ports", ready, seconds=60)
        self.nodes[name] = (p, f"127.0.0.1:{lines[0]}")
        if http:
            self.http_port = int(lines[2])
        return f"127.0.0.1:{lines[1]}"

    def client(self, name: str) -> str:
        return self.nodes[name][1]

    def run(self, *args, check=True, auth=True):
        args = [self.troupe, *args] + (["--token", self.token] if auth else [])
        r = subprocess.run(args, capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(args[:-1])}: {r.stderr}")
        return r

    def members_up(self, name: str) -> int:
        r = self.run("status", "--node", self.client(name), "--json",
                     check=False)
        if r.returncode != 0:
            return 0
        members = json.loads(r.stdout).get("members", [])
        return sum(1 for m in members if m.get("status") == "up")


class Cdp:
    """A minimal Chrome DevTools Protocol client over one page target:
    a command is sent with the next id and answered by the message with that
    id; events in between are dropped."""

    def __init__(self, url: str):
        # No Origin header: Chromium refuses DevTools sockets from origins
        # it was not told to allow.
        self.ws = websocket.create_connection(url, timeout=60,
                                              suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method,
                                 "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def eval(self, expression: str):
        r = self.call("Runtime.evaluate", expression=expression,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise AssertionError(
                f"{expression}: {d.get('exception', {}).get('description') or d}")
        return r["result"].get("value")

    def close(self):
        self.ws.close()


def start_chromium(procs: Processes, tmp: Path) -> Cdp:
    profile = tmp / "chromium-profile"
    # Its own process group, so that its helpers (renderer, GPU, zygote)
    # can be found by the browser's PID at the end.
    browser = procs.start([
        CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run",
        "--no-default-browser-check", "--disable-extensions",
        "--disable-background-networking",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--remote-debugging-port=0", f"--user-data-dir={profile}",
        "--window-size=1280,900", "about:blank"], tmp / "chromium.log",
        start_new_session=True)
    active = profile / "DevToolsActivePort"

    def port():
        if browser.poll() is not None:
            raise AssertionError("chromium exited:\n"
                                 + (tmp / "chromium.log").read_text())
        lines = active.read_text().split() if active.exists() else []
        return lines[0] if len(lines) >= 2 else None

    devtools = wait_for("chromium's DevToolsActivePort", port, seconds=60)

    def page_target():
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{devtools}/json/list", timeout=10) as r:
                targets = json.load(r)
        except OSError:
            return None
        pages = [t for t in targets if t.get("type") == "page"
                 and t.get("webSocketDebuggerUrl")]
        return pages[0]["webSocketDebuggerUrl"] if pages else None

    return Cdp(wait_for("a page target in chromium", page_target, seconds=30,
                        step=0.2))


def stop_chromium_group(procs: Processes):
    """Whatever the browser's helpers left in its process group (the
    group's id is the browser's PID)."""
    for p in procs.procs:
        if p.args and p.args[0] == CHROMIUM:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def dom(cdp: Cdp, what: str, expression: str, seconds=30.0):
    """Polls a page expression until it is true; returns its value."""
    return wait_for(what, lambda: cdp.eval(expression), seconds=seconds,
                    step=0.1)


def text_of(selector: str) -> str:
    """An expression: the text of the first match, or null."""
    return (f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " return e ? e.textContent : null; })()")


MEMBERS = """Object.fromEntries([...document.querySelectorAll(
  '#members tbody tr[data-member]')].map((tr) => [tr.dataset.member,
  tr.querySelector('td.status').textContent]))"""


def number(text):
    """A cell's number; None for the page's dash or nothing."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def skill_cell(skill: str, cell: str) -> str:
    return text_of(f"#skills tr[data-skill={json.dumps(skill)}] td.{cell}")


def login(cdp: Cdp, token: str):
    cdp.eval(f"""(() => {{
      document.getElementById('token').value = {json.dumps(token)};
      document.getElementById('login').requestSubmit();
      return true; }})()""")


def fresh_snapshot(http_port: int, token: str) -> dict:
    """The first message of a WebSocket of our own: a snapshot."""
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
    conn.request("POST", "/v1/session",
                 headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    r.read()
    conn.close()
    assert r.status == 204, f"POST /v1/session: HTTP {r.status}"
    cookie = r.getheader("Set-Cookie") or ""
    assert "HttpOnly" in cookie, cookie
    session = cookie.split(";")[0]
    assert session.startswith("troupe_session="), cookie
    origin = f"http://127.0.0.1:{http_port}"
    ws = websocket.create_connection(f"ws://127.0.0.1:{http_port}/v1/dashboard",
                                     timeout=30, cookie=session, origin=origin)
    try:
        msg = json.loads(ws.recv())
    finally:
        ws.close()
    assert msg.get("type") == "snapshot", msg
    return msg["state"]


def selected(state: dict) -> dict:
    """The parts of a state that tell most when page and server differ."""
    return {
        "node": state.get("node", {}).get("name"),
        "members": {k: v.get("status")
                    for k, v in state.get("members", {}).items()},
        "skills": sorted(state.get("skills", {})),
        "echo done": state.get("skills", {}).get("echo", {}).get("done"),
        "breakers": {k: v.get("state")
                     for k, v in state.get("breakers", {}).items()},
        "recent": sorted(state.get("recent", {})),
    }


def check_dashboard(cluster: Cluster, cdp: Cdp, screenshot: Path):
    port = cluster.http_port
    a = cluster.client("a")
    # The viewport, exactly: a headless window's size includes no page area
    # one can rely on.
    cdp.call("Emulation.setDeviceMetricsOverride", width=1280, height=900,
             deviceScaleFactor=1, mobile=False)
    cdp.call("Page.enable")
    cdp.call("Page.navigate", url=f"http://127.0.0.1:{port}/")

    # a. Login: the node has tokens, so the page asks for one.
    dom(cdp, "#conn = login", text_of("#conn") + " === 'login'")
    assert cdp.eval("document.getElementById('login').hidden") is False
    login(cdp, WRONG_TOKEN)
    error = dom(cdp, "an error for the wrong token", text_of("#login-error"))
    # The node's refusal, not the page's own checks.
    assert error != "enter a token" and not error.startswith(
        "network error"), error
    conn = cdp.eval(text_of("#conn"))
    assert conn == "login", f"#conn is {conn!r} after a wrong token"
    login(cdp, cluster.token)
    dom(cdp, "#conn = live", text_of("#conn") + " === 'live'")
    assert cdp.eval("document.getElementById('login').hidden") is True
    assert cdp.eval(text_of("#login-error")) == "", "the error stayed"
    # The session cookie is HttpOnly: no script of the page can read it.
    cookies = cdp.eval("document.cookie")
    assert "troupe_session" not in cookies, cookies
    print(f"ok: login (a wrong token got {error!r})")

    # b. The three members, all UP.
    want = {"a": "UP", "b": "UP", "c": "UP"}
    dom(cdp, "3 members UP", f"JSON.stringify({MEMBERS}) === "
        f"{json.dumps(json.dumps(want, separators=(',', ':')))}")
    assert cdp.eval(text_of("#members-count")) == "3"
    print("ok: members a, b, c UP")

    # c. A burst of echo jobs to node a: its done count grows by as many,
    # its rate shows, and the recent jobs list them.
    before = number(dom(cdp, "echo's done count", skill_cell("echo", "done")))
    assert before is not None, "echo's done count is no number"
    cluster.run("bench", "--node", a, "--skill", "echo", "--input", "hi",
                "--jobs", str(BURST), "--concurrency", "8")
    for i in range(3):
        cluster.run("submit", "--node", a, "--skill", "fail", "--input",
                    f"broken {i}", check=False)
    rates = []

    def grown():
        jps = number(cdp.eval(skill_cell("echo", "jps")))
        rates.append(jps or 0)
        done = number(cdp.eval(skill_cell("echo", "done")))
        return done is not None and done >= before + BURST and jps and done
    done = wait_for(f"echo done >= {before} + {BURST} and its rate", grown,
                    seconds=30, step=0.1)
    assert done == cdp.eval(
        "window.troupeDashboard.state().skills.echo.done"), "td.done"
    workers = cdp.eval(skill_cell("echo", "workers"))
    assert workers and "/" in workers and all(
        x.isdigit() for x in workers.split("/")), workers
    dom(cdp, "fail's SKILL_ERROR count", skill_cell("fail", "errors")
        + " === 'SKILL_ERROR 3'")
    recent = dom(cdp, "recent jobs", """(() => {
      const rows = [...document.querySelectorAll('#recent tbody tr[data-job]')];
      return rows.length > 0 && rows.map((tr) =>
        [tr.dataset.job, tr.querySelector('td.skill').textContent]); })()""")
    skills = [skill for _, skill in recent]
    assert "echo" in skills and "fail" in skills, recent
    ids = [job for job, _ in recent]
    assert len(set(ids)) == len(ids), f"recent jobs' data-job repeat: {ids}"
    print(f"ok: echo done {before:.0f} -> {done:.0f}, jobs/s {max(rates)}"
          f", {len(recent)} recent jobs")

    # d. A breaker forced open shows (flaky's breaker is on).
    dom(cdp, "flaky's breaker row CLOSED", text_of(
        "#breakers tr[data-breaker=flaky] td.state") + " === 'CLOSED'")
    cluster.run("breaker", "--node", a, "--skill", "flaky", "--force-open")
    dom(cdp, "flaky's breaker FORCED_OPEN", text_of(
        "#breakers tr[data-breaker=flaky] td.state") + " === 'FORCED_OPEN'")
    print("ok: breaker flaky FORCED_OPEN")

    # e. The page, full.
    dom(cdp, "the stream counters", text_of("#stream-seq")
        + " === String(window.troupeDashboard.seq())")
    # The whole page, however tall it has grown.
    height = max(900, cdp.eval("document.documentElement.scrollHeight"))
    cdp.call("Emulation.setDeviceMetricsOverride", width=1280, height=height,
             deviceScaleFactor=1, mobile=False)
    shot = cdp.call("Page.captureScreenshot", format="png")
    cdp.call("Emulation.setDeviceMetricsOverride", width=1280, height=900,
             deviceScaleFactor=1, mobile=False)
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG"), "not a PNG"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(png)
    print(f"ok: screenshot, {len(png)} bytes")

    cluster.run("breaker", "--node", a, "--skill", "flaky", "--reset")
    dom(cdp, "flaky's breaker CLOSED after the reset", text_of(
        "#breakers tr[data-breaker=flaky] td.state") + " === 'CLOSED'")
    print("ok: breaker flaky reset to CLOSED")

    # f. A member killed turns DOWN.
    c = cluster.nodes["c"][0]
    c.kill()
    c.wait(timeout=30)
    dom(cdp, "c DOWN", MEMBERS + "['c'] === 'DOWN'", seconds=30)
    members = cdp.eval(MEMBERS)
    assert members.get("a") == "UP" and members.get("b") == "UP", members
    print("ok: c DOWN after SIGKILL")

    # g. The deltas the page applied add up to the server's state.
    seq = cdp.eval("window.troupeDashboard.seq()")
    assert isinstance(seq, int) and seq > 1, f"seq {seq}"
    assert cdp.eval("window.troupeDashboard.bytes()") > 0
    dom(cdp, "#stream-bytes = bytes()", text_of("#stream-bytes")
        + " === String(window.troupeDashboard.bytes())")
    last = {}

    def agree():
        # Both come from the node's samples, every 500 ms: the page may be
        # a sample behind or ahead of the snapshot while rates still move,
        # so this is polled; an idle cluster's state stops changing.
        server = fresh_snapshot(port, cluster.token)
        page = cdp.eval("window.troupeDashboard.state()")
        last.update(server=server, page=page)
        return server == page and page
    try:
        page = wait_for("the page's state to equal a snapshot's", agree,
                        seconds=30, step=0.25)
    except AssertionError:
        server, page = last.get("server", {}), last.get("page", {})
        differ = sorted(k for k in set(server) | set(page)
                        if server.get(k) != page.get(k))
        raise AssertionError(
            f"page and snapshot differ in {differ}:\n  page:     "
            f"{selected(page)}\n  snapshot: {selected(server)}")
    assert selected(page)["members"] == {"a": "UP", "b": "UP", "c": "DOWN"}
    assert selected(page)["breakers"] == {"flaky": "CLOSED",
                                          "slow": "CLOSED"}, page["breakers"]
    print(f"ok: page state after {seq} messages equals a fresh snapshot "
          f"({len(page['skills'])} skills, {len(page['recent'])} recent jobs)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--troupe", required=True)
    ap.add_argument("--screenshot", type=Path,
                    help="keep the screenshot here (default: discarded)")
    opts = ap.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("TROUPE_SKIP_BROWSER") == "1":
            print(f"skipped: TROUPE_SKIP_BROWSER=1 and no {CHROMIUM}")
            return SKIP
        print(f"{CHROMIUM} is not installed: apt-get install chromium (or "
              "set TROUPE_SKIP_BROWSER=1 to skip this test)", file=sys.stderr)
        return 1

    procs = Processes()
    tmp = Path(tempfile.mkdtemp(prefix="troupe-dashboard-"))
    cluster = cdp = None
    try:
        cluster = Cluster(opts.troupe, procs, tmp)
        seed = cluster.start_node("a", http=True)
        cluster.start_node("b", seed)
        cluster.start_node("c", seed)
        wait_for("3 members up at a", lambda: cluster.members_up("a") == 3,
                 seconds=60, step=0.25)
        cdp = start_chromium(procs, tmp)
        check_dashboard(cluster, cdp,
                        opts.screenshot or tmp / "dashboard.png")
        print("ok: the dashboard in headless chromium")
        return 0
    except Exception:
        traceback.print_exc()
        if cluster is not None:
            for log in cluster.logs:
                if log.exists():
                    tail = log.read_text(errors="replace").splitlines()[-30:]
                    print(f"--- {log.name} (last 30 lines)", *tail, sep="\n")
        if cdp is not None:
            try:
                print("--- the page's text", cdp.eval(
                    "document.body.innerText"), sep="\n")
            except Exception as e:  # the browser may be what failed
                print(f"--- no page text: {e}")
        return 1
    finally:
        if cdp is not None:
            try:
                cdp.close()
            except Exception:
                pass
        procs.stop_all()
        stop_chromium_group(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""troupe's chaos test: a real cluster under steady mixed load and seeded
faults, then a checker that proves every job got exactly one correct
terminal result (docs/reliability.md).

    /usr/bin/python3 tests/chaos/chaos.py --seconds 90 --seed 7 --nodes 4
    bash scripts/chaos.sh --minutes 30 --seed 7

It starts `troupe node` processes (--test-skills, a generated config with
two process skills), each in its own network namespace joined by veth links
to a bridge, so that partitions and packet loss between members can be made
with iptables inside a member's namespace. Without CAP_NET_ADMIN (or with
--no-netns) every node listens on 127.0.0.1 and those two faults are
skipped. Client processes (`troupe submit --jobs - --json`) send chunks of
jobs to random live nodes for the whole run while faults are injected from a
schedule that depends only on the seed. At the end the load stops, every
fault is healed, the clients finish (bounded), the nodes stop, and
tests/chaos/chaos_checker.py checks the results against the execution
journals of the recording skills.

Everything is bounded in time. Namespaces, links and processes are removed
on every way out (including Ctrl-C and an exception); what an earlier run
killed with SIGKILL left behind is removed at the next start. Only the
standard library is used.

Exit codes: 0 every check passed, 1 a check failed, 2 the run could not be
set up (bad option, no binary, cluster did not form), 130 interrupted.
"""

import argparse
import json
import os
import queue
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import chaos_checker as cc  # noqa: E402

# The mix of jobs, by weight. Each kind says how its output is verified.
KINDS = {
    "sha256": cc.JobKind("sha256", "sha256", cc.VERIFY_SHA256),
    "sha256-nocache": cc.JobKind("sha256-nocache", "sha256", cc.VERIFY_SHA256),
    "echo": cc.JobKind("echo", "echo", cc.VERIFY_ECHO),
    "sleep": cc.JobKind("sleep", "sleep", cc.VERIFY_SLEEP),
    "record": cc.JobKind("record", "record", cc.VERIFY_RECORD,
                         recorded=True, idempotent=False),
    "record-idem": cc.JobKind("record-idem", "record-idem", cc.VERIFY_RECORD,
                              recorded=True, idempotent=True),
    "proc-record": cc.JobKind("proc-record", "proc-record", cc.VERIFY_RECORD,
                              recorded=True, idempotent=False),
    "proc-echo": cc.JobKind("proc-echo", "proc-echo", cc.VERIFY_ECHO),
}
MIX = [("sha256", 16), ("sha256-nocache", 10), ("echo", 10), ("sleep", 14),
       ("record", 16), ("record-idem", 14), ("proc-record", 8),
       ("proc-echo", 12)]

# Fault kinds, by weight; the last two need network namespaces.
FAULT_MIX = [("kill", 3.0), ("kill-on-join", 2.5), ("stop", 3.0),
             ("crash", 3.0), ("kill-worker", 1.5), ("partition", 2.0),
             ("loss", 1.5)]
NETWORK_FAULTS = {"partition", "loss"}
# Faults that take a node out (it is down or frozen for a while).
DISRUPTIVE = {"kill", "kill-on-join", "stop"}
# The actors a crash fault hits, by weight: the ones every job passes
# through more often than one skill's pool.
CRASH_PATHS = [("gateway", 3), ("router", 3), ("dispatcher", 3),
               ("membership", 3), ("cache/shard-0", 1), ("cache/shard-1", 1),
               ("skills/sha256", 1), ("skills/echo", 1), ("skills/sleep", 1),
               ("skills/record", 1), ("skills/record-idem", 1),
               ("skills/proc-record", 1), ("skills/proc-echo", 1)]

JOB_TIMEOUT = "8s"
PORT = 4710                 # every node's client port in netns mode
CLUSTER_PORT = 5710         # every node's cluster port in netns mode
WARMUP = 3.0                # seconds of load before the first fault
COOLDOWN = 4.0              # seconds without new faults before the end
CLIENT_SILENCE_LIMIT = 60.0  # a client silent this long is hung
CLIENT_END_LIMIT = 90.0     # after the load stops, clients get this long
NODE_START_LIMIT = 20.0
NODE_STOP_LIMIT = 20.0
STATUS_TIMEOUT = 10.0
NAME_PREFIX = "trc"         # namespaces trc<pid>n<i>, links trc<pid>b/v<i>


def log(msg: str) -> None:
    print(msg, flush=True)


def wall_clock() -> str:
    """Local time as the node logs show it: HH:MM:SS.mmm."""
    now = time.time()
    return time.strftime("%H:%M:%S", time.localtime(now)) + \
        f".{int(now * 1000) % 1000:03d}"


class Clock:
    """Seconds since the start of the run (monotonic) and wall µs."""

    def __init__(self):
        self.t0 = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self.t0

    @staticmethod
    def wall_us() -> int:
        return time.time_ns() // 1000


def run_cmd(args: List[str], check: bool = True, timeout: float = 15.0):
    res = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, timeout=timeout)
    if check and res.returncode != 0:
        raise RuntimeError(f"{shlex.join(args)} failed ({res.returncode}): "
                           f"{res.stderr.strip()}")
    return res


# -- processes ----------------------------------------------------------------

class Spawner:
    """Starts every child process from one long-lived thread.

    Children get PR_SET_PDEATHSIG (through util-linux's setpriv), so that
    they die with the driver even when it is killed with SIGKILL. The kernel
    sends that signal when the *thread* that forked exits, so all forks
    happen here, on a thread that lives until the end of the run."""

    def __init__(self):
        self.q: "queue.Queue" = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="spawner",
                                       daemon=True)
        self.pdeathsig = shutil.which("setpriv") is not None
        self.thread.start()

    def _loop(self):
        while True:
            item = self.q.get()
            if item is None:
                return
            args, kwargs, fut = item
            try:
                fut.set_result(subprocess.Popen(args, **kwargs))
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                fut.set_exception(e)

    def popen(self, args: List[str], **kwargs) -> subprocess.Popen:
        if self.pdeathsig:
            args = ["setpriv", "--pdeathsig", "KILL", "--"] + args
        kwargs.setdefault("start_new_session", True)
        fut: Future = Future()
        self.q.put((args, kwargs, fut))
        return fut.result(timeout=30)

    def close(self):
        self.q.put(None)
        self.thread.join(timeout=5)


def last_line(path: Optional[Path]) -> str:
    """The last line a node wrote (why it did not start), shortened."""
    try:
        lines = [x for x in path.read_text(errors="replace").splitlines()
                 if x.strip()]
    except (OSError, AttributeError):
        return "?"
    return lines[-1][:300] if lines else "(nothing logged)"


def slim(rec: dict) -> dict:
    """What the checker needs of a client's result record (a long run holds
    a million of them)."""
    out = {"line": rec.get("line"),
           "status": sys.intern(str(rec.get("status"))),
           "output": rec.get("output", ""),
           "node": sys.intern(str(rec.get("node", "")))}
    if out["status"] != "OK":
        out["error"] = str(rec.get("error", ""))[:300]
    return out


def children_of(pid: int) -> List[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(pid):
            out.append(int(entry))
    return sorted(out)


def signal_quietly(pid: int, sig: int) -> bool:
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


# -- network ------------------------------------------------------------------

class Network:
    """Where nodes listen: their own network namespaces on a bridge, or
    127.0.0.1 (no partitions or packet loss then)."""

    def __init__(self, nodes: int, use_netns: bool):
        self.nodes = nodes
        self.netns = False
        self.reason = ""
        self.run_id = str(os.getpid())
        self.bridge = f"{NAME_PREFIX}{self.run_id}b"
        self.subnet = ""
        self.created_ns: List[str] = []
        self.bridge_created = False
        self.ports: Dict[int, int] = {}
        self.cluster_ports: Dict[int, int] = {}
        if use_netns:
            self.reason = self._try_setup()
            self.netns = not self.reason
        else:
            self.reason = "--no-netns given"
        if not self.netns:
            self.teardown()
            for i in range(1, nodes + 1):
                self.ports[i] = free_port()
                self.cluster_ports[i] = free_port()

    def host(self, i: int) -> str:
        return f"{self.subnet}.{i}" if self.netns else "127.0.0.1"

    def port(self, i: int) -> int:
        return PORT if self.netns else self.ports[i]

    def address(self, i: int) -> str:
        return f"{self.host(i)}:{self.port(i)}"

    def cluster_port(self, i: int) -> int:
        return CLUSTER_PORT if self.netns else self.cluster_ports[i]

    def cluster_address(self, i: int) -> str:
        """Where members reach node i (what --join names)."""
        return f"{self.host(i)}:{self.cluster_port(i)}"

    def wrap(self, i: int, args: List[str]) -> List[str]:
        """`args` run inside node i's namespace."""
        if not self.netns:
            return args
        return ["ip", "netns", "exec", self.ns_name(i)] + args

    def _try_setup(self) -> str:
        for tool in ("ip", "iptables"):
            if shutil.which(tool) is None:
                return f"{tool} is not installed (scripts/deps.sh installs it)"
        remove_leftovers()
        try:
            self.subnet = pick_subnet()
            run_cmd(["ip", "link", "add", self.bridge, "type", "bridge"])
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            return f"cannot create network namespaces and links ({e})"
        self.bridge_created = True
        try:
            run_cmd(["ip", "addr", "add", f"{self.subnet}.254/24", "dev",
                     self.bridge])
            run_cmd(["ip", "link", "set", self.bridge, "up"])
            for i in range(1, self.nodes + 1):
                ns = self.ns_name(i)
                veth = f"{NAME_PREFIX}{self.run_id}v{i}"
                run_cmd(["ip", "netns", "add", ns])
                self.created_ns.append(ns)
                run_cmd(["ip", "link", "add", veth, "type", "veth", "peer",
                         "name", "eth0", "netns", ns])
                run_cmd(["ip", "link", "set", veth, "master", self.bridge,
                         "up"])
                run_cmd(["ip", "-n", ns, "addr", "add",
                         f"{self.subnet}.{i}/24", "dev", "eth0"])
                run_cmd(["ip", "-n", ns, "link", "set", "eth0", "up"])
                run_cmd(["ip", "-n", ns, "link", "set", "lo", "up"])
                run_cmd(["ip", "netns", "exec", ns, "iptables", "-w", "-L",
                         "-n"])
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            return f"cannot set up network namespaces ({e})"
        return ""

    def ns_name(self, i: int) -> str:
        return f"{NAME_PREFIX}{self.run_id}n{i}"

    def iptables(self, i: int, *rule: str) -> None:
        run_cmd(["ip", "netns", "exec", self.ns_name(i), "iptables", "-w"]
                + list(rule))

    def partition(self, a: int, b: int, on: bool) -> None:
        op = "-A" if on else "-D"
        for x, y in ((a, b), (b, a)):
            self.iptables(x, op, "INPUT", "-s", self.host(y), "-j", "DROP")
            self.iptables(x, op, "OUTPUT", "-d", self.host(y), "-j", "DROP")

    def loss(self, i: int, others: List[int], p: float, on: bool) -> None:
        op = "-A" if on else "-D"
        for o in others:
            for chain, flag in (("INPUT", "-s"), ("OUTPUT", "-d")):
                self.iptables(i, op, chain, flag, self.host(o), "-m",
                              "statistic", "--mode", "random",
                              "--probability", f"{p:.2f}", "-j", "DROP")

    def heal_all(self) -> None:
        if not self.netns:
            return
        for i in range(1, self.nodes + 1):
            try:
                self.iptables(i, "-F")
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                log(f"chaos: could not flush iptables of n{i}: {e}")

    def teardown(self) -> None:
        for ns in self.created_ns:
            remove_namespace(ns)
        self.created_ns = []
        if self.bridge_created:
            run_cmd(["ip", "link", "del", self.bridge], check=False)
            self.bridge_created = False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pick_subnet() -> str:
    """A 10.77.X.0/24 that no interface uses (runs side by side differ)."""
    used = run_cmd(["ip", "-o", "-4", "addr"]).stdout
    start = os.getpid() % 200
    for k in range(250):
        x = (start + k) % 250 + 1
        if f" 10.77.{x}." not in used:
            return f"10.77.{x}"
    raise RuntimeError("no free 10.77.X.0/24 subnet")


def remove_namespace(ns: str) -> None:
    pids = run_cmd(["ip", "netns", "pids", ns], check=False).stdout.split()
    for p in pids:
        if p.isdigit():
            signal_quietly(int(p), signal.SIGKILL)
    run_cmd(["ip", "netns", "del", ns], check=False)


def driver_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"chaos.py" in f.read()
    except OSError:
        return False


def remove_leftovers() -> None:
    """Namespaces and links of earlier runs whose driver is gone."""
    ns_re = re.compile(rf"^{NAME_PREFIX}(\d+)n\d+$")
    link_re = re.compile(rf"^{NAME_PREFIX}(\d+)[bv]\d*$")
    listing = run_cmd(["ip", "netns", "list"], check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        m = ns_re.match(name)
        if m and not driver_alive(int(m.group(1))):
            log(f"chaos: removing namespace {name} left by an earlier run")
            remove_namespace(name)
    links = run_cmd(["ip", "-o", "link"], check=False).stdout
    for line in links.splitlines():
        parts = line.split(":")
        if len(parts) < 2:
            continue
        name = parts[1].strip().split("@")[0]
        m = link_re.match(name)
        if m and not driver_alive(int(m.group(1))):
            log(f"chaos: removing link {name} left by an earlier run")
            run_cmd(["ip", "link", "del", name], check=False)


# -- nodes --------------------------------------------------------------------

class Node:
    """One member slot: n<i>, restarted under the same name."""

    def __init__(self, i: int, run: "ChaosRun"):
        self.i = i
        self.id = f"n{i}"
        self.run = run
        self.lock = threading.RLock()
        self.proc: Optional[subprocess.Popen] = None
        self.incarnation = 0
        self.state = "down"        # down, starting, up, stopped
        self.listening = threading.Event()
        self.reader: Optional[threading.Thread] = None
        self.log_path: Optional[Path] = None

    @property
    def address(self) -> str:
        return self.run.net.address(self.i)

    @property
    def cluster_address(self) -> str:
        return self.run.net.cluster_address(self.i)

    def start(self, join: List[str]) -> bool:
        """Starts a new incarnation; true once it listens (joined)."""
        with self.lock:
            self.incarnation += 1
            inc = self.incarnation
            self.log_path = self.run.dir / "logs" / f"{self.id}-{inc}.log"
            journal = self.run.dir / "journals" / f"{self.id}-{inc}.jsonl"
            args = [str(self.run.troupe), "node", "--host",
                    self.run.net.host(self.i), "--port",
                    str(self.run.net.port(self.i)), "--cluster-port",
                    str(self.run.net.cluster_port(self.i)), "--name", self.id,
                    "--test-skills", "--config", str(self.run.config),
                    # A private network of namespaces this run made itself.
                    "--insecure"]
            if join:
                args += ["--join", ",".join(join)]
            if self.run.opts.tls:
                args += self.run.member_tls(self.i, self.id)
            env = dict(os.environ)
            env["TROUPE_TEST_JOURNAL"] = str(journal)
            logf = open(self.log_path, "ab")
            logf.write(f"chaos: starting {shlex.join(args)}\n".encode())
            logf.flush()
            self.listening = threading.Event()
            self.proc = self.run.spawner.popen(
                self.run.net.wrap(self.i, args), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=logf, env=env)
            logf.close()
            self.state = "starting"
            proc, listening = self.proc, self.listening
            self.reader = threading.Thread(
                target=self._read_stdout, args=(proc, listening, self.log_path),
                daemon=True)
            self.reader.start()
        deadline = time.monotonic() + NODE_START_LIMIT
        while time.monotonic() < deadline:
            if listening.wait(0.05):
                with self.lock:
                    if self.proc is proc:
                        self.state = "up"
                return True
            if proc.poll() is not None:
                break
        with self.lock:
            if self.proc is proc:
                self._kill_locked()
        return False

    @staticmethod
    def _read_stdout(proc, listening, log_path):
        with open(log_path, "ab") as out:
            for line in proc.stdout:
                out.write(b"stdout: " + line)
                out.flush()
                if b" serving clients on " in line:
                    listening.set()

    def _kill_locked(self):
        if self.proc is None:
            return
        signal_quietly(self.proc.pid, signal.SIGCONT)
        signal_quietly(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log(f"chaos: {self.id} (pid {self.proc.pid}) did not die in 10 s")
        self.proc = None
        self.state = "down"

    def kill(self) -> bool:
        with self.lock:
            if self.proc is None:
                return False
            self._kill_locked()
            return True

    def sigstop(self) -> bool:
        with self.lock:
            if self.state != "up":
                return False
            signal_quietly(self.proc.pid, signal.SIGSTOP)
            self.state = "stopped"
            return True

    def sigcont(self) -> None:
        with self.lock:
            if self.proc is not None and self.state == "stopped":
                signal_quietly(self.proc.pid, signal.SIGCONT)
                self.state = "up"

    def workers(self) -> List[int]:
        with self.lock:
            return children_of(self.proc.pid) if self.proc else []

    def exited_by_itself(self) -> Optional[int]:
        """The exit status of a process that ended while nobody stopped or
        killed it (then the slot is down), else None."""
        with self.lock:
            if self.proc is None or self.state not in ("up", "stopped"):
                return None
            code = self.proc.poll()
            if code is None:
                return None
            self.proc = None
            self.state = "down"
            return code

    def is_up(self) -> bool:
        with self.lock:
            return self.state == "up" and self.proc is not None \
                and self.proc.poll() is None

    def terminate(self, limit: float) -> Optional[int]:
        """SIGTERM, then SIGKILL after `limit`; the exit status."""
        with self.lock:
            if self.proc is None:
                return None
            signal_quietly(self.proc.pid, signal.SIGCONT)
            signal_quietly(self.proc.pid, signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                log(f"chaos: {self.id} did not stop within {limit:.0f} s of "
                    f"SIGTERM: SIGKILL")
                signal_quietly(self.proc.pid, signal.SIGKILL)
                code = self.proc.wait(timeout=10)
            self.proc = None
            self.state = "down"
            return code


# -- the schedule -------------------------------------------------------------

def make_schedule(seed: int, nodes: int, seconds: float, gap: float,
                  network_faults: bool) -> List[dict]:
    """The faults of a run: a function of the seed and the options only.

    Each fault is planned against a model of which node is disrupted when,
    so that at most max(1, nodes - 3) nodes are down or frozen at a time
    and crash / worker / network faults target nodes that are up."""
    rng = random.Random(seed)
    mix = [(k, w) for k, w in FAULT_MIX
           if network_faults or k not in NETWORK_FAULTS]
    kinds = [k for k, _ in mix]
    weights = [w for _, w in mix]
    gentle = [k for k in kinds if k not in DISRUPTIVE]
    max_disrupted = max(1, nodes - 3)
    busy = {i: 0.0 for i in range(1, nodes + 1)}      # disrupted until
    # A crash or worker kill takes a moment (the CLI connects): no node is
    # killed or stopped right after one, which would make it miss.
    touched = {i: 0.0 for i in range(1, nodes + 1)}
    net_busy = {i: 0.0 for i in range(1, nodes + 1)}  # in a net fault until
    plan = []
    t = WARMUP
    end = seconds - COOLDOWN
    while True:
        t += rng.expovariate(1.0 / gap)
        if t >= end:
            break
        kind = rng.choices(kinds, weights)[0]
        up = [i for i in busy if busy[i] <= t]
        idle = [i for i in up if touched[i] <= t]
        if kind in DISRUPTIVE and (nodes - len(up) >= max_disrupted
                                   or not idle):
            kind = rng.choice(gentle)
        if not up:
            continue
        f = {"t": round(t, 3), "kind": kind}
        if kind == "kill":
            n = rng.choice(idle)
            down = rng.uniform(0.5, 3.0)
            f.update(node=n, down=round(down, 3))
            busy[n] = t + down + 1.5
        elif kind == "kill-on-join":
            n = rng.choice(idle)
            a, b = rng.uniform(0.3, 1.5), rng.uniform(0.5, 2.0)
            f.update(node=n, down=round(a, 3), after_join=round(
                rng.uniform(0.0, 0.1), 3), down2=round(b, 3))
            busy[n] = t + a + b + 3.0
        elif kind == "stop":
            n = rng.choice(idle)
            d = rng.uniform(1.0, 4.0)
            f.update(node=n, duration=round(d, 3))
            busy[n] = t + d + 1.0
        elif kind == "crash":
            f.update(node=rng.choice(up), path=rng.choices(
                [p for p, _ in CRASH_PATHS], [w for _, w in CRASH_PATHS])[0])
            touched[f["node"]] = t + 1.5
        elif kind == "kill-worker":
            f.update(node=rng.choice(up), pick=round(rng.random(), 4))
            touched[f["node"]] = t + 1.5
        elif kind == "partition":
            free = [i for i in up if net_busy[i] <= t]
            if len(free) < 2:
                continue
            a, b = sorted(rng.sample(free, 2))
            d = rng.uniform(2.0, 6.0)
            f.update(node=a, peer=b, duration=round(d, 3))
            net_busy[a] = net_busy[b] = t + d + 0.5
        elif kind == "loss":
            free = [i for i in up if net_busy[i] <= t]
            if not free:
                continue
            n = rng.choice(free)
            d = rng.uniform(2.0, 6.0)
            f.update(node=n, p=round(rng.uniform(0.1, 0.4), 2),
                     duration=round(d, 3))
            net_busy[n] = t + d + 0.5
        plan.append(f)
    for k, f in enumerate(plan, 1):
        f["id"] = k
    return plan


def describe(f: dict) -> str:
    k = f["kind"]
    n = f"n{f['node']}"
    if k == "kill":
        return f"kill -9 {n}, restart after {f['down']} s"
    if k == "kill-on-join":
        return (f"kill -9 {n}, restart after {f['down']} s, kill -9 it "
                f"{f['after_join'] * 1000:.0f} ms after it joined, restart "
                f"after {f['down2']} s")
    if k == "stop":
        return f"SIGSTOP {n} for {f['duration']} s"
    if k == "crash":
        return f"crash {f['path']} of {n}"
    if k == "kill-worker":
        return f"kill -9 a worker process of {n}"
    if k == "partition":
        return f"partition {n} | n{f['peer']} for {f['duration']} s"
    if k == "loss":
        return f"{f['p'] * 100:.0f}% packet loss on {n} for {f['duration']} s"
    return k


# -- the run ------------------------------------------------------------------

class ChaosRun:
    def __init__(self, opts):
        self.opts = opts
        self.seed = opts.seed
        self.seconds = opts.seconds
        self.troupe = Path(opts.troupe).resolve()
        self.test_worker = Path(opts.test_worker).resolve()
        self.dir = Path(opts.workdir).resolve()
        self.clock = Clock()
        self.spawner = Spawner()
        self.net: Optional[Network] = None
        self.nodes: Dict[int, Node] = {}
        self.lock = threading.Lock()
        self.jobs: List[cc.Job] = []
        self.chunks: List[cc.Chunk] = []
        self.results: List[tuple] = []
        self.faults: List[cc.Fault] = []
        self.windows: List[cc.Window] = []
        self.extra_failures: List[tuple] = []
        self.warnings: List[tuple] = []
        self.clients: Dict[int, subprocess.Popen] = {}
        self.stop_load = threading.Event()
        # Set when the load stops: running faults heal at once.
        self.ending = threading.Event()
        self.abort = threading.Event()
        self.answered = 0
        self.t0_wall = ""
        self.exits = 0
        self.fault_threads: List[threading.Thread] = []
        self.config = self.dir / "chaos.conf"
        self.pki_lock = threading.Lock()

    # -- setup ----------------------------------------------------------------

    def member_tls(self, i: int, name: str) -> List[str]:
        """The member TLS options of node i (--tls): a cluster CA for the
        run and a member certificate for the node's name and host, made with
        `troupe certs` when first needed."""
        pki = self.dir / "pki"
        with self.pki_lock:
            if not (pki / "ca.pem").exists():
                subprocess.run([str(self.troupe), "certs", "init", str(pki)],
                               check=True, capture_output=True)
            if not (pki / f"{name}.pem").exists():
                subprocess.run([str(self.troupe), "certs", "issue", str(pki),
                                name, "--host", self.net.host(i)],
                               check=True, capture_output=True)
        return ["--cluster-cert", str(pki / f"{name}.pem"),
                "--cluster-key", str(pki / f"{name}.key"),
                "--cluster-ca", str(pki / "ca.pem")]

    def write_config(self):
        python_dir = self.troupe.parent.parent / "python"
        self.config.write_text(f"""\
; Written by tests/chaos/chaos.py for one run.
[node]
default-timeout = 10s
drain-timeout = 5s

[skills.proc-record]
kind = "process"
description = "journals each execution (Python, not idempotent)"
command = "/usr/bin/python3"
args = ["-u", {json.dumps(str(HERE / "record_worker.py"))}]
env = {{ TROUPE_PYTHON_PATH = {json.dumps(str(python_dir))}, PYTHONDONTWRITEBYTECODE = "1" }}
workers = 2
idempotent = false
timeout = 8s

[skills.proc-echo]
kind = "process"
description = "echoes its input (C++ test worker, idempotent)"
command = {json.dumps(str(self.test_worker))}
workers = 2
idempotent = true
timeout = 8s
""")

    def start_cluster(self) -> bool:
        for i in range(1, self.opts.nodes + 1):
            self.nodes[i] = Node(i, self)
        if not self.nodes[1].start([]):
            log(f"chaos: n1 did not start; see {self.nodes[1].log_path}")
            return False
        seed_addr = [self.nodes[1].cluster_address]
        for i in range(2, self.opts.nodes + 1):
            if not self.nodes[i].start(seed_addr):
                log(f"chaos: n{i} did not start; see {self.nodes[i].log_path}")
                return False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            st = self.status(self.nodes[1])
            if st and sum(1 for m in st.get("members", [])
                          if m.get("status") == "up") == self.opts.nodes:
                return True
            time.sleep(0.2)
        log("chaos: the cluster did not show every member up within 30 s")
        return False

    def status(self, node: Node) -> Optional[dict]:
        try:
            res = run_cmd([str(self.troupe), "status", "--json", "--node",
                           node.address], check=False,
                          timeout=STATUS_TIMEOUT + 5)
        except subprocess.TimeoutExpired:
            return None
        if res.returncode != 0:
            return None
        try:
            return json.loads(res.stdout)
        except json.JSONDecodeError:
            return None

    def up_nodes(self) -> List[Node]:
        return [n for _, n in sorted(self.nodes.items()) if n.is_up()]

    # -- load -----------------------------------------------------------------

    def make_chunk(self, rng: random.Random, chunk_id: int, node: Node):
        size = rng.randint(40, 160)
        lines, jobs = [], []
        names = [k for k, _ in MIX]
        weights = [w for _, w in MIX]
        for line in range(1, size + 1):
            kind = rng.choices(names, weights)[0]
            tag = f"s{self.seed}.C{chunk_id}.L{line}.{kind}"
            inp = tag
            rec = {"skill": KINDS[kind].skill, "timeout": JOB_TIMEOUT}
            if kind == "sleep":
                inp = str(rng.randint(10, 80))
            elif KINDS[kind].recorded and rng.random() < 0.5:
                # Takes a while after journaling: in flight when faults hit.
                inp = f"{tag}@{rng.randint(10, 60)}ms"
            elif kind == "sha256" and rng.random() < 0.5:
                inp = f"hot-{rng.randint(0, 99)}"   # cache hits
            elif kind == "sha256-nocache":
                rec["cache"] = "bypass"
            rec["input"] = inp
            lines.append(json.dumps(rec))
            jobs.append(cc.Job(key=f"C{chunk_id}:{line}", chunk=chunk_id,
                               line=line, kind=kind, skill=KINDS[kind].skill,
                               input=inp, submitted_to=node.id))
        return lines, jobs

    def lane(self, k: int):
        rng = random.Random(f"{self.seed}:lane:{k}")
        n = 0
        while not self.stop_load.is_set() and not self.abort.is_set():
            up = self.up_nodes()
            if not up:
                time.sleep(0.1)
                continue
            node = rng.choice(up)
            n += 1
            chunk_id = (k + 1) * 100000 + n
            self.run_client(rng, chunk_id, node)

    def run_client(self, rng: random.Random, chunk_id: int, node: Node):
        lines, jobs = self.make_chunk(rng, chunk_id, node)
        concurrency = rng.choice([8, 16, 32])
        chunk = cc.Chunk(id=chunk_id, node=node.id, lines=len(lines))
        err_path = self.dir / "clients" / f"C{chunk_id}.err"
        (self.dir / "clients" / f"C{chunk_id}.jsonl").write_text(
            "\n".join(lines) + "\n")
        args = ["stdbuf", "-oL", str(self.troupe), "submit", "--node",
                node.address, "--jobs", "-", "--concurrency", str(concurrency),
                "--json"]
        with open(err_path, "wb") as err:
            started = self.clock.now()
            proc = self.spawner.popen(args, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=err)
        with self.lock:
            self.clients[chunk_id] = proc
            self.jobs.extend(jobs)
            self.chunks.append(chunk)
        try:
            proc.stdin.write(("\n".join(lines) + "\n").encode())
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        arrivals = []
        os.set_blocking(proc.stdout.fileno(), False)
        buf = b""
        last = time.monotonic()
        out_path = self.dir / "clients" / f"C{chunk_id}.out"
        with open(out_path, "wb") as out:
            while True:
                try:
                    data = os.read(proc.stdout.fileno(), 65536)
                except BlockingIOError:
                    data = None
                if data:
                    out.write(data)
                    buf += data
                    last = time.monotonic()
                    *complete, buf = buf.split(b"\n")
                    now = self.clock.now()
                    for raw in complete:
                        if not raw.strip():
                            continue
                        try:
                            rec = json.loads(raw)
                        except json.JSONDecodeError:
                            self.note_failure("client-output",
                                              f"C{chunk_id}: not JSON: "
                                              f"{raw[:200]!r}")
                            continue
                        arrivals.append((slim(rec), now))
                    continue
                if data == b"":
                    break   # EOF
                if time.monotonic() - last > CLIENT_SILENCE_LIMIT \
                        or self.abort.is_set():
                    chunk.hung = not self.abort.is_set()
                    signal_quietly(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.02)
        try:
            chunk.exit_code = proc.wait(timeout=CLIENT_SILENCE_LIMIT)
        except subprocess.TimeoutExpired:
            chunk.hung = True
            signal_quietly(proc.pid, signal.SIGKILL)
            chunk.exit_code = proc.wait(timeout=10)
        ended = self.clock.now()
        chunk.started, chunk.ended = started, ended
        tail = err_path.read_text(errors="replace").strip().splitlines()
        chunk.stderr_tail = " | ".join(tail[-3:])[:400]
        if chunk.exit_code == 3 and not arrivals:
            chunk.unsubmitted = True
        # When each job left: the client reads its lines in order and keeps
        # `concurrency` in flight, so line i (0-based) went out when the
        # (i - concurrency)-th result arrived.
        by_line = {j.line: j for j in jobs}
        for idx, j in enumerate(jobs):
            j.sent = started if idx < concurrency else (
                arrivals[idx - concurrency][1]
                if idx - concurrency < len(arrivals) else ended)
        for rec, at in arrivals:
            j = by_line.get(rec.get("line"))
            if j is not None and j.done is None:
                j.done = at
        with self.lock:
            self.results.extend((chunk_id, rec) for rec, _ in arrivals)
            self.answered += len(arrivals)
            self.clients.pop(chunk_id, None)

    def note_failure(self, category: str, message: str):
        with self.lock:
            self.extra_failures.append((category, message))

    # -- faults ---------------------------------------------------------------

    def join_list(self, exclude: int) -> List[str]:
        return [n.cluster_address for n in self.up_nodes() if n.i != exclude]

    def restart(self, node: Node, tries: int = 5) -> bool:
        """Starts a killed node again under its name; a start that fails
        (e.g. the cluster still knows the old incarnation) is a warning."""
        for attempt in range(tries):
            if self.abort.is_set() or (attempt > 0 and self.ending.is_set()):
                return False
            if node.start(self.join_list(node.i)):
                return True
            why = last_line(node.log_path)
            msg = (f"restart of {node.id} at {self.clock.now():.1f} s failed "
                   f"(try {attempt + 1} of {tries}): {why}; see "
                   f"{node.log_path}")
            log(f"chaos: [{self.clock.now():7.1f}s] {msg}")
            with self.lock:
                self.warnings.append(("restart-failed", msg))
            time.sleep(1.0)
        return False

    def sleep(self, seconds: float):
        """Waits, unless the run is ending (then the fault heals now)."""
        deadline = time.monotonic() + seconds
        while not self.ending.is_set() and not self.abort.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.ending.wait(min(left, 0.1))

    def inject(self, f: dict, fault: cc.Fault):
        """Runs one fault to its end (heal, restart); on its own thread."""
        kind = f["kind"]
        node = self.nodes[f["node"]]
        if kind in ("kill", "kill-on-join"):
            if not node.is_up() or not node.kill():
                fault.applied, fault.note = False, "node was not up"
                return
            self.took_effect(fault)
            self.sleep(f["down"])
            if kind == "kill-on-join" and not self.ending.is_set():
                if not self.restart(node):
                    return
                self.sleep(f["after_join"])
                node.kill()
                second = cc.Fault(id=fault.id * 1000, kind="kill-after-join",
                                  t=0.0, nodes=[node.id],
                                  detail="second kill of " + describe(f))
                self.took_effect(second)
                with self.lock:
                    fault.detail += (f"; killed again {second.t - fault.t:.2f}"
                                     f" s later")
                    self.faults.append(second)
                self.sleep(f["down2"])
            self.restart(node)
        elif kind == "stop":
            start = self.clock.wall_us()
            if not node.sigstop():
                fault.applied, fault.note = False, "node was not up"
                return
            self.took_effect(fault)
            self.sleep(f["duration"])
            node.sigcont()
            self.add_window(node.id, start, "stop")
        elif kind == "crash":
            if not node.is_up():
                fault.applied, fault.note = False, "node was not up"
                return
            res = run_cmd([str(self.troupe), "crash", "--node", node.address,
                           f["path"]], check=False, timeout=20)
            if res.returncode != 0:
                fault.applied = False
                fault.note = (f"troupe crash exited {res.returncode}: "
                              f"{res.stderr.strip()[:200]}")
            else:
                # The actor crashed just before the CLI heard back.
                self.took_effect(fault)
                fault.note = res.stdout.strip()
        elif kind == "kill-worker":
            workers = node.workers()
            if not workers:
                fault.applied, fault.note = False, "no worker process"
                return
            victim = workers[min(int(f["pick"] * len(workers)),
                                 len(workers) - 1)]
            signal_quietly(victim, signal.SIGKILL)
            self.took_effect(fault)
            fault.note = f"pid {victim}"
        elif kind == "partition":
            peer = self.nodes[f["peer"]]
            start = self.clock.wall_us()
            self.net.partition(node.i, peer.i, True)
            self.took_effect(fault)
            self.sleep(f["duration"])
            self.net.partition(node.i, peer.i, False)
            self.add_window(node.id, start, "partition")
            self.add_window(peer.id, start, "partition")
        elif kind == "loss":
            start = self.clock.wall_us()
            others = [i for i in self.nodes if i != node.i]
            self.net.loss(node.i, others, f["p"], True)
            self.took_effect(fault)
            self.sleep(f["duration"])
            self.net.loss(node.i, others, f["p"], False)
            self.add_window(node.id, start, "loss")

    def took_effect(self, fault: cc.Fault):
        """The fault happened now (it counts the jobs in flight now)."""
        fault.t = self.clock.now()
        fault.wall = wall_clock()

    def add_window(self, node_id: str, start_us: int, kind: str):
        with self.lock:
            self.windows.append(cc.Window(node=node_id, start_us=start_us,
                                          end_us=self.clock.wall_us(),
                                          kind=kind))

    def run_fault(self, f: dict):
        nodes = [f"n{f['node']}"] + ([f"n{f['peer']}"] if "peer" in f else [])
        fault = cc.Fault(id=f["id"], kind=f["kind"], t=self.clock.now(),
                         nodes=nodes, detail=describe(f), wall=wall_clock())
        with self.lock:
            self.faults.append(fault)
        try:
            self.inject(f, fault)
        except Exception as e:  # noqa: BLE001 - a fault must not stop the run
            fault.applied = False
            fault.note = f"{type(e).__name__}: {e}"
            log(f"chaos: fault {f['id']} ({describe(f)}) raised {fault.note}")
        if not fault.applied:
            log(f"chaos: [{fault.t:7.1f}s] fault {f['id']} skipped: "
                f"{fault.note}")

    # -- the whole run ----------------------------------------------------------

    def execute(self) -> int:
        for sub in ("logs", "journals", "clients"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        self.write_config()
        self.net = Network(self.opts.nodes, not self.opts.no_netns)
        if self.net.netns:
            log(f"chaos: {self.opts.nodes} nodes in network namespaces on "
                f"{self.net.subnet}.0/24 (bridge {self.net.bridge})")
        else:
            log(f"chaos: nodes on 127.0.0.1; partitions and packet loss are "
                f"SKIPPED: {self.net.reason}")
        plan = make_schedule(self.seed, self.opts.nodes, self.seconds,
                             self.opts.fault_gap, self.net.netns)
        with open(self.dir / "schedule.txt", "w") as out:
            for f in plan:
                out.write(f"{f['t']:8.2f}s  #{f['id']:<4} {describe(f)}\n")
        log(f"chaos: seed {self.seed}, {self.seconds:.0f} s, "
            f"{len(plan)} faults scheduled ({self.dir / 'schedule.txt'})")
        self.clock = Clock()
        if not self.start_cluster():
            return 2
        self.clock = Clock()
        self.t0_wall = wall_clock()
        log(f"chaos: cluster of {self.opts.nodes} up; load from "
            f"{self.opts.clients} client lanes; t = 0 at {self.t0_wall}")
        lanes = [threading.Thread(target=self.lane, args=(k,), daemon=True,
                                  name=f"lane{k}")
                 for k in range(self.opts.clients)]
        for t in lanes:
            t.start()
        fault_threads = self.fault_threads
        next_report = 10.0
        for f in plan:
            while self.clock.now() < f["t"]:
                time.sleep(min(0.05, max(0.0, f["t"] - self.clock.now())))
                self.watch_nodes()
                if self.clock.now() >= next_report:
                    self.progress()
                    next_report += 10.0
            log(f"chaos: [{self.clock.now():7.1f}s] {wall_clock()} #{f['id']} "
                f"{describe(f)}")
            th = threading.Thread(target=self.run_fault, args=(f,),
                                  daemon=True, name=f"fault{f['id']}")
            th.start()
            fault_threads.append(th)
        while self.clock.now() < self.seconds:
            time.sleep(0.05)
            self.watch_nodes()
            if self.clock.now() >= next_report:
                self.progress()
                next_report += 10.0
        log(f"chaos: [{self.clock.now():7.1f}s] stopping the load, healing "
            f"every fault")
        self.stop_load.set()
        self.ending.set()
        deadline = time.monotonic() + 60
        for th in list(fault_threads):
            th.join(timeout=max(0.1, deadline - time.monotonic()))
            if th.is_alive():
                self.note_failure("driver", f"fault thread {th.name} did not "
                                            f"finish")
        for n in self.nodes.values():
            n.sigcont()
        self.net.heal_all()
        deadline = time.monotonic() + CLIENT_END_LIMIT
        for t in lanes:
            while t.is_alive() and time.monotonic() < deadline:
                t.join(timeout=0.1)
                self.watch_nodes()
        if any(t.is_alive() for t in lanes):
            with self.lock:
                left = list(self.clients.items())
            for chunk_id, proc in left:
                self.note_failure("client-incomplete",
                                  f"client C{chunk_id} still running "
                                  f"{CLIENT_END_LIMIT:.0f} s after the load "
                                  f"stopped: killed")
                signal_quietly(proc.pid, signal.SIGKILL)
            for t in lanes:
                t.join(timeout=15)
        log(f"chaos: [{self.clock.now():7.1f}s] clients done; "
            f"{self.answered} results")
        self.watch_nodes()
        self.check_outstanding()
        for n in self.nodes.values():
            code = n.terminate(NODE_STOP_LIMIT)
            if code is not None and code != 0:
                log(f"chaos: {n.id} exited {code} on SIGTERM")
        return -1

    def watch_nodes(self):
        """A node that exits with no fault asking it to is a failure; it is
        restarted (as a process supervisor would) so the load goes on."""
        for n in self.nodes.values():
            code = n.exited_by_itself()
            if code is None:
                continue
            t = self.clock.now()
            how = (f"signal {-code}" if code < 0 else f"code {code}")
            msg = (f"{n.id} (incarnation {n.incarnation}) exited by itself "
                   f"with {how} at {t:.1f} s; see {n.log_path}")
            log(f"chaos: [{t:7.1f}s] {msg}")
            self.note_failure("node-exit", msg)
            with self.lock:
                self.exits += 1
                self.faults.append(cc.Fault(id=100000 + self.exits,
                                            kind="node-exit", t=t,
                                            nodes=[n.id], detail=msg,
                                            wall=wall_clock()))
            if not self.stop_load.is_set():
                th = threading.Thread(target=self.restart_later, args=(n,),
                                      daemon=True)
                th.start()
                self.fault_threads.append(th)

    def restart_later(self, node: Node):
        self.sleep(1.0)
        self.restart(node)

    def progress(self):
        with self.lock:
            busy = len(self.clients)
            answered = self.answered
        up = ",".join(n.id for n in self.up_nodes())
        log(f"chaos: [{self.clock.now():7.1f}s] {answered} results, {busy} "
            f"clients running, up: {up}")

    def check_outstanding(self):
        """Every live node must hold no job any more (bounded wait)."""
        deadline = time.monotonic() + 20
        pending = {n.id: n for n in self.up_nodes()}
        last = {}
        while pending and time.monotonic() < deadline:
            for nid, n in list(pending.items()):
                st = self.status(n)
                if st is not None and st.get("in_flight", 0) == 0:
                    del pending[nid]
                elif st is not None:
                    last[nid] = st.get("in_flight")
            if pending:
                time.sleep(0.5)
        for nid in pending:
            self.note_failure("outstanding",
                              f"{nid} still reports {last.get(nid, '?')} jobs "
                              f"in flight 20 s after every client finished")

    def read_journals(self) -> List[cc.Execution]:
        out = []
        for path in sorted((self.dir / "journals").glob("*.jsonl")):
            node = path.stem.split("-")[0]
            with open(path, encoding="utf-8", errors="replace") as f:
                for k, line in enumerate(f, 1):
                    try:
                        rec = json.loads(line)
                        out.append(cc.Execution(
                            skill=rec["skill"], input=rec["input"],
                            exec_id=rec["exec"], us=int(rec["us"]), node=node,
                            source=f"{path.name}:{k}"))
                    except (json.JSONDecodeError, KeyError, ValueError):
                        self.note_failure("journal-corrupt",
                                          f"{path.name}:{k}: {line[:200]!r}")
        return out

    def checker_input(self) -> cc.Run:
        aliases = {}
        for n in self.nodes.values():
            aliases[n.id] = n.id
            aliases[n.address] = n.id
            aliases[n.cluster_address] = n.id
        return cc.Run(kinds=KINDS, jobs=self.jobs, chunks=self.chunks,
                      results=self.results, executions=self.read_journals(),
                      faults=self.faults, windows=self.windows,
                      node_aliases=aliases,
                      client_addresses={n.address for n in self.nodes.values()},
                      extra_failures=self.extra_failures,
                      extra_warnings=self.warnings)

    def write_records(self, report: cc.Report):
        """chunks.tsv and faults.tsv in the run directory, for a post-mortem
        next to the node logs."""
        answered = {}
        for chunk_id, _ in self.results:
            answered[chunk_id] = answered.get(chunk_id, 0) + 1
        with open(self.dir / "chunks.tsv", "w") as out:
            out.write(f"# t = 0 at {self.t0_wall} (node logs use wall "
                      f"clock)\n")
            out.write("chunk\tnode\tstarted\tended\tlines\tanswered\texit\t"
                      "hung\tunsubmitted\n")
            for c in self.chunks:
                out.write(f"C{c.id}\t{c.node}\t{c.started:.3f}\t{c.ended:.3f}\t"
                          f"{c.lines}\t{answered.get(c.id, 0)}\t{c.exit_code}\t"
                          f"{int(c.hung)}\t{int(c.unsubmitted)}\n")
        with open(self.dir / "faults.tsv", "w") as out:
            out.write("id\tkind\tt\twall\tnodes\tapplied\ttouched\tdetail\t"
                      "note\n")
            for f in sorted(self.faults, key=lambda f: f.t):
                out.write(f"{f.id}\t{f.kind}\t{f.t:.3f}\t{f.wall}\t"
                          f"{','.join(f.nodes)}\t"
                          f"{int(f.applied)}\t{report.touched.get(f.id, 0)}\t"
                          f"{f.detail}\t{f.note}\n")

    def cleanup(self):
        self.abort.set()
        self.stop_load.set()
        with self.lock:
            left = list(self.clients.values())
        for proc in left:
            signal_quietly(proc.pid, signal.SIGKILL)
        for n in self.nodes.values():
            n.kill()
        if self.net is not None:
            self.net.teardown()
        self.spawner.close()


def reproduce_command(opts) -> str:
    args = ["bash", "scripts/chaos.sh", "--seconds", f"{opts.seconds:g}",
            "--seed", str(opts.seed), "--nodes", str(opts.nodes),
            "--clients", str(opts.clients), "--fault-gap", f"{opts.fault_gap:g}"]
    if opts.no_netns:
        args.append("--no-netns")
    return shlex.join(args)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="troupe chaos test: a cluster under load and faults, "
                    "then a checker (docs/reliability.md)")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--seconds", type=float, help="length of the load "
                        "and fault phase (default 60)")
    length.add_argument("--minutes", type=float, help="the same in minutes")
    p.add_argument("--seed", type=int, help="seed of the schedule and the "
                   "load (default: chosen and printed)")
    p.add_argument("--nodes", type=int, default=4, help="3..9 (default 4)")
    p.add_argument("--clients", type=int,
                   help="client processes running at once (default: one "
                        "more than the nodes)")
    p.add_argument("--fault-gap", type=float, default=3.0,
                   help="mean seconds between faults (default 3)")
    p.add_argument("--troupe", default=str(REPO / "build" / "bin" / "troupe"),
                   help="the troupe binary (default build/bin/troupe)")
    p.add_argument("--test-worker", help="the C++ test worker (default: next "
                   "to --troupe)")
    p.add_argument("--workdir", help="run directory (default: a new one "
                   "under the temp dir, removed when the run passes)")
    p.add_argument("--no-netns", action="store_true",
                   help="all nodes on 127.0.0.1: no partitions or loss")
    p.add_argument("--tls", action="store_true",
                   help="members talk over mutual TLS (a cluster CA and a "
                        "member certificate per node, from troupe certs)")
    opts = p.parse_args(argv)
    opts.seconds = (opts.minutes * 60 if opts.minutes is not None
                    else opts.seconds if opts.seconds is not None else 60.0)
    if opts.seed is None:
        opts.seed = random.SystemRandom().randrange(1, 1_000_000)
    if not 3 <= opts.nodes <= 9:
        p.error("--nodes must be 3..9")
    if opts.clients is None:
        opts.clients = opts.nodes + 1
    if opts.clients < 1 or opts.fault_gap <= 0 or opts.seconds < 15:
        p.error("--clients >= 1, --fault-gap > 0 and at least 15 seconds")
    if opts.test_worker is None:
        opts.test_worker = str(Path(opts.troupe).parent / "troupe-test-worker")
    return opts


def main(argv=None) -> int:
    opts = parse_args(argv if argv is not None else sys.argv[1:])
    for what, path in (("--troupe", opts.troupe),
                       ("--test-worker", opts.test_worker)):
        if not os.access(path, os.X_OK):
            print(f"chaos: {what} {path} is not an executable (build first: "
                  f"bash scripts/build.sh)", file=sys.stderr)
            return 2
    keep = opts.workdir is not None
    if opts.workdir is None:
        opts.workdir = tempfile.mkdtemp(prefix=f"troupe-chaos-{opts.seed}-")

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    run = ChaosRun(opts)
    code = 2
    try:
        code = run.execute()
    except KeyboardInterrupt as e:
        log(f"chaos: interrupted ({str(e) or 'Ctrl-C'}); cleaning up")
        code = 130
    finally:
        # A second Ctrl-C must not cut the cleanup short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        run.cleanup()
    if code != -1:
        log(f"chaos: run directory {run.dir}")
        log(f"chaos: reproduce with: {reproduce_command(opts)}")
        return code
    checked = run.checker_input()
    report = cc.check(checked)
    run.write_records(report)
    log("")
    log(cc.format_report(checked, report))
    if report.passed:
        log(f"chaos: seed {opts.seed} passed")
        if not keep:
            shutil.rmtree(run.dir, ignore_errors=True)
        else:
            log(f"chaos: run directory {run.dir}")
        return 0
    log(f"chaos: seed {opts.seed} FAILED; node logs, journals and client "
        f"records are in {run.dir}")
    log(f"chaos: reproduce with: {reproduce_command(opts)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())

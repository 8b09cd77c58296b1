"""The checker of troupe's chaos test: what the run must prove.

Plain data in, a report out; no processes, no clock. tests/chaos/chaos.py
records the run (jobs, results, execution journals, faults) and hands it
here; tests/chaos/test_checker.py feeds it synthetic runs to show that each
check can fail.

A job is named by its key "C<chunk>:<line>": the client process (chunk) that
submitted it and its line in that client's JSONL input. Recording skills
journal each execution with the job's input, which is unique per job.
"""

import bisect
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

# Every terminal status a job may end with (messages/job_status.hpp).
TERMINAL_STATUSES = {
    "OK", "SKILL_ERROR", "TIMEOUT", "OVERLOADED", "BREAKER_OPEN",
    "UNKNOWN_SKILL", "BAD_INPUT", "NODE_LOST", "CANCELLED", "INTERNAL",
}

# How an OK output is verified, per kind of job.
VERIFY_SHA256 = "sha256"     # output == sha256 hex of the input
VERIFY_ECHO = "echo"         # output == input
VERIFY_SLEEP = "sleep"       # output == input (the milliseconds slept)
VERIFY_RECORD = "record"     # "<sha256 hex of input> <execution id>"

# A late execution on a node that was stalled, cut off or losing packets may
# be an attempt given up earlier (its result is dropped), when the retry ran
# during that fault or shortly after it: the journal cannot tell which
# attempt was the last one. The retry within this long after the fault
# ended, the late execution within LATE_EXECUTION_WINDOW_US.
RETRY_WINDOW_US = 5_000_000
LATE_EXECUTION_WINDOW_US = 15_000_000

# Faults that end the connection of a client to its node: the client then
# ends the jobs it had there NODE_LOST itself.
CONNECTION_ENDING = {"kill", "kill-on-join", "kill-after-join", "node-exit"}

# Faults that may rightly make the others declare a member down, and how
# long before a job's start one may explain its NODE_LOST (seconds).
MEMBER_FAULTS = {"kill", "kill-on-join", "kill-after-join", "node-exit",
                 "stop", "partition", "loss"}
MEMBER_CRASHES = ("gateway", "membership", "dispatcher")
SUSPICION_WINDOW = 10.0

# The faults shown next to failed jobs: from this long before the first was
# sent to this long after the last (seconds).
NEAR_BEFORE = 3.0
NEAR_AFTER = 2.0
LOST_MEMBER = re.compile(r"member (\S+) was lost")


@dataclass
class JobKind:
    """A kind of job in the mix: which skill, how its output is checked,
    whether it journals its executions and may run twice."""
    name: str
    skill: str
    verify: str
    recorded: bool = False
    idempotent: bool = True


@dataclass(slots=True)
class Job:
    key: str
    chunk: int
    line: int
    kind: str
    skill: str
    input: str
    submitted_to: str
    # Seconds since the start of the run: when the client sent it (an
    # estimate, see chaos.py) and when its result came back (None: never).
    sent: Optional[float] = None
    done: Optional[float] = None


@dataclass
class Chunk:
    """One client process and the jobs it was given."""
    id: int
    node: str
    lines: int
    # Seconds since the start of the run: the client's life.
    started: float = 0.0
    ended: float = 0.0
    exit_code: Optional[int] = None
    # The client never connected (exit 3 before reading any job): none of
    # its jobs reached a node.
    unsubmitted: bool = False
    # Killed by the driver after it stopped making progress.
    hung: bool = False
    stderr_tail: str = ""


@dataclass(slots=True)
class Execution:
    """One line of an execution journal."""
    skill: str
    input: str
    exec_id: str
    us: int
    node: str
    source: str = ""


@dataclass
class Fault:
    id: int
    kind: str
    t: float                # seconds since the start of the run
    nodes: List[str]
    detail: str = ""
    applied: bool = True
    note: str = ""
    wall: str = ""          # local wall-clock time, as in the node logs


@dataclass
class Window:
    """A node stalled (SIGSTOP), partitioned or losing packets, wall clock
    µs; `end` is when it was healed."""
    node: str
    start_us: int
    end_us: int
    kind: str


@dataclass
class Run:
    kinds: Dict[str, JobKind]
    jobs: List[Job]
    chunks: List[Chunk]
    # (chunk id, the client's JSON record: at least line, status, output,
    # node) in arrival order.
    results: List[Tuple[int, dict]]
    executions: List[Execution]
    faults: List[Fault] = field(default_factory=list)
    windows: List[Window] = field(default_factory=list)
    # Maps what a result's "node" field may hold (a name, an address) to a
    # node id.
    node_aliases: Dict[str, str] = field(default_factory=dict)
    # The addresses clients connect to. Nodes sign their results with their
    # name; a result whose "node" is an address was made by the client
    # itself (its node was lost, or never answered).
    client_addresses: Set[str] = field(default_factory=set)
    # Found by the driver (e.g. a node still holding jobs at the end; a
    # node that could not be restarted).
    extra_failures: List[Tuple[str, str]] = field(default_factory=list)
    extra_warnings: List[Tuple[str, str]] = field(default_factory=list)


@dataclass
class Report:
    failures: List[Tuple[str, str]] = field(default_factory=list)
    # Found, but not against the promise (they do not fail the run).
    warnings: List[Tuple[str, str]] = field(default_factory=list)
    by_status: Counter = field(default_factory=Counter)
    by_kind_status: Dict[str, Counter] = field(
        default_factory=lambda: defaultdict(Counter))
    # fault id -> jobs it touched
    touched: Dict[int, int] = field(default_factory=dict)
    executions: int = 0
    retried_executions: int = 0
    late_executions: int = 0
    unsubmitted_jobs: int = 0
    # Results the clients made themselves, by status.
    client_made: Counter = field(default_factory=Counter)

    @property
    def passed(self) -> bool:
        return not self.failures

    # category -> keys of the jobs that failed it, for the summary by client
    failed_jobs: Dict[str, List[str]] = field(
        default_factory=lambda: defaultdict(list))

    def fail(self, category: str, message: str,
             job: Optional["Job"] = None) -> None:
        self.failures.append((category, message))
        if job is not None:
            self.failed_jobs[category].append(job.key)

    def failure_counts(self) -> Counter:
        return Counter(c for c, _ in self.failures)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _verify_output(kind: JobKind, job: Job, output: str,
                   execs_of_input: List[Execution]) -> Optional[str]:
    """Why an OK output is wrong, or None."""
    if kind.verify == VERIFY_SHA256:
        if output != sha256_hex(job.input):
            return f"expected sha256 {sha256_hex(job.input)}, got {output!r:.100}"
    elif kind.verify in (VERIFY_ECHO, VERIFY_SLEEP):
        if output != job.input:
            return f"expected {job.input!r:.100}, got {output!r:.100}"
    elif kind.verify == VERIFY_RECORD:
        digest, _, exec_id = output.partition(" ")
        if digest != sha256_hex(job.input):
            return (f"expected sha256 {sha256_hex(job.input)} and an "
                    f"execution id, got {output!r:.100}")
        if exec_id not in {e.exec_id for e in execs_of_input}:
            return (f"execution id {exec_id!r:.60} is in no journal for this "
                    f"job's input")
    return None


def _excused(e: Execution, accepted: Execution,
             windows: List[Window]) -> bool:
    """Whether `e`, which ran after the accepted execution, may be an attempt
    given up before it: its node was stalled, cut off or lossy when the
    accepted one ran (the reason to give up on it and retry), and it ran
    during that fault or shortly after."""
    for w in windows:
        if (w.node == e.node and e.node != accepted.node
                and w.start_us <= accepted.us <= w.end_us + RETRY_WINDOW_US
                and w.start_us <= e.us <= w.end_us + LATE_EXECUTION_WINDOW_US):
            return True
    return False


def _given_up(job: Job, accepted: Execution, later: List[Execution],
              windows: List[Window]) -> bool:
    """Whether the accepted execution was surely an attempt given up: a
    later one ran on its own node (a retry there), or its node was stalled,
    cut off or lossy when it ran (why the job was tried again elsewhere).
    A partition or packet loss only cuts links: it gives no node a reason
    to give up an attempt that ran where the job was submitted (the later
    one is then an attempt of a healthy member declared lost)."""
    if any(e.node == accepted.node for e in later):
        return True
    local = accepted.node == job.submitted_to
    return any(w.node == accepted.node
               and w.start_us <= accepted.us <= w.end_us + RETRY_WINDOW_US
               and not (local and w.kind in ("partition", "loss"))
               for w in windows)


def _node_of(result: dict, aliases: Dict[str, str]) -> Optional[str]:
    node = result.get("node") or ""
    return aliases.get(node, node or None)


def _check_client_made(run: Run, rep: Report, job: Job, r: dict,
                       chunk: Optional[Chunk]) -> None:
    """A client answers a job itself only when its node is gone: a TIMEOUT
    of its own means the node lost the job (it promises an answer within
    the deadline plus a grace, well before the client's timer); a NODE_LOST
    of its own, while its node neither died nor lost its gateway, means the
    connection broke for no reason."""
    status = r.get("status")
    if status == "TIMEOUT":
        rep.fail("lost-by-node",
                 f"{job.key} ({job.skill}, submitted to {job.submitted_to}): "
                 f"the node never answered; the client's own timer ended it: "
                 f"{r.get('error', '')!r:.160}", job)
    elif status == "NODE_LOST" and chunk is not None:
        died = any(f.applied and job.submitted_to in f.nodes
                   and (f.kind in CONNECTION_ENDING
                        or (f.kind == "crash" and "gateway" in f.detail))
                   and chunk.started - 1.0 <= f.t <= chunk.ended + 1.0
                   for f in run.faults)
        if not died:
            rep.fail("false-node-lost",
                     f"{job.key} ({job.skill}): the client ended it NODE_LOST "
                     f"although {job.submitted_to} neither died nor lost its "
                     f"gateway: {r.get('error', '')!r:.160}", job)


def _check_suspicion(run: Run, rep: Report, job: Job, r: dict) -> None:
    """A NODE_LOST that names a member no fault touched around the job's
    time: a healthy member was declared down (a warning: a failure
    detector may be wrong on a loaded machine; the job still got one
    terminal result)."""
    m = LOST_MEMBER.search(r.get("error", ""))
    if not m:
        return
    member = run.node_aliases.get(m.group(1), m.group(1))
    start = (job.sent if job.sent is not None else 0.0) - SUSPICION_WINDOW
    end = (job.done if job.done is not None else float("inf")) + 1.0
    for f in run.faults:
        if not f.applied or member not in f.nodes or not start <= f.t <= end:
            continue
        if f.kind in MEMBER_FAULTS or (
                f.kind == "crash" and any(p in f.detail for p in MEMBER_CRASHES)):
            return
    judge = run.node_aliases.get(r.get("node", ""), r.get("node", ""))
    own = [f"#{f.id} {_label(f)} at {f.t:.1f} s" for f in run.faults
           if f.applied and judge in f.nodes and start <= f.t <= end]
    rep.warnings.append((
        "healthy-member-declared-lost",
        f"{job.key} ({job.skill}) ended NODE_LOST on {judge}, naming "
        f"{member}, which no fault touched from {SUSPICION_WINDOW:.0f} s "
        f"before the job to its end (faults on {judge} then: "
        f"{', '.join(own) or 'none'}): {r.get('error', '')!r:.160}"))


def _count_touched(run: Run, rep: Report, answers: Dict[str, List[dict]],
                   execs: Dict[Tuple[str, str], List[Execution]]) -> None:
    """For each fault, the jobs in flight when it was injected that were
    submitted to, or ran on (result's node, journals), a node it hit. A
    lower bound: a job placed on a node and failed over elsewhere leaves no
    trace of the first node."""
    faults = sorted((f for f in run.faults if f.applied), key=lambda f: f.t)
    times = [f.t for f in faults]
    for f in faults:
        rep.touched[f.id] = 0
    by_chunk: Dict[int, List[Job]] = defaultdict(list)
    for job in run.jobs:
        by_chunk[job.chunk].append(job)
    for c in run.chunks:
        lo = bisect.bisect_left(times, c.started)
        hi = bisect.bisect_right(times, c.ended)
        if lo >= hi:
            continue
        for job in by_chunk.get(c.id, []):
            ran_on = {job.submitted_to}
            for r in answers.get(job.key, []):
                n = _node_of(r, run.node_aliases)
                if n:
                    ran_on.add(n)
            kind = run.kinds[job.kind]
            if kind.recorded:
                ran_on.update(e.node for e in execs.get((kind.skill, job.input), []))
            for f in faults[lo:hi]:
                if job.sent is None or job.sent > f.t:
                    continue
                if job.done is not None and job.done <= f.t:
                    continue
                if ran_on & set(f.nodes):
                    rep.touched[f.id] += 1


def check(run: Run) -> Report:
    rep = Report()
    jobs = {j.key: j for j in run.jobs}
    chunk_by_id = {c.id: c for c in run.chunks}
    unsubmitted = {c.id for c in run.chunks if c.unsubmitted}

    # Results per job.
    answers: Dict[str, List[dict]] = defaultdict(list)
    for chunk_id, rec in run.results:
        line = rec.get("line")
        key = f"C{chunk_id}:{line}"
        if key not in jobs:
            rep.fail("unknown-result",
                     f"client C{chunk_id} answered line {line}, which it was "
                     f"never given: {rec}")
            continue
        answers[key].append(rec)

    # Executions per recorded input.
    execs: Dict[Tuple[str, str], List[Execution]] = defaultdict(list)
    for e in run.executions:
        execs[(e.skill, e.input)].append(e)
    rep.executions = len(run.executions)
    recorded_inputs = {(run.kinds[j.kind].skill, j.input): j
                       for j in run.jobs if run.kinds[j.kind].recorded}
    for (skill, inp), es in execs.items():
        job = recorded_inputs.get((skill, inp))
        if job is None:
            rep.fail("phantom-execution",
                     f"{len(es)} execution(s) of {skill} on input {inp!r:.80} "
                     f"that no job submitted ({es[0].source})")
        elif job.chunk in unsubmitted:
            rep.fail("phantom-execution",
                     f"{job.key} ({skill}) ran although its client never "
                     f"reached a node")

    incomplete_chunks = Counter()
    for key, job in jobs.items():
        kind = run.kinds[job.kind]
        got = answers.get(key, [])
        if job.chunk in unsubmitted:
            rep.unsubmitted_jobs += 1
            if got:
                rep.fail("unknown-result",
                         f"{key}: answered by a client that never connected")
            continue
        if not got:
            incomplete_chunks[job.chunk] += 1
            rep.fail("lost", f"{key} ({job.skill}, submitted to "
                             f"{job.submitted_to}) got no result", job)
            continue
        if len(got) > 1:
            rep.fail("duplicate",
                     f"{key} ({job.skill}) got {len(got)} results: "
                     + ", ".join(r.get("status", "?") for r in got), job)
        r = got[0]
        status = r.get("status")
        rep.by_status[status] += 1
        rep.by_kind_status[job.kind][status] += 1
        if status not in TERMINAL_STATUSES:
            rep.fail("invalid-status", f"{key} ({job.skill}) ended with "
                                       f"status {status!r}", job)
            continue
        if r.get("node") in run.client_addresses:
            rep.client_made[status] += 1
            _check_client_made(run, rep, job, r, chunk_by_id.get(job.chunk))
        elif status == "NODE_LOST":
            _check_suspicion(run, rep, job, r)
        job_execs = execs.get((kind.skill, job.input), []) if kind.recorded else []
        if kind.recorded and len(job_execs) > 1:
            rep.retried_executions += len(job_execs) - 1
        if kind.recorded and not kind.idempotent and len(job_execs) > 1:
            where = ", ".join(f"{e.node}@{e.us}" for e in job_execs)
            rep.fail("double-execution",
                     f"{key} ({job.skill}, not idempotent) ran "
                     f"{len(job_execs)} times: {where}; result {status}", job)
        if status != "OK":
            continue
        why = _verify_output(kind, job, r.get("output", ""), job_execs)
        if why:
            rep.fail("wrong-output", f"{key} ({job.skill}): {why}", job)
            continue
        # (A non-idempotent job that ran twice has failed already.)
        if kind.recorded and kind.idempotent and len(job_execs) > 1:
            exec_id = r.get("output", "").partition(" ")[2]
            accepted = next(e for e in job_execs if e.exec_id == exec_id)
            later = [e for e in job_execs if e.us > accepted.us]
            late = [e for e in later if _excused(e, accepted, run.windows)]
            rep.late_executions += len(late)
            stale = [e for e in later if e not in late]
            if not stale:
                continue
            what = (f"{key} ({job.skill}) accepted execution {exec_id} on "
                    f"{accepted.node} at {accepted.us}, but it ran again "
                    f"later on "
                    + ", ".join(f"{e.node} at {e.us}" for e in stale))
            if _given_up(job, accepted, stale, run.windows):
                rep.fail("stale-result",
                         what + ": a result of an attempt given up was "
                                "accepted", job)
            else:
                rep.warnings.append((
                    "stale-result-suspect",
                    what + "; no fault says which attempt was given up (a "
                           "healthy member declared lost runs its attempt "
                           "late, too)"))

    for chunk_id, n in sorted(incomplete_chunks.items()):
        c = chunk_by_id.get(chunk_id)
        how = ("killed by the driver after it stopped answering" if c and c.hung
               else f"exited {c.exit_code if c else '?'}")
        rep.fail("client-incomplete",
                 f"client C{chunk_id} (node {c.node if c else '?'}) {how} "
                 f"with {n} of {c.lines if c else '?'} lines unanswered"
                 + (f": {c.stderr_tail}" if c and c.stderr_tail else ""))

    _count_touched(run, rep, answers, execs)

    for category, message in run.extra_failures:
        rep.fail(category, message)
    rep.warnings.extend(run.extra_warnings)
    return rep


def _table(rows: List[List[str]], header: List[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    out = []
    for i, row in enumerate([header] + rows):
        out.append("  ".join(str(x).ljust(w) if j == 0 else str(x).rjust(w)
                             for j, (x, w) in enumerate(zip(row, widths))))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _label(f: Fault) -> str:
    """"kill n2", "partition n1|n3", "crash dispatcher of n4"."""
    if f.kind == "crash" and f.detail:
        return f.detail
    return f"{f.kind} {'|'.join(f.nodes)}"


def _by_client(run: Run, rep: Report, limit: int = 40) -> List[str]:
    jobs = {j.key: j for j in run.jobs}
    chunks = {c.id: c for c in run.chunks}
    faults = sorted((f for f in run.faults if f.applied), key=lambda f: f.t)
    out = []
    for cat, keys in sorted(rep.failed_jobs.items()):
        groups: Dict[int, Counter] = defaultdict(Counter)
        sent: Dict[int, List[float]] = defaultdict(list)
        for key in keys:
            job = jobs[key]
            groups[job.chunk][job.skill] += 1
            if job.sent is not None:
                sent[job.chunk].append(job.sent)
        for n, (chunk_id, skills) in enumerate(sorted(
                groups.items(), key=lambda kv: chunks[kv[0]].started)):
            if n == limit:
                out.append(f"  [{cat}] ... and {len(groups) - limit} more "
                           f"clients")
                break
            c = chunks[chunk_id]
            # The faults around the time its failed jobs were sent.
            lo = min(sent[chunk_id], default=c.started) - NEAR_BEFORE
            hi = max(sent[chunk_id], default=c.ended) + NEAR_AFTER
            near = [f for f in faults if lo <= f.t <= hi]
            out.append(
                f"  [{cat}] C{chunk_id} on {c.node} ({c.started:.1f}-"
                f"{c.ended:.1f} s): {sum(skills.values())} jobs ("
                + ", ".join(f"{s} {k}" for s, k in sorted(skills.items()))
                + ")" + ("; faults: " + ", ".join(
                    f"#{f.id} {_label(f)} at {f.t:.1f} s"
                    + (f" ({f.wall})" if f.wall else "") for f in near)
                         if near else "; no fault near"))
    return out


def format_report(run: Run, rep: Report, max_failures: int = 10) -> str:
    lines = []
    kinds = Counter()
    applied = Counter()
    hit = Counter()
    touched = Counter()
    for f in run.faults:
        kinds[f.kind] += 1
        if f.applied:
            applied[f.kind] += 1
        t = rep.touched.get(f.id, 0)
        if t > 0:
            hit[f.kind] += 1
        touched[f.kind] += t
    rows = [[k, kinds[k], applied[k], hit[k], touched[k]] for k in sorted(kinds)]
    rows.append(["total", sum(kinds.values()), sum(applied.values()),
                 sum(hit.values()), sum(touched.values())])
    lines.append("faults")
    lines.append(_table(rows, ["kind", "scheduled", "injected",
                               "hit jobs in flight", "jobs touched"]))
    lines.append("")
    statuses = sorted(rep.by_status, key=lambda s: (s != "OK", s))
    rows = []
    for k in sorted(rep.by_kind_status):
        c = rep.by_kind_status[k]
        rows.append([k] + [c.get(s, 0) for s in statuses] + [sum(c.values())])
    rows.append(["total"] + [rep.by_status[s] for s in statuses]
                + [sum(rep.by_status.values())])
    lines.append("jobs by status")
    lines.append(_table(rows, ["kind"] + statuses + ["total"]))
    extra = [f"{len(run.jobs)} jobs in {len(run.chunks)} client processes"]
    if rep.unsubmitted_jobs:
        extra.append(f"{rep.unsubmitted_jobs} never submitted (their client "
                     f"found its node gone)")
    if rep.client_made:
        extra.append("ended by the client itself: " + ", ".join(
            f"{s} {n}" for s, n in sorted(rep.client_made.items())))
    extra.append(f"{rep.executions} recorded executions "
                 f"({rep.retried_executions} beyond the first of their job, "
                 f"{rep.late_executions} late on a stalled/cut-off node)")
    lines.append("; ".join(extra))
    lines.append("")
    checks = [
        ("every job exactly one terminal result",
         ("lost", "duplicate", "unknown-result", "client-incomplete",
          "invalid-status")),
        ("every job answered by the node while it lived",
         ("lost-by-node", "false-node-lost", "node-exit")),
        ("every OK output correct", ("wrong-output",)),
        ("no non-idempotent job executed twice",
         ("double-execution", "phantom-execution")),
        ("no stale result accepted", ("stale-result",)),
        ("no job outstanding at the end", ("outstanding",)),
    ]
    counts = rep.failure_counts()
    known = set()
    lines.append("checks")
    for title, cats in checks:
        known.update(cats)
        n = sum(counts[c] for c in cats)
        detail = ", ".join(f"{c} {counts[c]}" for c in cats if counts[c])
        lines.append(f"  {'ok  ' if n == 0 else 'FAIL'}  {title}"
                     + (f"  ({detail})" if detail else ""))
    other = {c: n for c, n in counts.items() if c not in known}
    if other:
        lines.append("  FAIL  other: " + ", ".join(f"{c} {n}" for c, n in
                                                   sorted(other.items())))
    if rep.failed_jobs:
        lines.append("")
        lines.append(f"failed jobs by client, with the faults from "
                     f"{NEAR_BEFORE:.0f} s before the first of them was sent "
                     f"to {NEAR_AFTER:.0f} s after the last:")
        lines.extend(_by_client(run, rep))
    if rep.failures:
        lines.append("")
        lines.append(f"failures ({len(rep.failures)}; first {max_failures} "
                     f"per category):")
        shown = Counter()
        for cat, msg in rep.failures:
            shown[cat] += 1
            if shown[cat] <= max_failures:
                lines.append(f"  [{cat}] {msg}")
        for cat, n in shown.items():
            if n > max_failures:
                lines.append(f"  [{cat}] ... and {n - max_failures} more")
    if rep.warnings:
        lines.append("")
        counts = Counter(c for c, _ in rep.warnings)
        lines.append("warnings (they do not fail the run): " + ", ".join(
            f"{c} {n}" for c, n in sorted(counts.items())))
        shown = Counter()
        for cat, msg in rep.warnings:
            shown[cat] += 1
            if shown[cat] <= 5:
                lines.append(f"  [{cat}] {msg}")
    lines.append("")
    lines.append("VERDICT: " + ("PASS" if rep.passed else
                                f"FAIL ({len(rep.failures)} failures)"))
    return "\n".join(lines)

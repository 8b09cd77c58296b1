"""The worker SDK (troupe.worker) speaking the worker protocol over pipes,
as a node runs it: no node needed."""

import os
import struct
import subprocess
import sys
import textwrap

import pytest

from conftest import PYTHON_DIR, ROOT
from troupe.wire import troupe_pb2 as pb


class Worker:
    """A worker process, talked to frame by frame."""

    def __init__(self, argv, cwd, env=None):
        full_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        full_env.update(env or {})
        self.proc = subprocess.Popen(argv, cwd=cwd, env=full_env,
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    def ask(self, request):
        data = request.SerializeToString()
        self.proc.stdin.write(struct.pack(">I", len(data)) + data)
        self.proc.stdin.flush()
        (n,) = struct.unpack(">I", self.proc.stdout.read(4))
        response = pb.WorkerResponse()
        response.ParseFromString(self.proc.stdout.read(n))
        assert response.id == request.id
        return response

    def job(self, skill, data, **kw):
        return self.ask(pb.WorkerRequest(id=7, job=pb.WorkerJob(
            skill=skill, input=data, **kw)))

    def finish(self):
        """Closes stdin; the worker's exit code and stderr."""
        self.proc.stdin.close()
        code = self.proc.wait(30)
        return code, self.proc.stderr.read().decode()


def worker_script(tmp_path, body):
    path = tmp_path / "skill.py"
    path.write_text(textwrap.dedent(body))
    return Worker([sys.executable, "-u", str(path)], tmp_path,
                  {"PYTHONPATH": str(PYTHON_DIR)})


def test_a_skill_function_answers_jobs_and_pings(tmp_path):
    w = worker_script(tmp_path, """
        from troupe import worker

        def shout(data, job):
            print("shouting", job.skill, job.version, job.timeout_ms,
                  job.attempt)  # goes to stderr, not the protocol
            if not data:
                raise worker.BadInput("empty input")
            if data == b"bug":
                raise KeyError("x")
            return data.upper() if data != b"text" else "é"

        worker.serve(shout)
    """)
    assert w.ask(pb.WorkerRequest(id=3, ping=pb.WorkerPing())).HasField(
        "pong")
    ok = w.job("shout", b"abc", version="2", timeout_ms=900, attempt=1)
    assert ok.output == b"ABC"
    assert w.job("shout", b"text").output == "é".encode()
    bad = w.job("shout", b"")
    assert bad.error.bad_input and bad.error.message == "empty input"
    bug = w.job("shout", b"bug")
    assert not bug.error.bad_input and bug.error.message == "KeyError: 'x'"
    assert w.job("shout", b"again").output == b"AGAIN"  # it lives on
    code, err = w.finish()
    assert code == 0
    assert "shouting shout 2 900 1" in err


def test_several_skills_in_text_mode(tmp_path):
    w = worker_script(tmp_path, """
        from troupe import worker
        worker.serve({"upper": str.upper,
                      "count": lambda text, job: f"{job.skill} {len(text)}"},
                     text=True)
    """)
    assert w.job("upper", "héllo".encode()).output == "HÉLLO".encode()
    assert w.job("count", "héllo".encode()).output == b"count 5"
    bad = w.job("upper", b"\xff\xfe")
    assert bad.error.bad_input
    assert bad.error.message == ("input is not UTF-8 text (invalid start "
                                 "byte at byte 0)")
    unknown = w.job("other", b"x")
    assert "does not know skill 'other'" in unknown.error.message
    assert w.finish()[0] == 0


def test_the_text_worker_example_runs_as_skills_conf_says():
    # skills.conf: workdir = ".", env PYTHONPATH = "../../python".
    w = Worker([sys.executable, "-u", "text_worker.py"],
               ROOT / "examples" / "skills", {"PYTHONPATH": "../../python"})
    assert w.job("upper", "hello, wörld".encode()).output == \
        "HELLO, WÖRLD".encode()
    stats = w.job("textstats", b"to be or not to be").output.decode()
    assert '"words": 6' in stats and '["to", 2]' in stats
    code, err = w.finish()
    assert code == 0 and "text_worker ready" in err


def test_the_old_troupe_worker_module_still_serves(tmp_path):
    w = worker_script(tmp_path, f"""
        import sys
        sys.path.insert(0, {str(ROOT / "examples" / "skills")!r})
        import troupe_worker

        def skill(data: bytes, job: troupe_worker.Job) -> bytes:
            if data == b"?":
                raise troupe_worker.BadInput("what?")
            return data[::-1]

        troupe_worker.serve(skill)
    """)
    assert w.job("rev", b"abc").output == b"cba"
    assert w.job("rev", b"?").error.bad_input
    assert w.finish()[0] == 0


@pytest.mark.parametrize("module", ["troupe.worker", "troupe"])
def test_missing_protobuf_shows_the_real_import_error(tmp_path, module):
    # A python3 without protobuf, as another python3 on PATH may be.
    code = (f"import sys; sys.modules['google.protobuf'] = None; "
            f"import {module}")
    out = subprocess.run([sys.executable, "-c", code], cwd=PYTHON_DIR,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "troupe needs protobuf 3.20 or later" in out.stderr
    assert "google.protobuf" in out.stderr      # the real error
    assert "python3-protobuf" in out.stderr     # what to do

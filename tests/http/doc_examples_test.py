"""The `curl` examples of docs/api.md's "HTTP" section, run as shown: each
```sh block in order in one shell (in a fresh directory, with this build's
`troupe` first on PATH), each command's answer checked against the comment
under it. A JSON comment must be contained in the answer (`...` stands for
fields left out); any other comment must equal the answer's first line.

The only changes to the text: the node listens on free ports instead of
4710, 5710 and 8080, and its output and PID go to files so that the test can
stop it.

Run: python3 doc_examples_test.py /path/to/troupe
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from polling import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MARK = "@@troupe-doc-example@@"


def http_section() -> str:
    text = (ROOT / "docs/api.md").read_text()
    start = text.index("\n## HTTP\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def commands(block: str):
    """(command, expected or None) for each command of a block."""
    out, lines = [], block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\") and i < len(lines):
            line = line + "\n" + lines[i]
            i += 1
        expected = None
        if i < len(lines) and lines[i].startswith("# "):
            expected = lines[i][2:]
            i += 1
        out.append((line, expected))
    return out


def contains(whole, part) -> bool:
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            k in whole and contains(whole[k], v) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(whole, list) and len(whole) == len(part) and all(
            contains(w, p) for w, p in zip(whole, part))
    return whole == part


def main() -> int:
    troupe = Path(sys.argv[1]).resolve()
    blocks = re.findall(r"```sh\n(.*?)```", http_section(), re.S)
    assert len(blocks) >= 2, "no examples found in docs/api.md's HTTP section"
    http_port = free_port()
    script, expectations = ["set -e"], []
    for block in blocks:
        for cmd, expected in commands(block):
            cmd = cmd.replace("127.0.0.1:8080", f"127.0.0.1:{http_port}")
            if cmd.startswith("troupe node "):
                cmd = cmd.replace("--http-port 8080", f"--http-port {http_port}")
                cmd = cmd.replace("troupe node ", "troupe node --port 0 ", 1)
                assert cmd.endswith(" &"), cmd
                cmd = cmd[:-2] + " > node.log 2>&1 & echo $! > node.pid"
            script += [cmd, f"echo {MARK}"]
            expectations.append((cmd, expected))
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PATH=f"{troupe.parent}:{os.environ['PATH']}")
        try:
            r = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp,
                               env=env, capture_output=True, text=True,
                               timeout=120)
        finally:
            pid_file = Path(tmp) / "node.pid"
            if pid_file.exists():
                pid = int(pid_file.read_text())
                try:
                    os.kill(pid, signal.SIGTERM)
                    for _ in range(300):  # up to 30 s
                        os.kill(pid, 0)
                        time.sleep(0.1)
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        log = Path(tmp) / "node.log"
        node_log = log.read_text() if log.exists() else ""
    outputs = r.stdout.split(MARK + "\n")
    failures = []
    if r.returncode != 0:
        failures.append(f"the examples stopped (exit {r.returncode}): {r.stderr}")
    for n, (cmd, expected) in enumerate(expectations):
        got = outputs[n].strip() if n < len(outputs) else None
        if expected is None or got is None:
            continue
        if expected.startswith("{"):
            want = json.loads(re.sub(r",?\.\.\.", "", expected))
            try:
                ok = contains(json.loads(got), want)
            except ValueError:
                ok = False
        else:
            ok = got.splitlines()[0].strip() == expected.strip() if got else False
        if not ok:
            failures.append(f"{cmd}\n  expected: {expected}\n  got: {got}")
    if failures:
        print("\n\n".join(failures), file=sys.stderr)
        print("node log:\n" + node_log, file=sys.stderr)
        return 1
    print(f"ok: {len(expectations)} commands of {len(blocks)} blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())

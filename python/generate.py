#!/usr/bin/python3
"""Regenerates the protobuf and gRPC code inside the troupe package.

The generated modules are committed, so that the package works from a clean
clone, from `pip install`, and from `cmake --install` without protoc. Run
this after changing a .proto; `--check` (a ctest) fails while they are
stale:

    /usr/bin/python3 python/generate.py            # rewrite them
    /usr/bin/python3 python/generate.py --check    # exit 1 if stale

Needs Debian's protobuf-compiler and protobuf-compiler-grpc (protoc and
grpc_python_plugin; never python3-grpc-tools, whose protoc is too old).

- troupe/v1/: the client API (messages/wire/troupe/v1/troupe.proto), with
  `messages/wire` as import root, so that the stub's `from troupe.v1 import
  troupe_pb2` finds it inside the package.
- troupe/wire/: the worker protocol (messages/wire/troupe.proto).
"""

import argparse
import difflib
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROTO_ROOT = ROOT / "messages" / "wire"
PACKAGE = HERE / "troupe"

# (proto below PROTO_ROOT, protoc outputs, {generated file: file in PACKAGE})
TARGETS = [
    ("troupe/v1/troupe.proto", ["python", "pyi", "grpc_python"],
     {"troupe/v1/troupe_pb2.py": "v1/troupe_pb2.py",
      "troupe/v1/troupe_pb2.pyi": "v1/troupe_pb2.pyi",
      "troupe/v1/troupe_pb2_grpc.py": "v1/troupe_pb2_grpc.py"}),
    ("troupe.proto", ["python"],
     {"troupe_pb2.py": "wire/troupe_pb2.py"}),
]


def generate(out: Path, protoc: str, plugin: str) -> None:
    for proto, kinds, _ in TARGETS:
        cmd = [protoc, f"-I{PROTO_ROOT}"]
        cmd += [f"--{kind}_out={out}" for kind in kinds]
        if "grpc_python" in kinds:
            cmd.append(f"--plugin=protoc-gen-grpc_python={plugin}")
        cmd.append(str(PROTO_ROOT / proto))
        subprocess.run(cmd, check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="only compare; exit 1 when a file is stale")
    ap.add_argument("--protoc", default=shutil.which("protoc") or
                    "/usr/bin/protoc")
    ap.add_argument("--grpc-plugin", default="/usr/bin/grpc_python_plugin")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        generate(out, args.protoc, args.grpc_plugin)
        stale = []
        for _, _, files in TARGETS:
            for generated, target in files.items():
                src, dst = out / generated, PACKAGE / target
                if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
                    continue
                stale.append(target)
                if args.check:
                    old = dst.read_text().splitlines() if dst.is_file() else []
                    diff = difflib.unified_diff(
                        old, src.read_text().splitlines(),
                        f"committed/{target}", f"generated/{target}",
                        lineterm="", n=1)
                    print("\n".join(list(diff)[:40]))
                else:
                    shutil.copyfile(src, dst)
    if not stale:
        print("generated code is current")
        return 0
    if args.check:
        print(f"stale: {', '.join(stale)} in python/troupe differ from what "
              f"the .proto files generate; run /usr/bin/python3 "
              f"python/generate.py and commit the result", file=sys.stderr)
        return 1
    print(f"regenerated: {', '.join(stale)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

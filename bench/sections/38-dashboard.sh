#!/usr/bin/env bash
# What the dashboard's stream costs: bytes and messages a viewer receives
# from a 3-node cluster with the test skills, idle and while
# `troupe bench` runs echo jobs through the node it watches.
set -euo pipefail
source "$(dirname "$0")/../section_lib.sh"

"$BIN"/troupe node --name a --port 0 --port-file "$dir/a" --http-port 0 --test-skills --log-level warn >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 150); do [ -n "$(sed -n 3p "$dir/a" 2>/dev/null)" ] && break; sleep 0.1; done
for n in b c; do
  "$BIN"/troupe node --name $n --port 0 --port-file "$dir/$n" --test-skills --log-level warn \
    --join "127.0.0.1:$(cluster_port "$dir/a")" >/dev/null 2>&1 &
  pids+=($!)
  wait_ports "$dir/$n"
done

/usr/bin/python3 - "$BIN/troupe" "$(client_port "$dir/a")" "$(sed -n 3p "$dir/a")" <<'PY'
import http.client, json, subprocess, sys, threading, time
import websocket
troupe, grpc_port, http_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
SECONDS = 20

c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
c.request("POST", "/v1/session")
r = c.getresponse()
r.read()
cookie = r.getheader("Set-Cookie").split(";")[0]
ws = websocket.create_connection(
    f"ws://127.0.0.1:{http_port}/v1/dashboard", header=[f"Cookie: {cookie}"],
    origin=f"http://127.0.0.1:{http_port}", timeout=30)
snapshot = ws.recv()
# Until all three members are up and the rates have settled.
deadline = time.monotonic() + 60
state = json.loads(snapshot)["state"]
while len(state["members"]) < 3 and time.monotonic() < deadline:
    ws.settimeout(2)
    try:
        ws.recv()
    except websocket.WebSocketTimeoutException:
        pass
    ws.close()
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{http_port}/v1/dashboard",
        header=[f"Cookie: {cookie}"], origin=f"http://127.0.0.1:{http_port}",
        timeout=30)
    snapshot = ws.recv()
    state = json.loads(snapshot)["state"]


def measure(seconds):
    ws.settimeout(0.5)
    n = size = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            m = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        n += 1
        size += len(m.encode())
    return n / seconds, size / seconds


# Idle: once the rates of the start have left their 10 s window.
measure(11)
idle = measure(SECONDS)
stop = threading.Event()


def bench():
    while not stop.is_set():
        subprocess.run(
            [troupe, "bench", "--node", f"127.0.0.1:{grpc_port}", "--skill",
             "echo", "--jobs", "20000", "--concurrency", "64"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


load = threading.Thread(target=bench)
load.start()
try:
    measure(2)
    busy = measure(SECONDS)
finally:
    stop.set()
    load.join()
ws.close()
print("## Dashboard stream\n")
print("What a dashboard viewer receives over its WebSocket from node a of a "
      "3-node cluster with the test skills (10 skills, 2 breakers), "
      f"over {SECONDS} s: idle (after the start's rates left their "
      "10 s window), and while `troupe bench --skill echo --concurrency 64` "
      "runs batches of 20,000 echo jobs through node a. The node samples twice a second and sends "
      "only the JSON Patch of what changed.\n")
print("| | messages/s | bytes/s |")
print("| --- | ---: | ---: |")
print(f"| the first snapshot | | {len(snapshot.encode()):,} bytes |")
print(f"| idle | {idle[0]:.2f} | {idle[1]:,.0f} |")
print(f"| under load | {busy[0]:.2f} | {busy[1]:,.0f} |")
print()
PY

#!/usr/bin/env python3
"""Bounded loopback load test of `hayloft serve` (stops by itself, binds 127.0.0.1 only): starts a server
on a fresh home with examples/sample uploaded, opens IDLE connections that never send a byte and holds
them, runs CLIENTS keep-alive clients searching for SECONDS while one client streams asks (when the model
is present), then checks the server still answers. Prints one JSON document: requests/s, p50/p99 latency,
errors, asks, server RSS before and after.
Usage: bench/web_load.py [--seconds 60] [--clients 50] [--idle 1000] [--bin build/hayloft]"""
import argparse
import http.client
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ap = argparse.ArgumentParser()
ap.add_argument("--seconds", type=float, default=60)
ap.add_argument("--clients", type=int, default=50)
ap.add_argument("--idle", type=int, default=1000)
ap.add_argument("--bin", default="build/hayloft")
ap.add_argument("--threads", type=int, default=0, help="server --threads (0: its default)")
args = ap.parse_args()
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.idle + args.clients + 256)), hard))

home = tempfile.mkdtemp(prefix="hl-web-load-")
env = dict(os.environ, OPENBLAS_CORETYPE=os.environ.get("OPENBLAS_CORETYPE", "Haswell"))
cmd = [args.bin, "serve", "--home", home, "--port", "0", "--json"]
if args.threads:
    cmd += ["--threads", str(args.threads)]
srv = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
port = json.loads(srv.stdout.readline())["port"]


def rss_kib():
    for line in open(f"/proc/{srv.pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def call(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, r.read()


# Fill the home through the API.
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
boundary = uuid.uuid4().hex
parts = b"".join((f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{n}\"\r\n\r\n").encode()
                 + open(os.path.join("examples/sample", n), "rb").read() + b"\r\n" for n in sorted(os.listdir("examples/sample")))
status, _ = call(c, "POST", "/api/collections/load/documents", parts + f"--{boundary}--\r\n".encode(),
                 {"Content-Type": f"multipart/form-data; boundary={boundary}"})
assert status == 201, status
c.close()
rss_before = rss_kib()

# Idle connections: connect and never send.
idle, idle_failed = [], 0
t0 = time.time()
for _ in range(args.idle):
    try:
        idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError:
        idle_failed += 1
idle_open_s = time.time() - t0

WORDS = ["tesla", "oxygen", "amazon", "river", "born", "electric", "atmosphere", "forest", "current", "gas",
         "species", "motor", "water", "rain", "inventor"]
stop_at = time.time() + args.seconds
lat, errors, lock = [], {}, threading.Lock()


def searcher():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine = []
    while time.time() < stop_at:
        q = "+".join(random.sample(WORDS, 2))
        t = time.perf_counter()
        try:
            status, _ = call(conn, "GET", f"/api/search?q={q}&k=5")
            ok = status == 200
        except Exception as e:  # noqa: counted, the run goes on
            status, ok = type(e).__name__, False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        dt = time.perf_counter() - t
        if ok:
            mine.append(dt)
        else:
            with lock:
                errors[str(status)] = errors.get(str(status), 0) + 1
    with lock:
        lat.extend(mine)


asks = []
has_model = os.path.exists("models/SmolLM2-135M-Instruct.Q4_1.gguf")


def asker():
    while time.time() < stop_at:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        t = time.perf_counter()
        first = None
        conn.request("POST", "/api/ask", body=json.dumps({"collection": "load", "question": "Where was Nikola Tesla born?",
                                                          "mode": "rag", "max_tokens": 24}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        done = False
        for line in r:
            if line.startswith(b"event: token") and first is None:
                first = time.perf_counter() - t
            if line.startswith(b"event: done"):
                done = True
        conn.close()
        asks.append({"ok": r.status == 200 and done, "first_token_s": first, "total_s": time.perf_counter() - t})


threads = [threading.Thread(target=searcher) for _ in range(args.clients)]
if has_model:
    threads.append(threading.Thread(target=asker))
t0 = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.time() - t0
rss_during = rss_kib()

# Idle sockets the server already closed read as EOF; count them, then let go of the rest.
closed_by_server = 0
for s in idle:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            closed_by_server += 1
    except BlockingIOError:
        pass
    except OSError:
        closed_by_server += 1
    s.close()
time.sleep(0.5)
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
t = time.perf_counter()
health, _ = call(c, "GET", "/api/health")
health_s = time.perf_counter() - t
c.close()
rss_after = rss_kib()
srv.terminate()
rc = srv.wait(timeout=30)
subprocess.run(["rm", "-rf", home])

lat.sort()
pct = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1e3, 2) if lat else None  # noqa
ok_asks = [a for a in asks if a["ok"]]
print(json.dumps({
    "bench": "web_load", "seconds": round(elapsed, 1), "clients": args.clients, "cpus": os.cpu_count(),
    "search": {"requests": len(lat), "requests_per_s": round(len(lat) / elapsed, 1), "p50_ms": pct(0.50),
               "p99_ms": pct(0.99), "max_ms": pct(1.0), "errors": errors},
    "asks": {"completed": len(ok_asks), "failed": len(asks) - len(ok_asks),
             "first_token_s": [round(a["first_token_s"] or 0, 2) for a in ok_asks][:10],
             "total_s": [round(a["total_s"], 2) for a in ok_asks][:10]} if has_model else None,
    "idle": {"opened": len(idle), "failed_to_open": idle_failed, "open_s": round(idle_open_s, 2),
             "closed_by_server_by_end": closed_by_server},
    "server": {"rss_mib_before": round(rss_before / 1024, 1), "rss_mib_during": round(rss_during / 1024, 1),
               "rss_mib_after": round(rss_after / 1024, 1), "health_after": health,
               "health_after_ms": round(health_s * 1e3, 1), "exit_code_on_sigterm": rc},
}, indent=1))

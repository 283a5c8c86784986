#!/usr/bin/env python3
"""The JSON API of `hayloft serve` against a real server (started by tests/e2e/web.sh): every endpoint,
the limits (413, 400, 404, 405), hostile paths and names, slow clients, and the token check. Standard
library only. Usage: web_api.py BASE_URL TOKEN [--auth-only]"""
import http.client
import json
import os
import socket
import sys
import time
import urllib.parse
import uuid

BASE = sys.argv[1]
TOKEN = sys.argv[2]
AUTH_ONLY = "--auth-only" in sys.argv
U = urllib.parse.urlparse(BASE)
HOSTILE = []  # (input, what it got) for the report


def request(method, path, body=None, headers=None, token=TOKEN):
    conn = http.client.HTTPConnection(U.hostname, U.port, timeout=60)
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def jreq(method, path, body=None, want=200, **kw):
    status, headers, data = request(method, path, body, **kw)
    assert status == want, (method, path, "want", want, "got", status, data[:500])
    assert headers["content-type"].startswith("application/json"), headers
    return json.loads(data)


def expect_error(method, path, want, kind=None, body=None, note=None, **kw):
    status, headers, data = request(method, path, body, **kw)
    assert status == want, (method, path, "want", want, "got", status, data[:300])
    doc = json.loads(data)
    assert doc["error"]["message"], doc
    if kind:
        assert doc["error"]["kind"] == kind, (doc, kind)
    HOSTILE.append((note or f"{method} {path[:60]}", f"{status} {doc['error']['kind']}"))
    return doc


def raw(data, read_timeout=5):
    """Sends raw bytes on a fresh socket and returns what came back before the server closed."""
    s = socket.create_connection((U.hostname, U.port), timeout=read_timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and b"Content-Length: 0" in out:
                break
    except socket.timeout:
        pass
    s.close()
    return out


def multipart(files):
    boundary = "hl" + uuid.uuid4().hex
    parts = []
    for name, content in files:
        parts.append((f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def auth_checks():
    # Health and the UI are open; everything else under /api and /v1 needs the token.
    assert request("GET", "/api/health", token="")[0] == 200
    assert request("GET", "/", token="")[0] == 200
    for path in ("/api/collections", "/api/runs", "/v1/models"):
        expect_error("GET", path, 401, "unauthorized", token="", note=f"GET {path} without token")
        expect_error("GET", path, 401, "unauthorized", token="wrong", note=f"GET {path} wrong token")
        expect_error("GET", path, 401, "unauthorized", token=TOKEN + "x", note=f"GET {path} token+1 byte")
    status, _, _ = request("GET", "/api/collections", headers={"Authorization": "Basic " + TOKEN}, token="")
    assert status == 401, status
    jreq("GET", "/api/collections")
    print("auth ok")


def static_and_traversal():
    status, headers, data = request("GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html"), (status, headers)
    assert b"<html" in data and b"/app.js" in data
    for path, ctype in (("/app.js", "text/javascript"), ("/style.css", "text/css"), ("/index.html", "text/html")):
        status, headers, data = request("GET", path)
        assert status == 200 and headers["content-type"].startswith(ctype), (path, status, headers)
    # Nothing outside the embedded table can be named, however the path is spelled.
    secret = open("/etc/passwd", "rb").read()[:20]
    for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                 "/ui/../../etc/passwd", "/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd", "/app.js%00.html",
                 "/....//....//etc/passwd", "/%252e%252e/etc/passwd", "//etc/passwd", "/ui/index.html",
                 "/CMakeLists.txt", "/web/web.hpp", "/%", "/%zz"):
        status, _, data = request("GET", path)
        assert status in (400, 404), (path, status)
        assert secret not in data and b"#include" not in data, path
        HOSTILE.append((f"GET {path}", str(status)))
    # Raw request lines http.client would normalise.
    out = raw(b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 404") and secret not in out, out[:100]
    HOSTILE.append(("raw GET /../../etc/passwd", out.split(b"\r\n")[0].decode()))
    print("static + traversal ok")


def limits(max_body):
    expect_error("GET", "/api/nope", 404, "not_found")
    expect_error("GET", "/v1/nope", 404, "not_found")
    expect_error("PUT", "/api/collections", 405, "method_not_allowed")
    expect_error("POST", "/api/collections", 400, "bad_json", body=b"{not json", note="POST bad JSON")
    expect_error("POST", "/api/collections", 400, "bad_json", body=b"[1,2]", note="POST JSON array")
    expect_error("POST", "/api/collections", 400, "bad_json", body=b"\xff\xfe\x00", note="POST binary body")
    expect_error("POST", "/api/collections", 400, "bad_request", body={"name": 7}, note="name not a string")
    expect_error("POST", "/api/collections", 400, "invalid_argument", body={"name": "../etc"}, note="name ../etc")
    expect_error("POST", "/api/collections", 400, "invalid_argument", body={"name": "a" * 65}, note="name 65 chars")
    expect_error("POST", "/api/collections", 400, "invalid_argument", body={"name": ""}, note="empty name")
    # Over the body limit: by Content-Length before reading, and a chunked body that grows past it.
    big = b"x" * (max_body + 1)
    s = socket.create_connection((U.hostname, U.port), timeout=10)
    auth = f"Authorization: Bearer {TOKEN}\r\n".encode() if TOKEN else b""
    try:
        s.sendall(b"POST /api/collections HTTP/1.1\r\nHost: x\r\n" + auth +
                  b"Content-Length: %d\r\n\r\n" % len(big) + big)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = s.recv(65536)
    s.close()
    assert out.startswith(b"HTTP/1.1 413") and b"payload_too_large" in out, out[:300]
    HOSTILE.append((f"{len(big)} B body (limit {max_body})", "413 payload_too_large"))
    out = raw(b"POST /api/collections HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{")
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    HOSTILE.append(("Content-Length: 99999999999", out.split(b"\r\n")[0].decode()))
    conn = http.client.HTTPConnection(U.hostname, U.port, timeout=30)
    h = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    if TOKEN:
        h["Authorization"] = "Bearer " + TOKEN
    conn.request("POST", "/api/collections", body=iter([b"y" * 65536] * (max_body // 65536 + 2)), headers=h,
                 encode_chunked=True)
    r = conn.getresponse()
    assert r.status == 413, r.status
    HOSTILE.append(("chunked body over the limit", "413"))
    conn.close()
    # Header floods and garbage request lines are Poco's to refuse; the server must stay up.
    out = raw(b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(500)) + b"\r\n")
    assert out.startswith(b"HTTP/1.1 400") or out == b"", out[:100]
    HOSTILE.append(("500 header fields", out.split(b"\r\n")[0].decode() or "closed"))
    out = raw(b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 100000 + b"\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400") or out == b"", out[:100]
    HOSTILE.append(("100 kB header value", out.split(b"\r\n")[0].decode() or "closed"))
    out = raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64) + b"\r\n\r\n")
    HOSTILE.append(("TLS ClientHello on plain HTTP", out.split(b"\r\n")[0].decode(errors="replace") or "closed"))
    out = raw(b"BREW /pot HTCPCP/1.0\r\n\r\n")
    HOSTILE.append(("BREW /pot HTCPCP/1.0", out.split(b"\r\n")[0].decode(errors="replace") or "closed"))
    # A slow client (headers never finished) is dropped after the socket timeout, not held forever.
    t0 = time.time()
    out = raw(b"GET /api/health HTTP/1.1\r\nHost: x\r\n", read_timeout=30)
    held = time.time() - t0
    assert held < 20, held
    HOSTILE.append(("half a request, then silence", f"closed after {held:.1f} s"))
    assert request("GET", "/api/health")[0] == 200  # still answering
    print("limits ok")


def library():
    doc = jreq("GET", "/api/health")
    assert doc["ok"] is True and doc["auth"] is False
    spec = jreq("GET", "/api/openapi.json")
    assert spec["openapi"].startswith("3.") and "/api/collections/{name}/documents" in spec["paths"], spec.keys()

    assert jreq("GET", "/api/collections")["collections"] == []
    c = jreq("POST", "/api/collections", {"name": "docs"}, want=201)
    assert c["name"] == "docs" and c["documents"] == 0
    assert jreq("POST", "/api/collections", {"name": "docs"}, want=200)["id"] == c["id"]  # idempotent
    names = [x["name"] for x in jreq("GET", "/api/collections")["collections"]]
    assert names == ["docs"], names
    assert jreq("GET", "/api/collections/docs")["name"] == "docs"
    expect_error("GET", "/api/collections/nope", 404, "not_found")
    expect_error("GET", "/api/collections/nope/documents", 404, "not_found")

    # Upload: the three sample files, a path-traversal name, a hidden name, and a file no reader takes.
    sample = "examples/sample"
    files = [(n, open(os.path.join(sample, n), "rb").read()) for n in sorted(os.listdir(sample))]
    files.append(("../../../escaped.md", b"# Escape\n\nThis file tried to leave the upload folder.\n"))
    files.append((".hidden", b"hidden"))
    files.append(("broken.pdf", b"%PDF-1.7\n" + os.urandom(3000)))
    body, headers = multipart(files)
    up = jreq("POST", "/api/collections/docs/documents", body, headers=headers, want=207)
    assert up["added"] == 4, up
    errs = {e["file"]: e for e in up["errors"]}
    assert ".hidden" in errs and errs[".hidden"]["kind"] == "invalid_argument", errs
    assert "broken.pdf" in errs, errs
    assert {f["name"] for f in up["files"] if f["ok"]} >= {"escaped.md", "nikola_tesla.md"}, up["files"]
    home_parent = os.path.dirname(jreq("GET", "/api/health")["home"])
    assert not os.path.exists(os.path.join(home_parent, "escaped.md"))
    HOSTILE.append(("upload filename ../../../escaped.md", "stored as escaped.md in the upload folder"))
    HOSTILE.append(("upload filename .hidden", "per-file error invalid_argument"))
    HOSTILE.append(("upload of random bytes named broken.pdf", f"per-file error {errs['broken.pdf']['kind']}"))
    # Re-uploading the same bytes changes nothing.
    body, headers = multipart(files[:1])
    again = jreq("POST", "/api/collections/docs/documents", body, headers=headers, want=201)
    assert again["unchanged"] == 1 and again["added"] == 0, again
    # Not multipart, no parts, a broken multipart body.
    expect_error("POST", "/api/collections/docs/documents", 415, body=b"x", headers={"Content-Type": "text/plain"},
                 note="upload as text/plain")
    expect_error("POST", "/api/collections/docs/documents", 400, body=b"--zz--\r\n",
                 headers={"Content-Type": "multipart/form-data; boundary=zz"}, note="multipart with no parts")
    expect_error("POST", "/api/collections/docs/documents", 400, body=b"garbage without boundary",
                 headers={"Content-Type": "multipart/form-data; boundary=qq"}, note="multipart garbage")

    docs = jreq("GET", "/api/collections/docs/documents")["documents"]
    assert len(docs) == 4, [d["path"] for d in docs]
    tesla = next(d for d in docs if d["path"].endswith("nikola_tesla.md"))
    assert tesla["chunks"] > 0 and tesla["state"] == "indexed", tesla
    shown = jreq("GET", f"/api/documents/{tesla['id']}")
    text = shown["text"].encode()
    assert shown["chunk_list"], shown
    for ch in shown["chunk_list"]:
        assert text[ch["start"]:ch["end"]] == ch["text"].encode(), ch["ordinal"]
    expect_error("GET", "/api/documents/999999", 404, "not_found")
    expect_error("GET", "/api/documents/abc", 400, "bad_request")
    expect_error("GET", "/api/documents/-1", 400, "bad_request")
    expect_error("GET", "/api/documents/99999999999999999999999", 400, "bad_request")

    hits = jreq("GET", "/api/search?q=Tesla+born&collection=docs&k=3")["hits"]
    assert 1 <= len(hits) <= 3 and hits[0]["path"].endswith("nikola_tesla.md"), hits
    assert "**" in hits[0]["snippet"], hits[0]
    assert jreq("GET", "/api/search?q=" + urllib.parse.quote("zzqqxx_nothing"))["hits"] == []
    bad_utf8 = jreq("GET", "/api/search?q=%ff%fe%fd")  # invalid UTF-8 still gets valid JSON back
    assert bad_utf8["hits"] == [], bad_utf8
    HOSTILE.append(("search q=%ff%fe%fd (invalid UTF-8)", "200, no hits"))
    expect_error("GET", "/api/search", 400, "bad_request", note="search without q")
    expect_error("GET", "/api/search?q=a&k=0", 400, "bad_request")
    expect_error("GET", "/api/search?q=a&k=abc", 400, "bad_request")
    expect_error("GET", "/api/search?q=a&collection=nope", 404, "not_found")
    expect_error("GET", "/api/search?q=%zz", 400, "bad_request", note="search q=%zz")
    expect_error("GET", "/api/search?q=" + "a" * 5000, 400, "bad_request", note="search q of 5000 bytes")
    expect_error("GET", "/api/search?q=a&filter=after:notadate", 400, "invalid_argument")
    status, _, data = request("GET", "/api/search?q=" + urllib.parse.quote('"unbalanced AND ( OR NEAR'))
    assert status in (200, 400), (status, data)
    HOSTILE.append(('search q="unbalanced AND ( OR NEAR', str(status)))

    assert jreq("GET", "/api/runs")["runs"] == [] or True
    expect_error("GET", "/api/runs/999999", 404, "not_found")
    expect_error("GET", "/api/runs/x", 400, "bad_request")
    expect_error("GET", "/api/runs?limit=0", 400, "bad_request")

    # Delete a document (its uploaded file goes too), then the collection.
    escaped = next(d for d in docs if d["path"].endswith("escaped.md"))
    assert os.path.exists(escaped["path"])
    jreq("DELETE", f"/api/documents/{escaped['id']}")
    assert not os.path.exists(escaped["path"])
    expect_error("GET", f"/api/documents/{escaped['id']}", 404, "not_found")
    expect_error("DELETE", f"/api/documents/{escaped['id']}", 404, "not_found")
    assert len(jreq("GET", "/api/collections/docs/documents")["documents"]) == 3
    return docs


def cleanup_collection():
    jreq("POST", "/api/collections", {"name": "scratch"}, want=201)
    gone = jreq("DELETE", "/api/collections/scratch")
    assert gone["ok"], gone
    expect_error("GET", "/api/collections/scratch", 404, "not_found")
    expect_error("DELETE", "/api/collections/scratch", 404, "not_found")


def main():
    if AUTH_ONLY:
        auth_checks()
    else:
        static_and_traversal()
        limits(int(os.environ.get("HL_WEB_MAX_BODY", str(1 << 20))))
        library()
        cleanup_collection()
        if "--model" in sys.argv:
            import web_model  # noqa: the model-backed half (ask, compare, /v1)
            web_model.run(BASE, TOKEN, jreq, request)
    if os.environ.get("HL_WEB_HOSTILE_OUT"):
        with open(os.environ["HL_WEB_HOSTILE_OUT"], "a") as f:
            for what, got in HOSTILE:
                f.write(f"{what}\t{got}\n")
    print("web_api.py: ok", len(HOSTILE), "hostile inputs")


main()

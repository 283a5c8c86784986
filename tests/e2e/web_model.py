"""The model-backed half of the web API test (imported by web_api.py when models/ holds SmolLM2): ask in
each mode streamed as Server-Sent Events, two asks at once (the second is told its queue position),
compare, the memory plan, runs, and /v1 (models, chat completions streamed and not, with a collection)."""
import http.client
import json
import threading
import urllib.parse

Q = "In what year was Nikola Tesla born?"


def sse(base, token, path, body):
    """POSTs JSON and returns the list of (event, data) of the Server-Sent Events reply."""
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    conn.request("POST", path, body=json.dumps(body), headers=h)
    r = conn.getresponse()
    assert r.status == 200, (r.status, r.read()[:300])
    assert r.getheader("Content-Type").startswith("text/event-stream"), r.getheader("Content-Type")
    events, name, data = [], "", []
    for raw in r:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "":
            if data:
                text = "\n".join(data)
                events.append((name or "message", text if text == "[DONE]" else json.loads(text)))
            name, data = "", []
    conn.close()
    return events


def check_ask(events, mode):
    kinds = [e for e, _ in events]
    assert kinds[-1] == "done", kinds[-5:]
    done = events[-1][1]
    tokens = "".join(d["text"] for e, d in events if e == "token")
    assert done["ok"] and done["run_id"] > 0, done
    assert done["mode"] == mode and done["route"] in ("lc", "rag"), done
    assert done["reason"], done
    assert tokens.strip() and done["answer"].strip(), (tokens, done["answer"])
    for k in ("prompt_tokens", "generated_tokens", "total_s", "time_to_first_token_s"):
        assert done[k] > 0, k
    ctx = set(done["context_chunk_ids"])
    for c in done["citations"]["citations"]:
        assert c["chunk_id"] in ctx, c
    return done


def run(base, token, jreq, request):
    expect = lambda *a, **k: None  # noqa
    # Bad asks are refused before any stream opens.
    for body, want in (({"question": Q}, 400), ({"collection": "docs"}, 400), ({"collection": "docs", "question": ""}, 400),
                       ({"collection": "nope", "question": Q}, 404), ({"collection": "docs", "question": Q, "mode": "zz"}, 400),
                       ({"collection": "docs", "question": Q, "max_tokens": 0}, 400),
                       ({"collection": "docs", "question": Q, "max_tokens": "9"}, 400)):
        status, _, data = request("POST", "/api/ask", body)
        assert status == want, (body, status, data[:200])
    done = {}
    for mode in ("rag", "lc", "auto"):
        done[mode] = check_ask(sse(base, token, "/api/ask", {"collection": "docs", "question": Q, "mode": mode,
                                                          "max_tokens": 16}), mode)
        print("ask", mode, done[mode]["route"], repr(done[mode]["answer"][:60]))
    assert done["lc"]["route"] == "lc" and done["rag"]["route"] == "rag"

    # Two at once: one of them waits and is told where it stands.
    results = [None, None]

    def one(i):
        results[i] = sse(base, token, "/api/ask", {"collection": "docs", "question": Q, "mode": "rag", "max_tokens": 24})

    ts = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    busy = [d for r in results for e, d in r if e == "busy"]
    assert busy and busy[0]["position"] == 1, [[e for e, _ in r][:3] for r in results]
    for r in results:
        check_ask(r, "rag")
    print("queue ok: busy events", busy[:1])

    ev = sse(base, token, "/api/compare", {"collection": "docs", "question": Q, "max_tokens": 12})
    rows = [d for e, d in ev if e == "row"]
    assert [r["mode"] for r in rows] == ["lc", "rag", "auto"], rows
    assert ev[-1][0] == "done" and ev[-1][1]["run_id"] > 0, ev[-1]
    runs = jreq("GET", "/api/runs")["runs"]
    kinds = [r["kind"] for r in runs]
    assert kinds.count("ask") >= 5 and "compare" in kinds, kinds
    shown = jreq("GET", f"/api/runs/{done['rag']['run_id']}")
    assert shown["kind"] == "ask" and shown["question"] == Q, shown

    plan = jreq("GET", "/api/model/plan?collection=docs")
    assert plan, plan
    plan2 = jreq("GET", "/api/model/plan?tokens=100000")
    assert plan2 != plan
    status, _, _ = request("GET", "/api/model/plan?collection=nope")
    assert status == 404, status
    print("compare, runs, plan ok")

    models = jreq("GET", "/v1/models")
    assert models["object"] == "list" and models["data"][0]["id"], models
    msgs = [{"role": "user", "content": "Say hello."}]
    c = jreq("POST", "/v1/chat/completions", {"messages": msgs, "max_tokens": 8})
    assert c["object"] == "chat.completion" and c["choices"][0]["message"]["role"] == "assistant", c
    assert c["usage"]["completion_tokens"] > 0 and c["usage"]["prompt_tokens"] > 0, c
    t = c["timings"]
    for k in ("prompt_n", "cache_n", "prompt_ms", "predicted_n", "predicted_ms", "predicted_per_second"):
        assert k in t, k
    assert t["predicted_n"] == c["usage"]["completion_tokens"] and t["predicted_per_second"] > 0, t
    c = jreq("POST", "/v1/chat/completions",
             {"messages": [{"role": "user", "content": Q}], "max_tokens": 16, "hayloft": {"collection": "docs", "mode": "rag"}})
    assert c["hayloft"]["route"] == "rag" and c["hayloft"]["run_id"] > 0, c
    ev = sse(base, token, "/v1/chat/completions", {"messages": msgs, "max_tokens": 8, "stream": True})
    assert ev[-1] == ("message", "[DONE]"), ev[-1]
    chunks = [d for _, d in ev[:-1]]
    assert all(x["object"] == "chat.completion.chunk" for x in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "length") and "timings" in chunks[-1], chunks[-1]
    for body in ({"messages": []}, {"messages": [{"role": "robot", "content": "x"}]}, {"messages": "hi"},
                 {"messages": msgs, "hayloft": {"collection": "nope"}}, {"messages": msgs, "max_tokens": -1}):
        status, _, _ = request("POST", "/v1/chat/completions", body)
        assert status in (400, 404), (body, status)
    print("/v1 ok")

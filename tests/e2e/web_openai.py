#!/usr/bin/env python3
"""The `openai` client from PyPI, unchanged, against hayloft's /v1: lists models, streams a chat
completion and a collection-backed one (extra_body selects the collection and route), and reads the
usage and llama-server timings. Usage: web_openai.py BASE_URL TOKEN"""
import sys

import openai

base, token = sys.argv[1], sys.argv[2] or "unused"
client = openai.OpenAI(base_url=base + "/v1", api_key=token)
models = client.models.list()
model = models.data[0].id
assert model, models

stream = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Say hello."}],
                                        max_tokens=12, stream=True)
pieces, last = [], None
for chunk in stream:
    last = chunk
    if chunk.choices and chunk.choices[0].delta.content:
        pieces.append(chunk.choices[0].delta.content)
assert "".join(pieces).strip(), pieces
assert last.choices[0].finish_reason in ("stop", "length"), last
extra = last.model_extra or {}
assert extra["timings"]["predicted_n"] > 0 and last.usage.completion_tokens > 0, (extra, last.usage)

r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "In what year was Nikola Tesla born?"}],
                                   max_tokens=16, extra_body={"hayloft": {"collection": "docs", "mode": "rag"}})
assert r.choices[0].message.content.strip() and r.usage.prompt_tokens > 100, r
assert r.model_extra["hayloft"]["route"] == "rag" and r.model_extra["timings"]["prompt_n"] >= 0, r.model_extra
try:
    client.chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}],
                                   extra_body={"hayloft": {"collection": "nope"}})
    raise AssertionError("unknown collection accepted")
except openai.NotFoundError:
    pass
print("web_openai.py: ok;", repr("".join(pieces)), "|", repr(r.choices[0].message.content[:60]))

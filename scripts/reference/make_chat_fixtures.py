#!/usr/bin/env python3
"""Writes tests/data/engine/chat_renderings.json: the prompt strings each model's chat template produces
for a set of conversations, from two references:
  jinja     - the GGUF's own tokenizer.chat_template rendered with jinja2 (what HF and llama.cpp --jinja
              produce); null for a model without a template.
  llama_cpp - llama.cpp's built-in format (llama_chat_apply_template with the template text, or with
              the format name for a model without one, e.g. "gemma").
Dev tooling only. Usage: /work/cache/refenv/bin/python scripts/reference/make_chat_fixtures.py"""
import ctypes
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import MODEL_FILES, OUT, versions, write_json  # noqa: E402

CONVERSATIONS = [
    [{"role": "user", "content": "Hello"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"},
     {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "How are you?"}],
    [{"role": "user", "content": "  padded question \n"}, {"role": "assistant", "content": " answer\n\n"},
     {"role": "user", "content": "Line one\nLine two: café 中文"}],
    [{"role": "system", "content": "  Answer from the context only.\n"},
     {"role": "user", "content": "Context: [1] The sky is blue.\nQuestion: what colour is the sky?"}],
]


def llama_cpp_render(tmpl, messages, add_generation_prompt):
    import llama_cpp
    arr = (llama_cpp.llama_chat_message * len(messages))()
    keep = []
    for i, m in enumerate(messages):
        r, c = m["role"].encode(), m["content"].encode()
        keep += [r, c]
        arr[i].role, arr[i].content = r, c
    size = 4096
    while True:
        buf = ctypes.create_string_buffer(size)
        n = llama_cpp.llama_chat_apply_template(tmpl.encode(), arr, len(messages), add_generation_prompt, buf, size)
        if n < 0:
            return None
        if n <= size:
            return buf.raw[:n].decode("utf-8")
        size = n


def main():
    import jinja2
    from gguf import GGUFReader
    models = {}
    for name in ["smollm2", "gemma3", "tiny-qwen2"]:
        path = MODEL_FILES[name]
        if not os.path.exists(path):
            continue
        r = GGUFReader(path)
        f = r.fields.get("tokenizer.chat_template")
        tmpl = f.contents() if f else None
        arch = r.fields["general.architecture"].contents()
        env = jinja2.Environment()
        cases = []
        for conv in CONVERSATIONS:
            for gen in (True, False):
                jinja = env.from_string(tmpl).render(messages=conv, add_generation_prompt=gen,
                                                     bos_token="", eos_token="") if tmpl else None
                ref = llama_cpp_render(tmpl or "gemma", conv, gen)
                cases.append({"messages": conv, "add_generation_prompt": gen, "jinja": jinja, "llama_cpp": ref})
        models[name] = {"architecture": arch, "has_template": tmpl is not None, "cases": cases}
    write_json(os.path.join(OUT, "chat_renderings.json"),
               {"versions": versions(), "models": models,
                "notes": "bos_token rendered as empty: BOS is added by the tokenizer (add_special)."})


if __name__ == "__main__":
    main()

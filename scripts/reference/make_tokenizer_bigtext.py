#!/usr/bin/env python3
"""Writes tests/data/engine/tokenizer_bigtext.json: llama.cpp's token count, an FNV-1a-64 hash of the
int32 little-endian ids, and the first 64 ids, for a large real text - the first 40 Paul Graham essays
(sorted by file name) from shared/data/pg-essays joined with "\\n". Keeps a ~0.5 MB comparison in a
small fixture. Dev tooling only.

Usage: /work/cache/refenv/bin/python scripts/reference/make_tokenizer_bigtext.py [SHARED_DIR]"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import MODEL_FILES, OUT, quiet_llama, versions, write_json  # noqa: E402


def fnv1a64(ids):
    h = 0xCBF29CE484222325
    for b in struct.pack(f"<{len(ids)}i", *ids):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def main(argv):
    from llama_cpp import Llama
    quiet_llama()
    shared = argv[0] if argv else "/work/shared"
    folder = os.path.join(shared, "data", "pg-essays")
    names = sorted(os.listdir(folder))[:40]
    text = "\n".join(open(os.path.join(folder, n), encoding="utf-8").read() for n in names)
    models = {}
    for name in ["smollm2", "gemma3"]:
        llm = Llama(MODEL_FILES[name], vocab_only=True, verbose=False)
        ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        models[name] = {"n_ids": len(ids), "fnv1a64": fnv1a64(ids), "first_ids": ids[:64]}
    write_json(os.path.join(OUT, "tokenizer_bigtext.json"),
               {"files": names, "joiner": "\n", "bytes": len(text.encode("utf-8")), "models": models,
                "truth": "llama.cpp llama_tokenize(text, add_special=false, parse_special=false)",
                "versions": versions()})


if __name__ == "__main__":
    main(sys.argv[1:])

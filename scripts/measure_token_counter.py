#!/usr/bin/env python3
"""Dev-only: measures ingest's approximate_token_counter() against a real BPE tokenizer.

    /work/cache/refenv/bin/python scripts/measure_token_counter.py models/SmolLM2-135M-Instruct.Q4_1.gguf

The counter is re-implemented here rule for rule (ingest/token_counter.cpp; keep the two in step) and
compared per file with llama_cpp's tokenizer (vocab only) on prose (PG essays, the sample collection) and
code (this repository's C++ sources). Prints per-set totals and the mean/max absolute relative error.
"""
import glob
import os
import sys

SHORT_WORD = 8
LONG_WORD_CHARS = 5


def klass(b):
    c = chr(b) if b < 128 else None
    if c is not None and c.isascii() and c.isalpha():
        return "L"
    if c is not None and c.isdigit():
        return "D"
    if c in (" ", "\t"):
        return "S"
    if c in ("\n", "\r", "\f", "\v"):
        return "N"
    if 0x20 < b < 0x7F:
        return "P"
    if b >= 0xC0:
        return "H"
    if b >= 0x80:
        return "C"
    return "O"


def approx(data: bytes) -> int:
    tokens, run, prev = 0, 0, None
    for b in data:
        k = klass(b)
        run = run + 1 if k == prev else 1
        if k == "L":
            tokens += run == 1 or (run > SHORT_WORD and (run - SHORT_WORD - 1) % LONG_WORD_CHARS == 0)
        elif k in ("D", "H", "O"):
            tokens += 1
        elif k == "S":
            tokens += run == 2
        elif k == "N":
            tokens += run == 1
        elif k == "P":
            tokens += run % 2 == 1
        prev = k
    return tokens


def main():
    from llama_cpp import Llama
    model = sys.argv[1] if len(sys.argv) > 1 else "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    llm = Llama(model_path=model, vocab_only=True, verbose=False)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    sets = {
        "prose (pg-essays)": sorted(glob.glob("/work/shared/data/pg-essays/*.txt")),
        "prose (sample)": sorted(glob.glob(os.path.join(root, "examples/sample/*.md"))),
        "code (C++)": sorted(glob.glob(os.path.join(root, "ingest/*.cpp")) + glob.glob(os.path.join(root, "util/*.cpp"))),
    }
    for name, files in sets.items():
        errors, total_real, total_approx = [], 0, 0
        for f in files:
            data = open(f, "rb").read()
            real = len(llm.tokenize(data, add_bos=False, special=False))
            est = approx(data)
            total_real += real
            total_approx += est
            errors.append(abs(est - real) / max(real, 1))
        print(f"{name}: {len(files)} files, real {total_real}, approx {total_approx} "
              f"({100 * (total_approx - total_real) / total_real:+.1f}% overall), "
              f"per-file |error| mean {100 * sum(errors) / len(errors):.1f}% max {100 * max(errors):.1f}%")


if __name__ == "__main__":
    main()
